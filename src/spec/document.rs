//! A prepared document kept as JSON text and typed one piece at a time.
//!
//! GitHub's 12 MB document becomes ~75 MB of `openapiv3` structs when typed
//! whole (every schema node is sized for the largest `SchemaKind` variant),
//! and typing it whole peaked at ~140 MB. Nothing needs it whole: lowering
//! visits each path item and each component schema once, in order. So the
//! document stays text, indexed by path and by component, and each piece is
//! typed when it is visited and dropped after; only the small parts every
//! operation consults (`info`, parameters, responses, request bodies,
//! headers, security schemes) are typed up front, as [`Document::head`].

use std::ops::Range;
use std::sync::Arc;

use indexmap::IndexMap;
use openapiv3::{OpenAPI, PathItem, ReferenceOr, Schema};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::cache::PieceCache;
use super::{SpecError, escape_pointer, pointer_from_serde_path};

/// Component sections left out of [`Document::head`]: schemas are typed on
/// demand, examples are never read by a generator (GitHub's are 1.9 MB).
const UNTYPED_SECTIONS: &[&str] = &["schemas", "examples"];

/// A parsed, bundled, normalised document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file or URL the bytes came from, for error messages.
    pub origin: String,
    /// The `openapi` version string as written (`3.1.0`), before
    /// normalisation.
    pub version: String,
    /// Hex SHA-256 of the main document's bytes.
    pub hash: String,
    /// Non-fatal problems: unresolvable or remote `$ref`s, fixed-up shapes.
    pub warnings: Vec<String>,
    /// Everything but the paths, the component schemas and examples, and
    /// the top-level `x-` extensions, typed.
    pub head: OpenAPI,
    /// The whole prepared document as JSON; the ranges below index it.
    text: String,
    top: IndexMap<String, Range<usize>>,
    paths: IndexMap<String, Range<usize>>,
    components: IndexMap<String, IndexMap<String, Range<usize>>>,
    /// Typed pieces of earlier runs (the watch daemon's), reused when their
    /// text is unchanged.
    pub(super) cache: Option<Arc<PieceCache>>,
    /// Whether a piece that does not type is repaired (`repair`) instead of
    /// failing the run: set on the second way of reading (`spec::read`),
    /// so the first, fast way still falls back to it on any error.
    pub(super) tolerant: bool,
}

type Index = IndexMap<String, Range<usize>>;

type Parts = (Index, Index, IndexMap<String, Index>, String);

