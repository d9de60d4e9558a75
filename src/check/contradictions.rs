//! Examples and timings that break a `requires` with the spec's own constants: `example
//! sq(-2) == 4` or `nfr perf sq(-2) < 1ms` beside `requires x >= 0`. No code can pass
//! such an example or timing (its test checks the precondition before it calls the code),
//! so the checker says so, at the call, before any agent is asked. So too a lookup of
//! constants that finds nothing (`[1, 2][5]`, `{"a": 1}["b"]`) where a test always
//! evaluates it: that test fails whatever the code does.
//!
//! In: the checked modules. Out: one error (E0320) per call, in an example or an `nfr
//! perf`, whose arguments are all constants and break a clause of the called function's
//! `requires`; one error (E0321) per lookup of constants that finds nothing, in an
//! example, a timing, a scenario, a snapshot or a property's body.
//!
//! Only what evaluates for certain is judged: integers (with the checker's constant
//! folder), booleans, strings, lists and maps of constants, lookups, comparisons, `&&`,
//! `||`, `!` and `len`. A clause this evaluator cannot read is never reported.

use super::expr::{arithmetic, int_constant};
use super::model::{Builtin, FnRef, Function, ModuleModel, NfrModel, Step, TExpr, TExprKind};
use crate::syntax::ast::{BinaryOp, UnaryOp};
use std::collections::{BTreeMap, HashMap};

/// A constant value the evaluator knows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Int(i64),
    Bool(bool),
    Str(String),
    List(Vec<Value>),
    /// Kept by key, so that two maps written in another order are equal, and a key
    /// written twice is there once (as the map the tests build holds it).
    Map(BTreeMap<Value, Value>),
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

/// The calls of `e` that run whenever `e` is evaluated (see [`surely_evaluated`]).
fn surely_called(e: &TExpr, out: &mut Vec<(TExpr, FnRef, Vec<TExpr>)>) {
    surely_evaluated(e, &mut |e| {
        if let TExprKind::Call { func, args } = &e.kind {
            out.push((e.clone(), func.clone(), args.clone()));
        }
    });
}

/// Visits `e` and every expression inside it that is evaluated whenever `e` is: not those
/// right of a `&&` or a `||`, which the left side may spare (`example true || f(-1) == 1`
/// never calls `f`).
fn surely_evaluated<'e>(e: &'e TExpr, visit: &mut dyn FnMut(&'e TExpr)) {
    visit(e);
    match &e.kind {
        TExprKind::Binary {
            op: BinaryOp::And | BinaryOp::Or,
            lhs,
            ..
        } => surely_evaluated(lhs, visit),
        _ => {
            for c in e.children() {
                surely_evaluated(c, visit);
            }
        }
    }
}

/// A lookup of constants that finds nothing, where a test always evaluates it.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingLookup {
    /// The lookup (`[1, 2][5]`): its span is where the error points.
    pub lookup: TExpr,
    /// The clause it stands in: `example`, `timing`, `scenario`, `snapshot` or `property`.
    pub clause: &'static str,
    /// Why it finds nothing (`a list of 2 has no index 5`).
    pub why: String,
    /// What would find something (`an index from 0 to 1`).
    pub fix: String,
}

