//! Trimming build and test output to what a repair needs: failing test names, their
//! panic and assertion messages, the first compiler errors with the lines they point
//! at. Noise goes: progress lines (`Compiling`, `Running`), passing tests, warnings,
//! backtraces and the notes about them.

/// One rendered compiler error without what points outside the crate: rustc's notes
/// into the standard library's source (`::: /rustc/...`), its lists of "the following
/// other types implement trait", and macro-origin notes. What is left is the message,
/// the line it points at with its caret, and the crate-local help: what a repair uses.
pub fn compiler_error(rendered: &str) -> String {
    let mut out = Vec::new();
    for line in rendered.lines() {
        let t = line.trim_start();
        let foreign = t.contains("/rustc/") || t.contains("/.cargo/registry/");
        let other_types = t
            .trim_start_matches("= ")
            .starts_with("help: the following other types implement");
        if foreign || other_types {
            // Everything from here on explains the standard library, not this code.
            break;
        }
        if t.starts_with("= note: this error originates in the macro") {
            continue;
        }
        out.push(line);
    }
    // A lone `|` gutter line left at the end says nothing.
    while out
        .last()
        .is_some_and(|l| l.trim() == "|" || l.trim().is_empty())
    {
        out.pop();
    }
    let mut text = out.join("\n");
    text.push('\n');
    // mod.rs re-exports the interface's items by name: an item imp.rs lacks (or keeps
    // private) is an error in a file the agent never sees; say what it means for imp.rs.
    let missing = rendered
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("error[E0432]: unresolved import `imp::"))
        .and_then(|rest| rest.strip_suffix('`'));
    // Said once: the repair prompt trims errors the build loop trimmed already.
    let mut help = |line: String| {
        if !text.contains(&line) {
            text.push_str(&line);
        }
    };
    if let Some(name) = missing.filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase())) {
        // `impl Stack` without the struct: a type of the interface imp.rs must declare.
        help(format!(
            "   = help: imp.rs defines no `pub struct {name}`: the interface declares it, so imp.rs must define it, `#[derive(Debug)] pub struct {name} {{ .. }}` with the fields its methods use\n"
        ));
    } else if let Some(name) = missing {
        help(format!(
            "   = help: imp.rs defines no `pub` item `{name}`: the interface declares it, so imp.rs must define it (`pub`), with the interface's signature\n"
        ));
    }
    // `error[E0603]: struct `Stack` is private` at mod.rs's `pub use imp::Stack;`.
    let private = rendered.lines().next().and_then(|l| {
        let rest = l.strip_prefix("error[E0603]: ")?;
        let name = rest.split('`').nth(1)?;
        rest.ends_with("is private").then_some(name)
    });
    if let (Some(name), true) = (private, rendered.contains("mod.rs")) {
        help(format!(
            "   = help: `{name}` is declared in imp.rs without `pub`: the interface's items must be `pub`\n"
        ));
    }
    text
}

/// Compiler errors, trimmed (see [`compiler_error`]), with the same message said once:
/// the first keeps its source lines and gains a note with where else it occurs. A small
/// model shown the same error three times spends the repair prompt's room on one problem,
/// and rustc repeats an error for every `?` or every call with the same mistake.
pub fn merge_repeated_errors(errors: Vec<String>) -> Vec<String> {
    let mut merged: Vec<(String, Vec<String>)> = Vec::new();
    for error in errors.iter().map(|e| compiler_error(e)) {
        let message = error.lines().next().unwrap_or_default().to_string();
        let same = merged
            .iter_mut()
            .find(|(first, _)| first.lines().next() == Some(message.as_str()));
        match (same, error_location(&error)) {
            (Some((_, elsewhere)), Some(at)) => elsewhere.push(at),
            _ => merged.push((error, Vec::new())),
        }
    }
    merged
        .into_iter()
        .map(|(mut error, elsewhere)| {
            if !elsewhere.is_empty() {
                let text = error.trim_end().to_string();
                error = format!(
                    "{text}\n   = note: the same error at {}\n",
                    elsewhere.join(", ")
                );
            }
            error
        })
        .collect()
}

