//! `container-list` and `container-stats` against a real engine: a user
//! sees exactly their own containers (tag `NAME._.UID` with their uid),
//! in every state, and never another user's (not even one whose name
//! merely contains their uid); the figures and limits come from the
//! engine.  Needs root (to run as test uids) and an engine on
//! `DOCKER_HOST` with the test image (compat-tests/engine); otherwise the
//! test says why and passes, or fails under `DS01_TESTS_NEED_ENGINE`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::{docker, docker_out, Scratch, User, BASE};

const OWNER: u32 = 24301;
const OTHER: u32 = 24302;

/// Why the test cannot run here, if it cannot.
fn unable() -> Option<String> {
    if !support::is_root() {
        return Some("needs root (to run as test uids)".into());
    }
    support::engine_ready().err()
}

/// `docker run`/`create` of the test image with `args`, named `name`.
fn make(scratch: &Scratch, verb: &str, name: &str, args: &[&str], cmd: &[&str]) {
    scratch.container(name);
    let mut all = vec![verb, "--name", name];
    if verb == "run" {
        all.push("-d");
    }
    all.extend_from_slice(args);
    all.push(BASE);
    all.extend_from_slice(cmd);
    docker_out(&all);
}

/// `program ARGS` as `user` (our binary under that command name).
fn run(user: &User, bin: &Path, program: &str, args: &[&str]) -> Output {
    let catalog = bin.join("none.repo");
    let mut cmd = user.command(bin.join(program).to_str().expect("path"), bin, &catalog);
    cmd.args(args);
    cmd.output().expect("run our binary")
}

