//! `image-create [image-name] [options]` (reference §3.10, §10): a
//! Dockerfile from DS01's package tiers, written to
//! `~/workspace/NAME/Dockerfile`, then (confirmed at the terminal) built
//! as `ds01-UID/NAME:latest` with the user's account baked in.
//!
//! The flow follows the original: the requirements file is checked first,
//! then either everything is on the command line (name, framework and use
//! case) or the wizard asks for what is missing ([`wizard`]); the
//! Dockerfile is written ([`dockerfile`]) and phase 2 builds it
//! ([`build`]).  Orchestrators call [`main`] in-process; project-init and
//! image-update can use the pieces: [`base::base_image`], the Dockerfile
//! templates and [`build::build`].
//!
//! Fixed on purpose: `-f custom` without a terminal to ask for the base
//! image is refused (the original wrote `FROM ` with nothing after it);
//! version specifiers reach pip intact (the original's unquoted
//! `pandas>=2.0` was a shell redirection); a given name is sanitized as a
//! typed one is; the Jupyter and data-science answers count with a
//! requirements file too; duplicate-package warnings are shown.

pub mod base;
pub mod build;
pub mod dockerfile;
mod flags;
pub mod packages;
mod wizard;

pub use dockerfile::Tier;
pub use flags::Request;

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, BLUE, BOLD, CYAN, GREEN, NC, RED, YELLOW};
use std::path::{Path, PathBuf};

/// Who builds: `whoami`, `id -u`, `id -g`, `$HOME`, and the user name the
/// container gets (sanitized).
#[derive(Debug, Clone)]
pub struct Builder {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
    pub container_user: String,
}

impl Builder {
    pub fn of(ctx: &Ctx) -> Builder {
        let user = crate::identity::user_by_uid(ctx.caller.uid)
            .map_or_else(|| ctx.caller.login.clone(), |e| e.name);
        Builder {
            container_user: crate::policy::username::sanitize(&user),
            user,
            uid: ctx.caller.uid,
            gid: ctx.caller.gid,
            home: PathBuf::from(&ctx.caller.home),
        }
    }

    /// `ds01-UID/NAME`.
    pub fn image(&self, name: &str) -> String {
        format!("ds01-{}/{name}", self.uid)
    }

    /// `~/workspace/NAME`.
    pub fn workspace(&self, name: &str) -> PathBuf {
        self.home.join("workspace").join(name)
    }

    /// `~` at the start of a path is the home directory.
    pub fn expand(&self, path: &str) -> PathBuf {
        match path.strip_prefix('~') {
            Some(rest) => PathBuf::from(format!("{}{rest}", self.home.display())),
            None => PathBuf::from(path),
        }
    }
}

/// Everything decided before the Dockerfile is written.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Sanitized.
    pub name: String,
    pub framework: String,
    pub usecase: String,
    /// The base image of framework `custom`.
    pub custom_base: String,
    pub jupyter: Tier,
    pub data_science: Tier,
    /// The packages of use case `custom` (space-separated).
    pub usecase_packages: String,
    pub additional: String,
    pub system: String,
    /// A custom base image: none of DS01's packages.
    pub skip_base: bool,
    pub requirements: Option<PathBuf>,
    pub guided: bool,
    /// Where the Dockerfile goes, when `--project-dockerfile` named it.
    pub project_dir: Option<PathBuf>,
}

impl Choices {
    fn from_request(r: &Request) -> Choices {
        Choices {
            name: r.name.clone(),
            framework: r.framework.clone(),
            usecase: r.usecase.clone(),
            additional: r.packages.clone(),
            system: r.system.clone(),
            guided: r.guided,
            ..Choices::default()
        }
    }
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = crate::cli::spec::tool("image-create").map_err(|e| Failure::stderr(70, e))?;
    match crate::ds01::run_or_page(ctx, flags::parse(&spec, args)?) {
        Some(request) => run(ctx, &request),
        None => Ok(0),
    }
}

/// Create the image `request` describes, asking for what it leaves open.
pub fn run(ctx: &mut Ctx, request: &Request) -> Outcome {
    let who = Builder::of(ctx);
    let mut c = Choices::from_request(request);
    if !request.requirements.is_empty() {
        c.requirements = Some(requirements_flag(ctx, &who, &request.requirements)?);
        c.usecase = "custom".into();
    }
    if request.project_dockerfile {
        c.project_dir = project_dir(ctx, &who, &request.name)?;
    }
    if request.guided {
        ctx.out(&term::expand(wizard::GUIDED_INTRO));
        term::pause(ctx, "Press Enter to start creating your image...")?;
        ctx.out("\n");
    }
    // The original's `check_user_limits` came here; it parsed the group
    // from the first line of get_resource_limits' display, which is blank,
    // so it never printed anything (nor does ds01).
    let dockerfile = if request.dockerfile.is_empty() {
        decide(ctx, &who, &mut c)?;
        write_dockerfile(ctx, &who, &c)?
    } else {
        existing_dockerfile(ctx, &who, &mut c, &request.dockerfile)?
    };
    if c.guided {
        ctx.out(&term::expand(&wizard::guided_dockerfile(
            &dockerfile.display().to_string(),
            &who.image(&c.name),
        )));
    }
    build::phase_two(ctx, &who, &c, &dockerfile, request.no_build)
}