/// `12:5` from an error's ` --> src/a/imp.rs:12:5` line.
fn error_location(error: &str) -> Option<String> {
    let arrow = error
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = arrow.rsplitn(3, ':');
    let column = parts.next()?;
    let line = parts.next()?;
    Some(format!("{line}:{column}"))
}

/// Up to this many lines a failing test printed before it panicked are kept as they are
/// (insta prints a snapshot's diff there); of more, a repair is shown the last few.
const PRINTED_LINES_KEPT: usize = 40;
const PRINTED_LINES_SHOWN: usize = 5;

/// One failing test's output as a repair needs it: the panic (the assertion with its
/// values, proptest's minimal input) first, then at most the last few lines the test
/// printed before it, which can be thousands (a debugging `println!` in a loop) and
/// pushed the panic out of the prompt's room.
pub fn test_output(output: &str) -> String {
    // insta's advice to run `cargo insta test` is for its own workflow, not a model's
    // or a ghost user's: left out, as is the panic's place inside insta.
    let lines: Vec<&str> = output
        .lines()
        .filter(|l| !l.starts_with("Stopped on the first failure. Run `cargo insta test`"))
        .collect();
    let panic_at = lines
        .iter()
        .position(|l| l.starts_with("thread '") && l.contains("panicked at"));
    let Some(at) = panic_at.filter(|at| *at > PRINTED_LINES_KEPT) else {
        return without_insta_place(join_lines(&lines));
    };
    let printed: Vec<&str> = lines[..at]
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut out = join_lines(&lines[at..]);
    // A snapshot's diff is the failure itself: its end is kept whole.
    let keep = if lines[at].contains("/insta-") {
        PRINTED_LINES_KEPT
    } else {
        PRINTED_LINES_SHOWN
    };
    if !printed.is_empty() {
        let shown = &printed[printed.len().saturating_sub(keep)..];
        // Output cut in its middle when it was read says so in a line of its own.
        let cut = printed.iter().any(|l| l.starts_with("[ghost: "));
        out.push_str(&format!(
            "before it panicked the test printed {}{} {}{}:\n",
            if cut { "more than " } else { "" },
            printed.len(),
            // "more than 1 line" is more than one: lines.
            if printed.len() == 1 && !cut {
                "line"
            } else {
                "lines"
            },
            if printed.len() > shown.len() {
                format!(", the last {}", shown.len())
            } else {
                String::new()
            }
        ));
        for l in shown {
            out.push_str(l);
            out.push('\n');
        }
    }
    without_insta_place(out)
}

/// `text` with a panic inside insta (a snapshot that differs) named without its place
/// in insta's source, a path in the machine's cargo registry that says nothing to a
/// model or a user.
fn without_insta_place(text: String) -> String {
    if !text.contains("/insta-") {
        return text;
    }
    text.lines()
        .map(|line| match line.split_once(" panicked at ") {
            Some((thread, place)) if line.starts_with("thread '") && place.contains("/insta-") => {
                format!("{thread} panicked in insta's snapshot assertion:\n")
            }
            _ => format!("{line}\n"),
        })
        .collect()
}

