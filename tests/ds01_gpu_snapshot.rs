//! The GPU companion's snapshot as the commands see it, end to end: a
//! command (`ds01 version`, which counts GPUs and MIG devices) takes the
//! inventory from a snapshot root published, and ignores, falling back to
//! `nvidia-smi`, every snapshot a user planted: in a directory the user
//! made, through a symbolic link to a root directory, or a stale one.
//!
//! Needs root (publishing, and switching to the attacker's uid); no engine.

mod support;

use ds01::policy::gpu_snapshot::{epoch_seconds, Publisher, Snapshot};
use ds01::policy::gpus::Inventory;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// The attacker: any uid without rights (no account needed).
const MALLORY: u32 = 24199;
/// What the fake `nvidia-smi -L` answers: 4 GPUs, 5 MIG devices.
const LIST: &str = include_str!("fixtures/recording-nvidia-smi-L.txt");

struct Scene {
    root: PathBuf,
}

impl Scene {
    /// A scratch area with a fake `nvidia-smi` that logs its calls, and an
    /// empty state directory `name` (root's, 1777 like /run/ds01).
    fn new(tag: &str) -> Scene {
        let root = std::env::temp_dir().join(format!("ds01-gpusnap-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("bin")).expect("scratch");
        support::chmod(&root, 0o755);
        std::fs::write(root.join("list"), LIST).expect("list");
        std::fs::write(root.join("calls"), "").expect("log");
        support::chmod(&root.join("calls"), 0o666);
        let smi = root.join("bin/nvidia-smi");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> {0}/calls\n[ \"$1\" = -L ] && exec cat {0}/list\nexit 1\n",
            root.display()
        );
        std::fs::write(&smi, script).expect("fake nvidia-smi");
        support::chmod(&smi, 0o755);
        Scene { root }
    }

    fn state(&self, name: &str) -> PathBuf {
        let p = self.root.join(name);
        std::fs::create_dir_all(&p).expect("state dir");
        support::chmod(&p, 0o1777);
        p
    }

    /// `(GPU count, MIG count)` as `ds01 version` reports them for the
    /// state directory `state`, run as `uid`.
    fn counts(&self, state: &Path, uid: u32) -> (u32, u32) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
        cmd.arg("version")
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.root.join("bin").display()),
            )
            .env("HOME", &self.root)
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .env("DS01_STATE_DIR", state)
            .stdin(Stdio::null());
        if uid != 0 {
            cmd.uid(uid).gid(uid);
        }
        let out = cmd.output().expect("run ds01 version");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "ds01 version: {out:?}");
        (
            number_after(&text, "Count:"),
            number_after(&text, "MIG Instances:"),
        )
    }

    /// Whether `nvidia-smi -L` ran since the last call.
    fn listed_by_nvidia_smi(&self) -> bool {
        let calls = std::fs::read_to_string(self.root.join("calls")).expect("log");
        std::fs::write(self.root.join("calls"), "").expect("log");
        calls.lines().any(|l| l == "-L")
    }

    /// A shell command run as the attacker.
    fn as_mallory(&self, script: &str, input: &str) {
        let (code, _, err) = support::run_with_input(
            {
                let mut c = Command::new("/bin/sh");
                c.args(["-c", script]).uid(MALLORY).gid(MALLORY);
                c
            },
            input,
        );
        assert_eq!(code, 0, "attacker's setup failed: {err}");
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The digits after `label` on its line (colours stripped); 0 if none.
fn number_after(text: &str, label: &str) -> u32 {
    text.lines()
        .find_map(|l| l.split_once(label).map(|(_, rest)| rest.to_string()))
        .map(|rest| {
            let plain = rest.replace("\x1b[0;32m", "").replace("\x1b[0m", "");
            let digits: String = plain
                .trim()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().unwrap_or(0)
        })
        .unwrap_or(0)
}

/// A fresh snapshot of `gpus` GPUs, none in MIG mode.
fn snapshot_of(gpus: u32, taken_at: u64) -> Snapshot {
    let list: String = (0..gpus)
        .map(|i| {
            format!(
                "GPU {i}: NVIDIA H100 80GB HBM3 (UUID: GPU-{i:08}-1111-2222-3333-444444444444)\n"
            )
        })
        .collect();
    Snapshot {
        taken_at,
        inventory: Inventory::parse_list(&list),
        ..Snapshot::default()
    }
}

fn now() -> u64 {
    epoch_seconds(SystemTime::now())
}

fn need_root() -> bool {
    if !support::is_root() {
        support::skip(
            "ds01_gpu_snapshot",
            "needs root (publishing, uid switching)",
        );
        return false;
    }
    true
}

#[test]
fn a_root_snapshot_replaces_nvidia_smi_for_every_user() {
    if !need_root() {
        return;
    }
    let scene = Scene::new("honest");
    let state = scene.state("state");
    assert_eq!(scene.counts(&state, 0), (4, 5), "no snapshot: nvidia-smi");
    assert!(scene.listed_by_nvidia_smi());
    let publisher = Publisher::open(&state).expect("publisher");
    publisher.publish(&snapshot_of(2, now())).expect("publish");
    assert_eq!(scene.counts(&state, 0), (2, 0), "root reads the snapshot");
    assert_eq!(scene.counts(&state, MALLORY), (2, 0), "so does a user");
    assert!(!scene.listed_by_nvidia_smi(), "no nvidia-smi -L was run");
    publisher
        .publish(&snapshot_of(2, now() - 3600))
        .expect("publish an old one");
    assert_eq!(scene.counts(&state, 0), (4, 5), "stale: nvidia-smi again");
    assert!(scene.listed_by_nvidia_smi());
}

#[test]
fn a_planted_snapshot_is_ignored() {
    if !need_root() {
        return;
    }
    let scene = Scene::new("planted");
    let fake = snapshot_of(8, now()).to_json();
    // In a directory the attacker made first.
    let state = scene.state("made");
    let script = format!(
        "mkdir -m 755 {0}/gpud && cat > {0}/gpud/snapshot.json && chmod 644 {0}/gpud/snapshot.json",
        state.display()
    );
    scene.as_mallory(&script, &fake);
    assert_eq!(scene.counts(&state, 0), (4, 5));
    assert_eq!(scene.counts(&state, MALLORY), (4, 5));
    assert!(scene.listed_by_nvidia_smi());
    assert!(
        Publisher::open(&state).is_err(),
        "the companion refuses it too"
    );
    // A link to a directory of root's holding a fresh snapshot (one meant
    // for another state directory).
    let other = scene.state("other");
    Publisher::open(&other)
        .and_then(|p| p.publish(&snapshot_of(8, now())))
        .expect("publish elsewhere");
    assert_eq!(scene.counts(&other, 0), (8, 0), "the real one reads");
    let linked = scene.state("linked");
    let script = format!("ln -s {}/gpud {}/gpud", other.display(), linked.display());
    scene.as_mallory(&script, "");
    assert_eq!(scene.counts(&linked, 0), (4, 5));
    assert_eq!(scene.counts(&linked, MALLORY), (4, 5));
}
