//! `api-schema-removed`: A component schema is gone. WARN (oasdiff: INFO): the wire may be fine,
//! but the exported type disappears from the generated models.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `api-schema-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.schemas_removed
        .iter()
        .map(|s| {
            let at = format!("/components/schemas/{}", crate::spec::escape_pointer(s));
            Finding::new().pointer(at.clone()).source(Side::Base, at).arg("schema", s.clone())
        })
        .collect()
}
