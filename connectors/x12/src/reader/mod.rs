//! A streaming X12 reader.
//!
//! Written by hand rather than taken from a crate: the X12 crates we measured
//! (x12-types among them) parse a whole interchange into memory and are an order of
//! magnitude too slow for the hot path. This reader pulls bytes from any `Read`, keeps
//! only the current transaction set in its buffer, and hands out segments as slices of
//! that buffer (no copy), while checking every envelope rule and tolerating what real
//! senders do: CR/LF/CRLF after terminators, a UTF-8 BOM, indentation between segments,
//! line breaks inside segments (VAN 80-column wrapping), multi-byte terminators, ISB/ISE.
//!
//! Usage is a lending iterator: `while let Some(event) = reader.next() { ... }`.

mod isa;
mod segment;

use std::collections::HashSet;
use std::io::Read;

pub use isa::Isa;
pub use segment::{Delimiters, Segment, Terminator};

use crate::issue::{ElementCode, ElementIssue};
use crate::issue::{
    GroupCode, GroupIssue, InterchangeIssue, Location, SegmentCode, SegmentIssue, SetCode, SetIssue, Ta1Code,
};

/// How strict to be, and how much memory to allow.
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Accept an ISA whose fields are not padded to their fixed widths.
    pub lenient_isa_widths: bool,
    /// A segment longer than this is taken as a wrong terminator, not read on forever.
    pub max_segment_bytes: usize,
    /// The largest transaction set held in memory at once.
    pub max_transaction_bytes: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions { lenient_isa_widths: false, max_segment_bytes: 1 << 20, max_transaction_bytes: 48 << 20 }
    }
}

/// A reason reading cannot go on at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read input: {0}")]
    Io(#[from] std::io::Error),
    #[error("{at}: {message} [TA1 {}: {}]", code.code(), code.text())]
    Unreadable { at: Location, code: Ta1Code, message: String },
}

impl ReadError {
    fn unreadable(at: Location, code: Ta1Code, message: impl Into<String>) -> Self {
        ReadError::Unreadable { at, code, message: message.into() }
    }
}

/// One interchange (ISA .. IEA) and what was found wrong with its envelope.
#[derive(Debug, Clone)]
pub struct Interchange {
    pub isa: Isa,
    pub at: Location,
    pub issues: Vec<InterchangeIssue>,
    /// Groups seen so far (all of them once the interchange has ended).
    pub group_count: u32,
    /// ISB / ISE / TA1 segments found between the ISA and the first GS, as sent.
    pub service_segments: Vec<String>,
}

impl Interchange {
    /// True when an envelope error rejects the whole interchange (TA104 `R`).
    pub fn rejected(&self) -> bool {
        self.issues.iter().any(|i| i.fatal)
    }
}

/// One functional group (GS .. GE) and what was found wrong with its envelope.
#[derive(Debug, Clone)]
pub struct Group {
    /// GS01..GS08 as sent, index 0 is GS01.
    pub fields: Vec<String>,
    pub at: Location,
    pub issues: Vec<GroupIssue>,
    /// Transaction sets seen so far (all of them once the group has ended).
    pub set_count: u32,
    set_controls: HashSet<String>,
}

impl Group {
    fn field(&self, n: usize) -> &str {
        self.fields.get(n - 1).map(String::as_str).unwrap_or("")
    }
    pub fn functional_id(&self) -> &str {
        self.field(1)
    }
    pub fn sender(&self) -> &str {
        self.field(2)
    }
    pub fn receiver(&self) -> &str {
        self.field(3)
    }
    pub fn date(&self) -> &str {
        self.field(4)
    }
    pub fn time(&self) -> &str {
        self.field(5)
    }
    pub fn control_number(&self) -> &str {
        self.field(6)
    }
    /// GS08, e.g. `004010`, `004010VICS`, `005010X230`.
    pub fn version(&self) -> &str {
        self.field(8)
    }
    /// The release the group's transaction sets follow: the first six characters of GS08.
    pub fn release(&self) -> &str {
        let v = self.version();
        // Six characters, not bytes: GS08 is as sent, and may hold any text.
        &v[..v.char_indices().nth(6).map_or(v.len(), |(i, _)| i)]
    }
    /// True when the group's envelope is broken badly enough to reject all its sets.
    pub fn rejected(&self) -> bool {
        !self.issues.is_empty()
    }
}

/// One transaction set (ST .. SE), its segments borrowed from the reader's buffer.
#[derive(Debug)]
pub struct Transaction<'r> {
    pub interchange: &'r Interchange,
    pub group: &'r Group,
    /// ST01, e.g. `850`.
    pub set_id: &'r str,
    /// ST02.
    pub control_number: &'r str,
    /// ST03 (implementation convention reference), 005010 and later.
    pub implementation: Option<&'r str>,
    pub at: Location,
    /// Problems with the set's own envelope (ST/SE).
    pub issues: Vec<SetIssue>,
    /// Problems the reader found inside segments (invalid characters).
    pub segment_issues: Vec<SegmentIssue>,
    text: &'r str,
    base: usize,
    spans: &'r [Span],
    delims: Delimiters,
}

impl<'r> Transaction<'r> {
    /// The segments from ST to SE (as far as they go when SE is missing).
    pub fn segments(&self) -> impl Iterator<Item = Segment<'r>> + '_ {
        let first = self.spans.first().map(|s| s.index).unwrap_or(0);
        self.spans.iter().map(move |s| {
            Segment::new(
                &self.text[s.start() - self.base..s.end() - self.base],
                self.delims,
                s.index,
                s.line,
                s.index - first + 1,
            )
        })
    }

