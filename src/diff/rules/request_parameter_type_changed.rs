//! `request-parameter-type-changed`: A parameter's type changed (string formats included). ERR: values the
//! client sends in the old type are refused, and the argument's generated
//! type changes.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-parameter-type-changed`.
pub(crate) struct RequestParameterTypeChanged;

impl super::Rule for RequestParameterTypeChanged {
    fn id(&self) -> &'static str {
        "request-parameter-type-changed"
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
                SchemaChangeKind::TypeChanged { from, to } => Some(
                    super::at_param_schema(self.id(), e, &p.param, c)
                        .arg("property", c.property())
                        .arg("from", from.clone())
                        .arg("to", to.clone()),
                ),
                _ => None,
            })
            .collect()
    }
}
