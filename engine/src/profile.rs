//! The autonomy profile: from a finished test to "what you can already do, what to
//! work on next, and where to go".
//!
//! Input ([`ProfileInput`]): the scored answers (each with its item, domain and skill),
//! the overall estimate of the session, the prior the session started from, and the
//! person's answers to the context questions. Rules ([`ProfileConfig`]): cut points,
//! skill statuses, autonomy classes, orientation rules and the words of the summary,
//! as plain serde structs (the items crate converts its référentiel into them; the
//! engine knows no file format). Output ([`Profile`], serde): per domain θ, SE, level
//! and a "not enough answers" flag; per skill the probability of success on its
//! typical task and a status; an overall autonomy class; an orientation (modality
//! and services of the national mediation schema); the sentences of the result
//! screen; and the versions that made it.
//!
//! # Domain and skill estimates: a hierarchical approximation
//!
//! A 10–20 item test gives each of 5 domains 2–5 answers. Estimating a domain from
//! its own answers alone (flat or population prior) is hopeless with so few: one
//! unlucky answer moves θ by a whole level, and an all-correct domain has no finite
//! maximum-likelihood estimate. But the domains are not unrelated: someone who
//! handles a phone well usually reads mail better than average. The profile uses
//! the usual two-level model
//!
//! ```text
//!   θ_d = μ + δ_d,   δ_d ~ N(0, τ²)          (domain d around the person's general level μ)
//!   θ_s = θ_d + ε_s, ε_s ~ N(0, τ_s²)        (skill s around its domain)
//! ```
//!
//! with `τ = between_domain_sd` and `τ_s = between_skill_sd` from the rules, and
//! approximates the posterior of θ_d in closed steps, by conditioning:
//!
//! 1. **General level without the domain.** EAP of all answers *outside* domain d,
//!    with the session's prior: `(m₋d, s₋d)`. (Leaving the domain out keeps its answers
//!    from being counted twice — once in the prior centre, once in the likelihood —
//!    which would make its SE too small.) With no answer outside d, `(m₋d, s₋d)` is the
//!    session's prior.
//! 2. **Prior of the domain.** `θ_d ~ N(m₋d, τ² + s₋d²)`: the general level, its
//!    uncertainty, and the spread of domains around it.
//! 3. **Domain estimate.** EAP of the domain's answers with that prior: θ̂_d and its
//!    SE (posterior SD).
//!
//! The same steps, one level down, give a skill that has answers its own estimate:
//! EAP of the domain's *other* answers with the domain prior gives `(m, s)`, then EAP
//! of the skill's answers with prior `N(m, τ_s² + s²)`. A skill without answers takes
//! the domain estimate, with SE `√(SE_d² + τ_s²)`.
//!
//! Why this shrinkage is right for short tests: with few answers the domain estimate
//! is a precision-weighted compromise between what the domain's answers say and
//! what the rest of the test says; as answers accumulate the likelihood dominates
//! and the estimate moves to the domain's own level (the prior's weight is fixed,
//! the likelihood's grows). An empty or nearly empty domain gets the general level
//! with a wide SE instead of an extreme or undefined value, and a domain where the
//! person differs from the rest still shows it (the between-domain SD lets it move
//! by a level or more with 3–4 consistent answers). This is the logic of the
//! empirical-Bayes subscores of Wainer et al. (2001) and of the augmented subscores
//! used in operational testing.
//!
//! Approximations, stated: the answers outside a domain are treated as measuring one
//! general level (their own domain deviations are folded into `s₋d`); the skill
//! deviations inside a domain are ignored when estimating the domain (an item
//! measures θ_d directly); τ and τ_s are expert values until a multidimensional
//! calibration gives them.
//!
//! Every estimate is EAP on the default grid ([`Grid::default`], 401 points on
//! [−6, 6]). Answers are sorted by item id before any sum, so the profile does not
//! depend on the order of the answers, to the bit.
//!
//! # Statuses, levels, class
//!
//! - Domain level: the last level whose `from_theta` is at most θ̂_d. The domain is
//!   flagged [`DomainProfile::not_enough_answers`] when it has fewer than
//!   `min_answers` answers (skips count: a skip is scored 0) or its SE is above
//!   `max_se`; its level is still given (the shrunk estimate is the best guess).
//! - Skill status: probability of success on the skill's typical task, a 2PL with
//!   slope `typical_a` and difficulty `typical_b`, at the skill's point estimate; the
//!   first status (best first) whose `min_probability` is at most that probability.
//! - Autonomy class: from the session's overall θ, as the domain levels.
//!
//! # Orientation
//!
//! The first orientation rule whose conditions all hold gives the modality (a
//! condition lists alternatives; an empty list is no condition). Services, without
//! repeats, in order of first appearance: the modality's own, then those of the
//! skills to work on ([`Profile::work_on`], in their order), then those of every
//! adjustment whose context answer was given. Only the listed skills count: a
//! person weak in many skills is not sent to every service of the schema.
//!
//! The orientation also says what a suggested mediation place must offer
//! ([`Orientation::place_services`]: the modality's services, those of the
//! adjustments marked `required`, and, when the modality names no service, the
//! first service of the first skill to work on), the specific needs it must meet
//! ([`Orientation::needs`], from context answers: « je vois mal » gives
//! `deficience-visuelle`) and the programmes whose places come first
//! ([`Orientation::programmes`], from the modality).
//!
//! # What to work on next: the priority
//!
//! Candidates are the skills whose status adds services (not mastered) and, when
//! the chosen modality lists `work_on` statuses, whose status is one of them (an
//! autonomous person is not handed a list of skills « en cours »). They are
//! ordered by, in turn:
//!
//! 1. the status, lowest first ("À travailler" before "En cours"): the clearest needs;
//! 2. the share of the maximum score the person obtained on the skill's own items,
//!    lowest first, a skill without answers counting as one half: a need observed
//!    (failed items) before a need inferred from the domain, and a skill the person
//!    just succeeded on after both (its status comes from the shrinkage towards a
//!    weaker domain, with little evidence of its own);
//! 3. the typical difficulty, easiest first: the basic gesture before the procedure
//!    that uses it, and a first success keeps beginners going;
//! 4. the référentiel order.
//!
//! Every candidate gets its rank ([`SkillProfile::priority`]); the first
//! `work_on_max` of them are listed (fewer if fewer are not mastered).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::bank::{Bank, BankItem};
use crate::classify::{ClassDecision, Verdict};
use crate::estimate::{Eap, EapPosterior, Estimate, EstimateError, Prior};
use crate::irt::Item;
use crate::session::Session;
use crate::start::ContextAnswer;

