//! `container-start`, `container-run` and `container-attach` against the
//! test engine, as a user of the test's own: the recorded texts of the
//! original (616 start, 566 not found, 561/615 attach on a stopped
//! container) with the names replaced, the fixes (paused containers are
//! unpaused, Docker's reason for a failed start is shown, nothing to choose
//! from exits 0), another user's container being invisible, the GPU check,
//! and a shell on a terminal followed by the post-exit menu.  Needs
//! `../shared` and an engine on `DOCKER_HOST` with the test images;
//! without them the tests say why and pass (or fail under
//! `DS01_TESTS_NEED_ENGINE`).

mod support;
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::{docker, docker_out, skip, Pty, Scratch, User, AIME_IMAGE};

const HEADER_START: &str = "\n\x1b[0;36m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m\n\x1b[1mContainer Start\x1b[0m\n\x1b[0;36m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m\n\n";

/// Everything a test needs: the scratch area (containers removed at the
/// end), the user, its links to our binary, configuration and GPUs.
struct Setup {
    scratch: Scratch,
    user: User,
    bin: PathBuf,
    config: PathBuf,
    gpus: PathBuf,
    shared: PathBuf,
    prefix: String,
}

fn setup(test: &str) -> Option<Setup> {
    let Some(shared) = support::shared_with("compat/ds01/616-container-start-stopped.txt") else {
        skip(test, "../shared is not present");
        return None;
    };
    if let Err(why) = support::engine_ready() {
        skip(test, &why);
        return None;
    }
    let scratch = Scratch::new(test);
    let uid = 29_000 + std::process::id() % 1000;
    let home = scratch.dir("home", Some((uid, uid)));
    let user = User::test_user(uid, &format!("sess{uid}"), home);
    let bin = scratch.dir("bin", None);
    for name in ["container-start", "container-run", "container-attach"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ds01"), bin.join(name)).expect("link");
    }
    let (config, gpus) = support::recording_machine(&scratch.root, &shared);
    support::chmod(&config, 0o755);
    let prefix = format!("s{}", std::process::id());
    Some(Setup {
        scratch,
        user,
        bin,
        config,
        gpus,
        shared,
        prefix,
    })
}

impl Setup {
    /// `name` (without the prefix) as the user knows it.
    fn name(&self, short: &str) -> String {
        format!("{}-{short}", self.prefix)
    }

    /// A container of `uid` made with the docker CLI (removed at the end).
    fn container(&self, short: &str, uid: u32, extra: &[&str]) -> String {
        let tag = format!("{}._.{uid}", self.name(short));
        self.scratch.container(&tag);
        let user = format!("{uid}:{uid}");
        let mut args = vec!["create", "--name", &tag, "-u", &user, "--stop-timeout", "1"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[AIME_IMAGE, "sleep", "600"]);
        docker_out(&args);
        tag
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin.join(program);
        let mut cmd = self
            .user
            .command(path.to_str().unwrap(), &self.bin, &self.gpus);
        cmd.args(args)
            .env("DS01_CONFIG_DIR", &self.config)
            .env("DS01_GPU_FIXTURE", &self.gpus);
        cmd
    }

    /// (exit code, stdout, stderr) of `program ARGS` without a terminal.
    fn run(&self, program: &str, args: &[&str]) -> (i32, String, String) {
        support::run_with_input(self.command(program, args), "")
    }

    /// The recorded stdout of a session (without the recorder's newline),
    /// with `demo` renamed.
    fn recorded(&self, session: &str, name: &str) -> String {
        let text = fs::read_to_string(self.shared.join(format!("compat/ds01/{session}.txt")))
            .expect("session");
        let start = text.find("=== stdout ===\n").expect("stdout") + 15;
        let end = text.find("\n=== stderr ===").expect("stderr");
        text[start..end].replace("demo", name)
    }
}

/// A difference from what was expected, said.
fn expect(
    what: &str,
    got: (i32, String, String),
    code: i32,
    out: &str,
    err: &str,
) -> Option<String> {
    (got != (code, out.to_string(), err.to_string()))
        .then(|| format!("{what}:\n  want {code} {out:?} {err:?}\n  got  {got:?}"))
}

fn state(tag: &str) -> String {
    docker_out(&["inspect", "-f", "{{.State.Status}}", tag])
}

