//! Plain Python argparse programs (`style: argparse` specs, such as DS01's
//! GPU allocator): a program with subcommands, parsed by argparse's rules,
//! whose errors are argparse's own: the usage of the parser that failed,
//! then `PROG: error: MESSAGE`, on stderr, exit 2.

use super::argparse::{Grammar, Matches, ParseError, Parsed};
use super::spec::{CommandSpec, ProgramSpec};
use super::{help, with_help};
use crate::error::Failure;

/// What an argparse program's command line asks for.
#[derive(Debug)]
pub enum Invocation<'s> {
    /// A help page (stdout, exit 0).
    Help(String),
    /// No arguments at all.
    NoCommand,
    Command(&'s CommandSpec, Matches),
}

/// argparse's `prog`.
fn prog(spec: &ProgramSpec) -> &str {
    spec.prog.as_deref().unwrap_or(&spec.name)
}

/// `usage: ...` then `PROG: error: MESSAGE`, exit 2.
fn error(usage: &str, prog: &str, message: &str) -> Failure {
    Failure::stderr(2, format!("usage: {usage}\n{prog}: error: {message}\n"))
}

/// The top parser's error.
fn program_error(spec: &ProgramSpec, e: &ParseError) -> Failure {
    let message = match e {
        ParseError::InvalidChoice(c) => {
            let names: Vec<String> = spec
                .commands
                .iter()
                .map(|c| format!("'{}'", c.name))
                .collect();
            format!(
                "argument command: invalid choice: '{c}' (choose from {})",
                names.join(", ")
            )
        }
        other => other.to_string(),
    };
    error(&spec.usage, prog(spec), &message)
}

/// Parse `args` (without the program name); `width` is the help width.
pub fn parse<'s>(
    spec: &'s ProgramSpec,
    args: &[String],
    width: usize,
) -> Result<Invocation<'s>, Failure> {
    if args.is_empty() {
        return Ok(Invocation::NoCommand);
    }
    let names: Vec<&str> = spec.commands.iter().map(|c| c.name.as_str()).collect();
    let top = Grammar {
        options: &spec.options,
        positionals: &[],
        subcommands: Some(&names),
    };
    let (parsed, mut extras) = top.parse_known(args).map_err(|e| program_error(spec, &e))?;
    let (name, rest) = match parsed {
        Parsed::Help => return Ok(Invocation::Help(help::program_help(spec, width))),
        Parsed::Version => return Ok(Invocation::NoCommand),
        Parsed::Run(m) => match m.subcommand {
            Some(sub) => sub,
            None => {
                let missing = ParseError::Required(vec!["command".into()]);
                return Err(program_error(spec, &missing));
            }
        },
    };
    let command = spec
        .command(&name)
        .ok_or_else(|| program_error(spec, &ParseError::InvalidChoice(name.clone())))?;
    let options = with_help(&command.options);
    let grammar = Grammar {
        options: &options,
        positionals: &command.positionals,
        subcommands: None,
    };
    let sub_prog = format!("{} {}", prog(spec), command.name);
    let (parsed, sub_extras) = grammar
        .parse_known(&rest)
        .map_err(|e| error(&command.usage, &sub_prog, &e.to_string()))?;
    let m = match parsed {
        Parsed::Run(m) => m,
        Parsed::Help | Parsed::Version => {
            return Ok(Invocation::Help(help::command_help(command, width)))
        }
    };
    extras.extend(sub_extras);
    if !extras.is_empty() {
        return Err(program_error(spec, &ParseError::Unrecognized(extras)));
    }
    Ok(Invocation::Command(command, m))
}
