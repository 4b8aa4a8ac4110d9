//! Calibration: item parameters estimated from the answers Repère collects.
//!
//! Marginal maximum likelihood by the EM algorithm of Bock & Aitkin (1981), with
//! optional priors (so, strictly, marginal maximum a posteriori when priors are on):
//!
//! - **Models**: Rasch (a = 1, the latent standard deviation estimated), 2PL, 3PL
//!   (with a Beta prior on `c`, Beta(5, 17) by default as in BILOG-MG for
//!   five-option items) and the generalised partial credit model for items scored in
//!   steps. D = 1 throughout, as in [`crate::irt`].
//! - **Latent distribution**: N(0, 1) integrated on a quadrature ([`Quadrature`]:
//!   rectangular, 61 nodes on ±6 by default, or Gauss–Hermite). When some items are
//!   anchored, the latent mean and standard deviation are estimated (posterior
//!   moments, the grid `θ_q = μ + σ·z_q` moves with them), so the new parameters land
//!   on the anchors' scale; with Rasch items only the standard deviation is.
//! - **Sparse data**: answers are a list of `(person, item, score)` ([`Responses`]);
//!   the E-step visits each person's own answers only, so a design where each person
//!   sees 15 items out of 150 costs 15 answers per person, not 150.
//! - **E-step**: per person, the posterior over the nodes (log domain, no
//!   underflow; values below `e⁻⁴⁰` of the largest set to 0), accumulated into
//!   expected counts `r_{jkq}`. Persons go in chunks of 512, in two passes that
//!   keep their sums in registers (posteriors person by person, then counts answer
//!   row by answer row); chunks may run on threads and are summed in a fixed order
//!   (deterministic).
//! - **M-step**: item by item, Newton–Raphson with analytic gradient and Fisher
//!   information on the expected complete-data log-posterior, in the slope–intercept
//!   form (`z = aθ + d`), with step halving and box constraints (`0.01 ≤ a ≤ 30`).
//! - **Acceleration** ([`Acceleration`]): SQUAREM (Varadhan & Roland 2008) by
//!   default, with the monotonicity safeguard on the penalised log-likelihood;
//!   plain EM on request. Both have the same fixed point and stopping rule.
//! - **Convergence**: one EM step moves no parameter (slope–intercept form, and
//!   μ, σ) by more than `tolerance` *and* changes the marginal log-likelihood by
//!   less than `loglik_tolerance`, or `max_iterations` EM steps are reached
//!   ([`Calibration::converged`]).
//! - **Standard errors**: from the cross-product (XPD, "empirical") information
//!   `Σ_i s_i s_iᵀ` of the persons' marginal score vectors at convergence, plus the
//!   priors' curvature, inverted over all free parameters at once (item parameters
//!   and latent moments), then carried to `(a, b, c, steps)` by the delta method. This
//!   is mirt's `SE.type = "crossprod"`; it is consistent, cheap for sparse data, and
//!   slightly noisier than the Louis or Oakes observed information in small samples.
//! - **Items left as they are** (listed in the result, taking no part in the fit):
//!   fewer than `min_responses` answers (default 100), no variation (everyone right,
//!   or everyone wrong), or a GPCM category nobody reached.
//! - **Item fit** ([`ItemFit`]): S-X² of Orlando & Thissen (2000) for dichotomous
//!   items when the design is complete; for every design, a leave-one-item-out
//!   posterior-predictive grouped residual statistic ("PX²") and infit/outfit mean
//!   squares at the EAP; misfit flags at `FitConfig::alpha`.
//!
//! Anchoring keeps the anchors' parameters bitwise (they are never touched), and
//! [`link`] puts two calibrations on one scale (mean/sigma and Stocking–Lord).
//!
//! Nothing here panics on data or returns a NaN: problems are [`CalibrationError`]s
//! and every number returned is checked to be finite.

use crate::irt::{Item, ParamError};

mod data;
mod em;
mod estep;
mod fit;
mod linalg;
pub mod link;
mod model;
mod mstep;
mod num;
mod quadrature;
mod se;

pub use data::{Answer, DataError, Responses};
pub use fit::{ChiSquare, FitConfig, ItemFit};
pub use quadrature::{Quadrature, MAX_POINTS};

use estep::{Layout, Plan, Totals, INACTIVE};
use model::Free;

