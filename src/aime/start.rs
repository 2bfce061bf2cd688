//! `mlc start`: start a stopped container, optionally running a command in
//! it.

use super::flow::{self, say, Texts};
use super::lifecycle as lc;
use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::{Failure, Outcome};

const TEXTS: Texts = Texts {
    command: "start",
    eligible: |c| !c.running,
    none_eligible: [
        Some("{ERROR}\nAt the moment all containers are running.\nCreate a new one and start it using:{RESET}\n{HINT}mlc start container_name{RESET}"),
        None,
    ],
    chosen: " {NEUTRAL}is not running and will be started.{RESET}",
    ineligible: " {ERROR}Can not be started, container is already running.{RESET}",
    ineligible_ends: true,
    does_not_exist: " {ERROR}does not exist.{RESET}",
    menu_after_error: "\n{INFO}The following no running containers of the current user can be started:{RESET} ",
    menu: "\n{INFO}The following no running containers of the current user can be started:{RESET}",
    missing_name: "\n{ERROR}Container name is missing.{RESET}",
    confirms: false,
};

pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    let chosen = flow::select(ctx, &TEXTS, m)?;
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());
    if lc::is_running(ctx, tag) {
        say(ctx, name, " {NEUTRAL}container already running.{RESET}\n");
        return Ok(0);
    }
    say(ctx, name, " {NEUTRAL}starting container...{RESET}");
    // The original did not wait for the start (a race with the command)
    // and crashed without a command; we wait (docs/deviations.md).
    ctx.engine()
        .and_then(|e| e.start_container(tag))
        .map_err(|e| {
            Failure::stderr(
                1,
                format!("{e}\nError: failed to start containers: {tag}\n"),
            )
        })?;
    match m.positional(1) {
        None => say(
            ctx,
            name,
            &format!(
                " {{NEUTRAL}}container started.{{RESET}}\n\n{{INFO}}To open a shell within the container, use:{{RESET}} \nmlc open {{INPUT}}{name}{{RESET}}\n"
            ),
        ),
        Some(command) => match lc::run_command(ctx, tag, command, m.flag("detach")) {
            0 | 1 => say(ctx, name, " {NEUTRAL}container started.{RESET}"),
            _ => {
                say(
                    ctx,
                    name,
                    " {ERROR}error starting container, stopping container...{RESET}",
                );
                lc::stop_quietly(ctx, tag);
            }
        },
    }
    Ok(0)
}
