//! Borrowed values where owned ones are wanted: a `Vec` of references collected where the
//! interface returns owned values, `String::from` given a `&&str`, a value used after it
//! was moved.

use super::{expected_found, span_line, wrap, Diagnostic, Edit, OnLine, Span};

/// `expected `Vec<(String, i64)>`, found `Vec<(&String, &i64)>`` (E0308, the span is the
/// expression): the elements are made owned, `.into_iter().map(|(a, b)| (a.clone(),
/// b.clone())).collect::<Vec<_>>()`. Each element is cloned when it is a reference to
/// the type wanted, and made a `String` when a `String` is wanted from a `&str`.
pub(super) fn borrowed_elements(span: &Span) -> Option<Vec<Edit>> {
    let (expected, found) = expected_found(span)?;
    let expected = expected.strip_prefix("Vec<")?.strip_suffix('>')?;
    let found = found.strip_prefix("Vec<")?.strip_suffix('>')?;
    let closure = owning_closure(expected, found)?;
    let on = span_line(span)?;
    if may_be_shorthand_field(on.text, on.start, on.end) {
        return None;
    }
    Some(wrap(
        span,
        "(",
        &format!(").into_iter().map({closure}).collect::<Vec<_>>()"),
    ))
}

/// ``expected `&String`, found `&str` `` (E0308): a `&str` given where a `&String` is
/// wanted, mostly `names.contains(name)` on a `Vec<String>` (`HashSet` and `BTreeMap`
/// take the `&str` through `Borrow`; a slice's `contains` wants its own element type).
/// rustc offers no change; an owned copy is made and borrowed, `&(name).to_string()`,
/// which lives to the end of the statement, as the call needs.
pub(super) fn str_for_string_reference(span: &Span) -> Option<Vec<Edit>> {
    let (expected, found) = expected_found(span)?;
    if expected != "&String" || !matches!(found, "&str" | "&&str" | "&&&str") {
        return None;
    }
    let on = span_line(span)?;
    if may_be_shorthand_field(on.text, on.start, on.end) {
        return None;
    }
    Some(wrap(span, "&(", ").to_string()"))
}

/// `a value of type `Vec<(String, i64)>` cannot be built from an iterator over elements
/// of type `(&String, &i64)`` (E0277, the span is `collect`): the elements are made owned
/// before they are collected, `.map(|(x0, x1)| (x0.clone(), x1.clone())).collect()`.
/// For a `Vec`, a set or a `VecDeque` of the owned type, and a map of its owned pair.
pub(super) fn collected_references(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let (collection, found) = collected_types(message)?;
    let (kind, args) = collection.split_once('<')?;
    let args = args.strip_suffix('>')?;
    let expected = match kind.rsplit("::").next()? {
        "Vec" | "VecDeque" | "BTreeSet" | "HashSet" => args.to_string(),
        "BTreeMap" | "HashMap" => format!("({args})"),
        _ => return None,
    };
    let closure = owning_closure(&expected, found)?;
    let on = collect_call(span)?;
    Some(vec![(
        on.at + on.start..on.at + on.start,
        format!("map({closure})."),
    )])
}

/// `a value of type `(i64, i64, i64, i64)` cannot be built from an iterator over
/// elements of type `i64`` (E0277, the span is `collect`): a tuple has no `collect`, so the
/// elements are collected into a `Vec` and the tuple made of its first ones,
/// `.collect::<Vec<i64>>().chunks_exact(4).map(|v| (v[0], v[1], v[2], v[3])).next().unwrap_or_default()`
/// (the code around it usually checked the count; the tests decide either way).
pub(super) fn collected_tuple(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let (tuple_ty, element) = collected_types(message)?;
    let parts = tuple(tuple_ty)?;
    if parts.len() < 2 || parts.iter().any(|p| p.trim() != element) {
        return None;
    }
    let on = collect_call(span)?;
    if !on.text[on.end..].starts_with("()") {
        return None;
    }
    let copy = matches!(
        element,
        "i64" | "i32" | "u64" | "u32" | "u8" | "usize" | "isize" | "f64" | "f32" | "bool" | "char"
    );
    let items: Vec<String> = (0..parts.len())
        .map(|i| {
            if copy {
                format!("v[{i}]")
            } else {
                format!("v[{i}].clone()")
            }
        })
        .collect();
    Some(vec![(
        on.at + on.start..on.at + on.end + 2,
        format!(
            "collect::<Vec<{element}>>().chunks_exact({}).map(|v| ({})).next().unwrap_or_default()",
            parts.len(),
            items.join(", ")
        ),
    )])
}

/// The collection and the element type of E0277's `a value of type `C` cannot be built
/// from an iterator over elements of type `T``.
fn collected_types(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix("a value of type `")?;
    let (collection, rest) =
        rest.split_once("` cannot be built from an iterator over elements of type `")?;
    Some((collection, rest.strip_suffix('`')?))
}

