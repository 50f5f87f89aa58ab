//! The fulfilment network: the nodes, interned, with the facts sourcing reads per
//! candidate precomputed once (position on the sphere, capability bits, normalised
//! priority), and the capacity each node has used today.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};
use crossdock_model::{Capability, Node, NodeKind};
use rust_decimal::Decimal;

use crate::geo::UnitVec;
use crate::ids::{Interner, NodeIdx};

/// The nodes, by id and by index.
#[derive(Debug, Clone)]
pub struct Network {
    nodes: Vec<Node>,
    ids: Interner,
    /// Node ids by index, shared with decision records.
    names: Arc<[Arc<str>]>,
    facts: Vec<NodeFacts>,
    problems: Vec<String>,
}

/// What sourcing reads about a node, ready to use.
#[derive(Debug, Clone)]
pub(crate) struct NodeFacts {
    pub kind: NodeKind,
    pub at: Option<UnitVec>,
    capabilities: u8,
    /// The node's priority scaled to 0..1 across the network (1 = highest).
    pub priority_score: f64,
    /// Position in node-id order: the last, deterministic tie-break.
    pub id_rank: u32,
    pub capacity_per_day: Option<u32>,
    pub cutoff: Option<NaiveTime>,
    pub handling_cost: Decimal,
    /// Numbers the distinct handling costs of the network (equal figures of different
    /// scales apart): nodes of one class add the very same handling cost to a rate.
    pub handling_class: u32,
}

impl NodeFacts {
    pub fn can(&self, capability: Capability) -> bool {
        self.capabilities & bit(capability) != 0
    }
}

fn bit(capability: Capability) -> u8 {
    1 << capability as u8
}

