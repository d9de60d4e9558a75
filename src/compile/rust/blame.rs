//! Whose mistake a broken `requires` is. For each `requires` clause of a called function,
//! who made the arguments the clause reads:
//!
//! - the implementation, when one of them calls a function or method of the project, or
//!   holds a value an earlier step of a scenario made: the code's failure, never the spec's
//!   (a wrong `same` must not pass `inc(same(x))` by making the case look invalid);
//! - a property's own generated inputs (and constants), given to any function: the case
//!   is not one the property speaks of, and is discarded (`decode(encode(s)) == s` over
//!   every `s` that `encode` accepts);
//! - otherwise the spec: an example's or scenario's constants. The spec contradicts
//!   itself, whatever the code.

use crate::check::{FnRef, Function, TExpr, TExprKind};
use crate::compile::spec_text::spec_text;
use std::collections::BTreeSet;

/// Who made the arguments one `requires` clause reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blame {
    /// The spec's values: a broken clause is the spec's mistake.
    Spec,
    /// A property's own inputs to the function it is about: a broken clause discards the
    /// case.
    Input,
    /// Values the implementation computed: the text names the call and those arguments
    /// (`` `inc(same(x))`: `same(x)` ``), for the failure message.
    Code(String),
}

/// Where a call stands, which decides who made its arguments.
#[derive(Debug, Clone, Copy, Default)]
pub struct Place<'a> {
    /// Inside a property: its own inputs that break a `requires` discard the case.
    pub in_property: bool,
    /// Locals holding values code made (a scenario's `let c = Counter.new()`).
    pub from_code: Option<&'a BTreeSet<String>>,
}

impl Place<'_> {
    /// Whether evaluating `arg` runs code of the project or reads a value code made.
    pub fn made_by_code(&self, arg: &TExpr) -> bool {
        arg.any(&mut |e| match &e.kind {
            TExprKind::Call { .. } | TExprKind::MethodCall { .. } => true,
            TExprKind::Local(name) => self.from_code.is_some_and(|set| set.contains(name)),
            _ => false,
        })
    }

    /// How `arg` is named in a message: as written, and said to come from an earlier step
    /// when it is a local that code made.
    fn describe(&self, arg: &TExpr) -> String {
        match &arg.kind {
            TExprKind::Local(name) if self.made_by_code(arg) => {
                format!("`{name}` (from an earlier step)")
            }
            _ => format!("`{}`", spec_text(arg)),
        }
    }
}

/// The blame of each of `f`'s `requires` clauses, in order, for the call `call` (a
/// [`TExprKind::Call`] or [`TExprKind::MethodCall`] of `f`).
pub fn blames(place: &Place, f: &Function, call: &TExpr) -> Vec<Blame> {
    let (receiver, args) = match &call.kind {
        TExprKind::Call { args, .. } => (None, args),
        TExprKind::MethodCall { receiver, args, .. } => (Some(&**receiver), args),
        _ => return vec![Blame::Spec; f.requires.len()],
    };
    // The argument each name a clause can read stands for.
    let bound: Vec<(&str, &TExpr)> = receiver
        .map(|r| ("self", r))
        .into_iter()
        .chain(f.params.iter().map(|(n, _)| n.as_str()).zip(args.iter()))
        .collect();
    f.requires
        .iter()
        .map(|req| {
            let read = locals(&req.expr);
            let by_code: Vec<&TExpr> = bound
                .iter()
                .filter(|(name, arg)| read.contains(*name) && place.made_by_code(arg))
                .map(|(_, arg)| *arg)
                .collect();
            if !by_code.is_empty() {
                let made: Vec<String> = by_code.iter().map(|a| place.describe(a)).collect();
                Blame::Code(format!("`{}`: {}", spec_text(call), made.join(", ")))
            } else if place.in_property {
                Blame::Input
            } else {
                Blame::Spec
            }
        })
        .collect()
}

/// The names an expression reads.
pub fn locals(e: &TExpr) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    e.any(&mut |e| {
        if let TExprKind::Local(n) = &e.kind {
            names.insert(n.clone());
        }
        false
    });
    names
}

/// Calls `visit` with each `requires` clause of each call in `expr` and its blame.
/// `function` finds a called function's declaration.
fn each_clause<'p>(
    place: &Place,
    expr: &TExpr,
    function: &impl Fn(&FnRef) -> Option<&'p Function>,
    visit: &mut impl FnMut(&TExpr, Blame),
) {
    expr.any(&mut |e| {
        if let TExprKind::Call { func, .. } | TExprKind::MethodCall { func, .. } = &e.kind {
            if let Some(f) = function(func) {
                for (req, blame) in f.requires.iter().zip(blames(place, f, e)) {
                    visit(&req.expr, blame);
                }
            }
        }
        false
    });
}

/// Whether a failure of `expr`'s preconditions that blames the spec is the spec's whatever
/// the code: `Some(true)` when none of the clauses blamed on the spec runs code itself
/// (`requires is_valid(s)` does: a wrong `is_valid` breaks it on its own), `None` when no
/// clause is blamed on the spec.
pub fn spec_alone_decides<'p>(
    place: &Place,
    expr: &TExpr,
    function: &impl Fn(&FnRef) -> Option<&'p Function>,
) -> Option<bool> {
    let mut any = false;
    let mut certain = true;
    each_clause(place, expr, function, &mut |clause, blame| {
        if blame == Blame::Spec {
            any = true;
            certain &= !clause.calls_code();
        }
    });
    any.then_some(certain)
}

