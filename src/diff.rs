//! The API diff: what changed between two OpenAPI documents, and how much it
//! matters to the clients generated from them.
//!
//! Two stages, kept apart as in oasdiff (`diff/` vs `checker/`):
//!
//! 1. [`ApiDiff`] is structure without judgement: endpoints added, removed
//!    and modified, and inside each modified endpoint the parameters, request
//!    body, responses and the flattened list of schema changes. It is built by
//!    `walk` (paths, operations, parameters, bodies) and `schema` (resolved
//!    schemas, refs followed with a visited set, an inline schema and an
//!    equivalent `$ref` compared as equal).
//!    Every schema change carries where it is in both documents, so each
//!    finding has a `source` pointer computed while walking, not guessed
//!    afterwards.
//! 2. The rules in [`rules`] (one table of id, level, SDK flag and check;
//!    one check per file) read the `ApiDiff` and return [`Finding`]s at the
//!    place of the change: data, no prose.
//! 3. [`Report::causes`] fans the findings in to their causes (a change in
//!    a component and every endpoint that reaches it), which the reports
//!    print first. All wording lives in [`report`].
//!
//! Pure: no I/O, no clock. The one exception is [`cli`], the shell of
//! `apigend diff`, which reads two files, today's date and
//! `$GITHUB_STEP_SUMMARY`.

pub mod cli;
pub mod locate;
pub mod report;
pub mod rules;
mod schema;
pub mod textdiff;
mod walk;

use std::cmp::Reverse;

use serde::Serialize;

pub use report::{Format, render};
pub use schema::{SchemaChange, SchemaChangeKind, Side};

/// How much a change matters, oasdiff's three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Level {
    /// Not breaking: worth knowing.
    #[value(name = "INFO", alias = "info")]
    Info = 1,
    /// Possibly breaking: the document cannot tell.
    #[value(name = "WARN", alias = "warn")]
    Warn = 2,
    /// Breaking: a client that followed the old contract stops working.
    #[value(name = "ERR", alias = "err")]
    Err = 3,
}

impl Level {
    /// `ERR`, `WARN` or `INFO`, as oasdiff prints them.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Err => "ERR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }

    /// oasdiff's numeric level (`ERR = 3`).
    #[must_use]
    pub fn num(self) -> u8 {
        self as u8
    }
}

/// `old → new` of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<T> {
    /// The base document's value.
    pub from: T,
    /// The revision's value.
    pub to: T,
}

/// One operation, as the document writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template as written (`/pets/{petId}`).
    pub path: String,
    /// `operationId`, when set.
    pub operation_id: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `x-sunset` (a date), when set.
    pub sunset: Option<String>,
}

impl Endpoint {
    /// The matching key: method and path template with every parameter name
    /// blanked (`GET /pets/{}`), so a renamed path parameter is the same
    /// endpoint (oasdiff's default, research §1.4).
    #[must_use]
    pub fn key(&self) -> String {
        format!("{} {}", self.method, blank_params(&self.path))
    }
}

/// `/pets/{petId}/toys/{id}` → `/pets/{}/toys/{}`.
#[must_use]
pub fn blank_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' if in_param => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// An operation the revision no longer has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedEndpoint {
    /// The operation as the base document had it.
    pub endpoint: Endpoint,
    /// The whole path (every method under it) is gone, not just this method.
    pub path_removed: bool,
}

/// A parameter: where it goes and whether it must be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name (the revision's name for a renamed path parameter).
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    /// `required: true`.
    pub required: bool,
    /// JSON pointer of the parameter object in its document (the base's for
    /// a removed one, else the revision's).
    pub at: String,
}

/// A parameter both documents have.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDiff {
    /// The parameter in the revision.
    pub param: Param,
    /// Its `required` flag, when it changed.
    pub required: Option<Change<bool>>,
    /// Changes of its schema, compared as something the client sends.
    pub schema: Vec<SchemaChange>,
}

/// A media type both sides have, and how its schema changed.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaDiff {
    /// The revision's media type as written.
    pub media: String,
    /// Schema changes, in the direction of the body (request or response).
    pub schema: Vec<SchemaChange>,
}

/// What happened to an operation's request body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyDiff {
    /// The revision adds a body.
    Added {
        /// `required: true`.
        required: bool,
    },
    /// The revision drops the body.
    Removed,
    /// Both have one.
    Modified {
        /// Its `required` flag, when it changed.
        required: Option<Change<bool>>,
        /// Media types only the revision accepts.
        media_added: Vec<String>,
        /// Media types only the base accepted.
        media_removed: Vec<String>,
        /// Media types both accept, with schema changes.
        media_modified: Vec<MediaDiff>,
        /// JSON pointer of the base's request body object.
        old_at: String,
        /// JSON pointer of the revision's request body object.
        new_at: String,
    },
}

