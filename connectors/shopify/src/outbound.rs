//! Canonical commands to Shopify: a `FulfillmentUpdate` for a Shopify order becomes
//! fulfillments with tracking on the order's open fulfillment orders; an `InventoryAdvice`
//! snapshot sets the available quantities at the node's Shopify location.

use std::collections::BTreeMap;

use async_trait::async_trait;
use crossdock_connector::{ConnectorError, Delivered, OutboundConnector};
use crossdock_model::{AdviceMode, Document, Envelope, FulfillmentUpdate, InventoryAdvice};
use rust_decimal::prelude::ToPrimitive;

use crate::admin::{AdminClient, InventoryQuantity, NewFulfillment, OpenFulfillmentOrder, Tracking};
use crate::config::ShopifyConfig;

pub struct ShopifyOutbound {
    name: String,
    client: AdminClient,
    /// Hub node id -> Shopify location id (the configuration's `locations`, reversed).
    locations: BTreeMap<String, String>,
}

impl ShopifyOutbound {
    pub fn new(config: &ShopifyConfig, client: AdminClient) -> Self {
        let locations = config.locations.iter().map(|(location, node)| (node.clone(), location.clone())).collect();
        ShopifyOutbound { name: config.name.clone(), client, locations }
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
        let update = match &envelope.data {
            Document::FulfillmentUpdate(update) => update,
            Document::InventoryAdvice(advice) => return self.set_inventory(advice).await,
            other => {
                let kind = other.kind();
                return Err(ConnectorError::partner("unsupported", format!("a {kind} is not sent to Shopify")));
            }
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

impl ShopifyOutbound {
    /// Sets what the advice says is available. Only snapshots: Shopify's quantities are
    /// set absolutely here, and a delta would race with Shopify's own sales.
    async fn set_inventory(&self, advice: &InventoryAdvice) -> Result<Delivered, ConnectorError> {
        let invalid = |message: String| ConnectorError::partner("invalid", message);
        if advice.mode != AdviceMode::Snapshot {
            return Err(ConnectorError::partner("unsupported", "only inventory snapshots are sent to Shopify"));
        }
        let node = advice.node_id.as_deref().ok_or_else(|| invalid("an inventory advice without node_id".into()))?;
        let location =
            self.locations.get(node).ok_or_else(|| invalid(format!("node {node} has no Shopify location")))?;
        let quantities = advice
            .positions
            .iter()
            .enumerate()
            .map(|(i, position)| {
                let item = position.item.other_ids.iter().find(|r| r.qualifier == "shopify_inventory_item");
                let item =
                    item.ok_or_else(|| invalid(format!("$.positions[{i}].item: no shopify_inventory_item id")))?;
                let quantity = position.available.or(position.on_hand).and_then(|q| q.trunc().to_i64());
                let quantity = quantity.ok_or_else(|| invalid(format!("$.positions[{i}]: no available quantity")))?;
                Ok(InventoryQuantity {
                    inventory_item_id: format!("gid://shopify/InventoryItem/{}", item.value),
                    location_id: format!("gid://shopify/Location/{location}"),
                    quantity,
                })
            })
            .collect::<Result<Vec<_>, ConnectorError>>()?;
        self.client.set_available(&quantities).await?;
        Ok(Delivered { partner_ref: None, payload: format!("{quantities:?}").into_bytes() })
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
