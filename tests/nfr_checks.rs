//! The NFRs only a build can check bite: `nfr lint` (clippy on the module's own files)
//! and `nfr perf` (a release-mode timing). Each gets a wrong implementation first (not
//! accepted, with a message naming the NFR) and then a right one (accepted).

use assert_cmd::Command;
use std::path::Path;

/// Beside `next`, what the spec fixes and clippy would flag in any code obeying it: a
/// doc's Markdown, acronyms, variants ending in their enum's name, a complex type and a
/// long parameter list (`nfr lint` must be reachable).
const LINT_SPEC: &str = r#"module q.lint {
  "Lints the spec fixes:
   - a list item
   continued lazily"
  enum Proto { HTTP, FTP }
  enum Color { RedColor, BlueColor }
  record Deep { m: map<str, list<option<(int, map<str, list<(int, str)>>)>>> }
  fn next(x: int) -> int {
    example next(1) == 2
  }
  fn many(a: int, b: int, c: int, d: int, e: int, f: int, g: int, h: int, deep: Deep, p: Proto, k: Color) -> int {
    example many(1, 2, 3, 4, 5, 6, 7, 8, Deep { m: {} }, Proto.HTTP, Color.RedColor) == 36
  }
  nfr lint
}
"#;

const MANY: &str = "\n\npub fn many(a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64, h: i64, deep: Deep, p: Proto, k: Color) -> i64 {\n    let _ = (deep, p, k);\n    a + b + c + d + e + f + g + h\n}\n";

const PERF_SPEC: &str = r#"module q.perf {
  fn echo(n: int) -> int {
    example echo(3) == 3
  }
  nfr perf echo(1000) < 5ms
}
"#;

/// `needless_return`: clippy warns, so `nfr lint` must refuse it.
const LINT_WRONG: &str = "use super::*;\n\npub fn next(x: i64) -> i64 {\n    return x + 1;\n}\n";
const LINT_RIGHT: &str = "use super::*;\n\npub fn next(x: i64) -> i64 {\n    x + 1\n}\n";
/// Right answer, far over the 5 ms budget.
const PERF_WRONG: &str =
    "use super::*;\n\npub fn echo(n: i64) -> i64 {\n    std::thread::sleep(std::time::Duration::from_millis(30));\n    n\n}\n";
const PERF_RIGHT: &str = "use super::*;\n\npub fn echo(n: i64) -> i64 {\n    n\n}\n";

fn ghost(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    ghost_with(dir, args, &[])
}

/// [`ghost`] with more environment variables.
fn ghost_with(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> (Option<i32>, String) {
    let out = Command::cargo_bin("ghost")
        .expect("the ghost binary is built")
        .current_dir(dir)
        .env(
            "GHOST_TARGET_DIR",
            std::env::temp_dir().join("ghost-tests-target"),
        )
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("ghost runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

#[test]
fn lint_and_perf_refuse_the_wrong_implementation_and_accept_the_right_one() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "ghost.toml", "[project]\nname = \"nfr-demo\"\n");
    write(dir, "specs/q/lint.ghost", LINT_SPEC);
    write(dir, "specs/q/perf.ghost", PERF_SPEC);
    write(
        dir,
        "generated/src/q/lint/imp.rs",
        &format!("{LINT_WRONG}{MANY}"),
    );
    write(dir, "generated/src/q/perf/imp.rs", PERF_WRONG);

    let (code, out) = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(code, Some(1), "{out}");
    let lint_prompt =
        std::fs::read_to_string(dir.join(".ghost/prompts/q.lint.md")).expect("a repair prompt");
    assert!(
        lint_prompt.contains("`nfr lint` is broken") && lint_prompt.contains("needless_return"),
        "{lint_prompt}"
    );
    let perf_prompt =
        std::fs::read_to_string(dir.join(".ghost/prompts/q.perf.md")).expect("a repair prompt");
    assert!(
        perf_prompt.contains("`nfr perf echo(1000) < 5ms` is broken"),
        "{perf_prompt}"
    );
    assert!(!dir.join("ghost.lock").exists(), "nothing is locked");

    write(
        dir,
        "generated/src/q/lint/imp.rs",
        &format!("{LINT_RIGHT}{MANY}"),
    );
    write(dir, "generated/src/q/perf/imp.rs", PERF_RIGHT);
    let (code, out) = ghost(dir, &["build", "--provider", "manual"]);
    assert_eq!(code, Some(0), "{out}");
    let lock = std::fs::read_to_string(dir.join("ghost.lock")).expect("the lock");
    assert!(
        lock.contains("\"q.lint\"") && lock.contains("\"q.perf\""),
        "{lock}"
    );
    assert!(
        out.contains("1 checked, 0 asked"),
        "the report says which NFRs were checked: {out}"
    );

    // A machine without clippy cannot check `nfr lint`: the run stops and says what to
    // install (a build would otherwise spend its attempts on what no code can mend).
    let fake = dir.join("no-clippy.sh");
    write(
        dir,
        "no-clippy.sh",
        "#!/bin/sh\nif [ \"$1\" = clippy ]; then echo \"error: no such command: \\`clippy\\`\" >&2; exit 101; fi\nexec \"$REAL_CARGO\" \"$@\"\n",
    );
    make_executable(&fake);
    let real = std::env::var_os("CARGO").unwrap_or("cargo".into());
    let (code, text) = ghost_with(
        dir,
        &["test"],
        &[("REAL_CARGO", &real), ("CARGO", fake.as_os_str())],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("`cargo clippy` did not run, so `nfr lint` cannot be checked")
            && text.contains("rustup component add clippy")
            && text.contains("no such command"),
        "{text}"
    );

    // Two modules with timings: `ghost test` takes both from one release build, and a timing
    // over its budget is still reported as that module's.
    write(
        dir,
        "specs/q/perf2.ghost",
        &PERF_SPEC.replace("q.perf", "q.perf2"),
    );
    write(dir, "generated/src/q/perf2/imp.rs", PERF_RIGHT);
    write(dir, "generated/src/q/perf/imp.rs", PERF_WRONG);
    let (code, text) = ghost(dir, &["test", "-v", "q.perf", "q.perf2"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the outcomes of 2 modules came from one shared build")
            && text.contains("FAILED q.perf:")
            && text
                .matches("`nfr perf echo(1000) < 5ms` is broken")
                .count()
                == 1
            && text.contains("ok q.perf2"),
        "{text}"
    );
}

fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}
