//! Fuzzing of the built binary, kept in the suite: many argument vectors per
//! command, and many mutated `resource-limits.yaml` files, each run as
//! `ds01 <command> ...` with no Docker engine (`DOCKER_HOST` names a socket
//! that does not exist, so nothing can be created and every engine error
//! must be a clean one).  Every run must end by itself within 10 s, without
//! a panic (exit 101, "panicked" on stderr) or a signal, with one of the exit
//! codes its spec documents (`exit_codes` in `spec/ds01/*.yaml` and
//! `spec/mlc.yaml`).
//!
//! The material: empty strings, 10 000-character strings, `-`, `--`, `=`,
//! unicode and bytes that are not UTF-8, `nan`, `inf`, `-1`, `1e309`,
//! `../../etc/passwd`, the option names of the specs with and without
//! values, and random combinations from a PRNG seeded here (the same runs
//! every time: a failure names the arguments that produced it).
//!
//! Everything a command may write goes to a scratch directory: the state
//! directory, `$HOME`, the working directory.  `mlc create` gets a small
//! image catalog and an `apt` on `$PATH` that reports CUDA, so that it gets
//! past host detection; its runs carry `-i` or an invalid container name.
//! `mlc-create-wrapper` always gets `--dry-run`.
//!
//! Without an engine `mlc-create-wrapper` stops before it reads the limits,
//! so each mutated configuration is also given to one dry run against a
//! [`FakeEngine`] that holds no containers and answers nothing but reads;
//! `mlc_create_stops_at_an_unusable_limit` uses it to show that a limit
//! `Limits::check` refuses stops the create before the allocator is asked.

use serde_yaml::Value;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ds01");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// A run still going after this long is a hang.
const TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// A small deterministic PRNG (splitmix64).

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// ---------------------------------------------------------------------------
// The scratch directory every run uses.

struct Scratch {
    root: PathBuf,
    /// `DS01_CONFIG_DIR` of the argument fuzz: the recorded configuration.
    config: PathBuf,
    state: PathBuf,
    home: PathBuf,
    /// Holds the fake `apt`; first on `$PATH`.
    bin: PathBuf,
    catalog: PathBuf,
    path: OsString,
}

/// The recording machine's configuration, or (without `../shared`) a small
/// one of the same shape.
fn recorded_limits() -> String {
    let shared = Path::new(ROOT).join("../shared/data/resource-limits.yaml");
    fs::read_to_string(shared).unwrap_or_else(|_| BASE_YAML.to_string())
}

