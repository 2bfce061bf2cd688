//! `aime-v2/*.txt`: transcripts of mlc 2.2.0 against a fixture-driven stand-in docker/apt.
//!
//! ```text
//! # argv: mlc list
//! # fixture: state_two.json  apt: apt_none.txt  env-extra: none
//! # stdin: ''
//! # exit code: 0
//! === stdout (color codes shown as {NAME}; prompts appear without the typed answer) ===
//! ...verbatim, colour tokens...=== stderr ===
//! ...last 3 lines...
//! === external commands (argv as JSON) ===
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::quote::bash_words;
use super::{is_help_argv, SetInfo};
use crate::error::{Context, Error, Result};
use crate::session::{
    ContainerSpec, Expected, ExpectedExit, FakeApt, Format, Invocation, Session, State, StreamRule,
    User, WantStatus,
};

pub const USER: &str = "alice";
pub const UID: u32 = 1000;
/// The docker group on the recording machines (and of the test engine's socket).
pub const DOCKER_GID: u32 = 105;

/// The colour tokens of the transcripts and the escape sequences they stand for.
pub const COLOUR_TOKENS: [(&str, &str); 9] = [
    ("{ERROR}", "\x1b[91m"),
    ("{NEUTRAL}", "\x1b[37m"),
    ("{INFO}", "\x1b[32m"),
    ("{INFO_HEADER}", "\x1b[92m"),
    ("{REQUEST}", "\x1b[96m"),
    ("{WARNING}", "\x1b[38;5;208m"),
    ("{INPUT}", "\x1b[38;5;214m"),
    ("{HINT}", "\x1b[93m"),
    ("{RESET}", "\x1b[0m"),
];

/// Replace `{NAME}` colour tokens by their escape sequences.
pub fn detokenize(s: &str) -> String {
    let mut out = s.to_owned();
    for (token, esc) in COLOUR_TOKENS {
        out = out.replace(token, esc);
    }
    out
}

pub fn set_info() -> SetInfo {
    SetInfo {
        users: vec![(USER.into(), UID)],
        dirs: ["", "/workspace", "/data", "/models"]
            .iter()
            .map(|d| (format!("/home/{USER}{d}"), UID))
            .collect(),
    }
}

#[derive(Deserialize)]
struct Fixture {
    #[serde(default)]
    containers: Vec<FixtureContainer>,
    #[serde(default)]
    ps_rc: Option<i32>,
    #[serde(default)]
    exec_rc: Option<i32>,
    #[serde(default)]
    pull_rc: Option<i32>,
}

#[derive(Deserialize)]
struct FixtureContainer {
    name: String,
    image: String,
    #[serde(default)]
    running: bool,
    #[serde(default)]
    procs: Option<u32>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// Split a transcript into its header lines and sections. Section markers may follow a
/// body that does not end in a newline (a prompt), so they are searched, not matched by line.
struct Parts<'a> {
    header: Vec<&'a str>,
    stdout: &'a str,
    stderr: &'a str,
}

const STDOUT_MARK: &str =
    "=== stdout (color codes shown as {NAME}; prompts appear without the typed answer) ===\n";
const STDERR_MARK: &str = "=== stderr ===\n";
const EXTERNAL_MARK: &str = "=== external commands (argv as JSON) ===";

fn split_parts(text: &str) -> Result<Parts<'_>> {
    let out_at = text
        .find(STDOUT_MARK)
        .ok_or_else(|| Error::msg("no '=== stdout (color codes …) ===' section"))?;
    let header = text[..out_at].lines().collect();
    let body = &text[out_at + STDOUT_MARK.len()..];
    let err_at = body
        .find(STDERR_MARK)
        .ok_or_else(|| Error::msg("no '=== stderr ===' section"))?;
    let stdout = &body[..err_at];
    let rest = &body[err_at + STDERR_MARK.len()..];
    let stderr = match rest.find(EXTERNAL_MARK) {
        Some(i) => &rest[..i],
        None => rest,
    };
    Ok(Parts {
        header,
        stdout,
        stderr,
    })
}

fn header_value<'a>(header: &[&'a str], key: &str) -> Option<&'a str> {
    header.iter().find_map(|l| l.strip_prefix(key))
}

