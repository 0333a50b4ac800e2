//! The checks behind the fuzz targets (issue 7), shared with the test suite:
//! `fuzz/fuzz_targets/*.rs` call these on every generated input, and
//! `tests/hardening.rs` includes this file (`#[path]`) and calls them on every
//! saved input under `tests/fuzz_regressions/<target>/`, so a crash the
//! fuzzer found is replayed by `cargo test` through the same code path.
//!
//! Each function takes raw bytes and panics only when apigend misbehaves: a
//! panic inside apigend, a generated path that would leave the output
//! directory, a render error (templates only print data), output that is not
//! deterministic, an error message that does not name its file, or a
//! debouncer that loses or duplicates a trigger. Inputs apigend rightly
//! refuses (bad YAML, bad config) return quietly.

#![allow(dead_code)] // each fuzz target uses one of these
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed check is a crash

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apigend::codegen::{GeneratedFile, Language, PythonOptions, python, typescript};
use apigend::config;
use apigend::ir::lower::{AppRule, lower};
use apigend::output::check_relative;
use apigend::slice::{GroupSpec, fingerprint, slice};
use apigend::spec;
use apigend::watch::{Debouncer, Trigger};

/// Spec bytes → read (bundle, normalise, index) → IR (both app rules)
/// → a group slice and its fingerprint → both generators, twice.
pub fn spec_to_code(data: &[u8]) {
    let fetch = |p: &str| -> Result<Vec<u8>, String> { Err(format!("no file `{p}` here")) };
    for rule in [AppRule::Tag, AppRule::Path("/api/".into())] {
        let api = match spec::read(data.to_vec(), "fuzz.yaml", &fetch, |d| lower(d, &rule)) {
            Ok((_, api)) => api,
            Err(e) => {
                assert!(e.to_string().starts_with("fuzz.yaml: "), "error without origin: {e}");
                return;
            }
        };
        let group = GroupSpec {
            name: "fuzz".into(),
            title: None,
            description: Some("*/ \"\"\" ${x}".into()),
            version: None,
        };
        // A group taking the first app only, as `[[groups]]` would.
        let first = api.operations.first().map(|o| o.app_origin.clone());
        let sliced = slice(&api, &group, |app| Some(app) == first.as_deref());
        for api in [&api, &sliced] {
            let fp = fingerprint(api, &group, Language::TypeScript, "");
            assert_eq!(fp, fingerprint(api, &group, Language::TypeScript, ""));
            let opts = PythonOptions { package: "fuzz_api".into() };
            let ts = typescript::generate(api).expect("typescript renders");
            let py = python::generate(api, &opts).expect("python renders");
            check_files(&ts);
            check_files(&py);
            assert_eq!(ts, typescript::generate(api).unwrap(), "typescript is deterministic");
            assert_eq!(py, python::generate(api, &opts).unwrap(), "python is deterministic");
        }
    }
}

/// Every generated path is a plain relative path, unique, and every file
/// ends in exactly one newline.
fn check_files(files: &[GeneratedFile]) {
    let mut seen = BTreeSet::new();
    for f in files {
        check_relative(&f.path).unwrap_or_else(|e| panic!("generated path: {e}"));
        assert!(seen.insert(f.path.to_ascii_lowercase()), "two files map to `{}`", f.path);
        assert!(f.contents.ends_with('\n') && !f.contents.ends_with("\n\n"), "{}", f.path);
    }
}

/// Config text (and, after a NUL byte, `KEY=VALUE` environment lines) →
/// a validated config → what the daemon derives from it at once (its
/// debouncer and a first deadline).
pub fn config_text(data: &[u8]) {
    let (text, env) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let env: Vec<(String, String)> = String::from_utf8_lossy(env)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (format!("APIGEND_{k}"), v.to_string()))
        .collect();
    let root = Path::new("/fuzz/project");
    let file = root.join("apigend.toml");
    let cfg = match config::from_str_with_env(text, &file, root, &env) {
        Ok(cfg) => cfg,
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("/fuzz/project/apigend.toml: "), "error without file: {msg}");
            return;
        }
    };
    assert!(!cfg.groups.is_empty());
    for g in &cfg.groups {
        // Group names become directory names under output_dir.
        assert!(check_relative(&g.name).is_ok(), "group name `{}` is a path", g.name);
    }
    let mut d = Debouncer::for_window(cfg.watch.debounce);
    let now = Instant::now();
    d.push(Trigger::Path(PathBuf::from("openapi.yaml")), now);
    let due = d.next_deadline().expect("pending");
    assert!(due >= now);
    assert!(d.take_ready(due).is_some());
}

