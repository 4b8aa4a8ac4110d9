//! The staff screens: login, the agent's screening, the mediator's profiles and
//! sessions, the admin's accounts and kiosks. They talk to the server through [`crate::api`]; nothing of them is
//! kept in the browser's storage.
//!
//! Every staff area sits behind [`StaffGate`]: it asks the server who is logged in
//! (`GET /api/me`), shows the login form when nobody is, and the area's screens when
//! the account has the right role. A request that answers 401 later (session
//! expired) brings the login form back with a plain message. When the server
//! cannot be reached (the tablet has no network, or the server is restarting),
//! nobody is asked to log in: the gate says so and asks again by itself, every
//! few seconds and as soon as the browser is back online, then opens the area
//! with the session the device already has, and sends at once the results
//! waiting on the device (the outbox's own try when the browser said it was
//! online may have come before the network worked).
//!
//! Their forms are made of the pieces of [`form`] (fields, errors, submit button).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

pub use super::common::{
    described_by, error_mark, focus_heading_soon, focus_id_soon, focus_soon, set_title,
};
use crate::api::{self, ApiError, Me};
use crate::offline;
use crate::state::AppState;
use form::{Errors, FormAlert, ShowPassword, SubmitButton, TextField};

mod admin;
mod agent;
pub mod form;
mod login;
mod mediator;
mod recent;
mod result;
mod second_factor;
mod table;

pub use admin::AdminArea;
pub use agent::AgentArea;
pub use login::{Credential, CredentialFields, CredentialForm, Credentials, LoginArea};
pub use mediator::MediatorArea;

/// Where the session stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionState {
    /// Asking the server.
    Checking,
    /// The server could not be reached: asked again by itself.
    Unreachable,
    /// Nobody is logged in; the message says why, if there is something to say.
    LoggedOut(Option<String>),
    /// An account is logged in.
    LoggedIn(Me),
}

impl SessionState {
    fn kind(&self) -> u8 {
        match self {
            SessionState::Checking => 0,
            SessionState::LoggedOut(_) => 1,
            SessionState::LoggedIn(_) => 2,
            SessionState::Unreachable => 3,
        }
    }
}

/// The session, shared by the screens of a staff area.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>);

impl Session {
    /// Turns an API error into the message to show; a 401 logs out and shows the
    /// login form instead (the message is then for that form).
    pub fn message(&self, error: &ApiError) -> String {
        if error.is_logged_out() {
            self.0.set(SessionState::LoggedOut(Some(
                "Votre session est terminée. Connectez-vous à nouveau.".into(),
            )));
        }
        error.message.clone()
    }

    /// The logged-in account, if any (untracked).
    pub fn me(&self) -> Option<Me> {
        match self.0.get_untracked() {
            SessionState::LoggedIn(me) => Some(me),
            _ => None,
        }
    }
}

/// Who may use a staff area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Post office agents (`/agent`).
    Agent,
    /// Mediators, and admins for the list and exports (`/mediateur`).
    Mediator,
    /// Admins of a structure (`/admin`).
    Admin,
}

impl Audience {
    fn admits(self, role: &str) -> bool {
        match self {
            Audience::Agent => role == "agent",
            Audience::Mediator => role == "trainer" || role == "admin",
            Audience::Admin => role == "admin",
        }
    }
}

/// The home of a role (where a login leads).
pub fn home_of(role: &str) -> &'static str {
    match role {
        "agent" => "/agent",
        "admin" => "/admin",
        _ => "/mediateur",
    }
}

/// How often the gate asks the server again while it cannot be reached.
const RETRY_EVERY: Duration = Duration::from_secs(5);

