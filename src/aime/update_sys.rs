//! `mlc update-sys`: update the AIME MLC installation with git.
//!
//! The installation is the settings' `mlc_dir` (`$DS01_MLC_DIR` or
//! `/opt/aime-ml-containers`); the
//! `git` program does the work (as in the original), through `sudo` when
//! the checkout is not writable by the caller.

use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::{colour, prompt};
use std::ffi::CString;
use std::path::Path;
use std::process::{Command, Stdio};

pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    let dir = ctx.settings.mlc_dir.clone();
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    if !dir.join(".git").is_dir() {
        ctx.println(&colour::expand(
            "{ERROR}Failed: ML container system not installed as updatable git repo.\nAdd the AIME MLC's location to ~/.bashrc or change to the location of the AIME MLC. {RESET}",
        ));
        return Ok(255);
    }
    let git = Git {
        dir: &dir,
        sudo: !writable(&dir.join(".git")),
    };

    // Always (and without sudo): the original appends this on every run.
    let _ = git
        .command(false, &["config", "--global", "--add", "safe.directory"])
        .arg(&dir)
        .status();
    let head = git.output(false, &["symbolic-ref", "HEAD"])?;
    let branch = head.rsplit('/').next().unwrap_or_default().to_string();
    ctx.println(&format!("branch update-sys: {branch}"));

    if !m.flag("force") {
        ctx.println(&colour::expand(
            "\n{HINT}Hint: Use the flag -f or --force to avoid be asked.{RESET}",
        ));
        ctx.println(&colour::expand(
            "\n{NEUTRAL}This will update the ML container system to the latest version.{RESET}",
        ));
        if !git.sudo
            && !yes(
                ctx,
                "\n{REQUEST}Check for available updates (Y/n)?: {RESET}",
            )?
        {
            return Ok(0);
        }
        let _ = git.command(true, &["remote", "update"]).status();
        let log = git.output(
            true,
            &[
                "log",
                &format!("HEAD..origin/{branch}"),
                "--pretty=format:%s",
            ],
        )?;
        if log.is_empty() {
            ctx.println(&colour::expand(
                "\n{NEUTRAL}ML container system is up to date.\n{RESET}",
            ));
            return Ok(0);
        }
        ctx.println(&format!(
            "{}\n{log}",
            colour::expand("\n{INFO}Update(s) available.\n\nChange Log:{RESET}")
        ));
        if !yes(ctx, "\n{REQUEST}Update ML container system (Y/n)?: {RESET}")? {
            return Ok(0);
        }
    }
    ctx.println(&colour::expand(
        "\n{NEUTRAL}Updating ML container system...{RESET}\n",
    ));
    let _ = git.command(true, &["pull", "origin", &branch]).status();
    Ok(0)
}

/// A (Y/n) question: yes for `y`, `yes` or nothing.
fn yes(ctx: &mut Ctx, question: &str) -> Result<bool, Failure> {
    let answer = ctx.ask(&colour::expand(question))?.trim().to_lowercase();
    Ok(matches!(answer.as_str(), "y" | "yes" | ""))
}

/// `access(path, W_OK)`.
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) reads the NUL-terminated path we own.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// `git` in the installation, prefixed by `sudo` where needed.
struct Git<'a> {
    dir: &'a Path,
    sudo: bool,
}

impl Git<'_> {
    fn command(&self, may_sudo: bool, args: &[&str]) -> Command {
        let mut c = if may_sudo && self.sudo {
            let mut c = Command::new("sudo");
            c.arg("git");
            c
        } else {
            Command::new("git")
        };
        c.args(args).current_dir(self.dir);
        c
    }

    /// Run and capture stdout (stripped); a failure shows git's error and
    /// ends the command with exit 1 (the original died with a traceback).
    fn output(&self, may_sudo: bool, args: &[&str]) -> Result<String, Failure> {
        let out = self
            .command(may_sudo, args)
            .stdin(Stdio::inherit())
            .output()
            .map_err(|e| Failure::stderr(1, format!("ds01: cannot run git: {e}\n")))?;
        if !out.status.success() {
            return Err(Failure::stderr(
                1,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}
