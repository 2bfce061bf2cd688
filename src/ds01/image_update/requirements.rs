//! Requirements files for `image-update -r FILE` and the menu's "Import
//! from requirements.txt": finding them (`~/workspace/*/requirements.txt`
//! and `~/requirements.txt`), checking them, and the picker.  The
//! picker's start ([`look_for`]) is image-create's wizard's too.

use crate::context::Ctx;
use crate::ds01::image_list::tilde;
use crate::error::Failure;
use crate::ui::ds01::{self as term, BOLD, CYAN, DIM, NC, RED, YELLOW};
use std::path::{Path, PathBuf};

/// `~/...` typed by the user, expanded (`${p/#\~/$HOME}`).
pub(super) fn expand_home(home: &Path, typed: &str) -> PathBuf {
    match typed.strip_prefix('~') {
        Some(rest) => PathBuf::from(format!("{}{rest}", home.display())),
        None => PathBuf::from(typed),
    }
}

/// Whether `path` can be used; the original's messages on stderr.
pub(super) fn validate(ctx: &mut Ctx, path: &Path) -> bool {
    if !path.is_file() {
        ctx.err(&format!(
            "{RED}Error: File not found: {}{NC}\n",
            path.display()
        ));
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        ctx.err(&format!(
            "{RED}Error: Cannot read file: {}{NC}\n",
            path.display()
        ));
        return false;
    };
    let listed = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| !l.trim().is_empty());
    if !listed {
        ctx.err(&format!(
            "{YELLOW}Warning: requirements.txt appears to be empty{NC}\n"
        ));
    }
    true
}

/// Readable requirements files with the name the menu gives them.
fn scan(home: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut projects: Vec<PathBuf> = std::fs::read_dir(home.join("workspace"))
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    // The shell's glob: sorted, hidden directories left out.
    projects.sort();
    for project in projects {
        let hidden = project
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let req = project.join("requirements.txt");
        if !hidden && project.is_dir() && readable_file(&req) {
            let name = project
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            found.push((req, name));
        }
    }
    let global = home.join("requirements.txt");
    if readable_file(&global) {
        found.push((global, "Global (home directory)".to_string()));
    }
    found
}

fn readable_file(path: &Path) -> bool {
    path.is_file() && std::fs::File::open(path).is_ok()
}

/// What a picker found: the readable files with their menu names, or,
/// when there were none, the path typed instead.
pub(crate) enum Found {
    Files(Vec<(PathBuf, String)>),
    Typed(String),
}

/// The start of both pickers (image-update's and image-create's): the
/// heading and the files under `home`; with none, where they were looked
/// for, and a path asked for instead (empty: cancelled).
pub(crate) fn look_for(ctx: &mut Ctx, home: &Path) -> Result<Found, Failure> {
    ctx.out(&format!(
        "\n{CYAN}━━━ Import from requirements.txt ━━━{NC}\n\n"
    ));
    let files = scan(home);
    if !files.is_empty() {
        return Ok(Found::Files(files));
    }
    ctx.out(&format!(
        "{YELLOW}No requirements.txt files found in:{NC}\n  - ~/workspace/*/\n  - ~/\n\n"
    ));
    let typed = term::ask(
        ctx,
        "Enter path to requirements.txt (or press Enter to cancel): ",
    )?;
    Ok(Found::Typed(typed))
}

/// The picker (`select_requirements_file`): the chosen, valid file, or
/// `None` (cancelled, invalid choice, bad file).
pub(super) fn pick(ctx: &mut Ctx, home: &Path) -> Result<Option<PathBuf>, Failure> {
    let files = match look_for(ctx, home)? {
        Found::Files(files) => files,
        Found::Typed(typed) => return Ok(checked(ctx, home, &typed)),
    };
    let mut menu = format!("{BOLD}Found requirements.txt files:{NC}\n\n");
    for (i, (path, name)) in files.iter().enumerate() {
        let short = tilde(home, &path.display().to_string());
        menu.push_str(&format!(
            "  {BOLD}{}){NC} {name}\n     {DIM}{short}{NC}\n",
            i + 1
        ));
    }
    let manual = files.len() + 1;
    let cancel = files.len() + 2;
    menu.push_str(&format!(
        "  {BOLD}{manual}){NC} Enter path manually\n  {BOLD}{cancel}){NC} Cancel\n\n"
    ));
    ctx.out(&menu);
    let choice = term::ask(ctx, &format!("Choice [1-{cancel}]: "))?;
    if choice == cancel.to_string() {
        return Ok(None);
    }
    if choice == manual.to_string() {
        ctx.out("\n");
        let typed = term::ask(ctx, "Enter path to requirements.txt: ")?;
        return Ok(checked(ctx, home, &typed));
    }
    let index = choice
        .parse::<usize>()
        .ok()
        .filter(|_| choice.chars().all(|c| c.is_ascii_digit()))
        .and_then(|n| n.checked_sub(1))
        .filter(|&i| i < files.len());
    let Some(index) = index else {
        ctx.out(&format!("{RED}Invalid selection{NC}\n"));
        return Ok(None);
    };
    let path = files[index].0.clone();
    Ok(validate(ctx, &path).then_some(path))
}

/// A typed path, expanded and checked; `None` when empty or unusable.
fn checked(ctx: &mut Ctx, home: &Path, typed: &str) -> Option<PathBuf> {
    if typed.is_empty() {
        return None;
    }
    let path = expand_home(home, typed);
    validate(ctx, &path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_expansion_and_scan() {
        let home = std::env::temp_dir().join(format!("ds01-iu-req-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        for p in ["b", "a", ".hidden", "none"] {
            std::fs::create_dir_all(home.join("workspace").join(p)).unwrap();
        }
        for p in ["b", "a", ".hidden"] {
            std::fs::write(
                home.join("workspace").join(p).join("requirements.txt"),
                "x\n",
            )
            .unwrap();
        }
        std::fs::write(home.join("requirements.txt"), "y\n").unwrap();
        let names: Vec<String> = scan(&home).into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["a", "b", "Global (home directory)"]);
        assert_eq!(
            expand_home(&home, "~/r.txt"),
            PathBuf::from(format!("{}/r.txt", home.display()))
        );
        std::fs::remove_dir_all(&home).unwrap();
    }
}
