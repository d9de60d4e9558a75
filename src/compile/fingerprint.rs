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
//! | `deps` | the interface of a used module changes, or a type it names from a module this one does not use | stale |
//!
//! A module is also stale when its compiler-owned files on disk differ from what the
//! compiler writes now (a newer ghost): that is not a fingerprint but a comparison of
//! files, made where the project is compiled (`build::workspace::regenerated`).

use super::TargetSettings;
use crate::check::{Enum, Function, ModuleModel, NfrModel, Opaque, Project, Record, Ty};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The fingerprints of one module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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

/// Computes the fingerprints of many modules of one project, sharing the work they have
/// in common: the settings' text, and each module's interface fingerprint (every user of
/// a module needs it for its `deps`). It may be shared between threads.
pub struct Fingerprinter<'p> {
    project: &'p Project,
    settings: String,
    template_version: &'p str,
    /// Each module's interface fingerprint, computed once when first needed.
    interfaces: HashMap<&'p str, OnceLock<String>>,
}

impl<'p> Fingerprinter<'p> {
    /// `template_version` is [`crate::compile::prompt::Templates::version`].
    pub fn new(
        project: &'p Project,
        settings: &TargetSettings,
        template_version: &'p str,
    ) -> Fingerprinter<'p> {
        Fingerprinter {
            project,
            settings: serde_json::to_string(settings).expect("target settings are plain strings"),
            template_version,
            interfaces: project
                .modules
                .iter()
                .map(|m| (m.name.as_str(), OnceLock::new()))
                .collect(),
        }
    }

    /// The fingerprints of `module`, one of the project's. `canonical_spec` is the
    /// module's spec as the formatter prints it without comments.
    pub fn module(&self, module: &ModuleModel, canonical_spec: &str) -> Fingerprints {
        let spec = hash(
            "ghost-spec-1",
            &[canonical_spec, self.template_version, &self.settings],
        );
        // The prose view holds the interface view: serialize that once for both.
        let interface_json = json(&interface_view(module));
        let prose = prose_hash(&interface_json, module);
        let interface = self.interface_of(module, Some(&interface_json));
        Fingerprints {
            spec,
            prose,
            interface,
            deps: self.deps(module),
        }
    }

    /// The interface fingerprint of `module`, from its interface view's JSON when the
    /// caller has it.
    fn interface_of(&self, module: &ModuleModel, json_text: Option<&str>) -> String {
        let compute = || match json_text {
            Some(text) => interface_hash(text),
            None => interface_fingerprint(module),
        };
        match self.interfaces.get(module.name.as_str()) {
            Some(cell) => cell.get_or_init(compute).clone(),
            None => compute(),
        }
    }

    fn deps(&self, module: &ModuleModel) -> String {
        let mut deps: Vec<(&str, String)> = module
            .uses
            .iter()
            .map(|name| {
                // A checked project has every used module; an absent one hashes as such.
                let fp = self
                    .project
                    .module(name)
                    .map(|m| self.interface_of(m, None))
                    .unwrap_or_default();
                (name.as_str(), fp)
            })
            .collect();
        deps.sort();
        deps.dedup();
        // The types the used modules' interfaces take from modules this one does not use
        // are in its prompt as their declarations: a field changed two levels down changes
        // what the code must handle. As the prompt shows them, by module; a module that
        // reaches none hashes as it did before they counted.
        let reached: Vec<(String, String)> =
            crate::compile::prompt::reached_types(self.project, module)
                .into_iter()
                .filter_map(|(name, types)| {
                    let owner = self.project.module(&name)?;
                    let shown =
                        crate::compile::rust::reached_interface(self.project, owner, &types);
                    Some((name, shown))
                })
                .collect();
        if reached.is_empty() {
            return hash("ghost-deps-1", &[&json(&deps)]);
        }
        hash("ghost-deps-1", &[&json(&deps), &json(&reached)])
    }
}

/// Computes a module's fingerprints. `canonical_spec` is the module's spec as the
/// formatter prints it without comments; `template_version` is
/// [`crate::compile::prompt::Templates::version`]. For many modules of one project,
/// [`Fingerprinter`] shares the work.
pub fn fingerprints(
    project: &Project,
    module: &ModuleModel,
    canonical_spec: &str,
    settings: &TargetSettings,
    template_version: &str,
) -> Fingerprints {
    Fingerprinter::new(project, settings, template_version).module(module, canonical_spec)
}

/// The fingerprint of what dependents of `module` see.
pub fn interface_fingerprint(module: &ModuleModel) -> String {
    interface_hash(&json(&interface_view(module)))
}

