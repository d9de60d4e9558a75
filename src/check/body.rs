//! The bodies of one module: function contracts, properties, scenarios and snapshots,
//! typed into the model.

use super::decls::dedup;
use super::expr::ExprCx;
use super::generators::has_generator;
use super::hasher::HashMap;
use super::model::{
    BinderModel, Contract, Enum, Function, Opaque, Property, Record, Scenario, Snapshot, Step,
    TExpr, TExprKind, Ty, VariantModel,
};
use super::scope::{is_reserved_value, Env, FnSig};
use super::types::{resolve, show, unordered_part};
use crate::diagnostics::{Diagnostic, Kind};
use crate::format::canonical;
use crate::syntax::ast::{self, Clause, FnDecl, Span, Stmt};

/// What the bodies need besides the environment: the file's text for `source` fields.
pub(crate) struct BodyCx<'a, 'd> {
    pub env: Env<'a>,
    pub text: &'a str,
    pub diags: &'d mut Vec<Diagnostic>,
}

/// The value of a range's bound known from constants: an `int` from literals and
/// arithmetic ([`super::expr::int_constant`]), a `float` literal, negated or not.
fn constant(e: &TExpr) -> Option<Constant> {
    match super::expr::int_constant(e) {
        Some(i) => Some(Constant::Int(i)),
        None => float_constant(e).map(Constant::Float),
    }
}

fn float_constant(e: &TExpr) -> Option<f64> {
    match &e.kind {
        TExprKind::Float(f) => f.parse().ok(),
        TExprKind::Unary {
            op: ast::UnaryOp::Neg,
            operand,
        } => float_constant(operand).map(|v| -v),
        _ => None,
    }
}

/// A constant bound of a range: an `int` exactly (as `f64`, `i64::MAX - 1` and
/// `i64::MAX` are one number, and the one-value range between them looked empty).
#[derive(Debug, Clone, Copy)]
enum Constant {
    Int(i64),
    Float(f64),
}

impl Constant {
    /// Whether the range `self..hi` holds no value.
    fn empty_to(self, hi: Constant) -> bool {
        match (self, hi) {
            (Constant::Int(l), Constant::Int(h)) => l >= h,
            (l, h) => l.as_f64() >= h.as_f64(),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Constant::Int(i) => i as f64,
            Constant::Float(f) => f,
        }
    }
}

fn doc(d: &Option<ast::Doc>) -> Option<String> {
    d.as_ref().map(|d| d.text.clone())
}

impl BodyCx<'_, '_> {
    /// The text of a clause, trimmed (the parser's spans may hold trailing white space).
    pub fn source(&self, span: Span) -> String {
        source_text(self.text, span)
    }

    pub fn record(&self, r: &ast::RecordDecl) -> Record {
        let fields = self.env.table().records.get(&r.name.name);
        let fields = fields.map(|fs| {
            fs.iter()
                .map(|(n, t)| (n.clone(), t.clone().unwrap_or(Ty::Unit)))
                .collect()
        });
        Record {
            name: r.name.name.clone(),
            doc: doc(&r.doc),
            fields: fields.unwrap_or_default(),
            ordered: self.ordered(&r.name.name),
            span: r.span,
        }
    }

    /// Whether the module's record or enum `name` has a total order.
    fn ordered(&self, name: &str) -> bool {
        let table = self.env.table();
        table
            .types
            .get(name)
            .is_some_and(|r| unordered_part(self.env.tables, &Ty::Named(r.clone())).is_none())
    }

    pub fn enum_decl(&self, e: &ast::EnumDecl) -> Enum {
        let variants = self.env.table().enums.get(&e.name.name).map(|vs| {
            vs.iter()
                .map(|(n, ts)| VariantModel {
                    name: n.clone(),
                    fields: ts.iter().map(|t| t.clone().unwrap_or(Ty::Unit)).collect(),
                })
                .collect()
        });
        Enum {
            name: e.name.name.clone(),
            is_error: e.is_error,
            doc: doc(&e.doc),
            variants: variants.unwrap_or_default(),
            ordered: self.ordered(&e.name.name),
            span: e.span,
        }
    }

