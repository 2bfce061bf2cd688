//! `container-remove [name] [options]`: remove stopped containers of the
//! caller (reference §3.4).  `main` is also what `container-retire` runs
//! in-process (`--skip-removal-confirm --skip-save-prompt [--force]`, its
//! banner silenced) and what `container-stop` runs under retire.
//!
//! The GPU a container held is free once it is gone: DS01 derives GPU
//! state from the containers themselves (the original's release call
//! named an allocator script that no longer exists, so it printed
//! nothing, and neither do we).  The original's offer to commit new pip
//! packages needed `docker exec` into the container, which a stopped
//! container (the only kind removed) refuses, so it never showed.
//!
//! Fixed on purpose (reference §12): `--dry-run` is honoured for one
//! container too; no stopped container to pick is "No selection made.
//! Exiting." with exit 0.  Only the caller's own things go: containers by
//! exact `NAME._.UID`, images under the caller's `ds01-UID/` name (`-i`),
//! dangling images labelled `maintainer.id=UID` (`--all -i`), and the
//! anonymous volumes of the containers removed (`-v`), never every unused
//! volume of the host.

use crate::cli::argparse::Matches;
use crate::context::Ctx;
use crate::ds01::container_stop::shared::{self, RULE};
use crate::ds01::owned::{listed_by_ps, Owned, Which};
use crate::engine::{decimal_size, split_reference, Engine};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use std::path::Path;

const DRY_RUN: &str = "{YELLOW}━━━ DRY RUN MODE ━━━{NC}\n";

/// What the command line asked for.
struct Options {
    guided: bool,
    all: bool,
    images: bool,
    volumes: bool,
    force: bool,
    skip_confirm: bool,
    dry_run: bool,
}

impl Options {
    fn from(m: &Matches) -> Options {
        Options {
            guided: m.flag("guided"),
            all: m.flag("all"),
            images: m.flag("images"),
            volumes: m.flag("volumes"),
            force: m.flag("force"),
            skip_confirm: m.flag("skip_removal_confirm"),
            dry_run: m.flag("dry_run"),
        }
    }
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let Some((m, name)) = shared::command_line(ctx, "container-remove", args)? else {
        return Ok(0);
    };
    let opts = Options::from(&m);
    // The original silenced its banner for DS01_ORCHESTRATOR only.
    if ctx.mode.orchestrator.is_none() {
        ctx.out("\n");
        term::banner(ctx, "DS01 Container Remove");
        ctx.out("\n");
    }
    preamble(ctx, &opts);
    let interactive = name.is_none() && !opts.all;
    let name = if interactive {
        let Some(picked) = pick(ctx)? else {
            return Ok(0);
        };
        Some(picked)
    } else {
        name
    };
    if let Some(name) = name {
        return remove_named(ctx, &name, &opts, interactive);
    }
    let freed = remove_all_stopped(ctx, &opts)?;
    if opts.images {
        clean_images(ctx, &opts)?;
    }
    if opts.volumes {
        clean_volumes(ctx, &opts, &freed)?;
    }
    if !opts.dry_run {
        ctx.out(&expand(&format!(
            "{{GREEN}}{RULE}{{NC}}\n{{GREEN}}{{BOLD}}    ✓ Removal Complete{{NC}}\n\
             {{GREEN}}{RULE}{{NC}}\n\n{{YELLOW}}💡 Tips:{{NC}}\n   \
             View remaining:  {{GREEN}}container-list --all{{NC}}\n   \
             Free more space: {{GREEN}}docker system df{{NC}}\n   \
             Deep clean:      {{GREEN}}docker system prune -a{{NC}}\n\n"
        )));
    }
    Ok(0)
}

