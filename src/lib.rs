//! ghost: specs in, tested implementations out.
//!
//! The pipeline, one module per stage, each readable without the later ones:
//!
//! | stage | in | out |
//! | --- | --- | --- |
//! | [`syntax`] | the text of one `.ghost` file | an owned AST with byte spans, syntax diagnostics |
//! | [`check`] | the ASTs of a project | a checked, typed model of every module, diagnostics |
//! | [`compile`] | the checked model | the generated crate's files, prompts, fingerprints |
//! | [`plan`] | compiled modules and `ghost.lock` | each module's state and the build order |
//! | [`agent`] | a prompt | an implementation, from a provider |
//! | [`build`] | a plan and an agent | green, locked modules |
//! | [`eval`] | one build of a spec set from scratch | green shares, tokens and failure classes per attempt budget |
//! | [`cli`] | the command line | the commands, wiring the stages together |
//!
//! Architecture invariant: `syntax`, `check` and `compile` are pure (no file system, no
//! network, no clock). Reading and writing files lives in `cli`, `project` and `plan`;
//! processes and the network live in `agent` and `build`.

pub mod agent;
pub mod build;
pub mod check;
pub mod cli;
pub mod compile;
pub mod config;
pub mod diagnostics;
pub mod eval;
pub mod format;
pub mod parallel;
pub mod plan;
pub mod process;
pub mod project;
pub mod syntax;
