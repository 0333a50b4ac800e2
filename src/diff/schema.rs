//! Schema comparison: two schemas (of the same request or response body)
//! → a flat list of [`SchemaChange`]s. Structure only; rules judge.
//!
//! - **Values, not ref strings.** Every `$ref` is followed, so an inline
//!   schema and an equivalent `$ref` compare equal, and a change inside a
//!   component shows up in every endpoint that reaches it (research §1.3).
//! - **One spelling per meaning.** Before comparing, both sides are read
//!   through the same lens: 3.0 `nullable`, 3.1 `type: [T, "null"]` and a
//!   union with a null member are one flag (`spec::normalise` does the
//!   rewriting); `allOf: [X]` and a one-member `oneOf`/`anyOf` are `X`; a
//!   union whose every branch is an enum is the enum of all their values
//!   (drf-spectacular's `oneOf: [StatusEnum, BlankEnum, NullEnum]`), so
//!   `enum: [A, B]` and `oneOf: [{enum: [A]}, {enum: [B]}]` admit the same
//!   values and compare equal.
//! - **Cycles terminate.** A pair of schema nodes already being compared
//!   higher up the walk counts as equal (oasdiff's rule for two sides that
//!   are circular at the same place), and a depth guard backs that up.
//! - **Direction-aware views.** A request body is compared as what a client
//!   sends (readOnly properties left out), a response as what it receives
//!   (writeOnly left out): InvenTree's writeOnly `remote_image` going away
//!   changes requests only.
//! - **allOf is flattened** before comparing (oasdiff's `--flatten-allof`).
//!   A property several members define compares as the one that pins it to
//!   a single value (`enum: [2]`, `const`), since that is all a client can
//!   send or see whatever the others allow; otherwise as before (members in
//!   order, the schema's own `properties` last).
//! - **Union branches are matched, then compared.** By component name, then
//!   by the single value that tells branches apart (a discriminator
//!   property's `const`/one-value `enum`), then equal content, then the most
//!   similar branch of the same type; matched branches are diffed
//!   recursively, so a branch that gained a property is a change inside it.
//! - **Where, in both documents.** Every change carries the JSON pointer of
//!   the changed element in the base and in the revision, computed while
//!   walking (refs followed, `allOf` members and union branches included),
//!   beside its place relative to the body.
//! - **One change per cause.** A change inside component `X` reached by
//!   several properties of one body is kept once, at the first path that
//!   reaches it, with `origin = X`. Results per pair of components are cached,
//!   which keeps a GitHub-sized document fast.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use crate::spec::escape_pointer;

/// Deepest nesting compared; below it schemas count as equal.
const MAX_DEPTH: usize = 96;

/// The mark `spec::normalise` leaves on a 3.1 `type: "null"` schema.
const NULL_MARKER: &str = "x-apigend-null";

/// Most `$ref` hops or `allOf` wrappers followed in a row.
const MAX_HOPS: usize = 32;

/// Which way a schema travels: it decides which properties are visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    /// Client → server: readOnly properties are not sent.
    Request,
    /// Server → client: writeOnly properties are not received.
    Response,
}

/// Which document a pointer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The base (older) document: where removed things were.
    Base,
    /// The revision: where everything else is.
    Revision,
}

impl Side {
    /// `base` or `revision`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Revision => "revision",
        }
    }
}

/// One structural change inside a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaChange {
    /// Where, from the root of the body or parameter schema: property names,
    /// `[]` for array items, `*` for `additionalProperties`. For the property
    /// kinds this is the path of the object that holds the property.
    pub path: Vec<String>,
    /// The innermost component schema the change happened in, if any.
    pub origin: Option<String>,
    /// The path inside `origin`.
    pub local: Vec<String>,
    /// JSON pointer of the changed element in the base document (for the
    /// property kinds, of the property).
    pub old_at: String,
    /// JSON pointer of the changed element in the revision.
    pub new_at: String,
    /// What changed.
    pub kind: SchemaChangeKind,
}

/// The kinds of schema change.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaChangeKind {
    /// The type (with the string format) changed; nothing below is compared.
    /// `oneOf`/`anyOf` stand for a schema with no single type, `any` for one
    /// with no constraint at all.
    TypeChanged {
        /// Base type, e.g. `string(uri)`.
        from: String,
        /// Revision type.
        to: String,
    },
    /// `nullable` changed.
    NullableChanged {
        /// Base value.
        from: bool,
        /// Revision value.
        to: bool,
    },
    /// A list of allowed values appeared where any value was allowed.
    BecameEnum,
    /// Allowed values only the revision has.
    EnumValuesAdded(Vec<String>),
    /// Allowed values only the base had.
    EnumValuesRemoved(Vec<String>),
    /// `maxLength` changed.
    MaxLengthChanged {
        /// Base value.
        from: Option<u64>,
        /// Revision value.
        to: Option<u64>,
    },
    /// `minimum` changed.
    MinimumChanged {
        /// Base value.
        from: Option<f64>,
        /// Revision value.
        to: Option<f64>,
    },
    /// `maximum` changed.
    MaximumChanged {
        /// Base value.
        from: Option<f64>,
        /// Revision value.
        to: Option<f64>,
    },
    /// `pattern` changed.
    PatternChanged {
        /// Base value.
        from: Option<String>,
        /// Revision value.
        to: Option<String>,
    },
    /// A property only the revision has (visible in this direction).
    PropertyAdded {
        /// Its name.
        name: String,
        /// Listed in `required`.
        required: bool,
    },
    /// A property only the base had (visible in this direction).
    PropertyRemoved {
        /// Its name.
        name: String,
        /// It was listed in `required`.
        required: bool,
    },
    /// A property both have became required.
    RequiredAdded {
        /// Its name.
        name: String,
    },
    /// A property both have is no longer required.
    RequiredRemoved {
        /// Its name.
        name: String,
    },
    /// A property the base marked readOnly is writable in the revision, so
    /// a client now sends it (request direction only).
    BecameNotReadOnly {
        /// Its name.
        name: String,
        /// Listed in `required` in the revision.
        required: bool,
    },
    /// `oneOf` branches only the revision has (labelled by component name
    /// or type).
    OneOfAdded(Vec<String>),
    /// `oneOf` branches only the base had.
    OneOfRemoved(Vec<String>),
    /// `anyOf` branches only the revision has.
    AnyOfAdded(Vec<String>),
    /// `anyOf` branches only the base had.
    AnyOfRemoved(Vec<String>),
}