/// The guided explanation and the mode and warning banners.
fn preamble(ctx: &mut Ctx, opts: &Options) {
    if opts.guided {
        let hold = shared::limit(ctx, "--gpu-hold-time").and_then(|v| shared::in_hours(&v));
        ctx.out(&guided_text(hold.as_deref()));
    }
    if opts.dry_run {
        ctx.out(&expand(&format!("{DRY_RUN}\n")));
    }
    if opts.images && !opts.force {
        ctx.out(&expand(
            "{YELLOW}━━━ WARNING: Image Removal Requested ━━━{NC}\n\
             {YELLOW}⚠{NC} You requested {BOLD}--images{NC} flag\n  \
             This will remove Docker images after container removal.\n  \
             {GREEN}✓{NC} Your Dockerfiles in ~/dockerfiles/ are safe\n  \
             {GREEN}✓{NC} You can rebuild images anytime from Dockerfiles\n\n",
        ));
    }
    if opts.volumes && !opts.force {
        ctx.out(&expand(
            "{YELLOW}━━━ WARNING: Volume Removal Requested ━━━{NC}\n\
             {YELLOW}⚠{NC} You requested {BOLD}--volumes{NC} flag\n  \
             This will remove dangling volumes.\n  \
             {GREEN}✓{NC} Your workspace files in ~/workspace/ are safe\n  \
             {GREEN}✓{NC} Only unused anonymous volumes will be removed\n\n",
        ));
    }
}

/// `--guided`: images, containers, and what is kept (ds01's words).
fn guided_text(gpu_hold: Option<&str>) -> String {
    let stop = match gpu_hold {
        Some(h) => format!("keeps the container and holds its GPU for {{CYAN}}{h}{{NC}}"),
        None => "keeps the container and its GPU".to_string(),
    };
    expand(&format!(
        "{{CYAN}}ℹ {{NC}}{{BOLD}}Dockerfile, image, container{{NC}}\n  \
         A {{BOLD}}Dockerfile{{NC}} is the recipe; building it makes an {{BOLD}}image{{NC}};\n  \
         each {{BOLD}}container{{NC}} is one copy of an image that you work in.\n  \
         This command removes containers.  Images go only with --images,\n  \
         volumes only with --volumes; Dockerfiles and your workspace never.\n\n\
         {{CYAN}}ℹ {{NC}}{{BOLD}}Stop or remove?{{NC}}\n  \
         {{GREEN}}container-stop{{NC}} {stop}: for a break.\n  \
         {{GREEN}}container-remove{{NC}} frees the GPU at once: for when you are done.\n  \
         {{GREEN}}container-create{{NC}} makes a new container whenever you need one.\n\n"
    ))
}

/// No name and no `--all`: the menu of stopped containers; `None` when
/// there is none (said so).
fn pick(ctx: &mut Ctx) -> Result<Option<String>, Failure> {
    ctx.out(&format!(
        "{CYAN}Select stopped container to remove:{NC}\n\
         {DIM}(Tip: Use --all to remove all stopped containers){NC}\n\n"
    ));
    shared::pick(ctx, Which::Stopped, "No selection made. Exiting.\n")
}

