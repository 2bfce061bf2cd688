//! AIME's create with DS01's extensions, in this process: the typed
//! request, the dry run that shows it as the original's command line, and
//! the report of a failed create.

use super::allocate::GpuChoice;
use super::plan::Plan;
use crate::aime::create::{self as aime, ContainerLimits, Ds01Extensions, Gpus, Request};
use crate::context::Ctx;
use crate::error::Outcome;
use crate::model::{labels, time};
use crate::policy::limits::Resources;
use crate::ui::ds01::{self as term, BLUE, NC, YELLOW};

/// What the original named as the program it ran (shown in dry runs and
/// diagnostics).
const MLC_PATCHED: &str = "/opt/ds01-infra/scripts/docker/mlc-patched.py";
const GPU_ALLOCATOR: &str = "/opt/ds01-infra/scripts/docker/gpu_allocator_v2.py";

/// DS01's labels for the container.
fn ds01_labels(ctx: &Ctx, plan: &Plan, gpu: Option<&GpuChoice>) -> Vec<(String, String)> {
    let now = time::utc_now();
    let mut out = vec![
        (labels::MANAGED, "true".to_string()),
        (labels::INTERFACE, ctx.mode.context.clone()),
        (labels::USER, plan.user.clone()),
        (labels::USER_SANITIZED, plan.sanitized.clone()),
        (labels::CREATED_AT, now.clone()),
    ];
    if let Some(g) = gpu {
        let slots = g.grant.slots.join(",");
        out.push((labels::GPU_ALLOCATED, slots.clone()));
        out.push((labels::GPU_ALLOCATED_AT, now));
        out.push((labels::GPU_SLOTS, slots));
        out.push((labels::GPU_SLOT_COUNT, g.grant.slots.len().to_string()));
        if g.multi {
            out.push((labels::GPU_UUIDS, g.grant.uuids.join(",")));
        } else {
            out.push((labels::GPU_UUID, g.grant.uuids[0].clone()));
        }
        if !g.priority.is_empty() {
            out.push((labels::GPU_PRIORITY, g.priority.clone()));
        }
    }
    out.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The original's `mlc-patched.py` command line, for the dry run and the
/// diagnostics (the create itself gets the typed [`Request`]).
fn shown_command(plan: &Plan, gpu: Option<&GpuChoice>, labels: &[(String, String)]) -> String {
    let o = &plan.options;
    let mut args: Vec<String> = vec!["create".into(), o.name.clone(), o.framework.clone()];
    if !o.version.is_empty() {
        args.push(o.version.clone());
    }
    args.extend(["-s".into(), "-w".into(), plan.workspace.clone()]);
    if !o.data.is_empty() {
        args.extend(["-d".into(), o.data.clone()]);
    }
    if !o.image.is_empty() {
        args.extend(["--image".into(), o.image.clone()]);
    }
    if let Some(g) = gpu {
        args.push(format!("-g=device={}", g.grant.uuids.join(",")));
    }
    args.push(format!("--shm-size={}", plan.resources.shm_size));
    if !plan.slice.is_empty() {
        args.push(format!("--cgroup-parent={}", plan.slice));
    }
    for (k, v) in labels {
        args.extend(["--ds01-label".into(), format!("{k}={v}")]);
    }
    args.join(" ")
}

/// The limits as the engine takes them.  More CPUs than the host has are
/// left out (the engine refuses them, as it refused the original's
/// `docker update`); the second value says whether all were applied.
fn container_limits(r: &Resources, slice: &str) -> (ContainerLimits, bool) {
    let nano_cpus = aime::parse_cpus(&r.cpus).filter(|&n| n as f64 <= host_cpus() * 1e9);
    let limits = ContainerLimits {
        nano_cpus,
        memory: aime::parse_size(&r.memory),
        memory_swap: aime::parse_swap(&r.memory_swap),
        shm_size: aime::parse_size(&r.shm_size),
        pids_limit: r.pids_limit.trim().parse().ok(),
        cgroup_parent: (!slice.is_empty()).then(|| slice.to_string()),
    };
    (limits, nano_cpus.is_some())
}

/// CPUs of this host (where the engine runs).
fn host_cpus() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        n as f64
    } else {
        1.0
    }
}

/// The typed request for AIME's create.
fn request(plan: &Plan, gpu: Option<&GpuChoice>, labels: Vec<(String, String)>) -> (Request, bool) {
    let o = &plan.options;
    let (limits, all_applied) = container_limits(&plan.resources, &plan.slice);
    let gpus = match gpu {
        _ if o.cpu_only => Gpus::None,
        Some(g) => Gpus::Devices(g.grant.uuids.clone()),
        None => Gpus::Docker("all".into()),
    };
    let request = Request {
        name: Some(o.name.clone()),
        framework: Some(o.framework.clone()),
        version: (!o.version.is_empty()).then(|| o.version.clone()),
        arch: None,
        workspace: Some(plan.workspace.clone()),
        data: (!o.data.is_empty()).then(|| o.data.clone()),
        models: None,
        script: true,
        info: false,
        gpus,
        ds01: Some(Ds01Extensions {
            image: (!o.image.is_empty()).then(|| o.image.clone()),
            limits,
            labels,
            allocated: true,
        }),
    };
    (request, all_applied)
}