impl SchemaChange {
    /// The change is about a property (or array items) rather than the body
    /// schema itself.
    #[must_use]
    pub fn is_property(&self) -> bool {
        !self.path.is_empty()
            || matches!(
                self.kind,
                SchemaChangeKind::PropertyAdded { .. }
                    | SchemaChangeKind::PropertyRemoved { .. }
                    | SchemaChangeKind::RequiredAdded { .. }
                    | SchemaChangeKind::RequiredRemoved { .. }
                    | SchemaChangeKind::BecameNotReadOnly { .. }
            )
    }

    /// Where the change is: the base for what was removed, else the
    /// revision.
    #[must_use]
    pub fn source(&self) -> (Side, &str) {
        match self.kind {
            SchemaChangeKind::PropertyRemoved { .. }
            | SchemaChangeKind::EnumValuesRemoved(_)
            | SchemaChangeKind::OneOfRemoved(_)
            | SchemaChangeKind::AnyOfRemoved(_) => (Side::Base, &self.old_at),
            _ => (Side::Revision, &self.new_at),
        }
    }

    /// The full path including the property a property change is about.
    fn full_path(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.path.iter().map(String::as_str).collect();
        match &self.kind {
            SchemaChangeKind::PropertyAdded { name, .. }
            | SchemaChangeKind::PropertyRemoved { name, .. }
            | SchemaChangeKind::RequiredAdded { name }
            | SchemaChangeKind::RequiredRemoved { name }
            | SchemaChangeKind::BecameNotReadOnly { name, .. } => p.push(name),
            _ => {}
        }
        p
    }

    /// `results[].owner.login`: the property the change is about, `""` for
    /// the body schema itself.
    #[must_use]
    pub fn property(&self) -> String {
        dotted(self.full_path())
    }

    /// The property path inside [`Self::origin`] (`owner.login`), `""` for
    /// the component itself.
    #[must_use]
    pub fn local_property(&self) -> String {
        let mut p: Vec<&str> = self.local.iter().map(String::as_str).collect();
        let full = self.full_path();
        if full.len() > self.path.len() {
            p.extend(&full[self.path.len()..]);
        }
        dotted(p)
    }

    /// The JSON-pointer suffix of the changed element below the schema
    /// (`/properties/results/items/properties/id`), refs read as inlined.
    #[must_use]
    pub fn pointer_suffix(&self) -> String {
        let mut out = String::new();
        for seg in self.full_path() {
            match seg {
                "[]" => out.push_str("/items"),
                "*" => out.push_str("/additionalProperties"),
                s => {
                    out.push_str("/properties/");
                    out.push_str(&crate::spec::escape_pointer(s));
                }
            }
        }
        out
    }
}

/// `a.b[].c{*}` from path segments.
fn dotted<'s>(segs: impl IntoIterator<Item = &'s str>) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            "[]" => out.push_str("[]"),
            "*" => out.push_str("{*}"),
            s => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(s);
            }
        }
    }
    out
}

