//! `response-property-type-changed`: A response property's type changed (string formats included; a plain type
//! turning into `oneOf` counts). ERR: readers of the old type break; the
//! generated field type changes.
//! `number` → `integer` is not reported: every integer is a number, so
//! readers of the old type read the new one.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-type-changed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::TypeChanged { from, to }
                if c.is_property() && !super::narrows_number(from, to) =>
            {
                Some(super::at_response(e, r, m, c).arg("from", from.clone()).arg("to", to.clone()))
            }
            _ => None,
        })
        .collect()
}
