//! The known fixes on rustc's JSON as rustc writes it, applied with rustfix.

use super::*;

/// rustc's JSON for an error whose primary span is `span` in `code`, on one line (the
/// fields this file reads, with the values rustc gives them). `span` may be marked
/// within its context: `text[«i»]` is the `i` of the first `text[i]`.
fn diagnostic(
    code: &str,
    error: &str,
    message: &str,
    label: &str,
    span: &str,
) -> serde_json::Value {
    let (before, rest) = span.split_once('«').unwrap_or(("", span));
    let marked = rest.split('»').next().unwrap_or(rest);
    let context = span.replace(['«', '»'], "");
    let at = code.find(&context).expect("the span is in the code");
    let start = at + before.len();
    let end = start + marked.len();
    let line_begin = code[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = code[start..].find('\n').map_or(code.len(), |i| start + i);
    let line = code[..start].matches('\n').count() + 1;
    let column = |byte: usize| code[line_begin..byte].chars().count() + 1;
    serde_json::json!({
        "message": message,
        "code": {"code": error, "explanation": null},
        "level": "error",
        "spans": [{
            "file_name": "src/a/imp.rs",
            "byte_start": start,
            "byte_end": end,
            "line_start": line,
            "line_end": line,
            "column_start": column(start),
            "column_end": column(end),
            "is_primary": true,
            "label": label,
            "text": [{"text": &code[line_begin..line_end]}],
        }],
        "children": [],
        "rendered": "",
    })
}

/// `json` with one more span, not the primary one, at the first `span` in `code` (marked
/// as in `diagnostic`), with its label.
fn with_span(
    mut json: serde_json::Value,
    code: &str,
    span: &str,
    label: &str,
) -> serde_json::Value {
    let extra = diagnostic(code, "", "", label, span)["spans"][0].clone();
    let mut extra = extra;
    extra["is_primary"] = serde_json::Value::Bool(false);
    if let Some(spans) = json["spans"].as_array_mut() {
        spans.push(extra);
    }
    json
}

fn fixed(code: &str, json: &serde_json::Value) -> Option<String> {
    let s = suggestion(json)?;
    let mut fix = rustfix::CodeFix::new(code);
    fix.apply(&s).ok()?;
    fix.finish().ok()
}

#[test]
fn counts_an_iterator_on_a_clone() {
    let code = "fn f(s: &str) -> bool {\n    let parts = s.split('/');\n    parts.len() == 2 && !parts.is_empty()\n}\n";
    let len = diagnostic(
        code,
        "E0599",
        "no method named `len` found for struct `std::str::Split<'a, P>` in the current scope",
        "",
        "len",
    );
    assert_eq!(
        fixed(code, &len).as_deref(),
        Some("fn f(s: &str) -> bool {\n    let parts = s.split('/');\n    parts.clone().count() == 2 && !parts.is_empty()\n}\n")
    );
    let empty = diagnostic(
        code,
        "E0599",
        "no method named `is_empty` found for struct `Filter<I, P>` in the current scope",
        "method not found in `Filter<Chars<'_>, {closure}>`",
        "is_empty",
    );
    let after = fixed(code, &empty).expect("a fix");
    assert!(after.contains("!parts.clone().next().is_none()"), "{after}");
    let collection = diagnostic(
        code,
        "E0599",
        "no method named `len` found for struct `Meter` in the current scope",
        "",
        "len",
    );
    assert!(suggestion(&collection).is_none(), "only iterators");
}

#[test]
fn a_str_indexed_by_a_number_gives_its_char_at_that_place() {
    let code =
        "fn f(s: &str, i: usize) -> bool {\n    'x' == s[i + 1] && self.text[i].is_ascii()\n}\n";
    let first = diagnostic(
        code,
        "E0277",
        "the type `str` cannot be indexed by `usize`",
        "string indices are ranges of `usize`",
        "i + 1",
    );
    assert_eq!(
        fixed(code, &first).as_deref(),
        Some("fn f(s: &str, i: usize) -> bool {\n    'x' == s.chars().nth(i + 1).expect(\"string index out of range\") && self.text[i].is_ascii()\n}\n")
    );
    let field = diagnostic(
        code,
        "E0277",
        "the type `str` cannot be indexed by `usize`",
        "",
        "text[«i»]",
    );
    let after = fixed(code, &field).expect("a fix");
    assert!(
        after.contains("self.text.chars().nth(i).expect(\"string index out of range\").is_ascii()"),
        "{after}"
    );
    let code = "fn f(s: &str, i: i64) -> char {\n    s[i - 1]\n}\n";
    let by_i64 = diagnostic(
        code,
        "E0277",
        "the type `str` cannot be indexed by `i64`",
        "",
        "i - 1",
    );
    assert_eq!(
        fixed(code, &by_i64).as_deref(),
        Some("fn f(s: &str, i: i64) -> char {\n    s.chars().nth((i - 1) as usize).expect(\"string index out of range\")\n}\n")
    );
    // Indexed by what is no number at all: no place to take, no fix.
    let code = "fn f(s: &str, c: char) -> char {\n    s[c]\n}\n";
    let by_char = diagnostic(
        code,
        "E0277",
        "the type `str` cannot be indexed by `char`",
        "",
        "c",
    );
    assert!(suggestion(&by_char).is_none());
}

#[test]
fn a_slice_indexed_by_an_i64_is_indexed_by_its_usize() {
    let code = "fn f(v: &[i64], i: i64) -> i64 {\n    v[i - 1]\n}\n";
    let json = diagnostic(
        code,
        "E0277",
        "the type `[i64]` cannot be indexed by `i64`",
        "slice indices are of type `usize` or ranges of `usize`",
        "i - 1",
    );
    assert_eq!(
        fixed(code, &json).as_deref(),
        Some("fn f(v: &[i64], i: i64) -> i64 {\n    v[(i - 1) as usize]\n}\n")
    );
}

#[test]
fn bytes_and_chars_are_converted_where_the_other_is_wanted() {
    let code = "fn f(x: u8, c: char) -> String {\n    let mut out = String::new();\n    out.push(x % 10 + b'0');\n    let y: u32 = c;\n    out\n}\n";
    let byte = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `char`, found `u8`",
        "x % 10 + b'0'",
    );
    let after = fixed(code, &byte).expect("a fix");
    assert!(
        after.contains("out.push(char::from(x % 10 + b'0'));"),
        "{after}"
    );
    let char = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `u32`, found `char`",
        "«c»;",
    );
    let after = fixed(code, &char).expect("a fix");
    assert!(after.contains("let y: u32 = (c) as u32;"), "{after}");
    let other = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `String`, found `i64`",
        "«out»\n}",
    );
    assert!(suggestion(&other).is_none(), "other mismatches are rustc's");
}

