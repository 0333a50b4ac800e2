//! `request-property-became-not-nullable`: A request property no longer accepts `null`. ERR: clients sending `null`
//! are refused; `T | null` becomes `T` in the generated model.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-became-not-nullable`.
pub(crate) struct RequestPropertyBecameNotNullable;

impl super::Rule for RequestPropertyBecameNotNullable {
    fn id(&self) -> &'static str {
        "request-property-became-not-nullable"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.request_body_changes()
            .filter_map(|(e, m, c)| match &c.kind {
                SchemaChangeKind::NullableChanged { from: true, to: false } if c.is_property() => {
                    Some(super::at_request(self.id(), e, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
