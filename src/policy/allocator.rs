//! The GPU/MIG allocator (DS01's `gpu_allocator_v2.py`, reference §8.4),
//! race-free.
//!
//! **What is taken** is derived on every call from the engine: a device is
//! held by every container, in any state, whose device request (or
//! `ds01.gpu.uuids` label) names it, until that container is removed.
//! There is no state file that could drift from the engine.
//!
//! **The one thing kept outside the engine is a short-lived reservation**,
//! because choosing a device and creating the container that holds it are
//! two steps.  Under one exclusive lock ([`Allocator::open`]) the allocator
//! reads the engine, decides, and writes a reservation for the chosen
//! devices; the lock is released and the caller creates the container.
//! Every later decision counts live reservations as held (and towards the
//! user's quotas), so two creates can never be handed the same device, yet
//! a slow create (an image pull) does not block everybody else's.  A
//! reservation ends as soon as any of these holds:
//! - a container of that name exists (the engine now says who holds what);
//! - the process that made it has exited (`mlc-create`: a killed create
//!   frees its devices at once);
//! - its time is up: `gpu_allocator allocate` cannot know when its caller
//!   creates the container, so its answer is reserved for
//!   `$DS01_RESERVATION_TTL` seconds (default 120).
//!
//! The lock, the reservations, the queue of waiters and a cache of each
//! container's (immutable) device requests live in `$DS01_STATE_DIR`
//! (default `/run/ds01`, a tmpfs: nothing outlives a reboot; made mode
//! 0777, not sticky, so that any user can replace the reservations file).
//! Waiters take the lock in turn, higher priority first.  A waiter gives
//! up after `$DS01_LOCK_TIMEOUT` seconds (default 60) and refuses; the
//! original gave up after 5 s and went on without any lock.

use super::gpu_state::{is_full_gpu, Container, Num, Reader};
use super::gpus::{Device, Inventory};
use super::limits::{py_float, Config, ConfigError, Limits, Setting};
use super::pyfmt::{self, format_g};
use super::sources::Sources;
use crate::model::time::parse_rfc3339;
use bollard::models::{ContainerSummary, ContainerSummaryStateEnum, DeviceRequest};
use serde_yaml::Value;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const LOCK_FILE: &str = "gpu-allocator.lock";
const RESERVATIONS_FILE: &str = "gpu-reservations";
pub const DEFAULT_PRIORITY: i64 = 10;
/// Allowance for float noise in quota sums (the original's epsilon).
const EPSILON: f64 = 1e-9;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Creates the state directory world-writable (every user of the server
/// allocates).  Not sticky: the reservations file is replaced by rename,
/// whoever wrote it last, which a sticky directory forbids.
fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o777));
    Ok(())
}

/// An exclusive `flock` on the allocator's lock file; released when
/// dropped, or by the kernel when the process dies.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Wait for the lock, in turn: waiters with a higher `priority` go
    /// first, equals in the order they came (see [`Queue`]).
    pub fn acquire(dir: &Path, priority: i64, timeout: Duration) -> Result<Lock, String> {
        let path = dir.join(LOCK_FILE);
        let cannot = |e: std::io::Error| format!("cannot open {}: {e}", path.display());
        ensure_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o666)
            .open(&path)
        {
            Ok(f) => {
                // umask may have narrowed the mode; every user must lock it.
                let _ = f.set_permissions(fs::Permissions::from_mode(0o666));
                f
            }
            // flock works on a read-only descriptor too.
            Err(_) => File::open(&path).map_err(cannot)?,
        };
        let queue = Queue::join(dir, priority)?;
        let start = Instant::now();
        loop {
            // Only the head of the queue tries the lock, and often; the
            // others look less often, to leave the CPU to the lock holder.
            let head = queue.is_head();
            if head {
                // SAFETY: flock on a descriptor this function owns.
                if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                    return Ok(Lock { _file: file });
                }
                let err = std::io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                    return Err(format!("cannot lock {}: {err}", path.display()));
                }
            }
            if start.elapsed() >= timeout {
                return Err(format!(
                    "LOCK_TIMEOUT (another allocation held {} for {}s)",
                    path.display(),
                    timeout.as_secs()
                ));
            }
            std::thread::sleep(if head {
                Duration::from_micros(250)
            } else {
                Duration::from_millis(5)
            });
        }
    }
}

/// The waiters for the lock: one empty file each in `<state>/queue`, named
/// so that the first in name order is served first:
/// `<999999 - priority>-<arrival ns>-<pid>-<pid start>`.  A waiter whose
/// process has died is skipped (and its file removed).  The file is removed
/// when the waiter gets the lock or gives up.
struct Queue {
    dir: PathBuf,
    name: String,
}

