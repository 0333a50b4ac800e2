//! `request-property-became-not-nullable`: A request property no longer accepts `null`. ERR: clients sending `null`
//! are refused; `T | null` becomes `T` in the generated model.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-became-not-nullable` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::NullableChanged { from: true, to: false } if c.is_property() => {
                Some(super::at_request(e, m, c))
            }
            _ => None,
        })
        .collect()
}
