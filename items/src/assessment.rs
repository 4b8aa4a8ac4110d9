//! Assessment: the one place where a test log becomes a profile.
//!
//! The app (wasm, during a live test) and the server (replaying a submitted log)
//! both go through this module, so they cannot disagree:
//!
//! - [`AnswerLog`] is the exact JSON the browser sends: ids, versions, the seed, the
//!   context answers and the responses as the person gave them (never a score, a
//!   θ or a profile: `deny_unknown_fields` refuses any such field).
//! - [`Assessor`] holds what a test needs, built once from the item bank: the
//!   engine's bank (live items, with domain, skill, requirements and enemies), the
//!   engine's profile rules and the production session rules of
//!   `referentiel.toml` (`[session]`).
//! - [`Assessor::assess`] (or [`assess`]) checks the log field by field, scores each
//!   response with [`crate::score`], **replays** the adaptive session (each logged
//!   item must be the item the session chooses at that point with that seed, so a
//!   tampered log is refused, naming the answer and the item), then computes the
//!   profile ([`repere_engine::profile`]). The [`Outcome`] holds the profile, the
//!   overall θ and SE, the score of every answer and why the test stopped.
//! - [`LiveTest`] runs a test in the app: it picks the next item, scores the
//!   response, feeds the session and writes the log; [`LiveTest::finish`] hands the
//!   log to [`Assessor::assess`], so the profile the person sees is the one the
//!   server will store.
//!
//! # Time stamps
//!
//! `started_at` and `finished_at` are Unix times in milliseconds (UTC), as
//! JavaScript's `Date.now()` gives them: integers, no parsing, no time zones. The
//! engine never reads them; only the per-answer `elapsed_ms` count towards the
//! duration limit.
//!
//! # Seeds
//!
//! A seed is at most [`MAX_SEED`] = 2⁵³ − 1, so that it survives any trip through
//! JavaScript numbers (an offline queue in the browser's storage) unchanged.
//! [`seed_from_bytes`] turns 8 random bytes (`crypto.getRandomValues`) into one.

use serde::{Deserialize, Serialize};

use repere_engine::bank::{Bank as EngineBank, BankError, BankItem as EngineItem};
use repere_engine::estimate::Estimate;
use repere_engine::profile::{self, Profile, ProfileConfig, ProfileError, ProfileInput};
use repere_engine::session::{LogEntry, Plan, ReplayError, Session, SessionConfig};
use repere_engine::stop::{ClassifyStop, StopReason};
use repere_engine::ENGINE_VERSION;

pub use repere_engine::profile::ReferentielRef;
pub use repere_engine::start::ContextAnswer;

use crate::referentiel::{engine_requirements, RulesError, SessionRules};
use crate::{score, Bank, BankItem, Requirement, Response, ScoreError, Status};

/// Largest seed: 2⁵³ − 1 (exact in a JavaScript number).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// At most this many answers in a log (far above any stopping rule; a guard).
pub const MAX_ANSWERS: usize = 100;

/// At most this many context answers in a log (a guard).
pub const MAX_CONTEXT: usize = 32;

/// Longest id or string echoed back in an error (longer ones are cut).
const ECHO: usize = 80;

fn echo(s: &str) -> String {
    s.chars().take(ECHO).collect()
}

/// A seed from 8 random bytes, below [`MAX_SEED`].
pub fn seed_from_bytes(bytes: [u8; 8]) -> u64 {
    u64::from_le_bytes(bytes) & MAX_SEED
}

/// Where the test is taken; decides what the device cannot offer (a kiosk has no
/// keyboard, see `[session.unavailable]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A public kiosk: anonymous, touch screen, no keyboard.
    Kiosk,
    /// A tablet held by a post-office agent beside the person.
    Agent,
    /// The person on their own device.
    #[serde(rename = "self")]
    SelfTest,
}

impl Mode {
    /// Name as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Kiosk => "kiosk",
            Mode::Agent => "agent",
            Mode::SelfTest => "self",
        }
    }
}

