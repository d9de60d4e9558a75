//! A function's examples as Rust assertions, for the prompt: the agent sees exactly the
//! calls the acceptance tests make (`&str` or `String`, `Ok(..)`, `Err(E::V(..))`), not
//! only the spec's notation, which a small model translates wrongly.

use super::expr::{CallMode, ExprCtx};
use super::names::{ident, str_lit};
use super::types::TypeCtx;
use crate::check::{Function, ModuleModel, Scenario, Snapshot, Step, TExpr, TExprKind};

/// `assert_eq!(f(x), y);` for every `example f(x) == y`, `assert!(..);` for the others,
/// written as code inside the crate (`crate::` paths, direct calls).
pub fn example_asserts(module: &ModuleModel, f: &Function) -> Vec<String> {
    let cx = context(module);
    f.examples
        .iter()
        .map(|ex| assertion(&cx, &ex.expr))
        .collect()
}

/// A scenario as the test runs it: `let`s, calls and assertions, one a line.
pub fn scenario_code(module: &ModuleModel, scenario: &Scenario) -> String {
    let mut cx = context(module);
    let mut out = format!("// scenario {}\n", str_lit(&scenario.name));
    out.push_str(&steps(&mut cx, &scenario.steps));
    out
}

/// A snapshot as the test runs it, ending with the value whose `{:?}` is pinned.
pub fn snapshot_code(module: &ModuleModel, snapshot: &Snapshot) -> String {
    let mut cx = context(module);
    let mut out = format!("// snapshot {}\n", str_lit(&snapshot.name));
    out.push_str(&steps(&mut cx, &snapshot.steps));
    out.push_str(&format!(
        "let pinned = format!(\"{{:#?}}\", {});\n",
        cx.reference(&snapshot.value)
    ));
    out
}

fn context(module: &ModuleModel) -> ExprCtx<'_> {
    let types = TypeCtx {
        module: &module.name,
        root: "crate",
    };
    ExprCtx::new(types, module, CallMode::Direct)
}

fn assertion(cx: &ExprCtx, e: &TExpr) -> String {
    match &e.kind {
        TExprKind::Binary { op, lhs, rhs } if op.symbol() == "==" => {
            format!("assert_eq!({}, {});", cx.owned(lhs), cx.owned(rhs))
        }
        TExprKind::Binary { op, lhs, rhs } if op.symbol() == "!=" => {
            format!("assert_ne!({}, {});", cx.owned(lhs), cx.owned(rhs))
        }
        _ => format!("assert!({});", cx.owned(e)),
    }
}

fn steps(cx: &mut ExprCtx, steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Let {
                name,
                mutable,
                value,
            } => {
                let var = ident(name);
                let m = if *mutable { "mut " } else { "" };
                out.push_str(&format!("let {m}{var} = {};\n", cx.owned(value)));
                cx.bind(name, &var, false);
            }
            Step::Expect { expr, .. } => {
                out.push_str(&assertion(cx, expr));
                out.push('\n');
            }
            Step::Do { expr } => out.push_str(&format!("{};\n", cx.owned(expr))),
        }
    }
    out
}