const CATALOG: &str = "\
Pytorch, 2.5.1, [CUDA_ADA], aimehub/pytorch-2.5.1-aime-cuda12.1.1
Pytorch, 2.4.0, [CUDA_ADA], aimehub/pytorch-2.4.0-cuda12.1
Tensorflow, 2.14.0, [CUDA_ADA], aimehub/tensorflow-2.14.0-cuda12.1
";

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let root = std::env::temp_dir().join(format!("ds01-fuzz-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let bin = root.join("bin");
        let mut path = bin.clone().into_os_string();
        path.push(":/usr/bin:/bin");
        let s = Scratch {
            config: root.join("config"),
            state: root.join("state"),
            home: root.join("home"),
            bin,
            catalog: root.join("ml_images.repo"),
            path,
            root,
        };
        for d in [&s.config, &s.state, &s.home, &s.bin] {
            fs::create_dir_all(d).expect("scratch directory");
        }
        fs::write(s.config.join("resource-limits.yaml"), recorded_limits()).expect("limits");
        fs::write(&s.catalog, CATALOG).expect("catalog");
        let apt = s.bin.join("apt");
        fs::write(
            &apt,
            "#!/bin/sh\necho 'cuda-toolkit-12-1/now 12.1.1-1 amd64 [installed]'\n",
        )
        .expect("fake apt");
        fs::set_permissions(&apt, fs::Permissions::from_mode(0o755)).expect("chmod apt");
        s
    }

    /// A configuration directory holding `yaml` as its limits file.
    fn config_dir(&self, name: &str, yaml: &[u8]) -> PathBuf {
        let dir = self.root.join(name);
        fs::create_dir_all(&dir).expect("config dir");
        fs::write(dir.join("resource-limits.yaml"), yaml).expect("yaml");
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

// ---------------------------------------------------------------------------
// Running the binary.

struct Case {
    args: Vec<OsString>,
    config: PathBuf,
    /// The exit codes the command documents.
    allowed: Vec<i32>,
    /// `None`: no engine (`unix:///nonexistent`); else the socket of a
    /// [`FakeEngine`] and the state directory for this case alone.
    engine: Option<(PathBuf, PathBuf)>,
}

/// The arguments of a case, short enough for a failure message.
fn shown(args: &[OsString]) -> String {
    let words: Vec<String> = args
        .iter()
        .map(|a| {
            let s = a.to_string_lossy();
            if s.chars().count() > 40 {
                format!(
                    "{:?}...({} chars)",
                    s.chars().take(20).collect::<String>(),
                    s.chars().count()
                )
            } else {
                format!("{s:?}")
            }
        })
        .collect();
    words.join(" ")
}

/// `ds01 ARGS` with the scratch environment and nothing else: no engine
/// unless `engine` names one.  Under root, `SUDO_USER` makes
/// `mlc-create-wrapper` create for `nobody` (it refuses root itself).
fn command(s: &Scratch, case: &Case) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(&case.args)
        .current_dir(&s.home)
        .env_clear()
        .env("PATH", &s.path)
        .env("HOME", &s.home)
        .env("USER", "fuzz")
        .env("SUDO_USER", "nobody")
        .env("DS01_CONFIG_DIR", &case.config)
        .env(
            "DS01_GPU_FIXTURE",
            Path::new(ROOT).join("tests/fixtures/recording-nvidia-smi-L.txt"),
        )
        .env("DS01_MLC_CATALOG", &s.catalog)
        .env("DS01_LOCK_TIMEOUT", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &case.engine {
        None => cmd
            .env("DOCKER_HOST", "unix:///nonexistent")
            .env("DS01_STATE_DIR", &s.state),
        Some((socket, state)) => cmd
            .env("DOCKER_HOST", format!("unix://{}", socket.display()))
            .env("DS01_STATE_DIR", state),
    };
    cmd
}

/// Run `cmd` to its end, or kill it after [`TIMEOUT`].
fn execute(mut cmd: Command) -> Result<Output, String> {
    let child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let pid = child.id();
    // The wait runs on its own thread: the exit is seen at once, a hang
    // after TIMEOUT.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(output) => output.map_err(|e| e.to_string()),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            Err(format!("hang: still running after {TIMEOUT:?}"))
        }
    }
}

/// Run one case: its exit code, or what went wrong.
fn run(s: &Scratch, case: &Case) -> Result<i32, String> {
    let output = execute(command(s, case))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail = || {
        let chars: Vec<char> = stderr.chars().collect();
        chars[chars.len().saturating_sub(600)..]
            .iter()
            .collect::<String>()
    };
    let Some(code) = output.status.code() else {
        return Err(format!(
            "killed by signal {:?}: {}",
            output.status.signal(),
            tail()
        ));
    };
    if code == 101 || stderr.contains("panicked") {
        return Err(format!("panic (exit {code}): {}", tail()));
    }
    if !case.allowed.contains(&code) {
        return Err(format!(
            "exit {code}, not one of the documented {:?}: {}",
            case.allowed,
            tail()
        ));
    }
    Ok(code)
}

// ---------------------------------------------------------------------------
// An engine that holds no containers.

