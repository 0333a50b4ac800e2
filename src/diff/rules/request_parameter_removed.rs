//! `request-parameter-removed`: A parameter the base accepted is gone. WARN (as oasdiff): the server may
//! ignore it or refuse it, the document cannot tell; the argument
//! disappears from the generated signature.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `request-parameter-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| e.params_removed.iter().map(move |p| super::at_param(e, p, Side::Base)))
        .collect()
}