/// The ranges of the top-level members, the paths and each component
/// section's members, and the head's JSON, in one pass over the text (one
/// parse per level read GitHub's document three times: ~40 ms more, which
/// the watch daemon pays on every save). Its errors carry no JSON pointer;
/// [`explain_split_error`] finds one.
fn split(text: &str) -> Result<Parts, serde_json::Error> {
    use serde::de::{Deserializer as _, MapAccess, Visitor};

    type Raw<'t> = IndexMap<String, &'t RawValue>;

    #[derive(Default)]
    struct Top<'t> {
        members: Raw<'t>,
        paths: Raw<'t>,
        sections: IndexMap<String, Raw<'t>>,
        /// `x-` members of `components`, for the head.
        extensions: Raw<'t>,
        has_components: bool,
    }
    struct TopVisitor;
    impl<'t> Visitor<'t> for TopVisitor {
        type Value = Top<'t>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an OpenAPI document")
        }
        fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Top<'t>, A::Error> {
            let mut top = Top::default();
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "paths" => top.paths = map.next_value()?,
                    "components" => {
                        top.has_components = true;
                        let s = map.next_value::<Sections<'t>>()?;
                        (top.sections, top.extensions) = (s.0, s.1);
                    }
                    _ => {
                        top.members.insert(key, map.next_value()?);
                    }
                }
            }
            Ok(top)
        }
    }
    struct Sections<'t>(IndexMap<String, Raw<'t>>, Raw<'t>);
    impl<'t> serde::Deserialize<'t> for Sections<'t> {
        fn deserialize<D: serde::Deserializer<'t>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(SectionsVisitor)
        }
    }
    struct SectionsVisitor;
    impl<'t> Visitor<'t> for SectionsVisitor {
        type Value = Sections<'t>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("components")
        }
        fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Sections<'t>, A::Error> {
            let (mut out, mut ext) = (IndexMap::new(), IndexMap::new());
            while let Some(key) = map.next_key::<String>()? {
                if key.starts_with("x-") {
                    ext.insert(key, map.next_value()?);
                } else {
                    out.insert(key, map.next_value()?);
                }
            }
            Ok(Sections(out, ext))
        }
    }

    let base = text.as_ptr() as usize;
    let range = |raw: &RawValue| {
        let s = raw.get().as_ptr() as usize - base;
        s..s + raw.get().len()
    };
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let mut de = serde_json::Deserializer::from_str(body);
    let top = de.deserialize_map(TopVisitor)?;
    de.end()?;
    let mut head = String::from("{");
    for (k, v) in &top.members {
        if !k.starts_with("x-") {
            push_entry(&mut head, k, v.get());
        }
    }
    push_entry(&mut head, "paths", "{}");
    if top.has_components {
        let mut comps = String::from("{");
        for (section, items) in &top.sections {
            if UNTYPED_SECTIONS.contains(&section.as_str()) {
                continue;
            }
            let mut raw = String::from("{");
            for (k, v) in items {
                push_entry(&mut raw, k, v.get());
            }
            raw.push('}');
            push_entry(&mut comps, section, &raw);
        }
        for (k, v) in &top.extensions {
            push_entry(&mut comps, k, v.get());
        }
        comps.push('}');
        push_entry(&mut head, "components", &comps);
    }
    head.push('}');
    let members = top.members.iter().map(|(k, v)| (k.clone(), range(v))).collect();
    let paths = top.paths.iter().map(|(k, v)| (k.clone(), range(v))).collect();
    let sections = top
        .sections
        .iter()
        .map(|(k, items)| (k.clone(), items.iter().map(|(n, v)| (n.clone(), range(v))).collect()))
        .collect();
    Ok((members, paths, sections, head))
}

/// Why [`split`] refused `text`, with the JSON pointer of the level that is
/// not a mapping: the top level, `/paths`, `/components` or a section. Read
/// level by level, so only on the error path.
fn explain_split_error(text: &str, e: &serde_json::Error) -> String {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let located = || -> Result<(), String> {
        let top: IndexMap<String, &RawValue> = object(body, "")?;
        if let Some(p) = top.get("paths") {
            object(p.get(), "/paths")?;
        }
        if let Some(c) = top.get("components") {
            for (section, raw) in &object(c.get(), "/components")? {
                if !section.starts_with("x-") {
                    object(raw.get(), &format!("/components/{}", escape_pointer(section)))?;
                }
            }
        }
        Ok(())
    };
    match located() {
        Err(m) => m,
        Ok(()) => format!("not a valid OpenAPI document: {e}"),
    }
}

impl Document {
    /// Indexes `text` (one JSON object) and types its head. On error the
    /// text is handed back, for the caller's second way of reading it.
    ///
    /// # Errors
    /// A message naming the JSON pointer when the top level, `paths` or a
    /// component section is not an object, or the head does not type.
    pub(super) fn index(
        text: String,
        origin: &str,
        version: String,
        hash: String,
        warnings: Vec<String>,
        tolerant: bool,
    ) -> Result<Document, (SpecError, String)> {
        let err = |message: String| SpecError { origin: origin.to_string(), message };
        let (top, paths, components, head) =
            match split(&text).map_err(|e| explain_split_error(&text, &e)) {
                Ok(parts) => parts,
                Err(m) => return Err((err(m), text)),
            };
        let mut warnings = warnings;
        let head: OpenAPI = match typed(&head, "") {
            Ok(h) => h,
            Err(_) if tolerant => match repaired_head(&head, &mut warnings) {
                Ok(h) => h,
                Err(m) => return Err((err(m), text)),
            },
            Err(m) => return Err((err(m), text)),
        };
        Ok(Document {
            origin: origin.to_string(),
            version,
            hash,
            warnings,
            head,
            text,
            top,
            paths,
            components,
            cache: None,
            tolerant,
        })
    }

