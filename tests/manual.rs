//! The manual provider, end to end through the real binary: `ghost build --provider
//! manual` writes the prompt and waits; a hand-written `imp.rs` is tested and locked; a
//! hand edit shows as tampered and is adopted again only if it is green; `--locked`
//! verifies without writing; a wrong implementation gets a repair prompt, not a lock.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const SPEC: &str = r#"module text.shout {
  "Loud text."
  fn shout(s: str) -> str {
    "Uppercase ASCII letters and add one '!'."
    example shout("hi") == "HI!"
    ensures len(result) == len(s) + 1
  }
  nfr forbid unsafe
  nfr max_lines 20
}
"#;

const GOOD: &str = "use super::*;\n\npub fn shout(s: &str) -> String {\n    format!(\"{}!\", s.to_ascii_uppercase())\n}\n";
const WRONG: &str = "use super::*;\n\npub fn shout(s: &str) -> String {\n    s.to_string()\n}\n";
/// A module beside `text.shout` whose code does not compile (an unclosed call).
const WHISPER: &str = "module text.whisper {\n  fn whisper(s: str) -> str {\n    example whisper(\"HI\") == \"hi\"\n  }\n}\n";
const WHISPER_BROKEN: &str =
    "use super::*;\n\npub fn whisper(s: &str) -> String {\n    s.to_lowercase(\n}\n";

