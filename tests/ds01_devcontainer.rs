//! `devcontainer-init` and `devcontainer-check` end to end: the binary,
//! run as whoever runs the tests, in a scratch project with a catalog of
//! its own.  No engine, no terminal: `--quick` asks nothing.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CATALOG: &str = "Pytorch, 2.8.0-aime, [CUDA_ADA], aimehub/pytorch-2.8.0-aime-cuda12.6.3\n";

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("ds01-devcontainer-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("project")).expect("scratch");
        fs::write(dir.join("ml_images.repo"), CATALOG).expect("catalog");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `ds01 ARGS` in `dir/project`, in a session of its own (no terminal to
/// ask on, even when the tests run in one); (exit code, stdout, stderr).
fn ds01(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
    // SAFETY: setsid is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let out = cmd
        .args(args)
        .current_dir(dir.join("project"))
        .env("HOME", dir)
        .env("PWD", dir.join("project"))
        .env("DS01_MLC_CATALOG", dir.join("ml_images.repo"))
        .env("MLC_ARCH", "CUDA_ADA")
        .stdin(Stdio::null())
        .output()
        .expect("ds01 runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn quick_init_then_check() {
    let s = Scratch::new("quick");
    let (code, out, err) = ds01(
        &s.0,
        &["devcontainer-init", "Demo App", "--quick", "-p", "wandb"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.is_empty(), "asked nothing: {err}");
    assert!(out.contains("✓ Dev Container Configuration Created"));
    let file = s.0.join("project/.devcontainer/devcontainer.json");
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&file).expect("written")).expect("valid JSON");
    assert_eq!(doc["name"], "demo-app");
    assert_eq!(doc["image"], "aimehub/pytorch-2.8.0-aime-cuda12.6.3");
    assert_eq!(doc["postCreateCommand"], "pip install wandb");
    assert_eq!(doc["shutdownAction"], "stopContainer");

    let (code, out, _) = ds01(&s.0, &["devcontainer", "check", "--json"]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["passed"], true, "{out}");
    assert_eq!(report["file"], "./.devcontainer/devcontainer.json");
}

#[test]
fn check_reports_and_fixes() {
    let s = Scratch::new("fix");
    let file = s.0.join("project/devcontainer.json");
    fs::write(
        &file,
        r#"{"image": "ubuntu:22.04", "runArgs": ["--gpus", "all"]}"#,
    )
    .expect("file");
    let (code, out, _) = ds01(&s.0, &["devcontainer-check", "--fix"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Added shutdownAction: \"stopContainer\""),
        "{out}"
    );
    assert!(out.contains("3 warning(s)"), "{out}");
    let fixed = fs::read_to_string(&file).expect("fixed");
    assert!(
        fixed.ends_with("  \"shutdownAction\": \"stopContainer\"\n}"),
        "{fixed}"
    );

    fs::write(&file, "{}").expect("file");
    let (code, out, _) = ds01(&s.0, &["devcontainer-check", "--json"]);
    assert_eq!(code, 1, "no image is an error");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["errors"], 1);

    let (code, out, _) = ds01(&s.0, &["devcontainer-check", "nowhere"]);
    assert_eq!(code, 1);
    assert!(out.contains("No devcontainer.json found"));
}

#[test]
fn init_needs_a_terminal_for_its_questions() {
    let s = Scratch::new("notty");
    let (code, out, _) = ds01(&s.0, &["devcontainer-init", "demo"]);
    assert_eq!(code, 1);
    assert!(out.contains("Select ML framework:"));
    assert!(!s.0.join("project/.devcontainer").exists());
}
