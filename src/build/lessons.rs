//! What a failed attempt got wrong, one line per failure, for the next fresh start.
//!
//! A small model shown its failed code and the test output tends to hand the same code
//! back; asked afresh, it may write something new but falls into the same misreading
//! (`gcd(0, 9)` returning 0) as often as not. A fresh start's prompt therefore carries
//! these lessons: each broken check as the spec wrote it with the values seen, a compiler
//! error's headline, a test that never finished; never the code. In: a [`Verdict`] and the
//! module's generated test file (whose `///` line above each test quotes the clause it
//! checks). Out: short lines, gathered over a module's attempts by [`Lessons`].

use super::verify::Verdict;

/// The lessons of a module's attempts so far, oldest first, each once.
#[derive(Debug, Clone, Default)]
pub struct Lessons {
    lines: Vec<String>,
}

/// At most this many lessons go into a prompt: the first ones are kept, since a model's
/// first misreadings are the ones it comes back to.
const MAX_LESSONS: usize = 8;
/// From one attempt: the first failing tests and compiler errors are the ones that
/// matter; later ones are often their consequences.
const MAX_TESTS_PER_ATTEMPT: usize = 4;
const MAX_ERRORS_PER_ATTEMPT: usize = 2;
/// A lesson is one line; a longer panic message or value is cut.
const MAX_CHARS: usize = 300;

