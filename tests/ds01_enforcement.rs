//! `ds01-lifecycle run` end to end against a real engine, with a GPU
//! fixture, a utilization fixture the test rewrites, and the clock
//! (`DS01_NOW`) moved forward: each rule fires once its limit is reached
//! and not before (idle after three idle checks and the timeout, max
//! runtime with its grace, the GPU hold, the container hold, never-started
//! containers), an exemption and a keep marker hold their rule, a dry run
//! and a run that cannot read the utilization change nothing, and an
//! engine that does not answer means no action and exit 1.
//!
//! The run acts on every container DS01 tracks on the engine; the test's
//! own are told apart by name.  Needs root and an engine (`DOCKER_HOST`,
//! compat-tests/engine); otherwise it says why and passes, or fails under
//! `DS01_TESTS_NEED_ENGINE`.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};
use support::{docker_ok, docker_out, Scratch, BASE};

const GPUS: &str = "\
GPU 0: NVIDIA A100 (UUID: GPU-1c000000-0000-0000-0000-000000000000)
GPU 1: NVIDIA A100 (UUID: GPU-1c000000-0000-0000-0000-000000000001)
GPU 2: NVIDIA A100 (UUID: GPU-1c000000-0000-0000-0000-000000000002)
GPU 3: NVIDIA A100 (UUID: GPU-1c000000-0000-0000-0000-000000000003)
GPU 4: NVIDIA A100 (UUID: GPU-1c000000-0000-0000-0000-000000000004)
";

/// Idle 0.5h, runtime 2h, GPU hold 0.25h, container hold 1h, never
/// started 30m; three idle checks below 5%; no start grace; 1s SIGTERM.
const LIMITS: &str = "\
defaults:
  idle_timeout_h: 0.5
  max_runtime_h: 2
  gpu_hold_after_stop_h: 0.25
  container_hold_after_stop_h: 1
default_group: student
groups:
  student: {}
policies:
  idle_detection_window: 3
  gpu_idle_threshold: 5
  grace_period_m: 0
  created_container_timeout_m: 30
  sigterm_grace_s: 1
";

const EXEMPTIONS: &str = "\
exemptions:
  - username: lc-exempt
    exempt_from: [max_runtime_h]
    reason: thesis deadline
    expires_on: null
  - username: lc-user
    exempt_from: [max_runtime_h]
    reason: long over
    expires_on: \"2001-01-01T00:00:00Z\"
";

fn gpu(i: u32) -> String {
    format!("GPU-1c000000-0000-0000-0000-00000000000{i}")
}

fn real_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct Scene {
    scratch: Scratch,
    util: PathBuf,
    log: PathBuf,
    tag: String,
}

impl Scene {
    fn new() -> Scene {
        let scratch = Scratch::new("enforce");
        scratch.ds01_server(LIMITS, GPUS, &[]);
        std::fs::write(
            scratch.root.join("config/lifecycle-exemptions.yaml"),
            EXEMPTIONS,
        )
        .unwrap();
        let util = scratch.root.join("util");
        std::fs::write(&util, "0,2\n1,80\n2,90\n3,90\n4,0\n").unwrap();
        let log = scratch.root.join("log/lifecycle.log");
        let tag = format!("lc{}", std::process::id());
        Scene {
            scratch,
            util,
            log,
            tag,
        }
    }

    fn name(&self, what: &str) -> String {
        format!("{}-{what}._.2001", self.tag)
    }

    /// `docker create` of a test container of `owner`, holding GPU `gpu`.
    fn create(&self, what: &str, owner: &str, gpu_index: Option<u32>, cmd: &[&str]) -> String {
        let name = self.name(what);
        self.scratch.container(&name);
        let user = format!("ds01.user={owner}");
        let mut args = vec!["create", "--name", &name, "--label", &user];
        let uuids = gpu_index.map(|i| format!("ds01.gpu.uuids={}", gpu(i)));
        if let Some(u) = &uuids {
            args.extend(["--label", u]);
        }
        args.push(BASE);
        args.extend(cmd);
        assert!(docker_ok(&args), "create {name}");
        name
    }

