//! Robustness: no input makes parsing, checking or formatting panic, and the formatter
//! keeps its promises (idempotent, meaning and comments kept) on every valid spec,
//! including randomly generated ones.

use crate::fmt_fixtures::assert_formats_well;
use ghost::check::{check, SpecFile};
use ghost::format::format_source;
use ghost::syntax;
use proptest::prelude::*;
use proptest::sample::select;
use std::path::{Path, PathBuf};

/// `cases` test cases, or `PROPTEST_CASES` when set (for a longer run by hand); failures
/// are printed, not persisted, as the inputs are generated anew each run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Parses, checks and formats `bytes`; formats that succeed must keep the formatter's
/// properties.
fn run_all_stages(bytes: &[u8]) {
    let file = Path::new("specs/a/b.ghost");
    let (ast, diags) = syntax::parse_bytes(file, bytes);
    let utf8 = std::str::from_utf8(bytes).ok();
    let mut spans = Vec::new();
    collect_spans(
        &serde_json::to_value(&ast).expect("the AST serializes"),
        &mut spans,
    );
    spans.extend(diags.iter().map(|d| (d.span.start, d.span.end)));
    for (start, end) in spans {
        assert!(
            start <= end && end <= bytes.len(),
            "span {start}..{end} out of range"
        );
        if let Some(text) = utf8 {
            let ok = |i: usize| text.is_char_boundary(i);
            assert!(
                ok(start) && ok(end),
                "span {start}..{end} splits a character"
            );
        }
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    let spec = SpecFile {
        file: PathBuf::from(file),
        expected_module: Some("a.b".into()),
        text: text.clone(),
        ast,
    };
    let _ = check(&[spec]);
    if let Ok(text) = std::str::from_utf8(bytes) {
        if format_source(file, text).is_ok() {
            assert_formats_well(text);
        }
    }
}

/// Every `{"start": a, "end": b}` in a serialized AST (comments included).
fn collect_spans(v: &serde_json::Value, out: &mut Vec<(usize, usize)>) {
    match v {
        serde_json::Value::Object(m) => {
            let start = m.get("start").and_then(|s| s.as_u64());
            if let (Some(s), Some(e)) = (start, m.get("end").and_then(|e| e.as_u64())) {
                out.push((s as usize, e as usize));
            }
            m.values().for_each(|x| collect_spans(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_spans(x, out)),
        _ => {}
    }
}

fn fixtures() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the fixtures folder exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ghost"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a readable fixture"))
        .collect()
}

/// Ways to damage a text.
#[derive(Debug, Clone)]
enum Damage {
    DeleteChars { at: usize, len: usize },
    Insert { at: usize, what: String },
    DuplicateLine(usize),
    SwapLines(usize, usize),
    DeleteLine(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let piece = select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "\"",
        "//",
        "\n",
        ",",
        ".",
        "..",
        ":",
        "=>",
        "-",
        "!",
        "<",
        "==",
        "fn ",
        "module ",
        "example ",
        "9223372036854775808",
        "1.",
        "\\",
        "é",
        "\r\n",
        " ",
        "record R {",
        "x",
    ]);
    prop_oneof![
        (any::<usize>(), 1..8usize).prop_map(|(at, len)| Damage::DeleteChars { at, len }),
        (any::<usize>(), piece).prop_map(|(at, what)| Damage::Insert {
            at,
            what: what.to_string()
        }),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
        any::<usize>().prop_map(Damage::DeleteLine),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match d {
        Damage::DeleteChars { at, len } => {
            let at = at % (chars.len() + 1);
            let end = (at + len).min(chars.len());
            chars[..at].iter().chain(&chars[end..]).collect()
        }
        Damage::Insert { at, what } => {
            let at = at % (chars.len() + 1);
            chars[..at].iter().collect::<String>() + what + &chars[at..].iter().collect::<String>()
        }
        Damage::DuplicateLine(i) => {
            if !lines.is_empty() {
                let l = lines[i % n];
                lines.insert(i % n, l);
            }
            lines.join("\n")
        }
        Damage::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines.join("\n")
        }
        Damage::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
            lines.join("\n")
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        run_all_stages(&bytes);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(select(vec![
        "module", "a.b", "{", "}", "fn", "f", "(", ")", "x", ":", "int", "->", "example", "==", "1", "\"s\"",
        "record", "enum", "error", "type", "scenario", "snapshot", "let", "=", "expect", "nfr", "perf", "<",
        "2ms", "deps", "[", "]", ",", "property", "forall", "in", "..", "where", "=>", "-", "!", ".", "0",
        "1.5", "// c\n", "\n", "self", "mut", "use", "lint", "max_lines", "forbid", "unsafe",
    ]), 0..40)) {
        let text = tokens.join(" ");
        run_all_stages(text.as_bytes());
        run_all_stages(format!("module a.b {{ {text} }}").as_bytes());
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn damaged_fixtures_never_panic(which in any::<usize>(), damages in prop::collection::vec(damage(), 1..4)) {
        let all = fixtures();
        let mut text = all[which % all.len()].clone();
        for d in &damages {
            text = apply(&text, d);
        }
        run_all_stages(text.as_bytes());
    }
}

