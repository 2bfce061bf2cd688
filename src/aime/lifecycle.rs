//! What `mlc open`, `start`, `stop` and `remove` share: finding and choosing
//! the container, the `[NAME]` message lines, the environment and user of
//! `docker exec`, the "is it active" check, and running a shell or a
//! command in a container on our terminal (`docker exec -it` / `-t`:
//! [`crate::engine::Engine::exec_on_terminal`], shared with DS01).

use crate::context::Ctx;
use crate::engine::session::{TerminalEnd, TerminalExec};
use crate::engine::EngineError;
use crate::ui::terminal::OnInterrupt;
use bollard::models::ExecConfig;

/// Whether the container runs now (an engine error counts as no, as an
/// empty `docker ps` answer did).
pub(super) fn is_running(ctx: &mut Ctx, tag: &str) -> bool {
    ctx.engine()
        .and_then(|e| e.inspect_container(tag))
        .ok()
        .and_then(|c| c.state)
        .and_then(|s| s.running)
        .unwrap_or(false)
}

/// Start the container; whatever the engine says (the original ignored
/// `docker container start`'s result).
pub(super) fn start_quietly(ctx: &mut Ctx, tag: &str) {
    if let Ok(e) = ctx.engine() {
        let _ = e.start_container(tag);
    }
}

/// Stop the container; the result is ignored as the original ignored it.
pub(super) fn stop_quietly(ctx: &mut Ctx, tag: &str) {
    if let Ok(e) = ctx.engine() {
        let _ = e.stop_container(tag);
    }
}

/// The environment the original meant to give `docker exec`: DISPLAY and
/// NCCL_P2P_LEVEL when they are set (it passed them as one broken argument;
/// see docs/deviations.md).
pub(super) fn exec_env(ctx: &Ctx) -> Vec<String> {
    exec_env_from(|k| ctx.env.get(k).map(str::to_string))
}

fn exec_env_from(get: impl Fn(&str) -> Option<String>) -> Vec<String> {
    ["DISPLAY", "NCCL_P2P_LEVEL"]
        .iter()
        .filter_map(|k| get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={v}")))
        .collect()
}

/// `--user UID:GID`.
fn exec_user(ctx: &Ctx) -> String {
    format!("{}:{}", ctx.caller.uid, ctx.caller.gid)
}

/// `docker top TAG -o pid` lists the header and more than one process: a
/// shell or a job besides the container's main process is still there.
pub(super) fn is_active(ctx: &mut Ctx, tag: &str) -> bool {
    match ctx.engine().and_then(|e| e.top(tag, "-o pid")) {
        Ok(top) => active_by_count(top.processes.map(|p| p.len()).unwrap_or(0)),
        Err(_) => false,
    }
}

/// The original's rule: more than 2 lines of `docker top` output.
fn active_by_count(processes: usize) -> bool {
    processes + 1 > 2
}

/// Exit status of the `docker` CLI for an exec on our terminal that ended
/// this way: 1 when it could not be made or we were detached (the engine's
/// ctrl-p ctrl-q: `docker exec` ends with "read escape sequence", exit 1,
/// and leaves the process running).
fn exec_status(end: Result<TerminalEnd, EngineError>) -> i32 {
    match end {
        Ok(TerminalEnd::Exited(code)) => i32::try_from(code).unwrap_or(1),
        Ok(TerminalEnd::Detached) | Err(_) => 1,
    }
}

/// `docker exec -t[i] -e ... --user UID:GID TAG CMD`; with `-i` a SIGINT
/// while our terminal is raw ends us as AIME's ctrl-c does.
fn terminal_exec(ctx: &Ctx, cmd: &str, input: bool) -> TerminalExec {
    TerminalExec {
        cmd: vec![cmd.to_string()],
        user: Some(exec_user(ctx)),
        env: exec_env(ctx),
        input,
        on_interrupt: OnInterrupt::Exit {
            message: crate::ui::prompt::interrupted_message(),
            status: 1,
        },
    }
}

/// `docker exec -it -e ... --user UID:GID TAG bash`: a shell on our
/// terminal; its exit status as the docker CLI gives it (1 when stdin is
/// not a terminal, when the exec cannot be made, or when we were detached).
pub(super) fn run_shell(ctx: &mut Ctx, tag: &str) -> i32 {
    let shell = terminal_exec(ctx, "bash", true);
    match ctx.engine() {
        Ok(engine) => exec_status(engine.exec_on_terminal(tag, &shell)),
        Err(_) => 1,
    }
}

/// `docker exec -t|-d -e ... --user UID:GID TAG COMMAND`: the command with
/// a terminal for its output (or detached), no input; its exit status as
/// the docker CLI gives it.
pub(super) fn run_command(ctx: &mut Ctx, tag: &str, command: &str, detach: bool) -> i32 {
    if detach {
        return run_detached(ctx, tag, command);
    }
    let what = terminal_exec(ctx, command, false);
    match ctx.engine() {
        Ok(engine) => exec_status(engine.exec_on_terminal(tag, &what)),
        Err(_) => 1,
    }
}

/// `docker exec -d -e ... --user UID:GID TAG COMMAND`: 0 once it started.
fn run_detached(ctx: &mut Ctx, tag: &str, command: &str) -> i32 {
    let env = exec_env(ctx);
    let config = ExecConfig {
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        tty: Some(false),
        env: (!env.is_empty()).then_some(env),
        cmd: Some(vec![command.to_string()]),
        user: Some(exec_user(ctx)),
        ..Default::default()
    };
    let Ok(engine) = ctx.engine() else {
        return 1;
    };
    let started = engine
        .exec_create(tag, &config)
        .and_then(|id| engine.exec_start_detached(&id));
    i32::from(started.is_err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_only_what_is_set() {
        let none = exec_env_from(|_| None);
        assert!(none.is_empty());
        let both = exec_env_from(|k| Some(if k == "DISPLAY" { ":1" } else { "NVL" }.into()));
        assert_eq!(both, vec!["DISPLAY=:1", "NCCL_P2P_LEVEL=NVL"]);
        let empty_display =
            exec_env_from(|k| Some(if k == "DISPLAY" { "" } else { "SYS" }.to_string()));
        assert_eq!(empty_display, vec!["NCCL_P2P_LEVEL=SYS"]);
    }

    #[test]
    fn active_needs_two_processes() {
        assert!(!active_by_count(0));
        assert!(!active_by_count(1));
        assert!(active_by_count(2));
        assert!(active_by_count(5));
    }

    #[test]
    fn status_like_the_docker_cli() {
        assert_eq!(exec_status(Ok(TerminalEnd::Exited(0))), 0);
        assert_eq!(exec_status(Ok(TerminalEnd::Exited(130))), 130);
        assert_eq!(exec_status(Ok(TerminalEnd::Exited(1 << 40))), 1);
        assert_eq!(exec_status(Ok(TerminalEnd::Detached)), 1);
        assert_eq!(exec_status(Err(EngineError::Other("x".into()))), 1);
    }
}