fn interface_hash(interface_json: &str) -> String {
    hash("ghost-interface-1", &[interface_json])
}

/// The prose fingerprint: what the implementation was written from, in words. Its view
/// is `{"declarations": <the interface view>, "free_text_nfrs": [...]}`, assembled
/// around the interface view's JSON (`interface_json`) byte for byte as serde_json would
/// write such a struct, so that the interface view is serialized only once.
fn prose_hash(interface_json: &str, module: &ModuleModel) -> String {
    let free_text_nfrs: Vec<String> = module
        .nfrs
        .iter()
        .filter_map(|n| match &n.kind {
            NfrModel::Text(text) => Some(normalize(text)),
            _ => None,
        })
        .collect();
    let view = format!(
        "{{\"declarations\":{interface_json},\"free_text_nfrs\":{}}}",
        json(&free_text_nfrs)
    );
    hash("ghost-prose-1", &[&view])
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

/// sha256 of some bytes, as lower-case hex: the one spelling of a hash in ghost's files.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    // By table rather than `write!("{b:02x}")`: formatting costs more than the hash's
    // last block, and a whole-project check writes thousands of these.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLUG: &str = r#"module text.slug {
  "URL slugs."
  fn slugify(title: str) -> str {
    "Lowercase ASCII letters and digits."
    example slugify("A b") == "a-b"
    ensures len(result) <= len(title)
  }
  nfr "Never panics."
  nfr forbid unsafe
}"#;

    const LRU: &str = r#"module cache.lru {
  use text.slug
  type LruCache {
    fn new(capacity: int) -> LruCache { requires capacity > 0 }
    fn len(self) -> int
  }
  nfr "O(1)."
}"#;

    /// Checks `texts` as one project; every text must be valid.
    fn project(texts: &[&str]) -> Project {
        crate::check::valid_project(texts)
    }

    fn fps(texts: &[&str], module: &str, canonical: &str, template_version: &str) -> Fingerprints {
        let project = project(texts);
        let m = project.module(module).expect("the module is checked");
        fingerprints(
            &project,
            m,
            canonical,
            &TargetSettings::default(),
            template_version,
        )
    }

    fn slug(texts: &str) -> Fingerprints {
        fps(&[texts], "text.slug", "canonical", "t1")
    }

    #[test]
    fn formatting_and_comments_change_nothing_given_the_same_canonical_text() {
        let reformatted = r#"// a comment
module text.slug {
    "URL   slugs."   // trailing comment

    fn slugify( title : str ) -> str {
        "Lowercase ASCII letters
         and digits."
        example slugify("A b") == "a-b"
        ensures len(result) <= len(title)
    }
    nfr "Never panics."
    nfr forbid unsafe
}"#;
        assert_eq!(slug(SLUG), slug(reformatted));
    }

    #[test]
    fn an_example_changes_only_the_spec() {
        let changed = SLUG.replace(
            r#"example slugify("A b") == "a-b""#,
            r#"example slugify("A  b") == "a-b""#,
        );
        let before = slug(SLUG);
        let after = fps(&[&changed], "text.slug", "canonical 2", "t1");
        assert_ne!(
            before.spec, after.spec,
            "the caller's canonical text changed"
        );
        assert_eq!(before.prose, after.prose, "examples are not prose");
        assert_eq!(
            before.interface, after.interface,
            "examples are not interface"
        );
    }

    #[test]
    fn a_doc_change_changes_prose_and_interface() {
        let fn_doc = slug(&SLUG.replace("Lowercase ASCII", "Lowercase"));
        let module_doc = slug(&SLUG.replace("URL slugs.", "Slugs."));
        let base = slug(SLUG);
        for changed in [fn_doc, module_doc] {
            assert_ne!(base.prose, changed.prose);
            assert_ne!(base.interface, changed.interface);
        }
    }

    #[test]
    fn a_free_text_nfr_changes_prose_not_interface() {
        let changed = slug(&SLUG.replace("Never panics.", "Never allocates."));
        let base = slug(SLUG);
        assert_ne!(base.prose, changed.prose);
        assert_eq!(base.interface, changed.interface);
    }

    #[test]
    fn a_signature_change_changes_prose_and_interface() {
        let changed = slug(&SLUG.replace("title", "text"));
        let base = slug(SLUG);
        assert_ne!(base.prose, changed.prose);
        assert_ne!(base.interface, changed.interface);
    }

    #[test]
    fn template_version_and_settings_change_only_the_spec() {
        let base = slug(SLUG);
        let other_templates = fps(&[SLUG], "text.slug", "canonical", "t2");
        assert_ne!(base.spec, other_templates.spec);
        assert_eq!(
            (&base.prose, &base.interface),
            (&other_templates.prose, &other_templates.interface)
        );

        let project = project(&[SLUG]);
        let m = project.module("text.slug").expect("checked");
        let settings = TargetSettings {
            edition: "2024".into(),
            ..TargetSettings::default()
        };
        let other_settings = fingerprints(&project, m, "canonical", &settings, "t1");
        assert_ne!(base.spec, other_settings.spec);
        assert_eq!(base.interface, other_settings.interface);
    }

    #[test]
    fn deps_follow_the_used_interface_only() {
        let lru = |slug_text: &str| fps(&[slug_text, LRU], "cache.lru", "lru", "t1");
        let base = lru(SLUG);
        let example_edit = lru(&SLUG.replace(r#""a-b""#, r#""a--b""#));
        assert_eq!(
            base, example_edit,
            "an example of a used module leaves the user fresh"
        );
        let signature_edit = lru(&SLUG.replace("title", "text"));
        assert_ne!(base.deps, signature_edit.deps);
        assert_eq!(
            base.interface, signature_edit.interface,
            "its own interface did not change"
        );
        assert_ne!(
            base.deps,
            slug(SLUG).deps,
            "a module without uses has other deps"
        );
    }

    /// `chain.top` uses `chain.mid`, whose `add` takes and returns `chain.base`'s `Money`:
    /// the record's fields are in `top`'s prompt, and a change to them makes it stale; a
    /// change to what `base` has besides, which `top` never sees, does not.
    #[test]
    fn deps_follow_the_types_a_used_interface_reaches() {
        const BASE: &str = "module chain.base {\n  record Money {\n    cents: int,\n  }\n\n  fn zero() -> Money {\n    example zero() == Money { cents: 0 }\n  }\n}";
        const MID: &str = "module chain.mid {\n  use chain.base\n\n  fn add(a: Money, b: Money) -> Money {\n    example add(Money { cents: 1 }, Money { cents: 2 }) == Money { cents: 3 }\n  }\n}";
        const TOP: &str = "module chain.top {\n  use chain.mid\n\n  fn sum(a: int, b: int) -> int {\n    example sum(1, 2) == 3\n  }\n}";
        let top = |base: &str| fps(&[base, MID, TOP], "chain.top", "top", "t1").deps;
        let before = top(BASE);
        assert_ne!(
            before,
            top(&BASE.replace("cents: int", "\"Whole cents.\"\n    cents: int")),
            "the declaration of a reached record"
        );
        assert_eq!(
            before,
            top(&BASE
                .replace("fn zero() -> Money", "fn nothing() -> Money")
                .replace("zero()", "nothing()")),
            "what `top` never sees of `base`"
        );
    }

    /// The prose view as a struct: what [`prose_hash`] assembles by hand.
    #[derive(Serialize)]
    struct ProseView<'a> {
        declarations: InterfaceView<'a>,
        free_text_nfrs: Vec<String>,
    }

    #[test]
    fn the_prose_view_is_assembled_as_serde_writes_it() {
        let texts = [
            SLUG.replace(
                "Never panics.",
                "Never  panics,\n  ever: <é>\\\\ \\\"q\\\".",
            ),
            LRU.into(),
        ];
        let project = project(&[texts[0].as_str(), texts[1].as_str()]);
        for m in &project.modules {
            let view = ProseView {
                declarations: interface_view(m),
                free_text_nfrs: m
                    .nfrs
                    .iter()
                    .filter_map(|n| match &n.kind {
                        NfrModel::Text(text) => Some(normalize(text)),
                        _ => None,
                    })
                    .collect(),
            };
            let expected = hash("ghost-prose-1", &[&json(&view)]);
            let got = prose_hash(&json(&interface_view(m)), m);
            assert_eq!(got, expected, "module {}", m.name);
        }
    }

    #[test]
    fn the_fingerprinter_agrees_with_one_module_at_a_time() {
        let project = project(&[SLUG, LRU]);
        let settings = TargetSettings::default();
        let shared = Fingerprinter::new(&project, &settings, "t1");
        // The used module last, so that the users' deps compute its interface first.
        for m in project.modules.iter().rev() {
            let alone = fingerprints(&project, m, "c", &settings, "t1");
            assert_eq!(shared.module(m, "c"), alone, "module {}", m.name);
            assert_eq!(alone.interface, interface_fingerprint(m));
        }
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn fingerprints_are_hex_sha256() {
        let f = slug(SLUG);
        for h in [&f.spec, &f.prose, &f.interface, &f.deps] {
            assert_eq!(h.len(), 64);
            assert!(h
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
    }
}
