//! `help` (also `commands`, `aliases`, `alias-list`; reference §6): DS01's
//! command reference, `scripts/admin/alias-list` at HEAD (deploy.sh links
//! all four names to it).  Sections as the original's: the user's commands
//! with their custom aliases by default, what to use inside a container
//! (the default in one), the administrators' commands, the links in
//! /usr/local/bin, and `--atomic`, which the original's hints advertised
//! but refused (§12): the single-step commands.  The lists are made from
//! the command table (see `listing`), in ds01's words.

mod listing;

use crate::cli::ds01 as parse;
use crate::cli::spec::{self, Action, ToolSpec};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{expand, NC, RED};
use listing::{Line, Section};
use std::path::Path;

/// The directory whose command links `--symlinks` shows.
const LINK_DIR: &str = "/usr/local/bin";
/// The narrowest name column (the original's).
const MIN_NAME_WIDTH: usize = 21;

const HEAVY_RULE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n";
const LIGHT_RULE: &str =
    "{CYAN}─────────────────────────────────────────────────────────────{NC}\n";

/// The sections asked for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Flags {
    full: bool,
    inside: bool,
    admin: bool,
    symlinks: bool,
    atomic: bool,
}

/// One part of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    User,
    Inside,
    Atomic,
    Admin,
    Aliases,
    Symlinks,
    Footer,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("help").map_err(|e| Failure::stderr(70, e))?;
    let Some(flags) = flags(&spec, args)? else {
        ctx.out(&parse::help(&spec));
        return Ok(0);
    };
    let parts = parts(flags, in_container(), args.is_empty());
    let home = ctx.caller.home.clone();
    let page: String = parts.iter().map(|&p| render(p, &home)).collect();
    ctx.out(&page);
    Ok(0)
}

/// The flags, or None for the help page.  As in the original's loop, any
/// other argument stops with `Error: Unknown option`, exit 1.
fn flags(spec: &ToolSpec, args: &[String]) -> Result<Option<Flags>, Failure> {
    let mut f = Flags::default();
    for arg in args {
        let Some(option) = crate::cli::ds01::find(spec, arg) else {
            return Err(Failure::stdout(
                1,
                format!(
                    "{RED}Error:{NC} Unknown option: {arg}\nUse --help for usage information\n"
                ),
            ));
        };
        match option.dest.as_str() {
            _ if option.action == Action::Help => return Ok(None),
            "full" => f.full = true,
            "inside" => f.inside = true,
            "admin" => f.admin = true,
            "symlinks" => f.symlinks = true,
            _ => f.atomic = true,
        }
    }
    Ok(Some(f))
}

/// Whether this process runs in a container (the original's test:
/// `/.dockerenv`, or docker in init's cgroup).
fn in_container() -> bool {
    Path::new("/.dockerenv").is_file()
        || std::fs::read_to_string("/proc/1/cgroup").is_ok_and(|t| t.contains("docker"))
}

/// The parts shown, in order, as the original chose them; `container`:
/// run in a container, `bare`: no arguments.
fn parts(mut f: Flags, container: bool, bare: bool) -> Vec<Part> {
    let specific = f.admin || f.symlinks || f.atomic;
    if container && !f.full && !specific {
        f.inside = true;
    }
    let mut parts = Vec::new();
    if f.full {
        parts.extend([
            Part::User,
            Part::Inside,
            Part::Admin,
            Part::Aliases,
            Part::Symlinks,
        ]);
    } else if f.inside && !specific {
        parts.push(Part::Inside);
    } else {
        let wanted = [
            (!specific, Part::User),
            (f.inside, Part::Inside),
            (f.atomic, Part::Atomic),
            (f.admin, Part::Admin),
            (!specific && !f.inside, Part::Aliases),
            (f.symlinks, Part::Symlinks),
        ];
        parts.extend(wanted.iter().filter(|(on, _)| *on).map(|&(_, p)| p));
    }
    // The option list closes every page but the full one and the one a
    // bare `help` shows in a container.
    let quiet = f.full || (container && bare);
    if !quiet {
        parts.push(Part::Footer);
    }
    parts
}

fn render(part: Part, home: &str) -> String {
    match part {
        Part::User => user_commands(),
        Part::Inside => expand(INSIDE),
        Part::Atomic => atomic_commands(),
        Part::Admin => admin_commands(),
        Part::Aliases => custom_aliases(home),
        Part::Symlinks => symlinks(),
        Part::Footer => expand(FOOTER),
    }
}

fn user_commands() -> String {
    let mut text = format!(
        "{HEAVY_RULE}{{BOLD}}              DS01 COMMAND REFERENCE{{NC}}\n{HEAVY_RULE}\n\
         {{BOLD}}USER COMMANDS{{NC}}\n{LIGHT_RULE}\n"
    );
    text.push_str(&sections(listing::USER, listing::USER));
    let more = listing::unplaced(&[listing::USER, listing::ADMIN]);
    text.push_str(&section_text("More:", &more, name_width(more.iter())));
    text.push_str(USER_TAIL);
    expand(&text)
}

