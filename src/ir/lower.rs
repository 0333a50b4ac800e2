//! OpenAPI → IR: resolves `$ref`s, names inline schemas, flattens `allOf`,
//! splits read and write views, finds apps, method names and pagination, and
//! fixes every ordering.
//!
//! Input is a prepared document (`spec::read`): every `$ref` is a plain
//! `#/components/<kind>/<name>`. A ref that does not resolve is a warning
//! naming the pointer and becomes `TypeRef::Unknown`. Lowering fails only
//! when a piece of the document does not type (the error names its JSON
//! pointer).
//!
//! The document is typed one path item and one component schema at a time,
//! on all cores, in the order they are lowered (`Document::typed_in_order`),
//! and each is dropped once lowered: only schemas that another one extends
//! with `allOf` or a multipart body inspects are kept, in a cache. That keeps
//! GitHub's document at a few MB of typed structs instead of ~75 MB.

use std::collections::{BTreeMap, BTreeSet};

use elsa::FrozenMap;
use indexmap::IndexMap;
use openapiv3 as oa;
use openapiv3::{ReferenceOr, Schema, SchemaKind};
use rayon::prelude::*;

use crate::spec::{Document, SpecError};

use super::names;
use super::{
    Api, AuthHints, Body, BodyMedia, Discriminator, Info, Literal, Method, Object, Operation,
    Pagination, Param, ParamLocation, Property, Response, ResponseMedia, StringFormat, TypeDef,
    TypeKind, TypeRef, Union,
};

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

/// App names that would collide with the generated clients' own files.
const RESERVED_APPS: &[&str] = &["client", "models", "index", "init", "py", "typed"];

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
    let mut warnings: Vec<String> = cx.warnings.into_iter().collect();
    warnings.sort();
    let info = &doc.head.info;
    Ok(Api {
        info: Info {
            title: info.title.clone(),
            description: info.description.clone(),
            version: info.version.clone(),
        },
        types: cx.types,
        operations,
        auth,
        warnings,
    })
}

/// What a property that is a plain `$ref` borrows from its target: the
/// target's description, read without typing the whole schema.
#[derive(serde::Deserialize)]
struct Described {
    #[serde(rename = "$ref")]
    reference: Option<String>,
    description: Option<String>,
}

/// The first pass over a path item: only what app and method naming need.
#[derive(serde::Deserialize)]
struct ItemHead {
    #[serde(rename = "$ref")]
    reference: Option<serde::de::IgnoredAny>,
    get: Option<OpHead>,
    put: Option<OpHead>,
    post: Option<OpHead>,
    delete: Option<OpHead>,
    options: Option<OpHead>,
    head: Option<OpHead>,
    patch: Option<OpHead>,
    trace: Option<OpHead>,
}

#[derive(serde::Deserialize)]
struct OpHead {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(rename = "operationId")]
    operation_id: Option<String>,
}

