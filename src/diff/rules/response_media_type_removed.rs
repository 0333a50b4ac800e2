//! `response-media-type-removed`: A response no longer comes in a media type (compared without its
//! parameters). ERR: clients asking for it get something else; generated
//! decoding breaks.

use crate::diff::{ApiDiff, Finding, Side};

/// The findings of `response-media-type-removed` in `d`.
pub(super) fn check(d: &ApiDiff) -> Vec<Finding> {
    d.endpoints_modified
        .iter()
        .flat_map(|e| {
            e.responses_modified.iter().flat_map(move |r| {
                r.media_removed.iter().map(move |m| {
                    super::at_endpoint(&e.endpoint)
                        .source(
                            Side::Base,
                            format!("{}/content/{}", r.old_at, crate::spec::escape_pointer(m)),
                        )
                        .arg("status", r.status.clone())
                        .arg("media", m.clone())
                })
            })
        })
        .collect()
}
