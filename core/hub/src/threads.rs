//! The document thread of each purchase order: every document sent and received for it,
//! in the order the hub handled them, with the warnings its partner's expectations raised.
//!
//! Pure and deterministic, kept by the handler and rebuilt by replay like the broker: the
//! raw bytes behind each entry stay where they were archived (inbound interchanges in the
//! inbox, outbound documents in the `documents` table), the entry keeps their SHA-256.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::expectations::{Expectation, Expectations};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Sent,
    Received,
    /// Decided by the hub itself: a PO issued, a match result, a warning.
    Hub,
}

/// One line of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<FixedOffset>,
    pub direction: Direction,
    /// `850`, `997`, `855`, `856`, `receipt`, `810`, `match`, `warning`.
    pub document: String,
    /// The business key or control numbers that link it here.
    pub key: String,
    pub state: String,
    /// SHA-256 of the archived bytes (the interchange it came in, or the document sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// The inbox or outbox message that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// A delay warning: on the bus as `thread.document_late` or `thread.out_of_order`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub po_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    pub document: String,
    pub after: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<FixedOffset>>,
    pub message: String,
    #[serde(skip)]
    pub kind: WarningKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WarningKind {
    #[default]
    Late,
    OutOfOrder,
}

impl Warning {
    pub fn event_type(&self) -> &'static str {
        match self.kind {
            WarningKind::Late => "thread.document_late",
            WarningKind::OutOfOrder => "thread.out_of_order",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thread {
    pub po_number: String,
    pub partner_id: Option<String>,
    /// The sales order this drop-ship PO serves.
    pub sales_order_ref: Option<String>,
    pub requested_ship_date: Option<NaiveDate>,
    pub entries: Vec<Entry>,
    /// Rules (by index in the partner's list) already found late: each warns once.
    #[serde(skip)]
    late: BTreeSet<usize>,
}

impl Thread {
    /// When the first `document` of the thread was sent, received or issued.
    fn first(&self, document: &str) -> Option<DateTime<FixedOffset>> {
        self.entries.iter().find(|e| e.document == document).map(|e| e.at)
    }

    /// Appends an entry; a document that comes before the one it must follow, or after
    /// its deadline, adds its warning to the thread and returns it.
    fn record(&mut self, entry: Entry, rules: &[Expectation]) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let first_of_its_kind = self.first(&entry.document).is_none();
        for (i, rule) in rules.iter().enumerate().filter(|(_, r)| r.document == entry.document) {
            match self.first(&rule.after) {
                None if first_of_its_kind => warnings.push(self.warning(
                    rule,
                    None,
                    WarningKind::OutOfOrder,
                    format!("{} {} arrived before any {}", entry.document, entry.key, rule.after),
                )),
                Some(after_at) if first_of_its_kind && !self.late.contains(&i) => {
                    match rule.due(after_at, self.requested_ship_date) {
                        Some(due) if entry.at > due => {
                            self.late.insert(i);
                            let message = format!("{} {} arrived late: {}", entry.document, entry.key, rule.describe());
                            warnings.push(self.warning(rule, Some(due), WarningKind::Late, message));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        self.entries.push(entry);
        self.note(&warnings);
        warnings
    }

    /// Deadlines passed by `now` with the expected document still missing.
    fn overdue(&mut self, now: DateTime<FixedOffset>, rules: &[Expectation]) -> Vec<Warning> {
        let mut warnings = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if self.late.contains(&i) || self.first(&rule.document).is_some() {
                continue;
            }
            let Some(due) = self.first(&rule.after).and_then(|at| rule.due(at, self.requested_ship_date)) else {
                continue;
            };
            if now > due {
                self.late.insert(i);
                let message = format!("no {} yet: {}", rule.document, rule.describe());
                warnings.push(self.warning(rule, Some(due), WarningKind::Late, message));
            }
        }
        self.note(&warnings);
        warnings
    }

    fn warning(
        &self,
        rule: &Expectation,
        due: Option<DateTime<FixedOffset>>,
        kind: WarningKind,
        message: String,
    ) -> Warning {
        Warning {
            po_number: self.po_number.clone(),
            partner_id: self.partner_id.clone(),
            document: rule.document.clone(),
            after: rule.after.clone(),
            due,
            message,
            kind,
        }
    }

    /// Warnings are part of the thread too, timed by their deadline (or the entry that
    /// broke the order).
    fn note(&mut self, warnings: &[Warning]) {
        let last = self.entries.last().map(|e| e.at);
        for w in warnings {
            let Some(at) = w.due.or(last) else { continue };
            let entry = Entry {
                at: last.map_or(at, |l| l.max(at)),
                direction: Direction::Hub,
                document: "warning".into(),
                key: w.event_type().into(),
                state: w.message.clone(),
                content_hash: None,
                message_id: None,
            };
            self.entries.push(entry);
        }
    }
}

/// Every thread, and the indexes that link documents into them.
#[derive(Debug, Default)]
pub struct Threads {
    threads: BTreeMap<String, Thread>,
    /// (partner, GS06 of a group we sent) -> the PO it carried: a 997 names the group.
    groups_sent: BTreeMap<(String, String), String>,
}

impl Threads {
    /// A thread opens when a drop-ship PO is issued.
    pub fn open(
        &mut self,
        po: &crossdock_model::PurchaseOrder,
        partner_id: Option<String>,
        at: DateTime<FixedOffset>,
        message_id: &str,
    ) {
        let thread = self.threads.entry(po.po_number.clone()).or_insert_with(|| Thread {
            po_number: po.po_number.clone(),
            partner_id: partner_id.clone(),
            sales_order_ref: po.sales_order_ref.clone(),
            requested_ship_date: po.requested_ship_date,
            entries: Vec::new(),
            late: BTreeSet::new(),
        });
        let to = partner_id.as_deref().unwrap_or("its supplier");
        thread.entries.push(Entry {
            at,
            direction: Direction::Hub,
            document: "850".into(),
            key: po.po_number.clone(),
            state: format!("issued to {to} ({} lines)", po.lines.len()),
            content_hash: None,
            message_id: Some(message_id.into()),
        });
    }

    /// Adds an entry to the thread of `po_number`, if the hub has one; returns the
    /// warnings it raised.
    pub fn record(&mut self, po_number: &str, entry: Entry, expectations: &Expectations) -> Vec<Warning> {
        match self.threads.get_mut(po_number) {
            Some(t) => {
                let rules = expectations.for_partner(t.partner_id.as_deref());
                t.record(entry, rules)
            }
            None => Vec::new(),
        }
    }

    /// Remembers the group control number an outbound document went in.
    pub fn sent_in_group(&mut self, partner: &str, group_control: &str, po_number: &str) {
        self.groups_sent.insert((partner.into(), normalized(group_control)), po_number.into());
    }

    /// The PO whose 850 went in this group to this partner.
    pub fn po_of_group(&self, partner: &str, group_control: &str) -> Option<&str> {
        self.groups_sent.get(&(partner.into(), normalized(group_control))).map(String::as_str)
    }

    /// Every deadline passed by `now`, thread by thread in PO order.
    pub fn overdue(&mut self, now: DateTime<FixedOffset>, expectations: &Expectations) -> Vec<Warning> {
        let mut warnings = Vec::new();
        for t in self.threads.values_mut() {
            warnings.extend(t.overdue(now, expectations.for_partner(t.partner_id.as_deref())));
        }
        warnings
    }

    pub fn get(&self, po_number: &str) -> Option<&Thread> {
        self.threads.get(po_number)
    }

    pub fn contains(&self, po_number: &str) -> bool {
        self.threads.contains_key(po_number)
    }

    /// The threads of the drop-ship POs serving a sales order.
    pub fn of_sales_order<'a>(&'a self, order_id: &'a str) -> impl Iterator<Item = &'a Thread> + 'a {
        self.threads.values().filter(move |t| t.sales_order_ref.as_deref() == Some(order_id))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Thread> {
        self.threads.values()
    }
}

/// Control numbers that differ only by zero padding are the same number.
pub fn normalized(control: &str) -> String {
    let trimmed = control.trim().trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

impl std::fmt::Display for Thread {
    /// The thread for people: one line per entry, oldest first.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let partner = self.partner_id.as_deref().unwrap_or("no partner");
        let serves = self.sales_order_ref.as_deref().map_or(String::new(), |so| format!(", for sales order {so}"));
        writeln!(f, "  Thread of PO {} ({partner}{serves})", self.po_number)?;
        for e in &self.entries {
            let direction = match e.direction {
                Direction::Sent => "sent",
                Direction::Received => "received",
                Direction::Hub => "hub",
            };
            let hash =
                e.content_hash.as_deref().map_or(String::new(), |h| format!("  [sha256 {}]", &h[..h.len().min(12)]));
            writeln!(
                f,
                "    {}  {direction:<8}  {:<7}  {:<24}  {}{hash}",
                e.at.format("%Y-%m-%d %H:%M %:z"),
                e.document,
                e.key,
                e.state
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn po(requested_ship_date: &str) -> crossdock_model::PurchaseOrder {
        serde_json::from_value(serde_json::json!({
            "po_number": "PO-1", "order_date": "2026-11-21", "requested_ship_date": requested_ship_date,
            "lines": [{ "line_no": "1", "item": { "sku": "A" }, "quantity": "1", "uom": "EA" }]
        }))
        .unwrap()
    }

    fn received(document: &str, at_: &str) -> Entry {
        Entry {
            at: at(at_),
            direction: Direction::Received,
            document: document.into(),
            key: "K".into(),
            state: String::new(),
            content_hash: None,
            message_id: None,
        }
    }

    const RULES: &str = r#"
        [[expect]]
        document = "856"
        after = "850"
        by = "requested_ship_date"

        [partner.slow]
        expect = [{ document = "856", after = "850", within_hours = 72 }]
    "#;

    #[test]
    fn a_ship_notice_is_due_by_the_end_of_the_requested_ship_date_unless_the_partner_says_otherwise() {
        let e = Expectations::from_toml(RULES).unwrap();
        let mut threads = Threads::default();
        threads.open(&po("2026-11-23"), Some("fast".into()), at("2026-11-21T09:00:00-05:00"), "m#0");
        assert!(threads.overdue(at("2026-11-23T23:59:00-05:00"), &e).is_empty());
        let late = threads.overdue(at("2026-11-24T00:01:00-05:00"), &e);
        assert_eq!(late.len(), 1);
        assert_eq!((late[0].document.as_str(), late[0].due), ("856", Some(at("2026-11-24T00:00:00-05:00"))));

        let mut threads = Threads::default();
        threads.open(&po("2026-11-23"), Some("slow".into()), at("2026-11-21T09:00:00-05:00"), "m#0");
        assert!(threads.overdue(at("2026-11-24T08:59:00-05:00"), &e).is_empty(), "72 hours for this partner");
        // Arriving after its deadline with no tick in between is late all the same.
        let late = threads.record("PO-1", received("856", "2026-11-24T10:00:00-05:00"), &e);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].event_type(), "thread.document_late");
        assert!(threads.overdue(at("2026-11-30T00:00:00-05:00"), &e).is_empty(), "warned once");
    }

    #[test]
    fn expectations_name_only_documents_a_thread_knows() {
        let err = Expectations::from_toml("[[expect]]\ndocument = \"811\"\nafter = \"850\"\n").unwrap_err();
        assert!(err.contains("unknown document \"811\""), "{err}");
        assert_eq!(Expectations::from_toml("").unwrap().duplicate_window_days, 30);
    }

    #[test]
    fn control_numbers_differing_only_by_padding_are_one() {
        assert_eq!(normalized("000000042"), normalized("42"));
        assert_eq!(normalized("000"), "0");
    }
}
