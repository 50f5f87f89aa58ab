//! 846 Inventory Inquiry/Advice -> [`InventoryAdvice`].
//!
//! - BIA: purpose (01), report type (02), reference (03, the advice id), date (04) and
//!   time (05). X12 gives no time zone: `as_of` is that date and time at +00:00.
//! - Snapshot or delta comes from the purpose: 04 (change) and 25 (incremental) are
//!   deltas, everything else (00 original, 05 replace, ...) a full snapshot. The report
//!   type (SI seller inventory, MM, MB, DD, ...) only names the report: whatever it is,
//!   the quantities are stock positions of the reporter and are read the same way.
//!   A purpose of 13 (request) or 28 (query) makes the set an inquiry, not an advice:
//!   it is mapped the same way, with a warning.
//! - N1 loops: the reporter is the first party in a supplier-side role (SU, VN, SE, MF,
//!   DS, WH, SF, RI), else the first party.
//! - LIN: product ids in pairs from 02/03; PID describes it; an N1 in the LIN loop names
//!   the location of the position (its id, else its name).
//! - QTY qualifier (01), quantity (02), unit (03-1):
//!   - 33 quantity available for sale -> `available`; 17 quantity on hand -> `on_hand`;
//!     02 cumulative quantity -> `on_hand` when no 17 is given (senders use it for the
//!     stock they hold);
//!   - 63 on order (also QP) -> `on_order`; IQ (also QI) in transit -> `in_transit`;
//!   - other qualifiers are not stock figures Crossdock uses: ignored, one warning each.
//! - SCH under a QTY (quantity 01, date 06) is future supply with its date: under an
//!   in-transit QTY it is in transit, otherwise (under 33/17 it states future
//!   availability, under 63 it dates the order) it is on order. The dated quantities
//!   replace the undated total of an on-order or in-transit QTY.
//! - CTT01 is checked against the number of LIN, CTT02 against the sum of QTY02.

use chrono::{FixedOffset, NaiveTime, TimeZone};
use crossdock_model::{AdviceMode, Document, FutureSupply, InventoryAdvice, ItemRef, Position, Uom};
use rust_decimal::Decimal;

use super::common::{ctt, describe, item_ids, take_role, text, Parties};
use super::{Cx, LoopDef, Required, SetSpec};
use crate::reader::Segment;

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("BIA")],
    top: &["BIA", "NTE", "CUR", "DTM", "REF", "PER", "MEA", "CTT"],
    loops: &[
        LoopDef { id: "N1", parent: None, members: &["N2", "N3", "N4", "REF", "PER"] },
        LoopDef { id: "LM", parent: None, members: &["LQ"] },
        LoopDef {
            id: "LIN",
            parent: None,
            members: &[
                "SLN", "PID", "PO3", "PO4", "MEA", "PWK", "PKG", "PO4", "DTM", "CTP", "REF", "PER", "SAC", "TAX",
                "TD1", "TD5", "TD3", "TD4", "LDT", "UIT", "LS", "LE", "FOB", "MAN",
            ],
        },
        LoopDef { id: "QTY", parent: Some("LIN"), members: &["UIT", "DTM"] },
        LoopDef { id: "SCH", parent: Some("LIN"), members: &["DTM"] },
        LoopDef { id: "N1", parent: Some("LIN"), members: &["N2", "N3", "N4", "REF", "PER", "DTM", "QTY", "SCH"] },
    ],
    map,
};

const REPORTER_ROLES: &[&str] = &["SU", "VN", "SE", "MF", "DS", "WH", "SF", "RI"];

/// Which figure a QTY qualifier gives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Figure {
    Available,
    OnHand,
    Cumulative,
    OnOrder,
    InTransit,
}

fn figure(qualifier: &str) -> Option<Figure> {
    Some(match qualifier {
        "33" => Figure::Available,
        "17" => Figure::OnHand,
        "02" => Figure::Cumulative,
        "63" | "QP" => Figure::OnOrder,
        "IQ" | "QI" => Figure::InTransit,
        _ => return None,
    })
}

