//! The view of one `<app>.py`: the app's operations as methods of
//! `<App>Api` and `Async<App>Api`.
//!
//! Decides method and parameter names, their types and what each method
//! hands to the transport in `client.py`; the template only prints it.

use std::collections::{BTreeMap, BTreeSet};

use crate::codegen::filters;
use crate::codegen::python::docstring;
use crate::codegen::python::types::{
    TYPE_BUILTINS, TypeCx, Uses, escape, join_union, method_ident, param_ident,
};
use crate::ir::{BodyMedia, Operation, ParamLocation, ResponseMedia, TypeRef, names};

/// Keyword arguments every method has; a spec parameter of the same name
/// gets a `_param` suffix (clients.md).
const FIXED_ARGS: &[&str] = &["body", "headers", "timeout"];

/// One app module.
pub(crate) struct AppView {
    /// Module (file) name.
    pub module: String,
    /// Attribute on `Client` / `AsyncClient`.
    pub attr: String,
    /// `<App>Api`.
    pub class: String,
    /// Escaped docstring of the classes.
    pub doc: String,
    /// The operations.
    pub ops: Vec<OpView>,
    /// Imports the type expressions need.
    pub uses: Uses,
    /// `str` as this module's classes must spell it.
    pub str_ty: String,
    /// `float` as this module's classes must spell it.
    pub float_ty: String,
}

/// How a method turns the response into its return value.
pub(crate) enum Decode {
    /// Nothing: the method returns `None`.
    Empty,
    /// Validate JSON into this runtime type expression.
    Json(String),
    /// `response.text`.
    Text,
    /// `response.content`.
    Binary,
}

/// One keyword parameter of a method.
pub(crate) struct SigParam {
    /// Python name.
    pub name: String,
    /// Annotation.
    pub ty: String,
    /// `""` (required) or `" = None"`.
    pub default: &'static str,
}

/// One operation.
pub(crate) struct OpView {
    /// Method name.
    pub name: String,
    /// Name of the all-items iterator, for paginated operations.
    pub all_name: Option<String>,
    /// Escaped docstring of the method.
    pub doc: String,
    /// Escaped docstring of the iterator.
    pub all_doc: String,
    /// Keyword parameters (without `headers` and `timeout`).
    pub sig: Vec<SigParam>,
    /// HTTP method as a string literal.
    pub method: String,
    /// Path template as a string literal.
    pub path: String,
    /// Parameters: (location, wire name literal, style, `True`/`False` for
    /// explode, argument), as the runtime's `serialize_param` takes them.
    pub params: Vec<ParamView>,
    /// The `Accept` header as a string literal.
    pub accept: Option<String>,
    /// The body: (kind literal, runtime type for JSON, content type literal).
    pub body: Option<BodyView>,
    /// Return annotation.
    pub ret: String,
    /// Response decoding.
    pub decode: Decode,
    /// Item type of `results`, for the iterator.
    pub item: Option<String>,
    /// Return annotation of the sync iterator.
    pub all_ret: String,
    /// Return annotation of the async iterator.
    pub all_ret_async: String,
}

/// One parameter as the transport takes it.
pub(crate) struct ParamView {
    /// `path`, `query`, `header` or `cookie`.
    pub location: &'static str,
    /// Wire name, as a string literal.
    pub wire: String,
    /// OpenAPI style name (or `json`).
    pub style: &'static str,
    /// `True` or `False`.
    pub explode: &'static str,
    /// The method argument.
    pub arg: String,
}

/// How the body argument is sent.
pub(crate) struct BodyView {
    /// `"json"`, `"multipart"`, `"form"`, `"binary"` or `"text"`.
    pub kind: &'static str,
    /// Runtime type expression (JSON only; `None` otherwise).
    pub ty: String,
    /// Content-Type string literal.
    pub content_type: String,
}

/// `T | None` of a rendered type, without repeating a `None` it has.
fn optional_of(ty: &str) -> String {
    if ty == "None" || ty.ends_with(" | None") || ty == "_t.Any" {
        ty.to_string()
    } else {
        join_union(vec![ty.to_string(), "None".to_string()])
    }
}