/// The parts of an object-like schema that allOf flattening merges: own
/// properties, `required`, `additionalProperties`, allOf members.
type ObjectParts<'s> = (
    Option<&'s IndexMap<String, ReferenceOr<Box<Schema>>>>,
    &'s [String],
    Option<&'s oa::AdditionalProperties>,
    &'s [ReferenceOr<Schema>],
);

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
    /// (`lower_components` reports that).
    fn component(&self, name: &str) -> Option<&'a ReferenceOr<Schema>> {
        if let Some(s) = self.cache.get(name) {
            return Some(s);
        }
        let s = self.doc.schema(name)?.ok()?;
        Some(self.cache.insert(name.to_string(), s))
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
                let def = match &*s? {
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

    /// The description a property that is a plain `$ref` shows: its
    /// target's, following aliases.
    fn ref_description(&self, reference: &str) -> Option<String> {
        let mut name =
            crate::spec::unescape_pointer(reference.strip_prefix("#/components/schemas/")?);
        for _ in 0..32 {
            let d = self.described.get(&name)?;
            match &d.reference {
                Some(next) => {
                    name =
                        crate::spec::unescape_pointer(next.strip_prefix("#/components/schemas/")?);
                }
                None => return d.description.clone(),
            }
        }
        None
    }

    /// The `TypeRef` a `$ref` string stands for.
    fn ref_type(&mut self, reference: &str) -> TypeRef {
        if let Some(name) = reference.strip_prefix("#/components/schemas/") {
            let name = crate::spec::unescape_pointer(name);
            if let Some(ident) = self.component_names.get(&name) {
                return TypeRef::Named(ident.clone());
            }
        }
        self.warnings.insert(format!("dangling $ref `{reference}`: typed as unknown"));
        TypeRef::Unknown
    }

    /// Follows component aliases to the schema behind a ref, for allOf
    /// flattening and discriminator lookups.
    fn deref_schema<'s>(&self, s: &'s ReferenceOr<Schema>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        let mut cur = s;
        for _ in 0..32 {
            match cur {
                ReferenceOr::Item(schema) => return Some(schema),
                ReferenceOr::Reference { reference } => {
                    let name = crate::spec::unescape_pointer(
                        reference.strip_prefix("#/components/schemas/")?,
                    );
                    cur = self.component(&name)?;
                }
            }
        }
        None
    }

    fn deref_boxed<'s>(&self, s: &'s ReferenceOr<Box<Schema>>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        match s {
            ReferenceOr::Item(b) => Some(b),
            ReferenceOr::Reference { reference } => {
                let name =
                    crate::spec::unescape_pointer(reference.strip_prefix("#/components/schemas/")?);
                self.deref_schema(self.component(&name)?)
            }
        }
    }

    /// A named definition from a schema.
    fn def_from_schema(
        &mut self,
        ident: &str,
        origin: String,
        schema: &Schema,
        depth: usize,
    ) -> TypeDef {
        let data = &schema.schema_data;
        let doc = data.description.clone().or_else(|| data.title.clone());
        let kind = self.kind_of(ident, schema, depth);
        TypeDef { name: ident.to_string(), origin, doc, deprecated: data.deprecated, kind }
    }

    fn kind_of(&mut self, ident: &str, schema: &Schema, depth: usize) -> TypeKind {
        let nullable = schema.schema_data.nullable;
        if let Some(lits) = literals(schema) {
            let mut lits = lits;
            if nullable && !lits.contains(&Literal::Null) {
                lits.push(Literal::Null);
            }
            return TypeKind::Enum(lits);
        }
        if is_object_like(schema) {
            return TypeKind::Object(self.object(ident, schema, depth));
        }
        let union_members = match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => Some(one_of.as_slice()),
            SchemaKind::AnyOf { any_of } => Some(any_of.as_slice()),
            SchemaKind::Any(a) if !a.one_of.is_empty() => Some(a.one_of.as_slice()),
            SchemaKind::Any(a) if !a.any_of.is_empty() => Some(a.any_of.as_slice()),
            _ => None,
        };
        if let Some(members) = union_members
            && members.len() > 1
        {
            let mut u = self.union(ident, members, schema, depth);
            if nullable && !u.variants.contains(&TypeRef::Null) {
                u.variants.push(TypeRef::Null);
            }
            return TypeKind::Union(u);
        }
        TypeKind::Alias(self.schema_type(ident, schema, depth))
    }

    fn union(
        &mut self,
        ident: &str,
        members: &[ReferenceOr<Schema>],
        schema: &Schema,
        depth: usize,
    ) -> Union {
        let mut variants = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let hint = format!("{ident}{}", i + 1);
            let t = self.type_of(&hint, m, depth + 1);
            if !variants.contains(&t) {
                variants.push(t);
            }
        }
        let discriminator = schema.schema_data.discriminator.as_ref().map(|d| {
            let mut mapping: BTreeMap<String, TypeRef> = BTreeMap::new();
            for (value, target) in &d.mapping {
                let t = if target.starts_with('#') {
                    self.ref_type(target)
                } else {
                    // A bare schema name is allowed by the spec.
                    self.ref_type(&format!("#/components/schemas/{target}"))
                };
                mapping.insert(value.clone(), t);
            }
            // Members without a mapping entry are tagged with their schema
            // name, as OpenAPI specifies.
            for m in members {
                if let ReferenceOr::Reference { reference } = m
                    && let Some(raw) = reference.strip_prefix("#/components/schemas/")
                {
                    let t = self.ref_type(reference);
                    if !mapping.values().any(|v| *v == t) {
                        mapping.insert(crate::spec::unescape_pointer(raw), t);
                    }
                }
            }
            Discriminator {
                property: d.property_name.clone(),
                mapping: mapping.into_iter().collect(),
            }
        });
        Union { variants, discriminator }
    }

    /// Registers an inline type under a fresh name derived from `hint`.
    fn inline_def(&mut self, hint: &str, origin: String, schema: &Schema, depth: usize) -> TypeRef {
        let ident = names::unique(type_ident(hint), &mut self.taken);
        let def = self.def_from_schema(&ident, origin, schema, depth);
        self.types.insert(ident.clone(), def);
        TypeRef::Named(ident)
    }

    fn type_of(&mut self, hint: &str, s: &ReferenceOr<Schema>, depth: usize) -> TypeRef {
        match s {
            ReferenceOr::Reference { reference } => self.ref_type(reference),
            ReferenceOr::Item(schema) => self.schema_type(hint, schema, depth),
        }
    }

    fn boxed_type_of(&mut self, hint: &str, s: &ReferenceOr<Box<Schema>>, depth: usize) -> TypeRef {
        match s {
            ReferenceOr::Reference { reference } => self.ref_type(reference),
            ReferenceOr::Item(schema) => self.schema_type(hint, schema, depth),
        }
    }

    /// The type of an inline schema, naming it when it needs a definition
    /// (objects, discriminated unions).
    fn schema_type(&mut self, hint: &str, schema: &Schema, depth: usize) -> TypeRef {
        if depth > MAX_SCHEMA_DEPTH {
            self.warnings.insert(format!(
                "{hint}: schema nests deeper than {MAX_SCHEMA_DEPTH} levels; the rest is typed unknown"
            ));
            return TypeRef::Unknown;
        }
        let nullable = schema.schema_data.nullable;
        let wrap = |t: TypeRef| {
            if nullable && !matches!(t, TypeRef::Unknown | TypeRef::Null | TypeRef::Nullable(_)) {
                TypeRef::Nullable(Box::new(t))
            } else {
                t
            }
        };
        if schema.schema_data.extensions.contains_key("x-apigend-null") {
            return TypeRef::Null;
        }
        if let Some(mut lits) = literals(schema) {
            if nullable && !lits.contains(&Literal::Null) {
                lits.push(Literal::Null);
            }
            return TypeRef::Literals(lits);
        }
        let t = match &schema.schema_kind {
            SchemaKind::Type(oa::Type::String(s)) => string_type(&s.format),
            SchemaKind::Type(oa::Type::Integer(_)) => TypeRef::Integer,
            SchemaKind::Type(oa::Type::Number(_)) => TypeRef::Number,
            SchemaKind::Type(oa::Type::Boolean(_)) => TypeRef::Boolean,
            SchemaKind::Type(oa::Type::Array(a)) => TypeRef::Array(Box::new(match &a.items {
                Some(items) => self.boxed_type_of(&format!("{hint}Item"), items, depth + 1),
                None => TypeRef::Unknown,
            })),
            SchemaKind::Type(oa::Type::Object(o)) if o.properties.is_empty() => {
                self.map_type(hint, o.additional_properties.as_ref(), depth)
            }
            // drf-spectacular's `allOf: [$ref]` wrapper that only adds
            // nullable/readOnly/description is the member itself.
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                self.type_of(hint, &all_of[0], depth + 1)
            }
            SchemaKind::OneOf { one_of: m } | SchemaKind::AnyOf { any_of: m } if m.len() == 1 => {
                self.type_of(hint, &m[0], depth + 1)
            }
            SchemaKind::OneOf { one_of: m } | SchemaKind::AnyOf { any_of: m }
                if schema.schema_data.discriminator.is_none() =>
            {
                let mut variants = Vec::new();
                for (i, v) in m.iter().enumerate() {
                    let t = self.type_of(&format!("{hint}{}", i + 1), v, depth + 1);
                    if !variants.contains(&t) {
                        variants.push(t);
                    }
                }
                if variants.contains(&TypeRef::Unknown) {
                    TypeRef::Unknown
                } else {
                    TypeRef::AnyOf(variants)
                }
            }
            SchemaKind::Any(a) if !is_object_like(schema) => {
                self.any_schema_type(hint, schema, a, depth)
            }
            SchemaKind::Not { .. } => TypeRef::Unknown,
            _ => self.inline_def(hint, hint.to_string(), schema, depth + 1),
        };
        wrap(t)
    }

    fn any_schema_type(
        &mut self,
        hint: &str,
        schema: &Schema,
        a: &oa::AnySchema,
        depth: usize,
    ) -> TypeRef {
        if let Some(items) = &a.items {
            return TypeRef::Array(Box::new(self.boxed_type_of(
                &format!("{hint}Item"),
                items,
                depth + 1,
            )));
        }
        let members = if a.one_of.is_empty() { &a.any_of } else { &a.one_of };
        if members.len() == 1 && a.all_of.is_empty() {
            return self.type_of(hint, &members[0], depth + 1);
        }
        if !members.is_empty() {
            return self.inline_def(hint, hint.to_string(), schema, depth + 1);
        }
        if a.all_of.len() == 1 {
            return self.type_of(hint, &a.all_of[0], depth + 1);
        }
        match a.typ.as_deref() {
            Some("string") => string_type(&string_format(a.format.as_deref())),
            Some("integer") => TypeRef::Integer,
            Some("number") => TypeRef::Number,
            Some("boolean") => TypeRef::Boolean,
            Some("array") => TypeRef::Array(Box::new(TypeRef::Unknown)),
            Some("object") => self.map_type(hint, a.additional_properties.as_ref(), depth),
            _ => TypeRef::Unknown,
        }
    }

    fn map_type(
        &mut self,
        hint: &str,
        additional: Option<&oa::AdditionalProperties>,
        depth: usize,
    ) -> TypeRef {
        match additional {
            Some(oa::AdditionalProperties::Schema(s)) => {
                TypeRef::Map(Box::new(self.type_of(&format!("{hint}Value"), s, depth + 1)))
            }
            _ => TypeRef::Map(Box::new(TypeRef::Unknown)),
        }
    }

    /// An object definition: own properties plus those of every allOf member,
    /// flattened (first definition of a property wins its position, later
    /// ones refine its type).
    fn object(&mut self, ident: &str, schema: &Schema, depth: usize) -> Object {
        let mut props: IndexMap<String, (&ReferenceOr<Box<Schema>>, bool)> = IndexMap::new();
        let mut required: BTreeSet<String> = BTreeSet::new();
        let mut additional: Option<&oa::AdditionalProperties> = None;
        let mut visited = BTreeSet::new();
        self.collect(schema, &mut props, &mut required, &mut additional, &mut visited, 0);
        let mut properties = Vec::with_capacity(props.len());
        for (name, (s, _)) in &props {
            let hint = format!("{ident}{}", names::pascal(name, "Field"));
            let ty = self.boxed_type_of(&hint, s, depth + 1);
            // readOnly/writeOnly/description on a `$ref` sibling are lost in
            // 3.0; drf-spectacular wraps them in `allOf: [$ref]`, which is an
            // Item here, so reading the item's own data is right.
            let own = match s {
                ReferenceOr::Item(b) => Some(&b.schema_data),
                ReferenceOr::Reference { .. } => None,
            };
            let doc = match s {
                ReferenceOr::Item(b) => b.schema_data.description.clone(),
                ReferenceOr::Reference { reference } => self.ref_description(reference),
            };
            properties.push(Property {
                name: name.clone(),
                ty,
                required: required.contains(name),
                read_only: own.is_some_and(|d| d.read_only),
                write_only: own.is_some_and(|d| d.write_only),
                doc,
                deprecated: own.is_some_and(|d| d.deprecated),
            });
        }
        let additional = match additional {
            Some(oa::AdditionalProperties::Schema(s)) => {
                Some(Box::new(self.type_of(&format!("{ident}Value"), s, depth + 1)))
            }
            Some(oa::AdditionalProperties::Any(true)) => Some(Box::new(TypeRef::Unknown)),
            _ => None,
        };
        Object { properties, additional }
    }

    #[allow(clippy::too_many_arguments)]
    fn collect<'s>(
        &self,
        schema: &'s Schema,
        props: &mut IndexMap<String, (&'s ReferenceOr<Box<Schema>>, bool)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<&'s oa::AdditionalProperties>,
        visited: &mut BTreeSet<*const Schema>,
        depth: usize,
    ) where
        'a: 's,
    {
        if depth > MAX_SCHEMA_DEPTH || !visited.insert(std::ptr::from_ref(schema)) {
            return; // allOf cycle
        }
        let (own, req, add, all_of): ObjectParts<'s> = match &schema.schema_kind {
            SchemaKind::Type(oa::Type::Object(o)) => {
                (Some(&o.properties), &o.required, o.additional_properties.as_ref(), &[])
            }
            SchemaKind::AllOf { all_of } => (None, &[], None, all_of),
            SchemaKind::Any(a) => {
                (Some(&a.properties), &a.required, a.additional_properties.as_ref(), &a.all_of)
            }
            _ => (None, &[], None, &[]),
        };
        for member in all_of {
            if let Some(m) = self.deref_schema(member) {
                self.collect(m, props, required, additional, visited, depth + 1);
            }
        }
        if let Some(own) = own {
            for (k, v) in own {
                props.insert(k.clone(), (v, true));
            }
        }
        required.extend(req.iter().cloned());
        if add.is_some() {
            *additional = add;
        }
    }

    // ---- operations -------------------------------------------------------

    fn lower_operations(&mut self, rule: &AppRule) -> Result<Vec<Operation>, SpecError> {
        // First pass, light: tags and operation ids of every operation, for
        // the app and method names, which depend on all of them.
        let doc = self.doc;
        let paths: Vec<&str> = doc.raw_paths().map(|(p, _)| p).collect();
        let heads = paths
            .par_iter()
            .filter_map(|p| {
                let head = doc.path_item_as::<ItemHead>(p)?;
                // Prefer openapiv3's own message for a path item it refuses.
                Some(head.map(|h| (*p, h)).map_err(|e| match doc.path_item(p) {
                    Some(Err(better)) => better,
                    _ => e,
                }))
            })
            .collect::<Result<Vec<_>, SpecError>>()?;
        let mut raw: Vec<(String, Method, OpHead)> = Vec::new();
        for (path, item) in heads {
            if item.reference.is_some() {
                self.warnings
                    .insert(format!("path `{path}` is a $ref; path-item refs are not supported"));
                continue;
            }
            for (m, op) in [
                (Method::Get, item.get),
                (Method::Put, item.put),
                (Method::Post, item.post),
                (Method::Delete, item.delete),
                (Method::Options, item.options),
                (Method::Head, item.head),
                (Method::Patch, item.patch),
                (Method::Trace, item.trace),
            ] {
                if let Some(op) = op {
                    raw.push((path.to_string(), m, op));
                }
            }
        }
        // App identifiers: unique, sorted by the spec's app name.
        let app_of = |path: &str, op: &OpHead| -> String {
            match rule {
                AppRule::Tag => op.tags.first().cloned().unwrap_or_else(|| "default".into()),
                AppRule::Path(prefix) => path
                    .strip_prefix(prefix.as_str())
                    .unwrap_or(path)
                    .split('/')
                    .find(|s| !s.is_empty() && !s.starts_with('{'))
                    .unwrap_or("default")
                    .to_string(),
            }
        };
        let origins: BTreeSet<String> = raw.iter().map(|(p, _, op)| app_of(p, op)).collect();
        let mut app_taken: BTreeSet<String> =
            RESERVED_APPS.iter().map(|s| (*s).to_string()).collect();
        let app_ids: BTreeMap<String, String> = origins
            .into_iter()
            .map(|o| {
                let mut id = names::snake(&o, "default");
                if names::PY_RESERVED.contains(&id.as_str())
                    || names::TS_RESERVED.contains(&id.as_str())
                    || RESERVED_APPS.contains(&id.as_str())
                {
                    id.push_str("_api");
                }
                let id = names::unique(id, &mut app_taken);
                (o, id)
            })
            .collect();

        // Stable order before naming, so suffixes do not depend on the
        // document's path order.
        raw.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut per_app_taken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut ops = Vec::with_capacity(raw.len());
        let mut pending = Vec::with_capacity(raw.len());
        for (path, method, op) in raw {
            let origin = app_of(&path, &op);
            let app = app_ids.get(&origin).cloned().unwrap_or_else(|| "default".into());
            let operation_id = op.operation_id.clone().unwrap_or_else(|| {
                format!("{}_{}", method.as_str().to_ascii_lowercase(), names::snake(&path, "root"))
            });
            pending.push((path, method, origin, app, operation_id));
        }
        // Two passes so every operation's preferred name is reserved before
        // any `_all` iterator name is handed out.
        let mut preferred = Vec::with_capacity(pending.len());
        for (_, _, origin, app, operation_id) in &pending {
            let taken = per_app_taken.entry(app.clone()).or_default();
            let name = names::unique(method_name(operation_id, origin), taken);
            preferred.push(name);
        }
        // Second pass, in (path, method) order: each path item typed once,
        // its operations lowered, the item dropped.
        // Owned: `pending` moves into the iterator below.
        let mut owned: Vec<String> = pending.iter().map(|p| p.0.clone()).collect();
        owned.dedup();
        let distinct: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut next = pending.into_iter().zip(preferred).peekable();
        doc.typed_in_order(
            &distinct,
            |p| doc.path_item(p),
            |path, item| {
                let item = item?;
                while let Some(((p, ..), _)) = next.peek()
                    && p == path
                {
                    let Some(((path, method, origin, app, operation_id), name)) = next.next()
                    else {
                        break;
                    };
                    // The first pass saw this operation; a `$ref` item or a
                    // missing method here would mean the two reads disagree.
                    let ReferenceOr::Item(item) = &*item else { continue };
                    let Some(op) = operation_of(item, method) else { continue };
                    let hint = names::pascal(&operation_id, "Operation");
                    let params = self.params(&path, item, op, &hint);
                    let body = self.body(op, &hint);
                    let (success, errors) = self.responses(op, &hint);
                    let pagination = self.pagination(&success).map(|item| {
                        let taken = per_app_taken.entry(app.clone()).or_default();
                        Pagination { item, all_name: names::unique(format!("{name}_all"), taken) }
                    });
                    ops.push(Operation {
                        app,
                        app_origin: origin,
                        operation_id,
                        name,
                        method,
                        path,
                        summary: op.summary.clone(),
                        description: op.description.clone(),
                        deprecated: op.deprecated,
                        params,
                        body,
                        success,
                        errors,
                        pagination,
                    });
                }
                Ok(())
            },
        )?;
        ops.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
        Ok(ops)
    }

    fn params(
        &mut self,
        path: &str,
        item: &oa::PathItem,
        op: &oa::Operation,
        hint: &str,
    ) -> Vec<Param> {
        // Operation-level parameters override path-level ones by (name, in).
        let mut by_key: BTreeMap<(ParamLocation, String), Param> = BTreeMap::new();
        for p in item.parameters.iter().chain(op.parameters.iter()) {
            let Some(param) = self.param(p, hint) else { continue };
            by_key.insert((param.location, param.name.clone()), param);
        }
        // Path parameters used in the template but not declared.
        let in_template: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        for n in &in_template {
            by_key.entry((ParamLocation::Path, n.clone())).or_insert_with(|| Param {
                name: n.clone(),
                ident: String::new(),
                location: ParamLocation::Path,
                required: true,
                ty: TypeRef::String(StringFormat::Plain),
                doc: None,
                explode: false,
            });
        }
        let mut params: Vec<Param> = by_key.into_values().collect();
        // Path parameters in template order, the rest by location and name.
        params.sort_by_key(|p| {
            let pos = in_template.iter().position(|n| *n == p.name).unwrap_or(usize::MAX);
            (p.location, if p.location == ParamLocation::Path { pos } else { 0 }, p.name.clone())
        });
        let mut taken = BTreeSet::new();
        for p in &mut params {
            p.ident = names::unique(names::snake(&p.name, "param"), &mut taken);
        }
        params
    }

    fn param(&mut self, p: &ReferenceOr<oa::Parameter>, hint: &str) -> Option<Param> {
        let param = match p {
            ReferenceOr::Item(p) => p,
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                let name = crate::spec::unescape_pointer(name);
                match self.doc.head.components.as_ref()?.parameters.get(&name) {
                    Some(ReferenceOr::Item(p)) => p,
                    _ => {
                        self.warnings
                            .insert(format!("dangling parameter $ref `{reference}`: skipped"));
                        return None;
                    }
                }
            }
        };
        let (location, data, explode_default) = match param {
            oa::Parameter::Path { parameter_data, .. } => {
                (ParamLocation::Path, parameter_data, false)
            }
            oa::Parameter::Query { parameter_data, .. } => {
                (ParamLocation::Query, parameter_data, true)
            }
            oa::Parameter::Header { parameter_data, .. } => {
                (ParamLocation::Header, parameter_data, false)
            }
            oa::Parameter::Cookie { parameter_data, .. } => {
                (ParamLocation::Cookie, parameter_data, true)
            }
        };
        let phint = format!("{hint}{}", names::pascal(&data.name, "Param"));
        let ty = match &data.format {
            oa::ParameterSchemaOrContent::Schema(s) => self.type_of(&phint, s, 0),
            oa::ParameterSchemaOrContent::Content(c) => c
                .values()
                .next()
                .and_then(|m| m.schema.as_ref())
                .map_or(TypeRef::Unknown, |s| self.type_of(&phint, s, 0)),
        };
        Some(Param {
            name: data.name.clone(),
            ident: String::new(),
            location,
            required: data.required || location == ParamLocation::Path,
            ty,
            doc: data.description.clone(),
            explode: data.explode.unwrap_or(explode_default),
        })
    }

    fn body(&mut self, op: &oa::Operation, hint: &str) -> Option<Body> {
        let rb = match op.request_body.as_ref()? {
            ReferenceOr::Item(rb) => rb,
            ReferenceOr::Reference { reference } => {
                let name = crate::spec::unescape_pointer(
                    reference.strip_prefix("#/components/requestBodies/")?,
                );
                match self.doc.head.components.as_ref()?.request_bodies.get(&name) {
                    Some(ReferenceOr::Item(rb)) => rb,
                    _ => {
                        self.warnings
                            .insert(format!("dangling requestBody $ref `{reference}`: no body"));
                        return None;
                    }
                }
            }
        };
        let mut candidates: Vec<(BodyMedia, &String, &oa::MediaType)> =
            rb.content.iter().map(|(ct, m)| (body_media(ct), ct, m)).collect();
        // A file upload offered as JSON too (DRF lists every parser) only
        // works as multipart.
        let has_file = candidates.iter().any(|(media, _, m)| {
            *media == BodyMedia::Multipart
                && m.schema
                    .as_ref()
                    .and_then(|s| self.deref_schema(s))
                    .is_some_and(|s| self.has_binary(s))
        });
        candidates.sort_by_key(|(media, ct, _)| {
            let rank =
                if has_file && *media == BodyMedia::Multipart { 0 } else { *media as u8 + 1 };
            (rank, (*ct).clone())
        });
        let (media, ct, m) = candidates.first()?;
        let ty = match media {
            BodyMedia::Binary => TypeRef::Binary,
            BodyMedia::Text => TypeRef::String(StringFormat::Plain),
            _ => m
                .schema
                .as_ref()
                .map_or(TypeRef::Unknown, |s| self.type_of(&format!("{hint}Body"), s, 0)),
        };
        Some(Body {
            required: rb.required,
            media: *media,
            content_type: (*ct).clone(),
            ty,
            doc: rb.description.clone(),
        })
    }

    fn has_binary(&self, s: &Schema) -> bool {
        let mut props = IndexMap::new();
        let mut req = BTreeSet::new();
        let mut add = None;
        let mut visited = BTreeSet::new();
        self.collect(s, &mut props, &mut req, &mut add, &mut visited, 0);
        props.values().any(|(p, _)| {
            self.deref_boxed(p).is_some_and(|p| match &p.schema_kind {
                SchemaKind::Type(oa::Type::String(st)) => is_binary(&st.format),
                SchemaKind::Type(oa::Type::Array(a)) => a.items.as_ref().and_then(|i| self.deref_boxed(i)).is_some_and(|i| {
                    matches!(&i.schema_kind, SchemaKind::Type(oa::Type::String(st)) if is_binary(&st.format))
                }),
                _ => false,
            })
        })
    }

    fn responses(&mut self, op: &oa::Operation, hint: &str) -> (Response, Vec<Response>) {
        let mut entries: Vec<(String, &ReferenceOr<oa::Response>)> =
            op.responses.responses.iter().map(|(code, r)| (code.to_string(), r)).collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(d) = &op.responses.default {
            entries.push(("default".into(), d));
        }
        let mut success = None;
        let mut errors = Vec::new();
        for (status, r) in entries {
            let is_success = status.starts_with('2');
            let is_error =
                status.starts_with('4') || status.starts_with('5') || status == "default";
            if !(is_error || is_success && success.is_none()) {
                continue;
            }
            let Some(resp) = self.response(&status, r, hint, is_success) else { continue };
            if is_success {
                success = Some(resp);
            } else if resp.media != ResponseMedia::Empty {
                errors.push(resp);
            }
        }
        let success = success.unwrap_or(Response {
            status: "default".into(),
            media: ResponseMedia::Empty,
            ty: TypeRef::Unknown,
            doc: None,
        });
        (success, errors)
    }

    fn response(
        &mut self,
        status: &str,
        r: &ReferenceOr<oa::Response>,
        hint: &str,
        success: bool,
    ) -> Option<Response> {
        let resp = match r {
            ReferenceOr::Item(r) => r,
            ReferenceOr::Reference { reference } => {
                let name = crate::spec::unescape_pointer(
                    reference.strip_prefix("#/components/responses/").unwrap_or(""),
                );
                match self.doc.head.components.as_ref().and_then(|c| c.responses.get(&name)) {
                    Some(ReferenceOr::Item(r)) => r,
                    _ => {
                        self.warnings
                            .insert(format!("dangling response $ref `{reference}`: typed unknown"));
                        return Some(Response {
                            status: status.into(),
                            media: ResponseMedia::Json,
                            ty: TypeRef::Unknown,
                            doc: None,
                        });
                    }
                }
            }
        };
        let doc = Some(resp.description.clone()).filter(|d| !d.is_empty());
        if status == "204" || resp.content.is_empty() {
            return Some(Response {
                status: status.into(),
                media: ResponseMedia::Empty,
                ty: TypeRef::Unknown,
                doc,
            });
        }
        let mut cands: Vec<(u8, &String, &oa::MediaType)> = resp
            .content
            .iter()
            .map(|(ct, m)| {
                let rank = match response_media(ct) {
                    ResponseMedia::Json => 0,
                    ResponseMedia::Text => 1,
                    ResponseMedia::Binary => 2,
                    ResponseMedia::Empty => 3,
                };
                (rank, ct, m)
            })
            .collect();
        cands.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let (_, ct, m) = cands.first()?;
        let media = response_media(ct);
        let suffix = if success { "Response".to_string() } else { format!("Error{status}") };
        let ty = match media {
            ResponseMedia::Json => m
                .schema
                .as_ref()
                .map_or(TypeRef::Unknown, |s| self.type_of(&format!("{hint}{suffix}"), s, 0)),
            ResponseMedia::Text => TypeRef::String(StringFormat::Plain),
            ResponseMedia::Binary => TypeRef::Binary,
            ResponseMedia::Empty => TypeRef::Unknown,
        };
        Some(Response { status: status.into(), media, ty, doc })
    }

    /// The item type when `success` is a DRF paginated list: an object with a
    /// `results` array and a `next` link.
    fn pagination(&self, success: &Response) -> Option<TypeRef> {
        if success.media != ResponseMedia::Json {
            return None;
        }
        let TypeRef::Named(n) = &success.ty else { return None };
        let TypeKind::Object(o) = &self.types.get(n)?.kind else { return None };
        let has_next = o.properties.iter().any(|p| p.name == "next");
        let results = o.properties.iter().find(|p| p.name == "results")?;
        if !has_next {
            return None;
        }
        match &results.ty {
            TypeRef::Array(item) => Some((**item).clone()),
            _ => None,
        }
    }

    // ---- read / write views ---------------------------------------------

    /// Types whose request shape differs from their response shape get a
    /// `…Writable` twin without readOnly properties; the original loses its
    /// writeOnly properties. Request bodies and parameters switch to the
    /// twins.
    fn split_views(&mut self, ops: &mut [Operation]) {
        let direct: BTreeSet<String> = self
            .types
            .values()
            .filter(|t| match &t.kind {
                TypeKind::Object(o) => o.properties.iter().any(|p| p.read_only || p.write_only),
                _ => false,
            })
            .map(|t| t.name.clone())
            .collect();
        // Fixpoint: a type that refers to a split type is split too.
        let mut split = direct;
        loop {
            let mut grew = false;
            for t in self.types.values() {
                if split.contains(&t.name) {
                    continue;
                }
                let mut refs = BTreeSet::new();
                kind_refs(&t.kind, &mut refs);
                if refs.iter().any(|r| split.contains(r)) {
                    split.insert(t.name.clone());
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        if split.is_empty() {
            return;
        }
        // Which split types each side of the wire uses. Only types used in
        // both need two definitions; a request-only type (drf-spectacular's
        // `XRequest` under COMPONENT_SPLIT_REQUEST) keeps its name and just
        // loses its readOnly properties, a response-only one its writeOnly
        // properties, so adding a write-only field never renames a model.
        let mut req_roots = BTreeSet::new();
        let mut resp_roots = BTreeSet::new();
        for op in ops.iter() {
            if let Some(b) = &op.body {
                type_refs(&b.ty, &mut req_roots);
            }
            for p in &op.params {
                type_refs(&p.ty, &mut req_roots);
            }
            type_refs(&op.success.ty, &mut resp_roots);
            for e in &op.errors {
                type_refs(&e.ty, &mut resp_roots);
            }
        }
        let in_requests = self.closure(req_roots);
        let in_responses = self.closure(resp_roots);
        let writable: BTreeMap<String, String> = split
            .iter()
            .filter(|n| in_requests.contains(*n) && in_responses.contains(*n))
            .map(|n| (n.clone(), names::unique(format!("{n}Writable"), &mut self.taken)))
            .collect();
        let to_w = |t: &TypeRef| {
            map_named(t, &|n| writable.get(n).cloned().unwrap_or_else(|| n.to_string()))
        };
        let write_view = |kind: TypeKind| match kind {
            TypeKind::Object(mut o) => {
                o.properties.retain(|p| !p.read_only);
                for p in &mut o.properties {
                    p.ty = to_w(&p.ty);
                }
                o.additional = o.additional.map(|a| Box::new(to_w(&a)));
                TypeKind::Object(o)
            }
            TypeKind::Union(mut u) => {
                u.variants = u.variants.iter().map(&to_w).collect();
                if let Some(d) = &mut u.discriminator {
                    for (_, t) in &mut d.mapping {
                        *t = to_w(t);
                    }
                }
                TypeKind::Union(u)
            }
            TypeKind::Alias(t) => TypeKind::Alias(to_w(&t)),
            e @ TypeKind::Enum(_) => e,
        };
        let mut twins = Vec::new();
        for name in &split {
            let Some(def) = self.types.get_mut(name) else { continue };
            let request_only = in_requests.contains(name) && !in_responses.contains(name);
            if let Some(w) = writable.get(name) {
                let mut twin = def.clone();
                twin.name = w.clone();
                twin.kind = write_view(twin.kind);
                twins.push(twin);
            } else if request_only {
                let kind = std::mem::replace(&mut def.kind, TypeKind::Enum(Vec::new()));
                def.kind = write_view(kind);
                continue;
            }
            if let TypeKind::Object(o) = &mut def.kind {
                o.properties.retain(|p| !p.write_only);
            }
        }
        for t in twins {
            self.types.insert(t.name.clone(), t);
        }
        for op in ops {
            if let Some(b) = &mut op.body {
                b.ty = to_w(&b.ty);
            }
            for p in &mut op.params {
                p.ty = to_w(&p.ty);
            }
        }
    }
}

impl Lowerer<'_> {
    /// `roots` and every type they reach.
    fn closure(&self, roots: BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = roots.clone();
        let mut todo: Vec<String> = roots.into_iter().collect();
        while let Some(n) = todo.pop() {
            if let Some(def) = self.types.get(&n) {
                let mut next = BTreeSet::new();
                kind_refs(&def.kind, &mut next);
                for m in next {
                    if seen.insert(m.clone()) {
                        todo.push(m);
                    }
                }
            }
        }
        seen
    }
}

/// Every `Named` type a kind refers to.
pub fn kind_refs(kind: &TypeKind, out: &mut BTreeSet<String>) {
    match kind {
        TypeKind::Object(o) => {
            for p in &o.properties {
                type_refs(&p.ty, out);
            }
            if let Some(a) = &o.additional {
                type_refs(a, out);
            }
        }
        TypeKind::Union(u) => {
            for v in &u.variants {
                type_refs(v, out);
            }
            if let Some(d) = &u.discriminator {
                for (_, t) in &d.mapping {
                    type_refs(t, out);
                }
            }
        }
        TypeKind::Alias(t) => type_refs(t, out),
        TypeKind::Enum(_) => {}
    }
}

/// Every `Named` type a type expression refers to.
pub fn type_refs(t: &TypeRef, out: &mut BTreeSet<String>) {
    match t {
        TypeRef::Named(n) => {
            out.insert(n.clone());
        }
        TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => type_refs(i, out),
        TypeRef::AnyOf(vs) => vs.iter().for_each(|v| type_refs(v, out)),
        _ => {}
    }
}

fn map_named(t: &TypeRef, f: &dyn Fn(&str) -> String) -> TypeRef {
    match t {
        TypeRef::Named(n) => TypeRef::Named(f(n)),
        TypeRef::Array(i) => TypeRef::Array(Box::new(map_named(i, f))),
        TypeRef::Map(i) => TypeRef::Map(Box::new(map_named(i, f))),
        TypeRef::Nullable(i) => TypeRef::Nullable(Box::new(map_named(i, f))),
        TypeRef::AnyOf(vs) => TypeRef::AnyOf(vs.iter().map(|v| map_named(v, f)).collect()),
        other => other.clone(),
    }
}

/// A PascalCase type identifier that is no keyword in either language.
fn type_ident(name: &str) -> String {
    let s = names::pascal(name, "Type");
    if names::TS_RESERVED.contains(&s.as_str()) || names::PY_RESERVED.contains(&s.as_str()) {
        format!("{s}Type")
    } else {
        s
    }
}

/// The method name of an operation within its app: the operationId's words
/// without the app's leading words (`users_partial_update` in app `users` →
/// `partial_update`).
fn method_name(operation_id: &str, app_origin: &str) -> String {
    let op_words = names::words(operation_id);
    let app_words = names::words(app_origin);
    let stripped = if !app_words.is_empty()
        && op_words.len() > app_words.len()
        && op_words[..app_words.len()] == app_words[..]
    {
        &op_words[app_words.len()..]
    } else {
        &op_words[..]
    };
    let s = stripped.join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("op_{s}").trim_end_matches('_').to_string()
    } else {
        s
    }
}

