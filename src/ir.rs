//! The plain-data intermediate representation every generator reads.
//!
//! `ir::lower` builds it from an OpenAPI document; nothing here does I/O,
//! knows about askama or picks a target language's spelling. Maps are
//! `BTreeMap`s and lists are sorted by `lower`, so iterating the IR is
//! deterministic and two equal documents give equal IRs (and equal
//! fingerprints, see `slice`).

pub mod lower;
pub mod names;
pub mod wire;

use std::collections::BTreeMap;

use serde::Serialize;

/// One API (a whole document, or one group's slice of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Api {
    /// `info.title`, `info.description` and `info.version` of the document
    /// (a group overrides them with its own).
    pub info: Info,
    /// Every named type, keyed by its unique identifier (see [`TypeDef::name`]).
    pub types: BTreeMap<String, TypeDef>,
    /// Operations sorted by app, then method name.
    pub operations: Vec<Operation>,
    /// How the server authenticates, as far as the clients need to know.
    pub auth: AuthHints,
    /// Problems found while lowering that did not stop it (dangling `$ref`s,
    /// unsupported constructs), sorted and deduplicated.
    pub warnings: Vec<String>,
}

/// Title, description and version that reach the generated clients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Info {
    /// Human title.
    pub title: String,
    /// Longer description, if any.
    pub description: Option<String>,
    /// API version string.
    pub version: String,
}

/// What the spec says about authentication, reduced to the choices the
/// generated clients make at runtime.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthHints {
    /// The prefix to put before a token in `Authorization`: `Bearer` unless
    /// the spec only declares DRF's `TokenAuthentication` (`Token`).
    pub token_prefix: String,
    /// The header an API-key scheme uses, if the spec declares one outside
    /// `Authorization`.
    pub api_key_header: Option<String>,
    /// The spec declares Django session (cookie) auth.
    pub session: bool,
}

/// A named type: a component schema, or an inline schema that needed a name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDef {
    /// Unique identifier, PascalCase ASCII, valid in TypeScript and Python and
    /// no keyword of either. Two schemas that differ only in case get distinct
    /// names (`User`, `User2`).
    pub name: String,
    /// Where it came from: the component name, or a JSON pointer for inline
    /// schemas. Used in doc comments and diff reports.
    pub origin: String,
    /// Description or title.
    pub doc: Option<String>,
    /// `deprecated: true` in the spec.
    pub deprecated: bool,
    /// The shape.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeKind {
    /// An object with known properties (allOf members are flattened in).
    Object(Object),
    /// A closed set of literal values.
    Enum(Vec<Literal>),
    /// oneOf / anyOf.
    Union(Union),
    /// Another name for a type expression (`type X = string[]`).
    Alias(TypeRef),
}

/// An object type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Object {
    /// Properties in spec order (allOf members first, in member order).
    pub properties: Vec<Property>,
    /// `additionalProperties`: `None` when absent or `false`.
    pub additional: Option<Box<TypeRef>>,
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Property {
    /// The name on the wire, exactly as in the spec.
    pub name: String,
    /// Its type; `TypeRef::Nullable` when `null` is allowed.
    pub ty: TypeRef,
    /// Listed in `required`. Independent of nullability.
    pub required: bool,
    /// `readOnly`: only in responses. Dropped from `…Writable` views by `lower`.
    pub read_only: bool,
    /// `writeOnly`: only in requests. Dropped from read views by `lower`.
    pub write_only: bool,
    /// Description.
    pub doc: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
}

/// A union of types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Union {
    /// The members, in spec order, without duplicates.
    pub variants: Vec<TypeRef>,
    /// Set when the spec names a discriminator property.
    pub discriminator: Option<Discriminator>,
}

/// How to tell the members of a union apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discriminator {
    /// The property name on the wire.
    pub property: String,
    /// Discriminator value → member, sorted by value. Members reachable only
    /// implicitly (no mapping) are mapped by their schema name, as OpenAPI says.
    pub mapping: Vec<(String, TypeRef)>,
}

/// A literal value in an enum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A non-integral number, kept as its JSON text so it round-trips.
    Num(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null` (drf-spectacular's `NullEnum`).
    Null,
}

/// A reference to a type: a name or an anonymous type expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeRef {
    /// A [`TypeDef`] by its unique name.
    Named(String),
    /// A string, with the format the generators care about.
    String(StringFormat),
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` / `false`.
    Boolean,
    /// Raw bytes (`format: binary`): `Blob` in TypeScript, `bytes` in Python.
    Binary,
    /// An array of the inner type.
    Array(Box<TypeRef>),
    /// A string-keyed map of the inner type.
    Map(Box<TypeRef>),
    /// The inner type or `null`.
    Nullable(Box<TypeRef>),
    /// An inline enum.
    Literals(Vec<Literal>),
    /// An inline union without discriminator.
    AnyOf(Vec<TypeRef>),
    /// Only `null`.
    Null,
    /// Anything at all: an empty schema, or a dangling `$ref`.
    Unknown,
}

