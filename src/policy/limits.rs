//! DS01's per-user resource limits: `resource-limits.yaml` in DS01's own
//! schema (read unchanged), the `groups/<group>.members` files,
//! `user-overrides.yaml` and `lifecycle-exemptions.yaml`, and the
//! resolution of one user's limits in the order of the original
//! `get_resource_limits.py` (reference spec §8.5, §9.1).
//!
//! Every DS01 command reads limits through this module.
//!
//! Resolution (`Config::limits`):
//! 1. a user override (`user-overrides.yaml` over the inline
//!    `user_overrides:`): `defaults` + the override; the group is *not*
//!    inherited; the group name is `override`;
//! 2. the first group, in file order, whose members (inline `members:` ∪
//!    `groups/<g>.members`) contain the user: `defaults` + the group;
//! 3. `default_group` (`student` when absent): `defaults` + that group.
//!
//! Each step looks the user up by the name as given, then by its sanitized
//! form.  Merges are shallow.  Values stay YAML values (`serde_yaml::Value`)
//! because the schema is loose: `null` means unlimited, keys have legacy
//! aliases, and the outputs print values the way Python did (`pyfmt`).
//!
//! Unlike the original, a file that cannot be read or parsed, or whose
//! structure is wrong (a list where a mapping belongs), is an error that
//! names the file, line and column: limits are never half-read.  A section
//! that is present but empty (`null`, e.g. all its keys commented out)
//! counts as empty.

use super::pyfmt;
use super::username::sanitize;
use crate::model::time::{days_from_civil, now_unix};
use serde::Deserialize;
use serde_yaml::{Mapping, Value};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::settings::LIMITS_FILE;
pub const OVERRIDES_FILE: &str = "user-overrides.yaml";
pub const EXEMPTIONS_FILE: &str = "lifecycle-exemptions.yaml";
pub const GROUPS_DIR: &str = "groups";

/// Why the limits could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// `resource-limits.yaml` does not exist.
    Missing(PathBuf),
    Unreadable {
        path: PathBuf,
        error: String,
    },
    /// Not YAML, or YAML of the wrong shape; `message` carries the line and
    /// column where serde_yaml could tell them.
    Malformed {
        path: PathBuf,
        message: String,
    },
    /// An empty file, or one holding only comments or `{}`.
    Empty(PathBuf),
    /// A setting that must be a number is not one.
    NotANumber {
        key: String,
        user: String,
        value: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(p) => write!(f, "Config file not found: {}", p.display()),
            ConfigError::Unreadable { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            ConfigError::Malformed { path, message } => {
                write!(f, "error in {}: {message}", path.display())
            }
            ConfigError::Empty(p) => write!(
                f,
                "error in {}: the file holds no settings (Configuration is empty or invalid)",
                p.display()
            ),
            ConfigError::NotANumber { key, user, value } => write!(
                f,
                "the limit {key} of user '{user}' must be a number, not {value}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// The failure a command reports: `<prog>: <message>` on stderr, exit 1.
    pub fn failure(&self, prog: &str) -> crate::error::Failure {
        crate::error::Failure::stderr(1, format!("{prog}: {self}\n"))
    }
}

// ---------------------------------------------------------------------------
// Shape checks.  They are deserialized from the text, so that a structural
// error carries its line and column; the data itself stays `Value`, so the
// fields are never read.

#[derive(Deserialize)]
#[serde(expecting = "a mapping of settings")]
#[allow(dead_code)]
struct LimitsShape {
    #[serde(default)]
    defaults: Option<Mapping>,
    #[serde(default)]
    groups: Option<HashMap<Value, Option<GroupShape>>>,
    #[serde(default)]
    user_overrides: Option<HashMap<Value, Option<OverrideShape>>>,
    #[serde(default)]
    gpu_allocation: Option<Mapping>,
    #[serde(default)]
    policies: Option<Mapping>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping of settings")]
#[allow(dead_code)]
struct GroupShape {
    #[serde(default)]
    members: Option<Vec<Value>>,
    #[serde(default)]
    aggregate: Option<Mapping>,
    #[serde(default)]
    policies: Option<Mapping>,
}

#[derive(Deserialize)]
#[serde(expecting = "a mapping of settings")]
#[allow(dead_code)]
struct OverrideShape {
    #[serde(default)]
    aggregate: Option<Mapping>,
    #[serde(default)]
    policies: Option<Mapping>,
}

type OverridesShape = Option<HashMap<Value, Option<OverrideShape>>>;

/// Parse `text` (from `path`) as YAML whose structure is `S`: syntax and
/// shape errors with line and column, YAML merge keys applied, no custom
/// tags (PyYAML's safe loader refused those too).
fn parse_yaml<S: for<'de> Deserialize<'de>>(path: &Path, text: &str) -> Result<Value, ConfigError> {
    let malformed = |message: String| ConfigError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    let located = |e: serde_yaml::Error| {
        let mut message = e.to_string();
        if let Some(at) = e.location().filter(|_| !message.contains(" at line ")) {
            message.push_str(&format!(" at line {} column {}", at.line(), at.column()));
        }
        malformed(message)
    };
    serde_yaml::from_str::<S>(text).map_err(located)?;
    let mut value: Value = serde_yaml::from_str(text).map_err(located)?;
    value
        .apply_merge()
        .map_err(|e| malformed(format!("merge key (<<): {e}")))?;
    if let Some(tag) = find_tag(&value) {
        return Err(malformed(format!("unsupported YAML tag {tag}")));
    }
    // Merged mappings were not seen by the shape check on the text.
    serde_yaml::from_value::<S>(value.clone()).map_err(|e| malformed(e.to_string()))?;
    Ok(value)
}

fn find_tag(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => Some(t.tag.to_string()),
        Value::Sequence(items) => items.iter().find_map(find_tag),
        Value::Mapping(m) => m
            .iter()
            .find_map(|(k, v)| find_tag(k).or_else(|| find_tag(v))),
        _ => None,
    }
}

fn read_text(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| ConfigError::Malformed {
                path: path.to_path_buf(),
                message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Unreadable {
            path: path.to_path_buf(),
            error: e.to_string(),
        }),
    }
}

fn mapping_or_empty(v: Option<&Value>) -> Mapping {
    v.and_then(Value::as_mapping).cloned().unwrap_or_default()
}

fn key(s: &str) -> Value {
    Value::String(s.to_string())
}

/// Python's `needle in container` for a list or mapping of YAML values.
fn contains(container: Option<&Value>, needle: &str) -> bool {
    match container {
        Some(Value::Sequence(items)) => items.iter().any(|i| i.as_str() == Some(needle)),
        Some(Value::Mapping(m)) => m.contains_key(needle),
        Some(Value::String(s)) => s.contains(needle),
        _ => false,
    }
}

// ---------------------------------------------------------------------------

/// One group of `groups:`, in file order.
#[derive(Debug, Clone)]
struct Group {
    name: Value,
    /// The group's settings as written (with `members`).
    settings: Mapping,
    /// Inline members ∪ `groups/<name>.members`.
    members: Vec<String>,
}

/// The whole configuration, read once.
#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    pub path: PathBuf,
    root: Mapping,
    defaults: Mapping,
    groups: Vec<Group>,
    /// Inline `user_overrides:` with `user-overrides.yaml` merged over it.
    overrides: Mapping,
}

