//! Error recovery: when a file does not parse as a whole, parse its items one by one.
//!
//! The module body is cut into chunks at every item keyword (`use`, `fn`, `record`,
//! `enum`, `error`, `type`, `scenario`, `snapshot`, `nfr`) that stands outside any
//! bracket, string or comment. Each chunk is parsed on its own, so a broken item gives one
//! diagnostic and the items around it still reach the checker. A function (or a `type`
//! of them) broken only in its clauses is recovered clause by clause: each broken clause
//! gives its diagnostic, and the function its other clauses. A chunk whose brackets or
//! strings never close would swallow every item after it: `resync.rs` cuts it again by
//! its layout. Past [`MAX_SYNTAX_ERRORS`] the rest of the file is left unread.

use super::ast::{Module, Span};
use super::comments::{skip_comment, skip_string};
use super::grammar::{parse_rule, PestError, Rule};
use super::lower::Lowerer;
use super::resync;
use crate::diagnostics::{Diagnostic, Kind, LineIndex};
use pest::error::{ErrorVariant, InputLocation};
use std::path::Path;

pub(crate) const ITEM_KEYWORDS: &[&str] = &[
    "use", "fn", "record", "enum", "error", "type", "scenario", "snapshot", "nfr",
];

/// The item keywords whose next word is the item's name.
const NAMING_KEYWORDS: &[&str] = &["fn", "record", "enum", "error", "type"];

pub(crate) fn parse_with_recovery(
    file: &Path,
    text: &str,
    whole: Box<PestError>,
) -> (Option<Module>, Vec<Diagnostic>) {
    let head = match parse_rule(Rule::module_head, text) {
        Ok(head) => head,
        Err(head_error) => {
            // A file whose first word is not `module` (or that holds nothing at all)
            // declares no module: say so rather than list what pest expected. One that
            // starts with `module` is told where its header goes wrong (a name that is
            // no dotted path, a missing `{`), not that `module` was expected.
            let first = first_code(text);
            let starts_module = text[first..].starts_with("module")
                && !text[first + 6..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            let diag = if starts_module {
                header_diagnostic(file, text, first + "module".len())
                    .unwrap_or_else(|| to_diagnostic(file, text, 0, &head_error))
            } else {
                let end = first + found_len(text, first);
                let kind = Kind::NoModule {
                    first: text[first..end].to_string(),
                };
                Diagnostic::new(file, Span::new(first, end), kind)
            };
            return (None, vec![diag]);
        }
    };
    let body_start = head.as_span().end();
    let mut lowerer = Lowerer::new(file, 0);
    let module_span_start = head.as_span().start();
    let mut inner = head.into_inner();
    let path = lowerer.module_path(inner.next().expect("module_head has a path"));
    let doc = inner.next().map(|d| {
        // Reuse the doc lowering through a one-item module is overkill; lower by hand.
        let s = d.into_inner().next().expect("doc holds a string");
        let lit = lowerer.string(s);
        super::ast::Doc {
            text: super::lower::normalize_doc(&lit.value),
            span: lit.span,
        }
    });

    let (starts, body_end) = item_starts(text, body_start);
    let diags = std::mem::take(&mut lowerer.diags);
    // Anything between the header and the first item is a chunk of its own, so that it
    // gets a diagnostic rather than vanishing.
    let mut bounds: Vec<usize> = Vec::new();
    if !is_trivia(&text[body_start..starts.first().copied().unwrap_or(body_end)]) {
        bounds.push(body_start);
    }
    bounds.extend(&starts);
    let mut read = Read {
        items: Vec::new(),
        diags,
        unparsed: Vec::new(),
    };
    // Every chunk's pieces: a chunk whose brackets or strings never close is cut again at
    // the items its layout shows (`resync.rs`), so that it does not hide them.
    let mut pieces = Vec::new();
    for (i, &start) in bounds.iter().enumerate() {
        let end = bounds.get(i + 1).copied().unwrap_or(body_end);
        let chunk = &text[start..end];
        if resync::unbalanced(chunk) && parse_rule(Rule::item_alone, chunk).is_err() {
            pieces.extend(resync::pieces(text, start, end));
        } else {
            pieces.push((start, end));
        }
    }
    for (n, &(start, end)) in pieces.iter().enumerate() {
        let syntax_errors = read.diags.iter().filter(|d| d.is_error()).count();
        if syntax_errors >= MAX_SYNTAX_ERRORS {
            // Past this many, later errors are more likely echoes of earlier ones than
            // news: stop, say so, and keep the names the rest declares from being
            // reported as unknown.
            let end_of_word = start + found_len(text, start).max(1);
            read.diags.push(Diagnostic::new(
                file,
                Span::new(start, end_of_word.min(text.len()).max(start)),
                Kind::TooManySyntaxErrors {
                    shown: syntax_errors,
                },
            ));
            for &(from, to) in &pieces[n..] {
                read.unparsed.extend(declared_name(&text[from..to]));
            }
            break;
        }
        read.piece(file, text, start, end);
    }
    let Read {
        items,
        mut diags,
        unparsed,
    } = read;
    // The chunks all parsed, so the problem is around them (an unclosed module, text
    // after its closing brace): report the whole-file error.
    if !diags.iter().any(|d| matches!(d.kind, Kind::Syntax { .. })) {
        diags.push(to_diagnostic(file, text, 0, &whole));
    }
    let span = Span::new(module_span_start, text.len());
    (
        Some(Module {
            path,
            doc,
            items,
            span,
            unparsed,
        }),
        diags,
    )
}

/// How many syntax errors one file reports before the rest of it is left unread.
const MAX_SYNTAX_ERRORS: usize = 20;

/// What the items read so far gave: the items that parsed, the diagnostics, and the
/// names declared by items that did not parse.
struct Read {
    items: Vec<super::ast::Item>,
    diags: Vec<Diagnostic>,
    unparsed: Vec<String>,
}

impl Read {
    /// Parses the item at `text[start..end]` on its own.
    fn piece(&mut self, file: &Path, text: &str, start: usize, end: usize) {
        let chunk = &text[start..end];
        let e = match parse_rule(Rule::item_alone, chunk) {
            Ok(pair) => {
                let mut l = Lowerer::new(file, start);
                let item = pair.into_inner().next().expect("item_alone holds an item");
                self.items.push(l.item(item));
                self.diags.extend(l.diags);
                return;
            }
            Err(e) => e,
        };
        // A letter outside ASCII in a name (`café`, a Cyrillic `і` that looks like `i`):
        // pest points at the item's start; point at the letter.
        if let Some(at) = non_ascii_in_code(chunk) {
            self.diags
                .push(non_ascii_diagnostic(file, chunk, start, at));
            self.unparsed.extend(declared_name(chunk));
            return;
        }
        // A function whose only faults are in its clauses: each broken clause reported,
        // the others kept.
        if let Some((item, found)) = without_broken_clauses(file, text, start, chunk, &e) {
            self.items.push(item);
            self.diags.extend(found);
            return;
        }
        let pos = start
            + match e.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((s, _)) => s,
            };
        let diag = cut_at_next_item(file, text, start, end, pos)
            .or_else(|| open_on_its_line(file, text, pos, end))
            .unwrap_or_else(|| to_diagnostic(file, text, start, &e));
        self.diags.push(diag);
        self.unparsed.extend(declared_name(chunk));
    }
}