/// The position being read, and the QTY its SCH segments belong to.
struct Open {
    position: Position,
    cumulative: Option<Decimal>,
    qty: Option<Figure>,
    /// Index of the undated total of the open on-order/in-transit QTY, until an SCH dates it.
    undated: Option<usize>,
}

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let (mut advice_id, mut as_of, mut mode) = (None, None, AdviceMode::Snapshot);
    let mut parties = Parties::default();
    // Sized exactly: a big advice's positions are most of its memory, and growing the
    // vector would briefly hold two copies.
    let mut positions: Vec<Position> = Vec::with_capacity(cx.count_segments("LIN"));
    let mut open: Option<Open> = None;
    let mut ignored: Vec<String> = Vec::new();
    // The QTY02 sum for CTT02, kept as it goes (`None` once it overflows).
    let (mut quantities, mut lin_count, mut ctt_seg) = (Some(Decimal::ZERO), 0, None);
    while let Some(seg) = cx.next() {
        match (seg.id(), cx.loop_id()) {
            ("BIA", _) => {
                if matches!(seg.text(1), Some("04" | "25")) {
                    mode = AdviceMode::Delta;
                }
                if let Some(p @ ("13" | "28")) = seg.text(1) {
                    cx.warn(&seg, format!("BIA01 {p} makes this 846 an inquiry, not an advice; its quantities are read as reported stock"));
                }
                advice_id = text(&seg, 3);
                if let Some(date) = cx.date(&seg, 4, 373) {
                    let time = cx.time(&seg, 5, 337).unwrap_or(NaiveTime::MIN);
                    as_of =
                        FixedOffset::east_opt(0).and_then(|utc| utc.from_local_datetime(&date.and_time(time)).single());
                }
            }
            ("LIN", _) => {
                close(&mut positions, open.take());
                lin_count += 1;
                let mut item = ItemRef::default();
                item_ids(&mut item, &seg, 2, 31);
                let position = Position {
                    item,
                    location: None,
                    uom: Uom::each(),
                    on_hand: None,
                    available: None,
                    in_transit: Vec::new(),
                    on_order: Vec::new(),
                };
                open = Some(Open { position, cumulative: None, qty: None, undated: None });
            }
            ("N1" | "N2" | "N3" | "N4" | "REF" | "PER", Some("N1")) if !cx.in_loop("LIN") => {
                parties.take(&seg);
            }
            (_, _) if cx.in_loop("LIN") => {
                if let Some(o) = open.as_mut() {
                    line_segment(cx, &seg, o, &mut quantities, &mut ignored);
                }
            }
            ("CTT", _) => ctt_seg = Some(seg),
            _ => {}
        }
    }
    close(&mut positions, open.take());
    if let Some(seg) = ctt_seg {
        ctt(cx, &seg, "LIN line items", &[lin_count], quantities.as_slice());
    }
    let mut parties = parties.0;
    let reporter = take_role(&mut parties, REPORTER_ROLES).or_else(|| (!parties.is_empty()).then(|| parties.remove(0)));
    Some(Document::InventoryAdvice(InventoryAdvice {
        node_id: None,
        advice_id,
        as_of: as_of?,
        mode,
        reporter,
        positions,
    }))
}

fn line_segment(
    cx: &mut Cx<'_>,
    seg: &Segment<'_>,
    o: &mut Open,
    quantities: &mut Option<Decimal>,
    ignored: &mut Vec<String>,
) {
    let p = &mut o.position;
    match seg.id() {
        "PID" => describe(&mut p.item, seg),
        "N1" => p.location = text(seg, 4).or_else(|| text(seg, 2)),
        "QTY" => {
            o.qty = None;
            o.undated = None;
            let Some(quantity) = cx.decimal(seg, 2, 380) else { return };
            *quantities = quantities.and_then(|sum| sum.checked_add(quantity));
            let unit = seg.component(3, 1).trim();
            if !unit.is_empty() {
                p.uom = Uom::from(unit);
            }
            let qualifier = seg.text(1).unwrap_or_default();
            let Some(f) = figure(qualifier) else {
                if !ignored.iter().any(|q| q == qualifier) {
                    ignored.push(qualifier.to_string());
                    cx.warn(
                        seg,
                        format!(
                            "QTY01 {qualifier} is not a stock figure Crossdock reads (33, 17, 02, 63, IQ); ignored"
                        ),
                    );
                }
                return;
            };
            o.qty = Some(f);
            match f {
                Figure::Available => p.available = Some(quantity),
                Figure::OnHand => p.on_hand = Some(quantity),
                Figure::Cumulative => o.cumulative = Some(quantity),
                Figure::OnOrder => {
                    o.undated = Some(p.on_order.len());
                    p.on_order.push(FutureSupply { quantity, eta: None });
                }
                Figure::InTransit => {
                    o.undated = Some(p.in_transit.len());
                    p.in_transit.push(FutureSupply { quantity, eta: None });
                }
            }
        }
        "SCH" => {
            let (Some(quantity), eta) = (cx.decimal(seg, 1, 380), cx.date(seg, 6, 373)) else { return };
            let list = if o.qty == Some(Figure::InTransit) { &mut p.in_transit } else { &mut p.on_order };
            if let Some(i) = o.undated.take() {
                if i < list.len() {
                    list.remove(i);
                }
            }
            list.push(FutureSupply { quantity, eta });
        }
        _ => {}
    }
}

fn close(positions: &mut Vec<Position>, open: Option<Open>) {
    if let Some(mut o) = open {
        if o.position.on_hand.is_none() {
            o.position.on_hand = o.cumulative;
        }
        positions.push(o.position);
    }
}
