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

/// The group's slice of the *document*: an OpenAPI document with only the
/// operations in `ops` (path, lowercase method) and the components they reach
/// through `$ref`s, transitively. The archive stores it so the API diff
/// between two versions of a group sees exactly what the group's clients saw.
#[must_use]
pub fn spec_slice(doc: &serde_json::Value, ops: &BTreeSet<(String, String)>) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut out = Map::new();
    for key in ["openapi", "info", "servers", "security", "tags"] {
        if let Some(v) = doc.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let mut paths = Map::new();
    if let Some(all) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in all {
            let Some(item) = item.as_object() else { continue };
            let mut kept = Map::new();
            for (k, v) in item {
                let is_method = matches!(
                    k.as_str(),
                    "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
                );
                if !is_method || ops.contains(&(path.clone(), k.clone())) {
                    kept.insert(k.clone(), v.clone());
                }
            }
            if kept.keys().any(|k| ops.contains(&(path.clone(), k.clone()))) {
                paths.insert(path.clone(), Value::Object(kept));
            }
        }
    }
    // Components reached from the kept paths, to a fixpoint.
    let comps = doc.get("components").and_then(Value::as_object);
    let mut reached: BTreeSet<(String, String)> = BTreeSet::new();
    let mut todo = Vec::new();
    collect_refs(&Value::Object(paths.clone()), &mut todo);
    while let Some((section, name)) = todo.pop() {
        if !reached.insert((section.clone(), name.clone())) {
            continue;
        }
        if let Some(v) = comps.and_then(|c| c.get(&section)).and_then(|s| s.get(&name)) {
            collect_refs(v, &mut todo);
        }
    }
    let mut components = Map::new();
    if let Some(comps) = comps {
        for (section, items) in comps {
            let Some(items) = items.as_object() else { continue };
            // Security schemes are few and decide auth; keep them all.
            let keep_all = section == "securitySchemes";
            let kept: Map<String, Value> = items
                .iter()
                .filter(|(n, _)| keep_all || reached.contains(&(section.clone(), (*n).clone())))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            if !kept.is_empty() {
                components.insert(section.clone(), Value::Object(kept));
            }
        }
    }
    out.insert("paths".into(), Value::Object(paths));
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    Value::Object(out)
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(r)) = m.get("$ref")
                && let Some(rest) = r.strip_prefix("#/components/")
                && let Some((section, name)) = rest.split_once('/')
            {
                out.push((section.to_string(), crate::spec::unescape_pointer(name)));
            }
            for c in m.values() {
                collect_refs(c, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

#[cfg(test)]
mod spec_slice_tests {
    use super::*;

    #[test]
    fn spec_slice_keeps_the_groups_operations_and_reachable_components() {
        let doc = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/a/": {"get": {"responses": {"200": {"$ref": "#/components/responses/R"}}},
                        "post": {"responses": {}}},
                "/b/": {"get": {"responses": {}}}
            },
            "components": {
                "responses": {"R": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
                "schemas": {"A": {"properties": {"c": {"$ref": "#/components/schemas/C"}}},
                            "C": {"properties": {"a": {"$ref": "#/components/schemas/A"}}},
                            "B": {"type": "string"}}
            }
        });
        let ops: BTreeSet<(String, String)> = [("/a/".to_string(), "get".to_string())].into();
        let s = spec_slice(&doc, &ops);
        assert_eq!(s["paths"].as_object().unwrap().len(), 1);
        assert!(s["paths"]["/a/"].get("post").is_none());
        let schemas: Vec<&String> =
            s["components"]["schemas"].as_object().unwrap().keys().collect();
        assert_eq!(schemas, ["A", "C"]);
    }
}
