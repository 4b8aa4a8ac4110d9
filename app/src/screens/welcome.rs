//! The welcome screen: what will happen, « Commencer », and the comfort settings.

use leptos::prelude::*;

use crate::routes::Screen;
use crate::settings::SettingsForm;
use crate::state::AppState;

/// The stopping rules of the bank this build serves (`build.rs`): the welcome
/// screen shows before the bank arrives.
const MIN_ITEMS: usize = parse(env!("REPERE_MIN_ITEMS"));
const MAX_ITEMS: usize = parse(env!("REPERE_MAX_ITEMS"));
const MAX_MINUTES: u64 = parse(env!("REPERE_MAX_MINUTES")) as u64;

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

/// What the welcome screen says of the test's length, from the session rules (so
/// it stays true when they change): the range of questions, and the time cap
/// without a visible timer.
pub fn length_facts(min_items: usize, max_items: usize, max_minutes: u64) -> [String; 2] {
    [
        format!(
            "Entre {min_items} et {max_items}\u{a0}questions. Le test s'arrête dès qu'il en sait assez."
        ),
        format!("Pas de chronomètre. Le test dure {max_minutes}\u{a0}minutes au plus."),
    ]
}

/// The first screen a person sees.
#[component]
pub fn Welcome() -> impl IntoView {
    let state = expect_context::<AppState>();
    let kiosk = state.kiosk();
    let [questions, time] = length_facts(MIN_ITEMS, MAX_ITEMS, MAX_MINUTES);
    let mut read = format!(
        "Repère. Un test pour savoir où vous en êtes avec le numérique. {} {} \
         Vous pouvez toujours répondre : je ne sais pas.",
        questions.replace('\u{a0}', " "),
        time.replace('\u{a0}', " "),
    );
    if kiosk {
        read.push_str(" À la fin, tout est effacé.");
    }
    read.push_str(" Pour commencer, touchez le bouton Commencer.");
    state.read_text.set(read);
    view! {
        <div class="screen welcome">
            <h1 tabindex="-1">"Repère"</h1>
            <p class="lead">"Un test pour savoir où vous en êtes avec le numérique."</p>
            <ul class="facts">
                <li>{questions}</li>
                <li>{time}</li>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_said_is_the_rules() {
        let [q, t] = length_facts(8, 20, 20);
        assert_eq!(
            q,
            "Entre 8 et 20\u{a0}questions. Le test s'arrête dès qu'il en sait assez."
        );
        assert_eq!(
            t,
            "Pas de chronomètre. Le test dure 20\u{a0}minutes au plus."
        );
    }
}
