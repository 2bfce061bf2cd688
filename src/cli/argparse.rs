//! A command-line parser with Python argparse's rules, driven by the spec.
//!
//! AIME MLC is an argparse program and its users' scripts rely on argparse
//! details that no Rust parser reproduces: single-dash long options
//! (`-arch`, `-au`), unique-prefix abbreviations of long options, `-w/x` and
//! `-w=/x`, clustered one-letter flags (`-as`), and positionals that must form
//! one contiguous run (`create n -w /x Pytorch 2.5.0` is an error).  The
//! algorithm below follows argparse's `_parse_known_args` step by step.

use super::spec::{Action, OptionSpec, PositionalSpec};
use std::collections::BTreeMap;

/// Why a command line was rejected.  The program family decides how this is
/// shown (AIME prints one fixed message whatever the cause).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Unrecognized(Vec<String>),
    ExpectedOneArgument(String),
    IgnoredExplicitArgument(String),
    Ambiguous(String),
    InvalidChoice(String),
    /// Required positionals that were not given (argparse's names).
    Required(Vec<String>),
    /// A typed positional whose value does not convert.
    InvalidValue {
        name: String,
        kind: String,
        value: String,
    },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Unrecognized(a) => write!(f, "unrecognized arguments: {}", a.join(" ")),
            ParseError::ExpectedOneArgument(o) => write!(f, "argument {o}: expected one argument"),
            ParseError::IgnoredExplicitArgument(o) => {
                write!(f, "argument {o}: ignored explicit argument")
            }
            ParseError::Ambiguous(o) => write!(f, "ambiguous option: {o}"),
            ParseError::InvalidChoice(c) => write!(f, "invalid choice: '{c}'"),
            ParseError::Required(names) => write!(
                f,
                "the following arguments are required: {}",
                names.join(", ")
            ),
            ParseError::InvalidValue { name, kind, value } => {
                write!(f, "argument {name}: invalid {kind} value: '{value}'")
            }
        }
    }
}

/// What the parser found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Matches {
    /// Option values by `dest`; flags map to `"true"`.
    values: BTreeMap<String, String>,
    /// Every value of `append` options, in order.
    lists: BTreeMap<String, Vec<String>>,
    /// Positional values in spec order (`None` when not given).
    pub positionals: Vec<Option<String>>,
    /// With subcommands: the chosen command and its raw arguments.
    pub subcommand: Option<(String, Vec<String>)>,
}

impl Matches {
    /// Record a flag or an option's value (the last one given wins).
    pub(crate) fn set(&mut self, dest: &str, value: &str) {
        self.values.insert(dest.to_string(), value.to_string());
    }

    pub(crate) fn append(&mut self, dest: &str, value: &str) {
        self.lists
            .entry(dest.to_string())
            .or_default()
            .push(value.to_string());
    }

    pub fn flag(&self, dest: &str) -> bool {
        self.values.contains_key(dest)
    }
    pub fn value(&self, dest: &str) -> Option<&str> {
        self.values.get(dest).map(String::as_str)
    }
    pub fn values(&self, dest: &str) -> &[String] {
        self.lists.get(dest).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn positional(&self, i: usize) -> Option<&str> {
        self.positionals.get(i).and_then(|p| p.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Matches),
    /// `-h`/`--help` was reached before anything ended the parse.
    Help,
    /// `-v`/`--version` was reached before anything ended the parse.
    Version,
}

/// The grammar of one parser level.
pub struct Grammar<'a> {
    pub options: &'a [OptionSpec],
    pub positionals: &'a [PositionalSpec],
    /// `Some` for a program level: the first positional word picks a
    /// subcommand from these names and everything after it is its argv.
    pub subcommands: Option<&'a [&'a str]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Positional,
    Optional,
    DoubleDash,
}

struct Token<'a> {
    kind: Kind,
    raw: &'a str,
    /// For optionals: the matched option (index into options), the option
    /// string as written in the spec, and an explicit `=`/attached value.
    matched: Option<(usize, String, Option<String>)>,
}

fn looks_negative_number(s: &str) -> bool {
    let rest = &s[1..];
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(rest)
        || rest
            .split_once('.')
            .is_some_and(|(a, b)| a.bytes().all(|c| c.is_ascii_digit()) && digits(b))
}

impl<'a> Grammar<'a> {
    fn lookup(&self, name: &str) -> Option<usize> {
        self.options
            .iter()
            .position(|o| o.names.iter().any(|n| n == name))
    }

