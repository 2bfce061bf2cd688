//! `container-create [name] [image] [options]` (reference §3.1): one
//! container for the caller, made by DS01's mlc-create in this process
//! (limits, container quota, GPU allocation: [`crate::ds01::mlc_create`]).
//! Without a name a wizard asks for the image, the name and GPU or CPU.
//!
//! The steps: [`flags`] → [`wizard`] (no name) → the GPU count
//! ([`plan::gpu_quota`], [`plan::gpu_count`]) → a name that is taken
//! ([`existing`]) → what to make it from ([`plan::source`]) → the
//! workspace, summary and mlc-create ([`create`]).
//!
//! An orchestrator runs [`main`] (or [`run`], which also says what came of
//! it) inside `ctx.orchestrated(..)`: banners and next steps are then
//! silenced, and "use the existing container" hands the container back
//! instead of opening it.
//!
//! Differences from the original, on purpose (docs/deviations.md):
//! - a CPU-only container gets no GPU at all (mlc-create's fix);
//! - "use existing" under an orchestrator returns the container to it from
//!   every menu (the original opened it with `container-run` from the
//!   command-line menu and then let container-deploy start it again, and
//!   from the wizard's framework branch ended without naming it);
//! - a fractional GPU quota rounds down instead of breaking the sums;
//! - a missing option value is named instead of ending silently.

mod create;
mod diagnostics;
mod existing;
mod flags;
mod pages;
mod plan;
mod tty;
mod wizard;

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::identity;
use existing::Choice;
use flags::{Flags, Parsed};
use wizard::End;

/// What a run came to, for an orchestrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// A page or a dry run, a cancel, or a container left as it was: no
    /// container to go on with.
    Nothing,
    /// This container was created.
    Created(String),
    /// The user chose this existing container (under an orchestrator).
    Existing(String),
    /// `container-run` took over (outside an orchestrator) and ended so.
    Ran(i32),
}

/// `container-create ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    match run(ctx, args)? {
        Finished::Ran(code) => Ok(code),
        _ => Ok(0),
    }
}

/// Who creates: the effective user (`whoami`, `id -u`) and `$HOME`.
struct Caller {
    user: String,
    uid: u32,
    home: String,
}

impl Caller {
    fn of(ctx: &Ctx) -> Caller {
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let user = identity::user_by_uid(uid).map_or_else(|| ctx.caller.login.clone(), |e| e.name);
        let home = ctx
            .env
            .get("HOME")
            .map_or_else(|| ctx.caller.home.clone(), str::to_string);
        Caller { user, uid, home }
    }
}

/// `container-create ARGS...`, saying what came of it; a failure carries
/// the exit code (and what is left to print).
pub fn run(ctx: &mut Ctx, args: &[String]) -> Result<Finished, Failure> {
    let me = Caller::of(ctx);
    let mut flags = match flags::parse(args)? {
        Parsed::Help => return page(ctx, pages::help()?),
        Parsed::Info => return page(ctx, pages::info(me.uid)),
        Parsed::Concepts => return page(ctx, pages::concepts()),
        Parsed::Run(f) => f,
    };
    if flags.name.is_empty() {
        match wizard::run(ctx, &mut flags, me.uid)? {
            End::Create => {}
            End::UseExisting(name) => return Ok(Finished::Existing(name)),
            End::Done => return Ok(Finished::Nothing),
        }
    }
    create_named(ctx, &me, flags)
}

fn page(ctx: &mut Ctx, text: String) -> Result<Finished, Failure> {
    ctx.out(&text);
    Ok(Finished::Nothing)
}

/// Everything after the name is known, in the original's order.
fn create_named(ctx: &mut Ctx, me: &Caller, flags: Flags) -> Result<Finished, Failure> {
    let mut name = sanitize(&flags.name);
    let gpus = if flags.cpu_only {
        1
    } else {
        let quota = plan::gpu_quota(ctx, &me.user);
        plan::gpu_count(ctx, &quota, flags.num_gpus.as_deref())?
    };
    // The workspace follows the name as given, also after a rename in the
    // menu below (as in the original).
    let workspace = match flags.workspace.as_str() {
        "" => format!("{}/workspace/{name}", me.home),
        dir => dir.to_string(),
    };
    if existing::exists(ctx, me.uid, &name) {
        match existing::menu(ctx, me.uid, &name)? {
            None => return Ok(Finished::Nothing),
            Some(Choice::UseExisting) => return use_existing(ctx, &name),
            Some(Choice::Recreated) => {}
            Some(Choice::Renamed(other)) => name = other,
        }
    }
    let source = plan::source(ctx, me.uid, &flags.image, &name);
    let request = create::Request {
        name,
        source,
        workspace,
        data: flags.data,
        cpu_only: flags.cpu_only,
        gpus,
        prefer_full: flags.prefer_full,
        guided: flags.guided,
        dry_run: flags.dry_run,
    };
    create::workspace(ctx, &request)?;
    create::summary(ctx, &request);
    if request.dry_run {
        create::dry_run(ctx, &request);
        return Ok(Finished::Nothing);
    }
    create::make(ctx, me.uid, &request)?;
    Ok(Finished::Created(request.name))
}

/// "Use existing container": an orchestrator goes on with it; a user gets
/// a shell in it through `container-run`.
fn use_existing(ctx: &mut Ctx, name: &str) -> Result<Finished, Failure> {
    if existing::for_orchestrator(ctx) {
        ctx.out(&format!("Using existing container '{name}'\n"));
        return Ok(Finished::Existing(name.to_string()));
    }
    ctx.out(&crate::ui::ds01::expand(
        "{CYAN}Starting existing container...{NC}\n\n",
    ));
    let code = crate::ds01::container_run::main(ctx, &[name.to_string()])?;
    Ok(Finished::Ran(code))
}

/// The original's `tr '[:upper:]' '[:lower:]' | tr ' ' '-'`.
fn sanitize(name: &str) -> String {
    name.to_ascii_lowercase().replace(' ', "-")
}

/// `^[a-zA-Z0-9_-]+$`, mlc-create's rule for names.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(sanitize("My Project"), "my-project");
        assert!(valid_name("a-b_1"));
        assert!(!valid_name("bad.name"));
        assert!(!valid_name(""));
    }
}
