//! Order backfill as the framework's [`Poll`]: pages of orders fetched through the Admin
//! API become deliveries exactly like webhooks (topic `orders/updated`, signed with the
//! app secret), so they go through the same intake, decode and deduplication. An order
//! version already received by webhook has the same idempotency key (order id and
//! `updated_at`), so the hub stores it once.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use crossdock_connector::{ConnectorError, Delivery, Page, Poll};
use serde_json::Value;

use crate::admin::{AdminClient, OrdersCursor};
use crate::config::Secret;
use crate::webhook::{sign, HMAC_HEADER, SHOP_HEADER, TOPIC_HEADER};

pub struct OrderBackfill {
    client: AdminClient,
    secret: Secret,
    shop: String,
    /// Where a backfill without a cursor starts.
    since: DateTime<FixedOffset>,
}

impl OrderBackfill {
    pub fn new(client: AdminClient, secret: Secret, shop: impl Into<String>, since: DateTime<FixedOffset>) -> Self {
        OrderBackfill { client, secret, shop: shop.into(), since }
    }
}

/// The cursor is `SINCE` or `SINCE|AFTER`: the `updated_at` bound and Shopify's page cursor.
fn parse_cursor(cursor: &str) -> Result<OrdersCursor, ConnectorError> {
    let (since, after) = match cursor.split_once('|') {
        Some((since, after)) => (since, Some(after.to_string())),
        None => (cursor, None),
    };
    let since = DateTime::parse_from_rfc3339(since)
        .map_err(|e| ConnectorError::internal(format!("backfill cursor {cursor:?}: {e}")))?;
    Ok(OrdersCursor { after, ..OrdersCursor::since(since) })
}

#[async_trait]
impl Poll for OrderBackfill {
    async fn poll(&self, cursor: Option<&str>) -> Result<Page, ConnectorError> {
        let mut position = match cursor {
            Some(cursor) => parse_cursor(cursor)?,
            None => OrdersCursor::since(self.since),
        };
        let orders = self.client.next_orders_page(&mut position).await?.unwrap_or_default();
        let deliveries = orders.iter().map(|order| self.delivery(order)).collect();
        let next_cursor = match (&position.after, position.done) {
            (Some(after), false) => Some(format!("{}|{after}", position.since.to_rfc3339())),
            _ => None,
        };
        Ok(Page { deliveries, next_cursor })
    }
}

impl OrderBackfill {
    fn delivery(&self, order: &Value) -> Delivery {
        let body = serde_json::to_vec(order).expect("JSON values serialize");
        let id = order["id"].as_str().map(str::to_string).unwrap_or_else(|| order["id"].to_string());
        let version = order["updated_at"].as_str().unwrap_or_default();
        Delivery::new(format!("backfill:{id}:{version}"), Utc::now(), body.clone())
            .with_header(TOPIC_HEADER, "orders/updated")
            .with_header(SHOP_HEADER, self.shop.clone())
            .with_header(HMAC_HEADER, sign(&self.secret, &body))
    }
}
