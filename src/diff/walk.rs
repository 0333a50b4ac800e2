//! Builds the [`ApiDiff`] of two documents: paths and operations, their
//! parameters, request bodies and responses. Schemas go to `schema`.
//!
//! Matching decisions (research §1.4):
//! - endpoints by method + path template with parameter names blanked, so a
//!   renamed path parameter is the same endpoint (and its own entry in
//!   `path_params_renamed`); two paths of one document that blank to the
//!   same template fall back to the exact path;
//! - path-level parameters are merged into every operation first (an
//!   operation-level one of the same name and place wins), so moving a
//!   parameter between levels is no change;
//! - path parameters are matched by position in the template, the others by
//!   place and name;
//! - media types by their essence (`application/json; version=v2` matches
//!   `application/json; version=v1`), so drf-spectacular's accept-header
//!   versioning reports what changed in the schema, not a media type swap.
//!
//! The documents are read as JSON values (one `serde_json::to_value` each):
//! `$ref`s of every kind resolve the same way, and `allOf`/untyped schemas,
//! which `openapiv3` spreads over several enum variants, read uniformly.

use indexmap::IndexMap;
use serde_json::Value;

use super::schema::{Differ, Direction, Doc};
use super::{
    ApiDiff, BodyDiff, Change, Endpoint, EndpointDiff, Header, MediaDiff, Param, ParamDiff,
    RemovedEndpoint, ResponseDiff, blank_params,
};
use crate::spec::escape_pointer;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub(super) fn diff(old: &openapiv3::OpenAPI, new: &openapiv3::OpenAPI) -> ApiDiff {
    // Serialising a typed document cannot fail (string keys, finite
    // numbers); a null root would compare as an empty document.
    let ov = serde_json::to_value(old).unwrap_or(Value::Null);
    let nv = serde_json::to_value(new).unwrap_or(Value::Null);
    diff_values(&ov, &nv)
}

fn diff_values(ov: &Value, nv: &Value) -> ApiDiff {
    let mut differ = Differ::new(ov, nv);
    let olds = operations(differ.old_doc());
    let news = operations(differ.new_doc());
    let new_templates: std::collections::HashSet<String> =
        news.values().map(|o| blank_params(o.endpoint.path.as_str())).collect();
    let mut d = ApiDiff::default();
    for (key, o) in &olds {
        if !news.contains_key(key) {
            d.endpoints_removed.push(RemovedEndpoint {
                endpoint: o.endpoint.clone(),
                path_removed: !new_templates.contains(&blank_params(&o.endpoint.path)),
            });
        }
    }
    for (key, n) in &news {
        match olds.get(key) {
            None => d.endpoints_added.push(n.endpoint.clone()),
            Some(o) => {
                let e = endpoint(&mut differ, o, n);
                if !e.is_empty() {
                    d.endpoints_modified.push(e);
                }
            }
        }
    }
    let (added, removed) = list_diff(&security(ov.get("security")), &security(nv.get("security")));
    d.global_security_added = added;
    d.global_security_removed = removed;
    let names = |v: &Value| -> Vec<String> {
        v.pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (added, removed) = list_diff(&names(ov), &names(nv));
    d.schemas_added = added;
    d.schemas_removed = removed;
    d
}

/// One operation of a document.
struct Op<'a> {
    endpoint: Endpoint,
    item: &'a Value,
    /// JSON pointer of the path item (its target, when it is a `$ref`).
    item_at: String,
    op: &'a Value,
}

impl Op<'_> {
    /// JSON pointer of the operation.
    fn at(&self) -> String {
        format!("{}/{}", self.item_at, self.endpoint.method.to_ascii_lowercase())
    }
}