// ----- generated valid specs -----

/// An expression as tokens, and how tightly its outermost form binds (as in the
/// formatter: binary operators 1 to 5, unary 6, postfix 7, atoms 8).
#[derive(Debug, Clone)]
struct Gen {
    toks: Vec<String>,
    strength: u8,
}

fn atom(toks: Vec<String>) -> Gen {
    Gen { toks, strength: 8 }
}

fn t(s: &str) -> String {
    s.to_string()
}

/// Wraps `g` in parentheses when it binds less tightly than `min`.
fn at_least(g: Gen, min: u8) -> Vec<String> {
    if g.strength >= min {
        g.toks
    } else {
        let mut v = vec![t("(")];
        v.extend(g.toks);
        v.push(t(")"));
        v
    }
}

fn name() -> impl Strategy<Value = String> {
    select(vec!["x", "y", "foo", "bar_2", "Len", "a1", "map", "list"]).prop_map(String::from)
}

fn string_lit() -> impl Strategy<Value = String> {
    prop::collection::vec(
        select(vec![
            "a", " ", "\\n", "\\\"", "\\\\", "\\t", "é", "\\u{41}", "//", "{", "\n", "\\'",
        ]),
        0..5,
    )
    .prop_map(|parts| format!("\"{}\"", parts.concat()))
}

fn leaf() -> impl Strategy<Value = Gen> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| atom(vec![n.to_string()])),
        select(vec![
            "1.5",
            "0.25",
            "2e3",
            "1_000",
            "9223372036854775807",
            "007"
        ])
        .prop_map(|s| atom(vec![t(s)])),
        string_lit().prop_map(|s| atom(vec![s])),
        select(vec!["true", "false"]).prop_map(|s| atom(vec![t(s)])),
        name().prop_map(|n| atom(vec![n])),
        Just(Gen {
            toks: vec![t("-"), t("9223372036854775808")],
            strength: 6
        }),
    ]
}

fn comma_list(items: Vec<Vec<String>>) -> Vec<String> {
    let mut v = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        if i > 0 {
            v.push(t(","));
        }
        v.extend(it);
    }
    v
}