/// A cargo target folder shared by every test that builds a generated crate, so that
/// proptest and insta compile once per test run.
fn shared_target() -> PathBuf {
    crate::support::shared_target_dir()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn ghost(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("ghost")
        .expect("the ghost binary is built")
        .current_dir(dir)
        .env("GHOST_TARGET_DIR", shared_target())
        .env_remove("GHOST_PROVIDER")
        .args(args)
        .output()
        .expect("ghost runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// A project named `name` in `dir` with the one module `text.shout` ([`SPEC`]) and right
/// code for it ([`GOOD`]), not built yet.
fn shout_with_right_code(dir: &Path, name: &str) {
    write(
        dir,
        "ghost.toml",
        &format!("[project]\nname = \"{name}\"\n"),
    );
    write(dir, "specs/text/shout.ghost", SPEC);
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
}

#[test]
fn manual_provider_waits_adopts_locks_and_detects_tampering() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"manual-demo\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    let imp = "generated/src/text/shout/imp.rs";

    // Nothing written yet: the prompt is ready, the module waits, exit 1.
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("waiting"), "{}", run.stderr);
    let prompt = std::fs::read_to_string(dir.join(".ghost/prompts/text.shout.md"))
        .expect("the prompt is written");
    assert!(
        prompt.contains("text.shout")
            && prompt.contains("assert_eq!(shout(\"hi\"), String::from(\"HI!\"));"),
        "{prompt}"
    );
    assert!(std::fs::read_to_string(dir.join(imp))
        .expect("a stub")
        .contains("todo!"));
    assert!(!dir.join("ghost.lock").exists());

    // A wrong implementation: tested, not locked, a repair prompt naming the failure.
    write(dir, imp, WRONG);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(!dir.join("ghost.lock").exists());
    let repair =
        std::fs::read_to_string(dir.join(".ghost/prompts/text.shout.md")).expect("a repair prompt");
    assert!(
        repair.contains("`ensures len(result) == len(s) + 1` of `shout` does not hold")
            && repair.contains("s.to_string()"),
        "{repair}"
    );
    let run = ghost(dir, &["prompt", "text.shout", "--repair"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.trim_end(), repair.trim_end());

    // The right one: accepted and locked; `check` says fresh, `--locked` is green.
    write(dir, imp, GOOD);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("the lock is written");
    assert!(
        lock.contains("name = \"text.shout\"") && lock.contains("agent = \"manual\""),
        "{lock}"
    );
    let run = ghost(dir, &["check"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("1 fresh"), "{}", run.stderr);
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    // A hand edit: tampered (check exits 1, --locked refuses), adopted when green.
    write(dir, imp, &format!("{GOOD}// tuned by hand\n"));
    // While a build holds the project (here, this test), new code is most likely the
    // build's own, written just before its lock entry: said, not an error.
    let held = std::fs::File::open(dir.join(".ghost/build.lock")).expect("the build lock");
    held.lock().expect("held");
    let run = ghost(dir, &["check"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("a build is running"), "{}", run.stderr);
    drop(held);
    let run = ghost(dir, &["check"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .ends_with("checked 1 module: 0 errors in the specs; 1 tampered (an error)\n"),
        "the summary counts the tampered module as the error it is:\n{}",
        run.stderr
    );
    let run = ghost(dir, &["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout
            .contains("specs/text/shout.ghost:1:1: error: module `text.shout` is tampered"),
        "{}",
        run.stdout
    );
    let run = ghost(dir, &["build", "--locked", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout
            .contains("specs/text/shout.ghost:1:1: error: module `text.shout` is tampered"),
        "a line for CI's problem matcher:\n{}",
        run.stdout
    );
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("`text.shout` is tampered")
            && run
                .stderr
                .contains("run `ghost build --provider manual` to lock the edit"),
        "the advice is one that works:\n{}",
        run.stderr
    );
    let run = ghost(dir, &["status"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("1 module is not fresh: `text.shout` (tampered)")
            && run
                .stderr
                .contains("adopted by `ghost build --provider manual` if its tests pass"),
        "the advice is one that works:\n{}",
        run.stderr
    );
    let before = std::fs::read_to_string(dir.join("ghost.lock")).expect("lock");
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_ne!(
        std::fs::read_to_string(dir.join("ghost.lock")).expect("lock"),
        before,
        "the edit is locked"
    );
    assert_eq!(ghost(dir, &["check"]).code, Some(0));

    // `ghost test` runs the tests of the code on disk and reports per module.
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("ok text.shout"), "{}", run.stderr);

    // A doc change asks for new code: the first run hands out the prompt and waits; the
    // next run takes the code on disk as the answer (it already fits): tested, locked.
    // The prompt is a revision: the code on disk, what changed, and the file asked back.
    write(
        dir,
        "specs/text/shout.ghost",
        &SPEC.replace("\"Loud text.\"", "\"Loud, shouted text.\""),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("waiting"), "{}", run.stderr);
    let prompt =
        std::fs::read_to_string(dir.join(".ghost/prompts/text.shout.md")).expect("the prompt");
    assert!(
        prompt.contains("# Revision")
            && prompt.contains("+//! Loud, shouted text.")
            && prompt.contains("s.to_ascii_uppercase()")
            && prompt
                .contains("the whole `src/text/shout/imp.rs`, changed where the new spec asks"),
        "{prompt}"
    );
    // Asked again before an answer, the run hands out the same prompt and waits no more:
    // the code on disk is the answer.
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(ghost(dir, &["check"]).code, Some(0));
}

/// A spec renamed (another file, another module name, the same interface and docs): the
/// new module starts from the old one's code, which its tests pass, so a build with no
/// agent configured locks it; renamed again with a changed doc, it needs an agent.
#[test]
fn a_renamed_module_starts_from_its_old_code() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "renames");
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    std::fs::remove_file(dir.join("specs/text/shout.ghost")).expect("old spec");
    write(
        dir,
        "specs/loud/yell.ghost",
        &SPEC.replace("text.shout", "loud.yell"),
    );
    let run = ghost(dir, &["build"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("`loud.yell` starts from the code of `text.shout`")
            && run.stderr.contains("dropped `text.shout` from ghost.lock"),
        "{}",
        run.stderr
    );
    let moved = std::fs::read_to_string(dir.join("generated/src/loud/yell/imp.rs")).expect("imp");
    assert_eq!(moved, GOOD);
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("lock");
    assert!(
        lock.contains("loud.yell") && !lock.contains("text.shout"),
        "{lock}"
    );
    assert_eq!(ghost(dir, &["check"]).code, Some(0));

    std::fs::remove_file(dir.join("specs/loud/yell.ghost")).expect("spec");
    let changed = SPEC
        .replace("text.shout", "loud.bang")
        .replace("\"Loud text.\"", "\"Very loud text.\"");
    write(dir, "specs/loud/bang.ghost", &changed);
    let run = ghost(dir, &["build"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stderr.contains("starts from the code")
            && run
                .stderr
                .contains("no agent is configured, and `loud.bang` (it has no code yet)"),
        "{}",
        run.stderr
    );
}

/// A project `name` whose `text.shout` has a snapshot, built green by hand: its value
/// is pinned.
fn shout_with_a_pinned_snapshot(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, name);
    let spec = SPEC.replace(
        "  nfr forbid unsafe",
        "  snapshot \"loud\" {\n    shout(\"abc\")\n  }\n  nfr forbid unsafe",
    );
    write(dir, "specs/text/shout.ghost", &spec);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    tmp
}

/// Code whose snapshot differs from the pinned value: `ghost test` shows the difference
/// and ghost's way to pin a new value, not insta's advice (`cargo insta test`) or the
/// place of its panic in the cargo registry.
#[test]
fn test_of_a_differing_snapshot_says_how_ghost_pins_anew() {
    let tmp = shout_with_a_pinned_snapshot("pins");
    let dir = tmp.path();
    let other = GOOD.replace("format!(\"{}!\"", "format!(\"{}?\"");
    write(dir, "generated/src/text/shout/imp.rs", &other);
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("help: a snapshot differs from its pinned value")
            && run.stderr.contains("+\"ABC?\"")
            && !run.stderr.contains("cargo insta test")
            && !run.stderr.contains(".cargo/registry"),
        "{}",
        run.stderr
    );
}

/// A pinned snapshot deleted (as the docs say, to accept a change): `ghost test` fails
/// it, and its help says the build pins it, not to delete a file that is already gone.
#[test]
fn test_of_an_unpinned_snapshot_says_the_build_pins_it() {
    let tmp = shout_with_a_pinned_snapshot("unpinned");
    let dir = tmp.path();
    std::fs::remove_file(dir.join("generated/tests/snapshots/text_shout__loud.snap"))
        .expect("the pinned snapshot");
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("help: a snapshot has no pinned value yet (`tests/snapshots/text_shout__loud.snap` is not in the generated crate): `ghost build` pins")
            && !run.stderr.contains("differs from its pinned value"),
        "{}",
        run.stderr
    );
}

/// Code edited by hand that a manual build found failing, then put back as it was
/// locked: `status` says the module is fresh with its locked code, not only "failing";
/// so after a `--force` manual build waiting for new code.
#[test]
fn status_of_a_fresh_module_after_a_manual_build_says_the_locked_code_is_kept() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "put-back");
    let imp = "generated/src/text/shout/imp.rs";
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    write(dir, imp, WRONG);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    write(dir, imp, GOOD);
    let run = ghost(dir, &["status"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("text.shout"))
        .expect("a line for the module");
    assert!(line.contains(" fresh "), "{line}");
    assert!(line.contains("the locked code is kept"), "{line}");
    let run = ghost(dir, &["status", "--message-format", "json"]);
    assert!(
        run.stdout.contains("\"locked_code_kept\":true"),
        "{}",
        run.stdout
    );
    // `--force` with the manual provider waits for new code, the locked code in place.
    let run = ghost(dir, &["build", "--force", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let run = ghost(dir, &["status"]);
    assert!(
        run.stdout.contains("waiting; the locked code is kept"),
        "{}",
        run.stdout
    );
}

/// `prompt --repair` after the spec changed since the failed attempt: a note says its
/// repair is out of date, and the prompt shown is the one the next build sends (the
/// first prompt for a module without code; a revision for locked code whose docs
/// changed), not the old repair.
#[test]
fn prompt_repair_after_the_spec_changed_shows_what_the_next_build_sends() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"repair-outdated\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    let imp = "generated/src/text/shout/imp.rs";
    let prompt_file = dir.join(".ghost/prompts/text.shout.md");
    write(dir, imp, WRONG);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let run = ghost(dir, &["prompt", "text.shout"]);
    assert!(!run.stderr.contains("note:"), "{}", run.stderr);
    let run = ghost(dir, &["prompt", "text.shout", "--repair"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let failure = "`ensures len(result) == len(s) + 1` of `shout` does not hold";
    assert!(run.stdout.contains(failure), "{}", run.stdout);
    assert!(!run.stderr.contains("older spec"), "{}", run.stderr);

    // A new example, and the failed code deleted: the next build asks afresh.
    let more = SPEC.replace(
        "    example shout(\"hi\") == \"HI!\"\n",
        "    example shout(\"hi\") == \"HI!\"\n    example shout(\"a\") == \"A!\"\n",
    );
    write(dir, "specs/text/shout.ghost", &more);
    std::fs::remove_file(dir.join(imp)).expect("delete the failed code");
    let run = ghost(dir, &["prompt", "text.shout", "--repair"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("made against an older spec")
            && run
                .stderr
                .contains("the next `ghost build` sends the first prompt"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains(failure), "{}", run.stdout);
    let shown = run.stdout;
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let sent = std::fs::read_to_string(&prompt_file).expect("the prompt");
    assert_eq!(shown.trim_end(), sent.trim_end());

    // Locked code, a failed hand edit of it put back, then a changed doc: a revision.
    write(dir, imp, GOOD);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    write(dir, imp, WRONG);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    write(dir, imp, GOOD);
    write(
        dir,
        "specs/text/shout.ghost",
        &more.replace("\"Loud text.\"", "\"Very loud text.\""),
    );
    let run = ghost(dir, &["prompt", "text.shout", "--repair"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("sends a revision of the code on disk"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("to_ascii_uppercase"), "{}", run.stdout);
    let shown = run.stdout;
    // The first prompt, said not to be what the next build sends.
    let run = ghost(dir, &["prompt", "text.shout"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the next `ghost build` sends a revision of that code"),
        "{}",
        run.stderr
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let sent = std::fs::read_to_string(&prompt_file).expect("the revision prompt");
    assert_eq!(shown.trim_end(), sent.trim_end());
}

/// A build with nothing to do asks no agent: settings that could not make one (no API
/// key, a URL that is none) do not fail it, and are said; a build that needs the agent
/// still exits 2 for them, and an unknown provider is bad usage whatever the modules.
#[test]
fn a_build_with_nothing_to_do_needs_no_working_agent() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "noop-build");
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    write(
        dir,
        "ghost.toml",
        "[project]\nname = \"noop-build\"\n\n[agent]\nprovider = \"openai\"\nmodel = \"m\"\napi_key_env = \"GHOST_TEST_KEY_NEVER_SET\"\n",
    );
    let run = ghost(dir, &["build"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("every module is fresh, nothing to build")
            && run.stderr.contains("GHOST_TEST_KEY_NEVER_SET"),
        "{}",
        run.stderr
    );
    let run = ghost(dir, &["build", "--base-url", "not a url"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let run = ghost(dir, &["build", "--provider", "nosuch"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("unknown provider `nosuch`"),
        "{}",
        run.stderr
    );

    // A new example: the module is stale, and a build may need the agent.
    let more = SPEC.replace(
        "    example shout(\"hi\") == \"HI!\"\n",
        "    example shout(\"hi\") == \"HI!\"\n    example shout(\"a\") == \"A!\"\n",
    );
    write(dir, "specs/text/shout.ghost", &more);
    let run = ghost(dir, &["build"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("GHOST_TEST_KEY_NEVER_SET"),
        "{}",
        run.stderr
    );
}

/// Two checkouts of one project share a target folder (`GHOST_TARGET_DIR`): the second,
/// whose files are older than the first one's build, is still tested with its own code.
#[test]
fn checkouts_sharing_a_target_folder_are_tested_with_their_own_code() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let first = tmp.path().join("first");
    write(
        &first,
        "ghost.toml",
        "[project]\nname = \"two-checkouts\"\n",
    );
    write(&first, "specs/text/shout.ghost", SPEC);
    let imp = "generated/src/text/shout/imp.rs";
    let run = ghost(&first, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    write(&first, imp, GOOD);
    let run = ghost(&first, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    // The second checkout: the same files, but a wrong implementation dated long ago.
    let second = tmp.path().join("second");
    for entry in walkdir::WalkDir::new(&first)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".ghost")
    {
        let entry = entry.expect("walk");
        let to = second.join(entry.path().strip_prefix(&first).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
    write(&second, imp, WRONG);
    let long_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for entry in walkdir::WalkDir::new(&second) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            std::fs::File::options()
                .write(true)
                .open(entry.path())
                .and_then(|f| f.set_modified(long_ago))
                .expect("set the file's time");
        }
    }
    let run = ghost(&second, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("FAILED text.shout"), "{}", run.stderr);
}

/// Code that panics fails a test whose own message says nothing of the spec: what
/// `ghost test` and the build's report show names the clause that test checks.
#[test]
fn a_panicking_test_is_reported_with_its_clause() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"panics\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    write(
        dir,
        "generated/src/text/shout/imp.rs",
        "use super::*;\n\npub fn shout(s: &str) -> String {\n    let _ = s.as_bytes()[7];\n    String::new()\n}\n",
    );
    for args in [&["test"][..], &["build", "--provider", "manual"]] {
        let run = ghost(dir, args);
        assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("test `example_shout_1` (`example shout(\"hi\") == \"HI!\"`) failed:")
                && run.stderr.contains("index out of bounds"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// A property whose `where` (no call in it) discards nearly every case fails whatever the
/// code: the manual build says the spec must change, as an agent's build does, and writes
/// no repair prompt asking for code that cannot exist.
#[test]
fn a_manual_build_says_when_the_spec_alone_fails_its_tests() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"rejects\"\n");
    let spec = "module math.id {\n  fn id(x: int) -> int {\n    property forall x: int, y: int where x == y => id(x) == y\n  }\n}\n";
    write(dir, "specs/math/id.ghost", spec);
    let imp = "generated/src/math/id/imp.rs";
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let waiting = std::fs::read_to_string(dir.join(".ghost/prompts/math.id.md")).expect("a prompt");
    write(
        dir,
        imp,
        "use super::*;\n\npub fn id(x: i64) -> i64 {\n    x\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("(spec contradicts itself): the spec looks wrong, not the code")
            && run.stderr.contains("rejects nearly every case")
            && !run.stderr.contains("repair prompt"),
        "{}",
        run.stderr
    );
    let prompt = std::fs::read_to_string(dir.join(".ghost/prompts/math.id.md")).expect("a prompt");
    assert_eq!(prompt, waiting, "no repair prompt for code that is right");
    assert!(!dir.join("ghost.lock").exists());
}

/// One module's code that does not compile breaks the whole crate, but not another
/// module's `ghost test`: that module is tested in a copy where only it has code.
#[test]
fn test_keeps_a_module_apart_from_another_that_does_not_compile() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"apart\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    write(dir, "specs/text/whisper.ghost", WHISPER);
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
    write(dir, "generated/src/text/whisper/imp.rs", WHISPER_BROKEN);
    let run = ghost(dir, &["test", "text.shout"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("ok text.shout"), "{}", run.stderr);
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("ok text.shout") && run.stderr.contains("FAILED text.whisper"),
        "{}",
        run.stderr
    );
}

/// A module nested in another's folder (`text.whisper` in `text`'s) whose code does not
/// compile is that module's fault, not its parent's: `text`, which does not use it, is
/// tested apart from it and is green.
#[test]
fn test_keeps_a_parent_module_apart_from_a_nested_one_that_does_not_compile() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"nested\"\n");
    write(
        dir,
        "specs/text.ghost",
        &SPEC.replace("module text.shout", "module text"),
    );
    write(dir, "specs/text/whisper.ghost", WHISPER);
    write(dir, "generated/src/text/imp.rs", GOOD);
    write(dir, "generated/src/text/whisper/imp.rs", WHISPER_BROKEN);
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("ok text:") && run.stderr.contains("FAILED text.whisper"),
        "{}",
        run.stderr
    );
}

/// A project `name` of module `a` (`spec_a`, its code `imp_a`, with `f(x: int) -> int`)
/// and `b`, whose `g` calls `a.f`, built and locked by a manual build.
fn b_using_a_locked(dir: &Path, name: &str, spec_a: &str, imp_a: &str) {
    write(
        dir,
        "ghost.toml",
        &format!("[project]\nname = \"{name}\"\n"),
    );
    write(dir, "specs/a.ghost", spec_a);
    write(
        dir,
        "specs/b.ghost",
        "module b {\n  use a\n  fn g(x: int) -> int {\n    example g(1) == 4\n  }\n}\n",
    );
    write(dir, "generated/src/a/imp.rs", imp_a);
    write(
        dir,
        "generated/src/b/imp.rs",
        "use super::*;\n\npub fn g(x: i64) -> i64 {\n    crate::a::f(x) * 2\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// Every module stale at once (an older ghost's key in the lock): a manual build tests
/// their code together and re-locks each, the one using another included, as it was.
#[test]
fn a_manual_build_relocks_every_stale_module_as_it_was() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let spec_a = "module a {\n  fn f(x: int) -> int {\n    example f(1) == 2\n  }\n}\n";
    let f = "use super::*;\n\npub fn f(x: i64) -> i64 {\n    x + 1\n}\n";
    b_using_a_locked(dir, "all_stale", spec_a, f);
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("the lock");
    write(dir, "ghost.lock", &crate::support::aged::aged_lock(&lock));
    let status = ghost(dir, &["status"]);
    assert_eq!(
        status.stdout.matches("       stale ").count(),
        2,
        "{}",
        status.stdout
    );

    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    for module in ["a ", "b "] {
        assert!(
            run.stderr.contains(&format!("{module}      re-locked")),
            "{module}: {}",
            run.stderr
        );
    }
    let again = std::fs::read_to_string(dir.join("ghost.lock")).expect("the lock");
    assert_eq!(again, lock, "the entries the build first wrote");
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// Stale modules tested together, one of them with a snapshot whose steps changed but
/// whose value did not: its pin is recorded anew for the new steps, as the module's own
/// run records it. Compared only, the pin kept the old steps in its description, and a
/// later run took it for a new snapshot: any value would have passed.
#[test]
fn a_pin_of_other_steps_is_recorded_anew_when_stale_modules_are_tested_together() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"repinned\"\n");
    let shout = |arg: &str| {
        SPEC.replace(
            "  nfr forbid unsafe",
            &format!("  snapshot \"loud\" {{ shout(\"{arg}\") }}\n  nfr forbid unsafe"),
        )
    };
    write(dir, "specs/text/shout.ghost", &shout("a"));
    write(dir, "specs/text/whisper.ghost", WHISPER);
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
    write(
        dir,
        "generated/src/text/whisper/imp.rs",
        "use super::*;\n\npub fn whisper(s: &str) -> String {\n    s.to_ascii_lowercase()\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let pinned = dir.join("generated/tests/snapshots/text_shout__loud.snap");

    // Other steps, the same value; and `whisper` stale too, so that both are tested together.
    write(dir, "specs/text/shout.ghost", &shout("A"));
    write(
        dir,
        "specs/text/whisper.ghost",
        &WHISPER.replace(
            "    example whisper(\"HI\") == \"hi\"\n",
            "    example whisper(\"HI\") == \"hi\"\n    example whisper(\"B\") == \"b\"\n",
        ),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("re-locked"), "{}", run.stderr);
    let pin = std::fs::read_to_string(&pinned).expect("the snapshot is pinned");
    assert!(
        pin.contains(r#"shout(\"A\")"#) && pin.contains("\"A!\""),
        "pinned for the new steps: {pin}"
    );
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// `build --locked b` checks what `build b` would build: `b` and the modules it uses. A
/// hand edit of `a` is the code `b`'s tests pass with, not what the lock records.
#[test]
fn locked_of_one_module_refuses_a_module_it_uses_that_is_not_fresh() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let spec_a = "module a {\n  fn f(x: int) -> int {\n    example f(1) == 2\n  }\n}\n";
    let f = "use super::*;\n\npub fn f(x: i64) -> i64 {\n    x + 1\n}\n";
    b_using_a_locked(dir, "locked-deps", spec_a, f);
    let run = ghost(dir, &["build", "--locked", "b"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    write(
        dir,
        "generated/src/a/imp.rs",
        &format!("{f}// tuned by hand\n"),
    );
    let run = ghost(dir, &["build", "--locked", "b"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("module `a` is tampered"),
        "{}",
        run.stderr
    );
}

/// A build of one module whose interface changed tests the modules that use it, stale
/// for that change (never regenerated: they are not selected): code the new interface
/// leaves working is re-locked, code it breaks is reported failing.
#[test]
fn building_a_module_tests_the_users_its_new_interface_left_stale() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let spec_a = |extra: &str| {
        format!("module a {{\n  fn f(x: int) -> int {{\n    example f(1) == 2\n  }}\n{extra}}}\n")
    };
    let f = "use super::*;\n\npub fn f(x: i64) -> i64 {\n    x + 1\n}\n";
    b_using_a_locked(dir, "users", &spec_a(""), f);

    // A new function: `b`'s code still passes, and is re-locked.
    write(
        dir,
        "specs/a.ghost",
        &spec_a("  fn h() -> int {\n    example h() == 0\n  }\n"),
    );
    write(
        dir,
        "generated/src/a/imp.rs",
        &format!("{f}\npub fn h() -> i64 {{\n    0\n}}\n"),
    );
    let run = ghost(dir, &["build", "--provider", "manual", "a"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("b       re-locked"), "{}", run.stderr);
    let status = ghost(dir, &["status"]);
    assert!(!status.stdout.contains("stale"), "{}", status.stdout);

    // A new parameter: `b`'s code no longer compiles, and the build says so.
    write(
        dir,
        "specs/a.ghost",
        &spec_a("")
            .replace("f(x: int)", "f(x: int, y: int)")
            .replace("f(1) ==", "f(1, 1) =="),
    );
    write(
        dir,
        "generated/src/a/imp.rs",
        "use super::*;\n\npub fn f(x: i64, y: i64) -> i64 {\n    x + y\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual", "a"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("b       failing") && run.stderr.contains("E0061"),
        "{}",
        run.stderr
    );
}

/// A new signature in a spec alone: the module waits for its code, and a module using it
/// is skipped, not tested against the old code and sent a repair prompt for an error
/// that is not its own. Code that then fails an example gets a repair prompt showing the
/// whole file and asking for it whole: nothing puts a lone function back in place.
#[test]
fn a_manual_build_skips_the_users_of_a_waiting_module_and_asks_for_whole_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let spec_a = "module a {\n  fn f(x: int) -> int {\n    example f(1) == 2\n  }\n  fn k() -> int {\n    example k() == 7\n  }\n}\n";
    let k = "\npub fn k() -> i64 {\n    7\n}\n";
    b_using_a_locked(
        dir,
        "skips",
        spec_a,
        &format!("use super::*;\n\npub fn f(x: i64) -> i64 {{\n    x + 1\n}}\n{k}"),
    );

    write(
        dir,
        "specs/a.ghost",
        &spec_a
            .replace("f(x: int)", "f(x: int, y: int)")
            .replace("f(1) ==", "f(1, 1) =="),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("a       waiting")
            && run.stderr.contains("b       skipped")
            && run.stderr.contains("its dependency `a` is not green")
            && !run.stderr.contains("E0061"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.join(".ghost/prompts/b.md").exists() || {
            let b = std::fs::read_to_string(dir.join(".ghost/prompts/b.md")).expect("b's prompt");
            !b.contains("# Repair")
        }
    );

    // Code for the new signature that fails its example: the repair prompt shows it all.
    write(
        dir,
        "generated/src/a/imp.rs",
        &format!("use super::*;\n\npub fn f(x: i64, y: i64) -> i64 {{\n    x * y\n}}\n{k}"),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("a       failing"), "{}", run.stderr);
    assert!(run.stderr.contains("b       skipped"), "{}", run.stderr);
    let repair = std::fs::read_to_string(dir.join(".ghost/prompts/a.md")).expect("a repair prompt");
    assert!(
        repair.contains("x * y")
            && repair.contains("pub fn k() -> i64")
            && !repair.contains("taken out")
            && repair.contains("the whole corrected `src/a/imp.rs`"),
        "{repair}"
    );
}

/// A locked module whose spec gains a function and a `type` has no code for them yet: the
/// generated crate still compiles (cargo, clippy), with ghost's marked `todo!()` stub of
/// each in its `mod.rs` (its `imp.rs` untouched), so its user's tests still run and pass
/// and its own fail at the stub; the module waits for its code, and once its `imp.rs`
/// has them the stubs go and the lock records it.
#[test]
fn a_new_item_waiting_for_its_code_leaves_the_crate_compiling() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let spec_a = "module a {\n  fn f(x: int) -> int {\n    example f(1) == 2\n  }\n}\n";
    let imp_a = "use super::*;\n\npub fn f(x: i64) -> i64 {\n    x + 1\n}\n";
    b_using_a_locked(dir, "standing-in", spec_a, imp_a);

    let grown = spec_a.replace(
        "\n}\n",
        "\n  fn extra(x: int) -> int {\n    example extra(1) == 1\n  }\n  type Counter {\n    fn new() -> Counter\n    fn bump(mut self) -> int\n  }\n  scenario \"counts\" {\n    let c = Counter.new()\n    expect c.bump() == 1\n  }\n}\n",
    );
    write(dir, "specs/a.ghost", &grown);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("a       waiting")
            && dir.join(".ghost/prompts/a.md").is_file()
            && run.stderr.contains("`generated/src/a/imp.rs` has no public `extra`, `Counter` yet: `generated/src/a/mod.rs` holds ghost's stub (`todo!()`) in its place")
            && !run.stderr.contains("does not compile"),
        "{}",
        run.stderr
    );
    let imp = std::fs::read_to_string(dir.join("generated/src/a/imp.rs")).expect("a's code");
    assert_eq!(imp, imp_a, "the code written by hand stays as it was");
    let mod_rs = std::fs::read_to_string(dir.join("generated/src/a/mod.rs")).expect("mod.rs");
    assert!(
        mod_rs.contains("pub use imp::f;")
            && !mod_rs.contains("pub use imp::extra;")
            && !mod_rs.contains("pub use imp::Counter;")
            && mod_rs.contains("// ghost's stub: imp.rs has no public `extra` yet")
            && mod_rs.contains("pub fn extra(x: i64) -> i64 {")
            && mod_rs.contains("pub struct Counter {}"),
        "{mod_rs}"
    );
    assert_generated_passes_clippy(dir);

    // `b` uses `a` and passes; `a` fails at the stubs.
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("ok b: 1 passed")
            && run.stderr.contains("FAILED a: 2 of 3 failed")
            && run.stderr.contains(
                "not yet implemented: `extra` is ghost's stub until imp.rs has a public one"
            )
            && !run.stderr.contains("E0432"),
        "{}",
        run.stderr
    );
    // `build --locked` names `a` as not fresh, not its `mod.rs` as edited.
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("mod.rs"), "{}", run.stderr);

    // The code written: the stubs go, the module is locked, and so is the crate.
    write(
        dir,
        "generated/src/a/imp.rs",
        &format!("{imp_a}\npub fn extra(x: i64) -> i64 {{\n    x\n}}\n\n#[derive(Debug)]\npub struct Counter {{\n    n: i64,\n}}\n\nimpl Counter {{\n    pub fn new() -> Self {{\n        Counter {{ n: 0 }}\n    }}\n\n    pub fn bump(&mut self) -> i64 {{\n        self.n += 1;\n        self.n\n    }}\n}}\n"),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let mod_rs = std::fs::read_to_string(dir.join("generated/src/a/mod.rs")).expect("mod.rs");
    assert!(
        mod_rs.contains("pub use imp::extra;")
            && mod_rs.contains("pub use imp::Counter;")
            && !mod_rs.contains("ghost's stub"),
        "{mod_rs}"
    );
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// Code that passes every test of its module while it lacks a function the spec gained
/// (one no clause calls) passed against ghost's stand-in for it: never locked, and
/// `ghost test` fails it. A comment that says `pub fn quiet(` is not the function.
#[test]
fn code_lacking_an_item_no_test_calls_is_not_locked() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"lacking\"\n");
    let spec = SPEC.replace(
        "  nfr forbid unsafe",
        "  fn quiet(s: str) -> str {\n    \"Lowercase.\"\n  }\n  nfr forbid unsafe",
    );
    write(dir, "specs/text/shout.ghost", &spec);
    let commented = format!("{GOOD}\n// pub fn quiet(s: &str) -> String {{ s.to_lowercase() }}\n");
    write(dir, "generated/src/text/shout/imp.rs", &commented);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("its tests pass, but `generated/src/text/shout/imp.rs` has no public `quiet`, which the spec declares: write it there"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("ghost.lock").exists());
    let mod_rs =
        std::fs::read_to_string(dir.join("generated/src/text/shout/mod.rs")).expect("mod.rs");
    assert!(
        mod_rs.contains("// ghost's stub: imp.rs has no public `quiet` yet")
            && !mod_rs.contains("pub use imp::quiet;"),
        "{mod_rs}"
    );

    // CI's `ghost test`: every test passes, but the code lacks `quiet`: not green.
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("FAILED text.shout: ")
            && run.stderr.contains("lacks 1 declared item")
            && run.stderr.contains("`generated/src/text/shout/imp.rs` has no public `quiet`, which the spec declares: its tests met ghost's stub (`todo!()`) in its place, not code; write it there, or run `ghost build text.shout`")
            && run.stderr.contains("0 of 1 module green"),
        "{}",
        run.stderr
    );
    let run = ghost(dir, &["test", "--message-format", "json"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.lines().any(|l| l.contains("\"module-tested\"")
            && l.contains("\"green\":false")
            && l.contains("has no public `quiet`")),
        "{}",
        run.stdout
    );

    // Written: green, locked, and the stub is gone.
    write(
        dir,
        "generated/src/text/shout/imp.rs",
        &format!("{GOOD}\npub fn quiet(s: &str) -> String {{\n    s.to_lowercase()\n}}\n"),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("ok text.shout"), "{}", run.stderr);
}

/// A type of a locked module gains methods (one a scenario calls, one no clause calls):
/// the code's `impl` block lacks them, and ghost's stubs of them stand in an `impl` block
/// of `mod.rs`, so the module's other tests still compile and run; `ghost test` fails it
/// naming them, no build locks it, and once the code has them the stubs go.
#[test]
fn a_method_a_type_gains_gets_a_stand_in_and_fails_ghost_test() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let spec_a = "module a {\n  fn f(x: int) -> int {\n    example f(1) == 2\n  }\n  type Counter {\n    fn new() -> Counter\n    fn bump(mut self) -> int\n  }\n  scenario \"counts\" {\n    let c = Counter.new()\n    expect c.bump() == 1\n  }\n}\n";
    let imp_a = "use super::*;\n\npub fn f(x: i64) -> i64 {\n    x + 1\n}\n\n#[derive(Debug)]\npub struct Counter {\n    n: i64,\n}\n\nimpl Counter {\n    pub fn new() -> Self {\n        Counter { n: 0 }\n    }\n\n    pub fn bump(&mut self) -> i64 {\n        self.n += 1;\n        self.n\n    }\n}\n";
    b_using_a_locked(dir, "method-standing-in", spec_a, imp_a);

    let grown = spec_a
        .replace(
            "    fn bump(mut self) -> int\n",
            "    fn bump(mut self) -> int\n    fn peek(self) -> int\n    fn total(self) -> int\n",
        )
        .replace(
            "\n}\n",
            "\n  scenario \"peeks\" {\n    let c = Counter.new()\n    expect c.peek() == 0\n  }\n}\n",
        );
    write(dir, "specs/a.ghost", &grown);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("a       waiting")
            && run.stderr.contains("`generated/src/a/imp.rs` has no public `Counter::peek`, `Counter::total` yet: `generated/src/a/mod.rs` holds ghost's stub (`todo!()`) in its place")
            && !run.stderr.contains("does not compile"),
        "{}",
        run.stderr
    );
    let mod_rs = std::fs::read_to_string(dir.join("generated/src/a/mod.rs")).expect("mod.rs");
    assert!(
        mod_rs.contains("pub use imp::Counter;")
            && mod_rs.contains(
                "// ghost's stub: imp.rs has no public `Counter::peek`, `Counter::total` yet"
            )
            && mod_rs.contains("impl Counter {")
            && mod_rs.contains("pub fn peek(&self) -> i64 {")
            && !mod_rs.contains("pub fn bump"),
        "{mod_rs}"
    );
    assert_generated_passes_clippy(dir);

    // `a`'s other tests compile and pass; the one that calls `peek` fails at the stub,
    // and the module is not green for lacking both.
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("ok b: 1 passed")
            && run.stderr.contains("FAILED a: 1 of 3 failed; lacks 2 declared items")
            && run.stderr.contains(
                "not yet implemented: `Counter::peek` is ghost's stub until imp.rs has a public one"
            )
            && run.stderr.contains("has no public `Counter::peek`, `Counter::total`, which the spec declares")
            && !run.stderr.contains("E0599"),
        "{}",
        run.stderr
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("a       failing"), "{}", run.stderr);
    // `check` and `status` say what the stale module's code lacks.
    let says = "its imp.rs has no public `Counter::peek`, `Counter::total` the spec declares";
    let run = ghost(dir, &["check"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(says), "{}", run.stderr);
    let run = ghost(dir, &["status"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(says), "{}{}", run.stdout, run.stderr);

    // The methods written (`peek` in an `impl` block of its own): the stubs go, locked.
    write(
        dir,
        "generated/src/a/imp.rs",
        &format!("{imp_a}\nimpl Counter {{\n    pub fn peek(&self) -> i64 {{\n        self.n\n    }}\n\n    pub fn total(&self) -> i64 {{\n        self.n\n    }}\n}}\n"),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let mod_rs = std::fs::read_to_string(dir.join("generated/src/a/mod.rs")).expect("mod.rs");
    assert!(!mod_rs.contains("ghost's stub"), "{mod_rs}");
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// A manual build tests each module apart from another whose code does not compile (a
/// user module left behind by its dependency's new signature, say): the module is
/// adopted with the snapshot it recorded, the broken one is reported failing.
#[test]
fn manual_build_adopts_a_module_beside_another_that_does_not_compile() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"adopted\"\n");
    let with_snapshot = SPEC.replace(
        "  nfr forbid unsafe",
        "  snapshot \"loud\" { shout(\"a\") }\n  nfr forbid unsafe",
    );
    write(dir, "specs/text/shout.ghost", &with_snapshot);
    write(dir, "specs/text/whisper.ghost", WHISPER);
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
    write(dir, "generated/src/text/whisper/imp.rs", WHISPER_BROKEN);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let line = |name: &str| {
        run.stderr
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("text.shout").contains("accepted"), "{}", run.stderr);
    assert!(line("text.whisper").contains("failing"), "{}", run.stderr);
    // Code no lock ever accepted: not said to be a failed module's last accepted code.
    assert!(
        run.stderr.contains(
            "the generated crate does not compile as it is now (in the code of `text.whisper`)"
        ) && !run.stderr.contains("last accepted code"),
        "{}",
        run.stderr
    );
    let pinned = dir.join("generated/tests/snapshots/text_shout__loud.snap");
    let pin = std::fs::read_to_string(&pinned).expect("the snapshot is pinned in the crate");
    assert!(pin.contains("\"A!\""), "{pin}");
    let run = ghost(dir, &["build", "--locked", "text.shout"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    // For an editor's problem matcher: the module that is not green, at its spec.
    let run = ghost(
        dir,
        &["build", "--provider", "manual", "--message-format", "short"],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        ["specs/text/whisper.ghost:1:1: error: module `text.whisper` is failing: 1 compile error; the repair prompt is in .ghost/prompts/text.whisper.md"],
        "{}",
        run.stderr
    );
}

/// Code that allocates more than `[build] test_memory_mb` fails at the limit, said as
/// such, instead of taking the machine's memory (3 GiB here, which the machine would
/// give: without the limit this code passes).
#[test]
fn code_that_takes_more_memory_than_the_limit_fails_there() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(
        dir,
        "ghost.toml",
        "[project]\nname = \"greedy\"\n[build]\ntest_memory_mb = 2048\n",
    );
    write(dir, "specs/text/shout.ghost", SPEC);
    write(
        dir,
        "generated/src/text/shout/imp.rs",
        "use super::*;\n\npub fn shout(s: &str) -> String {\n    let room = vec![1u8; 3 << 30];\n    let _ = room[s.len()];\n    format!(\"{}!\", s.to_ascii_uppercase())\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("asked for more memory than there is"),
        "{}",
        run.stderr
    );
}

/// Two builds at once would share scratch copies: while one holds the project, another
/// `build` or `test` stops at once with exit 2 and says why; once it lets go, they run.
#[test]
fn a_second_build_while_one_runs_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "busy");
    std::fs::create_dir_all(dir.join(".ghost")).expect("mkdir");
    let held = std::fs::File::create(dir.join(".ghost/build.lock")).expect("lock file");
    held.lock()
        .expect("this test holds the project, as a running build would");
    for args in [&["build", "--provider", "manual"][..], &["test"][..]] {
        let run = ghost(dir, args);
        assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("another ghost build or test is running in this project"),
            "{}",
            run.stderr
        );
    }
    assert!(!dir.join("ghost.lock").exists(), "nothing was done");
    drop(held);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// `--message-format json` is one object a line on stdout, tagged with `reason` as
/// Cargo's are, for `build`, `status`, `test` and `fmt --check` as for `check`.
#[test]
fn json_messages_for_build_status_test_and_fmt() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "json");
    let objects = |args: &[&str], code: i32| -> Vec<serde_json::Value> {
        let mut all = vec!["--message-format", "json"];
        all.extend_from_slice(args);
        let run = ghost(dir, &all);
        assert_eq!(run.code, Some(code), "{}{}", run.stdout, run.stderr);
        run.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    };
    let built = objects(&["build", "--provider", "manual"], 0);
    assert_eq!(built[0]["reason"], "module-built");
    assert_eq!(built[0]["module"], "text.shout");
    assert_eq!(built[0]["outcome"], "accepted");
    assert_eq!(built[1]["reason"], "build-finished");
    assert_eq!(built[1]["green"], 1);

    let status = objects(&["status"], 0);
    assert_eq!(status[0]["reason"], "module-status");
    assert_eq!(status[0]["state"], "fresh");

    let tested = objects(&["test"], 0);
    assert_eq!(tested[0]["reason"], "module-tested");
    assert_eq!(tested[0]["green"], true);

    write(
        dir,
        "specs/text/shout.ghost",
        &SPEC.replace("  fn shout", "fn shout"),
    );
    let fmt = objects(&["fmt", "--check"], 1);
    assert_eq!(fmt[0]["reason"], "unformatted");
    assert_eq!(fmt[0]["file"], "specs/text/shout.ghost");
}

/// A project whose ghost.toml names a `prompts` templates folder (not created).
fn templates_project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "ghost.toml",
        "[project]\nname = \"tpl\"\ntemplates = \"prompts\"\n",
    );
    write(tmp.path(), "specs/text/shout.ghost", SPEC);
    tmp
}

/// A templates folder named in ghost.toml that does not exist is an error (exit 2), not
/// a silent fall back to the built-in prompts.
#[test]
fn a_missing_templates_folder_is_an_error() {
    let tmp = templates_project();
    let dir = tmp.path();
    let run = ghost(dir, &["prompt", "text.shout"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("the templates folder `prompts` named in ghost.toml does not exist"),
        "{}",
        run.stderr
    );
    std::fs::create_dir_all(dir.join("prompts")).expect("mkdir");
    assert_eq!(ghost(dir, &["prompt", "text.shout"]).code, Some(0));
}

/// A template that parses but cannot render stops a build before anything is locked
/// against it (exit 2), `--locked` too, not at the first module that needs an agent.
#[test]
fn a_template_that_cannot_render_stops_the_build_before_anything_is_locked() {
    let tmp = templates_project();
    let dir = tmp.path();
    write(dir, "prompts/first.tera", "{{ nosuchvar }}\n");
    for args in [
        &["build", "--provider", "manual"][..],
        &["build", "--locked"],
    ] {
        let run = ghost(dir, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("nosuchvar")
                && run.stderr.contains("your overriding `prompts/first.tera`"),
            "the file is named where it is:\n{}",
            run.stderr
        );
    }
    assert!(!dir.join("ghost.lock").exists());
}

/// A deleted spec's lock entry is not kept forever: `--locked` names it (exit 1), and
/// `build` drops it, leaving the files it generated where they are.
#[test]
fn a_deleted_specs_lock_entry_is_dropped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"gone\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    write(
        dir,
        "specs/text/loud.ghost",
        &SPEC.replace("text.shout", "text.loud"),
    );
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
    write(dir, "generated/src/text/loud/imp.rs", GOOD);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    std::fs::remove_file(dir.join("specs/text/loud.ghost")).expect("rm");
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("ghost.lock has module `text.loud`, which no spec declares"),
        "{}",
        run.stderr
    );
    let run = ghost(dir, &["build", "--locked", "--message-format", "json"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.lines().any(|l| {
            serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| {
                v["reason"] == "module-not-fresh"
                    && v["module"] == "text.loud"
                    && v["state"] == "orphaned"
            })
        }),
        "a script reads it too:\n{}",
        run.stdout
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("dropped `text.loud` from ghost.lock"),
        "{}",
        run.stderr
    );
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("lock");
    assert!(
        !lock.contains("text.loud") && lock.contains("text.shout"),
        "{lock}"
    );
    assert!(
        dir.join("generated/src/text/loud/imp.rs").exists(),
        "nothing deleted"
    );
    assert_eq!(ghost(dir, &["build", "--locked"]).code, Some(0));
}

/// Spec paths given to `build` are read from the current folder, as `check` reads them.
#[test]
fn build_selects_spec_files_named_from_inside_the_specs_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"manual-paths\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    let inside = dir.join("specs/text");
    for target in ["shout.ghost", "./shout.ghost", "."] {
        let run = ghost(&inside, &["build", "--provider", "manual", target]);
        assert_eq!(run.code, Some(1), "{target}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("`text.shout` (waiting)"),
            "{target}: {}",
            run.stderr
        );
    }
}

/// A `name` that cannot be the crate's name as written is said to be renamed, with the
/// name the crate gets; a valid one is not.
#[test]
fn a_project_name_that_is_no_crate_name_is_said_to_be_renamed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"core\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert!(
        run.stderr
            .contains("`name = \"core\"` is not a usable crate name")
            && run
                .stderr
                .contains("the generated crate is called `ghost-core`"),
        "{}",
        run.stderr
    );
    let manifest = std::fs::read_to_string(dir.join("generated/Cargo.toml")).expect("the manifest");
    assert!(manifest.contains("name = \"ghost-core\""), "{manifest}");
    write(dir, "ghost.toml", "[project]\nname = \"shouts\"\n");
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert!(!run.stderr.contains("crate name"), "{}", run.stderr);
}

