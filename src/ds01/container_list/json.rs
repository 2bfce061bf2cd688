//! `--json` of `container-list` and `container-stats`: one object per
//! container, for scripts.  The caller's containers only, as the tables.
//!
//! Each object has `name`, `user` (the owner's login), `tag` (the docker
//! name), `image`, `state` (the engine's word), `gpus` (the GPU UUIDs: the
//! `ds01.gpu.uuids` label, else the device requests' ids; empty for a
//! CPU-only container) and `limits` (`cpus`, `memory` in bytes, `pids`;
//! `null` where there is no limit).  `container-stats` adds `usage`.

use super::mine::{self, Mine};
use crate::model::labels;
use bollard::models::ContainerInspectResponse;
use serde_json::{json, Map, Value};

/// The object of one container (without `usage`).
pub fn container(login: &str, m: &Mine, record: &ContainerInspectResponse) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("name".into(), json!(m.name));
    object.insert("user".into(), json!(login));
    object.insert("tag".into(), json!(m.tag));
    object.insert("image".into(), json!(mine::image(record)));
    object.insert("state".into(), json!(m.state));
    object.insert("gpus".into(), json!(gpu_uuids(record)));
    object.insert("limits".into(), limits(record));
    object
}

/// The array of `objects`, pretty-printed, with a final newline.
pub fn document(objects: Vec<Map<String, Value>>) -> String {
    let array = Value::Array(objects.into_iter().map(Value::Object).collect());
    // Serialising a `Value` cannot fail (its keys are strings).
    let mut text = serde_json::to_string_pretty(&array).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// The container's GPU UUIDs: DS01's allocation label when it has one
/// (the allocator writes it), else the ids of its device requests.
pub fn gpu_uuids(record: &ContainerInspectResponse) -> Vec<String> {
    let label = mine::label(record, labels::GPU_UUIDS);
    let from_label: Vec<String> = label
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    if !from_label.is_empty() {
        return from_label;
    }
    record
        .host_config
        .as_ref()
        .and_then(|h| h.device_requests.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|r| r.device_ids.clone().unwrap_or_default())
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

/// `cpus` (cores, fractional), `memory` (bytes) and `pids`; the engine
/// says 0 (or -1 for pids) for "no limit", which becomes `null`.
fn limits(record: &ContainerInspectResponse) -> Value {
    let (nano_cpus, memory) = mine::cpu_and_memory(record);
    let pids = record
        .host_config
        .as_ref()
        .and_then(|h| h.pids_limit)
        .filter(|&p| p > 0);
    let cpus = (nano_cpus > 0).then(|| nano_cpus as f64 / 1e9);
    json!({
        "cpus": cpus,
        "memory": (memory > 0).then_some(memory),
        "pids": pids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, DeviceRequest, HostConfig};
    use std::collections::HashMap;

    fn mine() -> Mine {
        Mine {
            name: "demo".into(),
            tag: "demo._.2001".into(),
            id: "abc".into(),
            state: "running".into(),
            status: "Up 1 minute".into(),
            ..Default::default()
        }
    }

    fn record(label: Option<&str>, request: Option<&str>) -> ContainerInspectResponse {
        let labels: HashMap<String, String> = label
            .map(|l| (labels::GPU_UUIDS.to_string(), l.to_string()))
            .into_iter()
            .collect();
        let requests = request.map(|id| {
            vec![DeviceRequest {
                device_ids: Some(vec![id.to_string()]),
                ..Default::default()
            }]
        });
        ContainerInspectResponse {
            config: Some(ContainerConfig {
                image: Some("ds01-2001/demo:latest".into()),
                labels: Some(labels),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                nano_cpus: Some(1_500_000_000),
                memory: Some(1 << 30),
                pids_limit: Some(-1),
                device_requests: requests,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn object_shape() {
        let object = Value::Object(container("alice", &mine(), &record(None, None)));
        let expected = json!({
            "name": "demo",
            "user": "alice",
            "tag": "demo._.2001",
            "image": "ds01-2001/demo:latest",
            "state": "running",
            "gpus": [],
            "limits": {"cpus": 1.5, "memory": 1073741824, "pids": null},
        });
        assert_eq!(object, expected);
    }

    #[test]
    fn gpus_from_label_first_then_requests() {
        let both = record(Some("GPU-a, GPU-b,"), Some("GPU-c"));
        assert_eq!(gpu_uuids(&both), ["GPU-a", "GPU-b"]);
        let request_only = record(None, Some("GPU-c"));
        assert_eq!(gpu_uuids(&request_only), ["GPU-c"]);
        assert!(gpu_uuids(&record(Some(" "), None)).is_empty());
    }

    #[test]
    fn document_is_an_array_with_newline() {
        assert_eq!(document(Vec::new()), "[]\n");
        let text = document(vec![container("alice", &mine(), &record(None, None))]);
        let parsed: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(parsed[0]["name"], "demo");
        assert!(text.ends_with("}\n]\n"));
    }
}
