//! Calm pages for an address that leads nowhere, or nowhere for now.

use leptos::prelude::*;

use crate::spoken;
use crate::state::AppState;

/// Any unknown path.
#[component]
pub fn NotFound() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(spoken::NOT_FOUND.into());
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

/// A path of the other bundle, opened offline when the service worker holds no
/// copy of its page (the server sends the right page whenever it is reached).
#[component]
pub fn Unavailable() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(spoken::UNAVAILABLE.into());
    let again = move |_| {
        let _ = location().reload();
    };
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Page indisponible pour le moment"</h1>
            <p>"Cette page a besoin du réseau."</p>
            <p>"Réessayez quand le réseau revient."</p>
            <div class="actions">
                <button type="button" class="button primary" on:click=again>
                    "Réessayer"
                </button>
                <a class="button secondary" href="/">
                    "Revenir à l'accueil"
                </a>
            </div>
        </div>
    }
}

/// While the questions arrive (the item bank is fetched at start: usually before
/// the person leaves the welcome screen).
#[component]
pub fn BankLoading() -> impl IntoView {
    let state = expect_context::<AppState>();
    state
        .read_text
        .set("Les questions arrivent. Patientez un instant.".into());
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Les questions arrivent"</h1>
            <p role="status">"Patientez un instant."</p>
        </div>
    }
}

/// The questions could not be fetched (no network at the first visit) or read.
#[component]
pub fn BankUnavailable() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(
        "Les questions ne peuvent pas être chargées. Vérifiez le réseau. Puis touchez Réessayer."
            .into(),
    );
    let again = move |_| {
        let _ = location().reload();
    };
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Les questions ne peuvent pas être chargées"</h1>
            <p>"Vérifiez le réseau."</p>
            <p>"Puis touchez Réessayer."</p>
            <div class="actions">
                <button type="button" class="button primary" on:click=again>
                    "Réessayer"
                </button>
            </div>
        </div>
    }
}
