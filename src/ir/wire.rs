//! Wire rules decided once, for both generators: how a parameter is
//! serialised, which header parameters OpenAPI ignores, which media type
//! wins, what `Accept` says, and what a request body cannot carry.
//!
//! `lower` calls these while it builds the IR; the runtimes (`client.ts`,
//! `client.py`) only execute the decisions. Pure functions over the
//! document and the IR: no I/O.

use std::collections::BTreeSet;

use openapiv3 as oa;

use crate::ir::{
    Api, Body, BodyMedia, Method, ParamLocation, ParamStyle, Response, ResponseMedia, TypeKind,
    TypeRef,
};

/// Where a parameter goes, how it is serialised and whether it is exploded.
///
/// The style is the spec's or the location's default (OpenAPI 3.1.1,
/// 4.8.12.4: `form` for query and cookie, `simple` for path and header);
/// `explode` defaults to true for `form` only. A parameter declared with
/// `content` instead of `schema` is sent as the text of its media type,
/// which for JSON (the only one the clients encode) is JSON text.
#[must_use]
pub fn param_style(param: &oa::Parameter) -> (ParamLocation, ParamStyle, bool) {
    let (location, style) = match param {
        oa::Parameter::Query { style, .. } => (
            ParamLocation::Query,
            match style {
                oa::QueryStyle::Form => ParamStyle::Form,
                oa::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                oa::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                oa::QueryStyle::DeepObject => ParamStyle::DeepObject,
            },
        ),
        oa::Parameter::Path { style, .. } => (
            ParamLocation::Path,
            match style {
                oa::PathStyle::Simple => ParamStyle::Simple,
                oa::PathStyle::Label => ParamStyle::Label,
                oa::PathStyle::Matrix => ParamStyle::Matrix,
            },
        ),
        oa::Parameter::Header { .. } => (ParamLocation::Header, ParamStyle::Simple),
        oa::Parameter::Cookie { .. } => (ParamLocation::Cookie, ParamStyle::Form),
    };
    let data = param.parameter_data_ref();
    if let oa::ParameterSchemaOrContent::Content(_) = &data.format {
        return (location, ParamStyle::Json, false);
    }
    (location, style, data.explode.unwrap_or(style == ParamStyle::Form))
}

/// OpenAPI 3.1.1, 4.8.12.1: "If `in` is `"header"` and the `name` field is
/// `"Accept"`, `"Content-Type"` or `"Authorization"`, the parameter
/// definition SHALL be ignored." The clients set these themselves (from the
/// responses, the body and the configured credentials).
#[must_use]
pub fn ignored_header(location: ParamLocation, name: &str) -> bool {
    location == ParamLocation::Header
        && ["accept", "content-type", "authorization"].iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// Whether `name` can be sent as a header or cookie name: RFC 9110 §5.1
/// makes a field name a `token` (§5.6.2: letters, digits and
/// ``!#$%&'*+-.^_`|~``), and RFC 6265 §4.1.1 a cookie name too. fetch
/// (`Headers.set`) and httpx refuse any other name before sending, so a
/// parameter named otherwise could never be sent.
#[must_use]
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Among media types of the same kind, `application/json` first, then the
/// rest in document order (`application/hal+json` or `application/activity+json`
/// must not win over plain JSON because they sort first). Used as the
/// second sort key after the kind's rank, with a stable sort.
#[must_use]
pub fn json_preference(content_type: &str) -> u8 {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    u8::from(!essence.eq_ignore_ascii_case("application/json"))
}

/// The `Accept` header of an operation: the chosen media type of the
/// success response, then those of the error responses, without repeats.
///
/// A download or text response also accepts anything at a low weight
/// (`*/*;q=0.1`): a view that streams a file (Django's `FileResponse`)
/// bypasses DRF's renderers, but DRF negotiates `Accept` against those
/// renderers before the view runs and answers 406 when none of them
/// produces `application/octet-stream`.
#[must_use]
pub fn accept(success: &Response, errors: &[Response]) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut types: Vec<&str> = std::iter::once(success)
        .chain(errors)
        .filter(|r| r.media != ResponseMedia::Empty && !r.content_type.is_empty())
        .map(|r| r.content_type.as_str())
        .filter(|ct| seen.insert(ct.to_ascii_lowercase()))
        .collect();
    if matches!(success.media, ResponseMedia::Binary | ResponseMedia::Text)
        && !types.iter().any(|t| t.starts_with("*/*"))
    {
        types.push("*/*;q=0.1");
    }
    (!types.is_empty()).then(|| types.join(", "))
}

