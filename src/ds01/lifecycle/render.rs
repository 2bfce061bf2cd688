//! The run's report: a line per action, held rule and problem, then a
//! summary; or the same as JSON (`--json`).  A dry run prints the same
//! lines, each marked `dry run:`, and no results.

use super::plan::{duration, Act, Action, Decision, Note};
use serde_json::{json, Value};

/// How an action went (None: not attempted, as in a dry run).
pub type Attempt = Option<Result<(), String>>;

/// The line of an action, the same in a dry run and a real one (the log
/// gets it too).
pub fn action_line(d: &Decision, a: &Action) -> String {
    let verb = match a.act {
        Act::Stop { .. } => "stop",
        Act::Remove => "remove",
    };
    let grace = match a.act {
        Act::Stop { grace_s } => format!(", SIGTERM grace {}", duration(u64::from(grace_s))),
        Act::Remove => String::new(),
    };
    format!(
        "{verb} {} ({}): {}{grace}",
        d.name,
        owner(&d.owner),
        a.reason
    )
}

fn owner(o: &str) -> String {
    if o.is_empty() {
        "owner unknown".into()
    } else {
        format!("owner {o}")
    }
}

pub fn note_line(d: &Decision, n: &Note) -> String {
    match n {
        Note::Held { rule, why } => format!(
            "held {} ({}): {} is due, but {why}",
            d.name,
            owner(&d.owner),
            rule.key()
        ),
        Note::Problem(why) => format!(
            "problem {} ({}): {why}; nothing done to it",
            d.name,
            owner(&d.owner)
        ),
    }
}

/// The human report.
pub fn human(decisions: &[Decision], results: &[Attempt], dry_run: bool) -> String {
    let mut text = String::new();
    let mark = if dry_run { "dry run: " } else { "" };
    let (mut stopped, mut removed, mut held, mut problems, mut failed) = (0, 0, 0, 0, 0);
    for (d, r) in decisions.iter().zip(results) {
        if let Some(a) = &d.action {
            let outcome = match r {
                Some(Ok(())) => " ... done".to_string(),
                Some(Err(e)) => {
                    failed += 1;
                    format!(" ... FAILED: {e}")
                }
                None => String::new(),
            };
            if !matches!(r, Some(Err(_))) {
                match a.act {
                    Act::Stop { .. } => stopped += 1,
                    Act::Remove => removed += 1,
                }
            }
            text.push_str(&format!("{mark}{}{outcome}\n", action_line(d, a)));
        }
        for n in &d.notes {
            match n {
                Note::Held { .. } => held += 1,
                Note::Problem(_) => problems += 1,
            }
            text.push_str(&format!("{mark}{}\n", note_line(d, n)));
        }
    }
    let (stop_word, remove_word) = if dry_run {
        ("to stop", "to remove")
    } else {
        ("stopped", "removed")
    };
    text.push_str(&format!(
        "{mark}ds01-lifecycle: {} containers checked, {stopped} {stop_word}, {removed} {remove_word}, \
         {held} held, {problems} problems{}\n",
        decisions.len(),
        if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        }
    ));
    text
}

/// The JSON report.
pub fn json(decisions: &[Decision], results: &[Attempt], dry_run: bool, now: u64) -> String {
    let mut actions = Vec::new();
    let mut held = Vec::new();
    let mut problems = Vec::new();
    for (d, r) in decisions.iter().zip(results) {
        if let Some(a) = &d.action {
            actions.push(action_json(d, a, r));
        }
        for n in &d.notes {
            match n {
                Note::Held { rule, why } => held.push(json!({
                    "container": d.name, "owner": d.owner, "rule": rule.key(), "why": why,
                })),
                Note::Problem(why) => problems.push(json!({
                    "container": d.name, "owner": d.owner, "problem": why,
                })),
            }
        }
    }
    let report = json!({
        "dry_run": dry_run,
        "now": now,
        "checked": decisions.len(),
        "actions": actions,
        "held": held,
        "problems": problems,
        "error": Value::Null,
    });
    format!("{report:#}\n")
}

fn action_json(d: &Decision, a: &Action, r: &Attempt) -> Value {
    let (verb, grace) = match a.act {
        Act::Stop { grace_s } => ("stop", json!(grace_s)),
        Act::Remove => ("remove", Value::Null),
    };
    let result = match r {
        None => Value::Null,
        Some(Ok(())) => json!("done"),
        Some(Err(e)) => json!(format!("failed: {e}")),
    };
    json!({
        "container": d.name,
        "owner": d.owner,
        "action": verb,
        "rule": a.rule.key(),
        "reason": a.reason,
        "sigterm_grace_s": grace,
        "result": result,
    })
}

/// A run that could not be made, as JSON.
pub fn json_error(dry_run: bool, now: u64, error: &str) -> String {
    let report = json!({
        "dry_run": dry_run, "now": now, "checked": 0,
        "actions": [], "held": [], "problems": [], "error": error,
    });
    format!("{report:#}\n")
}

#[cfg(test)]
mod tests {
    use super::super::plan::{Rule, StreakUpdate};
    use super::*;

    fn decision() -> Decision {
        Decision {
            id: "i".into(),
            name: "demo._.2001".into(),
            owner: "alice".into(),
            action: Some(Action {
                act: Act::Stop { grace_s: 60 },
                rule: Rule::Runtime,
                reason: "running for 24h (limit max_runtime_h: 24h)".into(),
            }),
            notes: vec![],
            streak: StreakUpdate::Clear,
        }
    }

    #[test]
    fn a_dry_run_prints_the_same_lines_marked() {
        let d = [decision()];
        let real = human(&d, &[Some(Ok(()))], false);
        let dry = human(&d, &[None], true);
        let line = "stop demo._.2001 (owner alice): running for 24h (limit max_runtime_h: 24h), SIGTERM grace 1m";
        assert!(real.starts_with(&format!("{line} ... done\n")), "{real}");
        assert!(dry.starts_with(&format!("dry run: {line}\n")), "{dry}");
        assert!(dry.contains("1 to stop"), "{dry}");
    }

    #[test]
    fn json_names_the_rule_and_result() {
        let v: Value = serde_json::from_str(&json(&[decision()], &[None], true, 5)).unwrap();
        assert_eq!(v["actions"][0]["rule"], "max_runtime_h");
        assert_eq!(v["actions"][0]["result"], Value::Null);
        assert_eq!(v["dry_run"], true);
    }
}