    pub fn opaque(&mut self, t: &ast::TypeDecl) -> Opaque {
        let table = self.env.table();
        let self_ty = table.types.get(&t.name.name).map(|r| Ty::Named(r.clone()));
        let methods = t
            .methods
            .iter()
            .filter_map(|m| {
                let sig = table.methods.get(&t.name.name)?.get(&m.name.name)?;
                Some(self.function(m, sig, self_ty.clone()))
            })
            .collect();
        Opaque {
            name: t.name.name.clone(),
            doc: doc(&t.doc),
            methods,
            span: t.span,
        }
    }

    pub fn free_fn(&mut self, f: &FnDecl) -> Option<Function> {
        let sig = self.env.table().functions.get(&f.name.name)?;
        Some(self.function(f, sig, None))
    }

    /// The signature as written: from `fn` to the body's `{` (or the end), trimmed.
    fn signature_source(&self, f: &FnDecl) -> String {
        canonical::signature(f)
    }

    fn function(&mut self, f: &FnDecl, sig: &FnSig, self_ty: Option<Ty>) -> Function {
        let names: Vec<String> = f.params.iter().map(|p| p.name.name.clone()).collect();
        let mut params_scope: Vec<(String, Ty)> = Vec::new();
        let mut hidden: Vec<String> = Vec::new();
        for ((n, t), ok) in names.iter().zip(&sig.fnref.params).zip(&sig.resolved) {
            if *ok {
                params_scope.push((n.clone(), t.clone()));
            } else {
                hidden.push(n.clone());
            }
        }
        if let (Some(t), Some(_)) = (&self_ty, &f.receiver) {
            params_scope.insert(0, ("self".to_string(), t.clone()));
        }
        let mut model = Function {
            name: f.name.name.clone(),
            owner: sig.fnref.owner.clone(),
            receiver: sig.fnref.receiver,
            params: names
                .into_iter()
                .zip(sig.fnref.params.iter().cloned())
                .collect(),
            ret: sig.fnref.ret.clone(),
            doc: doc(&f.doc),
            signature_source: self.signature_source(f),
            examples: Vec::new(),
            requires: Vec::new(),
            ensures: Vec::new(),
            properties: Vec::new(),
            span: f.span,
        };
        // A property's name names its test (`property_f_name`): two of one test name on
        // one function (`p`, or `p` and `P`) could not be told apart in a failure report.
        let mut property_names = super::TestNames::default();
        for clause in &f.clauses {
            match clause {
                Clause::Example(x) => {
                    let mut cx = ExprCx::new(self.env, self.diags);
                    if let Some(expr) = cx.check_bool(&x.expr, "example") {
                        model.examples.push(Contract {
                            expr,
                            source: canonical::clause(clause),
                            span: x.span,
                        });
                    }
                }
                Clause::Requires(x) => {
                    let mut cx = ExprCx::new(self.env, self.diags);
                    cx.locals = params_scope.clone();
                    cx.hidden = hidden.clone();
                    cx.judging = Some("requires");
                    if let Some(expr) = cx.check_bool(&x.expr, "requires") {
                        model.requires.push(Contract {
                            expr,
                            source: canonical::clause(clause),
                            span: x.span,
                        });
                    }
                }
                Clause::Ensures(x) => {
                    let unit = sig.fnref.ret == Ty::Unit && sig.complete;
                    if unit {
                        self.env
                            .error(self.diags, x.span, Kind::EnsuresWithoutResult);
                    }
                    let mut cx = ExprCx::new(self.env, self.diags);
                    cx.locals = params_scope.clone();
                    cx.hidden = hidden.clone();
                    cx.ensures = Some(if sig.complete && !unit {
                        Some(sig.fnref.ret.clone())
                    } else {
                        None
                    });
                    cx.judging = Some("ensures");
                    if let Some(expr) = cx.check_bool(&x.expr, "ensures") {
                        model.ensures.push(Contract {
                            expr,
                            source: canonical::clause(clause),
                            span: x.span,
                        });
                    }
                }
                Clause::Property(p) => {
                    if let Some(name) = &p.name {
                        let file = self.env.file;
                        let clash = property_names.claim(file, "property", &name.name, name.span);
                        self.diags.extend(clash);
                    }
                    if let Some(p) = self.property(p) {
                        model.properties.push(p);
                    }
                }
            }
        }
        model
    }

