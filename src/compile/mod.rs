//! Stage 3, compile: the checked [`crate::check::Project`] in; for each module its Rust
//! interface, acceptance tests, prompt and fingerprints out. Pure and deterministic: the
//! same specs give byte-identical output.
