//! The command spec: data files under `spec/`, embedded at build time.
//!
//! Everything about a command line (names, positionals, flags, help text,
//! exit codes) lives in the spec; the parser, `--help`, completions and man
//! pages are generated from it.

use serde::Deserialize;
use std::collections::BTreeMap;

/// How a program family renders parse errors and help.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// AIME MLC (Python argparse with an overridden `error()`).
    Aime,
    /// A plain Python argparse program: argparse's own error messages
    /// (`usage: ...` and `PROG: error: ...` on stderr, exit 2).
    Argparse,
}

/// argparse help formatters: `raw` keeps line breaks, `wrap` refills text.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Formatter {
    Raw,
    #[default]
    Wrap,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A boolean switch (`store_true`), or an option taking one value when
    /// `value` is set.
    #[default]
    Store,
    /// An option that may be given several times; every value is kept.
    Append,
    Help,
    Version,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    pub names: Vec<String>,
    #[serde(default)]
    pub dest: String,
    #[serde(default)]
    pub action: Action,
    /// Kind of value the option takes (for completions); absent for flags.
    #[serde(default)]
    pub value: Option<String>,
    /// argparse metavar shown in help; AIME uses an empty one.
    #[serde(default)]
    pub metavar: Option<String>,
    pub help: String,
    /// Extensions beyond the original's interface (DS01's create flags):
    /// accepted, but left out of `--help` so the original's page stays as
    /// it was, and matched exactly (never as an abbreviation) so they
    /// cannot make the original's abbreviations ambiguous.
    #[serde(default)]
    pub hidden: bool,
    /// DS01 style, `action: help`: the key of the tool's `pages` entry this
    /// option shows instead of the generated help (`--info`, `--concepts`:
    /// the originals' other help tiers, reference §0.4).
    #[serde(default)]
    pub page: Option<String>,
}

impl OptionSpec {
    pub fn takes_value(&self) -> bool {
        self.value.is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionalSpec {
    pub name: String,
    pub help: String,
    /// argparse `nargs=None`: must be given (AIME's are all `nargs='?'`).
    #[serde(default)]
    pub required: bool,
    /// argparse `type=`: `int` or `float` (checked, finite); text otherwise.
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    pub name: String,
    pub summary: String,
    pub usage: String,
    #[serde(default)]
    pub formatter: Formatter,
    pub description: String,
    #[serde(default)]
    pub positionals: Vec<PositionalSpec>,
    #[serde(default)]
    pub options: Vec<OptionSpec>,
}

/// A program with subcommands (`mlc create ...`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramSpec {
    pub name: String,
    pub style: Style,
    /// argparse's `prog` as the original printed it (default: `name`).
    #[serde(default)]
    pub prog: Option<String>,
    #[serde(default)]
    pub version_line: String,
    pub usage: String,
    #[serde(default)]
    pub formatter: Formatter,
    pub description: String,
    pub commands_help: String,
    pub options: Vec<OptionSpec>,
    #[serde(default)]
    pub exit_codes: BTreeMap<i32, String>,
    pub commands: Vec<CommandSpec>,
    /// Link name (`mlc-list`) to the subcommand word it stands for.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
}

impl ProgramSpec {
    pub fn command(&self, name: &str) -> Option<&CommandSpec> {
        self.commands.iter().find(|c| c.name == name)
    }

    /// Every option of every command plus the top level: each one is
    /// checked by tests for a non-empty help text and valid names.
    pub fn all_options(&self) -> impl Iterator<Item = &OptionSpec> {
        self.options
            .iter()
            .chain(self.commands.iter().flat_map(|c| c.options.iter()))
    }
}

/// A stand-alone command without subcommands (DS01's tools, e.g.
/// `get_resource_limits`).  Its parsing may follow the original's own rules
/// rather than argparse's; the spec still gives its usage, options, help,
/// completions and man page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    pub name: String,
    pub summary: String,
    pub usage: String,
    pub description: String,
    /// How the command line is parsed: the original's own rules in code,
    /// or DS01's bash conventions ([`crate::cli::ds01`]).
    #[serde(default)]
    pub style: ToolStyle,
    /// The name its completions and man page are generated under, when
    /// its own name belongs to another package's files (`docker`, whose
    /// CLI ships `docker.1` and docker's completions); empty: its name.
    #[serde(default)]
    pub assets_name: String,
    /// DS01 style: the help page's title line.
    #[serde(default)]
    pub title: String,
    /// DS01 style: the help page's usage block as the original printed it
    /// (DS01 colour tokens such as `{CYAN}` allowed).
    #[serde(default)]
    pub help_usage: String,
    /// DS01 style: what an unknown option does.
    #[serde(default)]
    pub unknown: Unknown,
    #[serde(default)]
    pub positionals: Vec<PositionalSpec>,
    #[serde(default)]
    pub options: Vec<OptionSpec>,
    #[serde(default)]
    pub exit_codes: BTreeMap<i32, String>,
    /// DS01 style: help pages other than the generated one, by key (see
    /// [`OptionSpec::page`]); text with colour tokens, in ds01's words.
    #[serde(default)]
    pub pages: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ToolStyle {
    /// Parsed in the command's module, as the original did it.
    #[default]
    Own,
    /// DS01's bash conventions, from this spec.
    Ds01,
}

/// What a DS01-style command does with an option it does not know.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unknown {
    /// `✗ Unknown option: X`, the usage, exit 1.
    #[default]
    Reject,
    /// Skipped, as some originals' `*) ;;` did.
    Ignore,
}