// ---------------------------------------------------------------------------------
// Rules

/// The rules of the profile, engine-side. Built by the items crate from its
/// référentiel; checked by [`ProfileConfig::validate`] (and by [`profile`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    /// Which référentiel these rules come from (recorded in every profile).
    pub referentiel: ReferentielRef,
    /// Parameters of the hierarchical approximation and the "not enough" flag.
    pub shrinkage: Shrinkage,
    /// Slope of every skill's typical task.
    pub typical_a: f64,
    /// Autonomy levels shared by all domains, lowest first.
    pub levels: Vec<LevelRule>,
    /// Domains, in display order.
    pub domains: Vec<DomainRule>,
    /// Skills, in display order (grouped by domain).
    pub skills: Vec<SkillRule>,
    /// Skill statuses, best first; the last has `min_probability = 0`.
    pub statuses: Vec<StatusRule>,
    /// Autonomy classes, lowest first; the first has no `from_theta`.
    pub classes: Vec<ClassRule>,
    /// When the class is clear; a class that is not is marked
    /// [`ClassResult::near`] (none: every class is given as clear).
    #[serde(default)]
    pub class_decision: Option<ClassDecision>,
    /// How the profile becomes an orientation.
    pub orientation: OrientationConfig,
    /// Words of the result screen.
    pub summary: SummaryText,
}

/// A référentiel id and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferentielRef {
    /// Id, e.g. `repere-gd`.
    pub id: String,
    /// Semantic version.
    pub version: String,
}

/// Parameters of the hierarchical approximation (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shrinkage {
    /// τ: SD of the domains around the person's general level (> 0).
    pub between_domain_sd: f64,
    /// τ_s: SD of the skills around their domain (> 0).
    pub between_skill_sd: f64,
    /// A domain with fewer answers than this is flagged "not enough answers".
    pub min_answers: usize,
    /// A domain whose SE is above this is flagged "not enough answers" (> 0).
    pub max_se: f64,
}

/// An autonomy level shared by all domains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRule {
    /// Id, e.g. `avec-aide`.
    pub id: String,
    /// Label for the person.
    pub label: String,
}

/// A domain and its cut points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainRule {
    /// Id, as in the items' `domain` tags.
    pub id: String,
    /// Label for the person.
    pub label: String,
    /// One cut per level of [`ProfileConfig::levels`], in the same order.
    pub cuts: Vec<Cut>,
}

/// Where a level starts in one domain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cut {
    /// Level id.
    pub level: String,
    /// The level applies from this θ (inclusive); `None` for the first level only.
    #[serde(default)]
    pub from_theta: Option<f64>,
}

/// A skill: its domain, label, typical task and services.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRule {
    /// Id, as in the items' `skill` tags.
    pub id: String,
    /// Domain id.
    pub domain: String,
    /// Short label for the person ("Joindre un document à un e-mail").
    pub label: String,
    /// Difficulty of the skill's typical task.
    pub typical_b: f64,
    /// Services of the mediation schema this skill leads to when not mastered.
    #[serde(default)]
    pub services: Vec<String>,
}

/// A skill status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRule {
    /// Id, e.g. `acquis`.
    pub id: String,
    /// Label.
    pub label: String,
    /// Lowest probability of success on the typical task for this status.
    pub min_probability: f64,
    /// Whether a skill with this status is to be worked on (adds its services).
    #[serde(default)]
    pub adds_services: bool,
}

/// An overall autonomy class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRule {
    /// Id, e.g. `avec-guidage`.
    pub id: String,
    /// Label.
    pub label: String,
    /// Workshop level of mediators ("Débutant"…).
    pub workshop_level: String,
    /// Applies from this overall θ (inclusive); `None` for the first class only.
    #[serde(default)]
    pub from_theta: Option<f64>,
}

/// Orientation rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrientationConfig {
    /// Possible modalities.
    pub modalities: Vec<ModalityRule>,
    /// Rules choosing the modality, first match wins; the last has no condition.
    pub rules: Vec<ModalityChoice>,
    /// Services added by context answers.
    #[serde(default)]
    pub adjustments: Vec<ServiceAdjustment>,
    /// Specific needs told by context answers (« je vois mal »: visual
    /// impairment), which the places suggested must meet.
    #[serde(default)]
    pub needs: Vec<NeedRule>,
}

/// A modality ("Dans un atelier collectif").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModalityRule {
    /// Id, e.g. `atelier`.
    pub id: String,
    /// Label.
    pub label: String,
    /// Sentence for the person.
    pub description: String,
    /// `modalites_accompagnement` values of the schema.
    #[serde(default)]
    pub modalites: Vec<String>,
    /// Services always suggested with it; places suggested must offer them all.
    #[serde(default)]
    pub services: Vec<String>,
    /// Statuses whose skills are listed as "to work on" with this modality (empty:
    /// every status that adds services). An autonomous person is not handed a
    /// to-do list of skills they mostly master.
    #[serde(default)]
    pub work_on: Vec<String>,
    /// National programmes whose places come first (`dispositif_programmes_nationaux`
    /// of the schema: France Services, Aidants Connect for help with démarches).
    #[serde(default)]
    pub programmes: Vec<String>,
}

