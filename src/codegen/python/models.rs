//! The view of `models.py`: one pydantic class per object type, one type
//! alias per enum, union and alias, in an order Python can execute.
//!
//! Classes use `from __future__ import annotations`, so their annotations
//! are evaluated late and they may refer to anything; aliases are evaluated
//! when the module runs, so they come after every class and after the
//! aliases they use. Cycles made only of aliases cannot be spelled without
//! `TypeAliasType` (which plain mypy and pydantic disagree on), so the edge
//! closing such a cycle degrades to `typing.Any`.

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::filters;
use crate::codegen::python::docstring;
use crate::codegen::python::types::{TypeCx, Uses, field_ident, join_union};
use crate::ir::{Api, Object, TypeDef, TypeKind, TypeRef, Union, names};

/// One model class.
pub(crate) struct ClassView {
    /// Python class name.
    pub name: String,
    /// Escaped docstring body.
    pub doc: String,
    /// `extra="allow"`: the object takes additional properties.
    pub extra: bool,
    /// Fields in spec order.
    pub fields: Vec<FieldView>,
}

/// One field of a model.
pub(crate) struct FieldView {
    /// Python attribute name.
    pub name: String,
    /// Type expression.
    pub ty: String,
    /// The wire name as a Python string literal, when it differs.
    pub alias: Option<String>,
    /// Has a default (`None`): the property is optional.
    pub optional: bool,
    /// Escaped attribute docstring.
    pub doc: Option<String>,
}

/// One module-level type alias.
pub(crate) struct AliasView {
    /// Python name.
    pub name: String,
    /// Escaped attribute docstring.
    pub doc: Option<String>,
    /// The aliased type.
    pub body: AliasBody,
}

/// What an alias stands for.
pub(crate) enum AliasBody {
    /// A plain type expression.
    Plain(String),
    /// A union told apart by a discriminator property, for pydantic's
    /// callable `Discriminator`: member models often declare the property as
    /// a plain `str`, so a `Literal`-based discriminator would not apply.
    Tagged(Tagged),
}

/// A discriminated union.
pub(crate) struct Tagged {
    /// Wire name of the property, as a string literal.
    pub property: String,
    /// Python field name of the property as a string literal, when it
    /// differs from the wire name (for dicts built with field names).
    pub field: Option<String>,
    /// (wire value, tag) string literals.
    pub mapping: Vec<(String, String)>,
    /// (member type, tag literal).
    pub members: Vec<(String, String)>,
}

/// The root view of `models.py`.
pub(crate) struct ModelsView {
    pub classes: Vec<ClassView>,
    pub aliases: Vec<AliasView>,
    pub uses: Uses,
    pub uses_file: bool,
}

/// Python names of every IR type: the IR already made them unique
/// identifiers; only Python keywords (`None`, `True`) need an escape here.
pub(crate) fn type_names(api: &Api) -> BTreeMap<String, String> {
    let mut taken = BTreeSet::new();
    api.types
        .keys()
        .map(|k| {
            let py = crate::codegen::python::types::escape(names::pascal(k, "Model"), &[]);
            (k.clone(), names::unique(py, &mut taken))
        })
        .collect()
}

/// True when a type is printed as a class (anything else is an alias).
fn is_class(def: &TypeDef) -> bool {
    match &def.kind {
        TypeKind::Object(o) => !o.properties.is_empty(),
        _ => false,
    }
}

