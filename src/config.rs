//! `apigend.toml`: the raw serde structs, their defaults, and validation into
//! a resolved [`Config`] with absolute paths, durations and compiled globs.
//!
//! Reading goes through the `config` crate so every key can be overridden
//! from the environment (`APIGEND_ARCHIVE__MAX_VERSIONS=5`). Unknown keys are
//! errors; every error names the file and the key. Nothing here watches or
//! writes anything.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::ir::names;

/// A config that cannot be used. The message names the file and the key and
/// says what to do; `main` prints it and exits non-zero.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    /// The config file (or `<environment>`).
    pub file: String,
    /// What is wrong and where, lowercase, with the key.
    pub message: String,
}

/// The file as written, before validation. Field names are the TOML keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Root of the generated clients, relative to the config file.
    #[serde(default = "default_output_dir")]
    pub output_dir: String,
    /// Where the OpenAPI document comes from.
    pub spec: RawSpec,
    /// How operations are assigned to apps.
    #[serde(default)]
    pub apps: RawApps,
    /// Which clients to generate.
    #[serde(default)]
    pub languages: RawLanguages,
    /// Options of the TypeScript clients.
    #[serde(default)]
    pub typescript: RawTypeScript,
    /// Options of the Python clients.
    #[serde(default)]
    pub python: RawPython,
    /// The groups; one group `api` with every app when absent.
    #[serde(default)]
    pub groups: Vec<RawGroup>,
    /// The daemon's watcher.
    #[serde(default)]
    pub watch: RawWatch,
    /// The version archive.
    #[serde(default)]
    pub archive: RawArchive,
    /// Let a commit replace files in the output directories that apigend
    /// did not write (not in its manifest), to take over a folder on
    /// purpose.
    #[serde(default)]
    pub adopt: bool,
}

fn default_output_dir() -> String {
    "openapi".into()
}

/// `[spec]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// The document (JSON or YAML), relative to the config file. With
    /// `command`, the file the command writes.
    pub path: Option<String>,
    /// A command (argv list, no shell) that writes `path`.
    pub command: Option<Vec<String>>,
    /// Working directory of `command`, relative to the config file.
    pub cwd: Option<String>,
    /// How long `command` may run.
    pub command_timeout: Option<String>,
    /// Fetch the document from a running dev server instead.
    pub url: Option<String>,
}

/// `[apps]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApps {
    /// `tag` (first tag, drf-spectacular's default) or `path`.
    #[serde(default = "default_by")]
    pub by: String,
    /// With `by = "path"`: the prefix stripped before taking the first
    /// segment.
    #[serde(default = "default_path_prefix")]
    pub path_prefix: String,
}

impl Default for RawApps {
    fn default() -> Self {
        RawApps { by: default_by(), path_prefix: default_path_prefix() }
    }
}

fn default_by() -> String {
    "tag".into()
}
fn default_path_prefix() -> String {
    "/api/".into()
}

/// `[languages]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLanguages {
    /// Generate the TypeScript client.
    #[serde(default = "yes")]
    pub typescript: bool,
    /// Generate the Python client.
    #[serde(default = "yes")]
    pub python: bool,
}

impl Default for RawLanguages {
    fn default() -> Self {
        RawLanguages { typescript: true, python: true }
    }
}

fn yes() -> bool {
    true
}

/// `[typescript]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTypeScript {
    /// Write a `package.json` beside each TypeScript client.
    #[serde(default)]
    pub package: bool,
}

/// `[python]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPython {
    /// Write a `pyproject.toml` beside each Python package.
    #[serde(default)]
    pub package: bool,
}

/// `[[groups]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    /// `^[A-Za-z0-9_-]+$`; the group's directory name.
    pub name: String,
    /// App name globs; `*` matches every app.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Title in the generated clients (default: the spec's).
    pub title: Option<String>,
    /// Description in the generated clients (default: the spec's).
    pub description: Option<String>,
    /// Version in the generated clients (default: the spec's).
    pub version: Option<String>,
    /// TypeScript output directory, relative to the config file.
    pub typescript_output: Option<String>,
    /// Python output directory (the package goes inside), relative to the
    /// config file.
    pub python_output: Option<String>,
    /// Python import name (default: the group name made an identifier).
    pub python_package: Option<String>,
    /// npm package name, with `[typescript] package = true` (default:
    /// `@<title>/<group>`, the title being the document's).
    pub package_name: Option<String>,
}

