//! `container-list --json`, `container-stats --json` and `mlc-stats`
//! against a real engine, as two real accounts: each sees exactly their
//! own containers (tag `NAME._.UID` with their uid), never the other's,
//! not even one labelled `ds01.user=<them>`; the JSON carries the limits,
//! GPUs and figures the engine has.  Needs root (accounts, uid switching)
//! and an engine on `DOCKER_HOST` with the test image
//! (compat-tests/engine); otherwise the test says why and passes, or fails
//! under `DS01_TESTS_NEED_ENGINE`.

mod support;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Mutex;
use support::{docker_out, Scratch, User, BASE};

const OWNER: (u32, &str) = (24311, "h10owner");
const OTHER: (u32, &str) = (24312, "h10other");
const GPU: &str = "GPU-0a0a0a0a-1111-2222-3333-000000000000";
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 1\n  max_containers_per_user: 3\n\
default_group: student\ngroups:\n  student: {}\n";

static SERIAL: Mutex<()> = Mutex::new(());

struct Fixture {
    scratch: Scratch,
    bin: PathBuf,
    config: PathBuf,
    tag: String,
}

/// `docker run -d` (or `create`) of the test image named `name`.
fn make(scratch: &Scratch, verb: &str, name: &str, args: &[&str]) {
    scratch.container(name);
    let mut all = vec![verb, "--name", name];
    if verb == "run" {
        all.push("-d");
    }
    all.extend_from_slice(args);
    all.extend_from_slice(&[BASE, "sleep", "1000"]);
    docker_out(&all);
}

/// The owner's containers: `running` (1.5 CPUs, 1 GiB, 100 pids, a GPU
/// label) and `stopped`; the other's `theirs`, and one of the other's
/// labelled as the owner's (a forged label).
fn fixture() -> Fixture {
    let scratch = Scratch::new("ds01-stats-json");
    let bin = scratch.dir("bin", None);
    for program in ["container-list", "container-stats", "mlc-stats-wrapper"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ds01"), bin.join(program)).expect("link");
    }
    let config = scratch.dir("config", None);
    std::fs::write(config.join("resource-limits.yaml"), LIMITS).expect("limits");
    let tag = format!("h10j{}", std::process::id());
    let owner_label = format!("ds01.user={}", OWNER.1);
    let gpu_label = format!("ds01.gpu.uuids={GPU}");
    let limits = ["--cpus", "1.5", "--memory", "1g", "--pids-limit", "100"];
    let running_args = [&limits[..], &["--label", &gpu_label]].concat();
    make(
        &scratch,
        "run",
        &format!("{tag}running._.{}", OWNER.0),
        &running_args,
    );
    make(
        &scratch,
        "create",
        &format!("{tag}stopped._.{}", OWNER.0),
        &[],
    );
    make(&scratch, "run", &format!("{tag}theirs._.{}", OTHER.0), &[]);
    make(
        &scratch,
        "create",
        &format!("{tag}forged._.{}", OTHER.0),
        &["--label", &owner_label],
    );
    Fixture {
        scratch,
        bin,
        config,
        tag,
    }
}

impl Fixture {
    fn user(&self, who: (u32, &str)) -> User {
        User {
            uid: who.0,
            gid: who.0,
            login: who.1.to_string(),
            home: self.scratch.dir(who.1, Some((who.0, who.0))),
        }
    }

    /// `program ARGS` as `who`, with the fixture's DS01 configuration.
    fn run(&self, who: (u32, &str), program: &str, args: &[&str]) -> Output {
        let user = self.user(who);
        let catalog = self.bin.join("none.repo");
        let path = self.bin.join(program);
        let mut cmd = user.command(path.to_str().expect("path"), &self.bin, &catalog);
        cmd.env("DS01_CONFIG_DIR", &self.config).args(args);
        cmd.output().expect("run our binary")
    }

    /// The JSON array `program --json ARGS` prints, only this test's
    /// containers.
    fn json(&self, who: (u32, &str), program: &str, args: &[&str]) -> Vec<Value> {
        let out = self.run(who, program, &[&["--json"], args].concat());
        assert!(out.status.success(), "{out:?}");
        let parsed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        let all = parsed.as_array().expect("an array").clone();
        all.into_iter()
            .filter(|o| o["name"].as_str().is_some_and(|n| n.starts_with(&self.tag)))
            .collect()
    }
}

/// One fixture for all checks: the engine's containers are shared.
#[test]
fn json_and_mlc_stats_show_only_own_containers() {
    let Some(_serial) = support::with_accounts("ds01_stats_json", &SERIAL, &[OWNER, OTHER]) else {
        return;
    };
    let f = fixture();
    list_json(&f);
    stats_json(&f);
    mlc_stats_of_each_user(&f);
}

fn names(objects: &[Value]) -> Vec<&str> {
    objects.iter().filter_map(|o| o["name"].as_str()).collect()
}