    /// Whether pieces that do not type are repaired rather than refused.
    #[must_use]
    pub fn tolerant(&self) -> bool {
        self.tolerant
    }

    /// A component schema that [`Document::schema`] refused, repaired: the
    /// parts that do not type are typed unknown. The warnings name them.
    #[must_use]
    pub fn repaired_schema(&self, name: &str) -> Option<(Arc<ReferenceOr<Schema>>, Vec<String>)> {
        let at = format!("#/components/schemas/{}", escape_pointer(name));
        self.repaired(self.raw_component("schemas", name)?, &at, |v, w| {
            super::repair::schema(v, &at, w);
            true
        })
    }

    /// A path item that [`Document::path_item`] refused, repaired: the
    /// parts that do not type are dropped or typed unknown. `None` when
    /// nothing of it could be kept. The warnings name what was done.
    #[must_use]
    pub fn repaired_path_item(
        &self,
        path: &str,
    ) -> Option<(Arc<ReferenceOr<PathItem>>, Vec<String>)> {
        let at = format!("#/paths/{}", escape_pointer(path));
        let raw = &self.text[self.paths.get(path)?.clone()];
        self.repaired(raw, &at, |v, w| super::repair::path_item(v, &at, w))
    }

    fn repaired<T: DeserializeOwned>(
        &self,
        raw: &str,
        at: &str,
        repair: impl FnOnce(&mut serde_json::Value, &mut Vec<String>) -> bool,
    ) -> Option<(Arc<T>, Vec<String>)> {
        let mut warnings = Vec::new();
        let mut v: serde_json::Value = serde_json::from_str(raw).ok()?;
        if !repair(&mut v, &mut warnings) {
            return None;
        }
        match typed::<T>(&v.to_string(), at) {
            Ok(t) => Some((Arc::new(t), warnings)),
            Err(m) => {
                warnings.push(m);
                None
            }
        }
    }

    /// The prepared JSON text, giving the document up.
    pub(super) fn into_text(self) -> String {
        self.text
    }

    /// The JSON text of a top-level member (`info`, `servers`, …).
    #[must_use]
    pub fn raw_top(&self, key: &str) -> Option<&str> {
        self.top.get(key).map(|r| &self.text[r.clone()])
    }

    /// Every path with its path item's JSON text, in document order
    /// (`x-` extensions of the paths object left out).
    pub fn raw_paths(&self) -> impl Iterator<Item = (&str, &str)> {
        self.paths
            .iter()
            .filter(|(k, _)| !k.starts_with("x-"))
            .map(|(k, r)| (k.as_str(), &self.text[r.clone()]))
    }

    /// The names of a component section (`schemas`, `parameters`, …) in
    /// document order.
    pub fn component_names(&self, section: &str) -> impl Iterator<Item = &str> {
        self.components.get(section).into_iter().flat_map(|m| m.keys().map(String::as_str))
    }

    /// The component sections present, in document order.
    pub fn component_sections(&self) -> impl Iterator<Item = &str> {
        self.components.keys().map(String::as_str)
    }

    /// A component's JSON text.
    #[must_use]
    pub fn raw_component(&self, section: &str, name: &str) -> Option<&str> {
        self.components.get(section)?.get(name).map(|r| &self.text[r.clone()])
    }

    /// Types one component schema.
    ///
    /// # Errors
    /// The shape `openapiv3` refuses, with the JSON pointer.
    pub fn schema(&self, name: &str) -> Option<Result<Arc<ReferenceOr<Schema>>, SpecError>> {
        let raw = self.raw_component("schemas", name)?;
        let type_it = || {
            let at = format!("/components/schemas/{}", escape_pointer(name));
            typed(raw, &at).map_err(|message| self.error(message))
        };
        Some(match &self.cache {
            Some(c) => c.schema(name, raw, type_it),
            None => type_it().map(Arc::new),
        })
    }

