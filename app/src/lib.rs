//! The Repère web front end: kiosk, agent and trainer screens.
//!
//! Views hold no business logic: they call the engine (compiled to WebAssembly with
//! the app) and the item bank embedded at build time.

use leptos::prelude::*;

/// The whole application.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main id="contenu">
            <h1>"Repère"</h1>
            <p>"Un petit test pour savoir où vous en êtes avec le numérique."</p>
            <p>"Une dizaine de questions, environ 10 minutes, sans chronomètre."</p>
            <button type="button" class="button">"Commencer"</button>
        </main>
        <footer class="version">
            <p>{format!("Repère, moteur de mesure version {}", repere_engine::ENGINE_VERSION)}</p>
        </footer>
    }
}