fn expr() -> BoxedStrategy<Gen> {
    leaf()
        .prop_recursive(4, 24, 3, |inner| {
            let binop = select(vec![
                "||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
            ]);
            prop_oneof![
                (inner.clone(), binop, inner.clone()).prop_map(|(l, op, r)| {
                    let prec = match op {
                        "||" => 1,
                        "&&" => 2,
                        "+" | "-" => 4,
                        "*" | "/" | "%" => 5,
                        _ => 3,
                    };
                    let left_min = if prec == 3 { 4 } else { prec };
                    let mut toks = at_least(l, left_min);
                    toks.push(t(op));
                    toks.extend(at_least(r, prec + 1));
                    Gen {
                        toks,
                        strength: prec,
                    }
                }),
                (select(vec!["-", "!"]), inner.clone()).prop_map(|(op, e)| {
                    let mut toks = vec![t(op)];
                    toks.extend(at_least(e, 6));
                    Gen { toks, strength: 6 }
                }),
                (name(), prop::collection::vec(inner.clone(), 0..3)).prop_map(|(f, args)| {
                    let mut toks = vec![f, t("(")];
                    toks.extend(comma_list(args.into_iter().map(|a| a.toks).collect()));
                    toks.push(t(")"));
                    Gen { toks, strength: 7 }
                }),
                (
                    inner.clone(),
                    name(),
                    prop::collection::vec(inner.clone(), 0..2)
                )
                    .prop_map(|(r, m, args)| {
                        let mut toks = at_least(r, 7);
                        toks.extend([t("."), m, t("(")]);
                        toks.extend(comma_list(args.into_iter().map(|a| a.toks).collect()));
                        toks.push(t(")"));
                        Gen { toks, strength: 7 }
                    }),
                (
                    inner.clone(),
                    prop_oneof![name(), select(vec!["0", "1"]).prop_map(String::from)]
                )
                    .prop_map(|(b, f)| {
                        let mut toks = at_least(b, 7);
                        toks.extend([t("."), f]);
                        Gen { toks, strength: 7 }
                    }),
                (inner.clone(), inner.clone()).prop_map(|(b, i)| {
                    let mut toks = at_least(b, 7);
                    toks.push(t("["));
                    toks.extend(i.toks);
                    toks.push(t("]"));
                    Gen { toks, strength: 7 }
                }),
                prop::collection::vec(inner.clone(), 0..3).prop_map(|items| {
                    let mut toks = vec![t("[")];
                    toks.extend(comma_list(items.into_iter().map(|a| a.toks).collect()));
                    toks.push(t("]"));
                    atom(toks)
                }),
                prop::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(|entries| {
                    let mut toks = vec![t("{")];
                    toks.extend(comma_list(
                        entries
                            .into_iter()
                            .map(|(k, v)| {
                                let mut e = k.toks;
                                e.push(t(":"));
                                e.extend(v.toks);
                                e
                            })
                            .collect(),
                    ));
                    toks.push(t("}"));
                    atom(toks)
                }),
                (prop::collection::vec(inner.clone(), 0..3), any::<bool>()).prop_map(
                    |(items, comma)| {
                        let one = items.len() == 1;
                        let items_empty = items.is_empty();
                        let mut toks = vec![t("(")];
                        toks.extend(comma_list(items.into_iter().map(|a| a.toks).collect()));
                        if one || (comma && !items_empty) {
                            toks.push(t(","));
                        }
                        toks.push(t(")"));
                        atom(toks)
                    }
                ),
                inner.clone().prop_map(|e| {
                    let mut toks = vec![t("(")];
                    toks.extend(e.toks);
                    toks.push(t(")"));
                    atom(toks)
                }),
                (
                    select(vec!["Point", "R"]),
                    prop::collection::vec((name(), inner.clone()), 0..3)
                )
                    .prop_map(|(n, fields)| {
                        let mut toks = vec![t(n), t("{")];
                        toks.extend(comma_list(
                            fields
                                .into_iter()
                                .map(|(f, v)| {
                                    let mut e = vec![f, t(":")];
                                    e.extend(v.toks);
                                    e
                                })
                                .collect(),
                        ));
                        toks.push(t("}"));
                        atom(toks)
                    }),
            ]
        })
        .boxed()
}

fn type_expr() -> BoxedStrategy<Vec<String>> {
    select(vec!["int", "str", "bool", "float", "bytes", "Point"])
        .prop_map(|n| vec![t(n)])
        .prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                (select(vec!["list", "option"]), inner.clone()).prop_map(|(g, a)| {
                    let mut v = vec![t(g), t("<")];
                    v.extend(a);
                    v.push(t(">"));
                    v
                }),
                (select(vec!["map", "result"]), inner.clone(), inner.clone()).prop_map(
                    |(g, a, b)| {
                        let mut v = vec![t(g), t("<")];
                        v.extend(a);
                        v.push(t(","));
                        v.extend(b);
                        v.push(t(">"));
                        v
                    }
                ),
                prop::collection::vec(inner, 0..3).prop_map(|elems| {
                    let one = elems.len() == 1;
                    let mut v = vec![t("(")];
                    v.extend(comma_list(elems));
                    if one {
                        v.push(t(","));
                    }
                    v.push(t(")"));
                    v
                }),
            ]
        })
        .boxed()
}

fn doc() -> impl Strategy<Value = String> {
    prop::collection::vec(
        select(vec![
            "Doc text.",
            "  more  ",
            "",
            "with \\\"quotes\\\"",
            "tab\\there",
        ]),
        1..4,
    )
    .prop_map(|lines| format!("\"{}\"", lines.join("\n      ")))
}

