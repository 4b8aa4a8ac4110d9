//! `/agent`: the post office agent's screening, on a tablet at the counter.
//!
//! 1. « Nouveau dépistage »: a first name or initials, only with the person's
//!    consent (nothing is required); or the code of a result the person brings
//!    (kiosk, own device) to see it and attach it to the structure.
//! 2. « Donnez la tablette à la personne »: the test opens at
//!    `/?mode=agent&screening=<id>`. The test-taking flow sends its answer log to
//!    `POST /api/screenings/<id>/result` ([`crate::api::submit_screening`], through
//!    the outbox) and, at « Rendre la tablette à l'agent », comes back to
//!    `/agent?resultat=<code>`; when the tablet had no network, to
//!    `/agent?depistage=<id>`, which waits for the outbox to send the result and
//!    then shows it.
//! 3. The result: level, orientation, domains, skills to work on; « Imprimer la
//!    fiche » prints it for the person.
//!
//! Below the first step, « Vos derniers dépistages » lists the agent's own
//! screenings of the last 7 days, each a link to its result ([`super::recent`]).

use std::time::Duration;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::{Errors, FieldError, FormAlert, SubmitButton, TextField};
use super::recent::RecentList;
use super::result::{result_heading, ResultPanel};
use super::{
    described_by, focus_heading_soon, focus_soon, set_title, Audience, Session, StaffGate,
};
use crate::api::{self, ResultView, Screening};
use crate::config::query_param;
use crate::offline::{self, Delivery};
use crate::state::AppState;

/// Longest first name or initials the server keeps.
const MAX_PERSON_CHARS: usize = 60;

/// The address of the test for a screening (the test-taking flow reads
/// `screening`).
pub fn test_url(screening: &str) -> String {
    format!("/?mode=agent&screening={}", api::encode(screening))
}

/// The address the test comes back to with the result's code.
pub fn back_url(code: &str) -> String {
    api::agent_result_url(code)
}

/// A step of the agent's screen.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// Start a screening, or look up a code.
    Start,
    /// The tablet goes to the person.
    HandOver(Screening),
    /// Loading the result of a code.
    Loading(String),
    /// The result of a screening, still in this tablet's outbox.
    Waiting(String),
    /// A result (boxed: it is much larger than the other steps).
    Result(Box<ResultView>),
}

/// The agent's area.
#[component]
pub fn AgentArea() -> impl IntoView {
    view! {
        <StaffGate audience=Audience::Agent>
            <AgentScreens />
        </StaffGate>
    }
}

/// Replaces the address shown (no new history entry).
fn show_address(url: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

#[component]
fn AgentScreens() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let search = location().search().unwrap_or_default();
    let returned = query_param(&search, "resultat").and_then(|c| api::normalise_code(&c));
    let waiting = query_param(&search, "depistage").filter(|s| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let step = RwSignal::new(match (&returned, waiting) {
        (Some(code), _) => Step::Loading(code.clone()),
        (None, Some(screening)) => Step::Waiting(screening),
        (None, None) => Step::Start,
    });
    let load_error = RwSignal::new(None::<String>);

    // Loads a result and shows it; on failure, back to the start with the message.
    let open = move |code: String| {
        step.set(Step::Loading(code.clone()));
        spawn_local(async move {
            match api::result(&code).await {
                Ok(r) => {
                    show_address(&back_url(&r.code));
                    state.announce(&format!("{}. Code {}.", result_heading(&r), r.code));
                    step.set(Step::Result(Box::new(r)));
                }
                Err(e) => {
                    let message = session.message(&e);
                    show_address("/agent");
                    load_error.set(Some(message));
                    step.set(Step::Start);
                }
            }
        });
    };
    if let Some(code) = returned {
        open(code);
    }

    // Each new step: its title, and focus on its heading (the first step keeps the
    // focus where the page put it).
    Effect::new(move |previous: Option<u8>| {
        let (kind, title) = step.with(|s| match s {
            Step::Start => (0, "Nouveau dépistage".to_string()),
            Step::HandOver(_) => (1, "Donnez la tablette à la personne".to_string()),
            Step::Loading(_) => (2, "Résultat".to_string()),
            Step::Result(r) => (3, result_heading(r)),
            Step::Waiting(_) => (4, "Résultat en attente".to_string()),
        });
        set_title(&title);
        // Loading has no form to leave focus in; a failed lookup focuses the code.
        let failed_lookup = previous == Some(2) && kind == 0;
        if previous.is_some_and(|p| p != kind && kind != 2) && !failed_lookup {
            focus_heading_soon();
        }
        kind
    });

    move || match step.get() {
        Step::Start => view! { <StartStep step=step open=open load_error=load_error /> }.into_any(),
        Step::HandOver(s) => view! { <HandOverStep step=step screening=s /> }.into_any(),
        Step::Loading(code) => view! {
            <div class="screen staff">
                <h1 tabindex="-1">"Résultat"</h1>
                <p class="wiping">{format!("Recherche du résultat {code}…")}</p>
            </div>
        }
        .into_any(),
        Step::Result(r) => view! { <ResultStep step=step result=*r /> }.into_any(),
        Step::Waiting(screening) => {
            view! { <WaitingStep step=step screening open=open /> }.into_any()
        }
    }
}

/// Which field of the start step an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StartField {
    Person,
    Consent,
    Screening,
    Code,
}