/// The model an item is calibrated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemModel {
    /// Rasch: `a = 1`, `b` free (the latent standard deviation is estimated).
    Rasch,
    /// Two-parameter logistic: `a`, `b`.
    TwoPl,
    /// Three-parameter logistic: `a`, `b`, `c` (with the `c` prior of [`Priors`]).
    ThreePl,
    /// Generalised partial credit, scored `0..=steps`: `a` and the step difficulties.
    Gpcm {
        /// Number of steps (the highest score).
        steps: usize,
    },
}

impl ItemModel {
    /// Highest score of an item of this model.
    pub fn max_score(self) -> usize {
        match self {
            ItemModel::Gpcm { steps } => steps,
            _ => 1,
        }
    }

    /// Number of free parameters.
    pub fn parameters(self) -> usize {
        match self {
            ItemModel::Rasch => 1,
            ItemModel::TwoPl => 2,
            ItemModel::ThreePl => 3,
            ItemModel::Gpcm { steps } => steps + 1,
        }
    }
}

/// How one item enters a calibration.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemSetup {
    /// The model it is fitted with (ignored for an anchor, which keeps its own).
    pub model: ItemModel,
    /// Current parameters: the starting values of a free item, the fixed values of
    /// an anchor, and what is reported as "old" or kept when the item is left as is.
    pub start: Option<Item>,
    /// Anchored: parameters held fixed (bitwise) so the calibration stays on their scale.
    pub anchored: bool,
}

impl ItemSetup {
    /// A free item with default starting values.
    pub fn free(model: ItemModel) -> Self {
        ItemSetup {
            model,
            start: None,
            anchored: false,
        }
    }

    /// A free item starting from (and reporting as old) `start`.
    pub fn with_start(model: ItemModel, start: Item) -> Self {
        ItemSetup {
            model,
            start: Some(start),
            anchored: false,
        }
    }

    /// An anchor: `item` is held fixed. Any model of [`crate::irt`], GRM and 4PL
    /// included.
    pub fn anchor(item: Item) -> Self {
        let model = match &item {
            Item::Gpcm(g) => ItemModel::Gpcm {
                steps: g.steps.len(),
            },
            Item::Grm(g) => ItemModel::Gpcm {
                steps: g.thresholds.len(),
            },
            Item::Logistic(_) => ItemModel::TwoPl,
        };
        ItemSetup {
            model,
            start: Some(item),
            anchored: true,
        }
    }

    fn max_score(&self) -> usize {
        match (&self.start, self.anchored) {
            (Some(item), true) => item.max_score(),
            _ => self.model.max_score(),
        }
    }
}

/// A log-normal prior on `a`: `ln a ~ N(meanlog, sdlog²)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormalPrior {
    /// Mean of `ln a`.
    pub meanlog: f64,
    /// Standard deviation of `ln a`, > 0.
    pub sdlog: f64,
}

/// A normal prior on `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormalPrior {
    /// Mean.
    pub mean: f64,
    /// Standard deviation, > 0.
    pub sd: f64,
}

/// A Beta prior on `c`, density ∝ `c^(α−1)(1−c)^(β−1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BetaPrior {
    /// α ≥ 1.
    pub alpha: f64,
    /// β ≥ 1.
    pub beta: f64,
}

/// Priors on the item parameters (each optional).
///
/// Defaults: none on `a` and `b` (plain marginal maximum likelihood for Rasch, 2PL
/// and GPCM), Beta(5, 17) on `c` (mode 0.2, BILOG-MG's default for five options),
/// without which 3PL estimates wander to 0 or to implausible values. A weak
/// `a ~ logN(0, 0.5)` and `b ~ N(0, 2)` are reasonable for small samples. The `a`
/// prior applies to 2PL, 3PL and GPCM items, the `b` prior to Rasch, 2PL and 3PL items.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Priors {
    /// Prior on the discrimination.
    pub a: Option<LogNormalPrior>,
    /// Prior on the difficulty.
    pub b: Option<NormalPrior>,
    /// Prior on the lower asymptote.
    pub c: Option<BetaPrior>,
}

impl Default for Priors {
    fn default() -> Self {
        Priors {
            a: None,
            b: None,
            c: Some(BetaPrior {
                alpha: 5.0,
                beta: 17.0,
            }),
        }
    }
}

