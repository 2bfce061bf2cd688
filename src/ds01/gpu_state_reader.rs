//! `gpu-state-reader <command> [args]`: who holds which GPU/MIG slot, read
//! from the Docker engine on every call (DS01's
//! `scripts/docker/gpu-state-reader.py`, reference spec §8.4).  There is no
//! state file: a container in *any* state (created, running, paused,
//! exited) whose first device request names device IDs, or whose label
//! `ds01.gpu.uuids` lists UUIDs, holds those devices until it is removed.
//! UUIDs become slot IDs through the GPU inventory ([`super::gpus`]).
//!
//! Tracked ("DS01") containers: cgroup parent starting with `ds01`, any
//! `ds01.*` label, or an AIME name `name._.uid`.  Outputs are the
//! original's byte for byte (Python `print`, `repr` of dicts, `json.dumps`
//! with `indent=2`), with these deliberate differences (reference §12):
//! - `user-gpu-equiv` counts a MIG slot as its real compute fraction
//!   (`3g.20gb` = 3/7) from the inventory; the original never passed the
//!   profile and counted every MIG slot as 0.0, so MIG use consumed no quota.
//! - `json` shows a MIG slot's real profile where the inventory knows it
//!   (the original always wrote `1g.10gb`).
//! - a container labelled `ds01.interface=api` is listed under its own
//!   `api` heading by `by-interface`/`json-by-interface` (the original died
//!   with a `KeyError` traceback).
//! - an engine that does not answer reads as "no containers", as the
//!   original's failed `docker ps` did.

use super::gpus::{compute_fraction, Device, Inventory};
use super::pyfmt;
use crate::engine::Engine;
use crate::ui;
use bollard::models::{ContainerInspectResponse, DeviceRequest};
use serde_yaml::{Mapping, Value};
use std::collections::HashMap;

pub const NAME: &str = "gpu-state-reader";
pub const ALIAS: &str = "gpu_state_reader";

const USAGE: &str = "\
Usage: gpu-state-reader.py <command> [args]

Commands:
  all                    - Show all GPU allocations
  by-interface           - Show containers grouped by interface
  container <name>       - Show GPU for specific container
  user <username>        - Show user's GPU allocations (with MIG-equiv)
  user-mig-total <user>  - Get total MIG-equivalents for user
  user-gpu-count <user>  - Get GPU/MIG slot count for display
  user-gpu-equiv <user>  - Get total GPU-equivalents (gpueq, float) for user
  unmanaged              - Show containers with GPU access outside DS01 tracking
  json                   - Output all allocations as JSON
  json-by-interface      - Output containers by interface as JSON
  json-unmanaged         - Output unmanaged GPU containers as JSON
";

const INTERFACES: [(&str, &str); 4] = [
    ("orchestration", "DS01 ORCHESTRATION"),
    ("atomic", "DS01 ATOMIC"),
    ("docker", "DOCKER DIRECT"),
    ("other", "OTHER (VS Code, Compose, etc.)"),
];

/// Monitoring-stack containers, never "unmanaged".
const INFRASTRUCTURE_PREFIXES: [&str; 5] = [
    "ds01-prometheus",
    "ds01-grafana",
    "ds01-alertmanager",
    "ds01-dcgm-exporter",
    "ds01-node-exporter",
];

/// `gpu-state-reader ARGS...`: returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let mut reader = Reader::new();
    let (stdout, code) = run(&mut reader, args);
    ui::out(&stdout);
    code
}

