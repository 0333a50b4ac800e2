//! View models for one app file (`<app>/index.ts`): method and request-type
//! names, request members, the path expression and the transport call of
//! every operation.
//!
//! Everything the template prints is decided here; spec strings reach it
//! only through `filters` (`ts_string` for literals, `ts_doc_lines` for
//! comments) or as validated identifiers.

use std::collections::BTreeSet;

use super::types::{TsTypes, property_key};
use crate::codegen::filters;
use crate::ir::{BodyMedia, Operation, Param, ParamLocation, ResponseMedia, names};

/// One generated method (plus its `…All` twin for paginated lists).
pub(super) struct OpView {
    /// JSDoc lines (already escaped).
    pub doc: Vec<String>,
    /// camelCase method name, unique in the class.
    pub method: String,
    /// `<method>All` for DRF-paginated lists.
    pub all_method: Option<String>,
    /// JSDoc lines of the `…All` method.
    pub all_doc: Vec<String>,
    /// `<Name>Request`, the exported request type.
    pub request_type: String,
    /// Path, query, header and cookie members of the request type.
    pub groups: Vec<GroupView>,
    /// The `body` member of the request type.
    pub body: Option<BodyView>,
    /// The request parameter as declared (`request: X`, `request: X = {}`,
    /// or `_request: X = {}` when the method never reads it).
    pub request_param: String,
    /// The method's return type, e.g. `Promise<models.User>`.
    pub returns: String,
    /// The transport method and type argument, e.g. `json<models.User>`.
    pub call: String,
    /// The item type of a paginated list.
    pub item: Option<String>,
    /// HTTP method, upper case.
    pub http_method: &'static str,
    /// The path template as a string literal.
    pub path: String,
    /// One `ParamSpec` object literal per parameter.
    pub params: Vec<String>,
    /// The `Accept` header as a string literal.
    pub accept: Option<String>,
    /// The `body` entry of the request spec, as an object literal.
    pub body_expr: Option<String>,
}

/// A group of parameters in the request type (`path: { id: number }`).
pub(super) struct GroupView {
    /// `path`, `query`, `headers` or `cookies`.
    pub name: &'static str,
    /// No member of the group is required.
    pub optional: bool,
    /// The members.
    pub fields: Vec<FieldView>,
}

/// One member of an object type.
pub(super) struct FieldView {
    /// Property key, quoted when it is not an identifier.
    pub key: String,
    /// Not required.
    pub optional: bool,
    /// Type expression.
    pub ty: String,
    /// JSDoc lines.
    pub doc: Vec<String>,
}

/// The `body` member of a request type.
pub(super) struct BodyView {
    /// Not required.
    pub optional: bool,
    /// Type expression.
    pub ty: String,
    /// JSDoc lines.
    pub doc: Vec<String>,
}

/// Names that cannot be methods of the generated class: `constructor` would
/// become the constructor, a `then` method would make every app object a
/// thenable (`await client.then` would call it: ECMAScript's promise
/// resolution treats any object with a callable `then` as a promise), and
/// the transport field is ours.
const CLASS_MEMBERS: &[&str] = &["constructor", "then", "_apigendtransport"];

/// Builds the views of one app's operations (given in IR order) and tells
/// whether any of them mentions a model.
pub(super) fn op_views(ops: &[&Operation], types: &TsTypes<'_>) -> (Vec<OpView>, bool) {
    let mut members: BTreeSet<String> = CLASS_MEMBERS.iter().map(|s| (*s).to_string()).collect();
    let methods: Vec<String> = ops
        .iter()
        .map(|op| names::unique(names::ts_ident(names::camel(&op.name, "call")), &mut members))
        .collect();
    // `lower` already reserved the iterator's name (`<name>_all`) in the
    // app; it is spelled after every plain name so that, should camelCase
    // ever merge two names, the operation keeps its own and the helper moves.
    let all_methods: Vec<Option<String>> = ops
        .iter()
        .map(|op| {
            op.pagination.as_ref().filter(|_| paginated(op)).map(|p| {
                names::unique(names::ts_ident(names::camel(&p.all_name, "all")), &mut members)
            })
        })
        .collect();
    let mut type_names = BTreeSet::new();
    let mut uses_models = false;
    let views = ops
        .iter()
        .zip(methods)
        .zip(all_methods)
        .map(|((op, method), all_method)| {
            let request_type = names::unique(
                format!("{}Request", names::pascal(&op.name, "Call")),
                &mut type_names,
            );
            uses_models |= op_mentions_models(op, types);
            op_view(op, method, all_method, request_type, types)
        })
        .collect();
    (views, uses_models)
}

