//! The idle streaks, one record per container in `<state dir>/lifecycle/`:
//! a directory of root's (mode 0700) inside the allocator's state
//! directory, which every user can write in.  Everything is opened
//! relative to a checked descriptor, never through a symbolic link; a
//! record that is damaged is dropped (and said so), never read as idle.

use super::plan::Streak;
use crate::policy::fd;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const DIR: &str = "lifecycle";
const MAX_RECORD_BYTES: u64 = 256;

pub struct StreakStore {
    fd: OwnedFd,
    path: PathBuf,
}

fn cstr(bytes: &[u8]) -> Result<CString, String> {
    CString::new(bytes).map_err(|_| "invalid name".to_string())
}

fn os_error(what: &str, path: &Path, e: std::io::Error) -> String {
    if e.raw_os_error() == Some(libc::ELOOP) || e.raw_os_error() == Some(libc::ENOTDIR) {
        return format!(
            "{} is a symbolic link or not a directory: refusing to use it",
            path.display()
        );
    }
    format!("cannot {what} {}: {e}", path.display())
}

impl StreakStore {
    /// Open `<state_dir>/lifecycle`, checked: the state directory must be
    /// root's or ours, the record directory ours and closed to everybody
    /// else.  `create`: make what is missing; otherwise (a dry run) a
    /// missing directory is Ok(None), no records.
    pub fn open(state_dir: &Path, create: bool) -> Result<Option<StreakStore>, String> {
        let Some(top) = open_top(state_dir, create)? else {
            return Ok(None);
        };
        let path = state_dir.join(DIR);
        let name = cstr(DIR.as_bytes())?;
        if create {
            match fd::mkdir_at(Some(&top), &name, 0o700) {
                Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                    return Err(os_error("create", &path, e))
                }
                _ => {}
            }
        }
        let fd = match fd::open_dir(Some(&top), &name) {
            Ok(fd) => fd,
            Err(e) if !create && e.raw_os_error() == Some(libc::ENOENT) => return Ok(None),
            Err(e) => return Err(os_error("open", &path, e)),
        };
        let st = fd::fstat(&fd).map_err(|e| os_error("inspect", &path, e))?;
        if st.st_uid != fd::euid() || st.st_mode & 0o077 != 0 {
            return Err(format!(
                "{} must be {}'s with mode 0700 (it is uid {}, mode {:o}): refusing to use it",
                path.display(),
                if fd::euid() == 0 { "root" } else { "this user" },
                st.st_uid,
                st.st_mode & 0o7777
            ));
        }
        Ok(Some(StreakStore { fd, path }))
    }

    /// Every record by container id; damaged ones are left out, each with
    /// a line in `dropped`, and removed when `repair`.
    pub fn load(
        &self,
        repair: bool,
        dropped: &mut Vec<String>,
    ) -> Result<BTreeMap<String, Streak>, String> {
        let mut out = BTreeMap::new();
        for name in self.names()? {
            match self.read(&name) {
                Ok(streak) if valid_id(&name) => {
                    out.insert(name, streak);
                }
                result => {
                    let why = result.err().unwrap_or_else(|| "not a container id".into());
                    dropped.push(format!(
                        "damaged idle record {} reset: {why}",
                        self.path.join(&name).display()
                    ));
                    if repair {
                        let _ = self.remove(&name);
                    }
                }
            }
        }
        Ok(out)
    }

    fn names(&self) -> Result<Vec<String>, String> {
        fd::names(&self.fd).map_err(|e| format!("cannot list {}: {e}", self.path.display()))
    }

    fn read(&self, name: &str) -> Result<Streak, String> {
        let c = cstr(name.as_bytes())?;
        let fd = fd::open_at(Some(&self.fd), &c, libc::O_RDONLY | libc::O_NONBLOCK, 0)
            .map_err(|e| os_error("open", &self.path.join(name), e))?;
        let st = fd::fstat(&fd).map_err(|_| "cannot inspect it".to_string())?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG || st.st_uid != fd::euid() {
            return Err("not a regular file of ours".into());
        }
        let mut text = String::new();
        std::fs::File::from(fd)
            .take(MAX_RECORD_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| e.to_string())?;
        parse(&text)
    }

    /// Write `id`'s record (a new file renamed over the old one).
    pub fn save(&self, id: &str, streak: Streak) -> Result<(), String> {
        if !valid_id(id) {
            return Err(format!("{id:?} is not a container id"));
        }
        let tmp = format!(".{id}.new");
        let c_tmp = cstr(tmp.as_bytes())?;
        let _ = self.remove(&tmp);
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
        let fd = fd::open_at(Some(&self.fd), &c_tmp, flags, 0o600)
            .map_err(|e| os_error("create", &self.path.join(&tmp), e))?;
        let mut file = std::fs::File::from(fd);
        std::io::Write::write_all(&mut file, format(streak).as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", self.path.join(&tmp).display()))?;
        let c_id = cstr(id.as_bytes())?;
        fd::rename_at(&self.fd, &c_tmp, &c_id)
            .map_err(|e| os_error("replace", &self.path.join(id), e))
    }

    /// Forget `name`'s record (absent is fine).
    pub fn remove(&self, name: &str) -> Result<(), String> {
        let c = cstr(name.as_bytes())?;
        match fd::unlink_at(&self.fd, &c) {
            Err(e) if e.raw_os_error() != Some(libc::ENOENT) => {
                Err(os_error("remove", &self.path.join(name), e))
            }
            _ => Ok(()),
        }
    }
}

