//! Start rules: where the adaptive test begins.
//!
//! The first question is chosen at a starting ability θ₀, and a Bayesian estimator
//! needs a prior. Two rules:
//!
//! - [`StartRule::FixedTheta`]: everyone starts at the same θ₀ with the same prior
//!   (catsim's `FixedPointInitializer`).
//! - [`StartRule::ContextPrior`]: up to [`MAX_CONTEXT_ANSWERS`] context questions asked
//!   before the test ("Do you have a smartphone?", "Do you send e-mails?") set the prior
//!   mean and SD through a table ([`ContextPrior`]); θ₀ is the prior mean. For beginners
//!   this matters: starting at the population mean would pitch the first questions too
//!   high for the very people the test is for.

use serde::{Deserialize, Serialize};

/// At most this many context answers shape the prior (more would turn the prior into
/// a questionnaire; the test itself is there to measure).
pub const MAX_CONTEXT_ANSWERS: usize = 3;

/// One answer to a context question, as given by the person before the test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextAnswer {
    /// Id of the context question (from the référentiel).
    pub question: String,
    /// Id of the chosen answer.
    pub answer: String,
}

/// How the test starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum StartRule {
    /// Start every person at `theta`, with a normal prior N(`theta`, `sd`) for the
    /// Bayesian estimators.
    FixedTheta {
        /// Starting ability θ₀ (also the prior mean).
        theta: f64,
        /// Prior standard deviation.
        #[serde(default = "one")]
        sd: f64,
    },
    /// Prior set from the context answers through a table; θ₀ is its mean.
    ContextPrior(ContextPrior),
}

fn one() -> f64 {
    1.0
}

/// θ₀ = 0 with a N(0, 1) prior: the usual default of CAT simulations.
impl Default for StartRule {
    fn default() -> Self {
        StartRule::FixedTheta {
            theta: 0.0,
            sd: 1.0,
        }
    }
}

/// A table from context answers to a normal prior.
///
/// Resolution, for the answers of one person:
///
/// 1. If a [`lookup`](ContextPrior::lookup) row lists exactly the same set of
///    (question, answer) pairs (in any order), its mean and SD are the prior.
/// 2. Otherwise the prior mean is `mean` plus the `mean_shift` of every
///    [`rows`](ContextPrior::rows) entry matching one of the answers, and the prior SD
///    is the smallest `sd` among the matching rows that give one, or `sd` if none does
///    (an answer that tells a lot narrows the prior; shifts add up, narrowing does not
///    compound).
///
/// Answers that match no row are ignored (a question the table does not use has no
/// effect). More than [`MAX_CONTEXT_ANSWERS`] answers, or two answers to the same
/// question, are refused.
///
/// Example (JSON):
///
/// ```json
/// { "rule": "context_prior", "mean": 0.0, "sd": 1.0,
///   "rows": [ { "question": "smartphone", "answer": "no", "mean_shift": -1.0, "sd": 0.8 },
///             { "question": "email", "answer": "often", "mean_shift": 0.7 } ],
///   "lookup": [ { "answers": [ { "question": "smartphone", "answer": "no" },
///                              { "question": "email", "answer": "never" } ],
///                 "mean": -1.8, "sd": 0.7 } ] }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextPrior {
    /// Prior mean before any answer is taken into account.
    pub mean: f64,
    /// Prior SD before any answer is taken into account.
    pub sd: f64,
    /// Additive rows.
    #[serde(default)]
    pub rows: Vec<ContextRow>,
    /// Full-pattern rows, tried first.
    #[serde(default)]
    pub lookup: Vec<ContextLookup>,
}

/// One additive row of a [`ContextPrior`] table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextRow {
    /// Context question id.
    pub question: String,
    /// Answer id.
    pub answer: String,
    /// Added to the prior mean when this answer is given.
    #[serde(default)]
    pub mean_shift: f64,
    /// Prior SD when this answer is given (the smallest of the matching rows wins).
    #[serde(default)]
    pub sd: Option<f64>,
}

/// One full-pattern row of a [`ContextPrior`] table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextLookup {
    /// The exact set of answers this row applies to.
    pub answers: Vec<ContextAnswer>,
    /// Prior mean.
    pub mean: f64,
    /// Prior SD.
    pub sd: f64,
}

/// The outcome of a start rule: θ₀ and the prior.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    /// Ability at which the first item is chosen.
    pub theta: f64,
    /// Prior mean of the Bayesian estimators.
    pub prior_mean: f64,
    /// Prior SD of the Bayesian estimators.
    pub prior_sd: f64,
}