/// A rule choosing the modality: every non-empty condition must hold; a condition
/// holds when one of its values holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModalityChoice {
    /// The overall class is one of these.
    #[serde(default)]
    pub when_class: Vec<String>,
    /// The person gave one of these context answers.
    #[serde(default)]
    pub when_answer: Vec<ContextAnswer>,
    /// One of these domains is at the given level.
    #[serde(default)]
    pub when_domain_level: Vec<DomainLevelRef>,
    /// The modality chosen.
    pub modality: String,
}

/// "Domain d is at level l".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainLevelRef {
    /// Domain id.
    pub domain: String,
    /// Level id.
    pub level: String,
}

/// Services added when one of the context answers was given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAdjustment {
    /// Holds when one of these answers was given.
    pub when_answer: Vec<ContextAnswer>,
    /// Services to add.
    pub add_services: Vec<String>,
    /// The places suggested must offer these services (a person without any
    /// device needs a place with equipment).
    #[serde(default)]
    pub required: bool,
}

/// A specific need told by one of the context answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedRule {
    /// Holds when one of these answers was given.
    pub when_answer: Vec<ContextAnswer>,
    /// The need's id (`deficience-visuelle`…; the items crate knows the list).
    pub need: String,
}

/// The words of the result screen (French, from the référentiel) and how many skills
/// to list under "to work on".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryText {
    /// Lead of the list of mastered skills ("Vous savez déjà :").
    pub known: String,
    /// Lead of the list of skills to work on ("À travailler ensuite :").
    pub work_on: String,
    /// Lead of the orientation sentence ("Notre conseil :").
    pub orientation: String,
    /// At most this many skills to work on (≥ 1).
    pub work_on_max: usize,
}

/// Why a profile could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// The rules are inconsistent; the message says where.
    #[error("profile rules: {0}")]
    Config(String),
    /// An answer's item is tagged with a domain the rules do not know.
    #[error("item `{item}`: unknown domain `{domain}`")]
    UnknownDomain {
        /// Item id.
        item: String,
        /// Its domain tag.
        domain: String,
    },
    /// An answer's item is tagged with a skill the rules do not know (or of another
    /// domain).
    #[error("item `{item}`: skill `{skill}` is not a skill of domain `{domain}`")]
    UnknownSkill {
        /// Item id.
        item: String,
        /// Its skill tag.
        skill: String,
        /// Its domain tag.
        domain: String,
    },
    /// A skipped answer with a score other than 0.
    #[error("item `{item}`: a skipped answer must score 0 (got {score})")]
    SkippedWithScore {
        /// Item id.
        item: String,
        /// The score.
        score: usize,
    },
    /// The prior or the overall estimate is not usable.
    #[error("{0}")]
    Input(String),
    /// The estimator refused the answers (a score out of range…).
    #[error("estimation: {0}")]
    Estimation(#[from] EstimateError),
}

fn bad(msg: impl Into<String>) -> ProfileError {
    ProfileError::Config(msg.into())
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Checks a list of `from_theta` cut points: first `None`, then strictly increasing.
fn check_cuts(what: &str, cuts: &[Option<f64>]) -> Result<(), ProfileError> {
    if cuts.is_empty() {
        return Err(bad(format!("{what}: empty")));
    }
    let mut last = f64::NEG_INFINITY;
    for (i, c) in cuts.iter().enumerate() {
        match (i, c) {
            (0, None) => {}
            (0, Some(_)) => return Err(bad(format!("{what}[0]: the first has no from_theta"))),
            (_, None) => return Err(bad(format!("{what}[{i}]: from_theta is missing"))),
            (_, Some(t)) => {
                if !t.is_finite() || *t <= last {
                    return Err(bad(format!(
                        "{what}[{i}]: from_theta must be finite and above the previous one"
                    )));
                }
                last = *t;
            }
        }
    }
    Ok(())
}

fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), ProfileError> {
    let mut seen: Vec<&str> = Vec::new();
    for id in ids {
        if seen.contains(&id) {
            return Err(bad(format!("{what}: duplicate id `{id}`")));
        }
        seen.push(id);
    }
    Ok(())
}

impl ProfileConfig {
    /// The classes' cut points (`from_theta` of every class but the first),
    /// ascending.
    pub fn class_cuts(&self) -> Vec<f64> {
        self.classes.iter().filter_map(|c| c.from_theta).collect()
    }

