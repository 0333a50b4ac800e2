//! `response-media-type-removed`: A response no longer comes in a media type (compared without its
//! parameters). ERR: clients asking for it get something else; generated
//! decoding breaks.

use crate::diff::{ApiDiff, Finding, Level};

/// `response-media-type-removed`.
pub(crate) struct ResponseMediaTypeRemoved;

impl super::Rule for ResponseMediaTypeRemoved {
    fn id(&self) -> &'static str {
        "response-media-type-removed"
    }

    fn level(&self) -> Level {
        Level::Err
    }

    fn sdk_breaking(&self) -> bool {
        true
    }

    fn check(&self, d: &ApiDiff) -> Vec<Finding> {
        d.endpoints_modified
            .iter()
            .flat_map(|e| {
                e.responses_modified.iter().flat_map(move |r| {
                    r.media_removed.iter().map(move |m| {
                        super::at_endpoint(self.id(), &e.endpoint)
                            .arg("status", r.status.clone())
                            .arg("media", m.clone())
                    })
                })
            })
            .collect()
    }
}
