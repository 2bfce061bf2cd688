//! The caller's key files in `~/.ssh`: whether they exist, what they
//! hold, a new ed25519 pair from `ssh-keygen`, and the public key in
//! `authorized_keys`.  Everything is written through descriptors of a
//! `~/.ssh` opened without following a symlink; modes are set on the
//! opened files (never `chmod` by path), and `authorized_keys` is never
//! written through a symlink.  Reading follows symlinks, as the
//! original's `[ -f ]` and `cat` did: a user may keep keys elsewhere.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) const PRIVATE: &str = "id_ed25519";
pub(crate) const PUBLIC: &str = "id_ed25519.pub";
const AUTHORIZED: &str = "authorized_keys";
/// No key file of a sane size is larger (a guard against reading a
/// device or a huge file into memory).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The caller's `~/.ssh`, opened as a directory (not through a symlink).
pub(crate) struct SshDir {
    path: PathBuf,
    fd: OwnedFd,
}

fn cstring(name: &str) -> Result<CString, String> {
    CString::new(name).map_err(|_| format!("invalid file name {name:?}"))
}

fn os_error(what: &str, path: &Path) -> String {
    format!(
        "cannot {what} {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    )
}

fn open_at(dir: libc::c_int, name: &CStr, flags: libc::c_int, mode: u32) -> Option<OwnedFd> {
    // SAFETY: openat with a NUL-terminated name; a valid descriptor is
    // owned by the returned OwnedFd.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    // SAFETY: fd was just returned by openat and is owned by no one else.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

fn fchmod(fd: &OwnedFd, mode: u32, path: &Path) -> Result<(), String> {
    // SAFETY: fchmod on a descriptor we own.
    if unsafe { libc::fchmod(fd.as_raw_fd(), mode) } != 0 {
        return Err(os_error("set the mode of", path));
    }
    Ok(())
}

fn is_regular(fd: &OwnedFd) -> bool {
    // SAFETY: fstat fills a plain struct for a descriptor we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    unsafe {
        libc::fstat(fd.as_raw_fd(), &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFREG
    }
}

impl SshDir {
    /// `mkdir -p ~/.ssh; chmod 700 ~/.ssh`, the mode set on the opened
    /// directory.  A `~/.ssh` that is a symlink is refused.
    pub(crate) fn open(home: &Path) -> Result<SshDir, String> {
        let path = home.join(".ssh");
        std::fs::DirBuilder::new()
            .recursive(true)
            .create(home)
            .map_err(|e| format!("cannot create {}: {e}", home.display()))?;
        let c =
            CString::new(path.as_os_str().as_bytes()).map_err(|_| "invalid home".to_string())?;
        // SAFETY: mkdir on a NUL-terminated path; EEXIST is fine.
        if unsafe { libc::mkdir(c.as_ptr(), 0o700) } != 0
            && std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST)
        {
            return Err(os_error("create", &path));
        }
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
        let fd = open_at(libc::AT_FDCWD, &c, flags, 0).ok_or_else(|| {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::ELOOP) {
                format!(
                    "{} is a symbolic link: not writing keys through it",
                    path.display()
                )
            } else {
                os_error("open", &path)
            }
        })?;
        fchmod(&fd, 0o700, &path)?;
        Ok(SshDir { path, fd })
    }

    pub(crate) fn path_of(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Whether `name` is a regular file (following a symlink, as `-f`).
    pub(crate) fn has_file(&self, name: &str) -> bool {
        let Ok(c) = cstring(name) else { return false };
        // SAFETY: fstatat fills a plain struct; the name is NUL-terminated.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let found = unsafe { libc::fstatat(self.fd.as_raw_fd(), c.as_ptr(), &mut st, 0) } == 0;
        found && st.st_mode & libc::S_IFMT == libc::S_IFREG
    }

    /// The file's text (`cat`), following a symlink.
    pub(crate) fn read(&self, name: &str) -> Result<String, String> {
        let path = self.path_of(name);
        let fd = open_at(
            self.fd.as_raw_fd(),
            &cstring(name)?,
            libc::O_RDONLY | libc::O_NONBLOCK,
            0,
        )
        .ok_or_else(|| os_error("read", &path))?;
        if !is_regular(&fd) {
            return Err(format!("{} is not a regular file", path.display()));
        }
        read_all(fd, &path)
    }

    /// A new key pair from `ssh-keygen` (as the caller, as the original
    /// ran it), made in a private directory inside `~/.ssh` and renamed
    /// over the old pair, so that a failed run keeps the old keys and no
    /// `Overwrite (y/n)?` is asked after the user already agreed.
    pub(crate) fn generate(&self, comment: &str) -> Result<(), String> {
        let scratch = Scratch::make(self)?;
        let target = scratch.path.join(PRIVATE);
        let status = Command::new("ssh-keygen")
            .args(["-t", "ed25519", "-C", comment, "-f"])
            .arg(&target)
            .args(["-N", "", "-q"])
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run ssh-keygen: {e}"))?;
        if !status.success() {
            return Err(format!("ssh-keygen failed ({status})"));
        }
        scratch.move_out(PRIVATE)?;
        scratch.move_out(PUBLIC)?;
        let private = open_at(
            self.fd.as_raw_fd(),
            &cstring(PRIVATE)?,
            libc::O_RDONLY | libc::O_NOFOLLOW,
            0,
        )
        .ok_or_else(|| os_error("open", &self.path_of(PRIVATE)))?;
        fchmod(&private, 0o600, &self.path_of(PRIVATE))
    }

    /// Whether `authorized_keys` already holds `key` (the original's
    /// `grep -q "$(cat id_ed25519.pub)"`).
    pub(crate) fn authorized(&self, key: &str) -> bool {
        self.read(AUTHORIZED)
            .map(|text| holds_key(&text, key))
            .unwrap_or(false)
    }

    /// `authorized_keys`, made if missing and set to 0600, opened for
    /// adding a key (before the keys are made, so that one that cannot
    /// be written stops the setup before anything changed).
    pub(crate) fn open_authorized(&self) -> Result<AuthorizedKeys, String> {
        let path = self.path_of(AUTHORIZED);
        let flags =
            libc::O_RDWR | libc::O_CREAT | libc::O_APPEND | libc::O_NOFOLLOW | libc::O_NONBLOCK;
        let fd =
            open_at(self.fd.as_raw_fd(), &cstring(AUTHORIZED)?, flags, 0o600).ok_or_else(|| {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ELOOP) {
                    format!(
                        "{} is a symbolic link: not writing through it",
                        path.display()
                    )
                } else {
                    os_error("open", &path)
                }
            })?;
        if !is_regular(&fd) {
            return Err(format!("{} is not a regular file", path.display()));
        }
        fchmod(&fd, 0o600, &path)?;
        Ok(AuthorizedKeys {
            file: File::from(fd),
            path,
        })
    }
}

