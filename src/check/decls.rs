//! Declarations: the names each module declares (pass one) and their resolved types and
//! signatures (pass two), with the duplicate, reserved-name and shape checks.

use super::hasher::HashMap;
use super::model::{DeclKind, FnRef, Ty, TypeRef};
use super::scope::{is_reserved_type, is_reserved_value, Env, FnSig, ModuleTable};
use super::types::{is_recursive, map_keys, resolve, unordered_part};
use crate::diagnostics::{Diagnostic, Kind};
use crate::syntax::ast::{Clause, FnDecl, Ident, Item, Module, Span, Stmt, TypeExpr};
use std::path::Path;

/// Reports a second declaration of one name in one namespace.
pub(crate) fn dedup<'n>(
    seen: &mut HashMap<&'n str, Span>,
    id: &'n Ident,
    what: &'static str,
    file: &Path,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if let Some(first) = seen.get(id.name.as_str()) {
        let d = Diagnostic::new(
            file,
            id.span,
            Kind::Duplicate {
                what,
                name: id.name.clone(),
            },
        );
        diags.push(d.with_related(*first, "first declared here"));
        return false;
    }
    seen.insert(&id.name, id.span);
    true
}

fn reserved(id: &Ident, is_type: bool, file: &Path, diags: &mut Vec<Diagnostic>) {
    let bad = if is_type {
        is_reserved_type
    } else {
        is_reserved_value
    };
    reserved_by(id, bad, file, diags);
}

/// E0212 at `id` when `bad` says its name is kept.
fn reserved_by(id: &Ident, bad: fn(&str) -> bool, file: &Path, diags: &mut Vec<Diagnostic>) {
    if bad(&id.name) {
        diags.push(Diagnostic::new(
            file,
            id.span,
            Kind::ReservedName {
                name: id.name.clone(),
            },
        ));
    }
}

/// Pass one: the type names a module declares (one namespace for records, enums, errors
/// and types). Functions come in pass two, with their signatures.
pub(crate) fn declare_types(
    module: &Module,
    name: &str,
    file: &Path,
    diags: &mut Vec<Diagnostic>,
) -> ModuleTable {
    let mut table = ModuleTable::default();
    let mut seen: HashMap<&str, Span> = HashMap::default();
    for item in &module.items {
        let (id, kind) = match item {
            Item::Record(r) => (&r.name, DeclKind::Record),
            Item::Enum(e) => (
                &e.name,
                if e.is_error {
                    DeclKind::Error
                } else {
                    DeclKind::Enum
                },
            ),
            Item::Type(t) => (&t.name, DeclKind::Opaque),
            _ => continue,
        };
        reserved(id, true, file, diags);
        if dedup(&mut seen, id, "type", file, diags) {
            let r = TypeRef {
                module: name.to_string(),
                name: id.name.clone(),
                kind,
            };
            table.types.insert(id.name.clone(), r);
        }
    }
    table
}

/// What pass two resolves for one module; merged into its table afterwards.
#[derive(Default)]
pub(crate) struct Resolved {
    pub records: HashMap<String, super::scope::Fields>,
    pub enums: HashMap<String, super::scope::Variants>,
    pub methods: HashMap<String, HashMap<String, FnSig>>,
    pub functions: HashMap<String, FnSig>,
}

/// Pass two: fields, variants and signatures, resolved in the module's scope.
pub(crate) fn resolve_decls(
    env: Env<'_>,
    module: &Module,
    diags: &mut Vec<Diagnostic>,
) -> Resolved {
    let mut out = Resolved::default();
    let mut fn_names: HashMap<&str, Span> = HashMap::default();
    for item in &module.items {
        match item {
            Item::Record(r) => {
                let mut seen = HashMap::default();
                let mut fields = Vec::new();
                for f in &r.fields {
                    reserved(&f.name, false, env.file, diags);
                    let ty = resolve(&env, &f.ty, diags);
                    if dedup(&mut seen, &f.name, "field", env.file, diags) {
                        fields.push((f.name.name.clone(), ty));
                    }
                }
                out.records.entry(r.name.name.clone()).or_insert(fields);
            }
            Item::Enum(e) => {
                let mut seen = HashMap::default();
                let mut variants = Vec::new();
                for v in &e.variants {
                    reserved_by(&v.name, super::scope::is_ghosts_own, env.file, diags);
                    let tys = v.fields.iter().map(|t| resolve(&env, t, diags)).collect();
                    if dedup(&mut seen, &v.name, "variant", env.file, diags) {
                        variants.push((v.name.name.clone(), tys));
                    }
                }
                out.enums.entry(e.name.name.clone()).or_insert(variants);
            }
            Item::Type(t) => {
                let mut seen = HashMap::default();
                let mut methods = HashMap::default();
                for m in &t.methods {
                    reserved_by(&m.name, super::scope::is_reserved_method, env.file, diags);
                    let sig = signature(env, m, Some(&t.name.name), diags);
                    if dedup(&mut seen, &m.name, "method", env.file, diags) {
                        methods.insert(m.name.name.clone(), sig);
                    }
                }
                out.methods.entry(t.name.name.clone()).or_insert(methods);
            }
            Item::Fn(f) => {
                reserved(&f.name, false, env.file, diags);
                if let Some(r) = &f.receiver {
                    env.error(diags, r.span, Kind::SelfOutsideType);
                }
                let sig = signature(env, f, None, diags);
                if dedup(&mut fn_names, &f.name, "function", env.file, diags) {
                    out.functions.insert(f.name.name.clone(), sig);
                }
            }
            _ => {}
        }
    }
    out
}

