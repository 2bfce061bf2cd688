//! `get_resource_limits <username> [flag]`: DS01's limits of one user, as
//! `scripts/docker/get_resource_limits.py` printed them (reference spec
//! §8.5).  Shell scripts parse these outputs, so they are byte for byte the
//! original's: Python's `str()` of each value, `json.dumps` with its default
//! separators, the display with its trailing blank line.
//!
//! The command line is the original's, which is not argparse: the first
//! argument is the username (whatever it looks like), and each flag of
//! [`FLAGS`] is looked for anywhere on the command line, username included,
//! in that fixed order; the first present wins.  No flag, or only unknown
//! ones, prints the display; no argument at all prints the usage (exit 1).
//! The usage text, completions and man page come from
//! `spec/ds01/get_resource_limits.yaml`.

use crate::cli::spec::{self, ToolSpec};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::policy::limits::{format_gpueq, Config, ConfigError, Limits, Setting};
use crate::policy::pyfmt;
use crate::policy::username::sanitize;
use serde_yaml::Value;

const NAME: &str = "get_resource_limits";

/// The flags in the order the original tests them.
pub const FLAGS: [&str; 21] = [
    "--docker-args",
    "--group",
    "--json",
    "--max-gpus",
    "--max-containers",
    "--max-ram",
    "--max-mig-per-container",
    "--mig-instances-per-gpu",
    "--allow-full-gpu",
    "--priority",
    "--gpu-hold-time",
    "--container-hold-time",
    "--idle-timeout",
    "--max-runtime",
    "--all-lifecycle",
    "--high-demand-threshold",
    "--high-demand-reduction",
    "--aggregate",
    "--aggregate-gpu-limit",
    "--lifecycle-policies",
    "--check-exemption",
];

const CHECK_EXEMPTION_ERROR: &str =
    "Error: --check-exemption requires enforcement type (idle_timeout_h or max_runtime_h)\n";

/// `get_resource_limits ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool(NAME).map_err(|e| Failure::stderr(70, format!("ds01: {e}\n")))?;
    let Some(username) = args.first() else {
        return Err(Failure::stdout(1, usage(&spec)));
    };
    let config = ctx.config().map_err(|e| e.failure(NAME))?;
    let answer = answer(&config, username, args).map_err(|e| e.failure(NAME))?;
    ctx.err(&answer.stderr);
    ctx.out(&answer.stdout);
    Ok(answer.code)
}

/// The usage text printed when no username is given, from the spec: each
/// option's invocation in a 22-column field, as the original laid it out.
pub fn usage(spec: &ToolSpec) -> String {
    let mut text = format!("Usage: {}\nOptions:\n", spec.usage);
    for o in spec.options.iter().filter(|o| !o.hidden) {
        let mut invocation = o.names.join(", ");
        if let Some(m) = o.metavar.as_deref().filter(|_| o.takes_value()) {
            invocation = format!("{invocation} {m}");
        }
        if invocation.chars().count() <= 22 {
            text.push_str(&format!("  {invocation:<22} {}\n", o.help));
        } else {
            text.push_str(&format!("  {invocation}  {}\n", o.help));
        }
    }
    text
}

/// What one invocation prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Answer {
    fn line(text: impl Into<String>) -> Answer {
        let mut stdout = text.into();
        stdout.push('\n');
        Answer {
            stdout,
            stderr: String::new(),
            code: 0,
        }
    }
}

/// The output for `username` and the whole command line `args` (username
/// first).  Only a setting that cannot be read (a quota that is not a
/// number) is an error.
pub fn answer(config: &Config, username: &str, args: &[String]) -> Result<Answer, ConfigError> {
    let flag = FLAGS.iter().find(|f| args.iter().any(|a| a == *f)).copied();
    match flag {
        Some("--check-exemption") => Ok(check_exemption(config, username, args)),
        Some(flag) => flag_line(config, username, flag).map(Answer::line),
        None => display(config, username).map(Answer::line),
    }
}

