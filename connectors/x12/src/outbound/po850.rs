//! 850 Purchase Order.
//!
//! ```text
//! BEG  purpose, order type (SA when none), PO number, release, order date
//! CUR  BY currency
//! REF  references; CO the sales order the PO fulfils
//! PER  buyer contacts
//! FOB  freight terms
//! ITD  payment terms
//! DTM  010 requested ship, 002 requested delivery, every other date by its qualifier
//! TD5  carrier
//! N9   L1 notes, with MSG (004010) / MTX (005010); see `common::notes`
//! N1   loops: BT bill-to, BY buyer, SE seller, ST ship-to, then the other parties
//! PO1  loop: PO1 (line, quantity, unit, price, basis, product ids), PID*F description,
//!      PO4 pack, REF, DTM (010 requested ship, other dates), SDQ destinations, N9/notes
//! CTT  line count, hash total of the quantities
//! AMT  TT total amount, when known
//! ```

use crossdock_model::{Destination, PurchaseOrder, PurchaseOrderLine};
use rust_decimal::Decimal;

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, po: &PurchaseOrder) -> Result<(), WriteError> {
    let order_type = po.order_type.as_deref().unwrap_or("SA");
    seg!(out, "BEG", common::purpose(po.purpose), order_type, po.po_number, po.release_number, po.order_date)?;
    common::currency(out, "BY", po.currency.as_deref())?;
    // The sales order travels as REF*CO, once: it is usually among the references already.
    if let Some(so) =
        po.sales_order_ref.as_ref().filter(|so| !po.references.iter().any(|r| r.qualifier == "CO" && r.value == **so))
    {
        seg!(out, "REF", "CO", so)?;
    }
    let heading = common::note_heading(&po.references, &po.notes);
    common::references_except(out, &po.references, heading)?;
    common::contacts(out, &po.contacts)?;
    if let Some(fob) = &po.fob {
        seg!(out, "FOB", fob)?;
    }
    if let Some(t) = &po.terms {
        common::terms(out, t)?;
    }
    if let Some(d) = po.requested_ship_date {
        common::dtm(out, "010", d, None)?;
    }
    if let Some(d) = po.requested_delivery_date {
        common::dtm(out, "002", d, None)?;
    }
    for d in &po.dates {
        common::dtm(out, &d.qualifier, d.date, d.time)?;
    }
    if let Some(c) = &po.carrier {
        common::carrier(out, c)?;
    }
    common::notes(out, heading, &po.notes)?;
    let named = [(&po.bill_to, "BT"), (&po.buyer, "BY"), (&po.seller, "SE"), (&po.ship_to, "ST")];
    let named = named.into_iter().filter_map(|(p, role)| p.as_ref().map(|p| (p, role)));
    common::parties(out, named.chain(po.parties.iter().map(|p| (p, "ZZ"))), PartyLoop::FULL)?;
    for line in &po.lines {
        po1(out, line)?;
    }
    let quantities = po.lines.iter().map(|l| l.quantity);
    seg!(out, "CTT", po.lines.len(), common::hash_total(quantities))?;
    if let Some(amount) = total_amount(po) {
        seg!(out, "AMT", "TT", amount)?;
    }
    Ok(())
}

fn po1(out: &mut SetOut<'_>, line: &PurchaseOrderLine) -> Result<(), WriteError> {
    let ids = common::id_pairs(&line.item, 10, "PO1")?;
    let (qty, price) = (common::decimal(line.quantity), line.unit_price.map(common::decimal).unwrap_or_default());
    let basis = line.price_basis.as_deref().unwrap_or("");
    common::with_ids(out, "PO1", &[&line.line_no, &qty, line.uom.as_str(), &price, basis], &ids)?;
    common::description(out, &line.item)?;
    if let Some(p) = &line.pack {
        seg!(out, "PO4", p.pack, p.size, p.uom, p.packaging_code)?;
    }
    let heading = common::note_heading(&line.references, &line.notes);
    common::references_except(out, &line.references, heading)?;
    if let Some(d) = line.requested_ship_date {
        common::dtm(out, "010", d, None)?;
    }
    for d in &line.dates {
        common::dtm(out, &d.qualifier, d.date, d.time)?;
    }
    sdq(out, &line.destinations, line.uom.as_str())?;
    common::notes(out, heading, &line.notes)
}

/// SDQ: unit, location qualifier, then up to ten location / quantity pairs per segment.
fn sdq(out: &mut SetOut<'_>, destinations: &[Destination], uom: &str) -> Result<(), WriteError> {
    // One SDQ names one qualifier, so destinations are grouped by theirs, in order.
    let mut runs: Vec<(&str, Vec<&Destination>)> = Vec::new();
    for d in destinations {
        let q = d.qualifier.as_deref().unwrap_or("");
        match runs.last_mut() {
            Some((rq, v)) if *rq == q && v.len() < 10 => v.push(d),
            _ => runs.push((q, vec![d])),
        }
    }
    for (qualifier, run) in runs {
        let quantities: Vec<String> = run.iter().map(|d| common::decimal(d.quantity)).collect();
        let mut elements: Vec<&str> = vec![uom, qualifier];
        for (d, q) in run.iter().zip(&quantities) {
            elements.extend([d.location.as_str(), q.as_str()]);
        }
        out.segment("SDQ", &elements)?;
    }
    Ok(())
}

/// AMT*TT: the declared amount when the PO carries one, else the sum of the line
/// extensions when every line is priced.
fn total_amount(po: &PurchaseOrder) -> Option<Decimal> {
    if let Some(a) = po.declared_totals.as_ref().and_then(|t| t.amount) {
        return Some(a);
    }
    po.lines.iter().try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.unit_price?.checked_mul(l.quantity)?))
}
