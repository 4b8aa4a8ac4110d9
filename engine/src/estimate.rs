//! Ability estimation from a response pattern.
//!
//! Four estimators, each giving an [`Estimate`] (θ and its standard error) for any mix
//! of dichotomous and polytomous items:
//!
//! - [`Eap`]: expected a posteriori, the posterior mean on a quadrature grid; SE is the
//!   posterior standard deviation. [`EapPosterior`] is its incremental form (one new
//!   answer costs O(grid points)), for the adaptive session.
//! - [`Map`]: maximum a posteriori (catR's "BM") with a normal prior;
//!   SE = 1/√(I(θ̂) + 1/σ²).
//! - [`Mle`]: maximum likelihood, SE = 1/√I(θ̂).
//! - [`Wle`]: Warm's weighted likelihood, the root of `score + J/(2I)`;
//!   SE = 1/√I(θ̂) (catR's `semTheta` for `WL`, "classic" type).
//!
//! All four implement [`AbilityEstimator`] so the session can swap them.
//!
//! # Bounded estimates
//!
//! MAP, MLE and WLE search a finite `range` (catR: [−4, 4]; here [−6, 6] by default).
//! The estimate is the highest point of the objective (log-likelihood, log-posterior,
//! or for WLE the integral of its estimating function) over the range, so a pattern
//! whose likelihood keeps rising towards an end (all answers correct or all wrong, all
//! maximal or all zero for polytomous items, and some 3PL/4PL patterns) returns that
//! range bound, with the standard error evaluated at the bound, as catR does
//! (on catR's good bank, two wrong answers give θ = −4, SE = 50.48). The search is a scan of the range in
//! steps of at most 0.25 followed by a bracketed refinement (Newton with bisection
//! safeguard for MLE/MAP, Brent for WLE), so it always terminates.

use crate::irt::{logistic_log_lik_on_grid, Item, ResponseError};

/// An ability estimate and its standard error, on the θ scale of the item parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    /// The ability estimate.
    pub theta: f64,
    /// Its standard error (finite: the information is floored at the smallest normal
    /// `f64`, so a zero information gives a very large SE instead of infinity).
    pub se: f64,
}

/// One administered item and the score obtained on it: the pattern element the
/// adaptive session holds without copying items out of the bank.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Response<'a> {
    /// The item.
    pub item: &'a Item,
    /// The score, in `0..=item.max_score()`.
    pub score: usize,
}

