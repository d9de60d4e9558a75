//! A field's new value computed and handed back but never stored, stored: one of ghost's
//! small edits (`mutants.rs`).
//!
//! In: the attempt's code and the byte ranges of the bodies to edit. Out: one variant of
//! the code for each method taking `&mut self` that computes a new value of one of its
//! fields (`let new_balance = self.balance + cents;`, or `Ok(self.balance + cents)` at the
//! end) without assigning that field anywhere, with `self.balance = new_balance;` put
//! just before the value is returned, and one variant with every such place stored when
//! there are several.
//!
//! Why: a small model writes the new state of a stateful type as a value to return and
//! forgets to keep it: the evaluation's bank accounts returned `Ok(new_balance)` from
//! `deposit` and `withdraw` with the balance left as it was, in three attempts of four
//! (docs/evals.md, eighteenth round), and shown the failing scenario, wrote the same again.
//! Stored just before the return, a refusal checked after the computation (`if
//! new_balance < 0 { return Err(..) }`) still changes nothing.

use super::mutants::code_mask;

/// The operators a new value is computed with.
const OPERATORS: &[&str] = &[" + ", " - ", " * "];

/// One place to store: the byte index of the line to put the assignment before, the
/// assignment, and the text replacing the returned expression (when it is the expression
/// itself that computes the value).
struct Place {
    line_start: usize,
    store: String,
    returned: Option<(usize, usize, String)>,
    what: String,
}

/// The variants of `code`, each with what changed, inside `bodies` (byte ranges).
pub fn stored(code: &str, bodies: &[(usize, usize)]) -> Vec<(String, String)> {
    let mask = code_mask(code);
    let mut places = Vec::new();
    for &(start, end) in bodies {
        if !takes_mut_self(code, start) {
            continue;
        }
        let body = &code[start..end];
        places.extend(let_places(&mask, start, body));
        places.extend(returned_places(start, body));
    }
    let mut out: Vec<(String, String)> = places
        .iter()
        .map(|p| (apply(code, std::slice::from_ref(p)), p.what.clone()))
        .collect();
    if places.len() > 1 {
        out.push((
            apply(code, &places),
            format!("{} new values stored in their fields", places.len()),
        ));
    }
    out
}

/// Whether the function whose body starts at `body_start` takes `&mut self`.
fn takes_mut_self(code: &str, body_start: usize) -> bool {
    let head = &code[..body_start];
    head.rfind("fn ")
        .is_some_and(|at| head[at..].contains("&mut self"))
}

/// `let NAME = self.FIELD OP ..;` where FIELD is never assigned in the body and NAME is
/// returned (`Ok(NAME)`, `Some(NAME)`, `NAME`, with or without `return`).
fn let_places(mask: &[bool], start: usize, body: &str) -> Vec<Place> {
    let mut out = Vec::new();
    for (offset, line) in lines(body) {
        let at = start + offset + (line.len() - line.trim_start().len());
        if !mask.get(at).copied().unwrap_or(false) {
            continue;
        }
        let text = line.trim();
        let Some(rest) = text
            .strip_prefix("let mut ")
            .or_else(|| text.strip_prefix("let "))
        else {
            continue;
        };
        let Some((name, value)) = rest.split_once(" = ") else {
            continue;
        };
        let name = name.split(':').next().unwrap_or(name).trim();
        if !super::tidy::is_ident(name) {
            continue;
        }
        let Some(field) = computed_field(value.trim_end_matches(';')) else {
            continue;
        };
        if assigned(body, &field) {
            continue;
        }
        let Some((line_start, indent)) = returned_line(start, body, name) else {
            continue;
        };
        out.push(Place {
            line_start,
            store: format!("{indent}self.{field} = {name};\n"),
            returned: None,
            what: format!("`self.{field} = {name};` before `{name}` is returned"),
        });
    }
    out
}

/// `Ok(self.FIELD OP X)` (or `Some(..)`, or bare) as the body's last line, FIELD never
/// assigned in the body: the value stored, then the field returned.
fn returned_places(start: usize, body: &str) -> Vec<Place> {
    let Some((offset, line)) = lines(body).into_iter().rfind(|(_, l)| !l.trim().is_empty()) else {
        return Vec::new();
    };
    let text = line.trim();
    let (wrapper, inner) = ["Ok(", "Some("]
        .iter()
        .find_map(|w| {
            text.strip_prefix(w)
                .and_then(|r| r.strip_suffix(')'))
                .map(|inner| (*w, inner))
        })
        .unwrap_or(("", text));
    let Some(field) = computed_field(inner) else {
        return Vec::new();
    };
    if assigned(body, &field) {
        return Vec::new();
    }
    let indent = &line[..line.len() - line.trim_start().len()];
    let line_start = start + offset;
    let text_start = line_start + indent.len();
    let close = if wrapper.is_empty() { "" } else { ")" };
    vec![Place {
        line_start,
        store: format!("{indent}self.{field} = {inner};\n"),
        returned: Some((
            text_start,
            text_start + text.len(),
            format!("{wrapper}self.{field}{close}"),
        )),
        what: format!("`self.{field} = {inner};` before it is returned"),
    }]
}

/// The field `value` computes from: `self.FIELD OP ..` with one of [`OPERATORS`].
fn computed_field(value: &str) -> Option<String> {
    let rest = value.trim().strip_prefix("self.")?;
    let field: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let after = &rest[field.len()..];
    (!field.is_empty() && OPERATORS.iter().any(|op| after.starts_with(op))).then_some(field)
}

