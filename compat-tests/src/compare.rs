//! Judging a replay against its recording: exit code and streams (normalised, matched with
//! snapbox's `[..]`/`...` wildcards), or, for help pages, only their stable parts.

use snapbox::data::Data;

use crate::normalise::{self, strip_ansi};
use crate::session::{ExpectedExit, Mode, Session, StreamRule};

/// What our binary did.
#[derive(Clone, Debug, Default)]
pub struct Actual {
    pub stdout: String,
    pub stderr: String,
    /// Merged pty output (pty mode) or the pty's output (pty-stderr: stdin/stdout).
    pub pty: String,
    /// Exit code (128+N for a signal); None when the harness killed it at the time limit.
    pub exit: Option<i32>,
}

/// One stream as prepared for matching: expected pattern and normalised actual text.
#[derive(Clone, Debug)]
pub struct StreamCase {
    pub name: &'static str,
    pub expected: String,
    pub actual: String,
    /// Our normalised text before carriage returns were made visible (what a deviation
    /// snapshot holds).
    pub ours: String,
}

#[derive(Clone, Debug)]
pub struct Verdict {
    pub passed: bool,
    /// Why it failed (one line each) and diffs, ready to print.
    pub problems: Vec<Problem>,
}

#[derive(Clone, Debug)]
pub struct Problem {
    pub what: String,
    /// A unified diff (expected → actual), possibly empty.
    pub diff: String,
}

/// The prepared streams of a session (what the trycmd case files hold).
pub fn prepare_streams(session: &Session, actual: &Actual) -> Vec<StreamCase> {
    let e = &session.expected;
    let mut out = Vec::new();
    let mut push =
        |name: &'static str, expected: &Option<String>, actual: &str, rule: StreamRule| {
            let Some(expected) = expected else {
                return;
            };
            let ours = normalise_actual(&apply_rule(actual, rule));
            out.push(StreamCase {
                name,
                expected: prepare_expected(session, expected),
                actual: normalise::visible_cr(&ours),
                ours,
            });
        };
    match session.mode {
        Mode::Pipe => {
            push("stdout", &e.stdout, &actual.stdout, e.stdout_rule);
            let stderr = if e.fake_docker_lines {
                without_docker_errors(&actual.stderr)
            } else {
                actual.stderr.clone()
            };
            push("stderr", &e.stderr, &stderr, e.stderr_rule);
        }
        Mode::Pty => {
            let expected = e.pty.clone().or_else(|| e.stdout.clone());
            push("stdout", &expected, &actual.pty, e.stdout_rule);
        }
        Mode::PtyStderr => {
            let expected = e.stdout.clone().or_else(|| e.pty.clone());
            push("stdout", &expected, &actual.pty, e.stdout_rule);
            // stderr was a pipe.
            let ours = normalise_actual(&apply_rule(&actual.stderr, e.stderr_rule));
            out.push(StreamCase {
                name: "stderr",
                expected: e
                    .stderr
                    .as_deref()
                    .map(|s| prepare_expected(session, s))
                    .unwrap_or_default(),
                actual: normalise::visible_cr(&ours),
                ours,
            });
        }
    }
    out
}

/// aime-v2's stand-in docker wrote nothing to stderr, where a real one reports its errors
/// (`Error response from daemon: …`): such lines of ours are not compared there.
fn without_docker_errors(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("Error response from daemon: "))
        .collect()
}

/// The `Digest: sha256:…` lines of a `docker pull` (the aime-v2-real recorder's simulated
/// pull printed none).
pub fn without_pull_digests(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("Digest: sha256:"))
        .collect()
}

/// What the recording would show had our binary written `text`.
pub fn apply_rule(text: &str, rule: StreamRule) -> String {
    match rule {
        StreamRule::Exact => text.to_owned(),
        StreamRule::LastLines(n) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            lines[lines.len().saturating_sub(n)..].concat()
        }
        StreamRule::NewlineTerminated => {
            if text.ends_with('\n') {
                text.to_owned()
            } else {
                format!("{text}\n")
            }
        }
        StreamRule::NewlineAppended => format!("{text}\n"),
    }
}

