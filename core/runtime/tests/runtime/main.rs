//! Reliability tests of the embedded runtime, on real SQLite files in temporary
//! directories (no store is mocked).

mod bus;
mod crash;
mod store;
mod submit;
mod support;
