//! What NVML reported, as plain facts, and the snapshot made of them.
//! Kept apart from the NVML calls so that the rules (slot names, MIG
//! profiles, whose utilization a MIG slot shows) are tested without a GPU.

use ds01::policy::gpu_snapshot::Snapshot;
use ds01::policy::gpus::{Gpu, Inventory, MigDevice};
use std::collections::BTreeMap;

/// The host as NVML answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Host {
    pub gpus: Vec<RawGpu>,
    pub driver_version: Option<String>,
    /// NVML's CUDA driver version number, `12040` for 12.4.
    pub cuda_version: Option<i32>,
}

/// One physical GPU.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawGpu {
    /// NVML's index, the one `nvidia-smi -L` prints.
    pub index: u32,
    pub name: String,
    pub uuid: String,
    pub mig_enabled: bool,
    /// `utilization_rates().gpu`, when NVML gives it (not in MIG mode).
    pub utilization: Option<u32>,
    pub migs: Vec<RawMig>,
}

/// One MIG device, by its index under the parent (`Device N` of
/// `nvidia-smi -L`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawMig {
    pub device: u32,
    /// `NVIDIA A100-SXM4-40GB MIG 3g.20gb`.
    pub name: String,
    pub uuid: String,
    pub utilization: Option<u32>,
    /// GPU-instance slices and memory, for a name that carries no profile.
    pub slices: Option<u32>,
    pub memory_mb: Option<u64>,
}

/// The snapshot of `host` taken at `taken_at`; an inconsistent answer
/// (a UUID twice, ...) is an error rather than a snapshot.
pub fn assemble(host: &Host, taken_at: u64) -> Result<Snapshot, String> {
    let mut inventory = Inventory::default();
    let mut utilization = BTreeMap::new();
    for g in &host.gpus {
        inventory.gpus.push(Gpu {
            index: g.index,
            name: g.name.clone(),
            uuid: g.uuid.clone(),
            mig_mode: g.mig_enabled,
        });
        if let Some(u) = g.utilization {
            utilization.insert(g.index.to_string(), u.min(100));
        }
        for m in g.migs.iter().filter(|_| g.mig_enabled) {
            let device = MigDevice {
                parent: g.index,
                device: m.device,
                profile: profile(m),
                uuid: m.uuid.clone(),
            };
            // A MIG slot shows its own figure, else its GPU's.
            if let Some(u) = m.utilization.or(g.utilization) {
                utilization.insert(device.slot(), u.min(100));
            }
            inventory.migs.push(device);
        }
    }
    let snapshot = Snapshot {
        taken_at,
        inventory,
        utilization,
        driver_version: host.driver_version.clone(),
        cuda_version: host.cuda_version.and_then(cuda_text),
    };
    snapshot.check()?;
    Ok(snapshot)
}

/// The profile as `nvidia-smi -L` prints it: the end of the device's name
/// after `MIG ` (`3g.20gb`), else made from its slices and memory
/// (`<slices>g.<GiB rounded up>gb`), else `unknown`.
pub fn profile(m: &RawMig) -> String {
    if let Some((_, p)) = m.name.rsplit_once("MIG ") {
        let p = p.trim();
        if !p.is_empty() && !p.contains(char::is_whitespace) {
            return p.to_string();
        }
    }
    match (m.slices, m.memory_mb) {
        (Some(s), Some(mb)) if s > 0 && mb > 0 => format!("{s}g.{}gb", mb.div_ceil(1024)),
        _ => "unknown".to_string(),
    }
}