/// The one line (or JSON text) a flag other than `--check-exemption`
/// prints.
fn flag_line(config: &Config, username: &str, flag: &str) -> Result<String, ConfigError> {
    let str_of = pyfmt::str_of;
    let limits = || config.limits(username);
    Ok(match flag {
        "--docker-args" => limits().docker_args(username).join(" "),
        "--group" => str_of(&config.user_group(username)),
        "--json" => json_summary(config, username)?,
        "--max-gpus" => gpus(&limits(), username)?,
        "--max-containers" => max_containers(&limits()),
        "--max-ram" => str_of(&limits().memory()),
        "--max-mig-per-container" => slots_per_container(&limits()),
        "--mig-instances-per-gpu" => slots_per_gpu(config),
        "--allow-full-gpu" => limits().allow_full_gpu().to_string(),
        "--priority" => str_of(&limits().get_or("priority", Value::from(10))),
        "--gpu-hold-time" => or_word(limits().get("gpu_hold_after_stop_h"), "indefinite"),
        "--container-hold-time" => or_word(limits().get("container_hold_after_stop_h"), "never"),
        "--idle-timeout" => or_word(limits().get("idle_timeout_h"), "None"),
        "--max-runtime" => or_word(limits().get("max_runtime_h"), "None"),
        "--all-lifecycle" => all_lifecycle(&limits()),
        "--high-demand-threshold" => policy(config, "high_demand_threshold", 0.8),
        "--high-demand-reduction" => policy(config, "high_demand_idle_reduction", 0.5),
        "--aggregate" => aggregate_json(config, username),
        "--aggregate-gpu-limit" => aggregate_gpu_limit(config, username),
        "--lifecycle-policies" => pyfmt::json_object(&config.lifecycle_policies(username)),
        // Every flag of FLAGS has its arm; anything else is the page, as no
        // flag at all is.
        _ => display(config, username)?,
    })
}

/// `--json`: the summary `check-limits` reads back, every value a string
/// but the group.
fn json_summary(config: &Config, username: &str) -> Result<String, ConfigError> {
    let l = config.limits(username);
    let str_of = pyfmt::str_of;
    let s = |t: String| Value::String(t);
    Ok(pyfmt::json_object(&[
        ("group", config.user_group(username)),
        ("max_gpus", s(gpus(&l, username)?)),
        ("max_gpus_per_container", s(slots_per_container(&l))),
        ("max_containers", s(max_containers(&l))),
        ("cpu_cores", s(str_of(&l.cpus()))),
        ("memory", s(str_of(&l.memory()))),
        (
            "storage_workspace",
            s(str_of(&l.get_or("storage_workspace", Value::from("N/A")))),
        ),
        ("idle_timeout", s(hours(&l, "idle_timeout_h", "N/A"))),
        ("gpu_hold", s(hours(&l, "gpu_hold_after_stop_h", "N/A"))),
        (
            "container_hold",
            s(hours(&l, "container_hold_after_stop_h", "N/A")),
        ),
        ("max_runtime", s(hours(&l, "max_runtime_h", "unlimited"))),
    ]))
}

/// `--check-exemption TYPE`: the only flag with an argument, and the only
/// answer that may warn on stderr (an unreadable exemptions file).
fn check_exemption(config: &Config, username: &str, args: &[String]) -> Answer {
    let at = args.iter().position(|a| a == "--check-exemption");
    let Some(kind) = at.and_then(|i| args.get(i + 1)) else {
        return Answer {
            stdout: CHECK_EXEMPTION_ERROR.to_string(),
            stderr: String::new(),
            code: 1,
        };
    };
    let check = config.check_exemption(username, kind);
    let mut answer = Answer::line(match check.exemption {
        Some(reason) => format!("exempt: {reason}"),
        None => "not_exempt".to_string(),
    });
    if let Some(w) = check.warning {
        answer.stderr = format!("{NAME}: warning: {w}; no exemptions apply\n");
    }
    answer
}

