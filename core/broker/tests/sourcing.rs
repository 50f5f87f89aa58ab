//! Sourcing scenarios, asserting on the explanation records.

mod common;

use common::*;
use crossdock_broker::sourcing::{BackorderReason, Exclusion, LineOutcome, Verdict};
use crossdock_broker::{Input, Output, SupplyType};
use crossdock_model::{LineStatus, OrderStatus};

fn sourced_from(outcome: &LineOutcome) -> Vec<(String, i64)> {
    match outcome {
        LineOutcome::Sourced { allocations, .. } => allocations
            .iter()
            .map(|a| (a.node_id.to_string(), rust_decimal::prelude::ToPrimitive::to_i64(&a.quantity).unwrap()))
            .collect(),
        LineOutcome::Backordered { .. } => vec![],
    }
}

fn removed_by(d: &crossdock_broker::Decision, line: &str, node: &str) -> Option<Exclusion> {
    match &d.candidate(line, node)?.verdict {
        Verdict::Removed { rule } => Some(*rule),
        Verdict::Ranked { .. } => None,
    }
}

#[test]
fn the_nearest_good_node_wins_and_every_candidate_is_explained() {
    let mut b = broker();
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 50)]),
            stock("DC-WEST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 50)]),
            stock("STORE-CHI", "A3", "2024-06-03T08:00:00-04:00", &[("SKU-1", 50)]),
            stock("STORE-BOS", "A4", "2024-06-03T08:00:00-04:00", &[("SKU-1", 1)]),
            Input::Order(order("SO-1", vec![line("1", "SKU-1", 2)])),
        ],
    );
    let d = decision(&out);
    assert_eq!(d.rule_set, "default@2024.06.1");
    assert!(d.inventory_version > 0);
    let l = d.line("1").unwrap();
    assert_eq!(sourced_from(&l.outcome), vec![("DC-EAST".to_string(), 2)]);
    // STORE-CHI cannot ship from store; STORE-BOS has only its safety stock.
    assert_eq!(
        removed_by(d, "1", "STORE-CHI"),
        Some(Exclusion::MissingCapability { capability: crossdock_model::Capability::ShipFromStore })
    );
    assert_eq!(removed_by(d, "1", "STORE-BOS"), Some(Exclusion::NoStock));
    let Verdict::Ranked { rank, scores, facts, .. } = &d.candidate("1", "DC-EAST").unwrap().verdict else { panic!() };
    assert_eq!(*rank, 1);
    assert!(scores.distance > 0.95 && facts.distance_km.unwrap() < 60.0, "{scores:?} {facts:?}");
    let Verdict::Ranked { rank, facts: west, .. } = &d.candidate("1", "DC-WEST").unwrap().verdict else { panic!() };
    assert_eq!(*rank, 2);
    assert!(west.cost > facts.cost && west.promise_days > facts.promise_days);
    // Released at once: a fulfilment request to DC-EAST.
    let request = out
        .iter()
        .find_map(|o| match o {
            Output::FulfillmentRequested { node_id, request } if node_id == "DC-EAST" => Some(request),
            _ => None,
        })
        .expect("a fulfilment request");
    assert_eq!(request.request_id, "SO-1-1");
    assert_eq!(request.lines[0].quantity, qty(2));
    assert_eq!(b.order("SO-1").unwrap().status(), OrderStatus::Released);
    // And a person can read it.
    let text = d.to_string();
    assert!(text.contains("Line 1: 2 x SKU-1 -> 2 from DC-EAST"), "{text}");
    assert!(text.contains("cannot ship from store"), "{text}");
    assert!(text.contains("none free"), "{text}");
}

