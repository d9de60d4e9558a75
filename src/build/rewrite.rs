//! Rewrites: which functions of a failed attempt a repair asks the model to write anew,
//! and the attempt's code with their bodies taken out.
//!
//! In: the attempt's code, its verdict, the module's acceptance tests and the path of its
//! `imp.rs`. Out: the names of the functions the failure points at (the suspects) and
//! the code with a `// TODO` comment in place of each one's body.
//!
//! Why: shown its whole failed code, a small model hands it back unchanged, even when its
//! own words name the bug (docs/evals.md); shown the code without the bodies that failed,
//! it has to write them again, with the failure in front of it, and keeps the rest.
//!
//! The suspects are read off the failure: the function around each compiler error in
//! `imp.rs` or a panic inside it, the functions a failing example or property calls (its
//! clause, the `///` line above its test), and, for a scenario, the functions its failing
//! step calls with the constructors and `&mut self` methods its earlier steps call (not
//! the getters, which only read the state the others made).

use std::collections::BTreeSet;
use std::path::Path;

use super::mutants::{code_mask, functions};
use super::verify::Verdict;
use crate::compile::rust::items::line_indent;

/// The comment left where a suspect's body was.
pub const HOLE: &str = "// TODO: write this body anew";

/// The attempt's code with some bodies taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holed {
    pub code: String,
    /// The functions whose bodies were taken out, in the order they appear.
    pub functions: Vec<String>,
}

/// The functions of `code` that `verdict`'s failures point at.
/// The type a compiler error says it cannot find (`cannot find type `Stack` in this
/// scope`, `cannot find struct, variant or union type `Stack``), or that mod.rs cannot
/// re-export from imp.rs (`unresolved import `imp::Stack``: `impl Stack` without the
/// struct; a capitalised name, as the interface's types are, not a function).
fn missing_type(rendered: &str) -> Option<String> {
    let first = rendered.lines().next()?;
    if let Some(rest) = first.split_once("unresolved import `imp::") {
        let name = rest.1.split('`').next()?;
        return name
            .starts_with(|c: char| c.is_ascii_uppercase())
            .then(|| name.to_string());
    }
    let rest = first
        .split_once("cannot find type `")
        .or_else(|| first.split_once("cannot find struct, variant or union type `"))?
        .1;
    Some(rest.split('`').next()?.to_string())
}

