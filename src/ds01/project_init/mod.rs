//! `project-init [project-name] [options]` (also `project init`,
//! `new-project`; reference §5.1): a project folder under `~/workspace`
//! with `pyproject.toml`, `requirements.txt`, a Dockerfile, Git and a
//! README, ready for `project launch`.
//!
//! Steps 1 and 2 (name, existing folder, type, description) print what the
//! original printed.  From Step 3 on the original ran three helpers that
//! its installer no longer installed (`dir-create`, `git-init`,
//! `readme-create`), so every run ended there with "command not found"
//! (exit 127).  ds01 does their work in-process ([`structure`], [`git`],
//! [`readme`]) with their messages, asking nothing the wizard itself did
//! not ask, and never replaces the `requirements.txt` the Dockerfile was
//! made from.  Names are checked ([`name`]); the original took any text,
//! `../x` included, as a directory under `~/workspace`.

mod args;
mod files;
mod git;
mod name;
mod readme;
mod structure;

use crate::context::{Ctx, Mode};
use crate::ds01::image_create::dockerfile::Stamp;
use crate::ds01::image_create::Builder;
use crate::error::{Failure, Outcome};
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use args::Request;
use std::path::{Path, PathBuf};
use structure::Structure;

/// The project types (`--type=`) and the menu's order of them.
const KINDS: [&str; 8] = ["ml", "cv", "nlp", "rl", "audio", "ts", "llm", "custom"];

/// The original sourced `skill-assessment.sh`, which exports
/// `DS01_SKILL_HPC=0` as it loads, and then took `DS01_SKILL_HPC=0` to mean
/// "guided": every run was guided, with or without `--guided` (the
/// recordings show it).  ds01 keeps that.
const ALWAYS_GUIDED: bool = true;

/// The project being set up.
#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    /// `~/workspace/NAME` of the caller.
    pub dir: PathBuf,
    pub kind: String,
    pub desc: String,
    /// `whoami` and `id -u`.
    pub user: String,
    pub uid: u32,
    /// The folder was there and is kept.
    pub existing: bool,
    pub structure: Structure,
    pub guided: bool,
}

/// How this run goes: a name on the command line means no questions
/// about type, description, structure or Git.
struct Flow {
    guided: bool,
    interactive: bool,
    quick: bool,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = crate::cli::spec::tool("project-init").map_err(|e| Failure::stderr(70, e))?;
    match crate::ds01::run_or_page(ctx, args::parse(&spec, args)?) {
        Some(request) => run(ctx, &request),
        None => Ok(0),
    }
}

/// The wizard, Step 1 to the summary.
fn run(ctx: &mut Ctx, r: &Request) -> Outcome {
    let flow = Flow {
        guided: r.guided || ALWAYS_GUIDED,
        interactive: r.name.is_empty() && !r.quick,
        quick: r.quick,
    };
    header(ctx, &flow);
    let name = project_name(ctx, r, &flow)?;
    let who = Builder::of(ctx);
    let dir = who.workspace(&name);
    let existing = existing_directory(ctx, &dir, flow.quick)?;
    let kind = project_type(ctx, r, &flow)?;
    let desc = description(ctx, r, &flow)?;
    let mut p = Project {
        name,
        dir,
        kind,
        desc,
        user: who.user,
        uid: who.uid,
        existing,
        structure: Structure::Existing,
        guided: flow.guided,
    };
    p.structure = directory(ctx, &p, r, &flow)?;
    let stamp = Stamp::now();
    ctx.out(&format!("\n{BOLD}Step 4: Creating Project Files{NC}\n"));
    files::create(ctx, &p, &stamp)?;
    let commit = git_step(ctx, &p, r, &flow)?;
    if !p.existing {
        ctx.out(&format!("\n{BOLD}Step 6: Creating README{NC}\n"));
        readme::create(ctx, &p, stamp.iso.get(..10).unwrap_or(&stamp.iso), commit)?;
    }
    let devcontainer = !flow.quick && development_environment(ctx, &p)?;
    summary(ctx, &p, devcontainer);
    Ok(0)
}