/// An item cut off where the next one starts (`resync.rs`) with a bracket still open,
/// whose parse failed past its last code (at the blank before the next item): the
/// bracket is what is missing, and the next item's first word what came instead of it.
/// pest would say what could have continued the item, at the line break. Or one whose
/// parse failed at a string that does not close before the next item: the quote is what
/// is missing (pest would ask for what may stand before it).
fn cut_at_next_item(
    file: &Path,
    text: &str,
    start: usize,
    end: usize,
    pos: usize,
) -> Option<Diagnostic> {
    if end >= text.len() {
        return None;
    }
    // A string never closed before the next item (`nfr "Never panics.`), whose quote a
    // later string's closes (one that no quote closes is [`to_diagnostic`]'s: it runs to
    // the end of the file).
    let rest = &text[pos..];
    if rest.starts_with('"') && unterminated(&text[pos..end]) && !unterminated(rest) {
        return Some(Diagnostic::new(
            file,
            Span::new(pos, pos + 1),
            Kind::Syntax {
                expected: "a `\"` to close the string opened here".into(),
                found: describe_found(text, end),
                hint: None,
            },
        ));
    }
    let last_code = start + text[start..end].trim_end().len();
    if pos < last_code {
        return None;
    }
    let open = unclosed_bracket(text, start, end)?;
    Some(Diagnostic::new(
        file,
        Span::new(end, end + found_len(text, end)),
        Kind::Syntax {
            expected: closing_wanted(text, open),
            found: if text[end..].starts_with('}') {
                "the module's closing `}`".into()
            } else {
                describe_found(text, end)
            },
            hint: None,
        },
    ))
}

/// A parse that failed at the first word of a line whose `(` or `[` is still open where
/// the next line starts with a word that cannot stand inside one ([`left_open_before`]):
/// pest gives up on the line as a whole (a method of a `type`, `fn inc(mut self -> int`,
/// read as no method at all: "expected `fn` or `{`, found `fn`"). The bracket is what is
/// missing, and the next line's first word what came instead.
fn open_on_its_line(file: &Path, text: &str, pos: usize, end: usize) -> Option<Diagnostic> {
    let line_start = text[..pos].rfind('\n').map_or(0, |n| n + 1);
    if !text[line_start..pos].trim().is_empty() {
        return None;
    }
    let line_end = pos + text[pos..end.min(text.len())].find('\n')?;
    let after = &text[line_end..];
    let next = line_end + (after.len() - after.trim_start().len());
    let open = left_open_before(text, pos, next)?;
    Some(Diagnostic::new(
        file,
        Span::new(next, next + found_len(text, next)),
        Kind::Syntax {
            expected: closing_wanted(text, open),
            found: describe_found(text, next),
            hint: None,
        },
    ))
}

/// "a `)` to close the `(` at 2:9", for the bracket at `open`.
fn closing_wanted(text: &str, open: usize) -> String {
    let close = match text.as_bytes()[open] {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    };
    let (line, col) = LineIndex::new(text).line_col(text, open);
    format!(
        "a `{close}` to close the `{}` at {line}:{col}",
        &text[open..=open]
    )
}

/// Whether the word or `}` at `pos`, first on its line, shows that a `(` or `[` opened
/// on an earlier line was never closed: a keyword that opens an item or a clause, or a
/// `}`, cannot stand inside one. (Any other word can: a list written over lines that
/// misses a `,`.)
fn left_open_before(text: &str, offset: usize, pos: usize) -> Option<usize> {
    let line_start = text[..pos].rfind('\n').map_or(0, |n| n + 1);
    if !text[line_start..pos].trim().is_empty() {
        return None;
    }
    let word = &text[pos..pos + found_len(text, pos)];
    let telling =
        word == "}" || ITEM_KEYWORDS.contains(&word) || FN_CLAUSE_KEYWORDS.contains(&word);
    let open = unclosed_bracket(text, offset.min(pos), pos)?;
    (telling && matches!(text.as_bytes()[open], b'(' | b'[') && open < line_start).then_some(open)
}

/// The keywords that open a clause of a function's body.
const FN_CLAUSE_KEYWORDS: &[&str] = &["example", "requires", "ensures", "property"];

