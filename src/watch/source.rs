//! The event source: the only module that uses `notify`.
//!
//! It installs one non-recursive watch per wanted directory (found by a walk
//! that skips ignored trees, so node_modules or the output never cost an
//! inotify watch), maps notify's events to [`SpecEvent`]s, and hands them to
//! the daemon with `try_send`. A full channel never drops an edit silently:
//! it sets `rescan_needed`, which the daemon turns into "regenerate
//! everything" (STYLE rule 10; watchexec drops events there).
//!
//! Directories are watched, never single files, so saves by rename (vim,
//! JetBrains, VS Code's atomic save, emacs) keep being seen. Directories that
//! appear later are reported as [`SpecEvent::DirAppeared`]; the daemon calls
//! [`Source::add_tree`] from its own thread, because notify's handler runs on
//! the watcher's thread and must not call back into the watcher.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use notify::event::{EventKind, ModifyKind, RenameMode};
use notify::{Event, RecursiveMode, Watcher};
use tokio::sync::mpsc::Sender;
use tokio::sync::mpsc::error::TrySendError;

use super::filter::Filter;
use super::{Backend, Plan, SpecEvent, WatchError};

/// Polling interval when polling is chosen or forced: short enough that a
/// save on a network mount is picked up within a couple of seconds, long
/// enough to stay cheap on a tree of a few hundred directories.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// What the handler thread and the daemon share.
#[derive(Debug)]
struct Shared {
    filter: Filter,
    /// Directories with a watch.
    watched: BTreeSet<PathBuf>,
}

fn read(s: &RwLock<Shared>) -> std::sync::RwLockReadGuard<'_, Shared> {
    s.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(s: &RwLock<Shared>) -> std::sync::RwLockWriteGuard<'_, Shared> {
    s.write().unwrap_or_else(PoisonError::into_inner)
}

/// A running watcher.
pub struct Source {
    watcher: Box<dyn Watcher + Send>,
    shared: Arc<RwLock<Shared>>,
    backend: Backend,
    /// Set by the handler when the channel was full; the daemon swaps it
    /// back to false and regenerates everything.
    pub rescan_needed: Arc<AtomicBool>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Source {
    /// Starts watching what `plan` asks for, sending events to `tx`.
    ///
    /// # Errors
    /// The watcher cannot be created, or a directory cannot be watched. The
    /// inotify watch limit is not an error: it switches to polling with a
    /// warning that says how to raise the limit.
    pub fn start(plan: &Plan, tx: Sender<SpecEvent>) -> Result<Source, WatchError> {
        let rescan_needed = Arc::new(AtomicBool::new(false));
        let shared =
            Arc::new(RwLock::new(Shared { filter: plan.filter.clone(), watched: BTreeSet::new() }));
        let poll = plan.poll_decision();
        if !poll {
            match Source::with_backend(plan, &shared, &tx, &rescan_needed, Backend::Native) {
                Ok(s) => return Ok(s),
                Err(WatchError::Limit { .. }) => {
                    tracing::warn!(
                        "{}; polling every {}s instead",
                        super::LIMIT_HELP,
                        POLL_INTERVAL.as_secs()
                    );
                    write(&shared).watched.clear();
                }
                Err(e) => return Err(e),
            }
        }
        Source::with_backend(plan, &shared, &tx, &rescan_needed, Backend::Poll)
    }

    fn with_backend(
        plan: &Plan,
        shared: &Arc<RwLock<Shared>>,
        tx: &Sender<SpecEvent>,
        rescan_needed: &Arc<AtomicBool>,
        backend: Backend,
    ) -> Result<Source, WatchError> {
        let handler = Handler {
            tx: tx.clone(),
            shared: Arc::clone(shared),
            rescan_needed: Arc::clone(rescan_needed),
        };
        let config =
            notify::Config::default().with_follow_symlinks(false).with_poll_interval(POLL_INTERVAL);
        let watcher: Box<dyn Watcher + Send> = match backend {
            Backend::Native => Box::new(
                notify::RecommendedWatcher::new(move |e| handler.handle(e), config)
                    .map_err(|e| WatchError::from_notify(&e, None))?,
            ),
            Backend::Poll => Box::new(
                notify::PollWatcher::new(move |e| handler.handle(e), config)
                    .map_err(|e| WatchError::from_notify(&e, None))?,
            ),
        };
        let mut source = Source {
            watcher,
            shared: Arc::clone(shared),
            backend,
            rescan_needed: Arc::clone(rescan_needed),
        };
        if let Some(dir) = &plan.spec_dir {
            source.watch_dir(dir)?;
        }
        for root in plan.filter.roots() {
            source.add_tree(root)?;
        }
        Ok(source)
    }

    /// The backend in use.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many directories are watched.
    #[must_use]
    pub fn watch_count(&self) -> usize {
        read(&self.shared).watched.len()
    }

    fn watch_dir(&mut self, dir: &Path) -> Result<bool, WatchError> {
        if read(&self.shared).watched.contains(dir) {
            return Ok(false);
        }
        match self.watcher.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                write(&self.shared).watched.insert(dir.to_path_buf());
                Ok(true)
            }
            // Gone between the walk and the watch: nothing to watch.
            Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => Ok(false),
            Err(e) => Err(WatchError::from_notify(&e, Some(dir))),
        }
    }

    /// Watches `dir` and every wanted directory below it, loading the
    /// `.gitignore` files met on the way. Returns how many files below it
    /// would trigger a run (a directory moved in brings its files along
    /// without an event for each).
    ///
    /// # Errors
    /// A watch cannot be added (e.g. the inotify limit).
    pub fn add_tree(&mut self, dir: &Path) -> Result<usize, WatchError> {
        let mut stack = vec![dir.to_path_buf()];
        let mut triggering = 0;
        while let Some(d) = stack.pop() {
            {
                let mut s = write(&self.shared);
                if let Some(problem) = s.filter.add_gitignore(&d) {
                    tracing::warn!("{problem}");
                }
                if !s.filter.wants_dir(&d) {
                    continue;
                }
            }
            self.watch_dir(&d)?;
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries.flatten() {
                // Symlinks are not followed: a link to `/` must not make us
                // walk the machine (notify#291).
                let Ok(ty) = e.file_type() else { continue };
                if ty.is_dir() {
                    stack.push(e.path());
                } else if ty.is_file() && read(&self.shared).filter.accepts(&e.path()) {
                    triggering += 1;
                }
            }
        }
        Ok(triggering)
    }

    /// Forgets the watches at and below a directory that went away (the
    /// kernel already dropped them).
    pub fn forget_tree(&mut self, dir: &Path) {
        let gone: Vec<PathBuf> =
            read(&self.shared).watched.iter().filter(|w| w.starts_with(dir)).cloned().collect();
        for w in gone {
            let _ = self.watcher.unwatch(&w);
            write(&self.shared).watched.remove(&w);
        }
    }
}

