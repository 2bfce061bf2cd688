//! The GPU snapshot that `ds01-gpud` publishes in the state directory
//! (issue 13 item 3).  Stub: the format and its trusted reader come later.

use super::gpus::Inventory;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How old a snapshot may be before it is ignored.
pub const SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(60);

/// What the companion saw at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// When it was taken, in seconds since the epoch.
    pub taken_at: u64,
    pub inventory: Inventory,
    /// Utilization in percent by slot (`"0"`, `"1.2"`); a slot without a
    /// reading is absent.
    pub utilization: BTreeMap<String, u32>,
}

/// The snapshot under `state_dir`, if there is a trustworthy one no older
/// than [`SNAPSHOT_MAX_AGE`] at `now`.
pub fn read_fresh(_state_dir: &Path, _now: SystemTime) -> Option<Snapshot> {
    None
}
