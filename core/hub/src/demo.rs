//! The demo story, on the embedded default: a fresh SQLite data directory, the broker on
//! the runtime, the X12 connector at the edges, and partners played by the demo itself.
//!
//! 1. The network reports its stock: our nodes' feeds, two suppliers' 846s, a
//!    replenishment PO on order.
//! 2. Orders arrive and are sourced, each decision explained: Shopify-shaped orders, a
//!    BOPIS order, one that must split, one that backorders against on-order stock, a
//!    drop-ship order, a 3PL order, a retail customer's X12 850, and two orders wanting
//!    the same constrained stock.
//! 3. The documents go out: 850s to drop-ship suppliers, a 940 to the 3PL, fulfilment
//!    requests to our DCs and stores, 997s for what came in.
//!    Suppliers answer each 850 with a 997 at once.
//! 4. Partners answer: a day later the hub notices the 855s are overdue (a tick of the
//!    demo clock); each supplier then sends its 855, 856 and 810, and the three-way match
//!    runs as they arrive; the 3PL sends its 945.
//! 5. Where every order line stands, and the ATP that is left.
//! 6. Each drop-ship PO's match result and document thread.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use crossdock_broker::{AtpQuery, Input, Output};
use crossdock_model::{
    Carrier, Document, Envelope, FulfillmentRequest, FulfillmentUpdate, FulfillmentUpdateLine, Invoice, InvoiceLine,
    InvoiceTotals, NodeKind, PurchaseOrder, PurchaseOrderAck, PurchaseOrderAckLine, ShipNotice, ShippedItem,
    ShippedOrder, ShippedPack, SCHEMA_VERSION,
};
use crossdock_runtime::{Bus, Clock, ManualClock, Runtime, SqliteStore, Store, Submitted};
use crossdock_x12::control::{ControlError, ControlKind, ControlNumbers, FileControlNumbers};
use crossdock_x12::{AckKind, PartnerProfile};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::config::{expectations, partner, policy, HubConfig};
use crate::handler::{BrokerHandler, BROKER_INPUT, CLOCK_TICK};
use crate::intake;
use crate::outbound::PartnerDocuments;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const NODES: &str = include_str!("../../../config/demo/nodes.toml");
const RULES: &str = include_str!("../../../config/sourcing/default.toml");
const PARTNERS: [(&str, &str); 4] = [
    ("acme-supplier.toml", include_str!("../../../config/demo/partners/acme-supplier.toml")),
    ("river-outfitters.toml", include_str!("../../../config/demo/partners/river-outfitters.toml")),
    ("south-3pl.toml", include_str!("../../../config/demo/partners/south-3pl.toml")),
    ("bigbox-retail.toml", include_str!("../../../config/demo/partners/bigbox-retail.toml")),
];
const INVENTORY: &str = include_str!("../../../config/demo/inventory.jsonl");
const SUPPLIER_846S: [(&str, &[u8]); 2] = [
    ("846-acme-supply.edi", include_bytes!("../../../config/demo/x12/846-acme-supply.edi")),
    ("846-river-outfitters.edi", include_bytes!("../../../config/demo/x12/846-river-outfitters.edi")),
];
const REPLENISHMENT_PO: &str = include_str!("../../../config/demo/replenishment-po.json");
const ORDERS: &str = include_str!("../../../config/demo/orders.jsonl");
const CUSTOMER_850: (&str, &[u8]) =
    ("850-bigbox-retail.edi", include_bytes!("../../../config/demo/x12/850-bigbox-retail.edi"));
const CONSTRAINED: &str = include_str!("../../../config/demo/constrained.jsonl");
const EXPECTATIONS: &str = include_str!("../../../config/demo/expectations.toml");
const MATCHING: &str = include_str!("../../../config/matching/default.toml");

/// The demo's configuration, from the files bundled in the binary.
pub fn config() -> Result<HubConfig> {
    let partners =
        PARTNERS.iter().map(|(name, text)| partner(Path::new(name), text)).collect::<std::result::Result<_, _>>()?;
    let mut config = HubConfig::from_texts(
        "demo",
        (Path::new("config/demo/nodes.toml"), NODES),
        (Path::new("config/sourcing/default.toml"), RULES),
        partners,
    )?;
    config.expectations = expectations(Path::new("config/demo/expectations.toml"), EXPECTATIONS)?;
    config.matching.default = policy(Path::new("config/matching/default.toml"), MATCHING)?;
    Ok(config)
}

