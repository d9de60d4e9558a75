//! Hand-built checked models of the specs in `tests/fixtures/valid/`, as the checker
//! will produce them (used until the checker fills `check::check`).

use super::build::*;
use ghost::check::*;
use ghost::syntax::ast::BinaryOp;

pub fn slug() -> ModuleModel {
    let m = "text.slug";
    let (slugify, mut f) = func(
        m,
        None,
        None,
        "slugify",
        &[("title", Ty::Str)],
        Ty::Str,
        "fn slugify(title: str) -> str",
    );
    f.doc = Some("Lowercase ASCII letters and digits. Every other run of characters becomes one '-'.\nNo leading or trailing '-'.".into());
    f.examples = vec![
        contract(
            eq(call(&slugify, vec![s("Hello, World!")]), s("hello-world")),
            "example slugify(\"Hello, World!\") == \"hello-world\"",
        ),
        contract(
            eq(call(&slugify, vec![s("  --Rust 2024-- ")]), s("rust-2024")),
            "example slugify(\"  --Rust 2024-- \") == \"rust-2024\"",
        ),
        contract(
            eq(call(&slugify, vec![s("")]), s("")),
            "example slugify(\"\") == \"\"",
        ),
    ];
    f.ensures = vec![contract(
        bin(
            BinaryOp::Le,
            len(result(Ty::Str)),
            len(local("title", Ty::Str)),
        ),
        "ensures len(result) <= len(title)",
    )];
    let sv = || local("s", Ty::Str);
    f.properties = vec![property(
        Some("idempotent"),
        vec![binder("s", Ty::Str, None)],
        eq(
            call(&slugify, vec![call(&slugify, vec![sv()])]),
            call(&slugify, vec![sv()]),
        ),
        "property idempotent: forall s: str => slugify(slugify(s)) == slugify(s)",
    )];
    let mut module = module(m, "URL slugs from free-form titles.");
    module.functions = vec![f];
    let repeat = builtin(Builtin::Repeat, vec![s("Ab c"), int(2500)], Ty::Str);
    module.nfrs = vec![
        nfr(
            NfrModel::Text("Never panics, whatever the input.".into()),
            "nfr \"Never panics, whatever the input.\"",
        ),
        nfr(NfrModel::ForbidUnsafe, "nfr forbid unsafe"),
        nfr(NfrModel::Deps(vec![]), "nfr deps []"),
        nfr(
            NfrModel::Perf {
                call: call(&slugify, vec![repeat]),
                budget_ns: 2_000_000,
            },
            "nfr perf slugify(repeat(\"Ab c\", 2500)) < 2ms",
        ),
    ];
    module
}

pub fn port() -> ModuleModel {
    let m = "net.port";
    let pe = named(m, "PortError", DeclKind::Error);
    let pet = Ty::Named(pe.clone());
    let ret = Ty::Result(Box::new(Ty::Int), Box::new(pet.clone()));
    let (pp, mut f) = func(
        m,
        None,
        None,
        "parse_port",
        &[("s", Ty::Str)],
        ret,
        "fn parse_port(s: str) -> result<int, PortError>",
    );
    f.doc = Some(
        "Accepts decimal digits with optional surrounding ASCII whitespace; 1..=65535.".into(),
    );
    f.requires = vec![contract(
        bin(BinaryOp::Lt, len(local("s", Ty::Str)), int(100)),
        "requires len(s) < 100",
    )];
    let ex = |input: &str, expected: TExpr, src: &str| {
        contract(eq(call(&pp, vec![s(input)]), expected), src)
    };
    f.examples = vec![
        ex(
            "80",
            ok(int(80), pet.clone()),
            "example parse_port(\"80\") == ok(80)",
        ),
        ex(
            " 8080 ",
            ok(int(8080), pet.clone()),
            "example parse_port(\" 8080 \") == ok(8080)",
        ),
        ex(
            "",
            err(variant(&pe, "Empty", vec![]), Ty::Int),
            "example parse_port(\"\") == err(PortError.Empty)",
        ),
        ex(
            "http",
            err(variant(&pe, "NotANumber", vec![s("http")]), Ty::Int),
            "example parse_port(\"http\") == err(PortError.NotANumber(\"http\"))",
        ),
        ex(
            "70000",
            err(variant(&pe, "OutOfRange", vec![int(70000)]), Ty::Int),
            "example parse_port(\"70000\") == err(PortError.OutOfRange(70000))",
        ),
    ];
    let n = || local("n", Ty::Int);
    f.properties = vec![property(
        None,
        vec![binder("n", Ty::Int, Some((int(1), int(65536))))],
        eq(
            call(&pp, vec![builtin(Builtin::ToStr, vec![n()], Ty::Str)]),
            ok(n(), pet.clone()),
        ),
        "property forall n: int in 1..65536 => parse_port(to_str(n)) == ok(n)",
    )];
    let mut module = module(m, "Parse TCP port numbers.");
    module.enums = vec![enum_decl(
        "PortError",
        true,
        vec![
            ("Empty", vec![]),
            ("NotANumber", vec![Ty::Str]),
            ("OutOfRange", vec![Ty::Int]),
        ],
    )];
    module.functions = vec![f];
    module
}