/// The line of a span that is the method name of a `.collect` call.
fn collect_call(span: &Span) -> Option<OnLine<'_>> {
    let on = span_line(span)?;
    (&on.text[on.start..on.end] == "collect" && on.text[..on.start].ends_with('.')).then_some(on)
}

/// The closure that makes an element of type `found` (references) one of `expected`
/// (owned): `|x| x.clone()`, `|(x0, x1)| (x0.clone(), x1)`; `None` when they are the
/// same type or one cannot be made from the other.
fn owning_closure(expected: &str, found: &str) -> Option<String> {
    if expected == found {
        return None;
    }
    match (tuple(expected), tuple(found)) {
        (Some(want), Some(have)) if want.len() == have.len() && want.len() > 1 => {
            let names: Vec<String> = (0..want.len()).map(|i| format!("x{i}")).collect();
            let owned = want
                .iter()
                .zip(&have)
                .zip(&names)
                .map(|((w, h), n)| owned(n, w, h))
                .collect::<Option<Vec<_>>>()?;
            Some(format!("|({})| ({})", names.join(", "), owned.join(", ")))
        }
        (None, None) => Some(format!("|x| {}", owned("x", expected, found)?)),
        _ => None,
    }
}

/// Whether `line[start..end]` may be a struct literal's shorthand field (`Item { name }`,
/// `Item { id, name }`), where no expression can take its place.
fn may_be_shorthand_field(line: &str, start: usize, end: usize) -> bool {
    let before = line[..start].trim_end();
    let after = line[end..].trim_start();
    let between_fields = (before.ends_with('{') || before.ends_with(','))
        && (after.starts_with('}') || after.starts_with(','));
    // A call's arguments are between `(` and `)`: the nearest unclosed bracket decides.
    let mut depth = 0i32;
    let opener = before.chars().rev().find(|c| match c {
        ')' | '}' | ']' => {
            depth += 1;
            false
        }
        '(' | '{' | '[' if depth > 0 => {
            depth -= 1;
            false
        }
        '(' | '{' | '[' => true,
        _ => false,
    });
    between_fields && opener.is_none_or(|c| c == '{')
}

/// The element types of a tuple type `(A, B)`.
fn tuple(t: &str) -> Option<Vec<&str>> {
    t.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .map(split_top_level)
}

/// The expression that makes `name` (of type `have`) a `want`.
fn owned(name: &str, want: &str, have: &str) -> Option<String> {
    let derefs = have.len() - have.trim_start_matches('&').len();
    let base = have.trim_start_matches('&');
    if have == want {
        Some(name.to_string())
    } else if base == want && derefs == 1 {
        Some(format!("{name}.clone()"))
    } else if want == "String" && matches!(base, "str" | "String") {
        Some(format!("{name}.to_string()"))
    } else if base == want && derefs > 1 {
        Some(format!("({}{name}).clone()", "*".repeat(derefs - 1)))
    } else {
        None
    }
}

/// `a, b` of a tuple type, split at the commas outside brackets.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0i32, 0);
    for (i, c) in list.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(list[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(list[from..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// `the trait bound `String: From<&&str>` is not satisfied` (E0277, the span is `String`
/// of `String::from(x)`): `ToString::to_string(x)`, which takes any depth of reference.
/// So is a number or a `bool` given to `String::from` (`String::from(n)`, `n: i64`): its
/// text, as `to_string` writes it. Not a `u8`, which may have been meant as a character.
pub(super) fn string_from_other(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let from = message
        .strip_prefix("the trait bound `String: From<")?
        .strip_suffix(">` is not satisfied")?;
    let number = from.trim_start_matches('&');
    let as_text = number == "bool"
        || (number != "u8" && crate::compile::rust::NUMBER_TYPES.contains(&number));
    if !from.starts_with("&&") && !as_text {
        return None;
    }
    let on = span_line(span)?;
    if &on.text[on.start..on.end] != "String" || !on.text[on.end..].starts_with("::from(") {
        return None;
    }
    let path_end = on.end + "::from".len();
    Some(vec![(
        on.at + on.start..on.at + path_end,
        "ToString::to_string".to_string(),
    )])
}

/// `use of moved value: `a.currency`` (E0382): the value is cloned where it was moved,
/// the span rustc labels `value moved here` (the primary one itself for a move in a loop),
/// when that is a name or a field path and not a shorthand field (`Item { name }`).
/// A type without `Clone` gets an error of its own, and the fix is not kept.
pub(super) fn clone_moved(d: &Diagnostic) -> Option<Vec<Edit>> {
    let moved = d.spans.iter().find(|s| {
        s.label
            .as_deref()
            .is_some_and(|l| l.starts_with("value moved here"))
    })?;
    let on = span_line(moved)?;
    if may_be_shorthand_field(on.text, on.start, on.end) {
        return None;
    }
    let place = &on.text[on.start..on.end];
    let is_place = !place.is_empty()
        && place
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !place.starts_with('.');
    let end = on.at + on.end;
    is_place.then(|| vec![(end..end, ".clone()".to_string())])
}
