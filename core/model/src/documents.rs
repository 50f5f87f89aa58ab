//! Business documents exchanged with trading partners, in canonical form.
//!
//! Dates that partners send without a time zone (most X12 dates) stay `NaiveDate` /
//! `NaiveDateTime`: they are the partner's local time, and Crossdock does not invent an
//! offset for them.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::{Carrier, Charge, Contact, DatedEvent, ItemRef, Party, PaymentTerms, Quantity, Reference, Uom};
use crate::inventory::InventoryAdvice;
use crate::order::SalesOrder;

/// Any canonical business document, tagged by `document_type` in JSON.
// Variants hold documents by value on purpose: connectors build and match them directly,
// and a document is moved a handful of times in its life, so the size gap costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "document_type", rename_all = "snake_case")]
pub enum Document {
    SalesOrder(SalesOrder),
    PurchaseOrder(PurchaseOrder),
    PurchaseOrderAck(PurchaseOrderAck),
    ShipNotice(ShipNotice),
    Invoice(Invoice),
    InventoryAdvice(InventoryAdvice),
    FulfillmentRequest(FulfillmentRequest),
    FulfillmentUpdate(FulfillmentUpdate),
    ShipmentStatus(ShipmentStatus),
    FunctionalAck(FunctionalAck),
    Return(Return),
}

impl Document {
    /// The `document_type` tag, as it appears in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Document::SalesOrder(_) => "sales_order",
            Document::PurchaseOrder(_) => "purchase_order",
            Document::PurchaseOrderAck(_) => "purchase_order_ack",
            Document::ShipNotice(_) => "ship_notice",
            Document::Invoice(_) => "invoice",
            Document::InventoryAdvice(_) => "inventory_advice",
            Document::FulfillmentRequest(_) => "fulfillment_request",
            Document::FulfillmentUpdate(_) => "fulfillment_update",
            Document::ShipmentStatus(_) => "shipment_status",
            Document::FunctionalAck(_) => "functional_ack",
            Document::Return(_) => "return",
        }
    }

    /// The bus event type announcing that this document arrived from a partner.
    pub fn received_event_type(&self) -> &'static str {
        match self {
            Document::SalesOrder(_) => "order.received",
            Document::PurchaseOrder(_) => "po.received",
            Document::PurchaseOrderAck(_) => "po_ack.received",
            Document::ShipNotice(_) => "asn.received",
            Document::Invoice(_) => "invoice.received",
            Document::InventoryAdvice(_) => "inventory.received",
            Document::FulfillmentRequest(_) => "fulfillment_request.received",
            Document::FulfillmentUpdate(_) => "fulfillment_update.received",
            Document::ShipmentStatus(_) => "shipment_status.received",
            Document::FunctionalAck(_) => "ack.received",
            Document::Return(_) => "return.received",
        }
    }

    /// The business key the document is about (its subject on the bus).
    pub fn business_key(&self) -> &str {
        match self {
            Document::SalesOrder(d) => &d.order_id,
            Document::PurchaseOrder(d) => &d.po_number,
            Document::PurchaseOrderAck(d) => &d.po_number,
            Document::ShipNotice(d) => &d.shipment_id,
            Document::Invoice(d) => &d.invoice_number,
            Document::InventoryAdvice(d) => d.advice_id.as_deref().unwrap_or(""),
            Document::FulfillmentRequest(d) => &d.request_id,
            Document::FulfillmentUpdate(d) => &d.request_id,
            Document::ShipmentStatus(d) => &d.shipment_id,
            Document::FunctionalAck(d) => &d.group_control_number,
            Document::Return(d) => &d.rma_number,
        }
    }
}

/// Why a purchase order (or its acknowledgment) was sent: X12 BEG01 / BAK01.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    #[default]
    Original,
    Cancellation,
    Change,
    Replace,
    Confirmation,
    Duplicate,
}

/// A purchase order: X12 850, SAP ORDERS05, NetSuite purchaseOrder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub po_number: String,
    #[serde(default)]
    pub purpose: Purpose,
    /// Kind of order, X12 BEG02 code (`SA` stand-alone, `DS` drop-ship, `BK` blanket, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_to: Option<Party>,
    /// Other parties named by the order (ship-from, carrier, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    pub order_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_ship_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delivery_date: Option<NaiveDate>,
    /// Every other date the order carries, by qualifier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DatedEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<PaymentTerms>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Carrier>,
    /// Freight terms (X12 FOB01: `CC` collect, `PP` prepaid, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fob: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub lines: Vec<PurchaseOrderLine>,
    /// Totals the sender declared (X12 CTT/AMT), kept so they can be checked against the lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_totals: Option<DeclaredTotals>,
    /// The sales order this PO fulfils (drop-ship).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_order_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderLine {
    pub line_no: String,
    pub item: ItemRef,
    pub quantity: Decimal,
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Decimal>,
    /// Price basis, X12 DE 639 (`PE` per each, `CT` contract, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackSpec>,
    /// Store-level split of the quantity (X12 SDQ).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Destination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_ship_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DatedEvent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// How an item is packed (X12 PO4): `pack` inner units of `size` `uom` each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uom: Option<Uom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging_code: Option<String>,
}

/// A destination location and the quantity for it (X12 SDQ pairs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Identification qualifier of the location codes (X12 SDQ02, e.g. `92`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub location: String,
    pub quantity: Decimal,
}

/// Totals a sender declared for checking: line count, hash total of quantities, amount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredTotals {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_total: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
}

