//! `request-body-became-required`: An optional request body became required. ERR: requests without a body
//! are refused; the generated argument becomes mandatory.

use crate::diff::{ApiDiff, BodyDiff, Finding, Level};

/// `request-body-became-required`.
pub(crate) struct RequestBodyBecameRequired;

impl super::Rule for RequestBodyBecameRequired {
    fn id(&self) -> &'static str {
        "request-body-became-required"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .filter(|e| {
                matches!(&e.request_body, Some(BodyDiff::Modified { required: Some(c), .. }) if c.to && !c.from)
            })
            .map(|e| super::at_endpoint(self.id(), &e.endpoint))
            .collect()
    }
}
