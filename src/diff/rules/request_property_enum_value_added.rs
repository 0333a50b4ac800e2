//! `request-property-enum-value-added`: A request property accepts more enum
//! values. INFO (as oasdiff): widening what a client may send breaks nobody;
//! the generated literal union grows.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-enum-value-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, false, |k| match k {
        SchemaChangeKind::EnumValuesAdded(values) => Some(vec![("values", super::list(values))]),
        _ => None,
    })
}
