//! Types: written [`TypeExpr`]s resolved to [`Ty`], their display, and the structural
//! checks on them (orderable map keys, infinitely large records and enums).

use super::model::{DeclKind, Ty, TypeRef};
use super::scope::{Env, Lookup, Tables};
use crate::diagnostics::{Diagnostic, Kind};
use crate::syntax::ast::TypeExpr;
use std::collections::HashSet;

/// How a type is written in messages: `list<int>`, `(int, str)`, `LruCache`.
pub(crate) fn show(ty: &Ty) -> String {
    match ty {
        Ty::Unit => "()".into(),
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Float => "float".into(),
        Ty::Str => "str".into(),
        Ty::Bytes => "bytes".into(),
        Ty::List(t) => format!("list<{}>", show(t)),
        Ty::Map(k, v) => format!("map<{}, {}>", show(k), show(v)),
        Ty::Option(t) => format!("option<{}>", show(t)),
        Ty::Result(t, e) => format!("result<{}, {}>", show(t), show(e)),
        // A one-element tuple keeps its comma, as the spec writes it: `(int)` is `int`.
        Ty::Tuple(ts) if ts.len() == 1 => format!("({},)", show(&ts[0])),
        Ty::Tuple(ts) => format!("({})", ts.iter().map(show).collect::<Vec<_>>().join(", ")),
        Ty::Named(r) => r.name.clone(),
    }
}

/// Resolves a written type; reports what does not resolve and returns `None` then.
pub(crate) fn resolve(env: &Env<'_>, te: &TypeExpr, diags: &mut Vec<Diagnostic>) -> Option<Ty> {
    match te {
        TypeExpr::Named(id) => {
            let scalar = match id.name.as_str() {
                "bool" => Some(Ty::Bool),
                "int" => Some(Ty::Int),
                "float" => Some(Ty::Float),
                "str" => Some(Ty::Str),
                "bytes" => Some(Ty::Bytes),
                _ => None,
            };
            if scalar.is_some() {
                return scalar;
            }
            if let Some(n) = generic_arity(&id.name) {
                let kind = Kind::TypeArity {
                    name: id.name.clone(),
                    expected: n,
                    found: 0,
                };
                env.error(diags, id.span, kind);
                return None;
            }
            match env.lookup_type(&id.name) {
                Lookup::Found(r) => Some(Ty::Named(r.clone())),
                Lookup::Ambiguous(ms) => {
                    let kind = Kind::AmbiguousName {
                        name: id.name.clone(),
                        modules: ms.join(", "),
                    };
                    env.error(diags, id.span, kind);
                    None
                }
                Lookup::Missing => {
                    let kind = Kind::UnknownType {
                        name: id.name.clone(),
                        suggestion: env.suggest_type(&id.name),
                    };
                    env.error(diags, id.span, kind);
                    None
                }
            }
        }
        TypeExpr::Generic { name, args, .. } => {
            let expected = generic_arity(&name.name).unwrap_or(0);
            if expected != args.len() {
                let known = expected > 0
                    || matches!(
                        name.name.as_str(),
                        "bool" | "int" | "float" | "str" | "bytes"
                    );
                let kind = if known || !matches!(env.lookup_type(&name.name), Lookup::Missing) {
                    Kind::TypeArity {
                        name: name.name.clone(),
                        expected,
                        found: args.len(),
                    }
                } else {
                    Kind::UnknownType {
                        name: name.name.clone(),
                        suggestion: env.suggest_type(&name.name),
                    }
                };
                env.error(diags, name.span, kind);
                // Still resolve the arguments, so their own problems show too.
                for a in args {
                    resolve(env, a, diags);
                }
                return None;
            }
            let resolved: Vec<Option<Ty>> = args.iter().map(|a| resolve(env, a, diags)).collect();
            let mut it = resolved.into_iter();
            let mut next = || it.next().flatten();
            match name.name.as_str() {
                "list" => Some(Ty::List(Box::new(next()?))),
                "option" => Some(Ty::Option(Box::new(next()?))),
                "map" => {
                    let (k, v) = (next(), next());
                    let k = k?;
                    if contains_float(&k) {
                        let kind = Kind::UnorderedMapKey {
                            ty: show(&k),
                            because: "`float` is not".into(),
                        };
                        env.error(diags, args[0].span(), kind);
                        return None;
                    }
                    Some(Ty::Map(Box::new(k), Box::new(v?)))
                }
                "result" => {
                    let (t, e) = (next(), next());
                    Some(Ty::Result(Box::new(t?), Box::new(e?)))
                }
                _ => unreachable!("generic_arity knows only these names"),
            }
        }
        TypeExpr::Tuple { elems, .. } => {
            if elems.is_empty() {
                return Some(Ty::Unit);
            }
            let resolved: Vec<Option<Ty>> = elems.iter().map(|e| resolve(env, e, diags)).collect();
            Some(Ty::Tuple(resolved.into_iter().collect::<Option<Vec<_>>>()?))
        }
    }
}

fn generic_arity(name: &str) -> Option<usize> {
    match name {
        "list" | "option" => Some(1),
        "map" | "result" => Some(2),
        _ => None,
    }
}

fn contains_float(ty: &Ty) -> bool {
    any_part(ty, &mut |t| matches!(t, Ty::Float))
}

