//! Typed spec expressions ([`TExpr`]) as Rust expressions, for the acceptance tests.
//!
//! Every expression can be rendered in three ways: as an owned value of its Rust type
//! ([`ExprCtx::owned`]), as a place that methods, `.len()` and comparisons can borrow
//! without moving ([`ExprCtx::place`]), and as an argument for a parameter of a given
//! spec type ([`ExprCtx::arg`]: `&str`, `&[T]`, `&BTreeMap` borrowed, the rest owned).
//! Locals are never moved: an owned use of a non-`Copy` local clones it, so an input can
//! be used again in the same expression and shown in the failure message afterwards.
//!
//! Calls to functions of the module under test that have `requires` or `ensures` go
//! through the generated `checked` wrappers (see `checked.rs`).
//! `to_str` of a float is Rust's `f64::to_string` (`1.0` -> `"1"`, `0.5` -> `"0.5"`).

use super::blame::{blames, locals, Blame, Place};
use super::names::str_lit;
use super::names::{ident, module_path};
use super::types::{is_copy, TypeCtx};
use crate::check::{Builtin, FnRef, ModuleModel, TExpr, TExprKind, Ty};
use crate::syntax::ast::{BinaryOp, UnaryOp};
use std::collections::{BTreeMap, BTreeSet};

/// Binding strength of rendered code, to decide parentheses (Rust's order).
const ATOM: u8 = 10;
const UNARY: u8 = 9;
const CAST: u8 = 8;

/// How calls to the module's own functions with contracts are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallMode {
    /// Straight to the implementation (perf tests, the wrappers themselves).
    Direct,
    /// Through `checked::f`: a broken `requires` is a spec mistake, `ensures` asserted.
    Checked,
    /// Inside a property: `checked::__0p__f(by, ..)?` fails the case, or discards it when
    /// the property's own inputs to its own function break a `requires` (`blame.rs`).
    Property,
}

/// Which `int` arithmetic is rendered `i64::checked_*(..)?`, for a contract clause
/// evaluated inside a closure returning `Option<bool>` (see [`ExprCtx::requires_holds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedArithmetic {
    /// None: Rust's own operators (and their panics).
    Off,
    /// All of it: a `requires` clause whose arithmetic fails does not hold.
    All,
    /// Only arithmetic that reads neither `result` nor a call: an `ensures` clause's on
    /// the arguments alone, which says nothing of a call it fails for.
    OnArguments,
}

/// A local variable as the generated code holds it.
#[derive(Debug, Clone)]
pub struct Local {
    /// The Rust expression naming it (`s`, `this`).
    pub code: String,
    /// Whether it holds a borrowed parameter (`&str`, `&[T]`, `&BTreeMap`).
    pub borrowed: bool,
    /// Whether its one use may move it: built for that use alone (a timed call's
    /// argument), so taken by value without a copy.
    pub moved: bool,
}

/// Where an `ensures` clause of a `checked` wrapper stands, for the calls in it of its
/// module's functions with `requires`: such a call goes through the callee's `__0c__`
/// variant (see `checked.rs`), which says that the spec's clause called it outside its
/// precondition rather than letting the implementation run on arguments it may refuse.
#[derive(Debug, Clone)]
pub struct InClause {
    /// A Rust string literal naming the clause and its function (`"`ensures f(result) > 0` of `g`"`).
    pub label: String,
    /// A Rust `&dyn Fn() -> String` expression: the inputs and result of the call the
    /// clause checks, formatted only when a call of the clause breaks a `requires`.
    pub inputs: String,
}

/// Everything needed to render expressions in one place of a test file.
#[derive(Debug, Clone)]
pub struct ExprCtx<'a> {
    pub types: TypeCtx<'a>,
    /// The module under test: its functions with contracts are called through `checked`.
    pub module: &'a ModuleModel,
    pub locals: BTreeMap<String, Local>,
    /// How `result` is named (inside an `ensures` check).
    pub result: Option<Local>,
    pub calls: CallMode,
    /// Suffix integer literals with `_i64` (range bounds, where nothing else fixes the type).
    pub typed_ints: bool,
    /// Name the module's own functions by full path (inside `mod checked`, whose
    /// wrappers shadow the glob-imported names).
    pub qualify_own: bool,
    /// The modules the module under test uses: their functions with contracts are called
    /// through `checked` too (the test file holds wrappers for them).
    pub used: Vec<&'a ModuleModel>,
    /// Locals holding values that code made (a scenario's `let c = Counter.new()`): a
    /// `requires` they break is the code's failure.
    pub from_code: BTreeSet<String>,
    /// Which `int` arithmetic is rendered checked (`Off` but in a contract clause).
    pub checked_arithmetic: CheckedArithmetic,
    /// Inside an `ensures` of a wrapper: how its calls of functions with `requires` check them.
    pub in_clause: Option<InClause>,
    /// Rendering the `requires` of a wrapper: a call in them of a function with `requires`
    /// goes through its `__0q__` variant (see `checked.rs`), `None` when its arguments
    /// break those, and the clause then does not hold, as when its arithmetic overflows.
    pub in_requires: bool,
}