pub fn lru() -> ModuleModel {
    let m = "cache.lru";
    let lt = named(m, "LruCache", DeclKind::Opaque);
    let lty = Ty::Named(lt.clone());
    let (new, mut fnew) = func(
        m,
        Some("LruCache"),
        None,
        "new",
        &[("capacity", Ty::Int)],
        lty.clone(),
        "fn new(capacity: int) -> LruCache",
    );
    fnew.requires = vec![contract(
        bin(BinaryOp::Gt, local("capacity", Ty::Int), int(0)),
        "requires capacity > 0",
    )];
    let ostr = Ty::Option(Box::new(Ty::Str));
    let (get, fget) = func(
        m,
        Some("LruCache"),
        Some(true),
        "get",
        &[("key", Ty::Str)],
        ostr,
        "fn get(mut self, key: str) -> option<str>",
    );
    let (put, fput) = func(
        m,
        Some("LruCache"),
        Some(true),
        "put",
        &[("key", Ty::Str), ("value", Ty::Str)],
        Ty::Unit,
        "fn put(mut self, key: str, value: str)",
    );
    let (lenm, flen) = func(
        m,
        Some("LruCache"),
        Some(false),
        "len",
        &[],
        Ty::Int,
        "fn len(self) -> int",
    );
    let c = || local("c", lty.clone());
    let steps = vec![
        Step::Let {
            name: "c".into(),
            mutable: true,
            value: call(&new, vec![int(2)]),
        },
        Step::Do {
            expr: mcall(c(), &put, vec![s("a"), s("1")]),
        },
        Step::Do {
            expr: mcall(c(), &put, vec![s("b"), s("2")]),
        },
        Step::Expect {
            expr: eq(mcall(c(), &get, vec![s("a")]), some(s("1"))),
            source: "expect c.get(\"a\") == some(\"1\")".into(),
        },
        Step::Do {
            expr: mcall(c(), &put, vec![s("c"), s("3")]),
        },
        Step::Expect {
            expr: eq(mcall(c(), &get, vec![s("b")]), none(Ty::Str)),
            source: "expect c.get(\"b\") == none".into(),
        },
        Step::Expect {
            expr: eq(mcall(c(), &lenm, vec![]), int(2)),
            source: "expect c.len() == 2".into(),
        },
    ];
    let mut module = module(
        m,
        "A bounded string map that evicts the least recently used entry.",
    );
    module.uses = vec!["text.slug".into()];
    module.types = vec![opaque("LruCache", vec![fnew, fget, fput, flen])];
    module.scenarios = vec![scenario(
        "evicts the least recently used entry",
        steps,
        "scenario \"evicts the least recently used entry\" { ... }",
    )];
    module.snapshots = vec![snapshot(
        "debug view",
        vec![],
        call(&new, vec![int(3)]),
        "snapshot \"debug view\" { LruCache.new(3) }",
    )];
    module.nfrs = vec![nfr(
        NfrModel::Text("get and put are O(1).".into()),
        "nfr \"get and put are O(1).\"",
    )];
    module
}

/// The three valid fixtures as one project, in dependency order.
pub fn project() -> Project {
    Project {
        modules: vec![port(), slug(), lru()],
    }
}
