//! `check-limits [-v|--verbose]` (also `get-limits`): the caller's quota
//! dashboard, DS01's `scripts/user/helpers/check-limits` (reference spec
//! §6), byte for byte: the same sections, usage bars, colours, warnings and
//! footer.
//!
//! What it reads, and where the original got it:
//! - the limits: `get_resource_limits <user> --json` (here the same
//!   function, [`super::get_resource_limits::answer`], whose JSON is read
//!   back as the original's `json.load(...).get(key, '')` read it) and the
//!   user's `aggregate` section ([`Config::aggregate`]);
//! - the GPU/MIG slots the user holds: `gpu-state-reader user-gpu-count`
//!   ([`Reader::user_slots`]), and the host's GPUs from the same inventory
//!   (`nvidia-smi -L`: MIG devices, else physical GPUs);
//! - containers: those labelled `ds01.user=<user>` (all states, and
//!   running), from the same one container listing as the GPU slots; an
//!   engine that does not answer is an error (the original counted 0);
//! - memory and tasks in use: the user slice's cgroup files;
//! - storage in use: the disk usage (`du -s`) of `$HOME/workspace`, or of
//!   `$HOME` when the workspace holds less than 1 GB;
//! - the GPU queue (`/var/lib/ds01/gpu-queue.json`).
//!
//! Every argument but a first `-v`/`--verbose` is ignored (`--help` too
//! prints the dashboard); the exit code is 0, or 1 when the limits cannot
//! be read (`Could not retrieve limits. Contact admin.`).
//!
//! The original was a bash script, and its arithmetic on configured values
//! that are not integers (a gpueq quota of `1.5`, `memory_max: 2T`) is kept
//! as bash did it: such a value makes a comparison false, and a failed
//! `$((…))` drops the statement it was in (e.g. the `Available:` line).
//! Values were taken as bash saw them: the user is `$USER` (the caller's
//! login name when that is unset or empty), storage is measured under
//! `$HOME`.

use super::get_resource_limits;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::model::labels;
use crate::policy::gpu_state::Reader;
use crate::policy::limits::Config;
use crate::policy::pyfmt;
use crate::policy::sources::Sources;
use crate::policy::username::sanitize;
use serde_yaml::Value;
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The cgroup filesystem, where the user slices live.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// The GPU queue (`gpu-queue add/remove`): a JSON list of
/// `{"user": …, "container": …}` entries, first in line first.
const QUEUE_FILE: &str = "/var/lib/ds01/gpu-queue.json";

use crate::ui::ds01::{BLUE, BOLD, DIM, GREEN, NC, RED, YELLOW};

const RULE: &str = "════════════════════════════════════════════════════════════";
const BAR_WIDTH: u128 = 20;

/// `check-limits ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let verbose = matches!(args.first().map(String::as_str), Some("--verbose" | "-v"));
    let user = ctx
        .env
        .get("USER")
        .map_or_else(|| ctx.caller.login.clone(), str::to_string);
    let home = ctx.env.get("HOME").unwrap_or_default().to_string();
    let mut system = System::new(Sources::of(ctx), home);
    // One listing serves every count; an engine that does not answer is an
    // error (the original counted 0 containers and 0 GPUs).
    system.reader.load()?;
    let dashboard = run(&user, verbose, &mut system);
    // The notes explain a dashboard that failed too: print them either way.
    for note in system.sources.take_notes() {
        ctx.err(&format!("{note}\n"));
    }
    ctx.out(&dashboard?);
    Ok(0)
}

/// Where the dashboard's numbers come from; [`System`] reads the host.
pub trait Probe {
    /// The output of `get_resource_limits <user> --json`; `None` when the
    /// limits cannot be read.
    fn limits_json(&mut self, user: &str) -> Option<String>;
    /// The user's `aggregate` section (`Value::Null`: none, i.e.
    /// unlimited); `None` when the limits cannot be read.
    fn aggregate(&mut self, user: &str) -> Option<Value>;
    /// The GPU/MIG slots the user holds.
    fn gpu_count(&mut self, user: &str) -> u64;
    /// The user's containers: (all states, running).
    fn containers(&mut self, user: &str) -> (u64, u64);
    /// MIG devices and physical GPUs of the host.
    fn devices(&mut self) -> (u64, u64);
    /// Bytes of memory and number of tasks in the user slice `slice` of
    /// group `group` (0 where the cgroup files are missing).
    fn slice_usage(&mut self, group: &str, slice: &str) -> (u64, u64);
    /// Disk usage of the user's storage in whole GB.
    fn storage_used_gb(&mut self) -> u64;
    /// The GPU queue file's text, if it exists.
    fn queue(&mut self) -> Option<String>;
}

/// The host: configuration, engine, inventory, cgroups, disks.  The
/// configuration and the GPU state are read once.
pub struct System {
    sources: Sources,
    reader: Reader,
    /// Whose storage is measured (`$HOME`, as the original took it).
    home: String,
}

impl System {
    pub fn new(sources: Sources, home: String) -> System {
        System {
            reader: Reader::new(sources.clone()),
            sources,
            home,
        }
    }

    fn config(&self) -> Option<std::rc::Rc<Config>> {
        self.sources.config.clone().ok()
    }
}

impl Probe for System {
    fn limits_json(&mut self, user: &str) -> Option<String> {
        let config = self.config()?;
        let args = [user.to_string(), "--json".to_string()];
        get_resource_limits::answer(&config, user, &args)
            .ok()
            .map(|a| a.stdout)
    }

    fn aggregate(&mut self, user: &str) -> Option<Value> {
        Some(self.config()?.aggregate(user))
    }

    fn gpu_count(&mut self, user: &str) -> u64 {
        self.reader.user_slots(user).len() as u64
    }

    /// From the reader's one listing (`docker ps -a` and `docker ps`
    /// filtered by `ds01.user` in the original).
    fn containers(&mut self, user: &str) -> (u64, u64) {
        let mine: Vec<bool> = self
            .reader
            .containers()
            .iter()
            .filter(|c| c.label(labels::USER) == user)
            .map(|c| c.running)
            .collect();
        let running = mine.iter().filter(|r| **r).count();
        (mine.len() as u64, running as u64)
    }

