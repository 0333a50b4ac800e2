//! `response-success-status-removed`: A 2xx status the operation returned is gone. ERR: clients (and the
//! generated return type) expect it.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `response-success-status-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.responses_removed.iter().filter(|s| s.starts_with('2')).map(move |s| {
                super::in_endpoint(
                    e,
                    Side::Base,
                    &format!("/responses/{}", crate::spec::escape_pointer(s)),
                )
                .arg("status", s.clone())
            })
        })
        .collect()
}
