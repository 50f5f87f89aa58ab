//! X12 in, canonical envelopes out: the reader, the envelope verdicts and the mappers
//! put together, one transaction set at a time.
//!
//! A set is accepted only when its interchange, its group, its own envelope and its
//! content are all free of errors. Interchange trailer errors (IEA) are only known at the
//! end of the interchange, so callers stage the sets they are given and commit them when
//! the interchange's own outcome says it is accepted.

use std::io::Read;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use crossdock_model::{Document, Envelope, SCHEMA_VERSION};

use crate::inbound::{map_transaction, Mapped};
use crate::issue::Location;
use crate::reader::{Event, Group, Interchange, ReadError, ReaderOptions, Transaction, X12Reader};

/// What became of one transaction set.
#[derive(Debug)]
pub struct SetOutcome {
    pub set_id: String,
    pub control_number: String,
    pub at: Location,
    /// The canonical document in its envelope, when the set was mapped.
    pub envelope: Option<Envelope<Document>>,
    /// Every error that rejects the set, rendered for a person (with position and code).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl SetOutcome {
    pub fn accepted(&self) -> bool {
        self.errors.is_empty() && self.envelope.is_some()
    }
}

/// The verdict on a whole interchange, given at its end.
#[derive(Debug)]
pub struct InterchangeOutcome {
    pub sender: String,
    pub control_number: String,
    pub at: Location,
    /// Envelope errors of the interchange and its groups, rendered for a person.
    pub errors: Vec<String>,
    /// True when the interchange envelope rejects everything in it.
    pub rejected: bool,
}

/// What `translate` reports, in input order.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one value at a time, handed straight to the caller
pub enum Outcome {
    Set(SetOutcome),
    /// Comes after the sets of the interchange it judges.
    InterchangeEnd(InterchangeOutcome),
}

/// Reads every interchange of `input`, reporting each transaction set and then each
/// interchange's verdict. A fatal read error (not X12, unreadable ISA, I/O) ends the run.
pub fn translate<R: Read>(input: R, options: ReaderOptions, mut report: impl FnMut(Outcome)) -> Result<(), ReadError> {
    let mut reader = X12Reader::with_options(input, options);
    let mut group_errors = Vec::new();
    while let Some(event) = reader.next() {
        match event? {
            Event::Transaction(tx) => report(Outcome::Set(outcome(&tx, map_transaction(&tx)))),
            Event::GroupEnd(g) => group_errors.extend(g.issues.iter().map(|i| i.to_string())),
            Event::InterchangeEnd(ic) => {
                let mut errors: Vec<String> = ic.issues.iter().map(|i| i.to_string()).collect();
                errors.append(&mut group_errors);
                report(Outcome::InterchangeEnd(InterchangeOutcome {
                    sender: format!("{}/{}", ic.isa.sender_qualifier(), ic.isa.sender_id()),
                    control_number: ic.isa.control_number().to_string(),
                    at: ic.at.clone(),
                    errors,
                    rejected: ic.rejected(),
                }));
            }
            Event::InterchangeStart(_) | Event::GroupStart(_) => {}
        }
    }
    Ok(())
}

fn outcome(tx: &Transaction<'_>, mapped: Mapped) -> SetOutcome {
    let mut errors: Vec<String> = Vec::new();
    if tx.interchange.rejected() {
        errors.push(format!("{}: the interchange envelope is rejected, so is every set in it", tx.at));
    }
    if tx.group.rejected() {
        errors.extend(tx.group.issues.iter().map(|i| format!("{i} (the group is rejected, so is every set in it)")));
    }
    errors.extend(tx.issues.iter().map(|i| i.to_string()));
    errors.extend(tx.segment_issues.iter().map(|i| i.to_string()));
    errors.extend(mapped.set_issues.iter().map(|i| i.to_string()));
    errors.extend(mapped.segment_issues.iter().map(|i| i.to_string()));
    let warnings = mapped.warnings.iter().map(|w| format!("{}: {}", w.at, w.message)).collect();
    SetOutcome {
        set_id: tx.set_id.to_string(),
        control_number: tx.control_number.to_string(),
        at: tx.at.clone(),
        envelope: mapped.document.map(|doc| envelope_for(tx.interchange, tx.group, tx.control_number, doc)),
        errors,
        warnings,
    }
}

/// Wraps a document read from X12 in its canonical envelope. Ids are derived from the
/// control numbers, so reading the same interchange twice gives the same ids, and the
/// idempotency key catches a partner resending it.
pub fn envelope_for(ic: &Interchange, group: &Group, set_control: &str, doc: Document) -> Envelope<Document> {
    let sender = ic.isa.sender_id();
    let key = format!(
        "x12:{}/{}:{}:{}:{}",
        ic.isa.sender_qualifier(),
        sender,
        ic.isa.control_number(),
        group.control_number(),
        set_control
    );
    let subject = doc.business_key().to_string();
    Envelope {
        id: key.clone(),
        event_type: doc.received_event_type().to_string(),
        source: format!("x12/{sender}"),
        correlation_id: thread_key(&doc).unwrap_or_else(|| key.clone()),
        subject,
        time: group_time(group),
        causation_id: None,
        idempotency_key: key,
        tenant: "default".to_string(),
        schema_version: SCHEMA_VERSION,
        data: doc,
    }
}

/// The business thread a document belongs to: its purchase order where it has one.
fn thread_key(doc: &Document) -> Option<String> {
    let po = match doc {
        Document::PurchaseOrder(d) => Some(d.po_number.as_str()),
        Document::PurchaseOrderAck(d) => Some(d.po_number.as_str()),
        Document::Invoice(d) => d.po_number.as_deref(),
        Document::ShipNotice(d) => d.orders.first().map(|o| o.po_number.as_str()),
        _ => None,
    }?;
    Some(format!("po:{po}"))
}

/// When the sender created the group (GS04/GS05). X12 carries no time zone; the time is
/// taken as UTC and said so by the `+00:00` offset rather than guessed.
fn group_time(g: &Group) -> DateTime<FixedOffset> {
    let date = match g.date().len() {
        6 => NaiveDate::parse_from_str(g.date(), "%y%m%d"),
        _ => NaiveDate::parse_from_str(g.date(), "%Y%m%d"),
    }
    .unwrap_or(NaiveDate::MIN);
    let t = g.time();
    let time = NaiveTime::parse_from_str(t.get(..6).unwrap_or(t), if t.len() >= 6 { "%H%M%S" } else { "%H%M" })
        .unwrap_or(NaiveTime::MIN);
    FixedOffset::east_opt(0).expect("zero offset").from_utc_datetime(&date.and_time(time))
}
