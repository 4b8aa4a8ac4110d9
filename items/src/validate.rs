//! The live test tried on simulated persons: does it send people to the right place,
//! in few questions? (`repere validate`.)
//!
//! A simulated person takes the test exactly as a person at a kiosk or with an agent
//! does: [`Assessor::start`] with the mode and the context answers, then
//! [`LiveTest::next_item`](crate::assessment::LiveTest::next_item) and
//! [`LiveTest::answer`](crate::assessment::LiveTest::answer) with a **response**
//! (the one the app's renderer records), scored by [`crate::score`], until the engine
//! stops; then [`LiveTest::finish`](crate::assessment::LiveTest::finish), which
//! replays the log and computes the profile as the server does. Nothing is
//! re-implemented: the start rules, the mode's device filters, the context's
//! exclusions, the selection, the stopping rules, the profile, the class and the
//! orientation are the production ones.
//!
//! # How a person answers
//!
//! Each item's **answer model** is the item's own IRT model (2PL, GPCM…), with its
//! difficulty moved when asked (`shift_b` for every item, plus a normal draw of SD
//! `perturb_b` per item, drawn once per run: the bank's expert values are then wrong
//! the way real ones will be). For each item the test shows, one uniform draw `u`
//! gives the category `k` by the inverse of the model's cumulative probabilities at
//! the person's θ for the item's domain: the person *knows* `k` steps of the task.
//!
//! - `k` at the maximum: the right response (`respond::Responses::right`);
//! - `0 < k < max` (stepped simulations, GPCM): the response that achieves exactly
//!   the first `k` steps and stops (`respond::Responses::partial`);
//! - `k = 0`: with [`Style::Skip`], « Je ne sais pas » ([`Response::Skip`]); with
//!   [`Style::Guess`], a blind guess among what the screen offers
//!   ([`respond::guess`]), which the scorer may find right (1 in 3 on a
//!   three-option question).
//!
//! The score is always the scorer's, never assumed: with `Style::Skip` it equals
//! the category drawn (the response builder is tested for that on every live item).
//!
//! # The truth a test is compared with
//!
//! A person has a general ability θ (drawn from the population) and, per domain,
//! `θ_d = θ + δ_d` with `δ_d ~ N(0, domain_sd²)`. By default `domain_sd = 0`: the
//! bank is calibrated as unidimensional, and a spread of the domains that the
//! measurement model does not have would be an assumption of the harness, not a
//! property of the test; with `domain_sd > 0` the answers to a domain's items follow
//! `θ_d`, which shows how far the profile's domain estimates follow real
//! differences. The reference ([`repere_engine::profile::reference`]) is what the
//! référentiel's own rules give at the true values: the class at θ, each domain's
//! level at `θ_d`, each skill's status at its domain's `θ_d`, and the modality the
//! orientation rules give with those and the person's context answers.
//!
//! # Retest, seeds, threads
//!
//! Every person takes the test twice, with independent session seeds and answer
//! draws (same θ, same context): the agreement of the two results is the
//! test–retest figure a trainer would see. Person `i` draws everything from
//! ChaCha8 streams of its own (`seed`, stream `8i + …`): θ and the domain
//! deviations, the context answers, the two session seeds, the answers of each
//! test, the guesses of each test. So a person's results do not depend on the
//! other persons, on the order they are run in or on the number of threads; and two
//! runs with the same seed that differ only in the style, or only in the context,
//! meet the same persons with the same draws of what they know.

use std::collections::{BTreeMap, HashMap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use repere_engine::irt::Item;
use repere_engine::profile::{self, ProfileConfig, Reference};
use repere_engine::simulate::{nice_ceiling, Chart};
use repere_engine::stop::StopReason;

use crate::assessment::{AssessError, Assessor, ContextAnswer, Mode, Outcome, MAX_SEED};
use crate::referentiel::engine_requirements;
use crate::respond::{self, Responses};
use crate::{BankItem, Response};

/// θ values of the conditional figures (first-5 success, RMSE by θ): −3 to 1 by 0.5.
pub const THETA_GRID: [f64; 9] = [-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0];

/// Half-width of a θ bin around a grid point (a normal population is binned).
const BIN_HALF_WIDTH: f64 = 0.25;

/// Start of every simulated test (2026-01-01, Unix ms): the engine never reads it.
const STARTED_AT: u64 = 1_767_225_600_000;

/// Time logged per answer (30 s): only the duration limit reads it.
const ELAPSED_MS: u64 = 30_000;

/// Who is simulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Population {
    /// θ ~ N(mean, sd²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Persons spread evenly over these θ values (person `i` at `thetas[i % len]`).
    Grid {
        /// The θ values.
        thetas: Vec<f64>,
    },
}

impl Population {
    /// Reads `normal:MEAN,SD` or `grid:T1,T2,…`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let numbers = |list: &str| -> Result<Vec<f64>, String> {
            list.split(',')
                .map(|x| {
                    x.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| format!("`{x}` is not a number"))
                })
                .collect()
        };
        match s.split_once(':') {
            Some(("normal", rest)) => match numbers(rest)?.as_slice() {
                [mean, sd] if *sd > 0.0 => Ok(Population::Normal {
                    mean: *mean,
                    sd: *sd,
                }),
                _ => Err(format!("`{s}`: expected normal:MEAN,SD with SD > 0")),
            },
            Some(("grid", rest)) => Ok(Population::Grid {
                thetas: numbers(rest)?,
            }),
            _ => Err(format!("`{s}`: expected normal:MEAN,SD or grid:T1,T2,...")),
        }
    }

    /// The grid of [`THETA_GRID`].
    pub fn theta_grid() -> Self {
        Population::Grid {
            thetas: THETA_GRID.to_vec(),
        }
    }

    /// Short description (`normal:-1,1`).
    pub fn describe(&self) -> String {
        match self {
            Population::Normal { mean, sd } => format!("normal:{mean},{sd}"),
            Population::Grid { thetas } => format!(
                "grid:{}",
                thetas
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

/// What a person does on an item they do not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// « Je ne sais pas ».
    #[default]
    Skip,
    /// A blind guess ([`respond::guess`]).
    Guess,
}

impl Style {
    /// Name (`skip`, `guess`).
    pub fn name(self) -> &'static str {
        match self {
            Style::Skip => "skip",
            Style::Guess => "guess",
        }
    }
}

/// The context answers of the simulated persons.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextMix {
    /// A mix that follows the person's θ ([`Validator`] documents it).
    #[default]
    Random,
    /// The same answers for everyone.
    Fixed(Vec<ContextAnswer>),
}

