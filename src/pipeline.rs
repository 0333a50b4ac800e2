//! One generation run: obtain → parse → lower → slice per group →
//! fingerprint → generate the stale (group, language) pairs in parallel →
//! commit each atomically.
//!
//! No watching and no clock: the daemon and the CLI call [`run`]. A failure to
//! obtain or parse the spec stops the run before anything is written, so the
//! last good output stays in place; a failure in one group does not stop the
//! others.
//!
//! The clients come first: the archive is recorded after every commit, and
//! a failure to record it (a full disk) is a warning, not a failed run; the
//! next run that has room records the version. What a killed run left
//! (output staging, archive `.tmp-*`) is removed before anything is
//! written, up-to-date groups included, so it never holds space a commit
//! needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::archive::{Archive, NewGroup, NewVersion};
use crate::codegen::{self, GeneratedFile, Language, PythonOptions};
use crate::config::{AppsBy, Config, Group};
use crate::ir::Api;
use crate::ir::lower::{AppRule, lower};
use crate::obtain::{ObtainError, obtain};
use crate::output::{self, CommitStats};
use crate::slice::{GroupSpec, fingerprint_of, slice, slice_digest, spec_slice};
use crate::spec::{self, SpecError};

/// Why a run produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The spec could not be obtained.
    #[error(transparent)]
    Obtain(#[from] ObtainError),
    /// The spec is not a usable OpenAPI document.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// `--groups` named a group the config does not have.
    #[error("unknown group `{name}`; the config has: {known}")]
    UnknownGroup {
        /// The name given.
        name: String,
        /// The groups the config defines.
        known: String,
    },
}

/// What happened to one (group, language) output.
#[derive(Debug)]
pub enum Outcome {
    /// The fingerprint matched what is on disk; nothing was touched.
    UpToDate,
    /// Generated and committed.
    Written(CommitStats),
    /// Generation or the commit failed; the old output is intact (or will
    /// be completed by recovery).
    Failed(String),
}

/// One (group, language) result.
#[derive(Debug)]
pub struct JobResult {
    /// Group name.
    pub group: String,
    /// Language.
    pub language: Language,
    /// Its output directory.
    pub dir: PathBuf,
    /// The slice's fingerprint.
    pub fingerprint: String,
    /// What happened.
    pub outcome: Outcome,
}

/// The result of a run.
#[derive(Debug)]
pub struct RunReport {
    /// Hex SHA-256 of the spec bytes.
    pub spec_hash: String,
    /// Per (group, language), in config order.
    pub jobs: Vec<JobResult>,
    /// Apps (as the spec names them) of operations no group takes.
    pub unassigned_apps: Vec<String>,
    /// Warnings from parsing and lowering.
    pub warnings: Vec<String>,
    /// The archive version this run recorded.
    pub archived: Option<String>,
    /// Why recording the archive version failed: a warning, the clients
    /// are committed.
    pub archive_error: Option<String>,
    /// Per changed group, its API change counts against the previous
    /// archive version (logged after the per-group lines).
    pub changes: Vec<crate::report::ChangeSummary>,
}

impl RunReport {
    /// True when some job failed (the archive is best effort: not counted).
    #[must_use]
    pub fn failed(&self) -> bool {
        self.jobs.iter().any(|j| matches!(j.outcome, Outcome::Failed(_)))
    }
}

/// A spec, parsed and lowered.
#[derive(Debug)]
pub struct Loaded {
    /// The IR of the whole document.
    pub api: Api,
    /// The prepared document (for spec slices in the archive).
    pub doc: spec::Document,
    /// Parse and lowering warnings.
    pub warnings: Vec<String>,
    /// Where each operation belongs, for the archive's spec slices once
    /// generation has taken `api`.
    pub ops: Vec<OpKey>,
}

/// An operation's app (as the spec writes it), path and lowercase method.
#[derive(Debug, Clone)]
pub struct OpKey {
    /// App name as the spec writes it (tag or path segment).
    pub app: String,
    /// Path template.
    pub path: String,
    /// Lowercase HTTP method.
    pub method: String,
}

/// Loads the spec and lowers it.
///
/// # Errors
/// When the spec cannot be obtained or parsed.
pub fn load_api(cfg: &Config) -> Result<Loaded, RunError> {
    load_api_cached(cfg, None)
}