/// `[watch]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatch {
    /// Directories watched, relative to the config file.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Globs of files whose change triggers the spec command.
    #[serde(default = "default_include")]
    pub include: Vec<String>,
    /// Globs ignored on top of the built-in ignores and `.gitignore`.
    #[serde(default = "default_exclude")]
    pub exclude: Vec<String>,
    /// Quiet period that ends a burst of changes.
    #[serde(default = "default_debounce")]
    pub debounce: String,
    /// `"auto"`, `true` or `false`.
    #[serde(default)]
    pub poll: Option<PollSetting>,
}

impl Default for RawWatch {
    fn default() -> Self {
        RawWatch {
            paths: Vec::new(),
            include: default_include(),
            exclude: default_exclude(),
            debounce: default_debounce(),
            poll: None,
        }
    }
}

fn default_include() -> Vec<String> {
    vec!["**/*.py".into()]
}
fn default_exclude() -> Vec<String> {
    vec!["**/migrations/**".into()]
}
fn default_debounce() -> String {
    "300ms".into()
}

/// `poll = "auto" | true | false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PollSetting {
    /// `true` / `false`.
    Bool(bool),
    /// `"auto"` (any other string is rejected in validation).
    Word(AutoWord),
}

/// The only string `poll` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoWord {
    /// Let apigend decide (poll on network file systems).
    Auto,
}

/// `[archive]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArchive {
    /// Archive every version that changed some output.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Relative to the config file; default `<output_dir>/archive`.
    pub dir: Option<String>,
    /// Versions kept.
    #[serde(default = "default_max_versions")]
    pub max_versions: usize,
}

impl Default for RawArchive {
    fn default() -> Self {
        RawArchive { enabled: true, dir: None, max_versions: default_max_versions() }
    }
}

fn default_max_versions() -> usize {
    10
}

/// A validated config: absolute paths, parsed durations, compiled globs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file.
    pub file: PathBuf,
    /// Its directory; relative paths are resolved against it.
    pub root: PathBuf,
    /// Output root.
    pub output_dir: PathBuf,
    /// Spec source.
    pub spec: SpecSource,
    /// How apps are found.
    pub apps_by: AppsBy,
    /// Generate TypeScript.
    pub typescript: bool,
    /// Generate Python.
    pub python: bool,
    /// Write `package.json` beside the TypeScript clients.
    pub typescript_package: bool,
    /// Write `pyproject.toml` beside the Python clients.
    pub python_package_files: bool,
    /// Groups in file order.
    pub groups: Vec<Group>,
    /// Watcher settings.
    pub watch: Watch,
    /// Archive settings; `None` when disabled.
    pub archive: Option<Archive>,
    /// Replace files apigend did not write (`adopt`, or `generate --adopt`).
    pub adopt: bool,
}

/// Where the spec comes from.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The document file (read after `command` ran, if any).
    pub path: Option<PathBuf>,
    /// Command that writes `path`.
    pub command: Option<Vec<String>>,
    /// Working directory of `command`.
    pub cwd: PathBuf,
    /// Timeout of `command` (and of a URL fetch).
    pub timeout: Duration,
    /// Dev-server URL.
    pub url: Option<String>,
}

/// How an operation's app is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppsBy {
    /// First tag.
    Tag,
    /// First path segment after the prefix.
    Path {
        /// Stripped before taking the segment.
        prefix: String,
    },
}

/// One group, validated.
#[derive(Debug, Clone)]
pub struct Group {
    /// Name.
    pub name: String,
    /// The app globs as written (for messages and fingerprints).
    pub apps: Vec<String>,
    /// Compiled `apps`.
    pub matcher: GlobSet,
    /// Title override.
    pub title: Option<String>,
    /// Description override.
    pub description: Option<String>,
    /// Version override.
    pub version: Option<String>,
    /// TypeScript output directory.
    pub typescript_output: PathBuf,
    /// Python output directory (the package directory is inside).
    pub python_output: PathBuf,
    /// Python import name.
    pub python_package: String,
    /// npm package name as configured; `None` takes the default.
    pub package_name: Option<String>,
}

impl Group {
    /// True when this group takes the app.
    #[must_use]
    pub fn takes(&self, app: &str) -> bool {
        self.matcher.is_match(app)
    }
}

