//! Volatile parts of the recordings, matched loosely. Every rule is applied to BOTH the
//! expected and the actual text (elisions only to the expected side); README.md lists them.

use std::sync::OnceLock;

use regex::Regex;

/// Placeholders written by the rules. In a text block that contains one of them, the column
/// that holds it may have another width: the spaces after that column are loosened.
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
    /// Sizes the engine measured, in the places it reports them (see [`sizes`]).
    measured_sizes: Vec<Rule>,
    /// Any size (in a table's SIZE column and in stats rows).
    size: Regex,
    /// A header line with a `SIZE` column.
    size_header: Regex,
    ids: Regex,
    /// A colour escape (see [`SGR_BOUNDARY`]).
    sgr: Regex,
    ansi: Regex,
}

/// A size as docker prints it (`0B`, `1.98MB`, `23.59GiB`, `7.68kB`).
const SIZE: &str = r"\d+(?:\.\d+)? ?(?:B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\b";

/// Put after every colour escape while the rules run, so that a token right after one
/// (`␛[2mf91c82cdd260`) starts at a word boundary, as it does for the eye.
const SGR_BOUNDARY: &str = "\u{1}";

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
                // Key material ssh-setup shows (made afresh on every run).
                r(
                    r"(-----BEGIN OPENSSH PRIVATE KEY-----\r?\n)(?s:.*?)(\r?\n-----END OPENSSH PRIVATE KEY-----)",
                    "${1}[PRIVATE KEY]${2}",
                ),
                r(r"\bssh-ed25519 [A-Za-z0-9+/]{60,}={0,2}", "ssh-ed25519 [PUBLIC KEY]"),
                // Digests before the bare hex ids (replaced after these rules).
                r(r"sha256:[0-9a-f]{12,64}", "sha256:[SHA]"),
                // git's commit ranges (`Updating c0e48f7..c85d8f9`, `   1706e51..1f1225c  main
                // -> origin/main`): the commits of the replay's clone are not the recording's.
                r(r"\b[0-9a-f]{7,40}(\.\.\.?)[0-9a-f]{7,40}\b", "[REV]${1}[REV]"),
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
                // DS01's container-list: `Time:   Less than a second` (docker's RunningFor).
                r(
                    &format!(r"(Time:\s+(?:\x1b\[[0-9;]*m{SGR_BOUNDARY})?){AGE_UNIT}\b"),
                    "${1}[AGE]",
                ),
                r(r"\b\d+(?:\.\d+)?(?:ms|s)\b", "[DUR]"),
                r(r#"(File "[^"]*", line )\d+"#, "${1}[LINE]"),
            ],
            measured_sizes: vec![
                // `docker ps -s`, mlc list: `0B (virtual 1.98MB)`.
                r(
                    &format!(r"\b{SIZE} \(virtual {SIZE}\)"),
                    "[SIZE] (virtual [SIZE])",
                ),
                // DS01's image and container summaries: `Size:    1.98MB`, `Freed:  1.98MB`.
                r(&format!(r"\b(Size|Freed):(\s+){SIZE}"), "${1}:${2}[SIZE]"),
                // docker build.
                r(
                    &format!(r"(Sending build context to Docker daemon\s+){SIZE}"),
                    "${1}[SIZE]",
                ),
                // DS01's retire: `Image: REF (1.98MB)`.
                r(&format!(r"(Image: \S+ \(){SIZE}\)"), "${1}[SIZE])"),
            ],
            size: Regex::new(&format!(r"\b{SIZE}")).expect("constant regex"),
            size_header: Regex::new(r"(?:^|\s)SIZE(?:\s|$)").expect("constant regex"),
            // A GPU/MIG UUID is configuration (the fake nvidia-smi's), not an id: matched
            // first so that its last group (12 hex digits) stays.
            ids: Regex::new(
                r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b",
            )
            .expect("constant regex"),
            sgr: Regex::new(r"\x1b\[[0-9;]*m").expect("constant regex"),
            ansi: Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
                .expect("constant regex"),
        }
    })
}

