//! Trimming build and test output to what a repair needs: failing test names, their
//! panic and assertion messages, the first compiler errors with the lines they point
//! at. Noise goes: progress lines (`Compiling`, `Running`), passing tests, warnings,
//! backtraces and the notes about them.

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
        kept[i] = cut(&block.lines, remaining);
        break;
    }
    let kept: Vec<String> = kept
        .into_iter()
        .flatten()
        .map(|lines| lines.join("\n"))
        .collect();
    kept.join("\n\n")
}

/// The longest prefix of `lines` that fits in `room` characters with a note about the
/// rest; `None` when not even the note fits.
fn cut(lines: &[String], room: usize) -> Option<Vec<String>> {
    let note = |left: usize| format!("[... {left} more lines trimmed]");
    let reserve = note(lines.len()).chars().count() + 2;
    let mut room = room.checked_sub(reserve)?;
    let mut out = Vec::new();
    for line in lines {
        let len = line.chars().count() + 1;
        if len <= room {
            room -= len;
            out.push(line.clone());
        } else {
            // A single overlong line (a huge assertion value): keep its start.
            if out.is_empty() && room > 1 {
                out.push(line.chars().take(room - 1).collect());
            }
            break;
        }
    }
    let left = lines.len() - out.len();
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
