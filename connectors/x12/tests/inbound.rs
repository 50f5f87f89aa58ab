//! X12 -> canonical mapping on real documents (tests/corpus, byte-for-byte copies of
//! public fixtures) and on small crafted ones: field by field, plus the acknowledgment
//! codes every error carries.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use crossdock_model::{
    AdviceMode, ChargeKind, Document, FulfillmentRequest, FulfillmentUpdate, FunctionalAck, InventoryAdvice, Invoice,
    ItemRef, PurchaseOrder, PurchaseOrderAck, Purpose, ShipNotice, ShipmentStatus,
};
use crossdock_x12::{map_transaction, ElementCode, Event, Mapped, SegmentCode, SetCode, SetIssue, X12Reader};
use rust_decimal::Decimal;

// ---- helpers ------------------------------------------------------------------------

struct Set {
    id: String,
    /// What the reader found wrong with the set's envelope.
    reader_issues: Vec<SetIssue>,
    mapped: Mapped,
}

fn map_bytes(bytes: &[u8]) -> Vec<Set> {
    let mut r = X12Reader::new(bytes);
    let mut out = Vec::new();
    while let Some(ev) = r.next() {
        if let Event::Transaction(tx) = ev.expect("the input is readable X12") {
            out.push(Set { id: tx.set_id.to_string(), reader_issues: tx.issues.clone(), mapped: map_transaction(&tx) });
        }
    }
    out
}

