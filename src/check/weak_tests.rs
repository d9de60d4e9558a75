//! Clauses whose acceptance tests pass whatever the code does: warnings (W03xx), not
//! errors, for a spec is still valid with them, only weaker than its author thinks.
//!
//! In: one checked module without errors. Out: the warnings of its examples, `ensures`,
//! properties, scenarios and snapshots:
//! - W0301: a clause that runs none of the module's code (`example len("hi") == 2`, an
//!   `ensures` that never mentions `result`);
//! - W0302: a snapshot whose value is a constant (it pins what the spec wrote);
//! - W0303: a comparison that holds whatever its values are (`f(x) == f(x)`,
//!   `len(result) >= 0`, `f(x) > 0 || true`);
//! - W0304: a property variable its body (after `=>`) never uses, so its cases repeat
//!   one test;
//! - W0305: a function or method no clause of the module calls: its `ensures` never runs
//!   and any code with its signature passes.
//!
//! Only what is certain is reported: a clause that calls the module's code in any way,
//! however weakly, is not W0301.

use super::model::{Builtin, ModuleModel, NfrModel, Property, Step, TExpr, TExprKind, Ty};
use crate::diagnostics::Kind;
use crate::syntax::ast::{BinaryOp, Span};
use std::collections::HashSet;

/// Every warning of `model`, whose spec's text is `text`, with where it points.
pub(crate) fn weak_tests(model: &ModuleModel, text: &str) -> Vec<(Span, Kind)> {
    let mut out = Vec::new();
    let own = |e: &TExpr| calls_own(&model.name, e);
    for f in model.functions_and_methods() {
        for ex in &f.examples {
            if own(&ex.expr) {
                always_true(&ex.expr, &mut out);
            } else {
                out.push((ex.span, tests_nothing("example", model)));
            }
        }
        for en in &f.ensures {
            if ensures_sees_code(model, &en.expr) {
                always_true(&en.expr, &mut out);
            } else {
                out.push((en.span, tests_nothing("ensures", model)));
            }
        }
        for p in &f.properties {
            property(model, p, &mut out);
        }
    }
    for sc in &model.scenarios {
        if !sc.steps.iter().any(|s| own(step_expr(s))) {
            out.push((sc.span, tests_nothing("scenario", model)));
            continue;
        }
        for s in &sc.steps {
            if let Step::Expect { expr, .. } = s {
                always_true(expr, &mut out);
            }
        }
    }
    untested(model, text, &mut out);
    for sn in &model.snapshots {
        if !sn.value.any(&mut |e| {
            matches!(
                e.kind,
                TExprKind::Call { .. } | TExprKind::MethodCall { .. } | TExprKind::Local(_)
            )
        }) {
            out.push((sn.value.span, Kind::ConstantSnapshot));
        } else if !sn.steps.iter().any(|s| own(step_expr(s))) && !own(&sn.value) {
            out.push((sn.span, tests_nothing("snapshot", model)));
        }
    }
    out
}

/// W0305 for each function or method that no test runs: called by no example, property,
/// scenario, snapshot or timing, nor by the `requires`/`ensures` of a function that is
/// (a contract runs only when its function is called).
fn untested(model: &ModuleModel, text: &str, out: &mut Vec<(Span, Kind)>) {
    type Key = (Option<String>, String);
    let calls_in = |e: &TExpr, into: &mut HashSet<Key>| {
        e.any(&mut |e| {
            if let TExprKind::Call { func, .. } | TExprKind::MethodCall { func, .. } = &e.kind {
                if func.module == model.name {
                    into.insert((func.owner.clone(), func.name.clone()));
                }
            }
            false
        });
    };
    let mut called: HashSet<Key> = HashSet::new();
    let mut note = |e: &TExpr| calls_in(e, &mut called);
    for f in model.functions_and_methods() {
        for c in &f.examples {
            note(&c.expr);
        }
        for p in &f.properties {
            note(&p.body);
            p.filter.iter().for_each(&mut note);
        }
    }
    for sc in &model.scenarios {
        sc.steps.iter().for_each(|s| note(step_expr(s)));
    }
    for sn in &model.snapshots {
        sn.steps.iter().for_each(|s| note(step_expr(s)));
        note(&sn.value);
    }
    for n in &model.nfrs {
        if let NfrModel::Perf { call, .. } = &n.kind {
            note(call);
        }
    }
    // What the contracts of called functions call, until nothing new is reached.
    loop {
        let mut reached = called.clone();
        for f in model.functions_and_methods() {
            if called.contains(&(f.owner.clone(), f.name.clone())) {
                for c in f.requires.iter().chain(&f.ensures) {
                    calls_in(&c.expr, &mut reached);
                }
            }
        }
        if reached.len() == called.len() {
            break;
        }
        called = reached;
    }
    for f in model.functions_and_methods() {
        if !called.contains(&(f.owner.clone(), f.name.clone())) {
            let name = match &f.owner {
                Some(owner) => format!("{owner}.{}", f.name),
                None => f.name.clone(),
            };
            out.push((signature_span(f.span, text), Kind::Untested { name }));
        }
    }
}

/// The part of a function's `span` before its body: the signature, not every clause.
fn signature_span(span: Span, text: &str) -> Span {
    let end = text
        .get(span.start..span.end)
        .and_then(|t| t.find(['{', '\n']))
        .map_or(span.end, |n| {
            span.start + text[span.start..span.start + n].trim_end().len()
        });
    Span::new(span.start, end)
}

