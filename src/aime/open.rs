//! `mlc open`: a shell in one of the user's containers, starting it first
//! if needed, and stopping it afterwards when nothing else runs in it.

use super::common::{self, require_containers, Mine};
use super::lifecycle::{self as lc, say};
use super::Context;
use crate::cli::argparse::Matches;
use crate::error::Outcome;
use crate::ui::prompt;

pub fn run(ctx: &mut Context, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    let mine = match require_containers(ctx, "open") {
        Ok(mine) => mine,
        Err(outcome) => return outcome,
    };
    let script = m.flag("script");
    let everyone: Vec<&Mine> = mine.iter().collect();
    let chosen = match m.positional(0) {
        Some(name) => match lc::find(&mine, name) {
            Some(c) => {
                say(name, "{NEUTRAL} exists and will be opened.{RESET}");
                c.clone()
            }
            None if script => {
                say(name, " {ERROR}does not exist.{RESET}\n");
                return Ok(1);
            }
            None => {
                say(name, " {ERROR}does not exist.{RESET}");
                lc::print("\n{INFO}Available containers of the current user:{RESET}");
                lc::choose(&everyone)?
            }
        },
        None if script => {
            lc::print("{ERROR}Container name is missing.{RESET}");
            crate::ui::println(&common::info_header("open"));
            return Ok(1);
        }
        None => {
            crate::ui::println(&common::info_header("open"));
            lc::print("\n{INFO}Available containers of the current user:{RESET}");
            lc::choose(&everyone)?
        }
    };
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());

    if lc::is_running(ctx, tag) {
        say(name, " {NEUTRAL}container already running.{RESET}");
    } else {
        say(name, " {NEUTRAL}starting container...{RESET}");
        lc::start_quietly(ctx, tag);
    }
    say(name, " {NEUTRAL}opening shell to container...{RESET}");
    match lc::run_shell(ctx, tag) {
        1 => say(
            name,
            " {NEUTRAL}detached from container, container keeps running.{RESET}",
        ),
        0 => say(
            name,
            " {NEUTRAL}container shell closed successfully..{RESET}",
        ),
        _ => {}
    }
    if lc::is_active(ctx, tag) {
        say(name, "{NEUTRAL} container is active, kept running.{RESET}");
    } else {
        say(
            name,
            "{NEUTRAL} container is inactive, stopping container ...{RESET}",
        );
        lc::stop_quietly(ctx, tag);
        say(name, "{NEUTRAL} container stopped.{RESET}\n");
    }
    Ok(0)
}
