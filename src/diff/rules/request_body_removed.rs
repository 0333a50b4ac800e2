//! `request-body-removed`: An operation no longer takes a request body. ERR: what clients send is
//! ignored or refused, and the generated argument disappears.

use crate::diff::{ApiDiff, BodyDiff, Finding, Side};

/// The findings of `request-body-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .filter(|e| matches!(e.request_body, Some(BodyDiff::Removed)))
        .map(|e| super::in_endpoint(e, Side::Base, "/requestBody"))
        .collect()
}
