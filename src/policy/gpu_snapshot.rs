//! The GPU snapshot that `ds01-gpud` publishes in the state directory
//! (issue 13 item 3): what NVML said about the GPUs, MIG devices and their
//! utilization at one moment, so that the static commands need neither
//! NVML nor an `nvidia-smi` process each (see `gpus.rs` for why ds01 itself
//! never loads NVML).
//!
//! Where: `<state_dir>/gpud/snapshot.json`.  The state directory is open to
//! every user (1777), so the snapshot sits one level down in a directory
//! only root writes; the companion makes it (0755, root) and refuses one
//! that somebody else made.  The reader trusts the file only when that
//! directory and the file are root's, writable by nobody else, not links,
//! a regular file of reasonable size, in a format it knows and taken
//! recently.  Anything else is a [`Rejected`] reason: the caller falls back
//! to `nvidia-smi` and may say why; a damaged snapshot never reads as "no
//! GPUs".
//!
//! Format (JSON, `format` 1; fields may be added without a new number, a
//! change of meaning takes one):
//!
//! ```json
//! {"format": 1, "taken_at": 1718000000, "driver_version": "550.54.15",
//!  "cuda_version": "12.4",
//!  "gpus": [{"index": 2, "name": "NVIDIA A100-SXM4-40GB",
//!            "uuid": "GPU-…", "mig_mode": true}],
//!  "migs": [{"parent": 2, "device": 0, "profile": "3g.20gb", "uuid": "MIG-…"}],
//!  "utilization": {"0": 12, "2.0": 40}}
//! ```
//!
//! Writing is atomic: a temporary file in the same directory, written,
//! fsynced, renamed over the old snapshot (readers see the old or the new
//! one, never half of one).

use super::fd::{self, fchmod, fstat};
use super::gpus::{Gpu, Inventory, MigDevice};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old a snapshot may be before it is ignored.
pub const SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(60);

/// How far in the future `taken_at` may be (clocks read a moment apart).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5);

/// The format number this ds01 writes and reads.
pub const FORMAT: u32 = 1;

/// The companion's directory under the state directory, and its file.
pub const SNAPSHOT_DIR: &str = "gpud";
pub const SNAPSHOT_FILE: &str = "snapshot.json";

/// The largest snapshot worth reading: 8 GPUs with 7 MIG devices each
/// take about 10 KiB.
pub const MAX_SNAPSHOT_BYTES: u64 = 256 * 1024;

/// What the companion saw at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// When it was taken, in seconds since the epoch.
    pub taken_at: u64,
    pub inventory: Inventory,
    /// Utilization in percent by slot (`"0"`, `"1.2"`); a slot without a
    /// reading is absent.
    pub utilization: BTreeMap<String, u32>,
    /// The driver's version (`550.54.15`), when NVML said.
    pub driver_version: Option<String>,
    /// The CUDA version the driver supports (`12.4`), when NVML said.
    pub cuda_version: Option<String>,
}

/// Why there is no snapshot to use.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejected {
    /// No companion publishes here (no directory, or no file yet): the
    /// ordinary case on a host without it, not worth a warning.
    Missing,
    /// The directory or file is not root's alone (planted, a link, ...).
    Untrusted(String),
    /// Unreadable, too large, not JSON, an unknown format, inconsistent.
    Damaged(String),
    /// Taken longer ago than [`SNAPSHOT_MAX_AGE`]: the companion stopped.
    Stale { age_s: u64 },
    /// Taken later than now (beyond [`MAX_CLOCK_SKEW`]).
    Future { ahead_s: u64 },
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::Missing => write!(f, "no snapshot"),
            Rejected::Untrusted(why) | Rejected::Damaged(why) => write!(f, "{why}"),
            Rejected::Stale { age_s } => write!(
                f,
                "taken {age_s}s ago (more than {}s: is ds01-gpud running?)",
                SNAPSHOT_MAX_AGE.as_secs()
            ),
            Rejected::Future { ahead_s } => write!(f, "taken {ahead_s}s in the future"),
        }
    }
}

impl Rejected {
    /// The line a command may show on stderr; None when there is nothing
    /// to say (no companion on this host).
    pub fn warning(&self, state_dir: &Path) -> Option<String> {
        if *self == Rejected::Missing {
            return None;
        }
        Some(format!(
            "ds01: ignoring the GPU snapshot {}: {self}",
            snapshot_path(state_dir).display()
        ))
    }
}

