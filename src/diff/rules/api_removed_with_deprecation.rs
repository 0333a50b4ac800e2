//! `api-removed-with-deprecation`: A deprecated operation was removed (its path remains, and no sunset date
//! is still ahead). INFO: users were warned; still SDK-breaking because the
//! generated method disappears.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-removed-with-deprecation`.
pub(crate) struct ApiRemovedWithDeprecation;

impl super::Rule for ApiRemovedWithDeprecation {
    fn id(&self) -> &'static str {
        "api-removed-with-deprecation"
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
            .filter(|r| !r.path_removed && r.endpoint.deprecated && !super::before_sunset(d, r))
            .map(|r| super::removed(self.id(), r))
            .collect()
    }
}
