//! `get_resource_limits` against the recorded sessions of the original
//! (`../shared/compat/ds01/2??-grl-*` and `3??-grl-*`): the recording
//! machine's configuration is assembled in a temporary directory from
//! `../shared/data/resource-limits.yaml` and
//! `compat-tests/fixtures/ds01-config/`, and every session's stdout, stderr
//! and exit code must match.  Sessions where the original crashed with a
//! Python traceback (malformed or missing YAML) are deliberate deviations:
//! same exit code and stdout, and one clear line on stderr instead.
//! Skipped when `../shared` is absent.

mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::copy_dir;

struct Session {
    id: String,
    args: Vec<String>,
    setup: Vec<String>,
    stdout: String,
    stderr: String,
    exit: i32,
}

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.join("data/resource-limits.yaml").is_file().then_some(p)
}

/// Shell words of a recorded command line (plain words and '...' quoting).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                }
                in_word = false;
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn parse(path: &Path) -> Session {
    let text = fs::read_to_string(path).expect("session readable");
    let id = format!(
        "ds01/{}",
        path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
    );
    let command = text
        .lines()
        .find_map(|l| l.strip_prefix("# command: "))
        .expect("command line");
    let argv = words(command);
    let at = argv
        .iter()
        .position(|w| w.ends_with("get_resource_limits.py"))
        .expect("get_resource_limits.py in the command");
    let setup = text
        .lines()
        .filter_map(|l| l.strip_prefix("#   $ "))
        .map(|l| l.rsplit_once("  (rc=").map_or(l, |(c, _)| c).to_string())
        .collect();
    let out_mark = "=== stdout ===\n";
    let err_mark = "\n=== stderr ===\n";
    let out_at = text.find(out_mark).expect("stdout section") + out_mark.len();
    let err_at = text[out_at - 1..].find(err_mark).expect("stderr section") + out_at - 1;
    // The recorder ends each section with a newline of its own.
    let stdout = if err_at < out_at {
        String::new()
    } else {
        text[out_at..err_at].to_string()
    };
    let rest = &text[err_at + err_mark.len()..];
    let exit_at = rest.find("=== exit: ").expect("exit line");
    let stderr = match &rest[..exit_at] {
        "\n" => String::new(),
        s => s.to_string(),
    };
    let exit = rest[exit_at + "=== exit: ".len()..]
        .split_whitespace()
        .next()
        .and_then(|c| c.parse().ok())
        .expect("exit code");
    Session {
        id,
        args: argv[at + 1..].to_vec(),
        setup,
        stdout,
        stderr,
        exit,
    }
}

/// The recording machine's configuration directory, with the session's
/// setup (a swapped or removed resource-limits.yaml) applied.
fn assemble(shared: &Path, dir: &Path, setup: &[String]) {
    let _ = fs::remove_dir_all(dir);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/fixtures/ds01-config");
    copy_dir(&fixture, dir);
    let yaml = dir.join("resource-limits.yaml");
    fs::copy(shared.join("data/resource-limits.yaml"), &yaml).expect("copy yaml");
    for step in setup {
        if step.starts_with("mv ") && step.contains("resource-limits.yaml") {
            fs::remove_file(&yaml).expect("remove yaml");
        } else if let Some(body) = step
            .strip_prefix("printf '")
            .and_then(|s| s.split_once("' > "))
            .filter(|(_, target)| target.ends_with("resource-limits.yaml"))
            .map(|(body, _)| body)
        {
            fs::write(&yaml, body.replace("\\n", "\n")).expect("write yaml");
        }
    }
}

#[test]
fn recorded_get_resource_limits_sessions() {
    let Some(shared) = shared() else {
        support::skip("ds01_limits", "../shared is not present");
        return;
    };
    let mut paths: Vec<PathBuf> = fs::read_dir(shared.join("compat/ds01"))
        .expect("sessions dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.get(3..8) == Some("-grl-") && n.ends_with(".txt"))
        })
        .collect();
    paths.sort();
    assert!(paths.len() >= 100, "only {} sessions found", paths.len());

    let dir = std::env::temp_dir().join(format!("ds01-grl-{}", std::process::id()));
    let mut failures = Vec::new();
    for path in &paths {
        let s = parse(path);
        assemble(&shared, &dir, &s.setup);
        let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
            .arg("get_resource_limits")
            .args(&s.args)
            .env_clear()
            .env("DS01_CONFIG_DIR", &dir)
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("run ds01");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        let ok = if s.stderr.contains("Traceback") {
            // Deviation: a clear message instead of the traceback.
            code == s.exit
                && stdout == s.stdout
                && stderr.starts_with("get_resource_limits: ")
                && stderr.lines().count() == 1
                && stderr.contains("resource-limits.yaml")
        } else {
            code == s.exit && stdout == s.stdout && stderr == s.stderr
        };
        if !ok {
            failures.push(format!(
                "{} {:?}\n  want {} {:?} {:?}\n  got  {} {:?} {:?}",
                s.id, s.args, s.exit, s.stdout, s.stderr, code, stdout, stderr
            ));
        }
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} sessions differ:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("ds01-grl-bad-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(
        dir.join("resource-limits.yaml"),
        "defaults:\n  max_cpus: [32\n  memory: 32g\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ds01"))
        .args(["get_resource_limits", "alice", "--docker-args"])
        .env("DS01_CONFIG_DIR", &dir)
        .output()
        .expect("run ds01");
    let _ = fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("resource-limits.yaml"), "{stderr}");
    assert!(stderr.contains("line 3 column 9"), "{stderr}");
}
