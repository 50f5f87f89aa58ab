//! The connector's configuration: which shop, and how Shopify's ids meet the hub's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// The environment variable that holds the app's API secret (webhook signing key).
pub const SECRET_ENV: &str = "SHOPIFY_API_SECRET";
/// The environment variable that holds the Admin API access token.
pub const TOKEN_ENV: &str = "SHOPIFY_ACCESS_TOKEN";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// The connector instance's name: the first part of every envelope source and id.
    #[serde(default = "default_name")]
    pub name: String,
    /// The shop's permanent domain, `acme.myshopify.com`.
    pub shop: String,
    /// The order mapping file (see `mappings/shopify/`).
    #[serde(default = "default_order_mapping")]
    pub order_mapping: PathBuf,
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// The environment variable that holds the app's API secret.
    #[serde(default = "default_secret_env")]
    pub secret_env: String,
    /// The environment variable that holds the Admin API access token (outbound calls).
    #[serde(default = "default_token_env")]
    pub token_env: String,
    /// Shopify location id -> hub node id. Unknown locations become `shopify-location-<id>`,
    /// so stock is never dropped; sourcing ignores nodes it does not know.
    #[serde(default)]
    pub locations: BTreeMap<String, String>,
}

fn default_name() -> String {
    "shopify".into()
}

fn default_order_mapping() -> PathBuf {
    crate::mapping::DEFAULT_ORDER_MAPPING.into()
}

fn default_secret_env() -> String {
    SECRET_ENV.into()
}

fn default_token_env() -> String {
    TOKEN_ENV.into()
}

fn default_tenant() -> String {
    "default".into()
}

impl ShopifyConfig {
    pub fn new(shop: impl Into<String>) -> Self {
        ShopifyConfig {
            name: default_name(),
            shop: shop.into(),
            order_mapping: default_order_mapping(),
            tenant: default_tenant(),
            secret_env: default_secret_env(),
            token_env: default_token_env(),
            locations: BTreeMap::new(),
        }
    }

    pub fn node_for_location(&self, location_id: &str) -> String {
        self.locations.get(location_id).cloned().unwrap_or_else(|| format!("shopify-location-{location_id}"))
    }
}

/// A secret read from the environment. Its `Debug` never shows it, so it cannot reach a log.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Reads `name`; `None` when it is unset or empty.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name).ok().filter(|v| !v.is_empty()).map(Secret)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}
