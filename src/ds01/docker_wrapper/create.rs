//! `docker run` / `docker create` through the wrapper (reference §8.3):
//! the aggregate memory quota, the container type, GPUs from the
//! allocator under the user's quota, and the slice and labels injected
//! before the user's arguments.

use super::argv::{self, GpuAsk};
use super::Caller;
use crate::context::Ctx;
use crate::error::Failure;
use crate::policy::allocator::Allocator;
use crate::policy::gpu_state::is_monitoring_stack;
use crate::policy::sources::Sources;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How long a GPU request waits for a free GPU, and how often it asks.
const GPU_WAIT: Duration = Duration::from_secs(180);
const GPU_RETRY: Duration = Duration::from_secs(10);

/// The full command line to run: `args` with DS01's arguments injected
/// after the subcommand and `--gpus` rewritten; or the refusal.
pub fn prepare(
    ctx: &mut Ctx,
    caller: &Caller,
    args: &[String],
    at: usize,
) -> Result<Vec<String>, Failure> {
    let rest = &args[at..];
    let n_opts = argv::run_options_len(rest);
    let (opts, tail) = rest.split_at(n_opts);
    let given = argv::labels(opts);
    let user = effective_user(ctx, caller);
    let owner = owner(caller, &user, &given)?;
    let own_slice = slice(ctx, &user);
    refuse_admin_only(caller, opts, &own_slice)?;
    if !caller.admin {
        super::quota::check_memory(ctx, &user, opts)?;
    }
    let kind = argv::container_type(&given);
    let mut inject = Vec::new();
    if !opts
        .iter()
        .any(|a| a == "--cgroup-parent" || a.starts_with("--cgroup-parent="))
    {
        inject.push(format!("--cgroup-parent={own_slice}"));
    }
    if argv::label_value(&given, crate::model::labels::USER).is_none() {
        inject.extend(["--label".to_string(), format!("ds01.user={owner}")]);
    }
    let stamp = crate::ds01::image_create::dockerfile::Stamp::now().iso;
    for label in [
        "ds01.managed=true".to_string(),
        format!("ds01.container_type={kind}"),
        format!("ds01.created_at={stamp}"),
    ] {
        inject.extend(["--label".to_string(), label]);
    }
    let mut opts = opts.to_vec();
    if let Some(uuids) = gpus(ctx, caller, &owner, &kind, &opts, &mut inject)? {
        let value = argv::device_value(&uuids);
        let (rewritten, found) = argv::rewrite_gpus(&opts, &value);
        opts = rewritten;
        if !found {
            inject.extend(["--gpus".to_string(), value]);
        }
    }
    let mut full = args[..at].to_vec();
    full.extend(inject);
    full.extend(opts);
    full.extend(tail.iter().cloned());
    Ok(full)
}

/// The user the container is for: `SUDO_USER` when root runs it via sudo.
fn effective_user(ctx: &Ctx, caller: &Caller) -> String {
    match ctx.env.get("SUDO_USER") {
        Some(u) if caller.uid == 0 => u.to_string(),
        _ => caller.name.clone(),
    }
}

/// The `ds01.user` the container gets.  Admins may name anybody (a
/// label, a dev container's folder); others get themselves, and a label
/// naming someone else is refused (the original let anybody hand a
/// container, and its GPU use, to another user).
fn owner(caller: &Caller, user: &str, given: &[String]) -> Result<String, Failure> {
    let named = argv::label_value(given, crate::model::labels::USER).map(str::to_string);
    let folder = argv::devcontainer_owner(given);
    if !caller.admin {
        if let Some(other) = named.iter().chain(folder.iter()).find(|o| **o != user) {
            return Err(Failure::stderr(
                1,
                format!("Permission denied: you cannot create containers for {other}\n"),
            ));
        }
        return Ok(user.to_string());
    }
    Ok(named.or(folder).unwrap_or_else(|| user.to_string()))
}

/// Labels that take a container out of lifecycle enforcement and out of
/// its owner's hands (`ds01-lifecycle` leaves such containers alone).
const ADMIN_LABELS: [&str; 2] = ["ds01.protected", "ds01.monitoring"];

