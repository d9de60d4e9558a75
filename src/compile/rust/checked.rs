//! The `checked` module of a test file: for every function and method with `requires`
//! or `ensures`, a wrapper with the same signature that
//! - fails the test when its inputs break a `requires` (called so only where the spec made
//!   every argument a clause reads: that is a mistake of the spec, and the message says so),
//! - calls the implementation, asserts every `ensures` on the result and the inputs, and
//!   returns the result;
//!
//! and, when it has `requires`, two variants told who made the arguments each clause
//! reads (`__By`, decided by `blame.rs`): `__0b__` for examples and scenarios, whose
//! failure blames the spec or the code, and `__0p__` for properties, which also discards
//! a case of the property's own inputs (`prop_assume!` semantics: proptest draws others);
//! and, for a function an `ensures` of its module calls, `__0c__`, through which that
//! clause's calls check its `requires` and say that the clause broke one.

use super::blame::locals;
use super::expr::{
    blamed_name, checked_name, in_clause_name, in_property_name, in_requires_name, CallMode,
    ExprCtx, InClause,
};
use super::names::{ident, module_path, str_lit};
use super::types::{is_borrowed_param, is_copy, TypeCtx};
use crate::check::{Function, ModuleModel, TExpr, TExprKind};
use std::collections::BTreeSet;

/// How a generated test says an example, scenario or timing broke its function's `requires`: the
/// build reads it to tell a spec's fault from the code's.
pub const PRECONDITION_BROKEN: &str = "the spec breaks its own precondition";

/// How a generated test says an `ensures` called a function of its module with arguments
/// that function's `requires` refuses (`ensures f(result) > 0` beside `requires x > 0`,
/// for a result of 0): the clause cannot judge that result, which no `ghost check` sees
/// (the arguments are the code's values). The build reads it as a possible fault of the
/// spec, as a `requires` that calls the code: it stops when two attempts in a row hit it.
pub const CLAUSE_CALL_BROKEN: &str = "the spec's clause calls a function outside its precondition";

/// The `mod checked { ... }` block, or an empty string when nothing needs checking: the
/// wrappers of the module's own functions with contracts and of those of the modules it
/// uses (`used`), which its tests may call too.
pub fn checked_module(module: &ModuleModel, used: &[&ModuleModel], root: &str) -> String {
    let all: Vec<&ModuleModel> = std::iter::once(module)
        .chain(used.iter().copied())
        .collect();
    let in_clauses = called_in_clauses(&all, |f| &f.ensures);
    let in_requires = called_in_clauses(&all, |f| &f.requires);
    let wrappers: Vec<String> = all
        .iter()
        .flat_map(|owner| {
            let wrapped = Wrapped {
                module: owner,
                reached: clause_reach(owner, &all),
                in_clauses: &in_clauses,
                in_requires: &in_requires,
            };
            owner
                .functions_and_methods()
                .filter(|f| !f.requires.is_empty() || !f.ensures.is_empty())
                .map(move |f| wrapper(&wrapped, &module.name, root, f))
                .collect::<Vec<_>>()
        })
        .collect();
    if wrappers.is_empty() {
        return String::new();
    }
    let has_requires = std::iter::once(module)
        .chain(used.iter().copied())
        .any(|m| m.functions_and_methods().any(|f| !f.requires.is_empty()));
    let by = if has_requires {
        BY.replace("@PRECONDITION_BROKEN@", PRECONDITION_BROKEN)
    } else {
        String::new()
    };
    format!(
        "/// Calls through which the tests check `requires` and `ensures`.\n#[allow(dead_code, non_snake_case)]\nmod checked {{\n    use super::*;\n{by}{}}}\n",
        wrappers.join("")
    )
}

/// The module whose functions get wrappers, with what their `ensures` may check.
struct Wrapped<'m> {
    module: &'m ModuleModel,
    /// The modules it uses whose wrappers the test file holds (see [`clause_reach`]).
    reached: Vec<&'m ModuleModel>,
    /// The functions (module, owner, name) that get a `__0c__` variant.
    in_clauses: &'m BTreeSet<(String, Option<String>, String)>,
    /// The functions (module, owner, name) that get a `__0q__` variant.
    in_requires: &'m BTreeSet<(String, Option<String>, String)>,
}

