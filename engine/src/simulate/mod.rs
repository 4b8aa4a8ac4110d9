//! The simulator: many simulated examinees through the same adaptive pipeline as a
//! real session, and the figures that tell whether a configuration is good.
//!
//! Each examinee `i` has its own random stream (ChaCha8 seeded from the simulation
//! seed, stream `i`) from which its true θ (for a distribution), its session seed and
//! its answers are drawn. So any split of the examinees into chunks
//! ([`run_chunk`]), run in any order or on any number of threads, gives the same
//! results; [`report`] combines chunks in examinee order, so the report is identical
//! bit for bit too. The engine itself stays single-threaded and does no I/O: the report
//! gives its CSV and SVG forms as strings ([`SimulationReport::conditional_csv`],
//! [`SimulationReport::conditional_se_svg`], [`SimulationReport::exposure_svg`]).
//!
//! Speed: one [`Session`] is reused for every examinee of a chunk
//! ([`Session::reset`]), so a step allocates nothing.

mod report;

use std::collections::BTreeMap;
use std::ops::Range;

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use report::{nice_ceiling, BinRow, Chart, ClassRow, SimulationReport};

use crate::bank::Bank;
use crate::irt::Item;
use crate::select::SympsonHetter;
use crate::session::{AnswerError, ConfigError, Plan, Session, SessionConfig};
use crate::stop::StopReason;

/// Who is simulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Population {
    /// `count` examinees with θ drawn from N(`mean`, `sd`).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// Number of examinees.
        count: usize,
    },
    /// `count` examinees with θ drawn uniformly in [`lo`, `hi`).
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// Number of examinees.
        count: usize,
    },
    /// Given abilities, one examinee each.
    Thetas {
        /// The true abilities.
        thetas: Vec<f64>,
    },
}

impl Population {
    /// Number of examinees.
    pub fn count(&self) -> usize {
        match self {
            Population::Normal { count, .. } | Population::Uniform { count, .. } => *count,
            Population::Thetas { thetas } => thetas.len(),
        }
    }

    fn validate(&self) -> Result<(), SimError> {
        let bad = |m: &str| Err(SimError::Population(m.to_string()));
        match self {
            Population::Normal { mean, sd, .. } => {
                if !(mean.is_finite() && sd.is_finite() && *sd >= 0.0) {
                    return bad("normal: mean must be finite and sd finite and >= 0");
                }
            }
            Population::Uniform { lo, hi, .. } => {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    return bad("uniform: bounds must be finite with lo <= hi");
                }
            }
            Population::Thetas { thetas } => {
                if let Some(i) = thetas.iter().position(|t| !t.is_finite()) {
                    return Err(SimError::Population(format!("theta {i} is not finite")));
                }
            }
        }
        if self.count() == 0 {
            return bad("no examinee");
        }
        Ok(())
    }

    /// The same population with `count` examinees (given θs stay as they are).
    pub fn resized(&self, count: usize) -> Population {
        match self {
            Population::Normal { mean, sd, .. } => Population::Normal {
                mean: *mean,
                sd: *sd,
                count,
            },
            Population::Uniform { lo, hi, .. } => Population::Uniform {
                lo: *lo,
                hi: *hi,
                count,
            },
            Population::Thetas { thetas } => Population::Thetas {
                thetas: thetas.clone(),
            },
        }
    }

    /// True θ of examinee `i`, drawn from its own stream when random.
    fn draw(&self, i: usize, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Population::Normal { mean, sd, .. } => mean + sd * standard_normal(rng),
            Population::Uniform { lo, hi, .. } => lo + (hi - lo) * rng.random::<f64>(),
            Population::Thetas { thetas } => thetas.get(i).copied().unwrap_or(0.0),
        }
    }
}

/// A standard normal draw by Box-Muller (two uniforms, portable: no table, no
/// platform-dependent generator).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// θ bins of the conditional table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bins {
    /// Lower edge of the first bin (examinees below go into it).
    pub lo: f64,
    /// Upper edge of the last bin (examinees above go into it).
    pub hi: f64,
    /// Number of bins.
    pub count: usize,
}