impl ContextMix {
    /// Reads `random`, `none` (no answer) or `QUESTION=ANSWER,…` (a question
    /// answered several times for a multiple-answer question).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "random" => Ok(ContextMix::Random),
            "none" | "" => Ok(ContextMix::Fixed(Vec::new())),
            list => list
                .split(',')
                .map(|pair| match pair.trim().split_once('=') {
                    Some((q, a)) if !q.trim().is_empty() && !a.trim().is_empty() => {
                        Ok(ContextAnswer {
                            question: q.trim().to_string(),
                            answer: a.trim().to_string(),
                        })
                    }
                    _ => Err(format!("`{pair}` is not QUESTION=ANSWER")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(ContextMix::Fixed),
        }
    }

    /// Short description.
    pub fn describe(&self) -> String {
        match self {
            ContextMix::Random => "random".to_string(),
            ContextMix::Fixed(list) if list.is_empty() => "none".to_string(),
            ContextMix::Fixed(list) => list
                .iter()
                .map(|c| format!("{}={}", c.question, c.answer))
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Where the test is taken (its device filters).
    pub mode: Mode,
    /// Number of persons (each tested twice).
    pub persons: usize,
    /// Seed of the run.
    pub seed: u64,
    /// Who.
    pub population: Population,
    /// Their context answers.
    pub context: ContextMix,
    /// What they do when they do not know.
    pub style: Style,
    /// Every item's true difficulty is the bank's plus this (logits).
    pub shift_b: f64,
    /// Plus a normal draw of this SD per item (drawn once per run).
    pub perturb_b: f64,
    /// SD of the persons' domain deviations around their θ (0: unidimensional).
    pub domain_sd: f64,
    /// The parameters the answers follow, by item id, before `shift_b` and
    /// `perturb_b` (`None`, or an id not listed: the bank's own). A bank calibrated
    /// again is measured against the truth its data came from.
    #[serde(skip)]
    pub truth: Option<std::sync::Arc<BTreeMap<String, Item>>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Agent,
            persons: 1000,
            seed: 1,
            population: Population::Normal {
                mean: -1.0,
                sd: 1.0,
            },
            context: ContextMix::Random,
            style: Style::Skip,
            shift_b: 0.0,
            perturb_b: 0.0,
            domain_sd: 0.0,
            truth: None,
        }
    }
}

/// Why a run cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// An option is out of range.
    #[error("{0}")]
    Options(String),
    /// No response could be built for an item.
    #[error("{0}")]
    Response(String),
    /// The live test refused something (a bug of the harness or of the rules).
    #[error("person {person}, test {test}: {source}")]
    Test {
        /// Person index.
        person: usize,
        /// 1 or 2.
        test: usize,
        /// Why.
        source: AssessError,
    },
    /// The reference could not be computed.
    #[error("reference: {0}")]
    Reference(#[from] profile::ProfileError),
}

/// One test of a simulated person, in indices of the rules (compact: a run keeps
/// tens of thousands).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// Items given.
    pub length: usize,
    /// Why the engine stopped (`None`: the person ended it, never here).
    pub stop: Option<StopReason>,
    /// θ̂.
    pub theta: f64,
    /// SE.
    pub se: f64,
    /// Class index in the rules.
    pub class: u8,
    /// The result says « proche de la limite » (near a class cut point).
    pub borderline: bool,
    /// Modality index.
    pub modality: u8,
    /// Level index of every domain.
    pub domain_levels: Vec<u8>,
    /// Whether each domain had enough answers for its level.
    pub domain_enough: Vec<bool>,
    /// Status index of every skill.
    pub skill_statuses: Vec<u8>,
    /// Indices (engine bank) of the items given, in order.
    pub items: Vec<u32>,
    /// The score of each of them (a « Je ne sais pas » scores 0).
    pub scores: Vec<u8>,
    /// Share of the maximum score obtained on the first five items.
    pub first5: f64,
    /// Answers that were « Je ne sais pas ».
    pub skips: usize,
}

/// One simulated person with the reference and both tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonResult {
    /// General θ.
    pub theta: f64,
    /// θ of every domain (rules' order).
    pub domain_thetas: Vec<f64>,
    /// Context answers given.
    pub context: Vec<ContextAnswer>,
    /// Reference class index.
    pub class: u8,
    /// Reference modality index.
    pub modality: u8,
    /// Reference level index of every domain.
    pub domain_levels: Vec<u8>,
    /// Reference status index of every skill.
    pub skill_statuses: Vec<u8>,
    /// The test and the retest.
    pub tests: [TestResult; 2],
}

/// A run's simulated persons, ready to run (one per thread or all on one).
pub struct Validator<'a> {
    assessor: &'a Assessor<'a>,
    options: Options,
    /// Answer model of every live item (engine bank order).
    truth: Vec<Item>,
    /// Responses of every live item.
    responses: Vec<Responses>,
    /// Live item id → engine bank index.
    index: HashMap<&'a str, usize>,
    /// Domain (rules' index) of every live item.
    item_domain: Vec<usize>,
    /// Whether each live item can be shown in the mode at all.
    usable: Vec<bool>,
}

fn index_of(list: &[String], id: &str) -> u8 {
    list.iter().position(|x| x == id).unwrap_or(0) as u8
}

/// A standard normal draw (Box–Muller, one of the pair).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    let r = (-2.0 * (1.0 - u1).ln()).sqrt();
    r * (std::f64::consts::TAU * u2).cos()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The item's parameters with its difficulties moved by `delta`.
fn shifted(item: &Item, delta: f64) -> Result<Item, String> {
    let r = match item {
        Item::Logistic(l) => Item::logistic(l.a, l.b + delta, l.c, l.d),
        Item::Gpcm(g) => Item::gpcm(g.a, g.steps.iter().map(|s| s + delta).collect()),
        Item::Grm(g) => Item::grm(g.a, g.thresholds.iter().map(|s| s + delta).collect()),
    };
    r.map_err(|e| e.to_string())
}

/// The category whose cumulated probability first exceeds `u`.
fn category(item: &Item, theta: f64, u: f64) -> usize {
    let max = item.max_score();
    let mut acc = 0.0;
    for k in 0..=max {
        acc += item.prob(theta, k);
        if u < acc {
            return k;
        }
    }
    max
}