/// A supplier's acknowledgment of a purchase order: X12 855, SAP ORDRSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderAck {
    pub po_number: String,
    #[serde(default)]
    pub purpose: Purpose,
    /// X12 BAK02: `AC` accepted with changes, `AD` accepted with detail no change,
    /// `AK` accepted no detail, `RJ` rejected, ...
    pub ack_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_order_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<PurchaseOrderAckLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_totals: Option<DeclaredTotals>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderAckLine {
    pub line_no: String,
    pub item: ItemRef,
    /// Quantity as ordered (PO1), when the ack repeats it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_quantity: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Decimal>,
    /// X12 ACK01 line status (`IA` accepted, `IR` rejected, `IB` backordered, `IQ` quantity changed, ...).
    pub status: String,
    pub quantity: Decimal,
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_date: Option<NaiveDate>,
    /// Scheduled quantities and dates (X12 SCH).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<ScheduledQuantity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledQuantity {
    pub quantity: Decimal,
    pub uom: Uom,
    /// What the date means, X12 DE 374 (`067` current schedule delivery, `002`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub date: NaiveDate,
}

/// An advance ship notice: X12 856, EDIFACT DESADV, SAP DELVRY.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipNotice {
    pub shipment_id: String,
    #[serde(default)]
    pub purpose: Purpose,
    /// Partner-local date and time the goods left (no offset is invented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_delivery: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Carrier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracking_numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_of_lading: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_from: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_weight: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_count: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    pub orders: Vec<ShippedOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedOrder {
    pub po_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Packs (cartons) with their contents. Items shipped without a pack level sit in a
    /// pack whose `sscc` is empty.
    pub packs: Vec<ShippedPack>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedPack {
    /// Serial Shipping Container Code of the carton (X12 MAN*GM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sscc: Option<String>,
    /// The pallet (tare) this pack rides on, by its SSCC or HL id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tare: Option<String>,
    /// Other marks and numbers (X12 MAN with other qualifiers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Reference>,
    pub items: Vec<ShippedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_no: Option<String>,
    pub item: ItemRef,
    pub quantity: Decimal,
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_quantity: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// An invoice: X12 810, EDIFACT INVOIC, NetSuite invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_date: Option<NaiveDate>,
    /// X12 BIG07 transaction type (`DI` debit invoice, `CR` credit memo, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<PaymentTerms>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DatedEvent>,
    pub lines: Vec<InvoiceLine>,
    /// Header allowances and charges (freight, discounts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<Charge>,
    pub totals: InvoiceTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub line_no: String,
    pub item: ItemRef,
    pub quantity: Decimal,
    pub uom: Uom,
    pub unit_price: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<Charge>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotals {
    /// The amount due as the sender declared it (X12 TDS01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Decimal>,
    /// Amount subject to terms discount (X12 TDS02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discountable_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_count: Option<u32>,
}

/// A request to a warehouse or 3PL to ship: X12 940, 3PL JSON APIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentRequest {
    pub request_id: String,
    #[serde(default)]
    pub purpose: Purpose,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Carrier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DatedEvent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub lines: Vec<FulfillmentLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentLine {
    pub line_no: String,
    pub item: ItemRef,
    pub quantity: Decimal,
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// A warehouse or 3PL's report of what it shipped: X12 945, 3PL webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentUpdate {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Carrier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracking_numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    pub lines: Vec<FulfillmentUpdateLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentUpdateLine {
    pub line_no: String,
    pub item: ItemRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_quantity: Option<Decimal>,
    pub shipped_quantity: Decimal,
    pub uom: Uom,
    /// X12 W1201 (`CC` complete, `CP` partial, `BP` backordered, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A carrier's shipment status report: X12 214, carrier tracking webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentStatus {
    /// The carrier's shipment identification (X12 B1002).
    pub shipment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Carrier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    pub events: Vec<StatusEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    /// X12 AT701 status code (`X1` arrived, `D1` delivered, `AF` departed, ...).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<NaiveDateTime>,
    /// Time zone code as sent (X12 AT707), since the time itself has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A functional acknowledgment received from a partner (X12 997 / 999).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionalAck {
    /// `997` or `999`.
    pub ack_kind: String,
    /// The acknowledged group's functional identifier (AK101) and control number (AK102).
    pub functional_id: String,
    pub group_control_number: String,
    /// Group disposition, X12 AK901 (`A`, `E`, `P`, `R`, `M`, `W`, `X`).
    pub group_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions_included: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions_received: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions_accepted: Option<u32>,
    /// Group-level error codes (AK905..AK909).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_errors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<AckedTransaction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckedTransaction {
    pub set_id: String,
    pub control_number: String,
    /// X12 AK501 / IK501 (`A`, `E`, `M`, `R`, `W`, `X`).
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_errors: Vec<AckedSegmentError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckedSegmentError {
    pub segment_id: String,
    pub position: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_errors: Vec<AckedElementError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckedElementError {
    /// Position of the element in the segment (AK401), with component and repetition when given.
    pub position: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<String>,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_value: Option<String>,
}

/// A return authorisation (RMA) against shipped lines of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub rma_number: String,
    pub order_id: String,
    pub requested_at: DateTime<FixedOffset>,
    /// The node that receives the goods (any node: buy anywhere, return anywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to_node: Option<String>,
    pub lines: Vec<ReturnLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub line_id: String,
    pub item: ItemRef,
    pub quantity: Decimal,
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happens to the goods once received: `restock`, `damaged`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
}

/// The outcome of reconciling one purchase order line against ship notices and invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResult {
    pub po_number: String,
    pub line_no: String,
    pub status: MatchStatus,
    pub ordered_quantity: Decimal,
    pub shipped_quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_quantity: Option<Decimal>,
    pub invoiced_quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_unit_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoiced_unit_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Matched,
    WithinTolerance,
    Exception,
}
