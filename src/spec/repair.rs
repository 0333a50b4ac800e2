//! Last-resort repairs of a piece `openapiv3` refuses: the smallest part
//! that does not type is fixed, dropped or typed unknown, with one warning
//! naming its JSON pointer and what was done.
//!
//! `openapiv3` reports a refused `$ref`-or-item only at the outermost one
//! (its `ReferenceOr` re-reads the value without a path), so a bad property
//! deep in a path item would name the whole path item. Here every node is
//! typed on its own, children first, so the warning names the part that is
//! wrong and everything around it survives. Only pieces that failed to type
//! come here: a valid document pays nothing.
//!
//! What each kind of node becomes when it cannot be fixed:
//! - a schema → `{}` (typed `unknown` by the generators);
//! - a parameter, response, media type, header, server, tag or security
//!   requirement → dropped;
//! - an operation → skipped, and so is one whose request body is refused,
//!   since a call without its body would be wrong on the wire;
//! - `info` → its title, version and description, as strings (empty when
//!   missing).

use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use openapiv3 as oa;

/// The kinds of node this module knows the children of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    MediaType,
    Header,
    Schema,
    Security,
    Server,
    Tag,
    SecurityScheme,
    Link,
    Callback,
    Example,
}

/// What the parent does with a child after its repair.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    Keep,
    Drop,
}

/// The `openapiv3` type a node must read as; `Err` carries its message.
fn check(v: &Value, node: Node) -> Result<(), String> {
    fn is<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
        // openapiv3's `ReferenceOr` can panic on a value it reads two ways
        // (see `document::typed`); that is a refusal like any other.
        match std::panic::catch_unwind(|| T::deserialize(v).map(drop)) {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("the openapiv3 reader failed on it".into()),
        }
    }
    use oa::ReferenceOr as R;
    match node {
        Node::PathItem => is::<R<oa::PathItem>>(v),
        Node::Operation => is::<oa::Operation>(v),
        Node::Parameter => is::<R<oa::Parameter>>(v),
        Node::RequestBody => is::<R<oa::RequestBody>>(v),
        Node::Response => is::<R<oa::Response>>(v),
        Node::MediaType => is::<oa::MediaType>(v),
        Node::Header => is::<R<oa::Header>>(v),
        Node::Schema => is::<R<oa::Schema>>(v),
        Node::Security => is::<oa::SecurityRequirement>(v),
        Node::Server => is::<oa::Server>(v),
        Node::Tag => is::<oa::Tag>(v),
        Node::SecurityScheme => is::<R<oa::SecurityScheme>>(v),
        Node::Link => is::<R<oa::Link>>(v),
        Node::Callback => is::<R<oa::Callback>>(v),
        Node::Example => is::<R<oa::Example>>(v),
    }
}

/// Where a node's children live: (key, how they are held, their kind).
#[derive(Clone, Copy)]
enum Holds {
    One,
    List,
    Map,
}

fn children(node: Node) -> &'static [(&'static str, Holds, Node)] {
    use Holds::{List, Map, One};
    match node {
        Node::PathItem => &[
            ("parameters", List, Node::Parameter),
            ("servers", List, Node::Server),
            ("get", One, Node::Operation),
            ("put", One, Node::Operation),
            ("post", One, Node::Operation),
            ("delete", One, Node::Operation),
            ("options", One, Node::Operation),
            ("head", One, Node::Operation),
            ("patch", One, Node::Operation),
            ("trace", One, Node::Operation),
        ],
        Node::Operation => &[
            ("parameters", List, Node::Parameter),
            ("requestBody", One, Node::RequestBody),
            ("responses", Map, Node::Response),
            ("security", List, Node::Security),
            ("servers", List, Node::Server),
            ("callbacks", Map, Node::Callback),
        ],
        Node::Parameter | Node::Header => {
            &[("schema", One, Node::Schema), ("content", Map, Node::MediaType)]
        }
        Node::RequestBody => &[("content", Map, Node::MediaType)],
        Node::Response => &[
            ("content", Map, Node::MediaType),
            ("headers", Map, Node::Header),
            ("links", Map, Node::Link),
        ],
        Node::MediaType => &[("schema", One, Node::Schema)],
        Node::Schema => &[
            ("properties", Map, Node::Schema),
            ("items", One, Node::Schema),
            ("additionalProperties", One, Node::Schema),
            ("allOf", List, Node::Schema),
            ("oneOf", List, Node::Schema),
            ("anyOf", List, Node::Schema),
            ("not", One, Node::Schema),
        ],
        _ => &[],
    }
}

/// Repairs one path item (`at` is its pointer, `#/paths/~1users`). `false`
/// when nothing of it could be kept.
pub(super) fn path_item(v: &mut Value, at: &str, warnings: &mut Vec<String>) -> bool {
    repair(v, Node::PathItem, at, warnings, 0) == Fate::Keep
}

