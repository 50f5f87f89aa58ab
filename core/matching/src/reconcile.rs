//! The reconciliation of one purchase order: documents in, line verdicts and events out.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use crossdock_model::{Charge, ChargeKind, Invoice, ItemRef, MatchResult, MatchStatus, PurchaseOrder, ShipNotice};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::policy::{MatchBasis, TolerancePolicy, Variance};
use crate::{Awaiting, LineMatch, MatchError, MatchEvent, Override, Reason, ReasonCode, Receipt, Variances};

/// Everything known about one purchase order's thread. Results are recomputed from the
/// documents each time, so they do not depend on arrival order (except which of two
/// duplicate invoices is the original). Serializable, so the hub can keep it between
/// documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    po: PurchaseOrder,
    policy: TolerancePolicy,
    ship_notices: Vec<ShipNotice>,
    receipts: Vec<Receipt>,
    invoices: Vec<Invoice>,
    /// Invoices set aside as duplicates, with the number of the invoice they repeat.
    duplicates: Vec<(Invoice, String)>,
    overrides: BTreeMap<String, Override>,
    history: Vec<MatchEvent>,
}

impl Reconciliation {
    pub fn new(po: PurchaseOrder, policy: TolerancePolicy) -> Self {
        Reconciliation {
            po,
            policy,
            ship_notices: Vec::new(),
            receipts: Vec::new(),
            invoices: Vec::new(),
            duplicates: Vec::new(),
            overrides: BTreeMap::new(),
            history: Vec::new(),
        }
    }

    pub fn purchase_order(&self) -> &PurchaseOrder {
        &self.po
    }

    /// Every event so far, overrides included, in order.
    pub fn history(&self) -> &[MatchEvent] {
        &self.history
    }

    /// Adds a ship notice (only its part for this PO counts). A notice with the id of an
    /// earlier one replaces it: resends and corrections are not counted twice.
    pub fn add_ship_notice(&mut self, notice: ShipNotice) -> Result<Vec<MatchEvent>, MatchError> {
        if !notice.orders.iter().any(|o| o.po_number == self.po.po_number) {
            let found = notice.orders.iter().map(|o| o.po_number.as_str()).collect::<Vec<_>>().join(", ");
            return Err(self.other_po("ship notice", &notice.shipment_id, &found));
        }
        Ok(self.track(|r| {
            r.ship_notices.retain(|n| n.shipment_id != notice.shipment_id);
            r.ship_notices.push(notice);
        }))
    }

    /// Adds a goods receipt; one with the id of an earlier one replaces it.
    pub fn add_receipt(&mut self, receipt: Receipt) -> Result<Vec<MatchEvent>, MatchError> {
        if receipt.po_number != self.po.po_number {
            return Err(self.other_po("receipt", &receipt.receipt_id, &receipt.po_number));
        }
        Ok(self.track(|r| {
            r.receipts.retain(|x| x.receipt_id != receipt.receipt_id);
            r.receipts.push(receipt);
        }))
    }

    /// Adds an invoice. One without a PO number is taken as routed here by the caller.
    pub fn add_invoice(&mut self, invoice: Invoice) -> Result<Vec<MatchEvent>, MatchError> {
        if let Some(po) = invoice.po_number.as_deref().filter(|po| *po != self.po.po_number) {
            return Err(self.other_po("invoice", &invoice.invoice_number, po));
        }
        Ok(self.track(|r| match r.invoices.iter().find(|earlier| is_duplicate(&invoice, earlier)) {
            Some(earlier) => {
                let original = earlier.invoice_number.clone();
                r.duplicates.push((invoice, original));
            }
            None => r.invoices.push(invoice),
        }))
    }

