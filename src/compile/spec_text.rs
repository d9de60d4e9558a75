//! A checked expression ([`TExpr`]) as spec text, for failure messages that name a call
//! (`` `inc(same(x))` ``): the checker keeps the source of whole clauses only, and a
//! message about one call inside a clause should quote that call, not the clause.
//!
//! The text is what `ghost fmt` would print for the same call, but for names: a used
//! module's function is written without its module (`slugify(s)`, not
//! `text.slug.slugify(s)`), which is how most specs call it and enough to find it.

use crate::check::{Builtin, TExpr, TExprKind};
use crate::format::canonical::string_literal;

/// Binding strength, as in `format/expr.rs`: binary operators are 1 to 5.
const UNARY: u8 = 6;
const POSTFIX: u8 = 7;
const ATOM: u8 = 8;

/// `e` as one line of spec text.
pub fn spec_text(e: &TExpr) -> String {
    let mut out = String::new();
    write(e, 0, &mut out);
    out
}

fn strength(e: &TExpr) -> u8 {
    match &e.kind {
        TExprKind::Binary { op, .. } => op.precedence(),
        TExprKind::Unary { .. } => UNARY,
        TExprKind::Int(v) if *v < 0 => UNARY,
        TExprKind::Float(text) if text.starts_with('-') => UNARY,
        TExprKind::Call { .. }
        | TExprKind::MethodCall { .. }
        | TExprKind::Field { .. }
        | TExprKind::TupleField { .. }
        | TExprKind::Index { .. } => POSTFIX,
        _ => ATOM,
    }
}

/// Writes `e`, in parentheses when it binds less tightly than `min`.
fn write(e: &TExpr, min: u8, out: &mut String) {
    if strength(e) < min {
        out.push('(');
        write(e, 0, out);
        out.push(')');
        return;
    }
    match &e.kind {
        TExprKind::Unit => out.push_str("()"),
        TExprKind::Int(v) => out.push_str(&v.to_string()),
        TExprKind::Float(text) => out.push_str(text),
        TExprKind::Str(s) => out.push_str(&string_literal(s)),
        TExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        TExprKind::Local(name) => out.push_str(name),
        TExprKind::ResultValue => out.push_str("result"),
        TExprKind::List(items) => bracketed('[', items, ']', out),
        TExprKind::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(k, 0, out);
                out.push_str(": ");
                write(v, 0, out);
            }
            out.push('}');
        }
        TExprKind::Tuple(items) => {
            bracketed('(', items, ')', out);
            if items.len() == 1 {
                // `(a,)`: without the comma it is `a` in parentheses.
                out.insert(out.len() - 1, ',');
            }
        }
        TExprKind::None => out.push_str("none"),
        TExprKind::Some(x) => wrapped("some", x, out),
        TExprKind::Ok(x) => wrapped("ok", x, out),
        TExprKind::Err(x) => wrapped("err", x, out),
        TExprKind::Variant {
            enum_ty,
            variant,
            args,
        } => {
            out.push_str(&format!("{}.{variant}", enum_ty.name));
            if !args.is_empty() {
                bracketed('(', args, ')', out);
            }
        }
        TExprKind::Record { ty, fields } => {
            out.push_str(&ty.name);
            out.push_str(" { ");
            for (i, (name, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(name);
                out.push_str(": ");
                write(value, 0, out);
            }
            out.push_str(" }");
        }
        TExprKind::Call { func, args } => {
            if let Some(owner) = &func.owner {
                out.push_str(owner);
                out.push('.');
            }
            out.push_str(&func.name);
            bracketed('(', args, ')', out);
        }
        TExprKind::MethodCall {
            receiver,
            func,
            args,
        } => {
            write(receiver, POSTFIX, out);
            out.push('.');
            out.push_str(&func.name);
            bracketed('(', args, ')', out);
        }
        TExprKind::Builtin { op, args } => {
            out.push_str(match op {
                Builtin::Len => "len",
                Builtin::Repeat => "repeat",
                Builtin::ToStr => "to_str",
                Builtin::Contains => "contains",
            });
            bracketed('(', args, ')', out);
        }
        TExprKind::Field { base, name } => {
            write(base, POSTFIX, out);
            out.push('.');
            out.push_str(name);
        }
        TExprKind::TupleField { base, index } => {
            write(base, POSTFIX, out);
            out.push_str(&format!(".{index}"));
        }
        TExprKind::Index { base, index } => {
            write(base, POSTFIX, out);
            out.push('[');
            write(index, 0, out);
            out.push(']');
        }
        TExprKind::Unary { op, operand } => {
            out.push_str(match op {
                crate::syntax::ast::UnaryOp::Neg => "-",
                crate::syntax::ast::UnaryOp::Not => "!",
            });
            // `--x` is no way to write `-(-x)`.
            let negative = |e: &TExpr| match &e.kind {
                TExprKind::Unary {
                    op: crate::syntax::ast::UnaryOp::Neg,
                    ..
                } => true,
                TExprKind::Int(v) => *v < 0,
                TExprKind::Float(text) => text.starts_with('-'),
                _ => false,
            };
            if *op == crate::syntax::ast::UnaryOp::Neg && negative(operand) {
                write(operand, ATOM, out);
            } else {
                write(operand, UNARY, out);
            }
        }
        TExprKind::Binary { op, lhs, rhs } => {
            let prec = op.precedence();
            // Left-associative; comparisons do not chain, so neither side may be one.
            let left_min = if op.is_comparison() { prec + 1 } else { prec };
            write(lhs, left_min, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write(rhs, prec + 1, out);
        }
    }
}

