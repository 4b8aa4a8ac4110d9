//! The result of a test, computed by the server from the answer log alone.
//!
//! Everything the server derives from a submission goes through one function,
//! [`compute_outcome`]: a browser's own profile or score is never read (the
//! submission format has no field for it, see [`crate::submission`]).
//!
//! # What it does today, and what will replace it
//!
//! - Every item id is looked up in the embedded bank of `repere-items` (unknown and
//!   draft items are refused), every response is scored with [`repere_items::score`]
//!   (a response the renderer could not have produced is refused), the context
//!   answers are checked against the context questions.
//! - θ is the EAP estimate of `repere_engine::estimate` over the whole pattern, with
//!   the prior chosen by the context answers (`Context::prior`), on the default grid.
//! - The profile ([`Profile`]) is **provisional**: the référentiel's documented rules
//!   (skill status from the probability of success on the skill's typical task,
//!   domain level and autonomy class from the `from_theta` cut points, orientation by
//!   the first matching rule plus services) are applied to that single overall θ.
//!
//! Another engineer is building the full replay in `repere-engine` (the adaptive
//! session replayed item by item with the bank, then the autonomy profile against the
//! référentiel). When it lands, the body of [`compute_outcome`] becomes that replay;
//! the [`Outcome`] record keeps its shape (`profile.provisional` turns false) and the
//! rest of the server (storage, exports, groups) does not change. Stored outcomes
//! keep the engine and référentiel versions they were computed with, and the raw log
//! is stored beside them so they can be recomputed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use repere_engine::estimate::{AbilityEstimator, Eap, Prior, Response as EngineResponse};
use repere_items::{Bank, BankItem, Status};
use serde::{Deserialize, Serialize};

use crate::submission::{Submission, MAX_ANSWERS, MAX_CONTEXT};

/// Engine versions whose logs this server accepts: the engine it was built with
/// (the app is built from the same workspace).
pub const KNOWN_ENGINE_VERSIONS: [&str; 1] = [repere_engine::ENGINE_VERSION];

static BANK: OnceLock<Result<Bank, String>> = OnceLock::new();

/// The item bank and référentiel compiled into the binary, loaded and checked once.
pub fn bank() -> Result<&'static Bank, String> {
    BANK.get_or_init(|| {
        repere_items::embedded().map_err(|problems| {
            let mut msg = format!("the embedded item bank has {} problem(s)", problems.len());
            for p in problems.iter().take(5) {
                msg.push_str(&format!("\n  {p}"));
            }
            msg
        })
    })
    .as_ref()
    .map_err(Clone::clone)
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
}

/// The level of one domain in a profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainLevel {
    /// Domain id.
    pub domain: String,
    /// Autonomy level id.
    pub level: String,
}

/// Where the person is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Orientation {
    /// Modality id (`Modality::id`).
    pub modality: String,
    /// Services of the mediation schema, in order, without repeats.
    pub services: Vec<String>,
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
    /// True while the profile comes from the interim rules of this module rather
    /// than the engine's replay (see the module documentation).
    pub provisional: bool,
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
    /// The profile, when the référentiel's rules could be applied.
    pub profile: Option<Profile>,
}

