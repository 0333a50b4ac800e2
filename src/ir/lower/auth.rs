//! Security schemes to the hints the clients need: token prefix, API-key
//! header, session cookie.

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use crate::ir::AuthHints;

pub(super) fn auth_hints(doc: &oa::OpenAPI) -> AuthHints {
    let mut hints =
        AuthHints { token_prefix: "Bearer".into(), api_key_header: None, session: false };
    let Some(c) = &doc.components else { return hints };
    let mut has_bearer = false;
    let mut has_token = false;
    let mut sorted: Vec<(&String, &ReferenceOr<oa::SecurityScheme>)> =
        c.security_schemes.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (_, s) in sorted {
        let ReferenceOr::Item(s) = s else { continue };
        match s {
            oa::SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                has_bearer = true
            }
            oa::SecurityScheme::APIKey { location: oa::APIKeyLocation::Header, name, .. } => {
                if name.eq_ignore_ascii_case("authorization") {
                    has_token = true;
                } else if hints.api_key_header.is_none() {
                    hints.api_key_header = Some(name.clone());
                }
            }
            oa::SecurityScheme::APIKey { location: oa::APIKeyLocation::Cookie, .. } => {
                hints.session = true
            }
            _ => {}
        }
    }
    if has_token && !has_bearer {
        // DRF's TokenAuthentication: `Authorization: Token <key>`.
        hints.token_prefix = "Token".into();
    }
    hints
}
