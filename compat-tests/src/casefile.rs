//! trycmd case files for every prepared session: `<case>.toml` (bin.name, args, env, stdin,
//! status, cwd), `<case>.stdout`/`<case>.stderr` (the expected text after normalisation, with
//! snapbox's `[..]`/`...` wildcards), and, for inspection, `<case>.actual.*` (our output after
//! the same normalisation) and `<case>.notes`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::compare::StreamCase;
use crate::error::{Context, Result};
use crate::session::{ExpectedExit, Invocation, Session};

/// TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        toml_str(k)
    }
}

/// The case's TOML text.
pub fn case_toml(session: &Session, env: &[(String, String)]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# {} ({}, {} mode)",
        session.id,
        session.format.label(),
        session.mode.name()
    );
    let _ = writeln!(
        t,
        "# recorded command: {}",
        session.command_line.replace('\n', " ")
    );
    let _ = writeln!(t, "# recording: {}", session.source.display());
    let _ = writeln!(
        t,
        "# run as {} (uid {}, gid {}, groups {:?}, loginuid {:?})",
        session.user.name,
        session.user.uid,
        session.user.gid,
        session.user.groups,
        session.user.loginuid
    );
    if session.help {
        let _ = writeln!(
            t,
            "# help page: compared on exit code, stream, usage block and flag names only"
        );
    }
    let (bin, args): (String, Vec<String>) = match &session.invocation {
        Invocation::Argv(a) => (
            a.first().cloned().unwrap_or_default(),
            a.iter().skip(1).cloned().collect(),
        ),
        Invocation::Shell(line) => ("bash".into(), vec!["-c".into(), line.clone()]),
    };
    let _ = writeln!(t, "bin.name = {}", toml_str(&bin));
    let args: Vec<String> = args.iter().map(|a| toml_str(a)).collect();
    let _ = writeln!(t, "args = [{}]", args.join(", "));
    match session.expected.exit {
        ExpectedExit::Code(c) => {
            let _ = writeln!(t, "status.code = {c}");
        }
        ExpectedExit::Timeout => {
            let _ = writeln!(t, "# the recorder killed it at its time limit");
            let _ = writeln!(t, "status = \"interrupted\"");
        }
    }
    if let Some(stdin) = &session.stdin {
        let _ = writeln!(t, "stdin = {}", toml_str(&String::from_utf8_lossy(stdin)));
    }
    for typed in &session.typed {
        let _ = writeln!(
            t,
            "# typed after {:?}: {}",
            typed.trigger,
            toml_str(&String::from_utf8_lossy(&typed.keys))
        );
    }
    let _ = writeln!(t, "fs.cwd = {}", toml_str(&session.cwd));
    let _ = writeln!(t, "\n[env]\ninherit = false");
    let _ = writeln!(t, "[env.add]");
    for (k, v) in env {
        let _ = writeln!(t, "{} = {}", toml_key(k), toml_str(v));
    }
    t
}

/// Write the case files under `dir/<set>/`; returns the TOML path.
pub fn write_case(
    dir: &Path,
    session: &Session,
    env: &[(String, String)],
    streams: &[StreamCase],
    notes: &[String],
) -> Result<PathBuf> {
    let set_dir = dir.join(&session.set);
    std::fs::create_dir_all(&set_dir).ctx(set_dir.display())?;
    let base = set_dir.join(&session.name);
    let toml = base.with_extension("toml");
    std::fs::write(&toml, case_toml(session, env)).ctx(toml.display())?;
    for s in streams {
        let exp = set_dir.join(format!("{}.{}", session.name, s.name));
        std::fs::write(&exp, &s.expected).ctx(exp.display())?;
        let act = set_dir.join(format!("{}.actual.{}", session.name, s.name));
        std::fs::write(&act, &s.actual).ctx(act.display())?;
    }
    if !notes.is_empty() {
        let n = set_dir.join(format!("{}.notes", session.name));
        std::fs::write(&n, notes.join("\n") + "\n").ctx(n.display())?;
    }
    Ok(toml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings() {
        assert_eq!(toml_str("a\"b\\c\n\x1b"), "\"a\\\"b\\\\c\\n\\u001B\"");
        assert_eq!(toml_key("PATH"), "PATH");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
    }
}
