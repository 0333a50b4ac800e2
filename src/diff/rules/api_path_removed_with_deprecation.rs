//! `api-path-removed-with-deprecation`: A whole path disappeared and this operation under it had been deprecated
//! (with no sunset date still ahead). INFO: users were warned; the generated
//! method still disappears, hence the SDK flag.

use crate::diff::{ApiDiff, Finding};

/// The findings of `api-path-removed-with-deprecation` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_removed
        .iter()
        .filter(|r| r.path_removed && r.endpoint.deprecated && !super::before_sunset(d, r))
        .map(super::removed)
        .collect()
}
