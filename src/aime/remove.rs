//! `mlc remove`: delete a stopped container and its image.

use super::common::{self, require_containers, Mine};
use super::lifecycle::{self as lc, say};
use super::Context;
use crate::cli::argparse::Matches;
use crate::error::Outcome;
use crate::ui::{self, prompt};

pub fn run(ctx: &mut Context, m: &Matches) -> Outcome {
    prompt::exit_on_ctrl_c();
    let mine = match require_containers(ctx, "remove") {
        Ok(mine) => mine,
        Err(outcome) => return outcome,
    };
    let script = m.flag("script");
    let force = m.flag("force");
    let stopped: Vec<&Mine> = mine.iter().filter(|c| !c.running).collect();
    if stopped.is_empty() {
        lc::print(
            "\n{ERROR}All containers are running.\nIf you want to remove a container, stop it before using:{RESET}{HINT}\nmlc stop container_name{RESET}",
        );
        lc::list_all_users(ctx)?;
        return Ok(0);
    }
    const CAN_BE_REMOVED: &str =
        "\n{INFO}The following no running containers of the current user can be removed:{RESET}";
    let (chosen, ask) = match m.positional(0) {
        Some(name) => match lc::find(&mine, name) {
            Some(c) if !c.running => {
                say(name, " {NEUTRAL}is not running and will be removed.{RESET}");
                if !script && !force {
                    lc::print("\n{HINT}Hint: Use the flag -f or --force to avoid be asked.{RESET}");
                }
                (c.clone(), !force)
            }
            Some(_) if script => {
                say(
                    name,
                    " {ERROR}exists and is running. Not possible to be removed.{RESET}\n",
                );
                return Ok(1);
            }
            Some(_) => {
                say(
                    name,
                    " {ERROR}exists and is running. Not possible to be removed.{RESET}",
                );
                lc::print(&format!("{CAN_BE_REMOVED} "));
                (lc::choose(&stopped)?, true)
            }
            // The original's missing RESET lets the colour run on.
            None if script => {
                say(name, " {ERROR}does not exist.\n");
                return Ok(1);
            }
            None => {
                say(name, " {ERROR}does not exist.");
                lc::print(&format!("{CAN_BE_REMOVED} "));
                (lc::choose(&stopped)?, true)
            }
        },
        None if script => {
            lc::print("\n{ERROR}Container name is missing.{RESET}");
            ui::println(&common::info_header("remove"));
            return Ok(1);
        }
        None => {
            ui::println(&common::info_header("remove"));
            lc::print(CAN_BE_REMOVED);
            (lc::choose(&stopped)?, true)
        }
    };
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());
    if ask && !lc::confirm(name, "remove", script)? {
        return Ok(0);
    }
    // The image is the container's own (the original looked it up with an
    // unanchored name filter: see docs/deviations.md).
    let image = container_image(ctx, tag);
    say(name, " {NEUTRAL}deleting container ...{RESET}");
    if let Err(e) = ctx.engine().and_then(|e| e.remove_container(tag)) {
        ui::err(&format!("{e}\n"));
    }
    lc::print("\n{NEUTRAL}Deleting related image ...{RESET}");
    match image {
        Ok(Some(image)) => delete_image(ctx, &image),
        Ok(None) => {}
        Err(e) => ui::err(&format!("{e}\n")),
    }
    say(name, " {NEUTRAL}container removed.{RESET}\n");
    Ok(0)
}

/// What `docker ps` shows as the container's image: the name it was made
/// from while that name still means the same image, else the image id.
fn container_image(
    ctx: &mut Context,
    tag: &str,
) -> Result<Option<String>, crate::engine::EngineError> {
    let engine = ctx.engine()?;
    let container = engine.inspect_container(tag)?;
    if container.name.as_deref() != Some(&format!("/{tag}")) {
        return Ok(None);
    }
    let id = container.image.unwrap_or_default();
    let reference = container.config.and_then(|c| c.image).unwrap_or_default();
    if !reference.is_empty()
        && reference != id
        && engine.inspect_image(&reference)?.and_then(|i| i.id) == Some(id.clone())
    {
        return Ok(Some(reference));
    }
    Ok((!id.is_empty()).then_some(id))
}

/// `docker image rm IMAGE`: its `Untagged:`/`Deleted:` lines on stdout, an
/// error on stderr.
fn delete_image(ctx: &mut Context, image: &str) {
    match ctx.engine().and_then(|e| e.remove_image(image, false)) {
        Ok(items) => {
            let mut text = String::new();
            for item in items {
                match (item.deleted, item.untagged) {
                    (Some(d), _) if !d.is_empty() => text.push_str(&format!("Deleted: {d}\n")),
                    (_, Some(u)) => text.push_str(&format!("Untagged: {u}\n")),
                    _ => {}
                }
            }
            ui::out(&text);
        }
        Err(e) => ui::err(&format!("{e}\n")),
    }
}