/// Why a submission is refused. Messages are French: the app may show them.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SubmissionError {
    /// The id is not a UUID.
    #[error("L'identifiant du test « {0} » n'est pas un UUID.")]
    BadId(String),
    /// The engine version is unknown.
    #[error(
        "Version du moteur inconnue : « {0} ». Rechargez la page pour mettre l'application à jour."
    )]
    UnknownEngine(String),
    /// The référentiel or its version is not the server's.
    #[error("Référentiel inconnu : « {id} » version « {version} ». Rechargez la page pour mettre l'application à jour.")]
    UnknownReferentiel {
        /// Id sent.
        id: String,
        /// Version sent.
        version: String,
    },
    /// No answer at all.
    #[error("Le test ne contient aucune réponse.")]
    Empty,
    /// Too many answers.
    #[error("Le test contient {0} réponses : c'est plus que la limite de {MAX_ANSWERS}.")]
    TooManyAnswers(usize),
    /// Too many context answers.
    #[error("Trop de réponses aux questions de départ ({0}, limite {MAX_CONTEXT}).")]
    TooManyContext(usize),
    /// A context answer is unknown or repeated.
    #[error("Réponse aux questions de départ inconnue ou en double : « {0} ».")]
    BadContext(String),
    /// An item id is not in the bank.
    #[error("La question « {item} » (réponse n° {index}) n'existe pas dans la banque.")]
    UnknownItem {
        /// Position in the log (1-based).
        index: usize,
        /// The id.
        item: String,
    },
    /// A draft item (never shown in a test).
    #[error("La question « {item} » (réponse n° {index}) n'est pas proposée dans les tests.")]
    NotLive {
        /// Position in the log (1-based).
        index: usize,
        /// The id.
        item: String,
    },
    /// An item appears twice.
    #[error("La question « {item} » apparaît deux fois (réponse n° {index}).")]
    Repeated {
        /// Position in the log (1-based).
        index: usize,
        /// The id.
        item: String,
    },
    /// A response the item cannot take (out of range, wrong kind…).
    #[error("Réponse impossible pour la question « {item} » (réponse n° {index}) : {detail}")]
    InvalidResponse {
        /// Position in the log (1-based).
        index: usize,
        /// The id.
        item: String,
        /// The scorer's explanation (English, technical).
        detail: String,
    },
    /// A timestamp is negative.
    #[error("Horodatage invalide (réponse n° {0}).")]
    BadTimestamp(usize),
    /// The server's own data or the estimator failed: not the client's fault.
    #[error("Le serveur n'a pas pu calculer le résultat.")]
    Internal(String),
}

impl SubmissionError {
    /// The item id the error is about, if any.
    pub fn item(&self) -> Option<&str> {
        match self {
            SubmissionError::UnknownItem { item, .. }
            | SubmissionError::NotLive { item, .. }
            | SubmissionError::Repeated { item, .. }
            | SubmissionError::InvalidResponse { item, .. } => Some(item),
            _ => None,
        }
    }
}

/// Checks a submission and computes its outcome. Pure: no clock, no storage.
pub fn compute_outcome(sub: &Submission) -> Result<Outcome, SubmissionError> {
    let bank = bank().map_err(SubmissionError::Internal)?;
    compute_with(bank, sub)
}

