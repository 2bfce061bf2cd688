//! `image-create` as a user runs it: the Dockerfile a flagged run writes
//! (version specifiers intact and quoted, the catalog's base image), the
//! refusal of `-f custom` without a terminal, and on the test engine a real
//! build confirmed at a terminal (the log as the docker CLI printed it, the
//! image and its `.info` record) and a failing one.  The recorded sessions
//! (`../shared/compat/ds01/5xx`, `70x`) are replayed by compat-tests; this
//! file checks what they cannot see (file contents, the fixes).  The engine
//! part needs `DOCKER_HOST` with the test images; without it, it says why
//! and passes (or fails under `DS01_TESTS_NEED_ENGINE`).

mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{Pty, Scratch, User};

const UID: u32 = 4217;

/// A user of the test's own (when running as root) with a home in the
/// scratch directory, and `bin/image-create`.
fn setup(what: &str) -> (Scratch, User, PathBuf, PathBuf) {
    let scratch = Scratch::new(&format!("image-create-{what}"));
    let home = scratch.dir("home", Some((UID, UID)));
    let user = User::test_user(UID, "icuser", home);
    if !support::is_root() {
        std::os::unix::fs::chown(&user.home, Some(user.uid), Some(user.gid)).ok();
    }
    let bin = scratch.dir("bin", None);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ds01"), bin.join("image-create"))
        .expect("link image-create");
    let catalog = scratch.catalog(&[
        (
            "Pytorch",
            "2.8.0",
            "CUDA_ADA;CUDA_BLACKWELL",
            "aimehub/multi-arch",
        ),
        (
            "Pytorch",
            "2.8.0-aime",
            "CUDA_ADA",
            "aimehub/pytorch-2.8.0-aime-cuda12.6.3",
        ),
        ("Pytorch", "2.7.1", "CUDA_ADA", "aimehub/older"),
    ]);
    (scratch, user, bin, catalog)
}

fn image_create(user: &User, bin: &Path, catalog: &Path, args: &[&str]) -> Command {
    let mut cmd = user.command(bin.join("image-create").to_str().unwrap(), bin, catalog);
    cmd.env("MLC_ARCH", "CUDA_ADA").args(args);
    cmd
}

#[test]
fn flagged_run_writes_specifiers_intact() {
    let (_scratch, user, bin, catalog) = setup("flags");
    let requirements = user.home.join("req.txt");
    std::fs::write(
        &requirements,
        "numpy\npandas >= 2.0  # tables\ntransformers[torch]\n",
    )
    .unwrap();
    std::os::unix::fs::chown(&requirements, Some(user.uid), Some(user.gid)).ok();
    let packages = "torch==2.5.1+cu121 scikit-learn<1.6";
    let cmd = image_create(
        &user,
        &bin,
        &catalog,
        &[
            "Spec Test",
            "-f",
            "pytorch",
            "-t",
            "cv",
            "-p",
            packages,
            "-s",
            "tmux",
            "-r",
            "~/req.txt",
            "--no-build",
        ],
    );
    let (code, out, err) = support::run_with_input(cmd, "");
    assert_eq!(code, 0, "{out}{err}");
    let dockerfile = user.home.join("workspace/spec-test/Dockerfile");
    assert!(
        out.contains(&format!(
            "Dockerfile created: \x1b[0;34m{}",
            dockerfile.display()
        )),
        "{out}"
    );
    assert!(
        err.contains("Note: These packages are already in AIME base image:"),
        "{err}"
    );
    let text = std::fs::read_to_string(&dockerfile).expect("Dockerfile written");
    assert!(
        text.contains("\nFROM aimehub/pytorch-2.8.0-aime-cuda12.6.3\n"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "# Source: {}\nRUN pip install --no-cache-dir \\\n    numpy \\\n    'pandas>=2.0' \\\n    'transformers[torch]'\n",
        requirements.display()
    )));
    assert!(
        text.contains("    torch==2.5.1+cu121 \\\n    'scikit-learn<1.6'\n"),
        "{text}"
    );
    assert!(
        text.contains("    htop \\\n    tmux \\\n    && rm -rf"),
        "{text}"
    );
    // -r replaces the use case; the defaults tiers are not added unasked.
    assert!(
        text.contains("# Use case: custom\n") && !text.contains("timm"),
        "{text}"
    );
}

