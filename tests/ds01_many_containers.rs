//! The GPU state at scale, on a real engine: 1000 containers, 950 of them
//! labelled as DS01 makes them (`ds01.managed`, `ds01.user` of ten users,
//! `ds01.gpu.uuids` empty or naming devices of the recording machine's
//! inventory) and 50 made by other tools (no labels; one holds GPU 1
//! through a device request).  `gpu-state-reader all` and `json`,
//! `check-limits`, `gpu_allocator_v2 status --json` and one
//! `gpu_allocator_v2 allocate` must each list the containers once
//! (`GET /containers/json`), inspect only the 50 unlabelled ones, and give
//! the right answer.  Under a limit of 64 open files, and again of 16
//! (fewer than a batch of concurrent inspects needs), each must give the
//! same answer or fail with a message and a non-zero exit, never a wrong
//! answer with exit 0.
//!
//! Needs root (`ds01 prepare-state`) and an engine on `DOCKER_HOST` with
//! the test images (`compat-tests/engine/up`, `images`); otherwise it says
//! why and passes (fails under `DS01_TESTS_NEED_ENGINE`).  The containers
//! are made and removed through the engine API (four at a time), removed
//! at the end whether the test passed or not.

mod support;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{docker, engine_socket, BASE};

const LABELLED: usize = 950;
const UNLABELLED: usize = 50;
const USERS: usize = 10;
/// Parallel creates: the engine's own work (about 30 ms a create on the
/// vfs test engine) bounds it, not the client.
const CREATORS: usize = 4;
/// The file-descriptor limit the commands must live with; and one too
/// low for a batch of sixteen concurrent inspects, where the commands may
/// fail (with a message and a non-zero exit), never answer wrong.
const FD_LIMIT: u64 = 64;
const FD_LIMIT_TIGHT: u64 = 16;
/// What every container name of this test starts with.
const FAMILY: &str = "dsmany-";

/// The recording machine's `nvidia-smi -L`: GPUs 0 and 1 whole, 2 (two
/// `3g.20gb`) and 3 (three `2g.10gb`) in MIG mode: 7 slots.
const NVIDIA_SMI_L: &str = include_str!("fixtures/recording-nvidia-smi-L.txt");
const GPU0: &str = "GPU-0a0a0a0a-1111-2222-3333-000000000000";
const GPU1: &str = "GPU-1b1b1b1b-1111-2222-3333-111111111111";
const MIG_2_0: &str = "MIG-2c000000-aaaa-bbbb-cccc-000000000000";
const MIG_2_1: &str = "MIG-2c000001-aaaa-bbbb-cccc-000000000001";
const MIG_3_0: &str = "MIG-3d000000-aaaa-bbbb-cccc-000000000000";
const MIG_3_1: &str = "MIG-3d000001-aaaa-bbbb-cccc-000000000001";
const MIG_3_2: &str = "MIG-3d000002-aaaa-bbbb-cccc-000000000002";
const TOTAL_SLOTS: u64 = 7;

const LIMITS_YAML: &str = "\
defaults:
  max_gpu_equivalents: 4
  max_gpu_slots_per_container: 1
  max_containers_per_user: 200
  allow_full_gpu: false
  priority: 10
default_group: student
groups:
  student: {}
";

/// This run's names.
struct Names {
    prefix: String,
}

impl Names {
    fn new() -> Names {
        Names {
            prefix: format!("{FAMILY}{}-", std::process::id()),
        }
    }

    /// Labelled container `i` (0..950).
    fn labelled(&self, i: usize) -> String {
        format!("{}{i}", self.prefix)
    }

    /// Unlabelled container `i` (0..50).
    fn unlabelled(&self, i: usize) -> String {
        format!("{}x{i}", self.prefix)
    }

    fn user(&self, k: usize) -> String {
        format!("dsm{}u{k}", std::process::id())
    }

    fn ours(&self, name: &str) -> bool {
        name.starts_with(&self.prefix)
    }
}

