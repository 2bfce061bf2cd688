//! Deviation snapshots: for every session of `docs/deviations.md`, our own output as the replay
//! saw it (after normalisation), committed as `compat-tests/deviations/<set>/<name>.out`. A
//! deviation is not compared with its recording (it differs on purpose) but with its snapshot:
//! when our output changes, the session fails until the snapshot is rewritten
//! (`compat-tests/run --update-deviations`).
//!
//! ```text
//! # comment lines (ignored when comparing)
//! exit: 1                        (or `exit: killed at the time limit`, or `not replayed: WHY`)
//! --- stdout                     (one section per compared stream, in the replay's order)
//! |a line of the stream
//! |the last line without its newline
//! \ no newline at end
//! --- stderr (empty)
//! ```
//!
//! Every line of a stream starts with `|`, so no text can pass for a header. ESC shows as `␛`,
//! CR as `␍`, other control characters (but newline and tab) as their Unicode control pictures;
//! a literal control picture or `␥` is written with `␥` before it (so the encoding is
//! one-to-one).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::compare::unified_diff;
use crate::error::{Context, Result};

/// The escape written before a literal control picture.
const ESCAPE: char = '\u{2425}';

/// One stream of our output as compared: its name and normalised text.
pub struct Stream<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// How a deviation session compared with its snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The same as committed.
    Same,
    /// Different: a unified diff, snapshot → this run.
    Changed(String),
    /// No snapshot to compare with (or it could not be read): why.
    Missing(String),
    /// Written by this run (`--update-deviations`): it was new or changed.
    Written,
}

impl State {
    /// Counts as a failure of the session (and of the ratchet).
    pub fn failed(&self) -> bool {
        matches!(self, State::Changed(_) | State::Missing(_))
    }
}

#[derive(Clone, Debug)]
pub struct Check {
    pub path: PathBuf,
    pub state: State,
}

/// `<dir>/<set>/<name>.out`
pub fn path(dir: &Path, set: &str, name: &str) -> PathBuf {
    dir.join(set).join(format!("{name}.out"))
}

fn encode_char(c: char, out: &mut String) {
    match c {
        '\n' | '\t' => out.push(c),
        '\u{7f}' => out.push('\u{2421}'),
        c if (c as u32) < 0x20 => {
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'));
        }
        c if ('\u{2400}'..='\u{2425}').contains(&c) => {
            out.push(ESCAPE);
            out.push(c);
        }
        c => out.push(c),
    }
}

/// A stream as the lines of a snapshot section.
fn encode_stream(text: &str, out: &mut String) {
    if text.is_empty() {
        return;
    }
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if last && line.is_empty() {
            // The text ended with a newline.
            break;
        }
        out.push('|');
        for c in line.chars() {
            encode_char(c, out);
        }
        out.push('\n');
        if last {
            out.push_str("\\ no newline at end\n");
        }
    }
}

/// The snapshot of a replayed session (without the comment header).
pub fn render(exit: Option<i32>, streams: &[Stream<'_>]) -> String {
    let mut s = String::new();
    match exit {
        Some(code) => {
            let _ = writeln!(s, "exit: {code}");
        }
        None => s.push_str("exit: killed at the time limit\n"),
    }
    for st in streams {
        if st.text.is_empty() {
            let _ = writeln!(s, "--- {} (empty)", st.name);
        } else {
            let _ = writeln!(s, "--- {}", st.name);
            encode_stream(st.text, &mut s);
        }
    }
    s
}

/// The snapshot of a session that was not run (not implemented, unreadable, not
/// reproducible, or its preparation failed).
pub fn render_not_replayed(why: &str) -> String {
    let mut s = String::from("not replayed: ");
    for c in why.replace('\n', " ").chars() {
        encode_char(c, &mut s);
    }
    s.push('\n');
    s
}

fn header(id: &str) -> String {
    format!(
        "# Deviation snapshot of {id} (docs/deviations.md): ds01's own\n\
         # output in this session, which differs from the recording on purpose. Every replay\n\
         # compares the session with this file; a change fails until `compat-tests/run\n\
         # --update-deviations` rewrites it. Normalised as the replay compares\n\
         # (compat-tests/README.md); stream lines start with `|`, ESC shows as ␛, CR as ␍.\n"
    )
}

/// The file's text without its comment lines.
fn body(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with('#'))
        .collect()
}

