//! The diff report: all the wording of findings (oasdiff's
//! `messages.yaml`, here [`MESSAGES`]) and the three renderings of a
//! [`Report`]: `report.json` (serde; its JSON Schema is
//! `docs/report.schema.json`), `REPORT.md` and the plain text `apigend diff`
//! prints (askama templates under `askama_templates/report/`).
//!
//! Rules hand over facts (`Finding::args`); this module turns them into
//! sentences. Names from the spec reach Markdown only inside code spans whose
//! fence is longer than any backtick run in the name, and diffs only inside
//! fences longer than any backtick run in the diff, so a spec cannot inject
//! Markdown or HTML into a report.

use std::collections::BTreeMap;

use askama::Template;
use serde::Serialize;

use super::textdiff::FileChange;
use super::{Cause, Finding, Level, Report};

/// Version of the `report.json` layout; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 2;

/// What the report compares, as the caller names it.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// What changed: a group name, or the API's title.
    pub title: &'a str,
    /// The base: an archive version id, or a file name.
    pub base: &'a str,
    /// The revision: an archive version id, or a file name.
    pub revision: &'a str,
}

/// Message templates by rule id. `{name}` is replaced by the finding's arg
/// of that name, in a code span; `{in}` plainly; `{at}` by ` at `x`` when
/// the change is below the top of a parameter schema; `{origin}` by
/// ` (in `Component`)` when the change happened inside a component.
pub const MESSAGES: &[(&str, &str)] = &[
    (
        "api-path-removed-without-deprecation",
        "removed the path and this operation without deprecating it first",
    ),
    ("api-removed-without-deprecation", "removed the operation without deprecating it first"),
    ("api-removed-with-deprecation", "removed the deprecated operation"),
    ("api-path-removed-with-deprecation", "removed the path and this deprecated operation"),
    (
        "api-removed-before-sunset",
        "removed the deprecated operation before its sunset date {sunset}",
    ),
    ("sunset-deleted", "removed the sunset date {sunset} of the deprecated operation"),
    ("endpoint-added", "added the operation"),
    ("endpoint-deprecated", "deprecated the operation"),
    ("api-operation-id-removed", "changed the operationId from {from} to {to}"),
    ("api-tag-added", "added the tag {tag}"),
    ("api-tag-removed", "removed the tag {tag}"),
    ("new-request-path-parameter", "added the path parameter {param}"),
    ("new-required-request-parameter", "added the required {in} parameter {param}"),
    ("new-optional-request-parameter", "added the optional {in} parameter {param}"),
    ("request-parameter-removed", "removed the {in} parameter {param}"),
    ("request-parameter-became-required", "made the {in} parameter {param} required"),
    (
        "request-parameter-type-changed",
        "changed the type of the {in} parameter {param}{at} from {from} to {to}",
    ),
    (
        "request-parameter-enum-value-removed",
        "removed the enum values {values} of the {in} parameter {param}{at}",
    ),
    (
        "request-parameter-enum-value-added",
        "added the enum values {values} to the {in} parameter {param}{at}",
    ),
    ("request-parameter-became-enum", "restricted the {in} parameter {param}{at} to an enum"),
    (
        "request-parameter-max-length-decreased",
        "decreased the maxLength of the {in} parameter {param}{at} from {from} to {to}",
    ),
    (
        "request-parameter-min-increased",
        "increased the minimum of the {in} parameter {param}{at} from {from} to {to}",
    ),
    (
        "request-parameter-max-decreased",
        "decreased the maximum of the {in} parameter {param}{at} from {from} to {to}",
    ),
    (
        "request-parameter-pattern-added",
        "added the pattern {pattern} to the {in} parameter {param}{at}",
    ),
    ("request-path-parameter-renamed", "renamed the path parameter {from} to {to}"),
    ("request-body-added-required", "added a required request body"),
    ("request-body-became-required", "made the request body required"),
    ("request-body-removed", "removed the request body"),
    ("request-body-media-type-removed", "removed the media type {media} from the request body"),
    (
        "request-body-type-changed",
        "changed the type of the request body from {from} to {to}{origin}",
    ),
    (
        "request-body-one-of-removed",
        "removed the oneOf branches {values} of the request body{origin}",
    ),
    (
        "request-body-any-of-removed",
        "removed the anyOf branches {values} of the request body{origin}",
    ),
    (
        "request-body-enum-value-removed",
        "removed the enum values {values} of the request body{origin}",
    ),
    ("request-body-became-enum", "restricted the request body to an enum{origin}"),
    ("request-body-became-not-nullable", "made the request body not nullable{origin}"),
    (
        "request-body-max-length-decreased",
        "decreased the maxLength of the request body from {from} to {to}{origin}",
    ),
    ("new-required-request-property", "added the required request property {property}{origin}"),
    (
        "request-required-property-became-not-read-only",
        "made the required request property {property} writable: clients must now send it{origin}",
    ),
    ("new-optional-request-property", "added the optional request property {property}{origin}"),
    (
        "request-optional-property-became-not-read-only",
        "made the optional request property {property} writable{origin}",
    ),
    ("request-property-became-required", "made the request property {property} required{origin}"),
    ("request-property-became-optional", "made the request property {property} optional{origin}"),
    ("request-property-removed", "removed the request property {property}{origin}"),
    (
        "request-property-type-changed",
        "changed the type of the request property {property} from {from} to {to}{origin}",
    ),
    (
        "request-property-enum-value-removed",
        "removed the enum values {values} of the request property {property}{origin}",
    ),
    (
        "request-property-enum-value-added",
        "added the enum values {values} to the request property {property}{origin}",
    ),
    (
        "request-property-became-enum",
        "restricted the request property {property} to an enum{origin}",
    ),
    (
        "request-property-became-not-nullable",
        "made the request property {property} not nullable{origin}",
    ),
    ("request-property-became-nullable", "made the request property {property} nullable{origin}"),
    (
        "request-property-max-length-decreased",
        "decreased the maxLength of the request property {property} from {from} to {to}{origin}",
    ),
    (
        "request-property-pattern-added",
        "added the pattern {pattern} to the request property {property}{origin}",
    ),
    (
        "request-property-one-of-removed",
        "removed the oneOf branches {values} of the request property {property}{origin}",
    ),
    (
        "request-property-any-of-removed",
        "removed the anyOf branches {values} of the request property {property}{origin}",
    ),
    ("response-success-status-removed", "removed the success status {status}"),
    ("response-success-status-added", "added the success status {status}"),
    ("response-media-type-removed", "removed the media type {media} from {resp}"),
    (
        "response-required-property-removed",
        "removed the required property {property} from {resp}{origin}",
    ),
    (
        "response-optional-property-removed",
        "removed the optional property {property} from {resp}{origin}",
    ),
    (
        "response-required-property-added",
        "added the required property {property} to {resp}{origin}",
    ),
    (
        "response-optional-property-added",
        "added the optional property {property} to {resp}{origin}",
    ),
    (
        "response-property-became-optional",
        "made the property {property} of {resp} optional{origin}",
    ),
    (
        "response-property-became-required",
        "made the property {property} of {resp} required{origin}",
    ),
    (
        "response-property-became-nullable",
        "made the property {property} of {resp} nullable{origin}",
    ),
    (
        "response-property-became-not-nullable",
        "made the property {property} of {resp} not nullable{origin}",
    ),
    ("response-body-became-nullable", "made the body of {resp} nullable{origin}"),
    (
        "response-property-type-changed",
        "changed the type of the property {property} of {resp} from {from} to {to}{origin}",
    ),
    (
        "response-body-type-changed",
        "changed the type of the body of {resp} from {from} to {to}{origin}",
    ),
    (
        "response-property-enum-value-added",
        "added the enum values {values} to the property {property} of {resp}{origin}",
    ),
    (
        "response-property-enum-value-removed",
        "removed the enum values {values} of the property {property} of {resp}{origin}",
    ),
    (
        "response-property-one-of-added",
        "added the oneOf branches {values} to the property {property} of {resp}{origin}",
    ),
    (
        "response-body-one-of-added",
        "added the oneOf branches {values} to the body of {resp}{origin}",
    ),
    (
        "response-property-any-of-added",
        "added the anyOf branches {values} to the property {property} of {resp}{origin}",
    ),
    (
        "response-body-any-of-added",
        "added the anyOf branches {values} to the body of {resp}{origin}",
    ),
    ("required-response-header-removed", "removed the required header {header} from {resp}"),
    ("api-security-added", "added the security requirement {security}"),
    ("api-global-security-added", "added the global security requirement {security}"),
    ("api-schema-removed", "removed the component schema {schema}"),
    ("api-schema-added", "added the component schema {schema}"),
];