/// Refuse a non-administrator what would let a container escape the
/// limits: a protected or monitoring label (looked for in every argument,
/// so that no spelling of `-l` slips through), a label file (its labels
/// cannot be checked before the CLI reads it), a monitoring-stack name,
/// or a cgroup parent other than the caller's own slice.
fn refuse_admin_only(caller: &Caller, opts: &[String], own_slice: &str) -> Result<(), Failure> {
    if caller.admin {
        return Ok(());
    }
    let label = opts
        .iter()
        .any(|a| ADMIN_LABELS.iter().any(|l| a.contains(l)));
    let label_file = opts
        .iter()
        .any(|a| a == "--label-file" || a.starts_with("--label-file="));
    let names = argv::values_of(opts, &["--name"]);
    let monitoring_name = names.iter().any(|n| is_monitoring_stack(n));
    let parents = argv::values_of(opts, &["--cgroup-parent"]);
    let other_parent = parents.iter().any(|p| p != own_slice);
    let what = match (label, label_file, monitoring_name, other_parent) {
        (true, ..) => "a protected or monitoring label",
        (_, true, ..) => "--label-file",
        (_, _, true, _) => "a monitoring-stack container name",
        (.., true) => "a cgroup parent other than your slice",
        _ => return Ok(()),
    };
    Err(Failure::stderr(
        1,
        format!("Permission denied: {what} is for administrators only\n"),
    ))
}

/// `ds01-<group>-<sanitized user>.slice` (group `student` without a
/// configuration, as the original's fallback).
fn slice(ctx: &mut Ctx, user: &str) -> String {
    match ctx.config() {
        Ok(config) => config.limits(user).slice(user),
        Err(_) => format!(
            "ds01-student-{}.slice",
            crate::policy::username::sanitize(user)
        ),
    }
}

/// The GPUs allocated for this container, when it asks for some that
/// the allocator should choose; `--name` is added to `inject` when a
/// multi-GPU container had none (the allocator's key).
fn gpus(
    ctx: &mut Ctx,
    caller: &Caller,
    owner: &str,
    kind: &str,
    opts: &[String],
    inject: &mut Vec<String>,
) -> Result<Option<Vec<String>>, Failure> {
    if !argv::wants_gpu(opts) {
        return Ok(None);
    }
    // DS01's own tools allocate for the containers they label; only an
    // admin's such label is trusted (anybody could write it).
    let native = matches!(kind, "orchestration" | "atomic") && caller.admin;
    let n = match argv::gpu_ask(opts) {
        GpuAsk::Named | GpuAsk::None => return Ok(None),
        _ if native => return Ok(None),
        GpuAsk::Count(n) => n,
    };
    let mut name = argv::values_of(opts, &["--name"]).into_iter().next();
    if name.is_none() && n > 1 {
        let auto = format!(
            "ds01-auto-{}-{}",
            crate::model::time::now_unix() as i64,
            std::process::id()
        );
        inject.extend(["--name".to_string(), auto.clone()]);
        name = Some(auto);
    }
    let uuids = allocate_waiting(ctx, owner, kind, n, name.as_deref())?;
    let list = uuids.join(",");
    notice(ctx, &list, kind);
    for label in [
        format!("ds01.gpu_slot={list}"),
        "ds01.gpu_ephemeral=true".into(),
    ] {
        inject.extend(["--label".to_string(), label]);
    }
    Ok(Some(uuids))
}

/// Why an allocation did not give GPUs.
enum Refusal {
    /// Over the user's quota: no point waiting.
    Quota(String),
    /// Nothing free now: wait and ask again.
    Busy,
    /// The allocator cannot answer.
    Broken(String),
}

