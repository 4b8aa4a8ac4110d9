//! Item response models.
//!
//! One type, [`Item`], covers the dichotomous logistic family (1PL/Rasch, 2PL, 3PL,
//! 4PL in the single parametrisation `P(θ) = c + (d − c) / (1 + exp(−a(θ − b)))`, D = 1)
//! and the polytomous models for tasks scored in ordered steps `0..=k`: the generalised
//! partial credit model (GPCM) and the graded response model (GRM).
//!
//! Items are only built through checked constructors, so an `Item` in hand always has
//! valid parameters.
//!
//! # Response functions
//!
//! For every model the item offers, at an ability θ: category probabilities
//! ([`Item::prob`]) and their first two derivatives ([`Item::prob_derivatives`]), the
//! expected score, Fisher information ([`Item::information`]), Warm's J term
//! ([`Item::j`]), and the log-likelihood of a response with its first two derivatives in
//! θ ([`Item::log_likelihood`], [`Item::log_likelihood_derivatives`]). Dichotomous items
//! add `P'''` and the derivatives of `I` and `J` ([`Logistic::derivatives`]).
//!
//! Scaling constant: D = 1 everywhere (the logistic metric, catR's `D = 1`).
//!
//! Numerical safety: every function returns finite numbers for any finite θ (tested
//! for |θ| ≤ 20) and any valid parameters, including extreme discriminations.
//! Probabilities are never clamped: quantities that would divide by a vanishing `P` or
//! `Q` are rewritten so the ratio is bounded, and logarithms are computed in log space
//! where a probability underflows. The hot paths (information, log-likelihood) make
//! no allocation, for polytomous items too (streaming passes over the steps).

use serde::{Deserialize, Serialize};

mod gpcm;
mod grm;
pub(crate) mod logistic;

pub use logistic::LogisticDerivatives;

/// Why a set of item parameters was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A parameter is NaN or infinite.
    #[error("parameter `{name}` is not a finite number")]
    NotFinite {
        /// Which parameter (`a`, `b`, `c`, `d`, `step`, `threshold`).
        name: &'static str,
    },
    /// The discrimination must be strictly positive.
    #[error("discrimination `a` must be > 0 (got {0})")]
    NonPositiveDiscrimination(f64),
    /// The lower asymptote must lie in [0, 1).
    #[error("lower asymptote `c` must be in [0, 1) (got {0})")]
    GuessingOutOfRange(f64),
    /// The upper asymptote must lie in (0, 1].
    #[error("upper asymptote `d` must be in (0, 1] (got {0})")]
    UpperOutOfRange(f64),
    /// The lower asymptote must be below the upper one.
    #[error("lower asymptote `c` ({c}) must be below upper asymptote `d` ({d})")]
    AsymptotesCrossed {
        /// Lower asymptote given.
        c: f64,
        /// Upper asymptote given.
        d: f64,
    },
    /// A polytomous item needs at least one step.
    #[error("a polytomous item needs at least one step parameter")]
    NoSteps,
    /// GRM thresholds must be strictly increasing.
    #[error("graded response thresholds must be strictly increasing (threshold {index} is {value}, not above {previous})")]
    UnorderedThresholds {
        /// Position of the offending threshold (0-based).
        index: usize,
        /// Its value.
        value: f64,
        /// The threshold before it.
        previous: f64,
    },
}

/// Parameters of a dichotomous logistic item (4PL family, D = 1).
///
/// Rasch/1PL: `a = 1, c = 0, d = 1`; 2PL: `c = 0, d = 1`; 3PL: `d = 1`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Discrimination (slope), > 0.
    pub a: f64,
    /// Difficulty (location).
    pub b: f64,
    /// Lower asymptote ("guessing"), in [0, d).
    pub c: f64,
    /// Upper asymptote ("slipping" when below 1), in (c, 1].
    pub d: f64,
}

/// Parameters of a generalised partial credit item scored `0..=k` (k = `steps.len()`).
///
/// `P(X = x | θ) ∝ exp(Σ_{v=1..x} a(θ − b_v))`; steps need not be ordered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gpcm {
    /// Discrimination, > 0.
    pub a: f64,
    /// Step difficulties `b_1..b_k`.
    pub steps: Vec<f64>,
}

/// Parameters of a graded response item scored `0..=k` (k = `thresholds.len()`).
///
/// `P(X ≥ x | θ) = 1 / (1 + exp(−a(θ − b_x)))`, thresholds strictly increasing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grm {
    /// Discrimination, > 0.
    pub a: f64,
    /// Category thresholds `b_1 < … < b_k`.
    pub thresholds: Vec<f64>,
}