/// One answer of the log: the item shown and what the person did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedAnswer {
    /// Item id.
    pub item: String,
    /// The response as the renderer produced it (`"skip"` for "Je passe").
    pub response: Response,
    /// Time spent on the item, in milliseconds.
    pub elapsed_ms: u64,
}

/// The log of one test, as the browser sends it (JSON):
///
/// ```json
/// { "id": "0b7c…", "referentiel": { "id": "repere-gd", "version": "1.0.0" },
///   "bank_version": "1.0.0", "engine_version": "0.1.0", "seed": 42,
///   "context": [ { "question": "equipment", "answer": "smartphone" } ],
///   "answers": [ { "item": "device.touch.01", "response": { "choice": 1 }, "elapsed_ms": 8200 },
///                { "item": "web.search.03", "response": "skip", "elapsed_ms": 4100 } ],
///   "started_at": 1767225600000, "finished_at": 1767226080000, "mode": "kiosk" }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerLog {
    /// Id of the test: a UUID (any version), lowercase or uppercase hex.
    pub id: String,
    /// Référentiel id and version the test was run with.
    pub referentiel: ReferentielRef,
    /// Version of the item bank: the bank has no version of its own, so this is the
    /// référentiel version.
    pub bank_version: String,
    /// [`repere_engine::ENGINE_VERSION`] of the app.
    pub engine_version: String,
    /// Seed of the session (at most [`MAX_SEED`]).
    pub seed: u64,
    /// Answers to the context questions.
    #[serde(default)]
    pub context: Vec<ContextAnswer>,
    /// The answers, in the order the items were shown.
    pub answers: Vec<LoggedAnswer>,
    /// Start, Unix milliseconds.
    pub started_at: u64,
    /// End, Unix milliseconds (`null` while the test goes on).
    #[serde(default)]
    pub finished_at: Option<u64>,
    /// Where the test was taken.
    pub mode: Mode,
}

/// One answer, scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredResponse {
    /// Item id.
    pub item: String,
    /// Skill id.
    pub skill: String,
    /// Score.
    pub score: usize,
    /// Highest possible score.
    pub max_score: usize,
    /// "Je passe".
    pub skipped: bool,
    /// Time spent, ms.
    pub elapsed_ms: u64,
}

/// What a test gives: computed from the log alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Id of the test.
    pub id: String,
    /// Where it was taken.
    pub mode: Mode,
    /// Estimator of the overall θ (`eap`).
    pub estimator: String,
    /// Overall θ and SE, as the session ended.
    pub estimate: Estimate,
    /// Every answer with its score, in order.
    pub answers: Vec<ScoredResponse>,
    /// Why the engine ended the test; `None` when the person ended it before.
    pub stop: Option<StopReason>,
    /// Sum of the time spent on items, ms.
    pub duration_ms: u64,
    /// The autonomy profile (with the référentiel and engine versions).
    pub profile: Profile,
}