/// [`load_api`], reusing the typed pieces of earlier runs in `cache` (the
/// watch daemon's).
///
/// # Errors
/// When the spec cannot be obtained or parsed.
pub fn load_api_cached(
    cfg: &Config,
    cache: Option<&std::sync::Arc<spec::PieceCache>>,
) -> Result<Loaded, RunError> {
    let t = std::time::Instant::now();
    let got = obtain(&cfg.spec)?;
    tracing::debug!(elapsed = ?t.elapsed(), bytes = got.bytes.len(), "obtained spec");
    let base = cfg.spec.path.as_deref().and_then(Path::parent).map(Path::to_path_buf);
    let fetch = |rel: &str| -> Result<Vec<u8>, String> {
        let Some(base) = &base else { return Err("relative refs need spec.path".into()) };
        crate::obtain::read_file(&base.join(rel), crate::obtain::MAX_SPEC_BYTES, cfg.spec.timeout)
            .map_err(|e| e.to_string())
    };
    let rule = match &cfg.apps_by {
        AppsBy::Tag => AppRule::Tag,
        AppsBy::Path { prefix } => AppRule::Path(prefix.clone()),
    };
    let t = std::time::Instant::now();
    let (doc, api) =
        spec::read_cached(got.bytes, &got.origin, &fetch, cache, |doc| lower(doc, &rule))?;
    tracing::debug!(
        elapsed = ?t.elapsed(),
        types = api.types.len(),
        operations = api.operations.len(),
        peak_kib = peak_rss_kib(),
        cached_pieces = cache.map(|c| c.len()),
        "parsed and lowered"
    );
    let mut warnings = doc.warnings.clone();
    warnings.extend(api.warnings.iter().cloned());
    let ops = api
        .operations
        .iter()
        .map(|o| OpKey {
            app: o.app_origin.clone(),
            path: o.path.clone(),
            method: o.method.as_str().to_ascii_lowercase(),
        })
        .collect();
    Ok(Loaded { api, doc, warnings, ops })
}

/// Runs one generation for `only` (all groups when empty).
///
/// # Errors
/// Obtaining or parsing the spec, or an unknown group name. Per-group
/// failures are in the report.
pub fn run(cfg: &Config, only: &[String], trigger: &str) -> Result<RunReport, RunError> {
    let groups = select_groups(cfg, only)?;
    let loaded = load_api(cfg)?;
    Ok(run_loaded(cfg, &groups, loaded, trigger))
}

/// Generates and commits `groups` from a loaded spec, then archives.
///
/// Takes the spec by value to free what is no longer needed as soon as it
/// is not: the whole IR once the groups are sliced, the document right away
/// when there is no archive to slice it for (on GitHub's document, 9 and
/// 12 MB of the run's peak).
#[must_use]
pub fn run_loaded(cfg: &Config, groups: &[&Group], mut loaded: Loaded, trigger: &str) -> RunReport {
    let api = std::mem::take(&mut loaded.api);
    let warnings = std::mem::take(&mut loaded.warnings);
    let spec_hash = loaded.doc.hash.clone();
    let archived = cfg.archive.is_some().then_some(loaded);
    if let Some(a) = &cfg.archive {
        // Before the commits: a partial version left by a kill holds space.
        let archive = Archive { dir: a.dir.clone(), max_versions: a.max_versions };
        if let Err(e) = archive.clean_leftovers() {
            tracing::warn!("archive: {e}");
        }
    }
    let mut report = run_on(cfg, groups, api, spec_hash, warnings);
    if let Some(loaded) = archived {
        archive_step(cfg, &loaded, &mut report, trigger);
    }
    report
}

/// After a run: cleans archive leftovers and records a version when the
/// outputs on disk differ from the newest one (also catching up a run that
/// was killed between its commit and its archive step).
pub fn archive_step(cfg: &Config, loaded: &Loaded, report: &mut RunReport, trigger: &str) {
    let Some(a) = &cfg.archive else { return };
    let archive = Archive { dir: a.dir.clone(), max_versions: a.max_versions };
    let recorded = archive.clean_leftovers().and_then(|()| {
        if archive.needs_version(&current_outputs(cfg)) {
            archive_version(cfg, &archive, loaded, trigger, &mut report.changes)
        } else {
            Ok(None)
        }
    });
    match recorded {
        Ok(id) => report.archived = id,
        Err(e) => {
            report.archive_error = Some(format!(
                "{e} (the clients are committed; the next run with room records the version)"
            ));
        }
    }
}

