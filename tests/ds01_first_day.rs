//! A new user's first day, end to end, as a real non-root user at a
//! terminal against the test engine: `user-setup --quick` (SSH key, the
//! onboarding guide, then yes to "Create your first project now?"), the
//! guided `project-init` it runs in-process, and `project-launch`, which
//! builds the project's image and deploys its container.  It ends inside
//! that container: a package the project's `requirements.txt` lists
//! imports, one it does not list does not.
//!
//! The base image is a stand-in for an AIME image with a package mirror:
//! its `pip` installs a package only when the mirror "has" it (the
//! packages project-init listed), and its `python -c "import X"` works
//! only for what pip installed.  So the import proves the chain
//! requirements.txt → Dockerfile → image → container.
//!
//! User: `dsday-new` (uid 24351), made once and kept.  Needs root and an
//! engine (`DOCKER_HOST`, compat-tests/engine); otherwise it says why and
//! passes (or fails under `DS01_TESTS_NEED_ENGINE`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::{docker, docker_ok, docker_out, Pty, Scratch};

const USER: (u32, &str) = (24351, "dsday-new");
const PROJECT: &str = "firstday";
const GPUS: &str = "\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-da000000-1111-2222-3333-000000000000)
";
/// Limits a small test host can grant.
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 1\n  max_gpu_slots_per_container: 1\n  \
max_containers_per_user: 2\n  allow_full_gpu: true\n  max_cpus: 1\n  memory: 2g\n  memory_swap: 3g\n  shm_size: 64m\n  \
pids_limit: 512\ndefault_group: student\ngroups:\n  student: {}\n";

static SERIAL: Mutex<()> = Mutex::new(());

/// Configuration, GPUs, allocator state, the catalog naming the stand-in
/// base, and an empty home.
struct Scene {
    s: Scratch,
    home: PathBuf,
    base: String,
}

impl Scene {
    fn new() -> Scene {
        let s = Scratch::new("first-day");
        let base = format!("ds01-test/first-day-base-{}:latest", std::process::id());
        s.ds01_server(LIMITS, GPUS, &[("Pytorch", "2.8.0", "CUDA_ADA", &base)]);
        s.image_later(&base);
        let home = s.dir("home", Some((USER.0, USER.0)));
        Scene { s, home, base }
    }

    /// `ds01 COMMAND ARGS` as the user, in a login-like environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = support::ds01_as(USER);
        cmd.args(args)
            .env("HOME", &self.home)
            .env("LOGNAME", USER.1)
            .env("SHELL", "/bin/bash")
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .env("MLC_ARCH", "CUDA_ADA")
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.s.root.join("bin").display()
                ),
            )
            .current_dir(&self.home);
        self.s.server_env(&mut cmd);
        cmd
    }

    /// The stand-in base: the fake AIME image with a mirror that has
    /// `packages`, a pip that installs only those and a python that
    /// imports only what pip installed.
    fn build_base(&self, packages: &[String]) {
        let ctx = self.s.dir("base", None);
        std::fs::write(ctx.join("available"), packages.join("\n") + "\n").expect("mirror");
        std::fs::write(ctx.join("pip"), PIP).expect("pip");
        std::fs::write(ctx.join("python"), PYTHON).expect("python");
        std::fs::write(
            ctx.join("Dockerfile"),
            format!(
                "FROM {}\nCOPY available /opt/mirror/available\n\
                 COPY pip /usr/bin/pip\nCOPY pip /usr/bin/pip3\n\
                 COPY python /usr/bin/python\nCOPY python /usr/bin/python3\n\
                 RUN chmod 755 /usr/bin/pip /usr/bin/pip3 /usr/bin/python /usr/bin/python3 \
                 && mkdir -p /opt/site && chmod 1777 /opt/site\n",
                support::AIME_IMAGE
            ),
        )
        .expect("Dockerfile");
        let out = docker(&["build", "-q", "-t", &self.base, ctx.to_str().expect("path")]);
        assert!(
            out.status.success(),
            "stand-in base: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `pip install [options] PKG...` (or `-r FILE`): each package must be on
/// the mirror; an installed one leaves its import name in /opt/site.
const PIP: &str = r#"#!/bin/sh
[ "$1" = install ] || exit 0
shift
want=
while [ $# -gt 0 ]; do
    case $1 in
        -r) want="$want $(grep -v '^ *#' "$2")"; shift ;;
        -*) ;;
        *) want="$want $1" ;;
    esac
    shift
done
for spec in $want; do
    name=$(echo "$spec" | sed 's/[][<>=!~;].*//' | tr 'A-Z_' 'a-z-')
    [ -n "$name" ] || continue
    grep -qx "$name" /opt/mirror/available || {
        echo "ERROR: No matching distribution found for $spec" >&2
        exit 1
    }
    touch "/opt/site/$(echo "$name" | tr - _)"