/// The devices labelled container `i` holds (by its label).
fn label_devices(i: usize) -> &'static str {
    match i {
        0 | 4 => GPU0,
        1 => MIG_3_1,
        2 => MIG_2_0,
        3 => "MIG-3d000000-aaaa-bbbb-cccc-000000000000,MIG-3d000002-aaaa-bbbb-cccc-000000000002",
        _ => "",
    }
}

/// What the engine is asked to create for container `i` of 1000: the
/// labelled ones first, then the unlabelled (the first of which holds
/// GPU 1 through a device request, as `docker run --gpus device=...`).
fn create_body(names: &Names, i: usize) -> (String, serde_json::Value) {
    if i < LABELLED {
        let body = serde_json::json!({
            "Image": BASE,
            "Cmd": ["true"],
            "Labels": {
                "ds01.managed": "true",
                "ds01.user": names.user(i % USERS),
                "ds01.gpu.uuids": label_devices(i),
            },
        });
        return (names.labelled(i), body);
    }
    let j = i - LABELLED;
    let mut body = serde_json::json!({"Image": BASE, "Cmd": ["true"]});
    if j == 0 {
        body["HostConfig"] = serde_json::json!({
            "DeviceRequests": [{
                "Driver": "", "Count": 0, "DeviceIDs": [GPU1],
                "Capabilities": [["gpu"]], "Options": {},
            }],
        });
    }
    (names.unlabelled(j), body)
}

