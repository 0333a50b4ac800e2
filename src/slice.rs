//! Slicing an API per group and fingerprinting the slice.
//!
//! A group's slice is its operations plus the transitive closure of the types
//! they use. Its fingerprint hashes the canonical slice, the group's config,
//! the language options and the generator version: equal fingerprints mean
//! byte-identical output, so the group need not be regenerated.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::codegen::Language;
use crate::ir::lower::{kind_refs, type_refs};
use crate::ir::{Api, Info, Operation};

/// What a group contributes to its slice and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupSpec {
    /// Group name.
    pub name: String,
    /// Title override.
    pub title: Option<String>,
    /// Description override.
    pub description: Option<String>,
    /// Version override.
    pub version: Option<String>,
}

/// The group's slice of `api`: the operations `takes` accepts (by app name as
/// the spec writes it), the types they reach, the group's info.
pub fn slice(api: &Api, group: &GroupSpec, takes: impl Fn(&str) -> bool) -> Api {
    let operations: Vec<Operation> =
        api.operations.iter().filter(|o| takes(&o.app_origin)).cloned().collect();
    let mut reach = BTreeSet::new();
    for op in &operations {
        for p in &op.params {
            type_refs(&p.ty, &mut reach);
        }
        if let Some(b) = &op.body {
            type_refs(&b.ty, &mut reach);
        }
        type_refs(&op.success.ty, &mut reach);
        for e in &op.errors {
            type_refs(&e.ty, &mut reach);
        }
    }
    // Transitive closure over type definitions.
    let mut todo: Vec<String> = reach.iter().cloned().collect();
    while let Some(n) = todo.pop() {
        if let Some(def) = api.types.get(&n) {
            let mut next = BTreeSet::new();
            kind_refs(&def.kind, &mut next);
            for m in next {
                if reach.insert(m.clone()) {
                    todo.push(m);
                }
            }
        }
    }
    let types = api
        .types
        .iter()
        .filter(|(k, _)| reach.contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Api {
        info: Info {
            title: group.title.clone().unwrap_or_else(|| api.info.title.clone()),
            description: group.description.clone().or_else(|| api.info.description.clone()),
            version: group.version.clone().unwrap_or_else(|| api.info.version.clone()),
        },
        types,
        operations,
        auth: api.auth.clone(),
        warnings: Vec::new(),
    }
}

/// Hex SHA-256 over the canonical slice, the group, the language and its
/// options, and the generator version.
#[must_use]
pub fn fingerprint(slice: &Api, group: &GroupSpec, language: Language, options: &str) -> String {
    let mut h = Sha256::new();
    h.update(concat!("apigend ", env!("CARGO_PKG_VERSION"), "\n"));
    h.update(language.as_str());
    h.update("\n");
    h.update(options);
    h.update("\n");
    // The IR serialises deterministically: BTreeMaps and sorted Vecs.
    if let Ok(bytes) = serde_json::to_vec(group) {
        h.update(&bytes);
    }
    if let Ok(bytes) = serde_json::to_vec(slice) {
        h.update(&bytes);
    }
    crate::spec::hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::lower::{AppRule, lower};

    const SPEC: &str = r"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /a/:
    get:
      tags: [alpha]
      responses: {'200': {description: '', content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}
  /b/:
    get:
      tags: [beta]
      responses: {'200': {description: '', content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}}
components:
  schemas:
    A: {type: object, properties: {c: {$ref: '#/components/schemas/C'}}}
    B: {type: object, properties: {x: {type: string}}}
    C: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}
";

    fn group(name: &str) -> GroupSpec {
        GroupSpec { name: name.into(), title: None, description: None, version: None }
    }

    fn api(spec: &str) -> Api {
        let doc = crate::spec::parse(spec.as_bytes(), "t", &|_| Err(String::new())).unwrap();
        lower(&doc.api, &AppRule::Tag)
    }

    #[test]
    fn slice_keeps_only_reachable_types_through_cycles() {
        let s = slice(&api(SPEC), &group("g"), |a| a == "alpha");
        assert_eq!(s.types.keys().collect::<Vec<_>>(), ["A", "C"]);
        assert_eq!(s.operations.len(), 1);
    }

    #[test]
    fn fingerprint_moves_only_with_the_slice() {
        let before = api(SPEC);
        let after = api(&SPEC.replace("x: {type: string}", "x: {type: integer}"));
        let fp = |a: &Api, app: &str| {
            fingerprint(&slice(a, &group("g"), |x| x == app), &group("g"), Language::TypeScript, "")
        };
        assert_eq!(fp(&before, "alpha"), fp(&after, "alpha"));
        assert_ne!(fp(&before, "beta"), fp(&after, "beta"));
    }
}
