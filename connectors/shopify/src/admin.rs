//! The GraphQL Admin API client: order backfill, fulfillments, inventory quantities.
//!
//! Shopify meters GraphQL by query cost: a bucket of `maximumAvailable` points refilled at
//! `restoreRate` per second. Every response reports the bucket in
//! `extensions.cost.throttleStatus`; the client remembers it and what each operation last
//! asked for (`requestedQueryCost`), and waits before a query the bucket cannot pay for
//! instead of being refused. A `THROTTLED` error, a 429 (with its `Retry-After`), a 5xx or
//! a transport failure are retried within the retry budget; then they surface as
//! external errors.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use crossdock_connector::{ConnectorError, RetryPolicy};
use serde_json::{json, Value};
use tokio::time::Instant;
use tracing::debug;

use crate::config::Secret;
use crate::error::ShopifyError;

/// The API version the queries are written against.
pub const API_VERSION: &str = "2025-01";

pub struct AdminClient {
    http: reqwest::Client,
    endpoint: String,
    token: Secret,
    bucket: Mutex<Bucket>,
    retry: RetryPolicy,
}

impl AdminClient {
    /// A client for the shop at `base_url` (`https://acme.myshopify.com`). `timeout` bounds
    /// each request; tests that pause tokio's clock pass `None`.
    pub fn new(base_url: &str, token: Secret, timeout: Option<Duration>) -> Result<Self, ShopifyError> {
        let mut http = reqwest::Client::builder();
        if let Some(timeout) = timeout {
            http = http.timeout(timeout);
        }
        let http =
            http.build().map_err(|e| ShopifyError::BadResponse { operation: "client setup", reason: e.to_string() })?;
        Ok(AdminClient {
            http,
            endpoint: format!("{}/admin/api/{API_VERSION}/graphql.json", base_url.trim_end_matches('/')),
            token,
            bucket: Mutex::new(Bucket::default()),
            retry: RetryPolicy::default(),
        })
    }

    /// How long to keep retrying what may pass (throttling, 429, 5xx, transport failures).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The next page of orders updated after `cursor.since`, or `None` when there is no more.
    /// Orders come back in the REST shape the webhooks use (see [`rest_shape`]), so one
    /// mapping serves both. Persist `cursor` after storing a page to resume from there.
    pub async fn next_orders_page(&self, cursor: &mut OrdersCursor) -> Result<Option<Vec<Value>>, ShopifyError> {
        if cursor.done {
            return Ok(None);
        }
        let since = cursor.since.to_rfc3339_opts(SecondsFormat::Secs, true);
        let variables =
            json!({ "first": cursor.page_size, "after": cursor.after, "query": format!("updated_at:>'{since}'") });
        let data = self.execute("orders", ORDERS_QUERY, variables).await?;
        let bad = |reason: &str| ShopifyError::BadResponse { operation: "orders", reason: reason.into() };
        let orders = &data["orders"];
        let nodes = orders["nodes"].as_array().ok_or_else(|| bad("no orders.nodes"))?;
        let page_info = &orders["pageInfo"];
        let has_next = page_info["hasNextPage"].as_bool().ok_or_else(|| bad("no pageInfo.hasNextPage"))?;
        if has_next {
            let end = page_info["endCursor"].as_str().ok_or_else(|| bad("a next page without pageInfo.endCursor"))?;
            cursor.after = Some(end.to_string());
        }
        cursor.done = !has_next;
        Ok(Some(nodes.iter().cloned().map(rest_shape).collect()))
    }