/// A document as a JSON value, for following `$ref`s.
pub(crate) struct Doc<'a> {
    root: &'a Value,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(root: &'a Value) -> Doc<'a> {
        Doc { root }
    }

    /// The document root.
    pub(crate) fn root(&self) -> &'a Value {
        self.root
    }

    /// Follows `$ref`s from `v`: the target and the last ref string followed.
    /// A ref that does not resolve is left as it is (it compares as `any`).
    pub(crate) fn resolve(&self, mut v: &'a Value) -> (&'a Value, Option<&'a str>) {
        let mut name = None;
        for _ in 0..MAX_HOPS {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else { break };
            let Some(target) = self.lookup(r) else { break };
            name = Some(r);
            v = target;
        }
        (v, name)
    }

    /// [`Self::resolve`], and the JSON pointer of the target: `at` itself
    /// when `v` is no ref, else the last ref's fragment.
    pub(crate) fn resolve_at(&self, v: &'a Value, at: &str) -> (&'a Value, String) {
        match self.resolve(v) {
            (t, Some(r)) => (t, ref_pointer(r)),
            (t, None) => (t, at.to_string()),
        }
    }

    fn lookup(&self, r: &str) -> Option<&'a Value> {
        let pointer = r.strip_prefix('#')?;
        let mut v = self.root;
        for seg in pointer.split('/').skip(1) {
            let seg = crate::spec::unescape_pointer(seg);
            v = match v {
                Value::Object(m) => m.get(&seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// `#/components/schemas/Pet%20Kind` → `/components/schemas/Pet Kind`: a ref
/// fragment (a URI fragment, so percent-encoded) as a plain JSON pointer.
pub(crate) fn ref_pointer(r: &str) -> String {
    let fragment = r.strip_prefix('#').unwrap_or(r);
    fragment
        .split('/')
        .skip(1)
        .map(|s| format!("/{}", escape_pointer(&crate::spec::unescape_pointer(s))))
        .collect()
}

/// `#/components/schemas/Pet` → `Pet`.
pub(crate) fn ref_name(r: &str) -> String {
    crate::spec::unescape_pointer(r.rsplit('/').next().unwrap_or(r))
}

/// `base` + `/key`, the key escaped.
fn child(base: &str, key: &str) -> String {
    format!("{base}/{}", escape_pointer(key))
}

/// A schema with refs, `allOf: [one]` wrappers and one-member unions seen
/// through, the annotations collected on the way, and where it is.
struct Core<'a> {
    node: &'a Value,
    at: String,
    name: Option<&'a str>,
    nullable: bool,
    read_only: bool,
    write_only: bool,
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Keys that make a schema more than an annotation wrapper.
const STRUCTURE: &[&str] =
    &["type", "properties", "items", "oneOf", "anyOf", "allOf", "enum", "additionalProperties"];

/// The one member of a wrapper: `allOf: [X]` (drf-spectacular's way to add
/// `nullable` or `readOnly` to a ref) or a one-member `oneOf`/`anyOf` (what
/// is left of `oneOf: [X, {type: 'null'}]` once the null member became
/// `nullable`). A one-member union admits exactly what its member admits.
fn only_member(t: &Value) -> Option<(&Value, &'static str)> {
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some([only]) = t.get(key).and_then(Value::as_array).map(Vec::as_slice) {
            let others = STRUCTURE.iter().any(|k| *k != key && t.get(*k).is_some());
            return (!others).then_some((only, key));
        }
    }
    None
}

fn unwrap<'a>(doc: &Doc<'a>, v: &'a Value, at: &str) -> Core<'a> {
    let mut c = Core {
        node: v,
        at: at.to_string(),
        name: None,
        nullable: false,
        read_only: false,
        write_only: false,
    };
    for _ in 0..MAX_HOPS {
        let (t, name) = doc.resolve(c.node);
        if let Some(r) = name {
            c.name = Some(r);
            c.at = ref_pointer(r);
        }
        c.node = t;
        c.nullable |= flag(t, "nullable") || t.get(NULL_MARKER).is_some();
        c.read_only |= flag(t, "readOnly");
        c.write_only |= flag(t, "writeOnly");
        match only_member(t) {
            Some((only, key)) => {
                c.node = only;
                c.at = format!("{}/{key}/0", c.at);
            }
            None => break,
        }
    }
    c
}

/// Builds a branch change (`OneOfAdded`, `AnyOfRemoved`, …) from labels.
type BranchKind = fn(Vec<String>) -> SchemaChangeKind;

/// A list of union branches and the pointer of the list.
type Branches<'a> = (&'a [Value], String);

/// The facts of one schema that are compared, with `allOf` merged in.
#[derive(Default)]
struct View<'a> {
    ty: Option<&'a str>,
    format: Option<&'a str>,
    null_only: bool,
    enumeration: Option<Vec<String>>,
    props: Vec<Prop<'a>>,
    required: BTreeSet<&'a str>,
    items: Option<(&'a Value, String)>,
    additional: Option<(&'a Value, String)>,
    one_of: Option<Branches<'a>>,
    any_of: Option<Branches<'a>>,
    max_length: Option<u64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    pattern: Option<&'a str>,
}

/// One property of a view: its name, schema and where that schema is.
#[derive(Clone)]
struct Prop<'a> {
    name: &'a str,
    schema: &'a Value,
    at: String,
    pinned: bool,
}

/// The schema allows exactly one value (`enum: [v]`, or `const: v` as
/// `spec::normalise` rewrites it).
fn pins(doc: &Doc<'_>, v: &Value) -> bool {
    let c = unwrap(doc, v, "");
    c.node.get("enum").and_then(Value::as_array).is_some_and(|a| a.len() == 1)
}

/// Adds `p` to `props`: a new name is appended; a name already there keeps
/// a pinned definition over an unpinned one, else takes `p` when
/// `override_existing` (the schema's own `properties` over its `allOf`).
fn add_prop<'a>(props: &mut Vec<Prop<'a>>, p: Prop<'a>, override_existing: bool) {
    match props.iter_mut().find(|x| x.name == p.name) {
        None => props.push(p),
        Some(slot) => {
            if (p.pinned && !slot.pinned) || (override_existing && (p.pinned || !slot.pinned)) {
                *slot = p;
            }
        }
    }
}

