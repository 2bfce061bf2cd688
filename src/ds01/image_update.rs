//! `image-update [image-name] [--add PKGS] [-r FILE] [--add-system PKGS]
//! [--rebuild] [--edit] [--guided] [--no-cache]`: change an image's
//! Dockerfile and rebuild the image (reference §3.12).
//!
//! Steps: pick or resolve the image (the caller's only: a name in
//! another user's namespace, or a shared image such as a catalog one, is
//! "not found" — the original would rebuild any image it could see,
//! overwriting a shared tag), find its Dockerfile, edit it (one of the
//! quick modes, or the menu), then rebuild and offer to recreate the
//! container (`rebuild.rs`).

mod dockerfile;
mod interactive;
mod packages;
mod rebuild;
pub(crate) mod requirements;

use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::image_list::{
    self as images, go_time, home, info_field, info_file, parse_command, reference_page,
    ImageTable, Pages, Request,
};
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BLUE, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use std::path::PathBuf;

/// The command line, read.
#[derive(Debug, Clone, Default)]
struct Options {
    name: Option<String>,
    add: Option<String>,
    requirements: Option<String>,
    add_system: Option<String>,
    rebuild: bool,
    edit: bool,
    guided: bool,
    no_cache: bool,
}

/// The image being updated and how.
pub(super) struct Update {
    /// `ds01-UID/NAME`.
    pub repo: String,
    pub dockerfile: PathBuf,
    pub home: PathBuf,
    pub no_cache: bool,
    pub rebuild_only: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("image-update").map_err(|e| Failure::stderr(70, e))?;
    let pages = Pages {
        info: &|s| reference_page(s, INFO_TITLE, INFO_USAGE, INFO_BODY),
        concepts: &|_| expand(CONCEPTS),
    };
    let unknown = |arg: &str| format!("{RED}Unknown option: {arg}{NC}\n");
    let too_many = format!("{RED}Multiple image names specified{NC}\n");
    let m = match parse_command(&spec, args, &pages, &unknown, Some((1, &too_many)))? {
        Request::Page(page) => {
            ctx.out(&page);
            return Ok(0);
        }
        Request::Run(m) => m,
    };
    let text = |dest: &str| m.value(dest).filter(|v| !v.is_empty()).map(str::to_string);
    let opts = Options {
        name: m
            .positional(0)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        add: text("add"),
        requirements: text("requirements"),
        add_system: text("add_system"),
        rebuild: m.flag("rebuild"),
        edit: m.flag("edit"),
        guided: m.flag("guided"),
        no_cache: m.flag("no_cache"),
    };
    let engine = ctx.engine()?;
    let name = match &opts.name {
        Some(name) => name.clone(),
        None => {
            let chosen = select_image(ctx, &engine)?;
            ctx.out("\n");
            chosen
        }
    };
    let repo = resolve(ctx, &engine, &name)?;
    let home = home(ctx);
    let dockerfile = find_dockerfile(ctx, &home, &repo)?;
    header(ctx, &engine, &repo, &dockerfile)?;
    let update = Update {
        repo,
        dockerfile,
        home,
        no_cache: opts.no_cache,
        rebuild_only: opts.rebuild,
    };
    edit(ctx, &opts, &update)?;
    rebuild::finish(ctx, &engine, &update)
}

