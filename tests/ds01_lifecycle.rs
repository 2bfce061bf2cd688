//! DS01's container-pause, -unpause, -stop and -remove against a real
//! engine, run as real users: the whole life of a container, the prompts
//! on a terminal, `--all`, `--dry-run`, removal under container-retire,
//! and an attacker who names, or shares a uid prefix with, someone else's
//! containers and must never pause, stop or remove them.
//!
//! Users: `dslc-alice` and `dslc-bob` (uids 24121, 24122), made once and
//! kept.  Needs root and an engine (`DOCKER_HOST`, compat-tests/engine).

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use support::{docker, docker_ok, docker_out, Pty, BASE};

const ALICE: (u32, &str) = (24121, "dslc-alice");
const BOB: (u32, &str) = (24122, "dslc-bob");
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 1\n  max_containers_per_user: 5\n  \
gpu_hold_after_stop_h: 0.25\n  container_hold_after_stop_h: 0.5\n\
default_group: student\ngroups:\n  student: {}\n";

/// One scene at a time: they share the accounts.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    () => {
        let Some(_serial) = support::with_accounts("ds01_lifecycle", &SERIAL, &[ALICE, BOB]) else {
            return;
        };
    };
}

/// A configuration and home directories; the containers made for the
/// scene are removed when it ends.
struct Scene {
    dir: PathBuf,
    names: Vec<String>,
}

