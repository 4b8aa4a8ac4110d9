//! How stored results are shown: ids of the référentiel turned into French labels,
//! and the filters trainers use on lists and exports.
//!
//! Records store ids only (`acquis`, `mail.attach`); labels come from the
//! référentiel at display time, so a wording fix shows everywhere at once.

use jiff::tz::TimeZone;
use repere_items::Bank;
use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::{format_date_fr, format_time_hm, parse_day_end, parse_day_start, time_zone};
use crate::records::{ProfileRecord, Source};
use crate::store::{Store, StoreError};

/// The time zone of a structure's dates ([`crate::clock::DEFAULT_TZ`] for none, or
/// for a structure that names none).
pub fn structure_tz(store: &dyn Store, structure: Option<u64>) -> Result<TimeZone, StoreError> {
    let name = match structure {
        Some(id) => store.structure(id)?.and_then(|s| s.tz),
        None => None,
    };
    Ok(time_zone(name.as_deref()))
}

/// A `{id, label}` pair (label = id when the référentiel does not know it, e.g. a
/// result computed against an older version).
fn labelled(id: &str, label: Option<&str>) -> Value {
    json!({ "id": id, "label": label.unwrap_or(id) })
}

/// Label of an autonomy class.
pub fn class_label<'b>(bank: &'b Bank, id: &'b str) -> &'b str {
    bank.referentiel
        .profile
        .classes
        .iter()
        .find(|c| c.id == id)
        .map_or(id, |c| c.label.as_str())
}

/// Label of a skill status.
pub fn status_label<'b>(bank: &'b Bank, id: &'b str) -> &'b str {
    bank.referentiel
        .profile
        .statuses
        .iter()
        .find(|s| s.id == id)
        .map_or(id, |s| s.label.as_str())
}

/// Label of an autonomy level.
pub fn level_label<'b>(bank: &'b Bank, id: &'b str) -> &'b str {
    bank.referentiel
        .levels
        .iter()
        .find(|l| l.id == id)
        .map_or(id, |l| l.label.as_str())
}

/// Label of an orientation modality.
pub fn modality_label<'b>(bank: &'b Bank, id: &'b str) -> &'b str {
    bank.referentiel
        .profile
        .orientation
        .modalities
        .iter()
        .find(|m| m.id == id)
        .map_or(id, |m| m.label.as_str())
}

/// Label of a skill.
pub fn skill_label<'b>(bank: &'b Bank, id: &'b str) -> &'b str {
    bank.referentiel.skill(id).map_or(id, |s| s.label.as_str())
}

/// The source as a stable word.
pub fn source_name(source: &Source) -> &'static str {
    match source {
        Source::Agent { .. } => "agent",
        Source::Kiosk { .. } => "kiosk",
        Source::Anonymous => "anonymous",
    }
}

/// An id with its French label.
#[derive(Serialize)]
pub struct Labelled<'a> {
    /// Id.
    pub id: &'a str,
    /// Label (the id when the référentiel does not know it).
    pub label: &'a str,
}

/// An id with its label and FALC description.
#[derive(Serialize)]
pub struct Described<'a> {
    /// Id.
    pub id: &'a str,
    /// Label.
    pub label: &'a str,
    /// Description, when the référentiel has it.
    pub description: Option<&'a str>,
}

/// The overall class in a view.
#[derive(Serialize)]
pub struct ClassView<'a> {
    /// Id.
    pub id: &'a str,
    /// Label.
    pub label: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Workshop level ("Débutant"…).
    pub workshop_level: Option<&'a str>,
}

/// A domain level in a view.
#[derive(Serialize)]
pub struct DomainView<'a> {
    /// Domain id.
    pub id: &'a str,
    /// Domain label.
    pub label: &'a str,
    /// The level reached.
    pub level: Described<'a>,
}