/// Remove ANSI escape sequences.
pub fn strip_ansi(s: &str) -> String {
    rules().ansi.replace_all(s, "").into_owned()
}

/// Replace volatile tokens and the container shell's output, then loosen the spacing of the
/// table columns that contained them.
pub fn normalise(text: &str) -> String {
    let rules = rules();
    let mut s = rules.sgr.replace_all(text, "${0}\u{1}").into_owned();
    for rule in &rules.ordered {
        s = rule.re.replace_all(&s, rule.with).into_owned();
    }
    s = sizes(&s);
    s = rules
        .ids
        .replace_all(&s, |c: &regex::Captures<'_>| {
            let m = &c[0];
            match m.len() {
                64 => "[ID]".to_owned(),
                12 if m.bytes().any(|b| b.is_ascii_digit()) => "[ID]".to_owned(),
                _ => m.to_owned(), // a UUID, or 12 letters
            }
        })
        .into_owned();
    s = s.replace(SGR_BOUNDARY, "");
    s = container_shell(&s);
    s = stats_tables(&s);
    collapse_tables(&s)
}

/// Sizes the engine measured become `[SIZE]`: a container's `0B (virtual 1.98MB)`, DS01's
/// `Size:` and `Freed:` lines, docker build's context size, `Image: REF (1.98MB)`, and every
/// size in the rows of a table with a `SIZE` column (`docker images`, `image-list`). Sizes
/// that come from the configuration or the hardware (`0/96 GB`, `~40GB VRAM`) stay as they
/// are. (Stats tables: [`stats_tables`].)
fn sizes(s: &str) -> String {
    let rules = rules();
    let mut s = s.to_owned();
    for rule in &rules.measured_sizes {
        s = rule.re.replace_all(&s, rule.with).into_owned();
    }
    let lines = lines_inclusive(&s);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    for block in blocks(&lines) {
        let Some(header) = block
            .clone()
            .find(|&i| rules.size_header.is_match(&strip_ansi(lines[i])))
        else {
            continue;
        };
        for i in header + 1..block.end {
            out[i] = rules.size.replace_all(lines[i], "[SIZE]").into_owned();
        }
    }
    out.concat()
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
/// volatile. In each row below the header, sizes become `[SIZE]`, then every blank-separated
/// word after the first that holds a digit becomes `[N]`.
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
            out[i] = number_words(&rules().size.replace_all(lines[i], "[SIZE]"));
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

/// A line as table cells: indentation, cells separated by runs of two or more spaces, the
/// trailing spaces and the line ending.
struct Row<'a> {
    indent: &'a str,
    cells: Vec<&'a str>,
    /// The separator after each cell but the last.
    seps: Vec<&'a str>,
    trail: &'a str,
    end: &'a str,
}

fn row(line: &str) -> Row<'_> {
    let content = line.trim_end_matches(['\r', '\n']);
    let end = &line[content.len()..];
    let body = content.trim_end_matches(' ');
    let trail = &content[body.len()..];
    let rest = body.trim_start_matches(' ');
    let indent = &body[..body.len() - rest.len()];
    let mut cells = Vec::new();
    let mut seps = Vec::new();
    let bytes = rest.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b' ' && bytes.get(i + 1) == Some(&b' ') {
            let run_end = i + rest[i..].len() - rest[i..].trim_start_matches(' ').len();
            cells.push(&rest[start..i]);
            seps.push(&rest[i..run_end]);
            start = run_end;
            i = run_end;
        } else {
            i += 1;
        }
    }
    if !rest.is_empty() {
        cells.push(&rest[start..]);
    }
    Row {
        indent,
        cells,
        seps,
        trail,
        end,
    }
}

