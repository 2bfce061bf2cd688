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
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

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

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

fn c_name(name: &str) -> Result<CString, String> {
    CString::new(name).map_err(|_| format!("invalid name {name:?}"))
}

fn last_error(what: &str, path: &Path) -> String {
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ELOOP) => {
            return format!("{} is a symbolic link; refusing to use it", path.display())
        }
        Some(libc::ENOTDIR) => {
            return format!(
                "{} is a symbolic link or not a directory; refusing to use it",
                path.display()
            )
        }
        _ => {}
    }
    format!("cannot {what} {}: {e}", path.display())
}

/// Whether the last call failed because the name does not exist (only
/// then is anything made in its place).
fn absent() -> bool {
    std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT)
}

fn fstat(fd: &OwnedFd) -> Result<libc::stat, std::io::Error> {
    // SAFETY: fstat writes a stat struct into memory we own.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd.as_raw_fd(), &mut st) == 0 {
            Ok(st)
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

/// `openat(dir, name, flags)` (`dir` None: an absolute or relative path).
fn open_at(dir: Option<&OwnedFd>, name: &CString, flags: i32, mode: u32) -> Option<OwnedFd> {
    let base = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: openat on a NUL-terminated name; the descriptor is owned
    // by the OwnedFd we wrap it in.
    let fd = unsafe { libc::openat(base, name.as_ptr(), flags, mode) };
    // SAFETY: a descriptor openat just returned to us.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

impl StateDir {
    /// Open the state directory at `path`, checked.  Root creates a missing
    /// one (with its layout); another user may create only a private one
    /// of their own, when `may_create` (no system configuration).
    pub fn open(path: &Path, may_create: bool) -> Result<StateDir, String> {
        let c =
            CString::new(path.as_os_str().as_bytes()).map_err(|_| "invalid path".to_string())?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY;
        let fd = match open_at(None, &c, flags, 0) {
            Some(fd) => fd,
            None if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT)
                && (euid() == 0 || may_create) =>
            {
                prepare(path)?;
                open_at(None, &c, flags, 0).ok_or_else(|| last_error("open", path))?
            }
            None => return Err(last_error("open", path)),
        };
        let dir = StateDir::checked(fd, path.to_path_buf(), None)?;
        Ok(dir)
    }

    /// Check ownership and mode of an opened directory.  `parent_root`:
    /// the parent is root's, so this one must be root's too.
    fn checked(fd: OwnedFd, path: PathBuf, parent_root: Option<bool>) -> Result<StateDir, String> {
        let st = fstat(&fd).map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
        let owner_ok = match parent_root {
            Some(true) => st.st_uid == 0,
            _ => st.st_uid == 0 || st.st_uid == euid(),
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
        let fd = match open_at(Some(&self.fd), &c, libc::O_RDONLY | libc::O_DIRECTORY, 0) {
            Some(fd) => fd,
            None if !absent() => return Err(last_error("open", &path)),
            None if self.may_create() => {
                self.make_dir(&c, &path)?;
                open_at(Some(&self.fd), &c, libc::O_RDONLY | libc::O_DIRECTORY, 0)
                    .ok_or_else(|| last_error("open", &path))?
            }
            None => return Err(missing(&path)),
        };
        StateDir::checked(fd, path, Some(self.root_owned))
    }

    /// Whether this process may add the layout's parts here.
    fn may_create(&self) -> bool {
        euid() == 0 || !self.root_owned
    }

    fn make_dir(&self, c: &CString, path: &Path) -> Result<(), String> {
        // SAFETY: mkdirat on a NUL-terminated name relative to our fd.
        if unsafe { libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), 0o700) } != 0 {
            return Err(last_error("create", path));
        }
        let fd = open_at(Some(&self.fd), c, libc::O_RDONLY | libc::O_DIRECTORY, 0)
            .ok_or_else(|| last_error("open", path))?;
        fchmod(&fd, 0o1777, path)
    }

    /// The lock file, opened read-only (enough for `flock`).
    pub fn lock_file(&self) -> Result<File, String> {
        let path = self.path.join(LOCK_FILE);
        let c = c_name(LOCK_FILE)?;
        let fd = match open_at(Some(&self.fd), &c, libc::O_RDONLY, 0) {
            Some(fd) => fd,
            None if !absent() => return Err(last_error("open", &path)),
            None if self.may_create() => self.create_lock(&c, &path)?,
            None => return Err(missing(&path)),
        };
        let st = fstat(&fd).map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
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
        match open_at(Some(&self.fd), c, flags, 0o644) {
            Some(fd) => {
                fchmod(&fd, 0o644, path)?;
                Ok(fd)
            }
            // Another process made it meanwhile.
            None => open_at(Some(&self.fd), c, libc::O_RDONLY, 0)
                .ok_or_else(|| last_error("open", path)),
        }
    }

    /// Create `name` holding `text`, new (`O_EXCL`), owned by this process.
    pub fn create_entry(&self, name: &str, text: &str) -> Result<(), String> {
        let path = self.path.join(name);
        let c = c_name(name)?;
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
        let fd =
            open_at(Some(&self.fd), &c, flags, 0o644).ok_or_else(|| last_error("create", &path))?;
        let mut file = File::from(fd);
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Remove an entry of ours (the sticky bit stops anybody else's).
    pub fn remove_entry(&self, name: &str) -> Result<(), String> {
        let c = c_name(name)?;
        // SAFETY: unlinkat on a NUL-terminated name relative to our fd.
        if unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) } != 0 {
            return Err(last_error("remove", &self.path.join(name)));
        }
        Ok(())
    }

    /// The names in this directory (listed through our descriptor, so a
    /// directory swapped in meanwhile is not the one read).
    pub fn names(&self) -> Result<Vec<String>, String> {
        let listing = PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()));
        let entries = std::fs::read_dir(&listing)
            .map_err(|e| format!("cannot list {}: {e}", self.path.display()))?;
        let mut names = Vec::new();
        for e in entries {
            let e = e.map_err(|e| format!("cannot list {}: {e}", self.path.display()))?;
            names.push(e.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    /// Read one entry: a regular file of at most 4 KiB, not a link; its
    /// owner from `fstat`.
    pub fn read_entry(&self, name: &str) -> Result<Entry, String> {
        let path = self.path.join(name);
        let c = c_name(name)?;
        let fd = open_at(Some(&self.fd), &c, libc::O_RDONLY | libc::O_NONBLOCK, 0)
            .ok_or_else(|| last_error("open", &path))?;
        let st = fstat(&fd).map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
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

fn fchmod(fd: &OwnedFd, mode: u32, path: &Path) -> Result<(), String> {
    // SAFETY: fchmod on a descriptor we own.
    if unsafe { libc::fchmod(fd.as_raw_fd(), mode) } != 0 {
        return Err(last_error("set the mode of", path));
    }
    Ok(())
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
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| "invalid path".to_string())?;
    // SAFETY: mkdir on a NUL-terminated path; EEXIST is fine.
    if unsafe { libc::mkdir(c.as_ptr(), 0o700) } == 0 {
        let fd = open_at(None, &c, libc::O_RDONLY | libc::O_DIRECTORY, 0)
            .ok_or_else(|| last_error("open", path))?;
        fchmod(&fd, 0o1777, path)?;
    } else if std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST) {
        return Err(last_error("create", path));
    }
    let fd = open_at(None, &c, libc::O_RDONLY | libc::O_DIRECTORY, 0)
        .ok_or_else(|| last_error("open", path))?;
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
        assert_eq!((e.text.as_str(), e.uid), ("hello\n", euid()));
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
