//! Tests of the canonical model through its public API: validation rules and the JSON form.

mod json;
mod samples;
mod validate;
