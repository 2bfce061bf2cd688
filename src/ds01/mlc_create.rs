//! DS01's `mlc-create` (`scripts/docker/mlc-create-wrapper.sh`, reference
//! §8.1): resource limits, the container quota and a GPU/MIG allocation,
//! then AIME's create (our `mlc create` with DS01's extensions) in script
//! mode.  Installed as `mlc-create` on a host with a DS01 configuration,
//! and always reachable as `mlc-create-wrapper`.
//!
//! Differences from the original, on purpose (docs/deviations.md):
//! - the container quota and the GPU choice are made under the allocator's
//!   lock and reserved until the container exists, so parallel creates can
//!   neither share a device nor overrun a quota;
//! - `--cpu-only` gives the container no GPU at all (the original's
//!   `mlc-patched.py` defaulted to `--gpus all`);
//! - `-g=N` (a specific GPU) is for administrators (root or the `ds01-admin`
//!   group) and goes through the allocator's bookkeeping as that GPU's
//!   UUID; the original let anybody take any GPU, untracked;
//! - CPU, memory, swap and process limits are set when the container is
//!   created instead of by a later `docker update`.

use super::allocator::{Allocator, Grant, Reservation};
use super::limits::{self, Config};
use super::pyfmt;
use super::username::sanitize;
use crate::engine::Engine;
use crate::identity::{self, Identity};
use crate::ui;
use crate::ui::ds01_colour::{BLUE, BOLD, GREEN, NC, RED, YELLOW};
use std::process::{Command, Stdio};

pub const NAME: &str = "mlc-create-wrapper";

/// What the original named as the program it ran (shown in dry runs and
/// diagnostics).
const MLC_PATCHED: &str = "/opt/ds01-infra/scripts/docker/mlc-patched.py";
const GPU_ALLOCATOR: &str = "/opt/ds01-infra/scripts/docker/gpu_allocator_v2.py";
const DEFAULT_LIMITS: &str =
    "--cpus=16 --memory=32g --memory-swap=32g --shm-size=16g --pids-limit=4096";

