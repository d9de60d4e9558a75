//! Limits on nesting, so that no input can exhaust the stack: pest descends once per
//! bracket or generic type, and every later stage walks expressions recursively.

use super::ast::{Expr, ExprKind};

/// Deepest nesting of brackets the parser accepts.
pub(crate) const MAX_BRACKETS: usize = 64;
/// Deepest nesting of generic types (`list<list<...>>`). Higher than for brackets, as a
/// run of comparisons between plain names (`a < b`) cannot be told apart from them.
pub(crate) const MAX_ANGLES: usize = 256;
/// Deepest expression tree the lowering keeps (operator chains count, one level each).
pub(crate) const MAX_EXPR_DEPTH: usize = 256;

/// The offset of the first bracket (`(`, `[`, `{`) that opens a level beyond
/// [`MAX_BRACKETS`], or generic `<` beyond [`MAX_ANGLES`], outside strings and comments,
/// with the limit it broke. A `<` counts as an opening
/// until something that cannot stand in a type (a digit, an operator, a bracket other
/// than parentheses) shows it was a comparison.
pub(crate) fn too_deep_at(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut brackets, mut angles) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Lands on the closing quote; the `i += 1` below steps past it.
                i = super::comments::skip_string(bytes, i) - 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = super::comments::skip_comment(bytes, i);
            }
            b'(' | b'[' | b'{' => {
                brackets += 1;
                if bytes[i] != b'(' {
                    angles = 0;
                }
                if brackets > MAX_BRACKETS {
                    return Some((i, MAX_BRACKETS));
                }
            }
            b')' | b']' | b'}' => {
                brackets = brackets.saturating_sub(1);
                if bytes[i] != b')' {
                    angles = 0;
                }
            }
            b'<' => {
                angles += 1;
                if angles > MAX_ANGLES {
                    return Some((i, MAX_ANGLES));
                }
            }
            b'>' => angles = angles.saturating_sub(1),
            b if b.is_ascii_alphabetic() || b == b'_' => {
                // A name (digits inside it included) can stand in a type.
                while i + 1 < bytes.len()
                    && (bytes[i + 1].is_ascii_alphanumeric() || bytes[i + 1] == b'_')
                {
                    i += 1;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' | b',' => {}
            _ => angles = 0,
        }
        i += 1;
    }
    None
}

/// Whether `e` can be deeper than [`MAX_EXPR_DEPTH`], from its span alone: every level of
/// an expression tree holds at least one byte of its own (an operator, a bracket, a dot),
/// so a deeper tree spans more bytes than that. Most expressions are far shorter, and
/// this saves walking them with [`expr_depth`].
pub(crate) fn may_be_too_deep(e: &Expr) -> bool {
    e.span.end.saturating_sub(e.span.start) > MAX_EXPR_DEPTH
}

/// The depth of an expression tree, counted without recursion.
pub(crate) fn expr_depth(e: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        for child in children(e) {
            stack.push((child, d + 1));
        }
    }
    deepest
}

/// Drops an expression tree without recursion (a deep one would overflow the stack).
pub(crate) fn dismantle(e: Expr) {
    let mut stack = vec![e];
    while let Some(mut e) = stack.pop() {
        match std::mem::replace(&mut e.kind, ExprKind::Tuple(Vec::new())) {
            ExprKind::List(xs) | ExprKind::Tuple(xs) => stack.extend(xs),
            ExprKind::Map(kv) => kv.into_iter().for_each(|(k, v)| stack.extend([k, v])),
            ExprKind::Paren(x) => stack.push(*x),
            ExprKind::Record { fields, .. } => stack.extend(fields.into_iter().map(|(_, v)| v)),
            ExprKind::Call { callee, args } => {
                stack.push(*callee);
                stack.extend(args);
            }
            ExprKind::MethodCall { receiver, args, .. } => {
                stack.push(*receiver);
                stack.extend(args);
            }
            ExprKind::Field { base, .. } => stack.push(*base),
            ExprKind::Index { base, index } => stack.extend([*base, *index]),
            ExprKind::Unary { operand, .. } => stack.push(*operand),
            ExprKind::Binary { lhs, rhs, .. } => stack.extend([*lhs, *rhs]),
            _ => {}
        }
    }
}

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::List(xs) | ExprKind::Tuple(xs) => xs.iter().collect(),
        ExprKind::Map(kv) => kv.iter().flat_map(|(k, v)| [k, v]).collect(),
        ExprKind::Paren(x) => vec![x],
        ExprKind::Record { fields, .. } => fields.iter().map(|(_, v)| v).collect(),
        ExprKind::Call { callee, args } => std::iter::once(&**callee).chain(args).collect(),
        ExprKind::MethodCall { receiver, args, .. } => {
            std::iter::once(&**receiver).chain(args).collect()
        }
        ExprKind::Field { base, .. } => vec![base],
        ExprKind::Index { base, index } => vec![base, index],
        ExprKind::Unary { operand, .. } => vec![operand],
        ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_brackets_and_types_are_found() {
        let parens = format!("f({}1{})", "(".repeat(70), ")".repeat(70));
        assert_eq!(too_deep_at(&parens), Some((2 + 63, MAX_BRACKETS)));
        let ty = format!("fn f() -> {}int{}", "list<".repeat(300), ">".repeat(300));
        assert_eq!(too_deep_at(&ty).map(|(_, limit)| limit), Some(MAX_ANGLES));
        let ok = format!("fn f() -> {}int{}", "list<".repeat(60), ">".repeat(60));
        assert_eq!(too_deep_at(&ok), None);
    }

    /// The bound [`may_be_too_deep`] rests on: no tree is deeper than its span is long.
    #[test]
    fn every_level_spans_a_byte_of_its_own() {
        let shapes = [
            ("-", "1", ""),
            ("!", "x", ""),
            ("(", "1", ")"),
            ("", "x", ".f"),
            ("", "x", "[0]"),
            ("", "f", "()"),
            ("", "x", ".m()"),
            ("", "1", "+1"),
            ("[", "1", "]"),
            ("(", "1", ",)"),
            ("{1: ", "1", "}"),
            ("R{a:", "1", "}"),
        ];
        for (open, leaf, close) in shapes {
            for n in [1, 10, 60] {
                let expr = format!("{}{leaf}{}", open.repeat(n), close.repeat(n));
                let text = format!("module m {{ fn f() {{ example {expr} }} }}");
                let (ast, diags) = crate::syntax::parse(std::path::Path::new("m.ghost"), &text);
                assert!(diags.is_empty(), "{expr}: {diags:?}");
                let module = ast.module.expect("parses");
                let crate::syntax::ast::Item::Fn(f) = &module.items[0] else {
                    panic!("a fn")
                };
                let crate::syntax::ast::Clause::Example(x) = &f.clauses[0] else {
                    panic!("an example")
                };
                let e = &x.expr;
                assert!(expr_depth(e) > n, "{expr}");
                assert!(expr_depth(e) <= e.span.end - e.span.start, "{expr}");
            }
        }
    }

    #[test]
    fn comparisons_and_strings_do_not_count() {
        let many = "requires a < b\n".repeat(100) + &"example len(s) < 100\n".repeat(100);
        assert_eq!(
            too_deep_at(&many.replace("requires a < b", "requires a < 1")),
            None
        );
        assert_eq!(too_deep_at(&"\"((((\" // ((((\n".repeat(100)), None);
        assert_eq!(too_deep_at(&"f((1)) ".repeat(100)), None);
    }
}