/// Why a map key of type `ty` has no order ghost can derive, looking through the
/// declarations of the records and enums in it: a `float` in one of them, an opaque
/// `type` (whose fields the implementation chooses), or an `error`. `None` for an orderable key, and
/// for a `float` written in `ty` itself (reported where the type is resolved).
pub(crate) fn unordered_part(tables: &Tables, ty: &Ty) -> Option<String> {
    let mut found = None;
    let mut seen = HashSet::new();
    let mut inside = |r: &TypeRef| {
        let why = if r.kind == DeclKind::Opaque {
            Some(format!(
                "`{}` is an opaque type, whose order ghost cannot know",
                r.name
            ))
        } else if r.kind == DeclKind::Error {
            // Errors keep the derives they always had (a longer interface in every
            // prompt for a use nobody has: the 1.5B model's replies changed with it).
            Some(format!(
                "`{}` is an error type, which ghost gives no order",
                r.name
            ))
        } else if declared_parts(tables, r).iter().any(|t| contains_float(t)) {
            Some(format!("`{}` holds a `float`, which is not", r.name))
        } else {
            None
        };
        let hit = why.is_some();
        found = found.take().or(why);
        hit
    };
    reaches(tables, ty, true, &mut seen, &mut inside);
    found
}

/// The types written in the fields of record `r` or the payloads of enum `r`.
fn declared_parts<'t>(tables: &'t Tables, r: &TypeRef) -> Vec<&'t Ty> {
    let mut parts: Vec<&Ty> = Vec::new();
    if let Some(fields) = tables.record(r) {
        parts.extend(fields.iter().filter_map(|(_, t)| t.as_ref()));
    }
    if let Some(vs) = tables.variants(r) {
        parts.extend(vs.iter().flat_map(|(_, ts)| ts.iter().flatten()));
    }
    parts
}

/// Every map key type written in `te`, outermost first.
pub(crate) fn map_keys<'t>(te: &'t TypeExpr, out: &mut Vec<&'t TypeExpr>) {
    match te {
        TypeExpr::Named(_) => {}
        TypeExpr::Generic { name, args, .. } => {
            if name.name == "map" {
                if let Some(k) = args.first() {
                    out.push(k);
                }
            }
            for a in args {
                map_keys(a, out);
            }
        }
        TypeExpr::Tuple { elems, .. } => {
            for e in elems {
                map_keys(e, out);
            }
        }
    }
}

/// Whether `f` holds for `ty` or any type written inside it (not looking into declarations).
pub(crate) fn any_part(ty: &Ty, f: &mut impl FnMut(&Ty) -> bool) -> bool {
    if f(ty) {
        return true;
    }
    match ty {
        Ty::List(t) | Ty::Option(t) => any_part(t, f),
        Ty::Map(a, b) | Ty::Result(a, b) => any_part(a, f) || any_part(b, f),
        Ty::Tuple(ts) => ts.iter().any(|t| any_part(t, f)),
        _ => false,
    }
}

/// Whether a value of `ty` holds an opaque `type` anywhere (through declarations too):
/// Returns the first opaque type found, by name.
pub(crate) fn find_opaque(tables: &Tables, ty: &Ty) -> Option<String> {
    let mut seen = HashSet::new();
    let mut found = None;
    reaches(tables, ty, true, &mut seen, &mut |r| {
        let hit = r.kind == DeclKind::Opaque;
        if hit {
            found = Some(r.name.clone());
        }
        hit
    });
    found
}

/// Walks the declarations reachable from `ty`, calling `hit` on every named type;
/// `through_heap` says whether to look inside `list` and `map`.
pub(crate) fn reaches(
    tables: &Tables,
    ty: &Ty,
    through_heap: bool,
    seen: &mut HashSet<TypeRef>,
    hit: &mut impl FnMut(&TypeRef) -> bool,
) -> bool {
    match ty {
        Ty::List(t) => through_heap && reaches(tables, t, through_heap, seen, hit),
        Ty::Map(a, b) => {
            through_heap
                && (reaches(tables, a, through_heap, seen, hit)
                    || reaches(tables, b, through_heap, seen, hit))
        }
        Ty::Option(t) => reaches(tables, t, through_heap, seen, hit),
        Ty::Result(a, b) => {
            reaches(tables, a, through_heap, seen, hit)
                || reaches(tables, b, through_heap, seen, hit)
        }
        Ty::Tuple(ts) => ts
            .iter()
            .any(|t| reaches(tables, t, through_heap, seen, hit)),
        Ty::Named(r) => {
            if hit(r) {
                return true;
            }
            if !seen.insert(r.clone()) {
                return false;
            }
            declared_parts(tables, r)
                .into_iter()
                .any(|t| reaches(tables, t, through_heap, seen, hit))
        }
        _ => false,
    }
}

/// Whether the record or enum `r` contains itself; `through_heap` as in [`reaches`].
pub(crate) fn is_recursive(tables: &Tables, r: &TypeRef, through_heap: bool) -> bool {
    let mut seen = HashSet::new();
    // Start one level in: `r` itself must not count as its own hit.
    declared_parts(tables, r)
        .into_iter()
        .any(|t| reaches(tables, t, through_heap, &mut seen, &mut |x| x == r))
}
