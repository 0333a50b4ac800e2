//! `response-body-type-changed`: A response body's type changed. ERR: readers break; the generated return
//! type changes.

use crate::diff::{ApiDiff, Finding, Level, SchemaChangeKind};

/// `response-body-type-changed`.
pub(crate) struct ResponseBodyTypeChanged;

impl super::Rule for ResponseBodyTypeChanged {
    fn id(&self) -> &'static str {
        "response-body-type-changed"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.response_body_changes()
            .filter_map(|(e, r, m, c)| match &c.kind {
                SchemaChangeKind::TypeChanged { from, to } if !c.is_property() => Some(
                    super::at_response(self.id(), e, r, m, c)
                        .arg("from", from.clone())
                        .arg("to", to.clone()),
                ),
                _ => None,
            })
            .collect()
    }
}
