//! Stage 8, eval (beside the CLI): how well an agent turns a spec set into green code.
//!
//! In: the module reports of one build of a spec set from scratch (the build stage's
//! [`ModuleReport`](crate::build::session::ModuleReport)s, each with its attempt
//! history) and the attempt budgets to report. Out: an [`EvalReport`] per module and per
//! budget (green after the first attempt, green within the budget, attempts, tokens, time,
//! the class of every failed attempt), rendered as a table (`table.rs`), as JSON, and
//! compared with an earlier report (`compare.rs`).
//!
//! Budgets share one run: attempt `k` of a module is the same whatever the budget (the
//! prompts and temperatures of attempts `1..k` never depend on it), so a budget of 1 is
//! read off the first attempts of a run with budget 4 instead of costing its own tokens.

mod compare;
mod report;
mod table;

pub use compare::{compare, Comparison};
pub use report::{agent_label, Budget, EvalReport, ModuleResult, RunInfo};
pub use table::table;