/// `--max-gpus`: the gpueq quota, whole numbers without `.0`.
fn gpus(l: &Limits, username: &str) -> Result<String, ConfigError> {
    Ok(match l.max_gpu_equivalents(username)? {
        Some(v) => format_gpueq(v),
        None => "unlimited".to_string(),
    })
}

/// `--max-mig-per-container`: unset means one slot, `null` no limit.
fn slots_per_container(l: &Limits) -> String {
    match l.max_slots_per_container() {
        Setting::Unset => "1".to_string(),
        Setting::Unlimited => "unlimited".to_string(),
        Setting::Set(v) => pyfmt::str_of(v),
    }
}

/// `--max-containers`: 3 when unset, `null` no limit.
fn max_containers(l: &Limits) -> String {
    let containers = l.get_or("max_containers_per_user", Value::from(3));
    or_word(Some(&containers), "unlimited")
}

/// `--mig-instances-per-gpu`: `slots_per_gpu`, else the legacy
/// `mig_instances_per_gpu`, else 1.
fn slots_per_gpu(config: &Config) -> String {
    let gpu = config.section("gpu_allocation");
    let legacy = gpu
        .get("mig_instances_per_gpu")
        .cloned()
        .unwrap_or(Value::from(1));
    pyfmt::str_of(gpu.get("slots_per_gpu").unwrap_or(&legacy))
}

/// `--all-lifecycle`: the four settings as written, `null` when unset.
fn all_lifecycle(l: &Limits) -> String {
    let keys = [
        "idle_timeout_h",
        "max_runtime_h",
        "gpu_hold_after_stop_h",
        "container_hold_after_stop_h",
    ];
    let pairs: Vec<(&str, Value)> = keys
        .iter()
        .map(|k| (*k, l.get_or(k, Value::Null)))
        .collect();
    pyfmt::json_object(&pairs)
}

/// `--aggregate`: Python's `json.dumps(None)` for no aggregate section.
fn aggregate_json(config: &Config, username: &str) -> String {
    match config.aggregate(username) {
        Value::Null => "null".to_string(),
        agg => pyfmt::json(&agg),
    }
}

fn aggregate_gpu_limit(config: &Config, username: &str) -> String {
    match config.aggregate(username).get("gpu_limit") {
        Some(v) => pyfmt::str_of(v),
        None => "unlimited".to_string(),
    }
}

fn policy(config: &Config, key: &str, default: f64) -> String {
    let policies = config.section("policies");
    pyfmt::str_of(policies.get(key).unwrap_or(&Value::from(default)))
}

/// A duration setting in hours (`0.5h`); `none` when unset or `null`.
fn hours(l: &Limits, key: &str, none: &str) -> String {
    match l.get(key) {
        Some(v) if !v.is_null() => format!("{}h", pyfmt::str_of(v)),
        _ => none.to_string(),
    }
}

/// Python's `str()` of a setting; `word` when unset or `null`.
fn or_word(v: Option<&Value>, word: &str) -> String {
    match v {
        Some(v) if !v.is_null() => pyfmt::str_of(v),
        _ => word.to_string(),
    }
}

/// The human-readable page (no flag, or an unknown one).  It ends with a
/// blank line: the original printed a text that ended in a newline.
fn display(config: &Config, username: &str) -> Result<String, ConfigError> {
    let l = config.limits(username);
    let group = l.group_name();
    let mut out = format!("\nResource limits for user '{username}' (group: {group}):\n");
    out += &display_gpu_limits(&l, username)?;
    out += &display_compute(&l);
    out += &display_storage(&l);
    out += &display_lifecycle(&l);
    out += &display_enforcement(&group, username);
    Ok(out)
}

/// A setting as Python's `str()` of `dict.get(key, default)`.
fn setting(l: &Limits, key: &str, default: Value) -> String {
    pyfmt::str_of(&l.get_or(key, default))
}

