//! `new-request-path-parameter`: A path parameter the base did not declare. ERR: clients must now send a
//! value they never had, and the generated signature gains an argument.

use crate::diff::{ApiDiff, Finding, Level};

/// `new-request-path-parameter`.
pub(crate) struct NewRequestPathParameter;

impl super::Rule for NewRequestPathParameter {
    fn id(&self) -> &'static str {
        "new-request-path-parameter"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .flat_map(|e| {
                e.params_added
                    .iter()
                    .filter(|p| p.location == "path")
                    .map(move |p| super::at_param(self.id(), e, p))
            })
            .collect()
    }
}
