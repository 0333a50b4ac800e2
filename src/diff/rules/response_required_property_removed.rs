//! `response-required-property-removed`: A required response property is gone (or became writeOnly). ERR: clients
//! reading it break; the field disappears from the generated model.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-required-property-removed`.
pub(crate) struct ResponseRequiredPropertyRemoved;

impl super::Rule for ResponseRequiredPropertyRemoved {
    fn id(&self) -> &'static str {
        "response-required-property-removed"
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
                SchemaChangeKind::PropertyRemoved { required: true, .. } => {
                    Some(super::at_response(self.id(), e, r, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