/// Parse one transcript. `fixtures` is `../fixtures-aime` of the set.
pub fn parse(path: &Path, set: &str, text: &str, fixtures: &Path) -> Result<Session> {
    let name = super::session_name(path)?;
    let argv_line = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# argv: "))
        .ok_or_else(|| Error::msg("first line is not '# argv: …'"))?;
    let mut session = base_session(path, set, &name, argv_line)?;
    if !text.lines().any(|l| l.starts_with("# fixture: ")) {
        // update_sys_* transcripts: mlc.py in a writable git clone with a remote.
        parse_update_sys(&mut session, argv_line, text)?;
        return Ok(session);
    }
    let parts = split_parts(text)?;
    let fixture_line = header_value(&parts.header, "# fixture: ")
        .ok_or_else(|| Error::msg("no '# fixture:' line"))?;
    let (state_file, apt_file, env_extra) = parse_fixture_line(fixture_line)?;
    for (k, v) in &env_extra {
        session.env.push((k.clone(), v.clone()));
    }
    session.stdin = Some(stdin_header(&parts.header)?);
    let exit = exit_header(&parts.header)?;

    let fixture_path = fixtures.join(&state_file);
    let fixture_text = std::fs::read_to_string(&fixture_path).ctx(fixture_path.display())?;
    let fixture: Fixture =
        serde_json::from_str(&fixture_text).ctx(format!("parsing {}", fixture_path.display()))?;
    session.state = State::Containers(
        fixture
            .containers
            .iter()
            .map(|c| ContainerSpec {
                name: c.name.clone(),
                image: c.image.clone(),
                labels: c.labels.clone(),
                // The fixture does not say how stopped containers ended; the transcripts show
                // `Exited (0) … ago`.
                status: if c.running {
                    WantStatus::Running
                } else {
                    WantStatus::Exited(0)
                },
                procs: c.procs.unwrap_or(1),
                group_add: Vec::new(),
                account: None,
            })
            .collect(),
    );
    for (what, rc) in [
        ("docker ps", fixture.ps_rc),
        ("docker exec", fixture.exec_rc),
        ("docker pull", fixture.pull_rc),
    ] {
        if what == "docker ps" && rc.is_some_and(|rc| rc != 0) {
            // The stand-in played a daemon that does not answer.
            session.engine_down = true;
            continue;
        }
        if let Some(rc) = rc {
            session.notes.push(format!(
                "the fixture made the stand-in {what} exit {rc}; a real engine does not"
            ));
        }
    }
    let apt_path = fixtures.join(&apt_file);
    let apt_stdout = std::fs::read_to_string(&apt_path).ctx(apt_path.display())?;
    let apt_rc = env_extra
        .iter()
        .find(|(k, _)| k == "FAKE_APT_RC")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    session.apt = Some(FakeApt {
        stdout: apt_stdout,
        rc: apt_rc,
    });
    // The stand-in answered every `docker pull` with success unless the fixture said not.
    if fixture.pull_rc.unwrap_or(0) == 0 {
        session.pulls = pulled_images(text);
    }
    session.expected = Expected {
        stdout: Some(detokenize(parts.stdout)),
        stderr: Some(detokenize(parts.stderr)),
        pty: None,
        exit: ExpectedExit::Code(exit),
        stdout_rule: StreamRule::Exact,
        stderr_rule: StreamRule::LastLines(3),
        fake_docker_lines: true,
    };
    // `# stdin:` lists the typed answers, but sessions went on past them
    // taking each later prompt's default (stop/remove "no", create's
    // "keep"/"no"/"yes"), so the recorder fed Enter after them; only a real
    // end of input shows Python's EOFError.  Without that traceback, answer
    // every further prompt with Enter.
    enter_after_answers(&mut session, parts.stderr);
    Ok(session)
}

/// `# stdin:` (bash-quoted; `''` when absent).
fn stdin_header(header: &[&str]) -> Result<Vec<u8>> {
    let stdin = header_value(header, "# stdin: ").unwrap_or("''");
    Ok(bash_words(stdin).ctx("# stdin:")?.concat().into_bytes())
}

fn exit_header(header: &[&str]) -> Result<i32> {
    let exit = header_value(header, "# exit code: ")
        .ok_or_else(|| Error::msg("no '# exit code:' line"))?;
    exit.trim()
        .parse()
        .map_err(|_| Error::msg(format!("bad exit code {exit:?}")))
}

/// `# stdin:` lists the typed answers, but sessions went on past them taking each later
/// prompt's default (stop/remove "no", create's "keep"/"no"/"yes", update-sys's "yes"), so
/// the recorder fed Enter after them; only a real end of input shows Python's EOFError.
/// Without that traceback, answer every further prompt with Enter.
fn enter_after_answers(session: &mut Session, stderr: &str) {
    if !stderr.contains("EOFError") {
        let mut input = session.stdin.take().unwrap_or_default();
        input.extend_from_slice(&b"\n".repeat(16));
        session.stdin = Some(input);
    }
}

/// The images of the `["pull", IMAGE]` lines of the external commands.
fn pulled_images(text: &str) -> Vec<String> {
    let Some(at) = text.find(EXTERNAL_MARK) else {
        return Vec::new();
    };
    text[at + EXTERNAL_MARK.len()..]
        .lines()
        .filter_map(|l| serde_json::from_str::<Vec<String>>(l).ok())
        .filter(|argv| argv.len() == 2 && argv[0] == "pull")
        .map(|argv| argv[1].clone())
        .collect()
}

