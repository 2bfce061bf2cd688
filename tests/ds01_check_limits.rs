//! `check-limits` against the recorded sessions of the original that need
//! no containers (`../shared/compat/ds01/061`, `062`, `063`, `120`: `--help`,
//! `-h`, `--info` and an unknown flag all print the dashboard of a user
//! without containers) and against those with a GPU held (629, 630), whose
//! state (in the recording made by an earlier `container-deploy`, which the
//! replay cannot run yet) the second test makes itself.  The recording
//! machine's configuration is assembled in a temporary directory and its
//! fake `nvidia-smi -L` becomes `DS01_GPU_FIXTURE`.  Each test runs for a
//! user of its own (a student like the recordings' alice, whose name the
//! dashboards show instead of hers), so that containers of other users on
//! the engine change nothing.  Needs `../shared` and an engine on
//! `DOCKER_HOST` (an engine that does not answer is an error, not "no
//! containers"); without them the tests say why and pass, or fail under
//! `DS01_TESTS_NEED_ENGINE`.

mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::skip;

const SESSIONS: [&str; 4] = [
    "061-check-limits-help",
    "062-check-limits-h",
    "063-check-limits-info",
    "120-check-limits-unknown-opt",
];

fn shared() -> Option<PathBuf> {
    support::shared_with("data/resource-limits.yaml")
}