/// What is assumed of the latent distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LatentMode {
    /// N(0, 1) unless the scale is fixed by other means: the mean and standard
    /// deviation are estimated when some item is anchored, the standard deviation
    /// alone when some Rasch item is estimated.
    #[default]
    Auto,
    /// Always N(0, 1).
    Standard,
}

/// How the EM iterations are accelerated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Acceleration {
    /// Plain EM: one E-step and one M-step per cycle.
    None,
    /// SQUAREM (Varadhan & Roland 2008, scheme S3), with the monotonicity
    /// safeguard: an extrapolation that lowers the penalised log-likelihood is
    /// dropped for the plain EM point. Same fixed point and the same stopping rule
    /// as plain EM, in a fraction of the E-steps.
    #[default]
    Squarem,
}

/// Settings of a calibration. `Config::default()` is a sound start.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Integration rule of the latent distribution.
    pub quadrature: Quadrature,
    /// Priors on item parameters.
    pub priors: Priors,
    /// Latent distribution.
    pub latent: LatentMode,
    /// Largest number of EM steps (default 500).
    pub max_iterations: usize,
    /// Acceleration of the EM iterations (default [`Acceleration::Squarem`]).
    pub acceleration: Acceleration,
    /// Convergence: largest absolute parameter change of one EM step (default 1e-4).
    pub tolerance: f64,
    /// Convergence: absolute change of the marginal log-likelihood (default 1e-3).
    pub loglik_tolerance: f64,
    /// Newton steps per item and M-step (default 5).
    pub newton_steps: usize,
    /// Items with fewer answers are left as they are (default 100).
    pub min_responses: usize,
    /// Compute standard errors (default true).
    pub standard_errors: bool,
    /// Compute the item fit statistics (default true).
    pub item_fit: bool,
    /// Item fit settings.
    pub fit: FitConfig,
    /// Threads for the E-step: `None` for all available cores (1 on wasm32). The
    /// results do not depend on it.
    pub threads: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quadrature: Quadrature::default(),
            priors: Priors::default(),
            latent: LatentMode::Auto,
            max_iterations: 500,
            acceleration: Acceleration::Squarem,
            tolerance: 1e-4,
            loglik_tolerance: 1e-3,
            newton_steps: 5,
            min_responses: 100,
            standard_errors: true,
            item_fit: true,
            fit: FitConfig::default(),
            threads: None,
        }
    }
}

/// Why a calibration could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    /// There is no answer at all.
    #[error("no answers to calibrate on")]
    NoAnswers,
    /// The item list and the data disagree on the number of items.
    #[error("{setups} item setups for data on {items} items")]
    ItemCount {
        /// Number of setups given.
        setups: usize,
        /// Number of items of the data.
        items: usize,
    },
    /// A score is above the item's highest category.
    #[error("person {person}, item {item}: score {score} is above the item's highest score {max}")]
    ScoreOutOfRange {
        /// Person index.
        person: usize,
        /// Item index.
        item: usize,
        /// Score given.
        score: usize,
        /// Highest score of the item.
        max: usize,
    },
    /// An anchored item needs its parameters.
    #[error("item {0} is anchored but has no parameters")]
    AnchorWithoutParameters(usize),
    /// A start item does not match the model to fit.
    #[error("item {item}: starting parameters do not fit model {model:?}")]
    StartMismatch {
        /// Item index.
        item: usize,
        /// Model asked for.
        model: ItemModel,
    },
    /// A GPCM needs at least one step.
    #[error("item {0}: a GPCM item needs at least one step")]
    NoSteps(usize),
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// A number came out non-finite (a bug or an extreme data set); nothing is
    /// returned rather than a NaN.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// An estimate could not be turned into a checked item.
    #[error("item {item}: estimated parameters are invalid: {source}")]
    Param {
        /// Item index.
        item: usize,
        /// Why.
        source: ParamError,
    },
}

/// Why an item was left as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftReason {
    /// Fewer answers than `Config::min_responses`.
    TooFewAnswers {
        /// Answers to the item.
        n: usize,
        /// The minimum.
        min: usize,
    },
    /// Every answer got the same score (everyone right, or everyone wrong).
    NoVariation {
        /// The only score seen.
        score: usize,
    },
    /// A GPCM category nobody reached: its step cannot be estimated.
    EmptyCategory {
        /// The category.
        category: usize,
    },
}

/// What became of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemStatus {
    /// New parameters estimated.
    Estimated,
    /// Held fixed as an anchor.
    Anchored,
    /// Not estimated, left as given (and not used in the fit).
    LeftAsIs(LeftReason),
}

