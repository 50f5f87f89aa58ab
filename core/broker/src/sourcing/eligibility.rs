//! Eligibility filters that depend only on the node and the rules (kind, capability,
//! region, exclusions, channel), decided once per node when the broker starts, so that a
//! candidate costs one array read.

use std::collections::BTreeMap;

use crossdock_model::{Capability, NodeKind};

use super::explain::Exclusion;
use super::rules::RuleSet;
use crate::ids::NodeIdx;
use crate::network::Network;

#[derive(Debug, Clone)]
pub(crate) struct Eligibility {
    /// Per node: why it may not fulfil a shipped line, if it may not.
    ship: Vec<Option<Exclusion>>,
    /// Per node: may fulfil a shipped line (the same as `ship[n].is_none()`, one byte a
    /// node, so that the candidate loop's check stays in cache).
    ship_ok: Vec<bool>,
    /// Per channel with rules, per node: the channel's own exclusions.
    channels: BTreeMap<String, Vec<Option<Exclusion>>>,
}

impl Eligibility {
    pub fn compile(network: &Network, rules: &RuleSet) -> Self {
        let e = &rules.eligibility;
        let ship: Vec<Option<Exclusion>> = network
            .nodes()
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let facts = network.facts(NodeIdx(i as u32));
                let (needs, off) = match node.kind {
                    NodeKind::Store => {
                        (Capability::ShipFromStore, (!e.ship_from_store).then_some(Exclusion::ShipFromStoreOff))
                    }
                    NodeKind::Supplier => (Capability::DropShip, (!e.drop_ship).then_some(Exclusion::DropShipOff)),
                    NodeKind::Dc | NodeKind::Threepl => (Capability::Ship, None),
                };
                let region_ok = e.node_regions.is_empty()
                    || node
                        .address
                        .region
                        .as_ref()
                        .is_some_and(|r| e.node_regions.iter().any(|x| x.eq_ignore_ascii_case(r)));
                if e.excluded_nodes.contains(&node.node_id) {
                    Some(Exclusion::ExcludedNode)
                } else if !e.node_kinds.contains(&node.kind) {
                    Some(Exclusion::NodeKind { kind: node.kind })
                } else if off.is_some() {
                    off
                } else if !facts.can(needs) {
                    Some(Exclusion::MissingCapability { capability: needs })
                } else if !region_ok {
                    Some(Exclusion::Region)
                } else {
                    None
                }
            })
            .collect();
        let channels = rules
            .channels
            .iter()
            .map(|(name, c)| {
                let verdicts = network
                    .nodes()
                    .iter()
                    .map(|node| {
                        let kind_ok = c.node_kinds.as_ref().is_none_or(|kinds| kinds.contains(&node.kind));
                        (!kind_ok || c.excluded_nodes.contains(&node.node_id)).then_some(Exclusion::Channel)
                    })
                    .collect();
                (name.clone(), verdicts)
            })
            .collect();
        let ship_ok = ship.iter().map(Option::is_none).collect();
        Eligibility { ship, ship_ok, channels }
    }

    /// Why `node` may not ship for this channel (the general rules first).
    pub fn ship(&self, channel: Option<&[Option<Exclusion>]>, node: NodeIdx) -> Option<Exclusion> {
        if self.ship_ok[node.at()] {
            channel.and_then(|c| c[node.at()])
        } else {
            self.ship[node.at()]
        }
    }

    pub fn channel(&self, channel: &str) -> Option<&[Option<Exclusion>]> {
        self.channels.get(channel).map(Vec::as_slice)
    }
}
