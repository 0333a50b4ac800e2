//! `api-removed-without-deprecation`: An operation disappeared from a path that still exists, without being
//! deprecated first. ERR: callers fail, and their generated method is gone.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-removed-without-deprecation`.
pub(crate) struct ApiRemovedWithoutDeprecation;

impl super::Rule for ApiRemovedWithoutDeprecation {
    fn id(&self) -> &'static str {
        "api-removed-without-deprecation"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_removed
            .iter()
            .filter(|r| !r.path_removed && !r.endpoint.deprecated)
            .map(|r| super::removed(self.id(), r))
            .collect()
    }
}