/// A response header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Its name.
    pub name: String,
    /// `required: true`.
    pub required: bool,
}

/// A response status both sides have.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseDiff {
    /// The status (`200`, `2XX`, `default`).
    pub status: String,
    /// JSON pointer of the base's response object (a component's, when the
    /// operation refers to one).
    pub old_at: String,
    /// JSON pointer of the revision's response object.
    pub new_at: String,
    /// Media types only the revision returns.
    pub media_added: Vec<String>,
    /// Media types only the base returned.
    pub media_removed: Vec<String>,
    /// Media types both return, with schema changes.
    pub media_modified: Vec<MediaDiff>,
    /// Headers only the revision returns.
    pub headers_added: Vec<Header>,
    /// Headers only the base returned.
    pub headers_removed: Vec<Header>,
}

/// An operation both documents have (matched by [`Endpoint::key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDiff {
    /// The operation as the revision has it.
    pub endpoint: Endpoint,
    /// The base's path template (differs when a path parameter was renamed).
    pub old_path: String,
    /// The `operationId`, when it changed (set, removed or renamed).
    pub operation_id: Option<Change<Option<String>>>,
    /// `deprecated`, when it changed.
    pub deprecated: Option<Change<bool>>,
    /// `x-sunset`, when it changed.
    pub sunset: Option<Change<Option<String>>>,
    /// Tags only the revision has.
    pub tags_added: Vec<String>,
    /// Tags only the base had.
    pub tags_removed: Vec<String>,
    /// Operation-level security requirements only the revision has, each
    /// written as its scheme names joined by ` + `.
    pub security_added: Vec<String>,
    /// Operation-level security requirements only the base had.
    pub security_removed: Vec<String>,
    /// Path parameters at the same place in the template under a new name.
    pub path_params_renamed: Vec<Change<String>>,
    /// Parameters only the revision has.
    pub params_added: Vec<Param>,
    /// Parameters only the base had.
    pub params_removed: Vec<Param>,
    /// Parameters both have, when something about them changed.
    pub params_modified: Vec<ParamDiff>,
    /// The request body, when it changed.
    pub request_body: Option<BodyDiff>,
    /// Statuses only the revision returns.
    pub responses_added: Vec<String>,
    /// Statuses only the base returned.
    pub responses_removed: Vec<String>,
    /// Statuses both return, when something about them changed.
    pub responses_modified: Vec<ResponseDiff>,
}

impl EndpointDiff {
    /// Nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.old_path == self.endpoint.path
            && self.operation_id.is_none()
            && self.deprecated.is_none()
            && self.sunset.is_none()
            && self.tags_added.is_empty()
            && self.tags_removed.is_empty()
            && self.security_added.is_empty()
            && self.security_removed.is_empty()
            && self.path_params_renamed.is_empty()
            && self.params_added.is_empty()
            && self.params_removed.is_empty()
            && self.params_modified.is_empty()
            && self.request_body.is_none()
            && self.responses_added.is_empty()
            && self.responses_removed.is_empty()
            && self.responses_modified.is_empty()
    }
}

/// The structural difference of two documents. No judgement: rules decide
/// what each entry means for a client.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiDiff {
    /// Today as `YYYY-MM-DD`, when the caller knows it: rules about
    /// `x-sunset` dates need it, and the pure core reads no clock.
    pub today: Option<String>,
    /// Operations only the revision has.
    pub endpoints_added: Vec<Endpoint>,
    /// Operations only the base had.
    pub endpoints_removed: Vec<RemovedEndpoint>,
    /// Operations both have that changed.
    pub endpoints_modified: Vec<EndpointDiff>,
    /// Global security requirements only the revision has.
    pub global_security_added: Vec<String>,
    /// Global security requirements only the base had.
    pub global_security_removed: Vec<String>,
    /// Component schemas only the revision has.
    pub schemas_added: Vec<String>,
    /// Component schemas only the base had.
    pub schemas_removed: Vec<String>,
}