/// The state directory, opened without following a link: root's or ours.
fn open_top(state_dir: &Path, create: bool) -> Result<Option<OwnedFd>, String> {
    let c = cstr(state_dir.as_os_str().as_bytes())?;
    let fd = match fd::open_dir(None, &c) {
        Ok(fd) => fd,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            if !create {
                return Ok(None);
            }
            crate::policy::state_dir::prepare(state_dir)?;
            fd::open_dir(None, &c).map_err(|e| os_error("open", state_dir, e))?
        }
        Err(e) => return Err(os_error("open", state_dir, e)),
    };
    let st = fd::fstat(&fd).map_err(|e| os_error("inspect", state_dir, e))?;
    if st.st_uid != 0 && st.st_uid != fd::euid() {
        return Err(format!(
            "{} belongs to uid {}, not to root: refusing to use it",
            state_dir.display(),
            st.st_uid
        ));
    }
    Ok(Some(fd))
}

/// A container id as the engine writes it: 64 lower-case hex digits.
pub fn valid_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn format(s: Streak) -> String {
    format!("samples={} idle_since={}\n", s.samples, s.idle_since)
}

/// `samples=N idle_since=EPOCH`, nothing else.
fn parse(text: &str) -> Result<Streak, String> {
    let bad = || format!("unreadable record {:?}", text.trim());
    let mut fields = text.trim_end_matches('\n').split(' ');
    let mut number = |key: &str| -> Result<u64, String> {
        let v = fields
            .next()
            .and_then(|f| f.strip_prefix(key))
            .and_then(|v| v.strip_prefix('='))
            .ok_or_else(bad)?;
        if v.is_empty() || v.len() > 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        v.parse().map_err(|_| bad())
    };
    let samples = number("samples")?;
    let idle_since = number("idle_since")?;
    if fields.next().is_some() || text.lines().count() != 1 || samples == 0 {
        return Err(bad());
    }
    Ok(Streak {
        samples: u32::try_from(samples).map_err(|_| bad())?,
        idle_since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let s = Streak {
            samples: 3,
            idle_since: 1_700_000_000,
        };
        assert_eq!(parse(&format(s)), Ok(s));
    }

    #[test]
    fn damaged_records_are_errors() {
        for t in [
            "",
            "samples=3",
            "samples=0 idle_since=5\n",
            "samples=x idle_since=5\n",
            "samples=3 idle_since=5 extra=1\n",
            "samples=3 idle_since=-5\n",
            "samples=3 idle_since=5\nsamples=3 idle_since=5\n",
        ] {
            assert!(parse(t).is_err(), "{t:?}");
        }
    }

    #[test]
    fn the_store_keeps_its_records_private() {
        let dir = std::env::temp_dir().join(format!("ds01-streaks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert!(StreakStore::open(&dir, false).unwrap().is_none());
        let store = StreakStore::open(&dir, true).unwrap().unwrap();
        let id = "a".repeat(64);
        let s = Streak {
            samples: 2,
            idle_since: 10,
        };
        store.save(&id, s).unwrap();
        std::fs::write(dir.join(DIR).join("b".repeat(64)), "garbage").unwrap();
        let mut dropped = Vec::new();
        let loaded = store.load(true, &mut dropped).unwrap();
        assert_eq!(loaded.get(&id), Some(&s));
        assert_eq!(loaded.len(), 1);
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(DIR))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_linked_record_directory_is_refused() {
        let dir = std::env::temp_dir().join(format!("ds01-streaks-l-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join(DIR)).unwrap();
        assert!(StreakStore::open(&dir, true).is_err());
        assert!(StreakStore::open(&dir, false).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
