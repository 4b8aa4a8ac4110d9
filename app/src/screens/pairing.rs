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
//! A device whose kiosk the server no longer knows (removed by the admin, or
//! installed again elsewhere) stays in kiosk mode; this page says so and offers a
//! new code or uninstalling. After pairing or unpairing, the service worker is
//! asked to fetch the app page again, so that its offline copy has the right mode.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::staff::{described_by, error_mark, focus_heading_soon, focus_soon, set_title};
use crate::api::{self, KioskStatus};
use crate::offline;
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
    let has_error = move || error.with(Option::is_some);
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
                <div class="field">
                    <label class="field-label" for="kiosk-code">
                        "Code d'installation"
                    </label>
                    <p class="field-hint" id="kiosk-code-hint">
                        "10\u{a0}lettres ou chiffres, par exemple K7M4-QX2P-7H. L'administrateur de la structure vous le donne. Il marche une seule fois, pendant 7\u{a0}jours."
                    </p>
                    <input
                        id="kiosk-code"
                        class="text-input code-input"
                        type="text"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        maxlength="30"
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
            {stale.then(|| view! { <Unpair step /> })}
        </div>
    }
}

#[component]
fn Paired(step: RwSignal<Step>, status: KioskStatus) -> impl IntoView {
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
            <div class="actions">
                <a class="button primary big" href="/">
                    "Ouvrir le test"
                </a>
            </div>
            <Unpair step />
        </div>
    }
}

/// Which field an error of the uninstall form is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Login,
    Password,
    /// The whole form (refused, server down).
    Form,
}

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
/// this device, or type their login and password.
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
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<(Field, String)>);
    let error_on = move |f: Field| error.with(|e| e.as_ref().is_some_and(|(x, _)| *x == f));
    let error_text = move || error.with(|e| e.as_ref().map(|(_, m)| m.clone()).unwrap_or_default());

    let send = move |credentials: Option<(String, String)>| {
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            let result =
                api::unpair_kiosk(credentials.as_ref().map(|(l, p)| (l.as_str(), p.as_str())))
                    .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    offline::refresh_app_page();
                    state.announce("Cette borne est désinstallée.");
                    step.set(Step::Form(Some("Cette borne est désinstallée.".into())));
                }
                Err(e) => {
                    let field = match e.field.as_deref() {
                        Some("password") => Field::Password,
                        Some("login") => Field::Login,
                        _ => Field::Form,
                    };
                    let message = match e.error.status {
                        // The kiosk is not of this account's structure.
                        404 => "Ce compte n'est pas administrateur de la structure de cette borne."
                            .to_string(),
                        _ => e.error.message,
                    };
                    // A session that cannot do it: the form, for another account.
                    admin.set(None);
                    password.set(String::new());
                    error.set(Some((field, message)));
                    focus_soon(match field {
                        Field::Password => "unpair-password",
                        Field::Login => "unpair-login",
                        Field::Form => "unpair-error",
                    });
                }
            }
        });
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let name = login.get_untracked().trim().to_string();
        let secret = password.get_untracked();
        if name.is_empty() {
            error.set(Some((
                Field::Login,
                "Écrivez l'identifiant de l'administrateur.".into(),
            )));
            focus_soon("unpair-login");
            return;
        }
        if secret.is_empty() {
            error.set(Some((
                Field::Password,
                "Écrivez le mot de passe de l'administrateur.".into(),
            )));
            focus_soon("unpair-password");
            return;
        }
        send(Some((name, secret)));
    };

    let form = move || {
        view! {
            <form class="staff-form" on:submit=submit novalidate>
                <div class="field">
                    <label class="field-label" for="unpair-login">
                        "Identifiant de l'administrateur"
                    </label>
                    <input
                        id="unpair-login"
                        class="text-input"
                        type="text"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        aria-invalid=move || error_on(Field::Login).to_string()
                        aria-describedby=move || {
                            described_by(
                                &[
                                    ("unpair-login-error", error_on(Field::Login)),
                                    ("unpair-error", error_on(Field::Form)),
                                ],
                            )
                        }
                        prop:value=move || login.get()
                        on:input=move |ev| login.set(event_target_value(&ev))
                    />
                    <Show when=move || error_on(Field::Login)>
                        <p class="field-error" id="unpair-login-error">
                            {error_mark()}
                            {error_text}
                        </p>
                    </Show>
                </div>
                <div class="field">
                    <label class="field-label" for="unpair-password">
                        "Mot de passe"
                    </label>
                    <input
                        id="unpair-password"
                        class="text-input"
                        type=move || if show_password.get() { "text" } else { "password" }
                        name="password"
                        autocomplete="current-password"
                        autocapitalize="none"
                        spellcheck="false"
                        aria-invalid=move || error_on(Field::Password).to_string()
                        aria-describedby=move || {
                            described_by(
                                &[
                                    ("unpair-password-error", error_on(Field::Password)),
                                    ("unpair-error", error_on(Field::Form)),
                                ],
                            )
                        }
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                    <Show when=move || error_on(Field::Password)>
                        <p class="field-error" id="unpair-password-error">
                            {error_mark()}
                            {error_text}
                        </p>
                    </Show>
                </div>
                <label class="option check">
                    <input
                        type="checkbox"
                        prop:checked=move || show_password.get()
                        on:change=move |ev| show_password.set(event_target_checked(&ev))
                    />
                    <span>"Afficher le mot de passe"</span>
                </label>
                <div class="actions">
                    <button
                        type="submit"
                        class="button primary"
                        aria-disabled=move || busy.get().to_string()
                    >
                        {move || if busy.get() { "Désinstallation…" } else { "Désinstaller" }}
                    </button>
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
            <Show when=move || error_on(Field::Form)>
                <p class="form-error" id="unpair-error" tabindex="-1" role="alert">
                    {error_mark()}
                    {error_text}
                </p>
            </Show>
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
