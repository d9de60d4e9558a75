//! Crossover: the functions one attempt got right, put in place of the ones another
//! attempt got wrong.
//!
//! In: the code of a failed attempt (the base) with the functions its failure points at
//! (its suspects, see [`super::rewrite::suspects`]), and the module's other tested
//! attempts, each with its code and suspects. Out: the base's code with each suspect
//! replaced by another attempt's version of it that no failure pointed at, and what was
//! taken from where; nothing when no attempt has one to give.
//!
//! Why: a model gets each function of a module right more often than all of them at
//! once. Two attempts of a four-function module that each got a different function wrong
//! hold a green module between them; a fresh start throws the first away, and a repair
//! asks the model again for what an earlier attempt already wrote. Putting the right
//! pieces together costs one test run and no tokens.
//!
//! A function "got right" is one that an attempt whose tests all ran (it compiled,
//! finished and was not refused) defined, and that no failing test of it pointed at. It
//! is taken only when it fits the base: the types and constants it names are defined
//! alike in both codes (the type of its `impl` block too), and each function of its code
//! that it calls (or passes by name) is one the donor got right as well and is either the
//! same in the base, missing from the base (it comes along), or one of the base's
//! suspects (it replaces it). The `use` lines it needs come along. Two donors never bring
//! two different functions of one name. The result is tested like any attempt.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::splice::impl_head;
use crate::compile::rust::items::{items, Item};

/// One tested attempt of a module, as the crossover reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// Which attempt it was (for the record of what was taken).
    pub attempt: u32,
    /// The code as it was tested.
    pub code: String,
    /// The functions its failure points at.
    pub suspects: BTreeSet<String>,
    /// Whether its tests all ran (it compiled, finished, was not refused): only then
    /// does a function no failure points at count as right.
    pub ran: bool,
}

/// A base's code with functions of other attempts in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossed {
    pub code: String,
    /// The attempt whose code the functions were put into.
    pub base: u32,
    /// Each function put in, with the attempt it came from, in the order taken.
    pub taken: Vec<(String, u32)>,
}

impl Crossed {
    /// What was taken, for the run log of attempt `current`: "`split` of attempt 1,
    /// `format` of attempt 3", after "attempt 2's code with" when the base was another
    /// attempt's code.
    pub fn describe(&self, current: u32) -> String {
        let taken = self
            .taken
            .iter()
            .map(|(f, a)| format!("`{f}` of attempt {a}"))
            .collect::<Vec<_>>()
            .join(", ");
        if self.base == current {
            taken
        } else {
            format!("attempt {}'s code with {taken}", self.base)
        }
    }
}

/// The names a `use` item's tokens bind: each path's last segment (`Write` in
/// `use std::fmt::Write;`), its alias after `as`, the module a `self` in braces stands for
/// (`fmt` in `use std::fmt::{self, Write};`), and `*` for a glob. Never the path's other
/// segments: `std` or `collections` in a function does not need the line.
fn bound_names(head: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // The segment before each open `{`, for a `self` inside it.
    let mut outer: Vec<Option<&str>> = Vec::new();
    let mut last: Option<&str> = None;
    for (i, w) in head.iter().enumerate().skip(1) {
        let next = head.get(i + 1).copied();
        match *w {
            "{" => {
                outer.push(last);
                last = None;
            }
            "}" => {
                outer.pop();
            }
            "::" | "," | ";" | "as" => {}
            "*" => {
                out.insert("*".to_string());
            }
            // `self as x` binds `x`, read as the word after `as`.
            "self" if next != Some("::") && next != Some("as") => {
                if let Some(Some(module)) = outer.last() {
                    out.insert(module.to_string());
                }
            }
            "self" => {}
            _ if w.starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                last = Some(w);
                let renamed = next == Some("as");
                if next != Some("::") && !renamed && w != &"_" {
                    out.insert(w.to_string());
                }
            }
            _ => {}
        }
    }
    out
}

