//! `response-body-became-nullable`: A response body may now be `null`. ERR: readers that dereference it
//! break; the generated return type becomes `T | null`.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-body-became-nullable` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::NullableChanged { from: false, to: true } if !c.is_property() => {
                Some(super::at_response(e, r, m, c))
            }
            _ => None,
        })
        .collect()
}
