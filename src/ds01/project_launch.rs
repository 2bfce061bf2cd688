//! `project-launch [project-name] [options]` (also `project launch`,
//! reference §5.2): a project folder of `~/workspace` (picked from a menu
//! when none is named), its image `ds01-UID/PROJECT:latest` (built with
//! `image-create` when missing and the user agrees), then a container
//! from `container-deploy`.  Every step runs in this process, as the
//! original ran them with `DS01_CONTEXT=orchestration` exported and no
//! `DS01_ORCHESTRATOR` of its own: image-create shows its short closing
//! banner, container-deploy silences the atomic commands itself.
//!
//! Fixed on purpose: a project name with a `/`, or `.` or `..`, is
//! refused; the original joined it to `~/workspace/` as given and so
//! could launch any folder.

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::{Ctx, Mode};
use crate::ds01::{container_deploy, image_create, project_init, project_meta};
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The command line as the original's loop read it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Request {
    /// The first word that is not an option (an empty one does not count).
    name: Option<String>,
    guided: bool,
    rebuild: bool,
    /// `--guided`, `--background`, `--open`, in the order given, for
    /// container-deploy.
    deploy_args: Vec<String>,
}

/// Why the command line ends the command before anything is done.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// A help option: the key of its page (`help`, `info`, `concepts`).
    Page(&'static str),
    /// An option the original did not know.
    Unknown(String),
}

/// What the project menu came to.
#[derive(Debug, PartialEq, Eq)]
enum Chosen {
    Project(String),
    /// `0`, or "yes" to making the first project: project-init.
    NewProject,
    /// Nothing to launch; the exit status.
    Exit(i32),
}

/// Whether the image step leaves something to deploy.
enum ImageStep {
    Ready,
    /// Cancelled, or image-create ended with this status.
    Exit(i32),
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("project-launch").map_err(|e| Failure::stderr(70, e))?;
    let request = match read_args(args) {
        Ok(r) => r,
        Err(Stop::Page(page)) => {
            ctx.out(&page_text(&spec, page, ctx.caller.uid));
            return Ok(0);
        }
        Err(Stop::Unknown(option)) => {
            return Err(Failure::stdout(
                1,
                format!("{RED}Unknown option: {option}{NC}\n{}", parse::help(&spec)),
            ))
        }
    };
    in_orchestration_context(ctx, |ctx| launch(ctx, &request))
}

/// The original's argument loop; the first help or unknown option ends it.
fn read_args(args: &[String]) -> Result<Request, Stop> {
    let mut r = Request::default();
    for arg in args {
        match arg.as_str() {
            "--guided" | "--background" | "--open" => {
                r.guided |= arg == "--guided";
                r.deploy_args.push(arg.clone());
            }
            "--rebuild" => r.rebuild = true,
            "-h" | "--help" => return Err(Stop::Page("help")),
            "--info" => return Err(Stop::Page("info")),
            "--concepts" => return Err(Stop::Page("concepts")),
            _ if arg.starts_with('-') => return Err(Stop::Unknown(arg.clone())),
            _ => {
                if r.name.is_none() && !arg.is_empty() {
                    r.name = Some(arg.clone());
                }
            }
        }
    }
    Ok(r)
}

/// A help page; `{UID}` in a page is the caller's uid.
fn page_text(spec: &spec::ToolSpec, page: &str, uid: u32) -> String {
    match spec.pages.get(page) {
        Some(text) => expand(&text.replace("{UID}", &uid.to_string())),
        None => parse::help(spec),
    }
}

/// Run `f` as the original ran its steps: `DS01_CONTEXT=orchestration`,
/// and whatever `DS01_ORCHESTRATOR` it was itself given.
fn in_orchestration_context<T>(ctx: &mut Ctx, f: impl FnOnce(&mut Ctx) -> T) -> T {
    let orchestration = Mode {
        context: "orchestration".into(),
        orchestrator: ctx.mode.orchestrator.clone(),
    };
    let saved = std::mem::replace(&mut ctx.mode, orchestration);
    let result = f(ctx);
    ctx.mode = saved;
    result
}

