//! `container-pause [name] [--guided] [-a|--all]`: freeze a running
//! container of the caller (reference §3.5).  The banner is always shown,
//! as the original showed it whoever ran it.
//!
//! Fixed on purpose (reference §12): the original asked for a "max pause
//! time" with a flag `get_resource_limits` does not have and printed the
//! whole limits page as that time; DS01 has no such limit, so nothing is
//! said about one.  No running container to pick is "No running
//! containers to pause." with exit 0, as intended, not an abort.  Only the
//! caller's own containers (exact `NAME._.UID`) are ever touched.

use crate::context::Ctx;
use crate::ds01::container_stop::shared::{self, Action, AllWords};
use crate::ds01::owned::{listed_by_ps, Which};
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{expand, BOLD, CYAN, GREEN, NC, YELLOW};

const PAUSE: Action = Action {
    doing: "Pausing",
    verb: "pause",
    call: Engine::pause_container,
};

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let Some((m, name)) = shared::command_line(ctx, "container-pause", args)? else {
        return Ok(0);
    };
    let guided = m.flag("guided");
    shared::title(ctx, "Pausing Container");
    if m.flag("all") {
        return pause_all(ctx, guided);
    }
    let name = match name {
        Some(name) => name,
        None => match pick(ctx)? {
            Some(name) => name,
            None => return Ok(0),
        },
    };
    let engine = ctx.engine()?;
    pause_one(ctx, &engine, &name, guided)
}

/// No name: the menu of running containers; `None` when there is none.
fn pick(ctx: &mut Ctx) -> Result<Option<String>, Failure> {
    ctx.out(&format!("{CYAN}Select container to pause:{NC}\n\n"));
    let none = format!("\n{YELLOW}No running containers to pause.{NC}\n");
    shared::pick(ctx, Which::Running, &none)
}

/// `--all`: each running container of the caller, then the counts.
fn pause_all(ctx: &mut Ctx, guided: bool) -> Outcome {
    let engine = ctx.engine()?;
    let running = shared::names_where(&engine, ctx.caller.uid, |o| listed_by_ps(o.state()))?;
    let words = AllWords {
        none: "No running containers found",
        heading: "Pausing all your running containers:",
        done: "Paused: ",
        failed: "Failed: ",
    };
    shared::for_all(ctx, &running, &words, |ctx, name| {
        Ok(pause_one(ctx, &engine, name, guided)? == 0)
    })
}

/// Pause the caller's container `name`; 0 when it is (or already was)
/// paused, 1 otherwise (said so).
fn pause_one(ctx: &mut Ctx, engine: &Engine, name: &str, guided: bool) -> Outcome {
    let Some(found) = shared::find_or_say(ctx, engine, name, false)? else {
        return Ok(1);
    };
    if !listed_by_ps(found.state()) {
        ctx.out(&format!(
            "{YELLOW}○{NC} Container '{name}' is not running\n   Start first: {GREEN}container-run {name}{NC}\n"
        ));
        return Ok(1);
    }
    if found.state() == "paused" {
        ctx.out(&format!(
            "{YELLOW}○{NC} Container '{name}' is already paused\n   Unpause with: {GREEN}container-run {name}{NC}\n"
        ));
        return Ok(0);
    }
    let guided = guided.then(|| guided_text(name));
    if !shared::act(ctx, engine, &found, guided, &PAUSE) {
        return Ok(1);
    }
    ctx.out(&paused_text(name));
    Ok(0)
}

fn paused_text(name: &str) -> String {
    format!(
        "{GREEN}✓{NC} Container paused\n\n{BOLD}Container is now frozen.{NC}\n\n\
         {BOLD}To resume:{NC}\n  {GREEN}container-unpause {name}{NC}  # Unpause only\n  \
         {GREEN}container-run {name}{NC}      # Unpause and attach\n\n\
         {YELLOW}💡 Remember:{NC} Pause holds your GPU. For long breaks, use:\n   \
         {GREEN}container-stop {name}{NC}    # Free GPU for others\n\n"
    )
}

/// `--guided`: what a pause is (ds01's words).
fn guided_text(name: &str) -> String {
    expand(&format!(
        "{{CYAN}}ℹ {{NC}}{{BOLD}}Pausing, step by step{{NC}}\n\n  \
         Every process in the container is frozen where it stands, the way\n  \
         a video stops on pause: nothing runs, nothing is lost.\n\n  \
         • A training run stops mid-batch and goes on later\n  \
         • Memory and processes stay as they are\n  \
         • The GPU stays reserved for you, unused meanwhile\n  \
         • {{GREEN}}container-unpause {name}{{NC}} lets everything go on\n\n\
         {{BOLD}}Good for:{{NC}} a short break, looking at a frozen state.\n\
         {{BOLD}}Not for:{{NC}} long breaks or freeing the GPU: use container-stop.\n\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_text_names_the_container_and_no_pause_limit() {
        let text = paused_text("demo");
        assert!(text.starts_with("\x1b[0;32m✓\x1b[0m Container paused\n\n"));
        assert!(text.contains("  \x1b[0;32mcontainer-unpause demo\x1b[0m  # Unpause only\n"));
        assert!(!text.contains("Auto-stop"));
        assert!(text.ends_with("# Free GPU for others\n\n"));
    }
}
