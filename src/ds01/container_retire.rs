//! `container-retire [name] [options]` (reference §4.2): stop a container,
//! offer to keep what was pip-installed in it, remove it through
//! `container-remove` (in this process, its banner silenced), free its GPU
//! and offer to delete its image.
//!
//! Fixed on purpose (§12.14): with no name and no running container the
//! original died under `set -e`; here it falls back to the stopped ones,
//! and says `No containers to retire.` (exit 0) when there are none.

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::owned::{self, Which};
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};

/// What the command line asks for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub name: Option<String>,
    pub guided: bool,
    pub force: bool,
    pub skip_initial_confirm: bool,
    pub dry_run: bool,
    pub save_packages: bool,
    pub images: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("container-retire").map_err(|e| Failure::stderr(70, e))?;
    let Some(m) = crate::ds01::run_or_page(ctx, parse::parse(&spec, args)?) else {
        return Ok(0);
    };
    let names: Vec<String> = m.positionals.iter().flatten().cloned().collect();
    if names.len() > 1 {
        return Err(parse::refusal(&spec, "Too many arguments"));
    }
    let options = Options {
        name: names.into_iter().next(),
        guided: m.flag("guided"),
        force: m.flag("force"),
        skip_initial_confirm: m.flag("skip_initial_confirm"),
        dry_run: m.flag("dry_run"),
        save_packages: m.flag("save_packages"),
        images: m.flag("images"),
    };
    ctx.orchestrated("retire", |ctx| retire(ctx, &options))
}