#[test]
fn start_attach_and_refusals() {
    let Some(s) = setup("ds01_session_start") else {
        return;
    };
    let uid = s.user.uid;
    let mut failures = Vec::new();
    let a = s.name("a");
    let tag = s.container("a", uid, &[]);
    let nosuch = s.name("nosuch");
    let got = s.run("container-start", &[&nosuch]);
    let want = s
        .recorded("566-container-start-notfound", "")
        .replace("nosuch", &nosuch);
    failures.extend(expect("not found (566)", got, 1, &want, ""));
    let got = s.run("container-attach", &[&a]);
    failures.extend(expect(
        "attach, created (561)",
        got,
        1,
        &s.recorded("561-container-attach-stopped", &a),
        "",
    ));
    let got = s.run("container-start", &[&a]);
    failures.extend(expect(
        "start (616)",
        got,
        0,
        &s.recorded("616-container-start-stopped", &a),
        "",
    ));
    let again = format!("{HEADER_START}\x1b[1;33mContainer '{a}' is already running\x1b[0m\n\nEnter it: \x1b[0;32mcontainer-run {a}\x1b[0m\n");
    failures.extend(expect(
        "start again",
        s.run("container-start", &[&a]),
        0,
        &again,
        "",
    ));
    let (code, _, err) = s.run("container-attach", &[&a]);
    failures.extend(expect(
        "attach without a terminal",
        (code, String::new(), err),
        1,
        "",
        "the input device is not a TTY\n",
    ));

    // Fixed: a paused container is unpaused, not "already running".
    docker_out(&["pause", &tag]);
    let (code, out, _) = s.run("container-start", &[&a]);
    if code != 0 || !out.contains("Container is paused. Unpausing...") || state(&tag) != "running" {
        failures.push(format!("paused: {code} {out:?} {}", state(&tag)));
    }

    // Another user's container of that name does not exist for us.
    s.container("b", uid + 1, &[]);
    let (code, out, _) = s.run("container-start", &[&s.name("b")]);
    if code != 1 || !out.contains("does not exist") {
        failures.push(format!("other user's: {code} {out:?}"));
    }

    // Fixed (S11): why a start failed.
    s.container("f", uid, &["--device", "/dev/ds01-no-such-device"]);
    let (code, out, err) = s.run("container-start", &[&s.name("f")]);
    if code != 1
        || !out.ends_with("\x1b[0;31m✗\x1b[0m Failed to start container\n")
        || !err.starts_with("Error response from daemon: ")
    {
        failures.push(format!("failed start: {code} {out:?} {err:?}"));
    }

    // A GPU that is gone.
    let gone = "GPU-dead0000-1111-2222-3333-444444444444";
    s.container("g", uid, &["--label", &format!("ds01.gpu.uuid={gone}")]);
    let g = s.name("g");
    let want = format!("{HEADER_START}\x1b[0;31mGPU {gone} is no longer available\x1b[0m\n\nRecreate container: \x1b[0;32mcontainer-remove {g} && container-create {g}\x1b[0m\nWorkspace files are safe in: \x1b[2m~/workspace/{g}/\x1b[0m\n");
    failures.extend(expect(
        "GPU gone",
        s.run("container-start", &[&g]),
        1,
        &want,
        "",
    ));

    // Nothing stopped to choose from: the original's intended exit 0.
    let want = format!("{HEADER_START}No selection made. Exiting.\n");
    let none = "\x1b[1;33mNo stopped containers found\x1b[0m\n";
    failures.extend(expect(
        "no candidates",
        s.run("container-start", &[]),
        0,
        &want,
        none,
    ));

    let (code, out, _) = s.run("container-start", &["x", "y"]);
    if code != 1 || !out.starts_with("\x1b[0;31mToo many arguments\x1b[0m\n") {
        failures.push(format!("too many: {code} {out:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn run_opens_a_shell_then_the_menu() {
    let Some(s) = setup("ds01_session_run") else {
        return;
    };
    let uid = s.user.uid;
    let tag = s.container("r", uid, &[]);
    let r = s.name("r");

    let pty = |program: &str| Pty::spawn(s.command(program, &[&r]));
    let mut run = pty("container-run");
    assert!(
        run.wait_for("exit the container", Duration::from_secs(20)),
        "{}",
        run.output()
    );
    std::thread::sleep(Duration::from_millis(300));
    run.send("echo in-$(id -u)-side; exit\r");
    assert!(
        run.wait_for("Choose [1=keep", Duration::from_secs(20)),
        "{}",
        run.output()
    );
    run.send("\r");
    let (code, out) = run.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{out}");
    for want in [
        "Starting container...",
        "Opening container '",
        &format!("in-{uid}-side"),
        "Container Session Ended",
        "\x1b[0m Container kept running",
    ] {
        assert!(out.contains(want), "{want:?} missing in {out}");
    }
    assert_eq!(state(&tag), "running");

    // attach, then an answer that is neither 1 nor 2: kept.
    let mut attach = pty("container-attach");
    assert!(
        attach.wait_for("exit the container", Duration::from_secs(20)),
        "{}",
        attach.output()
    );
    std::thread::sleep(Duration::from_millis(300));
    attach.send("exit 3\r");
    assert!(
        attach.wait_for("Choose [1=keep", Duration::from_secs(20)),
        "{}",
        attach.output()
    );
    attach.send("9\r");
    let (code, out) = attach.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("Invalid choice. Keeping container running."),
        "{out}"
    );
    let _ = docker(&["rm", "-f", &tag]);
}
