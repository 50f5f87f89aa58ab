//! 945 Warehouse Shipping Advice.
//!
//! ```text
//! W06  F (final), request id, ship date, shipment id, -, order reference (PO number)
//! N1   loops: the parties (N1, N3, N4, PER)
//! N9   references; BM bill of lading, 2I tracking numbers
//! G62  11 shipped on this date (and time)
//! W27  transport method, SCAC, routing
//! LX   loop per line: LX (the line number when numeric, else its ordinal), W12 (status,
//!      CC when none; ordered, shipped, difference, unit, U.P.C. case code: the item's
//!      `UA` id; one product id pair), G69 description
//! W03  total units shipped
//! ```

use crossdock_model::{FulfillmentUpdate, FulfillmentUpdateLine};

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, upd: &FulfillmentUpdate) -> Result<(), WriteError> {
    let date = upd.shipped_at.map(|t| t.date());
    seg!(out, "W06", "F", upd.request_id, date, upd.shipment_id, "", upd.order_ref)?;
    common::parties(out, upd.parties.iter().map(|p| (p, "ZZ")), PartyLoop::WAREHOUSE)?;
    for r in &upd.references {
        seg!(out, "N9", r.qualifier, r.value, r.description)?;
    }
    for t in &upd.tracking_numbers {
        seg!(out, "N9", "2I", t)?;
    }
    if let Some(at) = upd.shipped_at {
        seg!(out, "G62", "11", at.date(), "8", at.time())?;
    }
    if let Some(c) = &upd.carrier {
        let method = c.transport_method.as_deref().unwrap_or("ZZ");
        seg!(out, "W27", method, c.code, c.routing)?;
    }
    for (n, line) in upd.lines.iter().enumerate() {
        seg!(out, "LX", common::assigned_number(&line.line_no, n))?;
        w12(out, line)?;
    }
    let total = common::checked_sum(upd.lines.iter().map(|l| Some(l.shipped_quantity)))?;
    seg!(out, "W03", total)
}

fn w12(out: &mut SetOut<'_>, line: &FulfillmentUpdateLine) -> Result<(), WriteError> {
    let (upc_case, ids) = common::upc_case_and_ids(&line.item, 1, "W12")?;
    let difference = line.ordered_quantity.and_then(|o| o.checked_sub(line.shipped_quantity));
    let status = line.status.as_deref().unwrap_or("CC");
    let (q, v) = ids.first().copied().unwrap_or(("", ""));
    seg!(out, "W12", status, line.ordered_quantity, line.shipped_quantity, difference, line.uom, upc_case, q, v)?;
    match &line.item.description {
        Some(d) => seg!(out, "G69", d),
        None => Ok(()),
    }
}
