//! `gpu-availability-checker <command> [args]`: which GPU/MIG slots are
//! free (DS01's `scripts/docker/gpu-availability-checker.py`, reference
//! §8.4).  Reads the same state as the allocator (engine plus live
//! reservations), without taking its lock: it only reports.

use super::allocator::{state_dir, State};
use crate::ui;

pub const NAME: &str = "gpu-availability-checker";
pub const ALIAS: &str = "gpu_availability_checker";

const USAGE: &str = "\
Usage: gpu-availability-checker.py <command> [args]

Commands:
  available                          - Show available GPUs
  summary                            - Show allocation summary
  user-available <user> [max_gpus]  - Check what's available for user
  suggest <user> [max_gpus]          - Suggest GPU for user
";

/// `gpu-availability-checker ARGS...`: returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let (stdout, code) = run(args);
    ui::out(&stdout);
    code
}

fn run(args: &[String]) -> (String, i32) {
    let Some(command) = args.first() else {
        return (USAGE.to_string(), 1);
    };
    let user = args.get(1);
    let max = match args.get(2).map(|m| m.trim().parse::<i64>()) {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => {
            return (
                format!(
                    "Error: max_gpus must be a whole number, not '{}'\n",
                    args[2]
                ),
                1,
            )
        }
    };
    let mut state = State::read_for_report(&state_dir());
    let mut out = String::new();
    match (command.as_str(), user) {
        ("available", _) => {
            let free = state.available();
            out.push_str(&format!("\n{} GPU(s) available:\n\n", free.len()));
            for f in free {
                out.push_str(&format!(
                    "  MIG {}: {} (UUID: {})\n",
                    f.slot, f.profile, f.uuid
                ));
            }
        }
        ("summary", _) => {
            let (total, allocated, percent) = state.utilization();
            out.push_str(&format!(
                "\nGPU Allocation Summary:\n  Total GPUs:     {total}\n  Allocated:      {allocated}\n  Available:      {}\n  Utilization:    {percent:.1}%\n",
                total - allocated
            ));
        }
        ("user-available", Some(user)) => {
            let (current, refusal) = user_check(&mut state, user, max);
            let free = state.available().len();
            out.push_str(&format!(
                "\nAvailability for {user}:\n  Current allocations: {current}\n"
            ));
            if let Some(m) = max.filter(|m| *m != 0) {
                out.push_str(&format!("  Maximum allowed:     {m}\n"));
            }
            out.push_str(&format!(
                "  Can allocate more:   {}\n",
                if refusal.is_none() { "Yes" } else { "No" }
            ));
            if let Some(r) = &refusal {
                out.push_str(&format!("  Reason: {r}\n"));
            }
            out.push_str(&format!("\n  Available GPUs: {free}\n"));
        }
        ("check-user", Some(user)) => match user_check(&mut state, user, max).1 {
            None => out.push_str("CAN_ALLOCATE\n"),
            Some(r) => out.push_str(&format!("CANNOT_ALLOCATE: {r}\n")),
        },
        ("suggest", Some(user)) => {
            let (current, refusal) = user_check(&mut state, user, max);
            let suggestion = match refusal {
                Some(r) => Err(r),
                None => state.suggest(false, &[]),
            };
            match suggestion {
                Ok(f) => out.push_str(&format!(
                    "\n✓ Suggest GPU {} for {user}\n  UUID: {}\n  Profile: {}\n",
                    f.slot, f.uuid, f.profile
                )),
                Err(reason) => {
                    out.push_str(&format!(
                        "\n✗ Cannot allocate GPU for {user}\n  Reason: {reason}\n  Current: {current}"
                    ));
                    match max.filter(|m| *m != 0) {
                        Some(m) => out.push_str(&format!("/{m}\n")),
                        None => out.push('\n'),
                    }
                }
            }
        }
        (other, _) => return (format!("Unknown command: {other}\n"), 1),
    }
    (out, 0)
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
