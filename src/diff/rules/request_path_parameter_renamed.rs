//! `request-path-parameter-renamed`: A path parameter kept its place in the template but changed name
//! (`/pets/{id}` → `/pets/{petId}`). INFO: the URL is the same on the wire,
//! but Python callers pass it by keyword, so generated code breaks. Not an
//! oasdiff id (its matching ignores the names); oasdiff-style.

use crate::diff::{ApiDiff, Finding, Level};

/// `request-path-parameter-renamed`.
pub(crate) struct RequestPathParameterRenamed;

impl super::Rule for RequestPathParameterRenamed {
    fn id(&self) -> &'static str {
        "request-path-parameter-renamed"
    }

    fn level(&self) -> Level {
        Level::Info
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .flat_map(|e| {
                e.path_params_renamed.iter().map(move |c| {
                    super::at_endpoint(self.id(), &e.endpoint)
                        .arg("from", c.from.clone())
                        .arg("to", c.to.clone())
                })
            })
            .collect()
    }
}
