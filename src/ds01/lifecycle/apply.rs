//! Carry out a plan: stop (SIGTERM, then SIGKILL after the grace) or
//! remove, each logged with its reason, the owner told on the container's
//! terminals before a stop; then the idle streaks are saved.  A removal is
//! the engine's plain one, which refuses a container that was started
//! again since it was looked at.

use super::log::Log;
use super::plan::{Act, Action, Decision, StreakUpdate};
use super::render::{action_line, note_line, Attempt};
use super::state::StreakStore;
use crate::engine::Engine;

/// Apply every action of `decisions` (in order); one attempt per decision.
pub fn actions(engine: &Engine, decisions: &[Decision], log: &mut Log, now: u64) -> Vec<Attempt> {
    decisions
        .iter()
        .map(|d| {
            for n in &d.notes {
                let _ = log.line(now, &note_line(d, n));
            }
            let a = d.action.as_ref()?;
            let result = act(engine, d, a);
            let outcome = match &result {
                Ok(()) => "done".to_string(),
                Err(e) => format!("FAILED: {e}"),
            };
            if let Err(e) = log.line(now, &format!("{} ... {outcome}", action_line(d, a))) {
                return Some(Err(format!("{outcome}; and {e}")));
            }
            Some(result)
        })
        .collect()
}

fn act(engine: &Engine, d: &Decision, a: &Action) -> Result<(), String> {
    match a.act {
        Act::Stop { grace_s } => {
            tell(engine, d, a, grace_s);
            engine
                .stop_within(&d.name, grace_s)
                .map_err(|e| e.to_string())
        }
        Act::Remove => engine.remove_container(&d.name).map_err(|e| e.to_string()),
    }
}

/// A line on every terminal open in the container (best effort: a
/// container without terminals, or without `sh`, is told nothing).
fn tell(engine: &Engine, d: &Decision, a: &Action, grace_s: u32) {
    let base = d.name.split("._.").next().unwrap_or(&d.name);
    let message = format!(
        "\r\nds01: this container stops in {grace_s}s: {}.\r\n\
         ds01: files in your workspace are kept; start it again with: container-start {base}\r\n",
        a.reason
    );
    let script = "for t in /dev/pts/[0-9]*; do [ -w \"$t\" ] && printf '%s' \"$1\" > \"$t\"; done 2>/dev/null; true";
    let _ = engine.exec_output(&d.name, &["sh", "-c", script, "ds01", &message]);
}

/// Save the streaks the plan updated, and forget the records of
/// containers that are gone.
pub fn streaks(store: &StreakStore, decisions: &[Decision], known: &[String]) -> Vec<String> {
    let mut errors = Vec::new();
    for d in decisions.iter().filter(|d| super::state::valid_id(&d.id)) {
        let result = match d.streak {
            StreakUpdate::Set(s) => store.save(&d.id, s),
            StreakUpdate::Clear => store.remove(&d.id),
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    for id in known {
        if !decisions.iter().any(|d| &d.id == id) {
            if let Err(e) = store.remove(id) {
                errors.push(e);
            }
        }
    }
    errors
}
