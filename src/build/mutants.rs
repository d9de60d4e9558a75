//! Mutants: small edits of an attempt whose code compiles but fails a few tests, tested
//! by ghost before it pays for a repair.
//!
//! In: the attempt's code and the names of the functions its failing tests call. Out: at
//! most [`MAX_MUTANTS`] variants of the code, each one edit inside those functions (or
//! the functions they call), with a line that says what changed.
//!
//! Why: a small model's code is often one token from right: an early return taken from
//! another function's rule (`if a == 0 || b == 0 { return 0; }` in `gcd`), `..=` for
//! `..` in a loop bound, `<` for `<=`, `map_or(false, ..)` for `map_or(true, ..)` in
//! three match arms. Shown the failing test, it rarely finds such a slip (docs/evals.md);
//! trying the edits costs a few test runs and no tokens. The acceptance tests judge a
//! mutant exactly as they judge the model's code.
//!
//! Some edits follow the failing tests' values (a [`Guide`]): the error variant a test
//! expected where the code returned another, counting from 1 where a number was one
//! short, the guard an example on empty input names (`empty_input.rs`), a remainder
//! taken in `u8` that overflowed, taken in `i64` (`modular.rs`), and an operation that
//! overflowed where the test expected the overflow error, checked (`overflow_error.rs`).
//! Unguided edits include a sequence taken from its other end and a change of `self` one
//! branch of an `if` makes and the other lacks, copied (`both_branches.rs`), and a
//! field's new value computed and returned but never stored, stored (`stored_value.rs`).
//!
//! The build tests them in rounds (`generate.rs`): when no edit turns the code green, the
//! one that made the fewest tests fail (and none that passed) is edited again, so two
//! slips get two edits.
//!
//! The edits are textual, on the code as rustfmt lays it out (operators between spaces);
//! strings, character literals and comments are never edited.

use super::empty_input::EmptyInput;
use super::verify::Verdict;
use std::collections::BTreeSet;

/// At most this many mutants of one attempt are tested (each is a cargo run).
pub const MAX_MUTANTS: usize = 16;

/// Mutants are tried for code that compiles, finishes, keeps its checked NFRs and
/// fails at most this many tests: code that fails more is rarely a few edits from green.
pub const MAX_FAILED_TESTS: usize = 6;

/// Whether `verdict` is of code worth trying mutants of.
pub fn worth_trying(verdict: &Verdict) -> bool {
    let t = &verdict.tests;
    t.errors.is_empty()
        && t.cargo_error.is_none()
        && !t.timed_out
        && (1..=MAX_FAILED_TESTS).contains(&t.failed.len())
        && verdict.checked.iter().all(|n| !n.broken())
}

/// The functions the failing tests call, by the clauses they check (the `///` line
/// the compiler writes above each test): `example gcd(0, 9) == 9` gives `gcd`. Empty
/// when no clause names one (a scenario's name): then every function is edited.
pub fn failing_functions(verdict: &Verdict, tests_rs: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in &verdict.tests.failed {
        if let Some(clause) = super::lessons::clause_of(tests_rs, &f.name) {
            out.extend(super::rewrite::called(&clause));
        }
    }
    out
}

/// What the failing tests' values say about the slip: the edits they point at are tried
/// before the others (after them, the one unguided edit that is as specific: a buffer
/// made full of zeros, `vec![0; n]`, made empty with room for `n`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guide {
    /// Variants returned where the tests expected others ([`expected_variants`]).
    pub variants: Vec<(String, String)>,
    /// A test expected a number one more than it got (`MissingEquals(2)` for
    /// `MissingEquals(1)`): counting from 0 where the spec counts from 1.
    pub one_more: bool,
    /// Failing examples on an empty string: the guard each asks for.
    pub empty_inputs: Vec<EmptyInput>,
    /// A failing test panicked with an arithmetic overflow: remainders computed in a
    /// narrow type are tried in `i64` (`modular.rs`).
    pub overflow: bool,
    /// Overflows in the code where the failing tests expected an overflow error: each
    /// operation tried checked, the error returned (`overflow_error.rs`).
    pub overflow_errors: Vec<super::overflow_error::Overflow>,
}

/// The guide the failing tests of `verdict` (in the generated tests `tests_rs`) give.
pub fn guide(verdict: &Verdict, tests_rs: &str) -> Guide {
    let failed: Vec<&str> = verdict
        .tests
        .failed
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    Guide {
        empty_inputs: super::empty_input::empty_inputs(&failed, tests_rs),
        variants: expected_variants(verdict),
        overflow: verdict
            .tests
            .failed
            .iter()
            .any(|f| f.output.contains("with overflow")),
        overflow_errors: verdict
            .tests
            .failed
            .iter()
            .filter_map(|f| {
                let clause = super::lessons::clause_of(tests_rs, &f.name)?;
                super::overflow_error::overflow_in(&f.output, &clause)
            })
            .fold(Vec::new(), |mut all, o| {
                if !all.contains(&o) {
                    all.push(o);
                }
                all
            }),
        one_more: verdict.tests.failed.iter().any(|f| {
            let Some((left, right)) = left_right(&f.output) else {
                return false;
            };
            numbers(left)
                .into_iter()
                .zip(numbers(right))
                .find(|(l, r)| l != r)
                .is_some_and(|(l, r)| l.checked_add(1) == Some(r))
        }),
    }
}

/// The values a failed assertion printed: what the code gave (`left:`) and what the
/// test expected (`right:`).
pub(super) fn left_right(output: &str) -> Option<(&str, &str)> {
    let side = |label: &str| {
        output
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
    };
    Some((side("left:")?, side("right:")?))
}

