//! `request-property-became-enum`: A free request property became an enum. ERR: values outside the list are
//! refused; the generated type narrows.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-became-enum`.
pub(crate) struct RequestPropertyBecameEnum;

impl super::Rule for RequestPropertyBecameEnum {
    fn id(&self) -> &'static str {
        "request-property-became-enum"
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
                SchemaChangeKind::BecameEnum if c.is_property() => {
                    Some(super::at_request(self.id(), e, m, c))
                }
                _ => None,
            })
            .collect()
    }
}
