use super::*;
use crate::context::{Captured, Env};
use crate::identity::Identity;
use std::path::PathBuf;

const CATALOG: &str = "Pytorch, 2.8.0-aime, [CUDA_ADA], aimehub/pytorch-2.8.0-aime-cuda12.6.3\n";

const GOOD: &str = r#"{
    "name": "demo",
    "image": "aimehub/pytorch-2.8.0-aime-cuda12.6.3",
    "runArgs": ["--user", "2001:2001", "--gpus", "all", "--shm-size", "8g"],
    "mounts": ["source=${localEnv:HOME},target=/home/${localEnv:USER},type=bind"],
    "shutdownAction": "stopContainer"
}
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ds01-dccheck-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join(".devcontainer")).expect("scratch");
    fs::write(dir.join("ml_images.repo"), CATALOG).expect("catalog");
    dir
}

fn run(dir: &Path, args: &[&str]) -> (Outcome, Captured) {
    let caller = Identity {
        uid: 2001,
        gid: 2001,
        login: "alice".into(),
        home: "/home/alice".into(),
    };
    let catalog = dir.join("ml_images.repo").to_string_lossy().into_owned();
    let mut c = Ctx::new(
        caller,
        Env::from_pairs([("DS01_MLC_CATALOG", catalog.as_str())]),
    );
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    c.capture(|c| main(c, &args))
}

fn config(dir: &Path) -> PathBuf {
    dir.join(".devcontainer/devcontainer.json")
}

#[test]
fn a_good_file_passes() {
    let dir = scratch("good");
    fs::write(config(&dir), GOOD).expect("file");
    let target = dir.to_string_lossy().into_owned();
    let (code, got) = run(&dir, &[&target]);
    assert_eq!(code, Ok(0));
    let file = format!("{target}/.devcontainer/devcontainer.json");
    assert!(got.stdout.starts_with(&format!(
        "\n{CYAN}{rule}{NC}\n{BOLD}DS01 Dev Container Check{NC}\n{CYAN}{rule}{NC}\n\nChecking: {BOLD}{file}{NC}\n\n",
        rule = "━".repeat(47)
    )));
    assert!(got
        .stdout
        .contains("From AIME ML catalog (optimised for DS01)"));
    assert!(got
        .stdout
        .contains(&format!("{GREEN}✓{NC} GPU access: {BOLD}Enabled{NC}\n")));
    assert!(got.stdout.ends_with(&format!(
        "{GREEN}✓{NC} All checks passed - ready for VS Code\n\n"
    )));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn every_problem_is_reported() {
    let dir = scratch("bad");
    let file = dir.join("devcontainer.json");
    fs::write(&file, r#"{"runArgs": []}"#).expect("file");
    let (code, got) = run(&dir, &[&file.to_string_lossy()]);
    assert_eq!(code, Ok(1));
    let out = &got.stdout;
    assert!(out.contains(&format!("{RED}✗{NC} Base image: Not specified\n")));
    assert!(out.contains(&format!(
        "{YELLOW}ℹ{NC} GPU access: {BOLD}Not requested{NC}\n"
    )));
    assert!(out.contains(&format!(
        "{YELLOW}⚠{NC} shutdownAction: {BOLD}Not set{NC}\n"
    )));
    assert!(out.contains(
        "Add to mounts: \"source=${localEnv:HOME},target=/home/${localEnv:USER},type=bind\""
    ));
    assert!(out.ends_with(&format!("{RED}✗{NC} 1 error(s), 2 warning(s)\n\n")));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn fix_adds_the_shutdown_action_in_place() {
    let dir = scratch("fix");
    let file = config(&dir);
    fs::write(
        &file,
        r#"{"image": "ubuntu", "mounts": ["/home/x"], "z": 1.0}"#,
    )
    .expect("file");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).expect("chmod");
    let target = dir.to_string_lossy().into_owned();
    let (code, got) = run(&dir, &[&target, "--fix"]);
    assert_eq!(code, Ok(0));
    assert!(got.stdout.contains(&format!(
        "\n  {GREEN}✓{NC} Added shutdownAction: \"stopContainer\"\n\n"
    )));
    assert!(got
        .stdout
        .contains("Consider using: devcontainer init --framework=pytorch"));
    assert!(got.stdout.ends_with(&format!(
        "{YELLOW}⚠{NC} 2 warning(s)\n{GREEN}✓{NC} 1 fix(es) applied\n\n"
    )));
    assert_eq!(
        fs::read_to_string(&file).expect("fixed"),
        "{\n  \"image\": \"ubuntu\",\n  \"mounts\": [\n    \"/home/x\"\n  ],\n  \"z\": 1.0,\n  \"shutdownAction\": \"stopContainer\"\n}"
    );
    let mode = fs::metadata(&file).expect("stat").permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    // Without --fix the hint; a link is not written through.
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(dir.join("target.json"), &link).expect("link");
    fs::write(dir.join("target.json"), r#"{"image": "x"}"#).expect("target");
    let (_, got) = run(&dir, &[&link.to_string_lossy(), "--fix"]);
    assert!(got.stdout.contains("Failed to add shutdownAction"));
    assert_eq!(
        fs::read_to_string(dir.join("target.json")).expect("kept"),
        r#"{"image": "x"}"#
    );
    let (_, got) = run(&dir, &[&dir.join("target.json").to_string_lossy()]);
    assert!(got.stdout.contains("Run with --fix to auto-fix issues"));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn json_results() {
    let dir = scratch("json");
    fs::write(config(&dir), GOOD).expect("file");
    let target = dir.to_string_lossy().into_owned();
    let (code, got) = run(&dir, &["--json", &target]);
    assert_eq!(code, Ok(0));
    let v: serde_json::Value = serde_json::from_str(&got.stdout).expect("json");
    assert_eq!(v["passed"], true);
    assert_eq!(v["checks"][0]["check"], "image");
    assert_eq!(v["checks"][0]["source"], "aime");
    assert_eq!(v["checks"][1]["status"], "ok");
    assert_eq!(v["checks"][2]["value"], "stopContainer");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn refusals() {
    let dir = scratch("refuse");
    let missing = dir.join("nope").to_string_lossy().into_owned();
    let (code, _) = run(&dir, &[&missing]);
    let failure = code.expect_err("not found");
    assert_eq!(failure.code, 1);
    assert!(failure.stdout.contains(&format!(
        "Searched:\n  - {missing}/.devcontainer/devcontainer.json\n  - {missing}/devcontainer.json\n"
    )));
    let broken = dir.join("broken.json");
    fs::write(&broken, "{").expect("file");
    let (code, _) = run(&dir, &[&broken.to_string_lossy()]);
    assert!(code
        .expect_err("invalid")
        .stdout
        .contains("Invalid JSON in"));
    let (code, _) = run(&dir, &["--bogus"]);
    assert_eq!(
        code.expect_err("unknown").stdout,
        format!(
            "{RED}Error:{NC} Unknown option: --bogus\nRun 'devcontainer check --help' for usage\n"
        )
    );
    let (code, got) = run(&dir, &["x", "-h", "--bogus"]);
    assert_eq!(code, Ok(0));
    assert!(got
        .stdout
        .contains("\x1b[1mUsage:\x1b[0m\n  devcontainer check [path] [options]\n\n"));
    let _ = fs::remove_dir_all(&dir);
}
