//! The allocator under load, on a real engine: 20 users start 64 DS01
//! `mlc-create`s at once on a simulated server of 4 GPUs (0 and 1 whole,
//! 2 and 3 in MIG mode with seven `1g.10gb` slices each).  Afterwards no
//! device is held by two containers, no user is over a quota (GPU
//! equivalents, slots per container, containers), CPU-only containers have
//! no device at all, and every refused create said why in a limit box.
//!
//! It must also have done the work: every device handed out (the requests
//! outnumber them) and at least `MIN_MADE` containers made, so that a run
//! where creates fail for some other reason cannot pass.
//!
//! Needs root (it makes 20 accounts and runs the creates as them) and an
//! engine on `DOCKER_HOST` with the test image (`compat-tests/engine/up`,
//! `images`); otherwise it says why and passes (fails under
//! `DS01_TESTS_NEED_ENGINE`).  The docker CLI is used for setup and
//! inspection only.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BASE: &str = "ds01-test/busybox:latest";
const USERS: u32 = 20;
const FIRST_UID: u32 = 23001;
const RESEARCHERS_FROM: u32 = 16;
/// Devices of the simulated server: GPUs 0 and 1 whole, 7 MIG slices on
/// each of GPUs 2 and 3.
const DEVICES: usize = 2 + 2 * 7;
/// Creates that succeed whatever the order.  Devices: researchers may take
/// any device and never reach their quota (2 gpueq) on slices, so no device
/// is left while any GPU request waits: all 16 are handed out, to at least
/// 16 - 5 containers (only the 5 researchers' `multi` hold two).  CPU-only:
/// the `cpu` creates of the even students 2-8, 12, 14 (6; three containers
/// each), one of `cpu`/`extra` of student 10, and `extra` of students 5
/// and 15 (their quota of 0.3 gpueq allows two slices, so their third GPU
/// create is refused and the fourth container fits): 9.
const MIN_MADE: usize = 16 - 5 + 9;

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the docker CLI")
}

fn ok(out: &Output) -> bool {
    out.status.success()
}

fn name(i: u32) -> String {
    format!("dsload{i:02}")
}

fn skip_reason() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("needs root (accounts for 20 users)".into());
    }
    if std::env::var_os("DOCKER_HOST").is_none() {
        return Some("DOCKER_HOST is not set (compat-tests/engine/up)".into());
    }
    if !ok(&docker(&["image", "inspect", BASE])) {
        return Some(format!("no engine answering with the image {BASE}"));
    }
    if Command::new("runuser").arg("--help").output().is_err() {
        return Some("runuser is missing".into());
    }
    None
}

