//! `request-parameter-became-required`: An optional parameter became required. ERR: requests without it are now
//! refused, and the generated argument becomes mandatory.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `request-parameter-became-required` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.params_modified
                .iter()
                .filter(|p| p.required.as_ref().is_some_and(|c| c.to && !c.from))
                .map(move |p| super::at_param(e, &p.param, Side::Revision))
        })
        .collect()
}
