//! The package edits of `image-update` on disk, with the original's
//! messages: add pip packages (to the Dockerfile's custom section, or to
//! the `requirements.txt` beside a project-init Dockerfile), add apt
//! packages, remove packages.  Each edit first keeps the file as
//! `FILE.bak`, as the original did.

use super::dockerfile::{self as df, Change, Format};
use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{self as term, BLUE, DIM, GREEN, NC, RED, YELLOW};
use std::path::{Path, PathBuf};

pub(super) fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::stderr(
            1,
            format!("{RED}✗ Cannot read {}: {e}{NC}\n", path.display()),
        )
    })
}

pub(super) fn write(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| {
        Failure::stderr(
            1,
            format!("{RED}✗ Cannot write {}: {e}{NC}\n", path.display()),
        )
    })
}

/// `FILE.bak` beside `path`.
pub(super) fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

/// `cp FILE FILE.bak`.
fn back_up(path: &Path) -> Result<(), Failure> {
    std::fs::copy(path, backup_path(path))
        .map(|_| ())
        .map_err(|e| {
            Failure::stderr(
                1,
                format!("{RED}✗ Cannot back up {}: {e}{NC}\n", path.display()),
            )
        })
}

/// The `requirements.txt` beside a Dockerfile, when there is one.
pub(super) fn requirements_beside(dockerfile: &Path) -> Option<PathBuf> {
    let req = dockerfile.parent()?.join("requirements.txt");
    req.is_file().then_some(req)
}

/// The Dockerfile's format, read from disk.
pub(super) fn format_of(dockerfile: &Path) -> Result<Format, Failure> {
    Ok(df::format(&df::lines_of(&read(dockerfile)?)))
}

/// The original's `add_python_packages`: how many packages were added.
/// A Dockerfile without a place for them ends the command (exit 1), as
/// the failed function ended the original under `set -e`.
pub(super) fn add_python(
    ctx: &mut Ctx,
    dockerfile: &Path,
    packages: &[String],
) -> Result<usize, Failure> {
    let mut lines = df::lines_of(&read(dockerfile)?);
    match df::format(&lines) {
        Format::Requirements => {
            let Some(req) = requirements_beside(dockerfile) else {
                let dir = dockerfile.parent().unwrap_or(Path::new("."));
                ctx.out(&format!(
                    "{RED}✗ Dockerfile uses requirements.txt but file not found{NC}\n\nExpected location: {}/requirements.txt\n",
                    dir.display()
                ));
                return Err(Failure::exit(1));
            };
            ctx.out(&format!(
                "{DIM}Detected project-init Dockerfile format (uses requirements.txt){NC}\n\n"
            ));
            return add_to_requirements(ctx, &req, packages);
        }
        Format::CustomSection => {}
        Format::Unknown => {
            ctx.out(&format!(
                "{YELLOW}⚠ Dockerfile doesn't have standard package section{NC}\n\n"
            ));
            let prompt = "Add '# Custom additional packages' section to Dockerfile? [Y/n]: ";
            if !term::confirm_default_yes(ctx, prompt)? {
                ctx.out(&format!(
                    "{RED}✗ Cannot add packages without a package section{NC}\n"
                ));
                return Err(Failure::exit(1));
            }
            df::add_custom_section(&mut lines);
            write(dockerfile, &df::text_of(&lines))?;
            ctx.out(&format!(
                "{DIM}Added '# Custom additional packages' section to Dockerfile{NC}\n"
            ));
        }
    }
    back_up(dockerfile)?;
    let changes = df::add_pip(&mut lines, packages);
    write(dockerfile, &df::text_of(&lines))?;
    let added = report_added(ctx, &changes, "Dockerfile", "\n");
    if added > 0 {
        ctx.out(&format!(
            "\n{GREEN}✓{NC} Added {added} package(s) to Dockerfile\n\nUpdated Dockerfile: {BLUE}{}{NC}\n\n",
            dockerfile.display()
        ));
    }
    Ok(added)
}

/// `  ✓ Added: pkg` / `  ⚠ pkg already in WHERE, skipping` (followed by
/// `after_duplicate`); how many were added.
fn report_added(ctx: &mut Ctx, changes: &[Change], place: &str, after_duplicate: &str) -> usize {
    let mut added = 0;
    for change in changes {
        match change {
            Change::Added(pkg) => {
                added += 1;
                ctx.out(&format!("{GREEN}  ✓{NC} Added: {pkg}\n"));
            }
            Change::Duplicate(pkg) => ctx.out(&format!(
                "{YELLOW}  ⚠ {pkg} already in {place}, skipping{NC}\n{after_duplicate}"
            )),
            Change::Removed(_) | Change::NotFound(_) => {}
        }
    }
    added
}

/// `add_packages_to_requirements`.
fn add_to_requirements(ctx: &mut Ctx, req: &Path, packages: &[String]) -> Result<usize, Failure> {
    let text = read(req)?;
    back_up(req)?;
    let (text, changes) = df::requirements_add(&text, packages);
    write(req, &text)?;
    let added = report_added(ctx, &changes, "requirements.txt", "");
    if added > 0 {
        ctx.out(&format!(
            "\n{GREEN}✓{NC} Added {added} package(s) to requirements.txt\n\nUpdated file: {BLUE}{}{NC}\n\n",
            req.display()
        ));
    }
    Ok(added)
}

/// `add_system_packages`.
pub(super) fn add_system(
    ctx: &mut Ctx,
    dockerfile: &Path,
    packages: &[String],
) -> Result<(), Failure> {
    let mut lines = df::lines_of(&read(dockerfile)?);
    let Ok(changes) = df::add_system(&mut lines, packages) else {
        ctx.out(&format!(
            "{RED}✗ Could not find apt-get install section in Dockerfile{NC}\n"
        ));
        return Err(Failure::exit(1));
    };
    back_up(dockerfile)?;
    write(dockerfile, &df::text_of(&lines))?;
    report_added(ctx, &changes, "Dockerfile", "");
    Ok(())
}

/// `remove_packages`: from the requirements.txt of a project-init
/// Dockerfile, else from the Dockerfile's pip blocks.
pub(super) fn remove(ctx: &mut Ctx, dockerfile: &Path, packages: &[String]) -> Result<(), Failure> {
    if format_of(dockerfile)? == Format::Requirements {
        if let Some(req) = requirements_beside(dockerfile) {
            ctx.out(&format!(
                "{DIM}Detected project-init Dockerfile format (uses requirements.txt){NC}\n\n"
            ));
            let text = read(&req)?;
            back_up(&req)?;
            let (text, changes) = df::requirements_remove(&text, packages);
            write(&req, &text)?;
            report_removed(ctx, &changes);
            return Ok(());
        }
    }
    let mut lines = df::lines_of(&read(dockerfile)?);
    back_up(dockerfile)?;
    let (changes, dropped) = df::remove_pip(&mut lines, packages);
    write(dockerfile, &df::text_of(&lines))?;
    report_removed(ctx, &changes);
    if dropped {
        ctx.out(&format!(
            "{YELLOW}  ℹ{NC} Removed empty pip install block (prevents build errors)\n"
        ));
    }
    Ok(())
}

fn report_removed(ctx: &mut Ctx, changes: &[Change]) {
    for change in changes {
        match change {
            Change::Removed(pkg) => ctx.out(&format!("{GREEN}  ✓{NC} Removed: {pkg}\n")),
            Change::NotFound(pkg) => {
                ctx.out(&format!("{YELLOW}  ⚠{NC} Package not found: {pkg}\n"))
            }
            Change::Added(_) | Change::Duplicate(_) => {}
        }
    }
}
