//! The `mapped` connector kind: any format a mapping file reads, with no code. A new ERP
//! export is onboarded with a mapping file and this configuration:
//!
//! ```toml
//! [[connectors]]
//! name = "erp-acme"
//! kind = "mapped"
//! mapping = "mappings/erp-acme-csv/erp-acme-csv.toml"
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use crossdock_mapping::{Mapping, MappingError};
use crossdock_model::{Document, Envelope, SCHEMA_VERSION};
use serde::Deserialize;
use serde_json::Value;

use crate::delivery::Delivery;
use crate::error::ConnectorError;
use crate::inbound::InboundConnector;
use crate::registry::{ConfigError, Connector, ConnectorConfig};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappedSettings {
    /// The mapping file; it must map to a canonical document type.
    pub mapping: PathBuf,
    #[serde(default = "default_tenant")]
    pub tenant: String,
}

fn default_tenant() -> String {
    "default".into()
}

/// Decodes deliveries with a mapping file.
pub struct MappedConnector {
    name: String,
    tenant: String,
    mapping: Mapping,
}

impl MappedConnector {
    pub fn new(name: impl Into<String>, tenant: impl Into<String>, mapping: Mapping) -> Self {
        MappedConnector { name: name.into(), tenant: tenant.into(), mapping }
    }
}

/// The registry constructor of the `mapped` kind.
pub fn build(config: &ConnectorConfig) -> Result<Connector, ConfigError> {
    let settings: MappedSettings = config.settings()?;
    let error = |message: String| ConfigError { connector: config.name.clone(), message };
    let mapping = Mapping::load(&settings.mapping).map_err(|d| error(d.to_string()))?;
    if mapping.output == "json" {
        return Err(error(format!("{} is an outbound mapping", settings.mapping.display())));
    }
    let connector = MappedConnector::new(&config.name, settings.tenant, mapping);
    Ok(Connector { inbound: Some(Arc::new(connector)), outbound: None })
}

impl InboundConnector for MappedConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn decode(&self, delivery: &Delivery) -> Result<Vec<Envelope<Value>>, ConnectorError> {
        // Whatever fails here depends on the input: the partner's document is bad (or the
        // mapping does not cover it yet, which IT fixes before replaying from quarantine).
        let documents = self.mapping.map_documents(&delivery.body).map_err(|e| {
            let rule = match e {
                MappingError::Input { .. } => "malformed",
                MappingError::Expression { .. } => "unmapped",
                MappingError::Invalid { .. } => "invalid",
            };
            ConnectorError::partner(rule, e.to_string())
        })?;
        Ok(documents.into_iter().enumerate().map(|(n, document)| self.envelope(delivery, n + 1, document)).collect())
    }
}

impl MappedConnector {
    fn envelope(&self, delivery: &Delivery, n: usize, document: Document) -> Envelope<Value> {
        // Derived from the delivery, so a redelivery yields the same ids.
        let id = format!("{}:{}:{n}", self.name, delivery.delivery_id);
        let subject = document.business_key().to_string();
        Envelope {
            event_type: document.received_event_type().to_string(),
            source: format!("{}/{}", self.name, self.mapping.name),
            correlation_id: subject.clone(),
            subject,
            time: delivery.received_at.fixed_offset(),
            causation_id: None,
            idempotency_key: id.clone(),
            tenant: self.tenant.clone(),
            schema_version: SCHEMA_VERSION,
            data: serde_json::to_value(document).expect("documents serialize"),
            id,
        }
    }
}