#[test]
fn bopis_reserves_at_the_chosen_store_only() {
    let mut b = broker();
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 50)]),
            stock("STORE-CHI", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 3)]),
            Input::Order(order("SO-2", vec![pickup("1", "SKU-1", 2, "STORE-CHI")])),
        ],
    );
    let d = decision(&out);
    let l = d.line("1").unwrap();
    assert_eq!(l.attempts[0].candidates.len(), 1, "only the pickup store is a candidate");
    assert_eq!(sourced_from(&l.outcome), vec![("STORE-CHI".to_string(), 2)]);
    assert!(d.shipping_nodes.is_empty(), "a pickup is not a parcel");
    let request = out.iter().find_map(|o| match o {
        Output::FulfillmentRequested { node_id, request } if node_id == "STORE-CHI" => Some(request),
        _ => None,
    });
    assert_eq!(request.unwrap().notes, vec!["Pick and hold for customer pickup".to_string()]);
    let atp = b.node_atp(
        "STORE-CHI",
        &crossdock_broker::AtpQuery { sku: "SKU-1".into(), quantity: None, by: None, near: None },
        now(),
    );
    assert_eq!(atp.unwrap().breakdown.reserved, qty(2));

    // The store has 3 with a safety stock of 1: a second pickup of 2 must wait, and is
    // not shipped from the DC next door.
    let out = run(&mut b, vec![Input::Order(order("SO-3", vec![pickup("1", "SKU-1", 2, "STORE-CHI")]))]);
    let l = decision(&out).line("1").unwrap().clone();
    assert!(matches!(l.outcome, LineOutcome::Backordered { why: BackorderReason::NoStock, promise: None }));
    assert_eq!(b.order("SO-3").unwrap().status(), OrderStatus::Backordered);
}

#[test]
fn an_order_that_must_split_splits_within_the_limit() {
    let mut b = broker();
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 6)]),
            stock("DC-WEST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
            Input::Order(order("SO-4", vec![line("1", "SKU-1", 10)])),
        ],
    );
    let d = decision(&out);
    assert_eq!(sourced_from(&d.line("1").unwrap().outcome), vec![("DC-EAST".into(), 6), ("DC-WEST".into(), 4)]);
    assert_eq!(d.shipping_nodes.len(), 2);
    assert_eq!(events(&out).iter().filter(|e| **e == "fulfillment.requested").count(), 2);
    assert!(d.to_string().contains("Ships in 2 parcels"));
}

#[test]
fn max_splits_is_respected() {
    let mut b = Broker::new(network(), rules_with("[policy]\nmax_splits = 0"));
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
            stock("DC-WEST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-2", 5)]),
            Input::Order(order("SO-5", vec![line("1", "SKU-1", 2), line("2", "SKU-2", 2)])),
        ],
    );
    let d = decision(&out);
    assert_eq!(d.shipping_nodes.len(), 1);
    assert_eq!(sourced_from(&d.line("1").unwrap().outcome), vec![("DC-EAST".into(), 2)]);
    assert!(matches!(d.line("2").unwrap().outcome, LineOutcome::Backordered { why: BackorderReason::SplitLimit, .. }));
    assert_eq!(b.order("SO-5").unwrap().status(), OrderStatus::PartiallySourced);
}

use crossdock_broker::Broker;

