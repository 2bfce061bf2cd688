//! The questions `image-create` asks for what the command line left open
//! (the original's `interactive_mode`): name, framework, how packages are
//! chosen (a requirements.txt, or the Jupyter / data science / use case
//! tiers), extra pip and apt packages.  Menus and messages are the
//! original's; the `--guided` explanations are ds01's own words.

use super::packages::{self, AIME_BASE, DATA_SCIENCE, JUPYTER};
use super::{base, checked_name, Builder, Choices, Tier};
use crate::context::Ctx;
use crate::ds01::image_update::requirements::{self, Found};
use crate::error::Failure;
use crate::ui::ds01::{self as term, expand, BOLD, CYAN, DIM, GREEN, NC, RED, YELLOW};
use std::path::PathBuf;

const CHOOSE: &str = "Choice [1-3, default: 1]: ";

pub fn run(ctx: &mut Ctx, who: &Builder, c: &mut Choices) -> Result<(), Failure> {
    if !c.guided {
        term::banner(ctx, "Create a Custom Docker Image");
        ctx.out("\n");
    }
    name(ctx, who, c)?;
    if c.framework.is_empty() {
        framework_menu(ctx, c)?;
    } else if c.framework == "custom" && c.custom_base.is_empty() {
        // `-f custom` given: the original never asked for the base image.
        custom_base(ctx, c, "")?;
    }
    if !c.skip_base && c.requirements.is_none() {
        package_method(ctx, who, c)?;
    }
    if !c.skip_base {
        if c.jupyter == Tier::Unset {
            jupyter(ctx, c)?;
        }
        if c.data_science == Tier::Unset {
            data_science(ctx, c)?;
        }
        if c.usecase.is_empty() {
            usecase(ctx, c)?;
        }
        if !c.usecase.is_empty() {
            summary(ctx, c);
        }
    }
    // A custom base gets none of them (the original asked, then ignored
    // the answers).
    if c.skip_base {
        return Ok(());
    }
    if c.additional.is_empty() {
        additional(ctx, c)?;
    }
    if c.system.is_empty() {
        ctx.out(&format!(
            "\n{BOLD}System packages (apt)?{NC} (or press Enter to skip)\n{DIM}Examples: htop tmux vim git-lfs{NC}\n"
        ));
        c.system = term::ask(ctx, "> ")?;
        ctx.out("\n");
    }
    Ok(())
}

/// The name (asked when not given), whether the image exists, and the
/// reference it will have.
fn name(ctx: &mut Ctx, who: &Builder, c: &mut Choices) -> Result<(), Failure> {
    if c.name.is_empty() {
        ctx.out(&format!(
            "{BOLD}Image name{NC} {DIM}(e.g., my-project, thesis-cv){NC}\n\n"
        ));
        c.name = term::ask(ctx, "> ")?;
    }
    c.name = checked_name(&c.name)?;
    ctx.out("\n");
    let reference = format!("{}:latest", who.image(&c.name));
    if ctx.engine()?.inspect_image(&reference)?.is_some() {
        ctx.out(&format!(
            "{YELLOW}⚠ Image with name '{}' already exists{NC}\n  {DIM}DS01 image: {reference}{NC}\n\n",
            c.name
        ));
        let overwrite = term::confirm(ctx, "Overwrite? [y/N]: ")?;
        ctx.out("\n");
        if !overwrite {
            return Err(Failure::stdout(0, "Cancelled.\n"));
        }
    }
    ctx.out(&format!(
        "{BOLD}Image namespace: {CYAN}ds01-{uid}{NC}\n{BOLD}Image name: {CYAN}{name}{NC}\n{DIM}Full reference: ds01-{uid}/{name}:latest{NC}\n",
        uid = who.uid,
        name = c.name
    ));
    if c.guided {
        ctx.out(&format!(
            "{DIM}Format: {{namespace}}/{{name}}:{{tag}} where namespace = ds01-{{user-id}}{NC}\n"
        ));
    }
    ctx.out("\n");
    Ok(())
}