fn view<'a>(doc: &Doc<'a>, node: &'a Value, at: &str, depth: usize) -> View<'a> {
    let s = |k: &str| node.get(k).and_then(Value::as_str);
    let branches =
        |k: &str| node.get(k).and_then(Value::as_array).map(|a| (a.as_slice(), child(at, k)));
    let mut v = View {
        ty: s("type")
            .or_else(|| node.get("enum").and_then(Value::as_array).and_then(|a| values_type(a))),
        format: s("format"),
        null_only: node.get(NULL_MARKER).is_some(),
        enumeration: node
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(enum_value).collect()),
        items: node.get("items").map(|i| (i, child(at, "items"))),
        additional: node
            .get("additionalProperties")
            .filter(|a| a.is_object())
            .map(|a| (a, child(at, "additionalProperties"))),
        one_of: branches("oneOf"),
        any_of: branches("anyOf"),
        max_length: node.get("maxLength").and_then(Value::as_u64),
        minimum: node.get("minimum").and_then(Value::as_f64),
        maximum: node.get("maximum").and_then(Value::as_f64),
        pattern: s("pattern"),
        ..View::default()
    };
    let mut props: Vec<Prop<'a>> = Vec::new();
    let mut required = BTreeSet::new();
    if let Some(all) = node.get("allOf").and_then(Value::as_array)
        && depth < MAX_HOPS
    {
        for (i, m) in all.iter().enumerate() {
            let c = unwrap(doc, m, &format!("{at}/allOf/{i}"));
            let mv = view(doc, c.node, &c.at, depth + 1);
            v.ty = v.ty.or(mv.ty);
            v.format = v.format.or(mv.format);
            v.enumeration = v.enumeration.take().or(mv.enumeration);
            v.items = v.items.take().or(mv.items);
            v.additional = v.additional.take().or(mv.additional);
            v.one_of = v.one_of.take().or(mv.one_of);
            v.any_of = v.any_of.take().or(mv.any_of);
            v.max_length = v.max_length.or(mv.max_length);
            v.minimum = v.minimum.or(mv.minimum);
            v.maximum = v.maximum.or(mv.maximum);
            v.pattern = v.pattern.or(mv.pattern);
            for p in mv.props {
                add_prop(&mut props, p, false);
            }
            required.extend(mv.required);
        }
    }
    if let Some(own) = node.get("properties").and_then(Value::as_object) {
        let base = child(at, "properties");
        for (name, schema) in own {
            let p = Prop {
                name: name.as_str(),
                schema,
                at: child(&base, name),
                pinned: pins(doc, schema),
            };
            add_prop(&mut props, p, true);
        }
    }
    if let Some(req) = node.get("required").and_then(Value::as_array) {
        required.extend(req.iter().filter_map(Value::as_str));
    }
    v.props = props;
    v.required = required;
    if depth < MAX_HOPS {
        merge_enum_union(doc, &mut v, depth);
    }
    v
}

/// A union whose every branch is only an enum admits the union of their
/// values: it is read as that one enum (type from the branches).
fn merge_enum_union<'a>(doc: &Doc<'a>, v: &mut View<'a>, depth: usize) {
    for any in [false, true] {
        let Some((branches, at)) = (if any { v.any_of.clone() } else { v.one_of.clone() }) else {
            continue;
        };
        let mut values: Vec<String> = Vec::new();
        let mut ty: Option<&str> = None;
        let mut all_enums = !branches.is_empty();
        for (i, b) in branches.iter().enumerate() {
            let c = unwrap(doc, b, &format!("{at}/{i}"));
            let bv = view(doc, c.node, &c.at, depth + 1);
            let plain = bv.props.is_empty()
                && bv.items.is_none()
                && bv.additional.is_none()
                && bv.one_of.is_none()
                && bv.any_of.is_none();
            match (&bv.enumeration, plain) {
                (Some(e), true) if ty.is_none() || bv.ty.is_none() || bv.ty == ty => {
                    ty = ty.or(bv.ty);
                    for x in e {
                        if !values.contains(x) {
                            values.push(x.clone());
                        }
                    }
                }
                _ => {
                    all_enums = false;
                    break;
                }
            }
        }
        if all_enums {
            v.enumeration = Some(values);
            if let Some(t) = ty {
                v.ty = v.ty.or(Some(t));
            }
            if any {
                v.any_of = None;
            } else {
                v.one_of = None;
            }
        }
    }
}

/// The JSON type all the (non-null) values of an untyped enum share.
fn values_type(values: &[Value]) -> Option<&'static str> {
    let mut ty = None;
    for v in values.iter().filter(|v| !v.is_null()) {
        let t = match v {
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::Array(_) => "array",
            _ => "object",
        };
        match ty {
            None => ty = Some(t),
            Some(prev) if prev == t => {}
            Some("integer") if t == "number" => ty = Some("number"),
            Some("number") if t == "integer" => {}
            Some(_) => return None,
        }
    }
    ty
}

fn enum_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The type as compared: `string(uri)`, `integer`, `object`, `oneOf`, …
/// Integer and number formats are left out: both generators map every
/// integer format to one type (`number` / `int`), so GitHub's `integer` →
/// `integer(int64)` is no change; a string format changes what is valid on
/// the wire and, for dates and binary, the generated type. An untyped enum
/// has the type of its values.
fn type_of(v: &View<'_>) -> String {
    match v.ty {
        Some("string") => match v.format {
            Some(f) if !f.is_empty() => format!("string({f})"),
            _ => "string".into(),
        },
        Some(t) => t.to_string(),
        None if v.null_only => "null".into(),
        None if !v.props.is_empty() || v.additional.is_some() => "object".into(),
        None if v.items.is_some() => "array".into(),
        None if v.one_of.is_some() => "oneOf".into(),
        None if v.any_of.is_some() => "anyOf".into(),
        None => match &v.enumeration {
            Some(e) if !e.is_empty() => "enum".into(),
            _ => "any".into(),
        },
    }
}

/// What tells a union branch apart from its siblings: the first property
/// (by name) pinned to one value (`kind: {const: card}` → `kind=card`), or
/// the branch's own single value.
fn branch_key(doc: &Doc<'_>, v: &Value, depth: usize) -> Option<String> {
    let c = unwrap(doc, v, "");
    let bv = view(doc, c.node, "", depth + 1);
    if let Some([one]) = bv.enumeration.as_deref() {
        return Some(format!("={one}"));
    }
    let mut pinned: Vec<&Prop<'_>> = bv.props.iter().filter(|p| p.pinned).collect();
    pinned.sort_by_key(|p| p.name);
    let p = pinned.first()?;
    let pc = unwrap(doc, p.schema, "");
    let value = pc.node.get("enum").and_then(Value::as_array)?.first().map(enum_value)?;
    Some(format!("{}={value}", p.name))
}

