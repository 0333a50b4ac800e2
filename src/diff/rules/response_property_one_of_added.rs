//! `response-property-one-of-added`: A response property's `oneOf` gained a branch. ERR: readers meet a shape
//! they do not handle; the generated union widens.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-one-of-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::OneOfAdded(labels) if c.is_property() => {
                Some(super::at_response(e, r, m, c).arg("values", super::list(labels)))
            }
            _ => None,
        })
        .collect()
}
