//! `version` (reference §6): which ds01 this is and what the server runs.
//! Arguments are ignored, as the original ignored them.
//!
//! The original read `/opt/ds01-infra/VERSION` and a commit from
//! `/var/lib/ds01/deploy/current-sha` (or the install tree's git).  ds01 is
//! one program: its version and the commit it was built from are compiled
//! in (`build.rs` sets `DS01_COMMIT`, `DS01_BRANCH`, `DS01_COMMIT_DATE`
//! when the source is a git checkout).  The deploy file is not read: it
//! names the commit of DS01's bash tree that deploy.sh installed, which
//! says nothing about the running program (and outlives a move to ds01).
//!
//! Sections shown only when their subject is there, as in the original:
//! Docker when the engine answers, GPUs when there are any, the
//! configuration when its file exists.  The original's Python section is
//! left out (ds01 needs no Python), as is its "Base System" section (never
//! shown: it tested an unset variable).

use crate::context::Ctx;
use crate::error::Outcome;
use crate::policy::gpus::{nvidia_smi, Inventory};
use crate::ui::ds01::expand;
use std::path::Path;
use std::time::Duration;

/// How long one `nvidia-smi` query may take.
const NVIDIA_SMI_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the engine looks for the NVIDIA hook that `--gpus` needs.
const NVIDIA_HOOKS: [&str; 4] = [
    "/usr/bin/nvidia-container-runtime-hook",
    "/usr/bin/nvidia-container-toolkit",
    "/usr/local/bin/nvidia-container-runtime-hook",
    "/usr/local/bin/nvidia-container-toolkit",
];

const RULE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";

/// Everything the report shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Report {
    version: String,
    branch: String,
    commit: String,
    date: String,
    location: String,
    hostname: String,
    os: String,
    kernel: String,
    /// The engine's version and whether it can give containers GPUs.
    docker: Option<(String, bool)>,
    gpus: Option<Gpus>,
    /// The limits file and its number of groups (when it could be read).
    config: Option<(String, Option<usize>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Gpus {
    count: usize,
    driver: String,
    cuda: String,
    migs: usize,
}

pub fn main(ctx: &mut Ctx, _args: &[String]) -> Outcome {
    let report = gather(ctx);
    ctx.out(&render(&report));
    Ok(0)
}

fn gather(ctx: &mut Ctx) -> Report {
    let (hostname, kernel) = uname();
    let location = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".into());
    Report {
        version: format!("v{}", env!("CARGO_PKG_VERSION")),
        branch: option_env!("DS01_BRANCH").unwrap_or("unknown").into(),
        commit: option_env!("DS01_COMMIT").unwrap_or("unknown").into(),
        date: option_env!("DS01_COMMIT_DATE").unwrap_or("unknown").into(),
        location,
        hostname,
        os: os_name(),
        kernel,
        docker: docker(ctx),
        gpus: gpus(ctx.settings.gpu_fixture.as_deref(), &ctx.settings.state_dir),
        config: config(ctx),
    }
}

/// The node name and kernel release (`hostname`, `uname -r`).
fn uname() -> (String, String) {
    // SAFETY: utsname is plain data that uname fills in; its fields are
    // NUL-terminated when it returns 0.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return (String::new(), String::new());
        }
        let text = |f: &[libc::c_char]| {
            std::ffi::CStr::from_ptr(f.as_ptr())
                .to_string_lossy()
                .into_owned()
        };
        (text(&u.nodename), text(&u.release))
    }
}

/// The system's name as `lsb_release -d` gives it (os-release's
/// `PRETTY_NAME`), else the kernel's name.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| pretty_name(&t))
        .unwrap_or_else(|| "Linux".into())
}

fn pretty_name(os_release: &str) -> Option<String> {
    let value = os_release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))?;
    let value = value.trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    Some(unquoted.to_string())
}

/// The engine's version and whether it can run GPU containers: an
/// `nvidia` runtime, or the hook that `--gpus` uses.
fn docker(ctx: &mut Ctx) -> Option<(String, bool)> {
    let info = ctx.engine().ok()?.daemon_info().ok()?;
    let nvidia = info.runtimes.iter().any(|r| r == "nvidia")
        || NVIDIA_HOOKS.iter().any(|p| Path::new(p).is_file());
    Some((info.version, nvidia))
}

fn gpus(fixture: Option<&Path>, state_dir: &Path) -> Option<Gpus> {
    let (inventory, _) = Inventory::detect(fixture, Some(state_dir), std::time::SystemTime::now());
    if inventory.gpus.is_empty() {
        return None;
    }
    let query = |field: &str| {
        nvidia_smi(&[field, "--format=csv,noheader"], NVIDIA_SMI_TIMEOUT)
            .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
            .filter(|l| !l.is_empty())
    };
    let cuda = query("--query-gpu=cuda_version")
        .or_else(|| nvidia_smi(&[], NVIDIA_SMI_TIMEOUT).and_then(|t| cuda_from_banner(&t)));
    Some(Gpus {
        count: inventory.gpus.len(),
        driver: query("--query-gpu=driver_version").unwrap_or_else(|| "unknown".into()),
        cuda: cuda.unwrap_or_else(|| "unknown".into()),
        migs: inventory.migs.len(),
    })
}