/// In every block (consecutive non-blank lines) that holds a placeholder, cells are what runs
/// of two or more spaces separate; a column whose cell holds a placeholder in any line of the
/// block may have another width, so the spaces after that column become exactly two (one
/// trailing space stays one). The other columns' spacing is compared as it is.
fn collapse_tables(s: &str) -> String {
    let lines = lines_inclusive(s);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    for block in blocks(&lines) {
        let rows: Vec<Row<'_>> = block.clone().map(|i| row(lines[i])).collect();
        let volatile: std::collections::BTreeSet<usize> = rows
            .iter()
            .flat_map(|r| {
                r.cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| PLACEHOLDERS.iter().any(|p| c.contains(p)))
                    .map(|(k, _)| k)
            })
            .collect();
        if volatile.is_empty() {
            continue;
        }
        for (i, r) in block.zip(&rows) {
            let mut line = String::from(r.indent);
            for (k, cell) in r.cells.iter().enumerate() {
                line.push_str(cell);
                let sep = match r.seps.get(k) {
                    Some(sep) => sep,
                    None => r.trail,
                };
                if volatile.contains(&k) && sep.len() > 1 {
                    line.push_str("  ");
                } else {
                    line.push_str(sep);
                }
            }
            if r.cells.is_empty() {
                line.push_str(r.trail);
            }
            line.push_str(r.end);
            out[i] = line;
        }
    }
    out.concat()
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

/// What stands for the container's shell output (see [`container_shell`]).
pub const CONTAINER_SHELL: &str = "[CONTAINER SHELL]";