    fn devices(&mut self) -> (u64, u64) {
        let inventory = self.reader.inventory();
        (inventory.migs.len() as u64, inventory.gpus.len() as u64)
    }

    fn slice_usage(&mut self, group: &str, slice: &str) -> (u64, u64) {
        slice_usage(Path::new(CGROUP_ROOT), group, slice)
    }

    fn storage_used_gb(&mut self) -> u64 {
        storage_used_gb(&self.home)
    }

    fn queue(&mut self) -> Option<String> {
        std::fs::read_to_string(QUEUE_FILE).ok()
    }
}

/// The dashboard for `user`.  Limits that cannot be read fail with the
/// original's message (exit 1); limits the original could not parse end it
/// silently (exit 1).
pub fn run(user: &str, verbose: bool, probe: &mut dyn Probe) -> Result<String, Failure> {
    let quotas = read_quotas(user, probe)?;
    // The probes are asked in the original's order, so that their notes
    // come out in it too.
    let gpu_count = probe.gpu_count(user);
    let (container_count, running_count) = probe.containers(user);
    let aggregate = read_aggregate(user, probe)?;
    let (mem_bytes, tasks_current) = match &aggregate {
        Some(_) => {
            let slice = format!("ds01-{}-{}.slice", quotas.group, sanitize(user));
            probe.slice_usage(&quotas.group, &slice)
        }
        None => (0, 0),
    };
    let (mig_count, phys_count) = probe.devices();
    let gpus = gpu_quota(mig_count, phys_count, &quotas.max_gpus);

    let mut out = header(user, &quotas.group);
    out += &containers_section(container_count, running_count, &quotas.max_containers);
    out += &gpus_section(&gpus, gpu_count, &quotas.max_gpus_per);
    out += &cpus_section(aggregate.as_ref(), &quotas.cpu_cores);
    out += &memory_section(aggregate.as_ref(), mem_bytes, &quotas.memory);
    if let (true, Some(a)) = (verbose, &aggregate) {
        out += &tasks_section(a, tasks_current);
    }
    out += &storage_section(&quotas.storage, probe.storage_used_gb());
    out += &lifecycle_section(&quotas.lifecycle);
    out += &warnings_and_summary(
        &gpus.max,
        gpu_count,
        &quotas.max_containers,
        container_count,
    );
    if let Some(positions) = probe.queue().and_then(|t| queue_positions(&t, user)) {
        out += &format!("\n{BLUE}GPU Queue:{NC}\n{positions}\n");
    }
    out += "\n";
    Ok(out)
}

/// The limits as the original held them after reading
/// `get_resource_limits <user> --json`: text, empty where a key is missing.
struct Quotas {
    group: String,
    max_gpus: String,
    max_gpus_per: String,
    max_containers: String,
    cpu_cores: String,
    memory: String,
    storage: String,
    /// (label, value, what happens) of each lifecycle line, in order.
    lifecycle: [(&'static str, String, &'static str); 4],
}

fn read_quotas(user: &str, probe: &mut dyn Probe) -> Result<Quotas, Failure> {
    let limits = match probe.limits_json(user) {
        Some(text) if !text.trim_end_matches('\n').is_empty() => text,
        _ => {
            return Err(Failure::stdout(
                1,
                format!("{RED}Could not retrieve limits. Contact admin.{NC}\n"),
            ))
        }
    };
    // The original read each field with `json.load(...).get(key, '')`
    // under `set -e`: text that is not a JSON object ended it silently.
    let fields = json_object(&limits).ok_or(Failure::exit(1))?;
    Ok(Quotas::from_fields(&fields))
}

impl Quotas {
    fn from_fields(fields: &serde_yaml::Mapping) -> Quotas {
        let jget = |key: &str| -> String {
            fields
                .get(key)
                .map(|v| pyfmt::str_of(v).trim_end_matches('\n').to_string())
                .unwrap_or_default()
        };
        let group = match jget("group") {
            g if g.is_empty() => "unknown".to_string(),
            g => g,
        };
        Quotas {
            group,
            max_gpus: parse_limit(&jget("max_gpus")),
            max_gpus_per: jget("max_gpus_per_container"),
            max_containers: parse_limit(&jget("max_containers")),
            cpu_cores: jget("cpu_cores"),
            memory: jget("memory"),
            storage: jget("storage_workspace"),
            lifecycle: [
                ("Idle timeout:", jget("idle_timeout"), "auto-stop if idle"),
                ("Max runtime:", jget("max_runtime"), "auto-stop after"),
                ("GPU hold after stop:", jget("gpu_hold"), "then freed"),
                ("Container hold:", jget("container_hold"), "then removed"),
            ],
        }
    }
}

/// The aggregate section: `None` (null, or unreadable) means no per-user
/// totals.
fn read_aggregate(user: &str, probe: &mut dyn Probe) -> Result<Option<Aggregate>, Failure> {
    let section = match probe.aggregate(user) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Mapping(m)) => m,
        // `json.load(...).get(...)` on a non-object, under `set -e`.
        Some(_) => return Err(Failure::exit(1)),
    };
    let get = |key: &str, default: &str| {
        section
            .get(key)
            .map(pyfmt::str_of)
            .unwrap_or_else(|| default.to_string())
    };
    Ok(Some(Aggregate {
        memory_max: get("memory_max", "null"),
        tasks_max: get("tasks_max", "0"),
        cpu_quota: get("cpu_quota", "?"),
    }))
}

fn header(user: &str, group: &str) -> String {
    format!("\n{BOLD}DS01 Resource Limits{NC} — {BLUE}{user}{NC} ({group})\n{RULE}\n")
}

fn containers_section(count: u64, running: u64, max: &str) -> String {
    let mut out = format!("\n{BOLD}Containers{NC}\n");
    out += &usage_bar(&count.to_string(), max, "containers");
    out += &format!("  {running} running\n");
    out
}

/// What the GPU quota counts, and the quota as shown.
struct GpuQuota {
    unit: &'static str,
    max: String,
}

