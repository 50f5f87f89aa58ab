//! The streaming reader on real and crafted inputs: delimiters, tolerance, envelope
//! checks, and the same result however the input is chunked.

use std::io::Read;

use crossdock_x12::{Event, ReadError, X12Reader};

/// A compact trace of everything the reader reports, for comparing runs.
fn trace(input: impl Read) -> Vec<String> {
    let mut r = X12Reader::new(input);
    let mut out = Vec::new();
    while let Some(ev) = r.next() {
        match ev {
            Err(e) => out.push(format!("FATAL {e}")),
            Ok(Event::InterchangeStart(ic)) => {
                out.push(format!("ISA {} {}", ic.isa.sender_id(), ic.isa.control_number()))
            }
            Ok(Event::GroupStart(g)) => out.push(format!("GS {} {}", g.functional_id(), g.control_number())),
            Ok(Event::Transaction(tx)) => {
                let segs: Vec<String> =
                    tx.segments().map(|s| format!("{}@{}:{}", s.raw(), s.position, s.line)).collect();
                out.push(format!("ST {} {} [{}]", tx.set_id, tx.control_number, segs.join(" | ")));
                out.extend(tx.issues.iter().map(|i| format!("  ! {i}")));
                out.extend(tx.segment_issues.iter().map(|i| format!("  ! {i}")));
            }
            Ok(Event::GroupEnd(g)) => {
                out.push(format!("GE {}", g.set_count));
                out.extend(g.issues.iter().map(|i| format!("  ! {i}")));
            }
            Ok(Event::InterchangeEnd(ic)) => {
                out.push(format!("IEA {}", ic.group_count));
                out.extend(ic.issues.iter().map(|i| format!("  ! {i}")));
            }
        }
    }
    out
}

/// Hands out at most `n` bytes per read, to move every boundary through the buffer's edges.
struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "edi"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn chunking_never_changes_what_is_read() {
    for (name, bytes) in corpus() {
        let whole = trace(bytes.as_slice());
        for n in [1, 2, 3, 7, 64] {
            assert_eq!(trace(Trickle { data: &bytes, n }), whole, "{name} read {n} bytes at a time");
        }
    }
}

#[test]
fn a_transaction_larger_than_the_buffer_is_read_whole() {
    let mut x = String::from("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*P*:~GS*PO*S*R*20260101*1200*1*X*005010~ST*850*0001~BEG*00*SA*PO1**20260101~");
    for i in 0..20_000 {
        x.push_str(&format!("PO1*{i}*1*EA*1.00**VN*PART{i}~"));
    }
    x.push_str("SE*20003*0001~GE*1*1~IEA*1*000000001~");
    let t = trace(Trickle { data: x.as_bytes(), n: 10_000 });
    assert_eq!(t.len(), 5, "{:?}", &t[..t.len().min(8)]);
    assert!(t[2].starts_with("ST 850 0001 ["));
    assert!(t[2].contains("PO1*19999*1*EA*1.00**VN*PART19999@20002:1"));
}

const CLEAN: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000007*0*P*:~GS*PR*S*R*20260101*1200*5*X*005010~ST*855*0001~BAK*00*AC*PO1*20260101~SE*3*0001~GE*1*5~IEA*1*000000007~";

#[test]
fn line_breaks_bom_and_indentation_between_segments_are_tolerated() {
    let expected = trace(CLEAN.as_bytes());
    assert!(expected.iter().all(|l| !l.contains('!')), "{expected:?}");
    let crlf = format!("\u{feff}{}", CLEAN.replace('~', "~\r\n\t  "));
    let lf_only = CLEAN.replace('~', "\n");
    for variant in [crlf, lf_only] {
        let got: Vec<String> = trace(variant.as_bytes()).into_iter().map(strip_positions).collect();
        let want: Vec<String> = expected.iter().cloned().map(strip_positions).collect();
        assert_eq!(got, want, "{variant:?}");
    }
}

/// Drops `@position:line` marks, which differ when line breaks differ.
fn strip_positions(s: String) -> String {
    s.split(" | ").map(|p| p.split('@').next().unwrap_or(p)).collect::<Vec<_>>().join(" | ")
}

#[test]
fn line_breaks_inside_segments_are_not_data_when_the_terminator_is_not_one() {
    let wrapped: String =
        CLEAN.as_bytes().chunks(80).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\n");
    let t = trace(wrapped.as_bytes());
    assert!(t.iter().any(|l| l.contains("BAK*00*AC*PO1*20260101@2")), "{t:?}");
    assert!(t.iter().all(|l| !l.contains('!')), "{t:?}");
}

#[test]
fn envelope_errors_are_found_at_every_level() {
    let bad = CLEAN
        .replace("SE*3*0001", "SE*4*0002")
        .replace("GE*1*5", "GE*2*6")
        .replace("IEA*1*000000007", "IEA*1*000000008");
    let t = trace(bad.as_bytes()).join("\n");
    for code in ["AK5 4:", "AK5 3:", "AK9 5:", "AK9 4:", "TA1 001:"] {
        assert!(t.contains(code), "missing {code} in\n{t}");
    }
}

#[test]
fn missing_trailers_are_reported_not_invented() {
    let cut = CLEAN.split("SE*").next().unwrap();
    let t = trace(cut.as_bytes()).join("\n");
    for code in ["AK5 2:", "AK9 3:", "TA1 023:"] {
        assert!(t.contains(code), "missing {code} in\n{t}");
    }
}

#[test]
fn a_byte_that_is_not_text_is_flagged_where_it_is() {
    let mut bytes = CLEAN.as_bytes().to_vec();
    let at = CLEAN.find("PO1").unwrap();
    bytes[at + 1] = 0xFF;
    let t = trace(bytes.as_slice()).join("\n");
    assert!(t.contains("P?1*20260101"), "{t}");
    assert!(t.contains("element 03: byte at offset 11 is not valid text [AK4 6:"), "{t}");
}

fn fatal(input: &[u8]) -> String {
    let mut r = X12Reader::new(input);
    loop {
        match r.next() {
            Some(Err(ReadError::Unreadable { message, .. })) => return message,
            Some(Err(e)) => return e.to_string(),
            Some(Ok(_)) => continue,
            None => panic!("no fatal error for {:?}", String::from_utf8_lossy(input)),
        }
    }
}

#[test]
fn what_is_not_x12_says_what_it_is() {
    assert!(fatal(b"").contains("empty"));
    assert!(fatal(b"UNA:+.? 'UNB+UNOC:3+SENDER").contains("EDIFACT"));
    assert!(fatal(&[0xC9, 0xE2, 0xC1, 0x5C, 0xF0, 0xF0]).contains("EBCDIC"));
    assert!(fatal(&[0xFF, 0xFE, b'I', 0, b'S', 0]).contains("UTF-16"));
    let not_edi = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/not-x12/ediengine_not_edi.edi")).unwrap();
    assert!(fatal(&not_edi).contains("expected an ISA segment"));
    assert!(fatal(b"ISA*00*     ").contains("ends inside the ISA"));
    assert!(fatal(format!("{CLEAN}GARBAGE").as_bytes()).contains("after the IEA trailer"));
}

#[test]
fn a_runaway_segment_is_an_error_not_unbounded_memory() {
    let mut x = CLEAN.split("PO1").next().unwrap().to_string();
    x.push_str(&"X".repeat(3 << 20));
    x.push_str("~SE*3*0001~GE*1*5~IEA*1*000000007~");
    assert!(fatal(x.as_bytes()).contains("no segment terminator"));
}