/// Rendered code and how strongly it binds.
#[derive(Debug, Clone)]
pub struct Code {
    pub text: String,
    pub prec: u8,
}

impl Code {
    fn atom(text: String) -> Code {
        Code { text, prec: ATOM }
    }
    /// The code, in parentheses unless it binds at least as strongly as `min`.
    fn at_least(&self, min: u8) -> String {
        if self.prec >= min {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }
}

/// The name of the `checked` wrapper of a function or method (`f`, `__0m__LruCache__get`).
/// A method's starts with `__` and a digit: no spec name starts with `__` (E0212), and
/// no module's name with a digit, so neither a function of the spec nor a used module's
/// wrapper (`__a__b__f`) takes it (`counter_get` was what both `Counter.get` and a
/// function `counter_get` got: two wrappers of one name, tests that never compile).
pub fn wrapper_name(owner: Option<&str>, name: &str) -> String {
    match owner {
        Some(owner) => format!(
            "__0m__{}__{}",
            ident(owner).trim_start_matches("r#"),
            ident(name).trim_start_matches("r#")
        ),
        None => ident(name),
    }
}

/// The name of the wrapper's variant for properties (see `checked.rs`): `__0p__` before
/// it, for the reasons of [`wrapper_name`] (a function `f_in_property`, or a used module
/// `p`, keep names of their own).
pub fn in_property_name(wrapper: &str) -> String {
    format!("__0p__{}", wrapper.trim_start_matches("r#"))
}

/// The name of the wrapper's variant for examples and scenarios that takes who made each
/// `requires` clause's arguments (see `checked.rs`), named as [`in_property_name`] is.
pub fn blamed_name(wrapper: &str) -> String {
    format!("__0b__{}", wrapper.trim_start_matches("r#"))
}

/// The name of the wrapper's variant for the calls an `ensures` clause makes (see
/// [`InClause`]), named as [`in_property_name`] is.
pub fn in_clause_name(wrapper: &str) -> String {
    format!("__0c__{}", wrapper.trim_start_matches("r#"))
}

/// The name of the wrapper's variant for the calls a `requires` clause makes (see
/// [`ExprCtx::in_requires`]), named as [`in_property_name`] is.
pub fn in_requires_name(wrapper: &str) -> String {
    format!("__0q__{}", wrapper.trim_start_matches("r#"))
}

/// The name of `func`'s wrapper in the `checked` module of `test_module`'s tests: a used
/// module's function gets its module's name before it, each part after `__`
/// (`__text__slug__slugify`), which no spec name can take (`__` starts ghost's own) and
/// which keeps `a.b`'s `c` apart from `a`'s `b_c`.
pub fn checked_name(
    test_module: &str,
    func_module: &str,
    owner: Option<&str>,
    name: &str,
) -> String {
    let own = wrapper_name(owner, name);
    if func_module == test_module {
        own
    } else {
        format!(
            "__{}__{}",
            func_module.replace('.', "__"),
            own.trim_start_matches("r#")
        )
    }
}

/// What a test says when the map lookup `e` (`m[k]`, as the spec wrote it) finds no key.
fn missing_key(e: &TExpr) -> String {
    format!(
        "`{}`: the map has no such key",
        crate::compile::spec_text::spec_text(e)
    )
}

impl<'a> ExprCtx<'a> {
    pub fn new(types: TypeCtx<'a>, module: &'a ModuleModel, calls: CallMode) -> Self {
        ExprCtx {
            types,
            module,
            locals: BTreeMap::new(),
            result: None,
            calls,
            typed_ints: false,
            qualify_own: false,
            used: Vec::new(),
            from_code: BTreeSet::new(),
            checked_arithmetic: CheckedArithmetic::Off,
            in_clause: None,
            in_requires: false,
        }
    }

    /// Whether the `requires` clause `clause` holds, as a Rust `bool`. A clause whose
    /// `int` arithmetic overflows or divides by zero for these arguments (`x * 2 >= 0` for
    /// a huge `x`) does not hold, rather than panicking in the test: whose mistake that is
    /// is then decided as for any broken clause (a property's own inputs discard the case).
    pub fn requires_holds(&self, clause: &TExpr) -> String {
        self.holds_unless_undefined(clause, CheckedArithmetic::All)
    }

    /// Whether the `ensures` clause `clause` holds, as a Rust `bool`. Arithmetic on the
    /// arguments alone that overflows (`result == x + 1` for the largest `x`) leaves the
    /// clause saying nothing of that call, whatever the code returned: it holds, rather
    /// than panicking in the test as the code's failure. Arithmetic on `result` or on a
    /// call is the code's, and panics as before.
    pub fn ensures_holds(&self, clause: &TExpr) -> String {
        self.holds_unless_undefined(clause, CheckedArithmetic::OnArguments)
    }

