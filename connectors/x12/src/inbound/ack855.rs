//! 855 Purchase Order Acknowledgment -> [`PurchaseOrderAck`].
//!
//! - BAK: purpose (01), acknowledgment type (02: AC, AD, AK, AT, RD, RJ, ...), PO number
//!   (03), PO date (04), seller's order number (08), acknowledgment date (09).
//! - CUR (currency), REF (references), N1 loops with N2/N3/N4/PER/REF (all in `parties`).
//! - PO1 as in the 850 (line, ordered quantity, unit, price, product ids); PID
//!   describes it. Each ACK under it is one acknowledged line: status (01: IA accepted,
//!   IR rejected, IB backordered, IQ quantity changed, ...), quantity (02), unit (03), a
//!   date (04 qualifier, 05 date: 002/017/067 delivery dates go to the schedule, any
//!   other is the ship date) and product ids from 07/08 on. A PO1 with two ACKs (5
//!   accepted, 3 backordered) gives two lines with the same line number.
//! - A PO1 without ACK is acknowledged as BAK02 says for the whole order: IR when it is
//!   a rejection (RD, RJ, RF, RO), IA otherwise, for the quantity ordered.
//! - SCH (quantity, unit, date qualifier 05, date 06) adds to the schedule of the line
//!   acknowledged last.
//! - CTT (line count, hash total) is kept and checked; the hash total may add up either
//!   the ordered (PO102) or the acknowledged (ACK02) quantities, as senders differ.
//! - Not mapped: header DTM, ITD, FOB, TD5 and line-level N1 loops (the model's ack has
//!   no room for them), SLN sublines, ACK27-29 (industry codes).

use crossdock_model::{
    DeclaredTotals, Document, PurchaseOrderAck, PurchaseOrderAckLine, PurchaseOrderLine, Purpose, ScheduledQuantity,
    Uom,
};
use rust_decimal::Decimal;

use super::common::{ctt, describe, item_ids, purpose, reference, text, Parties};
use super::po850::po1;
use super::{sum, Cx, LoopDef, Required, SetSpec};
use crate::reader::Segment;

const N1_LOOP: &[&str] = &["N2", "N3", "N4", "NX2", "REF", "PER", "SI", "FOB", "TD1", "TD5", "TD3", "TD4", "PKG"];

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("BAK")],
    top: &[
        "BAK", "CUR", "REF", "PER", "TAX", "FOB", "CTP", "PAM", "CSH", "SAC", "ITD", "DIS", "DTM", "LDT", "PID", "MEA",
        "PWK", "PKG", "TD1", "TD5", "TD3", "TD4", "MAN", "TXI", "CTB", "CTT", "AMT", "N9", "MSG",
    ],
    loops: &[
        LoopDef { id: "N1", parent: None, members: N1_LOOP },
        LoopDef {
            id: "PO1",
            parent: None,
            members: &[
                "LIN", "SI", "CUR", "CN1", "PO3", "CTP", "PAM", "MEA", "PID", "PWK", "PO4", "REF", "PER", "SAC", "IT8",
                "CSH", "ITD", "DIS", "TAX", "FOB", "SDQ", "IT3", "DTM", "TC2", "TD1", "TD5", "TD3", "TD4", "PCT",
                "MAN", "MSG", "SPI", "TXI", "CTB", "QTY", "PKG", "LS", "LE", "AMT",
            ],
        },
        LoopDef { id: "ACK", parent: Some("PO1"), members: &["DTM"] },
        LoopDef { id: "SCH", parent: Some("PO1"), members: &["TD1", "TD5", "TD3", "TD4", "REF"] },
        LoopDef { id: "N9", parent: Some("PO1"), members: &["DTM", "MSG"] },
        LoopDef { id: "N1", parent: Some("PO1"), members: N1_LOOP },
        LoopDef {
            id: "SLN",
            parent: Some("PO1"),
            members: &["MSG", "SI", "PID", "PO3", "ADV", "DTM", "SAC", "QTY", "N9", "N1", "N3", "N4", "REF", "PER"],
        },
    ],
    map,
};

/// Delivery date qualifiers: an ACK date with one of these is a schedule, not a ship date.
const DELIVERY: &[&str] = &["002", "017", "067"];