/// The recorded text as matched: normalised, the stand-in docker's lines elided (aime-v2),
/// the container's shell output replaced, carriage returns made visible (in every mode: a
/// `\r\n` where the original wrote `\n` is a difference on a pipe too).
fn prepare_expected(session: &Session, text: &str) -> String {
    let s = if session.expected.fake_docker_lines {
        normalise::elide_fake_docker(text)
    } else {
        text.to_owned()
    };
    normalise::visible_cr(&normalise::normalise(&s))
}

/// Our text, normalised by the same rules (without the elisions of the stand-in docker):
/// what a deviation snapshot holds. Matched with carriage returns made visible.
fn normalise_actual(text: &str) -> String {
    normalise::normalise(&without_engine_host_warnings(text))
}

/// The test engine's own complaint about this machine, which a build step
/// prints and the recording host's engine did not: its IP forwarding is off
/// because the test engine leaves the host's networking alone.
fn without_engine_host_warnings(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.contains("---> [Warning] IPv4 forwarding is disabled."))
        .collect()
}

/// Compare one prepared stream with snapbox; Err carries a unified diff of the normalised texts.
pub fn match_stream(case: &StreamCase) -> Result<(), String> {
    let expected = case.expected.clone();
    let actual = case.actual.clone();
    let outcome = std::panic::catch_unwind(move || {
        let assert = snapbox::Assert::new()
            .action(snapbox::assert::Action::Verify)
            .normalize_paths(false);
        let ok = assert
            .try_eq(
                Some(&"actual"),
                Data::text(actual.clone()),
                Data::text(expected.clone()),
            )
            .is_ok();
        let (norm_actual, _) = assert.normalize(Data::text(actual), Data::text(expected));
        (ok, norm_actual.render().unwrap_or_default())
    });
    match outcome {
        Ok((true, _)) => Ok(()),
        Ok((false, normalised_actual)) => Err(unified_diff(&case.expected, &normalised_actual)),
        Err(_) => Err("snapbox panicked while matching".into()),
    }
}

/// Unified diff, with escapes made printable.
pub fn unified_diff(expected: &str, actual: &str) -> String {
    let e = printable(expected);
    let a = printable(actual);
    similar::TextDiff::from_lines(&e, &a)
        .unified_diff()
        .context_radius(2)
        .header("expected", "actual")
        .to_string()
}

/// ESC as `␛`, other control characters (but newline and tab) as `^X`.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\x1b' => out.push('\u{241b}'),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            c => out.push(c),
        }
    }
    out
}

/// Judge a replay.
pub fn judge(session: &Session, actual: &Actual) -> Verdict {
    let mut problems = Vec::new();
    match (session.expected.exit, actual.exit) {
        (ExpectedExit::Code(e), Some(a)) if e == a => {}
        (ExpectedExit::Timeout, None) => {}
        (ExpectedExit::Code(e), Some(a)) => problems.push(Problem {
            what: format!("exit code {a}, expected {e}"),
            diff: String::new(),
        }),
        (ExpectedExit::Code(e), None) => problems.push(Problem {
            what: format!("killed at the time limit, expected exit code {e}"),
            diff: String::new(),
        }),
        (ExpectedExit::Timeout, Some(a)) => problems.push(Problem {
            what: format!("exit code {a}, expected to be still running at the time limit"),
            diff: String::new(),
        }),
    }
    let help_done = session.help && judge_help(session, actual, &mut problems);
    if !help_done {
        for case in prepare_streams(session, actual) {
            if let Err(diff) = match_stream(&case) {
                problems.push(Problem {
                    what: format!("{} differs", case.name),
                    diff,
                });
            }
        }
    }
    Verdict {
        passed: problems.is_empty(),
        problems,
    }
}

