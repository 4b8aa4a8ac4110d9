//! The adaptive session: start → (select → answer → estimate → stop?)*.
//!
//! A [`Session`] runs one test on a [`Bank`] with a [`SessionConfig`] and a seed. The
//! caller asks for the next item ([`Session::next_item`]), passes the person's answer
//! in ([`Session::answer`], or [`Session::skip`] for "Je ne sais pas"), and reads the
//! estimate and whether the test is over ([`Session::is_finished`]).
//!
//! # Determinism and replay
//!
//! The only sources of variation are the seed (a [`ChaCha8Rng`], portable between
//! native code and wasm32) and the answers. The engine reads no clock: the time spent
//! on each answer is passed in. So the answer log ([`LogEntry`]: item id, score,
//! skipped, elapsed ms) with the bank, the configuration and the seed determines the
//! whole session, bit for bit: [`Session::replay`] rebuilds it and refuses a log whose
//! items are not the ones the session would have chosen. The server recomputes every
//! result this way and never trusts numbers sent by a browser; a page reload resumes
//! the same way. [`SessionState`] (serde) is the log with its configuration and seed,
//! plus the last estimate for readers without an engine; [`Session::from_state`]
//! replays it and checks that estimate.

mod config;
mod mle;
mod posterior;

use std::borrow::Cow;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use config::{ConfigError, EstimatorConfig, GridConfig, Plan, SessionConfig};

use crate::bank::{Bank, BankItem};
use crate::estimate::{AbilityEstimator, Estimate, Response};
use crate::irt::ResponseError;
use crate::select::{Selector, StepInput, ADMINISTERED, AVAILABLE, ENEMY};
use crate::stop::{StopInput, StopReason};
use config::EstimatorPlan;
use posterior::GridPosterior;

/// One answer of the log, as stored and replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// Id of the item answered.
    pub item: String,
    /// Score obtained (0 for a skipped item).
    pub score: usize,
    /// "Je ne sais pas": the person chose not to answer (scored 0).
    #[serde(default)]
    pub skipped: bool,
    /// Time spent on the item, in milliseconds, as measured by the caller.
    #[serde(default)]
    pub elapsed_ms: u64,
}

/// A session in serialisable form: what is needed to rebuild it exactly, plus the last
/// estimate so that a reader without the engine can show it.
///
/// [`Session::from_state`] compares the stored estimate bit for bit, so the format
/// must give back the exact `f64`s: with serde_json, enable its `float_roundtrip`
/// feature (its default parser may be one unit in the last place off).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionState {
    /// Version of the engine that produced the state.
    pub engine_version: String,
    /// The configuration.
    pub config: SessionConfig,
    /// The seed.
    pub seed: u64,
    /// The answers so far.
    pub log: Vec<LogEntry>,
    /// The estimate after the last answer (checked on restore).
    pub estimate: Estimate,
    /// Why the test is finished, if it is.
    pub finished: Option<StopReason>,
}

/// Why an answer was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AnswerError {
    /// The test is over.
    #[error("the test is finished ({})", .0.name())]
    Finished(StopReason),
    /// The item is not the one the session chose.
    #[error("item `{given}` is not the item the session chose (`{expected}`)")]
    NotTheNextItem {
        /// The item answered.
        given: String,
        /// The item the session chose.
        expected: String,
    },
    /// The id names no item of the bank.
    #[error("unknown item `{0}`")]
    UnknownItem(String),
    /// The score does not fit the item.
    #[error("item `{item}`: {source}")]
    Score {
        /// The item.
        item: String,
        /// What is wrong with the score.
        source: ResponseError,
    },
    /// The estimator failed (never expected with valid items; reported, not hidden).
    #[error("estimation failed: {0}")]
    Estimation(String),
}

