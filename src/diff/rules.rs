//! The rule registry: every breaking-change rule, one per file under
//! `rules/`, listed once in [`RULES`] in report order (oasdiff's
//! `checker/rules.go`, ripgrep's `FLAGS`).
//!
//! Rules are data: a row of [`RULES`] holds the id, level and SDK flag; the
//! rule's file holds only its check and the doc comment that says why the
//! level is what it is. A check reads the structural [`ApiDiff`] and returns
//! [`Finding`]s: where (endpoint pointer and `source`) and the facts, no
//! prose (that is `report.rs`). Ids are kebab-case in oasdiff's vocabulary
//! and never renamed once released; levels and SDK flags follow the table of
//! research §1.7 ("Ours" column), and oasdiff's where it says nothing. The
//! rows of that table that name a family become one rule per id. Additions
//! (`response-optional-property-added`, `api-schema-added`, …) are rules
//! too, at INFO: a report that shows a change must not say there is none.
//!
//! Direction decides the level: narrowing what a client may send breaks it
//! (`request-*` removals, new requirements, tighter constraints), and so
//! does widening what it may receive (`response-*` additions of values,
//! branches, `null`, optionality).

use super::{ApiDiff, Endpoint, EndpointDiff, Finding, Level, MediaDiff, Param, ResponseDiff};
use super::{RemovedEndpoint, SchemaChange, SchemaChangeKind, Side};
use crate::spec::escape_pointer;

/// One rule: its identity and judgement as data, its check in its own file.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    /// Stable kebab-case id (`response-required-property-removed`).
    pub(crate) id: &'static str,
    /// How much a finding of this rule matters.
    pub(crate) level: Level,
    /// Whether its findings break generated client code (the `SDK` column of
    /// research §1.7), even where the wire still works.
    pub(crate) sdk_breaking: bool,
    /// The findings in a diff; id, level and SDK flag are stamped by the
    /// caller from this row.
    pub(crate) check: fn(&ApiDiff) -> Vec<Finding>,
}

/// A row of [`RULES`].
const fn rule(
    id: &'static str,
    level: Level,
    sdk_breaking: bool,
    check: fn(&ApiDiff) -> Vec<Finding>,
) -> Rule {
    Rule { id, level, sdk_breaking, check }
}

mod api_global_security_added;
mod api_operation_id_removed;
mod api_path_removed_with_deprecation;
mod api_path_removed_without_deprecation;
mod api_removed_before_sunset;
mod api_removed_with_deprecation;
mod api_removed_without_deprecation;
mod api_schema_added;
mod api_schema_removed;
mod api_security_added;
mod api_tag_added;
mod api_tag_removed;
mod endpoint_added;
mod endpoint_deprecated;
mod new_optional_request_parameter;
mod new_optional_request_property;
mod new_request_path_parameter;
mod new_required_request_parameter;
mod new_required_request_property;
mod request_body_added_required;
mod request_body_any_of_removed;
mod request_body_became_enum;
mod request_body_became_not_nullable;
mod request_body_became_required;
mod request_body_enum_value_removed;
mod request_body_max_length_decreased;
mod request_body_media_type_removed;
mod request_body_one_of_removed;
mod request_body_removed;
mod request_body_type_changed;
mod request_optional_property_became_not_read_only;
mod request_parameter_became_enum;
mod request_parameter_became_required;
mod request_parameter_enum_value_added;
mod request_parameter_enum_value_removed;
mod request_parameter_max_decreased;
mod request_parameter_max_length_decreased;
mod request_parameter_min_increased;
mod request_parameter_pattern_added;
mod request_parameter_removed;
mod request_parameter_type_changed;
mod request_path_parameter_renamed;
mod request_property_any_of_removed;
mod request_property_became_enum;
mod request_property_became_not_nullable;
mod request_property_became_nullable;
mod request_property_became_optional;
mod request_property_became_required;
mod request_property_enum_value_added;
mod request_property_enum_value_removed;
mod request_property_max_length_decreased;
mod request_property_one_of_removed;
mod request_property_pattern_added;
mod request_property_removed;
mod request_property_type_changed;
mod request_required_property_became_not_read_only;
mod required_response_header_removed;
mod response_body_any_of_added;
mod response_body_became_nullable;
mod response_body_one_of_added;
mod response_body_type_changed;
mod response_media_type_removed;
mod response_optional_property_added;
mod response_optional_property_removed;
mod response_property_any_of_added;
mod response_property_became_not_nullable;
mod response_property_became_nullable;
mod response_property_became_optional;
mod response_property_became_required;
mod response_property_enum_value_added;
mod response_property_enum_value_removed;
mod response_property_one_of_added;
mod response_property_type_changed;
mod response_required_property_added;
mod response_required_property_removed;
mod response_success_status_added;
mod response_success_status_removed;
mod sunset_deleted;