/// Dry run, or the create and its report.
pub fn make(ctx: &mut Ctx, plan: &Plan, gpu: Option<&GpuChoice>) -> Outcome {
    let o = &plan.options;
    if !o.image.is_empty() {
        term::info(ctx, &format!("Using custom image: {}", o.image));
    }
    term::info(
        ctx,
        &format!("Setting shm-size: {}", plan.resources.shm_size),
    );
    if !plan.slice.is_empty() {
        term::info(ctx, &format!("Setting cgroup-parent: {}", plan.slice));
    }
    let labels = ds01_labels(ctx, plan, gpu);
    let shown = shown_command(plan, gpu, &labels);
    if o.dry_run {
        return dry_run(ctx, plan, &shown);
    }
    term::info(ctx, "Creating container with mlc-patched.py (AIME v2)...");
    term::line(ctx, "Logged: container.create_start");
    let (request, all_applied) = request(plan, gpu, labels);
    let (outcome, captured) = ctx.capture(|ctx| aime::create(ctx, &request));
    let code = match outcome {
        Ok(code) => code,
        Err(f) => f.code,
    };
    let output = format!("{}{}", captured.stdout, captured.stderr);
    if code != 0 || !exists(ctx, &plan.tag) {
        let code = if code == 0 { 1 } else { code };
        diagnostics(ctx, plan, gpu, code, &shown, &output);
        return Ok(code);
    }
    term::info(ctx, "Applying resource limits to container...");
    if all_applied {
        term::info(ctx, "Resource limits applied successfully");
    } else {
        term::warning(ctx, "Some resource limits could not be applied");
    }
    term::success(
        ctx,
        &format!("Container '{}' created successfully!", o.name),
    );
    Ok(0)
}

/// Whether the create really made the container (AIME's script mode
/// exits 0 on some refusals, such as a missing workspace).
fn exists(ctx: &mut Ctx, tag: &str) -> bool {
    ctx.engine()
        .and_then(|e| e.find_container(tag))
        .is_ok_and(|c| c.is_some())
}

fn dry_run(ctx: &mut Ctx, plan: &Plan, shown: &str) -> Outcome {
    term::info(ctx, "DRY RUN MODE - No containers will be created");
    term::line(ctx, "");
    term::info(ctx, "Would execute:");
    term::line(ctx, &format!("  python3 {MLC_PATCHED} {shown}"));
    term::line(ctx, "");
    term::info(ctx, "Would apply resource limits:");
    list(ctx, &plan.docker_args());
    term::line(ctx, "");
    term::info(ctx, &format!("Container would be named: {}", plan.tag));
    Ok(0)
}

fn list(ctx: &mut Ctx, lines: &[String]) {
    for l in lines {
        term::line(ctx, &format!("  {l}"));
    }
}

/// The original's report of a failed create.
fn diagnostics(
    ctx: &mut Ctx,
    plan: &Plan,
    gpu: Option<&GpuChoice>,
    code: i32,
    shown: &str,
    output: &str,
) {
    term::line(ctx, "");
    term::error(
        ctx,
        &format!("Container creation failed (exit code: {code})"),
    );
    term::line(ctx, "");
    term::line(ctx, "Logged: container.create_failed");
    term::line(ctx, &format!("{YELLOW}═══ Diagnostic Information ═══{NC}"));
    term::line(ctx, "");
    if let Some(g) = gpu {
        gpu_diagnostics(ctx, g);
    }
    term::line(ctx, &format!("{BLUE}Resource Limits:{NC}"));
    list(ctx, &plan.docker_args());
    term::line(ctx, "");
    term::line(ctx, &format!("{BLUE}Command Attempted:{NC}"));
    term::line(ctx, &format!("  python3 {MLC_PATCHED} {shown}"));
    term::line(ctx, "");
    term::line(ctx, &format!("{BLUE}mlc-patched.py Output:{NC}"));
    let lines: Vec<&str> = output.lines().collect();
    if lines.is_empty() {
        term::line(ctx, "  (no output captured)");
    }
    for l in &lines[lines.len().saturating_sub(30)..] {
        term::line(ctx, &format!("  {l}"));
    }
    troubleshooting(ctx, plan, gpu);
}

fn gpu_diagnostics(ctx: &mut Ctx, g: &GpuChoice) {
    term::line(ctx, &format!("{BLUE}GPU Allocation:{NC}"));
    term::line(
        ctx,
        &format!("  Allocated GPU: {}", g.grant.slots.join(",")),
    );
    let id = if g.multi {
        "unknown"
    } else {
        g.grant.uuids[0].as_str()
    };
    term::line(ctx, &format!("  Docker ID: {id}"));
    let p = if g.priority.is_empty() {
        "unknown"
    } else {
        &g.priority
    };
    term::line(ctx, &format!("  Priority: {p}"));
    term::line(ctx, "");
}

fn troubleshooting(ctx: &mut Ctx, plan: &Plan, gpu: Option<&GpuChoice>) {
    let allocator_shown = if gpu.is_some_and(|g| !g.priority.is_empty()) {
        GPU_ALLOCATOR
    } else {
        ""
    };
    term::line(ctx, "");
    term::line(ctx, &format!("{YELLOW}═══ Troubleshooting Steps ═══{NC}"));
    term::line(ctx, "");
    term::line(ctx, "1. Check Docker daemon:\n   docker info\n");
    term::line(
        ctx,
        &format!("2. Check GPU availability:\n   python3 {allocator_shown} status\n"),
    );
    term::line(
        ctx,
        "3. Check GPU allocator logs:\n   tail -20 /var/log/ds01/gpu-allocations.log\n",
    );
    term::line(ctx, "4. Verify custom image exists (if using --image):");
    match plan.options.image.as_str() {
        "" => term::line(ctx, "   (not using custom image)"),
        image => term::line(ctx, &format!("   docker images | grep '{image}'")),
    }
    term::line(ctx, "");
    term::line(
        ctx,
        &format!("5. Check for Python import errors:\n   python3 {MLC_PATCHED} --help\n"),
    );
    if let Some(g) = gpu {
        term::info(
            ctx,
            &format!("Releasing allocated GPU {}...", g.grant.slots.join(",")),
        );
    }
    term::line(ctx, "");
}
