//! Validation of canonical documents: every problem at once, each with its JSON path.
//!
//! [`Validate::validate`] walks a document in field order and reports every broken rule,
//! not just the first, as a [`Violation`] with the JSON path of the offending value
//! (`$.lines[2].quantity`) and a stable rule name (the constants in [`rule`]). Every path
//! points at a value that is present in the document's JSON.
//!
//! # Rules
//!
//! - `required`: mandatory identifiers and codes are not blank: `order_id`, `channel`,
//!   `po_number`, `ack_type`, `shipment_id`, `invoice_number`, `request_id`, `rma_number`,
//!   line ids, 855 line `status`, shipment event `status`, 997 `functional_id`,
//!   `group_control_number`, transaction `set_id` / `control_number`, segment and element
//!   error ids, every `uom`, a pickup line's `fulfillment.node_id`, every envelope attribute.
//! - `not_blank`: optional identifiers, when present, are not blank either
//!   (`external_id`, `sales_order_ref`, an invoice's `po_number`, `node_id`, `advice_id`,
//!   `location`, `order_ref`, an ASN item's `line_no`, `return_to_node`, `causation_id`, ...).
//! - `not_empty`: what a document means nothing without is there: the lines of a sales
//!   order, purchase order, invoice, fulfillment request and return; the orders of a ship
//!   notice, the packs of each shipped order, the items of each pack; the events of a
//!   shipment status. An 855 and a 945 may have no lines, an inventory advice no positions.
//! - `unique`: line ids are unique within a sales order, purchase order, invoice and
//!   fulfillment request, reported at each reuse. Not within an 855 (one PO line may be
//!   acknowledged in parts with different statuses), a 945 (one line may ship in several
//!   lots) or a return (one order line may come back for different reasons).
//! - `item_identified`: the item has at least one non-blank identifier (a description alone
//!   does not identify) on sales order lines and their substitutes, purchase order lines,
//!   fulfillment request lines, inventory positions and return lines; an ASN item may name
//!   its PO `line_no` instead. Lines that refer to a PO line by number (855, 810, 945) need
//!   not repeat the item.
//! - `quantity_positive`: quantities are above zero on sales order, purchase order (and each
//!   SDQ destination), invoice, fulfillment request, return and ASN item lines, and so are
//!   the ordered quantities an 855, ASN or 945 line echoes, and 855 schedule quantities.
//! - `not_negative`: unit prices; 855 line quantities (a rejected line acknowledges zero);
//!   945 shipped quantities (a backordered line ships zero); in a snapshot inventory
//!   advice, `available` and every `in_transit` / `on_order` quantity. `on_hand` may be
//!   negative (NetSuite reports oversold stock that way), and a delta advice carries signed
//!   changes, so its signs are not checked.
//! - `currency_code`: currency codes, when present, are three uppercase letters (ISO 4217).
//! - `destinations_sum_to_quantity`: when a purchase order line has SDQ destinations, their
//!   quantities add up to the line quantity.
//! - `line_count_matches`: a declared line count (`declared_totals.line_count` of a purchase
//!   order or 855, `totals.line_count` of an invoice) equals the number of lines; for an
//!   855, the number of distinct line numbers, since its lines may split one PO line.
//! - `quantity_reported`: an inventory position reports at least one of `on_hand`,
//!   `available`, `in_transit`, `on_order`.
//! - `one_of`: a functional ack's `ack_kind` is `997` or `999`; its group and transaction
//!   statuses are X12 AK9 / AK5 codes (`A`, `E`, `M`, `P` for a group only, `R`, `W`, `X`).
//! - `counts_consistent`: a functional ack accepts no more transaction sets than it received.
//! - `schema_version_supported`: an envelope's `schema_version` is [`SCHEMA_VERSION`].
//!
//! An [`Envelope`] reports its own attributes first, then the violations of its `data`
//! with their paths under `$.data`.
//!
//! Not checked here, on purpose: declared hash totals and amounts (X12 CTT02 sums digits
//! without regard to decimal points and truncates, and AMT/TDS include charges and taxes
//! that are not all modelled), and agreement between documents (PO vs ASN vs invoice):
//! that is the broker's three-way match, with its tolerances.

