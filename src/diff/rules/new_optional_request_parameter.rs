//! `new-optional-request-parameter`: A new optional query, header or cookie parameter. INFO: old requests
//! stay valid and the generated argument is optional.

use crate::diff::{ApiDiff, Finding, Level};

/// `new-optional-request-parameter`.
pub(crate) struct NewOptionalRequestParameter;

impl super::Rule for NewOptionalRequestParameter {
    fn id(&self) -> &'static str {
        "new-optional-request-parameter"
    }

    fn level(&self) -> Level {
        Level::Info
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .flat_map(|e| {
                e.params_added
                    .iter()
                    .filter(|p| p.location != "path" && !p.required)
                    .map(move |p| super::at_param(self.id(), e, p))
            })
            .collect()
    }
}