/// 12 bins of 0.5 from −3 to 3.
impl Default for Bins {
    fn default() -> Self {
        Bins {
            lo: -3.0,
            hi: 3.0,
            count: 12,
        }
    }
}

/// A simulation: population, session configuration, seed and what to report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationConfig {
    /// Who is simulated.
    pub population: Population,
    /// The configuration every examinee's session uses.
    #[serde(default)]
    pub session: SessionConfig,
    /// Seed of the whole simulation.
    #[serde(default)]
    pub seed: u64,
    /// Bins of the conditional table.
    #[serde(default)]
    pub bins: Bins,
    /// θ cut points between autonomy classes, increasing (class `k` is the number of
    /// cuts at or below θ); empty: no classification figures.
    #[serde(default)]
    pub autonomy_cuts: Vec<f64>,
    /// Simulated time spent per item, in ms (read by a maximum-duration rule).
    #[serde(default = "default_ms_per_item")]
    pub ms_per_item: u64,
}

fn default_ms_per_item() -> u64 {
    30_000
}

impl SimulationConfig {
    /// A simulation of `count` examinees from N(0, 1) with `session`.
    pub fn normal(count: usize, session: SessionConfig, seed: u64) -> Self {
        SimulationConfig {
            population: Population::Normal {
                mean: 0.0,
                sd: 1.0,
                count,
            },
            session,
            seed,
            bins: Bins::default(),
            autonomy_cuts: Vec::new(),
            ms_per_item: default_ms_per_item(),
        }
    }

    fn validate(&self) -> Result<(), SimError> {
        self.population.validate()?;
        let b = self.bins;
        if !(b.lo.is_finite() && b.hi.is_finite() && b.lo < b.hi && (1..=1000).contains(&b.count)) {
            return Err(SimError::Bins);
        }
        if self.autonomy_cuts.iter().any(|c| !c.is_finite())
            || self.autonomy_cuts.windows(2).any(|w| w[1] <= w[0])
        {
            return Err(SimError::Cuts);
        }
        Ok(())
    }
}

/// Why a simulation could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The session configuration does not fit the bank.
    #[error("session configuration: {0}")]
    Config(#[from] ConfigError),
    /// The population is invalid.
    #[error("population: {0}")]
    Population(String),
    /// The bins are invalid.
    #[error("bins: bounds must be finite with lo < hi, and 1 to 1000 bins")]
    Bins,
    /// The autonomy cuts are invalid.
    #[error("autonomy cuts must be finite and strictly increasing")]
    Cuts,
    /// A session refused a simulated answer (a bug, reported rather than hidden).
    #[error("examinee {examinee}: {source}")]
    Answer {
        /// The examinee.
        examinee: usize,
        /// Why.
        source: AnswerError,
    },
    /// A Sympson-Hetter target outside (0, 1].
    #[error("sympson-hetter: r_max must be in (0, 1] (got {0})")]
    RMax(f64),
    /// Other Sympson-Hetter calibration options that cannot work.
    #[error("sympson-hetter: {0}")]
    Exposure(String),
}

/// The outcome of one simulated examinee.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExamineeResult {
    /// True ability.
    pub theta: f64,
    /// Final estimate.
    pub estimate: f64,
    /// Final SE.
    pub se: f64,
    /// Number of items given.
    pub length: usize,
    /// Sum of the success proportions (score / max score) on the first five items.
    pub first_five_success: f64,
    /// Number of items among the first five (the test may be shorter).
    pub first_five_items: usize,
    /// Why the test stopped.
    pub reason: Option<StopReason>,
}

/// The results of a contiguous range of examinees.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    /// First examinee of the chunk.
    pub start: usize,
    /// Results, in examinee order.
    pub results: Vec<ExamineeResult>,
    /// Times each item was administered.
    pub administered: Vec<u32>,
    /// Times each item was selected (offered to the exposure lottery).
    pub selected: Vec<u32>,
}