/// Every lookup of constants in `module`'s examples, timings, scenarios, snapshots and
/// property bodies that finds nothing where its test always evaluates it: an example
/// such as `g([1, 2][5]) == 1` fails whatever `g` does, and was found only when a build
/// had already asked an agent for code and then for its repair.
pub fn missing_lookups(module: &ModuleModel) -> Vec<MissingLookup> {
    let functions = module.functions_and_methods();
    let mut roots: Vec<(&TExpr, &'static str)> = Vec::new();
    for f in functions {
        roots.extend(f.examples.iter().map(|e| (&e.expr, "example")));
        roots.extend(f.properties.iter().map(|p| (&p.body, "property")));
    }
    for n in &module.nfrs {
        if let NfrModel::Perf { call, .. } = &n.kind {
            roots.push((call, "timing"));
        }
    }
    fn step(s: &Step) -> &TExpr {
        match s {
            Step::Let { value, .. } => value,
            Step::Expect { expr, .. } | Step::Do { expr } => expr,
        }
    }
    for s in &module.scenarios {
        roots.extend(s.steps.iter().map(|st| (step(st), "scenario")));
    }
    for s in &module.snapshots {
        roots.extend(s.steps.iter().map(|st| (step(st), "snapshot")));
        roots.push((&s.value, "snapshot"));
    }
    let mut out = Vec::new();
    for (root, clause) in roots {
        surely_evaluated(root, &mut |e| {
            if let TExprKind::Index { base, index } = &e.kind {
                if let Some((why, fix)) = finds_nothing(base, index) {
                    out.push(MissingLookup {
                        lookup: e.clone(),
                        clause,
                        why,
                        fix,
                    });
                }
            }
        });
    }
    out
}

/// Why `base[index]` finds nothing and what would, when both are constants and it
/// certainly finds nothing. A list literal's length is known even where its elements are
/// not (`[1.5, 2.5][5]`).
fn finds_nothing(base: &TExpr, index: &TExpr) -> Option<(String, String)> {
    let none = HashMap::new();
    let key = value(index, &none)?;
    if let TExprKind::Map(entries) = &base.kind {
        let keys = entries
            .iter()
            .map(|(k, _)| value(k, &none))
            .collect::<Option<Vec<_>>>()?;
        return missing_key(&key, keys.iter());
    }
    let len = match (&base.kind, value(base, &none)) {
        (TExprKind::List(items), _) => items.len(),
        (_, Some(Value::List(items))) => items.len(),
        (_, Some(Value::Map(map))) => return missing_key(&key, map.keys()),
        _ => return None,
    };
    let Value::Int(i) = key else {
        return None;
    };
    if usize::try_from(i).is_ok_and(|i| i < len) {
        return None;
    }
    let why = match len {
        0 => format!("the empty list has no index {i}"),
        1 => format!("a list of 1 element has no index {i}"),
        n => format!("a list of {n} elements has no index {i}"),
    };
    let fix = match len {
        0 => "look up an element in a list that holds one".to_string(),
        1 => "a list of 1 element has only index 0".to_string(),
        n => format!(
            "a list's indexes run from 0 to its length - 1: here 0 to {}",
            n - 1
        ),
    };
    Some((why, fix))
}

/// Why a map with `keys` has no `key`, and the keys it has; `None` when it has it.
fn missing_key<'v>(key: &Value, keys: impl Iterator<Item = &'v Value>) -> Option<(String, String)> {
    let keys: std::collections::BTreeSet<&Value> = keys.collect();
    if keys.contains(key) {
        return None;
    }
    let code = |v: &Value| format!("`{}`", shown_value(v));
    let why = format!("the map has no key {}", code(key));
    let held: Vec<String> = keys.iter().take(5).map(|k| code(k)).collect();
    let fix = match keys.len() {
        0 => "the map is empty: look up a key in a map that holds it".to_string(),
        1..=5 => format!("look up a key the map holds: {}", held.join(", ")),
        n => format!(
            "look up a key the map holds: {}, ... ({n} keys)",
            held.join(", ")
        ),
    };
    Some((why, fix))
}

/// An argument as the message shows it: its value where it is a plain constant.
fn shown(e: &TExpr) -> String {
    match value(e, &HashMap::new()) {
        Some(v) => shown_value(&v),
        None => "?".into(),
    }
}

/// A value as a message shows it: a scalar as the spec writes it, a collection by size.
fn shown_value(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => format!("{s:?}"),
        Value::List(items) => format!("a list of {}", items.len()),
        Value::Map(map) => format!("a map of {}", map.len()),
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
        TExprKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| Some((value(k, bound)?, value(v, bound)?)))
            .collect::<Option<BTreeMap<_, _>>>()
            .map(Value::Map),
        // A lookup that finds nothing has no value (in a `requires`, it does not hold;
        // where a test always evaluates it, `missing_lookups` reports it).
        TExprKind::Index { base, index } => match (value(base, bound)?, value(index, bound)?) {
            (Value::List(items), Value::Int(i)) => items.into_iter().nth(usize::try_from(i).ok()?),
            (Value::Map(mut map), key) => map.remove(&key),
            _ => None,
        },
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
            Value::Map(map) => i64::try_from(map.len()).ok().map(Value::Int),
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
