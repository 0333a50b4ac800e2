//! The debouncer: a pure state machine that turns a stream of triggers into
//! batches, one batch per run.
//!
//! It owns no clock and no timer: the caller passes `now` to every call and
//! sleeps until [`Debouncer::next_deadline`] itself (STYLE rule 10), so the
//! whole policy is tested with injected instants (`tests/debounce_cases/`).
//!
//! The policy:
//! - a burst ends after `quiet` without a new trigger (trailing edge), so a
//!   `git checkout` or a formatter touching many files gives one batch;
//! - a burst that never goes quiet is cut after `max_wait`, so a tool that
//!   writes forever still gets its changes generated;
//! - a regen request or the startup kick is due at once;
//! - while a run is in flight nothing is released: everything that arrives
//!   meanwhile accumulates into exactly one follow-up batch, released when
//!   [`Debouncer::finished`] is called (watchexec's `--on-busy-update queue`,
//!   never its `do-nothing`, which would lose user edits).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One thing that asks for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A watched file changed (content not yet checked).
    Path(PathBuf),
    /// The watcher may have missed events, or the config changed:
    /// regenerate everything. The reason is logged.
    Rescan(String),
    /// An explicit request (`apigend regen`, the startup run): due at once.
    /// `groups` empty means every group; `ticket` identifies the waiter.
    Now {
        /// Why (for the log).
        reason: String,
        /// Groups asked for; empty = all.
        groups: Vec<String>,
        /// The caller's ticket, answered when the batch's run ends.
        ticket: Option<u64>,
    },
}

/// What one run should do: the union of the triggers it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Changed paths, deduplicated and sorted.
    pub paths: BTreeSet<PathBuf>,
    /// Reasons for a full rescan (empty: none asked).
    pub rescan: Vec<String>,
    /// Reasons of explicit requests.
    pub requests: Vec<String>,
    /// `None`: every group. `Some`: only these (only when every trigger in
    /// the batch was a request naming groups).
    pub groups: Option<BTreeSet<String>>,
    /// Tickets to answer when the run ends.
    pub tickets: Vec<u64>,
    /// Some trigger asked for every group.
    wide: bool,
}

impl Batch {
    fn add(&mut self, t: Trigger) {
        match t {
            Trigger::Path(p) => {
                self.paths.insert(p);
                self.widen();
            }
            Trigger::Rescan(why) => {
                if !self.rescan.contains(&why) {
                    self.rescan.push(why);
                }
                self.widen();
            }
            Trigger::Now { reason, groups, ticket } => {
                if !self.requests.contains(&reason) {
                    self.requests.push(reason);
                }
                self.tickets.extend(ticket);
                if groups.is_empty() {
                    self.widen();
                } else if !self.wide {
                    // Only requests naming groups so far: run just those.
                    self.groups.get_or_insert_default().extend(groups);
                }
            }
        }
    }

    /// From now on the batch covers every group, whatever requests follow.
    fn widen(&mut self) {
        self.wide = true;
        self.groups = None;
    }

    /// True when nothing asks for a run any more (e.g. the content gate
    /// dropped every path).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.rescan.is_empty() && self.requests.is_empty()
    }
}

#[derive(Debug)]
struct Pending {
    batch: Batch,
    /// First trigger of the burst (for `max_wait`).
    first: Instant,
    /// Latest trigger (for `quiet`).
    last: Instant,
    /// A request is in the batch: due at once.
    urgent: bool,
}

/// The longest quiet window or burst cap the debouncer uses; longer ones
/// are taken as this. A day is far beyond any useful window and far from
/// overflowing an `Instant`.
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The state machine. See the module docs for the policy.
#[derive(Debug)]
pub struct Debouncer {
    quiet: Duration,
    max_wait: Duration,
    pending: Option<Pending>,
    running: bool,
}

impl Debouncer {
    /// A debouncer with a quiet window and a cap on how long a burst that
    /// never goes quiet may delay its run.
    ///
    /// Both windows are capped at [`MAX_WINDOW`], so no deadline computed
    /// from them can overflow an `Instant` (a panic, found by the
    /// `debounce_events` fuzz target, issue 7).
    #[must_use]
    pub fn new(quiet: Duration, max_wait: Duration) -> Debouncer {
        let quiet = quiet.min(MAX_WINDOW);
        let max_wait = max_wait.min(MAX_WINDOW).max(quiet);
        Debouncer { quiet, max_wait, pending: None, running: false }
    }

    /// The windows the daemon uses for a configured `watch.debounce`: the
    /// cap is ten windows, at least two seconds, so a long burst (a branch
    /// switch) is still one run while a writer that never stops is not
    /// starved.
    #[must_use]
    pub fn for_window(quiet: Duration) -> Debouncer {
        // Saturating: `quiet * 10` panicked on an absurd window.
        Debouncer::new(quiet, quiet.saturating_mul(10).max(Duration::from_secs(2)))
    }

    /// Adopts a new quiet window (config reload), keeping what is pending.
    pub fn set_windows(&mut self, quiet: Duration) {
        let fresh = Debouncer::for_window(quiet);
        self.quiet = fresh.quiet;
        self.max_wait = fresh.max_wait;
    }

    /// Records a trigger that happened at `now`.
    pub fn push(&mut self, t: Trigger, now: Instant) {
        let urgent = matches!(t, Trigger::Now { .. });
        let p = self.pending.get_or_insert_with(|| Pending {
            batch: Batch::default(),
            first: now,
            last: now,
            urgent: false,
        });
        p.batch.add(t);
        p.last = p.last.max(now);
        p.urgent |= urgent;
    }

