//! ds01: the AIME MLC and DS01 command-line tools of a shared GPU server,
//! rewritten as one multi-call binary.
//!
//! Layout: `registry` (the one table of commands), `context` (one per
//! process), `settings`, `error`, `model` (typed tag, labels, time),
//! `engine` (Docker access), `aime` (Tier 1, `mlc`), `ds01` (Tier 2),
//! `ui` (terminal kits) and `cli` (the spec and everything generated from
//! it).  See the README's architecture section.

pub mod aime;
pub mod cli;
pub mod commands;
pub mod context;
pub mod ds01;
pub mod engine;
pub mod error;
pub mod host;
pub mod identity;
pub mod model;
pub mod policy;
pub mod registry;
pub mod settings;
pub mod ui;

use std::ffi::OsString;
use std::path::Path;

/// Run the command named by `argv[0]` (or `ds01 <command> ...`) and return
/// its exit code.  Nothing below this calls `process::exit`.
pub fn run(argv: Vec<OsString>) -> i32 {
    let mut args: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.is_empty() {
        args.push("ds01".into());
    }
    let invoked = Path::new(&args[0])
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rest = args.split_off(1);
    let mut ctx = context::Ctx::from_process();
    // On a DS01 server every create goes through the allocator and quotas.
    if ctx.settings.ds01_installed {
        ctx.create_policy = Some(std::rc::Rc::new(ds01::create_policy::AllocatorPolicy));
    }
    let outcome = match registry::find(&invoked, ctx.settings.ds01_installed) {
        Some(found) => found.run(&mut ctx, &rest),
        None => commands::ds01_main(&mut ctx, &invoked, &rest),
    };
    error::finish(&mut ctx, outcome)
}
