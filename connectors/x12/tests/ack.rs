//! Acknowledgments of real documents: every ack is read back with the X12 reader and its
//! segments compared one by one.

use chrono::{NaiveDate, NaiveDateTime};
use crossdock_x12::ack::{GroupSummary, Status};
use crossdock_x12::control::MemoryControlNumbers;
use crossdock_x12::reader::Terminator;
use crossdock_x12::*;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(12, 34, 0).unwrap()
}

fn corpus(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ack_bytes(input: &[u8], kind: AckKind) -> Vec<Acknowledgment> {
    acknowledge(input, kind, &mut MemoryControlNumbers::default(), now()).expect("an acknowledgment can be addressed")
}

fn ack(name: &str, kind: AckKind) -> Vec<Acknowledgment> {
    ack_bytes(&corpus(name), kind)
}

/// An acknowledgment interchange as the reader sees it.
#[derive(Debug)]
struct Back {
    /// ISA01..ISA16, trimmed.
    isa: Vec<String>,
    delimiters: Delimiters,
    /// Every segment after the ISA but GE and IEA (checked by the reader), elements joined by `*`.
    segments: Vec<String>,
    /// Whatever the reader found wrong with the acknowledgment itself.
    issues: Vec<String>,
}

fn read_back(x12: &[u8]) -> Vec<Back> {
    let (mut out, mut segments, mut issues) = (Vec::new(), Vec::new(), Vec::new());
    let mut reader = X12Reader::new(x12);
    while let Some(event) = reader.next() {
        match event.expect("an acknowledgment reads back") {
            Event::InterchangeStart(_) => segments.clear(),
            Event::GroupStart(g) => segments.push(format!("GS*{}", g.fields.join("*"))),
            Event::Transaction(tx) => {
                issues.extend(tx.issues.iter().map(ToString::to_string));
                issues.extend(tx.segment_issues.iter().map(ToString::to_string));
                segments.extend(tx.segments().map(|s| s.elements().collect::<Vec<_>>().join("*")));
            }
            Event::GroupEnd(g) => issues.extend(g.issues.iter().map(ToString::to_string)),
            Event::InterchangeEnd(ic) => {
                issues.extend(ic.issues.iter().map(ToString::to_string));
                let sep = (ic.isa.delimiters.element as char).to_string();
                let mut all: Vec<String> = ic.service_segments.iter().map(|s| s.replace(&sep, "*")).collect();
                all.append(&mut segments);
                let isa = (1..=16).map(|n| ic.isa.field(n).to_string()).collect();
                out.push(Back {
                    isa,
                    delimiters: ic.isa.delimiters,
                    segments: all,
                    issues: std::mem::take(&mut issues),
                });
            }
        }
    }
    out
}

/// Reads back the only interchange of an acknowledgment, which must be flawless.
fn only(a: &Acknowledgment) -> Back {
    let mut back = read_back(&a.x12);
    assert_eq!(back.len(), 1, "{}", String::from_utf8_lossy(&a.x12));
    let back = back.remove(0);
    assert!(back.issues.is_empty(), "{:?}\n{}", back.issues, String::from_utf8_lossy(&a.x12));
    back
}

/// ISA05..ISA08 of the ack are ISA07/ISA08 then ISA05/ISA06 of the inbound.
fn assert_swapped(back: &Back, inbound_sender: (&str, &str), inbound_receiver: (&str, &str)) {
    assert_eq!((back.isa[4].as_str(), back.isa[5].as_str()), inbound_receiver, "ISA05/06");
    assert_eq!((back.isa[6].as_str(), back.isa[7].as_str()), inbound_sender, "ISA07/08");
    assert_eq!(back.isa[13], "0", "ISA14: an acknowledgment asks for no TA1");
}

fn ta1(a: &Acknowledgment) -> (Status, &'static str) {
    let t = a.ta1.as_ref().expect("a TA1");
    (t.status, t.note_code())
}

#[test]
fn control_numbers_mismatched_at_every_level_reject_the_interchange() {
    let acks = ack("ediengine_940_ctrl_mismatch.edi", AckKind::Ack997);
    assert_eq!(acks.len(), 1);
    let a = &acks[0];
    assert_eq!(ta1(a), (Status::Rejected, "001"));
    assert!(a.groups.is_empty(), "a rejected interchange gets its TA1 only");
    let back = only(a);
    assert_swapped(&back, ("ZZ", "ABCDEFGHIJKLMNO"), ("ZZ", "123456789012345"));
    assert_eq!(&back.isa[11..15], ["00400", "000000001", "0", "P"]);
    assert_eq!(back.segments, ["TA1*000003438*101127*1719*R*001"]);
    // The inbound ends segments with line breaks, and so does its acknowledgment.
    assert_eq!(back.delimiters.segment, Terminator::LINE_BREAK);
    assert!(
        a.x12.ends_with(b"\nTA1*000003438*101127*1719*R*001\nIEA*0*000000001\n"),
        "{}",
        String::from_utf8_lossy(&a.x12)
    );
}

#[test]
fn two_groups_get_two_997s_in_one_fa_group() {
    let acks = ack("ediengine_940x3_two_gs.edi", AckKind::Ack997);
    assert_eq!(acks.len(), 1);
    let a = &acks[0];
    assert!(a.ta1.is_none());
    let back = only(a);
    assert_swapped(&back, ("ZZ", "VENDOR"), ("ZZ", "WAREHOUSE"));
    assert_eq!(back.isa[11], "00401");
    // Set 20067 has an N9 without its qualifier (N901): the mapping finds it.
    assert_eq!(
        back.segments,
        [
            "GS*FA*WAREHOUSE*VENDOR*20260301*1234*1*X*004010",
            "ST*997*0001",
            "AK1*OW*9221",
            "AK2*940*20066",
            "AK5*A",
            "AK2*940*20067",
            "AK3*N9*7*W01*8",
            "AK4*1*128*1",
            "AK5*R*5",
            "AK9*P*2*2*1",
            "SE*10*0001",
            "ST*997*0002",
            "AK1*OW*9222",
            "AK2*940*20068",
            "AK5*A",
            "AK9*A*1*1*1",
            "SE*6*0002",
        ]
    );
    let summary: Vec<_> = a
        .groups
        .iter()
        .map(|g| (g.functional_id.as_str(), g.control_number.as_str(), g.status, g.received, g.accepted))
        .collect();
    assert_eq!(summary, [("OW", "9221", Status::PartiallyAccepted, 2, 1), ("OW", "9222", Status::Accepted, 1, 1)]);
}

#[test]
fn an_850_in_a_warehouse_order_group_is_rejected_with_ak5_6() {
    let acks = ack("stedi_850_5010_dropship.edi", AckKind::Ack997);
    let back = only(&acks[0]);
    assert_swapped(&back, ("ZZ", "AMERCHANT"), ("14", "ANOTHERMERCH"));
    assert_eq!(&back.isa[11..15], ["00501", "000000001", "0", "T"]);
    assert_eq!(
        back.segments,
        [
            "GS*FA*072271711TMS*READDEMO*20260301*1234*1*X*005010",
            "ST*997*0001",
            "AK1*OW*000000057*005010",
            "AK2*850*000000057",
            "AK5*R*6",
            "AK9*R*1*1*0",
            "SE*6*0001",
        ]
    );
    let g: &GroupSummary = &acks[0].groups[0];
    assert_eq!(
        (g.status, g.sets[0].status, g.sets[0].codes.as_slice()),
        (Status::Rejected, Status::Rejected, &[SetCode::SetIdInvalid][..])
    );
}

#[test]
fn a_005010_997_parses_with_the_typed_x12_types_structure() {
    use x12_types::util::Parser;
    use x12_types::v005010::{Transmission, _997};
    let acks = ack("stedi_850_5010_dropship.edi", AckKind::Ack997);
    let text = String::from_utf8(acks[0].x12.clone()).unwrap();
    let (rest, t) = Transmission::<_997>::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert!(rest.trim().is_empty(), "left over: {rest:?}");
    let fa = &t.functional_group[0];
    assert_eq!(fa.gs._01, "FA");
    let ack = &fa.segments[0];
    assert_eq!(ack.st._01, "997");
    assert_eq!((ack.ak1._01.as_deref(), ack.ak1._02.as_deref()), (Some("OW"), Some("000000057")));
    assert_eq!(ack.loop_ak2.len(), 1);
    assert_eq!(ack.loop_ak2[0].ak2._01.as_deref(), Some("850"));
    assert_eq!(ack.loop_ak2[0].ak5._01.to_string(), "R");
    assert_eq!(ack.ak9._01.as_deref(), Some("R"));
    assert_eq!(
        (ack.ak9._02.as_deref(), ack.ak9._03.as_deref(), ack.ak9._04.as_deref()),
        (Some("1"), Some("1"), Some("0"))
    );
}

#[test]
fn an_invalid_gs_rejects_the_interchange_with_ta1_024() {
    let acks = ack("staedi_997_invalid_min.edi", AckKind::Ack997);
    let a = &acks[0];
    assert_eq!(ta1(a), (Status::Rejected, "024"));
    let back = only(a);
    assert_swapped(&back, ("ZZ", "ReceiverID"), ("ZZ", "Sender"));
    assert_eq!(back.isa[10], "^", "the repetition separator is mirrored");
    assert_eq!(back.isa[15], ":");
    assert_eq!(back.segments, ["TA1*508121953*050812*1953*R*024"]);
}

#[test]
fn a_missing_component_separator_rejects_the_interchange_with_ta1_027() {
    let acks = ack("edinet_850_missing_terminator.edi", AckKind::Ack997);
    let a = &acks[0];
    assert_eq!(ta1(a), (Status::Rejected, "027"));
    let back = only(a);
    assert_swapped(&back, ("01", "049351117"), ("ZZ", "BARSAN"));
    assert_eq!(back.delimiters.segment, Terminator::byte(b'~'));
    assert_eq!(back.segments, ["TA1*000000001*190805*1134*R*027"]);
}

#[test]
fn a_repeated_interchange_is_rejected_as_a_duplicate_and_the_first_accepted() {
    let acks = ack("nodex12_850_two_isa.edi", AckKind::Ack997);
    assert_eq!(acks.len(), 2);
    assert!(acks[0].ta1.is_none());
    let first = only(&acks[0]);
    assert_swapped(&first, ("12", "4405197800"), ("01", "999999999"));
    assert_eq!(first.isa[12], "000000001");
    assert_eq!(
        first.segments,
        [
            "GS*FA*999999999*4405197800*20260301*1234*1*X*004010",
            "ST*997*0001",
            "AK1*PO*1421",
            "AK2*850*000000010",
            "AK5*A",
            "AK9*A*1*1*1",
            "SE*6*0001",
        ]
    );
    assert_eq!(ta1(&acks[1]), (Status::Rejected, "025"));
    let second = only(&acks[1]);
    assert_eq!(second.isa[12], "000000002", "the partner's next interchange number");
    assert_eq!(second.segments, ["TA1*000003438*101127*1719*R*025"]);
}

#[test]
fn two_clean_855s_are_both_accepted() {
    let acks = ack("staedi_855x2_one_gs.edi", AckKind::Ack997);
    let back = only(&acks[0]);
    assert_eq!(back.isa[15], "^", "the inbound component separator");
    assert_eq!(
        back.segments,
        [
            "GS*FA*ALEXANDRE0JACOB*ALEXANDRE0JACOB*20260301*1234*1*X*004010",
            "ST*997*0001",
            "AK1*PR*0001",
            "AK2*855*0001",
            "AK5*A",
            "AK2*855*0002",
            "AK5*A",
            "AK9*A*2*2*2",
            "SE*8*0001",
        ]
    );
}

#[test]
fn a_version_00200_interchange_is_answered_in_its_own_delimiters() {
    let acks = ack("stupidedi_856_v2001_bang.edi", AckKind::Ack997);
    let a = &acks[0];
    assert_eq!(ta1(a), (Status::Rejected, "003"));
    assert!(a.groups.is_empty());
    // Written in full: reading it back would (rightly) object to version 00200.
    let expected =
        "ISA*00*          *00*          *01*123456789      *01*054481205      *260301*1234*U*00200*000000001*0*P*@!\n\
                    TA1*000000001*070101*1130*R*003!\n\
                    IEA*0*000000001!\n";
    assert_eq!(String::from_utf8_lossy(&a.x12), expected);
}

#[test]
fn a_999_for_an_005010_855() {
    let acks = ack("stedi_855_5010.edi", AckKind::Ack999);
    let back = only(&acks[0]);
    assert_swapped(&back, ("14", "ANOTHERMERCH"), ("ZZ", "THISISME"));
    assert_eq!(back.isa[11], "00501");
    assert_eq!(
        back.segments,
        [
            "GS*FA*MYAPPID*ANOTAPPID*20260301*1234*1*X*005010X231",
            "ST*999*0001*005010X231",
            "AK1*PR*000001746*005010",
            "AK2*855*0001",
            "IK5*A",
            "AK9*A*1*1*1",
            "SE*6*0001",
        ]
    );
    let text = String::from_utf8(acks[0].x12.clone()).unwrap();
    use x12_types::util::Parser;
    let (_, t) = x12_types::v005010::Transmission::<x12_types::v005010::_999>::parse(&text)
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(t.functional_group[0].segments[0].loop_ak2.len(), 1);
}

#[test]
fn an_interchange_asking_for_a_ta1_gets_ta1_accepted() {
    let mut input = corpus("ediengine_940.edi");
    let text = String::from_utf8(input.clone()).unwrap();
    let at = text.find("*000003438*0*P*").expect("ISA13, ISA14") + "*000003438*".len();
    input[at] = b'1';
    let acks = ack_bytes(&input, AckKind::Ack997);
    assert_eq!(ta1(&acks[0]), (Status::Accepted, "000"));
    let back = only(&acks[0]);
    assert_eq!(back.isa[13], "0");
    assert_eq!(back.segments[0], "TA1*000003438*101127*1719*A*000");
    assert_eq!(&back.segments[1..3], ["GS*FA*3111350000*7705551212*20260301*1234*1*X*004010", "ST*997*0001"]);
    assert_eq!(back.segments[back.segments.len() - 2], "AK9*A*1*1*1");
}

#[test]
fn acknowledgments_are_not_acknowledged() {
    for name in ["staedi_997_three_isa.edi", "staedi_997_isb_ise.edi", "staedi_997_repetition_composite.edi"] {
        assert!(ack(name, AckKind::Ack997).is_empty(), "{name} owes nothing");
    }
}

#[test]
fn input_that_is_not_x12_cannot_be_acknowledged() {
    let err = acknowledge(
        &b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER'"[..],
        AckKind::Ack997,
        &mut MemoryControlNumbers::default(),
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, AckError::Read(ReadError::Unreadable { .. })), "{err}");
    assert!(err.to_string().contains("EDIFACT"), "{err}");
}

