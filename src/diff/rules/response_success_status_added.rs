//! `response-success-status-added`: An operation returns a success status
//! it did not before. INFO (as oasdiff): a reader may meet a status it does
//! not expect, but the generated clients accept any 2XX.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `response-success-status-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.responses_added.iter().filter(|s| s.starts_with('2')).map(move |s| {
                let suffix = format!("/responses/{}", crate::spec::escape_pointer(s));
                super::in_endpoint(e, Side::Revision, &suffix).arg("status", s.clone())
            })
        })
        .collect()
}