/// Operations by matching key, in document order.
fn operations<'a>(doc: &Doc<'a>) -> IndexMap<String, Op<'a>> {
    let mut out = IndexMap::new();
    let Some(paths) = doc.root().get("paths").and_then(Value::as_object) else { return out };
    for (path, item) in paths {
        let (item, item_at) = doc.resolve_at(item, &format!("/paths/{}", escape_pointer(path)));
        for m in METHODS {
            let Some(op) = item.get(*m).filter(|o| o.is_object()) else { continue };
            let endpoint = Endpoint {
                method: m.to_ascii_uppercase(),
                path: path.clone(),
                operation_id: op.get("operationId").and_then(Value::as_str).map(str::to_string),
                deprecated: op.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
                sunset: op.get("x-sunset").map(scalar),
            };
            let mut key = endpoint.key();
            if out.contains_key(&key) {
                // `/a/{id}` and `/a/{pk}` in one document: keep them apart.
                key = format!("{} {}", endpoint.method, endpoint.path);
            }
            out.insert(key, Op { endpoint, item, item_at: item_at.clone(), op });
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// (only in `new`, only in `old`), each in its document's order.
fn list_diff(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let added = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let removed = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    (added, removed)
}

/// Security requirements as `scheme + scheme` strings (`{}` for "none").
fn security(v: Option<&Value>) -> Vec<String> {
    let Some(reqs) = v.and_then(Value::as_array) else { return Vec::new() };
    reqs.iter()
        .map(|r| {
            let mut names: Vec<&str> =
                r.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
            names.sort_unstable();
            if names.is_empty() { "{}".to_string() } else { names.join(" + ") }
        })
        .collect()
}

/// `{a}` names in a path template, in order.
fn template_params(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

/// A resolved parameter with its matching key.
struct P<'a> {
    param: Param,
    value: &'a Value,
    /// JSON pointer of the parameter object (its target, for a `$ref`).
    at: String,
}

/// Path-level parameters merged with the operation's, keyed by
/// (place, name) — or (path, position) for a path parameter in the template.
fn params<'a>(doc: &Doc<'a>, o: &Op<'a>) -> IndexMap<(String, String), P<'a>> {
    let template = template_params(&o.endpoint.path);
    let mut out = IndexMap::new();
    let op_at = o.at();
    for (list, list_at) in
        [(o.item.get("parameters"), &o.item_at), (o.op.get("parameters"), &op_at)]
    {
        let Some(list) = list.and_then(Value::as_array) else { continue };
        for (i, p) in list.iter().enumerate() {
            let (p, at) = doc.resolve_at(p, &format!("{list_at}/parameters/{i}"));
            let (Some(name), Some(location)) =
                (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str))
            else {
                continue;
            };
            let key_name = match template.iter().position(|t| *t == name) {
                Some(i) if location == "path" => format!("#{i}"),
                _ => name.to_string(),
            };
            let param = Param {
                name: name.to_string(),
                location: location.to_string(),
                // Path parameters are always required, whatever is written.
                required: location == "path"
                    || p.get("required").and_then(Value::as_bool).unwrap_or(false),
                at: at.clone(),
            };
            out.insert((location.to_string(), key_name), P { param, value: p, at });
        }
    }
    out
}

/// A parameter's schema, `schema` or the one under its `content`, and its
/// pointer below the parameter.
fn param_schema(p: &Value) -> Option<(&Value, String)> {
    if let Some(s) = p.get("schema") {
        return Some((s, "/schema".to_string()));
    }
    let (media, v) = p.get("content").and_then(Value::as_object)?.iter().next()?;
    Some((v.get("schema")?, format!("/content/{}/schema", escape_pointer(media))))
}

fn endpoint<'a>(differ: &mut Differ<'a>, o: &Op<'a>, n: &Op<'a>) -> EndpointDiff {
    let mut e = EndpointDiff {
        endpoint: n.endpoint.clone(),
        old_path: o.endpoint.path.clone(),
        operation_id: None,
        deprecated: None,
        sunset: None,
        tags_added: Vec::new(),
        tags_removed: Vec::new(),
        security_added: Vec::new(),
        security_removed: Vec::new(),
        path_params_renamed: Vec::new(),
        params_added: Vec::new(),
        params_removed: Vec::new(),
        params_modified: Vec::new(),
        request_body: None,
        responses_added: Vec::new(),
        responses_removed: Vec::new(),
        responses_modified: Vec::new(),
    };
    let (oe, ne) = (&o.endpoint, &n.endpoint);
    if oe.operation_id != ne.operation_id {
        e.operation_id =
            Some(Change { from: oe.operation_id.clone(), to: ne.operation_id.clone() });
    }
    if oe.deprecated != ne.deprecated {
        e.deprecated = Some(Change { from: oe.deprecated, to: ne.deprecated });
    }
    if oe.sunset != ne.sunset {
        e.sunset = Some(Change { from: oe.sunset.clone(), to: ne.sunset.clone() });
    }
    (e.tags_added, e.tags_removed) =
        list_diff(&strings(o.op.get("tags")), &strings(n.op.get("tags")));
    (e.security_added, e.security_removed) =
        list_diff(&security(o.op.get("security")), &security(n.op.get("security")));
    for (a, b) in template_params(&oe.path).into_iter().zip(template_params(&ne.path)) {
        if a != b {
            e.path_params_renamed.push(Change { from: a.to_string(), to: b.to_string() });
        }
    }

    let op_params = params(differ.old_doc(), o);
    let np_params = params(differ.new_doc(), n);
    for (key, op) in &op_params {
        match np_params.get(key) {
            None => e.params_removed.push(op.param.clone()),
            Some(np) => {
                let required = (op.param.required != np.param.required)
                    .then_some(Change { from: op.param.required, to: np.param.required });
                let schema = match (param_schema(op.value), param_schema(np.value)) {
                    (Some((a, aat)), Some((b, bat))) => differ.compare(
                        Direction::Request,
                        a,
                        b,
                        &format!("{}{aat}", op.at),
                        &format!("{}{bat}", np.at),
                    ),
                    _ => Vec::new(),
                };
                if required.is_some() || !schema.is_empty() {
                    e.params_modified.push(ParamDiff { param: np.param.clone(), required, schema });
                }
            }
        }
    }
    for (key, np) in &np_params {
        if !op_params.contains_key(key) {
            e.params_added.push(np.param.clone());
        }
    }

    let (oat, nat) = (o.at(), n.at());
    e.request_body = request_body(
        differ,
        o.op.get("requestBody").map(|v| (v, format!("{oat}/requestBody"))),
        n.op.get("requestBody").map(|v| (v, format!("{nat}/requestBody"))),
    );
    responses(differ, (o.op, &oat), (n.op, &nat), &mut e);
    e
}