/// Resolves the configuration once: a [`Plan`] for [`run_chunk`].
pub fn plan(bank: &Bank, config: &SimulationConfig) -> Result<Plan, SimError> {
    config.validate()?;
    Ok(Plan::new(bank, config.session.clone())?)
}

/// Simulates examinees `range` (clamped to the population) with a plan built by
/// [`plan`] for the same bank and configuration.
pub fn run_chunk(
    bank: &Bank,
    plan: &Plan,
    config: &SimulationConfig,
    range: Range<usize>,
) -> Result<Chunk, SimError> {
    let end = range.end.min(config.population.count());
    let start = range.start.min(end);
    let mut session = Session::with_plan(bank, plan, 0);
    session.count_selections(true);
    let mut administered = vec![0u32; bank.len()];
    let mut results = Vec::with_capacity(end - start);
    let items = bank.items();
    for i in start..end {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(i as u64);
        let theta = config.population.draw(i, &mut rng);
        session.reset(rng.next_u64());
        let mut first_five_success = 0.0;
        let mut first_five_items = 0;
        while let Some(ix) = session.next_index() {
            let ix = ix as usize;
            let Some(it) = items.get(ix) else { break };
            let score = draw_score(&it.item, theta, &mut rng);
            if session.len() < 5 {
                first_five_success += score as f64 / it.item.max_score().max(1) as f64;
                first_five_items += 1;
            }
            session
                .answer_index(ix, score, false, config.ms_per_item)
                .map_err(|source| SimError::Answer {
                    examinee: i,
                    source,
                })?;
            if let Some(c) = administered.get_mut(ix) {
                *c += 1;
            }
        }
        let e = session.estimate();
        results.push(ExamineeResult {
            theta,
            estimate: e.theta,
            se: e.se,
            length: session.len(),
            first_five_success,
            first_five_items,
            reason: session.is_finished(),
        });
    }
    Ok(Chunk {
        start,
        results,
        administered,
        selected: session.selections().to_vec(),
    })
}

/// A simulated score: category `x` with probability `P_x(θ)` (inverse CDF on one
/// uniform draw).
fn draw_score(item: &Item, theta: f64, rng: &mut ChaCha8Rng) -> usize {
    let u = rng.random::<f64>();
    match item {
        Item::Logistic(_) => usize::from(u < item.prob(theta, 1)),
        _ => {
            let max = item.max_score();
            let mut acc = 0.0;
            for x in 0..max {
                acc += item.prob(theta, x);
                if u < acc {
                    return x;
                }
            }
            max
        }
    }
}

/// Runs the whole simulation on this thread.
pub fn simulate(bank: &Bank, config: &SimulationConfig) -> Result<SimulationReport, SimError> {
    let plan = plan(bank, config)?;
    let chunk = run_chunk(bank, &plan, config, 0..config.population.count())?;
    Ok(report(bank, config, vec![chunk]))
}

/// Combines chunks (any split; they are put back in examinee order) into the report.
pub fn report(bank: &Bank, config: &SimulationConfig, mut chunks: Vec<Chunk>) -> SimulationReport {
    chunks.sort_by_key(|c| c.start);
    let mut administered = vec![0u64; bank.len()];
    let mut results = Vec::new();
    for c in &chunks {
        for (a, &n) in administered.iter_mut().zip(&c.administered) {
            *a += u64::from(n);
        }
        results.extend_from_slice(&c.results);
    }
    report::build(bank, config, &results, &administered)
}