#[component]
fn StartStep(
    step: RwSignal<Step>,
    open: impl Fn(String) + Copy + 'static,
    load_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let person = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // A code that led nowhere: its message at the code's field, with the focus.
    let errors = Errors::starting_with(load_error.get_untracked().map(|m| (StartField::Code, m)));
    if load_error.get_untracked().is_some() {
        load_error.set(None);
        focus_soon("code");
    }

    let start = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = person.get_untracked().trim().to_string();
        let agreed = consent.get_untracked();
        if name.chars().count() > MAX_PERSON_CHARS {
            errors.set(
                StartField::Person,
                format!("Écrivez au plus {MAX_PERSON_CHARS}\u{a0}caractères."),
            );
            focus_soon("person");
            return;
        }
        if !name.is_empty() && !agreed {
            errors.set(
                StartField::Consent,
                "Pour noter le prénom, la personne doit être d'accord. Cochez la case, ou effacez le prénom.",
            );
            focus_soon("consent");
            return;
        }
        errors.clear();
        busy.set(true);
        spawn_local(async move {
            let name = (!name.is_empty()).then_some(name);
            match api::start_screening(name.as_deref(), agreed).await {
                Ok(s) => {
                    state.announce("Dépistage prêt.");
                    step.set(Step::HandOver(s));
                }
                Err(e) => {
                    busy.set(false);
                    errors.set(StartField::Screening, session.message(&e));
                }
            }
        });
    };

    let look_up = move |ev: SubmitEvent| {
        ev.prevent_default();
        match api::normalise_code(&code.get_untracked()) {
            Some(c) => {
                errors.clear();
                open(c);
            }
            None => {
                errors.set(
                    StartField::Code,
                    "Ce code n'est pas complet. Il a 8\u{a0}lettres ou chiffres, par exemple K7M4-QX2P.",
                );
                focus_soon("code");
            }
        }
    };

    view! {
        <div class="screen staff agent-start">
            <h1 tabindex="-1">"Nouveau dépistage"</h1>
            <p class="lead">"Le test dure 5 à 10\u{a0}minutes. La personne répond seule, vous restez à côté."</p>
            <form class="staff-form" on:submit=start novalidate>
                <FormAlert message=errors.of(StartField::Screening) />
                <TextField
                    id="person"
                    label="Prénom ou initiales de la personne (facultatif)"
                    value=person
                    error=errors.of(StartField::Person)
                    hint="Rien n'est obligatoire. Sans prénom, le résultat a seulement un code."
                    autocomplete="off"
                    spellcheck="false"
                    maxlength="80"
                />
                <div class="field">
                    <label class="option check">
                        <input
                            id="consent"
                            type="checkbox"
                            aria-invalid=move || errors.on(StartField::Consent).to_string()
                            aria-describedby=move || {
                                described_by(&[("consent-error", errors.on(StartField::Consent))])
                            }
                            prop:checked=move || consent.get()
                            on:change=move |ev| consent.set(event_target_checked(&ev))
                        />
                        <span>"La personne est d'accord pour que son prénom soit noté."</span>
                    </label>
                    <FieldError id="consent-error" message=errors.of(StartField::Consent) />
                </div>
                <div class="actions">
                    <SubmitButton busy=busy label="Commencer le dépistage" class="button primary big" />
                </div>
            </form>

            <section class="staff-section" aria-labelledby="lookup-title">
                <h2 id="lookup-title">"Retrouver un résultat"</h2>
                <p>
                    "La personne a fait le test seule, sur une borne ou sur son téléphone\u{a0}? Elle a un code. Écrivez-le pour voir son résultat."
                </p>
                <form class="staff-form" on:submit=look_up novalidate>
                    <TextField
                        id="code"
                        label="Code du résultat"
                        value=code
                        error=errors.of(StartField::Code)
                        hint="8\u{a0}lettres ou chiffres, par exemple K7M4-QX2P."
                        alert=true
                        class="text-input code-input"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        maxlength="20"
                    />
                    <div class="actions">
                        <button type="submit" class="button secondary">
                            "Voir le résultat"
                        </button>
                    </div>
                </form>
            </section>

            <RecentList />
        </div>
    }
}

