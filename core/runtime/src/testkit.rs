//! A small deterministic handler, [`StockLedger`], and message builders for it. The
//! reliability tests and the crash-test binary use them; they are also the shortest
//! worked example of a [`Handler`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, Utc};
use crossdock_model::{Envelope, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::handler::{Handler, HandlerError, Produced};

pub const STOCK_RECEIVED: &str = "stock.received";
pub const RESERVATION_REQUESTED: &str = "reservation.requested";
pub const RESERVATION_ACCEPTED: &str = "reservation.accepted";
pub const RESERVATION_REFUSED: &str = "reservation.refused";

/// Stock and reservations per SKU. Never reserves more than it holds, never accepts a
/// reservation id twice. Refusals are events; malformed messages are errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockLedger {
    positions: BTreeMap<String, Position>,
    accepted: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub stock: u64,
    pub reserved: u64,
}

impl Position {
    pub fn available(&self) -> u64 {
        self.stock.saturating_sub(self.reserved)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct StockReceived {
    sku: String,
    quantity: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReservationRequested {
    reservation_id: String,
    sku: String,
    quantity: u64,
}

impl StockLedger {
    pub fn position(&self, sku: &str) -> Position {
        self.positions.get(sku).copied().unwrap_or_default()
    }

    /// Reservation ids accepted so far.
    pub fn accepted(&self) -> &BTreeSet<String> {
        &self.accepted
    }

    fn receive(&mut self, StockReceived { sku, quantity }: StockReceived) -> Result<Vec<Produced>, HandlerError> {
        let position = self.position(&sku);
        let stock = position.stock.checked_add(quantity).ok_or_else(|| HandlerError::new("stock overflows"))?;
        self.positions.insert(sku, Position { stock, ..position });
        Ok(Vec::new())
    }

    fn reserve(&mut self, request: ReservationRequested) -> Result<Vec<Produced>, HandlerError> {
        if request.quantity == 0 {
            return Err(HandlerError::new("a reservation needs a quantity above 0"));
        }
        let position = self.position(&request.sku);
        let refusal = if self.accepted.contains(&request.reservation_id) {
            Some("already reserved".to_string())
        } else if position.available() < request.quantity {
            Some(format!("only {} available", position.available()))
        } else {
            None
        };
        let mut data = json!({
            "reservation_id": request.reservation_id,
            "sku": request.sku,
            "quantity": request.quantity,
        });
        if let Some(reason) = refusal {
            data["reason"] = Value::String(reason);
            return Ok(vec![Produced::new(RESERVATION_REFUSED, request.reservation_id, data)]);
        }
        self.positions.insert(request.sku, Position { reserved: position.reserved + request.quantity, ..position });
        self.accepted.insert(request.reservation_id.clone());
        Ok(vec![Produced::new(RESERVATION_ACCEPTED, request.reservation_id, data)])
    }
}

impl Handler for StockLedger {
    fn handle(
        &mut self,
        message: &Envelope<Value>,
        _now: DateTime<FixedOffset>,
    ) -> Result<Vec<Produced>, HandlerError> {
        match message.event_type.as_str() {
            STOCK_RECEIVED => self.receive(parse(message)?),
            RESERVATION_REQUESTED => self.reserve(parse(message)?),
            other => Err(HandlerError::new(format!("unknown message type {other:?}"))),
        }
    }

    fn source(&self) -> &str {
        "testkit/ledger"
    }
}

fn parse<T: serde::de::DeserializeOwned>(message: &Envelope<Value>) -> Result<T, HandlerError> {
    T::deserialize(&message.data).map_err(|e| HandlerError::new(format!("{}: {e}", message.event_type)))
}

/// An envelope with everything but the essentials defaulted; its id is also its
/// correlation id and idempotency key.
pub fn message(id: &str, event_type: &str, subject: &str, data: Value) -> Envelope<Value> {
    Envelope {
        id: id.to_string(),
        event_type: event_type.to_string(),
        source: "testkit".to_string(),
        subject: subject.to_string(),
        time: DateTime::<Utc>::default().fixed_offset(),
        correlation_id: id.to_string(),
        causation_id: None,
        idempotency_key: id.to_string(),
        tenant: "default".to_string(),
        schema_version: SCHEMA_VERSION,
        data,
    }
}

pub fn stock_received(id: &str, sku: &str, quantity: u64) -> Envelope<Value> {
    message(id, STOCK_RECEIVED, sku, json!({ "sku": sku, "quantity": quantity }))
}

pub fn reservation_requested(id: &str, reservation_id: &str, sku: &str, quantity: u64) -> Envelope<Value> {
    let data = json!({ "reservation_id": reservation_id, "sku": sku, "quantity": quantity });
    message(id, RESERVATION_REQUESTED, reservation_id, data)
}

/// The crash test's workload: stock for a third of the demand, then `count` reservations of 1 to 5
/// units; every tenth one re-requests the previous reservation id under a new message id.
pub fn reservation_workload(count: usize) -> Vec<Envelope<Value>> {
    let stock = u64::try_from(count).unwrap_or(u64::MAX);
    let mut messages = vec![stock_received("stock-1", "SKU-1", stock)];
    for i in 0..count {
        let reservation = if i % 10 == 9 { i - 1 } else { i };
        let quantity = (i % 5 + 1) as u64;
        messages.push(reservation_requested(&format!("req-{i}"), &format!("res-{reservation}"), "SKU-1", quantity));
    }
    messages
}
