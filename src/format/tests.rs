//! Unit tests of the formatter: one per construct, plus comments and blank lines.

use super::format_source;
use crate::syntax;
use std::path::Path;

fn fmt(text: &str) -> String {
    let out =
        format_source(Path::new("t.ghost"), text).unwrap_or_else(|d| panic!("{text}\n{d:#?}"));
    let again =
        format_source(Path::new("t.ghost"), &out).unwrap_or_else(|d| panic!("{out}\n{d:#?}"));
    assert_eq!(again, out, "not idempotent");
    assert_eq!(strip(text), strip(&out), "meaning changed:\n{out}");
    out
}

/// The AST as JSON without spans, so that two parses of the same meaning compare equal.
fn strip(text: &str) -> serde_json::Value {
    let (ast, _) = syntax::parse(Path::new("t.ghost"), text);
    let mut v = serde_json::to_value(&ast.module).expect("the AST serializes");
    drop_spans(&mut v);
    v
}

fn drop_spans(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("span");
            m.values_mut().for_each(drop_spans);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_spans),
        _ => {}
    }
}

/// Wraps items in a module and returns the formatted items' lines.
fn items(body: &str) -> String {
    let out = fmt(&format!("module m {{\n{body}\n}}\n"));
    let inner = out
        .strip_prefix("module m {\n")
        .and_then(|s| s.strip_suffix("}\n"))
        .expect("a module");
    inner.to_string()
}

#[test]
fn module_and_doc() {
    assert_eq!(
        fmt("module   a.b{\"Doc.\" use c.d}"),
        "module a.b {\n  \"Doc.\"\n\n  use c.d\n}\n"
    );
    assert_eq!(fmt("module a {}"), "module a {}\n");
}

#[test]
fn uses_and_nfrs_stay_together_other_items_get_a_blank_line() {
    let out = items("use a use b\n\n use c fn f() fn g() nfr lint nfr forbid unsafe");
    assert_eq!(
        out,
        "  use a\n  use b\n\n  use c\n\n  fn f()\n\n  fn g()\n\n  nfr lint\n  nfr forbid unsafe\n"
    );
}

#[test]
fn blank_lines_collapse_to_one() {
    assert_eq!(items("fn f()\n\n\n\nfn g()"), "  fn f()\n\n  fn g()\n");
}

#[test]
fn fn_signatures_and_bodies() {
    assert_eq!(
        items("fn f( x:int,y : list<map<str,int>> ,)->(int,str) {}"),
        "  fn f(x: int, y: list<map<str, int>>) -> (int, str)\n"
    );
    assert_eq!(
        items("fn f(x: int) -> int { \"Doc.\" requires x>0 example f(1)==1 }"),
        "  fn f(x: int) -> int {\n    \"Doc.\"\n    requires x > 0\n    example f(1) == 1\n  }\n"
    );
    assert_eq!(
        items("fn f(x: int, mut self) -> (int,)"),
        "  fn f(mut self, x: int) -> (int,)\n"
    );
}

#[test]
fn multi_line_docs_line_up_under_the_quote() {
    let out = items("fn f() {\n\"First.\n        second\n\n third\"}");
    assert_eq!(
        out,
        "  fn f() {\n    \"First.\n     second\n\n     third\"\n  }\n"
    );
}

#[test]
fn properties() {
    assert_eq!(
        items("fn f(n: int) -> int { property p : forall n:int in -5..10, s: str where n>0 => f(n)>=0 }"),
        "  fn f(n: int) -> int {\n    property p: forall n: int in -5..10, s: str where n > 0 => f(n) >= 0\n  }\n"
    );
}

