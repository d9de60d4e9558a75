//! ghost's integration tests, in one binary so the suite links once.
//! Each module drives the real `ghost` binary or the library's stages on fixtures.

mod agent;
mod build_loop;
mod check_fixtures;
mod cli;
mod fmt_fixtures;
mod fuzz;
mod manual;
mod nfr_checks;
mod prompts;
mod readme;
mod rust_target;
mod support;
mod watch;
