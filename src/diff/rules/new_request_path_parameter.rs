//! `new-request-path-parameter`: A path parameter the base did not declare. ERR: clients must now send a
//! value they never had, and the generated signature gains an argument.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `new-request-path-parameter` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.params_added
                .iter()
                .filter(|p| p.location == "path")
                .map(move |p| super::at_param(e, p, Side::Revision))
        })
        .collect()
}
