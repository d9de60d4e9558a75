//! The owned syntax tree of one `.ghost` file, with byte-offset spans.
//!
//! Nothing here knows about pest: the lowering in `lower.rs` builds these nodes and the
//! later stages read them. Line and column are computed only when a diagnostic is
//! rendered (see [`crate::diagnostics::LineIndex`]).

use serde::Serialize;

/// A half-open byte range `start..end` into the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A dotted module path such as `text.slug`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ModulePath {
    pub segments: Vec<String>,
    pub span: Span,
}

impl ModulePath {
    /// `a.b`
    pub fn dotted(&self) -> String {
        self.segments.join(".")
    }
}

/// A documentation string. Line breaks are kept; the leading white space of every
/// line after the first is not part of the text, so re-indenting a doc never changes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc {
    pub text: String,
    pub span: Span,
}

/// One `//` comment, kept for the formatter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// The comment's text including the leading `//`, without the line break.
    pub text: String,
    pub span: Span,
}

/// A whole file: exactly one module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Module {
    pub path: ModulePath,
    pub doc: Option<Doc>,
    pub items: Vec<Item>,
    pub span: Span,
    /// The names declared by items that did not parse (a file read with error
    /// recovery), so that the checker does not report every use of them as unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Use(Use),
    Fn(FnDecl),
    Record(RecordDecl),
    /// `enum` and `error` declarations (see [`EnumDecl::is_error`]).
    Enum(EnumDecl),
    Type(TypeDecl),
    Scenario(Scenario),
    Snapshot(Snapshot),
    Nfr(Nfr),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(x) => x.span,
            Item::Fn(x) => x.span,
            Item::Record(x) => x.span,
            Item::Enum(x) => x.span,
            Item::Type(x) => x.span,
            Item::Scenario(x) => x.span,
            Item::Snapshot(x) => x.span,
            Item::Nfr(x) => x.span,
        }
    }
}

/// `use a.b`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Use {
    pub path: ModulePath,
    pub span: Span,
}

/// `fn name(params) -> ret { doc clauses }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FnDecl {
    pub name: Ident,
    /// `None` for a free function, `Some(false)` for `self`, `Some(true)` for `mut self`.
    pub receiver: Option<Receiver>,
    pub params: Vec<Param>,
    /// `None` when no `-> type` was written: the function returns nothing.
    pub ret: Option<TypeExpr>,
    pub doc: Option<Doc>,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receiver {
    pub mutable: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Clause {
    Example(Example),
    Requires(Contract),
    Ensures(Contract),
    Property(Property),
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Example(x) => x.span,
            Clause::Requires(x) | Clause::Ensures(x) => x.span,
            Clause::Property(x) => x.span,
        }
    }
}

/// `example EXPR`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub expr: Expr,
    pub span: Span,
}

/// `requires EXPR` or `ensures EXPR`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub expr: Expr,
    pub span: Span,
}

/// `property [name:] forall x: T [in a..b], ... [where EXPR] => EXPR`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Property {
    pub name: Option<Ident>,
    pub binders: Vec<Binder>,
    pub filter: Option<Expr>,
    pub body: Expr,
    pub span: Span,
}

/// `x: T [in a..b]`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Binder {
    pub name: Ident,
    pub ty: TypeExpr,
    /// A half-open range `lo..hi`, as in Rust.
    pub range: Option<(Expr, Expr)>,
    pub span: Span,
}

/// `record Name { field: type, ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDecl {
    pub name: Ident,
    pub doc: Option<Doc>,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `enum Name { ... }` or `error Name { ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumDecl {
    pub name: Ident,
    pub is_error: bool,
    pub doc: Option<Doc>,
    pub variants: Vec<Variant>,
    pub span: Span,
}

/// `A`, `B(T)` or `C(T1, T2)`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub name: Ident,
    pub fields: Vec<TypeExpr>,
    pub span: Span,
}

/// `type Name { fn ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDecl {
    pub name: Ident,
    pub doc: Option<Doc>,
    pub methods: Vec<FnDecl>,
    pub span: Span,
}

/// `scenario "name" { statements }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: StrLit,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// `snapshot "name" { statements }`: the last statement is the value recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub name: StrLit,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stmt {
    /// `let [mut] x [: T] = EXPR`
    Let {
        name: Ident,
        mutable: bool,
        ty: Option<TypeExpr>,
        value: Expr,
        span: Span,
    },
    /// `expect EXPR`
    Expect { expr: Expr, span: Span },
    /// a bare expression, usually a call
    Expr { expr: Expr, span: Span },
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Let { span, .. } | Stmt::Expect { span, .. } | Stmt::Expr { span, .. } => *span,
        }
    }
}

/// `nfr ...`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nfr {
    pub kind: NfrKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NfrKind {
    /// `nfr "free text"`: asked for in the prompt only.
    Text(StrLit),
    /// `nfr forbid unsafe` (the checker rejects anything but `unsafe`).
    Forbid(Ident),
    /// `nfr deps [crate, crate = "1.2"]`
    Deps(Vec<Dep>),
    /// `nfr perf CALL < DURATION`
    Perf { call: Expr, budget: Duration },
    /// `nfr max_lines N`
    MaxLines { lines: u64, span: Span },
    /// `nfr lint`
    Lint,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dep {
    pub name: Ident,
    /// A Cargo version requirement; `None` means any version (`"*"`).
    pub version: Option<StrLit>,
    pub span: Span,
}

/// A duration as written (`2ms`): the checker validates the unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    /// The number part as written, e.g. `2` or `1.5`.
    pub value: String,
    /// The unit part as written, e.g. `ms`; the checker accepts `ns`, `us`, `ms`, `s`.
    pub unit: String,
    pub span: Span,
}

/// A string literal: its value (escapes resolved) and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeExpr {
    /// `int`, `str`, `LruCache`, ...
    Named(Ident),
    /// `list<T>`, `map<K, V>`, `option<T>`, `result<T, E>`, ...
    Generic {
        name: Ident,
        args: Vec<TypeExpr>,
        span: Span,
    },
    /// `(A, B)`; the empty tuple `()` is the unit.
    Tuple { elems: Vec<TypeExpr>, span: Span },
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Generic { span, .. } | TypeExpr::Tuple { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    /// An integer literal; `None` when it does not fit in `i64` (the checker reports it).
    Int(Option<i64>),
    /// A float literal, as written, so that formatting and fingerprints are exact.
    Float(String),
    Str(String),
    Bool(bool),
    /// A name: a variable, a function, a type, `result`, `none`, ...
    Name(String),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    /// `()` (no elements) or `(a, b)`.
    Tuple(Vec<Expr>),
    /// `(a)`: kept so that the formatter reproduces the parentheses.
    Paren(Box<Expr>),
    /// `Name { field: x, ... }`
    Record {
        name: Ident,
        fields: Vec<(Ident, Expr)>,
    },
    /// `f(args)`: the callee is any expression (a name, `Enum.Variant`, `a.b.f`).
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `x.m(args)`
    MethodCall {
        receiver: Box<Expr>,
        method: Ident,
        args: Vec<Expr>,
    },
    /// `x.f` or `t.0`
    Field {
        base: Box<Expr>,
        field: Ident,
    },
    /// `xs[i]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    /// Binding power, higher binds tighter (Rust's order).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 5,
        }
    }

    pub fn is_comparison(self) -> bool {
        self.precedence() == 3
    }
}

/// The syntax stage's output for one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFile {
    /// `None` when the file is too broken to find its module header.
    pub module: Option<Module>,
    pub comments: Vec<Comment>,
}
