//! `request-property-enum-value-removed`: A request property no longer accepts some enum values. ERR: clients
//! sending them are refused; the generated literal union shrinks.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-enum-value-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::EnumValuesRemoved(values) if c.is_property() => {
                Some(super::at_request(e, m, c).arg("values", super::list(values)))
            }
            _ => None,
        })
        .collect()
}
