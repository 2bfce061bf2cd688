//! The report: failing sessions with short diffs, per-set counts, deviations, and the closing
//! line `compat: N passed, M failed`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::replay::{SessionResult, SetSummary, Verdict};
use crate::snapshot::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// No diffs.
    Quiet,
    /// The first lines of each diff.
    Short,
    /// Whole diffs.
    Full,
}

const SHORT_DIFF_LINES: usize = 20;

/// Every session counts once: passed, failed, or a deviation (one that is as its snapshot
/// says; a deviation whose output changed is failed).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub deviations: usize,
    pub deviations_matching: usize,
    /// Deviations whose output is not their snapshot's (counted in `failed`).
    pub deviations_changed: usize,
}

pub fn totals<'a>(results: impl IntoIterator<Item = &'a SessionResult>) -> Totals {
    let mut t = Totals::default();
    for r in results {
        if r.deviation_changed() {
            t.failed += 1;
            t.deviations_changed += 1;
            continue;
        }
        match (r.deviation, r.passed()) {
            (true, m) => {
                t.deviations += 1;
                if m {
                    t.deviations_matching += 1;
                }
            }
            (false, true) => t.passed += 1,
            (false, false) => t.failed += 1,
        }
    }
    t
}

fn push_diff(s: &mut String, what: &str, diff: &str, detail: Detail) {
    let lines: Vec<&str> = diff.lines().collect();
    let shown = match detail {
        Detail::Full => lines.len(),
        _ => lines.len().min(SHORT_DIFF_LINES),
    };
    let _ = writeln!(s, "  [{what}]");
    for l in &lines[..shown] {
        let _ = writeln!(s, "  {l}");
    }
    if shown < lines.len() {
        let _ = writeln!(
            s,
            "  ... ({} more diff lines; -v shows all)",
            lines.len() - shown
        );
    }
}

/// A changed deviation: what its snapshot says against what this run printed.
fn changed_block(r: &SessionResult, detail: Detail) -> String {
    let mut s = String::new();
    let Some(check) = &r.snapshot else {
        return s;
    };
    match &check.state {
        State::Changed(diff) => {
            let _ = writeln!(
                s,
                "FAIL {}: deviation changed: our output is not what {} holds \
                 (compat-tests/run --update-deviations, once the change is meant)",
                r.id,
                check.path.display()
            );
            if detail != Detail::Quiet {
                for n in &r.notes {
                    let _ = writeln!(s, "  note: {n}");
                }
                push_diff(&mut s, "snapshot -> this run", diff, detail);
            }
        }
        State::Missing(why) => {
            let _ = writeln!(
                s,
                "FAIL {}: deviation without a snapshot: {why} \
                 (compat-tests/run --update-deviations writes it)",
                r.id
            );
        }
        State::Same | State::Written => {}
    }
    s
}

fn session_block(r: &SessionResult, detail: Detail) -> String {
    if r.deviation_changed() {
        return changed_block(r, detail);
    }
    let mut s = String::new();
    let tag = if r.deviation {
        "DEVIATION (differs)"
    } else {
        "FAIL"
    };
    let Verdict::Failed { reason, problems } = &r.verdict else {
        return s;
    };
    let _ = writeln!(s, "{tag} {}: {reason}", r.id);
    if detail == Detail::Quiet {
        return s;
    }
    for n in &r.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    for p in problems.iter().filter(|p| !p.diff.is_empty()) {
        push_diff(&mut s, &p.what, &p.diff, detail);
    }
    s
}

