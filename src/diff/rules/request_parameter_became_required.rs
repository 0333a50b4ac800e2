//! `request-parameter-became-required`: An optional parameter became required. ERR: requests without it are now
//! refused, and the generated argument becomes mandatory.

use crate::diff::{ApiDiff, Finding, Level};

/// `request-parameter-became-required`.
pub(crate) struct RequestParameterBecameRequired;

impl super::Rule for RequestParameterBecameRequired {
    fn id(&self) -> &'static str {
        "request-parameter-became-required"
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
                e.params_modified
                    .iter()
                    .filter(|p| p.required.as_ref().is_some_and(|c| c.to && !c.from))
                    .map(move |p| super::at_param(self.id(), e, &p.param))
            })
            .collect()
    }
}
