//! The sourcing bench's workload (benches/sourcing.rs, same generators and seeds) at a
//! tenth of its SKUs and a twentieth of its orders, for two jobs the bench cannot do:
//!
//! - `cargo run --release -p crossdock-broker --example profile -- digest` prints a digest
//!   of every output (decisions as JSON and as text, documents, statuses, ATP answers):
//!   a speed-up must leave it unchanged;
//! - `valgrind --tool=callgrind --toggle-collect='*take_order*'
//!   target/release/examples/profile` counts the instructions of handling the orders,
//!   which is repeatable on a shared machine where times are not.
//!
//! The generators are copied from the bench: keep them in step with it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use crossdock_broker::{AtpQuery, Broker, Input, Near, OrderRequest, Output, RuleSet};
use crossdock_model::{
    AdviceMode, Capability, Fulfillment, Geo, InventoryAdvice, ItemRef, Node, NodeKind, OrderLine, Position, SalesOrder,
};
use rust_decimal::Decimal;

/// The allocator the product runs with (`crossdock`, core/cli/src/main.rs), so that the
/// figures are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NODES: usize = 2_000;
const DCS: usize = 8;
const THREEPLS: usize = 12;
const SUPPLIERS: usize = 100;
const SKUS: usize = 10_000;
const ORDERS: usize = 5_000;
const ATP_QUERIES: usize = 5_000;
const PREVIEWS: usize = 2_000;

/// splitmix64: small, seeded, good enough to vary the data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A point in the continental US.
    fn geo(&mut self) -> Geo {
        let lat = 27.0 + self.unit() * 20.0;
        let lon = -122.0 + self.unit() * 50.0;
        Geo {
            lat: Decimal::from_f64_retain(lat).unwrap().round_dp(4),
            lon: Decimal::from_f64_retain(lon).unwrap().round_dp(4),
        }
    }
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2024-06-03T10:00:00-04:00").unwrap()
}

fn sku(i: usize) -> String {
    format!("SKU-{i:06}")
}

fn node_id(i: usize) -> String {
    match i {
        i if i < DCS => format!("DC-{i:02}"),
        i if i < DCS + THREEPLS => format!("3PL-{:02}", i - DCS),
        i if i < DCS + THREEPLS + SUPPLIERS => format!("SUP-{:03}", i - DCS - THREEPLS),
        i => format!("STORE-{:04}", i - DCS - THREEPLS - SUPPLIERS),
    }
}

fn network(rng: &mut Rng) -> Vec<Node> {
    (0..NODES)
        .map(|i| {
            let (kind, capabilities, capacity, handling) = match i {
                i if i < DCS => (NodeKind::Dc, vec![Capability::Ship], 1_000_000, "1.20"),
                i if i < DCS + THREEPLS => (NodeKind::Threepl, vec![Capability::Ship], 500_000, "1.80"),
                i if i < DCS + THREEPLS + SUPPLIERS => {
                    (NodeKind::Supplier, vec![Capability::DropShip], 100_000, "0.50")
                }
                // Seven stores in ten ship from store; all take pickups.
                _ if rng.below(10) < 7 => {
                    (NodeKind::Store, vec![Capability::Pickup, Capability::ShipFromStore], 50_000, "3.50")
                }
                _ => (NodeKind::Store, vec![Capability::Pickup], 50_000, "3.50"),
            };
            Node {
                node_id: node_id(i),
                kind,
                name: None,
                address: Default::default(),
                geo: Some(rng.geo()),
                capabilities,
                capacity_per_day: Some(capacity),
                cutoff: Some(chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap()),
                handling_cost: handling.parse().unwrap(),
                priority: if kind == NodeKind::Dc { 10 } else { 0 },
                partner_id: None,
            }
        })
        .collect()
}

/// Per node, its (sku, quantity) positions: each SKU at 5-8 of the DCs, 0-2 3PLs, maybe
/// a supplier and 4-29 stores (10-40 nodes in all); some positions are out of stock.
fn stocking(rng: &mut Rng) -> Vec<Vec<(u32, u32)>> {
    let mut at: Vec<Vec<(u32, u32)>> = vec![Vec::new(); NODES];
    let stores = DCS + THREEPLS + SUPPLIERS..NODES;
    for s in 0..SKUS {
        let mut nodes: Vec<usize> = Vec::with_capacity(40);
        let dcs = rng.range(5, DCS);
        while nodes.len() < dcs {
            let n = rng.below(DCS);
            if !nodes.contains(&n) {
                nodes.push(n);
            }
        }
        for _ in 0..rng.range(0, 2) {
            nodes.push(DCS + rng.below(THREEPLS));
        }
        if rng.below(3) == 0 {
            nodes.push(DCS + THREEPLS + rng.below(SUPPLIERS));
        }
        let total = rng.range(10, 40);
        while nodes.len() < total {
            nodes.push(stores.start + rng.below(stores.len()));
        }
        nodes.sort_unstable();
        nodes.dedup();
        for n in nodes {
            let q = match n {
                n if n < DCS + THREEPLS => {
                    if rng.below(100) < 12 {
                        0
                    } else {
                        rng.range(5, 60)
                    }
                }
                n if n < DCS + THREEPLS + SUPPLIERS => rng.range(20, 500),
                _ => rng.range(0, 8),
            };
            at[n].push((s as u32, q as u32));
        }
    }
    at
}

