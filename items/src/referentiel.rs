//! The référentiel (`data/referentiel.toml`) and the context questions
//! (`data/context.toml`), as plain serde structs.
//!
//! These structs are the data contract of the profile: the engine side of the profile
//! (written elsewhere) reads them and never the TOML. Every list keeps the order of
//! the file, and every rule list is read from top to bottom.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use repere_engine::classify::ClassDecision;
use repere_engine::profile as ep;
use repere_engine::select::{
    Beginner, BeginnerStep, ContentBalancing, Filter, Progressive, Ranking, SelectConfig,
    SympsonHetter,
};
use repere_engine::session::{EstimatorConfig, GridConfig, SessionConfig};
use repere_engine::start::{ContextAnswer as EngineContextAnswer, StartRule as EngineStartRule};
use repere_engine::stop::{ClassifyStop, Combine, StopConfig};

use crate::item::Requirement;

/// The référentiel: what "beginner digital autonomy" means, skill by skill, and how a
/// measured ability becomes a profile and an orientation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referentiel {
    /// Stable identifier, e.g. `repere-gd`. Stored with every result.
    pub id: String,
    /// Semantic version (`MAJOR.MINOR.PATCH`): bump MAJOR when a skill or a cut point
    /// changes meaning, so stored profiles can say which rules made them.
    pub version: String,
    /// Human title (French).
    pub title: String,
    /// The external frameworks the skills point to.
    pub frameworks: Frameworks,
    /// The autonomy levels shared by every domain, from the lowest to the highest.
    #[serde(rename = "level")]
    pub levels: Vec<AutonomyLevel>,
    /// The domains, in the order they are shown.
    #[serde(rename = "domain")]
    pub domains: Vec<Domain>,
    /// The skills, grouped by domain in the order they are shown.
    #[serde(rename = "skill")]
    pub skills: Vec<Skill>,
    /// How θ becomes skill statuses, an autonomy class and an orientation.
    pub profile: ProfileRules,
    /// How the adaptive test runs in production (`[session]`): needed to run or
    /// replay a test ([`crate::assessment`]); absent from test fixtures.
    #[serde(default)]
    pub session: Option<SessionRules>,
    /// What the item bank must hold (`[bank]`): checked by the validator; absent
    /// from test fixtures and from archived versions.
    #[serde(default)]
    pub bank: Option<BankTargets>,
}

/// What the item bank must hold to measure its public (`[bank]`): enough live items
/// per skill for the adaptive test to vary them, a floor (items a person meeting a
/// screen for the first time succeeds on) in every domain and a ceiling (items
/// only an autonomous person succeeds on). Counts are of live items, by location
/// ([`crate::Irt::location`]). The validator reports every shortfall as an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankTargets {
    /// Live items in the whole bank.
    #[serde(default)]
    pub min_live: usize,
    /// Live items every skill needs.
    pub min_live_per_skill: usize,
    /// Floor: live items at or below this location…
    pub floor_b: f64,
    /// …at least this many in every domain.
    pub min_floor_per_domain: usize,
    /// Ceiling: live items at or above this location…
    pub ceiling_b: f64,
    /// …at least this many in the whole bank…
    pub min_ceiling: usize,
    /// …and at least `min_ceiling_per_domain` in each of these domains.
    #[serde(default)]
    pub ceiling_domains: Vec<String>,
    /// See `ceiling_domains`.
    #[serde(default)]
    pub min_ceiling_per_domain: usize,
}

/// The frameworks a skill is mapped to; their code lists are what the validator
/// accepts in `crcn`, `digcomp`, `services` and `modalites`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frameworks {
    /// CRCN (décret 2019-919).
    pub crcn: Framework,
    /// DigComp 2.2.
    pub digcomp: Framework,
    /// The national schema of digital mediation places.
    pub mediation: MediationSchema,
}

/// A competence framework: its competences by code (`"2.1"` → label).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Name of the framework.
    pub name: String,
    /// Version or legal reference.
    pub version: String,
    /// Competence code → label.
    pub competences: BTreeMap<String, String>,
}

/// The schema "standard-mediation-num": the exact strings places publish, so that an
/// orientation can be matched against open data about mediation places.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediationSchema {
    /// Schema name.
    pub name: String,
    /// Schema version.
    pub version: String,
    /// Allowed values of `services`.
    pub services: Vec<String>,
    /// Allowed values of `modalites_accompagnement`.
    pub modalites: Vec<String>,
}

