//! `endpoint-deprecated`: An operation became `deprecated: true`. INFO: nothing breaks yet; the
//! generators mark the method `@deprecated`.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `endpoint-deprecated` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .filter(|e| e.deprecated.as_ref().is_some_and(|c| c.to && !c.from))
        .map(|e| super::in_endpoint(e, Side::Revision, "/deprecated"))
        .collect()
}
