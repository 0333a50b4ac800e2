//! `response-optional-property-added`: A response gained an optional property.
//! INFO (as oasdiff): readers ignore what they do not know; the generated
//! model gains a field.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-optional-property-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, false, |k| match k {
        SchemaChangeKind::PropertyAdded { required: false, .. } => Some(Vec::new()),
        _ => None,
    })
}
