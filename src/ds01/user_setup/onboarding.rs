//! `~/ONBOARDING.md`, the reference sheet the wizard leaves in the home
//! directory (the original's `onboarding-create`): written once, never
//! replaced, never written through a symlink.

use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{expand, NC, RED};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

/// Write the sheet unless there is one, and say which.
pub(super) fn create(ctx: &mut Ctx, user: &str, address: &str) -> Result<(), Failure> {
    let path = format!("{}/ONBOARDING.md", ctx.caller.home);
    if std::path::Path::new(&path).is_file() {
        ctx.out(&expand("{GREEN}✓{NC} ONBOARDING.md already exists\n"));
        ctx.out(&expand(&format!("  {{DIM}}Location: {path}{{NC}}\n")));
        return Ok(());
    }
    let text = guide(user, address, &today());
    write_new(&path, &text)
        .map_err(|e| Failure::stderr(1, format!("{RED}✗ cannot write {path}: {e}{NC}\n")))?;
    ctx.out(&expand("{GREEN}✓{NC} Created ONBOARDING.md\n"));
    ctx.out(&expand(&format!("  {{DIM}}Location: {path}{{NC}}\n")));
    ctx.out(&expand(
        "\n{YELLOW}Tip:{NC} This file is in your home directory.\n     You'll see it when you first open VS Code on the server.\n",
    ));
    Ok(())
}

/// As the shell's `>` made it (mode 0666 less the umask), but refusing
/// a symlink in its place.
fn write_new(path: &str, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o666)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// Today's date in local time, `YYYY-MM-DD` (`date +%Y-%m-%d`).
fn today() -> String {
    // SAFETY: time and localtime_r fill plain data we own.
    let tm = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday
    )
}

/// The sheet for `user` on the server at `address`, dated `date`.
fn guide(user: &str, address: &str, date: &str) -> String {
    GUIDE
        .replace("@USER@", user)
        .replace("@IP@", address)
        .replace("@DATE@", date)
}

const GUIDE: &str = "# DS01 Onboarding Guide

Welcome to DS01 - Hertie's HPC Server for Data Science!

## Quick Reference

| Task | Command |
|------|---------|
| Deploy container | `container deploy my-project` |
| Enter container | `container attach my-project` |
| Retire container | `container retire my-project` |
| Check your limits | `check-limits` |
| List containers | `container-list` |
| Create new project | `project-init` |
| Run setup again | `user-setup` |

## Understanding DS01

### Workspace vs Container

- **Workspace** (`~/workspace/`): Your permanent file storage
- **Container**: Temporary compute environment with GPU access

Think of it like:
- Workspace = your hard drive (files persist forever)
- Container = your computer (can restart/replace anytime)

### Getting Started Workflow

1. Create a project: `project-init my-thesis`
2. Deploy container: `container deploy my-thesis`
3. Work in container (VS Code or terminal)
4. Retire when done: `container retire my-thesis`

Your files in `~/workspace/` are **always safe**, even if you retire the container.

### Resource Limits

Run `check-limits` to see your quotas for:
- GPU allocations
- Container count
- Memory/CPU per container

### Jupyter Lab

- **VS Code** (recommended): Use the Jupyter extension
  1. Install 'Jupyter' extension in VS Code
  2. Connect to DS01 via Remote-SSH
  3. Open any .ipynb file

- **Browser**: Run `jupyter-setup --guided` for port forwarding setup

## SSH Configuration

### Keys Location (on the server)

- **Private key**: `~/.ssh/id_ed25519`
- **Public key**: `~/.ssh/id_ed25519.pub`

### Step 1: Copy Private Key to Your LOCAL Machine

Run this on your LOCAL terminal (laptop/desktop):

```bash
scp @USER@@@IP@:~/.ssh/id_ed25519 ~/.ssh/ds01_id_ed25519
chmod 600 ~/.ssh/ds01_id_ed25519
```

### Step 2: Add SSH Config on Your LOCAL Machine

Add this to `~/.ssh/config` on your LOCAL machine:

```
Host ds01
    HostName @IP@
    User @USER@
    IdentityFile ~/.ssh/ds01_id_ed25519
    ForwardAgent yes
    ServerAliveInterval 60
```

### How to Connect

- **Terminal**: `ssh ds01`
- **VS Code**: Remote-SSH: Connect to Host → ds01

### Need to Review Your Keys?

Run `ssh-setup` on the server to view your keys and instructions again.

## Documentation & Help

- **User docs**: https://hertie-data-science-lab.github.io/ds01/
- **Command help**: `<command> --help`

### For Advanced Users

- **Granular commands**: The user docs repo includes documentation for atomic commands
  (`container-create`, `container-start`, `container-stop`, etc.) that offer more fine-grained control.
- **Docker commands**: Standard `docker` commands remain available for users with prior Docker experience.
  All containers are still subject to DS01 resource limits regardless of how they're launched.

## Getting Help

- **DSL Research Engineer**: [ENGINEER_EMAIL]
- **Data Science Lab**: [LAB_EMAIL]

---
Generated by DS01 Setup Wizard | Last updated: @DATE@
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_matches_the_recorded_sheet() {
        let recorded = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/compat/ds01/712-user-setup-quick.txt"
        ));
        let Ok(recorded) = recorded else { return };
        let start = "--- file /home/bob/ONBOARDING.md:\n";
        let Some(from) = recorded.find(start) else {
            return;
        };
        let body = &recorded[from + start.len()..];
        // The recorder wrote a newline after the file.
        let body = &body[..body.find("\n\n--- dir").map_or(body.len(), |i| i + 1)];
        assert_eq!(guide("bob", "192.0.2.2", "2026-11-28"), body);
    }

    #[test]
    fn date_is_iso() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert_eq!(&d[4..5], "-");
    }
}
