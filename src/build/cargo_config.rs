//! What a cargo configuration does to a test run that ghost's own runs of the test
//! binaries (see `together.rs`) would not do: the crate's folder in, whether its tests
//! must run through cargo out. Cargo reads `.cargo/config.toml` (or the older
//! `.cargo/config`) in the folder it runs in and every folder above, then in
//! `CARGO_HOME`; an `[env]` table sets variables for the binaries it runs, and a
//! `target.<triple or cfg>.runner` (or a `CARGO_TARGET_<TRIPLE>_RUNNER` variable) runs
//! them through another program. Ghost does not read cargo's precedence rules into its
//! own runs: a project configured so runs its tests through cargo, as before the shared
//! runs, and gets what `cargo test` gives.

use std::path::{Path, PathBuf};

/// Whether a cargo configuration that cargo would read in `crate_dir` sets variables for
/// test binaries or a program to run them with.
pub fn changes_test_runs(crate_dir: &Path) -> bool {
    runner_variable_set(std::env::vars_os().map(|(name, _)| name))
        || config_files(crate_dir)
            .iter()
            .any(|file| file_changes_test_runs(file))
}

/// Whether one of `names` is a `CARGO_TARGET_<TRIPLE>_RUNNER` variable.
fn runner_variable_set(names: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    names.into_iter().any(|name| {
        name.to_str()
            .is_some_and(|name| name.starts_with("CARGO_TARGET_") && name.ends_with("_RUNNER"))
    })
}

/// The configuration files cargo would read when run in `crate_dir`, those that exist.
fn config_files(crate_dir: &Path) -> Vec<PathBuf> {
    // Cargo walks up from where it runs, which ghost gives as the crate's folder; a
    // relative path would stop the walk short of the folders above it.
    let dir = std::fs::canonicalize(crate_dir).unwrap_or_else(|_| crate_dir.to_path_buf());
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let folders = dir
        .ancestors()
        .map(|folder| folder.join(".cargo"))
        .chain(home);
    folders
        .flat_map(|folder| [folder.join("config.toml"), folder.join("config")])
        .filter(|file| file.is_file())
        .collect()
}

/// Whether the configuration `file` holds an `[env]` table or a runner. One that cannot
/// be read as TOML is cargo's to judge: its tests run through cargo.
fn file_changes_test_runs(file: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(file) else {
        return true;
    };
    text_changes_test_runs(&text)
}

/// [`file_changes_test_runs`] of a file's text.
fn text_changes_test_runs(text: &str) -> bool {
    let Ok(config) = text.parse::<toml::Table>() else {
        return true;
    };
    let env = config.get("env").is_some();
    let runner = config
        .get("target")
        .and_then(toml::Value::as_table)
        .is_some_and(|targets| {
            targets
                .values()
                .any(|target| target.get("runner").is_some())
        });
    env || runner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_env_table_or_a_runner_changes_test_runs_and_other_settings_do_not() {
        assert!(text_changes_test_runs("[env]\nBANG = \"!\"\n"));
        assert!(text_changes_test_runs(
            "[target.x86_64-unknown-linux-gnu]\nrunner = \"valgrind\"\n"
        ));
        assert!(text_changes_test_runs(
            "[target.'cfg(unix)']\nrunner = [\"qemu\", \"-L\"]\n"
        ));
        assert!(!text_changes_test_runs(
            "[build]\njobs = 2\n[target.x86_64-unknown-linux-gnu]\nlinker = \"clang\"\n"
        ));
        assert!(!text_changes_test_runs(""));
        assert!(text_changes_test_runs("[env\nnot toml"));
    }

    #[test]
    fn a_runner_variable_changes_test_runs() {
        let names = |list: &[&str]| {
            list.iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
        };
        assert!(runner_variable_set(names(&[
            "PATH",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER"
        ])));
        assert!(!runner_variable_set(names(&["PATH", "CARGO_TARGET_DIR"])));
    }

    #[test]
    fn a_config_in_a_folder_above_the_crate_is_found() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let crate_dir = tmp.path().join("project/generated");
        std::fs::create_dir_all(&crate_dir).expect("crate folder");
        assert!(!config_files(&crate_dir)
            .iter()
            .any(|file| file.starts_with(tmp.path())));
        let config = tmp.path().join("project/.cargo/config.toml");
        std::fs::create_dir_all(config.parent().expect("folder")).expect("config folder");
        std::fs::write(&config, "[env]\nBANG = \"!\"\n").expect("config");
        let found = config_files(&crate_dir);
        let config = std::fs::canonicalize(config).expect("canonical");
        assert!(found.contains(&config), "{found:?}");
        assert!(file_changes_test_runs(&config));
    }
}
