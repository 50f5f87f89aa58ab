//! The broker as the runtime's handler: canonical messages in, broker outputs out.
//!
//! Deterministic, like the broker it wraps: everything it decides comes from the message,
//! the configuration and `now`, so the runtime can rebuild it by replaying its inbox.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use crossdock_broker::{Broker, Input, OrderRequest, Output};
use crossdock_matching::{status_name, MatchEvent, Reconciliation};
use crossdock_model::{
    Document, Envelope, Fulfillment, LineStatus, Money, OrderLine, OrderStatus, PurchaseOrder, Reference, SalesOrder,
};
use crossdock_runtime::{Handler, HandlerError, Produced};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{HubConfig, MatchingPolicies};
use crate::expectations::Expectations;
use crate::threads::{normalized, Direction, Entry, Threads, Warning};

/// A message whose data is a broker [`Input`] as JSON: commands from operators, the API
/// and the hub's own flows (cancellations, receipts, replenishment orders, batches).
pub const BROKER_INPUT: &str = "broker.input";

/// The sales channel of orders that customers send as X12 850s.
pub const B2B_CHANNEL: &str = "b2b";

/// An inbound X12 file, archived as received: its raw bytes and the interchanges in it.
/// The handler answers each interchange with `interchange.accepted` or
/// `interchange.duplicate`; only accepted ones are to be submitted.
pub const X12_RECEIVED: &str = "x12.received";

/// A partner document went out (its bytes are in the `documents` table).
pub const DOCUMENT_SENT: &str = "document.sent";

/// Time passed: deadlines are checked against the `now` the runtime hands over.
pub const CLOCK_TICK: &str = "clock.tick";

/// A person accepts a match exception: [`MatchOverride`].
pub const MATCH_OVERRIDE: &str = "match.override";

