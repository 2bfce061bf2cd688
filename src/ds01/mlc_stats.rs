//! `mlc-stats [user]`: DS01's take-over of AIME's `mlc-stats`
//! (`scripts/monitoring/mlc-stats-wrapper.sh`, reference ds01.md §1): each
//! of the caller's containers with its status, image and creation date,
//! for a running one its `docker stats` figures and the GPU processes
//! `nvidia-smi` sees in it; then the caller's limits (get_resource_limits'
//! display) and some quick actions.  Read only.
//!
//! Differences from the original, on purpose: it showed the containers
//! of whichever user `$1` named, found by the `ds01.user` label (which
//! whoever makes a container may set); here only the caller's containers
//! are shown, those whose tag carries exactly the caller's uid, and an
//! argument naming anybody else is refused (exit 1).  A GPU process is
//! the container's when its cgroup names the container (the original
//! asked whether the host pid existed inside the container's own pid
//! namespace, which says nothing about whose process it is).

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::container_list::mine::{self, Mine};
use crate::ds01::container_stats::{samples, Figures};
use crate::ds01::get_resource_limits;
use crate::engine::{ContainerStatsResponse, Engine};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{BOLD, GREEN, NC, RED};
use bollard::models::ContainerInspectResponse;
use std::collections::HashMap;
use std::time::Duration;

const NAME: &str = "mlc-stats-wrapper";
const NVIDIA_SMI_TIMEOUT: Duration = Duration::from_secs(10);

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool(NAME).map_err(|e| Failure::stderr(70, e))?;
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    if m.positional(1).is_some() {
        return Err(parse::refusal(&spec, "Too many arguments"));
    }
    let login = ctx.caller.login.clone();
    if let Some(other) = m.positional(0).filter(|u| *u != login) {
        return Err(Failure::stderr(1, not_yours(other, &login)));
    }
    let engine = ctx.engine()?;
    let containers = mine::inspected(&engine, mine::containers(&engine, ctx.caller.uid)?, false)?;
    ctx.out(&header(&login));
    if containers.is_empty() {
        ctx.out(&format!("No containers found for user: {login}\n"));
        return Ok(0);
    }
    let page = containers_section(&engine, &containers);
    ctx.out(&page);
    let limits = limits_display(ctx, &login);
    ctx.out(&format!("{BOLD}Your Resource Limits:{NC}\n{limits}\n"));
    ctx.out(&quick_actions());
    Ok(0)
}

fn not_yours(other: &str, login: &str) -> String {
    format!(
        "{RED}✗ mlc-stats shows only your own containers: '{other}' is not you ({login}).{NC}\n\
         \x20 Run it without an argument to see yours.\n"
    )
}

fn header(login: &str) -> String {
    format!("{GREEN}{BOLD}━━━ Container Statistics for {login} ━━━{NC}\n\n")
}

/// A block for each container, with one stats sample of the running ones
/// (all fetched at once) and `nvidia-smi`'s compute processes (asked once).
fn containers_section(engine: &Engine, containers: &[(Mine, ContainerInspectResponse)]) -> String {
    let running: Vec<String> = containers
        .iter()
        .filter(|(_, record)| status(record) == "running")
        .map(|(m, _)| m.id.clone())
        .collect();
    let mut sampled = if running.is_empty() {
        HashMap::new()
    } else {
        samples(engine, &running)
    };
    let processes = if running.is_empty() {
        Vec::new()
    } else {
        gpu_processes()
    };
    containers
        .iter()
        .map(|(m, record)| block(m, record, sampled.remove(&m.id), &processes))
        .collect()
}

/// One container's block, ending in a blank line.
fn block(
    m: &Mine,
    record: &ContainerInspectResponse,
    sample: Option<ContainerStatsResponse>,
    processes: &[String],
) -> String {
    let status = status(record);
    // The original's CYAN was never defined: the name follows in bold.
    let mut text = format!(
        "{BOLD}Container: {}{NC}\n  Status: {status}\n  Image: {}\n  Created: {}\n",
        short_name(&m.tag),
        mine::label(record, "ds01.image"),
        created_date(record),
    );
    if status == "running" {
        let line = sample.map(|s| stats_line(&Figures::of(&s)));
        text.push_str(&format!("  {}\n", line.unwrap_or_default()));
        text.push_str(&gpu_lines(&m.id, processes));
    }
    text.push('\n');
    text
}

/// `cut -d. -f1` of the docker name.
fn short_name(tag: &str) -> &str {
    tag.split('.').next().unwrap_or(tag)
}