/// Why a log (or a step of a live test) was refused. `index` is the 0-based
/// position in `answers` (or `context`); messages name the JSON field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AssessError {
    /// A top-level field is malformed.
    #[error("`{field}`: {message}")]
    Field {
        /// The field (`id`, `seed`, `finished_at`…).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A version differs from this build's.
    #[error("`{field}`: `{found}` is not this build's `{expected}`")]
    Version {
        /// `referentiel.id`, `referentiel.version`, `bank_version` or `engine_version`.
        field: &'static str,
        /// Expected value.
        expected: String,
        /// Value in the log.
        found: String,
    },
    /// A context answer is unknown, repeated or not allowed with another one.
    #[error("`context[{index}]` (`{question}:{answer}`): {message}")]
    Context {
        /// Position in `context`.
        index: usize,
        /// Question id given.
        question: String,
        /// Answer id given.
        answer: String,
        /// What is wrong.
        message: String,
    },
    /// No answer.
    #[error("`answers`: the log has no answer")]
    NoAnswers,
    /// More answers than any test can have.
    #[error("`answers`: {count} answers (at most {MAX_ANSWERS})")]
    TooManyAnswers {
        /// How many.
        count: usize,
    },
    /// An item id not in the bank.
    #[error("`answers[{index}]`: unknown item `{item}`")]
    UnknownItem {
        /// Position.
        index: usize,
        /// Id given.
        item: String,
    },
    /// An item that is not live (draft or retired): never shown in a test.
    #[error("`answers[{index}]`: item `{item}` is not live")]
    NotLive {
        /// Position.
        index: usize,
        /// Id.
        item: String,
    },
    /// A response the item cannot take (wrong kind, out of range…).
    #[error("`answers[{index}]` (item `{item}`): {source}")]
    Response {
        /// Position.
        index: usize,
        /// Item id.
        item: String,
        /// The scorer's reason.
        source: ScoreError,
    },
    /// The item is not the one the session chooses at this point: a tampered,
    /// reordered or mixed-up log.
    #[error(
        "`answers[{index}]`: item `{item}` is not the item the test chooses here (`{expected}`)"
    )]
    NotChosen {
        /// Position.
        index: usize,
        /// Id in the log.
        item: String,
        /// Id the session chooses.
        expected: String,
    },
    /// The log goes on after the test ended.
    #[error("`answers[{index}]` (item `{item}`): the test had already ended ({})", .reason.name())]
    AfterEnd {
        /// Position.
        index: usize,
        /// Id in the log.
        item: String,
        /// Why it ended.
        reason: StopReason,
    },
    /// Another refusal of the session (reported as is).
    #[error("`answers[{index}]` (item `{item}`): {message}")]
    Answer {
        /// Position.
        index: usize,
        /// Id.
        item: String,
        /// The engine's reason.
        message: String,
    },
    /// The data shipped with this build cannot run a test (not the client's fault).
    #[error("rules: {0}")]
    Rules(String),
    /// The profile could not be computed (not expected once the log is valid).
    #[error("profile: {0}")]
    Profile(#[from] ProfileError),
}

impl From<RulesError> for AssessError {
    fn from(e: RulesError) -> Self {
        AssessError::Rules(e.to_string())
    }
}

impl AssessError {
    /// Whether the error is the client's (bad log) rather than the server's data.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, AssessError::Rules(_) | AssessError::Profile(_))
    }
}

/// The engine's bank: the live items, with their domain (from the référentiel),
/// skill, requirement flags and enemies (enemies that are not live are dropped:
/// they can never be shown). Items keep the bank's order (skills in référentiel
/// order, then id), so domains are numbered in référentiel order.
pub fn engine_bank(bank: &Bank) -> Result<EngineBank, AssessError> {
    let live = |id: &str| bank.item(id).is_some_and(|i| i.status == Status::Live);
    let mut items = Vec::new();
    for it in bank.live_items() {
        let skill = bank.referentiel.skill(&it.skill).ok_or_else(|| {
            AssessError::Rules(format!("item `{}`: unknown skill `{}`", it.id, it.skill))
        })?;
        items.push(EngineItem {
            id: it.id.clone(),
            item: it.engine_item().clone(),
            domain: skill.domain.clone(),
            skill: it.skill.clone(),
            requires: engine_requirements(&it.requires),
            enemies: it.enemies.iter().filter(|e| live(e)).cloned().collect(),
        });
    }
    EngineBank::new(items).map_err(|e: BankError| AssessError::Rules(format!("bank: {e}")))
}

/// Everything needed to run or replay tests, built once from a bank.
#[derive(Clone, Debug)]
pub struct Assessor<'b> {
    bank: &'b Bank,
    engine_bank: EngineBank,
    profile: ProfileConfig,
    session: SessionRules,
    classify: Option<ClassifyStop>,
}