done
"#;

/// `python -c "import X"` for what pip installed; anything else succeeds.
const PYTHON: &str = r#"#!/bin/sh
[ "$1" = -c ] || exit 0
module=$(echo "$2" | sed -n 's/^import \([A-Za-z0-9_]*\)$/\1/p')
[ -n "$module" ] && [ -e "/opt/site/$module" ] && exit 0
echo "ModuleNotFoundError: No module named '$module'" >&2
exit 1
"#;

/// Answers whatever the wizards ask, until the program ends: the project
/// name, yes to the first project, Enter (the default) to everything else.
/// Each question is answered once it has shown and the output has rested.
fn converse(mut pty: Pty, limit: Duration) -> (Option<i32>, String) {
    let end = Instant::now() + limit;
    let mut answered = 0;
    let mut last_len = 0;
    let mut rested_since = Instant::now();
    while Instant::now() < end {
        if pty.exited() {
            break;
        }
        let shown = pty.output();
        if shown.len() != last_len {
            last_len = shown.len();
            rested_since = Instant::now();
        } else if rested_since.elapsed() > Duration::from_millis(400) && shown.len() > answered {
            if let Some(keys) = reply(&shown[answered..]) {
                pty.send(keys);
                answered = shown.len();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    pty.finish(Duration::from_secs(5))
}

/// The answer to the question that `fresh` (output since the last answer)
/// ends with, if it ends with one.
fn reply(fresh: &str) -> Option<&'static str> {
    let text = strip_colours(fresh);
    let last = text
        .trim_end_matches(['\r', '\n'])
        .lines()
        .last()?
        .to_string();
    if last.starts_with("Project name") {
        return Some("firstday\r");
    }
    if last.contains("Create your first project now?") {
        return Some("y\r");
    }
    if last.contains("[y/N]") {
        return Some("n\r");
    }
    let asks = last.ends_with(": ") || last.ends_with("...") || last.ends_with("? ");
    asks.then_some("\r")
}

fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: parameters up to the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn requirements(project: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(project.join("requirements.txt")).expect("requirements");
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let end = l.find(|c: char| "[]<>=!~; ".contains(c)).unwrap_or(l.len());
            l[..end].to_ascii_lowercase().replace('_', "-")
        })
        .collect()
}

#[test]
fn a_new_user_gets_from_nothing_to_a_working_container() {
    let test = "a_new_user_gets_from_nothing_to_a_working_container";
    let Some(_serial) = support::with_accounts(test, &SERIAL, &[USER]) else {
        return;
    };
    let scene = Scene::new();
    let image = format!("ds01-{}/{PROJECT}:latest", USER.0);
    let tag = format!("{PROJECT}._.{}", USER.0);
    scene.s.image(&image);
    scene.s.container(&tag);

    // Setup, then the first project from its offer.
    let pty = Pty::spawn(scene.command(&["user-setup", "--quick"]));
    let (code, shown) = converse(pty, Duration::from_secs(60));
    assert_eq!(code, Some(0), "user-setup:\n{shown}");
    assert!(scene.home.join(".ssh/id_ed25519.pub").is_file(), "{shown}");
    assert!(scene.home.join("ONBOARDING.md").is_file(), "{shown}");
    let project = scene.home.join("workspace").join(PROJECT);
    for file in [
        "pyproject.toml",
        "requirements.txt",
        "Dockerfile",
        "README.md",
    ] {
        assert!(project.join(file).is_file(), "{file} missing:\n{shown}");
    }
    let dockerfile = std::fs::read_to_string(project.join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains(&format!("FROM {}\n", scene.base)),
        "{dockerfile}"
    );
    let wanted = requirements(&project);
    assert!(!wanted.is_empty(), "project-init listed no packages");

    // The image and the container, in the background.
    scene.build_base(&wanted);
    let pty = Pty::spawn(scene.command(&["project-launch", PROJECT, "--background"]));
    let (code, shown) = converse(pty, Duration::from_secs(240));
    assert_eq!(code, Some(0), "project-launch:\n{shown}");
    assert_eq!(
        docker_out(&["inspect", "--format", "{{.State.Status}}", &tag]),
        "running"
    );

    // Inside: what requirements.txt lists imports, anything else does not.
    let module = wanted[0].replace('-', "_");
    let imports = |m: &str| docker_ok(&["exec", &tag, "python", "-c", &format!("import {m}")]);
    assert!(imports(&module), "import {module} failed in {tag}");
    assert!(!imports("not_in_requirements"));
}