    /// Types one path item.
    ///
    /// # Errors
    /// The shape `openapiv3` refuses, with the JSON pointer.
    pub fn path_item(&self, path: &str) -> Option<Result<Arc<ReferenceOr<PathItem>>, SpecError>> {
        let raw = &self.text[self.paths.get(path)?.clone()];
        let type_it = || {
            let at = format!("/paths/{}", escape_pointer(path));
            typed(raw, &at).map_err(|message| self.error(message))
        };
        Some(match &self.cache {
            Some(c) => c.path_item(path, raw, type_it),
            None => type_it().map(Arc::new),
        })
    }

    /// Reads a path item's JSON text into any shape (the lowering's light
    /// first pass reads only tags and operation ids).
    ///
    /// # Errors
    /// The shape `T` refuses, with the JSON pointer.
    pub fn path_item_as<T: DeserializeOwned>(&self, path: &str) -> Option<Result<T, SpecError>> {
        let raw = &self.text[self.paths.get(path)?.clone()];
        let at = format!("/paths/{}", escape_pointer(path));
        Some(typed(raw, &at).map_err(|message| self.error(message)))
    }

    /// Types the pieces `names` stands for with `type_one` on all cores, a
    /// chunk at a time, and hands each to `consume` in the order of `names`,
    /// on the calling thread (which may hold state that cannot be shared).
    /// At most three chunks are typed and not yet consumed, so memory is
    /// bounded by the chunk size, not by the document; the next chunk is
    /// typed while this one is consumed.
    ///
    /// # Errors
    /// The first error `consume` returns; typing stops there.
    pub fn typed_in_order<T: Send>(
        &self,
        names: &[&str],
        type_one: impl Fn(&str) -> Option<T> + Sync,
        mut consume: impl FnMut(&str, T) -> Result<(), SpecError>,
    ) -> Result<(), SpecError> {
        const CHUNK: usize = 32;
        if names.len() <= CHUNK {
            // One chunk: nothing to overlap, so no producer thread either.
            let typed: Vec<Option<T>> = names.par_iter().map(|n| type_one(n)).collect();
            for (name, t) in names.iter().zip(typed) {
                if let Some(t) = t {
                    consume(name, t)?;
                }
            }
            return Ok(());
        }
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Option<T>>>(1);
            let type_one = &type_one;
            scope.spawn(move || {
                for chunk in names.chunks(CHUNK) {
                    let typed = chunk.par_iter().map(|n| type_one(n)).collect();
                    // The consumer stopped at an error: nothing more to do.
                    if tx.send(typed).is_err() {
                        break;
                    }
                }
            });
            for (chunk, typed) in names.chunks(CHUNK).zip(rx) {
                for (name, t) in chunk.iter().zip(typed) {
                    if let Some(t) = t {
                        consume(name, t)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The whole document typed, pieces in parallel. For diffs of slices and
    /// of two documents; generation never needs it. Read tolerantly, a piece
    /// that does not type is repaired as for generation (the warnings are
    /// generation's to report).
    ///
    /// # Errors
    /// The first piece that does not type (read strictly), with its JSON
    /// pointer.
    pub fn to_openapi(&self) -> Result<OpenAPI, SpecError> {
        let paths: Vec<&str> = self.raw_paths().map(|(p, _)| p).collect();
        let schemas: Vec<&str> = self.component_names("schemas").collect();
        let (paths, schemas) = rayon::join(
            || {
                paths
                    .par_iter()
                    .filter_map(|p| {
                        let item = match self.path_item(p)? {
                            Err(_) if self.tolerant => self.repaired_path_item(p).map(|r| r.0)?,
                            r => {
                                return Some(
                                    r.map(|i| ((*p).to_string(), Arc::unwrap_or_clone(i))),
                                );
                            }
                        };
                        Some(Ok(((*p).to_string(), Arc::unwrap_or_clone(item))))
                    })
                    .collect::<Result<Vec<_>, _>>()
            },
            || {
                schemas
                    .par_iter()
                    .filter_map(|n| {
                        let s = match self.schema(n)? {
                            Err(_) if self.tolerant => self.repaired_schema(n).map(|r| r.0)?,
                            r => {
                                return Some(
                                    r.map(|s| ((*n).to_string(), Arc::unwrap_or_clone(s))),
                                );
                            }
                        };
                        Some(Ok(((*n).to_string(), Arc::unwrap_or_clone(s))))
                    })
                    .collect::<Result<Vec<_>, _>>()
            },
        );
        let mut api = self.head.clone();
        api.paths.paths = paths?.into_iter().collect();
        for (k, r) in self.paths.iter().filter(|(k, _)| k.starts_with("x-")) {
            let at = format!("/paths/{}", escape_pointer(k));
            api.paths
                .extensions
                .insert(k.clone(), typed(&self.text[r.clone()], &at).map_err(|m| self.error(m))?);
        }
        for (k, r) in &self.top {
            if k.starts_with("x-") {
                let at = format!("/{}", escape_pointer(k));
                api.extensions.insert(
                    k.clone(),
                    typed(&self.text[r.clone()], &at).map_err(|m| self.error(m))?,
                );
            }
        }
        let schemas = schemas?;
        if let Some(raw) = self.components.get("examples") {
            let mut examples = IndexMap::new();
            for (name, r) in raw {
                let at = format!("/components/examples/{}", escape_pointer(name));
                examples.insert(
                    name.clone(),
                    typed(&self.text[r.clone()], &at).map_err(|m| self.error(m))?,
                );
            }
            api.components.get_or_insert_with(Default::default).examples = examples;
        }
        if !schemas.is_empty() {
            api.components.get_or_insert_with(Default::default).schemas =
                schemas.into_iter().collect();
        }
        Ok(api)
    }

    fn error(&self, message: String) -> SpecError {
        SpecError { origin: self.origin.clone(), message }
    }
}

/// The head repaired (`repair::head`), typed.
fn repaired_head(head: &str, warnings: &mut Vec<String>) -> Result<OpenAPI, String> {
    let mut v: serde_json::Value = serde_json::from_str(head).map_err(|e| e.to_string())?;
    super::repair::head(&mut v, warnings);
    typed(&v.to_string(), "")
}

/// A JSON object's members, raw. `at` names it in the error.
fn object<'t>(text: &'t str, at: &str) -> Result<IndexMap<String, &'t RawValue>, String> {
    serde_json::from_str(text).map_err(|e| {
        let at = if at.is_empty() { "the top level" } else { at };
        format!("not a valid OpenAPI document: {at} must be a mapping ({e})")
    })
}

/// Types one piece, naming the JSON pointer of what fails.
///
/// `openapiv3`'s `ReferenceOr` deserialiser panics ("somehow this parsed
/// successfully the second time") when its buffered and its
/// `serde_json::Value` reads of one node disagree (found by the spec_to_code
/// fuzz target, issue 7; tests/fuzz_regressions/spec_to_code/). We cannot
/// fix the crate here, so a panic inside it is an error for this piece.
fn typed<T: DeserializeOwned>(raw: &str, at: &str) -> Result<T, String> {
    let result = std::panic::catch_unwind(|| {
        let mut de = serde_json::Deserializer::from_str(raw);
        serde_path_to_error::deserialize::<_, T>(&mut de)
    });
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            let inner = pointer_from_serde_path(&e.path().to_string());
            let inner = inner.trim_matches('`').trim_start_matches('/');
            let at = match (at.is_empty(), inner.is_empty()) {
                (true, true) => "/".to_string(),
                (false, true) => at.to_string(),
                (true, false) => format!("/{inner}"),
                (false, false) => format!("{at}/{inner}"),
            };
            Err(format!("not a valid OpenAPI document at `{at}`: {}", e.inner()))
        }
        Err(_) => Err(format!(
            "not a valid OpenAPI document at `{}`: the openapiv3 reader failed on it (a \
             `$ref` object or schema it reads two ways); check the document with a validator",
            if at.is_empty() { "/" } else { at }
        )),
    }
}

