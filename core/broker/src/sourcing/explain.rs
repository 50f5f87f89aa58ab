//! Decision records: what sourcing saw, what it removed and why, how it scored the rest,
//! and what it chose. Serialisable for the audit trail; `Display` for a person.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_model::{Capability, NodeKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::inventory::SupplyType;

/// One sourcing decision for (some lines of) one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub order_id: String,
    pub decided_at: DateTime<FixedOffset>,
    /// `name@version` of the rule set.
    pub rule_set: String,
    /// The ledger version the decision read.
    pub inventory_version: u64,
    pub service_level: String,
    pub service_days: u32,
    /// False when the order had no ship-to geo: distances were unknown.
    pub ship_to_located: bool,
    pub lines: Vec<LineDecision>,
    /// Nodes shipping this order (pickup stores excluded), in first-use order.
    pub shipping_nodes: Vec<Arc<str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineDecision {
    pub line_id: String,
    pub quantity: Decimal,
    /// The item itself first, then each substitute tried.
    pub attempts: Vec<Attempt>,
    pub outcome: LineOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub sku: Arc<str>,
    pub substitute: bool,
    /// Ranked candidates in rank order, then removed ones in node order.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub node_id: Arc<str>,
    pub kind: NodeKind,
    /// Stock free to promise (after safety stock, reservations and any stale discount).
    pub free: Decimal,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Removed { rule: Exclusion },
    Ranked { rank: u32, score: f64, scores: Scores, facts: Facts },
}

/// Each criterion's score, 0..1 (rounded to 4 places in the record).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub distance: f64,
    pub cost: f64,
    pub promise: f64,
    pub capacity: f64,
    pub depth: f64,
    pub priority: f64,
}

/// The figures the scores came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Handling plus the shipping estimate, for this line.
    pub cost: Decimal,
    /// Days from now to delivery (or to pickup).
    pub promise_days: u32,
    /// Supplier stock counted at a discount because its feed is stale.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale_feed: bool,
}

/// The eligibility rule that removed a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Exclusion {
    /// The rule set does not let this kind of node fulfil shipped lines.
    NodeKind {
        kind: NodeKind,
    },
    ShipFromStoreOff,
    DropShipOff,
    MissingCapability {
        capability: Capability,
    },
    /// The node's region is not in `eligibility.node_regions`.
    Region,
    /// The order's channel may not use this node.
    Channel,
    ExcludedNode,
    /// The node turned this line down before (855 rejection).
    RejectedLine,
    StaleFeed {
        age_hours: i64,
        max_hours: u32,
    },
    NoCapacity,
    NoRate,
    TooFar {
        km: f64,
        max_km: f64,
    },
    LatePromise {
        days: u32,
        allowed: u32,
    },
    /// Nothing free after safety stock and reservations.
    NoStock,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LineOutcome {
    Sourced {
        allocations: Vec<Allocated>,
        /// The substitute shipped instead of the ordered item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        substituted: Option<Arc<str>>,
    },
    Backordered {
        why: BackorderReason,
        /// The future supply promised to the line, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        promise: Option<FuturePromise>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocated {
    pub node_id: Arc<str>,
    pub sku: Arc<str>,
    pub quantity: Decimal,
    pub ship_date: NaiveDate,
    pub deliver_by: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuturePromise {
    pub node_id: Arc<str>,
    pub supply: SupplyType,
    pub eta: NaiveDate,
    pub deliver_by: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackorderReason {
    /// No eligible node has enough free stock now.
    NoStock,
    /// Stock exists, but only across more nodes than `max_splits` allows.
    SplitLimit,
    /// Ship complete: another line cannot be filled, so the whole order waits.
    ShipComplete,
}

impl Decision {
    /// The allocations chosen for a line, if it was sourced now.
    pub fn line(&self, line_id: &str) -> Option<&LineDecision> {
        self.lines.iter().find(|l| l.line_id == line_id)
    }
}

impl LineDecision {
    /// The candidate record of a node in the first attempt (the ordered item).
    pub fn candidate(&self, node_id: &str) -> Option<&Candidate> {
        self.attempts.first()?.candidates.iter().find(|c| &*c.node_id == node_id)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Order {}: {} ({} days), rules {}, inventory v{}, decided {}",
            self.order_id,
            self.service_level,
            self.service_days,
            self.rule_set,
            self.inventory_version,
            self.decided_at.format("%Y-%m-%d %H:%M %:z")
        )?;
        if !self.ship_to_located {
            writeln!(f, "  (no ship-to location: distances unknown)")?;
        }
        for line in &self.lines {
            write!(f, "{line}")?;
        }
        match self.shipping_nodes.len() {
            0 => Ok(()),
            1 => writeln!(f, "  Ships from {}.", self.shipping_nodes[0]),
            n => writeln!(f, "  Ships in {n} parcels, from {}.", join(&self.shipping_nodes)),
        }
    }
}

impl fmt::Display for LineDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ordered = self.attempts.first().map_or("?", |a| &*a.sku);
        write!(f, "  Line {}: {} x {} -> ", self.line_id, self.quantity, ordered)?;
        match &self.outcome {
            LineOutcome::Sourced { allocations, substituted } => {
                let parts: Vec<String> = allocations
                    .iter()
                    .map(|a| format!("{} from {} (delivery by {})", a.quantity, a.node_id, a.deliver_by))
                    .collect();
                write!(f, "{}", parts.join(" + "))?;
                if let Some(sub) = substituted {
                    write!(f, ", substituted by {sub}")?;
                }
                writeln!(f)?;
            }
            LineOutcome::Backordered { why, promise } => {
                write!(f, "BACKORDERED, {}", why.says())?;
                match promise {
                    Some(p) => writeln!(
                        f,
                        "; expected at {} on {} ({}), delivery by {}",
                        p.node_id,
                        p.eta,
                        supply_says(p.supply),
                        p.deliver_by
                    )?,
                    None => writeln!(f, "; no supply expected yet")?,
                }
            }
        }
        for attempt in &self.attempts {
            if attempt.substitute {
                writeln!(f, "    substitute {}:", attempt.sku)?;
            }
            for c in &attempt.candidates {
                match &c.verdict {
                    Verdict::Ranked { rank, score, scores: s, facts } => {
                        let km = facts.distance_km.map_or("? km".to_string(), |k| format!("{k:.0} km"));
                        writeln!(
                            f,
                            "    {rank:>2}. {:<12} score {score:.3}  {} free, {km}, cost {}, {} days{}  \
                             [distance {:.2} cost {:.2} promise {:.2} capacity {:.2} depth {:.2} priority {:.2}]",
                            c.node_id,
                            c.free,
                            facts.cost.round_dp(2),
                            facts.promise_days,
                            if facts.stale_feed { " (stale feed, discounted)" } else { "" },
                            s.distance,
                            s.cost,
                            s.promise,
                            s.capacity,
                            s.depth,
                            s.priority,
                        )?;
                    }
                    Verdict::Removed { rule } => writeln!(f, "     -  {:<12} {}", c.node_id, rule.says(c))?,
                }
            }
        }
        Ok(())
    }
}

