//! `response-property-became-required`: A response property is now always
//! present. INFO (as oasdiff): readers that handled its absence still work.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-became-required` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, false, |k| match k {
        SchemaChangeKind::RequiredAdded { .. } => Some(Vec::new()),
        _ => None,
    })
}
