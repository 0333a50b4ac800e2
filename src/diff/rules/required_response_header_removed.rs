//! `required-response-header-removed`: A response header declared `required` is gone. ERR: clients reading it
//! break.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `required-response-header-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.responses_modified.iter().flat_map(move |r| {
                r.headers_removed.iter().filter(|h| h.required).map(move |h| {
                    super::at_endpoint(&e.endpoint)
                        .source(
                            Side::Base,
                            format!(
                                "{}/headers/{}",
                                r.old_at,
                                crate::spec::escape_pointer(&h.name)
                            ),
                        )
                        .arg("status", r.status.clone())
                        .arg("header", h.name.clone())
                })
            })
        })
        .collect()
}
