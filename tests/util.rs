//! Helpers shared by the integration tests: a temporary project directory,
//! running the `apigend` binary, finding the external checkers (`tsc`,
//! `mypy`) that `scripts/test.sh` installs, and running them over generated
//! clients.

#![allow(dead_code)] // Not every test module uses every helper.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root (where `Cargo.toml` is).
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory that is removed on drop.
pub struct TempDir {
    dir: tempfile::TempDir,
}

impl TempDir {
    /// A new empty directory under the system temp dir.
    pub fn new() -> TempDir {
        let dir =
            tempfile::Builder::new().prefix("apigend-test-").tempdir().expect("create a temp dir");
        TempDir { dir }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `rel` (creating parent directories) and returns
    /// the full path.
    pub fn create(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dirs");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }
}

/// The `apigend` binary under test: `APIGEND_BIN` when set (e.g. a release
/// build for the corpus run), else the one cargo built for this test run.
pub fn apigend_bin() -> PathBuf {
    match std::env::var_os("APIGEND_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_apigend")),
    }
}

/// Runs `apigend` with `args` in `cwd`, with a clean logging environment.
pub fn run_apigend<I, S>(cwd: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(apigend_bin());
    cmd.args(args).current_dir(cwd);
    // Config keys can come from the environment; keep the developer's own
    // settings out of the tests.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("APIGEND_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("RUST_LOG");
    cmd.output().expect("spawn apigend")
}

/// Which languages a generated config turns on.
#[derive(Clone, Copy, Debug)]
pub struct Languages {
    pub typescript: bool,
    pub python: bool,
}

impl Languages {
    pub const BOTH: Languages = Languages { typescript: true, python: true };
}

/// An `apigend.toml` with one group `group` taking every app (`["*"]`),
/// apps by tag, output under `output_dir` (relative to the config file),
/// no archive.
pub fn config_toml(spec: &Path, output_dir: &str, group: &str, langs: Languages) -> String {
    config_toml_with_package(spec, output_dir, group, langs, None)
}

