//! Expression typing, bidirectional: [`ExprCx::check`] types an expression against an
//! expected type when one is known (so `[]`, `{}`, `none`, `ok(x)` and `err(x)` take
//! their type from where they stand, and an `int` literal becomes a `float` where one is
//! expected), and finds its type alone when not. Every problem is reported, once.

use super::model::{Builtin, DeclKind, FnRef, TExpr, TExprKind, Ty, TypeRef};
use super::scope::{Env, FnSig, Lookup};
use super::types::{find_opaque, show};
use crate::diagnostics::suggest;
use crate::diagnostics::{Diagnostic, Kind};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Ident, Span, UnaryOp};

/// The state of typing one clause or one scenario.
pub(crate) struct ExprCx<'a, 'd> {
    pub env: Env<'a>,
    pub diags: &'d mut Vec<Diagnostic>,
    /// Names in scope, innermost last: parameters, `self`, binders, `let`s.
    pub locals: Vec<(String, Ty)>,
    /// Inside an `ensures`: the function's return type (`None` for a function that
    /// returns nothing, reported at the clause). Outside: `None`.
    pub ensures: Option<Option<Ty>>,
    /// Locals that a `mut self` method was called on, in the order seen.
    pub mut_calls: Vec<String>,
    /// In a `requires` or an `ensures`, its keyword: such a clause must not change the
    /// values it judges, so a `mut self` method is refused there. `None` elsewhere.
    pub judging: Option<&'static str>,
    /// Names whose declaration failed (already reported): uses stay silent.
    pub hidden: Vec<String>,
    /// The `int` value of each `let` that has one known from constants (`None` for one
    /// that has not, which hides an earlier one of the same name), innermost last.
    pub constants: Vec<(String, Option<i64>)>,
}

/// What a dotted path before `.name` stands for.
enum PathTarget {
    Type(TypeRef),
    Module(String),
    /// Already reported.
    Error,
    /// Not a type or module path: type it as a value.
    Value,
}

/// How much an expression needs its context to be typed: 0 types alone, 1 is an
/// integer literal (which might be a float), 2 cannot be typed alone (`[]`, `none`).
fn weakness(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Int(_) => 1,
        ExprKind::Name(n) if n == "none" => 2,
        ExprKind::List(es) => es.iter().map(weakness).min().unwrap_or(2),
        ExprKind::Map(es) => {
            let k = es.iter().map(|(k, _)| weakness(k)).min().unwrap_or(2);
            let v = es.iter().map(|(_, v)| weakness(v)).min().unwrap_or(2);
            k.max(v)
        }
        ExprKind::Tuple(es) => es.iter().map(weakness).max().unwrap_or(0),
        ExprKind::Paren(e) => weakness(e),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => weakness(operand),
        ExprKind::Call { callee, args } => match &callee.kind {
            ExprKind::Name(n) if n == "some" => args.first().map_or(0, weakness),
            ExprKind::Name(n) if n == "ok" || n == "err" => 2,
            _ => 0,
        },
        ExprKind::Binary { op, lhs, rhs }
            if !op.is_comparison() && !matches!(op, BinaryOp::And | BinaryOp::Or) =>
        {
            weakness(lhs).min(weakness(rhs))
        }
        _ => 0,
    }
}

/// `a.b.C` as its segments, when the expression is only names and field accesses.
fn path_segments(e: &Expr) -> Option<Vec<(&str, Span)>> {
    match &e.kind {
        ExprKind::Name(n) => Some(vec![(n.as_str(), e.span)]),
        ExprKind::Field { base, field } => {
            let mut p = path_segments(base)?;
            p.push((field.name.as_str(), field.span));
            Some(p)
        }
        _ => None,
    }
}

fn is_numeric(t: &Ty) -> bool {
    matches!(t, Ty::Int | Ty::Float)
}

impl<'a, 'd> ExprCx<'a, 'd> {
    pub fn new(env: Env<'a>, diags: &'d mut Vec<Diagnostic>) -> Self {
        ExprCx {
            env,
            diags,
            locals: Vec::new(),
            ensures: None,
            mut_calls: Vec::new(),
            judging: None,
            hidden: Vec::new(),
            constants: Vec::new(),
        }
    }

