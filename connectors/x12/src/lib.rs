//! ANSI X12 EDI for Crossdock.
pub mod reader;