/// A skill status in a view.
#[derive(Serialize)]
pub struct SkillView<'a> {
    /// Skill id.
    pub id: &'a str,
    /// Skill label.
    pub label: &'a str,
    /// Domain id.
    pub domain: Option<&'a str>,
    /// Status.
    pub status: Labelled<'a>,
    /// To be worked on.
    pub to_work_on: bool,
    /// Rank among the skills to work on (1 first): the order every screen and
    /// paper lists them in, the person's result screen's.
    pub priority: Option<usize>,
}

/// The orientation in a view.
#[derive(Serialize)]
pub struct OrientationView<'a> {
    /// The modality.
    pub modality: Described<'a>,
    /// Services of the mediation schema.
    pub services: &'a [String],
}

/// The profile in a view.
#[derive(Serialize)]
pub struct ProfileView<'a> {
    /// Interim profile: only records stored before the real assessment (their
    /// outcome has no `assessment`); always false for new results.
    pub provisional: bool,
    /// Overall class.
    pub class: ClassView<'a>,
    /// Domain levels.
    pub domains: Vec<DomainView<'a>>,
    /// Skill statuses, in référentiel order.
    pub skills: Vec<SkillView<'a>>,
    /// How many skills to work on the person's result screen names (the first
    /// ones by `priority`); the others are mentioned after them.
    pub work_on_max: usize,
    /// Orientation.
    pub orientation: OrientationView<'a>,
    /// The skills to work on, by priority (`outcome::Profile::work_on`: an
    /// autonomous person's list holds only the skills truly to learn); the first
    /// `work_on_max` are the person's screen's.
    pub work_on: Vec<Labelled<'a>>,
}

/// A per-skill tally in a view.
#[derive(Serialize)]
pub struct TallyView<'a> {
    /// Skill id.
    pub id: &'a str,
    /// Skill label.
    pub label: &'a str,
    /// Items answered.
    pub items: usize,
    /// Items skipped.
    pub skipped: usize,
    /// Score.
    pub score: usize,
    /// Maximum score.
    pub max_score: usize,
}

/// The référentiel of a result.
#[derive(Serialize)]
pub struct ReferentielView<'a> {
    /// Id.
    pub id: &'a str,
    /// Version.
    pub version: &'a str,
}

/// The full view of one result: what the agent's screen, the trainer's screen and the
/// kiosk's printout show. Typed (no intermediate JSON tree): it is built for every
/// submission.
#[derive(Serialize)]
pub struct ResultView<'a> {
    /// Result code.
    pub code: &'a str,
    /// Reception time (ms).
    pub received_at: i64,
    /// Reception day, `DD/MM/YYYY`, in the time zone of the structure it belongs
    /// to (or of the one reading it).
    pub date: String,
    /// `agent`, `kiosk` or `anonymous`.
    pub source: &'static str,
    /// Whether it belongs to a structure.
    pub attached: bool,
    /// First name or initials (with consent).
    pub person: Option<&'a str>,
    /// Items answered.
    pub items: usize,
    /// Items skipped.
    pub skipped: usize,
    /// θ.
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
    /// Tallies by skill.
    pub skills_answered: Vec<TallyView<'a>>,
    /// The profile.
    pub profile: Option<ProfileView<'a>>,
    /// Engine version.
    pub engine_version: &'a str,
    /// Référentiel.
    pub referentiel: ReferentielView<'a>,
    /// The mediation places suggested (staff views of a structure that has a
    /// location; empty elsewhere).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<repere_items::places::Suggestion>,
    /// The same places as the screens show them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub place_cards: Vec<repere_items::places::Card>,
    /// The sentence the agent can say about the first place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_sentence: Option<String>,
    /// Why no place is shown, for the staff (`None` when places are shown, or
    /// were not looked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub places_note: Option<&'static str>,
}