/// Why an estimate could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// The item and score lists differ in length.
    #[error("{items} items but {scores} scores")]
    LengthMismatch {
        /// Number of items.
        items: usize,
        /// Number of scores.
        scores: usize,
    },
    /// This estimator needs at least one response (MLE and WLE have no prior to fall
    /// back on).
    #[error("{method} needs at least one response")]
    EmptyPattern {
        /// Name of the estimator.
        method: &'static str,
    },
    /// A score does not fit its item.
    #[error("response {index}: {source}")]
    Response {
        /// Position of the response in the pattern.
        index: usize,
        /// What is wrong with it.
        source: ResponseError,
    },
    /// A quadrature grid needs between 2 and [`MAX_GRID_POINTS`] points.
    #[error("a quadrature grid needs between 2 and {max} points (got {points})", max = MAX_GRID_POINTS)]
    GridPoints {
        /// Number of points asked for.
        points: usize,
    },
    /// Grid bounds must be finite and increasing.
    #[error("grid bounds must be finite with lo < hi (got [{lo}, {hi}])")]
    GridBounds {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// The estimation range must be finite and increasing.
    #[error("estimation range must be finite with lo < hi (got [{lo}, {hi}])")]
    Range {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// The prior mean must be finite.
    #[error("prior mean must be finite (got {0})")]
    PriorMean(f64),
    /// The prior standard deviation must be finite and positive.
    #[error("prior standard deviation must be finite and > 0 (got {0})")]
    PriorSd(f64),
    /// Caller-given prior weights must match the grid.
    #[error("prior weights: {expected} expected (one per grid point), got {got}")]
    PriorWeightsLength {
        /// Number of grid points.
        expected: usize,
        /// Number of weights given.
        got: usize,
    },
    /// Caller-given prior weights must be finite and non-negative.
    #[error("prior weight {index} must be finite and >= 0 (got {value})")]
    PriorWeight {
        /// Position of the weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// Caller-given prior weights must not all be zero.
    #[error("prior weights are all zero")]
    PriorWeightsAllZero,
    /// A log-likelihood row of one length was added to a posterior on a grid of
    /// another.
    #[error("a log-likelihood row of {row} points was added to a posterior on {posterior} points")]
    GridMismatch {
        /// Length of the row.
        row: usize,
        /// Points of the posterior's grid.
        posterior: usize,
    },
    /// The objective could not be evaluated (non-finite values): never expected with
    /// valid items, reported rather than hidden.
    #[error("{method}: the estimate could not be located (non-finite objective)")]
    Numerical {
        /// Name of the estimator.
        method: &'static str,
    },
}

/// An ability estimator, so that the adaptive session (and the command line) can be
/// configured with any of [`Eap`], [`Map`], [`Mle`], [`Wle`].
pub trait AbilityEstimator {
    /// Short lowercase name (`"eap"`, `"map"`, `"mle"`, `"wle"`) for logs and records.
    fn name(&self) -> &'static str;

    /// Estimates θ from parallel lists of items and scores.
    fn estimate(&self, items: &[Item], scores: &[usize]) -> Result<Estimate, EstimateError>;

    /// Estimates θ from `(item, score)` pairs that borrow the items from a bank.
    fn estimate_responses(&self, responses: &[Response<'_>]) -> Result<Estimate, EstimateError>;
}

/// Largest accepted quadrature grid, a guard against absurd requests (a million
/// points already take milliseconds per update).
pub const MAX_GRID_POINTS: usize = 1_000_000;

/// Default estimation range and grid bounds: wide enough that the prior, not the
/// bounds, shapes the estimate of any realistic examinee.
pub const DEFAULT_RANGE: (f64, f64) = (-6.0, 6.0);

/// Default number of EAP quadrature points on [`DEFAULT_RANGE`]: a step of 0.03, which
/// keeps the EAP (θ and SE) within 1e-4 of the exact integral over the range. Tested
/// against a 24,001-point grid on 120 hard patterns (`tests/default_grid.rs`): worst
/// error 2.4e-5, for a flat prior whose posterior does not vanish at the bounds (the
/// trapezoid error is then O(step²)); 201 points would reach 9.6e-5, too close.
pub const DEFAULT_GRID_POINTS: usize = 401;

/// Log posterior weight, relative to the mode, below which a node is left out of the
/// EAP sums: e⁻⁶⁰ ≈ 9e-27, so even a million such nodes change no sum by a rounding unit.
const NEGLIGIBLE_LOG_WEIGHT: f64 = -60.0;

/// Largest step of the scan that brackets MAP/MLE/WLE estimates before refinement.
const SCAN_STEP: f64 = 0.25;

/// Cap on the number of scan intervals, so a huge range cannot make the scan slow.
const MAX_SCAN_INTERVALS: usize = 4_000;

/// Equally spaced quadrature nodes with trapezoid weights.
///
/// Nodes follow R's `seq(lo, hi, length.out = points)` (`lo + i·(hi − lo)/(points − 1)`,
/// last node exactly `hi`) and the weights are catR's `integrate.catR`: the trapezoid
/// rule, half weight at both ends. With 33 points on [−4, 4] ([`Grid::catr`]) the EAP
/// matches catR's `eapEst`/`eapSem` to rounding.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    lo: f64,
    hi: f64,
    points: usize,
}

impl Grid {
    /// A grid of `points` nodes from `lo` to `hi` inclusive.
    pub fn new(lo: f64, hi: f64, points: usize) -> Result<Self, EstimateError> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(EstimateError::GridBounds { lo, hi });
        }
        if !(2..=MAX_GRID_POINTS).contains(&points) {
            return Err(EstimateError::GridPoints { points });
        }
        Ok(Grid { lo, hi, points })
    }

    /// catR's default EAP grid: 33 points on [−4, 4].
    pub fn catr() -> Self {
        Grid {
            lo: -4.0,
            hi: 4.0,
            points: 33,
        }
    }

    /// Lower bound.
    pub fn lo(&self) -> f64 {
        self.lo
    }

    /// Upper bound.
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// Number of nodes.
    pub fn points(&self) -> usize {
        self.points
    }

    /// Distance between consecutive nodes.
    pub fn step(&self) -> f64 {
        (self.hi - self.lo) / (self.points - 1) as f64
    }

    /// Node `i` (R's `seq` arithmetic; past the end, the upper bound).
    pub fn node(&self, i: usize) -> f64 {
        if i + 1 >= self.points {
            self.hi
        } else {
            self.lo + i as f64 * self.step()
        }
    }

    /// All nodes in increasing order.
    pub fn nodes(&self) -> impl Iterator<Item = f64> + '_ {
        // `node(i)`'s arithmetic with the step computed once: the same values.
        let (step, last) = (self.step(), self.points.saturating_sub(1));
        (0..self.points).map(move |i| {
            if i >= last {
                self.hi
            } else {
                self.lo + i as f64 * step
            }
        })
    }

    /// Relative trapezoid weight of node `i`: 1/2 at both ends, 1 inside (the common
    /// factor `step` cancels in every ratio the EAP takes).
    pub fn relative_weight(&self, i: usize) -> f64 {
        if i == 0 || i + 1 >= self.points {
            0.5
        } else {
            1.0
        }
    }
}

