//! `response-property-became-optional`: A response property is no longer required. ERR: clients may now get
//! `undefined`; the generated TypeScript type becomes `T | undefined`.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-property-became-optional`.
pub(crate) struct ResponsePropertyBecameOptional;

impl super::Rule for ResponsePropertyBecameOptional {
    fn id(&self) -> &'static str {
        "response-property-became-optional"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.response_body_changes()
            .filter_map(|(e, r, m, c)| match &c.kind {
                SchemaChangeKind::RequiredRemoved { .. } => {
                    Some(super::at_response(self.id(), e, r, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
