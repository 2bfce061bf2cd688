//! Step 3: the project directory and its layout, done in-process where the
//! original ran DS01's `dir-create` helper (which its installer no longer
//! installed, so the step failed with "command not found").  The messages
//! are the helper's, as it printed them under an orchestrator; its
//! "Press Enter" pause is left out (project-init asks nothing here).

use crate::context::Ctx;
use crate::error::Failure;
use crate::ui::ds01::{expand, GREEN, LIGHT_BLUE, NC, RED};
use std::path::Path;

/// The layout of a new project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    DataScience,
    Blank,
    /// An existing directory, kept as it is.
    Existing,
}

/// The data-science layout's directories, made in this order.
pub const DIRECTORIES: [&str; 10] = [
    "data/raw",
    "data/processed",
    "data/external",
    "models/checkpoints",
    "notebooks",
    "scripts",
    "configs",
    "outputs/logs",
    "outputs/figures",
    "tests",
];

/// The directories that get an empty `.gitkeep`, so Git keeps them.
pub const GITKEEP: [&str; 6] = [
    "data/raw",
    "data/processed",
    "data/external",
    "models/checkpoints",
    "outputs/logs",
    "outputs/figures",
];

/// Make `dir` with `structure` and say so; a directory that cannot be
/// made ends the run (exit 1), as `mkdir` failing ended the helper.
pub fn create(
    ctx: &mut Ctx,
    name: &str,
    dir: &Path,
    structure: Structure,
    guided: bool,
) -> Result<(), Failure> {
    if guided {
        ctx.out(&expand(guide(structure)));
    }
    make(dir, structure).map_err(|e| {
        Failure::stderr(
            1,
            format!("{RED}✗ Could not create {}: {e}{NC}\n", dir.display()),
        )
    })?;
    let shown = dir.display();
    match structure {
        Structure::Blank => ctx.out(&format!(
            "{GREEN}✓ Blank directory created{NC}\n  Location: {LIGHT_BLUE}{shown}{NC}\n"
        )),
        _ => ctx.out(&format!(
            "{GREEN}✓ Project directory created at: {LIGHT_BLUE}{shown} {NC}\n"
        )),
    }
    ctx.out("\n");
    if guided {
        let what = match structure {
            Structure::Blank => "Created blank directory for custom structure",
            _ => "Set up organized folder structure",
        };
        ctx.out(&format!(
            "  {GREEN}✓{NC} Created project directory: {name}\n  {GREEN}✓{NC} {what}\n"
        ));
    } else {
        ctx.out(&format!("{GREEN}✓{NC} Created: {shown}\n"));
    }
    Ok(())
}

/// The directories and `.gitkeep` files (`mkdir -p`, `touch`).
fn make(dir: &Path, structure: Structure) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if structure != Structure::DataScience {
        return Ok(());
    }
    for sub in DIRECTORIES {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    for sub in GITKEEP {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(sub).join(".gitkeep"))?;
    }
    Ok(())
}

/// The helper's guided explanation of the layout.
fn guide(structure: Structure) -> &'static str {
    match structure {
        Structure::Blank => BLANK_GUIDE,
        _ => DATA_SCIENCE_GUIDE,
    }
}

const DATA_SCIENCE_GUIDE: &str = "{BOLD}Template DS/ML Project Dir Structure:{NC}

  {CYAN}data/{NC}
    ├── raw/          Original, immutable data
    ├── processed/    Cleaned, transformed data
    └── external/     Datasets from elsewhere

  {CYAN}models/{NC}
    └── checkpoints/  Trained model weights

  {CYAN}notebooks/{NC}     Jupyter notebooks for exploration
  {CYAN}scripts/{NC}       Python/bash scripts for automation
  {CYAN}configs/{NC}       Configuration files (YAML, JSON)

  {CYAN}outputs/{NC}
    ├── logs/         Training logs, metrics
    └── figures/      Plots, visualizations

  {CYAN}tests/{NC}         Unit tests for your code

{YELLOW}💡 Tip:{NC} Empty directories include .gitkeep files so Git tracks them

";

const BLANK_GUIDE: &str = "{BOLD}Blank Structure:{NC}

  Just an empty directory - you set up your own structure.
  Useful if you have a specific organization in mind.

";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gitkeep_is_in_a_listed_directory() {
        for keep in GITKEEP {
            assert!(DIRECTORIES.contains(&keep), "{keep}");
        }
    }

    #[test]
    fn makes_the_data_science_layout() {
        let dir = std::env::temp_dir().join(format!("ds01-structure-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        make(&dir, Structure::DataScience).expect("made");
        for sub in DIRECTORIES {
            assert!(dir.join(sub).is_dir(), "{sub}");
        }
        assert!(dir.join("models/checkpoints/.gitkeep").is_file());
        assert!(!dir.join("notebooks/.gitkeep").exists());
        std::fs::remove_dir_all(&dir).expect("cleaned");
    }
}
