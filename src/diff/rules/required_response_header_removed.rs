//! `required-response-header-removed`: A response header declared `required` is gone. ERR: clients reading it
//! break.

use crate::diff::{ApiDiff, Finding, Level};

/// `required-response-header-removed`.
pub(crate) struct RequiredResponseHeaderRemoved;

impl super::Rule for RequiredResponseHeaderRemoved {
    fn id(&self) -> &'static str {
        "required-response-header-removed"
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
                e.responses_modified.iter().flat_map(move |r| {
                    r.headers_removed.iter().filter(|h| h.required).map(move |h| {
                        super::at_endpoint(self.id(), &e.endpoint)
                            .arg("status", r.status.clone())
                            .arg("header", h.name.clone())
                    })
                })
            })
            .collect()
    }
}
