//! 856 Ship Notice/Manifest -> [`ShipNotice`].
//!
//! - BSN: purpose (01), shipment id (02). DTM (header or shipment level): 011 shipped
//!   (date and time) and 017 estimated delivery.
//! - The HL tree is rebuilt from the parent pointers (HL02), not from the order of the
//!   segments, so every structure works: S-O-P-I (pick and pack), S-O-T-P-I (pallets),
//!   S-T-O-P-I, S-O-I (no pack level) and S-O-I-P / S-T-I-P (packs under items).
//!   - S, shipment: TD1 (package count 02, gross weight 07/08), TD5 (carrier), REF (BM is
//!     the bill of lading, CN a tracking number, others `references`), N1 loops (SF
//!     ship_from, falling back to SH; ST ship_to; others `parties`).
//!   - O, order: PRF (PO number 01, PO date 04), REF, N1 (ST is the order's ship_to; any
//!     other role, e.g. BY for the store a cross-dock order is for, is kept as a
//!     reference qualified by the role: `BY` = the party's id, description its name).
//!   - T, tare (pallet) and P, pack (carton): MAN*GM is the SSCC (MAN with another
//!     qualifier is a mark; MAN*CP is also a tracking number). A pack records the tare
//!     it rides on (its SSCC, or its HL id when it has none).
//!   - I, item (or any level carrying a LIN): LIN (line number 01, product ids from
//!     02/03), SN1 (quantity 02, unit 03, quantity ordered 05; its 01 is the line
//!     number when LIN01 is empty), PID (description), REF (references).
//! - An item goes into the nearest pack above it. Items with no pack level go into a
//!   pack without SSCC (one per order, or per tare when the tare is all there is). With
//!   packs under an item, each pack gets the item with the pack's own SN1 quantity; a
//!   single pack without SN1 gets the item's whole quantity; several packs without SN1
//!   cannot be apportioned: the item goes into a pack without SSCC that lists their
//!   SSCCs as marks, with a warning. Items under no order go into an order with an empty
//!   PO number, with a warning.
//! - CTT01 is checked against the number of HL segments (or of items), CTT02 against the
//!   sum of item quantities (or of all SN1 quantities): a difference is a warning. The
//!   model keeps no declared totals for ship notices.
//! - Not mapped: TD3 (equipment), PO4 and MEA (pack dimensions), FOB, PKG, SLN.

use chrono::NaiveDate;
use crossdock_model::{
    Document, Party, Purpose, Quantity, Reference, ShipNotice, ShippedItem, ShippedOrder, ShippedPack, Uom,
};
use rust_decimal::Decimal;

use super::common::{ctt, describe, dtm, item_ids, purpose, reference, take_role, td5, text, Parties};
use super::{sum, Cx, LoopDef, Required, SetSpec};
use crate::issue::{ElementCode, Location};
use crate::reader::Segment;

pub(super) const SPEC: SetSpec = SetSpec {
    required: &[Required::Head("BSN"), Required::Tail("HL")],
    top: &["BSN", "DTM", "CTT"],
    loops: &[
        LoopDef {
            id: "HL",
            parent: None,
            members: &[
                "LIN", "SN1", "SLN", "PRF", "PO4", "PID", "MEA", "PWK", "PKG", "TD1", "TD5", "TD3", "TD4", "TOO",
                "TSD", "REF", "PER", "LH1", "LH2", "LH3", "LFH", "LEP", "LH4", "LHT", "LHR", "CLD", "MAN", "DTM",
                "FOB", "PAL", "SDQ", "ETD", "CUR", "SAC", "GF", "YNQ", "LM", "LQ", "V1", "MEA",
            ],
        },
        LoopDef { id: "N1", parent: Some("HL"), members: &["N2", "N3", "N4", "REF", "PER", "FOB"] },
    ],
    map,
};

/// One HL and what its segments said.
#[derive(Default)]
struct Node {
    at: Location,
    id: String,
    parent: Option<usize>,
    level: String,
    po: Option<(String, Option<NaiveDate>)>,
    sscc: Option<String>,
    marks: Vec<Reference>,
    item: Option<ShippedItem>,
    /// SN1 on a pack: the quantity of its parent item in this pack.
    pack_quantity: Option<Decimal>,
    parties: Parties,
    references: Vec<Reference>,
}

impl Node {
    fn is(&self, level: &str) -> bool {
        self.level == level
    }
}