impl Lessons {
    /// Adds what `verdict` says went wrong; `tests_rs` is the module's test file.
    pub fn learn(&mut self, verdict: &Verdict, tests_rs: &str) {
        for line in of_verdict(verdict, tests_rs) {
            if self.lines.len() < MAX_LESSONS && !self.lines.contains(&line) {
                self.lines.push(line);
            }
        }
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

/// One line for each thing `verdict` found wrong, in the order it found them.
pub fn of_verdict(verdict: &Verdict, tests_rs: &str) -> Vec<String> {
    let t = &verdict.tests;
    let mut out: Vec<String> = verdict
        .compiler_errors()
        .iter()
        .filter_map(|e| e.lines().next())
        .take(MAX_ERRORS_PER_ATTEMPT)
        .map(|headline| cut(&format!("did not compile: {}", headline.trim())))
        .collect();
    out.extend(
        t.failed
            .iter()
            .take(MAX_TESTS_PER_ATTEMPT)
            .map(|f| cut(&failed_test(&f.name, &f.output, tests_rs))),
    );
    if t.timed_out {
        let what = t
            .hung
            .as_deref()
            .map(|name| clause_of(tests_rs, name).unwrap_or_else(|| format!("test `{name}`")));
        out.push(match what {
            Some(what) => format!("{what} never finished: an endless loop or recursion"),
            None => "the tests never finished: an endless loop or recursion".to_string(),
        });
    }
    out.extend(
        verdict
            .checked
            .iter()
            .filter(|n| n.broken())
            .filter_map(|n| n.detail.lines().next())
            .map(cut),
    );
    out
}

/// `` `example gcd(0, 9) == 9` does not hold: left: 0, right: 9 ``, or the clause and
/// the panic: `` `example balanced(")") == false` panicked: called `Option::unwrap()`... ``.
fn failed_test(name: &str, output: &str, tests_rs: &str) -> String {
    let clause = clause_of(tests_rs, name).unwrap_or_else(|| format!("test `{name}`"));
    let message = panic_message(output);
    if message.is_empty() {
        return format!("{clause} failed");
    }
    // The checks' own messages quote the clause already: `` `example f(1) == 2` does
    // not hold``; a scenario's name the clause, its broken step the message.
    if message.contains(clause.trim_matches('`').trim()) {
        return message;
    }
    format!("{clause}: {message}")
}

/// The message of the last panic in a test's output, on one line: proptest's last panic
/// is the one with the minimal failing input. Backtraces, notes and proptest's tallies
/// (tab-indented) are left out.
fn panic_message(output: &str) -> String {
    let Some(at) = output.rfind("panicked at ") else {
        return String::new();
    };
    let after = &output[at..];
    // The message starts on the line after `panicked at file:line:col:`.
    let Some((_, body)) = after.split_once('\n') else {
        return String::new();
    };
    let mut parts: Vec<&str> = Vec::new();
    for line in body.lines() {
        let end = line.is_empty()
            || line.starts_with("stack backtrace:")
            || line.starts_with("note: ")
            || line.starts_with("(the same panic")
            || line.starts_with("(a panic here");
        if end {
            break;
        }
        if line.starts_with('\t') {
            continue;
        }
        parts.push(line.trim());
    }
    // `left: 0` and `right: 9` read as a list; a sentence already ends itself.
    let mut line = String::new();
    for part in parts {
        if !line.is_empty() {
            line.push_str(if line.ends_with('.') { " " } else { ", " });
        }
        line.push_str(part);
    }
    line
}

/// The clause a generated test checks, from the `///` line above `fn NAME(`: the spec's
/// text (`` `example f(1) == 2` ``, `` scenario "add" ``), or `None` for a test that
/// was not found.
pub(super) fn clause_of(tests_rs: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = tests_rs.lines().collect();
    let at = test_line(&lines, name)?;
    lines[..at]
        .iter()
        .rev()
        .take(3)
        .find_map(|l| l.trim_start().strip_prefix("/// "))
        .map(str::to_string)
}

/// The index of the line of the generated tests that opens function `name` (a test, or
/// a `pub fn` wrapper of `mod checked`).
pub(super) fn test_line(lines: &[&str], name: &str) -> Option<usize> {
    let head = format!("fn {name}(");
    lines.iter().position(|l| {
        let l = l.trim_start();
        l.strip_prefix("pub ").unwrap_or(l).starts_with(&head)
    })
}

/// A line of at most [`MAX_CHARS`] characters.
fn cut(line: &str) -> String {
    match line.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => format!("{} [...]", &line[..at]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::cargo::{CompilerMessage, TestFailure, TestOutcome};
    use crate::build::verify::NfrResult;

    const TESTS_RS: &str = r#"
/// `example gcd(0, 9) == 9`
#[test]
fn example_gcd_3() {
}

/// `example balanced(")") == false`
#[test]
fn example_balanced_7() {
}

proptest::proptest! {
    /// `property wrapped: forall s: string => balanced(s)`
    #[test]
    fn property_balanced_wrapped(s in any()) {
    }
}

/// scenario "add complete remove"
#[test]
fn scenario_add_complete_remove() {
}
"#;

    fn failing(tests: &[(&str, &str)]) -> Verdict {
        Verdict {
            tests: TestOutcome {
                failed: tests
                    .iter()
                    .map(|(name, output)| TestFailure {
                        name: name.to_string(),
                        output: output.to_string(),
                    })
                    .collect(),
                ..TestOutcome::default()
            },
            ..Verdict::default()
        }
    }

    #[test]
    fn a_broken_example_is_its_message_with_the_values() {
        let v = failing(&[(
            "example_gcd_3",
            "thread 'example_gcd_3' (23574) panicked at tests/algo_gcd.rs:111:5:\n`example gcd(0, 9) == 9` does not hold\n   left: 0\n  right: 9\nstack backtrace:\n   0: x",
        )]);
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["`example gcd(0, 9) == 9` does not hold, left: 0, right: 9"]
        );
    }

    #[test]
    fn a_panic_in_the_code_is_named_with_the_clause_it_broke() {
        let v = failing(&[(
            "example_balanced_7",
            "thread 'example_balanced_7' (1) panicked at src/algo/brackets/imp.rs:10:35:\ncalled `Option::unwrap()` on a `None` value\nnote: Some details are omitted",
        )]);
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["`example balanced(\")\") == false`: called `Option::unwrap()` on a `None` value"]
        );
    }

    #[test]
    fn a_property_gives_its_minimal_failing_input() {
        let output = "thread 'property_balanced_wrapped' (2) panicked at src/imp.rs:8:35:\ncalled `Option::unwrap()` on a `None` value\n(the same panic 4 times in all, on the inputs proptest tried)\n\nthread 'property_balanced_wrapped' (2) panicked at tests/algo_brackets.rs:98:1:\nTest failed: called `Option::unwrap()` on a `None` value.\nminimal failing input: s = \"\"\n\tsuccesses: 0\n\tlocal rejects: 0\nstack backtrace:";
        let v = failing(&[("property_balanced_wrapped", output)]);
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["`property wrapped: forall s: string => balanced(s)`: Test failed: called `Option::unwrap()` on a `None` value. minimal failing input: s = \"\""]
        );
    }