/// One engine API request over the unix socket; (status, body).
fn api(
    socket: &Path,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let mut s = std::os::unix::net::UnixStream::connect(socket).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} /v1.41{path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| format!("not an HTTP answer: {text:.200}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}

/// Create container `i`: through the engine API when DOCKER_HOST is a unix
/// socket, else with the docker CLI.
fn create(names: &Names, socket: Option<&Path>, i: usize) -> Result<(), String> {
    let (name, body) = create_body(names, i);
    if let Some(socket) = socket {
        let (status, answer) = api(
            socket,
            "POST",
            &format!("/containers/create?name={name}"),
            Some(&body.to_string()),
        )?;
        return if status == 201 {
            Ok(())
        } else {
            Err(format!("create {name}: HTTP {status}: {answer}"))
        };
    }
    let mut args: Vec<String> = vec!["create".into(), "--name".into(), name.clone()];
    if let Some(labels) = body["Labels"].as_object() {
        for (k, v) in labels {
            args.push("--label".into());
            args.push(format!("{k}={}", v.as_str().unwrap_or("")));
        }
    }
    if !body["HostConfig"].is_null() {
        args.push("--gpus".into());
        args.push(format!("device={GPU1}"));
    }
    args.extend([BASE.to_string(), "true".to_string()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = docker(&argv);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "docker create {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Every container of the family `pattern` names (a name filter).
fn ids_named(pattern: &str) -> Vec<String> {
    let out = docker(&[
        "ps",
        "-aq",
        "--no-trunc",
        "--filter",
        &format!("name={pattern}"),
    ]);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Remove them, CREATORS at a time through the engine API when DOCKER_HOST
/// is a unix socket, else with the docker CLI.
fn remove_named(pattern: &str) {
    let ids = ids_named(pattern);
    let Some(socket) = engine_socket() else {
        for chunk in ids.chunks(200) {
            let mut args = vec!["rm", "-f"];
            args.extend(chunk.iter().map(String::as_str));
            let _ = docker(&args);
        }
        return;
    };
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..CREATORS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                let path = format!("/containers/{id}?force=1&v=1");
                let _ = api(&socket, "DELETE", &path, None);
            });
        }
    });
}

/// This run's containers and files, removed when the test ends, passed
/// or not.
struct Fixture {
    names: Names,
    dir: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        // Leftovers of an earlier run that was killed.
        remove_named(FAMILY);
        let names = Names::new();
        let dir = std::env::temp_dir().join(format!("ds01-many-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).expect("scratch dir");
        std::fs::create_dir_all(dir.join("home")).expect("home");
        std::fs::write(dir.join("config/resource-limits.yaml"), LIMITS_YAML).expect("limits");
        std::fs::write(dir.join("gpus"), NVIDIA_SMI_L).expect("gpu fixture");
        Fixture { names, dir }
    }

    /// A fresh allocator state directory (`ds01 prepare-state`).
    fn state_dir(&self, name: &str) -> PathBuf {
        let state = self.dir.join(name);
        let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
            .arg("prepare-state")
            .arg(&state)
            .output()
            .expect("ds01 prepare-state");
        assert!(
            out.status.success(),
            "prepare-state: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        state
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let t = Instant::now();
        remove_named(&self.names.prefix);
        let left = ids_named(&self.names.prefix).len();
        eprintln!(
            "many: removed the containers in {:.1} s{}",
            t.elapsed().as_secs_f64(),
            if left > 0 {
                format!(" ({left} left behind!)")
            } else {
                String::new()
            }
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One run of the binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    /// stderr without the engine trace.
    message: String,
    listings: usize,
    inspects: usize,
    /// Any other engine request.
    others: Vec<String>,
    elapsed: Duration,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "exit {:?}, {} listing(s), {} inspect(s), other requests {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.listings, self.inspects, self.others, self.stdout, self.message
        )
    }
}

/// `ds01 ARGS` as `user` over the fixture, with every engine request
/// traced; under `fd_limit` open files when given.
fn ds01(f: &Fixture, state: &Path, user: &str, args: &[&str], fd_limit: Option<u64>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", f.dir.join("home"))
        .env("USER", user)
        .env("LANG", "C.UTF-8")
        .env("DS01_ENGINE_TRACE", "1")
        .env("DS01_CONFIG_DIR", f.dir.join("config"))
        .env("DS01_GPU_FIXTURE", f.dir.join("gpus"))
        .env("DS01_STATE_DIR", state)
        .env(
            "DOCKER_HOST",
            std::env::var("DOCKER_HOST").unwrap_or_default(),
        )
        .stdin(Stdio::null());
    if let Some(limit) = fd_limit {
        // SAFETY: setrlimit is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let t = Instant::now();
    let out = cmd.output().expect("run ds01");
    let elapsed = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        message: String::new(),
        listings: 0,
        inspects: 0,
        others: Vec::new(),
        elapsed,
    };
    for line in stderr.lines() {
        match line.strip_prefix("ds01: engine: ") {
            Some("GET /containers/json") => run.listings += 1,
            Some("GET /containers/{id}/json") => run.inspects += 1,
            Some(other) => run.others.push(other.to_string()),
            None => {
                run.message.push_str(line);
                run.message.push('\n');
            }
        }
    }
    run
}

/// Slot → its holders of this run, from `gpu-state-reader all`.
fn parse_all(text: &str, names: &Names) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    let mut slot = None;
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("GPU/MIG ") {
            slot = Some(s.trim_end_matches(':').to_string());
        } else if let (Some(s), Some(list)) = (&slot, line.strip_prefix("  Containers: ")) {
            let ours: BTreeSet<String> = list
                .split(", ")
                .filter(|c| names.ours(c))
                .map(str::to_string)
                .collect();
            if !ours.is_empty() {
                out.insert(s.clone(), ours);
            }
        }
    }
    out
}

/// Slot → its holders of this run, from a JSON object of slots with a
/// `containers` list each.
fn parse_json_slots(
    value: &serde_json::Value,
    names: &Names,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (slot, entry) in value.as_object().expect("an object of slots") {
        let ours: BTreeSet<String> = entry["containers"]
            .as_array()
            .expect("containers")
            .iter()
            .filter_map(|c| c.as_str())
            .filter(|c| names.ours(c))
            .map(str::to_string)
            .collect();
        if !ours.is_empty() {
            out.insert(slot.clone(), ours);
        }
    }
    out
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.describe()))
}

/// The visible text of check-limits (colours removed).
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Containers of the engine not made by this run: (all, without the
/// `ds01.gpu.uuids` label).
fn foreign(names: &Names) -> (usize, usize) {
    let out = docker(&["ps", "-a", "--format", "{{.Names}}\t{{.Labels}}"]);
    let mut all = 0;
    let mut unlabelled = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (name, labels) = line.split_once('\t').unwrap_or((line, ""));
        if names.ours(name) {
            continue;
        }
        all += 1;
        if !labels.split(',').any(|l| l.starts_with("ds01.gpu.uuids=")) {
            unlabelled += 1;
        }
    }
    (all, unlabelled)
}

