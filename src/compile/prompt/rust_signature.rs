//! Rust spellings of spec types and signatures, as the prompt shows them next to each
//! function's contracts (the rules are those of the generated crate: docs/cli.md).

use crate::check::{Function, Ty};

/// The Rust signature of a function or method, without a body:
/// `pub fn get(&mut self, key: &str) -> Option<String>`.
pub fn signature(func: &Function, module: &str) -> String {
    let mut params = Vec::with_capacity(func.params.len() + 1);
    match func.receiver {
        Some(true) => params.push("&mut self".to_string()),
        Some(false) => params.push("&self".to_string()),
        None => {}
    }
    for (name, ty) in &func.params {
        params.push(format!("{}: {}", ident(name), param_type(ty, module)));
    }
    let ret = match &func.ret {
        Ty::Unit => String::new(),
        Ty::Named(r) if func.owner.as_deref() == Some(r.name.as_str()) && r.module == module => {
            " -> Self".to_string()
        }
        ty => format!(" -> {}", owned_type(ty, module)),
    };
    format!("pub fn {}({}){ret}", ident(&func.name), params.join(", "))
}

/// A spec name as a Rust identifier: Rust keywords that ghost allows become raw.
fn ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "enum",
        "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
        "match", "mod", "move", "mut", "priv", "pub", "ref", "return", "static", "struct", "trait",
        "true", "try", "type", "unsafe", "use", "where", "while", "yield", "abstract", "become",
        "do", "override", "typeof", "unsized", "virtual",
    ];
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// A parameter's type: `str`, `bytes`, `list<T>` and `map<K, V>` are borrowed.
fn param_type(ty: &Ty, module: &str) -> String {
    match ty {
        Ty::Str => "&str".into(),
        Ty::Bytes => "&[u8]".into(),
        Ty::List(item) => format!("&[{}]", owned_type(item, module)),
        Ty::Map(..) => format!("&{}", owned_type(ty, module)),
        _ => owned_type(ty, module),
    }
}

/// A result's (or a nested) type: always owned.
fn owned_type(ty: &Ty, module: &str) -> String {
    match ty {
        Ty::Unit => "()".into(),
        Ty::Bool => "bool".into(),
        Ty::Int => "i64".into(),
        Ty::Float => "f64".into(),
        Ty::Str => "String".into(),
        Ty::Bytes => "Vec<u8>".into(),
        Ty::List(item) => format!("Vec<{}>", owned_type(item, module)),
        Ty::Map(k, v) => format!(
            "BTreeMap<{}, {}>",
            owned_type(k, module),
            owned_type(v, module)
        ),
        Ty::Option(inner) => format!("Option<{}>", owned_type(inner, module)),
        Ty::Result(ok, err) => {
            format!(
                "Result<{}, {}>",
                owned_type(ok, module),
                owned_type(err, module)
            )
        }
        Ty::Tuple(items) if items.len() == 1 => format!("({},)", owned_type(&items[0], module)),
        Ty::Tuple(items) => {
            let items: Vec<String> = items.iter().map(|t| owned_type(t, module)).collect();
            format!("({})", items.join(", "))
        }
        Ty::Named(r) if r.module == module => r.name.clone(),
        Ty::Named(r) => format!("crate::{}::{}", r.module.replace('.', "::"), r.name),
    }
}
