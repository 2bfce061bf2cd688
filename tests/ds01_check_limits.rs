//! `check-limits` against the recorded sessions of the original that need
//! no containers (`../shared/compat/ds01/061`, `062`, `063`, `120`: `--help`,
//! `-h`, `--info` and an unknown flag all print the dashboard of a user
//! without containers), without root or a Docker engine: the recording
//! machine's configuration is assembled in a temporary directory, its fake
//! `nvidia-smi -L` becomes `DS01_GPU_FIXTURE`, and `DOCKER_HOST` points
//! where no engine answers (which counts as no containers, as the
//! original's failed `docker ps` did).  Skipped when `../shared` is absent.
//! The sessions with a GPU held (629, 630) need an engine: the second test
//! makes their state itself.

mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::copy_dir;

/// `nvidia-smi -L` of the recording machine (its fake, see the sessions'
/// README): 4 A100s, GPUs 2 and 3 in MIG mode.
const NVIDIA_SMI_L: &str = include_str!("fixtures/recording-nvidia-smi-L.txt");

const SESSIONS: [&str; 4] = [
    "061-check-limits-help",
    "062-check-limits-h",
    "063-check-limits-info",
    "120-check-limits-unknown-opt",
];

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.join("data/resource-limits.yaml").is_file().then_some(p)
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

/// `ds01 check-limits ARGS` (or `get-limits`) as alice, in a clean
/// environment over the given configuration, GPUs and engine.
fn check_limits(
    name: &str,
    args: &[String],
    home: &Path,
    config: &Path,
    gpus: &Path,
    engine: &str,
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ds01"))
        .arg(name)
        .args(args)
        .env_clear()
        .env("USER", "alice")
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
        let config = dir.join("config");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/fixtures/ds01-config"),
            &config,
        );
        fs::copy(
            shared.join("data/resource-limits.yaml"),
            config.join("resource-limits.yaml"),
        )
        .expect("copy yaml");
        let gpus = dir.join("nvidia-smi-L.txt");
        fs::write(&gpus, NVIDIA_SMI_L).expect("gpu fixture");
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
    let Some(shared) = shared() else {
        eprintln!("../shared not present: skipped");
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
    for name in SESSIONS {
        let (args, want, exit) = recorded(&shared.join(format!("compat/ds01/{name}.txt")));
        let out = check_limits("check-limits", &args, &home, &config, &gpus, &no_engine);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stdout != want || !stderr.is_empty() || out.status.code() != Some(exit) {
            failures.push(format!(
                "{name}\n  want {exit} {want:?}\n  got  {:?} {stdout:?} {stderr:?}",
                out.status.code()
            ));
        }
    }

    // The alias answers the same.
    let out = check_limits("get-limits", &[], &home, &config, &gpus, &no_engine);
    let (_, want, _) = recorded(&shared.join(format!("compat/ds01/{}.txt", SESSIONS[0])));
    if String::from_utf8_lossy(&out.stdout) != want {
        failures.push("get-limits differs from check-limits".to_string());
    }

    // No configuration: the original's message, exit 1.
    let out = check_limits(
        "check-limits",
        &[],
        &home,
        &dir.join("missing"),
        &gpus,
        &no_engine,
    );
    if out.stdout != b"\x1b[0;31mCould not retrieve limits. Contact admin.\x1b[0m\n"
        || out.status.code() != Some(1)
    {
        failures.push(format!("missing config: {out:?}"));
    }

    let _ = fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Sessions 629 and 630: alice has one running container holding a GPU
/// (in the recording it came from an earlier `container-deploy`, which the
/// replay harness cannot run yet).  The same state is made here with the
/// docker CLI; needs an engine on `DOCKER_HOST` without other containers of
/// alice's.
#[test]
fn recorded_dashboards_with_a_gpu_container() {
    let Some(shared) = shared() else {
        eprintln!("../shared not present: skipped");
        return;
    };
    let docker = |args: &[&str]| {
        Command::new("docker")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
    };
    let ready = std::env::var_os("DOCKER_HOST").is_some()
        && docker(&["image", "inspect", "ds01-test/busybox:latest"])
            .is_ok_and(|o| o.status.success());
    if !ready {
        assert!(
            std::env::var_os("DS01_TESTS_NEED_ENGINE").is_none(),
            "DS01_TESTS_NEED_ENGINE is set but there is no engine with the test image"
        );
        eprintln!("no engine with the test image: skipped");
        return;
    }
    let others = docker(&["ps", "-aq", "--filter", "label=ds01.user=alice"])
        .map(|o| o.stdout)
        .unwrap_or_default();
    if !others.is_empty() {
        eprintln!("the engine already has containers of alice: skipped");
        return;
    }
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
        "ds01.user=alice",
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
        let out = check_limits(
            "check-limits",
            &args,
            &home,
            &config,
            &gpus,
            &std::env::var("DOCKER_HOST").unwrap_or_default(),
        );
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
