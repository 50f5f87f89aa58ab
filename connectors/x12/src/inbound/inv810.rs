//! 810 Invoice -> [`Invoice`].
//!
//! - BIG: invoice date (01), invoice number (02), PO date (03), PO number (04),
//!   transaction type (07: DI debit invoice, CR credit memo, ...).
//! - CUR (currency), REF (references), N1 loops with N2/N3/N4/PER/REF (`parties`: ST,
//!   BT, RE remit-to, RI, SF, SO, ...), ITD (terms; the first one), DTM (`dates`).
//! - IT1: line number (01, else the line's ordinal), quantity (02), unit (03), unit
//!   price (04), basis (05), product ids in pairs from 06/07; PID describes it; SAC in
//!   the line loop is a line charge or allowance.
//! - Summary: TDS total (01) and discountable amount (02), both N2 (two implied
//!   decimals: `TDS*255438` is 2554.38); SAC (header charges); CTT (line count, kept in
//!   `totals.line_count`, and hash total, checked against the sum of IT102).
//! - TDS01 is checked against the lines (quantity x price) plus line and header charges,
//!   less allowances. Some senders (Ariba among them) restate the sum of line charges as
//!   header SACs, so a total that leaves out either the line or the header charges is
//!   accepted too. A difference is a warning with both figures.
//! - Not mapped: FOB, TD5/CAD (the model's invoice has no carrier), TXI, ISS, AMT, line
//!   REF and line-level N1 loops (the model's invoice line has no room for them), SAC01
//!   `N` (informational, no charge).

use chrono::NaiveDate;
use crossdock_model::{Document, Invoice, InvoiceLine, InvoiceTotals};
use rust_decimal::Decimal;

use super::common::{ctt, describe, dtm, itd, item_from, reference, sac, signed, text, times, Parties};
use super::{sum, Cx, LoopDef, Required, SetSpec};
use crate::reader::Segment;