/// The wrapper of `f`, a function of `wrapped.module`, in the tests of `test_module` (the
/// types are named as that file sees them).
fn wrapper(wrapped: &Wrapped, test_module: &str, root: &str, f: &Function) -> String {
    let module = wrapped.module;
    let types = TypeCtx {
        module: test_module,
        root,
    };
    // A call in an `ensures` of a function of a module it uses goes through that
    // function's `__0c__` variant too, when the file holds it.
    let mut cx = ExprCtx::new(types, module, CallMode::Direct).using(&wrapped.reached);
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
    for (name, ty) in &f.params {
        let var = ident(name);
        params.push(format!("{var}: {}", types.param(ty)));
        cx.bind(name, &var, is_borrowed_param(ty));
        // A value passed by value is a copy, kept for the `ensures` that read it and for
        // the messages. An opaque `type` inside one is `Clone` too: its tests require it
        // of every type passed so (`types::passed_by_value`). Moving it into the call
        // left `ensures result == b.size()` reading a moved value, and the tests did not
        // compile, whatever the code.
        if is_borrowed_param(ty) || is_copy(ty) {
            call_args.push(var.clone());
        } else {
            call_args.push(format!("{var}.clone()"));
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
    let path = match &f.owner {
        Some(owner) => format!("{}.{owner}.{}", module.name, f.name),
        None => format!("{}.{}", module.name, f.name),
    };
    let of = if module.name == test_module {
        String::new()
    } else {
        format!(" of `{path}`")
    };
    // How the blamed variants' messages name the function: as the spec calls it.
    let of_path = if module.name == test_module {
        match &f.owner {
            Some(owner) => format!("{owner}.{}", f.name),
            None => f.name.clone(),
        }
    } else {
        path
    };
    // Called by an `ensures` of a function in this file (`ensures f(result) > 0`): a
    // variant for those calls, which checks `requires` naming the clause that broke it.
    let called_in_clause = !f.requires.is_empty()
        && wrapped
            .in_clauses
            .contains(&(module.name.clone(), f.owner.clone(), f.name.clone()));
    // Its `requires` check those of the functions they call, one level deep (the
    // `__0q__` variants check theirs calling directly: clauses may call each other).
    let mut req_cx = cx.clone();
    req_cx.in_requires = true;
    let mut out = format!("\n    /// `{}`\n", f.signature_source.replace('`', "'"));
    out.push_str(&format!(
        "    pub fn {name}({}) -> {ret} {{\n",
        params.join(", ")
    ));
    for req in &f.requires {
        out.push_str(&format!(
            "        assert!(\n            {},\n            \"{PRECONDITION_BROKEN}: `{{}}`{of} does not hold for {inputs_fmt}; fix the example, scenario or timing that calls it\",\n            {}{inputs_args}\n        );\n",
            req_cx.requires_holds(&req.expr),
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
        moved: false,
    });
    // An `ensures` names its function, as the spec calls it: a test can call several
    // (`f(g(x))` in a property, a scenario's steps), and the clause alone does not say
    // whose result broke it.
    let whose = format!(" of `{of_path}`");
    let comma = if shown.is_empty() { "" } else { ", " };
    // What the messages of an `ensures`'s checked calls say the clause was checking: a
    // closure, formatted only when such a call fails (a property runs the clause for
    // hundreds of cases, each paying for the text when it was a `String`). Made at each
    // call, so that it borrows the inputs and `result` for that call alone.
    let inline_args = shown
        .iter()
        .map(|(_, v)| format!(", {v}"))
        .collect::<String>();
    let for_text =
        format!("&|| format!(\"{inputs_fmt}{comma}result = {{:?}}\"{inline_args}, result)");
    for ens in &f.ensures {
        let mut clause_cx = cx.clone();
        clause_cx.in_clause = Some(InClause {
            label: str_lit(&format!("`{}`{whose}", ens.source)),
            inputs: for_text.clone(),
        });
        out.push_str(&format!(
            "        assert!(\n            {},\n            \"`{{}}`{whose} does not hold for {inputs_fmt}{comma}result = {{:?}}\",\n            {}{inputs_args},\n            result\n        );\n",
            clause_cx.ensures_holds(&ens.expr),
            str_lit(&ens.source)
        ));
    }
    out.push_str("        result\n    }\n");
    if !f.requires.is_empty() {
        out.push_str(&blamed_variants(
            f, &req_cx, &name, &params, &shown, &of_path,
        ));
    }
    let call = format!("{callee}({})", call_args.join(", "));
    let called_in_requires = !f.requires.is_empty()
        && wrapped
            .in_requires
            .contains(&(module.name.clone(), f.owner.clone(), f.name.clone()));
    if called_in_requires {
        out.push_str(&format!(
            "\n    pub fn {}({}) -> Option<{ret}> {{\n",
            in_requires_name(&name),
            params.join(", ")
        ));
        for req in &f.requires {
            out.push_str(&format!(
                "        if !({}) {{\n            return None;\n        }}\n",
                cx.requires_holds(&req.expr)
            ));
        }
        out.push_str(&format!("        Some({call})\n    }}\n"));
    }
    if called_in_clause {
        out.push_str(&in_clause_variant(
            f,
            &req_cx,
            &name,
            &params,
            (&inputs_fmt, &inputs_args),
            &call,
            &of_path,
        ));
    }
    out
}

/// The modules of `all` (those whose wrappers a test file holds) that `module` uses: the
/// calls of their functions in its `ensures` can check their `requires`. A module it uses
/// that the file's own module does not is not there, and its calls stay direct.
fn clause_reach<'m>(module: &ModuleModel, all: &[&'m ModuleModel]) -> Vec<&'m ModuleModel> {
    all.iter()
        .copied()
        .filter(|m| module.uses.contains(&m.name))
        .collect()
}

