//! `project-launch` end to end, as a real user against the test engine: a
//! project folder made by hand (pyproject.toml with its type, a
//! requirements.txt, a tiny Dockerfile) is launched with `--background`;
//! the two build questions are answered at a terminal, the image
//! `ds01-UID/PROJECT:latest` is built from the project's own Dockerfile
//! and the container is deployed from it, both the user's.  The menu
//! then shows the project with its type and image, and a name that
//! would leave `~/workspace` is refused.
//!
//! User: `dspl-ana` (uid 24331), made once and kept.  Needs root and an
//! engine (`DOCKER_HOST`, compat-tests/engine); otherwise the engine test
//! says why and passes (or fails under `DS01_TESTS_NEED_ENGINE`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use support::{docker, docker_ok, docker_out, Pty, Scratch};

const USER: (u32, &str) = (24331, "dspl-ana");
const GPUS: &str = "\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-d1000000-1111-2222-3333-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-d1111111-1111-2222-3333-111111111111)
";
/// Limits a small test host can grant (the engine refuses more CPUs than
/// the host has).
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 1\n  max_gpu_slots_per_container: 1\n  \
max_containers_per_user: 2\n  allow_full_gpu: true\n  max_cpus: 1\n  memory: 2g\n  memory_swap: 3g\n  shm_size: 64m\n  \
pids_limit: 512\ndefault_group: student\ngroups:\n  student: {}\n";

static SERIAL: Mutex<()> = Mutex::new(());

/// Configuration, GPUs, allocator state, the fake host tools and a home.
struct Scene {
    s: Scratch,
    home: PathBuf,
}

impl Scene {
    fn new(what: &str) -> Scene {
        let s = Scratch::new(&format!("pl-{what}"));
        s.ds01_server(
            LIMITS,
            GPUS,
            &[("Pytorch", "2.5.1", "CUDA_ADA", support::AIME_IMAGE)],
        );
        let home = s.dir("home", Some((USER.0, USER.0)));
        Scene { s, home }
    }

    /// `ds01 project-launch ARGS` as the test user, in a login-like
    /// environment over the scene.
    fn launch(&self, args: &[&str]) -> Command {
        let mut cmd = support::ds01_as(USER);
        cmd.arg("project-launch")
            .args(args)
            .env("HOME", &self.home)
            .env("LOGNAME", USER.1)
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.s.root.join("bin").display()),
            )
            .current_dir(&self.home);
        self.s.server_env(&mut cmd);
        cmd
    }

    /// `~/workspace/NAME` as project-init leaves it: metadata, packages,
    /// and a Dockerfile (here a tiny one on the fake AIME image, with the
    /// labels of an image that has the user set up, as image-create's).
    fn project(&self, name: &str) -> PathBuf {
        let dir = self.home.join("workspace").join(name);
        std::fs::create_dir_all(&dir).expect("project dir");
        let files = [
            (
                "pyproject.toml",
                format!("[project]\nname = \"{name}\"\n\n[tool.ds01]\ntype = \"cv\"\n"),
            ),
            ("requirements.txt", "numpy\n".to_string()),
            (
                "Dockerfile",
                format!(
                    "FROM {}\nARG DS01_USER_ID\nLABEL ds01.project=\"{name}\" ds01.has_user_setup=\"true\" \
                     ds01.user_id=\"{uid}\" ds01.group_id=\"{uid}\"\n",
                    support::AIME_IMAGE,
                    uid = USER.0
                ),
            ),
        ];
        for (file, text) in files {
            std::fs::write(dir.join(file), text).expect("project file");
        }
        chown_tree(&self.home.join("workspace"));
        dir
    }
}

fn chown_tree(dir: &Path) {
    std::os::unix::fs::chown(dir, Some(USER.0), Some(USER.0)).expect("chown");
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            chown_tree(&path);
        } else {
            std::os::unix::fs::chown(&path, Some(USER.0), Some(USER.0)).expect("chown");
        }
    }
}

fn inspect(what: &str, format: &str) -> String {
    docker_out(&["inspect", "--format", format, what])
}

/// Type `keys` once `prompt` shows.
#[track_caller]
fn answer(pty: &mut Pty, prompt: &str, keys: &str) {
    let asked = pty.wait_for(prompt, Duration::from_secs(20));
    assert!(asked, "{prompt:?} never asked:\n{}", pty.output());
    pty.send(keys);
}

