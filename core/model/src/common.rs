//! Building blocks shared by every document: parties, addresses, items, units.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A unit of measure code. Crossdock keeps the ANSI X12 DE 355 code list as its canonical
/// vocabulary (`EA`, `CA`, `PK`, `LB`, ...) because most partner formats map onto it
/// directly; other formats translate to it in their connector or mapping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Uom(pub String);

impl Uom {
    pub fn each() -> Self {
        Uom("EA".into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Uom {
    fn default() -> Self {
        Uom::each()
    }
}

impl From<&str> for Uom {
    fn from(s: &str) -> Self {
        Uom(s.to_string())
    }
}

/// A quantity with its unit: the only way quantities travel between documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: Decimal,
    pub uom: Uom,
}

/// An amount of money in a currency (ISO 4217 code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// How an item is identified. Partners name the same item differently; keep every id
/// they gave so that a reply can use the partner's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_part: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_part: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Any other identifiers, by the partner's qualifier (X12 DE 235: `EN`, `IB`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_ids: Vec<Reference>,
}

impl ItemRef {
    /// True when no identifier at all is present (a description alone does not identify).
    pub fn is_unidentified(&self) -> bool {
        self.sku.is_none()
            && self.gtin.is_none()
            && self.upc.is_none()
            && self.buyer_part.is_none()
            && self.vendor_part.is_none()
            && self.other_ids.is_empty()
    }

    /// The best key to look the item up by, in order of trust.
    pub fn key(&self) -> Option<&str> {
        self.sku
            .as_deref()
            .or(self.gtin.as_deref())
            .or(self.upc.as_deref())
            .or(self.vendor_part.as_deref())
            .or(self.buyer_part.as_deref())
    }
}

/// A qualified reference number (X12 REF/N9, SAP references, NetSuite external ids).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reference {
    pub qualifier: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        *self == Address::default()
    }
}

/// Latitude / longitude in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geo {
    pub lat: Decimal,
    pub lon: Decimal,
}

/// A way to reach a person (X12 PER).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A trading party: buyer, seller, ship-to, bill-to, carrier, ...
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The role this party plays in the document, X12 DE 98 code (`ST`, `BT`, `BY`, `SE`, `VN`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identification as qualifier + code (X12 N103/N104: `92` assigned by buyer, `UL` GLN, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Reference>,
    #[serde(default, skip_serializing_if = "Address::is_empty")]
    pub address: Address,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// A date or timestamp that matters to the document, by its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedEvent {
    /// What the date means, X12 DE 374 code (`002` delivery requested, `010` requested ship, ...).
    pub qualifier: String,
    pub date: chrono::NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<chrono::NaiveTime>,
}

/// Payment terms (X12 ITD).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis_date_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Transport instructions (X12 TD5 / FOB).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carrier {
    /// Standard Carrier Alpha Code or other carrier id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_qualifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level: Option<String>,
}

/// An allowance or charge (X12 SAC): freight, handling, discounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// `charge` or `allowance`.
    pub kind: ChargeKind,
    /// What it is for, X12 DE 1300 code (`D240` freight, `C310` discount, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    Charge,
    Allowance,
}
