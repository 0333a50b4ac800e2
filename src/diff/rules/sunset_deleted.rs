//! `sunset-deleted`: A deprecated operation lost its `x-sunset` date. ERR: clients planning
//! around the date no longer know when it goes away.

use crate::diff::{ApiDiff, Finding, Level};

/// `sunset-deleted`.
pub(crate) struct SunsetDeleted;

impl super::Rule for SunsetDeleted {
    fn id(&self) -> &'static str {
        "sunset-deleted"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .filter(|e| e.endpoint.deprecated)
            .filter_map(|e| match &e.sunset {
                Some(c) if c.to.is_none() => Some(
                    super::at_endpoint(self.id(), &e.endpoint)
                        .arg("sunset", c.from.clone().unwrap_or_default()),
                ),
                _ => None,
            })
            .collect()
    }
}
