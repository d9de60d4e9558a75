//! Non-functional requirements: `forbid`, `deps`, `perf`, `max_lines`, `lint` and text.

use super::expr::ExprCx;
use super::model::{Nfr, NfrModel, TExpr, TExprKind};
use super::scope::Env;
use crate::diagnostics::{Diagnostic, Kind};
use crate::syntax::ast::{self, Duration, NfrKind, Span};
use std::collections::HashMap;

/// Checks every `nfr` of one module; each keeps its canonical text as its source.
pub(crate) fn check_nfrs(
    env: Env<'_>,
    nfrs: &[&ast::Nfr],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Nfr> {
    let mut seen: HashMap<&'static str, Span> = HashMap::new();
    let mut out = Vec::new();
    for nfr in nfrs {
        let once = match &nfr.kind {
            NfrKind::Text(_) | NfrKind::Perf { .. } => None,
            NfrKind::Forbid(_) => Some("forbid unsafe"),
            NfrKind::Deps(_) => Some("deps"),
            NfrKind::MaxLines { .. } => Some("max_lines"),
            NfrKind::Lint => Some("lint"),
        };
        if let Some(what) = once {
            if let Some(first) = seen.get(what) {
                let d = Diagnostic::new(env.file, nfr.span, Kind::DuplicateNfr { what });
                diags.push(d.with_related(*first, "first given here"));
            } else {
                seen.insert(what, nfr.span);
            }
        }
        let kind = match &nfr.kind {
            NfrKind::Text(s) => Some(NfrModel::Text(s.value.clone())),
            NfrKind::Forbid(id) => {
                if id.name == "unsafe" {
                    Some(NfrModel::ForbidUnsafe)
                } else {
                    env.error(
                        diags,
                        id.span,
                        Kind::UnknownForbid {
                            what: id.name.clone(),
                        },
                    );
                    None
                }
            }
            NfrKind::Deps(deps) => Some(NfrModel::Deps(check_deps(env, deps, diags))),
            NfrKind::Perf { call, budget } => {
                let mut cx = ExprCx::new(env, diags);
                let call = cx.check(call, None).and_then(|c| perf_call(env, c, diags));
                let budget_ns = budget_ns(env, budget, diags);
                call.zip(budget_ns)
                    .map(|(call, budget_ns)| NfrModel::Perf { call, budget_ns })
            }
            NfrKind::MaxLines { lines, span } => {
                if *lines == 0 {
                    env.error(diags, *span, Kind::BadMaxLines);
                }
                Some(NfrModel::MaxLines(*lines))
            }
            NfrKind::Lint => Some(NfrModel::Lint),
        };
        if let Some(kind) = kind {
            out.push(Nfr {
                kind,
                source: crate::format::canonical::nfr(nfr),
                span: nfr.span,
            });
        }
    }
    out
}

fn check_deps(
    env: Env<'_>,
    deps: &[ast::Dep],
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for d in deps {
        let name = d.name.name.as_str();
        // crates.io's rules: ASCII letters, digits, `-` and `_`, a letter first, no
        // `-` last, at most 64 characters.
        let valid = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && !name.ends_with('-')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            env.error(
                diags,
                d.name.span,
                Kind::BadCrateName {
                    name: name.to_string(),
                },
            );
        }
        if let Some(first) = seen.get(name) {
            let dup = Diagnostic::new(
                env.file,
                d.name.span,
                Kind::Duplicate {
                    what: "dependency",
                    name: name.into(),
                },
            );
            diags.push(dup.with_related(*first, "first given here"));
            continue;
        }
        seen.insert(name, d.name.span);
        if super::scope::TAKEN_CRATE_NAMES.contains(&name) {
            let kind = Kind::TakenCrate { name: name.into() };
            env.error(diags, d.name.span, kind);
        }
        if let Some(v) = d.version.as_ref().filter(|v| !is_version_req(&v.value)) {
            let kind = Kind::BadVersionReq {
                version: v.value.clone(),
            };
            env.error(diags, v.span, kind);
        }
        let version = d
            .version
            .as_ref()
            .map_or_else(|| "*".to_string(), |v| v.value.clone());
        out.push((name.to_string(), version));
    }
    out
}

/// A perf subject must call this module's API: a free function, a static method, or a
/// method on a value a static method built.
fn perf_call(env: Env<'_>, call: TExpr, diags: &mut Vec<Diagnostic>) -> Option<TExpr> {
    let own = |m: &str| m == env.module;
    let ok = match &call.kind {
        TExprKind::Call { func, .. } => own(&func.module),
        TExprKind::MethodCall { receiver, func, .. } => {
            own(&func.module)
                && matches!(&receiver.kind, TExprKind::Call { func: f, .. } if f.receiver.is_none() && f.owner.is_some())
        }
        _ => false,
    };
    if ok {
        Some(call)
    } else {
        env.error(diags, call.span, Kind::PerfNotACall);
        None
    }
}

fn budget_ns(env: Env<'_>, d: &Duration, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let factor = match d.unit.as_str() {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        unit => {
            env.error(
                diags,
                d.span,
                Kind::BadDurationUnit {
                    unit: unit.to_string(),
                },
            );
            return None;
        }
    };
    let ns = d
        .value
        .parse::<f64>()
        .ok()
        .map(|v| (v * factor).round())
        .filter(|v| v.is_finite());
    match ns {
        // Below one nanosecond, or beyond what a u64 holds, is no usable budget.
        Some(ns) if (1.0..1.8e19).contains(&ns) => Some(ns as u64),
        _ => {
            env.error(
                diags,
                d.span,
                Kind::BadDuration {
                    value: format!("{}{}", d.value, d.unit),
                },
            );
            None
        }
    }
}

/// Whether `req` is a version requirement as Cargo reads it (with Cargo's own parser).
fn is_version_req(req: &str) -> bool {
    semver::VersionReq::parse(req).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_requirements_are_cargos() {
        for ok in [
            "1",
            "1.2",
            "1.2.3",
            "^1.2",
            "~0.4",
            "=1.0.0",
            ">=1, <3",
            "*",
            "1.*",
            "1.2.3-alpha.1",
            "0.9.0+build",
        ] {
            assert!(is_version_req(ok), "{ok}");
        }
        for bad in ["", "not a version", "1.2.3.4", "v1", ">=", "1..2", "latest"] {
            assert!(!is_version_req(bad), "{bad}");
        }
    }
}
