//! `gpu_allocator_v2 <command> ...` (also `gpu_allocator`): DS01's GPU
//! allocator CLI (`scripts/docker/gpu_allocator_v2.py`, reference §8.4)
//! over [`crate::policy::allocator`].  The command line comes from its
//! spec (an argparse program: argparse's errors, exit 2); the subcommands'
//! stdout contract and exit codes are the original's.  Ours on top:
//! `status --json`, fractional `max_gpus` (finite, not negative), and
//! answers that stay valid until the container is created (see the
//! allocator's reservations).

use crate::cli::argparse::Matches;
use crate::cli::{help, python, spec};
use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::policy::allocator::{Allocator, Grant, State};
use crate::policy::pyfmt::format_g;
use crate::policy::sources::Sources;

const NAME: &str = "gpu_allocator_v2";

/// `gpu_allocator_v2 ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let spec = spec::program(NAME).map_err(|e| Failure::stderr(70, format!("ds01: {e}\n")))?;
    let width = help::help_width(ctx.env.get("COLUMNS"));
    let (command, m) = match python::parse(&spec, args, width)? {
        python::Invocation::Help(page) => {
            ctx.out(&page);
            return Ok(0);
        }
        // The original printed its help and exited 1.
        python::Invocation::NoCommand => {
            return Err(Failure::stdout(1, help::program_help(&spec, width)))
        }
        python::Invocation::Command(command, m) => (command.name.as_str(), m),
    };
    let sources = Sources::of(ctx);
    let answer = run(&sources, command, &m);
    for note in sources.take_notes() {
        ctx.err(&format!("{note}\n"));
    }
    ctx.out(&answer?);
    Ok(0)
}

/// A refusal the original printed on stdout, exit 1.
fn refused(text: String) -> Failure {
    Failure::stdout(1, text)
}

/// What the subcommand prints on stdout.
fn run(sources: &Sources, command: &str, m: &Matches) -> Result<String, Failure> {
    let v = |i: usize| m.positional(i).unwrap_or("");
    match command {
        "allocate" => {
            let max = v(2)
                .trim()
                .parse::<f64>()
                .map_err(|_| bad_number("max_gpus"))?;
            let priority =
                crate::ui::prompt::parse_int(v(3)).ok_or_else(|| bad_number("priority"))?;
            allocate(sources, v(0), v(1), max, priority)
        }
        "allocate-multi" => {
            let n = crate::ui::prompt::parse_int(v(3)).ok_or_else(|| bad_number("num_gpus"))?;
            allocate_multi(sources, v(0), v(1), n)
        }
        "allocate-external" => allocate_external(sources, v(0), v(1)),
        "release" => release(sources, v(0)),
        "status" => status(sources, m.flag("json")),
        "user-count" => {
            let mut state = report_state(sources)?;
            Ok(format!("{}\n", state.user_container_count(v(0))))
        }
        "release-stale" => release_stale(sources, m.positional(0)),
        other => Err(Failure::stderr(
            70,
            format!("ds01: {NAME}: no subcommand {other}\n"),
        )),
    }
}

/// A value the parser checked and we could not read (a defect).
fn bad_number(name: &str) -> Failure {
    Failure::stderr(70, format!("ds01: {NAME}: {name} is not a number\n"))
}

/// The allocator, waiting in turn with `priority` (None: the user's
/// configured one, or the default when there is no user).
fn open(
    sources: &Sources,
    user: Option<&str>,
    priority: Option<i64>,
) -> Result<Allocator, Failure> {
    let config = sources.config.clone().map_err(|e| e.failure(NAME))?;
    let priority = priority.unwrap_or_else(|| {
        user.map_or(crate::policy::allocator::DEFAULT_PRIORITY, |u| {
            Allocator::priority_of(&config, u)
        })
    });
    Allocator::open(sources, config, priority).map_err(|e| Failure {
        code: 1,
        stdout: format!("✗ Allocation failed: {e}\n"),
        stderr: format!("Error: GPU allocation failed: {e}\n"),
    })
}

fn allocate(
    sources: &Sources,
    user: &str,
    container: &str,
    max: f64,
    priority: i64,
) -> Result<String, Failure> {
    let mut alloc = open(sources, Some(user), Some(priority))?;
    match alloc.allocate(user, container, Some(max)) {
        Ok(g) if g.already => Ok(format!(
            "⚠ Container {container} already has GPU/MIG {} allocated\nDOCKER_ID={}\n",
            g.slots[0], g.uuids[0]
        )),
        Ok(g) => {
            reserve(&mut alloc, container, user, &g)?;
            Ok(format!(
                "✓ Allocated GPU/MIG {} to {container}\nDOCKER_ID={}\n",
                g.slots[0], g.uuids[0]
            ))
        }
        Err(reason) => Err(refused(format!("✗ Allocation failed: {reason}\n"))),
    }
}

fn allocate_multi(
    sources: &Sources,
    user: &str,
    container: &str,
    n: i64,
) -> Result<String, Failure> {
    let mut alloc = open(sources, Some(user), None)?;
    let g = alloc
        .allocate_multi(user, container, n)
        .map_err(|reason| refused(format!("✗ Allocation failed: {reason}\n")))?;
    let keys = multi_keys(&g);
    if g.already {
        let slots = g.slots.join(",");
        return Ok(format!(
            "⚠ Container {container} already has GPU(s) {slots} allocated\n{keys}"
        ));
    }
    reserve(&mut alloc, container, user, &g)?;
    Ok(format!(
        "✓ Allocated {} GPU slot(s) to {container}\n{keys}",
        g.slots.len()
    ))
}