/// Standard errors on the reported parametrisation.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSe {
    /// SE of `a` (none for Rasch).
    pub a: Option<f64>,
    /// SE of `b` (logistic items).
    pub b: Option<f64>,
    /// SE of `c` (3PL).
    pub c: Option<f64>,
    /// SEs of the GPCM step difficulties.
    pub steps: Vec<f64>,
}

/// Something about an item a person should look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Left as it is (see [`ItemStatus::LeftAsIs`]).
    LeftAsIs,
    /// A parameter ended at a bound of the M-step (e.g. `a` at 0.01 or 30).
    AtBound {
        /// Which parameter.
        parameter: &'static str,
    },
    /// No standard error (information not positive definite, or not asked for).
    NoStandardError,
    /// S-X² significant at `FitConfig::alpha`.
    MisfitSx2,
    /// PX² significant at `FitConfig::alpha`.
    MisfitPx2,
    /// Infit or outfit mean square outside `FitConfig::mnsq_range`.
    MeanSquare,
}

/// The outcome for one item.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemResult {
    /// What became of it.
    pub status: ItemStatus,
    /// Its parameters now: estimated, anchored, or the start kept as is (`None` if
    /// it was left as is without start values).
    pub item: Option<Item>,
    /// Standard errors (estimated items).
    pub se: Option<ParamSe>,
    /// Number of answers to the item.
    pub n: usize,
    /// Fit statistics (items that took part in the fit).
    pub fit: Option<ItemFit>,
    /// Flags.
    pub flags: Vec<Flag>,
}

/// The estimated latent distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latent {
    /// Mean (0 unless estimated).
    pub mean: f64,
    /// Standard deviation (1 unless estimated).
    pub sd: f64,
    /// Whether the mean was estimated.
    pub mean_estimated: bool,
    /// Whether the standard deviation was estimated.
    pub sd_estimated: bool,
    /// SE of the mean, when estimated.
    pub mean_se: Option<f64>,
    /// SE of the standard deviation, when estimated.
    pub sd_se: Option<f64>,
}

/// The result of [`calibrate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// One result per item, in the order of the setups.
    pub items: Vec<ItemResult>,
    /// Latent distribution.
    pub latent: Latent,
    /// EM steps run (E-step + M-step; with SQUAREM the extrapolated cycles count
    /// their three steps).
    pub iterations: usize,
    /// E-steps run, the unit of cost of a fit (with SQUAREM, slightly more than
    /// `iterations`: a rejected jump costs one more).
    pub e_steps: usize,
    /// Whether both convergence criteria were met before `max_iterations`.
    pub converged: bool,
    /// Largest parameter change of the last EM step.
    pub max_change: f64,
    /// Marginal log-likelihood of the data (active items) at the estimates.
    pub log_likelihood: f64,
    /// Persons with at least one answer to an item of the fit.
    pub persons: usize,
    /// Answers to items of the fit.
    pub answers: usize,
}

/// Parameters of an item during the fit: free, or fixed (anchor).
#[derive(Clone, Debug)]
pub(crate) enum Param {
    Free(Free),
    Fixed(Item),
}

impl Param {
    /// `ln P_k(θ)` for every category into `out`.
    pub(crate) fn log_probs(&self, theta: f64, out: &mut [f64]) {
        match self {
            Param::Free(f) => f.log_probs(theta, out),
            Param::Fixed(item) => {
                for (k, v) in out.iter_mut().enumerate() {
                    // Scores were checked against the item: the Err arm cannot happen.
                    *v = item.log_likelihood(theta, k).unwrap_or(f64::NEG_INFINITY);
                }
            }
        }
    }

    /// `P_k(θ)` for every category into `out`.
    pub(crate) fn probs(&self, theta: f64, out: &mut [f64]) {
        match self {
            Param::Free(f) if !matches!(f.model, ItemModel::Gpcm { .. }) => {
                let (a, d, c) = f.adc();
                let (l, m) = model::sigmoid_pair(a * theta + d);
                out[1] = c + (1.0 - c) * l;
                out[0] = (1.0 - c) * m;
            }
            _ => {
                self.log_probs(theta, out);
                for v in out.iter_mut() {
                    *v = v.exp();
                }
            }
        }
    }