/// Why a log (or a stored state) could not be replayed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The configuration does not fit the bank.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// An entry names an item the session would not have chosen at that point (a
    /// tampered or mixed-up log).
    #[error("log entry {position}: item `{found}` given, but the session chooses `{expected}`")]
    WrongItem {
        /// Position in the log (0-based).
        position: usize,
        /// The item in the log.
        found: String,
        /// The item the session chooses.
        expected: String,
    },
    /// The log goes on after the test finished.
    #[error("log entry {position}: the test was already finished ({})", .reason.name())]
    AfterFinish {
        /// Position in the log (0-based).
        position: usize,
        /// Why it was finished.
        reason: StopReason,
    },
    /// A skipped entry with a score other than 0.
    #[error("log entry {position}: a skipped item must have score 0 (got {score})")]
    SkippedWithScore {
        /// Position in the log.
        position: usize,
        /// The score.
        score: usize,
    },
    /// An entry was refused as an answer.
    #[error("log entry {position}: {source}")]
    Answer {
        /// Position in the log.
        position: usize,
        /// Why.
        source: AnswerError,
    },
    /// A stored state's estimate differs from the replayed one.
    #[error("stored estimate ({stored_theta}, {stored_se}) differs from the replayed one ({theta}, {se})")]
    EstimateMismatch {
        /// Stored θ.
        stored_theta: f64,
        /// Stored SE.
        stored_se: f64,
        /// Replayed θ.
        theta: f64,
        /// Replayed SE.
        se: f64,
    },
}

/// An estimate for one domain of the référentiel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainEstimate {
    /// Domain id.
    pub domain: String,
    /// Number of items of the domain given.
    pub items: usize,
    /// EAP estimate from that domain's answers only, with the session's prior.
    pub estimate: Estimate,
}

/// One answer as held internally (bank index instead of id: no allocation per step).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Entry {
    index: u32,
    score: u32,
    skipped: bool,
    elapsed_ms: u64,
}

/// One adaptive test in progress.
#[derive(Clone, Debug)]
pub struct Session<'a> {
    bank: &'a Bank,
    plan: Cow<'a, Plan>,
    seed: u64,
    rng: ChaCha8Rng,
    status: Vec<u8>,
    log: Vec<Entry>,
    responses: Vec<Response<'a>>,
    /// Log-likelihood of the answers on the MLE grid (maximum likelihood only).
    loglik: Vec<f64>,
    pending: Option<u32>,
    estimate: Estimate,
    /// Overall posterior (kept when the estimator is EAP or the ranking needs it).
    posterior: Option<GridPosterior>,
    /// Per-domain posteriors (kept when a stopping rule reads per-domain SEs).
    domain_posteriors: Vec<GridPosterior>,
    domain_se: Vec<f64>,
    given_per_domain: Vec<u32>,
    /// Eligible items per domain (kept up to date at every status change).
    available_per_domain: Vec<u32>,
    domain_available: Vec<bool>,
    elapsed_ms: u64,
    all_lowest: bool,
    all_highest: bool,
    finished: Option<StopReason>,
    selector: Selector,
}

impl<'a> Session<'a> {
    /// A new test on `bank` with `config`, its randomness drawn from `seed`.
    pub fn new(bank: &'a Bank, config: SessionConfig, seed: u64) -> Result<Self, ConfigError> {
        let plan = Plan::new(bank, config)?;
        Ok(Self::build(bank, Cow::Owned(plan), seed))
    }

    /// A new test with a plan resolved once for many tests. The plan must have been
    /// built for this bank.
    pub fn with_plan(bank: &'a Bank, plan: &'a Plan, seed: u64) -> Self {
        Self::build(bank, Cow::Borrowed(plan), seed)
    }

    fn build(bank: &'a Bank, plan: Cow<'a, Plan>, seed: u64) -> Self {
        let mut s = Session {
            bank,
            plan,
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
            status: Vec::new(),
            log: Vec::new(),
            responses: Vec::new(),
            loglik: Vec::new(),
            pending: None,
            estimate: Estimate {
                theta: 0.0,
                se: 1.0,
            },
            posterior: None,
            domain_posteriors: Vec::new(),
            domain_se: Vec::new(),
            given_per_domain: Vec::new(),
            available_per_domain: Vec::new(),
            domain_available: Vec::new(),
            elapsed_ms: 0,
            all_lowest: true,
            all_highest: true,
            finished: None,
            selector: Selector::new(),
        };
        s.reset(seed);
        s
    }

