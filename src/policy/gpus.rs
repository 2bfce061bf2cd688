//! The host's GPU/MIG inventory: every GPU (index, name, UUID, MIG mode)
//! and every MIG device (parent GPU, device index, profile such as
//! `3g.20gb`, UUID), as DS01's allocator and state reader see them
//! (reference spec §8.4).  Slot IDs follow DS01: a full GPU is `"<index>"`,
//! a MIG device `"<gpu>.<device>"`.
//!
//! Sources, first that applies:
//! 1. `$DS01_GPU_FIXTURE`: a file holding `nvidia-smi -L` output (the exact
//!    text format below).  For tests and for simulating a bigger server
//!    (e.g. 8 GPUs with MIG) on a machine without one.  A GPU listed with
//!    MIG devices is in MIG mode; a GPU line may end in ` [MIG enabled]`
//!    (not something nvidia-smi prints) to describe a GPU in MIG mode with
//!    no instances yet.  Set but unreadable: a warning, empty inventory.
//!    Only root (or a host without DS01's configuration) can set it, so it
//!    is an explicit override and stays ahead of everything else.
//! 2. The snapshot of the GPU companion `ds01-gpud`
//!    (`<state_dir>/gpud/snapshot.json`, see `gpu_snapshot.rs`): what NVML
//!    said at most a minute ago, with no process started.  Absent: on to
//!    3 silently; present but untrusted, damaged or stale: on to 3 with a
//!    warning (never read as "no GPUs").
//! 3. `nvidia-smi -L` from `PATH` (DS01's tools run exactly this), plus
//!    `nvidia-smi --query-gpu=index,mig.mode.current --format=csv,noheader`
//!    for the MIG mode of GPUs without instances.
//! 4. None of these: an empty inventory (a CPU-only host), never an error.
//!
//! ```text
//! GPU 2: NVIDIA A100-SXM4-40GB (UUID: GPU-2c2c2c2c-1111-2222-3333-222222222222)
//!   MIG 3g.20gb     Device  0: (UUID: MIG-2c000000-aaaa-bbbb-cccc-000000000000)
//! ```
//!
//! **Why not NVML in ds01.**  ds01 is one statically linked glibc
//! executable (`crt-static`).  NVML exists only as the driver's shared
//! library `libnvidia-ml.so.1`, which `nvml-wrapper` loads with `dlopen`.
//! In a static glibc program `dlopen` brings in a *second* copy of the
//! dynamic `libc.so.6` of the host (plus libpthread/libdl that libnvidia-ml
//! links), next to the libc compiled into ds01: two mallocs, two sets of
//! TLS and thread state.  glibc only supports that when the runtime libc is
//! the very version ds01 was linked with (the linker warns so), which is
//! never guaranteed on a lab's GPU server, and libnvidia-ml starts threads
//! of its own.  The outcome ranges from a failed load to a crash inside the
//! driver library, so ds01 does not call NVML in-process.  The one program
//! of the package that does is the companion `ds01-gpud`: small, built
//! *dynamically* linked (`scripts/build-gpud`) against the host's libc like
//! any other NVML client, run once as a root service.  It samples NVML
//! every few seconds and publishes the snapshot (source 2) that every
//! command reads instead; `nvidia-smi`, a separate program that links NVML
//! normally (what the original Python tools ran), remains the fallback.

use super::gpu_snapshot;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// The environment variable naming a fixture file (`nvidia-smi -L` text).
pub const FIXTURE_ENV: &str = "DS01_GPU_FIXTURE";

/// Compute slices of a whole A100/H100: the denominator of a MIG device's
/// compute fraction.
pub const MIG_COMPUTE_SLICES_PER_GPU: u32 = 7;

/// How long `nvidia-smi` may take (the originals' timeout).
const NVIDIA_SMI_TIMEOUT: Duration = Duration::from_secs(30);

/// One physical GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct Gpu {
    pub index: u32,
    /// `NVIDIA A100-SXM4-40GB`.
    pub name: String,
    /// `GPU-…`.
    pub uuid: String,
    /// MIG mode is enabled (with or without instances).
    pub mig_mode: bool,
}

impl Gpu {
    /// The slot ID of the whole GPU.
    pub fn slot(&self) -> String {
        self.index.to_string()
    }
}

/// One MIG device (GPU instance) of a GPU in MIG mode.
#[derive(Debug, Clone, PartialEq)]
pub struct MigDevice {
    /// Index of the GPU it belongs to.
    pub parent: u32,
    /// Its device index on that GPU.
    pub device: u32,
    /// `3g.20gb`.
    pub profile: String,
    /// `MIG-…`.
    pub uuid: String,
}