/// The original's usage text.  Its colour variables held `\033[…m` as
/// literal text inside a heredoc, so the escapes appear uninterpreted.
const USAGE: &str = r"
\033[0;32mDS01 GPU Server - Container Creation\033[0m

Usage: mlc-create <name> <framework> [version] [options]

\033[0;34mQuick Start:\033[0m
  mlc-create my-project pytorch              # Latest PyTorch (2.5.1)
  mlc-create my-project tensorflow           # Latest TensorFlow (2.14.0)
  mlc-create my-project pytorch 2.4.0        # Specific version

\033[0;34mFrameworks:\033[0m
  pytorch, torch       → PyTorch (recommended for most deep learning)
  tensorflow, tf       → TensorFlow
  mxnet, mx            → MXNet

\033[0;34mOptions:\033[0m
  -w=<path>      Workspace directory (default: ~/workspace)
  -d=<path>      Data directory (optional)
  -g=<id>        Request specific GPU 0-3 (admins only)
  --cpu-only     Create CPU-only container (no GPU)
  --show-limits  Show your resource limits
  --dry-run      Show what would be created without creating
  -h, --help     Show this help message

\033[0;34mExamples:\033[0m
  # Create PyTorch container
  mlc-create cv-project pytorch

  # Create with specific version
  mlc-create nlp-project pytorch 2.4.0

  # Create with custom workspace
  mlc-create analysis tensorflow -w=~/projects/analysis

  # Create CPU-only container
  mlc-create preprocessing pytorch --cpu-only

  # Check what would be created
  mlc-create test pytorch --dry-run

\033[0;34mAfter Creation:\033[0m
  mlc-open <name>     # Open container
  mlc-list            # List your containers
  mlc-stop <name>     # Stop container
  mlc-remove <name>   # Delete container

\033[0;34mNeed Help?\033[0m
  - Docs: /home/shared/docs/getting-started.md
  - Office hours: Tuesdays 2-4pm
  - Email: datasciencelab@university.edu

";

/// Prints as it goes (the original's output is a script's running log).
struct Log;

impl Log {
    fn line(&self, text: &str) {
        ui::out(&format!("{text}\n"));
    }
    fn info(&self, text: &str) {
        self.line(&format!("{BLUE}[INFO]{NC} {text}"));
    }
    fn success(&self, text: &str) {
        self.line(&format!("{GREEN}[SUCCESS]{NC} {text}"));
    }
    fn warning(&self, text: &str) {
        self.line(&format!("{YELLOW}[WARNING]{NC} {text}"));
    }
    fn error(&self, text: &str) {
        self.line(&format!("{RED}[ERROR]{NC} {text}"));
    }
    fn list(&self, args: &[String]) {
        for a in args {
            self.line(&format!("  {a}"));
        }
    }
}

struct Options {
    name: String,
    framework: String,
    version: String,
    image: String,
    workspace: String,
    data: String,
    gpu: String,
    cpu_only: bool,
    dry_run: bool,
    num_gpus: String,
    prefer_full: bool,
}

fn framework_of(input: &str) -> String {
    match input.to_lowercase().as_str() {
        "pytorch" | "torch" => "Pytorch".into(),
        "tensorflow" | "tf" => "Tensorflow".into(),
        "mxnet" | "mx" => "Mxnet".into(),
        _ => {
            let mut c = input.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

fn show_limits(user: &str) -> i32 {
    super::get_resource_limits::main(&[user.to_string()]);
    0
}

fn caller_name() -> String {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    std::env::var("SUDO_USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| identity::user_by_uid(uid).map(|e| e.name))
        .unwrap_or_else(|| Identity::current().login)
}

/// `mlc-create ARGS...`: returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let log = Log;
    let first = args.first().map(String::as_str);
    if matches!(first, None | Some("-h" | "--help")) {
        ui::out(USAGE);
        return 0;
    }
    if first == Some("--show-limits") {
        return show_limits(&caller_name());
    }
    let mut o = Options {
        name: args[0].clone(),
        framework: String::new(),
        version: String::new(),
        image: String::new(),
        workspace: format!("{}/workspace", std::env::var("HOME").unwrap_or_default()),
        data: String::new(),
        gpu: String::new(),
        cpu_only: false,
        dry_run: false,
        num_gpus: "1".into(),
        prefer_full: false,
    };
    let mut rest = &args[1..];
    if let Some(fw) = rest
        .first()
        .filter(|a| !a.is_empty() && !a.starts_with('-'))
    {
        o.framework = framework_of(fw);
        rest = &rest[1..];
    }
    for a in rest {
        let value = || a.split_once('=').map_or("", |(_, v)| v).to_string();
        match a.as_str() {
            x if x.starts_with("-w=") || x.starts_with("--workspace=") => o.workspace = value(),
            x if x.starts_with("-d=") || x.starts_with("--data=") => o.data = value(),
            x if x.starts_with("-g=") || x.starts_with("--gpu=") => o.gpu = value(),
            x if x.starts_with("--image=") => o.image = value(),
            x if x.starts_with("--num-gpus=") => o.num_gpus = value(),
            "--cpu-only" => o.cpu_only = true,
            "--prefer-full" => o.prefer_full = true,
            "--dry-run" => o.dry_run = true,
            "--show-limits" => return show_limits(&caller_name()),
            "-h" | "--help" => {
                ui::out(USAGE);
                return 0;
            }
            x if x.starts_with('-') => {
                log.error(&format!("Unknown option: {x}"));
                ui::out(USAGE);
                return 1;
            }
            x if x.starts_with(|c: char| c.is_ascii_digit()) => o.version = x.to_string(),
            x => {
                log.error(&format!("Unknown argument: {x}"));
                ui::out(USAGE);
                return 1;
            }
        }
    }
    if o.version.is_empty() {
        o.version = match o.framework.as_str() {
            "Pytorch" => "2.5.1",
            "Tensorflow" => "2.14.0",
            "Mxnet" => "1.8.0-nvidia",
            _ => "",
        }
        .into();
    }
    if o.framework.is_empty() {
        o.framework = "Pytorch".into();
        o.version = "2.5.1".into();
        log.info("No framework specified, defaulting to Pytorch 2.5.1");
    }
    create(&log, o)
}

/// Who the container is for: `SUDO_USER` when run through sudo.
fn resolve_user(log: &Log, o: &mut Options) -> Result<(String, u32), i32> {
    if let Some(u) = std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty()) {
        let Some(entry) = identity::user_by_name(&u) else {
            log.error(&format!("Unknown sudo user: {u}"));
            return Err(1);
        };
        o.workspace = format!("{}/workspace", entry.home);
        std::env::set_var("HOME", &entry.home);
        log.warning(&format!(
            "Running via sudo — resolving to user '{u}'. You don't need sudo for mlc-create."
        ));
        return Ok((u, entry.uid));
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        log.error("mlc-create should not be run as root directly");
        log.info("Run as a normal user: mlc-create <name> <framework>");
        return Err(1);
    }
    // `whoami`: the effective user, not the login session's.
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let name = identity::user_by_uid(uid).map_or_else(|| Identity::current().login, |e| e.name);
    Ok((name, uid))
}

fn create(log: &Log, mut o: Options) -> i32 {
    let (user, uid) = match resolve_user(log, &mut o) {
        Ok(u) => u,
        Err(code) => return code,
    };
    if o.name.is_empty() {
        log.error("Container name is required");
        ui::out(USAGE);
        return 1;
    }
    if !o
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        log.error(&format!("Invalid container name: {}", o.name));
        log.info("Use only letters, numbers, hyphens, and underscores");
        return 1;
    }
    let tag = format!("{}._.{uid}", o.name);
    let mut engine = match Engine::connect() {
        Ok(e) => e,
        Err(_) => return docker_down(log, &user),
    };
    match engine.find_container(&tag) {
        Ok(Some(_)) => {
            log.error(&format!("Container '{}' already exists", o.name));
            log.info("Use container-remove to remove it first, or choose a different name");
            return 1;
        }
        Ok(None) => {}
        Err(_) => return docker_down(log, &user),
    }
    if !o.gpu.is_empty() && !matches!(o.gpu.as_str(), "0" | "1" | "2" | "3") {
        log.error(&format!("Invalid GPU ID: {} (must be 0-3)", o.gpu));
        return 1;
    }
    let _ = std::fs::create_dir_all(&o.workspace);

    log.info(&format!(
        "Creating container '{}' for user '{user}'",
        o.name
    ));
    let version = if o.version.is_empty() {
        String::new()
    } else {
        format!("v{}", o.version)
    };
    log.info(&format!("Framework: {} {version}", o.framework));
    log.info(&format!("Workspace: {}", o.workspace));

    // Limits.
    let config = match Config::load() {
        Ok(c) => Some(c),
        Err(limits::ConfigError::Missing(_)) => None,
        // A broken configuration stops the create (the original went on
        // with default limits, i.e. without the admin's).
        Err(e) => return e.failure("mlc-create").report(),
    };
    let (mut resource_limits, group) = match &config {
        Some(c) => {
            log.info("Loading resource limits from configuration...");
            let l = c.limits(&user);
            let args = l.docker_args(&user);
            log.info("Resource limits applied:");
            log.list(&args);
            (args, l.group_name())
        }
        None => {
            log.warning("Resource configuration not found, using defaults");
            (
                DEFAULT_LIMITS.split(' ').map(str::to_string).collect(),
                "student".to_string(),
            )
        }
    };
    let sanitized = sanitize(&user);
    let user_slice = format!("ds01-{group}-{sanitized}.slice");
    log.info(&format!("Ensuring user slice exists: {user_slice}"));
    if slice_exists(&user_slice) {
        log.info("User slice ready");
    } else {
        log.warning("Could not create user slice (will use group slice instead)");
        let group_slice = format!("ds01-{group}.slice");
        for a in &mut resource_limits {
            *a = a.replace(&user_slice, &group_slice);
        }
    }

    // Quota and devices, decided under the allocator's lock.
    let Some(config) = config else {
        // Without a configuration there is no allocator to ask.
        return finish(log, &o, &user, &sanitized, &tag, &resource_limits, None);
    };
    let priority = Allocator::priority_of(&config, &user);
    let mut alloc = match Allocator::open(config, priority) {
        Ok(a) => a,
        Err(e) => {
            ui::out("\n");
            ui::out(&limit_box(&format!("✗ Allocation failed: {e}\n"), &user));
            return 1;
        }
    };
    let limits = alloc.config().limits(&user);
    if let Some(max) = max_containers(&limits) {
        let current = alloc.state.user_containers(&user);
        if current as f64 >= max {
            ui::out("\n");
            ui::out(&limit_box(
                &format!("CONTAINER_LIMIT ({current}/{})", limits::format_gpueq(max)),
                &user,
            ));
            return 1;
        }
    }
    let mut gpu: Option<GpuChoice> = None;
    if o.cpu_only {
        log.info("Creating CPU-only container (no GPU)");
    } else if !o.gpu.is_empty() {
        log.info(&format!("Specific GPU requested: {}", o.gpu));
        match specific_gpu(&mut alloc, &o.gpu) {
            Ok(g) => gpu = Some(g),
            Err(e) => {
                log.error(&e);
                return 1;
            }
        }
    } else {
        let max_gpus = match limits.max_gpu_equivalents(&user) {
            Ok(Some(m)) => limits::format_gpueq(m),
            Ok(None) => "999".to_string(),
            Err(e) => {
                log.error(&e.to_string());
                return 1;
            }
        };
        let priority = pyfmt::str_of(&limits.get_or("priority", serde_yaml::Value::from(10)));
        let n: i64 = match o.num_gpus.trim().parse() {
            Ok(n) => n,
            Err(_) => {
                log.error(&format!(
                    "Invalid --num-gpus: {} (must be a number)",
                    o.num_gpus
                ));
                return 1;
            }
        };
        let multi = n > 1 || o.prefer_full;
        let before = alloc.state.reader.user_slots(&user).len();
        let result = if multi {
            log.info(&format!(
                "Allocating {n} GPU slot(s) via gpu_allocator_v2.py..."
            ));
            alloc.allocate_multi(&user, &tag, n)
        } else {
            log.info(&format!(
                "Allocating GPU via gpu_allocator_v2.py (priority: {priority}, max: {max_gpus})..."
            ));
            let max = max_gpus.parse::<f64>().ok();
            alloc.allocate(&user, &tag, max)
        };
        let grant = match result {
            Ok(g) if !g.already => g,
            Ok(g) => {
                // The original's wrapper took "already has" for a failure.
                let text = format!(
                    "⚠ Container {tag} already has GPU/MIG {} allocated\nDOCKER_ID={}\n",
                    g.slots[0], g.uuids[0]
                );
                ui::out("\n");
                ui::out(&limit_box(&text, &user));
                return 1;
            }
            Err(reason) => {
                ui::out("\n");
                ui::out(&limit_box(
                    &format!("✗ Allocation failed: {reason}\n"),
                    &user,
                ));
                return 1;
            }
        };
        if multi {
            log.success(&format!(
                "Allocated {} GPU slot(s) (slots: {})",
                grant.slots.len(),
                grant.slots.join(",")
            ));
        } else {
            log.success(&format!("GPU {} allocated successfully", grant.slots[0]));
            if let Ok(max) = max_gpus.parse::<i64>() {
                if max != 999 && max > 0 {
                    let percent = before as i64 * 100 / max;
                    if percent >= 100 {
                        log.warning(&format!(
                            "GPU slot limit reached ({before}/{max}). This is your last available slot."
                        ));
                    } else if percent >= 80 {
                        log.warning(&format!(
                            "GPU slot usage high ({before}/{max}, {percent}%). Consider retiring idle containers."
                        ));
                    }
                }
            }
        }
        gpu = Some(GpuChoice {
            grant,
            multi,
            priority,
        });
    }
    // Hold the container's place (and devices) until it exists; the
    // reservation dies with this process.
    let uuids = gpu
        .as_ref()
        .map(|g| g.grant.uuids.clone())
        .unwrap_or_default();
    if let Err(e) = alloc.reserve(Reservation::for_this_process(&tag, &user, uuids)) {
        log.error(&format!("GPU allocation failed: {e}"));
        return 1;
    }
    drop(alloc);
    finish(log, &o, &user, &sanitized, &tag, &resource_limits, gpu)
}

struct GpuChoice {
    grant: Grant,
    multi: bool,
    priority: String,
}

/// `max_containers_per_user` (default 3); None when unlimited.
fn max_containers(limits: &limits::Limits) -> Option<f64> {
    match limits.get("max_containers_per_user") {
        None => Some(3.0),
        Some(serde_yaml::Value::Null) => None,
        Some(serde_yaml::Value::String(s)) if s == "unlimited" => None,
        Some(v) => limits::py_float(v),
    }
}

/// `-g=N`: administrators only; the GPU becomes an explicit, tracked device.
fn specific_gpu(alloc: &mut Allocator, index: &str) -> Result<GpuChoice, String> {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root && !identity::in_group("ds01-admin") {
        return Err(format!(
            "Requesting a specific GPU (-g={index}) is for administrators (group ds01-admin)"
        ));
    }
    if !alloc.state.available().iter().any(|f| f.slot == index) {
        return Err(format!(
            "GPU {index} is not free (see: gpu_allocator status)"
        ));
    }
    let uuid = match alloc.state.reader.inventory().by_slot(index) {
        Some(super::gpus::Device::Gpu(g)) => g.uuid.clone(),
        _ => return Err(format!("GPU {index} does not exist on this host")),
    };
    Ok(GpuChoice {
        grant: Grant {
            slots: vec![index.to_string()],
            uuids: vec![uuid],
            gpueq: 1.0,
            already: false,
        },
        multi: false,
        priority: String::new(),
    })
}

fn slice_exists(slice: &str) -> bool {
    std::path::Path::new("/etc/systemd/system")
        .join(slice)
        .exists()
        || std::path::Path::new("/run/systemd/system")
            .join(slice)
            .exists()
}

fn docker_down(log: &Log, user: &str) -> i32 {
    log.error("Docker daemon is not running or you don't have permission");
    log.info(&format!(
        "Try: sudo usermod -aG docker {user} (then logout/login)"
    ));
    1
}

fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Build AIME's create arguments, then dry-run or create.
fn finish(
    log: &Log,
    o: &Options,
    user: &str,
    sanitized: &str,
    tag: &str,
    resource_limits: &[String],
    gpu: Option<GpuChoice>,
) -> i32 {
    let limit = |key: &str| {
        resource_limits
            .iter()
            .find_map(|a| a.strip_prefix(&format!("--{key}=")))
            .map(str::to_string)
    };
    let mut mlc_args: Vec<String> = vec!["create".into(), o.name.clone()];
    mlc_args.push(o.framework.clone());
    if !o.version.is_empty() {
        mlc_args.push(o.version.clone());
    }
    mlc_args.extend(["-s".into(), "-w".into(), o.workspace.clone()]);
    if !o.data.is_empty() {
        mlc_args.extend(["-d".into(), o.data.clone()]);
    }
    if !o.image.is_empty() {
        mlc_args.extend(["--image".into(), o.image.clone()]);
        log.info(&format!("Using custom image: {}", o.image));
    }
    if let Some(g) = &gpu {
        mlc_args.push(format!("-g=device={}", g.grant.uuids.join(",")));
    }
    if let Some(shm) = limit("shm-size") {
        mlc_args.push(format!("--shm-size={shm}"));
        log.info(&format!("Setting shm-size: {shm}"));
    }
    if let Some(cg) = limit("cgroup-parent") {
        mlc_args.push(format!("--cgroup-parent={cg}"));
        log.info(&format!("Setting cgroup-parent: {cg}"));
    }
    let now = utc_now();
    let interface = std::env::var("DS01_CONTEXT")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "atomic".into());
    let mut labels = vec![
        "ds01.managed=true".to_string(),
        format!("ds01.interface={interface}"),
        format!("ds01.user={user}"),
        format!("ds01.user.sanitized={sanitized}"),
        format!("ds01.created_at={now}"),
    ];
    if let Some(g) = &gpu {
        let slots = g.grant.slots.join(",");
        labels.push(format!("ds01.gpu.allocated={slots}"));
        labels.push(format!("ds01.gpu.allocated_at={now}"));
        labels.push(format!("ds01.gpu.slots={slots}"));
        labels.push(format!("ds01.gpu.slot_count={}", g.grant.slots.len()));
        if g.multi {
            labels.push(format!("ds01.gpu.uuids={}", g.grant.uuids.join(",")));
        } else {
            labels.push(format!("ds01.gpu.uuid={}", g.grant.uuids[0]));
        }
        if !g.priority.is_empty() {
            labels.push(format!("ds01.gpu.priority={}", g.priority));
        }
    }
    for l in labels {
        mlc_args.extend(["--ds01-label".into(), l]);
    }
    let shown = mlc_args.join(" ");
    let allocator_shown = if gpu.as_ref().is_some_and(|g| !g.priority.is_empty()) {
        GPU_ALLOCATOR
    } else {
        ""
    };

    if o.dry_run {
        log.info("DRY RUN MODE - No containers will be created");
        log.line("");
        log.info("Would execute:");
        log.line(&format!("  python3 {MLC_PATCHED} {shown}"));
        log.line("");
        log.info("Would apply resource limits:");
        log.list(resource_limits);
        log.line("");
        log.info(&format!("Container would be named: {tag}"));
        return 0;
    }

    log.info("Creating container with mlc-patched.py (AIME v2)...");
    log.line("Logged: container.create_start");
    // Limits that DS01 applied by a later `docker update` are set at
    // creation instead (an update can be refused; a created container keeps
    // them).  The engine refuses more CPUs than the host has, as it refused
    // the original's update: that limit is left out and reported.
    let mut real_args = mlc_args.clone();
    if o.cpu_only {
        // No device request at all (the original's default was every GPU).
        real_args.push("-g=none".to_string());
    }
    let mut all_applied = true;
    for key in ["cpus", "memory", "memory-swap", "pids-limit"] {
        let Some(v) = limit(key) else { continue };
        if key == "cpus" && v.parse::<f64>().map_or(true, |c| c > host_cpus()) {
            all_applied = false;
            continue;
        }
        real_args.push(format!("--{key}={v}"));
    }
    let (code, output) = run_mlc(&real_args);
    if code != 0 {
        log.line("");
        log.error(&format!("Container creation failed (exit code: {code})"));
        log.line("");
        log.line("Logged: container.create_failed");
        log.line(&format!("{YELLOW}═══ Diagnostic Information ═══{NC}"));
        log.line("");
        if let Some(g) = &gpu {
            log.line(&format!("{BLUE}GPU Allocation:{NC}"));
            log.line(&format!("  Allocated GPU: {}", g.grant.slots.join(",")));
            let id = if g.multi {
                "unknown"
            } else {
                g.grant.uuids[0].as_str()
            };
            log.line(&format!("  Docker ID: {id}"));
            let p = if g.priority.is_empty() {
                "unknown"
            } else {
                &g.priority
            };
            log.line(&format!("  Priority: {p}"));
            log.line("");
        }
        log.line(&format!("{BLUE}Resource Limits:{NC}"));
        log.list(resource_limits);
        log.line("");
        log.line(&format!("{BLUE}Command Attempted:{NC}"));
        log.line(&format!("  python3 {MLC_PATCHED} {shown}"));
        log.line("");
        log.line(&format!("{BLUE}mlc-patched.py Output:{NC}"));
        let lines: Vec<&str> = output.lines().collect();
        if lines.is_empty() {
            log.line("  (no output captured)");
        }
        for l in &lines[lines.len().saturating_sub(30)..] {
            log.line(&format!("  {l}"));
        }
        log.line("");
        log.line(&format!("{YELLOW}═══ Troubleshooting Steps ═══{NC}"));
        log.line("");
        log.line("1. Check Docker daemon:\n   docker info\n");
        log.line(&format!(
            "2. Check GPU availability:\n   python3 {allocator_shown} status\n"
        ));
        log.line("3. Check GPU allocator logs:\n   tail -20 /var/log/ds01/gpu-allocations.log\n");
        log.line("4. Verify custom image exists (if using --image):");
        if o.image.is_empty() {
            log.line("   (not using custom image)");
        } else {
            log.line(&format!("   docker images | grep '{}'", o.image));
        }
        log.line("");
        log.line(&format!(
            "5. Check for Python import errors:\n   python3 {MLC_PATCHED} --help\n"
        ));
        if let Some(g) = &gpu {
            log.info(&format!(
                "Releasing allocated GPU {}...",
                g.grant.slots.join(",")
            ));
        }
        log.line("");
        return code;
    }
    log.info("Applying resource limits to container...");
    if all_applied {
        log.info("Resource limits applied successfully");
    } else {
        log.warning("Some resource limits could not be applied");
    }
    log.success(&format!("Container '{}' created successfully!", o.name));
    0
}

/// CPUs of this host (where the engine runs).
fn host_cpus() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        n as f64
    } else {
        1.0
    }
}

/// Our own `mlc create` in a child process (its output is shown only when
/// it fails, as the original captured `mlc-patched.py`'s).
fn run_mlc(args: &[String]) -> (i32, String) {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return (1, format!("cannot find the ds01 program: {e}")),
    };
    match Command::new(exe)
        .arg("mlc")
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            (out.status.code().unwrap_or(1), text)
        }
        Err(e) => (1, format!("cannot run mlc create: {e}")),
    }
}

/// DS01's friendly refusal boxes (`error-messages.sh::show_limit_error`),
/// chosen by what the refusal says; ends with the contact box.
pub fn limit_box(code: &str, user: &str) -> String {
    let title = |colour: &str, title: &str| {
        // The original's padding, one column short of the frame except
        // for the generic box.
        let width = if title == "Resource Allocation Failed" {
            60
        } else {
            59
        };
        format!(
            "{colour}╔══════════════════════════════════════════════════════════════╗{NC}\n\
             {colour}║{NC}  {BOLD}{title}{NC}{}{colour}║{NC}\n\
             {colour}╚══════════════════════════════════════════════════════════════╝{NC}\n\n",
            " ".repeat(width - title.chars().count().min(width))
        )
    };
    let numbers = || {
        let open = code.find('(')?;
        let inner = &code[open + 1..];
        let (a, b) = inner.split_once('/')?;
        let b = &b[..b.find(')')?];
        // Whole numbers as the original matched them; GPU-equivalents may
        // also be fractions (a MIG slice is 1/7 of a GPU).
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
        Some((
            digits(a).then(|| a.to_string()),
            digits(b).then(|| b.to_string()),
        ))
    };
    let mut out = String::from("\n");
    if code.contains("USER_AT_LIMIT") {
        let (c, m) = numbers().unwrap_or((None, None));
        out.push_str(&title(RED, "GPU Limit Reached"));
        out.push_str(&format!(
            "  You have {BOLD}{}{NC} GPU(s) allocated, which is your maximum of {BOLD}{}{NC}.\n\n",
            c.unwrap_or_default(),
            m.unwrap_or_default()
        ));
        out.push_str(&format!("  {BOLD}To free up a GPU:{NC}\n    1. View your containers:  container-list\n    2. Retire a container:    container-retire <name>\n\n"));
        out.push_str(&format!(
            "  {BOLD}Or run without GPU:{NC}\n    container-deploy <name> --no-gpu\n\n"
        ));
        out.push_str(&format!(
            "  Run {BLUE}check-limits{NC} to see your full resource status.\n\n"
        ));
    } else if code.contains("FULL_GPU_NOT_ALLOWED") {
        out.push_str(&title(YELLOW, "Full GPU Access Restricted"));
        out.push_str(
            "  Your account can only use MIG (GPU slice) instances,\n  not full GPUs.\n\n",
        );
        out.push_str(&format!("  {BOLD}MIG instances are sufficient for most workloads:{NC}\n    • Training small/medium models\n    • Fine-tuning pre-trained models\n    • Development and debugging\n\n"));
        out.push_str("  If you need full GPU access for large model training,\n  you can request researcher access.\n\n");
        out.push_str(&format!(
            "  Run {BLUE}check-limits{NC} to see your current permissions.\n\n"
        ));
    } else if code.contains("No GPUs available") || code.contains("all allocated") {
        out.push_str(&title(YELLOW, "No GPUs Currently Available"));
        out.push_str("  All GPUs are currently in use by other users.\n\n");
        out.push_str(&format!("  {BOLD}Options:{NC}\n    1. Wait a few minutes and try again\n    2. Run 'dashboard' to see current GPU usage\n    3. Start container without GPU:  container-deploy <name> --no-gpu\n"));
        out.push_str(&format!(
            "    4. {BLUE}Join notification queue:{NC}  gpu-queue add {user} <container> 1\n\n"
        ));
        out.push_str("  GPUs are usually freed within a few hours as jobs complete.\n  The queue will notify you when a GPU becomes available.\n\n");
    } else if code.contains("No MIG instances") || code.contains("only full GPUs") {
        out.push_str(&title(YELLOW, "No MIG Instances Available"));
        out.push_str("  All MIG (GPU slice) instances are currently in use.\n  Only full GPUs are free, but your account uses MIG only.\n\n");
        out.push_str(&format!("  {BOLD}Options:{NC}\n    1. Wait and try again (MIG slots free as containers stop)\n    2. Run 'dashboard' to see current usage\n    3. Start without GPU:  container-deploy <name> --no-gpu\n\n"));
    } else if code.contains("CONTAINER_LIMIT") {
        let (c, m) = numbers().unwrap_or((None, None));
        out.push_str(&title(YELLOW, "Container Limit Reached"));
        out.push_str(&format!(
            "  You have {BOLD}{}{NC} containers, which is your maximum of {BOLD}{}{NC}.\n\n",
            c.unwrap_or_else(|| "?".into()),
            m.unwrap_or_else(|| "?".into())
        ));
        out.push_str(&format!("  {BOLD}To create a new container:{NC}\n    1. View your containers:  container-list\n    2. Remove an old one:     container-retire <name>\n\n"));
    } else {
        out.push_str(&title(RED, "Resource Allocation Failed"));
        out.push_str(&format!("  Error: {code}\n\n"));
        out.push_str(&format!(
            "  Run {BLUE}check-limits{NC} to see your resource status.\n\n"
        ));
    }
    out.push_str(&contact_box());
    out.push('\n');
    out
}

fn contact_box() -> String {
    let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let lab = var("DS01_LAB_NAME", "Data Science Lab");
    let admin = var("DS01_ADMIN_NAME", "Henry Baker");
    let role = var("DS01_ADMIN_ROLE", "Research Engineer");
    let email = var("DS01_ADMIN_EMAIL", "h.baker@hertie-school.org");
    format!(
        "  {BLUE}╭──────────────────────────────────────────────────────────╮{NC}\n\
         \x20 {BLUE}│{NC}  {BOLD}Need more resources?{NC}                                    {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  You can discuss arranging larger quotas (ideally in     {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  advance) by contacting the {lab}.              {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}                                                          {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  Contact: {BOLD}{admin}{NC} ({role})              {BLUE}│{NC}\n\
         \x20 {BLUE}│{NC}  Email:   {BOLD}{email}{NC}                   {BLUE}│{NC}\n\
         \x20 {BLUE}╰──────────────────────────────────────────────────────────╯{NC}\n"
    )
}