/// `<state_dir>/gpud/snapshot.json`.
pub fn snapshot_path(state_dir: &Path) -> PathBuf {
    state_dir.join(SNAPSHOT_DIR).join(SNAPSHOT_FILE)
}

/// The snapshot under `state_dir`, if there is a trustworthy one no older
/// than [`SNAPSHOT_MAX_AGE`] at `now`.
pub fn read_fresh(state_dir: &Path, now: SystemTime) -> Option<Snapshot> {
    read(state_dir, now).ok()
}

/// The snapshot under `state_dir`, or why it cannot be used.
pub fn read(state_dir: &Path, now: SystemTime) -> Result<Snapshot, Rejected> {
    let text = read_trusted(state_dir)?;
    let snapshot = Snapshot::from_json(&text).map_err(Rejected::Damaged)?;
    check_age(snapshot.taken_at, now)?;
    Ok(snapshot)
}

/// Seconds since the epoch (0 before it).
pub fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn check_age(taken_at: u64, now: SystemTime) -> Result<(), Rejected> {
    let now = epoch_seconds(now);
    if taken_at > now.saturating_add(MAX_CLOCK_SKEW.as_secs()) {
        return Err(Rejected::Future {
            ahead_s: taken_at - now,
        });
    }
    let age_s = now.saturating_sub(taken_at);
    if age_s > SNAPSHOT_MAX_AGE.as_secs() {
        return Err(Rejected::Stale { age_s });
    }
    Ok(())
}

/// The file's text, after the ownership checks of the module notes.
fn read_trusted(state_dir: &Path) -> Result<String, Rejected> {
    let top = open_dir(None, state_dir.as_os_str().as_bytes(), state_dir)?;
    check_state_dir(&top, state_dir)?;
    let dir_path = state_dir.join(SNAPSHOT_DIR);
    let dir = open_dir(Some(&top), SNAPSHOT_DIR.as_bytes(), &dir_path)?;
    check_root_only(&dir, &dir_path, libc::S_IFDIR)?;
    let path = dir_path.join(SNAPSHOT_FILE);
    let name = c_string(SNAPSHOT_FILE.as_bytes()).map_err(Rejected::Damaged)?;
    let fd = fd::open_at(Some(&dir), &name, libc::O_RDONLY | libc::O_NONBLOCK, 0)
        .map_err(|e| open_failure(e, &path))?;
    let st = check_root_only(&fd, &path, libc::S_IFREG)?;
    if st.st_size as u64 > MAX_SNAPSHOT_BYTES {
        return Err(Rejected::Damaged(format!(
            "{} is larger than {MAX_SNAPSHOT_BYTES} bytes",
            path.display()
        )));
    }
    let mut text = String::new();
    File::from(fd)
        .take(MAX_SNAPSHOT_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| Rejected::Damaged(format!("cannot read {}: {e}", path.display())))?;
    Ok(text)
}

/// The state directory may be open to all only when sticky (else anybody
/// could swap the companion's directory), and must be root's or ours.
fn check_state_dir(fd: &OwnedFd, path: &Path) -> Result<(), Rejected> {
    let st = fstat(fd).map_err(|e| Rejected::Damaged(format!("{}: {e}", path.display())))?;
    if st.st_uid != 0 && st.st_uid != fd::euid() {
        return Err(Rejected::Untrusted(format!(
            "{} belongs to uid {}",
            path.display(),
            st.st_uid
        )));
    }
    if st.st_mode & 0o022 != 0 && st.st_mode & libc::S_ISVTX == 0 {
        return Err(Rejected::Untrusted(format!(
            "{} is writable by others but not sticky",
            path.display()
        )));
    }
    Ok(())
}

