//! `devcontainer-init [project] [options]` (also `devcontainer init`,
//! reference §5.4): a wizard that writes a project's
//! `.devcontainer/devcontainer.json` for VS Code, in four steps (project
//! and file, base image, GPU, extras).  Questions are read from the
//! terminal as the original's `read -p ... </dev/tty` read them; options
//! and `--quick` answer them beforehand.  project-init runs it in-process
//! with the project and `--output=`.

mod document;
mod flags;
pub(crate) mod pyjson;
mod text;
pub(crate) mod write;

use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::image_create::base::base_image;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use flags::{GpuMode, Request};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use text::*;

/// Where the file goes unless `--output` (or the project menu) says.
const DEFAULT_OUTPUT: &str = ".devcontainer/devcontainer.json";

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("devcontainer-init").map_err(|e| Failure::stderr(70, e))?;
    let Some(request) = crate::ds01::run_or_page(ctx, flags::parse(&spec, args)?) else {
        return Ok(0);
    };
    let mut w = Wizard {
        cwd: logical_cwd(ctx.env.get("PWD")),
        home: ctx.caller.home.clone(),
        r: request,
        from_menu: false,
        custom_image: String::new(),
        image: String::new(),
    };
    header(ctx, &w.r);
    if step_project(ctx, &mut w)? == Flow::Cancelled {
        return Ok(0);
    }
    step_base_image(ctx, &mut w)?;
    step_gpu(ctx, &mut w)?;
    step_extras(ctx, &mut w)?;
    generate(ctx, &w)?;
    summary(ctx, &w);
    Ok(0)
}

/// The answers so far.
struct Wizard {
    r: Request,
    /// The working directory as the shell names it (`pwd`).
    cwd: String,
    home: String,
    /// The project was picked from the workspace menu (its name is not
    /// repeated).
    from_menu: bool,
    custom_image: String,
    image: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Go,
    Cancelled,
}

fn header(ctx: &mut Ctx, r: &Request) {
    let rule = format!("{CYAN}{}{NC}\n", "━".repeat(47));
    let mut out = format!("\n{rule}");
    if r.guided {
        out.push_str(&format!(
            "{BOLD}DS01 Dev Container Setup (Guided Mode){NC}\n{rule}"
        ));
        out.push_str(&expand(GUIDED_INTRO));
    } else {
        out.push_str(&format!("{BOLD}DS01 Dev Container Setup{NC}\n{rule}"));
    }
    if !r.quick && !r.guided {
        out.push_str(&format!(
            "\n{DIM}Tip: Add --guided for explanations, --concepts to learn first{NC}\n"
        ));
    }
    ctx.out(&out);
}

/// Step 1: the project, where the file goes, and what to do with one
/// already there.
fn step_project(ctx: &mut Ctx, w: &mut Wizard) -> Result<Flow, Failure> {
    step_title(
        ctx,
        "Step 1: Project Information",
        w.r.guided.then_some(GUIDED_PROJECT),
        false,
    )?;
    if w.r.output.is_empty() {
        w.r.output = DEFAULT_OUTPUT.to_string();
    }
    w.r.output = expand_tilde(&w.r.output, &w.home);
    let in_workspace = w.cwd.starts_with(&format!("{}/workspace/", w.home));
    if w.r.project.is_empty() && w.r.output == DEFAULT_OUTPUT && !w.r.quick && !in_workspace {
        choose_location(ctx, w)?;
    }
    name_project(ctx, w)?;
    ctx.out(&format!("Output path: {CYAN}{}{NC}\n", w.r.output));
    if write::is_symlink(Path::new(&w.r.output)) {
        return Err(symlink_refusal(&w.r.output));
    }
    if Path::new(&w.r.output).is_file() {
        return existing_file(ctx, w);
    }
    Ok(Flow::Go)
}

/// The bold step title, the guided explanation if any (then a blank line
/// follows in every case, printed by the caller).
/// A step's title, in guided mode its explanation (and, for the steps
/// that had one, a pause after it), then a blank line.
fn step_title(
    ctx: &mut Ctx,
    title: &str,
    guided: Option<&str>,
    pause: bool,
) -> Result<(), Failure> {
    let mut out = format!("\n{BOLD}{title}{NC}\n");
    if let Some(text) = guided {
        out.push_str(&expand(text));
    }
    ctx.out(&out);
    if pause && guided.is_some() {
        term::pause(ctx, "Press Enter to continue...")?;
    }
    ctx.out("\n");
    Ok(())
}

