//! Tier 1: AIME MLC 2.2.0 (`mlc <command>` and `mlc-<command>`).

pub(crate) mod catalog;
pub mod common;
pub mod create;
mod flow;
mod host;
mod lifecycle;
mod list;
mod open;
mod remove;
mod start;
mod stats;
mod stop;
mod update_sys;

use crate::cli::{self, Invocation};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::colour;

/// Printed for every command-line error, whatever its cause (AIME's
/// argparse subclass replaces argparse's messages with this).
const PARSE_ERROR: &str = "\n{ERROR}Please provide one of the following valid commands:{RESET}\ncreate, list, open, remove, start, stats, stop, update-sys\n\n";
const NO_COMMAND: &str = "\nUse {INPUT}mlc -h{RESET} or {INPUT}mlc --help{RESET} to get more informations about the AIME MLC tool.\n\n";

/// `mlc ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    // The original's bash wrapper passes `$@` unquoted, so empty arguments
    // vanish.  (Its word splitting of arguments with blanks is a bug we do
    // not copy: see docs/deviations.md.)
    let args: Vec<String> = args.iter().filter(|a| !a.is_empty()).cloned().collect();
    let spec = cli::spec::mlc().map_err(|e| Failure::stderr(70, format!("ds01: {e}\n")))?;
    let width = cli::help::help_width(ctx.env.get("COLUMNS"));
    match cli::parse_program(&spec, &args, width) {
        Invocation::Help(text) => {
            ctx.out(&text);
            Ok(0)
        }
        Invocation::Version => {
            ctx.println(&colour::expand(&spec.version_line));
            Ok(0)
        }
        Invocation::NoCommand => {
            ctx.out(&colour::expand(NO_COMMAND));
            Ok(0)
        }
        Invocation::Rejected(_) => Err(Failure::stdout(1, colour::expand(PARSE_ERROR))),
        Invocation::Command(command, matches) => match command.name.as_str() {
            "create" => create::run(ctx, &matches),
            "list" => list::run(ctx, &matches),
            "open" => open::run(ctx, &matches),
            "remove" => remove::run(ctx, &matches),
            "start" => start::run(ctx, &matches),
            "stats" => stats::run(ctx),
            "stop" => stop::run(ctx, &matches),
            "update-sys" => update_sys::run(ctx, &matches),
            other => not_yet(other),
        },
    }
}

pub(crate) fn not_yet(name: &str) -> Outcome {
    Err(Failure::stderr(
        70,
        format!("ds01: `mlc {name}` is not available in this build yet\n"),
    ))
}
