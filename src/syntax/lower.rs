//! Lowering: pest pairs in, owned AST nodes out.
//!
//! The grammar guarantees the shape of every pair, so the `expect`s below state grammar
//! invariants, not assumptions about user input. Problems the grammar lets through
//! (integers too large, unknown escapes, chained comparisons) become diagnostics here.

use super::ast::*;
use super::grammar::Rule;
use crate::diagnostics::{Diagnostic, Kind};
use pest::iterators::{Pair, Pairs};
use std::path::{Path, PathBuf};

/// Lowers the `module` pair of a file that parsed as a whole.
pub(crate) fn module_from_file(
    file: &Path,
    pair: Pair<'_, Rule>,
) -> (Option<Module>, Vec<Diagnostic>) {
    let mut l = Lowerer::new(file, 0);
    let module = l.module(pair);
    (Some(module), l.diags)
}

/// Turns pairs into AST nodes. `offset` is added to every span, for items parsed on
/// their own from the middle of a file.
pub(crate) struct Lowerer {
    file: PathBuf,
    offset: usize,
    /// How many `expr` pairs are being lowered, one inside the other.
    expr_nesting: usize,
    pub(crate) diags: Vec<Diagnostic>,
}

impl Lowerer {
    pub(crate) fn new(file: &Path, offset: usize) -> Self {
        Lowerer {
            file: file.to_path_buf(),
            offset,
            expr_nesting: 0,
            diags: Vec::new(),
        }
    }

