//! Proof that the generated acceptance tests bite: for every contract kind and every
//! statically checked NFR, `tests/fixtures/accept/<case>/` holds a spec, a correct
//! `imp.rs` and a wrong one. The correct ones, all in one generated crate, must pass; the
//! wrong ones must fail with a message that names the broken clause.
//!
//! Four cargo runs in all (the wrong implementations that do not compile each need a crate
//! of their own), offline, sharing one target folder under the system temp dir so that
//! proptest and insta are built once.

use ghost::check::{ModuleModel, Project, SpecFile};
use ghost::compile::rust::{check_static_nfrs, crate_files, imp_path, undeclared_crates, Owner};
use ghost::compile::TargetSettings;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(case: &str, file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/accept")
        .join(case)
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The specs of `cases`, parsed and checked together.
fn checked(cases: &[&str]) -> Project {
    let mut specs = Vec::new();
    for case in cases {
        let file = PathBuf::from(format!("tests/fixtures/accept/{case}/spec.ghost"));
        let text = fixture(case, "spec.ghost");
        let (ast, diags) = ghost::syntax::parse(&file, &text);
        assert!(diags.is_empty(), "{}: {diags:?}", file.display());
        specs.push(SpecFile {
            file,
            expected_module: None,
            text,
            ast,
        });
    }
    let (project, diags) = ghost::check::check(&specs);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
    assert_eq!(project.modules.len(), cases.len());
    project
}

/// One checked module.
fn model(case: &str) -> ModuleModel {
    checked(&[case]).modules.remove(0)
}

/// Writes the generated crate for `cases` into `dir`, each module with its `imp` file.
fn write_crate(dir: &Path, name: &str, cases: &[(&str, &str)]) -> Project {
    let names: Vec<&str> = cases.iter().map(|(case, _)| *case).collect();
    let project = checked(&names);
    let settings = TargetSettings {
        crate_name: name.into(),
        ..TargetSettings::default()
    };
    for file in crate_files(&project, &settings) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("files sit in folders"))
            .expect("create folder");
        let contents = match file.owner {
            Owner::Compiler => file.contents,
            Owner::AgentStub => {
                let module = project
                    .modules
                    .iter()
                    .find(|m| imp_path(m) == file.path)
                    .expect("every stub belongs to a module");
                let (case, imp) = cases
                    .iter()
                    .find(|(case, _)| module.name == format!("accept.{case}"))
                    .expect("every module is one of the cases");
                fixture(case, imp)
            }
        };
        std::fs::write(&path, contents).expect("write generated file");
    }
    project
}

/// Runs cargo in the generated crate; returns success and everything it printed.
pub fn cargo(dir: &Path, args: &[&str], insta_update: &str) -> (bool, String) {
    let target: PathBuf = crate::support::shared_target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env("INSTA_UPDATE", insta_update)
        .env_remove("CI")
        .env_remove("INSTA_FORCE_PASS")
        .output()
        .expect("run cargo");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn must_contain(output: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            output.contains(needle),
            "expected `{needle}` in the cargo output:\n{output}"
        );
    }
}

