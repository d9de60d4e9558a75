//! A module's state: how its spec, its dependencies and its implementation on disk
//! compare with what `ghost.lock` recorded. Pure: the caller reads the files.

use super::lock::{lf_line_endings, LockEntry};
use serde::Serialize;

/// The states of /work/shared/design/cli.md ("Module states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The lock matches the spec, the interfaces of its dependencies and the code on disk.
    Fresh,
    /// The spec, a dependency's interface, the templates or the target settings changed.
    Stale,
    /// No accepted implementation yet.
    Missing,
    /// The implementation on disk differs from what the lock recorded.
    Tampered,
    /// Fresh by hashes, but its acceptance tests fail (known only after running them).
    Failing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Fresh => "fresh",
            State::Stale => "stale",
            State::Missing => "missing",
            State::Tampered => "tampered",
            State::Failing => "failing",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a module is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaleReason {
    /// Its spec changed (or the templates or target settings, which are part of the key).
    Spec,
    /// The interface of a module it uses changed.
    Dependency,
    /// Its compiler-owned files (`mod.rs`, the tests) on disk differ from what ghost
    /// generates from the same spec now: a new ghost, a hand edit of them, the files a
    /// failed build wrote for a spec since put back, or a nested module added or removed
    /// (its `mod.rs` declares them).
    Generated,
    /// A module it uses got new code that it was not tested with yet (a build stopped
    /// before it reached it; see `build/retest.rs`).
    Untested,
}

impl StaleReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StaleReason::Spec => "spec or compiler changed",
            StaleReason::Dependency => "the modules it uses, or their interfaces, changed",
            StaleReason::Generated => {
                "its mod.rs, tests or pinned snapshots are not what ghost generates now (edited, deleted, written for another spec by a build that failed, a module nested in it added or removed, or a newer ghost)"
            }
            StaleReason::Untested => {
                "a module it uses has new code it was not tested with yet (a build stopped first): `ghost build` tests it"
            }
        }
    }
}

/// What the module is now, as the compiler sees it.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub spec: &'a str,
    pub prose: &'a str,
    pub deps: &'a str,
    /// The bytes of `imp.rs`, `None` when the file does not exist.
    pub implementation: Option<&'a [u8]>,
    /// The stub the compiler would write, to tell "nothing written yet" from real code.
    pub stub: &'a str,
    /// Whether the module's compiler-owned files on disk differ from what the compiler
    /// writes now.
    pub generated_changed: bool,
}

/// A module's state with the details the commands report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleStatus {
    pub state: State,
    pub reasons: Vec<StaleReason>,
    /// The module's own prose (docs, free-text NFRs, signatures) changed since it was
    /// locked: a stale module with changed prose is regenerated, not just re-tested.
    pub prose_changed: bool,
    /// `imp.rs` exists and is no stub ghost wrote (for this spec or an earlier one) that
    /// nobody filled in: there is code to test.
    pub has_code: bool,
}

impl ModuleStatus {
    /// The state `status` and `check` show when a module it uses has new code it was not
    /// tested with yet (`.ghost/retest`): a fresh one is stale for that. (A build tests
    /// such a module as a fresh one to test again, and marks it failing if it fails.)
    pub fn with_untested_dependency(mut self, untested: bool) -> ModuleStatus {
        if untested && self.state == State::Fresh {
            self.state = State::Stale;
            self.reasons.push(StaleReason::Untested);
        }
        self
    }

    /// Whether the lock's fingerprints of this module all hold, so that its code on disk
    /// is the locked code and only ghost's own files (its tests, rewritten for another
    /// module's needs, such as a `Clone` its by-value use asks for) or a used module's
    /// new code may differ: tests of it that fail are the locked code's, to record in the
    /// lock (`failing`), or the next run, with those files written, would call it fresh.
    pub fn locked_code_current(&self) -> bool {
        match self.state {
            State::Fresh | State::Failing => true,
            State::Stale => self
                .reasons
                .iter()
                .all(|r| matches!(r, StaleReason::Generated | StaleReason::Untested)),
            State::Missing | State::Tampered => false,
        }
    }
}

/// Whether [`decide`] compares fingerprints for a module with this lock entry and this
/// `imp.rs`: a module without either is missing whatever its fingerprints, so a caller
/// may leave them empty and skip computing them.
pub fn needs_fingerprints(entry: Option<&LockEntry>, implementation: Option<&[u8]>) -> bool {
    entry.is_some() && implementation.is_some()
}

