//! The result of a test, computed by the server from the answer log alone.
//!
//! Everything the server derives from a submission goes through one function,
//! [`compute_outcome`]: a browser's own profile or score is never read (the answer
//! log has no field for it, see [`crate::submission`]).
//!
//! [`compute_outcome`] is [`repere_items::assessment::Assessor::assess`], the same
//! code the app runs at the end of a live test: the log's versions, seed, context
//! answers and item ids are checked, every response is scored, the adaptive session
//! is **replayed** (each logged item must be the one the session chooses at that
//! point, so a tampered log is refused, naming the answer), and the autonomy profile
//! of `repere_engine::profile` is computed. The [`Assessor`] is built once, when the
//! server starts ([`assessor`]).
//!
//! The stored [`Outcome`] keeps the summary the lists, groups and exports read
//! (θ, SE, tallies, per-domain levels, per-skill statuses, orientation), taken from
//! the real profile, and the full assessment beside it (`assessment`). Stored
//! outcomes keep the engine and référentiel versions they were computed with, and
//! the raw log is stored beside them so they can be recomputed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use repere_items::assessment::{
    AnswerLog, AssessError, Assessor, Outcome as Assessment, MAX_ANSWERS,
};
use repere_items::Bank;
use serde::{Deserialize, Serialize};

