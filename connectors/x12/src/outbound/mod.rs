//! Canonical documents to X12: one interchange per call, one functional group per
//! functional identifier, one transaction set per document.
//!
//! Each set module reads like its implementation guide, segment by segment in the
//! standard's order; what they share (parties, product ids, dates, decimals) lives in
//! [`common`]. The [`X12Writer`] counts SE01/GE01/IEA01 and refuses delimiters in data,
//! so a set module only says which segments a document becomes.
//!
//! Control numbers: the interchange is first written with placeholder numbers, so that a
//! document that cannot be written (it fails validation, has a delimiter in a value, has
//! more product ids than the segment has room for) is refused before any number is taken
//! from the partner's sequences. Then the envelopes are written with the real numbers
//! around the body segments of that first pass (control numbers appear only in
//! ISA/GS/ST/SE/GE/IEA), so each document is rendered once.

mod ack855;
mod asn856;
pub(crate) mod common;
mod fa997;
mod inv810;
mod inv846;
mod po850;
mod req940;
mod ship945;

use chrono::NaiveDateTime;
use crossdock_model::{Document, Validate, ValidationError};

use crate::control::{ControlError, ControlKind, ControlNumbers};
use crate::profile::PartnerProfile;
use crate::writer::{GsHeader, IsaHeader, WriteError, X12Writer};

/// Why documents could not be written as X12.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("the partner profile cannot be used: {0}")]
    Profile(String),
    #[error("nothing to write: no documents were given")]
    NothingToWrite,
    #[error("{kind} documents have no X12 transaction set{hint}")]
    Unsupported { kind: &'static str, hint: &'static str },
    #[error("{kind} {key:?} is not valid:\n{source}")]
    Invalid { kind: &'static str, key: String, source: ValidationError },
    #[error("cannot write {kind} {key:?} as X12: {source}")]
    Write { kind: &'static str, key: String, source: WriteError },
    #[error("cannot write the interchange envelope: {0}")]
    Envelope(WriteError),
    #[error(transparent)]
    ControlNumber(#[from] ControlError),
}

/// The release a partner's sets follow, where the sets differ between releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// 004010 up to (not including) 005010.
    V4010,
    /// 005010 and later.
    V5010,
}

/// One transaction set being written: the writer, and the release it follows.
pub(crate) struct SetOut<'w> {
    w: &'w mut X12Writer,
    pub release: Release,
}

impl SetOut<'_> {
    pub fn segment(&mut self, id: &str, elements: &[&str]) -> Result<(), WriteError> {
        self.w.segment(id, elements)
    }

    /// Components joined with the interchange's component separator.
    pub fn composite(&self, parts: &[&str]) -> String {
        self.w.composite(parts)
    }
}

/// The transaction set a canonical document is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetKind {
    Po850,
    Ack855,
    Asn856,
    Inv846,
    Inv810,
    Req940,
    Ship945,
    Fa997,
    Fa999,
}

impl SetKind {
    fn of(doc: &Document, release: Release) -> Result<SetKind, OutboundError> {
        let unsupported = |hint| Err(OutboundError::Unsupported { kind: doc.kind(), hint });
        Ok(match doc {
            Document::PurchaseOrder(_) => SetKind::Po850,
            Document::PurchaseOrderAck(_) => SetKind::Ack855,
            Document::ShipNotice(_) => SetKind::Asn856,
            Document::InventoryAdvice(_) => SetKind::Inv846,
            Document::Invoice(_) => SetKind::Inv810,
            Document::FulfillmentRequest(_) => SetKind::Req940,
            Document::FulfillmentUpdate(_) => SetKind::Ship945,
            Document::FunctionalAck(a) if a.ack_kind == "999" && release == Release::V4010 => {
                return unsupported(" before release 005010: a 999 needs a 005010 partner profile")
            }
            Document::FunctionalAck(a) if a.ack_kind == "999" => SetKind::Fa999,
            Document::FunctionalAck(_) => SetKind::Fa997,
            Document::SalesOrder(_) => return unsupported(" (send the purchase order sourced from it)"),
            Document::ShipmentStatus(_) => return unsupported(" that Crossdock sends (214s are only read)"),
            Document::Return(_) => return unsupported(""),
        })
    }

    fn set_id(self) -> &'static str {
        match self {
            SetKind::Po850 => "850",
            SetKind::Ack855 => "855",
            SetKind::Asn856 => "856",
            SetKind::Inv846 => "846",
            SetKind::Inv810 => "810",
            SetKind::Req940 => "940",
            SetKind::Ship945 => "945",
            SetKind::Fa997 => "997",
            SetKind::Fa999 => "999",
        }
    }

    /// GS01.
    fn functional_id(self) -> &'static str {
        match self {
            SetKind::Po850 => "PO",
            SetKind::Ack855 => "PR",
            SetKind::Asn856 => "SH",
            SetKind::Inv846 => "IB",
            SetKind::Inv810 => "IN",
            SetKind::Req940 => "OW",
            SetKind::Ship945 => "SW",
            SetKind::Fa997 | SetKind::Fa999 => "FA",
        }
    }

    fn write(self, out: &mut SetOut<'_>, doc: &Document, now: NaiveDateTime) -> Result<(), WriteError> {
        match doc {
            Document::PurchaseOrder(d) => po850::write(out, d),
            Document::PurchaseOrderAck(d) => ack855::write(out, d, now),
            Document::ShipNotice(d) => asn856::write(out, d, now),
            Document::InventoryAdvice(d) => inv846::write(out, d),
            Document::Invoice(d) => inv810::write(out, d),
            Document::FulfillmentRequest(d) => req940::write(out, d),
            Document::FulfillmentUpdate(d) => ship945::write(out, d),
            Document::FunctionalAck(d) => fa997::write(out, d, self == SetKind::Fa999),
            _ => Err(WriteError::Invalid(format!("{} documents have no X12 transaction set", doc.kind()))),
        }
    }
}

