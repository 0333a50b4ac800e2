//! Rewrites OpenAPI 3.1 (JSON Schema 2020-12) constructs, and a few common
//! 3.0 mistakes, into the 3.0 shapes `openapiv3` deserialises.
//!
//! - `type: [T, "null"]` → `type: T, nullable: true`; several non-null types
//!   → `anyOf` of each; `type: "null"` → a null marker.
//! - `anyOf`/`oneOf` with a `{type: "null"}` member → the rest, nullable.
//! - `const: v` → `enum: [v]`.
//! - numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum` + `true`.
//! - boolean schemas (`true`, `false`) → `{}` / `{not: {}}`.
//! - a `required` that is not a list of strings is dropped (with a warning).
//!
//! The walk only enters places that hold schemas, so a property *named*
//! `type` or `const` is left alone.

use serde_json::{Map, Value, json};

use super::MAX_DEPTH;

/// Marker for a schema that only allows `null` (`type: "null"` in 3.1),
/// which 3.0 cannot say.
pub const NULL_MARKER: &str = "x-apigend-null";

pub(super) fn normalise(root: &mut Value, warnings: &mut Vec<String>) {
    let is_31 = root.get("openapi").and_then(Value::as_str).is_some_and(|v| v.starts_with("3.1"));
    if is_31 && let Some(o) = root.as_object_mut() {
        o.insert("openapi".into(), Value::String("3.0.3".into()));
        // Webhooks are documented, not called by a client.
        o.remove("webhooks");
    }
    empty_levels(root, warnings);
    let mut w = Walker { warnings, path: Vec::new() };
    if let Some(comps) = root.get_mut("components").and_then(Value::as_object_mut) {
        for (section, items) in comps.iter_mut() {
            let Some(items) = items.as_object_mut() else { continue };
            for (name, item) in items.iter_mut() {
                w.path = vec!["components".into(), section.clone(), name.clone()];
                match section.as_str() {
                    "schemas" => w.schema(item, 0),
                    _ => w.container(item, 0),
                }
            }
        }
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (p, item) in paths.iter_mut() {
            w.path = vec!["paths".into(), p.clone()];
            w.container(item, 0);
        }
    }
}

/// `paths:`, `components:` or a section with nothing under it is `null` in
/// YAML: read as empty, where a level that is any other non-mapping stays
/// an error (`Document::index`).
fn empty_levels(root: &mut Value, warnings: &mut Vec<String>) {
    let Some(top) = root.as_object_mut() else { return };
    for key in ["paths", "components"] {
        if top.get(key).is_some_and(Value::is_null) {
            warnings.push(format!("#/{key}: empty (null); read as {{}}"));
            top.insert(key.into(), json!({}));
        }
    }
    if let Some(Value::Object(comps)) = top.get_mut("components") {
        for (section, items) in comps.iter_mut() {
            if items.is_null() {
                warnings.push(format!("#/components/{section}: empty (null); read as {{}}"));
                *items = json!({});
            }
        }
    }
}

struct Walker<'a> {
    warnings: &'a mut Vec<String>,
    path: Vec<String>,
}