impl<'b> Assessor<'b> {
    /// Builds the engine bank and converts the rules (`[profile.*]`, `[session]`).
    pub fn new(bank: &'b Bank) -> Result<Self, AssessError> {
        let profile = bank.referentiel.profile_config()?;
        let mut session = bank
            .referentiel
            .session
            .clone()
            .ok_or(RulesError::Missing("session"))?;
        // Exposure parameters of items that can never be shown play no part.
        session
            .exposure
            .retain(|id, _| bank.item(id).is_some_and(|i| i.status == Status::Live));
        let classify = session.classify_stop(&profile)?;
        let assessor = Assessor {
            engine_bank: engine_bank(bank)?,
            bank,
            profile,
            session,
            classify,
        };
        // Fail now, not at the first test, if the rules cannot run on this bank: in
        // each mode, with every item usable and with every item some context answer
        // can exclude left out.
        let all_unavailable = bank.context.all_unavailable();
        for mode in [Mode::Kiosk, Mode::Agent, Mode::SelfTest] {
            for extra in [&[][..], &all_unavailable[..]] {
                let config = assessor.config_for(0.0, 1.0, mode, extra);
                let without = if extra.is_empty() {
                    ""
                } else {
                    ", without the items some context answers exclude"
                };
                let rules = |e: String| {
                    AssessError::Rules(format!("[session] ({}{without}): {e}", mode.name()))
                };
                // Every domain must keep the items its minimum asks for, or the test
                // could only ever stop at its maximum length.
                let eb = &assessor.engine_bank;
                for (d, domain) in eb.domains().iter().enumerate() {
                    let usable = (0..eb.len())
                        .filter(|&i| eb.domain_of(i) == d)
                        .filter(|&i| eb.items()[i].requires.compatible_with(config.unavailable))
                        .count();
                    if usable < assessor.session.min_per_domain.max(1) {
                        return Err(rules(format!(
                            "domain `{domain}` keeps {usable} usable items, fewer than \
                             `min_per_domain` = {}",
                            assessor.session.min_per_domain
                        )));
                    }
                }
                Plan::new(eb, config).map_err(|e| rules(e.to_string()))?;
            }
        }
        Ok(assessor)
    }

