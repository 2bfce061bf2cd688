//! `user-setup --quick` on a terminal as a real account, from nothing to
//! keys, `authorized_keys` and `~/ONBOARDING.md` (the files' modes as
//! the original left them), ending at the offer of a first project,
//! declined; then `ssh-setup --verify` finds the keys in order.
//!
//! Needs root (an account of its own, uid switching) and an engine (the
//! wizard asks it about images); skipped otherwise (see tests/support).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use support::Pty;

const USER: (u32, &str) = (24321, "dsus-dana");
static SERIAL: Mutex<()> = Mutex::new(());
const STEP: Duration = Duration::from_secs(10);

/// A home of the account's own, removed at the end.
struct Home(PathBuf);

impl Home {
    fn new() -> Home {
        let dir = std::env::temp_dir().join(format!("ds01-usersetup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("home");
        std::os::unix::fs::chown(&dir, Some(USER.0), Some(USER.0)).expect("chown");
        Home(dir)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn as_user(home: &Path, args: &[&str]) -> Command {
    let mut cmd = support::ds01_as(USER);
    cmd.args(args)
        .env("HOME", home)
        .env("LOGNAME", USER.1)
        .env("TERM", "xterm")
        .env("LANG", "C.UTF-8")
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .current_dir(home);
    cmd
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
}

/// Wait until `prompt` has been shown `times` times, then press Enter.
fn answer(pty: &mut Pty, prompt: &str, times: usize) {
    let seen = support::wait_until(STEP, || pty.output().matches(prompt).count() >= times);
    assert!(seen, "no {prompt:?} (#{times}) in:\n{}", pty.output());
    pty.send("\r");
}

#[test]
fn quick_setup_from_nothing() {
    let Some(_serial) = support::with_accounts("ds01_user_setup", &SERIAL, &[USER]) else {
        return;
    };
    let home = Home::new();
    let mut pty = Pty::spawn(as_user(&home.0, &["user-setup", "--quick"]));
    for (prompt, times) in [
        ("Press Enter to begin setup...", 1),
        ("Press Enter to continue...", 1),
        ("Press Enter to continue to save your Private Key...", 1),
        ("Press Enter when you've saved your private key...", 1),
        ("Press Enter to continue...", 2),
        ("Press Enter when extensions are installed...", 1),
        ("Press Enter when saved...", 1),
        ("Press Enter after connecting...", 1),
        ("Press Enter to continue...", 3),
        ("Create your first project now? [y/N]: ", 1),
    ] {
        answer(&mut pty, prompt, times);
    }
    let (code, out) = pty.finish(STEP);
    assert_eq!(code, Some(0), "{out}");
    for said in [
        "Keys generated",
        "Added to authorized_keys",
        "Created ONBOARDING.md",
    ] {
        assert!(out.contains(said), "no {said:?} in:\n{out}");
    }
    let ssh = home.0.join(".ssh");
    assert_eq!(mode(&ssh), 0o700);
    assert_eq!(mode(&ssh.join("id_ed25519")), 0o600);
    assert_eq!(mode(&ssh.join("authorized_keys")), 0o600);
    let public = std::fs::read_to_string(ssh.join("id_ed25519.pub")).expect("public key");
    assert!(
        public.ends_with(&format!(" {}@ds01-server\n", USER.1)),
        "{public}"
    );
    let authorized = std::fs::read_to_string(ssh.join("authorized_keys")).expect("authorized");
    assert_eq!(authorized, public);
    let sheet = std::fs::read_to_string(home.0.join("ONBOARDING.md")).expect("sheet");
    assert!(sheet.contains(&format!("    User {}\n", USER.1)), "{sheet}");
    let leftovers: Vec<_> = std::fs::read_dir(&ssh)
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".ds01"))
        .collect();
    assert!(leftovers.is_empty(), "scratch left in ~/.ssh");

    let verified = as_user(&home.0, &["ssh-setup", "--verify"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("ssh-setup --verify");
    let text = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{text}");
    assert!(text.contains("Public key in authorized_keys"), "{text}");
}
