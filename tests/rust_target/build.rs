//! A small builder for checked models, so tests can describe a module without the
//! checker: every helper returns a [`TExpr`], [`Function`] or [`ModuleModel`] with empty
//! spans.

use ghost::check::*;
use ghost::syntax::ast::{BinaryOp, Span};
use std::path::PathBuf;

fn sp() -> Span {
    Span::default()
}

pub fn e(kind: TExprKind, ty: Ty) -> TExpr {
    TExpr {
        kind,
        ty,
        span: sp(),
    }
}
pub fn int(n: i64) -> TExpr {
    e(TExprKind::Int(n), Ty::Int)
}
pub fn s(v: &str) -> TExpr {
    e(TExprKind::Str(v.into()), Ty::Str)
}
pub fn local(name: &str, ty: Ty) -> TExpr {
    e(TExprKind::Local(name.into()), ty)
}
pub fn result(ty: Ty) -> TExpr {
    e(TExprKind::ResultValue, ty)
}
pub fn list_of(t: Ty) -> Ty {
    Ty::List(Box::new(t))
}
pub fn list(elem: Ty, items: Vec<TExpr>) -> TExpr {
    e(TExprKind::List(items), list_of(elem))
}
pub fn some(x: TExpr) -> TExpr {
    let ty = Ty::Option(Box::new(x.ty.clone()));
    e(TExprKind::Some(Box::new(x)), ty)
}
pub fn none(t: Ty) -> TExpr {
    e(TExprKind::None, Ty::Option(Box::new(t)))
}
pub fn ok(x: TExpr, err: Ty) -> TExpr {
    let ty = Ty::Result(Box::new(x.ty.clone()), Box::new(err));
    e(TExprKind::Ok(Box::new(x)), ty)
}
pub fn err(x: TExpr, okt: Ty) -> TExpr {
    let ty = Ty::Result(Box::new(okt), Box::new(x.ty.clone()));
    e(TExprKind::Err(Box::new(x)), ty)
}
pub fn bin(op: BinaryOp, l: TExpr, r: TExpr) -> TExpr {
    let ty = if op.is_comparison() || matches!(op, BinaryOp::And | BinaryOp::Or) {
        Ty::Bool
    } else {
        l.ty.clone()
    };
    e(
        TExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        },
        ty,
    )
}
pub fn eq(l: TExpr, r: TExpr) -> TExpr {
    bin(BinaryOp::Eq, l, r)
}
pub fn builtin(op: Builtin, args: Vec<TExpr>, ty: Ty) -> TExpr {
    e(TExprKind::Builtin { op, args }, ty)
}
pub fn len(x: TExpr) -> TExpr {
    builtin(Builtin::Len, vec![x], Ty::Int)
}
pub fn call(f: &FnRef, args: Vec<TExpr>) -> TExpr {
    e(
        TExprKind::Call {
            func: f.clone(),
            args,
        },
        f.ret.clone(),
    )
}
pub fn mcall(recv: TExpr, f: &FnRef, args: Vec<TExpr>) -> TExpr {
    e(
        TExprKind::MethodCall {
            receiver: Box::new(recv),
            func: f.clone(),
            args,
        },
        f.ret.clone(),
    )
}
pub fn named(module: &str, name: &str, kind: DeclKind) -> TypeRef {
    TypeRef {
        module: module.into(),
        name: name.into(),
        kind,
    }
}
pub fn variant(t: &TypeRef, name: &str, args: Vec<TExpr>) -> TExpr {
    e(
        TExprKind::Variant {
            enum_ty: t.clone(),
            variant: name.into(),
            args,
        },
        Ty::Named(t.clone()),
    )
}

/// A free function or method: its reference (for calls) and its declaration.
pub fn func(
    module: &str,
    owner: Option<&str>,
    receiver: Option<bool>,
    name: &str,
    params: &[(&str, Ty)],
    ret: Ty,
    signature_source: &str,
) -> (FnRef, Function) {
    let fnref = FnRef {
        module: module.into(),
        owner: owner.map(Into::into),
        name: name.into(),
        receiver,
        params: params.iter().map(|(_, t)| t.clone()).collect(),
        ret: ret.clone(),
    };
    let f = Function {
        name: name.into(),
        owner: owner.map(Into::into),
        receiver,
        params: params
            .iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect(),
        ret,
        doc: None,
        signature_source: signature_source.into(),
        examples: vec![],
        requires: vec![],
        ensures: vec![],
        properties: vec![],
        span: sp(),
    };
    (fnref, f)
}

pub fn contract(expr: TExpr, source: &str) -> Contract {
    Contract {
        expr,
        source: source.into(),
        span: sp(),
    }
}

pub fn property(
    name: Option<&str>,
    binders: Vec<BinderModel>,
    body: TExpr,
    source: &str,
) -> Property {
    Property {
        name: name.map(Into::into),
        binders,
        filter: None,
        body,
        source: source.into(),
        span: sp(),
    }
}

pub fn binder(name: &str, ty: Ty, range: Option<(TExpr, TExpr)>) -> BinderModel {
    BinderModel {
        name: name.into(),
        ty,
        range,
    }
}

pub fn nfr(kind: NfrModel, source: &str) -> Nfr {
    Nfr {
        kind,
        source: source.into(),
        span: sp(),
    }
}

pub fn module(name: &str, doc: &str) -> ModuleModel {
    ModuleModel {
        name: name.into(),
        path: name.split('.').map(Into::into).collect(),
        file: PathBuf::from(format!("specs/{}.ghost", name.replace('.', "/"))),
        doc: Some(doc.into()),
        uses: vec![],
        records: vec![],
        enums: vec![],
        types: vec![],
        functions: vec![],
        scenarios: vec![],
        snapshots: vec![],
        nfrs: vec![],
    }
}

pub fn opaque(name: &str, methods: Vec<Function>) -> Opaque {
    Opaque {
        name: name.into(),
        doc: None,
        methods,
        span: sp(),
    }
}

pub fn scenario(name: &str, steps: Vec<Step>, source: &str) -> Scenario {
    Scenario {
        name: name.into(),
        steps,
        source: source.into(),
        span: sp(),
    }
}

pub fn snapshot(name: &str, steps: Vec<Step>, value: TExpr, source: &str) -> Snapshot {
    Snapshot {
        name: name.into(),
        steps,
        value,
        source: source.into(),
        span: sp(),
    }
}

pub fn enum_decl(name: &str, is_error: bool, variants: Vec<(&str, Vec<Ty>)>) -> Enum {
    Enum {
        name: name.into(),
        is_error,
        doc: None,
        variants: variants
            .into_iter()
            .map(|(n, fields)| VariantModel {
                name: n.into(),
                fields,
            })
            .collect(),
        span: sp(),
    }
}
