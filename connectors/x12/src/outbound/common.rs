//! What every set module shares: element text for canonical values (decimals, dates,
//! codes), and the segment groups many sets repeat (N1 party loops, REF, DTM, product
//! id pairs, PID descriptions).

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use crossdock_model::{Carrier, Charge, ChargeKind, Contact, ItemRef, Party, PaymentTerms, Purpose, Reference, Uom};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{Release, SetOut};
use crate::writer::WriteError;

/// A canonical value as the text of one X12 data element.
pub(crate) trait Element {
    fn text(&self) -> Cow<'_, str>;
}

impl Element for str {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl Element for String {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: Element + ?Sized> Element for &T {
    fn text(&self) -> Cow<'_, str> {
        (**self).text()
    }
}

/// Absent values are empty elements (the writer drops trailing ones).
impl<T: Element> Element for Option<T> {
    fn text(&self) -> Cow<'_, str> {
        self.as_ref().map_or(Cow::Borrowed(""), Element::text)
    }
}

impl Element for Decimal {
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(decimal(*self))
    }
}

impl Element for NaiveDate {
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(ccyymmdd(*self))
    }
}

impl Element for NaiveTime {
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(time(*self))
    }
}

impl Element for Uom {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl Element for u32 {
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl Element for usize {
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

/// Writes one segment from canonical values: `seg!(out, "PO1", line.line_no, line.quantity, line.uom)?`.
macro_rules! seg {
    ($out:expr, $id:literal $(, $e:expr)* $(,)?) => {
        $out.segment($id, &[$(crate::outbound::common::Element::text(&$e).as_ref()),*])
    };
}
pub(crate) use seg;

/// An X12 `R` (decimal) value: no exponent, no trailing zeros, no float on the way.
pub(crate) fn decimal(d: Decimal) -> String {
    if d.is_zero() {
        return "0".into();
    }
    // What `d.normalize().to_string()` writes, without the formatting machinery: the
    // mantissa's digits with the point `scale` digits from the right.
    let n = d.normalize();
    let digits = n.mantissa().unsigned_abs().to_string();
    let scale = n.scale() as usize;
    let mut s = String::with_capacity(digits.len() + scale + 3);
    if n.is_sign_negative() {
        s.push('-');
    }
    if scale == 0 {
        s.push_str(&digits);
    } else if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    } else {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', scale - digits.len()));
        s.push_str(&digits);
    }
    s
}

/// `CCYYMMDD`, as `date.format("%Y%m%d")` writes it.
pub(crate) fn ccyymmdd(date: NaiveDate) -> String {
    let y = date.year();
    if !(0..=9999).contains(&y) {
        return date.format("%Y%m%d").to_string();
    }
    let mut s = String::with_capacity(8);
    for v in [y as u32 / 100, y as u32 % 100, date.month(), date.day()] {
        s.push(char::from(b'0' + (v / 10) as u8));
        s.push(char::from(b'0' + (v % 10) as u8));
    }
    s
}

/// An X12 `N2` value (implied two decimal places): `123.45` is written `12345`. More
/// precise amounts are rounded half away from zero, as money is.
pub(crate) fn implied2(d: Decimal) -> Result<String, WriteError> {
    let cents = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero).checked_mul(Decimal::ONE_HUNDRED);
    cents.map(|c| decimal(c.trunc())).ok_or_else(|| WriteError::Invalid(format!("amount {d} is too large to send")))
}

/// Adds amounts, failing rather than overflowing.
pub(crate) fn checked_sum(values: impl IntoIterator<Item = Option<Decimal>>) -> Result<Decimal, WriteError> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| v.and_then(|v| acc.checked_add(v)))
        .ok_or_else(|| WriteError::Invalid("a total is too large to send".into()))
}

/// `HHMM`, or `HHMMSS` when the seconds matter (fractions are not sent).
pub(crate) fn time(t: NaiveTime) -> String {
    if t.second() == 0 {
        t.format("%H%M").to_string()
    } else {
        t.format("%H%M%S").to_string()
    }
}

