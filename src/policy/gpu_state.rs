//! Who holds which GPU/MIG slot, read from the Docker engine (DS01's
//! `gpu-state-reader.py` model, reference spec §8.4).  There is no state
//! file: a container in *any* state (created, running, paused, exited)
//! whose first device request names device IDs, or whose label
//! `ds01.gpu.uuids` lists UUIDs, holds those devices until it is removed.
//! UUIDs become slot IDs through the GPU inventory ([`super::gpus`]).
//!
//! Tracked ("DS01") containers: cgroup parent starting with `ds01`, any
//! `ds01.*` label, or an AIME name `name._.uid`.

use super::gpus::{compute_fraction, Device, Inventory};
use super::pyfmt;
use super::sources::{Notes, Sources};
use crate::engine::{Engine, EngineError};
use crate::model::{labels, ContainerTag};
use bollard::models::{
    ContainerInspectResponse, ContainerSummary, ContainerSummaryStateEnum, DeviceRequest,
};
use serde_yaml::Value;
use std::collections::HashMap;

/// The interfaces a container can be made through, with their headings.
pub const INTERFACES: [(&str, &str); 4] = [
    ("orchestration", "DS01 ORCHESTRATION"),
    ("atomic", "DS01 ATOMIC"),
    ("docker", "DOCKER DIRECT"),
    ("other", "OTHER (VS Code, Compose, etc.)"),
];

/// Monitoring-stack containers: never "unmanaged", never enforced upon.
const INFRASTRUCTURE_PREFIXES: [&str; 5] = [
    "ds01-prometheus",
    "ds01-grafana",
    "ds01-alertmanager",
    "ds01-dcgm-exporter",
    "ds01-node-exporter",
];

/// A Python number as DS01 sums them: an int unless a float joined in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl std::ops::Add for Num {
    type Output = Num;

    fn add(self, other: Num) -> Num {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Num::Int(a + b),
            (a, b) => Num::Float(a.value() + b.value()),
        }
    }
}

impl Num {
    pub fn value(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    pub fn to_value(self) -> Value {
        match self {
            Num::Int(i) => Value::from(i),
            Num::Float(f) => Value::from(f),
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{}", pyfmt::float_repr(*x)),
        }
    }
}

/// What the reader needs of one container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Container {
    pub name: String,
    pub labels: HashMap<String, String>,
    pub cgroup_parent: String,
    pub device_requests: Vec<DeviceRequest>,
    pub running: bool,
    pub status: String,
    /// `Created` (RFC 3339).
    pub created: String,
    /// `State.FinishedAt`; `0001-01-01T00:00:00Z` when it never ran.
    pub finished_at: String,
}

impl Container {
    pub fn from_inspect(r: ContainerInspectResponse) -> Container {
        let config = r.config.unwrap_or_default();
        let host = r.host_config.unwrap_or_default();
        let state = r.state.unwrap_or_default();
        Container {
            name: r
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            labels: config.labels.unwrap_or_default(),
            cgroup_parent: host.cgroup_parent.unwrap_or_default(),
            device_requests: host.device_requests.unwrap_or_default(),
            running: state.running.unwrap_or(false),
            status: state
                .status
                .map_or("unknown".to_string(), |s| s.to_string()),
            created: r.created.unwrap_or_default(),
            finished_at: state.finished_at.unwrap_or_default(),
        }
    }

    pub fn label(&self, key: &str) -> &str {
        self.labels.get(key).map_or("", String::as_str)
    }

    /// Counted by DS01: in a `ds01…` slice, any `ds01.*` label, or an AIME
    /// name.
    pub fn is_tracked(&self) -> bool {
        self.cgroup_parent.starts_with("ds01")
            || self.labels.keys().any(|k| k.starts_with("ds01."))
            || self.name.contains("._.")
    }