/// The functions with `requires` that `clause`, an `ensures` of a function of `module`,
/// calls, among `module`'s and those of `reached`, as (module, owner, name).
fn clause_callees(
    module: &ModuleModel,
    reached: &[&ModuleModel],
    clause: &TExpr,
) -> BTreeSet<(String, Option<String>, String)> {
    let mut out = BTreeSet::new();
    clause.any(&mut |e| {
        if let TExprKind::Call { func, .. } | TExprKind::MethodCall { func, .. } = &e.kind {
            let declared = std::iter::once(module)
                .chain(reached.iter().copied())
                .find_map(|m| m.function(func));
            if declared.is_some_and(|g| !g.requires.is_empty()) {
                out.insert((func.module.clone(), func.owner.clone(), func.name.clone()));
            }
        }
        false
    });
    out
}

/// The functions of `all` (the modules whose wrappers a test file holds) that a clause
/// (`clauses`: the `ensures`, or the `requires`) of one of them calls and that have
/// `requires`: each gets a `__0c__` variant, or a `__0q__` one.
fn called_in_clauses(
    all: &[&ModuleModel],
    clauses: impl Fn(&Function) -> &[crate::check::Contract],
) -> BTreeSet<(String, Option<String>, String)> {
    let mut out = BTreeSet::new();
    for module in all {
        let reached = clause_reach(module, all);
        for f in module.functions_and_methods() {
            for clause in clauses(f) {
                out.extend(clause_callees(module, &reached, &clause.expr));
            }
        }
    }
    out
}

/// The `__0c__` variant of the wrapper `name` of `f`, for the calls an `ensures` of its
/// module makes: it checks each `requires` clause and, when one does not hold, fails the
/// test as the spec's clause calling `f` outside its precondition ([`CLAUSE_CALL_BROKEN`]),
/// naming the clause (`__clause`), the call's inputs and those of the call the clause
/// judged (`__for`, formatted only then); otherwise it calls the implementation (`call`), as the clause did
/// before: a contract's own calls assert no `ensures`, which could call back.
fn in_clause_variant(
    f: &Function,
    cx: &ExprCtx,
    name: &str,
    params: &[String],
    (inputs_fmt, inputs_args): (&str, &str),
    call: &str,
    func: &str,
) -> String {
    let mut all_params = vec![
        "__clause: &str".to_string(),
        "__for: &dyn Fn() -> String".to_string(),
    ];
    all_params.extend(params.iter().cloned());
    let mut out = format!(
        "\n    pub fn {}({}) -> {} {{\n",
        in_clause_name(name),
        all_params.join(", "),
        cx.types.owned(&f.ret)
    );
    let inputs_args = inputs_args.replace("\n            ", "\n                ");
    let inputs = if inputs_fmt.is_empty() {
        "its arguments"
    } else {
        inputs_fmt
    };
    for req in &f.requires {
        out.push_str(&format!(
            "        if !({}) {{\n            panic!(\n                \"{{}} calls `{func}` with {inputs}, which breaks `{func}`'s `{{}}` (for {{}}): {CLAUSE_CALL_BROKEN}, so the clause cannot judge this result: if the function it belongs to may return it, guard the call in the clause (`.. || {func}(..)`); if it may not, say so in an `ensures` before this one\",\n                __clause{inputs_args},\n                {},\n                __for()\n            );\n        }}\n",
            cx.requires_holds(&req.expr),
            str_lit(&req.source),
        ));
    }
    out.push_str(&format!("        {call}\n    }}\n"));
    out
}

