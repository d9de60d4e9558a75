//! Unit tests of the checker: the tricky inference cases and the project-level rules.

use super::*;
use crate::syntax::ast::BinaryOp;
use std::path::Path;

fn spec(file: &str, text: &str) -> SpecFile {
    let (ast, diags) = crate::syntax::parse(Path::new(file), text);
    assert!(
        diags.is_empty(),
        "{file} parses: {:?}",
        diags.iter().map(Diagnostic::message).collect::<Vec<_>>()
    );
    SpecFile {
        file: file.into(),
        expected_module: None,
        text: text.to_string(),
        ast,
    }
}

fn check_one(text: &str) -> (Project, Vec<Diagnostic>) {
    check(&[spec("m.ghost", text)])
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(Diagnostic::code).collect()
}

/// The typed expression of the first example of the first function.
fn first_example(text: &str) -> TExpr {
    let (p, diags) = check_one(text);
    // Warnings allowed: these examples show typing, not good tests.
    assert!(
        !diags.iter().any(Diagnostic::is_error),
        "{:?}",
        diags.iter().map(Diagnostic::message).collect::<Vec<_>>()
    );
    p.modules[0].functions[0].examples[0].expr.clone()
}

fn sides(e: &TExpr) -> (&TExpr, &TExpr) {
    match &e.kind {
        TExprKind::Binary { lhs, rhs, .. } => (lhs, rhs),
        other => panic!("not a binary expression: {other:?}"),
    }
}

#[test]
fn int_literal_becomes_float_where_float_is_expected() {
    let e = first_example("module m { fn f(x: float) -> float { example f(2) == -1 } }");
    let (lhs, rhs) = sides(&e);
    let TExprKind::Call { args, .. } = &lhs.kind else {
        panic!("a call")
    };
    assert_eq!(args[0].kind, TExprKind::Float("2.0".into()));
    let TExprKind::Unary { operand, .. } = &rhs.kind else {
        panic!("a negation")
    };
    assert_eq!(operand.kind, TExprKind::Float("1.0".into()));
    assert_eq!(rhs.ty, Ty::Float);
}

#[test]
fn the_side_that_types_alone_goes_first() {
    // `[]` on the left takes its type from the call on the right.
    let e = first_example("module m { fn f() -> list<int> { example [] == f() } }");
    let (lhs, _) = sides(&e);
    assert_eq!(lhs.ty, Ty::List(Box::new(Ty::Int)));
    // an int literal on the left of a float comparison becomes a float
    let e = first_example("module m { fn f() -> float { example 1 < f() } }");
    assert_eq!(sides(&e).0.kind, TExprKind::Float("1.0".into()));
    // `ok(1)` and `none` from the other side
    let e = first_example("module m { fn f() -> result<int, str> { example ok(1) == f() } }");
    assert_eq!(
        sides(&e).0.ty,
        Ty::Result(Box::new(Ty::Int), Box::new(Ty::Str))
    );
}

#[test]
fn mixed_list_literal_is_typed_from_its_strongest_element() {
    let e = first_example("module m { fn f(xs: list<float>) -> bool { example f([1, 2.5]) } }");
    let TExprKind::Call { args, .. } = &e.kind else {
        panic!("a call")
    };
    let TExprKind::List(items) = &args[0].kind else {
        panic!("a list")
    };
    assert_eq!(items[0].kind, TExprKind::Float("1.0".into()));
    // and alone, without an expectation
    let e = first_example("module m { fn f() -> int { example len([1, 2.5]) == 2 } }");
    let TExprKind::Builtin { args, .. } = &sides(&e).0.kind else {
        panic!("len")
    };
    assert_eq!(args[0].ty, Ty::List(Box::new(Ty::Float)));
}

#[test]
fn literals_without_context_cannot_be_inferred() {
    let (_, d) = check_one("module m { fn f() -> int { example len([]) == 0  example none == none  example {} != {} } }");
    assert_eq!(codes(&d), ["E0307", "E0307", "E0307"]);
}

#[test]
fn record_fields_come_in_declaration_order() {
    let e = first_example("module m { record P { x: int, y: str } fn f(p: P) -> bool { example f(P { y: \"a\", x: 1 }) } }");
    let TExprKind::Call { args, .. } = &e.kind else {
        panic!("a call")
    };
    let TExprKind::Record { fields, .. } = &args[0].kind else {
        panic!("a record")
    };
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["x", "y"]);
}

