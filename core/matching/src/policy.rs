//! The tolerance policy: how far documents may disagree before a line is an exception.
//!
//! One policy per trading partner (the hub keeps one file per partner; the example with
//! every key is `config/matching/default.toml`). Every key is optional: the defaults
//! tolerate nothing, match invoices against shipped quantities and allow no charges.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::MatchError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TolerancePolicy {
    /// Which quantity invoices are matched against.
    pub match_against: MatchBasis,
    /// Invoiced over the basis quantity, and shipped over the ordered quantity.
    pub quantity: Tolerance,
    /// Invoiced unit price against the ordered unit price, either way.
    pub unit_price: Tolerance,
    /// An invoice's total against what it should come to at the ordered prices.
    pub invoice_total: Tolerance,
    /// Charges an invoice may carry (allowances are always welcome).
    pub allowed_charges: Vec<AllowedCharge>,
}

impl TolerancePolicy {
    pub fn from_toml(text: &str) -> Result<Self, MatchError> {
        toml::from_str(text).map_err(|e| MatchError::Policy(e.to_string()))
    }

    /// Whether a charge with this SAC code and amount may be invoiced.
    pub fn allows_charge(&self, code: Option<&str>, amount: Decimal) -> bool {
        self.allowed_charges
            .iter()
            .any(|c| Some(c.code.as_str()) == code && c.max_amount.is_none_or(|max| amount <= max))
    }
}

/// What the invoiced quantity of a line must not exceed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchBasis {
    /// Three-way match against ship notices (856).
    #[default]
    Shipped,
    /// Three-way match against goods receipts.
    Received,
    /// Two-way match against the purchase order alone.
    Ordered,
}

/// Limits on a variance. A variance is tolerated when it is within every limit that is set
/// (the stricter wins); with no limit set only an exact match passes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tolerance {
    /// In the unit of what is compared: units for quantities, currency for prices and totals.
    pub absolute: Option<Decimal>,
    /// Percent of the reference value (ordered, shipped or received quantity; ordered price).
    pub percent: Option<Decimal>,
}

impl Tolerance {
    pub fn allows(&self, variance: &Variance) -> bool {
        let size = variance.amount.abs();
        if size.is_zero() {
            return true;
        }
        if self.absolute.is_none() && self.percent.is_none() {
            return false;
        }
        self.absolute.is_none_or(|limit| size <= limit)
            // A percent of nothing is undefined: any variance on a zero reference breaks it.
            && self.percent.is_none_or(|limit| variance.exact_percent().is_some_and(|p| p.abs() <= limit))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedCharge {
    /// X12 SAC02 code (DE 1300), e.g. `D240` freight.
    pub code: String,
    /// The largest amount one charge of this code may have; no limit when absent.
    #[serde(default)]
    pub max_amount: Option<Decimal>,
}

/// How far a figure is from its reference: `amount` is actual minus reference, `percent`
/// the same as a percent of the reference (rounded for people; absent on a zero reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variance {
    pub amount: Decimal,
    pub reference: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
}

impl Variance {
    pub fn between(actual: Decimal, reference: Decimal) -> Self {
        let mut v =
            Variance { amount: (actual - reference).normalize(), reference: reference.normalize(), percent: None };
        v.percent = v.exact_percent().map(|p| p.round_dp(4).normalize());
        v
    }

    /// Limits are checked against the exact percent, never the rounded one.
    fn exact_percent(&self) -> Option<Decimal> {
        (!self.reference.is_zero()).then(|| self.amount * Decimal::ONE_HUNDRED / self.reference.abs())
    }
}

impl std::fmt::Display for Variance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.amount.is_sign_negative() { "" } else { "+" };
        write!(f, "{sign}{}", self.amount)?;
        match self.percent {
            Some(p) => write!(f, " ({sign}{p}%)"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn an_empty_policy_tolerates_nothing_and_a_misspelt_key_is_an_error() {
        let strict = TolerancePolicy::from_toml("").unwrap();
        assert_eq!(strict, TolerancePolicy::default());
        assert!(!strict.quantity.allows(&Variance::between(dec!(10.0001), dec!(10))));
        assert!(strict.quantity.allows(&Variance::between(dec!(10.00), dec!(10))));
        assert!(!strict.allows_charge(Some("D240"), dec!(0.01)));
        let err = TolerancePolicy::from_toml("[quantity]\npercnt = 5").unwrap_err();
        assert!(err.to_string().contains("percnt"), "{err}");
    }

    #[test]
    fn limits_take_numbers_or_strings_and_the_stricter_wins() {
        let policy = TolerancePolicy::from_toml("quantity = { absolute = 2, percent = \"5\" }").unwrap();
        assert_eq!(policy.quantity, Tolerance { absolute: Some(dec!(2)), percent: Some(dec!(5)) });
        assert!(policy.quantity.allows(&Variance::between(dec!(42), dec!(40))), "2 and 5%: both at the limit");
        assert!(!policy.quantity.allows(&Variance::between(dec!(11), dec!(10))), "1 is 10%");
        assert!(!policy.quantity.allows(&Variance::between(dec!(103), dec!(100))), "3 is over 2");
    }
}
