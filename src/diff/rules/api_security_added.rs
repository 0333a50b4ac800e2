//! `api-security-added`: An operation gained a security requirement. WARN (oasdiff: INFO): callers
//! without those credentials may now be refused.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `api-security-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.security_added.iter().map(move |s| {
                super::in_endpoint(e, Side::Revision, "/security").arg("security", s.clone())
            })
        })
        .collect()
}