impl Config {
    /// Read the configuration in `dir`.
    pub fn load_from(dir: &Path) -> Result<Config, ConfigError> {
        let path = dir.join(LIMITS_FILE);
        let text = read_text(&path)?.ok_or_else(|| ConfigError::Missing(path.clone()))?;
        let root = match parse_yaml::<LimitsShape>(&path, &text)? {
            Value::Mapping(m) if !m.is_empty() => m,
            _ => return Err(ConfigError::Empty(path)),
        };
        let defaults = mapping_or_empty(root.get("defaults"));
        let groups = mapping_or_empty(root.get("groups"))
            .into_iter()
            .map(|(name, settings)| {
                let settings = settings.as_mapping().cloned().unwrap_or_default();
                let mut members: Vec<String> = match settings.get("members") {
                    Some(Value::Sequence(items)) => items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                members.extend(read_members(dir, &pyfmt::str_of(&name)));
                Group {
                    name,
                    settings,
                    members,
                }
            })
            .collect();
        let mut overrides = mapping_or_empty(root.get("user_overrides"));
        let overrides_path = dir.join(OVERRIDES_FILE);
        if let Some(text) = read_overrides_text(&overrides_path)? {
            if let Value::Mapping(file) = parse_yaml::<OverridesShape>(&overrides_path, &text)? {
                for (user, settings) in file {
                    overrides.insert(user, settings);
                }
            }
        }
        Ok(Config {
            dir: dir.to_path_buf(),
            path,
            root,
            defaults,
            groups,
            overrides,
        })
    }

    /// A top-level section (`policies`, `gpu_allocation`, ...), empty when
    /// absent or null.
    pub fn section(&self, name: &str) -> Mapping {
        mapping_or_empty(self.root.get(name))
    }

    /// `default_group` (absent: `student`; written `null`: Python's None).
    pub fn default_group(&self) -> Value {
        self.root
            .get("default_group")
            .cloned()
            .unwrap_or_else(|| key("student"))
    }

    /// The override entry of `username` (as given, then sanitized).
    /// `truthy_key` follows the original's `if override_key:`, which skips
    /// an override stored under the empty name.
    fn override_of(&self, username: &str, truthy_key: bool) -> Option<Mapping> {
        let sanitized = sanitize(username);
        let found = if self.overrides.contains_key(username) {
            Some(username)
        } else if sanitized != username && self.overrides.contains_key(sanitized.as_str()) {
            Some(sanitized.as_str())
        } else {
            None
        };
        let name = found.filter(|n| !truthy_key || !n.is_empty())?;
        Some(mapping_or_empty(self.overrides.get(name)))
    }

    /// The first group (file order) listing `username` or its sanitized form.
    fn group_of(&self, username: &str) -> Option<&Group> {
        let sanitized = sanitize(username);
        self.groups.iter().find(|g| {
            g.members.iter().any(|m| m == username)
                || (sanitized != username && g.members.contains(&sanitized))
        })
    }

    fn group_named(&self, name: &Value) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == *name)
    }

    /// The group name `--group` prints: `override`, the first group listing
    /// the user, or `default_group`.
    pub fn user_group(&self, username: &str) -> Value {
        if self.override_of(username, false).is_some() {
            return key("override");
        }
        match self.group_of(username) {
            Some(g) => g.name.clone(),
            None => self.default_group(),
        }
    }

    /// The limits of `username`, resolved as described in the module doc.
    pub fn limits(&self, username: &str) -> Limits {
        let mut settings = self.defaults.clone();
        if let Some(over) = self.override_of(username, true) {
            for (k, v) in over {
                settings.insert(k, v);
            }
            return Limits {
                group: key("override"),
                settings,
            };
        }
        let (group, extra) = match self.group_of(username) {
            Some(g) => (g.name.clone(), Some(&g.settings)),
            None => {
                let name = self.default_group();
                let extra = self.group_named(&name).map(|g| &g.settings);
                (name, extra)
            }
        };
        for (k, v) in extra.into_iter().flatten() {
            if k.as_str() != Some("members") {
                settings.insert(k.clone(), v.clone());
            }
        }
        Limits { group, settings }
    }

    /// The user's `aggregate` section (per-user totals enforced through the
    /// user slice); `Value::Null` when there is none.
    pub fn aggregate(&self, username: &str) -> Value {
        if let Some(over) = self.override_of(username, true) {
            if let Some(agg) = over.get("aggregate") {
                return agg.clone();
            }
        }
        let group = match self.group_of(username) {
            Some(g) => Some(g),
            None => self.group_named(&self.default_group()),
        };
        group
            .and_then(|g| g.settings.get("aggregate"))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Idle-detection policies: the global `policies:` overlaid by the
    /// user override's or else the group's `policies:`.
    pub fn lifecycle_policies(&self, username: &str) -> Vec<(&'static str, Value)> {
        let global = self.section("policies");
        let mut result: Vec<(&'static str, Value)> = [
            ("gpu_idle_threshold", Value::from(5)),
            ("cpu_idle_threshold", Value::from(2.0)),
            ("network_idle_threshold", Value::from(1_048_576)),
            ("idle_detection_window", Value::from(3)),
            ("sigterm_grace_s", Value::from(60)),
        ]
        .into_iter()
        .map(|(k, default)| (k, global.get(k).cloned().unwrap_or(default)))
        .collect();
        let overlay = |result: &mut Vec<(&'static str, Value)>, policies: Option<&Value>| {
            let policies = mapping_or_empty(policies);
            for (k, v) in result.iter_mut() {
                if let Some(p) = policies.get(*k) {
                    *v = p.clone();
                }
            }
        };
        if let Some(over) = self.override_of(username, true) {
            if over.contains_key("policies") {
                overlay(&mut result, over.get("policies"));
                return result;
            }
        }
        let group = match self.group_of(username) {
            Some(g) => Some(g),
            None => self.group_named(&self.default_group()),
        };
        if let Some(policies) = group.and_then(|g| g.settings.get("policies")) {
            overlay(&mut result, Some(policies));
        }
        result
    }

    /// Whether `username` is exempt from `enforcement` (`idle_timeout_h` or
    /// `max_runtime_h`) by `lifecycle-exemptions.yaml`.  The original fails
    /// open on a file it cannot read; so do we, and say why in `warning`.
    pub fn check_exemption(&self, username: &str, enforcement: &str) -> ExemptionCheck {
        let doc = match self.exemptions_document() {
            Ok(Some(doc)) => doc,
            Ok(None) => return ExemptionCheck::not_exempt(None),
            Err(warning) => return ExemptionCheck::not_exempt(Some(warning)),
        };
        let Some(Value::Sequence(entries)) = doc.get("exemptions") else {
            return ExemptionCheck::not_exempt(None);
        };
        let now = now_unix();
        for entry in entries {
            match entry_verdict(entry, username, enforcement, now) {
                Verdict::Exempt(exemption) => {
                    return ExemptionCheck {
                        exemption: Some(exemption),
                        warning: None,
                    }
                }
                Verdict::NotThisEntry => continue,
                Verdict::Stop => break,
            }
        }
        ExemptionCheck::not_exempt(None)
    }

    /// `lifecycle-exemptions.yaml` as a YAML document (`None`: there is no
    /// such file), or why it cannot be used.
    fn exemptions_document(&self) -> Result<Option<Value>, String> {
        let path = self.dir.join(EXEMPTIONS_FILE);
        let Some(text) = read_text(&path).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        match serde_yaml::from_str(&text) {
            Ok(doc) => Ok(Some(doc)),
            Err(e) => {
                let e = ConfigError::Malformed {
                    path,
                    message: e.to_string(),
                };
                Err(e.to_string())
            }
        }
    }
}