impl Exclusion {
    /// Why the candidate is out, in words.
    pub fn says(&self, c: &Candidate) -> String {
        match self {
            Exclusion::NodeKind { kind } => format!("{kind:?} nodes may not ship under these rules").to_lowercase(),
            Exclusion::ShipFromStoreOff => "ship-from-store is switched off".into(),
            Exclusion::DropShipOff => "drop-ship is switched off".into(),
            Exclusion::MissingCapability { capability } => format!("cannot {}", capability_says(*capability)),
            Exclusion::Region => "outside the allowed regions".into(),
            Exclusion::Channel => "not used for this sales channel".into(),
            Exclusion::ExcludedNode => "excluded by the rules".into(),
            Exclusion::RejectedLine => "turned this line down earlier".into(),
            Exclusion::StaleFeed { age_hours, max_hours } => {
                format!("supplier stock report is {age_hours} h old (limit {max_hours} h)")
            }
            Exclusion::NoCapacity => "no capacity left today".into(),
            Exclusion::NoRate => "no shipping rate from here".into(),
            Exclusion::TooFar { km, max_km } => format!("too far: {km:.0} km (limit {max_km:.0} km)"),
            Exclusion::LatePromise { days, allowed } => format!("delivery in {days} days, service allows {allowed}"),
            Exclusion::NoStock => format!("none free ({} after safety stock and reservations)", c.free),
        }
    }
}

impl BackorderReason {
    fn says(self) -> &'static str {
        match self {
            BackorderReason::NoStock => "no eligible node has it now",
            BackorderReason::SplitLimit => "only available across more parcels than allowed",
            BackorderReason::ShipComplete => "ship complete: waiting for the rest of the order",
        }
    }
}

fn supply_says(supply: SupplyType) -> &'static str {
    match supply {
        SupplyType::OnHand => "in stock",
        SupplyType::SupplierReported => "at the supplier",
        SupplyType::InTransit => "in transit",
        SupplyType::OnOrder => "on order",
    }
}

fn capability_says(c: Capability) -> &'static str {
    match c {
        Capability::Ship => "ship",
        Capability::Pickup => "hold orders for pickup",
        Capability::ShipFromStore => "ship from store",
        Capability::DropShip => "drop-ship",
        Capability::Transfer => "transfer",
        Capability::Returns => "take returns",
    }
}

fn join(names: &[Arc<str>]) -> String {
    names.iter().map(|n| &**n).collect::<Vec<_>>().join(", ")
}
