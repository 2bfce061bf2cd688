//! The report: failing sessions with short diffs, per-set counts, deviations, and the closing
//! line `compat: N passed, M failed`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::replay::{SessionResult, SetSummary, Verdict};

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

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub deviations: usize,
    pub deviations_matching: usize,
}

pub fn totals<'a>(results: impl IntoIterator<Item = &'a SessionResult>) -> Totals {
    let mut t = Totals::default();
    for r in results {
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

fn session_block(r: &SessionResult, detail: Detail) -> String {
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
        let lines: Vec<&str> = p.diff.lines().collect();
        let shown = match detail {
            Detail::Full => lines.len(),
            _ => lines.len().min(SHORT_DIFF_LINES),
        };
        let _ = writeln!(s, "  [{}]", p.what);
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
                missing.entry(cmd.as_str()).or_default().push(r.id.as_str());
                continue;
            }
            if !r.passed() {
                out.push_str(&session_block(r, detail));
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
        let _ = writeln!(
            out,
            "{}: {} sessions: {} passed, {} failed ({} not implemented), {} deviations; {:.0}s of replay",
            set.name,
            set.results.len(),
            t.passed,
            t.failed,
            not_impl,
            t.deviations,
            seconds
        );
    }
    for id in ratchet_failures {
        let _ = writeln!(out, "ratchet: {id} is listed as passing but did not pass");
    }
    let all = totals(sets.iter().flat_map(|s| s.results.iter()));
    let _ = writeln!(out, "work dir: {work_dir}");
    let _ = writeln!(
        out,
        "deviations: {} ({} match the original, {} differ)",
        all.deviations,
        all.deviations_matching,
        all.deviations - all.deviations_matching
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

/// Listed ids that were replayed (not deviations) and did not pass.
pub fn ratchet_failures(listed: &[String], sets: &[SetSummary]) -> Vec<String> {
    let results: BTreeMap<&str, &SessionResult> = sets
        .iter()
        .flat_map(|s| s.results.iter())
        .map(|r| (r.id.as_str(), r))
        .collect();
    let mut seen = BTreeSet::new();
    listed
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .filter(|id| {
            results
                .get(id.as_str())
                .is_some_and(|r| !r.deviation && !r.passed())
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Problem;

    fn result(id: &str, passed: bool, deviation: bool) -> SessionResult {
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
            deviation,
            notes: vec![],
            not_implemented: None,
            seconds: 0.0,
        }
    }

    #[test]
    fn report_and_ratchet() {
        let sets = vec![SetSummary {
            name: "s".into(),
            results: vec![
                result("s/a", true, false),
                result("s/b", false, false),
                result("s/c", true, true),
                result("s/d", false, true),
            ],
            warnings: vec![],
        }];
        let text = render(&sets, Detail::Short, &[], "/tmp/w");
        assert!(text.ends_with(
            "deviations: 2 (1 match the original, 1 differ)\ncompat: 1 passed, 1 failed\n"
        ));
        assert!(text.contains("FAIL s/b: stdout differs"));
        assert!(text.contains("10 more diff lines"));
        assert!(!text.contains("FAIL s/a"));
        assert_eq!(passing_ids(&sets), ["s/a"]);
        let listed = parse_ratchet("# passing\ns/a\ns/b\ns/d\nother/x\n");
        assert_eq!(ratchet_failures(&listed, &sets), ["s/b"]);
        let quiet = render(&sets, Detail::Quiet, &["s/b".into()], "/tmp/w");
        assert!(!quiet.contains("-l0"));
        assert!(quiet.contains("ratchet: s/b"));
    }
}
