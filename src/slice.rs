//! Slicing an API per group and fingerprinting the slice.
//!
//! A group's slice is its operations plus the transitive closure of the types
//! they use. Its fingerprint hashes the canonical slice, the group's config,
//! the language options and the generator version: equal fingerprints mean
//! byte-identical output, so the group need not be regenerated.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::codegen::Language;
use crate::ir::lower::{kind_refs, type_refs};
use crate::ir::{Api, Info, Operation};
use crate::spec::Document;

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
    fingerprint_of(&slice_digest(slice, group), language, options)
}

/// SHA-256 of the canonical slice and the group: the part of a fingerprint
/// the group's languages share, hashed once for all of them (it is most of
/// the work: GitHub's whole API serialises to 8 MB).
#[must_use]
pub fn slice_digest(slice: &Api, group: &GroupSpec) -> [u8; 32] {
    let mut h = Sha256::new();
    // The IR serialises deterministically: BTreeMaps and sorted Vecs. It is
    // streamed into the hash rather than buffered.
    let mut w = HashWriter(&mut h);
    let _ = serde_json::to_writer(&mut w, group);
    let _ = serde_json::to_writer(&mut w, slice);
    h.finalize().into()
}

/// The fingerprint of one language's output from the slice's digest.
#[must_use]
pub fn fingerprint_of(digest: &[u8; 32], language: Language, options: &str) -> String {
    let mut h = Sha256::new();
    h.update(concat!("apigend ", env!("CARGO_PKG_VERSION"), "\n"));
    h.update(language.as_str());
    h.update("\n");
    h.update(options);
    h.update("\n");
    h.update(digest);
    crate::spec::hex(&h.finalize())
}

struct HashWriter<'h>(&'h mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        crate::spec::read(spec.as_bytes().to_vec(), "t", &|_| Err(String::new()), |d| {
            lower(d, &AppRule::Tag)
        })
        .unwrap()
        .1
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
pub fn spec_slice(doc: &Document, ops: &BTreeSet<(String, String)>) -> serde_json::Value {
    use serde_json::{Map, Value};
    let parse = |raw: &str| serde_json::from_str::<Value>(raw).ok();
    let mut out = Map::new();
    for key in ["openapi", "info", "servers", "security", "tags"] {
        if let Some(v) = doc.raw_top(key).and_then(parse) {
            out.insert(key.into(), v);
        }
    }
    let takes = |path: &str| {
        ops.range((path.to_string(), String::new())..).next().is_some_and(|(p, _)| p == path)
    };
    let mut paths = Map::new();
    for (path, raw) in doc.raw_paths() {
        if !takes(path) {
            continue;
        }
        let Some(Value::Object(item)) = parse(raw) else { continue };
        let mut kept = Map::new();
        for (k, v) in item {
            let is_method = matches!(
                k.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
            );
            if !is_method || ops.contains(&(path.to_string(), k.clone())) {
                kept.insert(k, v);
            }
        }
        paths.insert(path.to_string(), Value::Object(kept));
    }
    // Components reached from the kept paths, to a fixpoint, each read from
    // the document's text once.
    let mut reached: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut todo = Vec::new();
    for item in paths.values() {
        collect_refs(item, &mut todo);
    }
    while let Some((section, name)) = todo.pop() {
        let key = (section, name);
        if reached.contains_key(&key) {
            continue;
        }
        let Some(v) = doc.raw_component(&key.0, &key.1).and_then(parse) else { continue };
        collect_refs(&v, &mut todo);
        reached.insert(key, v);
    }
    let mut components = Map::new();
    for section in doc.component_sections() {
        // Security schemes are few and decide auth; keep them all.
        let keep_all = section == "securitySchemes";
        let mut kept = Map::new();
        for name in doc.component_names(section) {
            let key = (section.to_string(), name.to_string());
            if let Some(v) = reached.remove(&key) {
                kept.insert(name.to_string(), v);
            } else if keep_all && let Some(v) = doc.raw_component(section, name).and_then(parse) {
                kept.insert(name.to_string(), v);
            }
        }
        if !kept.is_empty() {
            components.insert(section.to_string(), Value::Object(kept));
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
        let (doc, ()) = crate::spec::read(
            doc.to_string().into_bytes(),
            "t.json",
            &|_| Err(String::new()),
            |_| Ok(()),
        )
        .unwrap();
        let s = spec_slice(&doc, &ops);
        assert_eq!(s["paths"].as_object().unwrap().len(), 1);
        assert!(s["paths"]["/a/"].get("post").is_none());
        let schemas: Vec<&String> =
            s["components"]["schemas"].as_object().unwrap().keys().collect();
        assert_eq!(schemas, ["A", "C"]);
    }
}