fn display_gpu_limits(l: &Limits, username: &str) -> Result<String, ConfigError> {
    // Unlike `--max-mig-per-container` (1), the page shows an unset
    // per-container limit as unlimited, as the original's page did.
    let per_container = match l.max_slots_per_container() {
        Setting::Set(v) => pyfmt::str_of(v),
        Setting::Unset | Setting::Unlimited => "unlimited".to_string(),
    };
    let mut out = "\n  GPU Limits:\n".to_string();
    out += &format!(
        "    Max GPUs (simultaneous total):  {}\n",
        gpus(l, username)?
    );
    out += &format!("    Max GPUs per container:         {per_container}\n");
    out += &format!(
        "    Allow full GPU:           {}\n",
        if l.allow_full_gpu() { "Yes" } else { "No" }
    );
    out += &format!(
        "    Priority level:           {}\n",
        setting(l, "priority", Value::from(10))
    );
    out += &format!(
        "    Max containers:           {}\n",
        setting(l, "max_containers_per_user", Value::from(3))
    );
    Ok(out)
}

fn display_compute(l: &Limits) -> String {
    let mut out = "\n  Compute (per container):\n".to_string();
    out += &format!(
        "    CPU cores:                {}\n",
        pyfmt::str_of(&l.cpus())
    );
    out += &format!(
        "    RAM:                      {}\n",
        pyfmt::str_of(&l.memory())
    );
    out += &format!(
        "    Shared memory:            {}\n",
        setting(l, "shm_size", Value::from("16g"))
    );
    out += &format!(
        "    Max processes:            {}\n",
        setting(l, "pids_limit", Value::from(4096))
    );
    out
}

fn display_storage(l: &Limits) -> String {
    let na = || Value::from("N/A");
    let mut out = "\n  Storage:\n".to_string();
    out += &format!(
        "    Workspace (/workspace):   {}\n",
        setting(l, "storage_workspace", na())
    );
    out += &format!(
        "    Data (/data):             {}\n",
        setting(l, "storage_data", na())
    );
    out += &format!(
        "    Tmp (/tmp in container):  {}\n",
        setting(l, "storage_tmp", na())
    );
    out
}

fn display_lifecycle(l: &Limits) -> String {
    let mut out = "\n  Lifecycle:\n".to_string();
    out += &format!(
        "    Idle timeout:             {}\n",
        hours(l, "idle_timeout_h", "N/A")
    );
    out += &format!(
        "    GPU hold after stop:      {}\n",
        hours(l, "gpu_hold_after_stop_h", "N/A")
    );
    out += &format!(
        "    Container hold (stopped): {}\n",
        hours(l, "container_hold_after_stop_h", "N/A")
    );
    out += &format!(
        "    Max runtime:              {}\n",
        hours(l, "max_runtime_h", "unlimited")
    );
    out
}

/// The user's systemd slice, named after the sanitized username; the
/// original name is shown when sanitizing changed it, so that an admin can
/// match the two.
fn display_enforcement(group: &str, username: &str) -> String {
    let sanitized = sanitize(username);
    let mut out = "\n  Enforcement:\n".to_string();
    out += &format!("    Systemd slice:            ds01-{group}-{sanitized}.slice\n");
    if sanitized != username {
        out += &format!("    (sanitized from: {username})\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_and_flags_agree() {
        let spec = spec::tool(NAME).expect("spec loads");
        let mut names: Vec<&str> = spec
            .options
            .iter()
            .flat_map(|o| o.names.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        let mut flags = FLAGS.to_vec();
        flags.sort_unstable();
        assert_eq!(names, flags);
    }

    #[test]
    fn usage_is_the_originals() {
        let spec = spec::tool(NAME).expect("spec loads");
        let text = usage(&spec);
        assert!(text.starts_with(
            "Usage: get_resource_limits.py <username> [options]\nOptions:\n  \
             --docker-args          Docker run arguments for resource limits\n"
        ));
        assert!(text.contains("\n  --max-mig-per-container  Max GPU units per container\n"));
        assert!(text.contains(
            "\n  --check-exemption TYPE Check if user is exempt from TYPE (idle_timeout_h or max_runtime_h)\n"
        ));
        assert!(!text.contains("--json"));
        assert_eq!(text.lines().count(), 21);
    }
}