/// Whether `body` assigns `self.FIELD` (`=`, `+=` and the like) or changes it through a
/// method (`self.FIELD.push(..)` is no new value computed aside).
fn assigned(body: &str, field: &str) -> bool {
    let target = format!("self.{field}");
    body.match_indices(&target).any(|(at, _)| {
        let after = body[at + target.len()..].trim_start();
        let next = body[at + target.len()..].chars().next();
        if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return false;
        }
        (after.starts_with('=') && !after.starts_with("=="))
            || ["+=", "-=", "*=", "/=", "%="]
                .iter()
                .any(|op| after.starts_with(op))
    })
}

/// The line (its start and indentation) returning `name`: its last line in the body
/// reading `Ok(name)`, `Some(name)` or `name`, with or without `return` and `;`.
fn returned_line(start: usize, body: &str, name: &str) -> Option<(usize, String)> {
    let forms = [
        format!("Ok({name})"),
        format!("Some({name})"),
        name.to_string(),
    ];
    lines(body).into_iter().rev().find_map(|(offset, line)| {
        let text = line.trim();
        let text = text.strip_prefix("return ").unwrap_or(text);
        let text = text.strip_suffix(';').unwrap_or(text);
        forms.iter().any(|f| f == text).then(|| {
            let indent = &line[..line.len() - line.trim_start().len()];
            (start + offset, indent.to_string())
        })
    })
}

/// The lines of `body` with their byte offsets, without their line ends.
fn lines(body: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        out.push((offset, line.trim_end_matches(['\n', '\r'])));
        offset += line.len();
    }
    out
}

/// `code` with every place stored, from the last up so that earlier offsets hold.
fn apply(code: &str, places: &[Place]) -> String {
    let mut ordered: Vec<&Place> = places.iter().collect();
    ordered.sort_by_key(|p| std::cmp::Reverse(p.line_start));
    let mut out = code.to_string();
    for p in ordered {
        if let Some((from, to, with)) = &p.returned {
            out.replace_range(*from..*to, with);
        }
        out.insert_str(p.line_start, &p.store);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "impl Account {
    pub fn balance(&self) -> i64 {
        self.balance
    }

    pub fn deposit(&mut self, cents: i64) -> Result<i64, AccountError> {
        if cents <= 0 {
            return Err(AccountError::NotPositive(cents));
        }
        let new_balance = self.balance + cents;
        self.history.push(Change::Deposit(cents));
        Ok(new_balance)
    }

    pub fn withdraw(&mut self, cents: i64) -> Result<i64, AccountError> {
        let new_balance = self.balance - cents;
        if new_balance < 0 {
            return Err(AccountError::Insufficient(self.balance, cents));
        }
        Ok(new_balance)
    }

    pub fn peek(&self) -> i64 {
        let next = self.balance + 1;
        next
    }
}
";

    fn bodies(code: &str) -> Vec<(usize, usize)> {
        let mask = code_mask(code);
        super::super::mutants::functions(code, &mask)
            .into_iter()
            .map(|(_, a, b)| (a, b))
            .collect()
    }

    #[test]
    fn a_new_value_handed_back_is_stored_just_before_it_is_returned() {
        let got = stored(ACCOUNT, &bodies(ACCOUNT));
        assert_eq!(got.len(), 3, "{got:#?}");
        let (deposit, what) = &got[0];
        assert_eq!(
            what,
            "`self.balance = new_balance;` before `new_balance` is returned"
        );
        assert!(deposit.contains(
            "        self.history.push(Change::Deposit(cents));\n        self.balance = new_balance;\n        Ok(new_balance)"
        ), "{deposit}");
        // The refusal after the computation still changes nothing.
        let (withdraw, _) = &got[1];
        assert!(withdraw.contains(
            "            return Err(AccountError::Insufficient(self.balance, cents));\n        }\n        self.balance = new_balance;\n        Ok(new_balance)"
        ), "{withdraw}");
        let (both, what) = &got[2];
        assert_eq!(what, "2 new values stored in their fields");
        assert_eq!(both.matches("self.balance = new_balance;").count(), 2);
        assert!(
            !both.contains("self.balance = next"),
            "`&self` is never edited"
        );
    }

    #[test]
    fn a_new_value_returned_as_it_is_computed_is_stored_and_the_field_returned() {
        let code = "fn add(&mut self, n: i64) -> Option<i64> {\n    Some(self.total + n)\n}\n";
        let got = stored(code, &bodies(code));
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(
            got[0].0,
            "fn add(&mut self, n: i64) -> Option<i64> {\n    self.total = self.total + n;\n    Some(self.total)\n}\n"
        );
    }

    #[test]
    fn a_field_the_method_assigns_is_left_alone() {
        let code = "fn add(&mut self, n: i64) -> i64 {\n    let next = self.total + n;\n    self.total += n;\n    next\n}\n";
        assert!(stored(code, &bodies(code)).is_empty());
        let code = "fn add(&mut self, n: i64) -> i64 {\n    let next = self.total + n;\n    self.total = next;\n    next\n}\n";
        assert!(stored(code, &bodies(code)).is_empty());
        // Compared, not assigned: still never stored.
        let code = "fn add(&mut self, n: i64) -> i64 {\n    let next = self.total + n;\n    if self.total == 0 { return 0; }\n    next\n}\n";
        assert_eq!(stored(code, &bodies(code)).len(), 1);
    }
}