    /// A person accepts the exceptions a line has now. The line counts as
    /// `within_tolerance` until an exception of another kind appears on it.
    pub fn override_line(
        &mut self,
        line_no: &str,
        by: &str,
        reason: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<MatchEvent, MatchError> {
        let po_number = self.po.po_number.clone();
        let line = self.results().into_iter().find(|l| l.line_no() == line_no);
        let line =
            line.ok_or_else(|| MatchError::UnknownLine { po_number: po_number.clone(), line_no: line_no.into() })?;
        if line.status() != MatchStatus::Exception {
            return Err(MatchError::NotAnException { po_number, line_no: line_no.into(), status: line.status() });
        }
        let record = Override {
            by: by.into(),
            reason: reason.into(),
            at,
            accepted: line.exceptions.iter().map(|r| r.code).collect(),
        };
        self.overrides.insert(line_no.into(), record.clone());
        let event = MatchEvent::Overridden { po_number, line_no: line_no.into(), record };
        self.history.push(event.clone());
        Ok(event)
    }

    /// One verdict per PO line, in PO order, then one per line that was not ordered.
    pub fn results(&self) -> Vec<LineMatch> {
        let tallies = self.tally();
        let mut results: Vec<LineMatch> = self
            .po
            .lines
            .iter()
            .zip(&tallies.lines)
            .map(|(l, t)| self.judge(&l.line_no, Some(l.quantity), l.unit_price, t))
            .collect();
        results.extend(tallies.strays.iter().map(|(key, t)| self.judge(key, None, None, t)));
        for line in &mut results {
            self.apply_override(line);
        }
        results
    }

    fn other_po(&self, kind: &'static str, key: &str, found: &str) -> MatchError {
        MatchError::OtherPurchaseOrder {
            kind,
            key: key.into(),
            expected: self.po.po_number.clone(),
            found: if found.is_empty() { "none".into() } else { found.into() },
        }
    }

    /// Applies a change and returns (and records) the events it causes: lines that became
    /// exceptions or whose findings changed, and exceptions that cleared.
    fn track(&mut self, change: impl FnOnce(&mut Self)) -> Vec<MatchEvent> {
        let before = self.results();
        change(self);
        let mut events = Vec::new();
        for now in self.results() {
            let was = before.iter().find(|b| b.line_no() == now.line_no());
            let was_exception = was.filter(|b| b.status() == MatchStatus::Exception);
            let (po_number, line_no) = (now.result.po_number.clone(), now.result.line_no.clone());
            match (now.status(), was_exception) {
                // Same findings with the same figures: nothing new to tell.
                (MatchStatus::Exception, Some(b)) if b.exceptions == now.exceptions => {}
                (MatchStatus::Exception, _) => {
                    events.push(MatchEvent::Exception { po_number, line_no, reasons: now.exceptions })
                }
                (status, Some(_)) => events.push(MatchEvent::Cleared { po_number, line_no, status }),
                (_, None) => {}
            }
        }
        self.history.extend(events.iter().cloned());
        events
    }

    /// Sums every document line onto the PO line it belongs to (or a stray), and collects
    /// the invoice-level findings on the lines each invoice touches.
    fn tally(&self) -> Tallies {
        let mut t = Tallies { lines: vec![Tally::default(); self.po.lines.len()], strays: BTreeMap::new() };
        let received_counts = !self.receipts.is_empty() || self.policy.match_against == MatchBasis::Received;
        for notice in &self.ship_notices {
            let orders = notice.orders.iter().filter(|o| o.po_number == self.po.po_number);
            for item in orders.flat_map(|o| &o.packs).flat_map(|p| &p.items) {
                t.at(self.target(item.line_no.as_deref(), &item.item)).shipped += item.quantity;
            }
        }
        for receipt in &self.receipts {
            for line in &receipt.lines {
                t.at(self.target(line.line_no.as_deref(), &line.item)).received += line.quantity;
            }
        }
        for tally in t.lines.iter_mut().chain(t.strays.values_mut()) {
            tally.received_counts = received_counts;
        }
        for invoice in &self.invoices {
            self.tally_invoice(invoice, &mut t);
        }
        for (duplicate, original) in &self.duplicates {
            let reason = Reason {
                code: ReasonCode::DuplicateInvoice,
                message: format!(
                    "invoice {} dated {} repeats invoice {original}; it is not counted",
                    duplicate.invoice_number, duplicate.invoice_date
                ),
            };
            for target in self.targets(duplicate) {
                t.at(target).push_reason(&reason);
            }
        }
        t
    }

    fn tally_invoice(&self, invoice: &Invoice, t: &mut Tallies) {
        let number = &invoice.invoice_number;
        let targets = self.targets(invoice);
        let mut expected = Decimal::ZERO;
        let mut computed = Decimal::ZERO;
        for (line, target) in invoice.lines.iter().zip(&targets) {
            let ordered_price = match target {
                Target::Line(i) => self.po.lines[*i].unit_price,
                Target::Stray(_) => None,
            };
            expected += line.quantity * ordered_price.unwrap_or(line.unit_price);
            computed += line.quantity * line.unit_price;
            let tally = t.at(target.clone());
            tally.invoiced += line.quantity;
            tally.invoiced_prices.push(line.unit_price);
            for charge in &line.charges {
                if let Some(reason) = self.refused_charge(number, charge) {
                    tally.push_reason(&reason);
                }
            }
        }
        let charges: Decimal = invoice.lines.iter().flat_map(|l| &l.charges).chain(&invoice.charges).map(signed).sum();
        let refused: Vec<Reason> = invoice.charges.iter().filter_map(|c| self.refused_charge(number, c)).collect();
        let declared = invoice.totals.total_amount.unwrap_or(computed + charges);
        let total = Variance::between(declared, expected + charges);
        let total_reason = (!self.policy.invoice_total.allows(&total)).then(|| Reason {
            code: ReasonCode::TotalVariance,
            message: format!(
                "invoice {number} totals {declared}, {total} against {} at ordered prices",
                (expected + charges).normalize()
            ),
        });
        for target in targets {
            let tally = t.at(target);
            for reason in refused.iter().chain(&total_reason) {
                tally.push_reason(reason);
            }
            if !total.amount.is_zero() && tally.invoice_total.is_none_or(|v| total.amount.abs() > v.amount.abs()) {
                tally.invoice_total = Some(total);
            }
        }
    }

    fn refused_charge(&self, invoice_number: &str, charge: &Charge) -> Option<Reason> {
        let code = charge.code.as_deref();
        (charge.kind == ChargeKind::Charge && !self.policy.allows_charge(code, charge.amount)).then(|| Reason {
            code: ReasonCode::ChargeNotAllowed,
            message: format!(
                "invoice {invoice_number} charges {} for {}, which the policy does not allow",
                charge.amount.normalize(),
                code.unwrap_or("an unnamed charge")
            ),
        })
    }

    fn targets(&self, invoice: &Invoice) -> Vec<Target> {
        invoice.lines.iter().map(|l| self.target(Some(&l.line_no), &l.item)).collect()
    }

    /// The matching rule of the crate documentation: line number, then item identity.
    fn target(&self, line_no: Option<&str>, item: &ItemRef) -> Target {
        let lines = &self.po.lines;
        line_no
            .and_then(|no| lines.iter().position(|l| same_line_no(&l.line_no, no)))
            .or_else(|| lines.iter().position(|l| same_item(&l.item, item)))
            .map(Target::Line)
            .unwrap_or_else(|| Target::Stray(item_label(item).unwrap_or_else(|| line_no.unwrap_or("?").to_string())))
    }

    /// The verdict on one line; `ordered` is `None` for a line the PO does not have.
    fn judge(&self, line_no: &str, ordered: Option<Decimal>, ordered_price: Option<Decimal>, t: &Tally) -> LineMatch {
        let policy = &self.policy;
        let mut reasons = t.reasons.clone();
        let mut variances = Variances { invoice_total: t.invoice_total, ..Variances::default() };
        let mut awaiting = Vec::new();
        // The one price invoiced, or the one furthest from the ordered price.
        let mut invoiced_price = t.invoiced_prices.first().copied();
        let mut flag = |code, message: String| reasons.push(Reason { code, message });

        match ordered {
            None => {
                for (quantity, code, verb) in [
                    (t.shipped, ReasonCode::ShippedNotOrdered, "shipped"),
                    (t.received, ReasonCode::ReceivedNotOrdered, "received"),
                    (t.invoiced, ReasonCode::InvoicedNotOrdered, "invoiced"),
                ] {
                    if !quantity.is_zero() {
                        flag(
                            code,
                            format!("{} {verb} of {line_no}, which the order does not have", quantity.normalize()),
                        );
                    }
                }
            }
            Some(ordered) => {
                if t.shipped > ordered {
                    let v = Variance::between(t.shipped, ordered);
                    if !policy.quantity.allows(&v) {
                        flag(ReasonCode::OverShipped, format!("shipped {} of {} ordered: {v}", t.shipped, ordered));
                    }
                    variances.shipped = Some(v);
                }
                let (basis, basis_name, nothing_code) = match policy.match_against {
                    MatchBasis::Shipped => (t.shipped, "shipped", Some(ReasonCode::InvoicedNotShipped)),
                    MatchBasis::Received => (t.received, "received", Some(ReasonCode::InvoicedNotReceived)),
                    MatchBasis::Ordered => (ordered, "ordered", None),
                };
                match nothing_code {
                    Some(code) if basis.is_zero() && !t.invoiced.is_zero() => {
                        flag(code, format!("invoiced {} with nothing {basis_name} yet", t.invoiced))
                    }
                    _ if t.invoiced > basis => {
                        let v = Variance::between(t.invoiced, basis);
                        if !policy.quantity.allows(&v) {
                            flag(
                                ReasonCode::OverInvoiced,
                                format!("invoiced {} against {basis} {basis_name}: {v}", t.invoiced),
                            );
                        }
                        variances.invoiced = Some(v);
                    }
                    _ => {}
                }
                if let Some(ordered_price) = ordered_price {
                    let furthest = t.invoiced_prices.iter().max_by_key(|p| (**p - ordered_price).abs());
                    let v = furthest.map(|p| Variance::between(*p, ordered_price)).filter(|v| !v.amount.is_zero());
                    if let (Some(price), Some(v)) = (furthest, v) {
                        if !policy.unit_price.allows(&v) {
                            flag(
                                ReasonCode::PriceVariance,
                                format!("invoiced at {price} against {ordered_price} ordered: {v}"),
                            );
                        }
                        variances.unit_price = Some(v);
                        invoiced_price = Some(*price);
                    }
                }
                if t.shipped < ordered {
                    awaiting.push(Awaiting::Shipment);
                }
                if policy.match_against == MatchBasis::Received && t.received < t.shipped {
                    awaiting.push(Awaiting::Receipt);
                }
                if t.invoiced < basis {
                    awaiting.push(Awaiting::Invoice);
                }
            }
        }

        // Most specific first: quantities, then prices, then whole-invoice findings.
        reasons.sort_by_key(|r| r.code);
        let status = if !reasons.is_empty() {
            MatchStatus::Exception
        } else if variances.shipped.is_some() || variances.invoiced.is_some() || variances.unit_price.is_some() {
            // An invoice total variance within tolerance is the invoice's, not this line's.
            MatchStatus::WithinTolerance
        } else {
            MatchStatus::Matched
        };
        LineMatch {
            result: MatchResult {
                po_number: self.po.po_number.clone(),
                line_no: line_no.to_string(),
                status,
                ordered_quantity: ordered.unwrap_or_default(),
                shipped_quantity: t.shipped,
                received_quantity: t.received_counts.then_some(t.received),
                invoiced_quantity: t.invoiced,
                ordered_unit_price: ordered_price,
                invoiced_unit_price: invoiced_price,
                reasons: reasons.iter().map(|r| r.code.as_str().to_string()).collect(),
            },
            exceptions: reasons,
            variances,
            awaiting,
            manual_override: None,
        }
    }

    fn apply_override(&self, line: &mut LineMatch) {
        let Some(record) = self.overrides.get(line.line_no()) else { return };
        line.manual_override = Some(record.clone());
        if line.status() == MatchStatus::Exception && line.exceptions.iter().all(|r| record.accepted.contains(&r.code))
        {
            line.result.status = MatchStatus::WithinTolerance;
        }
    }
}

/// Where a document line lands: a PO line (by index) or a line nobody ordered.
#[derive(Debug, Clone)]
enum Target {
    Line(usize),
    Stray(String),
}

#[derive(Debug, Clone, Default)]
struct Tally {
    shipped: Decimal,
    received: Decimal,
    received_counts: bool,
    invoiced: Decimal,
    invoiced_prices: Vec<Decimal>,
    invoice_total: Option<Variance>,
    /// Findings about whole documents (charges, totals, duplicates) that touch the line.
    reasons: Vec<Reason>,
}

impl Tally {
    fn push_reason(&mut self, reason: &Reason) {
        if !self.reasons.contains(reason) {
            self.reasons.push(reason.clone());
        }
    }
}

struct Tallies {
    lines: Vec<Tally>,
    strays: BTreeMap<String, Tally>,
}

impl Tallies {
    fn at(&mut self, target: Target) -> &mut Tally {
        match target {
            Target::Line(i) => &mut self.lines[i],
            Target::Stray(key) => self.strays.entry(key).or_default(),
        }
    }
}

fn signed(charge: &Charge) -> Decimal {
    match charge.kind {
        ChargeKind::Charge => charge.amount,
        ChargeKind::Allowance => -charge.amount,
    }
}

fn same_line_no(a: &str, b: &str) -> bool {
    a.trim_start_matches('0') == b.trim_start_matches('0')
}

fn same_item(a: &ItemRef, b: &ItemRef) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| x.is_some() && x == y;
    let trade_numbers = |i: &ItemRef| {
        [&i.gtin, &i.upc].into_iter().flatten().map(|n| n.trim_start_matches('0').to_string()).collect::<Vec<_>>()
    };
    same(&a.sku, &b.sku)
        || same(&a.vendor_part, &b.vendor_part)
        || same(&a.buyer_part, &b.buyer_part)
        || trade_numbers(a).iter().any(|n| trade_numbers(b).contains(n))
}

fn item_label(item: &ItemRef) -> Option<String> {
    [
        ("sku", &item.sku),
        ("gtin", &item.gtin),
        ("upc", &item.upc),
        ("vendor_part", &item.vendor_part),
        ("buyer_part", &item.buyer_part),
    ]
    .into_iter()
    .find_map(|(kind, id)| id.as_ref().map(|id| format!("{kind}:{id}")))
}

/// Same number, or (a resend under a new number) same date, lines and total.
fn is_duplicate(invoice: &Invoice, earlier: &Invoice) -> bool {
    let lines = |i: &Invoice| {
        let mut lines: Vec<_> =
            i.lines.iter().map(|l| (l.line_no.clone(), l.quantity.normalize(), l.unit_price.normalize())).collect();
        lines.sort();
        lines
    };
    invoice.invoice_number == earlier.invoice_number
        || (invoice.invoice_date == earlier.invoice_date
            && invoice.totals.total_amount == earlier.totals.total_amount
            && lines(invoice) == lines(earlier))
}
