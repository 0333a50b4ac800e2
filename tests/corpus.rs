//! The real-world corpus: every OpenAPI document in `../shared/corpus`
//! (relative to the crate root; CI lays it there) is generated for both
//! languages with one group `all` taking every app, and the output must
//! type-check: `tsc` with `tests/tsconfig.strict.json` over the TypeScript
//! client, `mypy --strict` plus an import of every module over the Python
//! package.
//!
//! Generation runs once per test binary (the first test to need it does it)
//! into `target/tmp/corpus/<document>/out`, with the Python package named
//! after the document. The checkers keep their caches under `target/tmp`, so
//! a second run only re-checks what changed. Documents run in
//! parallel, one external process per core across all tests
//! ([`util::with_job_slot`]).
//!
//! Without the corpus these tests skip and say so ([`util::shared_dir`]: on
//! stderr and in `scripts/test.sh`'s closing summary); with
//! `APIGEND_REQUIRE_SHARED=1` (the project's CI) a missing corpus is a
//! failure.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::util::{self, Languages};

/// The group every document is generated into.
const GROUP: &str = "all";

/// One corpus document and what generating it gave.
struct Doc {
    /// File name in the corpus.
    name: String,
    /// `target/tmp/corpus/<stem>`: config, output and checker caches.
    dir: PathBuf,
    /// How long `apigend generate` took, or why it failed.
    generated: Result<Duration, String>,
}

impl Doc {
    fn group_dir(&self) -> PathBuf {
        self.dir.join("out").join(GROUP)
    }
}

/// The corpus documents, largest first (so the long poles start early).
fn documents(dir: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .map(|p| (std::fs::metadata(&p).map_or(0, |m| m.len()), p))
        .collect();
    docs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    assert!(!docs.is_empty(), "no documents in {}", dir.display());
    docs.into_iter().map(|(_, p)| p).collect()
}

/// Generates every document once per process; later callers wait for and
/// share the result.
/// Each test asks for the corpus itself, so each one that skips says so.
fn generated() -> Option<&'static [Doc]> {
    static DOCS: OnceLock<Vec<Doc>> = OnceLock::new();
    let corpus = util::shared_dir("corpus")?;
    Some(DOCS.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
        let docs = documents(&corpus);
        util::parallel_map(&docs, |spec| generate_one(spec, &root))
    }))
}

fn generate_one(spec: &Path, root: &Path) -> Doc {
    let name = spec.file_name().expect("file name").to_string_lossy().into_owned();
    let stem = spec.file_stem().expect("file stem").to_string_lossy().into_owned();
    let dir = root.join(&stem);
    let out_dir = dir.join("out");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).expect("remove previous output");
    }
    std::fs::create_dir_all(&dir).expect("create corpus work dir");
    let spec = spec.canonicalize().expect("canonical spec path");
    let config = dir.join("apigend.toml");
    let package = python_package(&stem);
    let toml = util::config_toml_with_package(&spec, "out", GROUP, Languages::BOTH, Some(&package));
    std::fs::write(&config, toml).expect("write config");

    let generated = util::with_job_slot(|| {
        let started = Instant::now();
        let args = [OsStr::new("generate"), OsStr::new("--config"), config.as_os_str()];
        let out = util::run_apigend(&dir, args);
        let took = started.elapsed();
        if out.status.success() {
            Ok(took)
        } else {
            Err(format!(
                "apigend generate --config {} exited with {}:\n{}{}",
                config.display(),
                out.status,
                util::truncate(&String::from_utf8_lossy(&out.stdout), 50),
                util::truncate(&String::from_utf8_lossy(&out.stderr), 50),
            ))
        }
    });
    Doc { name, dir, generated }
}

/// The Python package of a document's client: its file stem as an
/// identifier. Distinct names let every document share one mypy cache (the
/// standard library, pydantic and httpx are analysed once, not once per
/// document) without their own modules overwriting each other's entries.
fn python_package(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "doc_");
    }
    name
}

/// One line per document, slowest first, printed past the capture so the
/// test command shows where the time goes.
fn report(title: &str, rows: &mut [(String, Duration, bool)]) {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: Duration = rows.iter().map(|r| r.1).sum();
    let failed = rows.iter().filter(|r| !r.2).count();
    let mut s = format!(
        "{title}: {} documents, {failed} failed, {:.1}s of process time (one per core):\n",
        rows.len(),
        total.as_secs_f64()
    );
    for (name, took, ok) in rows.iter() {
        let status = if *ok { "ok  " } else { "FAIL" };
        writeln!(s, "  {status} {:>7.2}s  {name}", took.as_secs_f64()).unwrap();
    }
    util::notice(s.trim_end());
}

/// `apigend generate` accepts every document of the corpus and writes both
/// clients.
#[test]
fn corpus_generates() {
    let Some(docs) = generated() else { return };
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for doc in docs {
        match &doc.generated {
            Ok(took) => {
                rows.push((doc.name.clone(), *took, true));
                for lang in ["typescript", "python"] {
                    let dir = doc.group_dir().join(lang);
                    if !dir.is_dir() || util::files_under(&dir).is_empty() {
                        failures.push(format!(
                            "{}: no {lang} output in {}",
                            doc.name,
                            dir.display()
                        ));
                    }
                }
            }
            Err(e) => {
                rows.push((doc.name.clone(), Duration::ZERO, false));
                failures.push(format!("{}: {e}", doc.name));
            }
        }
    }
    report("corpus: apigend generate (both languages)", &mut rows);
    assert!(
        failures.is_empty(),
        "{} of {} documents failed:\n{}",
        failures.len(),
        docs.len(),
        failures.join("\n\n")
    );
}

