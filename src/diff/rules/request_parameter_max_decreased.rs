//! `request-parameter-max-decreased`: A parameter's `maximum` went down. ERR: large values that were valid are
//! refused. Wire-only.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-parameter-max-decreased`.
pub(crate) struct RequestParameterMaxDecreased;

impl super::Rule for RequestParameterMaxDecreased {
    fn id(&self) -> &'static str {
        "request-parameter-max-decreased"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.parameter_schema_changes()
            .filter_map(|(e, p, c)| match &c.kind {
                SchemaChangeKind::MaximumChanged { from: Some(from), to: Some(to) }
                    if to < from =>
                {
                    Some(
                        super::at_param_schema(self.id(), e, &p.param, c)
                            .arg("property", c.property())
                            .arg("from", super::num(*from))
                            .arg("to", super::num(*to)),
                    )
                }
                _ => None,
            })
            .collect()
    }
}
