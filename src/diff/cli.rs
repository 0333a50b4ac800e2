//! The shell of `apigend diff OLD NEW`: reads two spec files, compares
//! them, renders the report and says whether `--fail-on` was reached. The
//! only part of `diff` that does I/O (two files, the clock for `x-sunset`
//! dates, and `$GITHUB_STEP_SUMMARY` for `--format github`).

use std::path::Path;
use std::process::ExitCode;

use super::report::{self, Context, Labels, SpecFile};
use super::{Level, Options, compare_with};

pub use super::report::Format;

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
    let (old_text, old) = load(old_path)?;
    let (new_text, new) = load(new_path)?;
    let today = today();
    let opts = Options { today: Some(&today), only_rule: None };
    let report = compare_with(&old, &new, &opts);
    let (base, revision) = (old_path.display().to_string(), new_path.display().to_string());
    let title = if new.info.title.is_empty() { "API" } else { new.info.title.as_str() };
    let labels = Labels { title, base: &base, revision: &revision };
    let ctx = Context {
        labels,
        files: &[],
        base: Some(SpecFile { path: &base, text: &old_text }),
        revision: Some(SpecFile { path: &revision, text: &new_text }),
    };
    let text = report::render(&report, format, &ctx);
    if format == Format::Github {
        append_step_summary(&report::render(&report, Format::Markdown, &ctx))?;
    }
    let failed = match (fail_on, report.max_level()) {
        (Some(threshold), Some(max)) => max >= threshold,
        _ => false,
    };
    Ok(DiffOutput { text, failed })
}

/// Appends `markdown` to the file GitHub Actions names in
/// `$GITHUB_STEP_SUMMARY` (the job's summary page); nothing when it is not
/// set. Returns whether it wrote.
///
/// # Errors
/// The file cannot be opened or written; the message names it.
pub fn append_step_summary(markdown: &str) -> Result<bool, String> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(false);
    };
    append_to(Path::new(&path), markdown)?;
    Ok(true)
}

/// Appends `markdown` and a newline to `path` (created if missing), as
/// GitHub expects of `$GITHUB_STEP_SUMMARY`.
///
/// # Errors
/// The file cannot be opened or written; the message names it.
pub fn append_to(path: &Path, markdown: &str) -> Result<(), String> {
    use std::io::Write as _;
    let shown = path.display().to_string();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| format!("{shown}: cannot open $GITHUB_STEP_SUMMARY: {e}"))?;
    file.write_all(markdown.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|e| format!("{shown}: cannot write $GITHUB_STEP_SUMMARY: {e}"))
}

/// How long reading one file may take (a hung network mount).
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Reads and parses one spec; relative `$ref`s resolve against its folder.
/// Returns its text too (annotations point at lines of it).
fn load(path: &Path) -> Result<(String, openapiv3::OpenAPI), String> {
    // Regular files only, capped, within a time-out (a FIFO would hang).
    let read = |p: &Path| {
        crate::obtain::read_file(p, crate::obtain::MAX_SPEC_BYTES, READ_TIMEOUT)
            .map_err(|e| format!("{}: cannot read: {e}", p.display()))
    };
    let bytes = read(path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let fetch = move |rel: &str| -> Result<Vec<u8>, String> { read(&dir.join(rel)) };
    let doc = crate::spec::parse_typed(&bytes, &path.display().to_string(), &fetch)
        .map_err(|e| e.to_string())?;
    Ok((String::from_utf8_lossy(&bytes).into_owned(), doc))
}

/// Today (UTC) as `YYYY-MM-DD`, from the system clock.
pub(crate) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}
