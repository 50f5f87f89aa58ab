//! 214 Transportation Carrier Shipment Status Message -> [`ShipmentStatus`].
//!
//! - B10: the carrier's reference (01, kept as reference `CN`, the PRO number), the
//!   shipment id (02), the carrier's SCAC (03).
//! - L11 (references: value 01, qualifier 02, description 03), N1 loops with
//!   N2/N3/N4/PER/REF (`parties`: SH shipper, CN consignee, BT, ...).
//! - Each AT7 is a status event: status (01, or the appointment status 03 when 01 is
//!   empty), reason (02, or 04), date (05) and time (06; midnight when absent), time
//!   zone code (07, as sent). MS1 after it gives the event's place (city 01, state 02,
//!   country 03); MS2 the equipment (kept as reference `EQ`, its number 02).
//! - Not mapped: AT8 (weight and quantity), MAN, K1, Q7, CD3, NM1.

use crossdock_model::{Carrier, Document, Reference, ShipmentStatus, StatusEvent};

use super::common::{reference, text, Parties};
use super::{Cx, LoopDef, Required, SetSpec};

const AT7_LOOP: &[&str] = &["MS1", "MS2"];

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("B10")],
    top: &["B10", "L11", "MAN", "K1"],
    loops: &[
        LoopDef { id: "N1", parent: None, members: &["N2", "N3", "N4", "G62", "REF", "PER"] },
        LoopDef {
            id: "LX",
            parent: None,
            members: &["L11", "MAN", "Q7", "K1", "AT5", "AT8", "CD3", "NM1", "Q5", "G62", "NTE"],
        },
        LoopDef { id: "AT7", parent: Some("LX"), members: AT7_LOOP },
        LoopDef { id: "AT7", parent: None, members: AT7_LOOP },
    ],
    map,
};

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut st = ShipmentStatus {
        shipment_id: String::new(),
        carrier: None,
        references: Vec::new(),
        parties: Vec::new(),
        events: Vec::new(),
    };
    let mut shipment_id = None;
    let mut parties = Parties::default();
    while let Some(seg) = cx.next() {
        match (seg.id(), cx.loop_id()) {
            ("B10", _) => {
                if let Some(value) = text(&seg, 1) {
                    add(&mut st.references, Reference { qualifier: "CN".into(), value, description: None });
                }
                shipment_id = text(&seg, 2);
                if let Some(scac) = text(&seg, 3) {
                    st.carrier =
                        Some(Carrier { code: Some(scac), code_qualifier: Some("2".into()), ..Carrier::default() });
                }
            }
            ("L11", _) => {
                if let (Some(value), Some(qualifier)) = (text(&seg, 1), text(&seg, 2)) {
                    add(&mut st.references, Reference { qualifier, value, description: text(&seg, 3) });
                }
            }
            (_, Some("N1")) => {
                parties.take(&seg);
            }
            ("AT7", _) => {
                let at = cx.date(&seg, 5, 373).map(|d| d.and_time(cx.time(&seg, 6, 337).unwrap_or_default()));
                st.events.push(StatusEvent {
                    status: text(&seg, 1).or_else(|| text(&seg, 3)).unwrap_or_default(),
                    reason: text(&seg, 2).or_else(|| text(&seg, 4)),
                    at,
                    time_zone: text(&seg, 7),
                    city: None,
                    region: None,
                    country: None,
                });
            }
            ("MS1", Some("AT7")) => {
                if let Some(e) = st.events.last_mut() {
                    (e.city, e.region, e.country) = (text(&seg, 1), text(&seg, 2), text(&seg, 3));
                }
            }
            ("MS2", _) => {
                if let Some(value) = text(&seg, 2) {
                    add(&mut st.references, Reference { qualifier: "EQ".into(), value, description: None });
                }
            }
            ("REF", _) => {
                if let Some(r) = reference(&seg) {
                    add(&mut st.references, r);
                }
            }
            _ => {}
        }
    }
    st.parties = parties.0;
    st.shipment_id = shipment_id?;
    Some(Document::ShipmentStatus(st))
}

fn add(refs: &mut Vec<Reference>, r: Reference) {
    if !refs.contains(&r) {
        refs.push(r);
    }
}