/// Runs `check` on every successfully generated document in parallel,
/// reports the timings and fails with every problem found.
fn check_all(title: &str, docs: &[Doc], check: impl Fn(&Doc) -> Result<(), String> + Sync) {
    let results = util::parallel_map(docs, |doc| {
        if let Err(e) = &doc.generated {
            return (Duration::ZERO, Err(format!("generation failed, nothing to check: {e}")));
        }
        util::with_job_slot(|| {
            let started = Instant::now();
            let r = check(doc);
            (started.elapsed(), r)
        })
    });
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (doc, (took, r)) in docs.iter().zip(results) {
        rows.push((doc.name.clone(), took, r.is_ok()));
        if let Err(e) = r {
            failures.push(format!("── {} ──\n{e}", doc.name));
        }
    }
    report(title, &mut rows);
    assert!(
        failures.is_empty(),
        "{title}: {} of {} documents failed:\n{}",
        failures.len(),
        docs.len(),
        failures.join("\n")
    );
}

/// Every generated TypeScript client passes `tsc` with the strict tsconfig.
///
/// One tsc program covers every document: each client is a tree of ES
/// modules, so they cannot clash, and checking the DOM and ES libraries
/// (`skipLibCheck: false`) is paid once instead of once per document, which
/// is most of the time for small clients. Diagnostics are attributed to
/// documents by path.
#[test]
#[ignore = "needs tsc (node); run scripts/test.sh"]
fn corpus_typescript_typechecks() {
    let tools = util::tools();
    let Some(docs) = generated() else { return };
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    for doc in docs {
        let root = doc.group_dir().join("typescript");
        match &doc.generated {
            Err(e) => failures.push(format!("── {} ──\ngeneration failed: {e}", doc.name)),
            Ok(_) if !root.is_dir() || util::files_under(&root).is_empty() => {
                failures.push(format!(
                    "── {} ──\nno TypeScript output in {}",
                    doc.name,
                    root.display()
                ));
            }
            Ok(_) => checked.push((doc, root)),
        }
    }
    let roots: Vec<PathBuf> = checked.iter().map(|(_, root)| root.clone()).collect();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-tsc");
    let started = Instant::now();
    let run = util::with_job_slot(|| util::tsc_run(&tools, &work, &roots));
    let took = started.elapsed();

    let mut attributed = vec![Vec::new(); checked.len()];
    let mut unattributed = Vec::new();
    for line in run.output.lines().filter(|l| !l.trim().is_empty()) {
        // Paths are printed relative to the working directory or absolute;
        // either way they contain `<stem>/out/all/typescript/`.
        let owner = checked.iter().position(|(doc, _)| {
            let stem = doc.dir.file_name().expect("stem").to_string_lossy();
            line.contains(&format!("{stem}/out/{GROUP}/typescript/"))
        });
        match owner {
            Some(i) => attributed[i].push(line),
            // Continuation lines of a multi-line diagnostic go with the last.
            None if line.starts_with(' ') => {
                if let Some(last) = attributed.iter_mut().filter(|a| !a.is_empty()).last() {
                    last.push(line);
                } else {
                    unattributed.push(line);
                }
            }
            None => unattributed.push(line),
        }
    }
    let mut summary = format!(
        "corpus: tsc (tests/tsconfig.strict.json): one program over {} documents took {:.1}s",
        checked.len(),
        took.as_secs_f64()
    );
    for ((doc, _), lines) in checked.iter().zip(&attributed) {
        let errors = lines.iter().filter(|l| l.contains("error TS")).count();
        if !lines.is_empty() {
            writeln!(summary, "\n  FAIL {errors:>5} errors  {}", doc.name).unwrap();
            failures.push(format!(
                "── {} ── {errors} errors\n{}",
                doc.name,
                util::truncate(&lines.join("\n"), 60)
            ));
        }
    }
    util::notice(&summary);
    if !run.ok && failures.is_empty() {
        unattributed.push("tsc failed without a diagnostic in any document");
    }
    if !unattributed.is_empty() {
        failures.push(format!(
            "── tsc -p {} ──\n{}",
            run.tsconfig.display(),
            util::truncate(&unattributed.join("\n"), 60)
        ));
    }
    assert!(
        failures.is_empty(),
        "corpus: tsc: {} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every generated Python package passes `mypy --strict`, and every one of
/// its modules imports.
#[test]
#[ignore = "needs python with mypy, pydantic, httpx; run scripts/test.sh"]
fn corpus_python_typechecks_and_imports() {
    let tools = util::tools();
    let Some(docs) = generated() else { return };
    // Shared by all documents. mypy replaces each cache file atomically, but
    // an entry is several files: on a cold cache (a fresh clone) every
    // concurrent run writes the standard library's, pydantic's and httpx's
    // entries at once, and one such run crashed mypy 2.4.1 ("INTERNAL
    // ERROR") on GitHub's package, most likely on a mixed entry. So one run
    // fills those shared entries first; the parallel runs then only read
    // them and write their own modules, whose names differ per document.
    let mypy_cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-mypy-cache");
    if let Some(first) = docs.iter().find(|d| d.generated.is_ok()) {
        let packages = util::python_packages_in(&first.group_dir().join("python"));
        // Its verdict is taken below, with the others'.
        let _ = util::mypy_check(&tools, &mypy_cache, &packages);
    }
    check_all("corpus: mypy --strict + import every module", docs, |doc| {
        let python_dir = doc.group_dir().join("python");
        let packages = util::python_packages_in(&python_dir);
        if packages.is_empty() {
            return Err(format!("no Python package under {}", python_dir.display()));
        }
        let mut problems = Vec::new();
        if let Err(e) = util::mypy_check(&tools, &mypy_cache, &packages) {
            problems.push(e);
        }
        if let Err(e) = util::python_import_all(&tools, &packages) {
            problems.push(e);
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
    });
}
