//! `oneOf`/`anyOf` with several members: variants and the discriminator
//! mapping, explicit and implicit.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{ReferenceOr, Schema};

use super::Lowerer;
use super::all_of::Declarations;
use super::schemas::literals;
use crate::ir::{Discriminator, Literal, TypeRef, Union};

impl<'a> Lowerer<'a> {
    pub(super) fn union(
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
            // name, as OpenAPI 3.1 §4.8.25 specifies, unless the member pins
            // the property to one value (`const`, or a one-value `enum`): then
            // only that value can appear on valid data (OpenAI's documents
            // tag every member this way and give no mapping).
            for m in members {
                if let ReferenceOr::Reference { reference } = m
                    && let Some(raw) = reference.strip_prefix("#/components/schemas/")
                {
                    let t = self.ref_type(reference);
                    if !mapping.values().any(|v| *v == t) {
                        let value = self
                            .pinned_value(m, &d.property_name)
                            .unwrap_or_else(|| crate::spec::unescape_pointer(raw));
                        mapping.entry(value).or_insert(t);
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

    /// The one string a member allows for the discriminator property, when
    /// its declarations (allOf members included) pin it to a single value.
    fn pinned_value(&self, member: &ReferenceOr<Schema>, property: &str) -> Option<String> {
        let schema = self.deref_schema(member)?;
        let mut props = Declarations::default();
        let (mut required, mut additional, mut visited) = (BTreeSet::new(), None, BTreeSet::new());
        self.collect(schema, &mut props, &mut required, &mut additional, &mut visited, 0);
        props.get(property)?.iter().find_map(|decl| {
            let lits = literals(self.deref_boxed(decl)?)?;
            match lits.as_slice() {
                [Literal::Str(v)] => Some(v.clone()),
                _ => None,
            }
        })
    }
}
