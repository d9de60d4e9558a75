//! The prompt templates: the built-in ones (embedded from `templates/*.tera`) and the
//! project's overrides, parsed once.

use super::prompt_error::{chain, error_line, PromptError};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The built-in templates, by the file name an override must use.
const BUILTIN: [(&str, &str); 4] = [
    (
        "example.tera",
        include_str!("../../../templates/example.tera"),
    ),
    ("first.tera", include_str!("../../../templates/first.tera")),
    (
        "module.tera",
        include_str!("../../../templates/module.tera"),
    ),
    (
        "repair.tera",
        include_str!("../../../templates/repair.tera"),
    ),
];

/// Bumped whenever the data handed to the templates changes meaning, so that
/// [`Templates::version`] (and with it every spec fingerprint) changes too.
const CONTEXT_VERSION: &str = "ghost-prompt-context-1";

/// The templates a prompt is rendered from: name (`first.tera`) -> tera source.
#[derive(Debug, Clone)]
pub struct Templates {
    sources: BTreeMap<String, String>,
    tera: tera::Tera,
    /// Each override's file as the user reaches it, for error messages.
    shown: BTreeMap<String, String>,
}

impl Templates {
    /// The templates shipped in the binary.
    pub fn builtin() -> Self {
        Self::with_overrides(BTreeMap::new()).expect("the built-in templates parse (tested)")
    }

    /// The built-in templates with some replaced, e.g. from `.ghost/templates/`: keys are
    /// file names (`first.tera`, `repair.tera`, `module.tera`, `example.tera`; the extension
    /// may be left out), values their text. `first.tera` and `repair.tera` both include
    /// `module.tera`, which starts with `example.tera`.
    pub fn with_overrides(overrides: BTreeMap<String, String>) -> Result<Self, PromptError> {
        let mut sources: BTreeMap<String, String> = BUILTIN
            .iter()
            .map(|(name, src)| (name.to_string(), src.to_string()))
            .collect();
        for (name, source) in overrides {
            // `first` names `first.tera` too: the extension is easy to forget.
            let name = if sources.contains_key(&name) {
                name
            } else {
                with_extension(name)
            };
            if !sources.contains_key(&name) {
                let known: Vec<String> = sources.keys().map(|k| format!("`{k}`")).collect();
                return Err(PromptError::UnknownTemplate {
                    name,
                    known: known.join(", "),
                });
            }
            sources.insert(name, source);
        }
        // Parse each template alone first, so a syntax error names its template.
        for (name, source) in &sources {
            let mut scratch = tera::Tera::default();
            if let Err(err) = scratch.add_raw_template(name, source) {
                if !matches!(err.kind, tera::ErrorKind::MissingParent { .. }) {
                    let detail = chain(&err);
                    let line = error_line(&detail);
                    return Err(PromptError::Syntax {
                        name: name.clone(),
                        line,
                        detail,
                    });
                }
            }
        }
        if let Some(cycle) = include_cycle(&sources) {
            // tera would recurse until the stack overflows, at the first render.
            return Err(PromptError::Invalid {
                detail: format!("they include each other in a loop: {}", cycle.join(" → ")),
            });
        }
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::new());
        tera.register_filter("fence", fence_filter);
        tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|err| PromptError::Invalid {
                detail: chain(&err),
            })?;
        Ok(Templates {
            sources,
            tera,
            shown: BTreeMap::new(),
        })
    }

    /// Names each override in error messages by its file (`prompts/first.tera`), from
    /// `shown` (template name -> path).
    pub fn shown_as(mut self, shown: BTreeMap<String, String>) -> Self {
        self.shown = shown;
        self
    }

    /// A hash of every template's source (and of the data format they are given): part
    /// of the spec fingerprint, so editing a template makes every module stale.
    pub fn version(&self) -> String {
        version_of(
            self.sources
                .iter()
                .map(|(name, source)| (name.as_str(), source.as_str())),
        )
    }

    /// [`Templates::version`] of [`Templates::builtin`], without parsing the templates
    /// (which `ghost check` would do only to throw them away).
    pub fn builtin_version() -> String {
        let sources: BTreeMap<&str, &str> = BUILTIN.iter().copied().collect();
        version_of(sources.into_iter())
    }

    /// Renders one template.
    pub(crate) fn render(
        &self,
        name: &str,
        module: &str,
        context: &tera::Context,
    ) -> Result<String, PromptError> {
        self.tera.render(name, context).map_err(|err| {
            PromptError::Render {
                name: name.to_string(),
                module: module.to_string(),
                detail: chain(&err),
            }
            .shown_as(&self.shown)
        })
    }
}

