//! `request-body-removed`: An operation no longer takes a request body. ERR: what clients send is
//! ignored or refused, and the generated argument disappears.

use crate::diff::{ApiDiff, BodyDiff, Finding, Level};

/// `request-body-removed`.
pub(crate) struct RequestBodyRemoved;

impl super::Rule for RequestBodyRemoved {
    fn id(&self) -> &'static str {
        "request-body-removed"
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
            .filter(|e| matches!(e.request_body, Some(BodyDiff::Removed)))
            .map(|e| super::at_endpoint(self.id(), &e.endpoint))
            .collect()
    }
}
