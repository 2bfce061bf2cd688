//! `image-update`'s menu (the original's `interactive_mode`): the image's
//! current packages, then list / add / import / add system / remove /
//! edit / rebuild / cancel until the user asks for the rebuild.

use super::dockerfile::{self as df, Category, Format};
use super::{packages, requirements};
use crate::context::Ctx;
use crate::ds01::image_list::tilde;
use crate::error::Failure;
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use std::path::{Path, PathBuf};

/// Where the menu works.
pub(super) struct Target<'a> {
    pub dockerfile: &'a Path,
    pub home: &'a Path,
}

/// What a menu choice leads to.
enum Next {
    Menu,
    Rebuild,
}

/// Run the menu until the user goes on to the rebuild (`Ok`); "Cancel"
/// ends the command (exit 0).
pub(super) fn run(ctx: &mut Ctx, t: &Target) -> Result<(), Failure> {
    let format = packages::format_of(t.dockerfile)?;
    let req = (format == Format::Requirements)
        .then(|| packages::requirements_beside(t.dockerfile))
        .flatten();
    loop {
        ctx.out(&configuration(t, req.as_deref())?);
        ctx.out(&expand(MENU));
        let choice = term::ask(ctx, "Choice [1-8]: ")?;
        let next = match choice.as_str() {
            "1" => list_packages(ctx, t, req.as_deref())?,
            "2" => add_python(ctx, t)?,
            "3" => import_requirements(ctx, t)?,
            "4" => add_system(ctx, t)?,
            "5" => remove(ctx, t, req.as_deref())?,
            "6" => edit(ctx, t)?,
            "7" => {
                ctx.out("\n");
                Next::Rebuild
            }
            "8" => {
                ctx.out("\nCancelled.\n");
                return Err(Failure::exit(0));
            }
            _ => {
                ctx.out(&format!("{RED}Invalid choice{NC}\n"));
                Next::Menu
            }
        };
        if let Next::Rebuild = next {
            return Ok(());
        }
    }
}

const MENU: &str = "{BOLD}What would you like to do?{NC}

  {BOLD}1){NC} List all packages
  {BOLD}2){NC} Add Python packages (pip)
  {BOLD}3){NC} Import from requirements.txt
  {BOLD}4){NC} Add system packages (apt)
  {BOLD}5){NC} Remove packages
  {BOLD}6){NC} Edit Dockerfile directly {DIM}(advanced){NC}
  {BOLD}7){NC} Continue to rebuild {BOLD}{YELLOW}(necessary to apply changes!){NC}
  {BOLD}8){NC} Cancel\n\n";

/// The requirements file's package lines (no comments, no blank lines),
/// as the original showed them.
fn requirement_lines(req: &Path) -> Result<Vec<String>, Failure> {
    Ok(packages::read(req)?
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect())
}

/// "Current Configuration": base image, apt packages, pip packages.
fn configuration(t: &Target, req: Option<&Path>) -> Result<String, Failure> {
    let lines = df::lines_of(&packages::read(t.dockerfile)?);
    let mut text = format!("\n{BOLD}Current Configuration:{NC}\n\n");
    if let Some(base) = base_image(&lines) {
        text.push_str(&format!(
            "  {BOLD}• AIME Base Image:{NC} {GREEN}{base}{NC}\n"
        ));
        if base.contains("aimehub/") {
            text.push_str(&format!(
                "    • {DIM}Pre-installed: torch, numpy, pillow, tqdm, conda, ipython, psutil{NC}\n    • {DIM}(Use 'docker run --rm {base} pip list' to see all){NC}\n"
            ));
        }
    }
    text.push_str(&system_line("  • ", &lines));
    match req {
        Some(req) => {
            let listed: String = requirement_lines(req)?
                .iter()
                .map(|l| format!("{l} "))
                .collect();
            let short = tilde(t.home, &req.display().to_string());
            text.push_str(&format!(
                "  • {BOLD}Python packages{NC} {DIM}(from {short}):{NC}\n"
            ));
            if listed.is_empty() {
                text.push_str(&format!("    {DIM}(none){NC}\n"));
            } else {
                text.push_str(&format!("    {listed}\n"));
            }
        }
        None => text.push_str(&categories(&lines)),
    }
    text.push('\n');
    Ok(text)
}

/// The first `FROM`'s image.
pub(super) fn base_image(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("FROM "))
        .filter(|b| !b.is_empty())
        .map(str::to_string)
}

/// `System: a b ` (each package followed by a blank), or `(none)`.
pub(super) fn system_line(indent: &str, lines: &[String]) -> String {
    let sys: String = df::system_packages(lines)
        .iter()
        .map(|p| format!("{p} "))
        .collect();
    if sys.is_empty() {
        format!("{indent}{BOLD}System:{NC} {DIM}(none){NC}\n")
    } else {
        format!("{indent}{BOLD}System:{NC} {sys}\n")
    }
}

