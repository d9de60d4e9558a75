//! The example reply's error variants (`MissingUnit`, `BadNumber(String)`,
//! `TooLarge(String)`, see `example.tera`) used on the module's own error: small models
//! copy them with the example's error name, which tidy renames, or straight onto the
//! module's (`ColorError::MissingUnit`). The module's error has no such variant and the
//! code does not compile. Each is renamed to a variant of the module's error of the same
//! shape (no value, or one `String`), in the order they are declared: the one the model
//! meant is often that one (`MissingUnit` for `MissingHash`), and when it is not, the code
//! now compiles and a failing test names the variant it expected, which ghost's own edit
//! (`mutants.rs`) puts in.

use super::{items, replace_all};
use crate::compile::rust::items::{skip_group, Token};

/// What a variant carries, as far as a copied one can stand in for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unit,
    /// One `String`.
    Text,
    Other,
}

/// The example's variants, as `example.tera` declares them.
const EXAMPLE_VARIANTS: [(&str, Shape); 3] = [
    ("MissingUnit", Shape::Unit),
    ("BadNumber", Shape::Text),
    ("TooLarge", Shape::Text),
];

/// Renames the example's variants written on `error` (an error type `mod.rs` defines)
/// that `error` does not have; one line per renamed variant.
pub(super) fn fix(code: &mut String, mod_rs: &str, error: &str) -> Vec<String> {
    let tokens = crate::compile::rust::items::tokens(code);
    // `error::Variant` for each of the example's variants the code writes.
    let uses = |copied: &str| -> Vec<&Token> {
        tokens
            .windows(3)
            .filter(|w| w[0].text == error && w[1].text == "::" && w[2].text == copied)
            .map(|w| &w[2])
            .collect()
    };
    // Most replies copy none: mod.rs is read only for those that do.
    if EXAMPLE_VARIANTS
        .iter()
        .all(|(copied, _)| uses(copied).is_empty())
    {
        return Vec::new();
    }
    let Some(declared) = variants(mod_rs, error) else {
        return Vec::new();
    };
    let mut texts = declared.iter().filter(|(_, s)| *s == Shape::Text);
    let first_text = texts.next().map(|(n, _)| n.as_str());
    let second_text = texts.next().map(|(n, _)| n.as_str()).or(first_text);
    let first_unit = declared
        .iter()
        .find(|(_, s)| *s == Shape::Unit)
        .map(|(n, _)| n.as_str());
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    for (copied, shape) in EXAMPLE_VARIANTS {
        if declared.iter().any(|(n, _)| n == copied) {
            continue;
        }
        let target = match (shape, copied) {
            (Shape::Unit, _) => first_unit,
            (_, "TooLarge") => second_text,
            _ => first_text,
        };
        let Some(target) = target else {
            continue;
        };
        let uses = uses(copied);
        if uses.is_empty() {
            continue;
        }
        edits.extend(uses.iter().map(|t| (t.span.clone(), target.to_string())));
        changes.push(format!(
            "renamed `{error}::{copied}` (the example's variant) to `{error}::{target}`, the module's"
        ));
    }
    replace_all(code, edits);
    changes
}

/// The variants of enum `name` as `mod.rs` declares them, with their shapes.
fn variants(mod_rs: &str, name: &str) -> Option<Vec<(String, Shape)>> {
    let all = items(mod_rs);
    let item = all.iter().find(|i| {
        let head = i.head();
        head.first() == Some(&"enum") && head.get(1) == Some(&name)
    })?;
    let t = &item.tokens;
    let open = t.iter().position(|x| x.text == "{")?;
    let mut out = Vec::new();
    let mut i = open + 1;
    while let Some(tok) = t.get(i) {
        match tok.text.as_str() {
            "}" => break,
            "," => i += 1,
            // An attribute: `#` then its bracketed group.
            "#" => i = skip_group(t, i + 1),
            variant => {
                let (shape, next) = match t.get(i + 1).map(|x| x.text.as_str()) {
                    Some("(") => {
                        let after = skip_group(t, i + 1);
                        // Between the `(` and its `)`.
                        let inner: Vec<&str> = t
                            .get(i + 2..after.saturating_sub(1))
                            .unwrap_or_default()
                            .iter()
                            .map(|x| x.text.as_str())
                            .collect();
                        let shape = if inner == ["String"] {
                            Shape::Text
                        } else {
                            Shape::Other
                        };
                        (shape, after)
                    }
                    Some("{") => (Shape::Other, skip_group(t, i + 1)),
                    _ => (Shape::Unit, i + 1),
                };
                out.push((variant.to_string(), shape));
                i = next;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOD_RS: &str = "#[derive(Debug, Clone, PartialEq)]\npub enum ColorError {\n    MissingHash,\n    BadLength(i64),\n    BadDigit(String),\n}\n\nimpl std::error::Error for ColorError {}\n";

    #[test]
    fn the_example_variants_become_the_modules_of_the_same_shape() {
        let mut code = "pub fn parse(s: &str) -> Result<i64, ColorError> {\n    let d = s.strip_prefix('#').ok_or(ColorError::MissingUnit)?;\n    if d.len() > 6 { return Err(ColorError::TooLarge(d.to_string())); }\n    Err(ColorError::BadNumber(d.to_string()))\n}\n".to_string();
        let changes = fix(&mut code, MOD_RS, "ColorError");
        assert!(
            code.contains("ok_or(ColorError::MissingHash)")
                && code.contains("Err(ColorError::BadDigit(d.to_string())); }")
                && code.contains("Err(ColorError::BadDigit(d.to_string()))\n"),
            "{code}"
        );
        assert_eq!(changes.len(), 3, "{changes:?}");
    }

    #[test]
    fn a_variant_the_module_has_or_no_variant_of_its_shape_is_left() {
        let mod_rs = "pub enum KvError {\n    #[allow(dead_code)]\n    MissingUnit,\n    Line { n: i64 },\n}\n";
        assert_eq!(
            variants(mod_rs, "KvError"),
            Some(vec![
                ("MissingUnit".to_string(), Shape::Unit),
                ("Line".to_string(), Shape::Other)
            ])
        );
        let mut code = "fn f() -> KvError { if true { KvError::MissingUnit } else { KvError::BadNumber(String::new()) } }".to_string();
        let before = code.clone();
        assert!(fix(&mut code, mod_rs, "KvError").is_empty());
        assert_eq!(code, before);
    }

    #[test]
    fn the_example_declares_these_variants() {
        let example = include_str!("../../../templates/example.tera");
        for (name, shape) in EXAMPLE_VARIANTS {
            let written = match shape {
                Shape::Unit => format!("MeterError::{name})"),
                _ => format!("MeterError::{name}(digits.to_string())"),
            };
            assert!(example.contains(&written), "{name}");
        }
    }
}