    #[test]
    fn a_scenario_names_itself_and_its_broken_step() {
        let v = failing(&[(
            "scenario_add_complete_remove",
            "thread 'scenario_add_complete_remove' (3) panicked at tests/stateful_todo.rs:75:9:\n`expect t.complete(2) == ok(())` does not hold\n   left: Err(AlreadyDone(2))\n  right: Ok(())",
        )]);
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["scenario \"add complete remove\": `expect t.complete(2) == ok(())` does not hold, left: Err(AlreadyDone(2)), right: Ok(())"]
        );
    }

    #[test]
    fn compiler_errors_give_their_headlines_and_a_hang_its_clause() {
        let error = |rendered: &str| CompilerMessage {
            level: "error".into(),
            file: None,
            line: None,
            column: None,
            rendered: rendered.into(),
            suggestion: None,
        };
        let mut v = Verdict::default();
        v.tests.errors = vec![
            error("error[E0277]: `?` couldn't convert the error to `Ipv4Error`\n --> src/imp.rs:3:9\n"),
            error("error: aborting due to 1 previous error\n"),
        ];
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["did not compile: error[E0277]: `?` couldn't convert the error to `Ipv4Error`"]
        );
        let mut v = Verdict::default();
        v.tests.timed_out = true;
        v.tests.hung = Some("example_gcd_3".into());
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["`example gcd(0, 9) == 9` never finished: an endless loop or recursion"]
        );
    }

    #[test]
    fn broken_nfrs_count_and_unchecked_ones_do_not() {
        let nfr = |checked: bool| NfrResult {
            nfr: "nfr max_lines 30".into(),
            ok: false,
            checked,
            detail: "imp.rs has 41 lines; `nfr max_lines 30` allows 30\nmore".into(),
        };
        let v = Verdict {
            checked: vec![nfr(true), nfr(false)],
            ..Verdict::default()
        };
        assert_eq!(
            of_verdict(&v, TESTS_RS),
            ["imp.rs has 41 lines; `nfr max_lines 30` allows 30"]
        );
    }

    #[test]
    fn lessons_are_kept_once_in_order_up_to_a_limit() {
        let mut lessons = Lessons::default();
        let v = failing(&[("example_gcd_3", ""), ("unknown_test", "")]);
        lessons.learn(&v, TESTS_RS);
        lessons.learn(&v, TESTS_RS);
        assert_eq!(
            lessons.lines(),
            [
                "`example gcd(0, 9) == 9` failed",
                "test `unknown_test` failed"
            ]
        );
        for i in 0..20 {
            lessons.learn(&failing(&[(&format!("t{i}"), "")]), TESTS_RS);
        }
        assert_eq!(lessons.lines().len(), MAX_LESSONS);
        assert_eq!(lessons.lines()[2], "test `t0` failed");
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_CHARS + 5);
        let line = cut(&long);
        assert!(line.ends_with(" [...]"));
        assert_eq!(line.chars().count(), MAX_CHARS + " [...]".len());
    }
}
