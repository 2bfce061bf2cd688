//! The recordings' users must exist with their uids, with home and workspace directories.
//! `compat-tests/engine/users SET` does it when present; whatever is still missing is fixed
//! here with useradd/userdel (only for the recordings' user names).

use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Context, Error, Result};
use crate::formats::SetInfo;
use crate::state::TEST_USERS;

/// Entries of a colon-separated database file (`/etc/passwd`, `/etc/group`) as
/// (name, id). Read directly: NSS modules cannot be loaded by a static binary.
fn entries(path: &str) -> Vec<(String, u32)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id = f.nth(1)?.parse().ok()?;
            Some((name.to_owned(), id))
        })
        .collect()
}

/// uid of a user name.
pub fn uid_of(name: &str) -> Option<u32> {
    entries("/etc/passwd")
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, id)| id)
}

/// Name of a uid.
pub fn name_of(uid: u32) -> Option<String> {
    entries("/etc/passwd")
        .into_iter()
        .find(|(_, id)| *id == uid)
        .map(|(n, _)| n)
}

fn group_id_used(gid: u32) -> bool {
    entries("/etc/group").iter().any(|(_, id)| *id == gid)
}

fn group_exists(name: &str) -> bool {
    entries("/etc/group").iter().any(|(n, _)| n == name)
}

fn sh(program: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(program)
        .args(args)
        .output()
        .ctx(format!("running {program}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// How the set's users exist for its sessions.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    pub warnings: Vec<String>,
    /// Generated `passwd` and `group` files, bind-mounted over /etc/passwd and /etc/group in
    /// each session's private mount namespace, when a wanted id belongs to another account
    /// of this machine (e.g. uid 1000 on a cloud image).
    pub overlay: Option<(PathBuf, PathBuf)>,
}

/// Make the set's users and directories exist.
pub fn prepare(engine_dir: &Path, set_name: &str, info: &SetInfo, work: &Path) -> Result<Prepared> {
    let mut p = Prepared::default();
    let script = engine_dir.join("users");
    if script.is_file() {
        match Command::new(&script).arg(set_name).output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => p.warnings.push(format!(
                "{} {set_name} failed: {}",
                script.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => p.warnings.push(format!("{}: {e}", script.display())),
        }
    }
    let mut foreign = Vec::new();
    for (name, uid) in &info.users {
        match ensure_user(name, *uid).ctx(format!("user {name} ({uid})"))? {
            None => {}
            Some(other) => foreign.push(format!("uid {uid} is {other}'s on this machine")),
        }
    }
    if !foreign.is_empty() {
        p.warnings.push(format!(
            "{}: sessions see a private /etc/passwd and /etc/group with the set's users",
            foreign.join(", ")
        ));
        p.overlay = Some(write_overlay(info, &work.join("etc").join(set_name))?);
    }
    for (dir, owner) in &info.dirs {
        std::fs::create_dir_all(dir).ctx(dir)?;
        let c = CString::new(dir.as_str()).map_err(|_| Error::msg("NUL in path"))?;
        // SAFETY: valid C string; chown has no memory effects.
        unsafe {
            libc::chown(c.as_ptr(), *owner, *owner);
        }
    }
    Ok(p)
}

/// passwd/group of this machine with the set's users in place of whatever held their names
/// or ids, and in the docker group.
fn write_overlay(info: &SetInfo, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).ctx(dir.display())?;
    let clash = |line: &str| -> bool {
        let mut f = line.split(':');
        let name = f.next().unwrap_or("");
        let id: Option<u32> = f.nth(1).and_then(|v| v.parse().ok());
        info.users.iter().any(|(n, u)| n == name || id == Some(*u))
    };
    let names: Vec<&str> = info.users.iter().map(|(n, _)| n.as_str()).collect();
    let mut passwd: Vec<String> = std::fs::read_to_string("/etc/passwd")
        .ctx("/etc/passwd")?
        .lines()
        .filter(|l| !clash(l))
        .map(str::to_owned)
        .collect();
    let mut group: Vec<String> = std::fs::read_to_string("/etc/group")
        .ctx("/etc/group")?
        .lines()
        .filter(|l| !clash(l))
        .map(|l| {
            if l.starts_with("docker:") {
                let sep = if l.ends_with(':') { "" } else { "," };
                format!("{l}{sep}{}", names.join(","))
            } else {
                l.to_owned()
            }
        })
        .collect();
    for (n, u) in &info.users {
        passwd.push(format!("{n}:x:{u}:{u}::/home/{n}:/bin/bash"));
        group.push(format!("{n}:x:{u}:"));
    }
    let (pw, gr) = (dir.join("passwd"), dir.join("group"));
    std::fs::write(&pw, passwd.join("\n") + "\n").ctx(pw.display())?;
    std::fs::write(&gr, group.join("\n") + "\n").ctx(gr.display())?;
    for f in [&pw, &gr] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).ctx(f.display())?;
    }
    Ok((pw, gr))
}

/// Make `name` have `uid`. Returns the foreign account that holds the uid, if any (then the
/// overlay stands in).
fn ensure_user(name: &str, uid: u32) -> Result<Option<String>> {
    if uid_of(name) == Some(uid) && name_of(uid).as_deref() == Some(name) {
        return Ok(None);
    }
    if let Some(other) = name_of(uid) {
        if other != name && !TEST_USERS.contains(&other.as_str()) {
            return Ok(Some(other));
        }
    }
    if !TEST_USERS.contains(&name) {
        return Err(Error::msg(
            "not one of the recordings' users; create it by hand",
        ));
    }
    if uid_of(name).is_some() {
        sh("userdel", &[name])?;
    }
    if let Some(other) = name_of(uid) {
        sh("userdel", &[&other])?;
    }
    let _ = sh("groupdel", &[name]);
    let uid_s = uid.to_string();
    let home = format!("/home/{name}");
    let gid_free = !group_id_used(uid);
    if gid_free {
        sh("groupadd", &["-g", &uid_s, name])?;
    }
    let mut args = vec![
        "-M",
        "-d",
        home.as_str(),
        "-s",
        "/bin/bash",
        "-u",
        uid_s.as_str(),
    ];
    if gid_free {
        args.extend(["-g", uid_s.as_str()]);
    }
    // Recorded users were in the docker group (the engine socket's group).
    if group_exists("docker") {
        args.extend(["-G", "docker"]);
    }
    args.push(name);
    sh("useradd", &args)?;
    Ok(None)
}
