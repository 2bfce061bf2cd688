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
//! The lock, the reservations and the queue of waiters live in the state
//! directory (default `/run/ds01`, a tmpfs: nothing outlives a reboot),
//! which every user can write in and nobody trusts: see
//! [`super::state_dir`] (root-owned, sticky, no path followed),
//! [`super::reservations`] (one entry per reservation, owned by its user,
//! counted against that user's own quota) and [`super::lock`] (waiters
//! take the lock in turn, higher priority first; forged waiters are passed
//! over).  A waiter gives up after the settings' lock timeout (default
//! 60 s) and refuses; the original gave up after 5 s and went on without
//! any lock.  Which devices a container holds comes from one container
//! listing (DS01's containers carry them in labels); only containers made
//! by other tools are inspected.

use super::gpu_state::{is_full_gpu, read_containers, Container, Num, Reader};
use super::gpus::{Device, Inventory};
use super::limits::{py_float, Config, ConfigError, Limits, Setting};
use super::lock::Lock;
use super::pyfmt::{self, format_g};
use super::reservations;
pub use super::reservations::Reservation;
use super::sources::Sources;
use super::state_dir::StateDir;
use crate::model::labels;
use crate::model::time::parse_rfc3339;
use serde_yaml::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const DEFAULT_PRIORITY: i64 = 10;
/// Allowance for float noise in quota sums (the original's epsilon).
const EPSILON: f64 = 1e-9;

/// The priority `uid`'s user may claim (their configured one).
fn priority_of_uid(config: &Config, uid: u32) -> i64 {
    let name = crate::identity::user_by_uid(uid).map_or_else(|| uid.to_string(), |e| e.name);
    Allocator::priority_of(config, &name)
}

/// The GPU-equivalents of device `uuid` (a MIG slice its compute fraction).
fn uuid_gpueq(inventory: &Inventory, uuid: &str) -> f64 {
    match inventory.by_uuid(uuid) {
        Some(Device::Mig(m)) => m.compute_fraction(),
        _ => 1.0,
    }
}

/// The reservations that fit their owners' quotas, oldest first.  A user
/// can write reservation entries by hand; those beyond what the user's
/// own GPU-equivalent quota allows (counting the containers they hold)
/// are not counted, so forged entries cannot take devices from others.
fn within_quota(
    mut list: Vec<Reservation>,
    containers: &[Container],
    config: &Config,
    inventory: &Inventory,
) -> Vec<Reservation> {
    // A reservation whose container exists is over: the container counts.
    let existing: HashSet<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    list.retain(|r| !existing.contains(r.container.as_str()));
    list.sort_by(|a, b| a.entry.cmp(&b.entry));
    let mut used: HashMap<String, f64> = HashMap::new();
    for c in containers {
        let held: f64 = c
            .device_ids()
            .iter()
            .map(|u| uuid_gpueq(inventory, u))
            .sum();
        *used.entry(c.owner()).or_default() += held;
    }
    list.into_iter()
        .filter(|r| {
            let quota = match config.limits(&r.user).max_gpu_equivalents(&r.user) {
                Ok(Some(q)) if q.is_finite() => q,
                Ok(_) => f64::INFINITY,
                Err(_) => 0.0,
            };
            let weight: f64 = r.uuids.iter().map(|u| uuid_gpueq(inventory, u)).sum();
            let total = used.entry(r.user.clone()).or_default();
            let fits = *total + weight <= quota + EPSILON;
            if fits {
                *total += weight;
            }
            fits
        })
        .collect()
}

