//! `ds01/*.txt`: DS01's commands recorded on a real engine.
//!
//! ```text
//! # session: 001-container-create-help
//! # command: container-create --help
//! # user: alice (uid 2001)
//! # cwd: /home/alice
//! # env (complete, env -i): HOME=/home/alice USER=alice … LANG=C.UTF-8
//! # mode: pipe (…)   |   # mode: pty (pty 50x160, …)
//! # setup before session (as root, not part of the transcript):
//! #   $ CMD  (rc=0)
//! # typed input (wait-for-substring -> keys sent as Python repr; '\r' = Enter):
//! #   after 'Choice [1-5, default: 1]': '1\r'
//! === stdout ===        (pipe)  or  === output (pty, …) ===
//! === stderr ===
//! === exit: N ===       (or TIMEOUT)
//! ```
//! After the stdout body the recorder always wrote a newline; after a stderr or pty body only
//! when the body did not end with one (so an empty stderr shows as one blank line).

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use super::quote::{command_programs, python_literal};
use super::{is_help_command, SetInfo};
use crate::error::{Error, Result};
use crate::session::{
    Expected, ExpectedExit, FakeApt, Format, Invocation, Mode, Session, State, StreamRule, Trigger,
    TypedInput, User,
};

pub fn set_info() -> SetInfo {
    SetInfo {
        users: vec![("alice".into(), 2001), ("bob".into(), 2002)],
        dirs: vec![("/home/alice".into(), 2001), ("/home/bob".into(), 2002)],
    }
}

/// The recording machine's stand-in `apt list --installed` (README "Fake apt").
pub fn fake_apt() -> FakeApt {
    FakeApt {
        stdout: "Listing...\n\
                 cuda-drivers-550/unknown,now 550.127.08-1 amd64 [installed,automatic]\n\
                 cuda-toolkit-12-6/unknown,now 12.6.3-1 amd64 [installed]\n"
            .into(),
        rc: 0,
    }
}

/// `python3 /opt/ds01-infra/scripts/docker/get_resource_limits.py ARGS` → `get_resource_limits
/// ARGS`; `/opt/ds01-infra/…/NAME[.py|.sh]` and `/opt/ds01-bin/NAME` in command position → NAME.
pub fn rewrite_command(line: &str) -> String {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(^|[;&|(]\s*)(?:python3\s+)?/opt/ds01-(?:infra|bin)/(?:[^\s/;|&]+/)*([A-Za-z0-9_-]+)(?:\.py|\.sh)?",
        )
        .ok()
    });
    match re {
        Some(re) => re.replace_all(line, "$1$2").into_owned(),
        None => line.to_owned(),
    }
}

