//! `request-body-media-type-removed`: The request body no longer accepts a media type (compared without its
//! parameters). ERR: clients sending it get 415; generated code that
//! encodes it is wrong.

use crate::diff::{ApiDiff, BodyDiff, Finding, Side};

/// The findings of `request-body-media-type-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            let (media, at): (&[String], &str) = match &e.request_body {
                Some(BodyDiff::Modified { media_removed, old_at, .. }) => (media_removed, old_at),
                _ => (&[], ""),
            };
            media.iter().map(move |m| {
                super::at_endpoint(&e.endpoint)
                    .source(Side::Base, format!("{at}/content/{}", crate::spec::escape_pointer(m)))
                    .arg("media", m.clone())
            })
        })
        .collect()
}