    /// `clause` as a `bool`, the `int` arithmetic `checked` takes checked; when it fails,
    /// a `requires` (all of it checked) does not hold and an `ensures` (that on the
    /// arguments checked) holds.
    fn holds_unless_undefined(&self, clause: &TExpr, checked: CheckedArithmetic) -> String {
        let undefined = checked == CheckedArithmetic::OnArguments;
        let mut cx = self.clone();
        cx.checked_arithmetic = checked;
        let arithmetic = clause.any(&mut |e| match &e.kind {
            TExprKind::Binary { op, lhs, rhs } => {
                checked_method(*op).is_some() && cx.checks_arithmetic(lhs, rhs)
            }
            TExprKind::Call { func, .. } | TExprKind::MethodCall { func, .. } => {
                cx.checks_requires_of(func)
            }
            TExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => !locals(operand).is_empty() && cx.checks_arithmetic(operand, operand),
            TExprKind::Index { base, index } => cx.checks_lookup(base, index),
            _ => false,
        });
        if !arithmetic {
            return self.owned(clause);
        }
        format!(
            "(|| -> Option<bool> {{ Some({}) }})().unwrap_or({undefined})",
            cx.owned(clause)
        )
    }

    /// Whether a call of `func` is rendered `checked::__0q__..(..)?`: in a `requires` of a
    /// wrapper, of a function with `requires` of its module or of a used one the file holds.
    fn checks_requires_of(&self, func: &FnRef) -> bool {
        self.in_requires
            && self.calls == CallMode::Direct
            && self.checked_arithmetic == CheckedArithmetic::All
            && self.has_contracts(func).0
    }

    /// Whether `int` arithmetic on `lhs` and `rhs` is rendered `i64::checked_*(..)?`.
    fn checks_arithmetic(&self, lhs: &TExpr, rhs: &TExpr) -> bool {
        let on_arguments = self.checked_arithmetic == CheckedArithmetic::OnArguments;
        self.checked_arithmetic != CheckedArithmetic::Off
            && lhs.ty == Ty::Int
            && rhs.ty == Ty::Int
            && !(on_arguments && (code_made(lhs) || code_made(rhs)))
    }

    /// Whether the lookup `base[index]` is rendered `.get(..)?`: a missing element is
    /// then undefined as overflowing arithmetic is (a `requires` does not hold; an
    /// `ensures` on the arguments alone, `result == m[k]` called with no `k` in `m`, says
    /// nothing of that call). A lookup in what `result` or a call made is the code's, and
    /// fails the test as before.
    fn checks_lookup(&self, base: &TExpr, index: &TExpr) -> bool {
        match self.checked_arithmetic {
            CheckedArithmetic::Off => false,
            CheckedArithmetic::All => true,
            CheckedArithmetic::OnArguments => !code_made(base) && !code_made(index),
        }
    }

    /// Where its calls stand, to decide who made their arguments (`blame.rs`).
    pub fn call_place(&self) -> Place<'_> {
        Place {
            in_property: self.calls == CallMode::Property,
            from_code: Some(&self.from_code),
        }
    }

    /// Whether integer arithmetic on `lhs` and `rhs` is a property's own: inside a
    /// property, on `int`s that read its inputs but neither call the project nor read what
    /// code made. Such arithmetic is checked, and its overflow named as the spec's (`x * 2`
    /// over every `x: int`), not left to a bare Rust panic the code would be asked to
    /// repair. Arithmetic on constants alone is the checker's (E0319).
    fn inputs_arithmetic(&self, lhs: &TExpr, rhs: &TExpr) -> bool {
        let place = self.call_place();
        self.calls == CallMode::Property
            && lhs.ty == Ty::Int
            && rhs.ty == Ty::Int
            && !place.made_by_code(lhs)
            && !place.made_by_code(rhs)
            && !(locals(lhs).is_empty() && locals(rhs).is_empty())
    }

    /// Whether the lookup `base[index]` is a property's own: on its inputs, reading
    /// nothing the code made (as [`Self::inputs_arithmetic`]). An element it does not find
    /// (`xs[0]` over every `xs`, the empty one included) is the spec's mistake whatever the
    /// code returns, and is named so.
    fn inputs_lookup(&self, base: &TExpr, index: &TExpr) -> bool {
        let place = self.call_place();
        let reads_inputs = !locals(base).is_empty() || !locals(index).is_empty();
        let made_by_code = place.made_by_code(base) || place.made_by_code(index);
        self.calls == CallMode::Property && reads_inputs && !made_by_code
    }

