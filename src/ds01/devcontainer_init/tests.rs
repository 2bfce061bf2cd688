use super::*;
use crate::context::{Captured, Env, Prompter};
use crate::identity::Identity;
use std::collections::VecDeque;
use std::path::PathBuf;

const CATALOG: &str = "Pytorch, 2.8.0-aime, [CUDA_ADA], aimehub/pytorch-2.8.0-aime-cuda12.6.3\n";
const IMAGE: &str = "aimehub/pytorch-2.8.0-aime-cuda12.6.3";

/// A scratch directory with the catalog in it.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ds01-dcinit-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch");
    fs::write(dir.join("ml_images.repo"), CATALOG).expect("catalog");
    dir
}

fn ctx(dir: &Path, answers: &[&str]) -> Ctx {
    let caller = Identity {
        uid: 2001,
        gid: 2002,
        login: "alice".into(),
        home: dir.join("home").to_string_lossy().into_owned(),
    };
    let catalog = dir.join("ml_images.repo").to_string_lossy().into_owned();
    let env = Env::from_pairs([
        ("DS01_MLC_CATALOG", catalog.as_str()),
        ("MLC_ARCH", "CUDA_ADA"),
    ]);
    let mut c = Ctx::new(caller, env);
    c.prompter = Prompter::Scripted(
        answers
            .iter()
            .map(|a| a.to_string())
            .collect::<VecDeque<_>>(),
    );
    c
}

fn run(c: &mut Ctx, args: &[&str]) -> (Outcome, Captured) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    c.capture(|c| main(c, &args))
}

fn output_arg(path: &Path) -> String {
    format!("--output={}", path.display())
}