fn operation_of(item: &oa::PathItem, method: Method) -> Option<&oa::Operation> {
    match method {
        Method::Get => item.get.as_ref(),
        Method::Put => item.put.as_ref(),
        Method::Post => item.post.as_ref(),
        Method::Delete => item.delete.as_ref(),
        Method::Options => item.options.as_ref(),
        Method::Head => item.head.as_ref(),
        Method::Patch => item.patch.as_ref(),
        Method::Trace => item.trace.as_ref(),
    }
}

fn is_object_like(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(oa::Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::AllOf { all_of } => all_of.len() > 1,
        SchemaKind::Any(a) => {
            !a.properties.is_empty()
                || (a.all_of.len() > 1 && a.one_of.is_empty() && a.any_of.is_empty())
        }
        _ => false,
    }
}

fn literals(schema: &Schema) -> Option<Vec<Literal>> {
    let lits: Vec<Literal> = match &schema.schema_kind {
        SchemaKind::Type(oa::Type::String(s)) if !s.enumeration.is_empty() => s
            .enumeration
            .iter()
            .map(|v| v.as_ref().map_or(Literal::Null, |s| Literal::Str(s.clone())))
            .collect(),
        SchemaKind::Type(oa::Type::Integer(s)) if !s.enumeration.is_empty() => {
            s.enumeration.iter().map(|v| v.map_or(Literal::Null, Literal::Int)).collect()
        }
        SchemaKind::Type(oa::Type::Number(s)) if !s.enumeration.is_empty() => {
            s.enumeration.iter().map(|v| v.map_or(Literal::Null, number_literal)).collect()
        }
        SchemaKind::Type(oa::Type::Boolean(s)) if !s.enumeration.is_empty() => {
            s.enumeration.iter().map(|v| v.map_or(Literal::Null, Literal::Bool)).collect()
        }
        SchemaKind::Any(a) if !a.enumeration.is_empty() && a.properties.is_empty() => {
            a.enumeration.iter().filter_map(json_literal).collect()
        }
        _ => return None,
    };
    // Deduplicate keeping the first of each, through a set: `Vec::contains`
    // made a million-element enum quadratic (issue 7).
    let mut seen: BTreeSet<(u8, String)> = BTreeSet::new();
    let key = |l: &Literal| match l {
        Literal::Str(s) => (0, s.clone()),
        Literal::Int(i) => (1, i.to_string()),
        Literal::Num(n) => (2, n.clone()),
        Literal::Bool(b) => (3, b.to_string()),
        Literal::Null => (4, String::new()),
    };
    let out: Vec<Literal> = lits.into_iter().filter(|l| seen.insert(key(l))).collect();
    if out.is_empty() { None } else { Some(out) }
}

