//! Stage 6, build: a plan and an agent in; green, locked modules out.
//!
//! This stage writes the generated crate to disk, runs cargo on it (`cargo.rs`) with a
//! time limit, checks the measurable NFRs (`nfr.rs`), and drives the generate, test and
//! repair loop.

pub mod cargo;
