//! `request-property-one-of-removed`: A request property's `oneOf` lost a branch. ERR: values of that shape are
//! refused.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-one-of-removed`.
pub(crate) struct RequestPropertyOneOfRemoved;

impl super::Rule for RequestPropertyOneOfRemoved {
    fn id(&self) -> &'static str {
        "request-property-one-of-removed"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.request_body_changes()
            .filter_map(|(e, m, c)| match &c.kind {
                SchemaChangeKind::OneOfRemoved(labels) if c.is_property() => {
                    Some(super::at_request(self.id(), e, m, c).arg("values", super::list(labels)))
                }
                _ => None,
            })
            .collect()
    }
}