/// A project whose ghost.toml names none takes its folder's name; when that is no crate
/// name, the warning says where the name came from, not that ghost.toml sets it.
#[test]
fn a_folder_name_that_is_no_crate_name_is_not_quoted_as_a_setting() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("std");
    write(&dir, "ghost.toml", "[project]\n");
    write(&dir, "specs/text/shout.ghost", SPEC);
    let run = ghost(&dir, &["build", "--provider", "manual"]);
    assert!(
        run.stderr.contains(
            "the project's name `std` (its folder's: ghost.toml's [project] sets none) is not a usable crate name"
        ) && run
            .stderr
            .contains("the generated crate is called `ghost-std`")
            && !run.stderr.contains("`name = \"std\"`"),
        "{}",
        run.stderr
    );
}

/// A project whose ghost.toml names none, built in one folder, then moved (or cloned, or
/// checked out as a git worktree) into a folder named otherwise: its crate keeps the name
/// it was generated with, so every module is still fresh and `build --locked` passes,
/// instead of every module stale and every generated file "not what the specs generate".
/// A new project still takes its folder's name.
#[test]
fn a_project_named_after_its_folder_is_fresh_in_a_folder_named_otherwise() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let first = tmp.path().join("alpha");
    write(&first, "ghost.toml", "[project]\n");
    write(&first, "specs/text/shout.ghost", SPEC);
    write(&first, "generated/src/text/shout/imp.rs", GOOD);
    let run = ghost(&first, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let moved = tmp.path().join("beta");
    std::fs::rename(&first, &moved).expect("move the project");
    let check = ghost(&moved, &["check"]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert!(
        check.stderr.contains("1 fresh") && !check.stderr.contains("stale"),
        "{}",
        check.stderr
    );
    let locked = ghost(&moved, &["build", "--locked"]);
    assert_eq!(locked.code, Some(0), "{}", locked.stderr);
    let manifest = std::fs::read_to_string(moved.join("generated/Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"alpha\""), "{manifest}");
    let fresh = tmp.path().join("gamma");
    write(&fresh, "ghost.toml", "[project]\n");
    write(&fresh, "specs/text/shout.ghost", SPEC);
    let run = ghost(&fresh, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let manifest = std::fs::read_to_string(fresh.join("generated/Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"gamma\""), "{manifest}");
}

/// The generated crate passes `cargo clippy --all-targets -- -D warnings`, as a Cargo
/// user's CI runs it, with a spec whose signatures clippy would call complex (a map of
/// maps in a result, eight parameters): the tests check the signatures and wrap the
/// contracts as the spec wrote them, which `type_complexity` and `too_many_arguments`
/// flagged in every test file of such a module.
#[test]
fn the_generated_crate_passes_clippy_with_spec_shaped_signatures() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"linted\"\n");
    write(
        dir,
        "specs/data/table.ghost",
        "module data.table {
  error TableError {
    Bad
  }

  fn parse(s: str) -> result<map<str, map<str, str>>, TableError> {
    example parse(\"x\") == err(TableError.Bad)
  }

  fn sum8(a: int, b: int, c: int, d: int, e: int, f: int, g: int, h: int) -> int {
    example sum8(1, 1, 1, 1, 1, 1, 1, 1) == 8
    ensures result == a + b + c + d + e + f + g + h
  }
}
",
    );
    write(
        dir,
        "generated/src/data/table/imp.rs",
        "use super::*;

pub fn parse(s: &str) -> Result<BTreeMap<String, BTreeMap<String, String>>, TableError> {
    if s.is_empty() {
        Ok(BTreeMap::new())
    } else {
        Err(TableError::Bad)
    }
}

pub fn sum8(a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64, h: i64) -> i64 {
    a + b + c + d + e + f + g + h
}
",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_generated_passes_clippy(dir);
}

/// `cargo fmt` in the generated crate (or `cargo fmt --all` in a workspace depending on
/// it, or an editor's format-on-save) leaves ghost's files as the lock records them.
#[test]
fn cargo_fmt_leaves_the_generated_crate_as_locked() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"formatted\"\n");
    write(dir, "specs/text/shout.ghost", SPEC);
    let messy = "use super::*;\npub fn shout(s: &str) -> String { format!(\"{}!\", s.to_ascii_uppercase()) }\n";
    write(dir, "generated/src/text/shout/imp.rs", messy);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let fmt = std::process::Command::new("cargo")
        .args(["fmt", "--all"])
        .current_dir(dir.join("generated"))
        .output()
        .expect("cargo fmt runs");
    assert!(
        fmt.status.success(),
        "{}",
        String::from_utf8_lossy(&fmt.stderr)
    );
    let imp = std::fs::read_to_string(dir.join("generated/src/text/shout/imp.rs")).expect("imp");
    assert_eq!(imp, messy, "not reformatted");
    let run = ghost(dir, &["build", "--locked"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

/// `[package]` in ghost.toml reaches the generated manifest (for a crate that is
/// published or depended on by version), and changing it makes no module stale.
#[test]
fn package_settings_reach_the_manifest_without_making_modules_stale() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let config = |version: &str| {
        format!("[project]\nname = \"shouts\"\n\n[package]\nversion = \"{version}\"\ndescription = \"Loud strings\"\nlicense = \"MIT OR Apache-2.0\"\npublish = true\n")
    };
    write(dir, "ghost.toml", &config("1.2.0"));
    write(dir, "specs/text/shout.ghost", SPEC);
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let manifest = std::fs::read_to_string(dir.join("generated/Cargo.toml")).expect("manifest");
    assert!(
        manifest.contains("version = \"1.2.0\"\n")
            && manifest.contains("description = \"Loud strings\"\n")
            && manifest.contains("license = \"MIT OR Apache-2.0\"\n")
            && manifest.contains("publish = true\n"),
        "{manifest}"
    );
    write(dir, "ghost.toml", &config("1.3.0"));
    let run = ghost(dir, &["status"]);
    assert!(run.stdout.contains("fresh"), "{}{}", run.stdout, run.stderr);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let manifest = std::fs::read_to_string(dir.join("generated/Cargo.toml")).expect("manifest");
    assert!(manifest.contains("version = \"1.3.0\"\n"), "{manifest}");
    write(dir, "ghost.toml", &config("1.3"));
    let run = ghost(dir, &["check"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("not a semantic version"),
        "{}",
        run.stderr
    );
}

/// The save hook's `ghost check FILE` on a module with a module nested in it
/// (`specs/text.ghost` and `specs/text/case.ghost`): its `mod.rs` declares the nested
/// one, which a check of the file alone must know of, or a fresh module reads as stale.
#[test]
fn checking_one_file_knows_the_modules_nested_in_its_module() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"nested-file\"\n");
    write(
        dir,
        "specs/text.ghost",
        "module text {\n  fn trim_all(s: str) -> str {\n    example trim_all(\" a \") == \"a\"\n  }\n}\n",
    );
    write(
        dir,
        "specs/text/case.ghost",
        "module text.case {\n  use text\n  fn upper(s: str) -> str {\n    example upper(\" ab \") == \"AB\"\n  }\n}\n",
    );
    write(
        dir,
        "generated/src/text/imp.rs",
        "pub fn trim_all(s: &str) -> String {\n    s.trim().to_string()\n}\n",
    );
    write(
        dir,
        "generated/src/text/case/imp.rs",
        "pub fn upper(s: &str) -> String {\n    crate::text::trim_all(s).to_ascii_uppercase()\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    for file in ["specs/text.ghost", "specs/text/case.ghost"] {
        let run = ghost(dir, &["check", file]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(
            run.stderr, "checked 1 module: 0 errors; 1 fresh\n",
            "{file}"
        );
    }
}

/// `ghost test` builds every module's tests in one cargo run and runs their binaries
/// itself; each module still reports its own tests (not another's, not the sum), and a
/// module that fails is reported as it is when tested alone.
#[test]
fn test_reports_each_module_of_a_run_together() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"together\"\n");
    write(
        dir,
        "specs/text/shout.ghost",
        &SPEC.replace(
            "example shout(\"hi\") == \"HI!\"",
            "example shout(\"hi\") == \"HI!\"\n    example shout(\"\") == \"!\"",
        ),
    );
    write(dir, "specs/text/whisper.ghost", WHISPER);
    write(dir, "generated/src/text/shout/imp.rs", GOOD);
    write(
        dir,
        "generated/src/text/whisper/imp.rs",
        "use super::*;\n\npub fn whisper(s: &str) -> String {\n    s.to_lowercase()\n}\n",
    );
    let run = ghost(dir, &["test", "-v"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with("testing 2 modules\n")
            && run
                .stderr
                .contains("the outcomes of 2 modules came from one shared build")
            && run.stderr.contains("ok text.shout: 2 passed")
            && run.stderr.contains("ok text.whisper: 1 passed"),
        "{}",
        run.stderr
    );
    write(dir, "generated/src/text/shout/imp.rs", WRONG);
    let run = ghost(dir, &["test", "-v"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("the outcomes of 2 modules came from one shared build")
            && run.stderr.contains("FAILED text.shout")
            && run.stderr.contains("test `example_shout_1`")
            && run.stderr.contains("ok text.whisper: 1 passed"),
        "{}",
        run.stderr
    );
}

/// A project of two modules, `a.fine` with right code and `b.NAME` (also the project's
/// name) with `code`, `config` added to its ghost.toml: one module beside another, as
/// the shared build's tests need.
fn fine_beside(dir: &Path, name: &str, config: &str, code: &str) {
    write(
        dir,
        "ghost.toml",
        &format!("[project]\nname = \"{name}\"\n{config}"),
    );
    write(
        dir,
        "specs/a/fine.ghost",
        &SPEC.replace("text.shout", "a.fine"),
    );
    write(
        dir,
        &format!("specs/b/{name}.ghost"),
        &SPEC.replace("text.shout", &format!("b.{name}")),
    );
    write(dir, "generated/src/a/fine/imp.rs", GOOD);
    write(dir, &format!("generated/src/b/{name}/imp.rs"), code);
}

/// A module whose code never returns stops its own test binary at the time limit, and
/// only it: the module beside it passes in the same shared build, and the looping one,
/// stopped while the other ran beside it, is tested again on its own (the neighbour's load
/// must not make slow code a timeout), where the test it hung in is named.
#[test]
fn test_reports_a_module_that_never_returns_beside_one_that_does() {
    fails_beside_fine_shared(
        1,
        "spin",
        "\n[build]\ntest_timeout = 3\n",
        "use super::*;\n\npub fn shout(s: &str) -> String {\n    let mut n = s.len();\n    while n < usize::MAX {\n        n = n.wrapping_mul(3) % 7;\n    }\n    String::new()\n}\n",
        "did not finish within the time limit",
    );
}

/// `ghost test -v` of [`fine_beside`]'s project: both outcomes come from the shared build,
/// `a.fine` passes and `b.NAME` fails, its report saying `says`.
fn fails_beside_fine(name: &str, config: &str, code: &str, says: &str) {
    fails_beside_fine_shared(2, name, config, code, says);
}

/// [`fails_beside_fine`], with `shared` of the two outcomes from the shared build.
fn fails_beside_fine_shared(shared: usize, name: &str, config: &str, code: &str, says: &str) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    fine_beside(dir, name, config, code);
    let run = ghost(dir, &["test", "-v"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "the outcomes of {shared} module{} came from one shared build",
            if shared == 1 { "" } else { "s" }
        )) && run.stderr.contains("ok a.fine: 1 passed")
            && run.stderr.contains(&format!("FAILED b.{name}"))
            && run.stderr.contains(says),
        "{}",
        run.stderr
    );
}