impl Network {
    /// Nodes keep the order given. A node id given twice keeps its first definition; the
    /// others are listed by [`Network::problems`].
    pub fn new(nodes: Vec<Node>) -> Self {
        let mut ids = Interner::default();
        let mut kept = Vec::with_capacity(nodes.len());
        let mut problems = Vec::new();
        for node in nodes {
            if ids.get(&node.node_id).is_some() {
                problems.push(format!("node `{}` is defined twice; the first definition is used", node.node_id));
                continue;
            }
            ids.intern(&node.node_id);
            kept.push(node);
        }
        let (low, high) = kept.iter().fold((i32::MAX, i32::MIN), |(l, h), n| (l.min(n.priority), h.max(n.priority)));
        let mut by_id: Vec<usize> = (0..kept.len()).collect();
        by_id.sort_by(|&a, &b| kept[a].node_id.cmp(&kept[b].node_id));
        let mut id_rank = vec![0u32; kept.len()];
        for (rank, &i) in by_id.iter().enumerate() {
            id_rank[i] = rank as u32;
        }
        let mut handling_costs: Vec<[u8; 16]> = Vec::new();
        let mut handling_class = |cost: Decimal| {
            let bytes = cost.serialize();
            let class = handling_costs.iter().position(|c| *c == bytes).unwrap_or_else(|| {
                handling_costs.push(bytes);
                handling_costs.len() - 1
            });
            class as u32
        };
        let facts = kept
            .iter()
            .enumerate()
            .map(|(i, n)| NodeFacts {
                handling_class: handling_class(n.handling_cost),
                kind: n.kind,
                at: n.geo.and_then(UnitVec::from_geo),
                capabilities: n.capabilities.iter().fold(0, |bits, c| bits | bit(*c)),
                priority_score: if high > low { f64::from(n.priority - low) / f64::from(high - low) } else { 1.0 },
                id_rank: id_rank[i],
                capacity_per_day: n.capacity_per_day,
                cutoff: n.cutoff,
                handling_cost: n.handling_cost,
            })
            .collect();
        let names = (0..kept.len()).map(|i| ids.name(i as u32).clone()).collect();
        Network { nodes: kept, ids, names, facts, problems }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn idx(&self, node_id: &str) -> Option<NodeIdx> {
        self.ids.get(node_id).map(NodeIdx)
    }

    pub fn node(&self, idx: NodeIdx) -> &Node {
        &self.nodes[idx.at()]
    }

    pub fn get(&self, node_id: &str) -> Option<&Node> {
        self.idx(node_id).map(|i| self.node(i))
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Configuration problems found while building the network (duplicate ids).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    pub(crate) fn facts(&self, idx: NodeIdx) -> &NodeFacts {
        &self.facts[idx.at()]
    }

    pub(crate) fn name(&self, idx: NodeIdx) -> &Arc<str> {
        &self.names[idx.at()]
    }

    pub(crate) fn names(&self) -> &Arc<[Arc<str>]> {
        &self.names
    }

    pub(crate) fn kinds(&self) -> Vec<NodeKind> {
        self.nodes.iter().map(|n| n.kind).collect()
    }

    /// The node a partner party names: by node id, or by the trading partner behind it.
    pub(crate) fn find_party(&self, party: &crossdock_model::Party) -> Option<NodeIdx> {
        let id = party.id.as_ref()?;
        self.idx(&id.value).or_else(|| {
            self.nodes
                .iter()
                .position(|n| n.partner_id.as_deref() == Some(id.value.as_str()))
                .map(|i| NodeIdx(i as u32))
        })
    }
}

/// Fulfilment requests each node has accepted today (one per order and node), against
/// its `capacity_per_day`. The day is the calendar day of `now` in its own offset.
#[derive(Debug, Clone, Default)]
pub(crate) struct DailyCapacity {
    day: Option<NaiveDate>,
    used: Vec<u32>,
}

impl DailyCapacity {
    pub fn new(nodes: usize) -> Self {
        DailyCapacity { day: None, used: vec![0; nodes] }
    }

    /// Starts a new day's count when the date has changed.
    pub fn roll(&mut self, today: NaiveDate) {
        if self.day != Some(today) {
            self.day = Some(today);
            self.used.iter_mut().for_each(|u| *u = 0);
        }
    }

    /// What is left today; `None` when the node has no limit.
    pub fn left(&self, facts: &NodeFacts, idx: NodeIdx) -> Option<u32> {
        facts.capacity_per_day.map(|cap| cap.saturating_sub(self.used[idx.at()]))
    }

    pub fn take(&mut self, idx: NodeIdx) {
        self.used[idx.at()] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, priority: i32) -> Node {
        Node {
            node_id: id.into(),
            kind: NodeKind::Dc,
            name: None,
            address: Default::default(),
            geo: None,
            capabilities: vec![Capability::Ship],
            capacity_per_day: Some(2),
            cutoff: None,
            handling_cost: Decimal::ZERO,
            priority,
            partner_id: None,
        }
    }

    #[test]
    fn duplicates_keep_the_first_and_are_reported() {
        let net = Network::new(vec![node("B", 1), node("A", 5), node("B", 9)]);
        assert_eq!(net.len(), 2);
        assert_eq!(net.get("B").unwrap().priority, 1);
        assert_eq!(net.problems().len(), 1);
    }

    #[test]
    fn facts_rank_ids_and_scale_priority() {
        let net = Network::new(vec![node("B", 1), node("A", 5), node("C", 3)]);
        let b = net.facts(net.idx("B").unwrap());
        let a = net.facts(net.idx("A").unwrap());
        assert_eq!((a.id_rank, b.id_rank), (0, 1));
        assert_eq!((a.priority_score, b.priority_score), (1.0, 0.0));
        assert_eq!(net.facts(net.idx("C").unwrap()).priority_score, 0.5);
        assert!(a.can(Capability::Ship) && !a.can(Capability::Pickup));
    }

    #[test]
    fn capacity_resets_each_day() {
        let net = Network::new(vec![node("A", 0)]);
        let a = net.idx("A").unwrap();
        let mut cap = DailyCapacity::new(1);
        let day = NaiveDate::from_ymd_opt(2024, 6, 3).unwrap();
        cap.roll(day);
        cap.take(a);
        cap.take(a);
        assert_eq!(cap.left(net.facts(a), a), Some(0));
        cap.roll(day.succ_opt().unwrap());
        assert_eq!(cap.left(net.facts(a), a), Some(2));
    }
}
