//! Document threads, delay warnings, duplicate interchanges and the three-way match, on a
//! real SQLite hub fed real X12: the 850 goes out through `PartnerDocuments`, the
//! supplier's 997, 855, 856 and 810 come back through `intake::receive`.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_hub::handler::{MatchOverride, CLOCK_TICK, MATCH_OVERRIDE};
use crossdock_hub::outbound::PartnerDocuments;
use crossdock_hub::{demo, intake, BrokerHandler, HubConfig};
use crossdock_model::{
    Document, Envelope, Invoice, InvoiceLine, InvoiceTotals, PurchaseOrder, PurchaseOrderAck, PurchaseOrderAckLine,
    ShipNotice, ShippedItem, ShippedOrder, ShippedPack, SCHEMA_VERSION,
};
use crossdock_runtime::{Clock, ManualClock, Produced, Runtime, SqliteStore, Store, Submitted, Subscriber};
use crossdock_x12::control::{ControlError, ControlKind, ControlNumbers, FileControlNumbers, MemoryControlNumbers};
use crossdock_x12::{AckKind, PartnerProfile};
use rust_decimal::Decimal;
use serde_json::{json, Value};

type Hub = Arc<Runtime<SqliteStore, BrokerHandler>>;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn message(id: &str, event_type: &str, data: Value, time: DateTime<FixedOffset>) -> Envelope<Value> {
    Envelope {
        id: id.into(),
        event_type: event_type.into(),
        source: "test".into(),
        subject: id.into(),
        time,
        correlation_id: id.into(),
        causation_id: None,
        idempotency_key: id.into(),
        tenant: "demo".into(),
        schema_version: SCHEMA_VERSION,
        data,
    }
}

struct Scene {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    config: HubConfig,
    hub: Hub,
    /// The supplier's own control numbers: every interchange it sends gets a new ISA13.
    supplier_numbers: Supplier,
}

/// One partner's sequence, whichever key the writer asks with.
struct Supplier(MemoryControlNumbers);

impl ControlNumbers for Supplier {
    fn next(&mut self, _: &str, kind: ControlKind) -> Result<u64, ControlError> {
        self.0.next("river-outfitters", kind)
    }
}

async fn open(dir: &Path, clock: Arc<ManualClock>) -> Hub {
    let store = SqliteStore::open(dir.join("crossdock.db")).await.unwrap();
    Arc::new(Runtime::open_with_clock(store, BrokerHandler::new(&demo::config().unwrap()), clock).await.unwrap())
}

