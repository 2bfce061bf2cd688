//! `mlc create` and `mlc open` end to end, against a real engine: runs only
//! when `DOCKER_HOST` names an engine that answers and has the test images
//! (`compat-tests/engine/up` and `images`); otherwise it says why and passes.
//!
//! - the containers our create makes, compared field by field with the
//!   `docker inspect` of the original's (recordings in
//!   `../shared/compat/aime-v2-real/json/`);
//! - a create killed (SIGKILL) right after each of its steps, then run
//!   again: it must end with one container and one committed image;
//! - test case 1 (catalog create) and test case 5 (`mlc open` on a DS01
//!   container: the caller's ids, the workspace, the last shell stops it).
//!
//! Everything made here is named `e2e*` and removed at the end.  The docker
//! CLI only prepares and inspects; `mlc` is ours.  Test users are ids
//! without an account (switched to when the tests run as root).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::*;

/// Whether `test` can run here; otherwise it says why and passes, or,
/// under `DS01_TESTS_NEED_ENGINE`, fails.
fn ready(test: &str) -> bool {
    let what = format!("aime_e2e::{test}");
    match engine_ready() {
        Ok(()) if ds01_installed() && !test.starts_with("killed") && !test.contains("ds01") => {
            skip(&what, "a DS01 installation makes every create DS01's");
            false
        }
        Ok(())
            if engine_socket().is_none()
                && (test.starts_with("killed") || test.starts_with("inspect")) =>
        {
            skip(&what, "the kill proxy needs DOCKER_HOST=unix://...");
            false
        }
        Ok(()) => true,
        Err(why) => {
            skip(&what, &why);
            false
        }
    }
}

fn inspect(name: &str) -> Option<Value> {
    let out = docker(&["inspect", "--type", "container", name]);
    if !out.status.success() {
        return None;
    }
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v.get(0).cloned()
}

fn label<'a>(c: &'a Value, key: &str) -> Option<&'a str> {
    c["Config"]["Labels"][key].as_str()
}

/// Containers whose name is exactly `name`.
fn containers_named(name: &str) -> usize {
    docker_out(&["ps", "-a", "--format", "{{.Names}}"])
        .lines()
        .filter(|n| *n == name)
        .count()
}

