//! The runtime as the durable sink of inbound connectors: a delivery's envelopes are
//! submitted one by one, each in its own transaction, before the connector answers its
//! partner. A redelivery resubmits them and the inbox recognises each idempotency key, so
//! nothing is handled twice even when the connector's own memory of delivery.delivery_ids is lost.

use crossdock_connector::{ConnectorError, Delivery, Sink};
use crossdock_model::Envelope;
use crossdock_runtime::async_trait;
use crossdock_runtime::{Handler, Runtime, Store};
use serde_json::Value;

pub struct RuntimeSink<S: Store, H: Handler> {
    runtime: std::sync::Arc<Runtime<S, H>>,
}

impl<S: Store, H: Handler> RuntimeSink<S, H> {
    pub fn new(runtime: std::sync::Arc<Runtime<S, H>>) -> Self {
        RuntimeSink { runtime }
    }
}

#[async_trait]
impl<S: Store, H: Handler + 'static> Sink for RuntimeSink<S, H> {
    async fn submit(&self, delivery: &Delivery, envelopes: &[Envelope<Value>]) -> Result<(), ConnectorError> {
        for envelope in envelopes {
            // A store that fails is worth retrying (the partner redelivers on a 5xx); a
            // message the handler refuses is the partner's document at fault.
            self.runtime.submit(envelope).await.map_err(|e| match e {
                crossdock_runtime::Error::Handler { .. } | crossdock_runtime::Error::InvalidMessage(_) => {
                    ConnectorError::partner("handler_refused", format!("{}: {e}", delivery.delivery_id))
                }
                other => ConnectorError::external(format!("{}: {other}", delivery.delivery_id)),
            })?;
        }
        Ok(())
    }
}