/// The default grid: [`DEFAULT_GRID_POINTS`] points on [`DEFAULT_RANGE`].
impl Default for Grid {
    fn default() -> Self {
        Grid {
            lo: DEFAULT_RANGE.0,
            hi: DEFAULT_RANGE.1,
            points: DEFAULT_GRID_POINTS,
        }
    }
}

/// Prior distribution of θ for the EAP.
#[derive(Clone, Debug, PartialEq)]
pub enum Prior {
    /// Normal prior (catR's `priorDist = "norm"`).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, > 0.
        sd: f64,
    },
    /// Flat prior over the grid (catR's `"unif"` with the grid bounds).
    Uniform,
    /// Caller-given prior density at each grid node (unnormalised, ≥ 0, one per node);
    /// the trapezoid weights are applied on top.
    Weights(Vec<f64>),
}

/// The standard normal prior, N(0, 1).
impl Default for Prior {
    fn default() -> Self {
        Prior::Normal { mean: 0.0, sd: 1.0 }
    }
}

impl Prior {
    /// Log prior density (up to a constant) at each node of `grid`, validating the prior.
    fn log_density(&self, nodes: &[f64]) -> Result<Vec<f64>, EstimateError> {
        match self {
            Prior::Normal { mean, sd } => {
                check_normal(*mean, *sd)?;
                Ok(nodes
                    .iter()
                    .map(|t| {
                        let z = (t - mean) / sd;
                        -0.5 * z * z
                    })
                    .collect())
            }
            Prior::Uniform => Ok(vec![0.0; nodes.len()]),
            Prior::Weights(w) => {
                if w.len() != nodes.len() {
                    return Err(EstimateError::PriorWeightsLength {
                        expected: nodes.len(),
                        got: w.len(),
                    });
                }
                if let Some((index, &value)) = w
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
                {
                    return Err(EstimateError::PriorWeight { index, value });
                }
                if w.iter().all(|v| *v == 0.0) {
                    return Err(EstimateError::PriorWeightsAllZero);
                }
                Ok(w.iter().map(|v| v.ln()).collect())
            }
        }
    }
}

fn check_normal(mean: f64, sd: f64) -> Result<(), EstimateError> {
    if !mean.is_finite() {
        return Err(EstimateError::PriorMean(mean));
    }
    if !(sd.is_finite() && sd > 0.0) {
        return Err(EstimateError::PriorSd(sd));
    }
    Ok(())
}

fn check_range(range: (f64, f64)) -> Result<(), EstimateError> {
    let (lo, hi) = range;
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok(())
    } else {
        Err(EstimateError::Range { lo, hi })
    }
}

/// Standard error from a (possibly vanishing) information.
fn se_from_information(info: f64) -> f64 {
    1.0 / info.max(f64::MIN_POSITIVE).sqrt()
}

// ---------------------------------------------------------------------------------
// Response patterns

/// A response pattern the estimators can walk, from either input form, without
/// copying items.
trait Pattern {
    fn len(&self) -> usize;
    fn each(&self, f: impl FnMut(usize, &Item, usize));
}

struct Slices<'a> {
    items: &'a [Item],
    scores: &'a [usize],
}

impl Pattern for Slices<'_> {
    fn len(&self) -> usize {
        self.items.len()
    }
    fn each(&self, mut f: impl FnMut(usize, &Item, usize)) {
        for (i, (item, &score)) in self.items.iter().zip(self.scores).enumerate() {
            f(i, item, score);
        }
    }
}