pub(crate) fn build(api: &Api, names: &BTreeMap<String, String>) -> ModelsView {
    let shadowed = BTreeSet::new();
    let mut uses = Uses::default();
    let mut uses_file = false;
    let mut classes = Vec::new();
    let mut alias_defs: Vec<&TypeDef> = Vec::new();
    for def in api.types.values() {
        match &def.kind {
            TypeKind::Object(o) if is_class(def) => {
                let cx = TypeCx {
                    names,
                    prefix: "",
                    binary_file: Some("_apigend_File"),
                    shadowed: &shadowed,
                    opaque: None,
                };
                let mut u = Uses::default();
                let class = class_view(def, o, names, &cx, &mut u);
                uses_file |= class.fields.iter().any(|f| f.ty.contains("_apigend_File"));
                uses.merge(u);
                classes.push(class);
            }
            _ => alias_defs.push(def),
        }
    }

    // Aliases in dependency order; `opaque` collects, per alias, the names it
    // must not reference because they are defined after it (a cycle).
    let by_name: BTreeMap<&str, &TypeDef> =
        alias_defs.iter().map(|d| (d.name.as_str(), *d)).collect();
    let mut order: Vec<&TypeDef> = Vec::new();
    let mut opaque: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 = on stack, 2 = done
    for d in &alias_defs {
        visit(d, &by_name, &mut state, &mut order, &mut opaque);
    }
    let empty = BTreeSet::new();
    let aliases = order
        .into_iter()
        .map(|def| {
            let cx = TypeCx {
                names,
                prefix: "",
                binary_file: Some("_apigend_File"),
                shadowed: &shadowed,
                opaque: Some(opaque.get(def.name.as_str()).unwrap_or(&empty)),
            };
            let mut u = Uses::default();
            let view = alias_view(def, api, names, &cx, &mut u);
            if let AliasBody::Plain(p) = &view.body {
                uses_file |= p.contains("_apigend_File");
            }
            uses.merge(u);
            view
        })
        .collect();
    ModelsView { classes, aliases, uses, uses_file }
}

/// Depth-first topological order of aliases by the aliases they mention.
///
/// Iterative, with its own stack: a chain of 10,000 aliases (`A: $ref B`,
/// `B: $ref C`, ...) overflowed the thread's stack when this recursed
/// (issue 7, `tests/hardening.rs`). Same order as the recursive walk.
fn visit<'a>(
    root: &'a TypeDef,
    by_name: &BTreeMap<&str, &'a TypeDef>,
    state: &mut BTreeMap<&'a str, u8>,
    order: &mut Vec<&'a TypeDef>,
    opaque: &mut BTreeMap<&'a str, BTreeSet<String>>,
) {
    fn deps_of(def: &TypeDef) -> std::vec::IntoIter<String> {
        let mut deps = BTreeSet::new();
        alias_deps(&def.kind, &mut deps);
        deps.into_iter().collect::<Vec<_>>().into_iter()
    }
    if state.contains_key(root.name.as_str()) {
        return;
    }
    state.insert(&root.name, 1);
    // Each frame: a definition on the stack and its dependencies not yet
    // looked at.
    let mut stack = vec![(root, deps_of(root))];
    while let Some((def, deps)) = stack.last_mut() {
        let def: &'a TypeDef = def;
        let Some(dep) = deps.next() else {
            stack.pop();
            state.insert(&def.name, 2);
            order.push(def);
            continue;
        };
        let Some(target) = by_name.get(dep.as_str()).copied() else { continue };
        match state.get(target.name.as_str()) {
            Some(1) => {
                opaque.entry(&def.name).or_default().insert(dep);
            }
            Some(_) => {}
            None => {
                state.insert(&target.name, 1);
                stack.push((target, deps_of(target)));
            }
        }
    }
}

fn alias_deps(kind: &TypeKind, out: &mut BTreeSet<String>) {
    match kind {
        TypeKind::Object(o) => {
            if let Some(a) = &o.additional {
                ref_deps(a, out);
            }
        }
        TypeKind::Enum(_) => {}
        TypeKind::Union(u) => {
            u.variants.iter().for_each(|v| ref_deps(v, out));
            if let Some(d) = &u.discriminator {
                d.mapping.iter().for_each(|(_, t)| ref_deps(t, out));
            }
        }
        TypeKind::Alias(t) => ref_deps(t, out),
    }
}

fn ref_deps(t: &TypeRef, out: &mut BTreeSet<String>) {
    match t {
        TypeRef::Named(n) => {
            out.insert(n.clone());
        }
        TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => ref_deps(i, out),
        TypeRef::AnyOf(vs) => vs.iter().for_each(|v| ref_deps(v, out)),
        _ => {}
    }
}