/// `CUDA Version: 12.4` in `nvidia-smi`'s banner.
fn cuda_from_banner(text: &str) -> Option<String> {
    let rest = &text[text.find("CUDA Version:")? + "CUDA Version:".len()..];
    let version: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (!version.is_empty()).then_some(version)
}

fn config(ctx: &mut Ctx) -> Option<(String, Option<usize>)> {
    let file = ctx.settings.limits_file();
    if !file.is_file() {
        return None;
    }
    let groups = ctx.config().ok().map(|c| c.section("groups").len());
    Some((file.display().to_string(), groups))
}

fn render(r: &Report) -> String {
    let mut text = format!(
        "{RULE}{{BOLD}}              DS01 GPU SERVER INFRASTRUCTURE{{NC}}\n{RULE}\n\
         {{BOLD}}DS01 Infrastructure:{{NC}}\n\
         \x20 Version:      {{GREEN}}{}{{NC}} ({}@{})\n\
         \x20 Last update:  {}\n\
         \x20 Location:     {}\n\n\
         {{BOLD}}System:{{NC}}\n\
         \x20 Hostname:     {}\n\
         \x20 OS:           {}\n\
         \x20 Kernel:       {}\n\n",
        r.version, r.branch, r.commit, r.date, r.location, r.hostname, r.os, r.kernel
    );
    if let Some((version, nvidia)) = &r.docker {
        let runtime = if *nvidia {
            "{GREEN}enabled{NC}"
        } else {
            "{YELLOW}not detected{NC}"
        };
        text.push_str(&format!(
            "{{BOLD}}Docker:{{NC}}\n  Version:      {{GREEN}}{version}{{NC}}\n  NVIDIA Runtime: {runtime}\n\n"
        ));
    }
    if let Some(g) = &r.gpus {
        text.push_str(&format!(
            "{{BOLD}}NVIDIA GPUs:{{NC}}\n  Count:        {{GREEN}}{}{{NC}}\n  Driver:       {}\n  CUDA:         {}\n",
            g.count, g.driver, g.cuda
        ));
        if g.migs > 0 {
            text.push_str(&format!(
                "  MIG Instances: {{GREEN}}{}{{NC}} (enabled)\n",
                g.migs
            ));
        }
        text.push('\n');
    }
    if let Some((file, groups)) = &r.config {
        text.push_str(&format!(
            "{{BOLD}}Configuration:{{NC}}\n  Config file:  {{GREEN}}found{{NC}}\n  Location:     {file}\n"
        ));
        if let Some(n) = groups {
            text.push_str(&format!("  User groups:  {n}\n"));
        }
        text.push('\n');
    }
    text.push_str(RULE);
    text.push_str(USEFUL);
    expand(&text)
}

/// The closing hints (in our words; every name is a ds01 command).
const USEFUL: &str = "
{BOLD}Useful commands:{NC}
  help                Every ds01 command, by topic
  check-limits        Your limits and what you use of them
  container-list      Your containers\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_layout() {
        let r = Report {
            version: "v0.1.0".into(),
            branch: "main".into(),
            commit: "abc1234".into(),
            date: "2026-11-28".into(),
            location: "/usr/bin/ds01".into(),
            hostname: "gpu1".into(),
            os: "Debian GNU/Linux 12 (bookworm)".into(),
            kernel: "6.1.0".into(),
            docker: Some(("20.10.24".into(), false)),
            gpus: Some(Gpus {
                count: 4,
                driver: "550.127.08".into(),
                cuda: "unknown".into(),
                migs: 5,
            }),
            config: Some(("/etc/ds01/resource-limits.yaml".into(), Some(4))),
        };
        let text = render(&r);
        assert!(text.contains("  Version:      \x1b[0;32mv0.1.0\x1b[0m (main@abc1234)\n"));
        assert!(text.contains("  NVIDIA Runtime: \x1b[1;33mnot detected\x1b[0m\n\n"));
        assert!(text.contains("  MIG Instances: \x1b[0;32m5\x1b[0m (enabled)\n\n"));
        assert!(text.contains("  User groups:  4\n\n"));
        let bare = render(&Report::default());
        assert!(!bare.contains("Docker:") && !bare.contains("NVIDIA GPUs:"));
    }

    #[test]
    fn useful_commands_exist() {
        for line in USEFUL.lines().skip(2).filter(|l| !l.is_empty()) {
            let name = line.split_whitespace().next().unwrap_or_default();
            assert!(crate::registry::find(name, true).is_some(), "{name}");
        }
    }

    #[test]
    fn os_and_cuda_parsing() {
        let os = "NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
        assert_eq!(
            pretty_name(os).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        let banner =
            "| NVIDIA-SMI 550.127.08   Driver Version: 550.127.08   CUDA Version: 12.4     |";
        assert_eq!(cuda_from_banner(banner).as_deref(), Some("12.4"));
        assert_eq!(cuda_from_banner("nothing"), None);
    }
}