/// Watcher settings, validated.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Watched directories.
    pub paths: Vec<PathBuf>,
    /// Trigger globs as written.
    pub include: Vec<String>,
    /// Ignore globs as written.
    pub exclude: Vec<String>,
    /// Debounce window.
    pub debounce: Duration,
    /// `None` = auto.
    pub poll: Option<bool>,
}

/// Archive settings, validated.
#[derive(Debug, Clone)]
pub struct Archive {
    /// Archive root.
    pub dir: PathBuf,
    /// Versions kept (at least 1).
    pub max_versions: usize,
}

/// Top-level keys that hold a value, so the environment can only reach real
/// config keys and other `APIGEND_*` variables are left alone.
const TOP_LEVEL_KEYS: &[&str] = &["output_dir", "adopt"];

/// Top-level tables: the environment reaches their keys only
/// (`APIGEND_PYTHON__PACKAGE`), never the table itself, so a variable such as
/// `APIGEND_PYTHON=/usr/bin/python3` (the test tools' interpreter) or
/// `APIGEND_SPEC=…` is not read as the table.
const TOP_LEVEL_TABLES: &[&str] =
    &["spec", "apps", "languages", "typescript", "python", "groups", "watch", "archive"];

/// Reads and validates a config file, with `APIGEND_*` environment overrides.
///
/// # Errors
/// A missing or unreadable file, TOML syntax, unknown keys, wrong types and
/// invalid values, each naming the file and key.
pub fn load(file: &Path) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    load_with_env(file, &env)
}

/// [`load`] with an explicit environment, for tests.
///
/// # Errors
/// As [`load`].
pub fn load_with_env(file: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
    let shown = file.display().to_string();
    let err = |message: String| ConfigError { file: shown.clone(), message };
    let text = std::fs::read_to_string(file).map_err(|e| {
        err(format!(
            "cannot read config: {e} (create it, or pass --config with the right path; see config.example.toml)"
        ))
    })?;
    let root = file
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    from_str_with_env(&text, file, &root, env)
}

/// [`load_with_env`] on text already read: `file` is only named in errors
/// and recorded, relative paths resolve against `root`. Does no I/O, so the
/// fuzzer (`fuzz/fuzz_targets/config_text.rs`) drives it directly.
///
/// # Errors
/// As [`load`], less the failure to read the file.
pub fn from_str_with_env(
    text: &str,
    file: &Path,
    root: &Path,
    env: &[(String, String)],
) -> Result<Config, ConfigError> {
    let shown = file.display().to_string();
    let err = |message: String| ConfigError { file: shown.clone(), message };
    let overrides: config::Map<String, String> = env
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix("APIGEND_")?;
            let (top, nested) = match rest.split_once("__") {
                Some((top, _)) => (top.to_ascii_lowercase(), true),
                None => (rest.to_ascii_lowercase(), false),
            };
            let known = if nested {
                TOP_LEVEL_TABLES.contains(&top.as_str())
            } else {
                TOP_LEVEL_KEYS.contains(&top.as_str())
            };
            known.then(|| (k.clone(), v.clone()))
        })
        .collect();
    let raw: RawConfig = config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .add_source(
            config::Environment::with_prefix("APIGEND")
                .prefix_separator("_")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("spec.command")
                .with_list_parse_key("watch.paths")
                .with_list_parse_key("watch.include")
                .with_list_parse_key("watch.exclude")
                .try_parsing(true)
                .source(Some(overrides)),
        )
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| err(describe_config_error(&e)))?;
    validate(raw, file.to_path_buf(), root).map_err(err)
}

fn describe_config_error(e: &config::ConfigError) -> String {
    let s = e.to_string();
    format!("invalid config: {s} (see config.example.toml for every key and its default)")
}

/// Parses a duration like `300ms`, `2s`, `1m`.
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| {
        format!("`{s}` is not a duration ({e}); write e.g. \"300ms\", \"2s\" or \"1m\"")
    })
}

