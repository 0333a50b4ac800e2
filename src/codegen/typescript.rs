//! The TypeScript generator.
use crate::codegen::{GeneratedFile, RenderError};
use crate::ir::Api;

/// Generates the TypeScript client files for one group's API.
///
/// # Errors
/// Only when a template fails to render, which is a bug in apigend.
pub fn generate(api: &Api) -> Result<Vec<GeneratedFile>, RenderError> {
    let _ = api;
    Ok(Vec::new())
}