/// Repairs one component schema; it always survives, as `{}` at worst.
pub(super) fn schema(v: &mut Value, at: &str, warnings: &mut Vec<String>) {
    repair(v, Node::Schema, at, warnings, 0);
}

/// Repairs the head: everything but the paths and the component schemas.
pub(super) fn head(v: &mut Value, warnings: &mut Vec<String>) {
    let Some(top) = v.as_object_mut() else { return };
    let info_ok = top.get("info").is_some_and(|i| oa::Info::deserialize(i).is_ok());
    if !info_ok {
        // Keep what is readable of a broken `info`.
        let old = top.get("info").and_then(Value::as_object).cloned().unwrap_or_default();
        let text = |k: &str| match old.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => String::new(),
        };
        let mut info = json!({"title": text("title"), "version": text("version")});
        if let Some(d) = old.get("description").and_then(Value::as_str) {
            info["description"] = Value::String(d.into());
        }
        warnings.push(match top.contains_key("info") {
            true => {
                "#/info: not a valid Info object; only its title, version and description are kept"
                    .into()
            }
            false => "#/info: missing; the client has an empty title and version".into(),
        });
        top.insert("info".into(), info);
    }
    for (key, holds, node) in [
        ("servers", Holds::List, Node::Server),
        ("security", Holds::List, Node::Security),
        ("tags", Holds::List, Node::Tag),
    ] {
        repair_children(top, key, holds, node, "#", warnings, 0);
    }
    if top.get("externalDocs").is_some_and(|d| oa::ExternalDocumentation::deserialize(d).is_err()) {
        top.remove("externalDocs");
        warnings.push("#/externalDocs: not a valid External Documentation object; ignored".into());
    }
    if let Some(Value::Object(comps)) = top.get_mut("components") {
        for (section, node) in [
            ("parameters", Node::Parameter),
            ("responses", Node::Response),
            ("requestBodies", Node::RequestBody),
            ("headers", Node::Header),
            ("securitySchemes", Node::SecurityScheme),
            ("links", Node::Link),
            ("callbacks", Node::Callback),
            ("examples", Node::Example),
        ] {
            repair_children(comps, section, Holds::Map, node, "#/components", warnings, 0);
        }
    }
}

fn repair(v: &mut Value, node: Node, at: &str, warnings: &mut Vec<String>, depth: usize) -> Fate {
    let Err(first) = check(v, node) else { return Fate::Keep };
    if depth > super::MAX_DEPTH {
        return degrade(v, node, at, &first, warnings);
    }
    // A `$ref` that does not read is not worth looking into.
    if let Some(map) = v.as_object_mut()
        && !map.contains_key("$ref")
    {
        fix(map, node, at, warnings);
        for (key, holds, child) in children(node) {
            let dropped = repair_children(map, key, *holds, *child, at, warnings, depth);
            if dropped && node == Node::Operation && *key == "requestBody" {
                warnings.push(format!("{at}: operation skipped: its request body is not valid"));
                return Fate::Drop;
            }
        }
    }
    match check(v, node) {
        Ok(()) => Fate::Keep,
        Err(e) => degrade(v, node, at, &e, warnings),
    }
}

/// Repairs the children under `key`; `true` when a `One` child was dropped.
fn repair_children(
    map: &mut Map<String, Value>,
    key: &str,
    holds: Holds,
    node: Node,
    at: &str,
    warnings: &mut Vec<String>,
    depth: usize,
) -> bool {
    let here = format!("{at}/{}", super::escape_pointer(key));
    let Some(child) = map.get_mut(key) else { return false };
    match (holds, child) {
        // `additionalProperties: true/false` is a flag, not a schema.
        (Holds::One, Value::Bool(_)) if key == "additionalProperties" => false,
        (Holds::One, child) => {
            if repair(child, node, &here, warnings, depth + 1) == Fate::Drop {
                map.remove(key);
                return true;
            }
            false
        }
        (Holds::List, Value::Array(items)) => {
            let mut n = 0;
            items.retain_mut(|item| {
                let here = format!("{here}/{n}");
                n += 1;
                repair(item, node, &here, warnings, depth + 1) == Fate::Keep
            });
            false
        }
        (Holds::Map, Value::Object(items)) => {
            items.retain(|k, item| {
                k.starts_with("x-")
                    || repair(
                        item,
                        node,
                        &format!("{here}/{}", super::escape_pointer(k)),
                        warnings,
                        depth + 1,
                    ) == Fate::Keep
            });
            false
        }
        // Not a list or mapping: the node's own check degrades it.
        _ => false,
    }
}