/// The whole report text (ends with the `compat:` line).
pub fn render(
    sets: &[SetSummary],
    detail: Detail,
    ratchet_failures: &[String],
    work_dir: &str,
) -> String {
    let mut out = String::new();
    for set in sets {
        for w in &set.warnings {
            let _ = writeln!(out, "warning ({}): {w}", set.name);
        }
        // Not-implemented sessions: one line per command, not per session.
        let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in &set.results {
            if let Some(cmd) = &r.not_implemented {
                if !r.deviation_changed() {
                    missing.entry(cmd.as_str()).or_default().push(r.id.as_str());
                    continue;
                }
            }
            if !r.passed() || r.deviation_changed() {
                out.push_str(&session_block(r, detail));
            }
            if let Some(c) = r.snapshot.as_ref().filter(|c| c.state == State::Written) {
                let _ = writeln!(out, "snapshot written: {} ({})", r.id, c.path.display());
            }
        }
        for (cmd, ids) in &missing {
            if detail == Detail::Full {
                for id in ids {
                    let _ = writeln!(out, "FAIL {id}: not implemented: {cmd}");
                }
            } else {
                let _ = writeln!(
                    out,
                    "FAIL {} session(s) of {}: not implemented: {cmd} (e.g. {})",
                    ids.len(),
                    set.name,
                    ids.first().copied().unwrap_or_default()
                );
            }
        }
    }
    let _ = writeln!(out);
    for set in sets {
        let t = totals(&set.results);
        let not_impl = set
            .results
            .iter()
            .filter(|r| r.not_implemented.is_some())
            .count();
        let seconds = set.results.iter().fold(0.0, |acc, r| acc + r.seconds);
        let changed = if t.deviations_changed > 0 {
            format!(", {} changed deviations", t.deviations_changed)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}: {} sessions: {} passed, {} failed ({} not implemented{changed}), {} deviations; {:.0}s of replay",
            set.name,
            set.results.len(),
            t.passed,
            t.failed,
            not_impl,
            t.deviations,
            seconds
        );
    }
    for line in ratchet_failures {
        let _ = writeln!(out, "ratchet: {line}");
    }
    let all = totals(sets.iter().flat_map(|s| s.results.iter()));
    let _ = writeln!(out, "work dir: {work_dir}");
    let _ = writeln!(
        out,
        "deviations: {} ({} match the original, {} differ; as in their snapshots{})",
        all.deviations,
        all.deviations_matching,
        all.deviations - all.deviations_matching,
        if all.deviations_changed > 0 {
            format!(
                "; {} more changed from their snapshots: counted as failed",
                all.deviations_changed
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(out, "compat: {} passed, {} failed", all.passed, all.failed);
    out
}

/// `seconds id` per replayed session, slowest first (the work dir's timings.txt).
pub fn timings(sets: &[SetSummary]) -> String {
    let mut all: Vec<(f64, &str)> = sets
        .iter()
        .flat_map(|s| s.results.iter())
        .filter(|r| r.not_implemented.is_none())
        .map(|r| (r.seconds, r.id.as_str()))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    all.iter()
        .map(|(s, id)| format!("{s:7.2} {id}\n"))
        .collect()
}

/// Ids that passed (deviations excluded), sorted.
pub fn passing_ids(sets: &[SetSummary]) -> Vec<String> {
    sets.iter()
        .flat_map(|s| s.results.iter())
        .filter(|r| r.passed() && !r.deviation)
        .map(|r| r.id.clone())
        .collect()
}

/// Ids listed in a ratchet file (blank lines and `#` comments ignored).
pub fn parse_ratchet(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the ratchet looks at: the ids listed as passing (None: no passing list given), the
/// deviations of docs/deviations.md, and the `--filter` of the run.
pub struct Ratchet<'a> {
    pub passing: Option<&'a [String]>,
    pub deviations: &'a BTreeSet<String>,
    pub filter: Option<&'a str>,
}

/// Why the ratchet fails, one line each (empty: it holds):
/// - a session listed as passing that did not pass (a deviation: whose snapshot changed), or
///   that does not exist in a set that was replayed;
/// - a deviation whose output is not its snapshot's, or that has no snapshot;
/// - a deviation of a replayed set that names no session.
///
/// Sessions left out by `--filter` and sets not replayed are not checked.
pub fn ratchet_failures(ratchet: &Ratchet<'_>, sets: &[SetSummary]) -> Vec<String> {
    let results: BTreeMap<&str, &SessionResult> = sets
        .iter()
        .flat_map(|s| s.results.iter())
        .map(|r| (r.id.as_str(), r))
        .collect();
    let replayed_sets: BTreeSet<&str> = sets.iter().map(|s| s.name.as_str()).collect();
    // A listed id the run should have replayed.
    let in_scope = |id: &str| {
        id.split_once('/')
            .is_some_and(|(set, _)| replayed_sets.contains(set))
            && ratchet.filter.map_or(true, |f| id.contains(f))
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for id in ratchet.passing.unwrap_or_default() {
        if !seen.insert(id.as_str()) {
            continue;
        }
        match results.get(id.as_str()) {
            Some(r) if r.deviation => {} // judged by its snapshot, below
            Some(r) if !r.passed() => {
                out.push(format!("{id} is listed as passing but did not pass"));
            }
            Some(_) => {}
            None if in_scope(id) => out.push(format!(
                "{id} is listed as passing but no such session was replayed"
            )),
            None => {}
        }
    }
    for r in results.values().filter(|r| r.deviation) {
        match r.snapshot.as_ref().map(|c| (&c.state, &c.path)) {
            Some((State::Changed(_), path)) => out.push(format!(
                "{} is a deviation whose output changed from its snapshot {}",
                r.id,
                path.display()
            )),
            Some((State::Missing(why), _)) => out.push(format!(
                "{} is a deviation without a snapshot ({why})",
                r.id
            )),
            _ => {}
        }
    }
    for id in ratchet.deviations {
        if in_scope(id) && !results.contains_key(id.as_str()) {
            out.push(format!(
                "{id} is listed in docs/deviations.md but no such session was replayed"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Problem;
    use crate::snapshot::Check;

    fn result(id: &str, passed: bool, deviation: Option<State>) -> SessionResult {
        SessionResult {
            id: id.into(),
            verdict: if passed {
                Verdict::Passed
            } else {
                Verdict::Failed {
                    reason: "stdout differs".into(),
                    problems: vec![Problem {
                        what: "stdout differs".into(),
                        diff: (0..30).map(|i| format!("-l{i}\n")).collect(),
                    }],
                }
            },
            deviation: deviation.is_some(),
            snapshot: deviation.map(|state| Check {
                path: format!("/snap/{id}.out").into(),
                state,
            }),
            notes: vec![],
            not_implemented: None,
            seconds: 0.0,
        }
    }

    fn sets() -> Vec<SetSummary> {
        vec![SetSummary {
            name: "s".into(),
            results: vec![
                result("s/a", true, None),
                result("s/b", false, None),
                result("s/c", true, Some(State::Same)),
                result("s/d", false, Some(State::Same)),
                result("s/e", false, Some(State::Changed("-|x\n+|y\n".into()))),
                result("s/f", false, Some(State::Missing("no file".into()))),
            ],
            warnings: vec![],
        }]
    }

    #[test]
    fn report_and_ratchet() {
        let sets = sets();
        let text = render(&sets, Detail::Short, &[], "/tmp/w");
        assert!(
            text.ends_with(
                "deviations: 2 (1 match the original, 1 differ; as in their snapshots; \
                 2 more changed from their snapshots: counted as failed)\n\
                 compat: 1 passed, 3 failed\n"
            ),
            "{text}"
        );
        assert!(text.contains("s: 6 sessions: 1 passed, 3 failed (0 not implemented, 2 changed deviations), 2 deviations"));
        assert!(text.contains("FAIL s/b: stdout differs"));
        assert!(text.contains("10 more diff lines"));
        assert!(!text.contains("FAIL s/a"));
        assert!(text.contains("DEVIATION (differs) s/d: stdout differs"));
        assert!(text
            .contains("FAIL s/e: deviation changed: our output is not what /snap/s/e.out holds"));
        assert!(text.contains("  -|x\n  +|y\n"));
        assert!(text.contains("FAIL s/f: deviation without a snapshot: no file"));
        assert_eq!(passing_ids(&sets), ["s/a"]);

        let listed = parse_ratchet("# passing\ns/a\ns/b\ns/d\nother/x\ns/gone\n");
        let deviations: BTreeSet<String> = ["s/c", "s/d", "s/e", "s/f", "s/typo", "other/y"]
            .map(String::from)
            .into();
        let ratchet = Ratchet {
            passing: Some(&listed),
            deviations: &deviations,
            filter: None,
        };
        let failures = ratchet_failures(&ratchet, &sets);
        assert_eq!(
            failures,
            [
                "s/b is listed as passing but did not pass",
                "s/gone is listed as passing but no such session was replayed",
                "s/e is a deviation whose output changed from its snapshot /snap/s/e.out",
                "s/f is a deviation without a snapshot (no file)",
                "s/typo is listed in docs/deviations.md but no such session was replayed",
            ]
        );
        // Out of the filter's reach: not checked.
        let filtered = Ratchet {
            passing: Some(&listed),
            deviations: &deviations,
            filter: Some("/b"),
        };
        assert_eq!(
            ratchet_failures(&filtered, &sets),
            [
                "s/b is listed as passing but did not pass",
                "s/e is a deviation whose output changed from its snapshot /snap/s/e.out",
                "s/f is a deviation without a snapshot (no file)",
            ]
        );
        // Without a passing list, the deviations are still checked.
        let no_list = Ratchet {
            passing: None,
            deviations: &deviations,
            filter: None,
        };
        assert_eq!(ratchet_failures(&no_list, &sets).len(), 3);

        let quiet = render(&sets, Detail::Quiet, &failures, "/tmp/w");
        assert!(!quiet.contains("-l0"));
        assert!(quiet.contains("ratchet: s/b is listed as passing but did not pass"));
    }

    #[test]
    fn written_snapshots_are_reported() {
        let sets = vec![SetSummary {
            name: "s".into(),
            results: vec![result("s/w", false, Some(State::Written))],
            warnings: vec![],
        }];
        let text = render(&sets, Detail::Short, &[], "/tmp/w");
        assert!(
            text.contains("snapshot written: s/w (/snap/s/w.out)"),
            "{text}"
        );
        assert!(text.ends_with("compat: 0 passed, 0 failed\n"), "{text}");
    }
}
