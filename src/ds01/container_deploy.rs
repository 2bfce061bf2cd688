//! `container-deploy [name] [image] [options]` (reference §4.1): make a
//! container with `container-create` and start it with `container-start`
//! or `container-run`, all in this process, the atomic commands' banners
//! silenced (`DS01_ORCHESTRATOR=deploy`).
//!
//! Fixed on purpose: without a start mode and without a terminal to ask
//! for one, the original created the container and only then refused,
//! leaving it behind; here the refusal comes before anything is made.

use crate::cli::ds01 as parse;
use crate::cli::spec;
use crate::context::Ctx;
use crate::ds01::container_retire;
use crate::ds01::owned;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StartMode {
    Background,
    Open,
}

/// The command line: what deploy itself uses, and what goes on to
/// `container-create` (every argument deploy does not consume).
#[derive(Debug, Default)]
struct Request {
    name: Option<String>,
    start: Option<StartMode>,
    guided: bool,
    dry_run: bool,
    project: Option<String>,
    workspace: Option<String>,
    framework: Option<String>,
    image: Option<String>,
    create_args: Vec<String>,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::tool("container-deploy").map_err(|e| Failure::stderr(70, e))?;
    let request = match read_args(args) {
        Ok(r) => r,
        Err(page) => {
            ctx.out(&page_text(&spec, &page));
            return Ok(0);
        }
    };
    ctx.orchestrated("deploy", |ctx| deploy(ctx, request))
}

/// A help option asks for this page (`help`, `info`, `concepts`).
fn page_text(spec: &spec::ToolSpec, page: &str) -> String {
    match spec.pages.get(page) {
        Some(text) => expand(text),
        None => parse::help(spec),
    }
}

/// The original's argument loop: `Err(page)` for a help option.
fn read_args(args: &[String]) -> Result<Request, String> {
    let mut r = Request::default();
    for arg in args {
        let value = |prefix: &str| arg.strip_prefix(prefix).map(str::to_string);
        match arg.as_str() {
            "--background" => r.start = Some(StartMode::Background),
            "--open" => r.start = Some(StartMode::Open),
            "-h" | "--help" => return Err("help".into()),
            "--info" => return Err("info".into()),
            "--concepts" => return Err("concepts".into()),
            "--guided" | "--cpu-only" | "--dry-run" => {
                r.guided |= arg == "--guided";
                r.dry_run |= arg == "--dry-run";
                r.create_args.push(arg.clone());
            }
            _ if arg.starts_with("--project=") => r.project = value("--project="),
            _ if arg.starts_with("--workspace=") => r.workspace = value("--workspace="),
            _ if arg.starts_with("--framework=") => r.framework = value("--framework="),
            _ if arg.starts_with("--image=") => r.image = value("--image="),
            _ => {
                if !arg.starts_with('-') && r.name.is_none() {
                    r.name = Some(arg.clone());
                }
                r.create_args.push(arg.clone());
            }
        }
    }
    Ok(r)
}

