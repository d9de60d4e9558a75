//! proptest strategies for the bound variables of properties: one expression per spec
//! type, and an `arb_<type>()` function for every record and enum a property reaches.
//!
//! Sizes are kept small (collections of up to 8 elements) so 256 cases stay fast; half the
//! `int`s are small, so that 0, signs and equal values are met; floats
//! are finite (no NaN or infinity: a spec that wants them says so in an example).

use super::expr::ExprCtx;
use super::names::{ident, snake};
use super::types::TypeCtx;
use crate::check::{int_constant, BinderModel, DeclKind, Project, Ty, TypeRef};
use std::collections::BTreeSet;

/// The strategy of an `int` without a range: see [`strategy`].
const SMALL_OR_ANY_INT: &str =
    "proptest::prop_oneof![-16_i64..=16_i64, proptest::arbitrary::any::<i64>()]";

/// The strategy of one end of an `int` range, in the tests files whose properties draw
/// one ([`binder_strategy`]): it starts at the end and shrinks towards `toward`, where
/// proptest shrinks the range's own values (0, or the end nearer it). A `Just` of the end
/// never shrank: a failure met first at 999 of `0..1000` was reported at 999, not 300.
pub const INT_EDGE: &str = r#"
/// An end of a property's `int` range: `start`, shrinking towards `toward` as the range's
/// own values do.
#[derive(Debug, Clone, Copy)]
struct __IntEdge {
    start: i64,
    toward: i64,
}

impl proptest::strategy::Strategy for __IntEdge {
    type Tree = __IntEdgeTree;
    type Value = i64;
    fn new_tree(&self, _: &mut proptest::test_runner::TestRunner) -> proptest::strategy::NewTree<Self> {
        let offset = proptest::num::i64::BinarySearch::new(self.start - self.toward);
        Ok(__IntEdgeTree { toward: self.toward, offset })
    }
}

#[derive(Debug, Clone, Copy)]
struct __IntEdgeTree {
    toward: i64,
    offset: proptest::num::i64::BinarySearch,
}

impl proptest::strategy::ValueTree for __IntEdgeTree {
    type Value = i64;
    fn current(&self) -> i64 {
        self.toward + proptest::strategy::ValueTree::current(&self.offset)
    }
    fn simplify(&mut self) -> bool {
        proptest::strategy::ValueTree::simplify(&mut self.offset)
    }
    fn complicate(&mut self) -> bool {
        proptest::strategy::ValueTree::complicate(&mut self.offset)
    }
}
"#;

/// Whether a binder's value is drawn as each case runs rather than by its strategy: its
/// range reads another of the property's variables (`b: int in a..10`) or calls code
/// (`n: int in 0..f(3)`), which a strategy, built before any variable has a value and
/// outside the test's body (where a call's `?` has no `Result` to return), cannot do.
/// Such a binder is drawn as [`case_draw`] and turned into its value by [`IN_RANGE`]'s
/// functions at the start of the case.
pub fn drawn_in_case(binder: &BinderModel) -> bool {
    binder.range.as_ref().is_some_and(|(lo, hi)| {
        [lo, hi].into_iter().any(|e| {
            e.calls_code() || e.any(&mut |e| matches!(e.kind, crate::check::TExprKind::Local(_)))
        })
    })
}

/// The strategy of the raw draw of a binder [`drawn_in_case`]: a `u64` for an `int` (its
/// least and greatest values a tenth of the cases each, so that both ends of the range
/// are met), a fraction in `0..1` for a `float`.
pub fn case_draw(binder: &BinderModel) -> &'static str {
    if binder.ty == Ty::Float {
        "0.0_f64..1.0_f64"
    } else {
        "proptest::prop_oneof![1 => proptest::strategy::Just(0_u64), 1 => proptest::strategy::Just(u64::MAX), 8 => proptest::arbitrary::any::<u64>()]"
    }
}

