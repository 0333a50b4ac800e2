//! Code generation: pure functions from an [`ir::Api`](crate::ir::Api) to the
//! files of a client.
//!
//! Generators never touch the file system; they return [`GeneratedFile`]s with
//! relative paths and the shell (`output`) writes them. The templates under
//! `askama_templates/` are compiled into the binary.

pub mod filters;
pub mod package;
pub mod python;
pub mod typescript;

/// One output file: a path relative to the client's root, `/`-separated and
/// free of `..`, and its full contents ending in exactly one newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, e.g. `users/index.ts`.
    pub path: String,
    /// UTF-8 contents.
    pub contents: String,
}

impl GeneratedFile {
    /// A file whose contents end in exactly one `\n` (askama trims the
    /// template's last newline; editors and `git diff` want one).
    #[must_use]
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        let mut contents: String = contents.into();
        let trimmed = contents.trim_end_matches('\n').len();
        contents.truncate(trimmed);
        contents.push('\n');
        GeneratedFile { path: path.into(), contents }
    }
}

/// A template failed to render. Templates only print data, so this means a
/// bug in apigend, not in the spec.
#[derive(Debug, thiserror::Error)]
#[error("failed to render {file}: {source}")]
pub struct RenderError {
    /// The output file being rendered.
    pub file: String,
    /// askama's error.
    #[source]
    pub source: askama::Error,
}

/// The target languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Language {
    /// TypeScript.
    TypeScript,
    /// Python.
    Python,
}

impl Language {
    /// Lowercase name, used in paths and logs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Language::TypeScript => "typescript",
            Language::Python => "python",
        }
    }
}

/// Options for the Python generator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PythonOptions {
    /// The package's import name (a valid, non-reserved Python identifier).
    pub package: String,
}