/// One autonomy level, shared by all domains (e.g. "Avec de l'aide").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutonomyLevel {
    /// Stable identifier, e.g. `avec-aide`.
    pub id: String,
    /// Plain French label shown to the person and the trainer.
    pub label: String,
    /// FALC description.
    pub description: String,
}

/// A domain of the référentiel (e.g. "Communiquer").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Stable identifier, e.g. `communicate`.
    pub id: String,
    /// French label.
    pub label: String,
    /// FALC description.
    pub description: String,
    /// One entry per autonomy level, in the order of [`Referentiel::levels`].
    #[serde(rename = "level")]
    pub levels: Vec<DomainLevel>,
}

/// What an autonomy level means in one domain, and from which θ it applies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainLevel {
    /// Id of an [`AutonomyLevel`].
    pub level: String,
    /// The level applies from this θ (inclusive) up to the next level's. Absent for
    /// the first level (from −∞); required and strictly increasing for the others.
    #[serde(default)]
    pub from_theta: Option<f64>,
    /// FALC descriptor of the level in this domain ("Vous envoyez un message seul.").
    pub description: String,
}

/// A skill: the unit of the item bank, the profile and the exports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    /// Stable identifier, dotted lowercase, e.g. `mail.attach`. Item files are named
    /// after it (`bank/mail.attach.toml`).
    pub id: String,
    /// Id of its [`Domain`].
    pub domain: String,
    /// French label.
    pub label: String,
    /// FALC description.
    pub description: String,
    /// CRCN competence codes, e.g. `["2.1"]`.
    pub crcn: Vec<String>,
    /// CRCN level of the skill (1 to 8; beginners: 1 or 2).
    pub crcn_level: u8,
    /// DigComp 2.2 competence codes.
    pub digcomp: Vec<String>,
    /// Services of the mediation schema this skill leads to when not mastered.
    pub services: Vec<String>,
    /// Difficulty `b` of the skill's typical task: the profile computes the
    /// probability of success on it (slope [`ProfileRules::typical_a`]).
    pub typical_b: f64,
    /// True when typing text is part of the skill: only such skills may have `text`
    /// items or live items that require a keyboard.
    #[serde(default)]
    pub typing: bool,
}

/// The profile rules, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRules {
    /// Slope of every skill's typical task.
    pub typical_a: f64,
    /// Skill statuses, from the best (highest `min_probability`) to the lowest.
    #[serde(rename = "status")]
    pub statuses: Vec<SkillStatusRule>,
    /// Overall autonomy classes, from the lowest θ to the highest.
    #[serde(rename = "class")]
    pub classes: Vec<AutonomyClass>,
    /// Orientation: modalities, rules and adjustments.
    pub orientation: OrientationRules,
    /// Domain and skill estimates (`[profile.estimation]`): needed to compute a
    /// profile ([`Referentiel::profile_config`]).
    #[serde(default)]
    pub estimation: Option<ProfileEstimation>,
    /// The words of the result screen (`[profile.summary]`): needed to compute a
    /// profile.
    #[serde(default)]
    pub summary: Option<ProfileSummary>,
    /// When the overall class is clear (`[profile.class_decision]`); a class that
    /// is not is given with « proche de la limite ». Absent: every class is given
    /// as clear.
    #[serde(default)]
    pub class_decision: Option<ClassDecisionRule>,
}

/// A skill status ("Acquis", "En cours", "À travailler").
///
/// A skill gets the first status (top to bottom) whose `min_probability` is at most
/// the probability of success on the skill's typical task:
/// `P = 1 / (1 + exp(−typical_a · (θ − typical_b)))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillStatusRule {
    /// Stable identifier, e.g. `acquis`.
    pub id: String,
    /// French label.
    pub label: String,
    /// FALC description.
    pub description: String,
    /// Lowest probability of success for this status, in [0, 1]; the last status has 0.
    pub min_probability: f64,
    /// Whether the services of a skill with this status go into the orientation.
    #[serde(default)]
    pub adds_services: bool,
}

/// An overall autonomy class (the mediators' scale), chosen by the overall θ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutonomyClass {
    /// Stable identifier, e.g. `avec-guidage`.
    pub id: String,
    /// French label.
    pub label: String,
    /// FALC description.
    pub description: String,
    /// Workshop level used by mediators ("Débutant", "Intermédiaire", "Avancé").
    pub workshop_level: String,
    /// Applies from this θ (inclusive). Absent for the first class only.
    #[serde(default)]
    pub from_theta: Option<f64>,
}