/// Compare `text` (a rendered snapshot) with the committed one; with `update`, write it when it
/// is new or changed.
pub fn check(dir: &Path, set: &str, name: &str, text: &str, update: bool) -> Check {
    let path = path(dir, set, name);
    let committed = std::fs::read_to_string(&path);
    let state = match &committed {
        Ok(old) if body(old) == text => State::Same,
        Ok(old) => State::Changed(unified_diff(&body(old), text)),
        Err(e) => State::Missing(format!("{}: {e}", path.display())),
    };
    let state = if update && state != State::Same {
        match write(&path, set, name, text) {
            Ok(()) => State::Written,
            Err(e) => State::Missing(format!("writing the snapshot: {e}")),
        }
    } else {
        state
    };
    Check { path, state }
}

fn write(path: &Path, set: &str, name: &str, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).ctx(parent.display())?;
    }
    let id = format!("{set}/{name}");
    std::fs::write(path, header(&id) + text).ctx(path.display())
}

/// Snapshot files of `set` whose session is not a listed deviation (or gone): (id, path).
pub fn orphans(
    dir: &Path,
    set: &str,
    is_deviation: impl Fn(&str) -> bool,
) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir.join(set)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "out"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_owned();
            let id = format!("{set}/{name}");
            (!is_deviation(&id)).then_some((id, p))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering() {
        let text = render(
            Some(1),
            &[
                Stream {
                    name: "stdout",
                    text: "\x1b[31ma\x1b[0m\r\n|b\n",
                },
                Stream {
                    name: "stderr",
                    text: "",
                },
                Stream {
                    name: "extra",
                    text: "x\n\nno end",
                },
            ],
        );
        assert_eq!(
            text,
            "exit: 1\n--- stdout\n|␛[31ma␛[0m␍\n||b\n--- stderr (empty)\n--- extra\n|x\n|\n|no end\n\\ no newline at end\n"
        );
        assert_eq!(render(None, &[]), "exit: killed at the time limit\n");
        // One-to-one: a literal control picture is escaped.
        let a = render(
            Some(0),
            &[Stream {
                name: "s",
                text: "\x1b",
            }],
        );
        let b = render(
            Some(0),
            &[Stream {
                name: "s",
                text: "␛",
            }],
        );
        assert_ne!(a, b);
        assert!(b.contains("|␥␛\n"));
        assert_eq!(
            render_not_replayed("not implemented: x\ny"),
            "not replayed: not implemented: x y\n"
        );
    }

    #[test]
    fn check_and_update() {
        let dir = std::env::temp_dir().join(format!("ds01-compat-snap-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let text = render(
            Some(0),
            &[Stream {
                name: "stdout",
                text: "a\n",
            }],
        );
        let c = check(&dir, "s", "n", &text, false);
        assert!(matches!(c.state, State::Missing(_)), "{c:?}");
        assert!(c.state.failed());
        let c = check(&dir, "s", "n", &text, true);
        assert_eq!(c.state, State::Written);
        let written = std::fs::read_to_string(&c.path).unwrap();
        assert!(written.starts_with("# Deviation snapshot of s/n (docs/deviations.md)"));
        assert_eq!(check(&dir, "s", "n", &text, false).state, State::Same);
        assert_eq!(check(&dir, "s", "n", &text, true).state, State::Same);
        let other = render(
            Some(0),
            &[Stream {
                name: "stdout",
                text: "b\n",
            }],
        );
        match check(&dir, "s", "n", &other, false).state {
            State::Changed(diff) => assert!(diff.contains("-|a\n+|b\n"), "{diff}"),
            s => panic!("{s:?}"),
        }
        std::fs::write(dir.join("s/old.out"), "exit: 0\n").unwrap();
        let orphans = orphans(&dir, "s", |id| id == "s/n");
        assert_eq!(orphans.len(), 1);
        assert_eq!(orphans[0].0, "s/old");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