/// The workspace menu: one of `~/workspace/*`, the current directory (the
/// default) or a path typed in.
fn choose_location(ctx: &mut Ctx, w: &mut Wizard) -> Result<(), Failure> {
    let workspace = format!("{}/workspace", w.home);
    if !Path::new(&workspace).is_dir() {
        return Ok(());
    }
    let projects = workspace_projects(Path::new(&workspace));
    if projects.is_empty() {
        return Ok(());
    }
    ctx.out(&location_menu(&workspace, &projects, &basename(&w.cwd)));
    let current = (projects.len() + 1).to_string();
    let custom = (projects.len() + 2).to_string();
    let choice = read_answer(ctx, &format!("Choice [default: {current}]: "))?;
    if choice.is_empty() || choice == current {
        // The current directory: carry on as if there had been no menu.
    } else if choice == custom {
        let path = expand_tilde(&read_answer(ctx, "Enter path: ")?, &w.home);
        w.r.output = format!("{path}/{DEFAULT_OUTPUT}");
        w.r.project = basename(&path);
        w.from_menu = true;
        ctx.out(&format!("\nSelected: {CYAN}{path}{NC}\n"));
    } else if let Some(project) = menu_pick(&choice, &projects) {
        w.r.output = format!("{workspace}/{project}/{DEFAULT_OUTPUT}");
        w.r.project = project.to_string();
        w.from_menu = true;
        ctx.out(&format!("\nSelected: {CYAN}{workspace}/{project}{NC}\n"));
    } else {
        return Err(Failure::stdout(1, format!("{RED}Invalid choice{NC}\n")));
    }
    ctx.out("\n");
    Ok(())
}

/// The directories in `workspace` (not links to them, and nothing when
/// the workspace itself is a link, as `find` without `-L` saw it), sorted.
fn workspace_projects(workspace: &Path) -> Vec<String> {
    if write::is_symlink(workspace) {
        return Vec::new();
    }
    let Ok(entries) = fs::read_dir(workspace) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn location_menu(workspace: &str, projects: &[String], here: &str) -> String {
    let mut out =
        format!("Where should the dev container be created?\n\n  {BOLD}Workspace Projects:{NC}\n");
    for (i, project) in projects.iter().enumerate() {
        let n = i + 1;
        let config = format!("{workspace}/{project}/{DEFAULT_OUTPUT}");
        if Path::new(&config).is_file() {
            out.push_str(&format!(
                "  {BOLD}{n}){NC} {project} {DIM}(has devcontainer.json){NC}\n"
            ));
        } else {
            out.push_str(&format!("  {BOLD}{n}){NC} {project}\n"));
        }
    }
    let current = projects.len() + 1;
    let custom = current + 1;
    out.push_str(&format!(
        "\n  {BOLD}{current}){NC} Current directory {DIM}({here}){NC} {GREEN}(default){NC}\n"
    ));
    out.push_str(&format!("  {BOLD}{custom}){NC} Custom path\n\n"));
    out
}

/// The project numbered `choice` (a decimal integer, as `test -ge` reads
/// one).
fn menu_pick<'a>(choice: &str, projects: &'a [String]) -> Option<&'a str> {
    let n: i64 = choice.parse().ok()?;
    let index = usize::try_from(n).ok()?.checked_sub(1)?;
    projects.get(index).map(String::as_str)
}

/// The project's name: given, picked, or asked (default: this directory's
/// name); then spaces become dashes and letters lower case.
fn name_project(ctx: &mut Ctx, w: &mut Wizard) -> Result<(), Failure> {
    if w.r.project.is_empty() {
        let default = basename(&w.cwd);
        if w.r.quick {
            ctx.out(&format!(
                "Project name: {CYAN}{default}{NC} (from directory)\n"
            ));
            w.r.project = default;
        } else {
            let answer = read_answer(ctx, &format!("Project name [{default}]: "))?;
            w.r.project = if answer.is_empty() { default } else { answer };
        }
    } else if !w.from_menu {
        ctx.out(&format!("Project name: {CYAN}{}{NC}\n", w.r.project));
    }
    w.r.project = sanitize(&w.r.project);
    Ok(())
}

/// `tr ' ' '-' | tr '[:upper:]' '[:lower:]'` (ASCII letters only, as tr
/// maps them).
fn sanitize(name: &str) -> String {
    name.replace(' ', "-").to_ascii_lowercase()
}

/// A devcontainer.json is already there: overwrite it, back it up first
/// (the default), or stop.  `--quick` overwrites.
fn existing_file(ctx: &mut Ctx, w: &Wizard) -> Result<Flow, Failure> {
    let output = &w.r.output;
    ctx.out(&format!(
        "\n{YELLOW}⚠{NC} devcontainer.json already exists at: {output}\n\n"
    ));
    if w.r.quick {
        ctx.out("Overwriting (--quick mode)...\n");
        return Ok(Flow::Go);
    }
    ctx.out(&expand(OVERWRITE_MENU));
    let choice = read_answer(ctx, "Choice [1-3, default: 2]: ")?;
    match choice.as_str() {
        "1" => ctx.out("Overwriting...\n"),
        "2" | "" => {
            let backup = format!("{output}.bak");
            back_up(output, &backup)?;
            ctx.out(&format!("{GREEN}✓{NC} Backed up to: {backup}\n"));
        }
        _ => {
            ctx.out("Cancelled.\n");
            return Ok(Flow::Cancelled);
        }
    }
    Ok(Flow::Go)
}

