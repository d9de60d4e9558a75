//! The checked model: what the checker hands to the compiler.
//!
//! Every name is resolved and every expression carries its type, so the compiler never
//! has to look anything up or guess: `[]` knows it is a `list<int>`, `Color.Red` knows it
//! is a variant of `crate::a::b::Color`, a call knows the signature it calls. The model
//! is plain data (serialisable, so it can be snapshotted on its own).

use crate::syntax::ast::{BinaryOp, Span, UnaryOp};
use serde::Serialize;
use std::path::PathBuf;

/// A checked project: its modules in dependency order (every module after all it uses;
/// ties broken by name, so the order is deterministic).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Project {
    pub modules: Vec<ModuleModel>,
}

impl Project {
    pub fn module(&self, name: &str) -> Option<&ModuleModel> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The function or method `func` names.
    pub fn function(&self, func: &FnRef) -> Option<&Function> {
        self.module(&func.module)?.function(func)
    }
}

impl ModuleModel {
    /// Every name its spec gives: functions, methods and their parameters, types,
    /// records and their fields, enums and their variants.
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        for f in self.functions_and_methods() {
            names.insert(f.name.clone());
            names.extend(f.params.iter().map(|(p, _)| p.clone()));
        }
        names.extend(self.types.iter().map(|t| t.name.clone()));
        for r in &self.records {
            names.insert(r.name.clone());
            names.extend(r.fields.iter().map(|(f, _)| f.clone()));
        }
        for e in &self.enums {
            names.insert(e.name.clone());
            names.extend(e.variants.iter().map(|v| v.name.clone()));
        }
        names
    }

    /// Its free functions, then the methods of its types, in the order written.
    pub fn functions_and_methods(&self) -> impl Iterator<Item = &Function> {
        self.functions
            .iter()
            .chain(self.types.iter().flat_map(|t| &t.methods))
    }

    /// This module's function or method that `func` names (`None` for another module's).
    pub fn function(&self, func: &FnRef) -> Option<&Function> {
        if func.module != self.name {
            return None;
        }
        match &func.owner {
            None => self.functions.iter().find(|f| f.name == func.name),
            Some(owner) => self
                .types
                .iter()
                .find(|t| &t.name == owner)
                .and_then(|t| t.methods.iter().find(|m| m.name == func.name)),
        }
    }
}

/// One checked module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleModel {
    /// Dotted name, `text.slug`.
    pub name: String,
    /// The segments of the name, `["text", "slug"]`.
    pub path: Vec<String>,
    /// The spec file, as the diagnostics name it.
    pub file: PathBuf,
    pub doc: Option<String>,
    /// Dotted names of the modules this one `use`s, in the order written.
    pub uses: Vec<String>,
    pub records: Vec<Record>,
    /// `enum` and `error` declarations, in the order written.
    pub enums: Vec<Enum>,
    pub types: Vec<Opaque>,
    /// Free functions, in the order written.
    pub functions: Vec<Function>,
    pub scenarios: Vec<Scenario>,
    pub snapshots: Vec<Snapshot>,
    pub nfrs: Vec<Nfr>,
}

