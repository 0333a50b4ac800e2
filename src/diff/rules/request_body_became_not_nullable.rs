//! `request-body-became-not-nullable`: The request body no longer accepts
//! `null`. ERR (as oasdiff): a client sending `null` is refused.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-became-not-nullable` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::NullableChanged { from: true, to: false } => Some(Vec::new()),
        _ => None,
    })
}