/// `DOCKER_HOST` of an engine that answers (and has the test image, when
/// `image`), or None once `test` has been skipped.
fn engine(test: &str, image: bool) -> Option<String> {
    let docker = |args: &[&str]| {
        Command::new("docker")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let Ok(host) = std::env::var("DOCKER_HOST") else {
        skip(test, "DOCKER_HOST is not set");
        return None;
    };
    if !docker(&["version"]) {
        skip(test, "no engine answers on DOCKER_HOST");
        return None;
    }
    if image && !docker(&["image", "inspect", "ds01-test/busybox:latest"]) {
        skip(test, "the engine lacks ds01-test/busybox:latest");
        return None;
    }
    Some(host)
}

/// A user name of the test's own: no account, group file or override
/// names it, so it is a student without containers, as alice was.
fn own_user(what: &str) -> String {
    format!("{what}{}", std::process::id())
}

/// The recorded dashboard as `user` sees it: the title names the user.
fn as_user(recorded: &str, user: &str) -> String {
    let alice = "\x1b[0;34malice\x1b[0m (student)";
    assert_eq!(recorded.matches(alice).count(), 1, "{recorded:?}");
    recorded.replace(alice, &format!("\x1b[0;34m{user}\x1b[0m (student)"))
}

/// The command line, stdout (without the recorder's final newline) and
/// exit code of a recorded session.
fn recorded(path: &Path) -> (Vec<String>, String, i32) {
    let text = fs::read_to_string(path).expect("session readable");
    let command = text
        .lines()
        .find_map(|l| l.strip_prefix("# command: "))
        .expect("command line");
    let args = command
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect();
    let out_mark = "=== stdout ===\n";
    let out_at = text.find(out_mark).expect("stdout section") + out_mark.len();
    let err_at = text.find("\n=== stderr ===\n").expect("stderr section");
    let stdout = text[out_at..err_at].to_string();
    let exit = text
        .split("=== exit: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|c| c.parse().ok())
        .expect("exit code");
    (args, stdout, exit)
}

/// `ds01 check-limits ARGS` (or `get-limits`) as `user` (the recordings':
/// alice), in a clean environment over the given configuration, GPUs and
/// engine.
fn check_limits(
    name: &str,
    args: &[String],
    user: &str,
    home: &Path,
    config: &Path,
    gpus: &Path,
    engine: &str,
) -> std::process::Output {
    support::ds01_clean()
        .arg(name)
        .args(args)
        .env("USER", user)
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("DS01_CONFIG_DIR", config)
        .env("DS01_GPU_FIXTURE", gpus)
        .env("DOCKER_HOST", engine)
        .output()
        .expect("run ds01")
}

/// The recording machine's configuration, GPUs and an empty home, in a
/// fresh temporary directory.
struct Scratch {
    dir: PathBuf,
    config: PathBuf,
    gpus: PathBuf,
    home: PathBuf,
}

impl Scratch {
    fn new(name: &str, shared: &Path) -> Scratch {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (config, gpus) = support::recording_machine(&dir, shared);
        let home = dir.join("home");
        fs::create_dir_all(&home).expect("home");
        Scratch {
            dir,
            config,
            gpus,
            home,
        }
    }
}

#[test]
fn recorded_dashboards_without_containers() {
    let test = "recorded_dashboards_without_containers";
    let Some(shared) = shared() else {
        skip(test, "../shared is not present");
        return;
    };
    let Scratch {
        dir,
        config,
        gpus,
        home,
    } = Scratch::new("ds01-check-limits", &shared);
    let no_engine = format!("unix://{}/no-engine.sock", dir.display());
    let mut failures = Vec::new();

    // An engine that does not answer is an error, not an idle dashboard.
    let out = check_limits(
        "check-limits",
        &[],
        "alice",
        &home,
        &config,
        &gpus,
        &no_engine,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1) || !stderr.contains("Cannot connect to the Docker daemon") {
        failures.push(format!("no engine: {out:?}"));
    }

    if let Some(host) = engine(test, false) {
        let user = own_user("clfree");
        for name in SESSIONS {
            let (args, want, exit) = recorded(&shared.join(format!("compat/ds01/{name}.txt")));
            let want = as_user(&want, &user);
            let out = check_limits("check-limits", &args, &user, &home, &config, &gpus, &host);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stdout != want || !stderr.is_empty() || out.status.code() != Some(exit) {
                failures.push(format!(
                    "{name}\n  want {exit} {want:?}\n  got  {:?} {stdout:?} {stderr:?}",
                    out.status.code()
                ));
            }
        }

        // No configuration: the original's message, exit 1.
        let out = check_limits(
            "check-limits",
            &[],
            &user,
            &home,
            &dir.join("missing"),
            &gpus,
            &host,
        );
        if out.stdout != b"\x1b[0;31mCould not retrieve limits. Contact admin.\x1b[0m\n"
            || out.status.code() != Some(1)
        {
            failures.push(format!("missing config: {out:?}"));
        }

        // The alias answers the same.
        let out = check_limits("get-limits", &[], &user, &home, &config, &gpus, &host);
        let (_, want, _) = recorded(&shared.join(format!("compat/ds01/{}.txt", SESSIONS[0])));
        if String::from_utf8_lossy(&out.stdout) != as_user(&want, &user) {
            failures.push(format!("get-limits differs from check-limits: {out:?}"));
        }
    }

    let _ = fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Sessions 629 and 630: alice has one running container holding a GPU
/// (in the recording it came from an earlier `container-deploy`, which the
/// replay harness cannot run yet).  The same state is made here with the
/// docker CLI, for a user of the test's own.
#[test]
fn recorded_dashboards_with_a_gpu_container() {
    let test = "recorded_dashboards_with_a_gpu_container";
    let Some(shared) = shared() else {
        skip(test, "../shared is not present");
        return;
    };
    let Some(host) = engine(test, true) else {
        return;
    };
    let docker = |args: &[&str]| {
        Command::new("docker")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
    };
    let user = own_user("clgpu");
    let label = format!("ds01.user={user}");
    let leftovers = docker(&["ps", "-aq", "--filter", &format!("label={label}")])
        .map(|o| o.stdout)
        .unwrap_or_default();
    assert!(
        leftovers.is_empty(),
        "containers of {user} exist before the test"
    );
    let Scratch {
        dir,
        config,
        gpus,
        home,
    } = Scratch::new("ds01-check-limits-gpu", &shared);

    let name = format!("cl-demo-{}", std::process::id());
    let made = docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        &label,
        "--label",
        "ds01.managed=true",
        "--label",
        "ds01.gpu.uuids=MIG-2c000000-aaaa-bbbb-cccc-000000000000",
        "ds01-test/busybox:latest",
        "sleep",
        "600",
    ])
    .expect("docker run");
    assert!(made.status.success(), "{made:?}");

    let mut failures = Vec::new();
    for session in ["629-check-limits-with-gpu", "630-check-limits-verbose"] {
        let (args, want, exit) = recorded(&shared.join(format!("compat/ds01/{session}.txt")));
        let want = as_user(&want, &user);
        let out = check_limits("check-limits", &args, &user, &home, &config, &gpus, &host);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout != want || out.status.code() != Some(exit) {
            failures.push(format!(
                "{session}\n  want {exit} {want:?}\n  got  {:?} {stdout:?}",
                out.status.code()
            ));
        }
    }
    let _ = docker(&["rm", "-f", &name]);
    let _ = fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
