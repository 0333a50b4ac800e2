//! `response-property-enum-value-added`: A response property may return a new enum value. WARN (as oasdiff;
//! `x-extensible-enum` is the way out): exhaustive client code breaks, and
//! the generated closed literal union no longer covers the wire.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-property-enum-value-added`.
pub(crate) struct ResponsePropertyEnumValueAdded;

impl super::Rule for ResponsePropertyEnumValueAdded {
    fn id(&self) -> &'static str {
        "response-property-enum-value-added"
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
                SchemaChangeKind::EnumValuesAdded(values) if c.is_property() => Some(
                    super::at_response(self.id(), e, r, m, c).arg("values", super::list(values)),
                ),
                _ => None,
            })
            .collect()
    }
}