fn push_entry(out: &mut String, key: &str, raw: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    // Keys came out of a JSON parse; re-encoding them cannot fail.
    out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".into()));
    out.push(':');
    out.push_str(raw);
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
      "x-top": {"a": 1},
      "paths": {"/a": {"get": {"responses": {"200": {"description": "",
         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
         "x-ext": 1},
      "components": {"schemas": {"A": {"type": "object", "properties": {"b": {"type": "string"}}}},
         "examples": {"E": {"value": [1, 2]}},
         "securitySchemes": {"s": {"type": "http", "scheme": "bearer"}},
         "x-comp": true}}"##;

    #[test]
    fn the_split_indexes_each_level_and_heads_the_rest() {
        let (top, paths, components, head) = split(DOC).unwrap();
        let keys = |m: &Index| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&top), ["openapi", "info", "x-top"]);
        assert_eq!(keys(&paths), ["/a", "x-ext"]);
        assert_eq!(
            components.keys().collect::<Vec<_>>(),
            ["schemas", "examples", "securitySchemes"]
        );
        assert!(DOC[components["schemas"]["A"].clone()].starts_with(r#"{"type": "object""#));
        // The head is the document without its paths, schemas, examples and
        // top-level extensions; component extensions stay.
        let mut expected: serde_json::Value = serde_json::from_str(DOC).unwrap();
        expected["paths"] = serde_json::json!({});
        let comps = expected["components"].as_object_mut().unwrap();
        comps.remove("schemas");
        comps.remove("examples");
        expected.as_object_mut().unwrap().remove("x-top");
        let typed_head: OpenAPI = serde_json::from_str(&head).unwrap();
        assert_eq!(typed_head, serde_json::from_value::<OpenAPI>(expected).unwrap());
    }

    #[test]
    fn a_level_that_is_no_mapping_is_named_by_its_pointer() {
        for (bad, pointer) in [
            (DOC.replace(r#""paths": {"/a""#, r#""paths": [], "p": {"/a""#), "/paths"),
            (DOC.replace(r#""components": {"#, r#""components": 5, "c": {"#), "/components"),
            (
                DOC.replace(r#""examples": {"E": {"value": [1, 2]}}"#, r#""examples": 5"#),
                "/components/examples",
            ),
        ] {
            let e = split(&bad).unwrap_err();
            let m = explain_split_error(&bad, &e);
            assert!(
                m.starts_with(&format!(
                    "not a valid OpenAPI document: {pointer} must be a mapping"
                )),
                "{m}"
            );
        }
    }

    #[test]
    fn typed_whole_it_is_the_document_openapiv3_reads() {
        let (doc, api) =
            super::super::read(DOC.as_bytes().to_vec(), "t.json", &|_| Err(String::new()), |d| {
                d.to_openapi()
            })
            .unwrap();
        let direct: OpenAPI = serde_json::from_str(DOC).unwrap();
        assert_eq!(api, direct);
        assert_eq!(doc.raw_paths().map(|(p, _)| p).collect::<Vec<_>>(), ["/a"]);
        assert!(doc.head.paths.paths.is_empty(), "paths are typed on demand");
    }

    #[test]
    fn typed_whole_a_bad_piece_is_repaired_as_for_generation() {
        let bad = DOC.replace(r#""properties": {"b": {"type": "string"}}"#, r#""properties": 5"#);
        let api =
            super::super::parse_typed(bad.as_bytes(), "t.json", &|_| Err(String::new())).unwrap();
        let schemas = &api.components.unwrap().schemas;
        assert_eq!(schemas["A"], ReferenceOr::Item(serde_json::from_str("{}").unwrap()));
        assert_eq!(api.paths.paths.len(), 1);
    }

    #[test]
    fn a_bad_piece_names_its_pointer() {
        let bad = DOC.replace(r#""properties": {"b": {"type": "string"}}"#, r#""properties": 5"#);
        let (doc, ()) =
            super::super::read(bad.into_bytes(), "t.json", &|_| Err(String::new()), |_| Ok(()))
                .unwrap();
        let e = doc.schema("A").unwrap().unwrap_err().to_string();
        assert!(
            e.starts_with("t.json: not a valid OpenAPI document at `/components/schemas/A"),
            "{e}"
        );
    }
}
