//! One valid document of each kind, in canonical JSON (decimals as strings, empty optionals
//! omitted, defaulted fields spelled out), so that a round trip must give back the same JSON.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// Every `document_type`.
pub const KINDS: [&str; 11] = [
    "sales_order",
    "purchase_order",
    "purchase_order_ack",
    "ship_notice",
    "invoice",
    "inventory_advice",
    "fulfillment_request",
    "fulfillment_update",
    "shipment_status",
    "functional_ack",
    "return",
];

fn ship_to() -> Value {
    json!({
        "role": "ST",
        "name": "Ada Lovelace",
        "address": {
            "lines": ["1 Main St", "Apt 2"],
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US"
        }
    })
}

/// The sample of one kind, without its `document_type` tag.
pub fn sample(kind: &str) -> Value {
    match kind {
        "sales_order" => json!({
            "order_id": "SO-1001",
            "channel": "shopify",
            "external_id": "5550001",
            "customer": { "name": "Ada Lovelace", "contacts": [{ "email": "ada@example.com" }] },
            "ship_to": ship_to(),
            "placed_at": "2024-03-01T10:15:00-05:00",
            "service_level": "standard",
            "currency": "USD",
            "priority": 0,
            "lines": [
                {
                    "line_id": "1",
                    "item": { "sku": "SKU-RED-M", "gtin": "00012345678905" },
                    "quantity": "2",
                    "uom": "EA",
                    "unit_price": { "amount": "9.25", "currency": "USD" },
                    "fulfillment": { "mode": "ship" },
                    "allow_substitution": true,
                    "substitutes": [{ "sku": "SKU-RED-M2" }],
                    "status": "received"
                },
                {
                    "line_id": "2",
                    "item": { "sku": "SKU-BLUE-L" },
                    "quantity": "1",
                    "uom": "EA",
                    "unit_price": { "amount": "10.50" },
                    "fulfillment": { "mode": "pickup", "node_id": "STORE-12" },
                    "allow_substitution": false,
                    "status": "received"
                }
            ],
            "status": "received",
            "references": [{ "qualifier": "CO", "value": "#1001" }]
        }),
        "purchase_order" => json!({
            "po_number": "PO-4500012345",
            "purpose": "original",
            "order_type": "DS",
            "buyer": {
                "role": "BY",
                "name": "Crossdock Retail",
                "id": { "qualifier": "92", "value": "BUYER1" }
            },
            "seller": { "role": "SE", "name": "Acme Supply" },
            "ship_to": ship_to(),
            "order_date": "2024-03-01",
            "requested_ship_date": "2024-03-04",
            "dates": [{ "qualifier": "002", "date": "2024-03-07" }],
            "currency": "USD",
            "terms": { "type_code": "01", "discount_percent": "2", "discount_days": 10, "net_days": 30 },
            "carrier": { "code": "UPSN", "service_level": "ground" },
            "fob": "PP",
            "lines": [
                {
                    "line_no": "1",
                    "item": { "buyer_part": "SKU-RED-M", "vendor_part": "AC-100" },
                    "quantity": "12",
                    "uom": "EA",
                    "unit_price": "4.75",
                    "price_basis": "PE",
                    "pack": { "pack": "6", "size": "1", "uom": "EA" },
                    "destinations": [
                        { "qualifier": "92", "location": "0001", "quantity": "8" },
                        { "qualifier": "92", "location": "0002", "quantity": "4" }
                    ]
                },
                {
                    "line_no": "2",
                    "item": { "upc": "012345678905" },
                    "quantity": "1.5",
                    "uom": "LB",
                    "unit_price": "0"
                }
            ],
            "declared_totals": { "line_count": 2, "quantity_total": "13.5" },
            "sales_order_ref": "SO-1001"
        }),
        // PO line 1 acknowledged in two parts (8 accepted, 4 backordered), line 2 rejected.
        "purchase_order_ack" => json!({
            "po_number": "PO-4500012345",
            "purpose": "original",
            "ack_type": "AC",
            "ack_date": "2024-03-02",
            "seller_order_number": "SO-ACME-77",
            "currency": "USD",
            "lines": [
                {
                    "line_no": "1",
                    "item": { "vendor_part": "AC-100" },
                    "ordered_quantity": "12",
                    "unit_price": "4.75",
                    "status": "IA",
                    "quantity": "8",
                    "uom": "EA",
                    "ship_date": "2024-03-04"
                },
                {
                    "line_no": "1",
                    "item": { "vendor_part": "AC-100" },
                    "ordered_quantity": "12",
                    "status": "IB",
                    "quantity": "4",
                    "uom": "EA",
                    "schedule": [{ "quantity": "4", "uom": "EA", "qualifier": "067", "date": "2024-03-20" }]
                },
                { "line_no": "2", "item": {}, "status": "IR", "quantity": "0", "uom": "LB" }
            ],
            "declared_totals": { "line_count": 2 }
        }),
        "ship_notice" => json!({
            "shipment_id": "ASN-0001",
            "purpose": "original",
            "shipped_at": "2024-03-04T16:30:00",
            "expected_delivery": "2024-03-07",
            "carrier": { "code": "UPSN", "code_qualifier": "2", "transport_method": "M" },
            "tracking_numbers": ["1Z999AA10123456784"],
            "bill_of_lading": "BOL123",
            "ship_from": { "role": "SF", "name": "Acme Supply" },
            "ship_to": ship_to(),
            "gross_weight": { "value": "12.5", "uom": "LB" },
            "package_count": "2",
            "orders": [{
                "po_number": "PO-4500012345",
                "po_date": "2024-03-01",
                "packs": [
                    {
                        "sscc": "00000123450000000017",
                        "items": [{
                            "line_no": "1",
                            "item": { "vendor_part": "AC-100" },
                            "quantity": "8",
                            "uom": "EA",
                            "ordered_quantity": "12"
                        }]
                    },
                    {
                        "sscc": "00000123450000000024",
                        "tare": "00000123450000000000",
                        "marks": [{ "qualifier": "CP", "value": "42" }],
                        "items": [{ "item": { "upc": "012345678905" }, "quantity": "1.5", "uom": "LB" }]
                    }
                ]
            }]
        }),
        "invoice" => json!({
            "invoice_number": "INV-9001",
            "invoice_date": "2024-03-05",
            "po_number": "PO-4500012345",
            "po_date": "2024-03-01",
            "invoice_type": "DI",
            "currency": "USD",
            "parties": [{ "role": "RI", "name": "Acme Supply" }],
            "terms": { "net_days": 30 },
            "lines": [
                {
                    "line_no": "1",
                    "item": { "vendor_part": "AC-100" },
                    "quantity": "8",
                    "uom": "EA",
                    "unit_price": "4.75",
                    "price_basis": "PE"
                },
                {
                    "line_no": "2",
                    "item": {},
                    "quantity": "1.5",
                    "uom": "LB",
                    "unit_price": "0",
                    "charges": [{ "kind": "allowance", "code": "C310", "amount": "0.10" }]
                }
            ],
            "charges": [{ "kind": "charge", "code": "D240", "amount": "7.00", "description": "Freight" }],
            "totals": { "total_amount": "44.90", "discountable_amount": "38.00", "line_count": 2 }
        }),
        // On hand below zero, as NetSuite reports oversold stock.
        "inventory_advice" => json!({
            "node_id": "SUP-ACME",
            "advice_id": "846-0042",
            "as_of": "2024-03-01T06:00:00Z",
            "mode": "snapshot",
            "reporter": { "role": "SU", "name": "Acme Supply" },
            "positions": [
                {
                    "item": { "vendor_part": "AC-100" },
                    "uom": "EA",
                    "on_hand": "-3",
                    "available": "0",
                    "on_order": [{ "quantity": "100", "eta": "2024-03-15" }]
                },
                {
                    "item": { "sku": "SKU-BLUE-L" },
                    "location": "WH2",
                    "uom": "EA",
                    "on_hand": "40",
                    "available": "35",
                    "in_transit": [{ "quantity": "10" }]
                }
            ]
        }),
        "fulfillment_request" => json!({
            "request_id": "FR-1001-1",
            "purpose": "original",
            "order_ref": "SO-1001",
            "ship_to": ship_to(),
            "warehouse": { "role": "WH", "name": "3PL East", "id": { "qualifier": "91", "value": "EAST" } },
            "carrier": { "code": "FDEG" },
            "dates": [{ "qualifier": "010", "date": "2024-03-02", "time": "17:00:00" }],
            "notes": ["Gift wrap"],
            "lines": [
                { "line_no": "1", "item": { "sku": "SKU-RED-M" }, "quantity": "2", "uom": "EA" },
                {
                    "line_no": "2",
                    "item": { "other_ids": [{ "qualifier": "EN", "value": "00012345678912" }] },
                    "quantity": "1",
                    "uom": "EA"
                }
            ]
        }),
        // Line 1 shipped in part, line 2 backordered (nothing shipped).
        "fulfillment_update" => json!({
            "request_id": "FR-1001-1",
            "shipment_id": "SHP-77",
            "order_ref": "SO-1001",
            "shipped_at": "2024-03-02T15:05:00",
            "carrier": { "code": "FDEG" },
            "tracking_numbers": ["794612345678"],
            "lines": [
                {
                    "line_no": "1",
                    "item": { "sku": "SKU-RED-M" },
                    "ordered_quantity": "2",
                    "shipped_quantity": "1",
                    "uom": "EA",
                    "status": "CP"
                },
                { "line_no": "2", "item": {}, "shipped_quantity": "0", "uom": "EA", "status": "BP" }
            ]
        }),
        "shipment_status" => json!({
            "shipment_id": "1Z999AA10123456784",
            "carrier": { "code": "UPSN" },
            "references": [{ "qualifier": "PO", "value": "PO-4500012345" }],
            "events": [
                {
                    "status": "AF",
                    "at": "2024-03-04T18:00:00",
                    "time_zone": "ET",
                    "city": "Columbus",
                    "region": "OH",
                    "country": "US"
                },
                { "status": "D1", "reason": "NS", "at": "2024-03-07T11:42:00", "time_zone": "CT" }
            ]
        }),
        "functional_ack" => json!({
            "ack_kind": "997",
            "functional_id": "PO",
            "group_control_number": "1234",
            "group_status": "P",
            "transactions_included": 2,
            "transactions_received": 2,
            "transactions_accepted": 1,
            "transactions": [
                { "set_id": "850", "control_number": "0001", "status": "A" },
                {
                    "set_id": "850",
                    "control_number": "0002",
                    "status": "R",
                    "errors": ["5"],
                    "segment_errors": [{
                        "segment_id": "PO1",
                        "position": 12,
                        "loop_id": "PO1",
                        "code": "8",
                        "element_errors": [
                            { "position": "2", "reference_number": "330", "code": "4", "bad_value": "-1" }
                        ]
                    }]
                }
            ]
        }),
        // The same order line comes back twice, for different reasons.
        "return" => json!({
            "rma_number": "RMA-3001",
            "order_id": "SO-1001",
            "requested_at": "2024-03-10T09:00:00+01:00",
            "return_to_node": "STORE-12",
            "lines": [
                {
                    "line_id": "1",
                    "item": { "sku": "SKU-RED-M" },
                    "quantity": "1",
                    "uom": "EA",
                    "reason": "too_small",
                    "disposition": "restock"
                },
                {
                    "line_id": "1",
                    "item": { "sku": "SKU-RED-M" },
                    "quantity": "1",
                    "uom": "EA",
                    "reason": "damaged",
                    "disposition": "damaged"
                }
            ]
        }),
        other => panic!("no sample for {other}"),
    }
}

