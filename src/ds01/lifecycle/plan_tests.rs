//! Every rule at its threshold and one second before it.

use super::*;
use crate::ds01::lifecycle::rules::Exemptions;

const T0: u64 = 1_700_000_000;

fn limits() -> Limits {
    Limits {
        idle_s: Some(1800),
        runtime_s: Some(86_400),
        gpu_hold_s: Some(900),
        container_hold_s: Some(1800),
        created_s: Some(1800),
        grace_s: 60,
        window: 3,
        idle_below: 5,
        startup_grace_s: 600,
        exempt: Exemptions::default(),
    }
}

fn facts(phase: Phase, gpus: Gpus) -> Facts {
    Facts {
        id: "c".repeat(64),
        name: "demo._.2001".into(),
        owner: "alice".into(),
        kind: "atomic".into(),
        phase,
        gpus,
        keep: Keep::No,
    }
}

fn gpu() -> Gpus {
    Gpus::Slots(vec!["0".into()])
}

fn util(percent: u32) -> Utilization {
    Utilization::from([("0".to_string(), percent)])
}

fn decide_at(
    f: &Facts,
    l: &Limits,
    streak: Option<Streak>,
    u: Option<&Utilization>,
    now: u64,
) -> Decision {
    decide(
        f,
        &Inputs {
            limits: Ok(l),
            streak,
            utilization: u,
            now,
        },
    )
}

fn rule_of(d: &Decision) -> Option<Rule> {
    d.action.as_ref().map(|a| a.rule)
}

#[test]
fn max_runtime_stops_at_its_limit_with_the_grace() {
    let f = facts(Phase::Running { started_at: T0 }, gpu());
    let u = util(90);
    let before = decide_at(&f, &limits(), None, Some(&u), T0 + 86_399);
    assert_eq!(before.action, None);
    let at = decide_at(&f, &limits(), None, Some(&u), T0 + 86_400);
    let a = at.action.unwrap();
    assert_eq!((a.rule, a.act), (Rule::Runtime, Act::Stop { grace_s: 60 }));
    assert_eq!(a.reason, "running for 24h (limit max_runtime_h: 24h)");
}

#[test]
fn containers_without_gpus_are_not_stopped() {
    let f = facts(Phase::Running { started_at: T0 }, Gpus::None);
    let d = decide_at(&f, &limits(), None, None, T0 + 10 * 86_400);
    assert_eq!(d.action, None);
    assert!(d.notes.is_empty());
}

#[test]
fn idle_needs_the_window_and_the_timeout() {
    let f = facts(Phase::Running { started_at: T0 }, gpu());
    let (l, u) = (limits(), util(4));
    let first = decide_at(&f, &l, None, Some(&u), T0 + 600);
    let s1 = Streak {
        samples: 1,
        idle_since: T0 + 600,
    };
    assert_eq!(first.streak, StreakUpdate::Set(s1));
    assert_eq!(first.action, None);
    // Timeout long past, but only the second sample: not yet.
    let second = decide_at(&f, &l, Some(s1), Some(&u), T0 + 600 + 1800);
    assert_eq!(second.action, None);
    let s2 = Streak {
        samples: 2,
        idle_since: T0 + 600,
    };
    assert_eq!(second.streak, StreakUpdate::Set(s2));
    // Third sample, one second before the timeout: not yet.
    let third = decide_at(&f, &l, Some(s1), Some(&u), T0 + 600 + 1799);
    assert_eq!(third.action, None);
    let s2 = Streak { samples: 2, ..s1 };
    let early = decide_at(&f, &l, Some(s2), Some(&u), T0 + 600 + 1799);
    assert_eq!(early.action, None);
    let due = decide_at(&f, &l, Some(s2), Some(&u), T0 + 600 + 1800);
    assert_eq!(rule_of(&due), Some(Rule::Idle));
    assert_eq!(due.streak, StreakUpdate::Clear);
}

#[test]
fn a_busy_sample_ends_the_streak() {
    let f = facts(Phase::Running { started_at: T0 }, gpu());
    let s = Streak {
        samples: 5,
        idle_since: T0 + 600,
    };
    let d = decide_at(&f, &limits(), Some(s), Some(&util(5)), T0 + 9000);
    assert_eq!(d.action, None);
    assert_eq!(d.streak, StreakUpdate::Clear);
}

#[test]
fn no_idle_sampling_in_the_startup_grace() {
    let f = facts(Phase::Running { started_at: T0 }, gpu());
    let d = decide_at(&f, &limits(), None, Some(&util(0)), T0 + 599);
    assert_eq!(d.streak, StreakUpdate::Clear);
    let d = decide_at(&f, &limits(), None, Some(&util(0)), T0 + 600);
    assert!(matches!(d.streak, StreakUpdate::Set(_)));
}

