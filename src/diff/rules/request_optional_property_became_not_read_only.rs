//! `request-optional-property-became-not-read-only`: A property that was
//! readOnly is writable and optional in the revision's request body. INFO (as
//! oasdiff): old clients do not send it and need not.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-optional-property-became-not-read-only` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, false, |k| match k {
        SchemaChangeKind::BecameNotReadOnly { required: false, .. } => Some(Vec::new()),
        _ => None,
    })
}