static BANK: OnceLock<Result<Bank, String>> = OnceLock::new();
static ASSESSOR: OnceLock<Result<Assessor<'static>, String>> = OnceLock::new();
/// The archived versions' banks (`items/archive/`), loaded at their first log.
static ARCHIVE: OnceLock<Vec<(&'static str, Result<Bank, String>)>> = OnceLock::new();
static ARCHIVE_ASSESSORS: OnceLock<Vec<(&'static str, Result<Assessor<'static>, String>)>> =
    OnceLock::new();

fn problems_text(what: &str, problems: &[repere_items::Problem]) -> String {
    let mut msg = format!("{what} has {} problem(s)", problems.len());
    for p in problems.iter().take(5) {
        msg.push_str(&format!("\n  {p}"));
    }
    msg
}

/// The item bank and référentiel compiled into the binary, loaded and checked once.
pub fn bank() -> Result<&'static Bank, String> {
    BANK.get_or_init(|| {
        repere_items::embedded().map_err(|p| problems_text("the embedded item bank", &p))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The assessor of the embedded bank (engine bank, profile and session rules),
/// built once.
pub fn assessor() -> Result<&'static Assessor<'static>, String> {
    ASSESSOR
        .get_or_init(|| {
            let bank = bank()?;
            Assessor::new(bank).map_err(|e| format!("the embedded bank cannot run tests: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The assessor of each archived version (built on first use), by version.
fn archive_assessors() -> &'static [(&'static str, Result<Assessor<'static>, String>)] {
    ARCHIVE_ASSESSORS.get_or_init(|| {
        let banks = ARCHIVE.get_or_init(|| {
            repere_items::archived_versions()
                .into_iter()
                .map(|v| {
                    let bank = match repere_items::archived(v) {
                        Some(Ok(b)) => Ok(b),
                        Some(Err(p)) => Err(problems_text(&format!("archived bank {v}"), &p)),
                        None => Err(format!("archived bank {v} is missing")),
                    };
                    (v, bank)
                })
                .collect()
        });
        banks
            .iter()
            .map(|(v, bank)| {
                let a = bank.as_ref().map_err(Clone::clone).and_then(|b| {
                    Assessor::new(b).map_err(|e| format!("archived bank {v} cannot run tests: {e}"))
                });
                (*v, a)
            })
            .collect()
    })
}

/// The assessor for a log: `current` when the log was made with the current
/// référentiel version (or with a version the server does not keep: `current` then
/// refuses it, naming the version), else the archived version's, so that a log
/// made before an update (waiting in a device's outbox) is replayed by the rules
/// it was made with and its profile records that version.
pub fn assessor_for(
    current: &'static Assessor<'static>,
    log: &AnswerLog,
) -> Result<&'static Assessor<'static>, AssessError> {
    let version = log.referentiel.version.as_str();
    if version == current.bank().version() || log.referentiel.id != current.bank().id() {
        return Ok(current);
    }
    match archive_assessors().iter().find(|(v, _)| *v == version) {
        Some((_, Ok(a))) => Ok(a),
        Some((_, Err(e))) => Err(AssessError::Rules(e.clone())),
        None => Ok(current),
    }
}

/// Per-skill tally of the answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkillTally {
    /// Skill id.
    pub skill: String,
    /// Items of this skill answered (skips included).
    pub items: usize,
    /// Items skipped.
    pub skipped: usize,
    /// Sum of the scores.
    pub score: usize,
    /// Sum of the maximum scores.
    pub max_score: usize,
}

/// The status of one skill in a profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkillStatus {
    /// Skill id.
    pub skill: String,
    /// Status id (`SkillStatusRule::id`, e.g. `acquis`).
    pub status: String,
    /// Whether this skill is to be worked on (its status adds services).
    pub to_work_on: bool,
    /// Rank among the skills to work on (1 first), as the profile ordered them;
    /// absent in records stored before ranks were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<usize>,
}

/// The level of one domain in a profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainLevel {
    /// Domain id.
    pub domain: String,
    /// Autonomy level id.
    pub level: String,
    /// Too few answers (or too wide an SE): the level is a cautious guess.
    #[serde(default)]
    pub not_enough_answers: bool,
}

/// Where the person is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Orientation {
    /// Modality id (`Modality::id`).
    pub modality: String,
    /// Services of the mediation schema, in order, without repeats.
    pub services: Vec<String>,
    /// `modalites_accompagnement` a suggested place must offer one of (records
    /// stored before places: empty, the modality's are used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modalites: Vec<String>,
    /// Services a suggested place must all offer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub place_services: Vec<String>,
    /// Specific needs (ids) a suggested place must meet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Programmes whose places come first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programmes: Vec<String>,
}

impl Orientation {
    /// What a suggested place must offer. Records stored before places were
    /// suggested only have the modality: its rules of the référentiel are used.
    pub fn needs(&self, bank: &Bank) -> repere_items::places::Needs {
        if self.modalites.is_empty() && self.place_services.is_empty() && self.needs.is_empty() {
            if let Ok(n) = crate::places::needs_of(bank, &self.modality, &[], &[]) {
                return n;
            }
        }
        repere_items::places::Needs::from_parts(
            &self.modalites,
            &self.place_services,
            &self.needs,
            &self.programmes,
        )
    }
}

/// The autonomy profile, in ids of the référentiel (labels are looked up when shown).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Overall autonomy class id.
    pub class: String,
    /// Level of every domain, in référentiel order.
    pub domains: Vec<DomainLevel>,
    /// Status of every skill, in référentiel order.
    pub skills: Vec<SkillStatus>,
    /// The orientation.
    pub orientation: Orientation,
    /// The skills the person's screen names, by priority (`None` in records
    /// stored before the list was kept). See [`Profile::work_on`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_on: Option<Vec<String>>,
}

impl Profile {
    /// The skills to work on, in the profile's order of priority (the order the
    /// person's screen uses). A record that keeps its list (`work_on`) ranked
    /// exactly its candidates: only they are listed (an autonomous person's
    /// skills « en cours » are not). Older records list every skill whose status
    /// adds services, those stored without ranks in référentiel order.
    pub fn work_on(&self) -> Vec<&SkillStatus> {
        let listed = self.work_on.is_some();
        let mut work: Vec<&SkillStatus> = self
            .skills
            .iter()
            .filter(|s| s.to_work_on && (!listed || s.priority.is_some()))
            .collect();
        // Stable: equal keys (no rank) keep the référentiel order.
        work.sort_by_key(|s| s.priority.unwrap_or(usize::MAX));
        work
    }
}

/// What the server stores and shows for one test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Engine version that computed it.
    pub engine_version: String,
    /// Référentiel id it was computed against.
    pub referentiel_id: String,
    /// Référentiel (and bank) version.
    pub referentiel_version: String,
    /// Ability estimator (`eap`).
    pub estimator: String,
    /// Overall θ.
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
    /// Items answered (skips included).
    pub items: usize,
    /// Items skipped.
    pub skipped: usize,
    /// Tallies by skill, in référentiel order (skills with answers only).
    pub skills: Vec<SkillTally>,
    /// The profile (always present for outcomes computed by the assessment).
    pub profile: Option<Profile>,
    /// The full result of [`Assessor::assess`] (`None` in records stored before
    /// the assessment replaced the provisional profile), kept as its JSON text.
    #[serde(default)]
    pub assessment: Option<StoredAssessment>,
}

/// The full assessment of a stored outcome, kept as the JSON text it was written as.
///
/// The server stores it for the record (it can be read back with
/// [`StoredAssessment::decode`]) but only ever asks whether it is there: decoding it
/// for every profile of a list or an export cost more than the rest of the record
/// (about half the time of a 100,000-profile export). As text it is read without
/// building it, and written back byte for byte when the record is updated.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredAssessment(Box<serde_json::value::RawValue>);

impl StoredAssessment {
    /// The JSON text of `a`.
    pub fn new(a: &Assessment) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(a).map(StoredAssessment)
    }

    /// The assessment itself.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn decode(&self) -> Result<Assessment, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

impl PartialEq for StoredAssessment {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Outcome {
    /// The stored outcome of an assessment.
    pub fn from_assessment(bank: &Bank, a: Assessment) -> Outcome {
        let mut tallies: BTreeMap<&str, SkillTally> = BTreeMap::new();
        for r in &a.answers {
            let t = tallies
                .entry(r.skill.as_str())
                .or_insert_with(|| SkillTally {
                    skill: r.skill.clone(),
                    items: 0,
                    skipped: 0,
                    score: 0,
                    max_score: 0,
                });
            t.items += 1;
            t.skipped += usize::from(r.skipped);
            t.score += r.score;
            t.max_score += r.max_score;
        }
        let mut skills: Vec<SkillTally> = bank
            .referentiel
            .skills
            .iter()
            .filter_map(|s| tallies.remove(s.id.as_str()))
            .collect();
        // Skills the référentiel does not list (not expected): kept, at the end.
        skills.extend(tallies.into_values());
        let p = &a.profile;
        let profile = Profile {
            class: p.class.id.clone(),
            domains: p
                .domains
                .iter()
                .map(|d| DomainLevel {
                    domain: d.domain.clone(),
                    level: d.level.clone(),
                    not_enough_answers: d.not_enough_answers,
                })
                .collect(),
            skills: p
                .skills
                .iter()
                .map(|s| SkillStatus {
                    skill: s.skill.clone(),
                    status: s.status.clone(),
                    to_work_on: s.to_work_on,
                    priority: s.priority,
                })
                .collect(),
            orientation: Orientation {
                modality: p.orientation.modality.clone(),
                services: p.orientation.services.clone(),
                modalites: p.orientation.modalites.clone(),
                place_services: p.orientation.place_services.clone(),
                needs: p.orientation.needs.clone(),
                programmes: p.orientation.programmes.clone(),
            },
            work_on: Some(p.work_on.clone()),
        };
        Outcome {
            engine_version: p.engine_version.clone(),
            referentiel_id: p.referentiel.id.clone(),
            referentiel_version: p.referentiel.version.clone(),
            estimator: a.estimator.clone(),
            theta: a.estimate.theta,
            se: a.estimate.se,
            items: a.answers.len(),
            skipped: a.answers.iter().filter(|r| r.skipped).count(),
            skills,
            profile: Some(profile),
            // Serialising an assessment (plain data, string keys) cannot fail; were it
            // to, the summary above is still stored.
            assessment: StoredAssessment::new(&a).ok(),
        }
    }
}

/// Checks a log, replays it and computes its outcome with the embedded bank. Pure:
/// no clock, no storage. A bank that cannot be loaded is a server error
/// ([`AssessError::Rules`], not a client error).
#[cfg_attr(not(test), allow(dead_code))]
pub fn compute_outcome(log: &AnswerLog) -> Result<Outcome, AssessError> {
    let assessor = assessor().map_err(AssessError::Rules)?;
    compute_with(assessor_for(assessor, log)?, log)
}

/// [`compute_outcome`] with a given assessor.
pub fn compute_with(assessor: &Assessor<'_>, log: &AnswerLog) -> Result<Outcome, AssessError> {
    let a = assessor.assess(log)?;
    Ok(Outcome::from_assessment(assessor.bank(), a))
}

/// Short machine code of a refused log, for the API's `code` field.
pub fn error_code(e: &AssessError) -> &'static str {
    match e {
        AssessError::Field { .. } => "invalid_field",
        AssessError::Version { .. } => "unknown_version",
        AssessError::Context { .. } => "invalid_context",
        AssessError::NoAnswers | AssessError::TooManyAnswers { .. } => "invalid",
        AssessError::UnknownItem { .. } => "unknown_item",
        AssessError::NotLive { .. } => "not_live",
        AssessError::Response { .. } => "invalid_response",
        AssessError::NotChosen { .. } => "not_chosen",
        AssessError::AfterEnd { .. } => "after_end",
        AssessError::Answer { .. } => "invalid_answer",
        AssessError::Rules(_) | AssessError::Profile(_) => "internal",
    }
}

/// The item id a refused log is about, if any.
pub fn error_item(e: &AssessError) -> Option<&str> {
    match e {
        AssessError::UnknownItem { item, .. }
        | AssessError::NotLive { item, .. }
        | AssessError::Response { item, .. }
        | AssessError::NotChosen { item, .. }
        | AssessError::AfterEnd { item, .. }
        | AssessError::Answer { item, .. } => Some(item),
        _ => None,
    }
}

/// French message for a refused log (the app may show it); answers are numbered
/// from 1.
pub fn error_message(e: &AssessError) -> String {
    const RELOAD: &str = "Rechargez la page pour mettre l'application à jour.";
    match e {
        AssessError::Field { field, message } => {
            format!("Le champ « {field} » du test n'est pas valide ({message}).")
        }
        AssessError::Version { field, found, .. } if *field == "engine_version" => {
            format!("Version du moteur inconnue : « {found} ». {RELOAD}")
        }
        AssessError::Version {
            field,
            expected,
            found,
        } => format!(
            "Référentiel ou banque de questions inconnus : « {field} » vaut « {found} », le serveur utilise « {expected} ». {RELOAD}"
        ),
        AssessError::Context {
            question,
            answer,
            message,
            ..
        } => format!(
            "Réponse aux questions de départ refusée : « {question}:{answer} » ({message})."
        ),
        AssessError::NoAnswers => "Le test ne contient aucune réponse.".to_string(),
        AssessError::TooManyAnswers { count } => format!(
            "Le test contient {count} réponses : c'est plus que la limite de {MAX_ANSWERS}."
        ),
        AssessError::UnknownItem { index, item } => format!(
            "La question « {item} » (réponse n° {}) n'existe pas dans la banque.",
            index + 1
        ),
        AssessError::NotLive { index, item } => format!(
            "La question « {item} » (réponse n° {}) n'est pas proposée dans les tests.",
            index + 1
        ),
        AssessError::Response {
            index,
            item,
            source,
        } => format!(
            "Réponse impossible pour la question « {item} » (réponse n° {}) : {source}",
            index + 1
        ),
        AssessError::NotChosen {
            index,
            item,
            expected,
        } => format!(
            "La réponse n° {} porte sur la question « {item} », mais le test proposait « {expected} » à ce moment : le journal du test a été modifié.",
            index + 1
        ),
        AssessError::AfterEnd { index, item, .. } => format!(
            "La réponse n° {} (question « {item} ») arrive après la fin du test : le journal du test a été modifié.",
            index + 1
        ),
        AssessError::Answer {
            index,
            item,
            message,
        } => format!(
            "La réponse n° {} (question « {item} ») est refusée : {message}",
            index + 1
        ),
        AssessError::Rules(_) | AssessError::Profile(_) => {
            "Le serveur n'a pas pu calculer le résultat.".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use repere_items::assessment::Mode;
    use repere_items::Response;

    use super::*;

    /// A finished kiosk test, every item skipped.
    fn skipped_log(id: &str) -> AnswerLog {
        let a = assessor().expect("assessor");
        let mut t = a
            .start(id.into(), 42, Mode::Kiosk, Vec::new(), 1_000)
            .expect("start");
        while let Some(item) = t.next_item() {
            let id = item.id.clone();
            t.answer(&id, Response::Skip, 1_000).expect("answer");
        }
        t.finish(2_000).expect("finish").0
    }

    #[test]
    fn the_outcome_is_the_assessment() {
        let log = skipped_log("0b7e7d1c-2f3a-4b5c-9d8e-7f6a5b4c3d2e");
        let o = compute_outcome(&log).expect("valid");
        let a = assessor().expect("assessor").assess(&log).expect("valid");
        assert_eq!(o.theta, a.estimate.theta);
        assert_eq!(o.items, log.answers.len());
        assert_eq!(o.skipped, log.answers.len());
        let p = o.profile.as_ref().expect("profile");
        assert_eq!(p.class, a.profile.class.id);
        assert_eq!(p.domains.len(), a.profile.domains.len());
        for (d, e) in p.domains.iter().zip(&a.profile.domains) {
            assert_eq!((&d.domain, &d.level), (&e.domain, &e.level));
        }
        for (s, e) in p.skills.iter().zip(&a.profile.skills) {
            assert_eq!(
                (&s.skill, &s.status, s.priority),
                (&e.skill, &e.status, e.priority)
            );
        }
        // The skills to work on, in the order the person's screen names them.
        let work: Vec<&str> = p.work_on().iter().map(|s| s.skill.as_str()).collect();
        assert!(!work.is_empty(), "every item skipped: skills to work on");
        assert_eq!(
            work[..a.profile.work_on.len()],
            a.profile
                .work_on
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()[..]
        );
        let kept = o.assessment.as_ref().expect("assessment kept");
        assert_eq!(kept.decode().expect("decodes"), a);
        // The stored record decodes back.
        let json = serde_json::to_string(&o).expect("json");
        let back: Outcome = serde_json::from_str(&json).expect("decode");
        assert_eq!(back.profile, o.profile);
        // Byte for byte: what a record update writes back is what was stored.
        assert_eq!(back, o);
        assert_eq!(serde_json::to_string(&back).expect("json"), json);
    }

    #[test]
    fn records_stored_without_ranks_list_their_skills_in_referentiel_order() {
        let status = |skill: &str, work: bool, priority: Option<usize>| SkillStatus {
            skill: skill.into(),
            status: if work { "a-travailler" } else { "acquis" }.into(),
            to_work_on: work,
            priority,
        };
        let mut p = Profile {
            class: "avec-guidage".into(),
            domains: Vec::new(),
            skills: vec![
                status("device.touch", true, Some(3)),
                status("device.power", false, None),
                status("mail.read", true, Some(1)),
                status("safety.data", true, Some(2)),
            ],
            orientation: Orientation {
                modality: "atelier".into(),
                services: Vec::new(),
                modalites: Vec::new(),
                place_services: Vec::new(),
                needs: Vec::new(),
                programmes: Vec::new(),
            },
            work_on: None,
        };
        let ids = |p: &Profile| {
            p.work_on()
                .iter()
                .map(|s| s.skill.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&p), ["mail.read", "safety.data", "device.touch"]);
        // An older record: no ranks in its JSON, read as none, référentiel order kept.
        let json = serde_json::to_string(&p).expect("json");
        let old = json
            .replace(r#","priority":3"#, "")
            .replace(r#","priority":1"#, "")
            .replace(r#","priority":2"#, "");
        assert!(!old.contains("priority"));
        p = serde_json::from_str(&old).expect("an older record decodes");
        assert_eq!(ids(&p), ["device.touch", "mail.read", "safety.data"]);
    }

    #[test]
    fn a_record_that_keeps_its_list_lists_only_its_ranked_skills() {
        let status = |skill: &str, st: &str, priority: Option<usize>| SkillStatus {
            skill: skill.into(),
            status: st.into(),
            to_work_on: st != "acquis",
            priority,
        };
        // An autonomous person: the modality lists only « à travailler »; the
        // skills « en cours » are not candidates, so they have no rank.
        let mut p = Profile {
            class: "autonome".into(),
            domains: Vec::new(),
            skills: vec![
                status("device.touch", "acquis", None),
                status("mail.read", "en-cours", None),
                status("safety.data", "a-travailler", Some(1)),
                status("web.search", "en-cours", None),
            ],
            orientation: Orientation {
                modality: "autonomie".into(),
                services: Vec::new(),
                modalites: Vec::new(),
                place_services: Vec::new(),
                needs: Vec::new(),
                programmes: Vec::new(),
            },
            work_on: Some(vec!["safety.data".into()]),
        };
        let ids = |p: &Profile| {
            p.work_on()
                .iter()
                .map(|s| s.skill.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(ids(&p), "safety.data");
        // Nothing ranked: nothing listed, not every skill « en cours ».
        p.skills[2].status = "en-cours".into();
        p.skills[2].priority = None;
        p.work_on = Some(Vec::new());
        assert_eq!(ids(&p), "");
        // The same record without its list (stored before lists were kept): every
        // skill whose status adds services.
        p.work_on = None;
        assert_eq!(ids(&p), "mail.read safety.data web.search");
    }

    #[test]
    fn tampered_logs_are_client_errors_naming_the_answer() {
        let log = skipped_log("0b7e7d1c-2f3a-4b5c-9d8e-7f6a5b4c3d2f");
        let mut swapped = log.clone();
        let other = bank()
            .expect("bank")
            .live_items()
            .find(|i| i.id != log.answers[1].item && !log.answers.iter().any(|a| a.item == i.id))
            .expect("another live item");
        swapped.answers[1].item = other.id.clone();
        let e = compute_outcome(&swapped).expect_err("tampered");
        assert!(e.is_client_error());
        assert_eq!(error_item(&e), Some(other.id.as_str()));
        assert!(
            error_message(&e).contains("réponse n° 2"),
            "{}",
            error_message(&e)
        );
        let mut unknown = log.clone();
        unknown.answers[0].item = "nope.01".into();
        let e = compute_outcome(&unknown).expect_err("unknown");
        assert_eq!(error_code(&e), "unknown_item");
        assert!(error_message(&e).contains("nope.01"));
        let mut version = log;
        version.engine_version = "9.9.9".into();
        let e = compute_outcome(&version).expect_err("version");
        assert!(e.is_client_error() && error_message(&e).contains("9.9.9"));
    }

    /// A finished kiosk test made with référentiel 1.0.0 (kept in items/archive/),
    /// every item skipped.
    fn version_1_log(id: &str) -> (AnswerLog, Assessment) {
        let v1 = repere_items::archived("1.0.0")
            .expect("kept")
            .expect("loads");
        let a = Assessor::new(&v1).expect("v1 assessor");
        let mut t = a
            .start(id.into(), 7, Mode::Kiosk, Vec::new(), 1_000)
            .expect("start");
        while let Some(item) = t.next_item() {
            let id = item.id.clone();
            t.answer(&id, Response::Skip, 1_000).expect("answer");
        }
        let (log, outcome) = t.finish(2_000).expect("finish");
        (log, outcome)
    }

    #[test]
    fn a_log_made_before_an_update_is_replayed_by_its_own_version() {
        let (log, shown) = version_1_log("0b7e7d1c-2f3a-4b5c-9d8e-7f6a5b4c3d30");
        let current = assessor().expect("assessor");
        assert_ne!(current.bank().version(), "1.0.0");
        // The current rules alone refuse it…
        let e = compute_with(current, &log).expect_err("another version");
        assert_eq!(error_code(&e), "unknown_version");
        // …the server replays it with version 1, to the profile the app showed.
        let a = assessor_for(current, &log).expect("archived assessor");
        assert_eq!(a.bank().version(), "1.0.0");
        let o = compute_outcome(&log).expect("replayed");
        assert_eq!(o.referentiel_version, "1.0.0");
        assert_eq!(o.items, log.answers.len());
        assert_eq!(o.theta, shown.estimate.theta);
        let kept = o
            .assessment
            .as_ref()
            .expect("kept")
            .decode()
            .expect("decodes");
        assert_eq!(kept, shown);
        // A current log keeps the current rules; an unknown version is refused by them.
        let now = skipped_log("0b7e7d1c-2f3a-4b5c-9d8e-7f6a5b4c3d31");
        assert!(std::ptr::eq(
            assessor_for(current, &now).expect("current"),
            current
        ));
        let mut unknown = log;
        unknown.referentiel.version = "0.9.0".into();
        unknown.bank_version = "0.9.0".into();
        let e = compute_outcome(&unknown).expect_err("unknown version");
        assert_eq!(error_code(&e), "unknown_version");
        assert!(error_message(&e).contains("0.9.0") || e.to_string().contains("0.9.0"));
    }
}