/// A reference to a declared type: the module that declares it and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TypeRef {
    pub module: String,
    pub name: String,
    pub kind: DeclKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DeclKind {
    Record,
    Enum,
    Error,
    /// A `type` with methods; opaque, no equality, no generator.
    Opaque,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Ty {
    /// No value: a function without `-> type`, or `()`.
    Unit,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    List(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Option(Box<Ty>),
    Result(Box<Ty>, Box<Ty>),
    Tuple(Vec<Ty>),
    Named(TypeRef),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<(String, Ty)>,
    /// Whether it has a total order (no `float`, opaque type or error inside it), so it
    /// can be a map key: the generated type derives `Eq`, `Ord` and `Hash` then.
    pub ordered: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enum {
    pub name: String,
    pub is_error: bool,
    pub doc: Option<String>,
    pub variants: Vec<VariantModel>,
    /// As [`Record::ordered`].
    pub ordered: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantModel {
    pub name: String,
    /// The payload: empty for `A`, one type for `B(T)`, several for `C(T1, T2)`.
    pub fields: Vec<Ty>,
}

/// `type Name { fn ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opaque {
    pub name: String,
    pub doc: Option<String>,
    pub methods: Vec<Function>,
    pub span: Span,
}

/// A function or a method, with its contracts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Function {
    pub name: String,
    /// For a method: the `type` it belongs to.
    pub owner: Option<String>,
    /// `None`: no `self` (a free function, or a static method like `new`);
    /// `Some(false)`: `self`; `Some(true)`: `mut self`.
    pub receiver: Option<bool>,
    pub params: Vec<(String, Ty)>,
    /// `Ty::Unit` when the spec gives no `-> type`.
    pub ret: Ty,
    pub doc: Option<String>,
    /// The signature as written in the spec, e.g. `fn slugify(title: str) -> str`.
    pub signature_source: String,
    pub examples: Vec<Contract>,
    pub requires: Vec<Contract>,
    pub ensures: Vec<Contract>,
    pub properties: Vec<Property>,
    pub span: Span,
}

/// A checked boolean expression and the clause it came from, quoted as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub expr: TExpr,
    /// The whole clause as written, e.g. `example slugify("") == ""`.
    pub source: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Property {
    pub name: Option<String>,
    pub binders: Vec<BinderModel>,
    pub filter: Option<TExpr>,
    pub body: TExpr,
    /// The whole clause as written.
    pub source: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinderModel {
    pub name: String,
    pub ty: Ty,
    /// Half-open `lo..hi`; both sides have the binder's type (`int` or `float`).
    pub range: Option<(TExpr, TExpr)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub steps: Vec<Step>,
    /// The whole scenario as written.
    pub source: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub name: String,
    /// The statements before the value.
    pub steps: Vec<Step>,
    /// The last expression: its debug output is what is recorded.
    pub value: TExpr,
    pub source: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Step {
    /// `let x = value`. `mutable` is true when a `mut self` method is later called on
    /// `x` (or `let mut` was written), so the target can declare it mutable.
    Let {
        name: String,
        mutable: bool,
        value: TExpr,
    },
    /// `expect EXPR` with the statement as written.
    Expect { expr: TExpr, source: String },
    /// A bare expression, evaluated for its effect.
    Do { expr: TExpr },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nfr {
    pub kind: NfrModel,
    /// The clause as written, e.g. `nfr perf slugify(repeat("Ab c", 2500)) < 2ms`.
    pub source: String,
    pub span: Span,
}

// A module holds a handful of these: boxing `Perf`'s call would only make matching on it
// clumsier for the compiler.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NfrModel {
    /// Asked for in the prompt only.
    Text(String),
    ForbidUnsafe,
    /// The third-party crates the implementation may use: (name, version requirement).
    Deps(Vec<(String, String)>),
    /// A release-mode timing of `call`; the budget in nanoseconds.
    Perf {
        call: TExpr,
        budget_ns: u64,
    },
    MaxLines(u64),
    Lint,
}

/// A reference to a function: enough to call it from generated code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FnRef {
    /// The module that declares it.
    pub module: String,
    /// For a method or static method: the `type` that owns it.
    pub owner: Option<String>,
    pub name: String,
    /// As [`Function::receiver`].
    pub receiver: Option<bool>,
    /// The declared parameter types (without `self`), to decide borrowing.
    pub params: Vec<Ty>,
    pub ret: Ty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Builtin {
    /// `len(x)`: `str` (bytes), `bytes`, `list<T>`, `map<K, V>` -> `int`
    Len,
    /// `repeat(s, n)`: `str, int` -> `str`
    Repeat,
    /// `to_str(x)`: `int`, `float` or `bool` -> `str`
    ToStr,
    /// `contains(c, x)`: `str, str` / `list<T>, T` / `map<K, V>, K` -> `bool`
    Contains,
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Ty,
    pub span: Span,
}

impl TExpr {
    /// The expressions directly inside this one, in order.
    pub fn children(&self) -> Vec<&TExpr> {
        use TExprKind as K;
        match &self.kind {
            K::Unit
            | K::Int(_)
            | K::Float(_)
            | K::Str(_)
            | K::Bool(_)
            | K::Local(_)
            | K::ResultValue
            | K::None => Vec::new(),
            K::List(items) | K::Tuple(items) => items.iter().collect(),
            K::Map(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
            K::Some(e) | K::Ok(e) | K::Err(e) => vec![e],
            K::Variant { args, .. } | K::Call { args, .. } | K::Builtin { args, .. } => {
                args.iter().collect()
            }
            K::Record { fields, .. } => fields.iter().map(|(_, e)| e).collect(),
            K::MethodCall { receiver, args, .. } => {
                std::iter::once(&**receiver).chain(args.iter()).collect()
            }
            K::Field { base, .. } | K::TupleField { base, .. } => vec![base],
            K::Index { base, index } => vec![base, index],
            K::Unary { operand, .. } => vec![operand],
            K::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        }
    }

    /// Whether this expression or one inside it satisfies `pred`.
    pub fn any(&self, pred: &mut impl FnMut(&TExpr) -> bool) -> bool {
        pred(self) || self.children().into_iter().any(|c| c.any(pred))
    }

    /// Whether evaluating it runs code of an implementation (a call of a spec function
    /// or method): without, its value is known from the spec alone.
    pub fn calls_code(&self) -> bool {
        self.any(&mut |e| {
            matches!(
                e.kind,
                TExprKind::Call { .. } | TExprKind::MethodCall { .. }
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TExprKind {
    /// `()`
    Unit,
    Int(i64),
    /// A float literal as written (an `int` literal where a `float` is expected becomes
    /// a float here, e.g. `1` -> `"1.0"`).
    Float(String),
    Str(String),
    Bool(bool),
    /// A parameter (in requires/ensures), a property's bound variable, or a `let`.
    Local(String),
    /// `result`, inside `ensures`.
    ResultValue,
    List(Vec<TExpr>),
    Map(Vec<(TExpr, TExpr)>),
    Tuple(Vec<TExpr>),
    None,
    Some(Box<TExpr>),
    Ok(Box<TExpr>),
    Err(Box<TExpr>),
    /// `Enum.Variant` or `Enum.Variant(args)`; `ty` of the node is the enum.
    Variant {
        enum_ty: TypeRef,
        variant: String,
        args: Vec<TExpr>,
    },
    /// `Record { f: x }`, fields in declaration order.
    Record {
        ty: TypeRef,
        fields: Vec<(String, TExpr)>,
    },
    /// A free function (this module's or a used one's) or a static method (`T.new(x)`).
    Call {
        func: FnRef,
        args: Vec<TExpr>,
    },
    /// `x.m(args)` on an opaque type's value.
    MethodCall {
        receiver: Box<TExpr>,
        func: FnRef,
        args: Vec<TExpr>,
    },
    Builtin {
        op: Builtin,
        args: Vec<TExpr>,
    },
    /// `r.field` on a record.
    Field {
        base: Box<TExpr>,
        name: String,
    },
    /// `t.0` on a tuple.
    TupleField {
        base: Box<TExpr>,
        index: usize,
    },
    /// `xs[i]` on a list (int index) or a map (key); `str` indexing is not allowed.
    Index {
        base: Box<TExpr>,
        index: Box<TExpr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<TExpr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
}
