//! One result, as the agent and the mediator see it and as it prints for the
//! person (A4, large print, black on white: see `staff.css`, `@media print`).

use leptos::prelude::*;

use crate::api::{ResultView, SkillView};
use crate::places::PlacesList;

/// The heading of a result: with the first name when the person gave it.
pub fn result_heading(result: &ResultView) -> String {
    match result
        .person
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => format!("Résultat de {p}"),
        None => "Résultat du test".into(),
    }
}

/// How the result came in, in words.
pub fn source_label(source: &str) -> &'static str {
    match source {
        "agent" => "au guichet",
        "kiosk" => "sur une borne",
        _ => "seul, sur un appareil",
    }
}

/// `n` and a noun, singular or plural (« 1 question », « 3 questions »).
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1\u{a0}{one}")
    } else {
        format!("{n}\u{a0}{many}")
    }
}

fn skill_items(skills: Vec<SkillView>) -> impl IntoView {
    skills
        .into_iter()
        .map(|s| {
            view! {
                <li>
                    {s.label}
                    <span class="skill-status">{format!(" ({})", s.status.label)}</span>
                </li>
            }
        })
        .collect_view()
}

/// The skills to work on, by priority: the `first` the person's screen names, the
/// rest on demand. `autonomous`: nothing is listed for a person told to go on
/// alone, and the words say so.
fn skills_to_work_on(mut work: Vec<SkillView>, first: usize, autonomous: bool) -> impl IntoView {
    if work.is_empty() {
        if autonomous {
            return view! { <p>"Rien de particulier\u{a0}: la personne peut continuer seule."</p> }
                .into_any();
        }
        // Not « tout est acquis »: a domain may still be below « Autonome »
        // (its level is shown above), only no skill stands out to work on.
        return view! { <p>"Aucune compétence à travailler en priorité."</p> }.into_any();
    }
    let rest = work.split_off(work.len().min(first));
    let more = (!rest.is_empty()).then(|| {
        let n = rest.len();
        let label = if n == 1 {
            "Voir l'autre compétence à travailler".to_string()
        } else {
            format!("Voir les {n}\u{a0}autres compétences à travailler")
        };
        view! {
            <details class="more-skills no-print">
                <summary>{label}</summary>
                <ul class="skill-list">{skill_items(rest)}</ul>
            </details>
            <p class="print-only">
                {format!(
                    "Et {} : un médiateur numérique vous les montrera.",
                    count(n, "autre compétence", "autres compétences"),
                )}
            </p>
        }
    });
    view! {
        <p>"Pour commencer\u{a0}:"</p>
        <ul class="skill-list">{skill_items(work)}</ul>
        {more}
    }
    .into_any()
}

/// A result: level, orientation, domains, skills to work on. `children` are the
/// actions (never printed).
#[component]
pub fn ResultPanel(result: ResultView, children: Children) -> impl IntoView {
    let heading = result_heading(&result);
    let meta = format!(
        "Test du {}, {}. {}, dont {} «\u{a0}Je ne sais pas\u{a0}».",
        result.date,
        source_label(&result.source),
        count(result.items, "question", "questions"),
        result.skipped
    );
    let body = match result.profile.clone() {
        None => view! {
            <p class="notice">"Le profil n'a pas pu être calculé pour ce test."</p>
        }
        .into_any(),
        Some(profile) => {
            // The profile's own list, by priority: an autonomous person's holds
            // only what is truly to learn.
            let work = profile.work_on();
            let first = profile.work_on_max.max(1);
            let autonomous = profile.orientation.modality.id == "autonomie";
            let services = profile.orientation.services.clone();
            let places = result.place_cards.clone();
            let sentence = result.agent_sentence.clone();
            let note = result.places_note.clone();
            let domains = profile
                .domains
                .iter()
                .map(|d| {
                    view! {
                        <tr>
                            <th scope="row">{d.label.clone()}</th>
                            <td>
                                <strong class="level-label">{d.level.label.clone()}</strong>
                                {d
                                    .level
                                    .description
                                    .clone()
                                    .map(|t| view! { <span class="level-desc">{t}</span> })}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="result-summary">
                    <section class="result-block" aria-labelledby="result-class-title">
                        <h2 id="result-class-title">"Niveau d'autonomie"</h2>
                        <p class="big-label">{profile.class.label.clone()}</p>
                        {profile.class.description.clone().map(|t| view! { <p>{t}</p> })}
                    </section>
                    <section class="result-block" aria-labelledby="result-orientation-title">
                        <h2 id="result-orientation-title">"Ce que nous conseillons"</h2>
                        <p class="big-label">{profile.orientation.modality.label.clone()}</p>
                        {profile.orientation.modality.description.clone().map(|t| view! { <p>{t}</p> })}
                        {(places.is_empty() && !services.is_empty())
                            .then(|| {
                                view! {
                                    <p>"Cherchez un lieu qui propose\u{a0}:"</p>
                                    <ul class="services">
                                        {services
                                            .into_iter()
                                            .map(|s| view! { <li>{s}</li> })
                                            .collect_view()}
                                    </ul>
                                }
                            })}
                    </section>
                </div>
                {sentence
                    .map(|t| {
                        view! {
                            <section class="agent-sentence no-print" aria-labelledby="agent-sentence-title">
                                <h2 id="agent-sentence-title">"À dire à la personne"</h2>
                                <p class="big-label">{t}</p>
                            </section>
                        }
                    })}
                {note.map(|t| view! { <p class="notice no-print">{t}</p> })}
                {(!places.is_empty()).then(|| view! { <PlacesList places /> })}
                <section class="result-section" aria-labelledby="result-domains-title">
                    <h2 id="result-domains-title">"Domaine par domaine"</h2>
                    <table class="data-table domains-table">
                        <caption class="visually-hidden">"Niveau dans chaque domaine"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Domaine"</th>
                                <th scope="col">"Niveau"</th>
                            </tr>
                        </thead>
                        <tbody>{domains}</tbody>
                    </table>
                </section>
                <section class="result-section" aria-labelledby="result-work-title">
                    <h2 id="result-work-title">"À travailler ensuite"</h2>
                    {skills_to_work_on(work, first, autonomous)}
                </section>
                {profile
                    .provisional
                    .then(|| {
                        view! {
                            <p class="note no-print">
                                "Profil provisoire : il est calculé à partir du niveau général."
                            </p>
                        }
                    })}
            }
            .into_any()
        }
    };
    view! {
        <article class="result-panel">
            <p class="print-only print-brand">"Repère · mon bilan numérique"</p>
            <h1 tabindex="-1">{heading}</h1>
            <p class="result-meta">{meta}</p>
            <p class="code-line">
                "Code du résultat\u{a0}: " <strong class="code">{result.code.clone()}</strong>
            </p>
            <div class="actions no-print">{children()}</div>
            {body}
            <p class="print-only print-footer">
                "Gardez cette feuille. Montrez-la à un médiateur numérique, avec le code : il retrouvera votre résultat."
            </p>
        </article>
    }
}
