//! 846 Inventory Inquiry/Advice.
//!
//! ```text
//! BIA  00 original (snapshot) or 04 change (delta), MM, advice id (else the node id, else
//!      the as-of time as CCYYMMDDHHMMSS), as-of date and time in UTC
//! DTM  007 the same date and time, with the time code UT that says it is UTC
//! N1   the reporting party
//! LIN  loop per position: LIN (product ids), PID*F description,
//!      QTY 17 on hand, QTY 33 available,
//!      QTY 63 on order: one per undated quantity, then one for the dated ones with an
//!        SCH each (quantity, unit, 018 available date),
//!      QTY IQ in transit, the same way,
//!      N1 WH the location within the reporter (ZZ its id)
//! CTT  number of positions
//! ```

use crossdock_model::{AdviceMode, FutureSupply, InventoryAdvice, Position};

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, advice: &InventoryAdvice) -> Result<(), WriteError> {
    // X12 dates carry no offset: the as-of instant is sent in UTC, and the DTM says so.
    let at = advice.as_of.naive_utc();
    let purpose = match advice.mode {
        AdviceMode::Snapshot => "00",
        AdviceMode::Delta => "04",
    };
    // BIA03 is mandatory: the advice id, else the node's, else the as-of time.
    let stamp = at.format("%Y%m%d%H%M%S").to_string();
    let id = advice.advice_id.as_deref().or(advice.node_id.as_deref()).unwrap_or(&stamp);
    seg!(out, "BIA", purpose, "MM", id, at.date(), at.time())?;
    seg!(out, "DTM", "007", at.date(), at.time(), "UT")?;
    if let Some(r) = &advice.reporter {
        common::party(out, r, "SU", PartyLoop::FULL)?;
    }
    for p in &advice.positions {
        position(out, p)?;
    }
    seg!(out, "CTT", advice.positions.len())
}

fn position(out: &mut SetOut<'_>, p: &Position) -> Result<(), WriteError> {
    let ids = common::id_pairs(&p.item, 15, "LIN")?;
    common::with_ids(out, "LIN", &[""], &ids)?;
    common::description(out, &p.item)?;
    if let Some(q) = p.on_hand {
        seg!(out, "QTY", "17", q, p.uom)?;
    }
    if let Some(q) = p.available {
        seg!(out, "QTY", "33", q, p.uom)?;
    }
    supply(out, "63", &p.on_order, p)?;
    supply(out, "IQ", &p.in_transit, p)?;
    match &p.location {
        Some(loc) => seg!(out, "N1", "WH", "", "ZZ", loc),
        None => Ok(()),
    }
}

/// Quantities still to come: a QTY for each undated one, then a QTY with the total of
/// the dated ones followed by one SCH per expected arrival (SCH requires its date).
fn supply(out: &mut SetOut<'_>, qualifier: &str, list: &[FutureSupply], p: &Position) -> Result<(), WriteError> {
    for s in list.iter().filter(|s| s.eta.is_none()) {
        seg!(out, "QTY", qualifier, s.quantity, p.uom)?;
    }
    let dated: Vec<(&FutureSupply, chrono::NaiveDate)> = list.iter().filter_map(|s| s.eta.map(|d| (s, d))).collect();
    if dated.is_empty() {
        return Ok(());
    }
    let total = common::checked_sum(dated.iter().map(|(s, _)| Some(s.quantity)))?;
    seg!(out, "QTY", qualifier, total, p.uom)?;
    for (s, eta) in dated {
        seg!(out, "SCH", s.quantity, p.uom, "", "", "018", eta)?;
    }
    Ok(())
}
