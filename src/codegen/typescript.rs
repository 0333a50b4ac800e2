//! The TypeScript generator: one group's [`Api`] to `index.ts`, `client.ts`,
//! `models.ts` and one `<app>/index.ts` per app (docs/clients.md is the
//! contract).
//!
//! Owns the view-model structs of the root templates under
//! `askama_templates/typescript/`. Names, keyword escapes, imports and every
//! escaped spec string are decided here and in the submodules; the templates
//! only loop and print. Pure: no I/O, and iteration follows the IR's sorted
//! order, so output is deterministic.

mod ops;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;

use self::ops::{FieldView, OpView};
use self::types::{TsTypes, property_key};
use crate::codegen::{GeneratedFile, RenderError, filters};
use crate::ir::{Api, Operation, TypeDef, TypeKind, names};

/// `client.ts`: transport, auth, errors and pagination. Mostly fixed code;
/// only the spec's auth defaults vary.
#[derive(Template)]
#[template(path = "typescript/client.ts")]
struct ClientTs {
    /// `Bearer`, or `Token` for DRF's `TokenAuthentication`, as a literal.
    token_prefix: String,
    /// The API-key header the spec declares, as a literal.
    api_key_header: String,
}

/// `models.ts`: every type of the group, once.
#[derive(Template)]
#[template(path = "typescript/models.ts")]
struct ModelsTs<'a> {
    models: Vec<ModelView<'a>>,
}

/// One `export type`.
struct ModelView<'a> {
    name: &'a str,
    doc: Vec<String>,
    shape: Shape,
}

/// How a model is printed.
enum Shape {
    /// An object type literal, member by member, with an index signature
    /// intersected in when the object also allows other keys. The
    /// intersection (not an inline signature) avoids TS2411 when known
    /// members do not fit the index type.
    Object { fields: Vec<FieldView>, index: Option<String> },
    /// Any other type expression on one line.
    Expr(String),
}

/// `<app>/index.ts`: one app's request types and `<App>Api` class.
#[derive(Template)]
#[template(path = "typescript/app.ts")]
struct AppTs {
    doc: Vec<String>,
    class_name: String,
    uses_models: bool,
    ops: Vec<OpView>,
}

/// `index.ts`: the entry point.
#[derive(Template)]
#[template(path = "typescript/index.ts")]
struct IndexTs {
    doc: Vec<String>,
    title: String,
    version: String,
    apps: Vec<AppRef>,
}

/// How `index.ts` refers to one app.
struct AppRef {
    /// Folder name (the IR's app identifier).
    folder: String,
    /// `<App>Api`.
    class_name: String,
    /// Property on the client and name of the re-exported namespace.
    ident: String,
}

