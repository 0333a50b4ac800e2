//! `response-optional-property-removed`: An optional response property is gone. WARN (as oasdiff): careful clients
//! already handled its absence; the generated field still disappears.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-optional-property-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::PropertyRemoved { required: false, .. } => {
                Some(super::at_response(e, r, m, c))
            }
            _ => None,
        })
        .collect()
}
