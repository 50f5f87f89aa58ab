//! The interchange header: where the delimiters are discovered, so it is read by hand
//! before any other segment.

use super::segment::{Delimiters, Terminator};
use crate::issue::{InterchangeIssue, Location, Ta1Code};

/// The interchange header, as read, with the problems found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isa {
    /// ISA01..ISA16 exactly as sent (padding kept), index 0 is ISA01.
    pub fields: Vec<String>,
    pub delimiters: Delimiters,
}

impl Isa {
    /// Field `n` (1-based) trimmed of its padding (spaces, and the no-break spaces some senders use).
    pub fn field(&self, n: usize) -> &str {
        self.fields.get(n - 1).map(|s| trim_pad(s)).unwrap_or("")
    }
    pub fn sender_qualifier(&self) -> &str {
        self.field(5)
    }
    pub fn sender_id(&self) -> &str {
        self.field(6)
    }
    pub fn receiver_qualifier(&self) -> &str {
        self.field(7)
    }
    pub fn receiver_id(&self) -> &str {
        self.field(8)
    }
    pub fn date(&self) -> &str {
        self.field(9)
    }
    pub fn time(&self) -> &str {
        self.field(10)
    }
    pub fn version(&self) -> &str {
        self.field(12)
    }
    pub fn control_number(&self) -> &str {
        self.field(13)
    }
    pub fn ack_requested(&self) -> bool {
        self.field(14) == "1"
    }
    pub fn usage(&self) -> &str {
        self.field(15)
    }
}

pub(crate) fn trim_pad(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\u{a0}')
}

/// What scanning the ISA found: the header, how many bytes and line breaks it spans, and
/// the problems, each with the TA1 note code it earns.
pub(crate) struct IsaScan {
    pub isa: Isa,
    pub consumed: usize,
    pub newlines: u32,
    pub issues: Vec<InterchangeIssue>,
}

/// A reason the input cannot be read as X12 at all.
pub(crate) enum NotIsa {
    /// Not enough bytes yet; read more (or, at end of input, the ISA is truncated).
    NeedMore,
    Fatal(Ta1Code, String),
}

/// Widths X12.5 fixes for ISA01..ISA16.
const WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
const WIDTH_CODES: [Ta1Code; 16] = [
    Ta1Code::AuthQualifierInvalid,
    Ta1Code::AuthValueInvalid,
    Ta1Code::SecurityQualifierInvalid,
    Ta1Code::SecurityValueInvalid,
    Ta1Code::SenderQualifierInvalid,
    Ta1Code::SenderIdInvalid,
    Ta1Code::ReceiverQualifierInvalid,
    Ta1Code::ReceiverIdInvalid,
    Ta1Code::DateInvalid,
    Ta1Code::TimeInvalid,
    Ta1Code::StandardsIdInvalid,
    Ta1Code::VersionInvalid,
    Ta1Code::ControlNumberInvalid,
    Ta1Code::AckRequestedInvalid,
    Ta1Code::TestIndicatorInvalid,
    Ta1Code::ComponentSeparatorInvalid,
];

/// How far into the input the ISA's sixteen elements may reach.
const MAX_ELEMENTS_BYTES: usize = 600;
/// The most bytes [`scan`] ever looks at: the elements, ISA16 and a terminator of up to
/// four bytes. With this many buffered (or the end of the input), it never asks for more.
pub(crate) const SCAN_BYTES: usize = MAX_ELEMENTS_BYTES + 8;

