//! `oneOf`/`anyOf` with several members: variants and the discriminator
//! mapping, explicit and implicit.

use std::collections::BTreeMap;

use openapiv3::{ReferenceOr, Schema};

use super::Lowerer;
use crate::ir::{Discriminator, TypeRef, Union};

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
}
