//! `request-property-pattern-added`: A request property gained a `pattern`. ERR (oasdiff raised it from WARN):
//! values that do not match are refused. Wire-only.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-pattern-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::PatternChanged { from: None, to: Some(to) } if c.is_property() => {
                Some(super::at_request(e, m, c).arg("pattern", to.clone()))
            }
            _ => None,
        })
        .collect()
}