    fn property(&mut self, p: &ast::Property) -> Option<Property> {
        let mut ok = true;
        let mut binders = Vec::new();
        let mut seen = HashMap::default();
        // Binders see only earlier binders: a property has its own scope.
        let mut scope: Vec<(String, Ty)> = Vec::new();
        // Binders whose type is in error: their uses are not errors of their own (one
        // misspelt type gave an "unknown name" at every use of its variable).
        let mut hidden: Vec<String> = Vec::new();
        for b in &p.binders {
            if is_reserved_value(&b.name.name) {
                self.env.error(
                    self.diags,
                    b.name.span,
                    Kind::ReservedName {
                        name: b.name.name.clone(),
                    },
                );
                ok = false;
            }
            ok &= dedup(
                &mut seen,
                &b.name,
                "bound variable",
                self.env.file,
                self.diags,
            );
            let Some(ty) = resolve(&self.env, &b.ty, self.diags) else {
                hidden.push(b.name.name.clone());
                ok = false;
                continue;
            };
            if !has_generator(self.env.tables, &ty) {
                self.env
                    .error(self.diags, b.ty.span(), Kind::NoGenerator { ty: show(&ty) });
                ok = false;
            }
            let range = match &b.range {
                None => None,
                Some((lo, hi)) if matches!(ty, Ty::Int | Ty::Float) => {
                    let mut cx = ExprCx::new(self.env, self.diags);
                    cx.locals = scope.clone();
                    cx.hidden = hidden.clone();
                    let (lo_t, hi_t) = (cx.check(lo, Some(&ty)), cx.check(hi, Some(&ty)));
                    ok &= lo_t.is_some() && hi_t.is_some();
                    let bounds = lo_t
                        .as_ref()
                        .and_then(constant)
                        .zip(hi_t.as_ref().and_then(constant));
                    if bounds.is_some_and(|(l, h)| l.empty_to(h)) {
                        let range = self.source(lo.span.to(hi.span));
                        self.env
                            .error(self.diags, lo.span.to(hi.span), Kind::EmptyRange { range });
                        ok = false;
                    }
                    lo_t.zip(hi_t)
                }
                Some((lo, hi)) => {
                    self.env.error(
                        self.diags,
                        lo.span.to(hi.span),
                        Kind::BadRange { ty: show(&ty) },
                    );
                    ok = false;
                    None
                }
            };
            scope.push((b.name.name.clone(), ty.clone()));
            binders.push(BinderModel {
                name: b.name.name.clone(),
                ty,
                range,
            });
        }
        let mut cx = ExprCx::new(self.env, self.diags);
        cx.locals = scope;
        cx.hidden = hidden;
        let filter = p.filter.as_ref().map(|f| cx.check_bool(f, "where"));
        let body = cx.check_bool(&p.body, "property");
        let filter = match filter {
            Some(f) => Some(f?),
            None => None,
        };
        let body = body?;
        if !ok {
            return None;
        }
        Some(Property {
            name: p.name.as_ref().map(|n| n.name.clone()),
            binders,
            filter,
            body,
            source: canonical::property(p),
            span: p.span,
        })
    }

