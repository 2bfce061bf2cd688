//! DS01's image commands (`image-list`, `image-delete`, `image-update`)
//! run by two real users against the test engine: each sees and changes
//! only their own images (`ds01-UID/...`), `--force` removes only the
//! caller's containers, a deleted image's Dockerfile is moved aside, and
//! a quick `--add` followed by `--rebuild` rebuilds the image.
//!
//! Users `dsimg-alice` and `dsimg-bob` (uids 24651, 24652) are made once
//! and kept; their homes are scratch directories (`HOME`).  Needs root and
//! an engine (`DOCKER_HOST`, compat-tests/engine); skips otherwise (fails
//! under `DS01_TESTS_NEED_ENGINE`).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use support::{docker, docker_ok, docker_out, AIME_IMAGE};

const ALICE: (u32, &str) = (24651, "dsimg-alice");
const BOB: (u32, &str) = (24652, "dsimg-bob");

/// One scene at a time: they share the accounts.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    ($test:literal) => {
        let Some(_serial) = support::with_accounts($test, &SERIAL, &[ALICE, BOB]) else {
            return;
        };
    };
}

/// Homes, images and containers of one test, removed when it ends.
struct Scene {
    dir: PathBuf,
    images: Vec<String>,
    containers: Vec<String>,
}