/// [`compute_outcome`] against a given bank.
pub fn compute_with(bank: &Bank, sub: &Submission) -> Result<Outcome, SubmissionError> {
    if uuid::Uuid::try_parse(&sub.id).is_err() {
        return Err(SubmissionError::BadId(sub.id.chars().take(60).collect()));
    }
    if !KNOWN_ENGINE_VERSIONS.contains(&sub.engine_version.as_str()) {
        return Err(SubmissionError::UnknownEngine(
            sub.engine_version.chars().take(40).collect(),
        ));
    }
    if sub.referentiel_id != bank.id() || sub.referentiel_version != bank.version() {
        return Err(SubmissionError::UnknownReferentiel {
            id: sub.referentiel_id.chars().take(40).collect(),
            version: sub.referentiel_version.chars().take(40).collect(),
        });
    }
    if sub.answers.is_empty() {
        return Err(SubmissionError::Empty);
    }
    if sub.answers.len() > MAX_ANSWERS {
        return Err(SubmissionError::TooManyAnswers(sub.answers.len()));
    }
    let context = check_context(bank, &sub.context)?;
    if [sub.started_at, sub.finished_at]
        .iter()
        .flatten()
        .any(|t| *t < 0)
    {
        return Err(SubmissionError::BadTimestamp(0));
    }

    let mut items: Vec<&BankItem> = Vec::with_capacity(sub.answers.len());
    let mut scores = Vec::with_capacity(sub.answers.len());
    let mut tallies: BTreeMap<&str, SkillTally> = BTreeMap::new();
    for (i, answer) in sub.answers.iter().enumerate() {
        let index = i + 1;
        let item_id = || answer.item.chars().take(80).collect::<String>();
        let item = bank
            .item(&answer.item)
            .ok_or_else(|| SubmissionError::UnknownItem {
                index,
                item: item_id(),
            })?;
        if item.status == Status::Draft {
            return Err(SubmissionError::NotLive {
                index,
                item: item_id(),
            });
        }
        if items.iter().any(|seen| seen.id == item.id) {
            return Err(SubmissionError::Repeated {
                index,
                item: item_id(),
            });
        }
        if [answer.shown_at, answer.answered_at]
            .iter()
            .flatten()
            .any(|t| *t < 0)
        {
            return Err(SubmissionError::BadTimestamp(index));
        }
        let score = repere_items::score(item, &answer.response).map_err(|e| {
            SubmissionError::InvalidResponse {
                index,
                item: item_id(),
                detail: e.to_string(),
            }
        })?;
        let t = tallies
            .entry(item.skill.as_str())
            .or_insert_with(|| SkillTally {
                skill: item.skill.clone(),
                items: 0,
                skipped: 0,
                score: 0,
                max_score: 0,
            });
        t.items += 1;
        t.score += score;
        t.max_score += item.max_score();
        if answer.response == repere_items::Response::Skip {
            t.skipped += 1;
        }
        items.push(item);
        scores.push(score);
    }

    let (mean, sd) = bank.context.prior(&context).unwrap_or((0.0, 1.0));
    let eap = Eap {
        prior: Prior::Normal { mean, sd },
        ..Eap::default()
    };
    let pattern: Vec<EngineResponse<'_>> = items
        .iter()
        .zip(&scores)
        .map(|(item, score)| EngineResponse {
            item: item.engine_item(),
            score: *score,
        })
        .collect();
    let estimate = eap
        .estimate_responses(&pattern)
        .map_err(|e| SubmissionError::Internal(format!("EAP: {e}")))?;

    let skills: Vec<SkillTally> = bank
        .referentiel
        .skills
        .iter()
        .filter_map(|s| tallies.remove(s.id.as_str()))
        .collect();
    let skipped = skills.iter().map(|t| t.skipped).sum();
    Ok(Outcome {
        engine_version: repere_engine::ENGINE_VERSION.to_string(),
        referentiel_id: bank.id().to_string(),
        referentiel_version: bank.version().to_string(),
        estimator: eap.name().to_string(),
        theta: estimate.theta,
        se: estimate.se,
        items: items.len(),
        skipped,
        skills,
        profile: provisional_profile(bank, estimate.theta, &context),
    })
}

/// Checks the context answers: known `question:answer`, no repeats, one answer for
/// a single-answer question, an exclusive answer alone.
fn check_context<'s>(bank: &Bank, context: &'s [String]) -> Result<Vec<&'s str>, SubmissionError> {
    if context.len() > MAX_CONTEXT {
        return Err(SubmissionError::TooManyContext(context.len()));
    }
    let bad = |s: &str| SubmissionError::BadContext(s.chars().take(60).collect());
    let mut out: Vec<&str> = Vec::with_capacity(context.len());
    for entry in context {
        let (q, a) = entry.split_once(':').ok_or_else(|| bad(entry))?;
        let question = bank
            .context
            .questions
            .iter()
            .find(|x| x.id == q)
            .ok_or_else(|| bad(entry))?;
        let answer = question
            .answers
            .iter()
            .find(|x| x.id == a)
            .ok_or_else(|| bad(entry))?;
        if out.contains(&entry.as_str()) {
            return Err(bad(entry));
        }
        let same_question = out
            .iter()
            .filter(|o| o.split(':').next() == Some(q))
            .count();
        if same_question > 0 && (!question.multiple || answer.exclusive) {
            return Err(bad(entry));
        }
        if question.multiple {
            let exclusive_given = out.iter().any(|o| {
                o.split_once(':').is_some_and(|(oq, oa)| {
                    oq == q && question.answers.iter().any(|x| x.id == oa && x.exclusive)
                })
            });
            if exclusive_given {
                return Err(bad(entry));
            }
        }
        out.push(entry.as_str());
    }
    Ok(out)
}

