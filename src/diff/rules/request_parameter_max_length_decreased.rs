//! `request-parameter-max-length-decreased`: A parameter's `maxLength` went down. ERR: longer values that were valid
//! are refused. Wire-only: generated types do not carry lengths.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-parameter-max-length-decreased`.
pub(crate) struct RequestParameterMaxLengthDecreased;

impl super::Rule for RequestParameterMaxLengthDecreased {
    fn id(&self) -> &'static str {
        "request-parameter-max-length-decreased"
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
                SchemaChangeKind::MaxLengthChanged { from: Some(from), to: Some(to) }
                    if to < from =>
                {
                    Some(
                        super::at_param_schema(self.id(), e, &p.param, c)
                            .arg("property", c.property())
                            .arg("from", from.to_string())
                            .arg("to", to.to_string()),
                    )
                }
                _ => None,
            })
            .collect()
    }
}
