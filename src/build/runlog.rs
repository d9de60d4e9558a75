//! The run log: one JSON line per attempt under `.ghost/runs/`, one file per run, so a
//! user (or `ghost status`) can see what every attempt cost and how it ended.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub module: String,
    pub attempt: u32,
    pub provider: String,
    #[serde(default)]
    pub model: String,
    pub prompt_chars: usize,
    pub response_chars: usize,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Of `tokens_in`, those the provider read from its prompt cache.
    #[serde(default, skip_serializing_if = "super::failure::is_zero_u64")]
    pub cached_in: u64,
    pub latency_ms: u64,
    /// `12 passed`, `1 of 12 failed`, `2 compile errors`, ...
    pub tests: String,
    /// `accepted`, `relocked`, `waiting`, `failed: <why>`, ...
    pub outcome: String,
    /// The class of the failure, when the attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<super::failure::FailureClass>,
    /// Rounds of rustc's suggestions applied to the reply (`rustc_fixes.rs`).
    #[serde(default, skip_serializing_if = "super::failure::is_zero")]
    pub compiler_fixes: u32,
    /// What the attempt asked for: the first prompt, a repair or a fresh start (none for
    /// a line that asked nothing: a re-lock, an adopted edit, a manual build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<super::failure::AttemptKind>,
    /// The reply held only the functions its repair asked for (`splice.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spliced: bool,
    /// Ghost's small edits of the code (`mutants.rs`), which made it green or closer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutant: Option<String>,
    /// The functions of other attempts crossed into the tested code (`crossover.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossed: Option<String>,
    /// What was taken out of (or added to) the reply before it was tested (`tidy/`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tidied: Vec<String>,
    /// The code that was tested (the reply, tidied and with rustc's fixes applied), so no
    /// reply is lost: every attempt can be read back, compared and tried again by hand.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// Seconds since the Unix epoch.
    pub at: u64,
}

/// An open run log (created on the first attempt written).
#[derive(Debug, Clone)]
pub struct RunLog {
    path: PathBuf,
}

impl RunLog {
    /// A new log file under `runs_dir`, named after the time the run started.
    pub fn new(runs_dir: &Path) -> RunLog {
        let now = now_secs();
        RunLog {
            path: runs_dir.join(format!("{now}-{}.jsonl", std::process::id())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one attempt. A log that cannot be written never fails the build: it
    /// returns the error for the caller to report as a warning.
    pub fn append(&self, attempt: &Attempt) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let line = serde_json::to_string(attempt).map_err(std::io::Error::other)?;
        writeln!(f, "{line}")
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The attempts (an agent asked) and tokens of each module's last build, from the last
/// run log that has it, by module name: what a failed build spent, which no lock entry
/// records.
pub fn last_build_costs(runs_dir: &Path) -> std::collections::BTreeMap<String, (u32, u64, u64)> {
    let mut costs = std::collections::BTreeMap::new();
    for f in run_files(runs_dir) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut this_run: std::collections::BTreeMap<String, (u32, u64, u64)> =
            std::collections::BTreeMap::new();
        for line in text.lines() {
            if let Ok(a) = serde_json::from_str::<Attempt>(line) {
                let cost = this_run.entry(a.module.clone()).or_default();
                if a.attempt > 0 && a.provider != "manual" {
                    cost.0 += 1;
                }
                cost.1 = cost.1.saturating_add(a.tokens_in);
                cost.2 = cost.2.saturating_add(a.tokens_out);
            }
        }
        costs.extend(this_run);
    }
    costs
}

/// The run logs in `runs_dir`, oldest first (their names start with the time).
fn run_files(runs_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(runs_dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The last attempt of every module over all run logs in `runs_dir`, by module name.
pub fn last_attempts(runs_dir: &Path) -> std::collections::BTreeMap<String, Attempt> {
    let mut last = std::collections::BTreeMap::new();
    for f in run_files(runs_dir) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for line in text.lines() {
            // A line cut short by an interrupted run is skipped, not fatal.
            if let Ok(a) = serde_json::from_str::<Attempt>(line) {
                last.insert(a.module.clone(), a);
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_lines_and_reads_the_last_per_module() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = RunLog::new(dir.path());
        let mut a = Attempt {
            module: "a.b".into(),
            attempt: 1,
            provider: "manual".into(),
            model: String::new(),
            prompt_chars: 10,
            response_chars: 0,
            tokens_in: 0,
            tokens_out: 0,
            cached_in: 0,
            latency_ms: 0,
            tests: "1 of 2 failed".into(),
            outcome: "waiting".into(),
            failure: None,
            compiler_fixes: 0,
            mutant: None,
            crossed: None,
            kind: None,
            spliced: false,
            tidied: Vec::new(),
            code: "pub fn f() {}\n".into(),
            at: 1,
        };
        log.append(&a).expect("append");
        a.attempt = 2;
        a.outcome = "accepted".into();
        log.append(&a).expect("append");
        std::fs::write(
            dir.path().join("0-cut.jsonl"),
            "{\"module\": \"a.b\", \"att",
        )
        .expect("write");
        let last = last_attempts(dir.path());
        assert_eq!(last["a.b"].attempt, 2);
        assert_eq!(last["a.b"].outcome, "accepted");
        assert_eq!(last["a.b"].code, "pub fn f() {}\n");
    }
}