/// A Docker engine on a Unix socket that holds no containers and refuses
/// every change: `GET /containers/json` is `[]`, everything else is 404.
/// Enough for `mlc-create-wrapper --dry-run` to read the configuration,
/// ask the allocator and show its plan; nothing can be created.
struct FakeEngine {
    socket: PathBuf,
    /// The requests seen, as `METHOD PATH`.
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeEngine {
    fn start(socket: PathBuf) -> FakeEngine {
        let listener = UnixListener::bind(&socket).expect("engine socket");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || serve(stream, &seen));
            }
        });
        FakeEngine { socket, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// One connection: requests until the client closes it.
fn serve(stream: UnixStream, seen: &Mutex<Vec<String>>) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let mut words = request.split_whitespace();
        let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        seen.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{method} {target}"));
        let path = target.split('?').next().unwrap_or("");
        let (status, body) = match (method, path) {
            ("GET", p) if p.ends_with("/containers/json") => ("200 OK", "[]"),
            ("GET", p) if p.ends_with("/_ping") => ("200 OK", "OK"),
            _ => ("404 Not Found", r#"{"message":"not in this test engine"}"#),
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Run every case on a few threads; panics listing the failures.
fn run_all(s: &Scratch, what: &str, cases: &[Case]) {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let times = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (next, failures, times) = (&next, &failures, &times);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let began = Instant::now();
                let result = run(s, case);
                times.lock().unwrap_or_else(|e| e.into_inner()).push((
                    began.elapsed(),
                    i,
                    result.clone().ok(),
                ));
                if let Err(why) = result {
                    let mut line = format!("ds01 {}\n    {why}", shown(&case.args));
                    if case.config != s.config {
                        let yaml = fs::read(case.config.join("resource-limits.yaml"));
                        let yaml = String::from_utf8_lossy(&yaml.unwrap_or_default()).into_owned();
                        let head: String = yaml.chars().take(400).collect();
                        line.push_str(&format!("\n    with resource-limits.yaml: {head:?}"));
                    }
                    failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(line);
                }
            });
        }
    });
    eprintln!(
        "{what}: {} runs on {workers} threads in {:.1} s",
        cases.len(),
        start.elapsed().as_secs_f64()
    );
    let mut times = times.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut codes = std::collections::BTreeMap::new();
    for (_, _, code) in &times {
        *codes.entry(*code).or_insert(0) += 1;
    }
    eprintln!("  exit codes (None: failed): {codes:?}; the slowest runs:");
    times.sort();
    for (took, i, _) in times.iter().rev().take(5) {
        let case = &cases[*i];
        let config = case
            .config
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        eprintln!(
            "  {:.2} s: ds01 {} ({config})",
            took.as_secs_f64(),
            shown(&case.args)
        );
    }
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    assert!(
        failures.is_empty(),
        "{what}: {} of {} runs failed:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------------------
// What the specs say: exit codes and option names.

fn spec(file: &str) -> Value {
    let path = Path::new(ROOT).join("spec").join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The documented exit codes of a spec; all within 0..=2 or 127.
fn exit_codes(spec: &Value) -> Vec<i32> {
    let codes: Vec<i32> = spec
        .get("exit_codes")
        .and_then(Value::as_mapping)
        .expect("exit_codes")
        .keys()
        .map(|k| k.as_i64().expect("an exit code") as i32)
        .collect();
    assert!(
        codes.iter().all(|c| (0..=2).contains(c) || *c == 127),
        "{codes:?}"
    );
    codes
}

/// The options of a spec (or of one of its subcommands): each name, and
/// whether it takes a value.
fn options(spec: &Value, command: Option<&str>) -> Vec<(String, bool)> {
    let node = match command {
        None => spec,
        Some(name) => spec
            .get("commands")
            .and_then(Value::as_sequence)
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            })
            .unwrap_or_else(|| panic!("no command {name} in the spec")),
    };
    let mut out = Vec::new();
    for o in node
        .get("options")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let takes_value = o.get("value").is_some();
        for n in o
            .get("names")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(n) = n.as_str() {
                out.push((n.to_string(), takes_value));
            }
        }
    }
    out
}