/// How a profile becomes an orientation.
///
/// 1. The first [`OrientationRule`] (top to bottom) whose conditions all hold gives
///    the modality. The last rule has no condition (fallback).
/// 2. Skills to work on: those whose status `adds_services` and, when the modality
///    lists `work_on` statuses, whose status is one of them (at most
///    `work_on_max`).
/// 3. Services = the modality's services, plus the services of the skills to work
///    on, plus those of every [`Adjustment`] whose condition holds. Duplicates are
///    removed, order of first appearance kept.
/// 4. What a suggested place must offer and meet: the modality's services, the
///    `required` adjustments' services (else the first service of the first skill
///    to work on), and the needs of every [`NeedRule`] whose answer was given;
///    places of the modality's `programmes` come first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrientationRules {
    /// The possible modalities.
    #[serde(rename = "modality")]
    pub modalities: Vec<Modality>,
    /// Rules choosing the modality.
    #[serde(rename = "rule")]
    pub rules: Vec<OrientationRule>,
    /// Context-driven additions of services.
    #[serde(rename = "adjust", default)]
    pub adjustments: Vec<Adjustment>,
    /// Context-driven specific needs.
    #[serde(rename = "need", default)]
    pub needs: Vec<NeedRule>,
}

/// Where a person is sent ("Dans un atelier collectif"…), in the terms of the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Modality {
    /// Stable identifier, e.g. `atelier`.
    pub id: String,
    /// French label shown on the printout.
    pub label: String,
    /// FALC sentence for the person ("Vous apprenez en groupe, avec un médiateur.").
    pub description: String,
    /// `modalites_accompagnement` values of the schema to look for in places.
    pub modalites: Vec<String>,
    /// `services` values always suggested with this modality (a suggested place
    /// must offer them all).
    #[serde(default)]
    pub services: Vec<String>,
    /// Statuses whose skills are listed as to work on (empty: every status that
    /// adds services).
    #[serde(default)]
    pub work_on: Vec<String>,
    /// `dispositif_programmes_nationaux` whose places come first.
    #[serde(default)]
    pub programmes: Vec<String>,
}

/// A rule choosing the modality. Every listed condition must hold; a condition that
/// lists several values holds when any one of them holds; an empty list is no
/// condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrientationRule {
    /// Holds when the overall class is one of these class ids.
    #[serde(default)]
    pub when_class: Vec<String>,
    /// Holds when the person gave one of these context answers (`"question:answer"`).
    #[serde(default)]
    pub when_answer: Vec<String>,
    /// Holds when one of these domains is at one of these levels (`"domain:level"`).
    #[serde(default)]
    pub when_domain_level: Vec<String>,
    /// Id of the chosen [`Modality`].
    pub modality: String,
    /// Why this rule exists (for trainers and reviewers).
    #[serde(default)]
    pub note: Option<String>,
}

/// Services added when the person gave one of the listed context answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// Holds when one of these answers (`"question:answer"`) was given.
    pub when_answer: Vec<String>,
    /// Services to add.
    pub add_services: Vec<String>,
    /// A suggested place must offer these services.
    #[serde(default)]
    pub required: bool,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// A specific need told by a context answer (« Non, je vois mal »: places equipped
/// for visual impairment).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedRule {
    /// Holds when one of these answers (`"question:answer"`) was given.
    pub when_answer: Vec<String>,
    /// The need: `deficience-visuelle`, `illettrisme`, `langues`, `surdite`,
    /// `gratuit` ([`crate::places::Need`]).
    pub need: String,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// The context questions asked before the test (not scored), and the start rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// The questions, in the order they are asked.
    #[serde(rename = "question")]
    pub questions: Vec<ContextQuestion>,
    /// Start rules, read from top to bottom; the last one has no condition.
    #[serde(rename = "start")]
    pub start_rules: Vec<StartRule>,
}

/// A context question ("Quels appareils avez-vous chez vous ?").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextQuestion {
    /// Stable identifier, e.g. `equipment`.
    pub id: String,
    /// The question (FALC).
    pub label: String,
    /// What is read aloud: the question and its answers.
    pub read_aloud: String,
    /// Several answers may be chosen.
    #[serde(default)]
    pub multiple: bool,
    /// Asked only when it makes sense: when one of these answers
    /// (`"question:answer"`, of questions asked before) was given, or when none of
    /// their questions was answered (a person who skipped « Quels appareils ? »
    /// may still have a smartphone). Empty: always asked. See
    /// [`Context::is_asked`].
    #[serde(default)]
    pub when_any: Vec<String>,
    /// The possible answers, in display order.
    #[serde(rename = "answer")]
    pub answers: Vec<ContextAnswer>,
}