/// An item of any supported model, with checked parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum Item {
    /// Dichotomous 1PL–4PL item, scored 0 or 1.
    Logistic(Logistic),
    /// Generalised partial credit item, scored 0..=k.
    Gpcm(Gpcm),
    /// Graded response item, scored 0..=k.
    Grm(Grm),
}

fn finite(name: &'static str, v: f64) -> Result<f64, ParamError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ParamError::NotFinite { name })
    }
}

fn positive_a(a: f64) -> Result<f64, ParamError> {
    finite("a", a)?;
    if a > 0.0 {
        Ok(a)
    } else {
        Err(ParamError::NonPositiveDiscrimination(a))
    }
}

impl Item {
    /// A 4PL item; the other dichotomous models are special cases.
    pub fn logistic(a: f64, b: f64, c: f64, d: f64) -> Result<Self, ParamError> {
        positive_a(a)?;
        finite("b", b)?;
        finite("c", c)?;
        finite("d", d)?;
        if !(0.0..1.0).contains(&c) {
            return Err(ParamError::GuessingOutOfRange(c));
        }
        if !(d > 0.0 && d <= 1.0) {
            return Err(ParamError::UpperOutOfRange(d));
        }
        if c >= d {
            return Err(ParamError::AsymptotesCrossed { c, d });
        }
        Ok(Item::Logistic(Logistic { a, b, c, d }))
    }

    /// A Rasch (1PL) item of difficulty `b`.
    pub fn rasch(b: f64) -> Result<Self, ParamError> {
        Self::logistic(1.0, b, 0.0, 1.0)
    }

    /// A 2PL item.
    pub fn two_pl(a: f64, b: f64) -> Result<Self, ParamError> {
        Self::logistic(a, b, 0.0, 1.0)
    }

    /// A 3PL item.
    pub fn three_pl(a: f64, b: f64, c: f64) -> Result<Self, ParamError> {
        Self::logistic(a, b, c, 1.0)
    }

    /// A GPCM item with step difficulties `steps` (scored `0..=steps.len()`).
    pub fn gpcm(a: f64, steps: Vec<f64>) -> Result<Self, ParamError> {
        positive_a(a)?;
        if steps.is_empty() {
            return Err(ParamError::NoSteps);
        }
        for s in &steps {
            finite("step", *s)?;
        }
        Ok(Item::Gpcm(Gpcm { a, steps }))
    }

    /// A GRM item with strictly increasing `thresholds` (scored `0..=thresholds.len()`).
    pub fn grm(a: f64, thresholds: Vec<f64>) -> Result<Self, ParamError> {
        positive_a(a)?;
        if thresholds.is_empty() {
            return Err(ParamError::NoSteps);
        }
        for t in &thresholds {
            finite("threshold", *t)?;
        }
        for (i, w) in thresholds.windows(2).enumerate() {
            if w[1] <= w[0] {
                return Err(ParamError::UnorderedThresholds {
                    index: i + 1,
                    value: w[1],
                    previous: w[0],
                });
            }
        }
        Ok(Item::Grm(Grm { a, thresholds }))
    }

    /// Highest score of the item: 1 for dichotomous items, k for polytomous ones.
    pub fn max_score(&self) -> usize {
        match self {
            Item::Logistic(_) => 1,
            Item::Gpcm(g) => g.steps.len(),
            Item::Grm(g) => g.thresholds.len(),
        }
    }
}

/// Deserialisation goes through the checked constructors, so a file or a request
/// can never produce an invalid `Item`.
impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(tag = "model", rename_all = "lowercase")]
        enum Raw {
            Logistic(Logistic),
            Gpcm(Gpcm),
            Grm(Grm),
        }
        let item = match Raw::deserialize(deserializer)? {
            Raw::Logistic(p) => Item::logistic(p.a, p.b, p.c, p.d),
            Raw::Gpcm(p) => Item::gpcm(p.a, p.steps),
            Raw::Grm(p) => Item::grm(p.a, p.thresholds),
        };
        item.map_err(serde::de::Error::custom)
    }
}

/// Why a response cannot be scored against an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The score is above the item's highest category.
    #[error("score {score} is out of range: the item is scored 0..={max}")]
    ScoreOutOfRange {
        /// The score given.
        score: usize,
        /// The item's highest score.
        max: usize,
    },
}

/// A category probability and its first two derivatives in θ.
///
/// Kept together because they share all the work (one evaluation of the item).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbDerivatives {
    /// `P_x(θ)`.
    pub p: f64,
    /// `dP_x/dθ`.
    pub d1: f64,
    /// `d²P_x/dθ²`.
    pub d2: f64,
}

