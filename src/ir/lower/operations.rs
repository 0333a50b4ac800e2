//! Path items to operations: apps, method names and the order of
//! operations.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3 as oa;
use openapiv3::ReferenceOr;
use rayon::prelude::*;

use super::{AppRule, Lowerer};
use crate::ir::names;
use crate::ir::{Method, Operation, Pagination};
use crate::spec::SpecError;

/// App names that would collide with the generated clients' own files.
const RESERVED_APPS: &[&str] = &["client", "models", "index", "init", "py", "typed"];

/// The first pass over a path item: only what app and method naming need.
#[derive(serde::Deserialize)]
struct ItemHead {
    #[serde(rename = "$ref")]
    reference: Option<serde::de::IgnoredAny>,
    get: Option<OpHead>,
    put: Option<OpHead>,
    post: Option<OpHead>,
    delete: Option<OpHead>,
    options: Option<OpHead>,
    head: Option<OpHead>,
    patch: Option<OpHead>,
    trace: Option<OpHead>,
}

impl ItemHead {
    /// The head of an item typed whole (a repaired one).
    fn of(item: &ReferenceOr<oa::PathItem>) -> ItemHead {
        let op = |o: &Option<oa::Operation>| {
            o.as_ref().map(|o| OpHead {
                tags: o.tags.clone(),
                operation_id: o.operation_id.clone(),
                // Typed responses: openapiv3 has dropped the invalid keys.
                responses: ResponseKeys::default(),
            })
        };
        match item {
            ReferenceOr::Item(item) => ItemHead {
                reference: None,
                get: op(&item.get),
                put: op(&item.put),
                post: op(&item.post),
                delete: op(&item.delete),
                options: op(&item.options),
                head: op(&item.head),
                patch: op(&item.patch),
                trace: op(&item.trace),
            },
            ReferenceOr::Reference { .. } => ItemHead {
                reference: Some(serde::de::IgnoredAny),
                get: None,
                put: None,
                post: None,
                delete: None,
                options: None,
                head: None,
                patch: None,
                trace: None,
            },
        }
    }
}

#[derive(serde::Deserialize)]
struct OpHead {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(rename = "operationId")]
    operation_id: Option<String>,
    /// The keys of `responses`, to report those that are no status code
    /// (openapiv3 drops them without a word).
    #[serde(default)]
    responses: ResponseKeys,
}

/// The keys of a mapping, values skipped; anything else reads as none (the
/// typed read reports it).
#[derive(Default)]
struct ResponseKeys(Vec<String>);

