//! Inbound X12: a file becomes the envelopes of its accepted documents, and the
//! acknowledgments its interchanges are owed.

use chrono::NaiveDateTime;
use crossdock_model::{Envelope, SCHEMA_VERSION};
use crossdock_runtime::{Runtime, Store, Submitted};
use crossdock_x12::ack::{acknowledge, AckError, AckKind, Acknowledgment, Status, Ta1Summary};
use crossdock_x12::control::{ControlKind, ControlNumbers};
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::writer::{IsaHeader, X12Writer};
use crossdock_x12::{ReaderOptions, Ta1Code, X12Reader};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::HubConfig;
use crate::handler::{BrokerHandler, InterchangeId, InterchangeVerdict, X12Received, X12_RECEIVED};

/// What one inbound file gave.
#[derive(Debug, Default)]
pub struct X12Intake {
    /// The accepted documents, ready for `Runtime::submit`, in file order. Their ids and
    /// idempotency keys derive from the control numbers, so a resent file is a duplicate.
    pub envelopes: Vec<Envelope<Value>>,
    /// Every rejection and warning, rendered for a person.
    pub problems: Vec<String>,
    pub acknowledgments: Vec<Acknowledgment>,
    /// Interchanges the hub had already received within the duplicate window: none of
    /// their documents is in `envelopes`, each gets a TA1 with note code 025.
    pub duplicates: Vec<InterchangeVerdict>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Ack(#[from] AckError),
    #[error(transparent)]
    Runtime(#[from] crossdock_runtime::Error),
    #[error("the hub did not judge the interchanges: {0}")]
    Verdict(String),
}

/// Receives an inbound X12 file into the hub: the file is archived (raw bytes and SHA-256,
/// in the inbox) and each interchange judged against those seen within the duplicate
/// window, across files and restarts. Duplicates are answered with a TA1 025 and their
/// documents left out; the rest is [`x12`]'s intake, ready for `Runtime::submit`.
/// The same bytes received again are a duplicate as a whole.
pub async fn receive<S: Store>(
    runtime: &Runtime<S, BrokerHandler>,
    bytes: &[u8],
    config: &HubConfig,
    numbers: &mut dyn ControlNumbers,
    now: NaiveDateTime,
) -> Result<X12Intake, ReceiveError> {
    let headers = interchange_headers(bytes);
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    let ids: Vec<InterchangeId> = headers.iter().map(|h| h.id.clone()).collect();
    let file =
        X12Received { sha256: sha256.clone(), raw: String::from_utf8_lossy(bytes).into_owned(), interchanges: ids };
    let id = format!("x12-file:{sha256}");
    let message = Envelope {
        id: id.clone(),
        event_type: X12_RECEIVED.into(),
        source: headers.first().map_or("x12".into(), |h| format!("x12/{}", h.id.sender)),
        subject: sha256,
        time: now.and_utc().fixed_offset(),
        correlation_id: id.clone(),
        causation_id: None,
        idempotency_key: id,
        tenant: config.tenant.clone(),
        schema_version: SCHEMA_VERSION,
        data: serde_json::to_value(&file).map_err(|e| ReceiveError::Verdict(e.to_string()))?,
    };
    let verdicts: Vec<InterchangeVerdict> = match runtime.submit(&message).await? {
        Submitted::Processed { produced, .. } => produced
            .into_iter()
            .map(|m| serde_json::from_value(m.data).map_err(|e| ReceiveError::Verdict(e.to_string())))
            .collect::<Result<_, _>>()?,
        Submitted::Duplicate { .. } => file
            .interchanges
            .into_iter()
            .map(|interchange| InterchangeVerdict { interchange, duplicate: true, first_seen: None })
            .collect(),
    };
    let (duplicates, accepted): (Vec<_>, Vec<_>) = verdicts.into_iter().partition(|v| v.duplicate);
    let mut intake =
        if duplicates.len() == headers.len() { X12Intake::default() } else { x12(bytes, config, numbers, now)? };
    // A control number back after the window: its documents' ids (derived from the
    // control numbers) would collide with the first ones', so they take the file's hash.
    for v in accepted.iter().filter(|v| v.first_seen.is_some()) {
        let prefix = format!("x12:{}:{}:", v.interchange.sender, v.interchange.control_number);
        for e in intake.envelopes.iter_mut().filter(|e| e.id.starts_with(&prefix)) {
            e.id = format!("{}@{}", e.id, &file.sha256[..16]);
            e.idempotency_key = e.id.clone();
        }
    }
    for d in &duplicates {
        // `x12:QUAL/SENDER:ISA13:...`: the documents of the duplicate interchange.
        let prefix = format!("x12:{}:{}:", d.interchange.sender, d.interchange.control_number);
        intake.envelopes.retain(|e| !e.id.starts_with(&prefix));
        let header = headers.iter().find(|h| h.id == d.interchange);
        if let Some(header) = header {
            intake.acknowledgments.push(duplicate_ta1(header, numbers, now)?);
        }
        let first = d.first_seen.map_or("the same file, received before".into(), |t| format!("first received {t}"));
        intake.problems.push(format!(
            "interchange {} from {}: duplicate interchange control number (TA1 025), {first}: not processed again",
            d.interchange.control_number, d.interchange.sender
        ));
    }
    intake.duplicates = duplicates;
    Ok(intake)
}

/// What a TA1 needs of an inbound ISA.
struct IsaHeaderIn {
    id: InterchangeId,
    receiver: (String, String),
    date: String,
    time: String,
    version: String,
    usage: char,
}

fn interchange_headers(bytes: &[u8]) -> Vec<IsaHeaderIn> {
    let mut out = Vec::new();
    let mut reader = X12Reader::new(bytes);
    while let Some(Ok(event)) = reader.next() {
        if let crossdock_x12::Event::InterchangeStart(ic) = event {
            let isa = &ic.isa;
            out.push(IsaHeaderIn {
                id: InterchangeId {
                    sender: format!("{}/{}", isa.sender_qualifier(), isa.sender_id()),
                    control_number: isa.control_number().to_string(),
                },
                receiver: (isa.receiver_qualifier().to_string(), isa.receiver_id().to_string()),
                date: isa.date().to_string(),
                time: isa.time().to_string(),
                version: isa.version().to_string(),
                usage: isa.usage().chars().next().filter(|u| matches!(u, 'P' | 'T' | 'I')).unwrap_or('T'),
            });
        }
    }
    out
}

/// TA1 `R` 025 for a duplicate interchange, from us (its receiver) to its sender.
fn duplicate_ta1(
    h: &IsaHeaderIn,
    numbers: &mut dyn ControlNumbers,
    now: NaiveDateTime,
) -> Result<Acknowledgment, AckError> {
    let (qualifier, sender) = h.id.sender.split_once('/').unwrap_or(("ZZ", &h.id.sender));
    let version = Some(h.version.as_str()).filter(|v| v.len() == 5).unwrap_or("00401");
    let mut w = X12Writer::new(crossdock_x12::writer::default_delimiters(), true);
    w.begin_interchange(&IsaHeader {
        sender_qualifier: h.receiver.0.clone(),
        sender_id: h.receiver.1.clone(),
        receiver_qualifier: qualifier.into(),
        receiver_id: sender.into(),
        date: now.date(),
        time: now.time(),
        version: version.into(),
        control_number: numbers.next(&h.id.sender, ControlKind::Interchange)?,
        ack_requested: false,
        usage: h.usage,
    })?;
    let note = Ta1Code::DuplicateControlNumber;
    w.segment("TA1", &[&h.id.control_number, &h.date, &h.time, Status::Rejected.code(), note.code()])?;
    w.end_interchange()?;
    let ta1 = Ta1Summary { control_number: h.id.control_number.clone(), status: Status::Rejected, note: Some(note) };
    Ok(Acknowledgment { x12: w.finish(), ta1: Some(ta1), groups: Vec::new() })
}

/// Reads an inbound X12 file. The acknowledgment kind and ISA leniency come from the
/// sender's partner profile when there is one.
pub fn x12(
    bytes: &[u8],
    config: &HubConfig,
    numbers: &mut dyn ControlNumbers,
    now: NaiveDateTime,
) -> Result<X12Intake, AckError> {
    let profile = sender(bytes).and_then(|(q, id)| config.partner_by_interchange_id(&q, &id).cloned());
    let options =
        ReaderOptions { lenient_isa_widths: profile.as_ref().is_some_and(|p| p.lenient_isa), ..Default::default() };
    let mut intake = X12Intake::default();
    let mut staged = Vec::new();
    translate(bytes, options, |outcome| match outcome {
        Outcome::Set(set) => {
            let label = format!("{} {}", set.set_id, set.control_number);
            intake.problems.extend(set.warnings.iter().map(|w| format!("{label}: warning: {w}")));
            intake.problems.extend(set.errors.iter().map(|e| format!("{label}: {e}")));
            if let (true, Some(env)) = (set.accepted(), set.envelope) {
                staged.push(enveloped(env, &config.tenant));
            }
        }
        Outcome::InterchangeEnd(ic) => {
            intake.problems.extend(ic.errors.iter().map(|e| format!("interchange {}: {e}", ic.control_number)));
            if ic.rejected {
                staged.clear();
            }
            intake.envelopes.append(&mut staged);
        }
    })?;
    let kind = match profile.as_ref().map(|p| p.ack.as_str()) {
        Some("999") => AckKind::Ack999,
        _ => AckKind::Ack997,
    };
    intake.acknowledgments = acknowledge(bytes, kind, numbers, now)?;
    Ok(intake)
}

/// The document as JSON, in the hub's tenant.
fn enveloped(env: Envelope<crossdock_model::Document>, tenant: &str) -> Envelope<Value> {
    Envelope {
        id: env.id,
        event_type: env.event_type,
        source: env.source,
        subject: env.subject,
        time: env.time,
        correlation_id: env.correlation_id,
        causation_id: env.causation_id,
        idempotency_key: env.idempotency_key,
        tenant: tenant.to_string(),
        schema_version: env.schema_version,
        data: serde_json::to_value(&env.data).expect("canonical documents serialize"),
    }
}

/// The first interchange's sender (qualifier, id), if the input starts like X12.
fn sender(bytes: &[u8]) -> Option<(String, String)> {
    let mut reader = X12Reader::new(bytes);
    match reader.next()? {
        Ok(crossdock_x12::Event::InterchangeStart(ic)) => {
            Some((ic.isa.sender_qualifier().to_string(), ic.isa.sender_id().to_string()))
        }
        _ => None,
    }
}