#[component]
fn HandOverStep(step: RwSignal<Step>, screening: Screening) -> impl IntoView {
    let url = test_url(&screening.id);
    view! {
        <div class="screen staff hand-over">
            <h1 tabindex="-1">"Donnez la tablette à la personne"</h1>
            {screening
                .person
                .clone()
                .map(|p| {
                    view! {
                        <p class="lead">
                            "Dépistage de\u{a0}: " <strong>{p}</strong>
                        </p>
                    }
                })}
            <ol class="steps">
                <li>"Touchez «\u{a0}Commencer le test\u{a0}», puis donnez la tablette."</li>
                <li>"La personne répond seule. Vous restez à côté, sans répondre pour elle."</li>
                <li>"À la fin, le résultat s'affiche. Reprenez la tablette."</li>
            </ol>
            <div class="actions">
                <a class="button primary big" href=url>
                    "Commencer le test"
                </a>
                <button type="button" class="button secondary" on:click=move |_| step.set(Step::Start)>
                    "Annuler"
                </button>
            </div>
        </div>
    }
}

/// The result of a screening that has not reached the server yet: it waits in
/// this tablet's outbox, which sends it when the network comes back (at once, on
/// « Réessayer maintenant », and every 30 s); then the result shows. A result
/// the server did not take because it did not know the screening for this
/// account (404, three times) is said, kept, and sent again on « Réessayer
/// maintenant ».
#[component]
fn WaitingStep(
    step: RwSignal<Step>,
    screening: String,
    open: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let delivery = RwSignal::new(offline::screening_delivery(&screening));
    let screening = StoredValue::new(screening);
    let check = move || {
        // The screen may be gone (its values disposed) before the interval is
        // cleared: a tick then does nothing.
        let (Some(now), Some(shown)) = (
            screening.try_with_value(|s| offline::screening_delivery(s)),
            delivery.try_get_untracked(),
        ) else {
            return;
        };
        if let Some(Delivery::Sent(Some(code))) = &now {
            state.announce("Le résultat est arrivé.");
            open(code.clone());
        } else if now != shown {
            delivery.try_set(now);
        }
    };
    let handle = set_interval_with_handle(check, Duration::from_secs(1));
    if let Ok(h) = handle {
        on_cleanup(move || h.clear());
    }
    let retry = move |_| {
        state.announce("Nouvel essai d'envoi.");
        // A result set aside because the server did not know the screening goes
        // back in the queue: the agent may have logged in with the right account.
        if screening.with_value(|s| offline::requeue_screening(s)) {
            delivery.set(screening.with_value(|s| offline::screening_delivery(s)));
        }
        spawn_local(offline::flush());
    };
    let new_screening = move |_| {
        show_address("/agent");
        step.set(Step::Start);
    };
    view! {
        <div class="screen staff agent-waiting">
            <h1 tabindex="-1">"Résultat en attente"</h1>
            {move || match delivery.get() {
                Some(Delivery::Refused)
                    if screening.with_value(|s| offline::screening_refusal(s)) == Some(404) => {
                    view! {
                        <p class="notice" id="waiting-status">
                            "Le serveur ne trouve pas ce dépistage pour votre compte. Le résultat n'est plus envoyé, mais il reste gardé sur cette tablette."
                        </p>
                        <p>
                            "Connectez-vous avec un compte de la structure du dépistage, puis touchez «\u{a0}Réessayer maintenant\u{a0}»."
                        </p>
                    }
                    .into_any()
                }
                Some(Delivery::Refused) => view! {
                    <p class="notice" id="waiting-status">
                        "Le serveur a refusé ce résultat. Il ne peut pas être enregistré. Refaites le dépistage si la personne le veut bien."
                    </p>
                }
                .into_any(),
                Some(Delivery::Sent(Some(_))) => {
                    view! { <p class="wiping">"Le résultat est arrivé. Un instant…"</p> }.into_any()
                }
                Some(Delivery::Sent(None)) => view! {
                    <p class="notice">
                        "Le résultat est envoyé, mais cette tablette n'a pas reçu son code. Demandez le code au médiateur de votre structure."
                    </p>
                }
                .into_any(),
                Some(Delivery::Waiting | Delivery::Sending) => view! {
                    <p class="notice">
                        "Le test est fini. Le résultat est gardé sur cette tablette\u{a0}: il n'est pas encore envoyé."
                    </p>
                    <p>"La tablette n'a pas de réseau, ou votre session est terminée."</p>
                    <p>"Le résultat part tout seul dès que c'est possible. Il s'affiche alors ici."</p>
                }
                .into_any(),
                None => view! {
                    <p class="notice">
                        "Cette tablette n'a pas de résultat en attente pour ce dépistage."
                    </p>
                }
                .into_any(),
            }}
            <div class="actions">
                <button type="button" class="button primary" on:click=retry>
                    "Réessayer maintenant"
                </button>
                <button type="button" class="button secondary" on:click=new_screening>
                    "Nouveau dépistage"
                </button>
            </div>
        </div>
    }
}

