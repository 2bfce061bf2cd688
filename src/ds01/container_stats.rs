//! `container-stats [name] [--guided] [-w|--watch] [-g|--gpu] [--no-trunc]`:
//! one `docker stats --no-stream` sample of the caller's running
//! containers, in DS01's table (reference §3.8).  Read only.
//!
//! Differences from the original, on purpose: only containers tagged with
//! exactly the caller's uid are shown (the original's `name=._.UID` filter
//! was a substring match); `--gpu`, which the original advertised but
//! refused (§12.21), adds the GPU column and section its code had for it.
//! `--json` (ds01's own) prints one sample as a JSON array (see
//! [`crate::ds01::container_list::json`]), each object with `usage`.
//!
//! The figures ([`Usage`], [`Figures`]) are also `mlc-stats`'s.

use crate::cli::ds01 as parse;
use crate::cli::spec::{self, ToolSpec};
use crate::context::Ctx;
use crate::ds01::container_list::json;
use crate::ds01::container_list::mine::{self, Mine};
use crate::engine::{binary_size, decimal_size, ContainerStatsResponse, Engine};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use bollard::models::ContainerInspectResponse;
use serde_json::{json, Value};
use std::collections::HashMap;

use std::process::{Command, Stdio};
use std::time::Duration;

/// `clear` on an xterm-like terminal: home, erase, erase the scrollback.
const CLEAR: &str = "\x1b[H\x1b[2J\x1b[3J";
const WATCH_EVERY: Duration = Duration::from_secs(2);
const NVIDIA_SMI_TIMEOUT: Duration = Duration::from_secs(10);

/// What the command line asks for.
struct Request {
    name: Option<String>,
    watch: bool,
    guided: bool,
    gpu: bool,
    json: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("container-stats").map_err(|e| Failure::stderr(70, e))?;
    if too_many_names(&spec, args) {
        return Err(Failure::stdout(
            1,
            format!("{RED}✗ Too many arguments{NC}\n\n{}", parse::help(&spec)),
        ));
    }
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    let request = Request {
        name: m.positional(0).map(str::to_string),
        watch: m.flag("watch"),
        guided: m.flag("guided"),
        gpu: m.flag("gpu"),
        json: m.flag("json"),
    };
    let engine = ctx.engine()?;
    if request.json {
        let text = json_page(&engine, ctx.caller.uid, &ctx.caller.login, &request)?;
        ctx.out(&text);
        return Ok(0);
    }
    if !request.watch {
        let page = page(&engine, ctx.caller.uid, &request)?;
        ctx.out(&page);
        return Ok(0);
    }
    watch(ctx, &engine, &request)
}

/// The page again every 2 seconds until Ctrl+C, or until nobody reads
/// the output any more (a closed pipe ends the loop, exit 1).
fn watch(ctx: &mut Ctx, engine: &Engine, request: &Request) -> Outcome {
    loop {
        let page = page(engine, ctx.caller.uid, request)?;
        let out = ctx.out_writer();
        let shown = out
            .write_all(format!("{CLEAR}{page}").as_bytes())
            .and_then(|()| out.flush());
        if shown.is_err() {
            return Err(Failure::exit(1));
        }
        std::thread::sleep(WATCH_EVERY);
    }
}

/// Whether a second name comes before any help or unknown option (the
/// original's loop said `✗ Too many arguments` there).
fn too_many_names(spec: &ToolSpec, args: &[String]) -> bool {
    let mut names = 0;
    for arg in args {
        let known = crate::cli::ds01::find(spec, arg);
        match known {
            Some(o) if o.action != spec::Action::Store => return false,
            Some(_) => {}
            None if arg.starts_with('-') => return false,
            None => {
                names += 1;
                if names > 1 {
                    return true;
                }
            }
        }
    }
    false
}

/// The caller's containers `docker stats` samples (running or paused),
/// only the one named if a name was given.
fn sampled(engine: &Engine, uid: u32, r: &Request) -> Result<Vec<Mine>, Failure> {
    Ok(mine::containers(engine, uid)?
        .into_iter()
        .filter(|c| c.listed_by_ps())
        .filter(|c| r.name.as_ref().is_none_or(|n| *n == c.name))
        .collect())
}