/// Goods received against a purchase order: a [`crossdock_matching::Receipt`].
pub const RECEIPT_RECEIVED: &str = "receipt.received";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct X12Received {
    /// SHA-256 of `raw`, lowercase hex.
    pub sha256: String,
    /// The file as received (X12 is text; bytes that are not UTF-8 are replaced).
    pub raw: String,
    pub interchanges: Vec<InterchangeId>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InterchangeId {
    /// `ISA05/ISA06`.
    pub sender: String,
    /// ISA13 as sent.
    pub control_number: String,
}

/// What the hub made of one inbound interchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterchangeVerdict {
    #[serde(flatten)]
    pub interchange: InterchangeId,
    pub duplicate: bool,
    /// When the control number was first seen, if it was (a reuse after the window is
    /// accepted, with this set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSent {
    /// The outbox message the document answers (the `documents` row id).
    pub message_id: String,
    pub partner: String,
    pub kind: String,
    pub business_key: String,
    pub content_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interchange_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_control: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOverride {
    pub po_number: String,
    pub line_no: String,
    pub by: String,
    pub reason: String,
}

pub struct BrokerHandler {
    broker: Broker,
    /// X12 interchange sender id -> the node its partner operates (for 846s, which name
    /// the partner, not the node).
    sender_nodes: BTreeMap<String, String>,
    /// Node id -> the trading partner that operates it.
    node_partners: BTreeMap<String, String>,
    /// X12 interchange sender id -> its partner id.
    sender_partners: BTreeMap<String, String>,
    expectations: Expectations,
    policies: MatchingPolicies,
    threads: Threads,
    /// One three-way match per drop-ship PO, by PO number.
    matches: BTreeMap<String, Reconciliation>,
    /// Interchanges seen within the duplicate window: when, and the file's SHA-256.
    seen: BTreeMap<(String, String), (DateTime<FixedOffset>, String)>,
}

impl BrokerHandler {
    pub fn new(config: &HubConfig) -> Self {
        let sender_nodes = config
            .partners
            .iter()
            .filter_map(|p| Some((p.their_id.clone(), config.node_of_partner(&p.id)?.node_id.clone())))
            .collect();
        BrokerHandler {
            broker: Broker::new(config.nodes.clone(), config.rules.clone()),
            sender_nodes,
            node_partners: config
                .nodes
                .iter()
                .filter_map(|n| Some((n.node_id.clone(), n.partner_id.clone()?)))
                .collect(),
            sender_partners: config.partners.iter().map(|p| (p.their_id.clone(), p.id.clone())).collect(),
            expectations: config.expectations.clone(),
            policies: config.matching.clone(),
            threads: Threads::default(),
            matches: BTreeMap::new(),
            seen: BTreeMap::new(),
        }
    }

    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    pub fn threads(&self) -> &Threads {
        &self.threads
    }

    /// The three-way match of a drop-ship PO, as documents have arrived so far.
    pub fn reconciliation(&self, po_number: &str) -> Option<&Reconciliation> {
        self.matches.get(po_number)
    }

    /// A dry run: the sourcing decision this order would get now, committing nothing.
    pub fn preview(
        &mut self,
        order: &OrderRequest,
        now: DateTime<FixedOffset>,
    ) -> Result<crossdock_broker::Decision, String> {
        self.broker.preview(order, now)
    }

    /// What the broker is to be told, if anything: documents the broker has no part in
    /// yet (invoices, functional acknowledgments) are kept in the inbox and nothing more.
    fn input(&self, m: &Envelope<Value>) -> Result<(Option<Input>, Option<Document>), HandlerError> {
        if m.event_type == BROKER_INPUT {
            return serde_json::from_value(m.data.clone())
                .map(|input| (Some(input), None))
                .map_err(|e| HandlerError::new(format!("{}: not a broker input: {e}", m.id)));
        }
        // An order may come as a bare sales order or with the ship-to's coordinates.
        if m.event_type == "order.received" {
            if let Ok(request) = serde_json::from_value::<OrderRequest>(m.data.clone()) {
                return Ok((Some(Input::Order(request)), None));
            }
        }
        let doc: Document = serde_json::from_value(m.data.clone())
            .map_err(|e| HandlerError::new(format!("{}: {} is not a canonical document: {e}", m.id, m.event_type)))?;
        let input = match doc.clone() {
            Document::SalesOrder(order) => Some(Input::Order(order.into())),
            Document::PurchaseOrder(po) => {
                Some(Input::Order(sales_order_from_customer_po(po, &m.source, m.time).into()))
            }
            Document::InventoryAdvice(mut advice) => {
                if advice.node_id.is_none() {
                    advice.node_id = self.sender_nodes.get(sender_id(&m.source)).cloned();
                }
                Some(Input::Advice(advice))
            }
            Document::PurchaseOrderAck(ack) => Some(Input::PoAck(ack)),
            Document::ShipNotice(notice) => Some(Input::ShipNotice(notice)),
            Document::FulfillmentUpdate(update) => Some(Input::Fulfillment(update)),
            Document::ShipmentStatus(status) => Some(Input::Status(status)),
            Document::Return(rma) => Some(Input::Return(rma)),
            Document::Invoice(_) | Document::FunctionalAck(_) | Document::FulfillmentRequest(_) => None,
        };
        Ok((input, Some(doc)))
    }

    /// Each interchange of an inbound file: new, a reuse of its control number after the
    /// window, or a duplicate (the same sender and ISA13 within the window).
    fn interchanges(&mut self, m: &Envelope<Value>, now: DateTime<FixedOffset>) -> Result<Vec<Produced>, HandlerError> {
        let file: X12Received = parse(m)?;
        let window = self.expectations.duplicate_window();
        let mut out = Vec::new();
        for ic in &file.interchanges {
            let key = (ic.sender.clone(), normalized(&ic.control_number));
            let first_seen = self.seen.get(&key).map(|(at, _)| *at);
            let duplicate = first_seen.is_some_and(|at| at + window >= now);
            if !duplicate {
                self.seen.insert(key, (now, file.sha256.clone()));
            }
            let ic = ic.clone();
            let event = if duplicate { "interchange.duplicate" } else { "interchange.accepted" };
            let subject = format!("{}:{}", ic.sender, ic.control_number);
            let verdict = InterchangeVerdict { interchange: ic, duplicate, first_seen };
            out.push(Produced::new(event, subject, json(&verdict)?));
        }
        // Forget what the window no longer covers, but not this file's interchanges.
        self.seen.retain(|_, (at, sha)| *at + window >= now || *sha == file.sha256);
        Ok(out)
    }

    /// An 850 went out: its bytes' hash and control numbers join the PO's thread.
    fn sent(&mut self, m: &Envelope<Value>, now: DateTime<FixedOffset>) -> Result<Vec<Produced>, HandlerError> {
        let sent: DocumentSent = parse(m)?;
        if !self.threads.contains(&sent.business_key) {
            return Ok(Vec::new());
        }
        if let Some(group) = &sent.group_control {
            self.threads.sent_in_group(&sent.partner, group, &sent.business_key);
        }
        let controls = [("ISA13", &sent.interchange_control), ("GS06", &sent.group_control)];
        let key = controls.iter().filter_map(|(n, v)| Some(format!("{n} {}", v.as_ref()?))).collect::<Vec<_>>();
        let entry = Entry {
            at: now,
            direction: Direction::Sent,
            document: sent.kind.rsplit('/').next().unwrap_or(&sent.kind).into(),
            key: key.join(" "),
            state: format!("sent to {}", sent.partner),
            content_hash: Some(sent.content_hash),
            message_id: Some(sent.message_id),
        };
        warnings(self.threads.record(&sent.business_key, entry, &self.expectations))
    }

    /// A person accepts a line's exceptions; refused (as an event) when there are none.
    fn override_line(
        &mut self,
        m: &Envelope<Value>,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<Produced>, HandlerError> {
        let o: MatchOverride = parse(m)?;
        let result = match self.matches.get_mut(&o.po_number) {
            Some(r) => r.override_line(&o.line_no, &o.by, &o.reason, now).map_err(|e| e.to_string()),
            None => Err(format!("no three-way match for purchase order {}", o.po_number)),
        };
        match result {
            Ok(event) => {
                let entry = self.hub_entry(now, "match", format!("line {}", o.line_no), {
                    format!("overridden by {}: {}", o.by, o.reason)
                });
                let mut out = vec![match_event(&event)?];
                out.extend(warnings(self.threads.record(&o.po_number, entry, &self.expectations))?);
                Ok(out)
            }
            Err(reason) => {
                let data = serde_json::json!({ "override": o, "reason": reason });
                Ok(vec![Produced::new("match.override_rejected", o.po_number.clone(), data)])
            }
        }
    }

    fn hub_entry(&self, at: DateTime<FixedOffset>, document: &str, key: String, state: String) -> Entry {
        Entry {
            at,
            direction: Direction::Hub,
            document: document.into(),
            key,
            state,
            content_hash: None,
            message_id: None,
        }
    }

    /// A document that arrived joins its PO's thread and, for 856s, receipts and 810s,
    /// its three-way match.
    fn follow(
        &mut self,
        doc: Document,
        m: &Envelope<Value>,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<Produced>, HandlerError> {
        let partner = self.sender_partners.get(sender_id(&m.source)).cloned();
        let received = |document: &str, key: String, state: String| Entry {
            at: now,
            direction: Direction::Received,
            document: document.into(),
            key,
            state,
            content_hash: self.archived_hash(&m.id),
            message_id: Some(m.id.clone()),
        };
        // (PO, thread entry, what it adds to the match)
        let mut arrivals: Vec<(String, Entry, Option<MatchInput>)> = Vec::new();
        match doc {
            Document::PurchaseOrderAck(ack) => {
                let statuses: std::collections::BTreeSet<&str> = ack.lines.iter().map(|l| l.status.as_str()).collect();
                let state = format!(
                    "{} ({} lines: {})",
                    ack.ack_type,
                    ack.lines.len(),
                    statuses.into_iter().collect::<Vec<_>>().join(", ")
                );
                let key = ack.seller_order_number.clone().unwrap_or_else(|| ack.po_number.clone());
                arrivals.push((ack.po_number.clone(), received("855", key, state), None));
            }
            Document::ShipNotice(notice) => {
                for order in &notice.orders {
                    let units: rust_decimal::Decimal =
                        order.packs.iter().flat_map(|p| p.items.iter().map(|i| i.quantity)).sum();
                    let state = format!("shipped {units} units, tracking {}", notice.tracking_numbers.join(" "));
                    let entry = received("856", notice.shipment_id.clone(), state);
                    arrivals.push((order.po_number.clone(), entry, Some(MatchInput::Ship(notice.clone()))));
                }
            }
            Document::Invoice(invoice) => {
                if let Some(po) = invoice.po_number.clone() {
                    let total = invoice.totals.total_amount.map_or("no total".into(), |t| format!("total {t}"));
                    let state = format!("{} lines, {total}", invoice.lines.len());
                    let entry = received("810", invoice.invoice_number.clone(), state);
                    arrivals.push((po, entry, Some(MatchInput::Invoice(invoice))));
                }
            }
            Document::FunctionalAck(ack) => {
                let po = partner.as_deref().and_then(|p| self.threads.po_of_group(p, &ack.group_control_number));
                if let Some(po) = po {
                    let key = format!("AK1 {} {}", ack.functional_id, ack.group_control_number);
                    let state = format!("{} group {} (AK9)", ack.ack_kind, ack.group_status);
                    // A 999 answers where a 997 is expected.
                    arrivals.push((po.to_string(), received("997", key, state), None));
                }
            }
            _ => {}
        }
        let mut out = Vec::new();
        for (po, entry, input) in arrivals {
            if !self.threads.contains(&po) {
                continue;
            }
            out.extend(warnings(self.threads.record(&po, entry, &self.expectations))?);
            if let Some(input) = input {
                out.extend(self.match_document(&po, input, now)?);
            }
        }
        Ok(out)
    }

    /// Adds a document to a PO's three-way match; its events go out and the line
    /// results join the thread.
    fn match_document(
        &mut self,
        po: &str,
        input: MatchInput,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<Produced>, HandlerError> {
        let Some(r) = self.matches.get_mut(po) else { return Ok(Vec::new()) };
        let events = match input {
            MatchInput::Ship(n) => r.add_ship_notice(n),
            MatchInput::Receipt(rc) => r.add_receipt(rc),
            MatchInput::Invoice(i) => r.add_invoice(i),
        }
        .map_err(|e| HandlerError::new(e.to_string()))?;
        let summary = r
            .results()
            .iter()
            .map(|l| {
                let mut s = format!("line {} {}", l.line_no(), status_name(l.status()));
                if !l.result.reasons.is_empty() {
                    s.push_str(&format!(" ({})", l.result.reasons.join(", ")));
                }
                for a in &l.awaiting {
                    s.push_str(&format!(", awaiting {}", format!("{a:?}").to_lowercase()));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut out = events.iter().map(match_event).collect::<Result<Vec<_>, _>>()?;
        let entry = self.hub_entry(now, "match", po.to_string(), summary);
        out.extend(warnings(self.threads.record(po, entry, &self.expectations))?);
        Ok(out)
    }

    /// The SHA-256 of the file an X12 document came in, from its envelope id
    /// (`x12:QUAL/SENDER:ISA13:GS06:ST02`).
    fn archived_hash(&self, envelope_id: &str) -> Option<String> {
        let mut parts = envelope_id.strip_prefix("x12:")?.split(':');
        let (sender, isa13) = (parts.next()?, parts.next()?);
        self.seen.get(&(sender.to_string(), normalized(isa13))).map(|(_, h)| h.clone())
    }

    /// The broker's view: its input, its outputs; a drop-ship PO opens a thread and a
    /// three-way match.
    fn broker_outputs(
        &mut self,
        m: &Envelope<Value>,
        input: Input,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<Produced>, HandlerError> {
        let outputs = self.broker.handle(input, now);
        let mut out = Vec::with_capacity(outputs.len());
        for (i, output) in outputs.into_iter().enumerate() {
            out.push(Produced::new(output.event_type(), output.subject(), json(&output)?));
            if let Output::PoIssued { partner_id, po, node_id } = output {
                // Changes and cancellations belong to the thread already open.
                if self.matches.contains_key(&po.po_number) {
                    continue;
                }
                let partner = partner_id.or_else(|| self.node_partner(&node_id));
                // The outbox id the runtime derives, so the thread points at the 850's row.
                self.threads.open(&po, partner.clone(), now, &format!("{}#{i}", m.id));
                let policy = self.policies.for_partner(partner.as_deref()).clone();
                self.matches.insert(po.po_number.clone(), Reconciliation::new(po, policy));
            }
        }
        Ok(out)
    }

    fn node_partner(&self, node_id: &str) -> Option<String> {
        self.node_partners.get(node_id).cloned()
    }
}

#[allow(clippy::large_enum_variant)] // one at a time, straight into the match
enum MatchInput {
    Ship(crossdock_model::ShipNotice),
    Receipt(crossdock_matching::Receipt),
    Invoice(crossdock_model::Invoice),
}

impl Handler for BrokerHandler {
    fn handle(&mut self, m: &Envelope<Value>, now: DateTime<FixedOffset>) -> Result<Vec<Produced>, HandlerError> {
        match m.event_type.as_str() {
            X12_RECEIVED => return self.interchanges(m, now),
            DOCUMENT_SENT => return self.sent(m, now),
            MATCH_OVERRIDE => return self.override_line(m, now),
            CLOCK_TICK => {
                return warnings(self.threads.overdue(now, &self.expectations));
            }
            RECEIPT_RECEIVED => {
                let receipt: crossdock_matching::Receipt = parse(m)?;
                let po = receipt.po_number.clone();
                if !self.threads.contains(&po) {
                    return Ok(Vec::new());
                }
                let units: rust_decimal::Decimal = receipt.lines.iter().map(|l| l.quantity).sum();
                let entry = Entry {
                    at: now,
                    direction: Direction::Received,
                    document: "receipt".into(),
                    key: receipt.receipt_id.clone(),
                    state: format!("received {units} units"),
                    content_hash: None,
                    message_id: Some(m.id.clone()),
                };
                let mut out = warnings(self.threads.record(&po, entry, &self.expectations))?;
                out.extend(self.match_document(&po, MatchInput::Receipt(receipt), now)?);
                return Ok(out);
            }
            _ => {}
        }
        let (input, doc) = self.input(m)?;
        let mut out = match input {
            Some(input) => self.broker_outputs(m, input, now)?,
            None => Vec::new(),
        };
        if let Some(doc) = doc {
            out.extend(self.follow(doc, m, now)?);
        }
        Ok(out)
    }

    fn source(&self) -> &str {
        "crossdock/broker"
    }
}

fn parse<T: serde::de::DeserializeOwned>(m: &Envelope<Value>) -> Result<T, HandlerError> {
    serde_json::from_value(m.data.clone())
        .map_err(|e| HandlerError::new(format!("{}: not a {}: {e}", m.id, m.event_type)))
}

fn json<T: Serialize>(value: &T) -> Result<Value, HandlerError> {
    serde_json::to_value(value).map_err(|e| HandlerError::new(e.to_string()))
}

fn match_event(event: &MatchEvent) -> Result<Produced, HandlerError> {
    let po = match event {
        MatchEvent::Exception { po_number, .. }
        | MatchEvent::Cleared { po_number, .. }
        | MatchEvent::Overridden { po_number, .. } => po_number.clone(),
    };
    Ok(Produced::new(event.event_type(), po, json(event)?))
}

fn warnings(warnings: Vec<Warning>) -> Result<Vec<Produced>, HandlerError> {
    warnings.iter().map(|w| Ok(Produced::new(w.event_type(), w.po_number.clone(), json(w)?))).collect()
}

/// `x12/SENDER` -> `SENDER`.
fn sender_id(source: &str) -> &str {
    source.rsplit('/').next().unwrap_or(source)
}

/// A customer's purchase order is a sales order to us. Its vendor part numbers are our
/// SKUs; the order id joins the sender and the PO number, which is unique per customer.
pub fn sales_order_from_customer_po(po: PurchaseOrder, source: &str, placed_at: DateTime<FixedOffset>) -> SalesOrder {
    let customer = sender_id(source);
    let currency = po.currency.clone();
    let lines = po
        .lines
        .into_iter()
        .map(|l| {
            let mut item = l.item;
            if item.sku.is_none() {
                item.sku = item.vendor_part.clone();
            }
            OrderLine {
                line_id: l.line_no,
                item,
                quantity: l.quantity,
                uom: l.uom,
                unit_price: l.unit_price.map(|amount| Money { amount, currency: currency.clone() }),
                fulfillment: Fulfillment::Ship,
                allow_substitution: false,
                substitutes: Vec::new(),
                status: LineStatus::Received,
            }
        })
        .collect();
    let mut references = po.references;
    references.insert(0, Reference { qualifier: "PO".into(), value: po.po_number.clone(), description: None });
    SalesOrder {
        order_id: format!("{customer}-{}", po.po_number),
        channel: B2B_CHANNEL.into(),
        external_id: Some(po.po_number),
        customer: po.buyer.or_else(|| po.bill_to.clone()),
        ship_to: po.ship_to,
        bill_to: po.bill_to,
        placed_at,
        service_level: po.carrier.and_then(|c| c.service_level),
        currency,
        priority: 0,
        lines,
        status: OrderStatus::Received,
        references,
    }
}
