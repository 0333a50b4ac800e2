//! `request-parameter-became-enum`: A free parameter became an enum. ERR: any value outside the list is
//! refused; the generated type narrows to a literal union.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-parameter-became-enum`.
pub(crate) struct RequestParameterBecameEnum;

impl super::Rule for RequestParameterBecameEnum {
    fn id(&self) -> &'static str {
        "request-parameter-became-enum"
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
                SchemaChangeKind::BecameEnum => Some(
                    super::at_param_schema(self.id(), e, &p.param, c).arg("property", c.property()),
                ),
                _ => None,
            })
            .collect()
    }
}