/// `--json`: one sample as a JSON array; a container the engine gave no
/// sample of (stopped meanwhile) is left out, as in the table.
fn json_page(engine: &Engine, uid: u32, login: &str, r: &Request) -> Result<String, Failure> {
    let records = mine::inspected(engine, sampled(engine, uid, r)?, false)?;
    let ids: Vec<String> = records.iter().map(|(m, _)| m.id.clone()).collect();
    let mut samples = samples(engine, &ids);
    let objects = records
        .iter()
        .filter_map(|(m, record)| {
            let usage = Usage::of(&samples.remove(&m.id)?);
            let mut object = json::container(login, m, record);
            object.insert("usage".into(), usage.to_json());
            Some(object)
        })
        .collect();
    Ok(json::document(objects))
}

/// One sample of each of `ids` (by id); those without are left out.
pub fn samples(engine: &Engine, ids: &[String]) -> HashMap<String, ContainerStatsResponse> {
    engine
        .stats(ids)
        .into_iter()
        .filter_map(|(id, s)| Some((id, s.ok()?)))
        .collect()
}

/// The whole page for one sample.
fn page(engine: &Engine, uid: u32, r: &Request) -> Result<String, Failure> {
    let running = sampled(engine, uid, r)?;
    let mut text = header(r);
    if running.is_empty() {
        text.push_str(&nothing_running(r.name.as_deref()));
        return Ok(text);
    }
    let records = mine::inspected(engine, running.clone(), false)?;
    let gpus = Gpus::probe(r.gpu);
    text.push_str(&table(engine, &records, &gpus, r.gpu));
    if let (false, Some(_), Some((_, record))) = (r.watch, &r.name, records.first()) {
        text.push_str(&limits(record));
    }
    if r.gpu && gpus.installed {
        text.push_str(&gpu_section(&records, &gpus));
    }
    if !r.watch {
        text.push_str(&summary(running.len()));
    }
    Ok(text)
}

fn header(r: &Request) -> String {
    if r.watch {
        return format!("{CYAN}{BOLD}Live Container Stats{NC} {DIM}(Ctrl+C to exit){NC}\n\n");
    }
    let rule = format!("{CYAN}{}{NC}\n", "━".repeat(47));
    let mut text = format!("{rule}{CYAN}{BOLD}    Container Resource Usage{NC}\n{rule}\n");
    if r.guided {
        text.push_str(&expand(GUIDED_COLUMNS));
        if r.gpu {
            text.push_str(&expand(GUIDED_GPU));
        }
        text.push_str(&expand(GUIDED_COLOURS));
    }
    text
}

fn nothing_running(name: Option<&str>) -> String {
    let hint = match name {
        Some(n) => format!("Start container: {GREEN}container-run {n}{NC}"),
        None => format!("View all containers: {GREEN}container-list --all{NC}"),
    };
    format!("{YELLOW}No running containers found{NC}\n\n{hint}\n\n")
}

/// The table: its bold header, then a row for each container the engine
/// gave a sample of.
fn table(
    engine: &Engine,
    records: &[(Mine, ContainerInspectResponse)],
    gpus: &Gpus,
    gpu: bool,
) -> String {
    let columns = [
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET I/O",
        "BLOCK I/O",
    ];
    let mut text = format!(
        "{BOLD}{:<20} {:<8} {:<22} {:<8} {:<15} {:<15} {:<6}",
        columns[0], columns[1], columns[2], columns[3], columns[4], columns[5], "PIDS"
    );
    if gpu {
        text.push_str(&format!(" {:<8}", "GPU %"));
    }
    text.push_str(&format!("{NC}\n"));
    let ids: Vec<String> = records.iter().map(|(m, _)| m.id.clone()).collect();
    let mut samples = samples(engine, &ids);
    for (m, record) in records {
        let Some(sample) = samples.remove(&m.id) else {
            continue;
        };
        let gpu_util = gpu.then(|| gpus.utilization(&container_gpus(record)));
        text.push_str(&row(&m.name, &Figures::of(&sample), gpu_util.as_deref()));
    }
    text
}

