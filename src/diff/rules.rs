//! The rule registry: every breaking-change rule, one per file under
//! `rules/`, listed once in [`RULES`] in report order (oasdiff's
//! `checker/rules.go`, ripgrep's `FLAGS`).
//!
//! A rule reads the structural [`ApiDiff`] and returns [`Finding`]s: where
//! and the facts, no prose (that is `report.rs`). Its id is kebab-case in
//! oasdiff's vocabulary and is never renamed once released; its level and
//! SDK flag follow the table of research §1.7 ("Ours" column). The rows of
//! that table that name a family become one rule per id.
//!
//! Direction decides the level: narrowing what a client may send breaks it
//! (`request-*` removals, new requirements, tighter constraints), and so
//! does widening what it may receive (`response-*` additions of values,
//! branches, `null`, optionality).

use super::{ApiDiff, Endpoint, EndpointDiff, Finding, Level, MediaDiff, Param, ResponseDiff};
use super::{RemovedEndpoint, SchemaChange};
use crate::spec::escape_pointer;

/// One breaking-change rule.
pub trait Rule: Sync {
    /// Stable kebab-case id (`response-required-property-removed`).
    fn id(&self) -> &'static str;
    /// How much a finding of this rule matters.
    fn level(&self) -> Level;
    /// Whether its findings break generated client code (the `SDK` column of
    /// research §1.7), even where the wire still works.
    fn sdk_breaking(&self) -> bool;
    /// The findings in `d`. Level and SDK flag are stamped by the caller.
    fn check(&self, d: &ApiDiff) -> Vec<Finding>;
}

mod api_global_security_added;
mod api_operation_id_removed;
mod api_path_removed_with_deprecation;
mod api_path_removed_without_deprecation;
mod api_removed_before_sunset;
mod api_removed_with_deprecation;
mod api_removed_without_deprecation;
mod api_schema_removed;
mod api_security_added;
mod api_tag_added;
mod api_tag_removed;
mod endpoint_added;
mod endpoint_deprecated;
mod new_optional_request_parameter;
mod new_request_path_parameter;
mod new_required_request_parameter;
mod new_required_request_property;
mod request_body_added_required;
mod request_body_became_required;
mod request_body_media_type_removed;
mod request_body_removed;
mod request_parameter_became_enum;
mod request_parameter_became_required;
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
mod request_property_became_required;
mod request_property_enum_value_removed;
mod request_property_max_length_decreased;
mod request_property_one_of_removed;
mod request_property_pattern_added;
mod request_property_removed;
mod request_property_type_changed;
mod required_response_header_removed;
mod response_body_became_nullable;
mod response_body_one_of_added;
mod response_body_type_changed;
mod response_media_type_removed;
mod response_optional_property_removed;
mod response_property_became_nullable;
mod response_property_became_optional;
mod response_property_enum_value_added;
mod response_property_one_of_added;
mod response_property_type_changed;
mod response_required_property_removed;
mod response_success_status_removed;
mod sunset_deleted;

