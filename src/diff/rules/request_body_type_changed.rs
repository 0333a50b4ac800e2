//! `request-body-type-changed`: The request body's type changed. ERR (as
//! oasdiff): every sender of the old type is refused; the generated argument
//! type changes.
//! `integer` → `number` is not reported: the server still accepts every
//! integer an old client sends.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-type-changed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::TypeChanged { from, to } if !super::narrows_number(to, from) => {
            Some(vec![("from", from.clone()), ("to", to.clone())])
        }
        _ => None,
    })
}