#[test]
fn a_char_where_a_str_is_wanted_becomes_its_string() {
    let code = "fn f(s: &str, c: char) -> i64 {\n    g(&char::from(s.as_bytes()[0])) + g(c)\n}\n";
    let reference = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `&str`, found `&char`",
        "&char::from(s.as_bytes()[0])",
    );
    let after = fixed(code, &reference).expect("a fix");
    assert!(
        after.contains("g(&char::from(s.as_bytes()[0]).to_string())"),
        "{after}"
    );
    let value = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `&str`, found `char`",
        "«c»)\n",
    );
    let after = fixed(code, &value).expect("a fix");
    assert!(after.contains("+ g(&(c).to_string())"), "{after}");
}

#[test]
fn a_char_in_arithmetic_with_an_integer_becomes_that_integer() {
    let code = "fn f(c: char, base: char, k: u8, x: u32) -> u8 {\n    let a = (c as u8 - 'a' + k) % 26;\n    let b = c as u8 - base.to_ascii_lowercase();\n    let d = x + 'a';\n    let e = (base + k) as char;\n    a\n}\n";
    let literal = diagnostic(
        code,
        "E0277",
        "cannot subtract `char` from `u8`",
        "no implementation for `u8 - char`",
        "u8 «-» 'a'",
    );
    let after = fixed(code, &literal).expect("a fix");
    assert!(after.contains("(c as u8 - b'a' + k) % 26"), "{after}");
    let name = diagnostic(
        code,
        "E0277",
        "cannot subtract `char` from `u8`",
        "no implementation for `u8 - char`",
        "u8 «-» base",
    );
    let after = fixed(code, &name).expect("a fix");
    assert!(
        after.contains("c as u8 - (base.to_ascii_lowercase() as u8);"),
        "{after}"
    );
    let wider = diagnostic(
        code,
        "E0277",
        "cannot add `char` to `u32`",
        "no implementation for `u32 + char`",
        "x «+» 'a'",
    );
    let after = fixed(code, &wider).expect("a fix");
    assert!(after.contains("let d = x + ('a' as u32);"), "{after}");

    let left = diagnostic(
        code,
        "E0369",
        "cannot add `_` to `char`",
        "",
        "(base «+» k)",
    );
    let left = with_span(left, code, "(«base» + k)", "char");
    let after = fixed(code, &left).expect("a fix");
    assert!(
        after.contains("let e = ((base as u8) + k) as char;"),
        "{after}"
    );

    let float = diagnostic(code, "E0277", "cannot add `char` to `f64`", "", "x «+» 'a'");
    assert!(suggestion(&float).is_none(), "only integers");
}

