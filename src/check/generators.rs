//! Which types a property can range over: generators exist for the built-in data types,
//! tuples, records and enums, but not for opaque `type`s or recursive declarations.

use super::model::{DeclKind, Ty};
use super::scope::Tables;
use super::types::{is_recursive, reaches};
use std::collections::HashSet;

/// Whether random values of `ty` can be generated.
pub(crate) fn has_generator(tables: &Tables, ty: &Ty) -> bool {
    let mut seen = HashSet::new();
    let blocked = reaches(tables, ty, true, &mut seen, &mut |r| {
        r.kind == DeclKind::Opaque || is_recursive(tables, r, true)
    });
    !blocked && !matches!(ty, Ty::Unit)
}
