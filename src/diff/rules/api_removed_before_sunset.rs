//! `api-removed-before-sunset`: A deprecated operation was removed before the date its `x-sunset`
//! promised. ERR: clients were told they had until then. Needs today's date
//! (`Options::today`); off without it.

use crate::diff::{ApiDiff, Finding};

/// The findings of `api-removed-before-sunset` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_removed
        .iter()
        .filter(|r| r.endpoint.deprecated && super::before_sunset(d, r))
        .map(|r| super::removed(r).arg("sunset", r.endpoint.sunset.clone().unwrap_or_default()))
        .collect()
}
