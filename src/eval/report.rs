//! The evaluation report: what happened to each module, and the totals per budget.

use crate::build::failure::{AttemptRecord, FailureClass};
use crate::build::session::{ModuleReport, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The agent as the reports name it: `openai qwen`, or `command` alone for a provider
/// with no model (an agent program, a manual run), without a space left dangling.
pub fn agent_label(provider: &str, model: &str) -> String {
    if model.is_empty() {
        provider.to_string()
    } else {
        format!("{provider} {model}")
    }
}

/// How the evaluation ran: enough to run it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// ghost's version.
    pub ghost: String,
    /// The command line, as typed.
    pub command: String,
    /// The spec set (the folder given).
    pub specs: String,
    pub provider: String,
    pub model: String,
    #[serde(default)]
    pub base_url: Option<String>,
    pub concurrency: u32,
    /// Seconds since the Unix epoch when the run started.
    pub started: u64,
    /// The whole run, wall clock.
    pub wall_ms: u64,
    /// Stopped by Ctrl-C: only the modules that finished are reported.
    #[serde(default)]
    pub interrupted: bool,
    /// The agent stopped some module before its budget (a refused key, a server that
    /// stayed down, the token budget): the figures measure the failure, not the model.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub agent_stopped: bool,
}

/// One module of the spec set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleResult {
    pub module: String,
    /// The attempt that turned it green, if one did.
    pub green_at: Option<u32>,
    /// Not attempted because a module it uses did not turn green.
    #[serde(default)]
    pub skipped: bool,
    /// Why it ended not green (the build's last reason), if it did.
    #[serde(default)]
    pub why: Option<String>,
    pub attempts: Vec<AttemptRecord>,
}

/// The totals for one attempt budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Attempts allowed per module.
    pub attempts: u32,
    pub modules: usize,
    /// Green within the budget.
    pub green: usize,
    /// Green on the first attempt.
    pub first_attempt_green: usize,
    /// `green` as a percentage of `modules`.
    pub green_percent: f64,
    /// Attempts made within the budget, over all modules.
    pub attempts_used: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// (tokens in + out) / green modules; `None` when none is green.
    pub tokens_per_green: Option<u64>,
    /// The time of the attempts within the budget, summed over modules (not wall clock:
    /// modules run concurrently).
    pub attempt_ms: u64,
    /// Failed attempts within the budget, by class.
    pub failures: BTreeMap<FailureClass, u32>,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub run: RunInfo,
    pub modules: Vec<ModuleResult>,
    pub budgets: Vec<Budget>,
}

impl ModuleResult {
    /// The module's result, from the build's report of it.
    pub fn from_report(r: &ModuleReport) -> ModuleResult {
        let green_at = r
            .outcome
            .is_green()
            .then(|| {
                r.history
                    .iter()
                    .find(|a| a.failure.is_none())
                    .map(|a| a.attempt)
            })
            .flatten();
        ModuleResult {
            module: r.module.clone(),
            green_at,
            skipped: matches!(r.outcome, Outcome::Skipped { .. }),
            why: r.outcome.why(),
            attempts: r.history.clone(),
        }
    }

    /// Attempts made within a budget of `n`.
    pub fn within(&self, n: u32) -> impl Iterator<Item = &AttemptRecord> {
        self.attempts.iter().filter(move |a| a.attempt <= n)
    }

    pub fn green_within(&self, n: u32) -> bool {
        self.green_at.is_some_and(|g| g <= n)
    }
}

impl Budget {
    /// The totals of `modules` had each been given `attempts` attempts.
    pub fn of(attempts: u32, modules: &[ModuleResult]) -> Budget {
        let green = modules.iter().filter(|m| m.green_within(attempts)).count();
        let first_attempt_green = modules.iter().filter(|m| m.green_within(1)).count();
        let mut b = Budget {
            attempts,
            modules: modules.len(),
            green,
            first_attempt_green,
            green_percent: percent(green, modules.len()),
            attempts_used: 0,
            tokens_in: 0,
            tokens_out: 0,
            tokens_per_green: None,
            attempt_ms: 0,
            failures: BTreeMap::new(),
        };
        for a in modules.iter().flat_map(|m| m.within(attempts)) {
            b.attempts_used += 1;
            b.tokens_in += a.tokens_in;
            b.tokens_out += a.tokens_out;
            b.attempt_ms += a.millis;
            if let Some(class) = a.failure {
                *b.failures.entry(class).or_default() += 1;
            }
        }
        b.tokens_per_green = (green > 0).then(|| (b.tokens_in + b.tokens_out) / green as u64);
        b
    }
}