/// The (path, lowercase method) of every operation the group takes.
#[must_use]
pub fn group_operations(ops: &[OpKey], g: &Group) -> BTreeSet<(String, String)> {
    ops.iter().filter(|o| g.takes(&o.app)).map(|o| (o.path.clone(), o.method.clone())).collect()
}

/// Group → language → output directory, for the outputs that exist on disk.
#[must_use]
pub fn current_outputs(cfg: &Config) -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    cfg.groups
        .iter()
        .map(|g| {
            let mut langs = BTreeMap::new();
            if cfg.typescript && g.typescript_output.join(output::STATE_DIR).exists() {
                langs.insert("typescript".to_string(), g.typescript_output.clone());
            }
            if cfg.python && g.python_output.join(output::STATE_DIR).exists() {
                langs.insert("python".to_string(), g.python_output.clone());
            }
            (g.name.clone(), langs)
        })
        .collect()
}

/// Records the current output of every group as a new archive version (when
/// it differs from the newest), with the diff report against it.
///
/// # Errors
/// Archive I/O failures.
pub fn archive_version(
    cfg: &Config,
    archive: &Archive,
    loaded: &Loaded,
    trigger: &str,
    changes: &mut Vec<crate::report::ChangeSummary>,
) -> Result<Option<String>, crate::archive::ArchiveError> {
    let mut groups = BTreeMap::new();
    let mut outputs_of = current_outputs(cfg);
    for g in &cfg.groups {
        let ops = group_operations(&loaded.ops, g);
        let slice =
            serde_json::to_string_pretty(&spec_slice(&loaded.doc, &ops)).unwrap_or_default();
        let outputs = outputs_of.remove(&g.name).unwrap_or_default();
        groups.insert(g.name.clone(), NewGroup { slice, outputs });
    }
    let new =
        NewVersion { trigger: trigger.to_string(), spec_hash: loaded.doc.hash.clone(), groups };
    archive.record(&new, chrono::Utc::now(), |prev, manifest| {
        crate::report::attach(archive, prev, manifest, &new, changes)
    })
}

/// Picks the groups named in `only`, in config order.
///
/// # Errors
/// A name the config does not have.
pub fn select_groups<'c>(cfg: &'c Config, only: &[String]) -> Result<Vec<&'c Group>, RunError> {
    for name in only {
        if !cfg.groups.iter().any(|g| g.name == *name) {
            let known: Vec<&str> = cfg.groups.iter().map(|g| g.name.as_str()).collect();
            return Err(RunError::UnknownGroup { name: name.clone(), known: known.join(", ") });
        }
    }
    Ok(cfg.groups.iter().filter(|g| only.is_empty() || only.contains(&g.name)).collect())
}

/// One (group, language) output to bring up to date.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The group.
    pub spec: GroupSpec,
    /// Its slice of the API, shared by the group's languages.
    pub sliced: std::sync::Arc<Api>,
    /// The language.
    pub language: Language,
    /// Output directory.
    pub dir: PathBuf,
    /// Python package name (empty for TypeScript).
    pub package: String,
    /// The package metadata file to write beside the client, if any.
    pub package_file: Option<PackageFile>,
    /// Fingerprint of slice, group, language options and generator.
    pub fingerprint: String,
}

/// A package metadata file written beside a client (`[typescript] package`,
/// `[python] package`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageFile {
    /// `package.json`, for the npm package `name`.
    Npm {
        /// The npm package name.
        name: String,
    },
    /// `pyproject.toml`, for the Python package of the job.
    PyProject,
}

