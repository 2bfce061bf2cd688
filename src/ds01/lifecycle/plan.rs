//! The rules, as a pure function: given what is known of each container,
//! its resolved limits, its idle streak, the GPUs' utilization and the
//! clock, what to do and why.  Nothing here reads or changes anything, so
//! a dry run and a real run make the same plan.

use super::rules::{Exemptions, Limits};
use crate::policy::utilization::Utilization;

/// Where a container is in its life, with the moment that matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Running, paused or restarting, since `started_at`.
    Running { started_at: u64 },
    /// Created and never started.
    Created { created_at: u64 },
    /// Stopped at `finished_at` (None: the engine has no valid stop time).
    Exited { finished_at: Option<u64> },
    /// Being removed, or a state we do not act on.
    Other,
}

/// The GPUs a container holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gpus {
    None,
    Slots(Vec<String>),
    /// It holds GPUs, but which slots cannot be said (why).
    Unknown(String),
}

/// Whether the owner asked to keep the container (its keep marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    No,
    Asked,
    /// The marker could not be checked (why).
    Unknown(String),
}

/// What is known of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub id: String,
    pub name: String,
    /// Empty when nothing says.
    pub owner: String,
    /// `atomic`, `orchestration`, `docker`, `devcontainer`, ...
    pub kind: String,
    pub phase: Phase,
    pub gpus: Gpus,
    pub keep: Keep,
}

/// The consecutive idle samples of a running GPU container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streak {
    pub samples: u32,
    /// The first idle sample of the streak.
    pub idle_since: u64,
}

/// What becomes of a container's streak record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreakUpdate {
    Clear,
    Set(Streak),
}

/// Which limit a decision is about (named by its configuration key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Idle,
    Runtime,
    GpuHold,
    ContainerHold,
    NeverStarted,
}

impl Rule {
    pub fn key(self) -> &'static str {
        match self {
            Rule::Idle => "idle_timeout_h",
            Rule::Runtime => "max_runtime_h",
            Rule::GpuHold => "gpu_hold_after_stop_h",
            Rule::ContainerHold => "container_hold_after_stop_h",
            Rule::NeverStarted => "created_container_timeout_m",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// SIGTERM, then SIGKILL after `grace_s`.
    Stop {
        grace_s: u32,
    },
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub act: Act,
    pub rule: Rule,
    pub reason: String,
}

/// Why a due rule did not act, or why nothing could be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Held { rule: Rule, why: String },
    Problem(String),
}

/// The plan for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub action: Option<Action>,
    pub notes: Vec<Note>,
    pub streak: StreakUpdate,
}

/// The inputs of one container's decision besides its facts.
pub struct Inputs<'a> {
    pub limits: Result<&'a Limits, &'a str>,
    pub streak: Option<Streak>,
    /// None: not read (no running GPU container needed it).
    pub utilization: Option<&'a Utilization>,
    pub now: u64,
}

/// Decide for one container.
pub fn decide(f: &Facts, input: &Inputs) -> Decision {
    let mut d = Decision {
        id: f.id.clone(),
        name: f.name.clone(),
        owner: f.owner.clone(),
        action: None,
        notes: Vec::new(),
        streak: StreakUpdate::Clear,
    };
    let limits = match input.limits {
        Ok(l) => l,
        Err(why) => {
            d.notes.push(Note::Problem(why.to_string()));
            // Keep counting: a broken limit is no reason to forget idleness.
            d.streak = input.streak.map_or(StreakUpdate::Clear, StreakUpdate::Set);
            return d;
        }
    };
    match &f.phase {
        Phase::Running { started_at } => running(f, *started_at, limits, input, &mut d),
        Phase::Created { created_at } => {
            let due = due(Rule::NeverStarted, limits.created_s, *created_at, input.now);
            removal(f, &[due], &limits.exempt, &mut d);
        }
        Phase::Exited { finished_at } => exited(f, *finished_at, limits, input.now, &mut d),
        Phase::Other => {}
    }
    d
}

/// A rule whose limit has been reached: (rule, reason); None when the
/// limit is never or not reached yet.  At the threshold it is due.
type Due = Option<(Rule, String)>;

fn due(rule: Rule, limit_s: Option<u64>, since: u64, now: u64) -> Due {
    let limit = limit_s?;
    let elapsed = now.checked_sub(since)?;
    (elapsed >= limit).then(|| {
        let what = match rule {
            Rule::Runtime => "running for",
            Rule::NeverStarted => "created, never started, for",
            _ => "stopped for",
        };
        (
            rule,
            format!(
                "{what} {} (limit {}: {})",
                duration(elapsed),
                rule.key(),
                duration(limit)
            ),
        )
    })
}