/// A JSON media type whose schema is binary (drf-spectacular's
/// `OpenApiTypes.BINARY` on a file export) is a download: its bytes are the
/// response, not JSON text.
#[must_use]
pub fn response_media(media: ResponseMedia, ty: &TypeRef) -> ResponseMedia {
    if media == ResponseMedia::Json && matches!(ty, TypeRef::Binary) {
        ResponseMedia::Binary
    } else {
        media
    }
}

/// `fetch` throws a `TypeError` for a GET or HEAD request with a body, so
/// such a body is not generated: the operation is, without it, and the
/// returned warning names it (docs/clients.md).
#[must_use]
pub fn drop_body_on(method: Method, path: &str, operation_id: &str) -> Option<String> {
    matches!(method, Method::Get | Method::Head).then(|| {
        format!(
            "{} {path} ({operation_id}): a request body on {} cannot be sent by fetch; \
             generated without the body",
            method.as_str(),
            method.as_str()
        )
    })
}

/// A multipart field that is a file part as it is: bytes, a list of them,
/// either of the two, possibly nullable.
fn is_file_like(t: &TypeRef) -> bool {
    match t {
        TypeRef::Binary => true,
        TypeRef::Array(inner) | TypeRef::Nullable(inner) => is_file_like(inner),
        TypeRef::AnyOf(members) => {
            members.iter().all(|m| is_file_like(m) || matches!(m, TypeRef::Null))
        }
        _ => false,
    }
}

/// Warnings for binary data a request body cannot carry as declared: a
/// `format: binary` field inside a JSON or form-urlencoded body (neither has
/// bytes; the TypeScript client would send `{}`), or inside an object that a multipart
/// body sends as a JSON part. Top-level multipart files are what multipart
/// is for and pass.
#[must_use]
pub fn body_warnings(api: &Api) -> Vec<String> {
    let mut out = Vec::new();
    for op in &api.operations {
        let Some(body) = &op.body else { continue };
        if let Some(field) = nested_binary(api, body) {
            out.push(format!(
                "{} {} ({}): the {} request body has a binary field `{field}` that it cannot \
                 carry as bytes; send it base64-encoded in a string, or declare the field \
                 at the top level of a multipart body",
                op.method.as_str(),
                op.path,
                op.operation_id,
                body.content_type,
            ));
        }
    }
    out
}

/// The dotted path of the first binary field `body` cannot carry.
fn nested_binary(api: &Api, body: &Body) -> Option<String> {
    let mut seen = BTreeSet::new();
    match body.media {
        // Neither JSON nor `application/x-www-form-urlencoded` has bytes.
        BodyMedia::Json | BodyMedia::Form => find_binary(api, &body.ty, "", &mut seen),
        BodyMedia::Multipart => {
            let TypeRef::Named(n) = &body.ty else { return None };
            let TypeKind::Object(o) = &api.types.get(n)?.kind else { return None };
            o.properties.iter().find_map(|p| {
                if is_file_like(&p.ty) {
                    return None;
                }
                find_binary(api, &p.ty, &p.name, &mut seen)
            })
        }
        BodyMedia::Binary | BodyMedia::Text => None,
    }
}

