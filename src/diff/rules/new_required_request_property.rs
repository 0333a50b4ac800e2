//! `new-required-request-property`: A new required property in a request body (a default does not help: the
//! contract says clients must send it, oasdiff's position). ERR; the
//! generated request model gains a required field.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `new-required-request-property` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::PropertyAdded { required: true, .. } => {
                Some(super::at_request(e, m, c))
            }
            _ => None,
        })
        .collect()
}
