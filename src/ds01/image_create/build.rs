//! Phase 2: build the Dockerfile as `ds01-UID/NAME:latest` (or say how to,
//! with `--no-build` or when the user declines), record the image in
//! `~/ds01-config/images/ds01-UID_NAME.info`, and close with the banner.
//!
//! The build is the engine's legacy builder, its log shown as the docker
//! CLI showed it ([`crate::engine::build`]); [`build`] is usable by other
//! commands (image-update) as it is.

use super::{green_banner, packages, Builder, Choices};
use crate::context::{Ctx, Prompter};
use crate::engine::build::{BuildRequest, LEGACY_BUILDER_NOTICE};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use std::path::{Path, PathBuf};

pub fn phase_two(
    ctx: &mut Ctx,
    who: &Builder,
    c: &Choices,
    dockerfile: &Path,
    no_build: bool,
) -> Outcome {
    let image = who.image(&c.name);
    let later = format!(
        "Build later with:\n  {GREEN}{}{NC}\n\n",
        command_line(who, &image, dockerfile)
    );
    if no_build {
        ctx.out(&format!(
            "{YELLOW}Build skipped (--no-build flag){NC}\n\n{later}"
        ));
        return Ok(0);
    }
    term::banner(ctx, "Phase 2/2: Build Docker Image");
    if c.guided {
        ctx.out(&expand(GUIDED_BUILD));
    }
    ctx.out(&format!("{DIM}This can take a few minutes{NC}\n\n"));
    let go = confirm_build(ctx)?;
    ctx.out("\n");
    if !go {
        ctx.out(&format!("Build skipped.\n\n{later}"));
        return Ok(0);
    }
    ctx.out(&format!(
        "{CYAN}Building image... (this takes 3-5 minutes, depending on existing cache){NC}\n\n"
    ));
    if let Err(message) = build(ctx, who, &image, dockerfile, false) {
        ctx.err(&format!("{message}\n"));
        let rule = format!("{RED}{}{NC}", "━".repeat(47));
        return Err(Failure::stdout(
            1,
            format!(
                "\n{rule}\n{RED}{BOLD}✗ Phase 2/2: Build Failed{NC}\n{rule}\n\nCheck Dockerfile: {}\n\n",
                dockerfile.display()
            ),
        ));
    }
    write_info(ctx, who, c, &image, dockerfile);
    built(ctx, c, &image, dockerfile);
    Ok(0)
}

/// `Build image now? [Y/n]`, asked even when every flag was given (as the
/// original did); without a terminal that ends the command, with a hint.
fn confirm_build(ctx: &mut Ctx) -> Result<bool, Failure> {
    term::confirm_default_yes(ctx, "Build image now? [Y/n]: ").map_err(|mut f| {
        let no_terminal = std::fs::File::open("/dev/tty").is_err();
        if matches!(ctx.prompter, Prompter::Terminal) && no_terminal {
            f.stderr = "image-create: no terminal to confirm the build on; --no-build writes the Dockerfile only\n".into();
        }
        f
    })
}

