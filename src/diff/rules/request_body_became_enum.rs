//! `request-body-became-enum`: The request body was restricted to an enum. ERR
//! (as oasdiff): other values are refused.

use crate::diff::{ApiDiff, Finding, SchemaChangeKind};

/// The findings of `request-body-became-enum` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    super::in_requests(d, true, |k| match k {
        SchemaChangeKind::BecameEnum => Some(Vec::new()),
        _ => None,
    })
}
