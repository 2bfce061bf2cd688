//! The attacks of a hostile local user on the allocator's shared state and
//! on other users' containers, replayed with real accounts against a real
//! engine: each one must fail safely (the target untouched, no device held
//! twice, no quota exceeded, the other user unaffected).
//!
//! Users: `dsatk-alice`, `dsatk-bob` (victims) and `dsatk-mallory`
//! (attacker), uids 24101-24103, made once and kept.  Needs root, an engine
//! (`DOCKER_HOST`, compat-tests/engine) and `runuser`-free uid switching
//! (std's `CommandExt::uid`).

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::{docker, docker_ok, BASE};

const ALICE: (u32, &str) = (24101, "dsatk-alice");
const BOB: (u32, &str) = (24102, "dsatk-bob");
const MALLORY: (u32, &str) = (24103, "dsatk-mallory");
const GPUS: &str = "\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-a0a0a0a0-1111-2222-3333-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-b1b1b1b1-1111-2222-3333-111111111111)
GPU 2: NVIDIA A100-SXM4-40GB (UUID: GPU-c2c2c2c2-1111-2222-3333-222222222222)
";
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 1\n  max_gpu_slots_per_container: 1\n  \
max_containers_per_user: 3\n  allow_full_gpu: true\ndefault_group: student\ngroups:\n  student: {}\n";

/// One attack at a time: they share the accounts and the engine (a device
/// one scene's container holds counts in every scene).
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    () => {
        let Some(_serial) = support::with_accounts("ds01_attacks", &SERIAL, &[ALICE, BOB, MALLORY])
        else {
            return;
        };
    };
}

/// A scratch area: configuration, GPU fixture, state directory; removed
/// (with the containers named after it) when dropped.
struct Scene {
    dir: PathBuf,
    tag: String,
}