fn clause() -> impl Strategy<Value = Vec<String>> {
    let binder = (name(), type_expr(), prop::option::of((-5i32..5, 5i32..100))).prop_map(
        |(n, ty, range)| {
            let mut v = vec![n, t(":")];
            v.extend(ty);
            if let Some((lo, hi)) = range {
                v.extend([t("in"), lo.to_string(), t(".."), hi.to_string()]);
            }
            v
        },
    );
    prop_oneof![
        (select(vec!["example", "requires", "ensures"]), expr()).prop_map(|(kw, e)| {
            let mut v = vec![t(kw)];
            v.extend(e.toks);
            v
        }),
        (
            prop::option::of(name()),
            prop::collection::vec(binder, 1..3),
            prop::option::of(expr()),
            expr()
        )
            .prop_map(|(n, binders, filter, body)| {
                let mut v = vec![t("property")];
                if let Some(n) = n {
                    v.extend([n, t(":")]);
                }
                v.push(t("forall"));
                v.extend(comma_list(binders));
                if let Some(f) = filter {
                    v.push(t("where"));
                    v.extend(f.toks);
                }
                v.push(t("=>"));
                v.extend(body.toks);
                v
            }),
    ]
}

fn fn_decl() -> impl Strategy<Value = Vec<String>> {
    let param = (name(), type_expr()).prop_map(|(n, ty)| {
        let mut v = vec![n, t(":")];
        v.extend(ty);
        v
    });
    let receiver = prop::option::of(select(vec!["self", "mut self"]));
    (
        name(),
        receiver,
        prop::collection::vec(param, 0..3),
        prop::option::of(type_expr()),
        prop::option::of((
            prop::option::of(doc()),
            prop::collection::vec(clause(), 0..4),
        )),
    )
        .prop_map(|(n, recv, params, ret, body)| {
            let mut v = vec![t("fn"), n, t("(")];
            let mut ps: Vec<Vec<String>> = recv
                .map(|r| r.split(' ').map(String::from).collect())
                .into_iter()
                .collect();
            ps.extend(params);
            v.extend(comma_list(ps));
            v.push(t(")"));
            if let Some(ret) = ret {
                v.push(t("->"));
                v.extend(ret);
            }
            if let Some((doc, clauses)) = body {
                v.push(t("{"));
                v.extend(doc);
                clauses.into_iter().for_each(|c| v.extend(c));
                v.push(t("}"));
            }
            v
        })
}

/// A statement that starts with a keyword or a name, so that it cannot continue the
/// statement before it.
fn stmt() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        (any::<bool>(), name(), prop::option::of(type_expr()), expr()).prop_map(|(m, n, ty, e)| {
            let mut v = vec![t("let")];
            if m {
                v.push(t("mut"));
            }
            v.push(n);
            if let Some(ty) = ty {
                v.push(t(":"));
                v.extend(ty);
            }
            v.push(t("="));
            v.extend(e.toks);
            v
        }),
        expr().prop_map(|e| {
            let mut v = vec![t("expect")];
            v.extend(e.toks);
            v
        }),
        (name(), name(), prop::collection::vec(expr(), 0..3)).prop_map(|(r, m, args)| {
            let mut v = vec![r, t("."), m, t("(")];
            v.extend(comma_list(args.into_iter().map(|a| a.toks).collect()));
            v.push(t(")"));
            v
        }),
    ]
}