/// Whether `code` declares a struct, enum or type alias named `name`.
fn declares(code: &str, name: &str) -> bool {
    ["struct", "enum", "type"].iter().any(|kw| {
        code.match_indices(&format!("{kw} {name}")).any(|(at, m)| {
            !code[at + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
    })
}

pub fn suspects(
    code: &str,
    verdict: &Verdict,
    tests_rs: &str,
    imp_path: &Path,
) -> BTreeSet<String> {
    let mask = code_mask(code);
    let fns = functions(code, &mask);
    let imp = imp_path.to_string_lossy().replace('\\', "/");
    let mut out = BTreeSet::new();
    let t = &verdict.tests;
    if !t.errors.is_empty() {
        // A type the code uses and never declares (a struct left out): no body can mend
        // that, so the repair shows the code whole and asks for it whole.
        if t.errors
            .iter()
            .any(|e| missing_type(&e.rendered).is_some_and(|ty| !declares(code, &ty)))
        {
            return BTreeSet::new();
        }
        for e in t.errors.iter().filter(|e| !e.is_closing_count()) {
            let in_imp = e
                .file
                .as_deref()
                .is_some_and(|f| f.replace('\\', "/") == imp);
            if let (true, Some(line)) = (in_imp, e.line) {
                out.extend(around(code, &fns, line));
            }
        }
        return out;
    }
    let defined: BTreeSet<&str> = fns.iter().map(|(n, _, _)| n.as_str()).collect();
    let of_code = |names: BTreeSet<String>| {
        names
            .into_iter()
            .filter(|n| defined.contains(n.as_str()))
            .collect::<Vec<_>>()
    };
    for f in &t.failed {
        if let Some(line) = panic_line(&f.output, &imp) {
            out.extend(around(code, &fns, line));
        }
        if let Some(clause) = super::lessons::clause_of(tests_rs, &f.name) {
            out.extend(of_code(called(&clause)));
        }
        if f.name.starts_with("scenario_") {
            let stopped = stopped_at(&f.output);
            let up_to = failed_line(&f.output, tests_rs, &f.name);
            let steps = test_body(tests_rs, &f.name, up_to);
            // The steps call the interface through the tests' own wrappers
            // (`checked::__0m__RingBuffer__new(3)` checks `requires`, then calls `new`).
            let mut names = called(&steps);
            for wrapper in names.clone() {
                names.extend(called(&test_body(tests_rs, &wrapper, None)));
            }
            // The failing step's own calls, and the earlier steps' that make or change
            // the state it reads (not the getters, which read it too).
            // An `ensures` broken in the tests' wrapper quotes the clause (no call in
            // it, often): the step names the function.
            let mut failing_step = failed_clause(&f.output).map(called).unwrap_or_default();
            failing_step.extend(stopped.map(|(step, _)| called(step)).unwrap_or_default());
            out.extend(
                of_code(names)
                    .into_iter()
                    .filter(|n| failing_step.contains(n) || changes_state(code, &fns, n)),
            );
        }
    }
    if let Some(hung) = &t.hung {
        if let Some(clause) = super::lessons::clause_of(tests_rs, hung) {
            out.extend(of_code(called(&clause)));
        }
    }
    out
}

/// How far the failing scenarios of `verdict` got: the lines of their tests run before
/// the steps that failed, summed (one that failed outside its own lines, in the
/// implementation or the tests' wrappers, by the step it says it stopped at; without
/// that, 0). A repair that mends a scenario's first failing step fails the same tests at
/// a later step: closer, though no fewer tests fail.
pub fn scenario_progress(verdict: &Verdict, tests_rs: &str) -> usize {
    let lines: Vec<&str> = tests_rs.lines().collect();
    verdict
        .tests
        .failed
        .iter()
        .filter(|f| f.name.starts_with("scenario_"))
        .filter_map(|f| {
            let failed_at = failed_line(&f.output, tests_rs, &f.name)?;
            let start = super::lessons::test_line(&lines, &f.name)? + 1;
            Some(failed_at.saturating_sub(start))
        })
        .sum()
}

/// `code` with the bodies of `names` taken out (a nested function goes with the body
/// around it).
pub fn hole(code: &str, names: &BTreeSet<String>) -> Holed {
    let mask = code_mask(code);
    let mut fns: Vec<(String, usize, usize)> = functions(code, &mask)
        .into_iter()
        .filter(|(n, _, _)| names.contains(n))
        .collect();
    fns.sort_by_key(|(_, open, _)| *open);
    let mut out = String::with_capacity(code.len());
    let mut taken = Vec::new();
    let mut at = 0;
    for (name, open, close) in fns {
        if open < at {
            continue;
        }
        let indent = line_indent(code, open);
        out.push_str(&code[at..open]);
        out.push_str(&format!("\n{indent}    {HOLE}\n{indent}"));
        at = close;
        if !taken.contains(&name) {
            taken.push(name);
        }
    }
    out.push_str(&code[at..]);
    Holed {
        code: out,
        functions: taken,
    }
}

/// The functions whose text (from `fn` to the closing brace) holds 1-based `line`.
fn around(code: &str, fns: &[(String, usize, usize)], line: u32) -> Vec<String> {
    let Some(start) = code
        .split_inclusive('\n')
        .scan(0, |at, l| {
            let s = *at;
            *at += l.len();
            Some(s)
        })
        .nth(line.saturating_sub(1) as usize)
    else {
        return Vec::new();
    };
    let end = code[start..].find('\n').map_or(code.len(), |n| start + n);
    // The innermost function around the line (its signature counts: rustc points at a
    // return type for a missing tail expression): the one whose body opens last.
    fns.iter()
        .filter(|(_, open, close)| fn_head(code, *open) <= end && start <= *close)
        .max_by_key(|(_, open, _)| *open)
        .map(|(n, _, _)| vec![n.clone()])
        .unwrap_or_default()
}

/// The clause a failed step quotes: "`expect r.push(1) == none` does not hold".
fn failed_clause(output: &str) -> Option<&str> {
    let end = output.find("` does not hold")?;
    let start = output[..end].rfind('`')? + 1;
    Some(&output[start..end])
}

/// Whether function `name` of `code` makes or changes a value: it takes `&mut self`, or
/// no `self` at all (a constructor).
fn changes_state(code: &str, fns: &[(String, usize, usize)], name: &str) -> bool {
    fns.iter()
        .filter(|(n, _, _)| n == name)
        .any(|(_, open, _)| {
            let signature = &code[fn_head(code, *open)..*open];
            signature.contains("&mut self") || !signature.contains("self")
        })
}

/// Where the `fn` of the function whose body opens at `open` starts.
fn fn_head(code: &str, open: usize) -> usize {
    code[..open].rfind("fn ").unwrap_or(open)
}

/// The line of `panicked at FILE:LINE:COL` in a test's output, for `file` (written with
/// `/`; Windows prints `\`).
fn panic_line(output: &str, file: &str) -> Option<u32> {
    let output = output.replace('\\', "/");
    let at = output.find(&format!("panicked at {file}:"))? + "panicked at ".len() + file.len() + 1;
    output[at..]
        .split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
}

/// The last line of scenario `name` (1-based, in `tests_rs`) that ran when it failed:
/// where it panicked when that is in its own lines (an `expect`), else the end of the
/// step it says it stopped at (a panic in the implementation, or in the tests' wrappers
/// above it: an `ensures` the code broke). A step's statements may take several lines.
fn failed_line(output: &str, tests_rs: &str, name: &str) -> Option<usize> {
    let lines: Vec<&str> = tests_rs.lines().collect();
    let head = super::lessons::test_line(&lines, name)? + 1;
    let in_test = file_name_of(output)
        .and_then(|file| panic_line(output, &format!("tests/{file}")))
        .map(|l| l as usize)
        .filter(|l| *l > head);
    if in_test.is_some() {
        return in_test;
    }
    let marker = stopped_at(output)?.1 as usize;
    // Up to the next step's marker, or the end of the test.
    let next = lines
        .iter()
        .enumerate()
        .skip(marker)
        .find(|(_, l)| l.trim_start().starts_with(crate::compile::rust::STEP_SET) || **l == "}")
        .map_or(lines.len(), |(i, _)| i);
    Some(next.max(marker))
}

/// The step a scenario's test says it stopped at when the code panicked, and the line of
/// its marker in the tests file: `the scenario stopped at its step `r.pop()`
/// (tests/stateful_ring.rs:18)`, as the generated tests print it.
fn stopped_at(output: &str) -> Option<(&str, u32)> {
    let marker = format!("{} `", crate::compile::rust::STEP_STOPPED);
    let at = output.rfind(&marker)? + marker.len();
    let rest = &output[at..];
    let end = rest.rfind("` (")?;
    let line = rest[end..].lines().next()?.trim_end().strip_suffix(')')?;
    let line = line.rsplit(':').next()?.parse().ok()?;
    Some((&rest[..end], line))
}

/// The file name of the test file a test panicked in (`stateful_ring.rs`).
fn file_name_of(output: &str) -> Option<String> {
    let output = output.replace('\\', "/");
    let at = output.find("panicked at tests/")? + "panicked at tests/".len();
    output[at..].split(':').next().map(str::to_string)
}

/// The lines of test `name` in `tests_rs`, up to 1-based line `up_to` (the whole test
/// when `None`).
fn test_body(tests_rs: &str, name: &str, up_to: Option<usize>) -> String {
    let lines: Vec<&str> = tests_rs.lines().collect();
    let Some(start) = super::lessons::test_line(&lines, name) else {
        return String::new();
    };
    // The body ends at the first `}` as far in as the `fn` line.
    let indent = lines[start].len() - lines[start].trim_start().len();
    let close = format!("{}}}", &lines[start][..indent]);
    let end = match up_to {
        Some(n) if n > start => n.min(lines.len()),
        _ => lines[start..]
            .iter()
            .position(|l| *l == close)
            .map_or(lines.len(), |n| start + n + 1),
    };
    lines[start + 1..end].join("\n")
}

/// The names called in `text` (`name(` not preceded by a letter, digit or `_`).
pub(super) fn called(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices('(') {
        // After the last character that cannot be in a name (which may be more than
        // one byte long: `«`, `—`).
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(n, c)| n + c.len_utf8());
        if start < at && !b[start].is_ascii_digit() {
            out.insert(text[start..at].to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::cargo::{CompilerMessage, TestFailure, TestOutcome};

    const RING: &str = "use super::*;

pub struct RingBuffer {
    buffer: Vec<i64>,
}

impl RingBuffer {
    pub fn new(capacity: i64) -> Self {
        RingBuffer { buffer: vec![0; capacity as usize] }
    }

    pub fn push(&mut self, x: i64) -> Option<i64> {
        self.buffer.push(x);
        None
    }

    pub fn len(&self) -> i64 {
        self.buffer.len() as i64
    }
}
";

    const TESTS: &str = "mod checked {
    pub fn __0m__RingBuffer__new(capacity: i64) -> RingBuffer {
        RingBuffer::new(capacity)
    }
}

/// `example len_of(3) == 3`
#[test]
fn example_len_of_1() {
    assert_eq!(len_of(3), 3);
}

/// scenario \"fills up\"
#[test]
fn scenario_fills_up() {
    let mut r = checked::__0m__RingBuffer__new(3);
    assert_eq!(r.push(1), None);
    assert_eq!(r.len(), 1);
}
";

    fn failed(name: &str, output: &str) -> Verdict {
        Verdict {
            tests: TestOutcome {
                failed: vec![TestFailure {
                    name: name.into(),
                    output: output.into(),
                }],
                ..TestOutcome::default()
            },
            ..Verdict::default()
        }
    }

    fn names(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// A scenario as the tests file has it: each step after its marker, a function
    /// with an `ensures` called through its wrapper above the test.
    const MARKED: &str = "mod checked {
    pub fn __0m__RingBuffer__len(__this: &RingBuffer) -> i64 {
        let result: i64 = __this.len();
        assert!(
            result >= 0,
            \"`{}` does not hold for self = {:?}, result = {:?}\",
            \"ensures result >= 0\",
            __this,
            result
        );
        result
    }
}

/// scenario \"fills up\"
#[test]
fn scenario_fills_up() {
    let mut __at: __Step;
    __at = __Step(\"let r = RingBuffer.new(3)\", line!());
    let mut r = RingBuffer::new(3);
    __at = __Step(\"expect r.push(1) == none\", line!());
    {
        let __left: Option<i64> = r.push(1);
        assert!(__left == None);
    }
    __at = __Step(\"expect r.len() == 1\", line!());
    {
        let __left: i64 = checked::__0m__RingBuffer__len(&r);
        assert!(__left == 1);
    }
}
";

    /// A panic in the implementation names no line of the test, and an `ensures` the
    /// code broke panics in the wrapper, above the test's own lines:
    /// the step the test stopped at says how far it got and which function to suspect
    /// (the clause, `result >= 0`, calls none); a later step is further than an earlier
    /// one's panic in the implementation.
    #[test]
    fn a_scenario_that_broke_an_ensures_at_a_later_step_got_further() {
        let ensures = failed(
            "scenario_fills_up",
            "thread 'scenario_fills_up' panicked at tests/stateful_ring.rs:4:9:\n`ensures result >= 0` does not hold for self = RingBuffer { buffer: [1] }, result = -1\nthe scenario stopped at its step `expect r.len() == 1` (tests/stateful_ring.rs:26)",
        );
        let s = suspects(
            RING,
            &ensures,
            MARKED,
            Path::new("src/stateful/ring/imp.rs"),
        );
        assert_eq!(s, names(&["len", "new", "push"]));
        let earlier = failed(
            "scenario_fills_up",
            "thread 'scenario_fills_up' panicked at src/stateful/ring/imp.rs:13:9:\nboom\nthe scenario stopped at its step `expect r.push(1) == none` (tests/stateful_ring.rs:21)",
        );
        assert_eq!(
            stopped_at(&earlier.tests.failed[0].output),
            Some(("expect r.push(1) == none", 21))
        );
        let s = suspects(
            RING,
            &earlier,
            MARKED,
            Path::new("src/stateful/ring/imp.rs"),
        );
        assert_eq!(s, names(&["new", "push"]), "not `len`, called after it");
        assert!(
            scenario_progress(&ensures, MARKED) > scenario_progress(&earlier, MARKED),
            "{} {}",
            scenario_progress(&ensures, MARKED),
            scenario_progress(&earlier, MARKED)
        );
    }

    #[test]
    fn a_scenario_suspects_what_its_steps_call_up_to_the_failing_one() {
        let v = failed(
            "scenario_fills_up",
            "thread 'scenario_fills_up' panicked at tests/stateful_ring.rs:17:5:\n`expect r.push(1) == none` does not hold",
        );
        let s = suspects(RING, &v, TESTS, Path::new("src/stateful/ring/imp.rs"));
        assert_eq!(s, names(&["new", "push"]));
        // Failing at `r.len()`: the getter and what changed the state before it, not
        // the getter alone.
        let v = failed(
            "scenario_fills_up",
            "thread 'scenario_fills_up' panicked at tests/stateful_ring.rs:18:5:\n`expect r.len() == 1` does not hold",
        );
        let s = suspects(RING, &v, TESTS, Path::new("src/stateful/ring/imp.rs"));
        assert_eq!(s, names(&["len", "new", "push"]));
        let getter_before = TESTS.replace(
            "    assert_eq!(r.push(1), None);\n",
            "    assert_eq!(r.len(), 0);\n",
        );
        let v = failed(
            "scenario_fills_up",
            "thread 'scenario_fills_up' panicked at tests/stateful_ring.rs:18:5:\n`expect r.push(1) == none` does not hold",
        );
        let s = suspects(
            RING,
            &v,
            &getter_before,
            Path::new("src/stateful/ring/imp.rs"),
        );
        assert_eq!(
            s,
            names(&["new"]),
            "a getter before the failing step is not suspected"
        );
    }

    #[test]
    fn an_example_suspects_the_functions_its_clause_calls() {
        let code = "pub fn len_of(n: i64) -> i64 {\n    helper(n)\n}\n\nfn helper(n: i64) -> i64 {\n    n\n}\n";
        let v = failed("example_len_of_1", "left: 2\nright: 3");
        let s = suspects(code, &v, TESTS, Path::new("src/a/imp.rs"));
        assert_eq!(s, names(&["len_of"]));
    }

    #[test]
    fn a_panic_inside_imp_rs_suspects_the_function_around_it() {
        // Windows prints the path with `\`.
        for path in ["src/stateful/ring/imp.rs", "src\\stateful\\ring\\imp.rs"] {
            let v = failed(
                "example_len_of_1",
                &format!("thread 'x' panicked at {path}:13:9:\nindex out of bounds"),
            );
            let s = suspects(RING, &v, "", Path::new("src/stateful/ring/imp.rs"));
            assert_eq!(s, names(&["push"]), "{path}");
        }
    }

    #[test]
    fn compiler_errors_suspect_the_functions_they_are_in_and_nothing_else() {
        let error = |file: &str, line: u32| CompilerMessage {
            level: "error".into(),
            file: Some(file.into()),
            line: Some(line),
            column: Some(1),
            rendered: "error[E0308]: mismatched types".into(),
            suggestion: None,
        };
        // A body's line, and a signature's (rustc points at the return type for a
        // missing tail expression), in a path as Windows writes it.
        for (imp, line) in [
            ("src/stateful/ring/imp.rs", 18),
            ("src\\stateful\\ring\\imp.rs", 17),
        ] {
            let v = Verdict {
                tests: TestOutcome {
                    errors: vec![error(imp, line), error("tests/stateful_ring.rs", 3)],
                    ..TestOutcome::default()
                },
                ..Verdict::default()
            };
            let s = suspects(RING, &v, TESTS, Path::new("src/stateful/ring/imp.rs"));
            assert_eq!(s, names(&["len"]), "{imp}:{line}");
        }
    }

    #[test]
    fn a_type_the_code_never_declares_asks_for_the_code_whole() {
        let missing = CompilerMessage {
            level: "error".into(),
            file: Some("src/stateful/ring/imp.rs".into()),
            line: Some(18),
            column: Some(1),
            rendered: "error[E0412]: cannot find type `Ring` in this scope".into(),
            suggestion: None,
        };
        let v = Verdict {
            tests: TestOutcome {
                errors: vec![missing],
                ..TestOutcome::default()
            },
            ..Verdict::default()
        };
        let s = suspects(RING, &v, TESTS, Path::new("src/stateful/ring/imp.rs"));
        assert!(s.is_empty(), "no body to take out: {s:?}");
        assert_eq!(
            missing_type(
                "error[E0422]: cannot find struct, variant or union type `Stack` in this scope"
            )
            .as_deref(),
            Some("Stack")
        );
        assert_eq!(
            missing_type("error[E0432]: unresolved import `imp::Inventory`").as_deref(),
            Some("Inventory")
        );
        assert_eq!(
            missing_type("error[E0432]: unresolved import `imp::total`"),
            None,
            "a function imp.rs lacks: its own repair"
        );
        assert!(declares("pub struct Stack {\n}", "Stack"));
        assert!(!declares("pub struct Stacks {\n}", "Stack"));
    }

    #[test]
    fn a_scenario_failing_at_a_later_step_made_progress() {
        let at = |line: u32| {
            failed(
                "scenario_fills_up",
                &format!("thread 'x' panicked at tests/stateful_ring.rs:{line}:5:\nleft: 1"),
            )
        };
        let early = scenario_progress(&at(17), TESTS);
        let late = scenario_progress(&at(18), TESTS);
        assert_eq!((early, late), (2, 3));
        assert_eq!(
            scenario_progress(&failed("example_len_of_1", "x"), TESTS),
            0
        );
    }

    #[test]
    fn holes_keep_signatures_and_everything_else() {
        let h = hole(RING, &names(&["new", "push"]));
        assert_eq!(h.functions, vec!["new", "push"]);
        assert!(h.code.contains(
            "    pub fn new(capacity: i64) -> Self {\n        // TODO: write this body anew\n    }\n"
        ));
        assert!(h.code.contains(
            "    pub fn push(&mut self, x: i64) -> Option<i64> {\n        // TODO: write this body anew\n    }\n"
        ));
        assert!(!h.code.contains("vec![0;"));
        assert!(h.code.contains("        self.buffer.len() as i64\n"));
        assert!(h
            .code
            .contains("pub struct RingBuffer {\n    buffer: Vec<i64>,\n}"));
    }

    #[test]
    fn names_after_text_in_any_script() {
        assert_eq!(
            called("example slug(\"«Hello(x)\") == \"—é(\""),
            names(&["Hello", "slug", "é"])
        );
    }

    #[test]
    fn a_nested_function_goes_with_its_outer_body() {
        let code = "pub fn f() -> i64 {\n    fn g() -> i64 { 1 }\n    g()\n}\n";
        let h = hole(code, &names(&["f", "g"]));
        assert_eq!(h.functions, vec!["f"]);
        assert_eq!(h.code, format!("pub fn f() -> i64 {{\n    {HOLE}\n}}\n"));
    }
}