impl Queue {
    fn join(state: &Path, priority: i64) -> Result<Queue, String> {
        let dir = state.join("queue");
        ensure_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let pid = std::process::id();
        let arrival = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let rank = 999_999 - priority.clamp(0, 999_999);
        let name = format!(
            "{rank:06}-{arrival:020}-{pid}-{}",
            process_start(pid).unwrap_or(0)
        );
        File::create(dir.join(&name))
            .map_err(|e| format!("cannot queue in {}: {e}", dir.display()))?;
        Ok(Queue { dir, name })
    }

    /// Whether no live waiter is ahead of this one.
    fn is_head(&self) -> bool {
        loop {
            let Ok(entries) = fs::read_dir(&self.dir) else {
                return true;
            };
            let first = entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| *n < self.name)
                .min();
            let Some(first) = first else {
                return true;
            };
            let mut f = first.rsplitn(3, '-');
            let start: Option<u64> = f.next().and_then(|s| s.parse().ok());
            let pid: Option<u32> = f.next().and_then(|s| s.parse().ok());
            let alive = match (pid, start) {
                (Some(pid), Some(start)) => process_start(pid) == Some(start),
                _ => false,
            };
            if alive {
                return false;
            }
            if fs::remove_file(self.dir.join(&first)).is_err() {
                return true;
            }
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.dir.join(&self.name));
    }
}

/// Devices promised to a container that does not exist yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub container: String,
    pub user: String,
    /// Empty for a CPU-only create (it still counts as a container).
    pub uuids: Vec<String>,
    /// The creating process (0: none, the reservation lives until `expires`).
    pub pid: u32,
    /// That process's start time (`/proc/<pid>/stat` field 22), so a
    /// recycled pid does not keep the reservation alive.
    pub pid_start: u64,
    /// Unix time after which it is void.
    pub expires: u64,
}

impl Reservation {
    /// One held by this process, for as long as it lives (a day at most).
    pub fn for_this_process(container: &str, user: &str, uuids: Vec<String>) -> Reservation {
        let pid = std::process::id();
        Reservation {
            container: container.to_string(),
            user: user.to_string(),
            uuids,
            pid,
            pid_start: process_start(pid).unwrap_or(0),
            expires: now_secs() + 24 * 3600,
        }
    }

    /// One that lasts `ttl` (the settings' reservation lifetime).
    pub fn for_a_while(
        container: &str,
        user: &str,
        uuids: Vec<String>,
        ttl: Duration,
    ) -> Reservation {
        Reservation {
            container: container.to_string(),
            user: user.to_string(),
            uuids,
            pid: 0,
            pid_start: 0,
            expires: now_secs().saturating_add(ttl.as_secs()),
        }
    }

    fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            self.container,
            self.user,
            self.uuids.join(","),
            self.pid,
            self.pid_start,
            self.expires
        )
    }

    fn parse(line: &str) -> Option<Reservation> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 6 || f[0].is_empty() {
            return None;
        }
        Some(Reservation {
            container: f[0].to_string(),
            user: f[1].to_string(),
            uuids: f[2]
                .split(',')
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .collect(),
            pid: f[3].parse().ok()?,
            pid_start: f[4].parse().ok()?,
            expires: f[5].trim().parse().ok()?,
        })
    }

    fn is_live(&self, now: u64) -> bool {
        self.expires > now && (self.pid == 0 || process_start(self.pid) == Some(self.pid_start))
    }

    /// How the state reader sees it: a container of `user` holding the
    /// devices.
    fn as_container(&self) -> Container {
        let mut labels = HashMap::from([
            ("ds01.user".to_string(), self.user.clone()),
            ("ds01.managed".to_string(), "true".to_string()),
            ("ds01.reserved".to_string(), "true".to_string()),
        ]);
        if !self.uuids.is_empty() {
            labels.insert("ds01.gpu.uuids".to_string(), self.uuids.join(","));
        }
        Container {
            name: self.container.clone(),
            labels,
            status: "reserved".to_string(),
            ..Default::default()
        }
    }
}

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks).
fn process_start(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The reservations in `dir` that are still live now: not expired, and
/// their process (if any) still running.  This must be read *before* the
/// containers are listed: a create that finishes in between is then either
/// still reserved or already in the listing, never neither.
fn live_reservations(dir: &Path) -> Vec<Reservation> {
    let now = now_secs();
    fs::read_to_string(dir.join(RESERVATIONS_FILE))
        .map(|text| {
            text.lines()
                .filter_map(Reservation::parse)
                .filter(|r| r.is_live(now))
                .collect()
        })
        .unwrap_or_default()
}

fn write_reservations(dir: &Path, list: &[Reservation]) -> Result<(), String> {
    let path = dir.join(RESERVATIONS_FILE);
    let tmp = dir.join(format!("{RESERVATIONS_FILE}.{}", std::process::id()));
    let text: String = list.iter().map(Reservation::line).collect();
    let write = || -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o666)
            .open(&tmp)?;
        let _ = f.set_permissions(fs::Permissions::from_mode(0o666));
        f.write_all(text.as_bytes())?;
        fs::rename(&tmp, &path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

const DEVICE_CACHE_FILE: &str = "device-cache";

/// Every container with what the allocator needs of it, in one listing.
/// The listing lacks a container's device requests and cgroup parent; both
/// are fixed when the container is created, so they are inspected once per
/// container ID and remembered in `dir` (entries of removed containers are
/// dropped).  A decision then costs one engine request, not one per
/// container.
fn list_with_devices(
    engine: &crate::engine::Engine,
    dir: &Path,
) -> Result<Vec<Container>, crate::engine::EngineError> {
    let list = engine.list_containers(true, &[], false)?;
    let path = dir.join(DEVICE_CACHE_FILE);
    let mut cache: HashMap<String, (String, Vec<String>)> = fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (id, cgroup, ids) = (f.next()?, f.next()?, f.next()?);
            let ids = ids.split(',').filter(|u| !u.is_empty()).map(str::to_string);
            Some((id.to_string(), (cgroup.to_string(), ids.collect())))
        })
        .collect();
    let unknown: Vec<String> = list
        .iter()
        .filter_map(|c| c.id.clone())
        .filter(|id| !cache.contains_key(id))
        .collect();
    let fresh = !unknown.is_empty() || cache.len() != list.len();
    for c in engine.inspect_containers(&unknown)? {
        let host = c.host_config.unwrap_or_default();
        let ids = host
            .device_requests
            .unwrap_or_default()
            .first()
            .and_then(|r| r.device_ids.clone())
            .unwrap_or_default();
        if let Some(id) = c.id {
            cache.insert(id, (host.cgroup_parent.unwrap_or_default(), ids));
        }
    }
    let listed: HashSet<&str> = list.iter().filter_map(|c| c.id.as_deref()).collect();
    cache.retain(|id, _| listed.contains(id.as_str()));
    if fresh {
        let text: String = cache
            .iter()
            .map(|(id, (cgroup, ids))| format!("{id}\t{cgroup}\t{}\n", ids.join(",")))
            .collect();
        let tmp = dir.join(format!("{DEVICE_CACHE_FILE}.{}", std::process::id()));
        if fs::write(&tmp, text).is_ok() {
            let _ = fs::set_permissions(&tmp, fs::Permissions::from_mode(0o666));
            let _ = fs::rename(&tmp, &path);
        }
    }
    Ok(list
        .into_iter()
        .filter_map(|s| {
            let (cgroup, ids) = cache.get(s.id.as_deref()?)?.clone();
            Some(from_summary(s, cgroup, ids))
        })
        .collect())
}

fn from_summary(s: ContainerSummary, cgroup_parent: String, ids: Vec<String>) -> Container {
    let state = s.state.unwrap_or(ContainerSummaryStateEnum::EMPTY);
    let running = matches!(
        state,
        ContainerSummaryStateEnum::RUNNING
            | ContainerSummaryStateEnum::PAUSED
            | ContainerSummaryStateEnum::RESTARTING
    );
    Container {
        name: s
            .names
            .and_then(|n| n.into_iter().next())
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        labels: s.labels.unwrap_or_default(),
        cgroup_parent,
        device_requests: if ids.is_empty() {
            Vec::new()
        } else {
            vec![DeviceRequest {
                device_ids: Some(ids),
                ..Default::default()
            }]
        },
        running,
        status: state.to_string(),
        ..Default::default()
    }
}

/// What the engine and the live reservations say, read once.
pub struct State {
    pub reader: Reader,
    pub reservations: Vec<Reservation>,
    /// Containers that exist in the engine (not reservations).
    pub containers: Vec<Container>,
}

impl State {
    /// Read the engine, the inventory and the reservations.  An engine
    /// that does not answer is an error: an allocation decided on "no
    /// containers" would hand out devices that are taken.
    pub fn read(sources: &Sources) -> Result<State, String> {
        let fail = |e: crate::engine::EngineError| format!("cannot read the containers: {e}");
        State::read_with(sources, |containers| containers.map_err(fail))
    }

    /// For reports: an engine that does not answer reads as "no
    /// containers", as the original's failed `docker ps` did.  Same one
    /// listing as a decision, not an inspect per container.
    pub fn read_for_report(sources: &Sources) -> State {
        let read = State::read_with(sources, |containers| {
            Ok::<_, std::convert::Infallible>(containers.unwrap_or_default())
        });
        match read {
            Ok(state) => state,
            Err(never) => match never {},
        }
    }