/// How a spec-given value is quoted in a message.
#[derive(Clone, Copy)]
enum Style {
    /// Markdown code span, fence chosen to fit.
    Markdown,
    /// `'value'`, as oasdiff's text output writes it.
    Plain,
}

/// The sentence for a finding, for Markdown (code spans).
#[must_use]
pub fn message(f: &Finding) -> String {
    render_message(f, Style::Markdown, false)
}

/// The sentence for a finding, for plain text and JSON (`'quoted'`).
#[must_use]
pub fn plain_message(f: &Finding) -> String {
    render_message(f, Style::Plain, false)
}

/// The sentence for the cause of a finding, without its endpoint: the
/// property as a path inside its component (`total`, not
/// `results[].total`), "responses" for "the `200` response". Plain style;
/// it is also the key that gathers alike changes made to many operations.
#[must_use]
pub fn cause_message(f: &Finding) -> String {
    render_message(f, Style::Plain, true)
}

/// [`cause_message`] for Markdown.
#[must_use]
pub fn cause_markdown(f: &Finding) -> String {
    render_message(f, Style::Markdown, true)
}

fn render_message(f: &Finding, style: Style, cause: bool) -> String {
    let quote = |s: &str| match style {
        Style::Markdown => code(s),
        Style::Plain => format!("'{s}'"),
    };
    let Some((_, template)) = MESSAGES.iter().find(|(id, _)| *id == f.rule_id) else {
        return f.rule_id.to_string();
    };
    // The cause of a change inside a component names the property as the
    // component has it.
    // A change at the root of a component (an enum component gaining a
    // value) names the component itself.
    let (property, origin) = match (cause, f.get("local"), f.get("component")) {
        (true, Some(""), Some(component)) => (component, None),
        (true, Some(local), component) => (local, component),
        (_, _, component) => (f.get("property").unwrap_or(""), component),
    };
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = *template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else { break };
        let key = &rest[start + 1..start + len];
        match key {
            "in" => out.push_str(f.get("in").unwrap_or("")),
            "at" => {
                if !property.is_empty() {
                    out.push_str(" at ");
                    out.push_str(&quote(property));
                }
            }
            "origin" => {
                if let Some(c) = origin {
                    out.push_str(" (in ");
                    out.push_str(&quote(c));
                    out.push(')');
                }
            }
            "resp" => match f.get("status") {
                Some(status) if !cause => {
                    out.push_str("the ");
                    out.push_str(&quote(status));
                    out.push_str(" response");
                }
                _ => out.push_str("responses"),
            },
            "property" => out.push_str(&quote(property)),
            _ => out.push_str(&quote(f.get(key).unwrap_or(""))),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// A Markdown code span that holds `s` verbatim, whatever backticks it has.
#[must_use]
pub fn code(s: &str) -> String {
    let fence = "`".repeat(longest_run(s, '`') + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        cur = if c == ch { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 breaking, 1 warning, 5 info`.
fn counts_text(r: &Report) -> String {
    let c = r.counts();
    format!("{} breaking, {}, {} info", c.error, plural(c.warning, "warning", "warnings"), c.info)
}

/// `2 breaking, 1 warning, 5 info from 3 causes`.
fn counts_with_causes(r: &Report, causes: usize) -> String {
    format!("{} from {}", counts_text(r), plural(causes, "cause", "causes"))
}

/// One line for logs: `billing: 2 breaking, 1 warning, 5 info; 3 files
/// changed`.
#[must_use]
pub fn summary_line(group: &str, report: &Report, files_changed: usize) -> String {
    format!("{group}: {}; {} changed", counts_text(report), plural(files_changed, "file", "files"))
}

/// The one-word verdict. A report with no finding but changed generated
/// files does not claim the API is unchanged: the files show a change no
/// rule describes.
fn verdict(r: &Report, files: &[FileChange]) -> &'static str {
    match r.max_level() {
        Some(Level::Err) => "BREAKING",
        Some(Level::Warn) => "WARNINGS",
        Some(Level::Info) => "COMPATIBLE",
        None if files.is_empty() => "NO API CHANGES",
        None => "NO RULE FINDINGS",
    }
}

// ---------------------------------------------------------------- JSON

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    schema_version: u32,
    tool: JsonTool,
    title: &'a str,
    base: JsonSide<'a>,
    revision: JsonSide<'a>,
    summary: JsonSummary,
    causes: Vec<JsonCause<'a>>,
    changes: Vec<JsonChange<'a>>,
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSide<'a> {
    label: &'a str,
    info_version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    error: usize,
    warning: usize,
    info: usize,
    breaking: bool,
    sdk_breaking: usize,
    files_changed: usize,
    causes: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCause<'a> {
    id: String,
    rule_id: &'static str,
    level: &'static str,
    level_num: u8,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_document: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    sdk_breaking: bool,
    endpoints: usize,
    findings: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonChange<'a> {
    id: &'static str,
    level: &'static str,
    level_num: u8,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_id: Option<&'a str>,
    pointer: &'a str,
    source_document: &'static str,
    source: &'a str,
    cause: String,
    attributes: BTreeMap<&'static str, &'a str>,
    sdk_breaking: bool,
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    status: &'static str,
    added: usize,
    removed: usize,
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Err => "error",
        Level::Warn => "warning",
        Level::Info => "info",
    }
}

/// `report.json`: the findings and file changes as data (layout:
/// `docs/report.schema.json`).
#[must_use]
pub fn render_json(report: &Report, labels: &Labels<'_>, files: &[FileChange]) -> String {
    let c = report.counts();
    let causes = report.causes();
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: JsonTool { name: "apigend", version: env!("CARGO_PKG_VERSION") },
        title: labels.title,
        base: JsonSide { label: labels.base, info_version: &report.base_version },
        revision: JsonSide { label: labels.revision, info_version: &report.revision_version },
        summary: JsonSummary {
            error: c.error,
            warning: c.warning,
            info: c.info,
            breaking: c.error > 0,
            sdk_breaking: c.sdk_breaking,
            files_changed: files.len(),
            causes: causes.len(),
        },
        causes: causes
            .iter()
            .map(|cause| {
                let f = cause.first();
                let in_component = f.source.starts_with("/components/");
                JsonCause {
                    id: cause.id.clone(),
                    rule_id: f.rule_id,
                    level: level_word(f.level),
                    level_num: f.level.num(),
                    text: cause_message(f),
                    component: f.get("component"),
                    source_document: in_component.then(|| f.side.as_str()),
                    source: in_component.then_some(f.source.as_str()),
                    sdk_breaking: f.sdk_breaking,
                    endpoints: cause.endpoints(),
                    findings: cause.findings.len(),
                }
            })
            .collect(),
        changes: report
            .findings
            .iter()
            .map(|f| JsonChange {
                id: f.rule_id,
                level: level_word(f.level),
                level_num: f.level.num(),
                text: plain_message(f),
                operation: f.method.as_deref(),
                path: f.path.as_deref(),
                endpoint_key: f.endpoint_key(),
                operation_id: f.operation_id.as_deref(),
                pointer: &f.pointer,
                source_document: f.side.as_str(),
                source: &f.source,
                cause: f.cause_id(),
                attributes: f.args.iter().map(|(k, v)| (*k, v.as_str())).collect(),
                sdk_breaking: f.sdk_breaking,
                fingerprint: f.fingerprint(),
            })
            .collect(),
        files: files
            .iter()
            .map(|f| JsonFile {
                path: &f.path,
                status: f.status.as_str(),
                added: f.added,
                removed: f.removed,
            })
            .collect(),
    };
    match serde_json::to_string_pretty(&doc) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // Plain data with string keys: serialisation cannot fail.
        Err(e) => format!("{{\"error\": \"report serialisation failed: {e}\"}}\n"),
    }
}

