//! A name that is taken: the wizard's three-way menu and the four-way
//! menu of a name given on the command line, and what their choices do.

use crate::context::Ctx;
use crate::ds01::owned;
use crate::error::Failure;
use crate::model::ContainerTag;
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};

/// Whether the caller has a container of this name.  An engine that does
/// not answer has none (the original's `docker ps ... | grep` found
/// nothing); mlc-create then reports the engine.
pub fn exists(ctx: &mut Ctx, uid: u32, name: &str) -> bool {
    let Ok(engine) = ctx.engine() else {
        return false;
    };
    matches!(owned::find(&engine, uid, name), Ok(Some(_)))
}

/// What the user chose for a taken name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Keep the container; an orchestrator goes on with it.
    UseExisting,
    /// The old one is gone; create under the same name.
    Recreated,
    /// Create under this other name.
    Renamed(String),
}

/// The options both menus share (the wizard's lacks "Cancel").
fn options(with_cancel: bool) -> String {
    let mut text = format!(
        "{BOLD}What would you like to do?{NC}\n\n\
         \x20 {GREEN}1{NC}) {BOLD}Use existing container{NC}\n\
         \x20    {DIM}Start the existing container instead{NC}\n\n\
         \x20 {GREEN}2{NC}) {BOLD}Recreate container{NC}\n\
         \x20    {DIM}Delete existing and create fresh (GPU will be released & reallocated){NC}\n\n\
         \x20 {GREEN}3{NC}) {BOLD}Create with different name{NC}\n\
         \x20    {DIM}Keep existing, create new with another name{NC}\n\n"
    );
    if with_cancel {
        text.push_str(&format!("  {GREEN}4{NC}) {BOLD}Cancel{NC}\n\n"));
    }
    text
}

/// Whether "use existing" hands the container to an orchestrator instead
/// of ending (the original's test in the wizard).
pub fn for_orchestrator(ctx: &Ctx) -> bool {
    ctx.mode.orchestrator.is_some() || ctx.mode.context == "orchestration"
}

/// The wizard's menu for a taken name; `None`: the command is done (exit
/// 0) after "use existing" outside an orchestrator.
pub fn wizard_menu(ctx: &mut Ctx, uid: u32, name: &str) -> Result<Option<Choice>, Failure> {
    ctx.out(&format!(
        "\n{YELLOW}⚠ Container '{name}' already exists{NC}\n\n{}",
        options(false)
    ));
    let answer = term::ask(ctx, "Choice [1-3]: ")?;
    ctx.out("\n");
    match answer.as_str() {
        "1" => {
            ctx.out(&format!("Using existing container '{name}'\n"));
            if for_orchestrator(ctx) {
                return Ok(Some(Choice::UseExisting));
            }
            ctx.out(&format!(
                "{GREEN}Start it with: container-run {name}{NC}\n\n"
            ));
            Ok(None)
        }
        "2" => recreate(ctx, uid, name).map(|()| Some(Choice::Recreated)),
        "3" => wizard_rename(ctx, uid).map(Some),
        _ => Err(Failure::stdout(1, format!("{RED}✗ Invalid choice{NC}\n"))),
    }
}

/// "Create with different name" in the wizard: lowercased, spaces to `-`.
fn wizard_rename(ctx: &mut Ctx, uid: u32) -> Result<Choice, Failure> {
    ctx.out(&format!("{CYAN}Create with different name{NC}\n\n"));
    let answer = term::ask(ctx, "New container name: ")?;
    if answer.is_empty() {
        return Err(empty_name());
    }
    let name = super::sanitize(&answer);
    if exists(ctx, uid, &name) {
        return Err(Failure::stdout(
            1,
            format!(
                "{RED}✗ Container '{name}' also exists!{NC}\n\
                 {YELLOW}ℹ{NC} Run the command again to choose another name\n"
            ),
        ));
    }
    ctx.out(&format!("{GREEN}✓{NC} Will create container '{name}'\n\n"));
    Ok(Choice::Renamed(name))
}

fn empty_name() -> Failure {
    Failure::stdout(1, format!("{RED}✗ Container name cannot be empty{NC}\n"))
}

/// The menu for a name given on the command line; `None`: cancelled
/// (exit 0).
pub fn menu(ctx: &mut Ctx, uid: u32, name: &str) -> Result<Option<Choice>, Failure> {
    let rule = format!("{YELLOW}{}{NC}", "━".repeat(47));
    ctx.out(&format!(
        "\n{rule}\n{YELLOW}⚠  Container '{name}' already exists{NC}\n{rule}\n\n{}",
        options(true)
    ));
    let key = super::tty::ask_key(ctx, "Choice [1-4]: ")?;
    ctx.out("\n");
    match key.as_str() {
        "1" => Ok(Some(Choice::UseExisting)),
        "2" => recreate(ctx, uid, name).map(|()| Some(Choice::Recreated)),
        "3" => rename(ctx, uid).map(Some),
        _ => {
            ctx.out(&format!("{CYAN}Cancelled{NC}\n"));
            Ok(None)
        }
    }
}

/// "Create with different name" from the command line: checked, not
/// lowercased (as the original).
fn rename(ctx: &mut Ctx, uid: u32) -> Result<Choice, Failure> {
    ctx.out(&format!("{CYAN}Create with different name{NC}\n\n"));
    let name = term::ask(ctx, "New container name: ")?;
    if name.is_empty() {
        return Err(empty_name());
    }
    if !super::valid_name(&name) {
        return Err(Failure::stdout(
            1,
            format!("{RED}✗ Invalid name: use only letters, numbers, hyphens, underscores{NC}\n"),
        ));
    }
    if exists(ctx, uid, &name) {
        return Err(Failure::stdout(
            1,
            format!(
                "{RED}✗ Container '{name}' also exists!{NC}\n\
                 {YELLOW}ℹ{NC} Please choose a different name or select option 2 to recreate\n"
            ),
        ));
    }
    ctx.out(&format!("{GREEN}✓{NC} Will create container '{name}'\n\n"));
    Ok(Choice::Renamed(name))
}

/// Stop the caller's container if it runs, and remove it; its GPU is free
/// with it (the allocator reads the containers).  The original's release
/// through a `gpu-allocator-smart.py` that no longer existed, and its
/// metadata file, are gone; so are their messages.
fn recreate(ctx: &mut Ctx, uid: u32, name: &str) -> Result<(), Failure> {
    ctx.out(&format!("{CYAN}Recreating container '{name}'...{NC}\n\n"));
    let tag = ContainerTag::new(name, uid).to_string();
    let engine = ctx.engine()?;
    let running = owned::find(&engine, uid, name)
        .ok()
        .flatten()
        .is_some_and(|c| c.state() == "running");
    if running {
        ctx.out(&expand("{YELLOW}⚠{NC} Stopping running container...\n"));
        let _ = engine.stop_container(&tag);
        ctx.out(&expand("{GREEN}✓{NC} Container stopped\n"));
    }
    ctx.out(&expand("{YELLOW}⚠{NC} Removing existing container...\n"));
    if engine.remove_container_force(&tag).is_ok() {
        ctx.out(&expand("{GREEN}✓{NC} Container removed\n"));
    }
    ctx.out(&expand(
        "\n{GREEN}✓{NC} Ready to create new container...\n\n",
    ));
    Ok(())
}
