//! Bundling: after this pass every `$ref` is `#/components/<kind>/<name>`.
//!
//! Refs into the middle of a schema (`#/components/schemas/X/allOf/0`), into
//! `paths`, and into other files (`./common.yaml#/Pet`) are hoisted: the target
//! is copied into `components` under a fresh name and the ref rewritten. The
//! rest of the pipeline then only resolves one kind of ref. Remote (`http:`)
//! refs are never fetched; they and unresolvable refs stay as they are and
//! `ir::lower` types them `unknown` with a warning naming the pointer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{FetchFn, MAX_DEPTH, escape_pointer, parse_value, unescape_pointer};

/// The component sections a hoisted target can land in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Schema,
    Parameter,
    RequestBody,
    Response,
    Header,
}

impl Kind {
    fn section(self) -> &'static str {
        match self {
            Kind::Schema => "schemas",
            Kind::Parameter => "parameters",
            Kind::RequestBody => "requestBodies",
            Kind::Response => "responses",
            Kind::Header => "headers",
        }
    }

    fn from_section(s: &str) -> Option<Kind> {
        Some(match s {
            "schemas" => Kind::Schema,
            "parameters" => Kind::Parameter,
            "requestBodies" => Kind::RequestBody,
            "responses" => Kind::Response,
            "headers" => Kind::Header,
            _ => return None,
        })
    }
}

/// Most external files one document may pull in, so a hostile spec cannot make
/// apigend read the whole disk.
const MAX_FILES: usize = 256;

struct Bundler<'a> {
    fetch: &'a FetchFn<'a>,
    /// External documents by the path they were fetched with.
    files: BTreeMap<String, Value>,
    /// (file, pointer) → (kind, hoisted name); `file` is "" for the main doc.
    hoisted: BTreeMap<(String, String), (Kind, String)>,
    /// Names taken per section, including the document's own components.
    taken: BTreeMap<Kind, BTreeSet<String>>,
    /// New components, in hoisting order.
    added: Vec<(Kind, String, Value)>,
    warnings: &'a mut Vec<String>,
}

/// Rewrites `root` in place so every resolvable `$ref` is a plain component
/// ref.
pub(super) fn bundle(
    root: &mut Value,
    fetch: &FetchFn<'_>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    if !needs_bundling(root, 0) {
        // The common case (drf-spectacular output): nothing to hoist, and no
        // reason to hold a second copy of a large document in memory.
        return Ok(());
    }
    let mut taken: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    if let Some(comps) = root.get("components").and_then(Value::as_object) {
        for (section, items) in comps {
            if let (Some(kind), Some(items)) = (Kind::from_section(section), items.as_object()) {
                taken.entry(kind).or_default().extend(items.keys().cloned());
            }
        }
    }
    // The main document is read through a snapshot: hoisting copies targets
    // out of it while the walk rewrites the live tree.
    let snapshot = root.clone();
    let mut b = Bundler {
        fetch,
        files: BTreeMap::new(),
        hoisted: BTreeMap::new(),
        taken,
        added: Vec::new(),
        warnings,
    };
    b.files.insert(String::new(), snapshot);
    b.walk(root, "", Kind::Schema, 0)?;
    if b.added.is_empty() {
        return Ok(());
    }
    let Some(obj) = root.as_object_mut() else { return Ok(()) };
    let comps = obj.entry("components").or_insert_with(|| Value::Object(Map::new()));
    if !comps.is_object() {
        *comps = Value::Object(Map::new());
    }
    if let Some(comps) = comps.as_object_mut() {
        for (kind, name, value) in b.added {
            let section = comps.entry(kind.section()).or_insert_with(|| Value::Object(Map::new()));
            if let Some(section) = section.as_object_mut() {
                section.insert(name, value);
            }
        }
    }
    Ok(())
}