impl ApiDiff {
    /// The two documents describe the same API.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.endpoints_added.is_empty()
            && self.endpoints_removed.is_empty()
            && self.endpoints_modified.is_empty()
            && self.global_security_added.is_empty()
            && self.global_security_removed.is_empty()
            && self.schemas_added.is_empty()
            && self.schemas_removed.is_empty()
    }

    /// Every schema change inside a request body: (endpoint, media, change).
    pub fn request_body_changes(
        &self,
    ) -> impl Iterator<Item = (&EndpointDiff, &MediaDiff, &SchemaChange)> {
        self.endpoints_modified.iter().flat_map(|e| {
            let media: &[MediaDiff] = match &e.request_body {
                Some(BodyDiff::Modified { media_modified, .. }) => media_modified,
                _ => &[],
            };
            media.iter().flat_map(move |m| m.schema.iter().map(move |c| (e, m, c)))
        })
    }

    /// Every schema change inside a response body: (endpoint, response,
    /// media, change).
    pub fn response_body_changes(
        &self,
    ) -> impl Iterator<Item = (&EndpointDiff, &ResponseDiff, &MediaDiff, &SchemaChange)> {
        self.endpoints_modified.iter().flat_map(|e| {
            e.responses_modified.iter().flat_map(move |r| {
                r.media_modified
                    .iter()
                    .flat_map(move |m| m.schema.iter().map(move |c| (e, r, m, c)))
            })
        })
    }

    /// Every schema change of a parameter: (endpoint, parameter, change).
    pub fn parameter_schema_changes(
        &self,
    ) -> impl Iterator<Item = (&EndpointDiff, &ParamDiff, &SchemaChange)> {
        self.endpoints_modified.iter().flat_map(|e| {
            e.params_modified.iter().flat_map(move |p| p.schema.iter().map(move |c| (e, p, c)))
        })
    }
}

/// Builds the structural diff of two documents (bundled by
/// [`crate::spec::parse`]). `today` (`YYYY-MM-DD`) enables the sunset rules.
#[must_use]
pub fn structural(
    old: &openapiv3::OpenAPI,
    new: &openapiv3::OpenAPI,
    today: Option<&str>,
) -> ApiDiff {
    let mut d = walk::diff(old, new);
    d.today = today.map(str::to_string);
    d
}

/// One judged change: which rule, where, and the facts the wording needs.
/// Prose comes from [`report::message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable kebab-case id (oasdiff vocabulary), stamped from
    /// the rule table.
    pub rule_id: &'static str,
    /// The rule's level.
    pub level: Level,
    /// The change breaks generated client code (a method, argument, field or
    /// type disappears or changes), even if the wire still works.
    pub sdk_breaking: bool,
    /// Upper-case method of the endpoint, when the change is inside one.
    pub method: Option<String>,
    /// Path template of the endpoint (the revision's, or the base's for a
    /// removed one).
    pub path: Option<String>,
    /// The endpoint's `operationId`.
    pub operation_id: Option<String>,
    /// JSON pointer of the changed element relative to the endpoint: schemas
    /// are addressed as if every `$ref` were inlined, so the pointer says
    /// where in the endpoint's body it is.
    pub pointer: String,
    /// Which document [`Self::source`] is in: the base for what was removed,
    /// the revision for everything else.
    pub side: Side,
    /// JSON pointer of the place that changed, as it is in that document
    /// (`/components/schemas/Invoice/properties/total`): refs followed, so a
    /// change inside a component points into the component, and `allOf`
    /// members and union branches appear as written.
    pub source: String,
    /// Named facts for the message (`property`, `status`, `from`, …).
    pub args: Vec<(&'static str, String)>,
}

impl Finding {
    /// A finding with no rule (the rule table stamps it) and no location.
    #[must_use]
    pub fn new() -> Finding {
        Finding {
            rule_id: "",
            level: Level::Info,
            sdk_breaking: false,
            method: None,
            path: None,
            operation_id: None,
            pointer: String::new(),
            side: Side::Revision,
            source: String::new(),
            args: Vec::new(),
        }
    }

    /// Places the finding in `endpoint`.
    #[must_use]
    pub fn at(mut self, endpoint: &Endpoint) -> Finding {
        self.method = Some(endpoint.method.clone());
        self.path = Some(endpoint.path.clone());
        self.operation_id.clone_from(&endpoint.operation_id);
        self
    }

    /// Sets the endpoint-relative pointer.
    #[must_use]
    pub fn pointer(mut self, pointer: impl Into<String>) -> Finding {
        self.pointer = pointer.into();
        self
    }

    /// Sets the place that changed, in `side`'s document.
    #[must_use]
    pub fn source(mut self, side: Side, pointer: impl Into<String>) -> Finding {
        self.side = side;
        self.source = pointer.into();
        self
    }