    /// Checks the rules as a whole: positive SDs, cut points in order, every
    /// reference resolved, a fallback orientation rule.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let s = &self.shrinkage;
        if !positive(s.between_domain_sd) || !positive(s.between_skill_sd) || !positive(s.max_se) {
            return Err(bad(
                "shrinkage: between_domain_sd, between_skill_sd and max_se must be finite and > 0",
            ));
        }
        if !positive(self.typical_a) {
            return Err(bad("typical_a must be finite and > 0"));
        }
        if self.levels.is_empty() {
            return Err(bad("levels: empty"));
        }
        unique("levels", self.levels.iter().map(|l| l.id.as_str()))?;
        unique("domains", self.domains.iter().map(|d| d.id.as_str()))?;
        unique("skills", self.skills.iter().map(|d| d.id.as_str()))?;
        for (di, d) in self.domains.iter().enumerate() {
            if d.cuts.len() != self.levels.len()
                || d.cuts
                    .iter()
                    .zip(&self.levels)
                    .any(|(c, l)| c.level != l.id)
            {
                return Err(bad(format!(
                    "domains[{di}] (`{}`): one cut per level, in the order of `levels`",
                    d.id
                )));
            }
            let cuts: Vec<Option<f64>> = d.cuts.iter().map(|c| c.from_theta).collect();
            check_cuts(&format!("domains[{di}].cuts"), &cuts)?;
        }
        for (i, sk) in self.skills.iter().enumerate() {
            if !self.domains.iter().any(|d| d.id == sk.domain) {
                return Err(bad(format!(
                    "skills[{i}] (`{}`): unknown domain `{}`",
                    sk.id, sk.domain
                )));
            }
            Item::two_pl(self.typical_a, sk.typical_b)
                .map_err(|e| bad(format!("skills[{i}] (`{}`): typical task: {e}", sk.id)))?;
        }
        if self.statuses.is_empty() {
            return Err(bad("statuses: empty"));
        }
        unique("statuses", self.statuses.iter().map(|s| s.id.as_str()))?;
        let mut prev = f64::INFINITY;
        for (i, st) in self.statuses.iter().enumerate() {
            let p = st.min_probability;
            if !(0.0..=1.0).contains(&p) || p >= prev {
                return Err(bad(format!(
                    "statuses[{i}]: min_probability must be in [0, 1] and below the previous one"
                )));
            }
            prev = p;
        }
        if prev != 0.0 {
            return Err(bad("statuses: the last one must have min_probability = 0"));
        }
        unique("classes", self.classes.iter().map(|c| c.id.as_str()))?;
        let cuts: Vec<Option<f64>> = self.classes.iter().map(|c| c.from_theta).collect();
        check_cuts("classes", &cuts)?;
        if let Some(d) = &self.class_decision {
            d.validate().map_err(bad)?;
        }
        let o = &self.orientation;
        unique(
            "orientation.modalities",
            o.modalities.iter().map(|m| m.id.as_str()),
        )?;
        for (i, m) in o.modalities.iter().enumerate() {
            if let Some(s) = m
                .work_on
                .iter()
                .find(|s| !self.statuses.iter().any(|st| st.id == **s))
            {
                return Err(bad(format!(
                    "orientation.modalities[{i}] (`{}`): unknown status `{s}` in work_on",
                    m.id
                )));
            }
        }
        if let Some((i, _)) = o
            .needs
            .iter()
            .enumerate()
            .find(|(_, n)| n.need.is_empty() || n.when_answer.is_empty())
        {
            return Err(bad(format!(
                "orientation.needs[{i}]: a need id and at least one answer are required"
            )));
        }
        for (i, r) in o.rules.iter().enumerate() {
            let at = format!("orientation.rules[{i}]");
            if !o.modalities.iter().any(|m| m.id == r.modality) {
                return Err(bad(format!("{at}: unknown modality `{}`", r.modality)));
            }
            if let Some(c) = r
                .when_class
                .iter()
                .find(|c| !self.classes.iter().any(|k| k.id == **c))
            {
                return Err(bad(format!("{at}: unknown class `{c}`")));
            }
            for dl in &r.when_domain_level {
                if !self.domains.iter().any(|d| d.id == dl.domain)
                    || !self.levels.iter().any(|l| l.id == dl.level)
                {
                    return Err(bad(format!(
                        "{at}: unknown domain level `{}:{}`",
                        dl.domain, dl.level
                    )));
                }
            }
        }
        match o.rules.last() {
            Some(r)
                if r.when_class.is_empty()
                    && r.when_answer.is_empty()
                    && r.when_domain_level.is_empty() => {}
            _ => {
                return Err(bad(
                    "orientation.rules: the last rule must have no condition",
                ))
            }
        }
        if self.summary.work_on_max == 0 {
            return Err(bad("summary.work_on_max must be at least 1"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// Input

/// One answer of a finished test, with its item (parameters, domain and skill tags).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredAnswer<'a> {
    /// The item.
    pub item: &'a BankItem,
    /// The score, in `0..=item.item.max_score()` (0 when skipped).
    pub score: usize,
    /// The person chose "Je ne sais pas".
    pub skipped: bool,
}

/// Everything a profile is computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileInput<'a> {
    /// The answers, in any order.
    pub answers: Vec<ScoredAnswer<'a>>,
    /// The session's overall estimate (gives the autonomy class).
    pub overall: Estimate,
    /// Mean of the prior the session started from (the general level before answers).
    pub prior_mean: f64,
    /// SD of that prior (> 0).
    pub prior_sd: f64,
    /// The person's answers to the context questions (any number, several per
    /// question allowed).
    pub context: Vec<ContextAnswer>,
    /// The bank the answers' items belong to, when known: the profile then reads
    /// each answer's log-likelihood from the bank's shared table instead of computing
    /// it (the same bits either way).
    pub bank: Option<&'a Bank>,
}

impl<'a> ProfileInput<'a> {
    /// The input of a session's answers so far: its log, its current estimate and the
    /// prior of its start rule. `context` is the full list of context answers (the
    /// session's own `context` only holds those that shape its prior).
    pub fn from_session(
        session: &Session<'a>,
        context: Vec<ContextAnswer>,
    ) -> Result<Self, ProfileError> {
        let config = session.config();
        let start = config
            .start
            .start(&config.context)
            .map_err(|e| ProfileError::Input(format!("start rule: {e}")))?;
        let bank = session.bank();
        let log = session.log();
        let mut answers = Vec::with_capacity(log.len());
        for e in &log {
            let item = bank
                .index_of(&e.item)
                .and_then(|i| bank.get(i))
                .ok_or_else(|| ProfileError::Input(format!("unknown item `{}`", e.item)))?;
            answers.push(ScoredAnswer {
                item,
                score: e.score,
                skipped: e.skipped,
            });
        }
        Ok(ProfileInput {
            answers,
            overall: session.estimate(),
            prior_mean: start.prior_mean,
            prior_sd: start.prior_sd,
            context,
            bank: Some(bank),
        })
    }
}

// ---------------------------------------------------------------------------------
// Output

/// The autonomy profile of one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The référentiel whose rules made it.
    pub referentiel: ReferentielRef,
    /// The engine that computed it ([`crate::ENGINE_VERSION`]).
    pub engine_version: String,
    /// The session's overall estimate.
    pub overall: Estimate,
    /// The overall autonomy class.
    pub class: ClassResult,
    /// Every domain of the rules, in their order.
    pub domains: Vec<DomainProfile>,
    /// Every skill of the rules, in their order.
    pub skills: Vec<SkillProfile>,
    /// Skill ids to work on next, by priority (at most `work_on_max`).
    pub work_on: Vec<String>,
    /// Where to go.
    pub orientation: Orientation,
    /// Sentences of the result screen.
    pub summary: Summary,
}

/// The overall autonomy class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassResult {
    /// Class id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Workshop level.
    pub workshop_level: String,
    /// « Proche de la limite »: the test could not tell this class from the
    /// neighbouring one, whose id this is ([`ProfileConfig::class_decision`]).
    /// Absent when the class is clear, and from profiles made before the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<String>,
}

