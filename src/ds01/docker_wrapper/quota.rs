//! The aggregate quota check before a `run`/`create` (reference §8.3 step
//! 3): the memory the user's slice uses now plus what the container asks
//! for must fit the group's `aggregate.memory_max`; PIDs near
//! `aggregate.tasks_max` only warn.  Fail-open as the original: no
//! configuration, no aggregate or no cgroup to read lets the create go on.

use super::argv;
use crate::context::Ctx;
use crate::error::Failure;
use crate::policy::pyfmt::str_of;
use std::path::{Path, PathBuf};

/// Without a configured per-container memory: 32 GiB.
const DEFAULT_REQUEST: u64 = 32 << 30;

/// The user's slice directory and whether it is a cgroup v1 one.
fn slice_dir(group: &str, slice: &str) -> Option<(PathBuf, bool)> {
    let under =
        |root: &str| PathBuf::from(root).join(format!("ds01.slice/ds01-{group}.slice/{slice}"));
    [
        ("/sys/fs/cgroup", false),
        ("/sys/fs/cgroup/unified", false),
        ("/sys/fs/cgroup/memory", true),
    ]
    .into_iter()
    .map(|(root, v1)| (under(root), v1))
    .find(|(dir, _)| dir.is_dir())
}

fn read_number(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Refuse with the memory box when the container would not fit.
pub fn check_memory(ctx: &mut Ctx, user: &str, opts: &[String]) -> Result<(), Failure> {
    let Ok(config) = ctx.config() else {
        return Ok(());
    };
    let aggregate = config.aggregate(user);
    if !aggregate.is_mapping() {
        return Ok(());
    }
    let limits = config.limits(user);
    let group = limits.group_name();
    let slice = limits.slice(user);
    let Some((dir, v1)) = slice_dir(&group, &slice) else {
        return Ok(());
    };
    let field = |k: &str| aggregate.get(k).filter(|v| !v.is_null()).map(str_of);
    let requested = argv::values_of(opts, &["--memory", "-m"])
        .last()
        .and_then(|m| argv::memory_bytes(m))
        .or_else(|| argv::memory_bytes(&str_of(&limits.memory())))
        .unwrap_or(DEFAULT_REQUEST);
    let memory_file = if v1 {
        "memory.usage_in_bytes"
    } else {
        "memory.current"
    };
    let current = read_number(&dir.join(memory_file)).filter(|&c| c > 0);
    let max = field("memory_max").and_then(|m| argv::memory_bytes(&m));
    if let (Some(current), Some(max)) = (current, max) {
        if current.saturating_add(requested) > max {
            let text = super::boxes::memory_exceeded(current >> 30, requested >> 30, max >> 30);
            return Err(Failure::stderr(1, text));
        }
    }
    warn_pids(ctx, &group, &slice, &dir, v1, field("tasks_max"));
    Ok(())
}

/// `WARNING: You are using N pids (limit: M)` past 90% of `tasks_max`.
fn warn_pids(ctx: &mut Ctx, group: &str, slice: &str, dir: &Path, v1: bool, max: Option<String>) {
    let Some(max) = max.and_then(|m| m.trim().parse::<u64>().ok()) else {
        return;
    };
    let path = if v1 {
        PathBuf::from(format!(
            "/sys/fs/cgroup/pids/ds01.slice/ds01-{group}.slice/{slice}/pids.current"
        ))
    } else {
        dir.join("pids.current")
    };
    match read_number(&path) {
        Some(current) if current > 0 && current > max * 90 / 100 => ctx.err(&format!(
            "WARNING: You are using {current} pids (limit: {max})\n\
             Consider reducing the number of processes in your containers.\n"
        )),
        _ => {}
    }
}
