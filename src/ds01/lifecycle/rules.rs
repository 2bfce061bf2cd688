//! One container's limits, resolved from DS01's configuration and checked:
//! the owner's limits for containers made by DS01's commands (`atomic`,
//! `orchestration`), `container_types.<type>` for the others (falling back
//! to `container_types.unknown`, then to the owner's limits), the owner's
//! idle-detection policies, and `lifecycle-exemptions.yaml`.  Keys and
//! units as reference §9.1: `_h` hours, `_m` minutes, `_s` seconds, `null`
//! never.  A value that is not a sane number is an error, never a guess.

use super::plan::Rule;
use crate::policy::limits::Config;
use serde_yaml::Value;

/// The longest limit taken seriously: ten years.
const MAX_LIMIT_S: f64 = 10.0 * 365.0 * 86_400.0;
/// The longest SIGTERM grace: one hour.
const MAX_GRACE_S: u64 = 3600;
/// The longest idle-detection window, in checks.
const MAX_WINDOW: u64 = 1000;

/// Types whose limits are the owner's own.
const DS01_TYPES: [&str; 2] = ["atomic", "orchestration"];

/// Exemption texts by rule (`Permanent exemption: ...`), None: not exempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    pub by_rule: Vec<(Rule, String)>,
}

impl Exemptions {
    pub fn of(&self, rule: Rule) -> Option<String> {
        self.by_rule
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, why)| format!("exempt from {} ({why})", rule.key()))
    }
}

/// One container's limits, in seconds; None is never.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    pub idle_s: Option<u64>,
    pub runtime_s: Option<u64>,
    pub gpu_hold_s: Option<u64>,
    pub container_hold_s: Option<u64>,
    pub created_s: Option<u64>,
    pub grace_s: u32,
    /// Consecutive idle checks needed (`idle_detection_window`).
    pub window: u32,
    /// Below this GPU utilization, in percent, a sample is idle.
    pub idle_below: u32,
    /// No idle sampling this long after a start (`policies.grace_period_m`).
    pub startup_grace_s: u64,
    pub exempt: Exemptions,
}

/// The limits of a container of `owner` (may be empty) and `kind`.
pub fn resolve(config: &Config, owner: &str, kind: &str, now: u64) -> Result<Limits, String> {
    let user = config.limits(owner);
    let policies = config.lifecycle_policies(owner);
    let policy = |k: &str| policies.iter().find(|(n, _)| *n == k).map(|(_, v)| v);
    let global = config.section("policies");
    let types = config.section("container_types");
    let own = DS01_TYPES.contains(&kind);
    let typed = if own {
        None
    } else {
        types
            .get(kind)
            .or_else(|| types.get("unknown"))
            .and_then(Value::as_mapping)
    };
    // The type's value where it has the key, else the owner's.
    let pick = |key: &str| typed.and_then(|t| t.get(key)).or_else(|| user.get(key));
    let grace = typed
        .and_then(|t| t.get("sigterm_grace_s"))
        .or_else(|| policy("sigterm_grace_s"));
    Ok(Limits {
        idle_s: seconds(pick("idle_timeout_h"), 3600.0, "idle_timeout_h")?,
        runtime_s: seconds(pick("max_runtime_h"), 3600.0, "max_runtime_h")?,
        gpu_hold_s: seconds(
            user.get("gpu_hold_after_stop_h"),
            3600.0,
            "gpu_hold_after_stop_h",
        )?,
        container_hold_s: seconds(
            user.get("container_hold_after_stop_h"),
            3600.0,
            "container_hold_after_stop_h",
        )?,
        created_s: seconds(
            Some(
                global
                    .get("created_container_timeout_m")
                    .unwrap_or(&Value::from(30)),
            ),
            60.0,
            "policies.created_container_timeout_m",
        )?,
        grace_s: whole(grace, 60, MAX_GRACE_S, "sigterm_grace_s")? as u32,
        window: whole(
            policy("idle_detection_window"),
            3,
            MAX_WINDOW,
            "idle_detection_window",
        )?
        .max(1) as u32,
        idle_below: percent(policy("gpu_idle_threshold"), 5, "gpu_idle_threshold")?,
        startup_grace_s: seconds(
            Some(global.get("grace_period_m").unwrap_or(&Value::from(30))),
            60.0,
            "policies.grace_period_m",
        )?
        .unwrap_or(0),
        exempt: exemptions(config, owner, now)?,
    })
}