fn request_body<'a>(
    differ: &mut Differ<'a>,
    o: Option<(&'a Value, String)>,
    n: Option<(&'a Value, String)>,
) -> Option<BodyDiff> {
    let o = o.map(|(v, at)| differ.old_doc().resolve_at(v, &at));
    let n = n.map(|(v, at)| differ.new_doc().resolve_at(v, &at));
    let required = |v: &Value| v.get("required").and_then(Value::as_bool).unwrap_or(false);
    match (o, n) {
        (None, None) => None,
        (None, Some((n, _))) => Some(BodyDiff::Added { required: required(n) }),
        (Some(_), None) => Some(BodyDiff::Removed),
        (Some((o, oat)), Some((n, nat))) => {
            let req = (required(o) != required(n))
                .then_some(Change { from: required(o), to: required(n) });
            let (media_added, media_removed, media_modified) = content(
                differ,
                Direction::Request,
                (o.get("content"), &format!("{oat}/content")),
                (n.get("content"), &format!("{nat}/content")),
            );
            if req.is_none()
                && media_added.is_empty()
                && media_removed.is_empty()
                && media_modified.is_empty()
            {
                return None;
            }
            Some(BodyDiff::Modified {
                required: req,
                media_added,
                media_removed,
                media_modified,
                old_at: oat,
                new_at: nat,
            })
        }
    }
}

/// `application/json; version=v2` → `application/json`.
fn essence(media: &str) -> String {
    media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase()
}

/// Media types keyed by essence (exact string where two share one).
fn media_map(content: Option<&Value>) -> IndexMap<String, (&str, &Value)> {
    let mut out = IndexMap::new();
    if let Some(c) = content.and_then(Value::as_object) {
        for (media, v) in c {
            let mut key = essence(media);
            if out.contains_key(&key) {
                key = media.clone();
            }
            out.insert(key, (media.as_str(), v));
        }
    }
    out
}

type ContentDiff = (Vec<String>, Vec<String>, Vec<MediaDiff>);

fn content<'a>(
    differ: &mut Differ<'a>,
    dir: Direction,
    (o, oat): (Option<&'a Value>, &str),
    (n, nat): (Option<&'a Value>, &str),
) -> ContentDiff {
    let (om, nm) = (media_map(o), media_map(n));
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut modified = Vec::new();
    for (key, (media, ov)) in &om {
        match nm.get(key) {
            None => removed.push((*media).to_string()),
            Some((nmedia, nv)) => {
                let schema = match (ov.get("schema"), nv.get("schema")) {
                    (Some(a), Some(b)) => differ.compare(
                        dir,
                        a,
                        b,
                        &format!("{oat}/{}/schema", escape_pointer(media)),
                        &format!("{nat}/{}/schema", escape_pointer(nmedia)),
                    ),
                    _ => Vec::new(),
                };
                if !schema.is_empty() {
                    modified.push(MediaDiff { media: (*nmedia).to_string(), schema });
                }
            }
        }
    }
    for (key, (media, _)) in &nm {
        if !om.contains_key(key) {
            added.push((*media).to_string());
        }
    }
    (added, removed, modified)
}

fn headers<'a>(doc: &Doc<'a>, r: &'a Value) -> Vec<Header> {
    r.get("headers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(name, h)| Header {
                    name: name.clone(),
                    required: doc
                        .resolve(h)
                        .0
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn responses<'a>(
    differ: &mut Differ<'a>,
    (o, oat): (&'a Value, &str),
    (n, nat): (&'a Value, &str),
    e: &mut EndpointDiff,
) {
    let or = o.get("responses").and_then(Value::as_object);
    let nr = n.get("responses").and_then(Value::as_object);
    for (status, ov) in or.into_iter().flatten() {
        let Some(nv) = nr.and_then(|m| m.get(status)) else {
            e.responses_removed.push(status.clone());
            continue;
        };
        let key = escape_pointer(status);
        let (ov, ovat) = differ.old_doc().resolve_at(ov, &format!("{oat}/responses/{key}"));
        let (nv, nvat) = differ.new_doc().resolve_at(nv, &format!("{nat}/responses/{key}"));
        let (media_added, media_removed, media_modified) = content(
            differ,
            Direction::Response,
            (ov.get("content"), &format!("{ovat}/content")),
            (nv.get("content"), &format!("{nvat}/content")),
        );
        let (oh, nh) = (headers(differ.old_doc(), ov), headers(differ.new_doc(), nv));
        let headers_added: Vec<Header> = nh
            .iter()
            .filter(|h| !oh.iter().any(|x| x.name.eq_ignore_ascii_case(&h.name)))
            .cloned()
            .collect();
        let headers_removed: Vec<Header> = oh
            .iter()
            .filter(|h| !nh.iter().any(|x| x.name.eq_ignore_ascii_case(&h.name)))
            .cloned()
            .collect();
        if !(media_added.is_empty()
            && media_removed.is_empty()
            && media_modified.is_empty()
            && headers_added.is_empty()
            && headers_removed.is_empty())
        {
            e.responses_modified.push(ResponseDiff {
                status: status.clone(),
                old_at: ovat,
                new_at: nvat,
                media_added,
                media_removed,
                media_modified,
                headers_added,
                headers_removed,
            });
        }
    }
    for status in nr.into_iter().flat_map(serde_json::Map::keys) {
        if !or.is_some_and(|m| m.contains_key(status)) {
            e.responses_added.push(status.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renamed_path_parameter_is_the_same_endpoint() {
        let old = json!({"paths": {"/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {}}}}});
        let new = json!({"paths": {"/a/{pk}": {"get": {"parameters": [{"name": "pk", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {}}}}});
        let d = diff_values(&old, &new);
        assert!(d.endpoints_added.is_empty() && d.endpoints_removed.is_empty());
        let e = &d.endpoints_modified[0];
        assert_eq!(e.path_params_renamed, vec![Change { from: "id".into(), to: "pk".into() }]);
        assert!(e.params_added.is_empty() && e.params_removed.is_empty());
    }

    #[test]
    fn path_level_parameters_merge_into_operations() {
        let p = json!({"name": "q", "in": "query", "schema": {"type": "string"}});
        let old = json!({"paths": {"/a": {"parameters": [p], "get": {"responses": {}}}}});
        let new = json!({"paths": {"/a": {"get": {"parameters": [p], "responses": {}}}}});
        assert!(diff_values(&old, &new).is_empty());
    }

    #[test]
    fn media_type_parameters_are_ignored_when_matching() {
        assert_eq!(essence("application/json; version=v2"), "application/json");
    }
}
