//! X12 to canonical: one mapper per transaction set, each a short reading of its
//! implementation guide on top of a few shared helpers.
//!
//! `map_transaction` takes a [`Transaction`] from the reader and returns a [`Mapped`]: the
//! canonical document, and everything found wrong with the set's content in the
//! acknowledgment vocabulary of [`crate::issue`] (AK3/AK4 segment and element errors, AK5
//! set errors), plus warnings a person should see but that do not reject the set. The
//! reader's own findings (envelope errors in `tx.issues`, bad characters in
//! `tx.segment_issues`) are not repeated here: an acknowledgment combines both.
//!
//! How every mapper works (the pieces live in this module and in `common`):
//! - [`Cx`] walks the segments of the set. A small table per set ([`SetSpec`]) names its
//!   loops (the segment that starts each, the loop it nests in, the segments it holds), so
//!   every segment is known to sit in the header, the `N1` loop of the header, the `PO1`
//!   loop, the `N1` loop of a `PO1` loop, ... and the mappers match on that.
//! - Every segment is checked against one table of mandatory elements (`check::MANDATORY`),
//!   whatever the set; the segments a set must have are listed in its `SetSpec`.
//! - Numbers are `Decimal` (X12 `R` as written, `N2` with two implied decimals), dates are
//!   CCYYMMDD (or YYMMDD, century-windowed, as 003xxx sends them), times HHMM[SS[d..]].
//!   A bad value is an element error naming the element, its data element number and the
//!   value.
//! - Totals the sender declares (CTT, AMT, TDS, W76, W03) are kept in the document where
//!   the model has room for them and compared with the lines: a difference is a warning.
//!
//! When a set has errors the document is still built where its key fields are there (a
//! best reading, for display); `Mapped::accepted` says whether it may be used. `document`
//! is `None` when the set is not supported or when a field the canonical document cannot
//! do without (the PO number, the invoice date, ...) is missing or unreadable.

mod ack855;
mod asn856;
mod check;
mod common;
mod fa997;
mod inv810;
mod inv846;
mod po850;
mod req940;
mod ship945;
mod status214;

use crossdock_model::Document;
use rust_decimal::Decimal;

use crate::issue::{ElementCode, ElementIssue, Location, SegmentCode, SegmentIssue, SetCode, SetIssue};
use crate::reader::{Segment, SegmentList, Transaction};

/// What a transaction set became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The canonical document; `None` when the set cannot be mapped at all.
    pub document: Option<Document>,
    /// Problems with the set as a whole (AK5), e.g. `SetCode::NotSupported`.
    pub set_issues: Vec<SetIssue>,
    /// Syntax and content errors, each with its element detail (AK3 / AK4).
    pub segment_issues: Vec<SegmentIssue>,
    /// Things a person should see that do not reject the set.
    pub warnings: Vec<Warning>,
}

impl Mapped {
    /// True when the mapper found nothing that rejects the set.
    pub fn accepted(&self) -> bool {
        self.set_issues.is_empty() && self.segment_issues.is_empty()
    }
}

/// Something worth a look that does not reject the set (a total that does not add up, a
/// unit assumed, a code read loosely).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub at: Location,
    pub message: String,
}

/// Maps one transaction set to its canonical document.
pub fn map_transaction(tx: &Transaction<'_>) -> Mapped {
    let Some(spec) = spec_for(tx.set_id) else {
        let message = format!(
            "transaction set {} is not supported; Crossdock maps 810, 846, 850, 855, 856, 940, 945, 214, 997 and 999",
            tx.set_id
        );
        return Mapped {
            document: None,
            set_issues: vec![SetIssue { code: SetCode::NotSupported, at: tx.at.clone(), message }],
            segment_issues: Vec::new(),
            warnings: Vec::new(),
        };
    };
    let mut cx = Cx::new(tx, spec);
    let document = (spec.map)(&mut cx);
    cx.finish(document)
}

fn spec_for(set_id: &str) -> Option<&'static SetSpec> {
    Some(match set_id {
        "850" => &po850::SPEC,
        "855" => &ack855::SPEC,
        "856" => &asn856::SPEC,
        "846" => &inv846::SPEC,
        "810" => &inv810::SPEC,
        "940" => &req940::SPEC,
        "945" => &ship945::SPEC,
        "997" | "999" => &fa997::SPEC,
        "214" => &status214::SPEC,
        _ => return None,
    })
}

