//! `api-global-security-added`: The document gained a global security requirement. WARN (oasdiff: INFO):
//! unauthenticated callers of every operation may now be refused.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-global-security-added`.
pub(crate) struct ApiGlobalSecurityAdded;

impl super::Rule for ApiGlobalSecurityAdded {
    fn id(&self) -> &'static str {
        "api-global-security-added"
    }

    fn level(&self) -> Level {
        Level::Warn
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.global_security_added
            .iter()
            .map(|s| Finding::new(self.id()).pointer("/security").arg("security", s.clone()))
            .collect()
    }
}
