//! The one failure type: a command that ends early carries its exit code
//! and what is left to print on stdout and stderr.

use crate::context::Ctx;
use crate::engine::EngineError;
use crate::policy::limits::ConfigError;
use crate::ui::prompt::Interrupted;
use std::fmt;

/// A command that cannot go on (or is done early).  Commands print their
/// operational messages as they go; a `Failure` is what is left to show,
/// and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Failure {
    pub fn stdout(code: i32, text: impl Into<String>) -> Self {
        Failure {
            code,
            stdout: text.into(),
            stderr: String::new(),
        }
    }

    pub fn stderr(code: i32, text: impl Into<String>) -> Self {
        Failure {
            code,
            stdout: String::new(),
            stderr: text.into(),
        }
    }

    /// End here with `code`: everything there was to say is said.
    pub fn exit(code: i32) -> Self {
        Failure::stdout(code, "")
    }

    /// Print what is left to print; the caller exits with `self.code`.
    pub fn report(&self, ctx: &mut Ctx) -> i32 {
        ctx.out(&self.stdout);
        ctx.err(&self.stderr);
        self.code
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.stdout, self.stderr)
    }
}

impl std::error::Error for Failure {}

/// The engine's error as the docker CLI words it: stderr, exit 1.
impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        Failure::stderr(1, format!("{e}\n"))
    }
}

/// A configuration that cannot be used stops the command, naming the file.
impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        e.failure("ds01")
    }
}

/// Ctrl-C or end of input at a question: AIME's message, exit 1.  (DS01's
/// commands end silently with exit 1 instead: see `ui::ds01`.)
impl From<Interrupted> for Failure {
    fn from(_: Interrupted) -> Self {
        Failure::stdout(1, crate::ui::prompt::interrupted_message())
    }
}

/// Result of a command: its exit code.
pub type Outcome = Result<i32, Failure>;

/// The exit code of an outcome, its failure printed.
pub fn finish(ctx: &mut Ctx, outcome: Outcome) -> i32 {
    match outcome {
        Ok(code) => code,
        Err(failure) => failure.report(ctx),
    }
}
