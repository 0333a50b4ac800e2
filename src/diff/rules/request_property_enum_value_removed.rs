//! `request-property-enum-value-removed`: A request property no longer accepts some enum values. ERR: clients
//! sending them are refused; the generated literal union shrinks.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-enum-value-removed`.
pub(crate) struct RequestPropertyEnumValueRemoved;

impl super::Rule for RequestPropertyEnumValueRemoved {
    fn id(&self) -> &'static str {
        "request-property-enum-value-removed"
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
                SchemaChangeKind::EnumValuesRemoved(values) if c.is_property() => {
                    Some(super::at_request(self.id(), e, m, c).arg("values", super::list(values)))
                }
                _ => None,
            })
            .collect()
    }
}