/// The shape of one transaction set, as far as the mapper needs it.
pub(crate) struct SetSpec {
    /// Segments the set must contain: `Head` ones are expected right after ST, `Tail`
    /// ones before SE (where a missing one is reported).
    pub required: &'static [Required],
    /// Segments of the header and summary areas, outside every loop.
    pub top: &'static [&'static str],
    pub loops: &'static [LoopDef],
    pub map: fn(&mut Cx<'_>) -> Option<Document>,
}

/// A segment a set cannot do without, and where it belongs.
#[derive(Clone, Copy)]
pub(crate) enum Required {
    Head(&'static str),
    Tail(&'static str),
}

impl Required {
    fn id(self) -> &'static str {
        match self {
            Required::Head(id) | Required::Tail(id) => id,
        }
    }
}

/// Segment ids compared byte by byte, inline: they are two or three bytes long, shorter
/// than a call to `memcmp` is worth.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A loop: the segment that starts it, the loop it nests in, the other segments it holds.
pub(crate) struct LoopDef {
    pub id: &'static str,
    pub parent: Option<&'static str>,
    pub members: &'static [&'static str],
}

/// The walk over one set: where each segment sits, and what was found wrong.
pub(crate) struct Cx<'t> {
    segments: SegmentList<'t>,
    next: usize,
    spec: &'static SetSpec,
    /// Open loops, outermost first (indexes into `spec.loops`).
    stack: Vec<usize>,
    /// Which of `spec.required` were seen (bit i for entry i).
    seen: u64,
    /// GS08's first six characters, e.g. `004010`.
    pub release: &'t str,
    pub set_id: &'t str,
    set_at: Location,
    segment_issues: Vec<SegmentIssue>,
    warnings: Vec<Warning>,
}