/// The interim profile: the référentiel's rules applied to the overall θ (see the
/// module documentation). `None` if the référentiel has no class or modality.
fn provisional_profile(bank: &Bank, theta: f64, context: &[&str]) -> Option<Profile> {
    let r = &bank.referentiel;
    let rules = &r.profile;
    let by_cut = |cut: Option<f64>| cut.is_none_or(|c| theta >= c);
    let class = rules
        .classes
        .iter()
        .rev()
        .find(|c| by_cut(c.from_theta))?
        .id
        .clone();
    let domains: Vec<DomainLevel> = r
        .domains
        .iter()
        .filter_map(|d| {
            d.levels
                .iter()
                .rev()
                .find(|l| by_cut(l.from_theta))
                .map(|l| DomainLevel {
                    domain: d.id.clone(),
                    level: l.level.clone(),
                })
        })
        .collect();
    let mut services: Vec<String> = Vec::new();
    let mut add = |list: &[String]| {
        for s in list {
            if !services.contains(s) {
                services.push(s.clone());
            }
        }
    };
    let mut skills = Vec::with_capacity(r.skills.len());
    let mut skill_services: Vec<&[String]> = Vec::new();
    for s in &r.skills {
        let p = 1.0 / (1.0 + (-rules.typical_a * (theta - s.typical_b)).exp());
        let Some(status) = rules.statuses.iter().find(|st| st.min_probability <= p) else {
            continue;
        };
        if status.adds_services {
            skill_services.push(&s.services);
        }
        skills.push(SkillStatus {
            skill: s.id.clone(),
            status: status.id.clone(),
            to_work_on: status.adds_services,
        });
    }
    let holds = |rule: &repere_items::OrientationRule| {
        (rule.when_class.is_empty() || rule.when_class.contains(&class))
            && (rule.when_answer.is_empty()
                || rule
                    .when_answer
                    .iter()
                    .any(|a| context.contains(&a.as_str())))
            && (rule.when_domain_level.is_empty()
                || rule.when_domain_level.iter().any(|dl| {
                    domains
                        .iter()
                        .any(|d| dl.split_once(':') == Some((d.domain.as_str(), d.level.as_str())))
                }))
    };
    let modality_id = rules
        .orientation
        .rules
        .iter()
        .find(|r| holds(r))?
        .modality
        .clone();
    let modality = rules
        .orientation
        .modalities
        .iter()
        .find(|m| m.id == modality_id)?;
    add(&modality.services);
    for list in skill_services {
        add(list);
    }
    for adj in &rules.orientation.adjustments {
        if adj
            .when_answer
            .iter()
            .any(|a| context.contains(&a.as_str()))
        {
            add(&adj.add_services);
        }
    }
    Some(Profile {
        class,
        domains,
        skills,
        orientation: Orientation {
            modality: modality_id,
            services,
        },
        provisional: true,
    })
}

#[cfg(test)]
mod tests {
    use repere_engine::estimate::{AbilityEstimator, Eap, Prior};
    use repere_items::{Body, Response};

    use super::*;
    use crate::submission::Answer;