use std::collections::btree_map::{self, BTreeMap};
use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;

use crate::common::ItemRef;
use crate::documents::{
    Document, FulfillmentLine, FulfillmentRequest, FulfillmentUpdate, FunctionalAck, Invoice, InvoiceLine,
    PurchaseOrder, PurchaseOrderAck, PurchaseOrderLine, Return, ShipNotice, ShipmentStatus,
};
use crate::envelope::{Envelope, SCHEMA_VERSION};
use crate::inventory::{AdviceMode, InventoryAdvice};
use crate::order::{Fulfillment, OrderLine, SalesOrder};

/// One broken rule at one place in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the offending value, e.g. `$.lines[2].quantity`.
    pub path: String,
    /// A stable rule name, e.g. `quantity_positive`.
    pub rule: &'static str,
    pub message: String,
}

/// All the violations found in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub violations: Vec<Violation>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {} ({})", v.path, v.message, v.rule)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Checks the business rules of a canonical document.
pub trait Validate {
    /// Every violation, in document order; `Ok` when there is none.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// The stable rule names a [`Violation`] carries (see the module docs for where each applies).
pub mod rule {
    pub const REQUIRED: &str = "required";
    pub const NOT_BLANK: &str = "not_blank";
    pub const NOT_EMPTY: &str = "not_empty";
    pub const UNIQUE: &str = "unique";
    pub const ITEM_IDENTIFIED: &str = "item_identified";
    pub const QUANTITY_POSITIVE: &str = "quantity_positive";
    pub const NOT_NEGATIVE: &str = "not_negative";
    pub const CURRENCY_CODE: &str = "currency_code";
    pub const DESTINATIONS_SUM_TO_QUANTITY: &str = "destinations_sum_to_quantity";
    pub const LINE_COUNT_MATCHES: &str = "line_count_matches";
    pub const QUANTITY_REPORTED: &str = "quantity_reported";
    pub const ONE_OF: &str = "one_of";
    pub const COUNTS_CONSISTENT: &str = "counts_consistent";
    pub const SCHEMA_VERSION_SUPPORTED: &str = "schema_version_supported";
}

impl Validate for SalesOrder {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("order_id", &self.order_id);
            c.required("channel", &self.channel);
            c.not_blank("external_id", self.external_id.as_deref());
            c.currency("currency", self.currency.as_deref());
            c.not_empty("lines", &self.lines);
            c.lines(&self.lines, |c, line| {
                c.identified("item", &line.item);
                c.positive("quantity", line.quantity);
                c.required("uom", line.uom.as_str());
                c.some("unit_price", line.unit_price.as_ref(), |c, price| {
                    c.not_negative("amount", price.amount);
                    c.currency("currency", price.currency.as_deref());
                });
                if let Fulfillment::Pickup { node_id } = &line.fulfillment {
                    c.at("fulfillment", |c| c.required("node_id", node_id));
                }
                c.each("substitutes", &line.substitutes, |c, item| {
                    if !is_identified(item) {
                        c.here(rule::ITEM_IDENTIFIED, "substitute has no identifier");
                    }
                });
            });
        })
    }
}

impl Validate for PurchaseOrder {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("po_number", &self.po_number);
            c.currency("currency", self.currency.as_deref());
            c.not_empty("lines", &self.lines);
            c.lines(&self.lines, |c, line| {
                c.identified("item", &line.item);
                c.positive("quantity", line.quantity);
                c.required("uom", line.uom.as_str());
                c.not_negative("unit_price", line.unit_price);
                if !line.destinations.is_empty() {
                    let parts = line.destinations.iter().map(|d| d.quantity);
                    c.sums_to("destinations", parts, line.quantity);
                }
                c.each("destinations", &line.destinations, |c, dest| {
                    c.required("location", &dest.location);
                    c.positive("quantity", dest.quantity);
                });
            });
            let declared = self.declared_totals.as_ref().and_then(|t| t.line_count);
            c.line_count("declared_totals.line_count", declared, self.lines.len());
            c.not_blank("sales_order_ref", self.sales_order_ref.as_deref());
        })
    }
}