/// The whole retirement, as the orchestrator runs it.
pub fn retire(ctx: &mut Ctx, o: &Options) -> Outcome {
    ctx.out("\n");
    term::banner(ctx, "DS01 Container Retire");
    ctx.out("\n");
    if o.guided {
        ctx.out(&expand(GUIDED_INTRO));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    let Some(name) = chosen_name(ctx, o)? else {
        return Ok(0);
    };
    let engine = ctx.engine()?;
    let Some(container) = owned::find(&engine, ctx.caller.uid, &name)? else {
        ctx.out(&format!("{RED}✗ Container '{name}' not found{NC}\n"));
        return Ok(1);
    };
    let running = container.state() == "running";
    if o.dry_run {
        ctx.out(&dry_run(&name, running));
        return Ok(0);
    }
    if !o.force && !o.skip_initial_confirm && !confirmed(ctx, o, &name, running)? {
        ctx.out("Cancelled.\n");
        return Ok(0);
    }
    if running && !o.force {
        offer_to_keep_packages(ctx, &engine, o, &name, &container.tag)?;
    }
    if running {
        stop(ctx, &engine, o, &container.tag)?;
    }
    remove(ctx, o, &name, running)?;
    clean_up_image(ctx, &engine, o, &name)?;
    Ok(0)
}

/// The name given, or one picked from the running containers, then the
/// stopped ones; `None` when there is nothing to retire.
fn chosen_name(ctx: &mut Ctx, o: &Options) -> Result<Option<String>, Failure> {
    if let Some(name) = &o.name {
        return Ok(Some(name.clone()));
    }
    ctx.out(&format!("{CYAN}Select container to retire:{NC}\n\n"));
    if let Some(name) = owned::select_container(ctx, Which::Running)? {
        ctx.out("\n");
        return Ok(Some(name));
    }
    ctx.out(&format!("\n{YELLOW}No running containers found.{NC}\n\n"));
    if let Some(name) = owned::select_container(ctx, Which::Stopped)? {
        ctx.out("\n");
        return Ok(Some(name));
    }
    ctx.out(&format!("\n{YELLOW}No containers to retire.{NC}\n"));
    Ok(None)
}

fn dry_run(name: &str, running: bool) -> String {
    let mut text =
        format!("{YELLOW}━━━ DRY RUN MODE ━━━{NC}\n\nWould retire container: {CYAN}{name}{NC}\n\n");
    if running {
        text.push_str(&format!("  {DIM}1. Stop container{NC}\n"));
    }
    for step in [
        "2. Prompt to save changes to image",
        "3. Remove container",
        "4. Release GPU allocation",
    ] {
        text.push_str(&format!("  {DIM}{step}{NC}\n"));
    }
    text.push('\n');
    text
}

fn confirmed(ctx: &mut Ctx, o: &Options, name: &str, running: bool) -> Result<bool, Failure> {
    ctx.out(&format!(
        "{YELLOW}⚠ This will stop & remove container: {BOLD}{name}{NC}\n\n"
    ));
    if o.guided {
        ctx.out(&guided_what_happens(name, running));
    }
    let yes = term::confirm(ctx, "Continue? [y/N]: ")?;
    if yes {
        ctx.out("\n");
    }
    Ok(yes)
}

/// Packages pip-installed in the container that its image lacks: offered
/// to be committed to the image (or committed at once, `--save-packages`).
fn offer_to_keep_packages(
    ctx: &mut Ctx,
    engine: &Engine,
    o: &Options,
    name: &str,
    tag: &str,
) -> Result<(), Failure> {
    let Some(image) = engine.inspect_container(tag)?.config.and_then(|c| c.image) else {
        return Ok(());
    };
    let new = new_packages(engine, tag, &image);
    if new.is_empty() {
        return Ok(());
    }
    ctx.out(&packages_found(&new));
    let list = new.join(" ");
    if o.save_packages {
        ctx.out(&format!(
            "{CYAN}Committing changes to image (--save-packages)...{NC}\n"
        ));
        commit(ctx, engine, tag, &image);
        ctx.out("\n");
        return Ok(());
    }
    if o.guided {
        ctx.out(&expand(GUIDED_PRESERVE));
    }
    ctx.out(&format!(
        "{BOLD}Recommended:{NC} Update Dockerfile with:\n  {GREEN}image-update {name} --add \"{list}\"{NC}\n\n"
    ));
    if term::confirm(ctx, "Save via docker commit instead? [y/N]: ")? {
        ctx.out(&format!("\n{CYAN}Committing changes to image...{NC}\n"));
        commit(ctx, engine, tag, &image);
    } else {
        ctx.out(&format!(
            "\nSkipped. To add permanently: {GREEN}image-update {name} --add \"{list}\"{NC}\n"
        ));
    }
    ctx.out("\n");
    Ok(())
}

/// Names of pip packages in the container and not in its image, sorted;
/// empty when either list cannot be had.
fn new_packages(engine: &Engine, tag: &str, image: &str) -> Vec<String> {
    let Ok(inside) = engine.exec_output(tag, &["pip", "list", "--format=freeze"]) else {
        return Vec::new();
    };
    let inside = package_names(&inside.stdout);
    if inside.is_empty() {
        return Vec::new();
    }
    let base = engine
        .run_output(image, "pip", &["list", "--format=freeze"])
        .map(|out| package_names(&out))
        .unwrap_or_default();
    if base.is_empty() {
        return Vec::new();
    }
    inside.into_iter().filter(|p| !base.contains(p)).collect()
}

/// `cut -d= -f1 | sort -u` of `pip list --format=freeze`.
fn package_names(freeze: &str) -> Vec<String> {
    let mut names: Vec<String> = freeze
        .lines()
        .map(|l| l.split('=').next().unwrap_or("").to_string())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn packages_found(new: &[String]) -> String {
    let mut text = format!(
        "{CYAN}━━━ New Packages Detected ━━━{NC}\n\n{YELLOW}Found {BOLD}{}{NC} new package(s) installed:\n\n",
        new.len()
    );
    let shown = if new.len() <= 10 { new.len() } else { 8 };
    for p in &new[..shown] {
        text.push_str(&format!("  - {CYAN}{p}{NC}\n"));
    }
    if shown < new.len() {
        text.push_str(&format!("  {DIM}... and {} more{NC}\n", new.len() - 8));
    }
    text.push('\n');
    text
}

/// `docker commit TAG IMAGE`: the container's changes onto its image.
fn commit(ctx: &mut Ctx, engine: &Engine, tag: &str, image: &str) {
    let (repo, version) = crate::engine::split_reference(image);
    match engine.commit(tag, repo, version.unwrap_or("latest")) {
        Ok(_) => ctx.out(&format!("{GREEN}OK{NC} Changes saved to image\n")),
        Err(_) => ctx.out(&format!("{YELLOW}Warning:{NC} Failed to commit changes\n")),
    }
}

fn stop(ctx: &mut Ctx, engine: &Engine, o: &Options, tag: &str) -> Result<(), Failure> {
    section(ctx, "Step 1/2: Stopping Container");
    if o.guided {
        ctx.out(&format!(
            "{CYAN}ℹ {NC}{BOLD}Stopping the container...{NC}\n\n  This will gracefully shut down all processes.\n\n"
        ));
    }
    crate::ds01::container_session::stop_keep_alive(ctx, engine, tag);
    ctx.out(&format!("{CYAN}Stopping container...{NC}\n"));
    if engine.stop_within(tag, 10).is_err() {
        return Err(Failure::stdout(
            1,
            format!("{RED}✗ Failed to stop container{NC}\n"),
        ));
    }
    ctx.out(&format!("{GREEN}✓{NC} Container stopped\n\n"));
    Ok(())
}

fn section(ctx: &mut Ctx, title: &str) {
    term::banner(ctx, title);
    ctx.out("\n");
}

/// `container-remove NAME --skip-removal-confirm --skip-save-prompt`, in
/// this process; its failure ends the retirement.
fn remove(ctx: &mut Ctx, o: &Options, name: &str, was_running: bool) -> Result<(), Failure> {
    section(
        ctx,
        if was_running {
            "Step 2/2: Removing Container"
        } else {
            "Removing Container"
        },
    );
    let mut args = vec![
        name.to_string(),
        "--skip-removal-confirm".into(),
        "--skip-save-prompt".into(),
    ];
    if o.guided {
        args.push("--guided".into());
    }
    if o.force {
        args.push("--force".into());
    }
    let removed = crate::ds01::container_remove::main(ctx, &args).unwrap_or_else(|f| {
        ctx.out(&f.stdout);
        ctx.err(&f.stderr);
        f.code
    });
    if removed != 0 {
        return Err(Failure::stdout(1, retire_failed(name)));
    }
    ctx.out(&retired(o, name, was_running));
    Ok(())
}

fn retire_failed(name: &str) -> String {
    format!(
        "\n{RED}✗ Container retirement failed{NC}\n\n{YELLOW}Try manually:{NC}\n  {GREEN}container-stop {name}{NC}\n  {GREEN}container-remove {name}{NC}\n\n"
    )
}

fn retired(o: &Options, name: &str, was_running: bool) -> String {
    let rule = format!("{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}");
    let mut text =
        format!("\n{rule}\n{GREEN}{BOLD}✓ Container Retired Successfully!{NC}\n{rule}\n\n");
    if o.guided {
        text.push_str(&guided_done(name, was_running));
        return text;
    }
    let what = if was_running {
        "Container stopped and removed"
    } else {
        "Container removed"
    };
    text.push_str(&format!(
        "{BOLD}Summary:{NC}\n  {GREEN}✓{NC} {what}\n  {GREEN}✓{NC} GPU freed immediately\n\n\
         {DIM}Workspace files safe in: ~/workspace/{name}/{NC}\n\n\
         {BOLD}To recreate:{NC}  {GREEN}container deploy {name}{NC}\n\n"
    ));
    text
}

/// After the retirement: the image `ds01-UID/NAME:latest`, when there is
/// one, removed (`--images`) or offered for removal (unless `-f`).
fn clean_up_image(ctx: &mut Ctx, engine: &Engine, o: &Options, name: &str) -> Result<(), Failure> {
    let image = format!("ds01-{}/{name}:latest", ctx.caller.uid);
    let Some(found) = engine.inspect_image(&image)? else {
        return Ok(());
    };
    let size = crate::engine::decimal_size(found.size.unwrap_or(0) as f64);
    let dockerfile = dockerfile_size(&ctx.caller.home, name);
    if o.images {
        ctx.out(&format!(
            "{CYAN}━━━ Removing Docker Image (--images) ━━━{NC}\n\n  Image: {BOLD}{image}{NC} ({size})\n"
        ));
        remove_image(ctx, engine, &image, name, dockerfile.is_some());
        ctx.out("\n");
        return Ok(());
    }
    if o.force {
        return Ok(());
    }
    ctx.out(&format!("{CYAN}━━━ Image Cleanup (Optional) ━━━{NC}\n\n"));
    if o.guided {
        ctx.out(&expand(GUIDED_IMAGES));
    }
    ctx.out(&format!("  Image: {BOLD}{image}{NC} ({size})\n"));
    if let Some(df) = &dockerfile {
        ctx.out(&format!(
            "  Dockerfile: {GREEN}OK{NC} ~/dockerfiles/{name}.Dockerfile ({df})\n"
        ));
    }
    ctx.out(&format!(
        "\n  {GREEN}Default: Keep image{NC} (faster next deploy)\n"
    ));
    if term::confirm(ctx, "Also remove the Docker image? [y/N]: ")? {
        remove_image(ctx, engine, &image, name, dockerfile.is_some());
    } else {
        ctx.out(&format!("{DIM}Image kept for faster redeployment{NC}\n"));
    }
    ctx.out("\n");
    Ok(())
}

fn remove_image(ctx: &mut Ctx, engine: &Engine, image: &str, name: &str, has_dockerfile: bool) {
    if engine.remove_image(image, false).is_err() {
        ctx.out(&format!(
            "{YELLOW}Warning:{NC} Could not remove image (may be in use)\n"
        ));
        return;
    }
    ctx.out(&format!("{GREEN}OK{NC} Image removed\n"));
    if has_dockerfile {
        ctx.out(&format!(
            "{DIM}  (Can rebuild with: image-create {name}){NC}\n"
        ));
    }
}

/// `du -h ~/dockerfiles/NAME.Dockerfile`, when that (legacy) file exists.
fn dockerfile_size(home: &str, name: &str) -> Option<String> {
    let path = std::path::Path::new(home)
        .join("dockerfiles")
        .join(format!("{name}.Dockerfile"));
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_file().then(|| du_size(meta.len()))
}

/// `du -h` of a small file: disk blocks of 4K.
fn du_size(len: u64) -> String {
    let blocks = len.div_ceil(4096).max(1) * 4;
    format!("{blocks}K")
}

fn guided_what_happens(name: &str, running: bool) -> String {
    let steps: &[&str] = if running {
        &[
            "The container is stopped",
            "Every process in it ends",
            "You may keep changes in its image (optional)",
            "The container is removed",
            "Its GPU goes back to the pool at once",
        ]
    } else {
        &[
            "You may keep changes in its image (optional)",
            "The container is removed",
            "Its GPU goes back to the pool at once",
        ]
    };
    let mut text = format!("{BOLD}What happens next:{NC}\n");
    for (i, step) in steps.iter().enumerate() {
        text.push_str(&format!("  {}. {step}\n", i + 1));
    }
    text.push_str(&format!(
        "\n{BOLD}What you keep:{NC}\n  • {GREEN}Your files{NC} in ~/workspace/{name}/\n  • {GREEN}Dockerfiles{NC}\n  • {GREEN}Images{NC}\n\n"
    ));
    text
}

fn guided_done(name: &str, was_running: bool) -> String {
    let mut text = format!("{BOLD}Done:{NC}\n\n");
    if was_running {
        text.push_str(&format!("  {GREEN}✓{NC} Container stopped\n"));
    }
    text.push_str(&format!(
        "  {GREEN}✓{NC} Container removed\n  {GREEN}✓{NC} GPU given back\n\n\
         {BOLD}Still yours:{NC}\n  {GREEN}✓{NC} Files: ~/workspace/{name}/\n  {GREEN}✓{NC} Image: ready for the next deploy\n\n\
         {BOLD}To start again:{NC}\n  {GREEN}container deploy {name}{NC}\n\n"
    ));
    text
}

const GUIDED_INTRO: &str = "{CYAN}ℹ {NC}{BOLD}What does retiring do?{NC}\n\n  It ends a container for good:\n  • {BOLD}stops{NC} what runs in it,\n  • {BOLD}removes{NC} the container,\n  • {BOLD}gives back{NC} its GPU to everyone at once.\n\n{BOLD}Nothing of yours is lost:{NC}\n  • {GREEN}✓{NC} files under ~/workspace/\n  • {GREEN}✓{NC} Dockerfiles and images\n\n{BOLD}Whenever you need it again:{NC}\n  {GREEN}container deploy <name>{NC}  {DIM}# a fresh container from the image{NC}\n\n";

const GUIDED_PRESERVE: &str = "{BOLD}Two ways to keep these packages:{NC}\n\n  {BOLD}1. Add them to the image's Dockerfile (better){NC}\n     Rebuilds give you the same packages every time\n\n  {BOLD}2. Commit the container to its image (quick){NC}\n     Lost the next time the image is rebuilt from its Dockerfile\n\n";

const GUIDED_IMAGES: &str = "{CYAN}i{NC} {BOLD}About images:{NC}\n  - The image is what containers are made from\n  - Kept, the next deploy is fast\n  - Removed, it frees disk space and is rebuilt next time\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_are_cut_sorted_and_unique() {
        let freeze = "torch==2.5.1\nnumpy==1.26\nnumpy==1.26\n\nrequests==2.31.0\n";
        assert_eq!(package_names(freeze), ["numpy", "requests", "torch"]);
    }

    #[test]
    fn long_package_lists_are_cut_after_eight() {
        let many: Vec<String> = (0..12).map(|i| format!("p{i:02}")).collect();
        let text = packages_found(&many);
        assert!(text.contains("p07"));
        assert!(!text.contains("p08"));
        assert!(text.contains("... and 4 more"));
    }

    #[test]
    fn dry_run_lists_the_stop_only_for_a_running_container() {
        assert!(dry_run("demo", true).contains("1. Stop container"));
        assert!(!dry_run("demo", false).contains("1. Stop container"));
    }

    #[test]
    fn du_rounds_up_to_blocks() {
        assert_eq!(du_size(10), "4K");
        assert_eq!(du_size(5000), "8K");
    }
}
