//! Spelling IR type references as TypeScript type expressions.
//!
//! Owns precedence (when a union needs parentheses), literal spelling, the
//! `models.` qualifier used outside `models.ts`, and breaking alias cycles
//! that TypeScript rejects. It only builds strings from the IR; every spec
//! string that ends up in an expression (string literals) goes through
//! [`filters::ts_string`].

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::filters;
use crate::ir::{Api, Literal, TypeDef, TypeKind, TypeRef, Union};

/// How tightly a rendered expression binds, so a caller knows whether it
/// must be parenthesised before `[]` or inside an intersection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prec {
    /// A name, keyword, literal or bracketed type: safe anywhere.
    Atom,
    /// A union, intersection or negative number: needs `( )` before `[]`.
    Loose,
}

/// Renders type references for one output file.
pub(super) struct TsTypes<'a> {
    api: &'a Api,
    /// `""` inside `models.ts`, `"models."` in files that import the models
    /// as a namespace (so a model named `Blob` or `Promise` never shadows a
    /// global the generated code uses).
    qualifier: &'static str,
    /// What to print for binary data. A model named `Blob` would shadow the
    /// global inside `models.ts`, so there it becomes `globalThis.Blob`.
    blob: &'static str,
    /// For each alias or union that TypeScript would reject as circular
    /// (`type A = B | null; type B = A | string`), the names whose eager
    /// references from it must print as `unknown` to break the cycle.
    breaks: BTreeMap<&'a str, BTreeSet<&'a str>>,
}

impl<'a> TsTypes<'a> {
    /// Types as `models.ts` spells them: bare names.
    pub(super) fn for_models(api: &'a Api) -> Self {
        TsTypes {
            api,
            qualifier: "",
            blob: if api.types.contains_key("Blob") { "globalThis.Blob" } else { "Blob" },
            breaks: cycle_breaks(api),
        }
    }

    /// Types as an app file spells them: `models.Name`.
    pub(super) fn for_apps(api: &'a Api) -> Self {
        TsTypes { api, qualifier: "models.", blob: "Blob", breaks: BTreeMap::new() }
    }

    /// A type expression for `ty` in a context that accepts any expression
    /// (after `:` or `=`, as a type argument).
    pub(super) fn expr(&self, ty: &TypeRef) -> String {
        self.render(ty, None).0
    }

    /// The right-hand side of `export type <def.name> = …` for a non-object
    /// type definition, with circular references broken.
    pub(super) fn def_expr(&self, def: &TypeDef) -> String {
        let breaks = self.breaks.get(def.name.as_str());
        match &def.kind {
            TypeKind::Enum(lits) => literals(lits).0,
            TypeKind::Alias(ty) => self.render(ty, breaks).0,
            TypeKind::Union(u) => self.union(u, breaks).0,
            // Objects are printed member by member by the template; this
            // arm only serves callers that want a one-line spelling.
            TypeKind::Object(_) => "{ [key: string]: unknown }".to_string(),
        }
    }

