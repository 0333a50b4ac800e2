//! `api-schema-added`: A component schema only the revision has. INFO (as
//! oasdiff): a new exported type breaks nobody.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `api-schema-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.schemas_added
        .iter()
        .map(|s| {
            let at = format!("/components/schemas/{}", crate::spec::escape_pointer(s));
            Finding::new().pointer(at.clone()).source(Side::Revision, at).arg("schema", s.clone())
        })
        .collect()
}