/// A `fn` (or a `type` of them) that does not parse, recovered clause by clause: the
/// clause each error falls in is reported and blanked out (spaces, so every offset
/// stays), and the item parsed again, until it parses. Then every broken clause has its
/// diagnostic, as the item's parse found it, and the item its other clauses; `None` when
/// an error falls outside every clause (the signature, a brace), and the item is then
/// reported as a whole, as before. Without this, six broken examples in one function
/// showed as one error, the next only once that one was fixed.
fn without_broken_clauses(
    file: &Path,
    text: &str,
    start: usize,
    chunk: &str,
    first: &PestError,
) -> Option<(super::ast::Item, Vec<Diagnostic>)> {
    if !chunk.starts_with("fn") && !chunk.starts_with("type") {
        return None;
    }
    let clauses = clause_regions(chunk);
    let mut blanked = vec![false; clauses.len()];
    let mut current = chunk.to_string();
    let mut diags = Vec::new();
    let mut error = Box::new(first.clone());
    loop {
        let pos = match error.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        // An error at the next clause's keyword, or at the body's `}`, is the end of
        // the clause before it, which did not end well.
        let mut at = clauses
            .iter()
            .position(|&(from, to)| from < pos && pos <= to)?;
        // A clause's keyword is a name where a name can stand (keywords are reserved only
        // where they would be ambiguous): after `requires x >`, the next `example` is read
        // as its operand and the error falls just after it. That is the clause before's.
        let (from, _) = clauses[at];
        let only_keyword = current[from..pos]
            .split_whitespace()
            .eq(current[from..pos].split_whitespace().take(1));
        if only_keyword && at > 0 && clauses[at - 1].1 == from {
            at -= 1;
        }
        if blanked[at] {
            return None;
        }
        blanked[at] = true;
        // Read against the text as it was parsed: a clause blanked before is not there
        // (its unclosed `(` is not this error's).
        let seen = format!(
            "{}{current}{}",
            &text[..start],
            &text[start + chunk.len()..]
        );
        diags.push(to_diagnostic(file, &seen, start, &error));
        let (from, to) = clauses[at];
        let blank: String = current[from..to]
            .bytes()
            .map(|b| if b == b'\n' { '\n' } else { ' ' })
            .collect();
        current.replace_range(from..to, &blank);
        match parse_rule(Rule::item_alone, &current) {
            Ok(pair) => {
                let mut l = Lowerer::new(file, start);
                let item = l.item(pair.into_inner().next()?);
                diags.extend(l.diags);
                return Some((item, diags));
            }
            Err(e) => error = e,
        }
    }
}

/// Where each clause of the functions in `chunk` runs: from its keyword to the next
/// clause's keyword in the same body, or to the `}` that closes the body. A clause
/// keyword counts directly inside `{ }` (a parameter named `example` is not one), or
/// first on its line inside a body where a broken clause left a bracket open; never after
/// a `.` or before a `:` (a record literal's field).
fn clause_regions(chunk: &str) -> Vec<(usize, usize)> {
    let bytes = chunk.as_bytes();
    // The open brackets, each with the start of the clause open directly inside it.
    let mut open: Vec<(u8, Option<usize>)> = Vec::new();
    let mut regions = Vec::new();
    // Closes the brackets from `level` on, ending the clauses open in them at `at`.
    let close = |open: &mut Vec<(u8, Option<usize>)>,
                 level: usize,
                 at: usize,
                 regions: &mut Vec<(usize, usize)>| {
        for (_, clause) in open.drain(level..) {
            regions.extend(clause.map(|from| (from, at)));
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_comment(bytes, i),
            b'(' | b'[' | b'{' => {
                open.push((b, None));
                i += 1;
            }
            b')' | b']' | b'}' => {
                let opener = match b {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                // A closer with no opener of its kind is left to the parser to report.
                if let Some(level) = open.iter().rposition(|(o, _)| *o == opener) {
                    close(&mut open, level, i, &mut regions);
                }
                i += 1;
            }
            _ if is_ident_byte(b) => {
                let word_start = i;
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                let word = &chunk[word_start..i];
                let after_dot = word_start > 0 && bytes[word_start - 1] == b'.';
                let before_colon = bytes.get(skip_trivia(bytes, i)) == Some(&b':');
                if after_dot || before_colon || !FN_CLAUSE_KEYWORDS.contains(&word) {
                    continue;
                }
                let first_on_line = chunk[..word_start]
                    .rsplit('\n')
                    .next()
                    .is_some_and(|line| line.trim().is_empty());
                let body = match open.last() {
                    Some((b'{', _)) => Some(open.len() - 1),
                    _ if first_on_line => open
                        .iter()
                        .rposition(|(o, clause)| *o == b'{' && clause.is_some()),
                    _ => None,
                };
                if let Some(level) = body {
                    close(&mut open, level + 1, word_start, &mut regions);
                    if let Some(from) = open[level].1.replace(word_start) {
                        regions.push((from, word_start));
                    }
                }
            }
            _ => i += 1,
        }
    }
    // A body never closed: its last clause runs to the end.
    close(&mut open, 0, bytes.len(), &mut regions);
    regions.sort_unstable();
    regions
}

/// The name an item that did not parse declares (`error ParseError { Bad(int }` declares
/// `ParseError`), when its keyword and name are intact: its uses are then not reported as
/// unknown on top of the syntax error.
fn declared_name(chunk: &str) -> Option<String> {
    let word = |s: &str| s.bytes().take_while(|b| is_ident_byte(*b)).count();
    let keyword = &chunk[..word(chunk)];
    if !["fn", "record", "enum", "error", "type"].contains(&keyword) {
        return None;
    }
    let rest = chunk[keyword.len()..].trim_start();
    let name = &rest[..word(rest)];
    let starts_well = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    starts_well.then(|| name.to_string())
}

/// Offsets of the item keywords at bracket depth zero after `from`, and the offset of the
/// module's closing brace (or the end of the text).
fn item_starts(text: &str, from: usize) -> (Vec<usize>, usize) {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut depth: i64 = 0;
    let mut i = from;
    // The end of the last word at depth zero, when it was a keyword that a name follows
    // (`fn`, `record`, ...): the next word is that name, not an item, even when it is a
    // keyword itself (`fn type(x: int)`, which the language allows).
    let mut naming: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_comment(bytes, i);
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                // The module's `}`, unless an item follows it: then it is a stray one
                // (`record R x: int }`), and the items after it are still the module's.
                if depth == 0 && b == b'}' && !opens_item(text, i + 1) {
                    return (starts, i);
                }
                depth = (depth - 1).max(0);
                i += 1;
            }
            _ if is_ident_byte(b) => {
                let start = i;
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                let word = &text[start..i];
                let after_dot = start > 0 && bytes[start - 1] == b'.';
                let a_name = naming.is_some_and(|end| is_trivia(&text[end..start]));
                if depth == 0 && !after_dot && !a_name && ITEM_KEYWORDS.contains(&word) {
                    starts.push(start);
                }
                naming = (depth == 0 && !a_name && NAMING_KEYWORDS.contains(&word)).then_some(i);
            }
            _ => i += 1,
        }
    }
    (starts, text.len())
}

