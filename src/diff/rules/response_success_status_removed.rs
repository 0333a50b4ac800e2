//! `response-success-status-removed`: A 2xx status the operation returned is gone. ERR: clients (and the
//! generated return type) expect it.

use crate::diff::{ApiDiff, Finding, Level};

/// `response-success-status-removed`.
pub(crate) struct ResponseSuccessStatusRemoved;

impl super::Rule for ResponseSuccessStatusRemoved {
    fn id(&self) -> &'static str {
        "response-success-status-removed"
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
                e.responses_removed.iter().filter(|s| s.starts_with('2')).map(move |s| {
                    super::at_endpoint(self.id(), &e.endpoint).arg("status", s.clone())
                })
            })
            .collect()
    }
}