/// `authorized_keys`, open for appending.
pub(crate) struct AuthorizedKeys {
    file: File,
    path: PathBuf,
}

impl AuthorizedKeys {
    /// Put `key` (the public key file's text) in, unless it is there;
    /// whether it was added.
    pub(crate) fn add(&mut self, key: &str) -> Result<bool, String> {
        let mut text = String::new();
        (&mut self.file)
            .take(MAX_FILE_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        if holds_key(&text, key) {
            return Ok(false);
        }
        // A last line without its newline would otherwise swallow the key.
        let mut addition = String::new();
        if !text.is_empty() && !text.ends_with('\n') {
            addition.push('\n');
        }
        addition.push_str(key);
        self.file
            .write_all(addition.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        Ok(true)
    }
}

fn read_all(fd: OwnedFd, path: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    File::from(fd)
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `grep -q "$(cat KEYFILE)" FILE`: a line of `text` holds one of the
/// key file's lines (its trailing newlines dropped, as `$(...)` did).
fn holds_key(text: &str, key: &str) -> bool {
    let patterns: Vec<&str> = key.trim_end_matches('\n').split('\n').collect();
    text.lines()
        .any(|line| patterns.iter().any(|p| line.contains(p)))
}

/// A private directory in `~/.ssh` for `ssh-keygen` to write into;
/// removed with whatever is left in it when dropped.
struct Scratch<'a> {
    dir: &'a SshDir,
    name: CString,
    path: PathBuf,
}

impl<'a> Scratch<'a> {
    fn make(dir: &'a SshDir) -> Result<Scratch<'a>, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(".ds01-keygen-{}-{nanos}", std::process::id());
        let path = dir.path_of(&name);
        let c = cstring(&name)?;
        // SAFETY: mkdirat with a NUL-terminated name, relative to our fd.
        if unsafe { libc::mkdirat(dir.fd.as_raw_fd(), c.as_ptr(), 0o700) } != 0 {
            return Err(os_error("create", &path));
        }
        Ok(Scratch { dir, name: c, path })
    }

    /// Rename `file` from here to `~/.ssh` (replacing what is there; a
    /// symlink there is replaced, not followed).
    fn move_out(&self, file: &str) -> Result<(), String> {
        let from = cstring(&format!("{}/{file}", self.name.to_string_lossy()))?;
        let to = cstring(file)?;
        let fd = self.dir.fd.as_raw_fd();
        // SAFETY: renameat with NUL-terminated names relative to our fd.
        if unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) } != 0 {
            return Err(os_error("replace", &self.dir.path_of(file)));
        }
        Ok(())
    }
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        let fd = self.dir.fd.as_raw_fd();
        for file in [PRIVATE, PUBLIC] {
            if let Ok(c) = cstring(&format!("{}/{file}", self.name.to_string_lossy())) {
                // SAFETY: unlinkat relative to our fd; a missing file is fine.
                unsafe { libc::unlinkat(fd, c.as_ptr(), 0) };
            }
        }
        // SAFETY: as above; the directory is empty by now.
        unsafe { libc::unlinkat(fd, self.name.as_ptr(), libc::AT_REMOVEDIR) };
    }
}