/// A possible answer to a context question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextAnswer {
    /// Stable identifier within the question, e.g. `smartphone`.
    pub id: String,
    /// French label.
    pub label: String,
    /// In a multiple question, choosing this answer clears the others ("Aucun").
    #[serde(default)]
    pub exclusive: bool,
    /// What a person giving this answer cannot use: the test never shows an item
    /// that needs it (« Non, je vois mal » → `["sight"]`: no item where one points
    /// into a picture). Added to what the mode cannot offer (`[session.unavailable]`).
    #[serde(default)]
    pub unavailable: Vec<Requirement>,
}

/// The prior of the ability estimate for a combination of context answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRule {
    /// Holds when ALL these answers (`"question:answer"`) were given. Empty: always.
    #[serde(default)]
    pub when_all: Vec<String>,
    /// Prior mean of θ.
    pub prior_mean: f64,
    /// Prior standard deviation of θ (> 0).
    pub prior_sd: f64,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

impl Context {
    /// Whether `question` is asked, given the answers already given
    /// (`"question:answer"` strings): always when its `when_any` is empty; else
    /// when one of those answers was given, or when none of the questions they
    /// belong to has an answer.
    pub fn is_asked(&self, question: &ContextQuestion, answers: &[&str]) -> bool {
        if question.when_any.is_empty() {
            return true;
        }
        if question
            .when_any
            .iter()
            .any(|w| answers.contains(&w.as_str()))
        {
            return true;
        }
        let unanswered = |q: &str| {
            !answers
                .iter()
                .any(|a| a.split_once(':').is_some_and(|(aq, _)| aq == q))
        };
        question
            .when_any
            .iter()
            .filter_map(|w| w.split_once(':').map(|(q, _)| q))
            .all(unanswered)
    }

    /// The questions asked with these answers, in order (a question's condition
    /// reads the answers to the questions before it).
    pub fn asked<'c>(&'c self, answers: &[&str]) -> Vec<&'c ContextQuestion> {
        self.questions
            .iter()
            .filter(|q| self.is_asked(q, answers))
            .collect()
    }

    /// `answers` without the answers to questions that these answers no longer
    /// ask (« Aucun appareil » after « Un iPhone »: the phone answer goes), in
    /// their order. Answers to questions the file does not define are kept (the
    /// assessor refuses them with a reason).
    pub fn keep_asked(&self, answers: &[String]) -> Vec<String> {
        let question_of = |a: &str| a.split_once(':').map_or(a, |(q, _)| q).to_string();
        let mut dropped: Vec<&str> = Vec::new();
        for q in &self.questions {
            let given: Vec<&str> = answers
                .iter()
                .map(String::as_str)
                .filter(|a| !dropped.contains(&question_of(a).as_str()))
                .collect();
            if !self.is_asked(q, &given) {
                dropped.push(&q.id);
            }
        }
        answers
            .iter()
            .filter(|a| !dropped.contains(&question_of(a).as_str()))
            .cloned()
            .collect()
    }

    /// The prior `(mean, sd)` for the given answers (`"question:answer"` strings):
    /// the first start rule whose conditions all hold. `None` only if the rules have
    /// no fallback, which the validator forbids.
    pub fn prior(&self, answers: &[&str]) -> Option<(f64, f64)> {
        self.start_rules
            .iter()
            .find(|r| r.when_all.iter().all(|w| answers.contains(&w.as_str())))
            .map(|r| (r.prior_mean, r.prior_sd))
    }

    /// What the person cannot use, from the given answers (`"question:answer"`
    /// strings): the union of the `unavailable` lists of those answers, sorted, once
    /// each. Unknown answers add nothing (they are refused before, by the checks of
    /// the log).
    pub fn unavailable(&self, answers: &[&str]) -> Vec<Requirement> {
        let mut out: Vec<Requirement> = self
            .questions
            .iter()
            .flat_map(|q| q.answers.iter().map(move |a| (q, a)))
            .filter(|(q, a)| {
                answers.iter().any(|given| {
                    given
                        .split_once(':')
                        .is_some_and(|(gq, ga)| gq == q.id && ga == a.id)
                })
            })
            .flat_map(|(_, a)| a.unavailable.iter().copied())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Everything some answer may make unavailable (to check, once, that the test
    /// can still run without those items).
    pub fn all_unavailable(&self) -> Vec<Requirement> {
        let mut out: Vec<Requirement> = self
            .questions
            .iter()
            .flat_map(|q| &q.answers)
            .flat_map(|a| a.unavailable.iter().copied())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// How long a test can be, as the person is told before it starts: the fewest
/// and the most questions, and the time cap in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestLength {
    /// The fewest questions: the stop's minimum, or every domain's items if more.
    pub min_items: usize,
    /// The most questions.
    pub max_items: usize,
    /// The time cap, in minutes (no timer is shown).
    pub max_minutes: u64,
}

impl Referentiel {
    /// The length of a test under the session rules (`None` without them): the
    /// test never stops before `stop.min_items` questions, nor before every domain
    /// has its `min_per_domain` items.
    pub fn test_length(&self) -> Option<TestLength> {
        let session = self.session.as_ref()?;
        Some(TestLength {
            min_items: session
                .stop
                .min_items
                .max(session.min_per_domain * self.domains.len()),
            max_items: session.stop.max_items,
            max_minutes: session.stop.max_minutes,
        })
    }
}

impl Referentiel {
    /// The skill with this id.
    pub fn skill(&self, id: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.id == id)
    }

    /// The domain with this id.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    /// The skills of a domain, in file order.
    pub fn skills_of_domain<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a Skill> + 'a {
        self.skills.iter().filter(move |s| s.domain == domain)
    }
}