#[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
fn number_literal(f: f64) -> Literal {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Literal::Int(f as i64)
    } else {
        Literal::Num(serde_json::Number::from_f64(f).map_or_else(|| "0".into(), |n| n.to_string()))
    }
}

fn json_literal(v: &serde_json::Value) -> Option<Literal> {
    Some(match v {
        serde_json::Value::Null => Literal::Null,
        serde_json::Value::Bool(b) => Literal::Bool(*b),
        serde_json::Value::String(s) => Literal::Str(s.clone()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Literal::Int(i),
            None => Literal::Num(n.to_string()),
        },
        // Objects and arrays in an enum cannot be literal types.
        _ => return None,
    })
}

fn is_binary(f: &oa::VariantOrUnknownOrEmpty<oa::StringFormat>) -> bool {
    matches!(f, oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Binary))
}

fn string_format(f: Option<&str>) -> oa::VariantOrUnknownOrEmpty<oa::StringFormat> {
    match f {
        Some("binary") => oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Binary),
        Some("date") => oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Date),
        Some("date-time") => oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime),
        Some(other) => oa::VariantOrUnknownOrEmpty::Unknown(other.to_string()),
        None => oa::VariantOrUnknownOrEmpty::Empty,
    }
}

fn string_type(f: &oa::VariantOrUnknownOrEmpty<oa::StringFormat>) -> TypeRef {
    use oa::VariantOrUnknownOrEmpty as V;
    match f {
        V::Item(oa::StringFormat::Binary) => TypeRef::Binary,
        V::Item(oa::StringFormat::Date) => TypeRef::String(StringFormat::Date),
        V::Item(oa::StringFormat::DateTime) => TypeRef::String(StringFormat::DateTime),
        V::Unknown(u) if u == "uuid" => TypeRef::String(StringFormat::Uuid),
        V::Unknown(u) if u == "decimal" => TypeRef::String(StringFormat::Decimal),
        _ => TypeRef::String(StringFormat::Plain),
    }
}