/// Why a start rule or its inputs were refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StartError {
    /// A mean or θ₀ is not finite.
    #[error("{what}: must be a finite number (got {value})")]
    NotFinite {
        /// Which number.
        what: String,
        /// Its value.
        value: f64,
    },
    /// An SD is not finite and positive.
    #[error("{what}: standard deviation must be finite and > 0 (got {value})")]
    BadSd {
        /// Which SD.
        what: String,
        /// Its value.
        value: f64,
    },
    /// Too many context answers.
    #[error("{0} context answers given; at most {max} are used", max = MAX_CONTEXT_ANSWERS)]
    TooManyAnswers(usize),
    /// Two answers to the same context question.
    #[error("context question `{0}` answered twice")]
    DuplicateQuestion(String),
}

fn check_finite(what: impl FnOnce() -> String, value: f64) -> Result<(), StartError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(StartError::NotFinite {
            what: what(),
            value,
        })
    }
}

fn check_sd(what: impl FnOnce() -> String, value: f64) -> Result<(), StartError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(StartError::BadSd {
            what: what(),
            value,
        })
    }
}

impl StartRule {
    /// Checks the rule's own numbers (independently of any person's answers).
    pub fn validate(&self) -> Result<(), StartError> {
        match self {
            StartRule::FixedTheta { theta, sd } => {
                check_finite(|| "start theta".into(), *theta)?;
                check_sd(|| "start sd".into(), *sd)
            }
            StartRule::ContextPrior(t) => t.validate(),
        }
    }

    /// θ₀ and the prior for a person who gave `answers` (ignored by
    /// [`StartRule::FixedTheta`], but still checked for count and duplicates).
    pub fn start(&self, answers: &[ContextAnswer]) -> Result<Start, StartError> {
        self.validate()?;
        check_answers(answers)?;
        match self {
            StartRule::FixedTheta { theta, sd } => Ok(Start {
                theta: *theta,
                prior_mean: *theta,
                prior_sd: *sd,
            }),
            StartRule::ContextPrior(t) => {
                let (mean, sd) = t.prior(answers);
                Ok(Start {
                    theta: mean,
                    prior_mean: mean,
                    prior_sd: sd,
                })
            }
        }
    }
}

fn check_answers(answers: &[ContextAnswer]) -> Result<(), StartError> {
    if answers.len() > MAX_CONTEXT_ANSWERS {
        return Err(StartError::TooManyAnswers(answers.len()));
    }
    for (i, a) in answers.iter().enumerate() {
        if answers[..i].iter().any(|b| b.question == a.question) {
            return Err(StartError::DuplicateQuestion(a.question.clone()));
        }
    }
    Ok(())
}

impl ContextPrior {
    /// Checks every number of the table.
    pub fn validate(&self) -> Result<(), StartError> {
        check_finite(|| "context prior mean".into(), self.mean)?;
        check_sd(|| "context prior sd".into(), self.sd)?;
        for (i, r) in self.rows.iter().enumerate() {
            check_finite(|| format!("context row {i} mean_shift"), r.mean_shift)?;
            if let Some(sd) = r.sd {
                check_sd(|| format!("context row {i} sd"), sd)?;
            }
        }
        for (i, l) in self.lookup.iter().enumerate() {
            check_finite(|| format!("context lookup {i} mean"), l.mean)?;
            check_sd(|| format!("context lookup {i} sd"), l.sd)?;
        }
        Ok(())
    }

    /// `(mean, sd)` of the prior for these answers (see the type's documentation).
    pub fn prior(&self, answers: &[ContextAnswer]) -> (f64, f64) {
        let same_set = |row: &[ContextAnswer]| {
            row.len() == answers.len() && row.iter().all(|r| answers.contains(r))
        };
        if let Some(l) = self.lookup.iter().find(|l| same_set(&l.answers)) {
            return (l.mean, l.sd);
        }
        let mut mean = self.mean;
        let mut sd: Option<f64> = None;
        for a in answers {
            for r in &self.rows {
                if r.question == a.question && r.answer == a.answer {
                    mean += r.mean_shift;
                    if let Some(s) = r.sd {
                        sd = Some(sd.map_or(s, |cur: f64| cur.min(s)));
                    }
                }
            }
        }
        (mean, sd.unwrap_or(self.sd))
    }
}