/// Remove the caller's stopped container `name` (`cleanup_container`);
/// the exit code.
fn remove_named(ctx: &mut Ctx, name: &str, opts: &Options, interactive: bool) -> Outcome {
    let engine = ctx.engine()?;
    let Some(found) = shared::find_or_say(ctx, &engine, name, true)? else {
        return Ok(1);
    };
    if listed_by_ps(found.state()) {
        ctx.out(&format!(
            "{RED}✗{NC} Container '{name}' is running\n   Stop first: {GREEN}container-stop {name}{NC}\n"
        ));
        return Ok(1);
    }
    let image = config_image(&engine, &found)?;
    ctx.out(&format!("{}\n", info_block(&found, &image)));
    let (mut with_image, mut with_volumes) = (opts.images, opts.volumes);
    if interactive && !opts.force {
        (with_image, with_volumes) = cleanup_questions(ctx, opts.guided)?;
    }
    if opts.dry_run {
        ctx.out(&dry_run_one(
            name,
            with_image.then_some(image.as_str()),
            with_volumes,
        ));
        return Ok(0);
    }
    if !opts.force && !opts.skip_confirm && !confirmed(ctx, name, with_image, &image, with_volumes)?
    {
        ctx.out("Skipped.\n");
        return Ok(0);
    }
    let volumes = anonymous_volumes(&found);
    if engine.remove_container(&shared::target(&found)).is_err() {
        ctx.out(&format!("{RED}✗{NC} Failed to remove: {name}\n"));
        return Ok(1);
    }
    ctx.out(&format!("{GREEN}✓{NC} Removed container: {name}\n"));
    if with_image {
        remove_image(ctx, &engine, &image)?;
    }
    if with_volumes {
        remove_dangling(&engine, &volumes)?;
        ctx.out(&format!("{GREEN}✓{NC} Removed unused volumes\n"));
    }
    forget_info_file(ctx, name);
    Ok(0)
}

/// The image the container was made from (`.Config.Image`), `""` when
/// the engine no longer knows the container.
fn config_image(engine: &Engine, c: &Owned) -> Result<String, Failure> {
    Ok(engine
        .find_container(&shared::target(c))?
        .and_then(|d| d.config?.image)
        .unwrap_or_default())
}

/// `show_container_info`: name, `docker ps` status, image without its
/// tag (`cut -d: -f1`), `docker ps` size.
fn info_block(c: &Owned, image: &str) -> String {
    let status = c.summary.status.as_deref().unwrap_or("");
    let short = image.split(':').next().unwrap_or("");
    format!(
        "  • {CYAN}{}{NC}\n    Status: {DIM}{status}{NC}\n    Image:  {DIM}{short}{NC}\n    Size:   {DIM}{}{NC}\n",
        c.name,
        ps_size(c)
    )
}

/// `{{.Size}}` of `docker ps`: the writable layer, and the whole size
/// when the engine measured it.
fn ps_size(c: &Owned) -> String {
    let rw = decimal_size(c.summary.size_rw.unwrap_or(0) as f64);
    match c.summary.size_root_fs.unwrap_or(0) {
        root if root > 0 => format!("{rw} (virtual {})", decimal_size(root as f64)),
        _ => rw,
    }
}

/// Interactive mode: the image and volume questions (on stderr, answers
/// from the terminal); they replace `--images` / `--volumes`.
fn cleanup_questions(ctx: &mut Ctx, guided: bool) -> Result<(bool, bool), Failure> {
    ctx.err(&format!(
        "\n{YELLOW}━━━ Additional Cleanup Options ━━━{NC}\n\n"
    ));
    if guided {
        ctx.err(&expand(
            "{CYAN}ℹ {NC}{BOLD}The image and its Dockerfile:{NC}\n  \
             The image is built from your Dockerfile, which stays where it is;\n  \
             image-create or image-update builds it again whenever you like.\n\n",
        ));
    }
    let image = also_remove(
        ctx,
        &format!("Also remove the Docker {BOLD}image{NC} used by this container? (Dockerfile still remains)"),
        guided.then_some("only the built image; the recipe stays"),
        "images",
        "Remove image? [y/N]: ",
    )?;
    let volumes = also_remove(
        ctx,
        &format!("Also remove anonymous {BOLD}volumes{NC} associated with this container?"),
        guided.then_some("only this container's unnamed volumes; ~/workspace is not a volume"),
        "volumes",
        "Remove volumes? [y/N]: ",
    )?;
    Ok((image, volumes))
}