    /// The segments as an indexable list (nothing is collected).
    pub(crate) fn segment_list(&self) -> SegmentList<'r> {
        SegmentList {
            text: self.text,
            base: self.base,
            spans: self.spans,
            delims: self.delims,
            first: self.spans.first().map(|s| s.index).unwrap_or(0),
        }
    }

    /// Number of segments read, ST and SE included.
    pub fn segment_count(&self) -> usize {
        self.spans.len()
    }

    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }
}

/// The segments of one transaction set, by position (0 is ST), made on demand.
#[derive(Clone, Copy)]
pub(crate) struct SegmentList<'r> {
    text: &'r str,
    base: usize,
    spans: &'r [Span],
    delims: Delimiters,
    first: u32,
}

impl<'r> SegmentList<'r> {
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<Segment<'r>> {
        let s = self.spans.get(i)?;
        Some(Segment::new(
            &self.text[s.start() - self.base..s.end() - self.base],
            self.delims,
            s.index,
            s.line,
            s.index - self.first + 1,
        ))
    }
}

/// What the reader found next.
#[derive(Debug)]
pub enum Event<'r> {
    InterchangeStart(&'r Interchange),
    GroupStart(&'r Group),
    Transaction(Transaction<'r>),
    /// The group is complete: its trailer was checked (or found missing).
    GroupEnd(&'r Group),
    /// The interchange is complete: its trailer was checked (or found missing).
    InterchangeEnd(&'r Interchange),
}

/// A segment's place in the buffer.
#[derive(Debug, Clone, Copy)]
///
/// Offsets are `u32` (16 bytes a span instead of 24, and a big set holds hundreds of
/// thousands): the buffer never reaches 4 GiB, since [`ReaderOptions`] limits are capped.
struct Span {
    lo: u32,
    hi: u32,
    index: u32,
    line: u32,
}

impl Span {
    fn new(start: usize, end: usize, index: u32, line: u32) -> Self {
        Span { lo: offset(start), hi: offset(end), index, line }
    }

    fn start(&self) -> usize {
        self.lo as usize
    }

    fn end(&self) -> usize {
        self.hi as usize
    }

    /// Moves the span `by` bytes towards the front of the buffer.
    fn shift(&mut self, by: usize) {
        self.lo -= offset(by);
        self.hi -= offset(by);
    }
}

/// A buffer offset as a span holds it.
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("the reader's buffer stays below 4 GiB (ReaderOptions limits are capped)")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Outside,
    InInterchange,
    InGroup,
    Finished,
}

const CHUNK: usize = 64 * 1024;

/// The streaming reader. See the module documentation.
pub struct X12Reader<R> {
    src: R,
    opts: ReaderOptions,
    buf: Vec<u8>,
    /// Valid bytes are `buf[..end]`; unread ones start at `pos`.
    pos: usize,
    end: usize,
    eof: bool,
    delims: Delimiters,
    /// Ordinal of the last segment read, and the line the scan is on.
    seg_index: u32,
    line: u32,
    state: State,
    interchange: Option<Interchange>,
    group: Option<Group>,
    peeked: Option<Span>,
    tx_spans: Vec<Span>,
    seen_interchanges: HashSet<String>,
    char_issues: Vec<(Span, usize)>,
}

impl<R: Read> X12Reader<R> {
    pub fn new(src: R) -> Self {
        Self::with_options(src, ReaderOptions::default())
    }

    pub fn with_options(src: R, opts: ReaderOptions) -> Self {
        // Spans hold u32 offsets: these caps keep the buffer well below 4 GiB.
        let opts = ReaderOptions {
            max_segment_bytes: opts.max_segment_bytes.min(1 << 30),
            max_transaction_bytes: opts.max_transaction_bytes.min(1 << 30),
            ..opts
        };
        X12Reader {
            src,
            opts,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            delims: Delimiters::default(),
            seg_index: 0,
            line: 1,
            state: State::Outside,
            interchange: None,
            group: None,
            peeked: None,
            tx_spans: Vec::new(),
            seen_interchanges: HashSet::new(),
            char_issues: Vec::new(),
        }
    }

    /// The next event, `None` at the end of the input. After an `Err`, reading stops.
    #[allow(clippy::should_implement_trait)] // a lending iterator: events borrow the reader
    pub fn next(&mut self) -> Option<Result<Event<'_>, ReadError>> {
        match self.advance() {
            Ok(Some(kind)) => Some(Ok(self.event(kind))),
            Ok(None) => None,
            Err(e) => {
                self.state = State::Finished;
                Some(Err(e))
            }
        }
    }

    fn event(&self, kind: EventKind) -> Event<'_> {
        let ic = self.interchange.as_ref().expect("an interchange is open");
        match kind {
            EventKind::InterchangeStart => Event::InterchangeStart(ic),
            EventKind::InterchangeEnd => Event::InterchangeEnd(ic),
            EventKind::GroupStart => Event::GroupStart(self.group.as_ref().expect("a group is open")),
            EventKind::GroupEnd => Event::GroupEnd(self.group.as_ref().expect("a group is open")),
            EventKind::Transaction(t) => {
                let (first, last) = (self.tx_spans[0], *self.tx_spans.last().expect("ST was read"));
                let text =
                    std::str::from_utf8(&self.buf[first.start()..last.end()]).expect("segments were made valid UTF-8");
                let st = Segment::new(&text[..first.end() - first.start()], self.delims, first.index, first.line, 1);
                Event::Transaction(Transaction {
                    interchange: ic,
                    group: self.group.as_ref().expect("a group is open"),
                    set_id: st.element(1),
                    control_number: st.element(2),
                    implementation: st.get(3),
                    at: st.location(),
                    issues: t.issues,
                    segment_issues: t.segment_issues,
                    text,
                    base: first.start(),
                    spans: &self.tx_spans,
                    delims: self.delims,
                })
            }
        }
    }

    fn advance(&mut self) -> Result<Option<EventKind>, ReadError> {
        self.tx_spans.clear();
        loop {
            match self.state {
                State::Finished => return Ok(None),
                State::Outside => return self.start_interchange(),
                State::InInterchange => {
                    let Some(seg) = self.take_segment()? else {
                        let at = self.here("");
                        self.add_interchange_issue(
                            Ta1Code::PrematureEnd,
                            at,
                            "the input ends before the IEA trailer".into(),
                        );
                        self.state = State::Finished;
                        return Ok(Some(EventKind::InterchangeEnd));
                    };
                    match self.id(&seg).as_str() {
                        "GS" => return Ok(Some(self.start_group(seg))),
                        "IEA" => return Ok(Some(self.end_interchange(seg))),
                        "ISB" | "ISE" | "TA1" => {
                            let raw = String::from_utf8_lossy(&self.buf[seg.start()..seg.end()]).into_owned();
                            self.interchange.as_mut().expect("open").service_segments.push(raw);
                        }
                        "ISA" => {
                            self.peeked = Some(seg);
                            let at = self.loc(&seg);
                            self.add_interchange_issue(
                                Ta1Code::ControlStructureInvalid,
                                at,
                                "a new ISA begins before the IEA trailer".into(),
                            );
                            self.state = State::Outside;
                            return Ok(Some(EventKind::InterchangeEnd));
                        }
                        other => {
                            let msg = format!("segment {other} stands outside any functional group (GS .. GE)");
                            let at = self.loc(&seg);
                            self.add_interchange_issue(Ta1Code::ControlStructureInvalid, at, msg);
                            if other == "ST" {
                                self.skip_transaction()?;
                            }
                        }
                    }
                }
                State::InGroup => {
                    let Some(seg) = self.take_segment()? else {
                        return Ok(Some(self.group_trailer_missing("the input ends")));
                    };
                    match self.id(&seg).as_str() {
                        "ST" => return self.read_transaction(seg).map(Some),
                        "GE" => return Ok(Some(self.end_group(seg))),
                        "IEA" | "ISA" | "GS" => {
                            let what = format!("{} comes", self.id(&seg).as_str());
                            self.peeked = Some(seg);
                            return Ok(Some(self.group_trailer_missing(&what)));
                        }
                        other => {
                            let msg = format!("segment {other} stands outside any transaction set (ST .. SE)");
                            let at = self.loc(&seg);
                            self.add_interchange_issue(Ta1Code::ContentInvalid, at, msg);
                        }
                    }
                }
            }
        }
    }

    // ---- envelopes -------------------------------------------------------------------

    fn start_interchange(&mut self) -> Result<Option<EventKind>, ReadError> {
        self.peeked = None; // a peeked ISA is re-read from its bytes below
        if !self.skip_whitespace()? {
            if self.seg_index == 0 {
                return Err(ReadError::unreadable(
                    self.here(""),
                    Ta1Code::PrematureEnd,
                    "the input is empty: no ISA segment",
                ));
            }
            self.state = State::Finished;
            return Ok(None);
        }
        // The BOM, if any, only at the very start.
        if self.seg_index == 0 && self.buf[self.pos] == 0xEF {
            self.ensure(3)?;
        }
        if self.seg_index == 0 && self.buf[self.pos..self.end].starts_with(b"\xEF\xBB\xBF") {
            self.pos += 3;
            self.skip_whitespace()?;
        }
        self.ensure(isa::SCAN_BYTES)?;
        let head = &self.buf[self.pos..self.end];
        let at = Location { segment: self.seg_index + 1, line: self.line, segment_id: "ISA".into() };
        if !head.starts_with(b"ISA") {
            let at = Location { segment_id: String::new(), ..at };
            return Err(ReadError::unreadable(
                at,
                Ta1Code::ControlStructureInvalid,
                not_x12_reason(head, self.seg_index == 0),
            ));
        }
        let scan = match isa::scan(head, self.eof, &at, self.opts.lenient_isa_widths) {
            Ok(s) => s,
            Err(isa::NotIsa::Fatal(code, msg)) => return Err(ReadError::unreadable(at, code, msg)),
            Err(isa::NotIsa::NeedMore) => unreachable!("ensure(SCAN_BYTES) read enough or reached the end"),
        };
        self.pos += scan.consumed;
        self.line += scan.newlines;
        if self.buf[self.pos - 1] == b'\n' {
            self.line += 1; // the ISA's own terminator was a line break
        }
        self.seg_index += 1;
        self.delims = scan.isa.delimiters;
        let mut issues = scan.issues;
        let key = format!(
            "{}/{}/{}/{}/{}",
            scan.isa.sender_qualifier(),
            scan.isa.sender_id(),
            scan.isa.receiver_qualifier(),
            scan.isa.receiver_id(),
            scan.isa.control_number()
        );
        if !self.seen_interchanges.insert(key) {
            issues.push(InterchangeIssue {
                code: Ta1Code::DuplicateControlNumber,
                at: at.clone(),
                message: format!(
                    "interchange control number {} from {} was already received in this input",
                    scan.isa.control_number(),
                    scan.isa.sender_id()
                ),
                fatal: true,
            });
        }
        self.interchange =
            Some(Interchange { isa: scan.isa, at, issues, group_count: 0, service_segments: Vec::new() });
        self.group = None;
        self.state = State::InInterchange;
        Ok(Some(EventKind::InterchangeStart))
    }

    fn end_interchange(&mut self, seg: Span) -> EventKind {
        let at = self.loc(&seg);
        let (count, control) = (self.element(&seg, 1).to_string(), self.element(&seg, 2).to_string());
        let ic = self.interchange.as_mut().expect("open");
        let mut issue = |code, message| ic.issues.push(InterchangeIssue { code, at: at.clone(), message, fatal: true });
        if count.parse::<u32>().ok() != Some(ic.group_count) {
            issue(
                Ta1Code::GroupCountInvalid,
                format!("IEA01 says {count} groups, the interchange has {}", ic.group_count),
            );
        }
        if !same_number(&control, ic.isa.control_number()) {
            issue(
                Ta1Code::ControlNumberMismatch,
                format!("IEA02 {control} does not match ISA13 {}", ic.isa.control_number()),
            );
        }
        self.state = State::Outside;
        EventKind::InterchangeEnd
    }

    fn start_group(&mut self, seg: Span) -> EventKind {
        let at = self.loc(&seg);
        let fields: Vec<String> = (1..=8).map(|n| self.element(&seg, n).to_string()).collect();
        let element_count = self.element_count(&seg);
        let ic = self.interchange.as_mut().expect("open");
        ic.group_count += 1;
        let mut group =
            Group { fields, at: at.clone(), issues: Vec::new(), set_count: 0, set_controls: HashSet::new() };
        let mut content = |message: String| {
            ic.issues.push(InterchangeIssue { code: Ta1Code::ContentInvalid, at: at.clone(), message, fatal: true })
        };
        if element_count < 8 {
            content(format!("GS has {element_count} elements, it needs 8"));
        }
        let date = group.date();
        let date_ok = match date.len() {
            8 => chrono::NaiveDate::parse_from_str(date, "%Y%m%d").is_ok(),
            6 => group.version() < "004" && chrono::NaiveDate::parse_from_str(date, "%y%m%d").is_ok(),
            _ => false,
        };
        if !date_ok {
            content(format!("GS04 {date:?} is not a valid date (CCYYMMDD)"));
        }
        if !valid_time(group.time()) {
            content(format!("GS05 {:?} is not a valid time (HHMM[SS[dd]])", group.time()));
        }
        let ctl = group.control_number();
        if ctl.is_empty() || ctl.len() > 9 || !ctl.bytes().all(|b| b.is_ascii_digit()) {
            group.issues.push(GroupIssue {
                code: GroupCode::ControlNumberSyntax,
                at: at.clone(),
                message: format!("GS06 {ctl:?} is not a 1 to 9 digit number"),
            });
        }
        let v = group.version();
        if !(v.starts_with("003")
            || v.starts_with("004")
            || v.starts_with("005")
            || v.starts_with("006")
            || v.starts_with("007"))
        {
            group.issues.push(GroupIssue {
                code: GroupCode::VersionNotSupported,
                at: at.clone(),
                message: format!("GS08 version {v:?} is not supported (003xxx to 007xxx are)"),
            });
        }
        if !matches!(group.field(7), "X" | "T") {
            content(format!("GS07 {:?} is not a responsible agency code (X or T)", group.field(7)));
        }
        self.group = Some(group);
        self.state = State::InGroup;
        EventKind::GroupStart
    }

    fn end_group(&mut self, seg: Span) -> EventKind {
        let at = self.loc(&seg);
        let (count, control) = (self.element(&seg, 1).to_string(), self.element(&seg, 2).to_string());
        let g = self.group.as_mut().expect("open");
        if count.parse::<u32>().ok() != Some(g.set_count) {
            g.issues.push(GroupIssue {
                code: GroupCode::CountMismatch,
                at: at.clone(),
                message: format!("GE01 says {count} transaction sets, the group has {}", g.set_count),
            });
        }
        if control.is_empty() || control.len() > 9 || !control.bytes().all(|b| b.is_ascii_digit()) {
            g.issues.push(GroupIssue {
                code: GroupCode::ControlNumberSyntax,
                at: at.clone(),
                message: format!("GE02 {control:?} is not a 1 to 9 digit number"),
            });
        } else if !same_number(&control, g.control_number()) {
            g.issues.push(GroupIssue {
                code: GroupCode::ControlNumberMismatch,
                at,
                message: format!("GE02 {control} does not match GS06 {}", g.control_number()),
            });
        }
        self.state = State::InInterchange;
        EventKind::GroupEnd
    }

    fn group_trailer_missing(&mut self, why: &str) -> EventKind {
        let at = self.here("GE");
        let g = self.group.as_mut().expect("open");
        g.issues.push(GroupIssue {
            code: GroupCode::TrailerMissing,
            at,
            message: format!("{why} before the GE trailer of group {}", g.control_number()),
        });
        self.state = State::InInterchange;
        EventKind::GroupEnd
    }

    fn read_transaction(&mut self, st: Span) -> Result<EventKind, ReadError> {
        self.char_issues.retain(|(s, _)| s.index >= st.index);
        self.tx_spans.push(st);
        let at = self.loc(&st);
        let mut issues = Vec::new();
        let mut issue = |code, at: &Location, message| issues.push(SetIssue { code, at: at.clone(), message });
        let set_id = self.element(&st, 1).to_string();
        let control = self.element(&st, 2).to_string();
        if set_id.len() != 3 || !set_id.bytes().all(|b| b.is_ascii_digit()) {
            issue(SetCode::SetIdInvalid, &at, format!("ST01 {set_id:?} is not a transaction set identifier"));
        } else if let Some(expected) = functional_id(&set_id) {
            let gs01 = self.group.as_ref().expect("open").functional_id();
            if expected != gs01 {
                issue(
                    SetCode::SetIdInvalid,
                    &at,
                    format!("transaction set {set_id} belongs in a {expected} functional group, not in GS01 {gs01}"),
                );
            }
        }
        if control.len() < 4 || control.len() > 9 {
            issue(SetCode::ControlNumberInvalid, &at, format!("ST02 {control:?} must be 4 to 9 characters"));
        }
        let group = self.group.as_mut().expect("open");
        group.set_count += 1;
        if !group.set_controls.insert(control.clone()) {
            issue(
                SetCode::DuplicateControlNumber,
                &at,
                format!("ST02 {control} is used twice in group {}", group.control_number()),
            );
        }
        let mut bytes = st.end() - st.start();
        loop {
            let Some(seg) = self.take_segment()? else {
                issue(
                    SetCode::TrailerMissing,
                    &self.here("SE"),
                    format!("the input ends before the SE trailer of set {control}"),
                );
                break;
            };
            let tag = self.id(&seg);
            let id = tag.as_str();
            if matches!(id, "ST" | "GE" | "IEA" | "ISA" | "GS") {
                let msg = format!("{id} comes before the SE trailer of set {control}");
                issue(SetCode::TrailerMissing, &self.loc(&seg), msg);
                self.peeked = Some(seg);
                break;
            }
            self.tx_spans.push(seg);
            bytes += seg.end() - seg.start();
            if bytes > self.opts.max_transaction_bytes {
                return Err(ReadError::unreadable(
                    at,
                    Ta1Code::ContentInvalid,
                    format!("transaction set {control} is larger than {} bytes", self.opts.max_transaction_bytes),
                ));
            }
            if id == "SE" {
                let (count, se_control) = (self.element(&seg, 1).to_string(), self.element(&seg, 2).to_string());
                let se_at = self.loc(&seg);
                if count.parse::<usize>().ok() != Some(self.tx_spans.len()) {
                    issue(
                        SetCode::SegmentCountMismatch,
                        &se_at,
                        format!("SE01 says {count} segments, the set has {}", self.tx_spans.len()),
                    );
                }
                if se_control != control {
                    issue(
                        SetCode::ControlNumberMismatch,
                        &se_at,
                        format!("SE02 {se_control} does not match ST02 {control}"),
                    );
                }
                break;
            }
        }
        let segment_issues = self.take_char_issues(st.index);
        Ok(EventKind::Transaction(TxFindings { issues, segment_issues }))
    }

    /// Reads past a transaction set that cannot be processed (one outside a group).
    fn skip_transaction(&mut self) -> Result<(), ReadError> {
        while let Some(seg) = self.take_segment()? {
            if self.id(&seg).as_str() == "SE" {
                break;
            }
        }
        self.char_issues.clear();
        Ok(())
    }

    fn add_interchange_issue(&mut self, code: Ta1Code, at: Location, message: String) {
        if let Some(ic) = self.interchange.as_mut() {
            ic.issues.push(InterchangeIssue { code, at, message, fatal: true });
        }
    }

    // ---- segments --------------------------------------------------------------------

    /// The segment id as a small copy, so that matching on it does not hold a borrow.
    fn id(&self, s: &Span) -> Tag {
        let seg = &self.buf[s.start()..s.end()];
        let n = memchr::memchr(self.delims.element, seg).unwrap_or(seg.len());
        Tag::new(&seg[..n])
    }

    fn element(&self, s: &Span, n: usize) -> &str {
        let seg = &self.buf[s.start()..s.end()];
        let e = seg.split(|b| *b == self.delims.element).nth(n).unwrap_or(b"");
        std::str::from_utf8(e).unwrap_or("")
    }

    fn element_count(&self, s: &Span) -> usize {
        memchr::memchr_iter(self.delims.element, &self.buf[s.start()..s.end()]).count()
    }

    fn loc(&self, s: &Span) -> Location {
        Location { segment: s.index, line: s.line, segment_id: self.id(s).as_str().to_string() }
    }

    fn here(&self, id: &str) -> Location {
        Location { segment: self.seg_index + 1, line: self.line, segment_id: id.to_string() }
    }

    fn take_segment(&mut self) -> Result<Option<Span>, ReadError> {
        if let Some(s) = self.peeked.take() {
            return Ok(Some(s));
        }
        self.read_segment()
    }

    /// Reads one segment: skips whitespace, finds the terminator, removes line breaks
    /// that wrap the segment, and makes its text valid UTF-8 (noting what it replaced).
    fn read_segment(&mut self) -> Result<Option<Span>, ReadError> {
        if !self.skip_whitespace()? {
            return Ok(None);
        }
        let mut start = self.pos;
        let line = self.line;
        let term = self.delims.segment;
        let t = term.as_bytes();
        let mut scan = start;
        let mut wrapped = false;
        let (end, next) = loop {
            let hay = &self.buf[scan..self.end];
            let found = if term.is_line_break() {
                memchr::memchr2(b'\r', b'\n', hay)
            } else {
                memchr::memchr3(t[0], b'\r', b'\n', hay)
            };
            match found {
                Some(i) => {
                    let k = scan + i;
                    let b = self.buf[k];
                    if !term.is_line_break() && (b == b'\r' || b == b'\n') {
                        wrapped = true;
                        scan = k + 1;
                        continue;
                    }
                    if t.len() > 1 && !term.is_line_break() {
                        if self.end - k < t.len() && !self.eof {
                            let by = self.fill_keeping(start)?;
                            start -= by;
                            scan = k - by;
                            continue;
                        }
                        if &self.buf[k..(k + t.len()).min(self.end)] != t {
                            scan = k + 1;
                            continue;
                        }
                    }
                    if b == b'\n' {
                        self.line += 1; // a line-break terminator is also a line
                    }
                    break (k, k + t.len());
                }
                None if self.eof => break (self.end, self.end),
                None => {
                    if self.end - start > self.opts.max_segment_bytes {
                        let at = Location { segment: self.seg_index + 1, line, segment_id: String::new() };
                        return Err(ReadError::unreadable(
                            at,
                            Ta1Code::SegmentTerminatorInvalid,
                            format!(
                                "no segment terminator {:?} within {} bytes",
                                String::from_utf8_lossy(t),
                                self.opts.max_segment_bytes
                            ),
                        ));
                    }
                    let by = self.fill_keeping(start)?;
                    start -= by;
                    scan -= by;
                    continue;
                }
            }
        };
        let mut end = end;
        if wrapped {
            end = self.unwrap_lines(start, end);
        }
        if std::str::from_utf8(&self.buf[end..next]).is_err() {
            // A terminator that is not UTF-8 (a lone Latin-1 byte) stands between segments
            // in a transaction's text, which must be UTF-8: blank it, it has done its job.
            self.buf[end..next].fill(b' ');
        }
        self.pos = next;
        self.seg_index += 1;
        let span = Span::new(start, end, self.seg_index, line);
        self.fix_utf8(span);
        Ok(Some(span))
    }

    /// Removes CR/LF from a wrapped segment in place; returns its new end.
    fn unwrap_lines(&mut self, start: usize, end: usize) -> usize {
        let mut w = start;
        for r in start..end {
            let b = self.buf[r];
            if b == b'\n' {
                self.line += 1;
            }
            if b != b'\r' && b != b'\n' {
                self.buf[w] = b;
                w += 1;
            }
        }
        self.buf[w..end].fill(b' ');
        w
    }

    /// Replaces bytes that are not UTF-8 with `?` in place, remembering each for an AK4 code 6.
    fn fix_utf8(&mut self, span: Span) {
        let mut from = span.start();
        while let Err(e) = std::str::from_utf8(&self.buf[from..span.end()]) {
            let bad = from + e.valid_up_to();
            let len = e.error_len().unwrap_or(span.end() - bad);
            self.buf[bad..bad + len].fill(b'?');
            self.char_issues.push((span, bad));
            from = bad + len;
        }
    }

    fn take_char_issues(&mut self, st_index: u32) -> Vec<SegmentIssue> {
        // Those of a peeked segment (the ST that cut this set short) wait for its own set.
        let peeked = self.peeked.map(|p| p.index);
        let (found, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.char_issues).into_iter().partition(|(s, _)| peeked.is_none_or(|p| s.index < p));
        self.char_issues = kept;
        found
            .into_iter()
            .map(|(span, bad)| {
                let seg = &self.buf[span.start()..span.end()];
                let position = memchr::memchr_iter(self.delims.element, &seg[..bad - span.start()]).count() as u32;
                let at = self.loc(&span);
                SegmentIssue {
                    code: SegmentCode::ElementErrors,
                    position: span.index - st_index + 1,
                    loop_id: None,
                    message: format!("{} has a byte that is not valid UTF-8 text", at.segment_id),
                    at,
                    elements: vec![ElementIssue {
                        code: ElementCode::InvalidCharacter,
                        position,
                        component: None,
                        reference: None,
                        value: None,
                        message: format!("byte at offset {} is not valid text", bad - span.start()),
                    }],
                }
            })
            .collect()
    }

    // ---- the buffer ------------------------------------------------------------------

    /// Skips blanks between segments (and NULs and SUBs some systems pad files with);
    /// false at the end of the input.
    fn skip_whitespace(&mut self) -> Result<bool, ReadError> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' | 0 | 0x1A | 0x0C | 0x0B => {}
                    _ => return Ok(true),
                }
                self.pos += 1;
            }
            if self.eof {
                return Ok(false);
            }
            self.fill_keeping(self.pos)?;
        }
    }

    /// Makes sure `n` bytes are buffered from `pos` (fewer only at the end of the input).
    fn ensure(&mut self, n: usize) -> Result<(), ReadError> {
        while self.end - self.pos < n && !self.eof {
            self.fill_keeping(self.pos)?;
        }
        Ok(())
    }

    /// Reads more input. When the buffer is full, first moves what is still needed (from
    /// `keep`, or from an earlier anchor) to its front; returns how far bytes moved back.
    fn fill_keeping(&mut self, keep: usize) -> Result<usize, ReadError> {
        let anchor = self.anchor().map_or(keep, |a| a.min(keep));
        let mut by = 0;
        if anchor > 0 && self.end == self.buf.len() {
            by = anchor;
            self.shift(by);
        }
        if self.end == self.buf.len() {
            // By half again, in whole chunks: a big set's buffer overshoots it less than
            // doubling would.
            let grown = (self.buf.len() + self.buf.len() / 2).div_ceil(CHUNK) * CHUNK;
            self.buf.resize(grown, 0);
        }
        let n = loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(by)
    }

    /// The earliest byte still referenced: the open transaction's ST, or a peeked segment.
    fn anchor(&self) -> Option<usize> {
        self.tx_spans.first().map(|s| s.start()).or(self.peeked.map(|s| s.start()))
    }

    fn shift(&mut self, by: usize) {
        self.buf.copy_within(by..self.end, 0);
        self.end -= by;
        self.pos -= by;
        for s in self.tx_spans.iter_mut().chain(self.peeked.iter_mut()) {
            s.shift(by);
        }
        // A bad byte noted in a segment that has now left the buffer (one outside any
        // set: a GS, a stray segment) can no longer be reported: drop it.
        self.char_issues.retain(|(s, _)| s.start() >= by);
        for (s, bad) in self.char_issues.iter_mut() {
            s.shift(by);
            *bad -= by;
        }
    }
}