    /// Reservations first, then the containers (see [`live_reservations`]),
    /// then the inventory; `on_engine` decides what an unreadable engine
    /// means.
    fn read_with<E>(
        sources: &Sources,
        on_engine: impl FnOnce(
            Result<Vec<Container>, crate::engine::EngineError>,
        ) -> Result<Vec<Container>, E>,
    ) -> Result<State, E> {
        let dir = &sources.state_dir;
        let reservations = live_reservations(dir);
        let containers = sources
            .engine
            .clone()
            .and_then(|engine| list_with_devices(&engine, dir));
        let containers = on_engine(containers)?;
        let mut base = Reader::new(sources.clone());
        let inventory = base.inventory().clone();
        let per_gpu = base.slots_per_gpu();
        let mut state = State::with(containers, inventory, per_gpu, reservations);
        state.reader.share_notes(sources.notes.clone());
        Ok(state)
    }

    /// A state over given parts (tests, benchmarks): `reservations` must
    /// be live ones, read before `containers` were listed; those whose
    /// container exists are dropped (the engine now says what it holds).
    pub fn with(
        containers: Vec<Container>,
        inventory: Inventory,
        per_gpu: Num,
        reservations: Vec<Reservation>,
    ) -> State {
        let existing: HashSet<&str> = containers.iter().map(|c| c.name.as_str()).collect();
        let reservations: Vec<Reservation> = reservations
            .into_iter()
            .filter(|r| !existing.contains(r.container.as_str()))
            .collect();
        let mut all = containers.clone();
        all.extend(reservations.iter().map(Reservation::as_container));
        State {
            reader: Reader::with(all, inventory, per_gpu),
            reservations,
            containers,
        }
    }

    /// Every slot some container (tracked or not) or reservation holds.
    pub fn held_slots(&mut self) -> HashSet<String> {
        let all = self.reader.containers().to_vec();
        all.iter()
            .filter_map(|c| self.reader.gpu_info(c))
            .flat_map(|i| i.slots)
            .collect()
    }

    /// Free slots with their profile and UUID, in slot order: MIG devices,
    /// and whole GPUs that are not in MIG mode.  A GPU in MIG mode without
    /// instances is unusable and skipped with a warning (on stderr).
    pub fn available(&mut self) -> Vec<FreeSlot> {
        let held = self.held_slots();
        let inventory = self.reader.inventory().clone();
        let mut out = Vec::new();
        for m in &inventory.migs {
            if !held.contains(&m.slot()) {
                out.push(FreeSlot {
                    slot: m.slot(),
                    profile: m.profile.clone(),
                    uuid: m.uuid.clone(),
                    gpueq: m.compute_fraction(),
                });
            }
        }
        for g in &inventory.gpus {
            if inventory.migs_of(g.index).next().is_some() || held.contains(&g.slot()) {
                continue;
            }
            if g.mig_mode {
                self.reader.note(format!(
                    "Warning: GPU {} has MIG enabled but no instances — unusable until instances are created or MIG is disabled",
                    g.index
                ));
                continue;
            }
            out.push(FreeSlot {
                slot: g.slot(),
                profile: "full-gpu".to_string(),
                uuid: g.uuid.clone(),
                gpueq: 1.0,
            });
        }
        out.sort_by(|a, b| a.slot.cmp(&b.slot));
        out
    }

    /// All allocatable slots (MIG devices, whole GPUs not in MIG mode).
    pub fn total_slots(&mut self) -> Vec<String> {
        self.reader
            .inventory()
            .slots()
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }

    /// `(total slots, slots taken, utilization %)`, as `status` and
    /// `summary` print them.
    pub fn utilization(&mut self) -> (usize, usize, f64) {
        let total = self.total_slots();
        let held = self.held_slots();
        let taken = total.iter().filter(|s| held.contains(*s)).count();
        let percent = if total.is_empty() {
            0.0
        } else {
            taken as f64 / total.len() as f64 * 100.0
        };
        (total.len(), taken, percent)
    }

    /// The GPU-holding containers of `user` (reservations included).
    pub fn user_container_count(&mut self, user: &str) -> usize {
        self.reader.user_allocations(user).len()
    }

    /// The user's containers of any kind, reservations included.
    pub fn user_containers(&mut self, user: &str) -> usize {
        let all = self.reader.containers().to_vec();
        all.iter()
            .filter(|c| c.label("ds01.user") == user || c.label("aime.mlc.USER") == user)
            .count()
    }

    /// GPU-equivalents of a slot: 1.0 for a whole GPU, a MIG device's
    /// compute fraction.
    pub fn slot_gpueq(&mut self, slot: &str) -> f64 {
        if is_full_gpu(slot) {
            return 1.0;
        }
        match self.reader.inventory().by_slot(slot) {
            Some(Device::Mig(m)) => m.compute_fraction(),
            _ => 0.0,
        }
    }