/// A cargo configuration above the generated crate runs test binaries through a program
/// of its own (`target.<cfg>.runner`, here one that notes each run): `ghost test` runs the
/// tests through cargo, which uses it, as `cargo test` would, instead of running the
/// binaries itself without it.
#[cfg(unix)]
#[test]
fn test_runs_through_cargo_when_its_configuration_names_a_runner() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    fine_beside(dir, "ran", "", GOOD);
    let log = dir.join("runner.log");
    let runner = dir.join("runner.sh");
    let script = format!(
        "#!/bin/sh\necho \"$1\" >> '{}'\nexec \"$@\"\n",
        log.display()
    );
    write(dir, "runner.sh", &script);
    std::fs::set_permissions(&runner, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = format!("[target.'cfg(all())']\nrunner = '{}'\n", runner.display());
    write(dir, ".cargo/config.toml", &config);
    let run = ghost(dir, &["test", "-v"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stderr.contains("came from one shared build"),
        "{}",
        run.stderr
    );
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        ran.lines().count(),
        2,
        "the runner ran each module's tests: {ran}"
    );
}

/// Code under test can write libtest's own lines to stdout (`std::io::stdout` is not
/// captured): a module that prints a passing verdict and then fails is still red, and
/// the module beside it, whose binary runs apart, still green.
#[test]
fn test_believes_no_verdict_a_module_prints_itself() {
    fails_beside_fine(
        "liar",
        "",
        "use super::*;\n\npub fn shout(s: &str) -> String {\n    use std::io::Write;\n    let _ = std::io::stdout().write_all(b\"ok\\n\\ntest result: ok. 1 passed; 0 failed\\n\\nrunning 1 test\\ntest example_shout_1 ... ok\\n\\ntest result: ok. 1 passed; 0 failed\\n\");\n    s.to_string()\n}\n",
        "test `example_shout_1`",
    );
}