fn launch(ctx: &mut Ctx, r: &Request) -> Outcome {
    ctx.out("\n");
    term::banner(ctx, "DS01 Project Launch");
    if r.guided {
        ctx.out(&expand(GUIDED_INTRO));
    }
    let name = match &r.name {
        Some(name) => name.clone(),
        None => match choose_project(ctx)? {
            Chosen::Project(name) => name,
            Chosen::NewProject => return project_init::main(ctx, &[]),
            Chosen::Exit(code) => return Ok(code),
        },
    };
    let dir = project_dir(ctx, &name)?;
    ctx.out(&format!("\n{BOLD}Launching:{NC} {CYAN}{name}{NC}\n"));
    if let ImageStep::Exit(code) = ensure_image(ctx, r, &name, &dir)? {
        return Ok(code);
    }
    ctx.out(&format!("\n{BOLD}Deploying container...{NC}\n\n"));
    let mut args = vec![name];
    args.extend(r.deploy_args.iter().cloned());
    container_deploy::main(ctx, &args)
}

/// `$HOME/workspace`, written as the original wrote it.
fn workspace(ctx: &Ctx) -> String {
    format!("{}/workspace", ctx.caller.home)
}

/// `ds01-UID/NAME:latest`.
fn image_name(ctx: &Ctx, project: &str) -> String {
    format!("ds01-{}/{project}:latest", ctx.caller.uid)
}

/// Whether the engine has the image; any error is "no", as the
/// original's `docker images -q IMAGE 2>/dev/null | grep -q .` said.
fn image_exists(ctx: &mut Ctx, image: &str) -> bool {
    let Ok(engine) = ctx.engine() else {
        return false;
    };
    matches!(engine.inspect_image(image), Ok(Some(_)))
}

/// The menu of the caller's projects and the choice made in it.
fn choose_project(ctx: &mut Ctx) -> Result<Chosen, Failure> {
    ctx.out(&format!("\n{BOLD}Available Projects:{NC}\n\n"));
    let workspace = workspace(ctx);
    if !Path::new(&workspace).is_dir() {
        ctx.out(&format!(
            "{YELLOW}No workspace directory found: {workspace}{NC}\n\nCreate a project first:\n  {GREEN}project init{NC}\n"
        ));
        return Ok(Chosen::Exit(0));
    }
    let projects = project_folders(Path::new(&workspace));
    for (i, name) in projects.iter().enumerate() {
        let line = menu_line(ctx, &workspace, i + 1, name);
        ctx.out(&line);
    }
    if projects.is_empty() {
        return offer_new_project(ctx);
    }
    ctx.out(&format!(
        "\n  {BOLD}0){NC} Create new project {DIM}(runs project-init){NC}\n\n"
    ));
    let answer = term::ask(ctx, &format!("Choice [0-{}]: ", projects.len()))?;
    let answer = answer.trim_matches([' ', '\t']);
    if answer == "0" {
        return Ok(Chosen::NewProject);
    }
    match menu_number(answer).and_then(|n| projects.get(n.checked_sub(1)?)) {
        Some(name) => Ok(Chosen::Project(name.clone())),
        None => Err(Failure::stdout(1, format!("{RED}Invalid selection{NC}\n"))),
    }
}

/// `  N) name [type] (image ready|needs image)`.
fn menu_line(ctx: &mut Ctx, workspace: &str, number: usize, name: &str) -> String {
    let image = image_name(ctx, name);
    let status = if image_exists(ctx, &image) {
        format!("{GREEN}(image ready){NC}")
    } else {
        format!("{YELLOW}(needs image){NC}")
    };
    let dir = format!("{workspace}/{name}/");
    let kind = match project_meta::read(Path::new(&dir), "type") {
        Some(kind) if !kind.is_empty() => format!(" {DIM}[{kind}]{NC}"),
        _ => String::new(),
    };
    format!("  {BOLD}{number}){NC} {name}{kind} {status}\n")
}