impl MigDevice {
    /// The slot ID, `"<gpu>.<device>"`.
    pub fn slot(&self) -> String {
        format!("{}.{}", self.parent, self.device)
    }

    /// Share of a whole GPU's compute: the profile's slice count over 7
    /// (`3g.20gb` → 3/7); 0.0 when the profile does not say.
    pub fn compute_fraction(&self) -> f64 {
        compute_fraction(&self.profile)
    }
}

/// The compute slices of a MIG profile: the leading `N` of `Ng…`
/// (case-insensitive), 0 when there is none.
pub fn compute_slices(profile: &str) -> u32 {
    let p = profile.trim();
    let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = &p[digits.len()..];
    if digits.is_empty() || !rest.starts_with(['g', 'G']) {
        return 0;
    }
    digits.parse().unwrap_or(0)
}

/// A MIG profile's share of a whole GPU (`slices / 7`).
pub fn compute_fraction(profile: &str) -> f64 {
    f64::from(compute_slices(profile)) / f64::from(MIG_COMPUTE_SLICES_PER_GPU)
}

/// What a slot ID or UUID refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Device<'a> {
    Gpu(&'a Gpu),
    Mig(&'a MigDevice),
}

/// The inventory: GPUs in index order, MIG devices in listing order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub gpus: Vec<Gpu>,
    pub migs: Vec<MigDevice>,
}

impl Inventory {
    /// The host's inventory from the first source that answers (see the
    /// module documentation); empty when there is none.  `fixture` is the
    /// settings' fixture file; `state_dir` where the companion's snapshot
    /// is looked for (None: not at all), as of `now`.  A warning comes back
    /// when the fixture is unreadable or a snapshot was there but unusable.
    pub fn detect(
        fixture: Option<&Path>,
        state_dir: Option<&Path>,
        now: SystemTime,
    ) -> (Inventory, Option<String>) {
        if let Some(path) = fixture {
            return match std::fs::read_to_string(path) {
                Ok(text) => (Inventory::parse_list(&text), None),
                Err(e) => (
                    Inventory::default(),
                    Some(format!("ds01: {FIXTURE_ENV}={}: {e}", path.display())),
                ),
            };
        }
        let mut warning = None;
        if let Some(dir) = state_dir {
            match gpu_snapshot::read(dir, now) {
                Ok(snapshot) => return (snapshot.inventory, None),
                Err(why) => warning = why.warning(dir),
            }
        }
        (Inventory::from_nvidia_smi(), warning)
    }

    /// `nvidia-smi -L` and, for GPUs without MIG devices, the MIG mode
    /// query; empty without nvidia-smi.
    pub fn from_nvidia_smi() -> Inventory {
        let Some(list) = nvidia_smi(&["-L"], NVIDIA_SMI_TIMEOUT) else {
            return Inventory::default();
        };
        let mut inventory = Inventory::parse_list(&list);
        if inventory.gpus.iter().any(|g| !g.mig_mode) {
            if let Some(modes) = nvidia_smi(
                &[
                    "--query-gpu=index,mig.mode.current",
                    "--format=csv,noheader",
                ],
                NVIDIA_SMI_TIMEOUT,
            ) {
                inventory.apply_mig_modes(&modes);
            }
        }
        inventory
    }

    /// The inventory as `nvidia-smi -L` lists it (the fixture format), GPUs
    /// in order, each followed by its MIG devices.
    pub fn to_list(&self) -> String {
        let mut text = String::new();
        for g in &self.gpus {
            text.push_str(&format!("GPU {}: {} (UUID: {})\n", g.index, g.name, g.uuid));
            for m in self.migs_of(g.index) {
                text.push_str(&format!(
                    "  MIG {:<11} Device {:>2}: (UUID: {})\n",
                    m.profile, m.device, m.uuid
                ));
            }
        }
        text
    }

