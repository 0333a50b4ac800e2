//! `request-property-one-of-removed`: A request property's `oneOf` lost a branch. ERR: values of that shape are
//! refused.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-one-of-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::OneOfRemoved(labels) if c.is_property() => {
                Some(super::at_request(e, m, c).arg("values", super::list(labels)))
            }
            _ => None,
        })
        .collect()
}
