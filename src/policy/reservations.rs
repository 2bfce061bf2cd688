//! Reservations: devices promised to a container that does not exist yet
//! (see the allocator).  Each is one entry in the state directory's
//! `reservations/`, owned by the user it belongs to: `fstat`'s owner, not
//! the entry's text, says whose it is, so a user can forge only their own
//! (and the allocator counts those against their own quota).  A user can
//! remove only their own entries (the directory is sticky).
//!
//! Entry name: `r.<uid>.<ns>.<pid>`, made `O_EXCL`.  Text, one line:
//! `<container>\t<uuid,uuid,...>\t<pid>\t<pid start>\t<expires>`.
//! An entry that cannot be read or parsed stops every decision (it might
//! hold devices) with a message naming it and its owner: never read as
//! empty.

use super::lock::{process_is, process_start};
use super::state_dir::{StateDir, RESERVATIONS_DIR};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a reservation tied to a process may live at most.
const PROCESS_LIFETIME_S: u64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub container: String,
    /// Whose it is: the entry's owner (by name).
    pub user: String,
    /// Empty for a CPU-only create (it still counts as a container).
    pub uuids: Vec<String>,
    /// The creating process (0: none, the reservation lives until `expires`).
    pub pid: u32,
    /// That process's start time, so a recycled pid does not keep it alive.
    pub pid_start: u64,
    /// Unix time after which it is void.
    pub expires: u64,
    /// The entry's owner.
    pub uid: u32,
    /// The entry's name (empty until written).
    pub entry: String,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

pub use crate::model::tag::valid_docker_name as valid_container_name;

impl Reservation {
    /// One held by this process, for as long as it lives (a day at most).
    pub fn for_this_process(container: &str, user: &str, uuids: Vec<String>) -> Reservation {
        let pid = std::process::id();
        Reservation {
            container: container.to_string(),
            user: user.to_string(),
            uuids,
            pid,
            pid_start: process_start(pid).unwrap_or(0),
            expires: now_secs() + PROCESS_LIFETIME_S,
            uid: euid(),
            entry: String::new(),
        }
    }

    /// One that lasts `ttl` (the settings' reservation lifetime).
    pub fn for_a_while(
        container: &str,
        user: &str,
        uuids: Vec<String>,
        ttl: Duration,
    ) -> Reservation {
        Reservation {
            container: container.to_string(),
            user: user.to_string(),
            uuids,
            pid: 0,
            pid_start: 0,
            expires: now_secs().saturating_add(ttl.as_secs()),
            uid: euid(),
            entry: String::new(),
        }
    }

    fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\n",
            self.container,
            self.uuids.join(","),
            self.pid,
            self.pid_start,
            self.expires
        )
    }

    /// An entry's text, owned by `uid`; `None` when it is not one.
    fn parse(text: &str, uid: u32, entry: &str) -> Option<Reservation> {
        let line = text.strip_suffix('\n')?;
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 5 || !valid_container_name(f[0]) {
            return None;
        }
        let uuids: Vec<String> = f[1]
            .split(',')
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect();
        if uuids.iter().any(|u| !valid_container_name(u)) {
            return None;
        }
        Some(Reservation {
            container: f[0].to_string(),
            user: user_name(uid),
            uuids,
            pid: f[2].parse().ok()?,
            pid_start: f[3].parse().ok()?,
            expires: f[4].parse().ok()?,
            uid,
            entry: entry.to_string(),
        })
    }

    /// Live now: not expired (nobody outlives the longest lifetime they
    /// could have been given), and its process, if any, still running as
    /// its owner.
    fn is_live(&self, now: u64, ttl: Duration) -> bool {
        let longest = if self.pid == 0 {
            ttl.as_secs()
        } else {
            PROCESS_LIFETIME_S
        };
        let expires = self.expires.min(now.saturating_add(longest));
        expires > now && (self.pid == 0 || process_is(self.pid, self.pid_start, self.uid))
    }
}