    /// The pair's span without trailing white space and comments: pest's span of a rule
    /// that ends in an optional or repeated part includes the trivia skipped before it.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let end = s.start() + code_len(s.as_str());
        Span::new(s.start() + self.offset, end + self.offset)
    }

    fn error(&mut self, span: Span, kind: Kind) {
        self.diags.push(Diagnostic::new(&self.file, span, kind));
    }

    pub(crate) fn module(&mut self, pair: Pair<'_, Rule>) -> Module {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let path = self.module_path(inner.next().expect("module has a path"));
        let mut doc = None;
        let mut items = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::doc => doc = Some(self.doc(p)),
                _ => items.push(self.item(p)),
            }
        }
        Module {
            path,
            doc,
            items,
            span,
            unparsed: Vec::new(),
        }
    }

    pub(crate) fn module_path(&mut self, pair: Pair<'_, Rule>) -> ModulePath {
        let span = self.span(&pair);
        let segments = pair.into_inner().map(|p| p.as_str().to_string()).collect();
        ModulePath { segments, span }
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn doc(&mut self, pair: Pair<'_, Rule>) -> Doc {
        let span = self.span(&pair);
        let lit = self.string(pair.into_inner().next().expect("doc holds a string"));
        Doc {
            text: normalize_doc(&lit.value),
            span,
        }
    }

    /// A `string` pair: resolves escapes.
    pub(crate) fn string(&mut self, pair: Pair<'_, Rule>) -> StrLit {
        let span = self.span(&pair);
        let body = pair.into_inner().next().expect("string has a body");
        let value = self.unescape(body.as_str(), span.start + 1);
        StrLit { value, span }
    }

    fn unescape(&mut self, raw: &str, start: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            // A line break in the file is `\n` in the value, whatever the file's line
            // endings: a spec checked out with `\r\n` (Windows) means the same as with
            // `\n`. A `\r` written as an escape stays.
            if c == '\r' && raw[i + 1..].starts_with('\n') {
                continue;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '0' => out.push('\0'),
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                '\'' => out.push('\''),
                'u' => {
                    // `\u{1F600}`: one to six hex digits in braces. Anything else after
                    // `\u` is reported as a bad escape and skipped as far as it goes.
                    let rest = &raw[i + 2..];
                    let braced = rest
                        .strip_prefix('{')
                        .and_then(|r| r.find('}').map(|close| &r[..close]))
                        .filter(|hex| {
                            (1..=6).contains(&hex.len())
                                && hex.bytes().all(|b| b.is_ascii_hexdigit())
                        });
                    let decoded = braced
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                        .and_then(char::from_u32);
                    let taken = braced.map_or(0, |hex| hex.len() + 2);
                    for _ in 0..taken {
                        chars.next();
                    }
                    match decoded {
                        Some(ch) => out.push(ch),
                        None => {
                            let end = (i + 2 + taken).min(raw.len());
                            self.error(
                                Span::new(start + i, start + end),
                                Kind::BadEscape {
                                    escape: raw[i..end].to_string(),
                                },
                            );
                        }
                    }
                }
                other => {
                    let end = i + 1 + other.len_utf8();
                    self.error(
                        Span::new(start + i, start + end),
                        Kind::BadEscape {
                            escape: raw[i..end].to_string(),
                        },
                    );
                }
            }
        }
        out
    }

    pub(crate) fn item(&mut self, pair: Pair<'_, Rule>) -> Item {
        match pair.as_rule() {
            Rule::use_decl => {
                let span = self.span(&pair);
                let path = self.module_path(pair.into_inner().next().expect("use has a path"));
                Item::Use(Use { path, span })
            }
            Rule::fn_decl => Item::Fn(self.fn_decl(pair)),
            Rule::record_decl => Item::Record(self.record(pair)),
            Rule::enum_decl => Item::Enum(self.enum_decl(pair, false)),
            Rule::error_decl => Item::Enum(self.enum_decl(pair, true)),
            Rule::type_decl => Item::Type(self.type_decl(pair)),
            Rule::scenario => {
                let (name, stmts, span) = self.named_block(pair);
                Item::Scenario(Scenario { name, stmts, span })
            }
            Rule::snapshot => {
                let (name, stmts, span) = self.named_block(pair);
                Item::Snapshot(Snapshot { name, stmts, span })
            }
            Rule::nfr => Item::Nfr(self.nfr(pair)),
            r => unreachable!("not an item: {r:?}"),
        }
    }

    fn fn_decl(&mut self, pair: Pair<'_, Rule>) -> FnDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("fn has a name"));
        let mut f = FnDecl {
            name,
            receiver: None,
            params: Vec::new(),
            ret: None,
            doc: None,
            clauses: Vec::new(),
            span,
        };
        for p in inner {
            match p.as_rule() {
                Rule::params => {
                    for param in p.into_inner() {
                        let param = param.into_inner().next().expect("param has a form");
                        match param.as_rule() {
                            Rule::self_param => {
                                let pspan = self.span(&param);
                                let mutable =
                                    param.into_inner().any(|x| x.as_rule() == Rule::mut_kw);
                                // A second `self` is reported by the checker as a duplicate.
                                if f.receiver.is_none() {
                                    f.receiver = Some(Receiver {
                                        mutable,
                                        span: pspan,
                                    });
                                } else {
                                    f.params.push(Param {
                                        name: Ident {
                                            name: "self".into(),
                                            span: pspan,
                                        },
                                        ty: TypeExpr::Named(Ident {
                                            name: "Self".into(),
                                            span: pspan,
                                        }),
                                        span: pspan,
                                    });
                                }
                            }
                            Rule::named_param => {
                                let pspan = self.span(&param);
                                let mut it = param.into_inner();
                                let name = self.ident(it.next().expect("param name"));
                                let ty = self.type_expr(it.next().expect("param type"));
                                f.params.push(Param {
                                    name,
                                    ty,
                                    span: pspan,
                                });
                            }
                            r => unreachable!("not a param: {r:?}"),
                        }
                    }
                }
                Rule::ret_type => {
                    f.ret = Some(self.type_expr(p.into_inner().next().expect("ret has a type")))
                }
                Rule::fn_body => {
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::doc => f.doc = Some(self.doc(c)),
                            _ => f.clauses.push(self.clause(c)),
                        }
                    }
                }
                r => unreachable!("not part of a fn: {r:?}"),
            }
        }
        f
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> Clause {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::example => Clause::Example(Example {
                expr: self.expr(inner.next().expect("example expr")),
                span,
            }),
            Rule::requires => Clause::Requires(Contract {
                expr: self.expr(inner.next().expect("requires expr")),
                span,
            }),
            Rule::ensures => Clause::Ensures(Contract {
                expr: self.expr(inner.next().expect("ensures expr")),
                span,
            }),
            Rule::property => {
                let mut name = None;
                let mut binders = Vec::new();
                let mut filter = None;
                let mut body = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::property_name => {
                            name = Some(self.ident(p.into_inner().next().expect("name")))
                        }
                        Rule::binders => {
                            for b in p.into_inner() {
                                binders.push(self.binder(b));
                            }
                        }
                        Rule::where_clause => {
                            filter = Some(self.expr(p.into_inner().next().expect("where expr")))
                        }
                        Rule::expr => body = Some(self.expr(p)),
                        r => unreachable!("not part of a property: {r:?}"),
                    }
                }
                Clause::Property(Property {
                    name,
                    binders,
                    filter,
                    body: body.expect("property has a body"),
                    span,
                })
            }
            r => unreachable!("not a clause: {r:?}"),
        }
    }

    fn binder(&mut self, pair: Pair<'_, Rule>) -> Binder {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("binder name"));
        let ty = self.type_expr(inner.next().expect("binder type"));
        let range = inner.next().map(|r| {
            let mut it = r.into_inner();
            let lo = self.expr(it.next().expect("range start"));
            let hi = self.expr(it.next().expect("range end"));
            (lo, hi)
        });
        Binder {
            name,
            ty,
            range,
            span,
        }
    }

    fn record(&mut self, pair: Pair<'_, Rule>) -> RecordDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("record name"));
        let mut doc = None;
        let mut fields = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::doc => doc = Some(self.doc(p)),
                Rule::field => {
                    let fspan = self.span(&p);
                    let mut it = p.into_inner();
                    let name = self.ident(it.next().expect("field name"));
                    let ty = self.type_expr(it.next().expect("field type"));
                    fields.push(Field {
                        name,
                        ty,
                        span: fspan,
                    });
                }
                r => unreachable!("not part of a record: {r:?}"),
            }
        }
        RecordDecl {
            name,
            doc,
            fields,
            span,
        }
    }

    fn enum_decl(&mut self, pair: Pair<'_, Rule>, is_error: bool) -> EnumDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("enum name"));
        let mut doc = None;
        let mut variants = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::doc => doc = Some(self.doc(p)),
                Rule::variant => {
                    let vspan = self.span(&p);
                    let mut it = p.into_inner();
                    let name = self.ident(it.next().expect("variant name"));
                    let fields = it.map(|t| self.type_expr(t)).collect();
                    variants.push(Variant {
                        name,
                        fields,
                        span: vspan,
                    });
                }
                r => unreachable!("not part of an enum: {r:?}"),
            }
        }
        EnumDecl {
            name,
            is_error,
            doc,
            variants,
            span,
        }
    }

    fn type_decl(&mut self, pair: Pair<'_, Rule>) -> TypeDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("type name"));
        let mut doc = None;
        let mut methods = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::doc => doc = Some(self.doc(p)),
                Rule::fn_decl => methods.push(self.fn_decl(p)),
                r => unreachable!("not part of a type: {r:?}"),
            }
        }
        TypeDecl {
            name,
            doc,
            methods,
            span,
        }
    }

    fn named_block(&mut self, pair: Pair<'_, Rule>) -> (StrLit, Vec<Stmt>, Span) {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.string(inner.next().expect("block name"));
        let stmts = inner.map(|s| self.stmt(s)).collect();
        (name, stmts, span)
    }

    fn stmt(&mut self, pair: Pair<'_, Rule>) -> Stmt {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::let_stmt => {
                let mut mutable = false;
                let mut name = None;
                let mut ty = None;
                let mut value = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::mut_kw => mutable = true,
                        Rule::ident => name = Some(self.ident(p)),
                        Rule::expr => value = Some(self.expr(p)),
                        _ => ty = Some(self.type_expr(p)),
                    }
                }
                Stmt::Let {
                    name: name.expect("let has a name"),
                    mutable,
                    ty,
                    value: value.expect("let has a value"),
                    span,
                }
            }
            Rule::expect_stmt => Stmt::Expect {
                expr: self.expr(pair.into_inner().next().expect("expect expr")),
                span,
            },
            Rule::expr_stmt => Stmt::Expr {
                expr: self.expr(pair.into_inner().next().expect("stmt expr")),
                span,
            },
            r => unreachable!("not a statement: {r:?}"),
        }
    }

    fn nfr(&mut self, pair: Pair<'_, Rule>) -> Nfr {
        let span = self.span(&pair);
        let p = pair.into_inner().next().expect("nfr has a form");
        let kind = match p.as_rule() {
            Rule::nfr_text => NfrKind::Text(self.string(p.into_inner().next().expect("nfr text"))),
            Rule::nfr_forbid => {
                NfrKind::Forbid(self.ident(p.into_inner().next().expect("forbid target")))
            }
            Rule::nfr_deps => {
                let mut deps = Vec::new();
                for d in p.into_inner() {
                    let dspan = self.span(&d);
                    let mut it = d.into_inner();
                    let name = self.ident(it.next().expect("dep name"));
                    let version = it.next().map(|v| self.string(v));
                    deps.push(Dep {
                        name,
                        version,
                        span: dspan,
                    });
                }
                NfrKind::Deps(deps)
            }
            Rule::nfr_perf => {
                let mut it = p.into_inner();
                let call = self.expr(it.next().expect("perf call"));
                let d = it.next().expect("perf duration");
                let dspan = self.span(&d);
                let (value, unit) = split_duration(d.as_str());
                NfrKind::Perf {
                    call,
                    budget: Duration {
                        value,
                        unit,
                        span: dspan,
                    },
                }
            }
            Rule::nfr_max_lines => {
                let n = p.into_inner().next().expect("max_lines number");
                let nspan = self.span(&n);
                let digits: String = n.as_str().chars().filter(|c| *c != '_').collect();
                let lines = match digits.parse::<u64>() {
                    Ok(v) => v,
                    Err(_) => {
                        self.error(
                            nspan,
                            Kind::IntTooLarge {
                                literal: n.as_str().to_string(),
                            },
                        );
                        u64::MAX
                    }
                };
                NfrKind::MaxLines { lines, span: nspan }
            }
            Rule::nfr_lint => NfrKind::Lint,
            r => unreachable!("not an nfr: {r:?}"),
        };
        Nfr { kind, span }
    }

    pub(crate) fn type_expr(&mut self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::named_type => {
                let mut it = pair.into_inner();
                // A plain name, or a used module's type by its full name (`net.port.PortError`).
                let name_pair = it.next().expect("type name");
                let name = Ident {
                    name: name_pair.as_str().to_string(),
                    span: self.span(&name_pair),
                };
                match it.next() {
                    Some(args) => {
                        let args = args.into_inner().map(|t| self.type_expr(t)).collect();
                        TypeExpr::Generic { name, args, span }
                    }
                    None => TypeExpr::Named(name),
                }
            }
            Rule::tuple_type => {
                let elems = pair.into_inner().map(|t| self.type_expr(t)).collect();
                TypeExpr::Tuple { elems, span }
            }
            r => unreachable!("not a type: {r:?}"),
        }
    }

    // ----- expressions -----

    /// An `expr` or `expr_no_cmp` pair: a flat list of operands, prefixes and infixes,
    /// folded by precedence climbing.
    /// An outermost expression deeper than `depth::MAX_EXPR_DEPTH` is reported and
    /// replaced by `()`, so that no later stage recurses that deep.
    pub(crate) fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let mut tokens = pair.into_inner().peekable();
        self.expr_nesting += 1;
        let e = self.climb(&mut tokens, 0);
        self.expr_nesting -= 1;
        if self.expr_nesting == 0
            && super::depth::may_be_too_deep(&e)
            && super::depth::expr_depth(&e) > super::depth::MAX_EXPR_DEPTH
        {
            let span = e.span;
            super::depth::dismantle(e);
            self.error(
                span,
                Kind::TooDeep {
                    limit: super::depth::MAX_EXPR_DEPTH,
                },
            );
            return Expr {
                kind: ExprKind::Tuple(Vec::new()),
                span,
            };
        }
        e
    }

    fn climb(&mut self, tokens: &mut std::iter::Peekable<Pairs<'_, Rule>>, min_prec: u8) -> Expr {
        let mut lhs = self.unary(tokens);
        // The operands and operators of a run of comparisons at this level: `a < b < c`
        // is one mistake, said once when the run ends.
        let mut chain: (Vec<Span>, Vec<BinaryOp>) = (Vec::new(), Vec::new());
        // The text the pairs were parsed from, which a chain's hint quotes.
        let mut input = "";
        while let Some(op) = tokens.peek().and_then(|p| binary_op(p.as_rule())) {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            input = tokens.next().expect("peeked").as_span().get_input();
            if op.is_comparison() {
                if chain.0.is_empty() {
                    chain.0.push(lhs.span);
                }
                chain.1.push(op);
            } else {
                self.chained(std::mem::take(&mut chain), input);
            }
            // All binary operators are left-associative; comparisons do not chain.
            let rhs = self.climb(tokens, prec + 1);
            if op.is_comparison() {
                chain.0.push(rhs.span);
            }
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        self.chained(chain, input);
        lhs
    }

    /// Reports a run of two or more comparisons (`operands`, `ops` between them), with
    /// the comparisons apart as its hint: `0 < x < 10` is `0 < x && x < 10`, quoted from
    /// `input`, the text the pairs were parsed from.
    fn chained(&mut self, (operands, ops): (Vec<Span>, Vec<BinaryOp>), input: &str) {
        let (Some(first), Some(last)) = (operands.first(), operands.last()) else {
            return;
        };
        if ops.len() < 2 {
            return;
        }
        let start = self.offset;
        let quoted = |s: &Span| {
            s.start
                .checked_sub(start)
                .zip(s.end.checked_sub(start))
                .and_then(|(a, b)| input.get(a..b))
                .unwrap_or("_")
                .to_string()
        };
        // `f(x) == 1 == true` compares a comparison with a `bool`: that wants brackets.
        let last_text = quoted(last);
        let with_bool = matches!(last_text.as_str(), "true" | "false")
            && matches!(ops.last(), Some(BinaryOp::Eq | BinaryOp::Ne));
        if with_bool {
            let inner = Span::new(first.start, operands[operands.len() - 2].end);
            let op = ops.last().map_or("==", |o| o.symbol());
            let split = format!("({}) {op} {last_text}", quoted(&inner));
            let kind = Kind::ChainedComparison {
                split,
                bracketed: true,
            };
            self.error(first.to(*last), kind);
            return;
        }
        let split = ops
            .iter()
            .zip(operands.windows(2))
            .map(|(op, pair)| format!("{} {} {}", quoted(&pair[0]), op.symbol(), quoted(&pair[1])))
            .collect::<Vec<_>>()
            .join(" && ");
        let kind = Kind::ChainedComparison {
            split,
            bracketed: false,
        };
        self.error(first.to(*last), kind);
    }

    /// Prefix operators and their operand. A loop, not recursion: a long run of `-`
    /// must not exhaust the stack.
    fn unary(&mut self, tokens: &mut std::iter::Peekable<Pairs<'_, Rule>>) -> Expr {
        let mut prefixes = Vec::new();
        let mut operand = loop {
            let p = tokens.next().expect("an operand follows");
            let op = match p.as_rule() {
                Rule::neg => UnaryOp::Neg,
                Rule::not => UnaryOp::Not,
                Rule::postfix_expr => break self.postfix_expr(p),
                r => unreachable!("not an operand: {r:?}"),
            };
            prefixes.push((op, self.span(&p)));
        };
        for (op, start) in prefixes.into_iter().rev() {
            let span = start.to(operand.span);
            // `-9223372036854775808` is a valid `int`; fold a negated literal so it fits.
            if op == UnaryOp::Neg {
                if let ExprKind::Int(None) = operand.kind {
                    if let Some(lit) = self.take_too_large(&operand) {
                        if lit == "9223372036854775808" {
                            operand = Expr {
                                kind: ExprKind::Int(Some(i64::MIN)),
                                span,
                            };
                            continue;
                        }
                        self.error(operand.span, Kind::IntTooLarge { literal: lit });
                    }
                }
            }
            operand = Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
                span,
            };
        }
        operand
    }

    /// Removes the pending "too large" diagnostic for `e`, returning its literal.
    fn take_too_large(&mut self, e: &Expr) -> Option<String> {
        let pos = self
            .diags
            .iter()
            .rposition(|d| d.span == e.span && matches!(d.kind, Kind::IntTooLarge { .. }))?;
        match self.diags.remove(pos).kind {
            Kind::IntTooLarge { literal } => Some(literal.chars().filter(|c| *c != '_').collect()),
            _ => None,
        }
    }

    fn postfix_expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let mut inner = pair.into_inner();
        let mut e = self.primary(inner.next().expect("postfix has a primary"));
        // A `record_lit` pair after a name (see `name_or_record`) or after a path of names
        // is a record literal; after anything else it is an error (below). One path for
        // both: since `record_lit` is also a postfix, it may follow any primary.
        for p in inner {
            let pspan = self.span(&p);
            let span = e.span.to(pspan);
            e = match p.as_rule() {
                Rule::call_args => {
                    let args = p.into_inner().map(|a| self.expr(a)).collect();
                    Expr {
                        kind: ExprKind::Call {
                            callee: Box::new(e),
                            args,
                        },
                        span,
                    }
                }
                Rule::method_call => {
                    let mut it = p.into_inner();
                    let method = self.ident(it.next().expect("method name"));
                    let args = it
                        .next()
                        .expect("method args")
                        .into_inner()
                        .map(|a| self.expr(a))
                        .collect();
                    Expr {
                        kind: ExprKind::MethodCall {
                            receiver: Box::new(e),
                            method,
                            args,
                        },
                        span,
                    }
                }
                Rule::field_access => {
                    let field = self.ident(p.into_inner().next().expect("field name"));
                    Expr {
                        kind: ExprKind::Field {
                            base: Box::new(e),
                            field,
                        },
                        span,
                    }
                }
                Rule::record_lit => {
                    // `P { .. }`, or `a.b.P { .. }`: a record named by its module's path.
                    match dotted(&e) {
                        Some(path) => {
                            let name = Expr {
                                kind: ExprKind::Name(path),
                                span: e.span,
                            };
                            self.record_lit(name, p)
                        }
                        None => {
                            let kind = Kind::Syntax {
                                expected: "a record's name (`P` or `module.path.P`) before `{`"
                                    .into(),
                                found: "an expression".into(),
                                hint: None,
                            };
                            self.error(pspan, kind);
                            e
                        }
                    }
                }
                Rule::index => {
                    let index = self.expr(p.into_inner().next().expect("index expr"));
                    Expr {
                        kind: ExprKind::Index {
                            base: Box::new(e),
                            index: Box::new(index),
                        },
                        span,
                    }
                }
                r => unreachable!("not a postfix: {r:?}"),
            };
        }
        e
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::int => {
                let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
                match digits.parse::<i64>() {
                    Ok(v) => ExprKind::Int(Some(v)),
                    Err(_) => {
                        self.error(
                            span,
                            Kind::IntTooLarge {
                                literal: pair.as_str().to_string(),
                            },
                        );
                        ExprKind::Int(None)
                    }
                }
            }
            Rule::float => {
                let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
                if digits.parse::<f64>().is_ok_and(f64::is_infinite) {
                    let literal = pair.as_str().to_string();
                    self.error(span, Kind::FloatTooLarge { literal });
                }
                ExprKind::Float(pair.as_str().to_string())
            }
            Rule::string => ExprKind::Str(self.string(pair).value),
            Rule::bool_lit => ExprKind::Bool(pair.as_str() == "true"),
            Rule::ident => ExprKind::Name(pair.as_str().to_string()),
            Rule::list_lit => ExprKind::List(pair.into_inner().map(|e| self.expr(e)).collect()),
            Rule::map_lit => ExprKind::Map(
                pair.into_inner()
                    .map(|entry| {
                        let mut it = entry.into_inner();
                        let k = self.expr(it.next().expect("map key"));
                        let v = self.expr(it.next().expect("map value"));
                        (k, v)
                    })
                    .collect(),
            ),
            Rule::paren_or_tuple => {
                let mut elems = Vec::new();
                let mut trailing = false;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::trailing_comma => trailing = true,
                        _ => elems.push(self.expr(p)),
                    }
                }
                if elems.len() == 1 && !trailing {
                    ExprKind::Paren(Box::new(elems.pop().expect("one element")))
                } else {
                    ExprKind::Tuple(elems)
                }
            }
            r => unreachable!("not a primary: {r:?}"),
        };
        Expr { kind, span }
    }
}