/// `open` items separated by commas `close`.
fn bracketed(open: char, items: &[TExpr], close: char, out: &mut String) {
    out.push(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(item, 0, out);
    }
    out.push(close);
}

/// `some(x)`, `ok(x)`, `err(x)`.
fn wrapped(name: &str, inner: &TExpr, out: &mut String) {
    out.push_str(name);
    out.push('(');
    write(inner, 0, out);
    out.push(')');
}

#[cfg(test)]
mod tests {
    use super::spec_text;
    use crate::check::{Contract, Project};

    /// The checked clauses of `spec` (one module `m`), by their source.
    fn clauses(spec: &str) -> Vec<Contract> {
        let project = checked(spec);
        project.modules[0]
            .functions
            .iter()
            .flat_map(|f| f.examples.iter().chain(&f.requires).cloned())
            .collect()
    }

    fn checked(spec: &str) -> Project {
        let (project, diags) = crate::check::check_texts(&[("m.ghost", spec)]);
        assert!(diags.is_empty(), "{diags:?}");
        project
    }

    #[test]
    fn a_clause_reads_as_it_was_written() {
        let spec = r#"module m {
  record P { a: int, b: str }
  fn f(x: int, s: str) -> int {
    requires x >= 0 && (x + 1) * 2 > -3 || !(len(s) == 0)
    example f(-(1 - 2), "a\"b") == [1, 2][0]
    example f(P { a: 1, b: "c" }.a, to_str(3)) != (1, "x").0
  }
  fn g(m: map<int, str>) -> option<int> {
    example g({1: "a"}) == some(-2)
    example g({-(-1): "a"}) == some(-(-2))
  }
}"#;
        let texts: Vec<String> = clauses(spec).iter().map(|c| spec_text(&c.expr)).collect();
        assert_eq!(
            texts,
            [
                "f(-(1 - 2), \"a\\\"b\") == [1, 2][0]",
                "f(P { a: 1, b: \"c\" }.a, to_str(3)) != (1, \"x\").0",
                "x >= 0 && (x + 1) * 2 > -3 || !(len(s) == 0)",
                "g({1: \"a\"}) == some(-2)",
                "g({-(-1): \"a\"}) == some(-(-2))",
            ]
        );
    }
}