    /// The item bank.
    pub fn bank(&self) -> &'b Bank {
        self.bank
    }

    /// The engine's bank (live items).
    pub fn engine_bank(&self) -> &EngineBank {
        &self.engine_bank
    }

    /// The engine's profile rules.
    pub fn profile_config(&self) -> &ProfileConfig {
        &self.profile
    }

    /// The production session rules.
    pub fn session_rules(&self) -> &SessionRules {
        &self.session
    }

    /// What a mode cannot offer.
    pub fn unavailable(&self, mode: Mode) -> &[Requirement] {
        let u = &self.session.unavailable;
        match mode {
            Mode::Kiosk => &u.kiosk,
            Mode::Agent => &u.agent,
            Mode::SelfTest => &u.self_test,
        }
    }

    /// The engine's session configuration for these (checked) context answers and
    /// mode: the prior comes from the context's start rules.
    pub fn session_config(&self, context: &[ContextAnswer], mode: Mode) -> SessionConfig {
        let keys: Vec<String> = context
            .iter()
            .map(|c| format!("{}:{}", c.question, c.answer))
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        // The validator requires a fallback start rule; N(0, 1) only if it vanished.
        let (mean, sd) = self.bank.context.prior(&refs).unwrap_or((0.0, 1.0));
        self.config_for(mean, sd, mode, &self.bank.context.unavailable(&refs))
    }

    /// The session rules with this prior, excluding what the mode cannot offer and
    /// what the person cannot use (`person`).
    fn config_for(&self, mean: f64, sd: f64, mode: Mode, person: &[Requirement]) -> SessionConfig {
        let mut unavailable = self.unavailable(mode).to_vec();
        unavailable.extend_from_slice(person);
        unavailable.sort();
        unavailable.dedup();
        self.session
            .session_config(mean, sd, &unavailable, self.classify.clone())
    }

    /// Checks the context answers: known question and answer, no repeat, one answer
    /// to a single-answer question, an exclusive answer alone.
    pub fn check_context(&self, context: &[ContextAnswer]) -> Result<(), AssessError> {
        if context.len() > MAX_CONTEXT {
            return Err(AssessError::Field {
                field: "context",
                message: format!("{} answers (at most {MAX_CONTEXT})", context.len()),
            });
        }
        for (index, c) in context.iter().enumerate() {
            let err = |message: &str| AssessError::Context {
                index,
                question: echo(&c.question),
                answer: echo(&c.answer),
                message: message.to_string(),
            };
            let question = self
                .bank
                .context
                .questions
                .iter()
                .find(|q| q.id == c.question)
                .ok_or_else(|| err("unknown question"))?;
            let answer = question
                .answers
                .iter()
                .find(|a| a.id == c.answer)
                .ok_or_else(|| err("unknown answer to this question"))?;
            let before = &context[..index];
            if before.contains(c) {
                return Err(err("given twice"));
            }
            let same: Vec<&ContextAnswer> =
                before.iter().filter(|b| b.question == c.question).collect();
            if !same.is_empty() {
                if !question.multiple {
                    return Err(err("this question takes one answer"));
                }
                let exclusive =
                    |id: &str| question.answers.iter().any(|a| a.id == id && a.exclusive);
                if answer.exclusive || same.iter().any(|b| exclusive(&b.answer)) {
                    return Err(err("an exclusive answer goes alone"));
                }
            }
        }
        // A question asked only in some cases (`when_any`) has no answer in the
        // others: the app never asks it then.
        let keys: Vec<String> = context
            .iter()
            .map(|c| format!("{}:{}", c.question, c.answer))
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        for (index, c) in context.iter().enumerate() {
            let asked = self
                .bank
                .context
                .questions
                .iter()
                .find(|q| q.id == c.question)
                .is_some_and(|q| self.bank.context.is_asked(q, &refs));
            if !asked {
                return Err(AssessError::Context {
                    index,
                    question: echo(&c.question),
                    answer: echo(&c.answer),
                    message: "this question is not asked with the other answers".to_string(),
                });
            }
        }
        Ok(())
    }

    /// Checks the header of a log: id, versions, seed, context.
    fn check_header(&self, log: &AnswerLog) -> Result<(), AssessError> {
        if !is_uuid(&log.id) {
            return Err(AssessError::Field {
                field: "id",
                message: format!(
                    "`{}` is not a UUID in canonical form (lowercase hexadecimal, 8-4-4-4-12)",
                    echo(&log.id)
                ),
            });
        }
        let version = |field, expected: &str, found: &str| {
            if expected == found {
                Ok(())
            } else {
                Err(AssessError::Version {
                    field,
                    expected: expected.to_string(),
                    found: echo(found),
                })
            }
        };
        version("referentiel.id", self.bank.id(), &log.referentiel.id)?;
        version(
            "referentiel.version",
            self.bank.version(),
            &log.referentiel.version,
        )?;
        version("bank_version", self.bank.version(), &log.bank_version)?;
        version("engine_version", ENGINE_VERSION, &log.engine_version)?;
        if log.seed > MAX_SEED {
            return Err(AssessError::Field {
                field: "seed",
                message: format!("{} is above 2^53 - 1", log.seed),
            });
        }
        self.check_context(&log.context)
    }

    /// Scores one logged answer.
    fn score_answer(
        &self,
        index: usize,
        a: &LoggedAnswer,
    ) -> Result<(&'b BankItem, usize), AssessError> {
        let item = self
            .bank
            .item(&a.item)
            .ok_or_else(|| AssessError::UnknownItem {
                index,
                item: echo(&a.item),
            })?;
        if item.status != Status::Live {
            return Err(AssessError::NotLive {
                index,
                item: item.id.clone(),
            });
        }
        let s = score(item, &a.response).map_err(|source| AssessError::Response {
            index,
            item: item.id.clone(),
            source,
        })?;
        Ok((item, s))
    }

    /// Checks a log, replays its session and computes the outcome. Pure: no clock,
    /// no I/O; the same log gives the same outcome, bit for bit, natively and in
    /// wasm.
    pub fn assess(&self, log: &AnswerLog) -> Result<Outcome, AssessError> {
        self.check_header(log)?;
        match log.finished_at {
            None => {
                return Err(AssessError::Field {
                    field: "finished_at",
                    message: "missing: the test is not finished".to_string(),
                })
            }
            Some(end) if end < log.started_at => {
                return Err(AssessError::Field {
                    field: "finished_at",
                    message: format!("{end} is before `started_at` ({})", log.started_at),
                })
            }
            Some(_) => {}
        }
        if log.answers.is_empty() {
            return Err(AssessError::NoAnswers);
        }
        if log.answers.len() > MAX_ANSWERS {
            return Err(AssessError::TooManyAnswers {
                count: log.answers.len(),
            });
        }
        let mut entries = Vec::with_capacity(log.answers.len());
        let mut scored = Vec::with_capacity(log.answers.len());
        for (index, a) in log.answers.iter().enumerate() {
            let (item, s) = self.score_answer(index, a)?;
            let skipped = a.response == Response::Skip;
            entries.push(LogEntry {
                item: item.id.clone(),
                score: s,
                skipped,
                elapsed_ms: a.elapsed_ms,
            });
            scored.push(ScoredResponse {
                item: item.id.clone(),
                skill: item.skill.clone(),
                score: s,
                max_score: item.max_score(),
                skipped,
                elapsed_ms: a.elapsed_ms,
            });
        }
        let config = self.session_config(&log.context, log.mode);
        let session = Session::replay(&self.engine_bank, config, log.seed, &entries)
            .map_err(|e| replay_error(e, &entries))?;
        self.outcome(log, &session, scored)
    }

    fn outcome(
        &self,
        log: &AnswerLog,
        session: &Session<'_>,
        answers: Vec<ScoredResponse>,
    ) -> Result<Outcome, AssessError> {
        let input = ProfileInput::from_session(session, log.context.clone())?;
        let profile = profile::profile(&self.profile, &input)?;
        Ok(Outcome {
            id: log.id.clone(),
            mode: log.mode,
            estimator: session.config().estimator.name().to_string(),
            estimate: session.estimate(),
            answers,
            stop: session.is_finished(),
            duration_ms: session.elapsed_ms(),
            profile,
        })
    }

    /// Starts a live test (the app). `id` must be a UUID and `seed` at most
    /// [`MAX_SEED`]; the context answers are checked.
    pub fn start<'a>(
        &'a self,
        id: String,
        seed: u64,
        mode: Mode,
        context: Vec<ContextAnswer>,
        started_at: u64,
    ) -> Result<LiveTest<'a>, AssessError> {
        let log = AnswerLog {
            id,
            referentiel: ReferentielRef {
                id: self.bank.id().to_string(),
                version: self.bank.version().to_string(),
            },
            bank_version: self.bank.version().to_string(),
            engine_version: ENGINE_VERSION.to_string(),
            seed,
            context,
            answers: Vec::new(),
            started_at,
            finished_at: None,
            mode,
        };
        self.resume(log)
    }

    /// Resumes a live test from its log so far (after a page reload): the log is
    /// checked and replayed like [`assess`](Assessor::assess) does.
    pub fn resume<'a>(&'a self, log: AnswerLog) -> Result<LiveTest<'a>, AssessError> {
        self.check_header(&log)?;
        if log.answers.len() > MAX_ANSWERS {
            return Err(AssessError::TooManyAnswers {
                count: log.answers.len(),
            });
        }
        let mut entries = Vec::with_capacity(log.answers.len());
        for (index, a) in log.answers.iter().enumerate() {
            let (item, s) = self.score_answer(index, a)?;
            entries.push(LogEntry {
                item: item.id.clone(),
                score: s,
                skipped: a.response == Response::Skip,
                elapsed_ms: a.elapsed_ms,
            });
        }
        let config = self.session_config(&log.context, log.mode);
        let session = Session::replay(&self.engine_bank, config, log.seed, &entries)
            .map_err(|e| replay_error(e, &entries))?;
        Ok(LiveTest {
            assessor: self,
            session,
            log,
        })
    }
}

