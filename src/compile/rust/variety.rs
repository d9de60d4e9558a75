//! The tally of the inputs a property kept, for the properties that discard cases (by
//! their `where`, or by a `requires` of a function they call).
//!
//! Such a property passed silently on nearly one input: `forall x: int where x % 1000 ==
//! 0 => ...` keeps 256 cases, nearly all of them `x = 0` (half the drawn `int`s are small,
//! see `strategy.rs`). Its test now counts the different inputs it drew and kept, and
//! after its last case fails when it kept fewer than [`FEW_INPUTS`] different inputs,
//! more than half of its cases one of them, while it drew at least four times as many
//! (so a property over a small domain, `forall b: bool where b`, which tests all there is,
//! passes). Cases are drawn from a fixed seed, so the verdict is deterministic; a property
//! that already failed (its cases after that are proptest shrinking it) is never failed
//! for this too.

/// What the failure says first, so that the build recognises it (`build/verify.rs`).
pub const TOO_FEW_INPUTS: &str = "the property kept nearly only one input";

/// Below this many different kept inputs, a property that kept one input in most of its
/// cases fails.
pub const FEW_INPUTS: usize = 16;

/// The tally's type, written once in a test file that has such a property.
pub fn tally_type() -> String {
    format!(
        r#"
/// The inputs a property that discards cases drew and kept, so that one that kept nearly
/// only one input fails rather than pass on it (see `{TOO_FEW_INPUTS}` below).
struct __Kept {{
    /// A case started and not finished: it panicked (proptest catches the panic).
    open: bool,
    /// A case failed: the cases after it are proptest shrinking it.
    failed: bool,
    passed: u32,
    drawn: std::collections::BTreeSet<String>,
    kept: BTreeMap<String, u32>,
}}

impl __Kept {{
    const fn new() -> Self {{
        __Kept {{
            open: false,
            failed: false,
            passed: 0,
            drawn: std::collections::BTreeSet::new(),
            kept: BTreeMap::new(),
        }}
    }}

    fn start(tally: &std::sync::Mutex<__Kept>, input: &str) {{
        let mut k = tally.lock().unwrap_or_else(|e| e.into_inner());
        if k.open {{
            k.failed = true;
        }}
        k.open = true;
        k.drawn.insert(input.to_string());
    }}

    /// The case's outcome, or the property's failure after its last case when it kept
    /// too few different inputs.
    fn finish(
        tally: &std::sync::Mutex<__Kept>,
        input: String,
        outcome: Result<(), proptest::test_runner::TestCaseError>,
        cases: u32,
        property: &str,
    ) -> Result<(), proptest::test_runner::TestCaseError> {{
        let mut k = tally.lock().unwrap_or_else(|e| e.into_inner());
        k.open = false;
        match &outcome {{
            Ok(()) => {{
                k.passed += 1;
                *k.kept.entry(input).or_insert(0) += 1;
            }}
            Err(proptest::test_runner::TestCaseError::Fail(_)) => k.failed = true,
            Err(_) => {{}}
        }}
        outcome?;
        if k.passed != cases || k.failed {{
            return Ok(());
        }}
        let Some((top, n)) = k.kept.iter().max_by_key(|(_, n)| **n) else {{
            return Ok(());
        }};
        let (distinct, drawn) = (k.kept.len(), k.drawn.len());
        if 2 * *n <= cases || distinct >= {FEW_INPUTS} || drawn < 4 * distinct {{
            return Ok(());
        }}
        let message = format!(
            "{TOO_FEW_INPUTS}: `{{property}}` kept {{cases}} cases, {{n}} of them `{{top}}`, and {{distinct}} different inputs of the {{drawn}} it drew, so it tests hardly more than one value; its `where` (or a `requires` of what it calls) keeps too few of the values drawn: draw the values it means to keep directly (`forall k: int in -100..100 => p(k * 1000)` for `where x % 1000 == 0`), or loosen the filter; if one value is all it means, make it an `example`"
        );
        k.failed = true;
        Err(proptest::test_runner::TestCaseError::fail(message))
    }}
}}
"#
    )
}

/// The statements that run a property's `body` (its filter, guards and checks, which
/// may `return` a discard or a failure) inside the tally: `inputs` are its variables as
/// (spec name, Rust name), `cases` the property's number of cases.
pub fn tallied(body: &str, inputs: &[(String, String)], cases: u32, source: &str) -> String {
    let shown: Vec<String> = inputs
        .iter()
        .map(|(name, _)| format!("{name} = {{:?}}"))
        .collect();
    let args: String = inputs.iter().map(|(_, var)| format!(", {var}")).collect();
    let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "        static __KEPT: std::sync::Mutex<__Kept> = std::sync::Mutex::new(__Kept::new());\n        let __input = format!({}{args});\n        __Kept::start(&__KEPT, &__input);\n        let __outcome = (|| -> Result<(), proptest::test_runner::TestCaseError> {{\n{body}            Ok(())\n        }})();\n        __Kept::finish(&__KEPT, __input, __outcome, {cases}, {})?;\n",
        super::names::str_lit(&shown.join(", ")),
        super::names::str_lit(source)
    )
}
