//! Schema comparison: two schemas (of the same request or response body)
//! → a flat list of [`SchemaChange`]s. Structure only; rules judge.
//!
//! - **Values, not ref strings.** Every `$ref` is followed, so an inline
//!   schema and an equivalent `$ref` compare equal, and a change inside a
//!   component shows up in every endpoint that reaches it (research §1.3).
//! - **Cycles terminate.** A pair of schema nodes already being compared
//!   higher up the walk counts as equal (oasdiff's rule for two sides that
//!   are circular at the same place), and a depth guard backs that up.
//! - **Direction-aware views.** A request body is compared as what a client
//!   sends (readOnly properties left out), a response as what it receives
//!   (writeOnly left out): InvenTree's writeOnly `remote_image` going away
//!   changes requests only.
//! - **allOf is flattened** before comparing (oasdiff's `--flatten-allof`),
//!   and drf-spectacular's `allOf: [$ref]` wrapper (used to add `nullable`
//!   or `readOnly` to a ref) is seen through.
//! - **One change per cause.** A change inside component `X` reached by
//!   several properties of one body is kept once, at the first path that
//!   reaches it, with `origin = X`. Results per pair of components are cached,
//!   which keeps a GitHub-sized document fast.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

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
            )
    }

    /// The full path including the property a property change is about.
    fn full_path(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.path.iter().map(String::as_str).collect();
        match &self.kind {
            SchemaChangeKind::PropertyAdded { name, .. }
            | SchemaChangeKind::PropertyRemoved { name, .. }
            | SchemaChangeKind::RequiredAdded { name }
            | SchemaChangeKind::RequiredRemoved { name } => p.push(name),
            _ => {}
        }
        p
    }

    /// `results[].owner.login`: the property the change is about, `""` for
    /// the body schema itself.
    #[must_use]
    pub fn property(&self) -> String {
        let mut out = String::new();
        for seg in self.full_path() {
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

/// `#/components/schemas/Pet` → `Pet`.
pub(crate) fn ref_name(r: &str) -> String {
    crate::spec::unescape_pointer(r.rsplit('/').next().unwrap_or(r))
}

/// A schema with refs and `allOf: [one]` wrappers seen through, and the
/// annotations collected on the way.
struct Core<'a> {
    node: &'a Value,
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
    &["type", "properties", "items", "oneOf", "anyOf", "enum", "additionalProperties"];

fn unwrap<'a>(doc: &Doc<'a>, v: &'a Value) -> Core<'a> {
    let mut c = Core { node: v, name: None, nullable: false, read_only: false, write_only: false };
    for _ in 0..MAX_HOPS {
        let (t, name) = doc.resolve(c.node);
        if name.is_some() {
            c.name = name;
        }
        c.node = t;
        c.nullable |= flag(t, "nullable") || t.get(NULL_MARKER).is_some();
        c.read_only |= flag(t, "readOnly");
        c.write_only |= flag(t, "writeOnly");
        match t.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            Some([only]) if !STRUCTURE.iter().any(|k| t.get(*k).is_some()) => c.node = only,
            _ => break,
        }
    }
    c
}

/// The facts of one schema that are compared, with `allOf` merged in.
#[derive(Default)]
struct View<'a> {
    ty: Option<&'a str>,
    format: Option<&'a str>,
    null_only: bool,
    enumeration: Option<Vec<String>>,
    props: Vec<(&'a str, &'a Value)>,
    required: BTreeSet<&'a str>,
    items: Option<&'a Value>,
    additional: Option<&'a Value>,
    one_of: Option<&'a [Value]>,
    any_of: Option<&'a [Value]>,
    max_length: Option<u64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    pattern: Option<&'a str>,
}