/// Builds the views of every app, in order of first appearance.
pub(crate) fn build(
    ops: &[Operation],
    type_names: &BTreeMap<String, String>,
    title: &str,
) -> Vec<AppView> {
    let mut apps: Vec<(&str, Vec<&Operation>)> = Vec::new();
    for op in ops {
        match apps.iter_mut().find(|(a, _)| *a == op.app) {
            Some((_, v)) => v.push(op),
            None => apps.push((&op.app, vec![op])),
        }
    }
    // Module names are file names: unique case-insensitively, never a name
    // the package itself uses. Attributes must also not hide `close`.
    let mut taken_modules: BTreeSet<String> =
        ["client", "models", "__init__"].iter().map(|s| s.to_string()).collect();
    let mut taken_attrs: BTreeSet<String> = BTreeSet::new();
    apps.into_iter()
        .map(|(app, ops)| {
            let base = param_ident(app);
            let module = names::unique(base.clone(), &mut taken_modules);
            let attr = names::unique(escape(base, &["close"]), &mut taken_attrs);
            app_view(app, module, attr, &ops, type_names, title)
        })
        .collect()
}

fn app_view(
    app: &str,
    module: String,
    attr: String,
    ops: &[&Operation],
    type_names: &BTreeMap<String, String>,
    title: &str,
) -> AppView {
    // Method names first, then iterator names, so `list` keeps its name
    // even when the spec also has a `list_all` operation.
    let mut taken = BTreeSet::new();
    let names_: Vec<String> =
        ops.iter().map(|op| names::unique(method_ident(&op.name), &mut taken)).collect();
    let all_names: Vec<Option<String>> = ops
        .iter()
        .zip(&names_)
        .map(|(op, n)| {
            op.pagination.as_ref().map(|p| {
                // `lower` reserves `all_name` in the app; fall back to
                // `<name>_all` should it ever be empty.
                let base = if p.all_name.is_empty() {
                    format!("{n}_all")
                } else {
                    method_ident(&p.all_name)
                };
                names::unique(base, &mut taken)
            })
        })
        .collect();
    // A method named like a builtin hides it from annotations in the class
    // body; those builtins are spelled qualified throughout the module.
    let shadowed: BTreeSet<String> = names_
        .iter()
        .chain(all_names.iter().flatten())
        .filter(|n| TYPE_BUILTINS.contains(&n.as_str()))
        .cloned()
        .collect();
    let cx = TypeCx {
        names: type_names,
        prefix: "_models.",
        binary_file: None,
        shadowed: &shadowed,
        opaque: None,
    };
    let mut uses = Uses::default();
    let str_ty = cx.render(&TypeRef::String(crate::ir::StringFormat::Plain), &mut uses);
    let float_ty = cx.render(&TypeRef::Number, &mut uses);
    let ops = ops
        .iter()
        .zip(names_)
        .zip(all_names)
        .map(|((op, name), all_name)| op_view(op, name, all_name, &cx, &mut uses))
        .collect();
    let app_origin = ops_origin(app);
    AppView {
        module,
        attr,
        class: format!("{}Api", names::pascal(app, "App")),
        doc: docstring(
            &format!(
                "Operations of the `{}` app of {}.",
                app_origin,
                filters::py_doc(&filters::one_line(title))
            ),
            4,
        ),
        ops,
        uses,
        str_ty,
        float_ty,
    }
}

fn ops_origin(app: &str) -> String {
    filters::py_doc(&filters::one_line(app))
}

