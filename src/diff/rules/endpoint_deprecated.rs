//! `endpoint-deprecated`: An operation became `deprecated: true`. INFO: nothing breaks yet; the
//! generators mark the method `@deprecated`.

use crate::diff::{ApiDiff, Finding, Level};

/// `endpoint-deprecated`.
pub(crate) struct EndpointDeprecated;

impl super::Rule for EndpointDeprecated {
    fn id(&self) -> &'static str {
        "endpoint-deprecated"
    }

    fn level(&self) -> Level {
        Level::Info
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .filter(|e| e.deprecated.as_ref().is_some_and(|c| c.to && !c.from))
            .map(|e| super::at_endpoint(self.id(), &e.endpoint))
            .collect()
    }
}
