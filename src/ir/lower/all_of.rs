//! `allOf` flattening: an object's own properties merged with those of
//! every member it extends.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3 as oa;
use openapiv3::{ReferenceOr, Schema, SchemaKind};

use super::{Lowerer, MAX_SCHEMA_DEPTH};
use crate::ir::names;
use crate::ir::{Object, Property, TypeRef};

/// The parts of an object-like schema that allOf flattening merges: own
/// properties, `required`, `additionalProperties`, allOf members.
type ObjectParts<'s> = (
    Option<&'s IndexMap<String, ReferenceOr<Box<Schema>>>>,
    &'s [String],
    Option<&'s oa::AdditionalProperties>,
    &'s [ReferenceOr<Schema>],
);

impl<'a> Lowerer<'a> {
    /// An object definition: own properties plus those of every allOf member,
    /// flattened (first definition of a property wins its position, later
    /// ones refine its type).
    pub(super) fn object(&mut self, ident: &str, schema: &Schema, depth: usize) -> Object {
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
    pub(super) fn collect<'s>(
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
}
