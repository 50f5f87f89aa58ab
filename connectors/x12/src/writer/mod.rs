//! Writing X12: segments with their delimiters, and envelopes whose counts and control
//! numbers are right by construction (the writer counts, callers never do).

use chrono::{NaiveDate, NaiveTime};

use crate::reader::{Delimiters, Terminator};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("{segment}{position:02}: value {value:?} contains the delimiter {delimiter:?}")]
    DelimiterInData { segment: String, position: usize, value: String, delimiter: char },
    #[error("{segment}{position:02}: value {value:?} is longer than the {max} characters the standard allows")]
    TooLong { segment: String, position: usize, value: String, max: usize },
    #[error("{0}")]
    Invalid(String),
}

/// The interchange header fields a writer needs (ISA05..ISA15; delimiters come separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsaHeader {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub date: NaiveDate,
    pub time: NaiveTime,
    /// ISA12, e.g. `00501` or `00401`.
    pub version: String,
    pub control_number: u64,
    pub ack_requested: bool,
    /// ISA15: `P` production, `T` test.
    pub usage: char,
}

/// The functional group header fields (GS01..GS08).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GsHeader {
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub control_number: u64,
    /// GS08, e.g. `005010` or `004010VICS`.
    pub version: String,
}

/// Builds one X12 output in memory. Envelopes nest: interchange > group > set.
#[derive(Debug)]
pub struct X12Writer {
    out: Vec<u8>,
    delims: Delimiters,
    newline: bool,
    isa_control: Option<u64>,
    gs_control: Option<u64>,
    st_control: Option<String>,
    groups: u32,
    sets: u32,
    segments: u32,
    /// Bytes a value may not contain: the element separator, the terminator's first
    /// byte, the repetition separator, CR and LF.
    forbidden: [bool; 256],
    /// The same bytes by kind, for checking a written segment in one pass: 2 for the
    /// element separator, 1 for the others.
    kinds: [u8; 256],
}

impl X12Writer {
    /// `newline` adds a line break after every terminator (many partners ask for it).
    pub fn new(delims: Delimiters, newline: bool) -> Self {
        let mut forbidden = [false; 256];
        for b in [Some(delims.element), Some(delims.segment.as_bytes()[0]), delims.repetition, Some(b'\r'), Some(b'\n')]
            .into_iter()
            .flatten()
        {
            forbidden[b as usize] = true;
        }
        let mut kinds = [0u8; 256];
        for (b, &f) in forbidden.iter().enumerate() {
            kinds[b] = u8::from(f);
        }
        kinds[delims.element as usize] = 2;
        X12Writer {
            out: Vec::with_capacity(4096),
            delims,
            newline,
            isa_control: None,
            gs_control: None,
            st_control: None,
            groups: 0,
            sets: 0,
            segments: 0,
            forbidden,
            kinds,
        }
    }

    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Joins components with the component separator, dropping empty trailing ones.
    pub fn composite(&self, parts: &[&str]) -> String {
        let keep = parts.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
        parts[..keep].join(&(self.delims.component as char).to_string())
    }

    /// Writes one segment. Trailing empty elements are dropped, as the standard requires.
    /// Values with a delimiter in them are refused: X12 has no escape character. (The
    /// component separator is allowed: it only means something inside composites, which
    /// callers build with [`X12Writer::composite`].)
    pub fn segment(&mut self, id: &str, elements: &[&str]) -> Result<(), WriteError> {
        let keep = elements.iter().rposition(|e| !e.is_empty()).map_or(0, |i| i + 1);
        let start = self.out.len();
        self.out.extend_from_slice(id.as_bytes());
        let values = self.out.len();
        for e in &elements[..keep] {
            self.out.push(self.delims.element);
            self.out.extend_from_slice(e.as_bytes());
        }
        // One pass over what was written: clean when it holds no forbidden byte but the
        // element separators this loop wrote, one per element.
        let (mut other, mut separators) = (0u8, 0usize);
        for &b in &self.out[values..] {
            let k = self.kinds[b as usize];
            other |= k & 1;
            separators += usize::from(k >> 1);
        }
        if other != 0 || separators != keep {
            self.out.truncate(start);
            return Err(self.refusal(id, &elements[..keep]));
        }
        self.terminate();
        self.segments += 1;
        Ok(())
    }