impl Scene {
    async fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(at("2026-11-21T09:30:00-05:00")));
        let hub = open(dir.path(), clock.clone()).await;
        let config = demo::config().unwrap();
        Scene { dir, clock, config, hub, supplier_numbers: Supplier(MemoryControlNumbers::default()) }
    }

    async fn submit(&self, m: &Envelope<Value>) -> Vec<Produced> {
        match self.hub.submit(m).await.unwrap() {
            Submitted::Processed { produced, .. } => {
                produced.into_iter().map(|e| Produced::new(e.event_type, e.subject, e.data)).collect()
            }
            Submitted::Duplicate { .. } => panic!("{} was a duplicate", m.id),
        }
    }

    /// River Outfitters has kayaks; a shopper orders one: the hub issues a drop-ship PO
    /// and sends it as an 850 (reported back to the hub as sent).
    async fn drop_ship_po(&self) -> PurchaseOrder {
        let now = self.clock.now();
        let river = json!({
            "document_type": "inventory_advice", "node_id": "SUP-RIVER", "advice_id": "R-1",
            "as_of": "2026-11-21T08:00:00-05:00", "mode": "snapshot",
            "positions": [{ "item": { "sku": "KAYAK-10" }, "uom": "EA", "available": "8" }]
        });
        self.submit(&message("m-1", "inventory.received", river, now)).await;
        let order = json!({ "sales_order": {
            "order_id": "SHOP-9", "channel": "shopify", "placed_at": "2026-11-21T09:30:00-05:00",
            "lines": [{ "line_id": "1", "item": { "sku": "KAYAK-10" }, "quantity": "1", "uom": "EA" }]
        }});
        let m = message("m-2", "order.received", order, now);
        let Submitted::Processed { produced, .. } = self.hub.submit(&m).await.unwrap() else { panic!("processed") };
        let issued = produced.iter().find(|m| m.event_type == "po.issued").expect("a drop-ship PO").clone();
        let numbers = FileControlNumbers::open(self.dir.path().join("control-numbers")).unwrap();
        let out = self.dir.path().join("outbound");
        let docs =
            PartnerDocuments::new(self.hub.store().clone(), self.hub.clock(), &self.config, Box::new(numbers), out)
                .reporting_to(self.hub.clone());
        docs.deliver(&issued).await.unwrap();
        serde_json::from_value(issued.data["po"].clone()).unwrap()
    }

    /// The 850's bytes, as archived when it was sent.
    async fn sent_850(&self, po_number: &str) -> Vec<u8> {
        let po = po_number.to_string();
        let id = self.hub.inspect(move |h| h.threads().get(&po).unwrap().entries[0].message_id.clone().unwrap()).await;
        self.hub.store().document(&id).await.unwrap().expect("the 850 is archived").document.bytes
    }

    /// An X12 file arrives from a partner: received (archived, duplicates caught), then
    /// its documents submitted. Returns the intake and everything the hub produced.
    async fn receive(&self, bytes: &[u8]) -> (intake::X12Intake, Vec<Produced>) {
        let mut numbers = FileControlNumbers::open(self.dir.path().join("control-numbers")).unwrap();
        let now = self.clock.now().naive_utc();
        let intake = intake::receive(&self.hub, bytes, &self.config, &mut numbers, now).await.unwrap();
        let mut produced = Vec::new();
        for env in &intake.envelopes {
            produced.extend(self.submit(env).await);
        }
        (intake, produced)
    }

    /// Documents as the supplier would send them: its profile turned around.
    fn supplier_sends(&mut self, docs: &[Document]) -> Vec<u8> {
        let mut theirs: PartnerProfile = self.config.partner("river-outfitters").unwrap().clone();
        std::mem::swap(&mut theirs.our_id, &mut theirs.their_id);
        std::mem::swap(&mut theirs.our_qualifier, &mut theirs.their_qualifier);
        let now = self.clock.now().naive_utc();
        crossdock_x12::outbound::write_documents(&theirs, docs, &mut self.supplier_numbers, now).unwrap()
    }

    fn functional_ack(&mut self, sent: &[u8]) -> Vec<u8> {
        let now = self.clock.now().naive_utc();
        let acks = crossdock_x12::acknowledge(sent, AckKind::Ack997, &mut self.supplier_numbers, now).unwrap();
        acks.into_iter().next().expect("a 997").x12
    }

    async fn tick(&self, to: &str) -> Vec<Produced> {
        self.clock.set(at(to));
        let id = format!("tick-{to}");
        self.submit(&message(&id, CLOCK_TICK, Value::Null, self.clock.now())).await
    }

    /// The thread as `direction document key | state` lines, with the time.
    async fn thread(&self, po_number: &str) -> Vec<String> {
        thread_lines(&self.hub, po_number).await
    }
}

