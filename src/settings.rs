//! Where everything lives and how long things last, decided once per
//! process from the system and the environment.  This is the only place
//! that turns environment variables into paths and numbers; libraries are
//! handed the values.
//!
//! Policy inputs (DS01's configuration, the GPU inventory fixture, the
//! allocator's state directory and timings) come from the system.  The
//! environment may override them only for root, or on a machine with no
//! system configuration at all (development, tests and simulations).

use crate::context::Env;
use std::path::{Path, PathBuf};

pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";
pub const DEFAULT_MLC_DIR: &str = "/opt/aime-ml-containers";
pub const DEFAULT_STATE_DIR: &str = "/run/ds01";
/// Where `ds01-lifecycle` records what it did (root's only).
pub const DEFAULT_LIFECYCLE_LOG: &str = "/var/log/ds01/lifecycle.log";
/// DS01's configuration directories, in the order they are searched.
pub const SYSTEM_CONFIG_DIRS: [&str; 2] = ["/etc/ds01", "/opt/ds01-infra/config/runtime"];
/// The file whose presence makes a directory DS01's configuration.
pub const LIMITS_FILE: &str = "resource-limits.yaml";
const DEFAULT_RESERVATION_TTL_S: u64 = 120;
const DEFAULT_LOCK_TIMEOUT_S: u64 = 60;
/// The longest a reservation or lock wait may be set to: one day.
const MAX_SECONDS: u64 = 86_400;

/// Who to contact about quotas (DS01's limit boxes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub lab: String,
    pub admin: String,
    pub role: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `DOCKER_HOST`, or the default socket.
    pub docker_host: String,
    /// Log every engine request on stderr (`DS01_ENGINE_TRACE`).
    pub engine_trace: bool,
    /// AIME's image catalog (`DS01_MLC_CATALOG`).
    pub mlc_catalog: PathBuf,
    /// The AIME installation `mlc update-sys` updates (`DS01_MLC_DIR`).
    pub mlc_dir: PathBuf,
    /// `MLC_ARCH`: the GPU architecture when `-arch` is not given.
    pub mlc_arch: Option<String>,
    /// DS01's configuration directory.
    pub config_dir: PathBuf,
    /// Whether this host runs DS01 (it has, or was pointed at, a
    /// configuration): no privileged containers, DS01's `mlc-create`.
    pub ds01_installed: bool,
    /// Whether the system has DS01's configuration (a production server:
    /// policy is not taken from the environment of users).
    pub system_configured: bool,
    /// A file in `nvidia-smi -L` format used instead of the real GPUs.
    pub gpu_fixture: Option<PathBuf>,
    /// The allocator's lock, reservations and queue.
    pub state_dir: PathBuf,
    /// How long a standalone allocation stays reserved, in seconds.
    pub reservation_ttl_s: u64,
    /// How long an allocation waits for the lock, in seconds.
    pub lock_timeout_s: u64,
    /// Report each allocation's timings on stderr (`DS01_ALLOC_TIMING`).
    pub alloc_timing: bool,
    pub contact: Contact,
    /// A file of `slot,percent` lines used instead of the GPUs'
    /// utilization (`DS01_GPU_UTIL_FIXTURE`; policy).
    pub gpu_util_fixture: Option<PathBuf>,
    /// The clock for lifecycle enforcement, in seconds since the epoch
    /// (`DS01_NOW`; policy): None is the real clock.
    /// A value that is not such a number is kept as the error to report.
    pub now: Option<Result<u64, String>>,
    /// `ds01-lifecycle`'s log (`DS01_LIFECYCLE_LOG`; policy).
    pub lifecycle_log: PathBuf,
}

/// Whether one of the system configuration directories has DS01's limits.
pub fn system_config_dir() -> Option<PathBuf> {
    SYSTEM_CONFIG_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|d| d.join(LIMITS_FILE).is_file())
}

impl Settings {
    /// The settings for a caller of uid `uid` with environment `env`.
    pub fn from_env(env: &Env, uid: u32) -> Settings {
        Settings::resolve(env, uid, system_config_dir())
    }

