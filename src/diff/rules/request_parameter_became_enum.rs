//! `request-parameter-became-enum`: A free parameter became an enum. ERR: any value outside the list is
//! refused; the generated type narrows to a literal union.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-became-enum` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::BecameEnum => {
                Some(super::at_param_schema(e, &p.param, c).arg("property", c.property()))
            }
            _ => None,
        })
        .collect()
}