fn validate(raw: RawConfig, file: PathBuf, root: &Path) -> Result<Config, String> {
    let rel = |key: &str, p: &str| -> Result<PathBuf, String> {
        if p.trim().is_empty() {
            return Err(format!("`{key}` is empty; give a path relative to the config file"));
        }
        Ok(normalise(&root.join(p)))
    };
    let output_dir = rel("output_dir", &raw.output_dir)?;
    if output_dir.parent().is_none() || (root.starts_with(&output_dir) && output_dir != root) {
        return Err(format!(
            "`output_dir` = `{}` is {}, which holds the project ({}); give a directory of its own, \
             like \"openapi\"",
            raw.output_dir,
            output_dir.display(),
            root.display()
        ));
    }

    let spec = &raw.spec;
    if spec.path.is_none() && spec.url.is_none() {
        return Err(
            "`spec.path` or `spec.url` is required: say where the OpenAPI document is".into()
        );
    }
    if spec.path.is_some() && spec.url.is_some() {
        return Err("`spec.path` and `spec.url` are both set; keep one".into());
    }
    if spec.command.is_some() && spec.path.is_none() {
        return Err("`spec.command` needs `spec.path`: the file the command writes".into());
    }
    if let Some(cmd) = &spec.command
        && cmd.first().is_none_or(|c| c.trim().is_empty())
    {
        return Err("`spec.command` is empty; give an argv list like [\"python\", \"manage.py\", \"spectacular\", \"--file\", \"openapi.yaml\"]".into());
    }
    if let Some(url) = &spec.url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(format!("`spec.url` = `{url}` is not an http(s) URL"));
    }
    let timeout = match &spec.command_timeout {
        Some(t) => parse_duration(t).map_err(|e| format!("`spec.command_timeout`: {e}"))?,
        None => Duration::from_secs(120),
    };
    let spec_source = SpecSource {
        path: spec.path.as_deref().map(|p| rel("spec.path", p)).transpose()?,
        command: spec.command.clone(),
        cwd: match &spec.cwd {
            Some(c) => rel("spec.cwd", c)?,
            None => root.to_path_buf(),
        },
        timeout,
        url: spec.url.clone(),
    };

    let apps_by = match raw.apps.by.as_str() {
        "tag" => AppsBy::Tag,
        "path" => AppsBy::Path { prefix: raw.apps.path_prefix.clone() },
        other => return Err(format!("`apps.by` = `{other}`: expected \"tag\" or \"path\"")),
    };
    if !raw.languages.typescript && !raw.languages.python {
        return Err("`languages`: both typescript and python are false; enable at least one".into());
    }

    let raw_groups = if raw.groups.is_empty() {
        vec![RawGroup {
            name: "api".into(),
            apps: vec!["*".into()],
            title: None,
            description: None,
            version: None,
            typescript_output: None,
            python_output: None,
            python_package: None,
            package_name: None,
        }]
    } else {
        raw.groups
    };
    let mut seen = BTreeSet::new();
    let mut groups = Vec::new();
    for (i, g) in raw_groups.into_iter().enumerate() {
        let key = format!("groups[{i}]");
        if g.name.is_empty()
            || !g.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "`{key}.name` = `{}`: a group name may only hold A-Z, a-z, 0-9, `_` and `-`",
                g.name
            ));
        }
        if !seen.insert(g.name.to_ascii_lowercase()) {
            return Err(format!("`{key}.name` = `{}`: two groups have this name", g.name));
        }
        if g.apps.is_empty() {
            return Err(format!(
                "`{key}.apps` is empty: list the apps of group `{}` (globs allowed, \"*\" for all)",
                g.name
            ));
        }
        let mut b = GlobSetBuilder::new();
        for a in &g.apps {
            b.add(Glob::new(a).map_err(|e| format!("`{key}.apps`: bad pattern `{a}`: {e}"))?);
        }
        let matcher = b.build().map_err(|e| format!("`{key}.apps`: {e}"))?;
        let package = match &g.python_package {
            Some(p) => {
                let ok = p.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !names::PY_KEYWORDS.contains(&p.as_str());
                if !ok {
                    return Err(format!(
                        "`{key}.python_package` = `{p}` is not a usable Python identifier"
                    ));
                }
                p.clone()
            }
            None => {
                let p = names::snake(&g.name, "api");
                if names::PY_KEYWORDS.contains(&p.as_str()) { format!("{p}_") } else { p }
            }
        };
        if let Some(n) = &g.package_name
            && !crate::codegen::package::is_npm_name(n)
        {
            return Err(format!(
                "`{key}.package_name` = `{n}` is not a valid npm package name: use lowercase \
                 letters, digits, `-`, `.` and `_`, optionally scoped as `@scope/name`"
            ));
        }
        let group_dir = output_dir.join(&g.name);
        groups.push(Group {
            typescript_output: match &g.typescript_output {
                Some(p) => rel(&format!("{key}.typescript_output"), p)?,
                None => group_dir.join("typescript"),
            },
            python_output: match &g.python_output {
                Some(p) => rel(&format!("{key}.python_output"), p)?,
                None => group_dir.join("python"),
            },
            python_package: package,
            package_name: g.package_name,
            matcher,
            name: g.name,
            apps: g.apps,
            title: g.title,
            description: g.description,
            version: g.version,
        });
    }

    let w = &raw.watch;
    let watch = Watch {
        paths: w.paths.iter().map(|p| rel("watch.paths", p)).collect::<Result<_, _>>()?,
        include: w.include.clone(),
        exclude: w.exclude.clone(),
        debounce: match parse_duration(&w.debounce) {
            Ok(d) if d > Duration::from_secs(3600) => {
                return Err(format!(
                    "`watch.debounce` = `{}` is longer than an hour; a window is typically \"300ms\" to \"5s\"",
                    w.debounce
                ));
            }
            Ok(d) => d,
            Err(e) => return Err(format!("`watch.debounce`: {e}")),
        },
        poll: match w.poll {
            None | Some(PollSetting::Word(AutoWord::Auto)) => None,
            Some(PollSetting::Bool(b)) => Some(b),
        },
    };
    for (key, globs) in [("watch.include", &w.include), ("watch.exclude", &w.exclude)] {
        for g in globs {
            Glob::new(g).map_err(|e| format!("`{key}`: bad pattern `{g}`: {e}"))?;
        }
    }

    let archive = if raw.archive.enabled {
        if raw.archive.max_versions == 0 {
            return Err(
                "`archive.max_versions` is 0; keep at least 1, or set `archive.enabled = false`"
                    .into(),
            );
        }
        Some(Archive {
            dir: match &raw.archive.dir {
                Some(d) => rel("archive.dir", d)?,
                None => output_dir.join("archive"),
            },
            max_versions: raw.archive.max_versions,
        })
    } else {
        None
    };

    check_directories(
        root,
        &groups,
        raw.languages.typescript,
        raw.languages.python,
        archive.as_ref(),
    )?;

    Ok(Config {
        adopt: raw.adopt,
        file,
        root: root.to_path_buf(),
        output_dir,
        spec: spec_source,
        apps_by,
        typescript: raw.languages.typescript,
        python: raw.languages.python,
        typescript_package: raw.typescript.package,
        python_package_files: raw.python.package,
        groups,
        watch,
        archive,
    })
}