/// `-r FILE`: checked before anything else; the use case gives way to it.
fn requirements_flag(ctx: &mut Ctx, who: &Builder, given: &str) -> Result<PathBuf, Failure> {
    let path = who.expand(given);
    match packages::check_requirements(&path) {
        Ok(notes) => ctx.err(&notes),
        Err(error) => {
            ctx.err(&error);
            return Err(Failure::stdout(
                1,
                format!("{RED}Error: Invalid requirements file{NC}\n"),
            ));
        }
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Using requirements file: {CYAN}{}{NC}\n",
        path.display()
    ));
    Ok(path)
}

/// `--project-dockerfile`: the Dockerfile goes to `~/workspace/PROJECT`
/// (`NAME-image` names project `NAME`), made if the user agrees.
fn project_dir(ctx: &mut Ctx, who: &Builder, name: &str) -> Result<Option<PathBuf>, Failure> {
    if name.is_empty() {
        ctx.out(&format!(
            "{YELLOW}⚠ --project-dockerfile requires an image name{NC}\n"
        ));
        return Ok(None);
    }
    let project = sanitize_name(name);
    let dir = who.workspace(project.strip_suffix("-image").unwrap_or(&project));
    if dir.is_dir() {
        return Ok(Some(dir));
    }
    ctx.out(&format!(
        "{YELLOW}⚠ Project directory does not exist: {}{NC}\n",
        dir.display()
    ));
    if term::confirm_default_yes(ctx, "Create it now? [Y/n]: ")? {
        make_dir(&dir)?;
        ctx.out(&format!("{GREEN}✓ Created {}{NC}\n", dir.display()));
        return Ok(Some(dir));
    }
    ctx.out(&format!(
        "{RED}Cannot use --project-dockerfile without project directory{NC}\nFalling back to the image's own workspace: ~/workspace/{project}/\n"
    ));
    Ok(None)
}

/// Name, framework and use case: from the command line when all three
/// are there, else from the wizard.
fn decide(ctx: &mut Ctx, who: &Builder, c: &mut Choices) -> Result<(), Failure> {
    if c.name.is_empty() || c.framework.is_empty() || c.usecase.is_empty() {
        return wizard::run(ctx, who, c);
    }
    c.name = checked_name(&c.name)?;
    if c.framework == "custom" {
        return Err(Failure::stdout(
            1,
            format!(
                "{RED}Error: -f custom needs a base image, and only a question at the terminal can name it{NC}\n\
                 Run image-create NAME -f custom at a terminal (without -t) to be asked for it,\n\
                 or build a Dockerfile of your own with --dockerfile PATH.\n"
            ),
        ));
    }
    if c.requirements.is_none() {
        c.jupyter = Tier::Default;
        c.data_science = Tier::Default;
    }
    Ok(())
}