/// One row, coloured by the CPU and memory percentages.
fn row(name: &str, f: &Figures, gpu_util: Option<&str>) -> String {
    let cpu_colour = colour_for(&f.cpu);
    let mem_colour = colour_for(&f.mem_percent);
    let mut text = format!(
        "{CYAN}{name:<20}{NC} {cpu_colour}{:<8}{NC} {mem_colour}{:<22}{NC} {mem_colour}{:<8}{NC} {DIM}{:<15}{NC} {DIM}{:<15}{NC} {:<6}",
        f.cpu, f.mem_usage, f.mem_percent, f.net_io, f.block_io, f.pids
    );
    match gpu_util {
        Some(util) => text.push_str(&format!(" {}{util:<8}{NC}\n", colour_for(util))),
        None => text.push_str(&format!("{NC}\n")),
    }
    text
}

/// Green below 70%, yellow below 90%, red from 90% on; anything that is
/// not a number is green (the original's `bc` said nothing for it).
fn colour_for(percent: &str) -> &'static str {
    match percent.trim_end_matches('%').trim().parse::<f64>() {
        Ok(v) if v >= 90.0 => RED,
        Ok(v) if v >= 70.0 => YELLOW,
        _ => GREEN,
    }
}

/// A named container's CPU and memory limits (whole cores, whole GB).
fn limits(record: &ContainerInspectResponse) -> String {
    let (nano_cpus, memory) = mine::cpu_and_memory(record);
    let mut text = format!("\n{CYAN}━━━ Resource Limits ━━━{NC}\n\n");
    if nano_cpus != 0 {
        text.push_str(&format!(
            "  CPU Limit:    {GREEN}{} cores{NC}\n",
            nano_cpus / 1_000_000_000
        ));
    }
    if memory != 0 {
        text.push_str(&format!(
            "  Memory Limit: {GREEN}{}GB{NC}\n",
            memory / 1024 / 1024 / 1024
        ));
    }
    text.push('\n');
    text
}

fn summary(total: usize) -> String {
    format!(
        "{CYAN}{}{NC}\n{BOLD}Total running:{NC} {total} container(s)\n\n\
         {YELLOW}💡 Tips:{NC}\n\
         \x20  Live view:  {GREEN}container-stats --watch{NC}\n\
         \x20  With GPU:   {GREEN}container-stats --gpu{NC}\n\
         \x20  All info:   {GREEN}container-list --all{NC}\n\n",
        "━".repeat(47)
    )
}

/// The numbers of one sample, computed as the docker CLI does on Linux.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub cpu_percent: f64,
    /// Bytes in use, less the inactive page cache.
    pub memory_used: f64,
    pub memory_limit: f64,
    pub memory_percent: f64,
    /// Bytes received and sent.
    pub net: (f64, f64),
    /// Bytes read and written.
    pub block: (f64, f64),
    pub pids: u64,
}

impl Usage {
    pub fn of(s: &ContainerStatsResponse) -> Usage {
        let mem = s.memory_stats.clone().unwrap_or_default();
        let used = memory_without_cache(mem.usage.unwrap_or(0), mem.stats.as_ref());
        let limit = mem.limit.unwrap_or(0) as f64;
        let memory_percent = if limit != 0.0 {
            used / limit * 100.0
        } else {
            0.0
        };
        Usage {
            cpu_percent: cpu_percent(s),
            memory_used: used,
            memory_limit: limit,
            memory_percent,
            net: network(s),
            block: block_io(s),
            pids: s.pids_stats.as_ref().and_then(|p| p.current).unwrap_or(0),
        }
    }

    /// `--json`'s `usage` object: percentages to two places as the table
    /// shows them, bytes as whole numbers.
    fn to_json(self) -> Value {
        let two_places = |v: f64| (v * 100.0).round() / 100.0;
        json!({
            "cpu_percent": two_places(self.cpu_percent),
            "memory_used": self.memory_used as u64,
            "memory_limit": self.memory_limit as u64,
            "memory_percent": two_places(self.memory_percent),
            "pids": self.pids,
        })
    }
}

/// The figures `docker stats --no-stream` shows, formatted as the docker
/// CLI formats them (`{{.CPUPerc}}`, `{{.MemUsage}}`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub cpu: String,
    pub mem_usage: String,
    pub mem_percent: String,
    pub net_io: String,
    pub block_io: String,
    pub pids: String,
}

