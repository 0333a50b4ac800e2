//! Read/write views: `…Writable` twins for types whose request and
//! response shapes differ, and the type-reference walks they need.

use std::collections::{BTreeMap, BTreeSet};

use super::Lowerer;
use crate::ir::names;
use crate::ir::{Operation, TypeKind, TypeRef};

impl<'a> Lowerer<'a> {
    /// Types whose request shape differs from their response shape get a
    /// `…Writable` twin without readOnly properties; the original loses its
    /// writeOnly properties. Request bodies and parameters switch to the
    /// twins.
    pub(super) fn split_views(&mut self, ops: &mut [Operation]) {
        let direct: BTreeSet<String> = self
            .types
            .values()
            .filter(|t| match &t.kind {
                TypeKind::Object(o) => o.properties.iter().any(|p| p.read_only || p.write_only),
                _ => false,
            })
            .map(|t| t.name.clone())
            .collect();
        // Fixpoint: a type that refers to a split type is split too.
        let mut split = direct;
        loop {
            let mut grew = false;
            for t in self.types.values() {
                if split.contains(&t.name) {
                    continue;
                }
                let mut refs = BTreeSet::new();
                kind_refs(&t.kind, &mut refs);
                if refs.iter().any(|r| split.contains(r)) {
                    split.insert(t.name.clone());
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        if split.is_empty() {
            return;
        }
        // Which split types each side of the wire uses. Only types used in
        // both need two definitions; a request-only type (drf-spectacular's
        // `XRequest` under COMPONENT_SPLIT_REQUEST) keeps its name and just
        // loses its readOnly properties, a response-only one its writeOnly
        // properties, so adding a write-only field never renames a model.
        let mut req_roots = BTreeSet::new();
        let mut resp_roots = BTreeSet::new();
        for op in ops.iter() {
            if let Some(b) = &op.body {
                type_refs(&b.ty, &mut req_roots);
            }
            for p in &op.params {
                type_refs(&p.ty, &mut req_roots);
            }
            type_refs(&op.success.ty, &mut resp_roots);
            for e in &op.errors {
                type_refs(&e.ty, &mut resp_roots);
            }
        }
        let in_requests = self.closure(req_roots);
        let in_responses = self.closure(resp_roots);
        let writable: BTreeMap<String, String> = split
            .iter()
            .filter(|n| in_requests.contains(*n) && in_responses.contains(*n))
            .map(|n| (n.clone(), names::unique(format!("{n}Writable"), &mut self.taken)))
            .collect();
        let to_w = |t: &TypeRef| {
            map_named(t, &|n| writable.get(n).cloned().unwrap_or_else(|| n.to_string()))
        };
        let write_view = |kind: TypeKind| match kind {
            TypeKind::Object(mut o) => {
                o.properties.retain(|p| !p.read_only);
                for p in &mut o.properties {
                    p.ty = to_w(&p.ty);
                }
                o.additional = o.additional.map(|a| Box::new(to_w(&a)));
                TypeKind::Object(o)
            }
            TypeKind::Union(mut u) => {
                u.variants = u.variants.iter().map(&to_w).collect();
                if let Some(d) = &mut u.discriminator {
                    for (_, t) in &mut d.mapping {
                        *t = to_w(t);
                    }
                }
                TypeKind::Union(u)
            }
            TypeKind::Alias(t) => TypeKind::Alias(to_w(&t)),
            e @ TypeKind::Enum(_) => e,
        };
        let mut twins = Vec::new();
        for name in &split {
            let Some(def) = self.types.get_mut(name) else { continue };
            let request_only = in_requests.contains(name) && !in_responses.contains(name);
            if let Some(w) = writable.get(name) {
                let mut twin = def.clone();
                twin.name = w.clone();
                twin.kind = write_view(twin.kind);
                twins.push(twin);
            } else if request_only {
                let kind = std::mem::replace(&mut def.kind, TypeKind::Enum(Vec::new()));
                def.kind = write_view(kind);
                continue;
            }
            if let TypeKind::Object(o) = &mut def.kind {
                o.properties.retain(|p| !p.write_only);
            }
        }
        for t in twins {
            self.types.insert(t.name.clone(), t);
        }
        for op in ops {
            if let Some(b) = &mut op.body {
                b.ty = to_w(&b.ty);
            }
            for p in &mut op.params {
                p.ty = to_w(&p.ty);
            }
        }
    }

    /// `roots` and every type they reach.
    pub(super) fn closure(&self, roots: BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = roots.clone();
        let mut todo: Vec<String> = roots.into_iter().collect();
        while let Some(n) = todo.pop() {
            if let Some(def) = self.types.get(&n) {
                let mut next = BTreeSet::new();
                kind_refs(&def.kind, &mut next);
                for m in next {
                    if seen.insert(m.clone()) {
                        todo.push(m);
                    }
                }
            }
        }
        seen
    }
}

/// Every `Named` type a kind refers to.
pub fn kind_refs(kind: &TypeKind, out: &mut BTreeSet<String>) {
    match kind {
        TypeKind::Object(o) => {
            for p in &o.properties {
                type_refs(&p.ty, out);
            }
            if let Some(a) = &o.additional {
                type_refs(a, out);
            }
        }
        TypeKind::Union(u) => {
            for v in &u.variants {
                type_refs(v, out);
            }
            if let Some(d) = &u.discriminator {
                for (_, t) in &d.mapping {
                    type_refs(t, out);
                }
            }
        }
        TypeKind::Alias(t) => type_refs(t, out),
        TypeKind::Enum(_) => {}
    }
}

/// Every `Named` type a type expression refers to.
pub fn type_refs(t: &TypeRef, out: &mut BTreeSet<String>) {
    match t {
        TypeRef::Named(n) => {
            out.insert(n.clone());
        }
        TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => type_refs(i, out),
        TypeRef::AnyOf(vs) => vs.iter().for_each(|v| type_refs(v, out)),
        _ => {}
    }
}

pub(super) fn map_named(t: &TypeRef, f: &dyn Fn(&str) -> String) -> TypeRef {
    match t {
        TypeRef::Named(n) => TypeRef::Named(f(n)),
        TypeRef::Array(i) => TypeRef::Array(Box::new(map_named(i, f))),
        TypeRef::Map(i) => TypeRef::Map(Box::new(map_named(i, f))),
        TypeRef::Nullable(i) => TypeRef::Nullable(Box::new(map_named(i, f))),
        TypeRef::AnyOf(vs) => TypeRef::AnyOf(vs.iter().map(|v| map_named(v, f)).collect()),
        other => other.clone(),
    }
}