/// No project yet: offer project-init.
fn offer_new_project(ctx: &mut Ctx) -> Result<Chosen, Failure> {
    ctx.out(&format!(
        "{YELLOW}No projects found in ~/workspace/{NC}\n\n"
    ));
    if term::confirm_default_yes(ctx, "Create a new project? [Y/n]: ")? {
        return Ok(Chosen::NewProject);
    }
    ctx.out(&format!(
        "\nRun {GREEN}project init{NC} when ready to create a project.\n"
    ));
    Ok(Chosen::Exit(0))
}

/// The folders of `~/workspace` as bash's `"$WORKSPACE_DIR"/*/` lists
/// them: no dot-folders, links to folders included, in byte order (the
/// C collation).  An unreadable workspace lists nothing, as the glob did.
fn project_folders(workspace: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(workspace) else {
        return Vec::new();
    };
    let mut names: Vec<std::ffi::OsString> = entries
        .flatten()
        .filter(|e| !e.file_name().as_bytes().starts_with(b"."))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name())
        .collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    names
        .iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect()
}

/// A menu answer as bash's `[[ N -ge 1 ]]` reads digits: a leading `0`
/// makes it octal (`08` is no number at all).
fn menu_number(answer: &str) -> Option<usize> {
    if answer.is_empty() || !answer.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (digits, radix) = match answer.strip_prefix('0') {
        Some(rest) if !rest.is_empty() => (rest, 8),
        _ => (answer, 10),
    };
    usize::from_str_radix(digits, radix).ok()
}

/// `~/workspace/NAME`, which must be a folder; a name that would reach
/// outside `~/workspace` is refused.
fn project_dir(ctx: &Ctx, name: &str) -> Result<String, Failure> {
    if name.contains('/') || name == "." || name == ".." {
        return Err(Failure::stdout(
            1,
            format!(
                "\n{RED}Invalid project name: {name}{NC}\n\n\
                 A project is a folder directly in ~/workspace/: its name has no '/' and is not '.' or '..'.\n"
            ),
        ));
    }
    let dir = format!("{}/{name}", workspace(ctx));
    if !Path::new(&dir).is_dir() {
        return Err(Failure::stdout(
            1,
            format!(
                "\n{RED}Project not found: {dir}{NC}\n\nCreate it first:\n  {GREEN}project init {name}{NC}\n"
            ),
        ));
    }
    Ok(dir)
}

/// The project's image: found, or built with image-create when the user
/// agrees (`--rebuild`: built again).
fn ensure_image(ctx: &mut Ctx, r: &Request, name: &str, dir: &str) -> Result<ImageStep, Failure> {
    ctx.out(&format!("\n{BOLD}Checking image...{NC}\n"));
    let image = image_name(ctx, name);
    let mut exists = image_exists(ctx, &image);
    if exists {
        ctx.out(&format!("  {GREEN}Found:{NC} {image}\n"));
    }
    if r.rebuild && exists {
        ctx.out(&format!(
            "\n{YELLOW}--rebuild flag: Will rebuild image{NC}\n"
        ));
        exists = false;
    }
    if exists {
        return Ok(ImageStep::Ready);
    }
    let rule = format!("{YELLOW}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}");
    ctx.out(&format!(
        "\n{rule}\n{BOLD}Image Required{NC}\n{rule}\n\nNo image found: {CYAN}{image}{NC}\n\n"
    ));
    if r.guided {
        ctx.out(&expand(GUIDED_IMAGE));
    }
    if !term::confirm_default_yes(ctx, "Create image now? [Y/n]: ")? {
        ctx.out(&format!(
            "\nCancelled. Create an image first:\n  {GREEN}image-create {name}{NC}\n"
        ));
        return Ok(ImageStep::Exit(0));
    }
    ctx.out("\n");
    build_image(ctx, r, name, dir, &image)
}

