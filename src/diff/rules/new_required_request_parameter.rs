//! `new-required-request-parameter`: A new required query, header or cookie parameter. ERR: old requests lack
//! it and are refused; the generated signature gains a required argument.

use crate::diff::{ApiDiff, Finding, Level};

/// `new-required-request-parameter`.
pub(crate) struct NewRequiredRequestParameter;

impl super::Rule for NewRequiredRequestParameter {
    fn id(&self) -> &'static str {
        "new-required-request-parameter"
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
                    .filter(|p| p.location != "path" && p.required)
                    .map(move |p| super::at_param(self.id(), e, p))
            })
            .collect()
    }
}