/// `base`'s code with each of its suspects replaced by the latest version among `others`
/// that got it right and fits; `None` when no suspect could be replaced.
pub fn cross(base: &Tried, others: &[Tried]) -> Option<Crossed> {
    let here = Code::read(&base.code);
    let donors: Vec<(&Tried, Code)> = others
        .iter()
        .rev()
        .filter(|d| d.ran && d.code != base.code)
        .map(|d| (d, Code::read(&d.code)))
        .collect();
    let mut plan = Plan::default();
    for (i, unit) in here.units.iter().enumerate() {
        if !base.suspects.contains(&unit.name) || plan.replaces(i) {
            continue;
        }
        for (donor, there) in &donors {
            if donor.suspects.contains(&unit.name) {
                continue;
            }
            let Some(theirs) = there.counterpart(unit) else {
                continue;
            };
            if there.units[theirs].norm == unit.norm {
                continue; // the same code failed here: the cause is elsewhere
            }
            let fit = Fit {
                here: &here,
                there,
                donor,
                base_suspects: &base.suspects,
            };
            if let Some(more) = fit.closure(theirs, &plan) {
                plan.take(more, there, donor.attempt, &base.suspects, &here);
                break;
            }
        }
    }
    if plan.taken.is_empty() {
        return None;
    }
    let code = plan.apply(&base.code, &here)?;
    (code.trim() != base.code.trim()).then_some(Crossed {
        code,
        base: base.attempt,
        taken: plan.taken,
    })
}

/// A function of a code: free, or a method of an `impl` block.
#[derive(Debug, Clone)]
struct Unit {
    /// The `impl` block's head without generics (`impl Ring`, `impl Display for Ring`);
    /// `None` for a free function.
    owner: Option<String>,
    name: String,
    /// Its bytes in its code, from its first comment or attribute to its closing brace.
    span: Range<usize>,
    /// Its tokens joined by spaces: equal for code that differs only in layout.
    norm: String,
    /// Its tokens (literals left out), to find what it calls and names.
    words: Vec<String>,
}

impl Unit {
    /// The type of its `impl` block (`Ring` for `impl Display for Ring`).
    fn owner_type(&self) -> Option<&str> {
        self.owner.as_deref().and_then(|o| o.split(' ').next_back())
    }

