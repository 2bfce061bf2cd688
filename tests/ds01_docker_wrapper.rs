//! DS01's `docker` wrapper as real users against a real engine: the
//! wrapper asks the engine whose container it is, and hands the command
//! line on to a recording stand-in for the real CLI (`DS01_REAL_DOCKER`),
//! so that the argv the real docker would get is checked byte for byte.
//!
//! Users: `dsdw-alice` and `dsdw-bob` (uids 24141, 24142), made once and
//! kept.  Needs root and an engine (`DOCKER_HOST`, compat-tests/engine).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::Mutex;
use support::{docker, docker_ok, docker_out, BASE};

const ALICE: (u32, &str) = (24141, "dsdw-alice");
const BOB: (u32, &str) = (24142, "dsdw-bob");
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 2\n  max_gpu_slots_per_container: 2\n  \
max_containers_per_user: 5\n  memory: 8g\n  allow_full_gpu: true\ndefault_group: student\ngroups:\n  student: {}\n";
const GPUS: &str = "GPU 0: NVIDIA A100 (UUID: GPU-0a0a0a0a-1111-2222-3333-000000000000)\n\
GPU 1: NVIDIA A100 (UUID: GPU-1b1b1b1b-1111-2222-3333-111111111111)\n\
GPU 2: NVIDIA A100 (UUID: GPU-2c2c2c2c-1111-2222-3333-222222222222)\n";
/// The stand-in for /usr/bin/docker: its arguments, one a line.
const RECORDER: &str =
    "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$DSDW_RECORD\"\n";

static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    () => {
        let Some(_serial) = support::with_accounts("ds01_docker_wrapper", &SERIAL, &[ALICE, BOB])
        else {
            return;
        };
    };
}

/// A scratch directory (config, GPUs, allocator state, the recorder)
/// and the containers made for the scene, removed when it ends.
struct Scene {
    dir: PathBuf,
    names: Vec<String>,
}