const UPDATE_SYS_STDOUT: &str = "=== stdout ===\n";
const UPDATE_SYS_STDERR: &str = "=== stderr (git's own progress) ===\n";
const UPDATE_SYS_GITCONFIG: &str = "=== ~/.gitconfig afterwards ===";

/// An `update_sys_*` transcript: `mlc.py` ran in a writable git clone of the installation
/// whose remote was N batches of commits ahead (`# argv: … (… remote has N new commit(s)
/// batch)`); no fixture, colour tokens as usual, git's stderr in full, then the user's
/// `~/.gitconfig` (not compared).
fn parse_update_sys(session: &mut Session, argv_line: &str, text: &str) -> Result<()> {
    let comment = argv_line.split_once("    (").map_or("", |(_, c)| c);
    let ahead = crate::checkout::ahead_from_comment(comment)
        .ok_or_else(|| Error::msg("update-sys: no 'remote has N new commit(s)' in # argv:"))?;
    let out_at = text
        .find(UPDATE_SYS_STDOUT)
        .ok_or_else(|| Error::msg("no '=== stdout ===' section"))?;
    let header: Vec<&str> = text[..out_at].lines().collect();
    let body = &text[out_at + UPDATE_SYS_STDOUT.len()..];
    let err_at = body
        .find(UPDATE_SYS_STDERR)
        .ok_or_else(|| Error::msg("no '=== stderr (git's own progress) ===' section"))?;
    let rest = &body[err_at + UPDATE_SYS_STDERR.len()..];
    let stderr = rest.find(UPDATE_SYS_GITCONFIG).map_or(rest, |i| &rest[..i]);
    session.stdin = Some(stdin_header(&header)?);
    session.expected = Expected {
        stdout: Some(detokenize(&body[..err_at])),
        stderr: Some(stderr.to_owned()),
        pty: None,
        exit: ExpectedExit::Code(exit_header(&header)?),
        stdout_rule: StreamRule::Exact,
        stderr_rule: StreamRule::Exact,
        fake_docker_lines: false,
    };
    session.mlc_checkout = Some(crate::checkout::Checkout { ahead });
    enter_after_answers(session, stderr);
    Ok(())
}