    /// Why a segment was refused: the first value holding a delimiter.
    fn refusal(&self, id: &str, elements: &[&str]) -> WriteError {
        for (i, e) in elements.iter().enumerate() {
            if let Some(b) = e.bytes().find(|&b| self.forbidden[b as usize]) {
                return WriteError::DelimiterInData {
                    segment: id.to_string(),
                    position: i + 1,
                    value: e.to_string(),
                    delimiter: b as char,
                };
            }
        }
        WriteError::Invalid(format!("{id}: a value holds a delimiter"))
    }

    fn terminate(&mut self) {
        let t = self.delims.segment;
        self.out.extend_from_slice(t.as_bytes());
        if self.newline && !t.is_line_break() {
            self.out.push(b'\n');
        }
    }

    pub fn begin_interchange(&mut self, h: &IsaHeader) -> Result<(), WriteError> {
        if self.isa_control.is_some() {
            return Err(WriteError::Invalid("an interchange is already open".into()));
        }
        let rep = match self.delims.repetition {
            Some(r) if h.version.as_str() >= "00402" => (r as char).to_string(),
            _ => "U".to_string(),
        };
        let fields = [
            "00".to_string(),
            pad("", 10),
            "00".to_string(),
            pad("", 10),
            pad(&h.sender_qualifier, 2),
            pad(&h.sender_id, 15),
            pad(&h.receiver_qualifier, 2),
            pad(&h.receiver_id, 15),
            h.date.format("%y%m%d").to_string(),
            h.time.format("%H%M").to_string(),
            rep,
            h.version.clone(),
            format!("{:09}", h.control_number),
            if h.ack_requested { "1" } else { "0" }.to_string(),
            h.usage.to_string(),
            (self.delims.component as char).to_string(),
        ];
        for (n, (f, max)) in fields.iter().zip([2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]).enumerate() {
            if f.chars().count() != max {
                return Err(WriteError::TooLong { segment: "ISA".into(), position: n + 1, value: f.clone(), max });
            }
        }
        // ISA is written raw: its fields are fixed-width and ISA16 is the component separator itself.
        self.out.extend_from_slice(b"ISA");
        for f in &fields {
            self.out.push(self.delims.element);
            self.out.extend_from_slice(f.as_bytes());
        }
        self.terminate();
        self.isa_control = Some(h.control_number);
        self.groups = 0;
        Ok(())
    }

    pub fn begin_group(&mut self, h: &GsHeader) -> Result<(), WriteError> {
        if self.isa_control.is_none() || self.gs_control.is_some() {
            return Err(WriteError::Invalid("a group opens inside an interchange and outside another group".into()));
        }
        let (date, time, ctl) =
            (h.date.format("%Y%m%d").to_string(), h.time.format("%H%M").to_string(), h.control_number.to_string());
        self.segment("GS", &[&h.functional_id, &h.sender, &h.receiver, &date, &time, &ctl, "X", &h.version])?;
        self.gs_control = Some(h.control_number);
        self.groups += 1;
        self.sets = 0;
        Ok(())
    }

    /// Opens a transaction set; `control` is ST02 (at least four characters).
    pub fn begin_set(&mut self, set_id: &str, control: u64, implementation: Option<&str>) -> Result<(), WriteError> {
        if self.gs_control.is_none() || self.st_control.is_some() {
            return Err(WriteError::Invalid("a set opens inside a group and outside another set".into()));
        }
        let ctl = format!("{control:04}");
        self.segments = 0;
        self.segment("ST", &[set_id, &ctl, implementation.unwrap_or("")])?;
        self.st_control = Some(ctl);
        self.sets += 1;
        Ok(())
    }

    pub fn end_set(&mut self) -> Result<(), WriteError> {
        let ctl = self.st_control.take().ok_or_else(|| WriteError::Invalid("no set is open".into()))?;
        let count = (self.segments + 1).to_string();
        self.segment("SE", &[&count, &ctl])
    }

