//! Overflow returned as the spec's error: `a.cents + b.cents` that panicked with "attempt
//! to add with overflow" in a test that expected `err(MoneyError.Overflow)` becomes
//! `a.cents.checked_add(b.cents).ok_or(MoneyError::Overflow)?`, one of ghost's small
//! edits (`mutants.rs`).
//!
//! In: a failing test's output (the panic's place in `imp.rs` and rustc's overflow
//! message) and its clause (the error it expected), then the attempt's code. Out: the
//! overflows to mend ([`Overflow`]), and for each, the code with that operation checked.
//!
//! Why: a small model computes first and checks after (`let sum = a + b; if sum >
//! i64::MAX ..`), which overflows before the check can run: the evaluation's
//! `fallible.money` did so in every attempt (docs/evals.md, eighteenth round), and
//! shown the panic it wrote the same again. The panic names the very expression, and
//! the example names the error to return: the edit needs nothing else.

use super::mutants::code_mask;

/// An arithmetic overflow a failing test panicked with, where the test expected an
/// error variant for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// The panic's place in `imp.rs`, 1-based (rustc's column counts characters).
    pub line: usize,
    pub column: usize,
    /// The checked method for the operation: `checked_add`, `checked_sub`, `checked_mul`.
    pub method: &'static str,
    /// The error to return, as Rust names it: `MoneyError::Overflow`.
    pub error: String,
}

/// The operations rustc names in its overflow panics, with their operators and checked
/// methods.
const OPERATIONS: &[(&str, &str, &str)] = &[
    ("attempt to add with overflow", "+", "checked_add"),
    ("attempt to subtract with overflow", "-", "checked_sub"),
    ("attempt to multiply with overflow", "*", "checked_mul"),
];

/// The overflow a failing test's `output` shows inside `imp.rs`, when its `clause`
/// expected an error variant named for overflows (`err(MoneyError.Overflow)`).
pub fn overflow_in(output: &str, clause: &str) -> Option<Overflow> {
    let error = overflow_variant(clause)?;
    let lines: Vec<&str> = output.lines().collect();
    let (at, method) = lines.iter().enumerate().find_map(|(i, l)| {
        OPERATIONS
            .iter()
            .find(|(message, ..)| l.trim() == *message)
            .map(|(_, _, method)| (i, *method))
    })?;
    // The panic's line comes just before rustc's message: `panicked at PATH:L:C:`.
    let place = lines[..at]
        .iter()
        .rev()
        .find_map(|l| l.split_once(" panicked at ").map(|(_, place)| place))?;
    let place = place.trim_end().strip_suffix(':')?;
    let mut parts = place.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let path = parts.next()?;
    path.ends_with("imp.rs").then_some(Overflow {
        line,
        column,
        method,
        error,
    })
}