    fn run(&self, now: u64, extra: &[&str]) -> (i32, Value, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
        cmd.args(["ds01-lifecycle", "run", "--json"]).args(extra);
        self.scratch.server_env(&mut cmd);
        cmd.env("DS01_GPU_UTIL_FIXTURE", &self.util)
            .env("DS01_NOW", now.to_string())
            .env("DS01_LIFECYCLE_LOG", &self.log);
        let out: Output = cmd.output().expect("run ds01-lifecycle");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout} / {:?}", out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code().unwrap_or(-1), json, stderr)
    }

    /// The rules acted on for the test's containers: (short name, rule).
    fn acted(&self, report: &Value) -> Vec<(String, String)> {
        self.entries(report, "actions", "rule")
    }

    fn entries(&self, report: &Value, list: &str, field: &str) -> Vec<(String, String)> {
        let prefix = format!("{}-", self.tag);
        let mut out: Vec<(String, String)> = report[list]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| {
                let name = a["container"].as_str()?;
                let short = name.strip_prefix(&prefix)?.split("._.").next()?;
                Some((short.to_string(), a[field].as_str()?.to_string()))
            })
            .collect();
        out.sort();
        out
    }

    fn state(&self, what: &str) -> String {
        let name = self.name(what);
        if !docker_ok(&["container", "inspect", &name]) {
            return "gone".into();
        }
        docker_out(&["container", "inspect", "-f", "{{.State.Status}}", &name])
    }
}

fn pair(name: &str, rule: &str) -> (String, String) {
    (name.to_string(), rule.to_string())
}

