//! DS01's `mlc-create` (`scripts/docker/mlc-create-wrapper.sh`, reference
//! §8.1): resource limits, the container quota and a GPU/MIG allocation,
//! then AIME's create (our `mlc create` with DS01's extensions) in script
//! mode.  Installed as `mlc-create` on a host with a DS01 configuration,
//! and always reachable as `mlc-create-wrapper`.
//!
//! Differences from the original, on purpose (docs/deviations.md):
//! - the container quota and the GPU choice are made under the allocator's
//!   lock and reserved until the container exists, so parallel creates can
//!   neither share a device nor overrun a quota;
//! - `--cpu-only` gives the container no GPU at all (the original's
//!   `mlc-patched.py` defaulted to `--gpus all`);
//! - `-g=N` (a specific GPU) is for administrators (root or the `ds01-admin`
//!   group) and goes through the allocator's bookkeeping as that GPU's
//!   UUID; the original let anybody take any GPU, untracked;
//! - CPU, memory, swap and process limits are set when the container is
//!   created instead of by a later `docker update`;
//! - AIME's create runs in this process, with the limits, labels and
//!   devices as typed values (no second program, nothing re-parsed): a
//!   killed `mlc-create` takes its create with it;
//! - `[SUCCESS]` only when the container exists.
//!
//! The steps: [`parse`] the command line → [`plan`] (who, name, limits,
//! slice) → [`allocate`] (quota and GPU under the lock) → [`make`] (dry
//! run, or the create and its report).

mod allocate;
mod make;
mod plan;

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::ui::ds01 as term;

