//! What `image-update` reads from and writes into a Dockerfile, as plain
//! text: the pip and apt packages it installs, by image-create's comment
//! sections, and the edits that add or remove packages.  Pure functions
//! over lines; the command prints what they report.
//!
//! The edits follow the original's `sed`/`awk` steps, with these of its
//! defects fixed (no recorded session depends on them):
//! - packages with version specifiers are written single-quoted
//!   (`'pandas>=2.0'` was a shell redirection, reference §12 item 4), and
//!   quoted words are read back unquoted;
//! - `--add-system` puts a package into the `apt-get install` list (the
//!   original appended ` \` and a new line after the first line, which
//!   broke a multi-line install) and tells duplicates by name, not by a
//!   substring anywhere in the file;
//! - a removal reports "not found" for each package not found (the
//!   original compared with the state before the first removal), keeps
//!   single-line `RUN pip install a b` blocks, and leaves no continuation
//!   backslash dangling before a blank line.

use std::collections::BTreeSet;

/// Lines that end a `RUN pip install` block.
fn ends_pip_block(line: &str) -> bool {
    line.is_empty()
        || ["RUN", "#", "ENV", "WORKDIR", "CMD", "LABEL"]
            .iter()
            .any(|p| line.starts_with(p))
}

/// `s/[[:space:]]*\\[[:space:]]*$//`: a trailing continuation and the
/// blanks around it (the text unchanged when there is none).
fn strip_continuation(text: &str) -> &str {
    match text.trim_end().strip_suffix('\\') {
        Some(rest) => rest.trim_end(),
        None => text,
    }
}

