//! Control numbers for outbound interchanges, groups and sets.
//!
//! Partners reject a repeated ISA13, so every number handed out must be new for that
//! partner, across restarts and crashes. A number is taken from the source before the
//! document is written; a crash afterwards may leave a gap, never a repeat.

use std::collections::HashMap;

/// Which counter a control number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// ISA13 / IEA02: nine digits.
    Interchange,
    /// GS06 / GE02: up to nine digits.
    Group,
    /// ST02 / SE02: four to nine characters.
    Set,
}

impl ControlKind {
    pub fn name(self) -> &'static str {
        match self {
            ControlKind::Interchange => "interchange",
            ControlKind::Group => "group",
            ControlKind::Set => "set",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot take a {kind} control number for partner {partner}: {reason}")]
pub struct ControlError {
    pub partner: String,
    pub kind: &'static str,
    pub reason: String,
}

/// A source of never-repeating control numbers, one sequence per partner and kind.
pub trait ControlNumbers {
    /// The next number, from 1 up to 999,999,999, then wrapping to 1.
    fn next(&mut self, partner: &str, kind: ControlKind) -> Result<u64, ControlError>;
}

/// Numbers held in memory: for tests and one-shot tools whose output is not sent.
#[derive(Debug, Default)]
pub struct MemoryControlNumbers {
    last: HashMap<(String, ControlKind), u64>,
}

impl ControlNumbers for MemoryControlNumbers {
    fn next(&mut self, partner: &str, kind: ControlKind) -> Result<u64, ControlError> {
        let n = self.last.entry((partner.to_string(), kind)).or_insert(0);
        *n = if *n >= 999_999_999 { 1 } else { *n + 1 };
        Ok(*n)
    }
}