/// Asks the server who is logged in and shows, in turn: « Un instant… », the login
/// form, or `children` (with the account bar above) when the account belongs to
/// `audience`.
#[component]
pub fn StaffGate(audience: Audience, children: ChildrenFn) -> impl IntoView {
    let state = expect_context::<AppState>();
    // « Écouter » reads what the screen shows.
    state.read_text.set(String::new());
    let session = Session(RwSignal::new(SessionState::Checking));
    provide_context(session);
    let check = move || {
        spawn_local(async move {
            let next = match api::me().await {
                Ok(me) => SessionState::LoggedIn(me),
                Err(e) if e.is_logged_out() => SessionState::LoggedOut(None),
                // No answer, or a server that is not ready: nothing the person can
                // fix by logging in again.
                Err(e) if e.status == 0 || e.status >= 500 => SessionState::Unreachable,
                Err(e) => SessionState::LoggedOut(Some(e.message)),
            };
            // The server answers again: what waits in the outbox can go now,
            // rather than at its next try (up to 30 s later).
            let back = session.0.try_get_untracked() == Some(SessionState::Unreachable)
                && matches!(next, SessionState::LoggedIn(_));
            // The gate may be gone by the time the server answers.
            session.0.try_set(next);
            if back {
                offline::flush().await;
            }
        });
    };
    check();
    // Also false once the gate is gone (its session disposed): no more checks.
    let unreachable = move || session.0.try_get_untracked() == Some(SessionState::Unreachable);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if unreachable() {
                check();
            }
        },
        RETRY_EVERY,
    ) {
        on_cleanup(move || handle.clear());
    }
    let online = window_event_listener(leptos::ev::online, move |_| {
        if unreachable() {
            check();
        }
    });
    on_cleanup(move || online.remove());
    // Logging in or out changes the whole screen: focus goes to its heading.
    Effect::new(move |previous: Option<u8>| {
        let kind = session.0.with(SessionState::kind);
        if previous.is_some_and(|p| p != 0 && p != kind) {
            focus_heading_soon();
        }
        kind
    });
    let children = StoredValue::new(children);
    move || match session.0.get() {
        SessionState::Checking => view! { <p class="wiping">"Un instant…"</p> }.into_any(),
        SessionState::Unreachable => {
            set_title("Pas de réseau");
            view! {
                <div class="screen staff">
                    <h1 tabindex="-1">"Pas de réseau"</h1>
                    <p role="status">"Le serveur ne répond pas pour le moment."</p>
                    <p>"Cette page se met à jour toute seule quand le réseau revient."</p>
                    <div class="actions">
                        <button type="button" class="button" on:click=move |_| check()>
                            "Réessayer maintenant"
                        </button>
                    </div>
                </div>
            }
            .into_any()
        }
        SessionState::LoggedOut(reason) => {
            set_title("Connexion");
            view! { <login::LoginForm reason=reason /> }.into_any()
        }
        // An admin whose structure requires a second factor sets it up first.
        SessionState::LoggedIn(me) if me.user.needs_second_factor => view! {
            <AccountBar me=me.clone() />
            <second_factor::RequiredSetup />
        }
        .into_any(),
        SessionState::LoggedIn(me) if audience.admits(&me.user.role) => view! {
            <AccountBar me=me.clone() />
            {children.read_value()()}
        }
        .into_any(),
        SessionState::LoggedIn(me) => view! {
            <AccountBar me=me.clone() />
            <WrongArea me=me />
        }
        .into_any(),
    }
}

/// Who is logged in, « Mon mot de passe » (a form to change it), « Double
/// authentification » (set it up, or remove it) and « Se déconnecter ».
#[component]
fn AccountBar(me: Me) -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = expect_context::<Session>();
    let busy = RwSignal::new(false);
    let password_open = RwSignal::new(false);
    let factor_open = RwSignal::new(false);
    let changed = RwSignal::new(false);
    let factor = me.user.second_factor.clone();
    // While the setup is the whole screen, it is not offered here too.
    let offer_factor = !me.user.needs_second_factor;
    let logout = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            // Logged out on the server or not (network down), this screen forgets
            // the account: the cookie expires on its own.
            let _ = api::logout().await;
            session.0.set(SessionState::LoggedOut(None));
            state.announce("Vous êtes déconnecté.");
        });
    };
    let toggle_password = move |_| {
        let open = !password_open.get_untracked();
        changed.set(false);
        password_open.set(open);
        factor_open.set(false);
        if open {
            focus_soon("own-current");
        }
    };
    let toggle_factor = move |_| {
        let open = !factor_open.get_untracked();
        factor_open.set(open);
        password_open.set(false);
        if open {
            focus_soon("second-factor-title");
        }
    };
    let structure = me.user.structure.name.clone().unwrap_or_default();
    let role = if me.user.role_label.is_empty() {
        me.user.role.clone()
    } else {
        me.user.role_label.clone()
    };
    view! {
        <section class="account-bar no-print" aria-label="Votre compte">
            <p class="account-who">
                <strong>{me.user.login.clone()}</strong>
                <span class="account-detail">{format!("{role} · {structure}")}</span>
            </p>
            <div class="account-actions">
                <button
                    type="button"
                    class="button secondary"
                    id="own-password-toggle"
                    aria-expanded=move || password_open.get().to_string()
                    on:click=toggle_password
                >
                    "Mon mot de passe"
                </button>
                {offer_factor
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button secondary"
                                id="second-factor-toggle"
                                aria-expanded=move || factor_open.get().to_string()
                                on:click=toggle_factor
                            >
                                "Double authentification"
                            </button>
                        }
                    })}
                <button
                    type="button"
                    class="button secondary"
                    on:click=logout
                    aria-disabled=move || busy.get().to_string()
                >
                    "Se déconnecter"
                </button>
            </div>
        </section>
        <div class="staff no-print">
            <Show when=move || password_open.get()>
                <OwnPassword open=password_open changed=changed />
            </Show>
            <Show when=move || factor_open.get()>
                <second_factor::SecondFactorPanel factor=factor.clone() />
            </Show>
            <Show when=move || changed.get()>
                <p class="confirm own-password-done" id="own-password-done" tabindex="-1">
                    "Votre mot de passe est changé. Vos autres connexions sont terminées."
                </p>
            </Show>
        </div>
    }
}