impl Validate for PurchaseOrderAck {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("po_number", &self.po_number);
            c.required("ack_type", &self.ack_type);
            c.not_blank("seller_order_number", self.seller_order_number.as_deref());
            c.currency("currency", self.currency.as_deref());
            c.each("lines", &self.lines, |c, line| {
                c.required("line_no", &line.line_no);
                c.positive("ordered_quantity", line.ordered_quantity);
                c.not_negative("unit_price", line.unit_price);
                c.required("status", &line.status);
                c.not_negative("quantity", line.quantity);
                c.required("uom", line.uom.as_str());
                c.each("schedule", &line.schedule, |c, scheduled| {
                    c.positive("quantity", scheduled.quantity);
                    c.required("uom", scheduled.uom.as_str());
                });
            });
            // One PO line acknowledged in parts is several ack lines with the same number;
            // the declared count (X12 CTT01) counts PO lines.
            let po_lines: HashSet<&str> = self.lines.iter().map(|l| l.line_no.as_str()).collect();
            let declared = self.declared_totals.as_ref().and_then(|t| t.line_count);
            c.line_count("declared_totals.line_count", declared, po_lines.len());
        })
    }
}

impl Validate for ShipNotice {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("shipment_id", &self.shipment_id);
            c.not_empty("orders", &self.orders);
            c.each("orders", &self.orders, |c, order| {
                c.required("po_number", &order.po_number);
                c.not_empty("packs", &order.packs);
                c.each("packs", &order.packs, |c, pack| {
                    c.not_empty("items", &pack.items);
                    c.each("items", &pack.items, |c, shipped| {
                        c.not_blank("line_no", shipped.line_no.as_deref());
                        if shipped.line_no.is_none() && !is_identified(&shipped.item) {
                            let message = "item has no identifier and no PO line number";
                            c.report("item", rule::ITEM_IDENTIFIED, message);
                        }
                        c.positive("quantity", shipped.quantity);
                        c.required("uom", shipped.uom.as_str());
                        c.positive("ordered_quantity", shipped.ordered_quantity);
                    });
                });
            });
        })
    }
}

impl Validate for Invoice {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("invoice_number", &self.invoice_number);
            c.not_blank("po_number", self.po_number.as_deref());
            c.currency("currency", self.currency.as_deref());
            c.not_empty("lines", &self.lines);
            c.lines(&self.lines, |c, line| {
                c.positive("quantity", line.quantity);
                c.required("uom", line.uom.as_str());
                c.not_negative("unit_price", line.unit_price);
            });
            c.line_count("totals.line_count", self.totals.line_count, self.lines.len());
        })
    }
}

impl Validate for InventoryAdvice {
    fn validate(&self) -> Result<(), ValidationError> {
        let snapshot = self.mode == AdviceMode::Snapshot;
        Checker::run(|c| {
            c.not_blank("node_id", self.node_id.as_deref());
            c.not_blank("advice_id", self.advice_id.as_deref());
            c.each("positions", &self.positions, |c, pos| {
                if pos.on_hand.is_none()
                    && pos.available.is_none()
                    && pos.in_transit.is_empty()
                    && pos.on_order.is_empty()
                {
                    c.here(rule::QUANTITY_REPORTED, "position reports no quantity");
                }
                c.identified("item", &pos.item);
                c.not_blank("location", pos.location.as_deref());
                c.required("uom", pos.uom.as_str());
                if snapshot {
                    c.not_negative("available", pos.available);
                    for (field, supply) in [("in_transit", &pos.in_transit), ("on_order", &pos.on_order)] {
                        c.each(field, supply, |c, s| c.not_negative("quantity", s.quantity));
                    }
                }
            });
        })
    }
}