    /// The device UUIDs it holds: the first device request's IDs, else the
    /// label `ds01.gpu.uuids`.
    pub fn device_ids(&self) -> Vec<String> {
        let ids = self
            .device_requests
            .first()
            .and_then(|r| r.device_ids.clone())
            .unwrap_or_default();
        if !ids.is_empty() {
            return ids;
        }
        self.label(labels::GPU_UUIDS)
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Which interface created it (`ds01.interface`, `ds01.managed`, an
    /// AIME name, tool labels and names, else `docker`).
    pub fn interface(&self) -> &'static str {
        match self.label(labels::INTERFACE) {
            "orchestration" => return "orchestration",
            "atomic" => return "atomic",
            "api" => return "api",
            _ => {}
        }
        let name = self.name.as_str();
        if self.label(labels::MANAGED) == "true" || name.contains("._.") {
            return "atomic";
        }
        let vscode = name.starts_with("vscode-")
            || self.labels.contains_key("devcontainer")
            || !self.label("devcontainer.metadata").is_empty();
        let compose = !self.label("com.docker.compose.project").is_empty()
            || !self.label("com.docker.compose.service").is_empty()
            || (name.contains('_') && ["_1", "_2", "_3"].iter().any(|s| name.ends_with(s)));
        let jupyter = name.starts_with("jupyterhub-")
            || name.starts_with("jupyter-")
            || !self.label("hub.jupyter.org/username").is_empty();
        if vscode || compose || jupyter {
            "other"
        } else {
            "docker"
        }
    }

    /// The owner: `ds01.user`, `aime.mlc.USER`, the user of a
    /// `ds01-<group>-<user>.slice` cgroup, or the account of the UID in a
    /// `name._.uid` name; empty when none says.
    pub fn owner(&self) -> String {
        for key in [labels::USER, labels::AIME_USER] {
            if !self.label(key).is_empty() {
                return self.label(key).to_string();
            }
        }
        if let Some(user) = user_from_cgroup(&self.cgroup_parent) {
            return user;
        }
        user_from_aime_name(&self.name).unwrap_or_default()
    }
}

/// `ds01-<group>-<user>.slice` → user (Python `re.match(r"ds01-(\w+)-(.+)\.slice")`).
fn user_from_cgroup(cgroup: &str) -> Option<String> {
    let rest = cgroup.strip_prefix("ds01-")?;
    let word_end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if word_end == 0 {
        return None;
    }
    let rest = rest[word_end..].strip_prefix('-')?;
    let end = rest.rfind(".slice")?;
    (end > 0).then(|| rest[..end].to_string())
}

/// `name._.<uid>` → that account's name (passwd, then `getent`).
fn user_from_aime_name(name: &str) -> Option<String> {
    let uid = ContainerTag::parse(name).uid()?;
    if let Some(e) = crate::identity::user_by_uid(uid) {
        return Some(e.name);
    }
    let out = std::process::Command::new("getent")
        .args(["passwd", &uid.to_string()])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let name = text.split(':').next().unwrap_or("");
    (out.status.success() && !name.is_empty()).then(|| name.to_string())
}

/// The GPU holding of one container (`container <name>` prints it).
#[derive(Debug, Clone, PartialEq)]
pub struct GpuInfo {
    pub name: String,
    pub uuids: Vec<String>,
    pub slots: Vec<String>,
    pub mig_equiv: Num,
    pub allocated_at: String,
    pub priority: String,
    pub user: String,
    pub interface: &'static str,
    pub running: bool,
    pub status: String,
}

impl GpuInfo {
    pub fn to_value(&self) -> Value {
        let strings = |v: &[String]| Value::Sequence(v.iter().cloned().map(Value::from).collect());
        object(vec![
            ("container_name", Value::from(self.name.clone())),
            ("gpu_uuid", Value::from(self.uuids[0].clone())),
            ("gpu_slot", Value::from(self.slots[0].clone())),
            ("gpu_uuids", strings(&self.uuids)),
            ("gpu_slots", strings(&self.slots)),
            ("mig_equiv", self.mig_equiv.to_value()),
            ("allocated_at", Value::from(self.allocated_at.clone())),
            ("priority", Value::from(self.priority.clone())),
            ("user", Value::from(self.user.clone())),
            ("interface", Value::from(self.interface)),
        ])
    }
}

/// One slot's holders (`all`, `json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub slot: String,
    pub containers: Vec<String>,
    pub users: Vec<(String, i64)>,
    pub uuid: String,
    pub profile: String,
    pub interfaces: Vec<(String, i64)>,
}

