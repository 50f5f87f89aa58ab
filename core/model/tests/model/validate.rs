//! Validation: valid documents pass; broken ones report every problem, in document order,
//! with the exact JSON path and rule name.

use crossdock_model::validate::rule;
use crossdock_model::{Document, Envelope, Validate};
use serde_json::{json, Value};

use crate::samples::{edited, envelope, parse, sample, tagged, KINDS};

/// The (path, rule) pairs a value reports, in order.
fn violations(value: &impl Validate) -> Vec<(String, &'static str)> {
    match value.validate() {
        Ok(()) => Vec::new(),
        Err(e) => {
            assert!(!e.violations.is_empty(), "an error without violations");
            e.violations.into_iter().map(|v| (v.path, v.rule)).collect()
        }
    }
}

/// `$.lines[2].quantity` as the JSON pointer `/lines/2/quantity`.
fn pointer(path: &str) -> String {
    let rest = path.strip_prefix('$').expect("paths start at $");
    rest.replace(['.', '['], "/").replace(']', "")
}

/// Validates `data` (a document of `kind`, untagged) on its own and inside an envelope, and
/// checks that both report exactly `expected`, at paths that exist in the JSON.
fn assert_reports(kind: &str, data: &Value, expected: &[(&str, &str)]) {
    let document: Document = parse(&tagged(kind, data.clone()));
    let found = violations(&document);
    let wanted: Vec<(String, &str)> = expected.iter().map(|&(path, rule)| (path.to_owned(), rule)).collect();
    assert_eq!(found, wanted, "{kind}");
    for (path, _) in &found {
        assert!(data.pointer(&pointer(path)).is_some(), "{path} is not in the {kind} JSON");
    }

    let wrapped: Envelope = parse(&envelope(tagged(kind, data.clone())));
    let under_data: Vec<(String, &str)> =
        wanted.iter().map(|(path, rule)| (path.replacen('$', "$.data", 1), *rule)).collect();
    assert_eq!(violations(&wrapped), under_data, "{kind} in an envelope");
}

#[test]
fn a_valid_document_of_each_kind_passes() {
    for kind in KINDS {
        let document: Document = parse(&tagged(kind, sample(kind)));
        assert_eq!(document.kind(), kind);
        assert_eq!(document.validate(), Ok(()), "{kind}");
        let wrapped: Envelope = parse(&envelope(tagged(kind, sample(kind))));
        assert_eq!(wrapped.validate(), Ok(()), "{kind} in an envelope");
    }
}

#[test]
fn typed_documents_validate_like_their_document() {
    let broken = edited(sample("sales_order"), &[("/order_id", json!(""))]);
    let order: crossdock_model::SalesOrder = parse(&broken);
    let document = Document::SalesOrder(order.clone());
    assert_eq!(order.validate(), document.validate());
    assert_eq!(violations(&order), [("$.order_id".to_owned(), rule::REQUIRED)]);
}

#[test]
fn sales_order_reports_every_problem() {
    let data = edited(
        sample("sales_order"),
        &[
            ("/order_id", json!(" ")),
            ("/channel", json!("")),
            ("/external_id", json!("")),
            ("/currency", json!("usd")),
            ("/lines/0/quantity", json!("0")),
            ("/lines/0/unit_price/amount", json!("-1")),
            ("/lines/0/unit_price/currency", json!("EURO")),
            ("/lines/0/substitutes", json!([{ "sku": "SKU-OK" }, { "description": "red shirt" }])),
            ("/lines/1/line_id", json!("1")),
            ("/lines/1/item", json!({ "sku": "" })),
            ("/lines/1/quantity", json!("-2")),
            ("/lines/1/uom", json!("")),
            ("/lines/1/fulfillment", json!({ "mode": "pickup", "node_id": "" })),
        ],
    );
    assert_reports(
        "sales_order",
        &data,
        &[
            ("$.order_id", "required"),
            ("$.channel", "required"),
            ("$.external_id", "not_blank"),
            ("$.currency", "currency_code"),
            ("$.lines[0].quantity", "quantity_positive"),
            ("$.lines[0].unit_price.amount", "not_negative"),
            ("$.lines[0].unit_price.currency", "currency_code"),
            ("$.lines[0].substitutes[1]", "item_identified"),
            ("$.lines[1].line_id", "unique"),
            ("$.lines[1].item", "item_identified"),
            ("$.lines[1].quantity", "quantity_positive"),
            ("$.lines[1].uom", "required"),
            ("$.lines[1].fulfillment.node_id", "required"),
        ],
    );
}