pub fn parse(path: &Path, set: &str, text: &str) -> Result<Session> {
    let name = super::session_name(path)?;
    let header: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("=== "))
        .collect();
    let value = |key: &str| -> Option<&str> { header.iter().find_map(|l| l.strip_prefix(key)) };
    let command = value("# command: ").ok_or_else(|| Error::msg("no '# command:' line"))?;
    let user_line = value("# user: ").ok_or_else(|| Error::msg("no '# user:' line"))?;
    let (user_name, uid) = parse_user(user_line)?;
    let cwd = value("# cwd: ").ok_or_else(|| Error::msg("no '# cwd:' line"))?;
    let env_line =
        value("# env (complete, env -i): ").ok_or_else(|| Error::msg("no '# env' line"))?;
    let env = env_line
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Error::msg(format!("bad env word {w:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mode_line = value("# mode: ").ok_or_else(|| Error::msg("no '# mode:' line"))?;
    let mode = if mode_line.starts_with("pipe") {
        Mode::Pipe
    } else if mode_line.starts_with("pty") {
        Mode::Pty
    } else {
        return Err(Error::msg(format!("unknown mode {mode_line:?}")));
    };
    let pty_size = parse_pty_size(mode_line).unwrap_or((50, 160));

    let mut setup = Vec::new();
    let mut typed = Vec::new();
    let mut section = "";
    for line in &header {
        if line.starts_with("# setup before session") {
            section = "setup";
        } else if line.starts_with("# typed input") {
            section = "typed";
        } else if let Some(item) = line.strip_prefix("#   ") {
            match section {
                "setup" => {
                    let cmd = item.strip_prefix("$ ").unwrap_or(item);
                    let cmd = match cmd.rfind("  (rc=") {
                        Some(i) => &cmd[..i],
                        None => cmd,
                    };
                    setup.push(cmd.to_owned());
                }
                "typed" => {
                    if let Some(t) = parse_typed(item)? {
                        typed.push(t);
                    }
                }
                _ => {}
            }
        } else {
            section = "";
        }
    }

    let (stdout, stderr, pty, exit) = parse_body(text, mode)?;
    let rewritten = rewrite_command(command);
    let programs = command_programs(&rewritten);
    let help = is_help_command(&rewritten, true);
    let groups = if uid == 0 {
        vec![0]
    } else {
        vec![super::aime_v2::DOCKER_GID, uid]
    };
    Ok(Session {
        id: format!("{set}/{name}"),
        set: set.into(),
        name: name.clone(),
        source: path.to_path_buf(),
        format: Format::Ds01,
        command_line: command.to_owned(),
        invocation: Invocation::Shell(rewritten),
        programs,
        user: User {
            name: user_name,
            uid,
            gid: uid,
            groups,
            loginuid: Some(uid),
        },
        cwd: cwd.to_owned(),
        env,
        mode,
        pty_size,
        stdin: None,
        typed,
        cursor_replies: Vec::new(),
        state: State::Sequential,
        engine_down: false,
        setup,
        expected: Expected {
            stdout,
            stderr,
            pty,
            exit,
            stdout_rule: match mode {
                Mode::Pipe => StreamRule::NewlineAppended,
                _ => StreamRule::NewlineTerminated,
            },
            stderr_rule: StreamRule::NewlineTerminated,
            fake_docker_lines: false,
        },
        help,
        notes: Vec::new(),
        unsupported: None,
        apt: Some(fake_apt()),
        fake_nvidia_smi: true,
        recorded_secs: recorded_secs(text),
        pulls: Vec::new(),
        pull_digest_omitted: false,
        mlc_checkout: None,
    })
}

/// `alice (uid 2001)`
fn parse_user(s: &str) -> Result<(String, u32)> {
    let (name, rest) = s
        .split_once(" (uid ")
        .ok_or_else(|| Error::msg(format!("bad user line {s:?}")))?;
    let uid = rest
        .trim_end_matches(')')
        .parse()
        .map_err(|_| Error::msg(format!("bad uid in {s:?}")))?;
    Ok((name.to_owned(), uid))
}

/// `pty (pty 50x160, …)` → (rows 50, cols 160).
fn parse_pty_size(mode_line: &str) -> Option<(u16, u16)> {
    let spec = mode_line.split("pty ").nth(2)?.split([',', ')']).next()?;
    let (rows, cols) = spec.split_once('x')?;
    Some((rows.trim().parse().ok()?, cols.trim().parse().ok()?))
}

/// `'Choice [1-5, default: 1]': '1\r'` or `None: ''`.
fn parse_typed(item: &str) -> Result<Option<TypedInput>> {
    let Some(rest) = item.strip_prefix("after ") else {
        return Ok(None);
    };
    let (trigger, rest) = if let Some(r) = rest.strip_prefix("None") {
        (Trigger::Contains(String::new()), r)
    } else {
        let (t, r) = python_literal(rest)?;
        (Trigger::Contains(t), r)
    };
    let rest = rest.trim_start().trim_start_matches(':');
    let (keys, _) = python_literal(rest)?;
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(TypedInput {
        trigger,
        keys: keys.into_bytes(),
    }))
}

type Bodies = (Option<String>, Option<String>, Option<String>, ExpectedExit);

fn parse_body(text: &str, mode: Mode) -> Result<Bodies> {
    let exit_at = text
        .find("\n=== exit: ")
        .ok_or_else(|| Error::msg("no '=== exit:' line"))?;
    let exit_line = text[exit_at + 1..].lines().next().unwrap_or("");
    let exit_val = exit_line
        .trim_start_matches("=== exit: ")
        .trim_end_matches(" ===")
        .trim();
    let exit = if exit_val == "TIMEOUT" {
        ExpectedExit::Timeout
    } else {
        ExpectedExit::Code(
            exit_val
                .parse()
                .map_err(|_| Error::msg(format!("bad exit line {exit_line:?}")))?,
        )
    };
    // Section bodies end at the newline before the next marker (the recorder's own newline
    // when the body lacked one).
    let upto_exit = &text[..exit_at + 1];
    match mode {
        Mode::Pipe => {
            let out_mark = "=== stdout ===\n";
            let out_at = upto_exit
                .find(out_mark)
                .ok_or_else(|| Error::msg("no '=== stdout ===' section"))?;
            let body = &upto_exit[out_at + out_mark.len()..];
            let err_at = body
                .find("\n=== stderr ===\n")
                .ok_or_else(|| Error::msg("no '=== stderr ===' section"))?;
            let stdout = &body[..err_at + 1];
            let stderr = &body[err_at + "\n=== stderr ===\n".len()..];
            Ok((Some(stdout.to_owned()), Some(stderr.to_owned()), None, exit))
        }
        _ => {
            let out_at = upto_exit
                .find("=== output (pty")
                .ok_or_else(|| Error::msg("no '=== output (pty …) ===' section"))?;
            let body = upto_exit[out_at..]
                .split_once('\n')
                .map(|(_, b)| b)
                .unwrap_or("");
            Ok((None, None, Some(body.to_owned()), exit))
        }
    }
}

