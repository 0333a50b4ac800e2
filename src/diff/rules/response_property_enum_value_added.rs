//! `response-property-enum-value-added`: A response property may return a new enum value. WARN (as oasdiff;
//! `x-extensible-enum` is the way out): exhaustive client code breaks, and
//! the generated closed literal union no longer covers the wire.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-enum-value-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::EnumValuesAdded(values) if c.is_property() => {
                Some(super::at_response(e, r, m, c).arg("values", super::list(values)))
            }
            _ => None,
        })
        .collect()
}