/// The integers in a printed value, outside strings.
fn numbers(value: &str) -> Vec<i128> {
    let mut out = Vec::new();
    let mut digits = String::new();
    for c in without_strings(value).chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '-' && digits.is_empty()) {
            digits.push(c);
            continue;
        }
        if let Ok(n) = std::mem::take(&mut digits).parse() {
            out.push(n);
        }
    }
    out
}

/// A printed value with the insides of its strings (escapes included) blanked out.
fn without_strings(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in value.chars() {
        let quote = c == '"' && !escaped;
        escaped = in_string && c == '\\' && !escaped;
        if quote {
            in_string = !in_string;
        }
        out.push(if in_string && !quote { ' ' } else { c });
    }
    out
}

/// The variants the failing tests saw where they expected others: `left:
/// Err(NotANumber("9999"))` against `right: Err(OutOfRange("9999"))` gives
/// `("NotANumber", "OutOfRange")`. A parser that returns the wrong error for one case is
/// a slip of one name, which the test's own expectation names.
fn expected_variants(verdict: &Verdict) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for f in &verdict.tests.failed {
        let Some((left, right)) = left_right(&f.output) else {
            continue;
        };
        let (left, right) = (variant_names(left), variant_names(right));
        // Values of one shape that differ in one name only (not `Ok(Config ..)` against
        // `Err(Bad)`, whose names differ for another reason).
        if left.len() != right.len() {
            continue;
        }
        let mut differing = left.into_iter().zip(right).filter(|(l, r)| l != r);
        if let (Some(pair), None) = (differing.next(), differing.next()) {
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}

/// The capitalised names in a printed value, but `Ok`, `Err`, `Some` and `None`.
fn variant_names(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in without_strings(value).chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        let w = std::mem::take(&mut word);
        if w.starts_with(|c: char| c.is_ascii_uppercase())
            && !["Ok", "Err", "Some", "None"].contains(&w.as_str())
        {
            out.push(w);
        }
    }
    out
}

/// One variant of the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutant {
    pub code: String,
    /// What changed, for the run log: "deleted `if b == 0 { return 0; }` in `gcd`".
    pub what: String,
}

/// A swap of one operator or literal for another, where the text matches.
struct Swap<'a> {
    from: &'a str,
    to: &'a str,
    /// `from` must not touch an identifier character on either side.
    word: bool,
}

const fn swap(from: &'static str, to: &'static str) -> Swap<'static> {
    Swap {
        from,
        to,
        word: false,
    }
}

const fn word(from: &'static str, to: &'static str) -> Swap<'static> {
    Swap {
        from,
        to,
        word: true,
    }
}