    /// The fulfillment orders of an order (by its numeric id) that can still be fulfilled,
    /// with what remains of each line.
    pub async fn open_fulfillment_orders(&self, order_id: &str) -> Result<Vec<OpenFulfillmentOrder>, ShopifyError> {
        let variables = json!({ "id": format!("gid://shopify/Order/{order_id}") });
        let data = self.execute("fulfillmentOrders", FULFILLMENT_ORDERS_QUERY, variables).await?;
        let bad = |reason: String| ShopifyError::BadResponse { operation: "fulfillmentOrders", reason };
        if data["order"].is_null() {
            return Err(ShopifyError::Rejected {
                operation: "fulfillmentOrders",
                messages: format!("no order {order_id}"),
            });
        }
        let nodes = data["order"]["fulfillmentOrders"]["nodes"].as_array().ok_or_else(|| bad("no nodes".into()))?;
        let mut open = Vec::new();
        for node in nodes.iter().filter(|n| matches!(n["status"].as_str(), Some("OPEN" | "IN_PROGRESS"))) {
            let id = node["id"].as_str().ok_or_else(|| bad("a fulfillment order without id".into()))?;
            let lines = node["lineItems"]["nodes"].as_array().ok_or_else(|| bad(format!("{id}: no lineItems")))?;
            let lines = lines
                .iter()
                .map(|l| {
                    Some(OpenLine {
                        id: l["id"].as_str()?.to_string(),
                        line_item_id: rest_shape(l["lineItem"]["id"].clone()).as_str()?.to_string(),
                        remaining: l["remainingQuantity"].as_u64()?,
                    })
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad(format!("{id}: a line without id, lineItem.id or remainingQuantity")))?;
            open.push(OpenFulfillmentOrder { id: id.to_string(), lines });
        }
        Ok(open)
    }

    /// Creates a fulfillment with its tracking (`fulfillmentCreate`); returns its id.
    pub async fn create_fulfillment(&self, fulfillment: &NewFulfillment) -> Result<String, ShopifyError> {
        let mut by_order = json!({ "fulfillmentOrderId": fulfillment.fulfillment_order_id });
        if !fulfillment.lines.is_empty() {
            let lines: Vec<Value> =
                fulfillment.lines.iter().map(|(id, quantity)| json!({ "id": id, "quantity": quantity })).collect();
            by_order["fulfillmentOrderLineItems"] = lines.into();
        }
        let variables = json!({ "fulfillment": {
            "notifyCustomer": fulfillment.notify_customer,
            "trackingInfo": {
                "company": fulfillment.tracking.company,
                "numbers": fulfillment.tracking.numbers,
                "urls": fulfillment.tracking.urls,
            },
            "lineItemsByFulfillmentOrder": [by_order],
        }});
        let data = self.execute("fulfillmentCreate", FULFILLMENT_CREATE, variables).await?;
        let payload = mutation_payload(&data, "fulfillmentCreate")?;
        payload["fulfillment"]["id"].as_str().map(str::to_string).ok_or_else(|| ShopifyError::BadResponse {
            operation: "fulfillmentCreate",
            reason: "no fulfillment.id".into(),
        })
    }

    /// Sets the `available` quantity of items at locations (`inventorySetQuantities`),
    /// overwriting what Shopify has: the hub is the source of truth for availability.
    pub async fn set_available(&self, quantities: &[InventoryQuantity]) -> Result<(), ShopifyError> {
        let variables = json!({ "input": {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": true,
            "quantities": quantities.iter().map(|q| json!({
                "inventoryItemId": q.inventory_item_id,
                "locationId": q.location_id,
                "quantity": q.quantity,
            })).collect::<Vec<_>>(),
        }});
        let data = self.execute("inventorySetQuantities", INVENTORY_SET_QUANTITIES, variables).await?;
        mutation_payload(&data, "inventorySetQuantities").map(|_| ())
    }

    /// Runs one GraphQL operation within the throttle and the retry budget; returns `data`.
    async fn execute(&self, operation: &'static str, query: &str, variables: Value) -> Result<Value, ShopifyError> {
        let body = json!({ "query": query, "variables": variables });
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let wait = self.bucket.lock().expect("bucket lock").wait_for(operation, Instant::now());
            if !wait.is_zero() {
                debug!(operation, ?wait, "waiting for the query cost bucket to refill");
                tokio::time::sleep(wait).await;
            }
            let error = match self.attempt(operation, &body).await {
                Ok(data) => return Ok(data),
                Err(e) => e,
            };
            let hint = ConnectorError::from(error.clone()).retry_hint();
            let delay = match self.retry.delay(attempt, hint) {
                Some(delay)
                    if attempt < self.retry.max_attempts && started.elapsed() + delay <= self.retry.max_elapsed =>
                {
                    delay
                }
                _ => return Err(error),
            };
            debug!(operation, attempt, ?delay, %error, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, operation: &'static str, body: &Value) -> Result<Value, ShopifyError> {
        let unavailable = |reason: String, retry_after| ShopifyError::Unavailable { operation, reason, retry_after };
        let bad = |reason: String| ShopifyError::BadResponse { operation, reason };
        let response = self
            .http
            .post(&self.endpoint)
            .header("X-Shopify-Access-Token", self.token.expose())
            .json(body)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string(), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(unavailable(format!("HTTP {status}"), retry_after));
        }
        if !status.is_success() {
            return Err(bad(format!("HTTP {status}")));
        }
        let reply: Value = response.json().await.map_err(|e| bad(format!("not JSON: {e}")))?;
        let throttled_wait = self.bucket.lock().expect("bucket lock").observe(operation, &reply["extensions"]["cost"]);
        if let Some(errors) = reply.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
            if errors.iter().any(|e| e["extensions"]["code"] == "THROTTLED") {
                return Err(unavailable("THROTTLED".into(), throttled_wait));
            }
            return Err(bad(messages(errors)));
        }
        match reply.get("data") {
            Some(data) if data.is_object() => Ok(data.clone()),
            _ => Err(bad("no data".into())),
        }
    }
}

