//! Volatile parts of the recordings, matched loosely. Every rule is applied to BOTH the
//! expected and the actual text (elisions only to the expected side); README.md lists them.

use std::sync::OnceLock;

use regex::Regex;

/// Placeholders written by the rules. A text block that contains one of them is a table whose
/// column widths may differ: its runs of 2+ spaces are collapsed.
pub const PLACEHOLDERS: [&str; 12] = [
    "[SHA]",
    "[ID]",
    "[NETERR]",
    "[DATETIME]",
    "[DATE]",
    "[TIME]",
    "[AGE]",
    "[DUR]",
    "[SIZE]",
    "[N]",
    "[LINE]",
    "[PCT]",
];

struct Rule {
    re: Regex,
    with: &'static str,
}

struct Rules {
    ordered: Vec<Rule>,
    short_id: Regex,
    long_id: Regex,
    ansi: Regex,
}

const AGE_UNIT: &str =
    r"(?:\d+|an?|About an?|Less than a) (?:second|minute|hour|day|week|month|year)s?";

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |re: &str, with: &'static str| Rule {
            re: Regex::new(re).expect("constant regex"),
            with,
        };
        Rules {
            ordered: vec![
                // Digests before the bare hex ids (replaced after these rules).
                r(r"sha256:[0-9a-f]{12,64}", "sha256:[SHA]"),
                // No registry on the recording machine (nor on the test engine): the resolver
                // part of the pull error differs.
                r(
                    r#"(Error response from daemon: (?:Get|Head) "https?://[^"]*": )[^\r\n]*"#,
                    "${1}[NETERR]",
                ),
                r(
                    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
                    "[DATETIME]",
                ),
                r(
                    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}:\d{2}(?: +[A-Z]{2,5})? +\d{4}\b",
                    "[DATETIME]",
                ),
                r(r"\b\d{4}-\d{2}-\d{2}\b", "[DATE]"),
                r(r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b", "[TIME]"),
                // docker's human ages: `Up 2 hours`, `Up Less than a second`, `3 days ago`.
                r(&format!(r"\bUp {AGE_UNIT}\b"), "Up [AGE]"),
                r(&format!(r"\b{AGE_UNIT} ago\b"), "[AGE] ago"),
                r(r"\b\d+(?:\.\d+)?(?:ms|s)\b", "[DUR]"),
                r(
                    r"\b\d+(?:\.\d+)? ?(?:B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\b",
                    "[SIZE]",
                ),
                r(r#"(File "[^"]*", line )\d+"#, "${1}[LINE]"),
            ],
            short_id: Regex::new(r"\b[0-9a-f]{12}\b").expect("constant regex"),
            long_id: Regex::new(r"\b[0-9a-f]{64}\b").expect("constant regex"),
            ansi: Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
                .expect("constant regex"),
        }
    })
}

/// Remove ANSI escape sequences.
pub fn strip_ansi(s: &str) -> String {
    rules().ansi.replace_all(s, "").into_owned()
}

/// Replace volatile tokens, then loosen the spacing of the tables that contained them.
pub fn normalise(text: &str) -> String {
    let rules = rules();
    let mut s = text.to_owned();
    for rule in &rules.ordered {
        s = rule.re.replace_all(&s, rule.with).into_owned();
    }
    s = rules.long_id.replace_all(&s, "[ID]").into_owned();
    s = rules
        .short_id
        .replace_all(&s, |c: &regex::Captures<'_>| {
            let m = &c[0];
            if m.bytes().any(|b| b.is_ascii_digit()) {
                "[ID]".to_owned()
            } else {
                m.to_owned()
            }
        })
        .into_owned();
    s = stats_tables(&s);
    collapse_tables(&s)
}

/// Lines with their terminators (the last one may lack it).
fn lines_inclusive(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Blocks of consecutive non-blank lines, as index ranges.
fn blocks(lines: &[&str]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, l) in lines.iter().enumerate() {
        match (is_blank(l), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..lines.len());
    }
    out
}

/// `docker stats`-like tables (a header with `CPU %` and `MEM`): every number in the rows is
/// volatile. In each row below the header, every blank-separated word after the first that
/// holds a digit becomes `[N]`.
fn stats_tables(s: &str) -> String {
    let lines = lines_inclusive(s);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    for block in blocks(&lines) {
        let Some(header) = block.clone().find(|&i| {
            let plain = strip_ansi(lines[i]);
            plain.contains("CPU %") && plain.contains("MEM")
        }) else {
            continue;
        };
        for i in header + 1..block.end {
            out[i] = number_words(lines[i]);
        }
    }
    out.concat()
}

