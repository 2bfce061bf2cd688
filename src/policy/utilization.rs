//! How busy each GPU slot is, in percent, for lifecycle enforcement.
//!
//! Sources, first that applies: the utilization fixture named by the
//! settings (`DS01_GPU_UTIL_FIXTURE`, lines `slot,percent`: an explicit
//! override, as the inventory fixture is), the GPU companion's fresh
//! snapshot, then `nvidia-smi --query-gpu=index,utilization.gpu`.  A MIG
//! slot (`"1.2"`) without a figure of its own takes its parent GPU's.
//! Anything unreadable or damaged is an error: enforcement must never
//! mistake "unknown" for "idle".

use super::gpu_snapshot;
use super::gpus::{nvidia_smi, Inventory};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Utilization in percent by slot (`"0"`, `"1.2"`).
pub type Utilization = BTreeMap<String, u32>;

/// The largest fixture worth reading.
const MAX_FIXTURE_BYTES: u64 = 64 * 1024;
const NVIDIA_SMI_TIMEOUT: Duration = Duration::from_secs(10);

/// What [`read`] reads.
pub struct UtilSources<'a> {
    pub fixture: Option<&'a Path>,
    pub state_dir: &'a Path,
    pub now: SystemTime,
    /// The slots the figures are for (MIG slots take their GPU's figure).
    pub inventory: &'a Inventory,
}

/// The utilization of every slot, or why it cannot be known.
pub fn read(src: &UtilSources) -> Result<Utilization, String> {
    let by_slot = if let Some(path) = src.fixture {
        parse(&read_fixture(path)?).map_err(|e| format!("{}: {e}", path.display()))?
    } else if let Some(snapshot) = gpu_snapshot::read_fresh(src.state_dir, src.now) {
        snapshot.utilization
    } else {
        let text = nvidia_smi(
            &[
                "--query-gpu=index,utilization.gpu",
                "--format=csv,noheader,nounits",
            ],
            NVIDIA_SMI_TIMEOUT,
        )
        .ok_or("nvidia-smi did not report the GPUs' utilization")?;
        parse(&text).map_err(|e| format!("nvidia-smi: {e}"))?
    };
    Ok(with_mig_slots(by_slot, src.inventory))
}

fn read_fixture(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_FIXTURE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if text.len() as u64 > MAX_FIXTURE_BYTES {
        return Err(format!("{}: too large", path.display()));
    }
    Ok(text)
}

/// `slot, percent` lines (blank lines and `#` comments skipped).  Any
/// other line, a slot named twice or a percentage outside 0..=100 makes
/// the whole text unusable.
pub fn parse(text: &str) -> Result<Utilization, String> {
    let mut out = Utilization::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("line {}: expected `slot, percent`, got {line:?}", n + 1);
        let (slot, percent) = line.split_once(',').ok_or_else(bad)?;
        let (slot, percent) = (slot.trim(), percent.trim());
        if !valid_slot(slot) || !percent.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let value: u32 = percent.parse().map_err(|_| bad())?;
        if value > 100 {
            return Err(format!("line {}: {value}% is not a percentage", n + 1));
        }
        if out.insert(slot.to_string(), value).is_some() {
            return Err(format!("line {}: slot {slot} given twice", n + 1));
        }
    }
    Ok(out)
}

/// `N` or `N.M`, digits only.
fn valid_slot(slot: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    match slot.split_once('.') {
        Some((gpu, mig)) => digits(gpu) && digits(mig),
        None => digits(slot),
    }
}

/// Add each MIG slot of the inventory that has no figure of its own,
/// with its parent GPU's figure (nvidia-smi reports whole GPUs only).
fn with_mig_slots(mut by_slot: Utilization, inventory: &Inventory) -> Utilization {
    for mig in &inventory.migs {
        let slot = mig.slot();
        if by_slot.contains_key(&slot) {
            continue;
        }
        let parent = slot.split('.').next().unwrap_or_default().to_string();
        if let Some(&percent) = by_slot.get(&parent) {
            by_slot.insert(slot, percent);
        }
    }
    by_slot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_slots_and_percentages() {
        let u = parse("0, 3\n# a comment\n\n1.2,100\n").unwrap();
        assert_eq!(u.get("0"), Some(&3));
        assert_eq!(u.get("1.2"), Some(&100));
    }

    #[test]
    fn damaged_text_is_an_error_not_idle() {
        for text in [
            "0", "0,abc", "0,-1", "0,101", "x,5", "0,5\n0,6", "0.,5", "0,5.5",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_mig_slot_takes_its_gpus_figure() {
        let inventory = Inventory::parse_list(
            "GPU 0: A100 (UUID: GPU-0)\n\
             GPU 1: A100 (UUID: GPU-1)\n\
             \x20 MIG 3g.20gb Device 0: (UUID: MIG-10)\n",
        );
        let u = with_mig_slots(parse("0,1\n1,40\n").unwrap(), &inventory);
        let mig = inventory.migs[0].slot();
        assert_eq!(u.get(&mig), Some(&40));
    }

    #[test]
    fn an_unreadable_fixture_is_an_error() {
        let inventory = Inventory::default();
        let src = UtilSources {
            fixture: Some(Path::new("/nonexistent/ds01-util")),
            state_dir: Path::new("/nonexistent"),
            now: SystemTime::now(),
            inventory: &inventory,
        };
        assert!(read(&src).is_err());
    }
}