/// How [`calibrate_sympson_hetter`] calibrates (see there for the method).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureOptions {
    /// The cap: no item may be given to more than this share of the examinees.
    pub r_max: f64,
    /// Iterations of the classic update (Sympson & Hetter's own) before pooling.
    #[serde(default = "default_iterations")]
    pub iterations: usize,
    /// Iterations whose selection counts are pooled, after the classic ones.
    #[serde(default = "default_iterations")]
    pub pooled_iterations: usize,
    /// Number of examinees of the runs the cap must hold on: the margin for sampling
    /// noise is computed for it (0: the calibration population's size).
    #[serde(default)]
    pub check_examinees: usize,
    /// Normal quantile of the margin (3.5: with up to 100 items at the cap, the chance
    /// that one of them goes over `r_max` by sampling noise alone is under 3 %).
    #[serde(default = "default_z")]
    pub z: f64,
    /// Calibration rounds: a round whose verification run goes over `r_max` lowers the
    /// target by the excess and calibrates again.
    #[serde(default = "default_rounds")]
    pub rounds: usize,
}

fn default_iterations() -> usize {
    10
}

fn default_z() -> f64 {
    3.5
}

fn default_rounds() -> usize {
    3
}

impl ExposureOptions {
    /// The defaults for a cap `r_max`: 10 classic and 10 pooled iterations, a margin
    /// of 3.5 standard errors for a check run as large as the calibration population,
    /// at most 3 rounds.
    pub fn new(r_max: f64) -> Self {
        ExposureOptions {
            r_max,
            iterations: default_iterations(),
            pooled_iterations: default_iterations(),
            check_examinees: 0,
            z: default_z(),
            rounds: default_rounds(),
        }
    }
}

/// Result of [`calibrate_sympson_hetter`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExposureCalibration {
    /// The calibrated parameters (only items with `k < 1` are listed).
    pub parameters: SympsonHetter,
    /// The cap asked for.
    pub r_max: f64,
    /// The margin kept under it for sampling noise.
    pub margin: f64,
    /// The exposure rate the parameters were calibrated to (`r_max − margin`, lowered
    /// further by rounds whose verification went over `r_max`).
    pub target: f64,
    /// Largest exposure rate of every calibration run, in order.
    pub max_exposure: Vec<f64>,
    /// Largest exposure rate of each round's verification run.
    pub verification: Vec<f64>,
    /// Whether the last verification run stayed at or under `r_max`.
    pub admissible: bool,
    /// Examinees simulated in all.
    pub examinees: usize,
}

/// Sympson-Hetter calibration by simulation, run on this thread
/// ([`calibrate_sympson_hetter_with`] with [`run_chunk`] on the whole population).
pub fn calibrate_sympson_hetter(
    bank: &Bank,
    config: &SimulationConfig,
    options: &ExposureOptions,
) -> Result<ExposureCalibration, SimError> {
    calibrate_sympson_hetter_with(bank, config, options, |plan, cfg| {
        Ok(vec![run_chunk(bank, plan, cfg, 0..cfg.population.count())?])
    })
}