/// Reads the ISA at the start of `bytes`. Line breaks inside it are skipped (VAN-wrapped
/// files break lines anywhere) unless the terminator itself turns out to be a line break.
pub(crate) fn scan(bytes: &[u8], eof: bool, at: &Location, lenient_widths: bool) -> Result<IsaScan, NotIsa> {
    let need_more = || {
        if eof {
            NotIsa::Fatal(Ta1Code::PrematureEnd, "the input ends inside the ISA segment".into())
        } else {
            NotIsa::NeedMore
        }
    };
    if bytes.len() < 4 {
        return Err(need_more());
    }
    let sep = bytes[3];
    if sep.is_ascii_alphanumeric() || sep.is_ascii_whitespace() {
        return Err(NotIsa::Fatal(
            Ta1Code::ElementSeparatorInvalid,
            format!("ISA element separator {:?} is a letter, digit or space", sep as char),
        ));
    }
    if !sep.is_ascii() {
        return Err(NotIsa::Fatal(
            Ta1Code::ElementSeparatorInvalid,
            format!("ISA element separator byte 0x{sep:02X} is not an ASCII character"),
        ));
    }
    let mut fields: Vec<String> = Vec::with_capacity(16);
    let mut current = Vec::with_capacity(16);
    let mut newlines = 0u32;
    let mut broken_after: Option<usize> = None;
    let mut i = 4;
    // ISA01..ISA15, each ended by the element separator.
    while fields.len() < 15 {
        let Some(&b) = bytes.get(i) else { return Err(need_more()) };
        if i > MAX_ELEMENTS_BYTES {
            return Err(NotIsa::Fatal(Ta1Code::ControlStructureInvalid, "ISA has fewer than 16 elements".into()));
        }
        match b {
            b'\n' | b'\r' => {
                if b == b'\n' {
                    newlines += 1;
                }
                broken_after.get_or_insert(fields.len());
            }
            _ if b == sep => {
                fields.push(String::from_utf8_lossy(&current).into_owned());
                current.clear();
            }
            _ => current.push(b),
        }
        i += 1;
    }
    let mut issues = Vec::new();
    let issue = |code, message: String| InterchangeIssue { code, at: at.clone(), message, fatal: true };
    // ISA16, then the terminator: the character right after it.
    let Some(&component) = bytes.get(i) else { return Err(need_more()) };
    let term_len = utf8_len(*bytes.get(i + 1).unwrap_or(&0));
    let Some(term_bytes) = bytes.get(i + 1..i + 1 + term_len) else { return Err(need_more()) };
    let mut terminator = Terminator::from_bytes(term_bytes);
    let mut component = Some(component);
    let mut consumed = i + 1 + term_len;
    if component == Some(b'\r') || component == Some(b'\n') {
        // Nothing between the last separator and the line break: ISA16 is missing.
        issues.push(issue(Ta1Code::ComponentSeparatorInvalid, "ISA16 (component element separator) is missing".into()));
        terminator = Terminator::LINE_BREAK;
        component = None;
        consumed = i + 1;
    } else if term_bytes[0].is_ascii_alphanumeric()
        || (terminator.is_line_break() && next_line_ends_with(&bytes[consumed..], component.unwrap_or(0)))
    {
        // What stands in ISA16 is really the segment terminator: the ISA is one character short.
        let c = component.take().unwrap_or(b'~');
        issues.push(issue(
            Ta1Code::ComponentSeparatorInvalid,
            format!("ISA16 (component element separator) is missing: {:?} ends the segments, so it is the segment terminator", c as char),
        ));
        terminator = Terminator::byte(c);
        consumed = i + 1;
    }
    if terminator.is_line_break() {
        if let Some(after) = broken_after {
            issues.push(issue(
                Ta1Code::ControlStructureInvalid,
                format!(
                    "the segment terminator is a line break, yet the ISA is broken across lines after ISA{after:02}"
                ),
            ));
        }
    }
    let term0 = terminator.as_bytes()[0];
    if term0 == sep || component == Some(sep) || component == Some(term0) {
        issues.push(issue(Ta1Code::ComponentSeparatorInvalid, "ISA delimiters are not distinct".into()));
    }
    if let Some(c) = component.filter(|c| !c.is_ascii()) {
        // It could match a byte inside a multi-byte character of the (UTF-8) text.
        let message = format!("ISA16 (component element separator) byte 0x{c:02X} is not an ASCII character");
        issues.push(issue(Ta1Code::ComponentSeparatorInvalid, message));
    }
    let comp = component.unwrap_or(b':');
    fields.push((comp as char).to_string());

    let version = trim_pad(&fields[11]).to_string();
    let repetition = {
        let r = fields[10].as_bytes();
        (version.as_str() >= "00402" && r.len() == 1 && !r[0].is_ascii_alphanumeric() && r[0] != b' ').then(|| r[0])
    };
    let delimiters = Delimiters { element: sep, component: comp, repetition, segment: terminator };
    check_fields(&fields, &version, lenient_widths, &mut |code, msg| issues.push(issue(code, msg)));
    Ok(IsaScan { isa: Isa { fields, delimiters }, consumed, newlines, issues })
}

