//! `api-removed-before-sunset`: A deprecated operation was removed before the date its `x-sunset`
//! promised. ERR: clients were told they had until then. Needs today's date
//! (`Options::today`); off without it.

use crate::diff::{ApiDiff, Finding, Level};

/// `api-removed-before-sunset`.
pub(crate) struct ApiRemovedBeforeSunset;

impl super::Rule for ApiRemovedBeforeSunset {
    fn id(&self) -> &'static str {
        "api-removed-before-sunset"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_removed
            .iter()
            .filter(|r| r.endpoint.deprecated && super::before_sunset(d, r))
            .map(|r| {
                super::removed(self.id(), r)
                    .arg("sunset", r.endpoint.sunset.clone().unwrap_or_default())
            })
            .collect()
    }
}