/// A byte cursor: each read takes what is left, zero when exhausted.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, _| (acc << 8) | u64::from(self.u8()))
    }
    /// A duration spread over nanoseconds to absurd lengths.
    fn duration(&mut self) -> Duration {
        match self.u8() % 4 {
            0 => Duration::from_millis(u64::from(self.u8())),
            1 => Duration::from_millis(u64::from(self.u8()) * 100),
            2 => Duration::from_secs(u64::from(self.u8())),
            _ => Duration::new(self.u64(), 0),
        }
    }
}

/// A sequence of timed debouncer operations, checked against a model of
/// what must come out: every path, rescan and ticket pushed is released in
/// exactly one batch after it was pushed; nothing is released while a run
/// is in flight; a released batch is never empty; a batch limited to some
/// groups holds only requests.
pub fn debounce_events(data: &[u8]) {
    let mut b = Bytes(data);
    let d = Debouncer::new(b.duration(), b.duration());
    let mut m =
        Model { d, paths: BTreeSet::new(), tickets: BTreeSet::new(), issued: 0, answered: 0 };
    let mut now = Instant::now();
    let mut ops = 0;
    while !b.0.is_empty() && ops < 10_000 {
        ops += 1;
        // Time only moves forward, in steps up to a minute.
        now += Duration::from_millis(u64::from(b.u8()) * u64::from(b.u8() % 240));
        match b.u8() % 7 {
            0 | 1 => {
                let p = PathBuf::from(format!("spec{}.yaml", b.u8() % 8));
                m.paths.insert(p.clone());
                m.d.push(Trigger::Path(p), now);
            }
            2 => m.d.push(Trigger::Rescan(format!("overflow {}", b.u8() % 3)), now),
            3 => {
                let groups: Vec<String> =
                    (0..b.u8() % 3).map(|i| format!("g{}", i + b.u8() % 2)).collect();
                let ticket = (b.u8() % 2 == 0).then(|| {
                    m.issued += 1;
                    m.tickets.insert(m.issued);
                    m.issued
                });
                m.d.push(Trigger::Now { reason: "regen".into(), groups, ticket }, now);
            }
            4 => {
                m.take(now);
            }
            5 => m.d.finished(),
            _ => m.d.set_windows(b.duration()),
        }
        assert_eq!(
            m.d.next_deadline().is_some(),
            !m.d.is_running() && m.d.has_pending(),
            "a deadline exists exactly when something waits and no run is in flight"
        );
    }
    // Drain: finish the run in flight and take batches at their deadlines
    // until nothing is pending; everything pushed must have come out.
    for _ in 0..3 {
        m.d.finished();
        if let Some(due) = m.d.next_deadline() {
            assert!(m.take(due), "not released at its own deadline");
        }
    }
    m.d.finished();
    assert!(!m.d.has_pending());
    assert!(m.paths.is_empty(), "paths lost: {:?}", m.paths);
    assert!(m.tickets.is_empty(), "tickets never answered: {:?}", m.tickets);
    assert_eq!(m.answered, m.issued);
}

/// The debouncer and what was pushed into it but not yet released.
struct Model {
    d: Debouncer,
    paths: BTreeSet<PathBuf>,
    tickets: BTreeSet<u64>,
    issued: u64,
    answered: u64,
}

impl Model {
    /// `take_ready(at)`, checked; true when a batch came out.
    fn take(&mut self, at: Instant) -> bool {
        let running = self.d.is_running();
        let Some(batch) = self.d.take_ready(at) else { return false };
        assert!(!running, "a batch was released while a run was in flight");
        assert!(!batch.is_empty(), "an empty batch was released");
        assert!(self.d.is_running());
        if batch.groups.is_some() {
            assert!(batch.paths.is_empty() && batch.rescan.is_empty(), "{batch:?}");
        }
        for p in &batch.paths {
            assert!(self.paths.remove(p), "{p:?} released but not pending");
        }
        for t in &batch.tickets {
            assert!(self.tickets.remove(t), "ticket {t} released twice or never pushed");
            self.answered += 1;
        }
        true
    }
}
