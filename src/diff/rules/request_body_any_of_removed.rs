//! `request-body-any-of-removed`: The request body's `anyOf` lost a branch.
//! ERR (as oasdiff): bodies of that shape are refused.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-any-of-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::AnyOfRemoved(labels) => Some(vec![("values", super::list(labels))]),
        _ => None,
    })
}