#[test]
fn custom_framework_without_a_terminal_is_refused() {
    let (_scratch, user, bin, catalog) = setup("custom");
    let cmd = image_create(
        &user,
        &bin,
        &catalog,
        &["demo3", "-f", "custom", "-t", "ml", "--no-build"],
    );
    let (code, out, _) = support::run_with_input(cmd, "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("needs a base image"), "{out}");
    assert!(!user.home.join("workspace/demo3/Dockerfile").exists());
}

/// `DOCKER_HOST` answers and has the plain test image, else skipped.
fn engine(test: &str) -> bool {
    let ready = std::env::var_os("DOCKER_HOST").is_some()
        && support::docker_ok(&["image", "inspect", support::BASE]);
    if !ready {
        support::skip(
            test,
            "no engine with ds01-test/busybox:latest on DOCKER_HOST",
        );
    }
    ready
}

/// Run `image-create NAME --dockerfile FILE` on a terminal, answering the
/// build question with Enter; (exit code, what the terminal showed).
fn build_on_a_terminal(
    user: &User,
    bin: &Path,
    catalog: &Path,
    name: &str,
    dockerfile: &Path,
) -> (Option<i32>, String) {
    let cmd = image_create(
        user,
        bin,
        catalog,
        &[name, "--dockerfile", dockerfile.to_str().unwrap()],
    );
    let mut pty = Pty::spawn(cmd);
    assert!(
        pty.wait_for("Build image now? [Y/n]: ", Duration::from_secs(10)),
        "{}",
        pty.output()
    );
    pty.send("\r");
    pty.finish(Duration::from_secs(60))
}

#[test]
fn builds_through_the_engine_as_the_cli_did() {
    if !engine("builds_through_the_engine_as_the_cli_did") {
        return;
    }
    let (scratch, user, bin, catalog) = setup("build");
    let project = user.home.join("proj");
    std::fs::create_dir_all(project.join("data")).unwrap();
    std::fs::write(project.join("data/big.bin"), vec![0u8; 4096]).unwrap();
    std::fs::write(project.join(".dockerignore"), "data\n").unwrap();
    std::fs::write(
        project.join("Dockerfile"),
        format!(
            "FROM {}\nARG DS01_USERNAME\nCOPY . /ctx\nRUN echo \"built for $DS01_USERNAME\" && test -f /ctx/Dockerfile && test ! -e /ctx/data\n",
            support::BASE
        ),
    )
    .unwrap();
    let (uid, gid) = (user.uid, user.gid);
    for p in [&project, &project.join("data")] {
        std::os::unix::fs::chown(p, Some(uid), Some(gid)).ok();
    }
    let image = format!("ds01-{uid}/e2e-build:latest");
    scratch.image(&image);
    let (code, shown) = build_on_a_terminal(
        &user,
        &bin,
        &catalog,
        "e2e-build",
        &project.join("Dockerfile"),
    );
    assert_eq!(code, Some(0), "{shown}");
    for line in [
        "DEPRECATED: The legacy builder is deprecated",
        "Sending build context to Docker daemon ",
        &format!("Step 1/4 : FROM {}\r\n", support::BASE),
        "Successfully built ",
        &format!("Successfully tagged {image}\r\n"),
        "\x1b[0;32m\x1b[1m✓ Image Built Successfully\x1b[0m",
        "Next: \x1b[0;32mcontainer-deploy e2e-build\x1b[0m",
    ] {
        assert!(shown.contains(line), "{line:?} missing in:\n{shown}");
    }
    assert!(
        shown.contains("built for "),
        "the build argument reached the build:\n{shown}"
    );
    assert!(support::docker_ok(&["image", "inspect", &image]));
    let info = std::fs::read_to_string(
        user.home
            .join(format!("ds01-config/images/ds01-{uid}_e2e-build.info")),
    )
    .expect("the .info record");
    assert!(
        info.starts_with(&format!(
            "Image: ds01-{uid}/e2e-build\nFramework: custom\nUse Case: custom\n"
        )),
        "{info}"
    );

    std::fs::write(
        project.join("Dockerfile"),
        format!("FROM {}\nRUN false\n", support::BASE),
    )
    .unwrap();
    let (code, shown) = build_on_a_terminal(
        &user,
        &bin,
        &catalog,
        "e2e-build",
        &project.join("Dockerfile"),
    );
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("returned a non-zero code: 1"), "{shown}");
    assert!(shown.contains("✗ Phase 2/2: Build Failed"), "{shown}");
}
