//! The canonical layout of a module: blocks, one element per line, and every comment put
//! back where it stood (see the module documentation of [`crate::format`] for the rules).

use super::expr::{escape_into, expr, has_bare_order, string, type_expr};
use super::source::Source;
use crate::syntax::ast::*;

const INDENT: &str = "  ";

/// A property longer than this (with its indentation) is written on two or three lines,
/// broken before `where` and `=>`: the width rustfmt keeps Rust to.
const MAX_WIDTH: usize = 100;

/// One line-level element of a block: what is printed on its own line (or, for a nested
/// block, on its own lines).
#[derive(Clone, Copy)]
enum Element<'a> {
    Doc(&'a Doc),
    Item(&'a Item),
    Clause(&'a Clause),
    Field(&'a Field),
    Variant(&'a Variant),
    Method(&'a FnDecl),
    Stmt(&'a Stmt),
}

impl Element<'_> {
    fn span(&self) -> Span {
        match self {
            Element::Doc(d) => d.span,
            Element::Item(i) => i.span(),
            Element::Clause(c) => c.span(),
            Element::Field(f) => f.span,
            Element::Variant(v) => v.span,
            Element::Method(f) => f.span,
            Element::Stmt(s) => s.span(),
        }
    }
}

/// How a block separates its elements.
#[derive(Clone, Copy, PartialEq)]
enum Spacing {
    /// The module: one blank line between elements, except within a run of `use` or of
    /// `nfr` lines, where the user's blank lines are kept (at most one).
    Module,
    /// Every other block: the user's blank lines are kept (at most one).
    AsWritten,
}

pub(crate) struct Printer<'a> {
    src: Source<'a>,
    out: String,
    depth: usize,
    /// Whether a long property breaks over lines (`ghost fmt`), or stays on one line (the
    /// canonical text fingerprints hash: ghost fmt's line width is not a spec's meaning,
    /// and locks written before it wrapped stay fresh).
    wraps: bool,
}

impl<'a> Printer<'a> {
    pub(crate) fn new(src: Source<'a>) -> Self {
        Printer {
            src,
            out: String::new(),
            depth: 0,
            wraps: true,
        }
    }

    /// A printer that keeps every element on one line, however long.
    pub(crate) fn unwrapped(mut self) -> Self {
        self.wraps = false;
        self
    }

    /// Prints the whole file: comments before the module, the module, comments after it.
    pub(crate) fn file(mut self, module: &'a Module) -> String {
        let mut prev: Option<usize> = None;
        for c in self.src.take_before(module.span.start) {
            self.blank_if(prev.is_some_and(|p| self.src.blank_between(p, c.span.start)));
            self.line(&c.text, None);
            prev = Some(c.span.end);
        }
        self.blank_if(prev.is_some_and(|p| self.src.blank_between(p, module.span.start)));
        let open = self.src.find_code(b'{', module.path.span.end);
        let mut children = Vec::new();
        children.extend(module.doc.as_ref().map(Element::Doc));
        children.extend(module.items.iter().map(Element::Item));
        let mut prev = self.block(
            &format!("module {}", module.path.dotted()),
            open,
            &children,
            module.span.end,
            Spacing::Module,
        );
        for c in self.src.take_before(usize::MAX) {
            self.blank_if(self.src.blank_between(prev, c.span.start));
            self.line(&c.text, None);
            prev = c.span.end;
        }
        self.out
    }

    // ----- output -----

    /// Writes one line (which may hold line breaks of its own, for a multi-line doc) at
    /// the current depth, with an optional trailing comment.
    fn line(&mut self, text: &str, trailing: Option<&Comment>) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
        // Only a comment can end in white space; it is not kept.
        self.out.push_str(text.trim_end());
        if let Some(c) = trailing {
            self.out.push(' ');
            self.out.push_str(c.text.trim_end());
        }
        self.out.push('\n');
    }

    /// Adds a blank line if `wanted`, unless there is one already or nothing yet.
    fn blank_if(&mut self, wanted: bool) {
        if wanted && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn indent(&self) -> String {
        INDENT.repeat(self.depth)
    }

    // ----- blocks -----

    /// Prints `head {`, the elements, and `}`. `open` is the offset of the `{` and `end`
    /// the block's span end (just past its `}`). A block with no elements and no comments
    /// inside prints as `head {}`. Returns where the block (and its trailing comment)
    /// ended in the source.
    fn block(
        &mut self,
        head: &str,
        open: usize,
        children: &[Element<'a>],
        end: usize,
        spacing: Spacing,
    ) -> usize {
        let close = end.saturating_sub(1);
        let trailing_open = self.src.take_trailing(open + 1);
        if children.is_empty() && trailing_open.is_none() {
            let inner = self.src.take_before(close);
            if inner.is_empty() {
                let trailing = self.src.take_trailing(end);
                self.line(&format!("{head} {{}}"), trailing);
                return trailing.map_or(end, |c| c.span.end);
            }
            self.line(&format!("{head} {{"), None);
            self.depth += 1;
            self.comment_lines(&inner, None);
            self.depth -= 1;
        } else {
            self.line(&format!("{head} {{"), trailing_open);
            self.depth += 1;
            // `None` right after the opening brace, where no blank line goes.
            let mut prev_end: Option<usize> = None;
            let mut prev: Option<Element<'a>> = None;
            for &child in children {
                let start = child.span().start;
                let comments = self.src.take_before(start);
                if let (Some(p), Some(p_end)) = (prev, prev_end) {
                    if spacing == Spacing::Module && !keeps_user_spacing(p, child) {
                        let mut marks = vec![p_end];
                        marks.extend(comments.iter().flat_map(|c| [c.span.start, c.span.end]));
                        marks.push(start);
                        let any_blank = marks.chunks(2).any(|w| self.src.blank_between(w[0], w[1]));
                        self.blank_if(!any_blank);
                    }
                }
                prev_end = self.comment_lines(&comments, prev_end);
                self.blank_if(prev_end.is_some_and(|p| self.src.blank_between(p, start)));
                prev_end = Some(self.element(child));
                prev = Some(child);
            }
            let inner = self.src.take_before(close);
            self.comment_lines(&inner, prev_end);
            self.depth -= 1;
        }
        let trailing = self.src.take_trailing(end);
        self.line("}", trailing);
        trailing.map_or(end, |c| c.span.end)
    }

    /// Prints comments on lines of their own, keeping a blank line wherever the source
    /// had one before a comment (never right after an opening brace, `prev_end: None`).
    /// Returns where the last one ended in the source (or `prev_end` when there were none).
    fn comment_lines(
        &mut self,
        comments: &[&Comment],
        mut prev_end: Option<usize>,
    ) -> Option<usize> {
        for c in comments {
            self.blank_if(prev_end.is_some_and(|p| self.src.blank_between(p, c.span.start)));
            self.line(&c.text, None);
            prev_end = Some(c.span.end);
        }
        prev_end
    }

    /// Prints one element with its inner and trailing comments; returns the source
    /// offset where it (and its trailing comment) ends.
    fn element(&mut self, el: Element<'a>) -> usize {
        let span = el.span();
        match el {
            Element::Item(Item::Fn(f)) | Element::Method(f) => self.fn_decl(f),
            Element::Item(Item::Record(r)) => {
                let open = self.src.find_code(b'{', r.name.span.end);
                let mut children: Vec<Element<'a>> = r.doc.iter().map(Element::Doc).collect();
                children.extend(r.fields.iter().map(Element::Field));
                self.header_comments(open);
                self.block(
                    &format!("record {}", r.name.name),
                    open,
                    &children,
                    span.end,
                    Spacing::AsWritten,
                )
            }
            Element::Item(Item::Enum(e)) => {
                let open = self.src.find_code(b'{', e.name.span.end);
                let mut children: Vec<Element<'a>> = e.doc.iter().map(Element::Doc).collect();
                children.extend(e.variants.iter().map(Element::Variant));
                self.header_comments(open);
                let kw = if e.is_error { "error" } else { "enum" };
                self.block(
                    &format!("{kw} {}", e.name.name),
                    open,
                    &children,
                    span.end,
                    Spacing::AsWritten,
                )
            }
            Element::Item(Item::Type(t)) => {
                let open = self.src.find_code(b'{', t.name.span.end);
                let mut children: Vec<Element<'a>> = t.doc.iter().map(Element::Doc).collect();
                children.extend(t.methods.iter().map(Element::Method));
                self.header_comments(open);
                self.block(
                    &format!("type {}", t.name.name),
                    open,
                    &children,
                    span.end,
                    Spacing::AsWritten,
                )
            }
            Element::Item(Item::Scenario(Scenario { name, stmts, .. }))
            | Element::Item(Item::Snapshot(Snapshot { name, stmts, .. })) => {
                let kw = if matches!(el, Element::Item(Item::Scenario(_))) {
                    "scenario"
                } else {
                    "snapshot"
                };
                let open = self.src.find_code(b'{', name.span.end);
                let children: Vec<Element<'a>> = stmts.iter().map(Element::Stmt).collect();
                self.header_comments(open);
                self.block(
                    &format!("{kw} {}", string(&name.value)),
                    open,
                    &children,
                    span.end,
                    Spacing::AsWritten,
                )
            }
            _ => {
                let text = self.leaf_text(el);
                self.header_comments(span.end);
                let trailing = self.src.take_trailing(span.end);
                self.line(&text, trailing);
                trailing.map_or(span.end, |c| c.span.end)
            }
        }
    }

    /// Comments inside a header or a one-line element move to lines of their own before it.
    fn header_comments(&mut self, before: usize) {
        for c in self.src.take_before(before) {
            self.line(&c.text, None);
        }
    }

    fn fn_decl(&mut self, f: &'a FnDecl) -> usize {
        let head = fn_head(f);
        let has_body = self.src.ends_with_brace(f.span.end);
        let open = if has_body {
            self.src.find_code(b'{', fn_head_end(f))
        } else {
            f.span.end
        };
        let mut children: Vec<Element<'a>> = f.doc.iter().map(Element::Doc).collect();
        children.extend(f.clauses.iter().map(Element::Clause));
        // A body with nothing in it prints as no body, unless comments stand inside it.
        let body_comments = has_body
            && self
                .src
                .has_comment_between(open, f.span.end.saturating_sub(1));
        if children.is_empty() && !body_comments {
            self.header_comments(f.span.end);
            let trailing = self.src.take_trailing(f.span.end);
            self.line(&head, trailing);
            return trailing.map_or(f.span.end, |c| c.span.end);
        }
        self.header_comments(open);
        self.block(&head, open, &children, f.span.end, Spacing::AsWritten)
    }

    // ----- one-line elements -----

    fn leaf_text(&self, el: Element<'a>) -> String {
        match el {
            Element::Doc(d) => self.doc(d),
            Element::Item(Item::Use(u)) => format!("use {}", u.path.dotted()),
            Element::Item(Item::Nfr(n)) => nfr(n),
            Element::Clause(Clause::Property(p)) => self.property(p),
            Element::Clause(c) => clause(c),
            Element::Field(f) => format!("{}: {},", f.name.name, type_expr(&f.ty)),
            Element::Variant(v) if v.fields.is_empty() => v.name.name.clone(),
            Element::Variant(v) => {
                format!(
                    "{}({})",
                    v.name.name,
                    v.fields
                        .iter()
                        .map(type_expr)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            Element::Stmt(s) => stmt(s),
            // Blocks are printed by `element`.
            Element::Item(_) | Element::Method(_) => String::new(),
        }
    }

    /// A property on one line if it fits in [`MAX_WIDTH`], else its `where` and `=>` parts
    /// each on a line of their own, one level deeper.
    fn property(&self, p: &Property) -> String {
        let one_line = property(p);
        // Columns are characters: `"é"` is one wide, not two bytes.
        if !self.wraps || self.indent().len() + one_line.chars().count() <= MAX_WIDTH {
            return one_line;
        }
        let pad = format!("\n{}{INDENT}", self.indent());
        property_parts(p).join(&pad)
    }

    /// A doc string; continuation lines line up with the first line's text, one column
    /// right of the opening quote.
    fn doc(&self, d: &Doc) -> String {
        let pad = format!("\n{} ", self.indent());
        let mut out = String::from("\"");
        for (i, line) in d.text.split('\n').enumerate() {
            if i > 0 {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&pad);
                }
            }
            escape_into(line, &mut out);
        }
        out.push('"');
        out
    }
}

/// Within a run of `use` lines or of `nfr` lines the module keeps the user's spacing.
fn keeps_user_spacing(prev: Element<'_>, next: Element<'_>) -> bool {
    matches!(
        (prev, next),
        (Element::Item(Item::Use(_)), Element::Item(Item::Use(_)))
            | (Element::Item(Item::Nfr(_)), Element::Item(Item::Nfr(_)))
    )
}

/// `fn name(self, x: int) -> T`
pub(super) fn fn_head(f: &FnDecl) -> String {
    let mut params: Vec<String> = Vec::new();
    if let Some(r) = &f.receiver {
        params.push(if r.mutable {
            "mut self".into()
        } else {
            "self".into()
        });
    }
    for p in &f.params {
        // A second `self` is kept as a parameter named `self` (the checker reports it).
        let is_extra_self =
            p.name.name == "self" && matches!(&p.ty, TypeExpr::Named(t) if t.name == "Self");
        if is_extra_self {
            params.push("self".into());
        } else {
            params.push(format!("{}: {}", p.name.name, type_expr(&p.ty)));
        }
    }
    let mut head = format!("fn {}({})", f.name.name, params.join(", "));
    if let Some(ret) = &f.ret {
        head.push_str(" -> ");
        head.push_str(&type_expr(ret));
    }
    head
}

/// The source offset where a fn's header ends: its return type, or the last parameter
/// (the `{` search starts there and skips the closing parenthesis).
fn fn_head_end(f: &FnDecl) -> usize {
    if let Some(ret) = &f.ret {
        return ret.span().end;
    }
    let params = f.params.iter().map(|p| p.span.end);
    params
        .chain(f.receiver.iter().map(|r| r.span.end))
        .chain([f.name.span.end])
        .max()
        .unwrap_or(f.name.span.end)
}

pub(super) fn clause(c: &Clause) -> String {
    match c {
        Clause::Example(x) => format!("example {}", expr(&x.expr)),
        Clause::Requires(x) => format!("requires {}", expr(&x.expr)),
        Clause::Ensures(x) => format!("ensures {}", expr(&x.expr)),
        Clause::Property(p) => property(p),
    }
}

/// `property name: forall x: T in a..b where f => body`, on one line.
pub(super) fn property(p: &Property) -> String {
    property_parts(p).join(" ")
}

/// A property's head (`property name: forall binders`), its `where` part if any, and its
/// `=> body`: where a long property breaks.
fn property_parts(p: &Property) -> Vec<String> {
    let mut s = String::from("property ");
    if let Some(n) = &p.name {
        s.push_str(&n.name);
        s.push_str(": ");
    }
    s.push_str("forall ");
    let binders: Vec<String> = p
        .binders
        .iter()
        .map(|b| {
            let mut t = format!("{}: {}", b.name.name, type_expr(&b.ty));
            if let Some((lo, hi)) = &b.range {
                t.push_str(&format!(" in {}..{}", expr(lo), expr(hi)));
            }
            t
        })
        .collect();
    s.push_str(&binders.join(", "));
    let mut parts = vec![s];
    if let Some(f) = &p.filter {
        parts.push(format!("where {}", expr(f)));
    }
    parts.push(format!("=> {}", expr(&p.body)));
    parts
}

pub(super) fn stmt(s: &Stmt) -> String {
    match s {
        Stmt::Let {
            name,
            mutable,
            ty,
            value,
            ..
        } => {
            let m = if *mutable { "mut " } else { "" };
            let t = ty
                .as_ref()
                .map(|t| format!(": {}", type_expr(t)))
                .unwrap_or_default();
            format!("let {m}{}{t} = {}", name.name, expr(value))
        }
        Stmt::Expect { expr: e, .. } => format!("expect {}", expr(e)),
        Stmt::Expr { expr: e, .. } => expr(e),
    }
}

pub(super) fn nfr(n: &Nfr) -> String {
    match &n.kind {
        NfrKind::Text(s) => format!("nfr {}", string(&s.value)),
        NfrKind::Forbid(what) => format!("nfr forbid {}", what.name),
        NfrKind::Deps(deps) => {
            let deps: Vec<String> = deps
                .iter()
                .map(|d| match &d.version {
                    Some(v) => format!("{} = {}", d.name.name, string(&v.value)),
                    None => d.name.name.clone(),
                })
                .collect();
            format!("nfr deps [{}]", deps.join(", "))
        }
        NfrKind::Perf { call, budget } => {
            let call = if has_bare_order(call) {
                format!("({})", expr(call))
            } else {
                expr(call)
            };
            format!("nfr perf {call} < {}{}", budget.value, budget.unit)
        }
        NfrKind::MaxLines { lines, .. } => format!("nfr max_lines {lines}"),
        NfrKind::Lint => "nfr lint".into(),
    }
}