#[test]
fn a_vec_of_references_is_made_a_vec_of_owned_values() {
    let code = "fn top(&self) -> Vec<(String, i64)> {\n    let v = self.counts.iter().collect::<Vec<_>>();\n    v\n}\n";
    let pairs = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `Vec<(String, i64)>`, found `Vec<(&String, &i64)>`",
        "«v»\n}",
    );
    assert_eq!(
        fixed(code, &pairs).as_deref(),
        Some("fn top(&self) -> Vec<(String, i64)> {\n    let v = self.counts.iter().collect::<Vec<_>>();\n    (v).into_iter().map(|(x0, x1)| (x0.clone(), x1.clone())).collect::<Vec<_>>()\n}\n")
    );
    let strs = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `Vec<String>`, found `Vec<&str>`",
        "«v»\n}",
    );
    let after = fixed(code, &strs).expect("a fix");
    assert!(
        after.contains("(v).into_iter().map(|x| x.to_string())"),
        "{after}"
    );
    let other = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `Vec<String>`, found `Vec<i64>`",
        "«v»\n}",
    );
    assert!(
        suggestion(&other).is_none(),
        "not a reference to what is wanted"
    );
}

#[test]
fn references_collected_into_owned_values_are_made_owned_first() {
    let code = "fn top(&self, n: i64) -> Vec<(String, i64)> {\n    let v = self.counts.iter().collect::<Vec<_>>();\n    v.into_iter().take(n as usize).collect()\n}\n";
    let error = |message: &str| {
        diagnostic(
            code,
            "E0277",
            message,
            "value of type `Vec<(String, i64)>` cannot be built from `std::iter::Iterator<Item=(&String, &i64)>`",
            ".«collect»()\n}",
        )
    };
    let pairs = error("a value of type `Vec<(String, i64)>` cannot be built from an iterator over elements of type `(&String, &i64)`");
    assert_eq!(
        fixed(code, &pairs).as_deref(),
        Some("fn top(&self, n: i64) -> Vec<(String, i64)> {\n    let v = self.counts.iter().collect::<Vec<_>>();\n    v.into_iter().take(n as usize).map(|(x0, x1)| (x0.clone(), x1.clone())).collect()\n}\n")
    );
    let map = error("a value of type `BTreeMap<String, i64>` cannot be built from an iterator over elements of type `(&String, &i64)`");
    assert!(fixed(code, &map)
        .expect("a fix")
        .contains(".map(|(x0, x1)| (x0.clone(), x1.clone())).collect()"));
    let set = error("a value of type `std::collections::BTreeSet<String>` cannot be built from an iterator over elements of type `&str`");
    assert!(fixed(code, &set)
        .expect("a fix")
        .contains(".map(|x| x.to_string()).collect()"));
    let unrelated = error("a value of type `Vec<String>` cannot be built from an iterator over elements of type `i64`");
    assert!(suggestion(&unrelated).is_none(), "nothing to clone");
}

#[test]
fn an_iterator_collected_into_a_tuple_goes_through_a_vec() {
    let code = "fn f(parts: &[&str]) -> (i64, i64, i64) {\n    parts.iter().map(|p| p.parse::<i64>().unwrap()).collect()\n}\n";
    let error = |message: &str| {
        diagnostic(
            code,
            "E0277",
            message,
            "value of type `(i64, i64, i64)` cannot be built from `std::iter::Iterator<Item=i64>`",
            ".«collect»()\n}",
        )
    };
    let ints = error("a value of type `(i64, i64, i64)` cannot be built from an iterator over elements of type `i64`");
    assert_eq!(
        fixed(code, &ints).as_deref(),
        Some("fn f(parts: &[&str]) -> (i64, i64, i64) {\n    parts.iter().map(|p| p.parse::<i64>().unwrap()).collect::<Vec<i64>>().chunks_exact(3).map(|v| (v[0], v[1], v[2])).next().unwrap_or_default()\n}\n")
    );
    let strings = error("a value of type `(String, String)` cannot be built from an iterator over elements of type `String`");
    assert!(fixed(code, &strings)
        .expect("a fix")
        .contains(".map(|v| (v[0].clone(), v[1].clone()))"));
    let mixed = error("a value of type `(String, i64)` cannot be built from an iterator over elements of type `i64`");
    assert!(suggestion(&mixed).is_none(), "no tuple of mixed types");
}

