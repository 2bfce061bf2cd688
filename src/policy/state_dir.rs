//! The allocator's state directory, treated as hostile ground: every user
//! of the server can write in it, so nothing there is trusted by path.
//!
//! Layout (made by root: the package's tmpfiles.d entry, or
//! `ds01 prepare-state DIR`):
//!
//! | path | owner, mode | what |
//! |---|---|---|
//! | `DIR/` | root, 1777 | sticky: a user can remove only their own entries |
//! | `DIR/gpu-allocator.lock` | root, 0644 | `flock`ed (a read-only descriptor can lock) |
//! | `DIR/queue/` | root, 1777 | one entry per waiter, owned by the waiter |
//! | `DIR/reservations/` | root, 1777 | one entry per reservation, owned by its user |
//!
//! Rules: the directory is opened once with `O_NOFOLLOW` and everything
//! else relative to it (`openat`, `unlinkat`, never a path that a symlink
//! could redirect); files are created `O_EXCL` and never chmod'ed by path;
//! an entry's owner is what `fstat` says, not what it claims.  A directory
//! owned by root is the real one: its lock and subdirectories must be
//! root's too.  A directory owned by the caller is a private scratch area
//! (development, tests) where the caller may create everything.  Anything
//! else fails closed with a message that says what is wrong.

use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::fd;

pub const LOCK_FILE: &str = "gpu-allocator.lock";
pub const QUEUE_DIR: &str = "queue";
pub const RESERVATIONS_DIR: &str = "reservations";
/// The largest entry worth reading (a reservation is one short line).
const MAX_ENTRY_BYTES: u64 = 4096;

/// An open directory of the state, checked.
pub struct StateDir {
    fd: OwnedFd,
    path: PathBuf,
    /// Owned by root: subdirectories and the lock must be root's.
    root_owned: bool,
}

/// An entry read from a directory: its owner, by `fstat`.
pub struct Entry {
    pub name: String,
    pub uid: u32,
    pub text: String,
}

fn c_name(name: &str) -> Result<CString, String> {
    CString::new(name).map_err(|_| format!("invalid name {name:?}"))
}

fn c_path(path: &Path) -> Result<CString, String> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| "invalid path".to_string())
}

/// A failed call on `path` as a message; a link is named as such.
fn os_error(what: &str, path: &Path, e: std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ELOOP) => format!("{} is a symbolic link; refusing to use it", path.display()),
        Some(libc::ENOTDIR) => format!(
            "{} is a symbolic link or not a directory; refusing to use it",
            path.display()
        ),
        _ => format!("cannot {what} {}: {e}", path.display()),
    }
}

/// Whether a call failed because the name does not exist (only then is
/// anything made in its place).
fn absent(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOENT)
}

fn inspect(fd: &OwnedFd, path: &Path) -> Result<libc::stat, String> {
    fd::fstat(fd).map_err(|e| format!("cannot inspect {}: {e}", path.display()))
}

fn fchmod(fd: &OwnedFd, mode: libc::mode_t, path: &Path) -> Result<(), String> {
    fd::fchmod(fd, mode).map_err(|e| os_error("set the mode of", path, e))
}

impl StateDir {
    /// Open the state directory at `path`, checked.  Root creates a missing
    /// one (with its layout); another user may create only a private one
    /// of their own, when `may_create` (no system configuration).
    pub fn open(path: &Path, may_create: bool) -> Result<StateDir, String> {
        let c = c_path(path)?;
        let fd = match fd::open_dir(None, &c) {
            Ok(fd) => fd,
            Err(e) if absent(&e) && (fd::euid() == 0 || may_create) => {
                prepare(path)?;
                fd::open_dir(None, &c).map_err(|e| os_error("open", path, e))?
            }
            Err(e) => return Err(os_error("open", path, e)),
        };
        StateDir::checked(fd, path.to_path_buf(), None)
    }

