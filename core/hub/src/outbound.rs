//! The broker's requests as partner documents: drop-ship purchase orders as X12 850s,
//! fulfillment requests as 940s for 3PLs that trade X12, and as canonical JSON for our
//! own stores and DCs. Every document is archived under the id of the message that asked
//! for it, so a redelivery writes the same bytes again instead of a second document.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crossdock_broker::Output;
use crossdock_model::SCHEMA_VERSION;
use crossdock_model::{Document, Envelope, Node, NodeKind};
use crossdock_runtime::{
    async_trait, Clock, DeliveryError, Filed, Handler, OutboundDocument, Runtime, Store, StoredDocument, Submitted,
    Subscriber,
};
use crossdock_x12::control::ControlNumbers;
use crossdock_x12::outbound::write_documents;
use crossdock_x12::PartnerProfile;
use serde_json::Value;

use crate::config::HubConfig;
use crate::handler::{DocumentSent, DOCUMENT_SENT};

/// Where a sent document is reported, so its thread shows it (the hub's runtime).
#[async_trait]
pub trait SentDocuments: Send + Sync {
    async fn sent(&self, message: Envelope<Value>) -> Result<(), String>;
}

#[async_trait]
impl<S: Store, H: Handler + 'static> SentDocuments for Runtime<S, H> {
    async fn sent(&self, message: Envelope<Value>) -> Result<(), String> {
        match self.submit(&message).await {
            Ok(Submitted::Processed { .. } | Submitted::Duplicate { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

pub struct PartnerDocuments<S> {
    store: S,
    clock: Arc<dyn Clock>,
    partners: BTreeMap<String, PartnerProfile>,
    nodes: BTreeMap<String, Node>,
    numbers: Mutex<Box<dyn ControlNumbers + Send>>,
    /// Where each document is also written as a file, by partner (or node).
    out_dir: PathBuf,
    report: Option<Arc<dyn SentDocuments>>,
}

impl<S: Store> PartnerDocuments<S> {
    pub fn new(
        store: S,
        clock: Arc<dyn Clock>,
        config: &HubConfig,
        numbers: Box<dyn ControlNumbers + Send>,
        out_dir: PathBuf,
    ) -> Self {
        PartnerDocuments {
            store,
            clock,
            partners: config.partners.iter().map(|p| (p.id.clone(), p.clone())).collect(),
            nodes: config.nodes.iter().map(|n| (n.node_id.clone(), n.clone())).collect(),
            numbers: Mutex::new(numbers),
            out_dir,
            report: None,
        }
    }

    /// Reports every document sent (as `document.sent`, once per message id).
    pub fn reporting_to(mut self, report: Arc<dyn SentDocuments>) -> Self {
        self.report = Some(report);
        self
    }

    /// Reports a document sent, with what the store archived of it.
    async fn report(&self, m: &Envelope<Value>, stored: Option<&StoredDocument>) -> Result<(), DeliveryError> {
        let Some(report) = &self.report else { return Ok(()) };
        let Some(stored) = stored else { return Err(DeliveryError::Transient(format!("{} was not filed", m.id))) };
        let doc = &stored.document;
        let (interchange_control, group_control) = controls(&doc.bytes);
        let sent = DocumentSent {
            message_id: m.id.clone(),
            partner: doc.partner.clone(),
            kind: doc.kind.clone(),
            business_key: doc.business_key.clone(),
            content_hash: stored.content_hash.clone(),
            interchange_control,
            group_control,
        };
        let id = format!("sent:{}", m.id);
        let message = Envelope {
            id: id.clone(),
            event_type: DOCUMENT_SENT.into(),
            source: "crossdock/partner-documents".into(),
            subject: doc.business_key.clone(),
            time: stored.created_at,
            correlation_id: m.correlation_id.clone(),
            causation_id: Some(m.id.clone()),
            idempotency_key: id,
            tenant: m.tenant.clone(),
            schema_version: SCHEMA_VERSION,
            data: serde_json::to_value(&sent).map_err(|e| DeliveryError::Permanent(e.to_string()))?,
        };
        report.sent(message).await.map_err(DeliveryError::Transient)
    }

    /// The document a message asks for, if it asks for one.
    fn render(&self, m: &Envelope<Value>) -> Result<Option<OutboundDocument>, DeliveryError> {
        let is_request = m.event_type.starts_with("po.") || m.event_type.starts_with("fulfillment.");
        if !is_request {
            return Ok(None);
        }
        let output: Output = serde_json::from_value(m.data.clone())
            .map_err(|e| DeliveryError::Permanent(format!("{}: not a broker output: {e}", m.id)))?;
        match output {
            Output::PoIssued { node_id, partner_id, po } => {
                let partner = partner_id.or_else(|| self.node(&node_id).ok()?.partner_id.clone()).ok_or_else(|| {
                    DeliveryError::Permanent(format!("supplier node {node_id} names no trading partner"))
                })?;
                let business_key = po.po_number.clone();
                let bytes = self.x12(&partner, Document::PurchaseOrder(po), m)?;
                Ok(Some(OutboundDocument { id: m.id.clone(), partner, kind: "x12/850".into(), business_key, bytes }))
            }
            Output::FulfillmentRequested { node_id, request } => {
                let node = self.node(&node_id)?;
                let business_key = request.request_id.clone();
                match (&node.kind, &node.partner_id) {
                    (NodeKind::Threepl, Some(partner)) if self.partners.contains_key(partner) => {
                        let partner = partner.clone();
                        let bytes = self.x12(&partner, Document::FulfillmentRequest(request), m)?;
                        Ok(Some(OutboundDocument {
                            id: m.id.clone(),
                            partner,
                            kind: "x12/940".into(),
                            business_key,
                            bytes,
                        }))
                    }
                    _ => {
                        let mut bytes = serde_json::to_vec_pretty(&Document::FulfillmentRequest(request))
                            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
                        bytes.push(b'\n');
                        let kind = "json/fulfillment_request".into();
                        Ok(Some(OutboundDocument { id: m.id.clone(), partner: node_id, kind, business_key, bytes }))
                    }
                }
            }
            _ => Ok(None),
        }
    }

    fn node(&self, node_id: &str) -> Result<&Node, DeliveryError> {
        self.nodes.get(node_id).ok_or_else(|| DeliveryError::Permanent(format!("unknown node {node_id}")))
    }

    fn x12(&self, partner: &str, doc: Document, m: &Envelope<Value>) -> Result<Vec<u8>, DeliveryError> {
        let profile = self
            .partners
            .get(partner)
            .ok_or_else(|| DeliveryError::Permanent(format!("no partner profile {partner} for {}", m.id)))?;
        let mut numbers =
            self.numbers.lock().map_err(|_| DeliveryError::Transient("control numbers poisoned".into()))?;
        let now = self.clock.now().naive_utc();
        // A control number store that cannot be written is worth retrying; a document the
        // writer refuses is not.
        write_documents(profile, &[doc], numbers.as_mut(), now).map_err(|e| match e {
            crossdock_x12::outbound::OutboundError::ControlNumber(e) => DeliveryError::Transient(e.to_string()),
            other => DeliveryError::Permanent(other.to_string()),
        })
    }
}

#[async_trait]
impl<S: Store> Subscriber for PartnerDocuments<S> {
    fn name(&self) -> &str {
        "partner-documents"
    }

    async fn deliver(&self, m: &Envelope<Value>) -> Result<(), DeliveryError> {
        self.deliver_batch(std::slice::from_ref(m)).await.pop().expect("one outcome per message")
    }

    /// Renders what is new, files it all in one transaction, then sends each document, in
    /// order: a failure stops the batch there (a PO change never overtakes its PO).
    async fn deliver_batch(&self, messages: &[Envelope<Value>]) -> Vec<Result<(), DeliveryError>> {
        let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
        let mut stored = match self.stored(&ids).await {
            Ok(stored) => stored,
            Err(failure) => return vec![Err(failure)],
        };
        let mut documents: Vec<Result<Option<OutboundDocument>, DeliveryError>> = Vec::with_capacity(messages.len());
        let mut rendered = Vec::new();
        for m in messages {
            // Sent before: the same bytes again (same control numbers), never a new document.
            let document = match stored.get(&m.id) {
                Some(filed) => Ok(Some(filed.document.clone())),
                None => self.render(m).inspect(|doc| rendered.extend(doc.clone())),
            };
            let failed = document.is_err();
            documents.push(document);
            if failed {
                break;
            }
        }
        if !rendered.is_empty() {
            let raced = match self.store.file_documents(&rendered, self.clock.now()).await {
                Ok(filed) => filed.iter().any(|f| matches!(f, Filed::AlreadyFiled { same_bytes: false })),
                Err(e) => return vec![Err(DeliveryError::Transient(e.to_string()))],
            };
            // Rendered differently by a delivery that raced this one: its bytes are kept and
            // sent, not these. A report needs what was archived of each.
            if raced || self.report.is_some() {
                stored = match self.stored(&ids).await {
                    Ok(stored) => stored,
                    Err(failure) => return vec![Err(failure)],
                };
                for (m, document) in messages.iter().zip(&mut documents) {
                    if let (Ok(Some(doc)), Some(filed)) = (document, stored.get(&m.id)) {
                        *doc = filed.document.clone();
                    }
                }
            }
        }
        // The bytes move to the writer: from here on a document only stands for its outcome.
        let files = messages
            .iter()
            .zip(&mut documents)
            .filter_map(|(m, document)| match document {
                Ok(Some(doc)) => Some((self.file_path(m, doc), std::mem::take(&mut doc.bytes))),
                _ => None,
            })
            .collect();
        let mut written = write_files(files).await.into_iter();
        let mut outcomes = Vec::with_capacity(documents.len());
        for (m, document) in messages.iter().zip(documents) {
            let outcome = match document {
                Ok(Some(_)) => match written.next() {
                    Some(Ok(())) => self.report(m, stored.get(&m.id)).await,
                    Some(Err(failure)) => Err(failure),
                    None => Err(DeliveryError::Transient(format!("{} was not written", m.id))),
                },
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            let failed = outcome.is_err();
            outcomes.push(outcome);
            if failed {
                break;
            }
        }
        outcomes
    }
}

impl<S: Store> PartnerDocuments<S> {
    /// The documents filed under any of `ids` (one query), by id.
    async fn stored(&self, ids: &[String]) -> Result<HashMap<String, StoredDocument>, DeliveryError> {
        let stored = self.store.documents(ids).await.map_err(|e| DeliveryError::Transient(e.to_string()))?;
        Ok(stored.into_iter().map(|filed| (filed.document.id.clone(), filed)).collect())
    }

    /// Where the partner takes a document: its folder under `out_dir`.
    fn file_path(&self, m: &Envelope<Value>, doc: &OutboundDocument) -> PathBuf {
        let ext = if doc.kind.starts_with("x12/") { "edi" } else { "json" };
        let name = file_safe(&format!("{}-{}", doc.business_key, m.id));
        self.out_dir.join(file_safe(&doc.partner)).join(format!("{name}.{ext}"))
    }
}

/// Writes the files in order, off the async workers (one hop for the batch), and stops at
/// the first failure: one outcome per file written or failed.
async fn write_files(files: Vec<(PathBuf, Vec<u8>)>) -> Vec<Result<(), DeliveryError>> {
    let written = tokio::task::spawn_blocking(move || {
        let mut outcomes = Vec::with_capacity(files.len());
        for (path, bytes) in files {
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, bytes))
                .map_err(|e| DeliveryError::Transient(format!("cannot write {}: {e}", path.display())));
            let failed = written.is_err();
            outcomes.push(written);
            if failed {
                break;
            }
        }
        outcomes
    })
    .await;
    written.unwrap_or_else(|e| vec![Err(DeliveryError::Transient(format!("the file writer failed: {e}")))])
}

/// ISA13 and the first GS06 of an X12 document we wrote (none for JSON).
fn controls(bytes: &[u8]) -> (Option<String>, Option<String>) {
    let (mut isa13, mut gs06) = (None, None);
    let mut reader = crossdock_x12::X12Reader::new(bytes);
    while let Some(Ok(event)) = reader.next() {
        match event {
            crossdock_x12::Event::InterchangeStart(ic) => isa13 = Some(ic.isa.control_number().to_string()),
            crossdock_x12::Event::GroupStart(g) => {
                gs06 = Some(g.control_number().to_string());
                break;
            }
            _ => {}
        }
    }
    (isa13, gs06)
}

/// Letters, digits, `-` and `.` survive; anything else becomes `_`.
fn file_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect()
}