/// Every rule, in report order: the rows of research §1.7 top to bottom.
pub(crate) const RULES: &[&dyn Rule] = &[
    // Endpoints and their lifecycle (rows 1–6).
    &api_path_removed_without_deprecation::ApiPathRemovedWithoutDeprecation,
    &api_removed_without_deprecation::ApiRemovedWithoutDeprecation,
    &api_removed_with_deprecation::ApiRemovedWithDeprecation,
    &api_path_removed_with_deprecation::ApiPathRemovedWithDeprecation,
    &api_removed_before_sunset::ApiRemovedBeforeSunset,
    &sunset_deleted::SunsetDeleted,
    &endpoint_added::EndpointAdded,
    &endpoint_deprecated::EndpointDeprecated,
    // Operation metadata that names generated code (rows 7–8).
    &api_operation_id_removed::ApiOperationIdRemoved,
    &api_tag_added::ApiTagAdded,
    &api_tag_removed::ApiTagRemoved,
    // Parameters (rows 9–17).
    &new_request_path_parameter::NewRequestPathParameter,
    &new_required_request_parameter::NewRequiredRequestParameter,
    &new_optional_request_parameter::NewOptionalRequestParameter,
    &request_parameter_removed::RequestParameterRemoved,
    &request_parameter_became_required::RequestParameterBecameRequired,
    &request_parameter_type_changed::RequestParameterTypeChanged,
    &request_parameter_enum_value_removed::RequestParameterEnumValueRemoved,
    &request_parameter_became_enum::RequestParameterBecameEnum,
    &request_parameter_max_length_decreased::RequestParameterMaxLengthDecreased,
    &request_parameter_min_increased::RequestParameterMinIncreased,
    &request_parameter_max_decreased::RequestParameterMaxDecreased,
    &request_parameter_pattern_added::RequestParameterPatternAdded,
    &request_path_parameter_renamed::RequestPathParameterRenamed,
    // Request bodies (rows 18–26).
    &request_body_added_required::RequestBodyAddedRequired,
    &request_body_became_required::RequestBodyBecameRequired,
    &request_body_removed::RequestBodyRemoved,
    &request_body_media_type_removed::RequestBodyMediaTypeRemoved,
    &new_required_request_property::NewRequiredRequestProperty,
    &request_property_became_required::RequestPropertyBecameRequired,
    &request_property_removed::RequestPropertyRemoved,
    &request_property_type_changed::RequestPropertyTypeChanged,
    &request_property_enum_value_removed::RequestPropertyEnumValueRemoved,
    &request_property_became_enum::RequestPropertyBecameEnum,
    &request_property_became_not_nullable::RequestPropertyBecameNotNullable,
    &request_property_max_length_decreased::RequestPropertyMaxLengthDecreased,
    &request_property_pattern_added::RequestPropertyPatternAdded,
    &request_property_one_of_removed::RequestPropertyOneOfRemoved,
    &request_property_any_of_removed::RequestPropertyAnyOfRemoved,
    // Responses (rows 27–35).
    &response_success_status_removed::ResponseSuccessStatusRemoved,
    &response_media_type_removed::ResponseMediaTypeRemoved,
    &response_required_property_removed::ResponseRequiredPropertyRemoved,
    &response_optional_property_removed::ResponseOptionalPropertyRemoved,
    &response_property_became_optional::ResponsePropertyBecameOptional,
    &response_property_became_nullable::ResponsePropertyBecameNullable,
    &response_body_became_nullable::ResponseBodyBecameNullable,
    &response_property_type_changed::ResponsePropertyTypeChanged,
    &response_body_type_changed::ResponseBodyTypeChanged,
    &response_property_enum_value_added::ResponsePropertyEnumValueAdded,
    &response_property_one_of_added::ResponsePropertyOneOfAdded,
    &response_body_one_of_added::ResponseBodyOneOfAdded,
    &required_response_header_removed::RequiredResponseHeaderRemoved,
    // Security and components (row 36).
    &api_security_added::ApiSecurityAdded,
    &api_global_security_added::ApiGlobalSecurityAdded,
    &api_schema_removed::ApiSchemaRemoved,
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
        .map(|r| RuleInfo { id: r.id(), level: r.level(), sdk_breaking: r.sdk_breaking() })
        .collect()
}

// Helpers the rules share: where a finding points and which facts it names.

/// `/paths/~1pets~1{id}/get`.
pub(crate) fn op_pointer(e: &Endpoint) -> String {
    format!("/paths/{}/{}", escape_pointer(&e.path), e.method.to_ascii_lowercase())
}

/// A finding about a whole endpoint.
pub(crate) fn at_endpoint(id: &'static str, e: &Endpoint) -> Finding {
    Finding::new(id).at(e).pointer(op_pointer(e))
}

/// A finding about a removed endpoint (located in the base document).
pub(crate) fn removed(id: &'static str, r: &RemovedEndpoint) -> Finding {
    at_endpoint(id, &r.endpoint)
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

/// A finding about a parameter.
pub(crate) fn at_param(id: &'static str, e: &EndpointDiff, p: &Param) -> Finding {
    at_endpoint(id, &e.endpoint)
        .pointer(format!(
            "{}/parameters/{}/{}",
            op_pointer(&e.endpoint),
            p.location,
            escape_pointer(&p.name)
        ))
        .arg("param", p.name.clone())
        .arg("in", p.location.clone())
}

/// A finding about a parameter's schema.
pub(crate) fn at_param_schema(
    id: &'static str,
    e: &EndpointDiff,
    p: &Param,
    c: &SchemaChange,
) -> Finding {
    let f = at_param(id, e, p);
    let pointer = format!("{}/schema{}", f.pointer, c.pointer_suffix());
    with_origin(f.pointer(pointer), c)
}

/// A finding inside a request body schema.
pub(crate) fn at_request(
    id: &'static str,
    e: &EndpointDiff,
    m: &MediaDiff,
    c: &SchemaChange,
) -> Finding {
    let pointer = format!(
        "{}/requestBody/content/{}/schema{}",
        op_pointer(&e.endpoint),
        escape_pointer(&m.media),
        c.pointer_suffix()
    );
    let f = at_endpoint(id, &e.endpoint)
        .pointer(pointer)
        .arg("media", m.media.clone())
        .arg("property", c.property());
    with_origin(f, c)
}

/// A finding inside a response body schema.
pub(crate) fn at_response(
    id: &'static str,
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
    let f = at_endpoint(id, &e.endpoint)
        .pointer(pointer)
        .arg("status", r.status.clone())
        .arg("media", m.media.clone())
        .arg("property", c.property());
    with_origin(f, c)
}

/// Names the component a schema change happened in, when there is one.
fn with_origin(f: Finding, c: &SchemaChange) -> Finding {
    match &c.origin {
        Some(o) => f.arg("component", o.clone()),
        None => f,
    }
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