/// The functions that turn a [`case_draw`] into a value of its range, in the tests files
/// that draw one; and `__Drawn`, the draw as the test takes it, which proptest shows in
/// a failure's minimal input as the value the case drew (`hi = 3`), not as the raw
/// number behind it (`__draw_hi = 17293822569102704640`, a name the spec never wrote).
pub const IN_RANGE: &str = r#"
/// The raw draw of a property's variable whose range is known only as its case runs,
/// under the variable's own name. Its `Debug`, which proptest prints as the minimal
/// failing input, is the value the last case run with this draw took from its range.
#[derive(Clone)]
struct __Drawn {
    key: &'static str,
    raw: u64,
}

thread_local! {
    /// The value each draw gave in the last case that ran it, by variable and raw draw
    /// (one thread runs a test's cases, its shrinking included).
    static __DRAWN: std::cell::RefCell<BTreeMap<(&'static str, u64), String>> = Default::default();
}

impl __Drawn {
    fn int(key: &'static str, raw: u64) -> Self {
        __Drawn { key, raw }
    }

    fn float(key: &'static str, raw: f64) -> Self {
        __Drawn { key, raw: raw.to_bits() }
    }

    /// Forgets what an earlier case took from this draw: this case has not taken it yet.
    fn forget(&self) {
        __DRAWN.with(|d| d.borrow_mut().remove(&(self.key, self.raw)));
    }

    /// `value`, the draw taken from its range, remembered for the failure's message.
    fn took<T: std::fmt::Debug>(&self, value: Option<T>) -> Option<T> {
        if let Some(v) = &value {
            __DRAWN.with(|d| d.borrow_mut().insert((self.key, self.raw), format!("{v:?}")));
        }
        value
    }
}

impl std::fmt::Debug for __Drawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match __DRAWN.with(|d| d.borrow().get(&(self.key, self.raw)).cloned()) {
            Some(value) => f.write_str(&value),
            None => f.write_str("(not drawn: the case failed before its range was known)"),
        }
    }
}
/// The value `draw` picks from `lo..hi`, a property's range whose bounds are known only
/// as its case runs; `None` when the range holds no value (the case is discarded).
fn __in_range_i64(lo: i64, hi: i64, draw: u64) -> Option<i64> {
    if lo >= hi {
        return None;
    }
    if draw == u64::MAX {
        return Some(hi - 1);
    }
    let span = (hi as i128 - lo as i128) as u128;
    Some((lo as i128 + (draw as u128 % span) as i128) as i64)
}

/// As [`__in_range_i64`], for a `float` range: `draw` is a fraction of the way from `lo`.
fn __in_range_f64(lo: f64, hi: f64, draw: f64) -> Option<f64> {
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return None;
    }
    let x = lo * (1.0 - draw) + hi * draw;
    Some(if x >= lo && x < hi { x } else { lo })
}
"#;

/// The strategy for a binder: its range when it has one, else the type's strategy.
pub fn binder_strategy(
    cx: &ExprCtx,
    binder: &BinderModel,
    needed: &mut BTreeSet<TypeRef>,
) -> String {
    match &binder.range {
        Some((lo, hi)) => {
            let mut typed = cx.clone();
            typed.typed_ints = true;
            // A range of one value is that value: proptest's shrinking of the one at
            // `int`'s least (`i64::MIN..i64::MIN + 1`) overflows and fails every run.
            match (int_constant(lo), int_constant(hi)) {
                (Some(l), Some(h)) if l.checked_add(1) == Some(h) => {
                    format!("proptest::strategy::Just({})", typed.owned(lo))
                }
                // Both ends, each a tenth of the cases: drawn evenly, 256 cases of
                // `1..65536` never met 65535, and code that wrote `1..65535` for the
                // spec's `1..=65535` passed. An end shrinks as the range's values do
                // ([`INT_EDGE`]), so a failure met there first is reported as small.
                (Some(l), Some(h)) if binder.ty == Ty::Int && h.checked_sub(l) > Some(2) => {
                    let toward = 0.clamp(l, h - 1);
                    format!(
                        "proptest::prop_oneof![1 => __IntEdge {{ start: {l}, toward: {toward} }}, 1 => __IntEdge {{ start: {last}, toward: {toward} }}, 8 => {lo}..{hi}]",
                        last = h - 1,
                        lo = typed.owned(lo),
                        hi = typed.owned(hi),
                    )
                }
                _ => format!("{}..{}", typed.owned(lo), typed.owned(hi)),
            }
        }
        None => strategy(&cx.types, &binder.ty, needed),
    }
}

