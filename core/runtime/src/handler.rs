//! The generic handler the runtime drives, and how its outputs become envelopes.

use chrono::{DateTime, FixedOffset};
use crossdock_model::{Envelope, SCHEMA_VERSION};
use serde_json::Value;

/// The logic the runtime hosts (in the hub: the broker). Its state lives in memory and is
/// rebuilt at start-up by replaying the inbox, so it must be **deterministic**: the same
/// messages with the same `now`s, in the same order, give the same state and outputs.
/// No clock, no randomness, no I/O, no iteration over unordered maps into outputs.
pub trait Handler: Send {
    /// Handles one message. An `Err` must leave the state as it was (check, then change):
    /// the runtime records nothing for it and may be handed the message again.
    fn handle(&mut self, message: &Envelope<Value>, now: DateTime<FixedOffset>) -> Result<Vec<Produced>, HandlerError>;

    /// The envelope `source` of what this handler produces.
    fn source(&self) -> &str {
        "crossdock"
    }
}

/// One message a handler produced. The runtime wraps it into an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Produced {
    pub event_type: String,
    pub subject: String,
    pub data: Value,
}

impl Produced {
    pub fn new(event_type: impl Into<String>, subject: impl Into<String>, data: Value) -> Self {
        Produced { event_type: event_type.into(), subject: subject.into(), data }
    }
}

/// Why a handler refused a message. Business refusals (out of stock, ...) are not errors:
/// they are produced events. This is for messages the handler cannot take at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl HandlerError {
    pub fn new(reason: impl std::fmt::Display) -> Self {
        HandlerError(reason.to_string())
    }
}

/// The id of the `index`th message produced while handling `input_id`. Derived, not
/// random, so that replay yields the same ids; readable, so a chain can be traced.
pub fn produced_id(input_id: &str, index: usize) -> String {
    format!("{input_id}#{index}")
}

/// Runs the handler and wraps what it produced into envelopes caused by `input`.
pub(crate) fn handle_and_wrap<H: Handler + ?Sized>(
    handler: &mut H,
    input: &Envelope<Value>,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Envelope<Value>>, HandlerError> {
    let produced = handler.handle(input, now)?;
    let source = handler.source();
    Ok(produced
        .into_iter()
        .enumerate()
        .map(|(index, out)| {
            let id = produced_id(&input.id, index);
            Envelope {
                idempotency_key: id.clone(),
                id,
                event_type: out.event_type,
                source: source.to_string(),
                subject: out.subject,
                time: now,
                correlation_id: input.correlation_id.clone(),
                causation_id: Some(input.id.clone()),
                tenant: input.tenant.clone(),
                schema_version: SCHEMA_VERSION,
                data: out.data,
            }
        })
        .collect())
}
