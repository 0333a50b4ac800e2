//! `request-path-parameter-renamed`: A path parameter kept its place in the template but changed name
//! (`/pets/{id}` → `/pets/{petId}`). INFO: the URL is the same on the wire,
//! but Python callers pass it by keyword, so generated code breaks. Not an
//! oasdiff id (its matching ignores the names); oasdiff-style.

use crate::diff::{ApiDiff, Finding};

/// The findings of `request-path-parameter-renamed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.path_params_renamed.iter().map(move |c| {
                super::at_endpoint(&e.endpoint).arg("from", c.from.clone()).arg("to", c.to.clone())
            })
        })
        .collect()
}
