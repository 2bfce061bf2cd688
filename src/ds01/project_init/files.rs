//! Step 4: `pyproject.toml`, `requirements.txt` and the Dockerfile, as the
//! original made them (`create_project_pyproject`,
//! `create_project_requirements`, `generate_dockerfile` with the AIME
//! PyTorch base).  An existing project keeps its requirements and its
//! Dockerfile.

use super::Project;
use crate::context::Ctx;
use crate::ds01::image_create::dockerfile::{project_dockerfile, ProjectDockerfile, Stamp};
use crate::ds01::image_create::{base, packages};
use crate::ds01::project_meta::{self, Metadata};
use crate::error::Failure;
use crate::ui::ds01::{expand, DIM, GREEN, NC, RED, YELLOW};

/// The framework of every project Dockerfile.
const FRAMEWORK: &str = "pytorch";

/// Write the three files, saying what was made.
pub fn create(ctx: &mut Ctx, p: &Project, stamp: &Stamp) -> Result<(), Failure> {
    if p.guided {
        ctx.out(&expand(GUIDE));
    }
    ctx.out("\n");
    pyproject(ctx, p, stamp);
    // An existing project's own list stays: the Dockerfile is made from it.
    let keep_requirements = p.existing && p.dir.join("requirements.txt").is_file();
    if !keep_requirements {
        ctx.out("  Creating requirements.txt...\n");
        project_meta::create_requirements(&p.dir, &p.kind)
            .map_err(|e| write_failed(&p.dir.join("requirements.txt"), e))?;
        ctx.out(&format!("  {GREEN}Created{NC} requirements.txt\n"));
    }
    if !p.dir.join("Dockerfile").is_file() {
        dockerfile(ctx, p, stamp)?;
    }
    Ok(())
}

/// `pyproject.toml`; a file that cannot be read as TOML is kept as it is
/// and the run goes on (project-launch then just shows no type).
fn pyproject(ctx: &mut Ctx, p: &Project, stamp: &Stamp) {
    ctx.out("  Creating pyproject.toml...\n");
    let meta = Metadata {
        name: &p.name,
        kind: &p.kind,
        description: &p.desc,
        created: stamp.iso.get(..10).unwrap_or(&stamp.iso),
        author: &p.user,
        uid: p.uid,
    };
    match project_meta::create_pyproject(&p.dir, &meta) {
        Ok(_) => ctx.out(&format!("  {GREEN}Created{NC} pyproject.toml\n")),
        Err(e) => {
            ctx.err(&format!("Warning: {e}\n"));
            ctx.out(&format!(
                "  {YELLOW}⚠{NC} pyproject.toml left as it was (fix it, then run project init again)\n"
            ));
        }
    }
}

/// The Dockerfile from the project's requirements and the AIME base.
fn dockerfile(ctx: &mut Ctx, p: &Project, stamp: &Stamp) -> Result<(), Failure> {
    ctx.out("  Creating Dockerfile...\n");
    let base_image = base::base_image(&ctx.settings, FRAMEWORK, "");
    if base_image.is_empty() {
        return Err(Failure::stderr(
            1,
            format!("  {RED}Error: Could not determine base image{NC}\n"),
        ));
    }
    let requirements = p.dir.join("requirements.txt");
    let listed = packages::read_requirements(&requirements);
    let source = format!("~/workspace/{}/requirements.txt", p.name);
    let text = project_dockerfile(&ProjectDockerfile {
        project: &p.name,
        base_image: &base_image,
        user: &p.user,
        uid: p.uid,
        framework: FRAMEWORK,
        stamp,
        requirements: requirements
            .is_file()
            .then_some((source.as_str(), listed.as_slice())),
        python_packages: &[],
        system_packages: &[],
        skip_system: false,
        skip_jupyter: false,
        minimal: false,
    });
    let path = p.dir.join("Dockerfile");
    std::fs::write(&path, text).map_err(|e| {
        Failure::stderr(
            1,
            format!(
                "  {RED}Error creating Dockerfile:{NC}\n{}: {e}\n",
                path.display()
            ),
        )
    })?;
    ctx.out(&format!(
        "  {GREEN}Created{NC} Dockerfile\n  {DIM}Base image: {base_image}{NC}\n"
    ));
    Ok(())
}

/// A file of the project that could not be written: exit 1.
pub fn write_failed(path: &std::path::Path, e: std::io::Error) -> Failure {
    Failure::stderr(
        1,
        format!("{RED}Error: could not write {}: {e}{NC}\n", path.display()),
    )
}

const GUIDE: &str = "
Creating configuration files:
  {CYAN}pyproject.toml{NC}   - Project metadata for DS01
  {CYAN}requirements.txt{NC} - Python packages
  {CYAN}Dockerfile{NC}       - Container definition
";