impl<'a> Validator<'a> {
    /// Prepares a run: the answer models (shifted and perturbed), the responses of
    /// every live item (an item without them is an error: the harness could not
    /// answer it as a person would).
    pub fn new(assessor: &'a Assessor<'a>, options: Options) -> Result<Self, ValidateError> {
        let bad = |m: String| Err(ValidateError::Options(m));
        if options.persons == 0 {
            return bad("persons must be at least 1".to_string());
        }
        if !(options.shift_b.is_finite()
            && options.perturb_b.is_finite()
            && options.perturb_b >= 0.0
            && options.domain_sd.is_finite()
            && options.domain_sd >= 0.0)
        {
            return bad("shift-b must be finite, perturb-b and domain-sd finite and >= 0".into());
        }
        if let Population::Grid { thetas } = &options.population {
            if thetas.is_empty() {
                return bad("the θ grid is empty".to_string());
            }
        }
        if let ContextMix::Fixed(list) = &options.context {
            assessor
                .check_context(list)
                .map_err(|e| ValidateError::Options(format!("context: {e}")))?;
        }
        let eb = assessor.engine_bank();
        let config = assessor.profile_config();
        let mut perturb = ChaCha8Rng::seed_from_u64(options.seed);
        perturb.set_stream(u64::MAX);
        let mut truth = Vec::with_capacity(eb.len());
        let mut responses = Vec::with_capacity(eb.len());
        let mut index = HashMap::new();
        let mut item_domain = Vec::with_capacity(eb.len());
        let unavailable = engine_requirements(assessor.unavailable(options.mode));
        let mut usable = Vec::with_capacity(eb.len());
        for (i, it) in eb.items().iter().enumerate() {
            let delta = options.shift_b + options.perturb_b * normal(&mut perturb);
            let base = options
                .truth
                .as_ref()
                .and_then(|t| t.get(&it.id))
                .unwrap_or(&it.item);
            truth.push(
                shifted(base, delta)
                    .map_err(|e| ValidateError::Options(format!("item `{}`: {e}", it.id)))?,
            );
            let item: &'a BankItem = assessor.bank().item(&it.id).ok_or_else(|| {
                ValidateError::Response(format!("item `{}` is not in the bank", it.id))
            })?;
            responses.push(respond::responses(item).map_err(|e| {
                ValidateError::Response(format!("no response for a simulated person: {e}"))
            })?);
            index.insert(item.id.as_str(), i);
            item_domain.push(
                config
                    .domains
                    .iter()
                    .position(|d| d.id == it.domain)
                    .unwrap_or(0),
            );
            usable.push(it.requires.compatible_with(unavailable));
        }
        Ok(Validator {
            assessor,
            options,
            truth,
            responses,
            index,
            item_domain,
            usable,
        })
    }

    /// The options of the run.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The assessor.
    pub fn assessor(&self) -> &'a Assessor<'a> {
        self.assessor
    }

    fn rng(&self, person: usize, stream: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
        rng.set_stream((person as u64).wrapping_mul(8).wrapping_add(stream));
        rng
    }

    /// The random context mix, drawn from the person's θ. An assumption of the
    /// harness, not data: people with more ability more often own a smartphone
    /// (P = logistic(1.5(θ + 2))), a computer (logistic(1.2(θ − 0.2))), a tablet
    /// (0.2 logistic(θ + 1)), « aucun appareil » when none; an e-mail address
    /// (logistic(1.5(θ + 1.2))), else « non » (70 %) or « je ne sais pas »; goals
    /// independent of θ (démarches 55 %, famille 35 %, emploi 20 %, santé 30 %);
    /// « je vois mal » 5 %; with a smartphone, its system: Android 65 %, iPhone
    /// 24.5 %, « je ne sais pas » 10.5 % (it changes only the look of the screens).
    /// Answers the context file does not define are left out.
    fn random_context(&self, theta: f64, rng: &mut ChaCha8Rng) -> Vec<ContextAnswer> {
        let mut out = Vec::new();
        let mut push = |q: &str, a: &str| {
            out.push(ContextAnswer {
                question: q.to_string(),
                answer: a.to_string(),
            })
        };
        let mut coin = |p: f64| rng.random::<f64>() < p;
        let mut equipment = Vec::new();
        if coin(logistic(1.5 * (theta + 2.0))) {
            equipment.push("smartphone");
        }
        if coin(logistic(1.2 * (theta - 0.2))) {
            equipment.push("computer");
        }
        if coin(0.2 * logistic(theta + 1.0)) {
            equipment.push("tablet");
        }
        if equipment.is_empty() {
            equipment.push("none");
        }
        let equipment_has_smartphone = equipment.contains(&"smartphone");
        for e in equipment {
            push("equipment", e);
        }
        let email = if coin(logistic(1.5 * (theta + 1.2))) {
            "yes"
        } else if coin(0.7) {
            "no"
        } else {
            "unknown"
        };
        push("email", email);
        for (goal, p) in [
            ("demarches", 0.55),
            ("famille", 0.35),
            ("emploi", 0.2),
            ("sante", 0.3),
        ] {
            if coin(p) {
                push("goal", goal);
            }
        }
        push("sight", if coin(0.05) { "no" } else { "yes" });
        // Drawn last, so that the draws above are those of the bank before the
        // question existed (the same persons, the same figures).
        if equipment_has_smartphone {
            let phone = if coin(0.65) {
                "android"
            } else if coin(0.7) {
                "iphone"
            } else {
                "unknown"
            };
            push("phone", phone);
        }
        // Keep what the context file defines, in its question order.
        let questions = &self.assessor.bank().context.questions;
        let mut kept: Vec<(usize, usize, ContextAnswer)> = out
            .into_iter()
            .filter_map(|c| {
                let qi = questions.iter().position(|q| q.id == c.question)?;
                let ai = questions[qi]
                    .answers
                    .iter()
                    .position(|a| a.id == c.answer)?;
                Some((qi, ai, c))
            })
            .collect();
        kept.sort_by_key(|(q, a, _)| (*q, *a));
        kept.into_iter().map(|(_, _, c)| c).collect()
    }

    /// Simulates person `index` (θ, context, reference, test and retest).
    pub fn person(&self, index: usize) -> Result<PersonResult, ValidateError> {
        let config = self.assessor.profile_config();
        let mut rng = self.rng(index, 0);
        let theta = match &self.options.population {
            Population::Normal { mean, sd } => mean + sd * normal(&mut rng),
            Population::Grid { thetas } => thetas[index % thetas.len()],
        };
        let domain_thetas: Vec<f64> = config
            .domains
            .iter()
            .map(|_| theta + self.options.domain_sd * normal(&mut rng))
            .collect();
        let context = match &self.options.context {
            ContextMix::Random => self.random_context(theta, &mut self.rng(index, 1)),
            ContextMix::Fixed(list) => list.clone(),
        };
        let reference = profile::reference(config, theta, &domain_thetas, &context)?;
        let mut seeds = self.rng(index, 2);
        let seed1 = seeds.random::<u64>() & MAX_SEED;
        let seed2 = seeds.random::<u64>() & MAX_SEED;
        let tests = [
            self.test(index, 0, seed1, &domain_thetas, &context)?,
            self.test(index, 1, seed2, &domain_thetas, &context)?,
        ];
        Ok(self.person_result(theta, domain_thetas, context, &reference, tests))
    }

    fn person_result(
        &self,
        theta: f64,
        domain_thetas: Vec<f64>,
        context: Vec<ContextAnswer>,
        r: &Reference,
        tests: [TestResult; 2],
    ) -> PersonResult {
        let names = Names::of(self.assessor.profile_config());
        PersonResult {
            theta,
            domain_thetas,
            context,
            class: index_of(&names.classes, &r.class),
            modality: index_of(&names.modalities, &r.modality),
            domain_levels: r
                .domain_levels
                .iter()
                .map(|l| index_of(&names.levels, l))
                .collect(),
            skill_statuses: r
                .skill_statuses
                .iter()
                .map(|s| index_of(&names.statuses, s))
                .collect(),
            tests,
        }
    }

    /// One test (`t` = 0 or 1) of person `index` with session seed `seed`.
    fn test(
        &self,
        index: usize,
        t: usize,
        seed: u64,
        domain_thetas: &[f64],
        context: &[ContextAnswer],
    ) -> Result<TestResult, ValidateError> {
        let err = |source| ValidateError::Test {
            person: index,
            test: t + 1,
            source,
        };
        let id = format!(
            "00000000-0000-4000-8{:03x}-{:012x}",
            t,
            index as u64 & 0xffff_ffff_ffff
        );
        let mut live = self
            .assessor
            .start(id, seed, self.options.mode, context.to_vec(), STARTED_AT)
            .map_err(err)?;
        let mut answers = self.rng(index, 3 + t as u64);
        let mut guesses = self.rng(index, 5 + t as u64);
        let mut items = Vec::new();
        let (mut first5, mut first5_max) = (0usize, 0usize);
        let mut skips = 0;
        while let Some(item) = live.next_item() {
            let Some(&j) = self.index.get(item.id.as_str()) else {
                return Err(ValidateError::Response(format!(
                    "item `{}` is not a live item of the engine bank",
                    item.id
                )));
            };
            let theta = domain_thetas
                .get(self.item_domain[j])
                .copied()
                .unwrap_or(0.0);
            let u: f64 = answers.random();
            let k = category(&self.truth[j], theta, u);
            let response = if k > 0 {
                self.responses[j].for_score(k).response.clone()
            } else {
                match self.options.style {
                    Style::Skip => Response::Skip,
                    Style::Guess => {
                        respond::guess(item, &self.responses[j], &mut || guesses.random::<f64>())
                    }
                }
            };
            if response == Response::Skip {
                skips += 1;
            }
            let score = live.answer(&item.id, response, ELAPSED_MS).map_err(err)?;
            if items.len() < 5 {
                first5 += score;
                first5_max += item.max_score();
            }
            items.push(j as u32);
        }
        let finished_at = STARTED_AT + ELAPSED_MS * items.len() as u64;
        let (_, outcome) = live.finish(finished_at).map_err(err)?;
        Ok(self.test_result(&outcome, items, first5, first5_max, skips))
    }

    fn test_result(
        &self,
        outcome: &Outcome,
        items: Vec<u32>,
        first5: usize,
        first5_max: usize,
        skips: usize,
    ) -> TestResult {
        let names = Names::of(self.assessor.profile_config());
        let p = &outcome.profile;
        TestResult {
            length: items.len(),
            stop: outcome.stop,
            theta: outcome.estimate.theta,
            se: outcome.estimate.se,
            class: index_of(&names.classes, &p.class.id),
            borderline: p.class.near.is_some(),
            modality: index_of(&names.modalities, &p.orientation.modality),
            domain_levels: p
                .domains
                .iter()
                .map(|d| index_of(&names.levels, &d.level))
                .collect(),
            domain_enough: p.domains.iter().map(|d| !d.not_enough_answers).collect(),
            skill_statuses: p
                .skills
                .iter()
                .map(|s| index_of(&names.statuses, &s.status))
                .collect(),
            scores: outcome
                .answers
                .iter()
                .map(|a| u8::try_from(a.score).unwrap_or(u8::MAX))
                .collect(),
            items,
            first5: if first5_max == 0 {
                0.0
            } else {
                first5 as f64 / first5_max as f64
            },
            skips,
        }
    }

    /// Runs persons `range` in order on this thread.
    pub fn run_range(
        &self,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<PersonResult>, ValidateError> {
        range.map(|i| self.person(i)).collect()
    }

    /// Runs every person on `threads` threads (contiguous chunks; the results are
    /// in person order and the same for any number of threads).
    pub fn run(&self, threads: usize) -> Result<Vec<PersonResult>, ValidateError> {
        let n = self.options.persons;
        let threads = threads.clamp(1, n.max(1));
        if threads == 1 {
            return self.run_range(0..n);
        }
        let chunk = n.div_ceil(threads);
        let parts: Vec<Result<Vec<PersonResult>, ValidateError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    let range = (k * chunk).min(n)..((k + 1) * chunk).min(n);
                    s.spawn(move || self.run_range(range))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ValidateError::Options(
                            "a simulation thread panicked".into(),
                        ))
                    })
                })
                .collect()
        });
        let mut out = Vec::with_capacity(n);
        for p in parts {
            out.extend(p?);
        }
        Ok(out)
    }

    /// The figures of a run.
    pub fn report(&self, persons: &[PersonResult], seconds: f64) -> Report {
        Report::new(self, persons, seconds)
    }

    /// Every answer of every test, as `repere calibrate` reads them: a header
    /// `person;item;score`, then one line per answer; each test is one person,
    /// `p<index>t<1|2>`.
    pub fn answers_csv(&self, persons: &[PersonResult]) -> String {
        use std::fmt::Write as _;
        let eb = self.assessor.engine_bank();
        let mut out = String::from("person;item;score\n");
        for (i, p) in persons.iter().enumerate() {
            for (t, test) in p.tests.iter().enumerate() {
                for (&j, &score) in test.items.iter().zip(&test.scores) {
                    if let Some(it) = eb.items().get(j as usize) {
                        let _ = writeln!(out, "p{i}t{};{};{score}", t + 1, it.id);
                    }
                }
            }
        }
        out
    }

    /// One line per person (first test, then the retest's class and modality):
    /// true θ, θ̂, SE, length, why the test stopped, the reference and the result's
    /// class, « proche de la limite », the reference and the result's modality.
    pub fn persons_csv(&self, persons: &[PersonResult]) -> String {
        use std::fmt::Write as _;
        let names = Names::of(self.assessor.profile_config());
        let name = |list: &[String], i: u8| list.get(i as usize).cloned().unwrap_or_default();
        let mut out = String::from(
            "person;theta;theta_hat;se;length;stop;class_ref;class;borderline;\
             modality_ref;modality;retest_class;retest_modality\n",
        );
        for (i, p) in persons.iter().enumerate() {
            let [t, r] = &p.tests;
            let _ = writeln!(
                out,
                "{i};{:.4};{:.4};{:.4};{};{};{};{};{};{};{};{};{}",
                p.theta,
                t.theta,
                t.se,
                t.length,
                t.stop.map_or("person", StopReason::name),
                name(&names.classes, p.class),
                name(&names.classes, t.class),
                u8::from(t.borderline),
                name(&names.modalities, p.modality),
                name(&names.modalities, t.modality),
                name(&names.classes, r.class),
                name(&names.modalities, r.modality),
            );
        }
        out
    }
}

