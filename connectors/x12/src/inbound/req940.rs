//! 940 Warehouse Shipping Order -> [`FulfillmentRequest`].
//!
//! - W05: order status (01: N new is an original, C a cancellation, R a replacement),
//!   depositor order number (02, the request id), PO number (03, the order reference).
//! - N1 loops with N2/N3/N4/PER/REF: ST ship_to, WH warehouse, others (DE depositor,
//!   SF, BT, ...) in `parties`.
//! - N9 (references), G62 (`dates`: qualifier 01, date 02, time 04), NTE (notes), W66
//!   (carrier: mode 02, routing 05, SCAC 10).
//! - LX gives the line number of the W01 that follows (else the line's ordinal). W01:
//!   quantity (01), unit (02), U.P.C. case code (03, kept as id `UA`), product ids in
//!   pairs 04/05 and 06/07; G69 describes it; N9 in its loop are line references.
//! - W76 total quantity (01) is checked against the sum of W0101: a difference is a
//!   warning (the model keeps no declared totals for requests).
//! - Not mapped: W6601 (payment method), W20 (packing), G61 contacts outside N1 loops,
//!   LM/LQ codes, W76 weight and volume.

use crossdock_model::{Document, FulfillmentLine, FulfillmentRequest, Purpose};

use super::common::{add_id, describe, g62, item_from, note, reference, take_role, text, Parties};
use super::{sum, Cx, LoopDef, Required, SetSpec};

const W01_LOOP: &[&str] = &["G69", "N9", "W20", "AMT", "MAN", "QTY", "G62", "NTE"];

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("W05")],
    top: &["W05", "N9", "G62", "NTE", "W66", "W6", "W76", "LM", "LQ"],
    loops: &[
        LoopDef { id: "N1", parent: None, members: &["N2", "N3", "N4", "PER", "REF", "G61"] },
        LoopDef { id: "LX", parent: None, members: &[] },
        LoopDef { id: "W01", parent: Some("LX"), members: W01_LOOP },
        LoopDef { id: "W01", parent: None, members: W01_LOOP },
    ],
    map,
};

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut req = FulfillmentRequest {
        request_id: String::new(),
        purpose: Purpose::Original,
        order_ref: None,
        ship_to: None,
        warehouse: None,
        parties: Vec::new(),
        carrier: None,
        dates: Vec::new(),
        references: Vec::new(),
        notes: Vec::new(),
        lines: Vec::new(),
    };
    let mut request_id = None;
    let mut parties = Parties::default();
    let mut line_no = None;
    let mut w76 = None;
    while let Some(seg) = cx.next() {
        match (seg.id(), cx.loop_id()) {
            ("W05", _) => {
                req.purpose = match seg.text(1) {
                    Some("C") => Purpose::Cancellation,
                    Some("R") => Purpose::Replace,
                    _ => Purpose::Original,
                };
                request_id = text(&seg, 2);
                req.order_ref = text(&seg, 3);
            }
            (_, Some("N1")) => {
                parties.take(&seg);
            }
            ("N9", None) => req.references.extend(reference(&seg)),
            ("G62", None) => req.dates.extend(g62(cx, &seg)),
            ("NTE", None) => req.notes.extend(note(&seg)),
            ("W66", _) => {
                let c = req.carrier.get_or_insert_with(Default::default);
                c.transport_method = text(&seg, 2);
                c.routing = text(&seg, 5);
                c.code = text(&seg, 10);
                c.code_qualifier = c.code.as_ref().map(|_| "2".to_string());
            }
            ("LX", _) => line_no = text(&seg, 1),
            ("W01", _) => {
                let mut item = item_from(&seg, 4, 7);
                if let Some(upc_case) = seg.text(3) {
                    add_id(&mut item, "UA", upc_case);
                }
                let line_no = line_no.take().unwrap_or_else(|| (req.lines.len() + 1).to_string());
                let quantity = cx.decimal(&seg, 1, 330).unwrap_or_default();
                req.lines.push(FulfillmentLine {
                    line_no,
                    item,
                    quantity,
                    uom: cx.uom(&seg, 2),
                    references: Vec::new(),
                });
            }
            ("G69", Some("W01")) => {
                if let Some(line) = req.lines.last_mut() {
                    describe(&mut line.item, &seg);
                }
            }
            ("N9", Some("W01")) => {
                if let Some(line) = req.lines.last_mut() {
                    line.references.extend(reference(&seg));
                }
            }
            ("W76", _) => w76 = Some(seg),
            _ => {}
        }
    }
    req.ship_to = take_role(&mut parties.0, &["ST"]);
    req.warehouse = take_role(&mut parties.0, &["WH"]);
    req.parties = parties.0;
    if let Some(seg) = w76 {
        if let (Some(declared), Some(computed)) = (cx.decimal(&seg, 1, 347), sum(req.lines.iter().map(|l| &l.quantity)))
        {
            cx.check_total(&seg, "W7601 total quantity ordered", declared, &[computed]);
        }
    }
    req.request_id = request_id?;
    Some(Document::FulfillmentRequest(req))
}