fn allocate_external(sources: &Sources, user: &str, kind: &str) -> Result<String, Failure> {
    let mut alloc = open(sources, Some(user), None)?;
    match alloc.allocate_external(user) {
        Ok(g) => {
            let name = format!("external-{kind}-{user}-{}", std::process::id());
            reserve(&mut alloc, &name, user, &g)?;
            Ok(format!("DOCKER_ID={}\nSTATUS=SUCCESS\n", g.uuids[0]))
        }
        Err(reason) if reason.starts_with("QUOTA_EXCEEDED") => {
            Err(refused(format!("STATUS=QUOTA_EXCEEDED\nREASON={reason}\n")))
        }
        Err(reason) => Err(refused(format!("STATUS=FAILED\nREASON={reason}\n"))),
    }
}

fn release(sources: &Sources, container: &str) -> Result<String, Failure> {
    let mut alloc = open(sources, None, None)?;
    // A reservation is released only by its own user; another user's
    // shows here as nothing released.
    let exists = alloc.state.containers.iter().any(|c| c.name == container);
    let held = if exists {
        alloc.holding(container)
    } else {
        None
    };
    let reserved = alloc.unreserve(container).map_err(refused)?;
    let slot = match (held, reserved) {
        (Some(g), _) => g.slots[0].clone(),
        (None, Some(r)) if !r.uuids.is_empty() => {
            let slot = alloc.state.reader.inventory().slot_of(&r.uuids[0]);
            slot.unwrap_or_else(|| r.uuids[0].clone())
        }
        _ => return Ok(format!("✗ No GPU allocated to {container}\n")),
    };
    Ok(format!("✓ Released GPU/MIG {slot} from {container}\n"))
}

fn release_stale(sources: &Sources, user: Option<&str>) -> Result<String, Failure> {
    let mut alloc = open(sources, user, None)?;
    let removed = alloc.release_stale(user);
    if removed.is_empty() {
        return Ok("✓ No stale containers found\n".to_string());
    }
    let mut text: String = removed
        .iter()
        .map(|(c, r)| format!("✓ Removed {c}: {r}\n"))
        .collect();
    text.push_str(&format!(
        "\n✓ Removed {} stale container(s) (GPUs freed automatically)\n",
        removed.len()
    ));
    Ok(text)
}

/// Hold the answer for the caller until it creates the container.
fn reserve(alloc: &mut Allocator, container: &str, user: &str, g: &Grant) -> Result<(), Failure> {
    let reservation = alloc.reservation_for_a_while(container, user, g.uuids.clone());
    alloc
        .reserve(reservation)
        .map_err(|e| refused(format!("✗ Allocation failed: INTERNAL_ERROR: {e}\n")))
}

fn multi_keys(g: &Grant) -> String {
    format!(
        "GPU_SLOTS={}\nDOCKER_IDS={}\nSLOT_COUNT={}\nGPU_EQUIV={}\n",
        g.slots.join(","),
        g.uuids.join(","),
        g.slots.len(),
        format_g(g.gpueq)
    )
}

/// Slots held, by slot: (slot, uuid, containers, users).
type Holdings = Vec<(String, String, Vec<String>, Vec<String>)>;

fn holdings(state: &mut State) -> Holdings {
    let mut out: Holdings = state
        .reader
        .allocations()
        .into_iter()
        .map(|a| {
            let users = a.users.into_iter().map(|(u, _)| u).collect();
            (a.slot, a.uuid, a.containers, users)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The state for a report; what cannot be read is an error (the
/// original reported an idle server when docker did not answer).
fn report_state(sources: &Sources) -> Result<State, Failure> {
    State::read_for_report(sources).map_err(|e| Failure::stderr(1, format!("{e}\n")))
}

fn status(sources: &Sources, json: bool) -> Result<String, Failure> {
    let mut state = report_state(sources)?;
    let (total, allocated, percent) = state.utilization();
    let rows = holdings(&mut state);
    if json {
        let allocations: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(slot, uuid, containers, users)| {
                (
                    slot.clone(),
                    serde_json::json!({"uuid": uuid, "containers": containers, "users": users}),
                )
            })
            .collect();
        let reservations: Vec<serde_json::Value> = state
            .reservations
            .iter()
            .map(|r| {
                serde_json::json!({
                    "container": r.container, "user": r.user, "uuids": r.uuids,
                    "pid": (r.pid != 0).then_some(r.pid), "expires": r.expires,
                })
            })
            .collect();
        let value = serde_json::json!({
            "total_gpus": total,
            "allocated": allocated,
            "available": total - allocated,
            "utilization_percent": (percent * 10.0).round() / 10.0,
            "allocations": allocations,
            "reservations": reservations,
        });
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        return Ok(format!("{text}\n"));
    }
    let mut text =
        format!("\nGPU Status: {allocated}/{total} allocated ({percent:.1}% utilization)\n\n");
    for (slot, uuid, containers, _) in rows {
        let containers = if containers.is_empty() {
            "none".to_string()
        } else {
            containers.join(", ")
        };
        text.push_str(&format!(
            "GPU/MIG {slot}:\n  UUID: {uuid}\n  Containers: {containers}\n\n"
        ));
    }
    Ok(text)
}
