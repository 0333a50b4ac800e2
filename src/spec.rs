//! OpenAPI documents: bytes → bundled and normalised JSON, indexed by path
//! and component and typed as `openapiv3` one piece at a time.
//!
//! Pure: the caller hands in the bytes and a function that reads the files a
//! relative `$ref` points at. After [`read`], every `$ref` in the document is
//! a local `#/components/<kind>/<name>` (see `bundle`) and OpenAPI 3.1
//! constructs are rewritten into their 3.0 equivalents (see `normalise`),
//! which is what `openapiv3` models.

mod bundle;
mod cache;
mod document;
mod normalise;
mod plain_refs;
mod repair;

pub use cache::PieceCache;
pub use document::Document;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A document that is not usable: syntax, not OpenAPI, or a shape that
/// `openapiv3` cannot read. The message names the file and the place.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct SpecError {
    /// The file or URL the bytes came from.
    pub origin: String,
    /// What is wrong, with line/column or JSON pointer.
    pub message: String,
}

/// Reads another file for a relative `$ref` (`./common.yaml#/...`): given the
/// path as written relative to the main document, returns its bytes.
pub type FetchFn<'a> = dyn Fn(&str) -> Result<Vec<u8>, String> + 'a;

/// Most nesting a document may have. Deeper documents are refused with an
/// error instead of overflowing the stack in a recursive walk.
pub const MAX_DEPTH: usize = 256;

/// Reads a document and hands it to `use_doc` (lowering it, or typing it
/// whole), which is where its pieces are typed and their shape errors found.
///
/// Two ways to prepare the text, and the same input always takes the same
/// one, so output stays deterministic:
/// - plain OpenAPI 3.0 JSON whose `$ref`s are all `#/components/<kind>/<name>`
///   (GitHub's, Stripe's) is indexed as it is: nothing to bundle or
///   normalise, no JSON tree built;
/// - anything else, or when `use_doc` fails on the first way, is parsed to a
///   JSON value, bundled, normalised (3.1 → 3.0 and common mistakes fixed,
///   with warnings), and indexed from that, tolerantly: a piece `openapiv3`
///   refuses is repaired (`repair`) instead of failing. Its errors are the
///   ones reported.
///
/// # Errors
/// Syntax errors (with line and column), documents that are not OpenAPI 3.x,
/// a level that is not a mapping (`/paths`, a component section), with the
/// JSON pointer, or `use_doc`'s.
pub fn read<T>(
    bytes: Vec<u8>,
    origin: &str,
    fetch: &FetchFn<'_>,
    use_doc: impl Fn(&Document) -> Result<T, SpecError>,
) -> Result<(Document, T), SpecError> {
    read_cached(bytes, origin, fetch, None, use_doc)
}

/// [`read`], reusing the typed pieces in `cache` whose text is unchanged
/// and adding the others (the watch daemon's runs).
///
/// # Errors
/// As [`read`].
pub fn read_cached<T>(
    bytes: Vec<u8>,
    origin: &str,
    fetch: &FetchFn<'_>,
    cache: Option<&std::sync::Arc<PieceCache>>,
    use_doc: impl Fn(&Document) -> Result<T, SpecError>,
) -> Result<(Document, T), SpecError> {
    let result = read_inner(bytes, origin, fetch, cache, use_doc);
    if let Some(c) = cache {
        c.finish_run(result.is_ok());
    }
    result
}

fn read_inner<T>(
    bytes: Vec<u8>,
    origin: &str,
    fetch: &FetchFn<'_>,
    cache: Option<&std::sync::Arc<PieceCache>>,
    use_doc: impl Fn(&Document) -> Result<T, SpecError>,
) -> Result<(Document, T), SpecError> {
    let err = |message: String| SpecError { origin: origin.to_string(), message };
    let hash = hex(&Sha256::digest(&bytes));
    let text =
        String::from_utf8(bytes).map_err(|e| err(format!("not UTF-8 text: {}", e.utf8_error())))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let text = if trimmed.starts_with('{') && plain_refs::refs_are_plain(trimmed) {
        match Document::index(text, origin, String::new(), hash.clone(), Vec::new(), false) {
            Ok(mut doc) if doc.head.openapi.starts_with("3.0") => {
                doc.version = doc.head.openapi.clone();
                doc.cache = cache.cloned();
                if let Ok(t) = use_doc(&doc) {
                    return Ok((doc, t));
                }
                doc.into_text()
            }
            Ok(doc) => doc.into_text(),
            Err((_, text)) => text,
        }
    } else {
        text
    };
    let mut root = parse_value(text.as_bytes()).map_err(err)?;
    drop(text);
    let mut warnings = Vec::new();
    // YAML reads `openapi: 3.1` as a number.
    if let Some(n @ Value::Number(_)) = root.get("openapi") {
        let v = n.to_string();
        warnings.push(format!("#/openapi: `{v}` is a number; read as the string \"{v}\""));
        root["openapi"] = Value::String(v);
    }
    let version = check_openapi(&root).map_err(err)?;
    bundle::bundle(&mut root, fetch, &mut warnings).map_err(err)?;
    normalise::normalise(&mut root, &mut warnings);
    let json = serde_json::to_string(&root).map_err(|e| err(e.to_string()))?;
    drop(root);
    let mut doc =
        Document::index(json, origin, version, hash, warnings, true).map_err(|(e, _)| e)?;
    doc.cache = cache.cloned();
    let t = use_doc(&doc)?;
    Ok((doc, t))
}

/// Reads a document and types it whole (for diffs; generation reads it
/// piece by piece with [`read`]).
///
/// # Errors
/// As [`read`].
pub fn parse_typed(
    bytes: &[u8],
    origin: &str,
    fetch: &FetchFn<'_>,
) -> Result<openapiv3::OpenAPI, SpecError> {
    read(bytes.to_vec(), origin, fetch, Document::to_openapi).map(|(_, api)| api)
}