// ---------------------------------------------------------- Markdown, text

/// Causes of one level.
struct Section {
    heading: &'static str,
    causes: Vec<CauseView>,
}

/// One cause, ready to print: its line, and the endpoints it reaches (one
/// line each; collapsed in Markdown).
struct CauseView {
    line: String,
    endpoints: Vec<String>,
    /// Endpoints left out of the plain-text listing.
    more: usize,
}

/// Most endpoints the plain text lists under one cause; the rest are
/// counted, and `--format json` or `markdown` has them all.
const TEXT_ENDPOINTS: usize = 5;

/// Causes grouped by level, in report order; `md` picks Markdown or plain
/// wording.
fn sections(report: &Report, md: bool) -> Vec<Section> {
    let causes = report.causes();
    let mut out: Vec<Section> = Vec::new();
    for level in [Level::Err, Level::Warn, Level::Info] {
        let mut views = Vec::new();
        for c in causes.iter().filter(|c| c.first().level == level) {
            views.push(cause_view(c, md));
        }
        if !views.is_empty() {
            let heading = match (level, md) {
                (Level::Err, true) => "❌ Breaking (ERR)",
                (Level::Warn, true) => "⚠️ Warnings (WARN)",
                (Level::Info, true) => "ℹ️ Other changes (INFO)",
                (Level::Err, false) => "Breaking (ERR)",
                (Level::Warn, false) => "Warnings (WARN)",
                (Level::Info, false) => "Other changes (INFO)",
            };
            out.push(Section { heading, causes: views });
        }
    }
    out
}

