//! `response-property-became-optional`: A response property is no longer required. ERR: clients may now get
//! `undefined`; the generated TypeScript type becomes `T | undefined`.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-became-optional` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.response_body_changes()
        .filter_map(|(e, r, m, c)| match &c.kind {
            SchemaChangeKind::RequiredRemoved { .. } => Some(super::at_response(e, r, m, c)),
            _ => None,
        })
        .collect()
}