impl Scene {
    fn new(tag: &str) -> Scene {
        let dir = std::env::temp_dir().join(format!("ds01-dw-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["config", "out"] {
            std::fs::create_dir_all(dir.join(sub)).expect("scratch");
        }
        std::fs::write(dir.join("config/resource-limits.yaml"), LIMITS).expect("limits");
        std::fs::write(dir.join("gpus"), GPUS).expect("gpus");
        std::fs::write(dir.join("recorder"), RECORDER).expect("recorder");
        support::chmod(&dir.join("recorder"), 0o755);
        support::chmod(&dir, 0o755);
        std::fs::set_permissions(dir.join("out"), std::fs::Permissions::from_mode(0o1777))
            .expect("chmod");
        // The allocator's shared state, as the package makes it.
        let prepared = support::ds01_clean()
            .arg("prepare-state")
            .arg(dir.join("state"))
            .output()
            .expect("prepare-state");
        assert!(prepared.status.success(), "{}", stderr(&prepared));
        Scene {
            dir,
            names: Vec::new(),
        }
    }

    /// A stopped container labelled as `owner`'s (plus `extra` labels);
    /// its id.
    fn container(&mut self, name: &str, owner: &str, extra: &[&str]) -> String {
        let _ = docker(&["rm", "-f", name]);
        self.names.push(name.to_string());
        let user = format!("ds01.user={owner}");
        let mut args = vec!["create", "--name", name, "--label", &user];
        for l in extra {
            args.extend(["--label", l]);
        }
        args.extend([BASE, "true"]);
        assert!(docker_ok(&args), "docker create {name}");
        docker_out(&["inspect", "-f", "{{.Id}}", name])
    }

    fn record(&self) -> PathBuf {
        self.dir.join("out/argv")
    }

    /// `docker ARGS` through the wrapper as `who` (None: root).
    fn run(&self, who: Option<(u32, &str)>, env: &[(&str, &str)], args: &[&str]) -> Output {
        let _ = std::fs::remove_file(self.record());
        let mut cmd = match who {
            Some(who) => support::ds01_as(who),
            None => support::ds01_clean(),
        };
        cmd.arg("docker")
            .args(args)
            .env("DS01_REAL_DOCKER", self.dir.join("recorder"))
            .env("DSDW_RECORD", self.record())
            .env("DS01_CONFIG_DIR", self.dir.join("config"))
            .env("DS01_GPU_FIXTURE", self.dir.join("gpus"))
            .env("DS01_STATE_DIR", self.dir.join("state"))
            .env("DS01_LOCK_TIMEOUT", "10")
            .envs(env.iter().copied())
            .stdin(Stdio::null());
        cmd.output().expect("run ds01 docker")
    }

    /// The argv the real docker got (None: it was not run).
    fn passed(&self) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.record()).ok()?;
        Some(text.lines().map(str::to_string).collect())
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = docker(&["rm", "-f", name]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn passed_unchanged(s: &Scene, who: Option<(u32, &str)>, args: &[&str]) {
    let o = s.run(who, &[], args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.passed(), Some(strings(args)));
}

#[track_caller]
fn refused(s: &Scene, who: (u32, &str), env: &[(&str, &str)], args: &[&str], text: &str) {
    let o = s.run(Some(who), env, args);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
    assert!(stderr(&o).ends_with(text), "{args:?}: {}", stderr(&o));
    assert_eq!(s.passed(), None, "{args:?} reached docker");
}

#[test]
fn another_users_containers_are_refused_the_rest_passes_unchanged() {
    need_setup!();
    let mut s = Scene::new("own");
    let bobs_id = s.container("dsdw-bobs", BOB.1, &[]);
    s.container("dsdw-alices", ALICE.1, &[]);
    s.container("dsdw-infra", ALICE.1, &["ds01.protected=true"]);
    let denied = "Permission denied: this container belongs to dsdw-bob\n";
    for args in [
        vec!["stop", "dsdw-bobs"],
        vec!["rm", "-f", "dsdw-alices", &bobs_id[..12]],
        vec!["logs", "-f", "--tail", "5", "dsdw-bobs"],
        vec!["exec", "--env-file", "/dev/null", "dsdw-bobs", "ls"],
        vec!["-D", "container", "inspect", "dsdw-alices", "dsdw-bobs"],
        vec!["cp", "dsdw-bobs:/etc/passwd", "/tmp/x"],
        vec!["update", "--cpus", "1", "dsdw-bobs"],
    ] {
        refused(&s, ALICE, &[], &args, denied);
    }
    // The bypass is for administrators only.
    refused(
        &s,
        ALICE,
        &[
            ("DS01_WRAPPER_BYPASS", "1"),
            ("DS01_ISOLATION_MODE", "disabled"),
        ],
        &["stop", "dsdw-bobs"],
        denied,
    );
    let protected = "Error: Container 'dsdw-infra' is protected infrastructure.\n\
                     Admin access required. Contact system administrator.\n";
    refused(&s, ALICE, &[], &["rm", "dsdw-infra"], protected);
    // Nor may a user make a container that enforcement leaves alone.
    let admin_only = |what: &str| format!("Permission denied: {what} is for administrators only\n");
    for (args, what) in [
        (
            &["run", "-d", "-lds01.protected=true", "busybox"][..],
            "a protected or monitoring label",
        ),
        (
            &["create", "--label-file", "/dev/null", "busybox"],
            "--label-file",
        ),
        (
            &["run", "--cgroup-parent=/", "busybox"],
            "a cgroup parent other than your slice",
        ),
    ] {
        refused(&s, ALICE, &[], args, &admin_only(what));
    }
    // Reading a protected container of one's own, one's own containers,
    // unknown names and everything that names no container: unchanged.
    passed_unchanged(&s, Some(ALICE), &["logs", "dsdw-infra"]);
    passed_unchanged(&s, Some(ALICE), &["stop", "-t", "3", "dsdw-alices"]);
    passed_unchanged(&s, Some(ALICE), &["rm", "no-such-container"]);
    passed_unchanged(
        &s,
        Some(ALICE),
        &[
            "images",
            "--format",
            "{{.ID}}  {{.Repository}}",
            "a b",
            "",
            "é\t",
        ],
    );
    passed_unchanged(&s, Some(ALICE), &["--help"]);
    // Root sees and touches everything, unfiltered.
    passed_unchanged(&s, None, &["stop", "dsdw-bobs"]);
    passed_unchanged(&s, None, &["ps", "-a"]);
}

#[test]
fn lists_are_filtered_to_the_callers_containers() {
    need_setup!();
    let s = Scene::new("ps");
    let o = s.run(Some(BOB), &[], &["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = [
        "ps",
        "--filter",
        "label=ds01.user=dsdw-bob",
        "-a",
        "--format",
        "{{.Names}}",
    ];
    assert_eq!(s.passed(), Some(strings(&want)));
    s.run(Some(BOB), &[], &["container", "ls", "-q"]);
    let want = [
        "container",
        "ls",
        "--filter",
        "label=ds01.user=dsdw-bob",
        "-q",
    ];
    assert_eq!(s.passed(), Some(strings(&want)));
}

/// The argv of a `run` with DS01's labels and slice, the timestamp
/// checked for its shape and then blanked.
fn injected(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|a| match a.strip_prefix("ds01.created_at=") {
            Some(stamp) => {
                assert_eq!(stamp.len(), 25, "{stamp}");
                "ds01.created_at=".to_string()
            }
            None => a.clone(),
        })
        .collect()
}

#[test]
fn run_gets_slice_labels_and_allocated_gpus() {
    need_setup!();
    let s = Scene::new("run");
    let user_args = [
        "--rm",
        "-e",
        "GPUS=--gpus all",
        BASE,
        "sh",
        "-c",
        "echo --gpus 9",
    ];
    let mut args = vec!["run"];
    args.extend(user_args);
    let o = s.run(Some(ALICE), &[], &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut want = strings(&[
        "run",
        "--cgroup-parent=ds01-student-dsdw_alice.slice",
        "--label",
        "ds01.user=dsdw-alice",
        "--label",
        "ds01.managed=true",
        "--label",
        "ds01.container_type=docker",
        "--label",
        "ds01.created_at=",
    ]);
    want.extend(strings(&user_args));
    assert_eq!(injected(&s.passed().expect("run passed on")), want);

    // Two GPUs: one `--gpus` argument naming both, as docker reads CSV.
    let o = s.run(
        Some(ALICE),
        &[],
        &["create", "--gpus", "2", "--name", "two", BASE],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let argv = s.passed().expect("create passed on");
    let at = argv.iter().position(|a| a == "--gpus").expect("--gpus");
    let value = &argv[at + 1];
    assert!(
        value.starts_with("\"device=GPU-") && value.ends_with('"'),
        "{value}"
    );
    assert_eq!(value.matches("GPU-").count(), 2, "{value}");
    assert!(
        argv.contains(&"ds01.gpu_ephemeral=true".to_string()),
        "{argv:?}"
    );
    assert_eq!(argv[argv.len() - 3..], strings(&["--name", "two", BASE]));

    // The quota (2 GPUs) is used up by the reservation: refused at once.
    let o = s.run(Some(ALICE), &[], &["run", "--gpus=all", BASE]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("│  You have reached your GPU quota limit."),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.passed(), None);
    // A label handing the container to someone else is refused.
    refused(
        &s,
        BOB,
        &[],
        &["run", "--label", "ds01.user=dsdw-alice", BASE],
        "Permission denied: you cannot create containers for dsdw-alice\n",
    );
}
