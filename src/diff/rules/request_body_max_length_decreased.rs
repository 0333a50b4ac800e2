//! `request-body-max-length-decreased`: The request body's `maxLength` went
//! down. ERR (as oasdiff): longer values are refused. Wire-only.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-max-length-decreased` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::MaxLengthChanged { from: Some(from), to: Some(to) } if to < from => {
            Some(vec![("from", from.to_string()), ("to", to.to_string())])
        }
        _ => None,
    })
}
