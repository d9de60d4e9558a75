//! Every kind of diagnostic ghost reports, with its stable code, message and hint.
//!
//! Messages are lower-case, have no trailing period and put code in backticks. Codes are
//! stable: once published, a code keeps its meaning (add new ones at the end of a range).
//! E01xx: reading and syntax. E02xx: names and declarations. E03xx: types and contracts.
//! E04xx: non-functional requirements. E05xx: modules and the project.
//! W03xx: warnings, clauses whose tests pass whatever the code does (`check` prints them
//! but does not fail on them).

use super::Severity;

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    // ----- E01xx: reading and syntax -----
    /// The file is not valid UTF-8 (binary files land here too).
    InvalidUtf8,
    /// pest could not parse: `expected` lists what would have been accepted.
    Syntax {
        expected: String,
        found: String,
        /// What the user most likely meant, when the text shows it (a misspelt keyword,
        /// a `/* */` comment, `1 ms`).
        hint: Option<String>,
    },
    /// An integer literal does not fit in a 64-bit signed integer.
    IntTooLarge {
        literal: String,
    },
    /// A float literal beyond `f64`'s range (`1e400`).
    FloatTooLarge {
        literal: String,
    },
    /// An escape sequence in a string is not one ghost knows.
    BadEscape {
        escape: String,
    },
    /// `a == b == c`: comparisons do not chain (as in Rust). One for a whole chain;
    /// `split` is what it says with each comparison apart (`0 < x && x < 10`), as written,
    /// or `bracketed` (`(f(x) == 1) == true`) when it compares a comparison with a `bool`.
    ChainedComparison {
        split: String,
        bracketed: bool,
    },
    /// A file holds no `module` declaration at all.
    /// `first`: the file's first word (`use`, written before the module).
    NoModule {
        first: String,
    },
    /// A file could not be read (permissions, vanished): reported against the file.
    Unreadable {
        reason: String,
    },
    /// Brackets, generic types or an expression nested deeper than the parser allows
    /// (deep nesting would exhaust the stack).
    TooDeep {
        limit: usize,
    },
    /// So many syntax errors in one file that the rest of it is not read: past a point,
    /// more are more likely echoes of the first than news. `shown`: how many were.
    TooManySyntaxErrors {
        shown: usize,
    },

    // ----- E02xx: names and declarations -----
    UnknownType {
        name: String,
        suggestion: Option<String>,
    },
    UnknownModule {
        name: String,
        suggestion: Option<String>,
    },
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    UnknownVariant {
        enum_name: String,
        name: String,
        suggestion: Option<String>,
    },
    UnknownVariable {
        name: String,
        suggestion: Option<String>,
    },
    UnknownField {
        type_name: String,
        name: String,
        suggestion: Option<String>,
    },
    UnknownMethod {
        type_name: String,
        name: String,
        suggestion: Option<String>,
    },
    /// Two declarations with one name in one scope: `what` says what kind of name.
    Duplicate {
        what: &'static str,
        name: String,
    },
    /// Two scenarios (or snapshots) whose names differ but make one test name: only ASCII
    /// letters and digits reach it (`"a b"` and `"a-b"`, or two names in other scripts).
    TestNameClash {
        what: &'static str,
        name: String,
        other: String,
    },
    /// `use a.b` ... `use c.d` that leads back to `a.b`: `cycle` is `a.b -> c.d -> a.b`.
    UseCycle {
        cycle: String,
    },
    /// The module name does not match the file's path under the specs folder.
    ModulePathMismatch {
        declared: String,
        expected: String,
    },
    /// `use` of the module itself.
    UseSelf {
        name: String,
    },
    /// A name the language keeps for itself (`result`, `some`, `ok`, ...) declared by the user.
    ReservedName {
        name: String,
    },
    /// `self` outside a `type`'s method.
    SelfOutsideType,
    /// Two spec files declare the same module.
    DuplicateModule {
        name: String,
    },
    /// A module whose name the generated crate cannot hold: a part Rust keeps
    /// (`self`, `lib` at the top, the `imp` of every module's implementation), or a
    /// name whose files are another module's (`a.b_c` and `a_b.c` share `tests/a_b_c.rs`).
    ModuleNameClash {
        name: String,
        why: String,
    },
    /// A record literal misses fields.
    MissingFields {
        record: String,
        fields: String,
    },
    /// An unqualified name declared by more than one used module.
    AmbiguousName {
        name: String,
        modules: String,
    },
    /// A module named in an expression that this module does not `use`.
    ModuleNotUsed {
        name: String,
    },

    // ----- E03xx: types and contracts -----
    TypeMismatch {
        expected: String,
        found: String,
    },
    /// `{ x: 1 }` where a record is expected: a record literal as JavaScript writes it,
    /// each field name read as an unknown variable.
    UnnamedRecord {
        record: String,
        fields: Vec<String>,
    },
    /// A call with the wrong number of arguments.
    Arity {
        name: String,
        expected: usize,
        found: usize,
    },
    /// An example, requires, ensures, property or expect that is not a `bool`.
    NotBool {
        clause: &'static str,
        found: String,
    },
    /// `result` used outside an `ensures`.
    ResultOutsideEnsures,
    /// `ensures` on a function that returns nothing.
    EnsuresWithoutResult,
    /// A property over a type that has no generator (an opaque `type`).
    NoGenerator {
        ty: String,
    },
    /// A literal whose type cannot be inferred (`[]`, `{}`, `none` with nothing to go by).
    CannotInfer {
        what: &'static str,
    },
    /// An operator applied to types it does not work on.
    BadOperator {
        op: String,
        ty: String,
    },
    /// A call of something that is not a function: a value followed by `(..)`, most
    /// often a statement followed by a line that starts with `(`.
    NotCallable {
        ty: String,
        /// The value is itself a call's result: most likely a line starting with `(`.
        after_call: bool,
    },
    /// A generic type with the wrong number of arguments (`list<int, int>`, `map<str>`).
    TypeArity {
        name: String,
        expected: usize,
        found: usize,
    },
    /// `in a..b` on a type that is not `int` or `float`.
    BadRange {
        ty: String,
    },
    /// A property's range `lo..hi` with constant bounds that holds no value (`lo >= hi`).
    EmptyRange {
        range: String,
    },
    /// Integer arithmetic on constants that overflows `int` or divides by zero: the
    /// generated tests would not compile (rustc refuses such constants).
    ConstantOverflow {
        what: String,
    },
    /// An example calls a function with constants its `requires` does not accept.
    ExampleBreaksRequires {
        /// The call is an `nfr perf`'s timing, not an example's.
        in_timing: bool,
        callee: String,
        clause: String,
        arguments: String,
    },
    /// A lookup of constants that finds nothing (`[1, 2][5]`, `{"a": 1}["b"]`) where a
    /// test always evaluates it: the test fails whatever the code does.
    ConstantLookupFails {
        /// The lookup as written.
        lookup: String,
        /// The clause it stands in (`example`, `timing`, `scenario`, ...).
        clause: &'static str,
        /// Why it finds nothing (`a list of 2 elements has no index 5`).
        why: String,
        /// What would find something.
        fix: String,
    },
    /// A method called on a type without `self` (or a static one called on a value).
    BadReceiver {
        name: String,
        message: String,
    },
    /// A snapshot whose last statement is not an expression.
    SnapshotWithoutValue,
    /// A snapshot whose last expression returns nothing (`()`).
    SnapshotOfNothing,
    /// Equality on an opaque `type`, which has none.
    NoEquality {
        ty: String,
        /// The operator used: `==` or `!=`.
        op: String,
    },
    /// A `map` key type that has no total order (`float` or an opaque type inside it).
    UnorderedMapKey {
        ty: String,
        /// What in it has no order: "`float` is not", "`Point` holds a `float`, ...".
        because: String,
    },
    /// A record or enum that contains itself other than through `list` or `map`.
    InfiniteType {
        name: String,
    },
    /// A record, enum or error holding an opaque type: values are compared, cloned and
    /// printed; an opaque type (whose fields the implementation chooses) is not.
    OpaqueInValue {
        owner: String,
        opaque: String,
    },

    // ----- E04xx: non-functional requirements -----
    BadDurationUnit {
        unit: String,
    },
    BadDuration {
        value: String,
    },
    /// `nfr forbid X` where X is not `unsafe`.
    UnknownForbid {
        what: String,
    },
    /// `nfr perf` whose subject is not a call of one of the module's functions.
    PerfNotACall,
    /// `nfr max_lines 0`.
    BadMaxLines,
    /// The same NFR twice (`nfr lint` twice, two `nfr deps`).
    DuplicateNfr {
        what: &'static str,
    },
    BadCrateName {
        name: String,
    },
    /// A version requirement Cargo would not read (`memchr = "not a version"`).
    BadVersionReq {
        version: String,
    },
    /// A crate the generated crate already depends on in its own version, or that Rust
    /// provides (`proptest`, `std`).
    TakenCrate {
        name: String,
    },

    // ----- E05xx: modules and the project -----
    /// Two modules ask for one crate in different versions: the generated crate has one
    /// manifest, which lists a crate once.
    DependencyVersions {
        name: String,
        here: String,
        there: String,
        module: String,
    },
    /// `ghost check FILE`: a module the file `use`s (directly or through others) has
    /// errors of its own; reported once, at the `use`.
    DependencyHasErrors {
        name: String,
        /// The module with the errors, when `name` only uses it (directly or not).
        through: Option<String>,
        /// The spec file of the module with the errors.
        file: String,
    },

    // ----- W03xx: tests that pass whatever the code does (warnings) -----
    /// An example, `ensures`, property, scenario or snapshot that runs none of its
    /// module's code: `example len("hi") == 2`, an `ensures` without `result`.
    TestsNothing {
        clause: &'static str,
        module: String,
    },
    /// A snapshot whose value is a constant: it pins what the spec wrote.
    ConstantSnapshot,
    /// A comparison that holds whatever its values are: `why` says why.
    AlwaysTrue {
        why: String,
    },
    /// A property variable its body never reads: every case repeats one test.
    UnusedBinder {
        name: String,
    },
    /// A function or method that no clause of its module calls.
    Untested {
        name: String,
    },
}

