//! `apigend check`, the CI gate: is every generated client what the spec
//! generates now (naming each stale file), and how did the API change
//! against a base (a git revision, a spec file or an archive version)? It
//! reads the spec through the same `obtain` code as a run, compares with
//! the same rules and renderer as `apigend diff`, and writes nothing.
//!
//! Exit codes are decided here ([`Checked::exit_code`], [`ERROR_EXIT`]) so
//! that `--help`, the README and the tests agree: 0 clean; 1 a change at or
//! above `--fail-on`, or stale output; 2 a usage, config, spec or git error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::archive::Archive;
use crate::config::Config;
use crate::diff::cli::{Format, append_step_summary};
use crate::diff::report::{self as wording, Context, Labels, SpecFile};
use crate::diff::{Level, Options, Report, compare, compare_with};
use crate::obtain::git;
use crate::output;
use crate::pipeline::{self, Loaded};
use crate::slice::spec_slice;

/// The exit code of a check that could not run: a usage, config, spec or
/// git error (clap's own usage errors exit 2 too).
pub const ERROR_EXIT: u8 = 2;

/// What `--base` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `archive:VERSION` or `archive:latest`: each group's slice as that
    /// archive version recorded it.
    Archive(String),
    /// A spec file.
    File(PathBuf),
    /// A git revision: the project's spec as of that commit.
    Git(String),
}

impl Base {
    /// `archive:…` is an archive version, an existing file is a file, and
    /// anything else is taken for a git revision (and fails as one).
    #[must_use]
    pub fn parse(s: &str) -> Base {
        if let Some(v) = s.strip_prefix("archive:") {
            return Base::Archive(v.to_string());
        }
        if Path::new(s).is_file() {
            return Base::File(PathBuf::from(s));
        }
        Base::Git(s.to_string())
    }
}

/// The command line of `apigend check`.
#[derive(Debug, Clone)]
pub struct Request {
    /// What to compare the spec with; without it, `--fail-on` compares with
    /// the newest archive version (`archive:latest`).
    pub base: Option<Base>,
    /// Fail on API changes of this level or above.
    pub fail_on: Option<Level>,
    /// How to print.
    pub format: Format,
}

/// Why one generated file makes its output stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    /// On disk as apigend wrote it, but the spec now generates other bytes:
    /// the backend changed and nobody regenerated.
    Outdated,
    /// Changed since apigend wrote it (by hand, a formatter, a merge).
    Edited,
    /// The spec generates it and it is not on disk.
    Missing,
    /// apigend wrote it earlier, the spec no longer generates it, and it is
    /// still on disk.
    Extra,
}

impl FileState {
    fn as_str(self) -> &'static str {
        match self {
            FileState::Outdated => "outdated",
            FileState::Edited => "edited",
            FileState::Missing => "missing",
            FileState::Extra => "extra",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            FileState::Outdated => "the spec now generates something else",
            FileState::Edited => "changed since apigend wrote it",
            FileState::Missing => "the spec generates it; it is not there",
            FileState::Extra => "the spec no longer generates it",
        }
    }
}

/// One (group, language) output that does not match the spec.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    /// Group name.
    pub group: String,
    /// `typescript` or `python`.
    pub language: &'static str,
    /// The output directory.
    pub dir: PathBuf,
    /// Each file that differs, by relative path.
    pub files: Vec<(String, FileState)>,
    /// Why it is stale when no single file says so (an interrupted commit,
    /// a fingerprint of another apigend version).
    pub note: Option<String>,
}

/// One comparison with the base: the whole API, or one group's slice.
struct Compared {
    title: String,
    base: String,
    revision: String,
    report: Report,
    /// The base document's path and text, for annotations that point into
    /// it (none for archived slices).
    base_file: Option<(String, String)>,
    /// The same for the current spec.
    revision_file: Option<(String, String)>,
}

impl Compared {
    /// Renders the report as `apigend diff` does.
    fn render(&self, format: Format) -> String {
        fn spec(f: Option<&(String, String)>) -> Option<SpecFile<'_>> {
            f.map(|(path, text)| SpecFile { path: path.as_str(), text: text.as_str() })
        }
        let ctx = Context {
            labels: Labels { title: &self.title, base: &self.base, revision: &self.revision },
            files: &[],
            base: spec(self.base_file.as_ref()),
            revision: spec(self.revision_file.as_ref()),
        };
        wording::render(&self.report, format, &ctx)
    }
}

