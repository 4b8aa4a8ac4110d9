//! Item response models.
//!
//! One type, [`Item`], covers the dichotomous logistic family (1PL/Rasch, 2PL, 3PL,
//! 4PL in the single parametrisation `P(θ) = c + (d − c) / (1 + exp(−a(θ − b)))`, D = 1)
//! and the polytomous models for tasks scored in ordered steps `0..=k`: the generalised
//! partial credit model (GPCM) and the graded response model (GRM).
//!
//! Items are only built through checked constructors, so an `Item` in hand always has
//! valid parameters.

use serde::{Deserialize, Serialize};

/// Why a set of item parameters was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A parameter is NaN or infinite.
    #[error("parameter `{name}` is not a finite number")]
    NotFinite { name: &'static str },
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
    AsymptotesCrossed { c: f64, d: f64 },
    /// A polytomous item needs at least one step.
    #[error("a polytomous item needs at least one step parameter")]
    NoSteps,
    /// GRM thresholds must be strictly increasing.
    #[error("graded response thresholds must be strictly increasing (threshold {index} is {value}, not above {previous})")]
    UnorderedThresholds {
        index: usize,
        value: f64,
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
