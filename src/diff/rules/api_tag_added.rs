//! `api-tag-added`: An operation gained a tag. WARN (oasdiff: INFO): apps and groups are
//! chosen by tag, so the generated method may move to another module.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `api-tag-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.tags_added
                .iter()
                .map(move |t| super::in_endpoint(e, Side::Revision, "/tags").arg("tag", t.clone()))
        })
        .collect()
}