impl EvalReport {
    /// The report of one run, with the totals of every budget in `budgets`.
    pub fn new(run: RunInfo, reports: &[ModuleReport], budgets: &[u32]) -> EvalReport {
        let modules: Vec<ModuleResult> = reports.iter().map(ModuleResult::from_report).collect();
        let budgets = budgets.iter().map(|&n| Budget::of(n, &modules)).collect();
        EvalReport {
            run,
            modules,
            budgets,
        }
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    // One decimal, so that JSON stays readable.
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::build::failure::AttemptKind;
    use crate::plan::state::State;

    pub(crate) fn record(attempt: u32, failure: Option<FailureClass>) -> AttemptRecord {
        AttemptRecord {
            attempt,
            failure,
            tokens_in: 100,
            tokens_out: 10,
            millis: 1_000,
            ..AttemptRecord::default()
        }
    }

    pub(crate) fn report(name: &str, history: Vec<AttemptRecord>, green: bool) -> ModuleReport {
        let mut r = ModuleReport::new(name, State::Missing);
        r.attempts = history.len() as u32;
        r.history = history;
        r.outcome = if green {
            Outcome::Adopted
        } else {
            Outcome::Exhausted {
                why: "attempts ran out".into(),
            }
        };
        r
    }

    pub(crate) fn sample() -> Vec<ModuleReport> {
        use FailureClass::*;
        vec![
            report("a.first", vec![record(1, None)], true),
            report(
                "a.third",
                vec![
                    AttemptRecord {
                        tidied: vec!["dropped `fn main`: imp.rs is part of a library".into()],
                        ..record(1, Some(CompileError))
                    },
                    AttemptRecord {
                        spliced: true,
                        kind: AttemptKind::Repair,
                        crossed: Some("`decode` of attempt 1".into()),
                        ..record(2, Some(FailingExample))
                    },
                    AttemptRecord {
                        compiler_fixes: 1,
                        kind: AttemptKind::Fresh,
                        mutant: Some("deleted `if b == 0 { return 0; }` in `gcd`".into()),
                        ..record(3, None)
                    },
                ],
                true,
            ),
            report(
                "a.never",
                vec![
                    record(1, Some(CompileError)),
                    record(2, Some(CompileError)),
                    record(3, Some(NoCode)),
                    record(4, Some(FailingProperty)),
                ],
                false,
            ),
        ]
    }

    #[test]
    fn a_smaller_budget_is_read_off_the_first_attempts() {
        let e = EvalReport::new(
            RunInfo {
                ghost: "0".into(),
                command: "ghost eval".into(),
                specs: "evals".into(),
                provider: "openai".into(),
                model: "m".into(),
                base_url: None,
                concurrency: 1,
                started: 0,
                wall_ms: 0,
                interrupted: false,
                agent_stopped: false,
            },
            &sample(),
            &[1, 4],
        );
        assert_eq!(e.modules[1].green_at, Some(3));
        assert_eq!(e.modules[2].green_at, None);
        let one = &e.budgets[0];
        assert_eq!((one.green, one.first_attempt_green, one.modules), (1, 1, 3));
        assert_eq!(one.attempts_used, 3);
        assert_eq!(one.tokens_per_green, Some(330));
        assert_eq!(one.failures[&FailureClass::CompileError], 2);
        assert_eq!(one.green_percent, 33.3);
        let four = &e.budgets[1];
        assert_eq!((four.green, four.first_attempt_green), (2, 1));
        assert_eq!(four.attempts_used, 8);
        assert_eq!(four.tokens_per_green, Some(440));
        assert_eq!(four.failures[&FailureClass::CompileError], 3);
        assert_eq!(four.failures[&FailureClass::NoCode], 1);
        assert_eq!(four.attempt_ms, 8_000);
        let json = serde_json::to_string(&e).expect("serializes");
        let back: EvalReport = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, e);
    }
}