/// `staedi_855x2_one_gs.edi` with one change.
fn edited_855s(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(corpus("staedi_855x2_one_gs.edi")).unwrap();
    assert!(text.contains(from));
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn an_unsupported_group_version_is_rejected_without_ak2s() {
    let acks = ack_bytes(&edited_855s("*X*004010~", "*X*009010~"), AckKind::Ack997);
    let back = only(&acks[0]);
    // Answered in the interchange's release: the group's own is not one we support.
    assert_eq!(back.segments[0], "GS*FA*ALEXANDRE0JACOB*ALEXANDRE0JACOB*20260301*1234*1*X*004010");
    assert_eq!(back.segments[2..], ["AK1*PR*0001", "AK9*R*2*2*0*2", "SE*4*0001"]);
}

#[test]
fn an_unknown_functional_id_is_rejected_without_ak2s() {
    let acks = ack_bytes(&edited_855s("GS*PR*", "GS*QQ*"), AckKind::Ack997);
    let back = only(&acks[0]);
    assert_eq!(back.segments[2..], ["AK1*QQ*0001", "AK9*R*2*2*0*1", "SE*4*0001"]);
}

#[test]
fn a_group_count_mismatch_rejects_the_group_but_reports_each_set() {
    let acks = ack_bytes(&edited_855s("GE*2*0001~", "GE*3*0001~"), AckKind::Ack997);
    let back = only(&acks[0]);
    assert_eq!(
        back.segments[2..],
        ["AK1*PR*0001", "AK2*855*0001", "AK5*A", "AK2*855*0002", "AK5*A", "AK9*R*2*2*0*5", "SE*8*0001"]
    );
}

/// Drives the builder over `staedi_855x2_one_gs.edi` (or a 005010 copy of it), adding
/// `issues` to its second set.
fn with_issues(kind: AckKind, v5010: bool, issues: Vec<SegmentIssue>) -> Back {
    let mut input = corpus("staedi_855x2_one_gs.edi");
    if v5010 {
        input = String::from_utf8(input)
            .unwrap()
            .replace("*00401*", "*00501*")
            .replace("*X*004010~", "*X*005010~")
            .into_bytes();
    }
    let mut builder =
        AckBuilder::new(AckOptions { kind, our_qualifier_and_id: Some(("ZZ".into(), "CROSSDOCK".into())), now: now() });
    let mut numbers = MemoryControlNumbers::default();
    let mut reader = X12Reader::new(&input[..]);
    let mut acks = Vec::new();
    while let Some(event) = reader.next() {
        match event.unwrap() {
            Event::InterchangeStart(ic) => builder.interchange_start(ic),
            Event::GroupStart(g) => builder.group_start(g),
            Event::Transaction(tx) => {
                let extra = if tx.control_number == "0002" { issues.clone() } else { Vec::new() };
                builder.transaction(tx.set_id, tx.control_number, tx.implementation, &tx.issues, &extra);
            }
            Event::GroupEnd(g) => builder.group_end(g),
            Event::InterchangeEnd(ic) => acks.extend(builder.interchange_end(ic, &mut numbers).unwrap()),
        }
    }
    assert_eq!(acks.len(), 1);
    let back = only(&acks[0]);
    assert_eq!((back.isa[4].as_str(), back.isa[5].as_str()), ("ZZ", "CROSSDOCK"), "our id as configured");
    back
}

fn element(
    code: ElementCode,
    position: u32,
    component: Option<u32>,
    reference: Option<u32>,
    value: Option<&str>,
) -> ElementIssue {
    ElementIssue { code, position, component, reference, value: value.map(str::to_string), message: String::new() }
}

fn segment(
    id: &str,
    position: u32,
    loop_id: Option<&str>,
    code: SegmentCode,
    elements: Vec<ElementIssue>,
) -> SegmentIssue {
    let at = Location { segment: 0, line: 0, segment_id: id.to_string() };
    SegmentIssue { code, at, position, loop_id: loop_id.map(str::to_string), elements, message: String::new() }
}

#[test]
fn segment_issues_become_ak3_and_ak4_in_004010() {
    let long = format!("A*B^C~D:E{}", "x".repeat(200));
    let issues = vec![
        segment(
            "BAK",
            2,
            None,
            SegmentCode::ElementErrors,
            vec![
                element(ElementCode::MandatoryMissing, 1, None, Some(353), None),
                element(ElementCode::TooLong, 3, None, Some(324), Some(&long)),
            ],
        ),
        segment(
            "N1",
            3,
            Some("N1"),
            SegmentCode::ElementErrors,
            vec![
                element(ElementCode::TooManyRepetitions, 2, None, None, Some("X")),
                element(ElementCode::TooManyComponents, 4, Some(2), Some(67), None),
            ],
        ),
        // Whatever is missing, the issue is still acknowledged.
        segment(
            "",
            0,
            None,
            SegmentCode::MandatoryMissing,
            vec![element(ElementCode::InvalidCode, 0, None, None, Some(""))],
        ),
    ];
    let back = with_issues(AckKind::Ack997, false, issues);
    // `:` is no delimiter here: the component separator of this interchange is `^`.
    let copy = format!("ABCD:E{}", "x".repeat(93));
    assert_eq!(
        back.segments[2..],
        [
            "AK1*PR*0001",
            "AK2*855*0001",
            "AK5*A",
            "AK2*855*0002",
            "AK3*BAK*2**8",
            "AK4*1*353*1",
            &format!("AK4*3*324*5*{copy}"),
            "AK3*N1*3*N1*8",
            // 004010 has no codes 12 and 13: 7 and 3 stand in for them.
            "AK4*2**7*X",
            "AK4*4^2*67*3",
            "AK3****3",
            "AK4***7",
            "AK5*R*5",
            "AK9*P*2*2*1",
            "SE*16*0001",
        ]
    );
}

#[test]
fn segment_issues_become_ik3_and_ik4_in_a_999() {
    let issues = vec![segment(
        "N1",
        3,
        Some("N1"),
        SegmentCode::ElementErrors,
        vec![
            element(ElementCode::TooManyRepetitions, 2, None, None, Some("X")),
            element(ElementCode::TooManyComponents, 4, Some(2), Some(67), None),
        ],
    )];
    let back = with_issues(AckKind::Ack999, true, issues);
    assert_eq!(back.segments[0], "GS*FA*ALEXANDRE0JACOB*ALEXANDRE0JACOB*20260301*1234*1*X*005010X231");
    assert_eq!(
        back.segments[1..],
        [
            "ST*999*0001*005010X231",
            "AK1*PR*0001*005010",
            "AK2*855*0001",
            "IK5*A",
            "AK2*855*0002",
            "IK3*N1*3*N1*8",
            "IK4*2**12*X",
            "IK4*4^2*67*13",
            "IK5*R*5",
            "AK9*P*2*2*1",
            "SE*11*0001",
        ]
    );
}

#[test]
fn no_corpus_document_nor_any_damaged_copy_makes_the_builder_panic() {
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut runs = 0;
    // Every acknowledgment written must read back as X12.
    let check = |input: &[u8], kind: AckKind| {
        if let Ok(acks) = acknowledge(input, kind, &mut MemoryControlNumbers::default(), now()) {
            for a in acks {
                assert!(!read_back(&a.x12).is_empty());
            }
        }
    };
    for entry in std::fs::read_dir(dir).unwrap() {
        let original = std::fs::read(entry.unwrap().path()).unwrap();
        check(&original, AckKind::Ack999);
        let stride = (original.len() / 60).max(1);
        for (n, at) in (0..original.len()).step_by(stride).enumerate() {
            let kind = if n % 2 == 0 { AckKind::Ack997 } else { AckKind::Ack999 };
            check(&original[..at], kind);
            for b in [b'*', b'~', b'\n', b':', b'^', b'X', 0xE9] {
                let mut damaged = original.clone();
                damaged[at] = b;
                check(&damaged, kind);
                runs += 1;
            }
        }
    }
    assert!(runs > 5_000, "{runs}");
}