#[test]
fn launch_builds_the_projects_image_and_deploys_it() {
    let test = "launch_builds_the_projects_image_and_deploys_it";
    let Some(_serial) = support::with_accounts(test, &SERIAL, &[USER]) else {
        return;
    };
    let scene = Scene::new("launch");
    let name = format!("pl{}", std::process::id());
    let image = format!("ds01-{}/{name}:latest", USER.0);
    let tag = format!("{name}._.{}", USER.0);
    scene.s.image(&image);
    scene.s.container(&tag);
    scene
        .s
        .image_later(&format!("ds01-{}/{name}:{tag}", USER.0));
    let dir = scene.project(&name);

    let mut pty = Pty::spawn(scene.launch(&[&name, "--background"]));
    answer(&mut pty, "Create image now? [Y/n]: ", "\r");
    answer(&mut pty, "Build image now? [Y/n]: ", "\r");
    let (code, shown) = pty.finish(Duration::from_secs(90));
    assert_eq!(code, Some(0), "{shown}");
    for line in [
        format!("\x1b[1mLaunching:\x1b[0m \x1b[0;36m{name}\x1b[0m\r\n"),
        format!("No image found: \x1b[0;36m{image}\x1b[0m\r\n"),
        "\x1b[0;32mFound:\x1b[0m requirements.txt\r\n\x1b[0;32mFound:\x1b[0m Dockerfile\r\n".into(),
        format!("Step 1/3 : FROM {}\r\n", support::AIME_IMAGE),
        "\x1b[0;32mImage created successfully\x1b[0m\r\n".into(),
        "\x1b[1mDeploying container...\x1b[0m\r\n".into(),
        "✓ Container Deployed Successfully!".into(),
    ] {
        assert!(shown.contains(&line), "{line:?} missing in:\n{shown}");
    }
    // The project's own Dockerfile was built, for this user.
    assert_eq!(
        inspect(&image, "{{index .Config.Labels \"ds01.project\"}}"),
        name
    );
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.starts_with("FROM aimehub/"),
        "kept as written: {dockerfile}"
    );
    // The container: the user's, from that image, running, the project mounted.
    assert_eq!(inspect(&tag, "{{.State.Status}}"), "running");
    assert_eq!(inspect(&tag, "{{.Config.Image}}"), image);
    assert_eq!(
        inspect(&tag, "{{index .Config.Labels \"ds01.user\"}}"),
        USER.1
    );
    let mounts = inspect(&tag, "{{range .Mounts}}{{.Source}} {{end}}");
    assert!(mounts.contains(dir.to_str().unwrap()), "{mounts}");

    // The menu: the project with its type and its image; 9 is no choice.
    let mut pty = Pty::spawn(scene.launch(&[]));
    answer(&mut pty, "Choice [0-1]: ", "9\r");
    let (code, shown) = pty.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains(&format!(
            "  \x1b[1m1)\x1b[0m {name} \x1b[2m[cv]\x1b[0m \x1b[0;32m(image ready)\x1b[0m\r\n"
        )),
        "{shown}"
    );
    assert!(
        shown.ends_with("\x1b[0;31mInvalid selection\x1b[0m\r\n"),
        "{shown}"
    );
    let _ = docker(&["rm", "-f", &tag]);
    assert!(!docker_ok(&["inspect", &tag]));
}

/// A name that would reach outside `~/workspace` is refused before
/// anything is looked up (no engine needed).
#[test]
fn names_outside_the_workspace_are_refused() {
    let s = Scratch::new("pl-names");
    let home = s.dir("home", None);
    std::fs::create_dir_all(home.join("workspace")).expect("workspace");
    std::fs::create_dir_all(home.join("elsewhere")).expect("elsewhere");
    for name in ["../elsewhere", "..", "a/b"] {
        let out = support::ds01_clean()
            .args(["project-launch", name, "--background"])
            .env("HOME", &home)
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .stdin(Stdio::null())
            .output()
            .expect("run ds01");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{name}: {text}");
        assert!(
            text.contains(&format!("\x1b[0;31mInvalid project name: {name}\x1b[0m\n")),
            "{name}: {text}"
        );
        assert!(!text.contains("Checking image"), "{text}");
    }
}