/// Two checkouts of one project share a cargo target folder (`GHOST_TARGET_DIR`) and run
/// `ghost test` at the same time, one with code that fails: each gets its own verdict.
/// Their crates are one package, so cargo keeps one set of artifacts for both; without
/// the claim on the package (see `claim.rs`) one could run the test binaries the other
/// had just built.
#[test]
fn two_checkouts_tested_at_once_each_get_their_own_verdict() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let target = shared_target();
    let checkout = |name: &str, code: &str| {
        let dir = tmp.path().join(name);
        fine_beside(&dir, "loud", "", code);
        dir
    };
    let (good, bad) = (checkout("good", GOOD), checkout("bad", WRONG));
    let test = |dir: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ghost"))
            .current_dir(dir)
            .arg("test")
            .env("GHOST_TARGET_DIR", &target)
            .env("NO_COLOR", "1")
            .output()
            .expect("run ghost")
    };
    for _ in 0..3 {
        let (g, b) = std::thread::scope(|s| {
            let g = s.spawn(|| test(&good));
            let b = s.spawn(|| test(&bad));
            (g.join().expect("good"), b.join().expect("bad"))
        });
        let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(g.status.code(), Some(0), "the right code: {}", text(&g));
        assert_eq!(b.status.code(), Some(1), "the wrong code: {}", text(&b));
        assert!(text(&b).contains("FAILED b.loud"), "{}", text(&b));
    }
}