/// The directory a Dockerfile is built in: its own.
fn context_of(dockerfile: &Path) -> PathBuf {
    match dockerfile.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The `docker build` command line that builds `dockerfile` as `image`.
pub fn command_line(who: &Builder, image: &str, dockerfile: &Path) -> String {
    format!(
        "docker build --build-arg DS01_USER_ID={} --build-arg DS01_GROUP_ID={} --build-arg DS01_USERNAME={} -t {image}:latest -f {} {}/",
        who.uid,
        who.gid,
        who.container_user,
        dockerfile.display(),
        context_of(dockerfile).display()
    )
}

/// Build `dockerfile` (in its own directory as the context) as
/// `image:latest` with the user's build arguments, its log on stdout as
/// the CLI prints it; `no_cache` reuses no cached layer.  The error is
/// the CLI's message.
pub fn build(
    ctx: &mut Ctx,
    who: &Builder,
    image: &str,
    dockerfile: &Path,
    no_cache: bool,
) -> Result<(), String> {
    let context = context_of(dockerfile);
    let name = dockerfile
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".into());
    let build_args = [
        ("DS01_USER_ID".to_string(), who.uid.to_string()),
        ("DS01_GROUP_ID".to_string(), who.gid.to_string()),
        ("DS01_USERNAME".to_string(), who.container_user.clone()),
    ];
    let tag = format!("{image}:latest");
    let engine = ctx.engine().map_err(|e| e.to_string())?;
    ctx.err(LEGACY_BUILDER_NOTICE);
    let request = BuildRequest {
        context: &context,
        dockerfile: &name,
        tag: &tag,
        build_args: &build_args,
        no_cache,
    };
    engine.build_image(&request, &mut |line| ctx.out(line))
}

/// `~/ds01-config/images/ds01-UID_NAME.info`, for image-list.  Not being
/// able to write it costs the image nothing: a warning.
fn write_info(ctx: &mut Ctx, who: &Builder, c: &Choices, image: &str, dockerfile: &Path) {
    let dir = who.home.join("ds01-config").join("images");
    let path = dir.join(format!("{}.info", image.replace('/', "_")));
    let line = |label: &str, list: String| {
        if list.is_empty() {
            String::new()
        } else {
            format!("- {label}: {list}")
        }
    };
    let text = format!(
        "Image: {image}\nFramework: {}\nUse Case: {}\nCreated: {}\nDockerfile: {}\n\nPackages:\n{}\n{}\n{}\n",
        c.framework,
        c.usecase,
        super::dockerfile::Stamp::now().date,
        dockerfile.display(),
        line("Use case", packages::usecase_packages(&c.usecase).join(" ")),
        line("Additional", c.additional.clone()),
        line("System", c.system.clone()),
    );
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text));
    if let Err(e) = written {
        ctx.err(&format!(
            "{YELLOW}⚠ Could not record the image in {}: {e}{NC}\n",
            path.display()
        ));
    }
}

/// The closing banner: in full for a user, short under project-init and
/// the like (which set DS01_CONTEXT only), nothing under an orchestrator.
fn built(ctx: &mut Ctx, c: &Choices, image: &str, dockerfile: &Path) {
    let head = format!(
        "\n{}\n{BOLD}Image:{NC} {CYAN}{image}:latest{NC}\n",
        green_banner("✓ Image Built Successfully")
    );
    let next = format!("Next: {GREEN}container-deploy {}{NC}\n", c.name);
    if !ctx.mode.silenced() {
        ctx.out(&format!(
            "{head}{DIM}Dockerfile: {}{NC}\n",
            dockerfile.display()
        ));
        if c.guided {
            ctx.out(&expand(&format!(
                "\n{GUIDED_BUILT}{{BOLD}}Next:{{NC}} {{GREEN}}container-deploy {}{{NC}}\n\n{GUIDED_COMMANDS}",
                c.name
            )));
        } else {
            ctx.out(&format!("\n{next}"));
        }
    } else if ctx.mode.orchestrator.is_none() {
        ctx.out(&format!("{head}\n{next}"));
    }
}

const GUIDED_BUILD: &str = "
Docker now:
  • fetches the base image (unless it is here already)
  • installs every package of the Dockerfile
  • sets up Jupyter and your account in the image
  • stores the result (images of this kind take many GB)

";

const GUIDED_BUILT: &str = "{BOLD}What happened{NC}
  ✓ The base image was prepared
  ✓ Your packages were installed
  ✓ Jupyter and your account were set up

{BOLD}Remember{NC}
  • {CYAN}Dockerfile{NC}: the recipe
  • {CYAN}Image{NC}: what was built from it
  • {CYAN}Container{NC}: a running copy, where you work

";

const GUIDED_COMMANDS: &str = "{BOLD}Other Commands:{NC}
  {GREEN}image-list{NC}     - List your images
  {GREEN}image-update{NC}   - Modify and rebuild
";

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Builder {
        Builder {
            user: "alice".into(),
            uid: 2001,
            gid: 2001,
            home: "/home/alice".into(),
            container_user: "alice".into(),
        }
    }

    #[test]
    fn the_recorded_build_command() {
        let df = Path::new("/home/alice/workspace/demo2/Dockerfile");
        assert_eq!(
            command_line(&alice(), "ds01-2001/demo2", df),
            "docker build --build-arg DS01_USER_ID=2001 --build-arg DS01_GROUP_ID=2001 --build-arg DS01_USERNAME=alice -t ds01-2001/demo2:latest -f /home/alice/workspace/demo2/Dockerfile /home/alice/workspace/demo2/"
        );
        assert_eq!(context_of(Path::new("Dockerfile")), PathBuf::from("."));
    }
}