    /// `suggest_gpu_for_user`: the first free slot the user may have
    /// (MIG devices first unless whole GPUs are allowed), skipping
    /// `exclude`; or why there is none.
    pub fn suggest(&mut self, allow_full: bool, exclude: &[String]) -> Result<FreeSlot, String> {
        let available: Vec<FreeSlot> = self
            .available()
            .into_iter()
            .filter(|f| !exclude.contains(&f.slot))
            .collect();
        if available.is_empty() {
            return Err("No GPUs available (all allocated)".to_string());
        }
        let mut allowed: Vec<FreeSlot> = available
            .into_iter()
            .filter(|f| allow_full || !is_full_gpu(&f.slot))
            .collect();
        if allowed.is_empty() {
            return Err(if allow_full {
                "No GPUs available matching criteria"
            } else {
                "No MIG instances available (only full GPUs free, user not permitted)"
            }
            .to_string());
        }
        allowed.sort_by(|a, b| {
            let key = |f: &FreeSlot| {
                let mig = !is_full_gpu(&f.slot);
                (if allow_full { mig } else { !mig }, f.slot.clone())
            };
            key(a).cmp(&key(b))
        });
        Ok(allowed.swap_remove(0))
    }
}

/// A free slot.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeSlot {
    pub slot: String,
    pub profile: String,
    pub uuid: String,
    pub gpueq: f64,
}

/// Devices handed to a container.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub slots: Vec<String>,
    pub uuids: Vec<String>,
    pub gpueq: f64,
    /// The container already held them (nothing new was reserved).
    pub already: bool,
}

/// The limits that bound a user's GPU allocations.
pub struct Quota {
    pub max_gpueq: f64,
    pub per_container: i64,
    pub aggregate: Option<f64>,
    pub allow_full: bool,
}

impl Quota {
    pub fn of(config: &Config, limits: &Limits, user: &str) -> Result<Quota, ConfigError> {
        let per_container = match limits.max_slots_per_container() {
            Setting::Unset => 1,
            Setting::Unlimited => 999,
            Setting::Set(v) => py_float(v).map_or(1, |f| f as i64),
        };
        let aggregate = match config.aggregate(user) {
            Value::Mapping(m) => m.get("gpu_limit").and_then(|v| match v {
                Value::String(s) if s == "unlimited" => None,
                v => py_float(v),
            }),
            _ => None,
        };
        Ok(Quota {
            max_gpueq: limits.max_gpu_equivalents(user)?.unwrap_or(999.0),
            per_container,
            aggregate,
            allow_full: limits.allow_full_gpu(),
        })
    }
}

/// The allocator: the lock, and the state read under it.
pub struct Allocator {
    sources: Sources,
    _lock: Lock,
    pub state: State,
    config: std::rc::Rc<Config>,
    /// When the lock was asked for, taken, and the state read (bench/alloc).
    timing: [Instant; 3],
}

/// With the settings' `alloc_timing`, each allocation notes how long it
/// waited for the lock, read the engine, and decided (bench/alloc reads it
/// on stderr).
impl Drop for Allocator {
    fn drop(&mut self) {
        if !self.sources.alloc_timing {
            return;
        }
        let [asked, locked, read] = self.timing;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        self.sources.notes.borrow_mut().push(format!(
            "ds01-alloc-timing wait_ms={:.3} read_ms={:.3} decide_ms={:.3}",
            ms(locked - asked),
            ms(read - locked),
            ms(read.elapsed())
        ));
    }
}

impl Allocator {
    /// Take the lock (in turn by `priority`: higher first), then read the
    /// engine.
    pub fn open(
        sources: &Sources,
        config: std::rc::Rc<Config>,
        priority: i64,
    ) -> Result<Allocator, String> {
        let asked = Instant::now();
        let lock = Lock::acquire(&sources.state_dir, priority, sources.lock_timeout)?;
        let locked = Instant::now();
        let state = State::read(sources)?;
        Ok(Allocator {
            sources: sources.clone(),
            _lock: lock,
            state,
            config,
            timing: [asked, locked, Instant::now()],
        })
    }

    /// A reservation that lasts the settings' lifetime.
    pub fn reservation_for_a_while(
        &self,
        container: &str,
        user: &str,
        uuids: Vec<String>,
    ) -> Reservation {
        Reservation::for_a_while(container, user, uuids, self.sources.reservation_ttl)
    }

