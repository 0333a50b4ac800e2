//! `request-parameter-max-length-decreased`: A parameter's `maxLength` went down. ERR: longer values that were valid
//! are refused. Wire-only: generated types do not carry lengths.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-max-length-decreased` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::MaxLengthChanged { from: Some(from), to: Some(to) } if to < from => {
                Some(
                    super::at_param_schema(e, &p.param, c)
                        .arg("property", c.property())
                        .arg("from", from.to_string())
                        .arg("to", to.to_string()),
                )
            }
            _ => None,
        })
        .collect()
}
