//! The welcome screen: what will happen, « Commencer », and the comfort settings.

use leptos::prelude::*;

use crate::routes::Screen;
use crate::settings::SettingsForm;
use crate::spoken;
use crate::state::AppState;

/// The first screen a person sees.
#[component]
pub fn Welcome() -> impl IntoView {
    let state = expect_context::<AppState>();
    let kiosk = state.kiosk();
    state.read_text.set(spoken::welcome(kiosk));
    view! {
        <div class="screen welcome">
            <h1 tabindex="-1">"Repère"</h1>
            <p class="lead">"Un petit test pour savoir où vous en êtes avec le numérique."</p>
            <ul class="facts">
                <li>"Une dizaine de questions, environ 10\u{a0}minutes, sans chronomètre."</li>
                <li>"Vous pouvez toujours répondre «\u{a0}Je ne sais pas\u{a0}»."</li>
                {kiosk.then(|| view! { <li>"À la fin, tout est effacé."</li> })}
            </ul>
            <button
                type="button"
                class="button primary big"
                on:click=move |_| state.go(Screen::Context(0))
            >
                "Commencer"
            </button>
            <section class="comfort" aria-labelledby="comfort-title">
                <h2 id="comfort-title">"Pour lire plus facilement"</h2>
                <p>"Vous pourrez aussi changer ces réglages plus tard, avec le bouton «\u{a0}Réglages\u{a0}»."</p>
                <SettingsForm prefix="welcome" />
            </section>
        </div>
    }
}