/// Accounts, images, containers and files of the test, removed at the end.
struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = std::env::temp_dir().join(format!("ds01-alloc-load-{}", std::process::id()));
        let f = Fixture { dir };
        f.cleanup_engine();
        for i in 1..=USERS {
            let _ = Command::new("userdel").arg(name(i)).output();
        }
        std::fs::create_dir_all(f.dir.join("bin")).expect("scratch dir");
        f
    }

    fn cleanup_engine(&self) {
        let out = docker(&["ps", "-aq", "--filter", "name=dsload"]);
        let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids.iter().map(String::as_str));
            docker(&args);
        }
        for i in 1..=USERS {
            docker(&[
                "image",
                "rm",
                "-f",
                &format!("ds01-load/{}:latest", name(i)),
            ]);
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.cleanup_engine();
        for i in 1..=USERS {
            let _ = Command::new("userdel").arg(name(i)).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write fixture file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn config(dir: &Path) {
    let researchers: Vec<String> = (RESEARCHERS_FROM..=USERS).map(name).collect();
    let yaml = format!(
        "defaults:\n  max_gpu_equivalents: 1\n  max_gpu_slots_per_container: 1\n  \
         max_containers_per_user: 3\n  allow_full_gpu: false\n  cpus: 1\n  memory: 256m\n  \
         shm_size: 64m\n  pids_limit: 256\n\
         default_group: student\n\
         groups:\n  student:\n    max_gpu_equivalents: 0.3\n    aggregate:\n      gpu_limit: 0.3\n  \
         researcher:\n    members: [{}]\n    allow_full_gpu: true\n    max_gpu_equivalents: 2\n    \
         max_gpu_slots_per_container: 2\n",
        researchers.join(", ")
    );
    std::fs::create_dir_all(dir).expect("config dir");
    write(&dir.join("resource-limits.yaml"), &yaml, 0o644);
}

fn inventory(path: &Path) {
    let mut text = String::new();
    for g in 0..4 {
        text.push_str(&format!(
            "GPU {g}: NVIDIA A100-SXM4-40GB (UUID: GPU-{g}{g}{g}{g}0000-1111-2222-3333-444444444444)\n"
        ));
        if g >= 2 {
            for d in 0..7 {
                text.push_str(&format!(
                    "  MIG 1g.10gb     Device  {d}: (UUID: MIG-{g}{d}000000-aaaa-bbbb-cccc-000000000000)\n"
                ));
            }
        }
    }
    write(path, &text, 0o644);
}

/// Per user: what to ask for, in three (or four) creates.
fn requests(i: u32) -> Vec<(String, Vec<String>)> {
    let researcher = i >= RESEARCHERS_FROM;
    let mut list: Vec<(String, Vec<String>)> = Vec::new();
    if researcher {
        list.push(("multi".into(), vec!["--num-gpus=2".into()]));
        list.push(("gpua".into(), vec![]));
        list.push(("gpub".into(), vec![]));
    } else {
        list.push(("gpua".into(), vec![]));
        list.push(("gpub".into(), vec![]));
        if i % 2 == 0 {
            list.push(("cpu".into(), vec!["--cpu-only".into()]));
        } else {
            list.push(("gpuc".into(), vec![]));
        }
    }
    if i % 5 == 0 {
        // One create more than the container quota allows.
        list.push(("extra".into(), vec!["--cpu-only".into()]));
    }
    list
}

/// What a refusal may say: one of DS01's limit boxes, or the generic box
/// naming a quota (as the original's `show_limit_error` chose them).
const REFUSALS: [&str; 6] = [
    "GPU Limit Reached",
    "No MIG Instances Available",
    "No GPUs Currently Available",
    "Container Limit Reached",
    "Error: ✗ Allocation failed: AGGREGATE_GPU_QUOTA_EXCEEDED",
    "Error: ✗ Allocation failed: EXCEEDS_CONTAINER_LIMIT",
];

#[test]
fn sixty_parallel_creates_never_share_a_device_or_overrun_a_quota() {
    if let Some(why) = skip_reason() {
        // scripts/test (CI) sets this: there the test must run.
        assert!(
            std::env::var_os("DS01_TESTS_NEED_ENGINE").is_none(),
            "DS01_TESTS_NEED_ENGINE is set but the load test cannot run: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let f = Fixture::new();
    let cfg = f.dir.join("config");
    config(&cfg);
    let fixture = f.dir.join("gpus");
    inventory(&fixture);
    let state = f.dir.join("state");
    write(
        &f.dir.join("bin/apt"),
        "#!/bin/sh\necho 'cuda-12-4/unknown,now 12.4.1-1 amd64 [installed]'\n",
        0o755,
    );
    write(
        &f.dir.join("catalog.repo"),
        "Pytorch, 2.5.1, [CUDA_ADA], aimehub/pytorch-2.5.1-aime-cuda12.1.1\n",
        0o644,
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f.dir, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let prepared = Command::new(env!("CARGO_BIN_EXE_ds01"))
        .arg("prepare-state")
        .arg(&state)
        .status()
        .expect("ds01 prepare-state");
    assert!(prepared.success(), "prepare-state");

    // Accounts and, for each, an image that already has the user (so the
    // create makes one container and commits nothing).
    let seed = docker(&["create", "--name", "dsload-seed", BASE, "true"]);
    assert!(ok(&seed), "{}", String::from_utf8_lossy(&seed.stderr));
    for i in 1..=USERS {
        let uid = (FIRST_UID + i - 1).to_string();
        let home = f.dir.join("home").join(name(i));
        std::fs::create_dir_all(&home).expect("home");
        let added = Command::new("useradd")
            .args(["-M", "-u", &uid, "-U", "-d"])
            .arg(&home)
            .arg(name(i))
            .output()
            .expect("useradd");
        assert!(ok(&added), "{}", String::from_utf8_lossy(&added.stderr));
        let _ = Command::new("chown")
            .arg(format!("{uid}:{uid}"))
            .arg(&home)
            .status();
        let image = format!("ds01-load/{}:latest", name(i));
        let labels = [
            "LABEL ds01.has_user_setup=true".to_string(),
            format!("LABEL ds01.user_id={uid}"),
            format!("LABEL ds01.group_id={uid}"),
        ];
        let commit = docker(&[
            "commit",
            "--change",
            &labels[0],
            "--change",
            &labels[1],
            "--change",
            &labels[2],
            "dsload-seed",
            &image,
        ]);
        assert!(ok(&commit), "{}", String::from_utf8_lossy(&commit.stderr));
    }
    docker(&["rm", "-f", "dsload-seed"]);

    // Every create at once.
    let bin = env!("CARGO_BIN_EXE_ds01");
    let path = format!(
        "{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        f.dir.join("bin").display()
    );
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    let mut children = Vec::new();
    for i in 1..=USERS {
        for (suffix, extra) in requests(i) {
            let container = format!("{}-{suffix}", name(i));
            let home = f.dir.join("home").join(name(i));
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", &name(i), "--", "env"])
                .arg(format!("HOME={}", home.display()))
                .arg(format!("PATH={path}"))
                .arg(format!("DOCKER_HOST={host}"))
                .arg(format!("DS01_CONFIG_DIR={}", cfg.display()))
                .arg(format!("DS01_GPU_FIXTURE={}", fixture.display()))
                .arg(format!("DS01_STATE_DIR={}", state.display()))
                .arg(format!(
                    "DS01_MLC_CATALOG={}",
                    f.dir.join("catalog.repo").display()
                ))
                .arg(bin)
                .arg("mlc-create-wrapper")
                .arg(&container)
                .arg(format!("--image=ds01-load/{}:latest", name(i)))
                .args(&extra)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let child = cmd.spawn().expect("spawn a create");
            children.push((i, container, extra, child));
        }
    }
    let total = children.len();
    let mut made: HashSet<String> = HashSet::new();
    for (i, container, _extra, child) in children {
        let out = child.wait_with_output().expect("wait for a create");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let tag = format!("{container}._.{}", FIRST_UID + i - 1);
        if out.status.success() {
            assert!(
                stdout.contains("created successfully"),
                "{tag}: exit 0 without success:\n{stdout}"
            );
            made.insert(tag);
        } else {
            assert!(
                REFUSALS.iter().any(|t| stdout.contains(t)),
                "{tag}: refused without a reason box:\n{stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    // What the engine holds.
    let slot_gpueq = |uuid: &str| {
        if uuid.starts_with("MIG-") {
            1.0 / 7.0
        } else {
            1.0
        }
    };
    let mut holder_of: HashMap<String, String> = HashMap::new();
    let mut per_user: HashMap<String, (usize, f64)> = HashMap::new();
    for tag in &made {
        let inspect = docker(&[
            "inspect",
            "-f",
            "{{json .HostConfig.DeviceRequests}}|{{index .Config.Labels \"ds01.user\"}}",
            tag,
        ]);
        assert!(
            ok(&inspect),
            "{tag} was reported created but does not exist"
        );
        let text = String::from_utf8_lossy(&inspect.stdout).trim().to_string();
        let (requests, user) = text.split_once('|').expect("inspect format");
        let uuids: Vec<String> = requests
            .split('"')
            .filter(|s| s.starts_with("GPU-") || s.starts_with("MIG-"))
            .map(str::to_string)
            .collect();
        if tag.contains("-cpu") || tag.contains("-extra") {
            assert_eq!(
                requests, "null",
                "{tag}: a CPU-only container has a device request"
            );
        } else {
            assert!(!uuids.is_empty(), "{tag}: a GPU container without a device");
            assert!(!requests.contains("\"Count\":-1"), "{tag}: given every GPU");
        }
        let researcher = user >= name(RESEARCHERS_FROM).as_str();
        let cap = if researcher { 2 } else { 1 };
        assert!(
            uuids.len() <= cap,
            "{tag}: {} devices > cap {cap}",
            uuids.len()
        );
        for u in &uuids {
            if let Some(other) = holder_of.insert(u.clone(), tag.clone()) {
                panic!("device {u} is held by both {other} and {tag}");
            }
        }
        let e = per_user.entry(user.to_string()).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += uuids.iter().map(|u| slot_gpueq(u)).sum::<f64>();
    }
    for (user, (count, gpueq)) in &per_user {
        let researcher = user.as_str() >= name(RESEARCHERS_FROM).as_str();
        let quota = if researcher { 2.0 } else { 0.3 };
        assert!(*count <= 3, "{user} has {count} containers > 3");
        assert!(
            *gpueq <= quota + 1e-9,
            "{user} holds {gpueq} gpueq > {quota}"
        );
    }
    eprintln!(
        "load: {total} creates, {} made, {} refused, {} devices held",
        made.len(),
        total - made.len(),
        holder_of.len()
    );
    assert_eq!(
        holder_of.len(),
        DEVICES,
        "every device must be handed out: the requests outnumber them"
    );
    assert!(
        made.len() >= MIN_MADE,
        "only {} of {total} creates succeeded (at least {MIN_MADE} must)",
        made.len()
    );
}

/// `release-stale` removes a stopped GPU container whose hold is over, and
/// keeps one that was created a moment ago and never started (the original
/// removed such a container, another user's create in progress).
#[test]
fn release_stale_spares_a_fresh_never_started_container() {
    if let Some(why) = skip_reason() {
        assert!(
            std::env::var_os("DS01_TESTS_NEED_ENGINE").is_none(),
            "DS01_TESTS_NEED_ENGINE is set but the test cannot run: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ds01-stale-{}", std::process::id()));
    let cfg = dir.join("config");
    std::fs::create_dir_all(&cfg).expect("config dir");
    write(
        &cfg.join("resource-limits.yaml"),
        "defaults:\n  gpu_hold_after_stop_h: 0\ndefault_group: student\ngroups:\n  student: {}\n",
        0o644,
    );
    let gpus = dir.join("gpus");
    inventory(&gpus);
    let (fresh, done) = (
        format!("dsstale-fresh-{}", std::process::id()),
        format!("dsstale-done-{}", std::process::id()),
    );
    let labels = |uuid: &str| {
        vec![
            "--label".to_string(),
            "ds01.user=dsstale".to_string(),
            "--label".to_string(),
            "ds01.managed=true".to_string(),
            "--label".to_string(),
            format!("ds01.gpu.uuids={uuid}"),
        ]
    };
    let mut create: Vec<String> = vec!["create".into(), "--name".into(), fresh.clone()];
    create.extend(labels("MIG-20000000-aaaa-bbbb-cccc-000000000000"));
    create.extend([BASE.to_string(), "true".to_string()]);
    let args: Vec<&str> = create.iter().map(String::as_str).collect();
    assert!(ok(&docker(&args)));
    let mut run: Vec<String> = vec!["run".into(), "--name".into(), done.clone()];
    run.extend(labels("MIG-21000000-aaaa-bbbb-cccc-000000000000"));
    run.extend([BASE.to_string(), "true".to_string()]);
    let args: Vec<&str> = run.iter().map(String::as_str).collect();
    let ran = docker(&args);

    let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
        .args(["gpu_allocator_v2", "release-stale", "dsstale"])
        .env("DS01_CONFIG_DIR", &cfg)
        .env("DS01_GPU_FIXTURE", &gpus)
        .env("DS01_STATE_DIR", dir.join("state"))
        .output()
        .expect("run ds01");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let fresh_left = ok(&docker(&["inspect", &fresh]));
    let done_left = ok(&docker(&["inspect", &done]));
    docker(&["rm", "-f", &fresh, &done]);
    let _ = std::fs::remove_dir_all(&dir);

    assert!(ok(&ran), "{}", String::from_utf8_lossy(&ran.stderr));
    assert!(out.status.success(), "{stdout}");
    assert!(fresh_left, "the fresh container was removed:\n{stdout}");
    assert!(!done_left, "the stopped container was kept:\n{stdout}");
    assert_eq!(
        stdout.lines().next().unwrap_or_default().split(':').next(),
        Some(format!("✓ Removed {done}").as_str()),
        "{stdout}"
    );
}