/// The outcome of a check, rendered.
#[derive(Debug, Clone)]
pub struct Checked {
    /// What to print on stdout.
    pub text: String,
    /// Some output is stale.
    pub stale: bool,
    /// A change at or above `--fail-on` was found.
    pub breaking: bool,
}

impl Checked {
    /// 0 when clean, 1 when stale or `--fail-on` was reached.
    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        if self.stale || self.breaking { ExitCode::from(1) } else { ExitCode::SUCCESS }
    }
}

/// Runs the check.
///
/// # Errors
/// The spec or the base cannot be had (a message naming the file, command,
/// revision or archive version); the caller exits with [`ERROR_EXIT`].
pub fn check(cfg: &Config, req: &Request) -> Result<Checked, String> {
    let loaded = pipeline::load_api(cfg).map_err(|e| e.to_string())?;
    let (up_to_date, stale) = staleness(cfg, &loaded);
    let base = req.base.clone().or_else(|| req.fail_on.map(|_| Base::Archive("latest".into())));
    let mut notes = Vec::new();
    let compared = match &base {
        None => Vec::new(),
        Some(Base::Archive(v)) => against_archive(cfg, &loaded, v, &mut notes)?,
        Some(Base::File(path)) => {
            let (text, old) = crate::diff::cli::load(path)?;
            let shown = path.display().to_string();
            vec![whole(cfg, &loaded, &old, shown.clone(), Some((shown, text)))?]
        }
        Some(Base::Git(rev)) => {
            let at = git::obtain_at(&cfg.spec, rev).map_err(|e| match e {
                // It was taken for a revision because no such file exists.
                git::GitError::Git { .. } => {
                    format!("--base {rev}: no such file, and as a git revision: {e}")
                }
                other => other.to_string(),
            })?;
            let short = at.commit.get(..12).unwrap_or(&at.commit);
            notes.push(format!("base: {} ({short})", at.how));
            let origin = format!("{rev}:{}", spec_name(cfg));
            let old = crate::spec::parse_typed(&at.bytes, &origin, &|rel| at.fetch(rel))
                .map_err(|e| format!("the base spec at {rev}: {e}"))?;
            let file = cfg
                .spec
                .path
                .as_deref()
                .map(|p| (shown(p), String::from_utf8_lossy(&at.bytes).into_owned()));
            vec![whole(cfg, &loaded, &old, format!("{rev} ({short})"), file)?]
        }
    };
    let breaking = req.fail_on.is_some_and(|threshold| {
        compared.iter().any(|c| c.report.max_level().is_some_and(|m| m >= threshold))
    });
    let text = match req.format {
        Format::Json => json(&notes, &stale, &compared)?,
        Format::Markdown => markdown(&notes, &up_to_date, &stale, &compared),
        Format::Text | Format::Github => {
            let mut out = String::new();
            if req.format == Format::Github {
                for s in &stale {
                    out.push_str(&stale_annotations(s));
                }
            }
            out.push_str(&text(&notes, &up_to_date, &stale, &compared, req.format));
            if req.format == Format::Github {
                append_step_summary(&markdown(&notes, &up_to_date, &stale, &compared))?;
            }
            out
        }
    };
    Ok(Checked { text, stale: !stale.is_empty(), breaking })
}

/// The spec file's name for labels (`openapi.yaml`), or its URL.
fn spec_name(cfg: &Config) -> String {
    match (&cfg.spec.path, &cfg.spec.url) {
        (Some(p), _) => p
            .file_name()
            .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
        (None, Some(u)) => u.clone(),
        (None, None) => "spec".into(),
    }
}

/// The whole current document against the whole base document, as
/// `apigend diff BASE SPEC` compares them.
fn whole(
    cfg: &Config,
    loaded: &Loaded,
    old: &openapiv3::OpenAPI,
    base: String,
    base_file: Option<(String, String)>,
) -> Result<Compared, String> {
    let new = loaded.doc.to_openapi().map_err(|e| e.to_string())?;
    let today = crate::diff::cli::today();
    let report = compare_with(old, &new, &Options { today: Some(&today), only_rule: None });
    let title = if new.info.title.is_empty() { "API".to_string() } else { new.info.title.clone() };
    // The spec file as this check read it (spec.command has just written
    // it), for annotations on its lines.
    let revision_file = cfg.spec.path.as_deref().and_then(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        Some((shown(p), text))
    });
    Ok(Compared { title, base, revision: "working tree".into(), report, base_file, revision_file })
}

