//! `$ref` resolution: a reference string to the `TypeRef` it names, the
//! schema behind it, and the description it lends a property.

use openapiv3::{ReferenceOr, Schema};

use super::Lowerer;
use crate::ir::TypeRef;

impl<'a> Lowerer<'a> {
    /// The description a property that is a plain `$ref` shows: its
    /// target's, following aliases.
    pub(super) fn ref_description(&self, reference: &str) -> Option<String> {
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
    pub(super) fn ref_type(&mut self, reference: &str) -> TypeRef {
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
    pub(super) fn deref_schema<'s>(&self, s: &'s ReferenceOr<Schema>) -> Option<&'s Schema>
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

    pub(super) fn deref_boxed<'s>(&self, s: &'s ReferenceOr<Box<Schema>>) -> Option<&'s Schema>
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
}
