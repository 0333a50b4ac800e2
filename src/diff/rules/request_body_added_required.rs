//! `request-body-added-required`: An operation without a body now requires one. ERR: old requests lack it;
//! the generated method gains a required argument.

use crate::diff::{ApiDiff, BodyDiff, Finding, Side};

/// The findings of `request-body-added-required` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .filter(|e| matches!(e.request_body, Some(BodyDiff::Added { required: true })))
        .map(|e| super::in_endpoint(e, Side::Revision, "/requestBody"))
        .collect()
}
