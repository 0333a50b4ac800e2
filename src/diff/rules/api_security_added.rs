//! `api-security-added`: An operation gained a security requirement. WARN (oasdiff: INFO): callers
//! without those credentials may now be refused.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-security-added`.
pub(crate) struct ApiSecurityAdded;

impl super::Rule for ApiSecurityAdded {
    fn id(&self) -> &'static str {
        "api-security-added"
    }

    fn level(&self) -> Level {
        Level::Warn
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .flat_map(|e| {
                e.security_added.iter().map(move |s| {
                    super::at_endpoint(self.id(), &e.endpoint).arg("security", s.clone())
                })
            })
            .collect()
    }
}
