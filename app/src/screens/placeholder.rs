//! Screens whose content comes from the item bank and the engine; until those are
//! wired, they say so plainly and let the person move on.

use leptos::prelude::*;

use crate::routes::Screen;
use crate::state::AppState;

#[component]
fn Pending(title: &'static str, next: Screen, next_label: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    state
        .read_text
        .set(format!("{title}. Cette partie n'est pas encore prête."));
    view! {
        <div class="screen">
            <h1 tabindex="-1">{title}</h1>
            <p>"Cette partie n'est pas encore prête."</p>
            <button type="button" class="button" on:click=move |_| state.go(next.clone())>
                {next_label}
            </button>
        </div>
    }
}

/// Questions about the person's equipment and goals.
#[component]
pub fn ContextScreen() -> impl IntoView {
    view! { <Pending title="Quelques questions sur vous" next=Screen::Question next_label="Continuer" /> }
}

/// One question of the test.
#[component]
pub fn QuestionScreen() -> impl IntoView {
    view! { <Pending title="Question 1" next=Screen::Result next_label="Continuer" /> }
}

/// The result.
#[component]
pub fn ResultScreen() -> impl IntoView {
    view! { <Pending title="Votre résultat" next=Screen::Print next_label="Imprimer" /> }
}

/// The result for printing.
#[component]
pub fn PrintScreen() -> impl IntoView {
    view! { <Pending title="Votre résultat à emporter" next=Screen::Welcome next_label="Retour à l'accueil" /> }
}
