//! Decision records: what sourcing saw, what it removed and why, how it scored the rest,
//! and what it chose. Serialisable for the audit trail; `Display` for a person.
//!
//! Sourcing writes one [`Candidate`] per stocking node and line, on the hot path, so a
//! candidate is plain data (`Copy`, no strings): it names its node by an index into the
//! decision's node table, and the JSON form (see `wire` below) writes the node id.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use crossdock_model::{Capability, NodeKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::inventory::SupplyType;

/// One sourcing decision for (some lines of) one order.
#[derive(Debug, Clone)]
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
    /// Node ids, by the index candidates carry (the network's table, shared).
    pub(crate) nodes: Arc<[Arc<str>]>,
}

#[derive(Debug, Clone)]
pub struct LineDecision {
    pub line_id: String,
    pub quantity: Decimal,
    /// The item itself first, then each substitute tried.
    pub attempts: Vec<Attempt>,
    pub outcome: LineOutcome,
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub sku: Arc<str>,
    pub substitute: bool,
    /// Ranked candidates in rank order, then removed ones in node order.
    pub candidates: Vec<Candidate>,
}

/// One node considered for one line. Its node id: [`Decision::node_id`].
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Index into the decision's node table.
    pub(crate) node: u32,
    pub kind: NodeKind,
    /// Stock free to promise (after safety stock, reservations and any stale discount).
    pub free: Decimal,
    pub verdict: Verdict,
    /// Sourcing's working figures: not part of the record.
    pub(crate) work: Work,
}

/// What planning needs about a candidate beyond the record.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Work {
    /// Weighted total score, unrounded (f64: it ranks, it is not money).
    pub total: f64,
    /// Days until the node ships, and until delivery.
    pub ship_lag: u32,
    pub days: u32,
}

impl Candidate {
    pub(crate) fn removed(&self) -> Option<Exclusion> {
        match self.verdict {
            Verdict::Removed { rule } => Some(rule),
            Verdict::Ranked { .. } => None,
        }
    }

    pub(crate) fn is_ranked(&self) -> bool {
        matches!(self.verdict, Verdict::Ranked { .. })
    }

    /// Ranked now, or removed only for lack of stock (so it may promise future supply).
    pub(crate) fn eligible(&self) -> bool {
        matches!(self.removed(), None | Some(Exclusion::NoStock))
    }

    pub(crate) fn node(&self) -> crate::ids::NodeIdx {
        crate::ids::NodeIdx(self.node)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Removed { rule: Exclusion },
    Ranked { rank: u32, score: f32, scores: Scores, facts: Facts },
}

/// Each criterion's score, 0..1, rounded to 4 places (ranking used the full figures).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub distance: f32,
    pub cost: f32,
    pub promise: f32,
    pub capacity: f32,
    pub depth: f32,
    pub priority: f32,
}

/// The figures the scores came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// To 100 m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f32>,
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
    pub fn line(&self, line_id: &str) -> Option<&LineDecision> {
        self.lines.iter().find(|l| l.line_id == line_id)
    }

    /// The node a candidate is about.
    pub fn node_id(&self, c: &Candidate) -> &str {
        &self.nodes[c.node as usize]
    }

    /// A node's candidate record for a line, in the first attempt (the ordered item).
    pub fn candidate(&self, line_id: &str, node_id: &str) -> Option<&Candidate> {
        self.line(line_id)?.attempts.first()?.candidates.iter().find(|c| self.node_id(c) == node_id)
    }
}

/// Records compare by what they say: candidates by node id, not by table index.
impl PartialEq for Decision {
    fn eq(&self, other: &Self) -> bool {
        wire::DecisionWire::of(self) == wire::DecisionWire::of(other)
    }
}

impl Serialize for Decision {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        wire::DecisionWire::of(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(wire::DecisionWire::deserialize(deserializer)?.into_decision())
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
            self.write_line(f, line)?;
        }
        match self.shipping_nodes.len() {
            0 => Ok(()),
            1 => writeln!(f, "  Ships from {}.", self.shipping_nodes[0]),
            n => writeln!(f, "  Ships in {n} parcels, from {}.", join(&self.shipping_nodes)),
        }
    }
}

