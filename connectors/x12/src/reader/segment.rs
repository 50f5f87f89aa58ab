//! Delimiters and zero-copy segment views.

use crate::issue::Location;

/// The separators an interchange declares in its ISA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    pub element: u8,
    pub component: u8,
    /// ISA11 from version 00402 on; `None` where ISA11 is the standards identifier `U`.
    pub repetition: Option<u8>,
    pub segment: Terminator,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters { element: b'*', component: b':', repetition: Some(b'^'), segment: Terminator::byte(b'~') }
    }
}

/// The segment terminator: one character (up to four UTF-8 bytes, since real senders use
/// `…`), or a line break, in which case CR, LF and CRLF all end a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Terminator {
    bytes: [u8; 4],
    len: u8,
}

impl Terminator {
    pub const LINE_BREAK: Terminator = Terminator { bytes: [b'\n', 0, 0, 0], len: 1 };

    pub fn byte(b: u8) -> Self {
        if b == b'\r' || b == b'\n' {
            return Self::LINE_BREAK;
        }
        Terminator { bytes: [b, 0, 0, 0], len: 1 }
    }

    /// From a UTF-8 character's bytes (1 to 4 of them).
    pub fn from_bytes(b: &[u8]) -> Self {
        if b.len() == 1 {
            return Self::byte(b[0]);
        }
        let mut bytes = [0; 4];
        bytes[..b.len()].copy_from_slice(b);
        Terminator { bytes, len: b.len() as u8 }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn is_line_break(&self) -> bool {
        *self == Self::LINE_BREAK
    }
}

/// One segment, borrowed from the reader's buffer: no copy is made to read it.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    raw: &'a str,
    delims: Delimiters,
    /// 1-based ordinal of the segment in the input.
    pub index: u32,
    /// 1-based line where it starts.
    pub line: u32,
    /// 1-based position in its transaction set (ST is 1); 0 outside a set.
    pub position: u32,
}

impl<'a> Segment<'a> {
    pub(crate) fn new(raw: &'a str, delims: Delimiters, index: u32, line: u32, position: u32) -> Self {
        Segment { raw, delims, index, line, position }
    }

    /// The segment id: the text before the first element separator.
    pub fn id(&self) -> &'a str {
        // Ids are two or three bytes: look at the first few before a vector search.
        let b = self.raw.as_bytes();
        let head = b.len().min(4);
        if let Some(i) = b[..head].iter().position(|&c| c == self.delims.element) {
            return &self.raw[..i];
        }
        match memchr::memchr(self.delims.element, &b[head..]) {
            Some(i) => &self.raw[..head + i],
            None => self.raw,
        }
    }

    /// The whole segment text, without its terminator.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Element `n` (1-based, as X12 numbers them: `BEG03` is `element(3)`), including any
    /// components and repetitions; empty when absent.
    pub fn element(&self, n: usize) -> &'a str {
        nth(self.raw, self.delims.element, n).unwrap_or("")
    }

    /// Element `n` when it is present and not empty.
    pub fn get(&self, n: usize) -> Option<&'a str> {
        let e = self.element(n);
        (!e.is_empty()).then_some(e)
    }

    /// Element `n` trimmed of padding, when present and not blank.
    pub fn text(&self, n: usize) -> Option<&'a str> {
        let e = self.element(n).trim();
        (!e.is_empty()).then_some(e)
    }

    /// Component `c` (1-based) of element `n`; empty when absent.
    pub fn component(&self, n: usize, c: usize) -> &'a str {
        c.checked_sub(1).and_then(|c| nth(self.element(n), self.delims.component, c)).unwrap_or("")
    }

    /// The repetitions of element `n` (one item when the interchange has no repetition separator).
    pub fn repetitions(&self, n: usize) -> impl Iterator<Item = &'a str> + 'a {
        let e = self.element(n);
        let sep = self.delims.repetition;
        let (sep, whole) = match sep {
            Some(s) => (s, false),
            None => (0, true),
        };
        let mut it = split(e, sep);
        let mut once = Some(e);
        std::iter::from_fn(move || if whole { once.take() } else { it.next() })
    }

    /// All elements, the segment id first (index 0).
    pub fn elements(&self) -> impl Iterator<Item = &'a str> + 'a {
        split(self.raw, self.delims.element)
    }

    /// Number of data elements (the id not counted), trailing empty ones included.
    pub fn element_count(&self) -> usize {
        memchr::memchr_iter(self.delims.element, self.raw.as_bytes()).count()
    }

    pub fn location(&self) -> Location {
        Location { segment: self.index, line: self.line, segment_id: self.id().to_string() }
    }
}