/// What one invocation prints on stdout, and its exit code.
pub fn run(reader: &mut Reader, args: &[String]) -> (String, i32) {
    let Some(command) = args.first() else {
        return (USAGE.to_string(), 1);
    };
    let arg = args.get(1);
    let mut out = String::new();
    match (command.as_str(), arg) {
        ("all", _) => {
            let mut allocations = reader.allocations();
            allocations.sort_by(|a, b| a.slot.cmp(&b.slot));
            for a in allocations {
                let containers = if a.containers.is_empty() {
                    "none".to_string()
                } else {
                    a.containers.join(", ")
                };
                out.push_str(&format!(
                    "\nGPU/MIG {}:\n  UUID: {}\n  Containers: {containers}\n  Users: {}\n",
                    a.slot,
                    a.uuid,
                    dict_repr(&a.users)
                ));
                if !a.interfaces.is_empty() {
                    out.push_str(&format!("  Interfaces: {}\n", dict_repr(&a.interfaces)));
                }
            }
        }
        ("by-interface", _) => {
            for (interface, containers) in reader.by_interface() {
                let title = INTERFACES
                    .iter()
                    .find(|(k, _)| *k == interface)
                    .map_or(interface.as_str(), |(_, t)| t);
                out.push_str(&format!("\n{title} ({}):\n", containers.len()));
                if containers.is_empty() {
                    out.push_str("  (none)\n");
                }
                for c in containers {
                    let gpu = c.gpu.map_or("no GPU".to_string(), |g| format!("GPU:{g}"));
                    out.push_str(&format!(
                        "  {} {} [{}] {gpu}\n",
                        status_mark(c.running),
                        c.name,
                        c.user
                    ));
                }
            }
        }
        ("json", _) => {
            let map: Mapping = reader
                .allocations()
                .into_iter()
                .map(|a| (Value::from(a.slot.clone()), a.to_value()))
                .collect();
            out = json_indent(&Value::Mapping(map));
            out.push('\n');
        }
        ("json-by-interface", _) => {
            let map: Mapping = reader
                .by_interface()
                .into_iter()
                .map(|(k, cs)| {
                    let list = cs.iter().map(ContainerInfo::to_value).collect();
                    (Value::from(k), Value::Sequence(list))
                })
                .collect();
            out = json_indent(&Value::Mapping(map));
            out.push('\n');
        }
        ("container", Some(name)) => match reader.container_gpu(name) {
            Some(info) => {
                out = json_indent(&info.to_value());
                out.push('\n');
            }
            None => return (format!("Container {name} has no GPU or not found\n"), 1),
        },
        ("user", Some(user)) => {
            let allocations = reader.user_allocations(user);
            let total = allocations
                .iter()
                .fold(Num::Int(0), |t, a| t.add(a.mig_equiv));
            out.push_str(&format!(
                "GPU allocations for {user} (total: {total} MIG-equiv):\n"
            ));
            for a in allocations {
                let slots = if a.slots.len() > 1 {
                    a.slots.join(",")
                } else {
                    a.slots[0].clone()
                };
                let mig_info = if a.mig_equiv.value() > 1.0 {
                    format!("({} MIG-equiv)", a.mig_equiv)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "  {} {}: GPU {slots} {mig_info} [{}]\n",
                    status_mark(a.running),
                    a.name,
                    a.interface
                ));
            }
        }
        ("user-mig-total", Some(user)) => {
            let total = reader
                .user_allocations(user)
                .iter()
                .fold(Num::Int(0), |t, a| t.add(a.mig_equiv));
            out = format!("{total}\n");
        }
        ("user-gpu-count", Some(user)) => {
            out = format!("{}\n", reader.user_slots(user).len());
        }
        ("user-gpu-equiv", Some(user)) => {
            out = format!("{}\n", pyfmt::float_repr(reader.user_gpu_equivalents(user)));
        }
        ("unmanaged", _) => {
            let unmanaged = reader.unmanaged();
            if unmanaged.is_empty() {
                out.push_str("No unmanaged GPU containers detected.\n");
            } else {
                out.push_str(&format!(
                    "\n⚠️  UNMANAGED GPU CONTAINERS ({}):\n   (These containers bypass DS01 tracking and resource limits)\n\n",
                    unmanaged.len()
                ));
                for u in unmanaged {
                    let gpus = if u.access.count == -1 {
                        "all GPUs".to_string()
                    } else {
                        format!("{} GPU(s)", u.access.count)
                    };
                    let warning = if u.access.kind == "all" {
                        " ⚠️ UNRESTRICTED"
                    } else {
                        ""
                    };
                    out.push_str(&format!(
                        "  {} {}\n      User: {}\n      GPUs: {gpus}{warning}\n",
                        status_mark(u.container.running),
                        u.container.name,
                        u.user
                    ));
                    let project = u.container.label("com.docker.compose.project");
                    if !project.is_empty() {
                        out.push_str(&format!(
                            "      Compose: {project}/{}\n",
                            u.container.label("com.docker.compose.service")
                        ));
                    }
                    let folder = u.container.label("devcontainer.local_folder");
                    if !folder.is_empty() {
                        out.push_str(&format!("      DevContainer: {folder}\n"));
                    }
                    out.push('\n');
                }
            }
        }
        ("json-unmanaged", _) => {
            let list = reader.unmanaged().iter().map(Unmanaged::to_value).collect();
            out = json_indent(&Value::Sequence(list));
            out.push('\n');
        }
        (other, _) => return (format!("Unknown command: {other}\n"), 1),
    }
    (out, 0)
}