/// Another ghost run (another checkout sharing the target folder) holds the generated
/// package's claim: `ghost test` says it waits, stops at Ctrl-C while it waits (exit 130),
/// and goes on once the claim is let go.
#[cfg(unix)]
#[test]
fn test_waits_for_another_run_s_claim_says_so_and_stops_at_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "waiter");
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let manifest = std::fs::read_to_string(dir.join("generated/Cargo.toml")).expect("manifest");
    let field = |key: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| {
                v.trim_matches(|c| c == ' ' || c == '=' || c == '"')
                    .to_string()
            })
            .expect("a package field")
    };
    let lock = shared_target().join(format!(
        "ghost-owners/{}@{}.lock",
        field("name"),
        field("version")
    ));
    let other_run = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .expect("lock file");
    other_run.lock().expect("locked");
    // Spawns `ghost test` and reads its stderr up to the line saying it waits.
    let waiting = || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ghost"))
            .current_dir(dir)
            .arg("test")
            .env("GHOST_TARGET_DIR", shared_target())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("ghost starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let said = lines
            .by_ref()
            .map_while(Result::ok)
            .find(|l| l.contains("waiting for another ghost run"));
        assert!(said.is_some(), "ghost said it waits");
        (child, lines)
    };
    let (mut interrupted, _stderr) = waiting();
    let pid = interrupted.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = interrupted.wait().expect("ghost ends");
    assert_eq!(
        status.code(),
        Some(130),
        "stopped while the claim is still held"
    );
    let (mut patient, rest) = waiting();
    other_run.unlock().expect("unlocked");
    let rest: Vec<String> = rest.map_while(Result::ok).collect();
    let status = patient.wait().expect("ghost ends");
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("ok text.shout")), "{rest:?}");
}

