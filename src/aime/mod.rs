//! Tier 1: AIME MLC 2.2.0 (`mlc <command>` and `mlc-<command>`).

mod catalog;
pub mod common;
mod create;
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
use crate::engine::{Engine, EngineError};
use crate::error::{Failure, Outcome};
use crate::identity::Identity;
use crate::ui::{self, colour};

/// Printed for every command-line error, whatever its cause (AIME's
/// argparse subclass replaces argparse's messages with this).
const PARSE_ERROR: &str = "\n{ERROR}Please provide one of the following valid commands:{RESET}\ncreate, list, open, remove, start, stats, stop, update-sys\n\n";
const NO_COMMAND: &str = "\nUse {INPUT}mlc -h{RESET} or {INPUT}mlc --help{RESET} to get more informations about the AIME MLC tool.\n\n";

/// What every mlc command works with.
pub struct Context {
    pub who: Identity,
    engine: Option<Engine>,
}

impl Context {
    fn new() -> Self {
        Context {
            who: Identity::current(),
            engine: None,
        }
    }

    /// The engine connection, made on first use.
    pub fn engine(&mut self) -> Result<&mut Engine, EngineError> {
        if self.engine.is_none() {
            self.engine = Some(Engine::connect()?);
        }
        // Just set above; `get_or_insert` cannot express the fallible init.
        self.engine
            .as_mut()
            .ok_or_else(|| EngineError::Other("no engine".into()))
    }
}

/// `mlc ARGS...`: returns the exit code.
pub fn main(args: &[String]) -> i32 {
    // The original's bash wrapper passes `$@` unquoted, so empty arguments
    // vanish.  (Its word splitting of arguments with blanks is a bug we do
    // not copy: see docs/deviations.md.)
    let args: Vec<String> = args.iter().filter(|a| !a.is_empty()).cloned().collect();
    let spec = match cli::spec::mlc() {
        Ok(s) => s,
        Err(e) => return Failure::stderr(70, format!("ds01: {e}\n")).report(),
    };
    let outcome = match cli::parse_program(&spec, &args) {
        Invocation::Help(text) => {
            ui::out(&text);
            Ok(0)
        }
        Invocation::Version => {
            ui::println(&colour::expand(&spec.version_line));
            Ok(0)
        }
        Invocation::NoCommand => {
            ui::out(&colour::expand(NO_COMMAND));
            Ok(0)
        }
        Invocation::Rejected(_) => Err(Failure::stdout(1, colour::expand(PARSE_ERROR))),
        Invocation::Command(command, matches) => {
            let mut ctx = Context::new();
            match command.name.as_str() {
                "create" => create::run(&mut ctx, &matches),
                "list" => list::run(&mut ctx, &matches),
                "open" => open::run(&mut ctx, &matches),
                "remove" => remove::run(&mut ctx, &matches),
                "start" => start::run(&mut ctx, &matches),
                "stats" => stats::run(&mut ctx),
                "stop" => stop::run(&mut ctx, &matches),
                "update-sys" => update_sys::run(&mut ctx, &matches),
                other => not_yet(other),
            }
        }
    };
    match outcome {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

pub(crate) fn not_yet(name: &str) -> Outcome {
    Err(Failure::stderr(
        70,
        format!("ds01: `mlc {name}` is not available in this build yet\n"),
    ))
}
