//! 997 Functional Acknowledgment and 999 Implementation Acknowledgment.
//!
//! ```text
//! AK1  functional id, group control number
//! AK2  loop per acknowledged set: AK2 (set id, control number),
//!      AK3 / IK3 segment errors (id, position, loop, code) with AK4 / IK4 element
//!      errors (position, reference number, code, copy of the bad value),
//!      AK5 / IK5 (status, error codes)
//! AK9  group status, sets included, received, accepted, error codes
//! ```

use crossdock_model::FunctionalAck;

use super::common::seg;
use super::SetOut;
use crate::writer::WriteError;

pub(super) fn write(out: &mut SetOut<'_>, ack: &FunctionalAck, is_999: bool) -> Result<(), WriteError> {
    let (ak3, ak4, ak5) = if is_999 { ("IK3", "IK4", "IK5") } else { ("AK3", "AK4", "AK5") };
    seg!(out, "AK1", ack.functional_id, ack.group_control_number)?;
    for tx in &ack.transactions {
        seg!(out, "AK2", tx.set_id, tx.control_number)?;
        for s in &tx.segment_errors {
            out.segment(
                ak3,
                &[
                    &s.segment_id,
                    &s.position.to_string(),
                    s.loop_id.as_deref().unwrap_or(""),
                    s.code.as_deref().unwrap_or(""),
                ],
            )?;
            for e in &s.element_errors {
                let position = out.composite(&e.position.split([':', '.', '-']).collect::<Vec<_>>());
                let reference = e.reference_number.as_deref().unwrap_or("");
                out.segment(ak4, &[&position, reference, &e.code, e.bad_value.as_deref().unwrap_or("")])?;
            }
        }
        let codes: Vec<&str> =
            std::iter::once(tx.status.as_str()).chain(tx.errors.iter().map(String::as_str)).collect();
        out.segment(ak5, &codes)?;
    }
    // AK902..AK904 are mandatory: counted from the AK2 loops when the ack does not say.
    let listed = ack.transactions.len() as u32;
    let accepted = ack.transactions.iter().filter(|t| matches!(t.status.as_str(), "A" | "E" | "W")).count() as u32;
    let counts = [
        ack.transactions_included.unwrap_or(listed),
        ack.transactions_received.unwrap_or(listed),
        ack.transactions_accepted.unwrap_or(accepted),
    ]
    .map(|n| n.to_string());
    let mut ak9: Vec<&str> = vec![&ack.group_status, &counts[0], &counts[1], &counts[2]];
    ak9.extend(ack.group_errors.iter().map(String::as_str));
    out.segment("AK9", &ak9)
}
