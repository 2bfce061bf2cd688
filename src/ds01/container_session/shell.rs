//! The shell in the container and what follows it: the keep-alive process
//! (so that idle detection does not stop a container someone is in), the
//! shell itself as the container's configured user (`docker exec -it TAG
//! /bin/bash`), the keep-alive's removal, and the keep-or-retire menu.

use super::texts::{self, Lifecycle};
use crate::context::Ctx;
use crate::ds01::owned::Owned;
use crate::engine::session::{TerminalEnd, TerminalExec, NOT_A_TTY};
use crate::engine::{Engine, EngineError};
use crate::error::{Failure, Outcome};
use crate::ui::ds01 as term;
use crate::ui::terminal::OnInterrupt;
use bollard::models::ExecConfig;
use std::io::IsTerminal;

/// What the keep-alive process is called inside the container.
const KEEP_ALIVE: &str = r#"exec -a "[ds01-keep-alive]" sleep infinity"#;
/// `pkill -f` pattern for it.
const KEEP_ALIVE_PATTERN: &str = r"\[ds01-keep-alive\]";

/// Keep-alive, the shell, clean-up.  A shell that could not be opened
/// ends the command (exit 1, the docker CLI's message on stderr); one that
/// ran ends normally whatever its status (see the module notes of
/// `container_session`).
pub(super) fn enter(ctx: &mut Ctx, engine: &Engine, tag: &str) -> Result<(), Failure> {
    // `docker exec -it` will refuse without a terminal: no keep-alive to
    // leave behind then.
    let terminal = std::io::stdin().is_terminal();
    if terminal {
        start_keep_alive(engine, tag);
    }
    ctx.out(&texts::type_exit());
    if !terminal {
        return Err(Failure::stderr(1, format!("{NOT_A_TTY}\n")));
    }
    let shell = TerminalExec {
        cmd: vec!["/bin/bash".into()],
        user: None,
        env: Vec::new(),
        input: true,
        // As the docker CLI: the terminal restored, then ended by the signal.
        on_interrupt: OnInterrupt::Reraise,
    };
    let ended = engine.exec_on_terminal(tag, &shell);
    stop_keep_alive(ctx, engine, tag);
    match ended {
        Ok(TerminalEnd::Exited(_)) | Ok(TerminalEnd::Detached) => Ok(()),
        Err(e) => Err(Failure::stderr(1, format!("{}\n", cli_words(&e)))),
    }
}

/// The error as the docker CLI prints it for `docker exec`.
fn cli_words(e: &EngineError) -> String {
    match e {
        EngineError::Other(m) => m.clone(),
        other => other.to_string(),
    }
}

/// `docker exec -d TAG bash -c 'exec -a "[ds01-keep-alive]" sleep
/// infinity'`; whatever happens (the original ignored it).
fn start_keep_alive(engine: &Engine, tag: &str) {
    let config = ExecConfig {
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        cmd: Some(vec!["bash".into(), "-c".into(), KEEP_ALIVE.into()]),
        ..Default::default()
    };
    if let Ok(id) = engine.exec_create(tag, &config) {
        let _ = engine.exec_start_detached(&id);
    }
}

/// `docker exec TAG pkill -f "\[ds01-keep-alive\]" 2>/dev/null`: what it
/// prints on stdout shows (an image without pkill makes the engine say
/// so there, as in the recordings); its status does not matter.
pub(crate) fn stop_keep_alive(ctx: &mut Ctx, engine: &Engine, tag: &str) {
    let config = ExecConfig {
        attach_stdin: Some(false),
        attach_stdout: Some(true),
        attach_stderr: Some(false),
        cmd: Some(vec!["pkill".into(), "-f".into(), KEEP_ALIVE_PATTERN.into()]),
        ..Default::default()
    };
    let Ok(id) = engine.exec_create(tag, &config) else {
        return;
    };
    let mut no_resize = || None;
    let _ = engine.exec_attach(&id, false, None, &mut no_resize, ctx.out_writer());
    let _ = engine.exec_end(&id);
}

/// After the shell: keep or retire a running container; retire one that
/// stopped meanwhile.
pub(super) fn post_exit_menu(ctx: &mut Ctx, engine: &Engine, c: &Owned) -> Outcome {
    ctx.out(&texts::session_ended());
    let state = engine
        .inspect_container(&c.tag)
        .ok()
        .and_then(|i| i.state)
        .and_then(|s| s.status)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "missing".into());
    // A paused container still holds its resources: never retired unasked.
    if state != "running" && state != "paused" {
        ctx.out(&texts::was_stopped());
        return retire(ctx, &c.name, false);
    }
    let limits = Lifecycle::of(ctx);
    ctx.out(&texts::keep_or_retire(&c.name, &limits));
    let answer = term::ask(ctx, texts::CHOOSE)?;
    match choice(&answer) {
        "1" => {
            ctx.out(&texts::kept(&c.name, &limits));
            Ok(0)
        }
        "2" => {
            ctx.out(&texts::retiring());
            stop_keep_alive(ctx, engine, &c.tag);
            retire(ctx, &c.name, true)
        }
        _ => {
            ctx.out(&texts::invalid_choice(&c.name));
            Ok(0)
        }
    }
}

/// The answer as bash's `read` kept it (blanks around it dropped), with
/// the default 1 for an empty one.
fn choice(answer: &str) -> &str {
    match answer.trim() {
        "" => "1",
        a => a,
    }
}

/// `container-retire NAME --skip-initial-confirm`, in-process; `asked`:
/// the user chose it (a missing command is then reported).
fn retire(ctx: &mut Ctx, name: &str, asked: bool) -> Outcome {
    let Some(found) = crate::registry::find("container-retire", ctx.settings.ds01_installed) else {
        if asked {
            ctx.out(&texts::retire_missing(name));
        }
        return Ok(0);
    };
    let args = [name.to_string(), "--skip-initial-confirm".to_string()];
    found.run(ctx, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_like_bash_read() {
        assert_eq!(choice(""), "1");
        assert_eq!(choice("  "), "1");
        assert_eq!(choice(" 2 "), "2");
        assert_eq!(choice("3"), "3");
    }

    #[test]
    fn keep_alive_pattern_matches_its_name() {
        assert!(KEEP_ALIVE.contains("[ds01-keep-alive]"));
        assert_eq!(KEEP_ALIVE_PATTERN, "\\[ds01-keep-alive\\]");
    }
}