/// [`config_toml`], with the group's `python_package` set when given.
pub fn config_toml_with_package(
    spec: &Path,
    output_dir: &str,
    group: &str,
    langs: Languages,
    python_package: Option<&str>,
) -> String {
    let mut s = String::new();
    writeln!(s, "output_dir = {}", toml_str(output_dir)).unwrap();
    writeln!(s).unwrap();
    writeln!(s, "[spec]").unwrap();
    writeln!(s, "path = {}", toml_str(&spec.to_string_lossy())).unwrap();
    writeln!(s).unwrap();
    writeln!(s, "[apps]").unwrap();
    writeln!(s, "by = \"tag\"").unwrap();
    writeln!(s).unwrap();
    writeln!(s, "[languages]").unwrap();
    writeln!(s, "typescript = {}", langs.typescript).unwrap();
    writeln!(s, "python = {}", langs.python).unwrap();
    writeln!(s).unwrap();
    // The archive is not what these tests check; it would only cost time
    // and disk.
    writeln!(s, "[archive]").unwrap();
    writeln!(s, "enabled = false").unwrap();
    writeln!(s).unwrap();
    writeln!(s, "[[groups]]").unwrap();
    writeln!(s, "name = {}", toml_str(group)).unwrap();
    writeln!(s, "apps = [\"*\"]").unwrap();
    if let Some(package) = python_package {
        writeln!(s, "python_package = {}", toml_str(package)).unwrap();
    }
    s
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => write!(out, "\\u{:04X}", u32::from(c)).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every regular file under `dir`, as `/`-separated paths relative to it,
/// sorted. Skips caches the checkers leave behind.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read dir {}: {e}", dir.display()))
            .map(|e| e.expect("dir entry"))
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if matches!(&*name, "__pycache__" | ".mypy_cache" | "tsconfig.tsbuildinfo") {
                continue;
            }
            let path = entry.path();
            let ty = entry.file_type().expect("file type");
            if ty.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let rel: Vec<_> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
                out.push(rel.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Panics with the command line, exit status and both streams unless the
/// command succeeded.
pub fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// Writes a line to the real stderr, past libtest's output capture, so a
/// skipped check is visible in a passing run.
pub fn notice(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}

/// The environment variable that makes the shared data mandatory: with
/// `APIGEND_REQUIRE_SHARED=1` (the project's own CI, `.ci/run`) a missing
/// `../shared/<name>` fails the test instead of skipping it.
pub const REQUIRE_SHARED: &str = "APIGEND_REQUIRE_SHARED";

/// The environment variable naming the skip log: a file that every skipped
/// test appends one line to, and that `scripts/test.sh` prints after cargo's
/// summary (libtest captures a passing test's output, so a skip printed only
/// to the test's own stderr is easy to miss).
pub const SKIP_LOG: &str = "APIGEND_SKIP_LOG";

/// The project's shared data directory `../shared/<name>` (beside the
/// repository: the real-world corpus, the pairs of API versions), or `None`
/// when it is absent, after saying so.
///
/// Every test that reads `../shared` goes through here, so a skip is never
/// silent: the calling test's name, the directory and the reason go to
/// stderr and, when [`SKIP_LOG`] names a file, to that log. Under
/// [`REQUIRE_SHARED`]`=1` an absent directory is a failure instead. The
/// test's name is the libtest thread's name; call this from the test's own
/// thread.
pub fn shared_dir(name: &str) -> Option<PathBuf> {
    let thread = std::thread::current();
    Skip::from_env(thread.name().unwrap_or("a test"))
        .shared_dir(&crate_root().join("../shared"), name)
}

/// Reports, visibly, that the calling test skipped what needs `what`
/// (a tmpfs mount, say) because `why`: on stderr and in the skip log that
/// `scripts/test.sh` prints last. For data that CI must provide, use
/// [`shared_dir`].
pub fn skipped(what: &str, why: &str) {
    let thread = std::thread::current();
    Skip::from_env(thread.name().unwrap_or("a test")).record(what, why);
}

/// [`shared_dir`]'s decision with its environment spelled out, so that it
/// can be tested without touching the process environment.
pub struct Skip<'a> {
    /// The test that asks.
    pub test: &'a str,
    /// An absent directory is a failure ([`REQUIRE_SHARED`]).
    pub require: bool,
    /// Where to append the skip ([`SKIP_LOG`]).
    pub log: Option<PathBuf>,
}

impl<'a> Skip<'a> {
    /// `test`'s skip settings from [`REQUIRE_SHARED`] and [`SKIP_LOG`].
    pub fn from_env(test: &'a str) -> Skip<'a> {
        Skip {
            test,
            require: std::env::var(REQUIRE_SHARED).as_deref() == Ok("1"),
            log: std::env::var_os(SKIP_LOG).filter(|l| !l.is_empty()).map(PathBuf::from),
        }
    }

    /// `shared/<name>`, or `None` after reporting the skip.
    pub fn shared_dir(&self, shared: &Path, name: &str) -> Option<PathBuf> {
        let dir = shared.join(name);
        if dir.is_dir() {
            return Some(dir);
        }
        let test = self.test;
        let why = format!(
            "{} does not exist (the project's shared data, laid beside the \
             repository as ../shared)",
            dir.display()
        );
        assert!(
            !self.require,
            "{test}: needs ../shared/{name}, but {why}; {REQUIRE_SHARED}=1 requires it"
        );
        self.record(&format!("../shared/{name}"), &why);
        None
    }

    /// Reports that `self.test` skipped what needs `what`, because `why`:
    /// on stderr and in the skip log.
    pub fn record(&self, what: &str, why: &str) {
        let test = self.test;
        notice(&format!("{test}: SKIPPED what needs {what}: {why}"));
        if let Some(log) = &self.log {
            // One short `write` per line in append mode: concurrent tests
            // and test binaries do not interleave within a line.
            let line = format!("{test}\t{what}\t{why}\n");
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .and_then(|mut f| f.write_all(line.as_bytes()));
            if let Err(e) = appended {
                panic!("{test}: cannot append to the skip log {}: {e}", log.display());
            }
        }
    }
}

#[test]
fn shared_dir_skips_visibly_or_fails_when_required() {
    let tmp = TempDir::new();
    let shared = tmp.path().join("shared");
    std::fs::create_dir_all(shared.join("corpus")).unwrap();
    let log = tmp.path().join("skips.log");
    let skip = Skip { test: "m::t", require: false, log: Some(log.clone()) };
    assert_eq!(skip.shared_dir(&shared, "corpus"), Some(shared.join("corpus")));
    assert!(!log.exists(), "a present directory is not a skip");
    assert_eq!(skip.shared_dir(&shared, "pairs/a"), None);
    assert_eq!(skip.shared_dir(&shared, "pairs/b"), None);
    let logged = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = logged.lines().collect();
    assert_eq!(lines.len(), 2, "{logged}");
    assert!(lines[0].starts_with("m::t\t../shared/pairs/a\t"), "{logged}");
    assert!(lines[1].starts_with("m::t\t../shared/pairs/b\t"), "{logged}");

    let required = Skip { test: "m::t", require: true, log: None };
    let failed = std::panic::catch_unwind(|| required.shared_dir(&shared, "pairs/a"));
    let msg = failed.expect_err("a required absent directory fails");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("needs ../shared/pairs/a") && msg.contains(REQUIRE_SHARED), "{msg}");
}

/// The external checkers. `scripts/test.sh` installs them and exports their
/// paths; without it we fall back to where it installs them.
pub struct Tools {
    /// `tsc` from `tests/tools/node_modules`.
    pub tsc: PathBuf,
    /// A Python with mypy, pydantic and httpx (`tests/tools/.venv`).
    pub python: PathBuf,
}

/// Finds the checkers or panics saying how to get them. Only called from
/// `#[ignore]`d tests, which a bare `cargo test` does not run.
pub fn tools() -> Tools {
    let tools_dir = crate_root().join("tests/tools");
    let find = |var: &str, default: PathBuf| -> PathBuf {
        if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        if default.exists() {
            return default;
        }
        panic!(
            "{var} is not set and {} does not exist; run scripts/test.sh, which installs \
             the pinned checkers and runs these tests",
            default.display()
        );
    };
    Tools {
        tsc: find("APIGEND_TSC", tools_dir.join("node_modules/.bin/tsc")),
        python: find("APIGEND_PYTHON", tools_dir.join(".venv/bin/python")),
    }
}

/// The strict tsconfig every generated TypeScript client must pass.
pub fn strict_tsconfig() -> PathBuf {
    crate_root().join("tests/tsconfig.strict.json")
}

/// What one `tsc` run printed.
pub struct TscOutput {
    /// tsc exited 0.
    pub ok: bool,
    /// Where the generated tsconfig is.
    pub tsconfig: PathBuf,
    /// The diagnostics, one per line (`--pretty false`), plus stderr.
    pub output: String,
}

/// Runs `tsc -p` with a tsconfig (written to `work_dir`) that extends the
/// strict one and includes every `.ts` file under each of `roots`.
pub fn tsc_run(tools: &Tools, work_dir: &Path, roots: &[PathBuf]) -> TscOutput {
    let include: Vec<String> =
        roots.iter().map(|r| format!("{}/**/*.ts", r.to_string_lossy())).collect();
    let tsconfig = serde_json::json!({
        "extends": strict_tsconfig().to_string_lossy(),
        "compilerOptions": {
            // No ambient @types: the clients must not need @types/node.
            "types": [],
            // Re-checks only what changed since the last run in `work_dir`.
            "incremental": true,
            "tsBuildInfoFile": work_dir.join("tsconfig.tsbuildinfo").to_string_lossy(),
        },
        "include": include,
    });
    std::fs::create_dir_all(work_dir).expect("create tsc work dir");
    let path = work_dir.join("tsconfig.json");
    std::fs::write(&path, serde_json::to_string_pretty(&tsconfig).unwrap()).unwrap();
    let out = Command::new(&tools.tsc)
        .arg("-p")
        .arg(&path)
        .arg("--pretty")
        .arg("false")
        .output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", tools.tsc.display()));
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    TscOutput { ok: out.status.success(), tsconfig: path, output }
}

/// [`tsc_run`], as a result: `Err(report)` when tsc fails.
pub fn tsc_check(tools: &Tools, work_dir: &Path, roots: &[PathBuf]) -> Result<(), String> {
    let run = tsc_run(tools, work_dir, roots);
    if run.ok {
        Ok(())
    } else {
        Err(format!("tsc -p {} failed:\n{}", run.tsconfig.display(), truncate(&run.output, 200)))
    }
}

/// Runs `mypy --strict` over `packages` (directories, each an importable
/// package whose parent is the import root) with its cache in `cache_dir`.
pub fn mypy_check(tools: &Tools, cache_dir: &Path, packages: &[PathBuf]) -> Result<(), String> {
    let out = Command::new(&tools.python)
        .args(["-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context"])
        .arg("--no-color-output")
        .arg("--cache-dir")
        .arg(cache_dir)
        .args(packages)
        .env_remove("MYPYPATH")
        .output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", tools.python.display()));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "mypy --strict failed ({}):\n{}{}",
            out.status,
            truncate(&String::from_utf8_lossy(&out.stdout), 200),
            String::from_utf8_lossy(&out.stderr),
        ))
    }
}

