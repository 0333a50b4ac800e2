//! Request bodies: which media type is sent and the type of its content.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3 as oa;
use openapiv3::{ReferenceOr, Schema, SchemaKind};

use super::Lowerer;
use super::all_of::is_unconstrained;
use super::schemas::is_binary;
use crate::ir::{Body, BodyMedia, StringFormat, TypeRef};

impl<'a> Lowerer<'a> {
    pub(super) fn body(&mut self, op: &oa::Operation, hint: &str) -> Option<Body> {
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
            (rank, crate::ir::wire::json_preference(ct))
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

    /// True when every media type of the body is an object without
    /// properties that allows no others: Stripe declares one on each of its
    /// 216 GET operations, and dropping it (`wire::drop_body_on`) loses
    /// nothing worth a warning.
    pub(super) fn body_holds_nothing(&self, op: &oa::Operation) -> bool {
        let rb = match op.request_body.as_ref() {
            None => return true,
            Some(ReferenceOr::Item(rb)) => rb,
            Some(ReferenceOr::Reference { reference }) => {
                let Some(name) = reference.strip_prefix("#/components/requestBodies/") else {
                    return false;
                };
                let name = crate::spec::unescape_pointer(name);
                match self.doc.head.components.as_ref().and_then(|c| c.request_bodies.get(&name)) {
                    Some(ReferenceOr::Item(rb)) => rb,
                    _ => return false,
                }
            }
        };
        rb.content.values().all(|m| {
            m.schema.as_ref().and_then(|s| self.deref_schema(s)).is_some_and(|s| {
                matches!(&s.schema_kind, SchemaKind::Type(oa::Type::Object(o))
                    if o.properties.is_empty()
                        && matches!(o.additional_properties, Some(oa::AdditionalProperties::Any(false))))
            })
        })
    }

    pub(super) fn has_binary(&self, s: &Schema) -> bool {
        let mut props = IndexMap::new();
        let mut req = BTreeSet::new();
        let mut add = None;
        let mut visited = BTreeSet::new();
        self.collect(s, &mut props, &mut req, &mut add, &mut visited, 0);
        // The declaration that types each property (`allOf` re-declarations
        // of `{}` only annotate).
        props.values().filter_map(|d| d.iter().rev().find(|s| !is_unconstrained(s))).any(|p| {
            self.deref_boxed(p).is_some_and(|p| match &p.schema_kind {
                SchemaKind::Type(oa::Type::String(st)) => is_binary(&st.format),
                SchemaKind::Type(oa::Type::Array(a)) => a.items.as_ref().and_then(|i| self.deref_boxed(i)).is_some_and(|i| {
                    matches!(&i.schema_kind, SchemaKind::Type(oa::Type::String(st)) if is_binary(&st.format))
                }),
                _ => false,
            })
        })
    }
}

pub(super) fn body_media(ct: &str) -> BodyMedia {
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