/// A shell word as written in a Dockerfile, unquoted: `'a>=1'` → `a>=1`.
pub fn unquote(word: &str) -> String {
    let quoted = |q: char| word.len() >= 2 && word.starts_with(q) && word.ends_with(q);
    if quoted('\'') {
        word[1..word.len() - 1].replace(r"'\''", "'")
    } else if quoted('"') {
        word[1..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

/// `pkg` as one shell word: as it is when the shell reads it so, single
/// quoted otherwise (`'numpy>=1.24'`).
pub fn shell_word(pkg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.+=/:@,%".contains(c);
    if !pkg.is_empty() && pkg.chars().all(plain) {
        pkg.to_string()
    } else {
        format!("'{}'", pkg.replace('\'', r"'\''"))
    }
}

/// The package name without its version specifier (`sed
/// 's/[=><!~].*//'`); `with_tilde`: whether `~` starts one too (the
/// original's add path left it out).
pub fn base_name(pkg: &str, with_tilde: bool) -> &str {
    let stops: &[char] = if with_tilde {
        &['=', '>', '<', '!', '~']
    } else {
        &['=', '>', '<', '!']
    };
    pkg.find(stops).map_or(pkg, |i| &pkg[..i])
}

/// The words a `RUN pip install ...` line installs itself.
fn run_line_packages(line: &str) -> Vec<String> {
    let rest = line.strip_prefix("RUN pip install").unwrap_or(line);
    let rest = if rest.starts_with(char::is_whitespace) {
        let rest = rest.trim_start();
        match rest.strip_prefix("--no-cache-dir") {
            Some(after) if after.starts_with(char::is_whitespace) => after.trim_start(),
            _ => rest,
        }
    } else {
        line
    };
    words(strip_continuation(rest))
}

/// The packages of a continuation line of a pip block.
fn continuation_packages(line: &str) -> Vec<String> {
    words(strip_continuation(line.trim_start()))
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .map(unquote)
        .collect()
}

/// Every pip package the Dockerfile installs, sorted and unique (the
/// original's `parse_python_packages | sort -u`).
pub fn pip_packages(lines: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut in_pip = false;
    for line in lines {
        if line.starts_with("RUN pip install") {
            found.extend(run_line_packages(line));
            in_pip = true;
        } else if in_pip {
            if ends_pip_block(line) {
                in_pip = false;
            } else {
                found.extend(continuation_packages(line));
            }
        }
    }
    found
}

/// image-create's package sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Jupyter,
    DataScience,
    /// Older Dockerfiles had everything here.
    Core,
    UseCase,
    Custom,
}

/// The section a comment line opens, if any.
fn category_of(line: &str) -> Option<Category> {
    let after = |prefix: &str, word: &str| {
        line.strip_prefix(prefix)
            .is_some_and(|rest| rest.contains(word))
    };
    if line.starts_with("# Jupyter & Interactive") || after("# Jupyter", "Interactive") {
        Some(Category::Jupyter)
    } else if line.starts_with("# Core Data Science") {
        Some(Category::DataScience)
    } else if line.starts_with("# Core Python packages") {
        Some(Category::Core)
    } else if line.starts_with("# Use case specific packages") {
        Some(Category::UseCase)
    } else if line.starts_with("# Custom additional packages") || after("# Additional", "packages")
    {
        Some(Category::Custom)
    } else {
        None
    }
}

/// The pip packages of each section, in file order (the original's
/// `parse_python_packages_by_category`): a section starts at its comment
/// and ends with the first pip block that ends after it.
pub fn packages_by_category(lines: &[String]) -> Vec<(Category, String)> {
    let mut out = Vec::new();
    let mut category = None;
    let mut in_pip = false;
    for line in lines {
        if let Some(c) = category_of(line) {
            category = Some(c);
        } else if line.starts_with("RUN pip install") {
            in_pip = true;
            if let Some(c) = category {
                out.extend(run_line_packages(line).into_iter().map(|p| (c, p)));
            }
        } else if in_pip {
            if ends_pip_block(line) {
                in_pip = false;
                category = None;
            } else if let Some(c) = category {
                out.extend(continuation_packages(line).into_iter().map(|p| (c, p)));
            }
        }
    }
    out
}

/// The packages of one section, each after a blank (`" a b"`), as the
/// original joined them for display.
pub fn joined(packages: &[(Category, String)], category: Category) -> String {
    packages
        .iter()
        .filter(|(c, _)| *c == category)
        .map(|(_, p)| format!(" {p}"))
        .collect()
}

/// Where `apt-get install`'s package list starts in `line`: after the
/// last `apt-get install` followed by a blank, its blanks and the `-y`
/// and `--no-install-recommends` options (the original's `sub`).
fn apt_list_start(line: &str) -> Option<usize> {
    const KEY: &str = "apt-get install";
    let at = line
        .match_indices(KEY)
        .map(|(i, _)| i + KEY.len())
        .filter(|&end| line[end..].starts_with(char::is_whitespace))
        .last()?;
    let mut rest = line[at..].trim_start();
    for option in ["-y", "--no-install-recommends"] {
        if let Some(after) = rest.strip_prefix(option) {
            if after.starts_with(char::is_whitespace) {
                rest = after.trim_start();
            }
        }
    }
    Some(line.len() - rest.len())
}

/// Package words of an apt line fragment: not options, not the commands.
fn apt_words(text: &str) -> impl Iterator<Item = String> + '_ {
    let text = text.find("&&").map_or(text, |i| &text[..i]);
    text.split_whitespace()
        .filter(|w| !w.starts_with('-') && !matches!(*w, "apt-get" | "update" | "rm"))
        .map(unquote)
}

/// Every apt package the Dockerfile installs, sorted and unique (the
/// original's `parse_system_packages`).
pub fn system_packages(lines: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut in_apt = false;
    for line in lines {
        if line.contains("apt-get install") {
            in_apt = true;
            let start = apt_list_start(line).unwrap_or(0);
            found.extend(apt_words(strip_continuation(&line[start..])));
        } else if in_apt {
            if line.contains("&&") || ends_pip_block(line) {
                in_apt = false;
            } else {
                found.extend(apt_words(strip_continuation(line.trim_start())));
            }
        }
    }
    found
}

/// How a Dockerfile installs its pip packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// project-init's: `pip install -r /tmp/requirements.txt` from a
    /// `requirements.txt` beside the Dockerfile.
    Requirements,
    /// image-create's: a `# Custom additional packages` section.
    CustomSection,
    Unknown,
}

