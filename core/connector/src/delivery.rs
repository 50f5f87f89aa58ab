//! What arrives from a partner, before any parsing: the bytes, kept as they came.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One unit of partner input: a webhook request, a polled record or page, a dropped file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The partner's id for this delivery (`X-Shopify-Webhook-Id`, a file name and its
    /// content hash, a record id and version). Deduplication keys on it.
    pub delivery_id: String,
    pub received_at: DateTime<Utc>,
    /// Transport metadata (HTTP headers, file name); names are lowercase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The original bytes, untouched: signatures are computed over them and quarantine
    /// keeps them.
    #[serde(with = "crate::bytes")]
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn new(delivery_id: impl Into<String>, received_at: DateTime<Utc>, body: impl Into<Vec<u8>>) -> Self {
        Delivery { delivery_id: delivery_id.into(), received_at, headers: Vec::new(), body: body.into() }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A stable, non-cryptographic fingerprint of some bytes (FNV-1a, 64 bits), for ids derived
/// from content when the partner gives none.
pub fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}
