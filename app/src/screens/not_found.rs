//! A calm page for an address that leads nowhere.

use leptos::prelude::*;

use crate::state::AppState;

/// Any unknown path.
#[component]
pub fn NotFound() -> impl IntoView {
    let state = expect_context::<AppState>();
    state
        .read_text
        .set("Cette page n'existe pas. Touchez le lien pour revenir à l'accueil.".into());
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Cette page n'existe pas"</h1>
            <p>"L'adresse ne mène à aucune page de Repère."</p>
            <p>
                <a class="button" href="/">
                    "Revenir à l'accueil"
                </a>
            </p>
        </div>
    }
}