/// Whether the cases a property discards are the spec's choice alone: `Some(true)` when
/// neither its `where` (`filter`) nor the `requires` that discard its own inputs run
/// code, `None` when it discards no case at all.
pub fn rejects_decided<'p>(
    place: &Place,
    filter: Option<&TExpr>,
    body: &TExpr,
    function: &impl Fn(&FnRef) -> Option<&'p Function>,
) -> Option<bool> {
    let mut any = filter.is_some();
    let mut certain = filter.is_none_or(|f| !f.calls_code());
    for e in filter.into_iter().chain([body]) {
        each_clause(place, e, function, &mut |clause, blame| {
            if blame == Blame::Input {
                any = true;
                certain &= !clause.calls_code();
            }
        });
    }
    any.then_some(certain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Project;

    fn project(spec: &str) -> Project {
        let (project, diags) = crate::check::check_texts(&[("m.ghost", spec)]);
        assert!(diags.is_empty(), "{diags:?}");
        project
    }

    const SPEC: &str = r#"module m {
  fn inc(x: int) -> int {
    requires x >= 0
    example inc(1) == 2
  }
  fn clamp(x: int, lo: int, hi: int) -> int {
    requires lo <= hi
    requires x != 99
  }
  fn same(x: int) -> int {
    example inc(same(5)) == 6
    example clamp(same(1), 0, 3) == 1
    property forall x: int => inc(same(x)) == inc(x) && same(x) == x
  }
}"#;

    /// Every call of a function with `requires` in `e`, with the clauses' blames.
    fn calls(project: &Project, place: &Place, e: &TExpr) -> Vec<(String, Vec<Blame>)> {
        let mut out = Vec::new();
        e.any(&mut |e| {
            if let TExprKind::Call { func, .. } = &e.kind {
                let f = project.function(func).expect("declared");
                if !f.requires.is_empty() {
                    out.push((spec_text(e), blames(place, f, e)));
                }
            }
            false
        });
        out
    }

    #[test]
    fn an_argument_the_code_computed_is_the_codes() {
        let p = project(SPEC);
        let same = &p.modules[0].functions[2];
        let none = Place::default();
        let code = |s: &str| Blame::Code(s.to_string());
        assert_eq!(
            calls(&p, &none, &same.examples[0].expr),
            [(
                "inc(same(5))".to_string(),
                vec![code("`inc(same(5))`: `same(5)`")]
            )]
        );
        // Only the clause reading the computed argument is the code's.
        assert_eq!(
            calls(&p, &none, &same.examples[1].expr),
            [(
                "clamp(same(1), 0, 3)".to_string(),
                vec![Blame::Spec, code("`clamp(same(1), 0, 3)`: `same(1)`")]
            )]
        );
    }

    #[test]
    fn a_property_s_inputs_are_discarded_by_any_function_s_requires() {
        let p = project(SPEC);
        let prop = &p.modules[0].functions[2].properties[0];
        let in_property = Place {
            in_property: true,
            from_code: None,
        };
        let blamed: Vec<Vec<Blame>> = calls(&p, &in_property, &prop.body)
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(
            blamed,
            [
                vec![Blame::Code("`inc(same(x))`: `same(x)`".into())],
                vec![Blame::Input]
            ]
        );
        // Outside a property the same argument is the spec's (an example's constant).
        let outside = Place {
            in_property: false,
            from_code: None,
        };
        assert_eq!(calls(&p, &outside, &prop.body)[1].1, [Blame::Spec]);
    }

    #[test]
    fn a_local_an_earlier_step_made_is_the_codes() {
        let p = project(SPEC);
        let example = &p.modules[0].functions[0].examples[0].expr;
        let TExprKind::Binary { lhs, .. } = &example.kind else {
            panic!("a comparison")
        };
        let TExprKind::Call { func, .. } = &lhs.kind else {
            panic!("a call")
        };
        let mut call = (**lhs).clone();
        if let TExprKind::Call { args, .. } = &mut call.kind {
            args[0].kind = TExprKind::Local("n".into());
        }
        let made = BTreeSet::from(["n".to_string()]);
        let place = Place {
            in_property: false,
            from_code: Some(&made),
        };
        let f = p.function(func).expect("declared");
        assert_eq!(
            blames(&place, f, &call),
            [Blame::Code("`inc(n)`: `n` (from an earlier step)".into())]
        );
        assert_eq!(blames(&Place::default(), f, &call), [Blame::Spec]);
    }

    #[test]
    fn the_spec_decides_only_preconditions_no_code_can_change() {
        let p = project(SPEC);
        let function = |f: &FnRef| p.function(f);
        let fs = &p.modules[0].functions;
        let none = Place::default();
        assert_eq!(
            spec_alone_decides(&none, &fs[0].examples[0].expr, &function),
            Some(true)
        );
        // `inc(same(5))`: the code's, so nothing the spec decides.
        assert_eq!(
            spec_alone_decides(&none, &fs[2].examples[0].expr, &function),
            None
        );
        assert_eq!(
            spec_alone_decides(&none, &fs[2].examples[1].expr, &function),
            Some(true)
        );
    }

    #[test]
    fn a_property_s_discarded_cases_are_the_spec_s_when_no_code_decides_them() {
        let spec = r#"module m {
  fn sevens(x: int) -> int {
    requires x % 7 == 0
    property forall x: int => sevens(x) * 7 == x
    property forall x: int where valid(x) => sevens(x * 7) == x
    property forall x: int in 0..9 => valid(x) || !valid(x)
  }
  fn valid(x: int) -> bool
}"#;
        let p = project(spec);
        let function = |f: &FnRef| p.function(f);
        let place = Place {
            in_property: true,
            from_code: None,
        };
        let decided: Vec<Option<bool>> = p.modules[0].functions[0]
            .properties
            .iter()
            .map(|pr| rejects_decided(&place, pr.filter.as_ref(), &pr.body, &function))
            .collect();
        assert_eq!(decided, [Some(true), Some(false), None]);
    }
}
