//! `api-schema-removed`: A component schema is gone. WARN (oasdiff: INFO): the wire may be fine,
//! but the exported type disappears from the generated models.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-schema-removed`.
pub(crate) struct ApiSchemaRemoved;

impl super::Rule for ApiSchemaRemoved {
    fn id(&self) -> &'static str {
        "api-schema-removed"
    }

    fn level(&self) -> Level {
        Level::Warn
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.schemas_removed
            .iter()
            .map(|s| {
                Finding::new(self.id())
                    .pointer(format!("/components/schemas/{}", crate::spec::escape_pointer(s)))
                    .arg("schema", s.clone())
            })
            .collect()
    }
}