/// Parses JSON or YAML (detected by content, not extension) into a JSON
/// value, converting YAML's non-string keys (`200:`) to strings.
///
/// # Errors
/// The parser's message with line and column, or an excessive nesting depth.
pub fn parse_value(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err("the file is empty: expected an OpenAPI document".into());
    }
    let value = if trimmed.starts_with('{') {
        // serde_json refuses nesting deeper than 128 by itself.
        serde_json::from_str::<Value>(trimmed)
            .map_err(|e| explain_limit(format!("invalid JSON: {e}")))?
    } else {
        // serde_yaml_ng refuses nesting deeper than 128 and alias expansion
        // beyond its repetition limit (billion laughs) by itself.
        serde_yaml_ng::from_str::<Lenient>(trimmed)
            .map_err(|e| explain_limit(format!("invalid YAML: {e}")))?
            .0
    };
    Ok(value)
}

/// The parsers' limit errors say which limit but not what to do (issue 7).
fn explain_limit(message: String) -> String {
    if message.contains("recursion limit exceeded") {
        format!(
            "{message}: the document nests deeper than 128 levels, which apigend refuses; \
             flatten it with named components and $refs"
        )
    } else if message.contains("repetition limit exceeded") {
        format!(
            "{message}: YAML aliases (`*name`) expand to too many nodes (an alias bomb?); \
             write the repeated parts out or use $refs"
        )
    } else {
        message
    }
}

/// A JSON value read from YAML without going through `serde_yaml_ng::Value`:
/// one pass, half the memory, and lenient where OpenAPI documents need it:
/// non-string keys (`200:`) become strings and integers beyond 64 bits (seen
/// in OpenAI's spec) become floats instead of failing.
struct Lenient(Value);

impl<'de> serde::Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl<'de> serde::de::Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    #[allow(clippy::cast_precision_loss)] // documented: huge integers become floats
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Lenient(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((Lenient(k), Lenient(v))) = map.next_entry()? {
            let key = match k {
                Value::String(s) => s,
                Value::Null => "null".into(),
                Value::Bool(_) | Value::Number(_) => k.to_string(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(serde::de::Error::custom(
                        "a mapping key is not a scalar; OpenAPI keys are strings",
                    ));
                }
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// NaN and infinities have no JSON form; they become `null`.
fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Checks the `openapi` field and returns it.
fn check_openapi(root: &Value) -> Result<String, String> {
    let Some(obj) = root.as_object() else {
        return Err("not an OpenAPI document: the top level is not a mapping".into());
    };
    if let Some(v) = obj.get("swagger") {
        return Err(format!(
            "this is a Swagger {} document; apigend reads OpenAPI 3.0 and 3.1 (convert it first, e.g. with swagger2openapi)",
            v.as_str().unwrap_or("2.x")
        ));
    }
    match obj.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") || v.starts_with("3.1") => Ok(v.to_string()),
        Some(v) => Err(format!("/openapi is `{v}`: apigend reads OpenAPI 3.0.x and 3.1.x")),
        None => Err("not an OpenAPI document: no `openapi: 3.x` field at the top level".into()),
    }
}

/// `paths./api/users/.get.responses` (serde_path_to_error) → a JSON pointer.
fn pointer_from_serde_path(path: &str) -> String {
    if path == "." || path.is_empty() {
        return "/".into();
    }
    // serde_path_to_error joins segments with `.` and writes array indices as
    // `[n]`; a key that itself contains `.` is ambiguous in that form, so the
    // pointer is best effort and says so by quoting.
    let mut out = String::new();
    for seg in path.split('.') {
        let seg = seg.replace('[', "/").replace(']', "");
        out.push('/');
        out.push_str(&seg.replace('~', "~0"));
    }
    format!("`{out}`")
}

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Escapes one JSON-pointer segment (RFC 6901).
#[must_use]
pub fn escape_pointer(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one JSON-pointer segment (RFC 6901) after percent-decoding it,
/// as `$ref` fragments are URI fragments.
#[must_use]
pub fn unescape_pointer(seg: &str) -> String {
    percent_decode(seg).replace("~1", "/").replace("~0", "~")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = ((*h as char).to_digit(16), (*l as char).to_digit(16))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(p: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file {p}"))
    }

    fn parse(bytes: &[u8], origin: &str, fetch: &FetchFn<'_>) -> Result<Document, SpecError> {
        read(bytes.to_vec(), origin, fetch, |_| Ok(())).map(|(d, ())| d)
    }

    #[test]
    fn yaml_integer_keys_become_strings() {
        let doc = parse(
            b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n",
            "t.yaml",
            &no_files,
        )
        .unwrap();
        let api = doc.to_openapi().unwrap();
        let op = api.paths.paths["/a"].as_item().unwrap().get.as_ref().unwrap();
        assert_eq!(op.responses.responses.len(), 1);
    }

    #[test]
    fn swagger_two_is_refused_with_advice() {
        let e = parse(b"{\"swagger\": \"2.0\"}", "s.json", &no_files).unwrap_err();
        assert!(e.to_string().contains("Swagger 2.0"), "{e}");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = parse(b"openapi: 3.0.0\ninfo: [\n", "bad.yaml", &no_files).unwrap_err();
        assert!(e.to_string().starts_with("bad.yaml: invalid YAML"), "{e}");
        assert!(e.to_string().contains("line"), "{e}");
    }

    #[test]
    fn pointer_segments_unescape() {
        assert_eq!(unescape_pointer("~1users~1%7Bid%7D"), "/users/{id}");
    }
}
