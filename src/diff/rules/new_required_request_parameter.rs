//! `new-required-request-parameter`: A new required query, header or cookie parameter. ERR: old requests lack
//! it and are refused; the generated signature gains a required argument.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `new-required-request-parameter` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.params_added
                .iter()
                .filter(|p| p.location != "path" && p.required)
                .map(move |p| super::at_param(e, p, Side::Revision))
        })
        .collect()
}