/// The swaps, most often right first (from the evaluation's failed attempts).
const RANGES: &[Swap<'static>] = &[swap("..=", "..")];
const COMPARISONS: &[Swap<'static>] = &[
    swap(" < ", " <= "),
    swap(" <= ", " < "),
    swap(" > ", " >= "),
    swap(" >= ", " > "),
];
const BOOLS: &[Swap<'static>] = &[word("true", "false"), word("false", "true")];
const EQUALITY: &[Swap<'static>] = &[swap(" == ", " != "), swap(" != ", " == ")];
const LOGIC: &[Swap<'static>] = &[swap(" && ", " || "), swap(" || ", " && ")];
const OFF_BY_ONE: &[Swap<'static>] = &[word(" + 1", ""), word(" - 1", "")];
/// A sequence used from the end the spec did not mean: a queue taken from (or looked at)
/// at its newest end, first for last. The evaluation's ring buffers took from the back in
/// every attempt (`docs/evals.md`, eighteenth round).
const ENDS: &[Swap<'static>] = &[
    swap(".pop_back()", ".pop_front()"),
    swap(".pop_front()", ".pop_back()"),
    swap(".back()", ".front()"),
    swap(".front()", ".back()"),
    swap(".push_back(", ".push_front("),
    swap(".push_front(", ".push_back("),
    swap(".last()", ".first()"),
    swap(".first()", ".last()"),
];

/// The mutants of `code` within the functions named in `focus` and those they call (all
/// of its functions when none of `focus` is defined in it), in the order to test them.
pub fn mutants(code: &str, focus: &BTreeSet<String>, guide: &Guide) -> Vec<Mutant> {
    let mask = code_mask(code);
    let fns = functions(code, &mask);
    let bodies = focused_bodies(code, &fns, focus);
    let in_body = |at: usize| bodies.iter().any(|(_, a, b)| at >= *a && at < *b);
    let fn_at = |at: usize| {
        bodies
            .iter()
            .find(|(_, a, b)| at >= *a && at < *b)
            .map(|(n, _, _)| n.as_str())
            .unwrap_or("")
    };

    let mut out: Vec<Mutant> = Vec::new();
    // The variant a failing test expected for the one it got, at each place the code
    // names the one it got (`Ipv4Error::NotANumber`): first, as the test names it.
    for (from, to) in &guide.variants {
        let s = Swap {
            from: from.as_str(),
            to: to.as_str(),
            word: true,
        };
        for at in matches(code, &mask, &s).into_iter().filter(|a| in_body(*a)) {
            if code[..at].ends_with("::") {
                out.push(Mutant {
                    code: replace_at(code, &[at], &s),
                    what: format!("`{to}` for `{from}` in `{}`", fn_at(at)),
                });
            }
        }
    }
    // An overflow where the tests expected the overflow error: the operation checked.
    // All of them at once too, when there are several (`add` and `multiply` alike).
    let checked: Vec<String> = guide
        .overflow_errors
        .iter()
        .filter_map(|o| super::overflow_error::checked(code, o))
        .collect();
    for edited in &checked {
        out.push(Mutant {
            code: edited.clone(),
            what: "a checked operation returning the overflow error, where the tests expected it"
                .into(),
        });
    }
    if checked.len() > 1 {
        // From the last line up, so that each edit leaves the earlier places as they were.
        let mut ordered = guide.overflow_errors.clone();
        ordered.sort_by_key(|o| std::cmp::Reverse((o.line, o.column)));
        let all = ordered.iter().try_fold(code.to_string(), |code, o| {
            super::overflow_error::checked(&code, o)
        });
        if let Some(all) = all {
            out.push(Mutant {
                code: all,
                what: format!(
                    "{} checked operations returning the overflow error",
                    checked.len()
                ),
            });
        }
    }
    // The case an example on empty input names, guarded at the top of its function.
    for input in &guide.empty_inputs {
        if let Some(code) = super::empty_input::guarded(code, input) {
            out.push(Mutant {
                code,
                what: format!(
                    "`{}` for empty input at the top of `{}`",
                    input.expected, input.function
                ),
            });
        }
    }
    // A remainder taken in `u8` that overflowed, taken in `i64`.
    if guide.overflow {
        let ranges: Vec<(usize, usize)> = bodies.iter().map(|(_, a, b)| (*a, *b)).collect();
        for (code, what) in super::modular::in_i64(code, &ranges) {
            out.push(Mutant { code, what });
        }
    }
    // Numbers counted from 0 where the tests count from 1 (line numbers, positions).
    if guide.one_more {
        let s = swap(".enumerate()", ".enumerate().map(|(i, x)| (i + 1, x))");
        for at in matches(code, &mask, &s).into_iter().filter(|a| in_body(*a)) {
            out.push(Mutant {
                code: replace_at(code, &[at], &s),
                what: format!("counted from 1 in `{}`", fn_at(at)),
            });
        }
    }
    // A buffer made full of zeros where an empty one with room was meant.
    let s = swap("vec![0; ", "Vec::with_capacity(");
    let starts_word = |at: usize| at == 0 || !is_ident(code.as_bytes()[at - 1]);
    for at in matches(code, &mask, &s)
        .into_iter()
        .filter(|a| in_body(*a) && starts_word(*a))
    {
        let close = matching(code.as_bytes(), &mask, at + "vec!".len(), (b'[', b']'));
        if let Some(close) = close.filter(|c| !code[at..*c].contains('\n')) {
            let size = &code[at + s.from.len()..close];
            out.push(Mutant {
                code: format!(
                    "{}Vec::with_capacity({size}){}",
                    &code[..at],
                    &code[close + 1..]
                ),
                what: format!(
                    "`Vec::with_capacity({size})` for `vec![0; {size}]` in `{}`",
                    fn_at(at)
                ),
            });
        }
    }
    for (start, end, text) in guards(code, &mask) {
        if in_body(start) {
            let code = format!("{}{}", &code[..start], &code[end..]);
            let what = format!("deleted `{text}` in `{}`", fn_at(start));
            out.push(Mutant { code, what });
        }
    }
    let singles = |swaps: &[Swap<'static>], out: &mut Vec<Mutant>| {
        for s in swaps {
            for at in matches(code, &mask, s).into_iter().filter(|a| in_body(*a)) {
                out.push(Mutant {
                    code: replace_at(code, &[at], s),
                    what: swap_what(s, fn_at(at)),
                });
            }
        }
    };
    singles(RANGES, &mut out);
    for at in half_open_ranges(code, &mask)
        .into_iter()
        .filter(|a| in_body(*a))
    {
        out.push(Mutant {
            code: format!("{}..={}", &code[..at], &code[at + 2..]),
            what: format!("`..=` for `..` in `{}`", fn_at(at)),
        });
    }
    singles(COMPARISONS, &mut out);
    singles(ENDS, &mut out);
    // A change of `self` one branch of an `if` makes and the other lacks.
    let ranges: Vec<(usize, usize)> = bodies.iter().map(|(_, a, b)| (*a, *b)).collect();
    for (code, what) in super::both_branches::copied(code, &ranges) {
        out.push(Mutant { code, what });
    }
    for (code, what) in super::stored_value::stored(code, &ranges) {
        out.push(Mutant { code, what });
    }
    // A `Vec` used as a queue: `items.pop()` takes the newest; the oldest, as an `Option`
    // too, is `(!items.is_empty()).then(|| items.remove(0))`.
    for (start, end, with) in popped_from_front(code, &mask) {
        if in_body(start) {
            out.push(Mutant {
                code: format!("{}{with}{}", &code[..start], &code[end..]),
                what: format!("the first element for `.pop()` in `{}`", fn_at(start)),
            });
        }
    }
    // `stack.pop().unwrap() != '('` panics on an empty stack; `stack.pop() != Some('(')`
    // is what was meant. Every such comparison at once, as the slip is usually repeated.
    let unwraps: Vec<(usize, usize, String)> = unwrapped_comparisons(code, &mask)
        .into_iter()
        .filter(|(a, _, _)| in_body(*a))
        .collect();
    if !unwraps.is_empty() {
        let mut edited = code.to_string();
        for (start, end, with) in unwraps.iter().rev() {
            edited.replace_range(*start..*end, with);
        }
        out.push(Mutant {
            code: edited,
            what: format!(
                "`x != Some(y)` for `x.unwrap() != y` in `{}`",
                fn_at(unwraps[0].0)
            ),
        });
    }
    // One slip made in several places at once (`map_or(false` in three match arms): the
    // same swap at every match with the same text before it.
    for swaps in [BOOLS, COMPARISONS, EQUALITY, LOGIC, OFF_BY_ONE] {
        for s in swaps {
            let hits: Vec<usize> = matches(code, &mask, s)
                .into_iter()
                .filter(|a| in_body(*a))
                .collect();
            let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
            for at in hits {
                let left = left_context(code, at);
                match groups.iter_mut().find(|(l, _)| *l == left) {
                    Some((_, ats)) => ats.push(at),
                    None => groups.push((left, vec![at])),
                }
            }
            for (left, ats) in groups.into_iter().filter(|(_, a)| a.len() > 1) {
                out.push(Mutant {
                    code: replace_at(code, &ats, s),
                    what: format!(
                        "`{}` for `{}` after `{}` in {} places",
                        s.to.trim(),
                        s.from.trim(),
                        left.trim(),
                        ats.len()
                    ),
                });
            }
        }
    }
    singles(BOOLS, &mut out);
    singles(EQUALITY, &mut out);
    singles(LOGIC, &mut out);
    singles(OFF_BY_ONE, &mut out);

    let mut seen = BTreeSet::new();
    out.retain(|m| m.code != code && seen.insert(m.code.clone()));
    out.truncate(MAX_MUTANTS);
    out
}

/// What a single swap changed: "`<=` for `<` in `f`", "dropped `+ 1` in `f`".
fn swap_what(s: &Swap, function: &str) -> String {
    if s.to.is_empty() {
        format!("dropped `{}` in `{function}`", s.from.trim())
    } else {
        format!("`{}` for `{}` in `{function}`", s.to.trim(), s.from.trim())
    }
}

/// For each byte of `code`, whether it is code: not inside a string, a character literal
/// or a comment. The lexer is tidy's (`tidy/items.rs`): it skips comments and white
/// space and gives each literal as one token. White space counts as code (the swaps
/// match operators with the spaces around them); anything else it skipped is a comment.
pub(crate) fn code_mask(code: &str) -> Vec<bool> {
    let mut mask: Vec<bool> = code.bytes().map(|c| c.is_ascii_whitespace()).collect();
    for token in crate::compile::rust::items::tokens(code) {
        let literal = token.is_literal();
        for m in &mut mask[token.span] {
            *m = !literal;
        }
    }
    mask
}

/// Each `fn NAME` with its body's byte range (inside the braces).
pub(crate) fn functions(code: &str, mask: &[bool]) -> Vec<(String, usize, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(n) = code[from..].find("fn ") {
        let at = from + n;
        from = at + 3;
        if !mask[at] || (at > 0 && is_ident(b[at - 1])) {
            continue;
        }
        let after = code[at + 3..].trim_start();
        // `fn r#match` is the function `match`, as the tests call it.
        let name: String = after
            .strip_prefix("r#")
            .unwrap_or(after)
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // The body opens at the first code `{` unless a `;` (a declaration) comes first.
        let Some(open) = (at..b.len()).find(|&i| mask[i] && (b[i] == b'{' || b[i] == b';')) else {
            continue;
        };
        if b[open] == b';' {
            continue;
        }
        if let Some(close) = matching_brace(b, mask, open) {
            out.push((name, open + 1, close));
        }
    }
    out
}

/// The bodies to edit: those of `focus`, and of every function they call, transitively.
fn focused_bodies(
    code: &str,
    fns: &[(String, usize, usize)],
    focus: &BTreeSet<String>,
) -> Vec<(String, usize, usize)> {
    let mut wanted: BTreeSet<&str> = fns
        .iter()
        .map(|(n, _, _)| n.as_str())
        .filter(|n| focus.contains(*n))
        .collect();
    if wanted.is_empty() {
        return fns.to_vec();
    }
    loop {
        let before = wanted.len();
        let called: Vec<&str> = fns
            .iter()
            .filter(|(n, _, _)| wanted.contains(n.as_str()))
            .flat_map(|(_, a, b)| {
                let body = &code[*a..*b];
                fns.iter()
                    .map(|(n, _, _)| n.as_str())
                    .filter(move |n| calls(body, n))
            })
            .collect();
        wanted.extend(called);
        if wanted.len() == before {
            break;
        }
    }
    fns.iter()
        .filter(|(n, _, _)| wanted.contains(n.as_str()))
        .cloned()
        .collect()
}

/// Whether `body` calls `name` (as a function or a method).
fn calls(body: &str, name: &str) -> bool {
    let b = body.as_bytes();
    body.match_indices(&format!("{name}("))
        .any(|(at, _)| at == 0 || !is_ident(b[at - 1]))
}

/// The byte index of the `}` closing the `{` at `open`.
fn matching_brace(b: &[u8], mask: &[bool], open: usize) -> Option<usize> {
    matching(b, mask, open, (b'{', b'}'))
}

/// The byte index of the bracket closing the one at `open` (`pair` is the two brackets),
/// counting only brackets in code (`mask`), not in strings or comments.
pub(super) fn matching(b: &[u8], mask: &[bool], open: usize, pair: (u8, u8)) -> Option<usize> {
    let mut depth = 0usize;
    for i in open..b.len() {
        if !mask[i] {
            continue;
        }
        match b[i] {
            c if c == pair.0 => depth += 1,
            c if c == pair.1 => {
                // A closing bracket before any opening one: `open` was no bracket.
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The opening bracket of `pair` of the innermost such block holding `at` (`at` itself
/// not counted): for the closing bracket at `at`, the one it closes.
pub(super) fn enclosing(b: &[u8], mask: &[bool], at: usize, pair: (u8, u8)) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..at).rev() {
        if !mask[i] {
            continue;
        }
        match b[i] {
            c if c == pair.1 => depth += 1,
            c if c == pair.0 && depth == 0 => return Some(i),
            c if c == pair.0 => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Guard statements: `if COND { return X; }` alone on their lines, with no `else`, and
/// the like with one other statement in the block (`if a.cents < 0 { s.insert(0, '-'); }`:
/// a step done twice, a sign the formatting already wrote). Returns each one's byte range
/// (whole lines) and its text on one line.
fn guards(code: &str, mask: &[bool]) -> Vec<(usize, usize, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in code.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let indent = line.len() - line.trim_start().len();
        let at = start + indent;
        if !line.trim_start().starts_with("if ") || !mask[at] {
            continue;
        }
        let Some(open) = (at..b.len()).find(|&i| mask[i] && b[i] == b'{') else {
            continue;
        };
        let Some(close) = matching_brace(b, mask, open) else {
            continue;
        };
        let inner = code[open + 1..close].trim();
        // A `let` in a block of its own binds nothing used; a block inside is not one
        // statement (a `return` may hold a struct's braces); a loop without its `break`
        // would hang until the tests' time limit.
        let one_statement = inner.ends_with(';')
            && !inner.starts_with("let ")
            && !inner.starts_with("break")
            && (inner.starts_with("return") || !inner.contains('{'))
            && !(open + 1..close)
                .any(|i| mask[i] && b[i] == b';' && code[i + 1..close].trim() != "");
        let line_end = code[close..]
            .find('\n')
            .map_or(code.len(), |n| close + n + 1);
        let after = code[close + 1..line_end].trim();
        if one_statement && (after.is_empty() || after.starts_with("//")) {
            let text = code[at..=close]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.push((start, line_end, text));
        }
    }
    out
}

/// Where `swap.from` occurs in code (not strings or comments).
fn matches(code: &str, mask: &[bool], swap: &Swap) -> Vec<usize> {
    let b = code.as_bytes();
    code.match_indices(swap.from)
        .map(|(at, _)| at)
        .filter(|&at| (at..at + swap.from.len()).all(|i| mask[i]))
        .filter(|&at| {
            !swap.word || {
                let end = at + swap.from.len();
                let first = swap.from.as_bytes()[0];
                let last = swap.from.as_bytes()[swap.from.len() - 1];
                (!is_ident(first) || at == 0 || !is_ident(b[at - 1]))
                    && (!is_ident(last) || end >= b.len() || !is_ident(b[end]))
            }
        })
        .collect()
}

/// `A.unwrap() == B` and `A.unwrap() != B` where `B` is a literal or a name: the range
/// from `.unwrap()` to the end of `B`, and what replaces it (` != Some(B)`).
fn unwrapped_comparisons(code: &str, mask: &[bool]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for op in [".unwrap() == ", ".unwrap() != "] {
        for (at, _) in code.match_indices(op) {
            if !mask[at] {
                continue;
            }
            let rhs_at = at + op.len();
            let rest = &code[rhs_at..];
            let len = if rest.starts_with('\'') {
                // A character literal: the mask tells where it ends.
                (rhs_at..code.len()).find(|&i| mask[i]).map(|i| i - rhs_at)
            } else {
                let n = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (n > 0).then_some(n)
            };
            let Some(len) = len else {
                continue;
            };
            let rhs = &code[rhs_at..rhs_at + len];
            let cmp = &op[".unwrap()".len()..];
            out.push((at, rhs_at + len, format!("{cmp}Some({rhs})")));
        }
    }
    out.sort();
    out
}

/// Each `R.pop()` whose receiver `R` is a name or a field path (`items`, `self.items`):
/// its range, and the same element taken from the front (`(!R.is_empty()).then(||
/// R.remove(0))`).
fn popped_from_front(code: &str, mask: &[bool]) -> Vec<(usize, usize, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    for (at, call) in code.match_indices(".pop()") {
        if !(at..at + call.len()).all(|i| mask[i]) {
            continue;
        }
        let start = code[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |n| n + 1);
        let receiver = &code[start..at];
        // A path's first part is a name: not a number, a method's result or a field of
        // something the text does not show (`).items`).
        if receiver.is_empty()
            || receiver.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            || receiver.contains("..")
            || start > 0 && matches!(b[start - 1], b')' | b']' | b'?' | b'"' | b'\'')
        {
            continue;
        }
        let with = format!("(!{receiver}.is_empty()).then(|| {receiver}.remove(0))");
        out.push((start, at + call.len(), with));
    }
    out
}

/// Half-open ranges written `a..b` (not `..=`, `...`, or `..rest` in a struct literal):
/// where `..=` may have been meant. The byte index of each `..`.
fn half_open_ranges(code: &str, mask: &[bool]) -> Vec<usize> {
    let b = code.as_bytes();
    code.match_indices("..")
        .map(|(at, _)| at)
        .filter(|&at| mask[at] && mask[at + 1] && at > 0)
        .filter(|&at| {
            let before = b[at - 1];
            let after = b.get(at + 2).copied().unwrap_or(b' ');
            (is_ident(before) || before == b')') && before != b'.' && after != b'.' && after != b'='
        })
        .collect()
}

/// Up to 8 bytes of the line before `at` (on a char boundary): what a repeated slip
/// shares, as `map_or(` before `false`.
fn left_context(code: &str, at: usize) -> String {
    let line_start = code[..at].rfind('\n').map_or(0, |n| n + 1);
    let mut from = at.saturating_sub(8).max(line_start);
    while !code.is_char_boundary(from) {
        from += 1;
    }
    code[from..at].to_string()
}

/// `code` with `swap` made at each of `ats`.
fn replace_at(code: &str, ats: &[usize], swap: &Swap) -> String {
    let mut out = code.to_string();
    let mut ats = ats.to_vec();
    ats.sort_unstable();
    for at in ats.into_iter().rev() {
        out.replace_range(at..at + swap.from.len(), swap.to);
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn a_closing_bracket_first_matches_nothing() {
        let code = b") (x)";
        assert_eq!(matching(code, &[true; 5], 0, (b'(', b')')), None);
        assert_eq!(matching(code, &[true; 5], 2, (b'(', b')')), Some(4));
    }

    fn focus(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn whats(code: &str, names: &[&str]) -> Vec<String> {
        mutants(code, &focus(names), &Guide::default())
            .into_iter()
            .map(|m| m.what)
            .collect()
    }

    const GCD: &str = "use super::*;

pub fn gcd(a: i64, b: i64) -> i64 {
    if a == 0 || b == 0 {
        return 0;
    }
    let (mut x, mut y) = (a, b);
    while y != 0 {
        let t = y;
        y = x % y;
        x = t;
    }
    x
}

pub fn lcm(a: i64, b: i64) -> i64 {
    if a == 0 || b == 0 { return 0; }
    a * b / gcd(a, b)
}
";

    #[test]
    fn an_early_return_is_deleted_first_in_the_failing_function_only() {
        let ms = mutants(GCD, &focus(&["gcd"]), &Guide::default());
        assert_eq!(
            ms[0].what,
            "deleted `if a == 0 || b == 0 { return 0; }` in `gcd`"
        );
        assert!(!ms[0].code.contains("        return 0;"));
        assert!(
            ms[0].code.contains("if a == 0 || b == 0 { return 0; }"),
            "lcm untouched"
        );
        assert!(ms.iter().all(|m| m.what.ends_with("in `gcd`")), "{ms:#?}");
    }

    #[test]
    fn a_step_done_twice_behind_an_if_is_deleted() {
        // The evaluation's money formatting: `{:.2}` of a negative amount writes its sign,
        // and the model put another in front.
        let code = "pub fn format(cents: i64) -> String {
    let mut formatted = format!(\"{:.2}\", cents as f64 / 100.0);
    if cents < 0 {
        formatted.insert(0, '-');
    }
    formatted
}
";
        let ms = mutants(code, &focus(&["format"]), &Guide::default());
        let deleted = ms
            .iter()
            .find(|m| m.what == "deleted `if cents < 0 { formatted.insert(0, '-'); }` in `format`")
            .expect("the step deleted");
        assert!(!deleted.code.contains("insert"), "{}", deleted.code);
        let looping = "pub fn first(xs: &[i64]) -> i64 {\n    let mut i = 0;\n    loop {\n        if xs[i] > 0 {\n            break;\n        }\n        i += 1;\n    }\n    xs[i]\n}\n";
        let ms = mutants(looping, &focus(&["first"]), &Guide::default());
        assert!(
            ms.iter().all(|m| m.code.contains("break;")),
            "a loop keeps its way out: {ms:#?}"
        );
        assert!(deleted.code.contains("    formatted\n}"));
    }

    #[test]
    fn an_overflow_tries_the_remainder_in_i64_first() {
        let code = "pub fn shift(s: &str, k: i64) -> String {
    s.chars()
        .map(|c| if c.is_ascii_lowercase() { ((c as u8 - b'a' + k as u8) % 26 + b'a') as char } else { c })
        .collect()
}
";
        let overflow = Guide {
            overflow: true,
            ..Guide::default()
        };
        let ms = mutants(code, &focus(&["shift"]), &overflow);
        assert!(ms[0].what.contains("rem_euclid(26)"), "{ms:#?}");
        assert!(
            ms[0].code.contains(
                "(((c as i64 - (b'a' as i64) + k as i64).rem_euclid(26) as u8) + b'a') as char"
            ),
            "{}",
            ms[0].code
        );
        let unguided = mutants(code, &focus(&["shift"]), &Guide::default());
        assert!(unguided.iter().all(|m| !m.what.contains("rem_euclid")));
    }

    #[test]
    fn a_failing_function_brings_the_functions_it_calls() {
        let w = whats(GCD, &["lcm"]);
        assert!(w.iter().any(|w| w.contains("in `lcm`")), "{w:?}");
        assert!(w.iter().any(|w| w.contains("in `gcd`")), "{w:?}");
    }

    #[test]
    fn ranges_comparisons_and_a_repeated_slip() {
        let code = "pub fn is_prime(n: i64) -> bool {
    if n < 2 {
        return false;
    }
    for d in 2..=(n as f64).sqrt() as i64 + 1 {
        if n % d == 0 { return false; }
    }
    true
}

pub fn balanced(s: &str) -> bool {
    let mut st = Vec::new();
    for c in s.chars() {
        match c {
            '(' | '{' => st.push(c),
            ')' => if st.pop().map_or(false, |c| c != '(') { return false; },
            '}' => if st.pop().map_or(false, |c| c != '{') { return false; },
            _ => {}
        }
    }
    st.is_empty()
}
";
        let prime = mutants(code, &focus(&["is_prime"]), &Guide::default());
        let fixed = prime
            .iter()
            .find(|m| m.what == "`..` for `..=` in `is_prime`")
            .expect("the range swap");
        assert!(fixed.code.contains("for d in 2..(n as f64)"));
        let w: Vec<&str> = prime.iter().map(|m| m.what.as_str()).collect();
        assert!(w.contains(&"`<=` for `<` in `is_prime`"), "{w:?}");
        assert!(w.contains(&"dropped `+ 1` in `is_prime`"), "{w:?}");
        assert!(
            w.contains(&"deleted `if n < 2 { return false; }` in `is_prime`"),
            "{w:?}"
        );

        let brackets = mutants(code, &focus(&["balanced"]), &Guide::default());
        let all = brackets
            .iter()
            .find(|m| m.what == "`true` for `false` after `.map_or(` in 2 places")
            .expect("the repeated slip, fixed at once");
        assert_eq!(all.code.matches("map_or(true,").count(), 2);
        assert_eq!(
            all.code.matches("return false;").count(),
            4,
            "only after `map_or(`: {}",
            all.code
        );
        // The characters '(' and '{' are not code: no braces miscounted, no edits there.
        assert!(brackets.iter().all(|m| m.code.contains("'(' | '{'")));
    }

    #[test]
    fn an_unwrapped_pop_compared_becomes_an_option_compared() {
        let code = "pub fn balanced(s: &str) -> bool {
    let mut stack = Vec::new();
    for c in s.chars() {
        match c {
            '(' | '[' => stack.push(c),
            ')' => if stack.pop().unwrap() != '(' { return false; },
            ']' => if stack.pop().unwrap() != '[' { return false; },
            _ => continue,
        }
    }
    stack.is_empty()
}
";
        let ms = mutants(code, &focus(&["balanced"]), &Guide::default());
        let m = ms
            .iter()
            .find(|m| m.what.starts_with("`x != Some(y)`"))
            .expect("the unwrap mutant");
        assert!(
            m.code
                .contains("if stack.pop() != Some('(') { return false; }"),
            "{}",
            m.code
        );
        assert!(m
            .code
            .contains("if stack.pop() != Some('[') { return false; }"));
    }

    #[test]
    fn a_queue_taken_from_its_newest_end_is_taken_from_its_oldest() {
        let code = "pub fn pop(&mut self) -> Option<i64> {
    self.items.pop()
}

pub fn take(&mut self) -> Option<i64> {
    self.queue.pop_back()
}
";
        let ms = mutants(code, &focus(&["pop", "take"]), &Guide::default());
        assert!(
            ms.iter().any(|m| m
                .code
                .contains("    (!self.items.is_empty()).then(|| self.items.remove(0))\n")),
            "{ms:?}"
        );
        assert!(
            ms.iter().any(|m| m.code.contains("self.queue.pop_front()")),
            "{ms:?}"
        );
        // A receiver the text does not name whole is left alone.
        let odd = "pub fn f(v: Vec<Vec<i64>>) -> Option<i64> {\n    v[0].clone().pop()\n}\n";
        assert!(mutants(odd, &focus(&["f"]), &Guide::default())
            .iter()
            .all(|m| !m.code.contains("remove(0)")));
    }

    /// The suite's ring buffer as the model wrote it (two slips: the pushed value dropped
    /// when full, the newest taken by `pop`) is mended by two rounds of edits.
    #[test]
    fn two_rounds_mend_a_ring_buffer_s_two_slips() {
        let code = "impl RingBuffer {
    pub fn push(&mut self, x: i64) -> Option<i64> {
        if self.data.len() == self.capacity as usize {
            Some(self.data.remove(0))
        } else {
            self.data.push(x);
            None
        }
    }

    pub fn pop(&mut self) -> Option<i64> {
        self.data.pop()
    }
}
";
        let all = focus(&["push", "pop"]);
        let first = mutants(code, &all, &Guide::default());
        let pushed = first
            .iter()
            .find(|m| m.what.starts_with("`self.data.push(x);` in both branches"))
            .expect("the push copied");
        let second = mutants(&pushed.code, &all, &Guide::default());
        let mended = second
            .iter()
            .find(|m| m.what.starts_with("the first element for `.pop()`"))
            .expect("the pop from the front");
        assert!(
            mended.code.contains(
                "            self.data.push(x);\n            Some(self.data.remove(0))\n"
            ) && mended
                .code
                .contains("        (!self.data.is_empty()).then(|| self.data.remove(0))\n"),
            "{}",
            mended.code
        );
    }

    #[test]
    fn strings_and_comments_are_never_edited() {
        let code = "pub fn f(x: i64) -> String {\n    // x < 1 is true\n    let s = \"a < b == true\";\n    format!(\"{s}{x}\")\n}\n";
        assert!(mutants(code, &focus(&["f"]), &Guide::default()).is_empty());
    }

    #[test]
    fn escaped_quotes_and_raw_strings_are_not_code() {
        let code = "pub fn f(c: char) -> bool {\n    let s = r#\"a < b \"quoted\" == true\"#;\n    c == '\\'' || s.len() < 3\n}\n";
        let w = whats(code, &["f"]);
        assert_eq!(
            w,
            vec![
                "`<=` for `<` in `f`",
                "`!=` for `==` in `f`",
                "`&&` for `||` in `f`"
            ],
            "only the three operators outside the literals"
        );
    }

    #[test]
    fn struct_updates_and_declarations_are_left_alone() {
        let code =
            "trait T { fn g(&self) -> i64; }\npub fn f(p: P) -> P {\n    P { x: 1, ..p }\n}\n";
        let w = whats(code, &["f"]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            whats("pub fn h(n: i64) -> i64 { (0..n).sum() }\n", &["h"]),
            vec!["`..=` for `..` in `h`"]
        );
    }

    /// A verdict of code that compiled and failed the tests `names`.
    pub(in crate::build) fn failing(names: &[&str]) -> Verdict {
        use crate::build::cargo::{TestFailure, TestOutcome};
        Verdict {
            tests: TestOutcome {
                failed: names
                    .iter()
                    .map(|n| TestFailure {
                        name: n.to_string(),
                        output: String::new(),
                    })
                    .collect(),
                ..TestOutcome::default()
            },
            ..Verdict::default()
        }
    }

    #[test]
    fn an_overflow_where_the_test_expected_its_error_is_checked_first() {
        let mut verdict = failing(&["example_add_3"]);
        verdict.tests.failed[0].output =
            "thread 'example_add_3' panicked at src/m/imp.rs:2:15:\nattempt to add with overflow\n"
                .into();
        let tests_rs = "/// `example add(9223372036854775807, 1) == err(MathError.Overflow)`\n#[test]\nfn example_add_3() {\n}\n";
        let guide = guide(&verdict, tests_rs);
        let code = "pub fn add(a: i64, b: i64) -> Result<i64, MathError> {\n    let sum = a + b;\n    Ok(sum)\n}\n";
        let ms = mutants(code, &focus(&["add"]), &guide);
        assert_eq!(
            ms.first().map(|m| m.code.as_str()),
            Some("pub fn add(a: i64, b: i64) -> Result<i64, MathError> {\n    let sum = a.checked_add(b).ok_or(MathError::Overflow)?;\n    Ok(sum)\n}\n")
        );
    }

    #[test]
    fn the_variant_a_test_expected_replaces_the_one_it_got_place_by_place() {
        let mut v = failing(&["example_parse_ipv4_10"]);
        v.tests.failed[0].output = "`example parse_ipv4(\"1.2.3.99999999999999999999\") == err(Ipv4Error.OutOfRange(\"99999999999999999999\"))` does not hold\n   left: Err(NotANumber(\"99999999999999999999\"))\n  right: Err(OutOfRange(\"99999999999999999999\"))".into();
        let g = guide(&v, "");
        assert_eq!(
            g.variants,
            vec![("NotANumber".to_string(), "OutOfRange".to_string())]
        );
        assert!(!g.one_more);
        let code = "pub fn parse_ipv4(s: &str) -> Result<i64, Ipv4Error> {
    if s.is_empty() {
        return Err(Ipv4Error::NotANumber(s.to_string()));
    }
    match s.parse::<i64>() {
        Ok(n) => Ok(n),
        Err(_) => Err(Ipv4Error::NotANumber(s.to_string())),
    }
}
";
        let ms = mutants(code, &focus(&["parse_ipv4"]), &g);
        assert_eq!(ms[0].what, "`OutOfRange` for `NotANumber` in `parse_ipv4`");
        assert!(ms[0]
            .code
            .contains("return Err(Ipv4Error::OutOfRange(s.to_string()));"));
        assert!(ms[1]
            .code
            .contains("Err(_) => Err(Ipv4Error::OutOfRange(s.to_string())),"));
        assert!(ms[1]
            .code
            .contains("return Err(Ipv4Error::NotANumber(s.to_string()));"));
        // A name inside a printed string is not a variant; `Some` and `Err` are not either.
        assert_eq!(variant_names("Some(Red(\"Blue\"))"), vec!["Red"]);
        assert_eq!(variant_names("Red(\"say \\\"Blue\\\" 7\")"), vec!["Red"]);
        assert_eq!(numbers("Bad(\"x \\\" 7\", 3)"), vec![3]);
        // Names that differ in more than one place, or values of two shapes: no swap.
        let mut v = failing(&["example_parse_1"]);
        v.tests.failed[0].output = "   left: Ok(Config(Red))\n  right: Err(Bad)".into();
        assert!(guide(&v, "").variants.is_empty());
    }

    #[test]
    fn numbers_one_short_count_from_one_and_zeroed_buffers_start_empty() {
        let mut v = failing(&["example_parse_4"]);
        v.tests.failed[0].output =
            "`example ..` does not hold\n   left: Err(MissingEquals(1))\n  right: Err(MissingEquals(2))".into();
        let g = guide(&v, "");
        assert!(g.one_more && g.variants.is_empty(), "{g:?}");
        let code = "pub fn parse(t: &str) -> Result<i64, E> {
    for (n, line) in t.lines().enumerate() {
        if line.is_empty() {
            return Err(E::MissingEquals(n as i64));
        }
    }
    Ok(0)
}
";
        let ms = mutants(code, &focus(&["parse"]), &g);
        assert_eq!(ms[0].what, "counted from 1 in `parse`");
        assert!(ms[0]
            .code
            .contains("t.lines().enumerate().map(|(i, x)| (i + 1, x))"));
        assert!(mutants(code, &focus(&["parse"]), &Guide::default())
            .iter()
            .all(|m| !m.what.starts_with("counted")));

        let code = "pub fn new(capacity: i64) -> Self {
    S { items: vec![0; capacity as usize], more: smallvec![0; 4], n: vec![0; a[1]] }
}
";
        let ms = mutants(code, &focus(&["new"]), &Guide::default());
        assert_eq!(
            ms[0].code,
            "pub fn new(capacity: i64) -> Self {\n    S { items: Vec::with_capacity(capacity as usize), more: smallvec![0; 4], n: vec![0; a[1]] }\n}\n"
        );
        assert!(ms[1].code.contains("n: Vec::with_capacity(a[1]) }"));
        assert!(ms.iter().all(|m| m.code.contains("smallvec![0; 4]")));
        assert_eq!(numbers("Err(Bad(-3, \"7\"))"), vec![-3]);
    }

    #[test]
    fn the_failing_clauses_name_the_functions_to_edit() {
        let tests_rs = "/// `example gcd(0, 9) == lcm(1, 1) * 9`\n#[test]\nfn example_gcd_3() {\n}\n\n/// scenario \"fills up\"\n#[test]\nfn scenario_fills_up() {\n}\n";
        assert_eq!(
            failing_functions(&failing(&["example_gcd_3"]), tests_rs),
            focus(&["gcd", "lcm"])
        );
        assert!(failing_functions(&failing(&["scenario_fills_up"]), tests_rs).is_empty());
    }

    #[test]
    fn only_code_that_runs_and_fails_a_few_tests_is_worth_it() {
        assert!(worth_trying(&failing(&["a"])));
        assert!(!worth_trying(&failing(&[])), "green already");
        assert!(worth_trying(&failing(&["a", "b", "c", "d", "e", "f"])));
        assert!(!worth_trying(&failing(&[
            "a", "b", "c", "d", "e", "f", "g"
        ])));
        let mut hung = failing(&["a"]);
        hung.tests.timed_out = true;
        assert!(!worth_trying(&hung));
    }

    #[test]
    fn at_most_max_mutants_and_none_twice() {
        let body: String = (0..40)
            .map(|i| format!("    if x > {i} {{ y += 1; }}\n"))
            .collect();
        let code = format!("pub fn f(x: i64) -> i64 {{\n    let mut y = 0;\n{body}    y\n}}\n");
        let ms = mutants(&code, &focus(&["f"]), &Guide::default());
        assert_eq!(ms.len(), MAX_MUTANTS);
        let distinct: BTreeSet<&String> = ms.iter().map(|m| &m.code).collect();
        assert_eq!(distinct.len(), ms.len());
    }
}