/// Ids of the rules, by index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Names {
    /// Class ids, lowest first.
    pub classes: Vec<String>,
    /// Modality ids.
    pub modalities: Vec<String>,
    /// Level ids.
    pub levels: Vec<String>,
    /// Domain ids.
    pub domains: Vec<String>,
    /// Status ids.
    pub statuses: Vec<String>,
    /// Skill ids.
    pub skills: Vec<String>,
}

impl Names {
    /// The ids of these rules.
    pub fn of(c: &ProfileConfig) -> Self {
        Names {
            classes: c.classes.iter().map(|x| x.id.clone()).collect(),
            modalities: c
                .orientation
                .modalities
                .iter()
                .map(|x| x.id.clone())
                .collect(),
            levels: c.levels.iter().map(|x| x.id.clone()).collect(),
            domains: c.domains.iter().map(|x| x.id.clone()).collect(),
            statuses: c.statuses.iter().map(|x| x.id.clone()).collect(),
            skills: c.skills.iter().map(|x| x.id.clone()).collect(),
        }
    }
}

/// A rate at one θ of the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThetaRate {
    /// θ.
    pub theta: f64,
    /// The rate (NaN-free: 0 when `persons` is 0).
    pub rate: f64,
    /// Persons it is computed on.
    pub persons: usize,
}

