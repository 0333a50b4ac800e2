//! `response-body-became-nullable`: A response body may now be `null`. ERR: readers that dereference it
//! break; the generated return type becomes `T | null`.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-body-became-nullable`.
pub(crate) struct ResponseBodyBecameNullable;

impl super::Rule for ResponseBodyBecameNullable {
    fn id(&self) -> &'static str {
        "response-body-became-nullable"
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
                SchemaChangeKind::NullableChanged { from: false, to: true } if !c.is_property() => {
                    Some(super::at_response(self.id(), e, r, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
