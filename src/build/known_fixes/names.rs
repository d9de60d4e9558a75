//! Names used where they are not bound, fixed from the code around them (rustc's JSON
//! shows only the line of the error, so these fixes read the file itself).

use super::{suggestion_of, Point};
use crate::build::cargo::CompilerMessage;
use rustfix::Suggestion;

/// How far above the error the `for` line is looked for.
const LINES_UP: usize = 8;

/// `cannot find value `w` in this scope` (E0425) in the body of a loop whose head binds
/// `w` only in a closure, `for word in text.split(' ').filter(|w| !w.is_empty()) {
/// self.add(w); }`: the loop's own binding was meant, `self.add(word)`. Only when the
/// loop binds a single name and the closure parameter is `w`, `&w` or `&&w`.
pub(super) fn closure_parameter_in_loop(code: &str, e: &CompilerMessage) -> Option<Suggestion> {
    let name = e
        .rendered
        .lines()
        .next()?
        .strip_prefix("error[E0425]: cannot find value `")?
        .strip_suffix("` in this scope")?;
    let at = Point::of(code, e)?;
    let end = at.byte + name.len();
    if code.get(at.byte..end)? != name {
        return None;
    }
    let binding = code[..at.line_at]
        .lines()
        .rev()
        .take(LINES_UP)
        .find_map(|l| loop_binding(l, name))?;
    let span = at.span(e, name.len())?;
    let message = format!("cannot find value `{name}` in this scope");
    Some(suggestion_of(
        &span,
        &message,
        vec![(at.byte..end, binding.to_string())],
    ))
}

/// `word` of `for word in ITER {` when ITER has a closure with the parameter `name`.
fn loop_binding<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.trim_start().strip_prefix("for ")?;
    let (binding, iter) = rest.split_once(" in ")?;
    let binding = binding.trim();
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    if !is_name(binding) || binding == name {
        return None;
    }
    let closure = ["|", "|&", "|&&"]
        .iter()
        .any(|open| iter.contains(&format!("{open}{name}|")));
    closure.then_some(binding)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc's error for `name` at `line:column` of `src/a/imp.rs`.
    fn error(name: &str, line: u32, column: u32) -> CompilerMessage {
        CompilerMessage {
            level: "error".into(),
            file: Some("src/a/imp.rs".into()),
            line: Some(line),
            column: Some(column),
            rendered: format!(
                "error[E0425]: cannot find value `{name}` in this scope\n  --> src/a/imp.rs:{line}:{column}\n"
            ),
            suggestion: None,
        }
    }

    fn fixed(code: &str, e: &CompilerMessage) -> Option<String> {
        let s = closure_parameter_in_loop(code, e)?;
        let mut fix = rustfix::CodeFix::new(code);
        fix.apply(&s).ok()?;
        fix.finish().ok()
    }

    const CODE: &str = "impl H {\n    pub fn add_text(&mut self, text: &str) {\n        for word in text.split_whitespace().filter(|&w| !w.is_empty()) {\n            self.add(w);\n        }\n    }\n}\n";

    #[test]
    fn a_closure_parameter_used_in_the_loop_body_is_the_loop_binding() {
        let e = error("w", 4, 22);
        assert_eq!(
            fixed(CODE, &e).as_deref(),
            Some(CODE.replace("self.add(w)", "self.add(word)").as_str())
        );
    }

    #[test]
    fn other_unknown_names_are_left_alone() {
        // Not a closure parameter of the loop's head.
        let e = error("x", 4, 22);
        assert!(closure_parameter_in_loop(CODE, &e).is_none());
        // The column does not point at the name.
        let e = error("w", 4, 13);
        assert!(closure_parameter_in_loop(CODE, &e).is_none());
        // A loop binding a pattern, not one name.
        let code = CODE.replace("for word in", "for (i, word) in");
        let e = error("w", 4, 22);
        assert!(closure_parameter_in_loop(&code, &e).is_none());
        // A line past the end of the file.
        let e = error("w", 40, 22);
        assert!(closure_parameter_in_loop(CODE, &e).is_none());
    }
}
