//! The result laid out for A4 paper, large and black and white: the person takes
//! it away. « Imprimer » opens the browser's print dialog; `style.css` hides the
//! buttons and the top bar on paper.

use leptos::prelude::*;

use super::result::{LevelsTable, NoResult, ResultCode, Summary};
use crate::places::PlacesList;
use crate::routes::Screen;
use crate::spoken;
use crate::state::AppState;
use crate::test_run;

/// The print view.
#[component]
pub fn PrintScreen() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (Some(outcome), Some(id)) = (test_run::finished_outcome(), test_run::finished_id()) else {
        return view! { <NoResult /> }.into_any();
    };
    state.read_text.set(spoken::PRINT.into());
    let date = js_sys::Date::new_0();
    let day = format!(
        "{:02}/{:02}/{}",
        date.get_date(),
        date.get_month() + 1,
        date.get_full_year()
    );
    let profile = outcome.profile.clone();
    let domains = profile.domains.clone();
    view! {
        <div class="screen print-sheet">
            <h1 tabindex="-1">"Repère : votre résultat"</h1>
            <p>{format!("Test fait le {day}.")}</p>
            <Summary profile />
            {move || {
                let list = state.places.get();
                (!list.is_empty()).then(|| view! { <PlacesList places=list /> })
            }}
            <LevelsTable domains />
            <ResultCode id print=true />
            <div class="actions no-print">
                <button
                    type="button"
                    class="button"
                    on:click=move |_| {
                        let _ = window().print();
                    }
                >
                    "Imprimer"
                </button>
                <button
                    type="button"
                    class="button secondary"
                    on:click=move |_| state.go(Screen::Result)
                >
                    "Retour au résultat"
                </button>
            </div>
        </div>
    }
    .into_any()
}
