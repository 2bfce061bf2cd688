//! Errors that carry the exit code and text the original would give.

use std::fmt;

/// A command that cannot go on.  Commands print their own operational
/// messages; a `Failure` is what is left to show, and the exit code.
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

    /// Print what is left to print; the caller exits with `self.code`.
    pub fn report(&self) -> i32 {
        crate::ui::out(&self.stdout);
        crate::ui::err(&self.stderr);
        self.code
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.stdout, self.stderr)
    }
}

impl std::error::Error for Failure {}

/// Result of a command: its exit code.
pub type Outcome = Result<i32, Failure>;