/// First and second derivatives in θ of the log-likelihood of one response.
///
/// The first is the response's contribution to the score function (whose root is the
/// maximum likelihood estimate); the second drives Newton steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogLikelihoodDerivatives {
    /// `d ln P_x/dθ`.
    pub first: f64,
    /// `d² ln P_x/dθ²`.
    pub second: f64,
}

/// What an ability estimator needs from one response at one θ, from a single
/// evaluation of the item: the derivatives of its log-likelihood, the item's Fisher
/// information and Warm's J term.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResponseTerms {
    /// `d ln P_x/dθ`.
    pub first: f64,
    /// `d² ln P_x/dθ²`.
    pub second: f64,
    /// Fisher information of the item at θ.
    pub information: f64,
    /// Warm's J term of the item at θ.
    pub j: f64,
}

const ZERO_DERIVATIVES: ProbDerivatives = ProbDerivatives {
    p: 0.0,
    d1: 0.0,
    d2: 0.0,
};

impl Item {
    /// Checks that `score` is one of the item's categories, so that the unchecked
    /// internals can rely on it.
    pub fn check_score(&self, score: usize) -> Result<(), ResponseError> {
        let max = self.max_score();
        if score > max {
            Err(ResponseError::ScoreOutOfRange { score, max })
        } else {
            Ok(())
        }
    }

    /// Probability of scoring `score` at ability `theta`; 0 for a score above
    /// [`max_score`](Item::max_score) (an impossible category), never a panic.
    ///
    /// For a dichotomous item, `score` 1 is a correct answer (`P`), 0 a wrong one
    /// (`Q = 1 − P`, computed without cancellation).
    pub fn prob(&self, theta: f64, score: usize) -> f64 {
        match self {
            Item::Logistic(l) => match score {
                0 => l.q(theta),
                1 => l.p(theta),
                _ => 0.0,
            },
            Item::Gpcm(g) if score <= g.steps.len() => {
                gpcm::GpcmState::new(g, theta).prob(g, score)
            }
            Item::Grm(g) if score <= g.thresholds.len() => grm::category(g, theta, score).0,
            _ => 0.0,
        }
    }

    /// Probabilities of every category `0..=max_score()`, in order (convenience: it
    /// allocates; use [`prob`](Item::prob) in loops).
    pub fn category_probs(&self, theta: f64) -> Vec<f64> {
        (0..=self.max_score())
            .map(|x| self.prob(theta, x))
            .collect()
    }

    /// A category probability with its first two derivatives in θ (all zero for a
    /// score above `max_score`).
    ///
    /// For polytomous items they come from the log-likelihood derivatives `s` and `h`:
    /// `P' = P·s`, `P'' = P·(h + s²)`.
    pub fn prob_derivatives(&self, theta: f64, score: usize) -> ProbDerivatives {
        if score > self.max_score() {
            return ZERO_DERIVATIVES;
        }
        match self {
            Item::Logistic(l) => {
                let d = l.derivatives(theta);
                if score == 0 {
                    ProbDerivatives {
                        p: d.q,
                        d1: -d.dp,
                        d2: -d.d2p,
                    }
                } else {
                    ProbDerivatives {
                        p: d.p,
                        d1: d.dp,
                        d2: d.d2p,
                    }
                }
            }
            _ => {
                let p = self.prob(theta, score);
                let (s, h) = self.log_likelihood_derivatives_unchecked(theta, score);
                ProbDerivatives {
                    p,
                    d1: p * s,
                    d2: p * (h + s * s),
                }
            }
        }
    }

    /// Expected score `E[X | θ]` (for a dichotomous item, `P(θ)`).
    pub fn expected_score(&self, theta: f64) -> f64 {
        match self {
            Item::Logistic(l) => l.p(theta),
            Item::Gpcm(g) => gpcm::GpcmState::new(g, theta).mean,
            Item::Grm(g) => grm::expected_score(g, theta),
        }
    }

    /// Expected proportion of the maximum score, `E[X | θ] / max_score`, in [0, 1]:
    /// comparable across dichotomous and polytomous items.
    pub fn success_prob(&self, theta: f64) -> f64 {
        // max_score ≥ 1 for every valid item; the `max` only guards hand-built ones.
        self.expected_score(theta) / self.max_score().max(1) as f64
    }

    /// Fisher information of the item at `theta`, ≥ 0 and finite.
    ///
    /// Dichotomous: `P'²/(PQ)`; GPCM: `a²Var(X)`; GRM: `Σ_x P_x'²/P_x`, computed as
    /// `−E[d² ln P_X/dθ²]`. No allocation: this is evaluated for the whole bank at every
    /// step of an adaptive session.
    #[inline]
    pub fn information(&self, theta: f64) -> f64 {
        match self {
            Item::Logistic(l) => l.information(theta),
            Item::Gpcm(g) => g.a * g.a * gpcm::GpcmState::new(g, theta).var,
            Item::Grm(g) => grm::information(g, theta),
        }
    }

