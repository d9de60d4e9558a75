//! Examples and timings that break a `requires` with the spec's own constants: `example
//! sq(-2) == 4` or `nfr perf sq(-2) < 1ms` beside `requires x >= 0`. No code can pass
//! such an example or timing (its test checks the precondition before it calls the code),
//! so the checker says so, at the call, before any agent is asked.
//!
//! In: the checked modules. Out: one error (E0320) per call, in an example or an `nfr
//! perf`, whose arguments are all constants and break a clause of the called function's
//! `requires`.
//!
//! Only what evaluates for certain is judged: integers (with the checker's constant
//! folder), booleans, strings and lists of constants, comparisons, `&&`, `||`, `!` and
//! `len`. A clause this evaluator cannot read is never reported.

use super::expr::{arithmetic, int_constant};
use super::model::{Builtin, FnRef, Function, ModuleModel, NfrModel, TExpr, TExprKind};
use crate::syntax::ast::{BinaryOp, UnaryOp};
use std::collections::HashMap;

/// A constant value the evaluator knows.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Bool(bool),
    Str(String),
    List(Vec<Value>),
}

/// A call in an example or a timing whose constant arguments break a `requires` of its
/// callee.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    /// The call (its span is where the error points).
    pub call: TExpr,
    /// The call is an `nfr perf`'s, not an example's.
    pub in_timing: bool,
    /// The callee, as written in the spec (`sq`, `Stack.new`).
    pub callee: String,
    /// The clause as written (`requires x >= 0`).
    pub clause: String,
    /// The arguments, by parameter (`x = -2`).
    pub arguments: String,
}

/// Every call in `module`'s examples and timings that breaks its callee's `requires` with
/// constants. `functions` finds a callee (in this module or one it uses) by its reference.
pub fn broken_requires<'a>(
    module: &ModuleModel,
    functions: &dyn Fn(&FnRef) -> Option<&'a Function>,
) -> Vec<Broken> {
    let examples = module
        .functions
        .iter()
        .chain(module.types.iter().flat_map(|t| &t.methods))
        .flat_map(|f| &f.examples)
        .map(|example| (&example.expr, false));
    let timings = module.nfrs.iter().filter_map(|n| match &n.kind {
        NfrModel::Perf { call, .. } => Some((call, true)),
        _ => None,
    });
    let mut out = Vec::new();
    for (expr, in_timing) in examples.chain(timings) {
        let mut calls = Vec::new();
        surely_called(expr, &mut calls);
        for (call, func, args) in calls {
            let Some(callee) = functions(&func).filter(|f| !f.requires.is_empty()) else {
                continue;
            };
            let Some(values) = args
                .iter()
                .map(|a| value(a, &HashMap::new()))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let bound: HashMap<&str, Value> = callee
                .params
                .iter()
                .map(|(name, _)| name.as_str())
                .zip(values.iter().cloned())
                .collect();
            for clause in &callee.requires {
                if value(&clause.expr, &bound) == Some(Value::Bool(false)) {
                    out.push(Broken {
                        call: call.clone(),
                        in_timing,
                        callee: match &func.owner {
                            Some(owner) => format!("{owner}.{}", func.name),
                            None => func.name.clone(),
                        },
                        clause: clause.source.clone(),
                        arguments: callee
                            .params
                            .iter()
                            .zip(&args)
                            .map(|((name, _), a)| format!("{name} = {}", shown(a)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                    break;
                }
            }
        }
    }
    out
}

/// The calls of `e` that run whenever `e` is evaluated: not those right of a `&&` or a
/// `||`, which the left side may spare (`example true || f(-1) == 1` never calls `f`).
fn surely_called(e: &TExpr, out: &mut Vec<(TExpr, FnRef, Vec<TExpr>)>) {
    match &e.kind {
        TExprKind::Binary {
            op: BinaryOp::And | BinaryOp::Or,
            lhs,
            ..
        } => surely_called(lhs, out),
        TExprKind::Call { func, args } => {
            out.push((e.clone(), func.clone(), args.clone()));
            for a in args {
                surely_called(a, out);
            }
        }
        _ => {
            for c in e.children() {
                surely_called(c, out);
            }
        }
    }
}

/// An argument as the message shows it: its value where it is a plain constant.
fn shown(e: &TExpr) -> String {
    match value(e, &HashMap::new()) {
        Some(Value::Int(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Str(s)) => format!("{s:?}"),
        Some(Value::List(items)) => format!("a list of {}", items.len()),
        None => "?".into(),
    }
}

/// The value of `e` with the parameters `bound`, when it is certain.
fn value(e: &TExpr, bound: &HashMap<&str, Value>) -> Option<Value> {
    if let Some(n) = int_constant(e) {
        return Some(Value::Int(n));
    }
    match &e.kind {
        TExprKind::Int(n) => Some(Value::Int(*n)),
        TExprKind::Bool(b) => Some(Value::Bool(*b)),
        TExprKind::Str(s) => Some(Value::Str(s.clone())),
        TExprKind::List(items) => items
            .iter()
            .map(|i| value(i, bound))
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        TExprKind::Local(name) => bound.get(name.as_str()).cloned(),
        TExprKind::Unary { op, operand } => match (op, value(operand, bound)?) {
            (UnaryOp::Not, Value::Bool(b)) => Some(Value::Bool(!b)),
            (UnaryOp::Neg, Value::Int(n)) => n.checked_neg().map(Value::Int),
            _ => None,
        },
        TExprKind::Builtin {
            op: Builtin::Len,
            args,
        } => match value(args.first()?, bound)? {
            Value::Str(s) => i64::try_from(s.len()).ok().map(Value::Int),
            Value::List(items) => i64::try_from(items.len()).ok().map(Value::Int),
            _ => None,
        },
        TExprKind::Binary { op, lhs, rhs } => binary(*op, lhs, rhs, bound),
        _ => None,
    }
}

fn binary(op: BinaryOp, lhs: &TExpr, rhs: &TExpr, bound: &HashMap<&str, Value>) -> Option<Value> {
    use BinaryOp::*;
    // `&&` and `||` decide on one side when it settles them (the other may be unknown).
    if matches!(op, And | Or) {
        let (l, r) = (value(lhs, bound), value(rhs, bound));
        let settles = |v: &Option<Value>| *v == Some(Value::Bool(op == Or));
        if settles(&l) || settles(&r) {
            return Some(Value::Bool(op == Or));
        }
        return match (l?, r?) {
            (Value::Bool(a), Value::Bool(b)) => {
                Some(Value::Bool(if op == And { a && b } else { a || b }))
            }
            _ => None,
        };
    }
    let (l, r) = (value(lhs, bound)?, value(rhs, bound)?);
    let order = match (&l, &r) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        Eq => Some(Value::Bool(l == r)),
        Ne => Some(Value::Bool(l != r)),
        Lt => order.map(|o| Value::Bool(o.is_lt())),
        Le => order.map(|o| Value::Bool(o.is_le())),
        Gt => order.map(|o| Value::Bool(o.is_gt())),
        Ge => order.map(|o| Value::Bool(o.is_ge())),
        Add | Sub | Mul | Div | Rem => match (l, r) {
            (Value::Int(a), Value::Int(b)) => arithmetic(op, a, b).flatten().map(Value::Int),
            _ => None,
        },
        _ => None,
    }
}