/// Builds the view of one result; its date is the day in `tz`.
pub fn result_view<'a>(bank: &'a Bank, p: &'a ProfileRecord, tz: &TimeZone) -> ResultView<'a> {
    let o = &p.outcome;
    let r = &bank.referentiel;
    let profile = o.profile.as_ref().map(|pr| {
        let class = r.profile.classes.iter().find(|c| c.id == pr.class);
        let modality = r
            .profile
            .orientation
            .modalities
            .iter()
            .find(|m| m.id == pr.orientation.modality);
        ProfileView {
            provisional: o.assessment.is_none(),
            class: ClassView {
                id: &pr.class,
                label: class.map_or(pr.class.as_str(), |c| c.label.as_str()),
                description: class.map(|c| c.description.as_str()),
                workshop_level: class.map(|c| c.workshop_level.as_str()),
            },
            domains: pr
                .domains
                .iter()
                .map(|d| {
                    let domain = r.domain(&d.domain);
                    DomainView {
                        id: &d.domain,
                        label: domain.map_or(d.domain.as_str(), |dm| dm.label.as_str()),
                        level: Described {
                            id: &d.level,
                            label: level_label(bank, &d.level),
                            description: domain
                                .and_then(|dm| dm.levels.iter().find(|l| l.level == d.level))
                                .map(|l| l.description.as_str()),
                        },
                    }
                })
                .collect(),
            skills: pr
                .skills
                .iter()
                .map(|s| SkillView {
                    id: &s.skill,
                    label: skill_label(bank, &s.skill),
                    domain: r.skill(&s.skill).map(|k| k.domain.as_str()),
                    status: Labelled {
                        id: &s.status,
                        label: status_label(bank, &s.status),
                    },
                    to_work_on: s.to_work_on,
                    priority: s.priority,
                })
                .collect(),
            work_on: pr
                .work_on()
                .into_iter()
                .map(|s| Labelled {
                    id: &s.skill,
                    label: skill_label(bank, &s.skill),
                })
                .collect(),
            work_on_max: r.profile.summary.as_ref().map_or(4, |s| s.work_on_max),
            orientation: OrientationView {
                modality: Described {
                    id: &pr.orientation.modality,
                    label: modality.map_or(pr.orientation.modality.as_str(), |m| m.label.as_str()),
                    description: modality.map(|m| m.description.as_str()),
                },
                services: &pr.orientation.services,
            },
        }
    });
    ResultView {
        code: &p.code,
        received_at: p.received_at,
        date: format_date_fr(p.received_at, tz),
        source: source_name(&p.source),
        attached: p.structure.is_some(),
        person: p.person.as_deref(),
        items: o.items,
        skipped: o.skipped,
        theta: o.theta,
        se: o.se,
        skills_answered: o
            .skills
            .iter()
            .map(|t| TallyView {
                id: &t.skill,
                label: skill_label(bank, &t.skill),
                items: t.items,
                skipped: t.skipped,
                score: t.score,
                max_score: t.max_score,
            })
            .collect(),
        profile,
        engine_version: &o.engine_version,
        referentiel: ReferentielView {
            id: &o.referentiel_id,
            version: &o.referentiel_version,
        },
        places: Vec::new(),
        place_cards: Vec::new(),
        agent_sentence: None,
        places_note: None,
    }
}

/// The short view of a result in a list (a trainer's profiles, an agent's recent
/// screenings); its date and time (`HH:MM`) are those of `tz`.
pub fn summary_view(bank: &Bank, p: &ProfileRecord, tz: &TimeZone) -> Value {
    let pr = p.outcome.profile.as_ref();
    json!({
        "code": p.code,
        "date": format_date_fr(p.received_at, tz),
        "time": format_time_hm(p.received_at, tz),
        "received_at": p.received_at,
        "source": source_name(&p.source),
        "person": p.person,
        "class": pr.map(|x| labelled(&x.class, Some(class_label(bank, &x.class)))),
        "orientation": pr.map(|x| labelled(&x.orientation.modality, Some(modality_label(bank, &x.orientation.modality)))),
        "to_work_on": pr.map(|x| x.skills.iter().filter(|s| s.to_work_on).map(|s| s.skill.as_str()).collect::<Vec<_>>()),
    })
}

