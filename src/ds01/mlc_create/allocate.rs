//! The container quota and the GPU, decided under the allocator's lock and
//! reserved for as long as this process lives (the create runs in it).

use super::plan::Plan;
use crate::context::Ctx;
use crate::ds01::messages::limit_box;
use crate::error::Failure;
use crate::identity;
use crate::policy::allocator::{Allocator, Grant, Reservation};
use crate::policy::gpus::Device;
use crate::policy::limits::{self, Limits};
use crate::policy::pyfmt;
use crate::policy::sources::Sources;
use crate::ui::ds01 as term;

/// The devices the container gets.
pub struct GpuChoice {
    pub grant: Grant,
    /// Allocated through `allocate-multi` (labels list every UUID).
    pub multi: bool,
    /// The user's priority as the original printed it (empty for `-g`).
    pub priority: String,
}

/// A refusal in DS01's box, exit 1.
fn refuse(ctx: &mut Ctx, code: &str, user: &str) -> Failure {
    let text = limit_box(code, user, &ctx.settings.contact);
    ctx.out("\n");
    ctx.out(&text);
    Failure::exit(1)
}

/// Check the container quota and pick the GPU; `None` for a CPU-only
/// container or a host without DS01's configuration.
pub fn allocate(ctx: &mut Ctx, plan: &Plan) -> Result<Option<GpuChoice>, Failure> {
    if !plan.configured {
        return Ok(None);
    }
    let sources = Sources::of(ctx);
    let config = sources.config.clone()?;
    let user = plan.user.as_str();
    let priority = Allocator::priority_of(&config, user);
    let opened = Allocator::open(&sources, config, priority);
    let mut alloc =
        opened.map_err(|e| refuse(ctx, &format!("✗ Allocation failed: {e}\n"), user))?;
    let chosen = choose(ctx, &mut alloc, plan);
    let chosen = chosen.and_then(|gpu| {
        // Hold the container's place (and devices) until it exists; the
        // reservation dies with this process.
        let uuids = gpu
            .as_ref()
            .map(|g| g.grant.uuids.clone())
            .unwrap_or_default();
        let held = alloc.reserve(Reservation::for_this_process(&plan.tag, user, uuids));
        held.map(|()| gpu).map_err(|e| {
            term::error(ctx, &format!("GPU allocation failed: {e}"));
            Failure::exit(1)
        })
    });
    drop(alloc);
    for note in sources.take_notes() {
        ctx.err(&format!("{note}\n"));
    }
    chosen
}

/// The quota check, then the GPU as the options ask for it.
fn choose(ctx: &mut Ctx, alloc: &mut Allocator, plan: &Plan) -> Result<Option<GpuChoice>, Failure> {
    let user = plan.user.as_str();
    let limits = alloc.config().limits(user);
    if let Err(code) = alloc.check_container_quota(user) {
        return Err(refuse(ctx, &code, user));
    }
    let o = &plan.options;
    if o.cpu_only {
        term::info(ctx, "Creating CPU-only container (no GPU)");
        return Ok(None);
    }
    if !o.gpu.is_empty() {
        term::info(ctx, &format!("Specific GPU requested: {}", o.gpu));
        return specific_gpu(alloc, &o.gpu).map(Some).map_err(|e| {
            term::error(ctx, &e);
            Failure::exit(1)
        });
    }
    from_quota(ctx, alloc, plan, &limits).map(Some)
}

/// One slot (`allocate`) or several (`allocate-multi`) within the quota.
fn from_quota(
    ctx: &mut Ctx,
    alloc: &mut Allocator,
    plan: &Plan,
    limits: &Limits,
) -> Result<GpuChoice, Failure> {
    let (user, tag, o) = (plan.user.as_str(), plan.tag.as_str(), &plan.options);
    let max_gpus = match limits.max_gpu_equivalents(user) {
        Ok(Some(m)) => limits::format_gpueq(m),
        Ok(None) => "999".to_string(),
        Err(e) => {
            term::error(ctx, &e.to_string());
            return Err(Failure::exit(1));
        }
    };
    let priority = pyfmt::str_of(&limits.get_or("priority", serde_yaml::Value::from(10)));
    let Ok(n) = o.num_gpus.trim().parse::<i64>() else {
        let text = format!("Invalid --num-gpus: {} (must be a number)", o.num_gpus);
        term::error(ctx, &text);
        return Err(Failure::exit(1));
    };
    let multi = n > 1 || o.prefer_full;
    let before = alloc.state.reader.user_slots(user).len();
    let result = if multi {
        term::info(
            ctx,
            &format!("Allocating {n} GPU slot(s) via gpu_allocator_v2.py..."),
        );
        alloc.allocate_multi(user, tag, n)
    } else {
        term::info(
            ctx,
            &format!(
                "Allocating GPU via gpu_allocator_v2.py (priority: {priority}, max: {max_gpus})..."
            ),
        );
        alloc.allocate(user, tag, max_gpus.parse::<f64>().ok())
    };
    let grant = match result {
        Ok(g) if !g.already => g,
        // The original's wrapper took "already has" for a failure.
        Ok(g) => {
            let text = format!(
                "⚠ Container {tag} already has GPU/MIG {} allocated\nDOCKER_ID={}\n",
                g.slots[0], g.uuids[0]
            );
            return Err(refuse(ctx, &text, user));
        }
        Err(reason) => {
            return Err(refuse(
                ctx,
                &format!("✗ Allocation failed: {reason}\n"),
                user,
            ))
        }
    };
    report_grant(ctx, &grant, multi, before, &max_gpus);
    Ok(GpuChoice {
        grant,
        multi,
        priority,
    })
}

/// What was allocated, and a warning when the user is near the limit.
fn report_grant(ctx: &mut Ctx, grant: &Grant, multi: bool, before: usize, max_gpus: &str) {
    if multi {
        let slots = grant.slots.join(",");
        term::success(
            ctx,
            &format!(
                "Allocated {} GPU slot(s) (slots: {slots})",
                grant.slots.len()
            ),
        );
        return;
    }
    term::success(
        ctx,
        &format!("GPU {} allocated successfully", grant.slots[0]),
    );
    let Ok(max) = max_gpus.parse::<i64>() else {
        return;
    };
    if max == 999 || max <= 0 {
        return;
    }
    let percent = before as i64 * 100 / max;
    if percent >= 100 {
        term::warning(
            ctx,
            &format!("GPU slot limit reached ({before}/{max}). This is your last available slot."),
        );
    } else if percent >= 80 {
        term::warning(
            ctx,
            &format!("GPU slot usage high ({before}/{max}, {percent}%). Consider retiring idle containers."),
        );
    }
}

/// `-g=N`: administrators only; the GPU becomes an explicit, tracked device.
fn specific_gpu(alloc: &mut Allocator, index: &str) -> Result<GpuChoice, String> {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root && !identity::in_group("ds01-admin") {
        return Err(format!(
            "Requesting a specific GPU (-g={index}) is for administrators (group ds01-admin)"
        ));
    }
    if !alloc.state.available().iter().any(|f| f.slot == index) {
        return Err(format!(
            "GPU {index} is not free (see: gpu_allocator status)"
        ));
    }
    let uuid = match alloc.state.reader.inventory().by_slot(index) {
        Some(Device::Gpu(g)) => g.uuid.clone(),
        _ => return Err(format!("GPU {index} does not exist on this host")),
    };
    Ok(GpuChoice {
        grant: Grant {
            slots: vec![index.to_string()],
            uuids: vec![uuid],
            gpueq: 1.0,
            already: false,
        },
        multi: false,
        priority: String::new(),
    })
}
