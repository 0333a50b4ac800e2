//! `request-parameter-enum-value-added`: A parameter accepts more enum values.
//! INFO (as oasdiff): widening what a client may send breaks nobody.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-enum-value-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_parameters(d, |k| match k {
        SchemaChangeKind::EnumValuesAdded(values) => Some(vec![("values", super::list(values))]),
        _ => None,
    })
}