    /// The value of `e` known from constants alone (literals, arithmetic, and `let`s
    /// bound to such values), if it has one.
    pub fn constant(&self, e: &TExpr) -> Option<i64> {
        const_int(e, &|name| {
            self.constants
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| *v)
        })
    }

    fn error(&mut self, span: Span, kind: Kind) {
        self.env.error(self.diags, span, kind);
    }

    fn mismatch(&mut self, span: Span, expected: &Ty, found: impl Into<String>) {
        self.error(
            span,
            Kind::TypeMismatch {
                expected: show(expected),
                found: found.into(),
            },
        );
    }

    fn local(&self, name: &str) -> Option<&Ty> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    }

    /// Types `e`; with `expected`, its type must be exactly that.
    pub fn check(&mut self, e: &Expr, expected: Option<&Ty>) -> Option<TExpr> {
        let t = self.infer(e, expected)?;
        if let Some(exp) = expected {
            if &t.ty != exp {
                self.mismatch(e.span, exp, show(&t.ty));
                return None;
            }
        }
        Some(t)
    }

    /// Types a clause that must be a `bool`; `clause` names it in the diagnostic.
    pub fn check_bool(&mut self, e: &Expr, clause: &'static str) -> Option<TExpr> {
        let t = self.infer(e, Some(&Ty::Bool))?;
        if t.ty != Ty::Bool {
            self.error(
                e.span,
                Kind::NotBool {
                    clause,
                    found: show(&t.ty),
                },
            );
            return None;
        }
        Some(t)
    }

    /// Types every expression (reporting all problems), then gives all or nothing.
    fn check_all<'e>(
        &mut self,
        items: impl IntoIterator<Item = (&'e Expr, Option<&'e Ty>)>,
    ) -> Option<Vec<TExpr>> {
        let checked: Vec<Option<TExpr>> =
            items.into_iter().map(|(e, t)| self.check(e, t)).collect();
        checked.into_iter().collect()
    }

    /// Finds the type of `e` where `expected` is only a hint (the caller compares).
    fn infer(&mut self, e: &Expr, expected: Option<&Ty>) -> Option<TExpr> {
        let span = e.span;
        let mk = |kind: TExprKind, ty: Ty| Some(TExpr { kind, ty, span });
        match &e.kind {
            // Too large: the parser reported it.
            ExprKind::Int(None) => None,
            ExprKind::Int(Some(n)) => {
                if expected == Some(&Ty::Float) {
                    mk(TExprKind::Float(format!("{n}.0")), Ty::Float)
                } else {
                    mk(TExprKind::Int(*n), Ty::Int)
                }
            }
            ExprKind::Float(s) => mk(TExprKind::Float(s.clone()), Ty::Float),
            ExprKind::Str(s) => mk(TExprKind::Str(s.clone()), Ty::Str),
            ExprKind::Bool(b) => mk(TExprKind::Bool(*b), Ty::Bool),
            ExprKind::Name(n) => self.name(n, span, expected),
            ExprKind::List(elems) => self.list(elems, span, expected),
            ExprKind::Map(entries) => self.map(entries, span, expected),
            ExprKind::Tuple(elems) => {
                if elems.is_empty() {
                    return mk(TExprKind::Unit, Ty::Unit);
                }
                let hints: Vec<Option<&Ty>> = match expected {
                    Some(Ty::Tuple(ts)) if ts.len() == elems.len() => ts.iter().map(Some).collect(),
                    _ => vec![None; elems.len()],
                };
                let all = self.check_all(elems.iter().zip(hints))?;
                let ty = Ty::Tuple(all.iter().map(|t| t.ty.clone()).collect());
                mk(TExprKind::Tuple(all), ty)
            }
            ExprKind::Paren(inner) => self.infer(inner, expected),
            ExprKind::Record { name, fields } => self.record_lit(name, fields, span),
            ExprKind::Call { callee, args } => self.call(callee, args, span, expected),
            ExprKind::MethodCall {
                receiver,
                method,
                args,
            } => self.method_call(receiver, method, args, span, expected),
            ExprKind::Field { base, field } => self.field(base, field, span),
            ExprKind::Index { base, index } => {
                let b = self.check(base, None)?;
                let (index_ty, ty) = match &b.ty {
                    Ty::List(t) => (Ty::Int, (**t).clone()),
                    Ty::Map(k, v) => ((**k).clone(), (**v).clone()),
                    Ty::Bytes => (Ty::Int, Ty::Int),
                    other => {
                        let kind = Kind::BadOperator {
                            op: "[]".into(),
                            ty: show(other),
                        };
                        self.error(span, kind);
                        return None;
                    }
                };
                let i = self.check(index, Some(&index_ty))?;
                mk(
                    TExprKind::Index {
                        base: Box::new(b),
                        index: Box::new(i),
                    },
                    ty,
                )
            }
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => {
                let o = self.check(operand, Some(&Ty::Bool))?;
                mk(
                    TExprKind::Unary {
                        op: UnaryOp::Not,
                        operand: Box::new(o),
                    },
                    Ty::Bool,
                )
            }
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => {
                let hint = expected.filter(|t| is_numeric(t));
                let o = self.check(operand, hint)?;
                if !is_numeric(&o.ty) {
                    self.error(
                        span,
                        Kind::BadOperator {
                            op: "-".into(),
                            ty: show(&o.ty),
                        },
                    );
                    return None;
                }
                let ty = o.ty.clone();
                if ty == Ty::Int && self.constant(&o).is_some_and(|n| n.checked_neg().is_none()) {
                    self.error(
                        span,
                        Kind::ConstantOverflow {
                            what: "`-` of the least `int` overflows".into(),
                        },
                    );
                    return None;
                }
                mk(
                    TExprKind::Unary {
                        op: UnaryOp::Neg,
                        operand: Box::new(o),
                    },
                    ty,
                )
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span, expected),
        }
    }

    fn name(&mut self, n: &str, span: Span, expected: Option<&Ty>) -> Option<TExpr> {
        let mk = |kind: TExprKind, ty: Ty| Some(TExpr { kind, ty, span });
        if let Some(t) = self.local(n) {
            return mk(TExprKind::Local(n.to_string()), t.clone());
        }
        if self.hidden.iter().any(|h| h == n) {
            return None;
        }
        match n {
            "none" => match expected {
                Some(t @ Ty::Option(_)) => mk(TExprKind::None, t.clone()),
                Some(other) => {
                    self.mismatch(span, other, "option<_>");
                    None
                }
                None => {
                    self.error(span, Kind::CannotInfer { what: "`none`" });
                    None
                }
            },
            "result" => match &self.ensures {
                Some(Some(t)) => mk(TExprKind::ResultValue, t.clone()),
                Some(None) => None,
                None => {
                    self.error(span, Kind::ResultOutsideEnsures);
                    None
                }
            },
            "self" => {
                self.error(span, Kind::SelfOutsideType);
                None
            }
            _ => {
                // `date.add_days(..)` in a module that uses `cal.date`: the module is named
                // whole (`cal.date.add_days`), or its function alone.
                let used = self
                    .env
                    .table()
                    .uses
                    .iter()
                    .find(|u| u.rsplit('.').next() == Some(n))
                    .cloned();
                let suggestion = used
                    .or_else(|| self.env.suggest_variant(n))
                    .or_else(|| super::scope::builtin_value_for(n).map(str::to_string))
                    .or_else(|| suggest::closest(n, self.locals.iter().map(|(n, _)| n.as_str())));
                self.error(
                    span,
                    Kind::UnknownVariable {
                        name: n.to_string(),
                        suggestion,
                    },
                );
                None
            }
        }
    }

    fn list(&mut self, elems: &[Expr], span: Span, expected: Option<&Ty>) -> Option<TExpr> {
        if expected == Some(&Ty::Bytes) {
            // `bytes` are written as a list of ints, each a byte (0..=255).
            let all = self.check_all(elems.iter().map(|e| (e, Some(&Ty::Int))))?;
            for item in &all {
                if let Some(n) = self.constant(item) {
                    if !(0..=255).contains(&n) {
                        self.mismatch(item.span, &Ty::Bytes, format!("{n} (a byte is 0..=255)"));
                        return None;
                    }
                }
            }
            return Some(TExpr {
                kind: TExprKind::List(all),
                ty: Ty::Bytes,
                span,
            });
        }
        let hint = match expected {
            Some(Ty::List(t)) => Some((**t).clone()),
            _ => None,
        };
        let elem_ty = match hint {
            Some(t) => t,
            None => {
                let Some(first) = elems.iter().min_by_key(|e| weakness(e)) else {
                    match expected {
                        Some(other) => self.mismatch(span, other, "list<_>"),
                        None => self.error(
                            span,
                            Kind::CannotInfer {
                                what: "the empty list `[]`",
                            },
                        ),
                    }
                    return None;
                };
                self.check(first, None)?.ty
            }
        };
        let all = self.check_all(elems.iter().map(|e| (e, Some(&elem_ty))))?;
        Some(TExpr {
            kind: TExprKind::List(all),
            ty: Ty::List(Box::new(elem_ty)),
            span,
        })
    }

    fn map(
        &mut self,
        entries: &[(Expr, Expr)],
        span: Span,
        expected: Option<&Ty>,
    ) -> Option<TExpr> {
        // A key written twice as a literal: the later value would silently win.
        let mut keys: Vec<String> = Vec::new();
        for (k, _) in entries {
            let literal = match &k.kind {
                ExprKind::Str(s) => Some(format!("{s:?}")),
                ExprKind::Int(Some(n)) => Some(n.to_string()),
                ExprKind::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            if let Some(key) = literal {
                if keys.contains(&key) {
                    let kind = Kind::Duplicate {
                        what: "map key",
                        name: key,
                    };
                    self.error(k.span, kind);
                } else {
                    keys.push(key);
                }
            }
        }
        // `{ x: 1 }` for a record: its keys would each be an unknown name.
        if let Some(Ty::Named(r)) = expected {
            let names: Option<Vec<String>> = entries
                .iter()
                .map(|(k, _)| match &k.kind {
                    ExprKind::Name(n) => Some(n.clone()),
                    _ => None,
                })
                .collect();
            if let Some(fields) = names.filter(|n| !n.is_empty() && r.kind == DeclKind::Record) {
                let record = show(&Ty::Named(r.clone()));
                self.error(span, Kind::UnnamedRecord { record, fields });
                return None;
            }
        }
        let (k_ty, v_ty) = match expected {
            Some(Ty::Map(k, v)) => ((**k).clone(), (**v).clone()),
            _ => {
                let k = entries.iter().map(|(k, _)| k).min_by_key(|e| weakness(e));
                let v = entries.iter().map(|(_, v)| v).min_by_key(|e| weakness(e));
                let (Some(k), Some(v)) = (k, v) else {
                    match expected {
                        Some(other) => self.mismatch(span, other, "map<_, _>"),
                        None => self.error(
                            span,
                            Kind::CannotInfer {
                                what: "the empty map `{}`",
                            },
                        ),
                    }
                    return None;
                };
                let (k, v) = (self.check(k, None), self.check(v, None));
                (k?.ty, v?.ty)
            }
        };
        let checked: Vec<Option<(TExpr, TExpr)>> = entries
            .iter()
            .map(|(k, v)| {
                let (k, v) = (self.check(k, Some(&k_ty)), self.check(v, Some(&v_ty)));
                Some((k?, v?))
            })
            .collect();
        let all = checked.into_iter().collect::<Option<Vec<_>>>()?;
        Some(TExpr {
            kind: TExprKind::Map(all),
            ty: Ty::Map(Box::new(k_ty), Box::new(v_ty)),
            span,
        })
    }

    fn record_lit(&mut self, name: &Ident, fields: &[(Ident, Expr)], span: Span) -> Option<TExpr> {
        let tref = match self.env.lookup_type(&name.name) {
            Lookup::Found(r) => r.clone(),
            Lookup::Ambiguous(ms) => {
                self.error(
                    name.span,
                    Kind::AmbiguousName {
                        name: name.name.clone(),
                        modules: ms.join(", "),
                    },
                );
                return None;
            }
            Lookup::Missing => {
                let suggestion = self.env.suggest_type(&name.name);
                self.error(
                    name.span,
                    Kind::UnknownType {
                        name: name.name.clone(),
                        suggestion,
                    },
                );
                return None;
            }
        };
        let Some(decl) = self.env.tables.record(&tref) else {
            let kind = Kind::TypeMismatch {
                expected: "a record".into(),
                found: format!("`{}`", tref.name),
            };
            self.error(name.span, kind);
            return None;
        };
        let mut given: Vec<Option<TExpr>> = vec![None; decl.len()];
        let mut seen = vec![false; decl.len()];
        let mut ok = true;
        for (f, e) in fields {
            let Some(i) = decl.iter().position(|(n, _)| *n == f.name) else {
                self.error(
                    f.span,
                    Kind::UnknownField {
                        type_name: tref.name.clone(),
                        name: f.name.clone(),
                        suggestion: suggest::closest(&f.name, decl.iter().map(|(n, _)| n.as_str())),
                    },
                );
                ok = false;
                continue;
            };
            if seen[i] {
                self.error(
                    f.span,
                    Kind::Duplicate {
                        what: "field",
                        name: f.name.clone(),
                    },
                );
                ok = false;
                continue;
            }
            seen[i] = true;
            match &decl[i].1 {
                Some(t) => given[i] = self.check(e, Some(t)),
                None => ok = false,
            }
            ok &= given[i].is_some();
        }
        let missing: Vec<String> = decl
            .iter()
            .zip(&seen)
            .filter(|(_, s)| !**s)
            .map(|((n, _), _)| format!("`{n}`"))
            .collect();
        if !missing.is_empty() {
            self.error(
                name.span,
                Kind::MissingFields {
                    record: tref.name.clone(),
                    fields: missing.join(", "),
                },
            );
            return None;
        }
        if !ok {
            return None;
        }
        let fields = decl
            .iter()
            .zip(given)
            .map(|((n, _), e)| Some((n.clone(), e?)))
            .collect::<Option<Vec<_>>>()?;
        let ty = Ty::Named(tref.clone());
        Some(TExpr {
            kind: TExprKind::Record { ty: tref, fields },
            ty,
            span,
        })
    }

    /// `name` is only built when the arity is wrong (this runs for every call).
    fn arity(
        &mut self,
        span: Span,
        name: &dyn Fn() -> String,
        expected: usize,
        found: usize,
    ) -> bool {
        if expected != found {
            self.error(
                span,
                Kind::Arity {
                    name: name(),
                    expected,
                    found,
                },
            );
            return false;
        }
        true
    }

    fn call(
        &mut self,
        callee: &Expr,
        args: &[Expr],
        span: Span,
        expected: Option<&Ty>,
    ) -> Option<TExpr> {
        let mk = |kind: TExprKind, ty: Ty| Some(TExpr { kind, ty, span });
        let name = match &callee.kind {
            ExprKind::Name(n) if self.local(n).is_none() => n.as_str(),
            _ => {
                let c = self.check(callee, None)?;
                let after_call = matches!(
                    callee.kind,
                    ExprKind::Call { .. } | ExprKind::MethodCall { .. }
                );
                self.error(
                    callee.span,
                    Kind::NotCallable {
                        ty: show(&c.ty),
                        after_call,
                    },
                );
                return None;
            }
        };
        match name {
            "some" => {
                if !self.arity(span, &|| name.to_string(), 1, args.len()) {
                    return None;
                }
                let hint = match expected {
                    Some(Ty::Option(t)) => Some(&**t),
                    _ => None,
                };
                let a = self.check(&args[0], hint)?;
                let ty = Ty::Option(Box::new(a.ty.clone()));
                mk(TExprKind::Some(Box::new(a)), ty)
            }
            "ok" | "err" => {
                if !self.arity(span, &|| name.to_string(), 1, args.len()) {
                    return None;
                }
                match expected {
                    Some(t @ Ty::Result(v, e)) => {
                        let inner = if name == "ok" { v } else { e };
                        let a = Box::new(self.check(&args[0], Some(inner))?);
                        let kind = if name == "ok" {
                            TExprKind::Ok(a)
                        } else {
                            TExprKind::Err(a)
                        };
                        mk(kind, t.clone())
                    }
                    Some(other) => {
                        self.mismatch(span, other, "result<_, _>");
                        None
                    }
                    None => {
                        let what = if name == "ok" {
                            "`ok(...)`"
                        } else {
                            "`err(...)`"
                        };
                        self.error(span, Kind::CannotInfer { what });
                        None
                    }
                }
            }
            "len" | "repeat" | "to_str" | "contains" => self.builtin(name, args, span),
            _ => match self.env.lookup_fn(name) {
                Lookup::Found(sig) => self.call_sig(sig, &|| name.to_string(), args, span, None),
                Lookup::Ambiguous(ms) => {
                    self.error(
                        callee.span,
                        Kind::AmbiguousName {
                            name: name.to_string(),
                            modules: ms.join(", "),
                        },
                    );
                    None
                }
                Lookup::Missing => {
                    // `Circle(1.0)` for `Shape.Circle(1.0)`.
                    let suggestion = self
                        .env
                        .suggest_variant(name)
                        .or_else(|| self.env.suggest_fn(name));
                    self.error(
                        callee.span,
                        Kind::UnknownFunction {
                            name: name.to_string(),
                            suggestion,
                        },
                    );
                    None
                }
            },
        }
    }

    fn builtin(&mut self, name: &str, args: &[Expr], span: Span) -> Option<TExpr> {
        let (op, n) = match name {
            "len" => (Builtin::Len, 1),
            "repeat" => (Builtin::Repeat, 2),
            "to_str" => (Builtin::ToStr, 1),
            _ => (Builtin::Contains, 2),
        };
        if !self.arity(span, &|| name.to_string(), n, args.len()) {
            return None;
        }
        let (checked, ty) = match op {
            Builtin::Len => {
                let a = self.check(&args[0], None)?;
                if !matches!(a.ty, Ty::Str | Ty::Bytes | Ty::List(_) | Ty::Map(..)) {
                    let kind = Kind::TypeMismatch {
                        expected: "str, bytes, list or map".into(),
                        found: show(&a.ty),
                    };
                    self.error(args[0].span, kind);
                    return None;
                }
                (vec![a], Ty::Int)
            }
            Builtin::Repeat => (
                self.check_all([(&args[0], Some(&Ty::Str)), (&args[1], Some(&Ty::Int))])?,
                Ty::Str,
            ),
            Builtin::ToStr => {
                let a = self.check(&args[0], None)?;
                if !matches!(a.ty, Ty::Int | Ty::Float | Ty::Bool) {
                    let kind = Kind::TypeMismatch {
                        expected: "int, float or bool".into(),
                        found: show(&a.ty),
                    };
                    self.error(args[0].span, kind);
                    return None;
                }
                (vec![a], Ty::Str)
            }
            Builtin::Contains => {
                let c = self.check(&args[0], None)?;
                let elem = match &c.ty {
                    Ty::Str => Ty::Str,
                    Ty::List(t) => (**t).clone(),
                    Ty::Map(k, _) => (**k).clone(),
                    other => {
                        let kind = Kind::TypeMismatch {
                            expected: "str, list or map".into(),
                            found: show(other),
                        };
                        self.error(args[0].span, kind);
                        return None;
                    }
                };
                let x = self.check(&args[1], Some(&elem))?;
                (vec![c, x], Ty::Bool)
            }
        };
        Some(TExpr {
            kind: TExprKind::Builtin { op, args: checked },
            ty,
            span,
        })
    }

    /// A call of a known function or method: arity and argument types.
    fn call_sig(
        &mut self,
        sig: &FnSig,
        name: &dyn Fn() -> String,
        args: &[Expr],
        span: Span,
        receiver: Option<TExpr>,
    ) -> Option<TExpr> {
        if !self.arity(span, name, sig.fnref.params.len(), args.len()) || !sig.complete {
            return None;
        }
        let all = self.check_all(args.iter().zip(sig.fnref.params.iter().map(Some)))?;
        let func: FnRef = sig.fnref.clone();
        let ty = func.ret.clone();
        let kind = match receiver {
            Some(r) => TExprKind::MethodCall {
                receiver: Box::new(r),
                func,
                args: all,
            },
            None => TExprKind::Call { func, args: all },
        };
        Some(TExpr { kind, ty, span })
    }

    /// Resolves the dotted path in front of `.name`: a type, a module, or a value.
    fn resolve_path(&mut self, segs: &[(&str, Span)]) -> PathTarget {
        let first = segs[0].0;
        // A tuple's field (`result.1.0`) is no module's name: the path is a value.
        let tuple_field = segs
            .iter()
            .any(|(s, _)| s.starts_with(|c: char| c.is_ascii_digit()));
        if self.local(first).is_some()
            || first == "self"
            || (first == "result" && self.ensures.is_some())
            || tuple_field
            || self.hidden.iter().any(|h| h == first)
        {
            return PathTarget::Value;
        }
        let tables = self.env.tables;
        // The longest prefix that names a module wins: `a.b.Color` is type `Color` of `a.b`.
        for k in (1..=segs.len()).rev() {
            let prefix = segs[..k]
                .iter()
                .map(|(s, _)| *s)
                .collect::<Vec<_>>()
                .join(".");
            let Some(table) = tables.modules.get(&prefix) else {
                // A path into a module whose `use` failed was reported at the `use`.
                if self.env.table().failed_uses.contains(&prefix) {
                    return PathTarget::Error;
                }
                continue;
            };
            // A one-segment prefix that is also a type name in scope is the type.
            if k == 1 && !matches!(self.env.lookup_type(&prefix), Lookup::Missing) {
                break;
            }
            let prefix_span = segs[0].1.to(segs[k - 1].1);
            if !self.env.visible_module(&prefix) {
                self.error(prefix_span, Kind::ModuleNotUsed { name: prefix });
                return PathTarget::Error;
            }
            return match &segs[k..] {
                [] => PathTarget::Module(prefix),
                [(ty, span)] => match table.types.get(*ty) {
                    Some(r) => PathTarget::Type(r.clone()),
                    None => {
                        let suggestion =
                            suggest::closest(ty, table.types.keys().map(String::as_str));
                        self.error(
                            *span,
                            Kind::UnknownType {
                                name: ty.to_string(),
                                suggestion,
                            },
                        );
                        PathTarget::Error
                    }
                },
                _ => PathTarget::Value,
            };
        }
        let (first, span) = segs[0];
        match self.env.lookup_type(first) {
            Lookup::Found(r) if segs.len() == 1 => PathTarget::Type(r.clone()),
            Lookup::Found(_) => PathTarget::Value,
            Lookup::Ambiguous(ms) => {
                self.error(
                    span,
                    Kind::AmbiguousName {
                        name: first.to_string(),
                        modules: ms.join(", "),
                    },
                );
                PathTarget::Error
            }
            Lookup::Missing
                if segs.len() == 1 && first.starts_with(|c: char| c.is_ascii_uppercase()) =>
            {
                let suggestion = self.env.suggest_type(first);
                self.error(
                    span,
                    Kind::UnknownType {
                        name: first.to_string(),
                        suggestion,
                    },
                );
                PathTarget::Error
            }
            Lookup::Missing if segs.len() > 1 => {
                let name = segs.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(".");
                // Only on an error: a scan of every module's name is fine here.
                let modules = self.env.tables.modules.keys().map(String::as_str);
                let suggestion = suggest::closest(&name, modules);
                self.error(
                    span.to(segs[segs.len() - 1].1),
                    Kind::UnknownModule { name, suggestion },
                );
                PathTarget::Error
            }
            Lookup::Missing => PathTarget::Value,
        }
    }

    fn method_call(
        &mut self,
        receiver: &Expr,
        method: &Ident,
        args: &[Expr],
        span: Span,
        expected: Option<&Ty>,
    ) -> Option<TExpr> {
        let _ = expected;
        if let Some(segs) = path_segments(receiver) {
            match self.resolve_path(&segs) {
                PathTarget::Type(t) => return self.static_call(&t, method, args, span),
                PathTarget::Module(m) => {
                    let tables = self.env.tables;
                    let table = tables
                        .modules
                        .get(&m)
                        .expect("resolve_path returns known modules");
                    let qualified = || format!("{m}.{}", method.name);
                    return match table.functions.get(&method.name) {
                        Some(sig) => self.call_sig(sig, &qualified, args, span, None),
                        None => {
                            let suggestion = suggest::closest(
                                &method.name,
                                table.functions.keys().map(String::as_str),
                            );
                            self.error(
                                method.span,
                                Kind::UnknownFunction {
                                    name: qualified(),
                                    suggestion,
                                },
                            );
                            None
                        }
                    };
                }
                PathTarget::Error => return None,
                PathTarget::Value => {}
            }
        }
        let recv = self.check(receiver, None)?;
        let tables = self.env.tables;
        let sig = match &recv.ty {
            Ty::Named(r) if r.kind == DeclKind::Opaque => {
                tables.methods(r).and_then(|m| m.get(&method.name))
            }
            _ => None,
        };
        let Some(sig) = sig else {
            let known = match &recv.ty {
                Ty::Named(r) => tables.methods(r),
                _ => None,
            };
            let kind = Kind::UnknownMethod {
                type_name: show(&recv.ty),
                name: method.name.clone(),
                suggestion: known
                    .and_then(|m| suggest::closest(&method.name, m.keys().map(String::as_str))),
            };
            self.error(method.span, kind);
            return None;
        };
        let refused = match (sig.fnref.receiver, self.judging) {
            (None, _) => Some(format!(
                "`{}` is a static method: call it on the type, as `{}.{}(...)`",
                method.name,
                show(&recv.ty),
                method.name
            )),
            (Some(true), Some(clause)) => Some(format!(
                "`{clause}` calls `{}`, a `mut self` method: a clause must not change the values it judges; state the change in a scenario (`expect`) instead",
                method.name
            )),
            _ => None,
        };
        if let Some(message) = refused {
            let name = method.name.clone();
            self.error(method.span, Kind::BadReceiver { name, message });
            return None;
        }
        if sig.fnref.receiver == Some(true) {
            // The binding that holds the value, also through `xs[0]` and `t.0`: Rust
            // borrows the whole binding mutably for `xs[0].inc()`.
            let mut place = &recv;
            while let TExprKind::Index { base, .. }
            | TExprKind::TupleField { base, .. }
            | TExprKind::Field { base, .. } = &place.kind
            {
                place = base;
            }
            if let TExprKind::Local(x) = &place.kind {
                self.mut_calls.push(x.clone());
            }
        }
        let owner = recv.ty.clone();
        let name = move || format!("{}.{}", show(&owner), method.name);
        self.call_sig(sig, &name, args, span, Some(recv))
    }

    /// `Type.name(args)`: a variant with a payload or a static method.
    fn static_call(
        &mut self,
        t: &TypeRef,
        method: &Ident,
        args: &[Expr],
        span: Span,
    ) -> Option<TExpr> {
        let tables = self.env.tables;
        let qualified = || format!("{}.{}", t.name, method.name);
        match t.kind {
            DeclKind::Enum | DeclKind::Error => self.variant(t, method, Some(args), span),
            DeclKind::Opaque => {
                let Some(sig) = tables.methods(t).and_then(|m| m.get(&method.name)) else {
                    let known = tables.methods(t).map(|m| m.keys().map(String::as_str));
                    let suggestion = known.and_then(|k| suggest::closest(&method.name, k));
                    self.error(
                        method.span,
                        Kind::UnknownMethod {
                            type_name: t.name.clone(),
                            name: method.name.clone(),
                            suggestion,
                        },
                    );
                    return None;
                };
                if sig.fnref.receiver.is_some() {
                    let message = format!(
                        "`{}` takes `self`: call it on a value, as `x.{}(...)`",
                        method.name, method.name
                    );
                    self.error(
                        method.span,
                        Kind::BadReceiver {
                            name: qualified(),
                            message,
                        },
                    );
                    return None;
                }
                self.call_sig(sig, &qualified, args, span, None)
            }
            DeclKind::Record => {
                self.error(
                    method.span,
                    Kind::UnknownMethod {
                        type_name: t.name.clone(),
                        name: method.name.clone(),
                        suggestion: None,
                    },
                );
                None
            }
        }
    }

    /// `Enum.Variant` (args `None`) or `Enum.Variant(args)`.
    fn variant(
        &mut self,
        t: &TypeRef,
        name: &Ident,
        args: Option<&[Expr]>,
        span: Span,
    ) -> Option<TExpr> {
        let tables = self.env.tables;
        let Some(payload) = tables
            .variants(t)
            .and_then(|vs| vs.iter().find(|(n, _)| *n == name.name))
            .map(|v| &v.1)
        else {
            let known = tables
                .variants(t)
                .map(|vs| vs.iter().map(|(n, _)| n.as_str()));
            let suggestion = known.and_then(|k| suggest::closest(&name.name, k));
            self.error(
                name.span,
                Kind::UnknownVariant {
                    enum_name: t.name.clone(),
                    name: name.name.clone(),
                    suggestion,
                },
            );
            return None;
        };
        let given = args.unwrap_or(&[]);
        let qualified = || format!("{}.{}", t.name, name.name);
        if !self.arity(span, &qualified, payload.len(), given.len()) {
            return None;
        }
        // `E.A()` of a variant without fields: Rust refuses the call, and so does ghost,
        // so that a spec says each value one way (`ghost fmt` keeps what it is given).
        if payload.is_empty() && args.is_some() {
            self.error(
                span,
                Kind::Arity {
                    name: qualified(),
                    expected: 0,
                    found: 0,
                },
            );
            return None;
        }
        let types = payload.iter().cloned().collect::<Option<Vec<Ty>>>()?;
        let all = self.check_all(given.iter().zip(types.iter().map(Some)))?;
        let kind = TExprKind::Variant {
            enum_ty: t.clone(),
            variant: name.name.clone(),
            args: all,
        };
        Some(TExpr {
            kind,
            ty: Ty::Named(t.clone()),
            span,
        })
    }

    fn field(&mut self, base: &Expr, field: &Ident, span: Span) -> Option<TExpr> {
        if let Some(segs) = path_segments(base) {
            match self.resolve_path(&segs) {
                PathTarget::Type(t) if matches!(t.kind, DeclKind::Enum | DeclKind::Error) => {
                    return self.variant(&t, field, None, span);
                }
                PathTarget::Type(t) => {
                    self.error(
                        field.span,
                        Kind::UnknownVariant {
                            enum_name: t.name.clone(),
                            name: field.name.clone(),
                            suggestion: None,
                        },
                    );
                    return None;
                }
                PathTarget::Module(m) => {
                    let name = format!("{m}.{}", field.name);
                    self.error(
                        span,
                        Kind::UnknownVariable {
                            name,
                            suggestion: None,
                        },
                    );
                    return None;
                }
                PathTarget::Error => return None,
                PathTarget::Value => {}
            }
        }
        let b = self.check(base, None)?;
        let tables = self.env.tables;
        let known = match &b.ty {
            Ty::Named(r) => tables.record(r),
            _ => None,
        };
        let unknown = Kind::UnknownField {
            type_name: show(&b.ty),
            name: field.name.clone(),
            suggestion: known
                .and_then(|fs| suggest::closest(&field.name, fs.iter().map(|(n, _)| n.as_str()))),
        };
        match &b.ty {
            Ty::Named(r) if r.kind == DeclKind::Record => {
                let fields = tables.record(r)?;
                let Some((_, ty)) = fields.iter().find(|(n, _)| *n == field.name) else {
                    self.error(field.span, unknown);
                    return None;
                };
                let ty = ty.clone()?;
                Some(TExpr {
                    kind: TExprKind::Field {
                        base: Box::new(b),
                        name: field.name.clone(),
                    },
                    ty,
                    span,
                })
            }
            Ty::Tuple(ts) => {
                let Some(ty) = field
                    .name
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| ts.get(i))
                    .cloned()
                else {
                    self.error(field.span, unknown);
                    return None;
                };
                let index = field.name.parse::<usize>().expect("checked just above");
                Some(TExpr {
                    kind: TExprKind::TupleField {
                        base: Box::new(b),
                        index,
                    },
                    ty,
                    span,
                })
            }
            _ => {
                self.error(field.span, unknown);
                None
            }
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        expected: Option<&Ty>,
    ) -> Option<TExpr> {
        let mk = |l: TExpr, r: TExpr, ty: Ty| {
            Some(TExpr {
                kind: TExprKind::Binary {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                },
                ty,
                span,
            })
        };
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let (l, r) = (
                    self.check(lhs, Some(&Ty::Bool)),
                    self.check(rhs, Some(&Ty::Bool)),
                );
                mk(l?, r?, Ty::Bool)
            }
            // `a < b < c`, which the parser reported (E0105): each side is checked for its
            // own problems, and a `bool` compared with `c` is not said again.
            _ if op.is_comparison()
                && matches!(&lhs.kind, ExprKind::Binary { op: inner, .. } if inner.is_comparison()) =>
            {
                let (l, r) = (self.check(lhs, None), self.check(rhs, None));
                mk(l?, r?, Ty::Bool)
            }
            _ if op.is_comparison() => {
                let (l, r) = self.pair(lhs, rhs, None)?;
                let ty = &l.ty;
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                    if let Some(opaque) = find_opaque(self.env.tables, ty) {
                        self.error(
                            span,
                            Kind::NoEquality {
                                ty: opaque,
                                op: op.symbol().into(),
                            },
                        );
                        return None;
                    }
                } else if !matches!(ty, Ty::Int | Ty::Float | Ty::Str) {
                    self.error(
                        span,
                        Kind::BadOperator {
                            op: op.symbol().into(),
                            ty: show(ty),
                        },
                    );
                    return None;
                }
                mk(l, r, Ty::Bool)
            }
            _ => {
                let hint = expected.filter(|t| matches!(t, Ty::Int | Ty::Float | Ty::Str));
                let (l, r) = self.pair(lhs, rhs, hint)?;
                let ty = l.ty.clone();
                let fits = match op {
                    BinaryOp::Add => matches!(ty, Ty::Int | Ty::Float | Ty::Str),
                    _ => is_numeric(&ty),
                };
                if !fits {
                    self.error(
                        span,
                        Kind::BadOperator {
                            op: op.symbol().into(),
                            ty: show(&ty),
                        },
                    );
                    return None;
                }
                if ty == Ty::Int {
                    if let Some(what) = constant_fault(op, self.constant(&l), self.constant(&r)) {
                        self.error(span, Kind::ConstantOverflow { what });
                        return None;
                    }
                }
                mk(l, r, ty)
            }
        }
    }

    /// Types two operands that must have one type: with a hint both against it, else the
    /// side that can be typed alone first and the other against it.
    fn pair(&mut self, lhs: &Expr, rhs: &Expr, hint: Option<&Ty>) -> Option<(TExpr, TExpr)> {
        if let Some(h) = hint {
            let (l, r) = (self.check(lhs, Some(h)), self.check(rhs, Some(h)));
            return Some((l?, r?));
        }
        let lhs_first = weakness(lhs) <= weakness(rhs);
        let (first, second) = if lhs_first { (lhs, rhs) } else { (rhs, lhs) };
        let a = self.check(first, None);
        let b = match &a {
            Some(a) => self.check(second, Some(&a.ty)),
            None => {
                // Still report the other side's own problems when it stands alone.
                if weakness(second) < 2 {
                    self.check(second, None);
                }
                None
            }
        };
        let (a, b) = (a?, b?);
        Some(if lhs_first { (a, b) } else { (b, a) })
    }
}

