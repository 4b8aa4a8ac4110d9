//! Stopping rules.
//!
//! Two kinds, combined in one [`StopConfig`]:
//!
//! - **Hard limits**, always checked first and each sufficient on its own:
//!   [`MaxItems`](StopReason::MaxItems), [`MaxDuration`](StopReason::MaxDuration) (sum of
//!   the elapsed times passed in with the answers), and
//!   [`BankExhausted`](StopReason::BankExhausted) (no eligible item left).
//! - **Precision and coverage criteria**: [`SeBelow`](StopReason::SeBelow) (overall SE
//!   below a threshold), [`DomainSeBelow`](StopReason::DomainSeBelow) (the SE of every
//!   domain's own estimate below a threshold), and
//!   [`DomainsCovered`](StopReason::DomainsCovered) (at least n items in every domain),
//!   and the classification rule [`ClassifyStop`]: stop when the class is clear
//!   ([`Classified`](StopReason::Classified)), or, when it is not, once the SE is so
//!   small that more items would hardly decide it
//!   ([`Borderline`](StopReason::Borderline): the person is near a cut point).
//!   With [`Combine::Any`] the test stops as soon as one configured criterion is met;
//!   with [`Combine::All`], when every configured criterion is met. Neither applies
//!   before `min_items` items. The reason reported is the first met criterion in the
//!   order above.
//!
//! A configuration with no criterion and no `max_items` would never stop before the
//! bank runs out; it is accepted (the bank is finite) but rarely what is wanted.

use serde::{Deserialize, Serialize};

use crate::classify::{ClassDecision, Verdict};
use crate::estimate::Estimate;

/// How the precision and coverage criteria combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Stop when any configured criterion is met.
    #[default]
    Any,
    /// Stop when every configured criterion is met.
    All,
}

/// Stopping configuration (serde).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StopConfig {
    /// Never stop on a criterion before this many items.
    pub min_items: usize,
    /// Stop after this many items.
    pub max_items: Option<usize>,
    /// Stop when the total elapsed time reaches this many milliseconds.
    pub max_duration_ms: Option<u64>,
    /// Criterion: overall SE below this.
    pub se_below: Option<f64>,
    /// Criterion: every domain's SE below this (a domain with no eligible item left
    /// counts as met: more items cannot help; per-domain estimates are EAP on the
    /// session grid).
    pub domain_se_below: Option<f64>,
    /// Criterion: at least this many items in every domain (a domain with no eligible
    /// item left counts as met).
    pub min_per_domain: Option<usize>,
    /// Criterion: the class is clear, or cannot be made clear ([`ClassifyStop`]).
    pub classify: Option<ClassifyStop>,
    /// How the criteria combine.
    pub combine: Combine,
}

/// Classification-aware stopping: the criterion is met when the class of the
/// person is clear ([`ClassDecision::verdict`] at `cuts`) and the SE is at most
/// `clear_se`, or, when it is not clear, once the SE is at most `borderline_se`:
/// the estimate is then precise and still near a cut, where more items would
/// mostly add length (the result says so: « proche de la limite »).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyStop {
    /// Cut points of the classes, ascending.
    pub cuts: Vec<f64>,
    /// When a class is clear.
    pub decision: ClassDecision,
    /// A clear class stops the test once the SE is at most this (no bound: at once).
    #[serde(default)]
    pub clear_se: Option<f64>,
    /// A class that is not clear stops the test once the SE is at most this.
    pub borderline_se: f64,
}

/// SE below 0.3 (reliability about 0.91) or 30 items: the usual CAT default.
impl Default for StopConfig {
    fn default() -> Self {
        StopConfig {
            min_items: 0,
            max_items: Some(30),
            max_duration_ms: None,
            se_below: Some(0.3),
            domain_se_below: None,
            min_per_domain: None,
            classify: None,
            combine: Combine::Any,
        }
    }
}

/// Why a test is finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// `max_items` items were given.
    MaxItems,
    /// The elapsed time reached `max_duration_ms`.
    MaxDuration,
    /// No eligible item is left.
    BankExhausted,
    /// The overall SE is below its threshold.
    SeBelow,
    /// Every domain's SE is below its threshold.
    DomainSeBelow,
    /// Every domain has its minimum number of items.
    DomainsCovered,
    /// The class is clear ([`ClassifyStop`]).
    Classified,
    /// The class is not clear but the estimate is precise: near a cut point.
    Borderline,
}

impl StopReason {
    /// Every reason, in the order they are checked (for reports).
    pub const ALL: [StopReason; 8] = [
        StopReason::MaxItems,
        StopReason::MaxDuration,
        StopReason::BankExhausted,
        StopReason::SeBelow,
        StopReason::DomainSeBelow,
        StopReason::Classified,
        StopReason::Borderline,
        StopReason::DomainsCovered,
    ];