/// Whether the first code from `from` on is an item keyword.
fn opens_item(text: &str, from: usize) -> bool {
    let bytes = text.as_bytes();
    let at = skip_trivia(bytes, from);
    let end = at
        + bytes[at..]
            .iter()
            .take_while(|b| is_ident_byte(**b))
            .count();
    ITEM_KEYWORDS.contains(&&text[at..end])
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The offset of the first character that is not white space or inside a comment.
fn first_code(text: &str) -> usize {
    skip_trivia(text.as_bytes(), 0)
}

/// True for text that holds only white space and comments.
fn is_trivia(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("//")
    })
}

/// The offset of the first character outside ASCII in `chunk` that is not inside a
/// string or a comment.
fn non_ascii_in_code(chunk: &str) -> Option<usize> {
    let bytes = chunk.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_comment(bytes, i),
            b if b >= 0x80 => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn non_ascii_diagnostic(file: &Path, chunk: &str, start: usize, at: usize) -> Diagnostic {
    let c = chunk[at..].chars().next().unwrap_or('\u{fffd}');
    Diagnostic::new(
        file,
        Span::new(start + at, start + at + c.len_utf8()),
        Kind::Syntax {
            expected:
                "ASCII outside strings and comments (names are ASCII letters, digits and `_`)"
                    .into(),
            found: format!("`{c}` (U+{:04X}), which is not ASCII", c as u32),
            hint: None,
        },
    )
}

/// Where a header `module a.b {` that does not parse goes wrong, reading on from just
/// after `module` (pest names no literal it wanted, so it would point at `module`).
fn header_diagnostic(file: &Path, text: &str, after_keyword: usize) -> Option<Diagnostic> {
    let name_start =
        after_keyword + text[after_keyword..].len() - text[after_keyword..].trim_start().len();
    if text[name_start..].starts_with("//") {
        return None; // a comment in the header: pest's own message
    }
    let name_len = text[name_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(text.len() - name_start);
    let after_name = name_start + name_len;
    let next = after_name + text[after_name..].len() - text[after_name..].trim_start().len();
    let (at, expected, hint) = if name_len == 0 {
        (name_start, "the module's name (`text.slug`)", None)
    } else if !text[next..].starts_with('{') {
        (
            next,
            "`{` after the module's name",
            Some("a module's name is names joined by dots, `text.slug`, and its items follow between `{` and `}`".to_string()),
        )
    } else {
        return None;
    };
    let end = (at + found_len(text, at)).max(at);
    Some(Diagnostic::new(
        file,
        Span::new(at, end),
        Kind::Syntax {
            expected: expected.into(),
            found: describe_found(text, at),
            hint,
        },
    ))
}

/// A pest error, at `offset` into the file, as a diagnostic.
pub(crate) fn to_diagnostic(file: &Path, text: &str, offset: usize, err: &PestError) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    } + offset;
    let mut expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    // At the end of the file with a bracket still open, the file was cut short (or a
    // `}` forgotten): the bracket says more than what could have come next.
    let at_end = text.get(pos..).is_some_and(|rest| rest.trim().is_empty());
    if expected == NOTHING_NAMED || at_end {
        // pest names rules, not the punctuation it wanted (`Bad(int }` wants `,` or
        // `)`); an unclosed bracket before the error is the likely cause, so name it.
        if let Some(open) = unclosed_bracket(text, offset.min(pos), pos) {
            expected = closing_wanted(text, open);
        }
    } else if let Some(open) = left_open_before(text, offset, pos) {
        expected = closing_wanted(text, open);
    }
    // pest tracks rules, not the punctuation inside them: an item whose `(` or `{` is
    // missing fails as a whole, at its keyword, with nothing named it wanted (or with
    // itself: "expected `fn`, found `fn`"). Point at what is missing instead.
    let (pos, mut expected) = match item_header_error(text, pos) {
        Some((at, wanted)) => (at, wanted.to_string()),
        None if expected == NOTHING_NAMED && starts_chunk(text, offset, pos) => {
            (pos, NOT_AN_ITEM.to_string())
        }
        None => (pos, expected),
    };
    let rest = text.get(pos..).unwrap_or("");
    if rest.starts_with('"') && unterminated(rest) {
        // A string never closed runs to the end of the file: say so at its opening quote,
        // not "expected an expression".
        return Diagnostic::new(
            file,
            Span::new(pos, pos + 1),
            Kind::Syntax {
                expected: "a `\"` to close the string opened here".into(),
                found: "the end of the file".into(),
                hint: None,
            },
        );
    }
    // pest names only the doc a body may open with: its clauses and methods start with
    // keywords, which it does not list.
    if expected == "a string" {
        match enclosing_block(text, pos) {
            Some("fn") => {
                expected = "a doc, `example`, `requires`, `ensures`, `property` or `}`".into();
            }
            Some("type") => expected = "a doc, a method (`fn`) or `}`".into(),
            _ => {}
        }
        // pest names only the free-text form after `nfr`: its checked kinds are keywords.
        if follows_nfr(text, pos) {
            expected = "a string, `forbid`, `deps`, `perf`, `max_lines` or `lint`".into();
        }
    }
    let found = describe_found(text, pos);
    let end = (pos + found_len(text, pos)).max(pos);
    let misspelt = misspelt_keyword(text, pos);
    let out_of_place = (expected == NOT_AN_ITEM)
        .then(|| out_of_place_hint(&text[pos..end]))
        .flatten();
    let hint = hint_at(text, pos)
        .or(out_of_place)
        .or_else(|| misspelt.as_ref().map(|k| format!("did you mean `{k}`?")));
    if misspelt.is_some() {
        expected = "a keyword".into();
    } else if offset > 0 {
        // A declaration parsed on its own ends where the next one starts.
        expected = expected.replace("the end of the file", "the end of the declaration");
    }
    Diagnostic::new(
        file,
        Span::new(pos, end),
        Kind::Syntax {
            expected,
            found,
            hint,
        },
    )
}