/// A property wider than a screen breaks before `where` and `=>`, one level deeper; one
/// that fits stays on one line however it was written.
#[test]
fn long_properties_break_before_where_and_the_arrow() {
    let long = "fn add(x: int, y: int) -> int {\n  property commutes: forall x: int in 0..1000, y: int in 0..1000 where x != y => add(x, y) == add(y, x) && add(x, 0) == x // both\n}";
    assert_eq!(
        items(long),
        "  fn add(x: int, y: int) -> int {\n    property commutes: forall x: int in 0..1000, y: int in 0..1000\n      where x != y\n      => add(x, y) == add(y, x) && add(x, 0) == x // both\n  }\n"
    );
    // The text fingerprints hash keeps it on one line: wrapping changes no lock state.
    let (ast, _) = syntax::parse(Path::new("t.ghost"), &format!("module m {{\n{long}\n}}\n"));
    let canonical = super::canonical(&ast.module.expect("a module"));
    assert!(
        canonical.contains("0..1000 where x != y => add(x, y)"),
        "{canonical}"
    );
    assert_eq!(
        items("fn f(n: int) -> int {\n  property p: forall n: int\n    => f(n) >= 0\n}"),
        "  fn f(n: int) -> int {\n    property p: forall n: int => f(n) >= 0\n  }\n"
    );
    // Columns are characters: 82 of them (112 bytes) fit on one line.
    let accents = "é".repeat(30);
    let fits = format!(
        "fn g(s: str) -> int {{\n  property p: forall s: str => g(s) >= 0 && g(\"{accents}\") == 30\n}}"
    );
    let one_line = items(&fits);
    assert_eq!(one_line.lines().count(), 3, "{one_line}");
    let line = one_line.lines().nth(1).expect("the property");
    assert!(line.chars().count() <= 100 && line.len() > 100, "{line}");
}

#[test]
fn records_and_enums_one_element_per_line() {
    assert_eq!(
        items("record R { a: int b: str }"),
        "  record R {\n    a: int,\n    b: str,\n  }\n"
    );
    assert_eq!(items("record R {}"), "  record R {}\n");
    assert_eq!(
        items("enum E { A, B(int) C(int, str), }"),
        "  enum E {\n    A\n    B(int)\n    C(int, str)\n  }\n"
    );
    assert_eq!(
        items("error E { \"Doc.\" A }"),
        "  error E {\n    \"Doc.\"\n    A\n  }\n"
    );
}

#[test]
fn types_keep_their_methods_spacing() {
    assert_eq!(
        items("type T { fn new() -> T { requires true }\n fn len(self) -> int }"),
        "  type T {\n    fn new() -> T {\n      requires true\n    }\n    fn len(self) -> int\n  }\n"
    );
}

#[test]
fn scenarios_and_snapshots() {
    assert_eq!(
        items("scenario \"s\" { let mut c : T = T.new(2) c.put(\"a\") expect c.len()==1 }"),
        "  scenario \"s\" {\n    let mut c: T = T.new(2)\n    c.put(\"a\")\n    expect c.len() == 1\n  }\n"
    );
    assert_eq!(
        items("snapshot \"v\" { T.new( 3 ) }"),
        "  snapshot \"v\" {\n    T.new(3)\n  }\n"
    );
}

#[test]
fn nfrs() {
    assert_eq!(
        items("nfr \"a\\tb\" nfr deps [ a , b-c = \"1.2\" ] nfr perf f(repeat(\"x\", 2_500)) < 1.5e3us nfr max_lines 1_000"),
        "  nfr \"a\\tb\"\n  nfr deps [a, b-c = \"1.2\"]\n  nfr perf f(repeat(\"x\", 2500)) < 1.5e3us\n  nfr max_lines 1000\n"
    );
}

#[test]
fn expressions_get_canonical_spacing() {
    let out = items("fn f() { example f( x , y )[0].a.0==[1,2]&&{\"k\":1.50}!=R{a:-1,b:!c} || (a+b)*c%d == (x,) example ()==[] example m{} == {} }");
    assert_eq!(
        out,
        "  fn f() {\n    example f(x, y)[0].a.0 == [1, 2] && {\"k\": 1.50} != R { a: -1, b: !c } || (a + b) * c % d == (x,)\n    example () == []\n    example m {} == {}\n  }\n"
    );
}

#[test]
fn strings_keep_their_value() {
    let out = items("fn f() { example f(\"a\\u{41}\\'\\\"\\n\u{e9}\") == \"line\nbreak\" }");
    assert_eq!(
        out,
        "  fn f() {\n    example f(\"aA'\\\"\\n\u{e9}\") == \"line\\nbreak\"\n  }\n"
    );
}

#[test]
fn own_line_comments_go_before_their_element() {
    let text = "// top\n\nmodule m { // open\n  // before f\n    fn f() { // body\n   // c1\n  example f() == 1 // trailing\n  // end of body\n  } // after f\n\n\n// end of module\n}\n// after\n";
    assert_eq!(
        fmt(text),
        "// top\n\nmodule m { // open\n  // before f\n  fn f() { // body\n    // c1\n    example f() == 1 // trailing\n    // end of body\n  } // after f\n\n  // end of module\n}\n// after\n"
    );
}