    /// Parse `nvidia-smi -L` output.  Lines that are neither a GPU line nor
    /// a MIG line under a GPU are ignored.
    ///
    /// A UUID or GPU index seen before is left out: one device is one slot
    /// (a list naming a UUID twice would give one device to two users).
    pub fn parse_list(text: &str) -> Inventory {
        let mut inventory = Inventory::default();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        // MIG lines belong to the GPU line above them, if that one counted.
        let mut under_kept_gpu = false;
        for line in text.lines() {
            if let Some(gpu) = parse_gpu_line(line) {
                let index_seen = inventory.gpus.iter().any(|g| g.index == gpu.index);
                under_kept_gpu = !index_seen && seen.insert(gpu.uuid.clone());
                if under_kept_gpu {
                    inventory.gpus.push(gpu);
                }
            } else if let Some((profile, device, uuid)) = parse_mig_line(line) {
                if !under_kept_gpu || !seen.insert(uuid.clone()) {
                    continue;
                }
                if let Some(parent) = inventory.gpus.last_mut() {
                    parent.mig_mode = true;
                    inventory.migs.push(MigDevice {
                        parent: parent.index,
                        device,
                        profile,
                        uuid,
                    });
                }
            }
        }
        inventory
    }

    /// Mark GPUs whose `index, mig.mode.current` row says `Enabled`.
    pub fn apply_mig_modes(&mut self, csv: &str) {
        for line in csv.lines() {
            let mut parts = line.split(',').map(str::trim);
            let (Some(index), Some(mode)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(index) = index.parse::<u32>() else {
                continue;
            };
            if mode == "Enabled" {
                if let Some(g) = self.gpus.iter_mut().find(|g| g.index == index) {
                    g.mig_mode = true;
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.gpus.is_empty()
    }

    /// The MIG devices of GPU `index`.
    pub fn migs_of(&self, index: u32) -> impl Iterator<Item = &MigDevice> {
        self.migs.iter().filter(move |m| m.parent == index)
    }

    /// The device with this UUID (`GPU-…` or `MIG-…`).
    pub fn by_uuid(&self, uuid: &str) -> Option<Device<'_>> {
        if let Some(g) = self.gpus.iter().find(|g| g.uuid == uuid) {
            return Some(Device::Gpu(g));
        }
        self.migs.iter().find(|m| m.uuid == uuid).map(Device::Mig)
    }

    /// The device with this slot ID (`"2"` or `"2.1"`).
    pub fn by_slot(&self, slot: &str) -> Option<Device<'_>> {
        match slot.split_once('.') {
            None => {
                let index: u32 = slot.parse().ok()?;
                self.gpus.iter().find(|g| g.index == index).map(Device::Gpu)
            }
            Some((gpu, device)) => {
                let (gpu, device): (u32, u32) = (gpu.parse().ok()?, device.parse().ok()?);
                self.migs
                    .iter()
                    .find(|m| m.parent == gpu && m.device == device)
                    .map(Device::Mig)
            }
        }
    }

    /// The slot ID of the device with this UUID.
    pub fn slot_of(&self, uuid: &str) -> Option<String> {
        self.by_uuid(uuid).map(|d| match d {
            Device::Gpu(g) => g.slot(),
            Device::Mig(m) => m.slot(),
        })
    }

    /// UUID → slot ID for every GPU and MIG device.
    pub fn uuid_to_slot(&self) -> HashMap<String, String> {
        let gpus = self.gpus.iter().map(|g| (g.uuid.clone(), g.slot()));
        let migs = self.migs.iter().map(|m| (m.uuid.clone(), m.slot()));
        gpus.chain(migs).collect()
    }

    /// Every allocatable slot, as the allocator offers them: the MIG
    /// devices, and the GPUs that are not in MIG mode.
    pub fn slots(&self) -> Vec<(String, Device<'_>)> {
        let mut slots: Vec<(String, Device<'_>)> = Vec::new();
        for g in &self.gpus {
            if g.mig_mode {
                slots.extend(self.migs_of(g.index).map(|m| (m.slot(), Device::Mig(m))));
            } else {
                slots.push((g.slot(), Device::Gpu(g)));
            }
        }
        slots
    }
}

/// `GPU <n>: <name> (UUID: <uuid>)[ [MIG enabled]]`
fn parse_gpu_line(line: &str) -> Option<Gpu> {
    let rest = line.strip_prefix("GPU ")?;
    let (index, rest) = rest.split_once(':')?;
    let index: u32 = index.parse().ok()?;
    let open = rest.find("(UUID:")?;
    let name = rest[..open].trim().to_string();
    let after = &rest[open + "(UUID:".len()..];
    let close = after.find(')')?;
    let uuid = after[..close].trim().to_string();
    if name.is_empty() || !uuid.starts_with("GPU-") {
        return None;
    }
    let mig_mode = after[close + 1..].contains("[MIG enabled]");
    Some(Gpu {
        index,
        name,
        uuid,
        mig_mode,
    })
}

/// `  MIG <profile> Device <d>: (UUID: <uuid>)` → (profile, d, uuid).
fn parse_mig_line(line: &str) -> Option<(String, u32, String)> {
    if !line.starts_with(char::is_whitespace) {
        return None;
    }
    let mut words = line.split_whitespace();
    if words.next()? != "MIG" {
        return None;
    }
    let profile = words.next()?.to_string();
    if words.next()? != "Device" {
        return None;
    }
    let device: u32 = words.next()?.strip_suffix(':')?.parse().ok()?;
    let open = line.find("(UUID:")?;
    let after = &line[open + "(UUID:".len()..];
    let uuid = after[..after.find(')')?].trim().to_string();
    if !uuid.starts_with("MIG-") {
        return None;
    }
    Some((profile, device, uuid))
}

/// Run `nvidia-smi ARGS` from PATH; its stdout when it exits 0 within
/// `timeout`, else None (no nvidia-smi, no driver, a hang).
pub(crate) fn nvidia_smi(args: &[&str], timeout: Duration) -> Option<String> {
    let mut child = Command::new("nvidia-smi")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).ok().map(|_| text)
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let text = reader.join().ok()??;
    status.success().then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fake-nvidia-smi -L` of the ds01 recording machine (4 A100s, GPUs 2
    /// and 3 in MIG mode).
    pub const FAKE_LIST: &str = include_str!("../../tests/fixtures/recording-nvidia-smi-L.txt");

    /// An 8-GPU H100 server: GPUs 0-3 whole, 4 with 7×1g, 5 with 3g+2g+1g+1g,
    /// 6 with one 7g, 7 in MIG mode without instances.
    fn eight_gpu_fixture() -> String {
        let mut text = String::new();
        let mig = |gpu: u32, profiles: &[&str], text: &mut String| {
            for (d, p) in profiles.iter().enumerate() {
                text.push_str(&format!(
                    "  MIG {p:<11} Device {d:>2}: (UUID: MIG-{gpu}{d}000000-aaaa-bbbb-cccc-00000000000{d})\n"
                ));
            }
        };
        for i in 0..8u32 {
            text.push_str(&format!(
                "GPU {i}: NVIDIA H100 80GB HBM3 (UUID: GPU-{i}{i}{i}{i}{i}{i}{i}{i}-1111-2222-3333-44444444444{i}){}\n",
                if i == 7 { " [MIG enabled]" } else { "" }
            ));
            match i {
                4 => mig(4, &["1g.10gb"; 7], &mut text),
                5 => mig(5, &["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"], &mut text),
                6 => mig(6, &["7g.80gb"], &mut text),
                _ => {}
            }
        }
        text
    }

    #[test]
    fn a_device_listed_twice_is_one_device() {
        let inv = Inventory::parse_list(
            "GPU 0: A (UUID: GPU-0)\nGPU 1: A (UUID: GPU-0)\nGPU 0: A (UUID: GPU-9)\n\
             \x20 MIG 1g.10gb Device 0: (UUID: MIG-1)\n\
             GPU 2: A (UUID: GPU-2)\n\
             \x20 MIG 1g.10gb Device 0: (UUID: MIG-2)\n\
             \x20 MIG 1g.10gb Device 1: (UUID: MIG-2)\n",
        );
        let gpus: Vec<&str> = inv.gpus.iter().map(|g| g.uuid.as_str()).collect();
        assert_eq!(gpus, ["GPU-0", "GPU-2"]);
        let migs: Vec<&str> = inv.migs.iter().map(|m| m.uuid.as_str()).collect();
        assert_eq!(migs, ["MIG-2"]);
    }

    #[test]
    fn parses_the_fake_nvidia_smi() {
        let inv = Inventory::parse_list(FAKE_LIST);
        assert_eq!(inv.gpus.len(), 4);
        assert_eq!(inv.migs.len(), 5);
        assert_eq!(inv.gpus[2].name, "NVIDIA A100-SXM4-40GB");
        assert_eq!(inv.gpus[0].uuid, "GPU-0a0a0a0a-1111-2222-3333-000000000000");
        let modes: Vec<bool> = inv.gpus.iter().map(|g| g.mig_mode).collect();
        assert_eq!(modes, [false, false, true, true]);
        let m = &inv.migs[4];
        assert_eq!((m.parent, m.device, m.profile.as_str()), (3, 2, "2g.10gb"));
        assert_eq!(m.uuid, "MIG-3d000002-aaaa-bbbb-cccc-000000000002");
        assert_eq!(m.slot(), "3.2");
        assert!((inv.migs[0].compute_fraction() - 3.0 / 7.0).abs() < 1e-12);
        assert!((m.compute_fraction() - 2.0 / 7.0).abs() < 1e-12);
        assert_eq!(
            inv.slot_of("MIG-2c000001-aaaa-bbbb-cccc-000000000001")
                .as_deref(),
            Some("2.1")
        );
        assert_eq!(
            inv.slot_of("GPU-1b1b1b1b-1111-2222-3333-111111111111")
                .as_deref(),
            Some("1")
        );
        assert_eq!(inv.slot_of("GPU-nope"), None);
        let slots: Vec<String> = inv.slots().into_iter().map(|(s, _)| s).collect();
        assert_eq!(slots, ["0", "1", "2.0", "2.1", "3.0", "3.1", "3.2"]);
        assert_eq!(inv.uuid_to_slot().len(), 9);
        assert!(matches!(inv.by_slot("3.1"), Some(Device::Mig(m)) if m.device == 1));
        assert!(matches!(inv.by_slot("1"), Some(Device::Gpu(g)) if g.index == 1));
        assert_eq!(inv.by_slot("9"), None);
        assert_eq!(inv.by_slot("x.1"), None);
    }

    #[test]
    fn parses_an_eight_gpu_mig_server() {
        let inv = Inventory::parse_list(&eight_gpu_fixture());
        assert_eq!(inv.gpus.len(), 8);
        assert_eq!(inv.migs.len(), 12);
        let modes: Vec<bool> = inv.gpus.iter().map(|g| g.mig_mode).collect();
        assert_eq!(modes, [false, false, false, false, true, true, true, true]);
        assert_eq!(inv.migs_of(4).count(), 7);
        assert_eq!(inv.migs_of(7).count(), 0);
        let fractions: Vec<f64> = inv.migs_of(5).map(MigDevice::compute_fraction).collect();
        assert_eq!(fractions, [3.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0, 1.0 / 7.0]);
        assert_eq!(
            inv.migs_of(6).next().map(|m| m.compute_fraction()),
            Some(1.0)
        );
        // GPUs 0-3 whole, 7+4+1 MIG devices, GPU 7 offers nothing.
        assert_eq!(inv.slots().len(), 4 + 7 + 4 + 1);
        assert_eq!(
            inv.slot_of("MIG-52000000-aaaa-bbbb-cccc-000000000002")
                .as_deref(),
            Some("5.2")
        );
    }

    #[test]
    fn profiles_and_odd_lines() {
        assert_eq!(compute_slices("3g.20gb"), 3);
        assert_eq!(compute_slices(" 7G.80gb"), 7);
        assert_eq!(compute_slices("1c.3g.20gb"), 0);
        assert_eq!(compute_slices(""), 0);
        assert_eq!(compute_fraction("x"), 0.0);
        // A MIG line before any GPU, banners and blank lines are ignored.
        let inv = Inventory::parse_list(
            "  MIG 1g.5gb Device 0: (UUID: MIG-1)\n\nNo devices found.\nGPU x: y (UUID: GPU-1)\n",
        );
        assert!(inv.is_empty());
        assert!(inv.migs.is_empty());
    }

    #[test]
    fn lists_as_nvidia_smi_does() {
        let inv = Inventory::parse_list(FAKE_LIST);
        assert_eq!(inv.to_list(), FAKE_LIST);
        assert_eq!(Inventory::parse_list(&inv.to_list()), inv);
    }

    #[test]
    fn an_explicit_fixture_comes_before_the_snapshot() {
        let dir = std::env::temp_dir().join(format!("ds01-gpus-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let fixture = dir.join("gpus");
        std::fs::write(&fixture, FAKE_LIST).expect("fixture");
        // The state directory is never opened: no snapshot warning either.
        let nowhere = Path::new("/nonexistent/state");
        let (inv, warning) = Inventory::detect(Some(&fixture), Some(nowhere), SystemTime::now());
        assert_eq!((inv.gpus.len(), warning), (4, None));
        let (inv, warning) =
            Inventory::detect(Some(&dir.join("missing")), Some(nowhere), SystemTime::now());
        assert!(inv.is_empty());
        assert!(warning.is_some_and(|w| w.contains("DS01_GPU_FIXTURE=")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn mig_mode_query() {
        let mut inv = Inventory::parse_list(FAKE_LIST);
        inv.gpus[3].mig_mode = false;
        inv.apply_mig_modes("0, Disabled\n1, Disabled\n2, Enabled\n3, Enabled\nbad\n");
        let modes: Vec<bool> = inv.gpus.iter().map(|g| g.mig_mode).collect();
        assert_eq!(modes, [false, false, true, true]);
    }
}