    /// A user's allocation priority (`priority`, default 10; higher is
    /// served first when allocations queue for the lock).
    pub fn priority_of(config: &Config, user: &str) -> i64 {
        config
            .limits(user)
            .get("priority")
            .and_then(py_float)
            .map_or(DEFAULT_PRIORITY, |p| p as i64)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn quota(&self, user: &str) -> Result<Quota, String> {
        let limits = self.config.limits(user);
        Quota::of(&self.config, &limits, user).map_err(|e| e.to_string())
    }

    /// The devices `container` holds already (engine or reservation).
    pub fn holding(&mut self, container: &str) -> Option<Grant> {
        let info = self.state.reader.container_gpu(container)?;
        let gpueq = info.slots.iter().map(|s| self.state.slot_gpueq(s)).sum();
        Some(Grant {
            slots: info.slots,
            uuids: info.uuids,
            gpueq,
            already: true,
        })
    }

    /// The quota layers for adding `weight` gpueq to `user`: the group's
    /// aggregate limit, then the user's own.
    fn check_quota(&mut self, user: &str, quota: &Quota, weight: f64) -> Result<(), String> {
        let current = self.state.reader.user_gpu_equivalents(user);
        if let Some(limit) = quota.aggregate {
            if current + weight > limit + EPSILON {
                return Err(format!(
                    "AGGREGATE_GPU_QUOTA_EXCEEDED ({}+{}>{})",
                    format_g(current),
                    format_g(weight),
                    format_g(limit)
                ));
            }
        }
        if current + weight > quota.max_gpueq + EPSILON {
            return Err(format!(
                "USER_AT_LIMIT ({}/{})",
                format_g(current),
                format_g(quota.max_gpueq)
            ));
        }
        Ok(())
    }

    /// Pick `n` slots for `user`, or say why not.  Quotas are checked
    /// against the real weight of the slots picked (a MIG device counts
    /// its compute fraction).
    fn pick(&mut self, user: &str, quota: &Quota, n: usize) -> Result<Vec<FreeSlot>, String> {
        let mut picked: Vec<FreeSlot> = Vec::new();
        let mut shortage = None;
        for _ in 0..n {
            let exclude: Vec<String> = picked.iter().map(|f| f.slot.clone()).collect();
            match self.state.suggest(quota.allow_full, &exclude) {
                Ok(f) => picked.push(f),
                Err(e) => {
                    shortage = Some(e);
                    break;
                }
            }
        }
        let weight = if shortage.is_some() {
            n as f64
        } else {
            picked.iter().map(|f| f.gpueq).sum()
        };
        self.check_quota(user, quota, weight)?;
        match shortage {
            Some(e) => Err(e),
            None if picked.is_empty() => Err("NO_GPU_AVAILABLE".to_string()),
            None => Ok(picked),
        }
    }

    /// `allocate`: one slot for `container`.  `max_gpus` (the CLI's)
    /// overrides the configured gpueq quota.
    pub fn allocate(
        &mut self,
        user: &str,
        container: &str,
        max_gpus: Option<f64>,
    ) -> Result<Grant, String> {
        if let Some(g) = self.holding(container) {
            return Ok(g);
        }
        let mut quota = self.quota(user)?;
        if let Some(m) = max_gpus {
            quota.max_gpueq = m;
        }
        let picked = self.pick(user, &quota, 1)?;
        Ok(grant(picked))
    }

    /// `allocate-multi`: `n` slots for one container, at most the
    /// per-container cap.  One self-heal: stale containers of the user are
    /// released and the quotas checked again.
    pub fn allocate_multi(&mut self, user: &str, container: &str, n: i64) -> Result<Grant, String> {
        if let Some(g) = self.holding(container) {
            return Ok(g);
        }
        let quota = self.quota(user)?;
        if n > quota.per_container {
            return Err(format!(
                "EXCEEDS_CONTAINER_LIMIT ({n}>{})",
                quota.per_container
            ));
        }
        let n = n.max(0) as usize;
        match self.pick(user, &quota, n) {
            Err(e) if is_quota(&e) && !self.release_stale(Some(user)).is_empty() => {
                self.refresh()?;
                self.pick(user, &quota, n).map(grant)
            }
            other => other.map(grant),
        }
    }

    /// `allocate-external`: one slot for a container made outside DS01's
    /// commands.  Quota refusals start with `QUOTA_EXCEEDED` (the docker
    /// wrapper's contract: do not retry).
    pub fn allocate_external(&mut self, user: &str) -> Result<Grant, String> {
        let quota = self.quota(user)?;
        let attempt = |a: &mut Allocator| {
            a.pick(user, &quota, 1).map(grant).map_err(|e| {
                if is_quota(&e) {
                    format!("QUOTA_EXCEEDED:{e}")
                } else {
                    e
                }
            })
        };
        match attempt(self) {
            Err(e)
                if e.starts_with("QUOTA_EXCEEDED")
                    && !self.release_stale(Some(user)).is_empty() =>
            {
                self.refresh()?;
                attempt(self)
            }
            other => other,
        }
    }

    /// Record `r`, replacing any reservation for the same container.
    pub fn reserve(&mut self, r: Reservation) -> Result<(), String> {
        let mut list: Vec<Reservation> = self
            .state
            .reservations
            .iter()
            .filter(|x| x.container != r.container)
            .cloned()
            .collect();
        list.push(r);
        write_reservations(&self.sources.state_dir, &list)?;
        self.refresh_with(list);
        Ok(())
    }

    /// Drop the reservation of `container`; returns it when there was one.
    pub fn unreserve(&mut self, container: &str) -> Result<Option<Reservation>, String> {
        let found = self
            .state
            .reservations
            .iter()
            .find(|r| r.container == container)
            .cloned();
        if found.is_some() {
            let list: Vec<Reservation> = self
                .state
                .reservations
                .iter()
                .filter(|r| r.container != container)
                .cloned()
                .collect();
            write_reservations(&self.sources.state_dir, &list)?;
            self.refresh_with(list);
        }
        Ok(found)
    }

    fn refresh(&mut self) -> Result<(), String> {
        self.state = State::read(&self.sources)?;
        Ok(())
    }

    fn refresh_with(&mut self, reservations: Vec<Reservation>) {
        let containers = std::mem::take(&mut self.state.containers);
        let inventory = self.state.reader.inventory().clone();
        let per_gpu = self.state.reader.slots_per_gpu();
        self.state = State::with(containers, inventory, per_gpu, reservations);
        self.state.reader.share_notes(self.sources.notes.clone());
    }

    /// `release-stale`: remove stopped GPU-holding containers whose hold is
    /// over (of `user`, or of everybody); returns `(container, reason)`.
    /// A container that never ran is stale only once it is older than
    /// `policies.created_container_timeout_m` (default 30 minutes): the
    /// original removed a create that was seconds old.
    pub fn release_stale(&mut self, user: Option<&str>) -> Vec<(String, String)> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let created_timeout_m = self
            .config
            .section("policies")
            .get("created_container_timeout_m")
            .and_then(py_float)
            .unwrap_or(30.0);
        let mut removed = Vec::new();
        let Ok(engine) = self.sources.engine.clone() else {
            return removed;
        };
        for listed in self.state.containers.clone() {
            if listed.running
                || !listed.is_tracked()
                || self.state.reader.gpu_info(&listed).is_none()
            {
                continue;
            }
            let owner = listed.owner();
            if user.is_some_and(|u| u != owner) {
                continue;
            }
            // The listing has no timestamps; this container's inspect does.
            let Ok(c) = engine.inspect_container(&listed.name) else {
                continue;
            };
            let c = Container::from_inspect(c);
            if c.running {
                continue;
            }
            let finished = parse_rfc3339(&c.finished_at).filter(|t| *t > 0.0);
            let interface = c.interface();
            let reason = match finished {
                None => {
                    let age = parse_rfc3339(&c.created).map_or(0.0, |t| now - t);
                    if age <= created_timeout_m * 60.0 {
                        continue;
                    }
                    "Invalid FinishedAt - stale allocation".to_string()
                }
                Some(_) if interface == "orchestration" || interface == "api" => {
                    format!("{interface} interface - binary state (stopped→removed)")
                }
                Some(t) => {
                    let limits = self.config.limits(&owner);
                    let Some(hold) = limits
                        .get("gpu_hold_after_stop_h")
                        .and_then(parse_duration_s)
                    else {
                        continue;
                    };
                    let elapsed = now - t;
                    if elapsed <= hold {
                        continue;
                    }
                    format!("Timeout exceeded ({elapsed:.0}s > {hold:.0}s)")
                }
            };
            if engine.remove_container_force(&c.name).is_ok() {
                removed.push((c.name.clone(), reason));
            }
        }
        removed
    }
}

