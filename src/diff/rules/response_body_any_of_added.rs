//! `response-body-any-of-added`: A response body's `anyOf` gained a branch.
//! ERR, as `response-body-one-of-added`: readers meet a shape they do not
//! handle (oasdiff: INFO).

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-body-any-of-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, true, |k| match k {
        SchemaChangeKind::AnyOfAdded(labels) => Some(vec![("values", super::list(labels))]),
        _ => None,
    })
}
