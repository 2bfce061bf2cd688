//! Who is calling: uid, gid, login name and home directory.
//!
//! AIME labels containers with the *login* name (glibc `getlogin()`, which
//! reads `/proc/self/loginuid`), so after `su` the label still names the
//! person who logged in.  Where there is no login session (cron, CI) the
//! original crashed; we fall back to the name of the uid.  The user database
//! is read from /etc/passwd directly, which a static binary can always do.

use std::fs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    /// Name used in `aime.mlc` labels and for "my containers".
    pub login: String,
    /// `$HOME`, as Python's `expanduser('~')` takes it.
    pub home: String,
}

/// One /etc/passwd entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

fn passwd_entries() -> Vec<PasswdEntry> {
    let text = fs::read_to_string("/etc/passwd").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
            })
        })
        .collect()
}

pub fn user_by_uid(uid: u32) -> Option<PasswdEntry> {
    passwd_entries().into_iter().find(|e| e.uid == uid)
}

pub fn user_by_name(name: &str) -> Option<PasswdEntry> {
    passwd_entries().into_iter().find(|e| e.name == name)
}

/// Whether this process is in the group `name` (its gid or one of its
/// supplementary groups, as /etc/group numbers them).
pub fn in_group(name: &str) -> bool {
    let text = fs::read_to_string("/etc/group").unwrap_or_default();
    let Some(gid) = text.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() >= 3 && f[0] == name).then(|| f[2].parse::<u32>().ok())?
    }) else {
        return false;
    };
    // SAFETY: getgid has no preconditions; getgroups writes at most
    // `groups.len()` entries into the buffer it is given.
    let mut groups = vec![0 as libc::gid_t; 256];
    let n = unsafe { libc::getgroups(groups.len() as libc::c_int, groups.as_mut_ptr()) };
    let own = unsafe { libc::getegid() };
    own == gid || groups[..n.max(0) as usize].contains(&gid)
}

/// The audit login uid of this process, if a login session set one.
fn login_uid() -> Option<u32> {
    let text = fs::read_to_string("/proc/self/loginuid").ok()?;
    let uid: u32 = text.trim().parse().ok()?;
    (uid != u32::MAX).then_some(uid)
}

impl Identity {
    /// The calling process's identity; `env` gives `$USER` and `$HOME`.
    pub fn current(env: &crate::context::Env) -> Identity {
        // SAFETY: getuid/getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let env_user = env.get("USER").map(str::to_string);
        let login = login_uid()
            .and_then(user_by_uid)
            .map(|e| e.name)
            .or_else(|| user_by_uid(uid).map(|e| e.name))
            .or(env_user)
            .unwrap_or_else(|| uid.to_string());
        let home = env
            .get("HOME")
            .map(str::to_string)
            .or_else(|| user_by_uid(uid).map(|e| e.home))
            .unwrap_or_else(|| "/".to_string());
        Identity {
            uid,
            gid,
            login,
            home,
        }
    }
}