/// `cp FILE FILE.bak`, the copy as private as the file.
fn back_up(from: &str, to: &str) -> Result<(), Failure> {
    let fail =
        |e: String| Failure::stderr(1, format!("{RED}✗{NC} Could not back up {from}: {e}\n"));
    let meta = fs::metadata(from).map_err(|e| fail(e.to_string()))?;
    let bytes = fs::read(from).map_err(|e| fail(e.to_string()))?;
    write::replace_file(
        Path::new(to),
        &bytes,
        Some(meta.permissions().mode() & 0o777),
    )
    .map_err(|e| fail(e.to_string()))
}

fn symlink_refusal(path: &str) -> Failure {
    Failure::stdout(
        1,
        format!(
            "\n{RED}✗{NC} {path} is a symbolic link: ds01 will not write through it.\n  Remove the link, or choose another file with --output=PATH.\n"
        ),
    )
}

/// Step 2: the framework, and the AIME image for it.
fn step_base_image(ctx: &mut Ctx, w: &mut Wizard) -> Result<(), Failure> {
    step_title(
        ctx,
        "Step 2: Base Image",
        w.r.guided.then_some(GUIDED_IMAGE),
        true,
    )?;
    if !w.r.framework.is_empty() {
        ctx.out(&format!("Framework: {CYAN}{}{NC}\n", w.r.framework));
    } else if w.r.quick {
        w.r.framework = "pytorch".to_string();
        ctx.out(&format!("Framework: {CYAN}pytorch{NC} (default)\n"));
    } else {
        ctx.out(&expand(FRAMEWORK_MENU));
        let choice = read_answer(ctx, "Choice [1-5, default: 1]: ")?;
        w.r.framework = match choice.as_str() {
            "2" => "tensorflow",
            "3" => "jax",
            "4" => "minimal",
            "5" => {
                w.custom_image = read_answer(ctx, "Enter custom image name: ")?;
                "custom"
            }
            _ => "pytorch",
        }
        .to_string();
    }
    // `--framework=custom` names no image: the original wrote an empty one.
    w.image = base_image(&ctx.settings, &w.r.framework, &w.custom_image);
    ctx.out(&format!("Base image: {CYAN}{}{NC}\n", w.image));
    Ok(())
}

/// Step 3: a MIG slice (asked unless an option or `--quick` decided), a
/// full GPU or none.
fn step_gpu(ctx: &mut Ctx, w: &mut Wizard) -> Result<(), Failure> {
    step_title(
        ctx,
        "Step 3: GPU Configuration",
        w.r.guided.then_some(GUIDED_GPU),
        true,
    )?;
    if w.r.gpu == GpuMode::Mig && !w.r.quick {
        ctx.out(&expand(GPU_MENU));
        w.r.gpu = match read_answer(ctx, "Choice [1-3, default: 2]: ")?.as_str() {
            "1" => GpuMode::None,
            "3" => GpuMode::Full,
            _ => GpuMode::Mig,
        };
    }
    let line = match w.r.gpu {
        GpuMode::None => format!("GPU mode: {CYAN}None{NC} (permanent container)\n"),
        GpuMode::Full => format!("GPU mode: {CYAN}Full GPU{NC}\n"),
        GpuMode::Mig => format!("GPU mode: {CYAN}MIG instance{NC} (shared GPU)\n"),
    };
    ctx.out(&line);
    // The original's quota warning asked get_resource_limits for
    // `--max-mig-instances`, a flag it does not know (it answers with its
    // whole page), so the comparison never held and the warning never
    // showed; it is left out.
    Ok(())
}

