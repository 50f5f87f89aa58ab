//! Sourcing rule sets, read from TOML (`config/sourcing/*.toml` documents every key).
//!
//! A rule set is data: eligibility filters that remove candidate nodes, weighted criteria
//! that score the others 0..1, a tie-break order, policies (split, substitution,
//! backorder), delivery-promise tables and a default shipping rate table. Its `name` and
//! `version` are cited by every decision made under it.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use crossdock_model::NodeKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why a rule set cannot be used: every problem at once.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("rule set is not valid TOML for the schema: {0}")]
    Parse(String),
    #[error("rule set has {} problem(s): {}", .0.len(), .0.join("; "))]
    Invalid(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub inventory: InventoryRules,
    #[serde(default)]
    pub eligibility: Eligibility,
    #[serde(default)]
    pub criteria: Criteria,
    #[serde(default = "default_tie_break")]
    pub tie_break: Vec<Criterion>,
    #[serde(default)]
    pub promise: PromiseRules,
    #[serde(default = "default_rates")]
    pub rates: Vec<RateBand>,
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelRules>,
    /// Model stock per node and item, checked by `Input::Replenish`.
    #[serde(default)]
    pub replenishment: Vec<Replenishment>,
}

/// When a node's projected ATP of an item falls below `min`, order up to `max`: a PO to
/// the cheapest supplier stocking it (`supplier` pins one), or a transfer from one of our
/// nodes with stock above its own `max` (`transfer_from` pins one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replenishment {
    pub node_id: String,
    pub sku: String,
    pub min: Decimal,
    pub max: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// All lines from one node, or the order waits (backorders) as a whole.
    pub ship_complete: bool,
    /// Shipments beyond the first one an order may be split into (nodes - 1).
    pub max_splits: u32,
    /// One line's quantity may come from several nodes.
    pub split_lines: bool,
    /// Prefer nodes that fill more of the order's lines (fewer shipments) over each
    /// line's own best node.
    pub consolidate: bool,
    /// Honour `allow_substitution` and try the line's `substitutes`, in order.
    pub substitution: bool,
    /// Promise future supply (in transit, on order, with an ETA) when nothing fits now.
    pub backorder: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            ship_complete: false,
            max_splits: 2,
            split_lines: true,
            consolidate: true,
            substitution: true,
            backorder: true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InventoryRules {
    /// A supplier feed older than this is stale (no limit when absent).
    pub supplier_feed_max_age_hours: Option<u32>,
    /// Share of stale supplier stock still counted, 0..1 (0 ignores it).
    pub stale_supplier_factor: Decimal,
    /// Safety stock by node kind, for positions without their own.
    pub safety_stock: SafetyStock,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SafetyStock {
    pub store: Decimal,
    pub dc: Decimal,
    pub supplier: Decimal,
    pub threepl: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Eligibility {
    /// Node kinds that may fulfil a shipped line.
    pub node_kinds: Vec<NodeKind>,
    /// Stores may ship to customers (they also need the `ship_from_store` capability).
    pub ship_from_store: bool,
    /// Suppliers may ship to customers (they also need the `drop_ship` capability).
    pub drop_ship: bool,
    /// Only nodes whose address region is listed (empty: any region).
    pub node_regions: Vec<String>,
    pub excluded_nodes: Vec<String>,
}

impl Default for Eligibility {
    fn default() -> Self {
        Eligibility {
            node_kinds: vec![NodeKind::Dc, NodeKind::Threepl, NodeKind::Store, NodeKind::Supplier],
            ship_from_store: true,
            drop_ship: true,
            node_regions: Vec::new(),
            excluded_nodes: Vec::new(),
        }
    }
}

/// The ranking criteria, each scoring a candidate 0..1 (1 is best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Distance,
    Cost,
    Promise,
    Capacity,
    Depth,
    Priority,
    /// Only as a tie-break: node id order, the last word (always applied at the end).
    NodeId,
}

fn default_tie_break() -> Vec<Criterion> {
    vec![Criterion::Promise, Criterion::Distance, Criterion::Cost, Criterion::NodeId]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Criteria {
    pub distance: DistanceCriterion,
    pub cost: CostCriterion,
    pub promise: PromiseCriterion,
    pub capacity: Weight,
    pub depth: Weight,
    pub priority: Weight,
}

impl Default for Criteria {
    fn default() -> Self {
        Criteria {
            distance: DistanceCriterion::default(),
            cost: CostCriterion::default(),
            promise: PromiseCriterion::default(),
            capacity: Weight { weight: 0.1 },
            depth: Weight { weight: 0.1 },
            priority: Weight { weight: 0.05 },
        }
    }
}

// Weights and scores are f64 on purpose: they rank candidates, they are neither money
// nor quantities (those stay Decimal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistanceCriterion {
    pub weight: f64,
    /// Score 0 at this distance and beyond.
    pub scale_km: f64,
    /// Exclude nodes farther than this (no limit when absent).
    pub max_km: Option<f64>,
}

impl Default for DistanceCriterion {
    fn default() -> Self {
        DistanceCriterion { weight: 0.3, scale_km: 3000.0, max_km: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostCriterion {
    pub weight: f64,
    /// Score 0 at this cost per line (handling plus shipping estimate) and above.
    pub scale: Decimal,
}

impl Default for CostCriterion {
    fn default() -> Self {
        CostCriterion { weight: 0.25, scale: Decimal::from(40) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromiseCriterion {
    pub weight: f64,
    /// Exclude nodes that cannot deliver within the service level (otherwise each day
    /// late halves the score).
    pub strict: bool,
}

impl Default for PromiseCriterion {
    fn default() -> Self {
        PromiseCriterion { weight: 0.2, strict: false }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromiseRules {
    /// Used when an order names no service level (or one not listed).
    pub default_service_level: String,
    /// Days from order to delivery each service level allows.
    pub service_levels: BTreeMap<String, u32>,
    /// Transit days by distance band, bands in ascending `max_km`.
    pub transit: Vec<TransitBand>,
    /// Transit days assumed when the distance is unknown (no geo).
    pub unknown_distance_days: u32,
    /// Days a drop-ship supplier takes before it ships.
    pub supplier_lead_days: u32,
    /// Cut-off for nodes that have none: orders after it ship the next day.
    pub default_cutoff: Option<NaiveTime>,
}

impl Default for PromiseRules {
    fn default() -> Self {
        PromiseRules {
            default_service_level: "standard".into(),
            service_levels: [("standard", 5), ("express", 2), ("next_day", 1)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            transit: vec![
                TransitBand { max_km: 300.0, days: 1 },
                TransitBand { max_km: 1000.0, days: 2 },
                TransitBand { max_km: 2500.0, days: 3 },
                TransitBand { max_km: 20040.0, days: 5 },
            ],
            unknown_distance_days: 5,
            supplier_lead_days: 2,
            default_cutoff: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitBand {
    pub max_km: f64,
    pub days: u32,
}

/// One band of the default shipping rate table: `base + per_unit * quantity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateBand {
    pub max_km: f64,
    pub base: Decimal,
    pub per_unit: Decimal,
}

fn default_rates() -> Vec<RateBand> {
    let band = |max_km, base: i64, per_unit: i64| RateBand {
        max_km,
        base: Decimal::new(base, 2),
        per_unit: Decimal::new(per_unit, 2),
    };
    vec![band(300.0, 595, 50), band(1000.0, 795, 75), band(2500.0, 1095, 110), band(20040.0, 1495, 150)]
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelRules {
    /// Added to the order's own priority when stock is constrained.
    pub priority: i32,
    /// Node kinds this channel may use (all the eligible ones when absent).
    pub node_kinds: Option<Vec<NodeKind>>,
    pub excluded_nodes: Vec<String>,
}

impl RuleSet {
    /// Parses and checks a rule set.
    pub fn from_toml(text: &str) -> Result<Self, RuleError> {
        let rules: RuleSet = toml::from_str(text).map_err(|e| RuleError::Parse(e.to_string()))?;
        rules.check()?;
        Ok(rules)
    }

    /// The rule set of `config/sourcing/default.toml`, built in.
    pub fn builtin() -> Self {
        RuleSet::from_toml(include_str!("../../../../config/sourcing/default.toml"))
            .expect("the bundled default rule set is valid (checked by a test)")
    }

    /// `name@version`, as decisions cite it.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// Every problem, at once.
    pub fn check(&self) -> Result<(), RuleError> {
        let mut problems = Vec::new();
        let mut need = |ok: bool, problem: String| {
            if !ok {
                problems.push(problem);
            }
        };
        need(!self.name.trim().is_empty(), "`name` is blank".into());
        need(!self.version.trim().is_empty(), "`version` is blank".into());
        let c = &self.criteria;
        let weights = [
            ("distance", c.distance.weight),
            ("cost", c.cost.weight),
            ("promise", c.promise.weight),
            ("capacity", c.capacity.weight),
            ("depth", c.depth.weight),
            ("priority", c.priority.weight),
        ];
        for (name, w) in weights {
            need(w.is_finite() && w >= 0.0, format!("criteria.{name}.weight must be a number >= 0, not {w}"));
        }
        need(weights.iter().map(|(_, w)| w).sum::<f64>() > 0.0, "at least one criterion needs a weight above 0".into());
        need(c.distance.scale_km > 0.0, "criteria.distance.scale_km must be above 0".into());
        need(c.distance.max_km.is_none_or(|m| m > 0.0), "criteria.distance.max_km must be above 0".into());
        need(c.cost.scale > Decimal::ZERO, "criteria.cost.scale must be above 0".into());
        let factor = self.inventory.stale_supplier_factor;
        need(
            (Decimal::ZERO..=Decimal::ONE).contains(&factor),
            format!("inventory.stale_supplier_factor must be within 0..1, not {factor}"),
        );
        let p = &self.promise;
        need(
            p.service_levels.contains_key(&p.default_service_level),
            format!("promise.default_service_level `{}` is not in promise.service_levels", p.default_service_level),
        );
        need(!p.transit.is_empty(), "promise.transit needs at least one band".into());
        need(ascending(p.transit.iter().map(|b| b.max_km)), "promise.transit bands must have ascending max_km".into());
        need(!self.rates.is_empty(), "rates needs at least one band".into());
        need(ascending(self.rates.iter().map(|b| b.max_km)), "rates bands must have ascending max_km".into());
        for (i, r) in self.rates.iter().enumerate() {
            need(r.base >= Decimal::ZERO && r.per_unit >= Decimal::ZERO, format!("rates[{i}] must not be negative"));
        }
        need(
            !self.eligibility.node_kinds.is_empty(),
            "eligibility.node_kinds is empty: nothing could ever ship".into(),
        );
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RuleError::Invalid(problems))
        }
    }

    /// Days the order's service level allows, and its name.
    pub fn service_days<'a>(&'a self, requested: Option<&'a str>) -> (&'a str, u32) {
        let p = &self.promise;
        match requested.and_then(|s| p.service_levels.get_key_value(s)) {
            Some((name, days)) => (name, *days),
            None => (&p.default_service_level, p.service_levels.get(&p.default_service_level).copied().unwrap_or(5)),
        }
    }

    /// Transit days for a distance (`None`: unknown distance).
    pub fn transit_days(&self, km: Option<f64>) -> u32 {
        let p = &self.promise;
        match km {
            None => p.unknown_distance_days,
            Some(km) => p
                .transit
                .iter()
                .find(|b| km <= b.max_km)
                .or(p.transit.last())
                .map_or(p.unknown_distance_days, |b| b.days),
        }
    }

    /// The constrained-stock priority of an order: its own plus its channel's.
    pub fn order_priority(&self, channel: &str, own: i32) -> i64 {
        i64::from(own) + i64::from(self.channels.get(channel).map_or(0, |c| c.priority))
    }
}

fn ascending(values: impl Iterator<Item = f64>) -> bool {
    let v: Vec<f64> = values.collect();
    v.windows(2).all(|w| w[0] < w[1]) && v.iter().all(|x| x.is_finite() && *x > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_default_is_valid_and_documented() {
        let rules = RuleSet::builtin();
        assert_eq!(rules.name, "default");
        assert!(rules.check().is_ok());
        assert_eq!(rules.service_days(Some("express")).1, 2);
        assert_eq!(rules.service_days(Some("carrier-pigeon")).0, rules.promise.default_service_level);
    }

    #[test]
    fn every_bundled_rule_set_is_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/sourcing");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let rules = RuleSet::from_toml(&std::fs::read_to_string(&path).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                names.push(rules.name);
            }
        }
        names.sort();
        assert_eq!(names, ["b2b-ship-complete", "default"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = r#"
            name = " "
            version = "1"
            [criteria.distance]
            weight = -1.0
            [inventory]
            stale_supplier_factor = 2
            [promise]
            default_service_level = "gold"
            transit = [{ max_km = 500.0, days = 2 }, { max_km = 100.0, days = 1 }]
        "#;
        let Err(RuleError::Invalid(problems)) = RuleSet::from_toml(text) else { panic!("expected problems") };
        let all = problems.join("\n");
        for expected in
            ["name", "criteria.distance.weight", "stale_supplier_factor", "default_service_level", "ascending"]
        {
            assert!(all.contains(expected), "{expected} missing from {all}");
        }
    }

    #[test]
    fn unknown_keys_are_errors_not_silence() {
        let err = RuleSet::from_toml("name = \"x\"\nversion = \"1\"\n[policy]\nmax_split = 1\n").unwrap_err();
        assert!(matches!(err, RuleError::Parse(ref m) if m.contains("max_split")), "{err}");
    }

    #[test]
    fn transit_days_follow_the_bands() {
        let rules = RuleSet::from_toml("name = \"x\"\nversion = \"1\"").unwrap();
        assert_eq!(rules.transit_days(Some(120.0)), 1);
        assert_eq!(rules.transit_days(Some(800.0)), 2);
        assert_eq!(rules.transit_days(Some(90000.0)), 5);
        assert_eq!(rules.transit_days(None), rules.promise.unknown_distance_days);
    }

    #[test]
    fn channel_priority_adds_to_the_order_priority() {
        let rules = RuleSet::from_toml("name = \"x\"\nversion = \"1\"\n[channels.vip]\npriority = 10\n").unwrap();
        assert_eq!(rules.order_priority("vip", 1), 11);
        assert_eq!(rules.order_priority("web", 1), 1);
    }
}