impl Lowerer {
    /// The record literal made of the name `name` (a lowered `ident`) and the braces after
    /// it (a `record_lit` pair).
    fn record_lit(&mut self, name: Expr, body: Pair<'_, Rule>) -> Expr {
        let ExprKind::Name(text) = name.kind else {
            unreachable!("a record literal follows a name")
        };
        let name = Ident {
            name: text,
            span: name.span,
        };
        let span = name.span.to(self.span(&body));
        let fields = body
            .into_inner()
            .map(|f| {
                let mut fi = f.into_inner();
                let n = self.ident(fi.next().expect("field name"));
                let v = self.expr(fi.next().expect("field value"));
                (n, v)
            })
            .collect();
        Expr {
            kind: ExprKind::Record { name, fields },
            span,
        }
    }
}

/// `a.b.P` as `"a.b.P"`, when the expression is only a name and field accesses.
fn dotted(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Field { base, field } => Some(format!("{}.{}", dotted(base)?, field.name)),
        _ => None,
    }
}

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::or => BinaryOp::Or,
        Rule::and => BinaryOp::And,
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::lt => BinaryOp::Lt,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::ge => BinaryOp::Ge,
        Rule::add => BinaryOp::Add,
        Rule::sub => BinaryOp::Sub,
        Rule::mul => BinaryOp::Mul,
        Rule::div => BinaryOp::Div,
        Rule::rem => BinaryOp::Rem,
        _ => return None,
    })
}