/// Imports every module of the packages at `package_dirs` (which must have
/// distinct names) in one fresh interpreter: catches errors only visible at
/// runtime, such as a bad pydantic model, a forward reference that never
/// resolves, or a circular import.
pub fn python_import_all(tools: &Tools, package_dirs: &[PathBuf]) -> Result<(), String> {
    const SCRIPT: &str = r#"
import importlib, pathlib, sys, traceback
sys.dont_write_bytecode = True
mods = []
for arg in sys.argv[1:]:
    pkg_dir = pathlib.Path(arg).resolve()
    sys.path.insert(0, str(pkg_dir.parent))
    mods.append(pkg_dir.name)
    for p in sorted(pkg_dir.rglob("*.py")):
        parts = list(p.relative_to(pkg_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name not in mods:
            mods.append(name)
failed = []
for name in mods:
    try:
        importlib.import_module(name)
    except BaseException:
        failed.append(name)
        print(f"--- import {name} failed:", file=sys.stderr)
        traceback.print_exc()
print(f"imported {len(mods) - len(failed)} of {len(mods)} modules")
sys.exit(1 if failed else 0)
"#;
    let out = Command::new(&tools.python)
        .arg("-c")
        .arg(SCRIPT)
        .args(package_dirs)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", tools.python.display()));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "importing every module of {} failed ({}):\n{}{}",
            package_dirs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            truncate(&String::from_utf8_lossy(&out.stderr), 200),
        ))
    }
}

