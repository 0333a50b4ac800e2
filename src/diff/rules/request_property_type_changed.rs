//! `request-property-type-changed`: A request property's type changed (string formats included). ERR: values
//! of the old type are refused; the generated field type changes.
//! `integer` → `number` is not reported: the server still accepts every
//! integer an old client sends.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-type-changed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.request_body_changes()
        .filter_map(|(e, m, c)| match &c.kind {
            SchemaChangeKind::TypeChanged { from, to }
                if c.is_property() && !super::narrows_number(to, from) =>
            {
                Some(super::at_request(e, m, c).arg("from", from.clone()).arg("to", to.clone()))
            }
            _ => None,
        })
        .collect()
}