impl<'t> Cx<'t> {
    fn new(tx: &Transaction<'t>, spec: &'static SetSpec) -> Self {
        Cx {
            segments: tx.segment_list(),
            next: 0,
            spec,
            stack: Vec::new(),
            seen: 0,
            release: tx.group.release(),
            set_id: tx.set_id,
            set_at: tx.at.clone(),
            segment_issues: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The next segment of the body (ST and SE are the reader's), placed in its loop and
    /// checked for missing mandatory elements.
    pub fn next(&mut self) -> Option<Segment<'t>> {
        loop {
            let seg = self.segments.get(self.next)?;
            self.next += 1;
            let id = seg.id();
            if id == "ST" || id == "SE" {
                continue;
            }
            self.place(id);
            for (i, req) in self.spec.required.iter().enumerate() {
                if same(req.id(), id) {
                    self.seen |= 1 << i;
                }
            }
            check::mandatory(self, &seg);
            return Some(seg);
        }
    }

    /// Moves the loop stack to where segment `id` belongs.
    fn place(&mut self, id: &str) {
        let loops = self.spec.loops;
        // A loop this segment starts: the one nested deepest in what is open wins.
        let mut best: Option<(usize, usize)> = None;
        for (i, l) in loops.iter().enumerate().filter(|(_, l)| same(l.id, id)) {
            let keep = match l.parent {
                None => Some(0),
                Some(p) => self.stack.iter().rposition(|&s| same(loops[s].id, p)).map(|k| k + 1),
            };
            if let Some(k) = keep {
                if best.is_none_or(|(b, _)| k > b) {
                    best = Some((k, i));
                }
            }
        }
        if let Some((keep, i)) = best {
            self.stack.truncate(keep);
            self.stack.push(i);
        } else if let Some(k) = self.stack.iter().rposition(|&s| loops[s].members.iter().any(|m| same(m, id))) {
            self.stack.truncate(k + 1);
        } else if self.spec.top.iter().any(|t| same(t, id)) {
            self.stack.clear();
        }
        // Segments the set's table does not know leave the loops as they are.
    }

    /// How many segments of the set have id `id` (to size what the mapper builds).
    pub fn count_segments(&self, id: &str) -> usize {
        (0..self.segments.len()).filter_map(|i| self.segments.get(i)).filter(|s| same(s.id(), id)).count()
    }

    /// The innermost open loop (AK303), e.g. `N1` or `PO1`.
    pub fn loop_id(&self) -> Option<&'static str> {
        self.stack.last().map(|&i| self.spec.loops[i].id)
    }

    /// True when the current segment sits (at any depth) in a loop started by `id`.
    pub fn in_loop(&self, id: &str) -> bool {
        self.stack.iter().any(|&i| same(self.spec.loops[i].id, id))
    }

    /// The set's ST location, for problems that concern the set as a whole.
    pub fn set_at(&self) -> &Location {
        &self.set_at
    }

    /// True for 003xxx and older releases (six-digit dates, ...).
    pub fn before_004(&self) -> bool {
        !self.release.is_empty() && self.release < "004"
    }

    // ---- findings --------------------------------------------------------------------

    /// Records an element error (AK4) under its segment's AK3, creating that if needed.
    pub fn element_issue(&mut self, seg: &Segment<'_>, e: ElementIssue) {
        let loop_id = self.loop_id().map(str::to_string);
        let id = seg.id();
        match self
            .segment_issues
            .iter_mut()
            .rfind(|i| i.position == seg.position && i.code == SegmentCode::ElementErrors)
        {
            Some(issue) => {
                issue.message = format!("{}; {}", issue.message, e.message);
                issue.elements.push(e);
            }
            None => self.segment_issues.push(SegmentIssue {
                code: SegmentCode::ElementErrors,
                at: seg.location(),
                position: seg.position,
                loop_id,
                message: format!("{id}: {}", e.message),
                elements: vec![e],
            }),
        }
    }

    /// Shorthand for an element error on element `n` of `seg`.
    pub fn bad(&mut self, seg: &Segment<'_>, n: usize, code: ElementCode, reference: Option<u32>, message: String) {
        let value = seg.get(n).map(|v| v.to_string());
        let e = ElementIssue { code, position: n as u32, component: None, reference, value, message };
        self.element_issue(seg, e);
    }

    /// A segment-level error other than element errors (unexpected, out of sequence, ...).
    pub fn segment_issue(&mut self, seg: &Segment<'_>, code: SegmentCode, message: String) {
        let loop_id = self.loop_id().map(str::to_string);
        self.segment_issues.push(SegmentIssue {
            code,
            at: seg.location(),
            position: seg.position,
            loop_id,
            elements: Vec::new(),
            message,
        });
    }

    /// A mandatory segment that is not where it should be (at `at`, position `position`).
    pub fn missing_segment(&mut self, at: Location, position: u32, loop_id: Option<&str>, message: String) {
        self.segment_issues.push(SegmentIssue {
            code: SegmentCode::MandatoryMissing,
            at,
            position,
            loop_id: loop_id.map(str::to_string),
            elements: Vec::new(),
            message,
        });
    }

    pub fn warn(&mut self, seg: &Segment<'_>, message: String) {
        self.warnings.push(Warning { at: seg.location(), message });
    }

    pub fn warn_at(&mut self, at: Location, message: String) {
        self.warnings.push(Warning { at, message });
    }

    fn finish(mut self, document: Option<Document>) -> Mapped {
        for (i, req) in self.spec.required.iter().enumerate() {
            let (id, head) = match *req {
                Required::Head(id) => (id, true),
                Required::Tail(id) => (id, false),
            };
            if self.seen & (1 << i) != 0 {
                continue;
            }
            // Reported where the segment should have been: after ST, or before SE.
            let place = if head {
                self.segments.get(1)
            } else {
                self.segments.len().checked_sub(1).and_then(|i| self.segments.get(i))
            };
            let (mut at, position) = match place {
                Some(s) => (s.location(), s.position),
                None => (self.set_at.clone(), 1),
            };
            at.segment_id = id.to_string();
            let message = format!(
                "{} {} has no {id} segment, which is mandatory",
                self.set_id,
                if head { "begins but" } else { "ends but" }
            );
            self.segment_issues.push(SegmentIssue {
                code: SegmentCode::MandatoryMissing,
                at,
                position,
                loop_id: None,
                elements: Vec::new(),
                message,
            });
        }
        Mapped { document, set_issues: Vec::new(), segment_issues: self.segment_issues, warnings: self.warnings }
    }
}

/// Adds without overflowing: `None` once a sum no longer fits.
pub(crate) fn sum<'a>(values: impl IntoIterator<Item = &'a Decimal>) -> Option<Decimal> {
    values.into_iter().try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v))
}
