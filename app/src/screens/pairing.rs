//! `/borne`: installing this device as a kiosk of a structure, or uninstalling it.
//!
//! Whoever sets the device up types the kiosk's pairing code, « code
//! d'installation » (ten symbols, `K7M4-QX2P-7H`; case, spaces and dashes do not
//! matter), given by the admin
//! screen or `repere kiosk add|code`; it works once, for 7 days. The server gives
//! the device a token in an `HttpOnly` cookie that this page never sees; from then
//! on the server serves the app in kiosk mode to this browser and files its
//! results under the structure.
//!
//! Uninstalling needs an admin of the kiosk's structure: logged in on this device,
//! or typing their login and password here (accessible authentication: nothing to
//! solve or transcribe, password managers and pasting work, the password can be
//! shown). A passer-by cannot turn the kiosk back into a browser that keeps what
//! people leave behind.
//!
//! Once paired, the page says which voice the kiosk's test will read aloud
//! with: the device's French voice, or the voice recorded at build time
//! (`speech.rs`).
//!
//! A device whose kiosk the server no longer knows (removed by the admin, or
//! installed again elsewhere) stays in kiosk mode; this page says so and offers a
//! new code or uninstalling. After pairing or unpairing, the service worker is
//! asked to fetch the app page again, so that its offline copy has the right mode.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::staff::form::{FormAlert, SubmitButton, TextField};
use super::staff::{
    focus_heading_soon, focus_soon, set_title, Credential, CredentialFields, CredentialForm,
    Credentials,
};
use crate::api::{self, KioskStatus};
use crate::offline;
use crate::speech::Voice;
use crate::state::AppState;

/// What a device whose kiosk the server no longer knows reads.
const STALE: &str =
    "Cette borne n'est plus enregistrée. Demandez un nouveau code à l'administrateur.";

/// Where the page stands.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// Asking the server.
    Checking,
    /// Not paired: the form, with a note on top (after unpairing, or when the
    /// server could not be asked).
    Form(Option<String>),
    /// A kiosk's device the server no longer knows: still in kiosk mode.
    Stale,
    /// Paired with a kiosk of a structure.
    Paired(KioskStatus),
}

impl Step {
    fn kind(&self) -> u8 {
        match self {
            Step::Checking => 0,
            Step::Form(_) => 1,
            Step::Stale => 2,
            Step::Paired(_) => 3,
        }
    }
}