/// The image name as docker accepts it: blanks become `-`, upper case
/// lower, anything but `a-z 0-9 . _ -` goes, and so do separators at
/// either end.
pub fn sanitize_name(raw: &str) -> String {
    let kept: String = raw
        .chars()
        .map(|c| {
            if c == ' ' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(*c))
        .collect();
    kept.trim_matches(|c| ".-_".contains(c)).to_string()
}

/// The sanitized name, or the original's refusal when nothing is left;
/// also refused: what docker cannot use as a repository name.
fn checked_name(raw: &str) -> Result<String, Failure> {
    let name = sanitize_name(raw);
    if name.is_empty() {
        return Err(Failure::stdout(
            1,
            format!(
                "{RED}Error: Image name cannot be empty or only contain special characters{NC}\n"
            ),
        ));
    }
    if !docker_path_component(&name) {
        return Err(Failure::stdout(
            1,
            format!(
                "{RED}Error: Image name '{name}' is not one docker accepts{NC}\n\
                 Use letters and digits, joined by single '.', '_' or '__', or by dashes (at most 128 characters).\n"
            ),
        ));
    }
    Ok(name)
}

/// Docker's grammar of a repository path component:
/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`.
fn docker_path_component(name: &str) -> bool {
    if name.len() > 128 {
        return false;
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut separator = String::new();
    for c in name.chars() {
        if alnum(c) {
            let ok = matches!(separator.as_str(), "" | "." | "_" | "__")
                || separator.chars().all(|s| s == '-');
            if !ok {
                return false;
            }
            separator.clear();
        } else {
            separator.push(c);
        }
    }
    separator.is_empty()
}

fn make_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::stdout(
            1,
            format!("{RED}Error: cannot create {}: {e}{NC}\n", dir.display()),
        )
    })
}

/// Write the Dockerfile (`~/workspace/NAME/Dockerfile`) and say so.
fn write_dockerfile(ctx: &mut Ctx, who: &Builder, c: &Choices) -> Result<PathBuf, Failure> {
    ctx.out(&format!("{CYAN}Creating Dockerfile...{NC}\n\n"));
    ctx.out(&green_banner("✓ Phase 1/2: Complete"));
    ctx.out("\n");
    let base_image = base::base_image(&ctx.settings, &c.framework, &c.custom_base);
    let dir = c
        .project_dir
        .clone()
        .unwrap_or_else(|| who.workspace(&c.name));
    make_dir(&dir)?;
    let path = dir.join("Dockerfile");
    let text = render(who, c, &base_image);
    std::fs::write(&path, text).map_err(|e| {
        Failure::stdout(
            1,
            format!("{RED}Error: cannot write {}: {e}{NC}\n", path.display()),
        )
    })?;
    ctx.out(&format!(
        "{GREEN}✓{NC} Dockerfile created: {BLUE}{}{NC}\n\n",
        path.display()
    ));
    Ok(path)
}

fn render(who: &Builder, c: &Choices, base_image: &str) -> String {
    let requirements: Vec<String> = c
        .requirements
        .as_deref()
        .map(packages::read_requirements)
        .unwrap_or_default();
    let source = c
        .requirements
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let usecase: Vec<String> = if c.usecase == "custom" {
        packages::words(&c.usecase_packages)
    } else {
        packages::usecase_packages(&c.usecase)
            .iter()
            .map(|p| p.to_string())
            .collect()
    };
    dockerfile::image_dockerfile(&dockerfile::ImageDockerfile {
        project: &c.name,
        framework: &c.framework,
        usecase: &c.usecase,
        base_image,
        user: &who.user,
        container_user: &who.container_user,
        uid: who.uid,
        gid: who.gid,
        stamp: &dockerfile::Stamp::now(),
        skip_base: c.skip_base,
        requirements: c
            .requirements
            .as_ref()
            .map(|_| (source.as_str(), requirements.as_slice())),
        jupyter: &c.jupyter,
        data_science: &c.data_science,
        usecase_packages: &usecase,
        additional: &packages::words(&c.additional),
        system: &packages::words(&c.system),
    })
}

/// `--dockerfile PATH`: a name is required; the file is built as it is.
fn existing_dockerfile(
    ctx: &mut Ctx,
    who: &Builder,
    c: &mut Choices,
    given: &str,
) -> Result<PathBuf, Failure> {
    if c.name.is_empty() {
        return Err(Failure::stdout(
            1,
            format!("{RED}Error:{NC} Image name required when using --dockerfile\nUsage: image-create <image-name> --dockerfile <path>\n"),
        ));
    }
    c.name = checked_name(&c.name)?;
    for value in [&mut c.framework, &mut c.usecase] {
        if value.is_empty() {
            *value = "custom".into();
        }
    }
    let path = who.expand(given);
    if !path.is_file() {
        return Err(Failure::stdout(
            1,
            format!("{RED}Error:{NC} Dockerfile not found: {}\n", path.display()),
        ));
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Using existing Dockerfile: {BLUE}{}{NC}\n\n",
        path.display()
    ));
    Ok(path)
}

/// A green banner (the phase and success banners).
fn green_banner(title: &str) -> String {
    let rule = format!("{GREEN}{}{NC}", "━".repeat(47));
    format!("{rule}\n{GREEN}{BOLD}{title}{NC}\n{rule}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized_like_the_original() {
        assert_eq!(sanitize_name("My Thesis CV"), "my-thesis-cv");
        assert_eq!(sanitize_name("!!!"), "");
        assert_eq!(sanitize_name("._proj.v2_-"), "proj.v2");
        assert_eq!(sanitize_name("Ünï code"), "n-code");
        assert!(checked_name("!!!").is_err());
    }

    #[test]
    fn docker_repository_grammar() {
        assert!(docker_path_component("demo"));
        assert!(docker_path_component("my-proj.v2"));
        assert!(docker_path_component("a__b"));
        assert!(docker_path_component("a---b"));
        assert!(!docker_path_component("a..b"));
        assert!(!docker_path_component("a_-b"));
        assert!(!docker_path_component(&"a".repeat(129)));
    }
}
