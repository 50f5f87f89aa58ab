//! What every set shares: values (numbers, dates, times) read with error reporting, and
//! the segments that mean the same thing everywhere (N1 loops, REF/N9/L11, DTM/G62, PID,
//! TD5, ITD, SAC, PER) turned into canonical parts.

use chrono::{NaiveDate, NaiveTime};
use crossdock_model::{
    Address, Carrier, Charge, ChargeKind, Contact, DatedEvent, ItemRef, Party, PaymentTerms, Purpose, Reference, Uom,
};
use rust_decimal::Decimal;

use crate::issue::ElementCode;
use crate::reader::Segment;

use super::Cx;

// ---- values -------------------------------------------------------------------------

impl Cx<'_> {
    /// An `R` (decimal) element: `-`, digits and at most one `.`, read exactly.
    pub fn decimal(&mut self, seg: &Segment<'_>, n: usize, de: u32) -> Option<Decimal> {
        let v = seg.text(n)?;
        let parsed = is_decimal(v).then(|| v.parse::<Decimal>().ok()).flatten();
        if parsed.is_none() {
            self.bad(
                seg,
                n,
                ElementCode::InvalidCharacter,
                Some(de),
                format!("{}{n:02} {v:?} is not a decimal number", seg.id()),
            );
        }
        parsed
    }

    /// An `N2` element: an integer with two implied decimals (`255438` is 2554.38). A value
    /// written with its decimal point is taken as written, with a warning.
    pub fn implied2(&mut self, seg: &Segment<'_>, n: usize, de: u32) -> Option<Decimal> {
        let v = seg.text(n)?;
        if v.contains('.') && is_decimal(v) {
            let d = v.parse::<Decimal>().ok()?;
            self.warn(
                seg,
                format!(
                    "{}{n:02} {v:?} has a decimal point where the standard implies two decimals; read as {d}",
                    seg.id()
                ),
            );
            return Some(d);
        }
        let digits = v.strip_prefix('-').unwrap_or(v);
        let parsed = (!digits.is_empty() && digits.len() <= 27 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse::<i128>().ok().and_then(|i| Decimal::try_from_i128_with_scale(i, 2).ok()))
            .flatten();
        if parsed.is_none() {
            self.bad(
                seg,
                n,
                ElementCode::InvalidCharacter,
                Some(de),
                format!("{}{n:02} {v:?} is not a number with two implied decimals", seg.id()),
            );
        }
        parsed
    }

    /// An `N0` element (a count, a position).
    pub fn count(&mut self, seg: &Segment<'_>, n: usize, de: u32) -> Option<u32> {
        let v = seg.text(n)?;
        let parsed = v.bytes().all(|b| b.is_ascii_digit()).then(|| v.parse::<u32>().ok()).flatten();
        if parsed.is_none() {
            self.bad(
                seg,
                n,
                ElementCode::InvalidCharacter,
                Some(de),
                format!("{}{n:02} {v:?} is not a whole number", seg.id()),
            );
        }
        parsed
    }

    /// A `DT` element: CCYYMMDD, or YYMMDD (003xxx and older; century windowed, 00-49 are
    /// 20xx). A six-digit date in 004010 or later is read the same way, with a warning.
    pub fn date(&mut self, seg: &Segment<'_>, n: usize, de: u32) -> Option<NaiveDate> {
        let v = seg.text(n)?;
        let parsed = parse_date(v);
        match parsed {
            None => self.bad(
                seg,
                n,
                ElementCode::InvalidDate,
                Some(de),
                format!("{}{n:02} {v:?} is not a valid date (CCYYMMDD)", seg.id()),
            ),
            Some(d) if v.len() == 6 && !self.before_004() => self.warn(
                seg,
                format!("{}{n:02} {v:?} is YYMMDD where {} uses CCYYMMDD; read as {d}", seg.id(), self.release),
            ),
            Some(_) => {}
        }
        parsed
    }

    /// A `TM` element: HHMM, HHMMSS, or HHMMSS with decimal seconds.
    pub fn time(&mut self, seg: &Segment<'_>, n: usize, de: u32) -> Option<NaiveTime> {
        let v = seg.text(n)?;
        let parsed = parse_time(v);
        if parsed.is_none() {
            self.bad(
                seg,
                n,
                ElementCode::InvalidTime,
                Some(de),
                format!("{}{n:02} {v:?} is not a valid time (HHMM[SS])", seg.id()),
            );
        }
        parsed
    }

    /// An `ID` element that must be one of `codes`.
    pub fn code<'s>(&mut self, seg: &Segment<'s>, n: usize, de: u32, codes: &[&str]) -> Option<&'s str> {
        let v = seg.text(n)?;
        if codes.contains(&v) {
            return Some(v);
        }
        self.bad(
            seg,
            n,
            ElementCode::InvalidCode,
            Some(de),
            format!("{}{n:02} {v:?} is not one of {}", seg.id(), codes.join(", ")),
        );
        None
    }

    /// The unit of measure in element `n`, `EA` (with a warning) when none is given.
    pub fn uom(&mut self, seg: &Segment<'_>, n: usize) -> Uom {
        match seg.text(n) {
            Some(u) => Uom::from(u),
            None => {
                self.warn(seg, format!("{}{n:02} gives no unit of measure; EA assumed", seg.id()));
                Uom::each()
            }
        }
    }

    /// Compares a total the sender declared with the one computed from the lines.
    pub fn check_total(&mut self, seg: &Segment<'_>, what: &str, declared: Decimal, computed: &[Decimal]) {
        if computed.iter().all(|c| *c != declared) {
            let figures: Vec<String> = computed.iter().map(|c| c.normalize().to_string()).collect();
            self.warn(
                seg,
                format!(
                    "{what}: the sender declares {}, the lines add up to {}",
                    declared.normalize(),
                    figures.join(" or ")
                ),
            );
        }
    }
}