/// Sympson-Hetter calibration by simulation: sets every item's exposure parameter
/// `kᵢ = P(Aᵢ | Sᵢ)` so that no item is administered to more than a share `r_max` of
/// the population, checked on a simulation that took no part in setting them.
///
/// The method rests on the identity `P(Aᵢ) = kᵢ·P(Sᵢ)` (an item is offered to its
/// lottery at most once per test: a refused item is set aside), and on `P(Sᵢ)` not
/// depending on `kᵢ` itself (the lottery of item i is drawn only once i is chosen), so
/// `kᵢ = min(1, r / P(Sᵢ))` holds item i at `r` if the other items' parameters stay
/// put (Sympson & Hetter 1985). They do not, so the calibration iterates:
///
/// 1. **Classic iterations** (Sympson & Hetter 1985): simulate the population with the
///    current parameters, count how often each item is selected, set
///    `kᵢ = min(1, r / P̂(Sᵢ))`. The largest exposure falls from 1 towards `r` in a
///    few iterations, then hovers around it: each update uses the `P̂(S)` of one run,
///    whose binomial noise moves every `k` it sets (the iterations are slow and do not
///    guarantee admissibility, van der Linden 2003).
/// 2. **Pooled iterations**: the same update with `P̂(Sᵢ)` pooled over all the runs
///    since the classic iterations ended (a stochastic approximation with gain
///    `1/m`, Robbins & Monro 1951), so the noise of the parameters shrinks as
///    `1/√(pooled examinees)` instead of staying that of one run.
/// 3. **Verification**: one more run with a seed used by no iteration measures the
///    largest exposure of the final parameters. If it is above `r_max`, the target is
///    lowered by the excess and the calibration goes on from there (at most
///    [`ExposureOptions::rounds`] rounds); [`ExposureCalibration::admissible`] says
///    whether the last verification held.
///
/// The **target** `r` is `r_max` minus a margin for sampling noise: a realised rate
/// over `N` examinees of an item whose true rate is `r` has standard error
/// `√(r(1 − r)/N)`, and the pooled estimate of its `k` adds about `√(r(1 − r)/M)` (M
/// pooled examinees), so the margin is `z·√(r_max(1 − r_max)(1/N + 1/M))`, with `N` =
/// [`ExposureOptions::check_examinees`]. With `z` = 3.5, `r_max` = 0.2, `N` = 5,000
/// and `M` = 25,000, the margin is 0.022: the price of a cap that holds on a fresh
/// population and not merely on average.
///
/// Run `t` (0-based, every run counted) uses seed `config.seed + t + 1`, so the
/// calibration is reproducible and independent of a check run with `config.seed`.
/// `run` simulates the population of the configuration it is given with the plan it
/// is given and returns the chunks covering it (the CLI runs them on threads).
pub fn calibrate_sympson_hetter_with(
    bank: &Bank,
    config: &SimulationConfig,
    options: &ExposureOptions,
    mut run: impl FnMut(&Plan, &SimulationConfig) -> Result<Vec<Chunk>, SimError>,
) -> Result<ExposureCalibration, SimError> {
    let r_max = options.r_max;
    if !(r_max > 0.0 && r_max <= 1.0) {
        return Err(SimError::RMax(r_max));
    }
    if !(options.z.is_finite() && options.z >= 0.0) {
        return Err(SimError::Exposure(format!(
            "z must be finite and >= 0 (got {})",
            options.z
        )));
    }
    if options.pooled_iterations == 0 || options.rounds == 0 {
        return Err(SimError::Exposure(
            "at least one pooled iteration and one round".into(),
        ));
    }
    config.validate()?;
    let count = config.population.count();
    let n = count as f64;
    // Calibration runs simulate the configuration's population; verification runs are
    // as large as the runs the cap must hold on, so that their sampling noise is the
    // one the margin allows for.
    let mut verify_cfg = config.clone();
    if options.check_examinees > 0 {
        verify_cfg.population = config.population.resized(options.check_examinees);
    }
    let check = verify_cfg.population.count() as f64;
    let pooled = n * options.pooled_iterations as f64;
    let margin = options.z * (r_max * (1.0 - r_max) * (1.0 / check + 1.0 / pooled)).sqrt();
    let mut target = r_max - margin;
    if target <= 0.0 {
        return Err(SimError::Exposure(format!(
            "the margin for sampling noise ({margin:.4}) leaves nothing under r_max = \
             {r_max}: simulate more examinees"
        )));
    }
    let mut k: Vec<f64> = match &config.session.select.exposure {
        Some(sh) => sh.resolve(bank).map_err(ConfigError::from)?,
        None => vec![1.0; bank.len()],
    };
    let mut cfg = config.clone();
    let mut runs = 0u64;
    let mut examinees = 0usize;
    // One run with parameters `k`: (times each item was selected, largest exposure).
    let mut simulate_once =
        |k: &[f64], verify: bool, runs: &mut u64| -> Result<(Vec<u64>, f64), SimError> {
            let cfg = if verify { &mut verify_cfg } else { &mut cfg };
            cfg.session.select.exposure = Some(parameters(bank, k));
            *runs += 1;
            cfg.seed = config.seed.wrapping_add(*runs);
            examinees += cfg.population.count();
            let p = plan(bank, cfg)?;
            let mut selected = vec![0u64; bank.len()];
            let mut administered = vec![0u64; bank.len()];
            for chunk in run(&p, cfg)? {
                for (s, &c) in selected.iter_mut().zip(&chunk.selected) {
                    *s += u64::from(c);
                }
                for (a, &c) in administered.iter_mut().zip(&chunk.administered) {
                    *a += u64::from(c);
                }
            }
            let max = administered.into_iter().max().unwrap_or(0);
            Ok((selected, max as f64 / cfg.population.count().max(1) as f64))
        };
    let update = |k: &mut [f64], selected: &[u64], examinees: f64, target: f64| {
        for (ki, &s) in k.iter_mut().zip(selected) {
            let ps = s as f64 / examinees;
            *ki = if ps > target { target / ps } else { 1.0 };
        }
    };
    let mut max_exposure = Vec::new();
    let mut verification = Vec::new();
    let mut admissible = false;
    for _round in 0..options.rounds {
        for _ in 0..options.iterations {
            let (selected, max) = simulate_once(&k, false, &mut runs)?;
            max_exposure.push(max);
            update(&mut k, &selected, n, target);
        }
        let mut pool = vec![0u64; bank.len()];
        for m in 1..=options.pooled_iterations {
            let (selected, max) = simulate_once(&k, false, &mut runs)?;
            max_exposure.push(max);
            for (p, s) in pool.iter_mut().zip(&selected) {
                *p += s;
            }
            update(&mut k, &pool, n * m as f64, target);
        }
        let (_, realised) = simulate_once(&k, true, &mut runs)?;
        verification.push(realised);
        admissible = realised <= r_max;
        if admissible || target - (realised - r_max) <= 0.0 {
            break;
        }
        target -= realised - r_max;
    }
    Ok(ExposureCalibration {
        parameters: parameters(bank, &k),
        r_max,
        margin,
        target,
        max_exposure,
        verification,
        admissible,
        examinees,
    })
}

