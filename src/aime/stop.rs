//! `mlc stop`: stop a running container.

use super::flow::{self, say, Texts};
use super::lifecycle as lc;
use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::Outcome;

const TEXTS: Texts = Texts {
    command: "stop",
    eligible: |c| c.running,
    none_eligible: [
        Some(
            "\n{ERROR}All containers are stopped. Therefore there are no one to be stopped.{RESET}",
        ),
        Some("{ERROR}\nAll containers are stopped. You cannot stop no running containers.{RESET}"),
    ],
    chosen: " {NEUTRAL}is running and will be stopped.{RESET}",
    ineligible: " {ERROR}exists but is not running. Not possible to be stopped.{RESET}",
    ineligible_ends: false,
    does_not_exist: " {ERROR}does not exist.{RESET}",
    menu_after_error:
        "\n{INFO}The following running containers of the current user can be stopped:{RESET} ",
    menu: "\n{INFO}Running containers of the current user:{RESET}",
    missing_name: "\n{ERROR}Container name is missing.{RESET}",
    confirms: true,
};

pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    let chosen = flow::select(ctx, &TEXTS, m)?;
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());
    say(ctx, name, " {NEUTRAL}stopping container ...{RESET}");
    lc::stop_quietly(ctx, tag);
    say(ctx, name, " {NEUTRAL}container stopped.{RESET}\n");
    Ok(0)
}
