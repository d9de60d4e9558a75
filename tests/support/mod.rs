//! Helpers shared by several test modules (the `concurrency` and `relock` benches include
//! the files by path).

pub mod aged;
pub mod server;
pub mod wire;

use std::path::PathBuf;

/// One cargo target folder for every generated crate the tests build (ghost's via
/// `GHOST_TARGET_DIR`), so that proptest and insta compile once for the whole suite.
/// Projects that share it need crate names of their own (each test names its project).
pub fn shared_target_dir() -> PathBuf {
    std::env::temp_dir().join("ghost-tests-target")
}