fn status_mark(running: bool) -> &'static str {
    if running {
        "🟢"
    } else {
        "○"
    }
}

/// A Python number as DS01 sums them: an int unless a float joined in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn add(self, other: Num) -> Num {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Num::Int(a + b),
            (a, b) => Num::Float(a.value() + b.value()),
        }
    }

    pub fn value(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    fn to_value(self) -> Value {
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
        self.label("ds01.gpu.uuids")
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Which interface created it (`ds01.interface`, `ds01.managed`, an
    /// AIME name, tool labels and names, else `docker`).
    pub fn interface(&self) -> &'static str {
        match self.label("ds01.interface") {
            "orchestration" => return "orchestration",
            "atomic" => return "atomic",
            "api" => return "api",
            _ => {}
        }
        let name = self.name.as_str();
        if self.label("ds01.managed") == "true" || name.contains("._.") {
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
        for key in ["ds01.user", "aime.mlc.USER"] {
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
    let (_, uid) = name.rsplit_once("._.")?;
    let uid: u32 = uid.trim().parse().ok()?;
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
    fn to_value(&self) -> Value {
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
    fn to_value(&self) -> Value {
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
    fn to_value(&self) -> Value {
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
    fn to_value(&self) -> Value {
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

/// Every container of the host, newest first, inspected; an error when the
/// engine does not answer for all of them.
pub fn read_containers(engine: &mut Engine) -> Result<Vec<Container>, crate::engine::EngineError> {
    let list = engine.list_containers(true, &[], false)?;
    let ids: Vec<String> = list.into_iter().filter_map(|s| s.id).collect();
    Ok(engine
        .inspect_containers(&ids)?
        .into_iter()
        .map(Container::from_inspect)
        .collect())
}

/// Reads the engine and the inventory once per invocation.
pub struct Reader {
    containers: Option<Vec<Container>>,
    inventory: Option<Inventory>,
    slots_per_gpu: Option<Num>,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

impl Reader {
    pub fn new() -> Reader {
        Reader {
            containers: None,
            inventory: None,
            slots_per_gpu: None,
        }
    }

    /// A reader over given containers and inventory (tests, the allocator).
    pub fn with(containers: Vec<Container>, inventory: Inventory, slots_per_gpu: Num) -> Reader {
        Reader {
            containers: Some(containers),
            inventory: Some(inventory),
            slots_per_gpu: Some(slots_per_gpu),
        }
    }

    /// Every container of the host, newest first, inspected.
    pub fn containers(&mut self) -> &[Container] {
        self.containers.get_or_insert_with(|| {
            let Ok(mut engine) = Engine::connect() else {
                return Vec::new();
            };
            read_containers(&mut engine).unwrap_or_default()
        })
    }

    pub fn inventory(&mut self) -> &Inventory {
        self.inventory.get_or_insert_with(Inventory::detect)
    }

    /// `gpu_allocation.slots_per_gpu` (legacy `mig_instances_per_gpu`),
    /// default 1: the MIG-equivalents of a full GPU.
    pub fn slots_per_gpu(&mut self) -> Num {
        *self.slots_per_gpu.get_or_insert_with(|| {
            let Ok(config) = super::limits::Config::load() else {
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
            t.add(if is_full_gpu(s) { per_gpu } else { Num::Int(1) })
        });
        Some(GpuInfo {
            name: c.name.clone(),
            uuids,
            slots,
            mig_equiv,
            allocated_at: c.label("ds01.gpu.allocated_at").to_string(),
            priority: c.label("ds01.gpu.priority").to_string(),
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
            None => {
                let mut engine = Engine::connect().ok()?;
                Container::from_inspect(engine.inspect_container(name).ok()?)
            }
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
    c.label("ds01.protected") == "true"
        || INFRASTRUCTURE_PREFIXES
            .iter()
            .any(|p| c.name.starts_with(p))
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

/// Python's `repr` of a `{str: int}` dict.
fn dict_repr(counts: &[(String, i64)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{}: {n}", pyfmt::repr(&Value::from(k.clone()))))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Mapping(
        pairs
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect(),
    )
}

/// `json.dumps(v, indent=2)`.
pub fn json_indent(v: &Value) -> String {
    let mut out = String::new();
    write_indented(v, 0, &mut out);
    out
}

fn write_indented(v: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match v {
        Value::Sequence(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad(depth + 1));
                write_indented(item, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::Mapping(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad(depth + 1));
                out.push_str(&pyfmt::json_str(&pyfmt::str_of(k)));
                out.push_str(": ");
                write_indented(item, depth + 1, out);
            }
            out.push('\n');
            out.push_str(&pad(depth));
            out.push('}');
        }
        other => out.push_str(&pyfmt::json(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE_LIST: &str = "\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-0a0a0a0a-1111-2222-3333-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-1b1b1b1b-1111-2222-3333-111111111111)
GPU 2: NVIDIA A100-SXM4-40GB (UUID: GPU-2c2c2c2c-1111-2222-3333-222222222222)
  MIG 3g.20gb     Device  0: (UUID: MIG-2c000000-aaaa-bbbb-cccc-000000000000)
  MIG 3g.20gb     Device  1: (UUID: MIG-2c000001-aaaa-bbbb-cccc-000000000001)
GPU 3: NVIDIA A100-SXM4-40GB (UUID: GPU-3d3d3d3d-1111-2222-3333-333333333333)
  MIG 2g.10gb     Device  0: (UUID: MIG-3d000000-aaaa-bbbb-cccc-000000000000)
";

    fn container(name: &str, labels: &[(&str, &str)], ids: &[&str], running: bool) -> Container {
        Container {
            name: name.to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            cgroup_parent: String::new(),
            device_requests: if ids.is_empty() {
                Vec::new()
            } else {
                vec![DeviceRequest {
                    driver: Some(String::new()),
                    count: Some(0),
                    device_ids: Some(ids.iter().map(|s| s.to_string()).collect()),
                    capabilities: Some(vec![vec!["gpu".to_string()]]),
                    options: None,
                }]
            },
            running,
            status: if running { "running" } else { "created" }.to_string(),
            ..Default::default()
        }
    }

    fn reader() -> Reader {
        let mut compose = container("web_1", &[("com.docker.compose.project", "p")], &[], true);
        compose.device_requests = vec![DeviceRequest {
            count: Some(-1),
            capabilities: Some(vec![vec!["gpu".to_string()]]),
            ..Default::default()
        }];
        let mut slice = container("plain", &[], &[], false);
        slice.cgroup_parent = "ds01-student-carol.slice".to_string();
        let containers = vec![
            container(
                "wgpu._.2001",
                &[("ds01.user", "alice"), ("ds01.interface", "atomic")],
                &["GPU-0a0a0a0a-1111-2222-3333-000000000000"],
                false,
            ),
            container(
                "multi._.2001",
                &[
                    ("aime.mlc.USER", "alice"),
                    (
                        "ds01.gpu.uuids",
                        "MIG-2c000000-aaaa-bbbb-cccc-000000000000, MIG-3d000000-aaaa-bbbb-cccc-000000000000",
                    ),
                ],
                &[],
                true,
            ),
            container(
                "job",
                &[("ds01.user", "bob"), ("ds01.interface", "orchestration")],
                &["MIG-2c000001-aaaa-bbbb-cccc-000000000001"],
                true,
            ),
            slice,
            compose,
        ];
        Reader::with(containers, Inventory::parse_list(FAKE_LIST), Num::Int(1))
    }

    fn run_args(args: &[&str]) -> (String, i32) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        run(&mut reader(), &args)
    }

    #[test]
    fn usage_and_unknown() {
        assert_eq!(run_args(&[]), (USAGE.to_string(), 1));
        assert_eq!(run_args(&["bogus"]).0, "Unknown command: bogus\n");
        assert_eq!(run_args(&["user"]), ("Unknown command: user\n".into(), 1));
    }

    #[test]
    fn empty_host() {
        let mut r = Reader::with(Vec::new(), Inventory::default(), Num::Int(1));
        let mut go = |a: &[&str]| {
            let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
            run(&mut r, &args)
        };
        assert_eq!(go(&["all"]), (String::new(), 0));
        assert_eq!(go(&["json"]), ("{}\n".into(), 0));
        assert_eq!(go(&["json-unmanaged"]), ("[]\n".into(), 0));
        assert_eq!(
            go(&["json-by-interface"]).0,
            "{\n  \"orchestration\": [],\n  \"atomic\": [],\n  \"docker\": [],\n  \"other\": []\n}\n"
        );
        assert_eq!(
            go(&["user", "alice"]).0,
            "GPU allocations for alice (total: 0 MIG-equiv):\n"
        );
        assert_eq!(go(&["user-mig-total", "alice"]).0, "0\n");
        assert_eq!(go(&["user-gpu-equiv", "alice"]).0, "0.0\n");
        assert_eq!(
            go(&["container", "demo._.2001"]),
            ("Container demo._.2001 has no GPU or not found\n".into(), 1)
        );
        assert_eq!(
            go(&["unmanaged"]).0,
            "No unmanaged GPU containers detected.\n"
        );
    }

    #[test]
    fn allocations() {
        let (out, code) = run_args(&["all"]);
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "\nGPU/MIG 0:\n  UUID: GPU-0a0a0a0a-1111-2222-3333-000000000000\n  Containers: wgpu._.2001\n  Users: {'alice': 1}\n  Interfaces: {'atomic': 1}\n\
             \nGPU/MIG 2.0:\n  UUID: MIG-2c000000-aaaa-bbbb-cccc-000000000000\n  Containers: multi._.2001\n  Users: {'alice': 1}\n  Interfaces: {'atomic': 1}\n\
             \nGPU/MIG 2.1:\n  UUID: MIG-2c000001-aaaa-bbbb-cccc-000000000001\n  Containers: job\n  Users: {'bob': 1}\n  Interfaces: {'orchestration': 1}\n\
             \nGPU/MIG 3.0:\n  UUID: MIG-3d000000-aaaa-bbbb-cccc-000000000000\n  Containers: multi._.2001\n  Users: {'alice': 1}\n  Interfaces: {'atomic': 1}\n"
        );
        let json = run_args(&["json"]).0;
        assert!(json.starts_with("{\n  \"0\": {\n    \"type\": \"mig_instance\",\n    \"containers\": [\n      \"wgpu._.2001\"\n    ],\n    \"users\": {\n      \"alice\": 1\n    },\n"));
        assert!(json.contains("\"profile\": \"3g.20gb\""));
        assert_eq!(
            run_args(&["user", "alice"]).0,
            "GPU allocations for alice (total: 3 MIG-equiv):\n  ○ wgpu._.2001: GPU 0  [atomic]\n  🟢 multi._.2001: GPU 2.0,3.0 (2 MIG-equiv) [atomic]\n"
        );
        assert_eq!(run_args(&["user-mig-total", "alice"]).0, "3\n");
        assert_eq!(run_args(&["user-gpu-count", "alice"]).0, "3\n");
        assert_eq!(run_args(&["user-gpu-count", "bob"]).0, "1\n");
        // 1 + 3/7 + 2/7
        assert_eq!(
            run_args(&["user-gpu-equiv", "alice"]).0,
            format!("{}\n", pyfmt::float_repr(1.0 + 3.0 / 7.0 + 2.0 / 7.0))
        );
        let (one, code) = run_args(&["container", "job"]);
        assert_eq!(code, 0);
        assert!(one.contains("  \"gpu_slots\": [\n    \"2.1\"\n  ],\n  \"mig_equiv\": 1,\n"));
        assert!(one.ends_with("  \"user\": \"bob\",\n  \"interface\": \"orchestration\"\n}\n"));
    }

    #[test]
    fn interfaces_and_unmanaged() {
        assert_eq!(
            run_args(&["by-interface"]).0,
            "\nDS01 ORCHESTRATION (1):\n  🟢 job [bob] GPU:2.1\n\
             \nDS01 ATOMIC (2):\n  ○ wgpu._.2001 [alice] GPU:0\n  🟢 multi._.2001 [alice] GPU:2.0\n\
             \nDOCKER DIRECT (1):\n  ○ plain [carol] no GPU\n\
             \nOTHER (VS Code, Compose, etc.) (0):\n  (none)\n"
        );
        assert_eq!(
            run_args(&["unmanaged"]).0,
            "\n⚠️  UNMANAGED GPU CONTAINERS (1):\n   (These containers bypass DS01 tracking and resource limits)\n\n  🟢 web_1\n      User: unknown\n      GPUs: all GPUs ⚠️ UNRESTRICTED\n      Compose: p/\n\n"
        );
        assert!(run_args(&["json-unmanaged"])
            .0
            .contains("\"gpu_count\": -1,\n    \"gpu_uuids\": [],\n    \"access_type\": \"all\","));
    }

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
