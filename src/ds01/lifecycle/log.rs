//! The lifecycle log: one line per action (and per run that could not be
//! made), with its time and reason.  Root's only: created 0600, its last
//! component opened without following a link, and refused unless it is a
//! regular file of ours.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub struct Log {
    file: File,
}

impl Log {
    pub fn open(path: &Path) -> Result<Log, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
        }
        let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| "invalid path")?;
        let flags =
            libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: open on a NUL-terminated path; the descriptor is wrapped.
        let fd = unsafe { libc::open(c.as_ptr(), flags, 0o600) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!("cannot open {}: {e}", path.display()));
        }
        // SAFETY: a descriptor open just returned.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        check(&fd, path)?;
        Ok(Log {
            file: File::from(fd),
        })
    }

    /// Append `text` (one line) stamped with `now`.
    pub fn line(&mut self, now: u64, text: &str) -> Result<(), String> {
        let stamp = crate::model::time::format_utc(now as i64);
        let one_line = text.replace('\n', " ");
        writeln!(self.file, "{stamp} {one_line}").map_err(|e| format!("cannot write the log: {e}"))
    }
}

/// A regular file of this process's user, not writable by others.
fn check(fd: &OwnedFd, path: &Path) -> Result<(), String> {
    // SAFETY: fstat writes into a stat struct we own.
    let st = unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd.as_raw_fd(), &mut st) != 0 {
            return Err(format!("cannot inspect {}", path.display()));
        }
        st
    };
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if st.st_mode & libc::S_IFMT != libc::S_IFREG || st.st_uid != me || st.st_mode & 0o022 != 0 {
        return Err(format!(
            "{} is not a private regular file of this user: refusing to write to it",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_log_is_refused() {
        let dir = std::env::temp_dir().join(format!("ds01-lclog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("target"), "").unwrap();
        std::os::unix::fs::symlink(dir.join("target"), dir.join("log")).unwrap();
        assert!(Log::open(&dir.join("log")).is_err());
        let mut log = Log::open(&dir.join("real.log")).unwrap();
        log.line(0, "stop x\ny").unwrap();
        let text = std::fs::read_to_string(dir.join("real.log")).unwrap();
        assert_eq!(text, "1970-01-01T00:00:00Z stop x y\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