/// Generates the TypeScript client files for one group's API.
///
/// # Errors
/// Only when a template fails to render, which is a bug in apigend.
pub fn generate(api: &Api) -> Result<Vec<GeneratedFile>, RenderError> {
    let mut files = Vec::new();

    let client = ClientTs {
        token_prefix: filters::ts_string(if api.auth.token_prefix.is_empty() {
            "Bearer"
        } else {
            &api.auth.token_prefix
        }),
        api_key_header: filters::ts_string(
            api.auth.api_key_header.as_deref().unwrap_or("X-API-Key"),
        ),
    };
    files.push(render("client.ts", &client)?);

    let model_types = TsTypes::for_models(api);
    let models =
        ModelsTs { models: api.types.values().map(|def| model_view(def, &model_types)).collect() };
    files.push(render("models.ts", &models)?);

    // Group by app in the IR's order; a BTreeMap keeps it deterministic even
    // if `lower` ever stops sorting.
    let mut by_app: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        by_app.entry(op.app.as_str()).or_default().push(op);
    }
    let app_types = TsTypes::for_apps(api);
    let mut class_names = BTreeSet::new();
    let mut idents = BTreeSet::new();
    let mut folders = BTreeSet::new();
    let mut apps = Vec::new();
    for (app, ops) in &by_app {
        let folder = names::unique(app_folder(app), &mut folders);
        let class_name =
            names::unique(format!("{}Api", names::pascal(app, "App")), &mut class_names);
        // `constructor` cannot be a class field, and an app's namespace
        // export must not redeclare a name `index.ts` itself declares; the
        // other escapes follow the reserved-word table like every other
        // identifier.
        idents.extend(INDEX_NAMES.iter().map(|n| n.to_ascii_lowercase()));
        let ident = names::unique(names::ts_ident(names::camel(app, "app")), &mut idents);
        let (views, uses_models) = ops::op_views(ops, &app_types);
        let origin = ops.first().map_or(*app, |op| op.app_origin.as_str());
        let view = AppTs {
            doc: filters::ts_doc_lines(&format!("Operations of the `{origin}` app.")),
            class_name: class_name.clone(),
            uses_models,
            ops: views,
        };
        files.push(render(&format!("{folder}/index.ts"), &view)?);
        apps.push(AppRef { folder, class_name, ident });
    }

    let mut doc = filters::ts_doc_lines(&api.info.title);
    if let Some(d) = api.info.description.as_deref() {
        let lines = filters::ts_doc_lines(d);
        if !lines.is_empty() {
            doc.push(String::new());
            doc.extend(lines);
        }
    }
    if !api.info.version.is_empty() {
        doc.push(String::new());
        doc.extend(filters::ts_doc_lines(&format!("Version: {}", api.info.version)));
    }
    let index = IndexTs {
        doc,
        title: filters::ts_string(&api.info.title),
        version: filters::ts_string(&api.info.version),
        apps,
    };
    files.push(render("index.ts", &index)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn render(path: &str, template: &impl Template) -> Result<GeneratedFile, RenderError> {
    template
        .render()
        .map(|contents| GeneratedFile::new(path, contents))
        .map_err(|source| RenderError { file: path.to_string(), source })
}

/// Names `index.ts` declares or re-exports at module level that an app's
/// camelCase identifier could spell (its PascalCase class names end in
/// `Api`, which none of these does).
const INDEX_NAMES: &[&str] = &["constructor", "createClient", "models"];

/// The IR promises a lowercase identifier; anything else is respelled so a
/// name from the spec can never become a path with separators or `..`.
fn app_folder(app: &str) -> String {
    let ok = app.starts_with(|c: char| c.is_ascii_lowercase())
        && app.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let folder = if ok { app.to_string() } else { names::snake(app, "app") };
    // Siblings of the app folders in the output root.
    if matches!(folder.as_str(), "client" | "models" | "index") {
        format!("{folder}_app")
    } else {
        folder
    }
}

fn model_view<'a>(def: &'a TypeDef, types: &TsTypes<'a>) -> ModelView<'a> {
    let mut doc = def.doc.as_deref().map(filters::ts_doc_lines).unwrap_or_default();
    if def.deprecated {
        doc.push("@deprecated".into());
    }
    let shape = match &def.kind {
        TypeKind::Object(obj) if obj.properties.is_empty() => {
            // No known members: an open record. `type: object` without
            // properties is a free-form JSON object in DRF (`JSONField`),
            // and the IR cannot tell "absent" from `false` here.
            let value =
                obj.additional.as_deref().map_or_else(|| "unknown".to_string(), |t| types.expr(t));
            Shape::Expr(format!("{{ [key: string]: {value} }}"))
        }
        TypeKind::Object(obj) => {
            let fields: Vec<FieldView> = obj
                .properties
                .iter()
                .map(|p| {
                    let mut doc = p.doc.as_deref().map(filters::ts_doc_lines).unwrap_or_default();
                    if p.deprecated {
                        doc.push("@deprecated".into());
                    }
                    FieldView {
                        key: property_key(&p.name),
                        optional: !p.required,
                        ty: types.expr(&p.ty),
                        doc,
                    }
                })
                .collect();
            // The index type also admits the known members' types, so an
            // object literal with both known and extra keys type-checks.
            let index = obj.additional.as_deref().map(|t| {
                let extra = types.expr(t);
                if extra == "unknown" {
                    return extra;
                }
                let mut parts: Vec<String> = vec![extra];
                for f in &fields {
                    if !parts.contains(&f.ty) {
                        parts.push(f.ty.clone());
                    }
                }
                if parts.iter().any(|p| p == "unknown") {
                    "unknown".to_string()
                } else {
                    parts.join(" | ")
                }
            });
            Shape::Object { fields, index }
        }
        TypeKind::Enum(_) | TypeKind::Alias(_) | TypeKind::Union(_) => {
            Shape::Expr(types.def_expr(def))
        }
    };
    ModelView { name: &def.name, doc, shape }
}

#[cfg(test)]
mod tests;
