//! The canonical model: one vocabulary for orders, inventory, shipments and invoices,
//! whatever format they arrived in.
//!
//! Rules this crate keeps (see ARCHITECTURE.md):
//! - it depends on serde, rust_decimal and chrono only, and does no I/O;
//! - money and quantities are `Decimal`, never floats;
//! - timestamps keep the offset they came with (`DateTime<FixedOffset>`), dates without
//!   a time stay `NaiveDate`;
//! - every quantity travels with its unit of measure;
//! - JSON is snake_case; optional fields are omitted when empty.

pub mod common;
pub mod documents;
pub mod envelope;
pub mod inventory;
pub mod order;
pub mod validate;

pub use common::*;
pub use documents::*;
pub use envelope::*;
pub use inventory::*;
pub use order::*;
pub use validate::{Validate, ValidationError, Violation};
