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
use crate::aime::create::{parse_size, parse_swap};
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
    /// A setting whose value cannot be used (negative, zero, NaN, not a
    /// size); `why` says what it must be.  See [`Limits::check`].
    Invalid {
        key: String,
        user: String,
        value: String,
        why: String,
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
            ConfigError::Invalid {
                key,
                user,
                value,
                why,
            } => write!(
                f,
                "the limit {key} of user '{user}' must be {why}, not {value}"
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
    if let Some(line) = too_deep(text) {
        return Err(malformed(too_deep_message(line)));
    }
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

/// How deep flow collections (`[ ]`, `{ }`) may nest before a file is
/// refused unread.  YAML's scanner takes time quadratic in that depth (a
/// 200 kB file of `[` kept a command busy for minutes), while serde_yaml
/// refuses anything nested deeper than 128 anyway: short of a thousand
/// unmatched brackets inside plain text, no file that could be read is
/// refused by this.
const MAX_FLOW_DEPTH: usize = 1000;

fn too_deep_message(line: usize) -> String {
    format!("collections nested more than {MAX_FLOW_DEPTH} deep at line {line}")
}

/// The line where `text` nests flow collections deeper than
/// [`MAX_FLOW_DEPTH`], if it does.  An estimate by brackets: comments and
/// quoted scalars are skipped, a bracket inside a plain scalar counts.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line, mut prev) = (0usize, 1usize, '\n');
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '#' if prev.is_whitespace() => {
                // A comment, to the end of its line.
                if chars.by_ref().any(|c| c == '\n') {
                    line += 1;
                }
                prev = '\n';
                continue;
            }
            '\'' | '"' if prev.is_whitespace() || "[{,:-?".contains(prev) => {
                let mut escaped = false;
                for q in chars.by_ref() {
                    line += usize::from(q == '\n');
                    if q == c && !escaped {
                        break;
                    }
                    escaped = c == '"' && q == '\\' && !escaped;
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(line);
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
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
        self.check_exemption_at(username, enforcement, now_unix())
    }

    /// [`Config::check_exemption`] at the moment `now` (seconds since the
    /// epoch): lifecycle enforcement judges expiry by its own clock.
    pub fn check_exemption_at(
        &self,
        username: &str,
        enforcement: &str,
        now: f64,
    ) -> ExemptionCheck {
        let doc = match self.exemptions_document() {
            Ok(Some(doc)) => doc,
            Ok(None) => return ExemptionCheck::not_exempt(None),
            Err(warning) => return ExemptionCheck::not_exempt(Some(warning)),
        };
        let Some(Value::Sequence(entries)) = doc.get("exemptions") else {
            return ExemptionCheck::not_exempt(None);
        };
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
        if let Some(line) = too_deep(&text) {
            let message = too_deep_message(line);
            return Err(ConfigError::Malformed { path, message }.to_string());
        }
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

    /// Whether every number among the limits of `username` can be used,
    /// checked before they become a container: an admin's typo must stop
    /// the create, never reach the engine (`--cpus=-2`) or make a quota
    /// comparison meaningless (NaN).  The first unusable value is the error.
    ///
    /// - the CPUs (`max_cpus`, else `cpus`): a finite number above 0;
    /// - `memory`, `shm_size`: a docker size above 0 (`512m`, `32g`, bytes);
    /// - `memory_swap`: the same, or `-1` (unlimited swap);
    /// - `pids_limit`: an integer above 0;
    /// - the gpueq quota (`max_gpu_equivalents` or an alias), the
    ///   per-container cap (`max_gpu_slots_per_container` or an alias),
    ///   `max_containers_per_user` and `priority`: a finite number not
    ///   below 0 where present; `null` stays "unlimited" (for `priority`:
    ///   the default), and `max_containers_per_user` also takes the word
    ///   `unlimited`, as the create always did.
    ///
    /// The sizes and numbers are checked in the text the create reads
    /// ([`Limits::resources`]), the quotas as Python's `float()` reads them
    /// ([`py_float`]), so that what passes here is what gets applied.
    pub fn check(&self, username: &str) -> Result<(), ConfigError> {
        let invalid = |key: &str, value: &Value, why: &str| ConfigError::Invalid {
            key: key.to_string(),
            user: username.to_string(),
            value: shown(value),
            why: why.to_string(),
        };
        let positive_number = |text: &str| {
            text.trim()
                .parse::<f64>()
                .is_ok_and(|n| n.is_finite() && n > 0.0)
        };
        let positive_size = |text: &str| parse_size(text).is_some_and(|n| n > 0);

        let cpus_key = match self.get("max_cpus") {
            Some(v) if pyfmt::truthy(v) => "max_cpus",
            _ => "cpus",
        };
        let cpus = self.cpus();
        if !positive_number(&pyfmt::str_of(&cpus)) {
            return Err(invalid(cpus_key, &cpus, "a positive number"));
        }
        let memory = self.memory();
        if !positive_size(&pyfmt::str_of(&memory)) {
            return Err(invalid("memory", &memory, SIZE));
        }
        let swap = self.get_or("memory_swap", memory);
        if !parse_swap(&pyfmt::str_of(&swap)).is_some_and(|n| n > 0 || n == -1) {
            return Err(invalid("memory_swap", &swap, SWAP));
        }
        let shm = self.get_or("shm_size", key("16g"));
        if !positive_size(&pyfmt::str_of(&shm)) {
            return Err(invalid("shm_size", &shm, SIZE));
        }
        let pids = self.get_or("pids_limit", Value::from(4096));
        if !pyfmt::str_of(&pids)
            .trim()
            .parse::<i64>()
            .is_ok_and(|n| n > 0)
        {
            return Err(invalid("pids_limit", &pids, "a positive whole number"));
        }

        let quota = |v: &Value| py_float(v).is_some_and(|n| n.is_finite() && n >= 0.0);
        if let Some((k, v)) = self.first_key(&MAX_GPU_EQUIVALENTS_KEYS) {
            if !v.is_null() && !quota(v) {
                return Err(invalid(k, v, UNLIMITED_QUOTA));
            }
        }
        if let Some((k, v)) = self.first_key(&MAX_SLOTS_PER_CONTAINER_KEYS) {
            if !v.is_null() && !quota(v) {
                return Err(invalid(k, v, UNLIMITED_QUOTA));
            }
        }
        if let Some(v) = self.get("max_containers_per_user") {
            if !v.is_null() && v.as_str() != Some("unlimited") && !quota(v) {
                return Err(invalid(
                    "max_containers_per_user",
                    v,
                    "a number not below 0, null or 'unlimited'",
                ));
            }
        }
        if let Some(v) = self.get("priority") {
            if !v.is_null() && !quota(v) {
                return Err(invalid("priority", v, "a number not below 0"));
            }
        }
        Ok(())
    }

    /// The first of `keys` (a setting and its aliases) that is set.
    fn first_key<'k>(&self, keys: &[&'k str]) -> Option<(&'k str, &Value)> {
        keys.iter().find_map(|k| self.get(k).map(|v| (*k, v)))
    }
}

/// What [`Limits::check`] asks of a size, and of the swap limit.
const SIZE: &str = "a positive size such as 512m or 32g";
const SWAP: &str = "a positive size such as 512m or 32g, or -1";
/// What it asks of a quota that `null` lifts.
const UNLIMITED_QUOTA: &str = "a number not below 0, or null for unlimited";

/// A rejected value as the message shows it: Python's `repr()`, cut short
/// when it is long (the value may be anything an admin typed).
fn shown(value: &Value) -> String {
    const MAX: usize = 60;
    let text = pyfmt::repr(value);
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
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

    /// `Limits::check` of user `alice` under `defaults: {settings}`.
    fn check_of(d: &Dir, settings: &str) -> Result<(), ConfigError> {
        d.write(
            LIMITS_FILE,
            &format!("defaults: {{{settings}}}\ngroups: {{student: {{}}}}\n"),
        );
        d.load().expect("config").limits("alice").check("alice")
    }

    /// The key, value and requirement of a rejected setting.
    fn rejected(d: &Dir, settings: &str) -> (String, String, String) {
        match check_of(d, settings) {
            Err(ConfigError::Invalid {
                key,
                user,
                value,
                why,
            }) => {
                assert_eq!(user, "alice", "{settings}");
                (key, value, why)
            }
            other => panic!("{settings}: expected Invalid, got {other:?}"),
        }
    }

    fn accepted(d: &Dir, settings: &str) {
        assert_eq!(check_of(d, settings), Ok(()), "{settings}");
    }

    #[test]
    fn check_message_and_failure() {
        let d = Dir::new("check-message");
        let e = check_of(&d, "cpus: -2").expect_err("negative cpus");
        assert_eq!(
            e.to_string(),
            "the limit cpus of user 'alice' must be a positive number, not -2"
        );
        let f = e.failure("mlc-create");
        assert_eq!(f.code, 1);
        assert_eq!(f.stdout, "");
        assert_eq!(
            f.stderr,
            "mlc-create: the limit cpus of user 'alice' must be a positive number, not -2\n"
        );
        // Strings show quoted; long values are cut short.
        let e = check_of(&d, "memory: lots").expect_err("not a size");
        assert_eq!(
            e.to_string(),
            "the limit memory of user 'alice' must be a positive size such as 512m or 32g, \
             not 'lots'"
        );
        let long = "x".repeat(10_000);
        let (_, value, _) = rejected(&d, &format!("shm_size: {long}"));
        assert_eq!(value, format!("'{}...", "x".repeat(59)));
        // The defaults of an empty configuration are valid.
        accepted(&d, "");
    }

    #[test]
    fn check_cpus() {
        let d = Dir::new("check-cpus");
        for bad in [
            "-2", "0", "-0.5", ".nan", ".inf", "-.inf", "lots", "'1_0'", "true", "[4]",
        ] {
            let (key, _, why) = rejected(&d, &format!("cpus: {bad}"));
            assert_eq!(
                (key.as_str(), why.as_str()),
                ("cpus", "a positive number"),
                "{bad}"
            );
        }
        // `max_cpus` wins when it is truthy, so it is the one named.
        let (key, value, _) = rejected(&d, "max_cpus: -2, cpus: 4");
        assert_eq!((key.as_str(), value.as_str()), ("max_cpus", "-2"));
        let (key, value, _) = rejected(&d, "max_cpus: .nan");
        assert_eq!((key.as_str(), value.as_str()), ("max_cpus", "nan"));
        for good in [
            "cpus: 4",
            "cpus: 0.5",
            "cpus: '1.5'",
            "max_cpus: 32",
            "max_cpus: 0, cpus: 2",
        ] {
            accepted(&d, good);
        }
    }

    #[test]
    fn check_sizes() {
        let d = Dir::new("check-sizes");
        for key in ["memory", "shm_size"] {
            for bad in [
                "-1g", "0", "0g", "-1", "lots", "'1e3'", ".nan", "32q", "null", "''",
            ] {
                let (k, _, why) = rejected(&d, &format!("{key}: {bad}"));
                assert_eq!((k.as_str(), why.as_str()), (key, SIZE), "{key}: {bad}");
            }
            for good in ["512m", "32g", "1GB", "1.5g", "1073741824", "'64G'"] {
                accepted(&d, &format!("{key}: {good}"));
            }
        }
        for bad in ["-2", "-1g", "0", "lots", ".inf"] {
            let (k, _, why) = rejected(&d, &format!("memory_swap: {bad}"));
            assert_eq!((k.as_str(), why.as_str()), ("memory_swap", SWAP), "{bad}");
        }
        for good in ["-1", "'-1'", "64g", "512m"] {
            accepted(&d, &format!("memory_swap: {good}"));
        }
        // Without its own value the swap limit follows memory, and a bad
        // memory is named as memory.
        let (k, value, _) = rejected(&d, "memory: -1g");
        assert_eq!((k.as_str(), value.as_str()), ("memory", "'-1g'"));
    }

    #[test]
    fn check_pids_limit() {
        let d = Dir::new("check-pids");
        for bad in [
            "0",
            "-1",
            "4096.0",
            "1e3",
            "many",
            ".nan",
            "null",
            "'99999999999999999999'",
        ] {
            let (k, _, why) = rejected(&d, &format!("pids_limit: {bad}"));
            assert_eq!(
                (k.as_str(), why.as_str()),
                ("pids_limit", "a positive whole number"),
                "{bad}"
            );
        }
        for good in ["1", "4096", "'8192'"] {
            accepted(&d, &format!("pids_limit: {good}"));
        }
    }

    #[test]
    fn check_gpu_quotas() {
        let d = Dir::new("check-gpu");
        let keys = MAX_GPU_EQUIVALENTS_KEYS
            .iter()
            .chain(MAX_SLOTS_PER_CONTAINER_KEYS.iter());
        for key in keys {
            for bad in [
                "-1",
                "-0.5",
                ".nan",
                ".inf",
                "lots",
                "unlimited",
                "'1e309'",
                "[1]",
            ] {
                let (k, _, why) = rejected(&d, &format!("{key}: {bad}"));
                assert_eq!((k.as_str(), why.as_str()), (*key, UNLIMITED_QUOTA), "{bad}");
            }
            for good in ["null", "0", "1", "2.5", "'3'", "true"] {
                accepted(&d, &format!("{key}: {good}"));
            }
        }
        // The first alias present is the one read, and the one named.
        let (k, value, _) = rejected(&d, "max_gpu_equivalents: -1, max_gpu_slots: 2");
        assert_eq!((k.as_str(), value.as_str()), ("max_gpu_equivalents", "-1"));
        accepted(&d, "max_gpu_equivalents: 2, max_gpu_slots: -1");
    }

    #[test]
    fn check_containers_and_priority() {
        let d = Dir::new("check-containers");
        for bad in ["-3", ".nan", ".inf", "lots", "'-1'"] {
            let (k, _, _) = rejected(&d, &format!("max_containers_per_user: {bad}"));
            assert_eq!(k, "max_containers_per_user", "{bad}");
        }
        for good in ["null", "unlimited", "0", "3", "'5'"] {
            accepted(&d, &format!("max_containers_per_user: {good}"));
        }
        for bad in ["-1", ".nan", "-.inf", "high", "unlimited"] {
            let (k, _, why) = rejected(&d, &format!("priority: {bad}"));
            assert_eq!(
                (k.as_str(), why.as_str()),
                ("priority", "a number not below 0"),
                "{bad}"
            );
        }
        for good in ["null", "0", "10", "2.5"] {
            accepted(&d, &format!("priority: {good}"));
        }
    }

    /// A group or an override is checked as resolved: the user's own
    /// values count, another group's do not.
    #[test]
    fn check_resolved_limits() {
        let d = Dir::new("check-resolved");
        d.write(
            LIMITS_FILE,
            "defaults: {cpus: 4}\ngroups:\n  student: {}\n  lab: {members: [bob], memory: 0}\n\
             user_overrides:\n  carol: {pids_limit: -1}\n",
        );
        let c = d.load().expect("config");
        assert_eq!(c.limits("alice").check("alice"), Ok(()));
        let e = c.limits("bob").check("bob").expect_err("bob's group");
        assert_eq!(
            e.to_string(),
            "the limit memory of user 'bob' must be a positive size such as 512m or 32g, not 0"
        );
        let e = c
            .limits("carol")
            .check("carol")
            .expect_err("carol's override");
        assert!(
            e.to_string()
                .starts_with("the limit pids_limit of user 'carol'"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_unread() {
        let nested = |d: usize| format!("{}{}", "[".repeat(d), "]".repeat(d));
        assert_eq!(too_deep(&nested(MAX_FLOW_DEPTH)), None);
        assert_eq!(
            too_deep(&format!("a: 1\nb: {}", nested(MAX_FLOW_DEPTH + 1))),
            Some(2)
        );
        assert_eq!(too_deep(&"{a: ".repeat(MAX_FLOW_DEPTH + 1)), Some(1));
        // Comments and quoted scalars do not count; siblings do not add up.
        let quoted = format!(
            "a: '{0}'\nb: \"\\\"{0}\"\n# {0}\nc: x#{0}",
            "[".repeat(2000)
        );
        assert_eq!(too_deep(&quoted), Some(4));
        assert_eq!(too_deep(&format!("a: '{}'\n", "[".repeat(2000))), None);
        assert_eq!(too_deep(&"[a], {b: [c]}, ".repeat(5000)), None);

        let d = Dir::new("deep");
        // 100 000 levels: refused at once, not after minutes of scanning.
        let start = std::time::Instant::now();
        d.write(LIMITS_FILE, &format!("defaults: {}\n", nested(100_000)));
        let e = d.load().expect_err("too deep").to_string();
        assert!(e.contains("nested more than 1000 deep at line 1"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        d.write(LIMITS_FILE, SMALL)
            .write(EXEMPTIONS_FILE, &format!("exemptions: {}\n", nested(5000)));
        let c = d.load().expect("config");
        let r = c.check_exemption("perm", "idle_timeout_h");
        assert_eq!(r.exemption, None);
        assert!(r.warning.is_some_and(|w| w.contains("nested more than")));
    }

    /// The recording machine's configuration passes the check unchanged.
    #[test]
    fn real_configuration_is_valid() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let Ok(text) = fs::read_to_string(shared.join(LIMITS_FILE)) else {
            return;
        };
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/fixtures/ds01-config");
        let overrides = fs::read_to_string(fixtures.join(OVERRIDES_FILE))
            .unwrap_or_else(|_| "carol:\n  max_gpu_equivalents: 3\n  memory: 48g\n".into());
        let d = Dir::new("real-valid");
        d.write(LIMITS_FILE, &text)
            .write("groups/researcher.members", "bob\n")
            .write("groups/admin.members", "ds01admin\n")
            .write(OVERRIDES_FILE, &overrides);
        let c = d.load().expect("real config");
        for user in ["alice", "bob", "carol", "ds01admin"] {
            let l = c.limits(user);
            assert_eq!(l.check(user), Ok(()), "{user}");
        }
        assert_eq!(c.user_group("bob"), Value::from("researcher"));
        assert_eq!(c.user_group("carol"), Value::from("override"));
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