impl Allocation {
    pub fn to_value(&self) -> Value {
        let counts = |v: &[(String, i64)]| {
            Value::Mapping(
                v.iter()
                    .map(|(k, n)| (Value::from(k.clone()), Value::from(*n)))
                    .collect(),
            )
        };
        object(vec![
            ("type", Value::from("mig_instance")),
            (
                "containers",
                Value::Sequence(self.containers.iter().cloned().map(Value::from).collect()),
            ),
            ("users", counts(&self.users)),
            ("uuid", Value::from(self.uuid.clone())),
            ("profile", Value::from(self.profile.clone())),
            ("docker_id", Value::from(self.uuid.clone())),
            ("interfaces", counts(&self.interfaces)),
        ])
    }
}

/// One tracked container (`by-interface`).
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInfo {
    pub name: String,
    pub user: String,
    pub status: String,
    pub running: bool,
    pub gpu: Option<String>,
    pub gpu_uuid: Option<String>,
    pub interface: &'static str,
}

impl ContainerInfo {
    pub fn to_value(&self) -> Value {
        let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
        object(vec![
            ("name", Value::from(self.name.clone())),
            ("user", Value::from(self.user.clone())),
            ("status", Value::from(self.status.clone())),
            ("running", Value::from(self.running)),
            ("gpu", opt(&self.gpu)),
            ("gpu_uuid", opt(&self.gpu_uuid)),
            ("interface", Value::from(self.interface)),
        ])
    }
}

/// How a container reaches GPUs outside DS01's tracking.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuAccess {
    /// -1: all GPUs.
    pub count: i64,
    pub uuids: Vec<String>,
    /// `all`, `count` or `specific`.
    pub kind: &'static str,
}

/// An untracked container with GPU access (`unmanaged`).
#[derive(Debug, Clone, PartialEq)]
pub struct Unmanaged {
    pub container: Container,
    pub user: String,
    pub access: GpuAccess,
}

impl Unmanaged {
    pub fn to_value(&self) -> Value {
        let c = &self.container;
        object(vec![
            ("name", Value::from(c.name.clone())),
            ("user", Value::from(self.user.clone())),
            ("gpu_count", Value::from(self.access.count)),
            (
                "gpu_uuids",
                Value::Sequence(self.access.uuids.iter().cloned().map(Value::from).collect()),
            ),
            ("access_type", Value::from(self.access.kind)),
            ("running", Value::from(c.running)),
            ("status", Value::from(c.status.clone())),
            ("cgroup_parent", Value::from(c.cgroup_parent.clone())),
            (
                "labels",
                object(vec![
                    (
                        "compose_project",
                        Value::from(c.label("com.docker.compose.project")),
                    ),
                    (
                        "compose_service",
                        Value::from(c.label("com.docker.compose.service")),
                    ),
                    (
                        "devcontainer",
                        Value::from(c.label("devcontainer.local_folder")),
                    ),
                ]),
            ),
        ])
    }
}

/// An NVIDIA device request's access: pinned IDs, all, or a count.
pub fn gpu_access(c: &Container) -> Option<GpuAccess> {
    for r in &c.device_requests {
        let nvidia = r.driver.as_deref() == Some("nvidia")
            || r.capabilities
                .iter()
                .flatten()
                .any(|caps| caps.iter().any(|cap| cap.contains("gpu")));
        if !nvidia {
            continue;
        }
        let ids = r.device_ids.clone().unwrap_or_default();
        let count = r.count.unwrap_or(0);
        if !ids.is_empty() {
            return Some(GpuAccess {
                count: ids.len() as i64,
                uuids: ids,
                kind: "specific",
            });
        } else if count == -1 {
            return Some(GpuAccess {
                count: -1,
                uuids: Vec::new(),
                kind: "all",
            });
        } else if count > 0 {
            return Some(GpuAccess {
                count,
                uuids: Vec::new(),
                kind: "count",
            });
        }
    }
    None
}

/// The owner of a compose/devcontainer container: `/home/<user>/…` of
/// `devcontainer.local_folder`, else of the compose working directory.
fn owner_from_compose(c: &Container) -> Option<String> {
    let mut path = c.label("devcontainer.local_folder");
    if path.is_empty() {
        path = c.label("com.docker.compose.project.working_dir");
    }
    let rest = path.strip_prefix("/home/")?;
    Some(rest.split('/').next().unwrap_or("").to_string())
}

