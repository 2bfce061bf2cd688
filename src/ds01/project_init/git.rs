//! Step 5 (and Step 6's first commit): the project's Git repository, made
//! in-process where the original ran DS01's `git-init` helper (no longer
//! installed).  ds01 runs the `git` program itself, in the project
//! directory, as the caller.  The messages are the helper's; unlike the
//! helper, nothing is asked (the original's pauses and its name, email and
//! remote questions): the name and email come from the user's Git
//! configuration or are left for later, and Git LFS is set up for this
//! repository only (`git lfs install --local`), not in `~/.gitconfig`.

use super::Project;
use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{expand, GREEN, LIGHT_BLUE, NC, RED, YELLOW};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Model files Git LFS stores.
pub const LFS_PATTERNS: [&str; 5] = ["*.pth", "*.pt", "*.h5", "*.ckpt", "*.bin"];

/// Make the repository; whether there is one afterwards (no `git`
/// program: none, said so).  A `git init` that fails ends the run.
pub fn init(ctx: &mut Ctx, p: &Project) -> Result<bool, Failure> {
    if git(&p.dir, &["--version"]).is_err() {
        ctx.out(&format!(
            "{YELLOW}⚠{NC} Git is not installed: no repository made (run git init in {} later)\n",
            p.dir.display()
        ));
        return Ok(false);
    }
    if p.dir.join(".git").is_dir() {
        already_initialised(ctx, p);
        return Ok(true);
    }
    if p.guided {
        ctx.out(&expand(GUIDE));
    }
    gitignore(ctx, &p.dir)?;
    ctx.out(&format!("{LIGHT_BLUE}Initializing Git repository...{NC}\n"));
    let init = git(&p.dir, &["init", "-q"]).map_err(|e| git_failed("git init", &e.to_string()))?;
    if !init.status.success() {
        return Err(git_failed("git init", &first_line(&init.stderr)));
    }
    ctx.out(&format!("{GREEN}✓{NC} Git initialized\n"));
    identity(ctx, &p.dir);
    lfs(ctx, &p.dir, p.guided);
    ctx.out(&format!("\n{GREEN}✓ Git setup complete{NC}\n"));
    Ok(true)
}

/// Commit everything the project holds now (Step 6, when Git was set up).
pub fn first_commit(ctx: &mut Ctx, p: &Project) {
    if !p.dir.join(".git").is_dir() {
        ctx.out(&format!(
            "\n{YELLOW}⚠{NC} Git not initialized, skipping commit\n"
        ));
        return;
    }
    ctx.out(&format!(
        "\n{LIGHT_BLUE}Creating initial Git commit...{NC}\n"
    ));
    let mut message = format!(
        "Initial project structure\n\nCreated by ds01 project-init\nType: {}",
        p.kind
    );
    if !p.desc.is_empty() {
        message.push_str(&format!("\nDescription: {}", p.desc));
    }
    let added = git(&p.dir, &["add", "."]);
    let committed = match added {
        Ok(o) if o.status.success() => git(&p.dir, &["commit", "-q", "-m", &message]),
        other => other,
    };
    match committed {
        Ok(o) if o.status.success() => {
            ctx.out(&format!("{GREEN}✓{NC} Initial commit created\n"));
        }
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("tell me who you are") => {
            ctx.out(&format!(
                "{YELLOW}⚠{NC} No initial commit: Git needs your name and email first\n  \
                 (git config --global user.name \"Your Name\"; git config --global user.email you@example.org)\n"
            ));
        }
        Ok(o) => ctx.out(&format!(
            "{YELLOW}⚠{NC} No initial commit: {}\n",
            first_line(&o.stderr)
        )),
        Err(e) => ctx.out(&format!("{YELLOW}⚠{NC} No initial commit: {e}\n")),
    }
}

/// `git ARGS` in `dir`, its output kept (never shown as it is), nothing
/// to read on its stdin, and no variable of the caller's that would point
/// it at another repository.
fn git(dir: &Path, args: &[&str]) -> std::io::Result<Output> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null())
        .output()
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no message)")
        .trim()
        .to_string()
}

fn git_failed(what: &str, why: &str) -> Failure {
    Failure::stderr(1, format!("{RED}✗ {what} failed: {why}{NC}\n"))
}

/// A repository that is already there: its short status, as the helper
/// showed it.
fn already_initialised(ctx: &mut Ctx, p: &Project) {
    ctx.out(&format!(
        "{GREEN}✓ Git already initialized in '{}' project {NC}\n\nRepository info:\n",
        p.name
    ));
    if let Ok(status) = git(&p.dir, &["status", "--short"]) {
        ctx.out(&String::from_utf8_lossy(&status.stdout));
    }
    ctx.out("\n");
}

