//! One-line text of expressions, types and string literals, with canonical spacing.
//!
//! Parentheses the user wrote are kept (`ExprKind::Paren`); others are added only where
//! precedence needs them, which never happens for a tree that came from the parser.

use crate::syntax::ast::{BinaryOp, Expr, ExprKind, TypeExpr, UnaryOp};

/// Binding strength of an expression's outermost form, higher binds tighter. Binary
/// operators use [`BinaryOp::precedence`] (1 to 5).
const UNARY: u8 = 6;
const POSTFIX: u8 = 7;
const ATOM: u8 = 8;

/// An expression as one line of canonical text.
pub(crate) fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(e, 0, &mut out);
    out
}

/// A type as written, with canonical spacing: `map<str, list<int>>`, `(int, str)`.
pub(crate) fn type_expr(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named(i) => i.name.clone(),
        TypeExpr::Generic { name, args, .. } => {
            format!(
                "{}<{}>",
                name.name,
                args.iter().map(type_expr).collect::<Vec<_>>().join(", ")
            )
        }
        TypeExpr::Tuple { elems, .. } => tuple(elems.iter().map(type_expr).collect()),
    }
}

/// A string literal whose value is `value`: quotes, backslashes, line breaks, tabs,
/// other control characters and invisible ones ([`super::canonical::is_hidden`]) are
/// escaped; everything else is written as itself.
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    escape_into(value, &mut out);
    out.push('"');
    out
}

/// Escapes `value` for the inside of a string literal (see [`string`]).
pub(crate) fn escape_into(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if super::canonical::is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
}

/// True when `e` has a `<`, `<=`, `>` or `>=` outside any brackets: `nfr perf` reads its
/// call only up to the first `<`, so such a call needs parentheses there.
pub(crate) fn has_bare_order(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } => {
            matches!(
                op,
                BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
            ) || has_bare_order(lhs)
                || has_bare_order(rhs)
        }
        _ => false,
    }
}

fn strength(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::Unary { .. } => UNARY,
        // `i64::MIN` is folded from `-9223372036854775808` and prints with its sign.
        ExprKind::Int(Some(v)) if *v < 0 => UNARY,
        ExprKind::Call { .. }
        | ExprKind::MethodCall { .. }
        | ExprKind::Field { .. }
        | ExprKind::Index { .. } => POSTFIX,
        _ => ATOM,
    }
}

/// Writes `e`, in parentheses when it binds less tightly than `min`.
fn write_expr(e: &Expr, min: u8, out: &mut String) {
    if strength(e) < min {
        out.push('(');
        write_expr(e, 0, out);
        out.push(')');
        return;
    }
    match &e.kind {
        ExprKind::Int(Some(v)) => out.push_str(&v.to_string()),
        // Only in trees with diagnostics, which are never formatted; keep the text valid.
        ExprKind::Int(None) => out.push('0'),
        ExprKind::Float(text) => out.push_str(text),
        ExprKind::Str(value) => out.push_str(&string(value)),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Name(name) => out.push_str(name),
        ExprKind::List(items) => {
            out.push('[');
            list(items, out);
            out.push(']');
        }
        ExprKind::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(k, 0, out);
                out.push_str(": ");
                write_expr(v, 0, out);
            }
            out.push('}');
        }
        ExprKind::Tuple(items) => out.push_str(&tuple(items.iter().map(expr).collect())),
        ExprKind::Paren(inner) => {
            out.push('(');
            write_expr(inner, 0, out);
            out.push(')');
        }
        ExprKind::Record { name, fields } => {
            out.push_str(&name.name);
            if fields.is_empty() {
                out.push_str(" {}");
                return;
            }
            out.push_str(" { ");
            for (i, (f, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&f.name);
                out.push_str(": ");
                write_expr(v, 0, out);
            }
            out.push_str(" }");
        }
        ExprKind::Call { callee, args } => {
            // `(a.f)(x)` without its parentheses would read as the method call `a.f(x)`.
            let min = if matches!(callee.kind, ExprKind::Field { .. }) {
                ATOM
            } else {
                POSTFIX
            };
            write_expr(callee, min, out);
            out.push('(');
            list(args, out);
            out.push(')');
        }
        ExprKind::MethodCall {
            receiver,
            method,
            args,
        } => {
            write_expr(receiver, POSTFIX, out);
            out.push('.');
            out.push_str(&method.name);
            out.push('(');
            list(args, out);
            out.push(')');
        }
        ExprKind::Field { base, field } => {
            write_expr(base, POSTFIX, out);
            // `1 .0` (field `0` of the integer 1) must not run together into the float `1.0`.
            if matches!(base.kind, ExprKind::Int(_))
                && field.name.starts_with(|c: char| c.is_ascii_digit())
            {
                out.push(' ');
            }
            out.push('.');
            out.push_str(&field.name);
        }
        ExprKind::Index { base, index } => {
            write_expr(base, POSTFIX, out);
            out.push('[');
            write_expr(index, 0, out);
            out.push(']');
        }
        ExprKind::Unary { op, operand } => {
            out.push(match op {
                UnaryOp::Neg => '-',
                UnaryOp::Not => '!',
            });
            write_expr(operand, UNARY, out);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let prec = op.precedence();
            // Left-associative; comparisons do not chain, so neither side may be one.
            let left_min = if op.is_comparison() { prec + 1 } else { prec };
            write_expr(lhs, left_min, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(rhs, prec + 1, out);
        }
    }
}

