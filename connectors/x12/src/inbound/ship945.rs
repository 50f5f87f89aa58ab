//! 945 Warehouse Shipping Advice -> [`FulfillmentUpdate`].
//!
//! - W06: reporting code (01), depositor order number (02, the request id, as in the
//!   940's W0502), ship date (03), shipment id (04), PO number (06, the order reference).
//! - N1 loops with N2/N3/N4/PER/REF (`parties`), N9 (references; CN and 2I are tracking
//!   numbers), G62 (011 shipped: the ship date and time, preferred to W0603), W27
//!   (carrier: mode 01, SCAC 02, routing 03).
//! - LX gives the line number of the W12 that follows. W12: status (01: CC complete, CP
//!   partial, BP backordered, ...), quantity ordered (02), shipped (03), unit (05),
//!   U.P.C. case code (06, kept as id `UA`), product id pair 07/08; G69 describes it; N9
//!   in its loop with CN or 2I are tracking numbers, as is MAN*CP.
//! - W03 total units shipped (01) is checked against the sum of W1203: a difference is a
//!   warning. A W12 without a shipped quantity ships nothing (0), with a warning.
//! - Not mapped: W10, W28, G72 (charges), W12 weights and lot numbers, W03 weight/volume.

use crossdock_model::{Carrier, Document, FulfillmentUpdate, FulfillmentUpdateLine};
use rust_decimal::Decimal;

use super::common::{add_id, describe, g62, item_from, reference, text, Parties};
use super::{sum, Cx, LoopDef, Required, SetSpec};
use crate::reader::Segment;

const W12_LOOP: &[&str] = &["G69", "N9", "W20", "MAN", "G62", "NTE", "REF", "QTY", "AMT"];

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("W06")],
    top: &["W06", "N9", "G62", "NTE", "W27", "W10", "W28", "G72", "W03"],
    loops: &[
        LoopDef { id: "N1", parent: None, members: &["N2", "N3", "N4", "PER", "REF", "G61"] },
        LoopDef { id: "LX", parent: None, members: &["MAN", "PAL"] },
        LoopDef { id: "W12", parent: Some("LX"), members: W12_LOOP },
        LoopDef { id: "W12", parent: None, members: W12_LOOP },
    ],
    map,
};

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut upd = FulfillmentUpdate {
        request_id: String::new(),
        shipment_id: None,
        order_ref: None,
        shipped_at: None,
        carrier: None,
        tracking_numbers: Vec::new(),
        parties: Vec::new(),
        references: Vec::new(),
        lines: Vec::new(),
    };
    let (mut request_id, mut ship_date, mut shipped) = (None, None, None);
    let mut parties = Parties::default();
    let mut line_no = None;
    let mut w03 = None;
    while let Some(seg) = cx.next() {
        match (seg.id(), cx.loop_id()) {
            ("W06", _) => {
                request_id = text(&seg, 2);
                ship_date = cx.date(&seg, 3, 373);
                upd.shipment_id = text(&seg, 4);
                upd.order_ref = text(&seg, 6);
            }
            (_, Some("N1")) => {
                parties.take(&seg);
            }
            ("N9", None) => {
                if let Some(r) = reference(&seg) {
                    if !track(&mut upd.tracking_numbers, &r.qualifier, &r.value) {
                        upd.references.push(r);
                    }
                }
            }
            ("G62", None) => {
                if let Some(d) = g62(cx, &seg) {
                    if matches!(d.qualifier.as_str(), "11" | "011") && shipped.is_none() {
                        shipped = Some(d.date.and_time(d.time.unwrap_or_default()));
                    }
                }
            }
            ("W27", _) => {
                upd.carrier = Some(Carrier {
                    transport_method: text(&seg, 1),
                    code_qualifier: seg.text(2).map(|_| "2".to_string()),
                    code: text(&seg, 2),
                    routing: text(&seg, 3),
                    service_level: None,
                })
            }
            ("LX", _) => line_no = text(&seg, 1),
            ("W12", _) => {
                let line_no = line_no.take().unwrap_or_else(|| (upd.lines.len() + 1).to_string());
                upd.lines.push(w12(cx, &seg, line_no));
            }
            ("G69", Some("W12")) => {
                if let Some(line) = upd.lines.last_mut() {
                    describe(&mut line.item, &seg);
                }
            }
            ("N9" | "REF" | "MAN", Some("W12" | "LX")) => {
                if let (Some(q), Some(v)) = (seg.text(1), seg.text(2)) {
                    track(&mut upd.tracking_numbers, q, v);
                }
            }
            ("W03", _) => w03 = Some(seg),
            _ => {}
        }
    }
    upd.shipped_at = shipped.or_else(|| ship_date.map(|d| d.and_time(Default::default())));
    upd.parties = parties.0;
    if let Some(seg) = w03 {
        if let (Some(declared), Some(computed)) =
            (cx.decimal(&seg, 1, 382), sum(upd.lines.iter().map(|l| &l.shipped_quantity)))
        {
            cx.check_total(&seg, "W0301 total units shipped", declared, &[computed]);
        }
    }
    upd.request_id = request_id?;
    Some(Document::FulfillmentUpdate(upd))
}

fn w12(cx: &mut Cx<'_>, seg: &Segment<'_>, line_no: String) -> FulfillmentUpdateLine {
    let mut item = item_from(seg, 7, 8);
    if let Some(upc_case) = seg.text(6) {
        add_id(&mut item, "UA", upc_case);
    }
    let shipped_quantity = cx.decimal(seg, 3, 382).unwrap_or_else(|| {
        if seg.text(3).is_none() {
            cx.warn(seg, format!("W12 for line {line_no} gives no quantity shipped (W1203); read as 0"));
        }
        Decimal::ZERO
    });
    FulfillmentUpdateLine {
        line_no,
        item,
        ordered_quantity: cx.decimal(seg, 2, 330),
        shipped_quantity,
        uom: cx.uom(seg, 5),
        status: text(seg, 1),
    }
}

/// Keeps a tracking number (qualifier CN, 2I, or MAN*CP); false for other references.
fn track(tracking: &mut Vec<String>, qualifier: &str, value: &str) -> bool {
    if !matches!(qualifier, "CN" | "2I" | "CP") {
        return false;
    }
    if !tracking.iter().any(|t| t == value) {
        tracking.push(value.to_string());
    }
    true
}