/// X12 DE 353, transaction set purpose (BEG01, BAK01, BSN01).
pub(crate) fn purpose(p: Purpose) -> &'static str {
    match p {
        Purpose::Original => "00",
        Purpose::Cancellation => "01",
        Purpose::Change => "04",
        Purpose::Replace => "05",
        Purpose::Confirmation => "06",
        Purpose::Duplicate => "07",
    }
}

/// The X12 CTT02 hash total: the values summed without regard to their decimal points
/// (`1.5` counts 15), truncated to the ten rightmost digits.
pub(crate) fn hash_total(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    let sum = values.into_iter().fold(0u128, |acc, v| {
        let digits = v.normalize().abs().mantissa().unsigned_abs();
        (acc + digits) % 10_000_000_000
    });
    Decimal::from(sum as u64)
}

/// A product id qualifier (X12 DE 235) and the id.
pub(crate) type IdPair<'a> = (&'a str, &'a str);

/// The product id pairs of an item, in the order Crossdock writes them: UPC (`UP`),
/// GTIN (`EN`), vendor part (`VN`), buyer part (`BP`), SKU (`SK`), then every other id
/// by its own qualifier.
pub(crate) fn item_ids(item: &ItemRef) -> Vec<IdPair<'_>> {
    let named =
        [("UP", &item.upc), ("EN", &item.gtin), ("VN", &item.vendor_part), ("BP", &item.buyer_part), ("SK", &item.sku)];
    let named = named.into_iter().filter_map(|(q, v)| v.as_deref().map(|v| (q, v)));
    named.chain(item.other_ids.iter().map(|r| (r.qualifier.as_str(), r.value.as_str()))).collect()
}