/// Slices and fingerprints every (group, language) output of `groups`, the
/// groups in parallel.
#[must_use]
pub fn plan(cfg: &Config, groups: &[&Group], api: &Api) -> Vec<Planned> {
    groups
        .par_iter()
        .map(|g| {
            let spec = GroupSpec {
                name: g.name.clone(),
                title: g.title.clone(),
                description: g.description.clone(),
                version: g.version.clone(),
            };
            let sliced = std::sync::Arc::new(slice(api, &spec, |app| g.takes(app)));
            let digest = slice_digest(&sliced, &spec);
            let mut jobs = Vec::new();
            let mut add = |language: Language,
                           dir: &PathBuf,
                           package: String,
                           package_file: Option<PackageFile>| {
                let mut options = if language == Language::Python {
                    format!("package={package}")
                } else {
                    String::new()
                };
                // Only a project that asks for package files has them in
                // its fingerprint, so turning the option on or off
                // regenerates and every other fingerprint stays as it was.
                match &package_file {
                    Some(PackageFile::Npm { name }) => options.push_str(&format!("npm={name}")),
                    Some(PackageFile::PyProject) => options.push_str(";pyproject"),
                    None => {}
                }
                jobs.push(Planned {
                    spec: spec.clone(),
                    sliced: std::sync::Arc::clone(&sliced),
                    language,
                    dir: dir.clone(),
                    package,
                    package_file,
                    fingerprint: fingerprint_of(&digest, language, &options),
                });
            };
            if cfg.typescript {
                let npm = cfg.typescript_package.then(|| PackageFile::Npm {
                    name: g.package_name.clone().unwrap_or_else(|| {
                        codegen::package::default_npm_name(&api.info.title, &g.name)
                    }),
                });
                add(Language::TypeScript, &g.typescript_output, String::new(), npm);
            }
            if cfg.python {
                let pyproject = cfg.python_package_files.then_some(PackageFile::PyProject);
                add(Language::Python, &g.python_output, g.python_package.clone(), pyproject);
            }
            jobs
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

/// Generates and commits the given groups from a lowered API.
#[must_use]
pub fn run_on(
    cfg: &Config,
    groups: &[&Group],
    api: Api,
    spec_hash: String,
    warnings: Vec<String>,
) -> RunReport {
    run_with(cfg, groups, api, spec_hash, warnings, &generate)
}

/// The code generator of one job: (slice, language, Python package) →
/// files. A parameter so the panic boundary is tested with a generator that
/// panics (issue 7) instead of a test hook in release code.
type GenerateFn =
    dyn Fn(&Api, Language, &str, Option<&PackageFile>) -> Result<Vec<GeneratedFile>, String> + Sync;

/// [`run_on`] with the generator given.
fn run_with(
    cfg: &Config,
    groups: &[&Group],
    api: Api,
    spec_hash: String,
    warnings: Vec<String>,
    generate: &GenerateFn,
) -> RunReport {
    let t = std::time::Instant::now();
    let planned = plan(cfg, groups, &api);
    tracing::debug!(elapsed = ?t.elapsed(), "planned");
    let mut unassigned: Vec<String> = api
        .operations
        .iter()
        .map(|o| o.app_origin.clone())
        .filter(|app| !cfg.groups.iter().any(|g| g.takes(app)))
        .collect();
    unassigned.sort();
    unassigned.dedup();
    let options = output::CommitOptions { adopt: cfg.adopt };
    // The slices hold all that generation needs.
    drop(api);
    let results: Vec<JobResult> = planned
        .into_par_iter()
        .map(|Planned { spec, sliced, language, dir, package, package_file, fingerprint: fp }| {
            // What a killed commit left is finished or discarded now, also
            // for a group that turns out up to date. A journal that fails is
            // rolled back (or the output marked stale), so this run goes on
            // to regenerate it; its commit says what is still in the way.
            if dir.join(output::STATE_DIR).is_dir()
                && let Err(e) = output::recover(&dir)
            {
                tracing::warn!("{e}");
            }
            let outcome = if output::is_up_to_date(&dir, &fp) {
                Outcome::UpToDate
            } else {
                // A bug in a generator must not take the other groups (or
                // the daemon) down with it: catch it at the job boundary.
                let t = std::time::Instant::now();
                let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    generate(&sliced, language, &package, package_file.as_ref())
                }))
                .unwrap_or_else(|p| {
                    Err(format!(
                        "{}: internal error while generating {} (please report it; the \
                             previous output is kept): {}",
                        spec.name,
                        language.as_str(),
                        panic_message(&p)
                    ))
                });
                tracing::debug!(elapsed = ?t.elapsed(), group = %spec.name, language = language.as_str(), "generated");
                match generated {
                    Ok(files) => match output::commit_with(&dir, &files, &fp, options) {
                        Ok(stats) => {
                            tracing::debug!(elapsed = ?t.elapsed(), group = %spec.name, language = language.as_str(), "generated and committed");
                            Outcome::Written(stats)
                        }
                        Err(e) => Outcome::Failed(e.to_string()),
                    },
                    Err(e) => Outcome::Failed(e),
                }
            };
            JobResult { group: spec.name, language, dir, fingerprint: fp, outcome }
        })
        .collect();
    RunReport {
        spec_hash,
        jobs: results,
        unassigned_apps: unassigned,
        warnings,
        archived: None,
        archive_error: None,
        changes: Vec::new(),
    }
}