fn op_view(
    op: &Operation,
    name: String,
    all_name: Option<String>,
    cx: &TypeCx<'_>,
    uses: &mut Uses,
) -> OpView {
    let mut taken: BTreeSet<String> =
        FIXED_ARGS.iter().chain(["self"].iter()).map(|s| s.to_string()).collect();
    let mut required = Vec::new();
    let mut optional = Vec::new();
    let mut params = Vec::new();
    let mut arg_docs = Vec::new();
    for p in &op.params {
        let mut arg = param_ident(&p.ident);
        if FIXED_ARGS.contains(&arg.as_str()) {
            arg.push_str("_param");
        }
        let arg = names::unique(arg, &mut taken);
        let wire = filters::py_string(&p.name);
        let ty = cx.render(&p.ty, uses);
        let opt_ty = cx.render(&TypeRef::Nullable(Box::new(p.ty.clone())), uses);
        // Path parameters are always required, whatever the spec says.
        let req = p.required || p.location == ParamLocation::Path;
        if let Some(doc) = p.doc.as_deref().map(filters::one_line).filter(|d| !d.is_empty()) {
            arg_docs.push(format!("{arg}: {}", filters::py_doc(&doc)));
        }
        params.push(ParamView {
            location: match p.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            },
            wire,
            style: p.style.as_str(),
            explode: if p.explode { "True" } else { "False" },
            arg: arg.clone(),
        });
        if req {
            required.push(SigParam { name: arg, ty, default: "" });
        } else {
            optional.push(SigParam { name: arg, ty: opt_ty, default: " = None" });
        }
    }
    let body = op.body.as_ref().map(|b| {
        let (kind, ty) = match b.media {
            BodyMedia::Json => ("json", cx.render(&b.ty, uses)),
            BodyMedia::Multipart => ("multipart", cx.render(&b.ty, uses)),
            BodyMedia::Form => ("form", cx.render(&b.ty, uses)),
            // Raw bytes, or a `File` to also say its media type.
            BodyMedia::Binary => {
                ("binary", format!("{} | _client.File", cx.render(&TypeRef::Binary, uses)))
            }
            BodyMedia::Text => {
                ("text", cx.render(&TypeRef::String(crate::ir::StringFormat::Plain), uses))
            }
        };
        if let Some(doc) = b.doc.as_deref().map(filters::one_line).filter(|d| !d.is_empty()) {
            arg_docs.push(format!("body: {}", filters::py_doc(&doc)));
        }
        if b.required {
            required.push(SigParam { name: "body".into(), ty: ty.clone(), default: "" });
        } else {
            optional.push(SigParam {
                name: "body".into(),
                ty: optional_of(&ty),
                default: " = None",
            });
        }
        BodyView {
            kind,
            ty: if kind == "json" { ty } else { "None".into() },
            content_type: filters::py_string(&b.content_type),
        }
    });
    let (ret, decode) = match op.success.media {
        ResponseMedia::Empty => ("None".to_string(), Decode::Empty),
        ResponseMedia::Json => {
            let t = cx.render(&op.success.ty, uses);
            (t.clone(), Decode::Json(t))
        }
        ResponseMedia::Text => {
            (cx.render(&TypeRef::String(crate::ir::StringFormat::Plain), uses), Decode::Text)
        }
        ResponseMedia::Binary => (cx.render(&TypeRef::Binary, uses), Decode::Binary),
    };
    let item = op.pagination.as_ref().map(|p| cx.render(&p.item, uses));

    let where_ =
        format!("`{} {}`", op.method.as_str(), filters::py_doc(&filters::one_line(&op.path)));
    let mut text = Vec::new();
    if let Some(s) = op.summary.as_deref().map(filters::py_doc).filter(|s| !s.is_empty()) {
        text.push(s);
    }
    if let Some(d) = op.description.as_deref().map(filters::py_doc).filter(|s| !s.is_empty())
        && text.first() != Some(&d)
    {
        text.push(d);
    }
    if op.deprecated {
        text.push("Deprecated.".to_string());
    }
    text.push(where_.clone());
    if !arg_docs.is_empty() {
        text.push(format!("Args:\n    {}", arg_docs.join("\n    ")));
    }
    let all_doc = format!("Every item of `{name}`, following the `next` page links.\n\n{where_}");
    required.extend(optional);
    OpView {
        name,
        all_name,
        doc: docstring(&text.join("\n\n"), 8),
        all_doc: docstring(&all_doc, 8),
        sig: required,
        method: filters::py_string(op.method.as_str()),
        path: filters::py_string(&op.path),
        params,
        accept: op.accept.as_deref().map(filters::py_string),
        body,
        ret,
        decode,
        all_ret: format!("_t.Iterator[{}]", item.as_deref().unwrap_or("_t.Any")),
        all_ret_async: format!("_t.AsyncIterator[{}]", item.as_deref().unwrap_or("_t.Any")),
        item,
    }
}