#[test]
fn string_from_a_double_reference_is_to_string() {
    let code = "fn f(parts: &[&str]) -> Vec<String> {\n    parts.iter().map(|p| String::from(p)).collect()\n}\n";
    let json = diagnostic(
        code,
        "E0277",
        "the trait bound `String: From<&&str>` is not satisfied",
        "the trait `From<&&str>` is not implemented for `String`",
        "«String»::from(p)",
    );
    let after = fixed(code, &json).expect("a fix");
    assert!(
        after.contains(".map(|p| ToString::to_string(p))"),
        "{after}"
    );
}

/// A number given to `String::from` is its text (`duration`'s fresh start wrote
/// `String::from(part)` for an `i64`); a `u8`, perhaps meant as a character, is left alone.
#[test]
fn string_from_a_number_is_its_text() {
    let code = "fn f(n: i64) -> String {\n    String::from(n)\n}\n";
    let json = diagnostic(
        code,
        "E0277",
        "the trait bound `String: From<i64>` is not satisfied",
        "the trait `From<i64>` is not implemented for `String`",
        "«String»::from(n)",
    );
    let after = fixed(code, &json).expect("a fix");
    assert!(after.contains("    ToString::to_string(n)\n"), "{after}");
    let byte = "fn f(b: u8) -> String {\n    String::from(b)\n}\n";
    let json = diagnostic(
        byte,
        "E0277",
        "the trait bound `String: From<u8>` is not satisfied",
        "the trait `From<u8>` is not implemented for `String`",
        "«String»::from(b)",
    );
    assert!(fixed(byte, &json).is_none(), "a u8 is not guessed");
}

#[test]
fn a_value_used_after_a_move_is_cloned_where_it_moved() {
    let code = "fn f(a: Money) -> Vec<Money> {\n    let mut out = Vec::new();\n    for _ in 0..2 {\n        out.push(Money { currency: a.currency });\n    }\n    out\n}\n";
    let json = diagnostic(
        code,
        "E0382",
        "use of moved value: `a.currency`",
        "value used here after move",
        "currency: «a.currency»",
    );
    let json = with_span(
        json,
        code,
        "currency: «a.currency»",
        "value moved here, in previous iteration of loop",
    );
    let after = fixed(code, &json).expect("a fix");
    assert!(
        after.contains("Money { currency: a.currency.clone() }"),
        "{after}"
    );
}

#[test]
fn a_move_in_a_loop_is_cloned_where_rustc_points() {
    // In a loop rustc points at one place only: the move, on the primary span.
    let code = "fn f(a: Money) -> Vec<String> {\n    let mut out = Vec::new();\n    for _ in 0..2 {\n        out.push(a.currency);\n    }\n    out\n}\n";
    let json = diagnostic(
        code,
        "E0382",
        "use of moved value: `a.currency`",
        "value moved here, in previous iteration of loop",
        "push(«a.currency»)",
    );
    let after = fixed(code, &json).expect("a fix");
    assert!(after.contains("out.push(a.currency.clone());"), "{after}");

    let shorthand = "fn f(name: String) -> Vec<Item> {\n    let mut out = Vec::new();\n    for _ in 0..2 {\n        out.push(Item { id: 1, name });\n    }\n    out\n}\n";
    let json = diagnostic(
        shorthand,
        "E0382",
        "use of moved value: `name`",
        "value moved here, in previous iteration of loop",
        "id: 1, «name» }",
    );
    assert!(
        suggestion(&json).is_none(),
        "a shorthand field takes no expression"
    );
}

#[test]
fn only_whole_operands_are_converted() {
    let code = "fn f(c: char, key: &[char], s: &str, d: u32) -> u8 {\n    let é = 'é'; let a = c as u8 + key[0];\n    let b = c as u8 - char::from_digit(d, 10).unwrap();\n    let e = 'é'; let g = c as u8 - key0;\n    a\n}\n";
    for span in ["u8 «+» key[0]", "u8 «-» char::from_digit"] {
        let json = diagnostic(code, "E0277", "cannot add `char` to `u8`", "", span);
        assert!(suggestion(&json).is_none(), "{span}");
    }
    // A multi-byte char earlier on the line.
    let json = diagnostic(
        code,
        "E0277",
        "cannot subtract `char` from `u8`",
        "",
        "u8 «-» key0",
    );
    let after = fixed(code, &json).expect("a fix");
    assert!(
        after.contains("let e = 'é'; let g = c as u8 - (key0 as u8);"),
        "{after}"
    );
}