/// `image-create NAME [-r DIR/requirements.txt] [--dockerfile
/// DIR/Dockerfile] [--guided]`, then the image must be there.
fn build_image(
    ctx: &mut Ctx,
    r: &Request,
    name: &str,
    dir: &str,
    image: &str,
) -> Result<ImageStep, Failure> {
    let args = image_create_args(ctx, r, name, dir);
    ctx.out(&format!("\n{BOLD}Building image...{NC}\n\n"));
    // The original ran under `set -e`: a failed image-create ended it
    // with image-create's status.
    let status = image_create::main(ctx, &args)?;
    if status != 0 {
        return Ok(ImageStep::Exit(status));
    }
    if !image_exists(ctx, image) {
        return Err(Failure::stdout(
            1,
            format!("\n{RED}Image creation failed{NC}\n"),
        ));
    }
    ctx.out(&format!("\n{GREEN}Image created successfully{NC}\n"));
    Ok(ImageStep::Ready)
}

/// image-create's arguments, saying which project files it gets.
fn image_create_args(ctx: &mut Ctx, r: &Request, name: &str, dir: &str) -> Vec<String> {
    let mut args = vec![name.to_string()];
    for (file, option) in [("requirements.txt", "-r"), ("Dockerfile", "--dockerfile")] {
        let path = format!("{dir}/{file}");
        if Path::new(&path).is_file() {
            ctx.out(&format!("{GREEN}Found:{NC} {file}\n"));
            args.extend([option.to_string(), path]);
        }
    }
    if r.guided {
        args.push("--guided".into());
    }
    args
}

const GUIDED_INTRO: &str = "\nWhat happens now:\n  1. you pick one of the projects in your workspace\n  2. its image is built, if it has none yet\n  3. a container is made from the image and started\n";

const GUIDED_IMAGE: &str = "Containers are made from images.  This project's image is built\nfrom its own Dockerfile and requirements.txt, once; after that\nevery launch uses it.\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_word_is_the_project_and_start_flags_go_to_deploy() {
        let r = read_args(&args(&[
            "",
            "thesis",
            "--open",
            "other",
            "--guided",
            "--rebuild",
        ]))
        .unwrap();
        assert_eq!(r.name.as_deref(), Some("thesis"));
        assert!(r.guided && r.rebuild);
        assert_eq!(r.deploy_args, args(&["--open", "--guided"]));
    }

    #[test]
    fn the_first_help_or_unknown_option_wins() {
        assert_eq!(
            read_args(&args(&["x", "--info", "--bogus"])),
            Err(Stop::Page("info"))
        );
        assert_eq!(
            read_args(&args(&["--bogus", "-h"])),
            Err(Stop::Unknown("--bogus".into()))
        );
        assert_eq!(read_args(&args(&["-"])), Err(Stop::Unknown("-".into())));
    }

    #[test]
    fn menu_numbers_read_as_bash_reads_them() {
        assert_eq!(menu_number("3"), Some(3));
        assert_eq!(menu_number("010"), Some(8));
        assert_eq!(menu_number("08"), None);
        assert_eq!(menu_number("0"), Some(0));
        assert_eq!(menu_number("1a"), None);
        assert_eq!(menu_number(""), None);
        assert_eq!(menu_number("99999999999999999999999"), None);
    }

    #[test]
    fn folders_in_byte_order_without_dot_folders() {
        let dir = std::env::temp_dir().join(format!("ds01-pl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for d in ["demo2", "Zeta", "demo", ".hidden", "wiz"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::write(dir.join("afile"), "").unwrap();
        std::os::unix::fs::symlink(dir.join("wiz"), dir.join("link")).unwrap();
        let got = project_folders(&dir);
        assert_eq!(got, ["Zeta", "demo", "demo2", "link", "wiz"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pages_name_the_callers_image() {
        let spec = spec::tool("project-launch").unwrap();
        let concepts = page_text(&spec, "concepts", 2001);
        assert!(
            concepts.contains("ds01-2001/<project>:latest"),
            "{concepts}"
        );
        let help = page_text(&spec, "help", 2001);
        assert!(
            help.contains("\x1b[0;36mUsage:\x1b[0m\n  project launch [project-name] [options]\n\n")
        );
        assert!(!help.contains("--rebuild"));
    }
}
