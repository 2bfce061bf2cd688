//! `docker` (also `docker-wrapper`): DS01's docker wrapper
//! (`scripts/docker/docker-wrapper.sh`, reference §8.3), installed where
//! DS01 put it, in front of the real CLI.  Non-admins see and touch only
//! their own containers; `run`/`create` get the user's slice, DS01's
//! labels and GPUs chosen by the allocator.  Everything else is handed to
//! the real CLI with its arguments untouched (exec).
//!
//! The wrapper's own questions (whose container is this?) go to the
//! engine API, never to the CLI.  It is no security boundary: a user can
//! run the real CLI directly; it keeps honest users apart and their GPU
//! use accounted.

mod argv;
mod boxes;
mod create;
mod quota;

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::model::labels;
use argv::Verb;
use std::os::unix::process::CommandExt;

/// The real docker CLI.
const REAL_DOCKER: &str = "/usr/bin/docker";
/// Tests point the wrapper at a recording stand-in.  Not a privilege
/// boundary: whoever could set it can run any docker CLI directly.
const REAL_DOCKER_OVERRIDE: &str = "DS01_REAL_DOCKER";
const ADMIN_LOGIN: &str = "datasciencelab";
const ADMIN_GROUP: &str = "ds01-admin";

/// Who runs the wrapper.
pub(crate) struct Caller {
    /// `whoami`: the name of the effective uid.
    pub name: String,
    pub uid: u32,
    pub admin: bool,
}

impl Caller {
    fn of(ctx: &Ctx) -> Caller {
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let name =
            crate::identity::user_by_uid(uid).map_or_else(|| ctx.caller.login.clone(), |e| e.name);
        let admin = uid == 0 || name == ADMIN_LOGIN || crate::identity::in_group(ADMIN_GROUP);
        Caller { name, uid, admin }
    }
}

/// `DS01_ISOLATION_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isolation {
    Disabled,
    /// Denials are not enforced (the original logged them).
    Monitoring,
    Full,
}

pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let caller = Caller::of(ctx);
    let isolation = isolation(ctx, &caller);
    if bypass(ctx, &caller) || isolation == Isolation::Disabled {
        return pass_on(ctx, args);
    }
    let call = argv::classify(args);
    let enforce = isolation == Isolation::Full && !caller.admin;
    let rest = &args[call.at..];
    match call.verb {
        Verb::List | Verb::Prune if enforce => {
            let filter = [
                "--filter".to_string(),
                format!("label={}={}", labels::USER, caller.name),
            ];
            pass_on(ctx, &argv::insert_at(args, call.at, &filter))
        }
        Verb::One => {
            check_first_found(ctx, &caller, enforce, &argv::operands(&call.sub, rest))?;
            pass_on(ctx, args)
        }
        Verb::Many | Verb::Write => {
            let write = call.verb == Verb::Write;
            for name in argv::operands(&call.sub, rest) {
                check(ctx, &caller, enforce, write, &name)?;
            }
            pass_on(ctx, args)
        }
        Verb::Copy => {
            for name in argv::copy_containers(rest) {
                check(ctx, &caller, enforce, false, &name)?;
            }
            pass_on(ctx, args)
        }
        Verb::Create => {
            let full = create::prepare(ctx, &caller, args, call.at)?;
            pass_on(ctx, &full)
        }
        _ => pass_on(ctx, args),
    }
}

/// `DS01_WRAPPER_BYPASS=1`, honoured for admins only (the original let
/// anybody switch the wrapper off).
fn bypass(ctx: &mut Ctx, caller: &Caller) -> bool {
    if ctx.env.get("DS01_WRAPPER_BYPASS") != Some("1") {
        return false;
    }
    if !caller.admin {
        ctx.err("DS01_WRAPPER_BYPASS is for administrators; ignored.\n");
    }
    caller.admin
}

/// `DS01_ISOLATION_MODE` (`disabled`, `monitoring`, default `full`),
/// honoured for admins only, like the bypass.
fn isolation(ctx: &Ctx, caller: &Caller) -> Isolation {
    match ctx.env.get("DS01_ISOLATION_MODE") {
        Some("disabled") if caller.admin => Isolation::Disabled,
        Some("monitoring") if caller.admin => Isolation::Monitoring,
        _ => Isolation::Full,
    }
}

/// What the engine says about a container: its owner (labels
/// `ds01.user`, else `aime.mlc.USER`) and whether it is protected.
struct Found {
    owner: Option<String>,
    protected: bool,
}

/// The container `name` as the engine resolves it (name, id or id
/// prefix); `None` when the engine does not know it (docker itself will
/// say so) or cannot be asked.
fn look_up(ctx: &mut Ctx, name: &str) -> Option<Found> {
    let engine = ctx.engine().ok()?;
    let c = engine.find_container(name).ok()??;
    let labels = c.config.and_then(|c| c.labels).unwrap_or_default();
    let get = |k: &str| labels.get(k).filter(|v| !v.is_empty()).cloned();
    Some(Found {
        owner: get(labels::USER).or_else(|| get(labels::AIME_USER)),
        protected: get(labels::PROTECTED).as_deref() == Some("true"),
    })
}

/// Refuse `name` when it is another user's (and, for a write, when it is
/// protected and the caller is no admin).  Unowned containers are allowed,
/// as in the original.
fn check(ctx: &mut Ctx, caller: &Caller, enforce: bool, write: bool, name: &str) -> Outcome {
    let Some(found) = look_up(ctx, name) else {
        return Ok(0);
    };
    decide(caller, enforce, write, name, &found)
}

/// For a command about one container: the first operand the engine knows
/// is the container (so that an option value we mistook for an operand
/// cannot hide the real one).
fn check_first_found(ctx: &mut Ctx, caller: &Caller, enforce: bool, names: &[String]) -> Outcome {
    for name in names {
        if let Some(found) = look_up(ctx, name) {
            return decide(caller, enforce, false, name, &found);
        }
    }
    Ok(0)
}

fn decide(caller: &Caller, enforce: bool, write: bool, name: &str, found: &Found) -> Outcome {
    if write && found.protected && !caller.admin {
        return Err(Failure::stderr(
            1,
            format!(
                "Error: Container '{name}' is protected infrastructure.\n\
                 Admin access required. Contact system administrator.\n"
            ),
        ));
    }
    match &found.owner {
        Some(owner) if enforce && *owner != caller.name => Err(Failure::stderr(
            1,
            format!("Permission denied: this container belongs to {owner}\n"),
        )),
        _ => Ok(0),
    }
}

/// The real CLI's path.
fn real_docker(ctx: &Ctx) -> String {
    ctx.env
        .get(REAL_DOCKER_OVERRIDE)
        .unwrap_or(REAL_DOCKER)
        .to_string()
}

/// Replace this process with the real CLI running `args`.
fn pass_on(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let real = real_docker(ctx);
    let same = |p: &str| std::fs::canonicalize(p).ok();
    if std::env::current_exe()
        .ok()
        .and_then(|e| same(&e.to_string_lossy()))
        == same(&real)
    {
        return Err(Failure::stderr(
            127,
            format!("docker: {real} is this wrapper, not the docker CLI\n"),
        ));
    }
    let err = std::process::Command::new(&real).args(args).exec();
    Err(Failure::stderr(
        127,
        format!("docker: cannot run {real}: {err}\n"),
    ))
}
