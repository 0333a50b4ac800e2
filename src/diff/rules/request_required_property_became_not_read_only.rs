//! `request-required-property-became-not-read-only`: A property that was
//! readOnly and required is writable and required in the revision's request
//! body. ERR (oasdiff: INFO): a client built on the base never sent it,
//! because the base said the server sets it; now the server requires it, so
//! every old request is refused. Reported under this id rather than as a new
//! property, since the property was there all along.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-required-property-became-not-read-only` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, false, |k| match k {
        SchemaChangeKind::BecameNotReadOnly { required: true, .. } => Some(Vec::new()),
        _ => None,
    })
}
