//! `request-parameter-pattern-added`: A parameter gained a `pattern`. ERR (oasdiff raised it from WARN): values
//! that do not match are now refused. Wire-only.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-pattern-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::PatternChanged { from: None, to: Some(to) } => Some(
                super::at_param_schema(e, &p.param, c)
                    .arg("property", c.property())
                    .arg("pattern", to.clone()),
            ),
            _ => None,
        })
        .collect()
}