#[test]
fn comments_inside_expressions_move_before_their_clause() {
    let text = "module m {\n  fn f() {\n    example f(1, // one\n      2) == 3\n  }\n}\n";
    assert_eq!(
        fmt(text),
        "module m {\n  fn f() {\n    // one\n    example f(1, 2) == 3\n  }\n}\n"
    );
}

#[test]
fn comments_in_fields_and_empty_blocks() {
    let text = "module m {\n  record R { a: int, // a\n  b: int } // r\n  record S { // only\n  }\n  fn g() {\n  // inside\n  }\n}\n";
    assert_eq!(
        fmt(text),
        "module m {\n  record R {\n    a: int, // a\n    b: int,\n  } // r\n\n  record S { // only\n  }\n\n  fn g() {\n    // inside\n  }\n}\n"
    );
}

#[test]
fn a_blank_line_goes_after_an_item_when_a_comment_follows_it() {
    let text = "module m {\n  fn f()\n  // about g\n  fn g()\n}\n";
    assert_eq!(
        fmt(text),
        "module m {\n  fn f()\n\n  // about g\n  fn g()\n}\n"
    );
}

#[test]
fn broken_files_give_their_diagnostics() {
    let err =
        format_source(Path::new("t.ghost"), "module m { fn f( }").expect_err("does not parse");
    assert!(!err.is_empty());
    assert_eq!(
        super::needs_formatting(Path::new("t"), "module m {}\n").ok(),
        Some(None)
    );
    assert_eq!(
        super::needs_formatting(Path::new("t"), "module m{}").ok(),
        Some(Some("module m {}\n".into()))
    );
}

#[test]
fn rare_shapes_keep_their_meaning() {
    assert_eq!(items("fn f(self, self)"), "  fn f(self, self)\n");
    assert_eq!(
        items("fn f() { example -9223372036854775808 == 1 .0 example (a.f)(x) == (f() < 1) }"),
        "  fn f() {\n    example -9223372036854775808 == 1 .0\n    example (a.f)(x) == (f() < 1)\n  }\n"
    );
    assert_eq!(
        items("nfr perf (f() < 1) < 2ms"),
        "  nfr perf (f() < 1) < 2ms\n"
    );
    assert_eq!(
        items("snapshot \"s\" { let x : int = - - 1 x }"),
        "  snapshot \"s\" {\n    let x: int = --1\n    x\n  }\n"
    );
}

#[test]
fn comments_around_the_module_header() {
    assert_eq!(
        fmt("module m // c\n{\n}\n// end\n\n// more"),
        "module m {\n  // c\n}\n// end\n\n// more\n"
    );
    assert_eq!(
        fmt("// a\n// b\nmodule m { use x } // after"),
        "// a\n// b\nmodule m {\n  use x\n} // after\n"
    );
}

#[test]
fn crlf_files_become_lf() {
    let out = fmt("module m {\r\n  fn f() // c\r\n\r\n  fn g()\r\n}\r\n");
    assert_eq!(out, "module m {\n  fn f() // c\n\n  fn g()\n}\n");
}

#[test]
fn comment_lines_lose_trailing_white_space_only() {
    let out = fmt("module m {\n  // c {   \n\n  fn f() // t  \n}\n");
    assert_eq!(out, "module m {\n  // c {\n\n  fn f() // t\n}\n");
}

#[test]
fn a_whole_file() {
    let text = "// header\nmodule shop.cart { \"Cart.\n   Second line.\" // doc note\n  use a.b\n  // group two\n  use c\n  record Item { name: str, price: int, }\n  // the main fn\n  fn total(items: list<Item>) -> int {\n    example total([]) == 0 // empty\n    example total([Item { name: \"a\", price: 2 }]) == 2\n\n    property forall xs: list<Item> => total(xs) >= 0\n  }\n  nfr \"fast\" nfr lint\n}\n";
    let expected = "\
// header
module shop.cart {
  \"Cart.
   Second line.\" // doc note

  use a.b
  // group two
  use c

  record Item {
    name: str,
    price: int,
  }

  // the main fn
  fn total(items: list<Item>) -> int {
    example total([]) == 0 // empty
    example total([Item { name: \"a\", price: 2 }]) == 2

    property forall xs: list<Item> => total(xs) >= 0
  }

  nfr \"fast\"
  nfr lint
}
";
    assert_eq!(fmt(text), expected);
}