/// Step 4: a requirements file and VS Code extensions, unless given.
fn step_extras(ctx: &mut Ctx, w: &mut Wizard) -> Result<(), Failure> {
    step_title(
        ctx,
        "Step 4: Additional Configuration",
        w.r.guided.then_some(GUIDED_EXTRAS),
        false,
    )?;
    if w.r.requirements.is_empty() && !w.r.quick {
        // The working directory's file, wherever the output goes.
        if Path::new("requirements.txt").is_file() {
            ctx.out(&format!("Found: {CYAN}requirements.txt{NC}\n"));
            let answer = read_answer(ctx, "Use this file for auto-install? [Y/n]: ")?;
            if answer.is_empty() || answer.starts_with(['Y', 'y']) {
                w.r.requirements = "requirements.txt".to_string();
            }
        } else {
            w.r.requirements = read_answer(ctx, "Path to requirements.txt (Enter to skip): ")?;
        }
    }
    if !w.r.requirements.is_empty() {
        ctx.out(&format!("Requirements: {CYAN}{}{NC}\n", w.r.requirements));
    }
    if w.r.extensions.is_empty() && !w.r.quick {
        ctx.out(&format!(
            "\nVS Code extensions to install (comma-separated):\n{DIM}  Common: ms-python.python, ms-toolsai.jupyter{NC}\n"
        ));
        w.r.extensions = read_answer(ctx, "Extensions (Enter to skip): ")?;
    }
    if !w.r.extensions.is_empty() {
        ctx.out(&format!("Extensions: {CYAN}{}{NC}\n", w.r.extensions));
    }
    Ok(())
}

fn generate(ctx: &mut Ctx, w: &Wizard) -> Result<(), Failure> {
    ctx.out(&format!("\n{BOLD}Generating devcontainer.json...{NC}\n\n"));
    let text = document::render(&document::Settings {
        project: &w.r.project,
        image: &w.image,
        gpu: w.r.gpu,
        extensions: &w.r.extensions,
        requirements: &w.r.requirements,
        packages: &w.r.packages,
        system: &w.r.system,
        uid: ctx.caller.uid,
        gid: ctx.caller.gid,
    });
    write::replace_file(Path::new(&w.r.output), text.as_bytes(), None).map_err(|e| match e {
        write::WriteError::Symlink(_) => symlink_refusal(&w.r.output),
        e => Failure::stderr(1, format!("{RED}✗{NC} Could not write the file: {e}\n")),
    })
}

fn summary(ctx: &mut Ctx, w: &Wizard) {
    let rule = format!("{GREEN}{}{NC}\n", "━".repeat(47));
    let mut out = format!("{rule}{GREEN}{BOLD}✓ Dev Container Configuration Created{NC}\n{rule}\n");
    out.push_str(&format!("{BOLD}File:{NC}      {}\n", w.r.output));
    out.push_str(&format!("{BOLD}Project:{NC}   {}\n", w.r.project));
    out.push_str(&format!("{BOLD}Image:{NC}     {}\n", w.image));
    let gpu = w.r.gpu != GpuMode::None;
    if gpu {
        out.push_str(&format!(
            "{BOLD}GPU:{NC}       Enabled (auto-releases when VS Code closes)\n"
        ));
    } else {
        out.push_str(&format!(
            "{BOLD}GPU:{NC}       None (permanent container)\n"
        ));
    }
    for (label, pad, value) in [
        ("System:", "    ", &w.r.system),
        ("Packages:", "  ", &w.r.packages),
        ("Reqs:", "      ", &w.r.requirements),
    ] {
        if !value.is_empty() {
            out.push_str(&format!("{BOLD}{label}{NC}{pad}{value}\n"));
        }
    }
    out.push('\n');
    if w.r.guided {
        out.push_str(&expand(&guided_written(gpu)));
    }
    out.push_str(&expand(NEXT_STEPS));
    if gpu {
        out.push_str("  • Stop automatically when you close VS Code\n");
    }
    out.push('\n');
    if w.r.guided {
        out.push_str(&expand(GUIDED_TIPS));
    }
    ctx.out(&out);
}

/// An answer as bash's `read VAR` (without `-r`) leaves it: blanks around
/// it trimmed, backslashes taken as escapes.
fn read_answer(ctx: &mut Ctx, prompt: &str) -> Result<String, Failure> {
    let raw = term::ask(ctx, prompt)?;
    Ok(unescape(raw.trim_matches([' ', '\t'])))
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// `${PATH/#\~/$HOME}`: a leading `~` becomes the home directory.
fn expand_tilde(path: &str, home: &str) -> String {
    match path.strip_prefix('~') {
        Some(rest) => format!("{home}{rest}"),
        None => path.to_string(),
    }
}

/// `basename PATH`: the last component, trailing slashes ignored (`/`
/// for a path of slashes, nothing for nothing).
fn basename(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() {
            String::new()
        } else {
            "/".into()
        };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// The working directory as bash's `pwd` names it: `$PWD` when that is an
/// absolute name of this very directory without `.` or `..` in it (the
/// path the user came by, links and all), else the physical path.
fn logical_cwd(pwd: Option<&str>) -> String {
    let physical = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(pwd) = pwd else {
        return physical;
    };
    let clean = pwd.starts_with('/') && !pwd.split('/').any(|c| c == "." || c == "..");
    let same = |a: &str, b: &str| match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    };
    if clean && same(pwd, ".") {
        pwd.to_string()
    } else {
        physical
    }
}

#[cfg(test)]
mod tests;