/// One cleanup question: `question`, the guided `note`, that the `kept`
/// are kept unless asked, and the answer to `prompt` (a blank line after
/// it).
fn also_remove(
    ctx: &mut Ctx,
    question: &str,
    note: Option<&str>,
    kept: &str,
    prompt: &str,
) -> Result<bool, Failure> {
    ctx.err(&format!("{YELLOW}⚠{NC} {question}\n"));
    if let Some(note) = note {
        ctx.err(&format!("   {DIM}({note}){NC}\n"));
    }
    ctx.err(&format!(
        "   {GREEN}Default: No{NC} - {kept} are preserved\n"
    ));
    let yes = term::confirm(ctx, prompt)?;
    ctx.err("\n");
    Ok(yes)
}

/// `--dry-run` for one container: what would go.
fn dry_run_one(name: &str, image: Option<&str>, volumes: bool) -> String {
    let mut text = format!("{DRY_RUN}{{YELLOW}}Would remove container: {name}{{NC}}\n");
    if let Some(image) = image {
        text.push_str(&format!("{{YELLOW}}Would remove image: {image}{{NC}}\n"));
    }
    if volumes {
        text.push_str("{YELLOW}Would remove its anonymous volumes{NC}\n");
    }
    text.push('\n');
    expand(&text)
}

/// `⚠ This will permanently remove:` and `Confirm removal? [y/N]: `.
fn confirmed(
    ctx: &mut Ctx,
    name: &str,
    with_image: bool,
    image: &str,
    with_volumes: bool,
) -> Result<bool, Failure> {
    let mut text =
        format!("{YELLOW}⚠ This will permanently remove:{NC}\n  • {BOLD}Container{NC}: {name}\n");
    if with_image {
        let image = if image.is_empty() { "unknown" } else { image };
        text.push_str(&format!("  • {BOLD}Docker image{NC}: {image}\n"));
    }
    if with_volumes {
        text.push_str(&format!(
            "  • {YELLOW}{BOLD}Anonymous volumes{NC} (if any dangling volumes exist)\n"
        ));
    }
    ctx.out(&format!("{text}\n"));
    term::confirm(ctx, "Confirm removal? [y/N]: ")
}

/// Whether `image` is under the caller's own `ds01-UID/` name.
fn own_image(uid: u32, image: &str) -> bool {
    let (repo, _) = split_reference(image);
    let prefix = format!("ds01-{uid}/");
    repo.starts_with(&prefix) && repo.len() > prefix.len()
}

/// `--images` for one container: its image, when it is the caller's.
fn remove_image(ctx: &mut Ctx, engine: &Engine, image: &str) -> Result<(), Failure> {
    if image.is_empty() {
        ctx.out(&format!("{DIM}  (No image to remove){NC}\n"));
        return Ok(());
    }
    let present = engine
        .list_images(false)?
        .iter()
        .any(|i| i.repo_tags.iter().any(|t| t == image));
    if !present {
        ctx.out(&format!("{DIM}  (Image already removed: {image}){NC}\n"));
    } else if !own_image(ctx.caller.uid, image) {
        ctx.out(&format!(
            "{YELLOW}⚠{NC} Could not remove image: {image}\n   {DIM}(not one of your images){NC}\n"
        ));
    } else if engine.remove_image(image, false).is_ok() {
        ctx.out(&format!("{GREEN}✓{NC} Removed image: {image}\n"));
    } else {
        ctx.out(&format!(
            "{YELLOW}⚠{NC} Could not remove image: {image}\n   {DIM}(May be in use by other containers){NC}\n"
        ));
    }
    Ok(())
}

/// The unnamed volumes mounted in `c` (named ones are someone's data).
fn anonymous_volumes(c: &Owned) -> Vec<String> {
    c.summary
        .mounts
        .iter()
        .flatten()
        .filter(|m| m.typ.as_deref() == Some("volume"))
        .filter_map(|m| m.name.clone())
        .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

/// Remove those of `volumes` that no container uses any more; how many.
fn remove_dangling(engine: &Engine, volumes: &[String]) -> Result<usize, Failure> {
    let dangling = engine.dangling_volumes()?;
    Ok(volumes
        .iter()
        .filter(|v| dangling.contains(v))
        .filter(|v| engine.remove_volume(v).is_ok())
        .count())
}

/// Delete `~/ds01-config/containers/NAME.info` (the link, never what a
/// link points to).  `name` is an existing container's, so it has no `/`.
fn forget_info_file(ctx: &Ctx, name: &str) {
    let path = Path::new(&ctx.caller.home)
        .join("ds01-config/containers")
        .join(format!("{name}.info"));
    if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) {
        let _ = std::fs::remove_file(&path);
    }
}