/// Every rule, in report order: the rows of research §1.7 top to bottom.
pub(crate) const RULES: &[Rule] = &[
    // Endpoints and their lifecycle (rows 1–6).
    rule(
        "api-path-removed-without-deprecation",
        Level::Err,
        true,
        api_path_removed_without_deprecation::check,
    ),
    rule(
        "api-removed-without-deprecation",
        Level::Err,
        true,
        api_removed_without_deprecation::check,
    ),
    rule("api-removed-with-deprecation", Level::Info, true, api_removed_with_deprecation::check),
    rule(
        "api-path-removed-with-deprecation",
        Level::Info,
        true,
        api_path_removed_with_deprecation::check,
    ),
    rule("api-removed-before-sunset", Level::Err, false, api_removed_before_sunset::check),
    rule("sunset-deleted", Level::Err, false, sunset_deleted::check),
    rule("endpoint-added", Level::Info, false, endpoint_added::check),
    rule("endpoint-deprecated", Level::Info, false, endpoint_deprecated::check),
    // Operation metadata that names generated code (rows 7–8).
    rule("api-operation-id-removed", Level::Warn, true, api_operation_id_removed::check),
    rule("api-tag-added", Level::Warn, true, api_tag_added::check),
    rule("api-tag-removed", Level::Warn, true, api_tag_removed::check),
    // Parameters (rows 9–17).
    rule("new-request-path-parameter", Level::Err, true, new_request_path_parameter::check),
    rule("new-required-request-parameter", Level::Err, true, new_required_request_parameter::check),
    rule(
        "new-optional-request-parameter",
        Level::Info,
        false,
        new_optional_request_parameter::check,
    ),
    rule("request-parameter-removed", Level::Warn, true, request_parameter_removed::check),
    rule(
        "request-parameter-became-required",
        Level::Err,
        true,
        request_parameter_became_required::check,
    ),
    rule("request-parameter-type-changed", Level::Err, true, request_parameter_type_changed::check),
    rule(
        "request-parameter-enum-value-removed",
        Level::Err,
        true,
        request_parameter_enum_value_removed::check,
    ),
    rule(
        "request-parameter-enum-value-added",
        Level::Info,
        false,
        request_parameter_enum_value_added::check,
    ),
    rule("request-parameter-became-enum", Level::Err, true, request_parameter_became_enum::check),
    rule(
        "request-parameter-max-length-decreased",
        Level::Err,
        false,
        request_parameter_max_length_decreased::check,
    ),
    rule(
        "request-parameter-min-increased",
        Level::Err,
        false,
        request_parameter_min_increased::check,
    ),
    rule(
        "request-parameter-max-decreased",
        Level::Err,
        false,
        request_parameter_max_decreased::check,
    ),
    rule(
        "request-parameter-pattern-added",
        Level::Err,
        false,
        request_parameter_pattern_added::check,
    ),
    rule(
        "request-path-parameter-renamed",
        Level::Info,
        true,
        request_path_parameter_renamed::check,
    ),
    // Request bodies (rows 18–26).
    rule("request-body-added-required", Level::Err, true, request_body_added_required::check),
    rule("request-body-became-required", Level::Err, true, request_body_became_required::check),
    rule("request-body-removed", Level::Err, true, request_body_removed::check),
    rule(
        "request-body-media-type-removed",
        Level::Err,
        true,
        request_body_media_type_removed::check,
    ),
    rule("request-body-type-changed", Level::Err, true, request_body_type_changed::check),
    rule("request-body-one-of-removed", Level::Err, false, request_body_one_of_removed::check),
    rule("request-body-any-of-removed", Level::Err, false, request_body_any_of_removed::check),
    rule(
        "request-body-enum-value-removed",
        Level::Err,
        false,
        request_body_enum_value_removed::check,
    ),
    rule("request-body-became-enum", Level::Err, false, request_body_became_enum::check),
    rule(
        "request-body-became-not-nullable",
        Level::Err,
        false,
        request_body_became_not_nullable::check,
    ),
    rule(
        "request-body-max-length-decreased",
        Level::Err,
        false,
        request_body_max_length_decreased::check,
    ),
    rule("new-required-request-property", Level::Err, true, new_required_request_property::check),
    rule(
        "request-required-property-became-not-read-only",
        Level::Err,
        false,
        request_required_property_became_not_read_only::check,
    ),
    rule("new-optional-request-property", Level::Info, false, new_optional_request_property::check),
    rule(
        "request-optional-property-became-not-read-only",
        Level::Info,
        false,
        request_optional_property_became_not_read_only::check,
    ),
    rule(
        "request-property-became-required",
        Level::Err,
        true,
        request_property_became_required::check,
    ),
    rule(
        "request-property-became-optional",
        Level::Info,
        false,
        request_property_became_optional::check,
    ),
    rule("request-property-removed", Level::Warn, true, request_property_removed::check),
    rule("request-property-type-changed", Level::Err, true, request_property_type_changed::check),
    rule(
        "request-property-enum-value-removed",
        Level::Err,
        true,
        request_property_enum_value_removed::check,
    ),
    rule(
        "request-property-enum-value-added",
        Level::Info,
        false,
        request_property_enum_value_added::check,
    ),
    rule("request-property-became-enum", Level::Err, true, request_property_became_enum::check),
    rule(
        "request-property-became-not-nullable",
        Level::Err,
        true,
        request_property_became_not_nullable::check,
    ),
    rule(
        "request-property-became-nullable",
        Level::Info,
        false,
        request_property_became_nullable::check,
    ),
    rule(
        "request-property-max-length-decreased",
        Level::Err,
        false,
        request_property_max_length_decreased::check,
    ),
    rule(
        "request-property-pattern-added",
        Level::Err,
        false,
        request_property_pattern_added::check,
    ),
    rule(
        "request-property-one-of-removed",
        Level::Err,
        false,
        request_property_one_of_removed::check,
    ),
    rule(
        "request-property-any-of-removed",
        Level::Err,
        false,
        request_property_any_of_removed::check,
    ),
    // Responses (rows 27–35).
    rule(
        "response-success-status-removed",
        Level::Err,
        true,
        response_success_status_removed::check,
    ),
    rule("response-success-status-added", Level::Info, false, response_success_status_added::check),
    rule("response-media-type-removed", Level::Err, true, response_media_type_removed::check),
    rule(
        "response-required-property-removed",
        Level::Err,
        true,
        response_required_property_removed::check,
    ),
    rule(
        "response-optional-property-removed",
        Level::Warn,
        true,
        response_optional_property_removed::check,
    ),
    rule(
        "response-required-property-added",
        Level::Info,
        false,
        response_required_property_added::check,
    ),
    rule(
        "response-optional-property-added",
        Level::Info,
        false,
        response_optional_property_added::check,
    ),
    rule(
        "response-property-became-optional",
        Level::Err,
        true,
        response_property_became_optional::check,
    ),
    rule(
        "response-property-became-required",
        Level::Info,
        false,
        response_property_became_required::check,
    ),
    rule(
        "response-property-became-nullable",
        Level::Err,
        true,
        response_property_became_nullable::check,
    ),
    rule(
        "response-property-became-not-nullable",
        Level::Info,
        false,
        response_property_became_not_nullable::check,
    ),
    rule("response-body-became-nullable", Level::Err, true, response_body_became_nullable::check),
    rule("response-property-type-changed", Level::Err, true, response_property_type_changed::check),
    rule("response-body-type-changed", Level::Err, true, response_body_type_changed::check),
    rule(
        "response-property-enum-value-added",
        Level::Warn,
        true,
        response_property_enum_value_added::check,
    ),
    rule(
        "response-property-enum-value-removed",
        Level::Info,
        false,
        response_property_enum_value_removed::check,
    ),
    rule("response-property-one-of-added", Level::Err, true, response_property_one_of_added::check),
    rule("response-body-one-of-added", Level::Err, true, response_body_one_of_added::check),
    rule("response-property-any-of-added", Level::Err, true, response_property_any_of_added::check),
    rule("response-body-any-of-added", Level::Err, true, response_body_any_of_added::check),
    rule(
        "required-response-header-removed",
        Level::Err,
        true,
        required_response_header_removed::check,
    ),
    // Security and components (row 36).
    rule("api-security-added", Level::Warn, false, api_security_added::check),
    rule("api-global-security-added", Level::Warn, false, api_global_security_added::check),
    rule("api-schema-removed", Level::Warn, true, api_schema_removed::check),
    rule("api-schema-added", Level::Info, false, api_schema_added::check),
];

