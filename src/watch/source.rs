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
//!
//! A planned directory (the spec's directory, a `watch.paths` entry) that
//! goes away takes its watches with it, and nothing would tell us when it
//! comes back. So while it is gone its nearest existing ancestor is watched
//! non-recursively in its stead (a *stand-in*); only events on the way to
//! the missing directory are forwarded, as [`SpecEvent::Awaited`], and the
//! daemon calls [`Source::restore`], which moves the stand-in down as the
//! path is re-created and puts the real watches back once the directory is
//! there. The poller does the same with its scans.

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

fn scan(dir: &Path) -> std::io::Result<Snapshot> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir)?.flatten() {
        let Ok(m) = std::fs::symlink_metadata(e.path()) else { continue };
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        out.insert(e.file_name(), Stamp { mtime: m.modified().ok(), len: m.len(), ino });
    }
    Ok(out)
}

/// True when a failed scan means the directory is gone (removed, renamed
/// away, replaced by a file), not merely unreadable for a moment.
fn is_gone(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
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
                // `None`: the directory is gone, and that was reported.
                let mut snaps: HashMap<PathBuf, Option<Snapshot>> = HashMap::new();
                let empty = Snapshot::new();
                while !stopped.load(Ordering::Acquire) {
                    for (d, b) in write(&shared).baselines.drain() {
                        snaps.insert(d, Some(b));
                    }
                    let dirs = read(&shared).polled();
                    snaps.retain(|d, _| dirs.contains(d));
                    for d in dirs {
                        match (scan(&d), snaps.get(&d)) {
                            // Back after it was gone: everything in it is new.
                            (Ok(now), Some(before)) => {
                                poll_diff(&handler, &d, before.as_ref().unwrap_or(&empty), &now);
                                snaps.insert(d, Some(now));
                            }
                            // A directory's first scan is its baseline.
                            (Ok(now), None) => {
                                snaps.insert(d, Some(now));
                            }
                            // Gone: its entries went with it, and the
                            // directory itself is reported once, as inotify
                            // reports its watched directory deleted.
                            (Err(e), Some(Some(before))) if is_gone(&e) => {
                                poll_diff(&handler, &d, before, &empty);
                                let ev = Event::new(EventKind::Remove(
                                    notify::event::RemoveKind::Folder,
                                ))
                                .add_path(d.clone());
                                handler.handle(Ok(ev));
                                snaps.insert(d, None);
                            }
                            // Still gone, or unreadable: try again next time.
                            (Err(_), _) => {}
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
    /// Planned directories that are gone, each with the ancestor watched in
    /// its stead (`None` until one is).
    awaiting: BTreeMap<PathBuf, Option<StandIn>>,
}

impl Shared {
    /// Is `path` the missing directory, or a directory on the way to it?
    fn on_the_way(&self, path: &Path) -> bool {
        self.awaiting.keys().any(|a| a.starts_with(path))
    }

    /// Some missing directory uses `dir` as its stand-in.
    fn is_stand_in(&self, dir: &Path) -> bool {
        self.awaiting.values().flatten().any(|s| s.dir == dir)
    }

    /// What the poller scans: the watched directories and the stand-ins.
    fn polled(&self) -> BTreeSet<PathBuf> {
        let stand_ins = self.awaiting.values().flatten().map(|s| s.dir.clone());
        self.watched.iter().cloned().chain(stand_ins).collect()
    }
}

/// The directory watched while a planned one is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StandIn {
    dir: PathBuf,
    /// Its device and inode when the watch was added: an inotify watch
    /// follows the inode, so a stand-in renamed away and replaced by a new
    /// directory of the same name needs a new watch.
    id: Option<(u64, u64)>,
}

/// The identity of the directory at `dir` (following symlinks, as a watch
/// does).
fn dir_id(dir: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// A directory the plan asked for.
#[derive(Debug, Clone)]
struct Planned {
    dir: PathBuf,
    /// The spec's directory: watched by itself.
    spec: bool,
    /// A `watch.paths` root: watched with every wanted directory below.
    tree: bool,
}

/// How many times [`Source::restore`] re-settles one missing directory in
/// one call. Each round ends or moves the stand-in because the path changed
/// since the last look; the cap only stops a path that keeps changing, and
/// its next event settles it again.
const SETTLE_ROUNDS: usize = 32;

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
    /// The spec's directory and the roots, to watch again should they go
    /// away and come back.
    planned: Vec<Planned>,
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
            awaiting: BTreeMap::new(),
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
                    let mut s = write(&shared);
                    s.watched.clear();
                    s.awaiting.clear();
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
        let mut planned: Vec<Planned> = Vec::new();
        let dirs = plan
            .spec_dir
            .iter()
            .map(|d| (d, true))
            .chain(plan.filter.roots().iter().map(|r| (r, false)));
        for (dir, spec) in dirs {
            match planned.iter_mut().find(|p| p.dir == *dir) {
                Some(p) => {
                    p.spec |= spec;
                    p.tree |= !spec;
                }
                None => planned.push(Planned { dir: dir.clone(), spec, tree: !spec }),
            }
        }
        let mut source = Source {
            backing,
            shared: Arc::clone(shared),
            backend,
            planned,
            rescan_needed: Arc::clone(rescan_needed),
        };
        for p in source.planned.clone() {
            source.install(&p)?;
        }
        // One that went away since the plan was made is awaited from the
        // start.
        {
            let mut s = write(shared);
            for p in &source.planned {
                if !p.dir.is_dir() {
                    s.awaiting.insert(p.dir.clone(), None);
                }
            }
        }
        source.restore()?;
        Ok(source)
    }

    /// Puts the watches of a planned directory in place.
    fn install(&mut self, p: &Planned) -> Result<(), WatchError> {
        if p.spec {
            self.watch_dir(&p.dir)?;
        }
        if p.tree {
            self.add_tree(&p.dir)?;
        }
        Ok(())
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
            let baseline = scan(dir).ok();
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
    /// kernel already dropped them). Planned directories among them are
    /// awaited: [`Source::restore`] watches a stand-in until they are back.
    pub fn forget_tree(&mut self, dir: &Path) {
        let gone: Vec<PathBuf> =
            read(&self.shared).watched.iter().filter(|w| w.starts_with(dir)).cloned().collect();
        for w in gone {
            if let Backing::Native(watcher) = &mut self.backing {
                let _ = watcher.unwatch(&w);
            }
            write(&self.shared).watched.remove(&w);
        }
        let mut s = write(&self.shared);
        for p in self.planned.iter().filter(|p| p.dir.starts_with(dir)) {
            s.awaiting.entry(p.dir.clone()).or_insert(None);
        }
    }

    /// Settles the watches of every planned directory that went away: one
    /// that is back is watched again as before (recursively for a root);
    /// one still missing has its nearest existing ancestor watched in its
    /// stead. Returns the directories that are back: their contents may have
    /// changed without an event, so the caller runs.
    ///
    /// # Errors
    /// A watch cannot be added (e.g. the inotify limit).
    pub fn restore(&mut self) -> Result<Vec<PathBuf>, WatchError> {
        let awaited: Vec<PathBuf> = read(&self.shared).awaiting.keys().cloned().collect();
        let mut back = Vec::new();
        for dir in awaited {
            if self.settle(&dir)? {
                back.push(dir);
            }
        }
        Ok(back)
    }

    /// [`Source::restore`] for one missing directory; true when it is back.
    fn settle(&mut self, dir: &Path) -> Result<bool, WatchError> {
        let Some(planned) = self.planned.iter().find(|p| p.dir == dir).cloned() else {
            write(&self.shared).awaiting.remove(dir);
            return Ok(false);
        };
        for _ in 0..SETTLE_ROUNDS {
            if dir.is_dir() {
                self.install(&planned)?;
                // Gone again while the watches went in: await it further.
                if !dir.is_dir() {
                    continue;
                }
                let old = write(&self.shared).awaiting.remove(dir).flatten();
                self.release(old);
                return Ok(true);
            }
            // `/` always exists; without it there is nothing to watch.
            let Some(nearest) = dir.ancestors().skip(1).find(|a| a.is_dir()) else {
                return Ok(false);
            };
            // The identity before the watch: a directory replaced in between
            // then differs next time and is watched again.
            let want = StandIn { dir: nearest.to_path_buf(), id: dir_id(nearest) };
            let old = {
                let mut s = write(&self.shared);
                if s.awaiting.get(dir) == Some(&Some(want.clone())) {
                    return Ok(false);
                }
                s.awaiting.insert(dir.to_path_buf(), None).flatten()
            };
            self.release(old);
            if self.watch_stand_in(&want)? {
                write(&self.shared).awaiting.insert(dir.to_path_buf(), Some(want));
            }
            // Another round: what was checked before the watch may have
            // changed before it was in place (`mkdir -p` is quick).
        }
        Ok(false)
    }

    /// Watches a stand-in unless it is watched already, for itself or as
    /// the same directory for another missing one. False when it vanished
    /// meanwhile.
    fn watch_stand_in(&mut self, want: &StandIn) -> Result<bool, WatchError> {
        {
            let s = read(&self.shared);
            if s.watched.contains(&want.dir) || s.awaiting.values().flatten().any(|o| o == want) {
                return Ok(true);
            }
        }
        match &mut self.backing {
            Backing::Native(watcher) => match watcher.watch(&want.dir, RecursiveMode::NonRecursive)
            {
                Ok(()) => Ok(true),
                Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => Ok(false),
                Err(e) => Err(WatchError::from_notify(&e, Some(&want.dir))),
            },
            Backing::Poll(_) => match scan(&want.dir) {
                Ok(baseline) => {
                    write(&self.shared).baselines.insert(want.dir.clone(), baseline);
                    Ok(true)
                }
                Err(e) if is_gone(&e) => Ok(false),
                // Unreadable: the poller keeps trying, as for any directory.
                Err(_) => Ok(true),
            },
        }
    }

    /// Drops a stand-in's watch once nothing needs it (the poller simply
    /// stops scanning it).
    fn release(&mut self, old: Option<StandIn>) {
        let Some(old) = old else { return };
        {
            let s = read(&self.shared);
            if s.watched.contains(&old.dir) || s.is_stand_in(&old.dir) {
                return;
            }
        }
        if let Backing::Native(watcher) = &mut self.backing {
            // It may be gone already, and the kernel with it.
            let _ = watcher.unwatch(&old.dir);
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
        // A stand-in's own events and those of its entries on the way to
        // the missing directory; the rest of a stand-in (often the project
        // directory) is none of our business. A directory under a root goes
        // on to be classified as usual as well.
        if s.on_the_way(path) {
            self.send(SpecEvent::Awaited(path.to_path_buf()));
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
            awaiting: BTreeMap::new(),
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

    /// A source over `root`, as the daemon would start it: `spec_dir` holds
    /// the spec file, `roots` are watched trees of `*.py` files.
    fn source_over(
        root: &Path,
        spec_dir: &Path,
        roots: Vec<PathBuf>,
        poll: bool,
    ) -> (Source, tokio::sync::mpsc::Receiver<SpecEvent>) {
        let filter = Filter::new(
            Some(spec_dir.join("openapi.yaml")),
            roots,
            Vec::new(),
            root.to_path_buf(),
            glob_set("include", &["**/*.py".to_string()]).unwrap(),
            glob_set("exclude", &[]).unwrap(),
        );
        let plan = Plan { spec_dir: Some(spec_dir.to_path_buf()), filter, poll: Some(poll) };
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let source = Source::start(&plan, tx).unwrap();
        assert_eq!(source.backend(), if poll { Backend::Poll } else { Backend::Native });
        (source, rx)
    }

    /// Does what the daemon does with the events (forget what is gone,
    /// restore on the way back) until `done` holds; returns every event and
    /// every directory `restore` reported back.
    fn pump(
        source: &mut Source,
        rx: &mut tokio::sync::mpsc::Receiver<SpecEvent>,
        what: &str,
        done: impl Fn(&Source, &[SpecEvent], &[PathBuf]) -> bool,
    ) -> (Vec<SpecEvent>, Vec<PathBuf>) {
        let start = std::time::Instant::now();
        let (mut events, mut back) = (Vec::new(), Vec::new());
        while !done(source, &events, &back) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{what}: not within 20 s; events {events:?}, back {back:?}, state {:?}",
                source.shared.read().unwrap()
            );
            let Ok(ev) = rx.try_recv() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            match &ev {
                SpecEvent::DirGone(p) => {
                    source.forget_tree(p);
                    back.extend(source.restore().unwrap());
                }
                SpecEvent::Awaited(_) => back.extend(source.restore().unwrap()),
                SpecEvent::DirAppeared(p) => {
                    source.add_tree(p).unwrap();
                }
                _ => {}
            }
            events.push(ev);
        }
        (events, back)
    }

    fn stand_in_of(source: &Source, dir: &Path) -> Option<PathBuf> {
        let s = source.shared.read().unwrap();
        s.awaiting.get(dir).cloned().flatten().map(|s| s.dir)
    }

    /// Issue 7: the spec's directory removed with its parent: the nearest
    /// existing ancestor is watched in its stead, the stand-in follows the
    /// path down as it is re-created and back up as it is removed again, and
    /// once the directory is back it is watched as before (a save in it is
    /// seen) and reported back exactly once.
    fn spec_directory_comes_back(poll: bool) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        let spec_dir = root.join("api/v1");
        let spec = spec_dir.join("openapi.yaml");
        std::fs::create_dir_all(&spec_dir).unwrap();
        std::fs::write(&spec, "one").unwrap();
        let (mut source, mut rx) = source_over(&root, &spec_dir, Vec::new(), poll);

        std::fs::remove_dir_all(root.join("api")).unwrap();
        let (events, back) = pump(&mut source, &mut rx, "gone", |s, _, _| {
            stand_in_of(s, &spec_dir).as_deref() == Some(&root)
        });
        assert!(events.contains(&SpecEvent::DirGone(spec_dir.clone())), "{events:?}");
        assert!(back.is_empty(), "{back:?}");
        assert!(!source.shared.read().unwrap().watched.contains(&spec_dir));

        // Half-way back: the stand-in moves down…
        std::fs::create_dir(root.join("api")).unwrap();
        pump(&mut source, &mut rx, "half-way back", |s, _, _| {
            stand_in_of(s, &spec_dir) == Some(root.join("api"))
        });
        // …and up again when its own directory goes.
        std::fs::remove_dir(root.join("api")).unwrap();
        pump(&mut source, &mut rx, "half-way gone again", |s, _, _| {
            stand_in_of(s, &spec_dir).as_deref() == Some(&root)
        });

        // Back, the spec written into it before the watch can be in place.
        std::fs::create_dir_all(&spec_dir).unwrap();
        std::fs::write(&spec, "two").unwrap();
        let (_, back) = pump(&mut source, &mut rx, "back", |_, _, back| !back.is_empty());
        assert_eq!(back, vec![spec_dir.clone()]);
        {
            let s = source.shared.read().unwrap();
            assert!(s.watched.contains(&spec_dir), "{s:?}");
            assert!(s.awaiting.is_empty(), "{s:?}");
        }
        // Watched as before: a save is seen.
        std::fs::write(&spec, "three, longer").unwrap();
        pump(&mut source, &mut rx, "saved", |_, events, _| {
            events.contains(&SpecEvent::Changed(spec.clone()))
        });
        assert!(source.restore().unwrap().is_empty(), "reported back once");
    }

    #[test]
    fn a_removed_spec_directory_is_watched_again_when_it_returns() {
        spec_directory_comes_back(false);
    }

    #[test]
    fn a_removed_spec_directory_is_watched_again_when_it_returns_polling() {
        spec_directory_comes_back(true);
    }

    /// Issue 7: a `watch.paths` root removed and put back by a rename (its
    /// subdirectories come along without an event each) is watched
    /// recursively again, and a change deep in it is seen.
    fn root_comes_back(poll: bool) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("schema")).unwrap();
        let backend = root.join("backend");
        std::fs::create_dir_all(backend.join("shop")).unwrap();
        std::fs::write(backend.join("shop/models.py"), "a = 1\n").unwrap();
        let (mut source, mut rx) =
            source_over(&root, &root.join("schema"), vec![backend.clone()], poll);
        assert!(source.shared.read().unwrap().watched.contains(&backend.join("shop")));

        std::fs::rename(&backend, root.join("moved-away")).unwrap();
        pump(&mut source, &mut rx, "gone", |s, _, _| {
            stand_in_of(s, &backend).as_deref() == Some(&root)
        });
        std::fs::rename(root.join("moved-away"), &backend).unwrap();
        let (_, back) = pump(&mut source, &mut rx, "back", |_, _, back| !back.is_empty());
        assert_eq!(back, vec![backend.clone()]);
        assert!(source.shared.read().unwrap().watched.contains(&backend.join("shop")));
        let models = backend.join("shop/models.py");
        std::fs::write(&models, "a = 22\n").unwrap();
        pump(&mut source, &mut rx, "saved", |_, events, _| {
            events.contains(&SpecEvent::Changed(models.clone()))
        });
    }

    #[test]
    fn a_root_moved_away_and_back_is_watched_recursively_again() {
        root_comes_back(false);
    }

    #[test]
    fn a_root_moved_away_and_back_is_watched_recursively_again_polling() {
        root_comes_back(true);
    }
}
