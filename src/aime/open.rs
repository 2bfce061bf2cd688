//! `mlc open`: a shell in one of the user's containers, starting it first
//! if needed, and stopping it afterwards when nothing else runs in it.

use super::flow::{self, say, Texts};
use super::lifecycle as lc;
use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::Outcome;

const AVAILABLE: &str = "\n{INFO}Available containers of the current user:{RESET}";

const TEXTS: Texts = Texts {
    command: "open",
    eligible: |_| true,
    none_eligible: [None, None],
    chosen: "{NEUTRAL} exists and will be opened.{RESET}",
    ineligible: "",
    ineligible_ends: false,
    does_not_exist: " {ERROR}does not exist.{RESET}",
    menu_after_error: AVAILABLE,
    menu: AVAILABLE,
    missing_name: "{ERROR}Container name is missing.{RESET}",
    confirms: false,
};

pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    let chosen = flow::select(ctx, &TEXTS, m)?;
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());
    if lc::is_running(ctx, tag) {
        say(ctx, name, " {NEUTRAL}container already running.{RESET}");
    } else {
        say(ctx, name, " {NEUTRAL}starting container...{RESET}");
        lc::start_quietly(ctx, tag);
    }
    say(ctx, name, " {NEUTRAL}opening shell to container...{RESET}");
    match lc::run_shell(ctx, tag) {
        1 => say(
            ctx,
            name,
            " {NEUTRAL}detached from container, container keeps running.{RESET}",
        ),
        0 => say(
            ctx,
            name,
            " {NEUTRAL}container shell closed successfully..{RESET}",
        ),
        _ => {}
    }
    if lc::is_active(ctx, tag) {
        say(
            ctx,
            name,
            "{NEUTRAL} container is active, kept running.{RESET}",
        );
    } else {
        say(
            ctx,
            name,
            "{NEUTRAL} container is inactive, stopping container ...{RESET}",
        );
        lc::stop_quietly(ctx, tag);
        say(ctx, name, "{NEUTRAL} container stopped.{RESET}\n");
    }
    Ok(0)
}
