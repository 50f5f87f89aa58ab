//! 850 Purchase Order -> [`PurchaseOrder`].
//!
//! - BEG: purpose (01), order type (02), PO number (03), release (04), order date (05).
//! - CUR (currency), REF (all kept; `CO`, the customer order, is also the sales order a
//!   drop-ship PO fulfils), PER (contacts), FOB (01), ITD (terms; the first one), TD5
//!   (carrier), N9/MSG (MTX from 005010) and NTE (references, notes).
//! - DTM: 002 delivery requested and 010 requested ship have their own fields; every
//!   other qualifier (037 ship not before, 038 ship no later, ...) is kept in `dates`.
//! - N1 loops (with N2/N3/N4/PER/REF): ST ship_to, BT bill_to, BY buyer, SE/VN/SU
//!   seller, any other role (SF, RE, ...) in `parties`.
//! - PO1: line number (01, else the line's ordinal), quantity (02), unit (03), price (04),
//!   basis (05), product ids in pairs from 06/07; then PID (description), PO4 (pack),
//!   SDQ (store destinations: location/quantity pairs), DTM (010 is the line's requested
//!   ship date), REF/N9 (references), MSG/MTX/NTE (notes).
//! - Deliberately not mapped: SLN sublines become a note on their line ("subline 1.1:
//!   ...") since the model has no sublines; N1 loops inside a line (a ship-to per line),
//!   since the model has one ship-to per PO; PKG, TD1/TD3/TD4, CTP, SAC, TAX.
//! - CTT (line count, hash total of quantities) and AMT (TT or 1) are kept in
//!   `declared_totals` and checked against the lines (a difference is a warning), as is
//!   the sum of SDQ quantities against their line.

use chrono::NaiveDate;
use crossdock_model::{
    DeclaredTotals, Destination, Document, PackSpec, PurchaseOrder, PurchaseOrderLine, Purpose, Uom,
};
use rust_decimal::Decimal;

use super::common::{
    contact, ctt, describe, dtm, itd, item_from, note, purpose, reference, take_role, td5, text, times, Parties,
};
use super::{sum, Cx, LoopDef, Required, SetSpec};
use crate::reader::Segment;

