//! Stage 6, build: a plan and an agent in; green, locked modules out.
//!
//! This stage writes the generated crate to disk (`workspace.rs`), runs cargo on it
//! (`cargo.rs`) with a time limit, decides whether an implementation is accepted
//! (`verify.rs`: acceptance tests, checked NFRs, pinned snapshots in `snapshots.rs`),
//! and drives a run over the modules (`session.rs`, and `generate.rs` for the agent's
//! attempts), logging every attempt (`runlog.rs`) with the class of its failure
//! (`failure.rs`). Before an attempt's code is tested it is tidied (`tidy/`), and code
//! that does not compile gets rustc's own suggestions (`rustc_fixes.rs`), or ghost's fix for a
//! mistake rustc has none for (`known_fixes/`); code that compiles but fails a few tests
//! gets ghost's small edits tried (`mutants.rs`), and code that still fails gets the
//! functions earlier attempts got right in place of those it got wrong (`crossover.rs`).
//! Code that changed during a build not by ghost's hand is put back, its text kept
//! (`outside_writes.rs`), and a compiler-owned file edited since ghost wrote it is kept
//! before it is written again (`written.rs`); a module whose spec was saved during the build is asked no
//! more for the text it had (`spec_changes.rs`).
//! What a failed attempt got wrong is kept as one-line lessons for the next fresh start (`lessons.rs`); a repair shows the failed
//! code without the bodies the failure points at, to be written anew (`rewrite.rs`); a
//! prose change shows accepted code with what changed, to be revised (`revision.rs`).
//! Each module's accepted code is copied to `.ghost/locked/`, so code deleted from the
//! crate comes back as locked, without an agent (`accepted.rs`); a renamed module's code
//! follows it to its new name (`renamed.rs`).
//! `ghost test` and `build --locked` build all their modules' tests in one cargo run and
//! run the test binaries themselves, each module whose outcome is not plain on its own
//! after (`together.rs`).
//! A build tests the code on disk of many stale modules (a new ghost makes every module
//! stale) the same way, in one cargo run, before it goes through the modules one by one
//! (`stale_together.rs`).
//! A module whose `imp.rs` lacks an item its spec gained gets ghost's stub of it in the
//! generated crate's `mod.rs`, so that the crate compiles until the code has it
//! (`standing_in.rs`).
//! Modules given new code are recorded until every module using them was tested against
//! it, so that a build stopped in between leaves the next one to do it (`retest.rs`).

pub mod accepted;
pub mod both_branches;
pub mod cargo;
pub mod cargo_config;
pub mod claim;
pub mod code_paths;
pub mod crossover;
pub mod empty_input;
pub mod failure;
pub mod float_rounding;
pub mod generate;
pub mod guard;
pub mod known_fixes;
pub mod lessons;
pub mod modular;
pub mod mutants;
pub mod outside_writes;
pub mod overflow_error;
pub mod renamed;
pub mod retest;
pub mod revision;
pub mod rewrite;
pub mod runlog;
pub mod rustc_fixes;
pub mod session;
pub mod snapshots;
pub mod spec_changes;
pub mod splice;
pub mod stale_together;
pub mod standing_in;
pub mod stored_value;
pub mod tidy;
pub mod together;
pub mod unused_modules;
pub mod verify;
pub mod workspace;
pub mod written;