    /// Declares a `let` of a scenario, remembering whether code made its value.
    pub fn bind_step(&mut self, name: &str, code: &str, value: &TExpr) {
        if self.call_place().made_by_code(value) {
            self.from_code.insert(name.to_string());
        } else {
            self.from_code.remove(name);
        }
        self.bind(name, code, false);
    }

    /// The same, with the modules the module under test uses (see [`ExprCtx::used`]).
    pub fn using(mut self, used: &[&'a ModuleModel]) -> Self {
        self.used = used.to_vec();
        self
    }

    /// Declares a local that the spec names `name`.
    pub fn bind(&mut self, name: &str, code: &str, borrowed: bool) {
        self.locals.insert(
            name.to_string(),
            Local {
                code: code.to_string(),
                borrowed,
                moved: false,
            },
        );
    }

    /// Binds `name` to an owned local built for one use, which takes it by value as it
    /// is (no `.clone()`): a timed call's argument, whose copy must not be timed.
    pub fn bind_moved(&mut self, name: &str, code: &str) {
        self.locals.insert(
            name.to_string(),
            Local {
                code: code.to_string(),
                borrowed: false,
                moved: true,
            },
        );
    }

    fn local(&self, name: &str) -> Local {
        self.locals.get(name).cloned().unwrap_or_else(|| Local {
            code: ident(name),
            borrowed: false,
            moved: false,
        })
    }

    /// An owned value of the expression's Rust type.
    pub fn owned(&self, e: &TExpr) -> String {
        self.owned_code(e).text
    }

    /// A place to call methods on or compare: locals and fields without cloning.
    pub fn place(&self, e: &TExpr) -> String {
        self.place_code(e).text
    }

    /// An argument for a parameter of spec type `param`.
    pub fn arg(&self, e: &TExpr, param: &Ty) -> String {
        match param {
            Ty::Str => match &e.kind {
                TExprKind::Str(s) => super::names::str_lit(s),
                TExprKind::Local(n) => self.ref_local(n),
                _ => format!("&{}", self.place_code(e).at_least(UNARY)),
            },
            Ty::Bytes | Ty::List(_) => match &e.kind {
                TExprKind::List(items) => format!("&[{}]", self.list_of(items, &e.ty)),
                TExprKind::Local(n) => self.ref_local(n),
                _ => format!("&{}", self.place_code(e).at_least(UNARY)),
            },
            Ty::Map(..) => match &e.kind {
                TExprKind::Local(n) => self.ref_local(n),
                _ => format!("&{}", self.place_code(e).at_least(UNARY)),
            },
            _ => self.owned(e),
        }
    }

    fn ref_local(&self, name: &str) -> String {
        let local = self.local(name);
        if local.borrowed {
            local.code
        } else {
            format!("&{}", local.code)
        }
    }

    fn local_owned(&self, local: &Local, ty: &Ty) -> Code {
        if local.borrowed {
            let method = match ty {
                Ty::Str => "to_string",
                Ty::Bytes | Ty::List(_) => "to_vec",
                _ => "clone",
            };
            Code::atom(format!("{}.{method}()", local.code))
        } else if local.moved || is_copy(ty) {
            Code::atom(local.code.clone())
        } else {
            Code::atom(format!("{}.clone()", local.code))
        }
    }

    fn place_code(&self, e: &TExpr) -> Code {
        match &e.kind {
            TExprKind::Local(n) => Code::atom(self.local(n).code),
            TExprKind::ResultValue => Code::atom(
                self.result
                    .as_ref()
                    .map_or("result".into(), |l| l.code.clone()),
            ),
            TExprKind::Str(s) => Code::atom(super::names::str_lit(s)),
            TExprKind::Field { base, name } => Code::atom(format!(
                "{}.{}",
                self.place_code(base).at_least(ATOM),
                ident(name)
            )),
            TExprKind::TupleField { base, index } => {
                Code::atom(format!("{}.{index}", self.place_code(base).at_least(ATOM)))
            }
            TExprKind::Index { base, index } => self.index(e, base, index),
            _ => self.owned_code(e),
        }
    }

    /// The place a `mut self` method is called on: as [`Self::place_code`], but a map's
    /// element is reached with `get_mut` (`BTreeMap` has no `IndexMut`, so
    /// `m["a"].inc()` did not compile).
    fn mut_place_code(&self, e: &TExpr) -> Code {
        match &e.kind {
            TExprKind::Field { base, name } => Code::atom(format!(
                "{}.{}",
                self.mut_place_code(base).at_least(ATOM),
                ident(name)
            )),
            TExprKind::TupleField { base, index } => Code::atom(format!(
                "{}.{index}",
                self.mut_place_code(base).at_least(ATOM)
            )),
            TExprKind::Index { base, index } => {
                let b = self.mut_place_code(base).at_least(ATOM);
                match &base.ty {
                    Ty::Map(..) => Code::atom(format!(
                        "(*{b}.get_mut({}).expect({}))",
                        self.reference(index),
                        str_lit(&missing_key(e))
                    )),
                    _ => Code::atom(format!("{b}[{}]", self.usize(index))),
                }
            }
            _ => self.place_code(e),
        }
    }

    /// `xs[i]` or `m[k]`, `e`. A missing element fails the test with the indexing as the
    /// spec wrote it: Rust's own panic ("no entry found for key", or an index of
    /// 18446744073709551615 for -1) named neither the clause nor the expression, and a
    /// failing `ensures` read as a crash of the code.
    fn index(&self, e: &TExpr, base: &TExpr, index: &TExpr) -> Code {
        let b = self.place_code(base).at_least(ATOM);
        let (got, missing) = match &base.ty {
            Ty::Map(..) => (
                format!("{b}.get({})", self.reference(index)),
                missing_key(e),
            ),
            _ => (
                format!("{b}.get({})", self.usize(index)),
                format!(
                    "`{}`: no element at that index",
                    crate::compile::spec_text::spec_text(e)
                ),
            ),
        };
        let missing = if self.inputs_lookup(base, index) {
            format!("{SPEC_LOOKUP}: {missing}")
        } else {
            missing
        };
        let element = if self.checks_lookup(base, index) {
            format!("*{got}?")
        } else {
            format!("*{got}.expect({})", str_lit(&missing))
        };
        match &base.ty {
            Ty::Bytes => Code::atom(format!("i64::from({element})")),
            _ => Code {
                text: element,
                prec: UNARY,
            },
        }
    }

    /// An `i64` expression as a `usize` (a non-negative literal as itself).
    fn usize(&self, e: &TExpr) -> String {
        match e.kind {
            TExprKind::Int(n) if n >= 0 => n.to_string(),
            _ => format!("{} as usize", self.owned_code(e).at_least(UNARY)),
        }
    }

    /// A shared reference to the value (`&x` for a local, `&expr` otherwise).
    pub fn reference(&self, e: &TExpr) -> String {
        match &e.kind {
            TExprKind::Local(n) if !self.local(n).borrowed => format!("&{}", self.local(n).code),
            TExprKind::Field { .. } | TExprKind::TupleField { .. } | TExprKind::Index { .. } => {
                format!("&{}", self.place_code(e).at_least(UNARY))
            }
            _ => format!("&{}", self.owned_code(e).at_least(UNARY)),
        }
    }

    fn list(&self, items: &[TExpr]) -> String {
        items
            .iter()
            .map(|i| self.owned(i))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A list literal's items; for `bytes`, each an `u8` (the checker keeps literals in
    /// 0..=255).
    fn list_of(&self, items: &[TExpr], ty: &Ty) -> String {
        if *ty != Ty::Bytes {
            return self.list(items);
        }
        items
            .iter()
            .map(|i| match &i.kind {
                TExprKind::Int(n) => format!("{n}u8"),
                _ => format!("({}) as u8", self.owned(i)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn owned_code(&self, e: &TExpr) -> Code {
        match &e.kind {
            TExprKind::Unit => Code::atom("()".into()),
            TExprKind::Int(n) => int_literal(*n, self.typed_ints),
            TExprKind::Float(text) => float_literal(text),
            TExprKind::Str(s) => Code::atom(format!("String::from({})", super::names::str_lit(s))),
            TExprKind::Bool(b) => Code::atom(b.to_string()),
            TExprKind::Local(n) => self.local_owned(&self.local(n), &e.ty),
            TExprKind::ResultValue => {
                let local = self.result.clone().unwrap_or(Local {
                    code: "result".into(),
                    borrowed: false,
                    moved: false,
                });
                self.local_owned(&local, &e.ty)
            }
            TExprKind::List(items) if items.is_empty() => {
                Code::atom(format!("Vec::<{}>::new()", self.elem_ty(&e.ty)))
            }
            TExprKind::List(items) => Code::atom(format!("vec![{}]", self.list_of(items, &e.ty))),
            TExprKind::Map(entries) if entries.is_empty() => Code::atom(format!(
                "{}::new()",
                self.types.owned(&e.ty).replacen('<', "::<", 1)
            )),
            TExprKind::Map(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("({}, {})", self.owned(k), self.owned(v)))
                    .collect();
                Code::atom(format!("BTreeMap::from([{}])", entries.join(", ")))
            }
            TExprKind::Tuple(items) if items.len() == 1 => {
                Code::atom(format!("({},)", self.owned(&items[0])))
            }
            TExprKind::Tuple(items) => Code::atom(format!("({})", self.list(items))),
            TExprKind::None => Code::atom("None".into()),
            TExprKind::Some(x) => Code::atom(format!("Some({})", self.owned(x))),
            TExprKind::Ok(x) => Code::atom(format!("Ok({})", self.owned(x))),
            TExprKind::Err(x) => Code::atom(format!("Err({})", self.owned(x))),
            TExprKind::Variant {
                enum_ty,
                variant,
                args,
            } => {
                let path = format!("{}::{}", self.types.named(enum_ty), ident(variant));
                if args.is_empty() {
                    Code::atom(path)
                } else {
                    Code::atom(format!("{path}({})", self.list(args)))
                }
            }
            TExprKind::Record { ty, fields } => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{}: {}", ident(name), self.owned(value)))
                    .collect();
                Code::atom(format!(
                    "{} {{ {} }}",
                    self.types.named(ty),
                    fields.join(", ")
                ))
            }
            TExprKind::Call { func, args } => self.call(e, func, None, args),
            TExprKind::MethodCall {
                receiver,
                func,
                args,
            } => self.call(e, func, Some(receiver), args),
            TExprKind::Builtin { op, args } => self.builtin(*op, args),
            TExprKind::Field { .. } | TExprKind::TupleField { .. } | TExprKind::Index { .. } => {
                let place = self.place_code(e);
                if is_copy(&e.ty) {
                    place
                } else {
                    Code::atom(format!("{}.clone()", place.at_least(ATOM)))
                }
            }
            TExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } if !locals(operand).is_empty() && self.checks_arithmetic(operand, operand) => {
                Code::atom(format!("i64::checked_neg({})?", self.owned(operand)))
            }
            TExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } if self.inputs_arithmetic(operand, operand) => Code::atom(format!(
                "i64::checked_neg({}).expect({})",
                self.owned(operand),
                str_lit(&spec_arithmetic_message(e))
            )),
            TExprKind::Unary { op, operand } => {
                let code = self.owned_code(operand);
                // `--x` would trip the double-negation lint; `-(-x)` says the same.
                let inner = if code.text.starts_with('-') {
                    format!("({})", code.text)
                } else {
                    code.at_least(UNARY)
                };
                let sign = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "!",
                };
                Code {
                    text: format!("{sign}{inner}"),
                    prec: UNARY,
                }
            }
            TExprKind::Binary { op, lhs, rhs } => self.binary(e, *op, lhs, rhs),
        }
    }

    fn elem_ty(&self, ty: &Ty) -> String {
        match ty {
            Ty::List(t) => self.types.owned(t),
            _ => "u8".into(),
        }
    }

    /// The declaration of `func`, when it is the module's or a used module's.
    fn declaration(&self, func: &FnRef) -> Option<&'a crate::check::Function> {
        std::iter::once(self.module)
            .chain(self.used.iter().copied())
            .find_map(|m| m.function(func))
    }