/// Root's, of the kind `kind`, and writable by nobody else.
fn check_root_only(fd: &OwnedFd, path: &Path, kind: libc::mode_t) -> Result<libc::stat, Rejected> {
    let st = fstat(fd).map_err(|e| Rejected::Damaged(format!("{}: {e}", path.display())))?;
    let what = if kind == libc::S_IFDIR {
        "a directory"
    } else {
        "a regular file"
    };
    if st.st_mode & libc::S_IFMT != kind {
        return Err(Rejected::Untrusted(format!(
            "{} is not {what}",
            path.display()
        )));
    }
    if st.st_uid != 0 {
        return Err(Rejected::Untrusted(format!(
            "{} belongs to uid {}, not to root",
            path.display(),
            st.st_uid
        )));
    }
    if st.st_mode & 0o022 != 0 {
        return Err(Rejected::Untrusted(format!(
            "{} is writable by others (mode {:o})",
            path.display(),
            st.st_mode & 0o7777
        )));
    }
    Ok(st)
}

fn open_dir(at: Option<&OwnedFd>, name: &[u8], path: &Path) -> Result<OwnedFd, Rejected> {
    let c = c_string(name).map_err(Rejected::Damaged)?;
    fd::open_dir(at, &c).map_err(|e| open_failure(e, path))
}

/// A failed open as a reason: absent is [`Rejected::Missing`], a link (or
/// a non-directory where one belongs) is untrusted.
fn open_failure(e: std::io::Error, path: &Path) -> Rejected {
    match e.raw_os_error() {
        Some(libc::ENOENT) => Rejected::Missing,
        Some(libc::ELOOP) | Some(libc::ENOTDIR) => Rejected::Untrusted(format!(
            "{} is a symbolic link or not a directory",
            path.display()
        )),
        _ => Rejected::Damaged(format!("cannot open {}: {e}", path.display())),
    }
}

// ---- the format ----------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    format: u32,
    taken_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    driver_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cuda_version: Option<String>,
    gpus: Vec<WireGpu>,
    migs: Vec<WireMig>,
    utilization: BTreeMap<String, u32>,
}

#[derive(Serialize, Deserialize)]
struct WireGpu {
    index: u32,
    name: String,
    uuid: String,
    mig_mode: bool,
}

#[derive(Serialize, Deserialize)]
struct WireMig {
    parent: u32,
    device: u32,
    profile: String,
    uuid: String,
}

impl Snapshot {
    /// The snapshot as the companion writes it (one JSON document and a
    /// newline).
    pub fn to_json(&self) -> String {
        let inv = &self.inventory;
        let wire = Wire {
            format: FORMAT,
            taken_at: self.taken_at,
            driver_version: self.driver_version.clone(),
            cuda_version: self.cuda_version.clone(),
            gpus: inv.gpus.iter().map(WireGpu::from).collect(),
            migs: inv.migs.iter().map(WireMig::from).collect(),
            utilization: self.utilization.clone(),
        };
        // Plain structs of strings and numbers: serializing cannot fail.
        let mut text = serde_json::to_string_pretty(&wire).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parse and check a snapshot; the error says what is wrong.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let header: Header =
            serde_json::from_str(text).map_err(|e| format!("not a GPU snapshot: {e}"))?;
        if header.format != FORMAT {
            return Err(format!(
                "format {} (this ds01 reads format {FORMAT})",
                header.format
            ));
        }
        let wire: Wire = serde_json::from_str(text).map_err(|e| format!("damaged: {e}"))?;
        let snapshot = Snapshot {
            taken_at: wire.taken_at,
            inventory: Inventory {
                gpus: wire.gpus.into_iter().map(Gpu::from).collect(),
                migs: wire.migs.into_iter().map(MigDevice::from).collect(),
            },
            utilization: wire.utilization,
            driver_version: wire.driver_version,
            cuda_version: wire.cuda_version,
        };
        snapshot.check()?;
        Ok(snapshot)
    }