fn header(ctx: &mut Ctx, flow: &Flow) {
    ctx.out("\n");
    if flow.guided {
        term::banner(ctx, "DS01 Project Init (Guided Mode)");
        ctx.out(&expand(WELCOME));
    } else {
        term::banner(ctx, "DS01 Project Init");
    }
    if flow.interactive && !flow.guided {
        ctx.out(&format!(
            "\n{DIM}Tip: Add --guided for detailed explanations, --concepts to learn first{NC}\n"
        ));
    }
}

/// Step 1: the name, given or asked until one is usable.
fn project_name(ctx: &mut Ctx, r: &Request, flow: &Flow) -> Result<String, Failure> {
    ctx.out(&format!("\n{BOLD}Step 1: Project Information{NC}\n"));
    if flow.guided {
        ctx.out(&expand(STEP1_GUIDE));
    }
    ctx.out("\n");
    if !r.name.is_empty() {
        let name = name::normalise(&r.name);
        if !name::is_valid(&name) {
            return Err(Failure::stdout(1, name::invalid_message(&name)));
        }
        ctx.out(&format!("Project name: {CYAN}{name}{NC}\n"));
        return Ok(name);
    }
    loop {
        let typed = term::ask(ctx, "Project name (e.g., thesis, cv-experiments): ")?;
        let name = name::normalise(&name::as_read(&typed));
        if name.is_empty() {
            ctx.out(&format!("{RED}Project name cannot be empty{NC}\n"));
        } else if !name::is_valid(&name) {
            ctx.out(&name::invalid_message(&name));
        } else {
            return Ok(name);
        }
    }
}

/// Whether `dir` is there and kept; the user may have it removed instead,
/// or cancel (exit 1).
fn existing_directory(ctx: &mut Ctx, dir: &Path, quick: bool) -> Result<bool, Failure> {
    if !dir.is_dir() {
        return Ok(false);
    }
    if quick {
        ctx.out(&format!(
            "{YELLOW}Project directory exists, updating config...{NC}\n"
        ));
        return Ok(true);
    }
    ctx.out(&format!(
        "{YELLOW}Project directory already exists: {}{NC}\n\n\
         \x20 {BOLD}1){NC} Use existing {DIM}(keep files, update config){NC}\n\
         \x20 {BOLD}2){NC} Overwrite {DIM}(delete and recreate){NC}\n\
         \x20 {BOLD}3){NC} Cancel\n\n",
        dir.display()
    ));
    match name::as_read(&term::ask(ctx, "Choice [1]: ")?).as_str() {
        "" | "1" => Ok(true),
        "2" => {
            ctx.out(&format!("{YELLOW}Removing existing directory...{NC}\n"));
            remove_directory(dir).map_err(|e| {
                Failure::stderr(
                    1,
                    format!("{RED}✗ Could not remove {}: {e}{NC}\n", dir.display()),
                )
            })?;
            Ok(false)
        }
        _ => Err(Failure::stdout(1, "Cancelled.\n")),
    }
}

/// `rm -rf DIR`: a symbolic link is removed itself, never what it points
/// to (`remove_dir_all` does not follow links inside the directory).
fn remove_directory(dir: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
        std::fs::remove_file(dir)
    } else {
        std::fs::remove_dir_all(dir)
    }
}

/// Step 2: the type, from `--type=`, the menu, or `ml`.
fn project_type(ctx: &mut Ctx, r: &Request, flow: &Flow) -> Result<String, Failure> {
    ctx.out(&format!("\n{BOLD}Step 2: Project Type{NC}\n"));
    if flow.guided {
        ctx.out(STEP2_GUIDE);
    }
    ctx.out("\n");
    if !r.kind.is_empty() {
        let kind = if KINDS.contains(&r.kind.as_str()) {
            r.kind.as_str()
        } else {
            ctx.out(&format!(
                "{YELLOW}Unknown type '{}', using 'ml'{NC}\n",
                r.kind
            ));
            "ml"
        };
        ctx.out(&format!("Project type: {CYAN}{kind}{NC}\n"));
        return Ok(kind.to_string());
    }
    if flow.quick {
        ctx.out(&format!("Project type: {CYAN}ml{NC} (default)\n"));
    } else if flow.interactive {
        ctx.out(&expand(TYPE_MENU));
        let choice = name::as_read(&term::ask(ctx, "Choice [1-8, default: 1]: ")?);
        // The menu lists KINDS in order; anything else is the default.
        let kind = (1..=KINDS.len())
            .position(|n| n.to_string() == choice)
            .map_or(KINDS[0], |i| KINDS[i]);
        return Ok(kind.to_string());
    }
    Ok("ml".to_string())
}

