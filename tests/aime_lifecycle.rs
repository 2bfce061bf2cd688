//! `mlc start/stop/open/remove` against a real engine: runs only when
//! `DOCKER_HOST` names an engine that answers and has the test image
//! (`compat-tests/engine/up` and `images`); otherwise it says why and passes.
//! The container is made with the docker CLI (AIME's labels, the caller's
//! login and uid), the commands are ours.

use std::process::{Command, Output, Stdio};

const BASE: &str = "ds01-test/busybox:latest";
const INPUT: &str = "\x1b[38;5;214m";
const NEUTRAL: &str = "\x1b[37m";
const ERROR: &str = "\x1b[91m";
const INFO: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

fn docker(args: &[&str]) -> Option<Output> {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
}

fn docker_ok(args: &[&str]) -> bool {
    docker(args).is_some_and(|o| o.status.success())
}

/// `ds01 mlc ARGS` with stdin from /dev/null.
fn mlc(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
        .arg("mlc")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("NCCL_P2P_LEVEL")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run ds01");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn line(name: &str, rest: &str) -> String {
    format!("\n{INPUT}[{name}]{RESET}{rest}\n")
}

/// Removes the test container and image whatever happens.
struct Cleanup {
    tag: String,
    image: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.tag]);
        let _ = docker(&["image", "rm", &self.image]);
    }
}

fn engine_ready() -> Result<(), String> {
    if std::env::var_os("DOCKER_HOST").is_none() {
        return Err("DOCKER_HOST is not set".into());
    }
    if !docker_ok(&["version"]) {
        return Err("no engine answers (or no docker CLI)".into());
    }
    if !docker_ok(&["image", "inspect", BASE]) {
        return Err(format!("{BASE} is missing (compat-tests/engine/images)"));
    }
    Ok(())
}

#[test]
fn lifecycle_against_a_real_engine() {
    if let Err(why) = engine_ready() {
        eprintln!("aime_lifecycle: skipped: {why}");
        return;
    }
    let who = ds01::identity::Identity::current(&ds01::context::Env::from_process());
    let name = format!("lt{}", std::process::id());
    let tag = format!("{name}._.{}", who.uid);
    let image = format!("ds01-test/busybox:{tag}");
    let _cleanup = Cleanup {
        tag: tag.clone(),
        image: image.clone(),
    };
    let tmp = format!("{tag}-tmp");
    assert!(docker_ok(&["create", "--name", &tmp, BASE, "true"]));
    assert!(docker_ok(&["commit", &tmp, &image]));
    assert!(docker_ok(&["rm", &tmp]));
    let labels = [
        format!("aime.mlc={}", who.login),
        format!("aime.mlc.NAME={name}"),
        format!("aime.mlc.USER={}", who.login),
        "aime.mlc.FRAMEWORK=Pytorch-2.5.1".to_string(),
    ];
    let mut args = vec!["create", "-it", "--stop-timeout", "1", "--name", &tag];
    for l in &labels {
        args.extend(["--label", l.as_str()]);
    }
    args.extend([image.as_str(), "sh"]);
    assert!(docker_ok(&args), "docker create failed");

    // Start without a command: waits, then says how to open a shell.
    let (code, out, _) = mlc(&["start", &name, "-s"], &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        format!(
            "{}{}{}\n\n{INFO}To open a shell within the container, use:{RESET} \nmlc open {INPUT}{name}{RESET}\n\n",
            line(&name, &format!(" {NEUTRAL}is not running and will be started.{RESET}")),
            line(&name, &format!(" {NEUTRAL}starting container...{RESET}")),
            line(&name, &format!(" {NEUTRAL}container started.{RESET}")).trim_end_matches('\n'),
        )
    );
    assert!(docker_ok(&["top", &tag]));

    let (code, out, _) = mlc(&["start", &name, "-s"], &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        line(
            &name,
            &format!(" {ERROR}Can not be started, container is already running.{RESET}\n")
        )
    );

    // open without a terminal: `docker exec -it` refused, the container
    // has nothing else running, so it is stopped.
    let (code, out, _) = mlc(&["open", &name, "-s"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with(&format!(
            "{}{}{}\n",
            line(
                &name,
                &format!(" {NEUTRAL}detached from container, container keeps running.{RESET}")
            ),
            line(
                &name,
                &format!("{NEUTRAL} container is inactive, stopping container ...{RESET}")
            ),
            line(&name, &format!("{NEUTRAL} container stopped.{RESET}")),
        )),
        "{out}"
    );

    // A command: the start is waited for, DISPLAY really reaches it.
    let (code, out, _) = mlc(&["start", &name, "env", "-s"], &[("DISPLAY", ":7")]);
    assert_eq!(code, 0);
    assert!(out.contains("DISPLAY=:7\r\n"), "{out}");
    assert!(
        out.ends_with(&line(
            &name,
            &format!(" {NEUTRAL}container started.{RESET}")
        )),
        "{out}"
    );

    // A command that cannot run: the container is stopped again.
    assert!(docker_ok(&["stop", &tag]));
    let (code, out, _) = mlc(&["start", &name, "no such", "-s"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with(&line(
            &name,
            &format!(" {ERROR}error starting container, stopping container...{RESET}")
        )),
        "{out}"
    );

    assert!(docker_ok(&["start", &tag]));
    let (code, out, _) = mlc(&["stop", &name, "-s"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with(&format!(
            "{}\n",
            line(&name, &format!(" {NEUTRAL}container stopped.{RESET}"))
        )),
        "{out}"
    );

    // remove: the container's own image, with docker's lines.
    let (code, out, err) = mlc(&["remove", &name, "-s"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "\n{NEUTRAL}Deleting related image ...{RESET}\nUntagged: {image}\nDeleted: sha256:"
        )),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
    assert!(!docker_ok(&["container", "inspect", &tag]));
    assert!(!docker_ok(&["image", "inspect", &image]));
}
