//! The git clone of the AIME installation that the `aime-v2/update_sys_*` sessions ran in:
//! `mlc.py` inside a writable clone whose remote (a local bare repository,
//! `/srv/git/aime-mlc.git` on the recording machine) was some batches of commits ahead.
//!
//! The replay makes, per session, under its own directory: `seed/` (where the history is
//! written), `aime-mlc.git` (the bare remote) and `mlc/` (the installation, a clone), all
//! owned by the session's user, so that no `sudo` is needed, as recorded. The installation starts
//! from the catalog `ml_images.repo`; every batch of `compat-tests/fixtures/update-sys-batch.txt`
//! is then pushed to the remote only, so that the clone is behind by that many batches.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Context, Error, Result};

/// Where the recordings' remote was: git names it in `From …` lines.
pub const RECORDED_REMOTE: &str = "/srv/git/aime-mlc.git";

/// The clone a session needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// Batches of commits the remote is ahead of the clone.
    pub ahead: u32,
}

/// One upstream commit: its subject and the catalog line it appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub subject: String,
    pub line: String,
}

/// The paths of a made checkout.
pub struct Made {
    /// The installation (`DS01_MLC_DIR`).
    pub installation: PathBuf,
    /// The bare remote, as git prints it.
    pub remote: PathBuf,
}

/// `SUBJECT<TAB>LINE` lines, oldest first; `#` comments and blank lines skipped.
pub fn parse_batch(text: &str) -> Result<Vec<Commit>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (subject, line) = l
                .split_once('\t')
                .ok_or_else(|| Error::msg(format!("update-sys batch: no tab in {l:?}")))?;
            Ok(Commit {
                subject: subject.to_owned(),
                line: line.to_owned(),
            })
        })
        .collect()
}

/// `… remote has N new commit(s) batch)` of the recording's argv comment.
pub fn ahead_from_comment(comment: &str) -> Option<u32> {
    let rest = comment.split("remote has ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

impl Made {
    /// `text` with our remote's path, as given or as git shows it in `From …` lines (without
    /// `.git`), at the recordings' place.
    pub fn as_recorded(&self, text: &str) -> String {
        let full = self.remote.display().to_string();
        let shown = full.strip_suffix(".git").unwrap_or(&full);
        text.replace(&full, RECORDED_REMOTE)
            .replace(shown, RECORDED_REMOTE)
    }
}

impl Checkout {
    /// Make the repositories under `dir` (cleared first), all `owner`'s.
    pub fn make(
        &self,
        dir: &Path,
        catalog: &Path,
        batch: &[Commit],
        owner: (u32, u32),
    ) -> Result<Made> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).ctx(dir.display())?;
        }
        let seed = dir.join("seed");
        std::fs::create_dir_all(&seed).ctx(seed.display())?;
        let remote = dir.join("aime-mlc.git");
        let installation = dir.join("mlc");
        git(dir, &["init", "-q", "-b", "main", "seed"])?;
        let repo_file = seed.join("ml_images.repo");
        std::fs::copy(catalog, &repo_file).ctx(catalog.display())?;
        git(&seed, &["add", "ml_images.repo"])?;
        git(&seed, &["commit", "-q", "-m", "version 2.2.0"])?;
        git(dir, &["clone", "-q", "--bare", "seed", "aime-mlc.git"])?;
        git(dir, &["clone", "-q", "aime-mlc.git", "mlc"])?;
        for _ in 0..self.ahead {
            for commit in batch {
                let mut text = std::fs::read_to_string(&repo_file).ctx(repo_file.display())?;
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&commit.line);
                text.push('\n');
                std::fs::write(&repo_file, text).ctx(repo_file.display())?;
                git(&seed, &["commit", "-q", "-a", "-m", &commit.subject])?;
            }
        }
        git(
            &seed,
            &["push", "-q", &remote.display().to_string(), "main"],
        )?;
        // git refuses a repository of another user ("dubious ownership"), the remote too.
        chown_tree(dir, owner)?;
        Ok(Made {
            installation,
            remote,
        })
    }
}

/// `git ARGS` in `cwd`, with a fixed identity and date and no user or system configuration.
fn git(cwd: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=AIME",
            "-c",
            "user.email=aime@example.invalid",
        ])
        .args(args)
        .current_dir(cwd)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2026-11-28T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-28T12:00:00Z")
        .output()
        .ctx(format!("running git {}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// `chown -R` without following symlinks (lchown on every entry).
fn chown_tree(path: &Path, (uid, gid): (u32, u32)) -> Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).ctx(path.display())?;
    let meta = std::fs::symlink_metadata(path).ctx(path.display())?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).ctx(path.display())? {
            chown_tree(&entry.ctx(path.display())?.path(), (uid, gid))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_and_comment() {
        let b = parse_batch("# c\n\nA added\tx, 1\nB added\ty, 2\n").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].subject, "B added");
        assert_eq!(b[1].line, "y, 2");
        assert!(parse_batch("no tab\n").is_err());
        assert_eq!(
            ahead_from_comment(
                "mlc.py inside a writable git clone; remote has 1 new commit(s) batch"
            ),
            Some(1)
        );
        assert_eq!(
            ahead_from_comment("remote has 0 new commit(s) batch"),
            Some(0)
        );
        assert_eq!(ahead_from_comment("no remote"), None);
    }

    #[test]
    fn remote_as_recorded() {
        let made = Made {
            installation: PathBuf::from("/w/x/mlc"),
            remote: PathBuf::from("/w/x/aime-mlc.git"),
        };
        assert_eq!(
            made.as_recorded("From /w/x/aime-mlc\nurl /w/x/aime-mlc.git\n"),
            "From /srv/git/aime-mlc.git\nurl /srv/git/aime-mlc.git\n"
        );
    }
}