/// Property names of a branch and its type, for similarity.
fn shape(doc: &Doc<'_>, v: &Value) -> (String, BTreeSet<String>) {
    let c = unwrap(doc, v, "");
    let bv = view(doc, c.node, "", 0);
    (type_of(&bv), bv.props.iter().map(|p| p.name.to_string()).collect())
}

/// Two branches look alike: the same type and, for objects, at least half
/// of the smaller one's properties in the other (so a branch that gained
/// three optional properties still matches). Higher is more alike: the
/// overlap, then the Jaccard index.
fn similarity(a: &(String, BTreeSet<String>), b: &(String, BTreeSet<String>)) -> Option<f64> {
    if a.0 != b.0 {
        return None;
    }
    let union = a.1.union(&b.1).count();
    let smaller = a.1.len().min(b.1.len());
    if union == 0 {
        return Some(2.0);
    }
    let common = a.1.intersection(&b.1).count();
    #[allow(clippy::cast_precision_loss)] // property counts are small
    let (overlap, jaccard) = (common as f64 / smaller.max(1) as f64, common as f64 / union as f64);
    (overlap >= 0.5).then_some(overlap + jaccard)
}

/// Every change only widens what the schema admits (the new side accepts
/// every value the old one did, as far as the changes tell): branches or
/// enum values added, a requirement or a bound dropped or loosened, an
/// optional property added, `null` allowed.
pub(crate) fn only_widens(changes: &[SchemaChange]) -> bool {
    changes.iter().all(|c| match &c.kind {
        SchemaChangeKind::OneOfAdded(_)
        | SchemaChangeKind::AnyOfAdded(_)
        | SchemaChangeKind::EnumValuesAdded(_)
        | SchemaChangeKind::RequiredRemoved { .. }
        | SchemaChangeKind::PropertyAdded { required: false, .. }
        | SchemaChangeKind::BecameNotReadOnly { required: false, .. }
        | SchemaChangeKind::NullableChanged { to: true, .. }
        | SchemaChangeKind::PatternChanged { to: None, .. } => true,
        SchemaChangeKind::MaxLengthChanged { from, to } => {
            to.is_none() || from.zip(*to).is_some_and(|(f, t)| t >= f)
        }
        SchemaChangeKind::MaximumChanged { from, to } => {
            to.is_none() || from.zip(*to).is_some_and(|(f, t)| t >= f)
        }
        SchemaChangeKind::MinimumChanged { from, to } => {
            to.is_none() || from.zip(*to).is_some_and(|(f, t)| t <= f)
        }
        _ => false,
    })
}

/// Compares schemas in both documents, caching per pair of components.
pub(crate) struct Differ<'a> {
    old: Doc<'a>,
    new: Doc<'a>,
    dir: Direction,
    depth: usize,
    cache: HashMap<(Direction, usize, usize), Vec<SchemaChange>>,
    in_progress: HashSet<(Direction, usize, usize)>,
}

