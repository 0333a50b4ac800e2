//! `response-required-property-removed`: A required response property is gone (or became writeOnly). ERR: clients
//! reading it break; the field disappears from the generated model.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-required-property-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::PropertyRemoved { required: true, .. } => {
                Some(super::at_response(e, r, m, c))
            }
            _ => None,
        })
        .collect()
}
