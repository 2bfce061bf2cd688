//! `mlc start`: start a stopped container, optionally running a command in
//! it.

use super::common::{self, require_containers, Mine};
use super::lifecycle::{self as lc, say};
use super::Context;
use crate::cli::argparse::Matches;
use crate::error::{Failure, Outcome};
use crate::ui::{self, prompt};

pub fn run(ctx: &mut Context, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    let mine = match require_containers(ctx, "start") {
        Ok(mine) => mine,
        Err(outcome) => return outcome,
    };
    let script = m.flag("script");
    let stopped: Vec<&Mine> = mine.iter().filter(|c| !c.running).collect();
    let chosen = match m.positional(0) {
        Some(name) => match lc::find(&mine, name) {
            Some(c) if c.running => {
                say(
                    name,
                    " {ERROR}Can not be started, container is already running.{RESET}\n",
                );
                return Ok(1);
            }
            Some(c) => {
                say(name, " {NEUTRAL}is not running and will be started.{RESET}");
                c.clone()
            }
            None if script => {
                say(name, " {ERROR}does not exist.{RESET}\n");
                return Ok(1);
            }
            None => {
                say(name, " {ERROR}does not exist.{RESET}");
                if stopped.is_empty() {
                    lc::list_all_users(ctx)?;
                    return Ok(1);
                }
                lc::print(
                    "\n{INFO}The following no running containers of the current user can be started:{RESET} ",
                );
                lc::choose(&stopped)?
            }
        },
        None if stopped.is_empty() => {
            lc::print(
                "{ERROR}\nAt the moment all containers are running.\nCreate a new one and start it using:{RESET}\n{HINT}mlc start container_name{RESET}",
            );
            lc::list_all_users(ctx)?;
            return Ok(0);
        }
        None if script => {
            lc::print("\n{ERROR}Container name is missing.{RESET}");
            ui::println(&common::info_header("start"));
            return Ok(1);
        }
        None => {
            ui::println(&common::info_header("start"));
            lc::print(
                "\n{INFO}The following no running containers of the current user can be started:{RESET}",
            );
            lc::choose(&stopped)?
        }
    };
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());

    if lc::is_running(ctx, tag) {
        say(name, " {NEUTRAL}container already running.{RESET}\n");
        return Ok(0);
    }
    say(name, " {NEUTRAL}starting container...{RESET}");
    // The original did not wait for the start (a race with the command)
    // and crashed without a command; we wait (docs/deviations.md).
    let started = ctx
        .engine()
        .and_then(|e| e.start_container(tag))
        .map_err(|e| {
            Failure::stderr(
                1,
                format!("{e}\nError: failed to start containers: {tag}\n"),
            )
        });
    started?;
    match m.positional(1) {
        None => {
            say(
                name,
                &format!(
                    " {{NEUTRAL}}container started.{{RESET}}\n\n{{INFO}}To open a shell within the container, use:{{RESET}} \nmlc open {{INPUT}}{name}{{RESET}}\n"
                ),
            );
        }
        Some(command) => match lc::run_command(ctx, tag, command, m.flag("detach")) {
            0 | 1 => say(name, " {NEUTRAL}container started.{RESET}"),
            _ => {
                say(
                    name,
                    " {ERROR}error starting container, stopping container...{RESET}",
                );
                lc::stop_quietly(ctx, tag);
            }
        },
    }
    Ok(0)
}