/// The description: `--desc=`, asked in the wizard, else none.
fn description(ctx: &mut Ctx, r: &Request, flow: &Flow) -> Result<String, Failure> {
    if !r.desc.is_empty() {
        return Ok(r.desc.clone());
    }
    if flow.quick || !flow.interactive {
        return Ok(String::new());
    }
    ctx.out("\n");
    let typed = term::ask(ctx, "Project description (optional, Enter to skip): ")?;
    Ok(name::as_read(&typed))
}

/// Step 3: the directory (a new one with its layout, or the existing one).
fn directory(ctx: &mut Ctx, p: &Project, r: &Request, flow: &Flow) -> Result<Structure, Failure> {
    if p.existing {
        ctx.out(&format!(
            "\n{BOLD}Step 3: Using Existing Project{NC}\n{GREEN}Using existing directory{NC}\n"
        ));
        return Ok(Structure::Existing);
    }
    ctx.out(&format!("\n{BOLD}Step 3: Creating Project Structure{NC}\n"));
    if flow.guided {
        ctx.out(STEP3_GUIDE);
    }
    ctx.out("\n");
    let layout = if r.blank {
        Structure::Blank
    } else if flow.interactive {
        ctx.out(&expand(STRUCTURE_MENU));
        match name::as_read(&term::ask(ctx, "Choice [1-2, default: 1]: ")?).as_str() {
            "2" => Structure::Blank,
            _ => Structure::DataScience,
        }
    } else {
        Structure::DataScience
    };
    structure::create(ctx, &p.name, &p.dir, layout, flow.guided)?;
    Ok(layout)
}

/// Step 5: Git, unless `--no-git` or declined; whether Step 6 commits.
fn git_step(ctx: &mut Ctx, p: &Project, r: &Request, flow: &Flow) -> Result<bool, Failure> {
    ctx.out(&format!("\n{BOLD}Step 5: Git Version Control{NC}\n"));
    if r.no_git {
        ctx.out(&format!("  {DIM}Skipping Git setup (--no-git){NC}\n"));
        return Ok(false);
    }
    if flow.interactive {
        let answer = name::as_read(&term::ask(ctx, "Initialize Git repository? [Y/n]: ")?);
        if !(answer.is_empty() || answer.starts_with(['Y', 'y'])) {
            return Ok(false);
        }
    }
    git::init(ctx, p)
}

/// Step 7: CLI or a VS Code dev container; whether one was written.
fn development_environment(ctx: &mut Ctx, p: &Project) -> Result<bool, Failure> {
    ctx.out(&format!(
        "\n{BOLD}Step 7: Development Environment (Optional){NC}\n"
    ));
    if p.guided {
        ctx.out(&expand(STEP7_GUIDE).replace("{NAME}", &p.name));
    }
    ctx.out("\n");
    ctx.out(&expand(DEV_MENU).replace("{NAME}", &p.name));
    match name::as_read(&term::ask(ctx, "Choice [1-3, default: 1]: ")?).as_str() {
        "2" => {
            ctx.out("\n");
            term::banner(ctx, "Dev Container Configuration");
            devcontainer(ctx, p)?;
            Ok(true)
        }
        "3" => {
            ctx.out(&format!(
                "{DIM}Skipping - you can add dev container support later with:{NC}\n  {GREEN}cd {} && devcontainer init{NC}\n",
                p.dir.display()
            ));
            Ok(false)
        }
        _ => Ok(false),
    }
}

/// devcontainer-init for the project, in-process, as the original ran it
/// (`DS01_CONTEXT=orchestration` without an orchestrator's name).  Its
/// failure is the run's.
fn devcontainer(ctx: &mut Ctx, p: &Project) -> Result<(), Failure> {
    let output = p.dir.join(".devcontainer").join("devcontainer.json");
    let mut args = vec![p.name.clone(), format!("--output={}", output.display())];
    if p.guided {
        args.push("--guided".into());
    }
    let mode = std::mem::replace(
        &mut ctx.mode,
        Mode {
            context: "orchestration".into(),
            orchestrator: None,
        },
    );
    let result = crate::ds01::devcontainer_init::main(ctx, &args);
    ctx.mode = mode;
    match result? {
        0 => Ok(()),
        code => Err(Failure::exit(code)),
    }
}