/// `# wall time: 30.1s`, the recording's last line.
fn recorded_secs(text: &str) -> Option<f64> {
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("# wall time: "))
        .and_then(|t| t.trim().trim_end_matches('s').parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support::shared_compat;

    fn load(name: &str) -> Option<Session> {
        let path = shared_compat()?.join("ds01").join(name);
        let text = std::fs::read_to_string(&path).ok()?;
        Some(parse(&path, "ds01", &text).unwrap())
    }

    #[test]
    fn pipe_help_session() {
        let Some(s) = load("001-container-create-help.txt") else {
            return;
        };
        assert_eq!(s.id, "ds01/001-container-create-help");
        assert_eq!(s.programs, ["container-create"]);
        assert_eq!(s.user.uid, 2001);
        assert_eq!(s.mode, Mode::Pipe);
        assert!(s.help);
        assert_eq!(s.expected.stderr.as_deref(), Some("\n"));
        assert!(s
            .expected
            .stdout
            .as_deref()
            .unwrap()
            .ends_with("commands.\x1b[0m\n\n\n"));
        assert_eq!(s.expected.exit, ExpectedExit::Code(0));
        assert!(s.env.contains(&("TERM".into(), "xterm".into())));
    }

    #[test]
    fn python_helper_is_mapped() {
        let Some(s) = load("200-grl-alice-display.txt") else {
            return;
        };
        assert_eq!(
            s.invocation,
            Invocation::Shell("get_resource_limits 'alice'".into())
        );
        assert_eq!(s.programs, ["get_resource_limits"]);
        assert!(s.parallel_safe());
        assert_eq!(
            rewrite_command("python3 /opt/ds01-infra/scripts/docker/gpu-state-reader.py all"),
            "gpu-state-reader all"
        );
        assert_eq!(
            rewrite_command("/opt/ds01-bin/container-list -a; echo"),
            "container-list -a; echo"
        );
    }

    #[test]
    fn setup_stderr_and_root() {
        let Some(s) = load("346-grl-malformed-yaml.txt") else {
            return;
        };
        assert_eq!(s.user.uid, 0);
        assert_eq!(s.setup.len(), 2);
        assert!(s.setup[1].starts_with("printf 'defaults:"));
        assert!(s.setup[1].ends_with("resource-limits.yaml"));
        assert_eq!(s.expected.stdout.as_deref(), Some("\n"));
        assert!(s
            .expected
            .stderr
            .as_deref()
            .unwrap()
            .starts_with("Traceback"));
        assert!(!s.parallel_safe());
    }

    #[test]
    fn pty_session_with_typed_input() {
        let Some(s) = load("700-image-create-wizard.txt") else {
            return;
        };
        assert_eq!(s.mode, Mode::Pty);
        assert_eq!(s.pty_size, (50, 160));
        assert_eq!(s.typed.len(), 9);
        assert_eq!(s.typed[0].trigger, Trigger::Contains("> ".into()));
        assert_eq!(s.typed[0].keys, b"wiz\r");
        let pty = s.expected.pty.as_deref().unwrap();
        assert!(pty.ends_with("\r\n"));
        assert!(pty.contains("\r\n"));
    }

    #[test]
    fn timeout_and_none_trigger() {
        let Some(s) = load("624-container-run-exit-keep.txt") else {
            return;
        };
        assert_eq!(s.expected.exit, ExpectedExit::Timeout);
        assert_eq!(s.typed.len(), 1);
    }

    #[test]
    fn every_file_parses() {
        let Some(dir) = shared_compat() else {
            return;
        };
        let set = crate::formats::load_set(&dir.join("ds01")).unwrap();
        assert_eq!(set.sessions.len(), 400);
        let broken: Vec<_> = set
            .sessions
            .iter()
            .filter_map(|s| s.unsupported.clone())
            .collect();
        assert!(broken.is_empty(), "{broken:?}");
        let printf = set
            .sessions
            .iter()
            .find(|s| s.name == "506-image-create-req-file")
            .unwrap();
        assert_eq!(printf.programs, ["printf", "image-create"]);
    }
}