fn framework_menu(ctx: &mut Ctx, c: &mut Choices) -> Result<(), Failure> {
    if c.guided {
        ctx.out(&expand(GUIDED_FRAMEWORK));
    }
    ctx.out(&format!(
        "{BOLD}Select base framework:{NC}\n\
         \x20 {BOLD}1){NC} PyTorch (latest from AIME catalog) {GREEN}(recommended){NC}\n\
         \x20 {BOLD}2){NC} TensorFlow (latest from AIME catalog)\n\
         \x20 {BOLD}3){NC} JAX + CUDA (if available)\n\
         \x20 {BOLD}4){NC} PyTorch CPU-only\n\
         \x20 {BOLD}5){NC} Custom (specify base image)\n\n"
    ));
    c.framework = match term::ask(ctx, "Choice [1-5, default: 1]: ")?.as_str() {
        "2" => "tensorflow",
        "3" => "jax",
        "4" => "pytorch-cpu",
        "5" => "custom",
        _ => "pytorch",
    }
    .to_string();
    if c.framework == "custom" {
        return custom_base(ctx, c, "\n");
    }
    let image = base::base_image(&ctx.settings, &c.framework, "");
    ctx.out(&format!(
        "\n{GREEN}✓{NC} Selected base image: {CYAN}{image}{NC}\n\n"
    ));
    base_packages(ctx, &image, c.guided)
}

/// Framework `custom`: the user's base image, and none of DS01's packages
/// (`lead`: the blank line after the menu).
fn custom_base(ctx: &mut Ctx, c: &mut Choices, lead: &str) -> Result<(), Failure> {
    ctx.out(&format!(
        "{lead}{BOLD}Custom Base Image{NC}\nEnter Docker image (e.g., ubuntu:22.04, python:3.11-slim, nvidia/cuda:12.0-runtime)\n"
    ));
    let image = term::ask(ctx, "> ")?;
    if image.is_empty() {
        return Err(Failure::stdout(
            1,
            format!("{RED}Error: Base image cannot be empty{NC}\n"),
        ));
    }
    if image
        .chars()
        .any(|ch| ch.is_whitespace() || ch.is_control())
    {
        return Err(Failure::stdout(
            1,
            format!("{RED}Error: A base image is one image reference, without blanks{NC}\n"),
        ));
    }
    ctx.out(&format!(
        "{YELLOW}⚠ Custom base: No default packages will be installed{NC}\n"
    ));
    c.custom_base = image;
    c.skip_base = true;
    Ok(())
}

