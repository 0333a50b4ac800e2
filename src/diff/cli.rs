//! The shell of `apigend diff OLD NEW`: reads two spec files, compares
//! them, renders the report and says whether `--fail-on` was reached. The
//! only part of `diff` that does I/O (two files, and the clock for
//! `x-sunset` dates).

use std::path::Path;
use std::process::ExitCode;

use super::report::{self, Labels};
use super::{Level, Options, compare_with};

/// Output formats of `apigend diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Plain text grouped by level and endpoint.
    #[default]
    Text,
    /// The `REPORT.md` layout.
    Markdown,
    /// The `report.json` layout (`docs/report.schema.json`).
    Json,
    /// GitHub Actions: one `::error`/`::warning`/`::notice` workflow
    /// command per finding, then the plain text; the Markdown report is
    /// appended to `$GITHUB_STEP_SUMMARY` when it is set.
    Github,
}

/// What `apigend diff` prints, and whether it fails the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOutput {
    /// The rendered report, ending in a newline.
    pub text: String,
    /// A finding at or above `--fail-on` was found.
    pub failed: bool,
}

impl DiffOutput {
    /// Exit code 1 when `--fail-on` was reached (oasdiff's convention), else 0.
    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        if self.failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
    }
}

/// Compares the spec files `old_path` and `new_path`.
///
/// # Errors
/// A file that cannot be read or parsed; the message names the file.
pub fn run_diff_command(
    old_path: &Path,
    new_path: &Path,
    format: Format,
    fail_on: Option<Level>,
) -> Result<DiffOutput, String> {
    let old = load(old_path)?;
    let new = load(new_path)?;
    let today = today();
    let opts = Options { today: Some(&today), only_rule: None };
    let report = compare_with(&old, &new, &opts);
    let (base, revision) = (old_path.display().to_string(), new_path.display().to_string());
    let title = if new.info.title.is_empty() { "API" } else { new.info.title.as_str() };
    let labels = Labels { title, base: &base, revision: &revision };
    let text = render(&report, &labels, format);
    if format == Format::Github {
        append_step_summary(&report::render_markdown(&report, &labels, &[]))?;
    }
    let failed = match (fail_on, report.max_level()) {
        (Some(threshold), Some(max)) => max >= threshold,
        _ => false,
    };
    Ok(DiffOutput { text, failed })
}

/// The report in `format`: what `apigend diff` prints, and what `apigend
/// check` prints for each comparison.
#[must_use]
pub fn render(r: &super::Report, labels: &Labels<'_>, format: Format) -> String {
    match format {
        Format::Text => report::render_text(r, labels, &[]),
        Format::Markdown => report::render_markdown(r, labels, &[]),
        Format::Json => report::render_json(r, labels, &[]),
        Format::Github => {
            let mut out = String::new();
            for f in &r.findings {
                let command = match f.level {
                    Level::Err => "error",
                    Level::Warn => "warning",
                    Level::Info => "notice",
                };
                let endpoint = match (&f.method, &f.path) {
                    (Some(m), Some(p)) => format!("{m} {p}: "),
                    _ => String::new(),
                };
                let message = format!("{endpoint}{}", report::plain_message(f));
                out.push_str(&workflow_command(command, f.rule_id, &message));
            }
            out.push_str(&report::render_text(r, labels, &[]));
            out
        }
    }
}

/// One GitHub Actions workflow command line (`::error title=…::message`),
/// escaped as the runner's toolkit does (`%`, CR and LF in the message;
/// also `:` and `,` in a property).
#[must_use]
pub fn workflow_command(command: &str, title: &str, message: &str) -> String {
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    format!("::{command} title={}::{}\n", property(title), data(message))
}

/// Appends `markdown` to the file named by `$GITHUB_STEP_SUMMARY` (the job
/// summary of GitHub Actions), when it is set.
///
/// # Errors
/// The file cannot be written; the message names it.
pub fn append_step_summary(markdown: &str) -> Result<(), String> {
    use std::io::Write as _;
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = std::path::PathBuf::from(path);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(markdown.as_bytes()))
        .map_err(|e| {
            format!("{}: cannot append the report ($GITHUB_STEP_SUMMARY): {e}", path.display())
        })
}

/// Reads and parses one spec; relative `$ref`s resolve against its folder.
pub(crate) fn load(path: &Path) -> Result<openapiv3::OpenAPI, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let fetch = move |rel: &str| -> Result<Vec<u8>, String> {
        let p = dir.join(rel);
        std::fs::read(&p).map_err(|e| format!("{}: cannot read: {e}", p.display()))
    };
    crate::spec::parse_typed(&bytes, &path.display().to_string(), &fetch).map_err(|e| e.to_string())
}

/// Today (UTC) as `YYYY-MM-DD`, from the system clock.
pub(crate) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}
