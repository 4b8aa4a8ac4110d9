//! Agent mode (`/?mode=agent&screening=<id>`): the tablet goes back to the agent.
//!
//! - At the end of the test, the person sees [`AgentHandBack`]: the test is over,
//!   whether the result is sent, and « Rendre la tablette à l'agent », which opens
//!   the agent's screen on the result (`/agent?resultat=<code>`), or, when the
//!   tablet had no network, on the waiting result (`/agent?depistage=<id>`), which
//!   shows it once the outbox has sent it.
//! - During the test, a discreet [`AgentExit`] under the page lets the agent take
//!   the tablet back (the person left, the test is not for them): it asks first,
//!   then forgets the answers and opens `/agent`.
//!
//! Either way the test of this tab is forgotten before leaving: the next person's
//! test starts from nothing (and `test_run::bind_to_screening` checks it again).

use std::time::Duration;

use leptos::prelude::*;

use super::common::focus_soon;
use crate::offline::{self, Delivery};
use crate::routes::Screen;
use crate::spoken;
use crate::state::AppState;
use crate::{api, test_run};

/// Forgets the test of this tab and opens `url` in place of the test's page (the
/// back button cannot bring the test back).
fn leave_for(state: AppState, url: &str) {
    state.resetting.set(true);
    state.speech.stop();
    test_run::forget();
    state.context.set(Vec::new());
    state.go(Screen::Welcome);
    state.save_progress();
    let _ = location().replace(url);
}

/// Where a result stands, followed every second until the server has it or
/// refused it.
pub fn followed_delivery(id: String) -> RwSignal<Delivery> {
    let delivery = RwSignal::new(offline::delivery(&id));
    let handle = set_interval_with_handle(
        move || {
            // The screen may be gone (its signal disposed) before the interval is
            // cleared: a tick then does nothing.
            let Some(shown) = delivery.try_get_untracked() else {
                return;
            };
            let now = offline::delivery(&id);
            if now != shown {
                delivery.try_set(now);
            }
        },
        Duration::from_secs(1),
    );
    if let Ok(h) = handle {
        on_cleanup(move || h.clear());
    }
    delivery
}

/// The end of a screening's test, for the person, then the agent.
#[component]
pub fn AgentHandBack(screening: String, id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(spoken::HAND_BACK.into());
    let delivery = followed_delivery(id);
    // Said once, when the state changes while the screen shows.
    Effect::new(move |previous: Option<Delivery>| {
        let now = delivery.get();
        if previous.is_some_and(|p| p != now) {
            match &now {
                Delivery::Sent(_) => state.announce("Votre résultat est enregistré."),
                Delivery::Waiting => {
                    state.announce("La tablette n'a pas de réseau. Votre résultat est gardé.")
                }
                Delivery::Refused => state.announce("Votre résultat n'a pas pu être enregistré."),
                Delivery::Sending => {}
            }
        }
        now
    });
    let hand_back = move |_| {
        let url = match delivery.get_untracked() {
            Delivery::Sent(Some(code)) => api::agent_result_url(&code),
            _ => api::agent_waiting_url(&screening),
        };
        leave_for(state, &url);
    };
    view! {
        <div class="screen agent-end">
            <h1 tabindex="-1">"Le test est fini"</h1>
            <p class="lead">"Merci. Vous avez répondu à toutes les questions."</p>
            <div class="delivery">
                {move || match delivery.get() {
                    Delivery::Sending => view! { <p>"Envoi de votre résultat…"</p> }.into_any(),
                    Delivery::Sent(_) => view! { <p>"Votre résultat est enregistré."</p> }.into_any(),
                    Delivery::Waiting => view! {
                        <p>"La tablette n'a pas de réseau pour le moment."</p>
                        <p>"Votre résultat est gardé sur la tablette. Il sera envoyé tout seul."</p>
                    }
                    .into_any(),
                    Delivery::Refused => view! {
                        <p>"Votre résultat n'a pas pu être enregistré."</p>
                        <p>"L'agent va vous aider."</p>
                    }
                    .into_any(),
                }}
            </div>
            <p>"Rendez la tablette à l'agent. Il va regarder votre résultat avec vous."</p>
            <div class="actions">
                <button type="button" class="button primary big" on:click=hand_back>
                    "Rendre la tablette à l'agent"
                </button>
            </div>
        </div>
    }
}

/// During a screening's test: a discreet way for the agent to take the tablet
/// back. It asks first when the test has started.
#[component]
pub fn AgentExit() -> impl IntoView {
    let state = expect_context::<AppState>();
    let asking = RwSignal::new(false);
    let shown = move || {
        !state.resetting.get() && !matches!(state.screen.get(), Screen::Result | Screen::Print)
    };
    let ask = move |_| {
        if state.screen.get_untracked() == Screen::Welcome && state.context.with(Vec::is_empty) {
            leave_for(state, "/agent");
        } else {
            asking.set(true);
            focus_soon("agent-exit-question");
        }
    };
    let keep_on = move |_| {
        asking.set(false);
        focus_soon("agent-exit-button");
    };
    let stop = move |_| leave_for(state, "/agent");
    view! {
        <Show when=shown>
            <aside class="agent-exit no-print" aria-label="Pour l'agent">
                {move || {
                    if asking.get() {
                        view! {
                            <p id="agent-exit-question" tabindex="-1">
                                "Le test n'est pas fini. Si vous rendez la tablette maintenant, les réponses sont effacées."
                            </p>
                            <div class="actions">
                                <button type="button" class="button" on:click=stop>
                                    "Arrêter le test"
                                </button>
                                <button type="button" class="button secondary" on:click=keep_on>
                                    "Continuer le test"
                                </button>
                            </div>
                        }
                            .into_any()
                    } else {
                        view! {
                            <button
                                type="button"
                                class="button secondary"
                                id="agent-exit-button"
                                on:click=ask
                            >
                                "Rendre la tablette à l'agent"
                            </button>
                        }
                            .into_any()
                    }
                }}
            </aside>
        </Show>
    }
}