/// What the AIME base images already have.
fn base_packages(ctx: &mut Ctx, image: &str, guided: bool) -> Result<(), Failure> {
    ctx.out(&format!(
        "{CYAN}━━━ AIME Base Image Packages ━━━{NC}\n\n\
         {BOLD}Pre-installed in {CYAN}{image}:{NC}:\n\
         \x20 {BOLD}Nvidia GPU libs:{NC} CUDA 12.6.3, cuDNN, NCCL, nvidia-* packages (10+ CUDA dependencies)\n\
         \x20 {BOLD}DL Frameworks:{NC} torch, torchvision, torchaudio (PyTorch ecosystem)\n\
         \x20 {BOLD}Core Scientific Computing:{NC} numpy & pillow\n\
         \x20 {BOLD}Utilities:{NC}: conda, ipython, psutil, tqdm\n\n"
    ));
    if guided {
        ctx.out(&expand(GUIDED_BASE));
        ctx.out(&format!(
            "{DIM}To see full package list: docker run --rm {image} pip list{NC}\n\n"
        ));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    Ok(())
}

/// A requirements.txt (the default) or the guided tiers.
fn package_method(ctx: &mut Ctx, who: &Builder, c: &mut Choices) -> Result<(), Failure> {
    ctx.out(&format!(
        "{CYAN}━━━ Package Installation Method ━━━{NC}\n\n"
    ));
    if c.guided {
        ctx.out(&expand(GUIDED_METHOD));
    }
    ctx.out(&format!(
        "{BOLD}How would you like to specify packages?{NC}\n\
         \x20 {BOLD}1){NC} Import from requirements.txt file {GREEN}(default){NC}\n\
         \x20 {BOLD}2){NC} Guided selection (Jupyter, Data Science, Use Case)\n\n"
    ));
    if term::ask(ctx, "Choice [1-2, default: 1]: ")? != "2" {
        match pick_requirements(ctx, who)? {
            Some(path) => {
                ctx.out(&format!(
                    "\n{GREEN}✓{NC} Will install packages from: {CYAN}{}{NC}\n{DIM}You can still add Jupyter and Data Science packages below{NC}\n",
                    path.display()
                ));
                c.requirements = Some(path);
                c.usecase = "custom".into();
                c.usecase_packages.clear();
            }
            None => ctx.out(&format!("{YELLOW}Falling back to guided selection{NC}\n")),
        }
    }
    ctx.out("\n");
    Ok(())
}

/// The requirements picker; `None` when cancelled or unusable.
fn pick_requirements(ctx: &mut Ctx, who: &Builder) -> Result<Option<PathBuf>, Failure> {
    let found = match requirements::look_for(ctx, &who.home)? {
        Found::Files(files) => files,
        Found::Typed(typed) => return Ok(checked_path(ctx, who, &typed)),
    };
    ctx.out(&format!("{BOLD}Select a requirements.txt file:{NC}\n\n"));
    for (i, (path, name)) in found.iter().enumerate() {
        ctx.out(&format!(
            "  {BOLD}{}){NC} {name} ({DIM}{}{NC})\n",
            i + 1,
            path.display()
        ));
    }
    let manual = found.len() + 1;
    ctx.out(&format!("  {BOLD}{manual}){NC} Enter path manually...\n\n"));
    let choice = term::ask(ctx, &format!("Choice [1-{manual}]: "))?;
    let number = choice.trim().parse::<usize>().ok();
    if number == Some(manual) {
        ctx.out("\n");
        let typed = term::ask(ctx, "Enter path to requirements.txt: ")?;
        return Ok(checked_path(ctx, who, &typed));
    }
    match number
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| found.get(i))
    {
        Some((path, _)) if choice.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(checked_path(ctx, who, &path.display().to_string()))
        }
        _ => {
            ctx.out(&format!("{RED}Invalid selection{NC}\n"));
            Ok(None)
        }
    }
}

/// A typed or picked path, checked (its warnings on stderr).
fn checked_path(ctx: &mut Ctx, who: &Builder, typed: &str) -> Option<PathBuf> {
    if typed.is_empty() {
        return None;
    }
    let path = who.expand(typed);
    match packages::check_requirements(&path) {
        Ok(notes) => {
            ctx.err(&notes);
            Some(path)
        }
        Err(error) => {
            ctx.err(&error);
            None
        }
    }
}

/// The three answers of a package tier.
fn tier_answer(ctx: &mut Ctx, skip_label: &str) -> Result<String, Failure> {
    ctx.out(&format!(
        "\x20 {BOLD}1){NC} Yes - Install defaults ({GREEN}recommended{NC})\n\
         \x20 {BOLD}2){NC} No - Skip ({skip_label})\n\
         \x20 {BOLD}3){NC} Custom - Specify packages manually\n\n"
    ));
    term::ask(ctx, CHOOSE)
}

fn jupyter(ctx: &mut Ctx, c: &mut Choices) -> Result<(), Failure> {
    if c.guided {
        ctx.out(&expand(GUIDED_JUPYTER));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    } else {
        ctx.out(&format!(
            "{CYAN}━━━━ Add Additional Defaults (recommended) ━━━━{NC}\n\n"
        ));
    }
    ctx.out(&format!(
        "{BOLD}Install Jupyter Lab & interactive tools?{NC}\n"
    ));
    c.jupyter = match tier_answer(ctx, "use terminal/IDE only")?.as_str() {
        "2" => {
            ctx.out(&format!("{YELLOW}Skipped Jupyter packages{NC}\n"));
            Tier::Skip
        }
        "3" => {
            let base = strings(&AIME_BASE);
            Tier::Custom(custom_tier(
                ctx,
                "Specify Jupyter packages:",
                Some("jupyterlab ipywidgets ipykernel==6.25.0"),
                &base,
                "already in AIME base",
            )?)
        }
        _ => Tier::Default,
    };
    ctx.out("\n");
    Ok(())
}