/// The item's ids as flat qualifier/value elements for a segment with room for `slots`
/// pairs (PO1 and IT1 have 10, LIN 15); an item with more ids than that cannot be sent.
pub(crate) fn id_pairs<'a>(item: &'a ItemRef, slots: usize, segment: &str) -> Result<Vec<&'a str>, WriteError> {
    let ids = item_ids(item);
    if ids.len() > slots {
        return Err(WriteError::Invalid(format!(
            "{segment} has room for {slots} product ids, the item has {}: {}",
            ids.len(),
            ids.iter().map(|(q, v)| format!("{q} {v}")).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(ids.into_iter().flat_map(|(q, v)| [q, v]).collect())
}

/// The warehouse sets' item ids: the U.P.C. case code (the item's `UA` id) has its own
/// element, the others fill `slots` qualifier/id pairs.
pub(crate) fn upc_case_and_ids<'a>(
    item: &'a ItemRef,
    slots: usize,
    segment: &str,
) -> Result<(&'a str, Vec<IdPair<'a>>), WriteError> {
    let mut ids = item_ids(item);
    let upc_case = ids.iter().position(|(q, _)| *q == "UA").map_or("", |i| ids.remove(i).1);
    if ids.len() > slots {
        let listed: Vec<String> = ids.iter().map(|(q, v)| format!("{q} {v}")).collect();
        return Err(WriteError::Invalid(format!(
            "{segment} has room for {slots} product ids besides the U.P.C. case code, the item has {}: {}",
            ids.len(),
            listed.join(", ")
        )));
    }
    Ok((upc_case, ids))
}

/// LX01, an `N0` assigned number: the line number when it is one, else the ordinal.
pub(crate) fn assigned_number(line_no: &str, index: usize) -> String {
    let numeric = !line_no.is_empty() && line_no.len() <= 6 && line_no.bytes().all(|b| b.is_ascii_digit());
    if numeric {
        line_no.to_string()
    } else {
        (index + 1).to_string()
    }
}

/// A segment whose elements are some fixed ones followed by product id pairs.
pub(crate) fn with_ids(out: &mut SetOut<'_>, id: &str, head: &[&str], ids: &[&str]) -> Result<(), WriteError> {
    let all: Vec<&str> = head.iter().chain(ids).copied().collect();
    out.segment(id, &all)
}

/// PID*F: the item's free-form description.
pub(crate) fn description(out: &mut SetOut<'_>, item: &ItemRef) -> Result<(), WriteError> {
    match &item.description {
        Some(d) => seg!(out, "PID", "F", "", "", "", d),
        None => Ok(()),
    }
}

pub(crate) fn references(out: &mut SetOut<'_>, refs: &[Reference]) -> Result<(), WriteError> {
    refs.iter().try_for_each(|r| seg!(out, "REF", r.qualifier, r.value, r.description))
}

/// DTM with its DE 374 qualifier; the time only when there is one.
pub(crate) fn dtm(
    out: &mut SetOut<'_>,
    qualifier: &str,
    date: NaiveDate,
    time: Option<NaiveTime>,
) -> Result<(), WriteError> {
    seg!(out, "DTM", qualifier, date, time)
}

/// CUR: the entity whose currency it is (`BY` buyer, `SE` seller) and the ISO code.
pub(crate) fn currency(out: &mut SetOut<'_>, entity: &str, code: Option<&str>) -> Result<(), WriteError> {
    match code {
        Some(c) => seg!(out, "CUR", entity, c),
        None => Ok(()),
    }
}

/// Which segments a set's N1 loop allows besides N1..N4.
#[derive(Clone, Copy)]
pub(crate) struct PartyLoop {
    pub references: bool,
    pub contacts: bool,
}

impl PartyLoop {
    /// N1, N2, N3, N4, REF, PER: the 850, 855, 856, 810, 846 loop.
    pub const FULL: PartyLoop = PartyLoop { references: true, contacts: true };
    /// N1, N2, N3, N4, PER: the warehouse sets (940, 945) have no REF in their N1 loop.
    pub const WAREHOUSE: PartyLoop = PartyLoop { references: false, contacts: true };
}

/// One N1 loop: N1 (role, name, id), N3 (two address lines each), N4, REF, PER. The
/// role is the party's own, or `role` when it has none.
pub(crate) fn party(out: &mut SetOut<'_>, p: &Party, role: &str, allowed: PartyLoop) -> Result<(), WriteError> {
    let role = p.role.as_deref().unwrap_or(role);
    let (qualifier, code) = p.id.as_ref().map_or(("", ""), |r| (r.qualifier.as_str(), r.value.as_str()));
    seg!(out, "N1", role, p.name, qualifier, code)?;
    // A blank line cannot be sent (N301 is mandatory, and blanks read back as nothing).
    let lines: Vec<&str> = p.address.lines.iter().map(String::as_str).filter(|l| !l.trim().is_empty()).collect();
    for pair in lines.chunks(2) {
        seg!(out, "N3", pair[0], pair.get(1))?;
    }
    let a = &p.address;
    if a.city.is_some() || a.region.is_some() || a.postal_code.is_some() || a.country.is_some() {
        seg!(out, "N4", a.city, a.region, a.postal_code, a.country)?;
    }
    if allowed.references {
        references(out, &p.references)?;
    }
    if allowed.contacts {
        contacts(out, &p.contacts)?;
    }
    Ok(())
}

/// Several N1 loops; `roles` gives the role for parties that carry none.
pub(crate) fn parties<'p>(
    out: &mut SetOut<'_>,
    list: impl IntoIterator<Item = (&'p Party, &'p str)>,
    allowed: PartyLoop,
) -> Result<(), WriteError> {
    list.into_iter().try_for_each(|(p, role)| party(out, p, role, allowed))
}

/// PER: contact function (`IC` information contact when none is given), name, phone
/// (`TE`), e-mail (`EM`).
pub(crate) fn contacts(out: &mut SetOut<'_>, list: &[Contact]) -> Result<(), WriteError> {
    for c in list {
        let mut comm: Vec<&str> = Vec::with_capacity(4);
        if let Some(p) = &c.phone {
            comm.extend(["TE", p]);
        }
        if let Some(e) = &c.email {
            comm.extend(["EM", e]);
        }
        let role = c.role.as_deref().unwrap_or("IC");
        let name = c.name.as_deref().unwrap_or("");
        let all: Vec<&str> = [role, name].into_iter().chain(comm).collect();
        out.segment("PER", &all)?;
    }
    Ok(())
}

/// ITD: type, basis date, discount percent, discount days, net days, description.
pub(crate) fn terms(out: &mut SetOut<'_>, t: &PaymentTerms) -> Result<(), WriteError> {
    // ITD: 01 type, 02 basis date, 03 discount %, 04 discount due date, 05 discount days,
    // 06 net due date, 07 net days, 08 discount amount, 09..11, 12 description.
    seg!(
        out,
        "ITD",
        t.type_code,
        t.basis_date_code,
        t.discount_percent,
        "",
        t.discount_days,
        "",
        t.net_days,
        "",
        "",
        "",
        "",
        t.description
    )
}

/// TD5: carrier code (TD503) with its qualifier (TD502, `2` SCAC by default), transport
/// method (TD504), routing (TD505), service level (TD512).
pub(crate) fn carrier(out: &mut SetOut<'_>, c: &Carrier) -> Result<(), WriteError> {
    let qualifier = c.code.as_ref().map(|_| c.code_qualifier.as_deref().unwrap_or("2"));
    seg!(out, "TD5", "", qualifier, c.code, c.transport_method, c.routing, "", "", "", "", "", "", c.service_level)
}

/// SAC: allowance (`A`) or charge (`C`), its DE 1300 code, the amount (N2, SAC05) and a
/// description (SAC15).
pub(crate) fn charge(out: &mut SetOut<'_>, c: &Charge) -> Result<(), WriteError> {
    let indicator = match c.kind {
        ChargeKind::Allowance => "A",
        ChargeKind::Charge => "C",
    };
    let amount = implied2(c.amount)?;
    seg!(out, "SAC", indicator, c.code, "", "", amount, "", "", "", "", "", "", "", "", "", c.description)
}

/// Free-form notes: an N9 L1 (letters or notes) loop with the text in MSG before 005010
/// and in MTX from 005010 on, where MTX replaced MSG in the N9 loops. The N9 is the
/// document's own L1 reference when it has one ([`note_heading`]; it is then not repeated
/// as a REF), else `N9*L1*NOTES`.
pub(crate) fn notes(out: &mut SetOut<'_>, heading: Option<&Reference>, notes: &[String]) -> Result<(), WriteError> {
    if notes.is_empty() {
        return Ok(());
    }
    match heading {
        Some(r) => seg!(out, "N9", r.qualifier, r.value, r.description)?,
        None => seg!(out, "N9", "L1", "NOTES")?,
    }
    for n in notes {
        match out.release {
            Release::V4010 => seg!(out, "MSG", n)?,
            Release::V5010 => seg!(out, "MTX", "", n)?,
        }
    }
    Ok(())
}

/// The L1 reference that heads the notes' N9, when there are notes and such a reference.
pub(crate) fn note_heading<'r>(refs: &'r [Reference], notes: &[String]) -> Option<&'r Reference> {
    if notes.is_empty() {
        return None;
    }
    refs.iter().find(|r| r.qualifier == "L1")
}

