//! Acknowledgments for inbound X12: the TA1 an interchange envelope earns and the 997 or
//! 999 each functional group earns, sent back to the sender in its own conventions
//! (delimiters, versions, usage indicator) with sender and receiver swapped.
//!
//! Feed an [`AckBuilder`] the reader's events plus every finding of the mapping, or let
//! [`acknowledge`] do both for a whole input. Statuses are decided in one place
//! ([`set_verdict`], [`group_verdict`]); the 997 and the 999 only differ in how they are
//! spelled, which is the business of `write`.
//!
//! Invariants: no input makes the builder panic; control numbers are taken only when an
//! acknowledgment is really written; acknowledgments (FA groups) are never acknowledged.

mod write;

use std::io::Read;

use chrono::NaiveDateTime;

use crate::control::{ControlError, ControlNumbers};
use crate::inbound::map_transaction;
use crate::issue::{GroupCode, SegmentIssue, SetCode, SetIssue, Ta1Code};
use crate::reader::{functional_id, Event, Group, Interchange, ReadError, X12Reader};
use crate::writer::WriteError;

/// Which functional acknowledgment to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckKind {
    Ack997,
    Ack999,
}

#[derive(Debug, Clone)]
pub struct AckOptions {
    pub kind: AckKind,
    /// Our ISA05/ISA06 in the acknowledgment; normally `None`: the inbound ISA07/ISA08.
    pub our_qualifier_and_id: Option<(String, String)>,
    /// Date and time written in the ISA and GS of the acknowledgment.
    pub now: NaiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum AckError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Control(#[from] ControlError),
    #[error("cannot write the acknowledgment: {0}")]
    Write(#[from] WriteError),
}

/// TA104, AK501 / IK501, AK901.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Accepted,
    /// Never decided by this builder (a warning is not an error), kept for completeness.
    AcceptedWithErrors,
    /// AK901 only: some sets of the group were accepted.
    PartiallyAccepted,
    Rejected,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Accepted => "A",
            Status::AcceptedWithErrors => "E",
            Status::PartiallyAccepted => "P",
            Status::Rejected => "R",
        }
    }
}

/// The TA1 written for an interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ta1Summary {
    /// TA101: the inbound ISA13.
    pub control_number: String,
    /// TA104: `A`, `E` or `R`.
    pub status: Status,
    /// TA105; `None` is written `000` (no error).
    pub note: Option<Ta1Code>,
}

impl Ta1Summary {
    pub fn note_code(&self) -> &'static str {
        self.note.map_or("000", Ta1Code::code)
    }
}

/// One acknowledged functional group: what its AK1 .. AK9 say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    /// GS01, GS02, GS03, GS06 and GS08 of the inbound group, as sent.
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub control_number: String,
    pub version: String,
    /// AK901.
    pub status: Status,
    /// AK905..AK909.
    pub codes: Vec<GroupCode>,
    /// AK902: sets included (as counted: the reader does not hand out GE01).
    pub included: u32,
    /// AK903: sets received.
    pub received: u32,
    /// AK904: sets accepted.
    pub accepted: u32,
    /// One AK2 loop each (none for a group whose version or functional id is not supported).
    pub sets: Vec<SetSummary>,
}

/// One acknowledged transaction set: its AK2, AK3/AK4 and AK5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSummary {
    /// ST01, ST02, ST03 as sent.
    pub set_id: String,
    pub control_number: String,
    pub implementation: Option<String>,
    /// AK501.
    pub status: Status,
    /// AK502..AK506.
    pub codes: Vec<SetCode>,
    /// One AK3 each, with its AK4s.
    pub segment_issues: Vec<SegmentIssue>,
}

/// What one inbound interchange gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgment {
    /// The acknowledgment interchange, ready to send.
    pub x12: Vec<u8>,
    pub ta1: Option<Ta1Summary>,
    pub groups: Vec<GroupSummary>,
}

/// AK5: a set with any problem is rejected, with up to five distinct codes; segment
/// problems add code 5. (Warnings never reach here: they are not issues.)
pub fn set_verdict(set_issues: &[SetIssue], segment_issues: &[SegmentIssue]) -> (Status, Vec<SetCode>) {
    let segments = (!segment_issues.is_empty()).then_some(SetCode::SegmentsInError);
    let codes = distinct(set_issues.iter().map(|i| i.code).chain(segments));
    let status = if codes.is_empty() { Status::Accepted } else { Status::Rejected };
    (status, codes)
}

/// AK9: rejected when the group envelope is broken (then no set counts as accepted) or
/// when no set was accepted; partial when only some were. Returns (AK901, AK904).
pub fn group_verdict(codes: &[GroupCode], sets: &[SetSummary]) -> (Status, u32) {
    let accepted = if codes.is_empty() { sets.iter().filter(|s| s.status != Status::Rejected).count() } else { 0 };
    let status = match accepted {
        _ if !codes.is_empty() => Status::Rejected,
        0 if !sets.is_empty() => Status::Rejected,
        n if n < sets.len() => Status::PartiallyAccepted,
        _ => Status::Accepted,
    };
    (status, accepted as u32)
}

