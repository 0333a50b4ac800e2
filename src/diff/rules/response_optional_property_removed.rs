//! `response-optional-property-removed`: An optional response property is gone. WARN (as oasdiff): careful clients
//! already handled its absence; the generated field still disappears.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-optional-property-removed`.
pub(crate) struct ResponseOptionalPropertyRemoved;

impl super::Rule for ResponseOptionalPropertyRemoved {
    fn id(&self) -> &'static str {
        "response-optional-property-removed"
    }

    fn level(&self) -> Level {
        Level::Warn
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.response_body_changes()
            .filter_map(|(e, r, m, c)| match &c.kind {
                SchemaChangeKind::PropertyRemoved { required: false, .. } => {
                    Some(super::at_response(self.id(), e, r, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