/// Writes `docs` as one interchange to the partner: ISA/IEA from the profile, one GS
/// group per functional identifier (in the order the documents first need them), one
/// transaction set per document in the profile's release (GS08 is `profile.version`).
///
/// Every document is validated first ([`Validate`]); nothing is written, and no control
/// number taken, unless all of them can be written.
pub fn write_documents(
    profile: &PartnerProfile,
    docs: &[Document],
    numbers: &mut dyn ControlNumbers,
    now: NaiveDateTime,
) -> Result<Vec<u8>, OutboundError> {
    profile.check().map_err(OutboundError::Profile)?;
    let release = if profile.version.as_str() >= "005010" { Release::V5010 } else { Release::V4010 };
    let mut groups: Vec<(&'static str, Vec<(SetKind, &Document)>)> = Vec::new();
    for doc in docs {
        let kind = SetKind::of(doc, release)?;
        doc.validate().map_err(|source| OutboundError::Invalid {
            kind: doc.kind(),
            key: doc.business_key().to_string(),
            source,
        })?;
        let fid = kind.functional_id();
        match groups.iter_mut().find(|(f, _)| *f == fid) {
            Some((_, sets)) => sets.push((kind, doc)),
            None => groups.push((fid, vec![(kind, doc)])),
        }
    }
    if groups.is_empty() {
        return Err(OutboundError::NothingToWrite);
    }
    // A dry run with placeholder numbers finds any document that cannot be written
    // before a real number is spent on it.
    let mut bodies = Vec::new();
    let dry = interchange(profile, release, &groups, &mut |_| Ok(1), now, Bodies::Record(&mut bodies))?;
    interchange(
        profile,
        release,
        &groups,
        &mut |kind| numbers.next(&profile.id, kind),
        now,
        Bodies::Replay(&dry, &bodies),
    )
}

/// Where each set's body segments (between ST and SE) come from.
enum Bodies<'a> {
    /// Render them, and note where each landed and how many segments it holds.
    Record(&'a mut Vec<(std::ops::Range<usize>, u32)>),
    /// Copy them from an earlier rendering.
    Replay(&'a [u8], &'a [(std::ops::Range<usize>, u32)]),
}

fn interchange(
    profile: &PartnerProfile,
    release: Release,
    groups: &[(&'static str, Vec<(SetKind, &Document)>)],
    next: &mut dyn FnMut(ControlKind) -> Result<u64, ControlError>,
    now: NaiveDateTime,
    mut bodies: Bodies<'_>,
) -> Result<Vec<u8>, OutboundError> {
    let mut set_index = 0;
    let (date, time) = (now.date(), now.time());
    let mut w = X12Writer::new(profile.delimiters(), profile.newline);
    let isa = IsaHeader {
        sender_qualifier: profile.our_qualifier.clone(),
        sender_id: profile.our_id.clone(),
        receiver_qualifier: profile.their_qualifier.clone(),
        receiver_id: profile.their_id.clone(),
        date,
        time,
        version: profile.isa_version(),
        control_number: next(ControlKind::Interchange)?,
        ack_requested: profile.request_ta1,
        usage: if profile.test { 'T' } else { 'P' },
    };
    if let Bodies::Replay(bytes, _) = &bodies {
        w.reserve(bytes.len());
    }
    w.begin_interchange(&isa).map_err(OutboundError::Envelope)?;
    for (fid, sets) in groups {
        let gs = GsHeader {
            functional_id: fid.to_string(),
            sender: profile.gs_sender().to_string(),
            receiver: profile.gs_receiver().to_string(),
            date,
            time,
            control_number: next(ControlKind::Group)?,
            version: profile.version.clone(),
        };
        w.begin_group(&gs).map_err(OutboundError::Envelope)?;
        for (kind, doc) in sets {
            w.begin_set(kind.set_id(), next(ControlKind::Set)?, None).map_err(OutboundError::Envelope)?;
            match &mut bodies {
                Bodies::Record(ranges) => {
                    let (start, segments) = (w.len(), w.set_segments());
                    let mut out = SetOut { w: &mut w, release };
                    kind.write(&mut out, doc, now).map_err(|source| OutboundError::Write {
                        kind: doc.kind(),
                        key: doc.business_key().to_string(),
                        source,
                    })?;
                    ranges.push((start..w.len(), w.set_segments() - segments));
                }
                Bodies::Replay(bytes, ranges) => {
                    let (range, segments) = &ranges[set_index];
                    w.append_segments(&bytes[range.clone()], *segments);
                }
            }
            set_index += 1;
            w.end_set().map_err(OutboundError::Envelope)?;
        }
        w.end_group().map_err(OutboundError::Envelope)?;
    }
    w.end_interchange().map_err(OutboundError::Envelope)?;
    Ok(w.finish())
}
