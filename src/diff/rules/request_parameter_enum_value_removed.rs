//! `request-parameter-enum-value-removed`: A parameter no longer accepts some of its enum values. ERR: clients
//! sending them are refused; the generated literal union shrinks.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-parameter-enum-value-removed`.
pub(crate) struct RequestParameterEnumValueRemoved;

impl super::Rule for RequestParameterEnumValueRemoved {
    fn id(&self) -> &'static str {
        "request-parameter-enum-value-removed"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.parameter_schema_changes()
            .filter_map(|(e, p, c)| match &c.kind {
                SchemaChangeKind::EnumValuesRemoved(values) => Some(
                    super::at_param_schema(self.id(), e, &p.param, c)
                        .arg("property", c.property())
                        .arg("values", super::list(values)),
                ),
                _ => None,
            })
            .collect()
    }
}