/// The subcommand names of a spec.
fn subcommands(spec: &Value) -> Vec<String> {
    spec.get("commands")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------
// Argument material.

fn os(s: impl AsRef<OsStr>) -> OsString {
    s.as_ref().to_os_string()
}

/// The hostile words every command gets.
fn atoms() -> Vec<OsString> {
    let mut v: Vec<OsString> = [
        "",
        "-",
        "--",
        "=",
        "--=",
        "-=",
        "==",
        " ",
        "\t",
        "\n",
        "a b",
        "a=b",
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "Infinity",
        "-1",
        "-0",
        "0",
        "1",
        "1.5",
        "1e309",
        "-1e309",
        "1e-400",
        "99999999999999999999999999",
        "-9223372036854775809",
        "0x10",
        "1_000",
        "../../etc/passwd",
        "/",
        ".",
        "..",
        "/dev/null",
        "~",
        "alice",
        "bob",
        "carol",
        "root",
        "x",
        "x._.1000",
        "._.",
        "a._.b._.0",
        "device=0",
        "all",
        "ünïcødé",
        "名前",
        "🚀🔥",
        "\u{202e}txt.exe",
        "e\u{301}",
        "\u{feff}",
        "%s%n%x",
        "$(id)",
        "`id`",
        "'",
        "\"",
        "\\",
        "*",
        "-h",
        "--help",
        "-v",
        "--json",
        "--version",
    ]
    .iter()
    .map(os)
    .collect();
    v.push(os("A".repeat(10_000)));
    v.push(os("ü".repeat(10_000)));
    v.push(os(format!("--{}", "x".repeat(10_000))));
    // Bytes that are not UTF-8.
    for bytes in [&b"\xff\xfe"[..], b"a\x80b", b"--\xc3", b"\xed\xa0\x80"] {
        v.push(OsStr::from_bytes(bytes).to_os_string());
    }
    v
}

/// How to fuzz one command.
struct Target {
    /// `ds01` arguments before the fuzzed ones (`mlc`, `list`).
    prefix: Vec<&'static str>,
    /// Words the command understands (subcommands, usernames, frameworks).
    words: Vec<String>,
    /// Option names, and whether each takes a value.
    options: Vec<(String, bool)>,
    allowed: Vec<i32>,
    /// How many random vectors.
    random: usize,
    /// Makes a vector safe to run (`mlc create`: `-i` or an invalid name;
    /// `mlc-create-wrapper`: `--dry-run`).
    guard: fn(&mut Rng, Vec<OsString>) -> Vec<OsString>,
}

fn unguarded(_: &mut Rng, args: Vec<OsString>) -> Vec<OsString> {
    args
}

/// Container names AIME refuses (a character outside `[A-Za-z0-9_#-]`).
const INVALID_NAMES: [&str; 7] = [
    "bad name",
    "a/b",
    "../../etc/passwd",
    "x._.1",
    "名前",
    "a.b",
    "$(id)",
];

/// `mlc create -s`: either `-i` (list and exit), or an invalid container
/// name first, so whatever else the vector holds, nothing is created.
fn create_guard(rng: &mut Rng, args: Vec<OsString>) -> Vec<OsString> {
    if rng.chance(30) {
        let mut out = args;
        out.insert(rng.below(out.len() + 1), os("-i"));
        return out;
    }
    let mut out = vec![os(rng.pick(&INVALID_NAMES))];
    out.extend(args);
    out
}

/// `mlc-create-wrapper`: a name and framework (maybe fuzzed), then
/// `--dry-run` before any other option: the wrapper reads its options in
/// order and stops at the first it does not know, so a run that gets as far
/// as creating is always a dry run.
fn wrapper_guard(rng: &mut Rng, args: Vec<OsString>) -> Vec<OsString> {
    let mut rest = args.into_iter();
    let mut out = Vec::new();
    if rng.chance(80) {
        out.push(rest.next().unwrap_or_else(|| os("x")));
        if rng.chance(70) {
            out.push(os(rng.pick(&[
                "pytorch",
                "tensorflow",
                "mx",
                "torch",
                "Pytorch",
            ])));
        }
    }
    out.push(os("--dry-run"));
    out.extend(rest);
    out
}

/// One token: a word, an option (alone, with `=value`, or followed by a
/// value), or an atom.
fn token(rng: &mut Rng, t: &Target, atoms: &[OsString], out: &mut Vec<OsString>) {
    let roll = rng.below(100);
    if roll < 30 && !t.words.is_empty() {
        out.push(os(rng.pick(&t.words)));
    } else if roll < 60 && !t.options.is_empty() {
        let (name, takes_value) = rng.pick(&t.options).clone();
        let value = rng.pick(atoms).clone();
        match rng.below(3) {
            0 => out.push(os(&name)),
            1 => {
                let mut joined = os(&name);
                joined.push("=");
                joined.push(&value);
                out.push(joined);
            }
            _ => {
                out.push(os(&name));
                if takes_value || rng.chance(50) {
                    out.push(value);
                }
            }
        }
    } else {
        out.push(rng.pick(atoms).clone());
    }
}

/// Every case of one target: the systematic ones, then random vectors.
fn cases_of(t: &Target, atoms: &[OsString], config: &Path, rng: &mut Rng) -> Vec<Case> {
    let mut vectors: Vec<Vec<OsString>> = vec![Vec::new()];
    for a in atoms {
        vectors.push(vec![a.clone()]);
    }
    for w in &t.words {
        vectors.push(vec![os(w)]);
        for _ in 0..3 {
            vectors.push(vec![os(w), rng.pick(atoms).clone()]);
        }
        let n = 1 + rng.below(4);
        vectors.push(
            std::iter::once(os(w))
                .chain((0..n).map(|_| rng.pick(atoms).clone()))
                .collect(),
        );
    }
    for (name, _) in &t.options {
        vectors.push(vec![os(name)]);
        for _ in 0..2 {
            let value = rng.pick(atoms).clone();
            let mut joined = os(name);
            joined.push("=");
            joined.push(&value);
            vectors.push(vec![joined]);
            vectors.push(vec![os(name), rng.pick(atoms).clone()]);
        }
        if let Some(w) = t.words.first() {
            vectors.push(vec![os(w), os(name), rng.pick(atoms).clone()]);
        }
    }
    for _ in 0..t.random {
        let n = rng.below(7);
        let mut v = Vec::new();
        for _ in 0..n {
            token(rng, t, atoms, &mut v);
        }
        vectors.push(v);
    }
    vectors
        .into_iter()
        .map(|v| {
            let v = (t.guard)(rng, v);
            let args = t.prefix.iter().map(os).chain(v).collect();
            Case {
                args,
                config: config.to_path_buf(),
                allowed: t.allowed.clone(),
                engine: None,
            }
        })
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn targets() -> Vec<Target> {
    let users = ["alice", "bob", "carol", "root", "nobody"];
    let grl = spec("ds01/get_resource_limits.yaml");
    let alloc = spec("ds01/gpu_allocator_v2.yaml");
    let mut alloc_options = options(&alloc, None);
    for c in subcommands(&alloc) {
        alloc_options.extend(options(&alloc, Some(&c)));
    }
    let mut alloc_words = subcommands(&alloc);
    alloc_words.extend(strings(&users));
    alloc_words.extend(strings(&[
        "x._.1000",
        "1",
        "2.5",
        "10",
        "devcontainer",
        "compose",
        "docker",
        "atomic",
    ]));
    let reader = spec("ds01/gpu_state_reader.yaml");
    let checker = spec("ds01/gpu_availability_checker.yaml");
    let limits = spec("ds01/check_limits.yaml");
    let exit = spec("ds01/container_exit.yaml");
    let wrapper = spec("ds01/mlc_create_wrapper.yaml");
    let mlc = spec("mlc.yaml");
    let mlc_codes = exit_codes(&mlc);
    vec![
        Target {
            prefix: vec!["get_resource_limits"],
            words: strings(&users),
            options: options(&grl, None),
            allowed: exit_codes(&grl),
            random: 100,
            guard: unguarded,
        },
        Target {
            prefix: vec!["gpu-state-reader"],
            words: strings(&[
                "all",
                "by-interface",
                "container",
                "user",
                "user-mig-total",
                "user-gpu-count",
                "user-gpu-equiv",
                "unmanaged",
                "json",
                "json-by-interface",
                "json-unmanaged",
                "alice",
            ]),
            options: options(&reader, None),
            allowed: exit_codes(&reader),
            random: 50,
            guard: unguarded,
        },
        Target {
            prefix: vec!["gpu_allocator_v2"],
            words: alloc_words,
            options: alloc_options,
            allowed: exit_codes(&alloc),
            random: 100,
            guard: unguarded,
        },
        Target {
            prefix: vec!["gpu-availability-checker"],
            words: strings(&[
                "available",
                "summary",
                "user-available",
                "check-user",
                "suggest",
                "alice",
                "bob",
                "2",
            ]),
            options: options(&checker, None),
            allowed: exit_codes(&checker),
            random: 50,
            guard: unguarded,
        },
        Target {
            prefix: vec!["check-limits"],
            words: Vec::new(),
            options: options(&limits, None),
            allowed: exit_codes(&limits),
            random: 30,
            guard: unguarded,
        },
        Target {
            prefix: vec!["container-exit"],
            words: Vec::new(),
            options: options(&exit, None),
            allowed: exit_codes(&exit),
            random: 30,
            guard: unguarded,
        },
        Target {
            prefix: vec!["mlc-create-wrapper"],
            words: strings(&["x", "my-project", "pytorch", "2.5.1", "tensorflow"]),
            options: options(&wrapper, None),
            allowed: exit_codes(&wrapper),
            random: 100,
            guard: wrapper_guard,
        },
        Target {
            prefix: vec!["mlc", "list"],
            words: Vec::new(),
            options: options(&mlc, Some("list")),
            allowed: mlc_codes.clone(),
            random: 40,
            guard: unguarded,
        },
        Target {
            prefix: vec!["mlc", "stats"],
            words: Vec::new(),
            options: options(&mlc, Some("stats")),
            allowed: mlc_codes.clone(),
            random: 20,
            guard: unguarded,
        },
        Target {
            prefix: vec!["mlc", "create", "-s"],
            words: strings(&["Pytorch", "pytorch", "Tensorflow", "2.5.1", "2.4.0"]),
            options: options(&mlc, Some("create")),
            allowed: mlc_codes,
            random: 100,
            guard: create_guard,
        },
    ]
}

#[test]
fn commands_survive_hostile_arguments() {
    let s = Scratch::new("args");
    let atoms = atoms();
    let mut rng = Rng(0xD501_F022);
    let cases: Vec<Case> = targets()
        .iter()
        .flat_map(|t| cases_of(t, &atoms, &s.config, &mut rng))
        .collect();
    run_all(&s, "argument fuzz", &cases);
}

// ---------------------------------------------------------------------------
// Mutated configurations.

/// A small configuration of the recorded shape: every key the commands
/// read, alice in the default group, carol overridden.
const BASE_YAML: &str = "\
defaults:
  max_gpu_equivalents: 1.0
  max_gpu_slots_per_container: 1
  allow_full_gpu: true
  max_cpus: 32
  memory: 32g
  memory_swap: 32g
  shm_size: 16g
  pids_limit: 4096
  max_containers_per_user: 3
  max_runtime_h: 24
  idle_timeout_h: 0.5
  gpu_hold_after_stop_h: 0.25
  container_hold_after_stop_h: 0.5
  priority: 10
default_group: student
groups:
  student:
    members: [alice]
    max_gpu_equivalents: 2.0
    aggregate: {cpu_quota: '9600%', memory_max: 96G, gpu_limit: 2.0}
    policies: {gpu_idle_threshold: 5, cpu_idle_threshold: 2.0}
  researcher:
    members: [bob]
    max_cpus: 48
    memory: 64g
gpu_allocation:
  slots_per_gpu: 1
policies:
  high_demand_threshold: 0.8
  high_demand_idle_reduction: 0.5
  created_container_timeout_m: 30
user_overrides:
  carol: {memory: 48g, max_gpu_equivalents: 3}
";

/// Values that replace a setting's value.
const EVIL_VALUES: [&str; 40] = [
    "-2",
    "-1g",
    "0",
    "-0",
    ".nan",
    ".inf",
    "-.inf",
    "1e309",
    "-1e309",
    "99999999999999999999999",
    "-99999999999999999999",
    "9223372036854775807",
    "18446744073709551615",
    "lots",
    "''",
    "null",
    "~",
    "true",
    "no",
    "[1, 2]",
    "[]",
    "{a: 1}",
    "{}",
    "!!binary aGk=",
    "!custom x",
    "!!float 'x'",
    "*undefined",
    "&a 1",
    "\"\\u0000\"",
    "0x10",
    "0o17",
    "1_000",
    "2001-12-14",
    "'32g; rm -rf /'",
    "-1",
    "1.5",
    "unlimited",
    "\"\\uD800\"",
    "|\n    block\n    text",
    "'a\tb'",
];

/// Whole-section replacements (swapped types).
const SWAPS: [(&str, &str); 14] = [
    ("defaults:", "defaults: [1, 2]\nold_defaults:"),
    ("groups:", "groups: 5\nold_groups:"),
    ("groups:", "groups: [student]\nold_groups:"),
    ("  student:", "  student: [alice]\n  old_student:"),
    ("  student:", "  student: 7\n  old_student:"),
    ("    members: [alice]", "    members: alice"),
    ("    members: [alice]", "    members: {alice: 1}"),
    (
        "    members: [alice]",
        "    members: [[alice], {a: b}, 3, null]",
    ),
    ("user_overrides:", "user_overrides: [carol]\nold_overrides:"),
    ("  carol: {", "  carol: 3\n  old_carol: {"),
    ("default_group: student", "default_group: [student]"),
    ("default_group: student", "default_group: {a: 1}"),
    ("default_group: student", "default_group: nowhere"),
    ("policies:\n  high", "policies: 12\nold_policies:\n  high"),
];

/// About 200 mutations of `BASE_YAML`, the same ones every time.
fn mutated_yamls(rng: &mut Rng) -> Vec<Vec<u8>> {
    let base = BASE_YAML;
    let mut out: Vec<Vec<u8>> = Vec::new();
    // Truncations at 30 points.
    for i in 1..=30 {
        let mut at = base.len() * i / 31;
        while !base.is_char_boundary(at) {
            at -= 1;
        }
        out.push(base.as_bytes()[..at].to_vec());
    }
    // Every setting line, its value replaced (twice each, different values).
    let lines: Vec<&str> = base.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        if value.starts_with('{') || value.starts_with('[') && !key.ends_with("members") {
            continue;
        }
        for _ in 0..2 {
            let mut l = lines.clone();
            let new = format!("{key}: {}", rng.pick(&EVIL_VALUES));
            l[i] = &new;
            out.push(format!("{}\n", l.join("\n")).into_bytes());
        }
    }
    // Evil values in the settings alice and carol actually get.
    for v in EVIL_VALUES {
        let key = rng.pick(&[
            "max_cpus",
            "cpus",
            "memory",
            "memory_swap",
            "shm_size",
            "pids_limit",
            "max_gpu_equivalents",
            "max_gpu_slots_per_container",
            "max_containers_per_user",
            "priority",
            "storage_tmp",
            "idle_timeout_h",
            "allow_full_gpu",
        ]);
        out.push(
            format!("{base}\n")
                .replace(
                    "    max_gpu_equivalents: 2.0\n",
                    &format!("    {key}: {v}\n"),
                )
                .into_bytes(),
        );
    }
    for (from, to) in SWAPS {
        out.push(base.replacen(from, to, 1).into_bytes());
    }
    // Deep nesting, flow and block.
    for depth in [64, 127, 128, 129, 1_000, 100_000] {
        let flow = format!("defaults: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        out.push(flow.into_bytes());
        let map = format!(
            "{base}deep: {}1{}\n",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        );
        out.push(map.into_bytes());
    }
    let mut block = String::from("defaults:\n");
    for d in 1..300 {
        block.push_str(&format!("{}k{d}:\n", " ".repeat(d)));
    }
    out.push(block.into_bytes());
    // Anchors, aliases and merge keys.
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    out.push(format!("{laughs}{base}").into_bytes());
    out.push(format!("{laughs}defaults:\n  memory: *a9\n").into_bytes());
    let mut merges = String::from("m0: &m0 {memory: 1g, cpus: 2}\n");
    for i in 1..12 {
        merges.push_str(&format!(
            "m{i}: &m{i} {{<<: [*m{}, *m{}], k{i}: {i}}}\n",
            i - 1,
            i - 1
        ));
    }
    out.push(
        format!("{merges}defaults:\n  <<: *m11\ngroups: {{student: {{<<: *m11}}}}\n").into_bytes(),
    );
    for text in [
        "defaults: &d {memory: 1g}\ngroups: {student: *d}\n",
        "defaults: &d\n  memory: 8g\n  self: *d\n",
        "defaults:\n  <<: 5\n",
        "defaults:\n  <<: [1, 2]\n",
        "defaults:\n  <<: *nowhere\n",
        "defaults: {<<: {<<: {<<: {memory: -1g}}}}\ngroups: {student: {}}\n",
        "groups:\n  student: &s\n    members: [alice]\n  researcher: *s\n",
        "user_overrides:\n  alice: &o {cpus: -1, max_cpus: 0}\n  bob: *o\n",
        "defaults: {memory: &m 32g, memory_swap: *m, shm_size: *m}\n",
        "a: &x 1\na: &x 2\ndefaults: {cpus: *x}\n",
    ] {
        out.push(text.as_bytes().to_vec());
    }
    // Odd files.
    for text in [
        &b""[..],
        b"---\n",
        b"--- \n...\n--- {defaults: {}}\n",
        b"\xef\xbb\xbfdefaults: {memory: 1g}\n",
        b"defaults:\r\n  memory: 1g\r\n",
        b"defaults:\n\tmemory: 1g\n",
        b"defaults: {memory: \xff\xfe}\n",
        b"defaults: {memory: 1g}\ndefaults: {memory: 2g}\n",
        b"defaults: {memory: 1g, memory: 2g}\n",
        b"? [a, b]\n: c\ndefaults: {}\n",
        b"{[1]: 2, defaults: {cpus: 1}}\n",
        b"- just\n- a\n- list\n",
        b"42\n",
        b"%YAML 1.1\n---\ndefaults: {cpus: 1}\n",
        b"%TAG ! tag:x,2000:\n---\ndefaults: !a {cpus: 1}\n",
        b"defaults: {cpus: \"\x00\"}\n",
    ] {
        out.push(text.to_vec());
    }
    // Random byte edits.
    let bytes = base.as_bytes();
    let specials = b"-:{}[],&*!|>'\"%@`#\n\t .0123456789";
    while out.len() < 230 {
        let mut b = bytes.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len());
            match rng.below(3) {
                0 => b[at] = *rng.pick(specials),
                1 => b.insert(at, *rng.pick(specials)),
                _ => {
                    b.remove(at);
                }
            }
        }
        out.push(b);
    }
    out
}