fn item() -> impl Strategy<Value = Vec<String>> {
    let field = (name(), type_expr(), any::<bool>()).prop_map(|(n, ty, comma)| {
        let mut v = vec![n, t(":")];
        v.extend(ty);
        if comma {
            v.push(t(","));
        }
        v
    });
    let variant = (
        select(vec!["A", "B", "Empty"]),
        prop::collection::vec(type_expr(), 0..3),
    )
        .prop_map(|(n, fields)| {
            let mut v = vec![t(n)];
            if !fields.is_empty() {
                v.push(t("("));
                v.extend(comma_list(fields));
                v.push(t(")"));
            }
            v
        });
    prop_oneof![
        select(vec!["a", "text.slug", "x.y.z"]).prop_map(|p| vec![t("use"), t(p)]),
        fn_decl(),
        (prop::option::of(doc()), prop::collection::vec(field, 0..4)).prop_map(|(d, fields)| {
            let mut v = vec![t("record"), t("Point"), t("{")];
            v.extend(d);
            fields.into_iter().for_each(|f| v.extend(f));
            v.push(t("}"));
            v
        }),
        (
            select(vec!["enum", "error"]),
            prop::option::of(doc()),
            prop::collection::vec(variant, 0..4)
        )
            .prop_map(|(kw, d, vs)| {
                let mut v = vec![t(kw), t("E"), t("{")];
                v.extend(d);
                vs.into_iter().for_each(|x| v.extend(x));
                v.push(t("}"));
                v
            }),
        (
            prop::option::of(doc()),
            prop::collection::vec(fn_decl(), 0..3)
        )
            .prop_map(|(d, fns)| {
                let mut v = vec![t("type"), t("Cache"), t("{")];
                v.extend(d);
                fns.into_iter().for_each(|f| v.extend(f));
                v.push(t("}"));
                v
            }),
        (
            select(vec!["scenario", "snapshot"]),
            string_lit(),
            prop::collection::vec(stmt(), 0..4)
        )
            .prop_map(|(kw, n, stmts)| {
                let mut v = vec![t(kw), n, t("{")];
                stmts.into_iter().for_each(|s| v.extend(s));
                v.push(t("}"));
                v
            }),
        prop_oneof![
            string_lit().prop_map(|s| vec![t("nfr"), s]),
            Just(vec![t("nfr"), t("forbid"), t("unsafe")]),
            Just(vec![t("nfr"), t("lint")]),
            (0u32..5000).prop_map(|n| vec![t("nfr"), t("max_lines"), n.to_string()]),
            prop::collection::vec(
                (
                    select(vec!["serde", "regex-lite", "a_b"]),
                    prop::option::of(Just("\"1.2\""))
                ),
                0..3
            )
            .prop_map(|deps| {
                let mut v = vec![t("nfr"), t("deps"), t("[")];
                v.extend(comma_list(
                    deps.into_iter()
                        .map(|(n, ver)| match ver {
                            Some(ver) => vec![t(n), t("="), t(ver)],
                            None => vec![t(n)],
                        })
                        .collect(),
                ));
                v.push(t("]"));
                v
            }),
            (name(), select(vec!["2ms", "1.5s", "10us", "3ns"])).prop_map(|(f, d)| vec![
                t("nfr"),
                t("perf"),
                f,
                t("("),
                t(")"),
                t("<"),
                t(d)
            ]),
        ],
    ]
}

/// What goes between two tokens: white space, blank lines or a comment.
fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just(" "),
        3 => Just("\n    "),
        1 => Just("\n\n  "),
        1 => Just("\t"),
        1 => Just(" // note\n"),
        1 => Just("\n  // own line\n  "),
        1 => Just("\n\n// after a blank\n\n"),
        1 => Just("\r\n  "),
        1 => Just(" // crlf\r\n\r\n"),
        1 => Just(" // spaces after {  \t\n"),
    ]
}

fn spec() -> impl Strategy<Value = String> {
    (prop::option::of(doc()), prop::collection::vec(item(), 0..5))
        .prop_flat_map(|(d, items)| {
            let mut toks = vec![t("module"), t("gen.spec"), t("{")];
            toks.extend(d);
            items.into_iter().for_each(|i| toks.extend(i));
            toks.push(t("}"));
            let n = toks.len();
            (Just(toks), prop::collection::vec(separator(), n + 1))
        })
        .prop_map(|(toks, seps)| {
            let mut text = seps[0].trim_start_matches([' ', '\t', '\n']).to_string();
            for (tok, sep) in toks.iter().zip(&seps[1..]) {
                text.push_str(tok);
                text.push_str(sep);
            }
            text
        })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn generated_specs_format_well(text in spec()) {
        let (_, diags) = syntax::parse(Path::new("gen.ghost"), &text);
        prop_assert!(diags.is_empty(), "the generator made an invalid spec:\n{}\n{:#?}", text, diags);
        assert_formats_well(&text);
    }
}

#[test]
fn fixtures_with_every_line_removed_never_panic() {
    for text in fixtures() {
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let mut damaged = lines.clone();
            damaged.remove(i);
            run_all_stages(damaged.join("\n").as_bytes());
        }
    }
}

// ----- precedence -----

