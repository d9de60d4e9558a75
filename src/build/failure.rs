//! Why an attempt failed, in one of a few classes: what `ghost eval` counts and the run
//! log records, so that a change to the prompts or the repair policy can be judged by
//! which kinds of failure it removes.

use super::verify::Verdict;
use serde::{Deserialize, Serialize};

/// The class of one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The reply held no code block, or was cut off.
    NoCode,
    /// The code did not compile (or cargo could not build it).
    CompileError,
    /// An `example` (or an `ensures` checked on one) failed.
    FailingExample,
    /// A `property` failed on a generated input.
    FailingProperty,
    /// A `scenario` failed at one of its steps.
    FailingScenario,
    /// A pinned `snapshot` changed.
    FailingSnapshot,
    /// The tests did not finish within the time limit (a loop, a deadlock).
    Timeout,
    /// The tests passed, but a checked NFR (lint, perf, max_lines, deps, unsafe) did not;
    /// or the code was not run at all, reaching outside memory (files, programs).
    NfrRefused,
    /// The prompt did not fit the model's context window.
    ContextTooLong,
    /// The agent wrote outside its file, its program failed, or its server answered
    /// something unusable.
    AgentError,
}

impl FailureClass {
    /// Every class, in the order reports list them.
    pub const ALL: [FailureClass; 10] = [
        FailureClass::NoCode,
        FailureClass::CompileError,
        FailureClass::FailingExample,
        FailureClass::FailingProperty,
        FailureClass::FailingScenario,
        FailureClass::FailingSnapshot,
        FailureClass::Timeout,
        FailureClass::NfrRefused,
        FailureClass::ContextTooLong,
        FailureClass::AgentError,
    ];

    /// The name used in tables and JSON (`compile_error`).
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::NoCode => "no_code",
            FailureClass::CompileError => "compile_error",
            FailureClass::FailingExample => "failing_example",
            FailureClass::FailingProperty => "failing_property",
            FailureClass::FailingScenario => "failing_scenario",
            FailureClass::FailingSnapshot => "failing_snapshot",
            FailureClass::Timeout => "timeout",
            FailureClass::NfrRefused => "nfr_refused",
            FailureClass::ContextTooLong => "context_too_long",
            FailureClass::AgentError => "agent_error",
        }
    }

    /// The class of a verdict, `None` when it is green. The first cause in the order a
    /// repair has to deal with them: code that does not build hides every test.
    pub fn of(verdict: &Verdict) -> Option<FailureClass> {
        if verdict.green() {
            return None;
        }
        let tests = &verdict.tests;
        if tests.timed_out {
            return Some(FailureClass::Timeout);
        }
        if !tests.errors.is_empty() || tests.cargo_error.is_some() {
            return Some(FailureClass::CompileError);
        }
        if let Some(first) = tests.failed.first() {
            return Some(Self::of_test(&first.name));
        }
        Some(FailureClass::NfrRefused)
    }

    /// The class of a failing test, from the name the compiler gave it.
    fn of_test(name: &str) -> FailureClass {
        let name = name.rsplit("::").next().unwrap_or(name);
        if name.starts_with("property_") {
            FailureClass::FailingProperty
        } else if name.starts_with("scenario_") {
            FailureClass::FailingScenario
        } else if name.starts_with("snapshot") {
            FailureClass::FailingSnapshot
        } else if name.starts_with("perf_") {
            FailureClass::NfrRefused
        } else {
            FailureClass::FailingExample
        }
    }
}

/// What an attempt asked the agent for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptKind {
    /// The first prompt.
    #[default]
    First,
    /// A repair of the best code so far.
    Repair,
    /// The first prompt again, with the lessons of the attempts before it.
    Fresh,
    /// Accepted code shown with what its spec's prose changed since (`revision.rs`).
    Revise,
}

impl AttemptKind {
    /// Whether the prompt shows code to change (a repair's or a revision's), which a
    /// reply may hand back in part or unchanged.
    pub fn shows_code(self) -> bool {
        matches!(self, AttemptKind::Repair | AttemptKind::Revise)
    }
}

/// One attempt of a module, as `ghost eval` and the run log see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// 1 for the first prompt.
    pub attempt: u32,
    /// What it asked for (runs recorded before this was kept read as `first`).
    #[serde(default)]
    pub kind: AttemptKind,
    /// `None`: this attempt was green.
    pub failure: Option<FailureClass>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Of `tokens_in`, those the provider read from its prompt cache.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub cached_in: u64,
    /// From asking the agent to the verdict.
    pub millis: u64,
    /// Rounds of rustc's suggestions applied to the reply before its verdict.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub compiler_fixes: u32,
    /// Ghost's small edits of this attempt's code (`mutants.rs`), which made it green or
    /// made fewer of its tests fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutant: Option<String>,
    /// The reply held only the functions its repair asked for, and they were put into
    /// the code the repair showed (`splice.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spliced: bool,
    /// The functions of other attempts put in place of ones this attempt got wrong (or
    /// this attempt's, into the closest earlier code), when that made the code green or
    /// closer (`crossover.rs`); the attempt's code is then that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossed: Option<String>,
    /// What was taken out of (or added to) the reply before it was tested (`tidy/`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tidied: Vec<String>,
    /// The reply came from the response cache (no tokens spent now).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// The prompt's and the reply's code's lengths, for the run log only.
    #[serde(skip)]
    pub prompt_chars: usize,
    #[serde(skip)]
    pub response_chars: usize,
}

/// For `skip_serializing_if`: a count of zero is left out of the JSON.
pub(super) fn is_zero(n: &u32) -> bool {
    *n == 0
}

pub(super) fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::cargo::{CompilerMessage, TestFailure};

    fn failing(name: &str) -> Verdict {
        let mut v = Verdict::default();
        v.tests.failed.push(TestFailure {
            name: name.into(),
            output: String::new(),
        });
        v
    }

    #[test]
    fn classes_follow_what_broke_first() {
        assert_eq!(FailureClass::of(&Verdict::default()), None);
        assert_eq!(
            FailureClass::of(&failing("property_round_trip")),
            Some(FailureClass::FailingProperty)
        );
        assert_eq!(
            FailureClass::of(&failing("scenario_push_pop")),
            Some(FailureClass::FailingScenario)
        );
        assert_eq!(
            FailureClass::of(&failing("example_3")),
            Some(FailureClass::FailingExample)
        );
        assert_eq!(
            FailureClass::of(&failing("snapshot")),
            Some(FailureClass::FailingSnapshot)
        );
        let mut v = failing("example_1");
        v.tests.errors.push(CompilerMessage {
            level: "error".into(),
            file: None,
            line: None,
            column: None,
            rendered: "error[E0308]".into(),
            suggestion: None,
        });
        assert_eq!(FailureClass::of(&v), Some(FailureClass::CompileError));
        v.tests.timed_out = true;
        assert_eq!(FailureClass::of(&v), Some(FailureClass::Timeout));
        let mut nfr = Verdict::default();
        nfr.checked.push(super::super::verify::NfrResult {
            nfr: "nfr lint".into(),
            ok: false,
            checked: true,
            detail: "clippy".into(),
        });
        assert_eq!(FailureClass::of(&nfr), Some(FailureClass::NfrRefused));
    }

    #[test]
    fn names_are_the_serialized_forms() {
        for class in FailureClass::ALL {
            let json = serde_json::to_string(&class).expect("serializes");
            assert_eq!(json, format!("\"{}\"", class.name()));
        }
    }
}