    /// True when `ty` mentions a named model (so the file must import them).
    pub(super) fn mentions_model(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(n) => self.api.types.contains_key(n),
            TypeRef::Array(t) | TypeRef::Map(t) | TypeRef::Nullable(t) => self.mentions_model(t),
            TypeRef::AnyOf(ts) => ts.iter().any(|t| self.mentions_model(t)),
            _ => false,
        }
    }

    /// `breaks` is the set of names to print as `unknown` while still in an
    /// eager position of a circular alias; `None` once inside `[]` or `{}`,
    /// where TypeScript defers resolution and recursion is fine.
    fn render(&self, ty: &TypeRef, breaks: Option<&BTreeSet<&'a str>>) -> (String, Prec) {
        match ty {
            TypeRef::Named(n) => {
                if !self.api.types.contains_key(n) || breaks.is_some_and(|b| b.contains(n.as_str()))
                {
                    ("unknown".into(), Prec::Atom)
                } else {
                    (format!("{}{n}", self.qualifier), Prec::Atom)
                }
            }
            // date, date-time, uuid and decimal stay strings on the wire and
            // in the type (docs/clients.md): no parsing, no precision loss.
            TypeRef::String(_) => ("string".into(), Prec::Atom),
            TypeRef::Integer | TypeRef::Number => ("number".into(), Prec::Atom),
            TypeRef::Boolean => ("boolean".into(), Prec::Atom),
            // A multipart file part may carry its file name (the client's
            // `Upload`); a response never has binary inside JSON.
            TypeRef::Binary => (
                format!("{b} | {{ readonly blob: {b}; readonly filename: string }}", b = self.blob),
                Prec::Loose,
            ),
            TypeRef::Null => ("null".into(), Prec::Atom),
            TypeRef::Unknown => ("unknown".into(), Prec::Atom),
            TypeRef::Array(inner) => {
                let (s, p) = self.render(inner, None);
                (
                    match p {
                        Prec::Atom => format!("{s}[]"),
                        Prec::Loose => format!("({s})[]"),
                    },
                    Prec::Atom,
                )
            }
            // An index-signature literal rather than `Record<string, T>`:
            // `Record` is a type alias, which TypeScript resolves eagerly, so
            // `type Tree = Record<string, Tree>` would be rejected as circular.
            TypeRef::Map(inner) => {
                (format!("{{ [key: string]: {} }}", self.render(inner, None).0), Prec::Atom)
            }
            TypeRef::Nullable(inner) => {
                let (s, p) = self.render(inner, breaks);
                if s == "unknown" || s == "null" {
                    (s, p)
                } else {
                    (format!("{s} | null"), Prec::Loose)
                }
            }
            TypeRef::Literals(lits) => literals(lits),
            TypeRef::AnyOf(members) => {
                join_union(members.iter().map(|m| self.render(m, breaks)).collect())
            }
        }
    }

    /// oneOf/anyOf. With a discriminator, every mapped member becomes
    /// `({ prop: "value" } & Member)` so `switch (x.prop)` narrows.
    fn union(&self, u: &Union, breaks: Option<&BTreeSet<&'a str>>) -> (String, Prec) {
        let Some(d) = u.discriminator.as_ref().filter(|d| !d.mapping.is_empty()) else {
            return join_union(u.variants.iter().map(|v| self.render(v, breaks)).collect());
        };
        let key = property_key(&d.property);
        let mut parts: Vec<(String, Prec)> = d
            .mapping
            .iter()
            .map(|(value, ty)| {
                let (s, p) = self.render(ty, breaks);
                let member = if p == Prec::Loose { format!("({s})") } else { s };
                let tagged = format!("({{ {key}: {} }} & {member})", filters::ts_string(value));
                (tagged, Prec::Atom)
            })
            .collect();
        // Variants the mapping does not reach stay in the union undiscriminated
        // rather than being silently dropped.
        for v in &u.variants {
            if !d.mapping.iter().any(|(_, t)| t == v) {
                parts.push(self.render(v, breaks));
            }
        }
        join_union(parts)
    }
}

/// `A | B | C`, without duplicates; `unknown` swallows every other member.
fn join_union(mut parts: Vec<(String, Prec)>) -> (String, Prec) {
    let mut seen = BTreeSet::new();
    parts.retain(|(s, _)| seen.insert(s.clone()));
    if parts.len() > 1 && parts.iter().any(|(s, _)| s == "unknown") {
        return ("unknown".into(), Prec::Atom);
    }
    match parts.len() {
        // A union with no members accepts nothing in theory; in a spec it
        // means "not described", which is `unknown`.
        0 => ("unknown".into(), Prec::Atom),
        1 => parts.remove(0),
        _ => {
            let joined: Vec<String> = parts.into_iter().map(|(s, _)| s).collect();
            (joined.join(" | "), Prec::Loose)
        }
    }
}

/// A property name as a key: bare when it is an identifier, else quoted.
pub(super) fn property_key(name: &str) -> String {
    if crate::ir::names::is_ts_property_name(name) {
        name.to_string()
    } else {
        filters::ts_string(name)
    }
}