/// One domain of the profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainProfile {
    /// Domain id.
    pub domain: String,
    /// Domain label.
    pub label: String,
    /// θ and SE of the domain (hierarchical EAP).
    pub estimate: Estimate,
    /// Level id.
    pub level: String,
    /// Level label.
    pub level_label: String,
    /// Answers in this domain (skips included).
    pub answers: usize,
    /// Of which skipped.
    pub skipped: usize,
    /// Fewer than `min_answers` answers or SE above `max_se`: the level is a
    /// cautious guess, mostly carried by the other domains.
    pub not_enough_answers: bool,
}

/// One skill of the profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkillProfile {
    /// Skill id.
    pub skill: String,
    /// Domain id.
    pub domain: String,
    /// Label.
    pub label: String,
    /// Answers to items of this skill (skips included).
    pub answers: usize,
    /// Share of the maximum score obtained on those answers (`None` without
    /// answers).
    pub score_share: Option<f64>,
    /// θ at which the typical task is evaluated, with its SE: the skill's own
    /// estimate if it has answers, else the domain's (SE widened by τ_s).
    pub estimate: Estimate,
    /// Probability of success on the skill's typical task at that θ.
    pub probability: f64,
    /// Status id.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Whether the status adds services (the skill is to be worked on).
    pub to_work_on: bool,
    /// Rank of the skill among those to work on (1 first, see the module's
    /// « What to work on next »); `None` when it is not to be worked on (not a
    /// candidate: mastered, or of a status the modality does not list), and in
    /// profiles stored before ranks were kept. Every screen and paper lists the
    /// skills to work on in this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<usize>,
}

/// Where the person is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Orientation {
    /// Modality id.
    pub modality: String,
    /// Modality label.
    pub label: String,
    /// Sentence for the person.
    pub description: String,
    /// `modalites_accompagnement` of the schema.
    pub modalites: Vec<String>,
    /// `services` of the schema, without repeats.
    pub services: Vec<String>,
    /// Index of the orientation rule that chose the modality.
    pub rule: usize,
    /// Services a suggested place must all offer: the modality's, the required
    /// adjustments', and, when the modality names none, the first service of the
    /// first skill to work on (the main need).
    #[serde(default)]
    pub place_services: Vec<String>,
    /// Specific needs (ids) a suggested place must meet.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Programmes whose places come first.
    #[serde(default)]
    pub programmes: Vec<String>,
}

/// The sentences of the result screen, and their lists for a bulleted layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// What the person can already do: a domain label when every skill of the
    /// domain is mastered, else the mastered skills' labels (référentiel order).
    pub known: Vec<String>,
    /// Labels of the skills to work on, by priority.
    pub work_on: Vec<String>,
    /// "Vous savez déjà : …." (`None` when nothing is mastered yet).
    pub known_sentence: Option<String>,
    /// "À travailler ensuite : …." (`None` when everything is mastered).
    pub work_on_sentence: Option<String>,
    /// "Notre conseil : … ." followed by the modality's sentence.
    pub orientation_sentence: String,
}

// ---------------------------------------------------------------------------------
// Computation

/// One answer, resolved against the rules.
struct Resolved<'a> {
    item: &'a Item,
    id: &'a str,
    score: usize,
    skipped: bool,
    domain: usize,
    skill: usize,
    /// The answer's log-likelihood on the default grid, computed (or read from the
    /// bank's table) once for the many subsets the profile estimates.
    row: Vec<f64>,
}

/// EAP with a normal prior on the grid of `grid` (the default one); the prior itself
/// for no answer.
/// Adds each answer's precomputed row, which gives the bits of
/// [`Eap::estimate_responses`] on the same answers in the same order.
fn eap<'r>(
    grid: &EapPosterior,
    answers: impl Iterator<Item = &'r Resolved<'r>>,
    mean: f64,
    sd: f64,
) -> Result<Estimate, ProfileError> {
    let mut answers = answers.peekable();
    if answers.peek().is_none() {
        return Ok(Estimate {
            theta: mean,
            se: sd,
        });
    }
    let mut post = grid.with_prior(&Prior::Normal { mean, sd })?;
    for a in answers {
        post.add_log_likelihood(&a.row)?;
    }
    Ok(post.estimate())
}

/// Index of the last cut whose `from_theta` is at most θ (the first has none).
fn cut_index(theta: f64, cuts: impl Iterator<Item = Option<f64>>) -> usize {
    let mut ix = 0;
    for (i, c) in cuts.enumerate() {
        match c {
            None => {}
            Some(t) if theta >= t => ix = i,
            Some(_) => break,
        }
    }
    ix
}