/// Both sides: what the container's shell printed (busybox in the recordings, the test
/// image's here) becomes one line `[CONTAINER SHELL]`.
///
/// mlc: it starts after mlc's `opening shell to container...` line and ends before mlc's next
/// line (one starting with the coloured `[name]`, or saying `container shell
/// closed`/`detached from container`); the blank line right before that line is mlc's own
/// (its messages start with a newline) and stays.  DS01 (`container-run`/`attach`): it starts
/// after `Type 'exit' to exit the container` and ends before DS01's next line (the keep-alive
/// cleanup's `OCI runtime exec failed`, or a cyan `━` rule).  So every line the command prints
/// around the shell is compared, and only the shell's are not.
pub fn container_shell(text: &str) -> String {
    let lines = lines_inclusive(text);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].to_owned());
        let plain = strip_ansi(lines[i]);
        // (where the shell's part ends, whether the blank line before is the command's)
        let shell = if plain.contains("opening shell to container...") {
            Some((ends_shell as fn(&str) -> bool, true))
        } else if plain.contains("Type 'exit' to exit the container") {
            Some((ends_ds01_shell as fn(&str) -> bool, false))
        } else {
            None
        };
        if let Some((ends, blank_is_own)) = shell.filter(|_| lines[i].ends_with('\n')) {
            let mut j = i + 1;
            while j < lines.len() && !ends(lines[j]) {
                j += 1;
            }
            // mlc's blank line before its next message.
            let own_blank = blank_is_own && j < lines.len() && j > i + 1 && is_blank(lines[j - 1]);
            out.push(format!("{CONTAINER_SHELL}\n"));
            if own_blank {
                out.push(lines[j - 1].to_owned());
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

fn ends_ds01_shell(line: &str) -> bool {
    line.starts_with("OCI runtime exec failed") || line.starts_with("\x1b[0;36m━")
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
        // Only the spaces after the STATUS column (which held an age) are loosened.
        assert_eq!(
            normalise(expected),
            "\nCONTAINER  FRAMEWORK           STATUS  \n[pt231]    Pytorch-2.3.1-aime  Up [AGE]  \n[tf216]    Tensorflow-2.16.1   Exited (0) [AGE] ago  \n\n"
        );
        // A different exit code is not volatile.
        let other = actual.replace("Exited (0)", "Exited (1)");
        assert_ne!(normalise(expected), normalise(&other));
        // The width of a column without placeholders is compared.
        let narrow = actual.replace("FRAMEWORK           ", "FRAMEWORK          ");
        assert_ne!(normalise(expected), normalise(&narrow));
    }

    #[test]
    fn columns_after_a_volatile_one() {
        let a = "NAME  CREATED     SIZE  \nx     2 days ago  0B    \nyy    1 hour ago  1MB   \n";
        let b = "NAME  CREATED           SIZE   \nx     3 seconds ago     0B     \nyy    About an hour ago 1MB    \n";
        assert_ne!(normalise(a), normalise(b), "a column squeezed to one space");
        let b = "NAME  CREATED            SIZE  \nx     3 seconds ago      0B    \nyy    About an hour ago  1MB   \n";
        assert_eq!(normalise(a), normalise(b));
        assert_eq!(
            normalise(a),
            "NAME  CREATED  SIZE  \nx     [AGE] ago  [SIZE]  \nyy    [AGE] ago  [SIZE]  \n"
        );
        // Line endings and indentation are kept.
        assert_eq!(
            normalise("  k:   Up 2 hours   \r\n"),
            "  k:   Up [AGE]  \r\n"
        );
    }

    #[test]
    fn git_commit_ranges() {
        assert_eq!(
            normalise("Updating c0e48f7..c85d8f9\nFast-forward\n"),
            "Updating [REV]..[REV]\nFast-forward\n"
        );
        assert_eq!(
            normalise("   1706e51..1f1225c  main       -> origin/main\n"),
            normalise("   0a1b2c3..4d5e6f7  main       -> origin/main\n")
        );
        assert_eq!(
            normalise(" + 0a1b2c3...4d5e6f7 x\n"),
            " + [REV]...[REV] x\n"
        );
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
        // A GPU's UUID is configuration, not an id.
        assert_eq!(
            normalise("DOCKER_ID=GPU-0a0a0a0a-1111-2222-3333-000000000000\n"),
            "DOCKER_ID=GPU-0a0a0a0a-1111-2222-3333-000000000000\n"
        );
    }

    #[test]
    fn measured_sizes_only() {
        for (raw, want) in [
            ("  Size:    1.98MB\n", "  Size:    [SIZE]\n"),
            ("  Freed:     1.98MB\n", "  Freed:     [SIZE]\n"),
            (
                "Sending build context to Docker daemon   7.68kB\n",
                "Sending build context to Docker daemon   [SIZE]\n",
            ),
            (
                "  Image: \x1b[1mds01-2001/demo:latest\x1b[0m (1.98MB)\r\n",
                "  Image: \x1b[1mds01-2001/demo:latest\x1b[0m ([SIZE])\r\n",
            ),
            (
                "REPOSITORY      TAG       SIZE      CREATED\nds01-2001/demo  latest    1.98MB    1 second ago\n",
                "REPOSITORY      TAG       SIZE  CREATED\nds01-2001/demo  latest    [SIZE]  [AGE] ago\n",
            ),
            // Configured or hardware sizes stay.
            ("  \x1b[0;32m────\x1b[0m  0/96 GB (0%)\n", "  \x1b[0;32m────\x1b[0m  0/96 GB (0%)\n"),
            ("  ━━━━  0 GB used, no limit\n", "  ━━━━  0 GB used, no limit\n"),
            ("Mode: Full GPUs — each GPU is ~40GB VRAM\n", "Mode: Full GPUs — each GPU is ~40GB VRAM\n"),
            ("files grow to 300GB+\n", "files grow to 300GB+\n"),
        ] {
            assert_eq!(normalise(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn stats_rows() {
        let a = "\x1b[32mCurrent stats:\x1b[0m\nCONTAINER                     CPU %     MEM USAGE / LIMIT        MEM %     PROCESSES (PIDs)\n[pt]                          0.00%     548KiB / 23.59GiB        0.00%     3              \n\n";
        let b = "\x1b[32mCurrent stats:\x1b[0m\nCONTAINER                     CPU %     MEM USAGE / LIMIT        MEM %     PROCESSES (PIDs)\n[pt]                          12.10%    1.2MiB / 62.5GiB         1.50%     1              \n\n";
        assert_eq!(normalise(a), normalise(b));
        assert!(normalise(a)
            .contains("\n[pt]                          [N]  [SIZE] / [SIZE]  [N]  [N]  \n"));
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
    fn ssh_key_material() {
        let shown = "a\r\n-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3Bl\r\nQyNT==\r\n-----END OPENSSH PRIVATE KEY-----\r\n\
                     ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIbTAg+Lhs/Pucy23BDW1v3tnQkCWxGCmZzBVFpmwh5M bob@h\n";
        assert_eq!(
            normalise(shown),
            "a\r\n-----BEGIN OPENSSH PRIVATE KEY-----\r\n[PRIVATE KEY]\r\n-----END OPENSSH PRIVATE KEY-----\r\n\
             ssh-ed25519 [PUBLIC KEY] bob@h\n"
        );
    }

    #[test]
    fn elisions() {
        let e = "a\n[fake docker pull] x\n\nUntagged: y\nb\n";
        assert_eq!(elide_fake_docker(e), "a\n...\n\n...\nb\n");
        assert_eq!(strip_ansi("\x1b[38;5;214m[pt]\x1b[0m"), "[pt]");
        assert_eq!(visible_cr("a\r\n"), "a\u{240d}\n");
    }

    #[test]
    fn container_shell_output_only() {
        let open =
            "x\r\n\r\n\x1b[38;5;214m[pt]\x1b[0m \x1b[37mopening shell to container...\x1b[0m\r\n";
        let closed = "\r\n\x1b[38;5;214m[pt]\x1b[0m \x1b[37mcontainer shell closed successfully..\x1b[0m\r\n";
        let recorded =
            format!("{open}\r\n\r\nBusyBox v1.35.0\r\n[pt] john@vm:/workspace$ exit\r\n{closed}");
        let ours = format!(
            "{open}\r\n\r\nBusyBox v1.36.1\r\n[pt] john@c0ffee:/workspace$ \x1b[6nexit\r\n{closed}"
        );
        let want = format!("{open}[CONTAINER SHELL]\n{closed}");
        assert_eq!(container_shell(&recorded), want);
        assert_eq!(container_shell(&ours), want);
        // A line of mlc's inside is not swallowed: it ends the shell's part.
        let extra = format!(
            "{open}\r\nBusyBox\r\n\r\n\x1b[38;5;214m[pt]\x1b[0m \x1b[37mstarting container...\x1b[0m\r\nexit\r\n{closed}"
        );
        assert_ne!(normalise(&extra), normalise(&recorded));
        // Without any shell output (no terminal), and from a stand-in docker's elided line.
        let pipe = "\x1b[38;5;214m[pt]\x1b[0m \x1b[37mopening shell to container...\x1b[0m\n\n\x1b[38;5;214m[pt]\x1b[0m \x1b[37mdetached from container, container keeps running.\x1b[0m\n";
        let stand_in = pipe.replacen("\n\n", "\n[fake docker exec] exec -it x bash\n\n", 1);
        assert_eq!(normalise(&elide_fake_docker(&stand_in)), normalise(pipe),);
        assert!(normalise(pipe).contains("...\x1b[0m\n[CONTAINER SHELL]\n\n\x1b[38;5;214m[pt]"));
    }

    #[test]
    fn tokens_right_after_a_colour() {
        for (text, want) in [
            (
                "ID: \x1b[2mf91c82cdd260\x1b[0m\n",
                "ID: \x1b[2m[ID]\x1b[0m\n",
            ),
            (
                "Time: \x1b[2mLess than a second\x1b[0m\n",
                "Time: \x1b[2m[AGE]\x1b[0m\n",
            ),
            (
                "At: \x1b[2m2026-11-28 12:49\x1b[0m\n",
                "At: \x1b[2m[DATETIME]\x1b[0m\n",
            ),
        ] {
            assert_eq!(normalise(text), want);
        }
    }

    #[test]
    fn ds01_container_shell() {
        let before = "\x1b[2mType 'exit' to exit the container\x1b[0m\r\n\r\n";
        let after = "OCI runtime exec failed: x\r\r\n\r\n\x1b[0;36m━━━\x1b[0m\r\n";
        let recorded = format!("{before}\r\n\r\nBusyBox v1.35.0\r\n/workspace $ exit\r\n{after}");
        let ours = format!("{before}[demo] alice@c0ffee:/workspace$ exit\r\n{after}");
        let want = format!(
            "\x1b[2mType 'exit' to exit the container\x1b[0m\r\n[CONTAINER SHELL]\n{after}"
        );
        assert_eq!(container_shell(&recorded), want);
        assert_eq!(container_shell(&ours), want);
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
