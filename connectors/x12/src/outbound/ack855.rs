//! 855 Purchase Order Acknowledgment.
//!
//! ```text
//! BAK  purpose, acknowledgment type, PO number, PO date (else the ack date, else today),
//!      -, -, -, seller's order number, ack date
//! CUR  SE currency
//! REF  references
//! N1   loops: the parties
//! PO1  loop, one per PO line: PO1 (line, ordered quantity, unit, price, product ids),
//!      PID*F description, an ACK per acknowledged part (status, quantity, unit, 068 and
//!      the ship date), then the SCH schedules of the parts (quantity, unit, date
//!      qualifier, date): the standard puts the SCH loop after the ACKs
//! CTT  number of PO lines, hash total of the ordered quantities (PO102)
//! ```
//!
//! Consecutive ack lines with the same line number acknowledge one PO line in parts:
//! they share one PO1 loop, the first part's item, ordered quantity and price. An ack
//! that does not repeat the ordered quantity gives the quantity it acknowledges.

use chrono::NaiveDateTime;
use crossdock_model::{PurchaseOrderAck, PurchaseOrderAckLine};
use rust_decimal::Decimal;

use super::common::{self, seg, PartyLoop};
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, ack: &PurchaseOrderAck, now: NaiveDateTime) -> Result<(), WriteError> {
    // BAK04, the PO date, is mandatory: without it, the date the acknowledgment is made.
    let po_date = ack.order_date.or(ack.ack_date).unwrap_or(now.date());
    let p = common::purpose(ack.purpose);
    seg!(out, "BAK", p, ack.ack_type, ack.po_number, po_date, "", "", "", ack.seller_order_number, ack.ack_date)?;
    common::currency(out, "SE", ack.currency.as_deref())?;
    common::references(out, &ack.references)?;
    common::parties(out, ack.parties.iter().map(|p| (p, "ZZ")), PartyLoop::FULL)?;
    let ordered =
        ack.lines.chunk_by(|a, b| a.line_no == b.line_no).map(|part| po1(out, part)).collect::<Result<Vec<_>, _>>()?;
    if !ordered.is_empty() {
        seg!(out, "CTT", ordered.len(), common::hash_total(ordered))?;
    }
    Ok(())
}

/// One PO1 loop for the ack lines of one PO line; returns the quantity ordered (PO102).
fn po1(out: &mut SetOut<'_>, part: &[PurchaseOrderAckLine]) -> Result<Decimal, WriteError> {
    let Some(first) = part.first() else { return Ok(Decimal::ZERO) };
    let ids = common::id_pairs(&first.item, 10, "PO1")?;
    // PO102 is the quantity ordered; an ack that does not repeat it gives what it acknowledges.
    let acknowledged = common::checked_sum(part.iter().map(|l| Some(l.quantity)))?;
    let ordered_quantity = first.ordered_quantity.unwrap_or(acknowledged);
    let ordered = common::decimal(ordered_quantity);
    let price = first.unit_price.map(common::decimal).unwrap_or_default();
    let basis = if price.is_empty() { "" } else { "PE" };
    common::with_ids(out, "PO1", &[&first.line_no, &ordered, first.uom.as_str(), &price, basis], &ids)?;
    common::description(out, &first.item)?;
    for line in part {
        let (qualifier, date) = match line.ship_date {
            Some(d) => ("068", Some(d)),
            None => ("", None),
        };
        seg!(out, "ACK", line.status, line.quantity, line.uom, qualifier, date)?;
    }
    for line in part {
        for s in &line.schedule {
            // SCH: 01 quantity, 02 unit, 03/04 entity, 05 date qualifier, 06 date.
            seg!(out, "SCH", s.quantity, s.uom, "", "", s.qualifier.as_deref().unwrap_or("067"), s.date)?;
        }
    }
    Ok(ordered_quantity)
}
