//! `request-parameter-pattern-added`: A parameter gained a `pattern`. ERR (oasdiff raised it from WARN): values
//! that do not match are now refused. Wire-only.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-parameter-pattern-added`.
pub(crate) struct RequestParameterPatternAdded;

impl super::Rule for RequestParameterPatternAdded {
    fn id(&self) -> &'static str {
        "request-parameter-pattern-added"
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
                SchemaChangeKind::PatternChanged { from: None, to: Some(to) } => Some(
                    super::at_param_schema(self.id(), e, &p.param, c)
                        .arg("property", c.property())
                        .arg("pattern", to.clone()),
                ),
                _ => None,
            })
            .collect()
    }
}