/// The original's usage text.  Its colour variables held `\033[…m` as
/// literal text inside a heredoc, so the escapes appear uninterpreted.
const USAGE: &str = r"
\033[0;32mDS01 GPU Server - Container Creation\033[0m

Usage: mlc-create <name> <framework> [version] [options]

\033[0;34mQuick Start:\033[0m
  mlc-create my-project pytorch              # Latest PyTorch (2.5.1)
  mlc-create my-project tensorflow           # Latest TensorFlow (2.14.0)
  mlc-create my-project pytorch 2.4.0        # Specific version

\033[0;34mFrameworks:\033[0m
  pytorch, torch       → PyTorch (recommended for most deep learning)
  tensorflow, tf       → TensorFlow
  mxnet, mx            → MXNet

\033[0;34mOptions:\033[0m
  -w=<path>      Workspace directory (default: ~/workspace)
  -d=<path>      Data directory (optional)
  -g=<id>        Request specific GPU 0-3 (admins only)
  --cpu-only     Create CPU-only container (no GPU)
  --show-limits  Show your resource limits
  --dry-run      Show what would be created without creating
  -h, --help     Show this help message

\033[0;34mExamples:\033[0m
  # Create PyTorch container
  mlc-create cv-project pytorch

  # Create with specific version
  mlc-create nlp-project pytorch 2.4.0

  # Create with custom workspace
  mlc-create analysis tensorflow -w=~/projects/analysis

  # Create CPU-only container
  mlc-create preprocessing pytorch --cpu-only

  # Check what would be created
  mlc-create test pytorch --dry-run

\033[0;34mAfter Creation:\033[0m
  mlc-open <name>     # Open container
  mlc-list            # List your containers
  mlc-stop <name>     # Stop container
  mlc-remove <name>   # Delete container

\033[0;34mNeed Help?\033[0m
  - Docs: /home/shared/docs/getting-started.md
  - Office hours: Tuesdays 2-4pm
  - Email: datasciencelab@university.edu

";

/// The command line, as the original's loop read it.
pub struct Options {
    pub name: String,
    pub framework: String,
    pub version: String,
    pub image: String,
    pub workspace: Option<String>,
    pub data: String,
    pub gpu: String,
    pub cpu_only: bool,
    pub dry_run: bool,
    pub num_gpus: String,
    pub prefer_full: bool,
}

/// `mlc-create ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let Some(options) = parse(ctx, args)? else {
        return Ok(0);
    };
    let plan = plan::plan(ctx, options)?;
    let gpu = allocate::allocate(ctx, &plan)?;
    make::make(ctx, &plan, gpu.as_ref())
}

/// The usage on stdout, ending with `code`.
fn usage(ctx: &mut Ctx, code: i32) -> Result<Option<Options>, Failure> {
    ctx.out(USAGE);
    Err(Failure::exit(code))
}

/// `--show-limits`: the caller's limits (`get_resource_limits USER`).
fn show_limits(ctx: &mut Ctx) -> Result<Option<Options>, Failure> {
    let user = plan::caller_name(ctx);
    let _ = crate::ds01::get_resource_limits::main(ctx, &[user]);
    Ok(None)
}

/// The options, or `None` when the command is done (help, limits shown).
fn parse(ctx: &mut Ctx, args: &[String]) -> Result<Option<Options>, Failure> {
    let first = args.first().map(String::as_str);
    match first {
        None | Some("-h" | "--help") => return usage(ctx, 0),
        Some("--show-limits") => return show_limits(ctx),
        _ => {}
    }
    let mut o = Options {
        name: args[0].clone(),
        framework: String::new(),
        version: String::new(),
        image: String::new(),
        workspace: None,
        data: String::new(),
        gpu: String::new(),
        cpu_only: false,
        dry_run: false,
        num_gpus: "1".into(),
        prefer_full: false,
    };
    let mut rest = &args[1..];
    if let Some(fw) = rest
        .first()
        .filter(|a| !a.is_empty() && !a.starts_with('-'))
    {
        o.framework = framework_of(fw);
        rest = &rest[1..];
    }
    for a in rest {
        if let Some(done) = option(ctx, &mut o, a)? {
            return Ok(done);
        }
    }
    defaults(ctx, &mut o);
    Ok(Some(o))
}

/// One argument after the framework; `Some(None)`: the command is done.
fn option(ctx: &mut Ctx, o: &mut Options, a: &str) -> Result<Option<Option<Options>>, Failure> {
    let value = || a.split_once('=').map_or("", |(_, v)| v).to_string();
    match a {
        x if x.starts_with("-w=") || x.starts_with("--workspace=") => o.workspace = Some(value()),
        x if x.starts_with("-d=") || x.starts_with("--data=") => o.data = value(),
        x if x.starts_with("-g=") || x.starts_with("--gpu=") => o.gpu = value(),
        x if x.starts_with("--image=") => o.image = value(),
        x if x.starts_with("--num-gpus=") => o.num_gpus = value(),
        "--cpu-only" => o.cpu_only = true,
        "--prefer-full" => o.prefer_full = true,
        "--dry-run" => o.dry_run = true,
        "--show-limits" => return show_limits(ctx).map(Some),
        "-h" | "--help" => return usage(ctx, 0).map(Some),
        x if x.starts_with('-') => {
            term::error(ctx, &format!("Unknown option: {x}"));
            return usage(ctx, 1).map(Some);
        }
        x if x.starts_with(|c: char| c.is_ascii_digit()) => o.version = x.to_string(),
        x => {
            term::error(ctx, &format!("Unknown argument: {x}"));
            return usage(ctx, 1).map(Some);
        }
    }
    Ok(None)
}

/// The default version of a framework, or PyTorch when none was named.
fn defaults(ctx: &mut Ctx, o: &mut Options) {
    if o.version.is_empty() {
        o.version = match o.framework.as_str() {
            "Pytorch" => "2.5.1",
            "Tensorflow" => "2.14.0",
            "Mxnet" => "1.8.0-nvidia",
            _ => "",
        }
        .into();
    }
    if o.framework.is_empty() {
        o.framework = "Pytorch".into();
        o.version = "2.5.1".into();
        term::info(ctx, "No framework specified, defaulting to Pytorch 2.5.1");
    }
}

fn framework_of(input: &str) -> String {
    match input.to_lowercase().as_str() {
        "pytorch" | "torch" => "Pytorch".into(),
        "tensorflow" | "tf" => "Tensorflow".into(),
        "mxnet" | "mx" => "Mxnet".into(),
        _ => {
            let mut c = input.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}