    /// Warm's bias-correction term `J(θ) = Σ_x P_x'P_x''/P_x` (for a dichotomous item,
    /// `P'P''/(PQ)`): the weighted likelihood estimator solves `score + J/(2I) = 0`.
    pub fn j(&self, theta: f64) -> f64 {
        match self {
            Item::Logistic(l) => l.j(theta),
            Item::Gpcm(g) => g.a * g.a * g.a * gpcm::GpcmState::new(g, theta).mu3,
            Item::Grm(g) => grm::warm_j(g, theta),
        }
    }

    /// Log-likelihood `ln P_score(θ)` of one response; a typed error for a score outside
    /// the item's categories.
    ///
    /// Finite for every finite θ: where the probability underflows, the logarithm is
    /// computed in log space rather than clamped.
    pub fn log_likelihood(&self, theta: f64, score: usize) -> Result<f64, ResponseError> {
        self.check_score(score)?;
        Ok(self.log_likelihood_unchecked(theta, score))
    }

    /// First and second derivatives in θ of [`log_likelihood`](Item::log_likelihood).
    pub fn log_likelihood_derivatives(
        &self,
        theta: f64,
        score: usize,
    ) -> Result<LogLikelihoodDerivatives, ResponseError> {
        self.check_score(score)?;
        let (first, second) = self.log_likelihood_derivatives_unchecked(theta, score);
        Ok(LogLikelihoodDerivatives { first, second })
    }

    /// Log-likelihood derivatives, information and J of one response from a single
    /// evaluation of the item (what the estimators need at each θ they visit).
    pub fn response_terms(&self, theta: f64, score: usize) -> Result<ResponseTerms, ResponseError> {
        self.check_score(score)?;
        Ok(self.response_terms_unchecked(theta, score))
    }

    /// `ln P_score(θ)` for a score already checked.
    #[inline]
    pub(crate) fn log_likelihood_unchecked(&self, theta: f64, score: usize) -> f64 {
        match self {
            Item::Logistic(l) => {
                let core = logistic::Core::new(l, theta);
                if score == 0 {
                    core.log_q(l)
                } else {
                    core.log_p(l)
                }
            }
            Item::Gpcm(g) => gpcm::GpcmState::new(g, theta).log_prob(g, score),
            Item::Grm(g) => grm::log_prob(g, theta, score),
        }
    }

    /// `(d ln P/dθ, d² ln P/dθ²)` for a score already checked.
    #[inline]
    fn log_likelihood_derivatives_unchecked(&self, theta: f64, score: usize) -> (f64, f64) {
        match self {
            Item::Logistic(l) => {
                logistic::Core::new(l, theta).log_likelihood_derivatives(score != 0)
            }
            Item::Gpcm(g) => {
                let st = gpcm::GpcmState::new(g, theta);
                (g.a * (score as f64 - st.mean), -g.a * g.a * st.var)
            }
            Item::Grm(g) => {
                let (_, s, h) = grm::category(g, theta, score);
                (s, h)
            }
        }
    }

    /// [`response_terms`](Item::response_terms) for a score already checked.
    #[inline]
    pub(crate) fn response_terms_unchecked(&self, theta: f64, score: usize) -> ResponseTerms {
        match self {
            Item::Logistic(l) => {
                let core = logistic::Core::new(l, theta);
                let (first, second) = core.log_likelihood_derivatives(score != 0);
                let information = core.information();
                ResponseTerms {
                    first,
                    second,
                    information,
                    j: core.j_from_information(information),
                }
            }
            Item::Gpcm(g) => {
                let st = gpcm::GpcmState::new(g, theta);
                let a2 = g.a * g.a;
                ResponseTerms {
                    first: g.a * (score as f64 - st.mean),
                    second: -a2 * st.var,
                    information: a2 * st.var,
                    j: a2 * g.a * st.mu3,
                }
            }
            Item::Grm(g) => {
                let (_, first, second) = grm::category(g, theta, score);
                ResponseTerms {
                    first,
                    second,
                    information: grm::information(g, theta),
                    j: grm::warm_j(g, theta),
                }
            }
        }
    }
}

/// Adds the log-likelihood of a dichotomous response at every node of an equally
/// spaced grid to `out`: the inner loop of the EAP update (see
/// `logistic::add_log_likelihood_on_grid`).
#[inline]
pub(crate) fn logistic_log_lik_on_grid(
    item: &Logistic,
    nodes: &[f64],
    step: f64,
    correct: bool,
    out: &mut [f64],
) {
    logistic::add_log_likelihood_on_grid(item, nodes, step, correct, out);
}