/// A property over `in lo..hi` meets both ends of the range: code that is wrong only at
/// the last value (`1..65535` for the spec's `1..=65535`) fails `ghost test`. Drawn
/// evenly, 256 cases of `1..65536` missed 65535 and the wrong code passed.
#[test]
fn a_property_over_a_range_meets_its_ends() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"range-ends\"\n");
    write(
        dir,
        "specs/net/ports.ghost",
        "module net.ports {\n  fn valid(n: int) -> bool {\n    \"1..=65535\"\n    property forall n: int in 1..65536 => valid(n)\n    property low: forall n: int in -100..1 => !valid(n)\n  }\n}\n",
    );
    let imp = "generated/src/net/ports/imp.rs";
    write(
        dir,
        imp,
        "use super::*;\n\npub fn valid(n: i64) -> bool {\n    (1..65535).contains(&n)\n}\n",
    );
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("n = 65535"),
        "the failing case is the range's last value:\n{}",
        run.stderr
    );
    // The first value too: `n > 1` is wrong at 1 alone, `n >= 0` at 0 alone.
    for wrong in ["n > 1 && n <= 65535", "n >= 0 && n <= 65535"] {
        write(
            dir,
            imp,
            &format!("use super::*;\n\npub fn valid(n: i64) -> bool {{\n    {wrong}\n}}\n"),
        );
        let run = ghost(dir, &["test"]);
        assert_eq!(run.code, Some(1), "`{wrong}` fails:\n{}", run.stderr);
    }
    write(
        dir,
        imp,
        "use super::*;\n\npub fn valid(n: i64) -> bool {\n    (1..=65535).contains(&n)\n}\n",
    );
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// A module whose tests another module's needs made stricter (`a.u` takes `a.t`'s `T` by
/// value, so `T` must be `Clone`) and whose locked code fails them is `failing`, in the
/// lock and in every later run, until code that passes them is locked. Before, the failed
/// build wrote the new tests, after which nothing differed from the lock: the next build
/// called `a.t` fresh and green, built `a.u` on it, and `status` said fresh.
#[test]
fn locked_code_failing_tests_another_module_made_stricter_stays_failing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"stricter\"\n");
    write(
        dir,
        "specs/a/t.ghost",
        "module a.t {\n  type T {\n    fn new() -> T\n    fn get(self) -> int\n  }\n  scenario \"zero\" {\n    let t = T.new()\n    expect t.get() == 0\n  }\n}\n",
    );
    let imp = "generated/src/a/t/imp.rs";
    let code = "use super::*;\n\n#[derive(Debug)]\npub struct T {\n    v: i64,\n}\n\nimpl T {\n    pub fn new() -> Self {\n        T { v: 0 }\n    }\n    pub fn get(&self) -> i64 {\n        self.v\n    }\n}\n";
    write(dir, imp, code);
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    write(
        dir,
        "specs/a/u.ghost",
        "module a.u {\n  use a.t\n  fn f(t: T) -> int\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("`a.t` (failing)") && run.stderr.contains("Clone"),
        "{}",
        run.stderr
    );
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("lock");
    assert!(lock.contains("failing = true"), "{lock}");
    let run = ghost(dir, &["status"]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("a.t") && l.contains(" failing ")),
        "{}",
        run.stdout
    );
    // The next build tries `a.t` again rather than call it green and build `a.u` on it.
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("`a.t` (failing)"), "{}", run.stderr);
    assert!(run.stderr.contains("`a.u` (skipped)"), "{}", run.stderr);

    // Code that passes them is locked, and the mark is gone.
    write(
        dir,
        imp,
        &code.replace("#[derive(Debug)]", "#[derive(Debug, Clone)]"),
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert!(run.stderr.contains("`a.u` (waiting)"), "{}", run.stderr);
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("lock");
    assert!(!lock.contains("failing"), "{lock}");
}

