//! A side effect one branch of an `if`/`else` has and the other lacks, copied into the
//! other, one of ghost's small edits (`mutants.rs`).
//!
//! In: the attempt's code and the byte ranges of the bodies to edit. Out: one variant of
//! the code for each statement of a branch that changes `self` (`self.items.push(x);`,
//! `self.len += 1;`) and that the branch beside it lacks, put first in that branch; the
//! code after an `if` whose block returns early is the other branch of that `if`.
//!
//! Why: a small model writes a stateful method's cases apart and gives the state change
//! to one of them only: the evaluation's ring buffers returned the oldest value when full
//! without pushing the new one (`if full { Some(self.items.remove(0)) } else {
//! self.items.push(x); None }`) in every attempt (docs/evals.md, eighteenth round), and
//! shown the failing scenario, wrote the same again.

use super::mutants::{code_mask, enclosing, matching};

/// The statements that change `self` through a method that adds, or a compound assignment.
const EFFECTS: &[&str] = &[
    ".push(",
    ".push_back(",
    ".push_front(",
    ".insert(",
    ".extend(",
    " += ",
    " -= ",
];

/// The variants of `code`, one per statement copied from a branch into the other, inside
/// `bodies` (byte ranges), each with what changed.
pub fn copied(code: &str, bodies: &[(usize, usize)]) -> Vec<(String, String)> {
    let mask = code_mask(code);
    let b = code.as_bytes();
    let mut out = Vec::new();
    out.extend(into_early_returns(code, &mask, bodies));
    for (at, _) in code.match_indices("} else {") {
        if !mask[at] || !bodies.iter().any(|(s, e)| at >= *s && at < *e) {
            continue;
        }
        let Some(first_open) = enclosing(b, &mask, at, (b'{', b'}')) else {
            continue;
        };
        let second_open = at + "} else ".len();
        let Some(second_close) = matching(b, &mask, second_open, (b'{', b'}')) else {
            continue;
        };
        let first = (first_open + 1, at);
        let second = (second_open + 1, second_close);
        for (from, into) in [(second, first), (first, second)] {
            let lacking = &code[into.0..into.1];
            for statement in effects(code, &mask, from) {
                if lacking.contains(statement.as_str()) {
                    continue;
                }
                let indent = indentation(lacking);
                let edited = format!(
                    "{}\n{indent}{statement}{}",
                    &code[..into.0],
                    &code[into.0..]
                );
                let what = format!("`{statement}` in both branches of an `if`");
                out.push((edited, what));
            }
        }
    }
    out
}

/// The variants for each `if COND { .. return X; }` without an `else`: the changes of
/// `self` after it in the block that holds it, which the early return skips, put first
/// in its block.
fn into_early_returns(
    code: &str,
    mask: &[bool],
    bodies: &[(usize, usize)],
) -> Vec<(String, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    for (at, _) in code.match_indices("return ") {
        if !mask[at] || !bodies.iter().any(|(s, e)| at >= *s && at < *e) {
            continue;
        }
        let Some(open) = enclosing(b, mask, at, (b'{', b'}')) else {
            continue;
        };
        let line_start = code[..open].rfind('\n').map_or(0, |n| n + 1);
        if !code[line_start..open].trim_start().starts_with("if ") {
            continue;
        }
        let Some(close) = matching(b, mask, open, (b'{', b'}')) else {
            continue;
        };
        // The return ends the block: nothing after it runs either way.
        let after_return = code[at..close].trim_end();
        if !after_return.ends_with(';') || after_return[..after_return.len() - 1].contains(';') {
            continue;
        }
        if code[close + 1..].trim_start().starts_with("else") {
            continue;
        }
        let Some(parent_open) = enclosing(b, mask, line_start, (b'{', b'}')) else {
            continue;
        };
        let Some(parent_close) = matching(b, mask, parent_open, (b'{', b'}')) else {
            continue;
        };
        let block = &code[open + 1..close];
        for statement in effects(code, mask, (close + 1, parent_close)) {
            if block.contains(statement.as_str()) {
                continue;
            }
            let indent = indentation(block);
            let edited = format!(
                "{}\n{indent}{statement}{}",
                &code[..open + 1],
                &code[open + 1..]
            );
            let what = format!("`{statement}` before the early return too");
            out.push((edited, what));
        }
    }
    out
}

