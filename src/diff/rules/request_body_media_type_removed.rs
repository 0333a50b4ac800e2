//! `request-body-media-type-removed`: The request body no longer accepts a media type (compared without its
//! parameters). ERR: clients sending it get 415; generated code that
//! encodes it is wrong.

use crate::diff::{ApiDiff, BodyDiff, Finding, Level};

/// `request-body-media-type-removed`.
pub(crate) struct RequestBodyMediaTypeRemoved;

impl super::Rule for RequestBodyMediaTypeRemoved {
    fn id(&self) -> &'static str {
        "request-body-media-type-removed"
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
                let media: &[String] = match &e.request_body {
                    Some(BodyDiff::Modified { media_removed, .. }) => media_removed,
                    _ => &[],
                };
                media.iter().map(move |m| {
                    super::at_endpoint(self.id(), &e.endpoint).arg("media", m.clone())
                })
            })
            .collect()
    }
}
