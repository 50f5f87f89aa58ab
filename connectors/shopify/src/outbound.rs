//! Shipments to Shopify: a canonical `FulfillmentUpdate` for a Shopify order becomes
//! fulfillments with tracking on the order's open fulfillment orders.

use async_trait::async_trait;
use crossdock_connector::{ConnectorError, Delivered, OutboundConnector};
use crossdock_model::{Document, Envelope, FulfillmentUpdate};
use rust_decimal::prelude::ToPrimitive;

use crate::admin::{AdminClient, NewFulfillment, OpenFulfillmentOrder, Tracking};

pub struct ShopifyOutbound {
    name: String,
    client: AdminClient,
}

impl ShopifyOutbound {
    pub fn new(name: impl Into<String>, client: AdminClient) -> Self {
        ShopifyOutbound { name: name.into(), client }
    }
}

#[async_trait]
impl OutboundConnector for ShopifyOutbound {
    fn name(&self) -> &str {
        &self.name
    }

    /// Safe to repeat: each line is capped at what remains open in Shopify, so a shipment
    /// already reported creates nothing the second time.
    async fn deliver(&self, envelope: &Envelope<Document>) -> Result<Delivered, ConnectorError> {
        let Document::FulfillmentUpdate(update) = &envelope.data else {
            let kind = envelope.data.kind();
            return Err(ConnectorError::partner("unsupported", format!("a {kind} is not sent to Shopify")));
        };
        let order_id = update
            .order_ref
            .as_deref()
            .and_then(|r| r.strip_prefix("SHOPIFY-"))
            .ok_or_else(|| ConnectorError::partner("invalid", "order_ref is not a Shopify order (SHOPIFY-<id>)"))?;
        let open = self.client.open_fulfillment_orders(order_id).await?;
        let fulfillments = plan(update, &open)?;
        let mut ids = Vec::new();
        for fulfillment in &fulfillments {
            ids.push(self.client.create_fulfillment(fulfillment).await?);
        }
        let payload = format!("{fulfillments:?}").into_bytes();
        Ok(Delivered { partner_ref: (!ids.is_empty()).then(|| ids.join(",")), payload })
    }
}

/// One fulfillment per fulfillment order touched, each line capped at what remains.
fn plan(update: &FulfillmentUpdate, open: &[OpenFulfillmentOrder]) -> Result<Vec<NewFulfillment>, ConnectorError> {
    let carrier = update.carrier.as_ref();
    let tracking = Tracking {
        company: carrier.and_then(|c| c.code.clone().or_else(|| c.routing.clone())),
        numbers: update.tracking_numbers.clone(),
        urls: Vec::new(),
    };
    let mut fulfillments: Vec<NewFulfillment> = Vec::new();
    for line in &update.lines {
        let mut wanted =
            line.shipped_quantity.to_u64().filter(|_| line.shipped_quantity.fract().is_zero()).ok_or_else(|| {
                ConnectorError::partner("invalid", format!("line {}: quantity {}", line.line_no, line.shipped_quantity))
            })?;
        for order in open {
            for open_line in order.lines.iter().filter(|l| l.line_item_id == line.line_no && l.remaining > 0) {
                let take = wanted.min(open_line.remaining);
                if take == 0 {
                    continue;
                }
                wanted -= take;
                let index = match fulfillments.iter().position(|f| f.fulfillment_order_id == order.id) {
                    Some(index) => index,
                    None => {
                        fulfillments.push(NewFulfillment {
                            fulfillment_order_id: order.id.clone(),
                            lines: Vec::new(),
                            tracking: tracking.clone(),
                            notify_customer: true,
                        });
                        fulfillments.len() - 1
                    }
                };
                fulfillments[index].lines.push((open_line.id.clone(), take));
            }
        }
    }
    Ok(fulfillments)
}