/// What a rule is, for listings and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Its id.
    pub id: &'static str,
    /// Its level.
    pub level: Level,
    /// Its SDK flag.
    pub sdk_breaking: bool,
}

/// Every rule in report order.
#[must_use]
pub fn registry() -> Vec<RuleInfo> {
    RULES
        .iter()
        .map(|r| RuleInfo { id: r.id, level: r.level, sdk_breaking: r.sdk_breaking })
        .collect()
}

// Helpers the rules share: where a finding points and which facts it names.

/// `/paths/~1pets~1{id}/get`.
pub(crate) fn op_pointer(e: &Endpoint) -> String {
    format!("/paths/{}/{}", escape_pointer(&e.path), e.method.to_ascii_lowercase())
}

/// The operation as the base document has it (its path template may differ
/// from the revision's by a renamed path parameter).
pub(crate) fn old_op_pointer(e: &EndpointDiff) -> String {
    format!("/paths/{}/{}", escape_pointer(&e.old_path), e.endpoint.method.to_ascii_lowercase())
}

/// A finding about a whole endpoint of the revision.
pub(crate) fn at_endpoint(e: &Endpoint) -> Finding {
    let at = op_pointer(e);
    Finding::new().at(e).pointer(at.clone()).source(Side::Revision, at)
}

