//! `docker exec -it` and `docker exec -t`: a process in a container on our
//! terminal, for DS01's container sessions (`container-run`,
//! `container-attach`) and AIME's `mlc open` / `mlc start NAME COMMAND`;
//! and the unpausing DS01's sessions ask for.
//!
//! The terminal itself (raw mode, its size, our input with the detach
//! keys) is [`crate::ui::terminal`]'s; this puts it together with the
//! exec requests.

use super::{Engine, EngineError};
use crate::ui::terminal::{self, InputPump, OnInterrupt, RawMode, SizeWatch};
use bollard::models::ExecConfig;
use std::io::IsTerminal;
use tokio::sync::mpsc::Receiver;

/// The docker CLI's words when `-it` is asked without a terminal on stdin.
pub const NOT_A_TTY: &str = "the input device is not a TTY";

/// A process to run on our terminal: `docker exec -t [-i] [--user U]
/// [-e ..] CONTAINER CMD`.
#[derive(Debug, Clone, Default)]
pub struct TerminalExec {
    pub cmd: Vec<String>,
    /// `--user`; `None`: the container's configured user.
    pub user: Option<String>,
    /// `-e NAME=VALUE` entries.
    pub env: Vec<String>,
    /// `-i`: our input goes to the process, with our terminal in raw mode
    /// while it runs.  Without it (`-t` alone) the process only writes to
    /// our terminal and the terminal is left as it is.
    pub input: bool,
    /// With `input`: what a SIGINT does while our terminal is raw.
    pub on_interrupt: OnInterrupt,
}

/// How a process on our terminal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalEnd {
    /// It exited with this status.
    Exited(i64),
    /// We detached (ctrl-p ctrl-q); it goes on running.
    Detached,
}

impl Engine {
    /// `docker exec -t[i] ... CONTAINER CMD`: the process on our terminal
    /// until it ends or we detach.  With `input` but without a terminal on
    /// stdin it is refused as the docker CLI refuses it ([`NOT_A_TTY`]).
    pub fn exec_on_terminal(
        &self,
        container: &str,
        what: &TerminalExec,
    ) -> Result<TerminalEnd, EngineError> {
        let on_terminal = std::io::stdin().is_terminal();
        if what.input && !on_terminal {
            return Err(EngineError::Other(NOT_A_TTY.to_string()));
        }
        let id = self.exec_create(container, &terminal_config(what))?;
        let detached = if what.input {
            self.attach_with_input(&id, what.on_interrupt)?
        } else {
            // Like the docker CLI: the size is followed when stdin is a terminal.
            self.attach_to_terminal(&id, None, on_terminal)?
        };
        if detached {
            return Ok(TerminalEnd::Detached);
        }
        Ok(match self.exec_end(&id)? {
            Some(code) => TerminalEnd::Exited(code),
            None => TerminalEnd::Detached,
        })
    }

    /// `-it`: our input pumped to the process and our terminal raw until
    /// the attachment ends (also when it failed); whether we detached.
    fn attach_with_input(
        &self,
        exec_id: &str,
        on_interrupt: OnInterrupt,
    ) -> Result<bool, EngineError> {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let pump = InputPump::start(tx).map_err(|e| EngineError::Other(e.to_string()))?;
        let raw = RawMode::enter(on_interrupt);
        let attached = self.attach_to_terminal(exec_id, Some(rx), true);
        pump.stop();
        drop(raw);
        attached
    }

    /// The exec attached with a terminal, its output on our stdout.
    fn attach_to_terminal(
        &self,
        exec_id: &str,
        input: Option<Receiver<Vec<u8>>>,
        follow_size: bool,
    ) -> Result<bool, EngineError> {
        let mut sizes = SizeWatch::new(follow_size);
        let mut resized = || sizes.changed();
        // The process owns the terminal: its output is never captured.
        let mut stdout = std::io::stdout();
        self.exec_attach(exec_id, true, input, &mut resized, &mut stdout)
    }
}

/// The exec request of `docker exec -t[i]`.
fn terminal_config(what: &TerminalExec) -> ExecConfig {
    ExecConfig {
        attach_stdin: Some(what.input),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(true),
        console_size: terminal::size()
            .map(|(rows, cols)| vec![usize::from(rows), usize::from(cols)]),
        env: (!what.env.is_empty()).then(|| what.env.clone()),
        cmd: Some(what.cmd.clone()),
        user: what.user.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_request_like_docker_exec_it() {
        let what = TerminalExec {
            cmd: vec!["/bin/bash".into()],
            input: true,
            ..Default::default()
        };
        let c = terminal_config(&what);
        assert_eq!(c.tty, Some(true));
        assert_eq!(c.attach_stdin, Some(true));
        assert_eq!(c.user, None);
        assert_eq!(c.env, None);
        assert_eq!(c.cmd, Some(vec!["/bin/bash".to_string()]));
    }

    #[test]
    fn exec_request_like_docker_exec_t() {
        let what = TerminalExec {
            cmd: vec!["ls".into()],
            user: Some("2001:2001".into()),
            env: vec!["DISPLAY=:1".into()],
            ..Default::default()
        };
        let c = terminal_config(&what);
        assert_eq!(c.tty, Some(true));
        assert_eq!(c.attach_stdin, Some(false));
        assert_eq!(c.attach_stdout, Some(true));
        assert_eq!(c.user.as_deref(), Some("2001:2001"));
        assert_eq!(c.env, Some(vec!["DISPLAY=:1".to_string()]));
    }
}
