//! `api-path-removed-with-deprecation`: A whole path disappeared and this operation under it had been deprecated
//! (with no sunset date still ahead). INFO: users were warned; the generated
//! method still disappears, hence the SDK flag.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-path-removed-with-deprecation`.
pub(crate) struct ApiPathRemovedWithDeprecation;

impl super::Rule for ApiPathRemovedWithDeprecation {
    fn id(&self) -> &'static str {
        "api-path-removed-with-deprecation"
    }

    fn level(&self) -> Level {
        Level::Info
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_removed
            .iter()
            .filter(|r| r.path_removed && r.endpoint.deprecated && !super::before_sunset(d, r))
            .map(|r| super::removed(self.id(), r))
            .collect()
    }
}