    /// When the pending batch becomes due; `None` when nothing is pending or
    /// a run is in flight (its end, not a timer, releases the next batch).
    #[must_use]
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.running {
            return None;
        }
        let p = self.pending.as_ref()?;
        if p.urgent {
            return Some(p.first);
        }
        Some((p.last + self.quiet).min(p.first + self.max_wait))
    }

    /// The batch due at `now`, if any. Taking a batch marks a run as in
    /// flight until [`Debouncer::finished`].
    pub fn take_ready(&mut self, now: Instant) -> Option<Batch> {
        let due = self.next_deadline()?;
        if now < due {
            return None;
        }
        self.running = true;
        self.pending.take().map(|p| p.batch)
    }

    /// The run of the last taken batch ended (or was skipped). Triggers that
    /// arrived meanwhile form the next batch; if its quiet window already
    /// passed it is due at once.
    pub fn finished(&mut self) {
        self.running = false;
    }

    /// A run is in flight.
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Something is waiting for a run.
    #[must_use]
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }
}

#[cfg(test)]
mod tests {
    //! Data-driven cases from `tests/debounce_cases/*.toml` (notify's
    //! `test_cases/*.hjson` idea): each file states what it proves, the
    //! windows, and timed steps that push triggers, finish runs and expect
    //! batches or deadlines, all on an injected clock.

    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Case {
        /// One sentence: what the case proves.
        proves: String,
        quiet_ms: u64,
        max_wait_ms: u64,
        step: Vec<Step>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Step {
        at: u64,
        /// Push these paths.
        #[serde(default)]
        push: Vec<String>,
        /// Push `n` distinct paths `f0..f{n-1}` (storms).
        storm: Option<usize>,
        rescan: Option<String>,
        /// Push a request for these groups (empty: all).
        request: Option<Vec<String>>,
        ticket: Option<u64>,
        /// Call `finished()`.
        #[serde(default)]
        finish: bool,
        /// Expect `next_deadline()` (ms; -1 = none).
        deadline: Option<i64>,
        /// Call `take_ready(at)` and expect this batch (`none` = nothing).
        take: Option<Expect>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, untagged)]
    enum Expect {
        None(String),
        Batch {
            #[serde(default)]
            paths: Vec<String>,
            /// Instead of `paths`: how many paths.
            path_count: Option<usize>,
            #[serde(default)]
            rescan: Vec<String>,
            #[serde(default)]
            requests: Vec<String>,
            /// Absent: every group.
            groups: Option<Vec<String>>,
            #[serde(default)]
            tickets: Vec<u64>,
        },
    }

    fn run_case(name: &str, case: &Case) {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut d = Debouncer::new(
            Duration::from_millis(case.quiet_ms),
            Duration::from_millis(case.max_wait_ms),
        );
        let ctx = |i: usize| format!("{name} step {i} ({})", case.proves);
        for (i, s) in case.step.iter().enumerate() {
            let now = at(s.at);
            for p in &s.push {
                d.push(Trigger::Path(PathBuf::from(p)), now);
            }
            for n in 0..s.storm.unwrap_or(0) {
                d.push(Trigger::Path(PathBuf::from(format!("f{n}"))), now);
            }
            if let Some(r) = &s.rescan {
                d.push(Trigger::Rescan(r.clone()), now);
            }
            if let Some(groups) = &s.request {
                let reason = format!("request {}", s.ticket.unwrap_or(0));
                d.push(Trigger::Now { reason, groups: groups.clone(), ticket: s.ticket }, now);
            }
            if s.finish {
                d.finished();
            }
            if let Some(want) = s.deadline {
                let got = d
                    .next_deadline()
                    .map_or(-1, |t| i64::try_from(t.duration_since(t0).as_millis()).unwrap());
                assert_eq!(got, want, "{}: next_deadline", ctx(i));
            }
            match &s.take {
                None => {}
                Some(Expect::None(word)) => {
                    assert_eq!(word, "none", "{}: `take` is a table or \"none\"", ctx(i));
                    let got = d.take_ready(now);
                    assert!(got.is_none(), "{}: expected no batch, got {got:?}", ctx(i));
                }
                Some(Expect::Batch { paths, path_count, rescan, requests, groups, tickets }) => {
                    let got = d
                        .take_ready(now)
                        .unwrap_or_else(|| panic!("{}: expected a batch, got none", ctx(i)));
                    match path_count {
                        Some(n) => assert_eq!(got.paths.len(), *n, "{}: path count", ctx(i)),
                        None => {
                            let want: BTreeSet<PathBuf> = paths.iter().map(PathBuf::from).collect();
                            assert_eq!(got.paths, want, "{}: paths", ctx(i));
                        }
                    }
                    assert_eq!(&got.rescan, rescan, "{}: rescan", ctx(i));
                    let want_requests: Vec<String> = requests.clone();
                    assert_eq!(got.requests, want_requests, "{}: requests", ctx(i));
                    let want_groups = groups.as_ref().map(|g| g.iter().cloned().collect());
                    assert_eq!(got.groups, want_groups, "{}: groups", ctx(i));
                    assert_eq!(&got.tickets, tickets, "{}: tickets", ctx(i));
                }
            }
        }
    }

    #[test]
    fn debounce_cases() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/debounce_cases");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        assert!(files.len() >= 5, "expected the debounce cases in {}", dir.display());
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&f).unwrap();
            let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            run_case(&name, &case);
        }
    }

    #[test]
    fn max_wait_is_never_shorter_than_quiet() {
        let d = Debouncer::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(d.max_wait, Duration::from_secs(5));
        let d = Debouncer::for_window(Duration::from_millis(300));
        assert_eq!(d.max_wait, Duration::from_secs(3));
    }
}