impl Validate for FulfillmentRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("request_id", &self.request_id);
            c.not_blank("order_ref", self.order_ref.as_deref());
            c.not_empty("lines", &self.lines);
            c.lines(&self.lines, |c, line| {
                c.identified("item", &line.item);
                c.positive("quantity", line.quantity);
                c.required("uom", line.uom.as_str());
            });
        })
    }
}

impl Validate for FulfillmentUpdate {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("request_id", &self.request_id);
            c.not_blank("shipment_id", self.shipment_id.as_deref());
            c.not_blank("order_ref", self.order_ref.as_deref());
            c.each("lines", &self.lines, |c, line| {
                c.required("line_no", &line.line_no);
                c.positive("ordered_quantity", line.ordered_quantity);
                c.not_negative("shipped_quantity", line.shipped_quantity);
                c.required("uom", line.uom.as_str());
                c.not_blank("status", line.status.as_deref());
            });
        })
    }
}

impl Validate for ShipmentStatus {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("shipment_id", &self.shipment_id);
            c.not_empty("events", &self.events);
            c.each("events", &self.events, |c, event| c.required("status", &event.status));
        })
    }
}

/// X12 AK901 group acknowledgment codes (997 and 999).
const GROUP_STATUSES: &[&str] = &["A", "E", "M", "P", "R", "W", "X"];
/// X12 AK501 / IK501 transaction set acknowledgment codes.
const TRANSACTION_STATUSES: &[&str] = &["A", "E", "M", "R", "W", "X"];

impl Validate for FunctionalAck {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.one_of("ack_kind", &self.ack_kind, &["997", "999"]);
            c.required("functional_id", &self.functional_id);
            c.required("group_control_number", &self.group_control_number);
            c.one_of("group_status", &self.group_status, GROUP_STATUSES);
            if let (Some(received), Some(accepted)) = (self.transactions_received, self.transactions_accepted) {
                if accepted > received {
                    let message = format!("{accepted} transaction sets accepted, only {received} received");
                    c.report("transactions_accepted", rule::COUNTS_CONSISTENT, message);
                }
            }
            c.each("transactions", &self.transactions, |c, tx| {
                c.required("set_id", &tx.set_id);
                c.required("control_number", &tx.control_number);
                c.one_of("status", &tx.status, TRANSACTION_STATUSES);
                c.each("segment_errors", &tx.segment_errors, |c, seg| {
                    c.required("segment_id", &seg.segment_id);
                    c.each("element_errors", &seg.element_errors, |c, elem| {
                        c.required("position", &elem.position);
                        c.required("code", &elem.code);
                    });
                });
            });
        })
    }
}

impl Validate for Return {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("rma_number", &self.rma_number);
            c.required("order_id", &self.order_id);
            c.not_blank("return_to_node", self.return_to_node.as_deref());
            c.not_empty("lines", &self.lines);
            c.each("lines", &self.lines, |c, line| {
                c.required("line_id", &line.line_id);
                c.identified("item", &line.item);
                c.positive("quantity", line.quantity);
                c.required("uom", line.uom.as_str());
            });
        })
    }
}

impl Validate for Document {
    fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Document::SalesOrder(d) => d.validate(),
            Document::PurchaseOrder(d) => d.validate(),
            Document::PurchaseOrderAck(d) => d.validate(),
            Document::ShipNotice(d) => d.validate(),
            Document::Invoice(d) => d.validate(),
            Document::InventoryAdvice(d) => d.validate(),
            Document::FulfillmentRequest(d) => d.validate(),
            Document::FulfillmentUpdate(d) => d.validate(),
            Document::ShipmentStatus(d) => d.validate(),
            Document::FunctionalAck(d) => d.validate(),
            Document::Return(d) => d.validate(),
        }
    }
}

impl<T: Validate> Validate for Envelope<T> {
    fn validate(&self) -> Result<(), ValidationError> {
        Checker::run(|c| {
            c.required("id", &self.id);
            c.required("type", &self.event_type);
            c.required("source", &self.source);
            c.required("subject", &self.subject);
            c.required("correlation_id", &self.correlation_id);
            c.not_blank("causation_id", self.causation_id.as_deref());
            c.required("idempotency_key", &self.idempotency_key);
            c.required("tenant", &self.tenant);
            if self.schema_version != SCHEMA_VERSION {
                let message = format!(
                    "schema version {} is not supported (this build reads {SCHEMA_VERSION})",
                    self.schema_version
                );
                c.report("schema_version", rule::SCHEMA_VERSION_SUPPORTED, message);
            }
            c.nested("data", self.data.validate());
        })
    }
}