fn cause_view(c: &Cause<'_>, md: bool) -> CauseView {
    let f = c.first();
    let n = c.endpoints();
    let reach = match (n, &f.method, &f.path) {
        (0, _, _) => String::new(),
        (1, Some(m), Some(p)) => {
            let e = format!("{m} {p}");
            if md { format!(": {}", code(&e)) } else { format!(": {e}") }
        }
        _ => format!(": {}", plural(n, "endpoint", "endpoints")),
    };
    let line = if md {
        let sdk = if f.sdk_breaking { " · SDK-breaking" } else { "" };
        format!("`{}` {}{reach}{sdk}", f.rule_id, cause_markdown(f))
    } else {
        let sdk = if f.sdk_breaking { " [sdk]" } else { "" };
        format!("{}: {}{reach}{sdk}", f.rule_id, cause_message(f))
    };
    // A cause that reaches one endpoint says which on its own line.
    let endpoints: Vec<String> = if n <= 1 && c.findings.len() == 1 {
        if md { vec![format!("fp `{}`", f.fingerprint())] } else { Vec::new() }
    } else {
        c.findings.iter().map(|f| finding_line(f, md)).collect()
    };
    let more = if md { 0 } else { endpoints.len().saturating_sub(TEXT_ENDPOINTS) };
    let endpoints =
        if md { endpoints } else { endpoints.into_iter().take(TEXT_ENDPOINTS).collect() };
    CauseView { line, endpoints, more }
}

