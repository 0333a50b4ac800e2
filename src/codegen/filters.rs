//! Context escaping for spec strings that reach generated code.
//!
//! A spec is untrusted input: a description may hold `*/`, `"""`, `${`,
//! newlines, U+2028 or bidi controls. Every string from the spec passes
//! through one of these functions before a template prints it, so it stays
//! inert data in the generated file. Templates use them through thin
//! `askama` filter wrappers in the language generators; the logic lives here
//! so both languages share one tested implementation.

use std::fmt::Write as _;

/// Characters that change how source code *looks* without changing what it
/// does (Trojan Source, CVE-2021-42574), and line separators that JavaScript
/// treats as line terminators. They never appear raw in generated code.
fn is_dangerous(c: char) -> bool {
    matches!(
        c,
        '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}'
    ) || (c.is_control() && c != '\n' && c != '\t')
}

/// Normalises prose for a comment or docstring: CRLF, CR, U+2028 and U+2029
/// become `\n`; other control and bidi characters are written as `<U+XXXX>`;
/// trailing whitespace on each line and leading/trailing blank lines go.
#[must_use]
pub fn prose(s: &str) -> String {
    // Most descriptions are printable ASCII, which nothing below rewrites:
    // skip the copy and the character loop for them (a tenth of rendering
    // GitHub's Python client went to this function).
    let plain = s.bytes().all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\t'));
    let normalised;
    let out = if plain {
        s
    } else {
        let s = s.replace("\r\n", "\n");
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\r' | '\u{2028}' | '\u{2029}' => out.push('\n'),
                c if is_dangerous(c) => {
                    let _ = write!(out, "<U+{:04X}>", c as u32);
                }
                c => out.push(c),
            }
        }
        normalised = out;
        normalised.as_str()
    };
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// The lines of a JSDoc block body: `*/` cannot close the comment early and
/// `@` at a line start cannot open a bogus tag.
#[must_use]
pub fn ts_doc_lines(s: &str) -> Vec<String> {
    prose(s)
        .lines()
        .map(|l| {
            let l = l.replace("*/", "*\\/");
            if l.trim_start().starts_with('@') { l.replacen('@', "\\@", 1) } else { l }
        })
        .collect()
}

/// A TypeScript/JavaScript string literal in double quotes. Non-ASCII is kept
/// except for line terminators and invisible controls, which are escaped.
#[must_use]
pub fn ts_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if is_dangerous(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python string literal in double quotes, escaped so it is the same
/// string in every Python 3 version and contains no raw control or bidi
/// characters.
#[must_use]
pub fn py_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if is_dangerous(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The body of a Python `"""` docstring: backslashes doubled (so `\N{…}` or
/// `\x` cannot form escapes), quotes that could end the string escaped, and a
/// trailing `"` separated from the closing quotes.
#[must_use]
pub fn py_doc(s: &str) -> String {
    let mut out = prose(s).replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    if out.ends_with('"') {
        out.push(' ');
    }
    out
}

/// A single-line comment body (`//` or `#`): prose flattened to one line.
#[must_use]
pub fn one_line(s: &str) -> String {
    prose(s).lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_cannot_close_its_comment() {
        let lines = ts_doc_lines("a */ alert(1) /*\r\n@param x\u{2028}y");
        assert_eq!(lines, ["a *\\/ alert(1) /*", "\\@param x", "y"]);
    }

    #[test]
    fn strings_escape_quotes_newlines_and_bidi() {
        assert_eq!(ts_string("a\"b\\c\n${x}`"), "\"a\\\"b\\\\c\\n${x}`\"");
        assert_eq!(ts_string("\u{202E}x\u{2028}"), "\"\\u202ex\\u2028\"");
        assert_eq!(py_string("a\"\u{0}"), "\"a\\\"\\u0000\"");
    }

    #[test]
    fn docstrings_cannot_end_early() {
        assert_eq!(py_doc("x\"\"\" import os"), "x\\\"\\\"\\\" import os");
        assert_eq!(py_doc("ends with \""), "ends with \" ");
        assert_eq!(py_doc("back\\slash"), "back\\\\slash");
    }

    #[test]
    fn prose_trims_blank_edges_and_marks_controls() {
        assert_eq!(prose("\n\n a \u{7}\n\n"), " a <U+0007>");
    }

    /// Printable ASCII takes a shortcut past the character loop; it must
    /// give what the loop gives: only trailing blanks and blank edge lines
    /// go, and a byte outside the shortcut's range still takes the loop.
    #[test]
    fn plain_ascii_prose_is_only_trimmed() {
        assert_eq!(prose("\n  a \t\n\n\tb  c\t\n \n"), "  a\n\n\tb  c");
        assert_eq!(prose("no change"), "no change");
        assert_eq!(prose(""), "");
        assert_eq!(prose("a\r\nb\rc\u{7f}"), "a\nb\nc<U+007F>");
        assert_eq!(prose("caf\u{e9} \u{202e}x"), "caf\u{e9} <U+202E>x");
    }
}