#[test]
fn a_thousand_containers_one_listing_fifty_inspects_right_answers() {
    let started = Instant::now();
    if let Err(why) = support::engine_ready() {
        eprintln!("skipped: {why}");
        return;
    }
    if !support::is_root() {
        assert!(
            std::env::var_os(support::NEED_ENGINE_ENV).is_none(),
            "{} is set but the test cannot run: it needs root (ds01 prepare-state)",
            support::NEED_ENGINE_ENV
        );
        eprintln!("skipped: needs root (ds01 prepare-state)");
        return;
    }
    let f = Fixture::new();
    let names = &f.names;
    let (foreign_all, foreign_unlabelled) = foreign(names);
    let alone = foreign_all == 0;

    // 1000 containers, CREATORS at a time.
    let t = Instant::now();
    let socket = engine_socket();
    let next = AtomicUsize::new(0);
    let total = LABELLED + UNLABELLED;
    let errors: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..CREATORS)
            .map(|_| {
                s.spawn(|| {
                    let mut errors = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        if let Err(e) = create(names, socket.as_deref(), i) {
                            errors.push(e);
                            if errors.len() > 3 {
                                break;
                            }
                        }
                    }
                    errors
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("creator thread"))
            .collect()
    });
    let created_in = t.elapsed();
    assert!(errors.is_empty(), "creates failed: {errors:#?}");
    assert_eq!(ids_named(&names.prefix).len(), total, "containers made");
    eprintln!(
        "many: created {total} containers in {:.1} s ({} at a time{}); {foreign_all} other container(s) on the engine",
        created_in.as_secs_f64(),
        CREATORS,
        if socket.is_some() { ", engine API" } else { ", docker CLI" }
    );

    // What is right.
    let slot_of = |uuid: &str| match uuid {
        GPU0 => "0",
        GPU1 => "1",
        MIG_2_0 => "2.0",
        MIG_2_1 => "2.1",
        MIG_3_0 => "3.0",
        MIG_3_1 => "3.1",
        MIG_3_2 => "3.2",
        other => panic!("not a fixture device: {other}"),
    };
    // Tracked holders (gpu-state-reader): the labelled containers.
    let mut tracked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in 0..LABELLED {
        for uuid in label_devices(i).split(',').filter(|u| !u.is_empty()) {
            tracked
                .entry(slot_of(uuid).to_string())
                .or_default()
                .insert(names.labelled(i));
        }
    }
    // Slots taken for the allocator: the unlabelled container's GPU 1 too
    // (status lists the holdings of tracked containers only).
    let mut held: BTreeSet<String> = tracked.keys().cloned().collect();
    held.insert("1".to_string());
    let checked_user = 3;
    let user = names.user(checked_user);
    let user_containers = (0..LABELLED).filter(|i| i % USERS == checked_user).count();
    let user_slots = 2; // 3.0 and 3.2
    let new_container = format!("{}new", names.prefix);
    let new_user = format!("dsm{}new", std::process::id());
    // The only free MIG slot (whole GPUs are not allowed).
    let expected_grant =
        format!("✓ Allocated GPU/MIG 2.1 to {new_container}\nDOCKER_ID={MIG_2_1}\n");

    // The five commands, then again under each file limit (each round
    // with a fresh state directory, so that the allocation is the same).
    let commands: Vec<(&str, String, Vec<String>)> = vec![
        (
            "gpu-state-reader all",
            user.clone(),
            vec!["gpu-state-reader".into(), "all".into()],
        ),
        (
            "gpu-state-reader json",
            user.clone(),
            vec!["gpu-state-reader".into(), "json".into()],
        ),
        ("check-limits", user.clone(), vec!["check-limits".into()]),
        (
            "status --json",
            user.clone(),
            vec!["gpu_allocator_v2".into(), "status".into(), "--json".into()],
        ),
        (
            "allocate",
            new_user.clone(),
            [
                "gpu_allocator_v2",
                "allocate",
                &new_user,
                &new_container,
                "1",
                "10",
            ]
            .map(str::to_string)
            .to_vec(),
        ),
    ];
    let mut first: Vec<Run> = Vec::new();
    let rounds = [(0, None), (1, Some(FD_LIMIT)), (2, Some(FD_LIMIT_TIGHT))];
    for (round, fd_limit) in rounds {
        let state = f.state_dir(&format!("state{round}"));
        for (i, (what, who, args)) in commands.iter().enumerate() {
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = ds01(&f, &state, who, &argv, fd_limit);
            eprintln!(
                "many: {what:<22} {:>7.1} ms  exit {:?}  listings {}  inspects {}{}{}",
                run.elapsed.as_secs_f64() * 1000.0,
                run.code,
                run.listings,
                run.inspects,
                fd_limit.map_or(String::new(), |l| format!("  (at most {l} open files)")),
                if run.code == Some(0) {
                    String::new()
                } else {
                    format!("  message: {}", run.message.trim())
                }
            );
            let Some(fd_limit) = fd_limit else {
                assert_eq!(run.code, Some(0), "{what}:\n{}", run.describe());
                first.push(run);
                continue;
            };
            // Under the limit: the same answer, or a clear failure.
            let unlimited = &first[i];
            if run.code == Some(0) {
                assert_eq!(
                    run.stdout,
                    unlimited.stdout,
                    "{what} under {fd_limit} open files answered differently with exit 0:\n{}",
                    run.describe()
                );
                assert_eq!(run.listings, 1, "{what}: {}", run.describe());
                assert!(
                    run.inspects <= unlimited.inspects,
                    "{what}: {}",
                    run.describe()
                );
            } else {
                let said = format!("{}{}", run.stdout, run.message);
                assert!(
                    !said.trim().is_empty(),
                    "{what} under {fd_limit} open files failed without a word:\n{}",
                    run.describe()
                );
                assert!(
                    !run.stdout.contains("✓ Allocated") && !run.stdout.contains("\"allocated\""),
                    "{what} failed but printed an answer:\n{}",
                    run.describe()
                );
            }
        }
    }

    // The request counts of the first round.
    let unlabelled_max = UNLABELLED + foreign_unlabelled;
    for ((what, _, _), run) in commands.iter().zip(&first) {
        assert_eq!(run.listings, 1, "{what}: one listing\n{}", run.describe());
        assert!(
            run.inspects >= UNLABELLED && run.inspects <= unlabelled_max,
            "{what}: {} inspects, expected the {UNLABELLED} unlabelled (+{foreign_unlabelled} of others)\n{}",
            run.inspects,
            run.describe()
        );
        assert!(run.others.is_empty(), "{what}: {}", run.describe());
    }

    // The answers of the first round.
    let [all, js, limits, status, grant] = &first[..] else {
        unreachable!()
    };
    assert_eq!(parse_all(&all.stdout, names), tracked, "{}", all.describe());
    let js_value = json(js);
    assert_eq!(
        parse_json_slots(&js_value, names),
        tracked,
        "{}",
        js.describe()
    );
    if alone {
        let slots: BTreeSet<&String> = js_value.as_object().unwrap().keys().collect();
        assert_eq!(slots, tracked.keys().collect(), "{}", js.describe());
    }
    let dashboard = plain(&limits.stdout);
    assert!(
        dashboard.contains(&format!(" {user_containers}/200 containers"))
            && dashboard.contains("\n  0 running\n"),
        "check-limits of {user}: {user_containers} containers\n{dashboard}"
    );
    assert!(
        dashboard.contains(&format!("  {user_slots}/4 MIG slots")),
        "check-limits of {user}: {user_slots} MIG slots\n{dashboard}"
    );
    let st = json(status);
    assert_eq!(
        parse_json_slots(&st["allocations"], names),
        tracked,
        "{}",
        status.describe()
    );
    assert_eq!(st["total_gpus"], TOTAL_SLOTS, "{}", status.describe());
    if alone {
        assert_eq!(st["allocated"], held.len() as u64, "{}", status.describe());
        assert_eq!(grant.stdout, expected_grant, "{}", grant.describe());
    }

    eprintln!(
        "many: test ran {:.1} s before clean-up",
        started.elapsed().as_secs_f64()
    );
}