fn generate(
    api: &Api,
    language: Language,
    package: &str,
    package_file: Option<&PackageFile>,
) -> Result<Vec<GeneratedFile>, String> {
    let mut files = match language {
        Language::TypeScript => codegen::typescript::generate(api),
        Language::Python => {
            codegen::python::generate(api, &PythonOptions { package: package.to_string() })
        }
    }
    .map_err(|e| e.to_string())?;
    match package_file {
        Some(PackageFile::Npm { name }) => files.push(codegen::package::package_json(api, name)),
        Some(PackageFile::PyProject) => {
            files.push(codegen::package::pyproject_toml(api, package));
        }
        None => return Ok(files),
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Peak resident memory so far (Linux `VmHWM`), for the debug log of each
/// phase; `None` elsewhere.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 7: a generator that panics on one group is caught at the job
    /// boundary and reported as that job's failure, naming the group; the
    /// other groups are generated and committed, and the failed group's
    /// previous output is left as it was.
    #[test]
    fn a_panicking_generator_fails_only_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let cfg_path = dir.path().join("apigend.toml");
        std::fs::write(
            &cfg_path,
            "output_dir = \"out\"\n[spec]\npath = \"openapi.yaml\"\n[archive]\nenabled = false\n\
             [[groups]]\nname = \"good\"\napps = [\"a\"]\n[[groups]]\nname = \"bad\"\napps = [\"b\"]\n",
        )
        .unwrap();
        let cfg = crate::config::load_with_env(&cfg_path, &[]).unwrap();
        let (_, api) = spec::read(
            b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a/:\n    get: {tags: [a], responses: {'200': {description: ok}}}\n  /b/:\n    get: {tags: [b], responses: {'200': {description: ok}}}\n".to_vec(),
            "t.yaml",
            &|_| Err("no files".into()),
            |d| lower(d, &AppRule::Tag),
        )
        .unwrap();
        let groups: Vec<&Group> = cfg.groups.iter().collect();
        // The bad group's earlier output, which must survive.
        let bad_ts = cfg.groups[1].typescript_output.clone();
        std::fs::create_dir_all(&bad_ts).unwrap();
        std::fs::write(bad_ts.join("index.ts"), "// old\n").unwrap();

        let panicky = |api: &Api, language: Language, package: &str, file: Option<&PackageFile>| {
            assert!(!api.operations.iter().any(|o| o.path == "/b/"), "generator bug on purpose");
            generate(api, language, package, file)
        };
        let report = run_with(&cfg, &groups, api, String::new(), Vec::new(), &panicky);

        assert_eq!(report.jobs.len(), 4);
        for job in &report.jobs {
            match (job.group.as_str(), &job.outcome) {
                ("good", Outcome::Written(stats)) => assert!(!stats.written.is_empty()),
                ("bad", Outcome::Failed(e)) => {
                    assert!(e.starts_with("bad: internal error while generating"), "{e}");
                    assert!(e.contains("generator bug on purpose"), "{e}");
                }
                (g, o) => panic!("{g}: unexpected outcome {o:?}"),
            }
        }
        assert!(report.failed());
        assert_eq!(std::fs::read_to_string(bad_ts.join("index.ts")).unwrap(), "// old\n");
        assert!(cfg.groups[0].typescript_output.join("index.ts").is_file());
    }
}