/// `grep 'pip install.*-r.*/tmp/requirements.txt\|COPY requirements.txt'`
/// (a `.` there matches any character), then the custom section.
pub fn format(lines: &[String]) -> Format {
    let dotted = |text: &str, stem: &str| {
        text.match_indices(stem).any(|(i, _)| {
            let mut rest = text[i + stem.len()..].chars();
            rest.next().is_some() && rest.as_str().starts_with("txt")
        })
    };
    let requirements = lines.iter().any(|l| {
        let pip_r = l.find("pip install").and_then(|i| {
            let after = &l[i + "pip install".len()..];
            after.find("-r").map(|j| &after[j + 2..])
        });
        pip_r.is_some_and(|rest| dotted(rest, "/tmp/requirements"))
            || dotted(l, "COPY requirements")
    });
    if requirements {
        Format::Requirements
    } else if lines
        .iter()
        .any(|l| l.starts_with("# Custom additional packages"))
    {
        Format::CustomSection
    } else {
        Format::Unknown
    }
}

/// Add the `# Custom additional packages` section: before the last `CMD`,
/// or at the end.
pub fn add_custom_section(lines: &mut Vec<String>) {
    let section = ["# Custom additional packages".to_string(), String::new()];
    match lines.iter().rposition(|l| l.starts_with("CMD ")) {
        Some(cmd) => {
            lines.splice(cmd..cmd, section);
        }
        None => {
            lines.push(String::new());
            lines.extend(section);
        }
    }
}

/// What happened to one package of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    /// Already there (the base name, as the original said it).
    Duplicate(String),
    Removed(String),
    NotFound(String),
}

/// Add pip packages to the `# Custom additional packages` section (which
/// must exist): into the `RUN pip install` block right after it, made
/// when missing, one package per line.
pub fn add_pip(lines: &mut Vec<String>, packages: &[String]) -> Vec<Change> {
    let Some(section) = lines
        .iter()
        .position(|l| l.starts_with("# Custom additional packages"))
    else {
        return Vec::new();
    };
    let run = section + 1;
    let mut has_run = lines
        .get(run)
        .is_some_and(|l| l.starts_with("RUN pip install"));
    let mut multiline = !has_run || lines.get(run).is_some_and(|l| l.trim_end().ends_with('\\'));
    let mut changes = Vec::new();
    for pkg in packages {
        let base = base_name(pkg, false);
        if pip_packages(lines)
            .iter()
            .any(|p| p.eq_ignore_ascii_case(base))
        {
            changes.push(Change::Duplicate(base.to_string()));
            continue;
        }
        if !has_run {
            lines.insert(run, "RUN pip install --no-cache-dir \\".to_string());
            has_run = true;
        }
        let word = format!("    {}", shell_word(pkg));
        if multiline {
            append_to_block(lines, run, word);
        } else {
            lines[run].push_str(" \\");
            lines.insert(run + 1, word);
            multiline = true;
        }
        changes.push(Change::Added(pkg.clone()));
    }
    changes
}

/// Put `line` last in the pip block that starts at `run`, giving the line
/// before it its continuation backslash.
fn append_to_block(lines: &mut Vec<String>, run: usize, line: String) {
    let end = (run + 1..lines.len())
        .find(|&i| {
            let l = &lines[i];
            l.is_empty() || l.starts_with("RUN") || l.starts_with('#')
        })
        .unwrap_or(lines.len());
    let last = end - 1;
    if !lines[last].ends_with('\\') {
        lines[last].push_str(" \\");
    }
    lines.insert(end, line);
}

/// The first `apt-get install` line has no place for packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAptInstall;

/// Add apt packages to the first `apt-get install`'s list.
pub fn add_system(lines: &mut [String], packages: &[String]) -> Result<Vec<Change>, NoAptInstall> {
    let apt = lines
        .iter()
        .position(|l| l.contains("apt-get install"))
        .ok_or(NoAptInstall)?;
    let mut changes = Vec::new();
    for pkg in packages {
        if system_packages(lines).contains(pkg) {
            changes.push(Change::Duplicate(pkg.clone()));
            continue;
        }
        let line = &mut lines[apt];
        let word = shell_word(pkg);
        match apt_list_start(line) {
            Some(at) if at < line.len() => line.insert_str(at, &format!("{word} ")),
            _ => *line = format!("{} {word}", line.trim_end()),
        }
        changes.push(Change::Added(pkg.clone()));
    }
    Ok(changes)
}