/// `{{.State.Status}}`.
fn status(record: &ContainerInspectResponse) -> String {
    record
        .state
        .as_ref()
        .and_then(|s| s.status.as_ref())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// `{{.Created}}` up to its `T`: the date.
fn created_date(record: &ContainerInspectResponse) -> &str {
    let created = record.created.as_deref().unwrap_or("");
    created.split('T').next().unwrap_or(created)
}

/// The original's `docker stats --format` line.
fn stats_line(f: &Figures) -> String {
    format!(
        "CPU: {}, Memory: {} ({}), Network: {}, Block I/O: {}",
        f.cpu, f.mem_usage, f.mem_percent, f.net_io, f.block_io
    )
}

/// `  GPU Processes:` and the container's lines of `nvidia-smi`, if any.
fn gpu_lines(id: &str, processes: &[String]) -> String {
    let theirs: Vec<&String> = processes
        .iter()
        .filter(|line| pid_of(line).is_some_and(|pid| pid_in_container(pid, id)))
        .collect();
    if theirs.is_empty() {
        return String::new();
    }
    let mut text = String::from("  GPU Processes:\n");
    for line in theirs {
        text.push_str(&format!("    {line}\n"));
    }
    text
}

/// `nvidia-smi --query-compute-apps=pid,process_name,used_memory` lines;
/// none where nvidia-smi is missing or fails.
fn gpu_processes() -> Vec<String> {
    let query = [
        "--query-compute-apps=pid,process_name,used_memory",
        "--format=csv,noheader",
    ];
    crate::policy::gpus::nvidia_smi(&query, NVIDIA_SMI_TIMEOUT)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The pid at the start of a process line, when it is a number.
fn pid_of(line: &str) -> Option<u32> {
    line.split(',').next()?.trim().parse().ok()
}

/// Whether host process `pid` runs in container `id`: its cgroup path
/// names the container's full id (cgroupfs `/docker/ID`, systemd
/// `docker-ID.scope`).
fn pid_in_container(pid: u32, id: &str) -> bool {
    if id.len() < 12 {
        return false;
    }
    std::fs::read_to_string(format!("/proc/{pid}/cgroup")).is_ok_and(|text| text.contains(id))
}

/// get_resource_limits' display for `login`, or the original's line when
/// the configuration cannot be read.
fn limits_display(ctx: &mut Ctx, login: &str) -> String {
    let Ok(config) = ctx.config() else {
        return "  Could not fetch limits\n".into();
    };
    match get_resource_limits::answer(&config, login, &[login.to_string()]) {
        Ok(answer) if answer.code == 0 => answer.stdout,
        _ => "  Could not fetch limits\n".into(),
    }
}

fn quick_actions() -> String {
    format!(
        "{BOLD}Quick Actions:{NC}\n\
         \x20 Full dashboard: {GREEN}ds01-dashboard{NC}\n\
         \x20 Open container: {GREEN}mlc-open <name>{NC}\n\
         \x20 Stop container: {GREEN}mlc-stop <name>{NC}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, ContainerState, ContainerStateStatusEnum};

    fn record(state: ContainerStateStatusEnum) -> ContainerInspectResponse {
        ContainerInspectResponse {
            created: Some("2026-11-30T12:00:00.123Z".into()),
            state: Some(ContainerState {
                status: Some(state),
                ..Default::default()
            }),
            config: Some(ContainerConfig {
                labels: Some([("ds01.image".to_string(), "demo-alice".to_string())].into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn mine() -> Mine {
        Mine {
            name: "demo".into(),
            tag: "demo._.2001".into(),
            id: "0".repeat(64),
            state: "exited".into(),
            status: "Exited (0)".into(),
            ..Default::default()
        }
    }

    #[test]
    fn stopped_block_as_the_original() {
        let text = block(
            &mine(),
            &record(ContainerStateStatusEnum::EXITED),
            None,
            &[],
        );
        assert_eq!(
            text,
            "\x1b[1mContainer: demo\x1b[0m\n  Status: exited\n  Image: demo-alice\n  Created: 2026-11-30\n\n"
        );
    }

    #[test]
    fn running_block_has_the_stats_line() {
        let text = block(
            &mine(),
            &record(ContainerStateStatusEnum::RUNNING),
            None,
            &[],
        );
        assert!(
            text.ends_with("  Status: running\n  Image: demo-alice\n  Created: 2026-11-30\n  \n\n")
        );
        let f = Figures {
            cpu: "0.00%".into(),
            mem_usage: "500KiB / 1GiB".into(),
            mem_percent: "0.05%".into(),
            net_io: "0B / 0B".into(),
            block_io: "0B / 0B".into(),
            pids: "1".into(),
        };
        assert_eq!(
            stats_line(&f),
            "CPU: 0.00%, Memory: 500KiB / 1GiB (0.05%), Network: 0B / 0B, Block I/O: 0B / 0B"
        );
    }

    #[test]
    fn header_and_actions() {
        assert_eq!(
            header("alice"),
            "\x1b[0;32m\x1b[1m━━━ Container Statistics for alice ━━━\x1b[0m\n\n"
        );
        assert!(quick_actions().ends_with("Stop container: \x1b[0;32mmlc-stop <name>\x1b[0m\n"));
    }

    #[test]
    fn names_and_pids() {
        assert_eq!(short_name("my.app._.2001"), "my");
        assert_eq!(short_name("demo._.2001"), "demo");
        assert_eq!(pid_of("1234, python, 100 MiB"), Some(1234));
        assert_eq!(pid_of("[N/A], python, 100 MiB"), None);
        assert!(!pid_in_container(1, "short"));
        assert!(gpu_lines(&"0".repeat(64), &["x, y, z".into()]).is_empty());
    }
}