impl Walker<'_> {
    /// A non-schema object (path item, operation, parameter, media type…):
    /// look for the keys under which schemas live.
    fn container(&mut self, v: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    match k.as_str() {
                        "schema" => self.schema(child, depth + 1),
                        "example" | "examples" | "default" => {}
                        _ => self.container(child, depth + 1),
                    }
                }
            }
            Value::Array(a) => {
                for c in a {
                    self.container(c, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn schema(&mut self, v: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            Value::Bool(true) => *v = json!({}),
            Value::Bool(false) => *v = json!({"not": {}}),
            Value::Object(map) => {
                if !map.contains_key("$ref") {
                    self.fix(map);
                }
                for (k, child) in map.iter_mut() {
                    match k.as_str() {
                        // `additionalProperties: false` is a flag, not a schema.
                        "additionalProperties" if child.is_boolean() => {}
                        "items" | "not" | "additionalProperties" | "contains" | "propertyNames" => {
                            self.schema(child, depth + 1);
                        }
                        "allOf" | "oneOf" | "anyOf" | "prefixItems" => {
                            if let Value::Array(a) = child {
                                for c in a {
                                    self.schema(c, depth + 1);
                                }
                            }
                        }
                        "properties" | "patternProperties" | "$defs" | "definitions" => {
                            if let Value::Object(props) = child {
                                for p in props.values_mut() {
                                    self.schema(p, depth + 1);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn fix(&mut self, map: &mut Map<String, Value>) {
        // type arrays
        if let Some(Value::Array(types)) = map.get("type").cloned() {
            let names: Vec<String> =
                types.iter().filter_map(Value::as_str).map(str::to_string).collect();
            let nullable = names.iter().any(|t| t == "null");
            let rest: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
            map.remove("type");
            match rest.as_slice() {
                [] => {
                    map.insert(NULL_MARKER.into(), Value::Bool(true));
                }
                [one] => {
                    map.insert("type".into(), Value::String((*one).clone()));
                }
                many => {
                    let members: Vec<Value> = many.iter().map(|t| json!({"type": t})).collect();
                    map.insert("anyOf".into(), Value::Array(members));
                }
            }
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
        }
        if map.get("type").and_then(Value::as_str) == Some("null") {
            map.remove("type");
            map.insert(NULL_MARKER.into(), Value::Bool(true));
            map.insert("nullable".into(), Value::Bool(true));
        }
        // anyOf/oneOf with a null member
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(members)) = map.get_mut(key) {
                let before = members.len();
                members.retain(|m| !is_null_schema(m));
                if members.len() != before {
                    map.insert("nullable".into(), Value::Bool(true));
                }
            }
        }
        if let Some(c) = map.remove("const") {
            map.entry("enum").or_insert_with(|| Value::Array(vec![c]));
        }
        for (excl, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            if let Some(n @ Value::Number(_)) = map.get(excl).cloned() {
                map.insert(bound.into(), n);
                map.insert(excl.into(), Value::Bool(true));
            }
        }
        if let Some(req) = map.get("required")
            && !req.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        {
            self.warnings.push(format!(
                "{}: `required` is not a list of property names; ignored",
                self.pointer()
            ));
            map.remove("required");
        }
        // `nullable` must be a bool for openapiv3.
        if map.get("nullable").is_some_and(|n| !n.is_boolean()) {
            map.remove("nullable");
        }
    }

    fn pointer(&self) -> String {
        let segs: Vec<String> = self.path.iter().map(|s| super::escape_pointer(s)).collect();
        format!("#/{}", segs.join("/"))
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
        || v.get("type")
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() == 1 && a[0].as_str() == Some("null"))
        || v.get(NULL_MARKER).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(schema: Value) -> Value {
        let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": schema}}});
        let mut w = Vec::new();
        normalise(&mut doc, &mut w);
        doc["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn type_arrays_with_null_become_nullable() {
        assert_eq!(
            norm(json!({"type": ["string", "null"]})),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            norm(json!({"type": ["string", "integer"]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
    }

    #[test]
    fn null_members_of_unions_become_nullable() {
        let s = norm(json!({"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}));
        assert_eq!(s, json!({"oneOf": [{"$ref": "#/components/schemas/A"}], "nullable": true}));
    }

    #[test]
    fn const_and_numeric_exclusive_bounds() {
        assert_eq!(norm(json!({"const": "x"})), json!({"enum": ["x"]}));
        assert_eq!(
            norm(json!({"type": "integer", "exclusiveMinimum": 3})),
            json!({"type": "integer", "exclusiveMinimum": true, "minimum": 3})
        );
    }

    #[test]
    fn property_named_type_is_not_a_keyword() {
        let s =
            norm(json!({"type": "object", "properties": {"type": {"type": ["string", "null"]}}}));
        assert_eq!(s["properties"]["type"], json!({"type": "string", "nullable": true}));
    }
}