/// Figures of the persons near one θ of the grid (first tests).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThetaBin {
    /// θ (centre of the bin, ± 0.25 for a normal population).
    pub theta: f64,
    /// Persons in the bin.
    pub persons: usize,
    /// RMSE of θ̂.
    pub rmse: f64,
    /// Mean of θ̂ − θ.
    pub bias: f64,
    /// Mean length.
    pub mean_length: f64,
    /// Share of the maximum score on the first five items.
    pub first5_success: f64,
    /// Class right (all results).
    pub class_accuracy: f64,
    /// Share of borderline results.
    pub borderline_share: f64,
}

/// One item's exposure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// Item id.
    pub item: String,
    /// Share of the tests that showed it.
    pub rate: f64,
}

/// What `repere validate` measures. Field names are fixed: scripts and the
/// targets test read them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Persons simulated (each tested twice).
    pub persons: usize,
    /// `agent`, `kiosk` or `self`.
    pub mode: String,
    /// Seed of the run.
    pub seed: u64,
    /// `normal:MEAN,SD` or `grid:…`.
    pub population: String,
    /// `random`, `none` or the fixed answers.
    pub context: String,
    /// `skip` or `guess`.
    pub style: String,
    /// Shift of every item's true difficulty.
    pub shift_b: f64,
    /// SD of the per-item perturbation of the true difficulties.
    pub perturb_b: f64,
    /// SD of the domain deviations.
    pub domain_sd: f64,
    /// Référentiel version whose rules ran.
    pub referentiel_version: String,
    /// Mean number of items (first tests).
    pub mean_length: f64,
    /// Median number of items.
    pub median_length: f64,
    /// 90th percentile of the number of items.
    pub p90_length: f64,
    /// Share of tests that stopped at the maximum number of items.
    pub cap_share: f64,
    /// Share of tests by stop reason.
    pub stop_reasons: BTreeMap<String, f64>,
    /// √mean (θ̂ − θ)².
    pub rmse: f64,
    /// Mean θ̂ − θ.
    pub bias: f64,
    /// Mean SE reported by the tests.
    pub mean_se: f64,
    /// Class right, among results that are not borderline.
    pub class_accuracy: f64,
    /// Class right, all results.
    pub class_accuracy_all: f64,
    /// Same class in the test and the retest.
    pub class_retest_agreement: f64,
    /// Cohen's κ of the test and retest classes.
    pub class_kappa: f64,
    /// Modality right.
    pub modality_accuracy: f64,
    /// Same modality in the test and the retest.
    pub modality_retest_agreement: f64,
    /// Share of results « proche de la limite ».
    pub borderline_share: f64,
    /// Level right, per domain (all results).
    pub domain_level_accuracy: BTreeMap<String, f64>,
    /// Level right, per domain, where the profile says the domain had enough
    /// answers.
    pub domain_level_accuracy_enough: BTreeMap<String, f64>,
    /// Share of results whose domain had enough answers.
    pub domain_enough_share: BTreeMap<String, f64>,
    /// Same level in the test and the retest, per domain.
    pub domain_level_retest_agreement: BTreeMap<String, f64>,
    /// Skill status right (all skills, all persons).
    pub skill_status_accuracy: f64,
    /// Share of the maximum score on the first five items, by θ.
    pub first5_success: Vec<ThetaRate>,
    /// Conditional figures by θ.
    pub by_theta: Vec<ThetaBin>,
    /// Tests by length (index = number of items).
    pub length_histogram: Vec<usize>,
    /// Class names (rows: reference, columns: result).
    pub classes: Vec<String>,
    /// Counts of reference class × result class (first tests).
    pub class_confusion: Vec<Vec<usize>>,
    /// Counts of reference class × borderline results.
    pub class_borderline: Vec<usize>,
    /// Modality names (rows: reference, columns: result).
    pub modalities: Vec<String>,
    /// Counts of reference modality × result modality (first tests).
    pub modality_confusion: Vec<Vec<usize>>,
    /// Share of « Je ne sais pas » among answers.
    pub skip_share: f64,
    /// Largest exposure (share of the tests showing the item; both tests).
    pub exposure_max: f64,
    /// Share of the items the mode can show that no test showed.
    pub never_used_share: f64,
    /// Items the mode can show.
    pub usable_items: usize,
    /// Every usable item's exposure, most exposed first.
    pub exposure: Vec<Exposure>,
    /// Wall-clock seconds of the run (not a measure of the test: of the machine).
    pub seconds: f64,
}

/// The first test of a person (the figures that are not about the retest).
fn first(p: &PersonResult) -> &TestResult {
    &p.tests[0]
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        s / n as f64
    }
}

fn share(it: impl Iterator<Item = bool>) -> f64 {
    mean(it.map(|b| if b { 1.0 } else { 0.0 }))
}

/// The `q`-quantile of sorted values (type 7, R's default).
fn quantile(sorted: &[usize], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo] as f64, sorted[hi.min(sorted.len() - 1)] as f64);
    a + (h - lo as f64) * (b - a)
}