    /// `d ln P_x/dθ`.
    pub(crate) fn dlog_dtheta(&self, theta: f64, x: usize, probs: &mut [f64]) -> f64 {
        match self {
            Param::Free(f) => match f.model {
                ItemModel::Gpcm { .. } => {
                    f.probs(theta, probs);
                    let mean: f64 = probs.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
                    f.psi[0] * (x as f64 - mean)
                }
                _ => {
                    let (a, d, c) = f.adc();
                    let (l, m) = model::sigmoid_pair(a * theta + d);
                    let p = c + (1.0 - c) * l;
                    if x == 1 {
                        a * (1.0 - c) * l * m / p
                    } else {
                        -a * l
                    }
                }
            },
            Param::Fixed(item) => item
                .log_likelihood_derivatives(theta, x)
                .map(|d| d.first)
                .unwrap_or(0.0),
        }
    }
}

/// Calibrates the items of `setups` (one per item of `data`, same order) on `data`.
pub fn calibrate(
    data: &Responses,
    setups: &[ItemSetup],
    config: &Config,
) -> Result<Calibration, CalibrationError> {
    check_config(config)?;
    if setups.len() != data.items() {
        return Err(CalibrationError::ItemCount {
            setups: setups.len(),
            items: data.items(),
        });
    }
    if data.is_empty() {
        return Err(CalibrationError::NoAnswers);
    }
    let n_items = setups.len();
    // Check setups.
    for (j, s) in setups.iter().enumerate() {
        if let ItemModel::Gpcm { steps: 0 } = s.model {
            if !s.anchored {
                return Err(CalibrationError::NoSteps(j));
            }
        }
        match (&s.start, s.anchored) {
            (None, true) => return Err(CalibrationError::AnchorWithoutParameters(j)),
            (Some(item), false) if Free::from_item(s.model, item).is_none() => {
                return Err(CalibrationError::StartMismatch {
                    item: j,
                    model: s.model,
                })
            }
            _ => {}
        }
    }
    // Category counts and score checks.
    let max_scores: Vec<usize> = setups.iter().map(ItemSetup::max_score).collect();
    let mut counts: Vec<Vec<f64>> = max_scores.iter().map(|m| vec![0.0; m + 1]).collect();
    let mut n_answers = vec![0usize; n_items];
    for p in 0..data.persons() {
        for (j, x) in data.person(p) {
            if x > max_scores[j] {
                return Err(CalibrationError::ScoreOutOfRange {
                    person: p,
                    item: j,
                    score: x,
                    max: max_scores[j],
                });
            }
            counts[j][x] += 1.0;
            n_answers[j] += 1;
        }
    }
    // Status of each item.
    let mut status = Vec::with_capacity(n_items);
    let mut params: Vec<Option<Param>> = Vec::with_capacity(n_items);
    for (j, s) in setups.iter().enumerate() {
        if s.anchored {
            status.push(ItemStatus::Anchored);
            params.push(s.start.clone().map(Param::Fixed));
            continue;
        }
        let n = n_answers[j];
        let seen: Vec<usize> = (0..counts[j].len())
            .filter(|k| counts[j][*k] > 0.0)
            .collect();
        let left = if n < config.min_responses || n == 0 {
            Some(LeftReason::TooFewAnswers {
                n,
                min: config.min_responses,
            })
        } else if seen.len() == 1 {
            Some(LeftReason::NoVariation { score: seen[0] })
        } else {
            (0..counts[j].len())
                .find(|k| counts[j][*k] == 0.0)
                .map(|k| LeftReason::EmptyCategory { category: k })
        };
        match left {
            Some(r) => {
                status.push(ItemStatus::LeftAsIs(r));
                params.push(None);
            }
            None => {
                status.push(ItemStatus::Estimated);
                let free = match &s.start {
                    Some(item) => Free::from_item(s.model, item),
                    None => None,
                }
                .unwrap_or_else(|| Free::start(s.model, &counts[j]));
                params.push(Some(Param::Free(free)));
            }
        }
    }

    let any_anchor = status.contains(&ItemStatus::Anchored);
    let any_rasch = setups
        .iter()
        .zip(&status)
        .any(|(s, st)| *st == ItemStatus::Estimated && s.model == ItemModel::Rasch);
    let (mean_free, sd_free) = match config.latent {
        LatentMode::Standard => (false, false),
        LatentMode::Auto => (any_anchor, any_anchor || any_rasch),
    };

    // Layout of the active items.
    let (z, w) = config.quadrature.nodes_weights()?;
    let nq = z.len();
    let logw: Vec<f64> = w.iter().map(|v| v.ln()).collect();
    let mut offset = vec![INACTIVE; n_items];
    let mut categories = vec![0usize; n_items];
    let mut total = 0;
    for j in 0..n_items {
        categories[j] = max_scores[j] + 1;
        if params[j].is_some() {
            offset[j] = total;
            total += categories[j] * nq;
        }
    }
    let layout = Layout {
        offset,
        categories,
        total,
        nodes: nq,
    };
    let threads = threads(config);

    let mut state = State {
        mean: 0.0,
        sd: 1.0,
        nodes: z.clone(),
        logtab: vec![0.0; layout.total],
    };
    let any_active = params.iter().any(Option::is_some);
    let plan = Plan::new(data, &layout);
    let mut iterations = 0;
    let mut e_steps = 0;
    let mut converged = false;
    let mut max_change = 0.0;
    let mut totals = Totals::default();
    if any_active {
        let mut em = em::Em::new(
            &plan, &layout, &z, &logw, threads, config, mean_free, sd_free,
        );
        let start = em::Point {
            params,
            mean: 0.0,
            sd: 1.0,
        };
        let accelerate = config.acceleration == Acceleration::Squarem;
        let out = em::run(&mut em, start, &mut state, accelerate)?;
        params = out.point.params;
        totals = out.totals;
        iterations = out.iterations;
        e_steps = out.e_steps;
        converged = out.converged;
        max_change = out.max_change;
    }

    // Standard errors.
    let ses = if config.standard_errors && any_active {
        se::standard_errors(
            data,
            &plan,
            &layout,
            &state,
            &logw,
            &params,
            &config.priors,
            mean_free,
            sd_free,
        )
    } else {
        None
    };
    // Fit.
    let fits = if any_active && config.item_fit {
        fit::item_fit(data, &plan, &layout, &state, &logw, &params, &config.fit)
    } else {
        vec![None; n_items]
    };

    // Results.
    let mut items = Vec::with_capacity(n_items);
    for j in 0..n_items {
        let mut flags = Vec::new();
        let (item, se) = match (&params[j], status[j]) {
            (Some(Param::Free(free)), _) => {
                let item = free
                    .to_item()
                    .map_err(|source| CalibrationError::Param { item: j, source })?;
                bound_flags(free, &mut flags);
                let se = ses.as_ref().and_then(|s| s.items[j].clone());
                if se.is_none() {
                    flags.push(Flag::NoStandardError);
                }
                (Some(item), se)
            }
            (Some(Param::Fixed(item)), _) => (Some(item.clone()), None),
            (None, _) => {
                flags.push(Flag::LeftAsIs);
                (setups[j].start.clone(), None)
            }
        };
        let fit = fits.get(j).cloned().flatten();
        if let Some(f) = &fit {
            f.flags(&config.fit, &mut flags);
        }
        items.push(ItemResult {
            status: status[j],
            item,
            se,
            n: n_answers[j],
            fit,
            flags,
        });
    }
    let latent = Latent {
        mean: state.mean,
        sd: state.sd,
        mean_estimated: mean_free,
        sd_estimated: sd_free,
        mean_se: ses.as_ref().and_then(|s| s.mean),
        sd_se: ses.as_ref().and_then(|s| s.sd),
    };
    let answers = (0..n_items)
        .filter(|j| layout.offset[*j] != INACTIVE)
        .map(|j| n_answers[j])
        .sum();
    let result = Calibration {
        items,
        latent,
        iterations,
        e_steps,
        converged,
        max_change,
        log_likelihood: if any_active { totals.loglik } else { 0.0 },
        persons: if any_active { totals.persons } else { 0 },
        answers,
    };
    check_finite(&result)?;
    Ok(result)
}