    /// argparse `_get_option_tuples`: candidate options for an abbreviated
    /// or attached-value option string.
    fn option_tuples(&self, arg: &str) -> Vec<(usize, String, Option<String>)> {
        let mut found = Vec::new();
        if let Some(long) = arg.strip_prefix("--") {
            let (prefix, explicit) = match long.split_once('=') {
                Some((p, e)) => (format!("--{p}"), Some(e.to_string())),
                None => (arg.to_string(), None),
            };
            for (i, o) in self.options.iter().enumerate().filter(|(_, o)| !o.hidden) {
                for n in &o.names {
                    if n.starts_with(&prefix) {
                        found.push((i, n.clone(), explicit.clone()));
                    }
                }
            }
        } else {
            let short_prefix = arg.get(..2).unwrap_or(arg);
            let short_explicit = arg.get(2..).unwrap_or("");
            for (i, o) in self.options.iter().enumerate().filter(|(_, o)| !o.hidden) {
                for n in &o.names {
                    if n == short_prefix {
                        found.push((i, n.clone(), Some(short_explicit.to_string())));
                    } else if n.starts_with(arg) {
                        found.push((i, n.clone(), None));
                    }
                }
            }
        }
        found
    }

    /// argparse `_parse_optional`: is this word an option, and which?
    fn classify(&self, arg: &'a str) -> Result<Token<'a>, ParseError> {
        let positional = Token {
            kind: Kind::Positional,
            raw: arg,
            matched: None,
        };
        if !arg.starts_with('-') {
            return Ok(positional);
        }
        if let Some(i) = self.lookup(arg) {
            return Ok(Token {
                kind: Kind::Optional,
                raw: arg,
                matched: Some((i, arg.to_string(), None)),
            });
        }
        if arg.len() == 1 {
            return Ok(positional);
        }
        if let Some((name, explicit)) = arg.split_once('=') {
            if let Some(i) = self.lookup(name) {
                return Ok(Token {
                    kind: Kind::Optional,
                    raw: arg,
                    matched: Some((i, name.to_string(), Some(explicit.to_string()))),
                });
            }
        }
        let tuples = self.option_tuples(arg);
        if tuples.len() > 1 {
            return Err(ParseError::Ambiguous(arg.to_string()));
        }
        if let Some(t) = tuples.into_iter().next() {
            return Ok(Token {
                kind: Kind::Optional,
                raw: arg,
                matched: Some(t),
            });
        }
        if looks_negative_number(arg) || arg.contains(' ') {
            return Ok(positional);
        }
        Ok(Token {
            kind: Kind::Optional,
            raw: arg,
            matched: None,
        })
    }

    pub fn parse(&self, args: &'a [String]) -> Result<Parsed, ParseError> {
        match self.parse_known(args)? {
            (parsed, extras) if extras.is_empty() => Ok(parsed),
            (_, extras) => Err(ParseError::Unrecognized(extras)),
        }
    }

    /// argparse's `parse_known_args`: the words nobody wanted come back
    /// instead of being an error (a subcommand's parser hands them up).
    pub fn parse_known(&self, args: &'a [String]) -> Result<(Parsed, Vec<String>), ParseError> {
        let mut tokens = Vec::with_capacity(args.len());
        let mut after_double_dash = false;
        for a in args {
            if after_double_dash {
                tokens.push(Token {
                    kind: Kind::Positional,
                    raw: a,
                    matched: None,
                });
            } else if a == "--" {
                after_double_dash = true;
                tokens.push(Token {
                    kind: Kind::DoubleDash,
                    raw: a,
                    matched: None,
                });
            } else {
                tokens.push(self.classify(a)?);
            }
        }
        Run {
            g: self,
            tokens: &tokens,
            m: Matches::default(),
            positionals_done: false,
            extras: Vec::new(),
            error: None,
        }
        .go()
    }
}

struct Run<'g, 'a> {
    g: &'g Grammar<'a>,
    tokens: &'g [Token<'a>],
    m: Matches,
    positionals_done: bool,
    extras: Vec<String>,
    /// The first value that did not convert (argparse stops there).
    error: Option<ParseError>,
}