/// Cohen's κ of two ratings of the same persons over `k` categories.
pub fn kappa(pairs: &[(u8, u8)], k: usize) -> f64 {
    let n = pairs.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    let mut a = vec![0.0; k];
    let mut b = vec![0.0; k];
    let mut agree = 0.0;
    for &(x, y) in pairs {
        if let Some(v) = a.get_mut(x as usize) {
            *v += 1.0;
        }
        if let Some(v) = b.get_mut(y as usize) {
            *v += 1.0;
        }
        if x == y {
            agree += 1.0;
        }
    }
    let po = agree / n;
    let pe: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>() / (n * n);
    if pe >= 1.0 {
        1.0
    } else {
        (po - pe) / (1.0 - pe)
    }
}

impl Report {
    fn new(v: &Validator<'_>, persons: &[PersonResult], seconds: f64) -> Self {
        let o = &v.options;
        let config = v.assessor.profile_config();
        let names = Names::of(config);
        let max_items = v.assessor.session_rules().stop.max_items;
        let mut lengths: Vec<usize> = persons.iter().map(|p| first(p).length).collect();
        lengths.sort_unstable();
        let mut histogram = vec![0usize; lengths.last().copied().unwrap_or(0) + 1];
        for &l in &lengths {
            histogram[l] += 1;
        }
        let mut stop_reasons = BTreeMap::new();
        for p in persons {
            let name = first(p).stop.map_or("person", StopReason::name);
            *stop_reasons.entry(name.to_string()).or_insert(0.0) += 1.0;
        }
        for v in stop_reasons.values_mut() {
            *v /= persons.len().max(1) as f64;
        }
        let err = |p: &PersonResult| first(p).theta - p.theta;
        let decided: Vec<&PersonResult> = persons.iter().filter(|p| !first(p).borderline).collect();
        let nclass = names.classes.len();
        let mut confusion = vec![vec![0usize; nclass]; nclass];
        let mut class_borderline = vec![0usize; nclass];
        for p in persons {
            let t = first(p);
            if let Some(row) = confusion.get_mut(p.class as usize) {
                if let Some(c) = row.get_mut(t.class as usize) {
                    *c += 1;
                }
            }
            if t.borderline {
                if let Some(c) = class_borderline.get_mut(p.class as usize) {
                    *c += 1;
                }
            }
        }
        let nmod = names.modalities.len();
        let mut modality_confusion = vec![vec![0usize; nmod]; nmod];
        for p in persons {
            if let Some(c) = modality_confusion
                .get_mut(p.modality as usize)
                .and_then(|row| row.get_mut(first(p).modality as usize))
            {
                *c += 1;
            }
        }
        let class_pairs: Vec<(u8, u8)> = persons
            .iter()
            .map(|p| (p.tests[0].class, p.tests[1].class))
            .collect();
        let per_domain = |f: &dyn Fn(&PersonResult, usize) -> Option<bool>| {
            names
                .domains
                .iter()
                .enumerate()
                .map(|(d, id)| {
                    let hits: Vec<bool> = persons.iter().filter_map(|p| f(p, d)).collect();
                    (id.clone(), share(hits.into_iter()))
                })
                .collect::<BTreeMap<String, f64>>()
        };
        let domain_level_accuracy =
            per_domain(&|p, d| Some(first(p).domain_levels.get(d) == p.domain_levels.get(d)));
        let domain_level_accuracy_enough = per_domain(&|p, d| {
            (first(p).domain_enough.get(d) == Some(&true))
                .then(|| first(p).domain_levels.get(d) == p.domain_levels.get(d))
        });
        let domain_enough_share =
            per_domain(&|p, d| Some(first(p).domain_enough.get(d) == Some(&true)));
        let domain_level_retest_agreement = per_domain(&|p, d| {
            Some(p.tests[0].domain_levels.get(d) == p.tests[1].domain_levels.get(d))
        });
        let skill_status_accuracy = share(persons.iter().flat_map(|p| {
            first(p)
                .skill_statuses
                .iter()
                .zip(&p.skill_statuses)
                .map(|(a, b)| a == b)
        }));
        let grid = match &o.population {
            Population::Grid { thetas } => {
                let mut t = thetas.clone();
                t.sort_by(f64::total_cmp);
                t.dedup();
                t
            }
            Population::Normal { .. } => THETA_GRID.to_vec(),
        };
        let exact = matches!(o.population, Population::Grid { .. });
        let by_theta: Vec<ThetaBin> = grid
            .iter()
            .map(|&g| {
                let bin: Vec<&PersonResult> = persons
                    .iter()
                    .filter(|p| {
                        if exact {
                            p.theta == g
                        } else {
                            (p.theta - g).abs() <= BIN_HALF_WIDTH
                        }
                    })
                    .collect();
                ThetaBin {
                    theta: g,
                    persons: bin.len(),
                    rmse: mean(bin.iter().map(|p| err(p).powi(2))).sqrt(),
                    bias: mean(bin.iter().map(|p| err(p))),
                    mean_length: mean(bin.iter().map(|p| first(p).length as f64)),
                    first5_success: mean(bin.iter().map(|p| first(p).first5)),
                    class_accuracy: share(bin.iter().map(|p| first(p).class == p.class)),
                    borderline_share: share(bin.iter().map(|p| first(p).borderline)),
                }
            })
            .collect();
        let first5_success = by_theta
            .iter()
            .map(|b| ThetaRate {
                theta: b.theta,
                rate: b.first5_success,
                persons: b.persons,
            })
            .collect();
        // Exposure over both tests of every person.
        let eb = v.assessor.engine_bank();
        let mut shown = vec![0usize; eb.len()];
        for p in persons {
            for t in &p.tests {
                for &i in &t.items {
                    if let Some(c) = shown.get_mut(i as usize) {
                        *c += 1;
                    }
                }
            }
        }
        let tests = (2 * persons.len()).max(1) as f64;
        let mut exposure: Vec<Exposure> = eb
            .items()
            .iter()
            .zip(&shown)
            .zip(&v.usable)
            .filter(|(_, &u)| u)
            .map(|((it, &c), _)| Exposure {
                item: it.id.clone(),
                rate: c as f64 / tests,
            })
            .collect();
        exposure.sort_by(|a, b| b.rate.total_cmp(&a.rate).then(a.item.cmp(&b.item)));
        let usable_items = exposure.len();
        let answers: usize = persons.iter().map(|p| first(p).length).sum();
        let skips: usize = persons.iter().map(|p| first(p).skips).sum();
        Report {
            persons: persons.len(),
            mode: o.mode.name().to_string(),
            seed: o.seed,
            population: o.population.describe(),
            context: o.context.describe(),
            style: o.style.name().to_string(),
            shift_b: o.shift_b,
            perturb_b: o.perturb_b,
            domain_sd: o.domain_sd,
            referentiel_version: v.assessor.bank().version().to_string(),
            mean_length: mean(lengths.iter().map(|&l| l as f64)),
            median_length: quantile(&lengths, 0.5),
            p90_length: quantile(&lengths, 0.9),
            cap_share: share(persons.iter().map(|p| first(p).length >= max_items)),
            stop_reasons,
            rmse: mean(persons.iter().map(|p| err(p).powi(2))).sqrt(),
            bias: mean(persons.iter().map(err)),
            mean_se: mean(persons.iter().map(|p| first(p).se)),
            class_accuracy: share(decided.iter().map(|p| first(p).class == p.class)),
            class_accuracy_all: share(persons.iter().map(|p| first(p).class == p.class)),
            class_retest_agreement: share(class_pairs.iter().map(|(a, b)| a == b)),
            class_kappa: kappa(&class_pairs, nclass),
            modality_accuracy: share(persons.iter().map(|p| first(p).modality == p.modality)),
            modality_retest_agreement: share(
                persons
                    .iter()
                    .map(|p| p.tests[0].modality == p.tests[1].modality),
            ),
            borderline_share: share(persons.iter().map(|p| first(p).borderline)),
            domain_level_accuracy,
            domain_level_accuracy_enough,
            domain_enough_share,
            domain_level_retest_agreement,
            skill_status_accuracy,
            first5_success,
            by_theta,
            length_histogram: histogram,
            classes: names.classes,
            class_confusion: confusion,
            class_borderline,
            modalities: names.modalities,
            modality_confusion,
            skip_share: if answers == 0 {
                0.0
            } else {
                skips as f64 / answers as f64
            },
            exposure_max: exposure.first().map_or(0.0, |e| e.rate),
            never_used_share: share(exposure.iter().map(|e| e.rate == 0.0)),
            usable_items,
            exposure,
            seconds,
        }
    }
}