/// Checks ISA01..ISA15. The version comes first: a TA1 carries one note code, and an
/// unsupported version is the most telling reason.
fn check_fields(f: &[String], version: &str, lenient_widths: bool, report: &mut dyn FnMut(Ta1Code, String)) {
    if version.len() != 5 || !version.bytes().all(|b| b.is_ascii_digit()) {
        report(Ta1Code::VersionInvalid, format!("ISA12 {version:?} is not a five-digit version"));
    } else if version < "00300" {
        report(
            Ta1Code::VersionNotSupported,
            format!("ISA12 version {version} is older than the supported 00300 and later"),
        );
    }
    if !lenient_widths {
        for (n, field) in f.iter().enumerate().take(15) {
            let chars = field.chars().count();
            if chars != WIDTHS[n] {
                report(
                    WIDTH_CODES[n],
                    format!("ISA{:02} is {} characters wide, the standard fixes it at {}", n + 1, chars, WIDTHS[n]),
                );
            }
        }
    }
    let t = |n: usize| trim_pad(&f[n - 1]);
    let codes: [(usize, &[&str], Ta1Code); 5] = [
        (1, &["00", "01", "02", "03", "04", "05", "06"], Ta1Code::AuthQualifierInvalid),
        (3, &["00", "01"], Ta1Code::SecurityQualifierInvalid),
        (14, &["0", "1"], Ta1Code::AckRequestedInvalid),
        (15, &["P", "T", "I"], Ta1Code::TestIndicatorInvalid),
        (12, &[], Ta1Code::VersionInvalid),
    ];
    for (n, allowed, code) in codes {
        if !allowed.is_empty() && !allowed.contains(&t(n)) {
            report(code, format!("ISA{n:02} {:?} is not one of {allowed:?}", t(n)));
        }
    }
    for (n, code) in [(6, Ta1Code::SenderIdInvalid), (8, Ta1Code::ReceiverIdInvalid)] {
        if t(n).is_empty() {
            report(code, format!("ISA{n:02} is blank"));
        }
    }
    for (n, code) in [(5, Ta1Code::SenderQualifierInvalid), (7, Ta1Code::ReceiverQualifierInvalid)] {
        if t(n).len() != 2 || !t(n).bytes().all(|b| b.is_ascii_alphanumeric()) {
            report(code, format!("ISA{n:02} {:?} is not a two-character qualifier", t(n)));
        }
    }
    if chrono::NaiveDate::parse_from_str(t(9), "%y%m%d").is_err() || t(9).len() != 6 {
        report(Ta1Code::DateInvalid, format!("ISA09 {:?} is not a valid YYMMDD date", t(9)));
    }
    if chrono::NaiveTime::parse_from_str(t(10), "%H%M").is_err() || t(10).len() != 4 {
        report(Ta1Code::TimeInvalid, format!("ISA10 {:?} is not a valid HHMM time", t(10)));
    }
    if version < "00402" && t(11) != "U" {
        report(
            Ta1Code::StandardsIdInvalid,
            format!("ISA11 {:?} should be U (US EDI community) before version 00402", t(11)),
        );
    }
    if t(13).len() != 9 || !t(13).bytes().all(|b| b.is_ascii_digit()) {
        report(Ta1Code::ControlNumberInvalid, format!("ISA13 {:?} is not a nine-digit control number", t(13)));
    }
}

/// True when the line after this one ends with `c` (looking a short way ahead only).
fn next_line_ends_with(rest: &[u8], c: u8) -> bool {
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len())..];
    let line_end = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
    line_end > 0 && rest[line_end - 1] == c
}

/// Length of the UTF-8 sequence a lead byte starts (1 for ASCII and for stray bytes).
fn utf8_len(b: u8) -> usize {
    match b {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}