/// How many containers are inspected at once: enough to overlap the
/// engine's answers, few enough for any file-descriptor limit.
const INSPECT_AT_ONCE: usize = 16;

/// Every container of the host, newest first, from one listing.  DS01's
/// containers carry their devices in the `ds01.gpu.uuids` label; only
/// those without it (made by other tools, or by older versions) are
/// inspected, sixteen requests in flight at most.  Any engine error is an error, never "no
/// containers".
pub fn read_containers(engine: &Engine) -> Result<Vec<Container>, EngineError> {
    let list = engine.list_containers(true, &[], false)?;
    let unlabelled: Vec<String> = list
        .iter()
        .filter(|c| !label_complete(c))
        .filter_map(|c| c.id.clone())
        .collect();
    let mut inspected: HashMap<String, Container> = HashMap::new();
    for c in engine.inspect_containers(&unlabelled, INSPECT_AT_ONCE)? {
        if let Some(id) = c.id.clone() {
            inspected.insert(id, Container::from_inspect(c));
        }
    }
    Ok(list
        .into_iter()
        .filter_map(|s| {
            let id = s.id.clone()?;
            match inspected.remove(&id) {
                Some(c) => Some(c),
                // Removed between the listing and its inspect: gone.
                None if !label_complete(&s) => None,
                None => Some(from_summary(s)),
            }
        })
        .collect())
}

/// Whether a listed container says which devices it holds.
fn label_complete(s: &ContainerSummary) -> bool {
    s.labels
        .as_ref()
        .is_some_and(|l| l.contains_key(labels::GPU_UUIDS))
}

/// A listed container as the reader needs it (devices from its labels).
fn from_summary(s: ContainerSummary) -> Container {
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
        running,
        status: state.to_string(),
        ..Default::default()
    }
}

/// Reads the engine and the inventory once per invocation.
pub struct Reader {
    sources: Option<Sources>,
    containers: Option<Vec<Container>>,
    inventory: Option<Inventory>,
    slots_per_gpu: Option<Num>,
    /// Where warnings about the inventory go (the command shows them).
    notes: Notes,
}

impl Reader {
    /// A reader of the host, through `sources`.
    pub fn new(sources: Sources) -> Reader {
        Reader {
            notes: sources.notes.clone(),
            sources: Some(sources),
            containers: None,
            inventory: None,
            slots_per_gpu: None,
        }
    }

    /// A reader over given containers and inventory (tests, the allocator).
    pub fn with(containers: Vec<Container>, inventory: Inventory, slots_per_gpu: Num) -> Reader {
        Reader {
            sources: None,
            containers: Some(containers),
            inventory: Some(inventory),
            slots_per_gpu: Some(slots_per_gpu),
            notes: Notes::default(),
        }
    }

    /// Share `notes` for what this reader has to say.
    pub fn share_notes(&mut self, notes: Notes) {
        self.notes = notes;
    }

