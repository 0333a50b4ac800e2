//! Example values built from a document's schemas: for each parameter and
//! request body the Prism test sends, one deterministic JSON value that the
//! schema accepts (required properties, enums, `const`, formats,
//! `minimum`/`maximum`/`multipleOf`, lengths, item counts, and `pattern`
//! through a shortest-match walk of the regex), so that a request Prism
//! rejects is the client's fault, not the argument's.
//!
//! Works on the raw document rather than the IR because the IR keeps only
//! what the generated types need, while Prism validates every constraint of
//! the schema. Binary strings become a [`BINARY`] marker object that each
//! driver turns into its language's file value.

use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Value, json};

/// The key of the marker object standing for a file: `{"$binary": "sample.txt"}`.
pub const BINARY: &str = "$binary";

/// Below this depth optional properties are filled in too; past twice it
/// the walk stops (recursive schemas).
const DEPTH: usize = 2;

/// Builds values from the schemas of one document.
pub struct Examples<'a> {
    root: &'a Value,
}

impl<'a> Examples<'a> {
    /// Over the document `root` (for `$ref`s).
    pub fn new(root: &'a Value) -> Self {
        Examples { root }
    }

    /// Follows a chain of local `$ref`s (`#/components/...`).
    pub fn resolve<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        for _ in 0..16 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else { return schema };
            match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(target) => schema = target,
                None => return schema,
            }
        }
        schema
    }

    /// A value for a request: `readOnly` properties are left out (the
    /// clients' write views drop them). `Null` only for a schema that
    /// allows nothing else.
    pub fn request(&self, schema: &Value) -> Value {
        self.value(schema, 0).unwrap_or(Value::Null)
    }

    fn value(&self, schema: &Value, depth: usize) -> Option<Value> {
        if depth > 2 * DEPTH + 2 {
            return self.floor(self.resolve(schema));
        }
        self.shape(self.resolve(schema), depth)
    }

    /// Past the depth limit, a value that does not nest: `null` where
    /// allowed, an enum's or a scalar's value, an empty array; `None` for
    /// an object (the caller leaves it out, or fills a required one with
    /// a placeholder). Ends the recursion of a required `children` array or
    /// a nullable `next` link with a value the schema accepts.
    fn floor(&self, s: &Value) -> Option<Value> {
        let merged;
        let s = match s.get("allOf").and_then(Value::as_array) {
            Some(all) => {
                merged = self.merge_all_of(s, all);
                &merged
            }
            None => s,
        };
        let nullable = s.get("nullable").and_then(Value::as_bool) == Some(true)
            || s.get("type").and_then(Value::as_array).is_some_and(|t| t.contains(&json!("null")));
        if nullable {
            return Some(Value::Null);
        }
        match schema_type(s).as_deref() {
            Some("array") if s.get("minItems").and_then(Value::as_u64).unwrap_or(0) == 0 => {
                Some(json!([]))
            }
            Some("string" | "integer" | "number" | "boolean" | "null") => self.shape(s, usize::MAX),
            None if s.get("enum").is_some() || s.get("const").is_some() => {
                self.shape(s, usize::MAX)
            }
            _ => None,
        }
    }

    /// A value for a resolved schema.
    fn shape(&self, s: &Value, depth: usize) -> Option<Value> {
        if s.as_bool() == Some(true) || s.as_object().is_some_and(Map::is_empty) {
            return Some(json!("x"));
        }
        if let Some(c) = s.get("const") {
            return Some(c.clone());
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            return values.iter().find(|v| !v.is_null()).or(values.first()).cloned();
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let merged = self.merge_all_of(s, all);
            return self.shape(&merged, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = s.get(key).and_then(Value::as_array) {
                return self.union(s, key, variants, depth);
            }
        }
        self.typed(s, depth)
    }

    /// `allOf` members' keywords merged into one schema: properties and
    /// `required` united; a property declared twice keeps the declaration
    /// with more keywords (the narrower one, as OpenAPI's intersection).
    fn merge_all_of(&self, s: &Value, all: &[Value]) -> Value {
        let mut out = Map::new();
        let mut props = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut outer = s.as_object().cloned().unwrap_or_default();
        outer.remove("allOf");
        let mut members: Vec<Value> = all.iter().map(|m| self.resolve(m).clone()).collect();
        members.push(Value::Object(outer));
        let mut i = 0;
        while let Some(m) = members.get(i).cloned() {
            i += 1;
            if let Some(inner) = m.get("allOf").and_then(Value::as_array) {
                members.extend(inner.iter().map(|x| self.resolve(x).clone()));
            }
            let Some(obj) = m.as_object() else { continue };
            for (k, v) in obj {
                match k.as_str() {
                    "properties" => {
                        for (name, p) in v.as_object().into_iter().flatten() {
                            let better = props.get(name).is_none_or(|old: &Value| {
                                keywords(self.resolve(p)) > keywords(self.resolve(old))
                            });
                            if better {
                                props.insert(name.clone(), p.clone());
                            }
                        }
                    }
                    "required" => {
                        for r in v.as_array().into_iter().flatten() {
                            if !required.contains(r) {
                                required.push(r.clone());
                            }
                        }
                    }
                    "allOf" | "$ref" => {}
                    _ => {
                        out.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        if !props.is_empty() {
            out.insert("properties".into(), Value::Object(props));
            out.entry("type").or_insert(json!("object"));
        }
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
        Value::Object(out)
    }

    /// The first variant that allows more than `null`, with the keywords
    /// beside `oneOf`/`anyOf` (shared properties, `required`) merged in; a
    /// discriminator property is set to the name that selects it.
    fn union(&self, s: &Value, key: &str, variants: &[Value], depth: usize) -> Option<Value> {
        let pick = variants.iter().find(|v| {
            let r = self.resolve(v);
            schema_type(r).as_deref() != Some("null")
                && r.get("enum")
                    .and_then(Value::as_array)
                    .is_none_or(|e| e.iter().any(|x| !x.is_null()))
        })?;
        let mut outer = s.as_object().cloned().unwrap_or_default();
        outer.remove(key);
        outer.remove("discriminator");
        let mut value = if outer.keys().all(|k| is_annotation(k)) {
            self.value(pick, depth)?
        } else {
            let merged = self.merge_all_of(&Value::Object(outer), std::slice::from_ref(pick));
            self.shape(&merged, depth)?
        };
        let disc = s.get("discriminator");
        let prop = disc.and_then(|d| d.get("propertyName")).and_then(Value::as_str);
        if let (Some(disc), Some(prop), Some(obj)) = (disc, prop, value.as_object_mut()) {
            let target = pick.get("$ref").and_then(Value::as_str);
            let from_mapping = disc.get("mapping").and_then(Value::as_object).and_then(|m| {
                m.iter().find(|(_, to)| to.as_str() == target).map(|(k, _)| k.clone())
            });
            let name = from_mapping
                .or_else(|| target.and_then(|t| t.rsplit('/').next()).map(String::from));
            if let Some(name) = name {
                obj.insert(prop.to_string(), Value::String(name));
            }
        }
        Some(value)
    }

    fn typed(&self, s: &Value, depth: usize) -> Option<Value> {
        let ty = schema_type(s);
        match ty.as_deref() {
            Some("string") => Some(string(s)),
            Some("integer") => Some(number(s, true)),
            Some("number") => Some(number(s, false)),
            Some("boolean") => Some(json!(true)),
            Some("null") => Some(Value::Null),
            Some("array") => {
                let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let max = s.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
                let count = if max == 0 { 0 } else { min.max(1) };
                let item = match s.get("items") {
                    Some(i) => match self.value(i, depth + 1) {
                        Some(v) => v,
                        // Items too deep to build: an empty array, when allowed.
                        None if min == 0 => return Some(json!([])),
                        None => return None,
                    },
                    None => json!("x"),
                };
                Some(Value::Array((0..count).map(|_| item.clone()).collect()))
            }
            Some("object") | None if s.get("properties").is_some() || ty.is_some() => {
                Some(self.object(s, depth))
            }
            // No type and nothing that says object: a string is valid.
            _ => Some(json!("x")),
        }
    }

    fn object(&self, s: &Value, depth: usize) -> Value {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        for (name, p) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
            let is_required = required.contains(&name.as_str());
            if self.resolve(p).get("readOnly").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            // Optional members only near the top: enough to exercise nested
            // types without walking every recursive schema to the bottom.
            if !is_required && depth > DEPTH {
                continue;
            }
            match self.value(p, depth + 1) {
                Some(v) => {
                    out.insert(name.clone(), v);
                }
                None if is_required => {
                    out.insert(name.clone(), json!("x"));
                }
                None => {}
            }
        }
        // `required` names a property `properties` does not declare (real
        // documents do): any value satisfies it.
        for name in &required {
            if !out.contains_key(*name) && s.pointer(&format!("/properties/{name}")).is_none() {
                out.insert((*name).to_string(), json!("x"));
            }
        }
        let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0);
        if let Some(extra) = s.get("additionalProperties").filter(|a| a.is_object())
            && let Some(v) = self.value(extra, depth + 1)
        {
            let mut n = 1;
            while out.is_empty() || (out.len() as u64) < min {
                out.insert(format!("key{n}"), v.clone());
                n += 1;
            }
        }
        Value::Object(out)
    }
}

/// Keywords that say nothing about the value.
fn is_annotation(k: &str) -> bool {
    matches!(
        k,
        "description"
            | "title"
            | "nullable"
            | "deprecated"
            | "example"
            | "examples"
            | "readOnly"
            | "writeOnly"
            | "externalDocs"
            | "default"
    ) || k.starts_with("x-")
}

/// How many keywords a schema has: the narrower of two declarations of one
/// property has more.
fn keywords(s: &Value) -> usize {
    s.as_object().map_or(0, Map::len)
}

/// `type`, with OpenAPI 3.1's `[T, "null"]` reduced to `T`.
pub fn schema_type(s: &Value) -> Option<String> {
    match s.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or_else(|| ts.first().and_then(Value::as_str))
            .map(String::from),
        _ => None,
    }
}

/// A string for `format`, `pattern`, `minLength` and `maxLength`.
fn string(s: &Value) -> Value {
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    if format == "binary" {
        return json!({ BINARY: "sample.txt" });
    }
    let mut text = match format {
        "date" => "2024-01-02".to_string(),
        "date-time" => "2024-01-02T03:04:05Z".to_string(),
        "time" => "03:04:05".to_string(),
        "duration" => "P1D".to_string(),
        "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string(),
        "email" | "idn-email" => "user@example.com".to_string(),
        "uri" | "url" | "iri" | "uri-reference" => "https://example.com/x".to_string(),
        "hostname" | "idn-hostname" => "example.com".to_string(),
        "ipv4" => "192.0.2.1".to_string(),
        "ipv6" => "2001:db8::1".to_string(),
        "byte" => "aGVsbG8=".to_string(),
        "decimal" => "1.5".to_string(),
        _ => "x".to_string(),
    };
    if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
        // The format's sample when it matches (a decimal's pattern also
        // matches ""), else the document's example, else the regex's
        // shortest match; checked with an ECMA-style regex engine as Prism's.
        let check = json!({ "pattern": pattern });
        let candidates = [
            Some(text.clone()),
            s.get("example").and_then(Value::as_str).map(String::from),
            shortest_match(pattern),
        ];
        let found = candidates
            .into_iter()
            .flatten()
            .find(|c| jsonschema::is_valid(&check, &Value::String(c.clone())));
        return Value::String(found.unwrap_or(text));
    }
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s.get("maxLength").and_then(Value::as_u64).map_or(usize::MAX, |m| m as usize);
    while text.chars().count() < min {
        text.push('x');
    }
    if text.chars().count() > max {
        text = text.chars().take(max).collect();
    }
    Value::String(text)
}