/// Filters on a structure's profiles (query string of lists, groups and exports).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileFilter {
    /// Received at or after (ms).
    pub from: Option<i64>,
    /// Received before (ms).
    pub to: Option<i64>,
    /// A domain at a level: `(domain id, level id)`.
    pub domain_level: Option<(String, String)>,
    /// A skill to work on.
    pub skill: Option<String>,
    /// An orientation modality.
    pub orientation: Option<String>,
    /// An autonomy class.
    pub class: Option<String>,
}

/// The query parameters of a filter, as received.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct FilterQuery {
    /// First day, `YYYY-MM-DD` or `DD/MM/YYYY`, inclusive.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// Domain id (with `level`).
    pub domain: Option<String>,
    /// Autonomy level id (with `domain`).
    pub level: Option<String>,
    /// Skill id: profiles where this skill is to be worked on.
    pub skill: Option<String>,
    /// Orientation modality id.
    pub orientation: Option<String>,
    /// Autonomy class id.
    pub class: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FilterQuery {
    /// Checks the values against the référentiel; errors are French. Days are
    /// those of `tz` (the structure's time zone): `from` starts at its midnight,
    /// `to` ends at the next day's.
    pub fn check(&self, bank: &Bank, tz: &TimeZone) -> Result<ProfileFilter, String> {
        let r = &bank.referentiel;
        let invalid = |v: &str| format!("Date invalide : « {v} » (attendu AAAA-MM-JJ).");
        let from = present(&self.from)
            .map(|v| parse_day_start(v, tz).ok_or_else(|| invalid(v)))
            .transpose()?;
        let to = present(&self.to)
            .map(|v| parse_day_end(v, tz).ok_or_else(|| invalid(v)))
            .transpose()?;
        let domain_level = match (present(&self.domain), present(&self.level)) {
            (None, None) => None,
            (Some(d), Some(l)) => {
                if r.domain(d).is_none() {
                    return Err(format!("Domaine inconnu : « {d} »."));
                }
                if !r.levels.iter().any(|x| x.id == l) {
                    return Err(format!("Niveau inconnu : « {l} »."));
                }
                Some((d.to_string(), l.to_string()))
            }
            _ => return Err("Choisissez à la fois un domaine et un niveau.".into()),
        };
        let skill = present(&self.skill).map(str::to_string);
        if let Some(s) = &skill {
            if r.skill(s).is_none() {
                return Err(format!("Compétence inconnue : « {s} »."));
            }
        }
        let orientation = present(&self.orientation).map(str::to_string);
        if let Some(o) = &orientation {
            if !r.profile.orientation.modalities.iter().any(|m| &m.id == o) {
                return Err(format!("Orientation inconnue : « {o} »."));
            }
        }
        let class = present(&self.class).map(str::to_string);
        if let Some(c) = &class {
            if !r.profile.classes.iter().any(|x| &x.id == c) {
                return Err(format!("Classe d'autonomie inconnue : « {c} »."));
            }
        }
        Ok(ProfileFilter {
            from,
            to,
            domain_level,
            skill,
            orientation,
            class,
        })
    }
}

impl ProfileFilter {
    /// Whether a profile passes the filters other than the dates (the store applies
    /// those).
    pub fn matches(&self, p: &ProfileRecord) -> bool {
        let needs_profile = self.domain_level.is_some()
            || self.skill.is_some()
            || self.orientation.is_some()
            || self.class.is_some();
        let Some(pr) = p.outcome.profile.as_ref() else {
            return !needs_profile;
        };
        if let Some((d, l)) = &self.domain_level {
            if !pr.domains.iter().any(|x| &x.domain == d && &x.level == l) {
                return false;
            }
        }
        if let Some(s) = &self.skill {
            if !pr.skills.iter().any(|x| &x.skill == s && x.to_work_on) {
                return false;
            }
        }
        if let Some(o) = &self.orientation {
            if &pr.orientation.modality != o {
                return false;
            }
        }
        if let Some(c) = &self.class {
            if &pr.class != c {
                return false;
            }
        }
        true
    }
}