#[test]
fn commands_survive_mutated_configurations() {
    let s = Scratch::new("yaml");
    let mut rng = Rng(0x0059_414D_4C21);
    let yamls = mutated_yamls(&mut rng);
    let codes = |file: &str| exit_codes(&spec(file));
    let runs: [(&[&str], Vec<i32>); 4] = [
        (
            &["get_resource_limits", "alice"],
            codes("ds01/get_resource_limits.yaml"),
        ),
        (
            &["get_resource_limits", "alice", "--json"],
            codes("ds01/get_resource_limits.yaml"),
        ),
        (&["check-limits"], codes("ds01/check_limits.yaml")),
        (
            &["mlc-create-wrapper", "x", "pytorch", "--dry-run"],
            codes("ds01/mlc_create_wrapper.yaml"),
        ),
    ];
    // And once more, with an engine that answers reads, so that the create
    // reads the configuration, checks it and asks the allocator.
    let engine = FakeEngine::start(s.root.join("engine.sock"));
    let workspace = s.root.join("workspace");
    let mut dry_run = vec![
        os("mlc-create-wrapper"),
        os("x"),
        os("pytorch"),
        os("--dry-run"),
    ];
    let mut w = os("-w=");
    w.push(&workspace);
    dry_run.push(w);
    let mut cases = Vec::new();
    for (i, yaml) in yamls.iter().enumerate() {
        let config = s.config_dir(&format!("yaml-{i}"), yaml);
        for (args, allowed) in &runs {
            cases.push(Case {
                args: args.iter().map(os).collect(),
                config: config.clone(),
                allowed: allowed.clone(),
                engine: None,
            });
        }
        cases.push(Case {
            args: dry_run.clone(),
            config: config.clone(),
            allowed: codes("ds01/mlc_create_wrapper.yaml"),
            engine: Some((engine.socket.clone(), config.join("state"))),
        });
    }
    run_all(&s, "configuration fuzz", &cases);
}

