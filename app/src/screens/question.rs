//! One question of the adaptive test. The item comes from the live test
//! ([`crate::test_run`]); the response goes back to it; after the last one, the
//! result. Progress says « Question 4 », with no total (the test stops when it
//! knows enough, so a total could only grow or shrink).

use leptos::prelude::*;
use repere_items::{BankItem, Response};

use crate::frame;
use crate::render::ItemView;
use crate::routes::Screen;
use crate::spoken;
use crate::state::AppState;
use crate::test_run;

/// The current question.
#[component]
pub fn QuestionScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let mode = state.config.with_value(test_run::mode_of);
    let started = test_run::ensure_started(&state.context.get_untracked(), mode);
    if let Err(e) = started {
        leptos::logging::error!("the test cannot start: {e}");
        return view! { <Trouble /> }.into_any();
    }
    let current = RwSignal::new(test_run::current_item());
    if current.get_untracked().is_none() {
        state.go(Screen::Result);
    }
    let on_response = move |(item, response): (&'static BankItem, Response)| {
        if let Err(e) = test_run::answer(&item.id, response) {
            leptos::logging::error!("answer refused: {e}");
        }
        state.speech.stop();
        if test_run::is_over() {
            state.announce("Réponse enregistrée. Le test est fini.");
            match test_run::finish(state.config.with_value(test_run::destination_of)) {
                Ok(_) => state.go(Screen::Result),
                Err(e) => leptos::logging::error!("the test cannot end: {e}"),
            }
            return;
        }
        state.announce("Réponse enregistrée.");
        current.set(test_run::current_item());
        request_animation_frame(move || {
            frame::focus_heading();
            if state.settings.get_untracked().read_aloud {
                state.speech.speak(&frame::screen_text(state));
            }
        });
    };
    view! {
        <div class="screen question">
            {move || {
                current
                    .get()
                    .map(|(item, number)| {
                        view! {
                            <ItemView
                                item
                                progress=format!("Question {number}")
                                on_response=move |r| on_response((item, r))
                            />
                        }
                    })
            }}
        </div>
    }
    .into_any()
}

/// A calm message when the test cannot go on.
#[component]
pub fn Trouble() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(spoken::TROUBLE.into());
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Le test ne peut pas continuer"</h1>
            <p>"Ce n'est pas de votre faute."</p>
            <p>"Demandez de l'aide à l'accueil."</p>
        </div>
    }
}
