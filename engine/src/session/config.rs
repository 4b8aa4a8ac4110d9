//! The configuration of a session (serde) and its resolution against a bank ([`Plan`]).

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::bank::{Bank, Requirements};
use crate::estimate::{Eap, EapPosterior, Grid, Map, Prior, Wle};
use crate::select::{LogLikTable, SelectConfig, SelectError, SelectPlan, EXCLUDED};
use crate::start::{ContextAnswer, Start, StartError, StartRule};
use crate::stop::{StopConfig, StopError};

/// Everything that decides how one adaptive test runs: the rules (usually shared by all
/// tests of a deployment, read from a file) and what is known of the person before the
/// first question (context answers, what they cannot use).
///
/// Serialisable, and stored with every session, so the server can replay a test by the
/// same rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Start rule.
    pub start: StartRule,
    /// The person's answers to the context questions (read by
    /// [`StartRule::ContextPrior`]).
    pub context: Vec<ContextAnswer>,
    /// What the person or device cannot use: items needing any of it are excluded.
    pub unavailable: Requirements,
    /// Ability estimator.
    pub estimator: EstimatorConfig,
    /// Quadrature grid of the posterior (EAP, Kullback-Leibler ranking, per-domain
    /// estimates).
    pub grid: GridConfig,
    /// Item selection.
    pub select: SelectConfig,
    /// Stopping rules.
    pub stop: StopConfig,
}

/// The ability estimator of a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum EstimatorConfig {
    /// Expected a posteriori on the session grid, with the start rule's prior, updated
    /// incrementally (one pass over the grid per answer).
    #[default]
    Eap,
    /// Maximum a posteriori with the start rule's normal prior, bounded to `range`.
    Map {
        /// Search range.
        #[serde(default = "default_range")]
        range: (f64, f64),
    },
    /// Maximum likelihood bounded to `range`. While every answer is at the lowest score
    /// (or every answer at the highest), the likelihood has no maximum: the estimate
    /// then moves by Dodd's (1990) step, halfway from the previous estimate towards the
    /// hardest (easiest) difficulty of the bank, as catsim does; the SE is
    /// `1/√I(θ)` at that point.
    Mle {
        /// Search range.
        #[serde(default = "default_range")]
        range: (f64, f64),
    },
    /// Warm's weighted likelihood bounded to `range` (finite for most constant
    /// patterns; a bound otherwise).
    Wle {
        /// Search range.
        #[serde(default = "default_range")]
        range: (f64, f64),
    },
}

fn default_range() -> (f64, f64) {
    crate::estimate::DEFAULT_RANGE
}

impl EstimatorConfig {
    /// Short name (`eap`, `map`, `mle`, `wle`).
    pub fn name(&self) -> &'static str {
        match self {
            EstimatorConfig::Eap => "eap",
            EstimatorConfig::Map { .. } => "map",
            EstimatorConfig::Mle { .. } => "mle",
            EstimatorConfig::Wle { .. } => "wle",
        }
    }
}

/// An equally spaced grid `lo..=hi` with `points` nodes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridConfig {
    /// Lowest node.
    pub lo: f64,
    /// Highest node.
    pub hi: f64,
    /// Number of nodes.
    pub points: usize,
}

/// 121 nodes on [−6, 6] (a step of 0.1): within 10⁻³ of a fine grid for the EAP of a
/// short test, and cheap enough for a step well under 20 µs on a 1,000-item bank.
impl Default for GridConfig {
    fn default() -> Self {
        GridConfig {
            lo: -6.0,
            hi: 6.0,
            points: 121,
        }
    }
}