    /// Whether a call to `func` goes through the `checked` wrappers.
    fn has_contracts(&self, func: &FnRef) -> (bool, bool) {
        self.declaration(func).map_or((false, false), |f| {
            (!f.requires.is_empty(), !f.ensures.is_empty())
        })
    }

    /// `&[checked::__By::Spec, ..]`, who made the arguments of each `requires` clause of the
    /// call `e`; `None` when the spec made them all and a broken one fails as the spec's
    /// mistake (what the plain wrapper does), outside a property.
    fn blame_list(&self, e: &TExpr, func: &FnRef) -> Option<String> {
        let f = self.declaration(func)?;
        let blamed = blames(&self.call_place(), f, e);
        if self.calls != CallMode::Property && blamed.iter().all(|b| *b == Blame::Spec) {
            return None;
        }
        let items: Vec<String> = blamed
            .iter()
            .map(|b| match b {
                Blame::Spec => "checked::__By::Spec".to_string(),
                Blame::Input => "checked::__By::Input".to_string(),
                Blame::Code(made) => format!("checked::__By::Code({})", str_lit(made)),
            })
            .collect();
        Some(format!("&[{}]", items.join(", ")))
    }

    fn call(&self, e: &TExpr, func: &FnRef, receiver: Option<&TExpr>, args: &[TExpr]) -> Code {
        let mut rendered: Vec<String> = args
            .iter()
            .zip(&func.params)
            .map(|(a, p)| self.arg(a, p))
            .collect();
        let (requires, ensures) = self.has_contracts(func);
        // In an `ensures` of a wrapper, a call of a function with `requires` of its module or
        // of a used one the file holds (what `declaration` finds there) checks them, naming
        // the clause.
        let in_clause = self
            .in_clause
            .as_ref()
            .filter(|_| requires && self.calls == CallMode::Direct);
        let in_requires = self.checks_requires_of(func);
        let checked = in_clause.is_some()
            || in_requires
            || (self.calls != CallMode::Direct && (requires || ensures));
        if checked {
            if let Some(recv) = receiver {
                let borrow = if func.receiver == Some(true) {
                    "&mut "
                } else {
                    "&"
                };
                let place = if func.receiver == Some(true) {
                    self.mut_place_code(recv)
                } else {
                    self.place_code(recv)
                };
                rendered.insert(0, format!("{borrow}{}", place.at_least(UNARY)));
            }
            if in_requires {
                // Inside `mod checked`, as for an `ensures` below.
                let name = checked_name(
                    self.types.module,
                    &func.module,
                    func.owner.as_deref(),
                    &func.name,
                );
                return Code::atom(format!(
                    "checked::{}({})?",
                    in_requires_name(&name),
                    rendered.join(", ")
                ));
            }
            if let Some(clause) = in_clause {
                // Inside `mod checked`, in the tests of the module `types` names.
                let name = checked_name(
                    self.types.module,
                    &func.module,
                    func.owner.as_deref(),
                    &func.name,
                );
                rendered.splice(0..0, [clause.label.clone(), clause.inputs.clone()]);
                return Code::atom(format!(
                    "checked::{}({})",
                    in_clause_name(&name),
                    rendered.join(", ")
                ));
            }
            let name = checked_name(
                &self.module.name,
                &func.module,
                func.owner.as_deref(),
                &func.name,
            );
            let by = requires.then(|| self.blame_list(e, func)).flatten();
            let blamed = by.is_some();
            rendered.splice(0..0, by);
            let args = rendered.join(", ");
            let text = if blamed && self.calls == CallMode::Property {
                format!("checked::{}({args})?", in_property_name(&name))
            } else if blamed {
                format!("checked::{}({args})", blamed_name(&name))
            } else {
                format!("checked::{name}({args})")
            };
            return Code::atom(text);
        }
        let args = rendered.join(", ");
        match (receiver, &func.owner) {
            (Some(recv), _) => {
                let place = if func.receiver == Some(true) {
                    self.mut_place_code(recv)
                } else {
                    self.place_code(recv)
                };
                Code::atom(format!(
                    "{}.{}({args})",
                    place.at_least(ATOM),
                    ident(&func.name)
                ))
            }
            (None, Some(owner)) => Code::atom(format!(
                "{}{}::{}({args})",
                self.fn_module(func),
                ident(owner),
                ident(&func.name)
            )),
            (None, None) => Code::atom(format!(
                "{}{}({args})",
                self.fn_module(func),
                ident(&func.name)
            )),
        }
    }