/// The first five distinct items, in order (AK5 and AK9 have five code slots).
fn distinct<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if out.len() < 5 && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// True for a GS01 that some transaction set Crossdock knows belongs in.
fn known_functional_id(gs01: &str) -> bool {
    (100..1000).any(|n: u16| functional_id(&n.to_string()) == Some(gs01))
}

/// Builds the acknowledgment of each interchange from the reader's events.
#[derive(Debug)]
pub struct AckBuilder {
    opts: AckOptions,
    groups: Vec<GroupSummary>,
    sets: Vec<SetSummary>,
}

impl AckBuilder {
    pub fn new(opts: AckOptions) -> Self {
        AckBuilder { opts, groups: Vec::new(), sets: Vec::new() }
    }

    pub fn interchange_start(&mut self, _ic: &Interchange) {
        self.groups.clear();
        self.sets.clear();
    }

    pub fn group_start(&mut self, _g: &Group) {
        self.sets.clear();
    }

    /// Every issue found for this set: the reader's `tx.issues` / `tx.segment_issues`
    /// plus the mapper's.
    pub fn transaction(
        &mut self,
        set_id: &str,
        control_number: &str,
        implementation: Option<&str>,
        set_issues: &[SetIssue],
        segment_issues: &[SegmentIssue],
    ) {
        let (status, codes) = set_verdict(set_issues, segment_issues);
        self.sets.push(SetSummary {
            set_id: set_id.to_string(),
            control_number: control_number.to_string(),
            implementation: implementation.map(str::to_string),
            status,
            codes,
            segment_issues: segment_issues.to_vec(),
        });
    }

    pub fn group_end(&mut self, g: &Group) {
        let mut sets = std::mem::take(&mut self.sets);
        if g.functional_id() == "FA" {
            return; // an acknowledgment is never acknowledged
        }
        let unknown = (!known_functional_id(g.functional_id())).then_some(GroupCode::NotSupported);
        let codes = distinct(unknown.into_iter().chain(g.issues.iter().map(|i| i.code)));
        if codes.iter().any(|c| matches!(c, GroupCode::NotSupported | GroupCode::VersionNotSupported)) {
            sets.clear();
        }
        let (status, accepted) = group_verdict(&codes, &sets);
        let received = g.set_count.max(sets.len() as u32);
        self.groups.push(GroupSummary {
            functional_id: g.functional_id().to_string(),
            sender: g.sender().to_string(),
            receiver: g.receiver().to_string(),
            control_number: g.control_number().to_string(),
            version: g.version().to_string(),
            status,
            codes,
            included: received,
            received,
            accepted,
            sets,
        });
    }

    /// Finishes the interchange: returns its acknowledgment (`None` only when nothing at
    /// all is owed: no envelope problem, no TA1 asked for, no group to acknowledge).
    pub fn interchange_end(
        &mut self,
        ic: &Interchange,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<Option<Acknowledgment>, AckError> {
        let mut groups = std::mem::take(&mut self.groups);
        self.sets.clear();
        let ta1 = match ic.issues.first() {
            Some(first) => Some(Ta1Summary {
                control_number: ic.isa.control_number().to_string(),
                status: if ic.rejected() { Status::Rejected } else { Status::AcceptedWithErrors },
                note: Some(first.code),
            }),
            None if ic.isa.ack_requested() => Some(Ta1Summary {
                control_number: ic.isa.control_number().to_string(),
                status: Status::Accepted,
                note: None,
            }),
            None => None,
        };
        if ic.rejected() {
            groups.clear(); // a rejected interchange gets its TA1 only
        }
        if ta1.is_none() && groups.is_empty() {
            return Ok(None);
        }
        let x12 = write::interchange(&self.opts, ic, ta1.as_ref(), &groups, numbers)?;
        Ok(Some(Acknowledgment { x12, ta1, groups }))
    }
}

/// Reads a whole input and returns the acknowledgment each interchange in it deserves
/// (interchanges that are owed nothing are left out). The transaction sets of an
/// interchange and a group not already rejected are mapped, so that mapping findings are
/// acknowledged too. An input that cannot be read as X12 at all is an error: no
/// acknowledgment can be addressed then.
pub fn acknowledge<R: Read>(
    input: R,
    kind: AckKind,
    numbers: &mut dyn ControlNumbers,
    now: NaiveDateTime,
) -> Result<Vec<Acknowledgment>, AckError> {
    let mut reader = X12Reader::new(input);
    let mut builder = AckBuilder::new(AckOptions { kind, our_qualifier_and_id: None, now });
    let mut acks = Vec::new();
    while let Some(event) = reader.next() {
        match event? {
            Event::InterchangeStart(ic) => builder.interchange_start(ic),
            Event::GroupStart(g) => builder.group_start(g),
            Event::Transaction(tx) => {
                let (mut set_issues, mut segment_issues) = (tx.issues.clone(), tx.segment_issues.clone());
                if !tx.interchange.rejected() && !tx.group.rejected() {
                    let mapped = map_transaction(&tx);
                    set_issues.extend(mapped.set_issues);
                    segment_issues.extend(mapped.segment_issues);
                }
                builder.transaction(tx.set_id, tx.control_number, tx.implementation, &set_issues, &segment_issues);
            }
            Event::GroupEnd(g) => builder.group_end(g),
            Event::InterchangeEnd(ic) => acks.extend(builder.interchange_end(ic, numbers)?),
        }
    }
    Ok(acks)
}
