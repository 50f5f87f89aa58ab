//! 855 Purchase Order Acknowledgment.
//!
//! ```text
//! BAK  purpose, acknowledgment type, PO number, PO date, -, -, -, seller's order number, ack date
//! CUR  SE currency
//! REF  references
//! N1   loops: the parties
//! PO1  loop, one per PO line: PO1 (line, ordered quantity, unit, price, product ids),
//!      PID*F description, then per acknowledged part ACK (status, quantity, unit,
//!      068 ship date) and its SCH schedules
//! CTT  number of PO lines, hash total of the ordered quantities
//! ```
//!
//! Consecutive ack lines with the same line number acknowledge one PO line in parts:
//! they share one PO1 loop, with an ACK (and its SCH) each.

use chrono::NaiveDateTime;
use crossdock_model::{PurchaseOrderAck, PurchaseOrderAckLine};

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
    let mut po_lines = 0usize;
    let mut hash = Vec::new();
    for part in ack.lines.chunk_by(|a, b| a.line_no == b.line_no) {
        po1(out, part)?;
        po_lines += 1;
        hash.push(part[0].ordered_quantity.unwrap_or(part[0].quantity));
    }
    if po_lines > 0 {
        seg!(out, "CTT", po_lines, common::hash_total(hash))?;
    }
    Ok(())
}

fn po1(out: &mut SetOut<'_>, part: &[PurchaseOrderAckLine]) -> Result<(), WriteError> {
    let Some(first) = part.first() else { return Ok(()) };
    let ids = common::id_pairs(&first.item, 10, "PO1")?;
    // PO102 is the quantity ordered; an ack that does not repeat it gives what it acknowledges.
    let acknowledged = common::checked_sum(part.iter().map(|l| Some(l.quantity)))?;
    let ordered = common::decimal(first.ordered_quantity.unwrap_or(acknowledged));
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
    Ok(())
}