    /// What was noted so far, each a line for stderr.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.borrow_mut())
    }

    /// Say something on the command's stderr.
    pub fn note(&self, text: String) {
        self.notes.borrow_mut().push(text);
    }

    fn engine(&self) -> Option<std::rc::Rc<Engine>> {
        self.sources.as_ref()?.engine.clone().ok()
    }

    /// Read the containers now; an engine that does not answer is an
    /// error (commands call this first, so that no answer is ever made of
    /// "no containers" that were only unreadable).
    pub fn load(&mut self) -> Result<(), EngineError> {
        if self.containers.is_some() {
            return Ok(());
        }
        let engine = match &self.sources {
            Some(s) => s.engine.clone()?,
            None => return Ok(()),
        };
        self.containers = Some(read_containers(&engine)?);
        Ok(())
    }

    /// Every container of the host, newest first ([`Reader::load`] first).
    pub fn containers(&mut self) -> &[Container] {
        if self.containers.is_none() {
            let read = self.engine().map(|e| read_containers(&e));
            self.containers = Some(read.and_then(Result::ok).unwrap_or_default());
        }
        self.containers.as_deref().unwrap_or_default()
    }

    pub fn inventory(&mut self) -> &Inventory {
        if self.inventory.is_none() {
            let fixture = self.sources.as_ref().and_then(|s| s.gpu_fixture.clone());
            let (inventory, warning) = Inventory::detect(
                fixture.as_deref(),
                self.sources.as_ref().map(|s| s.state_dir.as_path()),
                std::time::SystemTime::now(),
            );
            if let Some(w) = warning {
                self.note(w);
            }
            self.inventory = Some(inventory);
        }
        self.inventory.get_or_insert_with(Inventory::default)
    }

    /// `gpu_allocation.slots_per_gpu` (legacy `mig_instances_per_gpu`),
    /// default 1: the MIG-equivalents of a full GPU.
    pub fn slots_per_gpu(&mut self) -> Num {
        let config = self.sources.as_ref().and_then(|s| s.config.clone().ok());
        *self.slots_per_gpu.get_or_insert_with(|| {
            let Some(config) = config else {
                return Num::Int(1);
            };
            let section = config.section("gpu_allocation");
            let v = section
                .get("slots_per_gpu")
                .or_else(|| section.get("mig_instances_per_gpu"));
            match v {
                Some(Value::Number(n)) if n.is_i64() => Num::Int(n.as_i64().unwrap_or(1)),
                Some(Value::Number(n)) => Num::Float(n.as_f64().unwrap_or(1.0)),
                _ => Num::Int(1),
            }
        })
    }

    fn tracked(&mut self) -> Vec<Container> {
        self.containers()
            .iter()
            .filter(|c| c.is_tracked())
            .cloned()
            .collect()
    }

    /// The GPU holding of a container, None when it holds none.
    pub fn gpu_info(&mut self, c: &Container) -> Option<GpuInfo> {
        let uuids = c.device_ids();
        if uuids.is_empty() {
            return None;
        }
        let per_gpu = self.slots_per_gpu();
        let map = self.inventory().uuid_to_slot();
        let slots: Vec<String> = uuids
            .iter()
            .map(|u| map.get(u).cloned().unwrap_or_else(|| u.clone()))
            .collect();
        let mig_equiv = slots.iter().fold(Num::Int(0), |t, s| {
            t + if is_full_gpu(s) { per_gpu } else { Num::Int(1) }
        });
        Some(GpuInfo {
            name: c.name.clone(),
            uuids,
            slots,
            mig_equiv,
            allocated_at: c.label(labels::GPU_ALLOCATED_AT).to_string(),
            priority: c.label(labels::GPU_PRIORITY).to_string(),
            user: c.owner(),
            interface: c.interface(),
            running: c.running,
            status: c.status.clone(),
        })
    }

    /// `container <name>`: any container, tracked or not, by name or ID.
    pub fn container_gpu(&mut self, name: &str) -> Option<GpuInfo> {
        let c = match &self.containers {
            Some(list) => list
                .iter()
                .find(|c| c.name == name.trim_start_matches('/'))
                .cloned()?,
            None => Container::from_inspect(self.engine()?.inspect_container(name).ok()?),
        };
        self.gpu_info(&c)
    }

    /// Holders by slot, slots in the order first seen.
    pub fn allocations(&mut self) -> Vec<Allocation> {
        let mut out: Vec<Allocation> = Vec::new();
        for c in self.tracked() {
            let Some(info) = self.gpu_info(&c) else {
                continue;
            };
            for (slot, uuid) in info.slots.iter().zip(&info.uuids) {
                let profile = match self.inventory().by_uuid(uuid) {
                    Some(Device::Mig(m)) => Some(m.profile.clone()),
                    _ if uuid.contains("MIG") => Some("1g.10gb".to_string()),
                    _ => None,
                };
                let i = match out.iter().position(|a| &a.slot == slot) {
                    Some(i) => i,
                    None => {
                        out.push(Allocation {
                            slot: slot.clone(),
                            containers: Vec::new(),
                            users: Vec::new(),
                            uuid: String::new(),
                            profile: String::new(),
                            interfaces: Vec::new(),
                        });
                        out.len() - 1
                    }
                };
                let a = &mut out[i];
                a.containers.push(info.name.clone());
                bump(&mut a.users, &info.user);
                a.uuid = uuid.clone();
                if let Some(p) = profile {
                    a.profile = p;
                }
                bump(&mut a.interfaces, info.interface);
            }
        }
        out
    }

    /// Tracked containers by interface: the four of the original, then
    /// `api` when any.
    pub fn by_interface(&mut self) -> Vec<(String, Vec<ContainerInfo>)> {
        let mut groups: Vec<(String, Vec<ContainerInfo>)> = INTERFACES
            .iter()
            .map(|(k, _)| (k.to_string(), Vec::new()))
            .collect();
        for c in self.tracked() {
            let info = self.gpu_info(&c);
            let mut user = c.owner();
            if user.is_empty() {
                user = "unknown".to_string();
            }
            let entry = ContainerInfo {
                name: c.name.clone(),
                user,
                status: c.status.clone(),
                running: c.running,
                gpu: info.as_ref().map(|i| i.slots[0].clone()),
                gpu_uuid: info.as_ref().map(|i| i.uuids[0].clone()),
                interface: c.interface(),
            };
            match groups.iter_mut().find(|(k, _)| k == entry.interface) {
                Some((_, list)) => list.push(entry),
                None => groups.push((entry.interface.to_string(), vec![entry])),
            }
        }
        groups
    }

    /// The GPU-holding tracked containers of `user`.
    pub fn user_allocations(&mut self, user: &str) -> Vec<GpuInfo> {
        let mut out = Vec::new();
        for c in self.tracked() {
            if let Some(info) = self.gpu_info(&c) {
                if !info.user.is_empty() && info.user == user {
                    out.push(info);
                }
            }
        }
        out
    }

    /// The distinct slots `user` holds, in order.
    pub fn user_slots(&mut self, user: &str) -> Vec<String> {
        let mut slots: Vec<String> = Vec::new();
        for info in self.user_allocations(user) {
            for s in info.slots {
                if !s.is_empty() && !slots.contains(&s) {
                    slots.push(s);
                }
            }
        }
        slots
    }

    /// The GPU-equivalents `user` holds: 1.0 per full GPU, a MIG slot's
    /// compute fraction (0.0 when its profile is unknown).
    pub fn user_gpu_equivalents(&mut self, user: &str) -> f64 {
        let slots = self.user_slots(user);
        let inventory = self.inventory();
        slots
            .iter()
            .map(|s| {
                if is_full_gpu(s) {
                    1.0
                } else {
                    match inventory.by_slot(s) {
                        Some(Device::Mig(m)) => compute_fraction(&m.profile),
                        _ => 0.0,
                    }
                }
            })
            .fold(0.0, |t, f| t + f)
    }

    /// Untracked, non-infrastructure containers with NVIDIA device requests.
    pub fn unmanaged(&mut self) -> Vec<Unmanaged> {
        self.containers()
            .iter()
            .filter(|c| !c.is_tracked() && !is_infrastructure(c))
            .filter_map(|c| {
                let access = gpu_access(c)?;
                Some(Unmanaged {
                    container: c.clone(),
                    user: owner_from_compose(c).unwrap_or_else(|| "unknown".to_string()),
                    access,
                })
            })
            .collect()
    }
}