fn join_lines(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A run of kept lines that belong together, and how much a repair needs it.
struct Block {
    kind: BlockKind,
    lines: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum BlockKind {
    /// `test x ... FAILED`, the `failures:` list, `test result:`: short and essential.
    Summary,
    /// `error[E0308]: ...` with its ` --> file:line` and source lines.
    CompilerError,
    /// `---- x stdout ----` with the panic message.
    TestOutput,
    /// Anything not recognised (a timeout message, a crashed process): kept, last.
    Other,
}

/// Where the scanner is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Outside,
    InTestOutput { in_backtrace: bool },
    InError,
    InWarning,
    InFailureList,
}

/// Keeps what matters of cargo's build and test output, in its original order, within
/// `budget_chars` characters: the summary first, then compiler errors, then test output,
/// then anything else; a block that does not fit whole is cut with a note saying how
/// many lines were left out. Trimming trimmed output changes nothing.
pub fn trim_failures(output: &str, budget_chars: usize) -> String {
    let blocks = scan(output);
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by_key(|&i| (blocks[i].kind, i));
    let mut kept: Vec<Option<Vec<String>>> = vec![None; blocks.len()];
    let mut remaining = budget_chars;
    for i in order {
        let block = &blocks[i];
        let cost: usize = block
            .lines
            .iter()
            .map(|l| l.chars().count() + 1)
            .sum::<usize>()
            + 1;
        if cost <= remaining {
            remaining -= cost;
            kept[i] = Some(block.lines.clone());
            continue;
        }
        kept[i] = cut(block.kind, &block.lines, remaining);
        break;
    }
    let kept: Vec<(BlockKind, Vec<String>)> = blocks
        .iter()
        .zip(kept)
        .filter_map(|(block, lines)| Some((block.kind, lines?)))
        .collect();
    // cargo prints `failures:` twice: a bare heading above the test output and above the
    // list of names. Only the list says something. The heading goes only right before
    // kept test output, whose own header keeps the blocks apart when trimmed again.
    // Decided from the end, against what is actually printed next.
    let mut out: Vec<String> = Vec::with_capacity(kept.len());
    let mut next_kind: Option<BlockKind> = None;
    for (kind, lines) in kept.iter().rev() {
        let bare = *kind == BlockKind::Summary && lines.len() == 1 && lines[0] == "failures:";
        if bare && next_kind == Some(BlockKind::TestOutput) {
            continue;
        }
        out.push(lines.join("\n"));
        next_kind = Some(*kind);
    }
    out.reverse();
    out.join("\n\n")
}

/// The longest prefix of `lines` that fits in `room` characters with a note about the
/// rest; `None` when not even the first line (or its start) and the note fit.
fn cut(kind: BlockKind, lines: &[String], room: usize) -> Option<Vec<String>> {
    let note = trim_note;
    let reserve = note(lines.len()).chars().count() + 2;
    let mut room = room.checked_sub(reserve)?;
    let mut out = Vec::new();
    let mut partial = 0; // 1 when the last kept line is only the start of one
    for line in lines {
        let len = line.chars().count() + 1;
        if len <= room {
            room -= len;
            out.push(line.clone());
        } else {
            // A single overlong line (a huge assertion value): keep its start.
            // The start of an overlong line (a huge assertion value), where trimming
            // again reads it as the same block: never a block's header, never in a
            // summary, never a start that looks like something else.
            let may_split = match kind {
                BlockKind::Summary => false,
                BlockKind::Other => true,
                BlockKind::CompilerError | BlockKind::TestOutput => !out.is_empty(),
            };
            if may_split && room > 1 {
                let start: String = line.chars().take(room - 1).collect();
                let start = start.trim_end();
                if !start.is_empty() && is_plain(start) {
                    partial = 1;
                    out.push(start.to_string());
                }
            }
            break;
        }
    }
    // A block is recognised by its first line: without it the note would join another.
    if out.is_empty() {
        return None;
    }
    let left = lines.len() - out.len() + partial;
    out.push(note(left));
    Some(out)
}

/// Splits the output into blocks of kept lines, dropping noise.
fn scan(output: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut state = State::Outside;
    let mut open = false; // whether the last block still takes lines
    for raw in output.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            if !matches!(state, State::InTestOutput { .. }) {
                state = State::Outside;
                open = false;
            }
            continue;
        }
        // A note of an earlier trim belongs to the block it ends, whatever that is.
        if open && is_trim_note(line) {
            push(&mut blocks, line);
            continue;
        }
        if line.starts_with("---- ") && line.ends_with(" ----") {
            start(&mut blocks, BlockKind::TestOutput, line);
            state = State::InTestOutput {
                in_backtrace: false,
            };
            open = true;
            continue;
        }
        if line == "failures:" {
            start(&mut blocks, BlockKind::Summary, line);
            state = State::InFailureList;
            open = true;
            continue;
        }
        if line.starts_with("test result:") {
            start(&mut blocks, BlockKind::Summary, line);
            state = State::Outside;
            open = false;
            continue;
        }
        match state {
            State::InTestOutput { in_backtrace } => {
                if trimmed.starts_with("stack backtrace:") {
                    state = State::InTestOutput { in_backtrace: true };
                    continue;
                }
                if in_backtrace && line.starts_with(char::is_whitespace) {
                    continue;
                }
                state = State::InTestOutput {
                    in_backtrace: false,
                };
                if is_backtrace_note(trimmed) {
                    continue;
                }
                push(&mut blocks, line);
                continue;
            }
            State::InError | State::InFailureList => {
                push(&mut blocks, line);
                continue;
            }
            State::InWarning => continue,
            State::Outside => {}
        }
        if is_diagnostic(line, "error") {
            if is_error_summary(line) {
                continue;
            }
            start(&mut blocks, BlockKind::CompilerError, line);
            state = State::InError;
            open = true;
        } else if is_diagnostic(line, "warning") {
            state = State::InWarning;
        } else if is_noise(trimmed) {
            // dropped, without ending the block around it
        } else {
            let kind = if is_failed_test(line) {
                BlockKind::Summary
            } else {
                BlockKind::Other
            };
            match blocks.last_mut() {
                Some(last) if open && last.kind == kind => last.lines.push(line.to_string()),
                _ => {
                    start(&mut blocks, kind, line);
                    open = true;
                }
            }
        }
    }
    blocks
}

