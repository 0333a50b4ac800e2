//! Golden files: every spec in `tests/specs/` is generated for both
//! languages and each emitted file is compared with its copy under
//! `tests/golden/<language>/<spec>/`, plus a list of emitted paths in
//! `tests/golden/<language>/<spec>.files`.
//!
//! A new case is a new spec file. Update the goldens with
//! `EXPECTORATE=overwrite cargo test golden` and review the diff like code;
//! overwrite mode also deletes goldens of files or specs that are gone.
//!
//! We drive the `apigend` binary with a generated `apigend.toml` rather than
//! the library, so the goldens cover what a user gets: config handling,
//! grouping and the on-disk layout included. Each spec becomes one group,
//! named after the spec's file stem, taking every app (`apps = ["*"]`); the
//! Python package is named after the group, so every golden package has a
//! distinct import name and one mypy run can check them all.
//!
//! apigend's manifest (`.apigend/`) is left out of the goldens: it holds
//! hashes of the other files, so it would change with each of them.
//! [`generation_is_deterministic`] still compares it between runs.
//!
//! The type checks of the goldens (`tsc` with `tests/tsconfig.strict.json`,
//! `mypy --strict`, importing every module) need node and python tools and
//! are `#[ignore]`d; `scripts/test.sh` installs the tools and runs them.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::util::{self, Languages, TempDir};

const LANGUAGES: [&str; 2] = ["typescript", "python"];

/// The directory apigend keeps its manifest in, inside each output dir.
const BOOKKEEPING: &str = ".apigend/";

/// apigend's cache of each output file's size and mtime (a quick check
/// before hashing): bookkeeping of one copy, which differs between runs.
const STAT_CACHE: &str = ".apigend/stat.json";

/// The input specs, sorted by file name.
fn specs() -> Vec<PathBuf> {
    let dir = util::crate_root().join("tests/specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no specs in {}", dir.display());
    specs
}

/// The spec's name: its file stem, which is also the group (and so the
/// Python package) name, hence the identifier rules.
fn spec_name(spec: &Path) -> String {
    let name = spec.file_stem().and_then(|s| s.to_str()).expect("utf-8 file stem").to_owned();
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    assert!(
        ok,
        "spec file {} must be named like a Python module (lowercase letters, digits, `_`): \
         its stem names the group and the generated Python package",
        spec.display()
    );
    name
}

/// What one generation run produced: per language, relative path → bytes.
struct Generated {
    typescript: Vec<(String, String)>,
    python: Vec<(String, String)>,
}

impl Generated {
    fn language(&self, lang: &str) -> &[(String, String)] {
        match lang {
            "typescript" => &self.typescript,
            "python" => &self.python,
            _ => unreachable!(),
        }
    }
}

/// Runs `apigend generate` on `spec` (copied into `dir/<subdir>`, so the
/// spec's location differs between runs) and reads back both languages.
fn generate(spec: &Path, dir: &TempDir, subdir: &str) -> Generated {
    let name = spec_name(spec);
    let file_name = spec.file_name().expect("file name");
    let spec_copy = dir.create(
        Path::new(subdir).join("schema").join(file_name),
        std::fs::read(spec).expect("read spec"),
    );
    let config = dir.create(
        Path::new(subdir).join("apigend.toml"),
        util::config_toml(&spec_copy, "generated", &name, Languages::BOTH),
    );
    let args = [OsStr::new("generate"), OsStr::new("--config"), config.as_os_str()];
    let out = util::run_apigend(dir.path(), args);
    util::assert_success(&format!("apigend generate on tests/specs/{}", spec.display()), &out);

    let group_dir = dir.path().join(subdir).join("generated").join(&name);
    let read = |lang: &str| -> Vec<(String, String)> {
        let root = group_dir.join(lang);
        assert!(root.is_dir(), "{}: no {lang} output at {}", spec.display(), root.display());
        util::files_under(&root)
            .into_iter()
            .filter(|rel| rel != STAT_CACHE)
            .map(|rel| {
                let bytes = std::fs::read(root.join(&rel)).expect("read generated file");
                let text = String::from_utf8(bytes)
                    .unwrap_or_else(|_| panic!("{}: {lang}/{rel} is not UTF-8", spec.display()));
                (rel, text)
            })
            .collect()
    };
    let generated = Generated { typescript: read("typescript"), python: read("python") };
    assert!(!generated.typescript.is_empty(), "{}: no TypeScript files", spec.display());
    assert!(!generated.python.is_empty(), "{}: no Python files", spec.display());
    generated
}

fn golden_root() -> PathBuf {
    util::crate_root().join("tests/golden")
}

fn overwrite() -> bool {
    std::env::var_os("EXPECTORATE").is_some_and(|v| v == "overwrite")
}

