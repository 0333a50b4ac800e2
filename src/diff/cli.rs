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
    let text = match format {
        Format::Text => report::render_text(&report, &labels, &[]),
        Format::Markdown => report::render_markdown(&report, &labels, &[]),
        Format::Json => report::render_json(&report, &labels, &[]),
    };
    let failed = match (fail_on, report.max_level()) {
        (Some(threshold), Some(max)) => max >= threshold,
        _ => false,
    };
    Ok(DiffOutput { text, failed })
}

/// How long reading one file may take (a hung network mount).
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Reads and parses one spec; relative `$ref`s resolve against its folder.
fn load(path: &Path) -> Result<openapiv3::OpenAPI, String> {
    // Regular files only, capped, within a time-out (a FIFO would hang).
    let read = |p: &Path| {
        crate::obtain::read_file(p, crate::obtain::MAX_SPEC_BYTES, READ_TIMEOUT)
            .map_err(|e| format!("{}: cannot read: {e}", p.display()))
    };
    let bytes = read(path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let fetch = move |rel: &str| -> Result<Vec<u8>, String> { read(&dir.join(rel)) };
    crate::spec::parse_typed(&bytes, &path.display().to_string(), &fetch).map_err(|e| e.to_string())
}

/// Today (UTC) as `YYYY-MM-DD`, from the system clock.
pub(crate) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}
