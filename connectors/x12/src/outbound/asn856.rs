//! 856 Ship Notice/Manifest, as the hierarchy shipment > order > (tare) > pack > item.
//!
//! ```text
//! BSN  purpose, shipment id, date and time the notice is made, 0001 (S O T P I)
//! HL   S shipment: TD1 packages and gross weight, TD5 carrier, REF BM bill of lading,
//!        REF CN tracking numbers, REF others, DTM 011 shipped, DTM 017 expected
//!        delivery, N1 SF ship-from, N1 ST ship-to, N1 other parties
//!   HL O order: PRF PO number and date, REF, N1 ST order ship-to
//!     HL T tare (pallet), when packs name one: MAN GM its SSCC
//!       HL P pack: MAN GM SSCC, MAN other marks
//!         HL I item: LIN (PO line, product ids), SN1 shipped and ordered quantity
//!           (and the PO line when there is no LIN), PID*F description, REF
//! CTT  number of HL segments
//! ```
//!
//! Items of a pack with neither SSCC, marks nor tare (items shipped without a pack
//! level) hang directly under their order. HL01 counts from 1 in writing order, HL02 is
//! the parent's HL01, HL04 says whether children follow (1) or not (0).

use chrono::NaiveDateTime;
use crossdock_model::{ShipNotice, ShippedItem, ShippedOrder, ShippedPack};

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, asn: &ShipNotice, now: NaiveDateTime) -> Result<(), WriteError> {
    let (date, time) = (now.date(), now.time());
    seg!(out, "BSN", common::purpose(asn.purpose), asn.shipment_id, date, time, "0001")?;
    let mut hl = Hl::default();
    let shipment = hl.open(out, None, "S", !asn.orders.is_empty())?;
    shipment_level(out, asn)?;
    for order in &asn.orders {
        let o = hl.open(out, Some(shipment), "O", !order.packs.is_empty())?;
        order_level(out, order)?;
        let mut tares: Vec<(&str, u32)> = Vec::new();
        for pack in &order.packs {
            let parent = match pack.tare.as_deref() {
                None => o,
                Some(t) => match tares.iter().find(|(id, _)| *id == t) {
                    Some(&(_, n)) => n,
                    None => {
                        let n = hl.open(out, Some(o), "T", true)?;
                        seg!(out, "MAN", "GM", t)?;
                        tares.push((t, n));
                        n
                    }
                },
            };
            let bare = pack.sscc.is_none() && pack.marks.is_empty() && pack.tare.is_none();
            let parent = if bare { parent } else { pack_level(out, &mut hl, parent, pack)? };
            for item in &pack.items {
                hl.open(out, Some(parent), "I", false)?;
                item_level(out, item)?;
            }
        }
    }
    seg!(out, "CTT", hl.count)
}

/// Numbers the HL segments.
#[derive(Default)]
struct Hl {
    count: u32,
}

impl Hl {
    fn open(
        &mut self,
        out: &mut SetOut<'_>,
        parent: Option<u32>,
        level: &str,
        children: bool,
    ) -> Result<u32, WriteError> {
        self.count += 1;
        seg!(out, "HL", self.count, parent.map(|p| p.to_string()), level, if children { "1" } else { "0" })?;
        Ok(self.count)
    }
}

fn shipment_level(out: &mut SetOut<'_>, asn: &ShipNotice) -> Result<(), WriteError> {
    if asn.package_count.is_some() || asn.gross_weight.is_some() {
        let w = asn.gross_weight.as_ref();
        let packaging = asn.package_count.map(|_| "CTN");
        seg!(
            out,
            "TD1",
            packaging,
            asn.package_count,
            "",
            "",
            "",
            w.map(|_| "G"),
            w.map(|w| w.value),
            w.map(|w| &w.uom)
        )?;
    }
    if let Some(c) = &asn.carrier {
        common::carrier(out, c)?;
    }
    if let Some(bol) = &asn.bill_of_lading {
        seg!(out, "REF", "BM", bol)?;
    }
    for t in &asn.tracking_numbers {
        seg!(out, "REF", "CN", t)?;
    }
    common::references(out, &asn.references)?;
    if let Some(at) = asn.shipped_at {
        common::dtm(out, "011", at.date(), Some(at.time()))?;
    }
    if let Some(d) = asn.expected_delivery {
        common::dtm(out, "017", d, None)?;
    }
    let named = [(&asn.ship_from, "SF"), (&asn.ship_to, "ST")];
    let named = named.into_iter().filter_map(|(p, role)| p.as_ref().map(|p| (p, role)));
    common::parties(out, named.chain(asn.parties.iter().map(|p| (p, "ZZ"))), PartyLoop::FULL)
}

fn order_level(out: &mut SetOut<'_>, order: &ShippedOrder) -> Result<(), WriteError> {
    seg!(out, "PRF", order.po_number, "", "", order.po_date)?;
    common::references(out, &order.references)?;
    if let Some(st) = &order.ship_to {
        common::party(out, st, "ST", PartyLoop::FULL)?;
    }
    Ok(())
}

fn pack_level(out: &mut SetOut<'_>, hl: &mut Hl, parent: u32, pack: &ShippedPack) -> Result<u32, WriteError> {
    let n = hl.open(out, Some(parent), "P", !pack.items.is_empty())?;
    if let Some(sscc) = &pack.sscc {
        seg!(out, "MAN", "GM", sscc)?;
    }
    for m in &pack.marks {
        seg!(out, "MAN", m.qualifier, m.value)?;
    }
    Ok(n)
}

/// LIN carries the PO line number and the product ids; an item known by its PO line
/// number alone has no LIN (LIN02/03 are mandatory) and gives the number in SN101.
fn item_level(out: &mut SetOut<'_>, item: &ShippedItem) -> Result<(), WriteError> {
    let ids = common::id_pairs(&item.item, 15, "LIN")?;
    let line_no = item.line_no.as_deref().unwrap_or("");
    if !ids.is_empty() {
        common::with_ids(out, "LIN", &[line_no], &ids)?;
    }
    let sn101 = if ids.is_empty() { line_no } else { "" };
    let ordered = item.ordered_quantity.map(common::decimal);
    seg!(out, "SN1", sn101, item.quantity, item.uom, "", ordered, ordered.as_ref().map(|_| &item.uom))?;
    common::description(out, &item.item)?;
    common::references(out, &item.references)
}