/// One finding under its cause: the endpoint and the full sentence.
fn finding_line(f: &Finding, md: bool) -> String {
    let place = group_heading(f, md);
    if md {
        format!("{place}: {} · fp `{}`", message(f), f.fingerprint())
    } else {
        format!("{place}: {}", plain_message(f))
    }
}

fn group_heading(f: &Finding, md: bool) -> String {
    match (&f.method, &f.path) {
        (Some(m), Some(p)) => {
            let endpoint = format!("{m} {p}");
            let op = f.operation_id.as_deref();
            match (md, op) {
                (true, Some(op)) => format!("{} ({})", code(&endpoint), code(op)),
                (true, None) => code(&endpoint),
                (false, Some(op)) => format!("{endpoint} ({op})"),
                (false, None) => endpoint,
            }
        }
        _ => "document".to_string(),
    }
}

/// One changed file, ready to print.
struct FileView {
    path: String,
    raw: String,
    summary: String,
    status: &'static str,
    added: usize,
    removed: usize,
    fence: String,
    diff: String,
}

fn file_views(files: &[FileChange]) -> Vec<FileView> {
    files
        .iter()
        .map(|f| FileView {
            path: code(&f.path),
            raw: f.path.clone(),
            summary: html_escape(&f.path),
            status: f.status.as_str(),
            added: f.added,
            removed: f.removed,
            fence: "`".repeat(longest_run(&f.diff, '`').max(2) + 1),
            diff: f.diff.trim_end_matches('\n').to_string(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "report/report.md")]
struct MarkdownReport {
    title: String,
    base: String,
    revision: String,
    verdict: &'static str,
    counts: String,
    sdk_breaking: usize,
    sections: Vec<Section>,
    files: Vec<FileView>,
    empty_api: bool,
    unexplained: bool,
}

#[derive(Template)]
#[template(path = "report/report.txt")]
struct TextReport {
    title: String,
    base: String,
    revision: String,
    verdict: &'static str,
    counts: String,
    sdk_breaking: usize,
    sections: Vec<Section>,
    files: Vec<FileView>,
    empty_api: bool,
    unexplained: bool,
}

/// `REPORT.md`: verdict and counts, findings by level and endpoint, then the
/// changed files with collapsed unified diffs.
#[must_use]
pub fn render_markdown(report: &Report, labels: &Labels<'_>, files: &[FileChange]) -> String {
    let t = MarkdownReport {
        title: code_if_needed(labels.title),
        base: code(labels.base),
        revision: code(labels.revision),
        verdict: verdict(report, files),
        counts: counts_with_causes(report, report.causes().len()),
        sdk_breaking: report.counts().sdk_breaking,
        sections: sections(report, true),
        files: file_views(files),
        empty_api: report.is_empty() && files.is_empty(),
        unexplained: report.is_empty() && !files.is_empty(),
    };
    finish(t.render())
}

/// Plain text for a terminal or CI log (what `apigend diff` prints).
#[must_use]
pub fn render_text(report: &Report, labels: &Labels<'_>, files: &[FileChange]) -> String {
    let t = TextReport {
        title: labels.title.to_string(),
        base: labels.base.to_string(),
        revision: labels.revision.to_string(),
        verdict: verdict(report, files),
        counts: counts_with_causes(report, report.causes().len()),
        sdk_breaking: report.counts().sdk_breaking,
        sections: sections(report, false),
        files: file_views(files),
        empty_api: report.is_empty() && files.is_empty(),
        unexplained: report.is_empty() && !files.is_empty(),
    };
    finish(t.render())
}

/// Output formats of a diff report (`apigend diff --format`, and `apigend
/// check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Plain text, causes first, for a terminal or a CI log.
    #[default]
    Text,
    /// The `REPORT.md` layout.
    Markdown,
    /// The `report.json` layout (`docs/report.schema.json`).
    Json,
    /// GitHub Actions workflow commands: one `::error` (ERR) or `::warning`
    /// (WARN) annotation per cause, with the spec's `file` and `line` where
    /// known, then the verdict line. The caller appends the Markdown report
    /// to `$GITHUB_STEP_SUMMARY` (`diff::cli::append_step_summary`).
    Github,
}

/// A document a report was computed from, for annotations that point into
/// it.
#[derive(Debug, Clone, Copy)]
pub struct SpecFile<'a> {
    /// The path the annotation names (as given on the command line, so
    /// relative to the repository in CI).
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// What a rendering needs beside the report.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Title and the two sides' names.
    pub labels: Labels<'a>,
    /// Changed generated files (empty for `apigend diff`).
    pub files: &'a [FileChange],
    /// The base document, when the caller has its text.
    pub base: Option<SpecFile<'a>>,
    /// The revision, when the caller has its text.
    pub revision: Option<SpecFile<'a>>,
}

