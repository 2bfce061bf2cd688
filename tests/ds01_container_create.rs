//! `container-create` end to end, as a real user against a real engine:
//! an image named like the container is found and used, a CPU-only
//! container gets no GPU at all (the original gave it every GPU), the GPU
//! count is checked against the quota as containers take GPUs, a question
//! without a terminal ends the command, and an orchestrator running it in
//! its own process gets "use the existing container" back.
//!
//! User: `dscc-user` (uid 24201), made once and kept.  Needs root and an
//! engine (`DOCKER_HOST`, compat-tests/engine); otherwise the tests say why
//! and pass (or fail under `DS01_TESTS_NEED_ENGINE`).

mod support;

use std::collections::VecDeque;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Mutex;
use support::{docker, docker_out, Scratch, BASE};

const USER: (u32, &str) = (24201, "dscc-user");
const GPUS: &str = "\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-cc000000-1111-2222-3333-000000000000)
GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-cc111111-1111-2222-3333-111111111111)
";
const LIMITS: &str = "defaults:\n  max_gpu_equivalents: 2\n  max_gpu_slots_per_container: 2\n  \
max_containers_per_user: 4\n  allow_full_gpu: true\ndefault_group: student\ngroups:\n  student: {}\n";

/// The tests share the account and the GPUs of their fixture.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! need_setup {
    ($test:expr) => {
        let Some(_serial) = support::with_accounts($test, &SERIAL, &[USER]) else {
            return;
        };
    };
}

/// Configuration, GPUs, state, a home and the fake host tools.
struct Scene {
    s: Scratch,
    home: PathBuf,
}

impl Scene {
    fn new(what: &str) -> Scene {
        let s = Scratch::new(&format!("cc-{what}"));
        s.ds01_server(
            LIMITS,
            GPUS,
            &[("Pytorch", "2.5.1", "CUDA_ADA", support::AIME_IMAGE)],
        );
        let home = s.dir("home", Some((USER.0, USER.0)));
        Scene { s, home }
    }