/// `"a" | 1 | true | null`.
fn literals(lits: &[Literal]) -> (String, Prec) {
    let mut parts: Vec<String> = lits.iter().map(literal).collect();
    dedup_keep_order(&mut parts);
    match parts.len() {
        0 => ("never".into(), Prec::Atom),
        1 if !parts[0].starts_with('-') => (parts.remove(0), Prec::Atom),
        _ => (parts.join(" | "), Prec::Loose),
    }
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Str(s) => filters::ts_string(s),
        Literal::Int(i) => i.to_string(),
        // The IR keeps the JSON text; print it only when it is a plain
        // decimal number so nothing else can slip into the type position.
        Literal::Num(n) => {
            let plain = !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
                && n.parse::<f64>().is_ok_and(f64::is_finite);
            if plain { n.clone() } else { "number".into() }
        }
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
    }
}

fn dedup_keep_order(parts: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    parts.retain(|p| seen.insert(p.clone()));
}

/// Named types an alias or union refers to *eagerly*: outside any array or
/// map, where TypeScript must resolve the name to know the alias itself.
fn eager_refs<'a>(ty: &'a TypeRef, out: &mut BTreeSet<&'a str>) {
    match ty {
        TypeRef::Named(n) => {
            out.insert(n.as_str());
        }
        TypeRef::Nullable(t) => eager_refs(t, out),
        TypeRef::AnyOf(ts) => ts.iter().for_each(|t| eager_refs(t, out)),
        _ => {}
    }
}

/// For every alias or union on a cycle of eager references, the names on
/// that cycle. Objects, arrays and maps are not eager, so ordinary recursive
/// models (`Comment { replies: Comment[] }`) are untouched.
fn cycle_breaks(api: &Api) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for def in api.types.values() {
        let mut out = BTreeSet::new();
        match &def.kind {
            TypeKind::Alias(t) => eager_refs(t, &mut out),
            TypeKind::Union(u) => {
                u.variants.iter().for_each(|v| eager_refs(v, &mut out));
                if let Some(d) = &u.discriminator {
                    d.mapping.iter().for_each(|(_, t)| eager_refs(t, &mut out));
                }
            }
            TypeKind::Object(_) | TypeKind::Enum(_) => {}
        }
        if !out.is_empty() {
            edges.insert(def.name.as_str(), out);
        }
    }
    // A target is on a cycle with `node` exactly when both are in the same
    // strongly connected component. Components, not reachability per node:
    // a hostile spec with a 10,000-long alias chain made the per-node sets
    // quadratic in time and memory (issue 7).
    let component = components(&edges);
    let mut breaks = BTreeMap::new();
    for (&node, targets) in &edges {
        let mine = component.get(node);
        let on_cycle: BTreeSet<&str> = targets
            .iter()
            .copied()
            .filter(|t| mine.is_some() && component.get(t) == mine)
            .collect();
        if !on_cycle.is_empty() {
            breaks.insert(node, on_cycle);
        }
    }
    breaks
}

/// The strongly connected component of every node of `edges` (Kosaraju's
/// algorithm with explicit stacks, so a long chain cannot overflow the
/// thread's stack): node → component number.
fn components<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> BTreeMap<&'a str, usize> {
    let mut nodes: BTreeSet<&str> = edges.keys().copied().collect();
    nodes.extend(edges.values().flatten().copied());
    let mut reverse: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (&from, tos) in edges {
        for &to in tos {
            reverse.entry(to).or_default().push(from);
        }
    }
    // 1. Nodes in order of finishing a depth-first walk.
    let mut finished = Vec::with_capacity(nodes.len());
    let mut seen = BTreeSet::new();
    for &start in &nodes {
        if !seen.insert(start) {
            continue;
        }
        let succ = |n: &str| edges.get(n).into_iter().flatten().copied().collect::<Vec<_>>();
        let mut stack = vec![(start, succ(start).into_iter())];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match next.next() {
                Some(m) => {
                    if seen.insert(m) {
                        stack.push((m, succ(m).into_iter()));
                    }
                }
                None => {
                    finished.push(node);
                    stack.pop();
                }
            }
        }
    }
    // 2. Walks of the reversed graph, latest finished first: each is one
    // component.
    let mut component = BTreeMap::new();
    for (id, &start) in finished.iter().rev().enumerate() {
        if component.contains_key(start) {
            continue;
        }
        component.insert(start, id);
        let mut stack = vec![start];
        while let Some(n) = stack.pop() {
            for &m in reverse.get(n).into_iter().flatten() {
                if !component.contains_key(m) {
                    component.insert(m, id);
                    stack.push(m);
                }
            }
        }
    }
    component
}