#[test]
fn documents_without_lines_are_rejected_where_lines_give_them_meaning() {
    for kind in ["sales_order", "purchase_order", "invoice", "fulfillment_request", "return"] {
        let mut data = edited(sample(kind), &[("/lines", json!([]))]);
        if kind == "purchase_order" {
            data["declared_totals"] = json!({ "line_count": 0 });
        }
        if kind == "invoice" {
            data["totals"] = json!({});
        }
        assert_reports(kind, &data, &[("$.lines", "not_empty")]);
    }
    // An 855 may acknowledge a whole order without detail, a 945 report a cancellation.
    let mut ack = sample("purchase_order_ack");
    ack.as_object_mut().unwrap().remove("lines");
    ack.as_object_mut().unwrap().remove("declared_totals");
    assert_reports("purchase_order_ack", &ack, &[]);
    let update = edited(sample("fulfillment_update"), &[("/lines", json!([]))]);
    assert_reports("fulfillment_update", &update, &[]);
}

#[test]
fn purchase_order_reports_every_problem() {
    let data = edited(
        sample("purchase_order"),
        &[
            ("/po_number", json!("")),
            ("/currency", json!("US")),
            ("/lines/0/item", json!({ "other_ids": [{ "qualifier": "EN", "value": " " }] })),
            ("/lines/0/unit_price", json!("-4.75")),
            (
                "/lines/0/destinations",
                json!([
                    { "location": "0001", "quantity": "8" },
                    { "location": "", "quantity": "0" },
                    { "location": "0003", "quantity": "3" }
                ]),
            ),
            ("/lines/1/line_no", json!("")),
            ("/lines/1/quantity", json!("0")),
            ("/lines/1/uom", json!(" ")),
            ("/declared_totals/line_count", json!(3)),
            ("/sales_order_ref", json!("")),
        ],
    );
    assert_reports(
        "purchase_order",
        &data,
        &[
            ("$.po_number", "required"),
            ("$.currency", "currency_code"),
            ("$.lines[0].item", "item_identified"),
            ("$.lines[0].unit_price", "not_negative"),
            ("$.lines[0].destinations", "destinations_sum_to_quantity"),
            ("$.lines[0].destinations[1].location", "required"),
            ("$.lines[0].destinations[1].quantity", "quantity_positive"),
            ("$.lines[1].line_no", "required"),
            ("$.lines[1].quantity", "quantity_positive"),
            ("$.lines[1].uom", "required"),
            ("$.declared_totals.line_count", "line_count_matches"),
            ("$.sales_order_ref", "not_blank"),
        ],
    );
}