    /// The path prefix (`demo::text::slug::`) of the module that declares `func`, empty for
    /// the module under test, whose items the test file imports.
    fn fn_module(&self, func: &FnRef) -> String {
        if func.module == self.module.name && !self.qualify_own {
            String::new()
        } else {
            format!("{}::", module_path(self.types.root, &func.module))
        }
    }

    fn builtin(&self, op: Builtin, args: &[TExpr]) -> Code {
        let arg = |i: usize| {
            args.get(i)
                .expect("the checker gives built-ins their arity")
        };
        match op {
            Builtin::Len => Code {
                text: format!("{}.len() as i64", self.place_code(arg(0)).at_least(ATOM)),
                prec: CAST,
            },
            // A count below 0 repeats nothing, as in Python: `repeat(" ", n - len(s))`
            // pads to `n`, whatever `s`. `as usize` made it a huge count, and the test a
            // "capacity overflow" panic blamed on the code.
            Builtin::Repeat => {
                let count = match arg(1).kind {
                    TExprKind::Int(n) if n >= 0 => n.to_string(),
                    _ => format!(
                        "usize::try_from({}).unwrap_or(0)",
                        self.owned_code(arg(1)).text
                    ),
                };
                Code::atom(format!(
                    "{}.repeat({count})",
                    self.place_code(arg(0)).at_least(ATOM)
                ))
            }
            Builtin::ToStr => {
                let x = arg(0);
                let recv = match x.kind {
                    TExprKind::Int(n) => int_literal(n, true),
                    _ => self.owned_code(x),
                };
                Code::atom(format!("{}.to_string()", recv.at_least(ATOM)))
            }
            Builtin::Contains => {
                let (c, x) = (arg(0), arg(1));
                let base = self.place_code(c).at_least(ATOM);
                match &c.ty {
                    Ty::Str => Code::atom(format!("{base}.contains({})", self.arg(x, &Ty::Str))),
                    Ty::Map(..) => {
                        Code::atom(format!("{base}.contains_key({})", self.reference(x)))
                    }
                    Ty::Bytes => Code::atom(format!(
                        "{base}.contains(&({} as u8))",
                        self.owned_code(x).at_least(UNARY)
                    )),
                    _ => Code::atom(format!("{base}.contains({})", self.reference(x))),
                }
            }
        }
    }