#[test]
fn consolidation_prefers_one_parcel_over_each_lines_nearest_node() {
    let inputs = || {
        vec![
            stock("DC-WEST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5), ("SKU-2", 5)]),
            stock("DC-EAST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
            Input::Order(order("SO-6", vec![line("1", "SKU-1", 1), line("2", "SKU-2", 1)])),
        ]
    };
    let mut b = broker();
    let d = decision(&run(&mut b, inputs())).clone();
    assert_eq!(d.shipping_nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>(), vec!["DC-WEST"]);
    // Line-level sourcing takes each line's own best node instead.
    let mut b = Broker::new(network(), rules_with("[policy]\nconsolidate = false"));
    let d = decision(&run(&mut b, inputs())).clone();
    assert_eq!(sourced_from(&d.line("1").unwrap().outcome), vec![("DC-EAST".into(), 1)]);
    assert_eq!(d.shipping_nodes.len(), 2);
}

#[test]
fn backorder_against_on_order_stock_with_its_eta_then_release_on_receipt() {
    let mut b = broker();
    let out = run(
        &mut b,
        vec![
            on_order("DC-EAST", "A1", "SKU-9", 0, &[(10, "2024-06-20"), (5, "2024-06-12")]),
            Input::Order(order("SO-7", vec![line("1", "SKU-9", 8)])),
        ],
    );
    let d = decision(&out);
    let LineOutcome::Backordered { why, promise: Some(p) } = &d.line("1").unwrap().outcome else { panic!("{d}") };
    assert_eq!(*why, BackorderReason::NoStock);
    assert_eq!((&*p.node_id, p.eta, p.supply), ("DC-EAST", day("2024-06-20"), SupplyType::OnOrder));
    assert!(p.deliver_by > p.eta);
    assert!(d.to_string().contains("expected at DC-EAST on 2024-06-20 (on order)"), "{d}");
    assert!(events(&out).contains(&"order.backordered"));
    assert_eq!(b.order("SO-7").unwrap().status(), OrderStatus::Backordered);
    let atp = b.atp(
        &crossdock_broker::AtpQuery { sku: "SKU-9".into(), quantity: None, by: Some(day("2024-06-30")), near: None },
        now(),
    );
    assert_eq!((atp.total.claimed, atp.total.available_by), (qty(8), Some(qty(7))));

    // The goods arrive: the backorder is sourced from the new stock and released.
    let receipt = Input::Receipt(crossdock_broker::Receipt {
        node_id: "DC-EAST".into(),
        shipment_id: None,
        lines: vec![crossdock_broker::ReceiptLine { item: item("SKU-9"), quantity: qty(10) }],
    });
    let out = run(&mut b, vec![receipt]);
    assert!(events(&out).contains(&"fulfillment.requested"), "{:?}", events(&out));
    let order = b.order("SO-7").unwrap();
    assert_eq!(order.lines[0].status, LineStatus::Released);
    assert_eq!(b.position("DC-EAST", "SKU-9").unwrap().claimed, qty(0));
}

#[test]
fn constrained_stock_goes_to_the_higher_priority_first() {
    let mut b = broker();
    run(&mut b, vec![stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)])]);
    let mut early_low = order("SO-LOW", vec![line("1", "SKU-1", 4)]);
    early_low.sales_order.placed_at = at("2024-06-03T09:00:00-04:00");
    let mut late_high = order("SO-HIGH", vec![line("1", "SKU-1", 4)]);
    late_high.sales_order.priority = 5;
    let out = b.source_batch(vec![early_low, late_high], now());
    b.check_invariants().unwrap();
    let first = events(&out).iter().position(|e| *e == "sourcing.decided").unwrap();
    let Output::SourcingDecided { decision } = &out[first] else { unreachable!() };
    assert_eq!(decision.order_id, "SO-HIGH");
    assert_eq!(b.order("SO-HIGH").unwrap().status(), OrderStatus::Released);
    assert_eq!(b.order("SO-LOW").unwrap().status(), OrderStatus::Backordered);

    // A channel's priority counts too: b2b (+10) beats a priority-5 web order.
    let mut b = broker();
    run(&mut b, vec![stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)])]);
    let mut web = order("SO-WEB", vec![line("1", "SKU-1", 4)]);
    web.sales_order.priority = 5;
    let mut b2b = order("SO-B2B", vec![line("1", "SKU-1", 4)]);
    b2b.sales_order.channel = "b2b".into();
    b.source_batch(vec![web, b2b], now());
    assert_eq!(b.order("SO-B2B").unwrap().status(), OrderStatus::Released);
    assert_eq!(b.order("SO-WEB").unwrap().status(), OrderStatus::Backordered);

    // When stock is freed, the waiting orders are served most entitled first.
    let mut b = broker();
    let mut a = order("SO-A", vec![line("1", "SKU-1", 3)]);
    a.sales_order.placed_at = at("2024-06-03T08:00:00-04:00");
    let mut c = order("SO-C", vec![line("1", "SKU-1", 3)]);
    c.sales_order.priority = 1;
    run(&mut b, vec![Input::Order(a), Input::Order(c)]);
    run(&mut b, vec![stock("DC-EAST", "A1", "2024-06-03T11:00:00-04:00", &[("SKU-1", 4)])]);
    assert_eq!(b.order("SO-C").unwrap().status(), OrderStatus::Released);
    assert_eq!(b.order("SO-A").unwrap().status(), OrderStatus::Backordered);
}

