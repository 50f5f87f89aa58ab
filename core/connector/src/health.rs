//! Health as a connector reports it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Health {
    Up,
    /// Working, but not as it should (throttled, a backlog, a certificate about to expire).
    Degraded {
        reason: String,
    },
    Down {
        reason: String,
    },
}