/// What the reader found about a transaction set before handing it out.
struct TxFindings {
    issues: Vec<SetIssue>,
    segment_issues: Vec<SegmentIssue>,
}

enum EventKind {
    InterchangeStart,
    GroupStart,
    Transaction(TxFindings),
    GroupEnd,
    InterchangeEnd,
}

/// Control numbers compare as numbers: `3438` and `000003438` are the same interchange.
fn same_number(a: &str, b: &str) -> bool {
    a == b || matches!((a.trim().parse::<u64>(), b.trim().parse::<u64>()), (Ok(x), Ok(y)) if x == y)
}

/// HHMM, HHMMSS or HHMMSSd..d.
fn valid_time(t: &str) -> bool {
    let ok_len = matches!(t.len(), 4 | 6 | 7 | 8);
    ok_len
        && t.bytes().all(|b| b.is_ascii_digit())
        && chrono::NaiveTime::parse_from_str(&t[..4], "%H%M").is_ok()
        && (t.len() < 6 || t[4..6].parse::<u32>().is_ok_and(|s| s < 60))
}

/// The functional group (GS01) each transaction set belongs in.
pub fn functional_id(set_id: &str) -> Option<&'static str> {
    Some(match set_id {
        "810" => "IN",
        "846" => "IB",
        "850" => "PO",
        "855" => "PR",
        "856" => "SH",
        "860" => "PC",
        "865" => "CA",
        "940" => "OW",
        "945" => "SW",
        "943" => "AR",
        "944" => "RE",
        "947" => "AW",
        "997" | "999" => "FA",
        "214" => "QM",
        "210" => "IM",
        "204" => "SM",
        "990" => "GF",
        "180" => "AN",
        "824" => "AG",
        "820" => "RA",
        "812" => "CD",
        "832" => "SC",
        "852" => "PD",
        "870" => "RS",
        "753" => "GR",
        "754" => "RT",
        _ => return None,
    })
}