    /// The inventory is one the nvidia-smi path could have produced: each
    /// index, slot and UUID once, MIG devices under a GPU in MIG mode, and
    /// utilization only for known slots, at most 100%.
    pub fn check(&self) -> Result<(), String> {
        let inv = &self.inventory;
        let mut uuids = HashSet::new();
        let mut indexes = HashSet::new();
        for g in &inv.gpus {
            if !g.uuid.starts_with("GPU-") || !uuids.insert(g.uuid.as_str()) {
                return Err(format!(
                    "GPU {}: bad or repeated UUID {:?}",
                    g.index, g.uuid
                ));
            }
            if !indexes.insert(g.index) {
                return Err(format!("GPU index {} listed twice", g.index));
            }
        }
        let mut slots = HashSet::new();
        for m in &inv.migs {
            let parent_in_mig_mode = inv.gpus.iter().any(|g| g.index == m.parent && g.mig_mode);
            if !parent_in_mig_mode {
                return Err(format!("MIG device {} has no GPU in MIG mode", m.slot()));
            }
            if !m.uuid.starts_with("MIG-") || !uuids.insert(m.uuid.as_str()) {
                return Err(format!("MIG device {}: bad or repeated UUID", m.slot()));
            }
            if !slots.insert(m.slot()) {
                return Err(format!("MIG device {} listed twice", m.slot()));
            }
        }
        for (slot, &percent) in &self.utilization {
            if inv.by_slot(slot).is_none() {
                return Err(format!("utilization of unknown slot {slot:?}"));
            }
            if percent > 100 {
                return Err(format!("utilization of {slot} is {percent}%"));
            }
        }
        Ok(())
    }
}

impl From<&Gpu> for WireGpu {
    fn from(g: &Gpu) -> Self {
        WireGpu {
            index: g.index,
            name: g.name.clone(),
            uuid: g.uuid.clone(),
            mig_mode: g.mig_mode,
        }
    }
}

impl From<WireGpu> for Gpu {
    fn from(g: WireGpu) -> Self {
        Gpu {
            index: g.index,
            name: g.name,
            uuid: g.uuid,
            mig_mode: g.mig_mode,
        }
    }
}

impl From<&MigDevice> for WireMig {
    fn from(m: &MigDevice) -> Self {
        WireMig {
            parent: m.parent,
            device: m.device,
            profile: m.profile.clone(),
            uuid: m.uuid.clone(),
        }
    }
}

impl From<WireMig> for MigDevice {
    fn from(m: WireMig) -> Self {
        MigDevice {
            parent: m.parent,
            device: m.device,
            profile: m.profile,
            uuid: m.uuid,
        }
    }
}

// ---- publishing (the companion, as root) ---------------------------------

/// The companion's directory, opened and checked once; every write goes
/// through its descriptor.
pub struct Publisher {
    dir: OwnedFd,
    path: PathBuf,
}

impl Publisher {
    /// Open (making it if missing) `<state_dir>/gpud`.  Root only: readers
    /// trust nothing else.  A directory somebody else made, a link, or a
    /// state directory that is not root's is refused, never repaired.
    pub fn open(state_dir: &Path) -> Result<Publisher, String> {
        if fd::euid() != 0 {
            return Err("must run as root (the commands trust only a snapshot root wrote)".into());
        }
        let top = open_state_dir(state_dir)?;
        let path = state_dir.join(SNAPSHOT_DIR);
        let name = c_string(SNAPSHOT_DIR.as_bytes())?;
        match fd::mkdir_at(Some(&top), &name, 0o755) {
            Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                return Err(io_message("create", &path, e))
            }
            _ => {}
        }
        let dir = fd::open_dir(Some(&top), &name).map_err(|e| io_message("open", &path, e))?;
        let st = fstat(&dir).map_err(|e| io_message("inspect", &path, e))?;
        if st.st_uid != 0 {
            return Err(format!(
                "{} belongs to uid {}, not to root: somebody else made it; remove it and start again",
                path.display(),
                st.st_uid
            ));
        }
        // Root's own directory: the mode is ours to set (umask, or an
        // older install), through the descriptor.
        fchmod(&dir, 0o755).map_err(|e| io_message("set the mode of", &path, e))?;
        Ok(Publisher { dir, path })
    }

    /// Where the snapshot goes.
    pub fn snapshot_path(&self) -> PathBuf {
        self.path.join(SNAPSHOT_FILE)
    }

    /// Replace the snapshot atomically (temporary file, fsync, rename).
    pub fn publish(&self, snapshot: &Snapshot) -> Result<(), String> {
        let tmp = format!("{SNAPSHOT_FILE}.tmp.{}", std::process::id());
        let tmp_c = c_string(tmp.as_bytes())?;
        let tmp_path = self.path.join(&tmp);
        // A leftover of a crashed run with our pid: ours to remove.
        let _ = fd::unlink_at(&self.dir, &tmp_c);
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
        let fd = fd::open_at(Some(&self.dir), &tmp_c, flags, 0o644)
            .map_err(|e| io_message("create", &tmp_path, e))?;
        let written = write_synced(fd, snapshot.to_json().as_bytes())
            .map_err(|e| io_message("write", &tmp_path, e))
            .and_then(|()| self.rename_into_place(&tmp_c));
        if written.is_err() {
            let _ = fd::unlink_at(&self.dir, &tmp_c);
        }
        written
    }

    fn rename_into_place(&self, tmp: &CString) -> Result<(), String> {
        let target = c_string(SNAPSHOT_FILE.as_bytes())?;
        fd::rename_at(&self.dir, tmp, &target)
            .map_err(|e| io_message("replace", &self.snapshot_path(), e))?;
        // The rename itself survives a crash only once the directory is
        // synced; a failure here loses nothing that is not rewritten soon.
        // SAFETY: fsync on a descriptor we own.
        unsafe { libc::fsync(self.dir.as_raw_fd()) };
        Ok(())
    }

    /// Remove the snapshot (the companion stops: no stale one left behind).
    pub fn withdraw(&self) -> Result<(), String> {
        let name = c_string(SNAPSHOT_FILE.as_bytes())?;
        match fd::unlink_at(&self.dir, &name) {
            Err(e) if e.raw_os_error() != Some(libc::ENOENT) => {
                Err(io_message("remove", &self.snapshot_path(), e))
            }
            _ => Ok(()),
        }
    }
}