fn is_decimal(v: &str) -> bool {
    let body = v.strip_prefix('-').unwrap_or(v);
    let mut dots = 0;
    let mut digits = 0;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => dots += 1,
            _ => return false,
        }
    }
    digits > 0 && dots <= 1 && digits <= 28
}

pub(crate) fn parse_date(v: &str) -> Option<NaiveDate> {
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, rest) = match v.len() {
        8 => (v[..4].parse::<i32>().ok()?, &v[4..]),
        6 => {
            let yy = v[..2].parse::<i32>().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &v[2..])
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, rest[..2].parse().ok()?, rest[2..].parse().ok()?)
}

pub(crate) fn parse_time(v: &str) -> Option<NaiveTime> {
    if !v.bytes().all(|b| b.is_ascii_digit()) || !matches!(v.len(), 4 | 6 | 7 | 8) {
        return None;
    }
    let h = v[..2].parse().ok()?;
    let m = v[2..4].parse().ok()?;
    let s = if v.len() >= 6 { v[4..6].parse().ok()? } else { 0 };
    NaiveTime::from_hms_opt(h, m, s)
}

/// CTT: the number of line items (01) and the hash total (02) the sender declares,
/// compared with what the lines give (any of `counts`, any of `hashes`: senders differ in
/// what they count).
pub(crate) fn ctt(
    cx: &mut Cx<'_>,
    seg: &Segment<'_>,
    what: &str,
    counts: &[usize],
    hashes: &[Decimal],
) -> (Option<u32>, Option<Decimal>) {
    let count = cx.count(seg, 1, 354);
    let hash = cx.decimal(seg, 2, 347);
    if let Some(n) = count {
        let counts: Vec<Decimal> = counts.iter().map(|&c| Decimal::from(c)).collect();
        cx.check_total(seg, &format!("CTT01 number of {what}"), Decimal::from(n), &counts);
    }
    if let (Some(h), false) = (hash, hashes.is_empty()) {
        cx.check_total(seg, "CTT02 hash total of quantities", h, hashes);
    }
    (count, hash)
}

/// Owned text of element `n`, trimmed, when present.
pub(crate) fn text(seg: &Segment<'_>, n: usize) -> Option<String> {
    seg.text(n).map(str::to_string)
}

/// Checked `a * b`, for line amounts.
pub(crate) fn times(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_mul(b)
}

// ---- parties ------------------------------------------------------------------------