fn stdout(o: &Output) -> String {
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

struct Fixture {
    scratch: Scratch,
    bin: PathBuf,
    owner: User,
    tag: String,
}

/// The owner's containers (newest last): `exited`, `created` (with a GPU
/// request and a workspace), `paused`, `running` (1 CPU, 1 GiB); and
/// containers of somebody else, one of them named with the owner's uid
/// inside a longer one.
fn fixture() -> Fixture {
    let scratch = Scratch::new("ds01-listing");
    let bin = scratch.dir("bin", None);
    for program in ["container-list", "container-stats"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ds01"), bin.join(program)).expect("link");
    }
    let workspace = scratch.dir("workspace", None);
    let home = scratch.dir("home", Some((OWNER, OWNER)));
    let tag = format!("h1l{}", std::process::id());
    let mine = |n: &str| format!("{tag}{n}._.{OWNER}");
    make(&scratch, "run", &mine("exited"), &[], &["true"]);
    let bind = format!("{}:/workspace", workspace.display());
    let gpu = ["--gpus", "device=GPU-0a0a0a0a-1111-2222-3333-000000000000"];
    make(
        &scratch,
        "create",
        &mine("created"),
        &[&gpu[..], &["-v", &bind]].concat(),
        &["sleep", "1000"],
    );
    make(&scratch, "run", &mine("paused"), &[], &["sleep", "1000"]);
    docker_out(&["pause", &mine("paused")]);
    let limits = ["--cpus", "1", "--memory", "1g"];
    make(
        &scratch,
        "run",
        &mine("running"),
        &limits,
        &["sleep", "1000"],
    );
    make(
        &scratch,
        "run",
        &format!("{tag}x._.{OTHER}"),
        &[],
        &["sleep", "1000"],
    );
    make(
        &scratch,
        "run",
        &format!("{tag}y._.{OWNER}0"),
        &[],
        &["sleep", "1000"],
    );
    let _ = docker(&["wait", &mine("exited")]);
    let owner = User::test_user(OWNER, "h1owner", home);
    Fixture {
        scratch,
        bin,
        owner,
        tag,
    }
}

/// One fixture for both checks: the engine's containers are shared, so
/// the two must not run side by side.
#[test]
fn lists_and_stats_of_own_containers() {
    if let Some(why) = unable() {
        support::skip("ds01_listing", &why);
        return;
    }
    let f = fixture();
    each_user_sees_exactly_their_containers(&f);
    stats_show_only_own_running_containers(&f);
}

fn each_user_sees_exactly_their_containers(f: &Fixture) {
    let t = &f.tag;
    let running_only = plain(&stdout(&run(&f.owner, &f.bin, "container-list", &[])));
    assert!(
        running_only.contains(&format!(
            "1. {t}running\n   Status: ● Running\n   Image:  ds01-test/busybox\n"
        )),
        "{running_only}"
    );
    assert!(
        running_only.contains("Total: 1 container(s)  •  1 running\n\n"),
        "{running_only}"
    );
    for absent in ["paused", "created", "exited", "x", "y"] {
        assert!(
            !running_only.contains(&format!("{t}{absent}")),
            "{running_only}"
        );
    }

    let all = plain(&stdout(&run(
        &f.owner,
        &f.bin,
        "container-list",
        &["--all"],
    )));
    let order: Vec<&str> = all.lines().filter(|l| l.contains(t.as_str())).collect();
    let expected = [
        "1. {t}running",
        "2. {t}paused",
        "3. {t}created",
        "4. {t}exited",
    ];
    let expected: Vec<String> = expected.iter().map(|e| e.replace("{t}", t)).collect();
    assert_eq!(order, expected, "{all}");
    assert!(all.contains("   Status: ● Paused\n"), "{all}");
    assert!(
        all.contains("   Status: ○ Created\n   Image:  ds01-test/busybox\n   Time:   Created\n\n"),
        "{all}"
    );
    assert!(
        all.contains("   Status: ○ Stopped\n   Image:  ds01-test/busybox\n   Time:   stopped\n\n"),
        "{all}"
    );
    assert!(
        all.contains("Total: 4 container(s)  •  1 running\n       1 paused\n       2 stopped\n"),
        "{all}"
    );

    let detailed = plain(&stdout(&run(
        &f.owner,
        &f.bin,
        "container-list",
        &["-a", "-d"],
    )));
    let created = detailed.split("━━━ Container #3").nth(1).expect("third");
    assert!(
        created.contains("  GPU:        Enabled\n\nMounts:\n  Workspace:  /tmp/e2e-ds01-listing-"),
        "{detailed}"
    );
    let running = detailed.split("━━━ Container #1").nth(1).expect("first");
    assert!(
        running.contains("  CPUs:       1 cores\n  Memory:     1GB\n  GPU:        CPU-only\n"),
        "{detailed}"
    );

    let other = User::test_user(
        OTHER,
        "h1other",
        f.scratch.dir("other", Some((OTHER, OTHER))),
    );
    let theirs = plain(&stdout(&run(&other, &f.bin, "container-list", &["-a"])));
    assert!(
        theirs.contains(&format!("1. {t}x\n")) && theirs.contains("Total: 1 container(s)"),
        "{theirs}"
    );
}

fn stats_show_only_own_running_containers(f: &Fixture) {
    let t = &f.tag;
    let table = plain(&stdout(&run(
        &f.owner,
        &f.bin,
        "container-stats",
        &["--no-trunc"],
    )));
    let header = "NAME                 CPU %    MEM USAGE / LIMIT      MEM %    NET I/O         BLOCK I/O       PIDS  \n";
    assert!(table.contains(header), "{table}");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with(t.as_str()))
        .collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows[0].starts_with(&format!("{t}running")) && rows[1].starts_with(&format!("{t}paused")),
        "{table}"
    );
    assert!(rows[0].contains(" / 1GiB "), "{table}");
    assert!(table.contains("Total running: 2 container(s)\n"), "{table}");

    let named = plain(&stdout(&run(
        &f.owner,
        &f.bin,
        "container-stats",
        &[&format!("{t}running")],
    )));
    assert!(
        named.contains(
            "━━━ Resource Limits ━━━\n\n  CPU Limit:    1 cores\n  Memory Limit: 1GB\n\n"
        ),
        "{named}"
    );
    assert!(named.contains("Total running: 1 container(s)\n"), "{named}");

    let stopped = plain(&stdout(&run(
        &f.owner,
        &f.bin,
        "container-stats",
        &[&format!("{t}created")],
    )));
    assert!(
        stopped.contains(&format!(
            "No running containers found\n\nStart container: container-run {t}created\n\n"
        )),
        "{stopped}"
    );
    let too_many = run(&f.owner, &f.bin, "container-stats", &["a", "b"]);
    assert_eq!(too_many.status.code(), Some(1));
    assert!(plain(&String::from_utf8_lossy(&too_many.stdout)).starts_with("✗ Too many arguments\n"));
}