fn atomic_commands() -> String {
    let mut text = format!("{{BOLD}}ATOMIC COMMANDS{{NC}}\n{LIGHT_RULE}\n");
    text.push_str(ATOMIC_INTRO);
    text.push_str(&sections(listing::ATOMIC, listing::USER));
    expand(&text)
}

fn admin_commands() -> String {
    let mut text = format!("{{BOLD}}ADMIN COMMANDS{{NC}}\n{LIGHT_RULE}\n");
    text.push_str(&sections(listing::ADMIN, listing::ADMIN));
    text.push_str(ADMIN_TAIL);
    expand(&text)
}

/// The sections' text (colour tokens unexpanded), their names in one
/// column; empty sections left out.
fn sections(list: &[Section], placement: &[Section]) -> String {
    let all: Vec<(&str, Vec<Line>)> = list
        .iter()
        .map(|s| (s.title, listing::lines(s, placement)))
        .collect();
    let width = name_width(all.iter().flat_map(|(_, lines)| lines));
    all.iter()
        .map(|(title, lines)| section_text(title, lines, width))
        .collect()
}

/// The name column: the longest name and two spaces, at least the
/// original's width.
fn name_width<'a>(lines: impl Iterator<Item = &'a Line>) -> usize {
    lines
        .map(|l| l.shown.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(MIN_NAME_WIDTH)
}

fn section_text(title: &str, lines: &[Line], width: usize) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut text = format!("{{BOLD}}{title}{{NC}}\n");
    for l in lines {
        let pad = " ".repeat(width - l.shown.chars().count());
        text.push_str(&format!("  {{GREEN}}{}{{NC}}{pad}{}\n", l.shown, l.summary));
        if !l.also.is_empty() {
            text.push_str(&format!(
                "       {{GREEN}}also: {}{{NC}}\n",
                l.also.join(", ")
            ));
        }
    }
    text.push('\n');
    text
}

/// `~/.bash_aliases` lines that mention ds01, containers, images or
/// projects (the original's grep), each trimmed as `read` trims.
fn custom_aliases(home: &str) -> String {
    let file = std::fs::read(format!("{home}/.bash_aliases")).unwrap_or_default();
    let text = String::from_utf8_lossy(&file);
    let wanted = ["ds01", "container", "image", "project"];
    let found: Vec<&str> = text
        .lines()
        .filter(|l| wanted.iter().any(|w| l.contains(w)))
        .map(str::trim)
        .collect();
    let mut out = format!("{{BOLD}}CUSTOM USER ALIASES{{NC}}\n{LIGHT_RULE}");
    if found.is_empty() {
        out.push_str(
            "{YELLOW}  No custom aliases found{NC}\n  Add your own to {CYAN}~/.bash_aliases{NC}\n",
        );
    } else {
        out.push('\n');
        for line in found {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push('\n');
    expand(&out)
}

/// The links in /usr/local/bin that lead to this program.
fn symlinks() -> String {
    let mut out = format!("{{BOLD}}ACTIVE SYMLINKS IN {LINK_DIR}{{NC}}\n{LIGHT_RULE}");
    match ds01_links(Path::new(LINK_DIR)) {
        None => out.push_str(&format!("{{YELLOW}}  {LINK_DIR} not accessible{{NC}}\n")),
        Some(links) if links.is_empty() => out.push_str(&format!(
            "{{YELLOW}}  No DS01 symlinks found in {LINK_DIR}{{NC}}\n  Run: {{CYAN}}sudo ds01 install-links {LINK_DIR}{{NC}}\n"
        )),
        Some(links) => {
            out.push('\n');
            for (name, target) in links {
                out.push_str(&format!("  {{GREEN}}{name}{{NC}} → {target}\n"));
            }
        }
    }
    out.push('\n');
    expand(&out)
}

/// `(name, link text)` of each link in `dir` that resolves to this
/// executable, by name; None when `dir` cannot be read.
fn ds01_links(dir: &Path) -> Option<Vec<(String, String)>> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let mut links: Vec<(String, String)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
        .filter(|e| e.path().canonicalize().ok().as_deref() == Some(exe.as_path()))
        .filter_map(|e| {
            let target = std::fs::read_link(e.path()).ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                target.display().to_string(),
            ))
        })
        .collect();
    links.sort();
    Some(links)
}

const USER_TAIL: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
 {YELLOW}Hyphenated forms also work:{NC} container-create, container-list, etc.


 {YELLOW}Command Flag Conventions:{NC}

  {BOLD}Most commands take:{NC}
    {CYAN}-h, --help, --info{NC}       Show what the command does and its options
    {CYAN}--guided{NC}                 Explain each step as it happens (for beginners)