/// An integer or number inside `minimum`/`maximum` (3.0's boolean and 3.1's
/// numeric `exclusive…`) and on `multipleOf`.
fn number(s: &Value, integer: bool) -> Value {
    let get = |k: &str| s.get(k).and_then(Value::as_f64);
    let excl = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
    let step = if integer { 1.0 } else { 0.5 };
    let mut lo = get("minimum").map(|m| if excl("exclusiveMinimum") { m + step } else { m });
    if let Some(m) = get("exclusiveMinimum") {
        lo = Some(lo.map_or(m + step, |l| l.max(m + step)));
    }
    let mut hi = get("maximum").map(|m| if excl("exclusiveMaximum") { m - step } else { m });
    if let Some(m) = get("exclusiveMaximum") {
        hi = Some(hi.map_or(m - step, |h| h.min(m - step)));
    }
    let mut v: f64 = if integer { 1.0 } else { 1.5 };
    if let Some(lo) = lo {
        v = v.max(lo);
    }
    if let Some(hi) = hi {
        v = v.min(hi);
    }
    if let Some(mult) = get("multipleOf").filter(|m| *m > 0.0) {
        v = (v / mult).ceil() * mult;
        if hi.is_some_and(|h| v > h) {
            v -= mult;
        }
    }
    if integer { json!(v.ceil() as i64) } else { json!(v) }
}