/// The words that open a clause or statement (or a module, or an NFR's kind): with
/// [`ITEM_KEYWORDS`], the words a "did you mean" hint offers at the start of a line.
const CLAUSE_KEYWORDS: &[&str] = &[
    "module",
    "example",
    "requires",
    "ensures",
    "property",
    "forall",
    "where",
    "let",
    "expect",
    "forbid",
    "deps",
    "perf",
    "max_lines",
    "lint",
];

/// What the text at a syntax error most likely meant: a block comment, a duration written
/// with a space (a misspelt keyword is [`misspelt_keyword`]'s).
fn hint_at(text: &str, pos: usize) -> Option<String> {
    let rest = text.get(pos..)?;
    if rest.starts_with("/*") || (rest.starts_with('*') && text[..pos].ends_with('/')) {
        return Some("the language has line comments only: start each line with `//`".into());
    }
    if let Some(hint) = declaration_hint(text, pos) {
        return Some(hint);
    }
    let before = text[..pos].trim_end_matches([' ', '\t']);
    // `example f(1) = 2`: one `=` where a comparison was meant (`let x = ..` parses).
    let line_so_far = &before[before.rfind('\n').map_or(0, |n| n + 1)..];
    // A module's doc written after its `use` lines: the doc comes first.
    let after_use = before
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with("use "));
    if rest.starts_with('"') && line_so_far.trim().is_empty() && after_use {
        return Some(
            "a module's doc comes first, right after `module a.b {`, before its `use` lines".into(),
        );
    }
    // A string opening a line where none may stand: a doc written after the clauses,
    // fields or items it documents (a scenario's lines may start with a string).
    if rest.starts_with('"') && line_so_far.trim().is_empty() {
        return Some(
            "a doc comes first in its block, right after the `{` of its module, `fn`, record, enum or `type`, before everything else".into(),
        );
    }
    let is_assignment = rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=>");
    // Rust's `lo..=hi` and a timing's `<=`: no comparison was meant, so not the hint below.
    if is_assignment && before.ends_with("..") {
        return Some(inclusive_range_hint(before, &rest[1..]));
    }
    if is_assignment && before.ends_with('<') && line_so_far.trim_start().starts_with("nfr perf") {
        return Some(
            "a timing's budget follows `<`, which says \"less than\": `nfr perf f(x) < 2ms`".into(),
        );
    }
    // `nfr perf f(x) > 2ms`, `>=`: the budget is an upper bound, written with `<` only.
    if rest.starts_with('>') && line_so_far.trim_start().starts_with("nfr perf") {
        return Some(
            "a timing's budget follows `<`, which says \"less than\": `nfr perf f(x) < 2ms`".into(),
        );
    }
    // `nfr deps ["serde"]`: crate names are written bare, as in Cargo.toml's keys.
    if rest.starts_with('"') && line_so_far.trim_start().starts_with("nfr deps") {
        return Some("write crate names without quotes: `nfr deps [serde, serde_json]`".into());
    }
    if follows_nfr(text, pos) {
        return Some(nfr_forms_hint(&rest[..found_len(text, pos)]));
    }
    if is_assignment && !line_so_far.trim_start().starts_with("let ") {
        return Some("compare with `==`: a single `=` only binds a name in `let`".into());
    }
    // Other languages' strings and numbers: `'a'` or a backquoted string, `.5`.
    if rest.starts_with(['\'', '`']) {
        return Some("a string is written in double quotes: `\"a\"`".into());
    }
    if rest.starts_with('.') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some("a float has digits on both sides of its `.`: `0.5`, not `.5`".into());
    }
    // `fn f(x: int): int`: a result type written as TypeScript and Python do.
    if rest.starts_with(':')
        && !rest.starts_with("::")
        && before.ends_with(')')
        && line_so_far.trim_start().starts_with("fn ")
    {
        return Some("a function's result type follows `->`: `fn f(x: int) -> int`".into());
    }
    // Rust's habits: a `;` ending a line, a `::` path.
    if rest.starts_with(';') {
        return Some(
            "ghost has no `;`: a clause or statement ends where its expression ends, and fields and variants are separated by `,` or line breaks".into(),
        );
    }
    // `forall x: int: f(x) == x`: a body opened as other languages do.
    if rest.starts_with(':')
        && !rest.starts_with("::")
        && line_so_far.contains("forall ")
        && !line_so_far.contains("=>")
    {
        return Some(
            "a property's body follows `=>`: `property forall x: int => f(x) == x`".into(),
        );
    }
    if rest.starts_with("::") {
        return Some(
            "ghost writes paths with `.`, not `::`: `Shape.Dot`, `Counter.new()`, `text.slug.slugify(s)`".into(),
        );
    }
    // `ensures forall i: int => ..`: `forall` read as a name, the error at the variable.
    let after_forall = before
        .strip_suffix("forall")
        .is_some_and(|b| !b.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
    if after_forall && opens_property(before) {
        // The error is in the property's first bound variable itself.
        return Some(
            "each bound variable has a type, and a range comes after it: `forall x: int`, `forall x: int in 0..10`".into(),
        );
    }
    if after_forall {
        return Some(if line_so_far.trim_start().starts_with("property") {
            "a property has one `forall`, at its start: bind every variable there (`property forall x: int, y: int => ..`)".into()
        } else {
            "`forall` opens a property, a clause of its own (`property name: forall x: int => ..`): `requires`, `ensures` and `expect` have no quantifiers".into()
        });
    }
    let word = &rest[..found_len(text, pos)];
    if let Some(hint) = closed_too_early(text, pos, word) {
        return Some(hint);
    }
    let starts_line = line_so_far.trim().is_empty() || before.ends_with('{');
    if matches!(word, "let" | "expect") && starts_line && in_fn_or_type(text, pos) {
        return Some(format!(
            "`{word}` is a statement: write it inside a `scenario` or a `snapshot`; a function's body holds its doc and its `example`, `requires`, `ensures` and `property` clauses"
        ));
    }
    if !word.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        return None;
    }
    // `fn f(x int)`: a parameter's type without its `:`, as Go writes it.
    let after_word = rest[word.len()..].trim_start_matches([' ', '\t']);
    if before.ends_with(['(', ',']) && line_so_far.trim_start().starts_with("fn ") {
        let ty: String = after_word
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ty.is_empty() {
            return Some(format!(
                "a parameter is its name, `:` and its type: `{word}: {ty}`"
            ));
        }
    }
    let line = &before[before.rfind('\n').map_or(0, |n| n + 1)..];
    let in_perf = line.trim_start().starts_with("nfr perf");
    if in_perf
        && ["ns", "us", "ms", "s"].contains(&word)
        && before.ends_with(|c: char| c.is_ascii_digit())
    {
        let number = &before[before
            .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .map_or(0, |n| n + 1)..];
        return Some(format!(
            "write a duration without a space: `{number}{word}`"
        ));
    }
    // `< 2 hours`, `< 5 seconds`: a unit the language does not have, apart from its number.
    if in_perf && line.contains('<') && before.ends_with(|c: char| c.is_ascii_digit()) {
        return Some(
            "a duration is a number and its unit written together, `ns`, `us`, `ms` or `s`: `2ms`, `1.5s`".into(),
        );
    }
    None
}