#[test]
fn unknown_utilization_is_a_problem_not_idle() {
    let f = facts(
        Phase::Running { started_at: T0 },
        Gpus::Slots(vec!["3".into()]),
    );
    let s = Streak {
        samples: 9,
        idle_since: T0,
    };
    let d = decide_at(&f, &limits(), Some(s), Some(&util(0)), T0 + 9000);
    assert_eq!(d.action, None);
    assert!(matches!(d.notes[..], [Note::Problem(_)]), "{:?}", d.notes);
    assert_eq!(
        d.streak,
        StreakUpdate::Set(s),
        "the streak is kept, not grown"
    );
    let unknown = facts(
        Phase::Running { started_at: T0 },
        Gpus::Unknown("by count".into()),
    );
    let d = decide_at(&unknown, &limits(), None, None, T0 + 9000);
    assert!(matches!(d.notes[..], [Note::Problem(_)]));
}

#[test]
fn the_gpu_hold_removes_a_stopped_gpu_container() {
    let f = facts(
        Phase::Exited {
            finished_at: Some(T0),
        },
        gpu(),
    );
    assert_eq!(decide_at(&f, &limits(), None, None, T0 + 899).action, None);
    let d = decide_at(&f, &limits(), None, None, T0 + 900);
    let a = d.action.unwrap();
    assert_eq!((a.rule, a.act), (Rule::GpuHold, Act::Remove));
}

#[test]
fn the_container_hold_removes_any_stopped_container() {
    let f = facts(
        Phase::Exited {
            finished_at: Some(T0),
        },
        Gpus::None,
    );
    assert_eq!(decide_at(&f, &limits(), None, None, T0 + 1799).action, None);
    let d = decide_at(&f, &limits(), None, None, T0 + 1800);
    assert_eq!(rule_of(&d), Some(Rule::ContainerHold));
}

#[test]
fn never_started_containers_go_after_their_timeout() {
    let f = facts(Phase::Created { created_at: T0 }, Gpus::None);
    assert_eq!(decide_at(&f, &limits(), None, None, T0 + 1799).action, None);
    let d = decide_at(&f, &limits(), None, None, T0 + 1800);
    assert_eq!(rule_of(&d), Some(Rule::NeverStarted));
}

#[test]
fn null_limits_never_fire() {
    let l = Limits {
        idle_s: None,
        runtime_s: None,
        gpu_hold_s: None,
        container_hold_s: None,
        created_s: None,
        ..limits()
    };
    let late = T0 + 100 * 86_400;
    for phase in [
        Phase::Running { started_at: T0 },
        Phase::Exited {
            finished_at: Some(T0),
        },
        Phase::Created { created_at: T0 },
    ] {
        let s = Streak {
            samples: 10,
            idle_since: T0,
        };
        let d = decide_at(&facts(phase, gpu()), &l, Some(s), Some(&util(0)), late);
        assert_eq!(d.action, None);
    }
}

#[test]
fn exemptions_hold_the_rule_and_say_so() {
    let mut l = limits();
    l.exempt = Exemptions {
        by_rule: vec![(Rule::Runtime, "Permanent exemption: thesis".into())],
    };
    let f = facts(Phase::Running { started_at: T0 }, gpu());
    let d = decide_at(&f, &l, None, Some(&util(50)), T0 + 86_400);
    assert_eq!(d.action, None);
    assert!(
        matches!(&d.notes[..], [Note::Held { rule: Rule::Runtime, why }] if why.contains("thesis")),
        "{:?}",
        d.notes
    );
    // Exempt from the runtime, not from idleness.
    let s = Streak {
        samples: 2,
        idle_since: T0,
    };
    let d = decide_at(&f, &l, Some(s), Some(&util(0)), T0 + 86_400);
    assert_eq!(rule_of(&d), Some(Rule::Idle));
}

#[test]
fn a_kept_container_is_never_removed() {
    let mut f = facts(
        Phase::Exited {
            finished_at: Some(T0),
        },
        gpu(),
    );
    f.keep = Keep::Asked;
    let d = decide_at(&f, &limits(), None, None, T0 + 86_400);
    assert_eq!(d.action, None);
    assert!(matches!(d.notes[..], [Note::Held { .. }]));
    f.keep = Keep::Unknown("engine error".into());
    let d = decide_at(&f, &limits(), None, None, T0 + 86_400);
    assert_eq!(d.action, None);
    assert!(matches!(d.notes[..], [Note::Problem(_)]));
}

#[test]
fn broken_limits_decide_nothing() {
    let f = facts(
        Phase::Exited {
            finished_at: Some(T0),
        },
        gpu(),
    );
    let d = decide(
        &f,
        &Inputs {
            limits: Err("max_runtime_h is not a duration"),
            streak: None,
            utilization: None,
            now: T0 + 86_400,
        },
    );
    assert_eq!(d.action, None);
    assert!(matches!(d.notes[..], [Note::Problem(_)]));
}

#[test]
fn a_clock_before_the_event_fires_nothing() {
    let f = facts(
        Phase::Exited {
            finished_at: Some(T0),
        },
        gpu(),
    );
    assert_eq!(decide_at(&f, &limits(), None, None, T0 - 5).action, None);
}

#[test]
fn durations_read_well() {
    assert_eq!(duration(40), "40s");
    assert_eq!(duration(1800), "30m");
    assert_eq!(duration(1799), "29m59s");
    assert_eq!(duration(86_400), "24h");
    assert_eq!(duration(3900), "1h05m");
}
