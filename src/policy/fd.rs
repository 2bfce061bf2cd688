//! System calls on descriptors, for directories that every user of the
//! server can write in (the allocator's state directory and what lives
//! in it).  There a path can be swapped for a symbolic link between two
//! calls, so: a name is opened relative to a directory already opened
//! and checked (`openat`), never through a link (`O_NOFOLLOW`); what a
//! file is and whose it is comes from `fstat` on the open descriptor; a
//! mode is set with `fchmod`, never `chmod` by path; a directory is
//! listed through its descriptor.
//!
//! Each returns the [`std::io::Error`] as it is: the callers word their
//! own messages (which name the path and say why it is refused).

use std::ffi::CStr;
use std::io::Error;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

/// The effective uid: whose files this process makes.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// `dir`, or the current directory (`None`: the name is a path).
fn base(dir: Option<&OwnedFd>) -> libc::c_int {
    dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd())
}

/// `openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)`: a link as
/// the last component fails (`ELOOP`, or `ENOTDIR` with `O_DIRECTORY`).
pub fn open_at(
    dir: Option<&OwnedFd>,
    name: &CStr,
    flags: libc::c_int,
    mode: libc::c_uint,
) -> Result<OwnedFd, Error> {
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: openat on a NUL-terminated name; the descriptor it returns
    // is owned by the OwnedFd we wrap it in.
    let fd = unsafe { libc::openat(base(dir), name.as_ptr(), flags, mode) };
    if fd < 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: a descriptor openat just returned to us, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// [`open_at`] a directory, read-only.
pub fn open_dir(dir: Option<&OwnedFd>, name: &CStr) -> Result<OwnedFd, Error> {
    open_at(dir, name, libc::O_RDONLY | libc::O_DIRECTORY, 0)
}

/// `mkdirat(dir, name, mode)` (the umask still applies: see [`fchmod`]).
pub fn mkdir_at(dir: Option<&OwnedFd>, name: &CStr, mode: libc::mode_t) -> Result<(), Error> {
    // SAFETY: mkdirat on a NUL-terminated name relative to `dir`.
    if unsafe { libc::mkdirat(base(dir), name.as_ptr(), mode) } != 0 {
        return Err(Error::last_os_error());
    }
    Ok(())
}

/// `unlinkat(dir, name, 0)`: removes the name itself, link or not.
pub fn unlink_at(dir: &OwnedFd, name: &CStr) -> Result<(), Error> {
    // SAFETY: unlinkat on a NUL-terminated name relative to our fd.
    if unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) } != 0 {
        return Err(Error::last_os_error());
    }
    Ok(())
}

/// `renameat` of `from` over `to`, both in `dir` (atomic replacement).
pub fn rename_at(dir: &OwnedFd, from: &CStr, to: &CStr) -> Result<(), Error> {
    let d = dir.as_raw_fd();
    // SAFETY: renameat of NUL-terminated names within our directory.
    if unsafe { libc::renameat(d, from.as_ptr(), d, to.as_ptr()) } != 0 {
        return Err(Error::last_os_error());
    }
    Ok(())
}

/// `fstat` of what the descriptor holds (not of what a path names now).
pub fn fstat(fd: &OwnedFd) -> Result<libc::stat, Error> {
    // SAFETY: fstat writes a stat struct into memory we own; all-zero
    // bytes are a valid stat.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd.as_raw_fd(), &mut st) == 0 {
            Ok(st)
        } else {
            Err(Error::last_os_error())
        }
    }
}

/// `fchmod`: set the mode of what we opened, not of what a path names.
pub fn fchmod(fd: &OwnedFd, mode: libc::mode_t) -> Result<(), Error> {
    // SAFETY: fchmod on a descriptor we own.
    if unsafe { libc::fchmod(fd.as_raw_fd(), mode) } != 0 {
        return Err(Error::last_os_error());
    }
    Ok(())
}

/// The names in an open directory, sorted; listed through
/// `/proc/self/fd/N`, so a directory swapped in meanwhile is not the one
/// read.
pub fn names(dir: &OwnedFd) -> Result<Vec<String>, Error> {
    let listing = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    let mut names = Vec::new();
    for e in std::fs::read_dir(listing)? {
        names.push(e?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}