impl Pattern for &[Response<'_>] {
    fn len(&self) -> usize {
        <[Response<'_>]>::len(self)
    }
    fn each(&self, mut f: impl FnMut(usize, &Item, usize)) {
        for (i, r) in self.iter().enumerate() {
            f(i, r.item, r.score);
        }
    }
}

fn slices<'a>(items: &'a [Item], scores: &'a [usize]) -> Result<Slices<'a>, EstimateError> {
    if items.len() != scores.len() {
        return Err(EstimateError::LengthMismatch {
            items: items.len(),
            scores: scores.len(),
        });
    }
    Ok(Slices { items, scores })
}

/// Checks every score against its item.
fn validate(pattern: &impl Pattern) -> Result<(), EstimateError> {
    let mut first_error = None;
    pattern.each(|index, item, score| {
        if first_error.is_none() {
            if let Err(source) = item.check_score(score) {
                first_error = Some(EstimateError::Response { index, source });
            }
        }
    });
    first_error.map_or(Ok(()), Err)
}

/// Sums over the pattern of the response terms at one θ.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    first: f64,
    second: f64,
    information: f64,
    j: f64,
}

fn sums(pattern: &impl Pattern, theta: f64) -> Sums {
    let mut s = Sums::default();
    pattern.each(|_, item, score| {
        let t = item.response_terms_unchecked(theta, score);
        s.first += t.first;
        s.second += t.second;
        s.information += t.information;
        s.j += t.j;
    });
    s
}

fn log_likelihood(pattern: &impl Pattern, theta: f64) -> f64 {
    let mut ll = 0.0;
    pattern.each(|_, item, score| ll += item.log_likelihood_unchecked(theta, score));
    ll
}

fn test_information(pattern: &impl Pattern, theta: f64) -> f64 {
    let mut info = 0.0;
    pattern.each(|_, item, _| info += item.information(theta));
    info
}

// ---------------------------------------------------------------------------------
// EAP

/// Expected a posteriori estimate: posterior mean on a quadrature grid, SE = posterior
/// standard deviation.
///
/// `Eap::default()` uses [`Grid::default`] (401 points on [−6, 6]) and a N(0, 1) prior;
/// [`Eap::catr`] reproduces catR's `eapEst`/`eapSem` defaults (33 points on [−4, 4]).
/// An empty pattern gives the prior's mean and SD on the grid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Eap {
    /// Quadrature grid.
    pub grid: Grid,
    /// Prior of θ.
    pub prior: Prior,
}

impl Eap {
    /// catR's EAP: N(0, 1) prior, 33 points on [−4, 4], trapezoid rule.
    pub fn catr() -> Self {
        Eap {
            grid: Grid::catr(),
            prior: Prior::default(),
        }
    }

    fn run(&self, pattern: &impl Pattern) -> Result<Estimate, EstimateError> {
        validate(pattern)?;
        let mut post = EapPosterior::new(self)?;
        pattern.each(|_, item, score| post.update_unchecked(item, score));
        Ok(post.estimate())
    }
}

impl AbilityEstimator for Eap {
    fn name(&self) -> &'static str {
        "eap"
    }
    fn estimate(&self, items: &[Item], scores: &[usize]) -> Result<Estimate, EstimateError> {
        self.run(&slices(items, scores)?)
    }
    fn estimate_responses(&self, responses: &[Response<'_>]) -> Result<Estimate, EstimateError> {
        self.run(&responses)
    }
}

/// The EAP posterior kept on its grid, updated one answer at a time.
///
/// Holds `ln(trapezoid weight) + ln prior + Σ ln P(answer)` at every node, so an update
/// costs one log-likelihood per node and an estimate one `exp` per node; no allocation
/// after construction. The batch [`Eap`] runs exactly this code, so both give the same
/// bits.
#[derive(Clone, Debug, PartialEq)]
pub struct EapPosterior {
    grid: Grid,
    nodes: Vec<f64>,
    log_post: Vec<f64>,
    responses: usize,
}

impl EapPosterior {
    /// The prior on the grid of `eap` (validated), before any answer.
    pub fn new(eap: &Eap) -> Result<Self, EstimateError> {
        let nodes: Vec<f64> = eap.grid.nodes().collect();
        Self::on_nodes(eap.grid.clone(), nodes, &eap.prior)
    }

    /// `prior` on this posterior's grid, before any answer: what
    /// [`EapPosterior::new`] gives for the same grid, without recomputing the nodes
    /// (the profile starts some forty posteriors on one grid).
    pub fn with_prior(&self, prior: &Prior) -> Result<Self, EstimateError> {
        Self::on_nodes(self.grid.clone(), self.nodes.clone(), prior)
    }

