//! Declaration tables: every module's declared names and resolved signatures, so that a
//! lookup is one hash probe in this module and one per used module, never a scan.

use super::hasher::HashMap;
use super::model::{FnRef, Ty, TypeRef};
use crate::diagnostics::suggest;
use crate::diagnostics::{Diagnostic, Kind};
use crate::syntax::ast::Span;
use std::path::Path;

/// A function or method signature as the expressions see it.
#[derive(Debug, Clone)]
pub(crate) struct FnSig {
    pub fnref: FnRef,
    /// False when a parameter or the return type did not resolve (already reported):
    /// calls are then checked for arity only, to avoid follow-on errors.
    pub complete: bool,
    /// Per parameter: whether its type resolved (`Ty::Unit` stands in when not).
    pub resolved: Vec<bool>,
}

/// A record's fields; `None` for a field whose type did not resolve.
pub(crate) type Fields = Vec<(String, Option<Ty>)>;
/// An enum's variants and their payloads.
pub(crate) type Variants = Vec<(String, Vec<Option<Ty>>)>;

/// Everything one module declares, resolved.
#[derive(Debug, Default)]
pub(crate) struct ModuleTable {
    /// records, enums, errors and opaque types: one namespace
    pub types: HashMap<String, TypeRef>,
    pub records: HashMap<String, Fields>,
    pub enums: HashMap<String, Variants>,
    /// opaque type name -> its methods
    pub methods: HashMap<String, HashMap<String, FnSig>>,
    pub functions: HashMap<String, FnSig>,
    /// The modules this one uses that exist (self-uses and unknown ones left out).
    pub uses: Vec<String>,
    /// `use`s of modules that do not exist (reported once, at the `use`).
    pub failed_uses: Vec<String>,
    /// Names declared by items that did not parse (already reported as syntax errors).
    pub unparsed: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub modules: HashMap<String, ModuleTable>,
}

impl Tables {
    pub fn record(&self, t: &TypeRef) -> Option<&Fields> {
        self.modules.get(&t.module)?.records.get(&t.name)
    }
    pub fn variants(&self, t: &TypeRef) -> Option<&Variants> {
        self.modules.get(&t.module)?.enums.get(&t.name)
    }
    pub fn methods(&self, t: &TypeRef) -> Option<&HashMap<String, FnSig>> {
        self.modules.get(&t.module)?.methods.get(&t.name)
    }
}

/// The outcome of an unqualified lookup across a module and the modules it uses.
pub(crate) enum Lookup<T> {
    Found(T),
    /// Declared by several used modules (not by this one): their names.
    Ambiguous(Vec<String>),
    Missing,
}

/// Where names are looked up from: one module of the project.
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    pub tables: &'a Tables,
    pub module: &'a str,
    pub file: &'a Path,
}

