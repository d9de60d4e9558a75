//! Before and after: an evaluation compared with an earlier one (`--compare OLD.json`).

use super::report::EvalReport;
use std::fmt::Write;

/// What changed from `old` to `new`: each budget's green share, first-attempt greens and
/// tokens per green module, and the modules that turned green or stopped being green.
pub fn compare(old: &EvalReport, new: &EvalReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "compared with the run of {} {} ({} modules):",
        old.run.provider,
        old.run.model,
        old.modules.len()
    );
    // Shares of two different module sets, or of a run that stopped early, are no
    // before/after: said first, so that nobody reads the figures below as one.
    let in_new = |name: &str| new.modules.iter().any(|m| m.module == name);
    let shared = old.modules.iter().filter(|m| in_new(&m.module)).count();
    if shared != old.modules.len() || shared != new.modules.len() {
        let _ = writeln!(
            s,
            "  warning: the runs cover different modules ({shared} shared, {} in the old, {} in the new): the shares below do not compare like for like",
            old.modules.len(),
            new.modules.len()
        );
    }
    for (which, r) in [("old", old), ("new", new)] {
        if r.run.interrupted {
            let _ = writeln!(
                s,
                "  warning: the {which} run was interrupted; it covers the modules that finished"
            );
        }
        if r.run.agent_stopped {
            let _ = writeln!(
                s,
                "  warning: in the {which} run the agent stopped before the budget (a refused key, a server down, the token budget): its figures measure that, not the model"
            );
        }
    }
    for b in &new.budgets {
        let Some(o) = old.budgets.iter().find(|o| o.attempts == b.attempts) else {
            let _ = writeln!(s, "  budget {}: not in the old run", b.attempts);
            continue;
        };
        let tokens = match (o.tokens_per_green, b.tokens_per_green) {
            (Some(a), Some(n)) => format!("{a} -> {n} tokens/green ({:+.0}%)", change(a, n)),
            (a, n) => format!(
                "{} -> {} tokens/green",
                a.map_or("-".into(), |t| t.to_string()),
                n.map_or("-".into(), |t| t.to_string())
            ),
        };
        let _ = writeln!(
            s,
            "  budget {}: green {:.0}% -> {:.0}% ({:+.1} points); first attempt {} -> {}; {tokens}",
            b.attempts,
            o.green_percent,
            b.green_percent,
            share(b.green, b.modules) - share(o.green, o.modules),
            o.first_attempt_green,
            b.first_attempt_green,
        );
    }
    let max = new.budgets.iter().map(|b| b.attempts).max().unwrap_or(1);
    let was_green = |name: &str| {
        old.modules
            .iter()
            .find(|m| m.module == name)
            .map(|m| m.green_within(max))
    };
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    for m in &new.modules {
        match (was_green(&m.module), m.green_within(max)) {
            (Some(false), true) => gained.push(m.module.as_str()),
            (Some(true), false) => lost.push(m.module.as_str()),
            _ => {}
        }
    }
    if !gained.is_empty() {
        let _ = writeln!(s, "  green now (within {max}): {}", gained.join(", "));
    }
    if !lost.is_empty() {
        let _ = writeln!(s, "  no longer green (within {max}): {}", lost.join(", "));
    }
    let new_only: Vec<&str> = new
        .modules
        .iter()
        .filter(|m| was_green(&m.module).is_none())
        .map(|m| m.module.as_str())
        .collect();
    if !new_only.is_empty() {
        let _ = writeln!(s, "  not in the old run: {}", new_only.join(", "));
    }
    let old_only: Vec<&str> = old
        .modules
        .iter()
        .filter(|m| !in_new(&m.module))
        .map(|m| m.module.as_str())
        .collect();
    if !old_only.is_empty() {
        let _ = writeln!(s, "  not in the new run: {}", old_only.join(", "));
    }
    s
}

/// `part` of `whole` in percent, unrounded (rounded figures would make 66.7 - 33.3 = 33.4).
fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    part as f64 * 100.0 / whole as f64
}

fn change(old: u64, new: u64) -> f64 {
    if old == 0 {
        return 0.0;
    }
    (new as f64 - old as f64) * 100.0 / old as f64
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{record, report, sample};
    use super::super::report::{EvalReport, RunInfo};
    use super::compare;

    fn run() -> RunInfo {
        RunInfo {
            ghost: "0".into(),
            command: "ghost eval".into(),
            specs: "evals".into(),
            provider: "openai".into(),
            model: "qwen".into(),
            base_url: None,
            concurrency: 2,
            started: 0,
            wall_ms: 0,
            interrupted: false,
            agent_stopped: false,
        }
    }

    #[test]
    fn changes_per_budget_and_per_module() {
        let old = EvalReport::new(run(), &sample(), &[1, 4]);
        let mut reports = sample();
        reports[2] = report("a.never", vec![record(1, None)], true);
        let new = EvalReport::new(run(), &reports, &[1, 4]);
        let text = compare(&old, &new);
        assert!(
            text.contains("budget 1: green 33% -> 67% (+33.3 points); first attempt 1 -> 2"),
            "{text}"
        );
        assert!(text.contains("green now (within 4): a.never"), "{text}");
        assert!(!text.contains("no longer green"), "{text}");
        assert!(!text.contains("warning"), "{text}");
    }

    #[test]
    fn other_module_sets_and_interrupted_runs_are_flagged() {
        let mut stopped = run();
        stopped.agent_stopped = true;
        let old = EvalReport::new(stopped, &sample(), &[1, 4]);
        let mut reports = sample();
        let dropped = reports.remove(0).module;
        let mut interrupted = run();
        interrupted.interrupted = true;
        let new = EvalReport::new(interrupted, &reports, &[1, 4]);
        let text = compare(&old, &new);
        assert!(
            text.contains("warning: the runs cover different modules"),
            "{text}"
        );
        assert!(
            text.contains("warning: the new run was interrupted"),
            "{text}"
        );
        assert!(
            text.contains(&format!("not in the new run: {dropped}")),
            "{text}"
        );
    }
}