#[test]
fn drop_ship_issues_a_purchase_order_to_the_supplier() {
    let mut b = broker();
    let out = run(
        &mut b,
        vec![
            stock("SUP-ACME", "846-1", "2024-06-03T06:00:00-04:00", &[("SKU-DS", 40)]),
            Input::Order(order("SO-8", vec![line("1", "SKU-DS", 3)])),
        ],
    );
    let po = out
        .iter()
        .find_map(|o| match o {
            Output::PoIssued { po, partner_id, .. } => Some((po, partner_id)),
            _ => None,
        })
        .expect("a drop-ship PO");
    assert_eq!(po.1.as_deref(), Some("ACME"));
    let po = po.0;
    assert_eq!((po.po_number.as_str(), po.sales_order_ref.as_deref()), ("SO-8-1", Some("SO-8")));
    assert_eq!(
        (po.order_type.as_deref(), po.lines[0].line_no.as_str(), po.lines[0].quantity),
        (Some("DS"), "1", qty(3))
    );
    assert_eq!(po.seller.as_ref().unwrap().id.as_ref().unwrap().value, "ACME");
    // Supplier lead days are in the promise.
    let Verdict::Ranked { facts, .. } = &decision(&out).candidate("1", "SUP-ACME").unwrap().verdict else { panic!() };
    assert!(facts.promise_days >= 3, "{facts:?}");
    use crossdock_model::Validate;
    po.validate().unwrap();
}

#[test]
fn substitution_when_the_line_allows_it() {
    let mut with_sub = line("1", "SKU-RED", 2);
    with_sub.allow_substitution = true;
    with_sub.substitutes = vec![item("SKU-CRIMSON"), item("SKU-SCARLET")];
    let inputs = |l| {
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-RED", 0), ("SKU-SCARLET", 9)]),
            Input::Order(order("SO-9", vec![l])),
        ]
    };
    let mut b = broker();
    let d = decision(&run(&mut b, inputs(with_sub.clone()))).clone();
    let l = d.line("1").unwrap();
    let LineOutcome::Sourced { substituted, allocations } = &l.outcome else { panic!("{d}") };
    assert_eq!(substituted.as_deref(), Some("SKU-SCARLET"));
    assert_eq!(&*allocations[0].sku, "SKU-SCARLET");
    let tried: Vec<_> = l.attempts.iter().map(|a| (a.sku.to_string(), a.substitute)).collect();
    assert_eq!(tried, vec![("SKU-RED".into(), false), ("SKU-CRIMSON".into(), true), ("SKU-SCARLET".into(), true)]);
    assert!(d.to_string().contains("substituted by SKU-SCARLET"));

    // Not allowed by the line: it waits.
    let mut b = broker();
    with_sub.allow_substitution = false;
    let d = decision(&run(&mut b, inputs(with_sub))).clone();
    assert!(matches!(d.line("1").unwrap().outcome, LineOutcome::Backordered { .. }));
    assert_eq!(d.line("1").unwrap().attempts.len(), 1);
}