fn base_session(path: &Path, set: &str, name: &str, argv_line: &str) -> Result<Session> {
    let argv_text = argv_line.split("    (").next().unwrap_or(argv_line);
    let argv = bash_words(argv_text).ctx("# argv:")?;
    let program = argv
        .first()
        .cloned()
        .ok_or_else(|| Error::msg("empty # argv:"))?;
    let home = format!("/home/{USER}");
    let help = is_help_argv(&argv, false);
    let mut s = super::blank(path, set, name, Format::AimeV2);
    s.command_line = argv_text.trim_end().to_owned();
    s.invocation = Invocation::Argv(argv);
    s.programs = vec![program];
    s.user = User {
        name: USER.into(),
        uid: UID,
        gid: UID,
        groups: vec![DOCKER_GID, UID],
        loginuid: Some(UID),
    };
    s.cwd = home.clone();
    s.env = vec![
        ("HOME".into(), home),
        ("USER".into(), USER.into()),
        ("LOGNAME".into(), USER.into()),
        ("SHELL".into(), "/bin/bash".into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("PYTHONUNBUFFERED".into(), "1".into()),
        (
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ),
    ];
    s.expected.fake_docker_lines = true;
    s.help = help;
    Ok(s)
}

type Env = Vec<(String, String)>;

/// `state_two.json  apt: apt_none.txt  env-extra: DISPLAY=:1 NCCL_P2P_LEVEL=NVL`
fn parse_fixture_line(line: &str) -> Result<(String, String, Env)> {
    let (state, rest) = line
        .split_once("  apt: ")
        .ok_or_else(|| Error::msg(format!("bad fixture line {line:?}")))?;
    let (apt, extra) = rest
        .split_once("  env-extra: ")
        .ok_or_else(|| Error::msg(format!("bad fixture line {line:?}")))?;
    let mut env = Vec::new();
    if extra.trim() != "none" {
        for word in bash_words(extra)? {
            let (k, v) = word
                .split_once('=')
                .ok_or_else(|| Error::msg(format!("bad env-extra {word:?}")))?;
            env.push((k.to_owned(), v.to_owned()));
        }
    }
    Ok((state.trim().to_owned(), apt.trim().to_owned(), env))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support::shared_compat;

    fn load(name: &str) -> Option<Session> {
        let dir = shared_compat()?.join("aime-v2");
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).ok()?;
        Some(parse(&path, "aime-v2", &text, &dir.join("../fixtures-aime")).unwrap())
    }

    #[test]
    fn list_default() {
        let Some(s) = load("list_default.txt") else {
            return;
        };
        assert_eq!(s.id, "aime-v2/list_default");
        assert_eq!(
            s.invocation,
            Invocation::Argv(vec!["mlc".into(), "list".into()])
        );
        assert_eq!(s.programs, ["mlc"]);
        assert_eq!(s.expected.exit, ExpectedExit::Code(0));
        let out = s.expected.stdout.as_deref().unwrap();
        assert!(out.starts_with("\nCONTAINER  FRAMEWORK"));
        assert!(out.ends_with("2 days ago  \n\n"));
        assert_eq!(s.expected.stderr.as_deref(), Some(""));
        let State::Containers(c) = &s.state else {
            panic!("state")
        };
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].name, "pt231._.1000");
        assert_eq!(c[0].status, WantStatus::Running);
        assert_eq!(c[1].status, WantStatus::Exited(0));
        assert_eq!(c[0].labels["aime.mlc.NAME"], "pt231");
        assert!(!s.help);
        assert!(s.apt.is_some());
    }

    #[test]
    fn prompt_before_stderr_marker_and_stdin() {
        let Some(s) = load("create_interactive_eof.txt") else {
            return;
        };
        let out = s.expected.stdout.as_deref().unwrap();
        assert!(out.ends_with("\x1b[96mEnter the number of the desired framework: \x1b[0m"));
        let err = s.expected.stderr.as_deref().unwrap();
        assert!(err.ends_with("EOFError: EOF when reading a line\n"));
        assert_eq!(s.expected.stderr_rule, StreamRule::LastLines(3));
        let Some(s) = load("create_interactive_full.txt") else {
            return;
        };
        let stdin = String::from_utf8(s.stdin.unwrap()).unwrap();
        assert!(stdin.starts_with("3\nx\n1\n99\n"));
        // The typed answers, then Enter for any later prompt.
        assert!(stdin.ends_with(&format!("what\nn{}", "\n".repeat(16))));
        // A recorded end of input gets no extra Enter.
        let Some(eof) = load("create_interactive_eof.txt") else {
            return;
        };
        assert_eq!(eof.stdin.as_deref(), Some(&b""[..]));
    }

    #[test]
    fn env_extra_help_and_empty_arg() {
        if let Some(s) = load("open_running_env.txt") {
            assert!(s.env.contains(&("DISPLAY".into(), ":1".into())));
            assert!(s.env.contains(&("NCCL_P2P_LEVEL".into(), "NVL".into())));
        }
        if let Some(s) = load("help_create.txt") {
            assert!(s.help);
        }
        if let Some(s) = load("top_noargs.txt") {
            assert_eq!(
                s.invocation,
                Invocation::Argv(vec!["mlc".into(), String::new()])
            );
        }
        if let Some(s) = load("create_detect_apt_fails.txt") {
            assert_eq!(s.apt.unwrap().rc, 100);
        }
    }

    #[test]
    fn update_sys_in_a_clone() {
        if let Some(s) = load("update_sys_force.txt") {
            assert!(s.unsupported.is_none());
            assert_eq!(s.programs, ["mlc"]);
            assert_eq!(
                s.invocation,
                Invocation::Argv(vec!["mlc".into(), "update-sys".into(), "-f".into()])
            );
            assert_eq!(s.mlc_checkout.as_ref().map(|c| c.ahead), Some(1));
            let err = s.expected.stderr.as_deref().unwrap();
            assert!(err.starts_with("From /srv/git/aime-mlc.git\n"));
            assert!(!err.contains("gitconfig"));
            assert!(s
                .expected
                .stdout
                .as_deref()
                .unwrap()
                .contains("Fast-forward\n"));
        }
        if let Some(s) = load("update_sys_available_declined.txt") {
            assert!(String::from_utf8_lossy(s.stdin.as_deref().unwrap()).starts_with("y\nn\n"));
        }
        if let Some(s) = load("update_sys_up_to_date.txt") {
            assert_eq!(s.mlc_checkout.as_ref().map(|c| c.ahead), Some(0));
        }
    }

    #[test]
    fn pulls_that_succeeded() {
        if let Some(s) = load("create_script_ok_cuda.txt") {
            assert_eq!(s.pulls, ["aimehub/pytorch-2.5.0-cuda12.1"]);
        }
        if let Some(s) = load("create_script_pull_fails.txt") {
            assert!(s.pulls.is_empty());
        }
    }

    #[test]
    fn every_file_parses() {
        let Some(dir) = shared_compat() else {
            return;
        };
        let set = crate::formats::load_set(&dir.join("aime-v2")).unwrap();
        assert_eq!(set.sessions.len(), 98);
        assert!(set.sessions.iter().all(|s| s.format == Format::AimeV2));
    }
}
