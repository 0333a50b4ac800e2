//! Typed pieces of a document kept between the watch daemon's runs.
//!
//! Typing is most of a run's work (on GitHub's document ~500 ms of CPU:
//! `openapiv3`'s untagged and flattened enums make serde buffer every node
//! again at each level), and a save in the backend changes a handful of the
//! document's ~1,800 path items and component schemas. So the daemon keeps
//! each typed piece, keyed by its name and a hash of its JSON text, and the
//! next run types only the pieces whose text changed.
//!
//! Two generations: a run's lookups move what they find from the kept map
//! into the current one, and [`PieceCache::finish_run`] after a document
//! that read well keeps only what that run asked for, so the cache holds one
//! document's pieces, never the history of all of them. A run that failed
//! (a half-written save) drops nothing, so the next good save still finds
//! the pieces of the last good one. The cost is memory:
//! the typed document (~75 MB for GitHub's, ~6 MB for a typical Django
//! project), which a one-shot `generate` never pays.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use openapiv3::{PathItem, ReferenceOr, Schema};

/// A piece's identity: its name and its text's length and 64-bit hash. Two
/// different texts of one name with equal length and hash would reuse the
/// wrong typing; with SipHash that takes a deliberate collision, and whoever
/// writes the spec decides the generated code anyway.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    name: String,
    len: usize,
    hash: u64,
}

impl Key {
    fn of(name: &str, raw: &str) -> Key {
        let mut h = DefaultHasher::new();
        raw.hash(&mut h);
        Key { name: name.to_string(), len: raw.len(), hash: h.finish() }
    }
}

#[derive(Debug, Default)]
struct Generation {
    schemas: HashMap<Key, Arc<ReferenceOr<Schema>>>,
    paths: HashMap<Key, Arc<ReferenceOr<PathItem>>>,
}

/// Typed pieces by name and text (see the module docs). Shared by the
/// threads that type pieces in parallel.
#[derive(Debug, Default)]
pub struct PieceCache {
    /// (asked for in this run, kept from earlier runs)
    inner: Mutex<(Generation, Generation)>,
}

impl PieceCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Arc<PieceCache> {
        Arc::new(PieceCache::default())
    }

    /// Ends a run: after a document that read well (`ok`), keeps what this
    /// run asked for and drops the rest; after one that did not, keeps all.
    pub fn finish_run(&self, ok: bool) {
        let mut g = self.lock();
        let (current, kept) = &mut *g;
        let current = std::mem::take(current);
        if ok {
            *kept = current;
        } else {
            kept.schemas.extend(current.schemas);
            kept.paths.extend(current.paths);
        }
    }

    /// The number of pieces held (both generations), for the debug log.
    #[must_use]
    pub fn len(&self) -> usize {
        let g = self.lock();
        g.0.schemas.len() + g.0.paths.len() + g.1.schemas.len() + g.1.paths.len()
    }

    /// True when nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn schema<E>(
        &self,
        name: &str,
        raw: &str,
        type_it: impl FnOnce() -> Result<ReferenceOr<Schema>, E>,
    ) -> Result<Arc<ReferenceOr<Schema>>, E> {
        self.get_or_type(name, raw, |g| &mut g.schemas, type_it)
    }

    pub(super) fn path_item<E>(
        &self,
        name: &str,
        raw: &str,
        type_it: impl FnOnce() -> Result<ReferenceOr<PathItem>, E>,
    ) -> Result<Arc<ReferenceOr<PathItem>>, E> {
        self.get_or_type(name, raw, |g| &mut g.paths, type_it)
    }

    fn get_or_type<T, E>(
        &self,
        name: &str,
        raw: &str,
        map: impl Fn(&mut Generation) -> &mut HashMap<Key, Arc<T>>,
        type_it: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let key = Key::of(name, raw);
        {
            let mut g = self.lock();
            let (current, previous) = &mut *g;
            if let Some(t) = map(current).get(&key) {
                return Ok(Arc::clone(t));
            }
            if let Some(t) = map(previous).remove(&key) {
                map(current).insert(key, Arc::clone(&t));
                return Ok(t);
            }
        }
        // Typed outside the lock, so the other threads go on typing.
        let t = Arc::new(type_it()?);
        map(&mut self.lock().0).insert(key, Arc::clone(&t));
        Ok(t)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Generation, Generation)> {
        // A panic while holding the lock leaves plain maps behind: still
        // usable, at worst missing an entry.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(raw: &str) -> Result<ReferenceOr<Schema>, String> {
        serde_json::from_str(raw).map_err(|e| e.to_string())
    }

    #[test]
    fn a_piece_is_typed_once_while_its_text_stays_and_again_when_it_changes() {
        let cache = PieceCache::new();
        let typings = std::cell::Cell::new(0);
        let get = |raw: &str| {
            cache
                .schema("A", raw, || {
                    typings.set(typings.get() + 1);
                    typed(raw)
                })
                .unwrap()
        };
        let a = get(r#"{"type": "string"}"#);
        let b = get(r#"{"type": "string"}"#);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(typings.get(), 1);
        get(r#"{"type": "integer"}"#);
        assert_eq!(typings.get(), 2);
    }

    #[test]
    fn a_good_run_keeps_what_it_asked_for_and_a_failed_one_keeps_all() {
        let cache = PieceCache::new();
        let cached = || -> Result<_, String> { panic!("should have been cached") };
        cache.schema("A", "{}", || typed("{}")).unwrap();
        cache.schema("B", "{}", || typed("{}")).unwrap();
        cache.finish_run(true);
        // A failed run that asked for A only (a half-written save) drops
        // nothing…
        cache.schema("A", "{}", cached).unwrap();
        cache.finish_run(false);
        assert_eq!(cache.len(), 2);
        // …a good run that asked for A only drops B.
        cache.schema("A", "{}", cached).unwrap();
        cache.schema("B", "{}", cached).unwrap();
        cache.finish_run(true);
        cache.schema("A", "{}", cached).unwrap();
        cache.finish_run(true);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn errors_are_not_cached() {
        let cache = PieceCache::new();
        assert!(cache.schema("A", "[", || typed("[")).is_err());
        assert!(cache.is_empty());
    }
}