fn summary(ctx: &mut Ctx, p: &Project, devcontainer: bool) {
    let rule = format!("{GREEN}{}{NC}", "━".repeat(47));
    let dir = p.dir.display();
    let name = &p.name;
    ctx.out(&format!(
        "\n{rule}\n{GREEN}{BOLD}Project Setup Complete!{NC}\n{rule}\n\n\
         {BOLD}Project:{NC} {CYAN}{name}{NC}\n\
         {BOLD}Type:{NC}    {}\n\
         {BOLD}Path:{NC}    {dir}\n\n\
         {BOLD}Created Files:{NC}\n\
         \x20 pyproject.toml     {DIM}(project metadata){NC}\n\
         \x20 requirements.txt   {DIM}(Python packages){NC}\n\
         \x20 Dockerfile         {DIM}(container definition){NC}\n\
         \x20 README.md          {DIM}(documentation){NC}\n",
        p.kind
    ));
    if devcontainer {
        ctx.out(&format!(
            "  .devcontainer/     {DIM}(VS Code dev container config){NC}\n\n\
             {BOLD}Next Steps:{NC}\n\
             \x20 1. Open {CYAN}{dir}{NC} in VS Code\n\
             \x20 2. Click {CYAN}\"Reopen in Container\"{NC} when prompted\n\n\
             {DIM}Alternative: Use CLI with {GREEN}project launch {name}{NC}{NC}\n\n"
        ));
    } else {
        ctx.out(&format!(
            "\n{BOLD}Next Steps:{NC}\n\
             \x20 1. Edit requirements.txt {DIM}(if needed): {GREEN}nano {dir}/requirements.txt{NC}\n\
             \x20 {GREEN}2. project launch {name}{NC}   {DIM}# Build image & deploy container{NC}\n\n\
             {DIM}Or use VS Code: {GREEN}cd {dir} && devcontainer init{NC}{NC}\n\n"
        ));
    }
}

const WELCOME: &str = "
{GREEN}{BOLD}Welcome to DS01!{NC}
  This wizard will create a complete ML project with all required files.
  {DIM}For experienced users: run without --guided flag{NC}
";

const STEP1_GUIDE: &str = "
A project is your workspace directory containing:
  - Your code {DIM}(scripts, notebooks){NC}
  - Your data {DIM}(datasets, trained models){NC}
  - Configuration files {DIM}(pyproject.toml, requirements.txt){NC}
  - Docker setup {DIM}(Dockerfile){NC}

{YELLOW}Everything persists across container restarts{NC}
";

const STEP2_GUIDE: &str = "
The project type determines which packages are included in requirements.txt
You can always modify requirements.txt later.
";

const TYPE_MENU: &str = "Select project type:
  {BOLD}1){NC} General ML {DIM}(xgboost, lightgbm, optuna){NC} {GREEN}(Default){NC}
  {BOLD}2){NC} Computer Vision {DIM}(timm, albumentations, opencv){NC}
  {BOLD}3){NC} NLP {DIM}(transformers, datasets, tokenizers){NC}
  {BOLD}4){NC} Reinforcement Learning {DIM}(gymnasium, stable-baselines3){NC}
  {BOLD}5){NC} Audio/Speech {DIM}(librosa, soundfile, torchaudio){NC}
  {BOLD}6){NC} Time Series {DIM}(statsmodels, prophet, darts){NC}
  {BOLD}7){NC} LLM/GenAI {DIM}(vllm, bitsandbytes, langchain){NC}
  {BOLD}8){NC} Custom {DIM}(specify packages manually later){NC}

";

const STEP3_GUIDE: &str = "
A standard data science structure helps you:
  - Collaborate with others easily
  - Keep raw data separate from processed data
  - Track experiments and results
";

const STRUCTURE_MENU: &str = "Choose directory structure:
  {BOLD}1){NC} Data Science structure {GREEN}(recommended){NC}
     {DIM}data/, notebooks/, src/, outputs/, models/{NC}
  {BOLD}2){NC} Blank directory
     {DIM}Empty folder - set up your own structure{NC}

";

