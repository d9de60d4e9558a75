//! The types a prompt must show from modules its module does not `use`: `chain.top` uses
//! `chain.mid`, whose `add` takes and returns a `chain.base.Money`. The agent writing
//! `chain.top` gets `Money` values from `add` and passes them back; without the record's
//! fields it can only guess them.

use crate::check::{DeclKind, ModuleModel, Project, Ty, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

/// By module, the names of the types that the interfaces of `module`'s used modules name
/// from modules neither `module` nor those used modules' own sections show, and, in turn,
/// what those types name (fields, variants, methods). Empty when every named type is in
/// a module the prompt shows already.
pub fn reached_types(
    project: &Project,
    module: &ModuleModel,
) -> BTreeMap<String, BTreeSet<String>> {
    let shown: BTreeSet<&str> = module
        .uses
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(module.name.as_str()))
        .collect();
    let mut pending = Vec::new();
    for used in module.uses.iter().filter_map(|u| project.module(u)) {
        interface_types(used, &mut pending);
    }
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while let Some(r) = pending.pop() {
        if shown.contains(r.module.as_str()) {
            continue;
        }
        if !reached
            .entry(r.module.clone())
            .or_default()
            .insert(r.name.clone())
        {
            continue;
        }
        if let Some(owner) = project.module(&r.module) {
            declaration_types(owner, &r, &mut pending);
        }
    }
    reached
}

/// What a module's interface names: its functions' and methods' signatures, its records'
/// fields and its enums' payloads.
fn interface_types(module: &ModuleModel, out: &mut Vec<TypeRef>) {
    for f in module.functions_and_methods() {
        signature_types(f, out);
    }
    for r in &module.records {
        r.fields.iter().for_each(|(_, ty)| named(ty, out));
    }
    for e in &module.enums {
        e.variants
            .iter()
            .flat_map(|v| &v.fields)
            .for_each(|ty| named(ty, out));
    }
}

/// What the declaration of the type `r` names.
fn declaration_types(module: &ModuleModel, r: &TypeRef, out: &mut Vec<TypeRef>) {
    match r.kind {
        DeclKind::Record => {
            for rec in module.records.iter().filter(|rec| rec.name == r.name) {
                rec.fields.iter().for_each(|(_, ty)| named(ty, out));
            }
        }
        DeclKind::Enum | DeclKind::Error => {
            for e in module.enums.iter().filter(|e| e.name == r.name) {
                e.variants
                    .iter()
                    .flat_map(|v| &v.fields)
                    .for_each(|ty| named(ty, out));
            }
        }
        DeclKind::Opaque => {
            for t in module.types.iter().filter(|t| t.name == r.name) {
                t.methods.iter().for_each(|m| signature_types(m, out));
            }
        }
    }
}

fn signature_types(f: &crate::check::Function, out: &mut Vec<TypeRef>) {
    f.params.iter().for_each(|(_, ty)| named(ty, out));
    named(&f.ret, out);
}

/// Every declared type `ty` holds, itself included.
fn named(ty: &Ty, out: &mut Vec<TypeRef>) {
    match ty {
        Ty::Unit | Ty::Bool | Ty::Int | Ty::Float | Ty::Str | Ty::Bytes => {}
        Ty::List(t) | Ty::Option(t) => named(t, out),
        Ty::Map(a, b) | Ty::Result(a, b) => {
            named(a, out);
            named(b, out);
        }
        Ty::Tuple(ts) => ts.iter().for_each(|t| named(t, out)),
        Ty::Named(r) => out.push(r.clone()),
    }
}