/// The `…All` iterator parses JSON pages, so only JSON list endpoints get it.
fn paginated(op: &Operation) -> bool {
    op.pagination.is_some() && op.success.media == ResponseMedia::Json
}

fn op_mentions_models(op: &Operation, types: &TsTypes<'_>) -> bool {
    op.params.iter().any(|p| types.mentions_model(&p.ty))
        || op.body.as_ref().is_some_and(|b| body_is_typed(b.media) && types.mentions_model(&b.ty))
        || (op.success.media == ResponseMedia::Json && types.mentions_model(&op.success.ty))
        || (paginated(op) && op.pagination.as_ref().is_some_and(|p| types.mentions_model(&p.item)))
}

/// Binary and text bodies are typed `Blob` and `string` whatever the schema
/// says, because that is what `fetch` can send as they are.
fn body_is_typed(media: BodyMedia) -> bool {
    matches!(media, BodyMedia::Json | BodyMedia::Multipart | BodyMedia::Form)
}

fn op_view(
    op: &Operation,
    method: String,
    all_method: Option<String>,
    request_type: String,
    types: &TsTypes<'_>,
) -> OpView {
    let groups: Vec<GroupView> = [
        ("path", ParamLocation::Path),
        ("query", ParamLocation::Query),
        ("headers", ParamLocation::Header),
        ("cookies", ParamLocation::Cookie),
    ]
    .into_iter()
    .filter_map(|(name, loc)| {
        let params: Vec<&Param> = op.params.iter().filter(|p| p.location == loc).collect();
        (!params.is_empty()).then(|| GroupView {
            name,
            optional: params.iter().all(|p| !p.required),
            fields: params
                .iter()
                .map(|p| FieldView {
                    key: property_key(&p.name),
                    optional: !p.required,
                    ty: types.expr(&p.ty),
                    doc: p.doc.as_deref().map(filters::ts_doc_lines).unwrap_or_default(),
                })
                .collect(),
        })
    })
    .collect();
    let body = op.body.as_ref().map(|b| BodyView {
        optional: !b.required,
        ty: match b.media {
            BodyMedia::Binary => "Blob".into(),
            BodyMedia::Text => "string".into(),
            BodyMedia::Json | BodyMedia::Multipart | BodyMedia::Form => types.expr(&b.ty),
        },
        doc: b.doc.as_deref().map(filters::ts_doc_lines).unwrap_or_default(),
    });
    let body_expr = op.body.as_ref().map(|b| {
        let ct = filters::ts_string(&b.content_type);
        match b.media {
            BodyMedia::Json => {
                format!("{{ kind: \"json\", contentType: {ct}, value: request.body }}")
            }
            BodyMedia::Text => {
                format!("{{ kind: \"text\", contentType: {ct}, value: request.body }}")
            }
            BodyMedia::Binary => {
                format!("{{ kind: \"binary\", contentType: {ct}, value: request.body }}")
            }
            BodyMedia::Multipart => "{ kind: \"multipart\", value: request.body }".into(),
            BodyMedia::Form => "{ kind: \"form\", value: request.body }".into(),
        }
    });

    let has_members = !groups.is_empty() || body.is_some();
    let all_optional =
        groups.iter().all(|g| g.optional) && body.as_ref().is_none_or(|b| b.optional);
    let request_param = match (has_members, all_optional) {
        // Nothing to read: the parameter stays for a uniform call shape,
        // underscored so `noUnusedParameters` accepts it.
        (false, _) => format!("_request: {request_type} = {{}}"),
        (true, true) => format!("request: {request_type} = {{}}"),
        (true, false) => format!("request: {request_type}"),
    };

    let (returns, call) = match op.success.media {
        ResponseMedia::Empty => ("void".to_string(), "empty".to_string()),
        ResponseMedia::Text => ("string".into(), "text".into()),
        ResponseMedia::Binary => ("Blob".into(), "blob".into()),
        ResponseMedia::Json => {
            let t = types.expr(&op.success.ty);
            (t.clone(), format!("json<{t}>"))
        }
    };
    let item = all_method.as_ref().and(op.pagination.as_ref()).map(|p| types.expr(&p.item));

    let params = op
        .params
        .iter()
        .map(|p| {
            let (group, place) = match p.location {
                ParamLocation::Path => ("path", "path"),
                ParamLocation::Query => ("query", "query"),
                ParamLocation::Header => ("headers", "header"),
                ParamLocation::Cookie => ("cookies", "cookie"),
            };
            let optional = groups.iter().any(|g| g.name == group && g.optional);
            let obj = format!("request.{group}");
            let mut value = member_access(&obj, optional, &p.name);
            // A parameter named like a member of `Object.prototype`
            // (`constructor`, `toString`) reads the inherited function when
            // the caller left it out: read it only when it is the object's own.
            if INHERITED.contains(&p.name.as_str()) {
                let own = if optional { format!("{obj} ?? {{}}") } else { obj.clone() };
                value = format!(
                    "(Object.hasOwn({own}, {}) ? {value} : undefined)",
                    filters::ts_string(&p.name)
                );
            }
            format!(
                "{{ in: \"{place}\", name: {}, style: \"{}\", explode: {}, value: {value} }}",
                filters::ts_string(&p.name),
                p.style.as_str(),
                p.explode,
            )
        })
        .collect();

    let all_doc = all_method.as_ref().map_or_else(Vec::new, |_| {
        let mut d = vec![format!(
            "Every item of `{method}`, fetching page after page by following `next`."
        )];
        if op.deprecated {
            d.push("@deprecated".into());
        }
        d
    });

    OpView {
        doc: op_doc(op),
        all_doc,
        method,
        all_method,
        request_type,
        groups,
        body,
        request_param,
        returns: format!("Promise<{returns}>"),
        call,
        item,
        http_method: op.method.as_str(),
        path: filters::ts_string(&op.path),
        params,
        accept: op.accept.as_deref().map(filters::ts_string),
        body_expr,
    }
}

