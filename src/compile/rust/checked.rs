//! The `checked` module of a test file: for every function and method with `requires`
//! or `ensures`, a wrapper with the same signature that
//! - fails the test when its inputs break a `requires` (in an example or a scenario that
//!   is a mistake of the spec, and the message says so),
//! - calls the implementation, asserts every `ensures` on the result and the inputs, and
//!   returns the result;
//!
//! and, when it has `requires`, an `__0p__` variant that rejects such inputs instead
//! (`prop_assume!` semantics: proptest draws other inputs).

use super::expr::{checked_name, in_property_name, CallMode, ExprCtx};
use super::names::{ident, module_path, str_lit};
use super::types::{is_borrowed_param, is_clone, is_copy, TypeCtx};
use crate::check::{Function, ModuleModel, Ty};

/// How a generated test says an example or scenario broke its function's `requires`: the
/// build reads it to tell a spec's fault from the code's.
pub const PRECONDITION_BROKEN: &str = "the spec breaks its own precondition";

/// The `mod checked { ... }` block, or an empty string when nothing needs checking: the
/// wrappers of the module's own functions with contracts and of those of the modules it
/// uses (`used`), which its tests may call too.
pub fn checked_module(module: &ModuleModel, used: &[&ModuleModel], root: &str) -> String {
    let wrappers: Vec<String> = std::iter::once(module)
        .chain(used.iter().copied())
        .flat_map(|owner| {
            owner
                .functions_and_methods()
                .filter(|f| !f.requires.is_empty() || !f.ensures.is_empty())
                .map(move |f| wrapper(owner, &module.name, root, f))
        })
        .collect();
    if wrappers.is_empty() {
        return String::new();
    }
    format!(
        "/// Calls through which the tests check `requires` and `ensures`.\n#[allow(dead_code, non_snake_case)]\nmod checked {{\n    use super::*;\n{}}}\n",
        wrappers.join("")
    )
}

/// The wrapper of `f`, a function of `module`, in the tests of `test_module` (the types
/// are named as that file sees them).
fn wrapper(module: &ModuleModel, test_module: &str, root: &str, f: &Function) -> String {
    let types = TypeCtx {
        module: test_module,
        root,
    };
    let mut cx = ExprCtx::new(types, module, CallMode::Direct);
    cx.qualify_own = true;
    let mut params = Vec::new();
    // (name as the message shows it, Rust expression) of every input that can be shown.
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut call_args = Vec::new();
    if let Some((_, Some(borrowed))) = types.receiver(&module.name, f) {
        params.push(format!("__this: {borrowed}"));
        cx.bind("self", "__this", false);
        shown.push(("self".into(), "__this".into()));
    }
    let mut moved = Vec::new();
    for (name, ty) in &f.params {
        let var = ident(name);
        params.push(format!("{var}: {}", types.param(ty)));
        cx.bind(name, &var, is_borrowed_param(ty));
        if is_borrowed_param(ty) || is_copy(ty) {
            call_args.push(var.clone());
        } else if is_clone(ty) {
            call_args.push(format!("{var}.clone()"));
        } else {
            call_args.push(var.clone());
            moved.push(name.clone());
            continue;
        }
        shown.push((name.clone(), var));
    }
    let ret = types.owned(&f.ret);
    let name = checked_name(test_module, &module.name, f.owner.as_deref(), &f.name);
    let inputs_fmt: Vec<String> = shown.iter().map(|(n, _)| format!("{n} = {{:?}}")).collect();
    let inputs_fmt = inputs_fmt.join(", ");
    let inputs_args: String = shown
        .iter()
        .map(|(_, v)| format!(",\n            {v}"))
        .collect();
    // A used module's function is named in its messages: the test failing is another
    // module's, whose own functions they would otherwise seem to be.
    let of = if module.name == test_module {
        String::new()
    } else {
        let path = match &f.owner {
            Some(owner) => format!("{}.{owner}.{}", module.name, f.name),
            None => format!("{}.{}", module.name, f.name),
        };
        format!(" of `{path}`")
    };
    let mut out = format!("\n    /// `{}`\n", f.signature_source.replace('`', "'"));
    out.push_str(&format!(
        "    pub fn {name}({}) -> {ret} {{\n",
        params.join(", ")
    ));
    for req in &f.requires {
        out.push_str(&format!(
            "        assert!(\n            {},\n            \"{PRECONDITION_BROKEN}: `{{}}`{of} does not hold for {inputs_fmt}; fix the example or scenario\",\n            {}{inputs_args}\n        );\n",
            cx.owned(&req.expr),
            str_lit(&req.source)
        ));
    }
    let callee = match (&f.owner, f.receiver) {
        (_, Some(_)) => format!("__this.{}", ident(&f.name)),
        (Some(owner), None) => {
            format!(
                "{}::{}::{}",
                module_path(root, &module.name),
                ident(owner),
                ident(&f.name)
            )
        }
        (None, None) => format!("{}::{}", module_path(root, &module.name), ident(&f.name)),
    };
    out.push_str(&format!(
        "        let result: {ret} = {callee}({});\n",
        call_args.join(", ")
    ));
    cx.result = Some(super::expr::Local {
        code: "result".into(),
        borrowed: false,
    });
    for ens in &f.ensures {
        out.push_str(&format!(
            "        assert!(\n            {},\n            \"`{{}}`{of} does not hold for {inputs_fmt}{}result = {{:?}}\",\n            {}{inputs_args},\n            result\n        );\n",
            cx.owned(&ens.expr),
            if shown.is_empty() { "" } else { ", " },
            str_lit(&ens.source)
        ));
    }
    out.push_str("        result\n    }\n");
    if !f.requires.is_empty() {
        let names: Vec<String> = {
            let mut v = Vec::new();
            if f.receiver.is_some() {
                v.push("__this".to_string());
            }
            v.extend(f.params.iter().map(|(n, _)| ident(n)));
            v
        };
        out.push_str(&format!(
            "\n    pub fn {}({}) -> Result<{ret}, proptest::test_runner::TestCaseError> {{\n",
            in_property_name(&name),
            params.join(", ")
        ));
        for req in &f.requires {
            out.push_str(&format!(
                "        if !({}) {{\n            return Err(proptest::test_runner::TestCaseError::reject({}));\n        }}\n",
                cx.owned(&req.expr),
                str_lit(&req.source)
            ));
        }
        out.push_str(&format!(
            "        Ok({name}({}))\n    }}\n",
            names.join(", ")
        ));
    }
    let _ = (moved, Ty::Unit);
    out
}