/// The state directory for the companion: made with the allocator's
/// layout when missing; root's, not a link, sticky if open to others.
fn open_state_dir(path: &Path) -> Result<OwnedFd, String> {
    let c = c_string(path.as_os_str().as_bytes())?;
    let fd = match fd::open_dir(None, &c) {
        Ok(fd) => fd,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            super::state_dir::prepare(path)?;
            fd::open_dir(None, &c).map_err(|e| io_message("open", path, e))?
        }
        Err(e) => return Err(io_message("open", path, e)),
    };
    let st = fstat(&fd).map_err(|e| io_message("inspect", path, e))?;
    if st.st_uid != 0 {
        return Err(format!(
            "{} belongs to uid {}, not to root: refusing to publish there",
            path.display(),
            st.st_uid
        ));
    }
    if st.st_mode & 0o022 != 0 && st.st_mode & libc::S_ISVTX == 0 {
        return Err(format!(
            "{} is writable by others but not sticky: refusing to publish there",
            path.display()
        ));
    }
    Ok(fd)
}

fn write_synced(fd: OwnedFd, bytes: &[u8]) -> Result<(), std::io::Error> {
    // The mode asked at creation is cut by the umask; readers need 0644.
    fchmod(&fd, 0o644)?;
    let mut file = File::from(fd);
    file.write_all(bytes)?;
    file.sync_all()
}

// ---- descriptors (shared helpers in super::fd) ------------------------

fn c_string(bytes: &[u8]) -> Result<CString, String> {
    CString::new(bytes).map_err(|_| "a path with a NUL byte".to_string())
}