    /// Types statements in order (`let`s extend the scope of what follows), then `value`
    /// in their scope, if given.
    fn steps(&mut self, stmts: &[Stmt], value: Option<&ast::Expr>) -> (Vec<Step>, Option<TExpr>) {
        let mut cx = ExprCx::new(self.env, self.diags);
        let mut steps: Vec<Step> = Vec::new();
        for s in stmts {
            match s {
                Stmt::Let {
                    name,
                    mutable,
                    ty,
                    value,
                    ..
                } => {
                    if is_reserved_value(&name.name) {
                        let kind = Kind::ReservedName {
                            name: name.name.clone(),
                        };
                        cx.diags
                            .push(Diagnostic::new(self.env.file, name.span, kind));
                    }
                    let declared = ty.as_ref().map(|t| resolve(&self.env, t, cx.diags));
                    let typed = match &declared {
                        Some(None) => None,
                        Some(Some(t)) => cx.check(value, Some(t)),
                        None => cx.check(value, None),
                    };
                    match typed {
                        Some(v) => {
                            cx.locals.push((name.name.clone(), v.ty.clone()));
                            // Only an `int` has a constant, and nothing in a scenario
                            // changes one (no assignment; ints have no `mut self`
                            // methods), so a `let mut` int is as constant as a `let`:
                            // rustc refuses `5 / m` after `let mut m = 0` all the same.
                            let known = cx.constant(&v);
                            cx.constants.push((name.name.clone(), known));
                            steps.push(Step::Let {
                                name: name.name.clone(),
                                mutable: *mutable,
                                value: v,
                            });
                        }
                        None => cx.hidden.push(name.name.clone()),
                    }
                }
                Stmt::Expect { expr, .. } => {
                    if let Some(e) = cx.check_bool(expr, "expect") {
                        let source = canonical::stmt(s);
                        steps.push(Step::Expect { expr: e, source });
                    }
                }
                Stmt::Expr { expr, .. } => {
                    if let Some(e) = cx.check(expr, None) {
                        steps.push(Step::Do { expr: e });
                    }
                }
            }
            mark_mutable(&mut steps, &mut cx.mut_calls);
        }
        let value = value.and_then(|v| cx.check(v, None));
        mark_mutable(&mut steps, &mut cx.mut_calls);
        (steps, value)
    }

    pub fn scenario(&mut self, s: &ast::Scenario) -> Scenario {
        let (steps, _) = self.steps(&s.stmts, None);
        Scenario {
            name: s.name.value.clone(),
            steps,
            source: canonical::block("scenario", &s.name.value, &s.stmts),
            span: s.span,
        }
    }

    pub fn snapshot(&mut self, s: &ast::Snapshot) -> Option<Snapshot> {
        let Some((Stmt::Expr { expr: last, .. }, before)) = s.stmts.split_last() else {
            let span = s.stmts.last().map_or(s.span, Stmt::span);
            self.env.error(self.diags, span, Kind::SnapshotWithoutValue);
            self.steps(&s.stmts, None);
            return None;
        };
        let (steps, value) = self.steps(before, Some(last));
        if value.as_ref().is_some_and(|v| v.ty == Ty::Unit) {
            // A call that returns nothing would pin `()`, whatever the code does.
            self.env
                .error(self.diags, last.span, Kind::SnapshotOfNothing);
            return None;
        }
        Some(Snapshot {
            name: s.name.value.clone(),
            steps,
            value: value?,
            source: canonical::block("snapshot", &s.name.value, &s.stmts),
            span: s.span,
        })
    }
}

/// The text of `span` in `text`, trimmed; empty when the text is missing (not UTF-8).
pub(crate) fn source_text(text: &str, span: Span) -> String {
    text.get(span.start..span.end)
        .unwrap_or("")
        .trim()
        .to_string()
}

/// A `mut self` call on a binding makes its latest `let` mutable.
fn mark_mutable(steps: &mut [Step], calls: &mut Vec<String>) {
    for name in calls.drain(..) {
        let latest = steps.iter_mut().rev().find_map(|st| match st {
            Step::Let {
                name: n, mutable, ..
            } if *n == name => Some(mutable),
            _ => None,
        });
        if let Some(m) = latest {
            *m = true;
        }
    }
}