/// Named stream texts.
type Streams = Vec<(&'static str, String)>;

/// Help pages: stream, synopsis block and flag names. Returns false when the expected text
/// has no usage block (then the page is compared exactly).
fn judge_help(session: &Session, actual: &Actual, problems: &mut Vec<Problem>) -> bool {
    let e = &session.expected;
    let (exp_streams, act_streams): (Streams, Streams) = match session.mode {
        Mode::Pipe => (
            vec![
                ("stdout", unrule(e.stdout.as_deref(), e.stdout_rule)),
                ("stderr", unrule(e.stderr.as_deref(), e.stderr_rule)),
            ],
            vec![
                ("stdout", actual.stdout.clone()),
                ("stderr", actual.stderr.clone()),
            ],
        ),
        Mode::Pty => (
            vec![(
                "terminal",
                unrule(e.pty.as_deref().or(e.stdout.as_deref()), e.stdout_rule),
            )],
            vec![("terminal", actual.pty.clone())],
        ),
        Mode::PtyStderr => (
            vec![
                (
                    "terminal",
                    unrule(e.stdout.as_deref().or(e.pty.as_deref()), e.stdout_rule),
                ),
                ("stderr", unrule(e.stderr.as_deref(), e.stderr_rule)),
            ],
            vec![
                ("terminal", actual.pty.clone()),
                ("stderr", actual.stderr.clone()),
            ],
        ),
    };
    let Some((exp_stream, exp_block)) = exp_streams
        .iter()
        .find_map(|(n, t)| usage_block(t).map(|b| (*n, b)))
    else {
        return false;
    };
    for ((name, exp), (_, act)) in exp_streams.iter().zip(&act_streams) {
        let (e_has, a_has) = (!exp.is_empty(), !act.is_empty());
        if e_has != a_has {
            problems.push(Problem {
                what: format!(
                    "help text: {name} is {}, expected {}",
                    if a_has { "non-empty" } else { "empty" },
                    if e_has { "non-empty" } else { "empty" }
                ),
                diff: String::new(),
            });
        }
    }
    let act_text = act_streams
        .iter()
        .find(|(n, _)| *n == exp_stream)
        .map(|(_, t)| t.as_str())
        .unwrap_or("");
    let act_block = usage_block(act_text);
    match &act_block {
        Some(b) if b == &exp_block => {}
        Some(b) => problems.push(Problem {
            what: "help synopsis (usage block) differs".into(),
            diff: unified_diff(&exp_block, b),
        }),
        None => problems.push(Problem {
            what: format!("help text on {exp_stream} has no usage block"),
            diff: unified_diff(&exp_block, ""),
        }),
    }
    let exp_text = exp_streams
        .iter()
        .find(|(n, _)| *n == exp_stream)
        .map(|(_, t)| t.as_str())
        .unwrap_or("");
    let (ef, af) = (flag_names(exp_text), flag_names(act_text));
    if ef != af {
        problems.push(Problem {
            what: "help flag names differ".into(),
            diff: unified_diff(&(ef.join("\n") + "\n"), &(af.join("\n") + "\n")),
        });
    }
    true
}

/// The program's own text behind a recorded body (undo the recorder's newline).
fn unrule(text: Option<&str>, rule: StreamRule) -> String {
    let t = text.unwrap_or("");
    match rule {
        StreamRule::NewlineTerminated | StreamRule::NewlineAppended => {
            t.strip_suffix('\n').unwrap_or(t).to_owned()
        }
        _ => t.to_owned(),
    }
}

/// From the line starting `usage:` (any case, ANSI stripped) up to the first blank line.
pub fn usage_block(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| {
        strip_ansi(l)
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("usage:")
    })?;
    let end = lines[start..]
        .iter()
        .position(|l| strip_ansi(l).trim().is_empty())
        .map_or(lines.len(), |i| start + i);
    Some(lines[start..end].concat())
}

