//! `container-start | container-run | container-attach [name] [--guided]`:
//! DS01's one script `scripts/lib/container-session.sh` behind three names
//! (reference §3.2).  Start leaves the container running in the
//! background; run starts it if needed and opens a shell in it; attach
//! opens a shell in a running one.  After a shell, the post-exit menu
//! offers to keep the container or to retire it.
//!
//! Fixed on purpose (reference §12, docs/deviations.md):
//! - a paused container is unpaused by start and run (the original called
//!   it "already running" and never unpaused; run then failed), and attach
//!   calls it not running;
//! - a shell that ends with a failing status still leads to the keep-alive
//!   clean-up and the post-exit menu (the original aborted under `set -e`);
//! - nothing to choose from ends with "No selection made. Exiting.", exit
//!   0 (the original's intended path, unreachable under `set -e`);
//! - a failed start says why (Docker's message, on stderr), where the
//!   original swallowed it (S11);
//! - GPUs are checked by exact UUID, not by a substring of `nvidia-smi -L`.

mod shell;

pub(crate) use shell::stop_keep_alive;
mod texts;

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::owned::{self, Owned, Which};
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::policy::gpus::Inventory;
use crate::ui::ds01::{self as term, GREEN, NC, RED};

/// Which of the three names the command was called by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Start,
    Run,
    Attach,
}

impl Mode {
    fn command(self) -> &'static str {
        match self {
            Mode::Start => "container-start",
            Mode::Run => "container-run",
            Mode::Attach => "container-attach",
        }
    }

    /// The banner's word (`Container Start`).
    fn title(self) -> &'static str {
        match self {
            Mode::Start => "Start",
            Mode::Run => "Run",
            Mode::Attach => "Attach",
        }
    }

    /// Whose containers the menu offers when no name is given.
    fn candidates(self) -> Which {
        match self {
            Mode::Start => Which::Stopped,
            Mode::Run => Which::All,
            Mode::Attach => Which::Running,
        }
    }
}

