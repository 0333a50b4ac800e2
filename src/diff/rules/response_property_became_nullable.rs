//! `response-property-became-nullable`: A response property may now be `null`. ERR: widening a response breaks
//! readers; `T` becomes `T | null` in the generated model.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-became-nullable` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::NullableChanged { from: false, to: true } if c.is_property() => {
                Some(super::at_response(e, r, m, c))
            }
            _ => None,
        })
        .collect()
}