/// A party from N1: role (N101), name (N102), id as qualifier N103 + code N104.
pub(crate) fn party(seg: &Segment<'_>) -> Party {
    let id = seg.text(4).map(|code| Reference {
        qualifier: seg.text(3).unwrap_or_default().to_string(),
        value: code.to_string(),
        description: None,
    });
    Party { role: text(seg, 1), name: text(seg, 2), id, ..Party::default() }
}

/// Adds an N2 / N3 / N4 / PER / REF of an N1 loop to its party; false for other segments.
pub(crate) fn add_to_party(party: &mut Party, seg: &Segment<'_>) -> bool {
    match seg.id() {
        // Additional names are attention lines more often than not: kept on the address,
        // unless they repeat the name.
        "N2" => {
            for n in [1, 2] {
                if let Some(v) = seg.text(n).filter(|v| party.name.as_deref() != Some(*v)) {
                    party.address.lines.push(v.to_string());
                }
            }
        }
        "N3" => party.address.lines.extend([1, 2].iter().filter_map(|&n| text(seg, n))),
        "N4" => {
            let a: &mut Address = &mut party.address;
            a.city = a.city.take().or_else(|| text(seg, 1));
            a.region = a.region.take().or_else(|| text(seg, 2));
            a.postal_code = a.postal_code.take().or_else(|| text(seg, 3));
            a.country = a.country.take().or_else(|| text(seg, 4));
        }
        "PER" => party.contacts.push(contact(seg)),
        "REF" => party.references.extend(reference(seg)),
        _ => return false,
    }
    true
}

/// A PER: role, name, and the first phone (TE) and e-mail (EM) among its three
/// communication number pairs.
pub(crate) fn contact(seg: &Segment<'_>) -> Contact {
    let mut c = Contact { role: text(seg, 1), name: text(seg, 2), ..Contact::default() };
    for q in [3, 5, 7] {
        let (Some(kind), Some(number)) = (seg.text(q), text(seg, q + 1)) else { continue };
        match kind {
            "TE" if c.phone.is_none() => c.phone = Some(number),
            "EM" if c.email.is_none() => c.email = Some(number),
            _ => {}
        }
    }
    c
}

/// Removes and returns the first party playing one of `roles` (in document order).
pub(crate) fn take_role(parties: &mut Vec<Party>, roles: &[&str]) -> Option<Party> {
    let i = parties.iter().position(|p| p.role.as_deref().is_some_and(|r| roles.contains(&r)))?;
    Some(parties.remove(i))
}

/// The N1 loops of one area of a set: N1 opens a party, N2/N3/N4/PER/REF complete it.
#[derive(Default)]
pub(crate) struct Parties(pub Vec<Party>);

impl Parties {
    /// Takes the N1 or one of its loop's segments; false for anything else.
    pub fn take(&mut self, seg: &Segment<'_>) -> bool {
        if seg.id() == "N1" {
            self.0.push(party(seg));
            return true;
        }
        match self.0.last_mut() {
            Some(p) => add_to_party(p, seg),
            None => false,
        }
    }
}

// ---- references, dates, notes -----------------------------------------------------

/// REF and N9: qualifier (01), value (02, or the description 03 when 02 is empty).
pub(crate) fn reference(seg: &Segment<'_>) -> Option<Reference> {
    let qualifier = text(seg, 1)?;
    match (text(seg, 2), text(seg, 3)) {
        (Some(value), description) => Some(Reference { qualifier, value, description }),
        (None, Some(value)) => Some(Reference { qualifier, value, description: None }),
        (None, None) => None,
    }
}

/// DTM: qualifier (374), date (373), time (337).
pub(crate) fn dtm(cx: &mut Cx<'_>, seg: &Segment<'_>) -> Option<DatedEvent> {
    let qualifier = text(seg, 1)?;
    let date = cx.date(seg, 2, 373)?;
    Some(DatedEvent { qualifier, date, time: cx.time(seg, 3, 337) })
}

/// G62: date qualifier (432) and date in 01/02, time in 04 (its qualifier 03 is dropped).
pub(crate) fn g62(cx: &mut Cx<'_>, seg: &Segment<'_>) -> Option<DatedEvent> {
    let date = cx.date(seg, 2, 373)?;
    Some(DatedEvent { qualifier: text(seg, 1).unwrap_or_default(), date, time: cx.time(seg, 4, 337) })
}