/// Fixes that keep the node's meaning: what real documents get wrong.
fn fix(map: &mut Map<String, Value>, node: Node, at: &str, warnings: &mut Vec<String>) {
    let mut warn = |what: String| warnings.push(format!("{at}: {what}"));
    fix_scalars(map, node, &mut warn);
    match node {
        // A response key that is no status code is ignored by openapiv3
        // and reported by the lowering's first pass.
        Node::Operation if !map.get("responses").is_some_and(Value::is_object) => {
            warn(match map.contains_key("responses") {
                true => "`responses` is not a mapping; the operation returns nothing".into(),
                false => "no `responses`; the operation returns nothing".into(),
            });
            map.insert("responses".into(), json!({}));
        }
        Node::Parameter | Node::Header
            if !map.contains_key("schema") && !map.contains_key("content") =>
        {
            warn("no `schema` or `content`; typed unknown".into());
            map.insert("schema".into(), json!({}));
        }
        // A missing description loses nothing a client shows.
        Node::Response if !map.get("description").is_some_and(Value::is_string) => {
            map.insert("description".into(), Value::String(String::new()));
        }
        Node::Security => {
            for (scheme, scopes) in map.iter_mut() {
                let Value::Array(list) = scopes else {
                    warn(format!("scopes of `{scheme}` are not a list; none required"));
                    *scopes = json!([]);
                    continue;
                };
                let before = list.len();
                list.retain(Value::is_string);
                if list.len() != before {
                    warn(format!("scopes of `{scheme}` that are not strings (null?) ignored"));
                }
            }
        }
        Node::Schema => fix_schema(map, &mut warn),
        _ => {}
    }
}

/// Scalar members of the wrong JSON type: a number or boolean where a
/// string belongs is spelled as one (YAML reads `operationId: 200` and
/// `version: 1.0` as numbers), `"true"`/`"false"` where a boolean belongs is
/// read as one, a lone tag becomes a list; anything else is dropped.
fn fix_scalars(map: &mut Map<String, Value>, node: Node, warn: &mut impl FnMut(String)) {
    let (strings, booleans): (&[&str], &[&str]) = match node {
        Node::Operation => (&["operationId", "summary", "description"], &["deprecated"]),
        Node::Parameter | Node::Header => (
            &["name", "description"],
            &["required", "deprecated", "allowEmptyValue", "explode", "allowReserved"],
        ),
        Node::RequestBody => (&["description"], &["required"]),
        _ => return,
    };
    for key in strings {
        match map.get(*key) {
            None | Some(Value::String(_)) => {}
            Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                let s = v.to_string();
                warn(format!("`{key}: {s}` is not a string; read as \"{s}\""));
                map.insert((*key).into(), Value::String(s));
            }
            Some(_) => {
                warn(format!("`{key}` is not a string; ignored"));
                map.remove(*key);
            }
        }
    }
    for key in booleans {
        match map.get(*key) {
            None | Some(Value::Bool(_)) => {}
            Some(Value::String(s)) if s == "true" || s == "false" => {
                let b = s == "true";
                warn(format!("`{key}: \"{s}\"` is a string; read as {b}"));
                map.insert((*key).into(), Value::Bool(b));
            }
            Some(_) => {
                warn(format!("`{key}` is not a boolean; ignored"));
                map.remove(*key);
            }
        }
    }
    if node == Node::Operation {
        match map.get("tags") {
            None | Some(Value::Array(_)) => {}
            Some(Value::String(s)) => {
                warn(format!("`tags` is a string; read as the list [{s}]"));
                let tags = json!([s]);
                map.insert("tags".into(), tags);
            }
            Some(_) => {
                warn("`tags` is not a list; ignored".into());
                map.remove("tags");
            }
        }
        if let Some(Value::Array(tags)) = map.get_mut("tags") {
            let before = tags.len();
            tags.retain(Value::is_string);
            if tags.len() != before {
                warn("tags that are not strings ignored".into());
            }
        }
    }
    let style_fits = |s: &Value| match map.get("in").and_then(Value::as_str) {
        Some("path") => oa::PathStyle::deserialize(s).is_ok(),
        Some("query") => oa::QueryStyle::deserialize(s).is_ok(),
        Some("cookie") => oa::CookieStyle::deserialize(s).is_ok(),
        _ => oa::HeaderStyle::deserialize(s).is_ok(),
    };
    if matches!(node, Node::Parameter | Node::Header)
        && map.get("style").is_some_and(|s| !style_fits(s))
    {
        let style = map.remove("style").unwrap_or_default();
        warn(format!("unknown `style: {style}`; the location's default is used"));
    }
}

/// JSON Schema keywords the generators never read, only validators:
/// dropped when they have the wrong type rather than losing the schema.
const VALIDATION: &[&str] = &[
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "uniqueItems",
    "pattern",
];