const N1_LOOP: &[&str] = &["N2", "N3", "N4", "NX2", "REF", "PER", "SI", "FOB", "TD1", "TD5", "TD3", "TD4", "PKG"];

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("BEG")],
    top: &[
        "BEG", "CUR", "REF", "PER", "TAX", "FOB", "CTP", "PAM", "CSH", "TC2", "SAC", "ITD", "DIS", "INC", "DTM", "LDT",
        "LIN", "SI", "PID", "MEA", "PWK", "PKG", "TD1", "TD5", "TD3", "TD4", "MAN", "PCT", "CTB", "TXI", "AMT", "CTT",
        "NTE",
    ],
    loops: &[
        LoopDef { id: "N9", parent: None, members: &["DTM", "MSG", "MTX"] },
        LoopDef { id: "N1", parent: None, members: N1_LOOP },
        LoopDef {
            id: "PO1",
            parent: None,
            members: &[
                "LIN", "SI", "CUR", "CN1", "PO3", "CTP", "PAM", "MEA", "PID", "PWK", "PO4", "REF", "PER", "SAC", "IT8",
                "CSH", "ITD", "DIS", "INC", "TAX", "FOB", "SDQ", "IT3", "DTM", "TC2", "TD1", "TD5", "TD3", "TD4",
                "PCT", "MAN", "MSG", "NTE", "SPI", "TXI", "CTB", "QTY", "SCH", "PKG", "LS", "LE", "AMT",
            ],
        },
        LoopDef { id: "N9", parent: Some("PO1"), members: &["DTM", "MSG", "MTX"] },
        LoopDef { id: "N1", parent: Some("PO1"), members: N1_LOOP },
        LoopDef {
            id: "SLN",
            parent: Some("PO1"),
            members: &[
                "MSG", "SI", "PID", "PO3", "TC2", "ADV", "DTM", "CTP", "PAM", "PO4", "TAX", "N9", "SAC", "QTY", "N1",
                "N2", "N3", "N4", "NX2", "REF", "PER",
            ],
        },
    ],
    map,
};

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut po = empty();
    let (mut po_number, mut order_date) = (None, None);
    let mut parties = Parties::default();
    let mut line_at: Vec<Segment<'_>> = Vec::new();
    let (mut ctt, mut amt) = (None, None);
    while let Some(seg) = cx.next() {
        if cx.in_loop("PO1") && seg.id() != "PO1" {
            if let Some(line) = po.lines.last_mut() {
                line_segment(cx, line, &seg);
            }
            continue;
        }
        match (seg.id(), cx.loop_id()) {
            ("BEG", _) => {
                po.purpose = purpose(cx, &seg, 1);
                po.order_type = text(&seg, 2);
                po_number = text(&seg, 3);
                po.release_number = text(&seg, 4);
                order_date = cx.date(&seg, 5, 373);
            }
            ("CUR", _) => po.currency = text(&seg, 2),
            ("REF", None) => {
                if let Some(r) = reference(&seg) {
                    if r.qualifier == "CO" && po.sales_order_ref.is_none() {
                        po.sales_order_ref = Some(r.value.clone());
                    }
                    po.references.push(r);
                }
            }
            ("PER", None) => po.contacts.push(contact(&seg)),
            ("FOB", _) => po.fob = po.fob.take().or_else(|| text(&seg, 1)),
            ("ITD", _) => {
                let terms = itd(cx, &seg);
                po.terms.get_or_insert(terms);
            }
            ("DTM", None) => {
                if let Some(d) = dtm(cx, &seg) {
                    match d.qualifier.as_str() {
                        "002" if po.requested_delivery_date.is_none() => po.requested_delivery_date = Some(d.date),
                        "010" if po.requested_ship_date.is_none() => po.requested_ship_date = Some(d.date),
                        _ => po.dates.push(d),
                    }
                }
            }
            ("TD5", _) => td5(&mut po.carrier, &seg),
            ("N9", _) => po.references.extend(reference(&seg)),
            ("MSG" | "NTE" | "MTX", _) => po.notes.extend(note(&seg)),
            (_, Some("N1")) => {
                parties.take(&seg);
            }
            ("PO1", _) => {
                po.lines.push(po1(cx, &seg, po.lines.len()));
                line_at.push(seg);
            }
            ("CTT", _) => ctt = Some(seg),
            ("AMT", _) if amt.is_none() && matches!(seg.text(1), Some("TT" | "1")) => amt = Some(seg),
            _ => {}
        }
    }
    po.ship_to = take_role(&mut parties.0, &["ST"]);
    po.bill_to = take_role(&mut parties.0, &["BT"]);
    po.buyer = take_role(&mut parties.0, &["BY"]);
    po.seller = take_role(&mut parties.0, &["SE", "VN", "SU"]);
    po.parties = parties.0;
    check_destinations(cx, &po.lines, &line_at);
    po.declared_totals = totals(cx, &po.lines, ctt, amt);
    po.po_number = po_number?;
    po.order_date = order_date?;
    Some(Document::PurchaseOrder(po))
}

/// A segment inside a PO1 loop (or a loop nested in it).
fn line_segment(cx: &mut Cx<'_>, line: &mut PurchaseOrderLine, seg: &Segment<'_>) {
    match (seg.id(), cx.loop_id()) {
        ("PID", Some("PO1")) => describe(&mut line.item, seg),
        ("PO4", Some("PO1")) => {
            line.pack = Some(PackSpec {
                pack: cx.decimal(seg, 1, 356),
                size: cx.decimal(seg, 2, 357),
                uom: seg.text(3).map(Uom::from),
                packaging_code: text(seg, 4),
            });
        }
        ("SDQ", _) => sdq(cx, seg, line),
        ("DTM", Some("PO1")) => {
            if let Some(d) = dtm(cx, seg) {
                match d.qualifier.as_str() {
                    "010" if line.requested_ship_date.is_none() => line.requested_ship_date = Some(d.date),
                    _ => line.dates.push(d),
                }
            }
        }
        ("REF", Some("PO1")) | ("N9", Some("N9")) => line.references.extend(reference(seg)),
        ("MSG" | "NTE" | "MTX", Some("PO1" | "N9")) => line.notes.extend(note(seg)),
        ("SLN", _) => line.notes.push(subline(seg)),
        _ => {}
    }
}

