//! The command line, generated from the spec: parsing (argparse rules),
//! help pages, and the clap model behind completions and man pages.

pub mod argparse;
pub mod clap_model;
pub mod ds01;
pub mod generate;
pub mod help;
pub mod python;
pub mod spec;

use argparse::{Grammar, Matches, ParseError, Parsed};
use spec::{Action, CommandSpec, OptionSpec, ProgramSpec};

/// argparse adds `-h, --help` to every parser.
pub fn with_help(options: &[OptionSpec]) -> Vec<OptionSpec> {
    let mut all = vec![OptionSpec {
        names: vec!["-h".into(), "--help".into()],
        dest: "help".into(),
        action: Action::Help,
        value: None,
        metavar: None,
        help: "Print this help and exit.".into(),
        hidden: false,
        page: None,
    }];
    all.extend(options.iter().cloned());
    all
}

/// What a program's command line asks for.
#[derive(Debug)]
pub enum Invocation<'s> {
    /// Help text to print on stdout, exit 0.
    Help(String),
    /// The version line, exit 0.
    Version,
    /// The program name alone.
    NoCommand,
    Rejected(ParseError),
    Command(&'s CommandSpec, Matches),
}

/// Parse `args` (without the program name) against a program spec: the top
/// level first, then the chosen subcommand, as argparse subparsers do.
/// `width` is the help pages' width ([`help::help_width`]).
pub fn parse_program<'s>(spec: &'s ProgramSpec, args: &[String], width: usize) -> Invocation<'s> {
    let names: Vec<&str> = spec.commands.iter().map(|c| c.name.as_str()).collect();
    let top = Grammar {
        options: &spec.options,
        positionals: &[],
        subcommands: Some(&names),
    };
    let (name, rest) = match top.parse(args) {
        Err(e) => return Invocation::Rejected(e),
        Ok(Parsed::Help) => return Invocation::Help(help::program_help(spec, width)),
        Ok(Parsed::Version) => return Invocation::Version,
        Ok(Parsed::Run(m)) => match m.subcommand {
            None => return Invocation::NoCommand,
            Some(sub) => sub,
        },
    };
    let Some(command) = spec.command(&name) else {
        return Invocation::Rejected(ParseError::InvalidChoice(name));
    };
    let options = with_help(&command.options);
    let grammar = Grammar {
        options: &options,
        positionals: &command.positionals,
        subcommands: None,
    };
    match grammar.parse(&rest) {
        Err(e) => Invocation::Rejected(e),
        Ok(Parsed::Help) => Invocation::Help(help::command_help(command, width)),
        Ok(Parsed::Version) => Invocation::Version,
        Ok(Parsed::Run(m)) => Invocation::Command(command, m),
    }
}