// ---------------------------------------------------------------------------------
// Profile estimation, summary words and session rules (data), and their conversion
// to the engine's configurations.

/// How domain and skill estimates are made (`[profile.estimation]`): the parameters
/// of the engine's hierarchical approximation (`repere_engine::profile`, "Domain and
/// skill estimates").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileEstimation {
    /// τ: how far a person's domains spread around their general level (θ units).
    pub between_domain_sd: f64,
    /// τ_s: how far a domain's skills spread around the domain (θ units).
    pub between_skill_sd: f64,
    /// A domain with fewer answers is flagged "not enough answers".
    pub min_answers: usize,
    /// A domain whose SE is above this is flagged "not enough answers".
    pub max_se: f64,
}

/// The words of the result screen (`[profile.summary]`), French.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSummary {
    /// Lead of the mastered skills ("Vous savez déjà :").
    pub known: String,
    /// Lead of the skills to work on ("À travailler ensuite :").
    pub work_on: String,
    /// Lead of the orientation sentence ("Notre conseil :").
    pub orientation: String,
    /// At most this many skills to work on.
    pub work_on_max: usize,
}

/// How the adaptive test runs in production (`[session]`). Converted to the
/// engine's `SessionConfig` by [`SessionRules::session_config`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRules {
    /// Ranking of the candidates: `max_info` (Fisher information at θ̂) or
    /// `kullback_leibler`.
    pub ranking: Ranking,
    /// Pick at random among this many best candidates (1: always the best).
    pub randomesque: usize,
    /// The progressive method (`[session.progressive]`: `horizon`, `power`): the
    /// ranking blended with random values early in the test, so the whole bank is
    /// used (see `repere_engine::select::Progressive`). Absent: the ranking alone.
    #[serde(default)]
    pub progressive: Option<Progressive>,
    /// Content balancing: every domain gets at least this many items, and the test
    /// does not stop before (unless `max_items` or the duration is reached).
    pub min_per_domain: usize,
    /// Which domain comes first among those equally short of their minimum: drawn
    /// at random (from the test's seed) instead of the référentiel's order, so tests
    /// do not all begin with the same domain (exposure of the first items).
    #[serde(default)]
    pub random_domain_order: bool,
    /// The Beginner rule: only items the person will probably succeed on.
    pub beginner: BeginnerRules,
    /// Stopping rules.
    pub stop: StopRules,
    /// What each mode of use cannot offer (items needing it are never shown).
    #[serde(default)]
    pub unavailable: UnavailableRules,
    /// Exposure control (`[session.exposure]`): item id → Sympson-Hetter parameter
    /// `k` (the chosen item is shown with probability k, else set aside for the
    /// test); items not listed have k = 1. Set by `repere validate
    /// --calibrate-exposure`, so that no item is shown in more than a set share of
    /// the tests. Ids of items that are not live are ignored.
    #[serde(default)]
    pub exposure: BTreeMap<String, f64>,
}

/// The Beginner rule (`[session.beginner]`): see `repere_engine::select::Beginner`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginnerRules {
    /// Targets for the first items: `{ until = 5, min_success = 0.8 }` = for the
    /// first 5 items, only items with a predicted success of at least 0.8.
    pub schedule: Vec<BeginnerStepRule>,
    /// Target after the schedule.
    pub then: f64,
    /// Success is predicted at θ̂ − caution × SE.
    #[serde(default)]
    pub caution: f64,
    /// When no item reaches the target, the test chooses among this many of the
    /// easiest (absent: the easiest alone).
    #[serde(default)]
    pub fallback: Option<usize>,
}