/// The PO1 being acknowledged: the line as ordered, where its ack lines start, and any
/// schedule given before its first ACK.
struct Open {
    line: PurchaseOrderLine,
    first: usize,
    schedule: Vec<ScheduledQuantity>,
}

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut ack = PurchaseOrderAck {
        po_number: String::new(),
        purpose: Purpose::Original,
        ack_type: String::new(),
        ack_date: None,
        order_date: None,
        seller_order_number: None,
        currency: None,
        parties: Vec::new(),
        references: Vec::new(),
        lines: Vec::new(),
        declared_totals: None,
    };
    let (mut po_number, mut ack_type) = (None, None);
    let mut parties = Parties::default();
    let mut open: Option<Open> = None;
    let mut ordered: Vec<Decimal> = Vec::new();
    let mut ctt_seg = None;
    while let Some(seg) = cx.next() {
        match (seg.id(), cx.loop_id()) {
            ("BAK", _) => {
                ack.purpose = purpose(cx, &seg, 1);
                ack_type = text(&seg, 2);
                po_number = text(&seg, 3);
                ack.order_date = cx.date(&seg, 4, 373);
                ack.seller_order_number = text(&seg, 8);
                ack.ack_date = cx.date(&seg, 9, 373);
            }
            ("CUR", None) => ack.currency = text(&seg, 2),
            ("REF", None) => ack.references.extend(reference(&seg)),
            (_, Some("N1")) if !cx.in_loop("PO1") => {
                parties.take(&seg);
            }
            ("PO1", _) => {
                close(&mut ack, open.take(), ack_type.as_deref());
                let line = po1(cx, &seg, ordered.len());
                ordered.push(line.quantity);
                open = Some(Open { line, first: ack.lines.len(), schedule: Vec::new() });
            }
            ("PID", Some("PO1")) => {
                if let Some(o) = open.as_mut() {
                    describe(&mut o.line.item, &seg);
                }
            }
            ("ACK", _) => {
                if let Some(o) = open.as_mut() {
                    acknowledge(cx, &seg, o, &mut ack.lines);
                }
            }
            ("SCH", _) => {
                if let (Some(o), Some(s)) = (open.as_mut(), schedule(cx, &seg)) {
                    match ack.lines.get_mut(o.first..).and_then(|l| l.last_mut()) {
                        Some(line) => line.schedule.push(s),
                        None => o.schedule.push(s),
                    }
                }
            }
            ("CTT", _) => ctt_seg = Some(seg),
            _ => {}
        }
    }
    close(&mut ack, open.take(), ack_type.as_deref());
    ack.parties = parties.0;
    if let Some(seg) = ctt_seg {
        let acked = sum(ack.lines.iter().map(|l| &l.quantity));
        let hashes: Vec<Decimal> = sum(&ordered).into_iter().chain(acked).collect();
        let (line_count, quantity_total) = ctt(cx, &seg, "PO1 line items", &[ordered.len()], &hashes);
        ack.declared_totals = Some(DeclaredTotals { line_count, quantity_total, amount: None });
    }
    ack.po_number = po_number?;
    ack.ack_type = ack_type?;
    Some(Document::PurchaseOrderAck(ack))
}

/// ACK: one acknowledged line of the open PO1.
fn acknowledge(cx: &mut Cx<'_>, seg: &Segment<'_>, o: &mut Open, lines: &mut Vec<PurchaseOrderAckLine>) {
    let status = text(seg, 1).unwrap_or_default();
    let quantity = match cx.decimal(seg, 2, 380) {
        Some(q) => q,
        None if matches!(status.as_str(), "IR" | "ID" | "R1" | "R2" | "R3" | "R4") => Decimal::ZERO,
        None => o.line.quantity,
    };
    let uom = seg.text(3).map(Uom::from).unwrap_or_else(|| o.line.uom.clone());
    let mut line = ack_line(&o.line, status, quantity, uom);
    line.schedule = std::mem::take(&mut o.schedule);
    item_ids(&mut line.item, seg, 7, 26);
    if let Some(date) = cx.date(seg, 5, 373) {
        match seg.text(4) {
            Some(q) if DELIVERY.contains(&q) => line.schedule.push(ScheduledQuantity {
                quantity,
                uom: line.uom.clone(),
                qualifier: Some(q.to_string()),
                date,
            }),
            _ => line.ship_date = Some(date),
        }
    }
    lines.push(line);
}

/// Ends a PO1: without an ACK of its own, it is acknowledged as BAK02 says.
fn close(ack: &mut PurchaseOrderAck, open: Option<Open>, ack_type: Option<&str>) {
    let Some(o) = open else { return };
    if ack.lines.len() > o.first {
        return;
    }
    let status = if matches!(ack_type, Some("RD" | "RJ" | "RF" | "RO")) { "IR" } else { "IA" };
    let quantity = if status == "IR" { Decimal::ZERO } else { o.line.quantity };
    let mut line = ack_line(&o.line, status.to_string(), quantity, o.line.uom.clone());
    line.schedule = o.schedule;
    ack.lines.push(line);
}

fn ack_line(po1: &PurchaseOrderLine, status: String, quantity: Decimal, uom: Uom) -> PurchaseOrderAckLine {
    PurchaseOrderAckLine {
        line_no: po1.line_no.clone(),
        item: po1.item.clone(),
        ordered_quantity: Some(po1.quantity),
        unit_price: po1.unit_price,
        status,
        quantity,
        uom,
        ship_date: None,
        schedule: Vec::new(),
    }
}

/// SCH: quantity (01), unit (02), date qualifier (05) and date (06).
fn schedule(cx: &mut Cx<'_>, seg: &Segment<'_>) -> Option<ScheduledQuantity> {
    Some(ScheduledQuantity {
        quantity: cx.decimal(seg, 1, 380)?,
        uom: seg.text(2).map(Uom::from).unwrap_or_default(),
        qualifier: text(seg, 5),
        date: cx.date(seg, 6, 373)?,
    })
}