    /// The functions of its code it may call: free ones called or passed by name
    /// (`name(`, `map(name)`), and methods of its own type (`self.name(`, `Self::name(`,
    /// `Type::name(`).
    fn calls(&self) -> Vec<Call> {
        let w = |i: usize| self.words.get(i).map_or("", String::as_str);
        let mut out = Vec::new();
        for i in 0..self.words.len() {
            let name = w(i);
            if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                continue;
            }
            let before = i.checked_sub(1).map_or("", w);
            let before2 = i.checked_sub(2).map_or("", w);
            let call = match (before, w(i + 1)) {
                ("fn", _) => None,
                (".", "(") => (before2 == "self").then(|| Call::Method(name.to_string())),
                ("::", "(") => (before2 == "Self" || Some(before2) == self.owner_type())
                    .then(|| Call::Method(name.to_string())),
                (_, "(") => Some(Call::Free(name.to_string())),
                ("(" | ",", ")" | ",") => Some(Call::Free(name.to_string())),
                _ => None,
            };
            out.extend(call);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    Free(String),
    Method(String),
}

/// What the crossover reads of a code: its functions, its other named items (types,
/// constants) as their tokens joined by spaces, its `impl` blocks and its `use` lines.
struct Code {
    source: String,
    units: Vec<Unit>,
    defs: BTreeMap<String, String>,
    /// Each `impl` block's head and where a method added to it goes.
    blocks: Vec<(String, usize)>,
    /// Each `use` item's text, with the names it brings in.
    uses: Vec<(String, BTreeSet<String>)>,
    /// Where a `use` line added to the code goes: after its last one.
    uses_end: usize,
}

impl Code {
    fn read(code: &str) -> Code {
        let mut out = Code {
            source: code.to_string(),
            units: Vec::new(),
            defs: BTreeMap::new(),
            blocks: Vec::new(),
            uses: Vec::new(),
            uses_end: 0,
        };
        for item in items(code) {
            if let Some(name) = item.fn_name() {
                out.units.push(unit(code, &item, None, name));
                continue;
            }
            let head = item.head();
            match head.first().copied() {
                Some("impl") => {
                    let owner = impl_head(&head);
                    if let Some(body) = item.body() {
                        out.blocks.push((owner.clone(), body.end));
                    }
                    for inner in item.inner_items(code) {
                        if let Some(name) = inner.fn_name() {
                            out.units
                                .push(unit(code, &inner, Some(owner.clone()), name));
                        }
                    }
                }
                Some("use") => {
                    let names = bound_names(&head);
                    out.uses.push((code[core(code, &item)].to_string(), names));
                    out.uses_end = item.span.end;
                }
                Some(
                    "struct" | "enum" | "union" | "type" | "const" | "static" | "trait" | "mod"
                    | "macro_rules",
                ) => {
                    let name = head[1..].iter().find(|w| !matches!(**w, "mut" | "!"));
                    if let Some(name) = name {
                        out.defs.insert(name.to_string(), norm(&item));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The index of the free function `name`.
    fn free(&self, name: &str) -> Option<usize> {
        self.units
            .iter()
            .position(|u| u.owner.is_none() && u.name == name)
    }

    /// The index of method `name` of type `ty`, in any of its `impl` blocks.
    fn method(&self, ty: &str, name: &str) -> Option<usize> {
        self.units
            .iter()
            .position(|u| u.owner_type() == Some(ty) && u.name == name)
    }

    /// The index of the function that is `unit` of another code here: the same name, in
    /// an `impl` block of the same head.
    fn counterpart(&self, unit: &Unit) -> Option<usize> {
        self.units
            .iter()
            .position(|u| u.owner == unit.owner && u.name == unit.name)
    }
}

/// Where a donor's function is checked against the base.
struct Fit<'a> {
    here: &'a Code,
    there: &'a Code,
    donor: &'a Tried,
    base_suspects: &'a BTreeSet<String>,
}

impl Fit<'_> {
    /// Donor function `at` with the donor's functions it needs, each with the base's
    /// function it replaces (none: it is added); `None` when any of them does not fit.
    fn closure(&self, at: usize, plan: &Plan) -> Option<Vec<(usize, Option<usize>)>> {
        let mut out: Vec<(usize, Option<usize>)> =
            vec![(at, self.here.counterpart(&self.there.units[at]))];
        let mut i = 0;
        while i < out.len() {
            let u = &self.there.units[out[i].0];
            i += 1;
            let owner_type = u.owner_type();
            for word in u.words.iter().map(String::as_str).chain(owner_type) {
                if self.here.defs.get(word) != self.there.defs.get(word) {
                    return None;
                }
            }
            for call in u.calls() {
                let (callee, mine) = match (&call, owner_type) {
                    (Call::Free(n), _) => (self.there.free(n), self.here.free(n)),
                    (Call::Method(n), Some(ty)) => {
                        (self.there.method(ty, n), self.here.method(ty, n))
                    }
                    (Call::Method(_), None) => (None, None),
                };
                let Some(callee) = callee else {
                    continue; // not a function of this code (std, a constructor)
                };
                if out.iter().any(|(c, _)| *c == callee) {
                    continue;
                }
                let theirs = &self.there.units[callee];
                if self.donor.suspects.contains(&theirs.name) {
                    return None; // the donor got it wrong too
                }
                let planned = plan.norm_for(mine, theirs);
                match (mine, planned) {
                    // The base will hold another version of it than the one tested here.
                    (_, Some(other)) if other != theirs.norm => return None,
                    (_, Some(_)) => {}
                    (Some(m), None) if self.here.units[m].norm == theirs.norm => {}
                    (Some(m), None) if self.base_suspects.contains(&theirs.name) => {
                        out.push((callee, Some(m)))
                    }
                    (Some(_), None) => return None,
                    (None, None) => out.push((callee, None)),
                }
            }
        }
        // A method added to the base needs a block of the same head there.
        let homeless = out.iter().any(|(c, mine)| {
            let u = &self.there.units[*c];
            mine.is_none()
                && u.owner
                    .as_ref()
                    .is_some_and(|o| !self.here.blocks.iter().any(|(h, _)| h == o))
        });
        (!homeless).then_some(out)
    }
}

/// What a crossing takes: base functions replaced, donor functions added, `use` lines
/// added, and what to say of it.
#[derive(Default)]
struct Plan {
    /// Base function index → the donor text that replaces it, and its norm.
    replaced: BTreeMap<usize, (String, String)>,
    /// Donor functions added: their owner, name, text and norm.
    added: Vec<(Option<String>, String, String, String)>,
    uses: Vec<String>,
    taken: Vec<(String, u32)>,
}

impl Plan {
    fn replaces(&self, i: usize) -> bool {
        self.replaced.contains_key(&i)
    }

    /// The norm of the version of `theirs` the base will hold by this plan, if the plan
    /// puts one there (a replacement of `mine`, or an addition).
    fn norm_for(&self, mine: Option<usize>, theirs: &Unit) -> Option<String> {
        match mine {
            Some(m) => self.replaced.get(&m).map(|(_, n)| n.clone()),
            None => self
                .added
                .iter()
                .find(|(o, n, _, _)| *o == theirs.owner && *n == theirs.name)
                .map(|(_, _, _, norm)| norm.clone()),
        }
    }

    fn take(
        &mut self,
        units: Vec<(usize, Option<usize>)>,
        there: &Code,
        from: u32,
        suspects: &BTreeSet<String>,
        here: &Code,
    ) {
        let donor_code = &there.source;
        for (c, mine) in units {
            let u = &there.units[c];
            let text = donor_code[u.span.clone()].to_string();
            match mine {
                Some(m) => {
                    self.replaced.insert(m, (text, u.norm.clone()));
                }
                None => {
                    if self.norm_for(None, u).is_none() {
                        self.added
                            .push((u.owner.clone(), u.name.clone(), text, u.norm.clone()));
                    }
                }
            }
            if suspects.contains(&u.name) || mine.is_none() {
                self.taken.push((u.name.clone(), from));
            }
            for (use_text, names) in &there.uses {
                // A glob binds names no one can list: brought along, it shadows nothing
                // (a name the code binds itself wins over a glob's).
                let glob = names.contains("*");
                let needed = glob || u.words.iter().any(|w| names.contains(w));
                let had = here.uses.iter().any(|(t, _)| t == use_text);
                // A name bound twice does not compile (E0252): the code's own line for it
                // serves the taken function as well.
                let clash = here
                    .uses
                    .iter()
                    .any(|(_, bound)| bound.iter().any(|b| b != "*" && names.contains(b)));
                if needed && !had && !clash && !self.uses.contains(use_text) {
                    self.uses.push(use_text.clone());
                }
            }
        }
    }

    /// `code` (read as `here`) with the plan made.
    fn apply(&self, code: &str, here: &Code) -> Option<String> {
        let mut edits: Vec<(Range<usize>, String)> = self
            .replaced
            .iter()
            .map(|(i, (text, _))| (here.units[*i].span.clone(), text.clone()))
            .collect();
        let mut at_end = String::new();
        for (owner, _, text, _) in &self.added {
            match owner {
                None => at_end.push_str(&format!("\n\n{text}")),
                Some(o) => {
                    let (_, end) = here.blocks.iter().find(|(h, _)| h == o)?;
                    let before = code[..*end].trim_end().len();
                    edits.push((before..before, format!("\n\n    {text}")));
                }
            }
        }
        if !self.uses.is_empty() {
            let lines: String = self.uses.iter().map(|u| format!("\n{u}")).collect();
            if here.uses.is_empty() {
                // Never above inner attributes (`#![..]`), which must come first.
                at_end.push_str(&format!("\n{lines}"));
            } else {
                edits.push((here.uses_end..here.uses_end, lines));
            }
        }
        edits.sort_by_key(|(r, _)| std::cmp::Reverse((r.start, r.end)));
        let mut out = code.to_string();
        for (range, text) in edits {
            out.replace_range(range, &text);
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push_str(&at_end);
        out.push('\n');
        Some(out)
    }
}

fn unit(code: &str, item: &Item, owner: Option<String>, name: String) -> Unit {
    Unit {
        owner,
        name,
        span: core(code, item),
        norm: norm(item),
        words: item
            .tokens
            .iter()
            .filter(|t| !t.is_literal())
            .map(|t| t.text.clone())
            .collect(),
    }
}

/// An item's bytes without the blank space before it (its comments and attributes kept).
fn core(code: &str, item: &Item) -> Range<usize> {
    let text = &code[item.span.clone()];
    item.span.start + (text.len() - text.trim_start().len())..item.span.end
}

fn norm(item: &Item) -> String {
    item.tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tried(attempt: u32, code: &str, suspects: &[&str]) -> Tried {
        Tried {
            attempt,
            code: code.to_string(),
            suspects: suspects.iter().map(|s| s.to_string()).collect(),
            ran: true,
        }
    }

    const FIRST: &str = "use super::*;

pub fn encode(s: &str) -> String {
    s.to_uppercase()
}

pub fn decode(s: &str) -> String {
    s.to_lowercase()
}
";

    const SECOND: &str = "use super::*;
use std::collections::BTreeMap;

pub fn encode(s: &str) -> String {
    wrong(s)
}

fn wrong(s: &str) -> String {
    s.to_string()
}

pub fn decode(s: &str) -> String {
    // right this time
    let _m: BTreeMap<i64, i64> = BTreeMap::new();
    s.chars().map(flip).collect()
}

fn flip(c: char) -> char {
    c
}
";

    #[test]
    fn a_function_one_attempt_got_right_replaces_the_one_another_got_wrong() {
        let base = tried(1, FIRST, &["decode"]);
        let out = cross(&base, &[tried(2, SECOND, &["encode"])]).expect("crossed");
        assert_eq!(out.taken, vec![("decode".into(), 2), ("flip".into(), 2)]);
        assert_eq!(
            out.describe(1),
            "`decode` of attempt 2, `flip` of attempt 2"
        );
        assert_eq!(
            out.code,
            "use super::*;\nuse std::collections::BTreeMap;\n\npub fn encode(s: &str) -> String {\n    s.to_uppercase()\n}\n\npub fn decode(s: &str) -> String {\n    // right this time\n    let _m: BTreeMap<i64, i64> = BTreeMap::new();\n    s.chars().map(flip).collect()\n}\n\nfn flip(c: char) -> char {\n    c\n}\n",
            "the helper it passes by name and the `use` it needs come along; the other attempt's wrong helper does not"
        );
    }

    #[test]
    fn nothing_is_taken_from_code_whose_tests_did_not_run_or_that_got_it_wrong_too() {
        let base = tried(1, FIRST, &["decode"]);
        let mut broken = tried(2, SECOND, &[]);
        broken.ran = false;
        assert_eq!(cross(&base, &[broken]), None);
        assert_eq!(cross(&base, &[tried(2, SECOND, &["decode"])]), None);
        // The same text, right there and wrong here: its failure lies elsewhere.
        let same = tried(2, &FIRST.replace("to_uppercase", "trim"), &["encode"]);
        assert_eq!(cross(&base, &[same]), None);
        // A helper the donor got wrong does not come along, nor the function calling it.
        assert_eq!(cross(&base, &[tried(2, SECOND, &["encode", "flip"])]), None);
    }

    #[test]
    fn the_latest_attempt_that_got_it_right_gives_it() {
        let base = tried(3, FIRST, &["decode"]);
        let older = tried(1, &SECOND.replace("right this time", "older"), &["encode"]);
        let newer = tried(2, SECOND, &["encode"]);
        let out = cross(&base, &[older, newer]).expect("crossed");
        assert_eq!(out.taken[0], ("decode".to_string(), 2));
        assert_eq!(
            out.describe(4),
            "attempt 3's code with `decode` of attempt 2, `flip` of attempt 2"
        );
    }

    #[test]
    fn every_function_may_come_from_other_attempts() {
        let code = |a: &str, b: &str| {
            format!("pub fn a() -> i64 {{\n    {a}\n}}\n\npub fn b() -> i64 {{\n    {b}\n}}\n")
        };
        let base = tried(3, &code("0", "0"), &["a", "b"]);
        let one = tried(1, &code("1", "9"), &["b"]);
        let two = tried(2, &code("9", "2"), &["a"]);
        let out = cross(&base, &[one, two]).expect("crossed");
        assert_eq!(out.code, code("1", "2"));
    }

    #[test]
    fn a_helper_written_differently_here_or_by_another_donor_is_not_mixed_in() {
        let code = |a: &str, b: &str, h: &str| {
            format!("pub fn a(x: i64) -> i64 {{\n    {a}\n}}\n\npub fn b(x: i64) -> i64 {{\n    {b}\n}}\n\nfn h(x: i64) -> i64 {{\n    {h}\n}}\n")
        };
        // `h` is right here (no failure points at it) and different there.
        let base = tried(1, &code("h(x)", "h(x) + 1", "x"), &["b"]);
        let other = tried(2, &code("h(x) * 0", "h(x) - 1", "x * 2"), &["a"]);
        assert_eq!(cross(&base, &[other]), None);
        // Two donors whose `a` and `b` each need their own `h`, missing from the base.
        let no_h = "pub fn a(x: i64) -> i64 {\n    0\n}\n\npub fn b(x: i64) -> i64 {\n    0\n}\n";
        let base = tried(3, no_h, &["a", "b"]);
        let one = tried(1, &code("h(x)", "0", "x + 1"), &["b"]);
        let two = tried(2, &code("0", "h(x)", "x - 1"), &["a"]);
        let out = cross(&base, &[one, two]).expect("crossed");
        // `a` comes from attempt 1 with its `h`; attempt 2's `b` would need another `h`.
        assert_eq!(
            out.taken,
            vec![("a".into(), 1), ("h".into(), 1)],
            "{}",
            out.code
        );
        assert!(
            out.code.contains("x + 1") && !out.code.contains("x - 1"),
            "{}",
            out.code
        );
    }

    const RING_A: &str = "use super::*;

#[derive(Debug)]
pub struct Ring {
    items: Vec<i64>,
    cap: usize,
}

impl Ring {
    pub fn new(cap: i64) -> Self {
        Ring { items: Vec::new(), cap: cap as usize }
    }

    pub fn push(&mut self, x: i64) -> Option<i64> {
        self.items.push(x);
        None
    }

    pub fn len(&self) -> i64 {
        0
    }
}
";

    #[test]
    fn a_method_is_taken_only_from_code_whose_type_is_the_same() {
        let base = tried(1, RING_A, &["len"]);
        let right = RING_A
            .replace("        0\n", "        self.items.len() as i64\n")
            .replace("self.items.push(x);\n        None", "None");
        let out = cross(&base, &[tried(2, &right, &["push"])]).expect("crossed");
        assert_eq!(out.taken, vec![("len".to_string(), 2)]);
        assert!(
            out.code.contains(
                "    pub fn len(&self) -> i64 {\n        self.items.len() as i64\n    }\n}"
            ),
            "{}",
            out.code
        );
        assert!(out.code.contains("self.items.push(x);"), "{}", out.code);
        // Another layout of the struct: its methods do not fit this code.
        let other_type = right.replace("cap: usize,", "cap: usize,\n    head: usize,");
        assert_eq!(cross(&base, &[tried(2, &other_type, &["push"])]), None);
        // Generic blocks too: the type is compared, not the last word of the head.
        let generic = |code: &str| {
            code.replace("impl Ring {", "impl<T> Ring<T> where T: Clone {")
                .replace("pub struct Ring {", "pub struct Ring<T> {")
        };
        let other_type = generic(&other_type);
        assert_eq!(
            cross(
                &tried(1, &generic(RING_A), &["len"]),
                &[tried(2, &other_type, &["push"])]
            ),
            None
        );
    }

    #[test]
    fn a_helper_method_comes_along_into_the_block_of_its_type() {
        let base = tried(1, RING_A, &["len"]);
        let right = RING_A.replace(
            "        0\n    }\n}",
            "        self.count()\n    }\n\n    fn count(&self) -> i64 {\n        self.items.len() as i64\n    }\n}",
        );
        let out = cross(&base, &[tried(2, &right, &["push"])]).expect("crossed");
        assert!(
            out.code.ends_with("        self.count()\n    }\n\n    fn count(&self) -> i64 {\n        self.items.len() as i64\n    }\n}\n"),
            "{}",
            out.code
        );
    }

    #[test]
    fn a_use_line_goes_after_the_last_one_or_at_the_end() {
        let base = tried(
            1,
            "#![allow(unused)]\n\npub fn a() -> i64 {\n    0\n}\n\npub fn b() -> i64 {\n    0\n}\n",
            &["b"],
        );
        let other = tried(
            2,
            "use std::collections::BTreeSet;\n\npub fn a() -> i64 {\n    9\n}\n\npub fn b() -> i64 {\n    BTreeSet::<i64>::new().len() as i64\n}\n",
            &["a"],
        );
        let out = cross(&base, &[other]).expect("crossed");
        assert!(out.code.starts_with("#![allow(unused)]\n"), "{}", out.code);
        assert!(
            out.code.ends_with("}\n\nuse std::collections::BTreeSet;\n"),
            "{}",
            out.code
        );
    }

    #[test]
    fn a_use_line_binds_its_last_segments_aliases_and_self_modules() {
        let bound = |line: &str| {
            let items = items(line);
            let head = items.first().map(|i| i.head()).unwrap_or_default();
            bound_names(&head).into_iter().collect::<Vec<_>>()
        };
        assert_eq!(bound("use std::collections::BTreeSet;"), ["BTreeSet"]);
        assert_eq!(bound("use std::fmt::{self, Write};"), ["Write", "fmt"]);
        assert_eq!(
            bound("pub use std::collections::{btree_map::Entry, HashMap as Map};"),
            ["Entry", "Map"]
        );
        assert_eq!(bound("use std::fmt::Write as _;"), Vec::<String>::new());
        assert_eq!(bound("use std::collections::*;"), ["*"]);
    }

    #[test]
    fn a_use_line_binding_a_name_the_code_binds_is_not_brought_along() {
        let base = tried(
            1,
            "use std::fmt::Write;\n\npub fn a() -> String {\n    String::new()\n}\n\npub fn b() -> i64 {\n    0\n}\n",
            &["b"],
        );
        let other = tried(
            2,
            "use std::fmt::{self, Write};\n\npub fn a() -> String {\n    fmt::format(format_args!(\"x\"))\n}\n\npub fn b() -> i64 {\n    let mut s = String::new();\n    let _ = write!(s, \"1\");\n    s.len() as i64\n}\n",
            &["a"],
        );
        let out = cross(&base, &[other]).expect("crossed");
        assert_eq!(
            out.code.matches("use std::fmt").count(),
            1,
            "Write bound twice would not compile:\n{}",
            out.code
        );
        // A method's `self` and a path's `std` do not ask for a line.
        let base = tried(1, "pub fn b() -> i64 {\n    0\n}\n", &["b"]);
        let other = tried(
            2,
            "use std::collections::BTreeSet;\n\npub fn b() -> i64 {\n    std::cmp::max(1, 2)\n}\n",
            &[],
        );
        let out = cross(&base, &[other]).expect("crossed");
        assert!(!out.code.contains("BTreeSet"), "{}", out.code);
    }

    #[test]
    fn any_pair_of_replies_crosses_without_panicking() {
        let codes = [
            FIRST,
            SECOND,
            RING_A,
            "",
            "pub fn encode(s: &str) -> String {",
            "impl Ring {\n    pub fn len(&self) -> i64 {\n        é\n    }\n",
            "fn encode() {} fn encode() {} impl X { fn decode(&self) { self.decode() } }",
        ];
        for a in codes {
            for b in codes {
                let names = ["encode", "decode", "len", "push", "flip"];
                let _ = cross(&tried(1, a, &names), &[tried(2, b, &["push"])]);
                let _ = cross(&tried(1, a, &["decode"]), &[tried(2, b, &[])]);
            }
        }
    }

    #[test]
    fn calls_are_those_of_functions_of_the_same_code() {
        let u = &Code::read(
            "impl R {\n    fn f(&mut self) { self.items.push(g(1)); self.h(); Self::k(); R::j(); Vec::new(); v.len(); m(s, n); }\n}\n",
        )
        .units[0];
        assert_eq!(
            u.calls(),
            [
                Call::Free("g".into()),
                Call::Method("h".into()),
                Call::Method("k".into()),
                Call::Method("j".into()),
                Call::Free("m".into()),
                Call::Free("s".into()),
                Call::Free("n".into()),
            ]
        );
    }
}
