//! The result: what the person can already do, what to work on next, the advice,
//! the levels per domain (an SVG chart with patterns and text, and the same data
//! as a table), and the result code with its QR code once the server has it. Every
//! word comes from the profile computed by the engine with the référentiel's rules.

use leptos::prelude::*;
use repere_engine::profile::{DomainProfile, Profile};
use repere_engine::stop::StopReason;
use repere_items::assessment::Outcome;

use super::hand_back::{followed_delivery, AgentHandBack};
use crate::offline::Delivery;
use crate::places::{self, PlacesList};
use crate::routes::Screen;
use crate::spoken;
use crate::state::AppState;
use crate::{kiosk, test_run};

/// The levels of the référentiel (ids and labels), lowest first.
pub fn levels() -> Vec<(String, String)> {
    test_run::assessor()
        .map(|a| {
            a.profile_config()
                .levels
                .iter()
                .map(|l| (l.id.clone(), l.label.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Position (1-based) of a level among the levels.
fn rank(levels: &[(String, String)], level: &str) -> usize {
    levels
        .iter()
        .position(|(id, _)| id == level)
        .map_or(0, |i| i + 1)
}

/// The sentence that describes the levels chart to a screen reader.
fn chart_text(domains: &[DomainProfile]) -> String {
    let parts: Vec<String> = domains
        .iter()
        .map(|d| format!("{} : {}", d.label, d.level_label))
        .collect();
    format!("Vos niveaux par domaine. {}.", parts.join(". "))
}

/// Horizontal bars, one per domain: one cell per level, reached cells hatched, the
/// others empty, and the level written in words beside the label (never colour
/// alone). The labels are HTML, so they follow the text size; the whole figure is
/// one image for screen readers, described in words (the table below gives the
/// same data).
#[component]
pub fn LevelsChart(domains: Vec<DomainProfile>, id: &'static str) -> impl IntoView {
    let levels = levels();
    let n = levels.len().max(1);
    let cell_w = 100.0;
    let width = cell_w * n as f64;
    let hatch = format!("{id}-hatch");
    let rows = domains
        .iter()
        .map(|d| {
            let reached = rank(&levels, &d.level);
            let cells = (0..n)
                .map(|c| {
                    let fill = if c < reached {
                        format!("url(#{hatch})")
                    } else {
                        "none".into()
                    };
                    view! {
                        <rect
                            x=c as f64 * cell_w + 3.0
                            y="3"
                            width=cell_w - 10.0
                            height="34"
                            fill=fill
                            stroke="currentColor"
                            stroke-width="3"
                            rx="5"
                        />
                    }
                })
                .collect_view();
            view! {
                <div class="chart-row">
                    <p class="chart-label">
                        {format!("{} : ", d.label)}
                        <strong>{d.level_label.clone()}</strong>
                    </p>
                    <svg
                        class="chart-bar"
                        viewBox=format!("0 0 {width} 40")
                        aria-hidden="true"
                        focusable="false"
                    >
                        {cells}
                    </svg>
                </div>
            }
        })
        .collect_view();
    view! {
        <figure class="levels-chart" role="img" aria-label=chart_text(&domains)>
            <svg class="chart-defs" aria-hidden="true" focusable="false" width="0" height="0">
                <defs>
                    <pattern
                        id=hatch.clone()
                        width="10"
                        height="10"
                        patternUnits="userSpaceOnUse"
                        patternTransform="rotate(45)"
                    >
                        <line x1="0" y1="0" x2="0" y2="10" stroke="currentColor" stroke-width="6" />
                    </pattern>
                </defs>
            </svg>
            {rows}
        </figure>
    }
}

/// The levels as a table (the same data as the chart).
#[component]
pub fn LevelsTable(domains: Vec<DomainProfile>) -> impl IntoView {
    let levels = levels();
    let n = levels.len();
    let rows = domains
        .into_iter()
        .map(|d| {
            let note = d.not_enough_answers.then_some(" (peu de réponses)");
            view! {
                <tr>
                    <th scope="row">{d.label.clone()}</th>
                    <td>{d.level_label.clone()}{note}</td>
                    <td>{format!("{} sur {n}", rank(&levels, &d.level))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="levels-table">
            <caption>"Vos niveaux, en tableau"</caption>
            <thead>
                <tr>
                    <th scope="col">"Domaine"</th>
                    <th scope="col">"Niveau"</th>
                    <th scope="col">"Place"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The QR code of a result code, as inline SVG (made here: no network).
pub fn qr_svg(code: &str) -> Option<String> {
    repere_items::qr::Qr::alphanumeric(code).map(|qr| qr.svg())
}

/// What can already be done, what to work on, and the advice.
#[component]
pub fn Summary(profile: Profile) -> impl IntoView {
    let leads = test_run::assessor()
        .map(|a| a.profile_config().summary.clone())
        .ok();
    let (known_lead, work_lead) = leads
        .map(|s| (s.known, s.work_on))
        .unwrap_or_else(|| ("Vous savez déjà :".into(), "À travailler ensuite :".into()));
    let list = |items: &[String]| {
        let li = items
            .iter()
            .map(|k| view! { <li>{k.clone()}</li> })
            .collect_view();
        view! { <ul class="summary-list">{li}</ul> }
    };
    let s = &profile.summary;
    view! {
        {(!s.known.is_empty())
            .then(|| {
                view! {
                    <p class="summary-lead">{known_lead}</p>
                    {list(&s.known)}
                }
            })}
        {(!s.work_on.is_empty())
            .then(|| {
                view! {
                    <p class="summary-lead">{work_lead}</p>
                    {list(&s.work_on)}
                }
            })}
        <p class="advice">{s.orientation_sentence.clone()}</p>
    }
}

/// Where the result stands, then its code with its QR code once the server has
/// given it. On a kiosk the person is told plainly whether the result was sent:
/// if it was not, the print view is the way to keep it, since everything is wiped
/// at the end of the visit. `print`: the paper version (no buttons, no advice
/// about the network).
#[component]
pub fn ResultCode(id: String, #[prop(optional)] print: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let kiosk = state.kiosk();
    let delivery = followed_delivery(id);
    if !print {
        // Said once, when the state changes while the screen shows.
        Effect::new(move |previous: Option<Delivery>| {
            let now = delivery.get();
            if previous.is_some_and(|p| p != now) {
                if let Some(message) = delivery_news(&now, kiosk) {
                    state.announce(&message);
                }
            }
            now
        });
    }
    move || match delivery.get() {
        Delivery::Sent(Some(c)) => {
            let svg = qr_svg(&c).unwrap_or_default();
            view! {
                {kiosk
                    .then(|| {
                        view! {
                            <p>"Votre résultat est envoyé au serveur de la structure."</p>
                            <p>"La borne, elle, efface tout à la fin."</p>
                        }
                    })}
                <p class="code-line">
                    "Votre code\u{a0}: " <span class="result-code">{c.clone()}</span>
                </p>
                <div
                    class="qr"
                    role="img"
                    aria-label=format!("Code QR du code de résultat {c}")
                    inner_html=svg
                ></div>
                <p>"Montrez ce code à un médiateur numérique. Il retrouvera votre résultat."</p>
            }
            .into_any()
        }
        Delivery::Sent(None) => view! { <p>"Votre résultat est envoyé."</p> }.into_any(),
        Delivery::Sending if print => {
            view! { <p>"Votre résultat n'a pas encore de code."</p> }.into_any()
        }
        Delivery::Sending => view! { <p>"Envoi de votre résultat…"</p> }.into_any(),
        Delivery::Waiting if kiosk && print => view! {
            <p>"Ce résultat n'a pas été envoyé\u{a0}: la borne n'avait pas de réseau."</p>
        }
        .into_any(),
        Delivery::Waiting if kiosk => view! {
            <p class="delivery-problem">
                <strong>"Votre résultat n'est pas envoyé."</strong>
            </p>
            <p>"Imprimez votre résultat\u{a0}: la borne n'a pas de réseau."</p>
            <p>"À la fin, tout est effacé de la borne, ce résultat aussi."</p>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| state.go(Screen::Print)>
                    "Imprimer mon résultat"
                </button>
            </div>
        }
        .into_any(),
        Delivery::Waiting => view! {
            <p>"Votre résultat est enregistré sur cet appareil."</p>
            <p>"Il sera envoyé dès que la connexion le permet."</p>
        }
        .into_any(),
        Delivery::Refused if print => view! {
            <p>"Ce résultat n'a pas pu être enregistré\u{a0}: il n'a pas de code."</p>
        }
        .into_any(),
        Delivery::Refused => view! {
            <p class="delivery-problem">
                <strong>"Votre résultat n'a pas pu être enregistré."</strong>
            </p>
            <p>"Imprimez votre résultat pour le garder."</p>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| state.go(Screen::Print)>
                    "Imprimer mon résultat"
                </button>
            </div>
        }
        .into_any(),
    }
}

/// What the live region says when a result's state changes (`None`: nothing).
fn delivery_news(delivery: &Delivery, kiosk: bool) -> Option<String> {
    match delivery {
        Delivery::Sent(Some(code)) if kiosk => Some(format!(
            "Votre résultat est envoyé. Votre code\u{a0}: {code}."
        )),
        Delivery::Sent(Some(code)) => Some(format!("Votre code\u{a0}: {code}.")),
        Delivery::Sent(None) => Some("Votre résultat est envoyé.".into()),
        Delivery::Waiting if kiosk => Some(
            "Votre résultat n'est pas envoyé. Imprimez votre résultat\u{a0}: la borne n'a pas de réseau."
                .into(),
        ),
        Delivery::Waiting | Delivery::Sending => None,
        Delivery::Refused => Some("Votre résultat n'a pas pu être enregistré.".into()),
    }
}

/// Back to the start for the next test (kiosk: the full wipe).
pub fn finish_visit(state: AppState) {
    if state.kiosk() {
        kiosk::start_reset(state);
    } else {
        test_run::forget();
        state.context.set(Vec::new());
        state.places.set(Vec::new());
        state.go(Screen::Welcome);
    }
}

/// The places of a kiosk's result: its kept places, ranked for this person
/// (network or not). Sets [`AppState::places`] and adds them to the read-aloud
/// text.
#[component]
fn KioskPlaces(orientation: repere_engine::profile::Orientation) -> impl IntoView {
    let state = expect_context::<AppState>();
    // `spawn_local` rather than a `LocalResource`: the async machinery of
    // resources would add about 20 KB to the self-test's wasm for one read.
    if state.places.with_untracked(Vec::is_empty) {
        leptos::task::spawn_local(async move {
            let Some(set) = places::kiosk_set().await else {
                return;
            };
            let list = places::suggest_offline(&set, &orientation);
            if !list.is_empty() {
                state
                    .read_text
                    .update(|t| t.push_str(&format!(" {}", places::read_aloud(&list))));
                state.places.set(list);
            }
        });
    }
    move || {
        let list = state.places.get();
        (!list.is_empty()).then(|| view! { <PlacesList places=list /> })
    }
}

/// On a person's own device: a link to the server's page that finds places near
/// the postcode the person types (sent to find them, kept nowhere), for this
/// orientation's needs. A page of the server rather than a form here: the
/// self-test's wasm stays small.
#[component]
fn PostcodePlaces(orientation: repere_engine::profile::Orientation) -> impl IntoView {
    let mut href = format!(
        "/api/places/page?modality={}",
        crate::api::encode(&orientation.modality)
    );
    for s in &orientation.place_services {
        href.push_str(&format!("&service={}", crate::api::encode(s)));
    }
    for n in &orientation.needs {
        href.push_str(&format!("&need={}", crate::api::encode(n)));
    }
    view! {
        <p class="no-print">
            <a class="button secondary" href=href>
                "Trouver un lieu près de chez vous"
            </a>
        </p>
    }
}

fn read_text(outcome: &Outcome) -> String {
    let s = &outcome.profile.summary;
    let mut parts = vec![spoken::RESULT.to_string()];
    parts.extend(s.known_sentence.clone());
    parts.extend(s.work_on_sentence.clone());
    parts.push(s.orientation_sentence.clone());
    parts.join(" ")
}

/// The result screen.
#[component]
pub fn ResultScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (Some(outcome), Some(id)) = (test_run::finished_outcome(), test_run::finished_id()) else {
        return view! { <NoResult /> }.into_any();
    };
    // Agent mode: the agent shows the result on their screen.
    if let Some(screening) = state.config.with_value(|c| c.screening.clone()) {
        return view! { <AgentHandBack screening id /> }.into_any();
    }
    let mut text = read_text(&outcome);
    let kept = state.places.get_untracked();
    if !kept.is_empty() {
        text.push_str(&format!(" {}", places::read_aloud(&kept)));
    }
    state.read_text.set(text);
    let profile = outcome.profile.clone();
    let domains = profile.domains.clone();
    let orientation = profile.orientation.clone();
    let where_to_go = if state.kiosk() {
        view! { <KioskPlaces orientation /> }.into_any()
    } else {
        view! { <PostcodePlaces orientation /> }.into_any()
    };
    let timed_out = (outcome.stop == Some(StopReason::MaxDuration)).then(|| {
        let minutes = test_run::assessor()
            .map(|a| a.session_rules().stop.max_minutes)
            .unwrap_or(20);
        view! {
            <p class="notice">
                {format!(
                    "Le test s'est arrêté au bout de {minutes} minutes. Votre résultat compte toutes vos réponses.",
                )}
            </p>
        }
    });
    // The summary, the code and « Terminer » come first: on a kiosk they fit the
    // first screen; the places follow, then the levels by domain.
    view! {
        <div class="screen result">
            <h1 tabindex="-1">"Votre résultat"</h1>
            <div class="result-first">
                <div class="result-summary">
                    <p class="lead">"Merci. Le test est fini."</p>
                    {timed_out}
                    <Summary profile=profile.clone() />
                </div>
                <div class="result-keep">
                    <ResultCode id />
                    <div class="actions">
                <button type="button" class="button" on:click=move |_| state.go(Screen::Print)>
                    "Version à imprimer"
                </button>
                <button
                    type="button"
                    class="button secondary"
                    on:click=move |_| finish_visit(state)
                >
                    "Terminer"
                </button>
                    </div>
                </div>
            </div>
            {where_to_go}
            <h2>"Vos niveaux par domaine"</h2>
            <LevelsChart domains=domains.clone() id="levels" />
            <LevelsTable domains />
        </div>
    }
    .into_any()
}

/// No finished test in this tab.
#[component]
pub fn NoResult() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(spoken::NO_RESULT.into());
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Pas de résultat"</h1>
            <p>"Il n'y a pas de test fini sur cet écran."</p>
            <button type="button" class="button" on:click=move |_| finish_visit(state)>
                "Revenir à l'accueil"
            </button>
        </div>
    }
}