/// The `__0p__` (property) and `__0b__` (example, scenario) variants of the wrapper
/// `name` of `f`, which check each `requires` clause and say whose mistake a broken one
/// is by the `__By` the call gives for it, then call the wrapper.
fn blamed_variants(
    f: &Function,
    cx: &ExprCtx,
    name: &str,
    params: &[String],
    shown: &[(String, String)],
    func: &str,
) -> String {
    let mut args: Vec<String> = Vec::new();
    if f.receiver.is_some() {
        args.push("__this".to_string());
    }
    args.extend(f.params.iter().map(|(n, _)| ident(n)));
    let args = args.join(", ");
    let mut all_params = vec!["__by: &[__By]".to_string()];
    all_params.extend(params.iter().cloned());
    let all_params = all_params.join(", ");
    let ret = cx.types.owned(&f.ret);
    // Each clause's check, `fail` making the statement that fails it from the `__By`
    // method's arguments.
    let checks = |fail: &dyn Fn(usize, &str) -> String| -> String {
        f.requires
            .iter()
            .enumerate()
            .map(|(i, req)| {
                let call = format!(
                    "{}, {}, {}",
                    str_lit(func),
                    str_lit(&req.source),
                    clause_inputs(&req.expr, shown)
                );
                format!(
                    "        if !({}) {{\n            {};\n        }}\n",
                    cx.requires_holds(&req.expr),
                    fail(i, &call)
                )
            })
            .collect()
    };
    let mut out = format!(
        "\n    pub fn {}({all_params}) -> Result<{ret}, proptest::test_runner::TestCaseError> {{\n",
        in_property_name(name)
    );
    out.push_str(&checks(&|i, call| {
        format!("return Err(__by[{i}].in_property({call}))")
    }));
    out.push_str(&format!("        Ok({name}({args}))\n    }}\n"));
    out.push_str(&format!(
        "\n    pub fn {}({all_params}) -> {ret} {{\n",
        blamed_name(name)
    ));
    out.push_str(&checks(&|i, call| {
        format!("panic!(\"{{}}\", __by[{i}].broken({call}))")
    }));
    out.push_str(&format!("        {name}({args})\n    }}\n"));
    out
}

/// The Rust expressions of a clause's inputs for its messages: named
/// (`format!("x = {:?}", x)`), and as the code's values (`format!("{:?}", x)` when the
/// clause reads one input: "`same(x)` gave -300" would read as the property's `x` with
/// the name). The inputs it reads, or every input that can be shown when it reads none.
fn clause_inputs(clause: &crate::check::TExpr, shown: &[(String, String)]) -> String {
    let read = locals(clause);
    let mut inputs: Vec<&(String, String)> =
        shown.iter().filter(|(n, _)| read.contains(n)).collect();
    if inputs.is_empty() {
        inputs = shown.iter().collect();
    }
    if inputs.is_empty() {
        let none = "String::from(\"its arguments\")";
        return format!("{none}, {none}");
    }
    let fmt: Vec<String> = inputs
        .iter()
        .map(|(n, _)| format!("{n} = {{:?}}"))
        .collect();
    let vars: String = inputs.iter().map(|(_, v)| format!(", {v}")).collect();
    let named = format!("format!(\"{}\"{vars})", fmt.join(", "));
    let values = match inputs.as_slice() {
        [(_, v)] => format!("format!(\"{{:?}}\", {v})"),
        _ => named.clone(),
    };
    format!("{named}, {values}")
}

/// Who made a `requires` clause's arguments, given by each call of a `__0p__` or `__0b__`
/// variant, and what a broken clause means then: the module `checked` starts with it when
/// any function has `requires`.
const BY: &str = r#"
    /// Who made the arguments a `requires` clause reads, which says whose mistake it is
    /// when the clause does not hold.
    #[derive(Clone, Copy)]
    pub enum __By {
        /// The spec's constants.
        Spec,
        /// A property's own inputs: the case is discarded.
        Input,
        /// The implementation: the call, and the arguments it computed.
        Code(&'static str),
    }

    impl __By {
        /// Why an example, scenario or timing fails when `clause` of `func` breaks for `inputs`.
        /// `inputs` names them, `values` gives the code's values.
        pub fn broken(self, func: &str, clause: &str, inputs: String, values: String) -> String {
            match self {
                __By::Code(made) => format!(
                    "{made} gave {values}, which breaks `{func}`'s `{clause}`: the implementation computed that value, so the implementation must change"
                ),
                __By::Spec | __By::Input => format!(
                    "@PRECONDITION_BROKEN@: `{clause}` of `{func}` does not hold for {inputs}; fix the example, scenario or timing that calls it"
                ),
            }
        }

        /// The same in a property, where a case of the property's own inputs is discarded.
        pub fn in_property(
            self,
            func: &str,
            clause: &'static str,
            inputs: String,
            values: String,
        ) -> proptest::test_runner::TestCaseError {
            match self {
                __By::Input => proptest::test_runner::TestCaseError::reject(clause),
                __By::Code(_) => proptest::test_runner::TestCaseError::fail(format!(
                    "{}; if every correct implementation gives that value for these inputs, the property must filter them with `where`",
                    self.broken(func, clause, inputs, values)
                )),
                __By::Spec => proptest::test_runner::TestCaseError::fail(format!(
                    "@PRECONDITION_BROKEN@: `{clause}` of `{func}` does not hold for {inputs}; the property gives `{func}` inputs it does not accept: filter them with `where`, or narrow the generator with `in`"
                )),
            }
        }
    }
"#;