impl Report {
    /// Histogram of the test lengths (SVG).
    pub fn length_svg(&self) -> String {
        let n = self.length_histogram.len().max(2);
        let top = self
            .length_histogram
            .iter()
            .copied()
            .max()
            .unwrap_or(1)
            .max(1);
        let mut c = Chart::new(
            "Test length",
            "items",
            "tests",
            (0.0, n as f64),
            (0.0, nice_ceiling(top as f64)),
        );
        for (l, &k) in self.length_histogram.iter().enumerate() {
            if k > 0 {
                c.bar(l as f64, l as f64 + 1.0, k as f64, "#0d47a1");
            }
        }
        c.finish()
    }

    /// Success on the first five items and RMSE, by θ (SVG).
    pub fn by_theta_svg(&self) -> String {
        let rows: Vec<&ThetaBin> = self.by_theta.iter().filter(|b| b.persons > 0).collect();
        let x0 = self.by_theta.first().map_or(-3.0, |b| b.theta);
        let x1 = self.by_theta.last().map_or(1.0, |b| b.theta);
        let mut c = Chart::new(
            "First five items and precision, by θ",
            "true θ",
            "share / logits",
            (x0, x1.max(x0 + 0.5)),
            (0.0, 1.0),
        );
        c.line(
            "success, first 5 items",
            "#1b5e20",
            &rows
                .iter()
                .map(|b| (b.theta, b.first5_success))
                .collect::<Vec<_>>(),
        );
        c.line(
            "RMSE of θ̂",
            "#b71c1c",
            &rows.iter().map(|b| (b.theta, b.rmse)).collect::<Vec<_>>(),
        );
        c.line(
            "class right",
            "#0d47a1",
            &rows
                .iter()
                .map(|b| (b.theta, b.class_accuracy))
                .collect::<Vec<_>>(),
        );
        c.finish()
    }

    /// Exposure of every usable item, most exposed first (SVG).
    pub fn exposure_svg(&self) -> String {
        let n = self.exposure.len().max(1);
        let mut c = Chart::new(
            "Item exposure (most exposed first)",
            "items",
            "share of tests",
            (0.0, n as f64),
            (0.0, nice_ceiling(self.exposure_max.max(0.05))),
        );
        for (i, e) in self.exposure.iter().enumerate() {
            c.bar(i as f64, i as f64 + 1.0, e.rate, "#0d47a1");
        }
        c.finish()
    }

    /// Reference class × result class, counts and row shares (SVG).
    pub fn confusion_svg(&self) -> String {
        use std::fmt::Write as _;
        let k = self.classes.len();
        let cell = 110.0;
        let (left, top) = (190.0, 90.0);
        let w = left + cell * (k as f64 + 1.0) + 20.0;
        let h = top + cell * k as f64 + 30.0;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="13"><title>Autonomy class: reference (rows) and result (columns)</title><rect width="{w}" height="{h}" fill="white"/><text x="{}" y="24" text-anchor="middle" font-size="16">Class: reference (rows) × result (columns)</text>"#,
            w / 2.0
        );
        for (j, name) in self
            .classes
            .iter()
            .chain(["(of which near a cut)".to_string()].iter())
            .enumerate()
        {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                left + cell * (j as f64 + 0.5),
                top - 12.0,
                xml(name)
            );
        }
        for (i, name) in self.classes.iter().enumerate() {
            let row = &self.class_confusion[i];
            let total = row.iter().sum::<usize>().max(1) as f64;
            let y = top + cell * i as f64;
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                left - 10.0,
                y + cell / 2.0 + 4.0,
                xml(name)
            );
            let cells =
                row.iter()
                    .copied()
                    .chain([self.class_borderline.get(i).copied().unwrap_or(0)]);
            for (j, n) in cells.enumerate() {
                let x = left + cell * j as f64;
                let share = n as f64 / total;
                let fill = if j == i { "#1b5e20" } else { "#b71c1c" };
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{cell}" height="{cell}" fill="{fill}" fill-opacity="{share:.3}" stroke="#999"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{n}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">{:.0} %</text>"##,
                    x + cell / 2.0,
                    y + cell / 2.0 - 4.0,
                    x + cell / 2.0,
                    y + cell / 2.0 + 14.0,
                    100.0 * share
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

/// Text escaped for XML.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The outcome of [`calibrate_exposure`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExposureCalibration {
    /// The cap asked for.
    pub r_max: f64,
    /// The target the iterations aim at: `r_max` less a margin for the noise of a
    /// run (3 standard errors of a rate of `r_max` over the run's tests).
    pub target: f64,
    /// The parameters below 1, by item id (3 decimals): `[session.exposure]`.
    pub k: BTreeMap<String, f64>,
    /// Largest exposure of each iteration (over the modes), then of the check.
    pub max_exposure: Vec<f64>,
    /// Largest exposure on the check (a seed no iteration used).
    pub check_max_exposure: f64,
}