/// Splits `2ms` into `("2", "ms")` and `1.5e3us` into `("1.5e3", "us")`.
fn split_duration(text: &str) -> (String, String) {
    // An `e` directly followed by a digit (or sign and digit) is an exponent.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() || b == b'.' || b == b'_' {
            i += 1;
        } else if (b == b'e' || b == b'E')
            && bytes.get(i + 1).is_some_and(|n| {
                n.is_ascii_digit()
                    || ((*n == b'+' || *n == b'-')
                        && bytes.get(i + 2).is_some_and(u8::is_ascii_digit))
            })
        {
            i += 2;
        } else {
            break;
        }
    }
    (text[..i].to_string(), text[i..].to_string())
}

/// The length of `text` without its trailing white space and `//` comments.
fn code_len(text: &str) -> usize {
    let is_trivia = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = text.as_bytes();
    // Only the last line of what is left after trailing white space can end in a comment:
    // when it holds no `/`, trimming is all there is to do (and the scan below, which
    // reads the whole text, is not needed). One backward pass over bytes: this runs for
    // every node of every file.
    let trimmed = bytes
        .iter()
        .rposition(|&b| !is_trivia(b))
        .map_or(0, |i| i + 1);
    let last_line = &bytes[..trimmed];
    if !last_line
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .any(|&b| b == b'/')
    {
        return trimmed;
    }
    let mut end = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = super::comments::skip_string(bytes, i);
                end = i;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = super::comments::skip_comment(bytes, i);
            }
            b if is_trivia(b) => i += 1,
            _ => {
                i += 1;
                end = i;
            }
        }
    }
    end
}