/// The templates each `{% include %}`, `{% extends %}` or `{% import %}` tag of `source`
/// names (every quoted name in the tag: `include ["a.tera", "b.tera"]` names both).
fn referenced(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{%") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("%}") else {
            break;
        };
        let tag = after[..close].trim_start_matches('-').trim_start();
        let keyword = tag.split_whitespace().next().unwrap_or("");
        if matches!(keyword, "include" | "extends" | "import") {
            let mut quoted = tag.split(['"', '\'']).skip(1).step_by(2);
            for name in quoted.by_ref() {
                out.push(name.to_string());
            }
        }
        rest = &after[close + 2..];
    }
    out
}

/// A loop of templates that include (extend, import) each other, named in order from
/// and back to its first, if there is one.
fn include_cycle(sources: &BTreeMap<String, String>) -> Option<Vec<String>> {
    fn visit(
        name: &str,
        sources: &BTreeMap<String, String>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == name) {
            let mut cycle = path[at..].to_vec();
            cycle.push(name.to_string());
            return Some(cycle);
        }
        if done.contains(name) {
            return None;
        }
        path.push(name.to_string());
        for next in sources.get(name).map(|s| referenced(s)).unwrap_or_default() {
            if let Some(cycle) = visit(&next, sources, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(name.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    sources
        .keys()
        .find_map(|name| visit(name, sources, &mut Vec::new(), &mut done))
}

/// The hash of templates given by name, in name order.
fn version_of<'a>(sources: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(CONTEXT_VERSION.as_bytes());
    for (name, source) in sources {
        for part in [name, source] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    crate::compile::fingerprint::hex(&hasher.finalize())
}

fn with_extension(name: String) -> String {
    if name.ends_with(".tera") {
        name
    } else {
        format!("{name}.tera")
    }
}

/// `{{ text | fence(lang="rust") }}`: a Markdown code block around `text`, with a fence
/// longer than any run of backticks inside it, so quoted code cannot close it early.
fn fence_filter(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let lang = args.get("lang").and_then(tera::Value::as_str).unwrap_or("");
    Ok(tera::Value::String(fence(&text, lang)))
}

/// A Markdown code block holding `text`.
pub(crate) fn fence(text: &str, lang: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat(longest.max(2) + 1);
    let body = text.trim_end_matches('\n');
    format!("{ticks}{lang}\n{body}\n{ticks}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_parse_and_have_a_stable_version() {
        let a = Templates::builtin();
        assert_eq!(a.version(), Templates::builtin().version());
        assert_eq!(a.version(), Templates::builtin_version());
        assert_eq!(a.version().len(), 64);
        let same = BTreeMap::from([(BUILTIN[0].0.to_string(), BUILTIN[0].1.to_string())]);
        let b = Templates::with_overrides(same).expect("the built-in text parses");
        assert_eq!(
            a.version(),
            b.version(),
            "an identical override is no change"
        );
    }

    #[test]
    fn fence_outgrows_backticks_inside() {
        assert_eq!(fence("x\n", "rust"), "```rust\nx\n```");
        assert_eq!(fence("a ```b``` c", ""), "````\na ```b``` c\n````");
    }

    #[test]
    fn a_syntax_error_reports_its_line() {
        let bad = BTreeMap::from([("module.tera".to_string(), "a\nb\n{{ x | }}\n".to_string())]);
        match Templates::with_overrides(bad) {
            Err(PromptError::Syntax { name, line, .. }) => {
                assert_eq!((name.as_str(), line), ("module.tera", Some(3)));
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn templates_including_each_other_are_refused_before_any_render() {
        let one = BTreeMap::from([(
            "first.tera".to_string(),
            "{% include \"first.tera\" %}".to_string(),
        )]);
        let err = Templates::with_overrides(one).expect_err("a loop");
        assert!(err.to_string().contains("first.tera → first.tera"), "{err}");
        let two = BTreeMap::from([
            (
                "module.tera".to_string(),
                "{%- include ['repair.tera'] %}".to_string(),
            ),
            (
                "repair".to_string(),
                "{% include \"module.tera\" %}".to_string(),
            ),
        ]);
        let err = Templates::with_overrides(two).expect_err("a loop of two");
        assert!(err.to_string().contains("in a loop"), "{err}");
        // The built-in templates include each other without a loop.
        assert!(Templates::with_overrides(BTreeMap::new()).is_ok());
    }

    #[test]
    fn a_missing_include_is_reported_at_render() {
        let bad = BTreeMap::from([(
            "first.tera".to_string(),
            "{% include \"nope.tera\" %}".to_string(),
        )]);
        let templates = Templates::with_overrides(bad).expect("parses");
        let err = templates
            .render("first.tera", "a.b", &tera::Context::new())
            .expect_err("no such template");
        assert!(err.to_string().contains("nope.tera"), "{err}");
    }
}
