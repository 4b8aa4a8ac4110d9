//! Is the class clear? Deciding which of ordered classes (cut points on θ) a person
//! belongs to, or that the test cannot tell two neighbouring classes apart.
//!
//! A screening does not need θ to the second decimal: it needs the class, and it
//! needs to say when it cannot tell. Two classic rules, both evaluated at every cut
//! point separately (a class is clear when every cut is decided, and the decisions
//! agree with the class of θ̂):
//!
//! - [`ClassDecision::Interval`], the ability confidence interval (Kingsbury & Weiss
//!   1983; Eggen & Straetmans 2000): a cut `c` is decided when `|θ̂ − c| ≥ z·SE`.
//! - [`ClassDecision::Sprt`], Wald's sequential probability ratio test at every cut
//!   (Reckase 1983; Eggen 1999 for several cuts): with the log-likelihood of the
//!   answers `ℓ`, a cut `c` is decided "above" when `ℓ(c + δ) − ℓ(c − δ) ≥ ln((1 −
//!   α)/α)` and "below" when it is `≤ −ln((1 − α)/α)` (errors α of both kinds
//!   outside the indifference region `c ± δ`). The likelihood alone, no prior.
//! - [`ClassDecision::Probability`], the posterior probability of the class: the
//!   class of θ̂ is clear when the posterior, taken as N(θ̂, SE²), puts at least `p`
//!   of its mass between the class's two cuts (Bayesian decision; with the EAP of
//!   a prior that matches the population, a result called clear at `p` is right
//!   with probability at least `p`). Unlike the interval rule, which decides each
//!   cut alone, it counts both cuts of a class one logit wide: θ̂ in the middle of
//!   such a class with SE 0.5 is « clear » for the interval rule at z = 1 though
//!   the class has only 68 % of the posterior.
//!
//! The same [`verdict`](ClassDecision::verdict) serves the stopping rule (stop when
//! the class is clear, `stop::ClassifyStop`) and the profile (a result that is not
//! clear says « proche de la limite » and names the neighbouring class), so the two
//! never disagree.

use serde::{Deserialize, Serialize};

use crate::estimate::Estimate;

/// How sure a result must be of the class.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClassDecision {
    /// A cut is decided when θ̂ is at least `z` standard errors away from it.
    Interval {
        /// Half-width of the interval, in SE (1.0: 84 % one-sided).
        z: f64,
    },
    /// Wald's SPRT at each cut `c`, between `c − delta` and `c + delta`.
    Sprt {
        /// Half-width of the indifference region (logits).
        delta: f64,
        /// Error rate of both kinds.
        alpha: f64,
    },
    /// The posterior N(θ̂, SE²) gives θ̂'s class at least this probability.
    Probability {
        /// Smallest posterior probability of a clear class, in (0.5, 1).
        p: f64,
    },
}

/// The standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Posterior probability of each class under N(`estimate.theta`, `estimate.se`²),
/// lowest class first (`cuts.len() + 1` values summing to 1).
pub fn class_probabilities(cuts: &[f64], estimate: Estimate) -> Vec<f64> {
    let se = estimate.se.max(f64::MIN_POSITIVE);
    let below = |c: f64| normal_cdf((c - estimate.theta) / se);
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut last = 0.0;
    for &c in cuts {
        let b = below(c);
        out.push((b - last).max(0.0));
        last = b;
    }
    out.push((1.0 - last).max(0.0));
    out
}

/// What the answers say about the class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every cut is decided, in agreement with θ̂'s class.
    Clear,
    /// Cut `cut` (index in the cut list) is not decided: the person may belong to
    /// the class on its other side, `neighbour` (index of the class; classes are
    /// numbered from 0 below the first cut).
    Near {
        /// Index of the undecided cut nearest to θ̂.
        cut: usize,
        /// The class on the other side of that cut from θ̂'s.
        neighbour: usize,
    },
}

/// Index of θ's class: the number of cuts at or below θ.
pub fn class_index(cuts: &[f64], theta: f64) -> usize {
    cuts.iter().take_while(|&&c| theta >= c).count()
}