/// Every directory apigend writes (each group's output per enabled
/// language, and the archive) must be its own: two on one directory, or one
/// inside another, would have one commit delete or claim the other's files
/// (a group named `archive` lands in the default archive directory). None
/// may hold the project itself. The error names both sides.
fn check_directories(
    root: &Path,
    groups: &[Group],
    typescript: bool,
    python: bool,
    archive: Option<&Archive>,
) -> Result<(), String> {
    let mut dirs: Vec<(String, &Path)> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if typescript {
            let what = format!("the TypeScript output of group `{}` (`groups[{i}]`)", g.name);
            dirs.push((what, &g.typescript_output));
        }
        if python {
            let what = format!("the Python output of group `{}` (`groups[{i}]`)", g.name);
            dirs.push((what, &g.python_output));
        }
    }
    if let Some(a) = archive {
        dirs.push(("the archive (`archive.dir`)".to_string(), &a.dir));
    }
    for (what, d) in &dirs {
        if root.starts_with(d) {
            return Err(format!(
                "{what} is {}, which holds the project ({}); give it a directory of its own",
                d.display(),
                root.display()
            ));
        }
    }
    for (i, (wa, a)) in dirs.iter().enumerate() {
        for (wb, b) in &dirs[i + 1..] {
            let relation = if a == b {
                "is the same directory as"
            } else if b.starts_with(a) {
                "contains"
            } else if a.starts_with(b) {
                "is inside"
            } else {
                continue;
            };
            return Err(format!(
                "{wa} ({}) {relation} {wb} ({}); give each its own directory, not nested in \
                 another",
                a.display(),
                b.display()
            ));
        }
    }
    Ok(())
}