/// MIG slots when the host has any MIG device, else GPUs; the quota is
/// capped at what the host has.
fn gpu_quota(mig_count: u64, phys_count: u64, max_gpus: &str) -> GpuQuota {
    // `grep -c ^GPU` found nothing on a host without nvidia-smi, and the
    // original then assumed 4.
    let phys_count = if phys_count == 0 { 4 } else { phys_count };
    let (unit, system_total) = if mig_count > 0 {
        ("MIG slots", mig_count)
    } else {
        ("GPUs", phys_count)
    };
    let mut max = max_gpus.to_string();
    if max != "unlimited" {
        if let Some(v) = bash_int(&max) {
            if v > system_total as i64 {
                max = system_total.to_string();
            }
        }
    }
    GpuQuota { unit, max }
}

fn gpus_section(gpus: &GpuQuota, used: u64, per_container: &str) -> String {
    let GpuQuota { unit, max } = gpus;
    let mut out = format!("\n{BOLD}GPUs{NC}\n");
    out += &usage_bar(&used.to_string(), max, unit);
    if max == "unlimited" {
        out += &format!("  Per container: up to {per_container} {unit}\n");
    } else if let Some(v) = bash_int(max) {
        // A quota that is not an integer failed `$((max - used))`, which
        // dropped the line.
        let remaining = v.wrapping_sub(used as i64).max(0);
        out += &format!(
            "  Available: {BOLD}{remaining}{NC} {unit}  ·  Per container: up to {per_container}\n"
        );
    }
    out
}

fn cpus_section(aggregate: Option<&Aggregate>, per_container: &str) -> String {
    let mut out = format!("\n{BOLD}CPUs{NC}\n");
    match aggregate {
        None => out += &format!("  {GREEN}Unlimited{NC}\n"),
        Some(a) => {
            // Only a `NNN%` quota (systemd's `CPUQuota`) converts to
            // cores; anything else shows `?`.
            let cores = a
                .cpu_quota
                .strip_suffix('%')
                .filter(|d| is_digits(d))
                .and_then(bash_int)
                .map_or("?".to_string(), |q| (q / 100).to_string());
            out += &format!(
                "  Aggregate limit: {BOLD}{cores}{NC} cores  ·  Per container: {per_container} cores\n"
            );
        }
    }
    out
}

fn memory_section(aggregate: Option<&Aggregate>, bytes: u64, per_container: &str) -> String {
    let mut out = format!("\n{BOLD}Memory{NC}\n");
    let Some(a) = aggregate else {
        out += &usage_bar("0", "unlimited", "GB");
        return out;
    };
    let max_gb = a.memory_max.strip_suffix('G').unwrap_or(&a.memory_max);
    if max_gb != "0" && max_gb != "null" {
        out += &memory_usage(bytes, max_gb);
    } else {
        out += &usage_bar("0", "unlimited", "GB");
    }
    out += &format!("  Per container: {per_container}\n");
    out
}

/// The memory bar against an aggregate limit of `max_gb`, with the MB
/// actually used when that rounds down to 0 GB, and a warning near the
/// limit.
fn memory_usage(bytes: u64, max_gb: &str) -> String {
    let gb = bytes / (1 << 30);
    let mb = bytes / (1 << 20);
    let mut out = usage_bar(&gb.to_string(), max_gb, "GB");
    if gb == 0 && mb > 0 {
        out += &format!("  ({mb} MB actual)\n");
    }
    if let Some(max) = bash_int(max_gb).filter(|m| *m > 0) {
        let percent = (gb as i128) * 100 / i128::from(max);
        if percent >= 95 {
            out += &format!("  {RED}Near memory limit — OOM risk{NC}\n");
        } else if percent >= 80 {
            out += &format!("  {YELLOW}High memory usage{NC}\n");
        }
    }
    out
}

/// Shown only with `--verbose`, and only with aggregate limits.
fn tasks_section(aggregate: &Aggregate, tasks: u64) -> String {
    let bar = usage_bar(
        &tasks.to_string(),
        &parse_limit(&aggregate.tasks_max),
        "tasks",
    );
    format!("\n{BOLD}Tasks/PIDs{NC}\n{bar}")
}

fn storage_section(storage: &str, used_gb: u64) -> String {
    let limit = if storage == "N/A" || storage.is_empty() {
        "unlimited".to_string()
    } else {
        storage_limit_gb(storage)
    };
    let bar = usage_bar(&used_gb.to_string(), &limit, "GB");
    format!("\n{BOLD}Storage{NC}\n{bar}")
}

/// The workspace quota in GB: `NT` or `NG`; anything else counted as the
/// original's default of 100 GB.
fn storage_limit_gb(storage: &str) -> String {
    let mut limit_gb = "100".to_string();
    if let Some(t) = storage.strip_suffix('T').filter(|d| is_digits(d)) {
        if let Some(t) = bash_int(t) {
            limit_gb = t.wrapping_mul(1024).to_string();
        }
    } else if let Some(g) = storage.strip_suffix('G').filter(|d| is_digits(d)) {
        limit_gb = g.to_string();
    }
    limit_gb
}

fn lifecycle_section(lifecycle: &[(&str, String, &str)]) -> String {
    let mut out = format!("\n{BOLD}Lifecycle{NC}\n");
    for (label, value, what) in lifecycle {
        if matches!(value.as_str(), "None" | "null" | "indefinite" | "never") {
            out += &format!("  {label:<24} {GREEN}None{NC}\n");
        } else {
            out += &format!("  {label:<24} {value} {DIM}({what}){NC}\n");
        }
    }
    out
}