/// Lowers the first letter, unless the first word is an acronym ("SMS").
fn lower_first(s: &str) -> String {
    let first_word = s.split_whitespace().next().unwrap_or("");
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && first_word
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if !acronym => c.to_lowercase().chain(chars).collect(),
        _ => s.to_string(),
    }
}

/// "Lead : a ; b ; c." (semicolons: labels may hold commas). A no-break space
/// comes before each semicolon, as French typography wants (a line never starts
/// with one). The summary's lists ([`Summary::known_sentence`],
/// [`Summary::work_on_sentence`]) are written by it; whoever must know every
/// sentence the result screen can say (the recorded voice) writes them with it too.
pub fn list_sentence(lead: &str, items: &[String]) -> String {
    let list: Vec<String> = items.iter().map(|s| lower_first(s)).collect();
    format!("{} {}.", lead.trim_end(), list.join("\u{a0}; "))
}

/// "Lead label. Description": [`Summary::orientation_sentence`] for the modality
/// `label` and its `description`.
pub fn orientation_sentence(lead: &str, label: &str, description: &str) -> String {
    format!(
        "{} {}. {}",
        lead.trim_end(),
        lower_first(label),
        description.trim()
    )
}

fn push_unique(out: &mut Vec<String>, items: &[String]) {
    for s in items {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
}

/// The level of domain `rule` at θ: the last level whose `from_theta` is at most θ.
fn domain_level<'c>(config: &'c ProfileConfig, rule: &DomainRule, theta: f64) -> &'c LevelRule {
    let li = cut_index(theta, rule.cuts.iter().map(|c| c.from_theta));
    &config.levels[li.min(config.levels.len() - 1)]
}

/// The probability of success on the skill's typical task at θ, and the status it
/// gives.
fn skill_status<'c>(
    config: &'c ProfileConfig,
    rule: &SkillRule,
    theta: f64,
) -> Result<(f64, &'c StatusRule), ProfileError> {
    let typical = Item::two_pl(config.typical_a, rule.typical_b)
        .map_err(|e| bad(format!("skill `{}`: {e}", rule.id)))?;
    let probability = typical.success_prob(theta);
    let status = config
        .statuses
        .iter()
        .find(|st| st.min_probability <= probability)
        .or(config.statuses.last())
        .ok_or_else(|| bad("statuses: empty"))?;
    Ok((probability, status))
}

/// The autonomy class at θ: the last class whose `from_theta` is at most θ.
fn class_of(config: &ProfileConfig, theta: f64) -> &ClassRule {
    let ci = cut_index(theta, config.classes.iter().map(|c| c.from_theta));
    &config.classes[ci.min(config.classes.len() - 1)]
}

/// The first orientation rule whose conditions hold for this class, these domain
/// levels (`(domain, level)` ids) and context answers: its index and its modality.
fn choose_modality<'c>(
    config: &'c ProfileConfig,
    class: &str,
    levels: &[(&str, &str)],
    context: &[ContextAnswer],
) -> Result<(usize, &'c ModalityRule), ProfileError> {
    let given = |c: &ContextAnswer| context.contains(c);
    let (rule_ix, choice) = config
        .orientation
        .rules
        .iter()
        .enumerate()
        .find(|(_, r)| {
            (r.when_class.is_empty() || r.when_class.iter().any(|c| c == class))
                && (r.when_answer.is_empty() || r.when_answer.iter().any(given))
                && (r.when_domain_level.is_empty()
                    || r.when_domain_level.iter().any(|dl| {
                        levels
                            .iter()
                            .any(|(d, l)| *d == dl.domain && *l == dl.level)
                    }))
        })
        .ok_or_else(|| bad("orientation.rules: no rule applies"))?;
    let modality = config
        .orientation
        .modalities
        .iter()
        .find(|m| m.id == choice.modality)
        .ok_or_else(|| bad(format!("unknown modality `{}`", choice.modality)))?;
    Ok((rule_ix, modality))
}

/// What the rules say of a person whose abilities are known exactly: the reference
/// a simulation compares a test's profile with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Autonomy class id at the general θ.
    pub class: String,
    /// Level id of every domain (in the rules' order) at that domain's θ.
    pub domain_levels: Vec<String>,
    /// Status id of every skill (in the rules' order) at its domain's θ.
    pub skill_statuses: Vec<String>,
    /// The modality the orientation rules give with that class, those levels and the
    /// context answers.
    pub modality: String,
}

/// The [`Reference`] of a person of general ability `theta` whose domains are at
/// `domain_thetas` (one per domain of the rules, in their order; an empty slice means
/// every domain at `theta`), with these context answers. Skills sit at their
/// domain's θ (no skill-specific deviation). The same rules as [`profile`] (class
/// cut points, domain cut points, statuses, orientation), applied to true values
/// instead of estimates.
pub fn reference(
    config: &ProfileConfig,
    theta: f64,
    domain_thetas: &[f64],
    context: &[ContextAnswer],
) -> Result<Reference, ProfileError> {
    config.validate()?;
    if !theta.is_finite() || domain_thetas.iter().any(|t| !t.is_finite()) {
        return Err(ProfileError::Input("θ must be finite".to_string()));
    }
    if !domain_thetas.is_empty() && domain_thetas.len() != config.domains.len() {
        return Err(ProfileError::Input(format!(
            "{} domain θs for {} domains",
            domain_thetas.len(),
            config.domains.len()
        )));
    }
    let theta_of = |d: usize| domain_thetas.get(d).copied().unwrap_or(theta);
    let domain_levels: Vec<String> = config
        .domains
        .iter()
        .enumerate()
        .map(|(d, rule)| domain_level(config, rule, theta_of(d)).id.clone())
        .collect();
    let mut skill_statuses = Vec::with_capacity(config.skills.len());
    for rule in &config.skills {
        let d = config
            .domains
            .iter()
            .position(|x| x.id == rule.domain)
            .unwrap_or(0);
        skill_statuses.push(skill_status(config, rule, theta_of(d))?.1.id.clone());
    }
    let class = class_of(config, theta).id.clone();
    let levels: Vec<(&str, &str)> = config
        .domains
        .iter()
        .zip(&domain_levels)
        .map(|(d, l)| (d.id.as_str(), l.as_str()))
        .collect();
    let modality = choose_modality(config, &class, &levels, context)?
        .1
        .id
        .clone();
    Ok(Reference {
        class,
        domain_levels,
        skill_statuses,
        modality,
    })
}