/// Whether a line is plain content wherever it stands: nothing the scanner treats
/// specially.
fn is_plain(line: &str) -> bool {
    let trimmed = line.trim_start();
    !(trimmed.is_empty()
        || (line.starts_with("---- ") && line.ends_with(" ----"))
        || line == "failures:"
        || line.starts_with("test result:")
        || is_diagnostic(line, "error")
        || is_diagnostic(line, "warning")
        || is_noise(trimmed)
        || is_failed_test(line)
        || is_trim_note(line)
        || trimmed.starts_with("stack backtrace:")
        || is_backtrace_note(trimmed))
}

/// `[... 3 more lines trimmed]`: where a block was cut.
pub(super) fn trim_note(left: usize) -> String {
    let lines = if left == 1 { "line" } else { "lines" };
    format!("[... {left} more {lines} trimmed]")
}

fn is_trim_note(line: &str) -> bool {
    let number = line
        .strip_prefix("[... ")
        .and_then(|rest| rest.split(' ').next());
    number
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| trim_note(n) == line)
}

fn start(blocks: &mut Vec<Block>, kind: BlockKind, line: &str) {
    blocks.push(Block {
        kind,
        lines: vec![line.to_string()],
    });
}

fn push(blocks: &mut [Block], line: &str) {
    if let Some(last) = blocks.last_mut() {
        last.lines.push(line.to_string());
    }
}

/// `error: ...`, `error[E0308]: ...` (and the same for `warning`).
fn is_diagnostic(line: &str, severity: &str) -> bool {
    let Some(rest) = line.strip_prefix(severity) else {
        return false;
    };
    rest.starts_with(':') || (rest.starts_with('[') && rest.contains("]:"))
}

/// cargo's closing lines about errors already shown.
fn is_error_summary(line: &str) -> bool {
    [
        "error: could not compile",
        "error: aborting due to",
        "error: test failed, to rerun",
    ]
    .iter()
    .any(|p| line.starts_with(p))
        || line.starts_with("error: ") && line.contains("target failed")
}

fn is_backtrace_note(trimmed: &str) -> bool {
    trimmed.starts_with("note: run with `RUST_BACKTRACE")
        || trimmed.starts_with("note: Some details are omitted")
}

