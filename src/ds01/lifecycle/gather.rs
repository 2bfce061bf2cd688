//! What the rules need to know of the host's containers, read from the
//! engine: every container DS01 tracks (made through its commands or its
//! docker wrapper: a `ds01.*` label, a DS01 slice or an AIME name), with
//! its owner, type, phase, GPU slots and keep marker.  Protected and
//! monitoring containers are left out.  Any engine error is an error:
//! nothing is decided on a partial picture.

use super::plan::{Facts, Gpus, Keep, Phase};
use super::KEEP_MARKER;
use crate::engine::{Engine, EngineError};
use crate::model::labels;
use crate::model::time::parse_rfc3339;
use crate::policy::gpu_state::{gpu_access, is_monitoring_stack, Container};
use crate::policy::gpus::Inventory;
use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum};

/// Inspections in flight at once.
const INSPECT_AT_ONCE: usize = 16;

/// One tracked container: its inspection, and what the policy reads of it.
pub struct Tracked {
    inspect: ContainerInspectResponse,
    container: Container,
}

/// Every tracked container, inspected (newest first).
pub fn containers(engine: &Engine) -> Result<Vec<Tracked>, EngineError> {
    let ids: Vec<String> = engine
        .list_containers(true, &[], false)?
        .into_iter()
        .filter_map(|c| c.id)
        .collect();
    let all = engine.inspect_containers(&ids, INSPECT_AT_ONCE)?;
    Ok(all
        .into_iter()
        .map(|inspect| Tracked {
            container: Container::from_inspect(inspect.clone()),
            inspect,
        })
        .filter(|t| t.container.is_tracked() && !protected(&t.container))
        .collect())
}

/// Whether any of them names GPU devices (the inventory is needed).
pub fn any_devices(list: &[Tracked]) -> bool {
    list.iter().any(|t| !t.container.device_ids().is_empty())
}

/// Marked protected or monitoring, or a monitoring-stack container:
/// never enforced upon.
fn protected(c: &Container) -> bool {
    c.label(labels::PROTECTED) == "true"
        || c.label("ds01.monitoring") == "true"
        || is_monitoring_stack(&c.name)
}

/// The facts of one container; the keep marker is asked of the engine
/// for containers that are not running (the only ones ever removed).
pub fn facts(engine: &Engine, t: &Tracked, inventory: &Inventory) -> Facts {
    let (r, c) = (&t.inspect, &t.container);
    let phase = phase(r);
    let keep = match phase {
        Phase::Created { .. } | Phase::Exited { .. } => {
            match engine.path_exists_in(&c.name, KEEP_MARKER) {
                Ok(true) => Keep::Asked,
                Ok(false) => Keep::No,
                Err(e) => Keep::Unknown(e.to_string()),
            }
        }
        _ => Keep::No,
    };
    Facts {
        id: r.id.clone().unwrap_or_default(),
        name: c.name.clone(),
        owner: c.owner(),
        kind: kind(c),
        phase,
        gpus: gpus(c, inventory),
        keep,
    }
}

fn phase(r: &ContainerInspectResponse) -> Phase {
    let state = r.state.clone().unwrap_or_default();
    let at = |t: Option<String>| {
        t.as_deref()
            .and_then(parse_rfc3339)
            .filter(|t| *t > 0.0)
            .map(|t| t as u64)
    };
    use ContainerStateStatusEnum as S;
    match state.status {
        Some(S::RUNNING | S::PAUSED | S::RESTARTING) => match at(state.started_at) {
            Some(started_at) => Phase::Running { started_at },
            None => Phase::Other,
        },
        Some(S::CREATED) => match at(r.created.clone()) {
            Some(created_at) => Phase::Created { created_at },
            None => Phase::Other,
        },
        Some(S::EXITED | S::DEAD) => Phase::Exited {
            finished_at: at(state.finished_at),
        },
        _ => Phase::Other,
    }
}

/// The container's type: `ds01.container_type`, `ds01.interface`, an AIME
/// name (atomic), dev container or compose labels, else `docker` (the
/// original cron scripts' order).
fn kind(c: &Container) -> String {
    for key in ["ds01.container_type", labels::INTERFACE] {
        let v = c.label(key);
        if !v.is_empty() {
            return v.to_string();
        }
    }
    let any_label = |part: &str| c.labels.keys().any(|k| k.contains(part));
    let kind = if c.name.contains("._.") {
        "atomic"
    } else if any_label("devcontainer") {
        "devcontainer"
    } else if any_label("com.docker.compose") {
        "compose"
    } else {
        "docker"
    };
    kind.to_string()
}

/// The slots of its devices (by the inventory); GPUs asked for by count
/// or by an unknown device are GPUs whose slots cannot be said.
fn gpus(c: &Container, inventory: &Inventory) -> Gpus {
    let uuids = c.device_ids();
    if uuids.is_empty() {
        return match gpu_access(c) {
            Some(a) => Gpus::Unknown(format!("it holds GPUs by {} rather than by device", a.kind)),
            None => Gpus::None,
        };
    }
    let mut slots = Vec::new();
    for uuid in &uuids {
        match inventory.slot_of(uuid) {
            Some(slot) => slots.push(slot),
            None => return Gpus::Unknown(format!("its device {uuid} is not in the GPU inventory")),
        }
    }
    Gpus::Slots(slots)
}