    /// Adds a named fact.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Finding {
        self.args.push((name, value.into()));
        self
    }

    /// A named fact, if the rule gave it.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// `GET /pets/{}`, the endpoint key, when the finding is in an endpoint.
    #[must_use]
    pub fn endpoint_key(&self) -> Option<String> {
        match (&self.method, &self.path) {
            (Some(m), Some(p)) => Some(format!("{m} {}", blank_params(p))),
            _ => None,
        }
    }

    /// Stable 12-hex-digit id: SHA-256 of the rule, the endpoint key, both
    /// pointers and the facts that say what changed. Built from location
    /// and facts, not wording (research §1.8), so rewording a message does
    /// not invalidate an accepted change; the media types a finding was
    /// merged over and the component name (implied by `source`) stay out,
    /// so adding a media type to a body does not either.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            self.rule_id,
            self.endpoint_key().as_deref().unwrap_or(""),
            &self.pointer,
            self.side.as_str(),
            &self.source,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for (k, v) in self.args.iter().filter(|(k, _)| !matches!(*k, "media" | "component")) {
            h.update(k.as_bytes());
            h.update([1]);
            h.update(v.as_bytes());
            h.update([0]);
        }
        let mut hex = crate::spec::hex(&h.finalize());
        hex.truncate(12);
        hex
    }

    /// What a finding is a consequence of, as a key: the rule and the place
    /// in a component when the change is inside one (so every endpoint that
    /// reaches `#/components/schemas/Invoice/properties/total` shares it),
    /// else the rule and what the change says without its endpoint (so the
    /// same change made to many operations reads as one line).
    #[must_use]
    pub fn cause_key(&self) -> String {
        if self.source.starts_with("/components/") {
            format!("{}\0{}\0{}", self.rule_id, self.side.as_str(), self.source)
        } else {
            format!("{}\0{}", self.rule_id, report::cause_message(self))
        }
    }

    /// [`Self::cause_key`] as a 12-hex-digit id.
    #[must_use]
    pub fn cause_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hex = crate::spec::hex(&Sha256::digest(self.cause_key().as_bytes()));
        hex.truncate(12);
        hex
    }
}

impl Default for Finding {
    fn default() -> Self {
        Finding::new()
    }
}

/// The judged diff of two documents: findings in report order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// `info.version` of the base.
    pub base_version: String,
    /// `info.version` of the revision.
    pub revision_version: String,
    /// Level (highest first), then endpoint, then rule order.
    pub findings: Vec<Finding>,
}

/// One cause and the findings it fans out to: a change made once (in a
/// component, or to operations alike) and every endpoint that reaches it.
#[derive(Debug, Clone)]
pub struct Cause<'r> {
    /// [`Finding::cause_id`] of its findings.
    pub id: String,
    /// Its findings, in report order (at least one).
    pub findings: Vec<&'r Finding>,
}

impl Cause<'_> {
    /// The first finding: rule, level and source are the same in all.
    #[must_use]
    pub fn first(&self) -> &Finding {
        self.findings[0]
    }

    /// Distinct endpoints the cause reaches (0 for a document-wide change).
    #[must_use]
    pub fn endpoints(&self) -> usize {
        let mut keys: Vec<String> = self.findings.iter().filter_map(|f| f.endpoint_key()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }
}

/// How many findings of each level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// `ERR` findings.
    pub error: usize,
    /// `WARN` findings.
    pub warning: usize,
    /// `INFO` findings.
    pub info: usize,
    /// Findings flagged as breaking generated code.
    pub sdk_breaking: usize,
}

impl Report {
    /// Findings per level.
    #[must_use]
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.findings {
            match f.level {
                Level::Err => c.error += 1,
                Level::Warn => c.warning += 1,
                Level::Info => c.info += 1,
            }
            if f.sdk_breaking {
                c.sdk_breaking += 1;
            }
        }
        c
    }

    /// The highest level found, `None` when nothing changed that a rule
    /// reports.
    #[must_use]
    pub fn max_level(&self) -> Option<Level> {
        self.findings.iter().map(|f| f.level).max()
    }

    /// No findings.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The findings fanned in to their causes: level first (highest first),
    /// then rule order, then the order the first finding of each appears.
    #[must_use]
    pub fn causes(&self) -> Vec<Cause<'_>> {
        use std::collections::HashMap;
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut out: Vec<Cause<'_>> = Vec::new();
        for f in &self.findings {
            let key = f.cause_key();
            match index.get(&key) {
                Some(&i) => out[i].findings.push(f),
                None => {
                    index.insert(key, out.len());
                    out.push(Cause { id: f.cause_id(), findings: vec![f] });
                }
            }
        }
        let order = |id: &str| rules::RULES.iter().position(|r| r.id == id);
        // Stable: causes of one rule keep their report order.
        out.sort_by_key(|c| (Reverse(c.first().level), order(c.first().rule_id)));
        out
    }
}

