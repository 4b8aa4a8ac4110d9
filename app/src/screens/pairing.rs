//! `/borne`: installing this device as a kiosk of a structure, or uninstalling it.
//!
//! Whoever sets the device up types the kiosk's code, shown once by
//! `repere kiosk add` or by the admin screen. The server checks it and sets an
//! `HttpOnly` cookie that this page never sees; from then on the server serves the
//! app in kiosk mode to this browser and files its results under the structure.
//! After pairing or unpairing, the service worker is asked to fetch the app page
//! again, so that its offline copy has the right mode.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::staff::{described_by, error_mark, focus_heading_soon, focus_soon, set_title};
use crate::api::{self, KioskStatus};
use crate::offline;
use crate::state::AppState;

/// Where the page stands.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// Asking the server.
    Checking,
    /// Not paired: the form, with a note on top (after unpairing, or when the
    /// server could not be asked).
    Form(Option<String>),
    /// Paired with a kiosk of a structure.
    Paired(KioskStatus),
}

impl Step {
    fn kind(&self) -> u8 {
        match self {
            Step::Checking => 0,
            Step::Form(_) => 1,
            Step::Paired(_) => 2,
        }
    }
}

/// The pairing page.
#[component]
pub fn PairingArea() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(String::new());
    let step = RwSignal::new(Step::Checking);
    spawn_local(async move {
        step.set(match api::kiosk_status().await {
            Ok(s) if s.paired => Step::Paired(s),
            Ok(_) => Step::Form(None),
            Err(e) => Step::Form(Some(e.message)),
        });
    });
    Effect::new(move |previous: Option<u8>| {
        let kind = step.with(Step::kind);
        set_title(if kind == 2 {
            "Borne installée"
        } else {
            "Installer cette borne"
        });
        if previous.is_some_and(|p| p != 0 && p != kind) {
            focus_heading_soon();
        }
        kind
    });
    move || match step.get() {
        Step::Checking => view! {
            <div class="screen staff pairing">
                <h1 tabindex="-1">"Installer cette borne"</h1>
                <p class="wiping">"Un instant…"</p>
            </div>
        }
        .into_any(),
        Step::Form(note) => view! { <PairForm step note /> }.into_any(),
        Step::Paired(status) => view! { <Paired step status /> }.into_any(),
    }
}

#[component]
fn PairForm(step: RwSignal<Step>, note: Option<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let has_error = move || error.with(Option::is_some);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let token = code.get_untracked().trim().to_string();
        if token.is_empty() {
            error.set(Some("Écrivez le code de la borne.".into()));
            focus_soon("kiosk-code");
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::pair_kiosk(&token).await {
                Ok(status) if status.paired => {
                    offline::refresh_app_page();
                    state.announce(&format!(
                        "Cette borne est installée pour\u{a0}: {}.",
                        status.structure_name()
                    ));
                    step.set(Step::Paired(status));
                }
                Ok(_) => {
                    // Paired, but the cookie did not come back (cookies blocked).
                    busy.set(false);
                    error.set(Some(
                        "Le navigateur a refusé l'installation. Autorisez les cookies pour ce site, puis réessayez.".into(),
                    ));
                    focus_soon("kiosk-code");
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.message));
                    focus_soon("kiosk-code");
                }
            }
        });
    };
    view! {
        <div class="screen staff pairing">
            <h1 tabindex="-1">"Installer cette borne"</h1>
            <p class="lead">"Cette page transforme cet appareil en borne, pour une structure."</p>
            {note.map(|n| view! { <p class="notice">{n}</p> })}
            <form class="staff-form" on:submit=submit novalidate>
                <div class="field">
                    <label class="field-label" for="kiosk-code">
                        "Code de la borne"
                    </label>
                    <p class="field-hint" id="kiosk-code-hint">
                        "Ce code est donné une seule fois, à l'enregistrement de la borne\u{a0}: par la commande «\u{a0}repere kiosk add\u{a0}» ou par l'écran d'administration."
                    </p>
                    <input
                        id="kiosk-code"
                        class="text-input"
                        type="text"
                        autocomplete="off"
                        autocapitalize="none"
                        spellcheck="false"
                        aria-invalid=move || has_error().to_string()
                        aria-describedby=move || {
                            described_by(
                                &[("kiosk-code-hint", true), ("kiosk-code-error", has_error())],
                            )
                        }
                        prop:value=move || code.get()
                        on:input=move |ev| code.set(event_target_value(&ev))
                    />
                    <Show when=has_error>
                        <p class="field-error" id="kiosk-code-error" role="alert">
                            {error_mark()}
                            {move || error.get().unwrap_or_default()}
                        </p>
                    </Show>
                </div>
                <div class="actions">
                    <button
                        type="submit"
                        class="button primary big"
                        aria-disabled=move || busy.get().to_string()
                    >
                        {move || if busy.get() { "Installation…" } else { "Installer" }}
                    </button>
                </div>
            </form>
        </div>
    }
}

#[component]
fn Paired(step: RwSignal<Step>, status: KioskStatus) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let structure = status.structure_name();
    let kiosk = status.kiosk.as_ref().map(|k| k.name.clone());
    let unpair = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::unpair_kiosk().await {
                Ok(()) => {
                    offline::refresh_app_page();
                    state.announce("Cette borne est désinstallée.");
                    step.set(Step::Form(Some("Cette borne est désinstallée.".into())));
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <div class="screen staff pairing">
            <h1 tabindex="-1">"Borne installée"</h1>
            <p class="confirm" id="pairing-status">
                {format!("Cette borne est installée pour\u{a0}: {structure}")}
            </p>
            {kiosk
                .filter(|k| !k.is_empty())
                .map(|k| view! { <p>{format!("Nom de la borne\u{a0}: {k}")}</p> })}
            <p>"Les résultats faits sur cette borne vont à cette structure."</p>
            <p>"À la fin de chaque test, tout est effacé de la borne."</p>
            <Show when=move || error.get().is_some()>
                <p class="form-error" role="alert">
                    {error_mark()}
                    {move || error.get().unwrap_or_default()}
                </p>
            </Show>
            <div class="actions">
                <a class="button primary big" href="/">
                    "Ouvrir le test"
                </a>
                <button
                    type="button"
                    class="button secondary"
                    aria-disabled=move || busy.get().to_string()
                    on:click=unpair
                >
                    "Désinstaller cette borne"
                </button>
            </div>
        </div>
    }
}