    fn on_nodes(grid: Grid, nodes: Vec<f64>, prior: &Prior) -> Result<Self, EstimateError> {
        let mut log_post = prior.log_density(&nodes)?;
        // The trapezoid weights are 1/2 or 1: two logarithms, not one per node
        // (ln 1 is exactly 0, so the sums are the same bits).
        let (ln_half, ln_one) = (0.5f64.ln(), 1.0f64.ln());
        for (i, lp) in log_post.iter_mut().enumerate() {
            *lp += if grid.relative_weight(i) == 1.0 {
                ln_one
            } else {
                ln_half
            };
        }
        Ok(EapPosterior {
            nodes,
            grid,
            log_post,
            responses: 0,
        })
    }

    /// Adds one answer: O(grid points).
    pub fn update(&mut self, item: &Item, score: usize) -> Result<(), ResponseError> {
        item.check_score(score)?;
        self.update_unchecked(item, score);
        Ok(())
    }

    fn update_unchecked(&mut self, item: &Item, score: usize) {
        match item {
            // The dichotomous case dominates; keep its loop free of the model dispatch.
            Item::Logistic(l) => logistic_log_lik_on_grid(
                l,
                &self.nodes,
                self.grid.step(),
                score != 0,
                &mut self.log_post,
            ),
            _ => {
                for (lp, &t) in self.log_post.iter_mut().zip(&self.nodes) {
                    *lp += item.log_likelihood_unchecked(t, score);
                }
            }
        }
        self.responses += 1;
    }

    /// The log-likelihood of one answer at each node of this posterior's grid: what
    /// [`EapPosterior::update`] adds. A caller that estimates many subsets of the same
    /// answers (the profile: each domain, each skill, and the rest of each) computes
    /// every answer's row once and adds it with [`EapPosterior::add_log_likelihood`],
    /// which gives the same bits as `update`.
    pub fn log_likelihood_row(&self, item: &Item, score: usize) -> Result<Vec<f64>, ResponseError> {
        item.check_score(score)?;
        let mut row = EapPosterior {
            grid: self.grid.clone(),
            nodes: self.nodes.clone(),
            log_post: vec![0.0; self.nodes.len()],
            responses: 0,
        };
        row.update_unchecked(item, score);
        Ok(row.log_post)
    }

    /// Adds one answer given by its log-likelihood at each node (see
    /// [`EapPosterior::log_likelihood_row`]; a row of the bank's
    /// [`LogLikTable::on_grid`](crate::select::LogLikTable::on_grid) on the same
    /// nodes is the same). Refuses a row of another length.
    pub fn add_log_likelihood(&mut self, row: &[f64]) -> Result<(), EstimateError> {
        if row.len() != self.log_post.len() {
            return Err(EstimateError::GridMismatch {
                row: row.len(),
                posterior: self.log_post.len(),
            });
        }
        for (lp, &l) in self.log_post.iter_mut().zip(row) {
            *lp += l;
        }
        self.responses += 1;
        Ok(())
    }

    /// Number of answers added so far.
    pub fn responses(&self) -> usize {
        self.responses
    }

    /// The grid's nodes, in increasing order.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// The quadrature grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Unnormalised log posterior at each node, trapezoid weight included.
    pub fn log_posterior(&self) -> &[f64] {
        &self.log_post
    }

    /// Posterior mean and standard deviation.
    ///
    /// Moments are taken around the modal node, which keeps the variance free of the
    /// cancellation of `E[θ²] − E[θ]²`.
    pub fn estimate(&self) -> Estimate {
        posterior_moments(&self.log_post, &self.nodes)
    }
}

/// Mean and standard deviation of a posterior given by its unnormalised log density
/// on `nodes` (quadrature weights and prior included), moments taken around the modal
/// node, which keeps the variance free of the cancellation of `E[θ²] − E[θ]²`. Shared
/// by [`EapPosterior`] and the adaptive session's tabulated posterior, so both give the
/// same bits.
pub(crate) fn posterior_moments(log_post: &[f64], nodes: &[f64]) -> Estimate {
    let mut mode = 0;
    let mut max = f64::NEG_INFINITY;
    for (i, &lp) in log_post.iter().enumerate() {
        if lp > max {
            max = lp;
            mode = i;
        }
    }
    let centre = nodes.get(mode).copied().unwrap_or(0.0);
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (&lp, &t) in log_post.iter().zip(nodes) {
        let rel = lp - max;
        // Nodes below e⁻⁶⁰ ≈ 1e-26 of the mode cannot move any sum by a rounding
        // unit (even all of them together); skipping them saves their `exp`.
        if rel > NEGLIGIBLE_LOG_WEIGHT {
            let w = rel.exp();
            let d = t - centre;
            s0 += w;
            s1 += w * d;
            s2 += w * d * d;
        }
    }
    let m1 = s1 / s0;
    let var = (s2 / s0 - m1 * m1).max(0.0);
    Estimate {
        theta: centre + m1,
        se: var.sqrt(),
    }
}

