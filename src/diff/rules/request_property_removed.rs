//! `request-property-removed`: A request property is gone (or became readOnly). WARN (as oasdiff): the
//! server may ignore it or refuse it; the field disappears from the
//! generated request model.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-removed`.
pub(crate) struct RequestPropertyRemoved;

impl super::Rule for RequestPropertyRemoved {
    fn id(&self) -> &'static str {
        "request-property-removed"
    }

    fn level(&self) -> Level {
        Level::Warn
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.request_body_changes()
            .filter_map(|(e, m, c)| match &c.kind {
                SchemaChangeKind::PropertyRemoved { .. } => {
                    Some(super::at_request(self.id(), e, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
