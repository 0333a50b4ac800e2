//! Identifier spelling: splitting spec names into words, case conversion and
//! the keyword tables of the target languages.
//!
//! Every identifier a generator prints comes through here, so a name from the
//! spec can never become a keyword, start with a digit or carry a character
//! that is not an ASCII letter, digit or `_`.

/// Splits a spec name into lowercase ASCII words at separators, case
/// boundaries (`HTTPServer` → `http`, `server`) and letter/digit edges that
/// follow a separator. Non-ASCII characters are separators, so the result is
/// always ASCII.
#[must_use]
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            // `fooBar` splits before `B`; `HTTPServer` splits before the `S`
            // that starts a lowercase run, keeping `HTTP` whole.
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalise(w: &str) -> String {
    let mut cs = w.chars();
    match cs.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
        None => String::new(),
    }
}

/// `PascalCase` from a spec name; `fallback` when the name has no ASCII
/// letters or digits; prefixed with `_` when it would start with a digit.
#[must_use]
pub fn pascal(name: &str, fallback: &str) -> String {
    let s: String = words(name).iter().map(|w| capitalise(w)).collect();
    fix_start(s, fallback)
}

/// `camelCase` from a spec name, with the same fallback rules as [`pascal`].
#[must_use]
pub fn camel(name: &str, fallback: &str) -> String {
    let ws = words(name);
    let s: String = ws
        .iter()
        .enumerate()
        .map(|(i, w)| if i == 0 { w.clone() } else { capitalise(w) })
        .collect();
    fix_start(s, fallback)
}

/// `snake_case` from a spec name, with the same fallback rules as [`pascal`].
#[must_use]
pub fn snake(name: &str, fallback: &str) -> String {
    fix_start(words(name).join("_"), fallback)
}

/// Longest identifier kept as is. Longer ones (a spec may carry 100 KB
/// names) are cut and given a hash of the whole name, so they stay unique,
/// deterministic, and short enough to be file names (most file systems stop
/// at 255 bytes).
pub const MAX_IDENT: usize = 64;

fn fix_start(s: String, fallback: &str) -> String {
    let s = if s.len() > MAX_IDENT {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(s.as_bytes());
        format!("{}_{}", &s[..MAX_IDENT - 9], crate::spec::hex(&digest[..4]))
    } else {
        s
    };
    if s.is_empty() {
        fallback.to_string()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// Reserved words of TypeScript/JavaScript (strict mode and module code) and
/// names that cannot be declared at module level in strict mode.
pub const TS_RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "any",
    "boolean",
    "never",
    "number",
    "object",
    "string",
    "symbol",
    "unknown",
    "bigint",
    "type",
];

/// Python keywords, soft keywords and builtins a generated module must not
/// shadow.
pub const PY_RESERVED: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type", "_", "bool", "bytes", "dict", "float", "int", "list",
    "object", "set", "str", "tuple", "id", "format", "input", "filter", "map", "max", "min",
    "range", "open", "print", "hash", "iter", "next", "self", "cls", "json", "copy", "dir", "vars",
    "all", "any", "len", "property", "super", "sum", "zip",
];

/// Python's `__future__` features. Every generated module starts with
/// `from __future__ import annotations`, which binds that name in the
/// package's `__init__`; `from . import annotations` then returns the
/// feature, not the submodule, so no module may be named after one.
pub const PY_FUTURE: &[&str] = &[
    "absolute_import",
    "annotations",
    "barry_as_FLUFL",
    "division",
    "generator_stop",
    "generators",
    "nested_scopes",
    "print_function",
    "unicode_literals",
    "with_statement",
];

/// Python's hard keywords: a module or package with one of these names cannot
/// be imported at all (builtins like `all` can, so they are not here).
pub const PY_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A TypeScript identifier for a spec name in the given case, with `_`
/// appended when it is reserved.
#[must_use]
pub fn ts_ident(spelled: String) -> String {
    escape(spelled, TS_RESERVED)
}

/// A Python identifier for a spec name in the given case, with `_` appended
/// when it is reserved (PEP 8's convention for `class_`).
#[must_use]
pub fn py_ident(spelled: String) -> String {
    escape(spelled, PY_RESERVED)
}

fn escape(s: String, reserved: &[&str]) -> String {
    if reserved.contains(&s.as_str()) { s + "_" } else { s }
}

/// True when `s` can stand unquoted as a TypeScript property name.
#[must_use]
pub fn is_ts_property_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Makes `candidate` unique against `taken` by appending 2, 3, …, and records
/// it. Callers feed names in a fixed order, so the result is deterministic.
/// Comparison is case-insensitive because generated names become file names
/// on case-insensitive file systems and because `User` and `user` next to
/// each other invite mistakes.
pub fn unique(candidate: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    let key = |s: &str| s.to_ascii_lowercase();
    if taken.insert(key(&candidate)) {
        return candidate;
    }
    let mut n = 2u32;
    loop {
        let c = format!("{candidate}{n}");
        if taken.insert(key(&c)) {
            return c;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_case_and_separators() {
        assert_eq!(words("HTTPServerError"), ["http", "server", "error"]);
        assert_eq!(words("users_partial-update"), ["users", "partial", "update"]);
        assert_eq!(words("repos/get-content"), ["repos", "get", "content"]);
        assert_eq!(words("v2Items"), ["v2", "items"]);
        assert_eq!(words("ünïcode name"), ["n", "code", "name"]);
    }

    #[test]
    fn cases_fall_back_and_never_start_with_a_digit() {
        assert_eq!(pascal("user profile", "T"), "UserProfile");
        assert_eq!(camel("partial_update", "op"), "partialUpdate");
        assert_eq!(snake("PartialUpdate", "op"), "partial_update");
        assert_eq!(pascal("200 response", "T"), "_200Response");
        assert_eq!(pascal("*/", "Type"), "Type");
    }

    #[test]
    fn huge_names_are_cut_with_a_hash() {
        let long = "a".repeat(100_000);
        let p = pascal(&long, "T");
        assert!(p.len() <= MAX_IDENT, "{}", p.len());
        assert_ne!(p, pascal(&format!("{long}b"), "T"), "distinct names stay distinct");
        assert_eq!(p, pascal(&long, "T"));
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(ts_ident("delete".into()), "delete_");
        assert_eq!(py_ident("class".into()), "class_");
        assert_eq!(py_ident("from".into()), "from_");
        assert_eq!(ts_ident("users".into()), "users");
    }

    #[test]
    fn unique_is_case_insensitive() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique("User".into(), &mut taken), "User");
        assert_eq!(unique("user".into(), &mut taken), "user2");
        assert_eq!(unique("User".into(), &mut taken), "User3");
    }
}