{BOLD}Tips:{NC}
  • container, image and project commands work with a space or a hyphen
  • {CYAN}--guided{NC} on a single-step command explains it as it runs
  • {CYAN}container{NC}, {CYAN}image{NC}, {CYAN}project{NC} or {CYAN}user{NC} alone lists its subcommands
  • {CYAN}help --atomic{NC} lists only the single-step commands\n\n";

const ATOMIC_INTRO: &str = "  Each of these does one step.  container-deploy and container-retire
  do the usual sequences in one go.\n\n";

const ADMIN_TAIL: &str = "{BOLD}Installation:{NC}
  {GREEN}ds01 --list{NC}             Every command name ds01 answers to
  {GREEN}ds01 install-links DIR{NC}  Link every command name in DIR to ds01\n\n";

const INSIDE: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}         COMMANDS INSIDE CONTAINER{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}Leaving:{NC}
  {GREEN}exit{NC} or {GREEN}Ctrl+D{NC}       End this shell; the container and its jobs keep running

{BOLD}Your files:{NC}
  {GREEN}cd /workspace{NC}        Your workspace, the same files as on the server

{BOLD}GPUs:{NC}
  {GREEN}nvidia-smi{NC}           The GPUs this container may use, and what runs on them

{BOLD}Customization:{NC}
  {GREEN}alias{NC}                The aliases this shell has

{BOLD}On the server:{NC}
  ds01's commands (container-list, container-stop, ...) run on the server,
  outside the container; {CYAN}help{NC} there lists them.\n\n";

const FOOTER: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Available Options:{NC}

  {CYAN}--full{NC}               Every section
  {CYAN}--inside-container{NC}   What to use inside a container
  {CYAN}--admin{NC}              The administrators' and internal commands
  {CYAN}--symlinks{NC}           The command links in /usr/local/bin
  {CYAN}--atomic{NC}             Only the single-step commands
  {CYAN}--help{NC}               This command's own help

{YELLOW}💡 Flags can be combined:{NC} help --admin --symlinks\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn parsed(a: &[&str]) -> Flags {
        let spec = spec::tool("help").expect("spec");
        flags(&spec, &args(a)).expect("parsed").expect("not help")
    }

    #[test]
    fn unknown_options_and_help() {
        let spec = spec::tool("help").expect("spec");
        let refused = flags(&spec, &args(&["--full", "container"])).expect_err("refused");
        assert_eq!(refused.code, 1);
        assert_eq!(
            refused.stdout,
            "\x1b[0;31mError:\x1b[0m Unknown option: container\nUse --help for usage information\n"
        );
        assert_eq!(
            flags(&spec, &args(&["--admin", "--info"])).expect("help"),
            None
        );
        let page = parse::help(&spec);
        assert!(page.contains("Usage: alias-list [OPTIONS]\n\n"));
        assert!(page.contains("  --atomic "));
    }

    #[test]
    fn parts_follow_the_original() {
        use Part::*;
        assert_eq!(parts(parsed(&[]), false, true), [User, Aliases, Footer]);
        assert_eq!(parts(parsed(&[]), true, true), [Inside]);
        assert_eq!(parts(parsed(&["--inside"]), true, false), [Inside, Footer]);
        assert_eq!(parts(parsed(&["--admin"]), true, false), [Admin, Footer]);
        assert_eq!(
            parts(parsed(&["--admin", "--symlinks"]), false, false),
            [Admin, Symlinks, Footer]
        );
        assert_eq!(parts(parsed(&["--atomic"]), false, false), [Atomic, Footer]);
        assert_eq!(
            parts(parsed(&["--full"]), true, false),
            [User, Inside, Admin, Aliases, Symlinks]
        );
        assert_eq!(
            parts(parsed(&["--inside", "--atomic"]), false, false),
            [Inside, Atomic, Footer]
        );
    }

    #[test]
    fn the_user_page_lists_existing_commands_only() {
        let page = user_commands();
        assert!(page.contains("  \x1b[0;32mcontainer deploy\x1b[0m     "));
        assert!(page.contains("       \x1b[0;32malso: commands, aliases, alias-list\x1b[0m\n"));
        for gone in ["jupyter-setup", "gpu-queue", "ds01-status", "alias-create"] {
            assert!(!page.contains(gone), "{gone}");
        }
        let atomic = atomic_commands();
        assert!(atomic.contains("\x1b[0;32mimage-install\x1b[0m"));
        assert!(!atomic.contains("\x1b[0;32mcontainer-deploy"));
    }

    #[test]
    fn aliases_are_grepped_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("ds01-help-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let home = dir.display().to_string();
        assert!(custom_aliases(&home).contains("No custom aliases found"));
        std::fs::write(
            dir.join(".bash_aliases"),
            "alias ll='ls'\n  alias cl='container-list'  \n",
        )
        .expect("write");
        let text = custom_aliases(&home);
        assert!(text.contains("\n\n  alias cl='container-list'\n\n"));
        assert!(!text.contains("ll="));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
