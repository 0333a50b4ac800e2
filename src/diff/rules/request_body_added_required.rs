//! `request-body-added-required`: An operation without a body now requires one. ERR: old requests lack it;
//! the generated method gains a required argument.

use crate::diff::{ApiDiff, BodyDiff, Finding, Level};

/// `request-body-added-required`.
pub(crate) struct RequestBodyAddedRequired;

impl super::Rule for RequestBodyAddedRequired {
    fn id(&self) -> &'static str {
        "request-body-added-required"
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
            .filter(|e| matches!(e.request_body, Some(BodyDiff::Added { required: true })))
            .map(|e| super::at_endpoint(self.id(), &e.endpoint))
            .collect()
    }
}
