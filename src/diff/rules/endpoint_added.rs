//! `endpoint-added`: An operation only the revision has. INFO: new methods break nobody.

use crate::diff::{ApiDiff, Finding};

/// The findings of `endpoint-added` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_added.iter().map(super::at_endpoint).collect()
}