/// What one entry of the exemptions list says about the user.
enum Verdict {
    /// Exempt, and how the exemption is described.
    Exempt(String),
    NotThisEntry,
    /// Not exempt, whatever the later entries say: where the original hit
    /// an exception, caught as "not exempt".
    Stop,
}

/// Whether `entry` exempts `username` from `enforcement` at time `now`.
fn entry_verdict(entry: &Value, username: &str, enforcement: &str, now: f64) -> Verdict {
    let Some(entry) = entry.as_mapping() else {
        // The original stopped at the first entry that is not a mapping.
        return Verdict::Stop;
    };
    if entry.get("username").and_then(Value::as_str) != Some(username) {
        return Verdict::NotThisEntry;
    }
    match entry.get("exempt_from") {
        None => return Verdict::NotThisEntry,
        v @ Some(Value::Sequence(_) | Value::Mapping(_) | Value::String(_)) => {
            if !contains(v, enforcement) {
                return Verdict::NotThisEntry;
            }
        }
        Some(_) => return Verdict::Stop,
    }
    let reason = entry
        .get("reason")
        .map(pyfmt::str_of)
        .unwrap_or_else(|| "No reason provided".into());
    expiry_verdict(entry.get("expires_on"), &reason, now)
}

/// An entry that applies to the user: permanent, still running, or over.
fn expiry_verdict(expires_on: Option<&Value>, reason: &str, now: f64) -> Verdict {
    match expires_on {
        None | Some(Value::Null) => Verdict::Exempt(format!("Permanent exemption: {reason}")),
        Some(Value::String(expires)) => match parse_iso_datetime(&expires.replace('Z', "+00:00")) {
            IsoTime::Aware(t) if now < t => {
                Verdict::Exempt(format!("Temporary exemption until {expires}: {reason}"))
            }
            IsoTime::Aware(_) | IsoTime::Invalid => Verdict::NotThisEntry,
            // Comparing with a naive time raised TypeError in the original.
            IsoTime::Naive => Verdict::Stop,
        },
        Some(_) => Verdict::NotThisEntry,
    }
}