    fn bank() -> &'static Bank {
        super::bank().expect("the embedded bank loads")
    }

    /// Live single items with the index of their right option.
    fn singles() -> Vec<(&'static BankItem, usize, usize)> {
        bank()
            .live_items()
            .filter_map(|i| match &i.body {
                Body::Single { options, answer } => options
                    .iter()
                    .position(|o| &o.id == answer)
                    .map(|k| (i, k, options.len())),
                _ => None,
            })
            .collect()
    }

    fn log(answers: Vec<(String, Response)>, context: Vec<String>) -> Submission {
        Submission {
            id: "0b7e7d1c-2f3a-4b5c-9d8e-7f6a5b4c3d2e".into(),
            engine_version: repere_engine::ENGINE_VERSION.into(),
            referentiel_id: bank().id().into(),
            referentiel_version: bank().version().into(),
            started_at: Some(1),
            finished_at: Some(2),
            context,
            answers: answers
                .into_iter()
                .map(|(item, response)| Answer {
                    item,
                    response,
                    shown_at: None,
                    answered_at: None,
                })
                .collect(),
        }
    }

    fn right_and_wrong(n: usize) -> (Submission, Submission) {
        let s: Vec<_> = singles().into_iter().take(n).collect();
        assert!(s.len() >= 3, "the bank needs live single items");
        let right = s
            .iter()
            .map(|(i, k, _)| (i.id.clone(), Response::Choice(*k)))
            .collect();
        let wrong = s
            .iter()
            .map(|(i, k, n)| (i.id.clone(), Response::Choice((k + 1) % n)))
            .collect();
        (log(right, Vec::new()), log(wrong, Vec::new()))
    }

    #[test]
    fn theta_is_the_engines_eap_of_the_server_scores() {
        let (right, wrong) = right_and_wrong(6);
        let o = compute_outcome(&right).expect("valid");
        let (mean, sd) = bank().context.prior(&[]).expect("default start rule");
        // Independent route: the engine's EAP over (item, score) lists.
        let items: Vec<_> = right
            .answers
            .iter()
            .map(|a| bank().item(&a.item).expect("item").engine_item().clone())
            .collect();
        let eap = Eap {
            prior: Prior::Normal { mean, sd },
            ..Eap::default()
        };
        let e = eap.estimate(&items, &vec![1; items.len()]).expect("eap");
        assert!((o.theta - e.theta).abs() < 1e-12 && (o.se - e.se).abs() < 1e-12);
        let w = compute_outcome(&wrong).expect("valid");
        assert!(o.theta > w.theta + 0.5, "{} vs {}", o.theta, w.theta);
        assert_eq!(o.skills.iter().map(|t| t.score).sum::<usize>(), 6);
        assert_eq!(w.skills.iter().map(|t| t.score).sum::<usize>(), 0);
        assert_eq!(o.items, 6);
        assert_eq!(o.referentiel_version, bank().version());
    }

    #[test]
    fn the_provisional_profile_follows_the_cut_points() {
        let (right, wrong) = right_and_wrong(6);
        for sub in [right, wrong] {
            let o = compute_outcome(&sub).expect("valid");
            let p = o.profile.expect("profile");
            assert!(p.provisional);
            let classes = &bank().referentiel.profile.classes;
            let k = classes
                .iter()
                .position(|c| c.id == p.class)
                .expect("known class");
            assert!(classes[k].from_theta.is_none_or(|c| o.theta >= c));
            assert!(classes
                .get(k + 1)
                .and_then(|c| c.from_theta)
                .is_none_or(|c| o.theta < c));
            assert_eq!(p.domains.len(), bank().referentiel.domains.len());
            assert_eq!(p.skills.len(), bank().referentiel.skills.len());
            let typical_a = bank().referentiel.profile.typical_a;
            for s in &p.skills {
                let skill = bank().referentiel.skill(&s.skill).expect("skill");
                let prob = 1.0 / (1.0 + (-typical_a * (o.theta - skill.typical_b)).exp());
                let rule = bank()
                    .referentiel
                    .profile
                    .statuses
                    .iter()
                    .find(|r| r.id == s.status)
                    .expect("status");
                assert!(rule.min_probability <= prob);
                assert_eq!(s.to_work_on, rule.adds_services);
            }
            let modalities = &bank().referentiel.profile.orientation.modalities;
            assert!(modalities.iter().any(|m| m.id == p.orientation.modality));
        }
    }

    #[test]
    fn bad_logs_are_refused_with_the_item_named() {
        let s = singles();
        let (item, _, n) = s[0];
        let ok = |r: Response| log(vec![(item.id.clone(), r)], Vec::new());
        assert!(compute_outcome(&ok(Response::Choice(0))).is_ok());
        assert!(compute_outcome(&ok(Response::Skip)).is_ok());
        let e = compute_outcome(&ok(Response::Choice(n))).expect_err("out of range");
        assert!(matches!(
            &e,
            SubmissionError::InvalidResponse { index: 1, .. }
        ));
        assert_eq!(e.item(), Some(item.id.as_str()));
        let e = compute_outcome(&ok(Response::Text("x".into()))).expect_err("wrong kind");
        assert!(matches!(e, SubmissionError::InvalidResponse { .. }));
        let e = compute_outcome(&log(vec![("nope.01".into(), Response::Skip)], Vec::new()))
            .expect_err("unknown");
        assert_eq!(
            e,
            SubmissionError::UnknownItem {
                index: 1,
                item: "nope.01".into()
            }
        );
        let twice = log(
            vec![
                (item.id.clone(), Response::Skip),
                (item.id.clone(), Response::Skip),
            ],
            Vec::new(),
        );
        assert!(matches!(
            compute_outcome(&twice),
            Err(SubmissionError::Repeated { index: 2, .. })
        ));
        if let Some(draft) = bank().items().iter().find(|i| i.status == Status::Draft) {
            let e = compute_outcome(&log(vec![(draft.id.clone(), Response::Skip)], Vec::new()))
                .expect_err("draft");
            assert!(matches!(e, SubmissionError::NotLive { .. }));
        }
        assert_eq!(
            compute_outcome(&log(Vec::new(), Vec::new())),
            Err(SubmissionError::Empty)
        );
        let mut v = ok(Response::Skip);
        v.referentiel_version = "0.0.0".into();
        assert!(matches!(
            compute_outcome(&v),
            Err(SubmissionError::UnknownReferentiel { .. })
        ));
        let mut v = ok(Response::Skip);
        v.engine_version = "9.9.9".into();
        assert!(matches!(
            compute_outcome(&v),
            Err(SubmissionError::UnknownEngine(_))
        ));
        let mut v = ok(Response::Skip);
        v.id = "not-a-uuid".into();
        assert!(matches!(
            compute_outcome(&v),
            Err(SubmissionError::BadId(_))
        ));
        let mut v = ok(Response::Skip);
        v.answers[0].shown_at = Some(-5);
        assert!(matches!(
            compute_outcome(&v),
            Err(SubmissionError::BadTimestamp(1))
        ));
    }

    #[test]
    fn context_answers_are_checked_and_set_the_prior() {
        let s = singles();
        let one = |ctx: Vec<&str>| {
            compute_outcome(&log(
                vec![(s[0].0.id.clone(), Response::Skip)],
                ctx.into_iter().map(str::to_string).collect(),
            ))
        };
        let ctx = &bank().context;
        let single_q = ctx
            .questions
            .iter()
            .find(|q| !q.multiple)
            .expect("a single-answer question");
        let a0 = format!("{}:{}", single_q.id, single_q.answers[0].id);
        let a1 = format!("{}:{}", single_q.id, single_q.answers[1].id);
        assert!(one(vec![&a0]).is_ok());
        assert!(matches!(
            one(vec![&a0, &a1]),
            Err(SubmissionError::BadContext(_))
        ));
        assert!(matches!(
            one(vec![&a0, &a0]),
            Err(SubmissionError::BadContext(_))
        ));
        assert!(matches!(
            one(vec!["nope:x"]),
            Err(SubmissionError::BadContext(_))
        ));
        if let Some(multi) = ctx
            .questions
            .iter()
            .find(|q| q.multiple && q.answers.iter().any(|a| a.exclusive))
        {
            let excl = multi
                .answers
                .iter()
                .find(|a| a.exclusive)
                .expect("exclusive");
            let other = multi.answers.iter().find(|a| !a.exclusive).expect("other");
            let e = format!("{}:{}", multi.id, excl.id);
            let o = format!("{}:{}", multi.id, other.id);
            assert!(matches!(
                one(vec![&o, &e]),
                Err(SubmissionError::BadContext(_))
            ));
            assert!(matches!(
                one(vec![&e, &o]),
                Err(SubmissionError::BadContext(_))
            ));
        }
        // A start rule with conditions moves the prior, so the estimate of the same
        // answers moves with it.
        if let Some(rule) = ctx.start_rules.iter().find(|r| !r.when_all.is_empty()) {
            let with = one(rule.when_all.iter().map(String::as_str).collect()).expect("valid");
            let without = one(Vec::new()).expect("valid");
            let (m0, _) = ctx.prior(&[]).expect("default");
            assert_eq!(with.theta < without.theta, rule.prior_mean < m0);
        }
    }
}