fn number_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut first = true;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, first: &mut bool| {
        if word.is_empty() {
            return;
        }
        if !*first && word.bytes().any(|b| b.is_ascii_digit()) {
            out.push_str("[N]");
        } else {
            out.push_str(word);
        }
        *first = false;
        word.clear();
    };
    for c in line.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out, &mut first);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out, &mut first);
    out
}

/// In every block that holds a placeholder, runs of two or more spaces after a line's first
/// non-blank character become exactly two spaces (leading indentation is kept).
fn collapse_tables(s: &str) -> String {
    let lines = lines_inclusive(s);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    for block in blocks(&lines) {
        if !block
            .clone()
            .any(|i| PLACEHOLDERS.iter().any(|p| lines[i].contains(p)))
        {
            continue;
        }
        for i in block {
            out[i] = collapse_spaces(lines[i]);
        }
    }
    out.concat()
}

fn collapse_spaces(line: &str) -> String {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let (lead, rest) = line.split_at(indent);
    let mut out = String::from(lead);
    let mut run = 0;
    for c in rest.chars() {
        if c == ' ' {
            run += 1;
            continue;
        }
        push_run(&mut out, run);
        run = 0;
        out.push(c);
    }
    push_run(&mut out, run);
    out
}

fn push_run(out: &mut String, run: usize) {
    match run {
        0 => {}
        1 => out.push(' '),
        _ => out.push_str("  "),
    }
}

/// Expected side only: lines printed by the aime-v2 stand-in docker (`[fake docker …]`,
/// `Untagged: …`, `Deleted: …`) become snapbox's `...` (any lines).
pub fn elide_fake_docker(expected: &str) -> String {
    let lines = lines_inclusive(expected);
    let mut out = Vec::new();
    for l in lines {
        let plain = strip_ansi(l);
        if plain.starts_with("[fake docker")
            || plain.starts_with("Untagged: ")
            || plain.starts_with("Deleted: ")
        {
            push_elision(&mut out);
        } else {
            out.push(l.to_owned());
        }
    }
    out.concat()
}

fn push_elision(out: &mut Vec<String>) {
    if out.last().map(String::as_str) != Some("...\n") {
        // An elision must be a whole line; terminate a preceding line without newline.
        if let Some(last) = out.last_mut() {
            if !last.ends_with('\n') {
                last.push('\n');
            }
        }
        out.push("...\n".to_owned());
    }
}