fn running(f: &Facts, started_at: u64, limits: &Limits, input: &Inputs, d: &mut Decision) {
    if f.gpus == Gpus::None {
        return; // GPU access is what the limits are for.
    }
    let stop = Act::Stop {
        grace_s: limits.grace_s,
    };
    if let Some((rule, reason)) = due(Rule::Runtime, limits.runtime_s, started_at, input.now) {
        match limits.exempt.of(rule) {
            Some(why) => d.notes.push(Note::Held { rule, why }),
            None => {
                d.action = Some(Action {
                    act: stop,
                    rule,
                    reason,
                });
                return;
            }
        }
    }
    idle(f, started_at, limits, input, d);
}

/// The idle rule: a streak of `window` consecutive idle samples, idle for
/// at least the timeout since the streak's first sample.
fn idle(f: &Facts, started_at: u64, limits: &Limits, input: &Inputs, d: &mut Decision) {
    let Some(timeout) = limits.idle_s else {
        return;
    };
    if input.now.saturating_sub(started_at) < limits.startup_grace_s {
        return; // Just started: not sampled yet.
    }
    let busy = match busy(&f.gpus, input.utilization, limits.idle_below) {
        Ok(busy) => busy,
        Err(why) => {
            d.notes.push(Note::Problem(why));
            d.streak = input.streak.map_or(StreakUpdate::Clear, StreakUpdate::Set);
            return;
        }
    };
    if busy {
        return;
    }
    let streak = match input.streak {
        Some(s) if s.idle_since <= input.now => Streak {
            samples: s.samples.saturating_add(1),
            idle_since: s.idle_since,
        },
        _ => Streak {
            samples: 1,
            idle_since: input.now,
        },
    };
    d.streak = StreakUpdate::Set(streak);
    let idle_for = input.now - streak.idle_since;
    if streak.samples < limits.window || idle_for < timeout {
        return;
    }
    let reason = format!(
        "GPU idle for {} ({} checks below {}%) (limit {}: {})",
        duration(idle_for),
        streak.samples,
        limits.idle_below,
        Rule::Idle.key(),
        duration(timeout)
    );
    match limits.exempt.of(Rule::Idle) {
        Some(why) => d.notes.push(Note::Held {
            rule: Rule::Idle,
            why,
        }),
        None => {
            d.action = Some(Action {
                act: Act::Stop {
                    grace_s: limits.grace_s,
                },
                rule: Rule::Idle,
                reason,
            });
            d.streak = StreakUpdate::Clear;
        }
    }
}

/// Whether any of the container's GPU slots is at or above `below` percent.
fn busy(gpus: &Gpus, utilization: Option<&Utilization>, below: u32) -> Result<bool, String> {
    let slots = match gpus {
        Gpus::Slots(slots) => slots,
        Gpus::Unknown(why) => return Err(why.clone()),
        Gpus::None => return Ok(true),
    };
    let u = utilization.ok_or("the GPUs' utilization was not read")?;
    let mut any = false;
    for slot in slots {
        let percent = u
            .get(slot)
            .ok_or_else(|| format!("no utilization figure for GPU slot {slot}"))?;
        any |= *percent >= below;
    }
    Ok(any)
}

fn exited(f: &Facts, finished_at: Option<u64>, limits: &Limits, now: u64, d: &mut Decision) {
    let Some(stopped) = finished_at else {
        d.notes.push(Note::Problem(
            "stopped, but the engine gives no valid stop time".into(),
        ));
        return;
    };
    let gpu = if f.gpus == Gpus::None {
        None
    } else {
        due(Rule::GpuHold, limits.gpu_hold_s, stopped, now)
    };
    let container = due(Rule::ContainerHold, limits.container_hold_s, stopped, now);
    removal(f, &[gpu, container], &limits.exempt, d);
}

/// Remove for the first due rule that no exemption holds, unless the
/// owner asked to keep the container or that cannot be checked.
fn removal(f: &Facts, due: &[Due], exempt: &Exemptions, d: &mut Decision) {
    for (rule, reason) in due.iter().flatten() {
        if let Some(why) = exempt.of(*rule) {
            d.notes.push(Note::Held { rule: *rule, why });
            continue;
        }
        match &f.keep {
            Keep::No => {
                d.action = Some(Action {
                    act: Act::Remove,
                    rule: *rule,
                    reason: reason.clone(),
                })
            }
            Keep::Asked => d.notes.push(Note::Held {
                rule: *rule,
                why: format!("its owner asked to keep it ({})", super::KEEP_MARKER),
            }),
            Keep::Unknown(why) => d.notes.push(Note::Problem(format!(
                "cannot tell whether its owner asked to keep it: {why}"
            ))),
        }
        return;
    }
}

/// `1h05m`, `35m`, `40s`: a duration as the lines show it.
pub fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