/// A document line whose identifier must be unique within its document.
trait Line {
    /// The JSON name of the identifying field.
    const ID: &'static str;
    fn id(&self) -> &str;
}

macro_rules! line_ids {
    ($($line:ty => $field:ident),* $(,)?) => {$(
        impl Line for $line {
            const ID: &'static str = stringify!($field);
            fn id(&self) -> &str {
                &self.$field
            }
        }
    )*};
}

line_ids! {
    OrderLine => line_id,
    PurchaseOrderLine => line_no,
    InvoiceLine => line_no,
    FulfillmentLine => line_no,
}

/// One step down a JSON path: a field name or an array index.
trait Step {
    fn push_onto(self, path: &mut String);
}

impl Step for &str {
    fn push_onto(self, path: &mut String) {
        path.push('.');
        path.push_str(self);
    }
}

impl Step for usize {
    /// `[index]`, digit by digit: every line of every document passes here, and the
    /// formatting machinery costs more than the check it names.
    fn push_onto(self, path: &mut String) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = self;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        path.push('[');
        digits[at..].iter().for_each(|&d| path.push(char::from(d)));
        path.push(']');
    }
}

/// Walks a document keeping the JSON path of the value at hand, and collects violations
/// in the order they are found. Every check names the field it looks at, relative to
/// the current path (`"quantity"`, or `"totals.line_count"` for a nested one).
struct Checker {
    path: String,
    found: Vec<Violation>,
}

