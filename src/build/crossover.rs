//! Crossover: the functions earlier attempts got right, put in place of the ones an
//! attempt got wrong.
//!
//! In: the code of a failed attempt with the functions its failure points at (its
//! suspects, see [`super::rewrite::suspects`]), and the module's other tested attempts,
//! each with its code and suspects. Out: the attempt's code with each suspect replaced by
//! another attempt's version of it that no failure pointed at, and what was taken from
//! where; nothing when no attempt has one to give.
//!
//! Why: a model gets each function of a module right more often than all of them at
//! once. Two attempts of a four-function module that each got a different function wrong
//! hold a green module between them; a fresh start throws the first away, and a repair
//! asks the model again for what an earlier attempt already wrote. Putting the right
//! pieces together costs one test run and no tokens.
//!
//! A function "got right" is one that an attempt whose tests all ran (it compiled,
//! finished and was not refused) defined, and that no failing test of it called. It is
//! taken only when it fits: the types and constants it names are defined alike in both
//! codes, and each function of the other code it calls is either the same in this one
//! or missing here (then it is taken too). The result is tested like any attempt.

use std::collections::{BTreeMap, BTreeSet};

use crate::compile::rust::items::{items, Item, Token};

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

/// An attempt's code with functions of other attempts in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossed {
    pub code: String,
    /// Each function put in, with the attempt it came from, in the order of the code.
    pub taken: Vec<(String, u32)>,
}

