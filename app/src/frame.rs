//! What every screen shares: the top bar with « Écouter » and « Réglages », the
//! settings dialog, and the helpers that move focus and pick the text read aloud.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::settings::SettingsForm;
use crate::state::AppState;

/// The id of the « Réglages » button (focus returns to it when the dialog closes).
const SETTINGS_BUTTON_ID: &str = "settings-button";

/// What « Écouter » reads: the text the screen set, else the text of `<main>`.
pub fn screen_text(state: AppState) -> String {
    let text = state.read_text.get_untracked();
    if !text.trim().is_empty() {
        return text;
    }
    document()
        .get_element_by_id("contenu")
        .and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok())
        .map(|m| m.inner_text())
        .unwrap_or_default()
}

/// Moves keyboard and screen-reader focus to the heading of the new screen.
pub fn focus_heading() {
    if let Some(h) = document()
        .query_selector("main h1")
        .ok()
        .flatten()
        .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = h.focus();
    }
}

/// A loudspeaker, for « Écouter ».
fn speaker_icon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M3 9h4l5-4v14l-5-4H3z" fill="currentColor" />
            <path
                d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
            />
        </svg>
    }
}

/// Three sliders, for « Réglages ».
fn sliders_icon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path
                d="M4 6h16M4 12h16M4 18h16"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
            />
            <circle cx="9" cy="6" r="2.6" fill="currentColor" />
            <circle cx="15" cy="12" r="2.6" fill="currentColor" />
            <circle cx="7" cy="18" r="2.6" fill="currentColor" />
        </svg>
    }
}

/// The top bar of every screen.
#[component]
pub fn TopBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let speech = state.speech;
    let listen = move |_| {
        if speech.speaking.get_untracked() {
            speech.stop();
        } else {
            speech.speak(&screen_text(state));
        }
    };
    view! {
        <header class="top-bar">
            <p class="brand">"Repère"</p>
            <div class="tools">
                <Show when=move || speech.available.get()>
                    <button type="button" class="tool" id="listen-button" on:click=listen>
                        {speaker_icon()}
                        <span>
                            {move || if speech.speaking.get() { "Arrêter" } else { "Écouter" }}
                        </span>
                    </button>
                </Show>
                <button
                    type="button"
                    class="tool"
                    id=SETTINGS_BUTTON_ID
                    aria-haspopup="dialog"
                    on:click=move |_| state.settings_open.set(true)
                >
                    {sliders_icon()}
                    <span>"Réglages"</span>
                </button>
            </div>
        </header>
    }
}

/// The settings, in a modal dialog reachable from every screen.
#[component]
pub fn SettingsDialog() -> impl IntoView {
    let state = expect_context::<AppState>();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let open = state.settings_open.get();
        let Some(d) = dialog.get() else {
            return;
        };
        if open && !d.open() {
            let _ = d.show_modal();
        } else if !open && d.open() {
            d.close();
        }
    });
    let on_close = move |_| {
        state.settings_open.set(false);
        if let Some(b) = document()
            .get_element_by_id(SETTINGS_BUTTON_ID)
            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = b.focus();
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="dialog settings-dialog"
            aria-labelledby="settings-title"
            on:close=on_close
        >
            <h2 id="settings-title">"Réglages"</h2>
            <p>"Les changements s'appliquent tout de suite."</p>
            <SettingsForm prefix="dialog" />
            <div class="actions">
                <button
                    type="button"
                    class="button"
                    on:click=move |_| state.settings_open.set(false)
                >
                    "Fermer"
                </button>
            </div>
        </dialog>
    }
}
