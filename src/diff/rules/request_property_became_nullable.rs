//! `request-property-became-nullable`: A request property accepts `null`. INFO
//! (as oasdiff): old clients never send it.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-became-nullable` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, false, |k| match k {
        SchemaChangeKind::NullableChanged { from: false, to: true } => Some(Vec::new()),
        _ => None,
    })
}