/// Expected side only: what the container's shell printed between mlc's `opening shell to
/// container...` and its next own message (`container shell closed…`, `detached from
/// container…`, or any line starting with the coloured `[name]`) becomes `...`: that was the
/// recording image's busybox shell, not mlc.
pub fn elide_container_shell(expected: &str) -> String {
    let lines = lines_inclusive(expected);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].to_owned());
        if strip_ansi(lines[i]).contains("opening shell to container...") {
            let mut j = i + 1;
            while j < lines.len() && !ends_shell(lines[j]) {
                j += 1;
            }
            if j > i + 1 {
                push_elision(&mut out);
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out.concat()
}

fn ends_shell(line: &str) -> bool {
    let plain = strip_ansi(line);
    plain.contains("container shell closed")
        || plain.contains("detached from container")
        || line.trim_start_matches('\r').starts_with("\x1b[38;5;214m[")
}

/// Make carriage returns visible, so that line matching (which treats `\r\n` as `\n`) keeps
/// them exact.
pub fn visible_cr(s: &str) -> String {
    s.replace('\r', "\u{240d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_ages_and_list_table() {
        let expected = "\nCONTAINER  FRAMEWORK           STATUS                 \n[pt231]    Pytorch-2.3.1-aime  Up 2 hours             \n[tf216]    Tensorflow-2.16.1   Exited (0) 2 days ago  \n\n";
        let actual = "\nCONTAINER  FRAMEWORK           STATUS                    \n[pt231]    Pytorch-2.3.1-aime  Up Less than a second     \n[tf216]    Tensorflow-2.16.1   Exited (0) 3 seconds ago  \n\n";
        assert_eq!(normalise(expected), normalise(actual));
        assert_eq!(
            normalise(expected),
            "\nCONTAINER  FRAMEWORK  STATUS  \n[pt231]  Pytorch-2.3.1-aime  Up [AGE]  \n[tf216]  Tensorflow-2.16.1  Exited (0) [AGE] ago  \n\n"
        );
        // A different exit code is not volatile.
        let other = actual.replace("Exited (0)", "Exited (1)");
        assert_ne!(normalise(expected), normalise(&other));
    }

    #[test]
    fn untouched_blocks_stay_exact() {
        let s = "Max GPUs:         2\nAllow full GPU:   Yes\n";
        assert_eq!(normalise(s), s);
    }

    #[test]
    fn ids_digests_sizes() {
        assert_eq!(
            normalise("Deleted: sha256:acff15109932f1f1715c6f9fa863a517e8dcc0ef4210a20fa3d939bf183d46ac\n"),
            "Deleted: sha256:[SHA]\n"
        );
        assert_eq!(
            normalise("container 2adf4ce13615 is using its referenced image 9103960e35d7\n"),
            "container [ID] is using its referenced image [ID]\n"
        );
        assert_eq!(
            normalise("decadeface00 deadbeefcafe\n"),
            "[ID] deadbeefcafe\n"
        );
        assert_eq!(
            normalise("[demo]  alice  0B (virtual 1.98MB)  \n"),
            "[demo]  alice  [SIZE] (virtual [SIZE])  \n"
        );
    }

    #[test]
    fn stats_rows() {
        let a = "\x1b[32mCurrent stats:\x1b[0m\nCONTAINER                     CPU %     MEM USAGE / LIMIT        MEM %     PROCESSES (PIDs)\n[pt]                          0.00%     548KiB / 23.59GiB        0.00%     3              \n\n";
        let b = "\x1b[32mCurrent stats:\x1b[0m\nCONTAINER                     CPU %     MEM USAGE / LIMIT        MEM %     PROCESSES (PIDs)\n[pt]                          12.10%    1.2MiB / 62.5GiB         1.50%     1              \n\n";
        assert_eq!(normalise(a), normalise(b));
        assert!(normalise(a).contains("[pt]  [N]  [SIZE] / [SIZE]  [N]  [N]  \n"));
        let c = b.replace("[pt]", "[tf]");
        assert_ne!(normalise(a), normalise(&c));
    }

    #[test]
    fn times_and_tracebacks() {
        assert_eq!(
            normalise("at 2026-11-28T12:59:47.117364448Z\n"),
            "at [DATETIME]\n"
        );
        assert_eq!(
            normalise("# Created: Sat Nov 28 12:49:25 UTC 2026\n"),
            "# Created: [DATETIME]\n"
        );
        assert_eq!(normalise("stopped (0.12s)\n"), "stopped ([DUR])\n");
        assert_eq!(
            normalise("  File \"/opt/aime-mlc/mlc.py\", line 2388, in <module>\n"),
            "  File \"/opt/aime-mlc/mlc.py\", line [LINE], in <module>\n"
        );
        assert_eq!(
            normalise("Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 192.0.2.53:53: no such host\n"),
            "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": [NETERR]\n"
        );
    }

    #[test]
    fn elisions() {
        let e = "a\n[fake docker pull] x\n\nUntagged: y\nb\n";
        assert_eq!(elide_fake_docker(e), "a\n...\n\n...\nb\n");
        let e = "x\r\n\x1b[38;5;214m[pt]\x1b[0m \x1b[37mopening shell to container...\x1b[0m\r\n\r\nBusyBox\r\n$ exit\r\n\r\n\x1b[38;5;214m[pt]\x1b[0m \x1b[37mcontainer shell closed successfully..\x1b[0m\r\n";
        let got = elide_container_shell(e);
        assert!(got.contains("opening shell to container...\x1b[0m\r\n...\n\x1b[38;5;214m[pt]"));
        assert_eq!(strip_ansi("\x1b[38;5;214m[pt]\x1b[0m"), "[pt]");
        assert_eq!(visible_cr("a\r\n"), "a\u{240d}\n");
    }

    #[test]
    fn prompt_without_newline_before_elision() {
        assert_eq!(
            elide_fake_docker("prompt: [fake docker x]\n"),
            "prompt: [fake docker x]\n"
        );
        assert_eq!(elide_fake_docker("p\n[fake docker x]"), "p\n...\n");
    }
}
