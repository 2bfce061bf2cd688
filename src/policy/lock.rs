//! The allocator's lock: one `flock` on the root-owned lock file of the
//! state directory, taken in turn by a queue of waiters (higher priority
//! first, equals in order of arrival).
//!
//! Each waiter is an empty entry in `queue/`, owned by the waiter, named
//! `<999999 - priority>-<arrival ns>-<pid>-<pid start>` so that name order
//! is serving order.  An entry ahead of ours counts only when it is what
//! it claims to be: a regular file whose owner runs that live process, with
//! no better priority than the owner's configured one.  Anything else (a
//! forged entry for pid 1, an entry left by a dead process, a priority
//! somebody gave themselves) is passed over; it cannot block anybody.

use super::state_dir::{StateDir, QUEUE_DIR};
use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The highest rank number: priority 0.
const LOWEST: i64 = 999_999;

/// An exclusive `flock` on the lock file; released when dropped, or by the
/// kernel when the process dies.
pub struct Lock {
    _file: File,
}

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks).
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The effective uid of a live process (`/proc/<pid>/status`).
pub fn process_owner(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Whether `pid` is the process that started at `start`, run by `uid`.
pub fn process_is(pid: u32, start: u64, uid: u32) -> bool {
    pid != 0 && process_start(pid) == Some(start) && process_owner(pid) == Some(uid)
}

impl Lock {
    /// Wait for the lock in turn.  `priority` is this caller's;
    /// `allowed(uid)` is the best priority a user may claim in the queue.
    pub fn acquire(
        state: &StateDir,
        priority: i64,
        timeout: Duration,
        allowed: &dyn Fn(u32) -> i64,
    ) -> Result<Lock, String> {
        let file = state.lock_file()?;
        let queue = Queue::join(state, priority)?;
        let start = Instant::now();
        loop {
            // Only the head of the queue tries the lock, and often; the
            // others look less often, to leave the CPU to the lock holder.
            let head = queue.is_head(allowed)?;
            if head && try_lock(&file, state)? {
                return Ok(Lock { _file: file });
            }
            if start.elapsed() >= timeout {
                return Err(format!(
                    "LOCK_TIMEOUT (another allocation held {} for {}s)",
                    state.path().join(super::state_dir::LOCK_FILE).display(),
                    timeout.as_secs()
                ));
            }
            std::thread::sleep(if head {
                Duration::from_micros(250)
            } else {
                Duration::from_millis(5)
            });
        }
    }
}

fn try_lock(file: &File, state: &StateDir) -> Result<bool, String> {
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        return Ok(false);
    }
    Err(format!("cannot lock {}: {err}", state.path().display()))
}

/// One waiter's entry in the queue; removed when dropped.
struct Queue {
    dir: StateDir,
    name: String,
}

/// A queue entry's name, taken apart: (rank, pid, pid start).
fn parse_name(name: &str) -> Option<(i64, u32, u64)> {
    let mut f = name.split('-');
    let rank = f.next()?.parse().ok()?;
    let _arrival: u128 = f.next()?.parse().ok()?;
    let pid = f.next()?.parse().ok()?;
    let start = f.next()?.parse().ok()?;
    f.next().is_none().then_some((rank, pid, start))
}

impl Queue {
    fn join(state: &StateDir, priority: i64) -> Result<Queue, String> {
        let dir = state.subdir(QUEUE_DIR)?;
        let pid = std::process::id();
        let start = process_start(pid).unwrap_or(0);
        let rank = LOWEST - priority.clamp(0, LOWEST);
        loop {
            let arrival = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let name = format!("{rank:06}-{arrival:020}-{pid}-{start}");
            match dir.create_entry(&name, "") {
                Ok(()) => return Ok(Queue { dir, name }),
                // Somebody took that name first (or forged it): next one.
                Err(_) if dir.read_entry(&name).is_ok() => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Whether no genuine waiter is ahead of this one.
    fn is_head(&self, allowed: &dyn Fn(u32) -> i64) -> Result<bool, String> {
        let names = self.dir.names()?;
        Ok(!names
            .iter()
            .take_while(|n| **n < self.name)
            .any(|n| self.genuine(n, allowed)))
    }

    fn genuine(&self, name: &str, allowed: &dyn Fn(u32) -> i64) -> bool {
        let Some((rank, pid, start)) = parse_name(name) else {
            return false;
        };
        let Ok(entry) = self.dir.read_entry(name) else {
            return false;
        };
        let best_rank = LOWEST - allowed(entry.uid).clamp(0, LOWEST);
        rank >= best_rank && process_is(pid, start, entry.uid)
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        let _ = self.dir.remove_entry(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::state_dir::prepare;

    fn scratch(tag: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("ds01-lock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        p
    }

    #[test]
    fn forged_and_dead_waiters_do_not_block() {
        let p = scratch("queue");
        prepare(&p).expect("prepare");
        let state = StateDir::open(&p, true).expect("open");
        let me = Queue::join(&state, 10).expect("join");
        let queue = state.subdir(QUEUE_DIR).expect("queue");
        let everyone = |_: u32| 10;
        // A dead pid, and a name that is not a waiter's.
        queue.create_entry("000000-junk", "").expect("junk");
        queue
            .create_entry(&format!("{:06}-{:020}-{}-1", 0, 0, u32::MAX - 1), "")
            .expect("dead");
        assert!(me.is_head(&everyone).expect("head"));
        // A genuine better waiter (this very process, allowed 999) is ahead.
        let pid = std::process::id();
        let start = process_start(pid).unwrap_or(0);
        queue
            .create_entry(&format!("{:06}-{:020}-{pid}-{start}", 0, 0), "")
            .expect("vip");
        assert!(!me.is_head(&|_| LOWEST).expect("head"));
        // The same entry claims more than its owner may: passed over.
        assert!(me.is_head(&everyone).expect("head"));
        drop(me);
        let lock = Lock::acquire(&state, 10, Duration::from_secs(5), &everyone).expect("lock");
        drop(lock);
        let _ = std::fs::remove_dir_all(&p);
    }
}
