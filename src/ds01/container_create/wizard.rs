//! The wizard (no name given): one of the caller's images or a catalog
//! framework, the name (checked against the caller's containers), and
//! GPU or CPU only.  Menus on stdout, questions on the terminal.

use super::existing::{self, Choice};
use super::flags::Flags;
use super::pages;
use crate::context::Ctx;
use crate::ds01::owned;
use crate::error::Failure;
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, GREEN, NC, RED, YELLOW};

/// How the wizard ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// `flags` now name the container and its source: create it.
    Create,
    /// An orchestrator goes on with this existing container.
    UseExisting(String),
    /// Nothing more to do (exit 0).
    Done,
}

/// Ask until `flags` say what to create.
pub fn run(ctx: &mut Ctx, flags: &mut Flags, uid: u32) -> Result<End, Failure> {
    if !ctx.mode.silenced() {
        ctx.out("\n");
        term::banner(ctx, "DS01 Container Creation Wizard");
        ctx.out("\n");
    }
    if flags.guided {
        guided_intro(ctx)?;
    }
    let end = match image_source(ctx)?.as_str() {
        "1" => from_image(ctx, flags, uid)?,
        "2" => from_framework(ctx, flags, uid)?,
        _ => return Err(Failure::stdout(1, format!("{RED}✗ Invalid choice{NC}\n"))),
    };
    if end == End::Create {
        gpu_mode(ctx, flags)?;
    }
    Ok(end)
}

fn guided_intro(ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.out(&expand(pages::GUIDED_WIZARD_INTRO));
    term::pause(ctx, "Press Enter to continue...")?;
    ctx.out("\n");
    ctx.out(&expand(pages::GUIDED_CONTAINERS));
    term::pause(ctx, "Press Enter to continue...")?;
    ctx.out("\n");
    ctx.out(&expand(pages::GUIDED_STEP_IMAGE));
    Ok(())
}

/// Step 1: an image of the caller's or a catalog framework.
fn image_source(ctx: &mut Ctx) -> Result<String, Failure> {
    ctx.out(&format!(
        "  {BOLD}1) Use existing custom image{NC} {GREEN}(recommended){NC}\n\
         \x20    Select from images you've built with image-create\n\n\
         \x20 {BOLD}2) Use base framework{NC} (PyTorch/TensorFlow from AIME catalog)\n\
         \x20    Quick start with standard frameworks (no customisation)\n\n"
    ));
    let choice = term::ask(ctx, "Choice [1-2, default: 1]: ")?;
    ctx.out("\n");
    Ok(if choice.is_empty() {
        "1".into()
    } else {
        choice
    })
}

/// The caller's image repositories; none when the engine does not answer.
fn my_images(ctx: &mut Ctx, uid: u32) -> Vec<String> {
    ctx.engine()
        .ok()
        .and_then(|e| owned::images(&e, uid).ok())
        .unwrap_or_default()
}

/// One of the caller's images; the name defaults to the image's.
fn from_image(ctx: &mut Ctx, flags: &mut Flags, uid: u32) -> Result<End, Failure> {
    ctx.out(&format!("{CYAN}━━━ Available Images ━━━{NC}\n\n"));
    let images = my_images(ctx, uid);
    if images.is_empty() {
        return Err(no_images(ctx, flags.guided));
    }
    let mut menu = String::new();
    for (i, repo) in images.iter().enumerate() {
        menu.push_str(&format!("  {BOLD}{}){NC} {repo}\n", i + 1));
    }
    menu.push('\n');
    ctx.out(&menu);
    let answer = term::ask(ctx, &format!("Select image [1-{}]: ", images.len()))?;
    let Some(repo) = selected(&answer, &images) else {
        return Err(Failure::stdout(
            1,
            format!("{RED}✗ Invalid selection{NC}\n"),
        ));
    };
    ctx.out(&format!(
        "\n{GREEN}✓{NC} Selected image: {CYAN}{repo}{NC}\n\n"
    ));
    flags.image = repo.clone();
    let default = default_name(repo);
    ctx.out(&format!(
        "{BOLD}Step 2: Container Name{NC}\n\n\
         Default container name based on image: {CYAN}{default}{NC}\n\n"
    ));
    let prompt = format!("Use this name or enter a different one [{default}]: ");
    let typed = term::ask(ctx, &prompt)?;
    flags.name = if typed.is_empty() { default } else { typed };
    let end = taken(ctx, flags, uid)?;
    ctx.out("\n");
    Ok(end)
}

