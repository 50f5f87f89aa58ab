//! Inventory positions as reported by nodes and partners.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::{ItemRef, Party, Uom};

/// A report of stock at a node: a full snapshot, or changes since the last report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryAdvice {
    /// The reporting node, when known; partner feeds (846) name the partner instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// The document's own identifier (846 BIA03, ...), for de-duplication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice_id: Option<String>,
    pub as_of: DateTime<FixedOffset>,
    pub mode: AdviceMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<Party>,
    pub positions: Vec<Position>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceMode {
    Snapshot,
    Delta,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub item: ItemRef,
    /// A location within the reporter when the feed carries several (846 N1/LX loops).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default)]
    pub uom: Uom,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_transit: Vec<FutureSupply>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_order: Vec<FutureSupply>,
}

/// Supply that is not here yet, with when it is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FutureSupply {
    pub quantity: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<NaiveDate>,
}