#[test]
fn generated_tests_pass_correct_and_fail_wrong_implementations() {
    let tmp = tempfile::tempdir().expect("temp dir");

    // 1. All correct implementations in one crate: every test passes (and the snapshot is
    //    recorded, as on a first accepted build).
    let ok_dir = tmp.path().join("ok");
    let correct: Vec<(&str, &str)> = [
        "example",
        "ensures",
        "requires",
        "property",
        "scenario",
        "snapshot",
        "forbid_unsafe",
        "deps",
        "max_lines",
        "names",
        "uses_requires",
        "requires_code",
        "requires_order",
        "opaque_used",
        "opaque_user",
        "property_small",
    ]
    .iter()
    .map(|c| (*c, "correct.rs"))
    .collect();
    write_crate(&ok_dir, "accept_ok", &correct);
    let (passed, output) = cargo(&ok_dir, &["test", "--no-fail-fast"], "always");
    assert!(passed, "the correct implementations must pass:\n{output}");
    let snap = ok_dir.join("tests/snapshots/accept_snapshot__split_words.snap");
    let recorded = std::fs::read_to_string(&snap)
        .unwrap_or_else(|e| panic!("{}: {e}\n{output}", snap.display()));
    must_contain(&recorded, &["\"ccc\""]);

    // 2. Wrong behaviour, in one crate (it compiles): each module's tests fail, naming the
    //    clause. The snapshot recorded above is pinned (INSTA_UPDATE=no).
    let bad_dir = tmp.path().join("bad");
    let wrong = [
        ("example", "wrong.rs"),
        ("ensures", "wrong.rs"),
        ("requires", "wrong.rs"),
        ("requires_mistake", "correct.rs"),
        ("requires_rejects", "correct.rs"),
        ("requires_code", "wrong.rs"),
        ("property", "wrong.rs"),
        ("scenario", "wrong.rs"),
        ("snapshot", "wrong.rs"),
        ("property_variety", "correct.rs"),
        ("property_small", "wrong.rs"),
    ];
    write_crate(&bad_dir, "accept_bad", &wrong);
    std::fs::create_dir_all(bad_dir.join("tests/snapshots")).expect("snapshot folder");
    std::fs::copy(
        &snap,
        bad_dir.join("tests/snapshots/accept_snapshot__split_words.snap"),
    )
    .expect("copy snapshot");
    let (passed, output) = cargo(&bad_dir, &["test", "--no-fail-fast"], "no");
    assert!(!passed, "the wrong implementations must fail:\n{output}");
    must_contain(
        &output,
        &[
            // example: only the second example fails, quoting it and both values
            "test example_double_1 ... ok",
            "test example_double_2 ... FAILED",
            "`example double(-3) == -6` does not hold",
            "left: -1",
            // ensures, checked inside the example and the property
            "`ensures len(result) <= 3` of `prefix3` does not hold",
            // a missing key in an `ensures` names the lookup, not Rust's bare panic
            "test example_ranked_1 ... FAILED",
            "`scores[result[0]]`: the map has no such key",
            // an `ensures` calling a function outside its `requires` names both, as the
            // spec's clause that cannot judge the result, not as a broken `requires` of
            // the function called or a failure of the code
            "test example_count_1 ... FAILED",
            "`ensures weight(result) > 0` of `count` calls `weight` with n = 0, which breaks `weight`'s `requires n > 0` (for s = \"abc\", result = 0): the spec's clause calls a function outside its precondition",
            // requires filters property inputs; the wrong implementation breaks the property
            "test property_isqrt_floor ... FAILED",
            "property floor: forall n: int in -100..100 => isqrt(n) * isqrt(n) <= n",
            // an example that breaks `requires` is reported as the spec's mistake
            "the spec breaks its own precondition: `requires n >= 0 || contains([0], n)` does not hold for n = -4",
            // a property whose `requires` rejects nearly every input gives up, saying which
            "test property_thousands_1 ... FAILED",
            "Too many global rejects",
            "times at requires x % 1000 == 500",
            // a `requires` broken by a value the code computed fails, naming the call:
            // in an example, a property (not a discarded case) and a scenario
            "test example_same_2 ... FAILED",
            "`inc(same(400))`: `same(400)` gave -400, which breaks `inc`'s `requires x >= 0`",
            "test property_same_1 ... FAILED",
            "`inc(same(x))`: `same(x)` gave -300, which breaks `inc`'s `requires x >= 0`",
            "minimal failing input: x = 300",
            "test scenario_one_step_after_another ... FAILED",
            "`inc(n)`: `n` (from an earlier step) gave -500",
            // property, by name
            "test property_rev_involutive ... FAILED",
            "property involutive: forall xs: list<int> => rev(rev(xs)) == xs",
            // a range that reads an earlier variable is drawn as the case runs, its
            // first value met
            "test property_span_1 ... FAILED",
            "inputs: lo = ",
            // and the minimal failing input shows it by its name and value, the value
            // the case took from `lo..lo + 10` (only an empty span tells, `hi = lo`)
            "minimal failing input: lo = 0, hi = 0\n",
            // an `int` generator meets 0 (drawn from the whole range alone, it never did)
            "test property_sign_zero ... FAILED",
            // a record as a map key: the example's map literal is built and compared
            "test example_tally_1 ... FAILED",
            // scenario: the expect that failed
            "test scenario_counts_up ... FAILED",
            "`expect c.get() == 3` does not hold",
            // snapshot
            "test snapshot_split_words ... FAILED",
            "split_words",
            // a `where` that keeps nearly only one input fails, whatever the code
            "test property_thousandths_rare ... FAILED",
            "the property kept nearly only one input: `property rare: forall x: int where x % 1000 == 0 => thousandths(x) * 1000 == x` kept 256 cases",
            "of them `x = 0`",
            // code that panics on a kept input is reported as such, not as too few inputs
            "test property_twice_tens ... FAILED",
            "too big: ",
        ],
    );
    let tens = output
        .split("---- property_twice_tens")
        .nth(1)
        .and_then(|rest| rest.split("\n---- ").next())
        .unwrap_or_default();
    assert!(
        !tens.contains(ghost::compile::rust::TOO_FEW_INPUTS),
        "{tens}"
    );
    // A draw's raw number, under a name the spec never wrote, is never shown.
    assert!(!output.contains("__draw_"), "{output}");
    assert!(
        !output.contains("test example_prefix3_1 ... ok\ntest example_prefix3_1"),
        "{output}"
    );

    // 3. forbid unsafe: the wrong implementation does not compile.
    let unsafe_dir = tmp.path().join("unsafe");
    write_crate(
        &unsafe_dir,
        "accept_unsafe",
        &[("forbid_unsafe", "wrong.rs")],
    );
    let (passed, output) = cargo(&unsafe_dir, &["test", "--no-run"], "no");
    assert!(!passed, "unsafe code must be rejected:\n{output}");
    must_contain(&output, &["unsafe_code", "usage of an `unsafe` block"]);

    // 4. A type a using module's tests pass by value must be `Clone` in its own tests.
    let clone_dir = tmp.path().join("clone");
    write_crate(
        &clone_dir,
        "accept_clone",
        &[("opaque_used", "wrong.rs"), ("opaque_user", "correct.rs")],
    );
    let (passed, output) = cargo(
        &clone_dir,
        &["test", "--no-run", "--test", "accept_opaque_used"],
        "no",
    );
    assert!(!passed, "a type without Clone must be refused:\n{output}");
    must_contain(&output, &["Gen: Clone", "tests/accept_opaque_used.rs"]);

    // 5. deps: a crate outside `nfr deps` does not compile, and the textual check names it.
    let deps_dir = tmp.path().join("deps");
    write_crate(&deps_dir, "accept_deps", &[("deps", "wrong.rs")]);
    let (passed, output) = cargo(&deps_dir, &["test", "--no-run"], "no");
    assert!(!passed, "an undeclared crate must be rejected:\n{output}");
    must_contain(&output, &["regex"]);
}