/// `12040` → `12.4`.
pub fn cuda_text(v: i32) -> Option<String> {
    (v > 0).then(|| format!("{}.{}", v / 1000, (v % 1000) / 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recording machine's GPUs, as NVML would answer.
    fn host() -> Host {
        let gpu = |index: u32, uuid: &str, util| RawGpu {
            index,
            name: "NVIDIA A100-SXM4-40GB".into(),
            uuid: uuid.into(),
            utilization: util,
            ..RawGpu::default()
        };
        let mig = |device, p: &str, uuid: &str| RawMig {
            device,
            name: format!("NVIDIA A100-SXM4-40GB MIG {p}"),
            uuid: uuid.into(),
            ..RawMig::default()
        };
        let mut gpus = vec![
            gpu(0, "GPU-0a0a0a0a-1111-2222-3333-000000000000", Some(12)),
            gpu(1, "GPU-1b1b1b1b-1111-2222-3333-111111111111", Some(0)),
            gpu(2, "GPU-2c2c2c2c-1111-2222-3333-222222222222", None),
            gpu(3, "GPU-3d3d3d3d-1111-2222-3333-333333333333", Some(55)),
        ];
        gpus[2].mig_enabled = true;
        gpus[2].migs = (0..2)
            .map(|d| {
                mig(
                    d,
                    "3g.20gb",
                    &format!("MIG-2c00000{d}-aaaa-bbbb-cccc-00000000000{d}"),
                )
            })
            .collect();
        gpus[3].mig_enabled = true;
        gpus[3].migs = (0..3)
            .map(|d| {
                mig(
                    d,
                    "2g.10gb",
                    &format!("MIG-3d00000{d}-aaaa-bbbb-cccc-00000000000{d}"),
                )
            })
            .collect();
        gpus[3].migs[1].utilization = Some(7);
        Host {
            gpus,
            driver_version: Some("550.54.15".into()),
            cuda_version: Some(12040),
        }
    }

    #[test]
    fn agrees_with_nvidia_smi_l() {
        let s = assemble(&host(), 99).expect("snapshot");
        let list = include_str!("../../tests/fixtures/recording-nvidia-smi-L.txt");
        assert_eq!(s.inventory, Inventory::parse_list(list));
        assert_eq!(s.inventory.to_list(), list);
        assert_eq!((s.taken_at, s.cuda_version.as_deref()), (99, Some("12.4")));
    }

    #[test]
    fn mig_slots_show_their_own_figure_else_their_gpus() {
        let s = assemble(&host(), 1).expect("snapshot");
        let got: Vec<(&str, u32)> = s
            .utilization
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        // GPU 2 has no figure in MIG mode: its slots have none either.
        assert_eq!(
            got,
            [
                ("0", 12),
                ("1", 0),
                ("3", 55),
                ("3.0", 55),
                ("3.1", 7),
                ("3.2", 55)
            ]
        );
    }

    #[test]
    fn inconsistent_answers_are_not_published() {
        let mut h = host();
        h.gpus[1].uuid = h.gpus[0].uuid.clone();
        assert!(assemble(&h, 1).is_err());
        // MIG devices of a GPU not in MIG mode are left out, as nvidia-smi does.
        let mut h = host();
        h.gpus[2].mig_enabled = false;
        assert_eq!(assemble(&h, 1).expect("snapshot").inventory.migs.len(), 3);
    }

    #[test]
    fn profiles() {
        let m = |name: &str, slices, mb| RawMig {
            name: name.into(),
            slices,
            memory_mb: mb,
            ..RawMig::default()
        };
        assert_eq!(
            profile(&m("NVIDIA H100 80GB HBM3 MIG 1g.10gb", None, None)),
            "1g.10gb"
        );
        assert_eq!(
            profile(&m("A100-SXM4-40GB MIG 1g.5gb+me", None, None)),
            "1g.5gb+me"
        );
        assert_eq!(
            profile(&m("NVIDIA A100-SXM4-40GB", Some(3), Some(19968))),
            "3g.20gb"
        );
        assert_eq!(profile(&m("", Some(1), Some(4864))), "1g.5gb");
        assert_eq!(profile(&m("", None, Some(4864))), "unknown");
        assert_eq!(cuda_text(12040).as_deref(), Some("12.4"));
        assert_eq!(cuda_text(11080).as_deref(), Some("11.8"));
        assert_eq!(cuda_text(0), None);
    }
}
