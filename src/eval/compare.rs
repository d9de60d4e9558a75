//! Before and after: an evaluation compared with an earlier one (`--compare OLD.json`).

use super::report::EvalReport;

/// What changed from `old` to `new`, as `--compare` prints it and `--json` carries it
/// (`compare`): each budget's green share, first-attempt greens and tokens per green
/// module, and the modules that turned green or stopped being green.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// The old run's provider and model.
    pub old_run: String,
    pub old_modules: usize,
    /// Reasons the figures do not compare like for like (other modules, a run that
    /// stopped early); empty when they do.
    pub warnings: Vec<String>,
    pub budgets: Vec<BudgetChange>,
    /// The budget the module lists are for (the largest).
    pub within: u32,
    pub green_now: Vec<String>,
    pub no_longer_green: Vec<String>,
    pub not_in_old: Vec<String>,
    pub not_in_new: Vec<String>,
}

/// One budget before and after (`None`: the budget is not in the old run).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetChange {
    pub attempts: u32,
    pub old: Option<BudgetFigures>,
    pub new: BudgetFigures,
    /// The change of the green share, in points (unrounded shares).
    pub green_points: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetFigures {
    pub green_percent: f64,
    pub first_attempt_green: usize,
    pub tokens_per_green: Option<u64>,
}

impl Comparison {
    pub fn of(old: &EvalReport, new: &EvalReport) -> Comparison {
        let mut warnings = Vec::new();
        // Shares of two different module sets, or of a run that stopped early, are no
        // before/after: said first, so that nobody reads the figures below as one.
        let in_new = |name: &str| new.modules.iter().any(|m| m.module == name);
        let shared = old.modules.iter().filter(|m| in_new(&m.module)).count();
        if shared != old.modules.len() || shared != new.modules.len() {
            warnings.push(format!(
                "the runs cover different modules ({shared} shared, {} in the old, {} in the new): the shares below do not compare like for like",
                old.modules.len(),
                new.modules.len()
            ));
        }
        for (which, r) in [("old", old), ("new", new)] {
            if r.run.interrupted {
                warnings.push(format!(
                    "the {which} run was interrupted; it covers the modules that finished"
                ));
            }
            if r.run.agent_stopped {
                warnings.push(format!(
                    "in the {which} run the agent stopped before the budget (a refused key, a server down, the token budget): its figures measure that, not the model"
                ));
            }
        }
        let figures = |b: &super::report::Budget| BudgetFigures {
            green_percent: b.green_percent,
            first_attempt_green: b.first_attempt_green,
            tokens_per_green: b.tokens_per_green,
        };
        let budgets = new
            .budgets
            .iter()
            .map(|b| {
                let o = old.budgets.iter().find(|o| o.attempts == b.attempts);
                BudgetChange {
                    attempts: b.attempts,
                    old: o.map(figures),
                    new: figures(b),
                    green_points: o.map(|o| share(b.green, b.modules) - share(o.green, o.modules)),
                }
            })
            .collect();
        let within = new.budgets.iter().map(|b| b.attempts).max().unwrap_or(1);
        let was_green = |name: &str| {
            old.modules
                .iter()
                .find(|m| m.module == name)
                .map(|m| m.green_within(within))
        };
        let mut c = Comparison {
            old_run: super::report::agent_label(&old.run.provider, &old.run.model),
            old_modules: old.modules.len(),
            warnings,
            budgets,
            within,
            green_now: Vec::new(),
            no_longer_green: Vec::new(),
            not_in_old: Vec::new(),
            not_in_new: Vec::new(),
        };
        for m in &new.modules {
            let name = m.module.clone();
            match (was_green(&m.module), m.green_within(within)) {
                (Some(false), true) => c.green_now.push(name),
                (Some(true), false) => c.no_longer_green.push(name),
                (None, _) => c.not_in_old.push(name),
                _ => {}
            }
        }
        c.not_in_new = old
            .modules
            .iter()
            .filter(|m| !in_new(&m.module))
            .map(|m| m.module.clone())
            .collect();
        c
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "compared with the run of {} ({} module{}):",
            self.old_run,
            self.old_modules,
            if self.old_modules == 1 { "" } else { "s" }
        )?;
        for w in &self.warnings {
            writeln!(f, "  warning: {w}")?;
        }
        for b in &self.budgets {
            let (Some(o), Some(points)) = (&b.old, b.green_points) else {
                writeln!(f, "  budget {}: not in the old run", b.attempts)?;
                continue;
            };
            let n = &b.new;
            let tokens = match (o.tokens_per_green, n.tokens_per_green) {
                (Some(a), Some(n)) => format!("{a} -> {n} tokens/green ({:+.0}%)", change(a, n)),
                (a, n) => format!(
                    "{} -> {} tokens/green",
                    a.map_or("-".into(), |t| t.to_string()),
                    n.map_or("-".into(), |t| t.to_string())
                ),
            };
            writeln!(
                f,
                "  budget {}: green {:.0}% -> {:.0}% ({points:+.1} points); first attempt {} -> {}; {tokens}",
                b.attempts,
                o.green_percent,
                n.green_percent,
                o.first_attempt_green,
                n.first_attempt_green,
            )?;
        }
        let within = self.within;
        for (label, list) in [
            (format!("green now (within {within})"), &self.green_now),
            (
                format!("no longer green (within {within})"),
                &self.no_longer_green,
            ),
            ("not in the old run".to_string(), &self.not_in_old),
            ("not in the new run".to_string(), &self.not_in_new),
        ] {
            if !list.is_empty() {
                writeln!(f, "  {label}: {}", list.join(", "))?;
            }
        }
        Ok(())
    }
}

/// What changed from `old` to `new`, as text (see [`Comparison`]).
pub fn compare(old: &EvalReport, new: &EvalReport) -> String {
    Comparison::of(old, new).to_string()
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