/// What a declaration written as another language writes it most likely meant: a
/// default value, a named or braced variant, a field in a `type`, a type spelt as Rust,
/// TypeScript or Python spell it, `use .. as`, a generic function.
fn declaration_hint(text: &str, pos: usize) -> Option<String> {
    let rest = text.get(pos..)?;
    let before = text[..pos].trim_end_matches([' ', '\t']);
    let line_so_far = before[before.rfind('\n').map_or(0, |n| n + 1)..].trim_start();
    let block = enclosing_block(text, pos);
    let in_params = line_so_far.starts_with("fn ")
        && unclosed_bracket(text, 0, pos).is_some_and(|open| text.as_bytes()[open] == b'(');
    let is_assignment = rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=>");
    // `fn f(x: int = 3)`, `record R { x: int = 3 }`: no default values.
    if is_assignment && in_params {
        return Some(
            "a parameter has no default value: write `x: int`, and give every argument in each call".into(),
        );
    }
    if is_assignment && block == Some("record") {
        return Some(
            "a field has no default value: write `x: int`; a record literal names every field"
                .into(),
        );
    }
    // `enum E { A { x: int } }`, `A(x: int)`: a variant carries bare types.
    let paren = unclosed_bracket(text, 0, pos).filter(|&open| text.as_bytes()[open] == b'(');
    let in_sum = |block: Option<&str>| matches!(block, Some("enum" | "error"));
    let named_field = paren.is_some_and(|open| in_sum(enclosing_block(text, open)));
    if (in_sum(block) && rest.starts_with('{')) || (named_field && rest.starts_with(':')) {
        return Some(
            "a variant carries bare types in parentheses, `A(int, str)`; for named fields, declare a `record` and carry it: `A(Point)`".into(),
        );
    }
    // `type T { x: int }`: an opaque type's state is the implementation's.
    if block == Some("type") && rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        let after = rest[found_len(text, pos)..].trim_start();
        if after.starts_with(':') {
            return Some(
                "a `type` is opaque: it declares methods (`fn get(self) -> int`), and the implementation chooses its fields; plain data with public fields is a `record`".into(),
            );
        }
    }
    // Types written as other languages write them.
    let in_declaration =
        line_so_far.starts_with("fn ") || matches!(block, Some("record" | "enum" | "error"));
    let type_position =
        in_declaration && (before.ends_with([':', '<', ',', '(']) || before.ends_with("->"));
    if rest.starts_with('&') && type_position {
        return Some(
            "a type is written without `&`: `str`, `list<int>`; ghost borrows parameters where the target needs it (`str` is `&str` in Rust)".into(),
        );
    }
    if rest.starts_with('[') && type_position {
        return Some("a list's type is `list<int>`; `[1, 2]` is a list value".into());
    }
    let generic = ["list", "map", "option", "result"]
        .into_iter()
        .find(|g| before.ends_with(g));
    if let (Some(g), true) = (generic, rest.starts_with('[')) {
        return Some(format!("type arguments go between `<` and `>`: `{g}<int>`"));
    }
    if rest.starts_with('?') && (in_params || line_so_far.contains("->")) {
        return Some("a value that may be missing has the type `option<int>`".into());
    }
    // `use a.b as c`: a used module's names are reached unqualified or by its full name.
    if line_so_far.starts_with("use ") && rest.starts_with("as") {
        return Some(
            "`use` takes a module's name alone, `use a.b`: its names are then written as they are when unique, else in full (`a.b.Name`)".into(),
        );
    }
    // `fn f<T>(x: T)`: signatures are concrete.
    if rest.starts_with('<') && line_so_far.starts_with("fn ") && !before.ends_with("->") {
        return Some(
            "a function has no type parameters: write the concrete types, `fn f(xs: list<int>) -> int`".into(),
        );
    }
    None
}

/// The kinds an `nfr` may name before its own syntax; anything else is a free-text
/// string.
const NFR_KINDS: &[&str] = &["forbid", "deps", "perf", "max_lines", "lint"];

/// Whether the word before `pos` (white space and line breaks skipped) is `nfr` opening
/// an item: what stands at `pos` is then the NFR's kind, or its text.
fn follows_nfr(text: &str, pos: usize) -> bool {
    let Some(head) = text[..pos].trim_end().strip_suffix("nfr") else {
        return false;
    };
    let line = &head[head.rfind('\n').map_or(0, |n| n + 1)..];
    // `nfr` opens its line, or follows the module's `{` on the same one.
    line.trim().is_empty() || line.trim_end().ends_with('{')
}