fn is_failed_test(line: &str) -> bool {
    line.starts_with("test ") && line.ends_with("... FAILED")
}

/// Progress and success lines.
fn is_noise(trimmed: &str) -> bool {
    const PROGRESS: [&str; 13] = [
        "Compiling ",
        "Finished ",
        "Running ",
        "Doc-tests ",
        "Blocking ",
        "Updating ",
        "Downloaded ",
        "Downloading ",
        "Locking ",
        "Checking ",
        "Fresh ",
        "Adding ",
        "Executable ",
    ];
    PROGRESS.iter().any(|p| trimmed.starts_with(p))
        || (trimmed.starts_with("running ") && trimmed.ends_with(" tests"))
        || trimmed == "running 1 test"
        || (trimmed.starts_with("test ")
            && (trimmed.ends_with(" ok") || trimmed.ends_with(" ignored")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_test_output_shows_the_panic_first_and_little_of_what_was_printed() {
        let printed: String = (1..=2000).map(|i| format!("debug line {i}\n")).collect();
        let output = format!(
            "{printed}thread 'example_f_1' panicked at core/src/iter/adapters/step_by.rs:35:9:\nassertion failed: step != 0\nproptest: Test failed: x; minimal failing input: n = 0\n"
        );
        assert_eq!(
            super::test_output(&output),
            "thread 'example_f_1' panicked at core/src/iter/adapters/step_by.rs:35:9:\nassertion failed: step != 0\nproptest: Test failed: x; minimal failing input: n = 0\nbefore it panicked the test printed 2000 lines, the last 5:\ndebug line 1996\ndebug line 1997\ndebug line 1998\ndebug line 1999\ndebug line 2000\n"
        );
        let plain = "thread 'a' panicked at tests/a.rs:1:1:\nno\n";
        assert_eq!(super::test_output(plain), plain);
        // A few printed lines (insta's diff) stay where they are.
        let diff = format!("-a: 1\n+a: 2\n{plain}");
        assert_eq!(super::test_output(&diff), diff);
    }

    #[test]
    fn a_differing_snapshot_is_shown_without_insta_s_advice_and_source_place() {
        let output = "Snapshot file: tests/snapshots/t__loud.snap\n-old snapshot\n+new results\n    1 │-\"ABC!\"\n      1 │+\"X\"\nStopped on the first failure. Run `cargo insta test` to run all snapshots.\n\nthread 'snapshot_loud' panicked at /home/u/.cargo/registry/src/index.crates.io-1/insta-1.49.0/src/runtime.rs:734:13:\nsnapshot assertion for 'loud' failed in line 46\n";
        let shown = super::test_output(output);
        assert!(
            !shown.contains("cargo insta")
                && !shown.contains(".cargo/registry")
                && shown.contains("thread 'snapshot_loud' panicked in insta's snapshot assertion:\nsnapshot assertion for 'loud' failed")
                && shown.contains("+new results"),
            "{shown}"
        );
    }

    use super::*;

    #[test]
    fn repeated_errors_are_said_once_with_their_other_places() {
        let error = |line: u32, msg: &str| {
            format!("error[E0277]: {msg}\n  --> src/a/imp.rs:{line}:9\n   |\n{line} |     x?\n")
        };
        let merged = merge_repeated_errors(vec![
            error(3, "`?` couldn't convert"),
            error(7, "mismatched types"),
            error(5, "`?` couldn't convert"),
            error(9, "`?` couldn't convert"),
        ]);
        assert_eq!(merged.len(), 2);
        assert!(
            merged[0].ends_with("   = note: the same error at 5:9, 9:9\n"),
            "{}",
            merged[0]
        );
        assert!(merged[0].contains("src/a/imp.rs:3:9"));
        assert_eq!(merged[1], error(7, "mismatched types"));
    }

    #[test]
    fn an_interface_item_imp_rs_lacks_is_said_in_its_terms() {
        let rendered = "error[E0432]: unresolved import `imp::bounded_push`\n  --> src/s/stack/mod.rs:15:9\n   |\n15 | pub use imp::bounded_push;\n   |         ^^^^^^^^^^^^^^^^^ no `bounded_push` in `s::stack::imp`\n";
        let kept = compiler_error(rendered);
        assert!(
            kept.ends_with("= help: imp.rs defines no `pub` item `bounded_push`: the interface declares it, so imp.rs must define it (`pub`), with the interface's signature\n"),
            "{kept}"
        );
        let ty = compiler_error(
            "error[E0432]: unresolved import `imp::Inventory`\n  --> src/s/inv/mod.rs:15:9\n",
        );
        assert!(
            ty.contains("imp.rs defines no `pub struct Inventory`: the interface declares it, so imp.rs must define it, `#[derive(Debug)] pub struct Inventory { .. }` with the fields its methods use"),
            "{ty}"
        );
        assert_eq!(compiler_error(&ty), ty);
        let private = compiler_error(
            "error[E0603]: type alias `Handle` is private\n  --> src/s/h/mod.rs:9:14\n",
        );
        assert!(
            private.contains("`Handle` is declared in imp.rs without `pub`"),
            "{private}"
        );
        assert_eq!(compiler_error(&kept), kept, "the help is said once");
        assert_eq!(compiler_error(&private), private);
        let other = compiler_error("error[E0432]: unresolved import `crate::x`\n");
        assert!(!other.contains("imp.rs defines"), "{other}");
    }

    #[test]
    fn compiler_errors_lose_their_notes_into_the_standard_library() {
        let rendered = "error[E0277]: cannot subtract `char` from `u8`\n  --> src/a/imp.rs:12:37\n   |\n12 |     let s = c as u8 - o;\n   |                     ^ no implementation for `u8 - char`\n   |\n   = help: the trait `Sub<char>` is not implemented for `u8`\nhelp: the following other types implement trait `Sub<Rhs>`\n  --> /rustc/abc/library/core/src/ops/arith.rs:212:8\n   |\n   = note: `u8` implements `Sub`\n";
        let kept = compiler_error(rendered);
        assert_eq!(
            kept,
            "error[E0277]: cannot subtract `char` from `u8`\n  --> src/a/imp.rs:12:37\n   |\n12 |     let s = c as u8 - o;\n   |                     ^ no implementation for `u8 - char`\n   |\n   = help: the trait `Sub<char>` is not implemented for `u8`\n"
        );
        assert_eq!(
            compiler_error(&kept),
            kept,
            "trimming twice changes nothing"
        );
        // The list may also come as a `= help:` line inside the error's gutter.
        let listed = "error[E0277]: the trait bound `String: From<str>` is not satisfied\n  --> src/a/imp.rs:3:9\n   |\n   = help: the following other types implement trait `From<T>`:\n             `String` implements `From<&String>`\n";
        assert_eq!(
            compiler_error(listed),
            "error[E0277]: the trait bound `String: From<str>` is not satisfied\n  --> src/a/imp.rs:3:9\n"
        );
    }
    use proptest::prelude::*;

    const CARGO_TEST: &str = "\
   Compiling generated v0.1.0 (/tmp/g)
warning: unused variable: `x`
 --> src/a/b/imp.rs:3:9
  |
3 |     let x = 1;
  |         ^

    Finished `test` profile [unoptimized] target(s) in 1.2s
     Running tests/a_b.rs (target/debug/deps/a_b-123)

running 3 tests
test passes ... ok
test example_1 ... FAILED
test property_idempotent ... FAILED

failures:

---- example_1 stdout ----
thread 'example_1' panicked at tests/a_b.rs:10:5:
assertion `left == right` failed: slugify(\"Hello\")
  left: \"Hello\"
 right: \"hello\"
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- property_idempotent stdout ----
thread 'property_idempotent' panicked at tests/a_b.rs:20:5:
Test failed: minimal failing input: s = \"A\"
stack backtrace:
   0: rust_begin_unwind
             at /rustc/abc/library/std/src/panicking.rs:665:5
   1: core::panicking::panic_fmt
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.


failures:
    example_1
    property_idempotent

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out

error: test failed, to rerun pass `--test a_b`
";

    #[test]
    fn keeps_failures_and_drops_noise() {
        let out = trim_failures(CARGO_TEST, 10_000);
        for kept in [
            "test example_1 ... FAILED",
            "---- example_1 stdout ----",
            " right: \"hello\"",
            "minimal failing input: s = \"A\"",
            "    property_idempotent",
            "test result: FAILED. 1 passed",
        ] {
            assert!(out.contains(kept), "keeps {kept:?}:\n{out}");
        }
        for dropped in [
            "Compiling",
            "Finished",
            "Running",
            "test passes ... ok",
            "warning",
            "RUST_BACKTRACE",
            "rust_begin_unwind",
            "panicking.rs",
            "to rerun",
        ] {
            assert!(!out.contains(dropped), "drops {dropped:?}:\n{out}");
        }
    }

    #[test]
    fn keeps_compiler_errors_with_their_lines() {
        let output = "   Compiling generated v0.1.0\nerror[E0308]: mismatched types\n --> src/a/b/imp.rs:4:5\n  |\n4 |     1\n  |     ^ expected `String`, found integer\n\nerror: could not compile `generated` (lib) due to 1 previous error\n";
        let out = trim_failures(output, 10_000);
        assert_eq!(
            out,
            "error[E0308]: mismatched types\n --> src/a/b/imp.rs:4:5\n  |\n4 |     1\n  |     ^ expected `String`, found integer"
        );
    }

    #[test]
    fn a_small_budget_keeps_the_summary_first() {
        let out = trim_failures(CARGO_TEST, 300);
        assert!(
            out.chars().count() <= 300,
            "{} chars:\n{out}",
            out.chars().count()
        );
        assert!(out.contains("test example_1 ... FAILED"), "{out}");
        assert!(out.contains("test result: FAILED"), "{out}");
        assert!(
            out.contains("more lines trimmed"),
            "says that it cut:\n{out}"
        );
    }

    #[test]
    fn an_overlong_assertion_is_cut_not_dropped() {
        let output = format!(
            "---- t stdout ----\nthread 't' panicked at x.rs:1:1:\n  left: \"{}\"\n",
            "x".repeat(5000)
        );
        let out = trim_failures(&output, 200);
        assert!(out.chars().count() <= 200, "{out}");
        assert!(out.contains("  left: \"xxx"), "{out}");
        assert!(out.ends_with("[... 1 more line trimmed]"), "{out}");
    }

    #[test]
    fn unknown_output_is_kept() {
        let output = "the test binary timed out after 60s\n";
        assert_eq!(
            trim_failures(output, 1000),
            "the test binary timed out after 60s"
        );
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("   Compiling x v0.1.0".to_string()),
            Just("test a ... ok".to_string()),
            Just("test b ... FAILED".to_string()),
            Just("failures:".to_string()),
            Just("    b".to_string()),
            Just("---- b stdout ----".to_string()),
            Just("stack backtrace:".to_string()),
            Just("   0: frame".to_string()),
            Just("error[E0599]: no method".to_string()),
            Just(" --> src/imp.rs:1:1".to_string()),
            Just("warning: unused".to_string()),
            Just("test result: FAILED. 0 passed; 1 failed".to_string()),
            "[a-z \"]{0,80}",
            "  left: [a-z]{0,300}",
        ]
    }

    proptest! {
        #[test]
        fn trimming_is_idempotent_and_within_budget(
            lines in proptest::collection::vec(line(), 0..60),
            budget in 0usize..600,
        ) {
            let output = lines.join("\n");
            let once = trim_failures(&output, budget);
            prop_assert!(once.chars().count() <= budget, "{} > {budget}", once.chars().count());
            prop_assert_eq!(trim_failures(&once, budget), once.clone());
        }
    }
}