/// String formats that change the generated type or its (de)serialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StringFormat {
    /// No format the generators treat specially.
    Plain,
    /// `date`.
    Date,
    /// `date-time`.
    DateTime,
    /// `uuid`.
    Uuid,
    /// `decimal` (DRF's `DecimalField` with `COERCE_DECIMAL_TO_STRING`).
    Decimal,
}

/// One HTTP operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// The app it belongs to, as a lowercase identifier (its folder/module
    /// name). Unique per original app name.
    pub app: String,
    /// The app's name as the spec has it (first tag, or path segment).
    pub app_origin: String,
    /// `operationId`, or one synthesised from method and path.
    pub operation_id: String,
    /// Method name as snake_case words, unique within the app (the app prefix
    /// of a drf-spectacular operationId stripped: `users_list` → `list`).
    pub name: String,
    /// HTTP method.
    pub method: Method,
    /// The path template, e.g. `/api/users/{id}/`.
    pub path: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Path, query, header and cookie parameters: path first in template
    /// order, then the rest sorted by location and name.
    pub params: Vec<Param>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// The `Accept` header the clients send: the media types of the success
    /// response, then of the error responses, without repeats; `None` when
    /// no response has a body.
    pub accept: Option<String>,
    /// The success response the client returns.
    pub success: Response,
    /// Documented non-2xx responses with a body, for typed errors.
    pub errors: Vec<Response>,
    /// Set for DRF-paginated list endpoints.
    pub pagination: Option<Pagination>,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// Upper-case wire spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// A parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// Name on the wire.
    pub name: String,
    /// snake_case identifier words, unique within the operation's parameters.
    pub ident: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Required (path parameters always are).
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Description.
    pub doc: Option<String>,
    /// How the value is serialised on the wire.
    pub style: ParamStyle,
    /// `explode`, as the spec gives it or as OpenAPI defaults it for the
    /// style (true for `form`, false for the others). Arrays and objects are
    /// exploded (`?a=1&a=2`) or joined (`?a=1,2`).
    pub explode: bool,
}

/// How a parameter value becomes text: OpenAPI's `style` values (OpenAPI
/// 3.1.1, 4.8.12.4 "Style Values"), plus [`ParamStyle::Json`] for a parameter
/// declared with `content: {application/json: …}` instead of `schema`.
///
/// `lower` decides it once (the spec's `style`, else the default of the
/// parameter's location); both runtimes execute it with one serializer each
/// and give the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ParamStyle {
    /// `form`: `a=1&a=2` / `a=1,2` (query and cookie default).
    Form,
    /// `spaceDelimited`: `a=1%202` (query arrays).
    SpaceDelimited,
    /// `pipeDelimited`: `a=1%7C2` (query arrays).
    PipeDelimited,
    /// `deepObject`: `a%5Bk%5D=v` (query objects).
    DeepObject,
    /// `simple`: `1,2` (path and header default).
    Simple,
    /// `label`: `.1.2` (path).
    Label,
    /// `matrix`: `;a=1;a=2` (path).
    Matrix,
    /// The value as JSON text, percent-encoded where the location needs it
    /// (`?to=%5B9%2C10%5D`).
    Json,
}

impl ParamStyle {
    /// The spelling both runtimes take (OpenAPI's own `style` names).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ParamStyle::Form => "form",
            ParamStyle::SpaceDelimited => "spaceDelimited",
            ParamStyle::PipeDelimited => "pipeDelimited",
            ParamStyle::DeepObject => "deepObject",
            ParamStyle::Simple => "simple",
            ParamStyle::Label => "label",
            ParamStyle::Matrix => "matrix",
            ParamStyle::Json => "json",
        }
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    /// `required: true`.
    pub required: bool,
    /// How it is encoded.
    pub media: BodyMedia,
    /// The media type string sent as `Content-Type` (for JSON and text).
    pub content_type: String,
    /// Its type.
    pub ty: TypeRef,
    /// Description.
    pub doc: Option<String>,
}

/// Request encodings the clients support, in preference order: when an
/// operation accepts several, `lower` picks the first one it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum BodyMedia {
    /// `application/json` and `*+json`.
    Json,
    /// `multipart/form-data`: built from a typed object, files as `Blob`.
    Multipart,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Raw bytes (`application/octet-stream`, images, …).
    Binary,
    /// `text/*`.
    Text,
}

/// A response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// `200`, `4XX`, `default`, …
    pub status: String,
    /// How the body is decoded.
    pub media: ResponseMedia,
    /// The media type chosen among the documented ones (`""` when empty).
    pub content_type: String,
    /// Its type (`TypeRef::Unknown` for an undocumented JSON body).
    pub ty: TypeRef,
    /// Description.
    pub doc: Option<String>,
}

/// Response decodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResponseMedia {
    /// No body (204, or no content documented).
    Empty,
    /// JSON.
    Json,
    /// Text.
    Text,
    /// Bytes (`Blob` / `bytes`).
    Binary,
}

/// A DRF-paginated list endpoint: the response is an object with a `results`
/// array and a `next` URL (page-number, limit-offset and cursor pagination all
/// have this shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pagination {
    /// The type of one item of `results`.
    pub item: TypeRef,
    /// snake_case name of the "iterate over every item" method (usually
    /// `<name>_all`), reserved in the app so no operation can take it.
    pub all_name: String,
}