fn advice(node: usize, positions: &[(u32, u32)]) -> Input {
    Input::Advice(InventoryAdvice {
        node_id: Some(node_id(node)),
        advice_id: Some(format!("846-{node}")),
        as_of: now(),
        mode: AdviceMode::Snapshot,
        reporter: None,
        positions: positions
            .iter()
            .map(|&(s, q)| Position {
                item: ItemRef { sku: Some(sku(s as usize)), ..ItemRef::default() },
                location: None,
                uom: Default::default(),
                on_hand: Some(q.into()),
                available: None,
                in_transit: vec![],
                on_order: vec![],
            })
            .collect(),
    })
}

/// Popular SKUs sell more (a squared uniform skews towards low ids).
fn popular(rng: &mut Rng) -> usize {
    let u = rng.unit();
    ((u * u) * SKUS as f64) as usize % SKUS
}

/// One order of 3-5 lines, shipping anywhere in the US.
fn order(rng: &mut Rng, o: usize) -> OrderRequest {
    let count = rng.range(3, 5);
    let mut skus: Vec<usize> = Vec::with_capacity(count);
    while skus.len() < count {
        let s = popular(rng);
        if !skus.contains(&s) {
            skus.push(s);
        }
    }
    let lines = skus
        .iter()
        .enumerate()
        .map(|(i, &s)| OrderLine {
            line_id: (i + 1).to_string(),
            item: ItemRef { sku: Some(sku(s)), ..ItemRef::default() },
            // Mostly one or two; one line in twenty wants a case (splits).
            quantity: if rng.below(20) == 0 { rng.range(20, 60).into() } else { rng.range(1, 2).into() },
            uom: Default::default(),
            unit_price: None,
            fulfillment: Fulfillment::Ship,
            allow_substitution: false,
            substitutes: vec![],
            status: Default::default(),
        })
        .collect();
    OrderRequest {
        sales_order: SalesOrder {
            order_id: format!("SO-{o:07}"),
            channel: "web".into(),
            external_id: None,
            customer: None,
            ship_to: None,
            bill_to: None,
            placed_at: now(),
            service_level: Some(if rng.below(5) == 0 { "express" } else { "standard" }.into()),
            currency: Some("USD".into()),
            priority: 0,
            lines,
            status: Default::default(),
            references: vec![],
        },
        ship_to_geo: Some(rng.geo()),
    }
}

/// CPU time this thread has used (the machine is shared: wall time includes waiting).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Stats {
    p50: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
}