    /// As [`Settings::from_env`], with the system configuration directory
    /// given (tests).
    pub fn resolve(env: &Env, uid: u32, system: Option<PathBuf>) -> Settings {
        // Policy overrides: root, or a machine without DS01 configuration.
        let system_configured = system.is_some();
        let trusted = uid == 0 || !system_configured;
        let policy = |key: &str| env.get(key).filter(|_| trusted).map(str::to_string);
        let seconds = |key: &str, default: u64| {
            policy(key)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&s| s <= MAX_SECONDS)
                .unwrap_or(default)
        };
        let config_override = policy("DS01_CONFIG_DIR").map(PathBuf::from);
        let ds01_installed = config_override.is_some() || system.is_some();
        let config_dir = config_override
            .or(system)
            .unwrap_or_else(|| PathBuf::from(SYSTEM_CONFIG_DIRS[0]));
        let text = |key: &str, default: &str| env.get(key).unwrap_or(default).to_string();
        Settings {
            docker_host: text("DOCKER_HOST", DEFAULT_DOCKER_HOST),
            engine_trace: env.is_set("DS01_ENGINE_TRACE"),
            mlc_catalog: PathBuf::from(
                env.get("DS01_MLC_CATALOG")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{DEFAULT_MLC_DIR}/ml_images.repo")),
            ),
            mlc_dir: PathBuf::from(text("DS01_MLC_DIR", DEFAULT_MLC_DIR)),
            mlc_arch: env.get("MLC_ARCH").map(str::to_string),
            config_dir,
            ds01_installed,
            system_configured,
            gpu_fixture: policy("DS01_GPU_FIXTURE").map(PathBuf::from),
            state_dir: PathBuf::from(
                policy("DS01_STATE_DIR").unwrap_or_else(|| DEFAULT_STATE_DIR.to_string()),
            ),
            reservation_ttl_s: seconds("DS01_RESERVATION_TTL", DEFAULT_RESERVATION_TTL_S),
            lock_timeout_s: seconds("DS01_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_S),
            alloc_timing: env.is_set("DS01_ALLOC_TIMING"),
            contact: Contact {
                lab: text("DS01_LAB_NAME", "Data Science Lab"),
                admin: text("DS01_ADMIN_NAME", "Henry Baker"),
                role: text("DS01_ADMIN_ROLE", "Research Engineer"),
                email: text("DS01_ADMIN_EMAIL", "h.baker@hertie-school.org"),
            },
            gpu_util_fixture: policy("DS01_GPU_UTIL_FIXTURE").map(PathBuf::from),
            now: policy("DS01_NOW").map(|v| {
                epoch_seconds(&v)
                    .ok_or_else(|| format!("DS01_NOW={v:?} is not seconds since the epoch"))
            }),
            lifecycle_log: PathBuf::from(
                policy("DS01_LIFECYCLE_LOG").unwrap_or_else(|| DEFAULT_LIFECYCLE_LOG.to_string()),
            ),
        }
    }

    /// The limits file this host reads.
    pub fn limits_file(&self) -> PathBuf {
        self.config_dir.join(LIMITS_FILE)
    }

    pub fn state_path(&self, file: &str) -> PathBuf {
        Path::new(&self.state_dir).join(file)
    }
}

/// The latest moment `DS01_NOW` may name: the year 9999.
const MAX_EPOCH_S: u64 = 253_402_300_799;

/// `DS01_NOW`: plain decimal seconds since the epoch, nothing else.
fn epoch_seconds(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u64>().ok().filter(|&s| s <= MAX_EPOCH_S)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env::from_pairs([
            ("DS01_CONFIG_DIR", "/tmp/mine"),
            ("DS01_STATE_DIR", "/tmp/state"),
            ("DS01_RESERVATION_TTL", "315360000"),
            ("DS01_GPU_FIXTURE", "/tmp/gpus"),
        ])
    }

    #[test]
    fn overrides_on_a_machine_without_configuration() {
        let s = Settings::resolve(&env(), 1000, None);
        assert_eq!(s.config_dir, PathBuf::from("/tmp/mine"));
        assert!(s.ds01_installed);
        assert_eq!(s.state_dir, PathBuf::from("/tmp/state"));
        assert_eq!(s.gpu_fixture, Some(PathBuf::from("/tmp/gpus")));
        // Ten years is not a reservation lifetime.
        assert_eq!(s.reservation_ttl_s, DEFAULT_RESERVATION_TTL_S);
    }

    #[test]
    fn a_user_cannot_override_the_system_policy() {
        let system = Some(PathBuf::from("/etc/ds01"));
        let s = Settings::resolve(&env(), 1000, system.clone());
        assert_eq!(s.config_dir, PathBuf::from("/etc/ds01"));
        assert_eq!(s.state_dir, PathBuf::from(DEFAULT_STATE_DIR));
        assert_eq!(s.gpu_fixture, None);
        let root = Settings::resolve(&env(), 0, system);
        assert_eq!(root.config_dir, PathBuf::from("/tmp/mine"));
    }

    #[test]
    fn the_enforcement_clock_is_seconds_or_an_error() {
        let at = |v: &str| Settings::resolve(&Env::from_pairs([("DS01_NOW", v)]), 0, None).now;
        assert_eq!(at("1700000000"), Some(Ok(1_700_000_000)));
        assert!(matches!(at("1.5e9"), Some(Err(_))));
        assert!(matches!(at("-1"), Some(Err(_))));
        assert!(matches!(at("99999999999999"), Some(Err(_))));
        let user = Settings::resolve(
            &Env::from_pairs([("DS01_NOW", "1")]),
            1000,
            Some("/etc/ds01".into()),
        );
        assert_eq!(user.now, None);
    }

    #[test]
    fn no_configuration_anywhere() {
        let s = Settings::resolve(&Env::default(), 1000, None);
        assert!(!s.ds01_installed);
        assert_eq!(s.config_dir, PathBuf::from("/etc/ds01"));
        assert_eq!(s.docker_host, DEFAULT_DOCKER_HOST);
    }
}