/// How the state reader sees a reservation: a container of its user
/// holding the devices.
fn reserved_container(r: &Reservation) -> Container {
    let mut labels = HashMap::from([
        (labels::USER.to_string(), r.user.clone()),
        (labels::MANAGED.to_string(), "true".to_string()),
        (labels::RESERVED.to_string(), "true".to_string()),
    ]);
    if !r.uuids.is_empty() {
        labels.insert(labels::GPU_UUIDS.to_string(), r.uuids.join(","));
    }
    Container {
        name: r.container.clone(),
        labels,
        status: "reserved".to_string(),
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
    /// Read the reservations, the engine and the inventory.  Whatever
    /// cannot be read is an error: a decision (or a report) made on "no
    /// containers" or "no reservations" would hand out, or show as free,
    /// devices that are taken.
    pub fn read(sources: &Sources) -> Result<State, String> {
        let state_dir = StateDir::open(&sources.state_dir, sources.private_state)?;
        State::read_in(sources, Some(&state_dir))
    }

    /// For reports, which change nothing: a state directory that was never
    /// made holds no reservations.
    pub fn read_for_report(sources: &Sources) -> Result<State, String> {
        match StateDir::open(&sources.state_dir, false) {
            Ok(dir) => State::read_in(sources, Some(&dir)),
            Err(_) if !sources.state_dir.exists() => State::read_in(sources, None),
            Err(e) => Err(e),
        }
    }

    /// Reservations first, then the containers (a create that finishes in
    /// between is then either still reserved or already listed, never
    /// neither), then the inventory.
    fn read_in(sources: &Sources, state_dir: Option<&StateDir>) -> Result<State, String> {
        let reservations = match state_dir {
            Some(dir) => {
                reservations::read_live(&reservations::directory(dir)?, sources.reservation_ttl)?
            }
            None => Vec::new(),
        };
        let engine = sources.engine.clone().map_err(|e| e.to_string())?;
        let containers = read_containers(&engine).map_err(|e| e.to_string())?;
        let mut base = Reader::new(sources.clone());
        let inventory = base.inventory().clone();
        let per_gpu = base.slots_per_gpu();
        let reservations = match &sources.config {
            Ok(config) => within_quota(reservations, &containers, config, &inventory),
            Err(_) => reservations,
        };
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
        all.extend(reservations.iter().map(reserved_container));
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
    /// The state directory, opened and checked once.
    state_dir: StateDir,
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
        let state_dir = StateDir::open(&sources.state_dir, sources.private_state)?;
        let allowed = |uid: u32| priority_of_uid(&config, uid);
        let lock = Lock::acquire(&state_dir, priority, sources.lock_timeout, &allowed)?;
        let locked = Instant::now();
        let state = State::read_in(sources, Some(&state_dir))?;
        Ok(Allocator {
            sources: sources.clone(),
            state_dir,
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

    /// `max_containers_per_user` (default 3; null or `unlimited`: none):
    /// the refusal `CONTAINER_LIMIT (n/m)` when `user` has that many
    /// containers and reservations already.
    pub fn check_container_quota(&mut self, user: &str) -> Result<(), String> {
        let max = match self.config.limits(user).get("max_containers_per_user") {
            None => Some(3.0),
            Some(Value::Null) => None,
            Some(Value::String(s)) if s == "unlimited" => None,
            Some(v) => py_float(v),
        };
        let Some(max) = max else {
            return Ok(());
        };
        let current = self.state.user_containers(user);
        if current as f64 >= max {
            return Err(format!(
                "CONTAINER_LIMIT ({current}/{})",
                super::limits::format_gpueq(max)
            ));
        }
        Ok(())
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
    pub fn reserve(&mut self, mut r: Reservation) -> Result<(), String> {
        let dir = reservations::directory(&self.state_dir)?;
        let ttl = self.sources.reservation_ttl;
        reservations::remove_own(&dir, &r.container, ttl)?;
        r.entry = reservations::write(&dir, &r)?;
        let mut list: Vec<Reservation> = self
            .state
            .reservations
            .iter()
            .filter(|x| x.container != r.container)
            .cloned()
            .collect();
        list.push(r);
        self.refresh_with(list);
        Ok(())
    }

    /// Drop this user's reservation of `container` (root: anybody's);
    /// returns it when there was one.
    pub fn unreserve(&mut self, container: &str) -> Result<Option<Reservation>, String> {
        let dir = reservations::directory(&self.state_dir)?;
        let removed = reservations::remove_own(&dir, container, self.sources.reservation_ttl)?;
        let Some(found) = removed.into_iter().next() else {
            return Ok(None);
        };
        let list: Vec<Reservation> = self
            .state
            .reservations
            .iter()
            .filter(|r| r.container != container || r.uid != found.uid)
            .cloned()
            .collect();
        self.refresh_with(list);
        Ok(Some(found))
    }

    fn refresh(&mut self) -> Result<(), String> {
        self.state = State::read_in(&self.sources, Some(&self.state_dir))?;
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
    fn reservations_end_with_their_container() {
        let made =
            Reservation::for_a_while("a._.1", "u", vec!["GPU-1".into()], Duration::from_secs(120));
        let s = State::with(
            vec![holder("a._.1", "alice", "GPU-0")],
            inventory(),
            Num::Int(1),
            vec![made],
        );
        assert!(s.reservations.is_empty());
    }

    #[test]
    fn forged_reservations_count_only_within_their_owners_quota() {
        let dir = std::env::temp_dir().join(format!("ds01-quota-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join("resource-limits.yaml"),
            "defaults:\n  max_gpu_equivalents: 1\ndefault_group: student\ngroups:\n  student: {}\n",
        )
        .expect("yaml");
        let config = Config::load_from(&dir).expect("config");
        let ttl = Duration::from_secs(120);
        let forged: Vec<Reservation> = ["GPU-1", "GPU-2"]
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let mut r =
                    Reservation::for_a_while(&format!("f{i}"), "mallory", vec![u.to_string()], ttl);
                r.entry = format!("r.9.{i}");
                r
            })
            .collect();
        let kept = within_quota(forged, &[], &config, &inventory());
        assert_eq!(kept.len(), 1, "one GPU-equivalent: one full GPU");
        let held = [holder("h", "mallory", "GPU-0")];
        let mut again = Reservation::for_a_while("g", "mallory", vec!["MIG-20".into()], ttl);
        again.entry = "r.9.9".into();
        assert!(within_quota(vec![again], &held, &config, &inventory()).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
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