/// Documentation text: the first line as written, every later line without its leading
/// white space, trailing white space and blank edges removed.
pub(crate) fn normalize_doc(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .split('\n')
        .enumerate()
        .map(|(i, l)| if i == 0 { l.trim_end() } else { l.trim() })
        .collect();
    lines.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_split_at_the_unit() {
        assert_eq!(split_duration("2ms"), ("2".into(), "ms".into()));
        assert_eq!(split_duration("1.5e3us"), ("1.5e3".into(), "us".into()));
        assert_eq!(split_duration("10"), ("10".into(), "".into()));
        assert_eq!(split_duration("3s"), ("3".into(), "s".into()));
    }

    #[test]
    fn spans_end_at_the_last_code_byte() {
        assert_eq!(code_len(""), 0);
        assert_eq!(code_len(" \n"), 0);
        assert_eq!(code_len("a\n// c\n"), 1);
        assert_eq!(code_len("a / b\nc // d"), 7);
        assert_eq!(code_len("é  "), 2);
        assert_eq!(code_len("f()   // c\n  "), 3);
        assert_eq!(code_len("\"a // b\"  "), 8);
        assert_eq!(code_len("a / b\n"), 5);
        assert_eq!(code_len("x \t\r\n"), 1);
    }

    /// `code_len` as first written (trim, then a whole scan when the last line holds a
    /// `/`): the faster one must agree with it.
    fn code_len_reference(text: &str) -> usize {
        let trimmed = text.trim_end_matches([' ', '\t', '\r', '\n']);
        let last_line = trimmed.rfind('\n').map_or(trimmed, |i| &trimmed[i..]);
        if !last_line.contains('/') {
            return trimmed.len();
        }
        let bytes = text.as_bytes();
        let (mut end, mut i) = (0, 0);
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    i = super::super::comments::skip_string(bytes, i);
                    end = i;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = crate::syntax::comments::skip_comment(bytes, i);
                }
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                _ => {
                    i += 1;
                    end = i;
                }
            }
        }
        end
    }

    #[test]
    fn code_len_agrees_with_its_reference_on_every_short_text() {
        let alphabet = ['a', ' ', '\n', '/', '"', '\t', '\r', 'é'];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            // Every text one character longer than the last round's.
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for t in &longer {
                assert_eq!(code_len(t), code_len_reference(t), "{t:?}");
            }
            texts = longer;
        }
        assert_eq!(texts.len(), alphabet.len().pow(6));
    }

    #[test]
    fn doc_continuation_indent_is_not_significant() {
        assert_eq!(normalize_doc("a\n     b  \n"), "a\nb");
        assert_eq!(normalize_doc("  a"), "a");
    }
}
