//! `request-parameter-removed`: A parameter the base accepted is gone. WARN (as oasdiff): the server may
//! ignore it or refuse it, the document cannot tell; the argument
//! disappears from the generated signature.

use crate::diff::{ApiDiff, Finding, Level};

/// `request-parameter-removed`.
pub(crate) struct RequestParameterRemoved;

impl super::Rule for RequestParameterRemoved {
    fn id(&self) -> &'static str {
        "request-parameter-removed"
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
            .flat_map(|e| e.params_removed.iter().map(move |p| super::at_param(self.id(), e, p)))
            .collect()
    }
}