/// The exemptions of `owner` at `now` (the enforcement's clock); an
/// exemptions file that cannot be read is an error (the owner may be
/// exempt: nothing may be done).
fn exemptions(config: &Config, owner: &str, now: u64) -> Result<Exemptions, String> {
    let mut by_rule = Vec::new();
    if owner.is_empty() {
        return Ok(Exemptions { by_rule });
    }
    for rule in [
        Rule::Idle,
        Rule::Runtime,
        Rule::GpuHold,
        Rule::ContainerHold,
        Rule::NeverStarted,
    ] {
        let check = config.check_exemption_at(owner, rule.key(), now as f64);
        if let Some(warning) = check.warning {
            return Err(format!("the exemptions cannot be read: {warning}"));
        }
        if let Some(text) = check.exemption {
            by_rule.push((rule, text));
        }
    }
    Ok(Exemptions { by_rule })
}

/// A duration setting in `unit` seconds (a number, or a string such as
/// `0.5`, `30m`, `2h`, `1d`); absent or `null`/`never`: None.
pub fn seconds(v: Option<&Value>, unit: f64, key: &str) -> Result<Option<u64>, String> {
    let bad = |v: &dyn std::fmt::Debug| format!("{key} is not a duration: {v:?}");
    let value = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| bad(n))? * unit,
        Some(Value::String(s)) => match from_text(s, unit) {
            Ok(None) => return Ok(None),
            Ok(Some(v)) => v,
            Err(()) => return Err(bad(s)),
        },
        Some(other) => return Err(bad(other)),
    };
    if !value.is_finite() || !(0.0..=MAX_LIMIT_S).contains(&value) {
        return Err(format!("{key} is out of range: {value} seconds"));
    }
    Ok(Some(value.round() as u64))
}

/// `never`/`null`/`none`/`indefinite` → Ok(None); `N[.N][s|m|h|d]` → seconds.
fn from_text(text: &str, unit: f64) -> Result<Option<f64>, ()> {
    let t = text.trim().to_ascii_lowercase();
    if ["never", "null", "none", "indefinite"].contains(&t.as_str()) {
        return Ok(None);
    }
    let (number, unit) = match t.char_indices().last() {
        Some((i, 's')) => (&t[..i], 1.0),
        Some((i, 'm')) => (&t[..i], 60.0),
        Some((i, 'h')) => (&t[..i], 3600.0),
        Some((i, 'd')) => (&t[..i], 86_400.0),
        _ => (t.as_str(), unit),
    };
    let digits = number.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(());
    }
    digits
        .parse::<f64>()
        .map(|v| Some(v * unit))
        .map_err(|_| ())
}

/// A percentage threshold (0..=100, may have a fraction); absent or null:
/// `default`.  Utilization is a whole percent, so `u < 5.5` is `u < 6`.
fn percent(v: Option<&Value>, default: u32, key: &str) -> Result<u32, String> {
    let p = match v {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(other) => return Err(format!("{key} is not a percentage: {other:?}")),
    };
    if !p.is_finite() || !(0.0..=100.0).contains(&p) {
        return Err(format!("{key} is not a percentage: {p}"));
    }
    Ok(p.ceil() as u32)
}

