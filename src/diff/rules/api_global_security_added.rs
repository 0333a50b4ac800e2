//! `api-global-security-added`: The document gained a global security requirement. WARN (oasdiff: INFO):
//! unauthenticated callers of every operation may now be refused.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `api-global-security-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.global_security_added
        .iter()
        .map(|s| {
            Finding::new()
                .pointer("/security")
                .source(Side::Revision, "/security")
                .arg("security", s.clone())
        })
        .collect()
}
