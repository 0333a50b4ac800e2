//! `api-path-removed-without-deprecation`: A whole path disappeared and this operation under it was never deprecated.
//! ERR: every client calling it fails (404), and the generated method
//! disappears without the warning a deprecation would have given.

use crate::diff::{ApiDiff, Finding};

/// The findings of `api-path-removed-without-deprecation` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_removed
        .iter()
        .filter(|r| r.path_removed && !r.endpoint.deprecated)
        .map(super::removed)
        .collect()
}
