//! Trading partner profiles: who we are to a partner and how they want their X12.

use serde::{Deserialize, Serialize};

use crate::reader::{Delimiters, Terminator};

/// How to exchange X12 with one partner. Loaded from `config/partners/*.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerProfile {
    /// Crossdock's own name for the partner (`--partner ID`).
    pub id: String,
    /// Our interchange id and qualifier (ISA05/ISA06 outbound).
    pub our_qualifier: String,
    pub our_id: String,
    /// The partner's interchange id and qualifier (ISA07/ISA08 outbound).
    pub their_qualifier: String,
    pub their_id: String,
    /// Application ids for GS02/GS03; the interchange ids when not set.
    #[serde(default)]
    pub our_application_id: Option<String>,
    #[serde(default)]
    pub their_application_id: Option<String>,
    /// GS08 release for outbound documents: `005010` (default) or `004010`, with any
    /// sub-version suffix the partner wants (`004010VICS`).
    #[serde(default = "default_version")]
    pub version: String,
    /// `997` (default) or `999`.
    #[serde(default = "default_ack")]
    pub ack: String,
    #[serde(default = "default_element")]
    pub element_separator: char,
    #[serde(default = "default_component")]
    pub component_separator: char,
    #[serde(default = "default_repetition")]
    pub repetition_separator: char,
    /// The segment terminator; `"\n"` for line-break terminated files.
    #[serde(default = "default_terminator")]
    pub segment_terminator: char,
    /// Write a line break after each terminator.
    #[serde(default = "yes")]
    pub newline: bool,
    /// ISA15: true sends `T` (test), false `P` (production).
    #[serde(default)]
    pub test: bool,
    /// ISA14: ask the partner for a TA1.
    #[serde(default)]
    pub request_ta1: bool,
    /// Accept an inbound ISA whose fields are not padded to their widths.
    #[serde(default)]
    pub lenient_isa: bool,
}

fn default_version() -> String {
    "005010".into()
}
fn default_ack() -> String {
    "997".into()
}
fn default_element() -> char {
    '*'
}
fn default_component() -> char {
    ':'
}
fn default_repetition() -> char {
    '^'
}
fn default_terminator() -> char {
    '~'
}
fn yes() -> bool {
    true
}

impl PartnerProfile {
    /// A profile with the defaults, for the partner with these interchange ids.
    pub fn new(id: &str, our: (&str, &str), their: (&str, &str)) -> Self {
        PartnerProfile {
            id: id.into(),
            our_qualifier: our.0.into(),
            our_id: our.1.into(),
            their_qualifier: their.0.into(),
            their_id: their.1.into(),
            our_application_id: None,
            their_application_id: None,
            version: default_version(),
            ack: default_ack(),
            element_separator: default_element(),
            component_separator: default_component(),
            repetition_separator: default_repetition(),
            segment_terminator: default_terminator(),
            newline: true,
            test: false,
            request_ta1: false,
            lenient_isa: false,
        }
    }

    /// The delimiters to write with. Before 00402 there is no repetition separator.
    pub fn delimiters(&self) -> Delimiters {
        let mut t = [0u8; 4];
        Delimiters {
            element: self.element_separator as u8,
            component: self.component_separator as u8,
            repetition: (self.isa_version().as_str() >= "00402").then_some(self.repetition_separator as u8),
            segment: Terminator::from_bytes(self.segment_terminator.encode_utf8(&mut t).as_bytes()),
        }
    }

    /// ISA12 that goes with the GS08 release: `005010` -> `00501`.
    pub fn isa_version(&self) -> String {
        self.version.chars().take(5).collect()
    }

    pub fn gs_sender(&self) -> &str {
        self.our_application_id.as_deref().unwrap_or(&self.our_id)
    }

    pub fn gs_receiver(&self) -> &str {
        self.their_application_id.as_deref().unwrap_or(&self.their_id)
    }

    /// Checks what serde cannot: separators that are single ASCII punctuation and distinct.
    pub fn check(&self) -> Result<(), String> {
        let seps = [self.element_separator, self.component_separator, self.repetition_separator];
        for c in seps {
            if !c.is_ascii() || c.is_ascii_alphanumeric() || c == ' ' {
                return Err(format!("partner {}: separator {c:?} must be ASCII punctuation", self.id));
            }
        }
        let all =
            [self.element_separator, self.component_separator, self.repetition_separator, self.segment_terminator];
        for (i, a) in all.iter().enumerate() {
            if all[i + 1..].contains(a) {
                return Err(format!("partner {}: separator {a:?} is used twice", self.id));
            }
        }
        if !matches!(self.ack.as_str(), "997" | "999") {
            return Err(format!("partner {}: ack must be 997 or 999, not {}", self.id, self.ack));
        }
        if !(self.version.starts_with("004") || self.version.starts_with("005")) || self.version.len() < 6 {
            return Err(format!("partner {}: version {} is not an 004xxx or 005xxx release", self.id, self.version));
        }
        Ok(())
    }
}