#[test]
fn duplicate_line_numbers_are_reported_at_each_reuse_naming_the_first() {
    let line = sample("purchase_order")["lines"][1].clone();
    let data = edited(
        sample("purchase_order"),
        &[("/lines", json!([line.clone(), line.clone(), line])), ("/declared_totals", json!(null))],
    );
    assert_reports("purchase_order", &data, &[("$.lines[1].line_no", "unique"), ("$.lines[2].line_no", "unique")]);
    let document: Document = parse(&tagged("purchase_order", data));
    let error = document.validate().unwrap_err();
    assert_eq!(error.violations[1].message, r#""2" is already used by $.lines[0]"#);
    assert_eq!(
        error.to_string(),
        "$.lines[1].line_no: \"2\" is already used by $.lines[0] (unique)\n\
         $.lines[2].line_no: \"2\" is already used by $.lines[0] (unique)"
    );
}

#[test]
fn destination_quantities_too_large_to_add_are_reported_without_panicking() {
    let max = rust_decimal::Decimal::MAX.to_string();
    let data = edited(
        sample("purchase_order"),
        &[(
            "/lines/0/destinations",
            json!([{ "location": "0001", "quantity": max }, { "location": "0002", "quantity": max }]),
        )],
    );
    assert_reports("purchase_order", &data, &[("$.lines[0].destinations", "destinations_sum_to_quantity")]);
}

#[test]
fn purchase_order_ack_reports_every_problem() {
    let data = edited(
        sample("purchase_order_ack"),
        &[
            ("/po_number", json!("")),
            ("/ack_type", json!("")),
            ("/currency", json!("usd")),
            ("/lines/0/ordered_quantity", json!("0")),
            ("/lines/0/unit_price", json!("-1")),
            ("/lines/1/status", json!("")),
            ("/lines/1/quantity", json!("-4")),
            ("/lines/1/schedule/0/quantity", json!("0")),
            ("/lines/1/schedule/0/uom", json!("")),
            ("/lines/2/line_no", json!("")),
            ("/lines/2/uom", json!("")),
            // Lines "1", "1", "": two distinct PO lines, not three.
            ("/declared_totals/line_count", json!(3)),
        ],
    );
    assert_reports(
        "purchase_order_ack",
        &data,
        &[
            ("$.po_number", "required"),
            ("$.ack_type", "required"),
            ("$.currency", "currency_code"),
            ("$.lines[0].ordered_quantity", "quantity_positive"),
            ("$.lines[0].unit_price", "not_negative"),
            ("$.lines[1].status", "required"),
            ("$.lines[1].quantity", "not_negative"),
            ("$.lines[1].schedule[0].quantity", "quantity_positive"),
            ("$.lines[1].schedule[0].uom", "required"),
            ("$.lines[2].line_no", "required"),
            ("$.lines[2].uom", "required"),
            ("$.declared_totals.line_count", "line_count_matches"),
        ],
    );
}

#[test]
fn ship_notice_reports_every_problem() {
    let mut data = edited(
        sample("ship_notice"),
        &[
            ("/shipment_id", json!("")),
            ("/orders/0/po_number", json!("")),
            ("/orders/0/packs/0/items/0/line_no", json!("")),
            ("/orders/0/packs/0/items/0/quantity", json!("0")),
            ("/orders/0/packs/0/items/0/ordered_quantity", json!("-12")),
            ("/orders/0/packs/1/items/0/item", json!({ "description": "blue" })),
            ("/orders/0/packs/1/items/0/uom", json!("")),
        ],
    );
    let order = data["orders"][0].clone();
    data["orders"]
        .as_array_mut()
        .unwrap()
        .extend([edited(order.clone(), &[("/packs", json!([]))]), edited(order, &[("/packs/0/items", json!([]))])]);
    assert_reports(
        "ship_notice",
        &data,
        &[
            ("$.shipment_id", "required"),
            ("$.orders[0].po_number", "required"),
            ("$.orders[0].packs[0].items[0].line_no", "not_blank"),
            ("$.orders[0].packs[0].items[0].quantity", "quantity_positive"),
            ("$.orders[0].packs[0].items[0].ordered_quantity", "quantity_positive"),
            ("$.orders[0].packs[1].items[0].item", "item_identified"),
            ("$.orders[0].packs[1].items[0].uom", "required"),
            ("$.orders[1].po_number", "required"),
            ("$.orders[1].packs", "not_empty"),
            ("$.orders[2].po_number", "required"),
            ("$.orders[2].packs[0].items", "not_empty"),
            ("$.orders[2].packs[1].items[0].item", "item_identified"),
            ("$.orders[2].packs[1].items[0].uom", "required"),
        ],
    );
    let data = edited(sample("ship_notice"), &[("/orders", json!([]))]);
    assert_reports("ship_notice", &data, &[("$.orders", "not_empty")]);
}

#[test]
fn invoice_reports_every_problem() {
    let data = edited(
        sample("invoice"),
        &[
            ("/invoice_number", json!("")),
            ("/po_number", json!(" ")),
            ("/currency", json!("U$D")),
            ("/lines/0/quantity", json!("0")),
            ("/lines/0/unit_price", json!("-0.01")),
            ("/lines/1/line_no", json!("1")),
            ("/lines/1/uom", json!("")),
            ("/totals/line_count", json!(1)),
        ],
    );
    assert_reports(
        "invoice",
        &data,
        &[
            ("$.invoice_number", "required"),
            ("$.po_number", "not_blank"),
            ("$.currency", "currency_code"),
            ("$.lines[0].quantity", "quantity_positive"),
            ("$.lines[0].unit_price", "not_negative"),
            ("$.lines[1].line_no", "unique"),
            ("$.lines[1].uom", "required"),
            ("$.totals.line_count", "line_count_matches"),
        ],
    );
}

#[test]
fn inventory_snapshot_allows_negative_on_hand_only() {
    let data = edited(
        sample("inventory_advice"),
        &[
            ("/node_id", json!("")),
            ("/advice_id", json!(" ")),
            ("/positions/0/on_hand", json!("-30")),
            ("/positions/0/available", json!("-1")),
            ("/positions/0/on_order", json!([{ "quantity": "5" }, { "quantity": "-5" }])),
            ("/positions/1/item", json!({})),
            ("/positions/1/location", json!("")),
            ("/positions/1/uom", json!("")),
            ("/positions/1/in_transit/0/quantity", json!("-10")),
            ("/positions/2", json!({ "item": { "sku": "SKU-X" }, "uom": "EA" })),
        ],
    );
    assert_reports(
        "inventory_advice",
        &data,
        &[
            ("$.node_id", "not_blank"),
            ("$.advice_id", "not_blank"),
            ("$.positions[0].available", "not_negative"),
            ("$.positions[0].on_order[1].quantity", "not_negative"),
            ("$.positions[1].item", "item_identified"),
            ("$.positions[1].location", "not_blank"),
            ("$.positions[1].uom", "required"),
            ("$.positions[1].in_transit[0].quantity", "not_negative"),
            ("$.positions[2]", "quantity_reported"),
        ],
    );
}

#[test]
fn inventory_delta_carries_signed_changes() {
    let data = edited(
        sample("inventory_advice"),
        &[
            ("/mode", json!("delta")),
            ("/positions/0/available", json!("-1")),
            ("/positions/1/in_transit/0/quantity", json!("-10")),
            ("/positions/2", json!({ "item": { "sku": "SKU-X" }, "uom": "EA" })),
        ],
    );
    assert_reports("inventory_advice", &data, &[("$.positions[2]", "quantity_reported")]);
    assert_reports("inventory_advice", &edited(data, &[("/positions", json!([]))]), &[]);
}

#[test]
fn fulfillment_request_reports_every_problem() {
    let data = edited(
        sample("fulfillment_request"),
        &[
            ("/request_id", json!("")),
            ("/order_ref", json!("")),
            ("/lines/0/item", json!({ "description": "a red shirt" })),
            ("/lines/0/quantity", json!("0")),
            ("/lines/1/line_no", json!("1")),
            ("/lines/1/uom", json!("")),
        ],
    );
    assert_reports(
        "fulfillment_request",
        &data,
        &[
            ("$.request_id", "required"),
            ("$.order_ref", "not_blank"),
            ("$.lines[0].item", "item_identified"),
            ("$.lines[0].quantity", "quantity_positive"),
            ("$.lines[1].line_no", "unique"),
            ("$.lines[1].uom", "required"),
        ],
    );
}

#[test]
fn fulfillment_update_reports_every_problem() {
    let data = edited(
        sample("fulfillment_update"),
        &[
            ("/request_id", json!("")),
            ("/shipment_id", json!("")),
            ("/order_ref", json!("")),
            ("/lines/0/line_no", json!("")),
            ("/lines/0/ordered_quantity", json!("0")),
            ("/lines/0/shipped_quantity", json!("-1")),
            ("/lines/1/uom", json!("")),
            ("/lines/1/status", json!("")),
        ],
    );
    assert_reports(
        "fulfillment_update",
        &data,
        &[
            ("$.request_id", "required"),
            ("$.shipment_id", "not_blank"),
            ("$.order_ref", "not_blank"),
            ("$.lines[0].line_no", "required"),
            ("$.lines[0].ordered_quantity", "quantity_positive"),
            ("$.lines[0].shipped_quantity", "not_negative"),
            ("$.lines[1].uom", "required"),
            ("$.lines[1].status", "not_blank"),
        ],
    );
}

#[test]
fn shipment_status_reports_every_problem() {
    let data = edited(sample("shipment_status"), &[("/shipment_id", json!("")), ("/events/1/status", json!(""))]);
    assert_reports("shipment_status", &data, &[("$.shipment_id", "required"), ("$.events[1].status", "required")]);
    let data = edited(sample("shipment_status"), &[("/events", json!([]))]);
    assert_reports("shipment_status", &data, &[("$.events", "not_empty")]);
}

#[test]
fn functional_ack_reports_every_problem() {
    let data = edited(
        sample("functional_ack"),
        &[
            ("/ack_kind", json!("998")),
            ("/functional_id", json!("")),
            ("/group_control_number", json!("")),
            ("/group_status", json!("a")),
            ("/transactions_accepted", json!(3)),
            ("/transactions/0/set_id", json!("")),
            ("/transactions/0/control_number", json!("")),
            ("/transactions/1/status", json!("P")),
            ("/transactions/1/segment_errors/0/segment_id", json!("")),
            ("/transactions/1/segment_errors/0/element_errors/0/position", json!("")),
            ("/transactions/1/segment_errors/0/element_errors/0/code", json!("")),
        ],
    );
    assert_reports(
        "functional_ack",
        &data,
        &[
            ("$.ack_kind", "one_of"),
            ("$.functional_id", "required"),
            ("$.group_control_number", "required"),
            ("$.group_status", "one_of"),
            ("$.transactions_accepted", "counts_consistent"),
            ("$.transactions[0].set_id", "required"),
            ("$.transactions[0].control_number", "required"),
            ("$.transactions[1].status", "one_of"),
            ("$.transactions[1].segment_errors[0].segment_id", "required"),
            ("$.transactions[1].segment_errors[0].element_errors[0].position", "required"),
            ("$.transactions[1].segment_errors[0].element_errors[0].code", "required"),
        ],
    );
    let document: Document = parse(&tagged("functional_ack", data));
    let error = document.validate().unwrap_err();
    assert_eq!(error.violations[0].message, r#"must be one of 997, 999, got "998""#);
}

#[test]
fn return_reports_every_problem() {
    let data = edited(
        sample("return"),
        &[
            ("/rma_number", json!("")),
            ("/order_id", json!("")),
            ("/return_to_node", json!("")),
            ("/lines/0/line_id", json!("")),
            ("/lines/0/item", json!({})),
            ("/lines/1/quantity", json!("0")),
            ("/lines/1/uom", json!("")),
        ],
    );
    assert_reports(
        "return",
        &data,
        &[
            ("$.rma_number", "required"),
            ("$.order_id", "required"),
            ("$.return_to_node", "not_blank"),
            ("$.lines[0].line_id", "required"),
            ("$.lines[0].item", "item_identified"),
            ("$.lines[1].quantity", "quantity_positive"),
            ("$.lines[1].uom", "required"),
        ],
    );
}

#[test]
fn envelope_reports_its_attributes_then_its_data() {
    let data = edited(sample("invoice"), &[("/invoice_number", json!(""))]);
    let value = edited(
        envelope(tagged("invoice", data)),
        &[
            ("/id", json!("")),
            ("/type", json!("")),
            ("/source", json!("")),
            ("/subject", json!("")),
            ("/correlation_id", json!("")),
            ("/causation_id", json!(" ")),
            ("/idempotency_key", json!("")),
            ("/tenant", json!("")),
            ("/schema_version", json!(2)),
        ],
    );
    let wrapped: Envelope = parse(&value);
    let expected = [
        ("$.id", rule::REQUIRED),
        ("$.type", rule::REQUIRED),
        ("$.source", rule::REQUIRED),
        ("$.subject", rule::REQUIRED),
        ("$.correlation_id", rule::REQUIRED),
        ("$.causation_id", rule::NOT_BLANK),
        ("$.idempotency_key", rule::REQUIRED),
        ("$.tenant", rule::REQUIRED),
        ("$.schema_version", rule::SCHEMA_VERSION_SUPPORTED),
        ("$.data.invoice_number", rule::REQUIRED),
    ];
    let expected: Vec<(String, &str)> = expected.iter().map(|&(p, r)| (p.to_owned(), r)).collect();
    assert_eq!(violations(&wrapped), expected);
    for (path, _) in &expected {
        assert!(value.pointer(&pointer(path)).is_some(), "{path}");
    }
}

#[test]
fn messages_name_the_offending_value() {
    let data = edited(
        sample("purchase_order"),
        &[("/currency", json!("usd")), ("/lines/1/quantity", json!("-2")), ("/declared_totals/line_count", json!(5))],
    );
    let document: Document = parse(&tagged("purchase_order", data));
    let messages: Vec<String> = document.validate().unwrap_err().violations.into_iter().map(|v| v.message).collect();
    assert_eq!(
        messages,
        [
            r#"must be three uppercase letters (ISO 4217), got "usd""#,
            "must be greater than zero, got -2",
            "declares 5 lines, the document has 2",
        ]
    );
}