const N1_LOOP: &[&str] = &["N2", "N3", "N4", "REF", "PER", "DMG"];

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("BIG"), Required::Tail("TDS")],
    top: &[
        "BIG", "NTE", "CUR", "REF", "YNQ", "PER", "ITD", "DTM", "FOB", "PID", "MEA", "PWK", "PKG", "L7", "BAL", "INC",
        "PAM", "TDS", "TXI", "CAD", "AMT", "SAC", "ISS", "CTT",
    ],
    loops: &[
        LoopDef { id: "N1", parent: None, members: N1_LOOP },
        LoopDef {
            id: "IT1",
            parent: None,
            members: &[
                "CRC", "QTY", "CUR", "IT3", "TXI", "CTP", "PAM", "MEA", "PID", "PWK", "PKG", "PO4", "ITD", "REF",
                "YNQ", "PER", "IT8", "DTM", "CAD", "L7", "SR", "SAC", "SLN", "N1",
            ],
        },
        LoopDef { id: "PID", parent: Some("IT1"), members: &["MEA"] },
        LoopDef { id: "SAC", parent: Some("IT1"), members: &["TXI"] },
        LoopDef { id: "N1", parent: Some("IT1"), members: N1_LOOP },
        LoopDef { id: "SAC", parent: None, members: &["TXI"] },
    ],
    map,
};

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut inv = Invoice {
        invoice_number: String::new(),
        invoice_date: NaiveDate::MIN,
        po_number: None,
        po_date: None,
        invoice_type: None,
        currency: None,
        parties: Vec::new(),
        terms: None,
        references: Vec::new(),
        dates: Vec::new(),
        lines: Vec::new(),
        charges: Vec::new(),
        totals: InvoiceTotals::default(),
    };
    let (mut number, mut date) = (None, None);
    let mut parties = Parties::default();
    let (mut tds, mut ctt_seg) = (None, None);
    while let Some(seg) = cx.next() {
        if cx.in_loop("IT1") && seg.id() != "IT1" {
            if let Some(line) = inv.lines.last_mut() {
                line_segment(cx, line, &seg);
            }
            continue;
        }
        match (seg.id(), cx.loop_id()) {
            ("BIG", _) => {
                date = cx.date(&seg, 1, 373);
                number = text(&seg, 2);
                inv.po_date = cx.date(&seg, 3, 373);
                inv.po_number = text(&seg, 4);
                inv.invoice_type = text(&seg, 7);
            }
            ("CUR", _) => inv.currency = text(&seg, 2),
            ("REF", None) => inv.references.extend(reference(&seg)),
            (_, Some("N1")) => {
                parties.take(&seg);
            }
            ("ITD", _) => {
                let terms = itd(cx, &seg);
                inv.terms.get_or_insert(terms);
            }
            ("DTM", _) => inv.dates.extend(dtm(cx, &seg)),
            ("IT1", _) => {
                let line = it1(cx, &seg, inv.lines.len());
                inv.lines.push(line);
            }
            ("TDS", _) => tds = Some(seg),
            ("SAC", _) => inv.charges.extend(sac(cx, &seg)),
            ("CTT", _) => ctt_seg = Some(seg),
            _ => {}
        }
    }
    inv.parties = parties.0;
    if let Some(seg) = ctt_seg {
        inv.totals.line_count =
            ctt(cx, &seg, "IT1 line items", &[inv.lines.len()], sum(inv.lines.iter().map(|l| &l.quantity)).as_slice())
                .0;
    }
    if let Some(seg) = tds {
        inv.totals.total_amount = cx.implied2(&seg, 1, 610);
        inv.totals.discountable_amount = cx.implied2(&seg, 2, 610);
        if let (Some(declared), Some(computed)) = (inv.totals.total_amount, computed_totals(&inv)) {
            cx.check_total(&seg, "TDS01 total invoice amount", declared, &computed);
        }
    }
    inv.invoice_number = number?;
    inv.invoice_date = date?;
    Some(Document::Invoice(inv))
}

fn it1(cx: &mut Cx<'_>, seg: &Segment<'_>, index: usize) -> InvoiceLine {
    InvoiceLine {
        line_no: text(seg, 1).unwrap_or_else(|| (index + 1).to_string()),
        quantity: cx.decimal(seg, 2, 358).unwrap_or_default(),
        uom: cx.uom(seg, 3),
        unit_price: cx.decimal(seg, 4, 212).unwrap_or_default(),
        price_basis: text(seg, 5),
        item: item_from(seg, 6, 25),
        charges: Vec::new(),
    }
}

fn line_segment(cx: &mut Cx<'_>, line: &mut InvoiceLine, seg: &Segment<'_>) {
    match (seg.id(), cx.loop_id()) {
        ("PID", Some("IT1" | "PID")) => describe(&mut line.item, seg),
        ("SAC", _) => line.charges.extend(sac(cx, seg)),
        _ => {}
    }
}

/// What TDS01 may be: lines + line charges + header charges, or either set of charges
/// alone (when the header restates the lines' charges, or the lines only detail them).
fn computed_totals(inv: &Invoice) -> Option<Vec<Decimal>> {
    let lines = inv.lines.iter().try_fold(Decimal::ZERO, |acc, l| acc.checked_add(times(l.quantity, l.unit_price)?))?;
    let line_charges = sum(inv.lines.iter().flat_map(|l| &l.charges).map(signed).collect::<Vec<_>>().iter())?;
    let header_charges = sum(inv.charges.iter().map(signed).collect::<Vec<_>>().iter())?;
    let all = lines.checked_add(line_charges)?.checked_add(header_charges)?;
    let mut out = vec![all];
    for alt in [lines.checked_add(line_charges)?, lines.checked_add(header_charges)?] {
        if !out.contains(&alt) {
            out.push(alt);
        }
    }
    Some(out)
}
