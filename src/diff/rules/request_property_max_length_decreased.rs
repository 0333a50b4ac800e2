//! `request-property-max-length-decreased`: A request property's `maxLength` went down. ERR: longer values are
//! refused. Wire-only.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `request-property-max-length-decreased`.
pub(crate) struct RequestPropertyMaxLengthDecreased;

impl super::Rule for RequestPropertyMaxLengthDecreased {
    fn id(&self) -> &'static str {
        "request-property-max-length-decreased"
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
                SchemaChangeKind::MaxLengthChanged { from: Some(from), to: Some(to) }
                    if to < from && c.is_property() =>
                {
                    Some(
                        super::at_request(self.id(), e, m, c)
                            .arg("from", from.to_string())
                            .arg("to", to.to_string()),
                    )
                }
                _ => None,
            })
            .collect()
    }
}