/// One step of the Beginner schedule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginnerStepRule {
    /// Applies while fewer than this many items have been given.
    pub until: usize,
    /// Minimum predicted success probability.
    pub min_success: f64,
}

/// Stopping rules (`[session.stop]`). The test stops when every configured
/// criterion is met **and** every domain has its `min_per_domain` items, but never
/// before `min_items`; it always stops at `max_items` or after `max_minutes`. The
/// criteria: the overall SE below `se_below`; the class decided (`[session.stop.
/// classify]`, at the classes' cut points).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRules {
    /// No stop on precision before this many items.
    pub min_items: usize,
    /// Always stop after this many items.
    pub max_items: usize,
    /// Precision reached: overall SE below this.
    #[serde(default)]
    pub se_below: Option<f64>,
    /// Always stop after this many minutes (sum of the time spent on items).
    pub max_minutes: u64,
    /// Stop when the class is clear, or near a cut point with a precise estimate.
    #[serde(default)]
    pub classify: Option<ClassifyRules>,
}

/// `[session.stop.classify]`: see `repere_engine::stop::ClassifyStop`. The cut
/// points are the classes'.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRules {
    /// When the class is clear enough to stop. It may ask more than
    /// `[profile.class_decision]`, which only decides what the result says: a test
    /// goes on while the class is unsure, and a result says « proche de la limite »
    /// only when it is very near a cut.
    pub decision: ClassDecisionRule,
    /// A clear class stops the test once the SE is at most this (absent: at once).
    #[serde(default)]
    pub clear_se: Option<f64>,
    /// A class that is not clear stops the test once the SE is at most this.
    pub borderline_se: f64,
}

/// When a class is clear (`[profile.class_decision]`, and `decision` of
/// `[session.stop.classify]`): `method = "interval"` with `z`, `method = "sprt"`
/// with `delta` and `alpha`, or `method = "probability"` with `p` (see
/// `repere_engine::classify`). A flat table (no tagged
/// enum) so that the compact bank encodes it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassDecisionRule {
    /// `interval` or `sprt`.
    pub method: DecisionMethod,
    /// Interval: half-width in SE.
    #[serde(default)]
    pub z: Option<f64>,
    /// SPRT: half-width of the indifference region.
    #[serde(default)]
    pub delta: Option<f64>,
    /// SPRT: error rate of both kinds.
    #[serde(default)]
    pub alpha: Option<f64>,
    /// Probability: smallest posterior probability of a clear class.
    #[serde(default)]
    pub p: Option<f64>,
}

/// The method of a [`ClassDecisionRule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionMethod {
    /// θ̂ at least `z` SE from every cut.
    Interval,
    /// Wald's SPRT at every cut.
    Sprt,
    /// The posterior probability of the class at least `p`.
    Probability,
}

impl ClassDecisionRule {
    /// The engine's rule; `at` names the table in errors.
    pub fn decision(&self, at: &str) -> Result<ClassDecision, RulesError> {
        let need = |v: Option<f64>, name: &str| {
            v.ok_or_else(|| RulesError::Invalid(format!("{at}: `{name}` is missing")))
        };
        let d = match self.method {
            DecisionMethod::Interval => ClassDecision::Interval {
                z: need(self.z, "z")?,
            },
            DecisionMethod::Sprt => ClassDecision::Sprt {
                delta: need(self.delta, "delta")?,
                alpha: need(self.alpha, "alpha")?,
            },
            DecisionMethod::Probability => ClassDecision::Probability {
                p: need(self.p, "p")?,
            },
        };
        d.validate()
            .map_err(|e| RulesError::Invalid(format!("{at}: {e}")))?;
        Ok(d)
    }
}

/// What each mode cannot offer (`[session.unavailable]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnavailableRules {
    /// A kiosk (no keyboard).
    #[serde(default)]
    pub kiosk: Vec<Requirement>,
    /// A tablet held by an agent.
    #[serde(default)]
    pub agent: Vec<Requirement>,
    /// The person's own device.
    #[serde(rename = "self", default)]
    pub self_test: Vec<Requirement>,
}

/// Why the référentiel's rules could not be turned into an engine configuration.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RulesError {
    /// A table the conversion needs is absent.
    #[error("{REFERENTIEL_FILE_NAME}: `[{0}]` is missing")]
    Missing(&'static str),
    /// A value is malformed or refers to nothing; the message says where.
    #[error("{REFERENTIEL_FILE_NAME}: {0}")]
    Invalid(String),
}