    /// `ds01 container-create ARGS` as the test user, in a new session
    /// (no controlling terminal), stdin empty.
    fn create(&self, args: &[&str]) -> Output {
        let mut cmd = support::ds01_as(USER);
        cmd.arg("container-create")
            .args(args)
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.s.root.join("bin").display()),
            )
            .env("HOME", &self.home)
            .current_dir(&self.home)
            .stdin(Stdio::null());
        self.s.server_env(&mut cmd);
        // SAFETY: setsid is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd.output().expect("run ds01")
    }

    /// The container `name` of the test user, removed when the test ends.
    fn tag(&self, name: &str) -> String {
        let tag = format!("{name}._.{}", USER.0);
        self.s.container(&tag);
        tag
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An image of the user's, made as image-create makes them (the user is
/// set up in it, so the create runs no setup container).
fn users_image(s: &Scratch, name: &str) -> String {
    let repo = format!("ds01-{}/{name}", USER.0);
    let reference = format!("{repo}:latest");
    s.image(&reference);
    let tmp = format!("{name}-{}-build", std::process::id());
    s.container(&tmp);
    docker_out(&["create", "--name", &tmp, BASE, "true"]);
    let id = USER.0.to_string();
    let labels = [
        "ds01.framework=pytorch".to_string(),
        "ds01.has_user_setup=true".to_string(),
        format!("ds01.user_id={id}"),
        format!("ds01.group_id={id}"),
    ];
    let mut args = vec!["commit".to_string()];
    for l in labels {
        args.extend(["--change".to_string(), format!("LABEL {l}")]);
    }
    args.extend([tmp.clone(), reference.clone()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    docker_out(&args);
    let _ = docker(&["rm", "-f", &tmp]);
    repo
}

fn inspect(tag: &str, format: &str) -> String {
    docker_out(&["inspect", "--format", format, tag])
}

#[test]
fn cpu_only_uses_the_matching_image_and_gets_no_gpu() {
    need_setup!("cpu_only_uses_the_matching_image_and_gets_no_gpu");
    let scene = Scene::new("cpu");
    let name = format!("cc{}", std::process::id());
    let repo = users_image(&scene.s, &name);
    let tag = scene.tag(&name);
    let out = scene.create(&[&name, "--cpu-only"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains(&format!(
        "Found matching image: \x1b[0;36m{repo}:latest\x1b[0m"
    )));
    assert!(shown.contains("\x1b[1mGPU:\x1b[0m        \x1b[1;33mCPU only\x1b[0m\n"));
    assert!(shown.contains("✓ Container Created Successfully!"));
    assert_eq!(inspect(&tag, "{{json .HostConfig.DeviceRequests}}"), "null");
    assert_eq!(inspect(&tag, "{{.Config.Image}}"), format!("{repo}:latest"));
    assert_eq!(
        inspect(&tag, "{{index .Config.Labels \"ds01.interface\"}}"),
        "atomic"
    );
    assert!(scene.home.join("workspace").join(&name).is_dir());
    // The same name again: the menu needs a terminal, and there is none.
    let again = scene.create(&[&name, "--cpu-only"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains(&format!("⚠  Container '{name}' already exists")));
}

#[test]
fn gpu_counts_are_checked_against_the_quota() {
    need_setup!("gpu_counts_are_checked_against_the_quota");
    let scene = Scene::new("gpu");
    let base = format!("cg{}", std::process::id());
    let repo = users_image(&scene.s, &base);
    let image = format!("{repo}:latest");
    let made = |n: &str| scene.tag(&format!("{base}-{n}"));
    let (one, two, three) = (made("one"), made("two"), made("three"));
    let name = |tag: &str| tag.split("._.").next().unwrap_or_default().to_string();

    let bad = scene.create(&[&name(&one), &image, "--num-gpus=abc"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&bad.stdout),
        "\x1b[0;31mInvalid --num-gpus value: 'abc' (expected a positive integer).\x1b[0m\n"
    );
    let out = scene.create(&[&name(&one), &image, "--num-gpus", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Enabled (1 GPU)"));
    let uuid = inspect(&one, "{{index .Config.Labels \"ds01.gpu.uuid\"}}");
    assert!(uuid.starts_with("GPU-cc"), "{uuid}");

    // One GPU left: two is too many, and none is asked for.
    let out = scene.create(&[&name(&two), &image, "--num-gpus=2"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(
        "Requested 2 GPU slot(s) exceeds your available maximum of 1.\x1b[0m\n  \
         • Per container: up to 2   • Remaining quota: 1   • System free: 2\n"
    ));
    let out = scene.create(&[&name(&two), &image]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("Enter number of GPUs"));

    // Both held: no GPU container, a CPU-only one still.
    let out = scene.create(&[&name(&three), &image]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Cannot allocate GPU resources."));
    assert!(text(&out).contains("  • You have 2 GPUs allocated\n  • Remaining quota: 0\n"));
    let out = scene.create(&[&name(&three), &image, "--cpu-only", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("[DRY RUN] Would create container with mlc-create-wrapper"));
}

#[test]
fn the_wizard_needs_a_terminal() {
    need_setup!("the_wizard_needs_a_terminal");
    let scene = Scene::new("wizard");
    let out = scene.create(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DS01 Container Creation Wizard"));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("(no customisation)\n\n"));
}

/// An orchestrator (container-deploy) runs the command in its own process
/// with scripted answers: the wizard's "use existing" comes back to it
/// as the container's name, without a banner.
#[test]
fn an_orchestrator_gets_the_existing_container_back() {
    need_setup!("an_orchestrator_gets_the_existing_container_back");
    use ds01::context::{Ctx, Env, Prompter};
    use ds01::ds01::container_create::{run, Finished};
    let s = Scratch::new("cc-orch");
    let name = format!("ccorch{}", std::process::id());
    // This process is root: its containers are `<name>._.0`.
    let tag = format!("{name}._.0");
    s.container(&tag);
    docker_out(&["create", "--name", &tag, BASE, "true"]);
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    let home = s.dir("home", None);
    let env = Env::from_pairs([
        ("DOCKER_HOST", host.as_str()),
        ("HOME", path_str(&home)),
        ("DS01_CONFIG_DIR", "/nonexistent"),
    ]);
    let caller = ds01::identity::Identity {
        uid: 0,
        gid: 0,
        login: "root".into(),
        home: path_str(&home).into(),
    };
    let mut ctx = Ctx::new(caller, env);
    let answers = ["2", "1", name.as_str(), "1"];
    ctx.prompter = Prompter::Scripted(
        answers
            .iter()
            .map(|a| a.to_string())
            .collect::<VecDeque<_>>(),
    );
    let (result, got) = ctx.capture(|c| c.orchestrated("deploy", |c| run(c, &[])));
    assert_eq!(result, Ok(Finished::Existing(name.clone())), "{got:?}");
    assert!(!got.stdout.contains("Creation Wizard"), "{}", got.stdout);
    assert!(got
        .stdout
        .contains(&format!("Using existing container '{name}'\n")));
    // From the command line's menu too (one key: 1).
    ctx.prompter = Prompter::Scripted(VecDeque::from(["1".to_string()]));
    let args = [name.clone(), "--cpu-only".to_string()];
    let (result, got) = ctx.capture(|c| c.orchestrated("deploy", |c| run(c, &args)));
    assert_eq!(result, Ok(Finished::Existing(name.clone())), "{got:?}");
    assert!(got.stderr.contains("Choice [1-4]: "));
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