/// The current latent grid and log-probability table.
pub(crate) struct State {
    pub(crate) mean: f64,
    pub(crate) sd: f64,
    /// `θ_q = mean + sd·z_q`.
    pub(crate) nodes: Vec<f64>,
    /// `ln P_jk(θ_q)` at `offset_j + k·Q + q`.
    pub(crate) logtab: Vec<f64>,
}

impl State {
    fn fill(&mut self, z: &[f64], layout: &Layout, params: &[Option<Param>]) {
        for (t, zq) in self.nodes.iter_mut().zip(z) {
            *t = self.mean + self.sd * zq;
        }
        let nq = layout.nodes;
        let mut lp = Vec::new();
        for (j, p) in params.iter().enumerate() {
            let Some(p) = p else { continue };
            let off = layout.offset[j];
            let k_len = layout.categories[j];
            lp.resize(k_len, 0.0);
            for (q, &theta) in self.nodes.iter().enumerate() {
                p.log_probs(theta, &mut lp);
                for (k, v) in lp.iter().enumerate() {
                    self.logtab[off + k * nq + q] = *v;
                }
            }
        }
    }
}

fn bound_flags(free: &Free, flags: &mut Vec<Flag>) {
    let near = |v: f64, bound: f64| (v - bound).abs() <= 1e-6 * bound.abs().max(1.0);
    match free.model {
        ItemModel::Rasch => {
            if near(free.psi[0].abs(), model::INTERCEPT_MAX) {
                flags.push(Flag::AtBound { parameter: "b" });
            }
        }
        _ => {
            if near(free.psi[0], model::A_MIN) || near(free.psi[0], model::A_MAX) {
                flags.push(Flag::AtBound { parameter: "a" });
            }
            if free.psi[1..]
                .iter()
                .any(|v| near(v.abs(), model::INTERCEPT_MAX))
            {
                flags.push(Flag::AtBound { parameter: "b" });
            }
            if free.model == ItemModel::ThreePl
                && (near(free.psi[2], model::C_MIN) || near(free.psi[2], model::C_MAX))
            {
                flags.push(Flag::AtBound { parameter: "c" });
            }
        }
    }
}

