//! The caller's containers as `docker ps -a` lists them (newest first),
//! and what `docker inspect` and `docker port` say of each.
//!
//! The original took a container for the caller's when a label
//! (`ds01.user`, `aime.mlc.USER`, `devcontainer.local_folder`) said so or
//! its name ended in `._.UID`; labels are written by whoever makes the
//! container, so here only the tag counts: exactly the caller's uid.

use crate::engine::{Engine, EngineError};
use crate::model::labels;
use bollard::models::{
    ContainerConfig, ContainerInspectResponse, DeviceRequest, HostConfig, PortBinding,
};
use std::cmp::Ordering;
use std::collections::HashMap;

/// How many inspect requests may be in flight at once.
const INSPECT_AT_ONCE: usize = 8;

/// One of the caller's containers, as `docker ps -a` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mine {
    /// The name the user knows (`demo`).
    pub name: String,
    /// The docker name (`demo._.2001`).
    pub tag: String,
    pub id: String,
    /// The engine's word: `running`, `paused`, `exited`, `created`, ...
    pub state: String,
    /// `docker ps`'s STATUS column (`Up 5 minutes`, `Exited (0) 2 hours ago`).
    pub status: String,
    /// The image as the listing names it, and the labels: enough for the
    /// plain list of a container DS01 made (see [`Mine::listed_record`]).
    pub image: String,
    pub labels: HashMap<String, String>,
}

impl Mine {
    fn from_owned(o: crate::ds01::owned::Owned) -> Mine {
        let s = o.summary;
        Mine {
            name: o.name,
            tag: o.tag,
            id: s.id.unwrap_or_default(),
            state: s.state.map(|x| x.to_string()).unwrap_or_default(),
            status: s.status.unwrap_or_default(),
            image: s.image.unwrap_or_default(),
            labels: s.labels.unwrap_or_default(),
        }
    }

