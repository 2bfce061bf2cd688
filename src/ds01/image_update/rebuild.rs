//! Phases 2 and 3 of `image-update`: rebuild the image from its
//! Dockerfile (`docker build` through the engine, as image-create builds),
//! show what it now holds, and offer to recreate the container made from
//! it.

use super::dockerfile::{self as df, Category};
use super::interactive::{base_image, system_line};
use super::packages::{backup_path, read, write};
use super::Update;
use crate::context::Ctx;
use crate::ds01::image_create::{self, Builder};
use crate::ds01::image_list::{date_now, go_time, info_file, ImageTable};
use crate::ds01::owned;
use crate::engine::Engine;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, BLUE, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};

fn rule(colour: &str) -> String {
    format!("{colour}{}{NC}", "━".repeat(47))
}

fn banner(colour: &str, title: &str) -> String {
    format!("{}\n{title}\n{}\n", rule(colour), rule(colour))
}

/// From the end of the edits to the end of the command.
pub(super) fn finish(ctx: &mut Ctx, engine: &Engine, u: &Update) -> Outcome {
    if !u.rebuild_only && !confirm(ctx, u)? {
        return Ok(0);
    }
    ctx.out(&format!("\n{CYAN}Building image...{NC}\n\n"));
    if !build(ctx, u) {
        let df = u.dockerfile.display();
        let bak = backup_path(&u.dockerfile);
        ctx.out(&format!(
            "\n{RED}✗ Build failed{NC}\n\nTroubleshooting:\n  1. Check Dockerfile syntax: {BLUE}cat {df}{NC}\n  2. View backup: {BLUE}cat {bak}{NC}\n  3. Restore backup: {GREEN}mv {bak} {df}{NC}\n  4. Try again: {GREEN}image-update {}{NC}\n\n",
            u.repo,
            bak = bak.display()
        ));
        return Err(Failure::exit(1));
    }
    ctx.out(&format!(
        "\n{}\n",
        banner(
            GREEN,
            &format!("{GREEN}{BOLD}✓ Phase 2/3: Docker Image Rebuilt{NC}")
        )
    ));
    let _ = std::fs::remove_file(backup_path(&u.dockerfile));
    show_rebuilt(ctx, engine, u)?;
    stamp_info_file(u);
    recreate(ctx, engine, u)?;
    ctx.out("\n\n");
    Ok(0)
}

/// Phase 1's banner and phase 2's question; whether to build.  No:
/// how to build later (exit 0).
fn confirm(ctx: &mut Ctx, u: &Update) -> Result<bool, Failure> {
    let mut text = format!(
        "\n{}\nLocation: {BLUE}{}{NC}\n\n",
        banner(
            GREEN,
            &format!("{GREEN}{BOLD}✓ Phase 1/3: Dockerfile Updated{NC}")
        ),
        u.dockerfile.display()
    );
    text.push_str(&banner(
        CYAN,
        &format!("{BOLD}Phase 2/3: Rebuild Docker Image?{NC}"),
    ));
    text.push_str("\nThis will rebuild the image with your changes.\n");
    if u.no_cache {
        text.push_str(&format!(
            "{YELLOW}⚠ Building without cache (clean rebuild){NC}\n"
        ));
    }
    text.push_str(&format!("\n{DIM}Time estimate: 3-5 minutes{NC}\n\n"));
    ctx.out(&text);
    let yes = term::confirm_default_yes(ctx, "Rebuild image now? [Y/n]: ")?;
    ctx.out("\n");
    if !yes {
        ctx.out(&format!(
            "Rebuild skipped.\n\nYour Dockerfile has been updated.\nRebuild later with:\n  {GREEN}image-update {}{NC}\n\n",
            u.repo
        ));
        let _ = std::fs::remove_file(backup_path(&u.dockerfile));
    }
    Ok(yes)
}

/// `docker build --build-arg DS01_USER_ID=… --build-arg DS01_GROUP_ID=…
/// --build-arg DS01_USERNAME=… [--no-cache] -t REPO:latest -f DOCKERFILE
/// DIR/`, as image-create builds, its output streamed as the CLI prints
/// it; whether it succeeded.
fn build(ctx: &mut Ctx, u: &Update) -> bool {
    let who = Builder::of(ctx);
    match image_create::build::build(ctx, &who, &u.repo, &u.dockerfile, u.no_cache) {
        Ok(()) => true,
        Err(message) => {
            ctx.err(&format!("{message}\n"));
            false
        }
    }
}