/// `user-overrides.yaml` is optional; unreadable (e.g. admin-only) counts
/// as absent, as in the original.
fn read_overrides_text(path: &Path) -> Result<Option<String>, ConfigError> {
    match read_text(path) {
        Err(ConfigError::Unreadable { .. }) => Ok(None),
        other => other,
    }
}

/// `groups/<group>.members`: one name per line, `#` starts a comment.  A
/// file that is absent or cannot be read lists nobody.
fn read_members(dir: &Path, group: &str) -> Vec<String> {
    let path = dir.join(GROUPS_DIR).join(format!("{group}.members"));
    let Ok(bytes) = std::fs::read(&path) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Result of [`Config::check_exemption`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptionCheck {
    /// `Permanent exemption: <reason>` or `Temporary exemption until <ts>: <reason>`.
    pub exemption: Option<String>,
    /// Why the exemptions file was ignored, if it was.
    pub warning: Option<String>,
}

impl ExemptionCheck {
    fn not_exempt(warning: Option<String>) -> ExemptionCheck {
        ExemptionCheck {
            exemption: None,
            warning,
        }
    }
}

/// A setting that may be absent, `null` (unlimited) or a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting<'a> {
    Unset,
    Unlimited,
    Set(&'a Value),
}

/// One user's resolved limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// `override`, the group's name, or `default_group`.
    pub group: Value,
    settings: Mapping,
}

/// Keys of the fair-share GPU quota (gpueq), new name first.
pub const MAX_GPU_EQUIVALENTS_KEYS: [&str; 4] = [
    "max_gpu_equivalents",
    "max_gpu_slots",
    "max_gpus_per_user",
    "max_mig_instances",
];
/// Keys of the per-container GPU/MIG unit cap, new name first.
pub const MAX_SLOTS_PER_CONTAINER_KEYS: [&str; 3] = [
    "max_gpu_slots_per_container",
    "max_gpus_per_container",
    "max_mig_per_container",
];

impl Limits {
    /// A setting as written (after the merge).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.settings.get(name)
    }

    /// `get(name)` with Python's `dict.get(name, default)` semantics.
    pub fn get_or(&self, name: &str, default: Value) -> Value {
        self.get(name).cloned().unwrap_or(default)
    }

    /// The group name as printed (`str()`).
    pub fn group_name(&self) -> String {
        pyfmt::str_of(&self.group)
    }

    fn first_present(&self, keys: &[&str]) -> Setting<'_> {
        match keys.iter().find_map(|k| self.get(k)) {
            None => Setting::Unset,
            Some(Value::Null) => Setting::Unlimited,
            Some(v) => Setting::Set(v),
        }
    }

    /// The fair-share GPU quota in gpueq: `None` = unlimited; unset = 1.0.
    pub fn max_gpu_equivalents(&self, username: &str) -> Result<Option<f64>, ConfigError> {
        match self.first_present(&MAX_GPU_EQUIVALENTS_KEYS) {
            Setting::Unset => Ok(Some(1.0)),
            Setting::Unlimited => Ok(None),
            Setting::Set(v) => py_float(v)
                .map(Some)
                .ok_or_else(|| ConfigError::NotANumber {
                    key: MAX_GPU_EQUIVALENTS_KEYS
                        .iter()
                        .find(|k| self.get(k).is_some())
                        .unwrap_or(&MAX_GPU_EQUIVALENTS_KEYS[0])
                        .to_string(),
                    user: username.to_string(),
                    value: pyfmt::repr(v),
                }),
        }
    }

    /// The per-container cap on GPU/MIG units, with its aliases.
    pub fn max_slots_per_container(&self) -> Setting<'_> {
        self.first_present(&MAX_SLOTS_PER_CONTAINER_KEYS)
    }

    /// `max_cpus`, or (when that is missing or falsy) `cpus`, default 16.
    pub fn cpus(&self) -> Value {
        match self.get("max_cpus") {
            Some(v) if pyfmt::truthy(v) => v.clone(),
            _ => self.get_or("cpus", Value::from(16)),
        }
    }

    /// `memory`, default `32g`.
    pub fn memory(&self) -> Value {
        self.get_or("memory", key("32g"))
    }

    /// Whether full (non-MIG) GPUs may be allocated.  YAML 1.1's `yes`,
    /// `no`, `on` and `off` count as the booleans they were to the
    /// original's PyYAML.
    pub fn allow_full_gpu(&self) -> bool {
        match self.get("allow_full_gpu") {
            Some(Value::String(s)) => match s.as_str() {
                "no" | "No" | "NO" | "off" | "Off" | "OFF" => false,
                other => !other.is_empty(),
            },
            Some(v) => pyfmt::truthy(v),
            None => false,
        }
    }

    /// The user's systemd slice: `ds01-<group>-<sanitized user>.slice`.
    pub fn slice(&self, username: &str) -> String {
        format!("ds01-{}-{}.slice", self.group_name(), sanitize(username))
    }

    /// The container resources, as the original printed each value.
    pub fn resources(&self) -> Resources {
        let memory = self.memory();
        let text = |key: &str, default: Value| pyfmt::str_of(&self.get_or(key, default));
        Resources {
            cpus: pyfmt::str_of(&self.cpus()),
            memory: pyfmt::str_of(&memory),
            memory_swap: text("memory_swap", memory.clone()),
            shm_size: text("shm_size", key("16g")),
            pids_limit: text("pids_limit", Value::from(4096)),
            tmpfs: self.get("storage_tmp").map(pyfmt::str_of),
        }
    }

    /// `docker run` resource arguments (cpus, memory, swap, shm, pids,
    /// optional tmpfs, cgroup parent).
    pub fn docker_args(&self, username: &str) -> Vec<String> {
        self.resources().docker_args(&self.slice(username))
    }
}

