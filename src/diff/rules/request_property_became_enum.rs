//! `request-property-became-enum`: A free request property became an enum. ERR: values outside the list are
//! refused; the generated type narrows.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-became-enum` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::BecameEnum if c.is_property() => Some(super::at_request(e, m, c)),
            _ => None,
        })
        .collect()
}