/// Says why input that does not start with ISA is not X12, as precisely as it can.
fn not_x12_reason(head: &[u8], at_start: bool) -> String {
    let what = if head.starts_with(&[0xC9, 0xE2, 0xC1]) {
        "it is EBCDIC-encoded X12; only ASCII and UTF-8 are supported, convert it first".to_string()
    } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || head.get(1) == Some(&0) {
        "it is UTF-16 text; only ASCII and UTF-8 are supported".to_string()
    } else if head.starts_with(b"UNA") || head.starts_with(b"UNB") {
        "it is UN/EDIFACT, not X12".to_string()
    } else {
        let shown: String = String::from_utf8_lossy(&head[..head.len().min(20)])
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        format!("expected an ISA segment, found {shown:?}")
    };
    if at_start {
        format!("not an X12 interchange: {what}")
    } else {
        format!("unexpected data after the IEA trailer: {what}")
    }
}

/// A segment id held by value (ids are two or three characters; longer ones are not ids).
#[derive(Clone, Copy)]
struct Tag {
    bytes: [u8; 4],
    len: usize,
}

impl Tag {
    fn new(b: &[u8]) -> Self {
        let mut bytes = [0; 4];
        let len = if b.len() <= 4 && b.iter().all(|c| c.is_ascii_alphanumeric()) {
            bytes[..b.len()].copy_from_slice(b);
            b.len()
        } else {
            0
        };
        Tag { bytes, len }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &[u8] =
        b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240115*1200*^*00501*000000001*0*P*:~\n";

    /// Every transaction's reader findings, in order; panics on a read error.
    fn sets(input: &[u8]) -> Vec<(String, Vec<SetIssue>, Vec<SegmentIssue>)> {
        let mut r = X12Reader::new(input);
        let mut out = Vec::new();
        while let Some(ev) = r.next() {
            if let Event::Transaction(tx) = ev.expect("readable") {
                out.push((tx.control_number.to_string(), tx.issues.clone(), tx.segment_issues.clone()));
            }
        }
        out
    }

    // Found by fuzzing (fuzz/fuzz_targets/x12_reader.rs): a bad byte noted in a segment
    // outside any set (here the GS) pointed before the buffer once the buffer was shifted
    // to make room, and the shift subtracted past zero.
    #[test]
    fn a_bad_byte_outside_a_set_survives_a_buffer_shift() {
        let mut input = ISA.to_vec();
        input.extend_from_slice(b"GS*PO*SEND\xFFER*RECEIVER*20240115*1200*1*X*005010~\n");
        input.extend_from_slice(b"ZZZ*");
        input.extend(std::iter::repeat_n(b'A', 2 * CHUNK));
        input.extend_from_slice(b"~\nST*850*0001~\nBEG*00*SA*PO1**20240115~\nSE*3*0001~\nGE*1*1~\nIEA*1*000000001~\n");
        let found = sets(&input);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.is_empty() && found[0].2.is_empty(), "{found:?}");
    }