/// The shortest string the regex matches, preferring letters and digits in
/// classes; `None` for what the walk does not understand (look-around).
pub fn shortest_match(pattern: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out)?;
    Some(out)
}

fn walk(hir: &Hir, out: &mut String) -> Option<()> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(()),
        HirKind::Literal(lit) => {
            out.push_str(std::str::from_utf8(&lit.0).ok()?);
            Some(())
        }
        HirKind::Class(Class::Unicode(c)) => {
            let ranges: Vec<(char, char)> =
                c.ranges().iter().map(|r| (r.start(), r.end())).collect();
            out.push(pick_char(&ranges)?);
            Some(())
        }
        HirKind::Class(Class::Bytes(c)) => {
            let ranges: Vec<(char, char)> =
                c.ranges().iter().map(|r| (char::from(r.start()), char::from(r.end()))).collect();
            out.push(pick_char(&ranges)?);
            Some(())
        }
        HirKind::Repetition(rep) => {
            for _ in 0..rep.min {
                walk(&rep.sub, out)?;
            }
            Some(())
        }
        HirKind::Capture(cap) => walk(&cap.sub, out),
        HirKind::Concat(parts) => parts.iter().try_for_each(|p| walk(p, out)),
        HirKind::Alternation(alts) => alts.first().map_or(Some(()), |a| walk(a, out)),
    }
}

