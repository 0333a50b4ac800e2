//! `request-property-max-length-decreased`: A request property's `maxLength` went down. ERR: longer values are
//! refused. Wire-only.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-max-length-decreased` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::MaxLengthChanged { from: Some(from), to: Some(to) }
                if to < from && c.is_property() =>
            {
                Some(
                    super::at_request(e, m, c)
                        .arg("from", from.to_string())
                        .arg("to", to.to_string()),
                )
            }
            _ => None,
        })
        .collect()
}