const REFERENTIEL_FILE_NAME: &str = "referentiel.toml";

/// `"question:answer"` → the engine's context answer.
fn context_answer(s: &str, at: &str) -> Result<EngineContextAnswer, RulesError> {
    match s.split_once(':') {
        Some((q, a)) if !q.is_empty() && !a.is_empty() => Ok(EngineContextAnswer {
            question: q.to_string(),
            answer: a.to_string(),
        }),
        _ => Err(RulesError::Invalid(format!(
            "{at}: `{s}` is not `question:answer`"
        ))),
    }
}

fn context_answers(list: &[String], at: &str) -> Result<Vec<EngineContextAnswer>, RulesError> {
    list.iter().map(|s| context_answer(s, at)).collect()
}

/// The engine's requirement flags for a list of requirements.
pub fn engine_requirements(list: &[Requirement]) -> repere_engine::bank::Requirements {
    let mut r = repere_engine::bank::Requirements::NONE;
    for x in list {
        match x {
            Requirement::Touch => r.touch = true,
            Requirement::Keyboard => r.keyboard = true,
            Requirement::Sight => r.sight = true,
            Requirement::Hearing => r.hearing = true,
        }
    }
    r
}

impl Referentiel {
    /// The engine's profile rules: domains and their cut points, skills and their
    /// typical tasks, statuses, classes, orientation, plus `[profile.estimation]`
    /// and `[profile.summary]`. Checked by the engine's
    /// `ProfileConfig::validate` before it is returned.
    pub fn profile_config(&self) -> Result<ep::ProfileConfig, RulesError> {
        let p = &self.profile;
        let est = p
            .estimation
            .ok_or(RulesError::Missing("profile.estimation"))?;
        let summary = p
            .summary
            .as_ref()
            .ok_or(RulesError::Missing("profile.summary"))?;
        let mut rules = Vec::with_capacity(p.orientation.rules.len());
        for (i, r) in p.orientation.rules.iter().enumerate() {
            let at = format!("profile.orientation.rule[{i}]");
            let mut when_domain_level = Vec::new();
            for s in &r.when_domain_level {
                match s.split_once(':') {
                    Some((d, l)) => when_domain_level.push(ep::DomainLevelRef {
                        domain: d.to_string(),
                        level: l.to_string(),
                    }),
                    None => {
                        return Err(RulesError::Invalid(format!(
                            "{at}: `{s}` is not `domain:level`"
                        )))
                    }
                }
            }
            rules.push(ep::ModalityChoice {
                when_class: r.when_class.clone(),
                when_answer: context_answers(&r.when_answer, &at)?,
                when_domain_level,
                modality: r.modality.clone(),
            });
        }
        let mut adjustments = Vec::with_capacity(p.orientation.adjustments.len());
        for (i, a) in p.orientation.adjustments.iter().enumerate() {
            adjustments.push(ep::ServiceAdjustment {
                when_answer: context_answers(
                    &a.when_answer,
                    &format!("profile.orientation.adjust[{i}]"),
                )?,
                add_services: a.add_services.clone(),
                required: a.required,
            });
        }
        let mut needs = Vec::with_capacity(p.orientation.needs.len());
        for (i, n) in p.orientation.needs.iter().enumerate() {
            needs.push(ep::NeedRule {
                when_answer: context_answers(
                    &n.when_answer,
                    &format!("profile.orientation.need[{i}]"),
                )?,
                need: n.need.clone(),
            });
        }
        let config = ep::ProfileConfig {
            referentiel: ep::ReferentielRef {
                id: self.id.clone(),
                version: self.version.clone(),
            },
            shrinkage: ep::Shrinkage {
                between_domain_sd: est.between_domain_sd,
                between_skill_sd: est.between_skill_sd,
                min_answers: est.min_answers,
                max_se: est.max_se,
            },
            typical_a: p.typical_a,
            levels: self
                .levels
                .iter()
                .map(|l| ep::LevelRule {
                    id: l.id.clone(),
                    label: l.label.clone(),
                })
                .collect(),
            domains: self
                .domains
                .iter()
                .map(|d| ep::DomainRule {
                    id: d.id.clone(),
                    label: d.label.clone(),
                    cuts: d
                        .levels
                        .iter()
                        .map(|l| ep::Cut {
                            level: l.level.clone(),
                            from_theta: l.from_theta,
                        })
                        .collect(),
                })
                .collect(),
            skills: self
                .skills
                .iter()
                .map(|s| ep::SkillRule {
                    id: s.id.clone(),
                    domain: s.domain.clone(),
                    label: s.label.clone(),
                    typical_b: s.typical_b,
                    services: s.services.clone(),
                })
                .collect(),
            statuses: p
                .statuses
                .iter()
                .map(|s| ep::StatusRule {
                    id: s.id.clone(),
                    label: s.label.clone(),
                    min_probability: s.min_probability,
                    adds_services: s.adds_services,
                })
                .collect(),
            classes: p
                .classes
                .iter()
                .map(|c| ep::ClassRule {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    workshop_level: c.workshop_level.clone(),
                    from_theta: c.from_theta,
                })
                .collect(),
            orientation: ep::OrientationConfig {
                modalities: p
                    .orientation
                    .modalities
                    .iter()
                    .map(|m| ep::ModalityRule {
                        id: m.id.clone(),
                        label: m.label.clone(),
                        description: m.description.clone(),
                        modalites: m.modalites.clone(),
                        services: m.services.clone(),
                        work_on: m.work_on.clone(),
                        programmes: m.programmes.clone(),
                    })
                    .collect(),
                rules,
                adjustments,
                needs,
            },
            class_decision: p
                .class_decision
                .map(|d| d.decision("profile.class_decision"))
                .transpose()?,
            summary: ep::SummaryText {
                known: summary.known.clone(),
                work_on: summary.work_on.clone(),
                orientation: summary.orientation.clone(),
                work_on_max: summary.work_on_max,
            },
        };
        config
            .validate()
            .map_err(|e| RulesError::Invalid(e.to_string()))?;
        Ok(config)
    }
}

