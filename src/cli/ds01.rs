//! DS01's command-line conventions, driven by a `style: ds01` spec.  The
//! originals are bash scripts that loop over their arguments:
//! `--opt=VALUE` and `--opt VALUE` (and `-o VALUE`), `-h`/`--help` (and on
//! some commands `--info`/`--concepts`) print a page and exit 0, words that
//! are not options are positionals, and an unknown `-x` prints
//! `✗ Unknown option: -x`, the usage, and exits 1 (or is skipped, where
//! the original skipped it).  The first help option reached wins, as the
//! loop exited there.

use super::argparse::Matches;
use super::spec::{Action, OptionSpec, ToolSpec, Unknown};
use crate::error::Failure;
use crate::ui::ds01::{self as term, expand};

/// What the command line asks for: a page to print (stdout, exit 0), or
/// the run, as `parse` reads it (`Matches`) or as a command's own reader
/// types it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<T = Matches> {
    Help(String),
    Run(T),
}

/// Parse `args` by `spec`; a refusal is the failure to report.
pub fn parse(spec: &ToolSpec, args: &[String]) -> Result<Parsed, Failure> {
    let mut m = Matches::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, attached) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (arg.as_str(), None),
        };
        let Some(option) = find(spec, name) else {
            if arg.starts_with('-') && arg.len() > 1 {
                match spec.unknown {
                    Unknown::Ignore => continue,
                    Unknown::Reject => return Err(unknown(spec, arg)),
                }
            }
            m.positionals.push(Some(arg.clone()));
            continue;
        };
        match option.action {
            Action::Help | Action::Version => return Ok(Parsed::Help(page(spec, option))),
            _ if option.takes_value() => {
                let value = attached
                    .map(str::to_string)
                    .or_else(|| rest.next().cloned());
                let value = value.ok_or_else(|| missing_value(spec, name))?;
                store(&mut m, option, &value);
            }
            _ => m.set(&option.dest, "true"),
        }
    }
    Ok(Parsed::Run(m))
}

/// The option of `spec` named `name` exactly (`--all`, `-a`).
pub fn find<'s>(spec: &'s ToolSpec, name: &str) -> Option<&'s OptionSpec> {
    spec.options
        .iter()
        .find(|o| o.names.iter().any(|n| n == name))
}

fn store(m: &mut Matches, option: &OptionSpec, value: &str) {
    if option.action == Action::Append {
        m.append(&option.dest, value);
    } else {
        m.set(&option.dest, value);
    }
}

/// `✗ TEXT`, a blank line and the help page, exit 1: how the originals
/// refuse a command line (`Too many arguments`).
pub fn refusal(spec: &ToolSpec, text: &str) -> Failure {
    Failure::stdout(
        1,
        format!("{}✗ {text}{}\n\n{}", term::RED, term::NC, help(spec)),
    )
}

fn unknown(spec: &ToolSpec, arg: &str) -> Failure {
    Failure::stdout(1, format!("{}{}", term::unknown_option(arg), help(spec)))
}

fn missing_value(spec: &ToolSpec, name: &str) -> Failure {
    Failure::stdout(
        1,
        format!(
            "{}✗ {name} needs a value{}\n{}",
            term::RED,
            term::NC,
            help(spec)
        ),
    )
}

/// The page `option` shows: its own page of the spec, or the help.
fn page(spec: &ToolSpec, option: &OptionSpec) -> String {
    option
        .page
        .as_ref()
        .map_or_else(|| help(spec), |key| spec_page(spec, key))
}

/// The spec's page `key` (`info`, `concepts`), or the help when it has none.
pub fn spec_page(spec: &ToolSpec, key: &str) -> String {
    spec.pages
        .get(key)
        .map_or_else(|| help(spec), |text| expand(text))
}

/// The help page: the title, the original's usage block, the options
/// (from the spec, in its order) and the description, in ds01's words.
pub fn help(spec: &ToolSpec) -> String {
    let mut page = format!("\n{{BOLD}}{}{{NC}}\n\n{}\n", spec.title, spec.help_usage);
    page.push_str("{CYAN}Options:{NC}\n");
    let shown: Vec<(String, &str)> = spec
        .options
        .iter()
        .filter(|o| !o.hidden)
        .map(|o| (invocation(o), o.help.as_str()))
        .collect();
    let width = shown
        .iter()
        .map(|(i, _)| i.chars().count())
        .max()
        .unwrap_or(0);
    for (invocation, text) in &shown {
        page.push_str(&format!("  {invocation:<width$}  {text}\n"));
    }
    page.push_str("\n{CYAN}Description:{NC}\n");
    for line in spec.description.lines() {
        page.push_str(&format!("  {line}\n"));
    }
    page.push('\n');
    expand(&page)
}

/// `-n, --name VALUE` as the option is written.
fn invocation(o: &OptionSpec) -> String {
    let names = o.names.join(", ");
    match (&o.metavar, o.takes_value()) {
        // `=NAME`: the option only takes its value attached.
        (Some(m), true) if m.starts_with('=') => format!("{names}{m}"),
        (Some(m), true) if !m.is_empty() => format!("{names} {m}"),
        _ => names,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small `style: ds01` spec (`-t/--time N`, `--all`, `-h/--help`),
    /// also for the tests of other DS01 argument loops.
    pub(crate) fn spec() -> ToolSpec {
        serde_yaml::from_str(
            r#"
name: demo
style: ds01
summary: s
usage: "demo [options]"
title: "Demo"
help_usage: "{CYAN}Usage:{NC}\n  demo [options]\n"
description: "Does things."
options:
  - names: ["-t", "--time"]
    dest: time
    value: seconds
    metavar: "N"
    help: "How long."
  - names: ["--all"]
    dest: all
    help: "Everything."
  - names: ["-h", "--help"]
    action: help
    help: "This page."
"#,
        )
        .expect("spec")
    }

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_both_ways_and_positionals() {
        let Ok(Parsed::Run(m)) = parse(&spec(), &args(&["x", "--time=5", "--all"])) else {
            panic!("parsed");
        };
        assert_eq!(m.value("time"), Some("5"));
        assert!(m.flag("all"));
        assert_eq!(m.positional(0), Some("x"));
        let Ok(Parsed::Run(m)) = parse(&spec(), &args(&["-t", "7"])) else {
            panic!("parsed");
        };
        assert_eq!(m.value("time"), Some("7"));
    }

    #[test]
    fn help_and_unknown() {
        let Ok(Parsed::Help(page)) = parse(&spec(), &args(&["--all", "-h", "--bogus"])) else {
            panic!("help");
        };
        assert!(page.contains("\x1b[0;36mUsage:\x1b[0m\n  demo [options]\n"));
        assert!(page.contains("  -t, --time N  How long.\n"));
        let refused = parse(&spec(), &args(&["--bogus"])).expect_err("refused");
        assert_eq!(refused.code, 1);
        assert!(refused
            .stdout
            .starts_with("\x1b[0;31m✗ Unknown option: --bogus\x1b[0m\n"));
        assert!(parse(&spec(), &args(&["--time"])).is_err());
    }
}