#[component]
fn ResultStep(step: RwSignal<Step>, result: ResultView) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let busy = RwSignal::new(false);
    let attach_error = RwSignal::new(None::<String>);
    let code = result.code.clone();
    let needs_attach = !result.attached;
    let from_outside = result.source != "agent";
    let attach = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let code = code.clone();
        spawn_local(async move {
            match api::attach(&code).await {
                Ok(r) => {
                    state.announce("Résultat rattaché à votre structure.");
                    step.set(Step::Result(Box::new(r)));
                    focus_soon("attach-status");
                }
                Err(e) => {
                    busy.set(false);
                    attach_error.set(Some(session.message(&e)));
                }
            }
        });
    };
    let new_screening = move |_| {
        show_address("/agent");
        step.set(Step::Start);
    };
    let print = move |_| {
        let _ = window().print();
    };
    view! {
        <div class="screen staff agent-result">
            <ResultPanel result=result>
                <button type="button" class="button primary" on:click=print>
                    "Imprimer la fiche"
                </button>
                <button type="button" class="button secondary" on:click=new_screening>
                    "Nouveau dépistage"
                </button>
            </ResultPanel>
            {from_outside
                .then(|| {
                    view! {
                        <section class="staff-section no-print" aria-labelledby="attach-title">
                            <h2 id="attach-title">"Votre structure"</h2>
                            {if needs_attach {
                                view! {
                                    <p>
                                        "Ce résultat n'est rattaché à aucune structure. Rattachez-le pour que les médiateurs de votre structure le retrouvent."
                                    </p>
                                    <FormAlert message=attach_error />
                                    <div class="actions">
                                        <button
                                            type="button"
                                            class="button primary"
                                            aria-disabled=move || busy.get().to_string()
                                            on:click=attach.clone()
                                        >
                                            "Rattacher à ma structure"
                                        </button>
                                    </div>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <p class="confirm" id="attach-status" tabindex="-1">
                                        "Ce résultat est rattaché à votre structure."
                                    </p>
                                }
                                    .into_any()
                            }}
                        </section>
                    }
                })}
        </div>
    }
}
