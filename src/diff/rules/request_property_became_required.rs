//! `request-property-became-required`: An optional request property became required. ERR: requests without it
//! are refused; the generated field becomes mandatory.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-became-required`.
pub(crate) struct RequestPropertyBecameRequired;

impl super::Rule for RequestPropertyBecameRequired {
    fn id(&self) -> &'static str {
        "request-property-became-required"
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
                SchemaChangeKind::RequiredAdded { .. } => {
                    Some(super::at_request(self.id(), e, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
