//! `api-tag-removed`: An operation lost a tag. WARN (oasdiff: INFO): apps and groups are chosen
//! by tag, so the generated method may move to another module.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-tag-removed`.
pub(crate) struct ApiTagRemoved;

impl super::Rule for ApiTagRemoved {
    fn id(&self) -> &'static str {
        "api-tag-removed"
    }

    fn level(&self) -> Level {
        Level::Warn
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .flat_map(|e| {
                e.tags_removed
                    .iter()
                    .map(move |t| super::at_endpoint(self.id(), &e.endpoint).arg("tag", t.clone()))
            })
            .collect()
    }
}