impl Figures {
    pub fn of(s: &ContainerStatsResponse) -> Figures {
        Figures::from_usage(&Usage::of(s))
    }

    fn from_usage(u: &Usage) -> Figures {
        let pair = |(a, b): (f64, f64)| format!("{} / {}", decimal_size(a), decimal_size(b));
        Figures {
            cpu: format!("{:.2}%", u.cpu_percent),
            mem_usage: format!(
                "{} / {}",
                binary_size(u.memory_used),
                binary_size(u.memory_limit)
            ),
            mem_percent: format!("{:.2}%", u.memory_percent),
            net_io: pair(u.net),
            block_io: pair(u.block),
            pids: u.pids.to_string(),
        }
    }
}

/// `calculateCPUPercentUnix`: the container's share of the host's CPU time
/// between the two samples, times the number of CPUs.
fn cpu_percent(s: &ContainerStatsResponse) -> f64 {
    let (now, before) = (s.cpu_stats.as_ref(), s.precpu_stats.as_ref());
    let usage = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0) as f64
    };
    let system = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.system_cpu_usage).unwrap_or(0) as f64
    };
    let mut cpus = now.and_then(|c| c.online_cpus).unwrap_or(0) as f64;
    if cpus == 0.0 {
        cpus = now
            .and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.percpu_usage.as_ref())
            .map_or(0.0, |p| p.len() as f64);
    }
    let cpu_delta = usage(now) - usage(before);
    let system_delta = system(now) - system(before);
    if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    }
}

/// `calculateMemUsageUnixNoCache`: usage less the inactive page cache
/// (cgroup v1's `total_inactive_file`, else v2's `inactive_file`).
fn memory_without_cache(usage: u64, stats: Option<&HashMap<String, u64>>) -> f64 {
    let stat = |k: &str| stats.and_then(|s| s.get(k)).copied();
    if let Some(v) = stat("total_inactive_file").filter(|&v| v < usage) {
        return (usage - v) as f64;
    }
    let v = stat("inactive_file").unwrap_or(0);
    if v < usage {
        (usage - v) as f64
    } else {
        usage as f64
    }
}

/// Bytes received and sent over all networks.
fn network(s: &ContainerStatsResponse) -> (f64, f64) {
    s.networks
        .iter()
        .flatten()
        .fold((0.0, 0.0), |(rx, tx), (_, n)| {
            (
                rx + n.rx_bytes.unwrap_or(0) as f64,
                tx + n.tx_bytes.unwrap_or(0) as f64,
            )
        })
}

/// Bytes read and written (`io_service_bytes_recursive`, by the op's
/// first letter as the CLI sorts them).
fn block_io(s: &ContainerStatsResponse) -> (f64, f64) {
    let entries = s
        .blkio_stats
        .as_ref()
        .and_then(|b| b.io_service_bytes_recursive.as_ref());
    let (mut read, mut write) = (0u64, 0u64);
    for e in entries.into_iter().flatten() {
        let value = e.value.unwrap_or(0);
        match e.op.as_deref().and_then(|op| op.chars().next()) {
            Some('r' | 'R') => read = read.saturating_add(value),
            Some('w' | 'W') => write = write.saturating_add(value),
            _ => {}
        }
    }
    (read as f64, write as f64)
}

/// The GPUs of a container: its device requests' ids, or else the number
/// of its first `/dev/nvidiaN` device (the original's legacy fallback).
fn container_gpus(record: &ContainerInspectResponse) -> Vec<String> {
    let host = record.host_config.as_ref();
    let ids: Vec<String> = host
        .and_then(|h| h.device_requests.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|r| r.device_ids.clone().unwrap_or_default())
        .filter(|id| !id.trim().is_empty())
        .collect();
    if !ids.is_empty() {
        return ids;
    }
    let first_nvidia = host
        .and_then(|h| h.devices.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|d| d.path_on_host.as_deref())
        .filter_map(|p| p.split_once("nvidia").map(|(_, rest)| rest))
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .find(|n| !n.is_empty());
    first_nvidia.into_iter().collect()
}

/// `nvidia-smi` as `--gpu` asks it.
struct Gpus {
    /// Whether `nvidia-smi` could be run at all (only probed for --gpu).
    installed: bool,
}