/// Remove pip packages (by exact base name) from every pip block's
/// continuation lines; then drop blocks left without packages.  Also
/// whether such an empty block was dropped.
pub fn remove_pip(lines: &mut Vec<String>, packages: &[String]) -> (Vec<Change>, bool) {
    let mut changes = Vec::new();
    for pkg in packages {
        let base = base_name(pkg, true).to_string();
        let before = lines.len();
        remove_continuations(lines, &base);
        changes.push(if lines.len() < before {
            Change::Removed(pkg.clone())
        } else {
            Change::NotFound(pkg.clone())
        });
    }
    let dropped = drop_empty_blocks(lines);
    (changes, dropped)
}

fn remove_continuations(lines: &mut Vec<String>, base: &str) {
    let mut in_pip = false;
    lines.retain(|line| {
        if line.starts_with("RUN pip install") {
            in_pip = true;
            return true;
        }
        if !in_pip || ends_pip_block(line) {
            in_pip = false;
            return true;
        }
        let word = unquote(strip_continuation(line.trim_start()));
        base_name(&word, true) != base
    });
}

/// The end (exclusive) of the pip block starting at `run`.
fn block_end(lines: &[String], run: usize) -> usize {
    (run + 1..lines.len())
        .find(|&i| ends_pip_block(&lines[i]) || lines[i].starts_with("FROM"))
        .unwrap_or(lines.len())
}

/// Remove pip blocks that install nothing, and the dangling backslash a
/// removal may leave on a block's last line; whether a block went.
fn drop_empty_blocks(lines: &mut Vec<String>) -> bool {
    let mut dropped = false;
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with("RUN pip install") {
            i += 1;
            continue;
        }
        let end = block_end(lines, i);
        let installs = !run_line_packages(&lines[i]).is_empty()
            || lines[i + 1..end]
                .iter()
                .any(|l| !continuation_packages(l).is_empty());
        if !installs {
            lines.drain(i..end);
            dropped = true;
            continue;
        }
        let last = &mut lines[end - 1];
        if last.trim_end().ends_with('\\') {
            *last = strip_continuation(last).to_string();
        }
        i = end;
    }
    dropped
}

// ---------------------------------------------------------------------
// requirements.txt
// ---------------------------------------------------------------------

/// A requirements line names `base` (case-insensitive; a version
/// specifier, a blank, one of `also` or the end follows).
fn names_package(line: &str, base: &str, also: &str) -> bool {
    let line = line.trim_start();
    line.len() >= base.len()
        && line.is_char_boundary(base.len())
        && line[..base.len()].eq_ignore_ascii_case(base)
        && line[base.len()..]
            .chars()
            .next()
            .is_none_or(|c| "=><!~".contains(c) || also.contains(c) || c.is_whitespace())
}

/// Append packages to a requirements.txt (text in, text out), under a
/// `# Custom packages (added via image-update)` header when the file has
/// no `# Custom` line yet; packages already listed are skipped.
pub fn requirements_add(text: &str, packages: &[String]) -> (String, Vec<Change>) {
    let mut out = text.to_string();
    let mut has_custom = text
        .lines()
        .any(|l| l.len() >= 8 && l[..8].eq_ignore_ascii_case("# custom"));
    let mut changes = Vec::new();
    for pkg in packages {
        let base = base_name(pkg, true);
        let listed = out
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('#').next().unwrap_or(""))
            .any(|l| names_package(l, base, ""));
        if listed {
            changes.push(Change::Duplicate(base.to_string()));
            continue;
        }
        if !has_custom {
            out.push_str("\n# Custom packages (added via image-update)\n");
            has_custom = true;
        }
        out.push_str(&format!("{pkg}\n"));
        changes.push(Change::Added(pkg.clone()));
    }
    (out, changes)
}