/// An operator tree, to check that the parser reads Rust's precedence and associativity.
#[derive(Debug, Clone)]
enum Tree {
    Leaf(&'static str),
    Unary(&'static str, Box<Tree>),
    Binary(&'static str, Box<Tree>, Box<Tree>),
}

fn tree() -> BoxedStrategy<Tree> {
    let ops = vec![
        "||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
    ];
    select(vec!["a", "b", "1", "2"])
        .prop_map(Tree::Leaf)
        .prop_recursive(5, 32, 2, move |inner| {
            prop_oneof![
                (select(vec!["-", "!"]), inner.clone())
                    .prop_map(|(op, t)| Tree::Unary(op, Box::new(t))),
                (select(ops.clone()), inner.clone(), inner).prop_map(|(op, l, r)| Tree::Binary(
                    op,
                    Box::new(l),
                    Box::new(r)
                )),
            ]
        })
        .boxed()
}

fn precedence(op: &str) -> u8 {
    match op {
        "||" => 1,
        "&&" => 2,
        "+" | "-" => 4,
        "*" | "/" | "%" => 5,
        _ => 3,
    }
}

/// Writes `t` with only the parentheses Rust's rules need; returns its binding strength.
fn render(t: &Tree) -> (String, u8) {
    let wrap = |t: &Tree, min: u8| {
        let (s, strength) = render(t);
        if strength < min {
            format!("({s})")
        } else {
            s
        }
    };
    match t {
        Tree::Leaf(s) => (s.to_string(), 8),
        Tree::Unary(op, x) => (format!("{op}{}", wrap(x, 6)), 6),
        Tree::Binary(op, l, r) => {
            let p = precedence(op);
            let left_min = if p == 3 { 4 } else { p };
            (format!("{} {op} {}", wrap(l, left_min), wrap(r, p + 1)), p)
        }
    }
}

fn tree_sexpr(t: &Tree) -> String {
    match t {
        Tree::Leaf(s) => s.to_string(),
        Tree::Unary(op, x) => format!("({op} {})", tree_sexpr(x)),
        Tree::Binary(op, l, r) => format!("({op} {} {})", tree_sexpr(l), tree_sexpr(r)),
    }
}

fn ast_sexpr(e: &ghost::syntax::ast::Expr) -> String {
    use ghost::syntax::ast::{ExprKind, UnaryOp};
    match &e.kind {
        ExprKind::Paren(x) => ast_sexpr(x),
        ExprKind::Int(Some(v)) => v.to_string(),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Unary { op, operand } => {
            let op = if *op == UnaryOp::Neg { "-" } else { "!" };
            format!("({op} {})", ast_sexpr(operand))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), ast_sexpr(lhs), ast_sexpr(rhs))
        }
        other => format!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn operators_follow_rusts_precedence(t in tree()) {
        use ghost::syntax::ast::{Clause, Item};
        let (text, _) = render(&t);
        let spec = format!("module m {{ fn f() {{ example {text} }} }}");
        let (ast, diags) = syntax::parse(Path::new("m.ghost"), &spec);
        prop_assert!(diags.is_empty(), "{}: {:?}", text, diags);
        let module = ast.module.expect("the module parses");
        let Some(Item::Fn(f)) = module.items.first() else { panic!("a fn") };
        let Some(Clause::Example(x)) = f.clauses.first() else { panic!("an example") };
        prop_assert_eq!(ast_sexpr(&x.expr), tree_sexpr(&t), "{}", text);
    }
}

/// Deep nesting would exhaust the stack in the parser or in any later stage walking the
/// tree; it is an error instead, and a file just inside the limits still works.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = [
        format!("example {}1{} == 1", "(".repeat(5_000), ")".repeat(5_000)),
        format!("example {}1 == 1", "-".repeat(5_000)),
        format!("example 1{} == 1", " + 1".repeat(2_000)),
        format!("example x{} == 1", ".f".repeat(2_000)),
        format!(
            "}} fn g(x: {}int{}) {{",
            "list<".repeat(5_000),
            ">".repeat(5_000)
        ),
    ];
    for clause in &deep {
        let text = format!("module m {{ fn f() {{ {clause} }} }}");
        let (_, diags) = syntax::parse(Path::new("m.ghost"), &text);
        assert!(
            diags.iter().any(|d| d.code() == "E0108"),
            "{}: {diags:?}",
            &clause[..20]
        );
        run_all_stages(text.as_bytes());
    }
    let fine = format!(
        "module m {{ fn f() {{ example {}1{} == -1 + 2 }} }}",
        "(".repeat(60),
        ")".repeat(60)
    );
    assert!(syntax::parse(Path::new("m.ghost"), &fine).1.is_empty());
    assert_formats_well(&fine);
    let long = format!(
        "module m {{ fn f() {{ example 1{} == 1 }} }}",
        " + 1".repeat(250)
    );
    assert!(syntax::parse(Path::new("m.ghost"), &long).1.is_empty());
    assert_formats_well(&long);
}