/// The strategy expression for values of `ty`; records and enums it reaches are added to
/// `needed` (their `arb_` functions are generated by [`arb_functions`]).
pub fn strategy(cx: &TypeCtx, ty: &Ty, needed: &mut BTreeSet<TypeRef>) -> String {
    match ty {
        Ty::Unit => "proptest::strategy::Just(())".into(),
        Ty::Bool => "proptest::arbitrary::any::<bool>()".into(),
        // Half the cases are small (-16..=16), half anywhere in `int`. Drawn from the whole
        // range alone, 256 cases never met 0, a value below 1000 in size or two equal
        // ints: `forall x: int => is_zero(x) == (x == 0)` passed code returning `false`,
        // and a list of ints never held a duplicate. `i64::MIN` and `i64::MAX` are not
        // favoured as edges: `abs` and `-x` have no `int` result at the least, so a
        // property over every `int` that a reader would call right could be met by no code.
        Ty::Int => SMALL_OR_ANY_INT.into(),
        Ty::Float => "proptest::num::f64::POSITIVE | proptest::num::f64::NEGATIVE | proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO".into(),
        // proptest's own strings never hold a control character (`\PC*`: no line break,
        // no tab) and are mostly far from ASCII; half the cases are printable ASCII with
        // tabs and line breaks, which text-handling code must meet.
        Ty::Str => "proptest::prop_oneof![proptest::arbitrary::any::<String>(), \"[ -~\\t\\n\\r]{0,16}\"]".into(),
        Ty::Bytes => "proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..16)".into(),
        Ty::List(t) => format!("proptest::collection::vec({}, 0..8)", strategy(cx, t, needed)),
        Ty::Map(k, v) => format!(
            "proptest::collection::btree_map({}, {}, 0..8)",
            strategy(cx, k, needed),
            strategy(cx, v, needed)
        ),
        Ty::Option(t) => format!("proptest::option::of({})", strategy(cx, t, needed)),
        Ty::Result(t, e) => format!(
            "proptest::result::maybe_ok({}, {})",
            strategy(cx, t, needed),
            strategy(cx, e, needed)
        ),
        Ty::Tuple(items) if items.len() == 1 => {
            format!("({},)", strategy(cx, &items[0], needed))
        }
        Ty::Tuple(items) => format!(
            "({})",
            items.iter().map(|t| strategy(cx, t, needed)).collect::<Vec<_>>().join(", ")
        ),
        Ty::Named(r) => {
            needed.insert(r.clone());
            format!("{}()", arb_name(cx, r))
        }
    }
}

/// `__arb_point` for this module's `Point`, `__arb_geo_shape_point` for another module's
/// (`__`: no spec name starts so, so none meets it).
pub fn arb_name(cx: &TypeCtx, r: &TypeRef) -> String {
    if r.module == cx.module {
        format!("__arb_{}", snake(&r.name))
    } else {
        format!("__arb_{}_{}", r.module.replace('.', "_"), snake(&r.name))
    }
}

/// The `arb_` functions for `needed` and every type they reach, sorted by type.
pub fn arb_functions(project: &Project, cx: &TypeCtx, needed: &BTreeSet<TypeRef>) -> String {
    let mut todo: Vec<TypeRef> = needed.iter().cloned().collect();
    let mut done: BTreeSet<TypeRef> = BTreeSet::new();
    let mut bodies: Vec<(TypeRef, String)> = Vec::new();
    while let Some(r) = todo.pop() {
        if !done.insert(r.clone()) {
            continue;
        }
        let mut more = BTreeSet::new();
        let body = arb_function(project, cx, &r, &mut more);
        todo.extend(more.into_iter().filter(|m| !done.contains(m)));
        bodies.push((r, body));
    }
    bodies.sort_by(|a, b| a.0.cmp(&b.0));
    bodies
        .into_iter()
        .map(|(_, b)| b)
        .collect::<Vec<_>>()
        .join("\n")
}