/// The command, called as `mode`.
pub fn main(ctx: &mut Ctx, args: &[String], mode: Mode) -> Outcome {
    let spec = spec::tool(mode.command()).map_err(|e| Failure::stderr(70, e))?;
    if second_positional_first(args) {
        let text = format!("{RED}Too many arguments{NC}\n{}", parse::help(&spec));
        return Err(Failure::stdout(1, text));
    }
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    if !ctx.mode.silenced() {
        ctx.out("\n");
        term::banner(ctx, &format!("Container {}", mode.title()));
        ctx.out("\n");
    }
    let given = m.positional(0).map(str::to_string);
    if m.flag("guided") && given.is_none() {
        ctx.out(&texts::guided_intro(mode));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    let Some(name) = given.map_or_else(|| choose(ctx, mode), |n| Ok(Some(n)))? else {
        ctx.out("No selection made. Exiting.\n");
        return Ok(0);
    };
    let engine = ctx.engine()?;
    let Some(container) = owned::find(&engine, ctx.caller.uid, &name)? else {
        ctx.out(&texts::does_not_exist(&name));
        return Err(Failure::exit(1));
    };
    match mode {
        Mode::Start => start(ctx, &engine, &container),
        Mode::Attach => attach(ctx, &engine, &container),
        Mode::Run => run(ctx, &engine, &container),
    }
}

/// No name given: the menu of the mode's candidates (`None`: there are
/// none, said on stderr).
fn choose(ctx: &mut Ctx, mode: Mode) -> Result<Option<String>, Failure> {
    let chosen = owned::select_container(ctx, mode.candidates())?;
    if chosen.is_some() {
        ctx.out("\n");
    }
    Ok(chosen)
}

/// Whether a second name comes before any option that ends the parse (the
/// original's loop said "Too many arguments" there, before it could reach
/// a later `--help` or unknown option).
fn second_positional_first(args: &[String]) -> bool {
    let mut names = 0;
    for arg in args {
        match arg.as_str() {
            "--guided" => {}
            a if a.starts_with('-') => return false,
            _ => {
                names += 1;
                if names == 2 {
                    return true;
                }
            }
        }
    }
    false
}

/// `container-start`: start it in the background.
fn start(ctx: &mut Ctx, engine: &Engine, c: &Owned) -> Outcome {
    let state = container_state(engine, &c.tag);
    if is_up(&state) {
        ctx.out(&texts::already_running(&c.name));
        return Ok(0);
    }
    check_gpus(ctx, engine, c)?;
    bring_up(ctx, engine, c, &state)?;
    if ctx.mode.orchestrator.is_none() {
        let limits = texts::Lifecycle::of(ctx);
        ctx.out(&texts::start_success(&c.name, &limits));
    }
    Ok(0)
}

/// `container-attach`: a shell in a running container.
fn attach(ctx: &mut Ctx, engine: &Engine, c: &Owned) -> Outcome {
    let state = container_state(engine, &c.tag);
    if !is_up(&state) {
        let shown = if state.is_empty() { "unknown" } else { &state };
        ctx.out(&texts::not_running(&c.name, shown));
        return Err(Failure::exit(1));
    }
    ctx.out(&format!(
        "{}Attaching to container '{}'...{NC}\n\n",
        term::CYAN,
        c.name
    ));
    session(ctx, engine, c)
}

/// `container-run`: start it when needed, then a shell.
fn run(ctx: &mut Ctx, engine: &Engine, c: &Owned) -> Outcome {
    check_gpus(ctx, engine, c)?;
    let state = container_state(engine, &c.tag);
    if !is_up(&state) {
        bring_up(ctx, engine, c, &state)?;
    }
    ctx.out(&format!(
        "{}Opening container '{}'...{NC}\n\n",
        term::CYAN,
        c.name
    ));
    session(ctx, engine, c)
}

/// The shell, then the post-exit menu (unless an orchestrator runs us).
fn session(ctx: &mut Ctx, engine: &Engine, c: &Owned) -> Outcome {
    shell::enter(ctx, engine, &c.tag)?;
    if ctx.mode.orchestrator.is_some() {
        return Ok(0);
    }
    shell::post_exit_menu(ctx, engine, c)
}

/// `.State.Status` (`running`, `paused`, `exited`, ...), or empty when the
/// engine cannot tell.
fn container_state(engine: &Engine, tag: &str) -> String {
    engine
        .inspect_container(tag)
        .ok()
        .and_then(|c| c.state)
        .and_then(|s| s.status)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// Running for this command: a paused container is not (it is unpaused
/// by start and run; see the module notes).
fn is_up(state: &str) -> bool {
    matches!(state, "running" | "restarting")
}

/// Every GPU recorded on the container (`ds01.gpu.uuids`, else
/// `ds01.gpu.uuid`) must still be on this server.
fn check_gpus(ctx: &mut Ctx, engine: &Engine, c: &Owned) -> Result<(), Failure> {
    let uuids = recorded_gpus(engine, &c.tag);
    if uuids.is_empty() {
        return Ok(());
    }
    let (inventory, warning) = Inventory::detect(
        ctx.settings.gpu_fixture.as_deref(),
        Some(&ctx.settings.state_dir),
        std::time::SystemTime::now(),
    );
    if let Some(w) = warning {
        ctx.err(&format!("{w}\n"));
    }
    match uuids.iter().find(|u| inventory.by_uuid(u).is_none()) {
        None => Ok(()),
        Some(gone) => {
            ctx.out(&texts::gpu_gone(gone, &c.name));
            Err(Failure::exit(1))
        }
    }
}

/// The GPU UUIDs of the container's labels (none for a CPU container).
fn recorded_gpus(engine: &Engine, tag: &str) -> Vec<String> {
    let labels = engine
        .inspect_container(tag)
        .ok()
        .and_then(|c| c.config)
        .and_then(|c| c.labels)
        .unwrap_or_default();
    let usable = |key: &str| {
        labels
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && *v != "null")
            .map(str::to_string)
    };
    let Some(value) = usable("ds01.gpu.uuids").or_else(|| usable("ds01.gpu.uuid")) else {
        return Vec::new();
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}

/// Start (or unpause) the container; it must be up afterwards.
fn bring_up(ctx: &mut Ctx, engine: &Engine, c: &Owned, state: &str) -> Result<(), Failure> {
    if state == "paused" {
        ctx.out(&format!(
            "{}Container is paused. Unpausing...{NC}\n",
            term::YELLOW
        ));
        return match engine.unpause_container(&c.tag) {
            Ok(()) => {
                ctx.out(&format!("{GREEN}✓{NC} Container unpaused\n"));
                Ok(())
            }
            Err(e) => {
                ctx.out(&format!("{RED}✗{NC} Failed to unpause container\n"));
                Err(Failure::stderr(1, format!("{e}\n")))
            }
        };
    }
    ctx.out(&format!("{}Starting container...{NC}\n", term::CYAN));
    let started = engine.start_container(&c.tag);
    if is_up(&container_state(engine, &c.tag)) {
        ctx.out(&format!("{GREEN}✓{NC} Container started\n"));
        return Ok(());
    }
    ctx.out(&format!("{RED}✗{NC} Failed to start container\n"));
    // S11: the original hid Docker's reason; we pass it on.
    let reason = started.err().map(|e| format!("{e}\n")).unwrap_or_default();
    Err(Failure::stderr(1, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn too_many_only_before_an_option_that_ends_the_parse() {
        assert!(second_positional_first(&args(&["a", "b"])));
        assert!(second_positional_first(&args(&[
            "a", "--guided", "b", "-h"
        ])));
        assert!(!second_positional_first(&args(&["a", "-h", "b"])));
        assert!(!second_positional_first(&args(&["a", "--bogus", "b"])));
        assert!(!second_positional_first(&args(&["a"])));
    }

    #[test]
    fn paused_is_not_up() {
        assert!(is_up("running"));
        assert!(is_up("restarting"));
        assert!(!is_up("paused"));
        assert!(!is_up("exited"));
        assert!(!is_up(""));
    }

    #[test]
    fn help_pages_keep_the_original_usage_and_flags() {
        for mode in [Mode::Start, Mode::Run, Mode::Attach] {
            let spec = spec::tool(mode.command()).expect("spec");
            let page = parse::help(&spec);
            let usage = format!(
                "\x1b[0;36mUsage:\x1b[0m\n  {0} [name] [options]\n  {0}                   # Interactive selection\n\n",
                mode.command()
            );
            assert!(page.contains(&usage), "{page}");
            assert!(!page.contains("--info"));
            assert!(page.contains("  --guided  ") && page.contains("  -h, --help  "));
        }
    }
}