fn is_quota(reason: &str) -> bool {
    reason.starts_with("USER_AT_LIMIT") || reason.starts_with("AGGREGATE_GPU_QUOTA_EXCEEDED")
}

fn grant(picked: Vec<FreeSlot>) -> Grant {
    Grant {
        gpueq: picked.iter().map(|f| f.gpueq).sum(),
        slots: picked.iter().map(|f| f.slot.clone()).collect(),
        uuids: picked.into_iter().map(|f| f.uuid).collect(),
        already: false,
    }
}

/// `0.5`, `"0.5h"`, `"30m"`, `"1d"` → seconds (hours when no unit);
/// `null`/`indefinite` → None.
fn parse_duration_s(v: &Value) -> Option<f64> {
    let text = pyfmt::str_of(v).trim().to_lowercase();
    if matches!(v, Value::Null) || text.is_empty() || text == "null" || text == "indefinite" {
        return None;
    }
    let number: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit() && *c != '.')
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let value: f64 = number.parse().ok()?;
    let unit = if text.contains('h') {
        3600.0
    } else if text.contains('d') {
        86400.0
    } else if text.contains('m') {
        60.0
    } else {
        3600.0
    };
    Some(value * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory() -> Inventory {
        Inventory::parse_list(
            "GPU 0: A100 (UUID: GPU-0)\n\
             GPU 1: A100 (UUID: GPU-1)\n\
             GPU 2: A100 (UUID: GPU-2)\n\
             \x20 MIG 3g.20gb Device 0: (UUID: MIG-20)\n\
             \x20 MIG 3g.20gb Device 1: (UUID: MIG-21)\n",
        )
    }

    fn holder(name: &str, user: &str, uuids: &str) -> Container {
        Container {
            name: name.to_string(),
            labels: HashMap::from([
                ("ds01.user".to_string(), user.to_string()),
                ("ds01.gpu.uuids".to_string(), uuids.to_string()),
            ]),
            status: "created".to_string(),
            ..Default::default()
        }
    }

    #[test]
    fn held_devices_are_not_offered() {
        let mut s = State::with(
            vec![holder("a._.1", "alice", "GPU-0")],
            inventory(),
            Num::Int(1),
            vec![Reservation::for_a_while(
                "b._.2",
                "bob",
                vec!["MIG-20".into()],
                Duration::from_secs(120),
            )],
        );
        let free: Vec<String> = s.available().into_iter().map(|f| f.slot).collect();
        assert_eq!(free, ["1", "2.1"]);
        assert_eq!(s.suggest(false, &[]).map(|f| f.slot), Ok("2.1".to_string()));
        assert_eq!(s.suggest(true, &[]).map(|f| f.slot), Ok("1".to_string()));
        assert_eq!(s.user_container_count("bob"), 1);
    }

    #[test]
    fn reservations_end_with_their_container_or_time() {
        let mut expired =
            Reservation::for_a_while("x", "u", vec!["GPU-1".into()], Duration::from_secs(120));
        expired.expires = 1;
        let made =
            Reservation::for_a_while("a._.1", "u", vec!["GPU-1".into()], Duration::from_secs(120));
        let mut dead = Reservation::for_this_process("y", "u", vec!["GPU-1".into()]);
        dead.pid_start += 1;
        let now = now_secs();
        assert!(!expired.is_live(now) && !dead.is_live(now) && made.is_live(now));
        let s = State::with(
            vec![holder("a._.1", "alice", "GPU-0")],
            inventory(),
            Num::Int(1),
            vec![made],
        );
        assert!(s.reservations.is_empty());
        let live = Reservation::for_this_process("z", "u", vec![]);
        assert_eq!(Reservation::parse(&live.line()), Some(live));
    }

    #[test]
    fn only_mig_left_for_students() {
        let mut s = State::with(
            vec![holder("a", "x", "MIG-20,MIG-21")],
            inventory(),
            Num::Int(1),
            vec![],
        );
        assert_eq!(
            s.suggest(false, &[]),
            Err("No MIG instances available (only full GPUs free, user not permitted)".into())
        );
        assert_eq!(
            s.suggest(true, &["0".into(), "1".into()]),
            Err("No GPUs available (all allocated)".into())
        );
    }

    #[test]
    fn higher_priority_waits_ahead() {
        let dir = std::env::temp_dir().join(format!("ds01-queue-{}", std::process::id()));
        let me = Queue::join(&dir, 10).expect("queue");
        assert!(me.is_head());
        let pid = std::process::id();
        let start = process_start(pid).unwrap_or(0);
        // A live waiter of priority 20 that came later still goes first.
        let urgent = format!("{:06}-{:020}-{pid}-{start}", 999_999 - 20, u128::MAX / 2);
        File::create(dir.join("queue").join(&urgent)).expect("waiter");
        assert!(!me.is_head());
        // A dead one is skipped, and its place cleared.
        fs::remove_file(dir.join("queue").join(&urgent)).expect("remove");
        let dead = format!("{:06}-{:020}-{pid}-{}", 0, 0, start + 1);
        File::create(dir.join("queue").join(&dead)).expect("waiter");
        assert!(me.is_head());
        assert!(!dir.join("queue").join(&dead).exists());
        drop(me);
        let lock = Lock::acquire(&dir, 10, Duration::from_secs(60)).expect("lock");
        drop(lock);
        assert_eq!(
            fs::read_dir(dir.join("queue")).map(|d| d.count()).ok(),
            Some(0)
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn timestamps_and_durations() {
        assert_eq!(parse_rfc3339("1970-01-02T00:00:01Z"), Some(86401.0));
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(
            parse_rfc3339("2026-11-28T12:49:57.5+01:00"),
            Some(1_795_870_197.5 - 3600.0)
        );
        assert_eq!(parse_duration_s(&Value::from(0.25)), Some(900.0));
        assert_eq!(parse_duration_s(&Value::from("30m")), Some(1800.0));
        assert_eq!(parse_duration_s(&Value::Null), None);
    }
}
