//! What `mlc create` is asked to make, as typed values: the command line's
//! answers (each may be missing and then asked for), the GPUs, and DS01's
//! extensions.  DS01's `mlc-create` builds a [`Request`] itself and calls
//! [`super::create`] in-process; Tier 1 never reads DS01's configuration.

use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::colour;

/// Which GPUs the container gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gpus {
    /// The docker CLI's `--gpus` value (`all`, `2`, `device=0`, ...).
    Docker(String),
    /// DS01: no device request at all (and no GPU visible).
    None,
    /// DS01: exactly these devices (GPU or MIG UUIDs).
    Devices(Vec<String>),
}

impl Gpus {
    /// As `-g` gave it, for the `aime.mlc.GPUS` label.
    pub fn label(&self) -> String {
        match self {
            Gpus::Docker(v) => v.clone(),
            Gpus::None => "none".into(),
            Gpus::Devices(ids) => format!("device={}", ids.join(",")),
        }
    }
}

/// Resource limits set when the container is created (engine units).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLimits {
    pub nano_cpus: Option<i64>,
    pub memory: Option<i64>,
    pub memory_swap: Option<i64>,
    pub shm_size: Option<i64>,
    pub pids_limit: Option<i64>,
    pub cgroup_parent: Option<String>,
}

/// DS01's additions to a create: an unprivileged container with limits,
/// labels and (optionally) a custom image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ds01Extensions {
    /// A local image (`ds01-<uid>/<name>:latest`) instead of the catalog.
    pub image: Option<String>,
    pub limits: ContainerLimits,
    /// Labels beyond the ones create writes itself.
    pub labels: Vec<(String, String)>,
    /// The devices were given by DS01's allocator already (its
    /// `mlc-create`); never set from a command line.
    pub allocated: bool,
}

/// How a server decides a create's GPUs and quotas.  Tier 1 asks it (when
/// the context has one) right before anything is made; DS01 installs its
/// allocator here, so Tier 1 never reads DS01's configuration.
pub trait CreatePolicy {
    /// The request as it may go ahead (devices and labels decided), and
    /// what must be kept alive until the container exists (a
    /// reservation); or the refusal to show.
    fn admit(&self, ctx: &mut Ctx, request: &Request, tag: &str) -> Result<Admitted, Failure>;
}

/// A request a [`CreatePolicy`] let through.
pub struct Admitted {
    pub request: Request,
    /// Held until the create is over.
    pub hold: Box<dyn std::any::Any>,
}

/// Everything `mlc create` was told; what is missing is asked for (or, in
/// script mode, refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub name: Option<String>,
    pub framework: Option<String>,
    pub version: Option<String>,
    pub arch: Option<String>,
    pub workspace: Option<String>,
    pub data: Option<String>,
    pub models: Option<String>,
    pub script: bool,
    /// `-i`: list what the catalog offers and stop.
    pub info: bool,
    pub gpus: Gpus,
    /// `None`: AIME's plain (privileged) container.
    pub ds01: Option<Ds01Extensions>,
}

impl Request {
    /// The request `mlc create ARGS` makes.  On a DS01 server every create
    /// is a DS01 one (never privileged).
    pub fn from_matches(ctx: &Ctx, m: &Matches) -> Result<Request, Failure> {
        let value = |k: &str| m.value(k).map(str::to_string);
        let positional = |i: usize| m.positional(i).map(str::to_string);
        let extensions = ds01_extensions(m)?;
        let ds01 = extensions.or_else(|| ctx.settings.ds01_installed.then(Ds01Extensions::default));
        let gpus = m.value("num_gpus").unwrap_or("all");
        Ok(Request {
            name: positional(0),
            framework: positional(1),
            version: positional(2),
            arch: value("architecture"),
            workspace: value("workspace_dir"),
            data: value("data_dir"),
            models: value("models_dir"),
            script: m.flag("script"),
            info: m.flag("info"),
            gpus: gpus_of(gpus, ds01.is_some()),
            ds01,
        })
    }
}

