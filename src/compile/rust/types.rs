//! Spec types as Rust types: owned (results, fields, locals) and as parameters (`str`,
//! `bytes`, `list` and `map` borrowed, everything else owned).

use super::names::{ident, module_path};
use crate::check::{DeclKind, ModuleModel, Project, Ty, TypeRef};

/// Where a type is written: which module's code it appears in and how the crate is named
/// from there (`crate` inside the library, the crate's name in its tests).
#[derive(Debug, Clone, Copy)]
pub struct TypeCtx<'a> {
    /// The dotted name of the module whose items are in scope unqualified.
    pub module: &'a str,
    /// `crate`, or the crate's identifier in test files.
    pub root: &'a str,
}

impl TypeCtx<'_> {
    /// The `type` (of module `module`) that `f` is a method of, as this file names it, and
    /// the type of its receiver (`&mut LruCache`; `None` for a constructor); `None` for a
    /// free function.
    pub fn receiver(
        &self,
        module: &str,
        f: &crate::check::Function,
    ) -> Option<(String, Option<String>)> {
        let owner = self.named(&TypeRef {
            module: module.to_string(),
            name: f.owner.clone()?,
            kind: crate::check::DeclKind::Opaque,
        });
        let borrowed = f.receiver.map(|mutable| {
            let borrow = if mutable { "&mut " } else { "&" };
            format!("{borrow}{owner}")
        });
        Some((owner, borrowed))
    }

    /// A declared type's name: bare in its own module, by full path elsewhere.
    pub fn named(&self, ty: &TypeRef) -> String {
        if ty.module == self.module {
            ident(&ty.name)
        } else {
            format!(
                "{}::{}",
                module_path(self.root, &ty.module),
                ident(&ty.name)
            )
        }
    }

    /// The owned Rust type: `String`, `Vec<T>`, `Option<T>`, ...
    pub fn owned(&self, ty: &Ty) -> String {
        match ty {
            Ty::Unit => "()".into(),
            Ty::Bool => "bool".into(),
            Ty::Int => "i64".into(),
            Ty::Float => "f64".into(),
            Ty::Str => "String".into(),
            Ty::Bytes => "Vec<u8>".into(),
            Ty::List(t) => format!("Vec<{}>", self.owned(t)),
            Ty::Map(k, v) => format!("BTreeMap<{}, {}>", self.owned(k), self.owned(v)),
            Ty::Option(t) => format!("Option<{}>", self.owned(t)),
            Ty::Result(t, e) => format!("Result<{}, {}>", self.owned(t), self.owned(e)),
            Ty::Tuple(items) if items.len() == 1 => format!("({},)", self.owned(&items[0])),
            Ty::Tuple(items) => {
                format!(
                    "({})",
                    items
                        .iter()
                        .map(|t| self.owned(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            Ty::Named(r) => self.named(r),
        }
    }

    /// The type of a parameter: `&str`, `&[u8]`, `&[T]`, `&BTreeMap<K, V>`, else owned.
    pub fn param(&self, ty: &Ty) -> String {
        match ty {
            Ty::Str => "&str".into(),
            Ty::Bytes => "&[u8]".into(),
            Ty::List(t) => format!("&[{}]", self.owned(t)),
            Ty::Map(..) => format!("&{}", self.owned(ty)),
            _ => self.owned(ty),
        }
    }

    /// The return type of a function or method (`Self` for a method returning its own type).
    pub fn ret(&self, ty: &Ty, owner: Option<&str>) -> String {
        match (ty, owner) {
            (Ty::Named(r), Some(owner)) if r.module == self.module && r.name == owner => {
                "Self".into()
            }
            _ => self.owned(ty),
        }
    }
}

/// Whether parameters of this type are passed borrowed.
pub fn is_borrowed_param(ty: &Ty) -> bool {
    matches!(ty, Ty::Str | Ty::Bytes | Ty::List(_) | Ty::Map(..))
}

/// Whether the Rust type is `Copy`, so a local can be used again without `.clone()`.
pub fn is_copy(ty: &Ty) -> bool {
    match ty {
        Ty::Unit | Ty::Bool | Ty::Int | Ty::Float => true,
        Ty::Tuple(items) => items.iter().all(is_copy),
        _ => false,
    }
}

/// Whether values of this type can be cloned (everything but opaque `type`s).
pub fn is_clone(ty: &Ty) -> bool {
    match ty {
        Ty::Named(r) => r.kind != DeclKind::Opaque,
        Ty::List(t) | Ty::Option(t) => is_clone(t),
        Ty::Map(a, b) | Ty::Result(a, b) => is_clone(a) && is_clone(b),
        Ty::Tuple(items) => items.iter().all(is_clone),
        _ => true,
    }
}

/// Whether a value of the module's opaque `type` called `name` is ever passed by value
/// (as a parameter, or inside one): the tests then pass a copy of their local, so the
/// implementation must derive `Clone` as well as `Debug`.
pub fn passed_by_value(project: &Project, module: &ModuleModel, name: &str) -> bool {
    fn holds(ty: &Ty, module: &str, name: &str) -> bool {
        match ty {
            Ty::Named(r) => r.module == module && r.name == name,
            Ty::List(t) | Ty::Option(t) => holds(t, module, name),
            Ty::Map(a, b) | Ty::Result(a, b) => holds(a, module, name) || holds(b, module, name),
            Ty::Tuple(ts) => ts.iter().any(|t| holds(t, module, name)),
            _ => false,
        }
    }
    // This module's functions, and those of every module using it: their tests pass
    // copies too.
    std::iter::once(module)
        .chain(
            project
                .modules
                .iter()
                .filter(|m| m.uses.contains(&module.name)),
        )
        .flat_map(|m| m.functions_and_methods())
        .flat_map(|f| &f.params)
        .any(|(_, t)| holds(t, &module.name, name))
}

/// The derive line of an opaque type in the interface and the stub, by whether it is
/// [`passed_by_value`].
pub fn opaque_derives(by_value: bool) -> &'static str {
    if by_value {
        "#[derive(Debug, Clone)]"
    } else {
        "#[derive(Debug)]"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_borrow_strings_and_collections_only() {
        let cx = TypeCtx {
            module: "a.b",
            root: "crate",
        };
        assert_eq!(cx.param(&Ty::Str), "&str");
        assert_eq!(cx.param(&Ty::List(Box::new(Ty::Int))), "&[i64]");
        assert_eq!(cx.param(&Ty::Option(Box::new(Ty::Str))), "Option<String>");
        let other = TypeRef {
            module: "c.d".into(),
            name: "P".into(),
            kind: DeclKind::Record,
        };
        assert_eq!(cx.owned(&Ty::Named(other)), "crate::c::d::P");
    }
}