/// argparse's `type=` check of one positional's value: `int` as Python's
/// `int()`, `float` finite (a quota of `nan` or `inf` means nothing).
fn typed(spec: &PositionalSpec, value: &str) -> Result<(), ParseError> {
    let ok = match spec.kind.as_deref() {
        Some("int") => crate::ui::prompt::parse_int(value).is_some(),
        Some("float") => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(ParseError::InvalidValue {
        name: spec.name.clone(),
        kind: spec.kind.clone().unwrap_or_default(),
        value: value.to_string(),
    })
}

enum Step {
    Continue(usize),
    Stop(Parsed),
}

impl Run<'_, '_> {
    fn go(mut self) -> Result<(Parsed, Vec<String>), ParseError> {
        let option_indices: Vec<usize> = (0..self.tokens.len())
            .filter(|&i| self.tokens[i].kind == Kind::Optional)
            .collect();
        let mut start = 0;
        if let Some(&max_option) = option_indices.last() {
            while start <= max_option {
                let Some(&next_option) = option_indices.iter().find(|&&i| i >= start) else {
                    break;
                };
                if start != next_option {
                    let end = self.consume_positionals(start);
                    if end > start {
                        start = end;
                        continue;
                    }
                }
                if start != next_option {
                    // Words no positional wanted, before the next option.
                    for t in &self.tokens[start..next_option] {
                        if t.kind != Kind::DoubleDash {
                            self.extras.push(t.raw.to_string());
                        }
                    }
                    start = next_option;
                }
                match self.consume_optional(start)? {
                    Step::Continue(next) => start = next,
                    Step::Stop(p) => return Ok((p, Vec::new())),
                }
            }
        }
        let stop = self.consume_positionals(start);
        for t in &self.tokens[stop..] {
            if t.kind != Kind::DoubleDash {
                self.extras.push(t.raw.to_string());
            }
        }
        if let Some((name, _)) = &self.m.subcommand {
            let known = self.g.subcommands.unwrap_or(&[]);
            if !known.contains(&name.as_str()) {
                return Err(ParseError::InvalidChoice(name.clone()));
            }
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        let missing: Vec<String> = self
            .g
            .positionals
            .iter()
            .zip(&self.m.positionals)
            .filter(|(p, v)| p.required && v.is_none())
            .map(|(p, _)| p.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(ParseError::Required(missing));
        }
        Ok((Parsed::Run(self.m), self.extras))
    }

    /// argparse matches the whole positional group at the first run of
    /// positional words it meets; every positional is optional (`nargs='?'`),
    /// so they are all used up there, matched or not.
    fn consume_positionals(&mut self, start: usize) -> usize {
        if self.positionals_done {
            return start;
        }
        let tokens = self.tokens;
        let mut i = start;
        if self.g.subcommands.is_some() {
            // `nargs=PARSER`: one word, then everything after it.
            while i < tokens.len() && tokens[i].kind == Kind::DoubleDash {
                i += 1;
            }
            if i < tokens.len() && tokens[i].kind == Kind::Positional {
                let rest = tokens[i + 1..].iter().map(|t| t.raw.to_string()).collect();
                self.m.subcommand = Some((tokens[i].raw.to_string(), rest));
                self.positionals_done = true;
                return tokens.len();
            }
            return start;
        }
        if self.m.positionals.len() < self.g.positionals.len() {
            self.m.positionals.resize(self.g.positionals.len(), None);
        }
        // Positionals still to fill, in order.  A required one (argparse's
        // `nargs=None`) waits for a later run of words when this run is
        // used up; optional ones (`nargs='?'`) are settled in this run.
        let mut next = self
            .m
            .positionals
            .iter()
            .take_while(|p| p.is_some())
            .count();
        while next < self.g.positionals.len() {
            while i < tokens.len() && tokens[i].kind == Kind::DoubleDash {
                i += 1;
            }
            let spec = &self.g.positionals[next];
            if i < tokens.len() && tokens[i].kind == Kind::Positional {
                if let Err(e) = typed(spec, tokens[i].raw) {
                    self.error = Some(e);
                }
                self.m.positionals[next] = Some(tokens[i].raw.to_string());
                i += 1;
            } else if spec.required {
                break;
            }
            next += 1;
        }
        while i < tokens.len() && tokens[i].kind == Kind::DoubleDash {
            i += 1;
        }
        self.positionals_done = next == self.g.positionals.len();
        i
    }

    fn consume_optional(&mut self, start: usize) -> Result<Step, ParseError> {
        let token = &self.tokens[start];
        let Some((mut idx, mut name, mut explicit)) = token.matched.clone() else {
            self.extras.push(token.raw.to_string());
            return Ok(Step::Continue(start + 1));
        };
        let mut actions: Vec<(usize, Option<String>)> = Vec::new();
        let stop;
        loop {
            let opt = &self.g.options[idx];
            let takes_value = opt.takes_value();
            if let Some(exp) = explicit.take() {
                if !takes_value && !name.starts_with("--") && !exp.is_empty() {
                    // `-as`: a flag followed by more one-letter options.
                    actions.push((idx, None));
                    let mut chars = exp.chars();
                    let first = chars.next().unwrap_or_default();
                    let rest: String = chars.collect();
                    let next_name = format!("-{first}");
                    match self.g.lookup(&next_name) {
                        Some(next) => {
                            idx = next;
                            name = next_name;
                            explicit = (!rest.is_empty()).then_some(rest);
                            continue;
                        }
                        None => return Err(ParseError::IgnoredExplicitArgument(name)),
                    }
                } else if takes_value {
                    actions.push((idx, Some(exp)));
                    stop = start + 1;
                    break;
                } else {
                    return Err(ParseError::IgnoredExplicitArgument(name));
                }
            } else if takes_value {
                match self.tokens.get(start + 1) {
                    Some(t) if t.kind == Kind::Positional => {
                        actions.push((idx, Some(t.raw.to_string())));
                        stop = start + 2;
                    }
                    _ => return Err(ParseError::ExpectedOneArgument(name)),
                }
                break;
            } else {
                actions.push((idx, None));
                stop = start + 1;
                break;
            }
        }
        for (idx, value) in actions {
            let opt = &self.g.options[idx];
            match opt.action {
                Action::Help => return Ok(Step::Stop(Parsed::Help)),
                Action::Version => return Ok(Step::Stop(Parsed::Version)),
                Action::Store => {
                    let v = value.unwrap_or_else(|| "true".to_string());
                    self.m.values.insert(opt.dest.clone(), v);
                }
                Action::Append => {
                    let v = value.unwrap_or_else(|| "true".to_string());
                    self.m.lists.entry(opt.dest.clone()).or_default().push(v);
                }
            }
        }
        Ok(Step::Continue(stop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::spec;

    fn parse_sub(cmd: &str, args: &[&str]) -> Result<Parsed, ParseError> {
        let spec = spec::mlc().unwrap();
        let c = spec.command(cmd).unwrap();
        let options = super::super::with_help(&c.options);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Grammar {
            options: &options,
            positionals: &c.positionals,
            subcommands: None,
        }
        .parse(&args)
    }

    fn run(cmd: &str, args: &[&str]) -> Matches {
        match parse_sub(cmd, args) {
            Ok(Parsed::Run(m)) => m,
            other => panic!("{cmd} {args:?}: {other:?}"),
        }
    }

    #[test]
    fn value_forms() {
        for args in [
            &["-w", "/x"][..],
            &["-w=/x"],
            &["-w/x"],
            &["--workspace_dir=/x"],
            &["--work", "/x"],
        ] {
            assert_eq!(
                run("create", args).value("workspace_dir"),
                Some("/x"),
                "{args:?}"
            );
        }
        assert_eq!(
            run("create", &["-g=device=0,1"]).value("num_gpus"),
            Some("device=0,1")
        );
        assert_eq!(
            run("create", &["-arch=CUDA_ADA"]).value("architecture"),
            Some("CUDA_ADA")
        );
        assert_eq!(
            run("create", &["-ar", "X"]).value("architecture"),
            Some("X")
        );
        assert!(parse_sub("create", &["-archCUDA_ADA"]).is_err());
    }

    #[test]
    fn clusters_and_single_dash_long() {
        let m = run("list", &["-as"]);
        assert!(m.flag("all") && m.flag("size"));
        let m = run("list", &["-au", "-arch"]);
        assert!(m.flag("all_users") && m.flag("architecture"));
        assert!(matches!(
            parse_sub("list", &["--al"]),
            Err(ParseError::Ambiguous(_))
        ));
        assert!(run("list", &["--all"]).flag("all"));
        let m = run("stop", &["-fs"]);
        assert!(m.flag("force") && m.flag("script"));
    }

    #[test]
    fn positionals_must_be_contiguous() {
        let m = run("create", &["-w", "/x", "n", "Pytorch", "2.5.0"]);
        assert_eq!(m.positional(2), Some("2.5.0"));
        assert!(parse_sub("create", &["n", "-w", "/x", "Pytorch", "2.5.0"]).is_err());
        assert!(parse_sub("create", &["n", "Pytorch", "-s", "2.5.0"]).is_err());
        assert!(run("start", &["c", "cmd", "-d"]).flag("detach"));
        assert!(parse_sub("start", &["c", "-d", "cmd"]).is_err());
        let m = run("create", &["n", "--", "Pytorch", "2.5.0"]);
        assert_eq!(m.positional(1), Some("Pytorch"));
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse_sub("create", &["-h", "-s"]), Ok(Parsed::Help));
        assert_eq!(parse_sub("list", &["--bogus", "-h"]), Ok(Parsed::Help));
        assert!(parse_sub("create", &["-w"]).is_err());
        assert!(parse_sub("create", &["-d", "-s"]).is_err());
        assert!(parse_sub("create", &["n", "P", "1", "-ng", "1"]).is_err());
        assert!(parse_sub("stats", &["-s"]).is_err());
        assert!(parse_sub("open", &["a", "b"]).is_err());
        assert!(parse_sub("list", &["--script=x"]).is_err());
    }
}