const STEP7_GUIDE: &str = "
You can work with your project two ways:

  {BOLD}CLI workflow (traditional):{NC}
    1. {GREEN}project launch {NAME}{NC}  - Builds image & starts container
    2. {GREEN}container attach {NAME}{NC} - Opens terminal in container
    3. Work in terminal (vim, tmux, jupyter, etc.)
    4. {GREEN}container retire {NAME}{NC} - Stops & removes when done

    {DIM}You control the lifecycle explicitly via CLI commands.{NC}
    {DIM}Container stays running until you retire it.{NC}

  {BOLD}VS Code Dev Container workflow:{NC}
    1. Open project folder in VS Code
    2. VS Code prompts: \"Reopen in Container\" - click yes
    3. VS Code builds container & connects automatically
    4. Full IDE: editing, debugging, integrated terminal
    5. Close VS Code → container stops, GPU released

    {DIM}VS Code manages the lifecycle automatically.{NC}
    {DIM}GPU allocated on open, released on close.{NC}

  {BOLD}Key Difference:{NC}
    Both use the same AIME base images and GPU allocation system.
    CLI: You manage start/stop. VS Code: Automatic lifecycle.

";

const DEV_MENU: &str = "How will you launch containers for this project?
  {BOLD}1){NC} CLI {GREEN}(Recommended){NC}
     {DIM}Use: project launch {NAME}{NC}
  {BOLD}2){NC} VS Code Dev Container {CYAN}(experimental - in dev){NC}
     {DIM}Creates .devcontainer/devcontainer.json{NC}
  {BOLD}3){NC} Skip {DIM}(decide later){NC}