impl Bundler<'_> {
    /// Walks `v`, which lives in document `base` and has kind `kind` if it is
    /// a ref site.
    fn walk(&mut self, v: &mut Value, base: &str, kind: Kind, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("the document nests deeper than {MAX_DEPTH} levels"));
        }
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let r = r.clone();
                    if let Some(new) = self.resolve(&r, base, kind, depth)? {
                        map.insert("$ref".into(), Value::String(new));
                    }
                }
                for (key, child) in map.iter_mut() {
                    if key == "$ref" || key == "example" || key == "examples" || key == "default" {
                        // Examples and defaults are data, not schema: a `$ref`
                        // key inside them is not a reference.
                        continue;
                    }
                    let child_kind = match key.as_str() {
                        "parameters" => Kind::Parameter,
                        "requestBody" | "requestBodies" => Kind::RequestBody,
                        "responses" => Kind::Response,
                        "headers" => Kind::Header,
                        "schemas"
                        | "schema"
                        | "items"
                        | "properties"
                        | "allOf"
                        | "oneOf"
                        | "anyOf"
                        | "not"
                        | "additionalProperties" => Kind::Schema,
                        _ => kind,
                    };
                    if key == "properties" {
                        // Property names are not keywords: their values are
                        // schemas whatever they are called.
                        if let Value::Object(props) = child {
                            for p in props.values_mut() {
                                self.walk(p, base, Kind::Schema, depth + 1)?;
                            }
                        }
                        continue;
                    }
                    self.walk(child, base, child_kind, depth + 1)?;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, base, kind, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Returns the rewritten ref, or `None` to leave it as written.
    fn resolve(
        &mut self,
        r: &str,
        base: &str,
        kind: Kind,
        depth: usize,
    ) -> Result<Option<String>, String> {
        let (file_part, fragment) = r.split_once('#').unwrap_or((r, ""));
        if file_part.contains("://") || file_part.starts_with("//") {
            self.warnings.push(format!(
                "$ref `{r}` points at a URL; apigend never fetches remote refs (download the file and use a relative path)"
            ));
            return Ok(None);
        }
        let file = if file_part.is_empty() { base.to_string() } else { join(base, file_part) };
        let segments: Vec<String> = fragment
            .strip_prefix('/')
            .map(|f| f.split('/').map(unescape_pointer).collect())
            .unwrap_or_default();
        // Already a plain component ref of the main document.
        if file.is_empty()
            && segments.len() == 3
            && segments[0] == "components"
            && Kind::from_section(&segments[1]).is_some()
        {
            return Ok(None);
        }
        let key = (file.clone(), fragment.to_string());
        if let Some((k, name)) = self.hoisted.get(&key) {
            return Ok(Some(component_ref(*k, name)));
        }
        if !self.files.contains_key(&file) {
            if self.files.len() >= MAX_FILES {
                return Err(format!(
                    "more than {MAX_FILES} files are referenced; refusing to read more"
                ));
            }
            match (self.fetch)(&file).and_then(|b| parse_value(&b)) {
                Ok(v) => {
                    self.files.insert(file.clone(), v);
                }
                Err(e) => {
                    self.warnings.push(format!("$ref `{r}`: cannot read `{file}`: {e}"));
                    return Ok(None);
                }
            }
        }
        let Some(target) = self.files.get(&file).and_then(|doc| lookup(doc, &segments)).cloned()
        else {
            // Dangling: lowering reports it where it is used.
            return Ok(None);
        };
        // A whole component (of another file) keeps its section's kind; any
        // other pointer is typed by what the referrer expects, so
        // `#/components/parameters/state/schema` under `properties` is a
        // schema, not a parameter (JSON Reference: a pointer names a value,
        // whatever contains it).
        let kind = match segments.as_slice() {
            [c, section, _] if c == "components" => Kind::from_section(section).unwrap_or(kind),
            _ => kind,
        };
        let name = self.fresh_name(kind, &file, &segments);
        self.hoisted.insert(key, (kind, name.clone()));
        let mut copy = target;
        self.walk(&mut copy, &file, kind, depth + 1)?;
        self.added.push((kind, name.clone(), copy));
        Ok(Some(component_ref(kind, &name)))
    }

    fn fresh_name(&mut self, kind: Kind, file: &str, segments: &[String]) -> String {
        let stem = std::path::Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let mut parts: Vec<&str> = segments
            .iter()
            .map(String::as_str)
            .filter(|s| !matches!(*s, "components" | "schemas" | "properties"))
            .collect();
        if parts.is_empty() {
            parts.push(if stem.is_empty() { "Ref" } else { &stem });
        }
        let base: String = parts.join("_");
        let taken = self.taken.entry(kind).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }
}

/// True when some `$ref` is not a plain `#/components/<section>/<name>`.
fn needs_bundling(v: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true; // let the walk report the depth
    }
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let plain = r.strip_prefix("#/components/").is_some_and(|rest| {
                    let mut it = rest.split('/');
                    matches!(
                        (it.next().and_then(Kind::from_section), it.next(), it.next()),
                        (Some(_), Some(_), None)
                    )
                });
                if !plain {
                    return true;
                }
            }
            map.iter().any(|(k, c)| {
                k != "example" && k != "examples" && k != "default" && needs_bundling(c, depth + 1)
            })
        }
        Value::Array(items) => items.iter().any(|c| needs_bundling(c, depth + 1)),
        _ => false,
    }
}