#[test]
fn each_rule_fires_at_its_limit_and_not_before() {
    if let Err(why) = support::engine_ready() {
        support::skip("each_rule_fires_at_its_limit_and_not_before", &why);
        return;
    }
    if !support::is_root() {
        support::skip("each_rule_fires_at_its_limit_and_not_before", "needs root");
        return;
    }
    let s = Scene::new();
    let sleep = ["sleep", "3600"];
    for (what, owner, gpu) in [
        ("idle", "lc-user", 0),
        ("busy", "lc-user", 1),
        ("long", "lc-user", 2),
        ("exempt", "lc-exempt", 3),
    ] {
        let name = s.create(what, owner, Some(gpu), &sleep);
        assert!(docker_ok(&["start", &name]));
    }
    let stopped_gpu = s.create("stopped-gpu", "lc-user", Some(4), &["true"]);
    let stopped = s.create("stopped", "lc-user", None, &["true"]);
    let kept = s.create("kept", "lc-user", None, &["touch", "/.ds01-keep"]);
    for name in [&stopped_gpu, &stopped, &kept] {
        assert!(docker_ok(&["start", "-a", name]));
    }
    s.create("created", "lc-user", None, &sleep);
    // Every container started, stopped or was made before this moment.
    let r = real_now() + 1;

    // A dry run shows what is due and changes nothing.
    let (_, report, _) = s.run(r + 3660, &["--dry-run"]);
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        s.acted(&report),
        [
            pair("created", "created_container_timeout_m"),
            pair("stopped", "container_hold_after_stop_h"),
            pair("stopped-gpu", "gpu_hold_after_stop_h"),
        ]
    );
    assert!(report["actions"][0]["result"].is_null());
    assert_eq!(s.state("stopped"), "exited");
    assert_eq!(s.state("created"), "created");
    assert!(!s.scratch.root.join("state/lifecycle").exists());
    assert!(!s.log.exists(), "a dry run writes no log");

    // A run that cannot read the utilization does nothing, even though
    // holds are due.
    std::fs::write(&s.util, "0,2\n1,eighty\n").unwrap();
    let (code, report, stderr) = s.run(r + 3660, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("utilization"), "{stderr}");
    assert!(report["error"].is_string(), "{report}");
    assert_eq!(s.state("stopped"), "exited");
    std::fs::write(&s.util, "0,2\n1,80\n2,90\n3,90\n4,0\n").unwrap();

    let none: Vec<(String, String)> = Vec::new();
    // Idle samples 1 and 2; the GPU hold (900s) not reached yet.
    assert_eq!(s.acted(&s.run(r + 60, &[]).1), none);
    assert_eq!(s.acted(&s.run(r + 600, &[]).1), none);
    assert_eq!(s.acted(&s.run(r + 800, &[]).1), none);
    // GPU hold over.
    assert_eq!(
        s.acted(&s.run(r + 960, &[]).1),
        [pair("stopped-gpu", "gpu_hold_after_stop_h")]
    );
    assert_eq!(s.state("stopped-gpu"), "gone");
    // Not yet 30m since it was made.
    assert_eq!(s.acted(&s.run(r + 1700, &[]).1), none);
    // Never started for 30m; idle for 1799s since the first idle check.
    assert_eq!(
        s.acted(&s.run(r + 1859, &[]).1),
        [pair("created", "created_container_timeout_m")]
    );
    // Idle for 1800s after five idle checks.
    assert_eq!(
        s.acted(&s.run(r + 1860, &[]).1),
        [pair("idle", "idle_timeout_h")]
    );
    assert_eq!(s.state("idle"), "exited");
    assert_eq!(s.state("busy"), "running");
    // The stopped container: 1h hold not over.  (The idle one, stopped
    // just now in real time, has passed its GPU hold on the moved clock.)
    assert_eq!(
        s.acted(&s.run(r + 3500, &[]).1),
        [pair("idle", "gpu_hold_after_stop_h")]
    );
    // Hold over: removed, except the one with a keep marker.
    let (_, report, _) = s.run(r + 3660, &[]);
    assert_eq!(
        s.acted(&report),
        [pair("stopped", "container_hold_after_stop_h")]
    );
    assert_eq!(
        s.entries(&report, "held", "rule"),
        [pair("kept", "container_hold_after_stop_h")]
    );
    assert_eq!(s.state("kept"), "exited");
    // Runtime: 2h not reached, then reached (the exempt user is held).
    assert_eq!(s.acted(&s.run(r + 7100, &[]).1), none);
    let (_, report, _) = s.run(r + 7260, &[]);
    assert_eq!(
        s.acted(&report),
        [pair("busy", "max_runtime_h"), pair("long", "max_runtime_h")]
    );
    assert_eq!(
        s.entries(&report, "held", "rule"),
        [
            pair("exempt", "max_runtime_h"),
            pair("kept", "container_hold_after_stop_h")
        ]
    );
    assert_eq!(s.state("long"), "exited");
    assert_eq!(s.state("exempt"), "running");

    let log = std::fs::read_to_string(&s.log).unwrap();
    for needle in [
        "stop lc",
        "idle_timeout_h",
        "gpu_hold_after_stop_h",
        "max_runtime_h",
        "... done",
    ] {
        assert!(log.contains(needle), "{needle} not in {log}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&s.log).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the log is root's only");
}

#[test]
fn an_engine_that_does_not_answer_means_no_action() {
    if !support::is_root() {
        support::skip(
            "an_engine_that_does_not_answer_means_no_action",
            "needs root",
        );
        return;
    }
    let scratch = Scratch::new("enforce-down");
    scratch.ds01_server(LIMITS, GPUS, &[]);
    let log = scratch.root.join("lifecycle.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
    cmd.args(["ds01-lifecycle", "run"]);
    scratch.server_env(&mut cmd);
    let socket = scratch.root.join("no-engine.sock");
    let out = cmd
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .env("DS01_LIFECYCLE_LOG", &log)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing was done"), "{stderr}");
    assert!(out.stdout.is_empty());
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("nothing was done"), "{logged:?}");
    assert!(!Path::new(&scratch.root.join("state/lifecycle")).exists());
}