/// `--all`: every stopped (exited or never started) container of the
/// caller.  Returns the anonymous volumes freed (with `--dry-run`: those
/// that would be).
fn remove_all_stopped(ctx: &mut Ctx, opts: &Options) -> Result<Vec<String>, Failure> {
    let engine = ctx.engine()?;
    let stopped: Vec<Owned> = crate::ds01::owned::listed(&engine, ctx.caller.uid, true)?
        .into_iter()
        .filter(|o| matches!(o.state(), "exited" | "created"))
        .collect();
    if stopped.is_empty() {
        ctx.out(&format!(
            "{GREEN}✓{NC} No stopped containers to clean up\n\n"
        ));
        return Ok(Vec::new());
    }
    let count = stopped.len();
    ctx.out(&format!(
        "{BOLD}Found {count} stopped container(s):{NC}\n\n"
    ));
    for c in &stopped {
        let image = config_image(&engine, c)?;
        ctx.out(&format!("{}\n", info_block(c, &image)));
    }
    if opts.dry_run {
        ctx.out(&expand(&format!(
            "{DRY_RUN}{{YELLOW}}Would remove {count} container(s){{NC}}\n\n"
        )));
        return Ok(stopped.iter().flat_map(anonymous_volumes).collect());
    }
    if !opts.force {
        ctx.out(&format!(
            "{YELLOW}⚠ This will permanently remove these containers{NC}\n"
        ));
        if !term::confirm(ctx, "Continue? [y/N]: ")? {
            ctx.out("Cancelled.\n");
            return Ok(Vec::new());
        }
        ctx.out("\n");
    }
    Ok(remove_each(ctx, &engine, &stopped))
}

/// Remove each of `stopped`, a line for each and a summary; the
/// anonymous volumes of those removed.
fn remove_each(ctx: &mut Ctx, engine: &Engine, stopped: &[Owned]) -> Vec<String> {
    let (mut removed, mut failed) = (0, 0);
    let mut freed = Vec::new();
    for c in stopped {
        // Not forced: a container started meanwhile is refused.
        if engine.remove_container(&shared::target(c)).is_ok() {
            ctx.out(&format!("{GREEN}✓{NC} Removed: {}\n", c.name));
            removed += 1;
            forget_info_file(ctx, &c.name);
            freed.extend(anonymous_volumes(c));
        } else {
            ctx.out(&format!("{RED}✗{NC} Failed: {}\n", c.name));
            failed += 1;
        }
    }
    let counts = shared::counts(("Removed: ", removed), ("Failed:  ", failed));
    ctx.out(&format!("\n{counts}"));
    freed
}

/// `--all --images`: the caller's dangling images (`maintainer.id=UID`,
/// as DS01's Dockerfiles label them).
fn clean_images(ctx: &mut Ctx, opts: &Options) -> Result<(), Failure> {
    ctx.out(&format!("\n{CYAN}━━━ Cleaning Unused Images ━━━{NC}\n\n"));
    let engine = ctx.engine()?;
    let label = format!("maintainer.id={}", ctx.caller.uid);
    let dangling = engine.dangling_images_labelled(&label)?;
    let count = dangling.len();
    if count == 0 {
        ctx.out(&format!("{GREEN}✓{NC} No unused images to clean\n\n"));
        return Ok(());
    }
    ctx.out(&format!("{BOLD}Found {count} unused image(s){NC}\n\n"));
    if opts.dry_run {
        ctx.out(&format!(
            "{YELLOW}Would remove {count} dangling image(s){NC}\n\n"
        ));
        return Ok(());
    }
    if !opts.force && !term::confirm(ctx, "Remove dangling images? [y/N]: ")? {
        ctx.out("Skipped.\n");
        return Ok(());
    }
    for image in &dangling {
        let _ = engine.remove_image(&image.id, false);
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Removed {count} dangling image(s)\n\n"
    ));
    Ok(())
}