/// [`Assessor::assess`] with an assessor built for this call (the server should
/// keep one [`Assessor`] instead).
pub fn assess(bank: &Bank, log: &AnswerLog) -> Result<Outcome, AssessError> {
    Assessor::new(bank)?.assess(log)
}

fn replay_error(e: ReplayError, entries: &[LogEntry]) -> AssessError {
    let item = |i: usize| entries.get(i).map_or_else(String::new, |e| e.item.clone());
    match e {
        ReplayError::WrongItem {
            position,
            found,
            expected,
        } => AssessError::NotChosen {
            index: position,
            item: found,
            expected,
        },
        ReplayError::AfterFinish { position, reason } => AssessError::AfterEnd {
            index: position,
            item: item(position),
            reason,
        },
        ReplayError::Answer { position, source } => AssessError::Answer {
            index: position,
            item: item(position),
            message: source.to_string(),
        },
        ReplayError::SkippedWithScore { position, score } => AssessError::Answer {
            index: position,
            item: item(position),
            message: format!("skipped with score {score}"),
        },
        other => AssessError::Rules(other.to_string()),
    }
}

/// `8-4-4-4-12` lowercase hexadecimal digits: the canonical form (RFC 9562), so
/// that one test has one id (the same id in capitals would be another key).
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        })
}

