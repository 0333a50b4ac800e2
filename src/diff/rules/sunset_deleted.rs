//! `sunset-deleted`: A deprecated operation lost its `x-sunset` date. ERR: clients planning
//! around the date no longer know when it goes away.

use crate::diff::{ApiDiff, Finding};

/// The findings of `sunset-deleted` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .filter(|e| e.endpoint.deprecated)
        .filter_map(|e| match &e.sunset {
            Some(c) if c.to.is_none() => Some(
                super::at_endpoint(&e.endpoint).arg("sunset", c.from.clone().unwrap_or_default()),
            ),
            _ => None,
        })
        .collect()
}