/// A whole number setting in 0..=max; absent or null: `default`.
fn whole(v: Option<&Value>, default: u64, max: u64, key: &str) -> Result<u64, String> {
    let n = match v {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => u,
            (None, Some(f)) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 => f as u64,
            _ => return Err(format!("{key} is not a whole number: {n}")),
        },
        Some(other) => return Err(format!("{key} is not a whole number: {other:?}")),
    };
    if n > max {
        return Err(format!("{key} is out of range: {n} (at most {max})"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: Value) -> Result<Option<u64>, String> {
        seconds(Some(&v), 3600.0, "k")
    }

    #[test]
    fn durations_in_their_units() {
        assert_eq!(s(Value::from(0.5)), Ok(Some(1800)));
        assert_eq!(s(Value::from(24)), Ok(Some(86_400)));
        assert_eq!(s(Value::Null), Ok(None));
        assert_eq!(seconds(None, 3600.0, "k"), Ok(None));
        assert_eq!(s(Value::from("30m")), Ok(Some(1800)));
        assert_eq!(s(Value::from("2")), Ok(Some(7200)));
        assert_eq!(s(Value::from("never")), Ok(None));
        assert_eq!(seconds(Some(&Value::from(30)), 60.0, "k"), Ok(Some(1800)));
    }

    #[test]
    fn insane_durations_are_errors() {
        for v in [
            Value::from(-1),
            Value::from(f64::NAN),
            Value::from(1e12),
            Value::from("soon"),
            Value::from("-2h"),
            Value::from(true),
        ] {
            assert!(s(v.clone()).is_err(), "{v:?}");
        }
    }

    fn config(yaml: &str) -> Config {
        let dir = std::env::temp_dir().join(format!(
            "ds01-lcrules-{}-{}",
            std::process::id(),
            yaml.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("resource-limits.yaml"), yaml).unwrap();
        let c = Config::load_from(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        c
    }

    const YAML: &str = "defaults:\n  idle_timeout_h: 0.5\n  max_runtime_h: 24\n  \
        gpu_hold_after_stop_h: 0.25\n  container_hold_after_stop_h: null\n\
        default_group: student\ngroups:\n  student: {}\n\
        policies:\n  sigterm_grace_s: 60\n  idle_detection_window: 3\n\
        container_types:\n  devcontainer: {idle_timeout_h: null, max_runtime_h: 168, sigterm_grace_s: 30}\n  \
        unknown: {idle_timeout_h: 0.25, max_runtime_h: 24, sigterm_grace_s: 30}\n";

    #[test]
    fn ds01_containers_follow_the_owner_others_their_type() {
        let c = config(YAML);
        let own = resolve(&c, "alice", "atomic", 0).unwrap();
        assert_eq!(
            (own.idle_s, own.runtime_s, own.grace_s),
            (Some(1800), Some(86_400), 60)
        );
        assert_eq!((own.gpu_hold_s, own.container_hold_s), (Some(900), None));
        assert_eq!(own.created_s, Some(1800), "the default 30 minutes");
        let dev = resolve(&c, "alice", "devcontainer", 0).unwrap();
        assert_eq!(
            (dev.idle_s, dev.runtime_s, dev.grace_s),
            (None, Some(604_800), 30)
        );
        let other = resolve(&c, "", "compose", 0).unwrap();
        assert_eq!((other.idle_s, other.grace_s), (Some(900), 30));
    }

    #[test]
    fn a_broken_limit_is_an_error() {
        let c = config(&YAML.replace("max_runtime_h: 24\n", "max_runtime_h: soon\n"));
        assert!(resolve(&c, "alice", "atomic", 0).is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(None, 5, "k"), Ok(5));
        assert_eq!(percent(Some(&Value::from(5.5)), 5, "k"), Ok(6));
        assert_eq!(percent(Some(&Value::from(10)), 5, "k"), Ok(10));
        assert!(percent(Some(&Value::from(101)), 5, "k").is_err());
        assert!(percent(Some(&Value::from("5")), 5, "k").is_err());
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole(None, 3, 10, "k"), Ok(3));
        assert_eq!(whole(Some(&Value::from(4)), 3, 10, "k"), Ok(4));
        assert!(whole(Some(&Value::from(11)), 3, 10, "k").is_err());
        assert!(whole(Some(&Value::from(1.5)), 3, 10, "k").is_err());
        assert!(whole(Some(&Value::from("3")), 3, 10, "k").is_err());
    }
}