impl Gpus {
    fn probe(wanted: bool) -> Gpus {
        Gpus {
            installed: wanted && nvidia_smi_installed(),
        }
    }

    /// `N%` for one GPU; the mean over several; `-` when unknown; `N/A`
    /// without nvidia-smi.
    fn utilization(&self, ids: &[String]) -> String {
        if !self.installed {
            return "N/A".into();
        }
        if ids.is_empty() {
            return "-".into();
        }
        let query = [
            "--query-gpu=utilization.gpu",
            "--format=csv,noheader,nounits",
            "-i",
            &ids.join(","),
        ];
        let answer = nvidia_smi(&query).unwrap_or_default();
        let values: Vec<&str> = answer
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        match values.as_slice() {
            [] => "-".into(),
            [one] => format!("{one}%"),
            many => {
                let numbers: Vec<f64> = many.iter().filter_map(|v| v.parse().ok()).collect();
                if numbers.is_empty() {
                    return "-".into();
                }
                let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
                format!("{mean:.0}%")
            }
        }
    }

    /// Name, utilization, memory and temperature of one GPU, if it answers.
    fn details(&self, id: &str) -> Option<[String; 5]> {
        let query = [
            "--query-gpu=name,utilization.gpu,memory.used,memory.total,temperature.gpu",
            "--format=csv,noheader,nounits",
            "-i",
            id,
        ];
        let answer = nvidia_smi(&query)?;
        let line = answer.lines().next().filter(|l| !l.trim().is_empty())?;
        let mut fields = line.splitn(5, ',').map(|f| f.trim().to_string());
        Some(std::array::from_fn(|_| fields.next().unwrap_or_default()))
    }
}

/// `━━━ GPU Statistics ━━━`: each GPU of the caller's running containers.
fn gpu_section(records: &[(Mine, ContainerInspectResponse)], gpus: &Gpus) -> String {
    let mut text = format!("\n{CYAN}━━━ GPU Statistics (Your Allocated GPUs) ━━━{NC}\n\n");
    let mut ids: Vec<String> = records
        .iter()
        .flat_map(|(_, record)| container_gpus(record))
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        text.push_str(&format!(
            "{DIM}No GPUs allocated to your containers{NC}\n\n"
        ));
        return text;
    }
    for id in &ids {
        let Some([name, util, used, total, temp]) = gpus.details(id) else {
            continue;
        };
        let colour = colour_for(&util);
        text.push_str(&format!(
            "{BOLD}GPU {id}:{NC} {DIM}{name}{NC}\n  Utilization: {colour}{util}%{NC}\n  Memory:      {GREEN}{used}MB{NC} / {DIM}{total}MB{NC}\n  Temperature: {YELLOW}{temp}°C{NC}\n\n"
        ));
    }
    text
}

fn nvidia_smi_installed() -> bool {
    Command::new("nvidia-smi")
        .arg("-L")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|mut child| {
            let _ = child.kill();
            let _ = child.wait();
        })
        .is_ok()
}

/// `nvidia-smi ARGS` from PATH: its stdout when it exits 0 in time.
fn nvidia_smi(args: &[&str]) -> Option<String> {
    crate::policy::gpus::nvidia_smi(args, NVIDIA_SMI_TIMEOUT)
}

/// `--guided`: what the columns mean (our words).
const GUIDED_COLUMNS: &str = "{CYAN}ℹ {NC}{BOLD}The columns:{NC}
  • {BOLD}CPU %{NC} - CPU time used; 100% is one core, so it can go above 100%
  • {BOLD}MEM USAGE{NC} - memory in use / the most the container may use
  • {BOLD}MEM %{NC} - that usage as a share of the limit
  • {BOLD}NET I/O{NC} - bytes received / sent over the network
  • {BOLD}BLOCK I/O{NC} - bytes read / written on disk
  • {BOLD}PIDS{NC} - how many processes run in the container
";

const GUIDED_GPU: &str = "  • {BOLD}GPU %{NC} - how busy the container's GPU is
";

const GUIDED_COLOURS: &str = "
{CYAN}ℹ {NC}{BOLD}Colours:{NC}
  • {GREEN}Green{NC} - below 70%
  • {YELLOW}Yellow{NC} - 70% to 90%: getting full
  • {RED}Red{NC} - 90% or more: the container may need more resources