    pub fn end_group(&mut self) -> Result<(), WriteError> {
        if self.st_control.is_some() {
            return Err(WriteError::Invalid("a set is still open".into()));
        }
        let ctl = self.gs_control.take().ok_or_else(|| WriteError::Invalid("no group is open".into()))?;
        let (sets, ctl) = (self.sets.to_string(), ctl.to_string());
        self.segment("GE", &[&sets, &ctl])
    }

    pub fn end_interchange(&mut self) -> Result<(), WriteError> {
        if self.gs_control.is_some() {
            return Err(WriteError::Invalid("a group is still open".into()));
        }
        let ctl = self.isa_control.take().ok_or_else(|| WriteError::Invalid("no interchange is open".into()))?;
        let (groups, ctl) = (self.groups.to_string(), format!("{ctl:09}"));
        self.segment("IEA", &[&groups, &ctl])
    }

    /// How many bytes were written so far.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// Segments counted in the open set so far.
    pub(crate) fn set_segments(&self) -> u32 {
        self.segments
    }

    /// Makes room for `additional` more bytes.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.out.reserve(additional);
    }

    /// Appends segments already written (with the same delimiters) by another writer,
    /// counting them in the open set.
    pub(crate) fn append_segments(&mut self, bytes: &[u8], segments: u32) {
        self.out.extend_from_slice(bytes);
        self.segments += segments;
    }

    /// The bytes written so far.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

fn pad(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

/// The default delimiters Crossdock writes with: `*` `:` `^` `~`.
pub fn default_delimiters() -> Delimiters {
    Delimiters { element: b'*', component: b':', repetition: Some(b'^'), segment: Terminator::byte(b'~') }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, X12Reader};

    #[test]
    fn envelopes_count_themselves_and_read_back_clean() {
        let mut w = X12Writer::new(default_delimiters(), true);
        let d = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let t = NaiveTime::from_hms_opt(23, 5, 0).unwrap();
        let isa = IsaHeader {
            sender_qualifier: "ZZ".into(),
            sender_id: "CROSSDOCK".into(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: "ACME".into(),
            date: d,
            time: t,
            version: "00501".into(),
            control_number: 42,
            ack_requested: true,
            usage: 'T',
        };
        w.begin_interchange(&isa).unwrap();
        w.begin_group(&GsHeader {
            functional_id: "PO".into(),
            sender: "CROSSDOCK".into(),
            receiver: "ACME".into(),
            date: d,
            time: t,
            control_number: 7,
            version: "005010".into(),
        })
        .unwrap();
        w.begin_set("850", 1, None).unwrap();
        w.segment("BEG", &["00", "SA", "PO-1", "", "20261121", "", ""]).unwrap();
        w.end_set().unwrap();
        w.end_group().unwrap();
        w.end_interchange().unwrap();
        let out = String::from_utf8(w.finish()).unwrap();
        assert!(out.contains("BEG*00*SA*PO-1**20261121~\nSE*3*0001~\nGE*1*7~\nIEA*1*000000042~\n"), "{out}");
        let mut r = X12Reader::new(out.as_bytes());
        let mut issues = 0;
        while let Some(ev) = r.next() {
            match ev.unwrap() {
                Event::Transaction(tx) => issues += tx.issues.len(),
                Event::GroupEnd(g) => issues += g.issues.len(),
                Event::InterchangeEnd(ic) => issues += ic.issues.len(),
                _ => {}
            }
        }
        assert_eq!(issues, 0);
    }

    #[test]
    fn a_delimiter_inside_a_value_is_refused() {
        let mut w = X12Writer::new(default_delimiters(), false);
        let err = w.segment("N1", &["ST", "ACME*WEST"]).unwrap_err();
        assert_eq!(
            err,
            WriteError::DelimiterInData {
                segment: "N1".into(),
                position: 2,
                value: "ACME*WEST".into(),
                delimiter: '*'
            }
        );
    }
}