/// PO1 (also read by the 855 mapper): the line as ordered.
pub(super) fn po1(cx: &mut Cx<'_>, seg: &Segment<'_>, index: usize) -> PurchaseOrderLine {
    PurchaseOrderLine {
        line_no: text(seg, 1).unwrap_or_else(|| (index + 1).to_string()),
        quantity: cx.decimal(seg, 2, 330).unwrap_or_default(),
        uom: cx.uom(seg, 3),
        unit_price: cx.decimal(seg, 4, 212),
        price_basis: text(seg, 5),
        item: item_from(seg, 6, 25),
        pack: None,
        destinations: Vec::new(),
        requested_ship_date: None,
        dates: Vec::new(),
        references: Vec::new(),
        notes: Vec::new(),
    }
}

/// SDQ: unit (01), location qualifier (02), then up to ten location/quantity pairs.
fn sdq(cx: &mut Cx<'_>, seg: &Segment<'_>, line: &mut PurchaseOrderLine) {
    if seg.text(1).is_some_and(|u| u != line.uom.as_str()) {
        cx.warn(
            seg,
            format!(
                "SDQ01 unit {} differs from the line's {}; quantities kept as sent",
                seg.element(1),
                line.uom.as_str()
            ),
        );
    }
    for k in (3..=21).step_by(2) {
        let Some(location) = text(seg, k) else { continue };
        if let Some(quantity) = cx.decimal(seg, k + 1, 380) {
            line.destinations.push(Destination { qualifier: text(seg, 2), location, quantity });
        }
    }
}

/// SLN as a note: "subline 1.1 (I): 10000 PC at 1.56, VC P-875OS, UI 09999982001".
fn subline(seg: &Segment<'_>) -> String {
    let mut s = format!("subline {}", seg.element(1).trim());
    if let Some(rel) = seg.text(3) {
        s += &format!(" ({rel})");
    }
    if let Some(q) = seg.text(4) {
        s += &format!(": {q} {}", seg.component(5, 1).trim());
    }
    if let Some(p) = seg.text(6) {
        s += &format!(" at {p}");
    }
    for q in (9..seg.element_count().min(29)).step_by(2) {
        if let (Some(qual), Some(id)) = (seg.text(q), seg.text(q + 1)) {
            s += &format!(", {qual} {id}");
        }
    }
    s
}

fn check_destinations(cx: &mut Cx<'_>, lines: &[PurchaseOrderLine], at: &[Segment<'_>]) {
    for (line, seg) in lines.iter().zip(at) {
        if line.destinations.is_empty() {
            continue;
        }
        if let Some(total) = sum(line.destinations.iter().map(|d| &d.quantity)) {
            cx.check_total(seg, &format!("line {} SDQ quantities", line.line_no), total, &[line.quantity]);
        }
    }
}

/// CTT01 (number of PO1), CTT02 (sum of PO102), AMT02 (sum of quantity x price).
fn totals(
    cx: &mut Cx<'_>,
    lines: &[PurchaseOrderLine],
    ctt_seg: Option<Segment<'_>>,
    amt: Option<Segment<'_>>,
) -> Option<DeclaredTotals> {
    let mut t = DeclaredTotals::default();
    if let Some(seg) = ctt_seg {
        (t.line_count, t.quantity_total) =
            ctt(cx, &seg, "PO1 line items", &[lines.len()], sum(lines.iter().map(|l| &l.quantity)).as_slice());
    }
    if let Some(seg) = amt {
        t.amount = cx.decimal(&seg, 2, 782);
        let computed = lines
            .iter()
            .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(times(l.quantity, l.unit_price.unwrap_or_default())?));
        if let (Some(declared), Some(computed)) = (t.amount, computed) {
            cx.check_total(&seg, "AMT02 total amount", declared, &[computed]);
        }
    }
    (t != DeclaredTotals::default()).then_some(t)
}

fn empty() -> PurchaseOrder {
    PurchaseOrder {
        po_number: String::new(),
        purpose: Purpose::Original,
        order_type: None,
        release_number: None,
        buyer: None,
        seller: None,
        ship_to: None,
        bill_to: None,
        parties: Vec::new(),
        order_date: NaiveDate::MIN,
        requested_ship_date: None,
        requested_delivery_date: None,
        dates: Vec::new(),
        currency: None,
        terms: None,
        carrier: None,
        fob: None,
        contacts: Vec::new(),
        references: Vec::new(),
        notes: Vec::new(),
        lines: Vec::new(),
        declared_totals: None,
        sales_order_ref: None,
    }
}