    /// One side of a comparison: places are compared in place, borrowed locals as owned
    /// values (so `&str` meets `String`), string literals as `&str` for `==` and `!=`.
    pub fn compared(&self, e: &TExpr, op: BinaryOp) -> Code {
        match &e.kind {
            TExprKind::Str(s) if matches!(op, BinaryOp::Eq | BinaryOp::Ne) => {
                Code::atom(super::names::str_lit(s))
            }
            TExprKind::Local(n) if self.local(n).borrowed => {
                self.local_owned(&self.local(n), &e.ty)
            }
            TExprKind::Local(_)
            | TExprKind::ResultValue
            | TExprKind::Field { .. }
            | TExprKind::TupleField { .. }
            | TExprKind::Index { .. } => self.place_code(e),
            _ => self.owned_code(e),
        }
    }

    fn binary(&self, e: &TExpr, op: BinaryOp, lhs: &TExpr, rhs: &TExpr) -> Code {
        let prec = binary_prec(op);
        let checked = checked_method(op);
        if let Some(method) = checked.filter(|_| self.checks_arithmetic(lhs, rhs)) {
            return Code::atom(format!(
                "i64::{method}({}, {})?",
                self.owned(lhs),
                self.owned(rhs)
            ));
        }
        if let Some(method) = checked.filter(|_| self.inputs_arithmetic(lhs, rhs)) {
            return Code::atom(format!(
                "i64::{method}({}, {}).expect({})",
                self.owned(lhs),
                self.owned(rhs),
                str_lit(&spec_arithmetic_message(e))
            ));
        }
        if op == BinaryOp::Add && lhs.ty == Ty::Str {
            return Code::atom(format!(
                "format!(\"{{}}{{}}\", {}, {})",
                self.place(lhs),
                self.place(rhs)
            ));
        }
        let (l, r) = if op.is_comparison() {
            // Two string literals compared with `==` stay `&str` on both sides.
            (self.compared(lhs, op), self.compared(rhs, op))
        } else {
            (self.owned_code(lhs), self.owned_code(rhs))
        };
        // Comparisons do not chain in Rust; the other operators are left-associative.
        // `x as i64 < y` would parse `<` as the start of generic arguments.
        let left = if op.is_comparison() && l.prec == CAST {
            format!("({})", l.text)
        } else if op.is_comparison() {
            l.at_least(prec + 1)
        } else {
            l.at_least(prec)
        };
        let right = r.at_least(prec + 1);
        Code {
            text: format!("{left} {} {right}", op.symbol()),
            prec,
        }
    }
}

