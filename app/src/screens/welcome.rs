//! The welcome screen: what will happen, what is kept of the test (for whom, how
//! long, what is wiped), « Commencer », and the comfort settings.

use leptos::prelude::*;

use crate::routes::Screen;
use crate::settings::SettingsForm;
use crate::spoken;
use crate::state::AppState;

/// The length of a test under the rules of the bank this build serves
/// (`build.rs`, `Referentiel::test_length`): the welcome screen shows before the
/// bank arrives.
const ITEMS: (usize, usize) = (
    parse(env!("REPERE_MIN_ITEMS")),
    parse(env!("REPERE_MAX_ITEMS")),
);
const MINUTES: u64 = parse(env!("REPERE_MAX_MINUTES")) as u64;

/// A decimal number written by `build.rs` (compile time: a wrong one fails the
/// build).
const fn parse(digits: &str) -> usize {
    let bytes = digits.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "not a number");
        n = n * 10 + (bytes[i] - b'0') as usize;
        i += 1;
    }
    n
}

/// The first screen a person sees.
#[component]
pub fn Welcome() -> impl IntoView {
    let state = expect_context::<AppState>();
    let kiosk = state.kiosk();
    let (agent, retention) = state
        .config
        .with_value(|c| (c.screening.is_some(), c.retention_days));
    let device = if agent {
        spoken::Device::Agent
    } else if kiosk {
        spoken::Device::Kiosk
    } else {
        spoken::Device::Own
    };
    let privacy = spoken::privacy(device, retention);
    state
        .read_text
        .set(spoken::welcome(device, retention, ITEMS, MINUTES));
    let [questions, time] = spoken::length_facts(ITEMS, MINUTES);
    view! {
        <div class="screen welcome">
            <h1 tabindex="-1">"Repère"</h1>
            <p class="lead">"Un test pour savoir où vous en êtes avec le numérique."</p>
            <ul class="facts">
                <li>{questions}</li>
                <li>{time}</li>
                <li>"Vous pouvez toujours répondre «\u{a0}Je ne sais pas\u{a0}»."</li>
            </ul>
            <section class="consent" aria-labelledby="consent-title">
                <h2 id="consent-title">"Ce qui est gardé"</h2>
                <ul>
                    {privacy
                        .into_iter()
                        .map(|p| view! { <li>{p}</li> })
                        .collect_view()}
                </ul>
            </section>
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