/// Free text of MSG (01), NTE (02) or MTX (02: 005010 replaced MSG with MTX in N9 loops).
pub(crate) fn note(seg: &Segment<'_>) -> Option<String> {
    match seg.id() {
        "MSG" => text(seg, 1),
        "NTE" | "MTX" => text(seg, 2),
        _ => None,
    }
}

/// BEG01 / BAK01 / BSN01 (DE 353). Codes without a canonical meaning read as original.
pub(crate) fn purpose(cx: &mut Cx<'_>, seg: &Segment<'_>, n: usize) -> Purpose {
    match seg.text(n) {
        None | Some("00") | Some("14") | Some("49") => Purpose::Original,
        Some("01") | Some("03") => Purpose::Cancellation,
        Some("04") => Purpose::Change,
        Some("05") | Some("18") => Purpose::Replace,
        Some("06") => Purpose::Confirmation,
        Some("07") | Some("22") => Purpose::Duplicate,
        Some(other) => {
            cx.warn(seg, format!("{}{n:02} purpose {other:?} has no canonical equivalent; read as original", seg.id()));
            Purpose::Original
        }
    }
}

// ---- items --------------------------------------------------------------------------

/// Puts one product id where it belongs by its qualifier (DE 235): UP -> upc, EN/UK ->
/// gtin, VN/VP/VC -> vendor_part, BP/IN/CB/PI -> buyer_part, SK -> sku, PD (a part
/// description) -> description. Every other qualifier, and a second id for a field
/// already set, goes to `other_ids`.
pub(crate) fn add_id(item: &mut ItemRef, qualifier: &str, value: &str) {
    let slot = match qualifier {
        "UP" => &mut item.upc,
        "EN" | "UK" => &mut item.gtin,
        "VN" | "VP" | "VC" => &mut item.vendor_part,
        "BP" | "IN" | "CB" | "PI" => &mut item.buyer_part,
        "SK" => &mut item.sku,
        // PD is "part number description": a description sent as an id.
        "PD" => &mut item.description,
        _ => {
            return item.other_ids.push(Reference {
                qualifier: qualifier.to_string(),
                value: value.to_string(),
                description: None,
            })
        }
    };
    match slot {
        None => *slot = Some(value.to_string()),
        Some(v) if v == value => {}
        Some(_) => item.other_ids.push(Reference {
            qualifier: qualifier.to_string(),
            value: value.to_string(),
            description: None,
        }),
    }
}

/// The qualifier/id pairs of a line segment from element `first` on (PO106/07, IT106/07,
/// LIN02/03, W0104/05, ACK07/08, ...), up to element `last`.
pub(crate) fn item_ids(item: &mut ItemRef, seg: &Segment<'_>, first: usize, last: usize) {
    let end = seg.element_count().min(last);
    for q in (first..end).step_by(2) {
        if let Some(value) = seg.text(q + 1) {
            add_id(item, seg.text(q).unwrap_or_default(), value);
        }
    }
}

pub(crate) fn item_from(seg: &Segment<'_>, first: usize, last: usize) -> ItemRef {
    let mut item = ItemRef::default();
    item_ids(&mut item, seg, first, last);
    item
}

/// PID (and G69): free-form descriptions. The first one is the description; later ones
/// (colour, size, ...) are appended to it.
pub(crate) fn describe(item: &mut ItemRef, seg: &Segment<'_>) {
    let text = match seg.id() {
        "PID" => seg.text(5),
        _ => seg.text(1),
    };
    if let Some(t) = text {
        item.description = Some(match item.description.take() {
            Some(d) if d != t => format!("{d}, {t}"),
            _ => t.to_string(),
        });
    }
}

// ---- transport, terms, charges ----------------------------------------------------