fn map(cx: &mut Cx<'_>) -> Option<Document> {
    let mut asn = ShipNotice {
        shipment_id: String::new(),
        purpose: Purpose::Original,
        shipped_at: None,
        expected_delivery: None,
        carrier: None,
        tracking_numbers: Vec::new(),
        bill_of_lading: None,
        ship_from: None,
        ship_to: None,
        parties: Vec::new(),
        gross_weight: None,
        package_count: None,
        references: Vec::new(),
        orders: Vec::new(),
    };
    let mut shipment_id = None;
    let mut nodes: Vec<Node> = Vec::new();
    let mut all_sn1: Vec<Decimal> = Vec::new();
    let mut ctt_seg = None;
    while let Some(seg) = cx.next() {
        match (seg.id(), cx.loop_id()) {
            ("BSN", _) => {
                asn.purpose = purpose(cx, &seg, 1);
                shipment_id = text(&seg, 2);
            }
            ("HL", _) => nodes.push(hl(cx, &seg, &nodes)),
            ("CTT", _) => ctt_seg = Some(seg),
            ("DTM", None) => shipment_dtm(cx, &seg, &mut asn),
            (_, Some("N1")) => {
                if let Some(node) = nodes.last_mut() {
                    node.parties.take(&seg);
                }
            }
            (_, Some("HL")) => {
                if let Some(node) = nodes.last_mut() {
                    in_hl(cx, &seg, node, &mut asn, &mut all_sn1);
                }
            }
            _ => {}
        }
    }
    shipment(&mut asn, &mut nodes);
    asn.orders = orders(cx, &mut nodes);
    if let Some(seg) = ctt_seg {
        let items: Vec<&ShippedItem> = nodes.iter().filter_map(|n| n.item.as_ref()).collect();
        let hashes: Vec<Decimal> = sum(items.iter().map(|i| &i.quantity)).into_iter().chain(sum(&all_sn1)).collect();
        ctt(cx, &seg, "HL segments (or items)", &[nodes.len(), items.len()], &hashes);
    }
    asn.shipment_id = shipment_id?;
    Some(Document::ShipNotice(asn))
}

/// HL: id (01), parent id (02, an earlier HL), level (03).
fn hl(cx: &mut Cx<'_>, seg: &Segment<'_>, nodes: &[Node]) -> Node {
    let id = text(seg, 1).unwrap_or_default();
    if !id.is_empty() && nodes.iter().any(|n| n.id == id) {
        cx.bad(seg, 1, ElementCode::InvalidCode, Some(628), format!("HL01 {id} is used by an earlier HL"));
    }
    let parent = seg.text(2).and_then(|p| {
        let found = nodes.iter().rposition(|n| n.id == p);
        if found.is_none() {
            cx.bad(
                seg,
                2,
                ElementCode::InvalidCode,
                Some(734),
                format!("HL02 parent {p} is not the id of an earlier HL"),
            );
        }
        found
    });
    Node { at: seg.location(), id, parent, level: text(seg, 3).unwrap_or_default(), ..Node::default() }
}

/// A segment of an HL loop, outside its N1 loops.
fn in_hl(cx: &mut Cx<'_>, seg: &Segment<'_>, node: &mut Node, asn: &mut ShipNotice, all_sn1: &mut Vec<Decimal>) {
    match seg.id() {
        "LIN" => {
            let item = node.item.get_or_insert_with(empty_item);
            item.line_no = item.line_no.take().or_else(|| text(seg, 1));
            item_ids(&mut item.item, seg, 2, 31);
        }
        "SN1" => {
            let quantity = cx.decimal(seg, 2, 382);
            all_sn1.extend(quantity);
            if node.is("P") && node.item.is_none() {
                node.pack_quantity = quantity;
                return;
            }
            let item = node.item.get_or_insert_with(empty_item);
            item.quantity = quantity.unwrap_or_default();
            item.uom = seg.text(3).map(Uom::from).unwrap_or_default();
            item.ordered_quantity = cx.decimal(seg, 5, 330);
            item.line_no = item.line_no.take().or_else(|| text(seg, 1));
        }
        "PID" => {
            if let Some(item) = node.item.as_mut() {
                describe(&mut item.item, seg);
            }
        }
        "PRF" => node.po = text(seg, 1).map(|po| (po, cx.date(seg, 4, 373))),
        "MAN" => {
            let (Some(qualifier), Some(value)) = (text(seg, 1), text(seg, 2)) else { return };
            if qualifier == "CP" && !asn.tracking_numbers.contains(&value) {
                asn.tracking_numbers.push(value.clone());
            }
            if qualifier == "GM" && node.sscc.is_none() {
                node.sscc = Some(value);
            } else {
                node.marks.push(Reference { qualifier, value, description: None });
            }
        }
        "REF" => {
            let Some(r) = reference(seg) else { return };
            match r.qualifier.as_str() {
                "BM" if asn.bill_of_lading.is_none() => asn.bill_of_lading = Some(r.value),
                "CN" => {
                    if !asn.tracking_numbers.contains(&r.value) {
                        asn.tracking_numbers.push(r.value);
                    }
                }
                _ => match node.item.as_mut() {
                    Some(item) => item.references.push(r),
                    None => node.references.push(r),
                },
            }
        }
        "TD1" if node.is("S") => {
            asn.package_count = asn.package_count.or(cx.decimal(seg, 2, 80));
            if let (None, Some(value)) = (&asn.gross_weight, cx.decimal(seg, 7, 81)) {
                asn.gross_weight = Some(Quantity { value, uom: seg.text(8).map(Uom::from).unwrap_or_default() });
            }
        }
        "TD5" => td5(&mut asn.carrier, seg),
        "DTM" if node.is("S") => shipment_dtm(cx, seg, asn),
        _ => {}
    }
}