";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Env, Prompter};
    use crate::identity::Identity;
    use std::collections::VecDeque;

    /// A caller whose home is a fresh temporary directory, answering
    /// `answers` in turn.
    fn ctx(tag: &str, answers: &[&str]) -> (Ctx, PathBuf) {
        let home = std::env::temp_dir().join(format!("ds01-pinit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).expect("home");
        let caller = Identity {
            uid: 4242,
            gid: 4242,
            login: "tester".into(),
            home: home.display().to_string(),
        };
        let mut c = Ctx::new(caller, Env::from_pairs([("MLC_ARCH", "CUDA_ADA")]));
        c.prompter = Prompter::Scripted(
            answers
                .iter()
                .map(|a| a.to_string())
                .collect::<VecDeque<_>>(),
        );
        (c, home)
    }

    fn run_with(c: &mut Ctx, args: &[&str]) -> (Outcome, crate::context::Captured) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        c.capture(|c| main(c, &args))
    }

    #[test]
    fn quick_makes_the_whole_tree_without_asking() {
        let (mut c, home) = ctx("quick", &[]);
        let (outcome, got) = run_with(&mut c, &["My Proj", "--quick", "--no-git"]);
        assert_eq!(outcome, Ok(0), "{}", got.stdout);
        let dir = home.join("workspace/my-proj");
        assert!(got
            .stdout
            .contains("Project name: \x1b[0;36mmy-proj\x1b[0m\n"));
        assert!(got
            .stdout
            .contains("Project type: \x1b[0;36mml\x1b[0m (default)\n"));
        assert!(!got.stdout.contains("Step 7"));
        for sub in structure::DIRECTORIES {
            assert!(dir.join(sub).is_dir(), "{sub}");
        }
        let requirements = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
        assert_eq!(requirements, crate::ds01::project_meta::requirements("ml"));
        let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
        assert!(dockerfile.contains("# Source: ~/workspace/my-proj/requirements.txt\n"));
        assert!(dockerfile.contains("    'pandas>=2.0' \\\n"));
        assert!(dir.join("README.md").is_file() && dir.join("configs/experiment.yaml").is_file());
        assert!(!dir.join(".git").exists());
        assert_eq!(
            crate::ds01::project_meta::read(&dir, "image").as_deref(),
            Some("ds01-4242/my-proj:latest")
        );
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn the_wizard_asks_in_the_original_order() {
        let (mut c, home) = ctx("wizard", &["Wiz Proj", "2", "demo project", "2", "n", "3"]);
        let (outcome, got) = run_with(&mut c, &[]);
        assert_eq!(outcome, Ok(0), "{}", got.stdout);
        assert_eq!(
            got.stderr,
            "Project name (e.g., thesis, cv-experiments): Choice [1-8, default: 1]: \
             Project description (optional, Enter to skip): Choice [1-2, default: 1]: \
             Initialize Git repository? [Y/n]: Choice [1-3, default: 1]: "
        );
        let dir = home.join("workspace/wiz-proj");
        assert!(got
            .stdout
            .contains("\x1b[0;32m✓ Blank directory created\x1b[0m\n"));
        assert!(got
            .stdout
            .contains("\x1b[94mCreating README.md...\x1b[0m\n"));
        assert!(got.stdout.contains("  \x1b[0;32mcd "));
        assert!(!dir.join("data").exists() && !dir.join(".git").exists());
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(readme.starts_with("# wiz-proj\n\ndemo project\n\n**Author:** tester\n"));
        let requirements = std::fs::read_to_string(dir.join("requirements.txt")).unwrap();
        assert!(requirements.contains("# Computer Vision specific packages\ntimm\n"));
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn an_existing_folder_is_kept_or_the_run_cancelled() {
        let (mut c, home) = ctx("existing", &["3"]);
        let dir = home.join("workspace/old");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("requirements.txt"), "torch\n").unwrap();
        let (outcome, got) = run_with(&mut c, &["old"]);
        assert_eq!(outcome, Err(Failure::stdout(1, "Cancelled.\n")));
        assert!(got.stdout.contains("Project directory already exists: "));
        c.prompter = Prompter::Scripted(VecDeque::from(["".to_string(), "1".to_string()]));
        let (outcome, got) = run_with(&mut c, &["old", "--no-git"]);
        assert_eq!(outcome, Ok(0), "{}", got.stdout);
        assert!(got.stdout.contains("Step 3: Using Existing Project"));
        assert!(!got.stdout.contains("Step 6"));
        assert_eq!(
            std::fs::read_to_string(dir.join("requirements.txt")).unwrap(),
            "torch\n"
        );
        let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
        assert!(dockerfile.contains("RUN pip install --no-cache-dir \\\n    torch\n"));
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn overwrite_removes_a_link_not_its_target() {
        let (mut c, home) = ctx("link", &["2"]);
        let target = home.join("elsewhere");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("keep.txt"), "x").unwrap();
        std::fs::create_dir_all(home.join("workspace")).unwrap();
        std::os::unix::fs::symlink(&target, home.join("workspace/p")).unwrap();
        let (outcome, got) = run_with(&mut c, &["p", "--no-git", "--quick"]);
        assert_eq!(outcome, Ok(0), "{}", got.stdout);
        assert!(got.stdout.contains("updating config"));
        let (outcome, _) = run_with(&mut c, &["p", "--no-git"]);
        assert_eq!(outcome, Err(Failure::exit(1)), "no answer left for Step 7");
        assert!(target.join("keep.txt").is_file());
        assert!(home.join("workspace/p").is_dir());
        assert!(!std::fs::symlink_metadata(home.join("workspace/p"))
            .unwrap()
            .file_type()
            .is_symlink());
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn names_that_leave_the_workspace_are_refused() {
        let (mut c, home) = ctx("badname", &["../x", "ok"]);
        let (outcome, got) = run_with(&mut c, &["../x", "--quick"]);
        let refused = outcome.expect_err("refused");
        assert_eq!(refused.code, 1);
        assert!(refused.stdout.contains("Invalid project name: '../x'"));
        assert!(!got.stdout.contains("Project name:"));
        let (_, got) = run_with(&mut c, &[]);
        assert!(got.stdout.contains("Invalid project name: '../x'"));
        assert!(!home.join("x").exists());
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn git_gets_the_ignore_file_and_a_repository() {
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_err()
        {
            return;
        }
        let (mut c, home) = ctx("git", &[]);
        let (outcome, got) = run_with(&mut c, &["g", "--quick"]);
        assert_eq!(outcome, Ok(0), "{}", got.stdout);
        let dir = home.join("workspace/g");
        assert!(dir.join(".git").is_dir());
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            git::GITIGNORE
        );
        assert!(got
            .stdout
            .contains("\x1b[0;32m✓ Git setup complete\x1b[0m\n"));
        assert!(got.stdout.contains("Creating initial Git commit..."));
        std::fs::remove_dir_all(&home).unwrap();
    }
}