/// Compares (or, with `EXPECTORATE=overwrite`, writes) one spec's goldens
/// for one language. Returns the problems found.
fn check_goldens(name: &str, lang: &str, files: &[(String, String)]) -> Vec<String> {
    // apigend's own bookkeeping (fingerprint and file hashes) is not client
    // code and would change with every golden; determinism still covers it.
    let files: Vec<&(String, String)> =
        files.iter().filter(|(rel, _)| !rel.starts_with(BOOKKEEPING)).collect();
    let mut problems = Vec::new();
    let dir = golden_root().join(lang).join(name);
    let mut listing = String::new();
    for (rel, contents) in &files {
        listing.push_str(rel);
        listing.push('\n');
        let path = dir.join(rel);
        if overwrite() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create golden dir");
        }
        if let Err(e) = catch(|| expectorate::assert_contents(&path, contents)) {
            problems.push(format!("{lang}/{name}/{rel}: {e}"));
        }
    }
    let list_path = golden_root().join(lang).join(format!("{name}.files"));
    if overwrite() {
        std::fs::create_dir_all(list_path.parent().expect("parent")).expect("create golden dir");
    }
    if let Err(e) = catch(|| expectorate::assert_contents(&list_path, &listing)) {
        problems.push(format!("{lang}/{name}.files: {e}"));
    }

    // Goldens of files that are no longer generated.
    let generated: BTreeSet<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
    if dir.is_dir() {
        for rel in util::files_under(&dir) {
            if !generated.contains(rel.as_str()) {
                if overwrite() {
                    std::fs::remove_file(dir.join(&rel)).expect("remove stale golden");
                } else {
                    problems.push(format!(
                        "{lang}/{name}/{rel}: golden file is no longer generated \
                         (EXPECTORATE=overwrite removes it)"
                    ));
                }
            }
        }
        if overwrite() {
            remove_empty_dirs(&dir);
        }
    }
    problems
}

fn remove_empty_dirs(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            remove_empty_dirs(&path);
            // Fails (and is ignored) when the directory is not empty.
            let _ = std::fs::remove_dir(&path);
        }
    }
}

/// Runs `f`, turning a panic into its message.
fn catch(f: impl FnOnce()) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".to_owned())
    })
}

/// Every file generated from every spec matches its golden copy, and there
/// are no goldens for specs or files that no longer exist.
#[test]
fn goldens_match() {
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for spec in specs() {
        let name = spec_name(&spec);
        assert!(names.insert(name.clone()), "two specs named {name}");
        let dir = TempDir::new();
        let generated = generate(&spec, &dir, "project");
        for lang in LANGUAGES {
            problems.extend(check_goldens(&name, lang, generated.language(lang)));
        }
    }

    // Golden directories and lists whose spec is gone.
    for lang in LANGUAGES {
        let lang_dir = golden_root().join(lang);
        let Ok(entries) = std::fs::read_dir(&lang_dir) else { continue };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            let file_name = path.file_name().expect("name").to_string_lossy().into_owned();
            let stem = file_name.strip_suffix(".files").unwrap_or(&file_name);
            if names.contains(stem) {
                continue;
            }
            if overwrite() {
                if path.is_dir() {
                    std::fs::remove_dir_all(&path).expect("remove stale golden dir");
                } else {
                    std::fs::remove_file(&path).expect("remove stale golden list");
                }
            } else {
                problems.push(format!(
                    "tests/golden/{lang}/{file_name} has no spec in tests/specs \
                     (EXPECTORATE=overwrite removes it)"
                ));
            }
        }
    }

    assert!(
        problems.is_empty(),
        "{} golden mismatch(es); diffs are printed above. Review, then update with \
         `EXPECTORATE=overwrite cargo test golden`:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Output depends only on the spec and the config: generating twice, from
/// copies of the spec at different paths into different output
/// directories, gives byte-identical files (no timestamps, absolute paths
/// or hash-map order in generated code).
#[test]
fn generation_is_deterministic() {
    for spec in specs() {
        let a_dir = TempDir::new();
        let b_dir = TempDir::new();
        let a = generate(&spec, &a_dir, "first");
        let b = generate(&spec, &b_dir, "second/nested");
        for lang in LANGUAGES {
            let (a, b) = (a.language(lang), b.language(lang));
            let a_paths: Vec<&str> = a.iter().map(|(p, _)| p.as_str()).collect();
            let b_paths: Vec<&str> = b.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(a_paths, b_paths, "{}: {lang} file lists differ", spec.display());
            for ((path, x), (_, y)) in a.iter().zip(b) {
                assert!(x == y, "{}: {lang}/{path} differs between two runs", spec.display());
            }
        }
    }
}

/// The TypeScript goldens compile under the strictest settings a user
/// project may have (`tests/tsconfig.strict.json`), with no `@types`.
#[test]
#[ignore = "needs tsc (node); run scripts/test.sh"]
fn golden_typescript_typechecks() {
    let tools = util::tools();
    let roots: Vec<PathBuf> =
        specs().iter().map(|s| golden_root().join("typescript").join(spec_name(s))).collect();
    for root in &roots {
        assert!(root.is_dir(), "missing goldens {}; run `cargo test golden` first", root.display());
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-tsc");
    let started = Instant::now();
    let result = util::tsc_check(&tools, &work, &roots);
    util::notice(&format!(
        "golden typescript: tsc over {} specs took {:.1}s",
        roots.len(),
        started.elapsed().as_secs_f64()
    ));
    if let Err(report) = result {
        panic!("{report}");
    }
}

/// The Python goldens pass `mypy --strict`, and every module imports (which
/// runs pydantic's model construction and `model_rebuild()`).
#[test]
#[ignore = "needs python with mypy, pydantic, httpx; run scripts/test.sh"]
fn golden_python_typechecks_and_imports() {
    let tools = util::tools();
    let mut packages = Vec::new();
    for spec in specs() {
        let name = spec_name(&spec);
        let dir = golden_root().join("python").join(&name);
        let found = util::python_packages_in(&dir);
        assert!(
            !found.is_empty(),
            "no Python package under {}; run `cargo test golden` first",
            dir.display()
        );
        packages.extend(found);
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-mypy-cache");
    let started = Instant::now();
    let mut failures = Vec::new();
    if let Err(report) = util::mypy_check(&tools, &cache, &packages) {
        failures.push(report);
    }
    if let Err(report) = util::python_import_all(&tools, &packages) {
        failures.push(report);
    }
    util::notice(&format!(
        "golden python: mypy --strict and imports over {} packages took {:.1}s",
        packages.len(),
        started.elapsed().as_secs_f64()
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