/// Splits on a single ASCII byte without allocating. A byte outside ASCII splits nothing:
/// it could stand inside a multi-byte character (the reader has made the text UTF-8), and
/// the ISA scan reports such a delimiter.
///
/// A plain loop rather than `memchr`: elements are a few bytes long, shorter than what a
/// vector search needs to pay for its set-up.
fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let bytes = s.as_bytes();
    let mut start = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match bytes[start..].iter().position(|&b| b == sep && sep.is_ascii()) {
            Some(i) => {
                let item = &s[start..start + i];
                start += i + 1;
                Some(item)
            }
            None => {
                done = true;
                Some(&s[start..])
            }
        }
    })
}

/// Field `n` (0-based) of `s` split on `sep`, as `split(s, sep).nth(n)`, in one pass.
fn nth(s: &str, sep: u8, n: usize) -> Option<&str> {
    if !sep.is_ascii() {
        return (n == 0).then_some(s);
    }
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut left = n;
    for (i, &b) in bytes.iter().enumerate() {
        if b == sep {
            if left == 0 {
                return Some(&s[start..i]);
            }
            left -= 1;
            start = i + 1;
        }
    }
    (left == 0).then(|| &s[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(raw: &str) -> Segment<'_> {
        Segment::new(raw, Delimiters::default(), 1, 1, 1)
    }

    #[test]
    fn elements_are_numbered_as_x12_numbers_them() {
        let s = seg("PO1*1*120*EA*9.25**VC*ABC");
        assert_eq!(s.id(), "PO1");
        assert_eq!(s.element(1), "1");
        assert_eq!(s.element(4), "9.25");
        assert_eq!(s.get(5), None);
        assert_eq!(s.element(7), "ABC");
        assert_eq!(s.element(8), "");
        assert_eq!(s.element_count(), 7);
    }

    #[test]
    fn element_by_position_agrees_with_a_plain_split() {
        let samples = [
            "",
            "*",
            "**",
            "A",
            "A*",
            "*A",
            "PO1*1*120*EA*9.25**VC*ABC",
            "N1*ST*Caf\u{e9} \u{2026}**92*\u{a6}x",
            "X***",
        ];
        for raw in samples {
            let s = seg(raw);
            let plain: Vec<&str> = raw.split('*').collect();
            assert_eq!(s.elements().collect::<Vec<_>>(), plain, "{raw:?}");
            for n in 0..plain.len() + 3 {
                assert_eq!(s.element(n), plain.get(n).copied().unwrap_or(""), "{raw:?} element {n}");
            }
        }
        assert_eq!(seg("SLN*1*A:B").component(2, 0), "");
    }

    // A component separator outside ASCII (ISA16 is any byte) could match a byte inside a
    // multi-byte character: splitting there cut the text mid-character, and panicked.
    #[test]
    fn a_delimiter_outside_ascii_splits_nothing() {
        let d = Delimiters { component: 0xA6, ..Delimiters::default() };
        let s = Segment::new("BEG*00*SA*PO\u{a6}X", d, 1, 1, 1);
        assert_eq!(s.element(3), "PO\u{a6}X");
        assert_eq!(s.component(3, 1), "PO\u{a6}X");
        assert_eq!(s.component(3, 2), "");
    }

    #[test]
    fn components_and_repetitions() {
        let s = seg("SLN*1.1*PC:11.1:12.2*A^B^C");
        assert_eq!(s.component(2, 1), "PC");
        assert_eq!(s.component(2, 3), "12.2");
        assert_eq!(s.component(2, 4), "");
        assert_eq!(s.repetitions(3).collect::<Vec<_>>(), ["A", "B", "C"]);
        let no_rep = Segment::new("X*A^B", Delimiters { repetition: None, ..Delimiters::default() }, 1, 1, 1);
        assert_eq!(no_rep.repetitions(1).collect::<Vec<_>>(), ["A^B"]);
    }
}