fn categories(lines: &[String]) -> String {
    let by = df::packages_by_category(lines);
    let line = |label: &str, pkgs: String| {
        if pkgs.is_empty() {
            format!("  • {BOLD}{label}:{NC} {DIM}(none){NC}\n")
        } else {
            format!("  • {BOLD}{label}:{NC}{pkgs}\n")
        }
    };
    let jupyter = df::joined(&by, Category::Jupyter);
    let core = df::joined(&by, Category::Core);
    let mut text = if jupyter.is_empty() && !core.is_empty() {
        format!("  • {BOLD}Core Python:{NC}{core} {DIM}(legacy format){NC}\n")
    } else {
        line("Jupyter & Interactive", jupyter)
    };
    text.push_str(&line(
        "Data Science",
        df::joined(&by, Category::DataScience),
    ));
    text.push_str(&line(
        "Use Case Specific",
        df::joined(&by, Category::UseCase),
    ));
    text.push_str(&line("Custom-installed", df::joined(&by, Category::Custom)));
    text
}

/// `nl -ba | sed 's/^/  /'`.
fn numbered(items: &[String]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| format!("  {:>6}\t{item}\n", i + 1))
        .collect()
}

fn list_packages(ctx: &mut Ctx, t: &Target, req: Option<&Path>) -> Result<Next, Failure> {
    let mut text = format!("\n{BOLD}Installed Packages{NC}\n\n");
    match req {
        Some(req) => {
            let short = tilde(t.home, &req.display().to_string());
            let items: Vec<String> = requirement_lines(req)?
                .iter()
                .filter(|l| !l.trim_start().starts_with('#'))
                .map(|l| l.split('#').next().unwrap_or("").trim_end().to_string())
                .collect();
            text.push_str(&format!("{CYAN}From requirements.txt:{NC} {short}\n\n"));
            text.push_str(&numbered(&items));
        }
        None => {
            let lines = df::lines_of(&packages::read(t.dockerfile)?);
            let items: Vec<String> = df::pip_packages(&lines).into_iter().collect();
            text.push_str(&format!("{CYAN}From Dockerfile:{NC}\n\n"));
            text.push_str(&numbered(&items));
        }
    }
    ctx.out(&format!("{text}\n"));
    term::pause(ctx, "Press Enter to continue...")?;
    Ok(Next::Menu)
}

/// `Rebuild now? [Y/n]: ` after a change.
fn rebuild_now(ctx: &mut Ctx) -> Result<Next, Failure> {
    if term::confirm_default_yes(ctx, "Rebuild now? [Y/n]: ")? {
        ctx.out("\n");
        return Ok(Next::Rebuild);
    }
    Ok(Next::Menu)
}

/// The original warned here about packages already installed, but its
/// check never fired (`local x=$(...)` hid the status); the add itself
/// skips what the Dockerfile already has, so no check is made here.
fn add_python(ctx: &mut Ctx, t: &Target) -> Result<Next, Failure> {
    ctx.out(&format!(
        "\n{BOLD}Add Python Packages{NC}\n\nEnter package names (space-separated):\n{DIM}Examples: wandb optuna pytorch-lightning pandas==1.5.3 transformers>=4.30.0{NC}\n\n"
    ));
    let typed = term::ask(ctx, "> ")?;
    let wanted = words(&typed);
    if typed.is_empty() {
        ctx.out(&format!("{YELLOW}No packages entered{NC}\n"));
        return Ok(Next::Menu);
    }
    ctx.out(&format!("\n{CYAN}Adding packages...{NC}\n\n"));
    if packages::add_python(ctx, t.dockerfile, &wanted)? > 0 {
        ctx.out(&format!(
            "{YELLOW}💡 To apply changes, you'll need to rebuild the image based on the updated Dockerfile.{NC}\n\n"
        ));
        return rebuild_now(ctx);
    }
    Ok(Next::Menu)
}

fn import_requirements(ctx: &mut Ctx, t: &Target) -> Result<Next, Failure> {
    let Some(file) = requirements::pick(ctx, t.home)? else {
        return Ok(Next::Menu);
    };
    let pkgs = df::requirements_packages(&packages::read(&file)?);
    let short = tilde(t.home, &file.display().to_string());
    ctx.out(&format!(
        "\n{GREEN}✓{NC} Will install {BOLD}{}{NC} packages from: {CYAN}{short}{NC}\n\n{DIM}Packages: {}{NC}\n\n",
        pkgs.len(),
        pkgs.join(" ")
    ));
    if !term::confirm_default_yes(ctx, "Add these packages? [Y/n]: ")? {
        return Ok(Next::Menu);
    }
    ctx.out(&format!("\n{CYAN}Adding packages...{NC}\n"));
    packages::add_python(ctx, t.dockerfile, &pkgs)?;
    ctx.out(&format!(
        "\n{GREEN}✓{NC} Packages from requirements.txt added to Dockerfile\n\n{YELLOW}💡 To apply changes, you'll need to rebuild the image.{NC}\n\n"
    ));
    rebuild_now(ctx)
}