/// Why a configuration cannot run on a bank.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The start rule or the context answers.
    #[error("start: {0}")]
    Start(#[from] StartError),
    /// The selection configuration.
    #[error("select: {0}")]
    Select(#[from] SelectError),
    /// The stopping configuration.
    #[error("{0}")]
    Stop(#[from] StopError),
    /// The grid.
    #[error("grid: {0}")]
    Grid(String),
    /// The estimator.
    #[error("estimator: {0}")]
    Estimator(String),
}

/// The estimator, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum EstimatorPlan {
    Eap,
    Map(Map),
    /// Maximum likelihood from the log-likelihood kept on `table`'s grid (see
    /// `mle.rs`); `range` as [`Mle`].
    Mle {
        range: (f64, f64),
        table: Arc<LogLikTable>,
    },
    Wle(Wle),
}

/// A [`SessionConfig`] checked and resolved against one bank: per-item vectors, the
/// initial posterior, the Kullback-Leibler table. Built once and shared by any number
/// of sessions (the simulator builds one for thousands of examinees).
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub(crate) config: SessionConfig,
    pub(crate) start: Start,
    pub(crate) select: SelectPlan,
    pub(crate) estimator: EstimatorPlan,
    /// Log posterior before any answer (prior and trapezoid weights) at `nodes`.
    pub(crate) prior_log_post: Vec<f64>,
    /// The session grid's nodes.
    pub(crate) nodes: Vec<f64>,
    /// `ln P` rows on the session grid for the posterior updates, when a posterior is
    /// kept (the bank's shared table: the KL ranking reads the same one).
    posterior_table: Option<Arc<LogLikTable>>,
    /// Initial item status: [`EXCLUDED`] where requirements forbid the item.
    pub(crate) base_status: Vec<u8>,
    pub(crate) bank_len: usize,
    pub(crate) domains: usize,
}

impl Plan {
    /// Checks `config` and resolves it against `bank`.
    pub fn new(bank: &Bank, config: SessionConfig) -> Result<Self, ConfigError> {
        let start = config.start.start(&config.context)?;
        config.stop.validate()?;
        let g = config.grid;
        let grid = Grid::new(g.lo, g.hi, g.points).map_err(|e| ConfigError::Grid(e.to_string()))?;
        if g.points > 10_001 {
            return Err(ConfigError::Grid(format!(
                "at most 10,001 points (got {})",
                g.points
            )));
        }
        let eap = Eap {
            grid: grid.clone(),
            prior: Prior::Normal {
                mean: start.prior_mean,
                sd: start.prior_sd,
            },
        };
        let prior_log_post = EapPosterior::new(&eap)
            .map_err(|e| ConfigError::Grid(e.to_string()))?
            .log_posterior()
            .to_vec();
        let nodes: Vec<f64> = grid.nodes().collect();
        let select = SelectPlan::new(&config.select, bank, &nodes)?;
        let keeps_posterior = matches!(config.estimator, EstimatorConfig::Eap)
            || select.needs_posterior()
            || config.stop.needs_domain_se();
        let posterior_table = if keeps_posterior {
            Some(bank.log_lik_table(&nodes, true))
        } else {
            None
        };
        let check_range = |(lo, hi): (f64, f64)| {
            if lo.is_finite() && hi.is_finite() && lo < hi {
                Ok(())
            } else {
                Err(ConfigError::Estimator(format!(
                    "range must be finite with lo < hi (got [{lo}, {hi}])"
                )))
            }
        };
        let estimator = match config.estimator {
            EstimatorConfig::Eap => EstimatorPlan::Eap,
            EstimatorConfig::Map { range } => {
                check_range(range)?;
                EstimatorPlan::Map(Map {
                    prior_mean: start.prior_mean,
                    prior_sd: start.prior_sd,
                    range,
                })
            }
            EstimatorConfig::Mle { range } => {
                check_range(range)?;
                let nodes = super::mle::nodes(range);
                EstimatorPlan::Mle {
                    range,
                    table: bank.log_lik_table(&nodes, false),
                }
            }
            EstimatorConfig::Wle { range } => {
                check_range(range)?;
                EstimatorPlan::Wle(Wle { range })
            }
        };
        let base_status = (0..bank.len())
            .map(|i| {
                if bank.requirement_bits(i) & config.unavailable.bits() != 0 {
                    EXCLUDED
                } else {
                    0
                }
            })
            .collect();
        Ok(Plan {
            start,
            select,
            estimator,
            prior_log_post,
            nodes,
            posterior_table,
            base_status,
            bank_len: bank.len(),
            domains: bank.domains().len(),
            config,
        })
    }

    /// The tabulated `ln P_score` of item `index` on the session grid (empty when not
    /// tabulated: the caller computes it).
    pub(crate) fn posterior_row(&self, index: usize, score: usize) -> &[f64] {
        match &self.posterior_table {
            Some(t) => t.row(index, score),
            None => &[],
        }
    }

    /// The configuration this plan was built from.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// θ₀ and the prior given by the start rule.
    pub fn start(&self) -> Start {
        self.start
    }
}