/// Remove packages (every line naming them) from a requirements.txt.
pub fn requirements_remove(text: &str, packages: &[String]) -> (String, Vec<Change>) {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut changes = Vec::new();
    for pkg in packages {
        let base = base_name(pkg, true);
        let before = lines.len();
        lines.retain(|l| !names_package(l, base, "#$"));
        changes.push(if lines.len() < before {
            Change::Removed(pkg.clone())
        } else {
            Change::NotFound(pkg.clone())
        });
    }
    let mut out = lines.join("\n");
    if !out.is_empty() || text.ends_with('\n') {
        out.push('\n');
    }
    (out, changes)
}

/// The packages of a requirements file (the original's
/// `read_requirements_packages`): no comments, blank lines or `-r`/`-e`
/// options; blanks around version operators dropped.
pub fn requirements_packages(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| !l.replace(' ', "").is_empty())
        .filter(|l| !l.trim_start().starts_with('-'))
        .map(|l| squeeze_operators(l.split('#').next().unwrap_or("").trim()))
        .filter(|p| !p.is_empty())
        .collect()
}

/// `s/[[:space:]]*\([><=!~]\+\)[[:space:]]*/\1/g`.
fn squeeze_operators(text: &str) -> String {
    let is_op = |c: char| "><=!~".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            let j = (i..chars.len())
                .find(|&k| !chars[k].is_whitespace())
                .unwrap_or(chars.len());
            if j < chars.len() && is_op(chars[j]) {
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
        } else if is_op(chars[i]) {
            while i < chars.len() && is_op(chars[i]) {
                out.push(chars[i]);
                i += 1;
            }
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Lines of a text, and the text again (always newline-terminated).
pub fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

pub fn text_of(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE_CREATE: &str = "FROM aimehub/pytorch-2.8.0-aime-cuda12.6.3

# System packages
RUN apt-get update && apt-get install -y --no-install-recommends \\
    git \\
    curl \\
    && rm -rf /var/lib/apt/lists/*

# Jupyter & Interactive
RUN pip install --no-cache-dir \\
    jupyter \\
    notebook

# Core Data Science
RUN pip install --no-cache-dir \\
    pandas \\
    scipy

# Use case specific packages
RUN pip install --no-cache-dir \\
    timm

# Custom additional packages

# Configure Jupyter Lab
RUN jupyter lab --generate-config

CMD [\"/bin/bash\"]
";

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn reads_image_create_sections() {
        let lines = lines_of(IMAGE_CREATE);
        assert_eq!(format(&lines), Format::CustomSection);
        let sys: Vec<String> = system_packages(&lines).into_iter().collect();
        assert_eq!(sys, v(&["curl", "git"]));
        let by = packages_by_category(&lines);
        assert_eq!(joined(&by, Category::Jupyter), " jupyter notebook");
        assert_eq!(joined(&by, Category::DataScience), " pandas scipy");
        assert_eq!(joined(&by, Category::UseCase), " timm");
        assert_eq!(joined(&by, Category::Custom), "");
        assert!(pip_packages(&lines).contains("scipy"));
    }

    #[test]
    fn adds_pip_packages_into_a_new_block() {
        let mut lines = lines_of(IMAGE_CREATE);
        let changes = add_pip(&mut lines, &v(&["wandb", "numpy>=1.24", "WANDB", "timm"]));
        assert_eq!(
            changes,
            vec![
                Change::Added("wandb".into()),
                Change::Added("numpy>=1.24".into()),
                Change::Duplicate("WANDB".into()),
                Change::Duplicate("timm".into()),
            ]
        );
        let text = text_of(&lines);
        assert!(text.contains(
            "# Custom additional packages\nRUN pip install --no-cache-dir \\\n    wandb \\\n    'numpy>=1.24'\n\n# Configure"
        ));
        let by = packages_by_category(&lines);
        assert_eq!(joined(&by, Category::Custom), " wandb numpy>=1.24");
        // Removing both leaves no empty block behind.
        let (changes, dropped) = remove_pip(&mut lines, &v(&["wandb", "nope", "numpy"]));
        assert_eq!(changes[1], Change::NotFound("nope".into()));
        assert_eq!(changes[2], Change::Removed("numpy".into()));
        assert!(dropped);
        assert_eq!(text_of(&lines), IMAGE_CREATE);
    }

    #[test]
    fn single_line_blocks_grow_and_survive_removals() {
        let mut lines = v(&[
            "# Custom additional packages",
            "RUN pip install a b",
            "",
            "CMD x",
        ]);
        add_pip(&mut lines, &v(&["c"]));
        assert_eq!(lines[1], "RUN pip install a b \\");
        assert_eq!(lines[2], "    c");
        let (_, dropped) = remove_pip(&mut lines, &v(&["c"]));
        assert!(!dropped);
        assert_eq!(lines[1], "RUN pip install a b");
        assert_eq!(lines[2], "");
    }

    #[test]
    fn system_packages_join_the_install_list() {
        let mut lines = lines_of(IMAGE_CREATE);
        let changes = add_system(&mut lines, &v(&["tmux", "git", "tmux"])).unwrap();
        assert_eq!(changes[1], Change::Duplicate("git".into()));
        assert_eq!(changes[2], Change::Duplicate("tmux".into()));
        assert_eq!(
            lines[3],
            "RUN apt-get update && apt-get install -y --no-install-recommends tmux \\"
        );
        let sys: Vec<String> = system_packages(&lines).into_iter().collect();
        assert_eq!(sys, v(&["curl", "git", "tmux"]));
        let mut single = v(&["RUN apt-get install -y vim && rm -rf x"]);
        add_system(&mut single, &v(&["htop"])).unwrap();
        assert_eq!(single[0], "RUN apt-get install -y htop vim && rm -rf x");
        assert_eq!(
            add_system(&mut v(&["FROM x"]), &v(&["a"])),
            Err(NoAptInstall)
        );
    }

    #[test]
    fn custom_section_goes_before_cmd() {
        let mut lines = v(&["FROM x", "CMD [\"a\"]"]);
        assert_eq!(format(&lines), Format::Unknown);
        add_custom_section(&mut lines);
        assert_eq!(
            lines,
            v(&["FROM x", "# Custom additional packages", "", "CMD [\"a\"]"])
        );
        let mut bare = v(&["FROM x"]);
        add_custom_section(&mut bare);
        assert_eq!(bare, v(&["FROM x", "", "# Custom additional packages", ""]));
    }

    #[test]
    fn project_init_format_and_requirements() {
        let lines = v(&[
            "COPY requirements.txt /tmp/",
            "RUN pip install --no-cache-dir -r /tmp/requirements.txt",
        ]);
        assert_eq!(format(&lines), Format::Requirements);
        let (text, changes) =
            requirements_add("numpy>=1.0\npandas  # data\n", &v(&["Pandas", "torch==2"]));
        assert_eq!(changes[0], Change::Duplicate("Pandas".into()));
        assert_eq!(
            text,
            "numpy>=1.0\npandas  # data\n\n# Custom packages (added via image-update)\ntorch==2\n"
        );
        let (text, changes) = requirements_remove(&text, &v(&["pandas", "scipy"]));
        assert_eq!(changes[1], Change::NotFound("scipy".into()));
        assert!(!text.contains("pandas"));
        assert_eq!(
            requirements_packages("# c\n\nnumpy >= 1.0  # x\n-r other.txt\n  torch\n"),
            v(&["numpy>=1.0", "torch"])
        );
    }

    #[test]
    fn quoting_round_trips() {
        assert_eq!(shell_word("numpy"), "numpy");
        assert_eq!(shell_word("pandas==2.0"), "pandas==2.0");
        assert_eq!(shell_word("numpy>=1.24"), "'numpy>=1.24'");
        assert_eq!(unquote("'numpy>=1.24'"), "numpy>=1.24");
        assert_eq!(unquote(&shell_word("it's")), "it's");
        assert_eq!(base_name("a~=1", false), "a~");
        assert_eq!(base_name("a~=1", true), "a");
    }
}
