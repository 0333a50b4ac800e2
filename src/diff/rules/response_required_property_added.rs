//! `response-required-property-added`: A response gained a required property.
//! INFO (as oasdiff): readers ignore what they do not know; the generated
//! model gains a field.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-required-property-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, false, |k| match k {
        SchemaChangeKind::PropertyAdded { required: true, .. } => Some(Vec::new()),
        _ => None,
    })
}