/// A test in progress in the app: the only logic the app needs.
///
/// ```text
/// let assessor = Assessor::new(&bank)?;                  // once
/// let mut test = assessor.start(id, seed, mode, context, now)?;
/// while let Some(item) = test.next_item() {               // render `item`
///     test.answer(&item.id, response, elapsed_ms)?;       // scores, feeds the session
/// }
/// let (log, outcome) = test.finish(now)?;                 // send `log`; show `outcome`
/// ```
#[derive(Clone, Debug)]
pub struct LiveTest<'b> {
    assessor: &'b Assessor<'b>,
    session: Session<'b>,
    log: AnswerLog,
}

impl<'b> LiveTest<'b> {
    /// The item to show now (the same until it is answered), or `None` when the
    /// test is over.
    pub fn next_item(&mut self) -> Option<&'b BankItem> {
        let bank = self.assessor.bank;
        let id = self.session.next_item()?.id.as_str();
        bank.item(id)
    }

    /// Records the person's response to `item` (the item shown) after
    /// `elapsed_ms`; returns its score. On error nothing is recorded.
    pub fn answer(
        &mut self,
        item: &str,
        response: Response,
        elapsed_ms: u64,
    ) -> Result<usize, AssessError> {
        let index = self.log.answers.len();
        if index >= MAX_ANSWERS {
            return Err(AssessError::TooManyAnswers { count: index + 1 });
        }
        let logged = LoggedAnswer {
            item: item.to_string(),
            response,
            elapsed_ms,
        };
        let (bank_item, s) = self.assessor.score_answer(index, &logged)?;
        let id = bank_item.id.clone();
        let result = if logged.response == Response::Skip {
            self.session.skip(&id, elapsed_ms)
        } else {
            self.session.answer(&id, s, elapsed_ms)
        };
        result.map_err(|e| match e {
            repere_engine::session::AnswerError::NotTheNextItem { given, expected } => {
                AssessError::NotChosen {
                    index,
                    item: given,
                    expected,
                }
            }
            repere_engine::session::AnswerError::Finished(reason) => AssessError::AfterEnd {
                index,
                item: id.clone(),
                reason,
            },
            other => AssessError::Answer {
                index,
                item: id.clone(),
                message: other.to_string(),
            },
        })?;
        self.log.answers.push(logged);
        Ok(s)
    }

    /// Why the engine ended the test, or `None` while it goes on.
    pub fn finished(&self) -> Option<StopReason> {
        self.session.is_finished()
    }

    /// Current overall estimate.
    pub fn estimate(&self) -> Estimate {
        self.session.estimate()
    }

    /// Number of answers so far.
    pub fn answered(&self) -> usize {
        self.log.answers.len()
    }

    /// Most items the test can have (for a progress bar).
    pub fn max_items(&self) -> usize {
        self.assessor.session.stop.max_items
    }

    /// The log so far (store it to resume after a reload).
    pub fn log(&self) -> &AnswerLog {
        &self.log
    }

    /// Ends the test at `finished_at` (the engine's stop, or the person's) and
    /// computes the outcome exactly as the server will, from the log. A test with
    /// no answer has no outcome ([`AssessError::NoAnswers`]).
    pub fn finish(mut self, finished_at: u64) -> Result<(AnswerLog, Outcome), AssessError> {
        self.log.finished_at = Some(finished_at.max(self.log.started_at));
        let outcome = self.assessor.assess(&self.log)?;
        Ok((self.log, outcome))
    }
}
