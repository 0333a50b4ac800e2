//! `response-property-became-nullable`: A response property may now be `null`. ERR: widening a response breaks
//! readers; `T` becomes `T | null` in the generated model.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-property-became-nullable`.
pub(crate) struct ResponsePropertyBecameNullable;

impl super::Rule for ResponsePropertyBecameNullable {
    fn id(&self) -> &'static str {
        "response-property-became-nullable"
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
                SchemaChangeKind::NullableChanged { from: false, to: true } if c.is_property() => {
                    Some(super::at_response(self.id(), e, r, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