/// Images tagged exactly `reference`.
fn images_tagged(reference: &str) -> usize {
    docker_out(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .lines()
        .filter(|r| *r == reference)
        .count()
}

fn image_id(reference: &str) -> Option<String> {
    let out = docker(&["image", "inspect", "--format", "{{.Id}}", reference]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

// ---------------------------------------------------------------------------
// 1. docker inspect of our containers against the original's.

/// The recorded create sessions (pipe mode, an inspect of the result, the
/// docker calls passed through as made) that need nothing but a uid: 097
/// needs a login uid other than the uid, the pty sessions a terminal, and
/// in 140 and 141 the recorder changed the docker calls to make them run.
const RECORDED_CREATES: [&str; 10] = [
    "070-create-s-w",
    "073-create-s-default-ws-data-models",
    "074-create-long-options",
    "075-create-s-gpus-1",
    "076-create-s-gpus-device",
    "078-create-s-arch-blackwell",
    "079-create-s-mlc-arch-env-ampere",
    "083-create-s-pull-simulated",
    "086-create-interactive-pipe",
    "095-jane-create",
];

/// Facts of the engine that the recording machine's engine had in its own
/// way (its name "vm", runtime runc, vfs, cgroup v1).
struct EngineFacts {
    name: String,
    runtime: String,
    driver: String,
    cgroupns: &'static str,
}

fn engine_facts() -> EngineFacts {
    let info: Value = serde_json::from_str(&docker_out(&["info", "--format", "{{json .}}"]))
        .expect("docker info");
    let s = |k: &str| info[k].as_str().unwrap_or_default().to_string();
    EngineFacts {
        name: s("Name"),
        runtime: s("DefaultRuntime"),
        driver: s("Driver"),
        cgroupns: if s("CgroupVersion") == "2" {
            "private"
        } else {
            "host"
        },
    }
}

/// Replace, in every string of `v`, what was the recording's and is ours:
/// the home directory, the container's tag and name.
fn substitute(v: &Value, subs: &[(String, String)], name: (&str, &str)) -> Value {
    match v {
        Value::String(s) if s == name.0 => Value::String(name.1.to_string()),
        Value::String(s) => {
            let mut s = s.clone();
            for (from, to) in subs {
                s = s.replace(from.as_str(), to);
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, subs, name)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, subs, name)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Every recorded leaf that differs in ours: `path: recorded X, ours Y`.
fn differences(recorded: &Value, ours: &Value, path: &str, out: &mut Vec<String>) {
    match recorded {
        Value::Object(o) if ours.is_object() => {
            for (k, r) in o {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match ours.get(k) {
                    Some(x) => differences(r, x, &p, out),
                    None => out.push(format!("{p}: recorded {r}, ours missing")),
                }
            }
        }
        Value::Array(a) if ours.as_array().is_some_and(|b| b.len() == a.len()) => {
            for (i, r) in a.iter().enumerate() {
                differences(r, &ours[i], &format!("{path}[{i}]"), out);
            }
        }
        r if r != ours => out.push(format!("{path}: recorded {r}, ours {ours}")),
        _ => {}
    }
}

/// `docker inspect` keys that identify this container and moment, or the
/// engine's storage: never the same twice.
const VOLATILE: [&str; 4] = ["Id", "Created", "Image", "GraphDriver"];

/// The order of binds and mounts is the docker CLI's map order: random.
fn sort_mounts(v: &mut Value) {
    if let Some(m) = v.get_mut("Mounts").and_then(Value::as_array_mut) {
        m.sort_by_key(|x| x["Destination"].as_str().unwrap_or_default().to_string());
    }
    if let Some(b) = v["HostConfig"]
        .get_mut("Binds")
        .and_then(Value::as_array_mut)
    {
        b.sort_by_key(|x| x.as_str().unwrap_or_default().to_string());
    }
}

fn recordings() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/compat/aime-v2-real/json");
    dir.is_dir().then_some(dir)
}

/// The recordings that qualify for the comparison, counted from the
/// recordings themselves: a `docker inspect` of the result, pipe mode, the
/// docker calls passed through as made (`faithful`), and the login uid the
/// same as the uid.
fn qualifying_recordings(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the recordings' json directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| {
            let rec: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            rec["inspect"].as_object().is_some_and(|o| !o.is_empty())
                && rec["mode"] == "pipe"
                && rec["docker_shim_mode"] == "faithful"
                && rec["uid"] == rec["loginuid"]
        })
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn inspect_matches_the_recorded_originals() {
    if !ready("inspect_matches_the_recorded_originals") {
        return;
    }
    let Some(dir) = recordings() else {
        skip(
            "aime_e2e::inspect_matches_the_recorded_originals",
            "no recordings at ../shared/compat/aime-v2-real",
        );
        return;
    };
    // The list is exactly the recordings that qualify: none is left out
    // unnoticed, and the count below is theirs.
    assert_eq!(
        qualifying_recordings(&dir),
        RECORDED_CREATES,
        "RECORDED_CREATES is not the set of qualifying recordings"
    );
    let facts = engine_facts();
    let scratch = Scratch::new("inspect");
    let bin = scratch.bin_dir();
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml_images.repo");
    let mut problems = Vec::new();
    let mut compared = 0;
    let mut skipped = 0;
    for session in RECORDED_CREATES {
        let file = dir.join(format!("{session}.json"));
        let rec: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(rec["docker_shim_mode"], "faithful", "{session}");
        let uid = rec["uid"].as_u64().unwrap() as u32;
        let gid = rec["gid"].as_u64().unwrap() as u32;
        let login = rec["user"].as_str().unwrap();
        let rec_home = rec["env"]["HOME"].as_str().unwrap();
        let (tag, recorded) = rec["inspect"].as_object().unwrap().iter().next().unwrap();
        let name = tag.split("._.").next().unwrap();
        let (our_name, our_tag) = (format!("e2e{name}"), format!("e2e{tag}"));
        if !is_root()
            && ds01::identity::Identity::current(&ds01::context::Env::from_process()).uid != uid
        {
            skip(
                &format!("aime_e2e: {session}"),
                &format!("needs uid {uid} (run as root)"),
            );
            skipped += 1;
            continue;
        }
        if expected_login(uid, login) != login {
            skip(
                &format!("aime_e2e: {session}"),
                "this process's login uid names another user",
            );
            skipped += 1;
            continue;
        }

        let home = scratch.dir(login, Some((uid, gid)));
        for d in ["ws", "workspace", "data", "models"] {
            scratch.dir(&format!("{login}/{d}"), Some((uid, gid)));
        }
        let user = User {
            uid,
            gid,
            login: login.to_string(),
            home: home.clone(),
        };
        let subs = [
            (rec_home.to_string(), home.display().to_string()),
            (tag.clone(), our_tag.clone()),
        ];
        let mut expected = substitute(recorded, &subs, (name, &our_name));
        let image = expected["Config"]["Image"].as_str().unwrap().to_string();
        scratch.container(&our_tag);
        scratch.image(&image);

        // The command line as typed (through bash, as recorded), with our
        // home and name; stdin likewise.
        let line = rec["argv"][2]
            .as_str()
            .unwrap()
            .replace(rec_home, &home.display().to_string());
        let line: Vec<String> = line
            .split(' ')
            .map(|w| {
                if w == name {
                    our_name.clone()
                } else {
                    w.to_string()
                }
            })
            .collect();
        let input: String = rec["stdin"]
            .as_str()
            .unwrap_or("")
            .split_inclusive('\n')
            .map(|l| {
                if l.trim_end() == name {
                    format!("{our_name}\n")
                } else {
                    l.to_string()
                }
            })
            .collect();
        let line = line.join(" ");
        let mlc_line = || {
            let mut cmd = user.command("/bin/bash", &bin, &catalog);
            cmd.args(["-c", &line]);
            for (k, v) in rec["env"].as_object().unwrap() {
                if matches!(
                    k.as_str(),
                    "MLC_ARCH" | "DISPLAY" | "NCCL_P2P_LEVEL" | "COLUMNS"
                ) {
                    cmd.env(k, v.as_str().unwrap());
                }
            }
            cmd
        };

        // The setup container: ours, caught before it starts, against the
        // one the recorded `docker run` argv makes (`docker create`, same
        // arguments: the same container until started).
        let proxy = Proxy::start(
            scratch.root.join("engine.sock"),
            engine_socket().expect("DOCKER_HOST is a unix socket"),
            KillRule {
                matches: |m, p| m == "POST" && p.ends_with("/start"),
                nth: 1,
                when: When::BeforeRequest,
            },
        );
        let (status, out, err) = proxy.run(mlc_line(), &input);
        drop(proxy);
        match inspect(&our_tag) {
            None => problems.push(format!(
                "{session}: no setup container ({status:?})\n{out}{err}"
            )),
            Some(mut ours) => {
                let _ = docker(&["rm", "-f", &our_tag]);
                let run = rec["docker_calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["argv"][0] == "run")
                    .expect("a recorded docker run");
                let home_text = home.display().to_string();
                let argv: Vec<String> = run["argv"].as_array().unwrap()[1..]
                    .iter()
                    .map(|a| {
                        let a = a.as_str().unwrap();
                        if a == tag {
                            our_tag.clone()
                        } else if a.starts_with(rec_home) {
                            a.replacen(rec_home, &home_text, 1)
                        } else {
                            // The setup script's prompt names the container.
                            a.replace(&format!("[{name}]"), &format!("[{our_name}]"))
                        }
                    })
                    .collect();
                let mut args = vec!["create"];
                args.extend(argv.iter().map(String::as_str));
                let made = docker(&args);
                assert!(
                    made.status.success(),
                    "{session}: docker create (recorded run): {}",
                    String::from_utf8_lossy(&made.stderr)
                );
                let mut reference = inspect(&our_tag).unwrap();
                let _ = docker(&["rm", "-f", &our_tag]);
                for key in ["Id", "Created", "GraphDriver"] {
                    reference.as_object_mut().unwrap().remove(key);
                }
                sort_mounts(&mut reference);
                sort_mounts(&mut ours);
                // Ours carries the final container's labels but `aime.mlc`
                // (deliberately: visible and counted while it lives); AIME's
                // had none.  Everything else must be the same.
                let labels = ours["Config"]["Labels"].take();
                if labels["aime.mlc.USER"].is_null() || !labels["aime.mlc"].is_null() {
                    problems.push(format!("{session}: setup container labels: {labels}"));
                }
                ours["Config"]["Labels"] = reference["Config"]["Labels"].clone();
                let mut diffs = Vec::new();
                differences(&reference, &ours, "", &mut diffs);
                problems.extend(diffs.into_iter().map(|d| {
                    format!("{session}: setup container (vs the recorded docker run): {d}")
                }));
            }
        }

        let cmd = mlc_line();
        let (code, out, err) = run_with_input(cmd, &input);
        assert_eq!(
            i64::from(code),
            rec["exit"].as_i64().unwrap(),
            "{session}: {line}\n{out}{err}"
        );
        let Some(mut ours) = inspect(&our_tag) else {
            problems.push(format!("{session}: no container {our_tag}\n{out}{err}"));
            continue;
        };

        // What the recording machine's engine and host had in its own way.
        expected["Config"]["Hostname"] = Value::String(facts.name.clone());
        expected["HostConfig"]["Runtime"] = Value::String(facts.runtime.clone());
        expected["HostConfig"]["CgroupnsMode"] = Value::String(facts.cgroupns.into());
        expected["Driver"] = Value::String(facts.driver.clone());
        for key in VOLATILE {
            expected.as_object_mut().unwrap().remove(key);
        }
        sort_mounts(&mut expected);
        sort_mounts(&mut ours);
        let mut diffs = Vec::new();
        differences(&expected, &ours, "", &mut diffs);
        problems.extend(diffs.into_iter().map(|d| format!("{session}: {d}")));
        compared += 1;

        // Gone at once: the recorded sessions' images are the catalog's.
        let _ = docker(&["rm", "-f", &our_tag]);
        let _ = docker(&["image", "rm", &image]);
    }
    eprintln!("aime_e2e: compared {compared} containers with the recordings");
    assert!(
        problems.is_empty(),
        "docker inspect differs from the original's:\n{}",
        problems.join("\n")
    );
    // Every qualifying recording was compared (but those skipped above,
    // which DS01_TESTS_NEED_ENGINE does not allow).
    assert_eq!(
        compared,
        RECORDED_CREATES.len() - skipped,
        "compared {compared} of {} recorded creates ({skipped} skipped)",
        RECORDED_CREATES.len()
    );
}

// ---------------------------------------------------------------------------
// 2. A create killed after each of its steps, then run again.

/// What the engine holds for a create of `tag` from catalog image `repo`.
#[derive(Debug)]
struct Seen {
    /// The container called `tag`, if any.
    container: Option<Value>,
    /// The id of `repo:tag`, if committed.
    image: Option<String>,
}

fn seen(tag: &str, repo: &str) -> Seen {
    Seen {
        container: inspect(tag),
        image: image_id(&format!("{repo}:{tag}")),
    }
}

struct KillRun {
    scratch: Scratch,
    user: User,
    bin: PathBuf,
    catalog: PathBuf,
    ws: PathBuf,
    name: String,
    tag: String,
    repo: String,
    requests: Vec<String>,
}

impl KillRun {
    fn create(&self) -> Command {
        let mut cmd = self.user.command(
            self.bin.join("mlc").to_str().unwrap(),
            &self.bin,
            &self.catalog,
        );
        cmd.args(["create", &self.name, "Pytorch", "2.5.1", "-s", "-w"])
            .arg(&self.ws);
        cmd
    }
}

/// Start `mlc create` through a proxy that SIGKILLs it at `rule`; returns
/// the run (for the second try) once it is dead.
fn killed_create(id: &str, rule: KillRule) -> KillRun {
    let scratch = Scratch::new(&format!("kill-{id}"));
    let user = User::test_user(1003, "e2euser", scratch.root.join("home"));
    scratch.dir("home", Some((user.uid, user.gid)));
    let ws = scratch.dir("home/ws", Some((user.uid, user.gid)));
    let repo = format!("e2e/kill-{id}");
    assert!(docker_ok(&["tag", AIME_IMAGE, &format!("{repo}:latest")]));
    scratch.image_later(&format!("{repo}:latest"));
    let catalog = scratch.catalog(&[("Pytorch", "2.5.1", "CUDA_ADA", &repo)]);
    let bin = scratch.bin_dir();
    let name = format!("e2ekill{}", id.replace('-', ""));
    let tag = format!("{name}._.{}", user.uid);
    scratch.container(&tag);
    scratch.image(&format!("{repo}:{tag}"));

    let proxy = Proxy::start(
        scratch.root.join("engine.sock"),
        engine_socket().expect("DOCKER_HOST is a unix socket"),
        rule,
    );
    let run = KillRun {
        scratch,
        user,
        bin,
        catalog,
        ws,
        name,
        tag,
        repo,
        requests: Vec::new(),
    };
    let (status, out, err) = proxy.run(run.create(), "");
    use std::os::unix::process::ExitStatusExt;
    assert!(
        proxy.fired() && status.signal() == Some(libc::SIGKILL),
        "{id}: mlc create was not killed at the chosen request ({status:?}); requests: {:?}\n{out}{err}",
        proxy.requests(),
    );
    KillRun {
        requests: proxy.requests(),
        ..run
    }
}

/// The same create again, straight to the engine: it must leave exactly one
/// container of that name (AIME's), exactly one image `repo:tag`, used by
/// it, and nothing of the killed run (`stale`: the image it committed).
fn recover(run: &KillRun, stale: Option<String>, expect_exit: i32) {
    let (code, out, err) = run_with_input(run.create(), "");
    assert_eq!(code, expect_exit, "second create:\n{out}{err}");
    if expect_exit == 0 {
        assert!(out.contains("ready."), "{out}");
    } else {
        assert!(out.contains("already exists"), "{out}");
    }
    let reference = format!("{}:{}", run.repo, run.tag);
    assert_eq!(
        containers_named(&run.tag),
        1,
        "containers named {}",
        run.tag
    );
    assert_eq!(images_tagged(&reference), 1, "images tagged {reference}");
    let c = inspect(&run.tag).unwrap();
    assert_eq!(label(&c, "aime.mlc"), Some(run.user.label().as_str()));
    assert_eq!(label(&c, "aime.mlc.NAME"), Some(run.name.as_str()));
    assert_eq!(c["Config"]["Image"], Value::String(reference.clone()));
    let id = image_id(&reference).unwrap();
    assert_eq!(c["Image"], Value::String(id.clone()));
    if let Some(old) = stale.filter(|o| *o != id) {
        run.scratch.image_later(&old);
        assert!(
            image_id(&old).is_none(),
            "the image committed by the killed create ({old}) is left behind, untagged"
        );
    }
}

fn is_create(m: &str, p: &str) -> bool {
    m == "POST" && p.ends_with("/containers/create")
}

#[test]
fn killed_after_setup_container_created() {
    if !ready("killed_after_setup_container_created") {
        return;
    }
    let run = killed_create(
        "created",
        KillRule {
            matches: is_create,
            nth: 1,
            when: When::BeforeResponse,
        },
    );
    let s = seen(&run.tag, &run.repo);
    let c = s.container.expect("the setup container exists");
    assert!(label(&c, "aime.mlc").is_none(), "{c}");
    assert_eq!(c["State"]["Status"], "created");
    assert!(s.image.is_none());
    recover(&run, None, 0);
}

/// The setup container of a killed create is the user's to see and
/// remove: `mlc remove` takes it away and leaves the catalog's image.
#[test]
fn mlc_remove_cleans_up_a_killed_create() {
    if !ready("mlc_remove_cleans_up_a_killed_create") {
        return;
    }
    let run = killed_create(
        "removed-by-user",
        KillRule {
            matches: is_create,
            nth: 1,
            when: When::BeforeResponse,
        },
    );
    let c = seen(&run.tag, &run.repo)
        .container
        .expect("the setup container exists");
    assert!(label(&c, "aime.mlc.USER").is_some(), "unlabelled: {c}");
    let mut cmd = run.user.command(
        run.bin.join("mlc").to_str().unwrap(),
        &run.bin,
        &run.catalog,
    );
    cmd.args(["remove", &run.name, "-s", "-f"]);
    let (code, out, err) = run_with_input(cmd, "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(inspect(&run.tag).is_none(), "still there:\n{out}{err}");
    assert!(
        image_id(&format!("{}:latest", run.repo)).is_some(),
        "the catalog's image was deleted"
    );
}

#[test]
fn killed_while_setup_container_runs() {
    if !ready("killed_while_setup_container_runs") {
        return;
    }
    let run = killed_create(
        "running",
        KillRule {
            matches: |m, p| m == "POST" && p.ends_with("/wait"),
            nth: 1,
            when: When::BeforeRequest,
        },
    );
    let s = seen(&run.tag, &run.repo);
    let c = s.container.expect("the setup container exists");
    assert!(label(&c, "aime.mlc").is_none(), "{c}");
    assert_ne!(c["State"]["Status"], "created", "it was started");
    assert!(s.image.is_none());
    recover(&run, None, 0);
}

#[test]
fn killed_after_commit() {
    if !ready("killed_after_commit") {
        return;
    }
    let run = killed_create(
        "committed",
        KillRule {
            matches: |m, p| m == "POST" && p.ends_with("/commit"),
            nth: 1,
            when: When::BeforeResponse,
        },
    );
    let s = seen(&run.tag, &run.repo);
    let c = s.container.expect("the setup container is still there");
    assert!(label(&c, "aime.mlc").is_none(), "{c}");
    let image = s.image.expect("the image is committed");
    recover(&run, Some(image), 0);
}

#[test]
fn killed_after_setup_container_removed() {
    if !ready("killed_after_setup_container_removed") {
        return;
    }
    let run = killed_create(
        "removed",
        KillRule {
            matches: |m, p| m == "DELETE" && p.contains("/containers/"),
            nth: 1,
            when: When::BeforeResponse,
        },
    );
    let s = seen(&run.tag, &run.repo);
    assert!(s.container.is_none(), "{:?}", s.container);
    let image = s.image.expect("the image is committed");
    recover(&run, Some(image), 0);
}

#[test]
fn killed_after_final_container_created() {
    if !ready("killed_after_final_container_created") {
        return;
    }
    let run = killed_create(
        "final",
        KillRule {
            matches: is_create,
            nth: 2,
            when: When::BeforeResponse,
        },
    );
    let s = seen(&run.tag, &run.repo);
    let c = s.container.expect("the container exists");
    assert_eq!(label(&c, "aime.mlc.NAME"), Some(run.name.as_str()), "{c}");
    let image = s.image.expect("the image is committed");
    assert_eq!(c["Image"], Value::String(image.clone()));
    assert!(
        run.requests
            .iter()
            .filter(|r| r.ends_with("/containers/create"))
            .count()
            == 2,
        "{:?}",
        run.requests
    );
    // Everything was done: the same create again is refused as for any
    // existing container (AIME's "already exists", exit 1) and changes
    // nothing.
    let id = c["Id"].clone();
    recover(&run, Some(image), 1);
    assert_eq!(inspect(&run.tag).unwrap()["Id"], id);
}

// ---------------------------------------------------------------------------
// 3. Test cases 1 and 5.

/// Test case 1: `mlc create NAME Pytorch VERSION -s -w DIR` from the
/// catalog: AIME's labels, the committed image `IMAGE:NAME._.UID` with the
/// user in it, `--user UID:GID`, `/workspace` and its bind mount.
#[test]
fn test_case_1_catalog_create() {
    if !ready("test_case_1_catalog_create") {
        return;
    }
    let scratch = Scratch::new("tc1");
    let user = User::test_user(1003, "e2euser", scratch.root.join("home"));
    scratch.dir("home", Some((user.uid, user.gid)));
    let ws = scratch.dir("home/ws", Some((user.uid, user.gid)));
    let repo = "e2e/tc1";
    assert!(docker_ok(&["tag", AIME_IMAGE, &format!("{repo}:latest")]));
    scratch.image_later(&format!("{repo}:latest"));
    let catalog = scratch.catalog(&[
        ("Pytorch", "2.5.1", "CUDA_ADA", repo),
        ("Pytorch", "2.4.0", "CUDA_ADA", "e2e/not-there"),
    ]);
    let bin = scratch.bin_dir();
    let name = "e2etc1";
    let tag = format!("{name}._.{}", user.uid);
    let image = format!("{repo}:{tag}");
    scratch.container(&tag);
    scratch.image(&image);
    let check = format!("{name}-check");
    scratch.container(&check);

    let ws_text = ws.display().to_string();
    let (code, out, err) = user.mlc(
        &["create", name, "Pytorch", "2.5.1", "-s", "-w", &ws_text],
        "",
        &bin,
        &catalog,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("[{name}]\x1b[0m ready.")), "{out}");

    let c = inspect(&tag).expect("the container exists");
    let login = user.label();
    let mut labels: Vec<(String, String)> = c["Config"]["Labels"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    labels.sort();
    let mut want: Vec<(String, String)> = [
        ("aime.mlc", login.as_str()),
        ("aime.mlc.ARCH", "CUDA_ADA"),
        ("aime.mlc.DATA_MOUNT", "-"),
        ("aime.mlc.FRAMEWORK", "Pytorch-2.5.1"),
        ("aime.mlc.GPUS", "all"),
        ("aime.mlc.MLC_VERSION", "4"),
        ("aime.mlc.MODELS_MOUNT", "-"),
        ("aime.mlc.NAME", name),
        ("aime.mlc.USER", login.as_str()),
        ("aime.mlc.WORK_MOUNT", ws_text.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    want.sort();
    assert_eq!(labels, want);
    assert_eq!(c["Config"]["Image"], Value::String(image.clone()));
    assert_eq!(
        c["Image"],
        Value::String(image_id(&image).expect("the committed image"))
    );
    assert_eq!(
        c["Config"]["User"],
        Value::String(format!("{}:{}", user.uid, user.gid))
    );
    assert_eq!(c["Config"]["WorkingDir"], "/workspace");
    assert_eq!(
        c["Config"]["Cmd"],
        serde_json::json!(["bash", "-c", "bash"])
    );
    assert_eq!(c["HostConfig"]["Privileged"], true);
    let ws_mount = c["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Destination"] == "/workspace")
        .expect("a /workspace mount");
    assert_eq!(ws_mount["Type"], "bind");
    assert_eq!(ws_mount["Source"], Value::String(ws_text.clone()));
    assert_eq!(ws_mount["RW"], true);
    assert_eq!(images_tagged(&image), 1);
    assert_eq!(containers_named(&tag), 1, "no setup container left");

    // The setup ran in the image: the user, and AIME's prompt in its .bashrc.
    let out = docker(&[
        "run",
        "--name",
        &check,
        &image,
        "sh",
        "-c",
        &format!(
            "grep '^{login}:x:{}:{}:' /etc/passwd && grep -c '\\[{name}\\]' /home/{login}/.bashrc",
            user.uid, user.gid
        ),
    ]);
    assert!(
        out.status.success(),
        "the committed image lacks the user: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A DS01 image built for this user (its labels say so): create uses it as
/// it is, without setup or commit.
fn ds01_image(scratch: &Scratch, reference: &str, user: &User) {
    let build = "e2eopen-build";
    scratch.container(build);
    scratch.image(reference);
    let setup = format!(
        "addgroup --gid {gid} {login} && adduser --uid {uid} --gid {gid} {login} --disabled-password --gecos ds01",
        uid = user.uid,
        gid = user.gid,
        login = user.login
    );
    let out = docker(&["run", "--name", build, AIME_IMAGE, "sh", "-c", &setup]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let change = format!(
        "LABEL ds01.has_user_setup=true ds01.user_id={} ds01.group_id={}",
        user.uid, user.gid
    );
    assert!(docker_ok(&[
        "commit", "--change", &change, build, reference
    ]));
    let _ = docker(&["rm", "-f", build]);
}

/// Test case 5: `mlc open` on a container made with DS01's extensions: the
/// shell has the caller's uid and gid, /workspace is the workspace, a
/// second shell leaves it running, the last one stops it.
#[test]
fn test_case_5_open_ds01_container() {
    if !ready("test_case_5_open_ds01_container") {
        return;
    }
    let scratch = Scratch::new("tc5");
    let user = User::test_user(1003, "e2euser", scratch.root.join("home"));
    scratch.dir("home", Some((user.uid, user.gid)));
    let ws = scratch.dir("home/ws", Some((user.uid, user.gid)));
    std::fs::write(ws.join("from-host.txt"), "hello\n").unwrap();
    let image = "e2e/ds01-open:latest";
    ds01_image(&scratch, image, &user);
    let catalog = scratch.catalog(&[("Pytorch", "2.5.1", "CUDA_ADA", "e2e/not-there")]);
    let bin = scratch.bin_dir();
    let name = "e2eopen";
    let tag = format!("{name}._.{}", user.uid);
    scratch.container(&tag);
    scratch.image(&format!("e2e/ds01-open:{tag}"));

    let ws_text = ws.display().to_string();
    let image_arg = format!("--image={image}");
    let (code, out, err) = user.mlc(
        &[
            "create",
            name,
            &image_arg,
            "--cpus=1",
            "--memory=256m",
            "-s",
            "-w",
            &ws_text,
        ],
        "",
        &bin,
        &catalog,
    );
    assert_eq!(code, 0, "{out}{err}");
    let c = inspect(&tag).expect("the container exists");
    assert_eq!(c["Config"]["Image"], image, "used as it is");
    assert!(
        image_id(&format!("e2e/ds01-open:{tag}")).is_none(),
        "nothing committed"
    );
    assert_eq!(c["HostConfig"]["NanoCpus"], 1_000_000_000i64);
    assert_eq!(c["HostConfig"]["Memory"], 256i64 * 1024 * 1024);
    assert_eq!(c["HostConfig"]["Privileged"], false);
    assert_eq!(label(&c, "ds01.managed"), Some("true"));
    assert_eq!(label(&c, "aime.mlc.NAME"), Some(name));

    let open = |user: &User| {
        let mut cmd = user.command(bin.join("mlc").to_str().unwrap(), &bin, &catalog);
        cmd.args(["open", name, "-s"]);
        Pty::spawn(cmd)
    };
    let wait = Duration::from_secs(30);

    // First shell: starts the container and stays.
    let mut first = open(&user);
    assert!(
        first.wait_for("opening shell to container...", wait),
        "{}",
        first.output()
    );
    std::thread::sleep(Duration::from_millis(500));
    first.send("echo FIRST-\"\"UP\n");
    assert!(first.wait_for("FIRST-UP", wait), "{}", first.output());
    assert!(
        first.output().contains("starting container..."),
        "{}",
        first.output()
    );

    // Second shell: who am I, where, what is mounted; leaving it keeps the
    // container running for the first.
    let mut second = open(&user);
    assert!(
        second.wait_for("opening shell to container...", wait),
        "{}",
        second.output()
    );
    std::thread::sleep(Duration::from_millis(500));
    second.send(
        "echo \"ID=$(id -u):$(id -g) PWD=$(pwd) HOST=$(cat /workspace/from-host.txt)\"; \
         echo made > /workspace/from-container.txt; exit\n",
    );
    let (code, out) = second.finish(wait);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!(
            "ID={}:{} PWD=/workspace HOST=hello",
            user.uid, user.gid
        )),
        "{out}"
    );
    assert!(out.contains("container already running."), "{out}");
    assert!(
        out.contains("container shell closed successfully.."),
        "{out}"
    );
    assert!(out.contains("container is active, kept running."), "{out}");
    assert_eq!(inspect(&tag).unwrap()["State"]["Running"], true);
    let made = ws.join("from-container.txt");
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&made).expect("written through /workspace");
    assert_eq!((meta.uid(), meta.gid()), (user.uid, user.gid));

    // The last shell: leaving it stops the container.
    first.send("exit\n");
    let (code, out) = first.finish(wait);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("container is inactive, stopping container ..."),
        "{out}"
    );
    assert!(out.contains("container stopped."), "{out}");
    assert_eq!(inspect(&tag).unwrap()["State"]["Running"], false);
}