#[test]
fn quick_writes_the_default_file() {
    let dir = scratch("quick");
    let out = dir.join("p/.devcontainer/devcontainer.json");
    let mut c = ctx(&dir, &[]);
    let (code, got) = run(&mut c, &["My Project", "--quick", &output_arg(&out)]);
    assert_eq!(code, Ok(0), "{got:?}");
    let file = fs::read_to_string(&out).expect("written");
    assert!(file.starts_with("{\n    \"name\": \"my-project\",\n    \"image\": \"aimehub/pytorch"));
    assert!(file.contains("\"2001:2002\",\n        \"--gpus\""));
    assert!(got
        .stdout
        .contains(&format!("Project name: {CYAN}My Project{NC}\n")));
    assert!(got
        .stdout
        .contains(&format!("Framework: {CYAN}pytorch{NC} (default)\n")));
    assert!(got
        .stdout
        .contains(&format!("Base image: {CYAN}{IMAGE}{NC}\n")));
    assert!(got
        .stdout
        .contains(&format!("GPU mode: {CYAN}MIG instance{NC} (shared GPU)\n")));
    assert!(got
        .stdout
        .contains(&format!("{BOLD}Project:{NC}   my-project\n")));
    assert!(!got.stdout.contains("Tip: Add --guided"));
    assert!(got.stderr.is_empty(), "no questions: {:?}", got.stderr);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn every_question_answered() {
    let dir = scratch("asked");
    let out = dir.join("p/devcontainer.json");
    // Framework 2, no GPU, a requirements path, two extensions.
    let mut c = ctx(&dir, &["2", "1", " reqs/r.txt ", "a,b"]);
    let (code, got) = run(&mut c, &["demo", &output_arg(&out)]);
    assert_eq!(code, Ok(0), "{got:?}");
    assert_eq!(
        got.stderr,
        "Choice [1-5, default: 1]: Choice [1-3, default: 2]: \
         Path to requirements.txt (Enter to skip): Extensions (Enter to skip): "
    );
    assert!(got.stdout.contains(&format!(
        "\n{DIM}Tip: Add --guided for explanations, --concepts to learn first{NC}\n"
    )));
    assert!(got
        .stdout
        .contains(&format!("Requirements: {CYAN}reqs/r.txt{NC}\n")));
    assert!(got
        .stdout
        .contains(&format!("GPU mode: {CYAN}None{NC} (permanent container)\n")));
    assert!(got.stdout.contains(&format!(
        "{BOLD}GPU:{NC}       None (permanent container)\n"
    )));
    assert!(!got.stdout.contains("Stop automatically"));
    let file = fs::read_to_string(&out).expect("written");
    assert!(file.contains("\"image\": \"tensorflow/tensorflow:2.14.0-gpu\""));
    assert!(file.contains("\"postCreateCommand\": \"pip install -r reqs/r.txt\""));
    assert!(file.contains("\"extensions\": [\n                \"a\",\n                \"b\"\n"));
    assert!(!file.contains("--gpus"));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_existing_file_is_backed_up_or_kept() {
    let dir = scratch("existing");
    let out = dir.join("devcontainer.json");
    fs::write(&out, "old").expect("old file");
    let flags = [
        "demo",
        "--framework=jax",
        "--no-gpu",
        "--requirements=r",
        "--extensions=e",
    ];
    let mut args: Vec<&str> = flags.to_vec();
    let output = output_arg(&out);
    args.push(&output);
    // Cancel: nothing changes, exit 0.
    let (code, got) = run(&mut ctx(&dir, &["3"]), &args);
    assert_eq!(code, Ok(0));
    assert!(got.stdout.ends_with("Cancelled.\n"));
    assert_eq!(fs::read_to_string(&out).expect("kept"), "old");
    // The default: a backup, then the new file.
    let (code, got) = run(&mut ctx(&dir, &[""]), &args);
    assert_eq!(code, Ok(0), "{got:?}");
    let backup = format!("{}.bak", out.display());
    assert!(got
        .stdout
        .contains(&format!("{GREEN}✓{NC} Backed up to: {backup}\n")));
    assert_eq!(fs::read_to_string(&backup).expect("backup"), "old");
    assert!(fs::read_to_string(&out)
        .expect("new")
        .contains("nvcr.io/nvidia/jax"));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_symlink_at_the_output_is_refused() {
    let dir = scratch("symlink");
    let target = dir.join("elsewhere");
    fs::write(&target, "precious").expect("target");
    let out = dir.join("devcontainer.json");
    std::os::unix::fs::symlink(&target, &out).expect("link");
    let (code, got) = run(&mut ctx(&dir, &[]), &["demo", "--quick", &output_arg(&out)]);
    let failure = code.expect_err("refused");
    assert_eq!(failure.code, 1);
    assert!(failure.stdout.contains("is a symbolic link"));
    assert!(!got.stdout.contains("Generating"));
    assert_eq!(fs::read_to_string(&target).expect("untouched"), "precious");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn no_terminal_ends_at_the_first_question() {
    let dir = scratch("notty");
    let out = dir.join("devcontainer.json");
    let (code, _) = run(&mut ctx(&dir, &[]), &["demo", &output_arg(&out)]);
    assert_eq!(code, Err(Failure::exit(1)));
    assert!(!out.exists());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn workspace_menu() {
    let dir = scratch("menu");
    let ws = dir.join("home/workspace");
    fs::create_dir_all(ws.join("beta/.devcontainer")).expect("beta");
    fs::write(ws.join("beta/.devcontainer/devcontainer.json"), "{}").expect("config");
    fs::create_dir_all(ws.join("alpha")).expect("alpha");
    fs::write(ws.join("file"), "").expect("a file");
    let projects = workspace_projects(&ws);
    assert_eq!(projects, ["alpha", "beta"]);
    let menu = location_menu(&ws.to_string_lossy(), &projects, "here");
    assert!(menu.contains(&format!("  {BOLD}1){NC} alpha\n")));
    assert!(menu.contains(&format!(
        "  {BOLD}2){NC} beta {DIM}(has devcontainer.json){NC}\n"
    )));
    assert!(menu.contains(&format!(
        "\n  {BOLD}3){NC} Current directory {DIM}(here){NC} {GREEN}(default){NC}\n  {BOLD}4){NC} Custom path\n\n"
    )));
    assert_eq!(menu_pick("2", &projects), Some("beta"));
    assert_eq!(menu_pick("+1", &projects), Some("alpha"));
    assert_eq!(menu_pick("0", &projects), None);
    assert_eq!(menu_pick("x", &projects), None);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn shell_word_helpers() {
    assert_eq!(basename("/a/b/"), "b");
    assert_eq!(basename("/"), "/");
    assert_eq!(basename(""), "");
    assert_eq!(basename("proj"), "proj");
    assert_eq!(expand_tilde("~/x", "/home/a"), "/home/a/x");
    assert_eq!(expand_tilde("a/~", "/home/a"), "a/~");
    assert_eq!(unescape(r"a\ b\\c\"), r"a b\c");
    assert_eq!(sanitize("My Big Proj"), "my-big-proj");
    assert_eq!(logical_cwd(Some("/no/such/dir")), logical_cwd(None));
}

const GUIDED_PAUSES: usize = 2;

#[test]
fn guided_steps_two_and_three_pause_after_their_explanation() {
    let dir = scratch("guided");
    let out = dir.join("p/devcontainer.json");
    let answers = ["", "", "", "", "", ""];
    let mut c = ctx(&dir, &answers);
    let (code, got) = run(&mut c, &["demo", "--quick", "--guided", &output_arg(&out)]);
    assert_eq!(code, Ok(0), "{got:?}");
    for title in ["Step 2: Base Image", "Step 3: GPU Configuration"] {
        let at = got.stdout.find(title).expect(title);
        let after = &got.stdout[at..];
        assert!(after.contains("\n\n"), "{after}");
    }
    let pauses = got.stderr.matches("Press Enter to continue...").count();
    assert_eq!(pauses, GUIDED_PAUSES, "{:?}", got.stderr);
    let _ = fs::remove_dir_all(&dir);
}