fn parameters(bank: &Bank, k: &[f64]) -> SympsonHetter {
    let mut map = BTreeMap::new();
    for (it, &v) in bank.items().iter().zip(k) {
        if v < 1.0 {
            map.insert(it.id.clone(), v);
        }
    }
    SympsonHetter { k: map }
}

/// A synthetic bank specification: logistic items with parameters drawn uniformly in
/// the given ranges, spread over `domains` domains in turn (catsim's
/// `generate_item_bank` in spirit), for simulations, tests and benchmarks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticBank {
    /// Number of items.
    pub items: usize,
    /// Number of domains (items are dealt to them in turn); at least 1.
    pub domains: usize,
    /// Range of the discrimination `a` (lower bound > 0).
    pub a: (f64, f64),
    /// Range of the difficulty `b`.
    pub b: (f64, f64),
    /// Range of the lower asymptote `c` (`(0, 0)` for 2PL).
    pub c: (f64, f64),
    /// Seed.
    pub seed: u64,
}

impl SyntheticBank {
    /// Draws the bank. Ids are `item-0001`…, domains `D1`…; no requirement, no enemy.
    pub fn generate(&self) -> Result<Bank, String> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut draw = |(lo, hi): (f64, f64)| lo + (hi - lo) * rng.random::<f64>();
        let domains = self.domains.max(1);
        let mut items = Vec::with_capacity(self.items);
        for i in 0..self.items {
            let (a, b, c) = (draw(self.a), draw(self.b), draw(self.c));
            let item = Item::logistic(a, b, c, 1.0).map_err(|e| format!("item {i}: {e}"))?;
            items.push(crate::bank::BankItem {
                id: format!("item-{:04}", i + 1),
                item,
                domain: format!("D{}", i % domains + 1),
                skill: format!("S{}", i % (domains * 3) + 1),
                requires: crate::bank::Requirements::NONE,
                enemies: Vec::new(),
            });
        }
        Bank::new(items).map_err(|e| e.to_string())
    }
}