impl<'a> Env<'a> {
    pub fn table(&self) -> &'a ModuleTable {
        self.tables
            .modules
            .get(self.module)
            .expect("the current module has a table")
    }

    pub fn error(&self, diags: &mut Vec<Diagnostic>, span: Span, kind: Kind) {
        if !self.follows_syntax_error(&kind) {
            diags.push(Diagnostic::new(self.file, span, kind));
        }
    }

    /// Whether `kind` says a name is unknown that an item which did not parse declares,
    /// here or in a used module: the syntax error already said what is wrong.
    pub fn follows_syntax_error(&self, kind: &Kind) -> bool {
        let (Kind::UnknownType { name, .. } | Kind::UnknownFunction { name, .. }) = kind else {
            return false;
        };
        let own = self.table();
        std::iter::once(own)
            .chain(own.uses.iter().filter_map(|u| self.tables.modules.get(u)))
            .any(|t| t.unparsed.contains(name))
    }

    fn lookup<T>(&self, get: impl Fn(&'a ModuleTable) -> Option<&'a T>) -> Lookup<&'a T> {
        let own = self.table();
        if let Some(x) = get(own) {
            return Lookup::Found(x);
        }
        let mut found: Vec<(&str, &'a T)> = Vec::new();
        for u in &own.uses {
            if let Some(x) = self.tables.modules.get(u).and_then(&get) {
                found.push((u, x));
            }
        }
        match found.len() {
            0 => Lookup::Missing,
            1 => Lookup::Found(found[0].1),
            _ => Lookup::Ambiguous(found.iter().map(|(m, _)| m.to_string()).collect()),
        }
    }

    pub fn lookup_type(&self, name: &str) -> Lookup<&'a TypeRef> {
        // `net.port.PortError`: a type of a module this one uses (or of itself), by its
        // full name.
        if let Some((module, ty)) = name.rsplit_once('.') {
            if !self.visible_module(module) {
                return Lookup::Missing;
            }
            return match self
                .tables
                .modules
                .get(module)
                .and_then(|t| t.types.get(ty))
            {
                Some(r) => Lookup::Found(r),
                None => Lookup::Missing,
            };
        }
        self.lookup(|t| t.types.get(name))
    }

    pub fn lookup_fn(&self, name: &str) -> Lookup<&'a FnSig> {
        self.lookup(|t| t.functions.get(name))
    }

    /// Whether `name` is this module or one it uses (so `name.f(x)` may be written).
    pub fn visible_module(&self, name: &str) -> bool {
        name == self.module || self.table().uses.iter().any(|u| u == name)
    }

    fn visible_tables(&self) -> impl Iterator<Item = &'a ModuleTable> + '_ {
        let own = self.table();
        std::iter::once(own).chain(own.uses.iter().filter_map(|u| self.tables.modules.get(u)))
    }

    pub fn suggest_type(&self, name: &str) -> Option<String> {
        const BUILTIN: [&str; 9] = [
            "bool", "int", "float", "str", "bytes", "list", "map", "option", "result",
        ];
        let names = self
            .visible_tables()
            .flat_map(|t| t.types.keys().map(String::as_str));
        let declared: Vec<&str> = names.collect();
        // Another language's name for a builtin (Rust's `String`, `i64`, `Vec`): not
        // close in letters, but what the writer meant. A declared type of that name wins.
        if let Some(ours) = builtin_for(name).filter(|_| !declared.contains(&name)) {
            return Some(ours.to_string());
        }
        suggest::closest(name, BUILTIN.into_iter().chain(declared))
    }

    /// `Dot` written for `Shape.Dot`: the variant `name` of the one enum here, or in a
    /// used module, that has it, written the way this module can name it. `None` when no
    /// enum or several have it.
    pub fn suggest_variant(&self, name: &str) -> Option<String> {
        let own = self.table();
        let holders = |t: &'a ModuleTable| -> Vec<&'a str> {
            t.enums
                .iter()
                .filter(|(_, vs)| vs.iter().any(|(v, _)| v == name))
                .map(|(e, _)| e.as_str())
                .collect()
        };
        let mine = holders(own);
        if !mine.is_empty() {
            return (mine.len() == 1).then(|| format!("{}.{name}", mine[0]));
        }
        let mut theirs = own
            .uses
            .iter()
            .filter_map(|u| Some((u, self.tables.modules.get(u)?)))
            .flat_map(|(u, t)| holders(t).into_iter().map(move |e| (u, e)));
        let (module, enum_name) = theirs.next()?;
        if theirs.next().is_some() {
            return None;
        }
        // Unqualified when that names this very enum, else by the module's path.
        let unique = matches!(self.lookup_type(enum_name), Lookup::Found(t) if &t.module == module);
        Some(if unique {
            format!("{enum_name}.{name}")
        } else {
            format!("{module}.{enum_name}.{name}")
        })
    }

    pub fn suggest_fn(&self, name: &str) -> Option<String> {
        const BUILTIN: [&str; 7] = ["len", "repeat", "to_str", "contains", "some", "ok", "err"];
        let names = self
            .visible_tables()
            .flat_map(|t| t.functions.keys().map(String::as_str));
        suggest::closest(name, BUILTIN.into_iter().chain(names))
    }
}

/// The spec language's value for a name other languages give it (`None` -> `none`).
pub(crate) fn builtin_value_for(name: &str) -> Option<&'static str> {
    Some(match name {
        "None" | "NONE" | "null" | "Null" | "NULL" | "nil" | "Nil" | "Nothing" => "none",
        "True" | "TRUE" => "true",
        "False" | "FALSE" => "false",
        _ => return None,
    })
}