/// Option names of the indented option lines (`  -d , --data_dir   Location…` → `-d`,
/// `--data_dir`), in order, outside the usage block.
pub fn flag_names(text: &str) -> Vec<String> {
    let block = usage_block(text).unwrap_or_default();
    let rest = text.replacen(&block, "", 1);
    let mut out = Vec::new();
    for line in rest.lines() {
        let plain = strip_ansi(line).replace('\r', "");
        if !plain.starts_with([' ', '\t']) {
            continue;
        }
        let t = plain.trim_start();
        if !t.starts_with('-') {
            continue;
        }
        let spec = t.split("  ").next().unwrap_or(t);
        for piece in spec.split(',') {
            let word = piece.split_whitespace().next().unwrap_or("");
            let word = word.split('=').next().unwrap_or(word);
            let ok = word
                .trim_start_matches('-')
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
            if word.starts_with('-') && ok {
                out.push(word.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_and_flags_of_argparse_help() {
        let help = "usage: \n\x1b[38;5;214mmlc create <container_name>\n    -w <workspace_directory> {RESET}\n\nCreate.\n\noptions:\n  -h, --help            show this help message and exit\n  -arch , --architecture \n                        Set the gpu architecture.\n  -d , --data_dir       Location of the data directory.\n";
        assert_eq!(
            usage_block(help).unwrap(),
            "usage: \n\x1b[38;5;214mmlc create <container_name>\n    -w <workspace_directory> {RESET}\n"
        );
        assert_eq!(
            flag_names(help),
            [
                "-h",
                "--help",
                "-arch",
                "--architecture",
                "-d",
                "--data_dir"
            ]
        );
    }

    #[test]
    fn usage_and_flags_of_ds01_help() {
        let help = "\n\x1b[1mDS01\x1b[0m\n\n\x1b[0;36mUsage:\x1b[0m\n  container-create [name]\n\n\x1b[0;36mOptions:\x1b[0m\n  --num-gpus=N      Request N GPU slots\n  -w, --workspace   Workspace\n  - a bullet\n";
        assert_eq!(
            usage_block(help).unwrap(),
            "\x1b[0;36mUsage:\x1b[0m\n  container-create [name]\n"
        );
        assert_eq!(flag_names(help), ["--num-gpus", "-w", "--workspace"]);
    }

    #[test]
    fn rules() {
        assert_eq!(
            apply_rule("a\nb\nc\nd\n", StreamRule::LastLines(3)),
            "b\nc\nd\n"
        );
        assert_eq!(apply_rule("", StreamRule::LastLines(3)), "");
        assert_eq!(apply_rule("x", StreamRule::NewlineTerminated), "x\n");
        assert_eq!(apply_rule("", StreamRule::NewlineTerminated), "\n");
        assert_eq!(apply_rule("x\n", StreamRule::NewlineAppended), "x\n\n");
        assert_eq!(
            without_docker_errors("a\nError response from daemon: x\nb\n"),
            "a\nb\n"
        );
    }

    #[test]
    fn carriage_returns_count_on_a_pipe_too() {
        let mut s = crate::formats::blank(
            std::path::Path::new("x.txt"),
            "set",
            "x",
            crate::session::Format::Ds01,
        );
        s.expected.stdout = Some("a\nb\n".into());
        s.expected.stderr = Some(String::new());
        let mut actual = Actual {
            stdout: "a\nb\n".into(),
            exit: Some(0),
            ..Actual::default()
        };
        assert!(judge(&s, &actual).passed);
        actual.stdout = "a\r\nb\n".into();
        let v = judge(&s, &actual);
        assert!(!v.passed);
        assert!(
            v.problems[0].diff.contains("+a\u{240d}"),
            "{:?}",
            v.problems
        );
    }

    #[test]
    fn snapbox_matching() {
        let case = StreamCase {
            name: "stdout",
            expected: "a\n...\nz\n".into(),
            actual: "a\nb\nc\nz\n".into(),
            ours: String::new(),
        };
        assert!(match_stream(&case).is_ok());
        let case = StreamCase {
            name: "stdout",
            expected: "a\nb\n".into(),
            actual: "a\nc\n".into(),
            ours: String::new(),
        };
        let diff = match_stream(&case).unwrap_err();
        assert!(diff.contains("-b\n+c\n"), "{diff}");
        assert_eq!(printable("\x1b[0m\r"), "\u{241b}[0m^M");
    }
}