/// The help at what follows `nfr` when it is none of the NFR's forms: the kind `word`
/// is a likely typo of, or every form.
fn nfr_forms_hint(word: &str) -> String {
    if let Some(kind) = crate::diagnostics::suggest::closest(word, NFR_KINDS.iter().copied()) {
        return format!("did you mean `nfr {kind}`?");
    }
    "an `nfr` is free text in quotes, asked for in the prompt (`nfr \"Never panics.\"`), or a checked one: `nfr forbid unsafe`, `nfr deps [crate, ...]`, `nfr perf f(x) < 2ms`, `nfr max_lines 100` or `nfr lint`".into()
}

/// The hint for `lo..=hi`: the language's ranges are half-open, so the end goes up by one
/// (worked out when it is a plain integer).
fn inclusive_range_hint(before: &str, after: &str) -> String {
    let after = after.trim_start();
    let digits: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '_')
        .collect();
    let next = digits
        .replace('_', "")
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_add(1));
    let lo = before[..before.len() - 2]
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    // Only a plain integer ends the range: `2 * 5` or `2.5` are not `2`.
    let then = after[digits.len()..].trim_start();
    let ends = then.is_empty()
        || then.starts_with("=>")
        || then.starts_with([',', ')'])
        || then.starts_with("where");
    match next {
        Some(n) if !lo.is_empty() && ends => format!(
            "a range is half-open, `lo..hi` without `hi`, and has no `..=`: write `{lo}..{n}` for `{lo}..={digits}`"
        ),
        _ => "a range is half-open, `lo..hi` without `hi`, and has no `..=`: write the end one higher".into(),
    }
}