fn arb_function(
    project: &Project,
    cx: &TypeCtx,
    r: &TypeRef,
    more: &mut BTreeSet<TypeRef>,
) -> String {
    let name = cx.named(r);
    let head = format!(
        "fn {}() -> impl proptest::strategy::Strategy<Value = {name}> {{\n",
        arb_name(cx, r)
    );
    let decl_module = project.module(&r.module);
    let body = match r.kind {
        DeclKind::Record => {
            let record = decl_module.and_then(|m| m.records.iter().find(|x| x.name == r.name));
            match record {
                Some(record) => {
                    let fields: Vec<(String, &Ty)> =
                        record.fields.iter().map(|(n, t)| (ident(n), t)).collect();
                    construct(cx, &name, &fields, true, more)
                }
                None => "    proptest::strategy::Just(unreachable!())\n".into(),
            }
        }
        DeclKind::Enum | DeclKind::Error => {
            let decl = decl_module.and_then(|m| m.enums.iter().find(|x| x.name == r.name));
            let variants = decl.map(|d| d.variants.as_slice()).unwrap_or(&[]);
            let boxed = if variants.len() > 10 { ".boxed()" } else { "" };
            let mut arms = Vec::new();
            for v in variants {
                let path = format!("{name}::{}", ident(&v.name));
                let fields: Vec<(String, &Ty)> =
                    v.fields.iter().map(|t| (String::new(), t)).collect();
                let arm = construct(cx, &path, &fields, false, more);
                arms.push(format!("        {}{boxed},\n", arm.trim()));
            }
            format!("    proptest::prop_oneof![\n{}    ]\n", arms.concat())
        }
        DeclKind::Opaque => "    proptest::strategy::Just(unreachable!())\n".into(),
    };
    format!("{head}{body}}}\n")
}

/// A strategy as the receiver of a method call: a float's is an `a | b | ...`
/// expression, which `.prop_map` would otherwise bind to its last operand alone.
fn grouped(strategy: &str) -> String {
    if strategy.contains(" | ") {
        format!("({strategy})")
    } else {
        strategy.to_string()
    }
}

/// A strategy building `path` from generated fields: named (a record) or positional.
fn construct(
    cx: &TypeCtx,
    path: &str,
    fields: &[(String, &Ty)],
    named: bool,
    more: &mut BTreeSet<TypeRef>,
) -> String {
    let strategies: Vec<String> = fields.iter().map(|(_, t)| strategy(cx, t, more)).collect();
    let vars: Vec<String> = (0..fields.len()).map(|i| format!("x{i}")).collect();
    let built = if named {
        let inits: Vec<String> = fields
            .iter()
            .zip(&vars)
            .map(|((n, _), v)| format!("{n}: {v}"))
            .collect();
        format!("{path} {{ {} }}", inits.join(", "))
    } else {
        format!("{path}({})", vars.join(", "))
    };
    match fields.len() {
        0 if named => format!("    proptest::strategy::Just({path} {{}})\n"),
        0 => format!("    proptest::strategy::Just({path})\n"),
        1 if !named => format!("    {}.prop_map({path})\n", grouped(&strategies[0])),
        1 => format!("    {}.prop_map(|x0| {built})\n", grouped(&strategies[0])),
        _ => {
            // proptest implements `Strategy` for tuples of up to 12: group longer ones.
            let group = |items: &[String]| -> String {
                if items.len() <= 12 {
                    return items.join(", ");
                }
                let chunks: Vec<String> = items
                    .chunks(12)
                    .map(|c| format!("({},)", c.join(", ")))
                    .collect();
                chunks.join(", ")
            };
            format!(
                "    ({}).prop_map(|({})| {built})\n",
                group(&strategies),
                group(&vars)
            )
        }
    }
}