fn list_json(f: &Fixture) {
    let t = &f.tag;
    let running = f.json(OWNER, "container-list", &[]);
    assert_eq!(names(&running), [format!("{t}running")], "{running:?}");
    let o = &running[0];
    assert_eq!(o["user"], OWNER.1);
    assert_eq!(o["tag"], format!("{t}running._.{}", OWNER.0));
    assert_eq!(o["image"], BASE);
    assert_eq!(o["state"], "running");
    assert_eq!(o["gpus"], serde_json::json!([GPU]));
    let limits = serde_json::json!({"cpus": 1.5, "memory": 1u64 << 30, "pids": 100});
    assert_eq!(o["limits"], limits);
    assert!(o.get("usage").is_none(), "{o}");

    let all = f.json(OWNER, "container-list", &["--all"]);
    let mut seen = names(&all);
    seen.sort();
    assert_eq!(seen, [format!("{t}running"), format!("{t}stopped")]);
    let stopped = all
        .iter()
        .find(|o| o["name"] == format!("{t}stopped"))
        .expect("stopped");
    assert_eq!(stopped["gpus"], serde_json::json!([]));
    let unlimited = serde_json::json!({"cpus": null, "memory": null, "pids": null});
    assert_eq!(stopped["limits"], unlimited);

    let theirs = f.json(OTHER, "container-list", &["-a"]);
    let mut seen = names(&theirs);
    seen.sort();
    assert_eq!(seen, [format!("{t}forged"), format!("{t}theirs")]);
    assert!(theirs.iter().all(|o| o["user"] == OTHER.1));
}

fn stats_json(f: &Fixture) {
    let t = &f.tag;
    let stats = f.json(OWNER, "container-stats", &[]);
    assert_eq!(names(&stats), [format!("{t}running")], "{stats:?}");
    let usage = &stats[0]["usage"];
    assert_eq!(usage["memory_limit"], 1u64 << 30, "{usage}");
    assert!(
        usage["memory_used"].as_u64().is_some_and(|m| m > 0),
        "{usage}"
    );
    assert!(usage["cpu_percent"].as_f64().is_some(), "{usage}");
    assert!(usage["pids"].as_u64().is_some_and(|p| p >= 1), "{usage}");
    assert_eq!(stats[0]["limits"]["pids"], 100);

    let named = f.json(OWNER, "container-stats", &[&format!("{t}stopped")]);
    assert!(named.is_empty(), "{named:?}");
    let not_mine = f.json(OWNER, "container-stats", &[&format!("{t}theirs")]);
    assert!(not_mine.is_empty(), "{not_mine:?}");
}

fn mlc_stats_of_each_user(f: &Fixture) {
    let t = &f.tag;
    let out = f.run(OWNER, "mlc-stats-wrapper", &[]);
    assert!(out.status.success(), "{out:?}");
    let page = plain(&String::from_utf8_lossy(&out.stdout));
    assert!(
        page.starts_with(&format!("━━━ Container Statistics for {} ━━━\n\n", OWNER.1)),
        "{page}"
    );
    let running = format!("Container: {t}running\n  Status: running\n  Image: \n  Created: ");
    assert!(page.contains(&running), "{page}");
    assert!(
        page.contains("  CPU: ") && page.contains(" / 1GiB ("),
        "{page}"
    );
    let stopped = format!("Container: {t}stopped\n  Status: created\n");
    assert!(page.contains(&stopped), "{page}");
    for absent in ["theirs", "forged"] {
        assert!(!page.contains(&format!("{t}{absent}")), "{page}");
    }
    let limits = format!(
        "Your Resource Limits:\n\nResource limits for user '{}'",
        OWNER.1
    );
    assert!(page.contains(&limits), "{page}");
    assert!(
        page.ends_with("  Stop container: mlc-stop <name>\n"),
        "{page}"
    );

    let mine_by_name = f.run(OWNER, "mlc-stats-wrapper", &[OWNER.1]);
    assert!(mine_by_name.status.success(), "{mine_by_name:?}");

    let theirs = plain(&stdout_of(&f.run(OTHER, "mlc-stats-wrapper", &[])));
    assert!(
        theirs.contains(&format!("Container: {t}theirs\n")),
        "{theirs}"
    );
    assert!(
        theirs.contains(&format!("Container: {t}forged\n")),
        "{theirs}"
    );
    assert!(!theirs.contains(&format!("{t}running")), "{theirs}");

    let refused = f.run(OTHER, "mlc-stats-wrapper", &[OWNER.1]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(refused.stdout.is_empty(), "{refused:?}");
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains(&format!("'{}' is not you", OWNER.1)), "{why}");
}

fn stdout_of(o: &Output) -> String {
    assert!(o.status.success(), "{o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The escapes removed, for readable assertions.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}