/// Runs the story in `<data_dir>/demo` (made afresh) and returns what happened, for people.
pub async fn run(data_dir: &Path) -> Result<String> {
    let dir = data_dir.join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let config = config()?;
    let start = at("2026-11-21T08:55:00-05:00")?;
    let clock = Arc::new(ManualClock::new(start));
    let store = SqliteStore::open(dir.join("crossdock.db")).await?;
    let runtime = Arc::new(Runtime::open_with_clock(store.clone(), BrokerHandler::new(&config), clock.clone()).await?);
    let numbers = FileControlNumbers::open(dir.join("control-numbers"))?;
    let documents =
        PartnerDocuments::new(store.clone(), clock.clone(), &config, Box::new(numbers), dir.join("outbound"))
            .reporting_to(runtime.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bus: Bus<SqliteStore> = runtime.bus().subscribe(Arc::new(documents));
    let bus = tokio::spawn(bus.run(async move {
        let _ = stopped.await;
    }));
    let mut story = Story {
        runtime,
        clock,
        config,
        dir: dir.clone(),
        text: String::new(),
        issued: Vec::new(),
        drop_ship: Vec::new(),
        seq: 0,
    };

    story.stock().await?;
    story.orders().await?;
    story.drain(&store).await?;
    story.documents_out()?;
    story.functional_acks(&store).await?;
    story.partners_answer().await?;
    story.drain(&store).await?;
    story.standing().await?;
    story.threads(&store).await?;
    let _ = stop.send(());
    bus.await??;
    writeln!(story.text, "\nEverything the hub wrote is in {} (crossdock.db, outbound/).", dir.display())?;
    Ok(story.text)
}

struct Story {
    runtime: Arc<Runtime<SqliteStore, BrokerHandler>>,
    clock: Arc<ManualClock>,
    config: HubConfig,
    dir: std::path::PathBuf,
    text: String,
    /// Drop-ship POs and fulfilment requests issued, to answer as the partners would.
    issued: Vec<Output>,
    /// (partner, PO number) of every drop-ship PO, in PO order.
    drop_ship: Vec<(String, String)>,
    seq: u32,
}

impl Story {
    async fn stock(&mut self) -> Result<()> {
        writeln!(self.text, "1. The network reports its stock")?;
        let kinds = self.config.nodes.iter().map(|n| format!("{} ({:?})", n.node_id, n.kind).to_lowercase());
        writeln!(self.text, "  Nodes: {}", kinds.collect::<Vec<_>>().join(", "))?;
        for line in INVENTORY.lines().filter(|l| !l.trim().is_empty()) {
            let data: Value = serde_json::from_str(line)?;
            let outputs = self.submit("inventory.received", "wms", data).await?;
            self.say_outputs(&outputs)?;
        }
        for (name, bytes) in SUPPLIER_846S {
            writeln!(self.text, "  {name} (X12 846 from a drop-ship supplier):")?;
            self.x12_in(name, bytes).await?;
        }
        let po: Value = serde_json::from_str(REPLENISHMENT_PO)?;
        let input = serde_json::to_value(Input::PurchaseOrder(serde_json::from_value(po)?))?;
        writeln!(self.text, "  Replenishment PO RPO-5001: 20 x TENT-2P on order for DC-EAST, due 2026-11-27")?;
        let outputs = self.submit(BROKER_INPUT, "erp", input).await?;
        self.say_outputs(&outputs)?;
        Ok(())
    }

    async fn orders(&mut self) -> Result<()> {
        writeln!(self.text, "\n2. Orders arrive and are sourced")?;
        for line in ORDERS.lines().filter(|l| !l.trim().is_empty()) {
            let entry: Value = serde_json::from_str(line)?;
            let placed = entry["request"]["sales_order"]["placed_at"].as_str().unwrap_or_default();
            self.clock.set(at(placed)?);
            writeln!(self.text, "\n  {}", entry["story"].as_str().unwrap_or_default())?;
            let outputs = self.submit("order.received", "shopify", entry["request"].clone()).await?;
            self.say_outputs(&outputs)?;
        }
        writeln!(self.text, "\n  A retail customer's X12 850 ({}):", CUSTOMER_850.0)?;
        self.clock.set(at("2026-11-21T10:05:00-05:00")?);
        self.x12_in(CUSTOMER_850.0, CUSTOMER_850.1).await?;

        writeln!(self.text, "\n  Two orders arrive together for the last tents; the higher priority is served first:")?;
        let mut batch = Vec::new();
        for line in CONSTRAINED.lines().filter(|l| !l.trim().is_empty()) {
            let entry: Value = serde_json::from_str(line)?;
            writeln!(self.text, "    {}", entry["story"].as_str().unwrap_or_default())?;
            batch.push(serde_json::from_value(entry["request"].clone())?);
        }
        self.clock.set(at("2026-11-21T10:15:00-05:00")?);
        let outputs = self.submit(BROKER_INPUT, "shopify", serde_json::to_value(Input::OrderBatch(batch))?).await?;
        self.say_outputs(&outputs)?;
        Ok(())
    }

    fn documents_out(&mut self) -> Result<()> {
        writeln!(self.text, "\n3. The documents go out (files under outbound/, archived in the store)")?;
        let outbound = self.dir.join("outbound");
        let mut files = Vec::new();
        for entry in walk(&outbound)? {
            files.push(entry.strip_prefix(&outbound)?.display().to_string());
        }
        files.sort();
        for f in files {
            writeln!(self.text, "  {f}")?;
        }
        Ok(())
    }

    /// Each supplier acknowledges the 850 it got, as it would: the 997 of those bytes.
    async fn functional_acks(&mut self, store: &SqliteStore) -> Result<()> {
        self.clock.set(at("2026-11-21T10:45:00-05:00")?);
        self.drop_ship = self.drop_ship_pos();
        for (partner_id, po_number) in self.drop_ship.clone() {
            let Some(profile) = self.config.partner(&partner_id).cloned() else { continue };
            let Some(sent) = self.sent_850(store, &po_number).await? else { continue };
            let numbers = FileControlNumbers::open(self.dir.join("partner-control-numbers"))?;
            // The partner's own sequence, the one its other documents are numbered from.
            let mut numbers = Sequence(numbers, simulated(&profile));
            let now = self.clock.now().naive_utc();
            let kind = if profile.ack == "999" { AckKind::Ack999 } else { AckKind::Ack997 };
            for (i, ack) in
                crossdock_x12::acknowledge(sent.as_slice(), kind, &mut numbers, now)?.into_iter().enumerate()
            {
                writeln!(self.text, "  {partner_id} acknowledges PO {po_number} with a 997:")?;
                let name = format!("from-{partner_id}-{po_number}-997-{i}.edi");
                std::fs::create_dir_all(self.dir.join("inbound"))?;
                std::fs::write(self.dir.join("inbound").join(&name), &ack.x12)?;
                self.x12_in(&name, &ack.x12).await?;
            }
        }
        Ok(())
    }

    /// (partner, PO number) of every drop-ship PO issued so far, in PO order.
    fn drop_ship_pos(&self) -> Vec<(String, String)> {
        let mut pos: Vec<(String, String)> = self
            .issued
            .iter()
            .filter_map(|o| match o {
                Output::PoIssued { partner_id: Some(p), po, .. } => Some((p.clone(), po.po_number.clone())),
                _ => None,
            })
            .collect();
        pos.sort_by(|a, b| a.1.cmp(&b.1));
        pos
    }

    /// The bytes of the 850 sent for a PO, from the archive its thread points at.
    async fn sent_850(&self, store: &SqliteStore, po_number: &str) -> Result<Option<Vec<u8>>> {
        let po = po_number.to_string();
        let id = self
            .runtime
            .inspect(move |h| h.threads().get(&po).and_then(|t| t.entries.first()).and_then(|e| e.message_id.clone()))
            .await;
        let Some(id) = id else { return Ok(None) };
        Ok(store.document(&id).await?.map(|d| d.document.bytes))
    }

    async fn partners_answer(&mut self) -> Result<()> {
        writeln!(self.text, "\n4. Partners answer")?;
        self.clock.set(at("2026-11-22T14:00:00-05:00")?);
        writeln!(self.text, "  A day later (clock.tick at {}), the hub checks what partners owe:", self.clock.now())?;
        self.submit(CLOCK_TICK, "clock", Value::Null).await?;
        self.clock.set(at("2026-11-22T16:30:00-05:00")?);
        for out in std::mem::take(&mut self.issued) {
            match out {
                Output::PoIssued { partner_id: Some(partner_id), po, .. } => {
                    let Some(profile) = self.config.partner(&partner_id).cloned() else { continue };
                    writeln!(
                        self.text,
                        "  {} answers PO {} with an 855, an 856 and an 810:",
                        partner_id, po.po_number
                    )?;
                    let docs = supplier_answers(&po, self.clock.now());
                    let bytes = as_partner(&profile, &docs, self.clock.now().naive_utc(), &self.dir)?;
                    let name = format!("from-{partner_id}-{}.edi", po.po_number);
                    std::fs::create_dir_all(self.dir.join("inbound"))?;
                    std::fs::write(self.dir.join("inbound").join(&name), &bytes)?;
                    self.x12_in(&name, &bytes).await?;
                }
                Output::FulfillmentRequested { node_id, request } => {
                    let node = self.config.nodes.iter().find(|n| n.node_id == node_id);
                    let update = shipped(&request, self.clock.now());
                    match node.and_then(|n| Some((n.kind, self.config.partner(n.partner_id.as_deref()?)?.clone()))) {
                        // A 3PL that trades X12 confirms with a 945.
                        Some((_, profile)) => {
                            writeln!(
                                self.text,
                                "  {} confirms shipping {} with a 945:",
                                profile.id, request.request_id
                            )?;
                            let docs = [Document::FulfillmentUpdate(update)];
                            let bytes = as_partner(&profile, &docs, self.clock.now().naive_utc(), &self.dir)?;
                            let name = format!("from-{}-{}.edi", profile.id, request.request_id);
                            std::fs::create_dir_all(self.dir.join("inbound"))?;
                            std::fs::write(self.dir.join("inbound").join(&name), &bytes)?;
                            self.x12_in(&name, &bytes).await?;
                        }
                        // A pickup waits at the store for its customer (pick-and-hold).
                        None if node.is_some_and(|n| n.kind == NodeKind::Store) => {
                            writeln!(self.text, "  {node_id} holds {} for pickup", request.request_id)?;
                        }
                        // Our own DCs confirm through the warehouse system, as canonical JSON.
                        None => {
                            writeln!(
                                self.text,
                                "  {node_id}'s warehouse system confirms shipping {}:",
                                request.request_id
                            )?;
                            let data = serde_json::to_value(Document::FulfillmentUpdate(update))?;
                            let outputs = self.submit("fulfillment_update.received", "wms", data).await?;
                            self.say_outputs(&outputs)?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn standing(&mut self) -> Result<()> {
        writeln!(self.text, "\n5. Where every order line stands")?;
        let now = self.clock.now();
        let (lines, atp) = self
            .runtime
            .inspect(|h| {
                let broker = h.broker();
                let mut lines = Vec::new();
                for order in broker.orders().iter() {
                    lines.push(format!("  {} [{}]: {:?}", order.order.order_id, order.order.channel, order.status()));
                    for line in &order.lines {
                        let from: Vec<String> = line
                            .allocations
                            .iter()
                            .map(|a| format!("{} {} at {} ({:?})", a.quantity, a.sku, a.node_id, a.stage))
                            .collect();
                        lines.push(format!(
                            "    line {}: {} -> {:?}{}",
                            line.line_id,
                            line.quantity,
                            line.status,
                            if from.is_empty() { String::new() } else { format!(", {}", from.join(" + ")) }
                        ));
                    }
                }
                let ledger = broker.ledger();
                let skus: std::collections::BTreeSet<String> =
                    ledger.positions().map(|(item, _)| ledger.sku(item).to_string()).collect();
                let atp: Vec<String> = skus
                    .iter()
                    .map(|sku| {
                        let a = broker.atp(&AtpQuery { sku: sku.clone(), quantity: None, by: None, near: None }, now);
                        let t = &a.total;
                        format!(
                            "  {sku:<12} available now {:>4}  (on hand {}, supplier {}, reserved {}, safety {}, in transit {}, on order {})",
                            t.available_now, t.on_hand, t.supplier_reported, t.reserved, t.safety_stock, t.in_transit, t.on_order
                        )
                    })
                    .collect();
                (lines, atp)
            })
            .await;
        for l in lines {
            writeln!(self.text, "{l}")?;
        }
        writeln!(self.text, "\n  Available to promise across the network now:")?;
        for l in atp {
            writeln!(self.text, "{l}")?;
        }
        Ok(())
    }

    /// Submits one message; returns the broker's outputs (remembering what partners owe).
    async fn submit(&mut self, event_type: &str, source: &str, data: Value) -> Result<Vec<Output>> {
        self.seq += 1;
        let id = format!("demo-{:04}", self.seq);
        let message = Envelope {
            id: id.clone(),
            event_type: event_type.into(),
            source: source.into(),
            subject: id.clone(),
            time: self.clock.now(),
            correlation_id: id.clone(),
            causation_id: None,
            idempotency_key: id,
            tenant: self.config.tenant.clone(),
            schema_version: SCHEMA_VERSION,
            data,
        };
        self.submit_envelope(&message).await
    }

    async fn submit_envelope(&mut self, message: &Envelope<Value>) -> Result<Vec<Output>> {
        let produced = match self.runtime.submit(message).await? {
            Submitted::Processed { produced, .. } => produced,
            Submitted::Duplicate { original_id, .. } => {
                writeln!(self.text, "    (a duplicate of {original_id}: not processed again)")?;
                return Ok(Vec::new());
            }
        };
        // What the hub itself says: delay warnings and three-way match events.
        for m in produced.iter().filter(|m| m.event_type.starts_with("thread.") || m.event_type.starts_with("match.")) {
            let detail = match (m.data["message"].as_str(), m.data["line_no"].as_str()) {
                (Some(message), _) => message.to_string(),
                (None, Some(line)) => format!("line {line} {}", m.data["status"].as_str().unwrap_or("")),
                (None, None) => String::new(),
            };
            writeln!(self.text, "    ! {} {}: {}", m.event_type, m.subject, detail.trim_end())?;
        }
        let outputs: Vec<Output> = produced.into_iter().filter_map(|m| serde_json::from_value(m.data).ok()).collect();
        self.issued.extend(
            outputs
                .iter()
                .filter(|o| matches!(o, Output::PoIssued { .. } | Output::FulfillmentRequested { .. }))
                .cloned(),
        );
        Ok(outputs)
    }

    /// An inbound X12 file: translated, acknowledged, its documents submitted.
    async fn x12_in(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let mut numbers = FileControlNumbers::open(self.dir.join("control-numbers"))?;
        let now = self.clock.now().naive_utc();
        let intake = intake::receive(&self.runtime, bytes, &self.config, &mut numbers, now).await?;
        for p in &intake.problems {
            writeln!(self.text, "    {p}")?;
        }
        for (i, ack) in intake.acknowledgments.iter().enumerate() {
            let dir = self.dir.join("outbound").join("acks");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(format!("{}.ack{i}.edi", name.trim_end_matches(".edi"))), &ack.x12)?;
            for g in &ack.groups {
                let (status, id, ctl) = (g.status.code(), &g.functional_id, &g.control_number);
                writeln!(
                    self.text,
                    "    acknowledgment back for group {id} {ctl}: AK9 {status} ({} of {} accepted)",
                    g.accepted, g.received
                )?;
            }
        }
        for env in &intake.envelopes {
            writeln!(self.text, "    {} {}", env.event_type, env.subject)?;
            let outputs = self.submit_envelope(env).await?;
            self.say_outputs(&outputs)?;
        }
        Ok(())
    }

    fn say_outputs(&mut self, outputs: &[Output]) -> Result<()> {
        for out in outputs {
            match out {
                Output::SourcingDecided { decision } => {
                    for line in decision.to_string().lines() {
                        writeln!(self.text, "    {line}")?;
                    }
                }
                Output::InventoryUpdated { node_id, applied, skipped, .. } => {
                    writeln!(self.text, "    {node_id}: {applied} positions applied")?;
                    for s in skipped {
                        writeln!(self.text, "      skipped {}: {}", s.sku, s.reason)?;
                    }
                }
                Output::PoIssued { node_id, po, .. } => {
                    writeln!(self.text, "    -> drop-ship PO {} to {node_id} ({} lines)", po.po_number, po.lines.len())?
                }
                Output::FulfillmentRequested { node_id, request } => writeln!(
                    self.text,
                    "    -> fulfilment request {} to {node_id} ({} lines)",
                    request.request_id,
                    request.lines.len()
                )?,
                Output::LineStatusChanged { order_id, line_id, from, to, reason } => {
                    writeln!(self.text, "    {order_id} line {line_id}: {from:?} -> {to:?} ({reason})")?
                }
                Output::InputRejected { input, subject, reason } => {
                    writeln!(self.text, "    REJECTED {input} {subject}: {reason}")?
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Each drop-ship PO: its three-way match, line by line, and its document thread.
    async fn threads(&mut self, store: &SqliteStore) -> Result<()> {
        self.drain(store).await?;
        writeln!(self.text, "\n6. Three-way match and the document thread of each drop-ship PO")?;
        let pos = self.drop_ship.clone();
        let text = self
            .runtime
            .inspect(move |h| {
                let mut text = String::new();
                for (_, po) in &pos {
                    if let Some(r) = h.reconciliation(po) {
                        let _ = writeln!(text, "  PO {po}:");
                        for line in r.results() {
                            let reasons = line.result.reasons.join(", ");
                            let status = crossdock_matching::status_name(line.status());
                            let _ = writeln!(
                                text,
                                "    line {}: {status}{}",
                                line.line_no(),
                                if reasons.is_empty() { String::new() } else { format!(" ({reasons})") }
                            );
                        }
                    }
                    if let Some(thread) = h.threads().get(po) {
                        let _ = write!(text, "{thread}");
                    }
                }
                text
            })
            .await;
        self.text.push_str(&text);
        Ok(())
    }

    /// Lets the bus deliver everything waiting.
    async fn drain(&self, store: &SqliteStore) -> Result<()> {
        for _ in 0..600 {
            if store.undelivered().await? == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Err("the bus did not deliver everything within 6 seconds".into())
    }
}

/// What a supplier sends back for a drop-ship PO: it accepts every line, ships it all in
/// one carton, and bills it.
fn supplier_answers(po: &PurchaseOrder, now: DateTime<FixedOffset>) -> Vec<Document> {
    let today = now.date_naive();
    let ack = PurchaseOrderAck {
        po_number: po.po_number.clone(),
        purpose: Default::default(),
        ack_type: "AD".into(),
        ack_date: Some(today),
        order_date: Some(po.order_date),
        seller_order_number: Some(format!("SO-{}", po.po_number)),
        currency: po.currency.clone(),
        parties: Vec::new(),
        references: Vec::new(),
        lines: po
            .lines
            .iter()
            .map(|l| PurchaseOrderAckLine {
                line_no: l.line_no.clone(),
                item: l.item.clone(),
                ordered_quantity: Some(l.quantity),
                unit_price: l.unit_price,
                status: "IA".into(),
                quantity: l.quantity,
                uom: l.uom.clone(),
                ship_date: Some(today),
                schedule: Vec::new(),
            })
            .collect(),
        declared_totals: None,
    };
    let items: Vec<ShippedItem> = po
        .lines
        .iter()
        .map(|l| ShippedItem {
            line_no: Some(l.line_no.clone()),
            item: l.item.clone(),
            quantity: l.quantity,
            uom: l.uom.clone(),
            ordered_quantity: Some(l.quantity),
            references: Vec::new(),
        })
        .collect();
    let notice = ShipNotice {
        shipment_id: format!("SH-{}", po.po_number),
        purpose: Default::default(),
        shipped_at: Some(now.naive_local()),
        expected_delivery: Some(today + chrono::Days::new(3)),
        carrier: Some(Carrier { code: Some("UPSN".into()), code_qualifier: Some("2".into()), ..Default::default() }),
        tracking_numbers: vec![format!("1Z999AA1{:08}", po.po_number.bytes().map(u32::from).sum::<u32>())],
        bill_of_lading: None,
        ship_from: None,
        ship_to: po.ship_to.clone(),
        parties: Vec::new(),
        gross_weight: None,
        package_count: Some(Decimal::ONE),
        references: Vec::new(),
        orders: vec![ShippedOrder {
            po_number: po.po_number.clone(),
            po_date: Some(po.order_date),
            ship_to: None,
            references: Vec::new(),
            packs: vec![ShippedPack { sscc: Some("000123450000000017".into()), tare: None, marks: Vec::new(), items }],
        }],
    };
    let lines: Vec<InvoiceLine> = po
        .lines
        .iter()
        .map(|l| InvoiceLine {
            line_no: l.line_no.clone(),
            item: l.item.clone(),
            quantity: l.quantity,
            uom: l.uom.clone(),
            unit_price: l.unit_price.unwrap_or_default(),
            price_basis: None,
            charges: Vec::new(),
        })
        .collect();
    let total = lines.iter().map(|l| l.quantity * l.unit_price).sum::<Decimal>().round_dp(2);
    let invoice = Invoice {
        invoice_number: format!("INV-{}", po.po_number),
        invoice_date: today,
        po_number: Some(po.po_number.clone()),
        po_date: Some(po.order_date),
        invoice_type: Some("DI".into()),
        currency: po.currency.clone(),
        parties: Vec::new(),
        terms: None,
        references: Vec::new(),
        dates: Vec::new(),
        lines,
        charges: Vec::new(),
        totals: InvoiceTotals { total_amount: Some(total), discountable_amount: None, line_count: None },
    };
    vec![Document::PurchaseOrderAck(ack), Document::ShipNotice(notice), Document::Invoice(invoice)]
}

/// What a 3PL reports for a fulfilment request it shipped in full.
fn shipped(request: &FulfillmentRequest, now: DateTime<FixedOffset>) -> FulfillmentUpdate {
    FulfillmentUpdate {
        request_id: request.request_id.clone(),
        shipment_id: Some(format!("LSL-{}", request.request_id)),
        order_ref: request.order_ref.clone(),
        shipped_at: Some(now.naive_local()),
        carrier: Some(Carrier { code: Some("FDEG".into()), code_qualifier: Some("2".into()), ..Default::default() }),
        tracking_numbers: vec!["794644790132".into()],
        parties: Vec::new(),
        references: Vec::new(),
        lines: request
            .lines
            .iter()
            .map(|l| FulfillmentUpdateLine {
                line_no: l.line_no.clone(),
                item: l.item.clone(),
                ordered_quantity: Some(l.quantity),
                shipped_quantity: l.quantity,
                uom: l.uom.clone(),
                status: Some("CC".into()),
            })
            .collect(),
    }
}

/// Writes documents as the partner would send them to us: its profile, turned around.
fn as_partner(profile: &PartnerProfile, docs: &[Document], now: NaiveDateTime, dir: &Path) -> Result<Vec<u8>> {
    let mut theirs = profile.clone();
    theirs.id = simulated(profile);
    std::mem::swap(&mut theirs.our_id, &mut theirs.their_id);
    std::mem::swap(&mut theirs.our_qualifier, &mut theirs.their_qualifier);
    let mut numbers = FileControlNumbers::open(dir.join("partner-control-numbers"))?;
    Ok(crossdock_x12::outbound::write_documents(&theirs, docs, &mut numbers, now)?)
}

/// The control number sequence of a partner the demo plays.
fn simulated(profile: &PartnerProfile) -> String {
    format!("{}-outbound-simulated", profile.id)
}

/// Control numbers from one partner's sequence, whoever asks.
struct Sequence(FileControlNumbers, String);

impl ControlNumbers for Sequence {
    fn next(&mut self, _: &str, kind: ControlKind) -> std::result::Result<u64, ControlError> {
        self.0.next(&self.1, kind)
    }
}

fn at(s: &str) -> Result<DateTime<FixedOffset>> {
    Ok(DateTime::parse_from_rfc3339(s)?)
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}
