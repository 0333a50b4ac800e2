//! `new-optional-request-parameter`: A new optional query, header or cookie parameter. INFO: old requests
//! stay valid and the generated argument is optional.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `new-optional-request-parameter` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.params_added
                .iter()
                .filter(|p| p.location != "path" && !p.required)
                .map(move |p| super::at_param(e, p, Side::Revision))
        })
        .collect()
}