impl Scene {
    fn new(tag: &str) -> Scene {
        let dir = std::env::temp_dir().join(format!("ds01-img-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
        support::chmod(&dir, 0o755);
        for (uid, _) in [ALICE, BOB] {
            let home = dir.join(uid.to_string());
            std::fs::create_dir_all(home.join("workspace")).expect("home");
            chown_tree(&home, uid);
        }
        Scene {
            dir,
            images: Vec::new(),
            containers: Vec::new(),
        }
    }

    fn home(&self, who: (u32, &str)) -> PathBuf {
        self.dir.join(who.0.to_string())
    }

    /// `ds01 ARGS` as `who`, without a terminal.
    fn run(&self, who: (u32, &str), args: &[&str]) -> Output {
        support::ds01_as(who)
            .args(args)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.home(who))
            .env("LANG", "C.UTF-8")
            .current_dir(self.home(who))
            .stdin(Stdio::null())
            .output()
            .expect("run ds01")
    }

    /// A fresh image `ds01-UID/NAME:latest` of `who` (its own id) with its
    /// Dockerfile in `~/workspace/NAME/`; the id.
    fn image(&mut self, who: (u32, &str), name: &str) -> String {
        let repo = format!("ds01-{}/{name}", who.0);
        let dir = self.home(who).join("workspace").join(name);
        std::fs::create_dir_all(&dir).expect("project");
        let dockerfile = format!(
            "FROM {AIME_IMAGE}\nLABEL test.scene=\"{}\" test.image=\"{repo}\"\n\n# Custom additional packages\n\nCMD [\"/bin/sh\"]\n",
            self.dir.display()
        );
        std::fs::write(dir.join("Dockerfile"), &dockerfile).expect("Dockerfile");
        chown_tree(&self.home(who), who.0);
        self.images.push(format!("{repo}:latest"));
        build(&format!("{repo}:latest"), &dockerfile);
        docker_out(&["image", "inspect", "-f", "{{.Id}}", &repo])
    }

    /// A container `NAME._.UID` of `who` made from `image`.
    fn container(&mut self, who: (u32, &str), name: &str, image: &str) -> String {
        let full = format!("{name}._.{}", who.0);
        let _ = docker(&["rm", "-f", &full]);
        assert!(docker_ok(&["create", "--name", &full, image, "true"]));
        self.containers.push(full.clone());
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

fn chown_tree(p: &Path, uid: u32) {
    let _ = Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(p)
        .status();
}

/// `docker build -t TAG -` with the Dockerfile on stdin (no context).
fn build(tag: &str, dockerfile: &str) {
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .env("DOCKER_BUILDKIT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker build");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dockerfile.as_bytes())
        .expect("write Dockerfile");
    let out = child.wait_with_output().expect("docker build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn image_id(reference: &str) -> Option<String> {
    let out = docker(&["image", "inspect", "-f", "{{.Id}}", reference]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn another_users_images_are_out_of_reach() {
    need_setup!("another_users_images_are_out_of_reach");
    let mut s = Scene::new("reach");
    let bobs = s.image(BOB, "secret");
    s.image(ALICE, "mine");
    let target = "ds01-24652/secret";

    let out = s.run(ALICE, &["image-delete", target, "-f"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("✗ Image '{target}' not found")));

    let out = s.run(ALICE, &["image-update", target, "--rebuild"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("not found"));
    // A shared image is not the caller's either (the original would
    // rebuild it under its shared tag).
    let out = s.run(
        ALICE,
        &[
            "image-update",
            AIME_IMAGE.trim_end_matches(":latest"),
            "--rebuild",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    for args in [
        &["image-list"][..],
        &["image-list", "--all"],
        &["image-list", "-d", "-a"],
    ] {
        let out = s.run(ALICE, args);
        assert!(out.status.success(), "{}", text(&out));
        let shown = text(&out);
        assert!(
            !shown.contains("ds01-24652"),
            "{args:?} shows bob's image:\n{shown}"
        );
        assert!(shown.contains("ds01-24651/mine"), "{args:?}:\n{shown}");
    }
    assert_eq!(
        image_id(target).as_deref(),
        Some(bobs.as_str()),
        "bob's image changed"
    );
    assert!(s.home(BOB).join("workspace/secret/Dockerfile").is_file());
}

#[test]
fn force_removes_only_the_callers_containers() {
    need_setup!("force_removes_only_the_callers_containers");
    let mut s = Scene::new("force");
    s.image(ALICE, "shared");
    let repo = "ds01-24651/shared:latest";
    let own = s.container(ALICE, "shared", repo);
    let bobs = s.container(BOB, "borrowed", repo);

    // Without --force: listed, refused.
    let out = s.run(ALICE, &["image-delete", "shared"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("This image is used by 1 container(s)"),
        "{shown}"
    );
    assert!(shown.contains(&format!("  • {own} (Created)")), "{shown}");
    assert!(!shown.contains(&bobs), "bob's container listed:\n{shown}");
    assert!(shown.contains("Cannot delete image while containers exist"));

    // With --force: alice's container goes, bob's stays, so the engine
    // refuses the image.
    let out = s.run(ALICE, &["image-delete", "shared", "-f"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains(&format!("  Removing {own}...\n{own}\n")),
        "{shown}"
    );
    assert!(shown.contains("✗ Failed to remove image"), "{shown}");
    assert!(!docker_ok(&["container", "inspect", &own]));
    assert!(docker_ok(&["container", "inspect", &bobs]));
    assert!(image_id(repo).is_some());
}

#[test]
fn deleting_moves_the_dockerfile_aside_unless_kept() {
    need_setup!("deleting_moves_the_dockerfile_aside_unless_kept");
    let mut s = Scene::new("delete");
    s.image(ALICE, "one");
    s.image(ALICE, "two");
    let home = s.home(ALICE);
    let info = home.join("ds01-config/images/ds01-24651_one.info");
    std::fs::create_dir_all(info.parent().expect("dir")).expect("mkdir");
    std::fs::write(&info, "Image: ds01-24651/one\nFramework: pytorch\n").expect("info");
    chown_tree(&home, ALICE.0);

    let out = s.run(ALICE, &["image-delete", "one", "-f"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("✓ Image removed"), "{shown}");
    assert!(
        shown.contains("Dockerfile moved to ~/ds01-config/images/deleted/"),
        "{shown}"
    );
    assert!(shown.contains("  Remaining: 1 image(s)"), "{shown}");
    assert!(!home.join("workspace/one/Dockerfile").exists());
    assert!(home
        .join("ds01-config/images/deleted/ds01-24651_one.Dockerfile")
        .is_file());
    assert!(!info.exists());
    assert!(image_id("ds01-24651/one").is_none());

    let out = s.run(
        ALICE,
        &["image-delete", "two", "nosuch", "-f", "--keep-dockerfile"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("Bulk Deletion Summary"), "{shown}");
    assert!(
        shown.contains("⊘ Skipped:\u{1b}[0m       1 (not found)"),
        "{shown}"
    );
    assert!(shown.contains("Partial success: 1 of 2 deleted"), "{shown}");
    assert!(home.join("workspace/two/Dockerfile").is_file());

    let out = s.run(ALICE, &["image-list"]);
    assert!(text(&out).contains("No images found"), "{}", text(&out));
}

#[test]
fn quick_add_then_rebuild() {
    need_setup!("quick_add_then_rebuild");
    let mut s = Scene::new("update");
    let before = s.image(ALICE, "proj");
    let dockerfile = s.home(ALICE).join("workspace/proj/Dockerfile");

    // The edit is made; the rebuild question needs a terminal (exit 1).
    let out = s.run(
        ALICE,
        &["image-update", "proj", "--add", "wandb numpy>=1.24"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(" 2 package(s) added to Dockerfile"),
        "{}",
        text(&out)
    );
    let edited = std::fs::read_to_string(&dockerfile).expect("Dockerfile");
    assert!(
        edited.contains("RUN pip install --no-cache-dir \\\n    wandb \\\n    'numpy>=1.24'\n"),
        "{edited}"
    );

    let out = s.run(ALICE, &["image-update", "proj", "--rebuild"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("Successfully tagged ds01-24651/proj:latest"),
        "{shown}"
    );
    assert!(
        shown.contains("✓ Phase 2/3: Docker Image Rebuilt"),
        "{shown}"
    );
    assert!(
        shown.contains("Custom-installed:\u{1b}[0m wandb numpy>=1.24"),
        "{shown}"
    );
    assert!(shown.contains("Next Steps: Deploy Container"), "{shown}");
    let after = image_id("ds01-24651/proj").expect("rebuilt image");
    assert_ne!(after, before);
    // The rebuilt image's old layers are the scene's to clean up too.
    let _ = docker(&["image", "rm", "-f", &before]);

    // --no-cache: the same Dockerfile built again, no step from the cache.
    let out = s.run(ALICE, &["image-update", "proj", "--rebuild", "--no-cache"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("Successfully tagged ds01-24651/proj:latest"),
        "{shown}"
    );
    assert!(!shown.contains("Using cache"), "{shown}");
    let _ = docker(&["image", "rm", "-f", &after]);
}