/// A finding about something inside an endpoint both documents have:
/// `suffix` below the operation, in the base when `side` says so.
pub(crate) fn in_endpoint(e: &EndpointDiff, side: Side, suffix: &str) -> Finding {
    let source = match side {
        Side::Base => old_op_pointer(e),
        Side::Revision => op_pointer(&e.endpoint),
    };
    at_endpoint(&e.endpoint)
        .pointer(format!("{}{suffix}", op_pointer(&e.endpoint)))
        .source(side, format!("{source}{suffix}"))
}

/// A finding about a removed endpoint (located in the base document).
pub(crate) fn removed(r: &RemovedEndpoint) -> Finding {
    let at = op_pointer(&r.endpoint);
    at_endpoint(&r.endpoint).source(Side::Base, at)
}

/// The sunset date of a removed operation is still ahead. Dates compare as
/// `YYYY-MM-DD` text (an RFC 3339 time is cut to its date); without `today`
/// the check is off.
pub(crate) fn before_sunset(d: &ApiDiff, r: &RemovedEndpoint) -> bool {
    match (&d.today, &r.endpoint.sunset) {
        (Some(today), Some(sunset)) => {
            let date = |s: &str| s.chars().take(10).collect::<String>();
            date(sunset) > date(today)
        }
        _ => false,
    }
}

/// A finding about a parameter (of the revision; the base's for a removed
/// one, by `side`).
pub(crate) fn at_param(e: &EndpointDiff, p: &Param, side: Side) -> Finding {
    at_endpoint(&e.endpoint)
        .pointer(format!(
            "{}/parameters/{}/{}",
            op_pointer(&e.endpoint),
            p.location,
            escape_pointer(&p.name)
        ))
        .source(side, p.at.clone())
        .arg("param", p.name.clone())
        .arg("in", p.location.clone())
}

/// A finding about a parameter's schema.
pub(crate) fn at_param_schema(e: &EndpointDiff, p: &Param, c: &SchemaChange) -> Finding {
    let f = at_param(e, p, Side::Revision);
    let pointer = format!("{}/schema{}", f.pointer, c.pointer_suffix());
    with_origin(f.pointer(pointer), c)
}

