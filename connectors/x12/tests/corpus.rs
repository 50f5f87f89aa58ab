//! Every real document of the corpus, end to end: what it translates to, what is rejected
//! and why, and the acknowledgment it gets.
//!
//! Two layers of assertion:
//! - `VERDICTS`, written by hand from the standard: whether each file is accepted, partly
//!   accepted, rejected or unreadable, and a piece of the acknowledgment it must get;
//! - `expected/<file>.out`, the full reviewed output (canonical JSON, every error with its
//!   position and code, the acknowledgment). Refresh with `UPDATE_EXPECT=1 cargo test`,
//!   then review the diff like code.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use crossdock_x12::ack::{acknowledge, AckKind};
use crossdock_x12::control::MemoryControlNumbers;
use crossdock_x12::translate::{translate, Outcome};
use crossdock_x12::ReaderOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Every transaction set is translated.
    Accepted,
    /// Some sets (or interchanges) are translated, others rejected.
    Partial,
    /// Nothing is translated.
    Rejected,
    /// Not X12 that can be addressed: a clear error, no acknowledgment.
    Unreadable,
}
use Verdict::*;

/// File, verdict, and text the acknowledgment must contain (delimited as the ack is
/// written, which mirrors the inbound delimiters). Functional acknowledgments are never
/// acknowledged with a 997 themselves, so those owe nothing unless their envelope is wrong.
const VERDICTS: &[(&str, Verdict, &str)] = &[
    ("ediengine_850_sln_composite.edi", Accepted, "AK9*A*1*1*1"),
    ("ediengine_856_crossdock.edi", Accepted, "AK9*A*1*1*1"),
    ("ediengine_940.edi", Accepted, "AK9*A*1*1*1"),
    // ST/SE, GS/GE and ISA/IEA control numbers all disagree.
    ("ediengine_940_ctrl_mismatch.edi", Rejected, "TA1*000003438*101127*1719*R*001"),
    // IEA02 `3438` is ISA13 `000003438` without its padding: the same number.
    ("ediengine_940_two_isa_two_gs.edi", Accepted, "AK9*A*2*2*2"),
    // The second 940 has an N9 with an empty N901.
    ("ediengine_940x3_two_gs.edi", Partial, "AK5*R*5"),
    ("edinet_214_isa_linebreak.edi", Accepted, "AK9*A*1*1*1"),
    ("edinet_214_v4030.edi", Accepted, "AK9*A*1*1*1"),
    // ISA02, ISA04 and ISA08 are not padded to their fixed widths.
    ("edinet_810_ariba_indented.edi", Rejected, "*R*011"),
    // ISA16 is missing, one segment lacks its terminator, ST02 0001 is used twice.
    ("edinet_850_missing_terminator.edi", Rejected, "*R*027"),
    // IEA02 does not match ISA13.
    ("edinet_850_nbsp_isa.edi", Rejected, "*R*001"),
    ("nodex12_850_lf_only.edi", Accepted, "AK9*A*1*1*1"),
    ("nodex12_850_petco_redacted.edi", Accepted, "AK9*A*1*1*1"),
    // The second interchange repeats the first one's control number.
    ("nodex12_850_two_isa.edi", Partial, "*R*025"),
    ("nodex12_850_vics.edi", Accepted, "AK9*A*1*1*1"),
    ("nodex12_855_ack_sch.edi", Accepted, "AK9*A*1*1*1"),
    ("nodex12_856_v4060.edi", Accepted, "AK9*A*1*1*1"),
    // A 210 freight invoice: read fine, but not a set the hub maps.
    ("staedi_210_wrapped80.edi", Rejected, "AK5*R*1"),
    ("staedi_214_ellipsis_terminator.edi", Accepted, "AK9*A*1*1*1"),
    ("staedi_810_simple.edi", Accepted, "AK9*A*2*2*2"),
    ("staedi_810x2_850_two_gs.edi", Accepted, "AK9*A*1*1*1"),
    ("staedi_855x2_one_gs.edi", Accepted, "AK9*A*2*2*2"),
    // A 997 without its mandatory AK1 and AK9 (rejected, but a 997 is never acknowledged
    // with a 997: that is how acknowledgment loops are avoided).
    ("staedi_997_empty_st03.edi", Rejected, ""),
    // GS04 and GS05 are not a date and a time.
    ("staedi_997_invalid_min.edi", Rejected, "*R*024"),
    ("staedi_997_isb_ise.edi", Accepted, ""),
    ("staedi_997_repetition_composite.edi", Accepted, ""),
    ("staedi_997_three_isa.edi", Accepted, ""),
    // An 850 in a GS01 `OW` (warehouse shipping order) group.
    ("stedi_850_5010_dropship.edi", Rejected, "AK5*R*6"),
    ("stedi_855_5010.edi", Accepted, "AK9*A*1*1*1"),
    ("stupidedi_810_pipe.edi", Accepted, "AK9|A|1|1|1"),
    // Control version 00200 is not supported (and SE01 is wrong).
    ("stupidedi_850_v3010_nissan.edi", Rejected, "*R*003"),
    // ISA fields not padded.
    ("stupidedi_850_v3050_split.edi", Rejected, "*R*011"),
    ("stupidedi_855_brace_compsep.edi", Accepted, "AK9*A*1*1*1"),
    // The terminator is a line break and the ISA is broken across two lines.
    ("stupidedi_855_isa_split.edi", Rejected, "*R*022"),
    // `$` terminates segments, but three segments end in `~`: counts go wrong.
    ("stupidedi_856_dollar_term.edi", Rejected, "AK5*R*4"),
    ("stupidedi_856_v2001_bang.edi", Rejected, "*R*003"),
    // ISA06 is not padded to its 15 characters.
    ("stupidedi_997_backtick.edi", Rejected, "*R*006"),
];

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(sub)
}

