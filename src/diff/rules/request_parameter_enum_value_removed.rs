//! `request-parameter-enum-value-removed`: A parameter no longer accepts some of its enum values. ERR: clients
//! sending them are refused; the generated literal union shrinks.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-enum-value-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::EnumValuesRemoved(values) => Some(
                super::at_param_schema(e, &p.param, c)
                    .arg("property", c.property())
                    .arg("values", super::list(values)),
            ),
            _ => None,
        })
        .collect()
}