/// A warning for each quota reached, then the closing rule and the
/// summary line.
fn warnings_and_summary(
    max_gpus: &str,
    gpu_count: u64,
    max_containers: &str,
    container_count: u64,
) -> String {
    let reached = |limit: &str, used: u64| {
        limit != "unlimited" && bash_int(limit).is_some_and(|l| used as i64 >= l)
    };
    let mut out = String::new();
    let mut warnings = 0;
    if reached(max_gpus, gpu_count) {
        out += &format!("\n{RED}GPU limit reached{NC} — retire a container to free GPUs:\n");
        out += "  container-list  ·  container-retire <name>\n";
        warnings += 1;
    }
    if reached(max_containers, container_count) {
        out += &format!("\n{YELLOW}Container limit reached{NC} — remove unused containers:\n");
        out += "  container-list  ·  container-retire <name>\n";
        warnings += 1;
    }
    out += &format!("\n{RULE}\n");
    if warnings == 0 {
        out += &format!("{GREEN}All resources available{NC}\n");
    } else {
        out += &format!(
            "{RED}{warnings} limit(s) reached{NC} — contact h.baker@hertie-school.org if you need more\n"
        );
    }
    out
}

/// What the dashboard uses of the `aggregate` section, as Python's `str()`
/// of `get(key, default)`.
struct Aggregate {
    memory_max: String,
    tasks_max: String,
    cpu_quota: String,
}

/// A JSON object's members as YAML values (so that `pyfmt::str_of` prints
/// them as Python's `str()` did); `None` for anything else.
fn json_object(text: &str) -> Option<serde_yaml::Mapping> {
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Mapping(m)) => Some(m),
        _ => None,
    }
}

/// `null`, `None` or nothing mean unlimited.
fn parse_limit(value: &str) -> String {
    match value {
        "null" | "None" | "" => "unlimited".to_string(),
        other => other.to_string(),
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A word as bash's arithmetic reads it (`[[ a -ge b ]]`, `$((a))`): an
/// integer constant (decimal, `0…` octal, `0x…` hex; 64-bit, wrapping), a
/// variable name (none of the values is set: 0), nothing (0); `None` where
/// bash reported an error (`1.5`, `2T`, `08`).
fn bash_int(word: &str) -> Option<i64> {
    let w = word.trim();
    let (negative, w) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w.strip_prefix('+').unwrap_or(w)),
    };
    if w.is_empty() {
        return (!negative).then_some(0);
    }
    let first = w.as_bytes()[0];
    if first.is_ascii_alphabetic() || first == b'_' {
        return w
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            .then_some(0);
    }
    let (radix, digits) = if let Some(hex) = w.strip_prefix("0x").or(w.strip_prefix("0X")) {
        (16, hex)
    } else if w.len() > 1 && first == b'0' {
        (8, &w[1..])
    } else {
        (10, w)
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        value = value
            .wrapping_mul(i64::from(radix))
            .wrapping_add(i64::from(d));
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// One usage bar line: 20 cells of `━` (used) and `─`, green below 70%,
/// yellow below 85%, red from there; `N/M unit (P%)`.  `max` is
/// `unlimited` (a full green bar, `N unit used, no limit`) or a count; one
/// that is not a whole number, or 0, counts as 1.
fn usage_bar(current: &str, max: &str, unit: &str) -> String {
    let current: String = current.chars().filter(|c| !c.is_whitespace()).collect();
    let current = if is_digits(&current) {
        current
    } else {
        "0".to_string()
    };
    if max == "unlimited" {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let bar = "━".repeat(BAR_WIDTH as usize);
        return format!("  {GREEN}{bar}{NC}  {current}{unit} used, no limit\n");
    }
    let max: String = max.chars().filter(|c| !c.is_whitespace()).collect();
    let mut max = if is_digits(&max) {
        max
    } else {
        "1".to_string()
    };
    let number = |s: &str| s.parse::<u128>().unwrap_or(u128::MAX / 100);
    if number(&max) == 0 {
        max = "1".to_string();
    }
    let percent = (number(&current) * 100 / number(&max)).min(100);
    let filled = percent * BAR_WIDTH / 100;
    let colour = if percent >= 85 {
        RED
    } else if percent >= 70 {
        YELLOW
    } else {
        GREEN
    };
    let bar = "━".repeat(filled as usize) + &"─".repeat((BAR_WIDTH - filled) as usize);
    format!("  {colour}{bar}{NC}  {current}/{max} {unit} ({percent}%)\n")
}

/// Memory bytes and tasks of a user slice: cgroup v2 (`memory.current`,
/// `pids.current`), the hybrid layout's `unified/` tree, or cgroup v1
/// (`memory.usage_in_bytes` in `memory/`, `pids.current` in `pids/`).
fn slice_usage(root: &Path, group: &str, slice: &str) -> (u64, u64) {
    let rel = format!("ds01.slice/ds01-{group}.slice/{slice}");
    let v2 = root.join(&rel);
    let unified = root.join("unified").join(&rel);
    let v1 = root.join("memory").join(&rel);
    let (dir, memory_file, pids_file) = if v2.join("memory.current").is_file() {
        (v2, "memory.current", Some("pids.current"))
    } else if unified.join("memory.current").is_file() {
        (unified, "memory.current", Some("pids.current"))
    } else if v1.is_dir() {
        (v1, "memory.usage_in_bytes", None)
    } else {
        return (0, 0);
    };
    let read = |p: &Path| -> u64 {
        std::fs::read_to_string(p)
            .ok()
            .map(|t| t.trim_end_matches('\n').to_string())
            .filter(|t| is_digits(t))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    };
    let memory = read(&dir.join(memory_file));
    let tasks = match pids_file {
        Some(f) if dir.join(f).is_file() => read(&dir.join(f)),
        _ => read(&root.join("pids").join(&rel).join("pids.current")),
    };
    (memory, tasks)
}

/// Storage in use, in whole GB: `$HOME/workspace`, or all of `$HOME` when
/// the workspace is missing or holds less than 1 GB.
fn storage_used_gb(home: &str) -> u64 {
    let gb = |kib: Option<u64>| kib.unwrap_or(0) / 1024 / 1024;
    let workspace = format!("{home}/workspace");
    let mut used = 0;
    if Path::new(&workspace).is_dir() {
        used = gb(disk_usage_kib(Path::new(&workspace)));
    }
    if used < 1 {
        used = if home.is_empty() {
            0
        } else {
            gb(disk_usage_kib(Path::new(home)))
        };
    }
    used
}

/// `du -s PATH` in KiB: the blocks allocated to PATH and everything under
/// it, symlinks not followed (PATH itself neither), a file with several
/// hard links counted once.  Unreadable directories count only themselves.
/// `None` when PATH does not exist.
fn disk_usage_kib(path: &Path) -> Option<u64> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let mut blocks: u64 = 0;
    let mut stack = vec![(path.to_path_buf(), meta)];
    while let Some((p, m)) = stack.pop() {
        if m.nlink() > 1 && !m.is_dir() && !seen.insert((m.dev(), m.ino())) {
            continue;
        }
        blocks = blocks.saturating_add(m.blocks());
        if m.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                for e in entries.flatten() {
                    if let Ok(em) = e.metadata() {
                        stack.push((e.path(), em));
                    }
                }
            }
        }
    }
    // 512-byte blocks, rounded up to KiB.
    Some(blocks.div_ceil(2))
}