/// `data` tagged with its `document_type`, as `Document` reads it.
pub fn tagged(kind: &str, data: Value) -> Value {
    let mut object = json!({ "document_type": kind });
    object.as_object_mut().unwrap().extend(data.as_object().expect("a document is an object").clone());
    object
}

/// `data` inside a complete envelope.
pub fn envelope(data: Value) -> Value {
    json!({
        "id": "evt-0001",
        "type": "po.received",
        "source": "x12/ACME",
        "subject": "PO-4500012345",
        "time": "2024-03-01T10:15:00-05:00",
        "correlation_id": "corr-1",
        "causation_id": "evt-0000",
        "idempotency_key": "x12/ACME/000000001/1",
        "tenant": "demo",
        "schema_version": 1,
        "data": data
    })
}

/// `value` with each JSON pointer set to a new value (a missing object key is added, an
/// index one past the end of an array appends).
pub fn edited(mut value: Value, edits: &[(&str, Value)]) -> Value {
    for (pointer, new) in edits {
        let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
        let target = value.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent} in the sample"));
        match target {
            Value::Object(map) => {
                map.insert(key.to_owned(), new.clone());
            }
            Value::Array(items) => match key.parse::<usize>().unwrap() {
                end if end == items.len() => items.push(new.clone()),
                i => items[i] = new.clone(),
            },
            _ => panic!("{parent} is not a container"),
        }
    }
    value
}

pub fn parse<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}\nin {value:#}"))
}
