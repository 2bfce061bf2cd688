//! DS01's main workflows end to end, each command run as the built binary
//! by a real user against the test engine, on the recording machine's
//! configuration and fake GPUs: a create from the AIME catalog, a custom
//! image built by `image-create` and used by `container-create`, the
//! resource limits a container gets, a GPU allocated and freed again,
//! `mlc` on a DS01 container, and deploy → use → list → retire while
//! another user tries to list, stop and retire the container.
//!
//! Users: `dsmx-alice` and `dsmx-bob` (uids 24901, 24902), made once and
//! kept.  Alice has an override (in the scene's user-overrides.yaml) with
//! limits a small test host can grant (the engine refuses more CPUs than
//! the host has).  Needs root, an engine with the test images
//! (`DOCKER_HOST`, compat-tests/engine) and `../shared`; otherwise the
//! tests say why and pass (or fail under `DS01_TESTS_NEED_ENGINE`).

mod support;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use support::{docker, docker_ok, docker_out, Pty, Scratch};

const ALICE: (u32, &str) = (24901, "dsmx-alice");
const BOB: (u32, &str) = (24902, "dsmx-bob");
/// The catalog's Pytorch 2.5.1 for CUDA_ADA (the fake apt's CUDA 12.4).
const CATALOG_IMAGE: &str = "aimehub/pytorch-2.5.1-aime-cuda12.1.1";
const ALICE_OVERRIDE: &str = "\ndsmx-alice:\n  max_cpus: 1\n  memory: 2g\n  memory_swap: 3g\n  \
shm_size: 64m\n  pids_limit: 512\n  reason: \"ds01_matrix: limits a test host can grant\"\n";

/// One scenario at a time: they share the accounts and the engine's GPUs.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    ($scene:ident, $test:expr) => {
        let Some(_serial) = support::with_accounts($test, &SERIAL, &[ALICE, BOB]) else {
            return;
        };
        let Some(shared) = support::shared_with("data/resource-limits.yaml") else {
            support::skip($test, "../shared (the recording machine's data) is missing");
            return;
        };
        let $scene = Scene::new($test, &shared);
    };
}

/// The recording machine's configuration and GPUs, an allocator state,
/// homes, and the fake host tools; the two users' containers and images
/// are removed before and after.
struct Scene {
    s: Scratch,
    config: PathBuf,
    gpus: PathBuf,
    catalog: PathBuf,
}

impl Scene {
    fn new(what: &str, shared: &std::path::Path) -> Scene {
        remove_users_things();
        let s = Scratch::new(&format!("mx-{what}"));
        let (config, gpus) = support::recording_machine(&s.root, shared);
        let overrides = config.join("user-overrides.yaml");
        let mut text = std::fs::read_to_string(&overrides).expect("overrides");
        text.push_str(ALICE_OVERRIDE);
        std::fs::write(&overrides, text).expect("overrides");
        support::chmod(&s.root.join("config"), 0o755);
        s.bin_dir();
        let state = s.root.join("state");
        let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
            .arg("prepare-state")
            .arg(&state)
            .output()
            .expect("prepare-state");
        assert!(out.status.success(), "{}", text_of(&out));
        for (uid, name) in [ALICE, BOB] {
            s.dir(name, Some((uid, uid)));
        }
        Scene {
            s,
            config,
            gpus,
            catalog: shared.join("data/ml_images.repo"),
        }
    }

    fn home(&self, who: (u32, &str)) -> PathBuf {
        self.s.root.join(who.1)
    }

    /// `ds01 ARGS` as `who` in a login-like environment over the scene.
    fn command(&self, who: (u32, &str), args: &[&str]) -> Command {
        let mut cmd = support::ds01_as(who);
        cmd.args(args)
            .env("HOME", self.home(who))
            .env("LOGNAME", who.1)
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm")
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.s.root.join("bin").display()),
            )
            .env("DS01_CONFIG_DIR", &self.config)
            .env("DS01_GPU_FIXTURE", &self.gpus)
            .env("DS01_STATE_DIR", self.s.root.join("state"))
            .env("DS01_MLC_CATALOG", &self.catalog)
            .current_dir(self.home(who));
        cmd
    }

    /// `ds01 ARGS` as `who`, stdin empty, in a session without a terminal.
    fn run(&self, who: (u32, &str), args: &[&str]) -> Output {
        let mut cmd = self.command(who, args);
        cmd.stdin(Stdio::null());
        // SAFETY: setsid is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd.output().expect("run ds01")
    }

    /// `image-create NAME -f pytorch -t cv`, its build confirmed with
    /// Enter at the terminal; the image reference.
    fn build_image(&self, who: (u32, &str), name: &str) -> String {
        let image = format!("ds01-{}/{name}:latest", who.0);
        self.s.image_later(&image);
        let args = ["image-create", name, "-f", "pytorch", "-t", "cv"];
        let mut pty = Pty::spawn(self.command(who, &args));
        let asked = pty.wait_for("Build image now? [Y/n]: ", Duration::from_secs(15));
        assert!(asked, "{}", pty.output());
        pty.send("\r");
        let (code, shown) = pty.finish(Duration::from_secs(60));
        assert_eq!(code, Some(0), "{shown}");
        assert!(shown.contains("✓ Image Built Successfully"), "{shown}");
        assert!(docker_ok(&["image", "inspect", &image]), "{image} built");
        image
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        remove_users_things();
    }
}