fn component_ref(kind: Kind, name: &str) -> String {
    format!("#/components/{}/{}", kind.section(), escape_pointer(name))
}

fn lookup<'v>(doc: &'v Value, segments: &[String]) -> Option<&'v Value> {
    let mut cur = doc;
    for s in segments {
        cur = match cur {
            Value::Object(m) => m.get(s)?,
            Value::Array(a) => a.get(s.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Resolves `rel` against the directory of `base` (both relative to the main
/// document), lexically.
fn join(base: &str, rel: &str) -> String {
    let dir = base.rsplit_once('/').map_or("", |(d, _)| d);
    let mut parts: Vec<&str> = if dir.is_empty() { Vec::new() } else { dir.split('/').collect() };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut doc: Value, files: &[(&str, &str)]) -> (Value, Vec<String>) {
        let files: Vec<(String, String)> =
            files.iter().map(|(a, b)| ((*a).to_string(), (*b).to_string())).collect();
        let fetch = move |p: &str| {
            files
                .iter()
                .find(|(n, _)| n == p)
                .map(|(_, c)| c.clone().into_bytes())
                .ok_or_else(|| "missing".to_string())
        };
        let mut w = Vec::new();
        bundle(&mut doc, &fetch, &mut w).unwrap();
        (doc, w)
    }

    #[test]
    fn deep_refs_are_hoisted_into_components() {
        let (doc, _) = run(
            json!({"components": {"schemas": {
                "X": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}]},
                "Y": {"$ref": "#/components/schemas/X/allOf/0"}
            }}}),
            &[],
        );
        assert_eq!(doc["components"]["schemas"]["Y"]["$ref"], "#/components/schemas/X_allOf_0");
        assert_eq!(doc["components"]["schemas"]["X_allOf_0"]["properties"]["a"]["type"], "string");
    }

    #[test]
    fn file_refs_are_inlined_with_their_own_refs() {
        let (doc, w) = run(
            json!({"components": {"schemas": {"Y": {"$ref": "./common.yaml#/Pet"}}}}),
            &[(
                "common.yaml",
                "Pet:\n  type: object\n  properties:\n    tag: {$ref: '#/Tag'}\nTag: {type: string}\n",
            )],
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(doc["components"]["schemas"]["Y"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(
            doc["components"]["schemas"]["Pet"]["properties"]["tag"]["$ref"],
            "#/components/schemas/Tag"
        );
    }

    #[test]
    fn remote_refs_are_never_fetched() {
        let (doc, w) =
            run(json!({"components": {"schemas": {"Y": {"$ref": "https://x/y.json#/A"}}}}), &[]);
        assert_eq!(doc["components"]["schemas"]["Y"]["$ref"], "https://x/y.json#/A");
        assert!(w[0].contains("never fetches"));
    }

    #[test]
    fn parameter_refs_into_paths_become_parameters() {
        let (doc, _) = run(
            json!({"paths": {"/a": {"get": {"parameters": [{"name": "q", "in": "query"}]},
                   "post": {"parameters": [{"$ref": "#/paths/~1a/get/parameters/0"}]}}}}),
            &[],
        );
        let r = &doc["paths"]["/a"]["post"]["parameters"][0]["$ref"];
        assert!(r.as_str().unwrap().starts_with("#/components/parameters/"), "{r}");
    }

    #[test]
    fn pointers_into_other_components_take_the_referrers_kind() {
        let (doc, _) = run(
            json!({"components": {
            "parameters": {"state": {"name": "state", "in": "query",
                "schema": {"type": "string", "enum": ["a"]}}},
            "responses": {"Error": {"description": "", "content": {"application/json":
                {"schema": {"type": "object"}}}}},
            "schemas": {"S": {"type": "object", "properties": {
                "state": {"$ref": "#/components/parameters/state/schema"},
                "error": {"$ref": "#/components/responses/Error/content/application~1json/schema"}
            }}}}}),
            &[],
        );
        let props = &doc["components"]["schemas"]["S"]["properties"];
        for (prop, field) in [("state", "enum"), ("error", "type")] {
            let r = props[prop]["$ref"].as_str().unwrap();
            let name = unescape_pointer(r.strip_prefix("#/components/schemas/").unwrap());
            assert!(doc["components"]["schemas"][&name].get(field).is_some(), "{r}");
        }
    }

    #[test]
    fn join_is_lexical() {
        assert_eq!(join("", "./a.yaml"), "a.yaml");
        assert_eq!(join("sub/b.yaml", "../c.yaml"), "c.yaml");
        assert_eq!(join("sub/b.yaml", "d.yaml"), "sub/d.yaml");
    }
}
