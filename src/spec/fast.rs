//! The fast path for large, plain OpenAPI 3.0 JSON documents (GitHub's is
//! 12 MB): deserialise straight from the bytes, with `paths` and
//! `components.schemas` split into raw slices and typed in parallel.
//!
//! It applies only when the slow path would not change the document: JSON,
//! `openapi: 3.0.x`, and every `$ref` already a plain component ref (so there
//! is nothing to bundle). Any doubt, any error, returns `None` and the caller
//! takes the slow path, which also produces the good error messages. The same
//! input always takes the same path, so output stays deterministic.

use indexmap::IndexMap;
use openapiv3::{OpenAPI, PathItem, ReferenceOr, Schema};
use rayon::prelude::*;
use serde_json::value::RawValue;

pub(super) fn parse(bytes: &[u8]) -> Option<OpenAPI> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with('{') || !refs_are_plain(text) {
        return None;
    }
    let top: IndexMap<String, &RawValue> = serde_json::from_str(text).ok()?;
    let version: String = serde_json::from_str(top.get("openapi")?.get()).ok()?;
    if !version.starts_with("3.0") {
        return None;
    }
    let paths: IndexMap<String, &RawValue> = match top.get("paths") {
        Some(p) => serde_json::from_str(p.get()).ok()?,
        None => IndexMap::new(),
    };
    let mut components: IndexMap<String, &RawValue> = match top.get("components") {
        Some(c) => serde_json::from_str(c.get()).ok()?,
        None => IndexMap::new(),
    };
    let schemas: IndexMap<String, &RawValue> = match components.shift_remove("schemas") {
        Some(s) => serde_json::from_str(s.get()).ok()?,
        None => IndexMap::new(),
    };

    // Everything but the two big maps, reassembled and typed as usual.
    let mut rest = String::from("{");
    for (k, v) in &top {
        if k == "paths" || k == "components" {
            continue;
        }
        push_entry(&mut rest, k, v.get());
    }
    push_entry(&mut rest, "paths", "{}");
    let mut comps = String::from("{");
    for (k, v) in &components {
        push_entry(&mut comps, k, v.get());
    }
    comps.push('}');
    push_entry(&mut rest, "components", &comps);
    rest.push('}');

    let ((api, typed_paths), typed_schemas) = rayon::join(
        || {
            rayon::join(
                || serde_json::from_str::<OpenAPI>(&rest).ok(),
                || {
                    paths
                        .iter()
                        .collect::<Vec<_>>()
                        .into_par_iter()
                        .filter(|(k, _)| !k.starts_with("x-"))
                        .map(|(k, v)| {
                            serde_json::from_str::<ReferenceOr<PathItem>>(v.get())
                                .ok()
                                .map(|p| (k.clone(), p))
                        })
                        .collect::<Option<Vec<_>>>()
                },
            )
        },
        || {
            schemas
                .iter()
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|(k, v)| {
                    serde_json::from_str::<ReferenceOr<Schema>>(v.get())
                        .ok()
                        .map(|s| (k.clone(), s))
                })
                .collect::<Option<Vec<_>>>()
        },
    );
    let mut api = api?;
    api.paths.paths = typed_paths?.into_iter().collect();
    for (k, v) in &paths {
        if k.starts_with("x-") {
            api.paths.extensions.insert(k.clone(), serde_json::from_str(v.get()).ok()?);
        }
    }
    let typed_schemas = typed_schemas?;
    if !typed_schemas.is_empty() || api.components.is_some() {
        api.components.get_or_insert_with(Default::default).schemas =
            typed_schemas.into_iter().collect();
    }
    Some(api)
}

fn push_entry(out: &mut String, key: &str, raw: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    // Keys came out of a JSON parse; re-encoding them cannot fail.
    out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".into()));
    out.push(':');
    out.push_str(raw);
}

/// True when every `"$ref": "…"` in the text is `#/components/<section>/<name>`
/// with no escapes. A byte scan: cheap next to parsing.
fn refs_are_plain(text: &str) -> bool {
    const KEY: &str = "\"$ref\"";
    let mut rest = text;
    while let Some(i) = rest.find(KEY) {
        rest = &rest[i + KEY.len()..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else { return false };
        let Some(val) = after.trim_start().strip_prefix('"') else { return false };
        let Some(end) = val.find('"') else { return false };
        let r = &val[..end];
        if r.contains('\\') {
            return false;
        }
        let Some(tail) = r.strip_prefix("#/components/") else { return false };
        let mut parts = tail.split('/');
        let section = parts.next().unwrap_or("");
        if !matches!(section, "schemas" | "parameters" | "requestBodies" | "responses" | "headers")
            || parts.next().is_none_or(str::is_empty)
            || parts.next().is_some()
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_and_slow_paths_agree() {
        let doc = br##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
          "paths": {"/a": {"get": {"responses": {"200": {"description": "",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
             "x-ext": 1},
          "components": {"schemas": {"A": {"type": "object", "properties": {"b": {"type": "string"}}}},
             "securitySchemes": {"s": {"type": "http", "scheme": "bearer"}}}}"##;
        let fast = parse(doc).unwrap();
        let slow = super::super::parse_value(doc).unwrap();
        let slow: OpenAPI = serde_json::from_value(slow).unwrap();
        assert_eq!(fast, slow);
    }

    #[test]
    fn deep_refs_and_31_take_the_slow_path() {
        assert!(!refs_are_plain(r##"{"$ref": "#/components/schemas/A/allOf/0"}"##));
        assert!(!refs_are_plain(r##"{"$ref": "./x.yaml#/A"}"##));
        assert!(refs_are_plain(r##"{"$ref" : "#/components/schemas/A"}"##));
        assert!(
            parse(br#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}"#)
                .is_none()
        );
    }
}
