//! 940 Warehouse Shipping Order.
//!
//! ```text
//! W05  N (new; C cancellation, R replace, F ...), request id, order reference (PO number)
//! N1   loops: ST ship-to, WH warehouse, the other parties (N1, N3, N4, PER: no REF here)
//! N9   references
//! G62  dates
//! NTE  WHI notes
//! W66  freight payment (PP when none), transport method, routing, SCAC
//! LX   loop per line: LX (the line number when it is numeric, as LX01 must be, else
//!      the line's ordinal), W01 (quantity, unit, U.P.C. case code: the item's `UA` id,
//!      then up to three product id pairs: 04/05, 06/07, 15/16), G69 description, N9
//!      line references
//! W76  total quantity
//! ```

use crossdock_model::{FulfillmentLine, FulfillmentRequest, Purpose};

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, req: &FulfillmentRequest) -> Result<(), WriteError> {
    seg!(out, "W05", status(req.purpose), req.request_id, req.order_ref)?;
    let named = [(&req.ship_to, "ST"), (&req.warehouse, "WH")];
    let named = named.into_iter().filter_map(|(p, role)| p.as_ref().map(|p| (p, role)));
    common::parties(out, named.chain(req.parties.iter().map(|p| (p, "ZZ"))), PartyLoop::WAREHOUSE)?;
    for r in &req.references {
        seg!(out, "N9", r.qualifier, r.value, r.description)?;
    }
    for d in &req.dates {
        seg!(out, "G62", d.qualifier, d.date, d.time.map(|_| "Y"), d.time)?;
    }
    for n in &req.notes {
        seg!(out, "NTE", "WHI", n)?;
    }
    if let Some(c) = &req.carrier {
        // W66: 01 payment, 02 transport method, 03, 04, 05 routing, 06..09, 10 SCAC.
        let method = c.transport_method.as_deref().unwrap_or("ZZ");
        seg!(out, "W66", "PP", method, "", "", c.routing, "", "", "", "", c.code)?;
    }
    for (n, line) in req.lines.iter().enumerate() {
        seg!(out, "LX", common::assigned_number(&line.line_no, n))?;
        w01(out, line)?;
    }
    let total = common::checked_sum(req.lines.iter().map(|l| Some(l.quantity)))?;
    seg!(out, "W76", total)
}

/// W0501 (DE 473): N original, C cancellation, R replace, F change (firm).
fn status(p: Purpose) -> &'static str {
    match p {
        Purpose::Cancellation => "C",
        Purpose::Replace => "R",
        Purpose::Change => "F",
        _ => "N",
    }
}

fn w01(out: &mut SetOut<'_>, line: &FulfillmentLine) -> Result<(), WriteError> {
    let (upc_case, ids) = common::upc_case_and_ids(&line.item, 3, "W01")?;
    let qty = common::decimal(line.quantity);
    let mut el: Vec<&str> = vec![&qty, line.uom.as_str(), upc_case];
    for (i, (q, v)) in ids.iter().enumerate() {
        if i == 2 {
            el.resize(14, "");
        }
        el.extend([*q, *v]);
    }
    out.segment("W01", &el)?;
    if let Some(d) = &line.item.description {
        seg!(out, "G69", d)?;
    }
    line.references.iter().try_for_each(|r| seg!(out, "N9", r.qualifier, r.value, r.description))
}