/// A function's or method's signature; reports bad parameter names and types.
fn signature(env: Env<'_>, f: &FnDecl, owner: Option<&str>, diags: &mut Vec<Diagnostic>) -> FnSig {
    let mut seen = HashMap::default();
    let mut complete = true;
    let mut params = Vec::new();
    let mut resolved = Vec::new();
    for p in &f.params {
        reserved(&p.name, false, env.file, diags);
        dedup(&mut seen, &p.name, "parameter", env.file, diags);
        let ty = resolve(&env, &p.ty, diags);
        complete &= ty.is_some();
        resolved.push(ty.is_some());
        params.push(ty.unwrap_or(Ty::Unit));
    }
    let ret = match &f.ret {
        Some(t) => resolve(&env, t, diags),
        None => Some(Ty::Unit),
    };
    complete &= ret.is_some();
    let fnref = FnRef {
        module: env.module.to_string(),
        owner: owner.map(str::to_string),
        name: f.name.name.clone(),
        receiver: if owner.is_some() {
            f.receiver.as_ref().map(|r| r.mutable)
        } else {
            None
        },
        params,
        ret: ret.unwrap_or(Ty::Unit),
    };
    FnSig {
        fnref,
        complete,
        resolved,
    }
}

/// Records and enums that contain themselves outside a `list` or `map` (infinitely large).
pub(crate) fn check_infinite(env: Env<'_>, module: &Module, diags: &mut Vec<Diagnostic>) {
    let table = env.table();
    for item in &module.items {
        let id = match item {
            Item::Record(r) => &r.name,
            Item::Enum(e) => &e.name,
            _ => continue,
        };
        let Some(r) = table.types.get(&id.name) else {
            continue;
        };
        if r.kind != DeclKind::Opaque && is_recursive(env.tables, r, false) {
            let kind = Kind::InfiniteType {
                name: id.name.clone(),
            };
            env.error(diags, id.span, kind);
        }
    }
}

/// Map keys that hold a `float` or an opaque type through a record or enum (`map<Point,
/// int>` where `Point` has a `float` field): the generated `BTreeMap` needs an order. A
/// `float` written in the key itself is reported where the type is resolved.
pub(crate) fn check_map_keys(env: Env<'_>, module: &Module, diags: &mut Vec<Diagnostic>) {
    let mut keys = Vec::new();
    for te in written_types(module) {
        map_keys(te, &mut keys);
    }
    for key in keys {
        // Resolved again, quietly: its own problems were reported the first time.
        let Some(ty) = resolve(&env, key, &mut Vec::new()) else {
            continue;
        };
        if let Some(because) = unordered_part(env.tables, &ty) {
            let kind = Kind::UnorderedMapKey {
                ty: super::types::show(&ty),
                because,
            };
            env.error(diags, key.span(), kind);
        }
    }
}

/// Records, enums and errors holding an opaque type (E0318), through lists, maps,
/// options and other declarations: their derived `Clone` and `PartialEq` would not
/// compile.
pub(crate) fn check_values_hold_no_opaque(
    env: Env<'_>,
    module: &Module,
    diags: &mut Vec<Diagnostic>,
) {
    let mut parts: Vec<(&str, &TypeExpr)> = Vec::new();
    for item in &module.items {
        match item {
            Item::Record(r) => parts.extend(r.fields.iter().map(|f| (r.name.name.as_str(), &f.ty))),
            Item::Enum(e) => parts.extend(
                e.variants
                    .iter()
                    .flat_map(|v| v.fields.iter().map(|t| (e.name.name.as_str(), t))),
            ),
            _ => {}
        }
    }
    for (owner, te) in parts {
        // Resolved again, quietly: its own problems were reported the first time.
        let Some(ty) = resolve(&env, te, &mut Vec::new()) else {
            continue;
        };
        let mut opaque = None;
        let mut hit = |r: &TypeRef| {
            let is = r.kind == DeclKind::Opaque;
            if is {
                opaque.get_or_insert_with(|| r.name.clone());
            }
            is
        };
        super::types::reaches(
            env.tables,
            &ty,
            true,
            &mut std::collections::HashSet::new(),
            &mut hit,
        );
        if let Some(opaque) = opaque {
            let kind = Kind::OpaqueInValue {
                owner: owner.to_string(),
                opaque,
            };
            env.error(diags, te.span(), kind);
        }
    }
}

/// Every type written in a module: fields, payloads, signatures, binders and `let`s.
fn written_types(module: &Module) -> Vec<&TypeExpr> {
    fn of_fn<'m>(f: &'m FnDecl, out: &mut Vec<&'m TypeExpr>) {
        out.extend(f.params.iter().map(|p| &p.ty));
        out.extend(f.ret.as_ref());
        for c in &f.clauses {
            if let Clause::Property(p) = c {
                out.extend(p.binders.iter().map(|b| &b.ty));
            }
        }
    }
    fn of_stmts<'m>(stmts: &'m [Stmt], out: &mut Vec<&'m TypeExpr>) {
        for s in stmts {
            if let Stmt::Let { ty: Some(t), .. } = s {
                out.push(t);
            }
        }
    }
    let mut out = Vec::new();
    for item in &module.items {
        match item {
            Item::Fn(f) => of_fn(f, &mut out),
            Item::Record(r) => out.extend(r.fields.iter().map(|f| &f.ty)),
            Item::Enum(e) => out.extend(e.variants.iter().flat_map(|v| &v.fields)),
            Item::Type(t) => t.methods.iter().for_each(|m| of_fn(m, &mut out)),
            Item::Scenario(s) => of_stmts(&s.stmts, &mut out),
            Item::Snapshot(s) => of_stmts(&s.stmts, &mut out),
            Item::Use(_) | Item::Nfr(_) => {}
        }
    }
    out
}
