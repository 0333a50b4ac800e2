//! Responses: the success type, typed errors and DRF pagination.

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::Lowerer;
use crate::ir::{Response, ResponseMedia, StringFormat, TypeKind, TypeRef};

impl<'a> Lowerer<'a> {
    pub(super) fn responses(
        &mut self,
        op: &oa::Operation,
        hint: &str,
    ) -> (Response, Vec<Response>) {
        let mut entries: Vec<(String, &ReferenceOr<oa::Response>)> =
            op.responses.responses.iter().map(|(code, r)| (code.to_string(), r)).collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(d) = &op.responses.default {
            entries.push(("default".into(), d));
        }
        let mut success = None;
        let mut errors = Vec::new();
        for (status, r) in entries {
            let is_success = status.starts_with('2');
            let is_error =
                status.starts_with('4') || status.starts_with('5') || status == "default";
            if !(is_error || is_success && success.is_none()) {
                continue;
            }
            let Some(resp) = self.response(&status, r, hint, is_success) else { continue };
            if is_success {
                success = Some(resp);
            } else if resp.media != ResponseMedia::Empty {
                errors.push(resp);
            }
        }
        let success = success.unwrap_or(Response {
            status: "default".into(),
            media: ResponseMedia::Empty,
            content_type: String::new(),
            ty: TypeRef::Unknown,
            doc: None,
        });
        (success, errors)
    }

    pub(super) fn response(
        &mut self,
        status: &str,
        r: &ReferenceOr<oa::Response>,
        hint: &str,
        success: bool,
    ) -> Option<Response> {
        let resp = match r {
            ReferenceOr::Item(r) => r,
            ReferenceOr::Reference { reference } => {
                let name = crate::spec::unescape_pointer(
                    reference.strip_prefix("#/components/responses/").unwrap_or(""),
                );
                match self.doc.head.components.as_ref().and_then(|c| c.responses.get(&name)) {
                    Some(ReferenceOr::Item(r)) => r,
                    _ => {
                        self.warnings
                            .insert(format!("dangling response $ref `{reference}`: typed unknown"));
                        return Some(Response {
                            status: status.into(),
                            media: ResponseMedia::Json,
                            content_type: "application/json".into(),
                            ty: TypeRef::Unknown,
                            doc: None,
                        });
                    }
                }
            }
        };
        let doc = Some(resp.description.clone()).filter(|d| !d.is_empty());
        if status == "204" || resp.content.is_empty() {
            return Some(Response {
                status: status.into(),
                media: ResponseMedia::Empty,
                content_type: String::new(),
                ty: TypeRef::Unknown,
                doc,
            });
        }
        let mut cands: Vec<(u8, &String, &oa::MediaType)> = resp
            .content
            .iter()
            .map(|(ct, m)| {
                let rank = match response_media(ct) {
                    ResponseMedia::Json => 0,
                    ResponseMedia::Text => 1,
                    ResponseMedia::Binary => 2,
                    ResponseMedia::Empty => 3,
                };
                (rank, ct, m)
            })
            .collect();
        cands.sort_by_key(|(rank, ct, _)| (*rank, crate::ir::wire::json_preference(ct)));
        let (_, ct, m) = cands.first()?;
        let media = response_media(ct);
        let suffix = if success { "Response".to_string() } else { format!("Error{status}") };
        let ty = match media {
            ResponseMedia::Json => m
                .schema
                .as_ref()
                .map_or(TypeRef::Unknown, |s| self.type_of(&format!("{hint}{suffix}"), s, 0)),
            ResponseMedia::Text => TypeRef::String(StringFormat::Plain),
            ResponseMedia::Binary => TypeRef::Binary,
            ResponseMedia::Empty => TypeRef::Unknown,
        };
        let media = crate::ir::wire::response_media(media, &ty);
        Some(Response { status: status.into(), media, content_type: (*ct).clone(), ty, doc })
    }

    /// The item type when `success` is a DRF paginated list: an object with a
    /// `results` array and a `next` link.
    pub(super) fn pagination(&self, success: &Response) -> Option<TypeRef> {
        if success.media != ResponseMedia::Json {
            return None;
        }
        let TypeRef::Named(n) = &success.ty else { return None };
        let TypeKind::Object(o) = &self.types.get(n)?.kind else { return None };
        let has_next = o.properties.iter().any(|p| p.name == "next");
        let results = o.properties.iter().find(|p| p.name == "results")?;
        if !has_next {
            return None;
        }
        match &results.ty {
            TypeRef::Array(item) => Some((**item).clone()),
            _ => None,
        }
    }
}

/// How a response body is decoded. Anything that is neither JSON nor text is
/// bytes, including drf-spectacular's `*/*` for `FileResponse`.
pub(super) fn response_media(ct: &str) -> ResponseMedia {
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct == "application/json" || ct.ends_with("+json") || ct.ends_with("/json") {
        ResponseMedia::Json
    } else if ct.starts_with("text/") {
        ResponseMedia::Text
    } else {
        ResponseMedia::Binary
    }
}
