//! Writing a file in the caller's project without following a symbolic
//! link at its name: the text goes to a new file beside it (created with
//! O_EXCL, which never follows a link) and is renamed over the name, so a
//! link planted there is replaced, never written through.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The name is a symbolic link (refused before anything is written).
    Symlink(PathBuf),
    /// The directory could not be made.
    Directory(PathBuf, io::Error),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Symlink(p) => write!(
                f,
                "{} is a symbolic link; ds01 does not write through links",
                p.display()
            ),
            WriteError::Directory(p, e) => {
                write!(f, "cannot create directory {}: {}", p.display(), reason(e))
            }
            WriteError::Io(p, e) => write!(f, "cannot write {}: {}", p.display(), reason(e)),
        }
    }
}

/// The system's words for an error, without Rust's ` (os error N)`.
fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Whether `path` itself (not what it points to) is a symbolic link.
pub(crate) fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Make `path`'s directory (as `mkdir -p`), then put `bytes` at `path`,
/// refusing a symbolic link there.  `mode`: the permissions to give the
/// file (`None`: the usual 0666 less the umask).
pub(crate) fn replace_file(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| WriteError::Directory(dir.clone(), e))?;
    if is_symlink(path) {
        return Err(WriteError::Symlink(path.to_path_buf()));
    }
    let temp = new_temp_file(&dir, path)?;
    let written = fill(&temp.1, temp.0, bytes, mode).and_then(|()| fs::rename(&temp.1, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&temp.1);
        WriteError::Io(path.to_path_buf(), e)
    })
}

fn fill(temp: &Path, mut file: fs::File, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    file.write_all(bytes)?;
    if let Some(mode) = mode {
        fs::set_permissions(temp, Permissions::from_mode(mode & 0o7777))?;
    }
    file.sync_all()
}

/// A new, empty file in `dir` named after `path` (`.NAME.ds01-PID-N`).
fn new_temp_file(dir: &Path, path: &Path) -> Result<(fs::File, PathBuf), WriteError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for n in 0..100 {
        let temp = dir.join(format!(".{name}.ds01-{}-{n}", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&temp)
        {
            Ok(file) => return Ok((file, temp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(WriteError::Io(path.to_path_buf(), e)),
        }
    }
    Err(WriteError::Io(path.to_path_buf(), last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ds01-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn makes_the_directory_and_replaces_the_file() {
        let dir = scratch("replace");
        let path = dir.join(".devcontainer/devcontainer.json");
        replace_file(&path, b"one", None).expect("written");
        replace_file(&path, b"two", Some(0o600)).expect("rewritten");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        let mode = fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            fs::read_dir(path.parent().expect("dir"))
                .expect("ls")
                .count(),
            1
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_symlink_and_leaves_its_target_alone() {
        let dir = scratch("symlink");
        fs::create_dir_all(&dir).expect("dir");
        let target = dir.join("target");
        fs::write(&target, b"keep").expect("target");
        let link = dir.join("devcontainer.json");
        std::os::unix::fs::symlink(&target, &link).expect("link");
        let err = replace_file(&link, b"evil", None).expect_err("refused");
        assert!(matches!(err, WriteError::Symlink(_)));
        assert!(err.to_string().contains("is a symbolic link"));
        assert_eq!(fs::read(&target).expect("read"), b"keep");
        let _ = fs::remove_dir_all(&dir);
    }
}