fn tests_nothing(clause: &'static str, model: &ModuleModel) -> Kind {
    Kind::TestsNothing {
        clause,
        module: model.name.clone(),
    }
}

fn property(model: &ModuleModel, p: &Property, out: &mut Vec<(Span, Kind)>) {
    let ranges = p
        .binders
        .iter()
        .filter_map(|b| b.range.as_ref())
        .flat_map(|(lo, hi)| [lo, hi]);
    let runs_code = calls_own(&model.name, &p.body)
        || p.filter.as_ref().is_some_and(|f| calls_own(&model.name, f))
        || ranges.into_iter().any(|e| calls_own(&model.name, e));
    if !runs_code {
        out.push((p.span, tests_nothing("property", model)));
        // Its variables and comparisons are beside the point until it tests the code.
        return;
    }
    for b in &p.binders {
        let mut reads = |e: &TExpr| matches!(&e.kind, TExprKind::Local(n) if *n == b.name);
        // A bound of another variable's range counts: `forall n: int in 1..9, i: int in
        // 0..n => f(i)` draws `i` by `n`.
        let used = p.body.any(&mut reads)
            || p.binders
                .iter()
                .filter_map(|o| o.range.as_ref())
                .any(|(lo, hi)| lo.any(&mut reads) || hi.any(&mut reads));
        if !used {
            out.push((
                p.span,
                Kind::UnusedBinder {
                    name: b.name.clone(),
                },
            ));
        }
    }
    always_true(&p.body, out);
}

/// The expression of a scenario's or snapshot's step.
fn step_expr(s: &Step) -> &TExpr {
    match s {
        Step::Let { value, .. } => value,
        Step::Expect { expr, .. } | Step::Do { expr } => expr,
    }
}

/// Whether `e` calls a function or method of module `module`.
fn calls_own(module: &str, e: &TExpr) -> bool {
    e.any(&mut |e| match &e.kind {
        TExprKind::Call { func, .. } | TExprKind::MethodCall { func, .. } => func.module == module,
        _ => false,
    })
}

/// Whether an `ensures` reads what the code made: `result` (an `ensures` is allowed only
/// on a function that returns one), or a call of the module's code.
fn ensures_sees_code(model: &ModuleModel, e: &TExpr) -> bool {
    calls_own(&model.name, e) || e.any(&mut |e| matches!(e.kind, TExprKind::ResultValue))
}

/// W0303 for every comparison in `e` that holds whatever its values are.
fn always_true(e: &TExpr, out: &mut Vec<(Span, Kind)>) {
    e.any(&mut |e| {
        if let TExprKind::Binary { op, lhs, rhs } = &e.kind {
            if let Some(why) = holds_always(*op, lhs, rhs) {
                out.push((e.span, Kind::AlwaysTrue { why }));
            }
        }
        false
    });
}

/// Why `lhs op rhs` is true whatever the code returns, if it is.
fn holds_always(op: BinaryOp, lhs: &TExpr, rhs: &TExpr) -> Option<String> {
    let reflexive = matches!(op, BinaryOp::Eq | BinaryOp::Le | BinaryOp::Ge);
    // A float compared with itself is false for NaN, which is a thing worth testing; a
    // `mut self` call changes what the second side sees.
    if reflexive && lhs.ty != Ty::Float && !mutates(lhs) && same(lhs, rhs) {
        return Some(format!(
            "both sides of `{}` are the same expression",
            op.symbol()
        ));
    }
    let is_len = |e: &TExpr| {
        matches!(
            e.kind,
            TExprKind::Builtin {
                op: Builtin::Len,
                ..
            }
        )
    };
    // `f(x) > 0 || true`: the clause is decided before the code's side is looked at.
    if op == BinaryOp::Or
        && [lhs, rhs]
            .iter()
            .any(|e| matches!(e.kind, TExprKind::Bool(true)))
    {
        return Some("`|| true` holds whatever the other side is".to_string());
    }
    let is_zero = |e: &TExpr| matches!(e.kind, TExprKind::Int(0));
    let never_negative = (op == BinaryOp::Ge && is_len(lhs) && is_zero(rhs))
        || (op == BinaryOp::Le && is_zero(lhs) && is_len(rhs));
    never_negative.then(|| "a `len` is never negative".to_string())
}

/// Whether `e` calls a `mut self` method.
fn mutates(e: &TExpr) -> bool {
    e.any(&mut |e| matches!(&e.kind, TExprKind::MethodCall { func, .. } if func.receiver == Some(true)))
}

/// Whether two expressions are the same but for where they are written.
fn same(a: &TExpr, b: &TExpr) -> bool {
    /// The expression as data, without its spans.
    fn shape(e: &TExpr) -> serde_json::Value {
        let mut v = serde_json::to_value(e).unwrap_or_default();
        drop_spans(&mut v);
        v
    }
    fn drop_spans(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(fields) => {
                fields.remove("span");
                fields.values_mut().for_each(drop_spans);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_spans),
            _ => {}
        }
    }
    // Most comparisons hold two different kinds of expression (`f(1) == 3`), or trees of
    // different sizes: told apart at once, without building either's data, which took
    // most of a whole-project check's time in this pass.
    let size = |e: &TExpr| {
        let mut n = 0usize;
        e.any(&mut |_| {
            n += 1;
            false
        });
        n
    };
    a.ty == b.ty
        && std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind)
        && size(a) == size(b)
        && shape(a) == shape(b)
}
