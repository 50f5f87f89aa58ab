//! Validation of canonical documents: every problem at once, each with its JSON path.

use std::fmt;

/// One broken rule at one place in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the offending value, e.g. `$.lines[2].quantity`.
    pub path: String,
    /// A stable rule name, e.g. `quantity_positive`.
    pub rule: &'static str,
    pub message: String,
}

/// All the violations found in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub violations: Vec<Violation>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {} ({})", v.path, v.message, v.rule)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Checks the business rules of a canonical document.
pub trait Validate {
    /// Every violation, in document order; `Ok` when there is none.
    fn validate(&self) -> Result<(), ValidationError>;
}
