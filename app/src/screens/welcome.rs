//! The welcome screen: what will happen, what is kept of the test (for whom, how
//! long, what is wiped), « Commencer », and the comfort settings.

use leptos::prelude::*;

use crate::routes::Screen;
use crate::settings::SettingsForm;
use crate::state::AppState;

/// How long the server keeps a result, in words (« 12 mois », « 90 jours »).
fn kept_for(days: u32) -> String {
    if days.is_multiple_of(365) {
        let years = days / 365;
        if years == 1 {
            "12\u{a0}mois".into()
        } else {
            format!("{years}\u{a0}ans")
        }
    } else if days.is_multiple_of(30) {
        format!("{}\u{a0}mois", days / 30)
    } else {
        format!("{days}\u{a0}jours")
    }
}

/// What is kept of the test, for whom, how long, and what is wiped: one short
/// sentence each, true for this device (kiosk, agent's tablet, own device).
pub fn privacy_sentences(kiosk: bool, agent: bool, retention_days: Option<u32>) -> Vec<String> {
    let how_long = match retention_days {
        Some(d) => format!("Il est effacé au bout de {}.", kept_for(d)),
        None => "Il est effacé après un temps limité.".into(),
    };
    let mut out = Vec::new();
    if agent {
        out.push("Votre prénom est noté seulement si vous êtes d'accord.".to_string());
        out.push("Votre résultat est gardé par cette structure, avec un code.".to_string());
        out.push("L'agent et les médiateurs de la structure peuvent le lire.".to_string());
        out.push(how_long);
        out.push("Sur la tablette, le test est effacé quand vous la rendez.".to_string());
    } else if kiosk {
        out.push("Le test est anonyme\u{a0}: on ne vous demande pas votre nom.".to_string());
        out.push(
            "À la fin, votre résultat est envoyé à la structure de cette borne, avec un code."
                .to_string(),
        );
        out.push("Ses médiateurs peuvent le lire, pour vous orienter.".to_string());
        out.push(how_long);
        out.push(
            "Sur la borne, tout est effacé à la fin\u{a0}: vos réponses et votre résultat."
                .to_string(),
        );
    } else {
        out.push("Le test est anonyme\u{a0}: on ne vous demande pas votre nom.".to_string());
        out.push("À la fin, votre résultat est envoyé au serveur, avec un code.".to_string());
        out.push("Un médiateur peut le lire si vous lui donnez ce code.".to_string());
        out.push(how_long);
        out.push(
            "Sur cet appareil, le test est effacé quand vous touchez «\u{a0}Terminer\u{a0}»."
                .to_string(),
        );
    }
    out
}

/// The first screen a person sees.
#[component]
pub fn Welcome() -> impl IntoView {
    let state = expect_context::<AppState>();
    let kiosk = state.kiosk();
    let (agent, retention) = state
        .config
        .with_value(|c| (c.screening.is_some(), c.retention_days));
    let privacy = privacy_sentences(kiosk, agent, retention);
    let mut read = String::from(
        "Repère. Un petit test pour savoir où vous en êtes avec le numérique. \
         Une dizaine de questions, environ 10 minutes, sans chronomètre. \
         Vous pouvez toujours répondre : je ne sais pas. Ce qui est gardé.",
    );
    for p in &privacy {
        read.push(' ');
        read.push_str(p);
    }
    read.push_str(" Pour commencer, touchez le bouton Commencer.");
    state.read_text.set(read);
    view! {
        <div class="screen welcome">
            <h1 tabindex="-1">"Repère"</h1>
            <p class="lead">"Un petit test pour savoir où vous en êtes avec le numérique."</p>
            <ul class="facts">
                <li>"Une dizaine de questions, environ 10\u{a0}minutes, sans chronomètre."</li>
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
