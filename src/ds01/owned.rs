//! "My containers" and "my images" as DS01's commands and
//! `interactive-select.sh` find them, and the menus that pick one.
//!
//! The originals matched `docker ps --filter name=._.UID`, a substring
//! match (`._.2001` also matches `x._.20011`); here a container is the
//! caller's only when its tag parses to exactly the caller's uid, and an
//! image only when its repository is exactly `ds01-UID/...`.

use crate::context::Ctx;
use crate::engine::{ContainerSummary, Engine, EngineError};
use crate::error::Failure;
use crate::model::tag::ContainerTag;
use crate::ui::ds01::{self as term, CYAN, GREEN, NC, YELLOW};

/// Which of the caller's containers (`select_container`'s filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    /// What `docker ps` lists: running, paused or restarting.
    Running,
    /// `status=exited` only (not `created`).
    Stopped,
}

/// One of the caller's containers.
#[derive(Debug, Clone)]
pub struct Owned {
    /// The name the user knows it by (`demo`).
    pub name: String,
    /// The docker name (`demo._.2001`).
    pub tag: String,
    pub summary: ContainerSummary,
}

impl Owned {
    pub fn state(&self) -> &str {
        self.summary
            .state
            .as_ref()
            .map(|s| s.as_ref())
            .unwrap_or("")
    }
}

/// Whether `state` (the engine's word) is one `docker ps` lists.
pub fn listed_by_ps(state: &str) -> bool {
    matches!(state, "running" | "paused" | "restarting")
}

/// The caller's containers as `docker ps -a --filter name=._.UID` lists
/// them (newest first), kept only where the tag names exactly the caller's
/// uid (the engine's name filter is a substring match); `size` adds their
/// disk sizes.
pub fn listed(engine: &Engine, uid: u32, size: bool) -> Result<Vec<Owned>, EngineError> {
    Ok(engine
        .containers_named(&format!(r"\._\.{uid}$"), size)?
        .into_iter()
        .filter_map(|summary| {
            let tag = ContainerTag::parse(summary.names.as_ref()?.first()?);
            tag.belongs_to(uid).then(|| Owned {
                name: tag.name.clone(),
                tag: tag.to_string(),
                summary,
            })
        })
        .collect())
}

/// The caller's containers of kind `which`, sorted by name.
pub fn containers(engine: &Engine, uid: u32, which: Which) -> Result<Vec<Owned>, EngineError> {
    let mut mine: Vec<Owned> = listed(engine, uid, false)?
        .into_iter()
        .filter(|o| match which {
            Which::All => true,
            Which::Running => listed_by_ps(o.state()),
            Which::Stopped => o.state() == "exited",
        })
        .collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(mine)
}

/// The caller's container named `name` (the base name), if it exists.
pub fn find(engine: &Engine, uid: u32, name: &str) -> Result<Option<Owned>, EngineError> {
    find_sized(engine, uid, name, false)
}

/// [`find`], with the container's disk sizes when `size`.
pub fn find_sized(
    engine: &Engine,
    uid: u32,
    name: &str,
    size: bool,
) -> Result<Option<Owned>, EngineError> {
    Ok(listed(engine, uid, size)?
        .into_iter()
        .find(|o| o.name == name))
}

/// `select_container [all|running|stopped]`: the menu of the caller's
/// containers, or `None` after saying there are none (stderr).
pub fn select_container(ctx: &mut Ctx, which: Which) -> Result<Option<String>, Failure> {
    let engine = ctx.engine()?;
    let names: Vec<String> = containers(&engine, ctx.caller.uid, which)?
        .into_iter()
        .map(|o| o.name)
        .collect();
    let (none, title) = match which {
        Which::Running => ("No running containers found", "Select running container:"),
        Which::Stopped => ("No stopped containers found", "Select stopped container:"),
        Which::All => ("No containers found", "Select container:"),
    };
    if names.is_empty() {
        ctx.err(&format!("{YELLOW}{none}{NC}\n"));
        return Ok(None);
    }
    select_named(ctx, title, &names).map(Some)
}

/// The caller's image repositories (`ds01-UID/NAME`), sorted, unique.
pub fn images(engine: &Engine, uid: u32) -> Result<Vec<String>, EngineError> {
    let prefix = format!("ds01-{uid}/");
    let mut repos: Vec<String> = engine
        .list_images(false)?
        .into_iter()
        .flat_map(|i| i.repo_tags)
        .filter_map(|t| {
            let (repo, _) = crate::engine::split_reference(&t);
            (repo.starts_with(&prefix) && repo.len() > prefix.len()).then(|| repo.to_string())
        })
        .collect();
    repos.sort();
    repos.dedup();
    Ok(repos)
}

/// `select_image`: the menu of the caller's images, or `None` after
/// saying there are none (stderr).
pub fn select_image(ctx: &mut Ctx) -> Result<Option<String>, Failure> {
    let engine = ctx.engine()?;
    let repos = images(&engine, ctx.caller.uid)?;
    if repos.is_empty() {
        ctx.err(&format!(
            "{YELLOW}No custom images found{NC}\n{CYAN}Tip:{NC} Create an image with: {GREEN}image-create my-project{NC}\n"
        ));
        return Ok(None);
    }
    select_named(ctx, "Select image:", &repos).map(Some)
}

/// `select_from_list`: the title in cyan, a blank line, then the menu.
fn select_named(ctx: &mut Ctx, title: &str, items: &[String]) -> Result<String, Failure> {
    let title = format!("{CYAN}{title}{NC}\n");
    term::select(ctx, &title, items).map(str::to_string)
}
