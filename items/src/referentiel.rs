//! The référentiel (`data/referentiel.toml`) and the context questions
//! (`data/context.toml`), as plain serde structs.
//!
//! These structs are the data contract of the profile: the engine side of the profile
//! (written elsewhere) reads them and never the TOML. Every list keeps the order of
//! the file, and every rule list is read from top to bottom.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
/// 2. Services = the modality's services, plus the services of every skill whose
///    status `adds_services`, plus those of every [`Adjustment`] whose condition holds.
///    Duplicates are removed, order of first appearance kept.
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
    /// `services` values always suggested with this modality.
    #[serde(default)]
    pub services: Vec<String>,
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
    /// The prior `(mean, sd)` for the given answers (`"question:answer"` strings):
    /// the first start rule whose conditions all hold. `None` only if the rules have
    /// no fallback, which the validator forbids.
    pub fn prior(&self, answers: &[&str]) -> Option<(f64, f64)> {
        self.start_rules
            .iter()
            .find(|r| r.when_all.iter().all(|w| answers.contains(&w.as_str())))
            .map(|r| (r.prior_mean, r.prior_sd))
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
