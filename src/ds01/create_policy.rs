//! On a DS01 server every create goes through the allocator and the
//! quotas, also a plain `mlc create` (AIME's default was every GPU of the
//! host, untracked, and `-g device=UUID` took anybody's GPU).  Installed on
//! the context as Tier 1's [`CreatePolicy`]; DS01's own `mlc-create`
//! allocates before it calls Tier 1 and passes straight through.
//!
//! `-g`: nothing or `all` asks for one slot (as `mlc-create`), a number for
//! that many (`allocate-multi`), `none`/`0` for no GPU; `device=ID,...` is
//! for administrators (root or the `ds01-admin` group) and only for free
//! devices.  Every refusal is one line, exit 1, before anything is made.

use crate::aime::create::{Admitted, CreatePolicy, Gpus, Request};
use crate::context::Ctx;
use crate::error::Failure;
use crate::model::labels;
use crate::policy::allocator::{Allocator, Grant, Reservation};
use crate::policy::sources::Sources;
use crate::ui::colour;

pub struct AllocatorPolicy;

/// AIME's way of saying no.
fn refused(reason: &str) -> Failure {
    Failure::stdout(
        1,
        colour::expand(&format!(
            "\n{{ERROR}}Container not created: {reason}{{RESET}}\n\n"
        )),
    )
}

/// How many slots `-g` asks for, or the devices an administrator names.
enum Ask {
    Slots(i64),
    Devices(Vec<String>),
}

fn ask_of(gpus: &Gpus) -> Result<Ask, Failure> {
    match gpus {
        Gpus::None => Ok(Ask::Slots(0)),
        Gpus::Devices(ids) => Ok(Ask::Devices(ids.clone())),
        Gpus::Docker(v) if v == "all" => Ok(Ask::Slots(1)),
        Gpus::Docker(v) => match v.trim().parse::<i64>() {
            Ok(n) if (0..=64).contains(&n) => Ok(Ask::Slots(n)),
            _ => Err(refused(&format!(
                "-g {v}: on this server GPUs are given by the allocator; ask for a number of GPUs (-g N) or none (-g none)"
            ))),
        },
    }
}

fn is_admin() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    root || crate::identity::in_group("ds01-admin")
}

/// Named devices: administrators only, and each must be free.
fn named_devices(alloc: &mut Allocator, ids: &[String]) -> Result<Grant, String> {
    if !is_admin() {
        return Err(
            "-g device=...: naming devices is for administrators (group ds01-admin)".into(),
        );
    }
    let free = alloc.state.available();
    let mut grant = Grant {
        slots: Vec::new(),
        uuids: Vec::new(),
        gpueq: 0.0,
        already: false,
    };
    for id in ids {
        let slot = free
            .iter()
            .find(|f| f.uuid == *id || f.slot == *id)
            .ok_or_else(|| format!("device {id} is not free (see: gpu_allocator status)"))?;
        grant.slots.push(slot.slot.clone());
        grant.uuids.push(slot.uuid.clone());
        grant.gpueq += slot.gpueq;
    }
    Ok(grant)
}

/// The decision under the allocator's lock: quota, then devices.
fn decide(alloc: &mut Allocator, user: &str, tag: &str, ask: Ask) -> Result<Option<Grant>, String> {
    alloc.check_container_quota(user)?;
    let grant = match ask {
        Ask::Slots(0) => None,
        Ask::Slots(1) => Some(alloc.allocate(user, tag, None)?),
        Ask::Slots(n) => Some(alloc.allocate_multi(user, tag, n)?),
        Ask::Devices(ids) => Some(named_devices(alloc, &ids)?),
    };
    let uuids = grant.as_ref().map(|g| g.uuids.clone()).unwrap_or_default();
    alloc.reserve(Reservation::for_this_process(tag, user, uuids))?;
    Ok(grant)
}

/// The request with the decided devices and DS01's bookkeeping labels.
fn admitted(request: &Request, user: &str, grant: Option<Grant>) -> Request {
    let mut request = request.clone();
    let mut ds01 = request.ds01.take().unwrap_or_default();
    ds01.labels.push((labels::MANAGED.into(), "true".into()));
    ds01.labels.push((labels::USER.into(), user.into()));
    if let Some(g) = &grant {
        ds01.labels
            .push((labels::GPU_ALLOCATED.into(), g.slots.join(",")));
    }
    ds01.allocated = true;
    request.gpus = match grant {
        Some(g) => Gpus::Devices(g.uuids),
        None => Gpus::None,
    };
    request.ds01 = Some(ds01);
    request
}

impl CreatePolicy for AllocatorPolicy {
    fn admit(&self, ctx: &mut Ctx, request: &Request, tag: &str) -> Result<Admitted, Failure> {
        if request.ds01.as_ref().is_some_and(|d| d.allocated) {
            return Ok(Admitted {
                request: request.clone(),
                hold: Box::new(()),
            });
        }
        let ask = ask_of(&request.gpus)?;
        let sources = Sources::of(ctx);
        let config = sources.config.clone().map_err(|e| e.failure("mlc"))?;
        let user = ctx.caller.login.clone();
        let priority = Allocator::priority_of(&config, &user);
        let decided = Allocator::open(&sources, config, priority)
            .and_then(|mut alloc| decide(&mut alloc, &user, tag, ask));
        for note in sources.take_notes() {
            ctx.err(&format!("{note}\n"));
        }
        let grant = decided.map_err(|reason| refused(&reason))?;
        Ok(Admitted {
            request: admitted(request, &user, grant),
            hold: Box::new(()),
        })
    }
}
