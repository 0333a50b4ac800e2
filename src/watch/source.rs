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

use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// What a poll compares per directory entry. notify's `PollWatcher`
/// compares mtimes in whole seconds (notify 8.2), so a second save within
/// the same second would be missed; we compare nanosecond mtimes, sizes and
/// inodes (a rename-over changes the inode) from one `stat` per entry and
/// never read contents, which matters on the network mounts polling is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    mtime: Option<std::time::SystemTime>,
    len: u64,
    ino: u64,
}

type Snapshot = BTreeMap<std::ffi::OsString, Stamp>;

fn scan(dir: &Path) -> Option<Snapshot> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let Ok(m) = std::fs::symlink_metadata(e.path()) else { continue };
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        out.insert(e.file_name(), Stamp { mtime: m.modified().ok(), len: m.len(), ino });
    }
    Some(out)
}

/// The polling backend: a thread that scans every watched directory each
/// interval and feeds the differences to the same [`Handler`] as notify.
struct Poller {
    stop: Arc<AtomicBool>,
}

impl Poller {
    fn spawn(handler: Handler, shared: Arc<RwLock<Shared>>) -> Result<Poller, WatchError> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("apigend-poll".into())
            .spawn(move || {
                let mut snaps: HashMap<PathBuf, Snapshot> = HashMap::new();
                while !stopped.load(Ordering::Acquire) {
                    snaps.extend(write(&shared).baselines.drain());
                    let dirs: Vec<PathBuf> = read(&shared).watched.iter().cloned().collect();
                    snaps.retain(|d, _| dirs.contains(d));
                    for d in dirs {
                        let Some(now) = scan(&d) else { continue };
                        // A directory's first scan is its baseline.
                        if let Some(before) = snaps.insert(d.clone(), now.clone()) {
                            poll_diff(&handler, &d, &before, &now);
                        }
                    }
                    let mut slept = Duration::ZERO;
                    while slept < POLL_INTERVAL && !stopped.load(Ordering::Acquire) {
                        std::thread::sleep(Duration::from_millis(50));
                        slept += Duration::from_millis(50);
                    }
                }
            })
            .map_err(|e| WatchError::Other {
                path: "<poller>".into(),
                message: format!("cannot start the polling thread: {e}"),
            })?;
        Ok(Poller { stop })
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Turns two scans of `dir` into the events notify would have sent.
fn poll_diff(handler: &Handler, dir: &Path, before: &Snapshot, now: &Snapshot) {
    use notify::event::{CreateKind, DataChange, RemoveKind};
    for (name, stamp) in now {
        let kind = match before.get(name) {
            None => EventKind::Create(CreateKind::Any),
            Some(old) if old != stamp => EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            Some(_) => continue,
        };
        handler.handle(Ok(Event::new(kind).add_path(dir.join(name))));
    }
    for name in before.keys().filter(|n| !now.contains_key(*n)) {
        let ev = Event::new(EventKind::Remove(RemoveKind::Any)).add_path(dir.join(name));
        handler.handle(Ok(ev));
    }
}

/// What the handler thread and the daemon share.
#[derive(Debug)]
struct Shared {
    filter: Filter,
    /// Directories with a watch.
    watched: BTreeSet<PathBuf>,
    /// Polling: each new directory's first scan, taken when the watch is
    /// added rather than whenever the poller thread next wakes, so a save
    /// made right after the watch is in place is a change, not the baseline.
    baselines: HashMap<PathBuf, Snapshot>,
}

fn read(s: &RwLock<Shared>) -> std::sync::RwLockReadGuard<'_, Shared> {
    s.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(s: &RwLock<Shared>) -> std::sync::RwLockWriteGuard<'_, Shared> {
    s.write().unwrap_or_else(PoisonError::into_inner)
}