fn shipment_dtm(cx: &mut Cx<'_>, seg: &Segment<'_>, asn: &mut ShipNotice) {
    let Some(d) = dtm(cx, seg) else { return };
    match d.qualifier.as_str() {
        "011" => asn.shipped_at = asn.shipped_at.or(Some(d.date.and_time(d.time.unwrap_or_default()))),
        "017" => asn.expected_delivery = asn.expected_delivery.or(Some(d.date)),
        _ => {}
    }
}

fn empty_item() -> ShippedItem {
    ShippedItem {
        line_no: None,
        item: Default::default(),
        quantity: Decimal::ZERO,
        uom: Uom::each(),
        ordered_quantity: None,
        references: Vec::new(),
    }
}

/// The shipment level's parties and references become the notice's.
fn shipment(asn: &mut ShipNotice, nodes: &mut [Node]) {
    let mut parties: Vec<Party> = Vec::new();
    for n in nodes.iter_mut().filter(|n| n.is("S")) {
        parties.append(&mut n.parties.0);
        asn.references.append(&mut n.references);
    }
    asn.ship_from = take_role(&mut parties, &["SF"]).or_else(|| take_role(&mut parties, &["SH"]));
    asn.ship_to = take_role(&mut parties, &["ST"]);
    asn.parties = parties;
}

/// Where items go: an order (by its O node, `None` for items under no order) and a pack.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PackKey {
    /// A P node.
    Hl(usize),
    /// Items directly on a tare (T node).
    Tare(usize),
    /// Items of an item that has several packs without quantities.
    Split(usize),
    /// Items with no pack level.
    Loose,
}

struct OrderAcc {
    node: Option<usize>,
    order: ShippedOrder,
    packs: Vec<(PackKey, ShippedPack)>,
}

fn orders(cx: &mut Cx<'_>, nodes: &mut [Node]) -> Vec<ShippedOrder> {
    let mut acc: Vec<OrderAcc> = Vec::new();
    for (i, node) in nodes.iter_mut().enumerate() {
        if node.is("O") {
            acc.push(OrderAcc { node: Some(i), order: order_of(node), packs: Vec::new() });
        }
    }
    // Packs in document order, so that empty ones are listed too.
    for i in 0..nodes.len() {
        if nodes[i].is("P") {
            let o = nearest(nodes, i, "O");
            let pack = new_pack(nodes, i);
            order_acc(&mut acc, o).packs.push((PackKey::Hl(i), pack));
        }
    }
    let mut orphans = Vec::new();
    for i in 0..nodes.len() {
        let Some(item) = nodes[i].item.clone() else { continue };
        if nodes[i].is("P") {
            continue; // a pack that carries its own LIN: placed with the pack below
        }
        let o = nearest(nodes, i, "O");
        if o.is_none() {
            orphans.push(nodes[i].id.clone());
        }
        let children: Vec<usize> =
            (i + 1..nodes.len()).filter(|&c| nodes[c].parent == Some(i) && nodes[c].is("P")).collect();
        let acc_o = order_acc(&mut acc, o);
        if children.is_empty() {
            let key = match (nearest(nodes, i, "P"), nearest(nodes, i, "T")) {
                (Some(p), _) => PackKey::Hl(p),
                (None, Some(t)) => PackKey::Tare(t),
                (None, None) => PackKey::Loose,
            };
            pack_mut(acc_o, key, nodes).items.push(item);
        } else if let Some(quantities) = children.iter().map(|&c| nodes[c].pack_quantity).collect::<Option<Vec<_>>>() {
            for (&c, q) in children.iter().zip(quantities) {
                pack_mut(acc_o, PackKey::Hl(c), nodes).items.push(ShippedItem { quantity: q, ..item.clone() });
            }
        } else if let [only] = children[..] {
            pack_mut(acc_o, PackKey::Hl(only), nodes).items.push(item);
        } else {
            let pack = pack_mut(acc_o, PackKey::Split(i), nodes);
            pack.marks.extend(children.iter().filter_map(|&c| nodes[c].sscc.clone()).map(|value| Reference {
                qualifier: "GM".into(),
                value,
                description: None,
            }));
            pack.items.push(item);
            let message = format!("item HL {} is packed in {} cartons without a quantity for each (SN1); listed once, with their SSCCs as marks", nodes[i].id, children.len());
            cx.warn_at(nodes[i].at.clone(), message);
        }
    }
    if !orphans.is_empty() {
        cx.warn_at(
            cx.set_at().clone(),
            format!(
                "items (HL {}) are not under an order (HL level O); listed under an order with no PO number",
                orphans.join(", ")
            ),
        );
    }
    // Packs that carry their own LIN (no I level): the pack holds that item.
    for i in 0..nodes.len() {
        if let (true, Some(item)) = (nodes[i].is("P"), nodes[i].item.clone()) {
            let o = nearest(nodes, i, "O");
            pack_mut(order_acc(&mut acc, o), PackKey::Hl(i), nodes).items.push(item);
        }
    }
    acc.into_iter()
        .map(|mut a| {
            // Packs in document order of the HL that holds them.
            a.packs.sort_by_key(|(key, _)| match *key {
                PackKey::Hl(i) | PackKey::Tare(i) | PackKey::Split(i) => i,
                PackKey::Loose => 0,
            });
            a.order.packs = a.packs.into_iter().map(|(_, p)| p).collect();
            a.order
        })
        .collect()
}