/// Options of a comparison.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Today as `YYYY-MM-DD` (for `x-sunset`); `None` turns the sunset
    /// date check off, so a pure caller never depends on the clock.
    pub today: Option<&'a str>,
    /// Run only the rule with this id (how each rule is tested alone).
    pub only_rule: Option<&'a str>,
}

/// Compares two documents and judges every change with every rule.
#[must_use]
pub fn compare(old: &openapiv3::OpenAPI, new: &openapiv3::OpenAPI) -> Report {
    compare_with(old, new, &Options::default())
}

/// [`compare`] with options.
#[must_use]
pub fn compare_with(
    old: &openapiv3::OpenAPI,
    new: &openapiv3::OpenAPI,
    opts: &Options<'_>,
) -> Report {
    let d = structural(old, new, opts.today);
    let mut findings = Vec::new();
    for (order, rule) in rules::RULES.iter().enumerate() {
        if opts.only_rule.is_some_and(|id| id != rule.id) {
            continue;
        }
        for mut f in (rule.check)(&d) {
            f.rule_id = rule.id;
            f.level = rule.level;
            f.sdk_breaking = rule.sdk_breaking;
            findings.push((order, f));
        }
    }
    findings.sort_by(|(ra, a), (rb, b)| {
        sort_key(a, *ra).cmp(&sort_key(b, *rb)).then_with(|| a.args.cmp(&b.args))
    });
    findings.dedup_by(|(_, a), (_, b)| a == b);
    Report {
        base_version: old.info.version.clone(),
        revision_version: new.info.version.clone(),
        findings: merge_media(findings.into_iter().map(|(_, f)| f).collect()),
    }
}

/// One finding per change, not per media type: DRF bodies come as JSON,
/// form and multipart with one schema, and a property removed from it is one
/// change. Findings equal but for their `media` keep the first (its pointer)
/// and list every media type.
fn merge_media(findings: Vec<Finding>) -> Vec<Finding> {
    use std::collections::HashMap;
    let key = |f: &Finding| {
        let args: Vec<_> = f.args.iter().filter(|(k, _)| *k != "media").collect();
        format!("{}\0{:?}\0{:?}\0{args:?}", f.rule_id, f.method, f.path)
    };
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if f.get("media").is_none() {
            out.push(f);
            continue;
        }
        let k = key(&f);
        match first.get(&k) {
            Some(&i) => {
                let media = f.get("media").unwrap_or_default().to_string();
                if let Some((_, v)) = out[i].args.iter_mut().find(|(k, _)| *k == "media")
                    && !v.split(", ").any(|m| m == media)
                {
                    v.push_str(", ");
                    v.push_str(&media);
                }
            }
            None => {
                first.insert(k, out.len());
                out.push(f);
            }
        }
    }
    out
}

/// Level first (highest first), then endpoint (document-wide findings after
/// the endpoints), then rule order, then where.
fn sort_key(f: &Finding, rule_order: usize) -> impl Ord + '_ {
    (
        Reverse(f.level),
        f.path.is_none(),
        f.path.as_deref().map(blank_params),
        f.method.as_deref().map(method_rank),
        rule_order,
        f.pointer.as_str(),
        f.source.as_str(),
    )
}

/// Methods in the order an API reference lists them.
fn method_rank(m: &str) -> usize {
    ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]
        .iter()
        .position(|x| *x == m)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameter_names_are_blanked() {
        assert_eq!(blank_params("/a/{id}/b/{x_y}"), "/a/{}/b/{}");
        assert_eq!(blank_params("/plain"), "/plain");
    }

    #[test]
    fn fingerprint_ignores_media_but_not_what_changed() {
        let f = |status: &str, media: &str| Finding {
            rule_id: "response-success-status-removed",
            ..Finding::new().pointer("/paths/~1a/get").arg("status", status).arg("media", media)
        };
        assert_eq!(f("201", "a/json").fingerprint(), f("201", "b/xml").fingerprint());
        assert_ne!(f("201", "a/json").fingerprint(), f("202", "a/json").fingerprint());
        assert_eq!(f("201", "a/json").fingerprint().len(), 12);
    }
}
