//! Python spelling of IR types and identifiers for the Python generator.
//!
//! Owns the escape tables that decide which spec names must change to be
//! safe in a given Python scope, and the one function that turns a
//! [`TypeRef`] into a type expression. Nothing here renders templates.

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::filters;
use crate::ir::{Literal, StringFormat, TypeRef, names};

/// Python keywords and soft keywords: never usable (or never wise) as names.
/// `names::PY_RESERVED` also lists builtins, which clients.md wants kept
/// where shadowing them is harmless (`id` stays `id`), so the scopes below
/// add only the builtins that matter to them.
const PY_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type", "_",
];

/// Builtins that generated type expressions print unqualified. A parameter
/// or field with one of these names would shadow the type for the rest of
/// its scope (mypy resolves annotations in the class body).
pub(crate) const TYPE_BUILTINS: &[&str] =
    &["str", "int", "float", "bool", "bytes", "list", "dict", "object"];

/// Attributes of `pydantic.BaseModel` (2.x, including the deprecated v1
/// API). A field with one of these names would override the method, which
/// mypy rejects and pydantic warns about.
const BASEMODEL_ATTRS: &[&str] = &[
    "construct",
    "copy",
    "dict",
    "from_orm",
    "json",
    "model_computed_fields",
    "model_config",
    "model_construct",
    "model_copy",
    "model_dump",
    "model_dump_json",
    "model_extra",
    "model_fields",
    "model_fields_set",
    "model_json_schema",
    "model_parametrized_name",
    "model_post_init",
    "model_rebuild",
    "model_validate",
    "model_validate_json",
    "model_validate_strings",
    "parse_file",
    "parse_obj",
    "parse_raw",
    "schema",
    "schema_json",
    "update_forward_refs",
    "validate",
    "fields",
];

/// A snake_case identifier for a spec name, escaped against `extra` and the
/// keywords, never starting with `_` (pydantic treats such fields as private
/// and they would read as internal in a signature).
pub(crate) fn snake_ident(name: &str, fallback: &str, extra: &[&str]) -> String {
    let mut s = names::snake(name, fallback);
    if s.starts_with('_') {
        // `snake` prefixes `_` before a leading digit: `2fa` → `_2fa`.
        s = format!("{fallback}{s}");
    }
    escape(s, extra)
}

/// Appends `_` while `s` is a keyword or in `extra` (PEP 8's `class_`).
pub(crate) fn escape(mut s: String, extra: &[&str]) -> String {
    while PY_KEYWORDS.contains(&s.as_str()) || extra.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// A model field name: keywords, type builtins and `BaseModel` attributes
/// escaped.
pub(crate) fn field_ident(wire: &str) -> String {
    let s = snake_ident(wire, "field", TYPE_BUILTINS);
    escape(s, BASEMODEL_ATTRS)
}

/// A parameter name: keywords, `self` and type builtins escaped (a parameter
/// named `list` would shadow `list[...]` in the method body).
pub(crate) fn param_ident(ident: &str) -> String {
    let s = snake_ident(ident, "param", TYPE_BUILTINS);
    escape(s, &["self"])
}

/// A method name: only keywords are escaped, so `list` and `id` keep their
/// names; the class then spells shadowed builtins qualified (see
/// [`TypeCx::shadowed`]).
pub(crate) fn method_ident(name: &str) -> String {
    snake_ident(name, "call", &[])
}

/// Which imports a rendered type expression needs.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Uses {
    pub dt: bool,
    pub uuid: bool,
    pub decimal: bool,
    pub builtins: bool,
}

impl Uses {
    pub(crate) fn merge(&mut self, o: Uses) {
        self.dt |= o.dt;
        self.uuid |= o.uuid;
        self.decimal |= o.decimal;
        self.builtins |= o.builtins;
    }
}