#[test]
fn a_stale_supplier_feed_is_discounted_or_ignored() {
    let inputs = || {
        vec![
            stock("SUP-ACME", "846-OLD", "2024-05-31T08:00:00-04:00", &[("SKU-DS", 10)]),
            Input::Order(order("SO-10", vec![line("1", "SKU-DS", 4)])),
        ]
    };
    // Default rules: 48 h limit, stale stock counted at half.
    let mut b = broker();
    let d = decision(&run(&mut b, inputs())).clone();
    let c = d.candidate("1", "SUP-ACME").unwrap();
    assert_eq!(c.free, qty(5));
    let Verdict::Ranked { facts, .. } = &c.verdict else { panic!("{d}") };
    assert!(facts.stale_feed);
    assert!(d.to_string().contains("stale feed, discounted"));
    let atp = b.node_atp(
        "SUP-ACME",
        &crossdock_broker::AtpQuery { sku: "SKU-DS".into(), quantity: None, by: None, near: None },
        now(),
    );
    assert!(atp.unwrap().stale);

    // A factor of 0 ignores stale feeds altogether.
    let mut b = Broker::new(network(), rules_with("[inventory]\nstale_supplier_factor = \"0\""));
    let d = decision(&run(&mut b, inputs())).clone();
    assert_eq!(removed_by(&d, "1", "SUP-ACME"), Some(Exclusion::StaleFeed { age_hours: 74, max_hours: 48 }));
    assert!(d.to_string().contains("supplier stock report is 74 h old (limit 48 h)"), "{d}");
}

#[test]
fn ship_complete_waits_for_the_whole_order() {
    let mut b = Broker::new(network(), rules_with("[policy]\nship_complete = true"));
    let out = run(
        &mut b,
        vec![
            stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
            stock("DC-WEST", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-2", 5)]),
            Input::Order(order("SO-11", vec![line("1", "SKU-1", 1), line("2", "SKU-2", 1)])),
        ],
    );
    let d = decision(&out);
    assert!(d.lines.iter().all(|l| matches!(l.outcome, LineOutcome::Backordered { .. })), "{d}");
    assert!(!events(&out).contains(&"fulfillment.requested"));
    assert_eq!(b.order("SO-11").unwrap().status(), OrderStatus::Backordered);
    // DC-EAST gets SKU-2 too: the whole order ships from there.
    let out = run(&mut b, vec![stock("DC-EAST", "A3", "2024-06-03T11:00:00-04:00", &[("SKU-2", 1)])]);
    assert_eq!(decision(&out).shipping_nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>(), vec!["DC-EAST"]);
    assert_eq!(b.order("SO-11").unwrap().status(), OrderStatus::Released);
}

#[test]
fn distance_limit_cut_off_and_channel_rules_remove_candidates() {
    let mut b = Broker::new(network(), rules_with("[criteria.distance]\nmax_km = 1500.0"));
    let mut o = order("SO-12", vec![line("1", "SKU-1", 1)]);
    o.sales_order.channel = "marketplace".into();
    let late = at("2024-06-03T17:30:00-04:00");
    for input in [
        stock("DC-WEST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
        stock("STORE-BOS", "A2", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
        stock("DC-EAST", "A3", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)]),
    ] {
        b.handle(input, late);
    }
    let out = b.handle(Input::Order(o), late);
    let d = decision(&out);
    assert!(matches!(removed_by(d, "1", "DC-WEST"), Some(Exclusion::TooFar { max_km, .. }) if max_km == 1500.0));
    assert_eq!(removed_by(d, "1", "STORE-BOS"), Some(Exclusion::Channel));
    let LineOutcome::Sourced { allocations, .. } = &d.line("1").unwrap().outcome else { panic!("{d}") };
    // 17:30 is past DC-EAST's 16:00 cut-off: it ships tomorrow.
    assert_eq!(allocations[0].ship_date, day("2024-06-04"));
}

#[test]
fn a_preview_commits_nothing() {
    let mut b = broker();
    run(&mut b, vec![stock("DC-EAST", "A1", "2024-06-03T08:00:00-04:00", &[("SKU-1", 5)])]);
    let version = b.ledger().version();
    let d = b.preview(&order("SO-13", vec![line("1", "SKU-1", 2)]), now()).unwrap();
    assert_eq!(sourced_from(&d.line("1").unwrap().outcome), vec![("DC-EAST".into(), 2)]);
    assert!(b.order("SO-13").is_none());
    assert_eq!(b.ledger().version(), version);
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(serde_json::from_str::<crossdock_broker::Decision>(&json).unwrap(), d);
}