/// The pairing page.
#[component]
pub fn PairingArea() -> impl IntoView {
    let state = expect_context::<AppState>();
    state.read_text.set(String::new());
    // Which voice the kiosk's test will read with (said once paired).
    state.speech.load_recorded();
    let step = RwSignal::new(Step::Checking);
    spawn_local(async move {
        step.set(match api::kiosk_status().await {
            Ok(s) if s.paired => Step::Paired(s),
            Ok(s) if s.stale => Step::Stale,
            Ok(_) => Step::Form(None),
            Err(e) => Step::Form(Some(e.message)),
        });
    });
    Effect::new(move |previous: Option<u8>| {
        let kind = step.with(Step::kind);
        set_title(if kind == 3 {
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
        Step::Form(note) => view! { <PairForm step note stale=false /> }.into_any(),
        Step::Stale => view! { <PairForm step note=None stale=true /> }.into_any(),
        Step::Paired(status) => view! { <Paired step status /> }.into_any(),
    }
}

#[component]
fn PairForm(step: RwSignal<Step>, note: Option<String>, stale: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = code.get_untracked().trim().to_string();
        if typed.is_empty() {
            error.set(Some("Écrivez le code d'installation.".into()));
            focus_soon("kiosk-code");
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::pair_kiosk(&typed).await {
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
            {if stale {
                view! { <p class="notice" id="pairing-status">{STALE}</p> }.into_any()
            } else {
                view! {
                    <p class="lead">
                        "Cette page transforme cet appareil en borne, pour une structure."
                    </p>
                }
                    .into_any()
            }}
            {note.map(|n| view! { <p class="notice">{n}</p> })}
            <form class="staff-form" on:submit=submit novalidate>
                <TextField
                    id="kiosk-code"
                    label="Code d'installation"
                    value=code
                    error=error
                    hint="10\u{a0}lettres ou chiffres, par exemple K7M4-QX2P-7H. L'administrateur de la structure vous le donne. Il marche une seule fois, pendant 7\u{a0}jours."
                    alert=true
                    class="text-input code-input"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    maxlength="30"
                />
                <div class="actions">
                    <SubmitButton busy=busy label="Installer" busy_label="Installation…" class="button primary big" />
                </div>
            </form>
            {stale.then(|| view! { <Unpair step /> })}
        </div>
    }
}

#[component]
fn Paired(step: RwSignal<Step>, status: KioskStatus) -> impl IntoView {
    let speech = expect_context::<AppState>().speech;
    let voice = move || match speech.kiosk_voice() {
        Voice::Device => "Lecture à voix haute\u{a0}: voix de l'appareil",
        Voice::Recorded => "Lecture à voix haute\u{a0}: voix enregistrée",
        Voice::Neither => "Lecture à voix haute\u{a0}: pas disponible pour le moment",
    };
    let structure = status.structure_name();
    let kiosk = status.kiosk.as_ref().map(|k| k.name.clone());
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
            <p id="voice-status">{voice}</p>
            <div class="actions">
                <a class="button primary big" href="/">
                    "Ouvrir le test"
                </a>
            </div>
            <Unpair step />
        </div>
    }
}

/// The uninstall form: an admin of the kiosk's structure logs in.
const UNPAIR: CredentialForm = CredentialForm {
    login_id: "unpair-login",
    password_id: "unpair-password",
    error_id: "unpair-error",
    login_label: "Identifiant de l'administrateur",
    missing_login: "Écrivez l'identifiant de l'administrateur.",
    missing_password: "Écrivez le mot de passe de l'administrateur.",
};

/// « Désinstaller cette borne »: a button that opens what an admin must do.
#[component]
fn Unpair(step: RwSignal<Step>) -> impl IntoView {
    let open = RwSignal::new(false);
    let toggle = move |_| {
        let now = !open.get_untracked();
        open.set(now);
        if now {
            focus_soon("unpair-title");
        }
    };
    view! {
        <div class="actions">
            <button
                type="button"
                class="button secondary"
                id="unpair-open"
                aria-expanded=move || open.get().to_string()
                aria-controls="unpair"
                on:click=toggle
            >
                "Désinstaller cette borne"
            </button>
        </div>
        <div id="unpair">
            <Show when=move || open.get()>
                <UnpairForm step />
            </Show>
        </div>
    }
}

/// What an admin must do to uninstall the kiosk: confirm with their session on
/// this device, or type their login and password (and, when their account has a
/// second factor, the code of their app: its field shows when the server asks).
#[component]
fn UnpairForm(step: RwSignal<Step>) -> impl IntoView {
    let state = expect_context::<AppState>();
    // The admin logged in on this device, if any.
    let admin = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(me) = api::me().await {
            if me.user.role == "admin" {
                admin.set(Some(me.user.login));
            }
        }
    });
    let credentials = Credentials::new(&UNPAIR);
    let errors = credentials.errors;
    let busy = RwSignal::new(false);
    // The second factor's code, once the server asked for it.
    let code_asked = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);

    let send = move |typed: Option<(String, String)>| {
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        code_error.set(None);
        busy.set(true);
        let typed_code = code_asked
            .get_untracked()
            .then(|| code.get_untracked().trim().to_string());
        spawn_local(async move {
            let result = api::unpair_kiosk(
                typed.as_ref().map(|(l, p)| (l.as_str(), p.as_str())),
                typed_code.as_deref(),
            )
            .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    offline::refresh_app_page();
                    state.announce("Cette borne est désinstallée.");
                    step.set(Step::Form(Some("Cette borne est désinstallée.".into())));
                }
                Err(e) if e.field.as_deref() == Some("code") => {
                    // The password was right: the code is asked (again).
                    code_asked.set(true);
                    code.set(String::new());
                    code_error.set(Some(e.error.message));
                    focus_soon("unpair-code");
                }
                Err(e) => {
                    let field = match e.field.as_deref() {
                        Some("password") => Credential::Password,
                        Some("login") => Credential::Login,
                        _ => Credential::Form,
                    };
                    let message = match e.error.status {
                        // The kiosk is not of this account's structure.
                        404 => "Ce compte n'est pas administrateur de la structure de cette borne."
                            .to_string(),
                        _ => e.error.message,
                    };
                    // A session that cannot do it: the form, for another account.
                    admin.set(None);
                    credentials.password.set(String::new());
                    errors.set(field, message);
                    focus_soon(match field {
                        Credential::Password => UNPAIR.password_id,
                        Credential::Login => UNPAIR.login_id,
                        Credential::Form => UNPAIR.error_id,
                    });
                }
            }
        });
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Some(typed) = credentials.typed() {
            send(Some(typed));
        }
    };

    let form = move || {
        view! {
            <form class="staff-form" on:submit=submit novalidate>
                <CredentialFields credentials />
                <Show when=move || code_asked.get()>
                    <TextField
                        id="unpair-code"
                        label="Code à 6 chiffres de l'administrateur"
                        value=code
                        error=code_error
                        hint="Le code de son application d'authentification, ou un code de secours."
                        name="one-time-code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        autocapitalize="none"
                        spellcheck="false"
                        maxlength="14"
                    />
                </Show>
                <div class="actions">
                    <SubmitButton busy=busy label="Désinstaller" busy_label="Désinstallation…" />
                </div>
            </form>
        }
    };

    view! {
        <section class="staff-section" aria-labelledby="unpair-title">
            <h2 id="unpair-title" tabindex="-1">
                "Désinstaller cette borne"
            </h2>
            <p>"Seul un administrateur de la structure peut le faire."</p>
            <p>
                "Ensuite, cet appareil n'efface plus rien entre deux personnes. Il redevient un navigateur ordinaire."
            </p>
            <FormAlert
                id=UNPAIR.error_id
                message=errors.of(Credential::Form)
                focusable=true
            />
            {move || match admin.get() {
                Some(name) => view! {
                    <p>{format!("Vous êtes connecté comme administrateur\u{a0}: {name}.")}</p>
                    <div class="actions">
                        <button
                            type="button"
                            class="button primary"
                            aria-disabled=move || busy.get().to_string()
                            on:click=move |_| send(None)
                        >
                            "Oui, désinstaller"
                        </button>
                    </div>
                }
                .into_any(),
                None => form().into_any(),
            }}
        </section>
    }
}