/// How to spell types in one module.
pub(crate) struct TypeCx<'a> {
    /// IR type name → Python name, for every defined type.
    pub names: &'a BTreeMap<String, String>,
    /// Printed before a type name: `""` in `models.py`, `"_models."` in app
    /// modules.
    pub prefix: &'a str,
    /// Binary fields of models accept `File` as well as `bytes`.
    pub binary_file: Option<&'a str>,
    /// Builtins shadowed in the scope that prints the annotation (methods
    /// named `list` in an app class); they are spelled through `typing` or
    /// `builtins`.
    pub shadowed: &'a BTreeSet<String>,
    /// Type names printed as `typing.Any` instead: aliases that would be
    /// evaluated before they are defined (a cycle of aliases).
    pub opaque: Option<&'a BTreeSet<String>>,
}

impl TypeCx<'_> {
    /// The Python type expression of `t`.
    pub(crate) fn render(&self, t: &TypeRef, uses: &mut Uses) -> String {
        let members = self.members(t, uses);
        join_union(members)
    }

    fn builtin(&self, name: &str, uses: &mut Uses) -> String {
        if self.shadowed.contains(name) {
            match name {
                "list" => "_t.List".to_string(),
                "dict" => "_t.Dict".to_string(),
                _ => {
                    uses.builtins = true;
                    format!("_b.{name}")
                }
            }
        } else {
            name.to_string()
        }
    }

    /// The members of the union `t` stands for (a single one for non-unions),
    /// flattened so `T | None | None` never happens.
    fn members(&self, t: &TypeRef, uses: &mut Uses) -> Vec<String> {
        match t {
            TypeRef::Named(n) => match self.names.get(n) {
                Some(py) if !self.opaque.is_some_and(|o| o.contains(n)) => {
                    vec![format!("{}{py}", self.prefix)]
                }
                _ => vec!["_t.Any".to_string()],
            },
            TypeRef::String(f) => vec![match f {
                StringFormat::Plain => self.builtin("str", uses),
                StringFormat::Date => {
                    uses.dt = true;
                    "_dt.date".to_string()
                }
                StringFormat::DateTime => {
                    uses.dt = true;
                    "_dt.datetime".to_string()
                }
                StringFormat::Uuid => {
                    uses.uuid = true;
                    "_uuid.UUID".to_string()
                }
                StringFormat::Decimal => {
                    uses.decimal = true;
                    "_decimal.Decimal".to_string()
                }
            }],
            TypeRef::Integer => vec![self.builtin("int", uses)],
            TypeRef::Number => vec![self.builtin("float", uses)],
            TypeRef::Boolean => vec![self.builtin("bool", uses)],
            TypeRef::Binary => {
                let mut v = Vec::new();
                if let Some(f) = self.binary_file {
                    // `File(content, filename)` or `(filename, content)`:
                    // a multipart part keeps its file name.
                    v.push(f.to_string());
                    let (tuple, str_) = (self.builtin("tuple", uses), self.builtin("str", uses));
                    let bytes = self.builtin("bytes", uses);
                    v.push(format!("{tuple}[{str_}, {bytes}]"));
                }
                v.push(self.builtin("bytes", uses));
                v
            }
            TypeRef::Array(inner) => {
                let list = self.builtin("list", uses);
                vec![format!("{list}[{}]", self.render(inner, uses))]
            }
            TypeRef::Map(inner) => {
                let dict = self.builtin("dict", uses);
                let key = self.builtin("str", uses);
                vec![format!("{dict}[{key}, {}]", self.render(inner, uses))]
            }
            TypeRef::Nullable(inner) => {
                let mut v = self.members(inner, uses);
                v.push("None".to_string());
                v
            }
            TypeRef::Literals(lits) => self.literal_members(lits, uses),
            TypeRef::AnyOf(vs) => {
                let v: Vec<String> = vs.iter().flat_map(|v| self.members(v, uses)).collect();
                if v.is_empty() { vec!["_t.Any".to_string()] } else { v }
            }
            TypeRef::Null => vec!["None".to_string()],
            TypeRef::Unknown => vec!["_t.Any".to_string()],
        }
    }

    /// `Literal[...]` for the values Python allows in one (strings, ints,
    /// bools), `float` for non-integral numbers (PEP 586 forbids them) and
    /// `None` for null.
    pub(crate) fn literal_members(&self, lits: &[Literal], uses: &mut Uses) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        let mut float = false;
        let mut null = false;
        for l in lits {
            let v = match l {
                Literal::Str(s) => filters::py_string(s),
                Literal::Int(i) => i.to_string(),
                Literal::Bool(b) => if *b { "True" } else { "False" }.to_string(),
                Literal::Num(_) => {
                    float = true;
                    continue;
                }
                Literal::Null => {
                    null = true;
                    continue;
                }
            };
            // A set, not `values.contains`: a million-element enum made
            // this quadratic (issue 7).
            if seen.insert(v.clone()) {
                values.push(v);
            }
        }
        if !values.is_empty() {
            out.push(format!("_t.Literal[{}]", values.join(", ")));
        }
        if float {
            out.push(self.builtin("float", uses));
        }
        if null {
            out.push("None".to_string());
        }
        if out.is_empty() {
            // An enum without values: nothing validates against `Never`, and
            // a server sending one anyway should not break the client.
            out.push("_t.Any".to_string());
        }
        out
    }
}