/// Everything the hub says about one file, as reviewed text.
struct Run {
    verdict: Verdict,
    report: String,
    ack: String,
}

fn run(path: &Path) -> Run {
    let bytes = std::fs::read(path).unwrap();
    let mut report = String::new();
    let (mut accepted, mut rejected) = (0, 0);
    let mut staged = Vec::new();
    let result = translate(bytes.as_slice(), ReaderOptions::default(), |outcome| match outcome {
        Outcome::Set(set) => {
            report.push_str(&format!("set {} {} at {}: ", set.set_id, set.control_number, set.at));
            if set.accepted() {
                report.push_str("accepted\n");
                staged.push(serde_json::to_string(set.envelope.as_ref().unwrap()).unwrap());
            } else {
                report.push_str("rejected\n");
                rejected += 1;
            }
            for e in &set.errors {
                report.push_str(&format!("  error: {e}\n"));
            }
            for w in &set.warnings {
                report.push_str(&format!("  warning: {w}\n"));
            }
        }
        Outcome::InterchangeEnd(ic) => {
            report.push_str(&format!(
                "interchange {} from {}: {}\n",
                ic.control_number,
                ic.sender,
                if ic.rejected { "rejected" } else { "accepted" }
            ));
            for e in &ic.errors {
                report.push_str(&format!("  error: {e}\n"));
            }
            if ic.rejected {
                rejected += staged.len();
            } else {
                accepted += staged.len();
                for doc in &staged {
                    report.push_str(&format!("  document: {doc}\n"));
                }
            }
            staged.clear();
        }
    });
    if let Err(e) = result {
        return Run { verdict: Unreadable, report: format!("{report}fatal: {e}\n"), ack: String::new() };
    }
    let mut numbers = MemoryControlNumbers::default();
    let now = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap().and_hms_opt(12, 0, 0).unwrap();
    let acks =
        acknowledge(bytes.as_slice(), AckKind::Ack997, &mut numbers, now).expect("readable input is acknowledged");
    let ack: String = acks.iter().map(|a| String::from_utf8(a.x12.clone()).unwrap()).collect();
    let verdict = match (accepted, rejected) {
        (_, 0) if accepted > 0 => Accepted,
        (0, _) => Rejected,
        _ => Partial,
    };
    Run { verdict, report, ack }
}

#[test]
fn every_corpus_file_gets_its_verdict_and_acknowledgment() {
    let mut names: Vec<String> = std::fs::read_dir(dir("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".edi"))
        .collect();
    names.sort();
    let listed: Vec<&str> = VERDICTS.iter().map(|v| v.0).collect();
    assert_eq!(names, listed, "every corpus file needs a verdict, and only those");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for (name, verdict, ack_part) in VERDICTS {
        let r = run(&dir("corpus").join(name));
        if r.verdict != *verdict {
            failures.push(format!("{name}: expected {verdict:?}, got {:?}\n{}", r.verdict, r.report));
        }
        if !r.ack.contains(ack_part) {
            failures.push(format!("{name}: the acknowledgment lacks {ack_part:?}:\n{}", r.ack));
        }
        let text = format!("{}\nacknowledgment:\n{}", r.report, r.ack);
        let expected_path = dir("expected").join(format!("{name}.out"));
        if update {
            std::fs::create_dir_all(dir("expected")).unwrap();
            std::fs::write(&expected_path, &text).unwrap();
        } else {
            match std::fs::read_to_string(&expected_path) {
                Ok(expected) if expected == text => {}
                Ok(expected) => failures.push(format!(
                    "{name}: output differs from {}:\n{}",
                    expected_path.display(),
                    first_difference(&expected, &text)
                )),
                Err(_) => failures.push(format!("{name}: no {} (UPDATE_EXPECT=1 writes it)", expected_path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn input_that_is_not_x12_is_unreadable_with_a_clear_reason() {
    let r = run(&dir("not-x12").join("ediengine_not_edi.edi"));
    assert_eq!(r.verdict, Unreadable);
    assert!(r.report.contains("not an X12 interchange: expected an ISA segment"), "{}", r.report);
}

#[test]
fn a_lenient_partner_gets_the_unpadded_isa_translated() {
    let bytes = std::fs::read(dir("corpus").join("edinet_810_ariba_indented.edi")).unwrap();
    let mut accepted = Vec::new();
    let options = ReaderOptions { lenient_isa_widths: true, ..ReaderOptions::default() };
    translate(bytes.as_slice(), options, |outcome| match outcome {
        Outcome::Set(set) => accepted.push(set.accepted()),
        Outcome::InterchangeEnd(ic) => assert!(!ic.rejected, "{:?}", ic.errors),
    })
    .unwrap();
    assert_eq!(accepted, [true]);
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1);
        }
    }
    format!("lengths differ: expected {} lines, got {}", expected.lines().count(), actual.lines().count())
}