#[test]
fn enum_variants_check_their_arity() {
    let (_, d) = check_one(
        "module m { enum E { A  B(int, str) } fn f(e: E) -> bool { example f(E.B(1))  example f(E.A(1))  example f(E.B) } }",
    );
    assert_eq!(codes(&d), ["E0302", "E0302", "E0302"]);
}

#[test]
fn a_mut_self_call_makes_the_binding_mutable() {
    let text = "module m { type C { fn new() -> C  fn bump(mut self)  fn get(self) -> int }
      scenario \"s\" { let a = C.new()  let b = C.new()  a.bump()  expect b.get() == 0 } }";
    assert_eq!(let_mutability(text), [true, false]);
}

/// Whether each `let` of the first scenario of `text` (which checks clean) is mutable.
fn let_mutability(text: &str) -> Vec<bool> {
    let (p, d) = check_one(text);
    assert!(d.is_empty(), "{d:?}");
    p.modules[0].scenarios[0]
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Let { mutable, .. } => Some(*mutable),
            _ => None,
        })
        .collect()
}

#[test]
fn a_mut_self_call_on_an_element_makes_its_binding_mutable() {
    // `xs[0].bump()` and `t.0.bump()` borrow `xs` and `t` mutably in Rust.
    let text = "module m { type C { fn new() -> C  fn bump(mut self) }
      scenario \"s\" { let xs = [C.new()]  let t = (C.new(), 1)  let u = [C.new()]
        xs[0].bump()  t.0.bump() } }";
    assert_eq!(let_mutability(text), [true, true, false]);
}