/// The statements of the block `range` (inside its braces) at its own level that change
/// `self`, each whole with its `;`.
fn effects(code: &str, mask: &[bool], range: (usize, usize)) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = range.0;
    for i in range.0..range.1 {
        if !mask[i] {
            continue;
        }
        match b[i] {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth -= 1,
            b';' if depth == 0 => {
                let statement = code[start..=i].trim();
                if statement.starts_with("self.")
                    && EFFECTS.iter().any(|e| statement.contains(e))
                    && !statement.contains('\n')
                {
                    out.push(statement.to_string());
                }
                start = i + 1;
            }
            _ => {}
        }
        // A block statement (`if .. { .. }`) ends at its `}`, with no `;`.
        if b[i] == b'}' && depth == 0 {
            start = i + 1;
        }
    }
    out
}

/// The indentation of the first non-empty line of `block`.
fn indentation(block: &str) -> String {
    block
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l[..l.len() - l.trim_start().len()].to_string())
        .unwrap_or_else(|| "    ".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_push_one_branch_lacks_is_put_first_in_it() {
        let code = "impl R {\n    pub fn push(&mut self, x: i64) -> Option<i64> {\n        if self.data.len() == self.capacity as usize {\n            Some(self.data.remove(0))\n        } else {\n            self.data.push(x);\n            None\n        }\n    }\n}\n";
        let all = [(0, code.len())];
        let variants = copied(code, &all);
        assert_eq!(variants.len(), 1, "{variants:?}");
        assert_eq!(
            variants[0].0,
            "impl R {\n    pub fn push(&mut self, x: i64) -> Option<i64> {\n        if self.data.len() == self.capacity as usize {\n            self.data.push(x);\n            Some(self.data.remove(0))\n        } else {\n            self.data.push(x);\n            None\n        }\n    }\n}\n"
        );
        assert_eq!(
            variants[0].1,
            "`self.data.push(x);` in both branches of an `if`"
        );
        // Outside the bodies to edit, or with both branches alike: nothing.
        assert!(copied(code, &[(0, 5)]).is_empty());
        let alike = code.replace(
            "Some(self.data.remove(0))",
            "self.data.push(x);\n            Some(self.data.remove(0))",
        );
        assert!(copied(&alike, &all).is_empty());
    }

    #[test]
    fn the_push_an_early_return_skips_is_put_before_it() {
        let code = "impl R {\n    pub fn push(&mut self, x: i64) -> Option<i64> {\n        if self.buffer.len() == self.capacity as usize {\n            return Some(self.buffer.remove(0));\n        }\n        self.buffer.push(x);\n        None\n    }\n}\n";
        let variants = copied(code, &[(0, code.len())]);
        assert_eq!(variants.len(), 1, "{variants:?}");
        assert_eq!(
            variants[0].0,
            "impl R {\n    pub fn push(&mut self, x: i64) -> Option<i64> {\n        if self.buffer.len() == self.capacity as usize {\n            self.buffer.push(x);\n            return Some(self.buffer.remove(0));\n        }\n        self.buffer.push(x);\n        None\n    }\n}\n"
        );
        // A return inside a loop's block, or a function's own, is no early return of an `if`.
        let looped = "fn f(&mut self) -> i64 {\n    for x in 0..3 {\n        return x;\n    }\n    self.n += 1;\n    0\n}\n";
        assert!(copied(looped, &[(0, looped.len())]).is_empty());
    }

    #[test]
    fn only_statements_that_change_self_are_copied() {
        let code = "fn f(&mut self, x: i64) -> i64 {\n    if x > 0 {\n        0\n    } else {\n        let y = x + 1;\n        println!(\"{y}\");\n        self.total += y;\n        y\n    }\n}\n";
        let variants = copied(code, &[(0, code.len())]);
        let whats: Vec<&str> = variants.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(whats, ["`self.total += y;` in both branches of an `if`"]);
    }
}