impl Decision {
    fn write_line(&self, f: &mut fmt::Formatter<'_>, line: &LineDecision) -> fmt::Result {
        let ordered = line.attempts.first().map_or("?", |a| &*a.sku);
        write!(f, "  Line {}: {} x {} -> ", line.line_id, line.quantity, ordered)?;
        match &line.outcome {
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
        for attempt in &line.attempts {
            if attempt.substitute {
                writeln!(f, "    substitute {}:", attempt.sku)?;
            }
            for c in &attempt.candidates {
                let node = self.node_id(c);
                match &c.verdict {
                    Verdict::Ranked { rank, score, scores: s, facts } => {
                        let km = facts.distance_km.map_or("? km".to_string(), |k| format!("{k:.0} km"));
                        writeln!(
                            f,
                            "    {rank:>2}. {node:<12} score {score:.3}  {} free, {km}, cost {}, {} days{}  \
                             [distance {:.2} cost {:.2} promise {:.2} capacity {:.2} depth {:.2} priority {:.2}]",
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
                    Verdict::Removed { rule } => writeln!(f, "     -  {node:<12} {}", rule.says(c))?,
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

/// The JSON form: the same records with node ids written out.
mod wire {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    pub(super) struct DecisionWire<'a> {
        order_id: Cow<'a, str>,
        decided_at: DateTime<FixedOffset>,
        rule_set: Cow<'a, str>,
        inventory_version: u64,
        service_level: Cow<'a, str>,
        service_days: u32,
        ship_to_located: bool,
        lines: Vec<LineWire<'a>>,
        shipping_nodes: Cow<'a, [Arc<str>]>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct LineWire<'a> {
        line_id: Cow<'a, str>,
        quantity: Decimal,
        attempts: Vec<AttemptWire<'a>>,
        outcome: Cow<'a, LineOutcome>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct AttemptWire<'a> {
        sku: Arc<str>,
        substitute: bool,
        candidates: Vec<CandidateWire<'a>>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct CandidateWire<'a> {
        node_id: Cow<'a, str>,
        kind: NodeKind,
        free: Decimal,
        verdict: Verdict,
    }

    impl<'a> DecisionWire<'a> {
        pub fn of(d: &'a Decision) -> Self {
            let lines = d
                .lines
                .iter()
                .map(|l| LineWire {
                    line_id: Cow::Borrowed(&l.line_id),
                    quantity: l.quantity,
                    attempts: l
                        .attempts
                        .iter()
                        .map(|a| AttemptWire {
                            sku: a.sku.clone(),
                            substitute: a.substitute,
                            candidates: a
                                .candidates
                                .iter()
                                .map(|c| CandidateWire {
                                    node_id: Cow::Borrowed(d.node_id(c)),
                                    kind: c.kind,
                                    free: c.free,
                                    verdict: c.verdict,
                                })
                                .collect(),
                        })
                        .collect(),
                    outcome: Cow::Borrowed(&l.outcome),
                })
                .collect();
            DecisionWire {
                order_id: Cow::Borrowed(&d.order_id),
                decided_at: d.decided_at,
                rule_set: Cow::Borrowed(&d.rule_set),
                inventory_version: d.inventory_version,
                service_level: Cow::Borrowed(&d.service_level),
                service_days: d.service_days,
                ship_to_located: d.ship_to_located,
                lines,
                shipping_nodes: Cow::Borrowed(&d.shipping_nodes),
            }
        }

        /// Back to a record, with a node table of the ids it names.
        pub fn into_decision(self) -> Decision {
            let mut index: BTreeMap<String, u32> = BTreeMap::new();
            let mut nodes: Vec<Arc<str>> = Vec::new();
            let lines = self
                .lines
                .into_iter()
                .map(|l| LineDecision {
                    line_id: l.line_id.into_owned(),
                    quantity: l.quantity,
                    attempts: l
                        .attempts
                        .into_iter()
                        .map(|a| Attempt {
                            sku: a.sku,
                            substitute: a.substitute,
                            candidates: a
                                .candidates
                                .into_iter()
                                .map(|c| {
                                    let node = *index.entry(c.node_id.to_string()).or_insert_with(|| {
                                        nodes.push(Arc::from(&*c.node_id));
                                        nodes.len() as u32 - 1
                                    });
                                    Candidate {
                                        node,
                                        kind: c.kind,
                                        free: c.free,
                                        verdict: c.verdict,
                                        work: Work::default(),
                                    }
                                })
                                .collect(),
                        })
                        .collect(),
                    outcome: l.outcome.into_owned(),
                })
                .collect();
            Decision {
                order_id: self.order_id.into_owned(),
                decided_at: self.decided_at,
                rule_set: self.rule_set.into_owned(),
                inventory_version: self.inventory_version,
                service_level: self.service_level.into_owned(),
                service_days: self.service_days,
                ship_to_located: self.ship_to_located,
                lines,
                shipping_nodes: self.shipping_nodes.into_owned(),
                nodes: nodes.into(),
            }
        }
    }
}