/// TD5: id qualifier (02) and code (03, the SCAC when 02 is `2`), mode (04), routing
/// (05), service level (12). A later TD5 only fills what an earlier one left empty.
pub(crate) fn td5(carrier: &mut Option<Carrier>, seg: &Segment<'_>) {
    let c = carrier.get_or_insert_with(Carrier::default);
    c.code_qualifier = c.code_qualifier.take().or_else(|| text(seg, 2));
    c.code = c.code.take().or_else(|| text(seg, 3));
    c.transport_method = c.transport_method.take().or_else(|| text(seg, 4));
    c.routing = c.routing.take().or_else(|| text(seg, 5));
    c.service_level = c.service_level.take().or_else(|| text(seg, 12));
}

/// ITD: type (01), basis date (02), discount % (03), discount days (05), net days (07),
/// description (12).
pub(crate) fn itd(cx: &mut Cx<'_>, seg: &Segment<'_>) -> PaymentTerms {
    PaymentTerms {
        type_code: text(seg, 1),
        basis_date_code: text(seg, 2),
        discount_percent: cx.decimal(seg, 3, 338),
        discount_days: cx.count(seg, 5, 351),
        net_days: cx.count(seg, 7, 386),
        description: text(seg, 12),
    }
}

/// SAC: allowance or charge (01 `A`/`C`; `N`, informational, is skipped), code (02),
/// amount (05, N2), description (15). A SAC without an amount (percent or rate only) is
/// not computed by Crossdock: skipped with a warning.
pub(crate) fn sac(cx: &mut Cx<'_>, seg: &Segment<'_>) -> Option<Charge> {
    let kind = match cx.code(seg, 1, 248, &["A", "C", "N"])? {
        "A" => ChargeKind::Allowance,
        "C" => ChargeKind::Charge,
        _ => return None,
    };
    let Some(amount) = cx.implied2(seg, 5, 610) else {
        cx.warn(seg, "SAC without an amount (SAC05) is not applied".to_string());
        return None;
    };
    Some(Charge { kind, code: text(seg, 2), amount, description: text(seg, 15) })
}

/// A charge's effect on a total: charges add, allowances subtract.
pub(crate) fn signed(c: &Charge) -> Decimal {
    match c.kind {
        ChargeKind::Charge => c.amount,
        ChargeKind::Allowance => -c.amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("20101127"), NaiveDate::from_ymd_opt(2010, 11, 27));
        assert_eq!(parse_date("070102"), NaiveDate::from_ymd_opt(2007, 1, 2));
        assert_eq!(parse_date("991205"), NaiveDate::from_ymd_opt(1999, 12, 5));
        assert_eq!(parse_date("20100231"), None);
        assert_eq!(parse_date("2010113"), None);
        assert_eq!(parse_date("2010-1-1"), None);
        assert_eq!(parse_date("２０１０１１２"), None);
        assert_eq!(parse_time("1719"), NaiveTime::from_hms_opt(17, 19, 0));
        assert_eq!(parse_time("105920"), NaiveTime::from_hms_opt(10, 59, 20));
        assert_eq!(parse_time("2460"), None);
        assert_eq!(parse_time("12"), None);
    }

    #[test]
    fn decimals() {
        assert!(is_decimal("9.25") && is_decimal("-5") && is_decimal(".5") && is_decimal("0008"));
        assert!(
            !is_decimal("1,000") && !is_decimal("1.2.3") && !is_decimal("-") && !is_decimal("1e3") && !is_decimal("+5")
        );
    }

    #[test]
    fn ids_go_to_their_fields() {
        let mut item = ItemRef::default();
        for (q, v) in [
            ("UP", "012345678905"),
            ("VN", "AB1"),
            ("VC", "AB2"),
            ("SK", "S1"),
            ("BP", "B1"),
            ("EN", "9781"),
            ("GC", "01"),
        ] {
            add_id(&mut item, q, v);
        }
        assert_eq!(item.upc.as_deref(), Some("012345678905"));
        assert_eq!(item.vendor_part.as_deref(), Some("AB1"));
        assert_eq!(item.sku.as_deref(), Some("S1"));
        assert_eq!(item.buyer_part.as_deref(), Some("B1"));
        assert_eq!(item.gtin.as_deref(), Some("9781"));
        let others: Vec<_> = item.other_ids.iter().map(|r| (r.qualifier.as_str(), r.value.as_str())).collect();
        assert_eq!(others, [("VC", "AB2"), ("GC", "01")]);
    }
}