/// Whether `ssh localhost` gets in with the keys alone (the original's
/// check, three seconds at most to connect).
pub(crate) fn ssh_localhost_works() -> bool {
    Command::new("ssh")
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=3",
            "-o",
            "StrictHostKeyChecking=no",
            "localhost",
            "exit",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_found_like_grep() {
        let key = "ssh-ed25519 AAAA bob@ds01-server\n";
        assert!(holds_key("other\nssh-ed25519 AAAA bob@ds01-server\n", key));
        assert!(!holds_key("ssh-ed25519 BBBB bob@ds01-server\n", key));
        // An empty key file matched any line, and nothing in an empty file.
        assert!(holds_key("x\n", ""));
        assert!(!holds_key("", ""));
    }

    #[test]
    fn keys_written_without_following_links() {
        let home = std::env::temp_dir().join(format!("ds01-sshkeys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        let dir = SshDir::open(&home).expect("open");
        let auth = home.join(".ssh/authorized_keys");
        let add = |key: &str| dir.open_authorized().and_then(|mut a| a.add(key));
        assert!(add("k1 a\n").expect("first"));
        assert!(!add("k1 a\n").expect("again"));
        std::fs::write(&auth, "no newline").expect("write");
        assert!(add("k2 b\n").expect("second"));
        assert_eq!(
            std::fs::read_to_string(&auth).expect("read"),
            "no newline\nk2 b\n"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&auth).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_file(&auth).expect("rm");
        std::os::unix::fs::symlink(home.join("elsewhere"), &auth).expect("link");
        assert!(dir.open_authorized().is_err());
        assert!(!home.join("elsewhere").exists());
        let _ = std::fs::remove_dir_all(&home);
    }
}
