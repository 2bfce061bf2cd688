//! DS01's `image-install <container-name> <packages...>` run by two real
//! users against the test engine: pip gets every package as its own
//! argument, a yes commits onto the container's own `ds01-UID/NAME:latest`
//! image (and only onto the caller's own image), and another user's
//! container is not found.
//!
//! pip in the containers is a script copied in that prints each argument
//! it got (`arg:[...]`).  Users `dsinst-alice` and `dsinst-bob` (uids
//! 24711, 24712) are made once and kept.  Needs root and an engine
//! (`DOCKER_HOST`, compat-tests/engine); skips otherwise (fails under
//! `DS01_TESTS_NEED_ENGINE`).  The missing-argument test needs neither.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use support::{docker, docker_ok, docker_out, Pty, BASE};

const ALICE: (u32, &str) = (24711, "dsinst-alice");
const BOB: (u32, &str) = (24712, "dsinst-bob");
const PROMPT: &str = "Commit changes to image? (creates new image version) [y/N]: ";

/// One scene at a time: they share the accounts.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    ($test:literal) => {
        let Some(_serial) = support::with_accounts($test, &SERIAL, &[ALICE, BOB]) else {
            return;
        };
    };
}

/// A scratch home, and the images and containers of one test, removed
/// when it ends.
struct Scene {
    dir: PathBuf,
    images: Vec<String>,
    containers: Vec<String>,
}