fn threads(config: &Config) -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        let _ = config;
        1
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        config
            .threads
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
            .max(1)
    }
}

fn check_config(c: &Config) -> Result<(), CalibrationError> {
    let bad = |m: String| Err(CalibrationError::Config(m));
    if c.max_iterations == 0 {
        return bad("max_iterations must be at least 1".into());
    }
    if !(c.tolerance.is_finite() && c.tolerance > 0.0) {
        return bad(format!(
            "tolerance must be finite and > 0 (got {})",
            c.tolerance
        ));
    }
    if !(c.loglik_tolerance.is_finite() && c.loglik_tolerance > 0.0) {
        return bad(format!(
            "loglik_tolerance must be finite and > 0 (got {})",
            c.loglik_tolerance
        ));
    }
    if c.newton_steps == 0 {
        return bad("newton_steps must be at least 1".into());
    }
    if let Some(p) = c.priors.a {
        if !(p.meanlog.is_finite() && p.sdlog.is_finite() && p.sdlog > 0.0) {
            return bad("the prior on a needs a finite meanlog and sdlog > 0".into());
        }
    }
    if let Some(p) = c.priors.b {
        if !(p.mean.is_finite() && p.sd.is_finite() && p.sd > 0.0) {
            return bad("the prior on b needs a finite mean and sd > 0".into());
        }
    }
    if let Some(p) = c.priors.c {
        if !(p.alpha.is_finite() && p.beta.is_finite() && p.alpha >= 1.0 && p.beta >= 1.0) {
            return bad("the Beta prior on c needs finite alpha >= 1 and beta >= 1".into());
        }
    }
    c.fit.check()?;
    c.quadrature.nodes_weights().map(|_| ())
}

fn check_finite(r: &Calibration) -> Result<(), CalibrationError> {
    let bad = |what: &str| Err(CalibrationError::Numerical(format!("{what} is not finite")));
    if !r.log_likelihood.is_finite() {
        return bad("log-likelihood");
    }
    if !(r.latent.mean.is_finite() && r.latent.sd.is_finite()) {
        return bad("latent distribution");
    }
    for (j, it) in r.items.iter().enumerate() {
        if let Some(se) = &it.se {
            let all = se.a.iter().chain(&se.b).chain(&se.c).chain(&se.steps);
            if all.into_iter().any(|v| !v.is_finite()) {
                return Err(CalibrationError::Numerical(format!(
                    "standard error of item {j}"
                )));
            }
        }
        if let Some(f) = &it.fit {
            if !f.is_finite() {
                return Err(CalibrationError::Numerical(format!(
                    "fit statistics of item {j}"
                )));
            }
        }
    }
    Ok(())
}
