//! `mlc remove`: delete a stopped container and its image.

use super::flow::{self, say, Texts};
use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::error::Outcome;

const CAN_BE_REMOVED: &str =
    "\n{INFO}The following no running containers of the current user can be removed:{RESET}";
const ALL_RUNNING: &str = "\n{ERROR}All containers are running.\nIf you want to remove a container, stop it before using:{RESET}{HINT}\nmlc stop container_name{RESET}";

const TEXTS: Texts = Texts {
    command: "remove",
    eligible: |c| !c.running,
    none_eligible: [Some(ALL_RUNNING), Some(ALL_RUNNING)],
    chosen: " {NEUTRAL}is not running and will be removed.{RESET}",
    ineligible: " {ERROR}exists and is running. Not possible to be removed.{RESET}",
    ineligible_ends: false,
    // The original's missing RESET lets the colour run on.
    does_not_exist: " {ERROR}does not exist.",
    menu_after_error:
        "\n{INFO}The following no running containers of the current user can be removed:{RESET} ",
    menu: CAN_BE_REMOVED,
    missing_name: "\n{ERROR}Container name is missing.{RESET}",
    confirms: true,
};

pub fn run(ctx: &mut Ctx, m: &Matches) -> Outcome {
    let chosen = flow::select(ctx, &TEXTS, m)?;
    let (name, tag) = (chosen.name.as_str(), chosen.tag.as_str());
    // The image is the container's own (the original looked it up with an
    // unanchored name filter: see docs/deviations.md).
    // A setup container left by an interrupted create runs the catalog's
    // image, which is nobody's to delete.
    let image = if chosen.setup {
        Ok(None)
    } else {
        container_image(ctx, tag)
    };
    say(ctx, name, " {NEUTRAL}deleting container ...{RESET}");
    if let Err(e) = ctx.engine().and_then(|e| e.remove_container(tag)) {
        ctx.err(&format!("{e}\n"));
    }
    flow::print(ctx, "\n{NEUTRAL}Deleting related image ...{RESET}");
    match image {
        Ok(Some(image)) => delete_image(ctx, &image),
        Ok(None) => {}
        Err(e) => ctx.err(&format!("{e}\n")),
    }
    say(ctx, name, " {NEUTRAL}container removed.{RESET}\n");
    Ok(0)
}

/// What `docker ps` shows as the container's image: the name it was made
/// from while that name still means the same image, else the image id.
fn container_image(ctx: &mut Ctx, tag: &str) -> Result<Option<String>, crate::engine::EngineError> {
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
fn delete_image(ctx: &mut Ctx, image: &str) {
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
            ctx.out(&text);
        }
        Err(e) => ctx.err(&format!("{e}\n")),
    }
}