fn order_of(node: &mut Node) -> ShippedOrder {
    let (po_number, po_date) = node.po.take().unwrap_or_default();
    let mut parties = std::mem::take(&mut node.parties.0);
    let ship_to = take_role(&mut parties, &["ST"]);
    let mut references = std::mem::take(&mut node.references);
    references.extend(parties.into_iter().filter_map(|p| {
        let qualifier = p.role?;
        let value = p.id.map(|id| id.value).or_else(|| p.name.clone())?;
        Some(Reference { qualifier, value, description: p.name })
    }));
    ShippedOrder { po_number, po_date, ship_to, references, packs: Vec::new() }
}

/// The nearest node at `level` above node `i` (parents always come earlier, so this ends).
fn nearest(nodes: &[Node], i: usize, level: &str) -> Option<usize> {
    let mut at = nodes.get(i)?.parent;
    while let Some(p) = at {
        let node = nodes.get(p)?;
        if node.is(level) {
            return Some(p);
        }
        at = node.parent.filter(|&q| q < p);
    }
    None
}

fn order_acc(acc: &mut Vec<OrderAcc>, node: Option<usize>) -> &mut OrderAcc {
    match acc.iter().position(|a| a.node == node) {
        Some(i) => &mut acc[i],
        None => {
            acc.push(OrderAcc {
                node,
                order: ShippedOrder {
                    po_number: String::new(),
                    po_date: None,
                    ship_to: None,
                    references: Vec::new(),
                    packs: Vec::new(),
                },
                packs: Vec::new(),
            });
            let last = acc.len() - 1;
            &mut acc[last]
        }
    }
}

fn pack_mut<'a>(acc: &'a mut OrderAcc, key: PackKey, nodes: &[Node]) -> &'a mut ShippedPack {
    let i = match acc.packs.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            let pack = match key {
                PackKey::Hl(p) => new_pack(nodes, p),
                PackKey::Tare(t) => {
                    ShippedPack { sscc: None, tare: Some(tare_name(&nodes[t])), marks: Vec::new(), items: Vec::new() }
                }
                PackKey::Split(_) | PackKey::Loose => {
                    ShippedPack { sscc: None, tare: None, marks: Vec::new(), items: Vec::new() }
                }
            };
            acc.packs.push((key, pack));
            acc.packs.len() - 1
        }
    };
    &mut acc.packs[i].1
}

fn new_pack(nodes: &[Node], p: usize) -> ShippedPack {
    let node = &nodes[p];
    ShippedPack {
        sscc: node.sscc.clone(),
        tare: nearest(nodes, p, "T").map(|t| tare_name(&nodes[t])),
        marks: node.marks.clone(),
        items: Vec::new(),
    }
}

/// A tare is named by its SSCC, or by its HL id when it has none.
fn tare_name(node: &Node) -> String {
    node.sscc.clone().unwrap_or_else(|| node.id.clone())
}
