//! `request-property-removed`: A request property is gone (or became readOnly). WARN (as oasdiff): the
//! server may ignore it or refuse it; the field disappears from the
//! generated request model.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::PropertyRemoved { .. } => Some(super::at_request(e, m, c)),
            _ => None,
        })
        .collect()
}