// ---------------------------------------------------------------------------------
// MAP, MLE, WLE: bounded maximisation

/// Maximum a posteriori estimate with a normal prior (catR's `BM` with
/// `priorDist = "norm"`), bounded to `range`; SE = 1/√(I(θ̂) + 1/σ²).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Map {
    /// Prior mean.
    pub prior_mean: f64,
    /// Prior standard deviation, > 0.
    pub prior_sd: f64,
    /// Search range `(lo, hi)`.
    pub range: (f64, f64),
}

/// N(0, 1) prior on [`DEFAULT_RANGE`].
impl Default for Map {
    fn default() -> Self {
        Map {
            prior_mean: 0.0,
            prior_sd: 1.0,
            range: DEFAULT_RANGE,
        }
    }
}

impl Map {
    /// catR's defaults: N(0, 1) prior, range [−4, 4].
    pub fn catr() -> Self {
        Map {
            range: (-4.0, 4.0),
            ..Map::default()
        }
    }

    fn run(&self, pattern: &impl Pattern) -> Result<Estimate, EstimateError> {
        check_normal(self.prior_mean, self.prior_sd)?;
        check_range(self.range)?;
        validate(pattern)?;
        let target = Target::Map {
            mean: self.prior_mean,
            precision: 1.0 / (self.prior_sd * self.prior_sd),
        };
        let theta = maximise(pattern, target, self.range)?;
        let info = test_information(pattern, theta);
        Ok(Estimate {
            theta,
            se: se_from_information(info + 1.0 / (self.prior_sd * self.prior_sd)),
        })
    }
}

/// Bounded maximum likelihood estimate; SE = 1/√I(θ̂).
///
/// Patterns without an interior maximum (all correct, all wrong, all maximal, all
/// zero, …) return the range bound the likelihood rises towards, with the SE at that
/// bound, as catR does. An empty pattern is an error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mle {
    /// Search range `(lo, hi)`.
    pub range: (f64, f64),
}

/// Range [`DEFAULT_RANGE`].
impl Default for Mle {
    fn default() -> Self {
        Mle {
            range: DEFAULT_RANGE,
        }
    }
}

impl Mle {
    /// catR's range, [−4, 4].
    pub fn catr() -> Self {
        Mle { range: (-4.0, 4.0) }
    }

    fn run(&self, pattern: &impl Pattern) -> Result<Estimate, EstimateError> {
        check_range(self.range)?;
        if pattern.len() == 0 {
            return Err(EstimateError::EmptyPattern { method: "mle" });
        }
        validate(pattern)?;
        let theta = maximise(pattern, Target::Ml, self.range)?;
        Ok(Estimate {
            theta,
            se: se_from_information(test_information(pattern, theta)),
        })
    }
}

/// Warm's weighted likelihood estimate: the root of `score(θ) + J(θ)/(2I(θ))` in
/// `range`; SE = 1/√I(θ̂), as catR's `semTheta` for `WL` (its default "classic" type).
///
/// The weighting pulls estimates of extreme patterns inwards (for the 2PL, all-correct
/// patterns get a finite estimate); when the estimating function keeps its sign up to
/// a range bound, that bound is returned as for [`Mle`]. An empty pattern is an error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wle {
    /// Search range `(lo, hi)`.
    pub range: (f64, f64),
}

/// Range [`DEFAULT_RANGE`].
impl Default for Wle {
    fn default() -> Self {
        Wle {
            range: DEFAULT_RANGE,
        }
    }
}

impl Wle {
    /// catR's range, [−4, 4].
    pub fn catr() -> Self {
        Wle { range: (-4.0, 4.0) }
    }

    fn run(&self, pattern: &impl Pattern) -> Result<Estimate, EstimateError> {
        check_range(self.range)?;
        if pattern.len() == 0 {
            return Err(EstimateError::EmptyPattern { method: "wle" });
        }
        validate(pattern)?;
        let theta = maximise(pattern, Target::Wle, self.range)?;
        Ok(Estimate {
            theta,
            se: se_from_information(test_information(pattern, theta)),
        })
    }
}

