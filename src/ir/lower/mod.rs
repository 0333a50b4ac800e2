//! OpenAPI → IR: resolves `$ref`s, names inline schemas, flattens `allOf`,
//! splits read and write views, finds apps, method names and pagination, and
//! fixes every ordering.
//!
//! Input is a prepared document (`spec::read`): every `$ref` is a plain
//! `#/components/<kind>/<name>`. A ref that does not resolve is a warning
//! naming the pointer and becomes `TypeRef::Unknown`. A piece of the
//! document that does not type fails the lowering only on the first, fast
//! way of reading (`spec::read` then reads it the second way); on the
//! second it is repaired (`Document::repaired_path_item`, `spec::repair`)
//! and its warnings join the others.
//!
//! The document is typed one path item and one component schema at a time,
//! on all cores, in the order they are lowered (`Document::typed_in_order`),
//! and each is dropped once lowered: only schemas that another one extends
//! with `allOf` or a multipart body inspects are kept, in a cache. That keeps
//! GitHub's document at a few MB of typed structs instead of ~75 MB.

use std::collections::{BTreeMap, BTreeSet};

use elsa::FrozenMap;
use openapiv3::{ReferenceOr, Schema};
use rayon::prelude::*;

use crate::spec::{Document, SpecError};

mod all_of;
mod auth;
mod bodies;
mod operations;
mod params;
mod refs;
mod responses;
mod schemas;
#[cfg(test)]
mod tests;
mod unions;
mod views;

pub use views::{kind_refs, type_refs};

use auth::auth_hints;
use schemas::type_ident;

use super::names;
use super::{Api, Info, TypeDef, TypeKind};

/// How operations are assigned to apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRule {
    /// First tag (drf-spectacular's default), `default` without tags.
    Tag,
    /// First path segment after this prefix.
    Path(String),
}

/// Deepest schema nesting lowered; deeper parts become `unknown` with a
/// warning rather than overflowing the stack.
const MAX_SCHEMA_DEPTH: usize = 64;

/// Lowers a prepared document.
///
/// # Errors
/// The first path item or component schema that does not type, with its
/// JSON pointer.
pub fn lower(doc: &Document, apps: &AppRule) -> Result<Api, SpecError> {
    let cache = FrozenMap::new();
    let mut cx = Lowerer::new(doc, &cache);
    cx.lower_components()?;
    let mut operations = cx.lower_operations(apps)?;
    cx.split_views(&mut operations);
    let auth = auth_hints(&doc.head);
    let warnings: Vec<String> = cx.warnings.into_iter().collect();
    let info = &doc.head.info;
    let mut api = Api {
        info: Info {
            title: info.title.clone(),
            description: info.description.clone(),
            version: info.version.clone(),
        },
        types: cx.types,
        operations,
        auth,
        warnings,
    };
    // Checked on the finished IR: what a body cannot carry depends on the
    // read/write views `split_views` chose.
    api.warnings.extend(crate::ir::wire::body_warnings(&api));
    api.warnings.sort();
    api.warnings.dedup();
    Ok(api)
}

/// What a property that is a plain `$ref` borrows from its target: the
/// target's description, read without typing the whole schema.
#[derive(serde::Deserialize)]
struct Described {
    #[serde(rename = "$ref")]
    reference: Option<String>,
    description: Option<String>,
}

struct Lowerer<'a> {
    doc: &'a Document,
    /// Component schemas typed for `allOf` flattening and multipart checks,
    /// kept for the rest of the lowering (few: most are typed, lowered and
    /// dropped in `lower_components`).
    cache: &'a FrozenMap<String, std::sync::Arc<ReferenceOr<Schema>>>,
    /// Component schema name → its `$ref` (an alias) or its description.
    described: BTreeMap<String, Described>,
    /// Component schema name → unique identifier.
    component_names: BTreeMap<String, String>,
    /// Lower-cased identifiers taken.
    taken: BTreeSet<String>,
    types: BTreeMap<String, TypeDef>,
    warnings: BTreeSet<String>,
}

impl<'a> Lowerer<'a> {
    fn new(
        doc: &'a Document,
        cache: &'a FrozenMap<String, std::sync::Arc<ReferenceOr<Schema>>>,
    ) -> Self {
        let mut taken = BTreeSet::new();
        let mut component_names = BTreeMap::new();
        // Sorted, so which of `User`/`user` gets the suffix never depends on
        // the order of the document.
        let sorted: BTreeSet<&str> = doc.component_names("schemas").collect();
        for name in &sorted {
            let ident = names::unique(type_ident(name), &mut taken);
            component_names.insert((*name).to_string(), ident);
        }
        let described = sorted
            .into_par_iter()
            .filter_map(|name| {
                let raw = doc.raw_component("schemas", name)?;
                Some((name.to_string(), serde_json::from_str::<Described>(raw).ok()?))
            })
            .collect();
        Lowerer {
            doc,
            cache,
            described,
            component_names,
            taken,
            types: BTreeMap::new(),
            warnings: BTreeSet::new(),
        }
    }

    /// A component schema, typed once and cached for the rest of the
    /// lowering. `None` when there is none by that name, or it does not type
    /// even repaired (`lower_components` reports either).
    fn component(&self, name: &str) -> Option<&'a ReferenceOr<Schema>> {
        if let Some(s) = self.cache.get(name) {
            return Some(s);
        }
        let s = match self.doc.schema(name)? {
            Ok(s) => s,
            Err(_) if self.doc.tolerant() => self.doc.repaired_schema(name)?.0,
            Err(_) => return None,
        };
        Some(self.cache.insert(name.to_string(), s))
    }

    /// A piece that did not type: the error when the document is read
    /// strictly, else its repaired version with the repair's warnings
    /// recorded (`None` when nothing of it was kept).
    fn tolerate<T>(
        &mut self,
        typed: Result<std::sync::Arc<T>, SpecError>,
        repaired: impl FnOnce() -> Option<(std::sync::Arc<T>, Vec<String>)>,
    ) -> Result<Option<std::sync::Arc<T>>, SpecError> {
        match typed {
            Ok(t) => Ok(Some(t)),
            Err(e) if !self.doc.tolerant() => Err(e),
            Err(e) => match repaired() {
                Some((t, warnings)) => {
                    self.warnings.extend(warnings);
                    Ok(Some(t))
                }
                None => {
                    self.warnings.insert(format!("{}; skipped", e.message));
                    Ok(None)
                }
            },
        }
    }

    fn lower_components(&mut self) -> Result<(), SpecError> {
        let mut sorted: Vec<&str> = self.doc.component_names("schemas").collect();
        sorted.sort_unstable();
        let doc = self.doc;
        doc.typed_in_order(
            &sorted,
            |name| doc.schema(name),
            |name, s| {
                let Some(ident) = self.component_names.get(name).cloned() else { return Ok(()) };
                let origin = format!("#/components/schemas/{}", crate::spec::escape_pointer(name));
                let Some(s) = self.tolerate(s, || doc.repaired_schema(name))? else {
                    return Ok(());
                };
                let def = match &*s {
                    ReferenceOr::Reference { reference } => TypeDef {
                        name: ident.clone(),
                        origin,
                        doc: None,
                        deprecated: false,
                        kind: TypeKind::Alias(self.ref_type(reference)),
                    },
                    ReferenceOr::Item(schema) => self.def_from_schema(&ident, origin, schema, 0),
                };
                self.types.insert(ident, def);
                Ok(())
            },
        )
    }
}
