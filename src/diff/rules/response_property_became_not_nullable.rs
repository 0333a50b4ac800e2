//! `response-property-became-not-nullable`: A response property no longer
//! returns `null` (InvenTree: `oneOf: [{type: 'null'}, {$ref: X}]` → `{$ref:
//! X}`). INFO (as oasdiff): narrowing harms no reader.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-became-not-nullable` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, false, |k| match k {
        SchemaChangeKind::NullableChanged { from: true, to: false } => Some(Vec::new()),
        _ => None,
    })
}