/// How a property's test says its own integer arithmetic (over its inputs and constants,
/// no call of the project) overflowed or divided by zero: the spec's mistake whatever the
/// code, which the build reads (see `build/verify.rs`) to stop rather than ask for repairs.
pub const SPEC_ARITHMETIC: &str = "the property's own arithmetic overflows or divides by zero";

/// How a property's test says its own lookup (over its inputs, no call of the project)
/// found nothing: the spec's mistake whatever the code, read by the build as
/// [`SPEC_ARITHMETIC`] is.
pub const SPEC_LOOKUP: &str = "the property's own lookup finds nothing";

/// The `i64` method that does `op` without panicking, for the arithmetic operators.
fn checked_method(op: BinaryOp) -> Option<&'static str> {
    match op {
        BinaryOp::Add => Some("checked_add"),
        BinaryOp::Sub => Some("checked_sub"),
        BinaryOp::Mul => Some("checked_mul"),
        BinaryOp::Div => Some("checked_div"),
        BinaryOp::Rem => Some("checked_rem"),
        _ => None,
    }
}

/// The panic message of a property's own arithmetic `e` that failed.
fn spec_arithmetic_message(e: &TExpr) -> String {
    format!(
        "{SPEC_ARITHMETIC}: `{}`",
        crate::compile::spec_text::spec_text(e)
    )
}

/// Whether `e` reads what the code made: `result`, or a call of the project.
fn code_made(e: &TExpr) -> bool {
    e.any(&mut |e| {
        matches!(
            e.kind,
            TExprKind::ResultValue | TExprKind::Call { .. } | TExprKind::MethodCall { .. }
        )
    })
}

/// Rust binding strength of a binary operator (below unary and `as`).
fn binary_prec(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 7,
        BinaryOp::Add | BinaryOp::Sub => 6,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            4
        }
        BinaryOp::And => 3,
        BinaryOp::Or => 2,
    }
}

fn int_literal(n: i64, typed: bool) -> Code {
    let text = if n == i64::MIN {
        "i64::MIN".to_string()
    } else if typed {
        format!("{n}_i64")
    } else {
        n.to_string()
    };
    let prec = if n < 0 && n != i64::MIN { UNARY } else { ATOM };
    Code { text, prec }
}

fn float_literal(text: &str) -> Code {
    let mut text = text.replace('_', "");
    if !text.contains(['.', 'e', 'E']) {
        text.push_str(".0");
    }
    let prec = if text.starts_with('-') { UNARY } else { ATOM };
    Code { text, prec }
}
