//! `ghost fmt` on every valid fixture: the formatted text is snapshotted, formatting it
//! again changes nothing, and the AST (spans ignored) and the comments are kept.

use ghost::format::format_source;
use ghost::syntax;
use std::path::Path;

/// The AST of `text` as JSON without any `span`, so that two texts with the same meaning
/// compare equal.
pub(crate) fn ast_without_spans(text: &str) -> serde_json::Value {
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

/// Every comment's text, in order (trailing white space is not part of it).
pub(crate) fn comment_texts(text: &str) -> Vec<String> {
    let (ast, _) = syntax::parse(Path::new("t.ghost"), text);
    ast.comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect()
}

/// Asserts the formatter's three properties on a text that parses; returns the output.
pub(crate) fn assert_formats_well(text: &str) -> String {
    let out = format_source(Path::new("t.ghost"), text)
        .unwrap_or_else(|d| panic!("does not format:\n{text}\n{d:#?}"));
    let again = format_source(Path::new("t.ghost"), &out)
        .unwrap_or_else(|d| panic!("output does not parse:\n{out}\n{d:#?}"));
    assert_eq!(again, out, "not idempotent; input:\n{text}");
    assert_eq!(
        ast_without_spans(&out),
        ast_without_spans(text),
        "meaning changed; input:\n{text}\noutput:\n{out}"
    );
    assert_eq!(
        comment_texts(&out),
        comment_texts(text),
        "comments changed; input:\n{text}\noutput:\n{out}"
    );
    out
}

#[test]
fn valid_fixtures_format_canonically() {
    insta::glob!("fixtures/valid/*.ghost", |path| {
        let text = std::fs::read_to_string(path).expect("fixtures are readable");
        let out = assert_formats_well(&text);
        insta::assert_snapshot!(out);
    });
}