/// The login name of `uid` (its number when it has none).
fn user_name(uid: u32) -> String {
    crate::identity::user_by_uid(uid).map_or_else(|| uid.to_string(), |e| e.name)
}

/// The reservations directory of the state.
pub fn directory(state: &StateDir) -> Result<StateDir, String> {
    state.subdir(RESERVATIONS_DIR)
}

/// Every live reservation.  An entry that cannot be read or is not a
/// reservation is an error naming it and its owner.
pub fn read_live(dir: &StateDir, ttl: Duration) -> Result<Vec<Reservation>, String> {
    let now = now_secs();
    let mut live = Vec::new();
    for name in dir.names()? {
        let entry = dir.read_entry(&name)?;
        let r = Reservation::parse(&entry.text, entry.uid, &name).ok_or_else(|| {
            format!(
                "{} (owned by {}) is not a reservation: refusing to decide without knowing what it holds; its owner or an administrator must remove it",
                dir.path().join(&name).display(),
                user_name(entry.uid)
            )
        })?;
        if r.is_live(now, ttl) {
            live.push(r);
        }
    }
    Ok(live)
}

/// Write `r` as a new entry of this process's user.
pub fn write(dir: &StateDir, r: &Reservation) -> Result<String, String> {
    loop {
        let ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("r.{}.{ns}.{}", euid(), std::process::id());
        match dir.create_entry(&name, &r.line()) {
            Ok(()) => return Ok(name),
            // Taken (perhaps by somebody guessing names): another one.
            Err(_) if dir.read_entry(&name).is_ok() => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Remove this user's entries for `container`, and their dead ones (the
/// sticky directory lets nobody remove anybody else's).  Root may remove
/// any user's.
pub fn remove_own(
    dir: &StateDir,
    container: &str,
    ttl: Duration,
) -> Result<Vec<Reservation>, String> {
    let me = euid();
    let now = now_secs();
    let mut removed = Vec::new();
    for name in dir.names()? {
        let Ok(entry) = dir.read_entry(&name) else {
            continue;
        };
        if entry.uid != me && me != 0 {
            continue;
        }
        let Some(r) = Reservation::parse(&entry.text, entry.uid, &name) else {
            continue;
        };
        if r.container == container || !r.is_live(now, ttl) {
            dir.remove_entry(&name)?;
            if r.container == container {
                removed.push(r);
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::state_dir::prepare;

    #[test]
    fn round_trip_and_damage() {
        let p = std::env::temp_dir().join(format!("ds01-res-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        prepare(&p).expect("prepare");
        let state = StateDir::open(&p, true).expect("open");
        let dir = directory(&state).expect("dir");
        let ttl = Duration::from_secs(120);
        let mine = Reservation::for_this_process("a._.1", "x", vec!["GPU-1".into()]);
        write(&dir, &mine).expect("write");
        let read = read_live(&dir, ttl).expect("read");
        assert_eq!(read.len(), 1);
        assert_eq!((read[0].container.as_str(), read[0].uid), ("a._.1", euid()));
        // Ten years asked, two minutes granted: it still counts now.
        let mut long = Reservation::for_a_while("b._.1", "x", vec![], ttl);
        long.expires = now_secs() + 10 * 365 * 86400;
        write(&dir, &long).expect("write");
        assert_eq!(read_live(&dir, ttl).expect("read").len(), 2);
        assert_eq!(remove_own(&dir, "b._.1", ttl).expect("remove").len(), 1);
        dir.create_entry("r.garbage", "not a reservation")
            .expect("garbage");
        let err = read_live(&dir, ttl).expect_err("fails closed");
        assert!(err.contains("is not a reservation"), "{err}");
        let _ = std::fs::remove_dir_all(&p);
    }

    #[test]
    fn container_names_like_docker() {
        assert!(valid_container_name("demo._.1001"));
        assert!(!valid_container_name(""));
        assert!(!valid_container_name("-x"));
        assert!(!valid_container_name("a b"));
        assert!(!valid_container_name(&"a".repeat(256)));
    }
}
