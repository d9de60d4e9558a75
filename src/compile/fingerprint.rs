//! Fingerprints: the hashes `ghost.lock` records and `ghost check` compares.
//!
//! Each is a hex sha256 over a small serde view of the model, spans excluded, so that
//! moving text around a file changes nothing. They are cheap: no prompt is rendered and
//! no test generated.
//!
//! | fingerprint | changes when | makes the module |
//! | --- | --- | --- |
//! | `spec` | the canonical spec text, the templates or the target settings change | stale |
//! | `prose` | a doc, a free-text NFR or a signature changes (not an example) | regenerated even if its tests pass |
//! | `interface` | what dependents see changes: declarations, signatures, their docs | stale dependents |
//! | `deps` | the interface of a used module changes | stale |

use super::TargetSettings;
use crate::check::{Enum, Function, ModuleModel, NfrModel, Opaque, Project, Record, Ty};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The fingerprints of one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fingerprints {
    pub spec: String,
    pub prose: String,
    pub interface: String,
    /// The used modules' names and interface fingerprints, combined.
    pub deps: String,
}

/// What dependents see of a module.
#[derive(Serialize)]
struct InterfaceView<'a> {
    module: &'a str,
    doc: Option<String>,
    records: Vec<RecordView<'a>>,
    enums: Vec<EnumView<'a>>,
    types: Vec<OpaqueView<'a>>,
    functions: Vec<SignatureView<'a>>,
}

#[derive(Serialize)]
struct RecordView<'a> {
    name: &'a str,
    doc: Option<String>,
    fields: &'a [(String, Ty)],
}

#[derive(Serialize)]
struct EnumView<'a> {
    name: &'a str,
    is_error: bool,
    doc: Option<String>,
    variants: Vec<(&'a str, &'a [Ty])>,
}

#[derive(Serialize)]
struct OpaqueView<'a> {
    name: &'a str,
    doc: Option<String>,
    methods: Vec<SignatureView<'a>>,
}

#[derive(Serialize)]
struct SignatureView<'a> {
    name: &'a str,
    receiver: Option<bool>,
    params: &'a [(String, Ty)],
    ret: &'a Ty,
    doc: Option<String>,
}

/// What the implementation was written from, in words.
#[derive(Serialize)]
struct ProseView<'a> {
    declarations: InterfaceView<'a>,
    free_text_nfrs: Vec<String>,
}

/// Computes a module's fingerprints. `canonical_spec` is the module's spec as the
/// formatter prints it without comments; `template_version` is
/// [`crate::compile::prompt::Templates::version`].
pub fn fingerprints(
    project: &Project,
    module: &ModuleModel,
    canonical_spec: &str,
    settings: &TargetSettings,
    template_version: &str,
) -> Fingerprints {
    let settings = serde_json::to_string(settings).expect("target settings are plain strings");
    let spec = hash(
        "ghost-spec-1",
        &[canonical_spec, template_version, &settings],
    );
    Fingerprints {
        spec,
        prose: prose_fingerprint(module),
        interface: interface_fingerprint(module),
        deps: deps_fingerprint(project, module),
    }
}

/// The fingerprint of what dependents of `module` see.
pub fn interface_fingerprint(module: &ModuleModel) -> String {
    hash("ghost-interface-1", &[&json(&interface_view(module))])
}

fn prose_fingerprint(module: &ModuleModel) -> String {
    let free_text_nfrs = module
        .nfrs
        .iter()
        .filter_map(|n| match &n.kind {
            NfrModel::Text(text) => Some(normalize(text)),
            _ => None,
        })
        .collect();
    let view = ProseView {
        declarations: interface_view(module),
        free_text_nfrs,
    };
    hash("ghost-prose-1", &[&json(&view)])
}

fn deps_fingerprint(project: &Project, module: &ModuleModel) -> String {
    let mut deps: Vec<(&str, String)> = module
        .uses
        .iter()
        .map(|name| {
            // A checked project has every used module; an absent one hashes as such.
            let fp = project
                .module(name)
                .map(interface_fingerprint)
                .unwrap_or_default();
            (name.as_str(), fp)
        })
        .collect();
    deps.sort();
    deps.dedup();
    hash("ghost-deps-1", &[&json(&deps)])
}

fn interface_view(module: &ModuleModel) -> InterfaceView<'_> {
    InterfaceView {
        module: &module.name,
        doc: doc(&module.doc),
        records: module.records.iter().map(record_view).collect(),
        enums: module.enums.iter().map(enum_view).collect(),
        types: module.types.iter().map(opaque_view).collect(),
        functions: module.functions.iter().map(signature_view).collect(),
    }
}

fn record_view(r: &Record) -> RecordView<'_> {
    RecordView {
        name: &r.name,
        doc: doc(&r.doc),
        fields: &r.fields,
    }
}

fn enum_view(e: &Enum) -> EnumView<'_> {
    EnumView {
        name: &e.name,
        is_error: e.is_error,
        doc: doc(&e.doc),
        variants: e
            .variants
            .iter()
            .map(|v| (v.name.as_str(), v.fields.as_slice()))
            .collect(),
    }
}

fn opaque_view(t: &Opaque) -> OpaqueView<'_> {
    OpaqueView {
        name: &t.name,
        doc: doc(&t.doc),
        methods: t.methods.iter().map(signature_view).collect(),
    }
}

fn signature_view(f: &Function) -> SignatureView<'_> {
    SignatureView {
        name: &f.name,
        receiver: f.receiver,
        params: &f.params,
        ret: &f.ret,
        doc: doc(&f.doc),
    }
}

/// Docs compare by their words: re-wrapping or re-indenting a doc string is formatting.
fn doc(doc: &Option<String>) -> Option<String> {
    doc.as_deref().map(normalize)
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("fingerprint views are plain data")
}

/// sha256 over a domain tag and length-prefixed parts, so no two inputs collide by
/// shifting text from one part to the next.
fn hash(tag: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tag.as_bytes());
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(out, "{b:02x}").expect("writing to a String cannot fail");
    }
    out
}
