//! Readers for the three recording formats; `load_set` picks one per directory.

pub mod aime_real;
pub mod aime_v2;
pub mod ds01;
pub mod quote;

use std::path::{Path, PathBuf};

use crate::error::{Context, Error, Result};
use crate::session::{
    Expected, ExpectedExit, Format, Invocation, Mode, Session, State, StreamRule, User,
};

/// What a set needs on the host: users (name, uid) and directories (path, owner uid).
#[derive(Clone, Debug, Default)]
pub struct SetInfo {
    pub users: Vec<(String, u32)>,
    pub dirs: Vec<(String, u32)>,
}

pub struct LoadedSet {
    /// The directory's name, used in session ids.
    pub name: String,
    pub format: Format,
    pub info: SetInfo,
    pub sessions: Vec<Session>,
}

/// Recognise the format of a set directory and parse every session in it. A session file that
/// cannot be parsed becomes a session that fails with the parse error.
pub fn load_set(dir: &Path) -> Result<LoadedSet> {
    let dir = dir.canonicalize().ctx(dir.display())?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::msg(format!("odd directory name {}", dir.display())))?
        .to_owned();
    if dir.join("json").is_dir() {
        let sessions = aime_real::parse_dir(&dir, &name)?;
        return Ok(LoadedSet {
            name,
            format: Format::AimeV2Real,
            info: aime_real::set_info(),
            sessions,
        });
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ctx(dir.display())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != "README.txt" && n != "INDEX.txt")
        })
        .collect();
    files.sort();
    let fixtures = dir.join("../fixtures-aime");
    let mut format = None;
    let mut sessions = Vec::new();
    for path in &files {
        let sname = session_name(path)?;
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                sessions.push(broken(path, &name, &sname, Format::AimeV2, Error::from(e)));
                continue;
            }
        };
        let parsed = if text.starts_with("# argv: ") {
            format.get_or_insert(Format::AimeV2);
            aime_v2::parse(path, &name, &text, &fixtures)
        } else if text.starts_with("# session: ") {
            format.get_or_insert(Format::Ds01);
            ds01::parse(path, &name, &text)
        } else if text.starts_with("# AIME MLC golden session") {
            Err(Error::msg(
                "real-engine transcript without its json/ twin (only json/*.json is replayed)",
            ))
        } else {
            Err(Error::msg("unknown session format"))
        };
        let fmt = format.unwrap_or(Format::AimeV2);
        sessions.push(parsed.unwrap_or_else(|e| broken(path, &name, &sname, fmt, e)));
    }
    let format = format.unwrap_or(Format::AimeV2);
    let info = match format {
        Format::AimeV2 => aime_v2::set_info(),
        Format::AimeV2Real => aime_real::set_info(),
        Format::Ds01 => ds01::set_info(),
    };
    Ok(LoadedSet {
        name,
        format,
        info,
        sessions,
    })
}

/// File name without extension.
pub fn session_name(path: &Path) -> Result<String> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::msg(format!("odd file name {}", path.display())))
}

/// A session that could not be parsed: it fails with the error as its reason.
pub fn broken(path: &Path, set: &str, name: &str, format: Format, err: Error) -> Session {
    let mut s = blank(path, set, name, format);
    s.unsupported = Some(format!(
        "cannot read {} as {}: {err}",
        path.display(),
        format.label()
    ));
    s
}

/// A session with every field empty or at its usual value (pipe mode, no
/// containers, exit 0 expected); the format readers fill in the rest.
pub fn blank(path: &Path, set: &str, name: &str, format: Format) -> Session {
    Session {
        id: format!("{set}/{name}"),
        set: set.into(),
        name: name.into(),
        source: path.to_path_buf(),
        format,
        command_line: String::new(),
        invocation: Invocation::Argv(Vec::new()),
        programs: Vec::new(),
        user: User {
            name: String::new(),
            uid: 0,
            gid: 0,
            groups: Vec::new(),
            loginuid: None,
        },
        cwd: "/".into(),
        env: Vec::new(),
        mode: Mode::Pipe,
        pty_size: (24, 80),
        stdin: None,
        typed: Vec::new(),
        cursor_replies: Vec::new(),
        state: State::Containers(Vec::new()),
        engine_down: false,
        setup: Vec::new(),
        expected: Expected {
            stdout: None,
            stderr: None,
            pty: None,
            exit: ExpectedExit::Code(0),
            stdout_rule: StreamRule::Exact,
            stderr_rule: StreamRule::Exact,
            fake_docker_lines: false,
        },
        help: false,
        notes: Vec::new(),
        unsupported: None,
        apt: None,
        fake_nvidia_smi: false,
        recorded_secs: None,
        pulls: Vec::new(),
        pull_digest_omitted: false,
        mlc_checkout: None,
    }
}

const HELP_FLAGS: [&str; 2] = ["-h", "--help"];
const DS01_HELP_FLAGS: [&str; 3] = ["--info", "--concepts", "--guided"];

/// A help/reference invocation: `-h`/`--help` among the arguments (DS01 also `--info`,
/// `--concepts`, `--guided`).
pub fn is_help_argv(argv: &[String], ds01: bool) -> bool {
    argv.iter().skip(1).any(|a| {
        HELP_FLAGS.contains(&a.as_str()) || (ds01 && DS01_HELP_FLAGS.contains(&a.as_str()))
    })
}

pub fn is_help_command(line: &str, ds01: bool) -> bool {
    let words = quote::bash_words(line)
        .unwrap_or_else(|_| line.split_whitespace().map(str::to_owned).collect());
    let mut argv = vec![String::new()];
    argv.extend(words);
    is_help_argv(&argv, ds01)
}

#[cfg(test)]
pub mod test_support {
    use std::path::PathBuf;

    /// `shared/compat` beside the repository, when present (tests that need the recordings
    /// return early without it).
    pub fn shared_compat() -> Option<PathBuf> {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dir = here.join("../../shared/compat");
        dir.is_dir().then_some(dir)
    }
}