#[test]
fn a_char_on_the_left_takes_the_right_operands_type() {
    let code = "fn f(base: char, k: u32) -> u32 {\n    (base + k) + (base + \"x\")\n}\n";
    let wide = diagnostic(
        code,
        "E0369",
        "cannot add `u32` to `char`",
        "",
        "(base «+» k)",
    );
    let wide = with_span(wide, code, "(«base» + k)", "char");
    let after = fixed(code, &wide).expect("a fix");
    assert!(after.contains("((base as u32) + k)"), "{after}");
    let text = diagnostic(
        code,
        "E0369",
        "cannot add `&str` to `char`",
        "",
        "(base «+» \"x\")",
    );
    let text = with_span(text, code, "(«base» + \"x\")", "char");
    assert!(suggestion(&text).is_none(), "not arithmetic");
}

#[test]
fn a_shorthand_field_of_references_is_left_to_the_model() {
    let code = "fn f(items: Vec<&String>) -> Report {\n    Report { items }\n}\n";
    let json = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `Vec<String>`, found `Vec<&String>`",
        "{ «items» }",
    );
    assert!(suggestion(&json).is_none());
}

#[test]
fn a_range_given_to_remove_is_drained() {
    let code = "fn f(mut s: String, n: usize) -> String {\n    s.remove(0..n);\n    s.remove (1 ..= 2);\n    s\n}\n";
    let range = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `usize`, found `Range<usize>`",
        "0..n",
    );
    let after = fixed(code, &range).expect("a fix");
    assert!(after.contains("    s.drain(0..n);\n"), "{after}");
    let inclusive = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `usize`, found `RangeInclusive<usize>`",
        "1 ..= 2",
    );
    let after = fixed(code, &inclusive).expect("a fix");
    assert!(after.contains("    s.drain (1 ..= 2);\n"), "{after}");
    let index = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `usize`, found `&str`",
        "0..n",
    );
    assert!(suggestion(&index).is_none(), "other mismatches are rustc's");
}

#[test]
fn is_empty_on_a_type_without_one_is_its_len_compared_with_zero() {
    let code = "fn pop(&mut self) -> Option<i64> {\n    if !self.is_empty() { self.items.pop() } else { None }\n}\n";
    let json = diagnostic(
        code,
        "E0599",
        "the method `is_empty` exists for mutable reference `&mut RingBuffer`, but its trait bounds were not satisfied",
        "method cannot be called on `&mut RingBuffer` due to unsatisfied trait bounds",
        "self.«is_empty»()",
    );
    let after = fixed(code, &json).expect("a fix");
    assert!(after.contains("if !self.len().eq(&0) {"), "{after}");
    let other = diagnostic(
        code,
        "E0599",
        "no method named `clear` found for mutable reference `&mut RingBuffer` in the current scope",
        "method not found in `&mut RingBuffer`",
        "self.«is_empty»()",
    );
    assert!(suggestion(&other).is_none(), "other methods are rustc's");
    let foreign = diagnostic(
        code,
        "E0599",
        "no method named `is_empty` found for enum `Option<Vec<i64>>` in the current scope",
        "method not found in `Option<Vec<i64>>`",
        "self.«is_empty»()",
    );
    assert!(
        suggestion(&foreign).is_none(),
        "only the module's own types"
    );
}

#[test]
fn a_pattern_closure_parameter_is_a_char() {
    let code = "fn f(s: &str) -> usize {\n    let a = s.split(|c| c.is_ascii_digit()).count();\n    let b = s.splitn(2, |ch| ch == ',').count();\n    let v: Vec<i64> = Vec::new();\n    let w = v.iter().map(|x| x.pow(2));\n    let t = s.trim_matches(|c: char| c == 'x');\n    a + b + w.count() + t.len()\n}\n";
    let need = |span: &str| diagnostic(code, "E0282", "type annotations needed", "", span);
    let after = fixed(code, &need("s.split(|«c»|")).expect("a fix");
    assert!(
        after.contains("s.split(|c: char| c.is_ascii_digit())"),
        "{after}"
    );
    let after = fixed(code, &need("s.splitn(2, |«ch»|")).expect("a fix");
    assert!(
        after.contains("s.splitn(2, |ch: char| ch == ',')"),
        "{after}"
    );
    // A mark wider than a byte right before the call's `(` (white space to rustc): no
    // method name ghost can read, no fix, and no panic.
    let marked =
        "fn f(s: &str) -> usize {\n    s.split\u{200e}(|c| c.is_ascii_digit()).count()\n}\n";
    let json = diagnostic(marked, "E0282", "type annotations needed", "", "(|«c»|");
    assert!(suggestion(&json).is_none());
    // Not a `str` pattern method, or typed already: rustc's to answer.
    assert!(suggestion(&need("map(|«x»|")).is_none());
    assert!(suggestion(&need("trim_matches(|«c»:")).is_none());
}