fn stats(durations: &mut [Duration]) -> Stats {
    durations.sort_unstable();
    let at = |q: f64| durations[((durations.len() as f64 * q) as usize).min(durations.len() - 1)];
    Stats { p50: at(0.50), p99: at(0.99), p999: at(0.999), max: durations[durations.len() - 1] }
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

/// The naive engine: for each line, every node in turn, the first with enough free stock.
struct Greedy {
    free: Vec<HashMap<u32, u32>>,
}

impl Greedy {
    fn decide(&mut self, lines: &[(u32, u32)]) -> usize {
        let mut placed = 0;
        for &(sku, quantity) in lines {
            for node in self.free.iter_mut() {
                if let Some(free) = node.get_mut(&sku) {
                    if *free >= quantity {
                        *free -= quantity;
                        placed += 1;
                        break;
                    }
                }
            }
        }
        placed
    }
}

fn timed() {
    let mut rng = Rng(0x000C_2055_D0C4);
    let rules = RuleSet::builtin();
    println!("crossdock-broker sourcing bench (one thread), rules {}", rules.label());

    let started = Instant::now();
    let nodes = network(&mut rng);
    let stock = stocking(&mut rng);
    let positions: usize = stock.iter().map(Vec::len).sum();
    let mut broker = Broker::new(nodes.clone(), rules);
    for (n, p) in stock.iter().enumerate() {
        broker.handle(advice(n, p), now());
    }
    let mut greedy = Greedy {
        free: stock
            .iter()
            .enumerate()
            .map(|(n, p)| {
                let safety = u32::from(n >= DCS + THREEPLS + SUPPLIERS);
                p.iter().map(|&(s, q)| (s, q.saturating_sub(safety))).collect()
            })
            .collect(),
    };
    println!(
        "network: {NODES} nodes ({DCS} DCs, {THREEPLS} 3PLs, {SUPPLIERS} suppliers, {} stores), {SKUS} SKUs, {positions} positions ({:.1} nodes per SKU); loaded in {:.1} s",
        NODES - DCS - THREEPLS - SUPPLIERS,
        positions as f64 / SKUS as f64,
        started.elapsed().as_secs_f64()
    );

    // Sourcing alone (decision with its explanation, nothing committed), to show where the
    // time of a full `handle` goes.
    let mut preview_rng = Rng(7);
    let mut previews = Vec::with_capacity(PREVIEWS);
    for o in 0..PREVIEWS {
        let request = order(&mut preview_rng, ORDERS + o);
        let start = Instant::now();
        let decision = broker.preview(&request, now());
        previews.push(start.elapsed());
        black_box(decision).ok();
    }
    let preview_rate = PREVIEWS as f64 / previews.iter().sum::<Duration>().as_secs_f64();
    let preview = stats(&mut previews);

    // Orders are made just before they are handled (untimed), as the runtime hands the
    // broker an order it has just parsed.
    let mut greedy_lines: Vec<Vec<(u32, u32)>> = Vec::with_capacity(ORDERS);
    let mut durations = Vec::with_capacity(ORDERS);
    let (mut lines, mut split, mut backordered) = (0usize, 0usize, 0usize);
    let mut handled = Duration::ZERO;
    let t = Instant::now();
    let cpu = cpu_time();
    for o in 0..ORDERS {
        let request = order(&mut rng, o);
        lines += request.sales_order.lines.len();
        greedy_lines.push(
            request
                .sales_order
                .lines
                .iter()
                .map(|l| {
                    let s: u32 = l.item.sku.as_ref().unwrap()[4..].parse().unwrap();
                    (s, rust_decimal::prelude::ToPrimitive::to_u32(&l.quantity).unwrap())
                })
                .collect(),
        );
        let start = Instant::now();
        let out = broker.handle(Input::Order(request), now());
        let took = start.elapsed();
        durations.push(took);
        handled += took;
        for o in &out {
            match o {
                Output::SourcingDecided { decision } if decision.shipping_nodes.len() > 1 => split += 1,
                Output::OrderBackordered { .. } => backordered += 1,
                _ => {}
            }
        }
        black_box(out);
    }
    let total = t.elapsed();
    let on_cpu = (cpu_time() - cpu).as_secs_f64() / total.as_secs_f64();
    let ours = stats(&mut durations);
    let ours_rate = ORDERS as f64 / handled.as_secs_f64();
    broker.check_invariants().expect("invariants hold after the run");

    let mut greedy_durations = Vec::with_capacity(ORDERS);
    for order in &greedy_lines {
        let start = Instant::now();
        black_box(greedy.decide(black_box(order)));
        greedy_durations.push(start.elapsed());
    }
    let greedy_rate = ORDERS as f64 / greedy_durations.iter().sum::<Duration>().as_secs_f64();
    let theirs = stats(&mut greedy_durations);

    println!(
        "orders: {ORDERS} ({lines} lines, {:.1} per order); split over 2+ nodes: {:.1}%; with a backordered line: {:.1}%",
        lines as f64 / ORDERS as f64,
        split as f64 * 100.0 / ORDERS as f64,
        backordered as f64 * 100.0 / ORDERS as f64
    );
    println!(
        "broker   (handle: validate, source, explain, reserve, release): {:>9.0} decisions/s   p50 {}  p99 {}  p99.9 {}  max {}  (wall {:.2} s)",
        ours_rate,
        us(ours.p50),
        us(ours.p99),
        us(ours.p999),
        us(ours.max),
        total.as_secs_f64()
    );
    println!(
        "  (this thread was on a CPU {:.0}% of the order loop's wall time; the rest, other work on the shared cores)",
        on_cpu * 100.0
    );
    println!(
        "  of which sourcing + explanation (preview, no commit):         {:>9.0} decisions/s   p50 {}  p99 {}  p99.9 {}",
        preview_rate,
        us(preview.p50),
        us(preview.p99),
        us(preview.p999)
    );
    println!(
        "baseline (naive greedy: every node per line, first fit):       {:>9.0} decisions/s   p50 {}  p99 {}  p99.9 {}  max {}",
        greedy_rate,
        us(theirs.p50),
        us(theirs.p99),
        us(theirs.p999),
        us(theirs.max)
    );
    println!("ratio: broker / baseline = {:.1}x decisions/s", ours_rate / greedy_rate);

    // ATP: one node, and network-wide with a quantity and a location.
    let mut node_durations = Vec::with_capacity(ATP_QUERIES);
    let mut network_durations = Vec::with_capacity(ATP_QUERIES);
    for _ in 0..ATP_QUERIES {
        let n = loop {
            let n = rng.below(NODES);
            if !stock[n].is_empty() {
                break n;
            }
        };
        let s = stock[n][rng.below(stock[n].len())].0 as usize;
        let query = AtpQuery { sku: sku(s), quantity: None, by: None, near: None };
        let id = node_id(n);
        let start = Instant::now();
        black_box(broker.node_atp(&id, &query, now()));
        node_durations.push(start.elapsed());

        let query = AtpQuery {
            sku: sku(popular(&mut rng)),
            quantity: Some(3.into()),
            by: Some(chrono::NaiveDate::from_ymd_opt(2024, 6, 10).unwrap()),
            near: Some(Near::Geo(rng.geo())),
        };
        let start = Instant::now();
        black_box(broker.atp(&query, now()));
        network_durations.push(start.elapsed());
    }
    let node_atp = stats(&mut node_durations);
    let network_atp = stats(&mut network_durations);
    println!(
        "ATP at one node:                  p50 {}  p99 {}  p99.9 {}",
        us(node_atp.p50),
        us(node_atp.p99),
        us(node_atp.p999)
    );
    println!(
        "ATP network-wide (qty, by, near): p50 {}  p99 {}  p99.9 {}",
        us(network_atp.p50),
        us(network_atp.p99),
        us(network_atp.p999)
    );
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "targets: >= 250,000 decisions/s [{}], p99 < 20 µs [{}], ATP < 5 µs [one node: {}, network-wide: {}]",
        met(ours_rate >= 250_000.0),
        met(ours.p99 < Duration::from_micros(20)),
        met(node_atp.p99 < Duration::from_micros(5)),
        met(network_atp.p99 < Duration::from_micros(5)),
    );
}

