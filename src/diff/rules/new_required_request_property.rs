//! `new-required-request-property`: A new required property in a request body (a default does not help: the
//! contract says clients must send it, oasdiff's position). ERR; the
//! generated request model gains a required field.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `new-required-request-property`.
pub(crate) struct NewRequiredRequestProperty;

impl super::Rule for NewRequiredRequestProperty {
    fn id(&self) -> &'static str {
        "new-required-request-property"
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
                SchemaChangeKind::PropertyAdded { required: true, .. } => {
                    Some(super::at_request(self.id(), e, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