/// Runs on notify's thread: classify, filter, forward. Never blocks.
struct Handler {
    tx: Sender<SpecEvent>,
    shared: Arc<RwLock<Shared>>,
    rescan_needed: Arc<AtomicBool>,
}

impl Handler {
    fn send(&self, ev: SpecEvent) {
        match self.tx.try_send(ev) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(_)) => self.rescan_needed.store(true, Ordering::Release),
        }
    }

    fn handle(&self, res: notify::Result<Event>) {
        let ev = match res {
            Ok(ev) => ev,
            Err(e) => {
                let err = WatchError::from_notify(&e, e.paths.first().map(PathBuf::as_path));
                self.send(SpecEvent::Rescan(err.to_string()));
                return;
            }
        };
        if ev.need_rescan() {
            self.send(SpecEvent::Rescan(
                "the file watcher lost events (kernel queue overflow)".into(),
            ));
            return;
        }
        // Opens and closes say nothing about content (our own reads of the
        // spec produce them); the Modify that precedes a close-write does.
        if matches!(ev.kind, EventKind::Access(_)) {
            return;
        }
        let appeared = matches!(
            ev.kind,
            EventKind::Create(_)
                | EventKind::Modify(ModifyKind::Name(
                    RenameMode::To | RenameMode::Both | RenameMode::Any
                ))
        );
        for path in &ev.paths {
            self.classify(path, appeared);
        }
    }

    fn classify(&self, path: &Path, appeared: bool) {
        let s = read(&self.shared);
        if s.filter.is_spec(path) {
            drop(s);
            self.send(SpecEvent::Changed(path.to_path_buf()));
            return;
        }
        let meta = std::fs::symlink_metadata(path).ok();
        let is_dir = meta.as_ref().is_some_and(std::fs::Metadata::is_dir);
        if meta.is_none() && s.watched.contains(path) {
            drop(s);
            self.send(SpecEvent::DirGone(path.to_path_buf()));
            return;
        }
        if is_dir {
            // Events on a directory itself (its mtime) carry no news; a new
            // or renamed-in directory needs watches.
            if appeared && !s.watched.contains(path) && s.filter.wants_dir(path) {
                drop(s);
                self.send(SpecEvent::DirAppeared(path.to_path_buf()));
            }
            return;
        }
        if s.filter.is_gitignore(path) {
            drop(s);
            self.send(SpecEvent::IgnoreChanged(path.to_path_buf()));
            return;
        }
        if s.filter.accepts(path) {
            drop(s);
            self.send(SpecEvent::Changed(path.to_path_buf()));
        }
    }
}
