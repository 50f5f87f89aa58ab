//! Connector configuration and the explicit registry of connector kinds.
//!
//! The hub lists its kinds in one place (`Registry::new(vec![...])`), arroyo-style: no
//! inventory magic, and a kind that is not listed does not exist.

use std::collections::HashSet;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::inbound::InboundConnector;
use crate::outbound::OutboundConnector;
use crate::retry::RetryPolicy;

/// One `[[connectors]]` table of the hub configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorConfig {
    /// Unique instance name, e.g. `shopify-main`.
    pub name: String,
    /// The registered kind, e.g. `shopify`, `file_drop`.
    pub kind: String,
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Everything else: the kind's own settings, read with [`ConnectorConfig::settings`].
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl ConnectorConfig {
    /// The kind's typed settings (use `#[serde(deny_unknown_fields)]` to catch typos).
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        serde_json::from_value(Value::Object(self.settings.clone()))
            .map_err(|e| ConfigError { connector: self.name.clone(), message: e.to_string() })
    }
}

/// A connector instance: inbound, outbound or both.
#[derive(Clone, Default)]
pub struct Connector {
    pub inbound: Option<Arc<dyn InboundConnector>>,
    pub outbound: Option<Arc<dyn OutboundConnector>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("connector {connector}: {message}")]
pub struct ConfigError {
    pub connector: String,
    pub message: String,
}

/// Builds a connector from its configuration.
pub type Constructor = fn(&ConnectorConfig) -> Result<Connector, ConfigError>;

pub struct Registry {
    kinds: Vec<(&'static str, Constructor)>,
}

impl Registry {
    pub fn new(kinds: Vec<(&'static str, Constructor)>) -> Self {
        Registry { kinds }
    }

    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.iter().map(|(kind, _)| *kind)
    }

    /// Builds every configured connector, or reports every configuration error at once.
    pub fn build(&self, configs: &[ConnectorConfig]) -> Result<Vec<(String, Connector)>, Vec<ConfigError>> {
        let mut built = Vec::new();
        let mut errors = Vec::new();
        let mut names = HashSet::new();
        for config in configs {
            if !names.insert(config.name.as_str()) {
                errors.push(ConfigError { connector: config.name.clone(), message: "duplicate connector name".into() });
                continue;
            }
            let Some((_, construct)) = self.kinds.iter().find(|(kind, _)| *kind == config.kind) else {
                let known: Vec<_> = self.kinds().collect();
                errors.push(ConfigError {
                    connector: config.name.clone(),
                    message: format!("unknown kind {:?} (known: {})", config.kind, known.join(", ")),
                });
                continue;
            };
            match construct(config) {
                Ok(connector) => built.push((config.name.clone(), connector)),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(built)
        } else {
            Err(errors)
        }
    }
}
