//! `request-body-one-of-removed`: The request body's `oneOf` lost a branch
//! (`oneOf: [A, B]` → `A`). ERR (as oasdiff): every client that sends a `B` is
//! refused.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-one-of-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::OneOfRemoved(labels) => Some(vec![("values", super::list(labels))]),
        _ => None,
    })
}