fn map_file(name: &str) -> Vec<Set> {
    let path = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    map_bytes(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The only set of a file, which must be accepted without warnings.
fn clean(name: &str) -> Document {
    let sets = map_file(name);
    assert_eq!(sets.len(), 1, "{name} has one set");
    let m = &sets[0].mapped;
    assert!(m.accepted(), "{name}: {:?} {:?}", m.set_issues, m.segment_issues);
    assert!(m.warnings.is_empty(), "{name}: {:?}", m.warnings);
    m.document.clone().expect("a document")
}

/// A crafted interchange: one group of `gs01` / `version` holding `sets`, each given as
/// (set id, body segments joined with `~`, without ST and SE).
fn interchange(gs01: &str, version: &str, sets: &[(&str, &str)]) -> Vec<u8> {
    let (isa11, isa12) = if version >= "005" { ("^", "00501") } else { ("U", "00401") };
    let mut s = format!("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240301*1200*{isa11}*{isa12}*000000001*0*T*:~");
    s += &format!("GS*{gs01}*SENDER*RECEIVER*20240301*1200*1*X*{version}~");
    for (i, (id, body)) in sets.iter().enumerate() {
        let control = format!("{:04}", i + 1);
        let segments: Vec<&str> = body.split('~').map(str::trim).filter(|x| !x.is_empty()).collect();
        s += &format!("ST*{id}*{control}~");
        for seg in &segments {
            s += &format!("{seg}~");
        }
        s += &format!("SE*{}*{control}~", segments.len() + 2);
    }
    s += &format!("GE*{}*1~IEA*1*000000001~", sets.len());
    s.into_bytes()
}

fn crafted(gs01: &str, version: &str, id: &str, body: &str) -> Mapped {
    let mut sets = map_bytes(&interchange(gs01, version, &[(id, body)]));
    assert_eq!(sets.len(), 1);
    let set = sets.remove(0);
    assert!(set.reader_issues.is_empty(), "the crafted envelope is right: {:?}", set.reader_issues);
    set.mapped
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn datetime(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

macro_rules! as_variant {
    ($name:ident, $variant:ident, $ty:ty) => {
        fn $name(doc: &Document) -> &$ty {
            match doc {
                Document::$variant(x) => x,
                other => panic!("expected {}, got {}", stringify!($variant), other.kind()),
            }
        }
    };
}
as_variant!(po, PurchaseOrder, PurchaseOrder);
as_variant!(poack, PurchaseOrderAck, PurchaseOrderAck);
as_variant!(asn, ShipNotice, ShipNotice);
as_variant!(invoice, Invoice, Invoice);
as_variant!(advice, InventoryAdvice, InventoryAdvice);
as_variant!(request, FulfillmentRequest, FulfillmentRequest);
as_variant!(update, FulfillmentUpdate, FulfillmentUpdate);
as_variant!(fack, FunctionalAck, FunctionalAck);
as_variant!(status, ShipmentStatus, ShipmentStatus);

fn ids(item: &ItemRef) -> Vec<(&str, &str)> {
    item.other_ids.iter().map(|r| (r.qualifier.as_str(), r.value.as_str())).collect()
}

/// One AK3/AK4 pair, flattened: segment id, its position, its loop, the element's
/// position, its data element number, the error code.
type ElementError = (String, u32, Option<String>, u32, Option<u32>, ElementCode);

/// Every element error of a mapped set.
fn element_errors(m: &Mapped) -> Vec<ElementError> {
    m.segment_issues
        .iter()
        .filter(|s| s.code == SegmentCode::ElementErrors)
        .flat_map(|s| {
            s.elements
                .iter()
                .map(move |e| (s.at.segment_id.clone(), s.position, s.loop_id.clone(), e.position, e.reference, e.code))
        })
        .collect()
}

// ---- 850 ------------------------------------------------------------------------------

#[test]
fn po850_vics_retail_order() {
    let doc = clean("nodex12_850_vics.edi");
    let po = po(&doc);
    assert_eq!(po.po_number, "08292233294");
    assert_eq!(po.purpose, Purpose::Original);
    assert_eq!(po.order_type.as_deref(), Some("SA"));
    assert_eq!(po.order_date, date("2010-11-27"));
    assert_eq!(po.requested_delivery_date, Some(date("2010-12-14")));
    let refs: Vec<_> = po.references.iter().map(|r| (r.qualifier.as_str(), r.value.as_str())).collect();
    assert_eq!(refs, [("DP", "038"), ("PS", "R")]);

    let terms = po.terms.as_ref().unwrap();
    assert_eq!((terms.type_code.as_deref(), terms.basis_date_code.as_deref()), (Some("14"), Some("3")));
    assert_eq!((terms.discount_percent, terms.discount_days, terms.net_days), (Some(d("2")), Some(45), Some(46)));
    let carrier = po.carrier.as_ref().unwrap();
    assert_eq!((carrier.code_qualifier.as_deref(), carrier.code.as_deref()), (Some("92"), Some("P3")));
    assert_eq!(carrier.routing.as_deref(), Some("SEE XYZ RETAIL ROUTING GUIDE"));

    let st = po.ship_to.as_ref().unwrap();
    assert_eq!(st.name.as_deref(), Some("XYZ RETAIL"));
    let id = st.id.as_ref().unwrap();
    assert_eq!((id.qualifier.as_str(), id.value.as_str()), ("9", "0003947268292"));
    assert_eq!(st.address.lines, ["31875 SOLON RD"]);
    assert_eq!(
        (st.address.city.as_deref(), st.address.region.as_deref(), st.address.postal_code.as_deref()),
        (Some("SOLON"), Some("OH"), Some("44139"))
    );
    assert!(po.bill_to.is_none() && po.buyer.is_none() && po.seller.is_none() && po.parties.is_empty());

    let expected = [
        ("1", "120", "9.25", "065322-117", "AB3542", "SMALL WIDGET", ("4", "4", Some("PLT94"))),
        ("2", "220", "13.79", "066850-116", "RD5322", "MEDIUM WIDGET", ("2", "2", None)),
        ("3", "126", "10.99", "060733-110", "XY5266", "LARGE WIDGET", ("6", "1", Some("PLT94"))),
        ("4", "76", "4.35", "065308-116", "VX2332", "NANO WIDGET", ("4", "4", Some("PLT94"))),
        ("5", "72", "7.5", "065374-118", "RV0524", "BLUE WIDGET", ("4", "4", None)),
        ("6", "696", "9.55", "067504-118", "DX1875", "ORANGE WIDGET", ("6", "6", Some("PLT94"))),
    ];
    assert_eq!(po.lines.len(), expected.len());
    for (line, (no, qty, price, buyer_part, vendor_part, desc, (pack, size, code))) in po.lines.iter().zip(expected) {
        assert_eq!(line.line_no, no);
        assert_eq!(line.quantity, d(qty), "line {no}");
        assert_eq!(line.uom.as_str(), "EA");
        assert_eq!(line.unit_price, Some(d(price)), "line {no}");
        assert_eq!(line.price_basis.as_deref(), Some("TE"));
        assert_eq!(line.item.buyer_part.as_deref(), Some(buyer_part), "CB is the buyer's catalog number");
        assert_eq!(line.item.vendor_part.as_deref(), Some(vendor_part));
        assert_eq!(line.item.upc, None);
        assert_eq!(ids(&line.item), [("PR", "RO")]);
        assert_eq!(line.item.description.as_deref(), Some(desc));
        let p = line.pack.as_ref().unwrap();
        assert_eq!((p.pack, p.size, p.uom.as_ref().map(|u| u.as_str())), (Some(d(pack)), Some(d(size)), Some("EA")));
        assert_eq!(p.packaging_code.as_deref(), code);
    }
    let totals = po.declared_totals.as_ref().unwrap();
    assert_eq!((totals.line_count, totals.quantity_total, totals.amount), (Some(6), None, Some(d("13045.94"))));
}

#[test]
fn po850_5010_drop_ship_is_mapped_though_its_group_is_wrong() {
    let sets = map_file("stedi_850_5010_dropship.edi");
    let set = &sets[0];
    // GS01 says OW: the reader flags the envelope; the content still maps cleanly.
    assert!(set.reader_issues.iter().any(|i| i.code == SetCode::SetIdInvalid), "{:?}", set.reader_issues);
    assert!(set.mapped.accepted() && set.mapped.warnings.is_empty(), "{:?}", set.mapped);
    let po = po(set.mapped.document.as_ref().unwrap());
    assert_eq!(po.po_number, "365465413");
    assert_eq!(po.order_type.as_deref(), Some("DS"));
    assert_eq!(po.order_date, date("2022-08-30"));
    assert_eq!(po.sales_order_ref.as_deref(), Some("ACME-4567"));
    assert_eq!(po.references[1].value, "Thank you for your business");
    let c = &po.contacts[0];
    assert_eq!((c.role.as_deref(), c.name.as_deref()), (Some("OC"), Some("Marvin Acme")));
    assert_eq!((c.phone.as_deref(), c.email.as_deref()), (Some("973-555-1212"), Some("marvin@acme.com")));
    let carrier = po.carrier.as_ref().unwrap();
    assert_eq!(
        (carrier.transport_method.as_deref(), carrier.routing.as_deref(), carrier.code.as_deref()),
        (Some("ZZ"), Some("FHD"), None)
    );
    let st = po.ship_to.as_ref().unwrap();
    assert_eq!((st.name.as_deref(), st.address.country.as_deref()), (Some("Wile E Coyote"), Some("US")));
    assert_eq!(st.address.lines, ["111 Canyon Court"]);

    assert_eq!(po.lines.len(), 2);
    let l = &po.lines[0];
    assert_eq!((l.line_no.as_str(), l.quantity, l.unit_price), ("item-1", d("8"), Some(d("400"))));
    assert_eq!((l.item.vendor_part.as_deref(), l.item.sku.as_deref()), (Some("VND1234567"), Some("ACM/8900-400")));
    assert_eq!(l.item.description.as_deref(), Some("400 pound anvil"));
    let l = &po.lines[1];
    assert_eq!(
        (l.line_no.as_str(), l.quantity, l.unit_price, l.item.sku.as_deref()),
        ("item-2", d("4"), Some(d("125")), Some("ACM/1100-001"))
    );
    let totals = po.declared_totals.as_ref().unwrap();
    assert_eq!((totals.line_count, totals.amount), (Some(2), Some(d("3700"))));
}

#[test]
fn po850_003010_reads_six_digit_dates_and_warns_on_a_wrong_line_count() {
    let sets = map_file("stupidedi_850_v3010_nissan.edi");
    let m = &sets[0].mapped;
    assert!(m.accepted(), "{:?}", m.segment_issues);
    let po = po(m.document.as_ref().unwrap());
    assert_eq!(po.order_date, date("2007-01-02"), "BEG05 070102 in 003010");
    assert_eq!(
        po.dates.iter().map(|d| (d.qualifier.as_str(), d.date)).collect::<Vec<_>>(),
        [("007", date("2007-02-01")), ("036", date("2008-01-01"))]
    );
    assert_eq!(po.currency.as_deref(), Some("USD"));
    assert_eq!(po.fob.as_deref(), Some("DE"));
    let bt = po.bill_to.as_ref().unwrap();
    assert_eq!(bt.address.lines, ["BIN 14U", "983 NISSAN DRIVE"], "N2 is kept as an attention line");
    assert_eq!(po.parties.len(), 1);
    assert_eq!(po.lines[1].item.buyer_part.as_deref(), Some("50241 05G00"));
    assert_eq!(po.lines[1].notes, ["ANY FREE FORM COMMENTS THAT NEED TO GO WITH THE PO LINE ITEM."]);
    assert_eq!(po.lines[1].references[0].qualifier, "CU");
    // CTT*1 for two PO1: kept as sent, and a warning with both figures.
    assert_eq!(po.declared_totals.as_ref().unwrap().line_count, Some(1));
    assert_eq!(m.warnings.len(), 1);
    assert!(
        m.warnings[0].message.contains("declares 1") && m.warnings[0].message.contains("add up to 2"),
        "{:?}",
        m.warnings
    );
    assert_eq!(m.warnings[0].at.segment_id, "CTT");
}

#[test]
fn po850_sublines_become_notes_and_a_wrong_amount_is_a_warning() {
    let sets = map_file("ediengine_850_sln_composite.edi");
    let m = &sets[0].mapped;
    assert!(m.accepted());
    let po = po(m.document.as_ref().unwrap());
    assert_eq!(po.lines[0].notes, ["subline 1.1 (I): 10000 PC at 1.56, VC P-875OS, UI 09999982001"]);
    assert_eq!(po.lines[1].quantity, d("220"));
    assert_eq!(m.warnings.len(), 1);
    assert!(m.warnings[0].message.contains("13045.94") && m.warnings[0].message.contains("4143.8"), "{:?}", m.warnings);
}

#[test]
fn po850_bad_values_are_element_errors_with_their_codes() {
    let body =
        "BEG*00*SA*PO1**20101332~REF**X~N1*ST*STORE~REF**Y~PO1*1**EA*9,25**UP*012345678905~DTM*010*20240230~CTT*1";
    let m = crafted("PO", "004010", "850", body);
    assert!(!m.accepted());
    assert!(m.document.is_none(), "no order date, no purchase order");
    let errors = element_errors(&m);
    let none = None::<String>;
    assert!(errors.contains(&("BEG".into(), 2, none.clone(), 5, Some(373), ElementCode::InvalidDate)), "{errors:?}");
    assert!(errors.contains(&("REF".into(), 3, none.clone(), 1, Some(128), ElementCode::MandatoryMissing)));
    assert!(errors.contains(&("REF".into(), 5, Some("N1".into()), 1, Some(128), ElementCode::MandatoryMissing)));
    assert!(errors.contains(&("PO1".into(), 6, Some("PO1".into()), 2, Some(330), ElementCode::MandatoryMissing)));
    assert!(errors.contains(&("PO1".into(), 6, Some("PO1".into()), 4, Some(212), ElementCode::InvalidCharacter)));
    assert!(errors.contains(&("DTM".into(), 7, Some("PO1".into()), 2, Some(373), ElementCode::InvalidDate)));
    let beg = m.segment_issues.iter().find(|s| s.at.segment_id == "BEG").unwrap();
    assert_eq!(beg.elements[0].value.as_deref(), Some("20101332"), "AK404 carries the bad value");
    let po1 = m.segment_issues.iter().find(|s| s.at.segment_id == "PO1").unwrap();
    assert_eq!(po1.elements.len(), 2, "one AK3 for the segment, one AK4 per element");
}

#[test]
fn po850_without_beg_is_missing_a_mandatory_segment() {
    let m = crafted("PO", "004010", "850", "REF*DP*038~PO1*1*2*EA*3");
    assert!(m.document.is_none());
    let missing: Vec<_> = m.segment_issues.iter().filter(|s| s.code == SegmentCode::MandatoryMissing).collect();
    assert_eq!(missing.len(), 1);
    assert_eq!((missing[0].at.segment_id.as_str(), missing[0].position), ("BEG", 2));
}

// ---- 855 ------------------------------------------------------------------------------

#[test]
fn poack855_line_statuses_and_schedules() {
    let doc = clean("nodex12_855_ack_sch.edi");
    let ack = poack(&doc);
    assert_eq!((ack.po_number.as_str(), ack.ack_type.as_str()), ("POTEST1112", "AD"));
    assert_eq!((ack.order_date, ack.ack_date), (Some(date("2020-10-15")), Some(date("2020-10-15"))));
    assert_eq!(ack.currency.as_deref(), Some("USD"));
    assert_eq!(ack.parties[0].address.lines, ["REGULAR EDI ACCOUNT", "ATTN ACQ SERVS", "7615 DISALLE BOULEVARD"]);
    let lines: Vec<_> = ack
        .lines
        .iter()
        .map(|l| (l.line_no.as_str(), l.status.as_str(), l.quantity, l.ordered_quantity, l.uom.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("1", "IA", d("3"), Some(d("3")), "UN"),
            ("2", "IR", d("0"), Some(d("2")), "UN"),
            ("3", "IR", d("0"), Some(d("1")), "UN"),
            ("4", "IA", d("2"), Some(d("2")), "UN"),
        ]
    );
    assert_eq!(ack.lines[0].item.gtin.as_deref(), Some("9780446360265"), "EN (an ISBN-13) is a GTIN");
    assert_eq!(ack.lines[0].item.description.as_deref(), Some("DIC WEBSTERS NEW WORLD"));
    assert_eq!(ack.lines[0].unit_price, Some(d("4.5")));
    let s = &ack.lines[1].schedule[0];
    assert_eq!(
        (s.quantity, s.uom.as_str(), s.qualifier.as_deref(), s.date),
        (d("0"), "UN", Some("080"), date("2007-10-09"))
    );
    assert_eq!(ack.lines[3].schedule[0].date, date("2004-12-31"));
    // CTT*4*5: the hash total adds up the acknowledged quantities here (3+0+0+2).
    let totals = ack.declared_totals.as_ref().unwrap();
    assert_eq!((totals.line_count, totals.quantity_total), (Some(4), Some(d("5"))));
}

#[test]
fn poack855_5010_and_lines_without_ack() {
    let ack = poack(&clean("stedi_855_5010.edi")).clone();
    assert_eq!(
        (ack.po_number.as_str(), ack.order_date, ack.ack_date),
        ("365465413", Some(date("2022-09-14")), Some(date("2022-09-13")))
    );
    assert_eq!(ack.parties.iter().map(|p| p.role.as_deref().unwrap()).collect::<Vec<_>>(), ["SE", "ST"]);
    assert_eq!(ack.references[0].value, "ACME-4567");
    let lines: Vec<_> = ack
        .lines
        .iter()
        .map(|l| (l.line_no.as_str(), l.status.as_str(), l.quantity, l.item.sku.as_deref().unwrap()))
        .collect();
    assert_eq!(lines, [("item-1", "IA", d("8"), "ACM/8900-400"), ("item-2", "IA", d("4"), "ACM/1100-001")]);

    // A PO1 with no ACK is acknowledged as BAK02 (AT, accepted) says.
    let ack = poack(&clean("stupidedi_855_brace_compsep.edi")).clone();
    assert_eq!((ack.ack_type.as_str(), ack.seller_order_number.as_deref()), ("AT", Some("338093")));
    let l = &ack.lines[0];
    assert_eq!(
        (l.line_no.as_str(), l.status.as_str(), l.quantity, l.unit_price),
        ("0001", "IA", d("72"), Some(d("47.34")))
    );
    assert_eq!(l.item.buyer_part.as_deref(), Some("C000900237"));
}

#[test]
fn poack855_two_acks_on_a_line_and_a_rejection() {
    let body = "BAK*00*AC*PO9*20240301~PO1*1*10*EA*2.5**VP*X1~ACK*IA*6*EA*068*20240310~ACK*IB*4*EA*067*20240401~PO1*2*5*EA~ACK*IR~CTT*2*15";
    let m = crafted("PR", "005010", "855", body);
    assert!(m.accepted() && m.warnings.is_empty(), "{m:?}");
    let ack = poack(m.document.as_ref().unwrap());
    let lines: Vec<_> =
        ack.lines.iter().map(|l| (l.line_no.as_str(), l.status.as_str(), l.quantity, l.ship_date)).collect();
    assert_eq!(
        lines,
        [("1", "IA", d("6"), Some(date("2024-03-10"))), ("1", "IB", d("4"), None), ("2", "IR", d("0"), None)]
    );
    assert_eq!(ack.lines[1].schedule[0].qualifier.as_deref(), Some("067"), "a delivery date is a schedule");
    assert_eq!(ack.lines[1].schedule[0].date, date("2024-04-01"));
}

// ---- 856 ------------------------------------------------------------------------------

#[test]
fn asn856_crossdock_tree_with_packs_and_sscc() {
    let doc = clean("ediengine_856_crossdock.edi");
    let asn = asn(&doc);
    assert_eq!(asn.shipment_id, "000009");
    assert_eq!(asn.shipped_at, Some(datetime("2009-09-21 00:00")));
    assert_eq!(asn.expected_delivery, Some(date("2009-09-25")));
    assert_eq!(asn.bill_of_lading.as_deref(), Some("000001"));
    assert_eq!(asn.tracking_numbers, ["0000000008741"]);
    let carrier = asn.carrier.as_ref().unwrap();
    assert_eq!((carrier.code.as_deref(), carrier.routing.as_deref()), (Some("OVNT"), Some("OVERNITE")));
    assert_eq!(asn.ship_from.as_ref().unwrap().name.as_deref(), Some("SOME COMPANY"));
    assert_eq!(asn.ship_to.as_ref().unwrap().name.as_deref(), Some("RETAILER"));
    let w = asn.gross_weight.as_ref().unwrap();
    assert_eq!((w.value, w.uom.as_str(), asn.package_count), (d("24"), "LB", Some(d("5"))));
    assert_eq!(asn.references.iter().map(|r| r.qualifier.as_str()).collect::<Vec<_>>(), ["SE"]);

    assert_eq!(asn.orders.len(), 2);
    let o = &asn.orders[0];
    assert_eq!(o.po_number, "POREF00");
    assert_eq!(
        o.references.iter().map(|r| (r.qualifier.as_str(), r.value.as_str())).collect::<Vec<_>>(),
        [("IV", "0000021"), ("BY", "002")]
    );
    let packs: Vec<_> = o.packs.iter().map(|p| (p.sscc.as_deref().unwrap(), p.items.len())).collect();
    assert_eq!(
        packs,
        [
            ("00000715670002152360", 1),
            ("00000715670002152377", 1),
            ("00000715670002152384", 1),
            ("00000715670002152391", 1)
        ]
    );
    let item = &o.packs[0].items[0];
    assert_eq!((item.item.upc.as_deref(), item.quantity, item.uom.as_str()), (Some("0000000000642"), d("12"), "EA"));
    assert_eq!(o.packs[1].items[0].item.gtin.as_deref(), Some("0000000000831"));
    let o = &asn.orders[1];
    assert_eq!((o.po_number.as_str(), o.packs.len()), ("POREF01", 1));
    assert_eq!(o.packs[0].sscc.as_deref(), Some("00000715670002152111"));
    assert_eq!(o.packs[0].items[0].item.upc.as_deref(), Some("0000000000642"));
}

#[test]
fn asn856_004060_items_without_pack_level() {
    let doc = clean("nodex12_856_v4060.edi");
    let asn = asn(&doc);
    assert_eq!((asn.shipment_id.as_str(), asn.purpose), ("829716", Purpose::Original));
    assert_eq!(asn.bill_of_lading.as_deref(), Some("999999-001"));
    assert_eq!(asn.tracking_numbers, ["5787970539"]);
    assert_eq!(asn.ship_from.as_ref().unwrap().address.lines, ["31875 SOLON ROAD"], "SF, not SH, is the ship-from");
    assert_eq!(asn.parties.iter().map(|p| p.role.as_deref().unwrap()).collect::<Vec<_>>(), ["SH", "OB"]);
    assert_eq!(asn.gross_weight.as_ref().unwrap().value, d("60.310"));
    let o = &asn.orders[0];
    assert_eq!((o.po_number.as_str(), o.po_date), ("99999817", Some(date("2011-12-05"))));
    assert_eq!(o.packs.len(), 1);
    assert_eq!(o.packs[0].sscc, None);
    let items: Vec<_> = o.packs[0]
        .items
        .iter()
        .map(|i| {
            (
                i.line_no.as_deref().unwrap(),
                i.item.vendor_part.as_deref().unwrap(),
                i.item.upc.as_deref().unwrap(),
                i.quantity,
                i.item.description.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("1", "87787D", "999999310145", d("24"), "BLUE WIDGET"),
            ("2", "99887D", "999999311746", d("6"), "RED WIDGET")
        ]
    );
}

#[test]
fn asn856_packs_under_items_take_their_own_quantities() {
    let sets = map_file("stupidedi_856_v2001_bang.edi");
    let m = &sets[0].mapped;
    assert!(m.accepted(), "{:?}", m.segment_issues);
    let asn = asn(m.document.as_ref().unwrap());
    // S -> T -> I -> P: no order level (one warning), packs carry SN1 per carton.
    assert_eq!(asn.orders.len(), 1);
    assert_eq!(asn.orders[0].po_number, "");
    assert!(m.warnings.iter().any(|w| w.message.contains("not under an order")));
    let packs: Vec<_> = asn.orders[0]
        .packs
        .iter()
        .map(|p| {
            (
                p.tare.as_deref(),
                p.items.iter().map(|i| (i.item.buyer_part.as_deref().unwrap(), i.quantity)).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        packs,
        [
            (Some("2"), vec![("7389141G01", d("1000"))]),
            (Some("4"), vec![("6500012G00", d("76"))]),
            (Some("4"), vec![("6500012G00", d("100"))]),
            (Some("8"), vec![("7340912G00", d("100"))]),
            (Some("8"), vec![("7450013G00", d("100"))]),
            (Some("8"), vec![("7450013G00", d("56"))]),
        ]
    );
}

#[test]
fn asn856_tree_is_rebuilt_from_parent_pointers() {
    // The item of pack A1 comes after order B: only HL02 says where it belongs.
    let body = "BSN*00*SHIP1*20240301*1200~HL*1**S~TD5**2*UPSN~REF*CN*1Z1~HL*2*1*O~PRF*PO-A~HL*3*2*P~MAN*GM*00000000000000000011\
                ~HL*4*1*O~PRF*PO-B***20240220~N1*ST*STORE 9*92*009~HL*5*4*P~MAN*GM*00000000000000000021~MAN*CP*1Z2\
                ~HL*6*3*I~LIN*1*UP*012345678905~SN1**5*EA**6*EA~HL*7*5*I~LIN*2*VP*B-1~SN1*2*3*CA~HL*8*4*I~LIN*3*SK*S-3~SN1**1*EA~CTT*8*9";
    let m = crafted("SH", "004010", "856", body);
    assert!(m.accepted() && m.warnings.is_empty(), "{m:?}");
    let asn = asn(m.document.as_ref().unwrap());
    assert_eq!(asn.tracking_numbers, ["1Z1", "1Z2"]);
    let a = &asn.orders[0];
    assert_eq!((a.po_number.as_str(), a.packs.len()), ("PO-A", 1));
    assert_eq!(a.packs[0].sscc.as_deref(), Some("00000000000000000011"));
    let i = &a.packs[0].items[0];
    assert_eq!(
        (i.line_no.as_deref(), i.item.upc.as_deref(), i.quantity, i.ordered_quantity),
        (Some("1"), Some("012345678905"), d("5"), Some(d("6")))
    );
    let b = &asn.orders[1];
    assert_eq!(
        (b.po_number.as_str(), b.po_date, b.ship_to.as_ref().unwrap().name.as_deref()),
        ("PO-B", Some(date("2024-02-20")), Some("STORE 9"))
    );
    assert_eq!(b.packs.len(), 2, "its carton, and a pack without SSCC for the item packed directly under the order");
    assert_eq!(b.packs.iter().map(|p| p.sscc.as_deref()).collect::<Vec<_>>(), [None, Some("00000000000000000021")]);
    assert_eq!(b.packs[1].marks[0].qualifier, "CP");
    assert_eq!(
        (b.packs[1].items[0].item.vendor_part.as_deref(), b.packs[1].items[0].uom.as_str()),
        (Some("B-1"), "CA")
    );
    assert_eq!(b.packs[0].items[0].item.sku.as_deref(), Some("S-3"));
}

#[test]
fn asn856_bad_tree_pointers_are_rejected() {
    let body = "BSN*00*SHIP1*20240301~HL*1**S~HL*2*9*O~PRF*PO-A~HL*2*1*I~SN1**1*EA";
    let m = crafted("SH", "004010", "856", body);
    let errors = element_errors(&m);
    assert!(
        errors.contains(&("HL".into(), 4, Some("HL".into()), 2, Some(734), ElementCode::InvalidCode)),
        "{errors:?}"
    );
    assert!(errors.contains(&("HL".into(), 6, Some("HL".into()), 1, Some(628), ElementCode::InvalidCode)));
    assert!(!m.accepted());
}

// ---- 810 ------------------------------------------------------------------------------

#[test]
fn inv810_two_invoices_with_implied_decimal_totals() {
    let sets = map_file("staedi_810_simple.edi");
    assert_eq!(sets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["810", "810"]);
    let first = &sets[0].mapped;
    assert!(first.accepted() && first.warnings.is_empty(), "{first:?}");
    let inv = invoice(first.document.as_ref().unwrap());
    assert_eq!(
        (inv.invoice_number.as_str(), inv.invoice_date, inv.po_number.as_deref()),
        ("00001", date("1997-12-11"), Some("A99999-01"))
    );
    assert_eq!(inv.parties.iter().map(|p| p.role.as_deref().unwrap()).collect::<Vec<_>>(), ["ST", "BT", "RE"]);
    assert_eq!(inv.parties[2].address.postal_code.as_deref(), Some("723224444"));
    let terms = inv.terms.as_ref().unwrap();
    assert_eq!(
        (terms.discount_percent, terms.discount_days, terms.net_days, terms.description.as_deref()),
        (Some(d("1")), Some(15), Some(16), Some("1/15 NET 30"))
    );
    let lines: Vec<_> = inv
        .lines
        .iter()
        .map(|l| {
            (
                l.line_no.as_str(),
                l.quantity,
                l.uom.as_str(),
                l.unit_price,
                ids(&l.item)[0].1,
                l.item.description.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0], ("1", d("16"), "CA", d("12.34"), "002840022222", "CRUNCHY CHIPS LSS"));
    assert_eq!(lines[6], ("7", d("1"), "CA", d("12.34"), "002840088888", "MINI CHIPS LSS"));
    assert_eq!(inv.totals.total_amount, Some(d("2554.38")), "TDS*255438 has two implied decimals");
    assert_eq!(inv.totals.line_count, Some(7));

    // The second invoice reuses the first one's TDS: 150 x 12.34 is 1851.00, not 2554.38.
    let second = &sets[1].mapped;
    assert!(second.accepted(), "a total that does not add up is a warning, not a rejection");
    let inv = invoice(second.document.as_ref().unwrap());
    assert_eq!(
        (inv.invoice_date, inv.lines.len(), inv.totals.total_amount),
        (date("1997-12-15"), 2, Some(d("2554.38")))
    );
    assert_eq!(second.warnings.len(), 1);
    let w = &second.warnings[0];
    assert_eq!(w.at.segment_id, "TDS");
    assert!(w.message.contains("2554.38") && w.message.contains("1851"), "{}", w.message);
}

#[test]
fn inv810_pipe_separated_bookseller_invoice() {
    let sets = map_file("stupidedi_810_pipe.edi");
    let m = &sets[0].mapped;
    assert!(m.accepted());
    let inv = invoice(m.document.as_ref().unwrap());
    assert_eq!(
        (inv.invoice_number.as_str(), inv.po_number.as_deref(), inv.po_date),
        ("00237058", Some("0691-0014403"), Some(date("2021-11-02")))
    );
    let lines: Vec<_> = inv
        .lines
        .iter()
        .map(|l| (l.item.gtin.as_deref().unwrap(), l.quantity, l.unit_price, l.item.description.as_deref().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            ("9781501331978", d("4"), d("70"), "Retail Buying From Basics to Fashion"),
            ("9780316154680", d("1"), d("5.66"), "When You Are Engulfed in Flames")
        ]
    );
    assert_eq!(ids(&inv.lines[0].item), [("GC", "01")]);
    assert_eq!((inv.totals.total_amount, inv.totals.line_count), (Some(d("285.66")), Some(2)));
    // IT103 is empty on both lines: EA assumed, and said.
    assert_eq!(m.warnings.len(), 2);
    assert!(m.warnings.iter().all(|w| w.at.segment_id == "IT1" && w.message.contains("EA assumed")));
}

#[test]
fn inv810_ariba_charges_at_line_and_header() {
    let doc = clean("edinet_810_ariba_indented.edi");
    let inv = invoice(&doc);
    assert_eq!(
        (inv.invoice_number.as_str(), inv.invoice_type.as_deref(), inv.currency.as_deref()),
        ("DO091003TESTINV01", Some("DI"), Some("USD"))
    );
    // The N1 loops inside the lines (SF, ST) are not the invoice's parties.
    assert_eq!(inv.parties.iter().map(|p| p.role.as_deref().unwrap()).collect::<Vec<_>>(), ["SO", "RI"]);
    assert_eq!(inv.parties[1].references.len(), 2);
    assert_eq!(inv.parties[0].contacts[0].email.as_deref(), Some("aaronc@musicinsurance.com"));
    assert_eq!(inv.dates[0].time, chrono::NaiveTime::from_hms_opt(10, 59, 20));
    for (line, price) in inv.lines.iter().zip(["99.99", "79.99"]) {
        assert_eq!((line.quantity, line.unit_price), (d("2"), d(price)));
        // SAC*N (information only) is skipped; SAC*C*G830***300 is a 3.00 charge.
        let charges: Vec<_> = line.charges.iter().map(|c| (c.kind, c.code.as_deref(), c.amount)).collect();
        assert_eq!(charges, [(ChargeKind::Charge, Some("G830"), d("3.00"))]);
    }
    let charges: Vec<_> =
        inv.charges.iter().map(|c| (c.kind, c.code.as_deref(), c.amount, c.description.as_deref())).collect();
    assert_eq!(
        charges,
        [(ChargeKind::Charge, Some("G830"), d("6"), None), (ChargeKind::Charge, Some("H850"), d("0"), Some("no tax"))]
    );
    assert_eq!(inv.totals.total_amount, Some(d("365.96")), "TDS*36596 = 359.96 of goods + 6.00 of freight");
}

#[test]
fn inv810_without_big_or_tds() {
    let m = crafted("IN", "004010", "810", "IT1*1*1*EA*1~CTT*1");
    assert!(m.document.is_none());
    let missing: Vec<_> = m
        .segment_issues
        .iter()
        .filter(|s| s.code == SegmentCode::MandatoryMissing)
        .map(|s| s.at.segment_id.as_str())
        .collect();
    assert_eq!(missing, ["BIG", "TDS"]);
}

// ---- 846 ------------------------------------------------------------------------------

const ADVICE_846: &str = "BIA*00*MM*ADV-77*20240301*1530~N1*SU*ACME SUPPLY*92*ACME~N1*ST*RETAILER*92*R1\
    ~LIN*1*UP*012345678905*VN*WID-1~PID*F****SMALL WIDGET~QTY*33*150*EA~QTY*17*160*EA~SCH*50*EA***018*20240315\
    ~LIN*2*SK*SKU-2~QTY*33*0*EA~QTY*63*200*EA~SCH*120*EA***017*20240320~SCH*80*EA***017*20240410\
    ~LIN*3*UP*012345678912~QTY*02*12*CA~QTY*IQ*40*CA~QTY*63*10*CA~QTY*ZZ*1*CA~QTY*ZZ*2*CA~N1*WH*DC EAST*92*DC-E\
    ~CTT*3*575";

#[test]
fn inv846_positions_with_future_supply() {
    let m = crafted("IB", "005010", "846", ADVICE_846);
    assert!(m.accepted(), "{:?}", m.segment_issues);
    let a = advice(m.document.as_ref().unwrap());
    assert_eq!((a.advice_id.as_deref(), a.mode), (Some("ADV-77"), AdviceMode::Snapshot));
    assert_eq!(a.as_of.to_rfc3339(), "2024-03-01T15:30:00+00:00");
    assert_eq!(a.reporter.as_ref().unwrap().name.as_deref(), Some("ACME SUPPLY"));
    assert_eq!(a.positions.len(), 3);

    let p = &a.positions[0];
    assert_eq!(
        (p.item.upc.as_deref(), p.item.vendor_part.as_deref(), p.item.description.as_deref()),
        (Some("012345678905"), Some("WID-1"), Some("SMALL WIDGET"))
    );
    assert_eq!((p.available, p.on_hand, p.uom.as_str()), (Some(d("150")), Some(d("160")), "EA"));
    // SCH under QTY*17: 50 more become available on 15 March.
    assert_eq!(
        p.on_order.iter().map(|f| (f.quantity, f.eta)).collect::<Vec<_>>(),
        [(d("50"), Some(date("2024-03-15")))]
    );
    assert!(p.in_transit.is_empty());

    let p = &a.positions[1];
    assert_eq!((p.item.sku.as_deref(), p.available, p.on_hand), (Some("SKU-2"), Some(d("0")), None));
    // The dated schedule replaces QTY*63's undated total.
    assert_eq!(
        p.on_order.iter().map(|f| (f.quantity, f.eta)).collect::<Vec<_>>(),
        [(d("120"), Some(date("2024-03-20"))), (d("80"), Some(date("2024-04-10")))]
    );

    let p = &a.positions[2];
    assert_eq!(
        (p.on_hand, p.available, p.uom.as_str(), p.location.as_deref()),
        (Some(d("12")), None, "CA", Some("DC-E"))
    );
    assert_eq!(p.in_transit.iter().map(|f| (f.quantity, f.eta)).collect::<Vec<_>>(), [(d("40"), None)]);
    assert_eq!(p.on_order.iter().map(|f| (f.quantity, f.eta)).collect::<Vec<_>>(), [(d("10"), None)]);
    // One warning for the unknown QTY qualifier, however often it comes; the hash total matches.
    assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    assert!(m.warnings[0].message.contains("QTY01 ZZ"));
}

#[test]
fn inv846_delta_and_bad_values() {
    let body = ADVICE_846
        .replace("BIA*00*MM", "BIA*25*MB")
        .replace("SCH*80*EA***017*20240410", "SCH*80*EA***017*20241310")
        .replace("QTY*33*0*EA", "QTY*33*O*EA")
        .replace("CTT*3*575", "CTT*4*575");
    let m = crafted("IB", "005010", "846", &body);
    let a = advice(m.document.as_ref().unwrap());
    assert_eq!(a.mode, AdviceMode::Delta, "BIA01 25 is an incremental report");
    let errors = element_errors(&m);
    assert!(
        errors.contains(&("SCH".into(), 14, Some("SCH".into()), 6, Some(373), ElementCode::InvalidDate)),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("QTY".into(), 11, Some("QTY".into()), 2, Some(380), ElementCode::InvalidCharacter)),
        "{errors:?}"
    );
    assert!(
        m.warnings.iter().any(|w| w.at.segment_id == "CTT" && w.message.contains("declares 4")),
        "{:?}",
        m.warnings
    );
}

// ---- 940 / 945 -----------------------------------------------------------------------

#[test]
fn req940_warehouse_shipping_order() {
    let doc = clean("ediengine_940.edi");
    let r = request(&doc);
    assert_eq!((r.request_id.as_str(), r.purpose, r.order_ref.as_deref()), ("538686", Purpose::Original, None));
    assert_eq!(r.ship_to.as_ref().unwrap().name.as_deref(), Some("ST COMPANY"));
    let wh = r.warehouse.as_ref().unwrap();
    assert_eq!((wh.name.as_deref(), wh.address.postal_code.as_deref()), (Some("WHNAME"), Some("91761")));
    assert_eq!(r.parties.iter().map(|p| p.role.as_deref().unwrap()).collect::<Vec<_>>(), ["DE"]);
    assert_eq!(r.references[0].value, "R1121");
    assert_eq!(
        r.dates.iter().map(|d| (d.qualifier.as_str(), d.date)).collect::<Vec<_>>(),
        [("10", date("2000-02-04")), ("02", date("2000-02-07"))]
    );
    assert_eq!(r.notes, ["SHIP ON CHEP PALLETS"]);
    let c = r.carrier.as_ref().unwrap();
    assert_eq!((c.transport_method.as_deref(), c.routing.as_deref()), (Some("M"), Some("MTEN")));
    let lines: Vec<_> = r
        .lines
        .iter()
        .map(|l| {
            (
                l.line_no.as_str(),
                l.quantity,
                l.uom.as_str(),
                l.item.vendor_part.as_deref().unwrap(),
                l.item.description.as_deref().unwrap(),
                l.references[0].value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("1", d("12"), "CA", "000100", "11.500 STRUD BLUBRY", "DEC0199"),
            ("2", d("32"), "CA", "000200", "11.500 STRUD CINN", "DEC0299"),
            ("3", d("12"), "CA", "000300", "11.500 STRUDEL RASPBRY", "JAN0100"),
        ]
    );
    assert_eq!(ids(&r.lines[0].item), [("UC", "DEC0199"), ("UA", "000100000010")]);
}

#[test]
fn req940_an_n9_without_qualifier_rejects_only_its_set() {
    let sets = map_file("ediengine_940x3_two_gs.edi");
    let verdicts: Vec<bool> = sets.iter().map(|s| s.mapped.accepted()).collect();
    assert_eq!(verdicts, [true, false, true]);
    let m = &sets[1].mapped;
    assert_eq!(m.segment_issues.len(), 1);
    let issue = &m.segment_issues[0];
    assert_eq!(
        (issue.code, issue.at.segment_id.as_str(), issue.position, issue.loop_id.as_deref()),
        (SegmentCode::ElementErrors, "N9", 7, Some("W01"))
    );
    let e = &issue.elements[0];
    assert_eq!((e.code, e.position, e.reference, e.code.code()), (ElementCode::MandatoryMissing, 1, Some(128), "1"));
    for s in &sets {
        let r = request(s.mapped.document.as_ref().unwrap());
        assert_eq!(
            (r.request_id.as_str(), r.order_ref.as_deref(), r.lines[0].item.upc.as_deref()),
            ("35131", Some("POMAIL"), Some("871209028795"))
        );
    }
}

#[test]
fn ship945_warehouse_shipping_advice() {
    let body = "W06*F*538686*20240302*SHIP-77**PO-123~N1*SF*WAREHOUSE 3*9*0000000000140~N4*ONTARIO*CA*91761~N1*ST*ST COMPANY~N9*BM*BOL-1\
                ~G62*11*20240302*W*1530~W27*M*UPSN*UPS GROUND*PP~LX*1~W12*CC*12*12**CA*000100000010*VN*000100~G69*STRUDEL BLUEBERRY\
                ~N9*CN*1Z999~LX*2~W12*CP*32*30*2*CA**VN*000200~W03*42*510*LB";
    let m = crafted("SW", "004010", "945", body);
    assert!(m.accepted() && m.warnings.is_empty(), "{m:?}");
    let u = update(m.document.as_ref().unwrap());
    assert_eq!(
        (u.request_id.as_str(), u.shipment_id.as_deref(), u.order_ref.as_deref()),
        ("538686", Some("SHIP-77"), Some("PO-123"))
    );
    assert_eq!(u.shipped_at, Some(datetime("2024-03-02 15:30")));
    let c = u.carrier.as_ref().unwrap();
    assert_eq!(
        (c.code.as_deref(), c.transport_method.as_deref(), c.routing.as_deref()),
        (Some("UPSN"), Some("M"), Some("UPS GROUND"))
    );
    assert_eq!(u.tracking_numbers, ["1Z999"]);
    assert_eq!(u.references[0].qualifier, "BM");
    assert_eq!(u.parties.len(), 2);
    let lines: Vec<_> = u
        .lines
        .iter()
        .map(|l| {
            (
                l.line_no.as_str(),
                l.status.as_deref().unwrap(),
                l.ordered_quantity,
                l.shipped_quantity,
                l.item.vendor_part.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [("1", "CC", Some(d("12")), d("12"), "000100"), ("2", "CP", Some(d("32")), d("30"), "000200")]);
    assert_eq!(u.lines[0].item.description.as_deref(), Some("STRUDEL BLUEBERRY"));

    // W03 that does not add up is a warning.
    let m = crafted("SW", "004010", "945", &body.replace("W03*42", "W03*44"));
    assert!(m.accepted());
    assert!(m
        .warnings
        .iter()
        .any(|w| w.at.segment_id == "W03" && w.message.contains("44") && w.message.contains("42")));
}

// ---- 997 / 999 -----------------------------------------------------------------------

#[test]
fn fa997_content() {
    let sets = map_file("staedi_997_three_isa.edi");
    assert_eq!(sets.len(), 3);
    for s in &sets {
        assert!(s.mapped.accepted());
        let a = fack(s.mapped.document.as_ref().unwrap());
        assert_eq!(
            (a.ack_kind.as_str(), a.functional_id.as_str(), a.group_control_number.as_str(), a.group_status.as_str()),
            ("997", "HC", "000001", "R")
        );
        assert_eq!(
            (a.transactions_included, a.transactions_received, a.transactions_accepted),
            (Some(1), Some(1), Some(0))
        );
        let tx = &a.transactions[0];
        assert_eq!(
            (tx.set_id.as_str(), tx.control_number.as_str(), tx.status.as_str(), tx.errors.as_slice()),
            ("837", "0021", "R", ["5".to_string()].as_slice())
        );
        let seg = &tx.segment_errors[0];
        assert_eq!(
            (seg.segment_id.as_str(), seg.position, seg.loop_id.as_deref(), seg.code.as_deref()),
            ("NM1", 8, None, Some("8"))
        );
        let e = &seg.element_errors[0];
        assert_eq!(
            (e.position.as_str(), e.reference_number.as_deref(), e.code.as_str(), e.bad_value.as_deref()),
            ("8", Some("66"), "7", Some("MI"))
        );
    }
    let a = fack(&clean("stupidedi_997_backtick.edi")).clone();
    assert_eq!(
        (a.functional_id.as_str(), a.group_control_number.as_str(), a.group_status.as_str()),
        ("AG", "160", "A")
    );
    assert_eq!(
        (
            a.transactions[0].set_id.as_str(),
            a.transactions[0].control_number.as_str(),
            a.transactions[0].status.as_str()
        ),
        ("824", "0160", "A")
    );
    let a = fack(&clean("staedi_997_isb_ise.edi")).clone();
    assert_eq!((a.group_status.as_str(), a.transactions.len(), a.transactions_accepted), ("A", 0, Some(1)));
}

#[test]
fn fa997_empty_body_misses_ak1_and_ak9() {
    let sets = map_file("staedi_997_empty_st03.edi");
    let m = &sets[0].mapped;
    assert!(m.document.is_none());
    let missing: Vec<_> = m.segment_issues.iter().map(|s| (s.code, s.at.segment_id.as_str(), s.code.code())).collect();
    assert_eq!(missing, [(SegmentCode::MandatoryMissing, "AK1", "3"), (SegmentCode::MandatoryMissing, "AK9", "3")]);
}

#[test]
fn fa997_invalid_content_and_garbled_detail() {
    let sets = map_file("staedi_997_invalid_min.edi");
    let errors = element_errors(&sets[0].mapped);
    assert_eq!(errors, [("AK1".to_string(), 2, None, 1, Some(479), ElementCode::InvalidCode)]);

    // Repetitions and components where AK302 wants a number: the detail of a received
    // acknowledgment is information, so this is a warning and the statuses still count.
    let sets = map_file("staedi_997_repetition_composite.edi");
    let m = &sets[0].mapped;
    assert!(m.accepted(), "{:?}", m.segment_issues);
    assert_eq!(m.warnings.len(), 1);
    assert_eq!((m.warnings[0].at.segment_id.as_str(), m.warnings[0].message.contains("AK302")), ("AK3", true));
    let a = fack(m.document.as_ref().unwrap());
    assert_eq!((a.group_status.as_str(), a.transactions[0].status.as_str()), ("R", "R"));
    let seg = &a.transactions[0].segment_errors[0];
    assert_eq!((seg.segment_id.as_str(), seg.position, seg.element_errors[0].position.as_str()), ("NM1", 0, "8"));
}

#[test]
fn fa999_with_ik_segments_and_a_missing_ik5() {
    let body = "AK1*PO*17*005010X220A1~AK2*850*0001~IK3*PO1*7*PO1*8~IK4*2*330*1~IK5*R*5~AK2*850*0002~AK9*P*2*2*1";
    let m = crafted("FA", "005010", "999", body);
    let a = fack(m.document.as_ref().unwrap());
    assert_eq!((a.ack_kind.as_str(), a.functional_id.as_str(), a.group_status.as_str()), ("999", "PO", "P"));
    let seg = &a.transactions[0].segment_errors[0];
    assert_eq!(
        (seg.segment_id.as_str(), seg.position, seg.loop_id.as_deref(), seg.element_errors[0].code.as_str()),
        ("PO1", 7, Some("PO1"), "1")
    );
    assert_eq!(a.transactions[1].status, "");
    let missing: Vec<_> =
        m.segment_issues.iter().map(|s| (s.code, s.at.segment_id.as_str(), s.loop_id.as_deref())).collect();
    assert_eq!(missing, [(SegmentCode::MandatoryMissing, "IK5", Some("AK2"))]);
}

// ---- 214 ------------------------------------------------------------------------------

#[test]
fn status214_carrier_events() {
    let doc = clean("edinet_214_v4030.edi");
    let s = status(&doc);
    assert_eq!((s.shipment_id.as_str(), s.carrier.as_ref().unwrap().code.as_deref()), ("75027674", Some("SCAC")));
    assert_eq!(
        s.references.iter().map(|r| (r.qualifier.as_str(), r.value.as_str())).collect::<Vec<_>>(),
        [("CN", "1751807"), ("EQ", "30402")]
    );
    assert_eq!(s.parties.iter().map(|p| p.role.as_deref().unwrap()).collect::<Vec<_>>(), ["SH", "CN", "BT"]);
    assert_eq!(s.parties[1].address.city.as_deref(), Some("BRATTLEBORO"));
    let e = &s.events[0];
    assert_eq!(
        (e.status.as_str(), e.reason.as_deref(), e.at, e.time_zone.as_deref()),
        ("D1", Some("NS"), Some(datetime("2016-07-26 12:30")), Some("LT"))
    );
    assert_eq!((e.city.as_deref(), e.region.as_deref()), (Some("BRATTLEBORO"), Some("VT")));

    let doc = clean("staedi_214_ellipsis_terminator.edi");
    let s = status(&doc);
    assert_eq!(s.shipment_id, "7727019");
    assert!(s.references.iter().any(|r| r.qualifier == "PO" && r.value == "900169"));
    let events: Vec<_> = s.events.iter().map(|e| (e.status.as_str(), e.at, e.time_zone.as_deref())).collect();
    assert_eq!(
        events,
        [
            ("AG", Some(datetime("2020-09-11 11:59")), Some("ET")),
            ("AF", Some(datetime("2020-09-10 11:35")), Some("ET"))
        ]
    );
}

// ---- any set ----------------------------------------------------------------------------

#[test]
fn unsupported_sets_are_answered_not_supported() {
    let sets = map_file("staedi_210_wrapped80.edi");
    let m = &sets[0].mapped;
    assert!(m.document.is_none() && !m.accepted());
    assert_eq!(
        m.set_issues.iter().map(|i| (i.code, i.code.code())).collect::<Vec<_>>(),
        [(SetCode::NotSupported, "1")]
    );
    let m = crafted("AG", "004010", "824", "BGN*00*1*20240301");
    assert_eq!(m.set_issues[0].code, SetCode::NotSupported);
}

#[test]
fn every_corpus_file_maps_without_panicking() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut sets = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "edi") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let mut r = X12Reader::new(&bytes[..]);
        while let Some(Ok(ev)) = r.next() {
            if let Event::Transaction(tx) = ev {
                let m = map_transaction(&tx);
                // Whatever rejects a set says where: a segment id and a position in the set.
                for s in &m.segment_issues {
                    assert!(!s.at.segment_id.is_empty() && s.position >= 1, "{}: {s}", path.display());
                }
                sets += 1;
            }
        }
    }
    assert!(sets >= 40, "{sets}");
}

mod no_panics {
    use proptest::prelude::*;

    use super::*;

    const SEGMENTS: &[&str] = &[
        "BEG", "BAK", "BSN", "BIA", "BIG", "W05", "W06", "AK1", "AK2", "AK3", "AK4", "AK5", "AK9", "IK3", "IK4", "IK5",
        "B10", "HL", "LIN", "SN1", "PRF", "MAN", "PO1", "ACK", "SCH", "PID", "PO4", "SDQ", "SLN", "IT1", "SAC", "TDS",
        "QTY", "N1", "N2", "N3", "N4", "PER", "REF", "N9", "DTM", "G62", "TD1", "TD5", "ITD", "CUR", "CTT", "AMT",
        "LX", "W01", "W12", "W03", "W76", "G69", "AT7", "MS1", "MS2", "L11", "MSG", "NTE", "W66", "W27",
    ];

    fn element() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[0-9]{1,9}",
            "-?[0-9]{0,5}\\.[0-9]{0,4}",
            "[A-Z]{1,3}",
            "[0-9]{6,8}",
            "[A-Z0-9 .:^-]{0,12}",
            Just("1".to_string()),
            Just("2".to_string()),
        ]
    }

    fn segment() -> impl Strategy<Value = String> {
        (prop::sample::select(SEGMENTS), prop::collection::vec(element(), 0..14)).prop_map(|(id, els)| {
            let mut s = id.to_string();
            for e in els {
                s.push('*');
                s.push_str(&e);
            }
            s
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn random_bodies_never_panic(
            set in prop::sample::select(&["850", "855", "856", "846", "810", "940", "945", "997", "999", "214"][..]),
            version in prop::sample::select(&["003010", "004010", "005010"][..]),
            body in prop::collection::vec(segment(), 0..40),
        ) {
            let gs01 = crossdock_x12::reader::functional_id(set).unwrap_or("PO");
            let bytes = interchange(gs01, version, &[(set, &body.join("~"))]);
            for s in map_bytes(&bytes) {
                let m = s.mapped;
                prop_assert!(m.accepted() == (m.set_issues.is_empty() && m.segment_issues.is_empty()));
            }
        }
    }
}
