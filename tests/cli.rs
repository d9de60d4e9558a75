//! The `ghost` binary as a user meets it: each test builds a project in a temp folder, runs
//! the real binary there and checks its exit code and output (snapshotted with insta,
//! the temp folder's path replaced by `[TMP]`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A project in a temp folder.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// An empty folder (no ghost.toml).
    fn empty() -> Project {
        Project {
            dir: tempfile::tempdir().expect("create a temp folder"),
        }
    }

    /// A folder with a default ghost.toml and the given files.
    fn with(files: &[(&str, &str)]) -> Project {
        let p = Project::empty();
        p.write("ghost.toml", "[project]\nname = \"t\"\n");
        for (path, text) in files {
            p.write(path, text);
        }
        p
    }

    fn root(&self) -> PathBuf {
        self.dir
            .path()
            .canonicalize()
            .expect("the temp folder exists")
    }

    fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("mkdir");
        std::fs::write(path, text).expect("write a fixture file");
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).expect("read a file back")
    }

    /// `ghost ARGS` in `sub` (a folder of the project).
    fn ghost_in(&self, sub: &str, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_ghost"))
            .current_dir(self.dir.path().join(sub))
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("GHOST_PROVIDER")
            .env_remove("GHOST_MODEL")
            .env_remove("GHOST_BASE_URL")
            .output()
            .expect("run ghost");
        let clean = |b: &[u8]| {
            let text = String::from_utf8_lossy(b).into_owned();
            let root = self.root().display().to_string();
            let raw = self.dir.path().display().to_string();
            text.replace(&root, "[TMP]").replace(&raw, "[TMP]")
        };
        Run {
            code: out.status.code(),
            stdout: clean(&out.stdout),
            stderr: clean(&out.stderr),
        }
    }

    fn ghost(&self, args: &[&str]) -> Run {
        self.ghost_in(".", args)
    }
}

/// What one run printed and how it ended.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn both(&self) -> String {
        format!(
            "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

const SLUG: &str = include_str!("fixtures/valid/slug.ghost");
const PORT: &str = include_str!("fixtures/valid/port.ghost");
const LRU: &str = include_str!("fixtures/valid/lru.ghost");

/// A module with one syntax error and two checker errors.
const BROKEN: &str = "module text.broken {
  fn f(x: nit) -> int {
    example f(1) == \"one\"
  }
  record R { a: int b: }
}
";

fn valid_project() -> Project {
    Project::with(&[
        ("specs/text/slug.ghost", SLUG),
        ("specs/net/port.ghost", PORT),
        ("specs/cache/lru.ghost", LRU),
    ])
}

#[test]
fn help_teaches_every_command() {
    let p = Project::empty();
    let run = p.ghost(&["--help"]);
    assert_eq!(run.code, Some(0));
    insta::assert_snapshot!("help", run.stdout);
    for command in [
        "init", "check", "build", "test", "status", "prompt", "fmt", "watch", "eval",
    ] {
        let run = p.ghost(&[command, "--help"]);
        assert_eq!(run.code, Some(0), "{command}");
        assert!(
            run.stdout.contains("Example"),
            "`ghost {command} --help` shows an example:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("ghost {command}")),
            "{command}: {}",
            run.stdout
        );
    }
    insta::assert_snapshot!("help_check", p.ghost(&["check", "--help"]).stdout);
}