/// The original's own menu of the caller's images, all on stderr; "q",
/// "Exit" and no images end the command with exit 1 (the function's
/// failure under `set -e`).
fn select_image(ctx: &mut Ctx, engine: &Engine) -> Result<String, Failure> {
    loop {
        let rule = format!("{CYAN}{}{NC}", "━".repeat(47));
        let table = ImageTable::read(engine, ctx.caller.uid)?;
        let repos = table.own_repositories();
        ctx.err(&format!(
            "\n{rule}\n{BOLD}Your Docker Images{NC}\n{rule}\n{}\n",
            table.render(table.own(), false)
        ));
        if repos.is_empty() {
            ctx.err(&format!(
                "{RED}No images found{NC}\n\nRun {GREEN}image-create{NC} to create your first image\n"
            ));
            return Err(Failure::exit(1));
        }
        let mut menu = format!(
            "{BOLD}Total: {} image(s){NC}\n\n{CYAN}Select an image to update:{NC}\n\n",
            repos.len()
        );
        for (i, repo) in repos.iter().enumerate() {
            menu.push_str(&format!(" {}) {repo}\n", i + 1));
        }
        let exit = repos.len() + 1;
        menu.push_str(&format!(" {exit}) Exit\n\n"));
        ctx.err(&menu);
        let answer = term::ask(ctx, "Select number (or 'q' to quit): ")?;
        if answer == "q" || answer == exit.to_string() {
            return Err(Failure::exit(1));
        }
        let chosen = answer
            .parse::<usize>()
            .ok()
            .filter(|_| answer.chars().all(|c| c.is_ascii_digit()))
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| repos.get(i));
        if let Some(repo) = chosen {
            return Ok(repo.clone());
        }
        ctx.err(&format!("{RED}Invalid selection. Please try again.{NC}\n"));
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// The caller's repository a name stands for; "not found" (exit 1) for
/// a missing image and for anyone else's.
fn resolve(ctx: &mut Ctx, engine: &Engine, name: &str) -> Result<String, Failure> {
    let uid = ctx.caller.uid;
    let repo = if name.starts_with("ds01-") {
        name.to_string()
    } else {
        format!("ds01-{uid}/{name}")
    };
    let table = ImageTable::read(engine, uid)?;
    if images::is_own(&repo, uid) && table.first(&repo).is_some() {
        return Ok(repo);
    }
    ctx.out(&format!(
        "{RED}✗ Image '{repo}' not found{NC}\n\nAvailable images:\n\n"
    ));
    // `image-list 2>/dev/null`: its listing only.
    let (listed, shown) = ctx.capture(|c| images::main(c, &[]));
    ctx.out(&shown.stdout);
    if let Err(failure) = listed {
        ctx.out(&failure.stdout);
    }
    ctx.out(&format!(
        "\nCreate new image with: {GREEN}image-create{NC}\n"
    ));
    Err(Failure::exit(1))
}

/// The image's Dockerfile: as its info file records, else
/// `~/workspace/NAME/Dockerfile`, else `~/dockerfiles/NAME.Dockerfile`;
/// else asked for (a path that is not a file ends the command).
fn find_dockerfile(ctx: &mut Ctx, home: &std::path::Path, repo: &str) -> Result<PathBuf, Failure> {
    let project = repo.rsplit('/').next().unwrap_or(repo);
    let recorded = info_field(&info_file(home, repo), "Dockerfile").map(PathBuf::from);
    let candidates = [
        home.join("workspace").join(project).join("Dockerfile"),
        home.join("dockerfiles")
            .join(format!("{project}.Dockerfile")),
    ];
    if let Some(found) = recorded.into_iter().chain(candidates).find(|p| p.is_file()) {
        return Ok(found);
    }
    ctx.out(&format!(
        "{RED}✗ Dockerfile not found{NC}\n\nSearched locations:\n  1. ~/workspace/{project}/Dockerfile\n  2. ~/dockerfiles/{project}.Dockerfile\n\n"
    ));
    let typed = term::ask(ctx, "Enter path to Dockerfile: ")?;
    let path = PathBuf::from(&typed);
    if !typed.is_empty() && path.is_file() {
        return Ok(path);
    }
    ctx.out(&format!("{RED}✗ File not found: {typed}{NC}\n"));
    Err(Failure::exit(1))
}

fn header(
    ctx: &mut Ctx,
    engine: &Engine,
    repo: &str,
    dockerfile: &std::path::Path,
) -> Result<(), Failure> {
    let rule = format!("{CYAN}{}{NC}", "━".repeat(47));
    let table = ImageTable::read(engine, ctx.caller.uid)?;
    let (size, created) = table
        .first(repo)
        .map(|r| (r.size_text(), go_time(r.created)))
        .unwrap_or_default();
    ctx.out(&format!(
        "\n{rule}\n{BOLD}Updating Dockerfile for Image: {CYAN}{repo}{NC}\n{rule}\n\nDockerfile: {BLUE}{}{NC}\n\n{BOLD}Current image:{NC}\n  Size:    {size}\n  Created: {created}\n",
        dockerfile.display()
    ));
    Ok(())
}

/// The Dockerfile edit the options ask for (the first of: rebuild only,
/// editor, pip packages, requirements file, apt packages, guided menu,
/// menu).
fn edit(ctx: &mut Ctx, opts: &Options, u: &Update) -> Result<(), Failure> {
    let target = interactive::Target {
        dockerfile: &u.dockerfile,
        home: &u.home,
    };
    if opts.rebuild {
        ctx.out(&format!(
            "\n{CYAN}Rebuild Mode{NC}\n\nRebuilding image from existing Dockerfile (no modifications).\n"
        ));
    } else if opts.edit {
        ctx.out("\n");
        let Some(editor) = interactive::find_editor(ctx) else {
            ctx.out(&interactive::no_editor());
            return Err(Failure::exit(1));
        };
        ctx.out(&format!("{YELLOW}Opening Dockerfile in {editor}...{NC}\n"));
        interactive::run_editor(&editor, &u.dockerfile)?;
        ctx.out("\n");
    } else if let Some(add) = &opts.add {
        ctx.out(&format!(
            "\n{CYAN}Quick Add Mode{NC}\n\n{BOLD}Adding Python packages:{NC}\n\n"
        ));
        quick_add(ctx, u, &interactive::words(add))?;
    } else if let Some(file) = &opts.requirements {
        ctx.out(&format!("\n{CYAN}Requirements Import Mode{NC}\n\n"));
        from_requirements(ctx, u, file)?;
    } else if let Some(system) = &opts.add_system {
        ctx.out(&format!(
            "\n{CYAN}Quick Add Mode{NC}\n\n{BOLD}Adding system packages:{NC}\n\n"
        ));
        packages::add_system(ctx, &u.dockerfile, &interactive::words(system))?;
        ctx.out("\n");
    } else {
        if opts.guided {
            ctx.out(&expand(GUIDED));
            term::pause(ctx, "Press Enter to continue...")?;
            ctx.out("\n");
        }
        interactive::run(ctx, &target)?;
    }
    Ok(())
}

/// Add pip packages and say how many went in.
fn quick_add(ctx: &mut Ctx, u: &Update, pkgs: &[String]) -> Result<(), Failure> {
    let added = packages::add_python(ctx, &u.dockerfile, pkgs)?;
    if added > 0 {
        ctx.out(&format!(
            "\n{GREEN}✓{NC} {added} package(s) added to Dockerfile\n"
        ));
    }
    ctx.out("\n");
    Ok(())
}

/// `-r FILE`: its packages, added like `--add`'s.
fn from_requirements(ctx: &mut Ctx, u: &Update, file: &str) -> Result<(), Failure> {
    let path = requirements::expand_home(&u.home, file);
    if !requirements::validate(ctx, &path) {
        return Err(Failure::exit(1));
    }
    let pkgs = dockerfile::requirements_packages(&packages::read(&path)?);
    let short = images::tilde(&u.home, &path.display().to_string());
    ctx.out(&format!(
        "{GREEN}✓{NC} Will install {BOLD}{}{NC} packages from: {CYAN}{short}{NC}\n\n{DIM}Packages: {}{NC}\n\n",
        pkgs.len(),
        pkgs.join(" ")
    ));
    quick_add(ctx, u, &pkgs)
}

const GUIDED: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Updating an image, step by step{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}Why not just pip install inside the container?{NC}

  You can, to try something out: it is quick and needs no rebuild.
  But it lives only as long as that container, and nobody else can
  reproduce it.

  Written into the image's Dockerfile, a package is there in every
  container you make from the image, today and after a rebuild, and
  the Dockerfile documents it.  The price: a rebuild of a few minutes.

{BOLD}A good routine:{NC}

  1. {CYAN}Try{NC} a package with pip install in the container
  2. {CYAN}Check{NC} that your code works with it
  3. {CYAN}Keep{NC} it: add it here (this command)
  4. {CYAN}Recreate{NC} the container from the rebuilt image

{BOLD}Versions:{NC}

  • {CYAN}pandas{NC}           the newest release
  • {CYAN}pandas==1.5.3{NC}    exactly 1.5.3
  • {CYAN}pandas>=2.0.0{NC}    2.0.0 or newer
  • {CYAN}pandas~=1.5.0{NC}    the newest 1.5.x\n\n";

const INFO_TITLE: &str = "ds01: image-update, the full reference";

const INFO_USAGE: &str = "{BOLD}Usage:{NC}
  image-update [image-name] [options]
  image-update                    # Interactive selection\n";

const INFO_BODY: &str = "\
Changes the Dockerfile of one of your images and rebuilds the image.
The image is named my-project or ds01-<your uid>/my-project; without a
name you pick it from a menu.  Only your own images can be updated.

The Dockerfile is the one image-create recorded, else
~/workspace/<name>/Dockerfile, else ~/dockerfiles/<name>.Dockerfile.
Each edit keeps the previous file as Dockerfile.bak until the rebuild
succeeds.  For a project-init Dockerfile, packages go into the
requirements.txt beside it.

Without an option a menu shows the packages and lets you add, import,
remove or edit before the rebuild.  After the rebuild, a container of
the same name can be recreated from the new image on the spot.

Related: image-create, image-list, image-delete; container-retire and
container-deploy to move a container onto the new image.";

const CONCEPTS: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Updating images on ds01{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}The Dockerfile{NC} is the recipe of your image; {BOLD}the image{NC} is
  what building the recipe produced.  image-update edits the recipe
  and builds it again.

{BOLD}Update or create?{NC}
  {GREEN}image-update{NC} adds, removes or pins packages of an image you have.
  {GREEN}image-create{NC} starts over, for instance with another framework.

{BOLD}The build cache:{NC} unchanged steps are reused, so rebuilds are
  quick; --no-cache builds every step again.

{BOLD}Containers keep their image:{NC} a container made before the update
  still runs the old image until it is recreated (image-update offers
  that, or use container-retire and container-deploy).

Try {GREEN}image-update{NC} (pick from a menu) or {GREEN}image-update my-project{NC}.\n\n";