impl Scene {
    fn new(tag: &str) -> Scene {
        let dir = std::env::temp_dir().join(format!("ds01-inst-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        support::chmod(&dir, 0o755);
        Scene {
            dir,
            images: Vec::new(),
            containers: Vec::new(),
        }
    }

    /// `ds01 ARGS` as `who`, with the environment a login gives.
    fn command(&self, who: (u32, &str), args: &[&str]) -> Command {
        let mut cmd = support::ds01_as(who);
        cmd.args(args)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &self.dir)
            .env("LANG", "C.UTF-8")
            .current_dir(&self.dir);
        cmd
    }

    /// [`Scene::command`] without a terminal.
    fn run(&self, who: (u32, &str), args: &[&str]) -> Output {
        self.command(who, args)
            .stdin(Stdio::null())
            .output()
            .expect("run ds01")
    }

    /// `ds01 ARGS` as `who` on a terminal, answering `answer` to the
    /// commit question (if it comes); exit code and everything shown.
    fn run_answering(&self, who: (u32, &str), args: &[&str], answer: &str) -> (i32, String) {
        let mut pty = Pty::spawn(self.command(who, args));
        if pty.wait_for(PROMPT, Duration::from_secs(20)) {
            pty.send(&format!("{answer}\n"));
        }
        let (code, shown) = pty.finish(Duration::from_secs(20));
        (code.unwrap_or(-1), shown)
    }

    /// `ds01-UID/NAME:latest` of `who`: the base image tagged anew.
    fn image(&mut self, who: (u32, &str), name: &str) -> String {
        let reference = format!("ds01-{}/{name}:latest", who.0);
        assert!(docker_ok(&["tag", BASE, &reference]));
        self.images.push(reference.clone());
        reference
    }

    /// A stopped container `NAME._.UID` of `who` made from `image`, whose
    /// pip prints its arguments and exits with `pip_status`.
    fn container(&mut self, who: (u32, &str), name: &str, image: &str, pip_status: u8) -> String {
        let full = format!("{name}._.{}", who.0);
        let _ = docker(&["rm", "-f", &full]);
        assert!(docker_ok(&[
            "create", "--name", &full, image, "sleep", "3600"
        ]));
        self.containers.push(full.clone());
        let pip = self.dir.join(format!("pip-{name}-{}", who.0));
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"arg:[$a]\"; done\necho pip-on-stderr >&2\nexit {pip_status}\n"
        );
        std::fs::write(&pip, script).expect("pip script");
        support::chmod(&pip, 0o755);
        let into = format!("{full}:/usr/bin/pip");
        assert!(docker_ok(&["cp", pip.to_str().expect("path"), &into]));
        full
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        for c in &self.containers {
            let _ = docker(&["rm", "-f", c]);
        }
        for i in &self.images {
            let _ = docker(&["image", "rm", "-f", i]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn image_id(reference: &str) -> String {
    docker_out(&["image", "inspect", "-f", "{{.Id}}", reference])
}

fn state(container: &str) -> String {
    docker_out(&["inspect", "-f", "{{.State.Status}}", container])
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn installs_each_package_and_commits_onto_the_own_image() {
    need_setup!("installs_each_package_and_commits_onto_the_own_image");
    let mut s = Scene::new("own");
    let image = s.image(ALICE, "inst");
    let tag = s.container(ALICE, "inst", &image, 0);
    let before = image_id(&image);
    let args = ["image-install", "inst", "wandb", "optuna>=3"];

    let (code, shown) = s.run_answering(ALICE, &args, "n");
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("Installing packages: wandb optuna>=3\r\n"),
        "{shown}"
    );
    assert!(shown.contains("To container: inst\r\n"), "{shown}");
    assert!(
        shown.contains(&format!("Base image: {image}\r\n")),
        "{shown}"
    );
    for arg in ["install", "--no-cache-dir", "wandb", "optuna>=3"] {
        assert!(
            shown.contains(&format!("arg:[{arg}]\r\n")),
            "{arg}: {shown}"
        );
    }
    assert!(!shown.contains("arg:[wandb optuna>=3]"), "{shown}");
    assert!(shown.contains("pip-on-stderr"), "{shown}");
    assert!(
        shown.contains("✓ Packages installed successfully"),
        "{shown}"
    );
    assert!(shown.contains("Changes NOT saved to image"), "{shown}");
    assert_eq!(state(&tag), "running", "the stopped container was started");
    assert_eq!(image_id(&image), before, "no commit without a yes");

    let (code, shown) = s.run_answering(ALICE, &args, "y");
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains(&format!("✓ New image created: {image}\r\n")),
        "{shown}"
    );
    let after = image_id(&image);
    assert_ne!(after, before, "the commit went onto {image}");
    assert!(
        shown.contains(&after),
        "docker commit's id is shown: {shown}"
    );
    assert!(
        docker_out(&["images", "-q", &format!("ds01-{}/inst", ALICE.0)])
            .lines()
            .count()
            == 1,
        "no dated tag was made"
    );
}

#[test]
fn refuses_to_commit_onto_an_image_that_is_not_the_callers() {
    need_setup!("refuses_to_commit_onto_an_image_that_is_not_the_callers");
    let mut s = Scene::new("foreign");
    let bobs = s.image(BOB, "shared");
    s.container(ALICE, "borrowed", &bobs, 0);
    let before = image_id(&bobs);

    let (code, shown) = s.run_answering(ALICE, &["image-install", "borrowed", "wandb"], "y");
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("arg:[wandb]\r\n"), "{shown}");
    assert!(
        shown.contains(&format!("✗ Not committed: the container's image '{bobs}'")),
        "{shown}"
    );
    assert!(!shown.contains("New image created"), "{shown}");
    assert_eq!(image_id(&bobs), before, "bob's image is untouched");
}

#[test]
fn a_failing_pip_ends_without_a_question() {
    need_setup!("a_failing_pip_ends_without_a_question");
    let mut s = Scene::new("fail");
    let image = s.image(ALICE, "broken");
    s.container(ALICE, "broken", &image, 3);

    let out = s.run(ALICE, &["image-install", "broken", "nosuchpkg"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("arg:[nosuchpkg]\n"), "{stdout}");
    assert!(stdout.ends_with("✗ Installation failed\n"), "{stdout}");
    assert!(stderr.contains("pip-on-stderr"), "{stderr}");
    assert!(!stderr.contains("Commit changes"), "{stderr}");
}

#[test]
fn another_users_container_is_not_found() {
    need_setup!("another_users_container_is_not_found");
    let mut s = Scene::new("other");
    let image = s.image(BOB, "inst");
    let bobs = s.container(BOB, "inst", &image, 0);

    let out = s.run(ALICE, &["image-install", "inst", "wandb"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stdout, "Error: Container 'inst' not found\n");
    assert_eq!(stderr, "");
    assert_eq!(state(&bobs), "created", "bob's container was not started");
}

#[test]
fn missing_arguments_print_the_usage() {
    let usage = "Usage: install-to-image <container-name> <packages...>\n\n\
                 Examples:\n  install-to-image my-project wandb optuna\n  \
                 install-to-image thesis transformers datasets\n";
    for args in [&[][..], &["demo"][..], &["demo", ""][..]] {
        let out = support::ds01_clean()
            .arg("image-install")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run ds01");
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stdout, usage, "{args:?}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