impl<'a> Differ<'a> {
    pub(crate) fn new(old: &'a Value, new: &'a Value) -> Differ<'a> {
        Differ {
            old: Doc::new(old),
            new: Doc::new(new),
            dir: Direction::Request,
            depth: 0,
            cache: HashMap::new(),
            in_progress: HashSet::new(),
        }
    }

    pub(crate) fn old_doc(&self) -> &Doc<'a> {
        &self.old
    }

    pub(crate) fn new_doc(&self) -> &Doc<'a> {
        &self.new
    }

    /// Compares two schemas travelling in `dir`; `oat`/`nat` are their JSON
    /// pointers in the base and the revision.
    pub(crate) fn compare(
        &mut self,
        dir: Direction,
        o: &'a Value,
        n: &'a Value,
        oat: &str,
        nat: &str,
    ) -> Vec<SchemaChange> {
        self.dir = dir;
        self.schema(o, n, oat, nat)
    }

    fn schema(&mut self, o: &'a Value, n: &'a Value, oat: &str, nat: &str) -> Vec<SchemaChange> {
        if self.depth > MAX_DEPTH {
            return Vec::new();
        }
        let oc = unwrap(&self.old, o, oat);
        let nc = unwrap(&self.new, n, nat);
        let mut out = Vec::new();
        if oc.nullable != nc.nullable {
            out.push(change(
                SchemaChangeKind::NullableChanged { from: oc.nullable, to: nc.nullable },
                oat,
                nat,
            ));
        }
        out.extend(self.cached(&oc, &nc));
        out
    }

    fn cached(&mut self, oc: &Core<'a>, nc: &Core<'a>) -> Vec<SchemaChange> {
        let key =
            (self.dir, std::ptr::from_ref(oc.node) as usize, std::ptr::from_ref(nc.node) as usize);
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        // A pair already being compared further up: a cycle. Equal here;
        // any difference is reported where the walk first met the pair.
        if !self.in_progress.insert(key) {
            return Vec::new();
        }
        self.depth += 1;
        let mut out = self.body(oc, nc);
        self.depth -= 1;
        self.in_progress.remove(&key);
        // A change belongs to the innermost component its source is in: a
        // union in an operation that became a component's schema changed in
        // the operation, not in the component.
        for r in [nc.name, oc.name].into_iter().flatten() {
            let (name, at) = (ref_name(r), ref_pointer(r));
            for c in &mut out {
                let (_, source) = c.source();
                let inside = source.strip_prefix(at.as_str());
                if c.origin.is_none()
                    && inside.is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                {
                    c.origin = Some(name.clone());
                    c.local.clone_from(&c.path);
                }
            }
        }
        dedup(&mut out);
        if oc.name.is_some() || nc.name.is_some() {
            self.cache.insert(key, out.clone());
        }
        out
    }

    /// Everything but the node's own nullability, which [`Self::schema`]
    /// compares outside the cache (it belongs to the place, not the
    /// component).
    fn body(&mut self, oc: &Core<'a>, nc: &Core<'a>) -> Vec<SchemaChange> {
        let vo = view(&self.old, oc.node, &oc.at, 0);
        let vn = view(&self.new, nc.node, &nc.at, 0);
        let (to, tn) = (type_of(&vo), type_of(&vn));
        let here = |kind| change(kind, &oc.at, &nc.at);
        if to != tn {
            return self
                .union_step(oc, nc, &vo, &vn)
                .unwrap_or_else(|| vec![here(SchemaChangeKind::TypeChanged { from: to, to: tn })]);
        }
        let mut out = Vec::new();
        match (&vo.enumeration, &vn.enumeration) {
            (None, Some(_)) => out.push(here(SchemaChangeKind::BecameEnum)),
            (Some(a), Some(b)) => {
                let removed: Vec<String> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
                let added: Vec<String> = b.iter().filter(|x| !a.contains(x)).cloned().collect();
                if !removed.is_empty() {
                    out.push(here(SchemaChangeKind::EnumValuesRemoved(removed)));
                }
                if !added.is_empty() {
                    out.push(here(SchemaChangeKind::EnumValuesAdded(added)));
                }
            }
            _ => {}
        }
        if vo.max_length != vn.max_length {
            out.push(here(SchemaChangeKind::MaxLengthChanged {
                from: vo.max_length,
                to: vn.max_length,
            }));
        }
        if vo.minimum != vn.minimum {
            out.push(here(SchemaChangeKind::MinimumChanged { from: vo.minimum, to: vn.minimum }));
        }
        if vo.maximum != vn.maximum {
            out.push(here(SchemaChangeKind::MaximumChanged { from: vo.maximum, to: vn.maximum }));
        }
        if vo.pattern != vn.pattern {
            out.push(here(SchemaChangeKind::PatternChanged {
                from: vo.pattern.map(str::to_string),
                to: vn.pattern.map(str::to_string),
            }));
        }
        self.properties(&vo, &vn, &mut out);
        if let (Some((a, aat)), Some((b, bat))) = (&vo.items, &vn.items) {
            nest(&mut out, "[]", self.schema(a, b, aat, bat));
        }
        if let (Some((a, aat)), Some((b, bat))) = (&vo.additional, &vn.additional) {
            nest(&mut out, "*", self.schema(a, b, aat, bat));
        }
        for any in [false, true] {
            let pick = |v: &View<'a>| if any { v.any_of.clone() } else { v.one_of.clone() };
            if let (Some(a), Some(b)) = (pick(&vo), pick(&vn)) {
                let (nested, added, removed) = self.branches(&a, &b);
                out.extend(nested);
                let (add_kind, remove_kind): (BranchKind, BranchKind) = if any {
                    (SchemaChangeKind::AnyOfAdded, SchemaChangeKind::AnyOfRemoved)
                } else {
                    (SchemaChangeKind::OneOfAdded, SchemaChangeKind::OneOfRemoved)
                };
                if !removed.is_empty() {
                    out.push(change(remove_kind(removed), &a.1, &b.1));
                }
                if !added.is_empty() {
                    out.push(change(add_kind(added), &a.1, &b.1));
                }
            }
        }
        out
    }

    /// A schema that became a union of itself and other branches (InvenTree
    /// 525: `string(uri)` → `oneOf: [string(uri), string(maxLength 0)]`) is
    /// branches added, not a new type; a union that became one of its own
    /// branches (CVAT: `AnnotationsRead` → `LabeledData`) is branches
    /// removed. The branch that stands for the plain side is the equal one,
    /// else the most similar one, whose differences are reported as changes
    /// inside it. Direction then decides: widening a response or narrowing a
    /// request breaks clients, the opposite does not.
    fn union_step(
        &mut self,
        oc: &Core<'a>,
        nc: &Core<'a>,
        vo: &View<'a>,
        vn: &View<'a>,
    ) -> Option<Vec<SchemaChange>> {
        let plain = |v: &View<'_>| v.one_of.is_none() && v.any_of.is_none();
        if plain(vo) {
            for (branches, any) in [(&vn.one_of, false), (&vn.any_of, true)] {
                let Some((branches, at)) = branches else { continue };
                let (twin, mut out) = self.twin(oc, branches, at, false)?;
                let others = branches
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != twin)
                    .map(|(_, b)| label(&self.new, b))
                    .collect();
                let kind = if any {
                    SchemaChangeKind::AnyOfAdded(others)
                } else {
                    SchemaChangeKind::OneOfAdded(others)
                };
                out.push(change(kind, &oc.at, at));
                return Some(out);
            }
        }
        if plain(vn) {
            for (branches, any) in [(&vo.one_of, false), (&vo.any_of, true)] {
                let Some((branches, at)) = branches else { continue };
                let (twin, mut out) = self.twin(nc, branches, at, true)?;
                // A branch the plain schema still admits was folded into
                // it, not removed (GitHub: `oneOf: [{labels: string[]},
                // {labels: object[]}]` → `{labels: (string | object)[]}`).
                let mut others = Vec::new();
                for (i, b) in branches.iter().enumerate() {
                    if i == twin {
                        continue;
                    }
                    let bc = unwrap(&self.old, b, &format!("{at}/{i}"));
                    if !only_widens(&self.cached(&bc, nc)) {
                        others.push(label(&self.old, b));
                    }
                }
                if others.is_empty() {
                    return Some(out);
                }
                let kind = if any {
                    SchemaChangeKind::AnyOfRemoved(others)
                } else {
                    SchemaChangeKind::OneOfRemoved(others)
                };
                out.push(change(kind, at, &nc.at));
                return Some(out);
            }
        }
        None
    }

    /// The branch of `branches` (in the base when `in_old`) that stands for
    /// the plain schema `plain` of the other side: an equal one, else the
    /// most similar one; with the changes between the two.
    fn twin(
        &mut self,
        plain: &Core<'a>,
        branches: &'a [Value],
        at: &str,
        in_old: bool,
    ) -> Option<(usize, Vec<SchemaChange>)> {
        let compare = |this: &mut Self, i: usize| {
            let bat = format!("{at}/{i}");
            if in_old {
                let bc = unwrap(&this.old, &branches[i], &bat);
                this.cached(&bc, plain)
            } else {
                let bc = unwrap(&this.new, &branches[i], &bat);
                this.cached(plain, &bc)
            }
        };
        if let Some(i) = (0..branches.len()).find(|&i| compare(self, i).is_empty()) {
            return Some((i, Vec::new()));
        }
        let (plain_doc, branch_doc) =
            if in_old { (&self.new, &self.old) } else { (&self.old, &self.new) };
        let want = shape(plain_doc, plain.node);
        let best = branches
            .iter()
            .enumerate()
            .filter_map(|(i, b)| similarity(&want, &shape(branch_doc, b)).map(|s| (i, s)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
        Some((best.0, compare(self, best.0)))
    }

    /// A property is seen only if it travels in this direction.
    fn visible(&self, c: &Core<'a>) -> bool {
        match self.dir {
            Direction::Request => !c.read_only,
            Direction::Response => !c.write_only,
        }
    }

    fn properties(&mut self, vo: &View<'a>, vn: &View<'a>, out: &mut Vec<SchemaChange>) {
        let side = |doc: &Doc<'a>, props: &[Prop<'a>]| -> Vec<(Prop<'a>, bool)> {
            props.iter().map(|p| (p.clone(), self.visible(&unwrap(doc, p.schema, "")))).collect()
        };
        let olds = side(&self.old, &vo.props);
        let news = side(&self.new, &vn.props);
        for (op, _) in olds.iter().filter(|(_, seen)| *seen) {
            let was_required = vo.required.contains(op.name);
            match news.iter().find(|(p, seen)| *seen && p.name == op.name) {
                None => out.push(change(
                    SchemaChangeKind::PropertyRemoved {
                        name: op.name.to_string(),
                        required: was_required,
                    },
                    &op.at,
                    news.iter().find(|(p, _)| p.name == op.name).map_or("", |(p, _)| &p.at),
                )),
                Some((np, _)) => {
                    let is_required = vn.required.contains(np.name);
                    let name = op.name.to_string();
                    if is_required && !was_required {
                        out.push(change(SchemaChangeKind::RequiredAdded { name }, &op.at, &np.at));
                    } else if was_required && !is_required {
                        out.push(change(
                            SchemaChangeKind::RequiredRemoved { name },
                            &op.at,
                            &np.at,
                        ));
                    }
                    nest(out, op.name, self.schema(op.schema, np.schema, &op.at, &np.at));
                }
            }
        }
        for (np, _) in news.iter().filter(|(_, seen)| *seen) {
            if olds.iter().any(|(p, seen)| *seen && p.name == np.name) {
                continue;
            }
            let required = vn.required.contains(np.name);
            let name = np.name.to_string();
            // Hidden in the base (readOnly in a request) rather than absent:
            // the same property now travels this way.
            let hidden = olds.iter().find(|(p, _)| p.name == np.name);
            let kind = match hidden {
                Some(_) if self.dir == Direction::Request => {
                    SchemaChangeKind::BecameNotReadOnly { name, required }
                }
                _ => SchemaChangeKind::PropertyAdded { name, required },
            };
            out.push(change(kind, hidden.map_or("", |(p, _)| &p.at), &np.at));
        }
    }

    /// Matches `oneOf`/`anyOf` branches: by component name, then by the
    /// value that tells them apart ([`branch_key`]), then an unmatched pair
    /// that compares equal (so an inline branch equals its extracted
    /// `$ref`), then the most similar branch of the same type. Returns
    /// (changes inside matched branches, labels added, labels removed).
    // The passes walk the base's branches by index, pairing them with the
    // revision's through `pair` and `used`.
    #[allow(clippy::needless_range_loop)]
    fn branches(
        &mut self,
        olds: &Branches<'a>,
        news: &Branches<'a>,
    ) -> (Vec<SchemaChange>, Vec<String>, Vec<String>) {
        let (olds, oat) = (olds.0, olds.1.as_str());
        let (news, nat) = (news.0, news.1.as_str());
        let oname = |i: usize| unwrap(&self.old, &olds[i], "").name;
        let nname = |j: usize| unwrap(&self.new, &news[j], "").name;
        let mut pair: Vec<Option<usize>> = vec![None; olds.len()];
        let mut used = vec![false; news.len()];
        // Pass 1: component name.
        for i in 0..olds.len() {
            let Some(name) = oname(i) else { continue };
            if let Some(j) = (0..news.len()).find(|&j| !used[j] && nname(j) == Some(name)) {
                pair[i] = Some(j);
                used[j] = true;
            }
        }
        // Pass 2: discriminating value.
        let depth = self.depth;
        let okeys: Vec<Option<String>> =
            olds.iter().map(|b| branch_key(&self.old, b, depth)).collect();
        let nkeys: Vec<Option<String>> =
            news.iter().map(|b| branch_key(&self.new, b, depth)).collect();
        for i in 0..olds.len() {
            if pair[i].is_some() || okeys[i].is_none() {
                continue;
            }
            if let Some(j) = (0..news.len()).find(|&j| !used[j] && nkeys[j] == okeys[i]) {
                pair[i] = Some(j);
                used[j] = true;
            }
        }
        // Pass 3: equal content.
        for i in 0..olds.len() {
            if pair[i].is_some() {
                continue;
            }
            let twin = (0..news.len()).find(|&j| {
                !used[j]
                    && self
                        .schema(&olds[i], &news[j], &format!("{oat}/{i}"), &format!("{nat}/{j}"))
                        .is_empty()
            });
            if let Some(j) = twin {
                pair[i] = Some(j);
                used[j] = true;
            }
        }
        // Pass 4: the most similar branch of the same type.
        let nshapes: Vec<_> = news.iter().map(|b| shape(&self.new, b)).collect();
        for i in 0..olds.len() {
            if pair[i].is_some() {
                continue;
            }
            let want = shape(&self.old, &olds[i]);
            let best = (0..news.len())
                .filter(|&j| !used[j])
                .filter_map(|j| similarity(&want, &nshapes[j]).map(|s| (j, s)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((j, _)) = best {
                pair[i] = Some(j);
                used[j] = true;
            }
        }
        let mut nested = Vec::new();
        let mut removed = Vec::new();
        for (i, p) in pair.iter().enumerate() {
            match p {
                Some(j) => nested.extend(self.schema(
                    &olds[i],
                    &news[*j],
                    &format!("{oat}/{i}"),
                    &format!("{nat}/{j}"),
                )),
                None => {
                    // Admitted as it is by a branch of the revision: merged
                    // into it, nothing a client sends is refused.
                    let oat_i = format!("{oat}/{i}");
                    let admitted = (0..news.len()).any(|j| {
                        only_widens(&self.schema(&olds[i], &news[j], &oat_i, &format!("{nat}/{j}")))
                    });
                    if !admitted {
                        removed.push(label(&self.old, &olds[i]));
                    }
                }
            }
        }
        let added =
            (0..news.len()).filter(|&j| !used[j]).map(|j| label(&self.new, &news[j])).collect();
        (nested, added, removed)
    }
}

/// How a branch is named in a message: its component, else its type.
fn label(doc: &Doc<'_>, v: &Value) -> String {
    let c = unwrap(doc, v, "");
    match c.name {
        Some(n) => ref_name(n),
        None => type_of(&view(doc, c.node, "", 0)),
    }
}

fn change(kind: SchemaChangeKind, old_at: &str, new_at: &str) -> SchemaChange {
    SchemaChange {
        path: Vec::new(),
        origin: None,
        local: Vec::new(),
        old_at: old_at.to_string(),
        new_at: new_at.to_string(),
        kind,
    }
}

/// Moves `inner` one level down, under `seg`.
fn nest(out: &mut Vec<SchemaChange>, seg: &str, inner: Vec<SchemaChange>) {
    for mut c in inner {
        c.path.insert(0, seg.to_string());
        out.push(c);
    }
}

/// Keeps the first change per cause: a change inside a component reached
/// along several paths is one change.
fn dedup(out: &mut Vec<SchemaChange>) {
    let mut seen = HashSet::new();
    out.retain(|c| {
        let place = if c.origin.is_some() { &c.local } else { &c.path };
        seen.insert(format!("{:?}\u{0}{place:?}\u{0}{:?}", c.origin, c.kind))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diff(dir: Direction, old: &Value, new: &Value, o: &str, n: &str) -> Vec<SchemaChange> {
        let mut d = Differ::new(old, new);
        let ov = old.pointer(o).unwrap();
        let nv = new.pointer(n).unwrap();
        d.compare(dir, ov, nv, o, n)
    }

    #[test]
    fn ref_and_equal_inline_schema_are_the_same() {
        let old = json!({"components": {"schemas": {"P": {"type": "object", "properties": {"a": {"type": "string"}}}}},
            "s": {"$ref": "#/components/schemas/P"}});
        let new = json!({"s": {"type": "object", "properties": {"a": {"type": "string"}}}});
        assert!(diff(Direction::Response, &old, &new, "/s", "/s").is_empty());
    }

    #[test]
    fn cycles_terminate() {
        let doc = json!({"components": {"schemas": {"N": {"type": "object", "properties": {
            "next": {"$ref": "#/components/schemas/N"}, "v": {"type": "integer"}}}}},
            "s": {"$ref": "#/components/schemas/N"}});
        let mut changed = doc.clone();
        changed["components"]["schemas"]["N"]["properties"]["v"] = json!({"type": "string"});
        assert!(diff(Direction::Request, &doc, &doc, "/s", "/s").is_empty());
        let d = diff(Direction::Request, &doc, &changed, "/s", "/s");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].property(), "v");
        assert_eq!(d[0].origin.as_deref(), Some("N"));
    }

    #[test]
    fn read_only_properties_are_not_part_of_requests() {
        let old = json!({"s": {"type": "object", "properties": {"id": {"type": "integer", "readOnly": true}}}});
        let new = json!({"s": {"type": "object", "properties": {}}});
        assert!(diff(Direction::Request, &old, &new, "/s", "/s").is_empty());
        assert_eq!(diff(Direction::Response, &old, &new, "/s", "/s").len(), 1);
    }
}