fn data_science(ctx: &mut Ctx, c: &mut Choices) -> Result<(), Failure> {
    if c.guided {
        ctx.out(&expand(GUIDED_DATA_SCIENCE));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    ctx.out(&format!("{BOLD}Install core data science packages?{NC}\n"));
    c.data_science = match tier_answer(ctx, "framework-only setup")?.as_str() {
        "2" => {
            ctx.out(&format!("{YELLOW}Skipped data science packages{NC}\n"));
            Tier::Skip
        }
        "3" => {
            let mut known = strings(&AIME_BASE);
            known.extend(tier_packages(&c.jupyter, &JUPYTER));
            Tier::Custom(custom_tier(
                ctx,
                "Specify data science packages:",
                None,
                &known,
                "already included",
            )?)
        }
        _ => Tier::Default,
    };
    ctx.out("\n");
    Ok(())
}

/// A tier's own list, asked until it repeats nothing already installed
/// (the original's duplicate check never fired: its status was lost).
fn custom_tier(
    ctx: &mut Ctx,
    title: &str,
    examples: Option<&str>,
    known: &[String],
    where_known: &str,
) -> Result<String, Failure> {
    loop {
        ctx.out(&format!("\n{BOLD}{title}{NC} (space-separated)\n"));
        if let Some(examples) = examples {
            ctx.out(&format!("{DIM}Examples: {examples}{NC}\n"));
        }
        let list = term::ask(ctx, "> ")?;
        if list.is_empty() {
            ctx.out(&format!("{YELLOW}No packages entered{NC}\n"));
            return Ok(list);
        }
        let repeated = packages::duplicates(&list, known);
        if repeated.is_empty() {
            return Ok(list);
        }
        ctx.out(&format!(
            "\n{YELLOW}⚠  Warning: These packages are {where_known}:{NC}\n   {YELLOW}{}{NC}\n\nPlease enter different packages (or press Enter to go back):\n",
            repeated.join(" ")
        ));
    }
}

fn usecase(ctx: &mut Ctx, c: &mut Choices) -> Result<(), Failure> {
    if c.guided {
        ctx.out(&expand(GUIDED_USECASE));
        term::pause(ctx, "Press Enter to continue...")?;
        ctx.out("\n");
    }
    ctx.out(&format!(
        "{BOLD}Select use case (additional domain-specific packages):{NC}\n\
         \x20 {BOLD}1){NC} General ML {DIM}(xgboost, lightgbm, shap, optuna){NC} ({GREEN}default{NC})\n\
         \x20 {BOLD}2){NC} Computer Vision {DIM}(timm, ultralytics, kornia){NC}\n\
         \x20 {BOLD}3){NC} NLP {DIM}(transformers, peft, safetensors){NC}\n\
         \x20 {BOLD}4){NC} Reinforcement Learning {DIM}(gymnasium, stable-baselines3){NC}\n\
         \x20 {BOLD}5){NC} Audio/Speech {DIM}(librosa, soundfile, audiomentations){NC}\n\
         \x20 {BOLD}6){NC} Time Series {DIM}(statsmodels, prophet, darts){NC}\n\
         \x20 {BOLD}7){NC} LLM/GenAI {DIM}(vllm, bitsandbytes, langchain){NC}\n\
         \x20 {BOLD}8){NC} Custom {DIM}(specify packages manually){NC}\n\n"
    ));
    let answer = term::ask(ctx, "Choice [1-8, default: 1]: ")?;
    c.usecase = match answer.as_str() {
        "2" => "cv",
        "3" => "nlp",
        "4" => "rl",
        "5" => "audio",
        "6" => "ts",
        "7" => "llm",
        "8" => "custom",
        "1" | "" => "ml",
        _ => {
            ctx.out("Invalid choice. Setting to default: General ML.\n");
            "ml"
        }
    }
    .to_string();
    if c.usecase == "custom" {
        ctx.out(&format!(
            "\n{BOLD}Custom Use Case Packages{NC}\nSpecify packages (space-separated), or press Enter to skip:\n"
        ));
        c.usecase_packages = term::ask(ctx, "> ")?;
    }
    Ok(())
}

/// `━━━ Packages To Be Installed ━━━`.
fn summary(ctx: &mut Ctx, c: &Choices) {
    ctx.out(&format!("\n{CYAN}━━━ Packages To Be Installed ━━━{NC}\n\n"));
    let section = |title: &str, tier: &Tier, defaults: &str| match tier {
        Tier::Default => format!("{BOLD}{title}:{NC}\n  {defaults}\n\n"),
        Tier::Custom(list) => format!("{BOLD}{title} (custom):{NC}\n  {list}\n\n"),
        Tier::Skip => format!("{BOLD}{title}:{NC} Skipped\n\n"),
        Tier::Unset => String::new(),
    };
    let jupyter = match &c.jupyter {
        // The original titled this one differently.
        Tier::Custom(list) => format!("{BOLD}Jupyter (custom):{NC}\n  {list}\n\n"),
        Tier::Skip => format!("{BOLD}Jupyter:{NC} Skipped\n\n"),
        t => section("Jupyter & Interactive", t, &JUPYTER.join(", ")),
    };
    ctx.out(&jupyter);
    ctx.out(&section(
        "Data Science",
        &c.data_science,
        &DATA_SCIENCE.join(", "),
    ));
    let usecase = if c.usecase == "custom" {
        (!c.usecase_packages.is_empty()).then(|| ("custom", c.usecase_packages.clone()))
    } else {
        let list = packages::usecase_packages(&c.usecase).join(" ");
        (!list.is_empty()).then_some((c.usecase.as_str(), list))
    };
    if let Some((name, list)) = usecase {
        ctx.out(&format!(
            "{BOLD}Use Case Packages ({name}):{NC}\n  {list}\n\n"
        ));
    }
}

/// More pip packages, asked until they repeat nothing already chosen.
fn additional(ctx: &mut Ctx, c: &mut Choices) -> Result<(), Failure> {
    let mut known = strings(&AIME_BASE);
    known.extend(tier_packages(&c.jupyter, &JUPYTER));
    known.extend(tier_packages(&c.data_science, &DATA_SCIENCE));
    known.extend(if c.usecase == "custom" {
        packages::words(&c.usecase_packages)
    } else {
        strings(&packages::usecase_packages(&c.usecase))
    });
    loop {
        ctx.out(&format!(
            "\n{CYAN}━━━ Add Custom-specified packages? ━━━{NC}\n\n{BOLD}Space-separated{NC} (or press Enter to skip)\n{DIM}Examples: wandb pytorch-lightning==1.5.3{NC}\n"
        ));
        c.additional = term::ask(ctx, "> ")?;
        let repeated = packages::duplicates(&c.additional, &known);
        if repeated.is_empty() {
            return Ok(());
        }
        ctx.out(&format!(
            "\n{YELLOW}⚠  Warning: These packages are already included:{NC}\n   {YELLOW}{}{NC}\n\nPlease enter different packages (or press Enter to skip):\n",
            repeated.join(" ")
        ));
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The packages a tier installs.
fn tier_packages(tier: &Tier, defaults: &[&str]) -> Vec<String> {
    match tier {
        Tier::Default => strings(defaults),
        Tier::Custom(list) => packages::words(list),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// --guided explanations (ds01's words)

pub const GUIDED_INTRO: &str = "
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}
{BOLD}Docker Image Creation - Guided Mode{NC}
{CYAN}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{NC}

{BOLD}What you are making{NC}

  An image is a ready-made software environment: Ubuntu, Python,
  your framework and every library your work needs, installed once.
  Containers are started from it, as many as you like, each with
  everything in place from the first second.

{YELLOW}💡 Image or container?{NC} The image is the template; a container
  is one running copy of it, where you actually work.

{BOLD}The steps{NC}

  1. Pick a framework (PyTorch, TensorFlow, JAX)
  2. Pick the packages: a requirements.txt, or ready-made sets
  3. Add anything else you need
  4. Build (a few minutes; faster when layers are cached)
  5. Start containers from it with container-deploy

";

const GUIDED_FRAMEWORK: &str = "{BOLD}Which framework?{NC}

  • {CYAN}PyTorch{NC}: the usual choice for research, vision and language models
  • {CYAN}TensorFlow{NC}: Keras and TensorFlow's serving tools
  • {CYAN}JAX{NC}: functional, compiled numerics for custom research code
  • {CYAN}PyTorch CPU{NC}: no GPU, for testing or CPU-only jobs
  • {CYAN}Custom{NC}: any image you name (ubuntu:22.04, python:3.11, ...)

{YELLOW}💡 Not sure?{NC} Take PyTorch.

";

const GUIDED_BASE: &str = "{YELLOW}💡 About the base:{NC} AIME images bring the GPU stack and the
    framework, but not the heavier data-science tools. What is
    not there yet:
{CYAN}Not included:{NC}
    • Jupyter Lab (notebooks)
    • pandas, scipy, scikit-learn (data science)
    • matplotlib, seaborn (plots)
    • libraries for your field (opencv, transformers, ...)

";

const GUIDED_METHOD: &str = "Two ways to choose Python packages:

  {CYAN}1) A requirements.txt{NC}: the list your project already has
     (good for rebuilding a known environment)

  {CYAN}2) Ready-made sets{NC}: Jupyter, data science and a use case,
     picked from menus (good for a first image)

";

const GUIDED_JUPYTER: &str = "
{BOLD}Phase 2: Core Python & Interactive (Jupyter){NC}

  Notebooks in the browser: Jupyter Lab, the Python kernel for it and
  interactive widgets.

{YELLOW}💡 Versions:{NC} a bare name ('pandas') installs the newest release;
  'pandas==1.5.3' or 'transformers>=4.30.0' pins one.
{YELLOW}💡 Tip:{NC} take them if you ever work in notebooks.

";

const GUIDED_DATA_SCIENCE: &str = "
{BOLD}Phase 3: Core Data Science{NC}

  Tables (pandas), scientific computing (scipy), classic machine
  learning (scikit-learn) and plots (matplotlib, seaborn).

{YELLOW}⚠ Note:{NC} the base image has numpy, none of these.
{YELLOW}💡 Tip:{NC} most data work needs them.

";

const GUIDED_USECASE: &str = "
{BOLD}Phase 4: Use-Case Specific Packages{NC}

  • {CYAN}General ML{NC}: boosted trees, tuning, explanations
  • {CYAN}Computer Vision{NC}: pretrained vision models, augmentation, YOLO
  • {CYAN}NLP{NC}: transformers, datasets, LoRA fine-tuning
  • {CYAN}Reinforcement Learning{NC}: environments and agents
  • {CYAN}Audio/Speech{NC}: audio analysis and augmentation
  • {CYAN}Time Series{NC}: forecasting and classical statistics
  • {CYAN}LLM/GenAI{NC}: serving, quantization, pipelines
  • {CYAN}Custom{NC}: your own list, or nothing

";

/// The guided note after the Dockerfile is written.
pub fn guided_dockerfile(dockerfile: &str, image: &str) -> String {
    format!(
        "{{CYAN}}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{{NC}}
{{BOLD}}What is a Dockerfile?{{NC}}
{{CYAN}}━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━{{NC}}

The recipe Docker follows to build your image, step by step:

  • {{CYAN}}FROM{{NC}}: the image to start from
  • {{CYAN}}RUN{{NC}}: a command to run (installing packages, mostly)
  • {{CYAN}}ENV{{NC}}: an environment variable for every container
  • {{CYAN}}WORKDIR{{NC}}: where a shell starts

Yours is at:
  {{BLUE}}{dockerfile}{{NC}}

Edit it whenever you need more (packages, tools, settings), then
rebuild with: {{GREEN}}image-update {image}{{NC}}

"
    )
}
