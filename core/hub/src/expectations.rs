//! What a partner owes us after each document, and by when (`expectations.toml`), and
//! how long an interchange control number is remembered to catch resent interchanges.
//!
//! ```toml
//! duplicate_window_days = 30
//!
//! [[expect]]                      # every partner, unless it has a list of its own
//! document = "997"
//! after = "850"
//! within_hours = 2
//!
//! [[expect]]
//! document = "856"
//! after = "850"
//! by = "requested_ship_date"      # a date of the PO instead of a duration
//!
//! [[expect]]
//! document = "810"
//! after = "856"                   # no deadline: only the order is checked
//!
//! [partner.acme-supplier]         # replaces the list above for this partner
//! expect = [ { document = "997", after = "850", within_hours = 4 } ]
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::Deserialize;

/// The documents a thread knows, by their X12 names (whatever format they came in).
pub const DOCUMENTS: [&str; 6] = ["850", "997", "855", "856", "receipt", "810"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// How long an interchange control number from a sender is remembered.
    #[serde(default = "thirty")]
    pub duplicate_window_days: i64,
    /// The rules of partners without rules of their own.
    #[serde(default)]
    pub expect: Vec<Expectation>,
    #[serde(default)]
    pub partner: BTreeMap<String, PartnerExpectations>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerExpectations {
    pub expect: Vec<Expectation>,
}

/// `document` is due after `after`: within a duration, by a date of the PO, or (with
/// neither) merely not before it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub document: String,
    pub after: String,
    #[serde(default)]
    pub within_hours: Option<i64>,
    #[serde(default)]
    pub by: Option<DueDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueDate {
    /// The end of the PO's requested ship date (in the offset the 850 was issued in).
    RequestedShipDate,
}

fn thirty() -> i64 {
    30
}

impl Default for Expectations {
    fn default() -> Self {
        Expectations { duplicate_window_days: thirty(), expect: Vec::new(), partner: BTreeMap::new() }
    }
}

impl Expectations {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let e: Expectations = toml::from_str(text).map_err(|e| e.to_string())?;
        let rules = e.expect.iter().chain(e.partner.values().flat_map(|p| &p.expect));
        for rule in rules {
            for name in [&rule.document, &rule.after] {
                if !DOCUMENTS.contains(&name.as_str()) {
                    return Err(format!("unknown document {name:?} (known: {})", DOCUMENTS.join(", ")));
                }
            }
        }
        Ok(e)
    }

    pub fn for_partner(&self, partner: Option<&str>) -> &[Expectation] {
        partner.and_then(|p| self.partner.get(p)).map_or(&self.expect, |p| &p.expect)
    }

    pub fn duplicate_window(&self) -> Duration {
        Duration::days(self.duplicate_window_days)
    }
}

impl Expectation {
    /// When the expected document is due, given when its predecessor came; `None` when
    /// the rule only orders documents.
    pub fn due(
        &self,
        after_at: DateTime<FixedOffset>,
        requested_ship: Option<NaiveDate>,
    ) -> Option<DateTime<FixedOffset>> {
        match (self.within_hours, self.by) {
            (Some(hours), _) => Some(after_at + Duration::hours(hours)),
            (None, Some(DueDate::RequestedShipDate)) => {
                let end = requested_ship?.succ_opt()?.and_hms_opt(0, 0, 0)?;
                end.and_local_timezone(*after_at.offset()).single()
            }
            (None, None) => None,
        }
    }

    /// How the deadline reads for people.
    pub fn describe(&self) -> String {
        match (self.within_hours, self.by) {
            (Some(h), _) => format!("{} due within {h}h of the {}", self.document, self.after),
            (None, Some(DueDate::RequestedShipDate)) => format!("{} due by the requested ship date", self.document),
            (None, None) => format!("{} only after the {}", self.document, self.after),
        }
    }
}
