//! DS01's small helpers end to end, with the built binary in a scratch
//! HOME: `shell-setup` (the ~/.bashrc block, links left alone, --check),
//! `vscode-setup` on a terminal (the steps and the summary file), `help`
//! (every listed command exists) and `version`.  No engine is needed.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;
use support::{ds01_clean, Pty};

/// A scratch HOME, removed at the end.
struct Home(PathBuf);

impl Home {
    fn new(what: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("ds01-helpers-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch home");
        Home(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ds01(home: &Path, path: &str, args: &[&str]) -> Command {
    let mut cmd = ds01_clean();
    cmd.env("HOME", home).env("PATH", path).args(args);
    cmd
}

fn run(mut cmd: Command) -> (i32, String) {
    let out: Output = cmd.output().expect("run ds01");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

const NO_LOCAL_BIN: &str = "/usr/bin:/bin";

#[test]
fn shell_setup_appends_its_block_once() {
    let home = Home::new("shell");
    let rc = home.path(".bashrc");
    std::fs::write(&rc, "alias ll='ls -l'\n").expect("bashrc");
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["shell-setup", "--check"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PATH is not configured correctly"), "{out}");
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["shell-setup"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("Added PATH configuration to {}", rc.display())));
    let text = std::fs::read_to_string(&rc).expect("read");
    assert!(text.starts_with(
        "alias ll='ls -l'\n\n# DS01: Ensure /usr/local/bin is in PATH for DS01 commands\n"
    ));
    assert!(text.ends_with("        ;;\nesac\n"));
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["shell-setup"]));
    assert_eq!(code, 0);
    assert!(out.contains("~/.bashrc already configured"), "{out}");
    assert_eq!(std::fs::read_to_string(&rc).expect("read"), text);
    let (code, out) = run(ds01(&home.0, "/usr/local/bin:/usr/bin", &["shell-setup"]));
    assert_eq!(code, 0);
    assert!(out.contains("No changes needed."), "{out}");
}

#[test]
fn shell_setup_never_writes_through_a_link() {
    let home = Home::new("link");
    let target = home.path("dotfiles-bashrc");
    std::fs::write(&target, "# mine\n").expect("target");
    std::os::unix::fs::symlink(&target, home.path(".bashrc")).expect("link");
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["shell-setup"]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("~/.bashrc is a symbolic link: left unchanged"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "# mine\n");
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["shell-setup", "extra"]));
    assert_eq!(code, 1);
    assert!(out.starts_with("\x1b[0;31m✗ Unknown option: extra\x1b[0m\n"));
}

#[test]
fn vscode_setup_walks_through_and_keeps_a_summary() {
    let home = Home::new("vscode");
    let cmd = ds01(
        &home.0,
        NO_LOCAL_BIN,
        &["vscode-setup", "--project=thesis", "--container=demo"],
    );
    let mut pty = Pty::spawn(cmd);
    for prompt in [
        "Press Enter when extensions are installed...",
        "Press Enter when SSH config is saved...",
        "Press Enter after connecting...",
    ] {
        assert!(
            pty.wait_for(prompt, Duration::from_secs(20)),
            "{}",
            pty.output()
        );
        pty.send("\r");
    }
    let (code, out) = pty.finish(Duration::from_secs(20));
    let out = out.replace("\r\n", "\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Host ds01\n    HostName "), "{out}");
    assert!(out.contains("container-attach demo"), "{out}");
    assert!(out.contains("/workspace/thesis"), "{out}");
    let summary = home.path("ds01-config/vscode-setup-summary.txt");
    let text = std::fs::read_to_string(&summary).expect("summary file");
    assert!(text.starts_with("DS01 VS Code Setup Summary\n"));
    assert!(text.contains("Name: demo\nEnter: container attach demo\n"));
    assert!(out.contains(&summary.display().to_string()));
}

#[test]
fn vscode_setup_without_a_terminal_stops_at_the_first_pause() {
    let home = Home::new("vscode-pipe");
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["vscode-setup"]));
    assert_eq!(code, 1);
    assert!(out.contains("Step 1: Install VS Code Extensions"));
    assert!(!out.contains("Step 2"));
}

#[test]
fn help_lists_only_commands_that_exist() {
    let home = Home::new("help");
    let (_, names) = run(ds01(&home.0, NO_LOCAL_BIN, &["--list"]));
    let names: Vec<&str> = names.lines().collect();
    for flags in [&["--atomic"][..], &["--full"][..]] {
        let mut args = vec!["help"];
        args.extend_from_slice(flags);
        let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &args));
        assert_eq!(code, 0, "{out}");
        for line in out.lines().filter(|l| l.starts_with("  \x1b[0;32m")) {
            let shown = line["  \x1b[0;32m".len()..]
                .split('\x1b')
                .next()
                .unwrap_or_default();
            let first = shown.split(' ').next().unwrap_or_default();
            let front_door = first == "ds01";
            let inside = ["exit", "cd", "nvidia-smi", "alias"].contains(&first);
            assert!(
                names.contains(&first) || front_door || inside,
                "{shown} is listed but is no command"
            );
        }
    }
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["alias-list", "--bogus"]));
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "\x1b[0;31mError:\x1b[0m Unknown option: --bogus\nUse --help for usage information\n"
    );
}

#[test]
fn version_names_the_build() {
    let home = Home::new("version");
    let (code, out) = run(ds01(&home.0, NO_LOCAL_BIN, &["version", "--anything"]));
    assert_eq!(code, 0);
    let expected = format!("\x1b[0;32mv{}\x1b[0m (", env!("CARGO_PKG_VERSION"));
    assert!(out.contains(&expected), "{out}");
    assert!(out.contains("DS01 GPU SERVER INFRASTRUCTURE"));
}