impl ClassDecision {
    /// Checks the parameters: `z > 0`; `delta > 0`, `0 < alpha < 0.5`;
    /// `0.5 < p < 1`.
    pub fn validate(&self) -> Result<(), String> {
        let ok = match *self {
            ClassDecision::Interval { z } => z.is_finite() && z > 0.0,
            ClassDecision::Sprt { delta, alpha } => {
                delta.is_finite() && delta > 0.0 && alpha > 0.0 && alpha < 0.5
            }
            ClassDecision::Probability { p } => p > 0.5 && p < 1.0,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "class decision {self:?}: z and delta must be finite and > 0, alpha in (0, 0.5), \
                 p in (0.5, 1)"
            ))
        }
    }

    /// Whether cut `c` is decided, and on which side (`Some(true)`: above).
    fn side(&self, c: f64, estimate: Estimate, loglik: &dyn Fn(f64) -> f64) -> Option<bool> {
        match *self {
            ClassDecision::Interval { z } => {
                let d = estimate.theta - c;
                (d.abs() >= z * estimate.se).then_some(d >= 0.0)
            }
            ClassDecision::Probability { .. } => None,
            ClassDecision::Sprt { delta, alpha } => {
                let bound = ((1.0 - alpha) / alpha).ln();
                let llr = loglik(c + delta) - loglik(c - delta);
                if llr >= bound {
                    Some(true)
                } else if llr <= -bound {
                    Some(false)
                } else {
                    None
                }
            }
        }
    }

    /// The verdict for the answers whose estimate is `estimate` and whose
    /// log-likelihood (up to a constant) is `loglik` (read only by the SPRT). `cuts`
    /// ascending. A cut decided on the other side of θ̂ than θ̂ itself (possible with
    /// the SPRT, which ignores the prior) counts as undecided.
    pub fn verdict(
        &self,
        cuts: &[f64],
        estimate: Estimate,
        loglik: &dyn Fn(f64) -> f64,
    ) -> Verdict {
        let k = class_index(cuts, estimate.theta);
        if let ClassDecision::Probability { p } = *self {
            let probs = class_probabilities(cuts, estimate);
            if probs.get(k).copied().unwrap_or(0.0) >= p || cuts.is_empty() {
                return Verdict::Clear;
            }
            // The side with more of the posterior outside the class.
            let below: f64 = probs.iter().take(k).sum();
            let above: f64 = probs.iter().skip(k + 1).sum();
            return if k > 0 && (below >= above || k == cuts.len()) {
                Verdict::Near {
                    cut: k - 1,
                    neighbour: k - 1,
                }
            } else {
                Verdict::Near {
                    cut: k,
                    neighbour: k + 1,
                }
            };
        }
        let mut near: Option<(f64, usize)> = None;
        for (j, &c) in cuts.iter().enumerate() {
            let above = estimate.theta >= c;
            if self.side(c, estimate, loglik) != Some(above) {
                let d = (estimate.theta - c).abs();
                if near.is_none_or(|(best, _)| d < best) {
                    near = Some((d, j));
                }
            }
        }
        match near {
            None => Verdict::Clear,
            Some((_, j)) => Verdict::Near {
                cut: j,
                neighbour: if j < k { j } else { j + 1 },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(theta: f64, se: f64) -> Estimate {
        Estimate { theta, se }
    }

    #[test]
    fn interval_decides_cuts_at_z_standard_errors() {
        let cuts = [-1.5, -0.5, 0.5];
        let rule = ClassDecision::Interval { z: 1.0 };
        let none = |_: f64| 0.0;
        assert_eq!(rule.verdict(&cuts, est(-1.0, 0.4), &none), Verdict::Clear);
        // 0.45 from -0.5 with SE 0.5: the cut at -0.5 is not decided.
        assert_eq!(
            rule.verdict(&cuts, est(-0.95, 0.5), &none),
            Verdict::Near {
                cut: 1,
                neighbour: 2
            }
        );
        // Below the first cut, near it.
        assert_eq!(
            rule.verdict(&cuts, est(-1.6, 0.3), &none),
            Verdict::Near {
                cut: 0,
                neighbour: 1
            }
        );
        // Both neighbours undecided: the nearer cut is named.
        assert_eq!(
            rule.verdict(&cuts, est(-0.6, 1.0), &none),
            Verdict::Near {
                cut: 1,
                neighbour: 2
            }
        );
        assert_eq!(class_index(&cuts, -0.5), 2);
        assert_eq!(class_index(&cuts, -3.0), 0);
    }

    #[test]
    fn probability_counts_both_cuts_of_a_class() {
        let cuts = [-1.5, -0.5, 0.5];
        let none = |_: f64| 0.0;
        let rule = ClassDecision::Probability { p: 0.8 };
        // In the middle of [-0.5, 0.5) with SE 0.5: 2Φ(1) − 1 = 0.6827 < 0.8, though
        // the interval rule at z = 1 calls it clear.
        let mid = est(0.0, 0.5);
        let probs = class_probabilities(&cuts, mid);
        assert!((probs[2] - 0.682_689_492).abs() < 1e-8, "{probs:?}");
        assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(
            ClassDecision::Interval { z: 1.0 }.verdict(&cuts, mid, &none),
            Verdict::Clear
        );
        assert_eq!(
            rule.verdict(&cuts, est(0.1, 0.5), &none),
            Verdict::Near {
                cut: 2,
                neighbour: 3
            }
        );
        // SE 0.3: 2Φ(1.667) − 1 = 0.904: clear.
        assert_eq!(rule.verdict(&cuts, est(0.0, 0.3), &none), Verdict::Clear);
        // The lowest class is open below: only the cut above counts.
        assert_eq!(rule.verdict(&cuts, est(-2.0, 0.5), &none), Verdict::Clear);
        assert_eq!(
            rule.verdict(&cuts, est(-1.7, 0.5), &none),
            Verdict::Near {
                cut: 0,
                neighbour: 1
            }
        );
        assert_eq!(
            rule.verdict(&cuts, est(0.7, 0.5), &none),
            Verdict::Near {
                cut: 2,
                neighbour: 2
            }
        );
        assert!(normal_cdf(0.0) == 0.5 && (normal_cdf(1.0) - 0.841_344_746).abs() < 1e-8);
        assert!(ClassDecision::Probability { p: 0.5 }.validate().is_err());
        assert!(ClassDecision::Probability { p: 1.0 }.validate().is_err());
    }

    #[test]
    fn sprt_compares_the_likelihood_on_both_sides_of_each_cut() {
        // A likelihood peaked at θ = 1 with curvature 4 (SE 0.5): ℓ(θ) = −2(θ − 1)².
        let ll = |t: f64| -2.0 * (t - 1.0) * (t - 1.0);
        let rule = ClassDecision::Sprt {
            delta: 0.3,
            alpha: 0.1,
        };
        // Bound ln 9 = 2.197. At c = 0.5: ℓ(0.8) − ℓ(0.2) = −0.08 + 1.28 = 1.2 < 2.197.
        assert_eq!(
            rule.verdict(&[0.5], est(1.0, 0.5), &ll),
            Verdict::Near {
                cut: 0,
                neighbour: 0
            }
        );
        // At c = 0: ℓ(0.3) − ℓ(−0.3) = −0.98 + 3.38 = 2.4 ≥ 2.197: above.
        assert_eq!(rule.verdict(&[0.0], est(1.0, 0.5), &ll), Verdict::Clear);
        // A decision against θ̂'s side is not clear.
        assert_eq!(
            rule.verdict(&[0.0], est(-0.1, 0.5), &ll),
            Verdict::Near {
                cut: 0,
                neighbour: 1
            }
        );
        assert!(rule.validate().is_ok());
        assert!(ClassDecision::Sprt {
            delta: 0.3,
            alpha: 0.5
        }
        .validate()
        .is_err());
        assert!(ClassDecision::Interval { z: 0.0 }.validate().is_err());
    }
}