impl SessionRules {
    /// The classification criterion of `[session.stop.classify]` at the class cut
    /// points of `profile` (none when the table is absent).
    pub fn classify_stop(
        &self,
        profile: &ep::ProfileConfig,
    ) -> Result<Option<ClassifyStop>, RulesError> {
        self.stop
            .classify
            .map(|c| {
                Ok(ClassifyStop {
                    cuts: profile.class_cuts(),
                    decision: c.decision.decision("session.stop.classify.decision")?,
                    clear_se: c.clear_se,
                    borderline_se: c.borderline_se,
                })
            })
            .transpose()
    }

    /// The engine's session configuration for one test: EAP on the default session
    /// grid; the prior `N(prior_mean, prior_sd)` chosen from the context answers by
    /// [`Context::prior`] (given to the engine as a fixed start, so the engine need
    /// not know the context table); content balancing then the Beginner rule, then
    /// the ranking with randomesque; the stopping rules, with the classification
    /// criterion `classify` ([`SessionRules::classify_stop`]); the items needing
    /// anything in `unavailable` excluded. Checked by the engine when a session is
    /// built.
    pub fn session_config(
        &self,
        prior_mean: f64,
        prior_sd: f64,
        unavailable: &[Requirement],
        classify: Option<ClassifyStop>,
    ) -> SessionConfig {
        SessionConfig {
            start: EngineStartRule::FixedTheta {
                theta: prior_mean,
                sd: prior_sd,
            },
            context: Vec::new(),
            unavailable: engine_requirements(unavailable),
            estimator: EstimatorConfig::Eap,
            grid: GridConfig::default(),
            select: SelectConfig {
                ranking: self.ranking,
                filters: vec![
                    Filter::ContentBalancing(ContentBalancing {
                        min_per_domain: self.min_per_domain,
                        random_ties: self.random_domain_order,
                        ..ContentBalancing::default()
                    }),
                    Filter::Beginner(Beginner {
                        schedule: self
                            .beginner
                            .schedule
                            .iter()
                            .map(|s| BeginnerStep {
                                until: s.until,
                                min_success: s.min_success,
                            })
                            .collect(),
                        then: self.beginner.then,
                        caution: self.beginner.caution,
                        fallback: self.beginner.fallback.unwrap_or(1),
                    }),
                ],
                randomesque: self.randomesque,
                progressive: self.progressive,
                exposure: (!self.exposure.is_empty()).then(|| SympsonHetter {
                    k: self.exposure.clone(),
                }),
            },
            stop: StopConfig {
                min_items: self.stop.min_items,
                max_items: Some(self.stop.max_items),
                max_duration_ms: Some(self.stop.max_minutes.saturating_mul(60_000)),
                se_below: self.stop.se_below,
                domain_se_below: None,
                min_per_domain: (self.min_per_domain > 0).then_some(self.min_per_domain),
                classify,
                combine: Combine::All,
            },
        }
    }
}