    /// Short snake_case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::MaxItems => "max_items",
            StopReason::MaxDuration => "max_duration",
            StopReason::BankExhausted => "bank_exhausted",
            StopReason::SeBelow => "se_below",
            StopReason::DomainSeBelow => "domain_se_below",
            StopReason::DomainsCovered => "domains_covered",
            StopReason::Classified => "classified",
            StopReason::Borderline => "borderline",
        }
    }
}

/// What the stopping rules look at, gathered by the session.
#[derive(Clone, Copy)]
pub struct StopInput<'s> {
    /// Items given so far.
    pub items: usize,
    /// Total elapsed milliseconds.
    pub elapsed_ms: u64,
    /// Whether at least one item is still eligible.
    pub any_available: bool,
    /// Current overall SE.
    pub se: f64,
    /// Current overall θ̂ (read by [`ClassifyStop`]).
    pub theta: f64,
    /// Log-likelihood of the answers so far at θ, up to a constant (read by the
    /// SPRT of [`ClassifyStop`]).
    pub loglik: &'s dyn Fn(f64) -> f64,
    /// Items given per domain.
    pub given_per_domain: &'s [u32],
    /// Whether each domain still has eligible items.
    pub domain_available: &'s [bool],
    /// SE of each domain's own estimate (empty when not tracked).
    pub domain_se: &'s [f64],
}

/// Why a stopping configuration was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StopError {
    /// A threshold is not finite and positive.
    #[error("stop: {0} must be finite and > 0")]
    Threshold(&'static str),
    /// The classification rule is malformed.
    #[error("stop: classify: {0}")]
    Classify(String),
    /// `min_items` above `max_items`.
    #[error("stop: min_items ({min}) is above max_items ({max})")]
    MinAboveMax {
        /// min_items.
        min: usize,
        /// max_items.
        max: usize,
    },
}

impl StopConfig {
    /// Checks the thresholds.
    pub fn validate(&self) -> Result<(), StopError> {
        let positive = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v > 0.0);
        if !positive(self.se_below) {
            return Err(StopError::Threshold("se_below"));
        }
        if !positive(self.domain_se_below) {
            return Err(StopError::Threshold("domain_se_below"));
        }
        if let Some(c) = &self.classify {
            let finite = |v: f64| v.is_finite() && v > 0.0;
            if c.cuts.is_empty()
                || c.cuts.iter().any(|x| !x.is_finite())
                || c.cuts.windows(2).any(|w| w[1] <= w[0])
            {
                return Err(StopError::Classify(
                    "cuts must be finite and strictly increasing".into(),
                ));
            }
            if !finite(c.borderline_se) || c.clear_se.is_some_and(|v| !finite(v)) {
                return Err(StopError::Threshold("classify.borderline_se / clear_se"));
            }
            c.decision.validate().map_err(StopError::Classify)?;
        }
        if let Some(max) = self.max_items {
            if self.min_items > max {
                return Err(StopError::MinAboveMax {
                    min: self.min_items,
                    max,
                });
            }
        }
        Ok(())
    }

    /// Whether per-domain SEs must be tracked at every step.
    pub fn needs_domain_se(&self) -> bool {
        self.domain_se_below.is_some()
    }

    /// The stopping decision for the test so far.
    pub fn check(&self, s: &StopInput<'_>) -> Option<StopReason> {
        if self.max_items.is_some_and(|m| s.items >= m) {
            return Some(StopReason::MaxItems);
        }
        if self.max_duration_ms.is_some_and(|m| s.elapsed_ms >= m) {
            return Some(StopReason::MaxDuration);
        }
        if !s.any_available {
            return Some(StopReason::BankExhausted);
        }
        if s.items < self.min_items {
            return None;
        }
        let se = self.se_below.map(|t| (StopReason::SeBelow, s.se < t));
        let domain_se = self.domain_se_below.map(|t| {
            let met = !s.domain_se.is_empty()
                && s.domain_se
                    .iter()
                    .zip(s.domain_available)
                    .all(|(&se, &avail)| se < t || !avail);
            (StopReason::DomainSeBelow, met)
        });
        let covered = self.min_per_domain.map(|n| {
            let met = s
                .given_per_domain
                .iter()
                .zip(s.domain_available)
                .all(|(&g, &avail)| g as usize >= n || !avail);
            (StopReason::DomainsCovered, met)
        });
        let classify = self.classify.as_ref().map(|c| {
            let estimate = Estimate {
                theta: s.theta,
                se: s.se,
            };
            match c.decision.verdict(&c.cuts, estimate, s.loglik) {
                Verdict::Clear => (StopReason::Classified, c.clear_se.is_none_or(|t| s.se <= t)),
                Verdict::Near { .. } => (StopReason::Borderline, s.se <= c.borderline_se),
            }
        });
        let criteria = [se, domain_se, classify, covered];
        let mut configured = criteria.iter().flatten().peekable();
        configured.peek()?;
        match self.combine {
            Combine::Any => configured.find(|(_, met)| *met).map(|(r, _)| *r),
            Combine::All => {
                let mut first = None;
                for (r, met) in configured {
                    if !met {
                        return None;
                    }
                    first.get_or_insert(*r);
                }
                first
            }
        }
    }
}