fn view<'a>(doc: &Doc<'a>, node: &'a Value, depth: usize) -> View<'a> {
    let s = |k: &str| node.get(k).and_then(Value::as_str);
    let mut v = View {
        ty: s("type"),
        format: s("format"),
        null_only: node.get(NULL_MARKER).is_some(),
        enumeration: node
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(enum_value).collect()),
        items: node.get("items"),
        additional: node.get("additionalProperties").filter(|a| a.is_object()),
        one_of: node.get("oneOf").and_then(Value::as_array).map(Vec::as_slice),
        any_of: node.get("anyOf").and_then(Value::as_array).map(Vec::as_slice),
        max_length: node.get("maxLength").and_then(Value::as_u64),
        minimum: node.get("minimum").and_then(Value::as_f64),
        maximum: node.get("maximum").and_then(Value::as_f64),
        pattern: s("pattern"),
        ..View::default()
    };
    let mut props = Vec::new();
    let mut required = BTreeSet::new();
    if let Some(all) = node.get("allOf").and_then(Value::as_array)
        && depth < MAX_HOPS
    {
        for m in all {
            let c = unwrap(doc, m);
            let mv = view(doc, c.node, depth + 1);
            v.ty = v.ty.or(mv.ty);
            v.format = v.format.or(mv.format);
            v.enumeration = v.enumeration.take().or(mv.enumeration);
            v.items = v.items.or(mv.items);
            v.additional = v.additional.or(mv.additional);
            v.one_of = v.one_of.or(mv.one_of);
            v.any_of = v.any_of.or(mv.any_of);
            v.max_length = v.max_length.or(mv.max_length);
            v.minimum = v.minimum.or(mv.minimum);
            v.maximum = v.maximum.or(mv.maximum);
            v.pattern = v.pattern.or(mv.pattern);
            for p in mv.props {
                if !props.iter().any(|(n, _)| *n == p.0) {
                    props.push(p);
                }
            }
            required.extend(mv.required);
        }
    }
    if let Some(own) = node.get("properties").and_then(Value::as_object) {
        for (name, schema) in own {
            if let Some(slot) = props.iter_mut().find(|(n, _)| *n == name.as_str()) {
                slot.1 = schema;
            } else {
                props.push((name.as_str(), schema));
            }
        }
    }
    if let Some(req) = node.get("required").and_then(Value::as_array) {
        required.extend(req.iter().filter_map(Value::as_str));
    }
    v.props = props;
    v.required = required;
    v
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
/// the wire and, for dates and binary, the generated type.
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
        None => "any".into(),
    }
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

    /// Compares two schemas travelling in `dir`.
    pub(crate) fn compare(
        &mut self,
        dir: Direction,
        o: &'a Value,
        n: &'a Value,
    ) -> Vec<SchemaChange> {
        self.dir = dir;
        self.schema(o, n)
    }

    fn schema(&mut self, o: &'a Value, n: &'a Value) -> Vec<SchemaChange> {
        if self.depth > MAX_DEPTH {
            return Vec::new();
        }
        let oc = unwrap(&self.old, o);
        let nc = unwrap(&self.new, n);
        let mut out = Vec::new();
        if oc.nullable != nc.nullable {
            out.push(change(SchemaChangeKind::NullableChanged {
                from: oc.nullable,
                to: nc.nullable,
            }));
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
        if let Some(name) = nc.name.or(oc.name) {
            let name = ref_name(name);
            for c in &mut out {
                if c.origin.is_none() {
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
        let vo = view(&self.old, oc.node, 0);
        let vn = view(&self.new, nc.node, 0);
        let (to, tn) = (type_of(&vo), type_of(&vn));
        if to != tn {
            let kind = self.union_step(oc, nc, &vo, &vn);
            return vec![change(
                kind.unwrap_or(SchemaChangeKind::TypeChanged { from: to, to: tn }),
            )];
        }
        let mut out = Vec::new();
        match (&vo.enumeration, &vn.enumeration) {
            (None, Some(_)) => out.push(change(SchemaChangeKind::BecameEnum)),
            (Some(a), Some(b)) => {
                let removed: Vec<String> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
                let added: Vec<String> = b.iter().filter(|x| !a.contains(x)).cloned().collect();
                if !removed.is_empty() {
                    out.push(change(SchemaChangeKind::EnumValuesRemoved(removed)));
                }
                if !added.is_empty() {
                    out.push(change(SchemaChangeKind::EnumValuesAdded(added)));
                }
            }
            _ => {}
        }
        if vo.max_length != vn.max_length {
            out.push(change(SchemaChangeKind::MaxLengthChanged {
                from: vo.max_length,
                to: vn.max_length,
            }));
        }
        if vo.minimum != vn.minimum {
            out.push(change(SchemaChangeKind::MinimumChanged { from: vo.minimum, to: vn.minimum }));
        }
        if vo.maximum != vn.maximum {
            out.push(change(SchemaChangeKind::MaximumChanged { from: vo.maximum, to: vn.maximum }));
        }
        if vo.pattern != vn.pattern {
            out.push(change(SchemaChangeKind::PatternChanged {
                from: vo.pattern.map(str::to_string),
                to: vn.pattern.map(str::to_string),
            }));
        }
        self.properties(&vo, &vn, &mut out);
        if let (Some(a), Some(b)) = (vo.items, vn.items) {
            nest(&mut out, "[]", self.schema(a, b));
        }
        if let (Some(a), Some(b)) = (vo.additional, vn.additional) {
            nest(&mut out, "*", self.schema(a, b));
        }
        if let (Some(a), Some(b)) = (vo.one_of, vn.one_of) {
            let (nested, added, removed) = self.branches(a, b);
            out.extend(nested);
            if !removed.is_empty() {
                out.push(change(SchemaChangeKind::OneOfRemoved(removed)));
            }
            if !added.is_empty() {
                out.push(change(SchemaChangeKind::OneOfAdded(added)));
            }
        }
        if let (Some(a), Some(b)) = (vo.any_of, vn.any_of) {
            let (nested, added, removed) = self.branches(a, b);
            out.extend(nested);
            if !removed.is_empty() {
                out.push(change(SchemaChangeKind::AnyOfRemoved(removed)));
            }
            if !added.is_empty() {
                out.push(change(SchemaChangeKind::AnyOfAdded(added)));
            }
        }
        out
    }

    /// A schema that became a union of itself and other branches (InvenTree
    /// 525: `string(uri)` → `oneOf: [string(uri), string(maxLength 0)]`) is
    /// branches added, not a new type; a union that became one of its own
    /// branches (CVAT: `AnnotationsRead` → `LabeledData`) is branches
    /// removed. Direction then decides: widening a response or narrowing a
    /// request breaks clients, the opposite does not.
    fn union_step(
        &mut self,
        oc: &Core<'a>,
        nc: &Core<'a>,
        vo: &View<'a>,
        vn: &View<'a>,
    ) -> Option<SchemaChangeKind> {
        let plain = |v: &View<'_>| v.one_of.is_none() && v.any_of.is_none();
        if plain(vo) {
            for (branches, any) in [(vn.one_of, false), (vn.any_of, true)] {
                let Some(branches) = branches else { continue };
                let twin = branches.iter().position(|b| {
                    let bc = unwrap(&self.new, b);
                    self.cached(oc, &bc).is_empty()
                })?;
                let others = branches
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != twin)
                    .map(|(_, b)| label(&self.new, b))
                    .collect();
                return Some(if any {
                    SchemaChangeKind::AnyOfAdded(others)
                } else {
                    SchemaChangeKind::OneOfAdded(others)
                });
            }
        }
        if plain(vn) {
            for (branches, any) in [(vo.one_of, false), (vo.any_of, true)] {
                let Some(branches) = branches else { continue };
                let twin = branches.iter().position(|b| {
                    let bc = unwrap(&self.old, b);
                    self.cached(&bc, nc).is_empty()
                })?;
                let others = branches
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != twin)
                    .map(|(_, b)| label(&self.old, b))
                    .collect();
                return Some(if any {
                    SchemaChangeKind::AnyOfRemoved(others)
                } else {
                    SchemaChangeKind::OneOfRemoved(others)
                });
            }
        }
        None
    }

    /// A property is seen only if it travels in this direction.
    fn visible(&self, doc: &Doc<'a>, v: &'a Value) -> bool {
        let c = unwrap(doc, v);
        match self.dir {
            Direction::Request => !c.read_only,
            Direction::Response => !c.write_only,
        }
    }

    fn properties(&mut self, vo: &View<'a>, vn: &View<'a>, out: &mut Vec<SchemaChange>) {
        let olds: Vec<(&'a str, &'a Value)> =
            vo.props.iter().copied().filter(|(_, v)| self.visible(&self.old, v)).collect();
        let news: Vec<(&'a str, &'a Value)> =
            vn.props.iter().copied().filter(|(_, v)| self.visible(&self.new, v)).collect();
        for &(name, ov) in &olds {
            let was_required = vo.required.contains(name);
            match news.iter().find(|(n, _)| *n == name) {
                None => out.push(change(SchemaChangeKind::PropertyRemoved {
                    name: name.to_string(),
                    required: was_required,
                })),
                Some(&(_, nv)) => {
                    let is_required = vn.required.contains(name);
                    if is_required && !was_required {
                        out.push(change(SchemaChangeKind::RequiredAdded {
                            name: name.to_string(),
                        }));
                    } else if was_required && !is_required {
                        out.push(change(SchemaChangeKind::RequiredRemoved {
                            name: name.to_string(),
                        }));
                    }
                    nest(out, name, self.schema(ov, nv));
                }
            }
        }
        for &(name, _) in &news {
            if !olds.iter().any(|(n, _)| *n == name) {
                out.push(change(SchemaChangeKind::PropertyAdded {
                    name: name.to_string(),
                    required: vn.required.contains(name),
                }));
            }
        }
    }

    /// Matches `oneOf`/`anyOf` branches: by component name first, then an
    /// unmatched pair that compares equal (so an inline branch equals its
    /// extracted `$ref`). Returns (changes inside branches matched by name,
    /// labels added, labels removed).
    fn branches(
        &mut self,
        olds: &'a [Value],
        news: &'a [Value],
    ) -> (Vec<SchemaChange>, Vec<String>, Vec<String>) {
        let old_names: Vec<Option<&str>> = olds.iter().map(|v| unwrap(&self.old, v).name).collect();
        let new_names: Vec<Option<&str>> = news.iter().map(|v| unwrap(&self.new, v).name).collect();
        let mut used = vec![false; news.len()];
        let mut nested = Vec::new();
        let mut unmatched = Vec::new();
        for (i, o) in olds.iter().enumerate() {
            let by_name = old_names[i]
                .and_then(|name| (0..news.len()).find(|&j| !used[j] && new_names[j] == Some(name)));
            match by_name {
                Some(j) => {
                    used[j] = true;
                    nested.extend(self.schema(o, &news[j]));
                }
                None => unmatched.push(i),
            }
        }
        let mut removed = Vec::new();
        for i in unmatched {
            let twin =
                (0..news.len()).find(|&j| !used[j] && self.schema(&olds[i], &news[j]).is_empty());
            match twin {
                Some(j) => used[j] = true,
                None => removed.push(label(&self.old, &olds[i])),
            }
        }
        let added =
            (0..news.len()).filter(|&j| !used[j]).map(|j| label(&self.new, &news[j])).collect();
        (nested, added, removed)
    }
}

/// How a branch is named in a message: its component, else its type.
fn label(doc: &Doc<'_>, v: &Value) -> String {
    let c = unwrap(doc, v);
    match c.name {
        Some(n) => ref_name(n),
        None => type_of(&view(doc, c.node, 0)),
    }
}

fn change(kind: SchemaChangeKind) -> SchemaChange {
    SchemaChange { path: Vec::new(), origin: None, local: Vec::new(), kind }
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
        let o = old.pointer(o).unwrap();
        let n = new.pointer(n).unwrap();
        d.compare(dir, o, n)
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
