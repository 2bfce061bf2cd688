//! `container-stop [name] [options]`: stop one of the caller's containers,
//! or all of them (reference §3.3).
//!
//! Fixed on purpose (reference §12): the stop is the engine's own (the
//! original went through AIME's `mlc-stop`, which cannot see DS01's
//! containers, and fell back to `docker stop`; its output is that
//! fallback's); no running container to pick is "No selection made.
//! Exiting." with exit 0, not an abort; the closing notes say how long the
//! GPU and the container are held, with their unit (the original printed
//! an unset variable and a bare `0.5`), the GPU note only for a container
//! that holds a GPU.  Only the caller's own containers (exact `NAME._.UID`)
//! are ever touched.

mod pages;
pub(crate) mod shared;

use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::ds01::owned::{listed_by_ps, Which};
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::policy::gpu_state::Container;
use crate::ui::ds01::{self as term, expand, BLUE, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use shared::{AllWords, RULE};
use std::time::Instant;

/// What the command line asked for.
struct Options {
    guided: bool,
    force: bool,
    /// As given: the engine's refusal of a bad value is the original's
    /// failed stop.
    timeout: String,
    verbose: bool,
    all: bool,
    keep: bool,
}

impl Options {
    fn from(m: &Matches) -> Options {
        Options {
            guided: m.flag("guided"),
            force: m.flag("force"),
            timeout: m.value("timeout").unwrap_or("10").to_string(),
            verbose: m.flag("verbose"),
            all: m.flag("all"),
            keep: m.flag("keep_container"),
        }
    }
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let pages = ["--info", "--concepts"];
    let line = shared::command_line_with_pages(ctx, "container-stop", args, &pages, pages::page)?;
    let Some((m, name)) = line else {
        return Ok(0);
    };
    let opts = Options::from(&m);
    if !ctx.mode.silenced() {
        ctx.out("\n");
        term::banner(ctx, "DS01 Container Stop");
        ctx.out("\n");
    }
    if opts.all {
        return stop_all(ctx, &opts);
    }
    if opts.guided && name.is_none() {
        guided_intro(ctx);
    }
    let none = "No selection made. Exiting.\n";
    let Some(name) =
        name.map_or_else(|| shared::pick(ctx, Which::Running, none), |n| Ok(Some(n)))?
    else {
        return Ok(0);
    };
    if !opts.force && !confirmed(ctx)? {
        ctx.out("Cancelled.\n");
        return Ok(0);
    }
    let engine = ctx.engine()?;
    match stop_one(ctx, &engine, &name, &opts)? {
        Some(holds_gpu) => {
            after_stop(ctx, &name, &opts, holds_gpu);
            Ok(0)
        }
        None => {
            let tag = format!("{name}._.{}", ctx.caller.uid);
            ctx.out(&format!(
                "\n{RED}Failed to stop container{NC}\n\n{BOLD}Try:{NC}\n  \
                 • Force stop: {YELLOW}container-stop {name} --force{NC}\n  \
                 • Check logs: {BLUE}docker logs {tag}{NC}\n\n"
            ));
            Ok(1)
        }
    }
}

/// `--all`: every running container of the caller, no question asked.
fn stop_all(ctx: &mut Ctx, opts: &Options) -> Outcome {
    let engine = ctx.engine()?;
    let running = shared::names_where(&engine, ctx.caller.uid, |o| listed_by_ps(o.state()))?;
    let words = AllWords {
        none: "No running containers found",
        heading: "Stopping all your containers:",
        done: "Stopped: ",
        failed: "Failed:  ",
    };
    shared::for_all(ctx, &running, &words, |ctx, name| {
        Ok(stop_one(ctx, &engine, name, opts)?.is_some())
    })
}

/// `--guided` without a name: what a stop means, with the caller's limits.
fn guided_intro(ctx: &mut Ctx) {
    let hours = |v: Option<String>| v.and_then(|v| shared::in_hours(&v));
    let gpu_hold = hours(shared::limit(ctx, "--gpu-hold-time"));
    let idle = hours(shared::limit(ctx, "--idle-timeout"));
    let runtime = hours(shared::limit(ctx, "--max-runtime"));
    let text = pages::guided_intro(gpu_hold.as_deref(), idle.as_deref(), runtime.as_deref());
    ctx.out(&text);
}

/// The warning and `Continue? [y/N]: ` (from the terminal).
fn confirmed(ctx: &mut Ctx) -> Result<bool, Failure> {
    ctx.out(&expand(
        "{RED}⚠ This will STOP the container{NC}\n\n\
         {BOLD}All processes will be terminated, including:{NC}\n  \
         • Training jobs\n  • Jupyter sessions\n  • SSH connections\n\n",
    ));
    let yes = term::confirm(ctx, "Continue? [y/N]: ")?;
    if yes {
        ctx.out("\n");
    }
    Ok(yes)
}

/// Stop the caller's container `name`: `Some(holds a GPU)` when it is
/// down (or already was), `None` when it is not the caller's or the stop
/// failed (said so).
fn stop_one(
    ctx: &mut Ctx,
    engine: &Engine,
    name: &str,
    opts: &Options,
) -> Result<Option<bool>, Failure> {
    let Some(found) = shared::find_or_say(ctx, engine, name, false)? else {
        return Ok(None);
    };
    let id = shared::target(&found);
    let details = engine.find_container(&id)?;
    let image = details
        .as_ref()
        .and_then(|d| d.config.as_ref()?.image.clone())
        .unwrap_or_default();
    let holds_gpu = details.is_some_and(|d| !Container::from_inspect(d).device_ids().is_empty());
    if !listed_by_ps(found.state()) {
        ctx.out(&format!("{DIM}○{NC} Container '{name}' already stopped\n"));
        mark_kept_if_asked(ctx, engine, &id, opts);
        return Ok(Some(holds_gpu));
    }
    let uptime = found.summary.status.clone().unwrap_or_default();
    ctx.out(&format!(
        "{BOLD}Container:{NC} {CYAN}{name}{NC}\n{BOLD}Uptime:{NC}    {uptime}\n\
         {BOLD}Image:{NC}     {image}\n\n"
    ));
    if found.state() != "paused" && busy(engine, &id) {
        ctx.out(&format!(
            "{YELLOW}⚠ Warning: Container has running processes{NC}\n"
        ));
        if opts.guided {
            ctx.out(&expand(pages::GUIDED_PROCESSES));
        }
        ctx.out("\n");
    }
    let stopped = if opts.force {
        force_stop(ctx, engine, &id, opts)
    } else {
        graceful_stop(ctx, engine, &id, opts)
    };
    if stopped {
        mark_kept_if_asked(ctx, engine, &id, opts);
    }
    Ok(stopped.then_some(holds_gpu))
}

/// `--keep-container`: leave the keep marker that lifecycle enforcement
/// honours (the original only changed its closing message, and the
/// container was removed after its hold all the same).
fn mark_kept_if_asked(ctx: &mut Ctx, engine: &Engine, id: &str, opts: &Options) {
    if !opts.keep {
        return;
    }
    if let Err(e) = crate::ds01::lifecycle::mark_kept(engine, id) {
        ctx.out(&format!(
            "{YELLOW}⚠ Could not mark the container as kept ({e}): it may be auto-removed{NC}\n"
        ));
    }
}

/// Whether the original's `docker exec NAME ps aux | wc -l` would pass 5:
/// the header and `ps` itself are two of those lines.
fn busy(engine: &Engine, id: &str) -> bool {
    engine
        .top(id, "-ef")
        .map(|t| t.processes.unwrap_or_default().len() + 2 > 5)
        .unwrap_or(false)
}

fn force_stop(ctx: &mut Ctx, engine: &Engine, id: &str, opts: &Options) -> bool {
    ctx.out(&format!("{YELLOW}Force stopping...{NC}\n"));
    if opts.guided {
        ctx.out(&expand(pages::GUIDED_FORCE));
    }
    if engine.kill_container(id).is_ok() {
        ctx.out(&format!("{GREEN}✓{NC} Container force stopped\n"));
        true
    } else {
        ctx.out(&format!("{RED}✗{NC} Failed to stop container\n"));
        false
    }
}

/// SIGTERM, SIGKILL after the timeout; the time it took, as `bc` wrote it.
fn graceful_stop(ctx: &mut Ctx, engine: &Engine, id: &str, opts: &Options) -> bool {
    ctx.out(&format!(
        "{CYAN}Sending SIGTERM to container ({}s graceful timeout)...{NC}\n",
        opts.timeout
    ));
    if opts.guided {
        ctx.out(&expand(pages::GUIDED_GRACEFUL));
    }
    if opts.verbose {
        ctx.out(&format!(
            "{DIM}  • SIGTERM sent, waiting for graceful shutdown...{NC}\n"
        ));
    }
    // The docker CLI refused a timeout that is not a whole number.
    let Ok(secs) = opts.timeout.parse::<u32>() else {
        ctx.out(&format!("{RED}✗{NC} Failed to stop container\n"));
        return false;
    };
    let started = Instant::now();
    if engine.stop_within(id, secs).is_err() {
        ctx.out(&format!("{RED}✗{NC} Failed to stop container\n"));
        return false;
    }
    let ms = started.elapsed().as_millis();
    let took = bc_seconds(ms);
    if ms >= u128::from(secs) * 1000 {
        ctx.out(&format!(
            "{YELLOW}✓{NC} Container stopped ({took}s - required SIGKILL)\n"
        ));
        if opts.verbose {
            ctx.out(&format!("{DIM}  • SIGKILL used after timeout{NC}\n"));
        }
    } else {
        ctx.out(&format!("{GREEN}✓{NC} Container stopped ({took}s)\n"));
        if opts.verbose {
            ctx.out(&format!(
                "{DIM}  • Graceful shutdown successful (via docker stop){NC}\n"
            ));
        }
    }
    true
}

/// Milliseconds as `echo "scale=2; MS / 1000" | bc` prints them:
/// truncated to hundredths, no leading zero, `0` for nothing.
fn bc_seconds(ms: u128) -> String {
    let (secs, hundredths) = (ms / 1000, ms % 1000 / 10);
    match (secs, hundredths) {
        (0, 0) => "0".into(),
        (0, h) => format!(".{h:02}"),
        (s, h) => format!("{s}.{h:02}"),
    }
}

/// After a stop: under `container-retire` the container goes too
/// (silently); otherwise what to do next and how long things are held.
fn after_stop(ctx: &mut Ctx, name: &str, opts: &Options, holds_gpu: bool) {
    if ctx.mode.orchestrator.as_deref() == Some("retire") {
        let args = [name.to_string(), "--force".to_string()];
        let _ = ctx.capture(|c| crate::ds01::container_remove::main(c, &args));
        return;
    }
    let gpu_hold = if holds_gpu {
        shared::limit(ctx, "--gpu-hold-time").and_then(|v| shared::in_hours(&v))
    } else {
        None
    };
    let container_hold = shared::limit(ctx, "--container-hold-time")
        .map_or_else(|| Some("12h".to_string()), |v| shared::in_hours(&v));
    let text = if opts.keep {
        kept(name, holds_gpu)
    } else {
        next_steps(name, gpu_hold.as_deref(), container_hold.as_deref())
    };
    ctx.out(&text);
}

fn next_steps(name: &str, gpu_hold: Option<&str>, container_hold: Option<&str>) -> String {
    let mut text = format!(
        "\n{YELLOW}{RULE}{NC}\n{YELLOW}{BOLD}    Next Steps{NC}\n{YELLOW}{RULE}{NC}\n\n\
         {BOLD}Container stopped successfully.{NC}\n\n\
         {BOLD}To resume:{NC}\n  {GREEN}container-run {name}{NC}\n\n\
         {BOLD}To free GPU immediately:{NC}\n  \
         {GREEN}container-retire {name}{NC}  {DIM}(stops + removes container){NC}\n\n"
    );
    if let Some(hold) = gpu_hold {
        text.push_str(&format!(
            "{CYAN}ℹ{NC} {DIM}GPU will be held for {CYAN}{hold}{NC}{DIM}, then auto-released{NC}\n"
        ));
    }
    if let Some(hold) = container_hold {
        text.push_str(&format!(
            "{CYAN}ℹ{NC} {DIM}Container will auto-remove after {CYAN}{hold}{NC}{DIM} if not restarted{NC}\n"
        ));
    }
    text.push('\n');
    text
}

/// The closing banner of `--keep-container`.  The container carries the
/// keep marker, so neither hold removes it (ds01's fix: the original said
/// it would be kept, then removed it after its hold).
fn kept(name: &str, holds_gpu: bool) -> String {
    let mut text = format!(
        "\n{YELLOW}{RULE}{NC}\n{YELLOW}{BOLD}    Container Kept (--keep-container){NC}\n\
         {YELLOW}{RULE}{NC}\n\n{BOLD}Container stopped but not removed.{NC}\n\n\
         {BOLD}To restart:{NC}\n  {GREEN}container-run {name}{NC}\n\n"
    );
    if holds_gpu {
        text.push_str(&format!(
            "{YELLOW}⚠ GPU Note:{NC}\n  Its GPU stays allocated while the container is kept\n\n"
        ));
    }
    text.push_str(&format!(
        "{YELLOW}⚠ Container Lifecycle:{NC}\n  \
         It is not auto-removed; {GREEN}container-remove {name}{NC} removes it\n\n\
         {DIM}Tip: For immediate GPU release, use: {GREEN}container-retire {name}{NC}\n\n"
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_as_bc_prints_them() {
        assert_eq!(bc_seconds(0), "0");
        assert_eq!(bc_seconds(5), "0");
        assert_eq!(bc_seconds(450), ".45");
        assert_eq!(bc_seconds(999), ".99");
        assert_eq!(bc_seconds(1000), "1.00");
        assert_eq!(bc_seconds(10_060), "10.06");
    }

    #[test]
    fn notes_say_their_unit_and_skip_what_is_not_held() {
        let text = next_steps("demo", None, Some("0.5h"));
        assert!(!text.contains("GPU will be held"));
        assert!(text.contains("auto-remove after \x1b[0;36m0.5h\x1b[0m"));
        let text = next_steps("demo", Some("0.25h"), None);
        assert!(text.contains("held for \x1b[0;36m0.25h\x1b[0m\x1b[2m, then"));
        assert!(!text.contains("auto-remove"));
        assert!(kept("demo", false).contains("Container Kept (--keep-container)"));
        assert!(kept("demo", true).contains("GPU stays allocated"));
    }
}