/// The report in `format`: the one entry point for `apigend diff` and
/// `apigend check`.
#[must_use]
pub fn render(report: &Report, format: Format, ctx: &Context<'_>) -> String {
    match format {
        Format::Text => render_text(report, &ctx.labels, ctx.files),
        Format::Markdown => render_markdown(report, &ctx.labels, ctx.files),
        Format::Json => render_json(report, &ctx.labels, ctx.files),
        Format::Github => render_github(report, ctx),
    }
}

/// Most endpoints an annotation names; the step summary lists them all.
const ANNOTATION_ENDPOINTS: usize = 5;

/// GitHub workflow commands: an annotation per ERR and WARN cause (INFO
/// causes are counted in the last line, not annotated: an annotation asks
/// for attention), then the verdict.
#[must_use]
pub fn render_github(report: &Report, ctx: &Context<'_>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let causes = report.causes();
    for c in &causes {
        let f = c.first();
        let command = match f.level {
            Level::Err => "error",
            Level::Warn => "warning",
            Level::Info => continue,
        };
        let doc = match f.side {
            super::Side::Base => ctx.base,
            super::Side::Revision => ctx.revision,
        };
        let mut props = vec![];
        if let Some(doc) = doc {
            props.push(format!("file={}", escape_property(doc.path)));
            if let Some(line) = super::locate::line_of(doc.text, &f.source) {
                props.push(format!("line={line}"));
            }
        }
        props.push(format!("title={}", escape_property(f.rule_id)));
        let mut text = cause_message(f);
        let mut endpoints: Vec<String> = c
            .findings
            .iter()
            .filter_map(|f| Some(format!("{} {}", f.method.as_deref()?, f.path.as_deref()?)))
            .collect();
        endpoints.dedup();
        if !endpoints.is_empty() {
            let shown: Vec<&str> =
                endpoints.iter().take(ANNOTATION_ENDPOINTS).map(String::as_str).collect();
            let _ = write!(
                text,
                " ({}: {}",
                plural(endpoints.len(), "endpoint", "endpoints"),
                shown.join(", ")
            );
            if endpoints.len() > ANNOTATION_ENDPOINTS {
                let _ = write!(text, ", and {} more", endpoints.len() - ANNOTATION_ENDPOINTS);
            }
            text.push(')');
        }
        let _ = writeln!(out, "::{command} {}::{}", props.join(","), escape_data(&text));
    }
    let _ = writeln!(
        out,
        "apigend diff {} -> {}: {}: {}",
        ctx.labels.base,
        ctx.labels.revision,
        verdict(report, ctx.files),
        counts_with_causes(report, causes.len())
    );
    out
}