/// A user's container resources, each as the configuration gives it
/// (`16`, `32g`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub cpus: String,
    pub memory: String,
    pub memory_swap: String,
    pub shm_size: String,
    pub pids_limit: String,
    pub tmpfs: Option<String>,
}

impl Resources {
    /// The defaults DS01's `mlc-create` uses on a host without limits.
    pub fn fallback() -> Resources {
        Resources {
            cpus: "16".into(),
            memory: "32g".into(),
            memory_swap: "32g".into(),
            shm_size: "16g".into(),
            pids_limit: "4096".into(),
            tmpfs: None,
        }
    }

    /// As `docker run` arguments, in the original's order; `slice` is the
    /// cgroup parent (none for the fallback).
    pub fn docker_args(&self, slice: &str) -> Vec<String> {
        let mut args = vec![
            format!("--cpus={}", self.cpus),
            format!("--memory={}", self.memory),
            format!("--memory-swap={}", self.memory_swap),
            format!("--shm-size={}", self.shm_size),
            format!("--pids-limit={}", self.pids_limit),
        ];
        if let Some(tmp) = &self.tmpfs {
            args.push(format!("--tmpfs=/tmp:size={tmp}"));
        }
        if !slice.is_empty() {
            args.push(format!("--cgroup-parent={slice}"));
        }
        args
    }
}

/// How the original printed a gpueq quota: whole numbers without `.0`.
pub fn format_gpueq(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 {
        pyfmt::int_of_float(value)
    } else {
        pyfmt::float_repr(value)
    }
}

