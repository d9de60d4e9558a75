//! The pest parser generated from `grammar/ghost.pest`.

use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/ghost.pest"]
pub(crate) struct GhostParser;

pub(crate) type PestError = pest::error::Error<Rule>;

/// Parses a whole file; on success, the `module` pair.
pub(crate) fn parse_file(text: &str) -> Result<Pair<'_, Rule>, Box<PestError>> {
    let mut pairs = GhostParser::parse(Rule::file, text).map_err(Box::new)?;
    let file = pairs
        .next()
        .expect("the `file` rule always yields one pair");
    let module = file.into_inner().next().expect("`file` holds a `module`");
    Ok(module)
}

/// Parses `rule` against the whole of `text` (used by error recovery).
pub(crate) fn parse_rule(rule: Rule, text: &str) -> Result<Pair<'_, Rule>, Box<PestError>> {
    let mut pairs = GhostParser::parse(rule, text).map_err(Box::new)?;
    Ok(pairs.next().expect("a successful parse yields one pair"))
}