macro_rules! impl_estimator {
    ($ty:ty, $name:literal) => {
        impl AbilityEstimator for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn estimate(
                &self,
                items: &[Item],
                scores: &[usize],
            ) -> Result<Estimate, EstimateError> {
                self.run(&slices(items, scores)?)
            }
            fn estimate_responses(
                &self,
                responses: &[Response<'_>],
            ) -> Result<Estimate, EstimateError> {
                self.run(&responses)
            }
        }
    };
}

impl_estimator!(Map, "map");
impl_estimator!(Mle, "mle");
impl_estimator!(Wle, "wle");

/// The estimating equation `T(θ) = 0` being solved, and the objective whose
/// derivative it is.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// `T` = score; objective = log-likelihood.
    Ml,
    /// `T` = score + (μ − θ)/σ²; objective = log-posterior.
    Map { mean: f64, precision: f64 },
    /// `T` = score + J/(2I); objective = log-likelihood + ∫ J/(2I).
    Wle,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Ml => "mle",
            Target::Map { .. } => "map",
            Target::Wle => "wle",
        }
    }

    /// Warm's correction `J/(2I)` (0 where the information vanishes).
    fn warm(s: &Sums) -> f64 {
        if s.information > 0.0 {
            s.j / (2.0 * s.information)
        } else {
            0.0
        }
    }

    /// `T(θ)` from the sums at θ.
    fn value(self, s: &Sums, theta: f64) -> f64 {
        match self {
            Target::Ml => s.first,
            Target::Map { mean, precision } => s.first + (mean - theta) * precision,
            Target::Wle => s.first + Self::warm(s),
        }
    }

    /// `T'(θ)` for MLE and MAP (Newton). WLE is refined by Brent's method, which needs
    /// no slope, so its `J/(2I)` term is not differentiated and `None` is returned.
    fn slope(self, s: &Sums) -> Option<f64> {
        match self {
            Target::Ml => Some(s.second),
            Target::Map { precision, .. } => Some(s.second - precision),
            Target::Wle => None,
        }
    }

    /// The objective at θ; for WLE, `wle_integral` is `∫ J/(2I)` from the range start.
    fn objective(self, pattern: &impl Pattern, theta: f64, wle_integral: f64) -> f64 {
        let ll = log_likelihood(pattern, theta);
        match self {
            Target::Ml => ll,
            Target::Map { mean, precision } => ll - 0.5 * precision * (theta - mean).powi(2),
            Target::Wle => ll + wle_integral,
        }
    }
}

/// Where the maximum of the objective may be.
#[derive(Clone, Copy, Debug)]
enum Candidate {
    /// At a range bound (the objective rises towards it); `integral` is the WLE's
    /// `∫ J/(2I)` from the start of the range to it.
    Bound { theta: f64, integral: f64 },
    /// At a root of `T` inside `[lo, hi]`, with `T(lo) > 0 ≥ T(hi)`; `integral_lo` and
    /// `warm_lo` are the WLE's integral and `J/(2I)` at `lo`.
    Bracket {
        lo: f64,
        hi: f64,
        t_lo: f64,
        t_hi: f64,
        integral_lo: f64,
        warm_lo: f64,
    },
}

