//! OpenAPI → IR.
