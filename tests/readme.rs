//! The README's first command works on a fresh clone: the repository is cloned (the
//! committed state, as a newcomer gets it) and the `ghost ...` part of the command runs
//! there with the binary under test. (`cargo install --locked --path .` itself is left out: it
//! would build this same binary again, in release mode, for minutes.)

use assert_cmd::Command;
use std::path::Path;

/// The first line of the README's first ```sh block.
fn first_command(readme: &str) -> String {
    let block = readme
        .split("```sh\n")
        .nth(1)
        .expect("the README starts with a ```sh block");
    block
        .lines()
        .next()
        .expect("the block has a first line")
        .to_string()
}

#[test]
fn the_readme_first_command_works_on_a_fresh_clone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let command = first_command(&readme);
    let command = command.split('#').next().unwrap_or("").trim();
    let ghost_part = command
        .strip_prefix("cargo install --locked --path . && ghost ")
        .unwrap_or_else(|| panic!("the first command installs ghost and runs it: {command}"));
    let args: Vec<&str> = ghost_part.split_whitespace().collect();

    let tmp = tempfile::tempdir().expect("temp dir");
    let clone = tmp.path().join("ghost");
    let status = std::process::Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root)
        .arg(&clone)
        .status()
        .expect("git runs");
    assert!(status.success(), "git clone of the repository");

    let out = Command::cargo_bin("ghost")
        .expect("the ghost binary is built")
        .current_dir(&clone)
        .env(
            "GHOST_TARGET_DIR",
            std::env::temp_dir().join("ghost-tests-target"),
        )
        .args(&args)
        .output()
        .expect("ghost runs");
    assert!(
        out.status.success(),
        "`ghost {ghost_part}` on a fresh clone:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
