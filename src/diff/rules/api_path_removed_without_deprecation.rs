//! `api-path-removed-without-deprecation`: A whole path disappeared and this operation under it was never deprecated.
//! ERR: every client calling it fails (404), and the generated method
//! disappears without the warning a deprecation would have given.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-path-removed-without-deprecation`.
pub(crate) struct ApiPathRemovedWithoutDeprecation;

impl super::Rule for ApiPathRemovedWithoutDeprecation {
    fn id(&self) -> &'static str {
        "api-path-removed-without-deprecation"
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
            .filter(|r| r.path_removed && !r.endpoint.deprecated)
            .map(|r| super::removed(self.id(), r))
            .collect()
    }
}