/// The Python packages (directories with an `__init__.py`) directly under
/// `dir`, sorted.
pub fn python_packages_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("__init__.py").is_file())
        .collect();
    out.sort();
    out
}

/// The first `max_lines` lines of `s`, saying how many more there were.
pub fn truncate(s: &str, max_lines: usize) -> String {
    let total = s.lines().count();
    let mut out: String = s.lines().take(max_lines).flat_map(|l| [l, "\n"]).collect();
    if total > max_lines {
        writeln!(out, "… {} more lines", total - max_lines).unwrap();
    }
    out
}

/// A process-wide limit on concurrently running external checkers and
/// generator runs: one per core, shared by all tests of this binary (cargo
/// runs tests on as many threads as there are cores, and each corpus test
/// fans out too).
pub fn with_job_slot<R>(f: impl FnOnce() -> R) -> R {
    use std::sync::{Condvar, Mutex};
    static FREE: Mutex<Option<usize>> = Mutex::new(None);
    static CHANGED: Condvar = Condvar::new();
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            let mut free = FREE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *free.as_mut().expect("initialised") += 1;
            CHANGED.notify_one();
        }
    }
    {
        let mut free = FREE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free.get_or_insert_with(jobs) == 0 {
            free = CHANGED.wait(free).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free.as_mut().expect("initialised") -= 1;
    }
    let _release = Release;
    f()
}

/// How many external processes to run at once: `APIGEND_TEST_JOBS`, else
/// the number of cores.
pub fn jobs() -> usize {
    std::env::var("APIGEND_TEST_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
}

/// Runs `f` on every item with `jobs()` worker threads, returning the
/// results in the order of `items`.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs().min(items.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|r| r.expect("every item processed"))
        .collect()
}