/// Sympson-Hetter parameters for the live test so that no item is shown in more
/// than `r_max` of the tests, in every mode of `runs` (Sympson & Hetter 1985,
/// classic iterations). Iteration `j` runs every options of `runs` with the seed
/// moved by `j` and the parameters so far; an item offered to its lottery in a
/// share `s` of the tests (`s` = its exposure / k: the lottery is met at most once
/// per test) gets `k = min(1, target / s)`, `s` the largest over the modes. The
/// check runs once more on a seed no iteration used. `bank` is cloned: its own
/// `[session.exposure]` is replaced.
pub fn calibrate_exposure(
    bank: &crate::Bank,
    runs: &[Options],
    r_max: f64,
    iterations: usize,
    threads: usize,
) -> Result<ExposureCalibration, ValidateError> {
    if !(r_max > 0.0 && r_max <= 1.0) {
        return Err(ValidateError::Options(format!(
            "the exposure cap must be in (0, 1] (got {r_max})"
        )));
    }
    let tests: usize = runs.iter().map(|o| 2 * o.persons).min().unwrap_or(0);
    let target = (r_max - 3.0 * (r_max * (1.0 - r_max) / tests.max(1) as f64).sqrt()).max(0.01);
    let mut k: BTreeMap<String, f64> = BTreeMap::new();
    let mut max_exposure = Vec::new();
    let run = |k: &BTreeMap<String, f64>, shift: u64| -> Result<Vec<Report>, ValidateError> {
        let mut b = bank.clone();
        if let Some(session) = b.referentiel.session.as_mut() {
            session.exposure = k.clone();
        }
        let assessor = Assessor::new(&b).map_err(|e| ValidateError::Options(e.to_string()))?;
        runs.iter()
            .map(|o| {
                let options = Options {
                    seed: o.seed.wrapping_add(shift),
                    ..o.clone()
                };
                let v = Validator::new(&assessor, options)?;
                let persons = v.run(threads)?;
                Ok(v.report(&persons, 0.0))
            })
            .collect()
    };
    for j in 0..iterations {
        let reports = run(&k, j as u64 + 1)?;
        let mut offered: BTreeMap<String, f64> = BTreeMap::new();
        let mut top: f64 = 0.0;
        for r in &reports {
            for e in &r.exposure {
                let kk = k.get(&e.item).copied().unwrap_or(1.0);
                let s = if kk > 0.0 { e.rate / kk } else { 0.0 };
                let x = offered.entry(e.item.clone()).or_insert(0.0);
                *x = x.max(s);
                top = top.max(e.rate);
            }
        }
        max_exposure.push(top);
        k = offered
            .into_iter()
            .filter(|(_, s)| *s > target)
            .map(|(id, s)| (id, ((target / s) * 1000.0).floor() / 1000.0))
            .collect();
    }
    let check = run(&k, iterations as u64 + 1)?;
    let check_max_exposure = check.iter().map(|r| r.exposure_max).fold(0.0, f64::max);
    max_exposure.push(check_max_exposure);
    Ok(ExposureCalibration {
        r_max,
        target,
        k,
        max_exposure,
        check_max_exposure,
    })
}

/// How two runs over the same persons (same seed and population) differ: only the
/// context, or only the style, or only the answer model changed between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Persons compared.
    pub persons: usize,
    /// Mean of θ̂(b) − θ̂(a), first tests, persons with θ in [−2, 1].
    pub mean_theta_change: f64,
    /// Mean of |θ̂(b) − θ̂(a)|, same persons.
    pub mean_abs_theta_change: f64,
    /// Share of persons whose class differs.
    pub class_change_share: f64,
    /// Share of persons whose modality differs.
    pub modality_change_share: f64,
}

/// Compares two runs of the same persons (person `i` of `a` with person `i` of
/// `b`; runs of different sizes compare their common persons).
pub fn compare(a: &[PersonResult], b: &[PersonResult]) -> Comparison {
    let pairs: Vec<(&PersonResult, &PersonResult)> = a.iter().zip(b).collect();
    let mid: Vec<f64> = pairs
        .iter()
        .filter(|(x, _)| (-2.0..=1.0).contains(&x.theta))
        .map(|(x, y)| y.tests[0].theta - x.tests[0].theta)
        .collect();
    Comparison {
        persons: pairs.len(),
        mean_theta_change: mean(mid.iter().copied()),
        mean_abs_theta_change: mean(mid.iter().map(|d| d.abs())),
        class_change_share: share(
            pairs
                .iter()
                .map(|(x, y)| x.tests[0].class != y.tests[0].class),
        ),
        modality_change_share: share(
            pairs
                .iter()
                .map(|(x, y)| x.tests[0].modality != y.tests[0].modality),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_matches_a_hand_computed_table() {
        // 2×2: 20 (0,0), 5 (0,1), 10 (1,0), 15 (1,1): po = 0.7,
        // pe = (25·30 + 25·20)/50² = 0.5, κ = 0.4.
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n((0u8, 0u8), 20));
        pairs.extend(std::iter::repeat_n((0u8, 1u8), 5));
        pairs.extend(std::iter::repeat_n((1u8, 0u8), 10));
        pairs.extend(std::iter::repeat_n((1u8, 1u8), 15));
        assert!((kappa(&pairs, 2) - 0.4).abs() < 1e-12);
    }

    #[test]
    fn quantiles_are_r_type_7() {
        let v = [1, 2, 3, 4, 10];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert!((quantile(&v, 0.9) - 7.6).abs() < 1e-12);
    }

    #[test]
    fn categories_invert_the_cumulative_probabilities() {
        let item = Item::gpcm(1.0, vec![0.0, 0.0]).expect("item");
        // At θ = 0: P ∝ (1, 1, 1).
        assert_eq!(category(&item, 0.0, 0.0), 0);
        assert_eq!(category(&item, 0.0, 0.34), 1);
        assert_eq!(category(&item, 0.0, 0.67), 2);
        assert_eq!(category(&item, 0.0, 0.999_999), 2);
    }

    #[test]
    fn options_parse() {
        assert_eq!(
            Population::parse("normal:-1,1"),
            Ok(Population::Normal {
                mean: -1.0,
                sd: 1.0
            })
        );
        assert!(Population::parse("normal:-1,0").is_err());
        assert!(Population::parse("uniform:0,1").is_err());
        assert_eq!(
            ContextMix::parse("equipment=none,email=no"),
            Ok(ContextMix::Fixed(vec![
                ContextAnswer {
                    question: "equipment".into(),
                    answer: "none".into()
                },
                ContextAnswer {
                    question: "email".into(),
                    answer: "no".into()
                }
            ]))
        );
        assert!(ContextMix::parse("equipment").is_err());
    }
}
