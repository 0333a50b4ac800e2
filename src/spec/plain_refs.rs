//! Whether a JSON document's `$ref`s are all plain component refs, so it
//! can be indexed as it is, without bundling (see `spec::read`).

/// True when every `"$ref": "…"` in the text is `#/components/<section>/<name>`
/// with no escapes. A byte scan: cheap next to parsing.
pub(super) fn refs_are_plain(text: &str) -> bool {
    const KEY: &str = "\"$ref\"";
    let mut rest = text;
    while let Some(i) = rest.find(KEY) {
        rest = &rest[i + KEY.len()..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else { return false };
        let Some(val) = after.trim_start().strip_prefix('"') else { return false };
        let Some(end) = val.find('"') else { return false };
        let r = &val[..end];
        if r.contains('\\') {
            return false;
        }
        let Some(tail) = r.strip_prefix("#/components/") else { return false };
        let mut parts = tail.split('/');
        let section = parts.next().unwrap_or("");
        // `examples` refs sit in `examples` maps, which bundling leaves alone
        // as data (GitHub's document has 936 of them).
        if !matches!(
            section,
            "schemas" | "parameters" | "requestBodies" | "responses" | "headers" | "examples"
        ) || parts.next().is_none_or(str::is_empty)
            || parts.next().is_some()
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_and_file_refs_are_not_plain() {
        assert!(!refs_are_plain(r##"{"$ref": "#/components/schemas/A/allOf/0"}"##));
        assert!(!refs_are_plain(r##"{"$ref": "./x.yaml#/A"}"##));
        assert!(refs_are_plain(r##"{"$ref" : "#/components/schemas/A"}"##));
    }
}