fn fnv(h: &mut u64, s: &str) {
    for b in s.bytes() {
        *h ^= u64::from(b);
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

fn digest() {
    let mut rng = Rng(0x000C_2055_D0C4);
    let rules = RuleSet::builtin();
    let nodes = network(&mut rng);
    let stock = stocking(&mut rng);
    let mut broker = Broker::new(nodes.clone(), rules);
    for (n, p) in stock.iter().enumerate() {
        broker.handle(advice(n, p), now());
    }
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut preview_rng = Rng(7);
    for o in 0..PREVIEWS {
        let request = order(&mut preview_rng, ORDERS + o);
        let d = broker.preview(&request, now()).unwrap();
        fnv(&mut h, &serde_json::to_string(&d).unwrap());
        fnv(&mut h, &d.to_string());
    }
    let mut splits = 0;
    for o in 0..ORDERS {
        let request = order(&mut rng, o);
        let out = broker.handle(Input::Order(request), now());
        for x in &out {
            if let Output::SourcingDecided { decision } = x {
                fnv(&mut h, &decision.to_string());
                if decision.shipping_nodes.len() > 1 {
                    splits += 1;
                }
            }
            fnv(&mut h, &serde_json::to_string(x).unwrap());
        }
    }
    broker.check_invariants().unwrap();
    for _ in 0..ATP_QUERIES {
        let query = AtpQuery {
            sku: sku(popular(&mut rng)),
            quantity: Some(3.into()),
            by: Some(chrono::NaiveDate::from_ymd_opt(2024, 6, 10).unwrap()),
            near: Some(Near::Geo(rng.geo())),
        };
        fnv(&mut h, &serde_json::to_string(&broker.atp(&query, now())).unwrap());
        let n = rng.below(NODES);
        if let Some((s, _)) = stock[n].first() {
            let q = AtpQuery { sku: sku(*s as usize), quantity: None, by: None, near: None };
            fnv(&mut h, &serde_json::to_string(&broker.node_atp(&node_id(n), &q, now())).unwrap());
        }
    }
    println!("golden {h:016x} splits {splits}");
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("digest") => digest(),
        _ => timed(),
    }
}