/// Whether `before` (the text before an error, trailing blanks trimmed, ending in
/// `forall`) opens a property: `property forall` or `property name: forall`.
fn opens_property(before: &str) -> bool {
    let head = before.strip_suffix("forall").unwrap_or(before).trim_end();
    let head = match head.strip_suffix(':') {
        Some(named) => named
            .trim_end()
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .trim_end(),
        None => head,
    };
    head.strip_suffix("property")
        .is_some_and(|b| !b.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// Whether the innermost block open at `pos` is a `fn`'s body or a `type`'s, where
/// scenario statements do not go.
fn in_fn_or_type(text: &str, pos: usize) -> bool {
    matches!(enclosing_block(text, pos), Some("fn" | "type"))
}

/// The first word of the line that opens the innermost `{` still open at `pos` (`fn`,
/// `type`, `scenario`, ...); `None` when a `(` or `[` is the innermost.
fn enclosing_block(text: &str, pos: usize) -> Option<&str> {
    let open = unclosed_bracket(text, 0, pos)?;
    if text.as_bytes()[open] != b'{' {
        return None;
    }
    let line = &text[text[..open].rfind('\n').map_or(0, |n| n + 1)..open];
    line.split_whitespace().next()
}

/// A word or number right after a `"` (`example f("abc) == "abc"` fails at the second
/// `abc`): a string earlier on the line was most likely left open, and the quote meant
/// to open the next one closed it. Names where that string started.
fn closed_too_early(text: &str, pos: usize, word: &str) -> Option<String> {
    let word_like = word.starts_with(|c: char| c.is_alphanumeric() || c == '_');
    let closing = pos.checked_sub(1).filter(|&q| text.as_bytes()[q] == b'"')?;
    if !word_like {
        return None;
    }
    // The string's opening quote: the previous `"` that no backslash escapes.
    let bytes = text.as_bytes();
    let opening = (0..closing).rev().find(|&i| {
        bytes[i] == b'"' && bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    })?;
    let (line, col) = LineIndex::new(text).line_col(text, opening);
    if !text[opening..closing].contains('\n') {
        return Some(format!(
            "the string opened at {line}:{col} ends at the `\"` right before `{word}`: is a closing `\"` missing in it?"
        ));
    }
    // Over lines, a string is a doc; one that holds a line starting with a clause or an
    // item was left open, and took that code in up to the next string's opening quote.
    let swallowed = text[opening..closing].lines().skip(1).any(|l| {
        let first = l.split_whitespace().next().unwrap_or("");
        FN_CLAUSE_KEYWORDS.contains(&first) || ITEM_KEYWORDS.contains(&first)
    });
    swallowed.then(|| {
        format!(
            "the string opened at {line}:{col} is not closed on its line, and runs on to the `\"` right before `{word}`: is a closing `\"` missing in it?"
        )
    })
}

/// The keyword a word at the start of a line (or after `{`) is a likely typo of.
fn misspelt_keyword(text: &str, pos: usize) -> Option<String> {
    let word = &text.get(pos..)?[..found_len(text, pos)];
    let before = text[..pos].trim_end_matches([' ', '\t']);
    let line_start = before.is_empty() || before.ends_with('\n') || before.ends_with('{');
    let keywords = ITEM_KEYWORDS.iter().chain(CLAUSE_KEYWORDS).copied();
    if !line_start || keywords.clone().any(|k| k == word) {
        return None;
    }
    crate::diagnostics::suggest::closest(word, keywords)
}

/// What an error expects when pest tried no rule with a name a user knows.
const NOTHING_NAMED: &str = "something else here";

/// What a module's body holds where a word that opens no item stands.
const NOT_AN_ITEM: &str =
    "an item (`use`, `fn`, `record`, `enum`, `error`, `type`, `scenario`, `snapshot` or `nfr`) or the module's closing `}`";

/// Where a word that belongs somewhere else than among a module's items goes.
fn out_of_place_hint(word: &str) -> Option<String> {
    Some(match word {
        "module" => {
            "a file holds one module: give the other its own file in the specs folder".into()
        }
        "example" | "requires" | "ensures" | "property" => {
            format!(
                "`{word}` is a clause of a function: write it in the body of the `fn` it is about"
            )
        }
        "let" | "expect" => {
            format!("`{word}` is a statement: write it inside a `scenario` or a `snapshot`")
        }
        _ => return None,
    })
}

/// Where the header of the item whose keyword is at `pos` goes wrong, and what it wanted
/// there: the `(` after a function's name, the `{` after a type's name or a scenario's.
/// `None` when the header is whole (the error is further in, and pest's own message
/// names it) or when no item keyword is at `pos`.
fn item_header_error(text: &str, pos: usize) -> Option<(usize, &'static str)> {
    let keyword = &text.get(pos..)?[..found_len(text, pos)];
    let (opener, wanted) = match keyword {
        "fn" => ('(', "`(` after the function's name"),
        "record" | "enum" | "error" | "type" => ('{', "`{` after the name"),
        "scenario" | "snapshot" => ('{', "`{` after the name"),
        _ => return None,
    };
    let bytes = text.as_bytes();
    let mut at = skip_trivia(bytes, pos + keyword.len());
    if keyword == "scenario" || keyword == "snapshot" {
        if bytes.get(at) != Some(&b'"') {
            return None; // pest says a string is wanted
        }
        at = skip_string(bytes, at);
    } else {
        let name_len = found_len(text, at);
        let is_name = text[at..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if name_len == 0 || !is_name {
            return None; // pest says a name is wanted
        }
        at += name_len;
    }
    let at = skip_trivia(bytes, at);
    (bytes.get(at) != Some(&(opener as u8))).then_some((at, wanted))
}

/// The offset of the first byte from `from` on that is not white space or a comment.
fn skip_trivia(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = skip_comment(bytes, i);
        } else {
            break;
        }
    }
    i
}

/// Whether `pos` is the first code of the item chunk parsed from `offset` (a word that
/// opens no item, such as `let` or a second `module`, standing where an item should).
/// The whole file (offset 0) is no chunk: its errors are the header's.
fn starts_chunk(text: &str, offset: usize, pos: usize) -> bool {
    offset > 0 && text.get(offset..pos).is_some_and(is_trivia)
}

/// The offset of the innermost bracket opened in `text[from..to]` and not closed there
/// (strings and comments skipped).
fn unclosed_bracket(text: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = &text.as_bytes()[..to.min(text.len())];
    let mut open: Vec<usize> = Vec::new();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_comment(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => open.push(i),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.pop()
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().filter_map(|r| rule_name(*r)).collect();
    names.dedup();
    let mut seen = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    match seen.len() {
        0 => NOTHING_NAMED.into(),
        1 => seen[0].into(),
        _ => {
            let last = seen.pop().expect("two or more");
            format!("{} or {}", seen.join(", "), last)
        }
    }
}

/// The words a user knows for a grammar rule; `None` hides rules that add no information.
fn rule_name(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "the end of the file",
        module | module_head => "`module`",
        module_path => "a module path such as `text.slug`",
        doc => "a doc string",
        use_decl => "`use`",
        fn_decl => "`fn`",
        record_decl => "`record`",
        enum_decl => "`enum`",
        error_decl => "`error`",
        type_decl => "`type`",
        scenario => "`scenario`",
        snapshot => "`snapshot`",
        nfr => "`nfr`",
        params | param | named_param | self_param => "a parameter",
        ret_type => "`->`",
        fn_body => "`{`",
        example => "`example`",
        requires => "`requires`",
        ensures => "`ensures`",
        property => "`property`",
        property_name => "a property name",
        binders | binder => "a bound variable such as `x: int`",
        range => "`in`",
        where_clause => "`where`",
        field => "a field such as `name: str`",
        variant => "a variant",
        let_stmt => "`let`",
        expect_stmt => "`expect`",
        expr_stmt | expr | expr_no_cmp | postfix_expr => "an expression",
        nfr_text => "a string",
        nfr_forbid => "`forbid`",
        nfr_deps => "`deps`",
        nfr_perf => "`perf`",
        nfr_max_lines => "`max_lines`",
        nfr_lint => "`lint`",
        dep | crate_name => "a crate name",
        duration => "a duration such as `2ms`",
        tuple_type | named_type | type_name => "a type",
        neg | not => "an expression",
        operator | or | and | eq | ne | le | ge | lt | gt | add | sub | mul | div | rem => {
            "an operator"
        }
        call_args => "`(`",
        method_call | field_access => "`.`",
        index => "`[`",
        tuple_index => "a field number",
        record_lit => "a record",
        field_init => "a field such as `name: value`",
        list_lit => "a list",
        map_lit => "a map",
        map_entry => "a map entry such as `key: value`",
        paren_or_tuple => "`(`",
        ident => "a name",
        float | int => "a number",
        string | string_body => "a string",
        bool_lit => "`true` or `false`",
        _ => return None,
    })
}

/// Whether the string literal `rest` opens is never closed (escapes skipped).
fn unterminated(rest: &str) -> bool {
    let mut chars = rest.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return false,
            _ => {}
        }
    }
    true
}

fn found_len(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return 0;
    };
    if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    }
}

fn describe_found(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    match rest.chars().next() {
        None => "the end of the file".into(),
        Some('\n') | Some('\r') => "the end of the line".into(),
        Some(c) if c.is_whitespace() => "white space".into(),
        // In backquotes it would read as an empty code span: "found ```".
        Some('`') => "a backquote".into(),
        Some(_) => format!("`{}`", &rest[..found_len(text, pos)]),
    }
}

#[cfg(test)]
mod tests {
    /// A function named by a keyword (`fn type`, which parses in a clean file) is one item
    /// in a file that needs recovery too: the broken record before it is the only error.
    #[test]
    fn a_keyword_after_fn_is_the_functions_name() {
        let text = "module k.a {\n  record Rec { a: int, r#x: int }\n\n  fn type(x: int) -> int {\n    example type(1) == 1\n  }\n}\n";
        let (ast, diags) = crate::syntax::parse(std::path::Path::new("k/a.ghost"), text);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let module = ast.module.expect("the header parses");
        assert_eq!(module.items.len(), 1, "{:?}", module.items);
    }
}
