//! `request-parameter-max-decreased`: A parameter's `maximum` went down. ERR: large values that were valid are
//! refused. Wire-only.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-max-decreased` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::MaximumChanged { from: Some(from), to: Some(to) } if to < from => {
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