impl Checker {
    fn run(check: impl FnOnce(&mut Checker)) -> Result<(), ValidationError> {
        let mut c = Checker { path: "$".to_owned(), found: Vec::new() };
        check(&mut c);
        if c.found.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { violations: c.found })
        }
    }

    /// Runs `check` one step further down the path.
    fn at(&mut self, step: impl Step, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        step.push_onto(&mut self.path);
        check(self);
        self.path.truncate(len);
    }

    /// Runs `check` on every element of the array `field`.
    fn each<'a, T>(&mut self, field: &str, items: &'a [T], mut check: impl FnMut(&mut Self, &'a T)) {
        self.at(field, |c| {
            for (i, item) in items.iter().enumerate() {
                c.at(i, |c| check(c, item));
            }
        });
    }

    /// Runs `check` on the object `field` when it is present.
    fn some<'a, T>(&mut self, field: &str, value: Option<&'a T>, check: impl FnOnce(&mut Self, &'a T)) {
        if let Some(value) = value {
            self.at(field, |c| check(c, value));
        }
    }

    /// Like [`Checker::each`] on `lines`, checking first that each line's id is present and
    /// not used by an earlier line.
    fn lines<'a, T: Line>(&mut self, lines: &'a [T], mut check: impl FnMut(&mut Self, &'a T)) {
        // The index of the line that used an id first: its path is only written out for a
        // duplicate (most documents have none, and a path per line costs an allocation).
        let mut first_use: BTreeMap<&str, usize> = BTreeMap::new();
        let mut index = 0;
        self.each("lines", lines, |c, line| {
            let id = line.id();
            c.required(T::ID, id);
            if !is_blank(id) {
                match first_use.entry(id) {
                    btree_map::Entry::Occupied(first) => {
                        // The current path ends in this line's `[index]`: the first one's
                        // path is the same with its index.
                        let mut path = c.path[..c.path.rfind('[').unwrap_or(c.path.len())].to_owned();
                        (*first.get()).push_onto(&mut path);
                        let message = format!("{id:?} is already used by {path}");
                        c.report(T::ID, rule::UNIQUE, message);
                    }
                    btree_map::Entry::Vacant(slot) => {
                        slot.insert(index);
                    }
                }
            }
            index += 1;
            check(c, line);
        });
    }

    /// Records a violation at the current path.
    fn here(&mut self, rule: &'static str, message: impl Into<String>) {
        let path = self.path.clone();
        self.found.push(Violation { path, rule, message: message.into() });
    }

    /// Records a violation at `field`.
    fn report(&mut self, field: &str, rule: &'static str, message: impl Into<String>) {
        self.at(field, |c| c.here(rule, message));
    }

    /// Takes in the violations of a value validated on its own, moving their paths under `field`.
    fn nested(&mut self, field: &str, result: Result<(), ValidationError>) {
        let Err(error) = result else { return };
        self.at(field, |c| {
            for v in error.violations {
                let path = format!("{}{}", c.path, v.path.strip_prefix('$').unwrap_or(&v.path));
                c.found.push(Violation { path, ..v });
            }
        });
    }

    fn required(&mut self, field: &str, value: &str) {
        if is_blank(value) {
            self.report(field, rule::REQUIRED, "must not be empty");
        }
    }

    fn not_blank(&mut self, field: &str, value: Option<&str>) {
        if value.is_some_and(is_blank) {
            self.report(field, rule::NOT_BLANK, "must not be blank when present");
        }
    }

    fn not_empty<T>(&mut self, field: &str, items: &[T]) {
        if items.is_empty() {
            self.report(field, rule::NOT_EMPTY, "must have at least one entry");
        }
    }

    fn positive(&mut self, field: &str, value: impl Into<Option<Decimal>>) {
        if let Some(v) = value.into().filter(|v| *v <= Decimal::ZERO) {
            self.report(field, rule::QUANTITY_POSITIVE, format!("must be greater than zero, got {v}"));
        }
    }

    fn not_negative(&mut self, field: &str, value: impl Into<Option<Decimal>>) {
        if let Some(v) = value.into().filter(|v| *v < Decimal::ZERO) {
            self.report(field, rule::NOT_NEGATIVE, format!("must not be negative, got {v}"));
        }
    }

    fn currency(&mut self, field: &str, code: Option<&str>) {
        let Some(code) = code else { return };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            let message = format!("must be three uppercase letters (ISO 4217), got {code:?}");
            self.report(field, rule::CURRENCY_CODE, message);
        }
    }

    fn identified(&mut self, field: &str, item: &ItemRef) {
        if !is_identified(item) {
            self.report(field, rule::ITEM_IDENTIFIED, "item has no identifier");
        }
    }

    fn one_of(&mut self, field: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            let message = format!("must be one of {}, got {value:?}", allowed.join(", "));
            self.report(field, rule::ONE_OF, message);
        }
    }

    fn sums_to(&mut self, field: &str, parts: impl IntoIterator<Item = Decimal>, whole: Decimal) {
        // Checked: absurd quantities from a partner must not panic the validator.
        let sum = parts.into_iter().try_fold(Decimal::ZERO, Decimal::checked_add);
        if sum != Some(whole) {
            let sum = sum.map_or_else(|| "more than the largest decimal".to_owned(), |s| s.to_string());
            let message = format!("quantities add up to {sum}, not to the line quantity {whole}");
            self.report(field, rule::DESTINATIONS_SUM_TO_QUANTITY, message);
        }
    }

    fn line_count(&mut self, field: &str, declared: Option<u32>, lines: usize) {
        if let Some(declared) = declared.filter(|&n| usize::try_from(n) != Ok(lines)) {
            let message = format!("declares {declared} lines, the document has {lines}");
            self.report(field, rule::LINE_COUNT_MATCHES, message);
        }
    }
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// True when the item carries at least one non-blank identifier.
fn is_identified(item: &ItemRef) -> bool {
    let ids = [&item.sku, &item.gtin, &item.upc, &item.buyer_part, &item.vendor_part];
    ids.into_iter().any(|id| id.as_deref().is_some_and(|id| !is_blank(id)))
        || item.other_ids.iter().any(|r| !is_blank(&r.value))
}
