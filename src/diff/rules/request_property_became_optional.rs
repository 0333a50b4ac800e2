//! `request-property-became-optional`: A request property is no longer
//! required. INFO (as oasdiff): old clients still send it.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-property-became-optional` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, false, |k| match k {
        SchemaChangeKind::RequiredRemoved { .. } => Some(Vec::new()),
        _ => None,
    })
}