fn io_message(what: &str, path: &Path, e: std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ELOOP) | Some(libc::ENOTDIR) => format!(
            "{} is a symbolic link or not a directory: refusing to use it",
            path.display()
        ),
        _ => format!("cannot {what} {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const LIST: &str = include_str!("../../tests/fixtures/recording-nvidia-smi-L.txt");
    const NOW: u64 = 1_718_000_000;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn sample() -> Snapshot {
        let utilization = [("0", 12), ("1", 0), ("2.0", 40), ("3.2", 100)]
            .into_iter()
            .map(|(s, p)| (s.to_string(), p))
            .collect();
        Snapshot {
            taken_at: NOW,
            inventory: Inventory::parse_list(LIST),
            utilization,
            driver_version: Some("550.54.15".into()),
            cuda_version: Some("12.4".into()),
        }
    }

    fn is_root() -> bool {
        fd::euid() == 0
    }

    /// A fresh state directory (root's, 1777 like /run/ds01).
    fn scratch(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("ds01-snap-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
        p
    }

    #[test]
    fn the_format_round_trips() {
        let s = sample();
        let text = s.to_json();
        assert!(text.contains("\"format\": 1"), "{text}");
        assert_eq!(Snapshot::from_json(&text), Ok(s));
        // Fields added later are ignored; versions are optional.
        let extra = text.replacen("\"format\": 1,", "\"format\": 1, \"new\": [1],", 1);
        assert!(Snapshot::from_json(&extra).is_ok());
        let bare = r#"{"format":1,"taken_at":5,"gpus":[],"migs":[],"utilization":{}}"#;
        let empty = Snapshot::from_json(bare).expect("a host without GPUs");
        assert!(empty.inventory.is_empty() && empty.driver_version.is_none());
    }

    #[test]
    fn damaged_or_inconsistent_snapshots_are_refused() {
        let text = sample().to_json();
        let cases = [
            ("", "not a GPU snapshot"),
            ("[1,2]", "not a GPU snapshot"),
            (
                &text.replacen("\"format\": 1", "\"format\": 2", 1),
                "format 2",
            ),
            (
                &text.replacen("\"taken_at\": ", "\"taken_at\": -", 1),
                "damaged",
            ),
            (
                &text.replace(
                    "GPU-1b1b1b1b-1111-2222-3333-111111111111",
                    "GPU-0a0a0a0a-1111-2222-3333-000000000000",
                ),
                "repeated UUID",
            ),
            (
                &text.replace("\"index\": 1,", "\"index\": 0,"),
                "listed twice",
            ),
            (&text.replace("\"3.2\": 100", "\"3.2\": 101"), "101%"),
            (&text.replace("\"3.2\": 100", "\"9\": 1"), "unknown slot"),
            (
                &text.replace("MIG-3d000002", "XIG-3d000002"),
                "bad or repeated",
            ),
            (
                &text.replacen("\"mig_mode\": true", "\"mig_mode\": false", 1),
                "no GPU in MIG",
            ),
        ];
        for (input, why) in cases {
            let err = Snapshot::from_json(input).expect_err(why);
            assert!(err.contains(why), "{why}: {err}");
        }
    }

    #[test]
    fn age_limits() {
        let max = SNAPSHOT_MAX_AGE.as_secs();
        assert_eq!(check_age(NOW, at(NOW + max)), Ok(()));
        assert_eq!(
            check_age(NOW, at(NOW + max + 1)),
            Err(Rejected::Stale { age_s: max + 1 })
        );
        assert_eq!(check_age(NOW + 5, at(NOW)), Ok(()));
        assert_eq!(
            check_age(NOW + 6, at(NOW)),
            Err(Rejected::Future { ahead_s: 6 })
        );
        assert_eq!(
            check_age(u64::MAX, at(NOW)),
            Err(Rejected::Future {
                ahead_s: u64::MAX - NOW
            })
        );
        assert_eq!(epoch_seconds(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }

    #[test]
    fn warnings_say_why_except_when_there_is_no_companion() {
        let dir = Path::new("/run/ds01");
        assert_eq!(Rejected::Missing.warning(dir), None);
        let w = Rejected::Stale { age_s: 90 }.warning(dir).expect("warning");
        assert_eq!(
            w,
            "ds01: ignoring the GPU snapshot /run/ds01/gpud/snapshot.json: \
             taken 90s ago (more than 60s: is ds01-gpud running?)"
        );
    }

    #[test]
    fn published_snapshots_are_read_back_and_withdrawn() {
        if !is_root() {
            eprintln!("skipped: needs root (the publisher is root's)");
            return;
        }
        let state = scratch("publish");
        assert_eq!(read(&state, at(NOW)), Err(Rejected::Missing));
        let p = Publisher::open(&state).expect("publisher");
        assert_eq!(read(&state, at(NOW)), Err(Rejected::Missing));
        p.publish(&sample()).expect("publish");
        p.publish(&sample()).expect("publish again (replaces)");
        assert_eq!(read(&state, at(NOW + 1)), Ok(sample()));
        assert_eq!(read_fresh(&state, at(NOW + 61)), None);
        let meta = std::fs::metadata(snapshot_path(&state)).expect("file");
        assert_eq!(meta.permissions().mode() & 0o7777, 0o644);
        let dir_mode = std::fs::metadata(state.join(SNAPSHOT_DIR)).expect("dir");
        assert_eq!(dir_mode.permissions().mode() & 0o7777, 0o755);
        let names: Vec<_> = std::fs::read_dir(state.join(SNAPSHOT_DIR))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [SNAPSHOT_FILE], "no temporary file left");
        p.withdraw().expect("withdraw");
        p.withdraw().expect("withdraw twice");
        assert_eq!(read(&state, at(NOW)), Err(Rejected::Missing));
        let _ = std::fs::remove_dir_all(&state);
    }

    /// Every way of putting a snapshot there other than root's companion
    /// is refused, and said.
    #[test]
    fn planted_snapshots_are_untrusted() {
        if !is_root() {
            eprintln!("skipped: needs root (chown)");
            return;
        }
        let state = scratch("planted");
        let dir = state.join(SNAPSHOT_DIR);
        let file = dir.join(SNAPSHOT_FILE);
        let chown =
            |p: &Path, uid| std::os::unix::fs::chown(p, Some(uid), Some(uid)).expect("chown");
        let chmod = |p: &Path, m| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod")
        };
        let reset = || {
            let _ = std::fs::remove_dir_all(&dir);
            let _ = std::fs::remove_file(&dir);
            std::fs::create_dir(&dir).expect("mkdir");
            chmod(&dir, 0o755);
            std::fs::write(&file, sample().to_json()).expect("write");
            chmod(&file, 0o644);
            assert!(read(&state, at(NOW)).is_ok(), "the honest layout reads");
        };
        let untrusted = |what: &str, needle: &str| match read(&state, at(NOW)) {
            Err(Rejected::Untrusted(why)) => assert!(why.contains(needle), "{what}: {why}"),
            other => panic!("{what}: {other:?}"),
        };
        reset();
        chown(&dir, 2002);
        untrusted("a user's directory", "belongs to uid 2002");
        reset();
        chmod(&dir, 0o777);
        untrusted("an open directory", "writable by others");
        reset();
        chown(&file, 2002);
        untrusted("a user's file", "belongs to uid 2002");
        reset();
        chmod(&file, 0o666);
        untrusted("an open file", "writable by others");
        reset();
        std::fs::remove_file(&file).expect("rm");
        std::os::unix::fs::symlink("/etc/hostname", &file).expect("link");
        untrusted("a linked file", "symbolic link");
        reset();
        let real = state.join("real");
        std::fs::rename(&dir, &real).expect("move");
        std::os::unix::fs::symlink(&real, &dir).expect("link");
        untrusted("a linked directory", "symbolic link");
        reset();
        std::fs::remove_file(&file).expect("rm");
        std::fs::create_dir(&file).expect("mkdir");
        untrusted("a directory for a file", "not a regular file");
        reset();
        std::fs::write(&file, vec![b' '; MAX_SNAPSHOT_BYTES as usize + 1]).expect("big");
        assert!(matches!(read(&state, at(NOW)), Err(Rejected::Damaged(w)) if w.contains("larger")));
        reset();
        std::fs::write(&file, "{\"format\": 1, \"gpus\": [").expect("cut");
        assert!(matches!(read(&state, at(NOW)), Err(Rejected::Damaged(_))));
        reset();
        chmod(&state, 0o777);
        untrusted("an open state directory", "not sticky");
        let _ = std::fs::remove_dir_all(&state);
    }

    #[test]
    fn the_publisher_refuses_a_directory_it_did_not_make() {
        if !is_root() {
            eprintln!("skipped: needs root");
            return;
        }
        let state = scratch("refuse");
        let dir = state.join(SNAPSHOT_DIR);
        std::fs::create_dir(&dir).expect("mkdir");
        std::os::unix::fs::chown(&dir, Some(2002), Some(2002)).expect("chown");
        let err = Publisher::open(&state).err().expect("refused");
        assert!(err.contains("belongs to uid 2002"), "{err}");
        let meta = std::fs::metadata(&dir).expect("still there");
        assert_eq!(
            std::os::unix::fs::MetadataExt::uid(&meta),
            2002,
            "not repaired"
        );
        std::fs::remove_dir(&dir).expect("rm");
        std::os::unix::fs::symlink("/etc", &dir).expect("link");
        let err = Publisher::open(&state).err().expect("refused");
        assert!(err.contains("symbolic link"), "{err}");
        let _ = std::fs::remove_dir_all(&state);
    }
}