/// Each group's slice now against the slice archive version `id` recorded.
fn against_archive(
    cfg: &Config,
    loaded: &Loaded,
    id: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Compared>, String> {
    let a = cfg.archive.as_ref().ok_or_else(|| {
        format!(
            "{}: the archive is disabled (`archive.enabled = false`); compare with a git \
             revision or a file instead (--base REF|FILE)",
            cfg.file.display()
        )
    })?;
    let archive = Archive { dir: a.dir.clone(), max_versions: a.max_versions };
    let versions = archive.versions();
    let version = if id == "latest" {
        let Some(v) = versions.last() else {
            notes.push(format!(
                "no archive version to compare with in {} (in CI, compare with the target \
                 branch instead: --base origin/main)",
                archive.dir.display()
            ));
            return Ok(Vec::new());
        };
        v.clone()
    } else {
        versions.into_iter().find(|v| v.id == id).ok_or_else(|| {
            format!(
                "--base archive:{id}: no such version in {}; `apigend archive list` shows them",
                archive.dir.display()
            )
        })?
    };
    notes.push(format!("base: archive version {}", version.id));
    let mut out = Vec::new();
    for g in &cfg.groups {
        let Ok(bytes) =
            std::fs::read(archive.path_of(&version.id).join(&g.name).join("slice.json"))
        else {
            notes.push(format!("{}: not in archive version {}", g.name, version.id));
            continue;
        };
        let ops = pipeline::group_operations(&loaded.ops, g);
        let new_slice = serde_json::to_vec(&spec_slice(&loaded.doc, &ops)).unwrap_or_default();
        let parse = |b: &[u8]| crate::spec::parse_typed(b, "slice.json", &|_| Err(String::new()));
        let (old, new) = match (parse(&bytes), parse(&new_slice)) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(e), _) | (_, Err(e)) => {
                notes.push(format!("{}: cannot compare the slices: {e}", g.name));
                continue;
            }
        };
        out.push(Compared {
            title: g.name.clone(),
            base: version.id.clone(),
            revision: "spec".into(),
            report: compare(&old, &new),
            base_file: None,
            revision_file: None,
        });
    }
    Ok(out)
}

/// Which outputs are up to date (`group/language`), and each stale one
/// with the files that make it so.
fn staleness(cfg: &Config, loaded: &Loaded) -> (Vec<String>, Vec<Stale>) {
    let groups: Vec<&crate::config::Group> = cfg.groups.iter().collect();
    let mut fresh = Vec::new();
    let mut stale = Vec::new();
    for p in pipeline::plan(cfg, &groups, &loaded.api) {
        let what = format!("{}/{}", p.spec.name, p.language.as_str());
        if output::is_up_to_date(&p.dir, &p.fingerprint) {
            fresh.push(what);
            continue;
        }
        let (files, note) =
            match pipeline::generate(&p.sliced, p.language, &p.package, p.package_file.as_ref()) {
                Ok(generated) => stale_files(&p.dir, &generated),
                Err(e) => (Vec::new(), Some(format!("the spec does not generate: {e}"))),
            };
        let note = note.or_else(|| {
            files.is_empty().then(|| {
                if p.dir.join(output::STATE_DIR).join("journal.json").exists() {
                    "a commit was interrupted; `apigend generate` finishes it".to_string()
                } else {
                    "the files match, but were recorded for another spec or apigend version"
                        .to_string()
                }
            })
        });
        stale.push(Stale {
            group: p.spec.name.clone(),
            language: p.language.as_str(),
            dir: p.dir.clone(),
            files,
            note,
        });
    }
    (fresh, stale)
}

/// The files of `dir` that differ from `generated`, judged against the
/// manifest of what apigend last wrote there.
fn stale_files(
    dir: &Path,
    generated: &[crate::codegen::GeneratedFile],
) -> (Vec<(String, FileState)>, Option<String>) {
    let manifest = output::read_manifest(dir).unwrap_or_default();
    let mut files = Vec::new();
    for f in generated {
        let state = match std::fs::read(dir.join(&f.path)) {
            Ok(bytes) if bytes == f.contents.as_bytes() => continue,
            Ok(bytes) => {
                if manifest.files.get(&f.path) == Some(&output::hash(&bytes)) {
                    FileState::Outdated
                } else {
                    FileState::Edited
                }
            }
            Err(_) => FileState::Missing,
        };
        files.push((f.path.clone(), state));
    }
    for path in manifest.files.keys() {
        if !generated.iter().any(|f| &f.path == path) && dir.join(path).exists() {
            files.push((path.clone(), FileState::Extra));
        }
    }
    files.sort();
    (files, None)
}

