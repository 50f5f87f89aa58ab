//! 945 Warehouse Shipping Advice.
//!
//! ```text
//! W06  F (final), request id, shipment date, shipment id, -, order reference (PO number)
//! N1   loops: the parties (N1, N3, N4, PER)
//! N9   references; BM bill of lading, 2I tracking numbers
//! G62  11 shipped on this date (and time)
//! W27  transport method, SCAC, routing
//! LX   loop per line: LX, W12 (status, ordered, shipped, difference, unit, UPC case
//!      code, product id pair), N9 LI line number, G69 description
//! W03  total units shipped
//! ```

use chrono::NaiveDateTime;
use crossdock_model::{FulfillmentUpdate, FulfillmentUpdateLine};

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, upd: &FulfillmentUpdate, now: NaiveDateTime) -> Result<(), WriteError> {
    let date = upd.shipped_at.map_or(now.date(), |t| t.date());
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
        lx(out, n + 1, line)?;
    }
    let total = common::checked_sum(upd.lines.iter().map(|l| Some(l.shipped_quantity)))?;
    seg!(out, "W03", total)
}

fn lx(out: &mut SetOut<'_>, n: usize, line: &FulfillmentUpdateLine) -> Result<(), WriteError> {
    seg!(out, "LX", n)?;
    // W12: 01 status, 02 ordered, 03 shipped, 04 difference, 05 unit, 06 UPC case code,
    // 07/08 product id, ...
    let ids = common::item_ids(&line.item);
    if ids.len() > 1 {
        return Err(WriteError::Invalid(format!(
            "W12 has room for one product id, line {} has {}",
            line.line_no,
            ids.len()
        )));
    }
    let difference = line.ordered_quantity.and_then(|o| o.checked_sub(line.shipped_quantity));
    let status = line.status.as_deref().unwrap_or("CC");
    let (q, v) = ids.first().copied().unwrap_or(("", ""));
    seg!(out, "W12", status, line.ordered_quantity, line.shipped_quantity, difference, line.uom, "", q, v)?;
    if let Some(d) = &line.item.description {
        seg!(out, "G69", d)?;
    }
    seg!(out, "N9", "LI", line.line_no)
}