/// Every container and custom image of the test users (theirs alone:
/// the accounts exist for these tests).
fn remove_users_things() {
    for (uid, _) in [ALICE, BOB] {
        let suffix = format!("._.{uid}");
        let names = docker_out(&["ps", "-a", "--format", "{{.Names}}"]);
        for name in names.lines().filter(|n| n.ends_with(&suffix)) {
            let _ = docker(&["rm", "-f", name]);
        }
        let images = docker_out(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        let repo = format!("ds01-{uid}/");
        for image in images
            .lines()
            .filter(|i| i.starts_with(&repo) || i.ends_with(&suffix))
        {
            let _ = docker(&["image", "rm", "-f", image]);
        }
    }
}

fn text_of(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn expect(o: &Output, code: i32, needle: &str) {
    let text = text_of(o);
    assert_eq!(o.status.code(), Some(code), "{text}");
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}

fn inspect(tag: &str, format: &str) -> String {
    docker_out(&["inspect", "--format", format, tag])
}

fn label(tag: &str, key: &str) -> String {
    inspect(tag, &format!("{{{{index .Config.Labels \"{key}\"}}}}"))
}

fn state(tag: &str) -> String {
    let out = docker(&["inspect", "-f", "{{.State.Status}}", tag]);
    if !out.status.success() {
        return "gone".into();
    }
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn tag_of(name: &str, who: (u32, &str)) -> String {
    format!("{name}._.{}", who.0)
}

/// AIME's labels as `mlc` writes them, for DS01's container `name` of `who`.
#[track_caller]
fn assert_aime_labels(tag: &str, name: &str, who: (u32, &str)) {
    assert_eq!(label(tag, "aime.mlc"), who.1);
    assert_eq!(label(tag, "aime.mlc.NAME"), name);
    assert_eq!(label(tag, "aime.mlc.USER"), who.1);
    assert_eq!(label(tag, "aime.mlc.FRAMEWORK"), "Pytorch-2.5.1");
    assert_eq!(label(tag, "ds01.managed"), "true");
    assert_eq!(label(tag, "ds01.user"), who.1);
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", std::process::id())
}

/// Scenario 1: From the catalog: without a registry the pull fails and, as the
/// original's mlc-patched (session 520), nothing is made; naming the
/// catalog image (present on the host) makes the container from it,
/// committed to a tag of its own, never onto the shared `:latest`.
#[test]
fn a_catalog_create_uses_the_aime_image_and_labels() {
    need_setup!(scene, "a_catalog_create_uses_the_aime_image_and_labels");
    let name = unique("mxcat");
    let tag = tag_of(&name, ALICE);
    let o = scene.run(ALICE, &["mlc-create", &name, "pytorch", "--cpu-only"]);
    expect(&o, 1, "Docker pull image failed");
    assert_eq!(state(&tag), "gone");

    let shared = format!("{CATALOG_IMAGE}:latest");
    let shared_id = docker_out(&["image", "inspect", "-f", "{{.Id}}", &shared]);
    let image_arg = format!("--image={shared}");
    let o = scene.run(
        ALICE,
        &["mlc-create", &name, "pytorch", "--cpu-only", &image_arg],
    );
    expect(&o, 0, &format!("Container '{name}' created successfully!"));
    let own = format!("{CATALOG_IMAGE}:{tag}");
    scene.s.image_later(&own);
    assert_eq!(inspect(&tag, "{{.Config.Image}}"), own);
    assert_aime_labels(&tag, &name, ALICE);
    assert_eq!(label(&tag, "aime.mlc.GPUS"), "none");
    assert_eq!(
        docker_out(&["image", "inspect", "-f", "{{.Id}}", &shared]),
        shared_id,
        "the shared catalog tag is untouched"
    );
}

/// Scenarios 2, 3 and 6 (one build for all: building takes most of the
/// time): image-create builds `ds01-UID/NAME`; container-create finds it
/// and gives the container AIME's labels and the user's resolved limits;
/// then deploy → a command inside → list → retire, while Bob can neither
/// see, stop nor retire Alice's container.
#[test]
fn a_custom_image_created_deployed_and_retired() {
    need_setup!(scene, "a_custom_image_created_deployed_and_retired");
    let name = unique("mxi");
    let image = scene.build_image(ALICE, &name);
    created_from_the_custom_image(&scene, &name, &image);
    deployed_used_and_retired(&scene, &name, &image);
}

/// Scenarios 2 and 3: `container-create NAME --cpu-only` on the image;
/// the container is retired again at the end.
fn created_from_the_custom_image(scene: &Scene, name: &str, image: &str) {
    let tag = tag_of(name, ALICE);
    let o = scene.run(ALICE, &["container-create", name, "--cpu-only"]);
    expect(&o, 0, "✓ Container Created Successfully!");
    assert_eq!(inspect(&tag, "{{.Config.Image}}"), image);
    assert_aime_labels(&tag, name, ALICE);
    assert_eq!(label(&tag, "ds01.custom_image"), image);
    assert_eq!(label(&tag, "ds01.user_id"), ALICE.0.to_string());
    assert_eq!(inspect(&tag, "{{json .HostConfig.DeviceRequests}}"), "null");

    let o = scene.run(ALICE, &["get_resource_limits", ALICE.1, "--docker-args"]);
    expect(&o, 0, "--cpus=");
    let args = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_limits(&tag, &args);

    expect(
        &scene.run(ALICE, &["container-retire", name, "-f"]),
        0,
        "✓ Container Retired Successfully!",
    );
    assert_eq!(state(&tag), "gone");
    assert!(docker_ok(&["image", "inspect", image]), "the image stays");
}

/// The container's HostConfig against `get_resource_limits --docker-args`.
#[track_caller]
fn assert_limits(tag: &str, docker_args: &str) {
    let arg = |flag: &str| {
        docker_args
            .split_whitespace()
            .find_map(|a| a.strip_prefix(&format!("--{flag}=")))
            .unwrap_or_else(|| panic!("--{flag} in {docker_args}"))
            .to_string()
    };
    let bytes = |v: String| -> String {
        let (n, unit) = v.split_at(v.len() - 1);
        let shift = match unit {
            "g" => 30,
            "m" => 20,
            _ => panic!("size {v}"),
        };
        (n.parse::<u64>().expect("size") << shift).to_string()
    };
    let cpus: u64 = arg("cpus").parse().expect("cpus");
    assert_eq!(
        inspect(tag, "{{.HostConfig.NanoCpus}}"),
        (cpus * 1_000_000_000).to_string()
    );
    assert_eq!(inspect(tag, "{{.HostConfig.Memory}}"), bytes(arg("memory")));
    assert_eq!(
        inspect(tag, "{{.HostConfig.MemorySwap}}"),
        bytes(arg("memory-swap"))
    );
    assert_eq!(
        inspect(tag, "{{.HostConfig.ShmSize}}"),
        bytes(arg("shm-size"))
    );
    assert_eq!(inspect(tag, "{{.HostConfig.PidsLimit}}"), arg("pids-limit"));
    // The user's slice where systemd has it, else its group's (as the
    // original: "Could not create user slice (will use group slice)").
    let user_slice = arg("cgroup-parent");
    let installed = ["/etc/systemd/system", "/run/systemd/system"]
        .iter()
        .any(|d| std::path::Path::new(d).join(&user_slice).exists());
    let expected = if installed {
        user_slice
    } else {
        let group = user_slice.trim_end_matches(".slice");
        let group = group.rsplit_once('-').map_or(group, |(g, _)| g);
        format!("{group}.slice")
    };
    assert_eq!(inspect(tag, "{{.HostConfig.CgroupParent}}"), expected);
}

/// The allocator's `status` as `who` sees it.
fn gpu_status(scene: &Scene, who: (u32, &str)) -> String {
    let o = scene.run(who, &["gpu_allocator_v2", "status"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Scenario 4: A GPU container holds its device until it is retired.
#[test]
fn a_gpu_is_allocated_held_and_freed() {
    need_setup!(scene, "a_gpu_is_allocated_held_and_freed");
    let name = unique("mxg");
    let tag = tag_of(&name, ALICE);
    let image_arg = format!("--image={CATALOG_IMAGE}:latest");
    scene.s.image_later(&format!("{CATALOG_IMAGE}:{tag}"));
    let o = scene.run(ALICE, &["mlc-create", &name, "pytorch", &image_arg]);
    expect(&o, 0, &format!("Container '{name}' created successfully!"));
    let uuid = label(&tag, "ds01.gpu.uuids");
    assert!(
        uuid.starts_with("GPU-") || uuid.starts_with("MIG-"),
        "{uuid}"
    );
    let requests = inspect(&tag, "{{json .HostConfig.DeviceRequests}}");
    assert!(
        requests.contains(&format!("\"DeviceIDs\":[\"{uuid}\"]")),
        "{requests}"
    );
    let held = gpu_status(&scene, ALICE);
    assert!(
        held.contains(&format!("UUID: {uuid}\n  Containers: {tag}\n")),
        "{held}"
    );
    assert!(held.contains("GPU Status: 1/"), "{held}");

    expect(
        &scene.run(BOB, &["container-retire", &name, "-f"]),
        1,
        "not found",
    );
    assert_eq!(state(&tag), "created");
    let o = scene.run(ALICE, &["container-retire", &name, "-f"]);
    expect(&o, 0, "GPU freed immediately");
    assert_eq!(state(&tag), "gone");
    let free = gpu_status(&scene, ALICE);
    assert!(!free.contains(&tag) && !free.contains(&uuid), "{free}");
}

/// Scenario 5: AIME's `mlc` works on a container DS01 made.
#[test]
fn mlc_works_on_a_ds01_container() {
    need_setup!(scene, "mlc_works_on_a_ds01_container");
    let name = unique("mxo");
    let tag = tag_of(&name, ALICE);
    let image_arg = format!("--image={CATALOG_IMAGE}:latest");
    scene.s.image_later(&format!("{CATALOG_IMAGE}:{tag}"));
    let o = scene.run(ALICE, &["mlc-create", &name, "--cpu-only", &image_arg]);
    expect(&o, 0, "created successfully!");

    let o = scene.run(ALICE, &["mlc", "list"]);
    expect(&o, 0, &format!("[{name}]"));
    // A command through `mlc start`: it runs as the user.
    let o = scene.run(ALICE, &["mlc", "start", &name, "id", "-s"]);
    let uid = ALICE.0;
    expect(&o, 0, &format!("uid={uid}({}) gid={uid}(", ALICE.1));
    assert_eq!(state(&tag), "running");
    // `mlc open` without a terminal: the shell cannot be opened, nothing
    // else runs, so the container is stopped again.
    let o = scene.run(ALICE, &["mlc", "open", &name, "-s"]);
    expect(&o, 0, "container stopped.");
    assert_eq!(state(&tag), "exited");
    // Bob's mlc does not see it.
    let o = scene.run(BOB, &["mlc", "list"]);
    assert!(!text_of(&o).contains(&name), "{}", text_of(&o));
}

/// Scenario 6: deploy → a command inside → list → retire; Bob can
/// neither see, stop nor retire Alice's container meanwhile.
fn deployed_used_and_retired(scene: &Scene, name: &str, image: &str) {
    let tag = tag_of(name, ALICE);
    let o = scene.run(ALICE, &["container-deploy", name, "--background"]);
    expect(&o, 0, "✓ Container Deployed Successfully!");
    assert_eq!(state(&tag), "running");
    assert_eq!(inspect(&tag, "{{.Config.Image}}"), image);
    // Alice's quota allows one GPU: deploy takes it.
    let uuid = label(&tag, "ds01.gpu.uuids");
    assert!(!uuid.is_empty(), "a GPU was allocated");
    assert!(gpu_status(scene, ALICE).contains(&tag));

    let hi = docker_out(&["exec", "-u", &ALICE.0.to_string(), &tag, "echo", "hi"]);
    assert_eq!(hi, "hi");
    expect(&scene.run(ALICE, &["container-list"]), 0, name);

    let o = scene.run(BOB, &["container-list", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text_of(&o));
    assert!(!text_of(&o).contains(name), "{}", text_of(&o));
    for args in [
        vec!["container-stop", name, "-f"],
        vec!["container-stop", tag.as_str(), "-f"],
        vec!["container-retire", name, "-f"],
        vec!["container-retire", tag.as_str(), "-f"],
    ] {
        let o = scene.run(BOB, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text_of(&o));
        assert_eq!(state(&tag), "running", "{args:?}");
    }

    let o = scene.run(ALICE, &["container-retire", name, "-f"]);
    expect(&o, 0, "✓ Container Retired Successfully!");
    assert_eq!(state(&tag), "gone");
    let suffix = format!("._.{}", ALICE.0);
    let left = docker_out(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(!left.lines().any(|n| n.ends_with(&suffix)), "{left}");
    let status = gpu_status(scene, ALICE);
    assert!(!status.contains(&suffix), "{status}");
    assert!(!status.contains(&uuid), "{status}");
    let o = scene.run(ALICE, &["container-list", "--all"]);
    assert!(!text_of(&o).contains(name), "{}", text_of(&o));
}