/// `path` relative to the current directory when it is under it (GitHub
/// annotations and CI logs read better), else as it is.
fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

const REGENERATE: &str = "run `apigend generate` and commit the result";

fn text(
    notes: &[String],
    fresh: &[String],
    stale: &[Stale],
    compared: &[Compared],
    format: Format,
) -> String {
    let mut out = String::new();
    for n in notes {
        let _ = writeln!(out, "{n}");
    }
    for what in fresh {
        let _ = writeln!(out, "{what}: up to date");
    }
    for s in stale {
        let _ = writeln!(
            out,
            "{}/{}: stale ({} does not match the spec; {REGENERATE}):",
            s.group,
            s.language,
            shown(&s.dir)
        );
        for (path, state) in &s.files {
            let _ = writeln!(out, "  {:<8} {path} ({})", state.as_str(), state.explain());
        }
        if let Some(n) = &s.note {
            let _ = writeln!(out, "  {n}");
        }
    }
    for c in compared {
        if c.report.findings.is_empty() {
            let _ = writeln!(out, "{}: no API changes against {}", c.title, c.base);
        } else {
            out.push_str(&c.render(format));
            if format == Format::Github {
                // The annotations go to the pull request; the log gets the
                // whole report too.
                out.push_str(&c.render(Format::Text));
            }
        }
    }
    out
}

fn markdown(notes: &[String], fresh: &[String], stale: &[Stale], compared: &[Compared]) -> String {
    let mut out = String::from("## Generated clients\n\n");
    for n in notes {
        let _ = writeln!(out, "{n}  ");
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    for what in fresh {
        let _ = writeln!(out, "- {}: up to date", wording::code(what));
    }
    for s in stale {
        let _ = writeln!(
            out,
            "- **{}: stale**: {} does not match the spec; {REGENERATE}",
            wording::code(&format!("{}/{}", s.group, s.language)),
            wording::code(&shown(&s.dir))
        );
        for (path, state) in &s.files {
            let _ = writeln!(
                out,
                "  - {} {} ({})",
                state.as_str(),
                wording::code(path),
                state.explain()
            );
        }
        if let Some(n) = &s.note {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out.push('\n');
    for c in compared {
        out.push_str(&c.render(Format::Markdown));
        out.push('\n');
    }
    out
}

/// A GitHub Actions `::error` workflow command, escaped as the runner's
/// toolkit does.
fn annotation(title: &str, message: &str) -> String {
    format!(
        "::error title={}::{}\n",
        wording::escape_property(title),
        wording::escape_data(message)
    )
}

/// One `::error` per stale file, on the file.
fn stale_annotations(s: &Stale) -> String {
    let mut out = String::new();
    let title = format!("{}/{} is stale", s.group, s.language);
    for (path, state) in &s.files {
        let file = shown(&s.dir.join(path));
        let message = format!("{file}: {} ({}); {REGENERATE}", state.as_str(), state.explain());
        out.push_str(&annotation(&title, &message));
    }
    if let Some(n) = &s.note {
        out.push_str(&annotation(&title, &format!("{n}; {REGENERATE}")));
    }
    out
}

#[derive(Serialize)]
struct JsonStale<'a> {
    group: &'a str,
    language: &'a str,
    dir: String,
    files: Vec<JsonFile<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    state: FileState,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    notes: &'a [String],
    stale: Vec<JsonStale<'a>>,
    /// One `report.json` (`docs/report.schema.json`) per comparison.
    reports: Vec<Box<RawValue>>,
}

fn json(notes: &[String], stale: &[Stale], compared: &[Compared]) -> Result<String, String> {
    let mut reports = Vec::new();
    for c in compared {
        let rendered = c.render(Format::Json);
        reports.push(RawValue::from_string(rendered.trim_end().to_string()).map_err(|e| {
            format!("internal error: the report is not JSON ({e}); please report it")
        })?);
    }
    let doc = JsonCheck {
        notes,
        stale: stale
            .iter()
            .map(|s| JsonStale {
                group: &s.group,
                language: s.language,
                dir: shown(&s.dir),
                files: s.files.iter().map(|(p, st)| JsonFile { path: p, state: *st }).collect(),
                note: s.note.as_deref(),
            })
            .collect(),
        reports,
    };
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| format!("internal error: cannot render the check as JSON: {e}"))
}