impl<'de> serde::Deserialize<'de> for ResponseKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = ResponseKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("responses")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<ResponseKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    m.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(ResponseKeys(keys))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<ResponseKeys, A::Error> {
                while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(ResponseKeys::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<ResponseKeys, E> {
                Ok(ResponseKeys::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<ResponseKeys, E> {
                Ok(ResponseKeys::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<ResponseKeys, E> {
                Ok(ResponseKeys::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<ResponseKeys, E> {
                Ok(ResponseKeys::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<ResponseKeys, E> {
                Ok(ResponseKeys::default())
            }
            fn visit_unit<E>(self) -> Result<ResponseKeys, E> {
                Ok(ResponseKeys::default())
            }
        }
        d.deserialize_any(Keys)
    }
}

/// Whether a `responses` key is one OpenAPI defines: a status code, a
/// range (`2XX`), `default`, or an extension.
fn is_response_key(k: &str) -> bool {
    k == "default"
        || k.starts_with("x-")
        || (k.len() == 3
            && k.starts_with(|c: char| ('1'..='5').contains(&c))
            && (k[1..].chars().all(|c| c.is_ascii_digit()) || k[1..].eq_ignore_ascii_case("xx")))
}

impl<'a> Lowerer<'a> {
    pub(super) fn lower_operations(&mut self, rule: &AppRule) -> Result<Vec<Operation>, SpecError> {
        // First pass, light: tags and operation ids of every operation, for
        // the app and method names, which depend on all of them.
        let doc = self.doc;
        let paths: Vec<&str> = doc.raw_paths().map(|(p, _)| p).collect();
        let heads = paths
            .par_iter()
            .filter_map(|p| {
                let head = doc.path_item_as::<ItemHead>(p)?;
                // Prefer openapiv3's own message for a path item it refuses.
                Some(head.map(|h| (*p, h)).map_err(|e| match doc.path_item(p) {
                    Some(Err(better)) => better,
                    _ => e,
                }))
            })
            .collect::<Vec<Result<_, SpecError>>>();
        let mut raw: Vec<(String, Method, OpHead)> = Vec::new();
        for (i, head) in heads.into_iter().enumerate() {
            let (path, item) = match head {
                Ok(h) => h,
                Err(e) => {
                    let p = paths[i];
                    let Some(item) = self.tolerate(Err(e), || doc.repaired_path_item(p))? else {
                        continue;
                    };
                    (p, ItemHead::of(&item))
                }
            };
            if item.reference.is_some() {
                self.warnings
                    .insert(format!("path `{path}` is a $ref; path-item refs are not supported"));
                continue;
            }
            for (m, op) in [
                (Method::Get, item.get),
                (Method::Put, item.put),
                (Method::Post, item.post),
                (Method::Delete, item.delete),
                (Method::Options, item.options),
                (Method::Head, item.head),
                (Method::Patch, item.patch),
                (Method::Trace, item.trace),
            ] {
                if let Some(op) = op {
                    for k in op.responses.0.iter().filter(|k| !is_response_key(k)) {
                        self.warnings.insert(format!(
                            "#/paths/{}/{}/responses/{}: not an HTTP status code, a range like \
                             `2XX` or `default`; ignored",
                            crate::spec::escape_pointer(path),
                            m.as_str().to_ascii_lowercase(),
                            crate::spec::escape_pointer(k),
                        ));
                    }
                    raw.push((path.to_string(), m, op));
                }
            }
        }
        // App identifiers: unique, sorted by the spec's app name.
        let app_of = |path: &str, op: &OpHead| -> String {
            match rule {
                AppRule::Tag => op.tags.first().cloned().unwrap_or_else(|| "default".into()),
                AppRule::Path(prefix) => path
                    .strip_prefix(prefix.as_str())
                    .unwrap_or(path)
                    .split('/')
                    .find(|s| !s.is_empty() && !s.starts_with('{'))
                    .unwrap_or("default")
                    .to_string(),
            }
        };
        let origins: BTreeSet<String> = raw.iter().map(|(p, _, op)| app_of(p, op)).collect();
        let mut app_taken: BTreeSet<String> =
            RESERVED_APPS.iter().map(|s| (*s).to_string()).collect();
        let app_ids: BTreeMap<String, String> = origins
            .into_iter()
            .map(|o| {
                let mut id = names::snake(&o, "default");
                if names::PY_RESERVED.contains(&id.as_str())
                    || names::PY_FUTURE.contains(&id.as_str())
                    || names::TS_RESERVED.contains(&id.as_str())
                    || RESERVED_APPS.contains(&id.as_str())
                {
                    id.push_str("_api");
                }
                let id = names::unique(id, &mut app_taken);
                (o, id)
            })
            .collect();

        // Stable order before naming, so suffixes do not depend on the
        // document's path order.
        raw.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut per_app_taken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut ops = Vec::with_capacity(raw.len());
        let mut pending = Vec::with_capacity(raw.len());
        for (path, method, op) in raw {
            let origin = app_of(&path, &op);
            let app = app_ids.get(&origin).cloned().unwrap_or_else(|| "default".into());
            let operation_id = op.operation_id.clone().unwrap_or_else(|| {
                format!("{}_{}", method.as_str().to_ascii_lowercase(), names::snake(&path, "root"))
            });
            pending.push((path, method, origin, app, operation_id));
        }
        // Two passes so every operation's preferred name is reserved before
        // any `_all` iterator name is handed out.
        let mut preferred = Vec::with_capacity(pending.len());
        for (_, _, origin, app, operation_id) in &pending {
            let taken = per_app_taken.entry(app.clone()).or_default();
            let name = names::unique(method_name(operation_id, origin), taken);
            preferred.push(name);
        }
        // Second pass, in (path, method) order: each path item typed once,
        // its operations lowered, the item dropped.
        // Owned: `pending` moves into the iterator below.
        let mut owned: Vec<String> = pending.iter().map(|p| p.0.clone()).collect();
        owned.dedup();
        let distinct: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut next = pending.into_iter().zip(preferred).peekable();
        doc.typed_in_order(
            &distinct,
            |p| doc.path_item(p),
            |path, item| {
                let Some(item) = self.tolerate(item, || doc.repaired_path_item(path))? else {
                    // Nothing of it typed: its operations are skipped below.
                    while next.next_if(|((p, ..), _)| p == path).is_some() {}
                    return Ok(());
                };
                while let Some(((p, ..), _)) = next.peek()
                    && p == path
                {
                    let Some(((path, method, origin, app, operation_id), name)) = next.next()
                    else {
                        break;
                    };
                    // The first pass saw this operation; a `$ref` item or a
                    // missing method here would mean the two reads disagree.
                    let ReferenceOr::Item(item) = &*item else { continue };
                    let Some(op) = operation_of(item, method) else { continue };
                    let hint = names::pascal(&operation_id, "Operation");
                    let params = self.params(&path, item, op, &hint);
                    let mut body = self.body(op, &hint);
                    if body.is_some()
                        && let Some(w) = crate::ir::wire::drop_body_on(method, &path, &operation_id)
                    {
                        if !self.body_holds_nothing(op) {
                            self.warnings.insert(w);
                        }
                        body = None;
                    }
                    let (success, errors) = self.responses(op, &hint);
                    let pagination = self.pagination(&success).map(|item| {
                        let taken = per_app_taken.entry(app.clone()).or_default();
                        Pagination { item, all_name: names::unique(format!("{name}_all"), taken) }
                    });
                    ops.push(Operation {
                        app,
                        app_origin: origin,
                        operation_id,
                        name,
                        method,
                        path,
                        summary: op.summary.clone(),
                        description: op.description.clone(),
                        deprecated: op.deprecated,
                        params,
                        body,
                        accept: crate::ir::wire::accept(&success, &errors),
                        success,
                        errors,
                        pagination,
                    });
                }
                Ok(())
            },
        )?;
        ops.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
        Ok(ops)
    }
}

/// The method name of an operation within its app: the operationId's words
/// without the app's leading words (`users_partial_update` in app `users` →
/// `partial_update`).
pub(super) fn method_name(operation_id: &str, app_origin: &str) -> String {
    let op_words = names::words(operation_id);
    let app_words = names::words(app_origin);
    let stripped = if !app_words.is_empty()
        && op_words.len() > app_words.len()
        && op_words[..app_words.len()] == app_words[..]
    {
        &op_words[app_words.len()..]
    } else {
        &op_words[..]
    };
    let s = stripped.join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("op_{s}").trim_end_matches('_').to_string()
    } else {
        s
    }
}

pub(super) fn operation_of(item: &oa::PathItem, method: Method) -> Option<&oa::Operation> {
    match method {
        Method::Get => item.get.as_ref(),
        Method::Put => item.put.as_ref(),
        Method::Post => item.post.as_ref(),
        Method::Delete => item.delete.as_ref(),
        Method::Options => item.options.as_ref(),
        Method::Head => item.head.as_ref(),
        Method::Patch => item.patch.as_ref(),
        Method::Trace => item.trace.as_ref(),
    }
}