fn deploy(ctx: &mut Ctx, mut r: Request) -> Outcome {
    apply_workspace(ctx, &mut r);
    ctx.out("\n");
    term::banner(ctx, "DS01 Container Deploy");
    ctx.out("\n");
    if r.guided {
        ctx.out(&expand(GUIDED_INTRO));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    if let Some(name) = r.name.clone() {
        let image = image_for(ctx, &r, &name)?;
        r.create_args.push(image);
    }
    if r.start.is_none() && !r.dry_run && !ctx.interactive() {
        return Err(Failure::stdout(1, NEEDS_MODE));
    }
    term::banner(ctx, "Step 1/2: Creating Container");
    ctx.out("\n");
    let name = match create(ctx, &r)? {
        Some(name) => name,
        None => return Ok(0),
    };
    ctx.out("\n");
    term::banner(ctx, "Step 2/2: Starting Container");
    ctx.out("\n");
    let mode = match r.start {
        Some(mode) => mode,
        None => ask_start_mode(ctx, r.guided)?,
    };
    match mode {
        StartMode::Background => start_in_background(ctx, &name, r.guided),
        StartMode::Open => open(ctx, &name, r.guided),
    }
}

/// `--project=P` mounts `~/workspace/P` (and names the container P when no
/// name was given); `--workspace=DIR` (`~` expanded) is passed as `-w`.
fn apply_workspace(ctx: &Ctx, r: &mut Request) {
    if let Some(project) = r.project.clone() {
        r.workspace = Some(format!("{}/workspace/{project}", ctx.caller.home));
        r.name.get_or_insert(project);
    }
    if let Some(dir) = r.workspace.take() {
        let dir = match dir.strip_prefix('~') {
            Some(rest) => format!("{}{rest}", ctx.caller.home),
            None => dir,
        };
        r.create_args.extend(["-w".to_string(), dir]);
    }
}

/// The image create gets: `--image=`, `--framework=`, or the caller's own
/// `ds01-UID/NAME:latest`, which must exist.
fn image_for(ctx: &mut Ctx, r: &Request, name: &str) -> Result<String, Failure> {
    if let Some(image) = &r.image {
        ctx.out(&format!("{DIM}Using specified image: {image}{NC}\n"));
        return Ok(image.clone());
    }
    if let Some(framework) = &r.framework {
        ctx.out(&format!(
            "{DIM}Using AIME base framework: {framework}{NC}\n"
        ));
        return Ok(framework.clone());
    }
    let expected = format!("ds01-{}/{name}:latest", ctx.caller.uid);
    if ctx.engine()?.inspect_image(&expected)?.is_none() {
        let mut text = custom_image_required(&expected, name);
        if r.guided {
            text.push_str(&expand(GUIDED_WHY_IMAGES));
        }
        return Err(Failure::stdout(1, text));
    }
    ctx.out(&format!("{DIM}Using custom image: {expected}{NC}\n"));
    Ok(expected)
}

/// An atomic command run in this process; what it refused with is shown
/// as it would have shown it.
fn run_command(ctx: &mut Ctx, command: crate::registry::Run, args: &[String]) -> i32 {
    command(ctx, args).unwrap_or_else(|f| {
        ctx.out(&f.stdout);
        ctx.err(&f.stderr);
        f.code
    })
}

/// `container-create ARGS` in this process: the container to start, or
/// `None` when create made none and there is nothing to go on with (a dry
/// run, a page, a cancel).  A failed create is exit 1; what it said is
/// shown as it would have shown it.
fn create(ctx: &mut Ctx, r: &Request) -> Result<Option<String>, Failure> {
    use crate::ds01::container_create::{self, Finished};
    let finished = container_create::run(ctx, &r.create_args).map_err(|f| {
        ctx.out(&f.stdout);
        ctx.err(&f.stderr);
        Failure::exit(1)
    })?;
    Ok(match finished {
        Finished::Created(name) | Finished::Existing(name) => Some(name),
        Finished::Ran(_) | Finished::Nothing => None,
    })
}

fn ask_start_mode(ctx: &mut Ctx, guided: bool) -> Result<StartMode, Failure> {
    if guided {
        ctx.out(&format!(
            "{CYAN}ℹ {NC}{BOLD}How to start the container?{NC}\n\nYou have two options:\n\n"
        ));
    }
    ctx.out(&expand(START_MENU));
    let choice = term::ask(ctx, "Choice [1-2, default: 2]: ")?;
    ctx.out("\n");
    Ok(if choice == "1" {
        StartMode::Background
    } else {
        StartMode::Open
    })
}

fn start_in_background(ctx: &mut Ctx, name: &str, guided: bool) -> Outcome {
    ctx.out(&format!(
        "{CYAN}Starting container in background...{NC}\n\n"
    ));
    let args = with_guided(name, guided);
    if run_command(ctx, crate::ds01::container_start::main, &args) != 0 {
        return Err(Failure::stdout(
            1,
            format!("\n{RED}✗ Container start failed{NC}\n"),
        ));
    }
    let rule = format!("{GREEN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}");
    ctx.out(&format!(
        "\n{rule}\n{GREEN}{BOLD}✓ Container Deployed Successfully!{NC}\n{rule}\n\n"
    ));
    let next = if guided {
        expand(GUIDED_DEPLOYED).replace("<name>", name)
    } else {
        format!(
            "{BOLD}Next steps:{NC}\n  • Attach to container: {GREEN}container-attach {name}{NC}\n  • Check status:     {GREEN}container-list{NC}\n  • View stats:       {GREEN}container-stats{NC}\n\n{YELLOW}💡 When done:{NC} {GREEN}container-retire {name}{NC} {DIM}(cleanup){NC}\n\n"
        )
    };
    ctx.out(&next);
    Ok(0)
}

fn with_guided(name: &str, guided: bool) -> Vec<String> {
    let mut args = vec![name.to_string()];
    if guided {
        args.push("--guided".into());
    }
    args
}

/// `container-run`, then the choice to keep the container or retire it;
/// the exit status is container-run's.
fn open(ctx: &mut Ctx, name: &str, guided: bool) -> Outcome {
    ctx.out(&format!(
        "{CYAN}Starting container and opening terminal...{NC}\n"
    ));
    let status = run_command(
        ctx,
        crate::ds01::container_run::main,
        &with_guided(name, guided),
    );
    ctx.out("\n");
    term::banner(ctx, "Container Session Ended");
    ctx.out("\n");
    let engine = ctx.engine()?;
    let running =
        owned::find(&engine, ctx.caller.uid, name)?.is_some_and(|c| c.state() == "running");
    if !running {
        ctx.out(&format!(
            "{YELLOW}⚠{NC} Container was stopped unexpectedly\n\n{BOLD}Retiring container to avoid ambiguous stopped state...{NC}\n\n"
        ));
        retire_after_session(ctx, name)?;
        return Ok(status);
    }
    ctx.out(&format!(
        "{GREEN}✓{NC} Container is still running with resources allocated\n\n"
    ));
    if guided {
        ctx.out(&expand(GUIDED_OPTIONS).replace("<name>", name));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    after_session(ctx, &engine, name, guided)?;
    Ok(status)
}

fn after_session(
    ctx: &mut Ctx,
    engine: &crate::engine::Engine,
    name: &str,
    guided: bool,
) -> Result<(), Failure> {
    ctx.out(&expand(KEEP_OR_RETIRE));
    let choice = term::ask(ctx, "Choose [1=keep, 2=retire] (default: 1): ")?;
    ctx.out("\n");
    match choice.as_str() {
        "" | "1" => {
            ctx.out(&format!("{GREEN}✓{NC} Container kept running\n"));
            let how = if guided {
                expand(GUIDED_RECONNECT).replace("<name>", name)
            } else {
                format!("  Reconnect: {GREEN}container-attach {name}{NC}\n\n")
            };
            ctx.out(&how);
        }
        "2" => {
            ctx.out(&format!("{YELLOW}Retiring container...{NC}\n\n"));
            let tag = crate::model::tag::ContainerTag::new(name, ctx.caller.uid).to_string();
            crate::ds01::container_session::stop_keep_alive(ctx, engine, &tag);
            retire_after_session(ctx, name)?;
        }
        _ => ctx.out(&format!(
            "{YELLOW}Invalid choice. Keeping container running (default).{NC}\n\nTo retire later: {GREEN}container-retire {name}{NC}\n\n"
        )),
    }
    Ok(())
}

/// `container-retire NAME --skip-initial-confirm`: its questions about
/// packages and the image are still asked.
fn retire_after_session(ctx: &mut Ctx, name: &str) -> Result<(), Failure> {
    let options = container_retire::Options {
        name: Some(name.to_string()),
        skip_initial_confirm: true,
        ..Default::default()
    };
    match container_retire::retire(ctx, &options) {
        Ok(_) => Ok(()),
        Err(f) => {
            ctx.out(&f.stdout);
            ctx.err(&f.stderr);
            Ok(())
        }
    }
}

fn custom_image_required(expected: &str, name: &str) -> String {
    let rule = format!("{YELLOW}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}");
    format!(
        "{rule}\n{BOLD}Custom Image Required{NC}\n{rule}\n\n\
         Image not found: {CYAN}{expected}{NC}\n\n\
         To ensure reliable container creation, DS01 requires you to\n\
         build a custom image first. This image includes your user\n\
         configuration pre-built, avoiding runtime setup issues.\n\n\
         {BOLD}Options:{NC}\n\n\
         \x20 {GREEN}1){NC} Build custom image (recommended):\n\
         \x20    {GREEN}image-create {name}{NC}\n\n\
         \x20 {GREEN}2){NC} Use AIME base framework directly:\n\
         \x20    {GREEN}container deploy {name} --framework=pytorch{NC}\n\
         \x20    {GREEN}container deploy {name} --framework=tensorflow{NC}\n\n\
         \x20 {GREEN}3){NC} Use a specific image:\n\
         \x20    {GREEN}container deploy {name} --image=<image-name>{NC}\n\n"
    )
}

const NEEDS_MODE: &str = "\x1b[0;31mError: Non-interactive mode requires --background or --open flag\x1b[0m\n\nUsage:\n  container-deploy my-project --background  # Start in background\n  container-deploy my-project --open        # Start and attach immediately\n";

const START_MENU: &str = "{BOLD}How would you like to start the container?{NC}\n\n  {BOLD}1){NC} {GREEN}Start in background{NC}\n     {DIM}Container runs in background, access via SSH/IDE{NC}\n     {DIM}Uses: container-start{NC}\n\n  {BOLD}2){NC} {GREEN}Start and open terminal{NC} (recommended)\n     {DIM}Opens interactive shell inside container{NC}\n     {DIM}Uses: container-run{NC}\n\n";

const KEEP_OR_RETIRE: &str = "{BOLD}What would you like to do?{NC}\n\n{CYAN}1){NC} Keep running {DIM}(reconnect anytime, GPU stays allocated){NC}\n{CYAN}2){NC} Retire {DIM}(stop + remove, free GPU){NC}\n\n";

const GUIDED_INTRO: &str = "{CYAN}ℹ {NC}{BOLD}What does deploy do?{NC}\n\nTwo steps in one command:\n  1. make a container from an image\n  2. start it, in the background or with a shell open in it\n\n";

const GUIDED_WHY_IMAGES: &str = "{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n{BOLD}Why an image of your own?{NC}\n{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}\n\nAn image built with image-create already has your user inside,\nso making a container from it needs no extra setup step:\n\n  ✓ quicker to start\n  ✓ nothing half-made is left behind when something fails\n  ✓ the container carries the right labels from the start\n\nBuild the image once, then deploy from it as often as you like.\n\n";

const GUIDED_DEPLOYED: &str = "{BOLD}Done so far:{NC}\n\n  ✓ the container was made, with its resources\n  ✓ it runs in the background\n  ✓ SSH and IDEs can reach it\n\n{CYAN}━━━ Connecting an editor ━━━{NC}\n\n{BOLD}From a terminal:{NC}\n  1. Run: {GREEN}container-attach <name>{NC}\n  2. cd /workspace\n\n{BOLD}From VS Code (Dev Containers):{NC}\n  1. \"Dev Containers: Attach to Running Container\"\n  2. Pick this container\n\n{BOLD}When you are done:{NC}\n  {GREEN}container-retire <name>{NC}\n  (stops and removes it, and frees its GPU)\n\n";

const GUIDED_OPTIONS: &str = "{CYAN}ℹ{NC} {BOLD}Keep it or retire it?{NC}\n\nYou left the shell; the container still runs.\n\n{BOLD}Keep it:{NC} its GPU stays yours; come back with {GREEN}container-attach <name>{NC}\n{BOLD}Retire it:{NC} it is stopped and removed and the GPU freed;\n  your files stay, and {GREEN}container-deploy <name>{NC} makes it again.\n\n";

const GUIDED_RECONNECT: &str = "\n{CYAN}━━━ Coming back later ━━━{NC}\n\n{BOLD}From a terminal:{NC}\n  {GREEN}container-attach <name>{NC}\n\n{BOLD}From VS Code (Dev Containers):{NC}\n  \"Dev Containers: Attach to Running Container\", then pick it\n\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn deploy_consumes_its_own_options_and_passes_the_rest() {
        let r = read_args(&args(&[
            "demo",
            "--background",
            "--cpu-only",
            "--num-gpus=2",
        ]))
        .unwrap();
        assert_eq!(r.name.as_deref(), Some("demo"));
        assert_eq!(r.start, Some(StartMode::Background));
        assert_eq!(r.create_args, args(&["demo", "--cpu-only", "--num-gpus=2"]));
    }

    #[test]
    fn help_options_name_their_page() {
        assert_eq!(read_args(&args(&["x", "--info"])).unwrap_err(), "info");
        assert_eq!(read_args(&args(&["-h"])).unwrap_err(), "help");
    }

    #[test]
    fn image_options_are_not_passed_as_options() {
        let r = read_args(&args(&["demo", "--image=ds01-1/x", "--framework=jax"])).unwrap();
        assert_eq!(r.image.as_deref(), Some("ds01-1/x"));
        assert_eq!(r.framework.as_deref(), Some("jax"));
        assert_eq!(r.create_args, args(&["demo"]));
    }
}