/// The spec language's type for a name other languages give it (`String` -> `str`).
fn builtin_for(name: &str) -> Option<&'static str> {
    Some(match name {
        "String" | "string" | "Str" | "char" | "text" => "str",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" | "integer" | "Int" | "Integer" | "long" | "number" => "int",
        "f32" | "f64" | "double" | "Float" | "decimal" => "float",
        "boolean" | "Bool" | "Boolean" => "bool",
        "Vec" | "List" | "array" | "Array" | "vec" => "list",
        "HashMap" | "BTreeMap" | "Map" | "dict" | "Dict" => "map",
        "Option" | "Optional" | "Maybe" => "option",
        "Result" => "result",
        "Bytes" => "bytes",
        _ => return None,
    })
}

/// Names the language keeps as type names.
pub(crate) const BUILTIN_TYPES: [&str; 9] = [
    "bool", "int", "float", "str", "bytes", "list", "map", "option", "result",
];
/// Names the language keeps as value and function names.
pub(crate) const BUILTIN_VALUES: [&str; 10] = [
    "len", "repeat", "to_str", "contains", "some", "none", "ok", "err", "result", "self",
];

/// Names of Rust's prelude (and the `BTreeMap` every `mod.rs` imports) that the
/// generated code uses unqualified: a declared type of that name would shadow them, and
/// neither the stub, the interface nor the tests would compile.
pub(crate) const RUST_PRELUDE_TYPES: [&str; 28] = [
    "Vec",
    "Option",
    "Result",
    "String",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "BTreeMap",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Eq",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Hash",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "From",
    "Into",
    "Drop",
    "Sized",
];

/// Rust's primitive types and the crates the generated code names by path: a type of
/// one of these names would be taken for the other (`record i64 { v: int }` is a
/// struct holding itself; `std::..` is ambiguous with an `enum std`).
pub(crate) const RUST_PATH_NAMES: [&str; 24] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
    "f64", "char", "std", "core", "alloc", "proptest", "insta", "crate", "super", "Self", "self",
];

/// Crates a project can neither depend on nor be named after: the generated tests use
/// `proptest` and `insta` in versions of their own, and Rust provides the others (`test`
/// is libtest, which the tests' harness uses).
pub const TAKEN_CRATE_NAMES: [&str; 7] = [
    "std",
    "core",
    "alloc",
    "test",
    "proc_macro",
    "proptest",
    "insta",
];

/// How the generated Rust spells the keywords that cannot be raw identifiers (`crate` is
/// `crate_`): a spec name of that spelling would meet the keyword's in the same place.
pub(crate) const KEYWORD_SPELLINGS: [&str; 4] = ["self_", "Self_", "super_", "crate_"];

/// Names the generated code keeps for itself, whatever they name: anything starting with
/// `__` (the tests' locals, generators and wrappers) and the keywords' spellings.
pub(crate) fn is_ghosts_own(name: &str) -> bool {
    name.starts_with("__") || KEYWORD_SPELLINGS.contains(&name)
}

/// Method names the generated tests call on values of every type: `x.clone()` copies one,
/// and a method of that name would be called instead.
pub(crate) const TEST_METHODS: [&str; 1] = ["clone"];

/// Modules in the generated code's type namespace, beside a module's own types: every
/// module's `mod imp`, the tests' `mod checked` and the `proptest` crate they use. A type
/// of one of these names makes the crate fail to compile.
pub const GENERATED_MODULES: [&str; 3] = ["imp", "checked", "proptest"];

pub(crate) fn is_reserved_type(name: &str) -> bool {
    is_ghosts_own(name)
        || GENERATED_MODULES.contains(&name)
        || BUILTIN_TYPES.contains(&name)
        || RUST_PRELUDE_TYPES.contains(&name)
        || RUST_PATH_NAMES.contains(&name)
        // The language's own values: `some { .. }` would read as a constructor.
        || ["some", "none", "ok", "err", "true", "false"].contains(&name)
}

pub(crate) fn is_reserved_value(name: &str) -> bool {
    BUILTIN_VALUES.contains(&name) || is_ghosts_own(name)
}

/// A method may take a built-in function's name (`x.len()`), not one the generated code
/// keeps or calls on every value.
pub(crate) fn is_reserved_method(name: &str) -> bool {
    is_ghosts_own(name) || TEST_METHODS.contains(&name)
}