fn list(items: &[Expr], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(item, 0, out);
    }
}

/// `()`, `(a,)` or `(a, b)`: a one-element tuple keeps its comma.
fn tuple(items: Vec<String>) -> String {
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    fn e(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }
    fn int(v: i64) -> Expr {
        e(ExprKind::Int(Some(v)))
    }
    fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        e(ExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        })
    }

    #[test]
    fn precedence_adds_parentheses_only_where_needed() {
        let sum = bin(BinaryOp::Add, int(1), int(2));
        assert_eq!(
            expr(&bin(BinaryOp::Mul, sum.clone(), int(3))),
            "(1 + 2) * 3"
        );
        assert_eq!(expr(&bin(BinaryOp::Add, sum.clone(), int(3))), "1 + 2 + 3");
        assert_eq!(
            expr(&bin(BinaryOp::Sub, int(3), sum.clone())),
            "3 - (1 + 2)"
        );
        let cmp = bin(BinaryOp::Eq, int(1), int(2));
        assert_eq!(
            expr(&bin(BinaryOp::Eq, cmp.clone(), int(3))),
            "(1 == 2) == 3"
        );
        assert_eq!(
            expr(&bin(BinaryOp::And, cmp.clone(), cmp)),
            "1 == 2 && 1 == 2"
        );
        let neg = e(ExprKind::Unary {
            op: UnaryOp::Neg,
            operand: Box::new(sum),
        });
        assert_eq!(expr(&neg), "-(1 + 2)");
    }

    #[test]
    fn strings_escape_only_what_they_must() {
        assert_eq!(string("a\"b\\c\nd\te\u{1}é"), r#""a\"b\\c\nd\te\u{1}é""#);
    }

    #[test]
    fn invisible_and_direction_changing_characters_are_escaped() {
        assert_eq!(
            string("a\u{202e}b\u{200b}c\u{feff}\u{2066}é😀"),
            r#""a\u{202e}b\u{200b}c\u{feff}\u{2066}é😀""#
        );
        // Joiners that shape emoji and scripts are text: written as themselves.
        assert_eq!(
            string("👩\u{200d}💻 می\u{200c}خواهم"),
            "\"👩\u{200d}💻 می\u{200c}خواهم\""
        );
    }

    #[test]
    fn a_numbered_field_of_an_integer_does_not_become_a_float() {
        let field = e(ExprKind::Field {
            base: Box::new(int(1)),
            field: crate::syntax::ast::Ident {
                name: "0".into(),
                span: Span::default(),
            },
        });
        assert_eq!(expr(&field), "1 .0");
    }

    #[test]
    fn tuples_keep_the_one_element_comma() {
        assert_eq!(expr(&e(ExprKind::Tuple(vec![int(1)]))), "(1,)");
        assert_eq!(expr(&e(ExprKind::Tuple(vec![]))), "()");
        assert_eq!(expr(&e(ExprKind::Tuple(vec![int(1), int(-2)]))), "(1, -2)");
    }
}