/// Ask the allocator until it answers or [`GPU_WAIT`] has passed.
fn allocate_waiting(
    ctx: &mut Ctx,
    owner: &str,
    kind: &str,
    n: i64,
    name: Option<&str>,
) -> Result<Vec<String>, Failure> {
    let sources = Sources::of(ctx);
    let start = Instant::now();
    let mut attempt = 0u64;
    loop {
        attempt += 1;
        let elapsed = start.elapsed();
        if elapsed >= GPU_WAIT {
            return Err(Failure::stderr(1, super::boxes::gpu_failed("TIMEOUT", "")));
        }
        match allocate_once(&sources, owner, kind, n, name) {
            Ok(uuids) => return Ok(uuids),
            Err(Refusal::Quota(details)) => {
                let text = super::boxes::gpu_failed("QUOTA_EXCEEDED", &details);
                return Err(Failure::stderr(1, text));
            }
            Err(Refusal::Broken(why)) => {
                return Err(Failure::stderr(1, super::boxes::gpu_failed(&why, "")));
            }
            Err(Refusal::Busy) => {}
        }
        let secs = elapsed.as_secs();
        if attempt == 1 || secs % 30 < GPU_RETRY.as_secs() {
            let remaining = GPU_WAIT.as_secs() - secs;
            ctx.err(&format!(
                "Waiting for GPU availability... ({remaining}s remaining, attempt {attempt})\n"
            ));
        }
        std::thread::sleep(GPU_RETRY);
    }
}

/// One allocation under the allocator's lock, reserved until the
/// container exists (`allocate-external` for one GPU, `allocate-multi`
/// for several).
fn allocate_once(
    sources: &Sources,
    owner: &str,
    kind: &str,
    n: i64,
    name: Option<&str>,
) -> Result<Vec<String>, Refusal> {
    let config = sources
        .config
        .clone()
        .map_err(|e| Refusal::Broken(e.to_string()))?;
    let priority = Allocator::priority_of(&config, owner);
    let mut alloc = Allocator::open(sources, config, priority).map_err(Refusal::Broken)?;
    let (key, granted) = match (n, name) {
        (1, _) => (
            format!("external-{kind}-{owner}-{}", std::process::id()),
            alloc.allocate_external(owner),
        ),
        (_, Some(name)) => (name.to_string(), alloc.allocate_multi(owner, name, n)),
        (_, None) => return Err(Refusal::Broken("MISSING_CONTAINER_NAME".into())),
    };
    let grant = granted.map_err(classify)?;
    let reservation = alloc.reservation_for_a_while(&key, owner, grant.uuids.clone());
    alloc.reserve(reservation).map_err(Refusal::Broken)?;
    Ok(grant.uuids)
}

/// The original's reading of the allocator's refusals.
fn classify(reason: String) -> Refusal {
    const QUOTA: [&str; 5] = [
        "QUOTA_EXCEEDED",
        "USER_AT_LIMIT",
        "EXCEEDS_TOTAL_LIMIT",
        "EXCEEDS_CONTAINER_LIMIT",
        "AGGREGATE_GPU_QUOTA_EXCEEDED",
    ];
    if QUOTA.iter().any(|q| reason.contains(q)) {
        let details = reason
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map_or("", |(d, _)| d);
        return Refusal::Quota(details.to_string());
    }
    Refusal::Busy
}

/// The GPU notice, when stdout is a terminal (as the original's `-t 1`).
fn notice(ctx: &mut Ctx, uuids: &str, kind: &str) {
    if std::io::stdout().is_terminal() {
        ctx.err(&super::boxes::gpu_notice(uuids, kind));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    fn refused(admin: bool, opts: &[&str]) -> bool {
        let caller = Caller {
            name: "bob".into(),
            uid: 2002,
            admin,
        };
        refuse_admin_only(&caller, &v(opts), "ds01-student-bob.slice").is_err()
    }

    #[test]
    fn a_user_cannot_take_a_container_out_of_enforcement() {
        for opts in [
            &["--label", "ds01.protected=true"][..],
            &["-lds01.monitoring=true"],
            &["--label=ds01.protected=true"],
            &["--label-file", "mine"],
            &["--label-file=mine"],
            &["--name", "ds01-prometheus-x"],
            &["--cgroup-parent=ds01-admin-root.slice"],
            &["--cgroup-parent", "/"],
        ] {
            assert!(refused(false, opts), "{opts:?}");
            assert!(!refused(true, opts), "admin: {opts:?}");
        }
        for opts in [
            &["--label", "ds01.user=bob"][..],
            &["--name", "bobs-prometheus"],
            &["--cgroup-parent", "ds01-student-bob.slice"],
            &["-e", "X=1"],
        ] {
            assert!(!refused(false, opts), "{opts:?}");
        }
    }
}