/// Highest point over `range` of the objective of `target`.
///
/// Scans the range in steps of at most [`SCAN_STEP`] and keeps every place where the
/// objective can peak: a bound where `T` points outwards, or a place where `T` changes
/// sign from positive to negative. Brackets are refined (Newton for MLE/MAP, Brent for
/// WLE). With a single candidate, the usual case, that is the answer; with several (a
/// 3PL/4PL likelihood can have a local maximum besides a rising end), the objective
/// decides between them at their refined positions.
fn maximise(
    pattern: &impl Pattern,
    target: Target,
    range: (f64, f64),
) -> Result<f64, EstimateError> {
    let (lo, hi) = range;
    let intervals = (((hi - lo) / SCAN_STEP).ceil() as usize).clamp(1, MAX_SCAN_INTERVALS);
    let node = |i: usize| {
        if i >= intervals {
            hi
        } else {
            lo + (hi - lo) * (i as f64 / intervals as f64)
        }
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut prev: Option<(f64, f64, f64, f64)> = None; // (θ, T, J/(2I), ∫J/(2I))
    for i in 0..=intervals {
        let theta = node(i);
        let s = sums(pattern, theta);
        let t = target.value(&s, theta);
        let warm = Target::warm(&s);
        let integral = match prev {
            Some((pt, _, pw, pi)) => pi + 0.5 * (pw + warm) * (theta - pt),
            None => 0.0,
        };
        if i == 0 && t <= 0.0 {
            candidates.push(Candidate::Bound { theta, integral });
        }
        if let Some((pt, ptv, pw, pi)) = prev {
            if ptv > 0.0 && t <= 0.0 {
                candidates.push(Candidate::Bracket {
                    lo: pt,
                    hi: theta,
                    t_lo: ptv,
                    t_hi: t,
                    integral_lo: pi,
                    warm_lo: pw,
                });
            }
        }
        if i == intervals && t >= 0.0 {
            candidates.push(Candidate::Bound { theta, integral });
        }
        prev = Some((theta, t, warm, integral));
    }
    let resolve = |c: &Candidate| -> (f64, f64) {
        match *c {
            Candidate::Bound { theta, integral } => (theta, integral),
            Candidate::Bracket {
                lo,
                hi,
                t_lo,
                t_hi,
                integral_lo,
                warm_lo,
            } => {
                let theta = match target {
                    Target::Wle => {
                        brent(|t| target.value(&sums(pattern, t), t), lo, hi, t_lo, t_hi)
                    }
                    _ => newton(
                        |t| {
                            let s = sums(pattern, t);
                            (target.value(&s, t), target.slope(&s).unwrap_or(f64::NAN))
                        },
                        lo,
                        hi,
                        t_hi,
                    ),
                };
                let integral = if matches!(target, Target::Wle) {
                    let warm = Target::warm(&sums(pattern, theta));
                    integral_lo + 0.5 * (warm_lo + warm) * (theta - lo)
                } else {
                    0.0
                };
                (theta, integral)
            }
        }
    };
    match candidates.as_slice() {
        [] => Err(EstimateError::Numerical {
            method: target.name(),
        }),
        [only] => Ok(resolve(only).0),
        several => {
            let mut best = (f64::NEG_INFINITY, f64::NAN);
            for c in several {
                let (theta, integral) = resolve(c);
                let objective = target.objective(pattern, theta, integral);
                if best.1.is_nan() || objective > best.0 {
                    best = (objective, theta);
                }
            }
            Ok(best.1)
        }
    }
}

/// Newton's refinement stops once a step is below this (absolute, on θ): the last step
/// is still taken, and Newton's error after it is of the order of its square.
const NEWTON_STEP_TOL: f64 = 1e-13;

/// Absolute tolerance on θ of Brent's method (plus 2ε|θ|) and of the bisection
/// fallback: close to the rounding noise of the estimating function, so that the result
/// does not depend on the path taken (native and wasm32 agree to ~1e-15 instead of to a
/// looser tolerance).
const BRACKET_TOL: f64 = 1e-14;

/// Iteration cap of the refinements: far beyond what the tolerances need (bisection
/// alone would need ~45 halvings of a 0.25 bracket); it only guards against a
/// pathological estimating function.
const MAX_ITERATIONS: usize = 200;

/// Root of a decreasing-through-zero `T` in `[lo, hi]` (`T(lo) > 0 ≥ T(hi)`) by
/// Newton steps, falling back to bisection whenever a step would leave the bracket or
/// the slope has the wrong sign.
fn newton(f: impl Fn(f64) -> (f64, f64), mut lo: f64, mut hi: f64, t_hi: f64) -> f64 {
    if t_hi == 0.0 {
        return hi;
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..MAX_ITERATIONS {
        let (t, slope) = f(x);
        if t == 0.0 {
            return x;
        }
        if t > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        if hi - lo <= BRACKET_TOL {
            return 0.5 * (lo + hi);
        }
        let newton_step = if slope < 0.0 {
            let candidate = x - t / slope;
            (lo..=hi).contains(&candidate).then_some(candidate)
        } else {
            None
        };
        match newton_step {
            Some(next) if (next - x).abs() <= NEWTON_STEP_TOL => return next,
            Some(next) => x = next,
            None => x = 0.5 * (lo + hi),
        }
    }
    x
}

/// Brent's root finder on `[a, b]` where `f(a)` and `f(b)` have opposite signs (or one
/// is zero): inverse quadratic interpolation and secant steps, bisection whenever they
/// would be slow or leave the bracket.
fn brent(f: impl Fn(f64) -> f64, a: f64, b: f64, fa: f64, fb: f64) -> f64 {
    let (mut a, mut b, mut fa, mut fb) = (a, b, fa, fb);
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..MAX_ITERATIONS {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * BRACKET_TOL;
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * m * s;
                q = 1.0 - s;
            } else {
                let qa = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * m * qa * (qa - r) - (b - a) * (r - 1.0));
                q = (qa - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = f(b);
    }
    b
}