fn find_binary(api: &Api, t: &TypeRef, at: &str, seen: &mut BTreeSet<String>) -> Option<String> {
    let here = || if at.is_empty() { "(the body)".to_string() } else { at.to_string() };
    match t {
        TypeRef::Binary => Some(here()),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
            find_binary(api, inner, at, seen)
        }
        TypeRef::AnyOf(members) => members.iter().find_map(|m| find_binary(api, m, at, seen)),
        TypeRef::Named(n) => {
            if !seen.insert(n.clone()) {
                return None;
            }
            match &api.types.get(n)?.kind {
                TypeKind::Object(o) => o.properties.iter().find_map(|p| {
                    let at =
                        if at.is_empty() { p.name.clone() } else { format!("{at}.{}", p.name) };
                    find_binary(api, &p.ty, &at, seen)
                }),
                TypeKind::Alias(t) => find_binary(api, t, at, seen),
                TypeKind::Union(u) => u.variants.iter().find_map(|m| find_binary(api, m, at, seen)),
                TypeKind::Enum(_) => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StringFormat;

    fn param(yaml: &str) -> oa::Parameter {
        serde_yaml_ng::from_str(yaml).expect("a parameter")
    }

    #[test]
    fn styles_default_per_location_and_explode_per_style() {
        let cases = [
            (
                "{name: a, in: query, schema: {type: array}}",
                ParamLocation::Query,
                ParamStyle::Form,
                true,
            ),
            (
                "{name: a, in: query, explode: false, schema: {}}",
                ParamLocation::Query,
                ParamStyle::Form,
                false,
            ),
            (
                "{name: a, in: query, style: spaceDelimited, schema: {}}",
                ParamLocation::Query,
                ParamStyle::SpaceDelimited,
                false,
            ),
            (
                "{name: a, in: query, style: pipeDelimited, schema: {}}",
                ParamLocation::Query,
                ParamStyle::PipeDelimited,
                false,
            ),
            (
                "{name: a, in: query, style: deepObject, explode: true, schema: {}}",
                ParamLocation::Query,
                ParamStyle::DeepObject,
                true,
            ),
            (
                "{name: a, in: path, required: true, schema: {}}",
                ParamLocation::Path,
                ParamStyle::Simple,
                false,
            ),
            (
                "{name: a, in: path, required: true, style: label, explode: true, schema: {}}",
                ParamLocation::Path,
                ParamStyle::Label,
                true,
            ),
            (
                "{name: a, in: path, required: true, style: matrix, schema: {}}",
                ParamLocation::Path,
                ParamStyle::Matrix,
                false,
            ),
            ("{name: a, in: header, schema: {}}", ParamLocation::Header, ParamStyle::Simple, false),
            ("{name: a, in: cookie, schema: {}}", ParamLocation::Cookie, ParamStyle::Form, true),
            (
                "{name: to, in: query, content: {application/json: {schema: {type: array}}}}",
                ParamLocation::Query,
                ParamStyle::Json,
                false,
            ),
        ];
        for (yaml, location, style, explode) in cases {
            assert_eq!(param_style(&param(yaml)), (location, style, explode), "{yaml}");
        }
    }

    #[test]
    fn accept_content_type_and_authorization_headers_are_ignored() {
        for name in ["Accept", "content-type", "AUTHORIZATION"] {
            assert!(ignored_header(ParamLocation::Header, name), "{name}");
            assert!(!ignored_header(ParamLocation::Query, name), "{name} in query");
        }
        assert!(!ignored_header(ParamLocation::Header, "X-Accept"));
    }

    #[test]
    fn only_tokens_are_field_names() {
        for ok in ["X-Request-ID", "x_y", "a!#$%&'*+-.^_`|~9"] {
            assert!(is_token(ok), "{ok}");
        }
        for bad in ["", "X-Evil\"Header", "sp ace", "a:b", "a\nb", "caf\u{e9}", "(x)"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn plain_json_wins_then_document_order() {
        let mut types =
            vec!["application/activity+json", "application/hal+json", "application/json"];
        types.sort_by_key(|ct| json_preference(ct));
        assert_eq!(
            types,
            ["application/json", "application/activity+json", "application/hal+json"]
        );
        assert_eq!(json_preference("application/json; version=2"), 0);
    }

    fn response(media: ResponseMedia, ct: &str) -> Response {
        Response {
            status: "200".into(),
            media,
            content_type: ct.into(),
            ty: TypeRef::Unknown,
            doc: None,
        }
    }

    #[test]
    fn accept_lists_success_then_error_media_types_once() {
        let ok = response(ResponseMedia::Json, "application/vnd.zeta+json");
        let errors = [
            response(ResponseMedia::Json, "application/problem+json"),
            response(ResponseMedia::Json, "application/problem+json"),
        ];
        assert_eq!(
            accept(&ok, &errors).as_deref(),
            Some("application/vnd.zeta+json, application/problem+json")
        );
        assert_eq!(accept(&response(ResponseMedia::Empty, ""), &[]), None);
        // DRF refuses a download whose type none of its renderers makes.
        let file = response(ResponseMedia::Binary, "application/pdf");
        assert_eq!(accept(&file, &[]).as_deref(), Some("application/pdf, */*;q=0.1"));
        let any = response(ResponseMedia::Binary, "*/*");
        assert_eq!(accept(&any, &[]).as_deref(), Some("*/*"));
    }

    #[test]
    fn a_json_media_type_with_a_binary_schema_is_a_download() {
        assert_eq!(response_media(ResponseMedia::Json, &TypeRef::Binary), ResponseMedia::Binary);
        let text = TypeRef::String(StringFormat::Plain);
        assert_eq!(response_media(ResponseMedia::Json, &text), ResponseMedia::Json);
    }

    /// The rules applied by `lower` to a whole document.
    const DOC: &str = r"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /search/:
    get:
      operationId: search_list
      parameters:
      - {name: Accept, in: header, required: true, schema: {type: string}}
      - {name: X-Trace, in: header, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {type: object}}}
      responses:
        '200':
          description: ''
          content:
            application/hal+json: {schema: {type: object}}
            application/json: {schema: {type: object}}
  /json-file/:
    post:
      operationId: json_file_create
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                meta: {type: object, properties: {blob: {type: string, format: binary}}}
      responses:
        '200':
          description: ''
          content: {application/json: {schema: {type: string, format: binary}}}
  /upload/:
    post:
      operationId: upload_create
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
                files: {type: array, items: {type: string, format: binary}}
      responses: {'204': {description: ''}}
  /empty/:
    get:
      operationId: empty_list
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {}, additionalProperties: false}
      responses: {'204': {description: ''}}
  /either-upload/:
    post:
      operationId: either_upload_create
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                image:
                  anyOf:
                  - {type: string, format: binary}
                  - {type: array, items: {type: string, format: binary}}
      responses: {'204': {description: ''}}
  /form-file/:
    post:
      operationId: form_file_create
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {file: {type: string, format: binary}}}
      responses: {'204': {description: ''}}
  /nested-upload/:
    post:
      operationId: nested_upload_create
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                part: {type: object, properties: {file: {type: string, format: binary}}}
      responses: {'204': {description: ''}}
";

    fn lowered() -> Api {
        crate::spec::read(DOC.as_bytes().to_vec(), "t.yaml", &|_| Err("no".into()), |d| {
            crate::ir::lower::lower(d, &crate::ir::lower::AppRule::Tag)
        })
        .expect("the document lowers")
        .1
    }

    #[test]
    fn lowering_applies_the_wire_rules() {
        let api = lowered();
        let op = |id: &str| api.operations.iter().find(|o| o.operation_id == id).expect(id);
        let search = op("search_list");
        let names: Vec<&str> = search.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["X-Trace"], "Accept is ignored");
        assert!(search.body.is_none(), "the body on GET is dropped");
        assert_eq!(search.success.content_type, "application/json");
        assert_eq!(search.accept.as_deref(), Some("application/json"));
        let download = op("json_file_create");
        assert_eq!(download.success.media, ResponseMedia::Binary);
        let warned = |needle: &str| api.warnings.iter().any(|w| w.contains(needle));
        assert!(warned("GET /search/ (search_list)"), "{:?}", api.warnings);
        assert!(
            warned(
                "(json_file_create): the application/json request body has a binary field `meta.blob`"
            ),
            "{:?}",
            api.warnings
        );
        assert!(
            warned(
                "(nested_upload_create): the multipart/form-data request body has a binary field `part.file`"
            ),
            "{:?}",
            api.warnings
        );
        assert!(
            warned("(form_file_create): the application/x-www-form-urlencoded request body"),
            "{:?}",
            api.warnings
        );
        assert!(op("empty_list").body.is_none());
        assert!(!warned("(empty_list)"), "an empty body is dropped quietly: {:?}", api.warnings);
        assert!(!warned("(either_upload_create)"), "a file or files: {:?}", api.warnings);
        assert!(
            !warned("(upload_create)"),
            "top-level files are what multipart is for: {:?}",
            api.warnings
        );
    }

    #[test]
    fn bodies_on_get_and_head_are_dropped_with_a_warning() {
        let w = drop_body_on(Method::Get, "/search/", "search_list").expect("a warning");
        assert!(w.contains("GET /search/ (search_list)"), "{w}");
        assert!(drop_body_on(Method::Head, "/x", "x").is_some());
        assert!(drop_body_on(Method::Post, "/x", "x").is_none());
    }
}
