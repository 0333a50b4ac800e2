//! `request-body-became-required`: An optional request body became required. ERR: requests without a body
//! are refused; the generated argument becomes mandatory.

use crate::diff::{ApiDiff, BodyDiff, Finding, Side};

/// The findings of `request-body-became-required` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .filter(|e| {
            matches!(&e.request_body, Some(BodyDiff::Modified { required: Some(c), .. }) if c.to && !c.from)
        })
        .map(|e| super::in_endpoint(e, Side::Revision, "/requestBody"))
        .collect()
}
