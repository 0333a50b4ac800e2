//! `api-operation-id-removed`: An operation's `operationId` was removed or renamed. WARN (oasdiff: INFO):
//! the wire is unchanged, but generated method names derive from it, so
//! callers' code stops compiling.

use crate::diff::{ApiDiff, Finding};

/// The findings of `api-operation-id-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .filter_map(|e| match &e.operation_id {
            Some(c) if c.from.is_some() => Some(
                super::at_endpoint(&e.endpoint)
                    .arg("from", c.from.clone().unwrap_or_default())
                    .arg("to", c.to.clone().unwrap_or_else(|| "(none)".into())),
            ),
            _ => None,
        })
        .collect()
}