    /// Starts a new test with the same bank and plan, reusing every buffer (the
    /// simulator runs thousands of tests this way).
    pub fn reset(&mut self, seed: u64) {
        let plan = &*self.plan;
        self.seed = seed;
        self.rng = ChaCha8Rng::seed_from_u64(seed);
        self.status.clear();
        self.status.extend_from_slice(&plan.base_status);
        if self.status.len() != self.bank.len() {
            // A plan built for another bank: exclude nothing rather than index wrongly.
            self.status.resize(self.bank.len(), AVAILABLE);
        }
        self.log.clear();
        self.responses.clear();
        self.loglik.clear();
        if let EstimatorPlan::Mle { table, .. } = &plan.estimator {
            self.loglik.resize(table.nodes().len(), 0.0);
        }
        let cap = plan
            .config
            .stop
            .max_items
            .unwrap_or(64)
            .min(self.bank.len());
        self.log.reserve(cap);
        self.responses.reserve(cap);
        self.pending = None;
        self.estimate = Estimate {
            theta: plan.start.theta,
            se: plan.start.prior_sd,
        };
        let keep_posterior =
            matches!(plan.estimator, EstimatorPlan::Eap) || plan.select.needs_posterior();
        if keep_posterior {
            self.posterior
                .get_or_insert_with(GridPosterior::default)
                .reset(&plan.prior_log_post);
        } else {
            self.posterior = None;
        }
        let domains = plan.domains;
        if plan.config.stop.needs_domain_se() {
            self.domain_posteriors
                .resize(domains, GridPosterior::default());
            for p in &mut self.domain_posteriors {
                p.reset(&plan.prior_log_post);
            }
            self.domain_se.clear();
            self.domain_se.resize(domains, plan.start.prior_sd);
        } else {
            self.domain_posteriors.clear();
            self.domain_se.clear();
        }
        self.given_per_domain.clear();
        self.given_per_domain.resize(domains, 0);
        self.available_per_domain.clear();
        self.available_per_domain.resize(domains, 0);
        for (i, &st) in self.status.iter().enumerate() {
            if st == AVAILABLE {
                if let Some(c) = self.available_per_domain.get_mut(self.bank.domain_of(i)) {
                    *c += 1;
                }
            }
        }
        self.domain_available.clear();
        self.domain_available.resize(domains, false);
        self.elapsed_ms = 0;
        self.all_lowest = true;
        self.all_highest = true;
        self.update_finished();
    }

    /// Rebuilds a session from its log, checking at each entry that the logged item is
    /// the one the session chooses; the result is identical, bit for bit, to the
    /// session that produced the log.
    pub fn replay(
        bank: &'a Bank,
        config: SessionConfig,
        seed: u64,
        log: &[LogEntry],
    ) -> Result<Self, ReplayError> {
        let mut s = Session::new(bank, config, seed)?;
        s.replay_log(log)?;
        Ok(s)
    }

    /// [`replay`](Session::replay) with a plan resolved once.
    pub fn replay_with_plan(
        bank: &'a Bank,
        plan: &'a Plan,
        seed: u64,
        log: &[LogEntry],
    ) -> Result<Self, ReplayError> {
        let mut s = Session::with_plan(bank, plan, seed);
        s.replay_log(log)?;
        Ok(s)
    }

    fn replay_log(&mut self, log: &[LogEntry]) -> Result<(), ReplayError> {
        for (position, e) in log.iter().enumerate() {
            if let Some(reason) = self.finished {
                return Err(ReplayError::AfterFinish { position, reason });
            }
            if e.skipped && e.score != 0 {
                return Err(ReplayError::SkippedWithScore {
                    position,
                    score: e.score,
                });
            }
            let expected = self.next_index();
            let found = self.bank.index_of(&e.item);
            if expected.is_none() || found != expected.map(|x| x as usize) {
                return Err(ReplayError::WrongItem {
                    position,
                    found: e.item.clone(),
                    expected: expected
                        .and_then(|x| self.bank.get(x as usize))
                        .map_or_else(String::new, |it| it.id.clone()),
                });
            }
            let index = expected.unwrap_or(0) as usize;
            self.answer_index(index, e.score, e.skipped, e.elapsed_ms)
                .map_err(|source| ReplayError::Answer { position, source })?;
        }
        Ok(())
    }