impl Scene {
    /// `prepared`: the state directory as the package makes it; otherwise
    /// only the directory itself (root's, 1777), as before its first use.
    fn new(tag: &str, prepared: bool) -> Scene {
        let dir = std::env::temp_dir().join(format!("ds01-atk-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).expect("scratch");
        std::fs::write(dir.join("config/resource-limits.yaml"), LIMITS).expect("limits");
        std::fs::write(dir.join("gpus"), GPUS).expect("gpus");
        // `apt list --installed` as a CUDA host answers it (architecture
        // detection), and AIME's catalog.
        std::fs::create_dir_all(dir.join("bin")).expect("bin");
        std::fs::write(
            dir.join("bin/apt"),
            "#!/bin/sh\necho 'cuda-12-4/unknown,now 12.4.1-1 amd64 [installed]'\n",
        )
        .expect("apt");
        std::fs::set_permissions(dir.join("bin/apt"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        std::fs::write(
            dir.join("catalog.repo"),
            "Pytorch, 2.5.1, [CUDA_ADA], aimehub/pytorch-2.5.1-aime-cuda12.1.1\n",
        )
        .expect("catalog");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let state = dir.join("state");
        if prepared {
            let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
                .args(["prepare-state"])
                .arg(&state)
                .output()
                .expect("prepare-state");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        } else {
            std::fs::create_dir(&state).expect("state");
            std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o1777))
                .expect("chmod");
        }
        Scene {
            dir,
            tag: format!("dsatk{tag}"),
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// `ds01 ARGS` as `who` (None: root), with the scene's configuration.
    fn run(&self, who: Option<(u32, &str)>, args: &[&str]) -> Output {
        let mut cmd = match who {
            Some(who) => support::ds01_as(who),
            None => support::ds01_clean(),
        };
        cmd.args(args)
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.dir.join("bin").display()
                ),
            )
            .env("HOME", "/")
            .env("DS01_MLC_CATALOG", self.dir.join("catalog.repo"))
            .env("DS01_CONFIG_DIR", self.dir.join("config"))
            .env("DS01_GPU_FIXTURE", self.dir.join("gpus"))
            .env("DS01_STATE_DIR", self.state())
            .env("DS01_LOCK_TIMEOUT", "10")
            .stdin(Stdio::null());
        cmd.output().expect("run ds01")
    }

    /// `gpu_allocator allocate WHO CONTAINER 1 10` as `who`.
    fn allocate(&self, who: (u32, &str), container: &str) -> Output {
        self.run(
            Some(who),
            &["gpu_allocator_v2", "allocate", who.1, container, "1", "10"],
        )
    }

    /// A shell command as `who` (the attacker's own tools).
    fn shell(&self, who: (u32, &str), script: &str) -> Output {
        Command::new("/bin/sh")
            .args(["-c", script])
            .current_dir(&self.dir)
            .uid(who.0)
            .gid(who.0)
            .output()
            .expect("run sh")
    }

    /// A container `name` of `who` holding `uuid` (labelled as ds01 makes
    /// them, so one listing shows the device).
    fn holder(&self, name: &str, who: (u32, &str), uuid: &str) {
        let full = format!("{}-{name}._.{}", self.tag, who.0);
        assert!(docker_ok(&[
            "create",
            "--name",
            &full,
            "--label",
            &format!("ds01.user={}", who.1),
            "--label",
            "ds01.managed=true",
            "--label",
            &format!("ds01.gpu.uuids={uuid}"),
            BASE,
            "true",
        ]));
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let out = docker(&["ps", "-aq", "--filter", &format!("name={}", self.tag)]);
        for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            docker(&["rm", "-f", id]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The device an allocation answered with (`DOCKER_ID=...`).
fn device_of(o: &Output) -> Option<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("DOCKER_ID=").map(str::to_string))
}

/// A file standing for `/etc/shadow`: root's, mode 0600.
fn victim_file(dir: &Path) -> PathBuf {
    let p = dir.join("shadow");
    std::fs::write(&p, "root:secret\n").expect("victim");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    p
}

fn untouched(p: &Path) {
    let meta = std::fs::symlink_metadata(p).expect("victim exists");
    assert_eq!(meta.mode() & 0o7777, 0o600, "{} changed mode", p.display());
    assert_eq!(meta.uid(), 0);
    assert_eq!(std::fs::read_to_string(p).expect("read"), "root:secret\n");
}

#[test]
fn planted_symlinks_never_redirect_roots_writes() {
    need_setup!();
    let s = Scene::new("links", false);
    let victim = victim_file(&s.dir);
    for name in [
        "gpu-allocator.lock",
        "gpu-reservations",
        "device-cache",
        "queue",
        "reservations",
    ] {
        let o = s.shell(MALLORY, &format!("ln -s {} state/{name}", victim.display()));
        assert!(o.status.success(), "{}", text(&o));
    }
    for args in [
        vec!["gpu_allocator_v2", "status"],
        vec!["gpu_allocator_v2", "release-stale"],
        vec![
            "gpu_allocator_v2",
            "allocate",
            ALICE.1,
            "x._.24101",
            "1",
            "10",
        ],
    ] {
        let o = s.run(None, &args);
        assert!(!o.status.success(), "{args:?} went on: {}", text(&o));
        assert!(text(&o).contains("symbolic link"), "{args:?}: {}", text(&o));
        untouched(&victim);
    }
}

#[test]
fn the_lock_and_queue_cannot_be_taken_over() {
    need_setup!();
    let s = Scene::new("takeover", true);
    for script in [
        "rm -f state/gpu-allocator.lock",
        "chmod 000 state/queue",
        "rm -rf state/reservations",
        "mv state/queue state/q2",
    ] {
        let o = s.shell(MALLORY, script);
        assert!(!o.status.success(), "{script} succeeded");
    }
    let o = s.allocate(ALICE, "a._.24101");
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_forged_waiter_blocks_nobody() {
    need_setup!();
    let s = Scene::new("queue", true);
    let init_start = std::fs::read_to_string("/proc/1/stat")
        .ok()
        .and_then(|t| {
            t.rsplit(')')
                .next()?
                .split_whitespace()
                .nth(19)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "0".into());
    // Pid 1 (root's), best priority; and a waiter that died.
    let script = format!(
        "touch state/queue/000000-00000000000000000000-1-{init_start} \
         state/queue/000000-00000000000000000001-999999-1"
    );
    assert!(s.shell(MALLORY, &script).status.success());
    let started = Instant::now();
    let o = s.allocate(ALICE, "a._.24101");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "waited behind a forged entry"
    );
}

#[test]
fn garbage_stops_decisions_and_drops_no_reservation() {
    need_setup!();
    let s = Scene::new("garbage", true);
    let bob = s.allocate(BOB, "b._.24102");
    let bobs = device_of(&bob).expect("bob got a device");
    assert!(s
        .shell(MALLORY, "printf 'garbage\\n' > state/reservations/r.x")
        .status
        .success());
    let refused = s.allocate(ALICE, "a._.24101");
    assert!(
        !refused.status.success(),
        "decided over garbage: {}",
        text(&refused)
    );
    assert!(text(&refused).contains(MALLORY.1), "{}", text(&refused));
    assert!(s
        .shell(MALLORY, "rm state/reservations/r.x")
        .status
        .success());
    let alice = s.allocate(ALICE, "a._.24101");
    assert_ne!(
        device_of(&alice),
        Some(bobs),
        "bob's reservation was dropped"
    );
}

#[test]
fn forged_reservations_take_nothing_from_others() {
    need_setup!();
    let s = Scene::new("forge", true);
    // Every GPU, for ten years, in bob's container's name.
    let far = 4_000_000_000u64;
    let mut script = String::new();
    for (i, uuid) in [
        "GPU-a0a0a0a0-1111-2222-3333-000000000000",
        "GPU-b1b1b1b1-1111-2222-3333-111111111111",
        "GPU-c2c2c2c2-1111-2222-3333-222222222222",
    ]
    .iter()
    .enumerate()
    {
        script.push_str(&format!(
            "printf 'bobjob{i}._.24102\\t{uuid}\\t0\\t0\\t{far}\\n' > state/reservations/r.{}.{i}.1; ",
            MALLORY.0
        ));
    }
    assert!(s.shell(MALLORY, &script).status.success());
    let alice = s.allocate(ALICE, "a._.24101");
    assert!(alice.status.success(), "{}", text(&alice));
    let bob = s.allocate(BOB, "b._.24102");
    assert!(
        bob.status.success(),
        "bob's quota was filled: {}",
        text(&bob)
    );
    assert_ne!(device_of(&alice), device_of(&bob));
}

#[test]
fn nobody_releases_another_users_reservation() {
    need_setup!();
    let s = Scene::new("release", true);
    let bob = s.allocate(BOB, "b._.24102");
    let bobs = device_of(&bob).expect("bob got a device");
    let o = s.run(Some(MALLORY), &["gpu_allocator_v2", "release", "b._.24102"]);
    assert!(!text(&o).contains("Released"), "{}", text(&o));
    let status = s.run(Some(ALICE), &["gpu_allocator_v2", "status", "--json"]);
    assert!(text(&status).contains(&bobs), "{}", text(&status));
}

#[test]
fn a_device_held_by_a_container_is_never_given_again() {
    need_setup!();
    let s = Scene::new("held", true);
    s.holder("job", BOB, "GPU-a0a0a0a0-1111-2222-3333-000000000000");
    // Files a forger might hope the allocator reads.
    let script = "printf 'x\\t\\t\\n' > state/device-cache; printf 'x\\n' > state/gpu-reservations";
    assert!(s.shell(MALLORY, script).status.success());
    let mut given = Vec::new();
    for (i, who) in [ALICE, MALLORY].iter().enumerate() {
        let c = format!("c{i}._.{}", who.0);
        let o = s.allocate(*who, &c);
        given.extend(device_of(&o));
    }
    assert!(
        !given.iter().any(|d| d.starts_with("GPU-a0a0a0a0")),
        "bob's GPU given again: {given:?}"
    );
}

#[test]
fn numbers_that_are_not_numbers_are_refused() {
    need_setup!();
    let s = Scene::new("nan", true);
    for max in ["nan", "inf", "-inf", "1e999"] {
        let o = s.run(
            Some(MALLORY),
            &[
                "gpu_allocator_v2",
                "allocate",
                MALLORY.1,
                "m._.24103",
                max,
                "10",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{max}: {}", text(&o));
    }
}

#[test]
fn reserved_labels_and_untaggable_names_make_nothing() {
    need_setup!();
    let s = Scene::new("labels", true);
    // Sorted: the engine orders images of equal age arbitrarily between listings.
    let image_ids = || {
        let mut ids: Vec<String> = support::docker_out(&["images", "-q"])
            .lines()
            .map(str::to_string)
            .collect();
        ids.sort();
        ids
    };
    let before = image_ids();
    let long = "a".repeat(300);
    let custom = ["mlc", "create", "lbl", "custom", "1", "-s", "--image", BASE];
    let with_label = |label: &'static str| {
        let mut args = custom.to_vec();
        args.extend(["--ds01-label", label]);
        args
    };
    for args in [
        with_label("aime.mlc.USER=dsatk-bob"),
        with_label("ds01.gpu.uuids=GPU-a0a0a0a0-1111-2222-3333-000000000000"),
        vec!["mlc", "create", &long, "custom", "1", "-s", "--image", BASE],
    ] {
        let o = s.run(Some(MALLORY), &args);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    }
    assert!(!docker_ok(&["inspect", &format!("lbl._.{}", MALLORY.0)]));
    assert_eq!(image_ids(), before, "an image was left");
}

#[test]
fn the_caller_is_who_the_kernel_says() {
    need_setup!();
    let s = Scene::new("sudo", true);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ds01"));
    cmd.args(["mlc-create-wrapper", "sudo1", "pytorch", "--dry-run"])
        .env("SUDO_USER", BOB.1)
        .env("DS01_CONFIG_DIR", s.dir.join("config"))
        .env("DS01_GPU_FIXTURE", s.dir.join("gpus"))
        .env("DS01_STATE_DIR", s.state())
        .env("HOME", "/tmp")
        .uid(MALLORY.0)
        .gid(MALLORY.0);
    let o = cmd.output().expect("run");
    let out = text(&o);
    assert!(out.contains(&format!("for user '{}'", MALLORY.1)), "{out}");
    assert!(!out.contains(BOB.1), "{out}");
}

#[test]
fn an_unreachable_engine_is_an_error_everywhere() {
    need_setup!();
    let s = Scene::new("down", true);
    for args in [
        vec!["gpu_allocator_v2", "status"],
        vec!["gpu-availability-checker", "available"],
        vec!["gpu-state-reader", "all"],
        vec!["check-limits"],
        vec!["mlc", "stats"],
    ] {
        let mut cmd = support::ds01_as(ALICE);
        cmd.args(&args)
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .env("DS01_CONFIG_DIR", s.dir.join("config"))
            .env("DS01_GPU_FIXTURE", s.dir.join("gpus"))
            .env("DS01_STATE_DIR", s.state());
        let o = cmd.output().expect("run");
        assert_ne!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains("Cannot connect to the Docker daemon"),
            "{args:?}: {}",
            text(&o)
        );
    }
}

#[test]
fn success_only_for_a_container_that_exists() {
    need_setup!();
    let s = Scene::new("success", true);
    let image = format!("--image={BASE}");
    let o = s.run(
        Some(ALICE),
        &[
            "mlc-create-wrapper",
            "nows",
            &image,
            "--cpu-only",
            "-w=/nonexistent/ws",
        ],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(!out.contains("[SUCCESS]"), "{out}");
    assert!(out.contains("Container creation failed"), "{out}");
    assert!(!docker_ok(&["inspect", &format!("nows._.{}", ALICE.0)]));
}

/// Removes what a test made in system locations, also when it fails.
struct Undo(Vec<PathBuf>);

impl Drop for Undo {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

#[test]
fn policy_comes_from_the_system_not_the_callers_environment() {
    need_setup!();
    let (etc, run) = (PathBuf::from("/etc/ds01"), PathBuf::from("/run/ds01"));
    if etc.exists() || run.exists() {
        support::skip(
            "ds01_attacks",
            "/etc/ds01 or /run/ds01 exists (a DS01 server's): not replaced for this test",
        );
        return;
    }
    let _undo = Undo(vec![etc.clone(), run.clone()]);
    std::fs::create_dir_all(&etc).expect("/etc/ds01");
    std::fs::write(etc.join("resource-limits.yaml"), LIMITS).expect("system limits");
    let prepared = Command::new(env!("CARGO_BIN_EXE_ds01"))
        .args(["prepare-state", "/run/ds01"])
        .status()
        .expect("prepare-state");
    assert!(prepared.success());
    // Mallory's own configuration (a quota of 3), GPU list (one UUID
    // twice) and state directory.
    let s = Scene::new("policy", true);
    std::fs::write(
        s.dir.join("config/resource-limits.yaml"),
        LIMITS.replace("max_gpu_equivalents: 1", "max_gpu_equivalents: 3"),
    )
    .expect("own limits");
    std::fs::write(
        s.dir.join("gpus"),
        format!("{GPUS}GPU 3: X (UUID: GPU-a0a0a0a0-1111-2222-3333-000000000000)\n"),
    )
    .expect("own gpus");
    let quota = s.run(
        Some(MALLORY),
        &["get_resource_limits", MALLORY.1, "--max-gpus"],
    );
    assert_eq!(
        String::from_utf8_lossy(&quota.stdout).trim(),
        "1",
        "{}",
        text(&quota)
    );
    let alloc = s.run(
        Some(MALLORY),
        &[
            "gpu_allocator_v2",
            "allocate",
            MALLORY.1,
            "m._.24103",
            "3",
            "10",
        ],
    );
    // The system has no GPU list of Mallory's making: nothing to hand out.
    assert!(!alloc.status.success(), "{}", text(&alloc));
    let own_state = std::fs::read_dir(s.state().join("reservations"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(own_state, 0, "her own state directory was used");
}

#[test]
fn plain_mlc_create_goes_through_the_allocator() {
    need_setup!();
    let s = Scene::new("plain", true);
    s.holder("job", BOB, "GPU-a0a0a0a0-1111-2222-3333-000000000000");
    let name = format!("{}-m", s.tag);
    // Bob's GPU by name: for administrators only.
    let named = s.run(
        Some(MALLORY),
        &[
            "mlc",
            "create",
            &name,
            "custom",
            "1",
            "-s",
            "--image",
            BASE,
            "-g",
            "device=GPU-a0a0a0a0-1111-2222-3333-000000000000",
        ],
    );
    assert_eq!(named.status.code(), Some(1), "{}", text(&named));
    assert!(!docker_ok(&["inspect", &format!("{name}._.{}", MALLORY.0)]));
    // No -g: one slot of her quota, not every GPU of the host.
    let plain = s.run(
        Some(MALLORY),
        &[
            "mlc",
            "create",
            &name,
            "custom",
            "1",
            "-s",
            "--image",
            support::AIME_IMAGE,
        ],
    );
    assert!(plain.status.success(), "{}", text(&plain));
    let tag = format!("{name}._.{}", MALLORY.0);
    let requests =
        support::docker_out(&["inspect", "-f", "{{json .HostConfig.DeviceRequests}}", &tag]);
    let held = support::docker_out(&[
        "inspect",
        "-f",
        "{{index .Config.Labels \"ds01.gpu.uuids\"}}",
        &tag,
    ]);
    assert!(
        !requests.contains("\"Count\":-1"),
        "every GPU requested: {requests}"
    );
    assert_eq!(held.split(',').count(), 1, "{held}");
    assert!(!held.contains("a0a0a0a0"), "bob's GPU: {held}");
    docker(&["rm", "-f", &tag]);
    docker(&[
        "image",
        "rm",
        &format!("{}:{tag}", support::AIME_IMAGE.trim_end_matches(":latest")),
    ]);
}
