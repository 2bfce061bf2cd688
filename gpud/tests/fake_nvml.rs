//! ds01-gpud against a stand-in NVML (tests/fake-nvml/nvml.c, built here
//! with `cc`): the recording machine's GPUs come out exactly as
//! `nvidia-smi -L` lists them, the snapshot is one the ds01 commands read,
//! the daemon withdraws it on SIGTERM, and a driver that does not answer
//! means exit 1 and nothing written.

use ds01::policy::gpu_snapshot::{read, snapshot_path};
use ds01::policy::gpus::Inventory;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

const LIST: &str = include_str!("../../tests/fixtures/recording-nvidia-smi-L.txt");

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A scratch directory holding the fake `libnvidia-ml.so.1` and a state
/// directory (1777, as /run/ds01); None when there is no C compiler.
fn scene(tag: &str) -> Option<Scratch> {
    let dir = std::env::temp_dir().join(format!("ds01-fakenvml-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).expect("scratch");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-nvml/nvml.c");
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(dir.join("lib/libnvidia-ml.so.1"))
        .arg(&source)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no C compiler to build the fake NVML");
        let _ = std::fs::remove_dir_all(&dir);
        return None;
    }
    let state = dir.join("state");
    std::fs::create_dir(&state).expect("state");
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o1777);
    std::fs::set_permissions(&state, mode).expect("chmod");
    Some(Scratch(dir))
}

fn gpud(scene: &Scratch, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01-gpud"));
    cmd.args(args)
        .arg("--state-dir")
        .arg(scene.0.join("state"))
        .env("LD_LIBRARY_PATH", scene.0.join("lib"))
        .stdin(Stdio::null());
    cmd
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn lists_the_devices_as_nvidia_smi_does() {
    let Some(scene) = scene("list") else { return };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01-gpud"));
    let out: Output = cmd
        .arg("--list")
        .env("LD_LIBRARY_PATH", scene.0.join("lib"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), LIST);
}

#[test]
fn publishes_a_snapshot_the_commands_read() {
    let Some(scene) = scene("once") else { return };
    if !is_root() {
        eprintln!("skipped: publishing needs root");
        return;
    }
    let state = scene.0.join("state");
    let out = gpud(&scene, &["--once"]).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let snapshot = read(&state, SystemTime::now()).expect("a trusted, fresh snapshot");
    assert_eq!(snapshot.inventory, Inventory::parse_list(LIST));
    let util: Vec<(&str, u32)> = snapshot
        .utilization
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        util,
        [
            ("0", 12),
            ("1", 0),
            ("3", 55),
            ("3.0", 55),
            ("3.1", 7),
            ("3.2", 55)
        ]
    );
    assert_eq!(snapshot.driver_version.as_deref(), Some("550.54.15"));
    assert_eq!(snapshot.cuda_version.as_deref(), Some("12.4"));
}

#[test]
fn the_daemon_withdraws_its_snapshot_when_stopped() {
    let Some(scene) = scene("daemon") else { return };
    if !is_root() {
        eprintln!("skipped: publishing needs root");
        return;
    }
    let file = snapshot_path(&scene.0.join("state"));
    let mut child = gpud(&scene, &["--interval", "1"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let started = Instant::now();
    while !file.exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(file.exists(), "published while running");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    assert!(!file.exists(), "withdrawn on SIGTERM");
}

#[test]
fn a_driver_that_does_not_answer_writes_nothing() {
    let Some(scene) = scene("nodriver") else {
        return;
    };
    let out = gpud(&scene, &["--once"])
        .env("FAKE_NVML_NO_DRIVER", "1")
        .output()
        .expect("run");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("ds01-gpud: cannot load NVML"), "{err}");
    assert!(!scene.0.join("state/gpud").exists());
}