/// REF for every reference but `except` (one written elsewhere, as an N9).
pub(crate) fn references_except(
    out: &mut SetOut<'_>,
    refs: &[Reference],
    except: Option<&Reference>,
) -> Result<(), WriteError> {
    let others = refs.iter().filter(|r| !except.is_some_and(|e| std::ptr::eq(*r, e)));
    others.into_iter().try_for_each(|r| seg!(out, "REF", r.qualifier, r.value, r.description))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn decimals_are_written_as_normalize_displays_them() {
        for v in [
            "0",
            "-0",
            "0.000",
            "1",
            "-1",
            "10",
            "100.00",
            "1.5",
            "-1.50",
            "0.25",
            "-0.0025",
            "0.0000001",
            "12345.678900",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "7922816251426433759354395033.5",
            "-1000000",
        ] {
            let d = Decimal::from_str(v).unwrap();
            let want = if d.is_zero() { "0".to_string() } else { d.normalize().to_string() };
            assert_eq!(super::decimal(d), want, "{v}");
        }
    }

    #[test]
    fn dates_are_written_as_chrono_formats_them() {
        for (y, m, d) in [(2026, 11, 21), (1999, 1, 1), (5, 3, 9), (9999, 12, 31), (-1, 6, 15), (10000, 1, 2)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(super::ccyymmdd(date), date.format("%Y%m%d").to_string(), "{date}");
        }
    }
}