/// The user's places in the GPU queue, `  #N: container` lines, as the
/// original's Python printed them; `None` when there are none or the file
/// is not what it expected (a list of objects with `user`, and `container`
/// for the user's own entries).
fn queue_positions(text: &str, user: &str) -> Option<String> {
    let Ok(Value::Sequence(entries)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let mut lines = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let Value::Mapping(entry) = entry else {
            return None;
        };
        if entry.get("user")?.as_str() == Some(user) {
            let container = pyfmt::str_of(entry.get("container")?);
            lines.push(format!("  #{}: {container}", i + 1));
        }
    }
    let text = lines.join("\n");
    let text = text.trim_end_matches('\n');
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe with fixed answers; limits from a configuration text.
    struct Fixed {
        config: Option<Config>,
        gpus: u64,
        containers: (u64, u64),
        devices: (u64, u64),
        usage: (u64, u64),
        storage: u64,
        queue: Option<String>,
        asked_slice: Option<(String, String)>,
        /// Answers in place of the configuration's, where set.
        limits_text: Option<String>,
        aggregate: Option<Value>,
    }

    impl Fixed {
        fn new(config: Option<Config>) -> Fixed {
            Fixed {
                config,
                gpus: 0,
                containers: (0, 0),
                devices: (5, 4),
                usage: (0, 0),
                storage: 0,
                queue: None,
                asked_slice: None,
                limits_text: None,
                aggregate: None,
            }
        }
    }

    impl Probe for Fixed {
        fn limits_json(&mut self, user: &str) -> Option<String> {
            if let Some(text) = &self.limits_text {
                return Some(text.clone());
            }
            let config = self.config.as_ref()?;
            let args = [user.to_string(), "--json".to_string()];
            get_resource_limits::answer(config, user, &args)
                .ok()
                .map(|a| a.stdout)
        }
        fn aggregate(&mut self, user: &str) -> Option<Value> {
            if let Some(value) = &self.aggregate {
                return Some(value.clone());
            }
            Some(self.config.as_ref()?.aggregate(user))
        }
        fn gpu_count(&mut self, _: &str) -> u64 {
            self.gpus
        }
        fn containers(&mut self, _: &str) -> (u64, u64) {
            self.containers
        }
        fn devices(&mut self) -> (u64, u64) {
            self.devices
        }
        fn slice_usage(&mut self, group: &str, slice: &str) -> (u64, u64) {
            self.asked_slice = Some((group.to_string(), slice.to_string()));
            self.usage
        }
        fn storage_used_gb(&mut self) -> u64 {
            self.storage
        }
        fn queue(&mut self) -> Option<String> {
            self.queue.clone()
        }
    }

    struct Dir(std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The recording host's configuration (`../shared/data`), with
    /// `overrides` as user-overrides.yaml.
    fn config(tag: &str, overrides: &str) -> Option<(Dir, Config)> {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let yaml = std::fs::read_to_string(shared.join("resource-limits.yaml")).ok()?;
        let dir = std::env::temp_dir().join(format!("ds01-cl-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("groups")).expect("mkdir");
        std::fs::write(dir.join("resource-limits.yaml"), yaml).expect("yaml");
        std::fs::write(dir.join("groups/researcher.members"), "bob\n").expect("members");
        std::fs::write(dir.join("groups/admin.members"), "ds01admin\n").expect("members");
        std::fs::write(dir.join("user-overrides.yaml"), overrides).expect("overrides");
        let config = Config::load_from(&dir).expect("config loads");
        Some((Dir(dir), config))
    }

    fn expand(text: &str) -> String {
        text.replace("{R}", RED)
            .replace("{G}", GREEN)
            .replace("{Y}", YELLOW)
            .replace("{B}", BLUE)
            .replace("{BOLD}", BOLD)
            .replace("{DIM}", DIM)
            .replace("{NC}", NC)
            .replace("{RULE}", RULE)
    }

    const EMPTY: &str = "────────────────────";
    const FULL: &str = "━━━━━━━━━━━━━━━━━━━━";

    fn lifecycle(idle: &str, runtime: &str, hold: &str, container: &str) -> String {
        format!(
            "\n{{BOLD}}Lifecycle{{NC}}\n\
             \x20 Idle timeout:            {idle} {{DIM}}(auto-stop if idle){{NC}}\n\
             \x20 Max runtime:             {runtime} {{DIM}}(auto-stop after){{NC}}\n\
             \x20 GPU hold after stop:     {hold} {{DIM}}(then freed){{NC}}\n\
             \x20 Container hold:          {container} {{DIM}}(then removed){{NC}}\n"
        )
    }

    /// Sessions 629/630 of the original: alice holds one GPU in one
    /// running container.
    #[test]
    fn student_with_a_gpu_as_recorded() {
        let Some((_dir, config)) = config("alice", "{}\n") else {
            return;
        };
        let mut probe = Fixed::new(Some(config));
        probe.gpus = 1;
        probe.containers = (1, 1);
        let out = run("alice", true, &mut probe).expect("the dashboard, exit 0");
        let want = format!(
            "\n{{BOLD}}DS01 Resource Limits{{NC}} — {{B}}alice{{NC}} (student)\n{{RULE}}\n\
             \n{{BOLD}}Containers{{NC}}\n  {{G}}━━━━━━──────────────{{NC}}  1/3 containers (33%)\n  1 running\n\
             \n{{BOLD}}GPUs{{NC}}\n  {{G}}━━━━━━━━━━──────────{{NC}}  1/2 MIG slots (50%)\n\
             \x20 Available: {{BOLD}}1{{NC}} MIG slots  ·  Per container: up to 2\n\
             \n{{BOLD}}CPUs{{NC}}\n  Aggregate limit: {{BOLD}}96{{NC}} cores  ·  Per container: 32 cores\n\
             \n{{BOLD}}Memory{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/96 GB (0%)\n  Per container: 32g\n\
             \n{{BOLD}}Tasks/PIDs{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/12288 tasks (0%)\n\
             \n{{BOLD}}Storage{{NC}}\n  {{G}}{FULL}{{NC}}  0 GB used, no limit\n\
             {}\n{{RULE}}\n{{G}}All resources available{{NC}}\n\n",
            lifecycle("0.5h", "24h", "0.25h", "0.5h")
        );
        assert_eq!(out, expand(&want));
        assert_eq!(
            probe.asked_slice,
            Some(("student".into(), "ds01-student-alice.slice".into()))
        );
    }

    /// Output of the original for bob (researcher) at both limits.
    #[test]
    fn limits_reached() {
        let Some((_dir, config)) = config("bob", "{}\n") else {
            return;
        };
        let mut probe = Fixed::new(Some(config));
        probe.gpus = 4;
        probe.containers = (5, 4);
        let out = run("bob", false, &mut probe).expect("the dashboard");
        let want = format!(
            "\n{{BOLD}}DS01 Resource Limits{{NC}} — {{B}}bob{{NC}} (researcher)\n{{RULE}}\n\
             \n{{BOLD}}Containers{{NC}}\n  {{R}}{FULL}{{NC}}  5/5 containers (100%)\n  4 running\n\
             \n{{BOLD}}GPUs{{NC}}\n  {{R}}{FULL}{{NC}}  4/4 MIG slots (100%)\n\
             \x20 Available: {{BOLD}}0{{NC}} MIG slots  ·  Per container: up to 3\n\
             \n{{BOLD}}CPUs{{NC}}\n  Aggregate limit: {{BOLD}}240{{NC}} cores  ·  Per container: 48 cores\n\
             \n{{BOLD}}Memory{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/320 GB (0%)\n  Per container: 64g\n\
             \n{{BOLD}}Storage{{NC}}\n  {{G}}{FULL}{{NC}}  0 GB used, no limit\n\
             {}\
             \n{{R}}GPU limit reached{{NC}} — retire a container to free GPUs:\n\
             \x20 container-list  ·  container-retire <name>\n\
             \n{{Y}}Container limit reached{{NC}} — remove unused containers:\n\
             \x20 container-list  ·  container-retire <name>\n\
             \n{{RULE}}\n{{R}}2 limit(s) reached{{NC}} — contact h.baker@hertie-school.org if you need more\n\n",
            lifecycle("1h", "48h", "0.25h", "0.5h")
        );
        assert_eq!(out, expand(&want));
    }

    /// Output of the original for an admin: no quotas, no aggregate.
    #[test]
    fn admin_is_unlimited() {
        let Some((_dir, config)) = config("admin", "{}\n") else {
            return;
        };
        let mut probe = Fixed::new(Some(config));
        probe.gpus = 3;
        probe.containers = (2, 1);
        let out = run("ds01admin", true, &mut probe).expect("the dashboard");
        let want = format!(
            "\n{{BOLD}}DS01 Resource Limits{{NC}} — {{B}}ds01admin{{NC}} (admin)\n{{RULE}}\n\
             \n{{BOLD}}Containers{{NC}}\n  {{G}}━━━━────────────────{{NC}}  2/10 containers (20%)\n  1 running\n\
             \n{{BOLD}}GPUs{{NC}}\n  {{G}}{FULL}{{NC}}  3 MIG slots used, no limit\n\
             \x20 Per container: up to unlimited MIG slots\n\
             \n{{BOLD}}CPUs{{NC}}\n  {{G}}Unlimited{{NC}}\n\
             \n{{BOLD}}Memory{{NC}}\n  {{G}}{FULL}{{NC}}  0 GB used, no limit\n\
             \n{{BOLD}}Storage{{NC}}\n  {{G}}{FULL}{{NC}}  0 GB used, no limit\n\
             {}\n{{RULE}}\n{{G}}All resources available{{NC}}\n\n",
            lifecycle("1h", "24h", "1h", "0.5h")
        );
        assert_eq!(out, expand(&want));
        assert_eq!(probe.asked_slice, None);
    }

    const ODD_OVERRIDES: &str = "\
carol:
  max_gpu_equivalents: 1.5
  storage_workspace: 1T
  idle_timeout_h: null
  max_runtime_h: null
  max_containers_per_user: null
  aggregate:
    cpu_quota: \"150\"
    memory_max: \"2T\"
dave:
  max_gpu_equivalents: 9
  storage_workspace: 50G
  max_gpu_slots_per_container: null
  aggregate: {}
erin:
  storage_workspace: abc
  aggregate:
    memory_max: null
    tasks_max: null
    cpu_quota: \"250%\"
";

    /// Values that are not integers, as the original's bash handled them
    /// (outputs recorded from the original with these overrides).
    #[test]
    fn odd_values_as_bash_read_them() {
        let Some((_dir, config)) = config("odd", ODD_OVERRIDES) else {
            return;
        };
        let mut probe = Fixed::new(Some(config));
        probe.gpus = 1;
        probe.containers = (2, 1);
        let carol = run("carol", true, &mut probe).expect("the dashboard");
        let want = format!(
            "\n{{BOLD}}DS01 Resource Limits{{NC}} — {{B}}carol{{NC}} (override)\n{{RULE}}\n\
             \n{{BOLD}}Containers{{NC}}\n  {{G}}{FULL}{{NC}}  2 containers used, no limit\n  1 running\n\
             \n{{BOLD}}GPUs{{NC}}\n  {{R}}{FULL}{{NC}}  1/1 MIG slots (100%)\n\
             \n{{BOLD}}CPUs{{NC}}\n  Aggregate limit: {{BOLD}}?{{NC}} cores  ·  Per container: 32 cores\n\
             \n{{BOLD}}Memory{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/1 GB (0%)\n  Per container: 32g\n\
             \n{{BOLD}}Tasks/PIDs{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/1 tasks (0%)\n\
             \n{{BOLD}}Storage{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/1024 GB (0%)\n\
             {}\n{{RULE}}\n{{G}}All resources available{{NC}}\n\n",
            lifecycle("N/A", "unlimited", "0.25h", "0.5h")
        );
        assert_eq!(carol, expand(&want));

        let dave = run("dave", true, &mut probe).expect("the dashboard");
        let want = format!(
            "\n{{BOLD}}DS01 Resource Limits{{NC}} — {{B}}dave{{NC}} (override)\n{{RULE}}\n\
             \n{{BOLD}}Containers{{NC}}\n  {{G}}━━━━━━━━━━━━━───────{{NC}}  2/3 containers (66%)\n  1 running\n\
             \n{{BOLD}}GPUs{{NC}}\n  {{G}}━━━━────────────────{{NC}}  1/5 MIG slots (20%)\n\
             \x20 Available: {{BOLD}}4{{NC}} MIG slots  ·  Per container: up to unlimited\n\
             \n{{BOLD}}CPUs{{NC}}\n  Aggregate limit: {{BOLD}}?{{NC}} cores  ·  Per container: 32 cores\n\
             \n{{BOLD}}Memory{{NC}}\n  {{G}}{FULL}{{NC}}  0 GB used, no limit\n  Per container: 32g\n\
             \n{{BOLD}}Tasks/PIDs{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/1 tasks (0%)\n\
             \n{{BOLD}}Storage{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/50 GB (0%)\n\
             {}\n{{RULE}}\n{{G}}All resources available{{NC}}\n\n",
            lifecycle("0.5h", "24h", "0.25h", "0.5h")
        );
        assert_eq!(dave, expand(&want));

        let erin = run("erin", true, &mut probe).expect("the dashboard");
        let want = format!(
            "\n{{BOLD}}DS01 Resource Limits{{NC}} — {{B}}erin{{NC}} (override)\n{{RULE}}\n\
             \n{{BOLD}}Containers{{NC}}\n  {{G}}━━━━━━━━━━━━━───────{{NC}}  2/3 containers (66%)\n  1 running\n\
             \n{{BOLD}}GPUs{{NC}}\n  {{R}}{FULL}{{NC}}  1/1 MIG slots (100%)\n\
             \x20 Available: {{BOLD}}0{{NC}} MIG slots  ·  Per container: up to 1\n\
             \n{{BOLD}}CPUs{{NC}}\n  Aggregate limit: {{BOLD}}2{{NC}} cores  ·  Per container: 32 cores\n\
             \n{{BOLD}}Memory{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/1 GB (0%)\n  Per container: 32g\n\
             \n{{BOLD}}Tasks/PIDs{{NC}}\n  {{G}}{FULL}{{NC}}  0 tasks used, no limit\n\
             \n{{BOLD}}Storage{{NC}}\n  {{G}}{EMPTY}{{NC}}  0/100 GB (0%)\n\
             {}\
             \n{{R}}GPU limit reached{{NC}} — retire a container to free GPUs:\n\
             \x20 container-list  ·  container-retire <name>\n\
             \n{{RULE}}\n{{R}}1 limit(s) reached{{NC}} — contact h.baker@hertie-school.org if you need more\n\n",
            lifecycle("0.5h", "24h", "0.25h", "0.5h")
        );
        assert_eq!(erin, expand(&want));
    }

    #[test]
    fn unreadable_limits() {
        let mut probe = Fixed::new(None);
        let failure = run("alice", false, &mut probe).expect_err("no limits");
        assert_eq!(
            failure,
            Failure::stdout(
                1,
                format!("{RED}Could not retrieve limits. Contact admin.{NC}\n")
            )
        );
    }

    #[test]
    fn empty_limits_cannot_be_retrieved() {
        let mut probe = Fixed::new(None);
        probe.limits_text = Some("\n".into());
        let failure = run("alice", false, &mut probe).expect_err("no limits");
        assert_eq!(
            failure,
            Failure::stdout(
                1,
                format!("{RED}Could not retrieve limits. Contact admin.{NC}\n")
            )
        );
    }

    /// What the original's `json.load` could not read ended it under
    /// `set -e`: nothing printed, exit 1.
    #[test]
    fn unparsable_limits_end_silently() {
        let mut probe = Fixed::new(None);
        for text in ["not json", "[1, 2]", "\"text\""] {
            probe.limits_text = Some(text.into());
            assert_eq!(run("alice", true, &mut probe), Err(Failure::exit(1)));
        }
        probe.limits_text = Some(r#"{"group": "student"}"#.into());
        probe.aggregate = Some(Value::from(5));
        assert_eq!(run("alice", true, &mut probe), Err(Failure::exit(1)));
    }

    /// Missing fields read as empty, as `get(key, '')` gave them.
    #[test]
    fn missing_fields_read_as_empty() {
        let mut probe = Fixed::new(None);
        probe.limits_text = Some("{}".into());
        probe.aggregate = Some(Value::Null);
        let out = run("alice", false, &mut probe).expect("the dashboard");
        assert!(out.starts_with(&format!(
            "\n{BOLD}DS01 Resource Limits{NC} — {BLUE}alice{NC} (unknown)\n"
        )));
        assert!(out.contains("  0 containers used, no limit\n"));
        assert!(out.contains("  Per container: up to  MIG slots\n"));
        assert!(out.contains(&format!(
            "  Idle timeout:             {DIM}(auto-stop if idle){NC}\n"
        )));
        assert_eq!(probe.asked_slice, None);
    }

    #[test]
    fn storage_quotas() {
        assert_eq!(storage_limit_gb("2T"), "2048");
        assert_eq!(storage_limit_gb("50G"), "50");
        assert_eq!(storage_limit_gb("1.5T"), "100");
        assert_eq!(storage_limit_gb("500M"), "100");
        assert_eq!(storage_limit_gb("T"), "100");
    }

    #[test]
    fn gpu_quota_is_capped_by_the_host() {
        let q = gpu_quota(0, 2, "8");
        assert_eq!((q.unit, q.max.as_str()), ("GPUs", "2"));
        let q = gpu_quota(7, 2, "3");
        assert_eq!((q.unit, q.max.as_str()), ("MIG slots", "3"));
        let q = gpu_quota(0, 0, "9");
        assert_eq!(q.max, "4");
        assert_eq!(gpu_quota(0, 0, "unlimited").max, "unlimited");
        assert_eq!(gpu_quota(0, 0, "1.5").max, "1.5");
    }

    #[test]
    fn memory_warnings_and_queue() {
        let Some((_dir, config)) = config("mem", "{}\n") else {
            return;
        };
        let mut probe = Fixed::new(Some(config));
        probe.usage = (92 << 30, 7);
        probe.devices = (0, 0);
        probe.queue = Some(
            r#"[{"user": "bob", "container": "x"}, {"user": "alice", "container": "big"}]"#.into(),
        );
        let out = run("alice", true, &mut probe).expect("the dashboard");
        let bar = "━".repeat(19) + "─";
        assert!(out.contains(&format!(
            "  {RED}{bar}{NC}  92/96 GB (95%)\n  {RED}Near memory limit — OOM risk{NC}\n"
        )));
        assert!(out.contains("7/12288 tasks (0%)"));
        // No nvidia-smi: the original assumed 4 GPUs.
        assert!(out.contains(&format!("  Available: {BOLD}2{NC} GPUs  ·")));
        assert!(out.ends_with(&format!(
            "All resources available{NC}\n\n{BLUE}GPU Queue:{NC}\n  #2: big\n\n"
        )));
        probe.usage = (80 << 30, 0);
        let out = run("alice", true, &mut probe).expect("the dashboard");
        assert!(out.contains(&format!("  {YELLOW}High memory usage{NC}\n")));
        probe.usage = (512 << 20, 0);
        let out = run("alice", true, &mut probe).expect("the dashboard");
        assert!(out.contains("0/96 GB (0%)\n  (512 MB actual)\n  Per container"));
    }

    #[test]
    fn bars() {
        assert_eq!(
            usage_bar("7", "10", "x"),
            format!("  {YELLOW}━━━━━━━━━━━━━━──────{NC}  7/10 x (70%)\n")
        );
        assert_eq!(
            usage_bar(" 3\n", "0", "x"),
            format!("  {RED}{FULL}{NC}  3/1 x (100%)\n")
        );
        assert_eq!(
            usage_bar("abc", "2.5", "x"),
            format!("  {GREEN}{EMPTY}{NC}  0/1 x (0%)\n")
        );
        assert_eq!(
            usage_bar("4", "unlimited", ""),
            format!("  {GREEN}{FULL}{NC}  4 used, no limit\n")
        );
    }

    #[test]
    fn bash_arithmetic_words() {
        assert_eq!(bash_int("12"), Some(12));
        assert_eq!(bash_int(" 12 "), Some(12));
        assert_eq!(bash_int("010"), Some(8));
        assert_eq!(bash_int("0x1f"), Some(31));
        assert_eq!(bash_int("-3"), Some(-3));
        assert_eq!(bash_int("None"), Some(0));
        assert_eq!(bash_int(""), Some(0));
        assert_eq!(bash_int("1.5"), None);
        assert_eq!(bash_int("2T"), None);
        assert_eq!(bash_int("08"), None);
    }

    #[test]
    fn queue_file_shapes() {
        let q = r#"[{"user": "alice", "container": "a"}, {"user": "alice", "container": 7}]"#;
        assert_eq!(
            queue_positions(q, "alice").as_deref(),
            Some("  #1: a\n  #2: 7")
        );
        assert_eq!(queue_positions(q, "bob"), None);
        assert_eq!(queue_positions(r#"[{"container": "a"}]"#, "alice"), None);
        assert_eq!(queue_positions(r#"{"user": "alice"}"#, "alice"), None);
        assert_eq!(queue_positions("not json", "alice"), None);
    }

    #[test]
    fn cgroup_layouts() {
        let root = std::env::temp_dir().join(format!("ds01-cl-cg-{}", std::process::id()));
        let _guard = Dir(root.clone());
        let rel = "ds01.slice/ds01-student.slice/ds01-student-alice.slice";
        let slice = "ds01-student-alice.slice";
        assert_eq!(slice_usage(&root, "student", slice), (0, 0));
        // cgroup v1: memory and pids hierarchies.
        let v1 = root.join("memory").join(rel);
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::write(v1.join("memory.usage_in_bytes"), "1024\n").unwrap();
        let pids = root.join("pids").join(rel);
        std::fs::create_dir_all(&pids).unwrap();
        std::fs::write(pids.join("pids.current"), "9\n").unwrap();
        assert_eq!(slice_usage(&root, "student", slice), (1024, 9));
        // cgroup v2 wins.
        let v2 = root.join(rel);
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v2.join("memory.current"), "2048\n").unwrap();
        std::fs::write(v2.join("pids.current"), "3\n").unwrap();
        assert_eq!(slice_usage(&root, "student", slice), (2048, 3));
    }

    #[test]
    fn disk_usage_counts_blocks_once() {
        let root = std::env::temp_dir().join(format!("ds01-cl-du-{}", std::process::id()));
        let _guard = Dir(root.clone());
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/f"), vec![1u8; 100_000]).unwrap();
        std::fs::hard_link(root.join("sub/f"), root.join("g")).unwrap();
        std::os::unix::fs::symlink("/usr", root.join("link")).unwrap();
        let kib = disk_usage_kib(&root).unwrap();
        // One copy of ~100 kB plus the directories; /usr is not followed.
        assert!((90..1000).contains(&kib), "{kib}");
        assert_eq!(disk_usage_kib(&root.join("missing")), None);
        assert_eq!(storage_used_gb(root.to_str().unwrap()), 0);
        assert_eq!(storage_used_gb(""), 0);
    }
}