#[test]
fn a_float_where_an_integer_is_wanted_is_rounded() {
    let code = "fn p(x: f64) -> Result<i64, ()> {\n    Ok((x / 100.0) * 100.0)\n}\n";
    let json = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `i64`, found `f64`",
        "Ok(«(x / 100.0) * 100.0»)",
    );
    assert_eq!(
        fixed(code, &json).as_deref(),
        Some("fn p(x: f64) -> Result<i64, ()> {\n    Ok((((x / 100.0) * 100.0).round() as i64))\n}\n")
    );
    // Not a float: another fix's, or none.
    let text = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `i64`, found `&str`",
        "Ok(«(x / 100.0) * 100.0»)",
    );
    assert!(suggestion(&text).is_none());
    // Not an integer wanted: rustc's own suggestion (`as f64` for an integer) applies.
    let float = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `String`, found `f64`",
        "Ok(«(x / 100.0) * 100.0»)",
    );
    assert!(suggestion(&float).is_none());
}

#[test]
fn a_str_where_a_string_reference_is_wanted_is_made_owned() {
    let code = "fn has(songs: &Vec<String>, song: &str) -> bool {\n    songs.contains(song)\n}\n";
    let json = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `&String`, found `&str`",
        "contains(«song»)",
    );
    assert_eq!(
        fixed(code, &json).as_deref(),
        Some("fn has(songs: &Vec<String>, song: &str) -> bool {\n    songs.contains(&(song).to_string())\n}\n")
    );
    // A `&&str` (an iterator's item) is made owned alike.
    let twice = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `&String`, found `&&str`",
        "contains(«song»)",
    );
    assert!(fixed(code, &twice).is_some_and(|c| c.contains("contains(&(song).to_string())")));
    // An owned `String` wanted: rustc's own `.to_string()` applies, not this.
    let owned = diagnostic(
        code,
        "E0308",
        "mismatched types",
        "expected `String`, found `&str`",
        "contains(«song»)",
    );
    assert!(suggestion(&owned).is_none());
    // A shorthand field (`P { song }`) cannot take an expression there.
    let field = "fn p(song: &str) -> P {\n    P { song }\n}\n";
    let json = diagnostic(
        field,
        "E0308",
        "mismatched types",
        "expected `&String`, found `&str`",
        "{ «song» }",
    );
    assert!(suggestion(&json).is_none());
}

#[test]
fn an_integer_of_another_type_in_arithmetic_is_cast() {
    // The third held-out set's `algo.chunks`: `size` is the spec's `int`.
    let code = "fn c(xs: &[i64], i: usize, size: i64) -> usize {\n    min(i + size, xs.len()) + (xs.len() - size * 2)\n}\n";
    let operand =
        |span: &str, label: &str| diagnostic(code, "E0308", "mismatched types", label, span);
    let name = operand("i + «size»", "expected `usize`, found `i64`");
    assert_eq!(
        fixed(code, &name).as_deref(),
        Some("fn c(xs: &[i64], i: usize, size: i64) -> usize {\n    min(i + (size as usize), xs.len()) + (xs.len() - size * 2)\n}\n")
    );
    let product = operand("- «size * 2»", "expected `usize`, found `i64`");
    assert_eq!(
        fixed(code, &product).as_deref(),
        Some("fn c(xs: &[i64], i: usize, size: i64) -> usize {\n    min(i + size, xs.len()) + (xs.len() - ((size * 2) as usize))\n}\n")
    );
    // The same type, or not two integers: another fix's, or none.
    assert!(suggestion(&operand("i + «size»", "expected `i64`, found `i64`")).is_none());
    assert!(suggestion(&operand("i + «size»", "expected `usize`, found `bool`")).is_none());
    assert!(suggestion(&operand("i + «size»", "expected `usize`, found `&i64`")).is_none());
}