#[test]
fn static_nfr_checks_tell_correct_from_wrong() {
    let deps: ModuleModel = model("deps");
    assert_eq!(
        check_static_nfrs(&deps, &fixture("deps", "correct.rs")),
        vec![]
    );
    let failures = check_static_nfrs(&deps, &fixture("deps", "wrong.rs"));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0]
            .to_string()
            .contains("`nfr deps [itoa]` is broken: imp.rs uses regex"),
        "{}",
        failures[0]
    );
    assert_eq!(
        undeclared_crates(&fixture("deps", "wrong.rs"), &["itoa".to_string()]),
        vec!["regex"]
    );

    // A module that declares no `nfr deps` may use no crate at all.
    let plain: ModuleModel = model("example");
    let failures = check_static_nfrs(&plain, &fixture("deps", "correct.rs"));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0]
            .to_string()
            .contains("`nfr deps []` is broken: imp.rs uses itoa"),
        "{}",
        failures[0]
    );
    assert_eq!(
        check_static_nfrs(&plain, &fixture("example", "correct.rs")),
        vec![]
    );

    let short: ModuleModel = model("max_lines");
    assert_eq!(
        check_static_nfrs(&short, &fixture("max_lines", "correct.rs")),
        vec![]
    );
    let failures = check_static_nfrs(&short, &fixture("max_lines", "wrong.rs"));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0]
            .to_string()
            .contains("`nfr max_lines 6` is broken: imp.rs has 10 lines"),
        "{}",
        failures[0]
    );
}

#[test]
fn accept_specs_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/accept");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 19);
    for case in cases {
        let spec = case.join("spec.ghost");
        let text = std::fs::read_to_string(&spec).expect("spec");
        let (file, diags) = ghost::syntax::parse(&spec, &text);
        assert!(diags.is_empty(), "{}: {diags:?}", spec.display());
        let module = file.module.expect("a module");
        let case_name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        assert_eq!(module.path.dotted(), format!("accept.{case_name}"));
    }
}
