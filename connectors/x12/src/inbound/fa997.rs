//! 997 Functional Acknowledgment and 999 Implementation Acknowledgment ->
//! [`FunctionalAck`].
//!
//! - AK1: the acknowledged group's functional id (01, two letters) and control number
//!   (02). AK9: the group's status (01: A, E, M, P, R, W, X), sets included (02),
//!   received (03) and accepted (04), group error codes (05-09). Both are mandatory:
//!   without them there is no document.
//! - AK2: one acknowledged set (id 01, control number 02), closed by its AK5 (997) or
//!   IK5 (999): status (01) and set error codes (02-06). An AK2 loop without its AK5 is
//!   reported (AK5 missing) and keeps an empty status.
//! - AK3 / IK3: a segment in error (id 01, position 02, loop 03, code 04); AK4 / IK4 its
//!   element errors (position 01 as `element[-component[-repetition]]`, data element
//!   number 02, code 03, copy of the bad data 04).
//! - The AK3/AK4 detail is information about our own set, not a reason to reject the
//!   partner's acknowledgment: a position that is not a number is a warning (read as 0).
//!   The statuses and the group's control number are what the hub acts on, so a bad
//!   AK101 or status code is an error.
//! - Not mapped: 999 CTX context segments and the AK2/AK1 implementation references.

use crossdock_model::{AckedElementError, AckedSegmentError, AckedTransaction, Document, FunctionalAck};

use super::common::text;
use super::{Cx, LoopDef, Required, SetSpec};
use crate::issue::{ElementCode, SegmentCode};
use crate::reader::Segment;

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("AK1"), Required::Tail("AK9")],
    top: &["AK1", "AK9"],
    loops: &[
        LoopDef { id: "AK2", parent: None, members: &["AK5", "IK5"] },
        LoopDef { id: "AK3", parent: Some("AK2"), members: &["AK4"] },
        LoopDef { id: "IK3", parent: Some("AK2"), members: &["IK4", "CTX"] },
    ],
    map,
};

const STATUS: &[&str] = &["A", "E", "M", "P", "R", "W", "X"];

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut ack = FunctionalAck {
        ack_kind: cx.set_id.to_string(),
        functional_id: String::new(),
        group_control_number: String::new(),
        group_status: String::new(),
        transactions_included: None,
        transactions_received: None,
        transactions_accepted: None,
        group_errors: Vec::new(),
        transactions: Vec::new(),
    };
    let (mut ak1, mut ak9) = (false, false);
    let mut open = false;
    while let Some(seg) = cx.next() {
        match seg.id() {
            "AK1" => {
                ak1 = true;
                if let Some(id) = seg.text(1) {
                    if id.len() == 2 && id.bytes().all(|b| b.is_ascii_uppercase()) {
                        ack.functional_id = id.to_string();
                    } else {
                        cx.bad(
                            &seg,
                            1,
                            ElementCode::InvalidCode,
                            Some(479),
                            format!("AK101 {id:?} is not a functional identifier code"),
                        );
                    }
                }
                ack.group_control_number = text(&seg, 2).unwrap_or_default();
            }
            "AK2" => {
                close(cx, &seg, &mut open);
                open = true;
                ack.transactions.push(AckedTransaction {
                    set_id: text(&seg, 1).unwrap_or_default(),
                    control_number: text(&seg, 2).unwrap_or_default(),
                    status: String::new(),
                    errors: Vec::new(),
                    segment_errors: Vec::new(),
                });
            }
            "AK3" | "IK3" => match ack.transactions.last_mut().filter(|_| open) {
                Some(tx) => {
                    let position = detail_position(cx, &seg);
                    tx.segment_errors.push(AckedSegmentError {
                        segment_id: text(&seg, 1).unwrap_or_default(),
                        position,
                        loop_id: text(&seg, 3),
                        code: text(&seg, 4),
                        element_errors: Vec::new(),
                    });
                }
                None => cx.segment_issue(&seg, SegmentCode::Unexpected, format!("{} outside an AK2 loop", seg.id())),
            },
            "AK4" | "IK4" => {
                let element = element_error(cx, &seg);
                match ack.transactions.last_mut().filter(|_| open).and_then(|tx| tx.segment_errors.last_mut()) {
                    Some(s) => s.element_errors.push(element),
                    None => cx.segment_issue(
                        &seg,
                        SegmentCode::Unexpected,
                        format!("{} without the AK3/IK3 it details", seg.id()),
                    ),
                }
            }
            "AK5" | "IK5" => match ack.transactions.last_mut().filter(|_| open) {
                Some(tx) => {
                    tx.status = cx.code(&seg, 1, 717, STATUS).unwrap_or_default().to_string();
                    tx.errors = (2..=6).filter_map(|n| text(&seg, n)).collect();
                    open = false;
                }
                None => cx.segment_issue(&seg, SegmentCode::Unexpected, format!("{} outside an AK2 loop", seg.id())),
            },
            "AK9" => {
                close(cx, &seg, &mut open);
                ak9 = true;
                ack.group_status = cx.code(&seg, 1, 715, STATUS).unwrap_or_default().to_string();
                ack.transactions_included = cx.count(&seg, 2, 97);
                ack.transactions_received = cx.count(&seg, 3, 123);
                ack.transactions_accepted = cx.count(&seg, 4, 2);
                ack.group_errors = (5..=9).filter_map(|n| text(&seg, n)).collect();
            }
            _ => {}
        }
    }
    (ak1 && ak9 && !ack.group_control_number.is_empty()).then_some(Document::FunctionalAck(ack))
}

/// An AK2 loop ends (at `seg`) without its AK5: that is a missing mandatory segment.
fn close(cx: &mut Cx<'_>, seg: &Segment<'_>, open: &mut bool) {
    if std::mem::take(open) {
        let ak5 = if cx.set_id == "999" { "IK5" } else { "AK5" };
        let mut issue_at = seg.location();
        issue_at.segment_id = ak5.to_string();
        cx.missing_segment(
            issue_at,
            seg.position,
            Some("AK2"),
            format!("the AK2 loop before {} has no {ak5}, which is mandatory", seg.id()),
        );
    }
}

/// AK302 / IK302, the position of the segment in error. The detail of a received
/// acknowledgment is information, not something to reject it for: a position that is not
/// a number is read as 0, with a warning.
fn detail_position(cx: &mut Cx<'_>, seg: &Segment<'_>) -> u32 {
    let Some(v) = seg.text(2) else { return 0 };
    v.parse().unwrap_or_else(|_| {
        cx.warn(seg, format!("{}02 {v:?} is not a segment position; read as 0", seg.id()));
        0
    })
}

/// AK4 / IK4: position (C030: element, component, repetition), data element number,
/// error code, copy of the bad value.
fn element_error(cx: &mut Cx<'_>, seg: &Segment<'_>) -> AckedElementError {
    let parts: Vec<&str> = (1..=3).map(|c| seg.component(1, c).trim()).collect();
    if let Some(bad) = parts.iter().find(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit())) {
        cx.warn(seg, format!("{}01 {bad:?} is not an element position; kept as sent", seg.id()));
    }
    let used = parts.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
    AckedElementError {
        position: parts[..used].join("-"),
        reference_number: text(seg, 2),
        code: text(seg, 3).unwrap_or_default(),
        bad_value: text(seg, 4),
    }
}