fn body_media(ct: &str) -> BodyMedia {
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct == "application/json" || ct.ends_with("+json") || ct.ends_with("/json") {
        BodyMedia::Json
    } else if ct.starts_with("multipart/") {
        BodyMedia::Multipart
    } else if ct == "application/x-www-form-urlencoded" {
        BodyMedia::Form
    } else if ct.starts_with("text/") {
        BodyMedia::Text
    } else {
        BodyMedia::Binary
    }
}

/// How a response body is decoded. Anything that is neither JSON nor text is
/// bytes, including drf-spectacular's `*/*` for `FileResponse`.
fn response_media(ct: &str) -> ResponseMedia {
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct == "application/json" || ct.ends_with("+json") || ct.ends_with("/json") {
        ResponseMedia::Json
    } else if ct.starts_with("text/") {
        ResponseMedia::Text
    } else {
        ResponseMedia::Binary
    }
}

fn auth_hints(doc: &oa::OpenAPI) -> AuthHints {
    let mut hints =
        AuthHints { token_prefix: "Bearer".into(), api_key_header: None, session: false };
    let Some(c) = &doc.components else { return hints };
    let mut has_bearer = false;
    let mut has_token = false;
    let mut sorted: Vec<(&String, &ReferenceOr<oa::SecurityScheme>)> =
        c.security_schemes.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (_, s) in sorted {
        let ReferenceOr::Item(s) = s else { continue };
        match s {
            oa::SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                has_bearer = true
            }
            oa::SecurityScheme::APIKey { location: oa::APIKeyLocation::Header, name, .. } => {
                if name.eq_ignore_ascii_case("authorization") {
                    has_token = true;
                } else if hints.api_key_header.is_none() {
                    hints.api_key_header = Some(name.clone());
                }
            }
            oa::SecurityScheme::APIKey { location: oa::APIKeyLocation::Cookie, .. } => {
                hints.session = true
            }
            _ => {}
        }
    }
    if has_token && !has_bearer {
        // DRF's TokenAuthentication: `Authorization: Token <key>`.
        hints.token_prefix = "Token".into();
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower_yaml(y: &str) -> Api {
        crate::spec::read(y.as_bytes().to_vec(), "t.yaml", &|_| Err("no".into()), |d| {
            lower(d, &AppRule::Tag)
        })
        .unwrap()
        .1
    }

    const DRF: &str = r"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /api/users/:
    get:
      operationId: users_list
      tags: [users]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PaginatedUserList'}
    post:
      operationId: users_create
      tags: [users]
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/User'}
      responses:
        '201':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/User'}
components:
  schemas:
    User:
      type: object
      required: [id, name, password]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, nullable: true}
        password: {type: string, writeOnly: true}
        role:
          allOf: [{$ref: '#/components/schemas/RoleEnum'}]
          nullable: true
    RoleEnum: {type: string, enum: [admin, user]}
    PaginatedUserList:
      type: object
      properties:
        count: {type: integer}
        next: {type: string, nullable: true}
        previous: {type: string, nullable: true}
        results:
          type: array
          items: {$ref: '#/components/schemas/User'}