/// The value of an `int` expression made of literals, `-` and arithmetic alone (a range's
/// bound, for the checker and the compiler alike), if it has one.
pub fn int_constant(e: &TExpr) -> Option<i64> {
    const_int(e, &|_| None)
}

/// The value of an `int` expression made of literals, `-`, arithmetic and the locals
/// `local` knows, if it has one (`None` too where the arithmetic overflows:
/// [`constant_fault`] reports that).
fn const_int(e: &TExpr, local: &dyn Fn(&str) -> Option<i64>) -> Option<i64> {
    match &e.kind {
        TExprKind::Int(n) => Some(*n),
        TExprKind::Local(name) if e.ty == Ty::Int => local(name),
        TExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => const_int(operand, local)?.checked_neg(),
        TExprKind::Binary { op, lhs, rhs } if e.ty == Ty::Int => {
            arithmetic(*op, const_int(lhs, local)?, const_int(rhs, local)?)?
        }
        _ => None,
    }
}

/// `a op b` in `i64`: `None` for an operator that is no arithmetic, `Some(None)` where
/// it overflows or divides by 0.
pub(super) fn arithmetic(op: BinaryOp, a: i64, b: i64) -> Option<Option<i64>> {
    Some(match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::Div => a.checked_div(b),
        BinaryOp::Rem => a.checked_rem(b),
        _ => return None,
    })
}

/// Why `l op r` on `int`s cannot be computed, when that is known without running it: a
/// division by a constant 0, or constants whose result overflows (`right` and `left`
/// their values, where known).
fn constant_fault(op: BinaryOp, left: Option<i64>, right: Option<i64>) -> Option<String> {
    let divides = matches!(op, BinaryOp::Div | BinaryOp::Rem);
    if divides && right == Some(0) {
        return Some(format!(
            "`{}` by 0",
            if op == BinaryOp::Div { "/" } else { "%" }
        ));
    }
    let (a, b) = (left?, right?);
    arithmetic(op, a, b)?
        .is_none()
        .then(|| format!("`{a} {} {b}` overflows `int`", op.symbol()))
}
