//! `gpu-availability-checker <command> [args]`: which GPU/MIG slots are
//! free (DS01's `scripts/docker/gpu-availability-checker.py`, reference
//! §8.4).  Reads the same state as the allocator (engine plus live
//! reservations), without taking its lock: it only reports.

use crate::context::Ctx;
use crate::error::{Failure, Outcome};
use crate::policy::allocator::State;
use crate::policy::sources::Sources;

const USAGE: &str = "\
Usage: gpu-availability-checker.py <command> [args]

Commands:
  available                          - Show available GPUs
  summary                            - Show allocation summary
  user-available <user> [max_gpus]  - Check what's available for user
  suggest <user> [max_gpus]          - Suggest GPU for user
";

/// `gpu-availability-checker ARGS...`.
pub fn main(ctx: &mut Ctx, args: &[String]) -> Outcome {
    let Some(command) = args.first() else {
        return Err(Failure::stdout(1, USAGE));
    };
    let max = match args.get(2).map(|m| m.trim().parse::<i64>()) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => {
            return Err(Failure::stdout(
                1,
                format!(
                    "Error: max_gpus must be a whole number, not '{}'\n",
                    args[2]
                ),
            ))
        }
    };
    // What cannot be read is an error: the original reported an idle
    // server when docker did not answer.
    let mut state = State::read_for_report(&Sources::of(ctx))
        .map_err(|e| Failure::stderr(1, format!("{e}\n")))?;
    let report = report(&mut state, command, args.get(1).map(String::as_str), max);
    for note in state.reader.take_notes() {
        ctx.err(&format!("{note}\n"));
    }
    let (text, code) = report;
    ctx.out(&text);
    Ok(code)
}

/// What `command` prints, and its exit code.
fn report(state: &mut State, command: &str, user: Option<&str>, max: Option<i64>) -> (String, i32) {
    match (command, user) {
        ("available", _) => (available(state), 0),
        ("summary", _) => {
            let (total, allocated, percent) = state.utilization();
            let text = format!(
                "\nGPU Allocation Summary:\n  Total GPUs:     {total}\n  Allocated:      {allocated}\n  Available:      {}\n  Utilization:    {percent:.1}%\n",
                total - allocated
            );
            (text, 0)
        }
        ("user-available", Some(user)) => (user_available(state, user, max), 0),
        ("check-user", Some(user)) => match user_check(state, user, max).1 {
            None => ("CAN_ALLOCATE\n".to_string(), 0),
            Some(r) => (format!("CANNOT_ALLOCATE: {r}\n"), 0),
        },
        ("suggest", Some(user)) => (suggest(state, user, max), 0),
        (other, _) => (format!("Unknown command: {other}\n"), 1),
    }
}

/// `available`: every free slot.
fn available(state: &mut State) -> String {
    let free = state.available();
    let mut out = format!("\n{} GPU(s) available:\n\n", free.len());
    for f in free {
        out.push_str(&format!(
            "  MIG {}: {} (UUID: {})\n",
            f.slot, f.profile, f.uuid
        ));
    }
    out
}

/// `user-available USER [MAX]`.
fn user_available(state: &mut State, user: &str, max: Option<i64>) -> String {
    let (current, refusal) = user_check(state, user, max);
    let free = state.available().len();
    let mut out = format!("\nAvailability for {user}:\n  Current allocations: {current}\n");
    if let Some(m) = max.filter(|m| *m != 0) {
        out.push_str(&format!("  Maximum allowed:     {m}\n"));
    }
    let yes = if refusal.is_none() { "Yes" } else { "No" };
    out.push_str(&format!("  Can allocate more:   {yes}\n"));
    if let Some(r) = &refusal {
        out.push_str(&format!("  Reason: {r}\n"));
    }
    out.push_str(&format!("\n  Available GPUs: {free}\n"));
    out
}

/// `suggest USER [MAX]`.
fn suggest(state: &mut State, user: &str, max: Option<i64>) -> String {
    let (current, refusal) = user_check(state, user, max);
    let suggestion = match refusal {
        Some(r) => Err(r),
        None => state.suggest(false, &[]),
    };
    match suggestion {
        Ok(f) => format!(
            "\n✓ Suggest GPU {} for {user}\n  UUID: {}\n  Profile: {}\n",
            f.slot, f.uuid, f.profile
        ),
        Err(reason) => {
            let of_max = match max.filter(|m| *m != 0) {
                Some(m) => format!("/{m}"),
                None => String::new(),
            };
            format!("\n✗ Cannot allocate GPU for {user}\n  Reason: {reason}\n  Current: {current}{of_max}\n")
        }
    }
}

/// The user's GPU containers, and why they may not have another (the
/// count against `max`), if so.
fn user_check(state: &mut State, user: &str, max: Option<i64>) -> (usize, Option<String>) {
    let current = state.user_container_count(user);
    let refusal = max
        .filter(|m| current as i64 >= *m)
        .map(|m| format!("User already has {current}/{m} GPUs allocated"));
    (current, refusal)
}