/// A command's spec file, embedded at build time (see `crate::registry`).
#[derive(Debug, Clone, Copy)]
pub enum Spec {
    /// A program with subcommands, parsed by argparse's rules.
    Program {
        /// The spec's file under `spec/`, for messages.
        path: &'static str,
        /// That file's content as JSON (made by `build.rs`).
        json: &'static str,
    },
    /// A stand-alone command.
    Tool {
        path: &'static str,
        json: &'static str,
    },
}

/// A spec, read.
#[derive(Debug, Clone)]
pub enum Loaded {
    Program(ProgramSpec),
    Tool(ToolSpec),
}

/// Read a spec.  Specs are embedded and checked by the test suite, so a
/// failure here is a build defect, reported rather than panicking.
pub fn load(spec: &Spec) -> Result<Loaded, String> {
    match spec {
        Spec::Program { path, json } => serde_json::from_str(json)
            .map(Loaded::Program)
            .map_err(|e| format!("{path}: {e}")),
        Spec::Tool { path, json } => serde_json::from_str(json)
            .map(Loaded::Tool)
            .map_err(|e| format!("{path}: {e}")),
    }
}

/// Every spec of the registry, read.
pub fn all() -> Result<Vec<Loaded>, String> {
    crate::registry::COMMANDS
        .iter()
        .map(|e| load(&e.spec))
        .collect()
}

/// The program spec of the registry's command `name`.
pub fn program(name: &str) -> Result<ProgramSpec, String> {
    match by_name(name)? {
        Loaded::Program(p) => Ok(p),
        Loaded::Tool(_) => Err(format!("the spec of {name} is not a program")),
    }
}

/// The stand-alone spec of the registry's command `name`.
pub fn tool(name: &str) -> Result<ToolSpec, String> {
    match by_name(name)? {
        Loaded::Tool(t) => Ok(t),
        Loaded::Program(_) => Err(format!("the spec of {name} is not a tool")),
    }
}

fn by_name(name: &str) -> Result<Loaded, String> {
    let entry = crate::registry::COMMANDS
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| format!("no spec for the command {name}"))?;
    load(&entry.spec)
}

/// The `mlc` spec.
pub fn mlc() -> Result<ProgramSpec, String> {
    program("mlc")
}

/// Every stand-alone command spec, for generators.
pub fn tools() -> Result<Vec<ToolSpec>, String> {
    Ok(all()?
        .into_iter()
        .filter_map(|l| match l {
            Loaded::Tool(t) => Some(t),
            Loaded::Program(_) => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_specs_load_and_are_consistent() {
        let tools = tools().expect("tool specs parse");
        assert!(!tools.is_empty());
        for tool in &tools {
            assert!(!tool.summary.trim().is_empty(), "{}", tool.name);
            for opt in &tool.options {
                assert!(!opt.help.trim().is_empty(), "{:?} has no help", opt.names);
                for n in &opt.names {
                    assert!(n.starts_with('-') && n.len() >= 2, "bad option name {n}");
                }
                if let Some(page) = &opt.page {
                    assert!(
                        tool.pages.contains_key(page),
                        "{}: no page {page}",
                        tool.name
                    );
                }
            }
        }
    }

    #[test]
    fn mlc_spec_loads_and_is_consistent() {
        let spec = mlc().expect("spec parses");
        assert_eq!(spec.commands.len(), 8);
        for opt in spec.all_options() {
            assert!(!opt.help.trim().is_empty(), "{:?} has no help", opt.names);
            for n in &opt.names {
                assert!(n.starts_with('-') && n.len() >= 2, "bad option name {n}");
            }
            if opt.action == Action::Store {
                assert!(!opt.dest.is_empty(), "{:?} has no dest", opt.names);
            }
        }
        for (link, target) in &spec.links {
            assert!(link.starts_with("mlc-"));
            if target != "export" && target != "import" {
                assert!(spec.command(target).is_some(), "{link} -> {target}");
            }
        }
    }
}