fn add_system(ctx: &mut Ctx, t: &Target) -> Result<Next, Failure> {
    ctx.out(&format!(
        "\n{BOLD}Add System Packages{NC}\n\nEnter system package names (space-separated):\n{DIM}Examples: tmux htop tree{NC}\n\n"
    ));
    let typed = term::ask(ctx, "> ")?;
    if typed.is_empty() {
        ctx.out(&format!("{YELLOW}No packages entered{NC}\n"));
        return Ok(Next::Menu);
    }
    ctx.out(&format!("\n{CYAN}Adding system packages...{NC}\n\n"));
    packages::add_system(ctx, t.dockerfile, &words(&typed))?;
    ctx.out(&format!(
        "\n{GREEN}✓{NC} System packages added to Dockerfile\n\n{YELLOW}💡 To apply changes, you'll need to rebuild the image based on the updated Dockerfile.{NC}\n\n"
    ));
    rebuild_now(ctx)
}

fn remove(ctx: &mut Ctx, t: &Target, req: Option<&Path>) -> Result<Next, Failure> {
    let names: Vec<String> = match req {
        Some(req) => requirement_lines(req)?
            .iter()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| {
                let l = l.split('#').next().unwrap_or("");
                df::base_name(l, true).trim().to_string()
            })
            .filter(|l| !l.is_empty())
            .collect(),
        None => df::pip_packages(&df::lines_of(&packages::read(t.dockerfile)?))
            .iter()
            .map(|p| df::base_name(p, true).to_string())
            .collect(),
    };
    ctx.out(&format!(
        "\n{BOLD}Remove Packages{NC}\n\n{CYAN}Available packages:{NC}\n\n{}\nEnter package names to remove (space-separated):\n\n",
        numbered(&names)
    ));
    let typed = term::ask(ctx, "> ")?;
    if typed.is_empty() {
        ctx.out(&format!("{YELLOW}No packages entered{NC}\n\n"));
        return Ok(Next::Menu);
    }
    ctx.out(&format!("\n{CYAN}Removing packages...{NC}\n\n"));
    packages::remove(ctx, t.dockerfile, &words(&typed))?;
    ctx.out(&format!(
        "\n{GREEN}✓{NC} Packages removed\n\n{YELLOW}💡 To apply changes, you'll need to rebuild the image.{NC}\n\n"
    ));
    rebuild_now(ctx)
}

fn edit(ctx: &mut Ctx, t: &Target) -> Result<Next, Failure> {
    ctx.out("\n");
    match find_editor(ctx) {
        None => {
            let content = packages::read(t.dockerfile)?;
            ctx.out(&format!(
                "{}For now, displaying Dockerfile content:\n\n{content}\n",
                no_editor()
            ));
            term::pause(ctx, "Press Enter to continue...")?;
        }
        Some(editor) => {
            ctx.out(&format!(
                "{YELLOW}Opening Dockerfile in {editor}...{NC}\n\n"
            ));
            run_editor(&editor, t.dockerfile)?;
            ctx.out(&format!("\n{GREEN}✓{NC} Dockerfile edited\n"));
        }
    }
    Ok(Next::Menu)
}

/// What the original said when no editor is installed.
pub(super) fn no_editor() -> String {
    format!(
        "{RED}✗ No text editor found{NC}\n\nPlease install one of: vim, vi, nano, emacs\nOr set EDITOR environment variable to your preferred editor\n\n"
    )
}

/// `$EDITOR`, else the first of vim, vi, nano, emacs that is installed
/// (`command -v`).
pub(super) fn find_editor(ctx: &Ctx) -> Option<String> {
    let path = ctx.env.get("PATH").unwrap_or("/usr/bin:/bin").to_string();
    let candidates = ctx
        .env
        .get("EDITOR")
        .map(str::to_string)
        .into_iter()
        .chain(["vim", "vi", "nano", "emacs"].map(String::from));
    candidates.into_iter().find(|c| on_path(c, &path))
}

fn on_path(program: &str, path: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(Path::new(program));
    }
    path.split(':')
        .filter(|d| !d.is_empty())
        .any(|d| executable(&PathBuf::from(d).join(program)))
}

/// Run the editor on the terminal; its failure ends the command with its
/// status, as `set -e` ended the original.
pub(super) fn run_editor(editor: &str, file: &Path) -> Result<(), Failure> {
    let status = std::process::Command::new(editor)
        .arg(file)
        .status()
        .map_err(|e| Failure::stderr(1, format!("{editor}: {e}\n")))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Failure::exit(code)),
        None => Err(Failure::exit(1)),
    }
}

/// The words of a typed list (the shell's splitting of `$VAR`).
pub(super) fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}