impl Kind {
    pub fn severity(&self) -> Severity {
        use Kind::*;
        match self {
            TestsNothing { .. }
            | ConstantSnapshot
            | AlwaysTrue { .. }
            | UnusedBinder { .. }
            | Untested { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The stable code of this kind.
    pub fn code(&self) -> &'static str {
        use Kind::*;
        match self {
            InvalidUtf8 => "E0101",
            Syntax { .. } => "E0102",
            IntTooLarge { .. } | FloatTooLarge { .. } => "E0103",
            BadEscape { .. } => "E0104",
            ChainedComparison { .. } => "E0105",
            NoModule { .. } => "E0106",
            Unreadable { .. } => "E0107",
            TooDeep { .. } => "E0108",
            TooManySyntaxErrors { .. } => "E0109",

            UnknownType { .. } => "E0201",
            UnknownModule { .. } => "E0202",
            UnknownFunction { .. } => "E0203",
            UnknownVariant { .. } => "E0204",
            UnknownVariable { .. } => "E0205",
            UnknownField { .. } => "E0206",
            UnknownMethod { .. } => "E0207",
            Duplicate { .. } | TestNameClash { .. } => "E0208",
            UseCycle { .. } => "E0209",
            ModulePathMismatch { .. } => "E0210",
            UseSelf { .. } => "E0211",
            ReservedName { .. } => "E0212",
            SelfOutsideType => "E0213",
            DuplicateModule { .. } => "E0214",
            ModuleNameClash { .. } => "E0218",
            MissingFields { .. } => "E0215",
            AmbiguousName { .. } => "E0216",
            ModuleNotUsed { .. } => "E0217",

            TypeMismatch { .. } | UnnamedRecord { .. } => "E0301",
            Arity { .. } => "E0302",
            NotBool { .. } => "E0303",
            ResultOutsideEnsures => "E0304",
            EnsuresWithoutResult => "E0305",
            NoGenerator { .. } => "E0306",
            CannotInfer { .. } => "E0307",
            BadOperator { .. } | NotCallable { .. } => "E0308",
            TypeArity { .. } => "E0309",
            BadRange { .. } => "E0310",
            EmptyRange { .. } => "E0317",
            ConstantOverflow { .. } => "E0319",
            ExampleBreaksRequires { .. } => "E0320",
            ConstantLookupFails { .. } => "E0321",
            BadReceiver { .. } => "E0311",
            SnapshotWithoutValue | SnapshotOfNothing => "E0312",
            NoEquality { .. } => "E0313",
            // E0314 is retired (it was `MutOnTemporary`).
            UnorderedMapKey { .. } => "E0315",
            InfiniteType { .. } => "E0316",
            OpaqueInValue { .. } => "E0318",

            BadDurationUnit { .. } => "E0401",
            BadDuration { .. } => "E0402",
            UnknownForbid { .. } => "E0403",
            PerfNotACall => "E0404",
            BadMaxLines => "E0405",
            DuplicateNfr { .. } => "E0406",
            BadCrateName { .. } => "E0407",
            BadVersionReq { .. } => "E0408",
            TakenCrate { .. } => "E0409",

            DependencyHasErrors { .. } => "E0501",
            DependencyVersions { .. } => "E0502",

            TestsNothing { .. } => "W0301",
            ConstantSnapshot => "W0302",
            AlwaysTrue { .. } => "W0303",
            UnusedBinder { .. } => "W0304",
            Untested { .. } => "W0305",
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        use Kind::*;
        match self {
            InvalidUtf8 => "the file is not valid UTF-8".into(),
            Syntax {
                expected, found, ..
            } => format!("expected {expected}, found {found}"),
            IntTooLarge { literal } => {
                format!("integer `{literal}` does not fit in a 64-bit `int`")
            }
            FloatTooLarge { literal } => {
                format!("`{literal}` is beyond the largest `float` (about 1.8e308)")
            }
            BadEscape { escape } => format!("unknown escape `{escape}` in a string"),
            ChainedComparison { .. } => "comparison operators cannot be chained".into(),
            NoModule { first } if first == "use" => {
                "the file starts with `use`, outside any `module`".into()
            }
            NoModule { .. } => "the file declares no `module`".into(),
            Unreadable { reason } => format!("cannot read the file: {reason}"),
            TooDeep { limit } => format!("nested more than {limit} levels deep"),
            TooManySyntaxErrors { shown } => {
                format!("{shown} syntax errors: the rest of the file is not read")
            }

            UnknownType { name, .. } => format!("unknown type `{name}`"),
            UnknownModule { name, .. } => format!("unknown module `{name}`"),
            UnknownFunction { name, .. } => format!("unknown function `{name}`"),
            UnknownVariant {
                enum_name, name, ..
            } => format!("`{enum_name}` has no variant `{name}`"),
            UnknownVariable { name, .. } => format!("unknown name `{name}`"),
            UnknownField {
                type_name, name, ..
            } => format!("`{type_name}` has no field `{name}`"),
            UnknownMethod {
                type_name, name, ..
            } => format!("`{type_name}` has no method `{name}`"),
            Duplicate { what, name } => format!("duplicate {what} `{name}`"),
            TestNameClash { what, name, other } => format!(
                "{what} `{name}` makes the same test name as {what} `{other}`"
            ),
            UseCycle { cycle } => format!("`use` cycle: {cycle}"),
            ModulePathMismatch { declared, expected } => {
                format!(
                    "module `{declared}` does not match its file path, which names `{expected}`"
                )
            }
            UseSelf { name } => format!("module `{name}` uses itself"),
            ReservedName { name } => {
                if name.starts_with("__") {
                    format!("`{name}`: names starting with `__` are kept for the code ghost generates")
                } else if let Some(keyword) = name.strip_suffix('_').filter(|k| ["self", "Self", "super", "crate"].contains(k)) {
                    format!("`{name}` is how the generated Rust spells `{keyword}`, so it cannot be declared")
                } else if crate::check::GENERATED_MODULES.contains(&name.as_str()) {
                    format!("`{name}` names a module of the generated code (`mod imp` holds every module's implementation), so a type cannot have it")
                } else if name == "self" {
                    // Reached by fields, parameters and functions as well as types.
                    "`self` is the language's own name for a method's receiver and cannot be declared".into()
                } else if ["Self", "crate", "super"].contains(&name.as_str()) {
                    format!("`{name}` is a Rust keyword and cannot name a type")
                } else if name == "clone" {
                    "`clone` cannot be a method's name: the generated tests copy values with `.clone()`".into()
                } else if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    format!("`{name}` is a name of Rust's prelude, which the generated code uses, and cannot be declared")
                } else {
                    format!("`{name}` is a built-in name and cannot be declared")
                }
            }
            SelfOutsideType => "`self` is only allowed in the methods of a `type`".into(),
            DuplicateModule { name } => {
                format!("module `{name}` is declared in more than one file")
            }
            ModuleNameClash { name, why } => {
                format!("module `{name}` cannot be generated: {why}")
            }
            MissingFields { record, fields } => {
                format!("record `{record}` is missing fields: {fields}")
            }
            AmbiguousName { name, modules } => {
                format!("`{name}` is declared by more than one used module: {modules}")
            }
            ModuleNotUsed { name } => format!("module `{name}` is not used by this module"),

            TypeMismatch { expected, found } => {
                format!("type mismatch: expected `{expected}`, found `{found}`")
            }
            UnnamedRecord { record, .. } => {
                format!("type mismatch: expected `{record}`, found a map whose keys are names")
            }
            // A variant without fields called with `()`.
            Arity {
                name,
                expected: 0,
                found: 0,
            } => format!("`{name}` has no fields: write it without `()`"),
            Arity {
                name,
                expected,
                found,
            } => format!(
                "`{name}` takes {} but {}",
                counted(*expected, "argument"),
                given(*found)
            ),
            NotBool { clause, found } => format!("`{clause}` needs a `bool`, found `{found}`"),
            ResultOutsideEnsures => "`result` can only be used in `ensures`".into(),
            EnsuresWithoutResult => "`ensures` on a function that returns nothing".into(),
            NoGenerator { ty } => format!("no generator exists for `{ty}`"),
            CannotInfer { what } => format!("cannot infer the type of {what}"),
            BadOperator { op, ty } => format!("operator `{op}` cannot be applied to `{ty}`"),
            NotCallable { ty, .. } => format!("a value of type `{ty}` cannot be called"),
            TypeArity {
                name,
                expected,
                found,
            } => format!(
                "`{name}` takes {} but {}",
                counted(*expected, "type argument"),
                given(*found)
            ),
            BadRange { ty } => format!("a range `in a..b` needs `int` or `float`, not `{ty}`"),
            EmptyRange { range } => {
                format!("the range `{range}` holds no value: no input could ever be generated")
            }
            ConstantOverflow { what } => format!("{what}: the tests could not even be compiled"),
            ExampleBreaksRequires {
                in_timing,
                callee,
                clause,
                arguments,
            } => format!(
                "this {} calls `{callee}` with {arguments}, which its `{clause}` does not accept: no code can pass it",
                if *in_timing { "timing" } else { "example" }
            ),
            ConstantLookupFails {
                lookup,
                clause,
                why,
                ..
            } => format!(
                "`{lookup}` finds nothing: {why}, so this {clause} fails whatever the code does"
            ),
            BadReceiver { message, .. } => message.clone(),
            SnapshotWithoutValue => "a snapshot must end with the expression to record".into(),
            SnapshotOfNothing => {
                "a snapshot must end with a value to record, and this returns nothing".into()
            }
            NoEquality { ty, op } => {
                format!("`{ty}` is an opaque type and cannot be compared with `{op}`")
            }
            UnorderedMapKey { ty, because } => {
                format!("`{ty}` cannot be a map key: keys must be ordered, and {because}")
            }
            OpaqueInValue { owner, opaque } => format!(
                "`{owner}` holds the opaque type `{opaque}`: records, enums and errors are values that ghost compares, clones and prints, and an opaque type is none of these"
            ),
            InfiniteType { name } => {
                format!("`{name}` contains itself and would be infinitely large")
            }

            BadDurationUnit { unit } => {
                if unit.is_empty() {
                    "the duration has no unit".into()
                } else {
                    format!("unknown duration unit `{unit}`")
                }
            }
            BadDuration { value } => format!("`{value}` is not a valid duration"),
            UnknownForbid { what } => format!("unknown `nfr forbid` target `{what}`"),
            PerfNotACall => "`nfr perf` needs a call of one of the module's functions".into(),
            BadMaxLines => "`nfr max_lines` needs a number greater than 0".into(),
            DuplicateNfr { what } => format!("`nfr {what}` is given more than once"),
            BadCrateName { name } => format!("`{name}` is not a valid crate name"),
            DependencyVersions { name, here, there, module } => format!("crate `{name}` is asked for as `{here}` here and as `{there}` by module `{module}`: the generated crate lists it once"),
            BadVersionReq { version } => format!("`{version}` is not a version requirement Cargo reads"),
            TakenCrate { name } => format!("`{name}` cannot be a dependency: the generated crate has it already (its tests use it) or Rust provides it"),

            DependencyHasErrors {
                name,
                through: None,
                ..
            } => format!("module `{name}` has errors"),
            DependencyHasErrors {
                name,
                through: Some(broken),
                ..
            } => format!("module `{name}` uses `{broken}`, which has errors"),

            TestsNothing { clause, module } => match *clause {
                "ensures" => format!("this `ensures` reads neither `result` nor anything of module `{module}`: it holds whatever the code returns"),
                _ => format!("this {clause} calls no function of module `{module}`: its test passes whatever the code does"),
            },
            ConstantSnapshot => "this snapshot's value is a constant: it pins what the spec wrote, not what the code does".into(),
            AlwaysTrue { why } => format!("this comparison holds whatever the code returns: {why}"),
            Untested { name } => format!("no example, property, scenario or snapshot calls `{name}`: its tests never run its code, so any code with its signature passes"),
            UnusedBinder { name } => format!("`{name}` is never used after `=>`: the property's cases differ only in what its test ignores"),
        }
    }

    /// What the user can do about it, where a hint helps.
    pub fn hint(&self) -> Option<String> {
        use Kind::*;
        match self {
            InvalidUtf8 => Some("spec files must be UTF-8 text; is this a binary file in the specs folder?".into()),
            Unreadable { .. } => Some("every `.ghost` file below the specs folder is read as a spec: make it readable (a link to a file that is gone?), or move it out".into()),
            Syntax { hint, .. } => hint.clone(),
            ChainedComparison {
                split,
                bracketed: false,
            } => Some(format!("split it: `{split}`")),
            ChainedComparison {
                split,
                bracketed: true,
            } => Some(format!("bracket the comparison: `{split}`")),
            TestNameClash { .. } => Some("a test's name keeps only the ASCII letters and digits of the text (the rest becomes `_`); tell the two apart with those".into()),
            NotCallable {
                after_call: true, ..
            } => Some(
                "a line that starts with `(` continues the statement before it (`s.push(3)` then `(a, b)` reads as `s.push(3)(a, b)`): bind the value with `let` (`let t = (a, b)`)".into(),
            ),
            TooDeep { .. } => Some("split it into smaller expressions or types".into()),
            TooManySyntaxErrors { .. } => Some(
                "fix the errors above and run `ghost check` again: the rest is read then".into(),
            ),
            NoModule { first } if first == "use" => Some(
                "a `use` goes inside the module's braces, after its doc: `module a.b {` then `use c.d` on the next line".into(),
            ),
            NoModule { .. } => Some("a spec file starts with `module name.path { ... }`".into()),
            UnknownType { suggestion: Some(s), .. }
            | UnknownFunction { suggestion: Some(s), .. }
            | UnknownVariable { suggestion: Some(s), .. }
            | UnknownModule { suggestion: Some(s), .. }
            | UnknownVariant { suggestion: Some(s), .. }
            | UnknownField { suggestion: Some(s), .. }
            | UnknownMethod { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            UnknownFunction { name, suggestion: None } if name == "old" => Some(
                "there is no `old(..)`: `ensures` sees the arguments as they are after the call (the same as passed in, but for `mut self`, which it sees changed); state a change of `mut self` in a scenario".into(),
            ),
            UnknownType { suggestion: None, .. } => Some(
                "the types are bool, int, float, str, bytes, list<T>, map<K, V>, option<T>, result<T, E>, tuples and the module's own declarations"
                    .into(),
            ),
            UnknownModule { .. } => Some("a module `a.b` lives in `a/b.ghost` under the specs folder".into()),
            UseCycle { .. } => Some("modules may not depend on each other in a circle; move the shared part into a module of its own".into()),
            ModulePathMismatch { expected, declared } => {
                // A path that is no module name (`A-b`, `2d`) can only be renamed.
                let is_name = |part: &str| {
                    part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                        && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                };
                if !expected.split('.').all(is_name) {
                    let file = declared.replace('.', "/");
                    return Some(format!(
                        "`{expected}` is no module name (ASCII letters, digits and `_`, not starting with a digit): rename the file to `{file}.ghost` under the specs folder"
                    ));
                }
                Some(format!("rename the module to `{expected}` or move the file to match its name"))
            }
            ResultOutsideEnsures => Some("`result` is the function's return value, seen only by `ensures`".into()),
            UnnamedRecord { record, fields } => Some(format!(
                "a record literal starts with its record's name: `{record} {{ {} }}`",
                fields.iter().map(|f| format!("{f}: ..")).collect::<Vec<_>>().join(", ")
            )),
            NoGenerator { .. } => Some(
                "properties can range over data (bool, int, float, str, bytes, lists, maps, options, results, tuples, records, enums), not opaque `type`s nor records and enums that contain themselves (a tree); use examples or a `scenario` instead"
                    .into(),
            ),
            CannotInfer { .. } => Some("compare it with a value of known type, or give the `let` a type: `let x: list<int> = []`".into()),
            BadDurationUnit { .. } => Some("use `ns`, `us`, `ms` or `s`, as in `2ms`".into()),
            UnknownForbid { .. } => Some("the only form is `nfr forbid unsafe`".into()),
            PerfNotACall => Some("write it as `nfr perf f(arguments) < 2ms`".into()),
            SnapshotWithoutValue => Some("put the value to record last: `snapshot \"name\" { let x = ...  x }`".into()),
            SnapshotOfNothing => Some("after the call, put the value it changed last: `snapshot \"name\" { let x = ...  x.poke()  x }`".into()),
            AmbiguousName { name, modules } => {
                let choices: Vec<String> = modules
                    .split(", ")
                    .map(|m| format!("`{m}.{name}`"))
                    .collect();
                let (last, rest) = choices.split_last()?;
                Some(match rest {
                    [] => format!("qualify it with its module: {last}"),
                    _ => format!("qualify it with its module: {} or {last}", rest.join(", ")),
                })
            }
            ModuleNotUsed { name } => Some(format!("add `use {name}` to the module")),
            ExampleBreaksRequires { in_timing: false, .. } => Some("an example's test checks the precondition before it calls the code: fix the example's arguments, or the `requires` if it is too strict".into()),
            ExampleBreaksRequires { in_timing: true, .. } => Some("a timing checks the precondition before it times the code: time a call the `requires` accepts, or loosen the `requires` if it is too strict".into()),
            ConstantLookupFails { fix, .. } => Some(fix.clone()),
            ConstantOverflow { .. } => Some("an `int` is a 64-bit signed integer (-9223372036854775808 to 9223372036854775807), and nothing divides by 0".into()),
            EmptyRange { .. } => Some("a range `a..b` runs from `a` up to but not including `b`: make `b` greater than `a`".into()),
            UnorderedMapKey { .. } => Some("use `int`, `str`, or a record or enum without `float`, opaque types or errors in it, as the key".into()),
            InfiniteType { .. } => Some("put the recursive part inside a `list` or a `map`".into()),
            OpaqueInValue { opaque, .. } => Some(format!("keep the `{opaque}` in a `type`'s state, whose fields the implementation chooses, or declare `{opaque}` as a record")),
            ReservedName { .. } => Some("choose another name".into()),
            BadVersionReq { .. } => Some("write it as Cargo does: `\"1\"`, `\"1.2\"`, `\"^1.2.3\"`, `\">=1, <3\"`, `\"~0.4\"` or `\"*\"`".into()),
            TakenCrate { .. } => Some("leave it out of `nfr deps`".into()),
            DependencyVersions { there, .. } => Some(format!("ask for the same version in both, e.g. `{there}`")),
            ModuleNameClash { .. } => Some("rename the module (and its spec file to match)".into()),
            DependencyHasErrors { file, .. } => Some(format!(
                "run `ghost check` on the whole project, or on `{file}`, to see them"
            )),
            NotBool { .. } => Some("a contract is a condition: compare values with `==`, `<`, ...".into()),
            TestsNothing { clause: "ensures", .. } => Some("say what the function returns: `ensures len(result) <= len(s)`; a condition on the arguments alone belongs in `requires`".into()),
            TestsNothing { clause: "snapshot", .. } => Some("record a value the module's code computes: `snapshot \"name\" { f(1) }`".into()),
            TestsNothing { .. } => Some("call the module's functions in it (`example f(2) == 4`), or delete it".into()),
            ConstantSnapshot => Some("end the snapshot with what the code returns: `snapshot \"name\" { f(1) }`".into()),
            AlwaysTrue { .. } => Some("compare the code's value with what it must be: a literal, or an expression over the inputs".into()),
            UnusedBinder { name } => Some(format!("use `{name}` in the property, or drop it from `forall`")),
            // A method is called on a value (`T.new().m()`), which a scenario shows best.
            Untested { name } if name.contains('.') => Some(format!("call `{name}` in a scenario (`expect ...` on a value made with the type's constructor), an example or a property; its `ensures` are checked only in the tests that call it")),
            Untested { name } => Some(format!("give it an example (`example {name}(...) == ...`, with the value it must return), or call it in a property or a scenario; its `ensures` are checked only in the tests that call it")),
            _ => None,
        }
    }
}

/// `no arguments`, `1 argument`, `2 arguments`: a count in words, not `argument(s)`.
fn counted(n: usize, word: &str) -> String {
    match n {
        0 => format!("no {word}s"),
        1 => format!("1 {word}"),
        n => format!("{n} {word}s"),
    }
}

/// `none were given`, `1 was given`, `2 were given`.
fn given(n: usize) -> String {
    match n {
        0 => "none were given".into(),
        1 => "1 was given".into(),
        n => format!("{n} were given"),
    }
}