#[test]
fn init_then_check_is_green() {
    let p = Project::empty();
    let run = p.ghost(&["init", "demo"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(p.read("demo/ghost.toml").contains("name = \"demo\""));
    assert!(p.read("demo/.gitignore").lines().any(|l| l == ".ghost/"));
    let run = p.ghost_in("demo", &["check"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    // Nothing is built yet: the module is reported missing, which is not an error.
    assert_eq!(
        run.stderr,
        "  missing text.slug\nchecked 1 module: 0 errors; 1 missing\n"
    );
    // A second init refuses to overwrite.
    let run = p.ghost(&["init", "demo"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    // A project inside its specs folder would be read as its specs.
    let run = p.ghost_in("demo/specs", &["init", "inner"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(run.stderr.contains("inside the specs"), "{}", run.stderr);
    assert!(!p.root().join("demo/specs/inner").exists());
}

/// The next steps `init` prints work when pasted: for a new folder they `cd` into it
/// first, quoted as a shell needs (`ghost check` run where `init` was found no project).
#[test]
fn init_next_steps_cd_into_the_new_folder() {
    let p = Project::empty();
    let run = p.ghost(&["init", "weird name"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    let next = run
        .stderr
        .split("next: `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("a next step:\n{}", run.both()));
    assert_eq!(next, "cd 'weird name' && ghost check", "{}", run.both());
    let cd = next.trim_end_matches(" && ghost check");
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("{cd} && test -f ghost.toml")])
        .current_dir(p.root())
        .status()
        .expect("sh runs");
    assert!(status.success(), "`{cd}` reaches the project");

    // In the current folder, there is nowhere to go.
    let here = Project::empty();
    let run = here.ghost(&["init"]);
    assert!(
        run.stderr
            .contains("next: `ghost check` checks the example spec"),
        "{}",
        run.both()
    );
}

/// `ghost init notes.txt`, a file: said so, with exit 2, rather than "cannot write:
/// File exists" and a help about the folder's permissions.
#[test]
fn init_on_a_file_says_it_is_not_a_folder() {
    let p = Project::empty();
    p.write("notes.txt", "mine");
    let run = p.ghost(&["init", "notes.txt"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(
        run.stderr.contains(
            "`notes.txt` is a file, not a folder\nhelp: give `ghost init` the name of a folder"
        ),
        "{}",
        run.both()
    );
    assert_eq!(p.read("notes.txt"), "mine");
}

#[test]
fn init_keeps_an_existing_gitignore() {
    let p = Project::empty();
    p.write(".gitignore", "/target");
    assert_eq!(p.ghost(&["init"]).code, Some(0));
    assert_eq!(
        p.read(".gitignore"),
        "/target\n.ghost/\n/generated/target/\n*.snap.new\n*.pending-snap\n"
    );
}

/// A spec of the user's where the example would go is kept, and said so, rather than
/// pointed at as "the example spec".
#[test]
fn init_keeps_an_existing_spec_and_says_so() {
    let p = Project::empty();
    p.write("specs/text/slug.ghost", SLUG);
    let run = p.ghost(&["init"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert_eq!(p.read("specs/text/slug.ghost"), SLUG);
    assert!(
        run.stderr
            .contains("kept the existing `specs/text/slug.ghost`"),
        "{}",
        run.both()
    );
    assert!(!run.stderr.contains("the example spec"), "{}", run.both());
}

#[test]
fn the_design_examples_check_green() {
    let run = valid_project().ghost(&["check"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(
        run.stderr
            .ends_with("checked 3 modules: 0 errors; 3 missing\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn errors_in_human_format() {
    let p = Project::with(&[("specs/text/broken.ghost", BROKEN)]);
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "", "human diagnostics go to stderr");
    insta::assert_snapshot!("check_human", run.stderr);
}

#[test]
fn errors_in_short_format() {
    let p = Project::with(&[("specs/text/broken.ghost", BROKEN)]);
    let run = p.ghost(&["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    insta::assert_snapshot!("check_short", run.both());
}

#[test]
fn errors_in_json_format() {
    let p = Project::with(&[("specs/text/broken.ghost", BROKEN)]);
    let run = p.ghost(&["--message-format", "json", "check"]);
    assert_eq!(run.code, Some(1));
    for line in run.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert_eq!(v["file"], "specs/text/broken.ghost");
    }
    insta::assert_snapshot!("check_json", run.stdout);
}

#[test]
fn short_paths_are_relative_to_the_current_folder() {
    let p = Project::with(&[
        ("specs/text/broken.ghost", BROKEN),
        ("specs/net/port.ghost", PORT),
    ]);
    let first = |run: Run| {
        run.stdout
            .lines()
            .next()
            .map(|l| l.split(':').next().unwrap_or("").to_string())
    };
    let at = |sub: &str| first(p.ghost_in(sub, &["check", "--message-format", "short"]));
    assert_eq!(at(".").as_deref(), Some("specs/text/broken.ghost"));
    assert_eq!(at("specs/text").as_deref(), Some("broken.ghost"));
    assert_eq!(at("specs/net").as_deref(), Some("../text/broken.ghost"));
    let run = p.ghost_in(
        "specs/text",
        &["check", "broken.ghost", "--message-format", "short"],
    );
    assert!(run.stdout.starts_with("broken.ghost:2:"), "{}", run.stdout);
}

#[test]
fn bad_usage_exits_2() {
    let p = valid_project();
    let run = p.ghost(&["check", "--no-such-flag"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
    assert_eq!(p.ghost(&["--message-format", "xml", "check"]).code, Some(2));
    assert_eq!(p.ghost(&[]).code, Some(2), "no command");
    assert_eq!(
        p.ghost(&["watch", "--provider", "manual"]).code,
        Some(2),
        "an agent for builds that are not asked for"
    );
    assert_eq!(
        p.ghost(&["check", "specs/nope.ghost"]).code,
        Some(2),
        "a path that does not exist"
    );
    let run = p.ghost(&["build", "specs/nope.ghost"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(
        run.stderr
            .contains("no such spec file or folder: `specs/nope.ghost`"),
        "{}",
        run.both()
    );
}

#[test]
fn status_lists_the_other_modules_beside_a_spec_with_errors() {
    let p = valid_project();
    p.write("specs/text/broken.ghost", BROKEN);
    let run = p.ghost(&["status"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert!(
        run.stderr.contains("specs/text/broken.ghost"),
        "{}",
        run.both()
    );
    let line = |name: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}: {}", run.both()))
            .to_string()
    };
    assert!(line("text.slug").contains("missing"), "{}", run.stdout);
    assert!(line("cache.lru").contains("missing"), "{}", run.stdout);
    assert!(line("text.broken").contains("error"), "{}", run.stdout);
    let run = p.ghost(&["status", "--message-format", "json"]);
    let broken = run
        .stdout
        .lines()
        .find(|l| l.contains("\"module\":\"text.broken\""))
        .unwrap_or_else(|| panic!("{}", run.both()));
    assert!(broken.contains("\"state\":\"error\""), "{broken}");
}

/// A project with no spec yet: `status` prints its header and says why the table is
/// empty and what to do, as `check` does, rather than an empty table alone.
#[test]
fn status_of_a_project_without_specs_says_where_to_write_one() {
    let p = Project::with(&[("specs/notes.md", "not a spec")]);
    let run = p.ghost(&["status"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(
        run.stderr.contains(
            "no spec files in `specs`\nhelp: write one there (`a/b.ghost` is module `a.b`"
        ),
        "{}",
        run.both()
    );
}

#[test]
fn status_and_prompt_work_without_a_build() {
    let p = valid_project();
    let run = p.ghost(&["status"]);
    // Modules that are not fresh fail `status`, as they fail `build --locked` (only
    // `check` lets stale and missing ones pass): the reason is named on stderr.
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert!(
        run.stderr.contains("modules are not fresh: ")
            && run.stderr.contains("`text.slug` (missing)"),
        "{}",
        run.both()
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("text.slug") && l.contains("missing")),
        "{}",
        run.stdout
    );
    let run = p.ghost(&["prompt", "text.slug"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(
        run.stdout.contains("`text.slug`")
            && run
                .stdout
                .contains("assert_eq!(slugify(\"\"), String::from(\"\"));"),
        "{}",
        run.stdout
    );
    let by_file = p.ghost(&["prompt", "specs/text/slug.ghost"]);
    assert_eq!(by_file.code, Some(0), "{}", by_file.both());
    assert_eq!(by_file.stdout, run.stdout, "a spec file names its module");
    let run = p.ghost(&["prompt", "text.slgu"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("did you mean `text.slug`?"),
        "{}",
        run.stderr
    );
    let run = p.ghost(&["prompt", "text.slug", "--repair"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("no failed attempt is recorded"),
        "{}",
        run.stderr
    );
    // With an error in the spec: a module no spec declares is still an unknown name
    // (exit 2), the declared one gets the diagnostics (exit 1).
    p.write("specs/text/slug.ghost", SLUG.replace("str", "strng"));
    let run = p.ghost(&["prompt", "text.nope"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(run.stderr.contains("unknown module"), "{}", run.stderr);
    let run = p.ghost(&["prompt", "text.slug"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert!(run.stderr.contains("strng"), "{}", run.stderr);
}

#[test]
fn a_bad_ghost_toml_exits_2_naming_the_key() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    p.write("ghost.toml", "[project]\nname = \"t\"\nspces = \"x\"\n");
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(2));
    insta::assert_snapshot!("bad_config", run.stderr);
    p.write("ghost.toml", "[project\n");
    assert_eq!(p.ghost(&["check"]).code, Some(2));
    // A key in the wrong table is told where it belongs; a bad value where it is written;
    // an editor's problem matcher gets the error as it gets a spec's.
    p.write(
        "ghost.toml",
        "provider = \"openai\"\n[project]\nname = \"t\"\n",
    );
    let run = p.ghost(&["check"]);
    assert!(
        run.stderr
            .contains("ghost.toml:1:1: unknown field `provider`")
            && run.stderr.contains("`provider` belongs under `[agent]`"),
        "{}",
        run.stderr
    );
    p.write(
        "ghost.toml",
        "[project]\nname = \"t\"\n\n[agent]\nprovider = \"opneai\"\n",
    );
    let run = p.ghost(&["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stdout,
        "ghost.toml:5:1: error: `agent.provider` is `opneai`, which ghost does not know (did you mean `openai`?)\n"
    );
}

/// A spec file outside the specs folder is never built: `check` given it says so (exit
/// 2) rather than calling it fine; the project's folder selects the specs folder.
#[test]
fn a_spec_outside_the_specs_folder_is_said_to_be_unread() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    p.write("loose.ghost", SLUG);
    let run = p.ghost(&["check", "loose.ghost"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(
        run.stderr
            .contains("`loose.ghost` is not in the specs folder `specs`"),
        "{}",
        run.stderr
    );
    let run = p.ghost(&["check", "."]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(run.stderr.contains("checked 1 module"), "{}", run.stderr);
}

#[test]
fn no_project_exits_2() {
    let p = Project::empty();
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("no `ghost.toml` found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ghost init"), "{}", run.stderr);
}

#[test]
fn a_missing_specs_folder_exits_2() {
    let p = Project::with(&[]);
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("specs folder `specs` does not exist"),
        "{}",
        run.stderr
    );
    p.write("specs", "not a folder");
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("specs folder `specs` is a file, not a folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn binary_and_non_utf8_files_are_spec_errors() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    p.write(
        "specs/bin/blob.ghost",
        [
            0x7f, b'E', b'L', b'F', 0, 0, 0xff, 0xfe, 1, 2, 3, b'\n', 0x80,
        ],
    );
    p.write(
        "specs/bin/latin1.ghost",
        b"module bin.latin1 {\n  \"caf\xe9\"\n}\n",
    );
    let run = p.ghost(&["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    insta::assert_snapshot!("non_utf8", run.both());
    let human = p.ghost(&["check"]);
    assert_eq!(human.code, Some(1));
    assert!(human.stderr.contains("E0101"), "{}", human.stderr);
}

/// Links to nothing or to themselves under specs/ (an editor's lock file, a file moved
/// away) stop nothing: one named as a spec is reported as unreadable, others are passed.
#[cfg(unix)]
#[test]
fn broken_and_looping_links_among_the_specs_stop_nothing() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    let dir = p.root().join("specs/text");
    std::os::unix::fs::symlink("/nonexistent/ghost-audit", dir.join("readme")).expect("link");
    std::os::unix::fs::symlink(".", dir.join("loop")).expect("link");
    std::os::unix::fs::symlink("self.ghost", dir.join("self.ghost")).expect("link");
    // Emacs's lock file of an open, changed spec.
    std::os::unix::fs::symlink("user@host.1234:1", dir.join(".#slug.ghost")).expect("link");
    let run = p.ghost(&["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert!(
        run.stdout
            .contains("specs/text/self.ghost:1:1: error: cannot read the file"),
        "{}",
        run.both()
    );
    assert!(
        !run.both().contains("readme")
            && !run.both().contains("loop")
            && !run.both().contains(".#slug"),
        "{}",
        run.both()
    );
    assert!(run.stderr.contains("checked 2 modules"), "{}", run.both());
}

#[test]
fn single_file_check_follows_uses() {
    let p = Project::with(&[
        (
            "specs/a/top.ghost",
            "module a.top {\n  use a.mid\n  fn f(x: int) -> int { example f(1) == 2 }\n}\n",
        ),
        (
            "specs/a/mid.ghost",
            "module a.mid {\n  use a.low\n  fn g(x: int) -> int\n}\n",
        ),
        (
            "specs/a/low.ghost",
            "module a.low {\n  fn h(x: int) -> int { example h(1) == 1 }\n}\n",
        ),
        (
            "specs/z/unrelated.ghost",
            "module z.unrelated {\n  fn u() -> nit\n}\n",
        ),
    ]);
    // A clean chain: the unrelated broken module is never read.
    let run = p.ghost(&["check", "specs/a/top.ghost", "--message-format", "short"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert_eq!(run.stderr, "checked 1 module: 0 errors; 1 missing\n");

    // Break the far end of the chain: one diagnostic, at top's `use`.
    p.write(
        "specs/a/low.ghost",
        "module a.low {\n  fn h(x: nit) -> int\n}\n",
    );
    let run = p.ghost(&["check", "specs/a/top.ghost", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    insta::assert_snapshot!("use_chain_broken", run.both());
    // The help sends the user to the file with the errors, not to `a.mid`'s clean one.
    let run = p.ghost(&["check", "specs/a/top.ghost", "--color", "never"]);
    assert!(
        run.both()
            .contains("or on `specs/a/low.ghost`, to see them"),
        "{}",
        run.both()
    );

    // A folder means every spec below it; diagnostics of each given file are its own.
    let run = p.ghost(&["check", "specs/a", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    insta::assert_snapshot!("use_chain_folder", run.both());

    // A `use` of a module that has no file is the checker's unknown module.
    p.write("specs/a/top.ghost", "module a.top {\n  use a.gone\n}\n");
    let run = p.ghost(&["check", "specs/a/top.ghost", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("a.gone"), "{}", run.both());
}

/// A valid spec, badly laid out: both the real formatter and a whitespace-only one change it.
const UNFORMATTED: &str =
    "module text.slug {   \n\"URL slugs.\"    \n    fn slugify(title: str) -> str   \n}   \n";

/// `fmt` writes a linked spec through its link (the link stays) and keeps a spec's
/// permissions.
#[cfg(unix)]
#[test]
fn fmt_keeps_links_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::with(&[("shared/slug.ghost", UNFORMATTED)]);
    let target = p.root().join("shared/slug.ghost");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::create_dir_all(p.root().join("specs/text")).expect("mkdir");
    let link = p.root().join("specs/text/slug.ghost");
    std::os::unix::fs::symlink(&target, &link).expect("link");
    let run = p.ghost(&["fmt"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "still a link"
    );
    assert_ne!(
        p.read("shared/slug.ghost"),
        UNFORMATTED,
        "the file it names is formatted"
    );
    let mode = std::fs::metadata(&target)
        .expect("file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn fmt_check_lists_then_fmt_fixes_then_nothing_changes() {
    let p = Project::with(&[
        ("specs/text/slug.ghost", UNFORMATTED),
        ("specs/net/port.ghost", PORT),
    ]);
    let run = p.ghost(&["fmt", "--check"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert!(
        run.stdout.lines().any(|l| l == "specs/text/slug.ghost"),
        "{}",
        run.both()
    );
    assert_eq!(
        p.read("specs/text/slug.ghost"),
        UNFORMATTED,
        "--check writes nothing"
    );

    let run = p.ghost(&["fmt"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    let formatted = p.read("specs/text/slug.ghost");
    assert_ne!(formatted, UNFORMATTED);
    assert_eq!(
        p.ghost(&["check"]).code,
        Some(0),
        "formatting keeps the spec valid"
    );

    let run = p.ghost(&["fmt"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stderr.contains(": 0 changed"), "{}", run.stderr);
    assert_eq!(p.read("specs/text/slug.ghost"), formatted);
    let run = p.ghost(&["fmt", "--check"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert_eq!(run.stdout, "");
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let p = Project::with(&[("specs/text/broken.ghost", BROKEN)]);
    let run = p.ghost(&["fmt", "--message-format", "short"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("specs/text/broken.ghost:5:"),
        "{}",
        run.both()
    );
    assert_eq!(p.read("specs/text/broken.ghost"), BROKEN);
    assert!(
        run.stderr.contains("formatted 0 files: 0 changed")
            && run
                .stderr
                .contains("1 file with syntax errors left untouched"),
        "{}",
        run.both()
    );
    let leftovers: Vec<_> = std::fs::read_dir(p.dir.path().join("specs/text"))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
}

#[test]
fn the_repository_is_a_ghost_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_ghost"))
        .current_dir(root)
        .args(["check", "--message-format", "short"])
        .output()
        .expect("run ghost");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A spec file whose `module` header cannot be read (emptied, saved in Latin-1, the
/// header mistyped) still holds the module its path names: its lock entry is not
/// `orphaned` ("no spec declares it"), and a module using it is told it has errors, not
/// that it is unknown ("lives in `a/b.ghost`", where it does).
#[test]
fn a_spec_whose_header_cannot_be_read_still_holds_its_module() {
    let user = "module util.title {\n  use text.slug\n\n  fn path(t: str) -> str {\n    \"A path.\"\n  }\n}\n";
    let lock = "version = 1\n\n[[module]]\nname = \"text.slug\"\nspec = \"0\"\nprose = \"0\"\ninterface = \"0\"\ndeps = \"0\"\nimplementation = \"0\"\nagent = \"manual\"\nattempts = 1\ntokens_in = 0\ntokens_out = 0\n";
    let latin1 = SLUG.replacen("module", "// caf\u{e9}\nmodule", 1);
    let latin1: Vec<u8> = latin1.chars().map(|c| c as u8).collect();
    for broken in [Vec::new(), latin1, b"modul text.slug {\n}\n".to_vec()] {
        let p = Project::with(&[("specs/util/title.ghost", user), ("ghost.lock", lock)]);
        p.write("specs/text/slug.ghost", &broken);

        let run = p.ghost(&["check"]);
        assert_eq!(run.code, Some(1), "{}", run.both());
        assert!(!run.stderr.contains("orphaned"), "{}", run.both());
        assert!(!run.stderr.contains("no spec declares"), "{}", run.both());
        assert!(!run.stderr.contains("unknown module"), "{}", run.both());

        let run = p.ghost(&["status"]);
        assert_eq!(run.code, Some(1), "{}", run.both());
        assert!(!run.stdout.contains("orphaned"), "{}", run.both());
        for module in ["text.slug", "util.title"] {
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.starts_with(module) && l.contains(" error ")),
                "{module} is listed as `error`:\n{}",
                run.both()
            );
        }

        let run = p.ghost(&["check", "specs/util/title.ghost"]);
        assert_eq!(run.code, Some(1), "{}", run.both());
        assert!(
            run.stderr.contains("module `text.slug` has errors"),
            "{}",
            run.both()
        );
        assert!(!run.stderr.contains("unknown module"), "{}", run.both());
    }
}

/// A generated file ghost cannot write (a folder in its place) is named with what to do.
#[test]
fn a_generated_file_that_cannot_be_written_says_what_to_do() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    std::fs::create_dir_all(p.root().join("generated/src/text/slug/imp.rs")).expect("mkdir");
    let run = p.ghost(&["test"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(run.stderr.contains("cannot write"), "{}", run.both());
    assert!(run.stderr.contains("help: "), "{}", run.both());
}

/// An unknown provider says where it was written: GHOST_PROVIDER, left in a shell's
/// profile, is not where a user looks first.
#[test]
fn an_unknown_provider_says_where_it_came_from() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    let out = Command::new(env!("CARGO_BIN_EXE_ghost"))
        .current_dir(p.root())
        .args(["build"])
        .env("GHOST_PROVIDER", "skynet")
        .output()
        .expect("run ghost");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown provider `skynet`"), "{stderr}");
    assert!(stderr.contains("GHOST_PROVIDER"), "{stderr}");
    let run = p.ghost(&["build", "--provider", "skynet"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(run.stderr.contains("--provider"), "{}", run.both());
}

/// A lock from a newer ghost is named as the other lock errors name it, from the
/// current folder (`ghost.lock`, not the absolute path), with what to do.
#[test]
fn a_lock_of_another_version_is_named_from_the_current_folder() {
    let p = Project::with(&[
        ("specs/text/slug.ghost", SLUG),
        ("ghost.lock", "version = 7\n"),
    ]);
    let run = p.ghost_in("specs", &["check"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(
        run.stderr
            .starts_with("error: ../ghost.lock: lock format version 7"),
        "{}",
        run.both()
    );
    assert!(run.stderr.contains("help: upgrade ghost"), "{}", run.both());
}

/// A spec file that cannot be read (here a link to a file that is gone) says what to do.
#[cfg(unix)]
#[test]
fn an_unreadable_spec_file_says_what_to_do() {
    let p = Project::with(&[("specs/text/slug.ghost", SLUG)]);
    std::os::unix::fs::symlink("/nonexistent/spec", p.root().join("specs/gone.ghost"))
        .expect("a link");
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert!(
        run.stderr.contains("cannot read the file"),
        "{}",
        run.both()
    );
    assert!(run.stderr.contains("make it readable"), "{}", run.both());
}

/// A file given by name that is no spec (`notes.md` beside the specs) is refused as such
/// by `check` and `fmt`, as `build` and `test` refuse it, instead of being read as a spec
/// that "declares no module".
#[test]
fn a_file_that_is_no_spec_is_refused_by_name() {
    let p = Project::with(&[
        ("specs/text/slug.ghost", SLUG),
        ("specs/notes.md", "notes\n"),
    ]);
    for command in ["check", "fmt"] {
        let run = p.ghost(&[command, "specs/notes.md"]);
        assert_eq!(run.code, Some(2), "{command}: {}", run.both());
        assert!(
            run.stderr
                .contains("`specs/notes.md` is not a spec file\nhelp: give `.ghost` files"),
            "{command}: {}",
            run.both()
        );
    }
    assert_eq!(p.read("specs/notes.md"), "notes\n");
    // A folder holding it still means its spec files.
    assert_eq!(p.ghost(&["check", "specs"]).code, Some(0));
}

/// A project with no spec says where it looked and what to do, rather than only
/// "checked 0 modules: 0 errors".
#[test]
fn a_project_without_specs_says_where_to_write_one() {
    let p = Project::with(&[]);
    std::fs::create_dir_all(p.root().join("specs")).expect("mkdir");
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(
        run.stderr
            .contains("checked 0 modules: 0 errors: no spec files in `specs`\nhelp: "),
        "{}",
        run.both()
    );
}

/// A module two of whose clauses test nothing of its code.
const WEAK: &str = "module text.weak {
  fn shout(s: str) -> str {
    example shout(\"a\") == \"A\"
    example len(\"hi\") == 2
    ensures len(s) >= 0
  }
}
";

#[test]
fn warnings_are_printed_in_every_format_and_do_not_fail_check() {
    let p = Project::with(&[("specs/text/weak.ghost", WEAK)]);
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(run.stderr.contains("warning[W0301]"), "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with("checked 1 module: 0 errors, 2 warnings; 1 missing\n"),
        "{}",
        run.stderr
    );
    let run = p.ghost(&["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(0));
    insta::assert_snapshot!("check_warnings_short", run.both());
    let run = p.ghost(&["--message-format", "json", "check"]);
    assert_eq!(run.code, Some(0));
    let severities: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "diagnostic")
        .map(|v| format!("{} {}", v["severity"], v["code"]))
        .collect();
    assert_eq!(
        severities,
        ["\"warning\" \"W0301\"", "\"warning\" \"W0301\""]
    );
    // An error beside them still fails the check, and is counted apart.
    p.write(
        "specs/text/broken.ghost",
        "module text.broken { fn f(x: nit) -> int }\n",
    );
    let run = p.ghost(&["check"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("checked 2 modules: 1 error, 2 warnings"),
        "{}",
        run.stderr
    );
}

#[test]
fn deny_warnings_makes_warnings_fail_check_and_says_why() {
    let p = Project::with(&[("specs/text/weak.ghost", WEAK)]);
    for deny in [
        &["-D", "warnings"][..],
        &["--deny", "warnings"],
        &["-Dwarnings"],
    ] {
        let run = p.ghost(&[&["check"], deny].concat());
        assert_eq!(run.code, Some(1), "{deny:?}: {}", run.both());
        assert!(
            run.stderr.ends_with(
                "checked 1 module: 0 errors, 2 warnings; 1 missing\n\
                 error: the check failed: 2 warnings, denied by `-D warnings`\n\
                 help: strengthen the clauses the warnings point at, or drop `-D warnings` to let warnings pass\n"
            ),
            "{deny:?}: {}",
            run.stderr
        );
    }
    // `-q` drops the summary, not the reason; `short` prints the warnings on stdout.
    let run = p.ghost(&["check", "-q", "-D", "warnings", "--message-format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    assert_eq!(
        run.stdout.matches(": warning: ").count(),
        2,
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .starts_with("error: the check failed: 2 warnings, denied by `-D warnings`\n"),
        "{}",
        run.stderr
    );
    // Without warnings, denying them changes nothing.
    p.write(
        "specs/text/weak.ghost",
        "module text.weak {\n  fn shout(s: str) -> str {\n    example shout(\"a\") == \"A\"\n  }\n}\n",
    );
    let run = p.ghost(&["check", "-D", "warnings"]);
    assert_eq!(run.code, Some(0), "{}", run.both());
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    // Only `warnings` can be denied: anything else is a usage error.
    let run = p.ghost(&["check", "-D", "W0301"]);
    assert_eq!(run.code, Some(2), "{}", run.both());
    assert!(
        run.stderr.contains("[possible values: warnings]"),
        "{}",
        run.stderr
    );
}

/// The brief's spec: an unclosed `(` in one function, a string never closed in the next,
/// then an unknown type and an unknown name.
const BROKEN_ITEMS: &str = "module text.bad {
  fn one(x: int -> int {
    example one(1) == 2
  }
  fn two(s: str) -> str {
    example two(\"a) == \"b\"
  }
  fn three(x: intt) -> int {
    example three(1) == 1
  }
  fn four(y: int) -> int {
    example four(1) == undefined_name
  }
}
";

/// An unclosed bracket or string hides no later item: `check` reports every item's
/// error in one run, in order, the first one as it was when it was the only one (before,
/// the unclosed `(` swallowed the rest of the file and was all `check` said). Commands
/// that read specs before doing anything else (`build`) list the same errors.
#[test]
fn an_unclosed_bracket_or_string_hides_no_later_item() {
    let p = Project::with(&[("specs/text/bad.ghost", BROKEN_ITEMS)]);
    let run = p.ghost(&["check", "--message-format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.both());
    let errors: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(errors.len(), 4, "{}", run.both());
    assert_eq!(
        errors[0],
        "specs/text/bad.ghost:2:17: error: expected a `)` to close the `(` at 2:9, found `-`"
    );
    insta::assert_snapshot!("check_every_broken_item", run.both());
    let build = p.ghost(&["build", "--provider", "manual", "--message-format", "short"]);
    assert_eq!(build.code, Some(1), "{}", build.both());
    assert_eq!(build.stdout, run.stdout, "{}", build.both());
}