";

    #[test]
    fn drf_names_views_and_pagination() {
        let api = lower_yaml(DRF);
        let names: Vec<&str> = api.operations.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["create", "list"]);
        let list = &api.operations[1];
        assert_eq!(list.app, "users");
        let p = list.pagination.as_ref().unwrap();
        assert_eq!(p.item, TypeRef::Named("User".into()));
        assert_eq!(p.all_name, "list_all");
        let create = &api.operations[0];
        assert_eq!(create.body.as_ref().unwrap().ty, TypeRef::Named("UserWritable".into()));
        let TypeKind::Object(read) = &api.types["User"].kind else { panic!() };
        let read: Vec<&str> = read.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(read, ["id", "name", "role"]);
        let TypeKind::Object(write) = &api.types["UserWritable"].kind else { panic!() };
        let write: Vec<&str> = write.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(write, ["name", "password", "role"]);
        let role = write.iter().position(|n| *n == "role").unwrap();
        let TypeKind::Object(w) = &api.types["UserWritable"].kind else { panic!() };
        assert_eq!(
            w.properties[role].ty,
            TypeRef::Nullable(Box::new(TypeRef::Named("RoleEnum".into())))
        );
        assert!(!w.properties[role].required);
        assert!(w.properties[0].required, "nullable and required are independent");
    }

    #[test]
    fn request_only_types_keep_their_name() {
        let api = lower_yaml(&DRF.replace(
            "schema: {$ref: '#/components/schemas/User'}\n      responses:\n        '201'",
            "schema: {$ref: '#/components/schemas/UserRequest'}\n      responses:\n        '201'",
        ).replace("    RoleEnum:", "    UserRequest:\n      type: object\n      properties:\n        name: {type: string}\n        password: {type: string, writeOnly: true}\n        id: {type: integer, readOnly: true}\n    RoleEnum:"));
        let create = &api.operations[0];
        assert_eq!(create.body.as_ref().unwrap().ty, TypeRef::Named("UserRequest".into()));
        assert!(!api.types.contains_key("UserRequestWritable"));
        let TypeKind::Object(o) = &api.types["UserRequest"].kind else { panic!() };
        let names: Vec<&str> = o.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["name", "password"]);
        assert!(!api.types.contains_key("UserWritable"), "User is now response-only");
    }

    #[test]
    fn dangling_refs_warn_and_become_unknown() {
        let api = lower_yaml(
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/Gone'}\n",
        );
        assert_eq!(api.types["A"].kind, TypeKind::Alias(TypeRef::Unknown));
        assert!(api.warnings[0].contains("#/components/schemas/Gone"));
    }

    #[test]
    fn case_colliding_schemas_get_distinct_names() {
        let api = lower_yaml(
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    user: {type: string}\n    User: {type: integer}\n",
        );
        let names: Vec<&String> = api.types.keys().collect();
        assert_eq!(names, ["User", "User2"]);
    }

    #[test]
    fn discriminator_maps_implicit_members_by_schema_name() {
        let api = lower_yaml(
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Pet:\n      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n      discriminator: {propertyName: kind, mapping: {c: '#/components/schemas/Cat'}}\n    Cat: {type: object, properties: {kind: {type: string}}}\n    Dog: {type: object, properties: {kind: {type: string}}}\n",
        );
        let TypeKind::Union(u) = &api.types["Pet"].kind else { panic!() };
        let d = u.discriminator.as_ref().unwrap();
        assert_eq!(
            d.mapping,
            [
                ("Dog".to_string(), TypeRef::Named("Dog".into())),
                ("c".to_string(), TypeRef::Named("Cat".into()))
            ]
        );
    }

    #[test]
    fn allof_cycles_terminate() {
        let api = lower_yaml(
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {allOf: [{$ref: '#/components/schemas/B'}, {type: object, properties: {a: {type: string}}}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {b: {type: string}}}]}\n",
        );
        let TypeKind::Object(a) = &api.types["A"].kind else { panic!() };
        assert_eq!(a.properties.len(), 2);
    }

    #[test]
    fn method_names_strip_the_app() {
        assert_eq!(method_name("users_partial_update", "users"), "partial_update");
        assert_eq!(method_name("repos/get-content", "repos"), "get_content");
        assert_eq!(method_name("users", "users"), "users");
        assert_eq!(method_name("GetCustomers", "default"), "get_customers");
    }
}
