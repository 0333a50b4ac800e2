//! `api-removed-without-deprecation`: An operation disappeared from a path that still exists, without being
//! deprecated first. ERR: callers fail, and their generated method is gone.

use crate::diff::{ApiDiff, Finding};

/// The findings of `api-removed-without-deprecation` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_removed
        .iter()
        .filter(|r| !r.path_removed && !r.endpoint.deprecated)
        .map(super::removed)
        .collect()
}
