//! What a hub is set up with: nodes, sourcing rules, trading partners.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use crossdock_broker::RuleSet;
use crossdock_matching::TolerancePolicy;
use crossdock_model::Node;
use crossdock_x12::PartnerProfile;
use serde::Deserialize;

use crate::expectations::Expectations;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Everything the hub needs to know about its world.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub tenant: String,
    pub nodes: Vec<Node>,
    pub rules: RuleSet,
    pub partners: Vec<PartnerProfile>,
    /// What partners owe after each document, and the duplicate interchange window.
    pub expectations: Expectations,
    /// Three-way match tolerances: per partner, else the default.
    pub matching: MatchingPolicies,
}

#[derive(Debug, Clone, Default)]
pub struct MatchingPolicies {
    pub default: TolerancePolicy,
    pub partners: BTreeMap<String, TolerancePolicy>,
}

impl MatchingPolicies {
    pub fn for_partner(&self, partner: Option<&str>) -> &TolerancePolicy {
        partner.and_then(|p| self.partners.get(p)).unwrap_or(&self.default)
    }
}

/// `hub.toml`: names the other files, relative to itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HubFile {
    #[serde(default = "default_tenant")]
    tenant: String,
    nodes: PathBuf,
    rules: PathBuf,
    #[serde(default)]
    partners: Vec<PathBuf>,
    /// `expectations.toml` (none: no delay warnings, a 30-day duplicate window).
    #[serde(default)]
    expectations: Option<PathBuf>,
    /// A folder of matching policies: `default.toml` and `<partner id>.toml`.
    #[serde(default)]
    matching: Option<PathBuf>,
}

fn default_tenant() -> String {
    "default".into()
}

/// `nodes.toml`: `[[node]]` tables, each a canonical [`Node`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodesFile {
    node: Vec<Node>,
}

impl HubConfig {
    /// Loads `hub.toml` and the files it names; every problem names its file.
    pub fn load(hub_toml: &Path) -> Result<Self, ConfigError> {
        let dir = hub_toml.parent().unwrap_or(Path::new("."));
        let hub: HubFile = parse(hub_toml, &read(hub_toml)?)?;
        let nodes_path = dir.join(&hub.nodes);
        let rules_path = dir.join(&hub.rules);
        let mut partners = Vec::new();
        for p in &hub.partners {
            let path = dir.join(p);
            partners.push(partner(&path, &read(&path)?)?);
        }
        let mut config = HubConfig::from_texts(
            &hub.tenant,
            (&nodes_path, &read(&nodes_path)?),
            (&rules_path, &read(&rules_path)?),
            partners,
        )?;
        if let Some(p) = &hub.expectations {
            let path = dir.join(p);
            config.expectations = expectations(&path, &read(&path)?)?;
        }
        if let Some(m) = &hub.matching {
            let folder = dir.join(m);
            let default = folder.join("default.toml");
            if default.exists() {
                config.matching.default = policy(&default, &read(&default)?)?;
            }
            for p in &config.partners {
                let path = folder.join(format!("{}.toml", p.id));
                if path.exists() {
                    config.matching.partners.insert(p.id.clone(), policy(&path, &read(&path)?)?);
                }
            }
        }
        Ok(config)
    }

    /// From file contents (the demo embeds its configuration); paths only name the files
    /// in errors.
    pub fn from_texts(
        tenant: &str,
        nodes: (&Path, &str),
        rules: (&Path, &str),
        partners: Vec<PartnerProfile>,
    ) -> Result<Self, ConfigError> {
        let nodes_file: NodesFile = parse(nodes.0, nodes.1)?;
        let rules = RuleSet::from_toml(rules.1)
            .map_err(|e| ConfigError::Invalid { path: rules.0.to_path_buf(), message: e.to_string() })?;
        Ok(HubConfig {
            tenant: tenant.into(),
            nodes: nodes_file.node,
            rules,
            partners,
            expectations: Expectations::default(),
            matching: MatchingPolicies::default(),
        })
    }

    pub fn partner(&self, id: &str) -> Option<&PartnerProfile> {
        self.partners.iter().find(|p| p.id == id)
    }

    /// The partner whose X12 interchange id this is.
    pub fn partner_by_interchange_id(&self, qualifier: &str, id: &str) -> Option<&PartnerProfile> {
        self.partners.iter().find(|p| p.their_id == id && p.their_qualifier == qualifier)
    }

    /// The node a trading partner operates (a supplier or a 3PL), if any.
    pub fn node_of_partner(&self, partner_id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.partner_id.as_deref() == Some(partner_id))
    }
}

/// A partner profile from TOML, checked.
pub fn partner(path: &Path, text: &str) -> Result<PartnerProfile, ConfigError> {
    let p: PartnerProfile = parse(path, text)?;
    p.check().map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })?;
    Ok(p)
}

/// Partner expectations from TOML, checked.
pub fn expectations(path: &Path, text: &str) -> Result<Expectations, ConfigError> {
    Expectations::from_toml(text).map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })
}

/// A three-way match tolerance policy from TOML.
pub fn policy(path: &Path, text: &str) -> Result<TolerancePolicy, ConfigError> {
    TolerancePolicy::from_toml(text)
        .map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), message: e.to_string() })
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), message: e.to_string() })
}
