//! `request-parameter-type-changed`: A parameter's type changed (string formats included). ERR: values the
//! client sends in the old type are refused, and the argument's generated
//! type changes.
//! `integer` → `number` is not reported: the server still accepts every
//! integer an old client sends.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-parameter-type-changed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| match &c.kind {
            SchemaChangeKind::TypeChanged { from, to } if !super::narrows_number(to, from) => Some(
                super::at_param_schema(e, &p.param, c)
                    .arg("property", c.property())
                    .arg("from", from.clone())
                    .arg("to", to.clone()),
            ),
            _ => None,
        })
        .collect()
}
