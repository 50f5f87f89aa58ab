//! Inbound X12: a file becomes the envelopes of its accepted documents, and the
//! acknowledgments its interchanges are owed.

use chrono::NaiveDateTime;
use crossdock_model::Envelope;
use crossdock_x12::ack::{acknowledge, AckError, AckKind, Acknowledgment};
use crossdock_x12::control::ControlNumbers;
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::{ReaderOptions, X12Reader};
use serde_json::Value;

use crate::config::HubConfig;

/// What one inbound file gave.
#[derive(Debug, Default)]
pub struct X12Intake {
    /// The accepted documents, ready for `Runtime::submit`, in file order. Their ids and
    /// idempotency keys derive from the control numbers, so a resent file is a duplicate.
    pub envelopes: Vec<Envelope<Value>>,
    /// Every rejection and warning, rendered for a person.
    pub problems: Vec<String>,
    pub acknowledgments: Vec<Acknowledgment>,
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
