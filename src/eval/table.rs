//! The evaluation as a table for the terminal: one line per module, then one per budget.

use super::report::{Budget, EvalReport, ModuleResult};
use crate::build::failure::{AttemptKind, AttemptRecord, FailureClass};
use std::fmt::Write;

/// The whole report as text, ready to print.
pub fn table(e: &EvalReport) -> String {
    let mut s = String::new();
    let max = e.budgets.iter().map(|b| b.attempts).max().unwrap_or(1);
    let _ = writeln!(
        s,
        "ghost eval: {} module{} of {}, {} ({:.0}s){}",
        e.modules.len(),
        if e.modules.len() == 1 { "" } else { "s" },
        e.run.specs,
        super::report::agent_label(&e.run.provider, &e.run.model),
        e.run.wall_ms as f64 / 1000.0,
        if e.run.interrupted {
            "; interrupted: only the modules that finished"
        } else {
            ""
        }
    );
    let width = e
        .modules
        .iter()
        .map(|m| m.module.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        s,
        "\n{:<width$}  {:<5}  {:<6}  {:>8}  {:>15}  {:>7}  failed attempts",
        "module", "first", "green", "attempts", "tokens in/out", "time"
    );
    for m in &e.modules {
        let _ = writeln!(s, "{}", module_line(m, max, width));
    }
    let _ = writeln!(
        s,
        "\n{:>6}  {:>13}  {:>13}  {:>10}  {:>10}  {:>12}  {:>8}",
        "budget", "green", "first attempt", "tokens in", "tokens out", "tokens/green", "time"
    );
    for b in &e.budgets {
        let _ = writeln!(s, "{}", budget_line(b));
    }
    if let Some(b) = e.budgets.iter().max_by_key(|b| b.attempts) {
        if !b.failures.is_empty() {
            let list: Vec<String> = b
                .failures
                .iter()
                .map(|(class, n)| format!("{} {n}", class.name()))
                .collect();
            let _ = writeln!(
                s,
                "failed attempts within {} (by class): {}",
                b.attempts,
                list.join(", ")
            );
        }
    }
    let attempts: Vec<_> = e.modules.iter().flat_map(|m| m.within(max)).collect();
    // The attempts that were not first prompts, and which of them turned a module green.
    let count = |kind: AttemptKind| {
        let of: Vec<_> = attempts.iter().filter(|a| a.kind == kind).collect();
        let green = of.iter().filter(|a| a.failure.is_none()).count();
        (of.len(), green)
    };
    let (repairs, repaired) = count(AttemptKind::Repair);
    let (fresh, fresh_green) = count(AttemptKind::Fresh);
    if repairs + fresh > 0 {
        let _ = writeln!(
            s,
            "repairs: {repairs} ({repaired} green); fresh starts: {fresh} ({fresh_green} green)"
        );
    }
    // What ghost did to replies before testing them, without asking the model again.
    let tidied = attempts.iter().filter(|a| !a.tidied.is_empty()).count();
    let spliced = attempts.iter().filter(|a| a.spliced).count();
    // How many attempts got one of ghost's changes, and how many of those were green.
    let got = |changed: &dyn Fn(&&AttemptRecord) -> bool| {
        let of: Vec<_> = attempts.iter().filter(|a| changed(a)).collect();
        let green = of.iter().filter(|a| a.failure.is_none()).count();
        (of.len(), green)
    };
    let fixed = got(&|a| a.compiler_fixes > 0);
    let mutated = got(&|a| a.mutant.is_some());
    let crossed = got(&|a| a.crossed.is_some());
    if tidied + fixed.0 + mutated.0 + spliced + crossed.0 > 0 {
        let _ = writeln!(
            s,
            "replies tidied: {tidied} of {}; rustc's fixes applied to {} ({} then green); ghost's small edits to {} ({} then green); repairs answered with only the functions asked for: {spliced}; crossed with earlier attempts' functions: {} ({} then green)",
            attempts.len(),
            fixed.0,
            fixed.1,
            mutated.0,
            mutated.1,
            crossed.0,
            crossed.1
        );
    }
    s
}

fn module_line(m: &ModuleResult, max: u32, width: usize) -> String {
    let first = if m.green_within(1) { "yes" } else { "no" };
    let green = match m.green_at {
        Some(1) => "yes".to_string(),
        Some(n) => format!("yes@{n}"),
        None if m.skipped => "skip".to_string(),
        None => "no".to_string(),
    };
    let used: Vec<_> = m.within(max).collect();
    let tin: u64 = used.iter().map(|a| a.tokens_in).sum();
    let tout: u64 = used.iter().map(|a| a.tokens_out).sum();
    let ms: u64 = used.iter().map(|a| a.millis).sum();
    let failures: Vec<&str> = used
        .iter()
        .filter_map(|a| a.failure.map(FailureClass::name))
        .collect();
    format!(
        "{:<width$}  {:<5}  {:<6}  {:>8}  {:>15}  {:>6.1}s  {}",
        m.module,
        first,
        green,
        used.len(),
        format!("{tin}/{tout}"),
        ms as f64 / 1000.0,
        if failures.is_empty() {
            "-".to_string()
        } else {
            failures.join(", ")
        }
    )
}

fn budget_line(b: &Budget) -> String {
    format!(
        "{:>6}  {:>13}  {:>13}  {:>10}  {:>10}  {:>12}  {:>7.0}s",
        b.attempts,
        format!("{}/{} ({:.0}%)", b.green, b.modules, b.green_percent),
        b.first_attempt_green,
        b.tokens_in,
        b.tokens_out,
        b.tokens_per_green
            .map_or_else(|| "-".to_string(), |t| t.to_string()),
        b.attempt_ms as f64 / 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::sample;
    use super::super::report::{EvalReport, RunInfo};
    use super::table;

    /// A run of `provider` and `model` on `evals`, of twelve seconds.
    fn run(provider: &str, model: &str) -> RunInfo {
        RunInfo {
            ghost: "0".into(),
            command: "ghost eval".into(),
            specs: "evals".into(),
            provider: provider.into(),
            model: model.into(),
            base_url: None,
            concurrency: 2,
            started: 0,
            wall_ms: 12_000,
            interrupted: false,
            agent_stopped: false,
        }
    }

    #[test]
    fn the_table_shows_modules_and_budgets() {
        let e = EvalReport::new(run("openai", "qwen"), &sample(), &[1, 4]);
        insta::assert_snapshot!(table(&e));
    }

    /// An agent program has no model: the headline names the provider alone, with no
    /// double space where the model would be.
    #[test]
    fn the_headline_of_a_run_without_a_model_has_no_gap() {
        let mut e = EvalReport::new(run("command", ""), &sample(), &[1]);
        let headline = table(&e).lines().next().unwrap_or_default().to_string();
        assert_eq!(headline, "ghost eval: 3 modules of evals, command (12s)");
        e.run.model = "a-model".into();
        assert!(
            table(&e).starts_with("ghost eval: 3 modules of evals, command a-model (12s)"),
            "{}",
            table(&e)
        );
    }
}