/// The ML `.gitignore`; one the project already has is kept (the helper
/// overwrote it).
fn gitignore(ctx: &mut Ctx, dir: &Path) -> Result<(), Failure> {
    ctx.out(&format!("{LIGHT_BLUE}Creating .gitignore...{NC}\n"));
    let path = dir.join(".gitignore");
    if path.exists() {
        ctx.out(&format!(
            "{GREEN}✓{NC} .gitignore kept (the project has one)\n"
        ));
        return Ok(());
    }
    std::fs::write(&path, GITIGNORE).map_err(|e| super::files::write_failed(&path, e))?;
    ctx.out(&format!("{GREEN}✓{NC} .gitignore created\n"));
    Ok(())
}

/// Whose commits these are: the user's Git configuration, or later.
fn identity(ctx: &mut Ctx, dir: &Path) {
    ctx.out(&format!("{LIGHT_BLUE}Configuring Git user...{NC}\n"));
    let value = |key: &str| {
        git(dir, &["config", "--get", key])
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (value("user.name"), value("user.email")) {
        (Some(name), Some(email)) => ctx.out(&format!(
            "{GREEN}✓{NC} Using global config: {name} <{email}>\n"
        )),
        _ => ctx.out(&format!(
            "{YELLOW}⚠{NC} Skipped user config (can set later with: git config user.name/email)\n"
        )),
    }
}

/// Git LFS for model files, when it is installed.
fn lfs(ctx: &mut Ctx, dir: &Path, guided: bool) {
    let installed = git(dir, &["lfs", "version"]).is_ok_and(|o| o.status.success());
    if !installed {
        ctx.out(&format!("{YELLOW}⚠{NC} Git LFS not installed (skipping)\n"));
        if guided {
            ctx.out("  Ask your administrator to install git-lfs\n");
        }
        return;
    }
    ctx.out(&format!("{LIGHT_BLUE}Configuring Git LFS...{NC}\n"));
    let steps = std::iter::once(vec!["lfs", "install", "--local"])
        .chain(LFS_PATTERNS.iter().map(|p| vec!["lfs", "track", p]));
    for args in steps {
        match git(dir, &args) {
            Ok(o) if o.status.success() => {}
            Ok(o) => return lfs_failed(ctx, &first_line(&o.stderr)),
            Err(e) => return lfs_failed(ctx, &e.to_string()),
        }
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Git LFS configured (tracking: .pth, .pt, .h5, .ckpt, .bin)\n"
    ));
    if guided {
        ctx.out(&expand(LFS_GUIDE));
    }
}

fn lfs_failed(ctx: &mut Ctx, why: &str) {
    ctx.out(&format!(
        "{YELLOW}⚠{NC} Git LFS could not be set up: {why}\n"
    ));
}

const GUIDE: &str = "{BOLD}What We'll Set Up:{NC}

  1. {CYAN}.gitignore{NC}

  2. {CYAN}Git LFS{NC} - Tracks large files efficiently
     (model checkpoints, weights - .pth, .h5, .ckpt)

  3. {CYAN}User config{NC} - Your name/email for commits (from your Git config)

  4. {CYAN}Remote repository{NC} (later) - git remote add origin <url>

{YELLOW}💡 Tip:{NC} Commit code and configs, NOT raw data or large models!
   Use Git LFS for model weights, store datasets separately.

";

const LFS_GUIDE: &str = "
{YELLOW}💡 Git LFS Info:{NC}
  Large model files (.pth, .h5, etc.) will be tracked efficiently.
  They won't bloat your repository - Git stores pointers instead.

";

/// The helper's `.gitignore` for ML projects.
pub const GITIGNORE: &str = "# DS01 ML Project .gitignore

# Python
__pycache__/
*.py[cod]
*$py.class
*.so
.Python
env/
venv/
ENV/
.venv

# Jupyter Notebooks
.ipynb_checkpoints/
*.ipynb

# IDEs
.vscode/
.idea/
*.swp
*.swo
*~

# ML Data & Models
data/raw/*
data/processed/*
!data/raw/.gitkeep
!data/processed/.gitkeep
*.h5
*.hdf5
*.pkl
*.pickle
*.pt
*.pth
*.ckpt
*.safetensors
models/checkpoints/*
!models/checkpoints/.gitkeep

# Logs & Outputs
logs/
*.log
outputs/
runs/
wandb/
mlruns/
.tensorboard/

# Large files
*.tar
*.tar.gz
*.zip
*.7z
*.rar
*.bin
*.npy
*.npz

# Temporary files
tmp/
temp/
.cache/
.DS_Store
Thumbs.db

# Environment & Config
.env
.env.local
*.env
config/secrets.yaml
credentials.json

# Container-specific
.jupyter.log
.idle-warning.txt
.ds01-*
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ignore_file_keeps_the_gitkeeps() {
        assert!(GITIGNORE.contains("!data/raw/.gitkeep\n"));
        assert!(GITIGNORE.contains("!models/checkpoints/.gitkeep\n"));
        assert!(GITIGNORE.ends_with(".ds01-*\n"));
    }

    #[test]
    fn first_line_skips_blanks() {
        assert_eq!(first_line(b"\n  fatal: x\nmore\n"), "fatal: x");
        assert_eq!(first_line(b""), "(no message)");
    }
}
