//! 810 Invoice.
//!
//! ```text
//! BIG  invoice date, invoice number, PO date, PO number, -, -, transaction type
//! CUR  SE currency
//! REF  references
//! N1   loops: the parties
//! ITD  payment terms
//! DTM  dates
//! IT1  loop: IT1 (line, quantity, unit, price, basis, product ids), PID*F description,
//!      SAC line allowances and charges
//! TDS  total amount, discountable amount (N2: two implied decimals)
//! SAC  header allowances and charges
//! CTT  number of lines
//! ```

use crossdock_model::{Charge, ChargeKind, Invoice, InvoiceLine};
use rust_decimal::Decimal;

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, inv: &Invoice) -> Result<(), WriteError> {
    let ty = inv.invoice_type.as_deref();
    seg!(out, "BIG", inv.invoice_date, inv.invoice_number, inv.po_date, inv.po_number, "", "", ty)?;
    common::currency(out, "SE", inv.currency.as_deref())?;
    common::references(out, &inv.references)?;
    common::parties(out, inv.parties.iter().map(|p| (p, "ZZ")), PartyLoop::FULL)?;
    if let Some(t) = &inv.terms {
        common::terms(out, t)?;
    }
    for d in &inv.dates {
        common::dtm(out, &d.qualifier, d.date, d.time)?;
    }
    for line in &inv.lines {
        it1(out, line)?;
    }
    let total = match inv.totals.total_amount {
        Some(t) => t,
        None => computed_total(inv)?,
    };
    let discountable = inv.totals.discountable_amount.map(common::implied2).transpose()?;
    seg!(out, "TDS", common::implied2(total)?, discountable)?;
    for c in &inv.charges {
        common::charge(out, c)?;
    }
    seg!(out, "CTT", inv.lines.len())
}

fn it1(out: &mut SetOut<'_>, line: &InvoiceLine) -> Result<(), WriteError> {
    let ids = common::id_pairs(&line.item, 10, "IT1")?;
    let (qty, price) = (common::decimal(line.quantity), common::decimal(line.unit_price));
    let basis = line.price_basis.as_deref().unwrap_or("");
    common::with_ids(out, "IT1", &[&line.line_no, &qty, line.uom.as_str(), &price, basis], &ids)?;
    common::description(out, &line.item)?;
    line.charges.iter().try_for_each(|c| common::charge(out, c))
}

/// TDS01 is mandatory: when the invoice declares no total, the lines' extensions plus
/// charges less allowances, line and header.
fn computed_total(inv: &Invoice) -> Result<Decimal, WriteError> {
    let signed = |c: &Charge| match c.kind {
        ChargeKind::Charge => Some(c.amount),
        ChargeKind::Allowance => Some(-c.amount),
    };
    let extensions = inv.lines.iter().map(|l| l.quantity.checked_mul(l.unit_price));
    let line_charges = inv.lines.iter().flat_map(|l| l.charges.iter().map(signed));
    common::checked_sum(extensions.chain(line_charges).chain(inv.charges.iter().map(signed)))
}