/// A workflow command's message: `%`, CR and LF escaped (GitHub's
/// `escapeData`), so a spec cannot end the command or start another.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], plus `:` and
/// `,` (GitHub's `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A title is our label or a spec's `info.title`: plain words stay plain,
/// anything Markdown could read as markup goes in a code span.
fn code_if_needed(s: &str) -> String {
    if s.chars().all(|c| c.is_alphanumeric() || " -_.".contains(c)) {
        s.to_string()
    } else {
        code(s)
    }
}

/// askama trims the final newline; a report file ends with one. A render
/// error (impossible for these plain-data templates) is reported in place
/// of the report rather than panicking.
fn finish(r: askama::Result<String>) -> String {
    match r {
        Ok(mut s) => {
            let trimmed = s.trim_end_matches('\n').len();
            s.truncate(trimmed);
            s.push('\n');
            s
        }
        Err(e) => format!("report rendering failed: {e}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn every_rule_has_a_message() {
        for r in super::super::rules::registry() {
            assert!(MESSAGES.iter().any(|(id, _)| *id == r.id), "no message for {}", r.id);
        }
        for (id, _) in MESSAGES {
            assert!(
                super::super::rules::registry().iter().any(|r| r.id == *id),
                "message for unknown rule {id}"
            );
        }
    }

    #[test]
    fn workflow_commands_cannot_be_injected() {
        assert_eq!(escape_data("a\n::error::x%"), "a%0A::error::x%25");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn summary_line_counts() {
        let r = Report::default();
        assert_eq!(
            summary_line("billing", &r, 1),
            "billing: 0 breaking, 0 warnings, 0 info; 1 file changed"
        );
    }
}