/// Computes the profile. Pure and deterministic; the answers may come in any order.
pub fn profile(config: &ProfileConfig, input: &ProfileInput<'_>) -> Result<Profile, ProfileError> {
    config.validate()?;
    if !input.prior_mean.is_finite() || !positive(input.prior_sd) {
        return Err(ProfileError::Input(format!(
            "prior N({}, {}): the mean must be finite and the SD > 0",
            input.prior_mean, input.prior_sd
        )));
    }
    if !input.overall.theta.is_finite() {
        return Err(ProfileError::Input(
            "the overall estimate is not finite".to_string(),
        ));
    }
    let sh = config.shrinkage;

    // Resolve and sort (order invariance, to the bit).
    let rows = EapPosterior::new(&Eap::default())?;
    let table = input
        .bank
        .map(|bank| (bank, bank.log_lik_table(rows.nodes(), true)));
    let mut answers: Vec<Resolved<'_>> = Vec::with_capacity(input.answers.len());
    for a in &input.answers {
        let it = a.item;
        let domain = config
            .domains
            .iter()
            .position(|d| d.id == it.domain)
            .ok_or_else(|| ProfileError::UnknownDomain {
                item: it.id.clone(),
                domain: it.domain.clone(),
            })?;
        let skill = config
            .skills
            .iter()
            .position(|s| s.id == it.skill && s.domain == it.domain)
            .ok_or_else(|| ProfileError::UnknownSkill {
                item: it.id.clone(),
                skill: it.skill.clone(),
                domain: it.domain.clone(),
            })?;
        if a.skipped && a.score != 0 {
            return Err(ProfileError::SkippedWithScore {
                item: it.id.clone(),
                score: a.score,
            });
        }
        it.item.check_score(a.score).map_err(|source| {
            ProfileError::Estimation(EstimateError::Response {
                index: answers.len(),
                source,
            })
        })?;
        // The bank's row when this very item is in the given bank, else computed.
        let tabulated = table.as_ref().and_then(|(bank, t)| {
            let i = bank.index_of(&it.id)?;
            let same = bank.get(i).is_some_and(|b| std::ptr::eq(b, it));
            let row = t.row(i, a.score);
            (same && row.len() == rows.grid().points()).then_some(row)
        });
        let row = match tabulated {
            Some(r) => r.to_vec(),
            None => rows
                .log_likelihood_row(&it.item, a.score)
                .map_err(|source| {
                    ProfileError::Estimation(EstimateError::Response {
                        index: answers.len(),
                        source,
                    })
                })?,
        };
        answers.push(Resolved {
            item: &it.item,
            id: &it.id,
            score: a.score,
            skipped: a.skipped,
            domain,
            skill,
            row,
        });
    }
    answers.sort_by(|a, b| {
        a.id.cmp(b.id)
            .then(a.score.cmp(&b.score))
            .then(a.skipped.cmp(&b.skipped))
    });

    // Domains.
    let mut domains = Vec::with_capacity(config.domains.len());
    let mut domain_priors = Vec::with_capacity(config.domains.len());
    for (d, rule) in config.domains.iter().enumerate() {
        let rest = eap(
            &rows,
            answers.iter().filter(|a| a.domain != d),
            input.prior_mean,
            input.prior_sd,
        )?;
        let prior_sd = (sh.between_domain_sd.powi(2) + rest.se.powi(2)).sqrt();
        let estimate = eap(
            &rows,
            answers.iter().filter(|a| a.domain == d),
            rest.theta,
            prior_sd,
        )?;
        domain_priors.push((rest.theta, prior_sd));
        let n = answers.iter().filter(|a| a.domain == d).count();
        let skipped = answers
            .iter()
            .filter(|a| a.domain == d && a.skipped)
            .count();
        let level = domain_level(config, rule, estimate.theta);
        domains.push(DomainProfile {
            domain: rule.id.clone(),
            label: rule.label.clone(),
            estimate,
            level: level.id.clone(),
            level_label: level.label.clone(),
            answers: n,
            skipped,
            not_enough_answers: n < sh.min_answers || estimate.se > sh.max_se,
        });
    }

    // Skills.
    let mut skills = Vec::with_capacity(config.skills.len());
    for (s, rule) in config.skills.iter().enumerate() {
        let d = config
            .domains
            .iter()
            .position(|x| x.id == rule.domain)
            .unwrap_or(0);
        let (dom_mean, dom_sd) = domain_priors[d];
        let n = answers.iter().filter(|a| a.skill == s).count();
        let (got, max) = answers
            .iter()
            .filter(|a| a.skill == s)
            .fold((0, 0), |(g, m), a| (g + a.score, m + a.item.max_score()));
        let score_share = (max > 0).then(|| got as f64 / max as f64);
        let estimate = if n == 0 {
            let de = domains[d].estimate;
            Estimate {
                theta: de.theta,
                se: (de.se.powi(2) + sh.between_skill_sd.powi(2)).sqrt(),
            }
        } else {
            let rest = eap(
                &rows,
                answers.iter().filter(|a| a.domain == d && a.skill != s),
                dom_mean,
                dom_sd,
            )?;
            let sd = (sh.between_skill_sd.powi(2) + rest.se.powi(2)).sqrt();
            eap(
                &rows,
                answers.iter().filter(|a| a.skill == s),
                rest.theta,
                sd,
            )?
        };
        let (probability, status) = skill_status(config, rule, estimate.theta)?;
        skills.push(SkillProfile {
            skill: rule.id.clone(),
            domain: rule.domain.clone(),
            label: rule.label.clone(),
            answers: n,
            score_share,
            estimate,
            probability,
            status: status.id.clone(),
            status_label: status.label.clone(),
            to_work_on: status.adds_services,
            priority: None,
        });
    }

    // Class.
    let class_rule = class_of(config, input.overall.theta);
    let near = match &config.class_decision {
        None => None,
        Some(decision) => {
            // The answers' log-likelihood summed in the order given (a session's
            // order), as the session's stopping rule sums it.
            let loglik = |theta: f64| -> f64 {
                input
                    .answers
                    .iter()
                    .map(|a| a.item.item.log_likelihood_unchecked(theta, a.score))
                    .sum()
            };
            match decision.verdict(&config.class_cuts(), input.overall, &loglik) {
                Verdict::Clear => None,
                Verdict::Near { neighbour, .. } => {
                    config.classes.get(neighbour).map(|c| c.id.clone())
                }
            }
        }
    };
    let class = ClassResult {
        id: class_rule.id.clone(),
        label: class_rule.label.clone(),
        workshop_level: class_rule.workshop_level.clone(),
        near,
    };

    // Orientation: the modality first (it says which statuses are listed as to
    // work on).
    let given = |c: &ContextAnswer| input.context.contains(c);
    let levels: Vec<(&str, &str)> = domains
        .iter()
        .map(|d| (d.domain.as_str(), d.level.as_str()))
        .collect();
    let (rule_ix, modality) = choose_modality(config, &class.id, &levels, &input.context)?;

    // Priority of the skills to work on: those whose status adds services and, if
    // the modality says so, is one of its `work_on` statuses.
    let status_rank = |id: &str| config.statuses.iter().position(|s| s.id == id).unwrap_or(0);
    let mut candidates: Vec<usize> = (0..skills.len())
        .filter(|&i| {
            skills[i].to_work_on
                && (modality.work_on.is_empty() || modality.work_on.contains(&skills[i].status))
        })
        .collect();
    candidates.sort_by(|&i, &j| {
        let (a, b) = (&skills[i], &skills[j]);
        status_rank(&b.status)
            .cmp(&status_rank(&a.status))
            .then(
                a.score_share
                    .unwrap_or(0.5)
                    .partial_cmp(&b.score_share.unwrap_or(0.5))
                    .unwrap_or(Ordering::Equal),
            )
            .then(
                config.skills[i]
                    .typical_b
                    .partial_cmp(&config.skills[j].typical_b)
                    .unwrap_or(Ordering::Equal),
            )
            .then(i.cmp(&j))
    });
    for (rank, &i) in candidates.iter().enumerate() {
        skills[i].priority = Some(rank + 1);
    }
    // The skills the person's screen names; only they bring services.
    candidates.truncate(config.summary.work_on_max);
    let work_on: Vec<String> = candidates
        .iter()
        .map(|&i| skills[i].skill.clone())
        .collect();

    // Services: the modality's, the listed skills', the adjustments'.
    let mut services = Vec::new();
    push_unique(&mut services, &modality.services);
    for &i in &candidates {
        push_unique(&mut services, &config.skills[i].services);
    }
    let mut place_services = modality.services.clone();
    if place_services.is_empty() {
        if let Some(first) = candidates
            .iter()
            .find_map(|&i| config.skills[i].services.first())
        {
            place_services.push(first.clone());
        }
    }
    for adj in &config.orientation.adjustments {
        if adj.when_answer.iter().any(given) {
            push_unique(&mut services, &adj.add_services);
            if adj.required {
                push_unique(&mut place_services, &adj.add_services);
            }
        }
    }
    let mut needs = Vec::new();
    for rule in &config.orientation.needs {
        if rule.when_answer.iter().any(given) && !needs.contains(&rule.need) {
            needs.push(rule.need.clone());
        }
    }
    let orientation = Orientation {
        modality: modality.id.clone(),
        label: modality.label.clone(),
        description: modality.description.clone(),
        modalites: modality.modalites.clone(),
        services,
        rule: rule_ix,
        place_services,
        needs,
        programmes: modality.programmes.clone(),
    };

    // Summary.
    let mastered = |s: &SkillProfile| !s.to_work_on;
    let mut known = Vec::new();
    for d in &config.domains {
        let of_domain: Vec<&SkillProfile> = skills.iter().filter(|s| s.domain == d.id).collect();
        if !of_domain.is_empty() && of_domain.iter().all(|s| mastered(s)) {
            known.push(d.label.clone());
        } else {
            known.extend(
                of_domain
                    .iter()
                    .filter(|s| mastered(s))
                    .map(|s| s.label.clone()),
            );
        }
    }
    let work_on_labels: Vec<String> = work_on
        .iter()
        .filter_map(|id| skills.iter().find(|s| s.skill == *id))
        .map(|s| s.label.clone())
        .collect();
    let text = &config.summary;
    let summary = Summary {
        known_sentence: (!known.is_empty()).then(|| list_sentence(&text.known, &known)),
        work_on_sentence: (!work_on_labels.is_empty())
            .then(|| list_sentence(&text.work_on, &work_on_labels)),
        orientation_sentence: orientation_sentence(
            &text.orientation,
            &orientation.label,
            &orientation.description,
        ),
        known,
        work_on: work_on_labels,
    };

    Ok(Profile {
        referentiel: config.referentiel.clone(),
        engine_version: crate::ENGINE_VERSION.to_string(),
        overall: input.overall,
        class,
        domains,
        skills,
        work_on,
        orientation,
        summary,
    })
}