impl Scene {
    fn new(tag: &str) -> Scene {
        let dir = std::env::temp_dir().join(format!("ds01-lc-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).expect("scratch");
        std::fs::write(dir.join("config/resource-limits.yaml"), LIMITS).expect("limits");
        support::chmod(&dir, 0o755);
        for (uid, name) in [ALICE, BOB] {
            let home = dir.join(name);
            std::fs::create_dir_all(&home).expect("home");
            std::os::unix::fs::chown(&home, Some(uid), Some(uid)).expect("chown");
        }
        Scene {
            dir,
            names: Vec::new(),
        }
    }

    /// A container `name._.OWNER` (`owner` as written, so that prefixes
    /// of uids can be made), running `sleep` unless `running` is false.
    fn container(&mut self, name: &str, owner: &str, running: bool) -> String {
        let tag = format!("{name}._.{owner}");
        let _ = docker(&["rm", "-f", &tag]);
        self.names.push(tag.clone());
        let made = docker_ok(&["create", "--name", &tag, BASE, "sleep", "1000000"]);
        assert!(made, "docker create {tag}");
        if running {
            assert!(docker_ok(&["start", &tag]), "docker start {tag}");
        }
        tag
    }

    fn command(&self, who: (u32, &str), args: &[&str]) -> Command {
        let mut cmd = support::ds01_as(who);
        cmd.args(args)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.dir.join(who.1))
            .env("DS01_CONFIG_DIR", self.dir.join("config"));
        cmd
    }

    /// `ds01 ARGS` as `who`, stdin empty, no terminal.
    fn run(&self, who: (u32, &str), args: &[&str]) -> Output {
        self.command(who, args)
            .stdin(Stdio::null())
            .output()
            .expect("run ds01")
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        for tag in &self.names {
            let _ = docker(&["rm", "-f", tag]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn state(tag: &str) -> String {
    let out = docker(&["inspect", "-f", "{{.State.Status}}", tag]);
    if !out.status.success() {
        return "gone".into();
    }
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[track_caller]
fn expect(o: &Output, code: i32, needle: &str) {
    let text = format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(code), "{text}");
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}

#[test]
fn a_container_paused_resumed_stopped_and_removed() {
    need_setup!();
    let mut s = Scene::new("life");
    let tag = s.container("demo", &ALICE.0.to_string(), true);
    let run = |args: &[&str]| s.run(ALICE, args);

    expect(
        &run(&["container-pause", "demo"]),
        0,
        "✓\x1b[0m Container paused\n",
    );
    assert_eq!(state(&tag), "paused");
    expect(&run(&["container-pause", "demo"]), 0, "is already paused");
    expect(
        &run(&["container-unpause", "demo"]),
        0,
        "✓\x1b[0m Container resumed",
    );
    assert_eq!(state(&tag), "running");
    expect(
        &run(&["container-unpause", "demo"]),
        0,
        "is already running",
    );
    expect(&run(&["container-remove", "demo", "-f"]), 1, "is running");

    let stopped = run(&["container-stop", "demo", "-f"]);
    expect(&stopped, 0, "✓\x1b[0m Container force stopped");
    // CPU-only: no GPU note; the container hold with its unit.
    assert!(!stdout(&stopped).contains("GPU will be held"));
    expect(&stopped, 0, "auto-remove after \x1b[0;36m0.5h\x1b[0m");
    assert_eq!(state(&tag), "exited");
    expect(
        &run(&["container-stop", "demo", "-f"]),
        0,
        "already stopped",
    );
    expect(&run(&["container-pause", "demo"]), 1, "is not running");
    expect(
        &run(&["container-unpause", "demo"]),
        0,
        "is not paused (status: exited)",
    );

    expect(
        &run(&["container-remove", "demo", "--dry-run"]),
        0,
        "Would remove container: demo",
    );
    assert_eq!(state(&tag), "exited");
    expect(
        &run(&["container-remove", "demo", "-f"]),
        0,
        "Removed container: demo",
    );
    assert_eq!(state(&tag), "gone");
    expect(
        &run(&["container-remove", "demo", "-f"]),
        1,
        "Container 'demo' not found",
    );
}

#[test]
fn all_stops_gracefully_and_removes_only_stopped_ones() {
    need_setup!();
    let mut s = Scene::new("all");
    let uid = ALICE.0.to_string();
    let a = s.container("a", &uid, true);
    let b = s.container("b", &uid, false);
    let o = s.run(ALICE, &["container-stop", "--all", "-t", "1"]);
    // sleep as pid 1 ignores SIGTERM: the grace time runs out.
    expect(&o, 0, "required SIGKILL)");
    expect(&o, 0, "Stopped: \x1b[0;32m1\x1b[0m");
    assert_eq!(state(&a), "exited");

    let o = s.run(ALICE, &["container-remove", "--all", "--dry-run"]);
    expect(&o, 0, "Would remove 2 container(s)");
    assert_eq!((state(&a), state(&b)), ("exited".into(), "created".into()));
    let o = s.run(ALICE, &["container-remove", "--all", "-f"]);
    expect(&o, 0, "✓ Removal Complete");
    assert_eq!((state(&a), state(&b)), ("gone".into(), "gone".into()));
    expect(
        &s.run(ALICE, &["container-remove", "--all"]),
        0,
        "No stopped containers",
    );
}

#[test]
fn questions_are_asked_on_the_terminal() {
    need_setup!();
    let mut s = Scene::new("tty");
    let tag = s.container("demo", &ALICE.0.to_string(), true);
    let mut pty = Pty::spawn(s.command(ALICE, &["container-stop", "demo"]));
    assert!(pty.wait_for("Continue? [y/N]: ", Duration::from_secs(10)));
    pty.send("n\r");
    let (code, out) = pty.finish(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Cancelled."), "{out}");
    assert_eq!(state(&tag), "running");
    // Without a terminal the question cannot be asked: exit 1, still running.
    assert_eq!(
        s.run(ALICE, &["container-stop", "demo"]).status.code(),
        Some(1)
    );
    assert_eq!(state(&tag), "running");
}

#[test]
fn under_retire_a_stop_removes_silently() {
    need_setup!();
    let mut s = Scene::new("retire");
    let tag = s.container("demo", &ALICE.0.to_string(), true);
    let o = s
        .command(ALICE, &["container-stop", "demo", "-f"])
        .env("DS01_ORCHESTRATOR", "retire")
        .env("DS01_CONTEXT", "orchestration")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    expect(&o, 0, "Container force stopped");
    assert!(
        !stdout(&o).contains("DS01 Container Stop"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("Removed container"), "{}", stdout(&o));
    assert_eq!(state(&tag), "gone");
}

#[test]
fn images_and_volumes_go_only_when_they_are_the_callers() {
    need_setup!();
    let mut s = Scene::new("imgvol");
    let alices_image = format!("ds01-{}/lcdemo:latest", ALICE.0);
    assert!(docker_ok(&["tag", BASE, &alices_image]));
    let bobs = format!("lc._.{}", BOB.0);
    let _ = docker(&["rm", "-f", &bobs]);
    s.names.push(bobs.clone());
    assert!(docker_ok(&[
        "create",
        "--name",
        &bobs,
        &alices_image,
        "true"
    ]));
    let o = s.run(BOB, &["container-remove", "lc", "-f", "-i"]);
    expect(&o, 0, "Could not remove image: ");
    expect(&o, 0, "(not one of your images)");
    assert!(docker_ok(&["image", "inspect", &alices_image]));

    // Alice's container with an anonymous volume; a spare named volume.
    let mine = format!("vol._.{}", ALICE.0);
    let _ = docker(&["rm", "-f", &mine]);
    s.names.push(mine.clone());
    assert!(docker_ok(&[
        "create",
        "--name",
        &mine,
        "-v",
        "/data",
        &alices_image,
        "true"
    ]));
    let anonymous = docker_out(&["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", &mine]);
    let spare = format!("dslc-spare-{}", std::process::id());
    assert!(docker_ok(&["volume", "create", &spare]));
    let o = s.run(ALICE, &["container-remove", "vol", "-f", "-v", "-i"]);
    expect(&o, 0, "✓\x1b[0m Removed unused volumes");
    expect(&o, 0, &format!("✓\x1b[0m Removed image: {alices_image}"));
    assert!(
        !docker_ok(&["volume", "inspect", &anonymous]),
        "its volume is gone"
    );
    assert!(
        docker_ok(&["volume", "inspect", &spare]),
        "another volume stays"
    );
    let _ = docker(&["volume", "rm", &spare]);
    let _ = docker(&["image", "rm", &alices_image]);
}

#[test]
fn nobody_touches_another_users_containers() {
    need_setup!();
    let mut s = Scene::new("atk");
    let alice = ALICE.0.to_string();
    let running = s.container("demo", &alice, true);
    let stopped = s.container("old", &alice, false);
    // A name whose uid merely starts with bob's: not his either.
    let lookalike = s.container("twin", &format!("{}0", BOB.0), true);
    let victim = format!("demo._.{alice}");
    for args in [
        vec!["container-pause", "demo"],
        vec!["container-pause", victim.as_str()],
        vec!["container-unpause", "demo"],
        vec!["container-stop", "demo", "-f"],
        vec!["container-stop", victim.as_str(), "-f"],
        vec!["container-remove", "old", "-f"],
        vec!["container-remove", "old._.24121", "-f"],
        vec!["container-remove", "twin", "-f"],
    ] {
        let o = s.run(BOB, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stdout(&o));
        assert!(stdout(&o).contains("not found"), "{args:?}: {}", stdout(&o));
    }
    for args in [
        vec!["container-pause", "--all"],
        vec!["container-unpause", "--all"],
        vec!["container-stop", "--all", "-f"],
        vec!["container-remove", "--all", "-f", "-v", "-i"],
    ] {
        let o = s.run(BOB, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stdout(&o));
    }
    assert_eq!(state(&running), "running");
    assert_eq!(state(&stopped), "created");
    assert_eq!(state(&lookalike), "running");
    // Alice sees her own, and only them.
    let o = s.run(ALICE, &["container-stop", "--all", "-f"]);
    expect(&o, 0, "Stopped: \x1b[0;32m1\x1b[0m");
    assert_eq!(state(&lookalike), "running");
    let images = docker_out(&["images", "-q", BASE]);
    assert!(!images.is_empty(), "the shared base image is still there");
}
