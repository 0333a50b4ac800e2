//! `request-property-pattern-added`: A request property gained a `pattern`. ERR (oasdiff raised it from WARN):
//! values that do not match are refused. Wire-only.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-pattern-added`.
pub(crate) struct RequestPropertyPatternAdded;

impl super::Rule for RequestPropertyPatternAdded {
    fn id(&self) -> &'static str {
        "request-property-pattern-added"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        false
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.request_body_changes()
            .filter_map(|(e, m, c)| match &c.kind {
                SchemaChangeKind::PatternChanged { from: None, to: Some(to) }
                    if c.is_property() =>
                {
                    Some(super::at_request(self.id(), e, m, c).arg("pattern", to.clone()))
                }
                _ => None,
            })
            .collect()
    }
}