/// Summary, description, then the HTTP method and path for orientation.
fn op_doc(op: &Operation) -> Vec<String> {
    let mut doc = Vec::new();
    for text in [&op.summary, &op.description].into_iter().flatten() {
        let lines = filters::ts_doc_lines(text);
        if lines.is_empty() {
            continue;
        }
        if !doc.is_empty() {
            doc.push(String::new());
        }
        doc.extend(lines);
    }
    if !doc.is_empty() {
        doc.push(String::new());
    }
    doc.extend(filters::ts_doc_lines(&format!("`{} {}`", op.method.as_str(), op.path)));
    if op.deprecated {
        doc.push("@deprecated".into());
    }
    doc
}

/// The members every object inherits from `Object.prototype`.
const INHERITED: &[&str] = &[
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "__proto__",
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
];

/// `obj.name`, `obj?.name`, or `obj["na-me"]` / `obj?.["na-me"]` when the
/// name is not an identifier; `optional` when `obj` may be undefined.
fn member_access(obj: &str, optional: bool, name: &str) -> String {
    let dot = if optional { "?." } else { "." };
    if names::is_ts_property_name(name) {
        format!("{obj}{dot}{name}")
    } else {
        format!("{obj}{}[{}]", if optional { "?." } else { "" }, filters::ts_string(name))
    }
}