/// A limit that cannot be used stops `mlc-create` after the configuration
/// is read and before anything else: no allocation, no create, and one
/// line that names the limit.
#[test]
fn mlc_create_stops_at_an_unusable_limit() {
    let s = Scratch::new("limit");
    let engine = FakeEngine::start(s.root.join("engine.sock"));
    let create = |name: &str, yaml: &str| {
        let config = s.config_dir(name, yaml.as_bytes());
        let mut w = os("-w=");
        w.push(s.root.join("workspace"));
        let case = Case {
            args: vec![
                os("mlc-create-wrapper"),
                os("x"),
                os("pytorch"),
                os("--dry-run"),
                w,
            ],
            engine: Some((engine.socket.clone(), config.join("state"))),
            config,
            allowed: vec![0, 1],
        };
        let out = execute(command(&s, &case)).expect("mlc-create-wrapper");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };

    // A valid configuration gets as far as the dry run, through the engine.
    let (code, stdout, stderr) = create("valid", "defaults: {cpus: 4}\ngroups: {student: {}}\n");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("DRY RUN MODE"), "{stdout}{stderr}");
    assert!(stdout.contains("--cpus=4"), "{stdout}{stderr}");
    assert!(engine
        .requests()
        .iter()
        .any(|r| r.starts_with("GET ") && r.contains("/containers/json")));

    let cases = [
        ("cpus", "cpus: -2", "a positive number, not -2"),
        (
            "memory",
            "memory: -1g",
            "a positive size such as 512m or 32g, not '-1g'",
        ),
        (
            "pids_limit",
            "pids_limit: 0",
            "a positive whole number, not 0",
        ),
        (
            "max_gpu_equivalents",
            "max_gpu_equivalents: .nan",
            "a number not below 0, or null for unlimited, not nan",
        ),
        (
            "max_containers_per_user",
            "max_containers_per_user: -3",
            "a number not below 0, null or 'unlimited', not -3",
        ),
        (
            "shm_size",
            "shm_size: lots",
            "a positive size such as 512m or 32g, not 'lots'",
        ),
    ];
    for (key, setting, why) in cases {
        engine
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let yaml = format!("defaults: {{{setting}}}\ngroups: {{student: {{}}}}\n");
        let (code, stdout, stderr) = create(key, &yaml);
        assert_eq!(code, Some(1), "{setting}: {stdout}{stderr}");
        let line = stderr
            .lines()
            .find(|l| l.starts_with("mlc-create: the limit "))
            .unwrap_or_else(|| panic!("{setting}: no message in {stderr}"));
        assert!(
            line.starts_with(&format!("mlc-create: the limit {key} of user '")),
            "{line}"
        );
        assert!(line.ends_with(&format!("' must be {why}")), "{line}");
        // Stopped before the limits were shown or the allocator asked.
        assert!(!stdout.contains("Resource limits applied"), "{stdout}");
        assert!(!stdout.contains("DRY RUN"), "{stdout}");
        let requests = engine.requests();
        assert!(
            !requests.iter().any(|r| r.contains("/containers/json?")),
            "{setting}: {requests:?}"
        );
    }
}