    /// Restores a session from its serialised state by replaying its log, and checks
    /// that the stored estimate is the replayed one (a corrupted state is refused).
    pub fn from_state(bank: &'a Bank, state: &SessionState) -> Result<Self, ReplayError> {
        let s = Session::replay(bank, state.config.clone(), state.seed, &state.log)?;
        let e = s.estimate();
        if e.theta.to_bits() != state.estimate.theta.to_bits()
            || e.se.to_bits() != state.estimate.se.to_bits()
        {
            return Err(ReplayError::EstimateMismatch {
                stored_theta: state.estimate.theta,
                stored_se: state.estimate.se,
                theta: e.theta,
                se: e.se,
            });
        }
        Ok(s)
    }

    /// The serialisable state.
    pub fn state(&self) -> SessionState {
        SessionState {
            engine_version: crate::ENGINE_VERSION.to_string(),
            config: self.plan.config.clone(),
            seed: self.seed,
            log: self.log(),
            estimate: self.estimate,
            finished: self.finished,
        }
    }

    /// The item to present now, or `None` if the test is finished. Calling it again
    /// before answering returns the same item.
    pub fn next_item(&mut self) -> Option<&'a BankItem> {
        let bank = self.bank;
        self.next_index().and_then(|i| bank.get(i as usize))
    }

    /// [`next_item`](Session::next_item) as a bank index (the simulator's form).
    pub fn next_index(&mut self) -> Option<u32> {
        if self.finished.is_some() {
            return None;
        }
        if self.pending.is_none() {
            let plan = &*self.plan;
            let input = StepInput {
                theta: self.estimate.theta,
                se: self.estimate.se,
                position: self.log.len(),
                given_per_domain: &self.given_per_domain,
                log_posterior: self.posterior.as_ref().map(GridPosterior::log_posterior),
            };
            self.pending = self.selector.select(
                &plan.select,
                self.bank,
                &input,
                &mut self.status,
                &mut self.rng,
            );
            for k in 0..self.selector.set_aside().len() {
                if let Some(&i) = self.selector.set_aside().get(k) {
                    self.leave_pool(i as usize);
                }
            }
        }
        self.pending
    }

    /// Records the answer to `item` (the id of the item presented) with its score and
    /// the time spent on it.
    pub fn answer(&mut self, item: &str, score: usize, elapsed_ms: u64) -> Result<(), AnswerError> {
        let index = self.check_item(item)?;
        self.answer_index(index, score, false, elapsed_ms)
    }

    /// "Je ne sais pas": the person skips `item`; scored 0 and flagged as skipped.
    pub fn skip(&mut self, item: &str, elapsed_ms: u64) -> Result<(), AnswerError> {
        let index = self.check_item(item)?;
        self.answer_index(index, 0, true, elapsed_ms)
    }

    fn check_item(&mut self, item: &str) -> Result<usize, AnswerError> {
        let index = self
            .bank
            .index_of(item)
            .ok_or_else(|| AnswerError::UnknownItem(item.to_string()))?;
        Ok(index)
    }

    /// Records an answer to the item at bank `index`, which must be the item
    /// [`next_index`](Session::next_index) chooses (the simulator's form).
    pub fn answer_index(
        &mut self,
        index: usize,
        score: usize,
        skipped: bool,
        elapsed_ms: u64,
    ) -> Result<(), AnswerError> {
        if let Some(reason) = self.finished {
            return Err(AnswerError::Finished(reason));
        }
        let bank = self.bank;
        let expected = self.next_index();
        let Some(expected) = expected else {
            // next_index returns None only when finished, handled above; be safe.
            return Err(AnswerError::Finished(StopReason::BankExhausted));
        };
        let id = |i: usize| bank.get(i).map_or_else(String::new, |it| it.id.clone());
        if expected as usize != index {
            return Err(AnswerError::NotTheNextItem {
                given: id(index),
                expected: id(expected as usize),
            });
        }
        let Some(bank_item) = bank.get(index) else {
            return Err(AnswerError::UnknownItem(index.to_string()));
        };
        let item = &bank_item.item;
        let score = if skipped { 0 } else { score };
        item.check_score(score)
            .map_err(|source| AnswerError::Score {
                item: bank_item.id.clone(),
                source,
            })?;
        let max = item.max_score();
        self.all_lowest &= score == 0;
        self.all_highest &= score == max;
        // Bookkeeping: the item and its enemies leave the pool.
        if let Some(s) = self.status.get_mut(index) {
            *s = ADMINISTERED;
        }
        self.leave_pool(index);
        for &e in bank.enemies_of(index) {
            if let Some(s) = self.status.get_mut(e as usize) {
                if *s == AVAILABLE {
                    *s = ENEMY;
                    self.leave_pool(e as usize);
                }
            }
        }
        let domain = bank.domain_of(index);
        if let Some(g) = self.given_per_domain.get_mut(domain) {
            *g += 1;
        }
        self.log.push(Entry {
            index: index as u32,
            score: score as u32,
            skipped,
            elapsed_ms,
        });
        self.responses.push(Response { item, score });
        if let EstimatorPlan::Mle { table, .. } = &self.plan.estimator {
            for (l, &r) in self.loglik.iter_mut().zip(table.row(index, score)) {
                *l += r;
            }
        }
        self.elapsed_ms = self.elapsed_ms.saturating_add(elapsed_ms);
        self.pending = None;
        // Estimation.
        let plan = &*self.plan;
        let row = plan.posterior_row(index, score);
        if let Some(p) = &mut self.posterior {
            p.add(row, &plan.nodes, item, score);
        }
        if let Some(p) = self.domain_posteriors.get_mut(domain) {
            p.add(row, &plan.nodes, item, score);
            if let Some(se) = self.domain_se.get_mut(domain) {
                *se = p.estimate(&plan.nodes).se;
            }
        }
        self.estimate = self.estimate_now()?;
        self.update_finished();
        Ok(())
    }

    fn estimate_now(&self) -> Result<Estimate, AnswerError> {
        let err = |e: crate::estimate::EstimateError| AnswerError::Estimation(e.to_string());
        match &self.plan.estimator {
            EstimatorPlan::Eap => Ok(self
                .posterior
                .as_ref()
                .map_or(self.estimate, |p| p.estimate(&self.plan.nodes))),
            EstimatorPlan::Map(m) => m.estimate_responses(&self.responses).map_err(err),
            EstimatorPlan::Wle(w) => w.estimate_responses(&self.responses).map_err(err),
            EstimatorPlan::Mle { range, table } => {
                if self.all_lowest || self.all_highest {
                    Ok(self.dodd_step(*range))
                } else {
                    Ok(mle::estimate(table.nodes(), &self.loglik, &self.responses))
                }
            }
        }
    }

    /// Dodd's (1990) step for a constant pattern, as catsim's `dodd`.
    fn dodd_step(&self, (lo, hi): (f64, f64)) -> Estimate {
        let (b_min, b_max) = self.bank.difficulty_range();
        let t = self.estimate.theta;
        // A pattern that is both all-lowest and all-highest is impossible (max ≥ 1).
        let theta = if self.all_highest {
            t + (b_max - t) / 2.0
        } else {
            t - (t - b_min) / 2.0
        }
        .clamp(lo, hi);
        let info: f64 = self
            .responses
            .iter()
            .map(|r| r.item.information(theta))
            .sum();
        Estimate {
            theta,
            se: 1.0 / info.max(f64::MIN_POSITIVE).sqrt(),
        }
    }

    /// An available item left the pool (given, enemy of a given item, set aside).
    fn leave_pool(&mut self, index: usize) {
        if let Some(c) = self
            .available_per_domain
            .get_mut(self.bank.domain_of(index))
        {
            *c = c.saturating_sub(1);
        }
    }

    fn update_finished(&mut self) {
        let mut any = false;
        for (d, &c) in self
            .domain_available
            .iter_mut()
            .zip(&self.available_per_domain)
        {
            *d = c > 0;
            any |= c > 0;
        }
        let responses = &self.responses;
        let loglik = |theta: f64| -> f64 {
            responses
                .iter()
                .map(|r| r.item.log_likelihood_unchecked(theta, r.score))
                .sum()
        };
        self.finished = self.plan.config.stop.check(&StopInput {
            items: self.log.len(),
            elapsed_ms: self.elapsed_ms,
            any_available: any,
            se: self.estimate.se,
            theta: self.estimate.theta,
            loglik: &loglik,
            given_per_domain: &self.given_per_domain,
            domain_available: &self.domain_available,
            domain_se: &self.domain_se,
        });
    }

    /// Current overall estimate (before any answer: θ₀ and the prior SD).
    pub fn estimate(&self) -> Estimate {
        self.estimate
    }

    /// EAP estimate of each domain from that domain's answers only (with the session's
    /// prior and grid, whatever the overall estimator): O(answers × grid) when the
    /// stopping rules do not already track them.
    pub fn domain_estimates(&self) -> Vec<DomainEstimate> {
        let domains = self.bank.domains();
        let mut out: Vec<DomainEstimate> = Vec::with_capacity(domains.len());
        for (d, name) in domains.iter().enumerate() {
            let plan = &*self.plan;
            let estimate = match self.domain_posteriors.get(d) {
                Some(p) => p.estimate(&plan.nodes),
                None => {
                    let mut p = GridPosterior::default();
                    p.reset(&plan.prior_log_post);
                    for e in &self.log {
                        let i = e.index as usize;
                        if self.bank.domain_of(i) == d {
                            if let Some(it) = self.bank.get(i) {
                                let score = e.score as usize;
                                p.add(plan.posterior_row(i, score), &plan.nodes, &it.item, score);
                            }
                        }
                    }
                    p.estimate(&plan.nodes)
                }
            };
            out.push(DomainEstimate {
                domain: name.clone(),
                items: self.given_per_domain.get(d).copied().unwrap_or(0) as usize,
                estimate,
            });
        }
        out
    }

    /// Why the test is finished, or `None` while it goes on.
    pub fn is_finished(&self) -> Option<StopReason> {
        self.finished
    }

    /// The answers so far.
    pub fn log(&self) -> Vec<LogEntry> {
        self.log
            .iter()
            .map(|e| LogEntry {
                item: self
                    .bank
                    .get(e.index as usize)
                    .map_or_else(String::new, |it| it.id.clone()),
                score: e.score as usize,
                skipped: e.skipped,
                elapsed_ms: e.elapsed_ms,
            })
            .collect()
    }

    /// Number of answers so far.
    pub fn len(&self) -> usize {
        self.log.len()
    }

    /// Whether no answer was given yet.
    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    /// Bank indices of the items given, in order (the simulator's form of the log).
    pub fn administered(&self) -> impl Iterator<Item = usize> + '_ {
        self.log.iter().map(|e| e.index as usize)
    }

    /// Scores obtained, in order.
    pub fn scores(&self) -> impl Iterator<Item = usize> + '_ {
        self.log.iter().map(|e| e.score as usize)
    }

    /// Total time spent, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.elapsed_ms
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.plan.config
    }

    /// Items given per domain (in the bank's domain order).
    pub fn given_per_domain(&self) -> &[u32] {
        &self.given_per_domain
    }

    /// Turns counting of selections on (`true`) or off; see
    /// [`Selector::count_selections`]. Counts survive [`reset`](Session::reset).
    pub fn count_selections(&mut self, on: bool) {
        self.selector
            .count_selections(if on { self.bank.len() } else { 0 });
    }

    /// Times each item was selected (offered to the exposure lottery) since counting
    /// was turned on, in bank order.
    pub fn selections(&self) -> &[u32] {
        self.selector.selections()
    }

    /// The bank.
    pub fn bank(&self) -> &'a Bank {
        self.bank
    }
}
