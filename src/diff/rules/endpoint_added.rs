//! `endpoint-added`: An operation only the revision has. INFO: new methods break nobody.

use crate::diff::{ApiDiff, Finding, Level};

/// `endpoint-added`.
pub(crate) struct EndpointAdded;

impl super::Rule for EndpointAdded {
    fn id(&self) -> &'static str {
        "endpoint-added"
    }

    fn level(&self) -> Level {
        Level::Info
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_added.iter().map(|e| super::at_endpoint(self.id(), e)).collect()
    }
}