/// `-g` as given: on a DS01 container `none` and `device=...` are DS01's
/// forms; anything else is the docker CLI's.
fn gpus_of(value: &str, ds01: bool) -> Gpus {
    match value.strip_prefix("device=") {
        _ if ds01 && value == "none" => Gpus::None,
        Some(ids) if ds01 => Gpus::Devices(
            ids.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        _ => Gpus::Docker(value.to_string()),
    }
}

/// DS01's extension flags, when any is given.
fn ds01_extensions(m: &Matches) -> Result<Option<Ds01Extensions>, Failure> {
    let keys = [
        "image",
        "cpus",
        "memory",
        "memory_swap",
        "shm_size",
        "pids_limit",
        "cgroup_parent",
    ];
    let labels = m.values("ds01_label");
    if keys.iter().all(|k| m.value(k).is_none()) && labels.is_empty() {
        return Ok(None);
    }
    let size = |key: &str, flag: &str| {
        m.value(key)
            .map(|s| parse_size(s).ok_or_else(|| invalid(flag, s)))
            .transpose()
    };
    let limits = ContainerLimits {
        nano_cpus: m
            .value("cpus")
            .map(|s| parse_cpus(s).ok_or_else(|| invalid("--cpus", s)))
            .transpose()?,
        memory: size("memory", "--memory")?,
        memory_swap: m
            .value("memory_swap")
            .map(|s| parse_swap(s).ok_or_else(|| invalid("--memory-swap", s)))
            .transpose()?,
        shm_size: size("shm_size", "--shm-size")?,
        pids_limit: m
            .value("pids_limit")
            .map(|s| s.trim().parse().map_err(|_| invalid("--pids-limit", s)))
            .transpose()?,
        cgroup_parent: m.value("cgroup_parent").map(str::to_string),
    };
    let labels: Vec<(String, String)> = labels.iter().map(|l| split_label(l)).collect();
    if let Some((key, _)) = labels.iter().find(|(k, _)| reserved_label(k)) {
        return Err(invalid(
            "--ds01-label",
            &format!("{key} is set by ds01 itself"),
        ));
    }
    Ok(Some(Ds01Extensions {
        image: m.value("image").map(str::to_string),
        limits,
        labels,
        allocated: false,
    }))
}

/// Labels the tools set and read (owner, devices, interface): nobody may
/// give them on the command line, or a container could be handed to
/// another user or hold GPUs it does not have.
fn reserved_label(key: &str) -> bool {
    key == crate::model::labels::AIME || key.starts_with("aime.mlc.") || key.starts_with("ds01.")
}

/// `KEY=VALUE` (a bare `KEY` is an empty value), as `docker --label`.
pub fn split_label(label: &str) -> (String, String) {
    match label.split_once('=') {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (label.to_string(), String::new()),
    }
}

fn invalid(flag: &str, value: &str) -> Failure {
    Failure::stdout(
        1,
        colour::expand(&format!(
            "\n{{ERROR}}Container not created: invalid {flag}: {value}{{RESET}}\n\n"
        )),
    )
}

/// Docker's `RAMInBytes`: `512m`, `32g`, `1.5GB` (binary units).
pub fn parse_size(text: &str) -> Option<i64> {
    let t = text.trim().to_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let unit = unit.trim_end_matches('b').trim_end_matches('i');
    let mult: f64 = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return None,
    };
    Some((value * mult) as i64)
}

/// `--memory-swap`: a size, or `-1` for unlimited swap.
pub fn parse_swap(text: &str) -> Option<i64> {
    if text.trim() == "-1" {
        Some(-1)
    } else {
        parse_size(text)
    }
}

/// `--cpus=1.5` as the engine's NanoCpus.
pub fn parse_cpus(text: &str) -> Option<i64> {
    let cpus: f64 = text.trim().parse().ok()?;
    (cpus.is_finite() && cpus >= 0.0).then_some((cpus * 1e9) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_like_docker() {
        assert_eq!(parse_size("512m"), Some(512 * 1024 * 1024));
        assert_eq!(parse_size("32g"), Some(32 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("1GB"), Some(1024 * 1024 * 1024));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_swap("-1"), Some(-1));
        assert_eq!(parse_cpus("1.5"), Some(1_500_000_000));
        assert_eq!(parse_cpus("nan"), None);
    }

    #[test]
    fn gpus_by_mode() {
        assert_eq!(gpus_of("none", true), Gpus::None);
        assert_eq!(gpus_of("none", false), Gpus::Docker("none".into()));
        let d = gpus_of("device=A,B", true);
        assert_eq!(d, Gpus::Devices(vec!["A".into(), "B".into()]));
        assert_eq!(d.label(), "device=A,B");
        assert_eq!(gpus_of("all", true).label(), "all");
    }
}
