//! `request-property-became-required`: An optional request property became required. ERR: requests without it
//! are refused; the generated field becomes mandatory.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-became-required` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::RequiredAdded { .. } => Some(super::at_request(e, m, c)),
            _ => None,
        })
        .collect()
}