    /// Check ownership and mode of an opened directory.  `parent_root`:
    /// the parent is root's, so this one must be root's too.
    fn checked(fd: OwnedFd, path: PathBuf, parent_root: Option<bool>) -> Result<StateDir, String> {
        let st = inspect(&fd, &path)?;
        let owner_ok = match parent_root {
            Some(true) => st.st_uid == 0,
            _ => st.st_uid == 0 || st.st_uid == fd::euid(),
        };
        if !owner_ok {
            return Err(format!(
                "{} belongs to uid {}, not to root: refusing to use it (ask an administrator)",
                path.display(),
                st.st_uid
            ));
        }
        let shared = st.st_mode & 0o022 != 0;
        if shared && st.st_mode & libc::S_ISVTX == 0 {
            return Err(format!(
                "{} is writable by others but not sticky (mode {:o}): refusing to use it",
                path.display(),
                st.st_mode & 0o7777
            ));
        }
        Ok(StateDir {
            fd,
            path,
            root_owned: st.st_uid == 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A subdirectory (`queue`, `reservations`), checked like the top.
    pub fn subdir(&self, name: &str) -> Result<StateDir, String> {
        let path = self.path.join(name);
        let c = c_name(name)?;
        let fd = match fd::open_dir(Some(&self.fd), &c) {
            Ok(fd) => fd,
            Err(e) if !absent(&e) => return Err(os_error("open", &path, e)),
            Err(_) if self.may_create() => {
                self.make_dir(&c, &path)?;
                fd::open_dir(Some(&self.fd), &c).map_err(|e| os_error("open", &path, e))?
            }
            Err(_) => return Err(missing(&path)),
        };
        StateDir::checked(fd, path, Some(self.root_owned))
    }

    /// Whether this process may add the layout's parts here.
    fn may_create(&self) -> bool {
        fd::euid() == 0 || !self.root_owned
    }

    fn make_dir(&self, c: &CString, path: &Path) -> Result<(), String> {
        fd::mkdir_at(Some(&self.fd), c, 0o700).map_err(|e| os_error("create", path, e))?;
        let fd = fd::open_dir(Some(&self.fd), c).map_err(|e| os_error("open", path, e))?;
        fchmod(&fd, 0o1777, path)
    }

    /// The lock file, opened read-only (enough for `flock`).
    pub fn lock_file(&self) -> Result<File, String> {
        let path = self.path.join(LOCK_FILE);
        let c = c_name(LOCK_FILE)?;
        let fd = match fd::open_at(Some(&self.fd), &c, libc::O_RDONLY, 0) {
            Ok(fd) => fd,
            Err(e) if !absent(&e) => return Err(os_error("open", &path, e)),
            Err(_) if self.may_create() => self.create_lock(&c, &path)?,
            Err(_) => return Err(missing(&path)),
        };
        let st = inspect(&fd, &path)?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(format!("{} is not a regular file", path.display()));
        }
        if self.root_owned && st.st_uid != 0 {
            return Err(format!(
                "{} belongs to uid {}, not to root: refusing to use it",
                path.display(),
                st.st_uid
            ));
        }
        Ok(File::from(fd))
    }

    fn create_lock(&self, c: &CString, path: &Path) -> Result<OwnedFd, String> {
        let flags = libc::O_RDONLY | libc::O_CREAT | libc::O_EXCL;
        match fd::open_at(Some(&self.fd), c, flags, 0o644) {
            Ok(fd) => {
                fchmod(&fd, 0o644, path)?;
                Ok(fd)
            }
            // Another process made it meanwhile.
            Err(_) => fd::open_at(Some(&self.fd), c, libc::O_RDONLY, 0)
                .map_err(|e| os_error("open", path, e)),
        }
    }

    /// Create `name` holding `text`, new (`O_EXCL`), owned by this process.
    pub fn create_entry(&self, name: &str, text: &str) -> Result<(), String> {
        let path = self.path.join(name);
        let c = c_name(name)?;
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
        let fd = fd::open_at(Some(&self.fd), &c, flags, 0o644)
            .map_err(|e| os_error("create", &path, e))?;
        let mut file = File::from(fd);
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Remove an entry of ours (the sticky bit stops anybody else's).
    pub fn remove_entry(&self, name: &str) -> Result<(), String> {
        let c = c_name(name)?;
        fd::unlink_at(&self.fd, &c).map_err(|e| os_error("remove", &self.path.join(name), e))
    }

    /// The names in this directory (listed through our descriptor).
    pub fn names(&self) -> Result<Vec<String>, String> {
        fd::names(&self.fd).map_err(|e| format!("cannot list {}: {e}", self.path.display()))
    }

    /// Read one entry: a regular file of at most 4 KiB, not a link; its
    /// owner from `fstat`.
    pub fn read_entry(&self, name: &str) -> Result<Entry, String> {
        let path = self.path.join(name);
        let c = c_name(name)?;
        let fd = fd::open_at(Some(&self.fd), &c, libc::O_RDONLY | libc::O_NONBLOCK, 0)
            .map_err(|e| os_error("open", &path, e))?;
        let st = inspect(&fd, &path)?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(format!("{} is not a regular file", path.display()));
        }
        if st.st_size as u64 > MAX_ENTRY_BYTES {
            return Err(format!("{} is too large to be an entry", path.display()));
        }
        let mut text = String::new();
        File::from(fd)
            .take(MAX_ENTRY_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(Entry {
            name: name.to_string(),
            uid: st.st_uid,
            text,
        })
    }
}

fn missing(path: &Path) -> String {
    format!(
        "{} is missing: the ds01 package creates it (systemd-tmpfiles --create, or ds01 prepare-state)",
        path.display()
    )
}

/// Make the layout at `path` (missing parts only): the directory, the
/// lock file and the subdirectories, with the modes of the table above.
/// Run as root for a shared directory.
pub fn prepare(path: &Path) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let c = c_path(path)?;
    match fd::mkdir_at(None, &c, 0o700) {
        Ok(()) => {
            let fd = fd::open_dir(None, &c).map_err(|e| os_error("open", path, e))?;
            fchmod(&fd, 0o1777, path)?;
        }
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
        Err(e) => return Err(os_error("create", path, e)),
    }
    let fd = fd::open_dir(None, &c).map_err(|e| os_error("open", path, e))?;
    let dir = StateDir::checked(fd, path.to_path_buf(), None)?;
    dir.lock_file()?;
    dir.subdir(QUEUE_DIR)?;
    dir.subdir(RESERVATIONS_DIR)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("ds01-state-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        p
    }

    #[test]
    fn prepares_the_layout_and_reads_entries_by_owner() {
        let p = scratch("layout");
        prepare(&p).expect("prepare");
        let dir = StateDir::open(&p, true).expect("open");
        let r = dir.subdir(RESERVATIONS_DIR).expect("subdir");
        r.create_entry("r.1", "hello\n").expect("create");
        assert!(r.create_entry("r.1", "again").is_err(), "O_EXCL");
        let e = r.read_entry("r.1").expect("read");
        assert_eq!((e.text.as_str(), e.uid), ("hello\n", fd::euid()));
        assert_eq!(r.names().expect("names"), vec!["r.1".to_string()]);
        r.remove_entry("r.1").expect("remove");
        let _ = std::fs::remove_dir_all(&p);
    }

    #[test]
    fn links_and_open_directories_are_refused() {
        let p = scratch("links");
        prepare(&p).expect("prepare");
        let r = StateDir::open(&p, true)
            .and_then(|d| d.subdir(RESERVATIONS_DIR))
            .expect("subdir");
        std::os::unix::fs::symlink("/etc/passwd", p.join(RESERVATIONS_DIR).join("r.x"))
            .expect("link");
        let err = r.read_entry("r.x").err().expect("refused");
        assert!(err.contains("symbolic link"), "{err}");
        let open = scratch("open");
        std::fs::create_dir(&open).expect("mkdir");
        std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("chmod");
        let err = StateDir::open(&open, true).err().expect("refused");
        assert!(err.contains("not sticky"), "{err}");
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_dir_all(&open);
    }
}