";

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerBlkioStatEntry, ContainerBlkioStats, ContainerCpuStats, ContainerCpuUsage,
        ContainerMemoryStats, ContainerPidsStats,
    };

    fn cpu(total: u64, system: u64) -> ContainerCpuStats {
        ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(total),
                ..Default::default()
            }),
            system_cpu_usage: Some(system),
            online_cpus: Some(2),
            ..Default::default()
        }
    }

    fn sample() -> ContainerStatsResponse {
        let stats: HashMap<String, u64> = [
            ("total_inactive_file".to_string(), 12_288),
            ("inactive_file".to_string(), 12_288),
        ]
        .into();
        let entry = |op: &str, value: u64| ContainerBlkioStatEntry {
            op: Some(op.into()),
            value: Some(value),
            ..Default::default()
        };
        ContainerStatsResponse {
            cpu_stats: Some(cpu(2_000_000, 200_000_000)),
            precpu_stats: Some(cpu(1_000_000, 100_000_000)),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(512_000 + 12_288),
                limit: Some(25_330_000_000),
                stats: Some(stats),
                ..Default::default()
            }),
            pids_stats: Some(ContainerPidsStats {
                current: Some(1),
                ..Default::default()
            }),
            blkio_stats: Some(ContainerBlkioStats {
                io_service_bytes_recursive: Some(vec![
                    entry("Read", 4096),
                    entry("write", 1_500_000),
                    entry("Total", 9),
                ]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn figures_as_docker_stats() {
        let f = Figures::of(&sample());
        assert_eq!(f.cpu, "2.00%");
        assert_eq!(f.mem_usage, "500KiB / 23.59GiB");
        assert_eq!(f.mem_percent, "0.00%");
        assert_eq!(f.net_io, "0B / 0B");
        assert_eq!(f.block_io, "4.1kB / 1.5MB");
        assert_eq!(f.pids, "1");
    }

    #[test]
    fn usage_as_json() {
        let usage = Usage::of(&sample()).to_json();
        let expected = json!({
            "cpu_percent": 2.0,
            "memory_used": 512_000,
            "memory_limit": 25_330_000_000u64,
            "memory_percent": 0.0,
            "pids": 1,
        });
        assert_eq!(usage, expected);
    }

    #[test]
    fn row_as_recorded() {
        let f = Figures {
            cpu: "0.00%".into(),
            mem_usage: "500KiB / 23.59GiB".into(),
            mem_percent: "0.00%".into(),
            net_io: "0B / 0B".into(),
            block_io: "0B / 0B".into(),
            pids: "1".into(),
        };
        let recorded = "\x1b[0;36mdemo                \x1b[0m \x1b[0;32m0.00%   \x1b[0m \x1b[0;32m500KiB / 23.59GiB     \x1b[0m \x1b[0;32m0.00%   \x1b[0m \x1b[2m0B / 0B        \x1b[0m \x1b[2m0B / 0B        \x1b[0m 1     \x1b[0m\n";
        assert_eq!(row("demo", &f, None), recorded);
    }

    #[test]
    fn colours_by_threshold() {
        assert_eq!(colour_for("69.99%"), GREEN);
        assert_eq!(colour_for("70.00%"), YELLOW);
        assert_eq!(colour_for("90%"), RED);
        assert_eq!(colour_for("-"), GREEN);
    }

    #[test]
    fn memory_cache_rules() {
        let stats: HashMap<String, u64> = [("total_inactive_file".to_string(), 50)].into();
        assert_eq!(memory_without_cache(100, Some(&stats)), 50.0);
        assert_eq!(memory_without_cache(40, Some(&stats)), 40.0);
        assert_eq!(memory_without_cache(40, None), 40.0);
    }

    #[test]
    fn too_many_names_in_loop_order() {
        let spec = spec::tool("container-stats").expect("spec");
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(too_many_names(&spec, &args(&["a", "b"])));
        assert!(too_many_names(&spec, &args(&["a", "-w", "b", "--help"])));
        assert!(!too_many_names(&spec, &args(&["a", "--help", "b"])));
        assert!(!too_many_names(&spec, &args(&["a", "--bogus", "b"])));
    }
}