/// The variant of `err(E.V)` in a clause whose `V` names an overflow, in Rust's words
/// (`E::V`); `None` when the clause expects no such error.
fn overflow_variant(clause: &str) -> Option<String> {
    clause.match_indices("err(").find_map(|(at, open)| {
        let rest = &clause[at + open.len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let (enum_name, variant) = path.rsplit_once('.')?;
        let after = &rest[path.len()..];
        (variant.to_ascii_lowercase().contains("overflow")
            && !enum_name.is_empty()
            && after.starts_with(')'))
        .then(|| format!("{}::{variant}", enum_name.replace('.', "::")))
    })
}

/// `code` with the operation at `overflow`'s place checked: `L OP R` (or `L OP= R`)
/// where `L` and `R` are names, fields, calls or indexings, as `L.method(R).ok_or(E)?`.
/// `None` when no such operation starts there.
pub fn checked(code: &str, overflow: &Overflow) -> Option<String> {
    let line_start = code
        .split_inclusive('\n')
        .take(overflow.line.checked_sub(1)?)
        .map(str::len)
        .sum::<usize>();
    let line = code[line_start..].lines().next()?;
    let start = line_start
        + line
            .char_indices()
            .nth(overflow.column.checked_sub(1)?)
            .map(|(i, _)| i)?;
    let mask = code_mask(code);
    let lhs_end = operand_end(code, &mask, start)?;
    let op = OPERATIONS
        .iter()
        .find(|(_, _, method)| *method == overflow.method)
        .map(|(_, op, _)| *op)?;
    let rest = &code[lhs_end..];
    let (assign, after_op) = if let Some(r) = rest.strip_prefix(&format!(" {op}= ")) {
        (true, r)
    } else {
        (false, rest.strip_prefix(&format!(" {op} "))?)
    };
    let rhs_start = code.len() - after_op.len();
    let rhs_end = operand_end(code, &mask, rhs_start)?;
    let (lhs, rhs) = (&code[start..lhs_end], &code[rhs_start..rhs_end]);
    let value = format!(
        "{lhs}.{}({rhs}).ok_or({})?",
        overflow.method, overflow.error
    );
    let with = if assign {
        format!("{lhs} = {value}")
    } else {
        value
    };
    Some(format!("{}{with}{}", &code[..start], &code[rhs_end..]))
}

/// The end of the operand that starts at `start`: a name or literal, with fields, `::`
/// paths, method calls, calls and indexing after it (`self.items[i].cents`,
/// `a.len() as i64` is not one: a cast ends it). `None` when nothing starts there.
fn operand_end(code: &str, mask: &[bool], start: usize) -> Option<usize> {
    let b = code.as_bytes();
    let mut at = start;
    while at < b.len() && mask[at] {
        let c = b[at];
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b':' {
            at += 1;
        } else if c == b'(' {
            at = super::mutants::matching(b, mask, at, (b'(', b')'))? + 1;
        } else if c == b'[' {
            at = super::mutants::matching(b, mask, at, (b'[', b']'))? + 1;
        } else {
            break;
        }
    }
    (at > start && !code[start..at].ends_with('.')).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "thread 'example_add_3' panicked at src/fallible/money/imp.rs:4:15:\nattempt to add with overflow\n";
    const CLAUSE: &str = "example add(Money { cents: 9223372036854775807, currency: \"EUR\" }, Money { cents: 1, currency: \"EUR\" }) == err(MoneyError.Overflow)";

    #[test]
    fn the_panic_and_the_expected_error_say_what_to_check() {
        assert_eq!(
            overflow_in(OUTPUT, CLAUSE),
            Some(Overflow {
                line: 4,
                column: 15,
                method: "checked_add",
                error: "MoneyError::Overflow".into(),
            })
        );
        // An overflow the spec expects no error for is a slip of another kind.
        assert_eq!(overflow_in(OUTPUT, "example add(m, n) == ok(m)"), None);
        // A panic outside the module's code (a test's own arithmetic) is not its code's.
        let elsewhere = OUTPUT.replace("src/fallible/money/imp.rs", "tests/fallible_money.rs");
        assert_eq!(overflow_in(&elsewhere, CLAUSE), None);
    }

    #[test]
    fn the_operation_at_the_panic_is_checked() {
        let code = "use super::*;\n\npub fn add(a: Money, b: Money) -> Result<Money, MoneyError> {\n    let sum = a.cents + b.cents;\n    if sum > i64::MAX {\n        return Err(MoneyError::Overflow);\n    }\n    Ok(Money { cents: sum, currency: a.currency })\n}\n";
        let overflow = overflow_in(OUTPUT, CLAUSE).expect("an overflow");
        let edited = checked(code, &overflow).expect("an edit");
        assert!(
            edited.contains(
                "    let sum = a.cents.checked_add(b.cents).ok_or(MoneyError::Overflow)?;\n"
            ),
            "{edited}"
        );
        // `+=` keeps its place, assigned.
        let code =
            "fn f(&mut self, x: i64) -> Result<(), E> {\n    self.total *= x[0];\n    Ok(())\n}\n";
        let overflow = Overflow {
            line: 2,
            column: 5,
            method: "checked_mul",
            error: "E::Overflow".into(),
        };
        assert_eq!(
            checked(code, &overflow).as_deref(),
            Some("fn f(&mut self, x: i64) -> Result<(), E> {\n    self.total = self.total.checked_mul(x[0]).ok_or(E::Overflow)?;\n    Ok(())\n}\n")
        );
        // Another operation there: nothing to edit.
        let other = Overflow {
            method: "checked_sub",
            ..overflow
        };
        assert_eq!(checked(code, &other), None);
    }
}
