//! `request-property-type-changed`: A request property's type changed (string formats included). ERR: values
//! of the old type are refused; the generated field type changes.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-type-changed`.
pub(crate) struct RequestPropertyTypeChanged;

impl super::Rule for RequestPropertyTypeChanged {
    fn id(&self) -> &'static str {
        "request-property-type-changed"
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
                SchemaChangeKind::TypeChanged { from, to } if c.is_property() => Some(
                    super::at_request(self.id(), e, m, c)
                        .arg("from", from.clone())
                        .arg("to", to.clone()),
                ),
                _ => None,
            })
            .collect()
    }
}
