//! Which of the spec's notations a prompt must explain: only those its clauses in ghost
//! notation (`requires`, `ensures`, properties, a used function's `requires`) use.
//!
//! Why: the list of every notation is 230 characters in every request, and most modules
//! use one or two of them or none (their examples are shown in Rust).

/// One notation, the way the prompt explains it, and whether a clause uses it.
struct Notation {
    explained: &'static str,
    used: fn(&str) -> bool,
}

const NOTATIONS: [Notation; 3] = [
    Notation {
        explained: "`ok/err/some/none` = `Ok/Err/Some/None`",
        used: |t| ["ok", "err", "some", "none"].iter().any(|w| has_word(t, w)),
    },
    Notation {
        explained: "`T.f(x)` = `T::f(x)`",
        used: |t| {
            dotted(t, |first, second, call| {
                upper(first) && !upper(second) && call
            })
        },
    },
    Notation {
        explained: "`E.V` = `E::V`",
        used: |t| dotted(t, |first, second, _| upper(first) && upper(second)),
    },
];

/// The built-in functions, each explained when a clause calls it.
const BUILTINS: [(&str, &str); 4] = [
    ("len", "`len(x)` = length (bytes for a string)"),
    ("to_str", "`to_str(x)` = `x.to_string()`"),
    ("repeat", "`repeat(s, n)` = `s.repeat(n)`"),
    ("contains", "`contains(c, x)` = `c.contains(x)`"),
];

/// How a call through a module's path is explained.
const MODULE_PATH: &str = "`a.b.f` = `crate::a::b::f`";

/// The explanations of the notations `clauses` use, in a fixed order; `modules` are the
/// modules the clauses may call through their paths (`base.add(..)`, `text.slug.f(..)`),
/// which look like method calls on a value without them.
pub fn used_in<'a>(
    clauses: impl IntoIterator<Item = &'a str> + Clone,
    modules: &[String],
) -> Vec<String> {
    let used = |test: &dyn Fn(&str) -> bool| clauses.clone().into_iter().any(test);
    let mut out: Vec<String> = NOTATIONS
        .iter()
        .filter(|n| used(&n.used))
        .map(|n| n.explained.to_string())
        .collect();
    if used(&|c| modules.iter().any(|m| has_path(c, m))) {
        out.push(MODULE_PATH.to_string());
    }
    out.extend(
        BUILTINS
            .iter()
            .filter(|(name, _)| used(&|c| has_call(c, name)))
            .map(|(_, explained)| explained.to_string()),
    );
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn upper(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_uppercase())
}

/// Whether `word` stands in `text` as a word of its own.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

/// Whether `name(` is called in `text` as a function, not as a method (`.len()`).
fn has_call(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        text[at + name.len()..].starts_with('(')
            && !before.is_some_and(|c| is_ident_char(c) || c == '.')
    })
}

/// Whether `text` has `first.second` (two names joined by a dot, outside a number) for
/// which `wanted(first, second, called)` holds, `called` saying whether a `(` follows.
fn dotted(text: &str, wanted: impl Fn(&str, &str, bool) -> bool) -> bool {
    let words = idents(text);
    words.windows(2).any(|w| {
        let ((a, a_end), (b, b_start, b_end)) = ((w[0].0, w[0].2), (w[1].0, w[1].1, w[1].2));
        text[a_end..b_start] == *"."
            && !a.starts_with(|c: char| c.is_ascii_digit())
            && wanted(a, b, text[b_end..].starts_with('('))
    })
}

/// Whether `text` calls a function through `module`'s path (`base.add(`).
fn has_path(text: &str, module: &str) -> bool {
    let head = format!("{module}.");
    text.match_indices(&head).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let rest = &text[at + head.len()..];
        let name_end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
        !before.is_some_and(|c| is_ident_char(c) || c == '.')
            && name_end > 0
            && rest[name_end..].starts_with('(')
    })
}

/// The identifiers of `text` with where each starts and ends.
fn idents(text: &str) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, is_ident_char(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push((&text[s..i], s, i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::used_in;

    #[test]
    fn only_the_notations_a_clause_uses_are_explained() {
        let none: &[String] = &[];
        assert!(used_in(["requires capacity > 0", "ensures result >= 0"], none).is_empty());
        assert_eq!(
            used_in(
                ["ensures len(result) <= len(s)", "requires x.len() > 0"],
                none
            ),
            ["`len(x)` = length (bytes for a string)"]
        );
        assert_eq!(
            used_in(
                ["property p: forall n: int => parse(to_str(n)) == ok(n)"],
                none
            ),
            [
                "`ok/err/some/none` = `Ok/Err/Some/None`",
                "`to_str(x)` = `x.to_string()`"
            ]
        );
        assert_eq!(
            used_in(["ensures result != Color.Red && Rgb.from(1) == x"], none),
            ["`T.f(x)` = `T::f(x)`", "`E.V` = `E::V`"]
        );
        let modules = ["text.slug".to_string(), "base".to_string()];
        assert_eq!(
            used_in(
                ["ensures text.slug.slugify(s) == result && 1.5 > 0.5"],
                &modules
            ),
            ["`a.b.f` = `crate::a::b::f`"]
        );
        assert_eq!(
            used_in(
                ["ensures base.add(r, r).cents < 0 || r.len() > 0"],
                &modules
            ),
            ["`a.b.f` = `crate::a::b::f`"]
        );
        assert!(used_in(["ensures base.add(r, r).cents < 0"], none).is_empty());
    }
}
