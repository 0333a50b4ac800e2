//! `response-property-one-of-added`: A response property's `oneOf` gained a branch. ERR: readers meet a shape
//! they do not handle; the generated union widens.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-property-one-of-added`.
pub(crate) struct ResponsePropertyOneOfAdded;

impl super::Rule for ResponsePropertyOneOfAdded {
    fn id(&self) -> &'static str {
        "response-property-one-of-added"
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
                SchemaChangeKind::OneOfAdded(labels) if c.is_property() => Some(
                    super::at_response(self.id(), e, r, m, c).arg("values", super::list(labels)),
                ),
                _ => None,
            })
            .collect()
    }
}
