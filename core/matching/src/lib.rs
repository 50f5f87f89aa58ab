//! Three-way match: each purchase order line against what was shipped (ship notices),
//! received (receipts) and invoiced, within a partner's tolerances.
//!
//! Pure and deterministic: no I/O and no clock (an override is given its time). The hub
//! feeds a [`Reconciliation`] documents as they arrive, in any order, and puts the
//! [`MatchEvent`]s it returns on the bus; `crossdock match` runs the same engine on files.
//!
//! # How document lines find their purchase order line
//! 1. By line number, when the document line carries one and the PO has a line with it
//!    (leading zeros ignored: `001` is line `1`).
//! 2. Otherwise by item identity: the first PO line sharing an identifier of the same kind
//!    (sku, vendor part, buyer part), or the same GTIN/UPC (leading zeros ignored, so a
//!    UPC-A matches its GTIN-14).
//! 3. Otherwise the line was not ordered: it gets a result of its own, named by its item
//!    (`sku:ABC`) or, with no identifier, its line number, with `shipped_not_ordered` /
//!    `invoiced_not_ordered` / `received_not_ordered`.
//!
//! # What each line is judged on
//! - shipped over ordered beyond the quantity tolerance: `over_shipped`;
//! - invoiced over the basis quantity (shipped, received or ordered, per policy) beyond the
//!   quantity tolerance: `over_invoiced`; anything invoiced when nothing was shipped
//!   (received): `invoiced_not_shipped` (`invoiced_not_received`), whatever the tolerance;
//! - each invoiced unit price against the ordered one, either way: `price_variance`;
//! - per invoice, its declared total against the invoiced quantities at ordered prices plus
//!   its charges less allowances: `total_variance`, on every line the invoice touches;
//! - every charge (line or header) against the allowed SAC codes and amounts:
//!   `charge_not_allowed`;
//! - an invoice with the number of an earlier one, or with the same date, lines and total
//!   as an earlier one, is a duplicate: it is not counted, and every line it touches gets
//!   `duplicate_invoice` until someone overrides it.
//!
//! Less shipped or invoiced than expected is not an exception, documents may still come:
//! the line says what it is `awaiting`. A line with an exception is `exception`; else one
//! with a variance of its own (shipped, invoiced, unit price) is `within_tolerance`; else
//! `matched`. A tolerated invoice total variance is shown on the lines of the invoice but
//! leaves their status alone: it belongs to the invoice, not to any one line.

mod policy;
mod reconcile;

use chrono::{DateTime, FixedOffset};
use crossdock_model::{ItemRef, MatchResult, MatchStatus};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use policy::{AllowedCharge, MatchBasis, Tolerance, TolerancePolicy, Variance};
pub use reconcile::Reconciliation;

/// Goods received at a dock against a purchase order (a warehouse receipt, an X12 861).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub receipt_id: String,
    pub po_number: String,
    pub lines: Vec<ReceiptLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_no: Option<String>,
    #[serde(default)]
    pub item: ItemRef,
    pub quantity: Decimal,
}

/// One line's verdict: the canonical [`MatchResult`] (its `reasons` are the codes) and the
/// detail behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMatch {
    #[serde(flatten)]
    pub result: MatchResult,
    /// Each reason with a message for people, in the order of `result.reasons`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Reason>,
    #[serde(default, skip_serializing_if = "Variances::is_empty")]
    pub variances: Variances,
    /// Documents the line still expects (less shipped, received or invoiced than due).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub awaiting: Vec<Awaiting>,
    /// A person accepted this line's exceptions: it counts as `within_tolerance`.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub manual_override: Option<Override>,
}

impl LineMatch {
    pub fn status(&self) -> MatchStatus {
        self.result.status
    }

    pub fn line_no(&self) -> &str {
        &self.result.line_no
    }
}

/// The nonzero variances of a line; each present whether tolerated or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variances {
    /// Shipped against ordered quantity (over-shipment only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped: Option<Variance>,
    /// Invoiced against the basis quantity (over-invoicing only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoiced: Option<Variance>,
    /// The invoiced unit price furthest from the ordered one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Variance>,
    /// The largest total variance among the invoices touching the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_total: Option<Variance>,
}

impl Variances {
    pub fn is_empty(&self) -> bool {
        *self == Variances::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awaiting {
    Shipment,
    Receipt,
    Invoice,
}

/// Why a line is an exception: a stable code for machines and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    OverShipped,
    ShippedNotOrdered,
    ReceivedNotOrdered,
    OverInvoiced,
    InvoicedNotShipped,
    InvoicedNotReceived,
    InvoicedNotOrdered,
    PriceVariance,
    TotalVariance,
    ChargeNotAllowed,
    DuplicateInvoice,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::OverShipped => "over_shipped",
            ReasonCode::ShippedNotOrdered => "shipped_not_ordered",
            ReasonCode::ReceivedNotOrdered => "received_not_ordered",
            ReasonCode::OverInvoiced => "over_invoiced",
            ReasonCode::InvoicedNotShipped => "invoiced_not_shipped",
            ReasonCode::InvoicedNotReceived => "invoiced_not_received",
            ReasonCode::InvoicedNotOrdered => "invoiced_not_ordered",
            ReasonCode::PriceVariance => "price_variance",
            ReasonCode::TotalVariance => "total_variance",
            ReasonCode::ChargeNotAllowed => "charge_not_allowed",
            ReasonCode::DuplicateInvoice => "duplicate_invoice",
        }
    }
}

/// Who accepted a line's exceptions, why, and when; `accepted` are the codes they saw, so
/// a new kind of exception on the line raises it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub by: String,
    pub reason: String,
    pub at: DateTime<FixedOffset>,
    pub accepted: Vec<ReasonCode>,
}

/// What the matcher tells the hub; each goes on the bus as its `event_type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MatchEvent {
    /// A line became an exception, or its reasons changed.
    Exception {
        po_number: String,
        line_no: String,
        reasons: Vec<Reason>,
    },
    /// A line that was an exception no longer is (a late ship notice arrived, ...).
    Cleared {
        po_number: String,
        line_no: String,
        status: MatchStatus,
    },
    Overridden {
        po_number: String,
        line_no: String,
        record: Override,
    },
}

impl MatchEvent {
    pub fn event_type(&self) -> &'static str {
        match self {
            MatchEvent::Exception { .. } => "match.exception",
            MatchEvent::Cleared { .. } => "match.cleared",
            MatchEvent::Overridden { .. } => "match.overridden",
        }
    }
}

/// A status as it is written in JSON (`within_tolerance`).
pub fn status_name(status: MatchStatus) -> &'static str {
    match status {
        MatchStatus::Matched => "matched",
        MatchStatus::WithinTolerance => "within_tolerance",
        MatchStatus::Exception => "exception",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("{kind} {key} is for purchase order {found}, not {expected}")]
    OtherPurchaseOrder { kind: &'static str, key: String, expected: String, found: String },
    #[error("purchase order {po_number} has no line {line_no}")]
    UnknownLine { po_number: String, line_no: String },
    #[error("line {line_no} of purchase order {po_number} is {}, not an exception: nothing to override", status_name(*.status))]
    NotAnException { po_number: String, line_no: String, status: MatchStatus },
    #[error("invalid matching policy: {0}")]
    Policy(String),
}