    /// What the plain list needs of a container DS01 made, from the listing
    /// alone: its `ds01.gpu.uuids` label says which devices it holds, so no
    /// inspect is needed.  `None` for a container without that label (made
    /// by other tools: its device requests must be read) or whose image the
    /// listing shows only by id (its tag is gone; the record keeps the name).
    pub fn listed_record(&self) -> Option<ContainerInspectResponse> {
        let uuids = self.labels.get(labels::GPU_UUIDS)?;
        let by_id = self.image.starts_with("sha256:")
            || (self.image.len() == 12 && self.image.bytes().all(|b| b.is_ascii_hexdigit()));
        if by_id || self.image.is_empty() {
            return None;
        }
        let devices: Vec<String> = uuids
            .split(',')
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect();
        let device_requests = (!devices.is_empty()).then(|| {
            vec![DeviceRequest {
                device_ids: Some(devices),
                ..Default::default()
            }]
        });
        Some(ContainerInspectResponse {
            id: Some(self.id.clone()),
            config: Some(ContainerConfig {
                image: Some(self.image.clone()),
                labels: Some(self.labels.clone()),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                device_requests,
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    /// Whether `docker ps` (without `-a`) lists it.
    pub fn listed_by_ps(&self) -> bool {
        crate::ds01::owned::listed_by_ps(&self.state)
    }
}

/// The containers of user `uid`, newest first, as the engine lists them.
pub fn containers(engine: &Engine, uid: u32) -> Result<Vec<Mine>, EngineError> {
    Ok(crate::ds01::owned::listed(engine, uid, false)?
        .into_iter()
        .map(Mine::from_owned)
        .collect())
}

/// Each container with its inspect record, in the same order; one removed
/// meanwhile is left out.  `listed`: where the listing says enough (the plain
/// list of containers DS01 made), its record is made from that and the
/// engine is not asked again: one request for the whole list.
pub fn inspected(
    engine: &Engine,
    mine: Vec<Mine>,
    listed: bool,
) -> Result<Vec<(Mine, ContainerInspectResponse)>, EngineError> {
    let ids: Vec<String> = mine
        .iter()
        .filter(|m| !listed || m.listed_record().is_none())
        .map(|m| m.id.clone())
        .collect();
    let mut records: HashMap<String, ContainerInspectResponse> = engine
        .inspect_containers(&ids, INSPECT_AT_ONCE)?
        .into_iter()
        .filter_map(|r| Some((r.id.clone()?, r)))
        .collect();
    Ok(mine
        .into_iter()
        .filter_map(|m| {
            let from_list = if listed { m.listed_record() } else { None };
            let record = from_list.or_else(|| records.remove(&m.id))?;
            Some((m, record))
        })
        .collect())
}

/// `{{.Config.Image}}`.
pub fn image(c: &ContainerInspectResponse) -> String {
    c.config
        .as_ref()
        .and_then(|x| x.image.clone())
        .unwrap_or_default()
}

/// `{{index .Config.Labels "KEY"}}`, empty when absent.
pub fn label<'a>(c: &'a ContainerInspectResponse, key: &str) -> &'a str {
    c.config
        .as_ref()
        .and_then(|x| x.labels.as_ref())
        .and_then(|l| l.get(key))
        .map_or("", String::as_str)
}

/// Whether `{{.HostConfig.DeviceRequests}}` is not `[]`.
pub fn requests_devices(c: &ContainerInspectResponse) -> bool {
    c.host_config
        .as_ref()
        .and_then(|h| h.device_requests.as_ref())
        .is_some_and(|r| !r.is_empty())
}

/// `{{.HostConfig.NanoCpus}}` and `{{.HostConfig.Memory}}` (0 when unset).
pub fn cpu_and_memory(c: &ContainerInspectResponse) -> (i64, i64) {
    let h = c.host_config.as_ref();
    (
        h.and_then(|h| h.nano_cpus).unwrap_or(0),
        h.and_then(|h| h.memory).unwrap_or(0),
    )
}

/// The source of the mounts at `destination`, concatenated as the
/// original's `{{range .Mounts}}{{if eq .Destination D}}{{.Source}}...`.
pub fn mount_source(c: &ContainerInspectResponse, destination: &str) -> String {
    c.mounts
        .iter()
        .flatten()
        .filter(|m| m.destination.as_deref() == Some(destination))
        .filter_map(|m| m.source.clone())
        .collect()
}

/// `docker port NAME`: `8888/tcp -> 0.0.0.0:8888`, one line per binding,
/// in the CLI's natural order.
pub fn ports(c: &ContainerInspectResponse) -> Vec<String> {
    let Some(ports) = c.network_settings.as_ref().and_then(|n| n.ports.as_ref()) else {
        return Vec::new();
    };
    let mut lines: Vec<String> = ports
        .iter()
        .flat_map(|(from, bindings)| {
            bindings
                .iter()
                .flatten()
                .map(move |b| format!("{from} -> {}", host_port(b)))
        })
        .collect();
    lines.sort_by(|a, b| natural_cmp(a, b));
    lines
}

/// Go's `net.JoinHostPort`: an IPv6 host in brackets.
fn host_port(b: &PortBinding) -> String {
    let host = b.host_ip.as_deref().unwrap_or("");
    let port = b.host_port.as_deref().unwrap_or("");
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `sortorder.NaturalLess`: runs of digits compare by value (then by
/// length, fewer leading zeros first), everything else byte by byte.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (da, ra) = split_digits(a);
                let (db, rb) = split_digits(b);
                let order = compare_numbers(da, db);
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (ra, rb);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn compare_numbers(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |s: &[u8]| -> usize { s.iter().take_while(|&&c| c == b'0').count() };
    let (va, vb) = (&a[strip(a)..], &b[strip(b)..]);
    va.len()
        .cmp(&vb.len())
        .then_with(|| va.cmp(vb))
        .then_with(|| a.len().cmp(&b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_suffices_only_for_containers_ds01_made() {
        let mut m = Mine {
            image: "ds01-2001/demo:latest".into(),
            ..Default::default()
        };
        assert!(m.listed_record().is_none(), "no label: inspect");
        m.labels
            .insert(labels::GPU_UUIDS.into(), "GPU-a,GPU-b".into());
        let r = m.listed_record().expect("from the listing");
        assert!(requests_devices(&r));
        assert_eq!(image(&r), "ds01-2001/demo:latest");
        m.labels.insert(labels::GPU_UUIDS.into(), String::new());
        assert!(!requests_devices(&m.listed_record().expect("cpu only")));
        m.image = "0123456789ab".into();
        assert!(m.listed_record().is_none(), "image shown by id: inspect");
    }
    use crate::ds01::owned::Owned;
    use crate::engine::ContainerSummary;
    use bollard::models::{ContainerSummaryStateEnum, NetworkSettings};

    #[test]
    fn a_listed_container_keeps_what_the_listing_said() {
        let summary = ContainerSummary {
            id: Some("abc".into()),
            state: Some(ContainerSummaryStateEnum::CREATED),
            status: Some("Created".into()),
            image: Some("ds01-2001/demo:latest".into()),
            ..Default::default()
        };
        let mine = Mine::from_owned(Owned {
            name: "demo".into(),
            tag: "demo._.2001".into(),
            summary,
        });
        assert_eq!(
            (mine.name.as_str(), mine.tag.as_str(), mine.id.as_str()),
            ("demo", "demo._.2001", "abc")
        );
        assert_eq!(
            (mine.state.as_str(), mine.status.as_str()),
            ("created", "Created")
        );
        assert_eq!(mine.image, "ds01-2001/demo:latest");
    }

    #[test]
    fn ports_as_docker_port_prints_them() {
        let binding = |ip: &str, port: &str| PortBinding {
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        };
        let mut map = HashMap::new();
        map.insert(
            "10000/tcp".to_string(),
            Some(vec![binding("0.0.0.0", "10000")]),
        );
        map.insert(
            "8888/tcp".to_string(),
            Some(vec![binding("0.0.0.0", "8888"), binding("::", "8888")]),
        );
        map.insert("22/tcp".to_string(), None);
        let c = ContainerInspectResponse {
            network_settings: Some(NetworkSettings {
                ports: Some(map),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            ports(&c),
            [
                "8888/tcp -> 0.0.0.0:8888",
                "8888/tcp -> [::]:8888",
                "10000/tcp -> 0.0.0.0:10000"
            ]
        );
    }

    #[test]
    fn natural_order() {
        assert_eq!(natural_cmp("a2", "a10"), Ordering::Less);
        assert_eq!(natural_cmp("a02", "a2"), Ordering::Greater);
        assert_eq!(natural_cmp("b", "a9"), Ordering::Greater);
        assert_eq!(natural_cmp("x1", "x1"), Ordering::Equal);
    }
}