/// A finding inside a request body schema.
pub(crate) fn at_request(e: &EndpointDiff, m: &MediaDiff, c: &SchemaChange) -> Finding {
    let pointer = format!(
        "{}/requestBody/content/{}/schema{}",
        op_pointer(&e.endpoint),
        escape_pointer(&m.media),
        c.pointer_suffix()
    );
    let f = at_endpoint(&e.endpoint)
        .pointer(pointer)
        .arg("media", m.media.clone())
        .arg("property", c.property());
    with_origin(f, c)
}

/// A finding inside a response body schema.
pub(crate) fn at_response(
    e: &EndpointDiff,
    r: &ResponseDiff,
    m: &MediaDiff,
    c: &SchemaChange,
) -> Finding {
    let pointer = format!(
        "{}/responses/{}/content/{}/schema{}",
        op_pointer(&e.endpoint),
        escape_pointer(&r.status),
        escape_pointer(&m.media),
        c.pointer_suffix()
    );
    let f = at_endpoint(&e.endpoint)
        .pointer(pointer)
        .arg("status", r.status.clone())
        .arg("media", m.media.clone())
        .arg("property", c.property());
    with_origin(f, c)
}

/// Names the component a schema change happened in, when there is one (and
/// the property's path inside it, for the cause line), and takes the
/// change's own place as the source.
fn with_origin(f: Finding, c: &SchemaChange) -> Finding {
    let (side, at) = c.source();
    let f = f.source(side, at);
    match &c.origin {
        Some(o) => f.arg("component", o.clone()).arg("local", c.local_property()),
        None => f,
    }
}

/// Request body (`body`) or request property changes picked by `pick`,
/// which returns the facts of a matching change.
pub(crate) fn in_requests(
    d: &ApiDiff,
    body: bool,
    pick: impl Fn(&SchemaChangeKind) -> Option<Vec<(&'static str, String)>>,
) -> Vec<Finding> {
    d.request_body_changes()
        .filter(|(_, _, c)| c.is_property() != body)
        .filter_map(|(e, m, c)| {
            let facts = pick(&c.kind)?;
            Some(facts.into_iter().fold(at_request(e, m, c), |f, (k, v)| f.arg(k, v)))
        })
        .collect()
}

/// Response body (`body`) or response property changes picked by `pick`.
pub(crate) fn in_responses(
    d: &ApiDiff,
    body: bool,
    pick: impl Fn(&SchemaChangeKind) -> Option<Vec<(&'static str, String)>>,
) -> Vec<Finding> {
    d.response_body_changes()
        .filter(|(_, _, _, c)| c.is_property() != body)
        .filter_map(|(e, r, m, c)| {
            let facts = pick(&c.kind)?;
            Some(facts.into_iter().fold(at_response(e, r, m, c), |f, (k, v)| f.arg(k, v)))
        })
        .collect()
}

/// Parameter schema changes picked by `pick`.
pub(crate) fn in_parameters(
    d: &ApiDiff,
    pick: impl Fn(&SchemaChangeKind) -> Option<Vec<(&'static str, String)>>,
) -> Vec<Finding> {
    d.parameter_schema_changes()
        .filter_map(|(e, p, c)| {
            let facts = pick(&c.kind)?;
            let f = at_param_schema(e, &p.param, c).arg("property", c.property());
            Some(facts.into_iter().fold(f, |f, (k, v)| f.arg(k, v)))
        })
        .collect()
}

/// `a, b, c` for lists in args.
pub(crate) fn list(values: &[String]) -> String {
    values.join(", ")
}

/// A number as the spec would write it (`5`, not `5.0`).
pub(crate) fn num(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(
        || v.to_string(),
        |n| {
            n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map_or(n.to_string(), |f| {
                #[allow(clippy::cast_possible_truncation)] // integral and in range, checked above
                let i = f as i64;
                i.to_string()
            })
        },
    )
}

/// `number` → `integer`: every integer is a number, so a reader of the old
/// type reads the new one (and a sender of the new one, `integer` →
/// `number` the other way round, sends what the old accepted). The type
/// rules do not report it in the direction where it narrows.
pub(crate) fn narrows_number(from: &str, to: &str) -> bool {
    from == "number" && to == "integer"
}