#[test]
fn static_and_instance_methods_are_not_interchangeable() {
    let text = "module m { type C { fn new() -> C  fn get(self) -> int }
      scenario \"s\" { let a = C.new()  let b = a.new()  expect C.get() == 1 } }";
    let (_, d) = check_one(text);
    assert_eq!(codes(&d), ["E0311", "E0311"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "module m { fn f(x: Nope) -> int { example g(1) == 1  requires result > 0 } record R { a: int, a: int } }";
    let (p, d) = check_one(text);
    assert_eq!(codes(&d), ["E0201", "E0203", "E0304", "E0208"]);
    assert!(p.modules.is_empty());
}

#[test]
fn ensures_on_a_unit_function_is_an_error() {
    let (_, d) = check_one("module m { fn f(x: int) { ensures x > 0 } }");
    assert_eq!(codes(&d), ["E0305"]);
}

#[test]
fn property_binders_shadow_parameters() {
    let (p, d) = check_one(
        "module m { fn f(x: int) -> str { property forall x: str => len(f(len(x))) != 1 } }",
    );
    assert!(
        d.is_empty(),
        "{:?}",
        d.iter().map(Diagnostic::message).collect::<Vec<_>>()
    );
    assert_eq!(
        p.modules[0].functions[0].properties[0].binders[0].ty,
        Ty::Str
    );
}

#[test]
fn perf_budgets_are_in_nanoseconds() {
    let (p, d) =
        check_one("module m { fn f() -> int  nfr perf f() < 1.5us  nfr deps [a, b = \"1\"] }");
    assert!(d.is_empty());
    let NfrModel::Perf { budget_ns, .. } = &p.modules[0].nfrs[0].kind else {
        panic!("perf")
    };
    assert_eq!(*budget_ns, 1500);
    let NfrModel::Deps(deps) = &p.modules[0].nfrs[1].kind else {
        panic!("deps")
    };
    assert_eq!(
        deps,
        &[
            ("a".to_string(), "*".to_string()),
            ("b".to_string(), "1".to_string())
        ]
    );
}

#[test]
fn modules_come_in_dependency_order_and_errors_spread_to_users() {
    let files = [
        spec("z.ghost", "module z { fn f() -> int }"),
        spec(
            "a.ghost",
            "module a { use z  fn g() -> int { example g() == z.f() } }",
        ),
        spec(
            "b.ghost",
            "module b { fn h() -> int { example h() == nope() } }",
        ),
        spec("c.ghost", "module c { use b }"),
    ];
    let (p, d) = check(&files);
    let errors: Vec<&str> = d
        .iter()
        .filter(|d| d.is_error())
        .map(Diagnostic::code)
        .collect();
    assert_eq!(errors, ["E0203"]);
    let names: Vec<&str> = p.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["z", "a"]);
}

/// Two used modules declare `P`: the bare name is ambiguous (E0216), and a record literal
/// qualified by its module's path builds the one meant.
#[test]
fn a_record_literal_can_be_qualified_by_its_module() {
    let files = [
        spec("q1.ghost", "module q.one { record P { x: int } }"),
        spec("q2.ghost", "module q.two { record P { y: int } }"),
        spec(
            "u.ghost",
            "module u { use q.one  use q.two\n  fn f(p: q.one.P) -> int { example f(q.one.P { x: 1 }) == 1 }\n  fn g(p: q.two.P) -> int { example g(P { y: 1 }) == 1 } }",
        ),
    ];
    let (p, d) = check(&files);
    assert_eq!(codes(&d), ["E0216"], "only the bare `P` is ambiguous");
    assert!(p.module("u").is_none());
    let files = [
        files[0].clone(),
        files[1].clone(),
        spec(
            "u.ghost",
            "module u { use q.one  use q.two\n  fn f(p: q.one.P) -> int { example f(q.one.P { x: 1 }) == 1 } }",
        ),
    ];
    let (p, d) = check(&files);
    assert!(
        d.is_empty(),
        "{:?}",
        d.iter().map(Diagnostic::message).collect::<Vec<_>>()
    );
    let f = &p.module("u").expect("checked").functions[0];
    assert!(matches!(
        &sides(&f.examples[0].expr).0.kind,
        TExprKind::Call { args, .. } if matches!(&args[0].ty, Ty::Named(r) if r.module == "q.one")
    ));
    // Braces after anything but a path of names are no record (and never a panic: a
    // literal or a parenthesis is followed by them as directly as a name is).
    for operand in ["f(1)", "5", "\"a\"", "(f(1))", "[1]"] {
        let text =
            format!("module m {{ fn f(x: int) -> int {{ example {operand} {{ x: 1 }} == 1 }} }}");
        let (_, d) = crate::syntax::parse(Path::new("m.ghost"), &text);
        assert_eq!(codes(&d), ["E0102"], "{operand}");
    }
}

#[test]
fn sources_are_quoted_as_written() {
    let text = "module m {\n  fn f(x: int) -> int {\n    example f(1) == 2\n  }\n}\n";
    let (p, _) = check_one(text);
    let f = &p.modules[0].functions[0];
    assert_eq!(f.signature_source, "fn f(x: int) -> int");
    assert_eq!(f.examples[0].source, "example f(1) == 2");
    let TExprKind::Binary { op, .. } = &f.examples[0].expr.kind else {
        panic!("binary")
    };
    assert_eq!(*op, BinaryOp::Eq);
}

/// A synthetic project of `n` modules of about 60 lines, each using the two before it.
fn synthetic_project(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let mut t = format!("module gen.m{i} {{\n  \"Module {i}.\"\n");
            for d in [i.wrapping_sub(1), i.wrapping_sub(2)] {
                if d < n {
                    t += &format!("  use gen.m{d}\n");
                }
            }
            t += &format!(
                "  record R{i} {{ a: int, b: str, c: list<float>, d: map<str, int> }}
  enum E{i} {{ A  B(int)  C(str, int) }}
  error Err{i} {{ Empty  Bad(str) }}
  type T{i} {{
    fn new(n: int) -> T{i} {{ requires n >= 0 }}
    fn get(self, k: str) -> option<int>
    fn put(mut self, k: str, v: int)
  }}
  fn f{i}(x: int, s: str) -> result<int, Err{i}> {{
    \"Doc.\"
    requires x > -1000 && len(s) < 100
    example f{i}(1, \"a\") == ok(1)
    example f{i}(0, \"\") == err(Err{i}.Empty)
    example f{i}(-1, \"x\") == err(Err{i}.Bad(\"x\"))
    ensures result != err(Err{i}.Empty) || len(s) == 0
    property forall n: int in 0..100, t: str where len(t) < 10 => f{i}(n, t) != err(Err{i}.Bad(\"\"))
  }}
  fn g{i}(r: R{i}) -> E{i} {{
    example g{i}(R{i} {{ a: 1, b: \"b\", c: [1, 2.5], d: {{\"k\": 1}} }}) == E{i}.C(\"b\", 1)
    example g{i}(R{i} {{ a: 0, b: \"\", c: [], d: {{}} }}) == E{i}.A
    property forall r: R{i} => g{i}(r) != E{i}.B(-1)
  }}
  fn h{i}(xs: list<int>) -> (int, str) {{
    example h{i}([]) == (0, \"\")
    example h{i}([1, 2, 3]).0 == 6
    ensures result.0 >= 0 || len(xs) > 0
  }}
  scenario \"put then get\" {{
    let t = T{i}.new(1)
    t.put(\"a\", 1)
    expect t.get(\"a\") == some(1)
    expect t.get(\"b\") == none
  }}
  snapshot \"fresh\" {{ T{i}.new(2) }}
  nfr \"Fast.\"
  nfr forbid unsafe
  nfr deps [serde = \"1\"]
  nfr perf f{i}(1, repeat(\"a\", 10)) < 2ms
  nfr max_lines 300
  nfr lint
}}
"
            );
            (format!("gen/m{i}.ghost"), t)
        })
        .collect()
}

#[test]
fn a_large_project_checks_clean_in_dependency_order() {
    let files: Vec<SpecFile> = synthetic_project(40)
        .iter()
        .map(|(f, t)| spec(f, t))
        .collect();
    let (p, d) = check(&files);
    assert!(
        d.is_empty(),
        "{:?}",
        d.iter().map(Diagnostic::message).collect::<Vec<_>>()
    );
    assert_eq!(p.modules.len(), 40);
    assert_eq!(p.modules[0].name, "gen.m0");
    assert_eq!(p.modules[1].name, "gen.m1");
    assert_eq!(p.modules[39].name, "gen.m39");
}

/// Not a test of timing (that would be flaky): prints how long 1,000 modules take, for
/// `cargo test --release --lib check::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_of_a_thousand_modules() {
    let sources = synthetic_project(1000);
    let lines: usize = sources.iter().map(|(_, t)| t.lines().count()).sum();
    let start = std::time::Instant::now();
    let files: Vec<SpecFile> = sources.iter().map(|(f, t)| spec(f, t)).collect();
    let parsed = start.elapsed();
    let (p, d) = check(&files);
    let total = start.elapsed();
    assert!(d.is_empty());
    assert_eq!(p.modules.len(), 1000);
    eprintln!("{lines} lines: parse {parsed:?}, parse + check {total:?}");
    for _ in 0..3 {
        let again = std::time::Instant::now();
        let (p, _) = check(&files);
        let checked = again.elapsed();
        drop(p);
        eprintln!(
            "check alone: {checked:?} (with dropping the model: {:?})",
            again.elapsed()
        );
    }
}

/// Many modules are checked on several threads, a single one on the caller's: each
/// module's diagnostics and model must come out as when it is checked alone.
#[test]
fn a_large_project_checks_as_its_modules_do_alone() {
    let text = |i: usize| {
        format!(
            r#"module m{i} {{
  record R{i} {{ a: int, b: Missing{i} }}
  fn f(x: int) -> str {{
    example f({i}) == "x"
    example f("no") == 1
    ensures result == x
  }}
  scenario "s" {{ let y = f(1) expect y == 2 }}
}}"#
        )
    };
    let valid = |i: usize| {
        format!(
            r#"module m{i} {{
  record R{i} {{ a: int }}
  fn f(x: int) -> int {{ example f({i}) == {i} ensures result >= 0 }}
}}"#
        )
    };
    // Every other module has errors.
    let files: Vec<SpecFile> = (0..20)
        .map(|i| {
            let t = if i % 2 == 0 { valid(i) } else { text(i) };
            spec(&format!("m{i}.ghost"), &t)
        })
        .collect();
    let (project, diags) = check(&files);
    let mut alone_diags = Vec::new();
    let mut alone_modules = Vec::new();
    for f in &files {
        let (p, d) = check(std::slice::from_ref(f));
        alone_diags.extend(d);
        alone_modules.extend(p.modules);
    }
    crate::diagnostics::sort(&mut alone_diags);
    // Independent modules come in name order.
    alone_modules.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        diags.len() >= 10 * 3,
        "the odd modules have errors: {diags:?}"
    );
    assert_eq!(project.modules.len(), 10, "the even modules are kept");
    assert_eq!(diags, alone_diags);
    assert_eq!(project.modules, alone_modules);
}

#[test]
fn one_value_ranges_at_the_ends_of_int_are_not_empty() {
    for range in [
        "-9223372036854775808..-9223372036854775807",
        "9223372036854775806..9223372036854775807",
        "-9223372036854775807 - 1..-9223372036854775807",
        "5..6",
    ] {
        let text = format!(
            "module m {{ fn f(x: int) -> int {{ property forall x: int in {range} => f(x) == x }} }}"
        );
        let (_, diags) = check_one(&text);
        assert!(codes(&diags).is_empty(), "{range}: {:?}", codes(&diags));
    }
    let (_, diags) = check_one(
        "module m { fn f(x: int) -> int { property forall x: int in 9223372036854775807..9223372036854775807 => f(x) == x } }",
    );
    assert_eq!(codes(&diags), ["E0317"]);
    // Bounds computed from constants are known as well as literals.
    let (_, diags) = check_one(
        "module m { fn f(x: int) -> int { property forall x: int in 2 * 3..6 => f(x) == x } }",
    );
    assert_eq!(codes(&diags), ["E0317"]);
}

#[test]
fn a_tuple_inside_a_tuple_is_reached_through_result_and_locals() {
    let (_, diags) = check_one(
        "module m { fn f(x: int) -> (int, (int, str)) { ensures result.1.0 == x && result.0 == x\n example f(1).1.0 == 1 } }",
    );
    assert!(codes(&diags).is_empty(), "{:?}", codes(&diags));
    let (_, diags) = check_one(
        "module m { fn f(t: (int, (int, str))) -> int { property forall t: (int, (int, str)) => f(t) == t.1.0 } }",
    );
    assert!(codes(&diags).is_empty(), "{:?}", codes(&diags));
}

#[test]
fn scenarios_that_make_one_test_name_say_so() {
    let (_, diags) = check_one(
        "module m { fn f(x: int) -> int { example f(1) == 1 }\n scenario \"a b\" { expect f(1) == 1 }\n scenario \"a-b\" { expect f(1) == 1 }\n scenario \"a b\" { expect f(1) == 1 } }",
    );
    let messages: Vec<String> = diags.iter().map(Diagnostic::message).collect();
    assert_eq!(
        messages,
        [
            "scenario `a-b` makes the same test name as scenario `a b`",
            "duplicate scenario `a b`"
        ]
    );
    assert_eq!(codes(&diags), ["E0208", "E0208"]);
}

#[test]
fn a_one_element_tuple_is_shown_with_its_comma() {
    // `(int)` is only parentheses around `int`: a message saying "expected `(int)`" for a
    // `(int,)` would tell the user to write the very value it rejects.
    let (_, diags) = check_one("module m { fn f() -> (int,) { example f() == (1) } }");
    assert_eq!(
        diags.iter().map(Diagnostic::message).collect::<Vec<_>>(),
        ["type mismatch: expected `(int,)`, found `int`"]
    );
}

#[test]
fn two_properties_of_one_name_on_one_function_are_duplicates() {
    let (_, d) = check_one(
        "module m {\n  fn f(x: int) -> int {\n    property p: forall x: int => f(x) >= 0\n    property p: forall y: int => f(y) <= 9\n  }\n  fn g(x: int) -> int {\n    property p: forall x: int => g(x) >= 0\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["E0208"]);
    assert_eq!(d[0].message(), "duplicate property `p`");
    let (_, d) = check_one(
        "module m {\n  fn f(x: int) -> int {\n    property p: forall x: int => f(x) >= 0\n    property P: forall y: int => f(y) <= 9\n  }\n}\n",
    );
    assert_eq!(codes(&d), ["E0208"], "one test name, `property_f_p`");
}

#[test]
fn a_module_named_mod_or_imp_is_told_which_file_it_would_collide_with() {
    let message = |name: &str| {
        let text =
            format!("module {name} {{\n  fn f() -> int {{\n    example f() == 1\n  }}\n}}\n");
        let (_, diags) = check(&[spec(&format!("{name}.ghost"), &text)]);
        diags
            .iter()
            .map(|d| d.message())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let m = message("mod");
    assert!(
        m.contains("`mod.rs`") && !m.contains("implementation"),
        "{m}"
    );
    let m = message("imp");
    assert!(m.contains("`imp.rs`"), "{m}");
}

#[test]
fn clauses_that_run_no_code_of_the_module_are_warnings_and_the_module_is_kept() {
    let (p, d) = check_one(
        "module m {
           fn f(x: int) -> int {
             example f(1) == 2
             example len(\"hi\") == 2
             ensures x >= 0 || x < 0
             ensures result >= x
             property forall y: int => y + 0 == y
             property forall y: int in 0..9 => f(y) > y
           }
         }",
    );
    assert_eq!(codes(&d), ["W0301", "W0301", "W0301"]);
    assert!(d.iter().all(|d| !d.is_error()));
    assert_eq!(p.modules.len(), 1, "a module with warnings is kept");
}

#[test]
fn a_project_checked_on_every_core_warns_as_each_module_checked_alone() {
    // Enough modules for the weak-test pass to split them across threads; every third
    // has an error, which keeps its warnings back.
    let text = |i: usize| {
        let example = if i.is_multiple_of(3) {
            "g(1) == 2"
        } else {
            "len(\"hi\") == 2"
        };
        format!(
            "module m{i:02} {{
  fn f(x: int) -> int {{
    example f(1) == f(1)
    example {example}
    ensures x >= 0 || x < 0
  }}
  fn unused(x: int) -> int
}}"
        )
    };
    let files: Vec<SpecFile> = (0..30)
        .map(|i| spec(&format!("m{i:02}.ghost"), &text(i)))
        .collect();
    let (_, together) = check(&files);
    let alone: Vec<Diagnostic> = files
        .iter()
        .flat_map(|f| check(std::slice::from_ref(f)).1)
        .collect();
    let seen = |d: &[Diagnostic]| -> Vec<(String, usize, &'static str)> {
        d.iter()
            .map(|d| (d.file.display().to_string(), d.span.start, d.code()))
            .collect()
    };
    assert_eq!(seen(&together), seen(&alone));
    assert_eq!(
        together.iter().filter(|d| !d.is_error()).count(),
        20 * 4,
        "{:?}",
        codes(&together)
    );
}

#[test]
fn a_module_with_errors_gets_no_warnings() {
    let (_, d) = check_one("module m { fn f(x: int) -> int { example g(1) == 2 } }");
    assert_eq!(codes(&d), ["E0203"]);
}

#[test]
fn comparisons_that_always_hold_and_unused_variables_are_warnings() {
    let (_, d) = check_one(
        "module m {
           fn f(x: int) -> list<int> {
             example f(1) == f(1)
             ensures len(result) >= 0
             property forall y: int, z: bool => f(y) != []
             property forall y: float in 0.0..1.0 => len(f(1)) == len(f(1)) || y == y
             property forall y: int => len(f(y)) > 0 || true
           }
         }",
    );
    assert_eq!(codes(&d), ["W0303", "W0303", "W0304", "W0303", "W0303"]);
}

#[test]
fn a_property_variable_that_bounds_another_is_used() {
    let (_, d) = check_one(
        "module m { fn f(x: int) -> int { property forall n: int in 1..9, i: int in 0..n => f(i) >= i } }",
    );
    assert!(
        d.iter().all(|d| !d.is_error()) && !codes(&d).contains(&"W0304"),
        "{:?}",
        d.iter().map(Diagnostic::message).collect::<Vec<_>>()
    );
}

#[test]
fn a_function_no_clause_calls_is_a_warning_at_its_signature() {
    let text = "module m {
  fn f(x: int) -> int {
    ensures result >= x
  }
  fn g(x: int) -> int {
    example g(1) == 2
  }
  fn h(s: str) -> str {
    ensures g(len(result)) >= 0
  }
  fn k(x: int) -> int {
    ensures j(result) >= 0
  }
  fn j(x: int) -> int
  fn l(x: int) -> int {
    example l(1) == 1
    ensures twice(result) >= 0
  }
  fn twice(x: int) -> int
}";
    let (_, d) = check_one(text);
    let untested: Vec<&str> = d
        .iter()
        .filter(|d| d.code() == "W0305")
        .map(|d| &text[d.span.start..d.span.end])
        .collect();
    // `h` calls `g` in its `ensures`, but nothing calls `h` or `f`; `j` is called only by
    // the `ensures` of `k`, which nothing calls; `twice` by that of `l`, which is.
    assert_eq!(
        untested,
        [
            "fn f(x: int) -> int",
            "fn h(s: str) -> str",
            "fn k(x: int) -> int",
            "fn j(x: int) -> int"
        ]
    );
}

/// A property variable whose type is misspelt is one error, at the type: its uses (in a
/// later range, the `where` and the body) are not "unknown name" errors of their own.
#[test]
fn a_binder_of_an_unknown_type_is_reported_once() {
    let (_, diags) = check_one(
        "module m { record Rec { a: int } fn f(r: Rec) -> int { property forall r: Recc, n: int in 0..r.a where r.a > 0 => f(r) == r.a + n } }",
    );
    assert_eq!(codes(&diags), ["E0201"], "{diags:?}");
}
