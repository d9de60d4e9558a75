//! Hand-built checked models of the specs in `tests/fixtures/accept/*/spec.ghost`, as
//! the checker will produce them (used until the checker fills `check::check`).

use super::build::*;
use ghost::check::*;
use ghost::syntax::ast::{BinaryOp, UnaryOp};

fn neg(n: i64) -> TExpr {
    e(
        TExprKind::Unary {
            op: UnaryOp::Neg,
            operand: Box::new(int(n)),
        },
        Ty::Int,
    )
}

/// The model of the fixture in folder `case`.
pub fn model(case: &str) -> ModuleModel {
    let name = format!("accept.{case}");
    let m = name.as_str();
    match case {
        "example" => {
            let (double, mut f) = func(
                m,
                None,
                None,
                "double",
                &[("x", Ty::Int)],
                Ty::Int,
                "fn double(x: int) -> int",
            );
            f.examples = vec![
                contract(
                    eq(call(&double, vec![int(2)]), int(4)),
                    "example double(2) == 4",
                ),
                contract(
                    eq(call(&double, vec![neg(3)]), neg(6)),
                    "example double(-3) == -6",
                ),
            ];
            let mut module = module(m, "Doubling integers.");
            module.functions = vec![f];
            module
        }
        "ensures" => {
            let (p3, mut f) = func(
                m,
                None,
                None,
                "prefix3",
                &[("s", Ty::Str)],
                Ty::Str,
                "fn prefix3(s: str) -> str",
            );
            f.doc = Some(
                "The longest prefix of at most three bytes that ends on a character boundary."
                    .into(),
            );
            f.ensures = vec![contract(
                bin(BinaryOp::Le, len(result(Ty::Str)), int(3)),
                "ensures len(result) <= 3",
            )];
            f.examples = vec![contract(
                eq(call(&p3, vec![s("ab")]), s("ab")),
                "example prefix3(\"ab\") == \"ab\"",
            )];
            let sv = || local("s", Ty::Str);
            f.properties = vec![property(
                None,
                vec![binder("s", Ty::Str, None)],
                bin(BinaryOp::Le, len(call(&p3, vec![sv()])), len(sv())),
                "property forall s: str => len(prefix3(s)) <= len(s)",
            )];
            let mut module = module(m, "Short prefixes.");
            module.functions = vec![f];
            module
        }
        "requires" => {
            let (isqrt, mut f) = func(
                m,
                None,
                None,
                "isqrt",
                &[("n", Ty::Int)],
                Ty::Int,
                "fn isqrt(n: int) -> int",
            );
            f.requires = vec![contract(
                bin(BinaryOp::Ge, local("n", Ty::Int), int(0)),
                "requires n >= 0",
            )];
            f.examples = vec![contract(
                eq(call(&isqrt, vec![int(10)]), int(3)),
                "example isqrt(10) == 3",
            )];
            let n = || local("n", Ty::Int);
            let sq = bin(
                BinaryOp::Mul,
                call(&isqrt, vec![n()]),
                call(&isqrt, vec![n()]),
            );
            f.properties = vec![property(
                Some("floor"),
                vec![binder("n", Ty::Int, Some((neg(100), int(100))))],
                bin(BinaryOp::Le, sq, n()),
                "property floor: forall n: int in -100..100 => isqrt(n) * isqrt(n) <= n",
            )];
            let mut module = module(m, "Integer square roots.");
            module.functions = vec![f];
            module
        }
        "requires_mistake" => {
            let (halve, mut f) = func(
                m,
                None,
                None,
                "halve",
                &[("n", Ty::Int)],
                Ty::Int,
                "fn halve(n: int) -> int",
            );
            f.requires = vec![contract(
                bin(BinaryOp::Ge, local("n", Ty::Int), int(0)),
                "requires n >= 0",
            )];
            f.examples = vec![contract(
                eq(call(&halve, vec![neg(4)]), neg(2)),
                "example halve(-4) == -2",
            )];
            let mut module = module(m, "A spec whose example breaks its own precondition.");
            module.functions = vec![f];
            module
        }
        "property" => {
            let li = list_of(Ty::Int);
            let (rev, mut f) = func(
                m,
                None,
                None,
                "rev",
                &[("xs", li.clone())],
                li.clone(),
                "fn rev(xs: list<int>) -> list<int>",
            );
            f.examples = vec![contract(
                eq(
                    call(&rev, vec![list(Ty::Int, vec![int(1), int(2)])]),
                    list(Ty::Int, vec![int(2), int(1)]),
                ),
                "example rev([1, 2]) == [2, 1]",
            )];
            let xs = || local("xs", li.clone());
            f.properties = vec![
                property(
                    Some("involutive"),
                    vec![binder("xs", li.clone(), None)],
                    eq(call(&rev, vec![call(&rev, vec![xs()])]), xs()),
                    "property involutive: forall xs: list<int> => rev(rev(xs)) == xs",
                ),
                property(
                    None,
                    vec![binder("n", Ty::Int, Some((neg(5), int(5))))],
                    eq(
                        len(call(&rev, vec![list(Ty::Int, vec![local("n", Ty::Int)])])),
                        int(1),
                    ),
                    "property forall n: int in -5..5 => len(rev([n])) == 1",
                ),
            ];
            let mut module = module(m, "Reversing lists.");
            module.functions = vec![f];
            module
        }
        "scenario" => {
            let ct = Ty::Named(named(m, "Counter", DeclKind::Opaque));
            let (new, fnew) = func(
                m,
                Some("Counter"),
                None,
                "new",
                &[("start", Ty::Int)],
                ct.clone(),
                "fn new(start: int) -> Counter",
            );
            let (incr, fincr) = func(
                m,
                Some("Counter"),
                Some(true),
                "incr",
                &[],
                Ty::Unit,
                "fn incr(mut self)",
            );
            let (get, fget) = func(
                m,
                Some("Counter"),
                Some(false),
                "get",
                &[],
                Ty::Int,
                "fn get(self) -> int",
            );
            let c = || local("c", ct.clone());
            let steps = vec![
                Step::Let {
                    name: "c".into(),
                    mutable: true,
                    value: call(&new, vec![int(1)]),
                },
                Step::Do {
                    expr: mcall(c(), &incr, vec![]),
                },
                Step::Do {
                    expr: mcall(c(), &incr, vec![]),
                },
                Step::Expect {
                    expr: eq(mcall(c(), &get, vec![]), int(3)),
                    source: "expect c.get() == 3".into(),
                },
            ];
            let mut module = module(m, "A counter.");
            module.types = vec![opaque("Counter", vec![fnew, fincr, fget])];
            module.scenarios = vec![scenario(
                "counts up",
                steps,
                "scenario \"counts up\" { ... }",
            )];
            module
        }
        "snapshot" => {
            let (words, f) = func(
                m,
                None,
                None,
                "words",
                &[("s", Ty::Str)],
                list_of(Ty::Str),
                "fn words(s: str) -> list<str>",
            );
            let mut module = module(m, "Splitting words.");
            module.functions = vec![f];
            module.snapshots = vec![snapshot(
                "split words",
                vec![],
                call(&words, vec![s("a bb ccc")]),
                "snapshot \"split words\" { words(\"a bb ccc\") }",
            )];
            module
        }
        "forbid_unsafe" => {
            let li = list_of(Ty::Int);
            let (first, mut f) = func(
                m,
                None,
                None,
                "first",
                &[("xs", li.clone())],
                Ty::Int,
                "fn first(xs: list<int>) -> int",
            );
            f.requires = vec![contract(
                bin(BinaryOp::Gt, len(local("xs", li)), int(0)),
                "requires len(xs) > 0",
            )];
            f.examples = vec![contract(
                eq(
                    call(&first, vec![list(Ty::Int, vec![int(7), int(8)])]),
                    int(7),
                ),
                "example first([7, 8]) == 7",
            )];
            let mut module = module(m, "The first element, without unsafe code.");
            module.functions = vec![f];
            module.nfrs = vec![nfr(NfrModel::ForbidUnsafe, "nfr forbid unsafe")];
            module
        }
        "deps" => {
            let (digits, mut f) = func(
                m,
                None,
                None,
                "digits",
                &[("n", Ty::Int)],
                Ty::Str,
                "fn digits(n: int) -> str",
            );
            f.examples = vec![contract(
                eq(call(&digits, vec![int(42)]), s("42")),
                "example digits(42) == \"42\"",
            )];
            let mut module = module(m, "Formatting numbers with the one crate allowed.");
            module.functions = vec![f];
            module.nfrs = vec![nfr(
                NfrModel::Deps(vec![("itoa".into(), "*".into())]),
                "nfr deps [itoa]",
            )];
            module
        }
        "max_lines" => {
            let (inc, mut f) = func(
                m,
                None,
                None,
                "inc",
                &[("x", Ty::Int)],
                Ty::Int,
                "fn inc(x: int) -> int",
            );
            f.examples = vec![contract(
                eq(call(&inc, vec![int(1)]), int(2)),
                "example inc(1) == 2",
            )];
            let mut module = module(m, "Short code.");
            module.functions = vec![f];
            module.nfrs = vec![nfr(NfrModel::MaxLines(6), "nfr max_lines 6")];
            module
        }
        other => panic!("no model for accept fixture {other}"),
    }
}