/// Python's `float(v)` for a YAML value; `None` where Python raised.
pub fn py_float(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            let b = t.as_bytes();
            // Underscores only between digits (PEP 515), as float() allows.
            let underscores_ok = b.iter().enumerate().all(|(i, &c)| {
                c != b'_'
                    || (i > 0
                        && i + 1 < b.len()
                        && b[i - 1].is_ascii_digit()
                        && b[i + 1].is_ascii_digit())
            });
            if !underscores_ok {
                return None;
            }
            t.replace('_', "").parse::<f64>().ok()
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Time, for exemption expiry (Python 3.11's `datetime.fromisoformat`).

#[derive(Debug, Clone, Copy, PartialEq)]
enum IsoTime {
    /// Seconds since the epoch, UTC.
    Aware(f64),
    Naive,
    Invalid,
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY-MM-DD` or `YYYYMMDD`, then optionally any one separator character
/// and a time `HH[:MM[:SS[.ffffff]]]` (or `HHMM[SS]`), then optionally an
/// offset `±HH[:MM[:SS]]`.
fn parse_iso_datetime(s: &str) -> IsoTime {
    parse_iso_inner(s).unwrap_or(IsoTime::Invalid)
}

fn parse_iso_inner(s: &str) -> Option<IsoTime> {
    let (date, rest) = if s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-') {
        (s.get(..10)?, s.get(10..)?)
    } else {
        (s.get(..8)?, s.get(8..)?)
    };
    let (y, m, d) = if date.len() == 10 {
        if date.as_bytes()[7] != b'-' {
            return None;
        }
        (
            digits(&date[0..4])?,
            digits(&date[5..7])?,
            digits(&date[8..10])?,
        )
    } else {
        (
            digits(&date[0..4])?,
            digits(&date[4..6])?,
            digits(&date[6..8])?,
        )
    };
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) as f64 * 86_400.0;
    let mut chars = rest.chars();
    if chars.next().is_none() {
        return Some(IsoTime::Naive);
    }
    let time_and_zone = chars.as_str();
    let zone_at = time_and_zone.find(['+', '-']);
    let (time, zone) = match zone_at {
        Some(i) => (&time_and_zone[..i], Some(&time_and_zone[i..])),
        None => (time_and_zone, None),
    };
    secs += parse_clock(time.trim_end(), true)?;
    match zone {
        None => Some(IsoTime::Naive),
        Some(z) => {
            let sign = if z.starts_with('-') { -1.0 } else { 1.0 };
            let offset = parse_clock(&z[1..], false)?;
            if offset >= 86_400.0 {
                return None;
            }
            Some(IsoTime::Aware(secs - sign * offset))
        }
    }
}

/// `HH[:MM[:SS[.f...]]]` or `HH[MM[SS[.f...]]]` as seconds.
fn parse_clock(t: &str, allow_fraction: bool) -> Option<f64> {
    let (whole, frac) = match t.split_once(['.', ',']) {
        Some((w, f))
            if allow_fraction && !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (w, format!("0.{f}").parse::<f64>().ok()?)
        }
        Some(_) => return None,
        None => (t, 0.0),
    };
    let parts: Vec<&str> = if whole.contains(':') {
        whole.split(':').collect()
    } else {
        (0..whole.len())
            .step_by(2)
            .map(|i| whole.get(i..(i + 2).min(whole.len())).unwrap_or(""))
            .collect()
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let h = digits(parts[0])?;
    let m = parts.get(1).map_or(Some(0), |p| digits(p))?;
    let s = parts.get(2).map_or(Some(0), |p| digits(p))?;
    if h > 23 || m > 59 || s > 59 || (frac != 0.0 && parts.len() < 3) {
        return None;
    }
    Some((h * 3600 + m * 60 + s) as f64 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A scratch configuration directory, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            let p =
                std::env::temp_dir().join(format!("ds01-limits-test-{}-{tag}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(p.join(GROUPS_DIR)).expect("temp dir");
            Dir(p)
        }
        fn write(&self, rel: &str, text: &str) -> &Dir {
            fs::write(self.0.join(rel), text).expect("write fixture");
            self
        }
        fn load(&self) -> Result<Config, ConfigError> {
            Config::load_from(&self.0)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const SMALL: &str = "\
defaults:
  max_gpu_equivalents: 1.0
  max_cpus: 32
  memory: 32g
  memory_swap: 32g
  idle_timeout_h: 0.5
default_group: student
groups:
  student:
    max_gpu_equivalents: 2.0
    aggregate: {cpu_quota: '9600%', gpu_limit: 2.0}
    policies: {cpu_idle_threshold: 2.5}
  researcher:
    members: [rita]
    max_cpus: 48
    memory: 64g
  admin:
    max_gpu_equivalents: null
    max_gpu_slots_per_container: null
policies:
  gpu_idle_threshold: 7
user_overrides:
  olga: {memory: 8g}
";

    #[test]
    fn resolution_order() {
        let d = Dir::new("order");
        d.write(LIMITS_FILE, SMALL)
            .write("groups/admin.members", "# admins\nadam  # the boss\n\n")
            .write("groups/researcher.members", "h_baker\n")
            .write(
                OVERRIDES_FILE,
                "carol:\n  memory: 48g\n  policies: {gpu_idle_threshold: 1}\n",
            );
        let c = d.load().expect("config");

        // Default group: defaults + student.
        let l = c.limits("alice");
        assert_eq!(l.group_name(), "student");
        assert_eq!(l.max_gpu_equivalents("alice"), Ok(Some(2.0)));
        assert_eq!(pyfmt::str_of(&l.cpus()), "32");
        // Inline members and the .members file both count.
        assert_eq!(c.limits("rita").group_name(), "researcher");
        assert_eq!(c.limits("adam").group_name(), "admin");
        assert_eq!(c.limits("adam").max_gpu_equivalents("adam"), Ok(None));
        // Sanitized lookup.
        let l = c.limits("h.baker@hertie-school.lan");
        assert_eq!(l.group_name(), "researcher");
        assert_eq!(
            l.slice("h.baker@hertie-school.lan"),
            "ds01-researcher-h_baker.slice"
        );
        // Overrides: defaults + override only; the file adds to the inline ones.
        let l = c.limits("carol");
        assert_eq!(l.group_name(), "override");
        assert_eq!(l.memory(), Value::from("48g"));
        assert_eq!(l.max_gpu_equivalents("carol"), Ok(Some(1.0)));
        assert_eq!(c.limits("olga").memory(), Value::from("8g"));
        assert_eq!(c.user_group("olga"), Value::from("override"));
        // Aggregate: override's, else group's (by membership), else default group's.
        assert_eq!(c.aggregate("adam"), Value::Null);
        assert_eq!(
            pyfmt::json(&c.aggregate("carol")),
            r#"{"cpu_quota": "9600%", "gpu_limit": 2.0}"#
        );
        // Policies: global, then the override's or the group's.
        let p = c.lifecycle_policies("alice");
        assert_eq!(p[0], ("gpu_idle_threshold", Value::from(7)));
        assert_eq!(p[1], ("cpu_idle_threshold", Value::from(2.5)));
        let p = c.lifecycle_policies("carol");
        assert_eq!(p[0], ("gpu_idle_threshold", Value::from(1)));
        assert_eq!(p[1], ("cpu_idle_threshold", Value::from(2.0)));
    }

    #[test]
    fn docker_args_and_defaults() {
        let d = Dir::new("args");
        d.write(
            LIMITS_FILE,
            "defaults: {max_cpus: 0, cpus: 4, storage_tmp: 50G}\ngroups: {student: {}}\n",
        );
        let c = d.load().expect("config");
        assert_eq!(
            c.limits("x.y").docker_args("x.y").join(" "),
            "--cpus=4 --memory=32g --memory-swap=32g --shm-size=16g --pids-limit=4096 \
             --tmpfs=/tmp:size=50G --cgroup-parent=ds01-student-x_y.slice"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let d = Dir::new("errors");
        let missing = d.load().expect_err("no file");
        assert!(matches!(missing, ConfigError::Missing(_)));
        assert!(missing.to_string().starts_with("Config file not found: "));

        d.write(LIMITS_FILE, "defaults:\n  max_cpus: [32\n  memory: 32g\n");
        let e = d.load().expect_err("syntax").to_string();
        assert!(e.contains("resource-limits.yaml"), "{e}");
        assert!(e.contains("line 3 column 9"), "{e}");

        d.write(LIMITS_FILE, "groups:\n  student:\n    members: bob\n");
        let e = d.load().expect_err("shape").to_string();
        assert!(e.contains("groups"), "{e}");
        assert!(e.contains("line 3"), "{e}");

        for empty in ["", "# nothing\n", "{}\n"] {
            d.write(LIMITS_FILE, empty);
            assert!(matches!(d.load(), Err(ConfigError::Empty(_))), "{empty:?}");
        }

        d.write(LIMITS_FILE, "defaults: {memory: !secret x}\n");
        let e = d.load().expect_err("tag").to_string();
        assert!(e.contains("!secret"), "{e}");

        d.write(LIMITS_FILE, SMALL)
            .write(OVERRIDES_FILE, "- carol\n");
        let e = d.load().expect_err("overrides").to_string();
        assert!(e.contains("user-overrides.yaml"), "{e}");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn null_sections_count_as_empty() {
        let d = Dir::new("nulls");
        d.write(
            LIMITS_FILE,
            "defaults:\ngroups:\n  student:\n  researcher:\n    members:\npolicies:\ngpu_allocation:\ndefault_group: student\n",
        );
        let c = d.load().expect("config");
        let l = c.limits("alice");
        assert_eq!(l.group_name(), "student");
        assert_eq!(l.max_gpu_equivalents("alice"), Ok(Some(1.0)));
        assert!(c.section("policies").is_empty());
    }

    #[test]
    fn merge_keys_and_numbers() {
        let d = Dir::new("merge");
        d.write(
            LIMITS_FILE,
            "base: &b {max_gpu_equivalents: '2.5', memory: 16g}\ngroups:\n  student:\n    <<: *b\n    memory: 24g\n",
        );
        let c = d.load().expect("config");
        let l = c.limits("alice");
        assert_eq!(l.max_gpu_equivalents("alice"), Ok(Some(2.5)));
        assert_eq!(l.memory(), Value::from("24g"));
        assert_eq!(format_gpueq(3.0), "3");
        assert_eq!(format_gpueq(2.286), "2.286");
        assert_eq!(py_float(&Value::from(" 1_000 ")), Some(1000.0));
        assert_eq!(py_float(&Value::from("1__0")), None);
        assert_eq!(py_float(&Value::from("abc")), None);
    }

    #[test]
    fn exemptions() {
        let d = Dir::new("exempt");
        d.write(LIMITS_FILE, SMALL).write(
            EXEMPTIONS_FILE,
            "exemptions:\n\
             - {username: perm, exempt_from: [idle_timeout_h], reason: thesis, expires_on: null}\n\
             - {username: temp, exempt_from: [idle_timeout_h], reason: grant, expires_on: '2999-01-01T00:00:00Z'}\n\
             - {username: old, exempt_from: [idle_timeout_h], reason: grant, expires_on: '2000-01-01T00:00:00Z'}\n\
             - {username: bad, exempt_from: [idle_timeout_h], expires_on: 'soon'}\n",
        );
        let c = d.load().expect("config");
        let check = |u: &str, t: &str| c.check_exemption(u, t).exemption;
        assert_eq!(
            check("perm", "idle_timeout_h").as_deref(),
            Some("Permanent exemption: thesis")
        );
        assert_eq!(check("perm", "max_runtime_h"), None);
        assert_eq!(
            check("temp", "idle_timeout_h").as_deref(),
            Some("Temporary exemption until 2999-01-01T00:00:00Z: grant")
        );
        assert_eq!(check("old", "idle_timeout_h"), None);
        assert_eq!(check("bad", "idle_timeout_h"), None);
        assert_eq!(check("nobody", "idle_timeout_h"), None);

        d.write(EXEMPTIONS_FILE, "exemptions: [\n");
        let r = c.check_exemption("perm", "idle_timeout_h");
        assert_eq!(r.exemption, None);
        assert!(r.warning.is_some_and(|w| w.contains(EXEMPTIONS_FILE)));
    }

    #[test]
    fn exemption_entries_read_like_the_original() {
        let d = Dir::new("exempt-entries");
        d.write(LIMITS_FILE, SMALL);
        let c = d.load().expect("config");
        let check = |u: &str| c.check_exemption(u, "idle_timeout_h");
        d.write(
            EXEMPTIONS_FILE,
            "exemptions:\n\
             - {username: noreason, exempt_from: [idle_timeout_h]}\n\
             - {username: mapfrom, exempt_from: {idle_timeout_h: true}, reason: 42}\n\
             - {username: strfrom, exempt_from: 'idle_timeout_h,max_runtime_h', reason: r}\n\
             - {username: later, reason: none}\n\
             - {username: later, exempt_from: [max_runtime_h], reason: other}\n\
             - {username: later, exempt_from: [idle_timeout_h], expires_on: 5}\n\
             - {username: later, exempt_from: [idle_timeout_h], expires_on: '2000-01-01T00:00:00+00:00'}\n\
             - {username: later, exempt_from: [idle_timeout_h], reason: third}\n\
             - {username: naive, exempt_from: [idle_timeout_h], expires_on: '2999-01-01T00:00:00'}\n\
             - {username: naive, exempt_from: [idle_timeout_h], reason: never}\n\
             - {username: intfrom, exempt_from: 3}\n\
             - {username: intfrom, exempt_from: [idle_timeout_h], reason: never}\n",
        );
        let exemption = |u: &str| check(u).exemption;
        assert_eq!(
            exemption("noreason").as_deref(),
            Some("Permanent exemption: No reason provided")
        );
        assert_eq!(
            exemption("mapfrom").as_deref(),
            Some("Permanent exemption: 42")
        );
        assert_eq!(
            exemption("strfrom").as_deref(),
            Some("Permanent exemption: r")
        );
        assert_eq!(
            exemption("later").as_deref(),
            Some("Permanent exemption: third")
        );
        assert_eq!(exemption("naive"), None);
        assert_eq!(exemption("intfrom"), None);
        assert_eq!(check("intfrom").warning, None);
    }

    #[test]
    fn exemption_files_that_exempt_nobody() {
        let d = Dir::new("exempt-nobody");
        d.write(LIMITS_FILE, SMALL);
        let c = d.load().expect("config");
        let check = |u: &str| c.check_exemption(u, "idle_timeout_h");
        let exemption = |u: &str| check(u).exemption;
        let nothing = ExemptionCheck {
            exemption: None,
            warning: None,
        };
        assert_eq!(check("a"), nothing);
        d.write(
            EXEMPTIONS_FILE,
            "exemptions:\n- {username: a, exempt_from: [idle_timeout_h]}\n- junk\n- {username: b, exempt_from: [idle_timeout_h]}\n",
        );
        assert_eq!(
            exemption("a").as_deref(),
            Some("Permanent exemption: No reason provided")
        );
        assert_eq!(exemption("b"), None);
        d.write(EXEMPTIONS_FILE, "exemptions: {a: 1}\n");
        assert_eq!(exemption("a"), None);
        d.write(EXEMPTIONS_FILE, "");
        assert_eq!(check("a"), nothing);
    }

    #[test]
    fn iso_times() {
        assert_eq!(
            parse_iso_datetime("1970-01-01T00:00:00+00:00"),
            IsoTime::Aware(0.0)
        );
        assert_eq!(
            parse_iso_datetime("1970-01-02 01:00+01:00"),
            IsoTime::Aware(86_400.0)
        );
        assert_eq!(
            parse_iso_datetime("19700101T000001+0000"),
            IsoTime::Aware(1.0)
        );
        assert_eq!(parse_iso_datetime("2025-01-01"), IsoTime::Naive);
        assert_eq!(parse_iso_datetime("2025-01-01T10:00"), IsoTime::Naive);
        assert_eq!(parse_iso_datetime("2025-02-30"), IsoTime::Invalid);
        assert_eq!(parse_iso_datetime("soon"), IsoTime::Invalid);
        assert_eq!(
            parse_iso_datetime("2000-03-01T00:00:00.5-00:30"),
            IsoTime::Aware(days_from_civil(2000, 3, 1) as f64 * 86_400.0 + 0.5 + 1800.0)
        );
    }

    /// The recording machine's configuration, when ../shared is present.
    #[test]
    fn real_configuration() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(LIMITS_FILE);
        let Ok(text) = fs::read_to_string(&shared) else {
            return;
        };
        let d = Dir::new("real");
        d.write(LIMITS_FILE, &text)
            .write("groups/researcher.members", "bob\n")
            .write("groups/admin.members", "ds01admin\n")
            .write(
                OVERRIDES_FILE,
                "carol:\n  max_gpu_equivalents: 3\n  memory: 48g\n",
            );
        let c = d.load().expect("real config");
        assert_eq!(c.user_group("alice"), Value::from("student"));
        assert_eq!(c.user_group("bob"), Value::from("researcher"));
        assert_eq!(c.user_group("ds01admin"), Value::from("admin"));
        assert_eq!(c.user_group("carol"), Value::from("override"));
        assert_eq!(
            c.limits("bob").docker_args("bob").join(" "),
            "--cpus=48 --memory=64g --memory-swap=64g --shm-size=32g --pids-limit=4096 \
             --cgroup-parent=ds01-researcher-bob.slice"
        );
        assert_eq!(
            c.limits("carol").docker_args("carol").join(" "),
            "--cpus=32 --memory=48g --memory-swap=32g --shm-size=16g --pids-limit=4096 \
             --cgroup-parent=ds01-override-carol.slice"
        );
        assert_eq!(
            c.limits("ds01admin").max_gpu_equivalents("ds01admin"),
            Ok(None)
        );
        assert_eq!(
            c.limits("carol").max_gpu_equivalents("carol"),
            Ok(Some(3.0))
        );
    }
}