/// A readable member of a class: a lowercase letter, a digit, an uppercase
/// letter, else its first printable character.
fn pick_char(ranges: &[(char, char)]) -> Option<char> {
    for want in ['a', '1', 'A'] {
        if ranges.iter().any(|&(lo, hi)| lo <= want && want <= hi) {
            return Some(want);
        }
    }
    ranges
        .iter()
        .flat_map(|&(lo, hi)| (lo..=hi).take(128))
        .find(|c| c.is_ascii_graphic())
        .or_else(|| ranges.first().map(|r| r.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recursive schema's walk ends on a value its schema accepts: the
    /// required `children` array empty, the nullable `next` link `null`, a
    /// deep enum or integer its own value (not a placeholder string).
    #[test]
    fn recursion_ends_on_valid_values() {
        let doc = json!({"components": {"schemas": {
            "Tree": {"type": "object", "required": ["children", "name"], "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
            "Link": {"type": "object", "required": ["name", "next"], "properties": {
                "name": {"type": "string"},
                "next": {"allOf": [{"$ref": "#/components/schemas/Link"}], "nullable": true}}},
            "Shape": {"type": "object", "required": ["type", "frame", "elements"], "properties": {
                "type": {"type": "string", "enum": ["rectangle", "polygon"]},
                "frame": {"type": "integer", "minimum": 0},
                "elements": {"type": "array",
                    "items": {"$ref": "#/components/schemas/Shape"}}}},
        }}});
        let ex = Examples::new(&doc);
        let mut tree = ex.request(&json!({"$ref": "#/components/schemas/Tree"}));
        let mut depth = 0;
        while let Some(first) = tree["children"].as_array().and_then(|c| c.first()).cloned() {
            assert_eq!(tree["name"], "x");
            tree = first;
            depth += 1;
        }
        assert_eq!(tree["children"], json!([]), "depth {depth}");
        let mut link = ex.request(&json!({"$ref": "#/components/schemas/Link"}));
        while link["next"].is_object() {
            link = link["next"].clone();
        }
        assert_eq!(link["next"], Value::Null);
        let mut shape = ex.request(&json!({"$ref": "#/components/schemas/Shape"}));
        loop {
            assert_eq!((&shape["type"], &shape["frame"]), (&json!("rectangle"), &json!(1)));
            match shape["elements"].as_array().and_then(|e| e.first()) {
                Some(next) => shape = next.clone(),
                None => break,
            }
        }
    }

    #[test]
    fn patterns_give_a_matching_string() {
        for (pattern, want) in [
            (r"^AC[0-9a-fA-F]{32}$", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            (r"^-?\d{0,3}(?:\.\d{0,2})?$", ""),
            (r"^[-a-zA-Z0-9_]+$", "a"),
            (r"^(a|bb)c+$", "ac"),
        ] {
            assert_eq!(shortest_match(pattern).as_deref(), Some(want), "{pattern}");
        }
    }
}
