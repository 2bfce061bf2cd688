//! ds01-gpud's command line, and what it does on a host without NVML
//! (every CI machine): exit 1 with a clear message, nothing written.  On a
//! host with a GPU the same runs must publish a snapshot the commands read
//! (gpud/check-on-gpu checks that against nvidia-smi).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn gpud(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ds01-gpud"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ds01-gpud")
}

fn scratch(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ds01-gpud-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("scratch");
    p
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    for args in [
        &["--bogus"][..],
        &["--interval", "0"],
        &["--interval", "31"],
        &["--interval", "ten"],
        &["--interval"],
        &["--state-dir", "relative"],
        &["--list", "--once"],
    ] {
        let out = gpud(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("ds01-gpud: "), "{args:?}: {err}");
        assert!(err.contains("Usage: ds01-gpud"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let help = gpud(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("Usage: ds01-gpud"));
}

#[test]
fn without_nvml_nothing_is_written() {
    let state = scratch("once");
    let out = gpud(&["--once", "--state-dir", state.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&out.stderr);
    let snapshot = state.join("gpud/snapshot.json");
    if out.status.success() {
        // A host with the NVIDIA driver: the snapshot must be there and sound.
        let text = std::fs::read_to_string(&snapshot).expect("snapshot");
        ds01::policy::gpu_snapshot::Snapshot::from_json(&text).expect("a sound snapshot");
    } else {
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("cannot load NVML"), "{err}");
        assert!(
            !state.join("gpud").exists(),
            "nothing made before NVML loads"
        );
    }
    let list = gpud(&["--list"]);
    if !list.status.success() {
        assert_eq!(list.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&list.stderr).contains("cannot load NVML"));
        assert!(list.stdout.is_empty());
    }
    let _ = std::fs::remove_dir_all(&state);
}
