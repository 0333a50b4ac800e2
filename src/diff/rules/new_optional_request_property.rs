//! `new-optional-request-property`: A request body gained an optional
//! property. INFO (as oasdiff): old clients simply do not send it.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `new-optional-request-property` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, false, |k| match k {
        SchemaChangeKind::PropertyAdded { required: false, .. } => Some(Vec::new()),
        _ => None,
    })
}
