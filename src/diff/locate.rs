//! Where a JSON pointer is in a document's text: the line GitHub annotations
//! point at. Best effort and pure: the keys of the pointer are looked for
//! in order, each after the previous one, as JSON (`"key":`) or YAML
//! (`key:`, quoted or not) writes them. Array indices are stepped over (the
//! line of the array's key stands for its items), and a key that cannot be
//! found gives no line rather than a wrong one.

/// The 1-based line of `pointer` in `text`, when every key is found.
#[must_use]
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let mut pos = 0;
    let mut found_any = false;
    for seg in pointer.split('/').skip(1) {
        if seg.parse::<usize>().is_ok() {
            continue;
        }
        let key = crate::spec::unescape_pointer(seg);
        pos = find_key(text, &key, pos)?;
        found_any = true;
    }
    found_any.then(|| text[..pos].bytes().filter(|b| *b == b'\n').count() + 1)
}

/// The byte offset of the next place at or after `from` where `key` is
/// written as a mapping key.
fn find_key(text: &str, key: &str, from: usize) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = text.get(at..)?.find(key) {
        let start = at + i;
        let end = start + key.len();
        at = end;
        // Before: a quote, or the start of a YAML key (line start, indent,
        // `- `, a flow `{` or `,`).
        let before = start.checked_sub(1).map(|j| bytes[j]);
        let quote = match before {
            Some(q @ (b'"' | b'\'')) => Some(q),
            None | Some(b' ' | b'\n' | b'\t' | b'{' | b',' | b'-') => None,
            Some(_) => continue,
        };
        let mut k = end;
        if let Some(q) = quote {
            if bytes.get(k) != Some(&q) {
                continue;
            }
            k += 1;
        }
        while bytes.get(k).is_some_and(|b| *b == b' ' || *b == b'\t') {
            k += 1;
        }
        if bytes.get(k) == Some(&b':') {
            return Some(start);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_in_json_and_yaml() {
        let json = "{\n  \"components\": {\n    \"schemas\": {\n      \"A\": {\"type\": \"object\",\n        \"properties\": {\"total\": {}}}}}}\n";
        assert_eq!(line_of(json, "/components/schemas/A/properties/total"), Some(5));
        let yaml = "openapi: 3.0.3\ncomponents:\n  schemas:\n    A:\n      properties:\n        total:\n          type: string\n";
        assert_eq!(line_of(yaml, "/components/schemas/A/properties/total"), Some(6));
        assert_eq!(line_of(yaml, "/components/schemas/B"), None);
    }

    #[test]
    fn escaped_segments_and_indices() {
        let yaml = "paths:\n  /a/{id}:\n    get:\n      parameters:\n      - name: id\n";
        assert_eq!(line_of(yaml, "/paths/~1a~1{id}/get/parameters/0"), Some(4));
        assert_eq!(line_of(yaml, ""), None);
    }
}
