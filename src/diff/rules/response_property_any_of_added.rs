//! `response-property-any-of-added`: A response property's `anyOf` gained a
//! branch. ERR, as `response-property-one-of-added`: readers meet a shape they
//! do not handle; the generated union widens (oasdiff: INFO).

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-any-of-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, false, |k| match k {
        SchemaChangeKind::AnyOfAdded(labels) => Some(vec![("values", super::list(labels))]),
        _ => None,
    })
}
