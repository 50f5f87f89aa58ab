//! 846 Inventory Inquiry/Advice.
//!
//! ```text
//! BIA  00 original (snapshot) or 04 change (delta), MM, advice id, as-of date and time
//! DTM  as-of date and time with its offset as an ISO time code (only when it has one)
//! N1   the reporting party
//! LIN  loop per position: LIN (product ids), PID*F description, REF LOC location,
//!      QTY 17 on hand, QTY 33 available,
//!      QTY 63 on order with one SCH each (quantity, unit, 018 available date),
//!      QTY IQ in transit with one SCH each
//! CTT  number of positions
//! ```

use crossdock_model::{AdviceMode, FutureSupply, InventoryAdvice, Position};

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, advice: &InventoryAdvice) -> Result<(), WriteError> {
    let at = advice.as_of.naive_local();
    let purpose = match advice.mode {
        AdviceMode::Snapshot => "00",
        AdviceMode::Delta => "04",
    };
    let id = advice.advice_id.as_deref().or(advice.node_id.as_deref()).unwrap_or("");
    seg!(out, "BIA", purpose, "MM", id, at.date(), at.time())?;
    seg!(out, "DTM", "007", at.date(), at.time(), common::time_code(advice.as_of.offset()))?;
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
    if let Some(loc) = &p.location {
        seg!(out, "REF", "LOC", loc)?;
    }
    if let Some(q) = p.on_hand {
        seg!(out, "QTY", "17", q, p.uom)?;
    }
    if let Some(q) = p.available {
        seg!(out, "QTY", "33", q, p.uom)?;
    }
    supply(out, "63", &p.on_order, p)?;
    supply(out, "IQ", &p.in_transit, p)
}

/// Quantities still to come: a QTY with their total, then one SCH per expected arrival.
fn supply(out: &mut SetOut<'_>, qualifier: &str, list: &[FutureSupply], p: &Position) -> Result<(), WriteError> {
    if list.is_empty() {
        return Ok(());
    }
    let total = common::checked_sum(list.iter().map(|s| Some(s.quantity)))?;
    seg!(out, "QTY", qualifier, total, p.uom)?;
    for s in list {
        let (q, date) = s.eta.map_or(("", None), |d| ("018", Some(d)));
        seg!(out, "SCH", s.quantity, p.uom, "", "", q, date)?;
    }
    Ok(())
}