/// Removes `.` and folds `..` lexically, so paths in messages and
/// comparisons are stable whether or not they exist yet.
#[must_use]
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("apigend.toml");
        std::fs::write(&f, toml).unwrap();
        let env: Vec<(String, String)> =
            env.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        load_with_env(&f, &env)
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        let c = load_str(text, &[]).unwrap();
        assert_eq!(c.groups.len(), 2);
        assert_eq!(c.archive.as_ref().unwrap().max_versions, 10);
        assert_eq!(c.watch.debounce, Duration::from_millis(300));
    }

    #[test]
    fn unknown_key_is_named() {
        let e = load_str("[spec]\npth = \"x.yaml\"\n", &[]).unwrap_err();
        assert!(e.to_string().contains("pth"), "{e}");
    }

    #[test]
    fn environment_overrides_and_ignores_unrelated_variables() {
        let c = load_str(
            "[spec]\npath = \"x.yaml\"\n",
            &[
                ("APIGEND_ARCHIVE__MAX_VERSIONS", "5"),
                ("APIGEND_BIN", "/bin/true"),
                // The test tools' interpreter, named like the `[python]`
                // table: a table is only reached through its keys.
                ("APIGEND_PYTHON", "/usr/bin/python3"),
                ("APIGEND_TYPESCRIPT__PACKAGE", "true"),
            ],
        )
        .unwrap();
        assert_eq!(c.archive.unwrap().max_versions, 5);
        assert!(c.typescript_package && !c.python_package_files);
    }

    #[test]
    fn bad_group_name_is_rejected() {
        let e =
            load_str("[spec]\npath = \"x\"\n[[groups]]\nname = \"../x\"\napps = [\"*\"]\n", &[])
                .unwrap_err();
        assert!(e.message.contains("groups[0].name"), "{e}");
    }

    /// Issue 14: directories that cannot work are refused, naming both
    /// sides: outputs on one directory or nested, a group whose output lands
    /// in the archive, an output or `output_dir` that holds the project.
    #[test]
    fn overlapping_or_nested_directories_are_refused() {
        let g = |name: &str, extra: &str| {
            format!("[[groups]]\nname = \"{name}\"\napps = [\"*\"]\n{extra}")
        };
        let cases = [
            (
                g("a", "typescript_output = \"x\"\n") + &g("b", "typescript_output = \"x\"\n"),
                &["group `a`", "is the same directory as", "group `b`"][..],
            ),
            (
                g("a", "typescript_output = \"x\"\npython_output = \"x/py\"\n"),
                &["TypeScript output of group `a`", "contains", "Python output of group `a`"],
            ),
            (
                g("a", "typescript_output = \"x/ts\"\n") + &g("b", "python_output = \"x\"\n"),
                &["TypeScript output of group `a`", "is inside", "Python output of group `b`"],
            ),
            (g("archive", ""), &["group `archive`", "is inside", "`archive.dir`"]),
            (g("a", "typescript_output = \"..\"\n"), &["group `a`", "holds the project"]),
            (g("a", "python_output = \".\"\n"), &["group `a`", "holds the project"]),
            (
                "[archive]\ndir = \"openapi/api\"\n".to_string(),
                &["group `api`", "is inside", "`archive.dir`"],
            ),
        ];
        for (extra, expect) in cases {
            let e = load_str(&format!("[spec]\npath = \"x\"\n{extra}"), &[]).unwrap_err();
            for x in expect {
                assert!(e.message.contains(x), "{extra}: `{x}` missing from: {e}");
            }
        }
        for out in ["/", "..", "../.."] {
            let e = load_str(&format!("output_dir = \"{out}\"\n[spec]\npath = \"x\"\n"), &[])
                .unwrap_err();
            assert!(e.message.contains("`output_dir`") && e.message.contains("holds the project"));
        }
        // A language that is off has no directory to collide.
        load_str(
            &format!(
                "[spec]\npath = \"x\"\n[languages]\npython = false\n{}",
                g("a", "typescript_output = \"x\"\npython_output = \"x\"\n")
            ),
            &[],
        )
        .unwrap();
        load_str("output_dir = \".\"\n[spec]\npath = \"x\"\n", &[]).unwrap();
    }

    #[test]
    fn default_group_takes_every_app() {
        let c = load_str("[spec]\npath = \"x\"\n", &[]).unwrap();
        assert_eq!(c.groups[0].name, "api");
        assert!(c.groups[0].takes("anything"));
    }
}