fn is_infrastructure(c: &Container) -> bool {
    c.label(labels::PROTECTED) == "true" || is_monitoring_stack(&c.name)
}

/// Whether `name` is one of DS01's monitoring-stack containers (by prefix).
pub fn is_monitoring_stack(name: &str) -> bool {
    INFRASTRUCTURE_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// A slot that is a whole GPU: no `.` and not a raw `MIG-` UUID.
pub fn is_full_gpu(slot: &str) -> bool {
    !slot.starts_with("MIG-") && !slot.contains('.')
}

fn bump(counts: &mut Vec<(String, i64)>, key: &str) {
    match counts.iter_mut().find(|(k, _)| k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key.to_string(), 1)),
    }
}

/// A JSON object (as YAML value) with its keys in this order.
fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Mapping(
        pairs
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners() {
        assert_eq!(
            user_from_cgroup("ds01-student-h-baker-at-x.slice").as_deref(),
            Some("h-baker-at-x")
        );
        assert_eq!(user_from_cgroup("ds01-student.slice"), None);
        assert_eq!(user_from_cgroup("ds01.slice"), None);
        assert!(is_full_gpu("GPU-1"));
        assert!(!is_full_gpu("MIG-1"));
        assert!(!is_full_gpu("2.1"));
    }
}