/// The new image's size and date, and the packages its Dockerfile lists.
fn show_rebuilt(ctx: &mut Ctx, engine: &Engine, u: &Update) -> Result<(), Failure> {
    let table = ImageTable::read(engine, ctx.caller.uid)?;
    let (size, created) = table
        .first(&u.repo)
        .map(|r| (r.size_text(), go_time(r.created)))
        .unwrap_or_default();
    let lines = df::lines_of(&read(&u.dockerfile)?);
    let mut text = format!(
        "{BOLD}Updated image:{NC}\n  Size:    {size}\n  Created: {created}\n\n{}\n",
        banner(CYAN, &format!("{BOLD}Updated Dockerfile Packages{NC}"))
    );
    if let Some(base) = base_image(&lines) {
        text.push_str(&format!("  {BOLD}AIME base image:{NC} {GREEN}{base}{NC}\n"));
    }
    text.push_str(&system_line("  ", &lines));
    let by = df::packages_by_category(&lines);
    for (label, category) in [
        ("Core Python", Category::Core),
        ("Pre-installed for use case", Category::UseCase),
        ("Custom-installed", Category::Custom),
    ] {
        let pkgs = df::joined(&by, category);
        if pkgs.is_empty() {
            text.push_str(&format!("  {BOLD}{label}:{NC} {DIM}(none){NC}\n"));
        } else {
            text.push_str(&format!("  {BOLD}{label}:{NC}{pkgs}\n"));
        }
    }
    ctx.out(&format!("{text}\n"));
    Ok(())
}

/// `Created:` of the image's info file, now.
fn stamp_info_file(u: &Update) {
    let path = info_file(&u.home, &u.repo);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let date = date_now();
    let stamped: Vec<String> = text
        .lines()
        .map(|l| match l.starts_with("Created:") {
            true => format!("Created: {date}"),
            false => l.to_string(),
        })
        .collect();
    let _ = write(&path, &(stamped.join("\n") + "\n"));
}

/// The container this image is for (`NAME` without `-image`).
fn container_base(repo: &str) -> &str {
    let name = repo.rsplit('/').next().unwrap_or(repo);
    name.strip_suffix("-image").unwrap_or(name)
}

/// Phase 3: the caller's container of this project, if any, recreated
/// from the new image on request; otherwise how to deploy one.
fn recreate(ctx: &mut Ctx, engine: &Engine, u: &Update) -> Result<(), Failure> {
    let base = container_base(&u.repo);
    let Some(existing) = owned::find(engine, ctx.caller.uid, base)? else {
        ctx.out(&format!(
            "{}\nYour image is ready! Deploy a container to use it:\n\n  {GREEN}container-deploy {base}{NC}\n              OR\n  {GREEN}project-launch {base}{NC}\n",
            banner(CYAN, &format!("{BOLD}Next Steps: Deploy Container{NC}"))
        ));
        return Ok(());
    };
    ctx.out(&format!(
        "{}\nYour image has been updated, but your container is still\nusing the old image. To use the new packages, you need to\nrecreate and deploy the container based on the updated image.\n\n{YELLOW}⚠{NC} This will:\n  • Stop the current container\n  • Remove the old container\n  • Create a new container from the updated image\n  • Your workspace files will be preserved\n\n",
        banner(CYAN, &format!("{BOLD}Phase 3/3: Recreate Container?{NC}"))
    ));
    if !term::confirm_default_yes(ctx, "Recreate container now? [Y/n]: ")? {
        ctx.out(&format!(
            "\nSkipped container recreation.\n\nTo redeploy manually later:\n\n  {BOLD}1.{NC} Retire the old container:\n     {GREEN}container-retire {base}{NC}\n\n  {BOLD}2.{NC} Deploy new container from updated image:\n     {GREEN}container-deploy {base}{NC}\n                 OR\n     {GREEN}project-launch {base}{NC}\n"
        ));
        return Ok(());
    }
    ctx.out(&format!("\n{CYAN}Recreating container...{NC}\n\n"));
    // The original ran these under `set -e`: a failure ends the command.
    if owned::listed_by_ps(existing.state()) {
        ctx.out(&format!("  {DIM}Stopping container...{NC}\n"));
        engine
            .stop_container(&existing.tag)
            .map_err(|_| Failure::exit(1))?;
    }
    ctx.out(&format!("  {DIM}Removing old container...{NC}\n"));
    engine
        .remove_container(&existing.tag)
        .map_err(|_| Failure::exit(1))?;
    ctx.out(&format!("  {DIM}Deploying new container...{NC}\n\n"));
    deploy(ctx, base)
}

/// `container-deploy NAME --background`, in-process.
fn deploy(ctx: &mut Ctx, base: &str) -> Result<(), Failure> {
    let Some(deploy) = crate::registry::find("container-deploy", true) else {
        ctx.out(&format!(
            "{RED}✗ container-deploy command not found{NC}\nPlease deploy the container manually.\n"
        ));
        return Ok(());
    };
    let args = [base.to_string(), "--background".to_string()];
    match deploy.run(ctx, &args) {
        Ok(0) => {}
        Ok(code) => return Err(Failure::exit(code)),
        Err(failure) => return Err(failure),
    }
    ctx.out(&format!(
        "\n{}\n{BOLD}All Done!{NC}\n\nYour container is running with the updated image.\n",
        banner(
            GREEN,
            &format!("{GREEN}{BOLD}✓ Phase 3/3: Container Deployed{NC}")
        )
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_of_an_image() {
        assert_eq!(container_base("ds01-2001/demo"), "demo");
        assert_eq!(container_base("ds01-2001/demo-image"), "demo");
    }

    #[test]
    fn banners_are_three_lines() {
        let b = banner(GREEN, "T");
        assert_eq!(b.lines().count(), 3);
        assert!(b.starts_with("\x1b[0;32m━━━"));
    }
}