fn fix_schema(map: &mut Map<String, Value>, warn: &mut impl FnMut(String)) {
    let ty = map.get("type").cloned();
    if let Some(Value::String(t)) = &ty {
        match t.as_str() {
            "string" | "integer" | "number" | "boolean" | "array" | "object" => {}
            // Swagger 2's upload type.
            "file" => {
                warn("`type: file` is Swagger 2; read as a binary string".into());
                map.insert("type".into(), json!("string"));
                map.insert("format".into(), json!("binary"));
            }
            other => {
                warn(format!("unknown `type: {other}`; typed from the rest of the schema"));
                map.remove("type");
            }
        }
    } else if ty.is_some() {
        warn("`type` is not a string; typed from the rest of the schema".into());
        map.remove("type");
    }
    let ty = map.get("type").and_then(Value::as_str).map(str::to_string);
    if let Some(Value::Array(values)) = map.get("enum") {
        let fits = |v: &Value| match ty.as_deref() {
            Some("string") => v.is_string() || v.is_null(),
            Some("integer") => v.is_i64() || v.is_u64() || v.is_null(),
            Some("number") => v.is_number() || v.is_null(),
            Some("boolean") => v.is_boolean() || v.is_null(),
            _ => true,
        };
        if !values.iter().all(fits) {
            warn(format!(
                "`enum` values are not all {}s; typed from the values",
                ty.as_deref().unwrap_or("")
            ));
            map.remove("type");
        }
    } else if map.contains_key("enum") {
        warn("`enum` is not a list; ignored".into());
        map.remove("enum");
    }
    let integer = map.get("type").and_then(Value::as_str) == Some("integer");
    for key in VALIDATION {
        let Some(v) = map.get(*key) else { continue };
        let ok = match *key {
            "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" => v.is_boolean(),
            "pattern" => v.is_string(),
            "minimum" | "maximum" | "multipleOf" if integer => v.is_i64(),
            "minimum" | "maximum" | "multipleOf" => v.is_number(),
            _ => v.is_u64(),
        };
        if !ok {
            warn(format!("`{key}: {v}` is not valid there; ignored"));
            map.remove(*key);
        }
    }
    for key in ["nullable", "readOnly", "writeOnly", "deprecated"] {
        if map.get(key).is_some_and(|v| !v.is_boolean()) {
            warn(format!("`{key}` is not a boolean; ignored"));
            map.remove(key);
        }
    }
    for key in ["title", "description", "format"] {
        if map.get(key).is_some_and(|v| !v.is_string()) {
            warn(format!("`{key}` is not a string; ignored"));
            map.remove(key);
        }
    }
    if map
        .get("required")
        .is_some_and(|r| !r.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
    {
        warn("`required` is not a list of property names; ignored".into());
        map.remove("required");
    }
    if map.get("items").is_some_and(|i| !i.is_object()) {
        warn("`items` is not a schema (a tuple?); items typed unknown".into());
        map.insert("items".into(), json!({}));
    }
    if map.get("discriminator").is_some_and(|d| oa::Discriminator::deserialize(d).is_err()) {
        warn("`discriminator` is not a valid Discriminator object; ignored".into());
        map.remove("discriminator");
    }
}

fn degrade(v: &mut Value, node: Node, at: &str, error: &str, warnings: &mut Vec<String>) -> Fate {
    let done = match node {
        Node::Schema => {
            *v = json!({});
            warnings.push(format!("{at}: {error}; typed unknown"));
            return Fate::Keep;
        }
        Node::PathItem => "path skipped",
        Node::Operation => "operation skipped",
        Node::Parameter => "parameter skipped",
        Node::RequestBody => "request body dropped",
        Node::Response => "response ignored",
        Node::MediaType => "media type ignored",
        _ => "ignored",
    };
    warnings.push(format!("{at}: {error}; {done}"));
    Fate::Drop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_property_is_typed_unknown_and_named() {
        let mut v = json!({"type": "object", "properties": {
            "ok": {"type": "string"},
            "bad": {"type": "object", "properties": 5}}});
        let mut w = Vec::new();
        schema(&mut v, "#/components/schemas/S", &mut w);
        assert_eq!(v["properties"]["bad"], json!({}));
        assert_eq!(v["properties"]["ok"], json!({"type": "string"}));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("#/components/schemas/S/properties/bad: "), "{w:?}");
    }

    #[test]
    fn an_operation_with_a_bad_body_is_skipped_and_the_rest_kept() {
        let mut v = json!({
            "get": {"responses": {"200": {"description": ""}}},
            "post": {"requestBody": {"content": 5}, "responses": {}}});
        let mut w = Vec::new();
        assert!(path_item(&mut v, "#/paths/~1a", &mut w));
        assert!(v.get("post").is_none());
        assert!(v.get("get").is_some());
        assert!(w.iter().any(|m| m.starts_with("#/paths/~1a/post: operation skipped")), "{w:?}");
    }
}
