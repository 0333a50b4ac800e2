//! `api-removed-with-deprecation`: A deprecated operation was removed (its path remains, and no sunset date
//! is still ahead). INFO: users were warned; still SDK-breaking because the
//! generated method disappears.

use crate::diff::{ApiDiff, Finding};

/// The findings of `api-removed-with-deprecation` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_removed
        .iter()
        .filter(|r| !r.path_removed && r.endpoint.deprecated && !super::before_sunset(d, r))
        .map(super::removed)
        .collect()
}
