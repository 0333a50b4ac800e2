//! `request-property-any-of-removed`: A request property's `anyOf` lost a branch. ERR: values of that shape are
//! refused.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-any-of-removed`.
pub(crate) struct RequestPropertyAnyOfRemoved;

impl super::Rule for RequestPropertyAnyOfRemoved {
    fn id(&self) -> &'static str {
        "request-property-any-of-removed"
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
                SchemaChangeKind::AnyOfRemoved(labels) if c.is_property() => {
                    Some(super::at_request(self.id(), e, m, c).arg("values", super::list(labels)))
                }
                _ => None,
            })
            .collect()
    }
}
