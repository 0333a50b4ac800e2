//! `response-property-enum-value-removed`: A response property returns fewer
//! enum values. INFO (as oasdiff): narrowing what a client receives breaks no
//! reader.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `response-property-enum-value-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_responses(d, false, |k| match k {
        SchemaChangeKind::EnumValuesRemoved(values) => Some(vec![("values", super::list(values))]),
        _ => None,
    })
}