/// The image chosen by number (empty: the first).
fn selected<'a>(answer: &str, images: &'a [String]) -> Option<&'a String> {
    let n = match answer {
        "" => 1,
        a if a.bytes().all(|b| b.is_ascii_digit()) => a.parse::<usize>().ok()?,
        _ => return None,
    };
    images.get(n.checked_sub(1)?)
}

/// `ds01-UID/my-project-image` → `my-project`.
fn default_name(repo: &str) -> String {
    let last = repo.rsplit('/').next().unwrap_or(repo);
    last.strip_suffix("-image").unwrap_or(last).to_string()
}

/// No image to choose: how to make one; exit 1, which also stops an
/// orchestrator from going on.
fn no_images(ctx: &mut Ctx, guided: bool) -> Failure {
    ctx.out(&format!("{YELLOW}No custom images found.{NC}\n\n"));
    if guided {
        ctx.out(&expand(pages::GUIDED_NO_IMAGES));
    } else {
        ctx.out(&format!(
            "Create an image first:\n  {GREEN}image create{NC}\n\n"
        ));
    }
    Failure::exit(1)
}

/// A catalog framework and a name typed until it is not empty.
fn from_framework(ctx: &mut Ctx, flags: &mut Flags, uid: u32) -> Result<End, Failure> {
    ctx.out(&format!(
        "{CYAN}━━━ Base Framework Selection ━━━{NC}\n\n{BOLD}Select Framework:{NC}\n\n\
         \x20 {BOLD}1){NC} PyTorch (latest from AIME catalog) {GREEN}(recommended){NC}\n\
         \x20 {BOLD}2){NC} TensorFlow (latest from AIME catalog)\n\n"
    ));
    let fw = term::ask(ctx, "Framework [1-2, default: 1]: ")?;
    flags.image = if fw == "2" { "tensorflow" } else { "pytorch" }.into();
    ctx.out(&format!("\n{BOLD}Container Name{NC}\n\n"));
    let name = loop {
        let typed = term::ask(ctx, "Container name: ")?;
        if !typed.is_empty() {
            break typed;
        }
        ctx.out(&format!(
            "{YELLOW}Container name required. Please try again.{NC}\n"
        ));
    };
    flags.name = super::sanitize(&name);
    let end = taken(ctx, flags, uid)?;
    ctx.out("\n");
    if end == End::Create && flags.guided {
        ctx.out(&pages::guided_framework_note(&flags.name));
    }
    Ok(end)
}

/// The menu when the name is taken, and what its choice means.  ("Use
/// existing" hands the container to an orchestrator from both branches;
/// the original's framework branch ended instead, leaving container-deploy
/// to guess the name.)
fn taken(ctx: &mut Ctx, flags: &mut Flags, uid: u32) -> Result<End, Failure> {
    if !existing::exists(ctx, uid, &flags.name) {
        return Ok(End::Create);
    }
    Ok(match existing::wizard_menu(ctx, uid, &flags.name)? {
        None => End::Done,
        Some(Choice::UseExisting) => End::UseExisting(flags.name.clone()),
        Some(Choice::Recreated) => End::Create,
        Some(Choice::Renamed(name)) => {
            flags.name = name;
            End::Create
        }
    })
}

/// GPU or CPU only (an explicit `--cpu-only` stays).
fn gpu_mode(ctx: &mut Ctx, flags: &mut Flags) -> Result<(), Failure> {
    ctx.out(&format!(
        "{BOLD}GPU Mode:{NC}\n\n\
         \x20 {BOLD}1){NC} GPU enabled {GREEN}(recommended for training){NC}\n\
         \x20 {BOLD}2){NC} CPU only (for preprocessing/testing)\n\n"
    ));
    if term::ask(ctx, "Choice [1-2, default: 1]: ")? == "2" {
        flags.cpu_only = true;
    }
    ctx.out("\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_images_and_numbers() {
        assert_eq!(default_name("ds01-2001/my-project-image"), "my-project");
        assert_eq!(default_name("ds01-2001/demo"), "demo");
        let images = vec!["a".to_string(), "b".to_string()];
        assert_eq!(selected("", &images), Some(&images[0]));
        assert_eq!(selected("2", &images), Some(&images[1]));
        assert_eq!(selected("3", &images), None);
        assert_eq!(selected("0", &images), None);
        assert_eq!(selected("x", &images), None);
    }
}