fn class_view(
    def: &TypeDef,
    o: &Object,
    names: &BTreeMap<String, String>,
    cx: &TypeCx<'_>,
    uses: &mut Uses,
) -> ClassView {
    let mut taken = BTreeSet::new();
    let fields = o
        .properties
        .iter()
        .map(|p| {
            let name = names::unique(field_ident(&p.name), &mut taken);
            // Optional: absent is `None` (and not sent: bodies are dumped
            // with `exclude_unset`).
            let ty = if p.required {
                cx.render(&p.ty, uses)
            } else {
                cx.render(&TypeRef::Nullable(Box::new(p.ty.clone())), uses)
            };
            let mut doc = p.doc.as_deref().map(filters::py_doc).filter(|d| !d.is_empty());
            if p.deprecated {
                doc = Some(match doc {
                    Some(d) => format!("Deprecated. {d}"),
                    None => "Deprecated.".to_string(),
                });
            }
            FieldView {
                alias: (name != p.name).then(|| filters::py_string(&p.name)),
                name,
                ty,
                optional: !p.required,
                doc: doc.map(|d| docstring(&d, 4)),
            }
        })
        .collect();
    ClassView {
        name: names.get(&def.name).cloned().unwrap_or_else(|| def.name.clone()),
        doc: docstring(&type_doc(def), 4),
        extra: o.additional.is_some(),
        fields,
    }
}

/// The docstring text of a type: its description, else where it came from.
fn type_doc(def: &TypeDef) -> String {
    let mut doc = def
        .doc
        .as_deref()
        .map(filters::py_doc)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("`{}`.", filters::py_doc(&def.origin)));
    if def.deprecated {
        doc = format!("Deprecated.\n\n{doc}");
    }
    doc
}

fn alias_view(
    def: &TypeDef,
    api: &Api,
    names: &BTreeMap<String, String>,
    cx: &TypeCx<'_>,
    uses: &mut Uses,
) -> AliasView {
    let body = match &def.kind {
        TypeKind::Object(o) => {
            // An object without declared properties is a plain mapping.
            let value = o.additional.as_deref().unwrap_or(&TypeRef::Unknown);
            AliasBody::Plain(cx.render(&TypeRef::Map(Box::new(value.clone())), uses))
        }
        TypeKind::Enum(lits) => AliasBody::Plain(join_union(cx.literal_members(lits, uses))),
        TypeKind::Union(u) => union_body(u, api, names, cx, uses),
        TypeKind::Alias(t) => AliasBody::Plain(cx.render(t, uses)),
    };
    let body = match body {
        // A bare `None` alias would make `Alias | None` fail at runtime
        // (`None | None`); `Literal[None]` is the same type and supports `|`.
        AliasBody::Plain(p) if p == "None" => AliasBody::Plain("_t.Literal[None]".to_string()),
        b => b,
    };
    AliasView {
        name: names.get(&def.name).cloned().unwrap_or_else(|| def.name.clone()),
        doc: Some(docstring(&type_doc(def), 0)),
        body,
    }
}

fn union_body(
    u: &Union,
    api: &Api,
    names: &BTreeMap<String, String>,
    cx: &TypeCx<'_>,
    uses: &mut Uses,
) -> AliasBody {
    let plain =
        |uses: &mut Uses| AliasBody::Plain(cx.render(&TypeRef::AnyOf(u.variants.clone()), uses));
    let Some(d) = &u.discriminator else { return plain(uses) };
    // Members: mapped ones in mapping order, then any variant the mapping
    // does not name. Tags are the members' Python names, which is also what
    // `type(value).__name__` gives for model instances.
    let mut members: Vec<&str> = Vec::new();
    let all_refs = d.mapping.iter().map(|(_, t)| t).chain(u.variants.iter());
    for t in all_refs {
        let TypeRef::Named(n) = t else { return plain(uses) };
        // Tagging only works for classes that exist; anything else (an alias
        // of a union, a dangling name) falls back to pydantic's smart union.
        if !api.types.get(n).is_some_and(is_class) || !names.contains_key(n) {
            return plain(uses);
        }
        if !members.contains(&n.as_str()) {
            members.push(n);
        }
    }
    if members.len() < 2 {
        return plain(uses);
    }
    let py = |n: &str| names.get(n).cloned().unwrap_or_else(|| n.to_string());
    let mapping = d
        .mapping
        .iter()
        .filter_map(|(value, t)| match t {
            TypeRef::Named(n) => Some((filters::py_string(value), filters::py_string(&py(n)))),
            _ => None,
        })
        .collect();
    let members = members
        .into_iter()
        .map(|n| (cx.render(&TypeRef::Named(n.to_string()), uses), filters::py_string(&py(n))))
        .collect();
    AliasBody::Tagged(Tagged {
        property: filters::py_string(&d.property),
        field: Some(field_ident(&d.property))
            .filter(|f| *f != d.property)
            .map(|f| filters::py_string(&f)),
        mapping,
        members,
    })
}
