//! `request-parameter-min-increased`: A parameter's `minimum` went up. ERR: small values that were valid are
//! refused. Wire-only.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-min-increased` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::MinimumChanged { from: Some(from), to: Some(to) } if to > from => {
                Some(
                    super::at_param_schema(e, &p.param, c)
                        .arg("property", c.property())
                        .arg("from", super::num(*from))
                        .arg("to", super::num(*to)),
                )
            }
            _ => None,
        })
        .collect()
}