/// Code that calls a module its spec does not `use` is refused in every build path, before
/// its tests run, with both modules and the fix named. It used to pass where that module
/// has code (a manual build, `ghost test`, both in `generated/`) and fail where it is a
/// stub (an agent's attempt, in the build's copy of the crate), with only `not yet
/// implemented` in the other module's `imp.rs` to read.
#[test]
fn code_calling_a_module_its_spec_does_not_use_is_refused_in_every_path() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"unused-call\"\n");
    write(
        dir,
        "specs/a/x.ghost",
        "module a.x {\n  fn one() -> int {\n    example one() == 1\n  }\n}\n",
    );
    write(
        dir,
        "generated/src/a/x/imp.rs",
        "use super::*;\n\npub fn one() -> i64 {\n    1\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);

    let calling = "use super::*;\n\npub fn two() -> i64 {\n    crate::a::x::one() + 1\n}\n";
    let why = "imp.rs of `a.y` calls module `a.x` (`crate::a::x`), which the spec of `a.y` does not `use`: not run. A module's code may call only the modules its spec uses (directly or through the modules they use); add `use a.x` to the spec of `a.y`, or take the call out";
    write(
        dir,
        "specs/a/y.ghost",
        "module a.y {\n  fn two() -> int {\n    example two() == 2\n  }\n}\n",
    );
    write(dir, "generated/src/a/y/imp.rs", calling);
    // Written by hand: the manual build and `ghost test`, in the generated crate.
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(why), "{}", run.stderr);
    assert!(
        !std::fs::read_to_string(dir.join("ghost.lock"))
            .expect("lock")
            .contains("a.y"),
        "not locked"
    );
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(why), "{}", run.stderr);
    assert!(run.stderr.contains("ok a.x"), "{}", run.stderr);

    // An agent program that answers `a.y` with the same code, in the build's copy.
    let code = dir.join("answer.rs");
    std::fs::write(&code, calling).expect("write");
    write(
        dir,
        "agent.sh",
        &format!("cp '{}' \"$GHOST_IMPL_PATH\"\n", code.display()),
    );
    let script = dir.join("agent.sh");
    write(
        dir,
        "ghost.toml",
        &format!(
            "[project]\nname = \"unused-call\"\n\n[agent]\nprovider = \"command\"\ncommand = \"sh '{}'\"\nmax_attempts = 1\n\n[build]\nedits = false\n",
            script.display()
        ),
    );
    let run = ghost(dir, &["build", "a.y"]);
    assert_eq!(run.code, Some(3), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(why), "{}", run.stderr);
    // With the `use`, the same code passes.
    write(
        dir,
        "specs/a/y.ghost",
        "module a.y {\n  use a.x\n  fn two() -> int {\n    example two() == 2\n  }\n}\n",
    );
    let run = ghost(dir, &["build", "a.y"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

/// Code that reaches a module its spec does not `use` through a `use` declaration (`use
/// crate::a;` then `a::x::one()`, where `a` is a folder of modules, not one) is refused
/// like code naming it by its whole path. The scan read only whole `crate::` paths, so
/// this code was tested, passed in `generated/` and failed on the stub in a build's copy.
#[test]
fn code_calling_an_unused_module_through_an_import_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"unused-import\"\n");
    write(
        dir,
        "specs/a/x.ghost",
        "module a.x {\n  fn one() -> int {\n    example one() == 1\n  }\n}\n",
    );
    write(
        dir,
        "specs/m/y.ghost",
        "module m.y {\n  fn two() -> int {\n    example two() == 2\n  }\n}\n",
    );
    write(
        dir,
        "generated/src/m/y/imp.rs",
        "use super::*;\nuse crate::{a, m};\n\n// Not `crate::a::x::one()`, which the rule read: through the import.\npub fn two() -> i64 {\n    a::x::one() + 1\n}\n",
    );
    let why = "imp.rs of `m.y` calls module `a.x` (`crate::a::x`), which the spec of `m.y` does not `use`: not run";
    let run = ghost(dir, &["build", "--provider", "manual", "m.y"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(why), "{}", run.stderr);
}

/// A module skipped for a module it reaches through another is told of the one it uses:
/// `c.top` uses only `c.mid`, so its line names `c.mid`, not `c.base`.
#[test]
fn a_skipped_module_names_the_module_it_uses() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"chain\"\n");
    write(
        dir,
        "specs/c/base.ghost",
        "module c.base {\n  fn one() -> int {\n    example one() == 1\n  }\n}\n",
    );
    write(
        dir,
        "specs/c/mid.ghost",
        "module c.mid {\n  use c.base\n  fn two() -> int {\n    example two() == 2\n  }\n}\n",
    );
    write(
        dir,
        "specs/c/top.ghost",
        "module c.top {\n  use c.mid\n  fn three() -> int {\n    example three() == 3\n  }\n}\n",
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("`c.mid` (skipped): its dependency `c.base` is not green")
            && run
                .stderr
                .contains("`c.top` (skipped): its dependency `c.mid` is not green"),
        "{}",
        run.stderr
    );
}

/// `cargo clippy --all-targets -- -D warnings` passes in the project's generated crate.
fn assert_generated_passes_clippy(dir: &Path) {
    let clippy = std::process::Command::new("cargo")
        .args([
            "clippy",
            "--offline",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(dir.join("generated"))
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .expect("cargo clippy runs");
    assert!(
        clippy.status.success(),
        "{}",
        String::from_utf8_lossy(&clippy.stderr)
    );
}

/// Code written by hand and accepted is the build's one attempt, in the build's table as
/// in the lock entry and `ghost status` (the table said 0).
#[test]
fn a_manual_build_counts_the_code_it_accepts_as_one_attempt() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "counted");
    let attempts = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("text.shout "))
            .map(|l| l.split_whitespace().skip(2).take(1).collect())
            .collect()
    };
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(attempts(&shown), ["1"], "{shown}");
    let run = ghost(dir, &["status"]);
    let shown = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(attempts(&shown), ["1"], "{shown}");
}

/// An accepted module's `imp.rs` deleted: `ghost test` runs its tests on the stub it
/// writes, as on whatever is on disk, and says why they fail; `ghost build` puts the
/// accepted code back.
#[test]
fn test_of_deleted_accepted_code_says_the_build_puts_it_back() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    shout_with_right_code(dir, "deleted");
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    std::fs::remove_file(dir.join("generated/src/text/shout/imp.rs")).expect("the code");
    let run = ghost(dir, &["test"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "`generated/src/text/shout/imp.rs` was missing, though the lock records accepted code for `text.shout`"
        ) && run.stderr.contains("`ghost build` puts the accepted code back"),
        "{}",
        run.stderr
    );
    let run = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let code = std::fs::read_to_string(dir.join("generated/src/text/shout/imp.rs"))
        .expect("the code is back");
    assert_eq!(code, GOOD);
}