/// Where an order backfill stands: resume from `after` for orders updated after `since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrdersCursor {
    pub since: DateTime<FixedOffset>,
    pub after: Option<String>,
    pub page_size: u32,
    pub done: bool,
}

impl OrdersCursor {
    pub fn since(since: DateTime<FixedOffset>) -> Self {
        OrdersCursor { since, after: None, page_size: 50, done: false }
    }
}

/// A shipment to report to Shopify: which fulfillment order lines left, and how to track them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFulfillment {
    /// `gid://shopify/FulfillmentOrder/...`
    pub fulfillment_order_id: String,
    /// Fulfillment order line item id and quantity; empty means every remaining line.
    pub lines: Vec<(String, u64)>,
    pub tracking: Tracking,
    pub notify_customer: bool,
}

/// A fulfillment order that can still be fulfilled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFulfillmentOrder {
    /// `gid://shopify/FulfillmentOrder/...`
    pub id: String,
    pub lines: Vec<OpenLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLine {
    /// `gid://shopify/FulfillmentOrderLineItem/...`
    pub id: String,
    /// The order line item's numeric id (the canonical `line_id`).
    pub line_item_id: String,
    pub remaining: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    pub company: Option<String>,
    pub numbers: Vec<String>,
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryQuantity {
    /// `gid://shopify/InventoryItem/...`
    pub inventory_item_id: String,
    /// `gid://shopify/Location/...`
    pub location_id: String,
    pub quantity: i64,
}

/// The cost bucket as last reported, and what each operation last asked for.
#[derive(Default)]
struct Bucket {
    /// (currently available, maximum, restore rate per second, when it was reported)
    status: Option<(f64, f64, f64, Instant)>,
    requested: HashMap<&'static str, f64>,
}

impl Bucket {
    /// How long to wait before `operation` can be paid for, estimating the refill since
    /// the last report.
    fn wait_for(&self, operation: &str, now: Instant) -> Duration {
        let (Some(&cost), Some((available, maximum, rate, at))) = (self.requested.get(operation), self.status) else {
            return Duration::ZERO;
        };
        let available = (available + rate * now.saturating_duration_since(at).as_secs_f64()).min(maximum);
        if cost <= available || rate <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64((cost - available) / rate)
    }

    /// Records `extensions.cost`; returns the wait a refused query needs, if reported.
    fn observe(&mut self, operation: &'static str, cost: &Value) -> Option<Duration> {
        let requested = cost["requestedQueryCost"].as_f64()?;
        self.requested.insert(operation, requested);
        let status = &cost["throttleStatus"];
        let available = status["currentlyAvailable"].as_f64()?;
        let rate = status["restoreRate"].as_f64()?;
        let maximum = status["maximumAvailable"].as_f64().unwrap_or(f64::MAX);
        self.status = Some((available, maximum, rate, Instant::now()));
        Some(self.wait_for(operation, Instant::now())).filter(|w| !w.is_zero())
    }
}

/// The payload of a mutation, or its `userErrors` as a partner error.
fn mutation_payload<'a>(data: &'a Value, operation: &'static str) -> Result<&'a Value, ShopifyError> {
    let payload = data
        .get(operation)
        .filter(|p| p.is_object())
        .ok_or_else(|| ShopifyError::BadResponse { operation, reason: format!("no data.{operation}") })?;
    match payload["userErrors"].as_array() {
        Some(errors) if !errors.is_empty() => Err(ShopifyError::Rejected { operation, messages: messages(errors) }),
        _ => Ok(payload),
    }
}

/// `message` (with `field` when given) of each error, joined.
fn messages(errors: &[Value]) -> String {
    let one = |e: &Value| {
        let message = e["message"].as_str().unwrap_or("(no message)");
        match e["field"].as_array() {
            Some(field) => {
                let field: Vec<&str> = field.iter().filter_map(Value::as_str).collect();
                format!("{}: {message}", field.join("."))
            }
            None => message.to_string(),
        }
    };
    errors.iter().map(one).collect::<Vec<_>>().join("; ")
}

/// Turns a GraphQL order, queried with REST field names as aliases, into the REST shape:
/// connections (`{"nodes": [...]}`) become arrays, `{"id": ...}` objects become the id,
/// and global ids (`gid://shopify/LineItem/466157049`) become the numeric id REST uses.
pub fn rest_shape(value: Value) -> Value {
    match value {
        Value::Object(mut o) => {
            if o.len() == 1 && (o.contains_key("nodes") || o.contains_key("id")) {
                let (_, inner) = o.into_iter().next().expect("one entry");
                return rest_shape(inner);
            }
            for v in o.values_mut() {
                *v = rest_shape(v.take());
            }
            Value::Object(o)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(rest_shape).collect()),
        Value::String(s) => match s.strip_prefix("gid://shopify/").and_then(|rest| rest.rsplit_once('/')) {
            Some((_, id)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => Value::String(id.into()),
            _ => Value::String(s),
        },
        other => other,
    }
}

const ORDERS_QUERY: &str = r#"
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      email
      note
      tags
      created_at: createdAt
      updated_at: updatedAt
      cancelled_at: cancelledAt
      currency: currencyCode
      customer { id email first_name: firstName last_name: lastName phone }
      shipping_address: shippingAddress { ...Address }
      billing_address: billingAddress { ...Address }
      shipping_lines: shippingLines(first: 5) { nodes { code title } }
      line_items: lineItems(first: 250) {
        nodes {
          id
          sku
          name
          title
          quantity
          variant_id: variant { id }
          product_id: product { id }
          price_set: originalUnitPriceSet { shop_money: shopMoney { amount currency_code: currencyCode } }
          properties: customAttributes { name: key value }
        }
      }
    }
  }
}
fragment Address on MailingAddress {
  name first_name: firstName last_name: lastName company address1 address2 city
  province province_code: provinceCode zip country country_code: countryCodeV2 phone
}
"#;

const FULFILLMENT_ORDERS_QUERY: &str = r#"
query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 20) {
      nodes {
        id
        status
        lineItems(first: 250) { nodes { id remainingQuantity lineItem { id } } }
      }
    }
  }
}
"#;

const FULFILLMENT_CREATE: &str = r#"
mutation fulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"#;

const INVENTORY_SET_QUANTITIES: &str = r#"
mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"#;
