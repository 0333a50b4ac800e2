//! The Python generator.
use crate::codegen::{GeneratedFile, PythonOptions, RenderError};
use crate::ir::Api;

/// Generates the Python package files for one group's API. Paths are relative
/// to the python output directory and start with the package name.
///
/// # Errors
/// Only when a template fails to render, which is a bug in apigend.
pub fn generate(api: &Api, opts: &PythonOptions) -> Result<Vec<GeneratedFile>, RenderError> {
    let _ = (api, opts);
    Ok(Vec::new())
}
