//! `request-body-enum-value-removed`: The request body no longer accepts some
//! of its enum values. ERR (as oasdiff): senders of those values are refused.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-enum-value-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::EnumValuesRemoved(values) => Some(vec![("values", super::list(values))]),
        _ => None,
    })
}