async fn thread_lines(hub: &Hub, po_number: &str) -> Vec<String> {
    let po = po_number.to_string();
    hub.inspect(move |h| {
        h.threads()
            .get(&po)
            .map(|t| {
                t.entries
                    .iter()
                    .map(|e| {
                        let direction = serde_json::to_value(e.direction).unwrap();
                        let hashed = if e.content_hash.as_ref().is_some_and(|h| h.len() == 64) { " #" } else { "" };
                        format!(
                            "{} {} {} {} | {}{hashed}",
                            e.at.format("%d %H:%M"),
                            direction.as_str().unwrap(),
                            e.document,
                            e.key,
                            e.state
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
    .await
}

fn types(produced: &[Produced]) -> Vec<&str> {
    produced
        .iter()
        .map(|p| p.event_type.as_str())
        .filter(|t| t.starts_with("thread.") || t.starts_with("match."))
        .collect()
}

fn ack(po: &PurchaseOrder, date: NaiveDate) -> Document {
    Document::PurchaseOrderAck(PurchaseOrderAck {
        po_number: po.po_number.clone(),
        purpose: Default::default(),
        ack_type: "AD".into(),
        ack_date: Some(date),
        order_date: Some(po.order_date),
        seller_order_number: Some("RO-77".into()),
        currency: None,
        parties: Vec::new(),
        references: Vec::new(),
        lines: po
            .lines
            .iter()
            .map(|l| PurchaseOrderAckLine {
                line_no: l.line_no.clone(),
                item: l.item.clone(),
                ordered_quantity: Some(l.quantity),
                unit_price: None,
                status: "IA".into(),
                quantity: l.quantity,
                uom: l.uom.clone(),
                ship_date: Some(date),
                schedule: Vec::new(),
            })
            .collect(),
        declared_totals: None,
    })
}

fn ship_notice(po: &PurchaseOrder, shipped_at: DateTime<FixedOffset>) -> Document {
    let items = po
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
    Document::ShipNotice(ShipNotice {
        shipment_id: "SH-1".into(),
        purpose: Default::default(),
        shipped_at: Some(shipped_at.naive_local()),
        expected_delivery: None,
        carrier: None,
        tracking_numbers: vec!["1Z999AA10123456784".into()],
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
            packs: vec![ShippedPack { sscc: None, tare: None, marks: Vec::new(), items }],
        }],
    })
}

/// Bills `quantity` of every line at 0 (the hub's drop-ship POs carry no price).
fn invoice(po: &PurchaseOrder, number: &str, quantity: Decimal, date: NaiveDate) -> Document {
    Document::Invoice(Invoice {
        invoice_number: number.into(),
        invoice_date: date,
        po_number: Some(po.po_number.clone()),
        po_date: Some(po.order_date),
        invoice_type: Some("DI".into()),
        currency: None,
        parties: Vec::new(),
        terms: None,
        references: Vec::new(),
        dates: Vec::new(),
        lines: po
            .lines
            .iter()
            .map(|l| InvoiceLine {
                line_no: l.line_no.clone(),
                item: l.item.clone(),
                quantity,
                uom: l.uom.clone(),
                unit_price: Decimal::ZERO,
                price_basis: None,
                charges: Vec::new(),
            })
            .collect(),
        charges: Vec::new(),
        totals: InvoiceTotals { total_amount: Some(Decimal::ZERO), discountable_amount: None, line_count: None },
    })
}

#[tokio::test]
async fn a_po_its_997_856_and_810_arrive_as_x12_and_the_thread_and_the_match_show_them_in_order() {
    let mut s = Scene::new().await;
    let po = s.drop_ship_po().await;
    assert_eq!(po.sales_order_ref.as_deref(), Some("SHOP-9"));

    s.clock.set(at("2026-11-21T10:00:00-05:00"));
    let sent = s.sent_850(&po.po_number).await;
    let bytes = s.functional_ack(&sent);
    let (intake, produced) = s.receive(&bytes).await;
    assert_eq!(intake.envelopes.len(), 1, "{:?}", intake.problems);
    assert!(types(&produced).is_empty(), "a 997 in time warns of nothing");

    s.clock.set(at("2026-11-21T11:00:00-05:00"));
    let today = s.clock.now().date_naive();
    let bytes = s.supplier_sends(&[ack(&po, today), ship_notice(&po, s.clock.now())]);
    let (_, produced) = s.receive(&bytes).await;
    assert!(types(&produced).is_empty(), "{:?}", types(&produced));

    // Billed for 2, shipped 1: over-invoiced, beyond any tolerance of the default policy.
    s.clock.set(at("2026-11-21T12:00:00-05:00"));
    let bytes = s.supplier_sends(&[invoice(&po, "INV-1", Decimal::TWO, today)]);
    let (_, produced) = s.receive(&bytes).await;
    assert_eq!(types(&produced), ["match.exception"]);
    let exception = produced.iter().find(|p| p.event_type == "match.exception").unwrap();
    assert_eq!(exception.subject, po.po_number);
    assert_eq!(exception.data["reasons"][0]["code"], "over_invoiced");

    s.clock.set(at("2026-11-21T12:30:00-05:00"));
    let o = MatchOverride {
        po_number: po.po_number.clone(),
        line_no: "1".into(),
        by: "ap.clerk".into(),
        reason: "second kayak agreed by phone".into(),
    };
    let produced = s.submit(&message("o-1", MATCH_OVERRIDE, serde_json::to_value(&o).unwrap(), s.clock.now())).await;
    assert_eq!(types(&produced), ["match.overridden"]);
    assert_eq!(produced[0].data["record"]["by"], "ap.clerk");

    let result = s.hub.inspect(|h| h.reconciliation("SHOP-9-1").unwrap().results()).await;
    assert_eq!(result.len(), 1);
    assert_eq!(serde_json::to_value(result[0].status()).unwrap(), "within_tolerance");
    assert_eq!(result[0].manual_override.as_ref().unwrap().reason, "second kayak agreed by phone");

    let expected = [
        "21 09:30 hub 850 SHOP-9-1 | issued to river-outfitters (1 lines)",
        "21 09:30 sent 850 ISA13 000000001 GS06 1 | sent to river-outfitters #",
        "21 10:00 received 997 AK1 PO 1 | 997 group A (AK9) #",
        "21 11:00 received 855 RO-77 | AD (1 lines: IA) #",
        "21 11:00 received 856 SH-1 | shipped 1 units, tracking 1Z999AA10123456784 #",
        "21 11:00 hub match SHOP-9-1 | line 1 matched, awaiting invoice",
        "21 12:00 received 810 INV-1 | 1 lines, total 0.00 #",
        "21 12:00 hub match SHOP-9-1 | line 1 exception (over_invoiced)",
        "21 12:30 hub match line 1 | overridden by ap.clerk: second kayak agreed by phone",
    ];
    assert_eq!(s.thread(&po.po_number).await, expected);

    // Rebuilt from the inbox after a restart: the same thread, the same match.
    drop(s.hub);
    let hub = open(s.dir.path(), s.clock.clone()).await;
    assert_eq!(thread_lines(&hub, "SHOP-9-1").await, expected);
    let again = hub.inspect(|h| h.reconciliation("SHOP-9-1").unwrap().results()).await;
    assert_eq!(again, result);
}

#[tokio::test]
async fn deadlines_pass_on_the_injected_clock_and_warn_once_and_an_810_before_any_856_is_out_of_order() {
    let mut s = Scene::new().await;
    let po = s.drop_ship_po().await;
    // The 997 is due at 11:30, the 855 at 09:30 the next day.
    assert!(types(&s.tick("2026-11-21T11:29:00-05:00").await).is_empty());
    let late = s.tick("2026-11-21T11:31:00-05:00").await;
    assert_eq!(types(&late), ["thread.document_late"]);
    assert_eq!(late[0].subject, po.po_number);
    assert_eq!(late[0].data["document"], "997");
    assert_eq!(late[0].data["due"], "2026-11-21T11:30:00-05:00");
    assert!(types(&s.tick("2026-11-21T12:00:00-05:00").await).is_empty(), "each deadline warns once");

    // The invoice comes first: out of order, and the match says it was not shipped.
    s.clock.set(at("2026-11-21T13:00:00-05:00"));
    let today = s.clock.now().date_naive();
    let bytes = s.supplier_sends(&[invoice(&po, "INV-9", Decimal::ONE, today)]);
    let (_, produced) = s.receive(&bytes).await;
    assert_eq!(types(&produced), ["thread.out_of_order", "match.exception"]);
    assert_eq!(
        produced.iter().find(|p| p.event_type == "match.exception").unwrap().data["reasons"][0]["code"],
        "invoiced_not_shipped"
    );

    let late = s.tick("2026-11-22T09:31:00-05:00").await;
    assert_eq!(types(&late), ["thread.document_late"]);
    assert_eq!(late[0].data["document"], "855");

    // The ship notice clears the exception.
    s.clock.set(at("2026-11-22T10:00:00-05:00"));
    let bytes = s.supplier_sends(&[ship_notice(&po, s.clock.now())]);
    let (_, produced) = s.receive(&bytes).await;
    assert_eq!(types(&produced), ["match.cleared"]);

    let thread = s.thread(&po.po_number).await;
    let warnings: Vec<&String> = thread.iter().filter(|l| l.contains(" warning ")).collect();
    assert_eq!(warnings.len(), 3, "{thread:#?}");
    assert!(warnings[0].ends_with("| no 997 yet: 997 due within 2h of the 850"), "{thread:#?}");
    assert!(warnings[1].ends_with("| 810 INV-9 arrived before any 856"), "{thread:#?}");
    assert!(warnings[2].ends_with("| no 855 yet: 855 due within 24h of the 850"), "{thread:#?}");
}

#[tokio::test]
async fn a_resent_interchange_is_refused_with_a_ta1_025_across_restarts_until_the_window_has_passed() {
    let mut s = Scene::new().await;
    let po = s.drop_ship_po().await;
    let today = s.clock.now().date_naive();
    let first = s.supplier_sends(&[ship_notice(&po, s.clock.now())]);
    let (intake, _) = s.receive(&first).await;
    assert!(intake.duplicates.is_empty() && intake.envelopes.len() == 1, "{:?}", intake.problems);

    // Same sender, same ISA13, other content (the supplier's sequence was reset).
    s.supplier_numbers = Supplier(MemoryControlNumbers::default());
    let resent = s.supplier_sends(&[invoice(&po, "INV-2", Decimal::ONE, today)]);
    assert_ne!(first, resent);

    // After a restart the hub still remembers (its inbox is replayed).
    drop(s.hub);
    s.hub = open(s.dir.path(), s.clock.clone()).await;
    s.clock.set(at("2026-12-01T09:00:00-05:00"));
    let (intake, produced) = s.receive(&resent).await;
    assert_eq!(intake.duplicates.len(), 1);
    assert!(intake.envelopes.is_empty() && produced.is_empty(), "never processed twice");
    let ta1 = String::from_utf8(intake.acknowledgments[0].x12.clone()).unwrap();
    assert!(ta1.contains("TA1*000000001*") && ta1.contains("*R*025"), "{ta1}");
    assert!(intake.problems[0].contains("duplicate interchange control number (TA1 025)"), "{:?}", intake.problems);

    // The very same file again is a duplicate too.
    let (intake, _) = s.receive(&first).await;
    assert_eq!(intake.duplicates.len(), 1);

    // 30 days on, the number may come back: accepted and processed.
    s.clock.set(at("2026-12-22T09:31:00-05:00"));
    s.supplier_numbers = Supplier(MemoryControlNumbers::default());
    let reused = s.supplier_sends(&[invoice(&po, "INV-3", Decimal::ONE, today)]);
    let (intake, produced) = s.receive(&reused).await;
    assert!(intake.duplicates.is_empty(), "{:?}", intake.problems);
    assert_eq!(intake.envelopes.len(), 1);
    assert!(intake.envelopes[0].id.contains('@'), "ids of a reused control number are told apart");
    assert!(types(&produced).is_empty(), "shipped 1, invoiced 1: matched, {:?}", types(&produced));
    let thread = s.thread(&po.po_number).await;
    assert!(!thread.iter().any(|l| l.contains(" 810 INV-2 ")), "{thread:#?}");
    let invoiced = thread.iter().any(|l| l.contains(" 810 INV-3 "));
    assert!(invoiced, "the invoice joined the thread");
}