impl Crossed {
    /// What was taken, for the run log: "`split` of attempt 1, `format` of attempt 3".
    pub fn describe(&self) -> String {
        self.taken
            .iter()
            .map(|(f, a)| format!("`{f}` of attempt {a}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `base`'s code with each of its suspects replaced by the latest version of `others`
/// that got it right and fits; `None` when no suspect could be replaced.
pub fn cross(base: &Tried, others: &[Tried]) -> Option<Crossed> {
    let here = Code::read(&base.code);
    let mut reply = Reply::default();
    let mut taken: Vec<(String, u32)> = Vec::new();
    for unit in here
        .units
        .iter()
        .filter(|u| base.suspects.contains(&u.name))
    {
        if reply.has(&unit.owner, &unit.name) {
            continue; // taken already, as a helper of another
        }
        for donor in others.iter().rev() {
            if !donor.ran || donor.suspects.contains(&unit.name) || donor.code == base.code {
                continue;
            }
            let there = Code::read(&donor.code);
            let Some(theirs) = there.unit(&unit.owner, &unit.name) else {
                continue;
            };
            if theirs.norm == unit.norm {
                continue; // the same code failed here: the cause is elsewhere
            }
            let Some(units) = fitting(&here, &there, theirs, &base.suspects, &reply) else {
                continue;
            };
            for u in units {
                if u.name == unit.name || base.suspects.contains(&u.name) {
                    taken.push((u.name.clone(), donor.attempt));
                }
                reply.add(u);
            }
            break;
        }
    }
    if taken.is_empty() {
        return None;
    }
    let names: Vec<String> = taken.iter().map(|(n, _)| n.clone()).collect();
    let code = super::splice::splice(&base.code, &reply.text(), &names)?;
    (code.trim() != base.code.trim()).then_some(Crossed { code, taken })
}

/// `unit` of `there` and the functions of `there` it calls that `here` lacks, when all
/// of them fit into `here`: the types and constants they name are defined alike in both,
/// and every function of `there` they call is the same in `here`, missing from `here`
/// (then it comes along), or one of `here`'s suspects replaced by the reply already.
fn fitting<'a>(
    here: &Code,
    there: &'a Code,
    unit: &'a Unit,
    suspects: &BTreeSet<String>,
    reply: &Reply,
) -> Option<Vec<&'a Unit>> {
    let mut out: Vec<&Unit> = vec![unit];
    let mut i = 0;
    while i < out.len() {
        let u = out[i];
        i += 1;
        let owner_type = u.owner.as_ref().and_then(|o| o.split(' ').next_back());
        for name in u.words.iter().map(String::as_str).chain(owner_type) {
            if here.defs.get(name) != there.defs.get(name) {
                return None;
            }
        }
        for name in &u.calls {
            if name == &u.name && u.owner.is_none() {
                continue; // recursion
            }
            // A method of the same block, or a free function.
            let callee = there
                .unit(&u.owner, name)
                .or_else(|| there.unit(&None, name));
            let Some(callee) = callee else {
                continue; // not a function of this code (a std method, a constructor)
            };
            if out.iter().any(|o| o.key() == callee.key()) {
                continue;
            }
            match here.unit(&callee.owner, name) {
                Some(mine) if mine.norm == callee.norm => {}
                // Here too, but different: it can come along only if it is wrong here
                // anyway, and right there.
                Some(_) if suspects.contains(name) => {
                    if reply.has(&callee.owner, name) {
                        continue;
                    }
                    out.push(callee);
                }
                Some(_) => return None,
                None => out.push(callee),
            }
        }
    }
    Some(out)
}

/// A function of a code: free, or a method of an `impl` block.
#[derive(Debug, Clone)]
struct Unit {
    /// The `impl` block's head (`impl Ring`, `impl Display for Ring`), words joined by
    /// spaces; `None` for a free function.
    owner: Option<String>,
    name: String,
    /// Its text, from its first comment or attribute to its closing brace.
    text: String,
    /// Its tokens joined by spaces: equal for code that differs only in layout.
    norm: String,
    /// The functions of its code it may call: `name(`, `self.name(`, `Self::name(`
    /// (not `x.name(`, a method of another value).
    calls: BTreeSet<String>,
    /// Every word it holds, to find the types and constants it names.
    words: BTreeSet<String>,
}

impl Unit {
    fn key(&self) -> (Option<&String>, &String) {
        (self.owner.as_ref(), &self.name)
    }
}

/// What the crossover reads of a code: its functions, and its other named items (types,
/// constants) as their tokens joined by spaces.
struct Code {
    units: Vec<Unit>,
    defs: BTreeMap<String, String>,
}

impl Code {
    fn read(code: &str) -> Code {
        let mut units = Vec::new();
        let mut defs = BTreeMap::new();
        for item in items(code) {
            if let Some(name) = item.fn_name() {
                units.push(unit(code, &item, None, name));
                continue;
            }
            let head = item.head();
            match head.first().copied() {
                Some("impl") => {
                    let owner: Vec<&str> = head.iter().copied().take_while(|w| *w != "{").collect();
                    let owner = owner.join(" ");
                    for inner in item.inner_items(code) {
                        if let Some(name) = inner.fn_name() {
                            units.push(unit(code, &inner, Some(owner.clone()), name));
                        }
                    }
                }
                Some(
                    "struct" | "enum" | "union" | "type" | "const" | "static" | "trait" | "mod",
                ) => {
                    if let Some(name) = head.get(1) {
                        defs.insert(name.to_string(), norm(&item));
                    }
                }
                _ => {}
            }
        }
        Code { units, defs }
    }

    fn unit(&self, owner: &Option<String>, name: &str) -> Option<&Unit> {
        self.units
            .iter()
            .find(|u| &u.owner == owner && u.name == name)
    }
}

fn unit(code: &str, item: &Item, owner: Option<String>, name: String) -> Unit {
    let text = code[item.span.clone()].trim().to_string();
    Unit {
        owner,
        name,
        calls: calls(&item.tokens),
        words: item
            .tokens
            .iter()
            .filter(|t| !t.is_literal())
            .map(|t| t.text.clone())
            .collect(),
        norm: norm(item),
        text,
    }
}

/// The names `tokens` call as functions of the same code: `name(`, `self.name(` and
/// `Self::name(`, not `x.name(` or `Vec::name(`.
fn calls(tokens: &[Token]) -> BTreeSet<String> {
    let text = |i: usize| tokens.get(i).map_or("", |t| t.text.as_str());
    let mut out = BTreeSet::new();
    for i in 0..tokens.len() {
        let name = text(i);
        let is_name = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if !is_name || text(i + 1) != "(" {
            continue;
        }
        let own = match (i.checked_sub(1).map(text), i.checked_sub(2).map(text)) {
            (Some("."), before) => before == Some("self"),
            (Some("::"), before) => before == Some("Self"),
            (Some("fn"), _) => false,
            _ => true,
        };
        if own {
            out.insert(name.to_string());
        }
    }
    out
}

fn norm(item: &Item) -> String {
    item.tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The functions to put in, as a reply [`super::splice::splice`] reads: free functions
/// as they are, methods inside their `impl` block's head.
#[derive(Default)]
struct Reply {
    units: Vec<Unit>,
}

impl Reply {
    fn has(&self, owner: &Option<String>, name: &str) -> bool {
        self.units
            .iter()
            .any(|u| &u.owner == owner && u.name == name)
    }

    fn add(&mut self, u: &Unit) {
        if !self.has(&u.owner, &u.name) {
            self.units.push(u.clone());
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for u in self.units.iter().filter(|u| u.owner.is_none()) {
            out.push_str(&u.text);
            out.push_str("\n\n");
        }
        let owners: BTreeSet<&String> =
            self.units.iter().filter_map(|u| u.owner.as_ref()).collect();
        for owner in owners {
            out.push_str(&format!("{owner} {{\n"));
            for u in self
                .units
                .iter()
                .filter(|u| u.owner.as_ref() == Some(owner))
            {
                out.push_str(&format!("    {}\n\n", u.text));
            }
            out.push_str("}\n\n");
        }
        out
    }
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

pub fn encode(s: &str) -> String {
    wrong(s)
}

fn wrong(s: &str) -> String {
    s.to_string()
}

pub fn decode(s: &str) -> String {
    // right this time
    helper(s)
}

fn helper(s: &str) -> String {
    s.chars().rev().collect()
}
";

    #[test]
    fn a_function_one_attempt_got_right_replaces_the_one_another_got_wrong() {
        let base = tried(1, FIRST, &["decode"]);
        let others = [tried(2, SECOND, &["encode"])];
        let out = cross(&base, &others).expect("crossed");
        assert_eq!(out.taken, vec![("decode".to_string(), 2)]);
        assert_eq!(out.describe(), "`decode` of attempt 2");
        assert!(out.code.contains("s.to_uppercase()"), "{}", out.code);
        assert!(!out.code.contains("s.to_lowercase()"), "{}", out.code);
        assert!(
            out.code.contains("// right this time\n    helper(s)"),
            "{}",
            out.code
        );
        // The helper it calls comes along; the other attempt's wrong one does not.
        assert!(out.code.contains("fn helper(s: &str)"), "{}", out.code);
        assert!(!out.code.contains("fn wrong"), "{}", out.code);
    }

    #[test]
    fn nothing_is_taken_from_code_whose_tests_did_not_run_or_that_got_it_wrong_too() {
        let base = tried(1, FIRST, &["decode"]);
        let mut broken = tried(2, SECOND, &[]);
        broken.ran = false;
        assert_eq!(cross(&base, &[broken]), None);
        assert_eq!(cross(&base, &[tried(2, SECOND, &["decode"])]), None);
        // The same text, right there and wrong here: its failure lies elsewhere.
        let same = tried(
            2,
            FIRST.replace("to_uppercase", "trim").as_str(),
            &["encode"],
        );
        assert_eq!(cross(&base, &[same]), None);
    }

    #[test]
    fn the_latest_attempt_that_got_it_right_gives_it() {
        let base = tried(3, FIRST, &["decode"]);
        let older = tried(1, &SECOND.replace("right this time", "older"), &["encode"]);
        let newer = tried(2, SECOND, &["encode"]);
        let out = cross(&base, &[older, newer]).expect("crossed");
        assert_eq!(out.taken, vec![("decode".to_string(), 2)]);
    }

    #[test]
    fn a_function_that_calls_a_helper_written_differently_here_is_not_taken() {
        let base = tried(
            1,
            "pub fn a(x: i64) -> i64 {\n    h(x)\n}\n\npub fn b(x: i64) -> i64 {\n    h(x) + 1\n}\n\nfn h(x: i64) -> i64 {\n    x\n}\n",
            &["b"],
        );
        let other = tried(
            2,
            "pub fn a(x: i64) -> i64 {\n    h(x) * 0\n}\n\npub fn b(x: i64) -> i64 {\n    h(x) - 1\n}\n\nfn h(x: i64) -> i64 {\n    x * 2\n}\n",
            &["a"],
        );
        assert_eq!(cross(&base, &[other]), None);
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
        let right = RING_A.replace("        0\n", "        self.items.len() as i64\n");
        let right = right.replace("self.items.push(x);\n        None", "None");
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
    }

    #[test]
    fn calls_are_those_of_functions_of_the_same_code() {
        let item = &items(
            "fn f(&mut self) { self.items.push(g(1)); self.h(); Self::k(); Vec::new(); v.len(); }",
        )[0];
        let names: Vec<String> = calls(&item.tokens).into_iter().collect();
        assert_eq!(names, ["g", "h", "k"]);
    }

    #[test]
    fn a_helper_method_comes_along_with_the_method_that_calls_it() {
        let base = tried(1, RING_A, &["len"]);
        let right = RING_A.replace(
            "        0\n    }\n}",
            "        self.count()\n    }\n\n    fn count(&self) -> i64 {\n        self.items.len() as i64\n    }\n}",
        );
        let out = cross(&base, &[tried(2, &right, &["push"])]).expect("crossed");
        assert!(out.code.contains("fn count(&self) -> i64"), "{}", out.code);
        assert_eq!(out.taken, vec![("len".to_string(), 2)]);
    }

    #[test]
    fn functions_of_several_attempts_make_one_code() {
        let code = |a: &str, b: &str, c: &str| {
            format!("pub fn a() -> i64 {{\n    {a}\n}}\n\npub fn b() -> i64 {{\n    {b}\n}}\n\npub fn c() -> i64 {{\n    {c}\n}}\n")
        };
        let base = tried(3, &code("1", "0", "0"), &["b", "c"]);
        let two = tried(2, &code("0", "2", "0"), &["a", "c"]);
        let one = tried(1, &code("0", "0", "3"), &["a", "b"]);
        let out = cross(&base, &[one, two]).expect("crossed");
        assert_eq!(out.code, code("1", "2", "3"));
        assert_eq!(out.describe(), "`b` of attempt 2, `c` of attempt 1");
    }
}