/// `--all --volumes`: the anonymous volumes the removed containers left.
fn clean_volumes(ctx: &mut Ctx, opts: &Options, freed: &[String]) -> Result<(), Failure> {
    ctx.out(&format!("\n{CYAN}━━━ Cleaning Unused Volumes ━━━{NC}\n\n"));
    let engine = ctx.engine()?;
    let unused: Vec<String> = if opts.dry_run {
        freed.to_vec()
    } else {
        let dangling = engine.dangling_volumes()?;
        freed
            .iter()
            .filter(|v| dangling.contains(v))
            .cloned()
            .collect()
    };
    let count = unused.len();
    if count == 0 {
        ctx.out(&format!("{GREEN}✓{NC} No unused volumes to clean\n\n"));
        return Ok(());
    }
    ctx.out(&format!("{BOLD}Found {count} unused volume(s){NC}\n\n"));
    if opts.dry_run {
        ctx.out(&format!("{YELLOW}Would remove {count} volume(s){NC}\n\n"));
        return Ok(());
    }
    if !opts.force && !term::confirm(ctx, "Remove unused volumes? [y/N]: ")? {
        ctx.out("Skipped.\n");
        return Ok(());
    }
    for volume in &unused {
        let _ = engine.remove_volume(volume);
    }
    ctx.out(&format!("{GREEN}✓{NC} Removed {count} volume(s)\n\n"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ContainerSummary;

    fn owned(size_rw: Option<i64>, root: Option<i64>) -> Owned {
        Owned {
            name: "demo".into(),
            tag: "demo._.2001".into(),
            summary: ContainerSummary {
                status: Some("Created".into()),
                size_rw,
                size_root_fs: root,
                ..Default::default()
            },
        }
    }

    #[test]
    fn info_block_as_the_original_printed_it() {
        let text = info_block(&owned(Some(0), Some(1_980_000)), "ds01-2001/demo:latest");
        assert_eq!(
            text,
            "  • \x1b[0;36mdemo\x1b[0m\n    Status: \x1b[2mCreated\x1b[0m\n    \
             Image:  \x1b[2mds01-2001/demo\x1b[0m\n    Size:   \x1b[2m0B (virtual 1.98MB)\x1b[0m\n"
        );
        assert!(info_block(&owned(None, None), "").contains("Size:   \x1b[2m0B\x1b[0m"));
    }

    #[test]
    fn only_the_callers_images() {
        assert!(own_image(2001, "ds01-2001/demo:latest"));
        assert!(own_image(2001, "ds01-2001/demo"));
        assert!(!own_image(2001, "ds01-20011/demo:latest"));
        assert!(!own_image(2001, "ds01-2002/demo:latest"));
        assert!(!own_image(2001, "ds01-2001/"));
        assert!(!own_image(2001, "aimehub/pytorch:latest"));
    }

    #[test]
    fn dry_run_names_what_would_go() {
        let text = dry_run_one("demo", Some("ds01-2001/demo:latest"), true);
        assert!(text.starts_with("\x1b[1;33m━━━ DRY RUN MODE ━━━\x1b[0m\n"));
        assert!(text.contains("Would remove container: demo"));
        assert!(text.contains("Would remove image: ds01-2001/demo:latest"));
        assert!(text.ends_with("volumes\x1b[0m\n\n"));
    }
}