/// Which field of the password form an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PasswordField {
    Current,
    New,
    Form,
}

/// The form to change one's own password: the current one, then the new one (12
/// characters at least). The server ends the account's other sessions.
#[component]
fn OwnPassword(open: RwSignal<bool>, changed: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = expect_context::<AppState>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let shown = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let errors = Errors::<PasswordField>::new();
    let fail = move |field: PasswordField, message: String| {
        errors.set(field, message);
        focus_soon(match field {
            PasswordField::Current | PasswordField::Form => "own-current",
            PasswordField::New => "own-new",
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if old.is_empty() {
            return fail(
                PasswordField::Current,
                "Écrivez votre mot de passe actuel.".into(),
            );
        }
        if fresh.chars().count() < MIN_PASSWORD_CHARS {
            return fail(
                PasswordField::New,
                format!(
                    "Le nouveau mot de passe doit contenir au moins {MIN_PASSWORD_CHARS} caractères."
                ),
            );
        }
        errors.clear();
        busy.set(true);
        spawn_local(async move {
            let result = api::change_password(&old, &fresh).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    state.announce("Votre mot de passe est changé.");
                    open.set(false);
                    changed.set(true);
                    focus_soon("own-password-done");
                }
                Err(api::FormError { error: e, field }) => {
                    let message = session.message(&e);
                    let field = match field.as_deref() {
                        Some("current") => PasswordField::Current,
                        Some("new") => PasswordField::New,
                        _ => PasswordField::Form,
                    };
                    fail(field, message);
                }
            }
        });
    };
    let cancel = move |_| {
        open.set(false);
        focus_soon("own-password-toggle");
    };
    let kind = Signal::derive(move || if shown.get() { "text" } else { "password" });
    view! {
        <form class="staff-form own-password no-print" on:submit=submit novalidate>
            <fieldset class="setting">
                <legend>"Changer mon mot de passe"</legend>
                <FormAlert id="own-error" message=errors.of(PasswordField::Form) />
                <TextField
                    id="own-current"
                    label="Mot de passe actuel"
                    value=current
                    error=errors.of(PasswordField::Current)
                    form_error=("own-error", errors.shown(PasswordField::Form))
                    input_type=kind
                    autocomplete="current-password"
                    autocapitalize="none"
                    spellcheck="false"
                />
                <TextField
                    id="own-new"
                    label="Nouveau mot de passe"
                    value=new
                    error=errors.of(PasswordField::New)
                    hint=format!("{MIN_PASSWORD_CHARS} caractères au moins.")
                    input_type=kind
                    autocomplete="new-password"
                    autocapitalize="none"
                    spellcheck="false"
                />
                <ShowPassword shown=shown label="Afficher les mots de passe" />
                <div class="actions">
                    <SubmitButton busy=busy label="Enregistrer" />
                    <button type="button" class="button secondary" on:click=cancel>
                        "Annuler"
                    </button>
                </div>
            </fieldset>
        </form>
    }
}

/// Shortest password (the server's `auth::MIN_PASSWORD_CHARS`).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// An account of another role opened this area.
#[component]
fn WrongArea(me: Me) -> impl IntoView {
    set_title("Page réservée");
    let home = home_of(&me.user.role);
    let (text, link) = match me.user.role.as_str() {
        "agent" => (
            "Cette page n'est pas pour les agents.",
            "Aller à l'espace agent",
        ),
        "admin" => (
            "Cette page est pour les agents.",
            "Aller à l'administration",
        ),
        _ => (
            "Cette page n'est pas pour les médiateurs.",
            "Aller à l'espace médiateur",
        ),
    };
    view! {
        <div class="screen">
            <h1 tabindex="-1">"Page réservée"</h1>
            <p>{text}</p>
            <p>
                <a class="button" href=home>
                    {link}
                </a>
            </p>
        </div>
    }
}