/// What delivers the events.
enum Backing {
    /// notify's native watcher (inotify, FSEvents, …).
    Native(Box<dyn Watcher + Send>),
    /// Our poller thread; it scans whatever is in `Shared::watched`. Held
    /// only so that dropping the source stops the thread.
    Poll(#[allow(dead_code)] Poller),
}

/// A running watcher.
pub struct Source {
    backing: Backing,
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
        let shared = Arc::new(RwLock::new(Shared {
            filter: plan.filter.clone(),
            watched: BTreeSet::new(),
            baselines: HashMap::new(),
        }));
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
        let backing = match backend {
            Backend::Native => {
                let config = notify::Config::default().with_follow_symlinks(false);
                Backing::Native(Box::new(
                    notify::RecommendedWatcher::new(move |e| handler.handle(e), config)
                        .map_err(|e| WatchError::from_notify(&e, None))?,
                ))
            }
            Backend::Poll => Backing::Poll(Poller::spawn(handler, Arc::clone(shared))?),
        };
        let mut source = Source {
            backing,
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
        let Backing::Native(watcher) = &mut self.backing else {
            // The poller scans the watched set; adding to it (with its
            // baseline) is enough.
            let baseline = scan(dir);
            let mut shared = write(&self.shared);
            shared.watched.insert(dir.to_path_buf());
            if let Some(b) = baseline {
                shared.baselines.insert(dir.to_path_buf(), b);
            }
            return Ok(true);
        };
        match watcher.watch(dir, RecursiveMode::NonRecursive) {
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
            if let Backing::Native(watcher) = &mut self.backing {
                let _ = watcher.unwatch(&w);
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::filter::glob_set;
    use notify::event::{DataChange, Flag};

    fn handler(capacity: usize) -> (Handler, tokio::sync::mpsc::Receiver<SpecEvent>) {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity);
        let filter = Filter::new(
            Some(PathBuf::from("/p/openapi.yaml")),
            Vec::new(),
            Vec::new(),
            PathBuf::from("/p"),
            glob_set("include", &[]).unwrap(),
            glob_set("exclude", &[]).unwrap(),
        );
        let shared = Arc::new(RwLock::new(Shared {
            filter,
            watched: BTreeSet::new(),
            baselines: HashMap::new(),
        }));
        (Handler { tx, shared, rescan_needed: Arc::new(AtomicBool::new(false)) }, rx)
    }

    fn write(path: &str) -> notify::Result<Event> {
        Ok(Event::new(EventKind::Modify(ModifyKind::Data(DataChange::Any))).add_path(path.into()))
    }

    #[test]
    fn overflow_and_errors_become_rescans() {
        let (h, mut rx) = handler(8);
        // inotify's IN_Q_OVERFLOW, without a path (buck2#1453's case).
        h.handle(Ok(Event::new(EventKind::Other).set_flag(Flag::Rescan)));
        assert!(matches!(rx.try_recv(), Ok(SpecEvent::Rescan(_))));
        h.handle(Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch)));
        match rx.try_recv() {
            Ok(SpecEvent::Rescan(why)) => assert!(why.contains("max_user_watches"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_full_channel_sets_the_rescan_flag_instead_of_dropping() {
        let (h, mut rx) = handler(1);
        h.handle(write("/p/openapi.yaml"));
        assert!(!h.rescan_needed.load(Ordering::Acquire));
        h.handle(write("/p/openapi.yaml"));
        assert!(h.rescan_needed.load(Ordering::Acquire), "the second event had no room");
        assert_eq!(rx.try_recv().unwrap(), SpecEvent::Changed("/p/openapi.yaml".into()));
    }

    #[test]
    fn opens_closes_and_unrelated_files_are_not_forwarded() {
        let (h, mut rx) = handler(8);
        let open = notify::event::AccessKind::Open(notify::event::AccessMode::Any);
        h.handle(Ok(Event::new(EventKind::Access(open)).add_path("/p/openapi.yaml".into())));
        h.handle(write("/p/other.yaml"));
        assert!(rx.try_recv().is_err());
    }
}