    /// Hands out its input one byte per read, as a slow pipe or socket may.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    // Found by fuzzing: an ISA whose elements run past 512 bytes, read from a source that
    // gives few bytes per read, made the ISA scan ask for more than had been buffered.
    #[test]
    fn an_overlong_isa_read_in_small_pieces_is_an_error_not_a_panic() {
        let mut input = b"ISA*00*".to_vec();
        input.extend(std::iter::repeat_n(b'0', 700));
        input.extend_from_slice(b"~\nGS*PO*A*B*20240115*1200*1*X*005010~\n");
        let trickled = X12Reader::new(OneByte(&input)).next().map(|r| r.map(|_| ()));
        let whole = X12Reader::new(input.as_slice()).next().map(|r| r.map(|_| ()));
        for got in [trickled, whole] {
            match got {
                Some(Err(ReadError::Unreadable { code, .. })) => assert_eq!(code, Ta1Code::ControlStructureInvalid),
                other => panic!("expected an unreadable ISA, got {other:?}"),
            }
        }
    }

    // A bad byte in the segment that ends a set without SE (the next ST) belongs to the
    // next set, not to the one it cut short.
    #[test]
    fn a_bad_byte_in_the_next_st_is_reported_in_the_next_set() {
        let mut input = ISA.to_vec();
        input.extend_from_slice(b"GS*PO*SENDER*RECEIVER*20240115*1200*1*X*005010~\n");
        input.extend_from_slice(b"ST*850*0001~\nBEG*00*SA*PO1**20240115~\n");
        input.extend_from_slice(
            b"ST*850*0002*X\xFF~\nBEG*00*SA*PO2**20240115~\nSE*3*0002~\nGE*2*1~\nIEA*1*000000001~\n",
        );
        let found = sets(&input);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1.iter().map(|i| i.code).collect::<Vec<_>>(), [SetCode::TrailerMissing]);
        assert!(found[0].2.is_empty(), "{:?}", found[0].2);
        assert_eq!(found[1].2.len(), 1, "{:?}", found[1].2);
        assert_eq!((found[1].2[0].position, found[1].2[0].elements[0].position), (1, 3));
    }

    // Found by fuzzing: GS08 cut at six bytes split a multi-byte character.
    #[test]
    fn the_release_of_a_gs08_with_any_text_is_its_first_six_characters() {
        let mut input = ISA.to_vec();
        input.extend_from_slice(
            "GS*PO*SENDER*RECEIVER*20240115*1200*1*X*00501\u{301}X~\nGE*0*1~\nIEA*1*000000001~\n".as_bytes(),
        );
        let mut r = X12Reader::new(input.as_slice());
        let mut releases = Vec::new();
        while let Some(ev) = r.next() {
            if let Event::GroupStart(g) = ev.expect("readable") {
                releases.push(g.release().to_string());
            }
        }
        assert_eq!(releases, ["00501\u{301}"]);
    }

    // Found by fuzzing: a terminator that is not a UTF-8 character (a lone byte, here
    // `0xA6`, the last byte of `\u{2026}`) stood between segments in the transaction's
    // text, which then was not UTF-8, and handing the set out panicked.
    #[test]
    fn a_segment_terminator_that_is_not_utf8_still_ends_segments() {
        for tail in [&b":\xA6\n"[..], b"\xE2\xA6\n"] {
            let mut input = ISA[..ISA.len() - 3].to_vec();
            input.extend_from_slice(tail);
            input.extend_from_slice(b"GS*PO*A*B*20240115*1200*1*X*005010\xA6ST*850*0001\xA6BEG*00*SA*P\xC3\xA9\xA6");
            input.extend_from_slice(b"SE*3*0001\xA6GE*1*1\xA6IEA*1*000000001\xA6");
            let mut r = X12Reader::new(input.as_slice());
            let mut read = Vec::new();
            while let Some(ev) = r.next() {
                if let Event::Transaction(tx) = ev.expect("readable") {
                    read.extend(tx.segments().map(|s| s.raw().to_string()));
                    assert!(tx.issues.is_empty(), "{:?}", tx.issues);
                }
            }
            assert_eq!(read, ["ST*850*0001", "BEG*00*SA*P\u{e9}", "SE*3*0001"], "{tail:?}");
        }
    }

    // Delimiters outside ASCII could match a byte inside a multi-byte character once the
    // text is UTF-8: the element separator is refused, the component separator reported,
    // and neither splits a character (which used to panic in `Segment::component`).
    #[test]
    fn delimiters_outside_ascii_are_reported_and_split_nothing() {
        let isa = ISA.iter().map(|&b| if b == b'*' { 0xA6 } else { b }).collect::<Vec<_>>();
        match X12Reader::new(isa.as_slice()).next() {
            Some(Err(ReadError::Unreadable { code, .. })) => assert_eq!(code, Ta1Code::ElementSeparatorInvalid),
            other => panic!("expected an unreadable ISA, got {other:?}"),
        }
        let mut input = ISA.to_vec();
        let n = input.iter().rposition(|&b| b == b':').expect("ISA16");
        input[n] = 0xA6;
        input.extend_from_slice(b"GS*PO*SENDER*RECEIVER*20240115*1200*1*X*005010~\nST*850*0001~\n");
        input.extend_from_slice("BEG*00*SA*PO\u{a6}1**20240115~\nSE*3*0001~\nGE*1*1~\nIEA*1*000000001~\n".as_bytes());
        let mut r = X12Reader::new(input.as_slice());
        let mut codes = Vec::new();
        while let Some(ev) = r.next() {
            match ev.expect("readable") {
                Event::InterchangeStart(ic) => codes.extend(ic.issues.iter().map(|i| i.code)),
                Event::Transaction(tx) => {
                    let beg = tx.segments().nth(1).expect("BEG");
                    assert_eq!((beg.component(3, 1), beg.component(3, 2)), ("PO\u{a6}1", ""));
                }
                _ => {}
            }
        }
        assert_eq!(codes, [Ta1Code::ComponentSeparatorInvalid]);
    }
}