/// `A | B | None`: members deduplicated in first-seen order, `None` last
/// (so the left operand of `|` is never `None` at runtime).
pub(crate) fn join_union(members: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut none = false;
    for m in members {
        if m == "None" {
            none = true;
        } else if !seen.contains(&m) {
            seen.push(m);
        }
    }
    if none {
        seen.push("None".to_string());
    }
    seen.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_escape_per_scope() {
        assert_eq!(field_ident("class"), "class_");
        assert_eq!(field_ident("id"), "id");
        assert_eq!(field_ident("str"), "str_");
        assert_eq!(field_ident("schema"), "schema_");
        assert_eq!(field_ident("model_config"), "model_config_");
        assert_eq!(field_ident("_private"), "private");
        assert_eq!(field_ident("2fa"), "field_2fa");
        assert_eq!(field_ident("fooBar"), "foo_bar");
        assert_eq!(param_ident("self"), "self_");
        assert_eq!(param_ident("list"), "list_");
        assert_eq!(param_ident("id"), "id");
        assert_eq!(method_ident("list"), "list");
        assert_eq!(method_ident("import"), "import_");
    }

    #[test]
    fn unions_flatten_and_put_none_last() {
        let names = BTreeMap::from([("User".to_string(), "User".to_string())]);
        let shadowed = BTreeSet::new();
        let cx = TypeCx {
            names: &names,
            prefix: "_models.",
            binary_file: None,
            shadowed: &shadowed,
            opaque: None,
        };
        let mut u = Uses::default();
        let t = TypeRef::Nullable(Box::new(TypeRef::AnyOf(vec![
            TypeRef::Null,
            TypeRef::Named("User".into()),
            TypeRef::Literals(vec![Literal::Str("a\"".into()), Literal::Num("1.5".into())]),
        ])));
        assert_eq!(cx.render(&t, &mut u), "_models.User | _t.Literal[\"a\\\"\"] | float | None");
        let t = TypeRef::Array(Box::new(TypeRef::String(StringFormat::DateTime)));
        assert_eq!(cx.render(&t, &mut u), "list[_dt.datetime]");
        assert!(u.dt);
    }

    #[test]
    fn shadowed_builtins_are_qualified() {
        let names = BTreeMap::new();
        let shadowed: BTreeSet<String> = ["list".to_string(), "str".to_string()].into();
        let cx = TypeCx {
            names: &names,
            prefix: "",
            binary_file: None,
            shadowed: &shadowed,
            opaque: None,
        };
        let mut u = Uses::default();
        let t = TypeRef::Array(Box::new(TypeRef::String(StringFormat::Plain)));
        assert_eq!(cx.render(&t, &mut u), "_t.List[_b.str]");
        assert!(u.builtins);
    }
}