/// Decides a module's state from its lock entry and what is on disk now.
pub fn decide(entry: Option<&LockEntry>, current: &Current<'_>) -> ModuleStatus {
    // The stub of this spec, or any stub ghost wrote and nobody filled in (a caller that
    // does not compile the project, `check`, passes no stub of its own).
    let has_code = current.implementation.is_some_and(|b| {
        let b = lf_line_endings(b);
        *b != *current.stub.as_bytes()
            && !std::str::from_utf8(&b).is_ok_and(crate::compile::rust::is_untouched_stub)
    });
    let status = |state, reasons, prose_changed| ModuleStatus {
        state,
        reasons,
        prose_changed,
        has_code,
    };
    let Some(bytes) = current.implementation else {
        return status(State::Missing, Vec::new(), false);
    };
    if !has_code {
        // ghost's own stub (imp.rs deleted and written again as a stub) is no hand edit.
        return status(State::Missing, Vec::new(), false);
    }
    let Some(entry) = entry else {
        return status(State::Missing, Vec::new(), false);
    };
    if !super::lock::locks(&entry.implementation, bytes) {
        return status(State::Tampered, Vec::new(), entry.prose != current.prose);
    }
    let mut reasons = Vec::new();
    if entry.spec != current.spec {
        reasons.push(StaleReason::Spec);
    }
    if entry.deps != current.deps {
        reasons.push(StaleReason::Dependency);
    }
    // A spec or interface that changed makes new files: not a reason of its own then
    // (said beside it, it reads as an edit nobody made).
    if current.generated_changed && reasons.is_empty() {
        reasons.push(StaleReason::Generated);
    }
    let state = if !reasons.is_empty() {
        State::Stale
    } else if entry.failing {
        // Fresh by hashes, but a build found its tests failing (a module it uses got
        // new code) and recorded so in the lock.
        State::Failing
    } else {
        State::Fresh
    };
    status(state, reasons, entry.prose != current.prose)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::lock::implementation_hash;

    const CODE: &[u8] = b"pub fn f() -> i64 { 1 }";

    fn entry() -> LockEntry {
        LockEntry {
            spec: "spec1".into(),
            prose: "prose1".into(),
            interface: "if1".into(),
            deps: "deps1".into(),
            ..LockEntry::for_tests("a.b", CODE)
        }
    }

    fn current(implementation: Option<&'static [u8]>) -> Current<'static> {
        Current {
            spec: "spec1",
            prose: "prose1",
            deps: "deps1",
            implementation,
            stub: "stub",
            generated_changed: false,
        }
    }

    #[test]
    fn stale_when_a_module_it_uses_has_code_it_was_not_tested_with() {
        let s = decide(Some(&entry()), &current(Some(CODE))).with_untested_dependency(true);
        assert_eq!(s.state, State::Stale);
        assert_eq!(s.reasons, vec![StaleReason::Untested]);
        let spec_changed = Current {
            spec: "spec2",
            ..current(Some(CODE))
        };
        assert_eq!(
            decide(Some(&entry()), &spec_changed)
                .with_untested_dependency(true)
                .reasons,
            vec![StaleReason::Spec],
            "said once, by the reason that matters"
        );
    }

    #[test]
    fn stale_when_ghost_generates_the_files_differently() {
        let changed = Current {
            generated_changed: true,
            ..current(Some(CODE))
        };
        let s = decide(Some(&entry()), &changed);
        assert_eq!(s.state, State::Stale);
        assert_eq!(s.reasons, vec![StaleReason::Generated]);
        assert!(!s.prose_changed, "re-tested, not regenerated");
    }

    #[test]
    fn failing_when_the_lock_says_so_and_nothing_else_changed() {
        let failing = LockEntry {
            failing: true,
            ..entry()
        };
        assert_eq!(
            decide(Some(&failing), &current(Some(CODE))).state,
            State::Failing
        );
        let changed = Current {
            spec: "spec2",
            ..current(Some(CODE))
        };
        assert_eq!(decide(Some(&failing), &changed).state, State::Stale);
    }

    #[test]
    fn code_an_older_ghost_locked_with_crlf_is_still_locked() {
        let crlf: &'static [u8] = b"pub fn f() -> i64 {\r\n    1\r\n}\r\n";
        let old = LockEntry {
            implementation: crate::compile::fingerprint::sha256_hex(crlf),
            ..entry()
        };
        assert_eq!(decide(Some(&old), &current(Some(crlf))).state, State::Fresh);
    }

    #[test]
    fn crlf_checkouts_are_no_hand_edit() {
        let entry = LockEntry {
            implementation: implementation_hash(b"pub fn f() -> i64 {\n    1\n}\n"),
            ..entry()
        };
        let s = decide(
            Some(&entry),
            &current(Some(b"pub fn f() -> i64 {\r\n    1\r\n}\r\n")),
        );
        assert_eq!(s.state, State::Fresh);
        let stub = Current {
            stub: "pub fn f() -> i64 {\n    todo!()\n}\n",
            ..current(Some(b"pub fn f() -> i64 {\r\n    todo!()\r\n}\r\n"))
        };
        assert!(
            !decide(Some(&entry), &stub).has_code,
            "a stub, checked out with CRLF"
        );
    }

    #[test]
    fn fresh_when_everything_matches() {
        let s = decide(Some(&entry()), &current(Some(CODE)));
        assert_eq!(s.state, State::Fresh);
        assert!(s.has_code);
    }

    #[test]
    fn missing_without_entry_or_file() {
        assert_eq!(decide(None, &current(Some(CODE))).state, State::Missing);
        assert_eq!(decide(Some(&entry()), &current(None)).state, State::Missing);
        assert!(!decide(None, &current(Some(b"stub"))).has_code);
        // A locked module whose imp.rs was deleted and written again as the stub.
        assert_eq!(
            decide(Some(&entry()), &current(Some(b"stub"))).state,
            State::Missing
        );
        // Any stub ghost wrote, also for a caller that passes none (`ghost check`, after
        // `ghost test` wrote one for a deleted imp.rs): no hand edit.
        let stub: &[u8] = b"//! The implementation of module `a.b`: a stub by ghost, to be replaced by the agent.\nuse super::*;\n\npub fn f() -> i64 {\n    todo!()\n}\n";
        let no_stub = Current {
            stub: "",
            ..current(Some(stub))
        };
        assert_eq!(decide(Some(&entry()), &no_stub).state, State::Missing);
    }

    #[test]
    fn fingerprints_matter_only_when_needed() {
        let blank = |implementation: Option<&'static [u8]>| Current {
            spec: "",
            prose: "",
            deps: "",
            ..current(implementation)
        };
        for (entry, code) in [(None, Some(CODE)), (Some(entry()), None), (None, None)] {
            assert!(!needs_fingerprints(entry.as_ref(), code));
            assert_eq!(
                decide(entry.as_ref(), &blank(code)),
                decide(entry.as_ref(), &current(code))
            );
        }
        assert!(needs_fingerprints(Some(&entry()), Some(CODE)));
        assert_ne!(
            decide(Some(&entry()), &blank(Some(CODE))),
            decide(Some(&entry()), &current(Some(CODE)))
        );
    }

    #[test]
    fn tampered_when_the_code_changed() {
        assert_eq!(
            decide(Some(&entry()), &current(Some(b"edited"))).state,
            State::Tampered
        );
    }

    #[test]
    fn stale_with_reasons_and_prose() {
        let mut c = current(Some(CODE));
        c.spec = "spec2";
        c.deps = "deps2";
        let s = decide(Some(&entry()), &c);
        assert_eq!(s.state, State::Stale);
        assert_eq!(s.reasons, vec![StaleReason::Spec, StaleReason::Dependency]);
        assert!(!s.prose_changed);
        c.prose = "prose2";
        assert!(decide(Some(&entry()), &c).prose_changed);
    }

    #[test]
    fn locked_code_is_current_while_only_ghosts_files_differ() {
        let e = entry();
        let mut c = current(Some(CODE));
        assert!(decide(Some(&e), &c).locked_code_current());
        c.generated_changed = true;
        assert!(decide(Some(&e), &c).locked_code_current());
        let untested = decide(Some(&entry()), &current(Some(CODE))).with_untested_dependency(true);
        assert!(untested.locked_code_current());
        c.spec = "spec2";
        assert!(!decide(Some(&e), &c).locked_code_current());
        assert!(!decide(Some(&e), &current(Some(b"other code"))).locked_code_current());
        assert!(!decide(None, &current(Some(CODE))).locked_code_current());
    }
}
