//! `mlc stop`: stop a running container.

use super::common::{self, require_containers, Mine};
use super::lifecycle::{self as lc, say};
use super::Context;
use crate::cli::argparse::Matches;
use crate::error::Outcome;
use crate::ui::{self, prompt};

pub fn run(ctx: &mut Context, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    let mine = match require_containers(ctx, "stop") {
        Ok(mine) => mine,
        Err(outcome) => return outcome,
    };
    let script = m.flag("script");
    let force = m.flag("force");
    let running: Vec<&Mine> = mine.iter().filter(|c| c.running).collect();
    const CAN_BE_STOPPED: &str =
        "\n{INFO}The following running containers of the current user can be stopped:{RESET} ";
    // Whether the confirmation is asked (never in script mode).
    let (chosen, ask) = match m.positional(0) {
        Some(_) if running.is_empty() => {
            lc::print(
                "{ERROR}\nAll containers are stopped. You cannot stop no running containers.{RESET}",
            );
            lc::list_all_users(ctx)?;
            return Ok(0);
        }
        Some(name) => match lc::find(&mine, name) {
            Some(c) if c.running => {
                say(name, " {NEUTRAL}is running and will be stopped.{RESET}");
                if !script && !force {
                    lc::print("\n{HINT}Hint: Use the flag -f or --force to avoid be asked.{RESET}");
                }
                (c.clone(), !force)
            }
            Some(_) if script => {
                say(
                    name,
                    " {ERROR}exists but is not running. Not possible to be stopped.{RESET}\n",
                );
                return Ok(1);
            }
            Some(_) => {
                say(
                    name,
                    " {ERROR}exists but is not running. Not possible to be stopped.{RESET}",
                );
                lc::print(CAN_BE_STOPPED);
                (lc::choose(&running)?, true)
            }
            None if script => {
                say(name, " {ERROR}does not exist.{RESET}\n");
                return Ok(1);
            }
            None => {
                say(name, " {ERROR}does not exist.{RESET}");
                lc::print(CAN_BE_STOPPED);
                (lc::choose(&running)?, true)
            }
        },
        None if running.is_empty() => {
            lc::print(
                "\n{ERROR}All containers are stopped. Therefore there are no one to be stopped.{RESET}",
            );
            lc::list_all_users(ctx)?;
            return Ok(0);
        }
        None if script => {
            lc::print("\n{ERROR}Container name is missing.{RESET}");
            ui::println(&common::info_header("stop"));
            return Ok(1);
        }
        None => {
            ui::println(&common::info_header("stop"));
            lc::print("\n{INFO}Running containers of the current user:{RESET}");
            (lc::choose(&running)?, true)
        }
    };
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());
    if ask && !lc::confirm(name, "stop", script)? {
        return Ok(0);
    }
    say(name, " {NEUTRAL}stopping container ...{RESET}");
    lc::stop_quietly(ctx, tag);
    say(name, " {NEUTRAL}container stopped.{RESET}\n");
    Ok(0)
}
